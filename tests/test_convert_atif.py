"""`trajaudit convert --to atif`: valid ATIF from every format trajaudit reads, read back by `--from atif` as the same
events, so auditing the ATIF gives the findings auditing the original gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import importers
from trajaudit.cli import app
from trajaudit.exporters.atif import document, file_name
from trajaudit.model import Event, Trajectory
from trajaudit.reader import Malformed, Source

FIXTURES = Path(__file__).parent / "fixtures" / "importers"
SAMPLES = Path(__file__).parent.parent / "sample_traces"
FORMATS = sorted(p.name for p in FIXTURES.iterdir() if p.name != "unknown.json")
CLEAN_SAMPLES = sorted(p.name for p in SAMPLES.glob("*.jsonl") if p.name != "broken_lines.jsonl")
runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def events(output: str) -> list[dict]:
    """Converted events without `origin` (which names the file they were read from), in a stable order."""
    out = []
    for line in output.splitlines():
        event = json.loads(line)
        event.pop("origin", None)
        out.append(event)
    return sorted(out, key=lambda e: json.dumps(e, sort_keys=True))


def findings(*args: str | Path) -> list[tuple]:
    result = invoke("audit", *args, "--format", "jsonl", "-q", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return sorted((str(r["trajectory"]), r["step"] if r["step"] is not None else -1, r["code"], r["message"])
                  for r in records if r["type"] == "finding")


def to_atif(source: Path | str, folder: Path, *extra: str | Path) -> list[dict]:
    result = invoke("convert", source, "--to", "atif", "-q", "-o", f"{folder}/", *extra)
    assert result.exit_code == 0, result.stderr
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())]


def native(*args: str | Path) -> list[dict]:
    result = invoke("convert", *args, "-q")
    assert result.exit_code == 0, result.stderr
    return events(result.stdout)


def atif_rules(folder: Path) -> list[str]:
    """ATIF's own rules as the importer checks them (TA002 on the written files)."""
    result = invoke("validate", folder, "--from", "atif", "--format", "jsonl", "-q")
    return [line for line in result.stdout.splitlines() if '"TA002"' in line or '"TA001"' in line]


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_converts_to_atif_that_reads_back_as_the_same_events(name: str, tmp_path: Path):
    documents = to_atif(FIXTURES / name, tmp_path)
    assert documents and all(d["schema_version"] == "ATIF-v1.7" for d in documents)
    assert atif_rules(tmp_path) == []
    assert native(tmp_path, "--from", "atif") == native(FIXTURES / name)
    assert findings(tmp_path, "--from", "atif") == findings(FIXTURES / name)


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_validates_against_the_atif_reference_models(name: str, tmp_path: Path):
    models = pytest.importorskip("nat.atif", reason="nvidia-nat-atif (ATIF v1.7 reference models) is not installed")
    for written in to_atif(FIXTURES / name, tmp_path):
        models.Trajectory.model_validate(written)


@pytest.mark.parametrize("name", CLEAN_SAMPLES)
def test_sample_traces_audit_the_same_through_atif(name: str, tmp_path: Path):
    to_atif(SAMPLES / name, tmp_path)
    direct = findings(SAMPLES / name)
    assert findings(tmp_path) == direct  # auto-detected as ATIF
    if name != "clean_run.jsonl":
        assert direct, "a sample with findings, so equality says something"


def test_json_lines_on_stdout_audit_the_same(tmp_path: Path):
    result = invoke("convert", SAMPLES / "false_success_claim.jsonl", "--to", "atif", "-q")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    path = tmp_path / "run.atif.jsonl"
    path.write_text(result.stdout, encoding="utf-8")
    assert findings(path) == findings(SAMPLES / "false_success_claim.jsonl")
    converted = invoke("convert", path, "-q")
    assert all(json.loads(x)["origin"]["line"] == 1 for x in converted.stdout.splitlines())


def test_broken_lines_are_reported_and_left_out(tmp_path: Path):
    """Lines that are not valid events cannot become ATIF: convert says so (exit 1), and the findings about them
    (TA001/TA002 on the input) are the only ones the ATIF does not reproduce."""
    source = SAMPLES / "broken_lines.jsonl"
    result = invoke("convert", source, "--to", "atif", "-o", f"{tmp_path}/")
    assert result.exit_code == 1
    assert f"{source}:4: TA001" in result.stderr and f"{source}:6: TA002" in result.stderr
    direct = findings(source)
    assert [f for f in direct if f[2] not in ("TA001", "TA002")] == findings(tmp_path)
    assert any(f[2] == "TA002" for f in direct)


def event(step: int, kind: str, **fields) -> dict:
    return {"trajectory": "t:0", "step": step, "kind": kind, **fields}


MIXED = [
    event(0, "task", task_id="t", goal="Do it.", tools=[{"name": "sh", "parameters": {"type": "object"}}],
          meta={"agent": "demo", "model": "m-1"}),
    event(1, "message", role="developer", text="Be brief."),
    event(2, "message", role="user", text="Please do it.", timestamp=1767225600),
    event(3, "reasoning", text="Plan."),
    event(4, "message", role="assistant", text="On it.", tokens={"input": 10, "output": 3}, logprobs=[-0.1, -0.2]),
    event(5, "tool_call", call_id="a", tool="sh", arguments={"cmd": "ls"}),
    event(6, "tool_call", call_id="b", tool="sh", arguments="{not json", logprobs=[-1.0]),
    event(7, "tool_result", call_id="a", ok=True, output="x"),
    event(8, "tool_result", call_id="b", ok=False, error="bad args", exit_code=2),
    event(9, "tool_result", call_id="zzz", ok=True, output="orphan"),
    event(10, "message", role="assistant", text=""),
    event(11, "tool_call", call_id="c", tool="sh", arguments={}),
    event(12, "claim", claim={"type": "action_succeeded", "action": "ls"}, text="Listed.", confidence=0.9),
    event(13, "outcome", success=False, reward=0.0, source="judge", answer="no"),
]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_events_atif_cannot_hold_are_kept_in_extra_and_restored(tmp_path: Path):
    source = write(tmp_path / "mixed.jsonl", MIXED)
    folder = tmp_path / "atif"
    (document,) = to_atif(source, folder)
    steps = document["steps"]
    assert [s["step_id"] for s in steps] == list(range(1, len(steps) + 1))
    assert [s["source"] for s in steps] == ["system", "user", "agent", "agent", "agent", "agent"]
    assert document["agent"] == {"name": "demo", "version": "unknown", "model_name": "m-1", "tool_definitions": [
        {"type": "function", "function": {"name": "sh", "parameters": {"type": "object"}}}]}
    assert document["extra"]["task_id"] == "t"
    assert document["extra"]["outcome"] == {"success": False, "reward": 0.0, "source": "judge", "answer": "no"}
    assert steps[0]["extra"]["trajaudit"]["message"]["role"] == "developer"  # ATIF has no developer source
    assert steps[1]["timestamp"] == "2026-01-01T00:00:00Z"  # Unix seconds as ISO 8601, which ATIF validates
    first, second = steps[2], steps[3]
    assert first["reasoning_content"] == "Plan." and first["message"] == "On it."
    assert first["metrics"] == {"prompt_tokens": 10, "completion_tokens": 3, "logprobs": [-0.1, -0.2]}
    assert [c["tool_call_id"] for c in first["tool_calls"]] == ["a"]
    # the second call has logprobs of its own: metrics belong to a step's first generated event, so a new step
    assert second["metrics"] == {"logprobs": [-1.0]} and second["tool_calls"][0]["arguments"] == {}
    assert second["tool_calls"][0]["extra"]["trajaudit"]["arguments"] == "{not json"
    results = second["observation"]["results"]
    # "a" was called in the step before: no source_call_id here (ATIF requires the call in the same step)
    assert [r.get("source_call_id") for r in results] == [None, "b", None]
    assert results[1]["extra"]["is_error"] is True
    assert results[0]["extra"]["trajaudit"]["call_id"] == "a"
    assert steps[4]["message"] == "" and steps[4]["tool_calls"][0]["tool_call_id"] == "c"
    assert steps[5]["extra"]["trajaudit"]["claim"]["claim"]["type"] == "action_succeeded"
    assert native(folder) == native(source)
    assert findings(folder) == findings(source)


def test_a_trajectory_without_task_event_gets_none_back(tmp_path: Path):
    rows = [event(0, "message", role="user", text="hi"), event(1, "message", role="assistant", text="hello")]
    source = write(tmp_path / "bare.jsonl", rows)
    (document,) = to_atif(source, tmp_path / "atif")
    assert document["extra"]["trajaudit"] == {"task": None}
    assert [e["kind"] for e in native(tmp_path / "atif")] == ["message", "message"]


def test_plain_atif_is_read_as_before(tmp_path: Path):
    """Near miss: a document that was not written by trajaudit (no extra.trajaudit) keeps the ordinary mapping, and
    an `extra.outcome` whose success is not a boolean is no outcome."""
    doc = {
        "schema_version": "ATIF-v1.6", "session_id": "s", "agent": {"name": "a", "version": "1"},
        "steps": [{"step_id": 1, "source": "user", "message": "Go"},
                  {"step_id": 2, "source": "agent", "message": "", "tool_calls": [
                      {"tool_call_id": "c", "function_name": "sh", "arguments": {}}],
                   "observation": {"results": [{"content": "Error: no"}]}}],
        "extra": {"outcome": {"success": "yes"}},
    }
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    got = native(path)
    assert sorted(e["kind"] for e in got) == ["message", "task", "tool_call", "tool_result"]
    result = next(e for e in got if e["kind"] == "tool_result")
    assert result["ok"] is False and result["meta"] == {"paired": "by order: no source_call_id"}
    assert next(e for e in got if e["kind"] == "task")["goal"] == "Go"


def test_outcome_in_extra_is_read_from_any_atif(tmp_path: Path):
    doc = {"schema_version": "ATIF-v1.7", "trajectory_id": "r", "agent": {"name": "a", "version": "1"},
           "steps": [{"step_id": 1, "source": "agent", "message": "Done, all tests pass."}],
           "extra": {"outcome": {"success": False, "reward": 0}}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    outcome = [e for e in native(path) if e["kind"] == "outcome"]
    assert outcome == [{"trajectory": "r", "step": 2, "kind": "outcome", "success": False, "reward": 0}]


def test_folder_output_names_files_safely(tmp_path: Path):
    rows = [dict(event(0, "message", role="user", text="x"), trajectory=tid) for tid in ("../a b", "../A B", "..")]
    source = write(tmp_path / "ids.jsonl", rows)
    folder = tmp_path / "out"
    result = invoke("convert", source, "--to", "atif", "-q", "-o", f"{folder}/")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["A_B-2.json", "a_b.json", "trajectory.json"]
    assert file_name("x", {"x"}) == "x-2.json" and file_name("x", set()) == "x.json"


def test_folder_output_never_replaces_an_input(tmp_path: Path):
    source = write(tmp_path / "t_0.json", [])
    source.write_text(json.dumps({"schema_version": "ATIF-v1.7", "trajectory_id": "t:0", "agent": {
        "name": "a", "version": "1"}, "steps": [{"step_id": 1, "source": "user", "message": "hi"}]}), encoding="utf-8")
    before = source.read_text(encoding="utf-8")
    result = invoke("convert", source, "--to", "atif", "-q", "-o", f"{tmp_path}/")
    assert result.exit_code == 2 and "same file as input" in result.stderr
    assert source.read_text(encoding="utf-8") == before


def test_file_output_never_replaces_an_input(tmp_path: Path):
    source = tmp_path / "run.jsonl"
    source.write_bytes((SAMPLES / "loop.jsonl").read_bytes())
    result = invoke("convert", source, "--to", "atif", "-o", source)
    assert result.exit_code == 2 and "same file as input" in result.stderr
    assert source.read_bytes() == (SAMPLES / "loop.jsonl").read_bytes()


def test_file_output_is_json_lines(tmp_path: Path):
    out = tmp_path / "all.jsonl"
    result = invoke("convert", FIXTURES / "tau2.json", "--to", "atif", "-q", "-o", out)
    assert result.exit_code == 0
    assert [json.loads(x)["trajectory_id"] for x in out.read_text().splitlines()] == [
        json.loads(x)["trajectory_id"] for x in invoke("convert", FIXTURES / "tau2.json", "--to", "atif",
                                                         "-q").stdout.splitlines()]
    assert len(out.read_text().splitlines()) == 2


def test_native_stays_the_default(tmp_path: Path):
    result = invoke("convert", SAMPLES / "loop.jsonl", "-q")
    assert all("kind" in json.loads(x) for x in result.stdout.splitlines())


def test_tau2_real_results_round_trip(realdata: Path, tmp_path: Path):
    source = realdata / "tau2-sierra"
    documents = to_atif(source, tmp_path)
    assert len(documents) > 100
    assert atif_rules(tmp_path) == []
    try:
        from nat.atif import Trajectory as Reference  # type: ignore[import-untyped]
    except ImportError:  # the reference models are optional; the importer's own ATIF rules were checked above
        Reference = None
    for written in documents if Reference is not None else ():
        Reference.model_validate(written)
    direct = findings(source)
    assert direct and findings(tmp_path) == direct


def test_swe_agent_real_run_round_trips_with_its_outcome(realdata: Path, tmp_path: Path):
    folder = realdata / "swe-agent-runs-with-outcomes"
    source = next(iter(sorted(folder.glob("mswe.*.traj"))))
    outcomes = folder / "outcomes.jsonl"
    to_atif(source, tmp_path)
    assert native(tmp_path) == native(source)
    direct = findings(source, "--outcomes", outcomes)
    assert findings(tmp_path, "--outcomes", outcomes) == direct
    assert any(f[2] == "TA101" for f in findings(*sorted(map(str, folder.glob("*.traj"))), "--outcomes", outcomes))


def test_a_json_lines_line_that_is_no_trajectory_is_reported_with_its_line(tmp_path: Path):
    good = {"schema_version": "ATIF-v1.7", "trajectory_id": "a", "agent": {"name": "x", "version": "1"},
            "steps": [{"step_id": 1, "source": "user", "message": "hi"}]}
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({"steps": "no"}) + "\n" + json.dumps(
        dict(good, trajectory_id="b")) + "\n", encoding="utf-8")
    result = invoke("convert", path, "--from", "atif")
    assert result.exit_code == 1 and f"{path}:2: TA001 not an ATIF trajectory" in result.stderr
    assert sorted(json.loads(x)["trajectory"] for x in result.stdout.splitlines()) == ["a", "a", "b", "b"]


# --- property: any sequence of valid events comes back from ATIF as it went in ---------------------------------

_text = st.text(max_size=5)
_ids = st.sampled_from(["a", "b", "c"])
_extras = st.fixed_dictionaries({}, optional={
    "confidence": st.floats(0, 1), "timestamp": st.sampled_from([5, "2026-01-01T00:00:00Z", "not a time"]),
    "logprobs": st.lists(st.floats(-5, 0), min_size=1, max_size=3),
    "tokens": st.fixed_dictionaries({"output": st.integers(0, 9)}), "meta": st.just({"k": 1}),
})
_events = st.one_of(
    st.builds(lambda r, t, x: {"kind": "message", "role": r, "text": t, **x},
              st.sampled_from(["user", "system", "developer", "assistant"]), _text, _extras),
    st.builds(lambda t: {"kind": "reasoning", "text": t}, _text),
    st.builds(lambda c, a, x: {"kind": "tool_call", "call_id": c, "tool": "sh", "arguments": a, **x},
              _ids, st.one_of(st.just({"x": 1}), st.just("{bad")), _extras),
    st.builds(lambda c, ok, o: {"kind": "tool_result", "call_id": c, "ok": ok, **({"output": o} if o else {})},
              _ids, st.booleans(), _text),
    st.builds(lambda t: {"kind": "claim", "claim": {"type": "x"}, "text": t}, _text),
)


@settings(max_examples=150, deadline=None)
@given(task=st.booleans(), body=st.lists(_events, max_size=12), outcome=st.booleans())
def test_any_event_sequence_round_trips(tmp_path_factory, task: bool, body: list[dict], outcome: bool):
    rows = ([{"kind": "task", "goal": "g"}] if task else []) + body + (
        [{"kind": "outcome", "success": False}] if outcome else [])
    data = [{"trajectory": "t", "step": i, **row} for i, row in enumerate(rows)]
    path = tmp_path_factory.mktemp("p") / "t.json"
    path.write_text(json.dumps(document(Trajectory("t", tuple(Event("f", i, d) for i, d in enumerate(data))))))
    _, stream = importers.open_events(Source(str(path), path), "atif")
    back = []
    for item in stream:
        assert not isinstance(item, Malformed), item
        event = dict(item[1])
        event.pop("origin")
        back.append(event)
    assert back == data


def test_a_run_without_steps_gets_one_empty_step_that_reads_back_as_none(tmp_path: Path):
    """Harbor's models require at least one step (and a message on each)."""
    rows = [event(0, "task", task_id="x"), event(1, "outcome", success=False)]
    source = write(tmp_path / "crashed.jsonl", rows)
    (document,) = to_atif(source, tmp_path / "atif")
    assert document["steps"] == [{"step_id": 1, "source": "system", "message": "", "extra": {"trajaudit": {}}}]
    assert native(tmp_path / "atif") == native(source)


def test_folder_output_over_a_file_is_a_usage_error(tmp_path: Path):
    taken = tmp_path / "taken"
    taken.write_text("keep", encoding="utf-8")
    result = invoke("convert", SAMPLES / "loop.jsonl", "--to", "atif", "-o", f"{taken}/")
    assert result.exit_code == 2 and "cannot write a folder there" in result.stderr
    assert taken.read_text(encoding="utf-8") == "keep"
