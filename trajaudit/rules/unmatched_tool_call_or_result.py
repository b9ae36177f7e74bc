"""A tool call that never got a result, or a result that answers no call.

## What it does
Pairs `tool_call` and `tool_result` events by `call_id` and reports calls with no result, results whose call never
happened (or came later), and second results for the same call.

## Why it matters
An unanswered call means the agent went on without knowing whether its action happened, or the log lost the
answer. A result without a call means the log is stitched together wrongly, and every check that reasons about
"the result of this action" becomes unreliable.

## Example
```
step 3 tool_call   book_flight call_id=c7
step 4 message     assistant: Your flight is booked.
```
(no result for c7).

## How to fix
Log every tool result with the id of its call, including errors and timeouts; make sure the harness does not drop
results when a call times out or the run is cut off.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA204"
NAME = "unmatched-tool-call-or-result"
SEVERITY = Severity.WARNING


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    calls: dict[Any, Event] = {}
    answered: set[Any] = set()
    for event in trajectory.events:
        kind = event[4]
        if kind == "tool_call":
            calls.setdefault(event[2].get("call_id"), event)
        elif kind == "tool_result":
            call_id = event[2].get("call_id")
            if call_id not in calls:
                yield Violation(event, f"result for call {call_id!r}, but no earlier tool call has that id")
            elif call_id in answered:
                yield Violation(event, f"second result for call {call_id!r}; expected one result per call")
            answered.add(call_id)
    for call_id, event in calls.items():
        if call_id not in answered:
            yield Violation(event, f"call {call_id!r} to {event.get('tool')!r} never got a result")
