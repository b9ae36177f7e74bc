"""A trajectory that stops without a final word from the agent and without an outcome.

## What it does
Flags a trajectory whose last event is not an assistant message (or a claim) and which has no `outcome` event:
the run ends on a tool call, a tool result, a user message or reasoning. An importer's exit record saying the agent
ended the run itself (a system message with meta.ended_by "agent": SWE-agent's `submitted`) is a proper end; one
saying the harness stopped it (a cost or context limit) is not.

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

from trajaudit.model import Severity, Trajectory, Violation, events_by_kind

CODE = "TA004"
NAME = "truncated-trajectory"
SEVERITY = Severity.WARNING

FINAL_KINDS = ("outcome", "claim")


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    events = trajectory.events
    if not events:
        return
    last = events[-1]
    if last.is_assistant_message or last.kind in FINAL_KINDS or events_by_kind(trajectory)["outcome"]:
        return
    if last.kind == "message" and last.get("role") == "system" and (last.get("meta") or {}).get("ended_by") == "agent":
        return  # the agent submitted: the run is over, whatever its last words
    what = f"{last.kind} ({last.get('role')})" if last.kind == "message" else last.kind
    yield Violation(
        last,
        f"trajectory ends at step {last.step} with a {what}; expected a final assistant message or an outcome",
    )
