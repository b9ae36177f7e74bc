"""The agent claims success, and the verifier's outcome says the run failed.

## What it does
Reads the agent's final report — its own words at the end of the run: the last assistant message with text (for
SWE-agent the last `thought`, for mini-swe-agent the text beside its completion command), or the one before when
the last is only politeness or an announcement that it submits — and structured `claim` events, and looks for claims
of success: the task is done ("all set", "I have completed the task"), an action succeeded ("your order #W123 has
been cancelled", "I've fixed the bug"), or the tests pass. Claims that are negated, asked, offered, planned,
conditional, hedged or quoted do not count. Ending a run is not a claim: submitting the work, a completion marker,
or a harness stopping the run at a cost or context limit (and auto-submitting) says nothing about success, and a
run the harness stopped has no final report at all. When at least one claim stands and the trajectory's outcome
event (from the log, or attached with `--outcomes`) has `success: false`, the most telling claim is reported (an
action, then passing tests, then the task as a whole), quoting the agent's words; the evidence gives the claim's
span in its message.

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

from trajaudit.claims import ACTION_SUCCEEDED, TESTS_PASS, Claim, has_words, report_claims
from trajaudit.context import last_outcome
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA101"
NAME = "false-success-claim"
SEVERITY = Severity.ERROR


def _most_telling(claims: tuple[Claim, ...]) -> Claim:
    """An action claim says more than a tests claim, which says more than "the task is done"; words the agent wrote
    say more than a structured claim event without text."""
    order = (ACTION_SUCCEEDED, TESTS_PASS)
    return min(claims, key=lambda c: (not has_words(c), order.index(c.type) if c.type in order else len(order)))


def _stated(claim: Claim) -> str:
    if has_words(claim):
        return f'the agent claims success ("{claim.quote()}")'
    return f"the agent records a structured claim ({claim.text})"


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
        f"{_stated(claim)} but {verdict} at step {outcome.step}",
        {
            "claim": claim.quote(400) if has_words(claim) else None,
            "claim_type": claim.type,
            "action": claim.action,
            "target": claim.target,
            "claim_step": claim.event.step if claim.event is not None else None,
            "span": [claim.start, claim.end],
            "outcome_step": outcome.step,
            "reward": reward,
            "source": source,
        },
    )
