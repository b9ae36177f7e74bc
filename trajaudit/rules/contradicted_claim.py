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

from trajaudit.claims import ACTION_SUCCEEDED
from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.verdicts import Verdict, claim_verdicts

CODE = "TA102"
NAME = "contradicted-claim"
SEVERITY = Severity.ERROR


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    reported: set[tuple[str | None, str | None]] = set()
    for judged in claim_verdicts(trajectory):
        claim, last = judged.claim, judged.attempt
        if claim.type != ACTION_SUCCEEDED or judged.verdict is not Verdict.CONTRADICTED or last is None:
            continue
        if (claim.action, claim.target) in reported:
            continue
        reported.add((claim.action, claim.target))
        error = last.failure.gist(100)
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
