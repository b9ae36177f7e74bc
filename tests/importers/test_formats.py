"""Each importer on our own small fixtures: ok and failed calls, ids, goals, outcomes, claims and origins."""

from __future__ import annotations

import json

from tests.importers.conftest import FIXTURES, assert_well_formed, audit_codes, by_trajectory, run


def kinds(events: list[dict]) -> list[str]:
    return [e["kind"] for e in events]


def results(events: list[dict]) -> list[tuple[str, bool]]:
    return [(e["call_id"], e["ok"]) for e in events if e["kind"] == "tool_result"]


def test_native_passes_events_through(validator):
    name, events, bad = run(FIXTURES / "native.jsonl")
    assert name == "native" and not bad
    assert kinds(events) == ["task", "message", "outcome"]
    assert "origin" not in events[0]


def test_openai_messages_lines_and_bare_lists(validator):
    _, events, bad = run(FIXTURES / "openai.jsonl")
    assert not bad
    assert_well_formed(events, validator, "openai")
    trajectories = by_trajectory(events)
    first = trajectories["conv-a"]
    assert kinds(first) == ["task", "message", "message", "tool_call", "tool_result", "message", "outcome"]
    assert first[0]["tools"][0]["name"] == "lookup_order" and first[0]["goal"] == "Where is order 17?"
    assert first[3]["arguments"] == {"order_id": "17"}
    answer = first[5]
    assert answer["logprobs"] == [-0.01, -0.2]
    assert answer["top_logprobs"] == [[-0.01, -4.7], [-0.2, -1.8]]
    assert first[6]["success"] is True and first[6]["reward"] == 1.0
    second = trajectories[f"{FIXTURES / 'openai.jsonl'}:2"]
    assert results(second) == [("c9", False)]
    assert second[-1]["origin"]["line"] == 2


def test_tau_bench_ids_goal_errors_and_outcomes(validator):
    _, events, bad = run(FIXTURES / "tau_bench.json")
    assert not bad
    assert_well_formed(events, validator, "tau-bench")
    trajectories = by_trajectory(events)
    assert sorted(trajectories) == ["7:0", "7:1"]
    ok, failed = trajectories["7:0"], trajectories["7:1"]
    assert ok[0]["kind"] == "task" and ok[0]["task_id"] == "7" and ok[0]["goal"].startswith("You are Ada")
    assert results(ok) == [("call_a", True)]
    assert ok[-1] == {**ok[-1], "kind": "outcome", "success": True, "reward": 1.0, "source": "tau-bench reward"}
    # A result without tool_call_id pairs with the waiting call; Python-literal arguments still parse.
    call = next(e for e in failed if e["kind"] == "tool_call")
    assert call["arguments"] == {"order_id": "#A9"}
    assert results(failed) == [(call["call_id"], False)]
    assert failed[-1]["success"] is False
    assert failed[3]["origin"]["path"] == "$[1].traj[2]"


def _react_run(trial: int, cancelled: str, reward: float | None = None) -> dict:
    """A τ-bench result of the ReAct agent (chat_react_agent.py) in a library domain: every step is text, a thought
    and a JSON action, answered by `API output: …` or by the user. `cancelled`: the output of the cancel call."""
    def act(thought: str, name: str, **arguments) -> dict:
        action = json.dumps({"name": name, "arguments": arguments})
        return {"role": "assistant", "content": f"Thought:\n{thought}\nAction:\n{action}"}

    scored = {"reward": reward} if reward is not None else {}
    return {"task_id": 4, "trial": trial, **scored, "info": {"task": {"instruction": "Cancel hold H-88."}},
            "traj": [
                {"role": "system", "content": "# Library policy ... #Available tools ..."},
                {"role": "user", "content": "Hi, please cancel my hold H-88 on 'Dune'."},
                act("I should look the hold up first.", "get_hold_details", hold_id="H-88"),
                {"role": "user", "content": 'API output: {"hold_id": "H-88", "status": "active"}'},
                act("The hold is active; cancel it.", "cancel_hold", hold_id="H-88", reason="patron request"),
                {"role": "user", "content": f"API output: {cancelled}"},
                act("Tell the patron.", "respond", content="Your hold H-88 has been cancelled."),
                {"role": "user", "content": "Thanks! ###STOP###"},
            ]}


def test_tau_bench_react_steps_are_calls_results_and_replies(tmp_path, validator):
    """τ-bench's ReAct and Act agents write actions as text. Each is a tool call (its output the `API output: …`
    message after it) or, for `respond`, what the user is told; the thought is reasoning, never the report. A claim
    after a failed cancel is then caught from the steps alone (no reward given); with the cancel done, nothing is."""
    path = tmp_path / "react.json"
    path.write_text(json.dumps([_react_run(0, "Error: hold H-88 is already being fulfilled"),
                                _react_run(1, '{"hold_id": "H-88", "status": "cancelled"}', 1.0)]))
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "tau-bench")
    failed = by_trajectory(events)["4:0"]
    assert kinds(failed) == ["task", "message", "message", "reasoning", "tool_call", "tool_result", "reasoning",
                             "tool_call", "tool_result", "reasoning", "message", "message"]
    cancel = failed[7]
    assert (cancel["tool"], cancel["arguments"]) == ("cancel_hold", {"hold_id": "H-88", "reason": "patron request"})
    assert results(failed) == [("react_2", True), ("react_4", False)]
    assert failed[8]["error"] == "Error: hold H-88 is already being fulfilled"
    assert failed[6]["text"] == "The hold is active; cancel it."
    assert (failed[10]["role"], failed[10]["text"]) == ("assistant", "Your hold H-88 has been cancelled.")
    assert failed[10]["origin"]["path"] == "$[0].traj[6]"
    codes = audit_codes(path)
    assert ("4:0", 10, "TA102") in codes  # contradicted by the failed cancel at step 8
    assert not [c for c in codes if c[0] == "4:1"]
    # near miss: a tool-calling agent's text that mentions an action is read as it is
    plain = {"role": "assistant", "content": 'Next Action: {"name": "cancel_hold", "arguments": {}} is what I do.'}
    path.write_text(json.dumps([{**_react_run(0, "ok"), "traj": [plain]}]))
    _, events, _ = run(path)
    assert [(e["kind"], e.get("text")) for e in events[1:]] == [("message", plain["content"])]


def _agents_sdk_run(cancelled: str) -> list:
    """A run as the OpenAI Agents SDK lists it (`to_input_list()`): Responses API items, most without a role."""
    return [
        {"role": "user", "content": "Please cancel my Pro plan."},
        {"type": "reasoning", "id": "rs_1",
         "summary": [{"type": "summary_text", "text": "Cancel via the billing API."}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "cancel_subscription",
         "arguments": json.dumps({"plan": "pro"})},
        {"type": "function_call_output", "call_id": "call_1", "output": cancelled},
        {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "gAAAA..."},
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "Your Pro subscription has been cancelled.", "annotations": []}]},
    ]


def test_openai_lines_of_responses_api_items(tmp_path, validator):
    """An OpenAI chat line may hold Responses API items (the OpenAI Agents SDK's lists): function calls and their
    outputs are tool calls and results, a reasoning summary is reasoning (an encrypted one is nothing), a message
    item is a message. The claim after a failed cancel is caught; after a done one, nothing is."""
    path = tmp_path / "agents.jsonl"
    failed, done = _agents_sdk_run("Error: the plan is in a grace period"), _agents_sdk_run('{"status": "cancelled"}')
    lines = [json.dumps({"id": "run-1", "messages": failed}), json.dumps({"id": "run-2", "messages": done})]
    path.write_text("\n".join(lines) + "\n")
    name, events, bad = run(path)
    assert name == "openai" and not bad
    assert_well_formed(events, validator, "openai")
    first = by_trajectory(events)["run-1"]
    assert kinds(first) == ["message", "reasoning", "tool_call", "tool_result", "message"]
    assert (first[2]["tool"], first[2]["arguments"], first[2]["origin"]["line"]) == (
        "cancel_subscription", {"plan": "pro"}, 1)
    assert results(first) == [("call_1", False)]
    assert (first[4]["role"], first[4]["text"]) == ("assistant", "Your Pro subscription has been cancelled.")
    codes = audit_codes(path)
    assert ("run-1", 4, "TA102") in codes and not [c for c in codes if c[0] == "run-2"]
    # the same items as a bare list on a line
    path.write_text(json.dumps(failed) + "\n")
    _, events, bad = run(path)
    assert not bad and kinds(events) == kinds(first)


def test_tau2_tools_goal_errors_requestors_and_outcomes(validator):
    _, events, bad = run(FIXTURES / "tau2.json")
    assert not bad
    assert_well_formed(events, validator, "tau2")
    trajectories = by_trajectory(events)
    assert sorted(trajectories) == ["sim-bad", "sim-ok"]
    good, failed = trajectories["sim-ok"], trajectories["sim-bad"]
    task = good[0]
    assert task["task_id"] == "airline/t1" and task["tools"][0]["name"] == "cancel_reservation"  # t1 of its domain
    assert "cancel reservation R1" in task["goal"] and "Insist on a refund." in task["goal"]
    assert results(good) == [("sim-ok-c1", True), ("sim-ok-u1", True)]
    assert results(failed) == [("sim-bad-c1", False), ("sim-bad-u1", True)]
    user_call = next(e for e in good if e.get("call_id") == "sim-ok-u1" and e["kind"] == "tool_call")
    assert user_call["meta"] == {"requestor": "user"}
    assert next(e for e in good if e["kind"] == "tool_call")["tokens"] == {"output": 12, "input": 300}
    assert (good[-1]["success"], failed[-1]["success"]) == (True, False)
    assert failed[-1]["meta"]["termination_reason"] == "user_stop"


def test_mini_swe_agent_return_codes_timeouts_format_errors_and_submission(validator):
    _, events, bad = run(FIXTURES / "mini.traj.json")
    assert not bad
    assert_well_formed(events, validator, "mini-swe-agent")
    assert {e["trajectory"] for e in events} == {"demo__count-1"}
    assert events[0]["goal"] == "Fix the off-by-one in count()."
    tool_results = [e for e in events if e["kind"] == "tool_result"]
    assert [(e["ok"], e.get("exit_code")) for e in tool_results] == [(True, 0), (False, 1), (False, None), (True, None)]
    assert tool_results[1]["output"].strip() == "1 failed"
    assert "timed out" in tool_results[2]["error"]
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [c["arguments"]["command"] for c in calls][:2] == ["cat count.py", "pytest -q"]
    assert len(calls) == 4  # the two-block answer is not executed
    feedback = [e for e in events if e.get("meta") == {"feedback": "format_error"}]
    assert len(feedback) == 1 and feedback[0]["role"] == "user"
    # the completion marker is no claim: the run ends with an exit record, and the agent's words stay a message
    assert "claim" not in kinds(events)
    assert (events[-1]["kind"], events[-1]["role"]) == ("message", "system")
    assert events[-1]["meta"] == {"exit_status": "Submitted", "ended_by": "agent", "submitted": True}
    assert events[-4]["role"] == "assistant" and events[-4]["text"].startswith("THOUGHT: Fixed it, submitting.")
    reasoning = next(e for e in events if e["kind"] == "reasoning")
    assert reasoning["text"] == "I should read the file first."
    assert next(e for e in events if e["kind"] == "message" and e["role"] == "assistant")["tokens"] == {
        "input": 50, "output": 20, "reasoning": 5,
    }


def test_swe_agent_trajectory_steps_failures_and_submission(validator):
    _, events, bad = run(FIXTURES / "demo__widget-3.traj")
    assert not bad
    assert_well_formed(events, validator, "swe-agent")
    assert {e["trajectory"] for e in events} == {"demo__widget-3"}
    assert events[0]["goal"] == "widget size is always zero"
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [c["tool"] for c in calls] == ["open", "bash", "bash", "submit"]
    tool_results = [e for e in events if e["kind"] == "tool_result"]
    assert [e["ok"] for e in tool_results] == [True, False, False, True]
    assert tool_results[1]["error"].startswith("ZeroDivisionError")
    assert tool_results[2]["exit_code"] == 2
    # a thought is the agent's words (an assistant message); submitting is no claim: an exit record ends the run
    assert "claim" not in kinds(events) and "reasoning" not in kinds(events)
    thoughts = [e["text"] for e in events if e["kind"] == "message" and e["role"] == "assistant"]
    assert thoughts == ["Open the widget module.", "Reproduce the bug.", "Done, submit."]  # no empty thought
    assert (events[-1]["kind"], events[-1]["role"]) == ("message", "system")
    assert events[-1]["meta"] == {"exit_status": "submitted", "ended_by": "agent", "submitted": True}


def test_swe_agent_history_only_function_calling(validator):
    _, events, bad = run(FIXTURES / "history_only.traj")
    assert not bad
    assert_well_formed(events, validator, "swe-agent")
    assert events[0]["goal"] == "parser crashes on empty input"
    calls = [(e["tool"], e["call_id"]) for e in events if e["kind"] == "tool_call"]
    assert calls == [("find_file", "fc1"), ("bash", "fc2")]
    assert results(events) == [("fc1", True), ("fc2", False)]
    assert "claim" not in kinds(events)


def test_claude_code_blocks_errors_meta_sidechain_and_tokens(validator):
    _, events, bad = run(FIXTURES / "claude_code.jsonl")
    assert not bad
    assert_well_formed(events, validator, "claude-code")
    assert {e["trajectory"] for e in events} == {"5e551011-0000-4000-8000-00000000c1de"}
    assert kinds(events) == [
        "message", "reasoning", "tool_call", "tool_result", "tool_call", "tool_result", "message", "message", "message",
    ]
    assert results(events) == [("tu_1", True), ("tu_2", False)]
    failed = events[5]
    assert failed["exit_code"] == 2 and failed["tool"] == "Bash"
    assert events[6]["meta"] == {"injected": True} and events[6]["role"] == "user"
    assert events[7]["meta"] == {"sidechain": True}
    # One API message split over two lines: its usage is counted once.
    assert events[1]["tokens"] == {"input": 10, "output": 30} and "tokens" not in events[2]
    assert events[2]["origin"]["line"] == 4


def test_claude_code_bookkeeping_lines_of_any_type_are_skipped(tmp_path, validator):
    """Claude Code 2.1 writes `progress` lines (a running command's partial output, hooks, sub-agent steps) more
    often than anything else, and a session may open with one (a SessionStart hook); later versions add other types.
    Entries of any type but user, assistant and system are skipped, so the session reads as without them. A line
    that is no Claude Code entry at all (no sessionId, uuid or leafUuid; a Codex line) is still malformed."""
    session = "5e551011-0000-4000-8000-00000000c1de"
    lines = (FIXTURES / "claude_code.jsonl").read_text().splitlines()

    def entry(kind: str, **fields) -> str:
        return json.dumps({"type": kind, "sessionId": session, "uuid": f"p-{kind}", "timestamp": "2026-01-02T10:00:00Z",
                           **fields})

    hook = entry("progress", data={"type": "hook_progress", "hookEvent": "SessionStart"}, parentUuid=None)
    bash = entry("progress", toolUseID="tu_1", data={"type": "bash_progress", "output": "Error: exit 1",
                                                      "fullOutput": "Error: exit 1"})
    agent = entry("progress", data={"type": "agent_progress", "message": {"role": "assistant", "content": "All done!"}})
    later = entry("custom-title", customTitle="notes")
    mixed = tmp_path / "session.jsonl"
    mixed.write_text("\n".join([hook, *lines[:3], bash, agent, *lines[3:], later]) + "\n")
    name, events, bad = run(mixed)
    assert name == "claude-code" and not bad
    assert_well_formed(events, validator, "claude-code")
    _, plain, _ = run(FIXTURES / "claude_code.jsonl")
    assert [{k: v for k, v in e.items() if k != "origin"} for e in events] == [
        {k: v for k, v in e.items() if k != "origin"} for e in plain]
    # near misses: lines that are no Claude Code entries
    codex = json.dumps({"type": "response_item", "timestamp": "2026-01-02T10:00:00Z", "sessionId": session,
                        "payload": {"type": "message"}})
    stray = json.dumps({"type": "status", "data": {}})  # an unknown type, and none of an entry's keys
    mixed.write_text("\n".join([*lines, codex, stray]) + "\n")
    _, _, bad = run(mixed)
    assert [b.line for b in bad] == [len(lines) + 1, len(lines) + 2]


def test_claude_code_subagent_transcripts_are_runs_of_their_own(tmp_path):
    """Claude Code 2.1 writes a sub-agent's transcript to `<session>/subagents/agent-<id>.jsonl`, under the session's
    id. It is the trajectory `<session id>/agent-<id>`; the session keeps its own id (a folder audit used to rename
    the session, read second, as a clash). A file of that name elsewhere is an ordinary session."""
    session = "5e551011-0000-4000-8000-00000000c1de"
    lines = (FIXTURES / "claude_code.jsonl").read_text()
    (tmp_path / session / "subagents").mkdir(parents=True)
    (tmp_path / f"{session}.jsonl").write_text(lines)
    (tmp_path / session / "subagents" / "agent-ab12.jsonl").write_text(lines)
    (tmp_path / "agent-cd34.jsonl").write_text(lines.replace(session, "another-session"))
    from trajaudit import engine
    from trajaudit.config import Config
    from trajaudit.model import TrajectoryResult
    from trajaudit.reader import discover

    audit = engine.Audit(discover([str(tmp_path)]), Config(), engine.Options(jobs=1))
    ids = {r.trajectory.id for r in audit if isinstance(r, TrajectoryResult)}
    assert ids == {session, f"{session}/agent-ab12", "another-session"}


def _headless(result: dict) -> str:
    """`claude -p --output-format stream-json` of a run that tests, sees a failure and says all is well."""
    sid = "9f0c2d1e-0000-4000-8000-000000000042"

    def line(kind: str, **fields) -> str:
        return json.dumps({"type": kind, **fields, "session_id": sid, "uuid": f"u-{kind}-{len(fields)}"})

    def assistant(*content: dict) -> str:
        return line("assistant", message={"id": "msg_1", "type": "message", "role": "assistant",
                                          "content": list(content), "usage": {"input_tokens": 5, "output_tokens": 7}},
                    parent_tool_use_id=None)

    return "\n".join([
        line("system", subtype="init", cwd="/work", tools=["Bash", "Edit"], model="claude-x"),
        line("user", message={"role": "user", "content": "Fix the flaky date test and make CI green."}),
        assistant({"type": "tool_use", "id": "toolu_9", "name": "Bash", "input": {"command": "pytest -q"}}),
        line("user", message={"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9",
                                                           "is_error": True,
                                                           "content": "Exit code 1\n2 failed, 30 passed"}]}),
        assistant({"type": "text", "text": "All tests pass now and CI is green."}),
        line("result", **result),
    ]) + "\n"


def test_claude_code_headless_stream_json_and_its_result_line(tmp_path, validator):
    """The headless stream: the session id is `session_id`, and the `result` line is the exit record, the agent's
    end for `success`, Claude Code's for a limit. The claim after the red run is caught; a run stopped at its turn
    limit has no final report, so its last words are not read as one."""
    done = tmp_path / "done.jsonl"
    done.write_text(_headless({"subtype": "success", "is_error": False, "num_turns": 3, "result": "All green."}))
    name, events, bad = run(done)
    assert name == "claude-code" and not bad
    assert_well_formed(events, validator, "claude-code")
    assert {e["trajectory"] for e in events} == {"9f0c2d1e-0000-4000-8000-000000000042"}
    assert results(events) == [("toolu_9", False)] and events[2]["exit_code"] == 1
    assert events[-1]["meta"] == {"exit_status": "success", "ended_by": "agent", "submitted": False}
    assert any(code == "TA104" for _, _, code in audit_codes(done))
    stopped = tmp_path / "stopped.jsonl"
    stopped.write_text(_headless({"subtype": "error_max_turns", "is_error": True, "num_turns": 3}))
    _, events, _ = run(stopped)
    assert events[-1]["meta"] == {"exit_status": "error_max_turns", "ended_by": "harness", "submitted": False}
    assert not any(code.startswith("TA10") for _, _, code in audit_codes(stopped))


def test_codex_rollout_calls_exit_codes_and_final_answer(validator):
    _, events, bad = run(FIXTURES / "codex.jsonl")
    assert not bad
    assert_well_formed(events, validator, "codex")
    assert {e["trajectory"] for e in events} == {"0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}
    assert kinds(events) == ["task", "message", "message", "reasoning", "tool_call", "tool_result", "tool_call",
                             "tool_result", "message"]
    assert events[1]["meta"] == {"injected": True}
    assert events[3]["text"] == "List the directory."
    assert [(e["ok"], e["exit_code"]) for e in events if e["kind"] == "tool_result"] == [(True, 0), (False, 1)]
    assert events[5]["output"] == "a\nb\n"
    final = events[-1]
    assert final["role"] == "assistant" and final["meta"] == {"phase": "final_answer"}
    assert final["tokens"] == {"output": 15, "reasoning": 4}


def test_codex_rollout_lines_of_a_type_added_later_are_skipped(tmp_path):
    """A rollout line is `{timestamp, type, payload}`; one of a type this reader does not know is skipped, as
    response items of unknown payload types are. A line of no known shape is still malformed."""
    lines = (FIXTURES / "codex.jsonl").read_text().splitlines()
    later = json.dumps({"timestamp": "2026-01-02T10:00:09Z", "type": "ghost_snapshot", "payload": {"commit": "abc"}})
    stray = json.dumps({"type": "ghost_snapshot", "commit": "abc"})
    path = tmp_path / "rollout.jsonl"
    path.write_text("\n".join([*lines[:2], later, *lines[2:], stray]) + "\n")
    _, events, bad = run(path, "codex")
    _, plain, _ = run(FIXTURES / "codex.jsonl")
    assert [{k: v for k, v in e.items() if k != "origin"} for e in events] == [
        {k: v for k, v in e.items() if k != "origin"} for e in plain]
    assert [b.line for b in bad] == [len(lines) + 2]


def test_otel_orders_spans_by_parent_and_start_and_marks_errors(validator):
    _, events, bad = run(FIXTURES / "otel.json")
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert {e["trajectory"] for e in events} == {"5b8efff798038103d269b633813fc60c"}
    assert kinds(events) == ["task", "message", "tool_call", "tool_result", "tool_call", "tool_result"]
    assert events[0]["goal"] == "Refund order 17" and events[0]["task_id"] == "shop"
    assert events[1]["text"] == "Looking up the order." and events[1]["tokens"] == {"input": 120, "output": 33}
    assert [(e["tool"], e["ok"]) for e in events if e["kind"] == "tool_result"] == [("lookup", True), ("refund", False)]
    assert events[3]["output"] == '{"paid": true}'
    assert events[5]["error"] == "PaymentDeclined"
    assert events[2]["arguments"] == {"order": "17"}


def test_inspect_log_messages_tool_errors_and_score(validator):
    _, events, bad = run(FIXTURES / "inspect.json")
    assert not bad
    assert_well_formed(events, validator, "inspect")
    assert {e["trajectory"] for e in events} == {"EVAL1:1:1"}
    assert kinds(events) == ["task", "message", "reasoning", "message", "tool_call", "tool_result", "tool_call",
                             "tool_result", "message", "outcome"]
    assert events[0]["tools"][0]["name"] == "add" and events[0]["task_id"] == "arith/1"
    assert results(events) == [("tc1", True), ("tc2", False)]
    assert events[7]["error"] == "checker offline"
    assert events[-1]["success"] is True and events[-1]["answer"] == "4"


def test_otel_jsonl_with_one_export_request_per_line(tmp_path, validator):
    doc = json.loads((FIXTURES / "otel.json").read_text())
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    first = {"resourceSpans": [{"scopeSpans": [{"spans": spans[:2]}]}]}
    second = {"resourceSpans": [{"scopeSpans": [{"spans": spans[2:]}]}]}
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    fmt, events, bad = run(path)
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert [e["kind"] for e in events] == ["task", "message", "tool_call", "tool_result", "tool_call", "tool_result"]
    assert {e["origin"]["line"] for e in events} == {1, 2}


def test_inspect_log_whose_samples_are_not_a_list_has_no_samples(tmp_path):
    # found by hypothesis: `"samples": true` crashed the importer with a TypeError instead of reading nothing
    from trajaudit.importers import inspect
    from trajaudit.reader import Source

    path = tmp_path / "odd.json"
    path.write_text('{"version": 2, "eval": {"task": "t", "model": "m"}, "samples": true}')
    assert list(inspect.convert(Source(str(path), path))) == []


def test_swe_agent_trajectory_that_is_not_a_list_falls_back_to_the_history(tmp_path):
    # found by hypothesis: `"trajectory": true` beside a history list was iterated and crashed the importer
    from trajaudit.importers import swe_agent
    from trajaudit.reader import Source

    path = tmp_path / "odd.traj"
    path.write_text('{"history": [], "role": null, "trajectory": true}')
    kinds = [item[1]["kind"] for item in swe_agent.convert(Source(str(path), path)) if isinstance(item, tuple)]
    assert kinds[:1] == ["task"]
