"""The agent claims an action succeeded, but its last attempt at that action failed.

## What it does
For every action the final report claims ("your reservation has been cancelled" → cancel, "I've deleted the
file" → delete), finds the tool calls made before the claim that perform that action: tools whose names carry the
verb or a synonym (`cancel_pending_order`, `cancel_reservation`, `delete_file`), or shell commands that do it
(`rm`, `git commit`, `pip install`). When the claim names a target (an order id, a file), calls on that target are
preferred. If the last such call failed — so no later attempt succeeded — the claim is contradicted by the log
itself. A call fails as `trajaudit.failure` reads its result: `ok: false`, a non-zero exit code or a failed status,
and, in logs whose results carry no success flag (OpenAI chat, tau-bench), the shapes failures print (`Error: …`, a
Python exception, `fatal: …`, an HTTP 4xx/5xx status, `{"error": …}`).

## Why it matters
The log holds the proof that the claim is false: the action errored and the agent reported success anyway. No
verifier is needed to see it, which makes this the clearest false report there is.

## Example
```
step 9  tool_call   cancel_pending_order({"order_id": "#W2"})
step 10 tool_result error: Error: non-pending order cannot be cancelled
step 11 message     assistant: Your order #W2 has been cancelled.
```

## How to fix
Make the agent read tool results before it reports: on an error, retry with corrected arguments, try another way,
or tell the user the action failed. Check the tool too: an error message the model cannot read is easy to ignore.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.claims import ACTION_SUCCEEDED, report_claims
from trajaudit.evidence import Attempt, attempts, knows_action, mentions, performs, primary
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA102"
NAME = "contradicted-claim"
SEVERITY = Severity.ERROR


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    claims = report_claims(trajectory)
    if not claims:
        return  # nothing claimed: no need to pair the calls with their results
    calls = attempts(trajectory)
    if not calls:
        return
    reported: set[tuple[str | None, str | None]] = set()
    for claim in claims:
        if claim.type != ACTION_SUCCEEDED or not knows_action(claim.action) or claim.event is None:
            continue
        if (claim.action, claim.target) in reported:
            continue
        before = [a for a in calls if a.step < claim.event.step]
        last = _last_attempt(before, claim.action or "", claim.target)
        if last is None or last.ok is not False:
            continue
        reported.add((claim.action, claim.target))
        error = _gist(last)
        where = last.result.step if last.result is not None else last.step
        yield Violation(
            claim.event,
            f'the agent claims "{claim.quote()}" but its last {claim.action} attempt, {last.describe()} at step '
            f"{last.step}, failed ({error}) and was not retried successfully",
            {
                "claim": claim.quote(400),
                "action": claim.action,
                "target": claim.target,
                "span": [claim.start, claim.end],
                "failed_call_step": last.step,
                "failed_result_step": where,
                "tool": last.tool,
                "error": error,
                "failure_reason": last.failure.reason.value,
            },
        )


def _last_attempt(before: list[Attempt], action: str, target: str | None) -> Attempt | None:
    """The failed last call performing the action, or None: calls on the claimed target when any call names it,
    and by the action's own verb (cancel_*) before its synonyms."""
    candidates = [a for a in before if performs(a, action)]
    if not candidates:
        return None
    on_target = [a for a in candidates if mentions(a, target)]
    if on_target:
        candidates = on_target
    exact = [a for a in candidates if primary(a, action)]
    candidates = exact or candidates
    # several tools may perform the action (modify_items, modify_address for "update"): the claim stands if the
    # last call of any of them succeeded, so report only when each one's last attempt failed
    last_by_tool = {a.command or a.tool: a for a in candidates}
    if any(a.ok is not False for a in last_by_tool.values()):
        return None
    return candidates[-1]


def _gist(attempt: Attempt, limit: int = 100) -> str:
    return attempt.failure.gist(limit)
