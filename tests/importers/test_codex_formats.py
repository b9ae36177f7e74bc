"""The Codex importer on the shapes besides today's rollouts: older "direct" rollouts (a session line, then bare
ResponseItems) and `codex exec --json` output (current and pre-0.44 names). Fixtures are hand-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.importers.conftest import FIXTURES, assert_well_formed, by_trajectory, run
from trajaudit.cli import app
from trajaudit.importers import FORMATS, codex, detect
from trajaudit.reader import Source

THREAD = "0199c0de-0000-7000-8000-00000000e001"


def kinds(events: list[dict]) -> list[str]:
    return [e["kind"] for e in events]


def results(events: list[dict]) -> list[tuple]:
    return [(e["call_id"], e["ok"], e.get("exit_code")) for e in events if e["kind"] == "tool_result"]


def write(tmp_path: Path, name: str, lines: list) -> Path:
    path = tmp_path / name
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def started(item_id: str, command: str) -> dict:
    item = {"id": item_id, "type": "command_execution", "command": command, "aggregated_output": "",
            "exit_code": None, "status": "in_progress"}
    return {"type": "item.started", "item": item}


def completed(item_id: str, command: str, output: str, code: int | None, status: str) -> dict:
    item = {"id": item_id, "type": "command_execution", "command": command, "aggregated_output": output,
            "exit_code": code, "status": status}
    return {"type": "item.completed", "item": item}


def message(item_id: str, text: str) -> dict:
    return {"type": "item.completed", "item": {"id": item_id, "type": "agent_message", "text": text}}


# --- recognition --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["codex.jsonl", "codex_direct.jsonl", "codex_exec.jsonl", "codex_exec_legacy.jsonl"])
def test_only_codex_claims_each_codex_shape(name: str):
    source = Source(str(FIXTURES / name), FIXTURES / name)
    head = source.head()
    assert [m.NAME for m in FORMATS if m.sniff(source, head)] == ["codex"]
    assert detect(source).NAME == "codex"


@pytest.mark.parametrize("first", [
    {"type": "error", "message": "boom"},  # a bare error line says too little
    {"id": "x", "timestamp": "2025-01-01T00:00:00Z"},  # id and timestamp alone are not a Codex session line
    {"type": "message", "role": "user", "content": "hi"},  # a lone ResponseItem stays OpenAI's single message
    {"type": "item.completed", "trajectory": "t", "step": 0, "kind": "message"},  # native events win
])
def test_sniff_stays_narrow(tmp_path: Path, first: dict):
    path = write(tmp_path, "other.jsonl", [first])
    source = Source(str(path), path)
    assert not codex.sniff(source, source.head())


# --- older rollouts: session line + bare ResponseItems -----------------------------------------------------------


def test_direct_rollout_session_items_state_lines_and_exit_codes(validator):
    fmt, events, bad = run(FIXTURES / "codex_direct.jsonl")
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {"5f0c1e2a-0000-4000-8000-00000000d001"}
    assert kinds(events) == ["task", "message", "message", "reasoning", "tool_call", "tool_result", "tool_call",
                             "tool_result", "message"]
    task = events[0]
    assert task["task_id"] == task["trajectory"] and task["timestamp"] == "2025-07-14T08:00:00.000Z"
    assert events[1]["meta"] == {"injected": True} and events[2]["text"] == "Make the tests pass."
    assert events[3]["text"] == "Run the test suite first."
    assert results(events) == [("call_a", False, 1), ("call_b", True, 0)]
    assert events[5]["output"] == "1 failed, 3 passed\n" and events[5]["error"] == "exit code 1"
    assert events[6]["tool"] == "shell" and events[6]["arguments"]["command"] == ["cat", "calc.py"]
    final = events[-1]
    assert final["role"] == "assistant" and final["text"].startswith("add() subtracts")
    # state lines are skipped, and origin lines still point at the source lines
    assert [e["origin"]["line"] for e in events] == [1, 3, 4, 6, 7, 8, 9, 10, 12]


def test_direct_items_without_a_session_line_use_the_file_name(tmp_path: Path, validator):
    path = write(tmp_path, "fragment.jsonl", [
        {"type": "function_call", "name": "shell", "arguments": '{"command": ["ls"]}', "call_id": "c1"},
        {"type": "function_call_output", "call_id": "c1", "output": "Exit code: 0\nOutput:\na\n"},
    ])
    fmt, events, bad = run(path, "codex")
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {str(path)}
    assert results(events) == [("c1", True, 0)]


# --- codex exec --json ------------------------------------------------------------------------------------------


def test_exec_json_items_calls_results_and_final_message(validator):
    fmt, events, bad = run(FIXTURES / "codex_exec.jsonl")
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {THREAD}
    assert events[0] == {**events[0], "kind": "task", "task_id": THREAD}
    assert kinds(events) == ["task", "reasoning"] + ["tool_call", "tool_result"] * 5 + ["message"]
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [(c["call_id"], c["tool"]) for c in calls] == [
        ("item_1", "shell"), ("item_2", "shell"), ("item_3", "apply_patch"), ("item_4", "close_issue"),
        ("item_5", "web_search"),
    ]
    assert calls[1]["arguments"] == {"command": "bash -lc 'make test'"}
    assert calls[2]["arguments"]["changes"][1] == {"path": "NOTES.md", "kind": "add"}
    assert calls[3]["arguments"] == {"id": 17} and calls[3]["meta"] == {"server": "tracker"}
    assert calls[4]["arguments"] == {"query": "make Error 2 meaning"}
    assert results(events) == [("item_1", True, 0), ("item_2", False, 2), ("item_3", True, None),
                               ("item_4", False, None), ("item_5", True, None)]
    by_call = {e["call_id"]: e for e in events if e["kind"] == "tool_result"}
    assert by_call["item_2"]["error"] == "exit code 2" and "FAILED" in by_call["item_2"]["output"]
    assert by_call["item_4"]["error"] == "issue 17 is locked"
    # a call is emitted where it started, its result where it completed; item.updated adds nothing
    assert (calls[1]["origin"]["line"], by_call["item_2"]["origin"]["line"]) == (6, 8)
    # the final agent message carries the turn's usage; the todo list after it is no step
    final = events[-1]
    assert final["role"] == "assistant" and final["text"].startswith("Build and tests are green")
    assert final["tokens"] == {"input": 5120, "output": 230} and final["meta"] == {"cached_input_tokens": 4096}
    assert final["origin"]["line"] == 14


def test_exec_json_before_0_44_item_type_and_assistant_message(validator):
    fmt, events, bad = run(FIXTURES / "codex_exec_legacy.jsonl")
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task", "reasoning", "tool_call", "tool_result", "message"]
    assert results(events) == [("item_1", True, 0)]
    assert events[-1]["text"] == "There is one file, a.txt." and events[-1]["tokens"] == {"input": 900, "output": 12}


def test_exec_first_experimental_session_created(tmp_path: Path, validator):
    path = write(tmp_path, "exp.jsonl", [
        {"type": "session.created", "session_id": "sess-1"},
        {"type": "item.completed", "item": {"id": "itm_0", "item_type": "command_execution", "command": "false",
                                            "aggregated_output": "", "exit_code": 1, "status": "failed"}},
        {"type": "item.completed", "item": {"id": "itm_1", "item_type": "assistant_message", "text": "It failed."}},
    ])
    fmt, events, bad = run(path)
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {"sess-1"}
    assert results(events) == [("itm_0", False, 1)]
    assert "tokens" not in events[-1]  # no turn.completed: the message is still emitted, at the end


@pytest.mark.parametrize(("item", "ok", "error"), [
    ({"exit_code": 0, "status": "completed"}, True, None),
    ({"exit_code": None, "status": "completed"}, True, None),
    ({"exit_code": 1, "status": "failed"}, False, "exit code 1"),
    ({"exit_code": -1, "status": "failed"}, False, "exit code -1"),
    ({"exit_code": None, "status": "declined"}, False, "command declined"),
    ({"exit_code": None, "status": "in_progress"}, False, "the command did not finish"),
    ({"exit_code": 3}, False, "exit code 3"),
])
def test_exec_command_status_and_exit_code_decide_ok(tmp_path: Path, item: dict, ok: bool, error):
    line = {"type": "item.completed", "item": {"id": "item_0", "type": "command_execution", "command": "x",
                                               "aggregated_output": "out", **item}}
    _, events, bad = run(write(tmp_path, "one.jsonl", [{"type": "thread.started", "thread_id": "t"}, line]))
    assert not bad
    result = events[-1]
    assert result["kind"] == "tool_result" and result["ok"] is ok and result.get("error") == error


def test_exec_started_command_without_completion_is_a_call_without_result(tmp_path: Path, validator):
    path = write(tmp_path, "cut.jsonl", [
        {"type": "thread.started", "thread_id": "t-cut"},
        {"type": "turn.started"},
        started("item_0", "bash -lc 'sleep 999'"),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task", "tool_call"]
    result = CliRunner().invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
    codes = {json.loads(x)["code"] for x in result.stdout.splitlines() if '"type":"finding"' in x}
    assert {"TA204", "TA004"} <= codes


def test_exec_runs_of_one_thread_and_of_two_threads(tmp_path: Path, validator):
    path = write(tmp_path, "ci.jsonl", [
        {"type": "thread.started", "thread_id": "a"},
        completed("item_0", "make", "", 0, "completed"),
        message("item_1", "Built."),
        {"type": "turn.completed", "usage": {"input_tokens": 10, "cached_input_tokens": 0, "output_tokens": 2}},
        {"type": "thread.started", "thread_id": "b"},
        completed("item_0", "make", "", 2, "failed"),
        message("item_1", "The build failed."),
        {"type": "thread.started", "thread_id": "a"},  # `codex exec resume` appended: item ids start again
        completed("item_0", "make test", "", 0, "completed"),
        message("item_1", "Tests pass."),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    trajectories = by_trajectory(events)
    assert sorted(trajectories) == ["a", "b"]
    assert results(trajectories["a"]) == [("item_0", True, 0), ("item_0@2", True, 0)]
    assert results(trajectories["b"]) == [("item_0", False, 2)]
    assert [e["text"] for e in trajectories["a"] if e["kind"] == "message"] == ["Built.", "Tests pass."]
    assert trajectories["a"][3]["tokens"] == {"input": 10, "output": 2}


def test_exec_failures_and_error_items_become_system_messages(tmp_path: Path, validator):
    path = write(tmp_path, "fail.jsonl", [
        {"type": "thread.started", "thread_id": "t-fail"},
        {"type": "item.completed", "item": {"id": "item_0", "type": "error", "message": "model rerouted"}},
        {"type": "error", "message": "stream disconnected"},
        {"type": "turn.failed", "error": {"message": "usage limit reached"}},
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert [(e["role"], e["text"], e["meta"]) for e in events[1:]] == [
        ("system", "model rerouted", {"item_type": "error"}),
        ("system", "stream disconnected", {"event": "error"}),
        ("system", "usage limit reached", {"event": "turn.failed"}),
    ]


def test_exec_without_thread_id_uses_the_file_name(tmp_path: Path):
    path = write(tmp_path, "nothread.jsonl", [{"type": "turn.started"}, message("item_0", "Hi.")])
    fmt, events, bad = run(path)
    assert fmt == "codex" and not bad
    assert [e["trajectory"] for e in events] == [str(path)]


# --- bad input ---------------------------------------------------------------------------------------------------


def test_broken_lines_are_reported_and_the_rest_converts(tmp_path: Path, validator):
    path = write(tmp_path, "broken.jsonl", [
        {"type": "thread.started", "thread_id": "t-bad"},
        '{"type":"item.completed","item":{"id":"item_0","type":"agent_mess',  # truncated line
        {"type": "item.completed"},  # no item
        {"type": "item.completed", "item": {"id": "item_1"}},  # item without a type
        {"type": "item.completed", "item": {"id": "item_2", "type": "hologram", "text": "?"}},  # unknown: skipped
        {"type": "thread.started"},  # no thread id
        {"type": "user", "sessionId": "x", "message": {}},  # another tool's line
        [1, 2],
        completed("item_3", "ls", "a\n", 0, "completed"),
        message("item_4", "Listed."),
    ])
    fmt, events, bad = run(path, "codex")
    assert fmt == "codex"
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task", "tool_call", "tool_result", "message"]
    assert {e["trajectory"] for e in events} == {"t-bad"}
    assert [m.line for m in bad] == [2, 3, 4, 6, 7, 8]
    assert all(m.file == str(path) for m in bad)
    messages = [m.message for m in bad]
    assert "item.completed without an `item` object" in messages[1] and "expected" in messages[1]
    assert "with a type" in messages[2]
    assert "thread.started without a thread id" in messages[3]
    assert messages[4].startswith("not a Codex line: expected") and "found type 'user'" in messages[4]
    assert "found list" in messages[5]


def test_a_file_of_another_format_named_codex_is_rejected_line_by_line():
    _, events, bad = run(FIXTURES / "openai.jsonl", "codex")
    assert not events and bad
    assert all(m.message.startswith("not a Codex line: expected") for m in bad)


# --- end to end ----------------------------------------------------------------------------------------------------


def test_audit_flags_an_ignored_failed_command_and_convert_validates(tmp_path: Path, validator):
    path = write(tmp_path, "ignored.jsonl", [
        {"type": "thread.started", "thread_id": "t-ignored"},
        {"type": "turn.started"},
        started("item_0", "bash -lc './deploy.sh staging'"),
        completed("item_0", "bash -lc './deploy.sh staging'", "permission denied: ./deploy.sh\n", 126, "failed"),
        message("item_1", "Deployment to staging is complete."),
        {"type": "turn.completed", "usage": {"input_tokens": 800, "cached_input_tokens": 0, "output_tokens": 20}},
    ])
    runner = CliRunner()
    audited = runner.invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
    assert audited.exit_code == 0, audited.stderr
    records = [json.loads(x) for x in audited.stdout.splitlines()]
    findings = [r for r in records if r["type"] == "finding"]
    ignored = [f for f in findings if f["code"] == "TA201"]
    assert ignored and ignored[0]["step"] == 2 and ignored[0]["line"] == 4
    assert ignored[0]["trajectory"] == "t-ignored"
    assert records[-1]["formats"] == {"codex": 1}

    converted = runner.invoke(app, ["convert", str(path), "-q"])
    assert converted.exit_code == 0, converted.stderr
    native = tmp_path / "native.jsonl"
    native.write_text(converted.stdout, encoding="utf-8")
    for line in converted.stdout.splitlines():
        assert not list(validator.iter_errors(json.loads(line)))
    valid = runner.invoke(app, ["validate", str(native), "-q", "--format", "jsonl"])
    assert valid.exit_code == 0, valid.stdout[:2000]
    again = runner.invoke(app, ["audit", str(native), "--format", "jsonl", "-q", "--fail-on", "never"])
    codes = sorted(json.loads(x)["code"] for x in again.stdout.splitlines() if '"type":"finding"' in x)
    assert codes == sorted(f["code"] for f in findings)


@pytest.mark.parametrize("name", ["codex_direct.jsonl", "codex_exec.jsonl", "codex_exec_legacy.jsonl"])
def test_convert_of_each_fixture_validates_against_the_schema(tmp_path: Path, name: str):
    runner = CliRunner()
    converted = runner.invoke(app, ["convert", str(FIXTURES / name), "--from", "codex", "-q"])
    assert converted.exit_code == 0, converted.stderr
    native = tmp_path / "native.jsonl"
    native.write_text(converted.stdout, encoding="utf-8")
    valid = runner.invoke(app, ["validate", str(native), "-q", "--format", "jsonl"])
    assert valid.exit_code == 0, valid.stdout[:2000]
