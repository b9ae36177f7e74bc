"""A trajectory that stops without a final word from the agent and without an outcome.

## What it does
Flags a trajectory whose last event is not an assistant message (or a claim) and which has no `outcome` event:
the run ends on a tool call, a tool result, a user message or reasoning. An importer's exit record saying the agent
ended the run itself (a system message with meta.ended_by "agent": SWE-agent's `submitted`) is a proper end; one
saying the harness stopped it (a cost or context limit) is not.

A conversation the simulated user ended is finished, not cut off: a last user message that ends with a user
simulator's end-of-conversation marker (tau-bench's and tau2-bench's `###STOP###`, tau2-bench's `###TRANSFER###`
and `###OUT-OF-SCOPE###`) is accepted, and so is a run that ends with the successful result of a hand-off tool
that ends the episode (tau-bench's `transfer_to_human_agents`). When the log records why the harness ended the run
(tau2-bench's `termination_reason` in the task's `meta`), that decides: `user_stop` and `agent_stop` are finished
runs, any other reason (`max_steps`, `too_many_errors`, `agent_error`, …) is reported as a run cut off by its
harness, also when it ends on an assistant message.

## Why it matters
A run that ends mid-action was cut off (crash, timeout, context overflow, a log that was not flushed) or is still
going. Judging it as finished would count an unknown result as a clean one.

## Example
```
step 7 tool_call  refund_order({"order_id": "#W9"})
step 8 tool_result ok
(end of log)
```
The agent never reported back and no verifier judged the run.

## How to fix
Make sure the agent loop writes its final answer and the harness writes an `outcome` event, also when a run is
aborted (then with `success: false`), and flush logs before exit.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.context import events_by_kind, judgement
from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA004"
NAME = "truncated-trajectory"
SEVERITY = Severity.WARNING

FINAL_KINDS = ("outcome", "claim")
# the user simulators' end-of-conversation markers (tau-bench: STOP; tau2-bench: STOP, TRANSFER, OUT-OF-SCOPE)
END_MARKERS = ("###STOP###", "###TRANSFER###", "###OUT-OF-SCOPE###")
END_TOOLS = frozenset({"transfer_to_human_agents"})  # tau-bench's terminate tools: the episode ends with their result
FINISHED_REASONS = frozenset({"user_stop", "agent_stop"})  # tau2-bench TerminationReason values of a finished run


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    events = trajectory.events
    if not events:
        return
    last = events[-1]
    groups = events_by_kind(trajectory)
    if last.kind in FINAL_KINDS or groups["outcome"]:
        return
    reason = _termination_reason(groups["task"])
    if reason is not None and reason not in FINISHED_REASONS:
        yield Violation(
            last,
            f"the harness ended the run with termination_reason {reason!r} at step {last.step}; expected a run "
            "that ends when the conversation does (user_stop or agent_stop) or an outcome",
            {"termination_reason": reason},
        )
        return
    if (
        last.is_assistant_message
        or reason is not None
        or _user_ended(last)
        or _handed_off(trajectory, last, groups["tool_call"])
    ):
        return
    if last.kind == "message" and last.get("role") == "system" and (last.get("meta") or {}).get("ended_by") == "agent":
        return  # the agent submitted: the run is over, whatever its last words
    what = f"{last.kind} ({last.get('role')})" if last.kind == "message" else last.kind
    yield Violation(
        last,
        f"trajectory ends at step {last.step} with a {what}; expected a final assistant message or an outcome",
    )


def _termination_reason(tasks: list[Event]) -> str | None:
    for task in tasks:
        meta = task.get("meta")
        reason = meta.get("termination_reason") if isinstance(meta, dict) else None
        if isinstance(reason, str) and reason:
            return reason.lower()
    return None


def _user_ended(event: Event) -> bool:
    if event.kind != "message" or event.get("role") != "user":
        return False
    text = event.get("text")
    return isinstance(text, str) and text.rstrip().endswith(END_MARKERS)


def _handed_off(trajectory: Trajectory, event: Event, calls: list[Event]) -> bool:
    if event.kind != "tool_result" or judgement(trajectory, event).failed:
        return False
    tool = event.get("tool") or next((c.get("tool") for c in calls if c.get("call_id") == event.get("call_id")), None)
    return tool in END_TOOLS
