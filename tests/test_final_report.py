"""The final report is the agent's words, and ending a run claims nothing (issue 10, point 1).

Every log here is written for this test (none is copied from real runs): SWE-agent .traj files, mini-swe-agent
.traj.json files, Claude Code and Codex sessions, each in the shape its tool writes. Each is converted by its importer
and audited with a failed verifier outcome attached, as `--outcomes` would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import pytest

from tests.rules.harness import call, outcome, result, say, trajectory
from trajaudit.claims import (
    RunEnd,
    announces_ending,
    final_report,
    report_claims,
    run_end,
    says_nothing,
)
from trajaudit.importers import open_events
from trajaudit.model import Event, Trajectory, Violation
from trajaudit.reader import Malformed, Source
from trajaudit.rules import lookup

SUBMIT = "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached"
DIFF = "diff --git a/widget.py b/widget.py\n--- a/widget.py\n+++ b/widget.py\n@@ -2 +2 @@\n-    return 0\n+    return n"


def imported(path: Path, success: bool | None = False) -> Trajectory:
    """The one trajectory of a file, as the engine assembles it, with a verifier outcome appended."""
    _, stream = open_events(Source(str(path), path), "auto")
    data = [item[1] for item in stream if not isinstance(item, Malformed)]
    assert len({d["trajectory"] for d in data}) == 1
    if success is not None:
        data.append({"trajectory": data[0]["trajectory"], "kind": "outcome", "success": success, "source": "harness"})
    events = tuple(Event(str(path), i + 1, {**d, "step": i}) for i, d in enumerate(data))
    return Trajectory(data[0]["trajectory"], events)


def ended(t: Trajectory) -> RunEnd:
    end = run_end(t)
    assert end is not None
    return end


def evidence(finding: Violation) -> Mapping[str, Any]:
    assert finding.evidence is not None
    return finding.evidence


def text_of(event: Event | None) -> str:
    assert event is not None
    return str(event.get("text"))


def check(code: str, t: Trajectory) -> list[Violation]:
    rule = lookup(code)
    assert rule.check is not None
    return list(rule.check(t, rule.options))


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    if isinstance(document, list):
        path.write_text("".join(json.dumps(line) + "\n" for line in document))
    else:
        path.write_text(json.dumps(document, indent=2))  # as SWE-agent and mini-swe-agent write them
    return path


# --- SWE-agent ----------------------------------------------------------------------------------------------------


def swe_step(thought: str, action: str, observation: str) -> dict:
    response = f"{thought}\n```\n{action}```"
    return {"thought": thought, "action": action, "observation": observation, "response": response}


def swe_traj(last: list[dict], exit_status: str, submission: str | None = DIFF) -> dict:
    steps = [
        swe_step("DISCUSSION\nLet me look at the widget module first.\n", "open widget.py\n",
                 "[File: widget.py]\n1:def size(n):\n2:    return 0"),
        swe_step("DISCUSSION\nThe size is hard-coded to 0. I'll return n instead.\n",
                 "edit 2:2\n    return n\nend_of_edit\n", "[File: widget.py (2 lines total)]"),
    ]
    return {
        "environment": "swe_main",
        "trajectory": steps + last,
        "history": [{"role": "system", "content": "You are a programmer."},
                    {"role": "user", "content": "ISSUE:\nwidget size is always zero\n\nINSTRUCTIONS:\nfix it"}],
        "info": {"exit_status": exit_status, "submission": submission, "model_stats": {"instance_cost": 1.0}},
    }


def test_swe_agent_submitted_with_a_success_report_quotes_the_words(tmp_path: Path) -> None:
    thought = "DISCUSSION\nI fixed the bug: `size` now returns n and the reproduction script prints 3 as expected.\n"
    path = write(tmp_path, "demo__size-1.traj", swe_traj([swe_step(thought, "submit\n", DIFF)], "submitted"))
    t = imported(path)
    [finding] = check("TA101", t)
    assert "I fixed the bug" in finding.message and "diff --git" not in finding.message
    assert "submit" not in finding.message.split("claims success")[1].split("but")[0]
    # the evidence span points into the thought the agent wrote, not at the submit call or the patch
    assert finding.event is not None and finding.event.kind == "message" and finding.event.get("role") == "assistant"
    start, end = evidence(finding)["span"]
    assert text_of(finding.event)[start:end].startswith("I fixed the bug")
    assert ended(t).ended_by == "agent" and ended(t).submitted


def test_swe_agent_submitted_saying_it_could_not_fix_claims_nothing(tmp_path: Path) -> None:
    thought = (
        "DISCUSSION\nI was unable to fix the issue: the test still fails and I could not find why. "
        "Since I am running out of ideas, I will submit what I have.\n"
    )
    path = write(tmp_path, "demo__size-2.traj", swe_traj([swe_step(thought, "submit\n", DIFF)], "submitted"))
    t = imported(path)
    assert report_claims(t) == ()
    assert check("TA101", t) == []
    assert [e.get("text") for e in final_report(t)] == [thought]


MID_WORK = "DISCUSSION\nThe `size` method has been updated. Now let's run the reproduction script again.\n"


def test_swe_agent_cost_limit_auto_submission_mid_work_claims_nothing(tmp_path: Path) -> None:
    last = [
        swe_step(MID_WORK, "python reproduce.py\n", "Traceback (most recent call last):\nValueError: bad size"),
        swe_step("Exit due to cost limit", "exit_cost", "Exited (autosubmitted)"),
    ]
    path = write(tmp_path, "demo__size-3.traj", swe_traj(last, "submitted (exit_cost)"))
    t = imported(path)
    # the harness's exit step is no tool call of the agent: an exit record says who ended the run
    assert "exit_cost" not in [e.get("tool") for e in t.events]
    end = ended(t)
    assert (end.ended_by, end.status, end.submitted) == ("harness", "submitted (exit_cost)", True)
    assert "Exited (autosubmitted)" in text_of(end.event)
    assert report_claims(t) == ()
    assert check("TA101", t) == [] and check("TA105", t) == []


def test_swe_agent_the_same_words_before_the_agents_own_submit_are_read(tmp_path: Path) -> None:
    """Near miss of the forced exit: the run was ended by the agent, so its last thought is its report."""
    last = [swe_step(MID_WORK, "submit\n", DIFF)]
    t = imported(write(tmp_path, "demo__size-4.traj", swe_traj(last, "submitted")))
    assert [c.action for c in report_claims(t)] == ["update"]
    assert len(check("TA101", t)) == 1


def test_swe_agent_exit_without_submission_and_history_only_files(tmp_path: Path) -> None:
    plain = swe_traj([swe_step(MID_WORK, "exit_context", "Exited")], "exit_context", submission=None)
    t = imported(write(tmp_path, "demo__size-5.traj", plain))
    assert (ended(t).ended_by, ended(t).submitted) == ("harness", False)
    assert report_claims(t) == ()
    history = {
        "history": [
            {"role": "user", "content": "ISSUE:\nwidget size is always zero\n", "agent": "main"},
            {"role": "assistant", "thought": MID_WORK, "action": "python reproduce.py\n", "content": MID_WORK,
             "agent": "main"},
            {"role": "user", "content": "3", "agent": "main"},
            {"role": "assistant", "thought": "Exit due to cost limit", "action": "exit_cost", "content": "Exit",
             "agent": "main"},
        ],
        "info": {"exit_status": "submitted (exit_cost)", "submission": DIFF},
    }
    h = imported(write(tmp_path, "demo__size-6.traj", history))
    assert ended(h).ended_by == "harness" and report_claims(h) == ()
    assert [e.get("text") for e in final_report(h)] == [MID_WORK]


def test_swe_agent_forfeit_is_the_agent_ending_the_run(tmp_path: Path) -> None:
    last = [swe_step("I cannot solve this, so I give up.", "exit_forfeit", "Exited")]
    t = imported(write(tmp_path, "demo__size-7.traj", swe_traj(last, "exit_forfeit", submission=None)))
    assert (ended(t).ended_by, ended(t).submitted) == ("agent", False)
    assert [e.get("tool") for e in t.events if e.kind == "tool_call"][-1] == "exit_forfeit"
    assert report_claims(t) == ()


# --- mini-swe-agent -----------------------------------------------------------------------------------------------


def mini_traj(assistant_texts: list[str], exit_status: str = "Submitted") -> dict:
    messages: list[dict] = [
        {"role": "system", "content": "You run one bash command per turn."},
        {"role": "user", "content": "<pr_description>\nwidget size is always zero\n</pr_description>"},
    ]
    for text in assistant_texts:
        messages.append({"role": "assistant", "content": text})
        if SUBMIT in text:
            messages.append({"role": "user", "content": DIFF})
        else:
            messages.append({"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"})
    return {
        "info": {"exit_status": exit_status, "submission": DIFF if exit_status == "Submitted" else "",
                 "mini_version": "1.15.0"},
        "messages": messages,
        "trajectory_format": "mini-swe-agent-1",
        "instance_id": "demo__size-1",
    }


def bash(command: str) -> str:
    return f"\n\n```bash\n{command}\n```"


FIRST = "THOUGHT: Look at the widget." + bash("cat widget.py")


def test_mini_swe_agent_success_report_beside_the_marker_quotes_the_words(tmp_path: Path) -> None:
    last = "THOUGHT: I fixed `size` and all tests pass now." + bash(SUBMIT)
    t = imported(write(tmp_path, "a.traj.json", mini_traj([FIRST, last])))
    findings = check("TA101", t)
    assert len(findings) == 1
    assert "I fixed `size`" in findings[0].message
    assert "COMPLETE_TASK" not in findings[0].message and "diff --git" not in findings[0].message
    assert "claim" not in [e.kind for e in t.events]


def test_mini_swe_agent_could_not_fix_claims_nothing(tmp_path: Path) -> None:
    last = "THOUGHT: I could not get the tests to pass; submitting what I have." + bash(SUBMIT)
    t = imported(write(tmp_path, "b.traj.json", mini_traj([FIRST, last])))
    assert report_claims(t) == () and check("TA101", t) == []


def test_mini_swe_agent_ready_to_submit_reaches_back_to_the_report(tmp_path: Path) -> None:
    claimed = mini_traj([FIRST, "THOUGHT: The fix works: all tests pass." + bash("rm repro.py"),
                         "THOUGHT: I'm ready to submit." + bash(SUBMIT)])
    t = imported(write(tmp_path, "c.traj.json", claimed))
    assert [text_of(e).split("\n")[0] for e in final_report(t)] == [
        "THOUGHT: The fix works: all tests pass.", "THOUGHT: I'm ready to submit.",
    ]
    assert len(check("TA101", t)) == 1
    # near miss: the message before says nothing of success, and announcing the submission is no claim
    silent = mini_traj([FIRST, "THOUGHT: Remove the scratch file." + bash("rm repro.py"),
                        "THOUGHT: I'm ready to submit." + bash(SUBMIT)])
    s = imported(write(tmp_path, "d.traj.json", silent))
    assert report_claims(s) == () and check("TA101", s) == []


def test_mini_swe_agent_limit_exceeded_mid_work_claims_nothing(tmp_path: Path) -> None:
    mid = "THOUGHT: The function has been updated. Now run the tests." + bash("pytest -q")
    t = imported(write(tmp_path, "e.traj.json", mini_traj([FIRST, mid], exit_status="LimitsExceeded")))
    end = ended(t)
    assert (end.ended_by, end.status, end.submitted) == ("harness", "LimitsExceeded", False)
    assert report_claims(t) == () and check("TA101", t) == []
    # near miss: the same words, and the agent ended the run itself
    done = imported(write(tmp_path, "f.traj.json", mini_traj([FIRST, mid, "THOUGHT: Submitting now." + bash(SUBMIT)])))
    assert [c.action for c in report_claims(done)] == ["update"]


# --- Claude Code and Codex: the last assistant text ---------------------------------------------------------------


def claude_line(kind: str, uuid: str, content: Any, **extra: Any) -> dict:
    message = {"role": kind, "content": content}
    if kind == "assistant":
        message.update({"id": f"msg_{uuid}", "type": "message", "model": "claude-test"})
    return {"parentUuid": None, "isSidechain": False, "sessionId": "cc-1", "type": kind, "uuid": uuid,
            "timestamp": "2026-01-02T10:00:00Z", "message": message, **extra}


def claude_session(last_text: str) -> list[dict]:
    return [
        claude_line("user", "u1", "Make the failing test pass."),
        claude_line("assistant", "a1", [{"type": "thinking", "thinking": "All tests pass, I am done.",
                                         "signature": "s"}]),
        claude_line("assistant", "a2", [{"type": "tool_use", "id": "tu1", "name": "Bash",
                                         "input": {"command": "pytest -q"}}]),
        claude_line("user", "u2", [{"type": "tool_result", "tool_use_id": "tu1", "content": "1 failed, 4 passed",
                                    "is_error": True}]),
        claude_line("assistant", "a3", [{"type": "text", "text": last_text}]),
    ]


def test_claude_code_last_text_claims(tmp_path: Path) -> None:
    t = imported(write(tmp_path, "claimed.jsonl", claude_session("Done. I've fixed the failing test.")))
    [finding] = check("TA101", t)
    assert "I've fixed the failing test" in finding.message


def test_claude_code_last_text_that_does_not_claim(tmp_path: Path) -> None:
    """The private thinking ("All tests pass, I am done.") is not the report; the last text is."""
    text = "I could not make the test pass: test_size still fails with a ValueError."
    t = imported(write(tmp_path, "honest.jsonl", claude_session(text)))
    assert [e.get("text") for e in final_report(t)] == [text]
    assert report_claims(t) == () and check("TA101", t) == []


def test_claude_code_sub_agent_text_is_not_the_report(tmp_path: Path) -> None:
    lines = claude_session("I could not make the test pass.")
    lines.append(claude_line("assistant", "a4", [{"type": "text", "text": "Done, everything is fixed."}],
                             isSidechain=True))
    t = imported(write(tmp_path, "sidechain.jsonl", lines))
    assert [e.get("text") for e in final_report(t)] == ["I could not make the test pass."]


def codex_rollout(final: str) -> list[dict]:
    def item(payload: dict) -> dict:
        return {"timestamp": "2026-01-03T09:00:00.000Z", "type": "response_item", "payload": payload}

    return [
        {"timestamp": "2026-01-03T09:00:00.000Z", "type": "session_meta", "payload": {"id": "codex-1", "cwd": "/w"}},
        item({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Fix size()."}]}),
        item({"type": "reasoning", "summary": [{"type": "summary_text", "text": "The fix is done and verified."}]}),
        item({"type": "function_call", "name": "shell", "arguments": "{\"command\": [\"pytest\"]}", "call_id": "c1"}),
        item({"type": "function_call_output", "call_id": "c1", "output": "Exit code: 1\nOutput:\n1 failed"}),
        item({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": final}],
              "phase": "final_answer"}),
    ]


def test_codex_last_assistant_text_claims_or_not(tmp_path: Path) -> None:
    claimed = imported(write(tmp_path, "rollout-a.jsonl", codex_rollout("I have fixed size() in widget.py.")))
    assert len(check("TA101", claimed)) == 1
    honest = imported(write(tmp_path, "rollout-b.jsonl", codex_rollout("The test still fails; size() is not fixed.")))
    assert report_claims(honest) == () and check("TA101", honest) == []


# --- the rules on hand-built event streams ------------------------------------------------------------------------


def exit_record(ended_by: str, status: str, submitted: bool = True) -> dict:
    return {"kind": "message", "role": "system", "text": f"exit status {status}",
            "meta": {"exit_status": status, "ended_by": ended_by, "submitted": submitted}}


def test_structured_claim_events_still_count_and_are_described_not_quoted() -> None:
    events = [
        call("cancel_order", "c1", order_id="#W1"),
        result("c1", ok=True),
        {"kind": "claim", "claim": {"type": "action_succeeded", "action": "cancel", "target": "#W1"}},
        exit_record("harness", "exit_cost"),
        outcome(False),
    ]
    t = trajectory(events)
    [finding] = check("TA101", t)
    assert finding.message.startswith("the agent records a structured claim (action_succeeded cancel #W1)")
    assert evidence(finding)["claim"] is None and evidence(finding)["claim_step"] == 2


def test_ta101_prefers_the_agents_words_to_a_textless_structured_claim() -> None:
    events = [
        {"kind": "claim", "claim": {"type": "task_complete"}},
        say("assistant", "Your order #W1 has been cancelled."),
        outcome(False),
    ]
    [finding] = check("TA101", trajectory(events))
    assert '"Your order #W1 has been cancelled."' in finding.message


def test_ta105_checks_an_agents_submission_after_a_failure_but_not_an_auto_submission() -> None:
    failing = [call("bash", "c1", command="pytest -q"), result("c1", ok=False, exit_code=1, output="1 failed")]
    silent = [*failing, say("assistant", "Let me submit."), call("submit", "c2"), result("c2", output=DIFF),
              exit_record("agent", "submitted")]
    [finding] = check("TA105", trajectory(silent))
    assert "submits its work" in finding.message and "diff --git" not in finding.message
    assert evidence(finding)["submission_step"] == 3
    honest = [*failing, say("assistant", "The tests still fail; I am unable to fix them, so I submit as is."),
              call("submit", "c2"), result("c2", output=DIFF), exit_record("agent", "submitted")]
    assert check("TA105", trajectory(honest)) == []
    forced = [*failing, exit_record("harness", "submitted (exit_cost)")]
    assert check("TA105", trajectory(forced)) == []


def test_ta004_accepts_an_agents_exit_record_but_not_a_harness_stop() -> None:
    submitted = [call("submit", "c1"), result("c1", output=DIFF), exit_record("agent", "submitted")]
    assert check("TA004", trajectory(submitted)) == []
    stopped = [call("bash", "c1", command="pytest"), result("c1"), exit_record("harness", "exit_cost", False)]
    assert len(check("TA004", trajectory(stopped))) == 1


@pytest.mark.parametrize(
    "text",
    ["I'm ready to submit.", "THOUGHT: I am now ready to submit.", "Let me submit the changes.",
     "Now, let's submit the fix to the code base.", "Submitting now.", "I will submit my work now."],
)
def test_announcing_the_submission_says_nothing(text: str) -> None:
    assert announces_ending(text) and says_nothing(text)


@pytest.mark.parametrize(
    "text",
    ["I'm done.", "I fixed the bug and I'm ready to submit.", "I'm ready to submit the fix, which resolves the issue.",
     "Everything works, so let me submit.", "Submitting the fix failed."],
)
def test_a_sentence_with_more_than_the_submission_says_something(text: str) -> None:
    assert not says_nothing(text)


def test_run_end_without_an_exit_record() -> None:
    submitted = trajectory([say("assistant", "Done."), call("submit", "c1"), result("c1")])
    assert ended(submitted).ended_by == "agent"
    marker = trajectory([call("bash", "c1", command=SUBMIT), result("c1", output=DIFF)])
    assert ended(marker).submitted
    spoke_last = trajectory([call("submit", "c1"), result("c1"), say("assistant", "Submitted the fix.")])
    assert run_end(spoke_last) is None
    other = trajectory([call("bash", "c1", command="ls"), result("c1")])
    assert run_end(other) is None


def test_ta201_spares_a_failure_the_harness_cut_off_but_not_one_the_agent_moved_past() -> None:
    failing = [call("edit", "c1", command="edit 2:2"), result("c1", ok=False, output="syntax error")]
    cut_off = [*failing, exit_record("harness", "submitted (exit_cost)")]
    assert check("TA201", trajectory(cut_off)) == []
    moved_on = [*failing, say("assistant", "Now let's look at the tests."), exit_record("harness", "exit_cost")]
    assert len(check("TA201", trajectory(moved_on))) == 1
    submitted = [*failing, exit_record("agent", "submitted")]
    assert len(check("TA201", trajectory(submitted))) == 1


def test_swe_agent_without_exit_status_ends_by_its_last_call(tmp_path: Path) -> None:
    """No `info`: a run whose last call is `submit` was ended by the agent; any other last call means it stopped
    mid-work, and its last thought is no final report."""
    cut = swe_traj([swe_step(MID_WORK, "python reproduce.py\n", "3")], "")
    del cut["info"]
    t = imported(write(tmp_path, "demo__size-8.traj", cut))
    assert (ended(t).ended_by, ended(t).status, ended(t).submitted) == ("harness", None, False)
    assert report_claims(t) == () and check("TA101", t) == []
    done = swe_traj([swe_step(MID_WORK, "submit\n", DIFF)], "")
    del done["info"]
    d = imported(write(tmp_path, "demo__size-9.traj", done))
    assert (ended(d).ended_by, ended(d).submitted) == ("agent", True)
    assert [c.action for c in report_claims(d)] == ["update"]
