"""The ATIF importer (Harbor RFC 0001-trajectory-format, v1.0–v1.7).

Shapes follow the RFC (mirrored in OpenAgentsInc/openagents `docs/atif/0001-trajectory-format.md`, v1.4) and the v1.7
reference models of NVIDIA NeMo Agent Toolkit (PyPI `nvidia-nat-atif`, module `nat.atif`: Trajectory, Step, ToolCall,
ObservationResult, SubagentTrajectoryRef, Metrics with `logprobs`). Every document here is written by hand in those
shapes; the reference models, when installed, write some of them and judge the same ATIF rules.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.importers.conftest import assert_well_formed, audit_codes, by_trajectory, run
from trajaudit import confidence, engine
from trajaudit.config import Config
from trajaudit.importers import atif
from trajaudit.model import Event, Trajectory, TrajectoryResult
from trajaudit.reader import Malformed, Source, discover

TOOLS = [{"type": "function", "function": {
    "name": "bash", "description": "Run a shell command",
    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}}]


def document(**more) -> dict:
    """A Terminus-style trajectory: task, two tool calls (one failing), a system note, a final answer."""
    return {
        "schema_version": "ATIF-v1.7",
        "session_id": "run-1",
        "trajectory_id": "traj-main",
        "agent": {"name": "terminus-2", "version": "2.0.0", "model_name": "model-x", "tool_definitions": TOOLS},
        "steps": [
            {"step_id": 1, "timestamp": "2026-01-01T10:00:00Z", "source": "user", "message": "Create /app/out.txt."},
            {"step_id": 2, "timestamp": "2026-01-01T10:00:05Z", "source": "agent", "model_name": "model-x",
             "message": "Checking the folder first.", "reasoning_content": "The folder may not exist.",
             "tool_calls": [
                 {"tool_call_id": "call_1", "function_name": "bash", "arguments": {"cmd": "ls /app"}},
                 {"tool_call_id": "call_2", "function_name": "bash", "arguments": {"cmd": "touch /app/out.txt"}},
             ],
             "observation": {"results": [
                 {"source_call_id": "call_1", "content": "data.csv"},
                 {"source_call_id": "call_2", "content": "touch: permission denied", "extra": {"is_error": True}},
             ]},
             "metrics": {"prompt_tokens": 500, "completion_tokens": 40, "cached_tokens": 100, "cost_usd": 0.01,
                         "logprobs": [-0.1, -0.5, -2.0, -0.05], "extra": {"reasoning_tokens": 12}}},
            {"step_id": 3, "timestamp": "2026-01-01T10:00:06Z", "source": "system",
             "message": "Context summarised."},
            {"step_id": 4, "timestamp": "2026-01-01T10:00:09Z", "source": "agent",
             "message": [{"type": "text", "text": "Done: /app/out.txt exists."}],
             "metrics": {"prompt_tokens": 600, "completion_tokens": 8, "logprobs": [-0.2, -0.3]}},
        ],
        "final_metrics": {"total_prompt_tokens": 1100, "total_completion_tokens": 48, "total_steps": 4},
        **more,
    }


def write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path


def split(path: Path, fmt: str = "auto") -> tuple[list[dict], list[Malformed]]:
    name, events, bad = run(path, fmt)
    assert name == "atif"
    return events, bad


def violations(bad: list[Malformed]) -> list[str]:
    assert all(b.code == "TA002" and b.message.startswith("ATIF: ") for b in bad), bad
    return [b.message for b in bad]


def test_events_of_a_trajectory(tmp_path: Path, validator):
    events, bad = split(write(tmp_path / "trajectory.json", document()))
    assert not bad
    assert_well_formed(events, validator, "atif")
    assert {e["trajectory"] for e in events} == {"traj-main"}
    assert [(e["kind"], e.get("role")) for e in events] == [
        ("task", None), ("message", "user"), ("reasoning", None), ("message", "assistant"),
        ("tool_call", None), ("tool_call", None), ("tool_result", None), ("tool_result", None),
        ("message", "system"), ("message", "assistant"),
    ]
    task = events[0]
    assert task["goal"] == "Create /app/out.txt." and task["tools"][0]["name"] == "bash"
    assert task["meta"]["agent"] == "terminus-2" and task["meta"]["model"] == "model-x"
    assert task["meta"]["final_metrics"]["total_steps"] == 4 and task["meta"]["session_id"] == "run-1"
    said = events[3]
    assert said["tokens"] == {"input": 500, "output": 40, "reasoning": 12}
    assert said["logprobs"] == [-0.1, -0.5, -2.0, -0.05]
    assert said["meta"] == {"model": "model-x", "cost_usd": 0.01, "cached_tokens": 100}
    assert "tokens" not in events[4] and "logprobs" not in events[4]  # counted once per step
    assert events[4]["arguments"] == {"cmd": "ls /app"} and events[4]["origin"]["path"] == "$.steps[1].tool_calls[0]"
    ok, failed = events[6], events[7]
    assert ok["ok"] is True and ok["tool"] == "bash" and ok["call_id"] == "call_1"
    assert failed["ok"] is False and failed["error"] == "touch: permission denied"
    assert failed["origin"]["path"] == "$.steps[1].observation.results[1]"
    assert events[9]["text"] == "Done: /app/out.txt exists."


def test_logprobs_feed_confidence(tmp_path: Path):
    events, _ = split(write(tmp_path / "t.json", document()))
    trajectory = Trajectory("traj-main", tuple(Event("t.json", 0, e) for e in events))
    found = confidence.from_trajectory(trajectory)
    assert found is not None and "logprob" in found.basis
    # near miss: without logprobs there is no confidence to read
    plain = document()
    for step in plain["steps"]:
        step.get("metrics", {}).pop("logprobs", None)
    events, _ = split(write(tmp_path / "plain.json", plain))
    assert confidence.from_trajectory(Trajectory("traj-main", tuple(Event("p", 0, e) for e in events))) is None


def test_step_ids_must_run_from_one(tmp_path: Path):
    doc = document()
    doc["steps"][2]["step_id"] = 5
    doc["steps"][3]["step_id"] = 6
    events, bad = split(write(tmp_path / "t.json", doc))
    # one finding at the first gap, not one per later step; the document is still read whole
    assert violations(bad) == ["ATIF: $.steps[2].step_id: expected 3 (step ids run 1, 2, 3… in order), found 5"]
    assert len(events) == 10
    doc["steps"][2]["step_id"], doc["steps"][3]["step_id"] = 3, 4
    assert split(write(tmp_path / "ok.json", doc))[1] == []


def test_source_call_id_must_name_a_call_of_its_step(tmp_path: Path):
    doc = document()
    doc["steps"][3]["observation"] = {"results": [{"source_call_id": "call_1", "content": "again"}]}
    events, bad = split(write(tmp_path / "t.json", doc))
    assert violations(bad) == [
        "ATIF: $.steps[3].observation.results[0].source_call_id: 'call_1' is not a tool_call_id of step 4"]
    # a result without source_call_id is allowed: an action outside the tool-calling format, read as a message
    doc["steps"][3]["observation"] = {"results": [{"content": "$ ls\nout.txt"}]}
    events, bad = split(write(tmp_path / "ok.json", doc))
    assert not bad
    assert events[-1]["kind"] == "message" and events[-1]["role"] == "user"
    assert events[-1]["meta"] == {"atif": "observation"}


def subagent(tid: str | None, answer: str) -> dict:
    doc = {"schema_version": "ATIF-v1.7", "agent": {"name": "searcher", "version": "1"}, "steps": [
        {"step_id": 1, "source": "user", "message": "Find the file."},
        {"step_id": 2, "source": "agent", "message": answer}]}
    if tid is not None:
        doc["trajectory_id"] = tid
    return doc


def with_subagents(*subs: dict) -> dict:
    doc = document(subagent_trajectories=list(subs))
    doc["steps"][1]["observation"]["results"][0]["subagent_trajectory_ref"] = [{"trajectory_id": "sub-a"}]
    return doc


def test_subagents_are_trajectories_linked_to_their_parent_step(tmp_path: Path, validator):
    events, bad = split(write(tmp_path / "t.json", with_subagents(subagent("sub-a", "It is in /app."))))
    assert not bad
    assert_well_formed(events, validator, "atif")
    groups = by_trajectory(events)
    assert sorted(groups) == ["traj-main", "traj-main/sub-a"]
    task = groups["traj-main/sub-a"][0]
    assert task["meta"]["parent_trajectory"] == "traj-main"
    assert task["meta"]["parent_step_id"] == 2 and task["meta"]["parent_call_id"] == "call_1"
    assert task["origin"]["path"] == "$.subagent_trajectories[0]"
    assert groups["traj-main/sub-a"][2]["origin"]["path"] == "$.subagent_trajectories[0].steps[1]"
    result = next(e for e in groups["traj-main"] if e["kind"] == "tool_result" and e["call_id"] == "call_1")
    assert result["meta"] == {"subagent_trajectories": ["sub-a"]}


def test_subagent_ids_must_be_present_and_unique(tmp_path: Path):
    doc = with_subagents(subagent("sub-a", "one"), subagent("sub-a", "two"), subagent(None, "three"))
    events, bad = split(write(tmp_path / "t.json", doc))
    assert violations(bad) == [
        "ATIF: $.subagent_trajectories[1].trajectory_id: 'sub-a' is not unique among the subagent trajectories",
        "ATIF: $.subagent_trajectories[2].trajectory_id: required on embedded subagents",
    ]
    assert len(by_trajectory(events)) == 4  # still read: the duplicate keeps its own events
    # a reference naming no embedded trajectory and no path cannot be followed
    dangling = with_subagents(subagent("sub-b", "x"))
    bad = split(write(tmp_path / "d.json", dangling))[1]
    assert violations(bad) == ["ATIF: $.steps[1].observation.results[0].subagent_trajectory_ref[0]: names neither "
                               "an embedded subagent trajectory_id nor a trajectory_path"]
    # near miss: a file reference (trajectory_path) is a valid way to name a subagent
    dangling["steps"][1]["observation"]["results"][0]["subagent_trajectory_ref"] = [{"trajectory_path": "s.json"}]
    assert split(write(tmp_path / "p.json", dangling))[1] == []


def continued(folder: Path) -> tuple[Path, Path]:
    first = document(continued_trajectory_ref="trajectory.cont-1.json")
    del first["steps"][3]
    second = {
        "schema_version": "ATIF-v1.7", "session_id": "run-1", "trajectory_id": "traj-main-cont-1",
        "agent": {"name": "terminus-2", "version": "2.0.0"},
        "steps": [
            {"step_id": 1, "source": "user", "message": "Create /app/out.txt.", "is_copied_context": True},
            {"step_id": 2, "source": "system", "message": "Summary: permission denied on /app.",
             "is_copied_context": True},
            {"step_id": 3, "source": "agent", "message": "Retrying with sudo.",
             "tool_calls": [{"tool_call_id": "call_9", "function_name": "bash", "arguments": {"cmd": "sudo touch"}}],
             "observation": {"results": [{"source_call_id": "call_9", "content": ""}]}},
        ],
    }
    return write(folder / "trajectory.json", first), write(folder / "trajectory.cont-1.json", second)


def test_continued_trajectories_are_joined(tmp_path: Path, validator):
    first, second = continued(tmp_path / "agent")
    events, bad = split(first)
    assert not bad
    assert_well_formed(events, validator, "atif")
    assert {e["trajectory"] for e in events} == {"traj-main"}
    tail = events[-3:]
    assert [e["kind"] for e in tail] == ["message", "tool_call", "tool_result"]
    assert {e["origin"]["file"] for e in tail} == {str(second)}
    assert tail[0]["origin"]["path"] == "$.steps[2]"
    assert not any("Summary:" in (e.get("text") or "") for e in events)  # copied context is not read twice
    # the folder audited as a whole: one trajectory, the continuation not read a second time on its own
    audit = engine.Audit(discover([str(tmp_path)]), Config(), engine.Options(jobs=1))
    ids = [r.trajectory.id for r in audit if isinstance(r, TrajectoryResult)]
    assert ids == ["traj-main"]
    # near miss: the continuation given alone is read as it is
    events, bad = split(second)
    assert not bad and {e["trajectory"] for e in events} == {"traj-main-cont-1"}
    assert any("Summary:" in (e.get("text") or "") for e in events)


def test_a_missing_continuation_is_reported(tmp_path: Path):
    doc = document(continued_trajectory_ref="trajectory.cont-1.json")
    events, bad = split(write(tmp_path / "trajectory.json", doc))
    assert violations(bad) == ["ATIF: continued_trajectory_ref 'trajectory.cont-1.json': no such file beside "
                               "trajectory.json"]
    assert len(events) == 10


@pytest.mark.parametrize("ref", ["/etc/passwd", "../outside.json", "a\x00b", "x" * 5000, "trajectory.json"])
def test_continuations_stay_in_the_folder_and_never_raise(tmp_path: Path, ref: str):
    """A log names the next file to read: files outside its folder are not followed (nor read and echoed), and
    unusable names are reported, not raised."""
    write(tmp_path / "outside.json", document())
    doc = document(continued_trajectory_ref=ref)
    path = write(tmp_path / "run" / "trajectory.json", doc)
    events, bad = split(path)
    assert {e["origin"]["file"] for e in events} == {str(path)}  # nothing read from another file
    assert len(violations(bad)) == 1
    if ref in ("/etc/passwd", "../outside.json"):
        assert "not followed" in bad[0].message
    for item in atif.convert(Source(str(path), path, optional=True)):  # the sibling scan of a directory read
        assert isinstance(item, (tuple, Malformed))


def test_a_continuation_linked_from_elsewhere_is_not_followed(tmp_path: Path):
    _, second = continued(tmp_path / "elsewhere")
    doc = document(continued_trajectory_ref="next.json")
    path = write(tmp_path / "run" / "trajectory.json", doc)
    (path.parent / "next.json").symlink_to(second)
    events, bad = split(path)
    assert {e["origin"]["file"] for e in events} == {str(path)}
    assert violations(bad) == ["ATIF: continued_trajectory_ref 'next.json' is outside the folder of trajectory.json: "
                               "not followed"]


def test_each_continuation_is_named_beside_the_file_that_names_it(tmp_path: Path, monkeypatch):
    """A chain that goes down into a folder: the next file is looked for, and named, beside the file that names it
    (run/sub/cont-2.json), not beside the first (run/cont-2.json, which does not exist), however the first was
    given."""
    chain = {"run/trajectory.json": "sub/cont-1.json", "run/sub/cont-1.json": "cont-2.json",
             "run/sub/cont-2.json": None}
    for name, ref in chain.items():
        write(tmp_path / name, document(**({"continued_trajectory_ref": ref} if ref else {})))
    monkeypatch.chdir(tmp_path)
    events, bad = split(Path("run/trajectory.json"))
    assert not bad and {e["origin"]["file"] for e in events} == set(chain)
    events, bad = split(tmp_path / "run" / "trajectory.json")
    assert not bad and {e["origin"]["file"] for e in events} == {str((tmp_path / name).resolve()) for name in chain}


def test_a_list_of_trajectories(tmp_path: Path):
    second = document()
    second["trajectory_id"] = "traj-2"
    events, bad = split(write(tmp_path / "many.json", [document(), second]))
    assert not bad and sorted(by_trajectory(events)) == ["traj-2", "traj-main"]
    assert by_trajectory(events)["traj-2"][0]["origin"]["path"] == "$[1]"
    # two documents of one run without trajectory_id share their session_id: still two trajectories
    same = [document(), document()]
    for doc in same:
        del doc["trajectory_id"]
    events, bad = split(write(tmp_path / "same.json", same))
    assert not bad and sorted(by_trajectory(events)) == ["run-1", "run-1[1]"]


def test_sniff_recognises_atif_and_nothing_else(tmp_path: Path):
    def sniffed(doc) -> bool:
        path = write(tmp_path / "x.json", doc)
        source = Source(str(path), path)
        return atif.sniff(source, source.head())

    assert sniffed(document())
    assert sniffed([document()])
    bare = document(schema_version="1.4")  # producers that write a bare version number
    assert sniffed(bare) and run(write(tmp_path / "bare.json", bare))[0] == "atif"
    # near misses: another format's document with a schema version, steps without step ids, a tau2 results file
    assert not sniffed({"schema_version": "2.0", "steps": [{"name": "build", "run": "make"}]})
    assert not sniffed({"version": 2, "status": "success", "eval": {"task_id": "t"}, "samples": []})
    assert not sniffed({"info": {}, "tasks": [], "simulations": [{"id": "s", "task_id": "t", "messages": []}]})
    # --from atif on something else says what it expected
    path = write(tmp_path / "other.json", {"steps": "none"})
    (item,) = list(atif.convert(Source(str(path), path)))
    assert isinstance(item, Malformed) and "not an ATIF trajectory" in item.message


def test_real_shape_of_a_pre_1_0_writer(tmp_path: Path):
    """Mirrors OpenAgentsInc/openagents `results/trajectories/regex-log/20251211-161750-ba4ddb16/trajectory.json`
    (a Claude Code run exported as "ATIF 1.4"): bare version "1.4", tool calls as {id, name, arguments}, each result
    in a system step as {type: tool_result, content, result{success, error}} before the agent step that lists the
    calls. It is read as far as it goes; its results cannot be paired with calls, which the audit then reports."""
    doc = {
        "schema_version": "1.4", "session_id": "tbench-1",
        "agent": {"name": "claude-code", "version": "2.0.58", "model": "claude-x", "provider": "anthropic"},
        "steps": [
            {"step_id": 1, "source": "user", "message": "Save a regex in /app/regex.txt"},
            {"step_id": 2, "source": "system", "message": "Tool result for toolu_1",
             "observation": {"type": "tool_result", "content": "EACCES: permission denied, mkdir '/app'",
                             "result": {"success": False, "error": "EACCES: permission denied"}}},
            {"step_id": 3, "source": "agent", "message": "Saving it.",
             "tool_calls": [{"id": "toolu_1", "name": "Write", "arguments": {"file_path": "/app/regex.txt"}}]},
        ],
        "final_metrics": {"total_steps": 3}, "extra": {"success": True},
    }
    events, bad = split(write(tmp_path / "trajectory.json", doc))
    assert not bad
    kinds = [(e["kind"], e.get("role")) for e in events]
    assert kinds == [("task", None), ("message", "user"), ("message", "system"), ("message", "system"),
                     ("message", "assistant"), ("tool_call", None)]
    assert events[3]["text"].startswith("EACCES") and events[3]["meta"] == {"atif": "observation"}
    assert events[5]["tool"] == "Write" and events[5]["call_id"] == "toolu_1"



def test_audit_reports_the_failed_call(tmp_path: Path):
    """End to end: the failed touch (event 7) is an ignored tool error, and the final "Done" (event 9) a completion
    claim nothing verified; the same document without the failure has neither."""
    assert audit_codes(write(tmp_path / "t.json", document())) == [("traj-main", 7, "TA201"), ("traj-main", 9, "TA105")]
    fixed = document()
    fixed["steps"][1]["observation"]["results"][1] = {"source_call_id": "call_2", "content": ""}
    assert ("traj-main", 7, "TA201") not in audit_codes(write(tmp_path / "fixed.json", fixed))


# --- written by ATIF's reference models -----------------------------------------------------------------------------


@pytest.fixture
def nat_atif():
    return pytest.importorskip("nat.atif", reason="nvidia-nat-atif (ATIF v1.7 reference models) is not installed")


def test_reference_models_write_what_we_read(tmp_path: Path, validator, nat_atif):
    trajectory = nat_atif.Trajectory(
        session_id="run-9", trajectory_id="main",
        agent=nat_atif.Agent(name="demo", version="1.0", model_name="m", tool_definitions=TOOLS),
        steps=[
            nat_atif.Step(step_id=1, source="user", message="What is in /app?"),
            nat_atif.Step(
                step_id=2, source="agent", message="", reasoning_content="List it.",
                tool_calls=[nat_atif.ToolCall(tool_call_id="c1", function_name="bash", arguments={"cmd": "ls /app"})],
                observation=nat_atif.Observation(results=[nat_atif.ObservationResult(
                    source_call_id="c1", content="a.txt",
                    subagent_trajectory_ref=[nat_atif.SubagentTrajectoryRef(trajectory_id="helper")])]),
                metrics=nat_atif.Metrics(prompt_tokens=10, completion_tokens=3, logprobs=[-0.1, -0.2, -0.3]),
            ),
            nat_atif.Step(step_id=3, source="agent", message="It holds a.txt."),
        ],
        subagent_trajectories=[nat_atif.Trajectory(
            trajectory_id="helper", agent=nat_atif.Agent(name="helper", version="1"),
            steps=[nat_atif.Step(step_id=1, source="agent", message="a.txt")])],
    )
    events, bad = split(write(tmp_path / "t.json", trajectory.to_json_dict()))
    assert not bad
    assert_well_formed(events, validator, "atif")
    groups = by_trajectory(events)
    assert sorted(groups) == ["main", "main/helper"]
    call = next(e for e in groups["main"] if e["kind"] == "tool_call")
    assert call["tokens"] == {"input": 10, "output": 3} and call["logprobs"] == [-0.1, -0.2, -0.3]
    assert groups["main/helper"][0]["meta"]["parent_call_id"] == "c1"


@pytest.mark.parametrize("breakage", ["step_ids", "source_call_id", "duplicate_subagent", "missing_subagent_id"])
def test_our_rules_agree_with_the_reference_validators(tmp_path: Path, nat_atif, breakage: str):
    """Each broken document is rejected by the reference models' validators and reported by the importer; the
    unbroken one passes both."""
    good = with_subagents(subagent("sub-a", "x"))
    nat_atif.Trajectory.model_validate(copy.deepcopy(good))
    assert split(write(tmp_path / "good.json", good))[1] == []
    bad_doc = copy.deepcopy(good)
    if breakage == "step_ids":
        bad_doc["steps"][1]["step_id"] = 7
    elif breakage == "source_call_id":
        bad_doc["steps"][1]["observation"]["results"][0]["source_call_id"] = "call_zzz"
    elif breakage == "duplicate_subagent":
        bad_doc["subagent_trajectories"].append(subagent("sub-a", "y"))
    else:
        bad_doc["subagent_trajectories"].append(subagent(None, "y"))
    with pytest.raises(ValueError):
        nat_atif.Trajectory.model_validate(copy.deepcopy(bad_doc))
    assert len(violations(split(write(tmp_path / "bad.json", bad_doc))[1])) == 1


# --- shapes of real ATIF files in public repositories (written here by hand, smaller) ------------------------------


def test_real_shape_harbor_computer_use_agent(tmp_path: Path, validator):
    """Mirrors refreshdotdev/harbor-trajectories
    `jobs/2026-02-09__00-15-22/computer-use-oncall-debug__kFdZhTa/agent/trajectory.json` (ATIF-v1.6, a Harbor
    computer-use agent): agent steps with an empty message and one tool call each, observation results WITHOUT
    source_call_id, screenshots as image content parts, per-step token metrics."""
    def act(step_id: int, tool: str, content) -> dict:
        return {"step_id": step_id, "source": "agent", "model_name": "gemini/x", "message": "",
                "tool_calls": [{"tool_call_id": f"call_{step_id}__thought__x", "function_name": tool, "arguments": {}}],
                "observation": {"results": [{"content": content}]},
                "metrics": {"prompt_tokens": 1000 * step_id, "completion_tokens": 10}}

    screenshot = [{"type": "image", "source": {"media_type": "image/png", "path": "images/step_2.png"}}]
    doc = {"schema_version": "ATIF-v1.6", "session_id": "navigator",
           "agent": {"name": "navigator", "version": "0.1.0", "model_name": "gemini/x"},
           "steps": [{"step_id": 1, "source": "user", "message": "Read the dashboard and write a report."},
                     act(2, "computer_screenshot", screenshot),
                     act(3, "computer_scroll", "OK: pyautogui.scroll(-500, x=500, y=500)"),
                     {"step_id": 4, "source": "agent", "message": "Report written."}]}
    events, bad = split(write(tmp_path / "trajectory.json", doc))
    assert not bad
    assert_well_formed(events, validator, "atif")
    kinds = [e["kind"] for e in events]
    assert kinds == ["task", "message", "tool_call", "tool_result", "tool_call", "tool_result", "message"]
    shot, scroll = events[3], events[5]
    assert shot["call_id"] == "call_2__thought__x" and shot["output"] == "" and shot["ok"] is True
    assert scroll["tool"] == "computer_scroll" and scroll["meta"] == {"paired": "by order: no source_call_id"}
    assert events[2]["tokens"] == {"input": 2000, "output": 10}
    # the audit sees every call answered (no unmatched call/result finding, TA204) ...
    assert "TA204" not in {c for _, _, c in audit_codes(tmp_path / "trajectory.json")}
    # ... and a call that no result answers is still reported
    doc["steps"][2]["tool_calls"].append({"tool_call_id": "extra", "function_name": "computer_key", "arguments": {}})
    assert "TA204" in {c for _, _, c in audit_codes(write(tmp_path / "unanswered.json", doc))}


def test_real_shape_nemo_agent_toolkit_export(tmp_path: Path):
    """Mirrors NVIDIA/NeMo-Agent-Toolkit `packages/nvidia_nat_atif/examples/atof_to_atif/output/exmp04_atif.json`
    (ATIF-v1.7 from the ATOF converter): tool calls and steps carry `extra.ancestry` / `extra.invocation`,
    steps `llm_call_count`; no trajectory_id, so the session id names the trajectory."""
    def invocation(status: str) -> dict:
        return {"ancestry": {"function_id": "tool-1", "parent_id": "agent-1"},
                "invocation": {"invocation_id": "t1", "framework": "nat", "status": status}}

    doc = {"schema_version": "ATIF-v1.7", "session_id": "agent-004",
           "agent": {"name": "summarizer", "version": "1.0.0", "model_name": "model-y"},
           "steps": [
               {"step_id": 1, "source": "user", "message": "Summarize /docs/intro.md"},
               {"step_id": 2, "source": "agent", "message": "Reading it.", "llm_call_count": 1,
                "tool_calls": [{"tool_call_id": "t1", "function_name": "read_file", "arguments": {"path": "/d"},
                                "extra": invocation("error")}],
                "observation": {"results": [{"source_call_id": "t1", "content": "no such file"}]},
                "extra": {"data_schema": {"name": "anthropic/messages", "version": "1"}}},
               {"step_id": 3, "source": "agent", "message": "It is an intro page.", "llm_call_count": 1},
           ]}
    events, bad = split(write(tmp_path / "exmp.json", doc))
    assert not bad
    assert {e["trajectory"] for e in events} == {"agent-004"}
    result = next(e for e in events if e["kind"] == "tool_result")
    assert result["ok"] is False  # the call's invocation status says error
    doc["steps"][1]["tool_calls"][0]["extra"] = invocation("completed")
    result = next(e for e in split(write(tmp_path / "ok.json", doc))[0] if e["kind"] == "tool_result")
    assert result["ok"] is True


def test_real_shape_converted_run_that_never_acted(tmp_path: Path):
    """Mirrors refreshdotdev/harbor-trajectories
    `jobs/2026-02-09__12-10-48/011_atlassian-api__atlassian-pyt__t9JToEW/agent/trajectory.json` (ATIF-v1.2,
    "Converted from mini-swe-agent trajectory format to ATIF"): a system prompt and the task, no agent step,
    `notes`, zero final metrics, agent config under `agent.extra`."""
    doc = {"schema_version": "ATIF-v1.2", "session_id": "96c4",
           "agent": {"name": "mini-swe-agent", "version": "1.14.4", "model_name": "bedrock/x",
                     "extra": {"original_format": "mini-swe-agent-1"}},
           "steps": [{"step_id": 1, "source": "system", "message": "You are a helpful assistant."},
                     {"step_id": 2, "source": "user", "message": "Please solve this issue: implement download_report"}],
           "notes": "Converted from mini-swe-agent trajectory format to ATIF",
           "final_metrics": {"total_prompt_tokens": 0, "total_completion_tokens": 0}}
    events, bad = split(write(tmp_path / "trajectory.json", doc))
    assert not bad
    assert [(e["kind"], e.get("role")) for e in events] == [("task", None), ("message", "system"), ("message", "user")]
    assert events[0]["goal"].startswith("Please solve this issue")
    assert events[0]["meta"]["notes"].startswith("Converted from mini-swe-agent")


# --- no input makes the importer raise --------------------------------------------------------------------------------

ATIF_KEYS = ["schema_version", "session_id", "trajectory_id", "agent", "tool_definitions", "steps", "step_id", "source",
             "message", "reasoning_content", "tool_calls", "tool_call_id", "function_name", "arguments", "observation",
             "results", "source_call_id", "content", "subagent_trajectory_ref", "subagent_trajectories", "metrics",
             "logprobs", "prompt_tokens", "completion_tokens", "continued_trajectory_ref", "is_copied_context",
             "extra", "invocation", "status", "is_error", "type", "text"]


def _atif_values():
    from hypothesis import strategies as st

    leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
              | st.sampled_from(["agent", "user", "system", "call_1", "ATIF-v1.7", "../x.json", "Error: x", ""])
              | st.text(max_size=12))
    return st.recursive(leaves, lambda children: st.lists(children, max_size=4)
                        | st.dictionaries(st.sampled_from(ATIF_KEYS), children, max_size=6), max_leaves=40)


def test_arbitrary_atif_shaped_json_never_raises(tmp_path_factory):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(_atif_values(), max_size=5), top=st.dictionaries(st.sampled_from(ATIF_KEYS), _atif_values(),
                                                                           max_size=5))
    def check(steps, top):
        folder = tmp_path_factory.mktemp("atif")
        path = folder / "t.json"
        path.write_text(json.dumps({**top, "steps": steps}))
        for optional in (False, True):
            for item in atif.convert(Source(str(path), path, optional=optional)):
                assert isinstance(item, Malformed) or (isinstance(item, tuple) and isinstance(item[1], dict))

    check()


def test_convert_round_trip_through_the_cli(tmp_path: Path):
    """`trajaudit convert` of an ATIF folder (a trajectory, its continuation, an embedded subagent) gives native events
    that validate, and auditing them gives the findings of auditing the ATIF files."""
    from typer.testing import CliRunner

    from trajaudit.cli import app

    first, _ = continued(tmp_path / "agent")
    doc = json.loads(first.read_text())
    doc["subagent_trajectories"] = [subagent("sub-a", "found it")]
    doc["steps"][1]["observation"]["results"][0]["subagent_trajectory_ref"] = [{"trajectory_id": "sub-a"}]
    write(first, doc)
    runner = CliRunner()
    converted = runner.invoke(app, ["convert", str(tmp_path / "agent"), "-q"])
    assert converted.exit_code == 0, converted.stderr
    native = write(tmp_path / "native.jsonl", None)
    native.write_text(converted.stdout, encoding="utf-8")
    assert runner.invoke(app, ["validate", str(native), "-q"]).exit_code == 0

    def findings(path: Path) -> list[tuple]:
        result = runner.invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
        assert result.exit_code == 0, result.stderr
        records = [json.loads(line) for line in result.stdout.splitlines()]
        return sorted((r["trajectory"], r["step"], r["code"]) for r in records if r["type"] == "finding")

    direct = findings(tmp_path / "agent")
    assert direct and {t for t, _, _ in direct} <= {"traj-main", "traj-main/sub-a"}
    assert findings(native) == direct
