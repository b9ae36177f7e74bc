"""Splitting one large native log over processes gives exactly the serial output, in the serial order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import parallel, reader
from trajaudit.cli import app

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)


def messy_log(path: Path, seed: int = 7, events: int = 1500) -> Path:
    """Interleaved trajectories with failures, loops, late events, schema errors and broken lines."""
    rng = random.Random(seed)
    open_steps: dict[str, int] = {}
    closed: list[str] = []
    lines: list[str] = []
    counter = 0
    for _ in range(events):
        if len(open_steps) < 5 or rng.random() < 0.05:
            counter += 1
            open_steps[f"t{counter}"] = 0
        if closed and rng.random() < 0.01:  # an event after the outcome
            lines.append(json.dumps({"trajectory": rng.choice(closed), "step": 99, "kind": "reasoning", "text": "x"}))
        tid = rng.choice(sorted(open_steps))
        step = open_steps[tid]
        roll = rng.random()
        if step == 0:
            event = {
                "kind": "task",
                "task_id": f"k{counter % 5}",
                "goal": "g",
                "tools": [{"name": "a", "parameters": {"type": "object", "required": ["x"]}}],
            }
        elif roll < 0.12 and step > 3:
            event = {"kind": "outcome", "success": rng.random() < 0.5}
        elif roll < 0.4:
            event = {
                "kind": "tool_call",
                "call_id": f"c{step}",
                "tool": rng.choice("ab"),
                "arguments": rng.choice([{}, {"x": 1}]),
            }
        elif roll < 0.6:
            event = {"kind": "tool_result", "call_id": f"c{step - 1}", "ok": rng.random() < 0.7, "output": "Error"}
        else:
            event = {
                "kind": "message",
                "role": "assistant",
                "confidence": rng.random(),
                "text": rng.choice(["Done, the order has been cancelled.", "I could not do it.", "ok"]),
            }
        lines.append(json.dumps({"trajectory": tid, "step": step, **event}))
        if event["kind"] == "outcome":
            del open_steps[tid]
            closed.append(tid)
        else:
            open_steps[tid] = step + 1
        if rng.random() < 0.01:
            lines.append('{"broken": ')
        if rng.random() < 0.01:
            lines.append(json.dumps({"trajectory": tid, "step": "one", "kind": "message"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "sarif", "junit"])
def test_audit_output_does_not_depend_on_jobs(tmp_path, fmt):
    log = str(messy_log(tmp_path / "big.jsonl"))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["audit", log, "--format", fmt, "-q", "-j", str(j)]) for j in (1, 2, 3)]
    assert all(o.exit_code == 1 for o in outputs), [o.output[-500:] for o in outputs]
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout  # the same bytes, JUnit's time included


def test_validate_output_does_not_depend_on_jobs(tmp_path):
    log = str(messy_log(tmp_path / "big.jsonl"))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["validate", log, "--format", "jsonl", "-q", "-j", str(j)]) for j in (1, 2, 3)]
    assert outputs[0].exit_code == outputs[1].exit_code == outputs[2].exit_code == 1
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    summary = json.loads(outputs[1].stdout.splitlines()[-1])
    assert summary["trajectories"] > 50 and summary["findings_by_rule"]["TA001"] > 0


def test_one_native_file_is_cut_into_ranges(tmp_path):
    log = messy_log(tmp_path / "a.jsonl", events=50)
    from trajaudit.reader import discover

    one = list(discover([str(log)]))
    parts = parallel.plan(one, "auto", 2)
    assert len(parts) > 1 and all(part.share is not None and part.format == "native" for part in parts)
    assert len(parallel.plan(one, "auto", 1)) == 1
    assert all(part.share is None for part in parallel.plan(one * 2, "auto", 2))  # several files: whole ones
    assert parallel.default_jobs(one, "auto") == 1  # small files are not worth the processes


def spread_log(path: Path, seed: int, trajectories: int = 12, outcome_rate: float = 0.8, late_rate: float = 0.1,
               newline: str = "\n", trailing: bool = True, duplicate_key: bool = False) -> Path:
    """Interleaved trajectories sized so that any cut falls inside some of them: some never end (no outcome),
    some get an event long after their outcome (so a later range continues an id an earlier one closed), schema
    errors and broken lines anywhere, compact and spaced lines, escaped ids."""
    rng = random.Random(seed)
    ids = [f"t{i}" for i in range(trajectories)] + ["es\\u0063aped"]
    ends = {tid: rng.random() < outcome_rate for tid in ids}
    steps = dict.fromkeys(ids, 0)
    order = [tid for tid in ids for _ in range(rng.randint(2, 9))]
    rng.shuffle(order)
    lines: list[str] = []
    finished: list[str] = []
    remaining = {tid: order.count(tid) for tid in ids}
    for tid in order:
        remaining[tid] -= 1
        step = steps[tid]
        steps[tid] += 1
        if step == 0:
            body = '"kind": "task", "task_id": "k", "tools": [{"name": "a"}]'
        elif remaining[tid] == 0 and ends[tid]:
            body = f'"kind": "outcome", "success": {"true" if rng.random() < 0.5 else "false"}'
            finished.append(tid)
        elif rng.random() < 0.4:
            body = f'"kind": "tool_call", "call_id": "c{step}", "tool": "{rng.choice("ab")}", "arguments": {{}}'
        elif rng.random() < 0.5:
            body = f'"kind": "tool_result", "call_id": "c{step - 1}", "ok": {"true" if rng.random() < 0.6 else "false"}'
        else:
            body = '"kind": "message", "role": "assistant", "text": "Done, the order has been cancelled."'
        spaced = rng.random() < 0.3
        head = f'{{"trajectory": "{tid}", ' if spaced else f'{{"trajectory":"{tid}",'
        if duplicate_key and rng.random() < 0.05:
            head = f'{{"trajectory":"{rng.choice(ids)}","trajectory":"{tid}",'
        lines.append(f'{head}"step": {step}, {body}}}')
        if finished and rng.random() < late_rate:
            late = rng.choice(finished)
            lines.append(f'{{"trajectory":"{late}","step":{steps[late]},"kind":"reasoning","text":"late"}}')
            steps[late] += 1
        if rng.random() < 0.03:
            bad = f'{{"trajectory":"{tid}","step":"x","kind":"message"}}'
            lines.append(rng.choice(['{"broken": ', "[1, 2]", bad, ""]))
    path.write_bytes((newline.join(lines) + (newline if trailing else "")).encode("utf-8"))
    return path


def _audit(log: Path, jobs: int, *extra: str, command: str = "audit") -> str:
    result = CliRunner().invoke(app, [command, str(log), "--format", "jsonl", "-q", "-j", str(jobs), *extra])
    assert result.exit_code in (0, 1), result.output[-2000:]
    return result.stdout


@given(
    seed=st.integers(0, 10**6),
    jobs=st.integers(2, 6),
    outcome_rate=st.sampled_from([0.0, 0.5, 1.0]),
    late_rate=st.sampled_from([0.0, 0.2]),
    newline=st.sampled_from(["\n", "\r\n"]),
    trailing=st.booleans(),
    duplicate_key=st.booleans(),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_byte_ranges_give_the_serial_result_whatever_the_cuts(
    tmp_path, seed, jobs, outcome_rate, late_rate, newline, trailing, duplicate_key
):
    log = spread_log(tmp_path / f"spread-{seed}.jsonl", seed, outcome_rate=outcome_rate, late_rate=late_rate,
                     newline=newline, trailing=trailing, duplicate_key=duplicate_key)
    assert _audit(log, jobs) == _audit(log, 1)
    assert _audit(log, jobs, command="validate") == _audit(log, 1, command="validate")


def test_byte_ranges_carry_external_outcomes_and_trajectories_that_never_end(tmp_path):
    log = spread_log(tmp_path / "open.jsonl", seed=3, trajectories=30, outcome_rate=0.3, late_rate=0.3)
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps({f"t{i}": {"success": i % 2 == 0} for i in range(0, 30, 3)}), encoding="utf-8")
    serial = _audit(log, 1, "--outcomes", str(outcomes))
    assert '"source":' in serial or "outcome" in serial
    for jobs in (2, 3, 5, 8):
        assert _audit(log, jobs, "--outcomes", str(outcomes)) == serial


def test_byte_shares_start_at_line_starts_and_cover_the_file(tmp_path):
    from trajaudit.reader import discover

    log = messy_log(tmp_path / "m.jsonl", events=300)
    data = log.read_bytes()
    source = next(discover([str(log)]))
    for jobs in (2, 3, 7, 50):
        shares = parallel.byte_shares(source, jobs)
        assert shares is not None and 1 <= len(shares) <= jobs
        assert shares[0].start == 0 and shares[-1].end is None
        for share, following in zip(shares, shares[1:], strict=False):
            assert share.end == following.start and data[following.start - 1 : following.start] == b"\n"
    gz = tmp_path / "m.jsonl.gz"
    gz.write_bytes(__import__("gzip").compress(data))
    assert parallel.byte_shares(next(discover([str(gz)])), 2) is None  # a compressed stream cannot be cut


@pytest.mark.parametrize("chunk", [3, 7, 64, 1 << 20])
@pytest.mark.parametrize("trailing", [True, False])
def test_line_starts_are_where_the_reader_finds_the_lines(tmp_path, monkeypatch, chunk, trailing):
    from trajaudit.reader import discover

    rows = [b"", b"{}", b"x" * 40, b"\xc3\xa9", b"", b"a\r", b"last"]
    data = b"\n".join(rows) + (b"\n" if trailing else b"")
    log = tmp_path / "l.jsonl"
    log.write_bytes(b"skip me\n" + data)
    source = next(discover([str(log)]))
    begins = [8]
    for row in rows[:-1]:
        begins.append(begins[-1] + len(row) + 1)
    monkeypatch.setattr(parallel, "CHUNK", chunk)  # lines that begin at, just after and across chunk ends
    assert parallel.line_starts(source, 8, range(1, len(rows) + 1)) == dict(enumerate(begins, 1))
    assert parallel.line_starts(source, 8, [6, 2, 2]) == {2: begins[1], 6: begins[5]}
    assert parallel.line_starts(source, 8, []) == {}
    with source.open_file() as stream:
        stream.seek(begins[2])
        assert stream.readline() == b"x" * 40 + b"\n"


def test_a_gzip_file_is_one_part(tmp_path):
    from trajaudit.reader import discover

    log = messy_log(tmp_path / "m.jsonl")
    gz = tmp_path / "m.jsonl.gz"
    gz.write_bytes(__import__("gzip").compress(log.read_bytes()))
    assert len(parallel.plan(list(discover([str(gz)])), "auto", 2)) == 1  # a compressed stream cannot be cut
    assert _audit(gz, 2) == _audit(gz, 1)
    assert _audit(gz, 2, command="validate") == _audit(gz, 1, command="validate")


def test_a_read_error_inside_a_later_range_is_reported_not_lost(tmp_path, monkeypatch):
    import io
    from dataclasses import replace

    from trajaudit import reader
    from trajaudit.reader import Malformed, discover

    log = messy_log(tmp_path / "m.jsonl", events=50)
    source = next(discover([str(log)]))
    share = parallel.byte_shares(source, 2)[1]

    class Failing(io.BytesIO):
        def __iter__(self):
            raise OSError(5, "Input/output error")

        def readline(self, *args):  # lines are read with a length limit (reader.lines)
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(reader, "open", lambda *args, **kwargs: Failing(b""), raising=False)
    found = list(reader.iter_json(replace(source, span=reader.Span(share.start, share.end, 7))))
    assert len(found) == 1 and isinstance(found[0], Malformed) and found[0].unreadable
    assert "Input/output error" in found[0].message


def _validated(log: Path, jobs: int, cap: int = 1000) -> bytes:
    """`validate --format jsonl` through the engine, with a per-file cap of `cap` findings (no CLI option sets it)."""
    import io

    from trajaudit import engine
    from trajaudit.model import Limits
    from trajaudit.reader import discover
    from trajaudit.report import jsonl

    run = engine.Validation(discover([str(log)]), engine.Options(jobs=jobs, limits=Limits(max_findings_per_file=cap)))
    out = io.BytesIO()
    jsonl.render(run, run.summary, out)
    assert b"TA001" in out.getvalue()
    return out.getvalue()


def _boundary_log(path: Path) -> Path:
    """Interleaved trajectories: an outcome, a broken line, a late event after an outcome, a schema error noted on a
    trajectory, and a trajectory that never ends; cut anywhere by `_cut_before`."""
    lines = [
        {"trajectory": "t1", "step": 0, "kind": "task", "task_id": "k", "goal": "g", "tools": [{"name": "a"}]},
        {"trajectory": "t2", "step": 0, "kind": "task", "task_id": "k", "goal": "g", "tools": [{"name": "a"}]},
        {"trajectory": "t1", "step": 1, "kind": "message", "role": "assistant", "text": "Done, all tests pass."},
        {"trajectory": "t2", "step": 1, "kind": "tool_call", "call_id": "c1", "tool": "b", "arguments": {}},
        {"trajectory": "t1", "step": 2, "kind": "outcome", "success": False},
        {"trajectory": "t2", "step": 2, "kind": "tool_result", "call_id": "c1", "ok": False, "error": "boom"},
        '{"broken": ',
        {"trajectory": "t3", "step": 0, "kind": "task", "task_id": "k", "goal": "g", "tools": [{"name": "a"}]},
        {"trajectory": "t2", "step": 3, "kind": "message", "role": "assistant", "text": "Fixed it."},
        {"trajectory": "t1", "step": 3, "kind": "reasoning", "text": "late"},
        {"trajectory": "t3", "step": "x", "kind": "message"},
        {"trajectory": "t2", "step": 4, "kind": "outcome", "success": True},
        {"trajectory": "t3", "step": 1, "kind": "message", "role": "assistant", "text": "I could not do it."},
        {"trajectory": "t4", "step": 0, "kind": "task", "task_id": "k", "goal": "g", "tools": [{"name": "a"}]},
        {"trajectory": "t3", "step": 2, "kind": "outcome", "success": False},
        {"trajectory": "t4", "step": 1, "kind": "tool_call", "call_id": "c", "tool": "a", "arguments": {}},
    ]
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def _cut_before(monkeypatch, log: Path, numbers: list[int]) -> None:
    """Make `plan` cut the log right before each of these (1-based) lines, whatever the number of jobs."""
    data = log.read_bytes()
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10][:-1]
    cuts = [0] + [starts[n - 1] for n in numbers]

    def shares(source, jobs, count_lines=False, taper=0):  # type: ignore[no-untyped-def]
        ends = [*cuts[1:], None]
        return [parallel.Share(k, len(cuts), start, end, data[:start].count(b"\n") if count_lines else None)
                for k, (start, end) in enumerate(zip(cuts, ends, strict=True))]

    monkeypatch.setattr(parallel, "byte_shares", shares)


@pytest.mark.parametrize("numbers", [list(range(2, 17)), [5], [6], [7], [8], [3, 5, 7, 10, 12, 13, 15]],
                         ids=["every-line", "at-outcome", "after-outcome", "at-broken", "after-broken", "several"])
@pytest.mark.parametrize("option", [None, "limits.max-findings-per-file=1", "limits.max-open-trajectories=2"])
def test_native_ranges_cut_at_any_line_give_the_serial_bytes(tmp_path, monkeypatch, merge_steps, numbers, option):
    log = _boundary_log(tmp_path / "b.jsonl")
    _cut_before(monkeypatch, log, numbers)
    again = merge_steps("_again")
    extra = ("--option", option) if option else ()
    serial = _audit(log, 1, *extra)
    assert '"type":"summary"' in serial
    assert _audit(log, 2, *extra) == serial
    assert _audit(log, 3, *extra) == serial
    audited = list(again)
    assert _validated(log, 2) == _validated(log, 1) == _validated(log, 3)
    assert _validated(log, 2, cap=1) == _validated(log, 1, cap=1) == _validated(log, 3, cap=1)
    if option is None:
        assert audited == [-1, -1]  # the ranges were put together, not read again (workers stopped at the end)
    elif option.startswith("limits.max-findings") and numbers[0] < 11:
        # the cap was reached after a cut: the rest of the file was read from the state at the cut, once the
        # workers were stopped (each run: their stop, then that reading; at 2 jobs and at 3)
        assert audited == [-1, 0, -1, 0]


def test_uncounted_cuts_are_the_counted_ones(tmp_path):
    from trajaudit.reader import discover

    log = messy_log(tmp_path / "m.jsonl", events=300)
    data = log.read_bytes()
    source = next(discover([str(log)]))
    for jobs in (2, 3, 7, 50):
        counted, uncounted = parallel.byte_shares(source, jobs, count_lines=True), parallel.byte_shares(source, jobs)
        assert counted is not None and uncounted is not None
        assert [(s.start, s.end) for s in counted] == [(s.start, s.end) for s in uncounted]
        assert [s.lines for s in counted] == [data[: s.start].count(b"\n") for s in counted]
        assert all(s.lines is None for s in uncounted)


def test_only_an_imported_format_is_counted_before_it_is_cut(tmp_path):
    """Native ranges are numbered by the merge; an importer builds ids and origins from line numbers, so its
    ranges are counted before the work starts (`parallel.Share`)."""
    from trajaudit.reader import discover

    native = spread_log(tmp_path / "n.jsonl", seed=1, trajectories=40)
    chat = tmp_path / "c.jsonl"
    chat.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"hi {n}"}]}) + "\n"
                            for n in range(400)))
    native_parts = parallel.plan(list(discover([str(native)])), "auto", 2)
    chat_parts = parallel.plan(list(discover([str(chat)])), "openai", 2)
    assert len(native_parts) > 1 and len(chat_parts) > 1
    assert all(part.share is not None and part.share.lines is None for part in native_parts)
    assert [part.share.lines for part in chat_parts if part.share is not None] == [
        chat.read_bytes()[: part.share.start].count(b"\n") for part in chat_parts if part.share is not None]


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_ranges_are_renumbered_with_blank_broken_and_overlong_lines(tmp_path, monkeypatch, jobs):
    """A range's worker numbers its lines from 1 and counts every line it holds, blank, broken or over the line
    limit ones included: the merge's line numbers are the serial run's wherever the cuts fall, for `validate` and for
    `audit`, whose one trajectory crosses every cut (its later lines are findings: steps out of order)."""
    event = json.dumps({"trajectory": "t", "step": 0, "kind": "task", "task_id": "k", "goal": "g", "tools": []})
    rows = []
    for n in range(60):
        rows.append(["", "{broken", "x" * 300, json.dumps({"trajectory": "t", "step": "bad"}), event][n % 5])
    log = tmp_path / "b.jsonl"
    log.write_text("\n".join(rows) + "\n")
    data = log.read_bytes()
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10][:-1]

    def shares(source, count, count_lines=False, taper=0):  # type: ignore[no-untyped-def]
        cuts = [starts[k * len(starts) // jobs + 1] for k in range(1, jobs)]
        ends = [*cuts, None]
        return [parallel.Share(k, jobs, start, end, data[:start].count(b"\n") if count_lines else None)
                for k, (start, end) in enumerate(zip([0, *cuts], ends, strict=True))]

    monkeypatch.setattr(parallel, "byte_shares", shares)

    def validated(j: int) -> bytes:
        import io

        from trajaudit import engine
        from trajaudit.model import Limits
        from trajaudit.reader import discover
        from trajaudit.report import jsonl

        run = engine.Validation(discover([str(log)]), engine.Options(jobs=j, limits=Limits(max_line_bytes=200)))
        out = io.BytesIO()
        jsonl.render(run, run.summary, out)
        return out.getvalue()

    serial = validated(1)
    assert b'"line":57' in serial and b'"line":58' in serial  # late lines: a broken one, one over the line limit
    assert b"max-line-bytes" in serial
    assert validated(jobs) == serial
    audited = _audit(log, 1, "--option", "limits.max-line-bytes=200")
    assert '"line":60' in audited and '"line":58' in audited  # the last step out of order; over the line limit
    assert _audit(log, jobs, "--option", "limits.max-line-bytes=200") == audited


def test_the_last_parts_are_cut_into_quarters():
    """Processes take parts as they free up: a run that ends on small parts ends with every process busy."""
    assert parallel.bounds(100, 4) == [25, 50, 75]
    assert parallel.bounds(100, 4, taper=2) == [25, 50, 56, 62, 68, 75, 81, 87, 93]
    assert parallel.bounds(100, 2, taper=5) == [50, 62, 75, 87]  # one full part is always kept
    assert parallel.bounds(100, 1, taper=2) == []


def test_folder_groups_end_small(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    for k in range(64):
        (folder / f"run{k:02}.json").write_text("x" * 1000)
    sources = list(reader.discover([str(folder)]))
    parts = parallel._groups(sources, 8, taper=2)
    sizes = [len(part.files) for part in parts]
    assert [index for part in parts for index in part.files] == list(range(64))  # contiguous, in order, all once
    assert sizes == [8] * 6 + [2] * 8


def test_a_native_log_cut_into_ranges_builds_its_validator_before_the_fork(tmp_path, monkeypatch):
    """Every process validates native lines: built once in the parent, the workers inherit jsonschema-rs and the
    compiled schema (46 M instructions each) instead of building their own."""
    from trajaudit import schema

    log = messy_log(tmp_path / "messy.jsonl")
    built_at_fork = []
    real = parallel.execute

    def execute(parts, work, jobs):
        built_at_fork.append(schema.validator.cache_info().currsize)
        return real(parts, work, jobs)

    monkeypatch.setattr(parallel, "execute", execute)
    schema.validator.cache_clear()
    _audit(log, 2)
    assert built_at_fork == [1]


@pytest.mark.parametrize(
    "chunk", [b"", b"\n", b"x", b"\n\n", b"a\nb", b"a\nb\n", b"\n" * 1000 + b"tail", b"\xc3\xa9\n" * 7]
)
def test_newlines_counts_as_bytes_count_does(chunk):
    assert parallel.newlines(chunk) == chunk.count(b"\n")
