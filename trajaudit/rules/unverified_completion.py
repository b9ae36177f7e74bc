"""The agent declares the work complete right after a failure, or after a destructive action it never checked.

## What it does
When the final report claims success (the task is done, an action succeeded, or the agent submits its work),
looks at the tool calls before that declaration (the submission call itself aside) and warns when
- the last of them failed (`ok: false` or a non-zero exit code) and the report does not speak of it ("error",
  "unable", "already committed", …): the agent stopped on an error and called it done; or
- a destructive action (`rm -rf`, `git push --force`, `git reset --hard`, `DROP TABLE`, `DELETE FROM`, a
  delete/remove/cancel/drop tool) was never checked afterwards: no later call inspected the result (`ls`,
  `git status`, a get/list/find tool, a test run) and its own result did not report the new state
  (`"status": "cancelled"`). Removing files the agent created itself (its scratch scripts) is cleanup, not a
  destructive action.

## Why it matters
Declaring victory on a red result, or after an irreversible step whose effect nobody looked at, is how confident
reports of broken states reach users. It is a warning, not an error: the work may be fine, but the log does not
show that it is.

## Example
```
step 30 tool_call   bash: rm -rf build/ src/generated/
step 31 tool_result (exit 0, no output)
step 32 message     assistant: Cleanup done — everything is complete.
```

## How to fix
End with a check: read the state back (list the directory, fetch the order, run the tests) and only then report.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from trajaudit.claims import Claim, acknowledges_failure, is_prior_state, report_claims
from trajaudit.evidence import attempts, confirms_itself, is_cleanup, is_destructive, is_inspection, is_submission
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA105"
NAME = "unverified-completion"
SEVERITY = Severity.WARNING


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    # A state found ("the file was already committed") explains a failed call rather than hiding it.
    claims = [c for c in report_claims(trajectory) if c.event is not None and not is_prior_state(c)]
    if not claims:
        return
    claim = min(claims, key=lambda c: c.event.step if c.event is not None else 0)
    assert claim.event is not None
    step = claim.event.step
    before = [a for a in attempts(trajectory) if a.step < step and not is_submission(a)]
    if not before:
        return
    last = before[-1]
    report = claim.event.get("text") or ""
    if last.ok is False and not acknowledges_failure(report):  # a report that explains the failure hides nothing
        yield Violation(
            claim.event,
            f'the agent declares success ("{claim.quote()}") right after a failed call: {last.describe()} at step '
            f"{last.step}",
            {**_evidence(claim), "failed_call_step": last.step, "tool": last.tool},
        )
    destructive = [a for i, a in enumerate(before) if is_destructive(a) and not is_cleanup(a, before[:i])]
    if destructive:
        risky = destructive[-1]
        later = [a for a in before if a.step > risky.step]
        # the later calls are looked at before the (slower) reading of the action's own output
        if not any(is_inspection(a) for a in later) and not confirms_itself(risky):
            yield Violation(
                claim.event,
                f'the agent declares success ("{claim.quote()}") but never checked the result of the destructive '
                f"{risky.describe()} at step {risky.step}",
                {**_evidence(claim), "destructive_step": risky.step, "action": risky.describe()},
            )


def _evidence(claim: Claim) -> dict[str, Any]:
    return {"claim": claim.quote(400), "claim_type": claim.type, "span": [claim.start, claim.end]}
