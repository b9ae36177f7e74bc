"""A tool call that never got a result, or a result that answers no call.

## What it does
Pairs `tool_call` and `tool_result` events by `call_id` and reports calls with no result, results whose call never
happened (or came later), and second results for the same call.

A call id used again after that call's result arrived starts a new call (some harnesses, tau-bench among them,
reuse ids): its own result pairs with it, and only a missing one is reported. A second result that arrives while
no call with that id is waiting is still a second result.

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
    waiting: dict[Any, Event] = {}  # call id -> the call waiting for its result
    answered: set[Any] = set()  # ids whose latest call has its result
    early: set[Any] = set()  # ids of results that came before any call with that id (reported once, there)
    for event in trajectory.events:
        kind = event[4]
        if kind == "tool_call":
            call_id = event[2].get("call_id")
            if call_id in waiting:
                continue  # the same id again while its call waits: one call, as far as its result can tell
            if call_id in early:
                early.discard(call_id)  # its result came first and was reported as such
                answered.add(call_id)
                continue
            waiting[call_id] = event
            answered.discard(call_id)
        elif kind == "tool_result":
            call_id = event[2].get("call_id")
            if call_id in waiting:
                del waiting[call_id]
                answered.add(call_id)
            elif call_id in answered:
                yield Violation(event, f"second result for call {call_id!r}; expected one result per call")
            else:
                yield Violation(event, f"result for call {call_id!r}, but no earlier tool call has that id")
                early.add(call_id)
    for event in waiting.values():
        call_id = event[2].get("call_id")
        yield Violation(event, f"call {call_id!r} to {event.get('tool')!r} never got a result")
