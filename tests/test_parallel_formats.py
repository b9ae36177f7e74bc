"""Every format gives the same bytes on any number of jobs (the plan/execute seam: parallel.plan, parallel.execute).

Each case checks that the input really was cut into several parts, so a test cannot pass by running serially."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import parallel
from trajaudit.cli import app
from trajaudit.reader import discover

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"
# one fixture per importer format (native folders: `test_a_folder_of_native_logs_gives_the_serial_bytes`)
FORMATS = {
    "openai": "openai.jsonl",
    "claude-code": "claude_code.jsonl",
    "codex": "codex.jsonl",
    "tau-bench": "tau_bench.json",
    "atif": "atif.json",
    "tau2": "tau2.json",
    "mini-swe-agent": "mini.traj.json",
    "swe-agent": "demo__widget-3.traj",
    "otel": "otel.json",
    "inspect": "inspect.json",
    "deepconf": "deepconf_qid7_rid0_answer_token_conf.json",
}


def _outputs(paths: list[str], *options: str, jobs: tuple[int, ...] = (1, 2, 3), fmt: str = "jsonl") -> list[str]:
    runner = CliRunner()
    results = [runner.invoke(app, ["audit", *paths, "--format", fmt, "-q", *options, "-j", str(j)]) for j in jobs]
    assert len({r.exit_code for r in results}) == 1, [r.output[-400:] for r in results]
    assert results[0].exit_code in (0, 1), results[0].output[-800:]
    return [r.stdout for r in results]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_folder_of_each_format_gives_the_serial_bytes(tmp_path: Path, fmt: str):
    # distinct names, and each file's ids repeated in the others: the serial run renames them (FILE/ID), which
    # the parallel run must reproduce
    fixture = FIXTURES / FORMATS[fmt]
    for n in range(6):
        shutil.copy(fixture, tmp_path / f"run{n}_{fixture.name}")
    sources = list(discover([str(tmp_path)]))
    assert len(parallel.plan(sources, "auto", 2)) > 1
    outputs = _outputs([str(tmp_path)])
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0].splitlines()[-1])["formats"] == {fmt: 6}


@pytest.mark.parametrize("fmt", ["swe-agent", "tau2", "openai", "deepconf"])
def test_the_step_by_step_text_view_gives_the_serial_bytes_too(tmp_path: Path, fmt: str):
    # it reads every event of a trajectory (its steps): workers send them all back; its confidence sparkline is
    # computed where the trajectory is judged, in the worker, and travels with the result
    fixture = FIXTURES / FORMATS[fmt]
    for n in range(4):
        shutil.copy(fixture, tmp_path / f"run{n}_{fixture.name}")
    outputs = _outputs([str(tmp_path)], fmt="text", jobs=(1, 2))
    assert outputs[0] == outputs[1]
    assert "step" in outputs[0]
    if fmt in ("openai", "deepconf"):  # their fixtures carry logprobs or token confidences
        assert "      conf " in outputs[0]


def test_files_with_distinct_ids_are_not_audited_twice(tmp_path: Path, monkeypatch):
    for n in range(8):
        document = json.loads((FIXTURES / "demo__widget-3.traj").read_text())
        (tmp_path / f"inst__{n}.traj").write_text(json.dumps(document))  # the id is the file name: distinct
    again: list[int] = []
    from trajaudit import engine

    original = engine.Audit._again

    def counting(self, index, *args):  # type: ignore[no-untyped-def]
        again.append(index)
        return original(self, index, *args)

    monkeypatch.setattr(engine.Audit, "_again", counting)
    outputs = _outputs([str(tmp_path)], jobs=(1, 2))
    assert outputs[0] == outputs[1]
    assert again == []  # every piece was used as the worker made it


def _chat_line(rng_value: int, kind: str, run_id: str | None) -> str:
    if kind == "broken":
        return '{"messages": [ broken'
    if kind == "loose":  # one message per line: a file-level run that spans lines (and so ranges)
        return json.dumps({"role": "user", "content": f"message {rng_value}"})
    record: dict = {"messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c", "function": {"name": "bash", "arguments": '{"command": "ls"}'}}]},
        {"role": "tool", "tool_call_id": "c", "content": "Error: no such file" if rng_value % 3 == 0 else "ok"},
        {"role": "assistant", "content": "All done, the files are listed." if rng_value % 2 else "It failed."},
    ]}
    if run_id is not None:
        record["id"] = run_id
    if rng_value % 4 == 0:
        record["reward"] = rng_value % 8 == 0
    return json.dumps(record)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.tuples(st.integers(0, 50), st.sampled_from(["run", "run", "run", "broken"]),
                  st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))),
        min_size=20, max_size=80,
    ),
    loose=st.one_of(st.none(), st.integers(0, 79)),
    cap=st.sampled_from([2, 1000]),
)
def test_an_openai_file_cut_into_ranges_gives_the_serial_bytes(tmp_path_factory, lines, loose, cap):
    # duplicate ids, broken lines (also past the per-file cap), and maybe single-message lines from line `loose` on:
    # a run across ranges, which the parent reads again from the range where it began
    if loose is not None:
        lines[loose:loose + 2] = [(n, "loose", None) for n in range(2)]
    path = tmp_path_factory.mktemp("openai") / "chats.jsonl"
    path.write_text("".join(_chat_line(value, kind, run_id) + "\n" for value, kind, run_id in lines))
    assert len(parallel.plan(list(discover([str(path)])), "openai", 2)) > 1
    outputs = _outputs([str(path)], "--from", "openai", "--option", f"limits.max-findings-per-file={cap}")
    assert outputs[0] == outputs[1] == outputs[2]


def test_what_cannot_be_cut_is_one_part(tmp_path: Path):
    native = tmp_path / "a.jsonl"
    native.write_text(json.dumps({"trajectory": "t", "step": 0, "kind": "message", "role": "user", "text": "x"}) + "\n")
    shutil.copy(native, tmp_path / "b.jsonl")
    both = list(discover([str(tmp_path)]))
    claude = list(discover([str(FIXTURES / "claude_code.jsonl")]))
    assert len(parallel.plan(claude, "auto", 4)) == 1  # a session's runs span its lines
    assert len(parallel.plan(both, "auto", 1)) == 1
    assert len(parallel.plan(both, "auto", 2)) == 2  # native files are grouped; the merge carries runs across them


def _native_run(tid: str, steps: int, outcome: bool, broken: bool = False) -> list[dict]:
    """A run of `steps` steps and a final report; `broken`: with a line that breaks the schema (step -1) after its
    task."""
    events: list[dict] = [{"trajectory": tid, "step": 0, "kind": "task", "task_id": "k", "goal": "g",
                           "tools": [{"name": "cancel"}]}]
    if broken:
        events.append({"trajectory": tid, "step": -1, "kind": "message", "role": "assistant", "text": "?"})
    for step in range(1, steps):
        if step % 2:
            events.append({"trajectory": tid, "step": step, "kind": "tool_call", "call_id": f"c{step}",
                           "tool": "cancel", "arguments": {}})
        else:
            events.append({"trajectory": tid, "step": step, "kind": "tool_result", "call_id": f"c{step - 1}",
                           "ok": step % 4 != 0, "output": "Error: not found" if step % 4 == 0 else "done"})
    events.append({"trajectory": tid, "step": steps, "kind": "message", "role": "assistant",
                   "text": "Your order has been cancelled."})
    if outcome:
        events.append({"trajectory": tid, "step": steps + 1, "kind": "outcome", "success": steps % 3 == 0})
    return events


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(
        st.tuples(
            st.sampled_from(["native", "native", "native", "openai"]),
            st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), st.integers(1, 6),
                               st.sampled_from([True, True, True, False]), st.sampled_from([False, False, True])),
                     min_size=1, max_size=3),
        ),
        min_size=2, max_size=9,
    ),
    open_limit=st.sampled_from([None, 1, 2]),
    cap=st.sampled_from([None, None, 1]),
)
def test_a_folder_of_native_logs_gives_the_serial_bytes(tmp_path_factory, files, open_limit, cap):
    """Native files are grouped. A run a file leaves open is judged by its worker as if the input ended there, and
    that result is taken at the end of input; in a file that continues it or meets an id an earlier file closed (a
    late event), the merge reads those runs' lines again itself, from their state (read again from their files); an
    imported file after it (which closes it), or a file past the per-file cap, makes the merge read on itself from
    there; an imported file forgets the ids closed before it, as the serial run does. Ids repeat across files by
    design. Some runs have a line that breaks the schema, which is noted with the run (and, under a per-file cap of
    1, may be refused)."""
    folder = tmp_path_factory.mktemp("native")
    for n, (kind, runs) in enumerate(files):
        if kind == "native":
            lines = [json.dumps(e) for tid, steps, outcome, broken in runs
                     for e in _native_run(tid, steps, outcome, broken)]
        else:
            lines = [json.dumps({"id": tid, "messages": [{"role": "user", "content": "cancel it"},
                                                         {"role": "assistant", "content": "Cancelled."}]})
                     for tid, _, _, _ in runs]
        (folder / f"f{n:02d}.jsonl").write_text("".join(line + "\n" for line in lines))
    assert len(parallel.plan(list(discover([str(folder)])), "auto", 2)) > 1
    # a low limit of runs open at once: the serial run evicts runs held across files
    limit = ("--option", f"limits.max-open-trajectories={open_limit}") if open_limit else ()
    if cap:
        limit += ("--option", f"limits.max-findings-per-file={cap}")
    outputs = _outputs([str(folder)], *limit)
    assert outputs[0] == outputs[1] == outputs[2]
    text = _outputs([str(folder)], *limit, jobs=(1, 2), fmt="text")
    assert text[0] == text[1]


def _last_result_is_run3(jsonl: str) -> bool:
    results = [line for line in jsonl.splitlines() if line.startswith('{"type":"trajectory"')]
    assert len(results) == 8
    return '"trajectory":"run3"' in results[-1]


def test_native_files_that_close_their_runs_are_audited_in_parallel(tmp_path: Path, merge_steps):
    for n in range(8):
        events = _native_run(f"run{n}", 3 + n % 3, outcome=True)
        (tmp_path / f"run{n}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    read_here = merge_steps("_rest")
    outputs = _outputs([str(tmp_path)])
    assert outputs[0] == outputs[1] == outputs[2]
    assert read_here == [-1, -1]  # every file closed what it opened: no serial reading (the workers stopped at the end)
    read_here.clear()
    started = _native_run("run3", 4, False, broken=True)  # its schema error is noted with the run
    (tmp_path / "run3.jsonl").write_text("".join(json.dumps(e) + "\n" for e in started))
    assert len(set(_outputs([str(tmp_path)]))) == 1
    # run3 is left open and no later file continues it: its worker's result is taken, after every other, as the serial
    # run closes it at the end of input
    assert read_here == [-1, -1]
    assert _last_result_is_run3(_outputs([str(tmp_path)])[1])
    read_here.clear()
    run5 = (tmp_path / "run5.jsonl").read_text()
    for ends in (True, False):
        rest = [{**event, "step": event["step"] + 10} for event in _native_run("run3", 2, ends)[1:]]
        (tmp_path / "run5.jsonl").write_text(run5 + "".join(json.dumps(e) + "\n" for e in rest))
        outputs = _outputs([str(tmp_path)])
        assert len(set(outputs)) == 1
        assert outputs[0].count('"type":"trajectory","trajectory":"run3"') == 1  # one run across two files
        # run5 continues run3: only run3's lines in run5 are read again here, from its state (read again from
        # run3.jsonl); every other result of the workers is kept, and nothing is read serially
        assert read_here == [-1, -1]
        assert _last_result_is_run3(outputs[0]) is not ends  # left open again: last, as serially
        read_here.clear()
    shutil.copy(FIXTURES / FORMATS["openai"], tmp_path / "run9.jsonl")
    assert len(set(_outputs([str(tmp_path)]))) == 1
    # an imported file while run3 is still open closes it (`end_of_document`): the merge reads on from there (file 8)
    # with run3's state, once the workers are stopped (at 2 jobs and at 3)
    assert read_here == [-1, 8, -1, 8]


@pytest.mark.parametrize("files", [
    [[("x", 3, True), ("A", 2, False)], [("B", 2, False)], [("y", 2, True)]],  # A opened on a later line than B
    # A, opened after B, is continued in a third file: the merge holds its state, B only its worker's result
    [[("z", 2, True), ("B", 2, False)], [("y", 3, True), ("A", 2, False)], [("A", 3, False)]],
], ids=["two-files", "continued"])
def test_runs_left_open_in_several_files_are_closed_in_the_order_opened(tmp_path: Path, merge_steps, files):
    """The serial run closes what is open at the end of input in the order it was opened: by file, then by line."""
    for n, runs in enumerate(files):
        events = [e for tid, steps, outcome in runs for e in _native_run(tid, steps, outcome)]
        if n == 2 and runs[0][0] == "A":  # A goes on where it stopped
            events = [{**e, "step": e["step"] + 10} for e in events[1:]]
        (tmp_path / f"f{n}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    read_here = merge_steps("_rest")
    outputs = _outputs([str(tmp_path)])
    assert outputs[0] == outputs[1] == outputs[2]
    assert read_here == [-1, -1]
    records = [json.loads(line) for line in outputs[0].splitlines()]
    order = [record["trajectory"] for record in records if record["type"] == "trajectory"]
    assert order[-2:] == (["A", "B"] if files[0][0][0] == "x" else ["B", "A"])


def test_each_file_s_format_is_told_as_serially(tmp_path: Path):
    """`Options.on_format` hears of every file and its format, in order, whatever the number of jobs: the native files
    of a folder included, those that leave runs open too."""
    from trajaudit import engine
    from trajaudit.config import Config

    for n in range(6):
        events = _native_run(f"run{n}", 3, outcome=n % 2 == 0)
        (tmp_path / f"f{n}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    shutil.copy(FIXTURES / FORMATS["openai"], tmp_path / "f9.jsonl")
    sources = list(discover([str(tmp_path)]))
    assert len(parallel.plan(sources, "auto", 2)) > 1
    told: list[list[tuple[str, str]]] = []
    for jobs in (1, 2, 3):
        told.append([])
        options = engine.Options(jobs=jobs,
                                 on_format=lambda source, fmt: told[-1].append((Path(source.name).name, fmt)))
        list(engine.Audit(sources, Config(), options))
    assert told[0] == [(f"f{n}.jsonl", "native") for n in range(6)] + [("f9.jsonl", "openai")]
    assert told[1] == told[0] and told[2] == told[0]


def test_another_executor_plugs_into_the_seam(tmp_path: Path):
    # what a cluster executor (Ray Data) does: run the parts anywhere, in any order, and hand back the pieces in
    # plan order; the merge is the engine's
    import pickle

    from trajaudit import engine
    from trajaudit.config import Config
    from trajaudit.report import jsonl

    fixture = FIXTURES / "tau_bench.json"
    for n in range(5):
        shutil.copy(fixture, tmp_path / f"agent{n}.json")  # the same ids in every file: renamed by the merge
    sources = list(discover([str(tmp_path)]))
    ran: list[int] = []

    def elsewhere(parts, work, jobs):  # type: ignore[no-untyped-def]
        done = {}
        for part in reversed(parts):
            ran.append(part.index)
            done[part.index] = pickle.loads(pickle.dumps(list(work(pickle.loads(pickle.dumps(part))))))
        for index in sorted(done):
            yield from done[index]

    def render(options: engine.Options) -> bytes:
        import io

        run = engine.Audit(sources, Config(), options)
        out = io.BytesIO()
        jsonl.render(run, run.summary, out)
        return out.getvalue()

    serial = render(engine.Options(jobs=1))
    assert render(engine.Options(jobs=2, executor=elsewhere)) == serial
    assert sorted(ran) == list(range(len(ran))) and len(ran) > 1 and ran[0] > ran[-1]


def test_a_native_log_found_by_a_worker_makes_the_parent_read_on_itself(tmp_path: Path):
    # plan looks only at JSONL names for native logs; a native log named .json is found by a worker, and since its
    # trajectories may continue in later files, the parent reads from that file on serially
    fixture = FIXTURES / "tau_bench.json"
    for n in range(4):
        shutil.copy(fixture, tmp_path / f"a{n}.json")
    first = [{"trajectory": "split", "step": 0, "kind": "message", "role": "user", "text": "start"}]
    second = [{"trajectory": "split", "step": 1, "kind": "message", "role": "assistant", "text": "All done."},
              {"trajectory": "split", "step": 2, "kind": "outcome", "success": False}]
    (tmp_path / "b0.json").write_text("".join(json.dumps(e) + "\n" for e in first))
    (tmp_path / "b1.json").write_text("".join(json.dumps(e) + "\n" for e in second))
    for n in range(4):
        shutil.copy(fixture, tmp_path / f"c{n}.json")
    assert len(parallel.plan(list(discover([str(tmp_path)])), "auto", 2)) > 1
    outputs = _outputs([str(tmp_path)])
    assert outputs[0] == outputs[1] == outputs[2]
    split = [json.loads(line) for line in outputs[0].splitlines() if '"type":"trajectory","trajectory":"split"' in line]
    assert [record["steps"] for record in split] == [3]  # one trajectory across the two files


@pytest.mark.parametrize("fixture", ["tau_bench.json", "openai.jsonl", "native"])
def test_validate_of_a_folder_gives_the_serial_bytes(tmp_path: Path, fixture: str):
    # validate checks each line on its own, so even native files are grouped; ids repeated across files count once
    # (native) or are renamed FILE/ID (imported), as in the serial run
    for n in range(6):
        target = tmp_path / f"run{n}_{'events.jsonl' if fixture == 'native' else fixture}"
        if fixture == "native":
            target.write_text("".join(json.dumps({"trajectory": f"t{(n + k) % 4}", "step": n, "kind": "message",
                                                  "role": "user", "text": "x"}) + "\n" for k in range(3))
                              + '{"trajectory": "t1", "step": "x", "kind": "message"}\n{"broken": \n')
        else:
            shutil.copy(FIXTURES / fixture, target)
    sources = list(discover([str(tmp_path)]))
    assert len(parallel.plan(sources, "auto", 2, lines_apart=True)) > 1
    runner = CliRunner()
    results = [runner.invoke(app, ["validate", str(tmp_path), "--format", "jsonl", "-q", "-j", str(j)])
               for j in (1, 2, 3)]
    assert results[0].exit_code in (0, 1), results[0].output[-800:]
    assert results[0].stdout == results[1].stdout == results[2].stdout
    summary = json.loads(results[0].stdout.splitlines()[-1])
    assert summary["files"] == 6 and summary["trajectories"] > 0
