"""A failed tool call that the agent neither retried, worked around, nor told the user about.

## What it does
For each failed tool result, looks at what the agent did afterwards. A result fails as `trajaudit.failure` reads it:
`ok: false`, a non-zero exit code or a failed status, and, in logs whose tool results carry no success flag (OpenAI
chat, tau-bench), the shapes failures print (a Python exception, `fatal: …`, `HTTP/1.1 503`, `{"error": …}`).
The error counts as handled when the agent later
- calls the same tool again (a retry),
- makes any other tool call that succeeds (it tried another way), or
- says something about the failure in a later assistant message or its reasoning ("error", "failed", "unable",
  "couldn't", "unfortunately", "not found", "already …", …).
Otherwise the error is reported as ignored, unless the harness stopped the run before the agent's next turn (an
exit record with meta.ended_by "harness", such as SWE-agent's exit_cost): the agent had no chance to react.

## Why it matters
An error that disappears from the agent's account is how a failed action turns into a success report: the cancel
call errors, the agent moves on, and the user hears "your order has been cancelled".

## Example
```
step 5 tool_call   cancel_pending_order({"order_id": "#W2"})
step 6 tool_result error: order is not pending
step 7 message     assistant: Your order #W2 has been cancelled!
```

## How to fix
Make the agent react to tool errors: retry with corrected arguments, try another route, or tell the user plainly
what failed. Recovered errors (a retry that succeeds) are not reported.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.claims import acknowledges_failure
from trajaudit.context import events_by_kind, judgements
from trajaudit.failure import Status
from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA201"
NAME = "ignored-tool-error"
SEVERITY = Severity.WARNING

_FAILED = Status.FAILED


def _stopped_before_next_turn(later: tuple[Event, ...]) -> bool:
    """The harness stopped the run (an importer's exit record with meta.ended_by "harness", e.g. SWE-agent's
    exit_cost) before the agent had another turn: it had no chance to react."""
    for event in later:
        if event[4] in ("tool_call", "reasoning") or (event[4] == "message" and event[2].get("role") == "assistant"):
            return False
        meta = event[2].get("meta") if event[4] == "message" else None
        if isinstance(meta, dict) and meta.get("ended_by") == "harness":
            return True
    return False


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    groups = events_by_kind(trajectory)
    judged = judgements(trajectory)
    failed = [e for e in groups["tool_result"] if judged[id(e)].status is _FAILED]
    if not failed:
        return
    events = trajectory.events
    tool_of_call: dict[Any, Any] | None = None  # built only for results that do not name their tool
    ok_of_call = {e[2].get("call_id"): judged[id(e)].ok for e in groups["tool_result"]}
    identities = list(map(id, events))  # where each failed result is, found without comparing events
    for event in failed:
        index = identities.index(id(event))
        tool = event.get("tool")
        if not tool:
            if tool_of_call is None:
                tool_of_call = {e[2].get("call_id"): e[2].get("tool") for e in groups["tool_call"]}
            tool = tool_of_call.get(event.get("call_id"))
        if not _handled(events[index + 1 :], tool, ok_of_call):
            judgement = judged[id(event)]
            error = judgement.gist(80)
            yield Violation(
                event,
                f"{tool or 'tool'} failed ({error}) and the agent did not retry, try another way or mention it",
                {"tool": tool, "error": error, "reason": judgement.reason.value},
            )


def _handled(later: tuple[Event, ...], tool: str | None, ok_of_call: Mapping[Any, Any]) -> bool:
    # Any one later sign will do, so the tool calls are looked at before the (slower) reading of the agent's text.
    for event in later:
        if event[4] == "tool_call":
            data = event[2]
            if data.get("tool") == tool or ok_of_call.get(data.get("call_id")) is True:
                return True
    if _stopped_before_next_turn(later):
        return True
    for event in later:
        kind = event[4]
        if (kind == "reasoning" or (kind == "message" and event[2].get("role") == "assistant")) and (
            acknowledges_failure(event[2].get("text") or "")
        ):
            return True
    return False
