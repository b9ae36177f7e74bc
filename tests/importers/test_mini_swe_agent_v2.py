"""mini-swe-agent 2 trajectories (`trajectory_format: mini-swe-agent-1.1`), as its code writes them: messages are the
model's own replies plus an `extra`; tool-call models (the default) answer with `tool_calls` and get `role: tool`
outputs; text-based models use ```mswea_bash_command blocks (`extra.actions` holds what was parsed); Responses API
models store the response object, answered by `function_call_output` items; return codes, raw output and failures to
run (`exception_info`) sit in each output's `extra`; the run ends with a `role: exit` message. Version 1 logs are
covered by test_formats.py and the realdata tests, and read exactly as before (checked byte for byte)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.importers.conftest import assert_well_formed, audit_codes, run

SUBMIT = "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
DIFF = "diff --git a/src/ledger.py b/src/ledger.py\n"
TASK = "Please solve this issue: Ledger.balance() ignores refunds.\n\nYou can execute bash commands."


def info(**more) -> dict:
    return {"model_stats": {"instance_cost": 0.1, "api_calls": 5}, "config": {"agent": {"step_limit": 0}},
            "mini_version": "2.0.0", **more}


def call(call_id: str, command: str) -> dict:
    arguments = json.dumps({"command": command})
    return {"id": call_id, "type": "function", "function": {"name": "bash", "arguments": arguments}}


def assistant(text: str | None, *calls: dict, **fields) -> dict:
    actions = [{"command": json.loads(c["function"]["arguments"])["command"], "tool_call_id": c["id"]} for c in calls]
    return {"role": "assistant", "content": text, "tool_calls": list(calls) or None, **fields,
            "extra": {"actions": actions, "cost": 0.01, "timestamp": 1.0,
                      "response": {"usage": {"prompt_tokens": 900, "completion_tokens": 40}}}}


def output(call_id: str | None, code: int, raw: str, problem: str | None = None) -> dict:
    shown = f"<returncode>{code}</returncode>\n<output>\n{raw}</output>"  # mini.yaml's observation_template
    message = {"role": "tool" if call_id else "user", "content": shown,
               "extra": {"raw_output": raw, "returncode": code, "timestamp": 2.0,
                         **({"exception_info": problem} if problem else {})}}
    return {**message, "tool_call_id": call_id} if call_id else message


def exit_message(status: str, submission: str) -> dict:
    return {"role": "exit", "content": submission, "extra": {"exit_status": status, "submission": submission}}


def document(messages: list[dict], **info_fields) -> dict:
    return {"info": info(**info_fields), "messages": [
        {"role": "system", "content": "You are a helpful assistant that can interact with a computer."},
        {"role": "user", "content": TASK}, *messages], "trajectory_format": "mini-swe-agent-1.1",
        "instance_id": "acme__ledger-7"}


def write(tmp_path: Path, doc: dict, name: str = "acme__ledger-7.traj.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


FORMAT_ERROR = {"role": "user", "content": "Please always provide EXACTLY ONE action.",
                "extra": {"interrupt_type": "FormatError"}}
CLAIM = "Fixed the refund handling; all tests pass now."


TIMED_OUT = output("toolu_5", -1, "", problem="Command timed out after 60 seconds\nTimeoutExpired")


def toolcall_run(tests: dict, slow: dict = TIMED_OUT) -> list[dict]:
    """A tool-call run that edits, tests (`tests`, `slow`: the output messages of its two test runs) and submits."""
    return [
        assistant("Let me look at the ledger.", call("toolu_1", "cat src/ledger.py"),
                  reasoning_content="The balance probably skips negative entries."),
        output("toolu_1", 0, "class Ledger: ...\n"),
        assistant("Count refunds too.", call("toolu_2", "sed -i 's/amount > 0/amount != 0/' src/ledger.py")),
        output("toolu_2", 0, ""),
        assistant(None, call("toolu_3", "python -m pytest -q tests/test_ledger.py"), call("toolu_4", "git status")),
        output("toolu_4", 0, "modified: src/ledger.py\n"),  # answered out of order: matched by id
        tests,
        FORMAT_ERROR,
        assistant("Run the slow suite.", call("toolu_5", "python -m pytest tests/slow")),
        slow,
        assistant(CLAIM, call("toolu_6", SUBMIT)),
        exit_message("Submitted", DIFF),
    ]


RED = output("toolu_3", 1, "1 failed, 4 passed\n")
GREEN = output("toolu_3", 0, "5 passed\n")


def test_tool_call_replies_their_outputs_failures_and_the_submission(tmp_path: Path, validator):
    name, events, bad = run(write(tmp_path, document(toolcall_run(RED), exit_status="Submitted", submission=DIFF)))
    assert name == "mini-swe-agent" and not bad
    assert_well_formed(events, validator, "mini-swe-agent")
    assert events[0]["goal"] == TASK and events[0]["meta"] == {"mini_version": "2.0.0", "exit_status": "Submitted"}
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [(c["call_id"], c["tool"]) for c in calls] == [(f"toolu_{n}", "bash") for n in range(1, 7)]
    assert calls[2]["arguments"] == {"command": "python -m pytest -q tests/test_ledger.py"}
    results = {e["call_id"]: e for e in events if e["kind"] == "tool_result"}
    assert [(i, r["ok"], r.get("exit_code")) for i, r in results.items()] == [
        ("toolu_1", True, 0), ("toolu_2", True, 0), ("toolu_4", True, 0), ("toolu_3", False, 1),
        ("toolu_5", False, None), ("toolu_6", True, None)]
    assert results["toolu_3"]["output"] == "1 failed, 4 passed\n"  # the raw output, not the template around it
    assert results["toolu_5"]["error"] == "Command timed out after 60 seconds"
    assert results["toolu_6"]["output"] == DIFF and results["toolu_6"]["meta"] == {"submission": True}
    assert next(e for e in events if e["kind"] == "reasoning")["text"] == "The balance probably skips negative entries."
    assert next(e for e in events if e["kind"] == "message" and e["role"] == "assistant")["tokens"] == {
        "input": 900, "output": 40}
    # a reply with calls and no text is its calls alone, its tokens on the first
    silent = [e for e in events if e["origin"]["path"] == "$.messages[6]"]
    assert [(e["kind"], e.get("tokens")) for e in silent] == [
        ("tool_call", {"input": 900, "output": 40}), ("tool_call", None)]
    # the format error is the harness's feedback; no output, and not the exit message, reads as a user's words
    users = [e for e in events if e["kind"] == "message" and e["role"] == "user"]
    assert [u["text"] for u in users] == [TASK, FORMAT_ERROR["content"]]
    assert users[1]["meta"] == {"feedback": "format_error"}
    assert events[-1]["meta"] == {"exit_status": "Submitted", "ended_by": "agent", "submitted": True}


def test_a_tests_claim_after_a_red_run_is_caught_and_not_after_a_green_one(tmp_path: Path):
    red = write(tmp_path, document(toolcall_run(RED), exit_status="Submitted", submission=DIFF), "red.traj.json")
    green_run = toolcall_run(GREEN, output("toolu_5", 0, "12 passed\n"))
    green = write(tmp_path, document(green_run, exit_status="Submitted", submission=DIFF), "green.traj.json")
    assert {code for _, _, code in audit_codes(red)} == {"TA104", "TA105"}  # claims of passing tests and of a fix
    assert audit_codes(green) == []


def test_text_based_replies_and_an_exit_message_without_info(tmp_path: Path, validator):
    """mini_textbased.yaml: the command in a ```mswea_bash_command block, its output a user message; the exit status
    only in the exit message (a trajectory saved without it in info)."""
    reply = {"role": "assistant", "content": "THOUGHT: reproduce first.\n\n```mswea_bash_command\npython repro.py\n```",
             "extra": {"actions": [{"command": "python repro.py"}]}}
    doc = document([reply, output(None, 2, "Traceback ...\nKeyError: 'refund'\n"), exit_message("LimitsExceeded", ""),
                    {"role": "user", "content": "(a message after the exit)"}], exit_status="", submission="")
    del doc["info"]["mini_version"]
    name, events, bad = run(write(tmp_path, doc))
    assert name == "mini-swe-agent" and not bad
    assert_well_formed(events, validator, "mini-swe-agent")
    (tool_call,) = [e for e in events if e["kind"] == "tool_call"]
    (result,) = [e for e in events if e["kind"] == "tool_result"]
    assert (tool_call["call_id"], tool_call["arguments"]) == (result["call_id"], {"command": "python repro.py"})
    assert (result["ok"], result["exit_code"], result["error"]) == (False, 2, "exit code 2")
    assert events[-1]["meta"] == {"exit_status": "LimitsExceeded", "ended_by": "harness", "submitted": False}
    assert events[-1]["origin"]["path"] == "$.messages[4].extra.exit_status"
    # near miss: the same reply without extra.actions is read from its block, as version 1's ```bash blocks are
    del reply["extra"]
    _, events, _ = run(write(tmp_path, doc, "plain.traj.json"))
    assert [e["arguments"] for e in events if e["kind"] == "tool_call"] == [{"command": "python repro.py"}]


def test_responses_api_replies_and_function_call_outputs(tmp_path: Path, validator):
    response = {"id": "resp_1", "object": "response", "output": [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Check the failing test first."}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running the test."}]},
        {"type": "function_call", "call_id": "fc_1", "name": "bash",
         "arguments": json.dumps({"command": "pytest -q"})}],
        "usage": {"input_tokens": 1200, "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 12}},
        "extra": {"actions": [{"command": "pytest -q", "tool_call_id": "fc_1"}]}}
    outcome = {"type": "function_call_output", "call_id": "fc_1", "output": "5 passed\n",
               "extra": {"returncode": 0, "exception_info": ""}}  # an empty exception_info: nothing went wrong
    user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": TASK}]}
    doc = document([response, outcome])
    doc["messages"][1] = user
    name, events, bad = run(write(tmp_path, doc))
    assert name == "mini-swe-agent" and not bad
    assert_well_formed(events, validator, "mini-swe-agent")
    assert events[0]["goal"] == TASK
    assert [e["kind"] for e in events[3:]] == ["reasoning", "message", "tool_call", "tool_result"]
    reasoning, said, tool_call, result = events[3:]
    assert reasoning["text"] == "Check the failing test first." and said["text"] == "Running the test."
    assert said["tokens"] == {"input": 1200, "output": 30, "reasoning": 12}
    assert (tool_call["call_id"], tool_call["arguments"]) == ("fc_1", {"command": "pytest -q"})
    assert (result["call_id"], result["ok"], result["exit_code"], result["output"]) == ("fc_1", True, 0, "5 passed\n")


_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "bash", "ls", SUBMIT, "x\n"])
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["role", "content", "tool_calls", "tool_call_id", "call_id", "type", "object", "output",
                         "extra", "actions", "command", "returncode", "raw_output", "exception_info", "function",
                         "name", "arguments", "id", "summary", "text", "usage", "interrupt_type", "exit_status"]),
        children, max_size=5),
    max_leaves=20,
)
_messages = st.lists(st.fixed_dictionaries(
    {"role": st.sampled_from(["assistant", "tool", "user", "exit", "system", None])}, optional={
        "content": _values, "tool_calls": _values, "tool_call_id": _values, "extra": _values, "object": _values,
        "output": _values, "type": st.sampled_from(["function_call_output", "message", None]), "call_id": _values,
    }), max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=_messages)
def test_any_version_2_shape_gives_events_that_validate_never_a_traceback(tmp_path_factory, validator, messages):
    path = write(tmp_path_factory.mktemp("v2"), document(messages))
    _, events, _ = run(path, "mini-swe-agent")
    for event in events:
        assert not [e.message for e in validator.iter_errors(event)], event
