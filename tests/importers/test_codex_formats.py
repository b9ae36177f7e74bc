"""The Codex importer on the shapes besides today's rollouts: older "direct" rollouts (a session line, then bare
ResponseItems), `codex exec --json` output (current and pre-0.44 names) and the first `codex exec --json` output
(a configuration line, a prompt line, then protocol events `{id, msg}`). Fixtures are hand-written."""

from __future__ import annotations

import json
from collections import Counter
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


@pytest.mark.parametrize("name", [
    "codex.jsonl", "codex_direct.jsonl", "codex_exec.jsonl", "codex_exec_legacy.jsonl", "codex_exec_events.jsonl",
])
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
    {"id": "42", "msg": "build finished"},  # another tool's {id, msg}: msg is no EventMsg
    {"id": "m1", "msg": {"type": "chat", "text": "hi"}},  # a msg type the Codex protocol does not have
    {"id": 7, "msg": {"type": "agent_message", "message": "hi"}},  # the submission id is a string
    {"id": "0", "msg": {"type": "agent_message", "message": "hi"}, "ts": 1},  # an Event has id and msg only
    {"workdir": "/w", "model": "gpt-5"},  # no sandbox: not the configuration summary
    {"workdir": "/w", "model": "gpt-5", "sandbox": "read-only", "retries": 3},  # a summary holds strings only
    {"prompt": "hi"},  # a prompt line alone says too little
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


# --- the first codex exec --json: configuration line, prompt line, protocol events {id, msg} ----------------------

CONFIG = {"workdir": "/srv/app", "model": "gpt-5", "provider": "openai", "approval": "never", "sandbox": "read-only"}


def event(kind: str, submission: str = "0", **fields) -> dict:
    return {"id": submission, "msg": {"type": kind, **fields}}


def exec_begin(call_id: str, *argv: str) -> dict:
    return event("exec_command_begin", call_id=call_id, command=list(argv), cwd="/srv/app", parsed_cmd=[])


def exec_end(call_id: str, code: int, stdout: str = "", stderr: str = "", aggregated: str | None = None) -> dict:
    return event("exec_command_end", call_id=call_id, stdout=stdout, stderr=stderr,
                 aggregated_output=stdout + stderr if aggregated is None else aggregated, exit_code=code,
                 duration={"secs": 0, "nanos": 5000000}, formatted_output=stdout + stderr)


def test_protocol_events_fixture_calls_results_and_final_message(validator):
    path = FIXTURES / "codex_exec_events.jsonl"
    fmt, events, bad = run(path)
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    # upstream codex does not print session_configured in this stream: the trajectory is the file's name
    assert {e["trajectory"] for e in events} == {str(path)}
    assert kinds(events) == ["task", "message", "reasoning", "message", "tool_call", "tool_result", "reasoning"] + [
        "tool_call", "tool_result"] * 4 + ["message"]
    assert Counter(kinds(events)) == {"task": 1, "message": 3, "reasoning": 2, "tool_call": 5, "tool_result": 5}
    task = events[0]
    assert task["task_id"] == str(path) and task["goal"].startswith("Fix the date parsing")
    assert task["meta"] == {"cwd": "/home/dev/ledger", "model": "gpt-5", "model_provider": "openai",
                            "approval": "never", "sandbox": "workspace-write [workdir, /tmp, $TMPDIR]"}
    assert (events[1]["role"], events[1]["text"]) == ("user", task["goal"])
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [(c["call_id"], c["tool"]) for c in calls] == [
        ("call_q1VbX0tT7mRk", "shell"), ("call_Hn2c8LwQpa3Z", "apply_patch"), ("call_7YtfPz0dKw4e", "shell"),
        ("call_Zr4mE1sGv9Lh", "shell"), ("call_c3KdW8nB2yQs", "close_issue"),
    ]
    assert calls[0]["arguments"] == {"command": ["bash", "-lc", "pytest -q"]}
    assert calls[0]["meta"] == {"cwd": "/home/dev/ledger"}
    assert calls[1]["arguments"] == {"changes": [{"path": "/home/dev/ledger/ledger/dates.py", "kind": "update"}]}
    assert calls[4]["arguments"] == {"number": 31, "comment": "Fixed in ledger/dates.py"}
    assert calls[4]["meta"] == {"server": "tracker"}
    assert results(events) == [("call_q1VbX0tT7mRk", False, 1), ("call_Hn2c8LwQpa3Z", True, None),
                               ("call_7YtfPz0dKw4e", True, 0), ("call_Zr4mE1sGv9Lh", False, 1),
                               ("call_c3KdW8nB2yQs", False, None)]
    by_call = {e["call_id"]: e for e in events if e["kind"] == "tool_result"}
    assert by_call["call_q1VbX0tT7mRk"]["error"] == "exit code 1"
    assert "1 failed, 4 passed" in by_call["call_q1VbX0tT7mRk"]["output"]
    assert by_call["call_7YtfPz0dKw4e"]["output"] == ".....\n5 passed in 0.19s\n"
    assert "error" not in by_call["call_7YtfPz0dKw4e"]
    assert by_call["call_Hn2c8LwQpa3Z"]["output"].startswith("Success. Updated the following files:")
    assert by_call["call_c3KdW8nB2yQs"]["error"] == "tool call error: issue 31 is locked"
    # each call where it began, its result where it ended; deltas, task_started and turn_diff add nothing
    assert [(c["origin"]["line"], by_call[c["call_id"]]["origin"]["line"]) for c in calls] == [
        (6, 8), (11, 12), (14, 15), (16, 17), (18, 19)]
    assert [e["origin"]["line"] for e in events[:4]] == [1, 2, 4, 5]
    # the last token_count gives its response's usage to the final message before it
    final = events[-1]
    assert final["role"] == "assistant" and final["text"].startswith("Fixed the ISO-8601 parsing")
    assert final["tokens"] == {"input": 7410, "output": 96, "reasoning": 64}
    assert final["meta"] == {"cached_input_tokens": 6144} and final["origin"]["line"] == 20
    assert "tokens" not in events[3]  # the preamble is released by the call that follows it, before any count


def test_protocol_events_audit_validates_and_flags_the_ignored_failures(tmp_path: Path, validator):
    path = FIXTURES / "codex_exec_events.jsonl"
    runner = CliRunner()
    audited = runner.invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
    assert audited.exit_code == 0, audited.stderr
    records = [json.loads(x) for x in audited.stdout.splitlines()]
    findings = [r for r in records if r["type"] == "finding"]
    codes = [f["code"] for f in findings]
    assert not {"TA001", "TA002", "TA003", "TA004", "TA204"} & set(codes)
    ignored = [(f["step"], f["line"]) for f in findings if f["code"] == "TA201"]
    # the failed lint run and the failed MCP call; the first failed test run was followed by a fix that worked
    assert ignored == [(12, 17), (14, 19)]
    assert records[-1]["formats"] == {"codex": 1}
    converted = runner.invoke(app, ["convert", str(path), "-q"])
    assert converted.exit_code == 0, converted.stderr
    for line in converted.stdout.splitlines():
        assert not list(validator.iter_errors(json.loads(line)))


def test_protocol_events_session_configured_names_the_trajectory(tmp_path: Path, validator):
    path = write(tmp_path, "run.jsonl", [
        CONFIG,
        {"prompt": "List the files."},
        event("session_configured", "", session_id="0199a1b2-0000-7000-8000-0000000000aa", model="gpt-5",
              history_log_id=0, history_entry_count=0, rollout_path="/home/u/.codex/sessions/rollout.jsonl"),
        event("task_started", model_context_window=272000),
        exec_begin("call_1", "ls"),
        exec_end("call_1", 0, "a.txt\n"),
        event("agent_message", message="There is one file, a.txt."),
    ])
    fmt, events, bad = run(path)
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {"0199a1b2-0000-7000-8000-0000000000aa"}
    task = events[0]
    assert task["task_id"] == task["trajectory"] and task["origin"]["line"] == 1 and task["goal"] == "List the files."
    assert kinds(events) == ["task", "message", "tool_call", "tool_result", "message"]
    assert results(events) == [("call_1", True, 0)]


def test_protocol_events_session_configured_without_configuration_line(tmp_path: Path):
    path = write(tmp_path, "bare.jsonl", [
        event("session_configured", "", session_id="sess-9", model="o3", history_log_id=0, history_entry_count=0),
        event("agent_message", message="Hello."),
    ])
    _, events, bad = run(path)
    assert not bad
    assert [(e["kind"], e["trajectory"], e["origin"]["line"]) for e in events] == [
        ("task", "sess-9", 1), ("message", "sess-9", 2)]
    assert events[0]["meta"] == {"model": "o3"} and "goal" not in events[0]


def test_protocol_events_begin_without_end_is_a_call_without_result(tmp_path: Path, validator):
    path = write(tmp_path, "cut.jsonl", [
        CONFIG, {"prompt": "Deploy."}, exec_begin("call_9", "bash", "-lc", "./deploy.sh"),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task", "message", "tool_call"]
    result = CliRunner().invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
    codes = {json.loads(x)["code"] for x in result.stdout.splitlines() if '"type":"finding"' in x}
    assert {"TA204", "TA004"} <= codes


def test_protocol_events_end_without_begin_and_stdout_stderr(tmp_path: Path, validator):
    path = write(tmp_path, "ends.jsonl", [
        CONFIG,
        event("exec_command_end", call_id="c1", command=["make"], stdout="cc main.c", stderr="error: x\n",
              aggregated_output="", exit_code=2),
        event("exec_command_end", call_id="c2", stdout="ok\n", stderr="", aggregated_output="ok\n"),
        event("patch_apply_end", call_id="p1", stdout="", stderr="Invalid patch: hunk 1 does not apply\n",
              success=False),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task"] + ["tool_call", "tool_result"] * 3
    assert events[1]["arguments"] == {"command": ["make"]} and events[1]["origin"]["line"] == 2
    assert events[3]["arguments"] == {}  # an end of the first versions does not repeat the command
    assert results(events) == [("c1", False, 2), ("c2", False, None), ("p1", False, None)]
    by_call = {e["call_id"]: e for e in events if e["kind"] == "tool_result"}
    assert by_call["c1"]["output"] == "cc main.c\nerror: x\n" and by_call["c1"]["error"] == "exit code 2"
    assert by_call["c2"]["error"] == "the command reported no exit code"
    assert by_call["p1"]["error"] == "Invalid patch: hunk 1 does not apply"
    assert events[5]["tool"] == "apply_patch" and events[5]["arguments"] == {"changes": []}


def test_protocol_events_patch_change_kinds_mcp_shapes_and_web_search(tmp_path: Path, validator):
    flat = {"call_id": "m2", "server": "docs", "tool": "search", "arguments": {"q": "retry"}}
    path = write(tmp_path, "tools.jsonl", [
        CONFIG,
        event("patch_apply_begin", call_id="p1", auto_approved=False, changes={
            "src/a.py": {"update": {"unified_diff": "@@ -1 +1 @@\n-a\n+b\n", "move_path": None}},
            "src/b.py": {"add": {"content": "x = 1\n"}},
            "src/c.py": "delete",
            "src/d.py": {"type": "add", "content": "y = 2\n"},
        }),
        event("patch_apply_end", call_id="p1", stdout="Success.\n", stderr="", success=True),
        event("mcp_tool_call_begin", call_id="m1", invocation={"server": "db", "tool": "query", "arguments": None}),
        event("mcp_tool_call_end", call_id="m1", invocation={"server": "db", "tool": "query", "arguments": None},
              duration={"secs": 1, "nanos": 0},
              result={"Ok": {"content": [{"type": "text", "text": "relation \"users\" does not exist"}],
                             "isError": True}}),
        event("mcp_tool_call_begin", **flat),  # the first versions: invocation fields at the top
        event("mcp_tool_call_end", call_id="m2", success=True,
              result={"content": [{"type": "text", "text": "3 pages"}]}),
        event("mcp_tool_call_begin", call_id="m3", invocation={"server": "db", "tool": "count", "arguments": {}}),
        event("mcp_tool_call_end", call_id="m3", invocation={"server": "db", "tool": "count", "arguments": {}},
              duration={"secs": 0, "nanos": 1}, result={"Ok": {"content": [], "structuredContent": {"n": 4}}}),
        event("web_search_begin", call_id="ws1"),
        event("web_search_end", call_id="ws1", query="python retry decorator"),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    calls = {e["call_id"]: e for e in events if e["kind"] == "tool_call"}
    assert calls["p1"]["arguments"]["changes"] == [
        {"path": "src/a.py", "kind": "update"}, {"path": "src/b.py", "kind": "add"},
        {"path": "src/c.py", "kind": "delete"}, {"path": "src/d.py", "kind": "add"},
    ]
    assert calls["p1"]["meta"] == {"auto_approved": False}
    assert (calls["m1"]["tool"], calls["m1"]["arguments"], calls["m1"]["meta"]) == ("query", {}, {"server": "db"})
    assert (calls["m2"]["tool"], calls["m2"]["arguments"], calls["m2"]["meta"]) == (
        "search", {"q": "retry"}, {"server": "docs"})
    assert calls["ws1"]["arguments"] == {"query": "python retry decorator"}  # the query comes with the end
    assert calls["ws1"]["origin"]["line"] == 10
    assert results(events) == [("p1", True, None), ("m1", False, None), ("m2", True, None), ("m3", True, None),
                               ("ws1", True, None)]
    by_call = {e["call_id"]: e for e in events if e["kind"] == "tool_result"}
    assert by_call["m1"]["error"] == 'relation "users" does not exist'
    assert by_call["m2"]["output"] == "3 pages" and by_call["m3"]["output"] == '{"n":4}'


def test_protocol_events_messages_failures_and_token_counts(tmp_path: Path, validator):
    usage = {"input_tokens": 900, "cached_input_tokens": 0, "output_tokens": 40, "reasoning_output_tokens": 16,
             "total_tokens": 940}
    path = write(tmp_path, "talk.jsonl", [
        CONFIG,
        {"prompt": "Summarise the repo."},
        event("user_message", message="Summarise the repo."),  # repeats the prompt: no second user message
        event("token_count", info=None, rate_limits=None),  # nothing counted yet
        event("agent_reasoning_raw_content", text="Let me look at the README."),
        event("agent_reasoning_delta", delta="Let"),
        event("agent_message", message="It is a CLI."),
        event("token_count", info={"total_token_usage": usage, "last_token_usage": usage,
                                   "model_context_window": 272000}),
        event("stream_error", message="stream disconnected before completion; retrying 1/5 in 200ms"),
        event("error", message="exceeded retry limit"),
        event("turn_aborted", reason="interrupted"),
        event("user_message", "1", message="And the tests?"),
        event("token_count", input_tokens=1200, cached_input_tokens=None, output_tokens=30,
              reasoning_output_tokens=None, total_tokens=1230),  # the first versions: flat counts
        event("agent_message", "1", message="There are none."),
        event("task_complete", "1", last_agent_message="There are none."),
        event("plan_update", "1", explanation=None, plan=[{"step": "read", "status": "completed"}]),
        event("background_event", "1", message="auto-compacting"),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert [(e["kind"], e.get("role")) for e in events] == [
        ("task", None), ("message", "user"), ("reasoning", None), ("message", "assistant"), ("message", "system"),
        ("message", "system"), ("message", "system"), ("message", "user"), ("message", "assistant"),
    ]
    assert events[2]["meta"] == {"raw": True}
    assert events[3]["tokens"] == {"input": 900, "output": 40, "reasoning": 16}
    assert events[3]["meta"] == {"cached_input_tokens": 0}
    assert [(e["text"], e["meta"]) for e in events[4:7]] == [
        ("stream disconnected before completion; retrying 1/5 in 200ms", {"event": "stream_error"}),
        ("exceeded retry limit", {"event": "error"}),
        ("turn aborted: interrupted", {"event": "turn_aborted"}),
    ]
    assert events[7]["text"] == "And the tests?"
    # a count with no message before it goes to the next one
    assert events[8]["tokens"] == {"input": 1200, "output": 30} and "meta" not in events[8]


def test_protocol_events_two_runs_in_one_file(tmp_path: Path, validator):
    path = write(tmp_path, "two.jsonl", [
        CONFIG, {"prompt": "First."}, exec_begin("call_a", "true"), exec_end("call_a", 0),
        event("agent_message", message="Done."),
        {**CONFIG, "model": "o3"}, {"prompt": "Second."}, event("agent_message", message="Also done."),
    ])
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "codex")
    tasks = [e for e in events if e["kind"] == "task"]
    assert [(t["goal"], t["meta"]["model"], t["origin"]["line"]) for t in tasks] == [
        ("First.", "gpt-5", 1), ("Second.", "o3", 6)]
    assert [e["text"] for e in events if e["kind"] == "message" and e["role"] == "assistant"] == [
        "Done.", "Also done."]


def test_protocol_events_broken_lines_are_reported(tmp_path: Path, validator):
    path = write(tmp_path, "broken.jsonl", [
        CONFIG,
        {"prompt": "Go."},
        {"id": "0", "msg": "agent_message"},  # msg is no object
        event("session_configured", ""),  # no session id
        event("hologram_update", beam=3),  # a type not listed, once the stream is known: skipped
        exec_begin("call_1", "ls"),
        '{"id":"0","msg":{"type":"exec_command_end","call_id":"call_1","exit_co',  # cut off
        event("agent_message", message="Listed."),
    ])
    fmt, events, bad = run(path)
    assert fmt == "codex"
    assert_well_formed(events, validator, "codex")
    assert kinds(events) == ["task", "message", "tool_call", "message"]
    assert [m.line for m in bad] == [3, 4, 7]
    assert "without a msg type" in bad[0].message and "expected {id, msg: {type" in bad[0].message
    assert "session_configured without a session_id" in bad[1].message


def test_near_miss_id_msg_lines_are_not_codex(tmp_path: Path):
    path = write(tmp_path, "chat.jsonl", [
        {"id": "m1", "msg": {"type": "chat", "text": "hi"}},
        {"id": "m2", "msg": {"type": "chat", "text": "bye"}},
    ])
    source = Source(str(path), path)
    assert not [m.NAME for m in FORMATS if m.sniff(source, source.head())]
    _, events, bad = run(path, "codex")  # named codex all the same: each line is reported, none is dropped silently
    assert not events and [m.line for m in bad] == [1, 2]
    assert all(m.message.startswith("not a Codex line: expected") and "'chat'" in m.message for m in bad)


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


def test_a_file_of_another_format_named_codex_is_a_format_error_naming_its_format():
    from trajaudit.importers import FormatError

    with pytest.raises(FormatError, match="not a codex log; it looks like openai: --from openai"):
        run(FIXTURES / "openai.jsonl", "codex")


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


@pytest.mark.parametrize("name", [
    "codex_direct.jsonl", "codex_exec.jsonl", "codex_exec_legacy.jsonl", "codex_exec_events.jsonl",
])
def test_convert_of_each_fixture_validates_against_the_schema(tmp_path: Path, name: str):
    runner = CliRunner()
    converted = runner.invoke(app, ["convert", str(FIXTURES / name), "--from", "codex", "-q"])
    assert converted.exit_code == 0, converted.stderr
    native = tmp_path / "native.jsonl"
    native.write_text(converted.stdout, encoding="utf-8")
    valid = runner.invoke(app, ["validate", str(native), "-q", "--format", "jsonl"])
    assert valid.exit_code == 0, valid.stdout[:2000]
