"""Splitting one large native log over processes gives exactly the serial output, in the serial order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import parallel
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


def test_only_one_large_native_file_is_split(tmp_path):
    log = messy_log(tmp_path / "a.jsonl", events=50)
    from trajaudit.reader import discover

    one = list(discover([str(log)]))
    assert parallel.usable(one, "auto", 2)
    assert not parallel.usable(one, "auto", 1)
    assert not parallel.usable(one * 2, "auto", 2)  # trajectories may span files
    assert parallel.default_jobs(one, "auto") == 1  # small files are not worth the processes


def test_raw_routing_is_certain_only_when_the_id_cannot_differ_from_the_parsed_one():
    assert parallel.raw_route(b'{"trajectory": "abc", "step": 0}', 2) == parallel.route((1, {"trajectory": "abc"}), 2)
    assert parallel.raw_route(b'{"step": 0, "trajectory": "abc"}', 2) is None  # not the first key
    assert parallel.raw_route(b'{"trajectory": "a\\u0062c"}', 2) is None  # escapes: bytes differ from the value
    assert parallel.raw_route(b'{"trajectory": "a", "trajectory": "b"}', 2) is None  # the later duplicate wins
    assert parallel.raw_route(b'{"trajectory": "a", "text": "trajectory"}', 2) is None


@given(
    ident=st.text(alphabet=st.sampled_from('ab"\\é\n '), max_size=6),
    tail=st.sampled_from(['', ', "step": 0}', ', "trajectory": "b"}', ', "x": "trajectory"}', '}']),
    spacing=st.sampled_from(['{"trajectory":"', '{"trajectory": "', '{ "trajectory":"']),
    count=st.integers(1, 4),
)
def test_cached_compact_routing_agrees_with_the_regular_expression(ident, tail, spacing, count):
    raw = (spacing + ident + '"' + tail + "\n").encode("utf-8")
    owners: dict[bytes, int] = {}
    assert parallel.raw_route(raw, count, owners) == parallel.raw_route(raw, count)
    assert parallel.raw_route(raw, count, owners) == parallel.raw_route(raw, count)  # from the cache now
    try:
        parsed = json.loads(raw)
    except ValueError:
        return
    if parallel.raw_route(raw, count) is not None:  # certain: the parsed id hashes to the same worker
        assert parallel.raw_route(raw, count) == parallel.route((1, parsed), count)


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
            assert parallel.lines_before(source, following.start) == data[: following.start].count(b"\n")
    gz = tmp_path / "m.jsonl.gz"
    gz.write_bytes(__import__("gzip").compress(data))
    assert parallel.byte_shares(next(discover([str(gz)])), 2) is None  # a compressed stream cannot be cut


def test_gzip_still_splits_by_trajectory(tmp_path):
    log = messy_log(tmp_path / "m.jsonl")
    gz = tmp_path / "m.jsonl.gz"
    gz.write_bytes(__import__("gzip").compress(log.read_bytes()))
    assert _audit(gz, 2) == _audit(gz, 1)
    assert _audit(gz, 2, command="validate") == _audit(gz, 1, command="validate")


def test_lines_before_counts_the_same_when_the_file_cannot_be_mapped(tmp_path, monkeypatch):
    from trajaudit.reader import discover

    log = messy_log(tmp_path / "m.jsonl", events=300)
    data = log.read_bytes()
    source = next(discover([str(log)]))
    offset = data.index(b"\n", len(data) // 2) + 1
    mapped = parallel.lines_before(source, offset)

    def unmappable(*args, **kwargs):
        raise OSError("mmap not supported")

    monkeypatch.setattr("mmap.mmap", unmappable)
    assert parallel.lines_before(source, offset) == mapped == data[:offset].count(b"\n")


def test_a_read_error_inside_a_later_range_is_reported_not_lost(tmp_path, monkeypatch):
    import io

    from trajaudit.reader import Malformed, discover

    log = messy_log(tmp_path / "m.jsonl", events=50)
    source = next(discover([str(log)]))
    share = parallel.byte_shares(source, 2)[1]

    class Failing(io.BytesIO):
        def __iter__(self):
            raise OSError(5, "Input/output error")

        def readline(self, *args):  # lines are read with a length limit (reader.lines)
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(type(source), "open_file", lambda self: Failing(b""))  # what range_lines reads through
    found = list(parallel.range_lines(source, share, 7))
    assert len(found) == 1 and isinstance(found[0], Malformed) and found[0].unreadable
    assert "Input/output error" in found[0].message
