"""The agent claims success, and the verifier's outcome says the run failed.

## What it does
Reads the agent's final report (its last assistant message, or the one before when the last is only politeness),
structured `claim` events and a final submission, and looks for claims of success: the task is done ("all set",
"I have completed the task", submitting the work), an action succeeded ("your order #W123 has been cancelled",
"I've fixed the bug"), or the tests pass. Claims that are negated, asked, offered, planned, conditional, hedged or
quoted do not count. When at least one claim stands and the trajectory's outcome event (from the log, or attached
with `--outcomes`) has `success: false`, the first claim is reported.

## Why it matters
This is the failure an outcome score hides from the user and a transcript hides from the reviewer: the agent says
the job is done and it is not. The user walks away believing a reservation is cancelled, a bug is fixed or a file is
gone. In CI it is the one finding that should always fail the build.

## Example
```
step 14 message  assistant: The exchange has been successfully processed! You'll receive an email shortly.
step 16 outcome  success: false, reward: 0.0 (tau-bench reward)
```

## How to fix
Look at the steps before the claim: which action failed or was never taken, or which required detail went missing?
Then make the agent verify before it reports (read the state back, run the tests) and say plainly what did not work.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.claims import ACTION_SUCCEEDED, TESTS_PASS, Claim, report_claims
from trajaudit.model import Severity, Trajectory, Violation, last_outcome

CODE = "TA101"
NAME = "false-success-claim"
SEVERITY = Severity.ERROR


def _most_telling(claims: tuple[Claim, ...]) -> Claim:
    """An action or tests claim quoted from the text says more than a bare submission."""
    for kind in (ACTION_SUCCEEDED, TESTS_PASS):
        for claim in claims:
            if claim.type == kind:
                return claim
    return next((c for c in claims if c.action != "submit"), claims[0])


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    outcome = last_outcome(trajectory)
    if outcome is None or outcome.get("success") is not False:
        return
    claims = report_claims(trajectory)
    if not claims:
        return
    claim = _most_telling(claims)
    source = outcome.get("source") or "the outcome"
    reward = outcome.get("reward")
    verdict = f"{source} says the run failed" + (f" (reward {reward})" if reward is not None else "")
    yield Violation(
        claim.event or outcome,
        f'the agent claims success ("{claim.quote()}") but {verdict} at step {outcome.step}',
        {
            "claim": claim.quote(400),
            "claim_type": claim.type,
            "action": claim.action,
            "target": claim.target,
            "span": [claim.start, claim.end],
            "outcome_step": outcome.step,
            "reward": reward,
            "source": source,
        },
    )
