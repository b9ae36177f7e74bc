"""The agent declares the work complete right after a failure, or after a destructive action it never checked.

## What it does
When the final report claims success (the task is done, an action succeeded, the tests pass), or — without such a
claim — the agent hands its work in itself (a submit tool, a completion marker such as mini-swe-agent's), looks at
the tool calls before that declaration (the submission call itself aside) and warns when
- the last of them failed (`ok: false` or a non-zero exit code) and the final report does not speak of it
  ("error", "unable", "already committed", …): the agent stopped on an error and called it done, or handed the
  work in without a word about it; or
- a destructive action (`rm -rf`, `git push --force`, `git reset --hard`, `DROP TABLE`, `DELETE FROM`, a
  delete/remove/cancel/drop tool) was never checked afterwards: no later call inspected the result (`ls`,
  `git status`, a get/list/find tool, a test run) and its own result did not report the new state
  (`"status": "cancelled"`). Removing files the agent created itself (its scratch scripts) is cleanup, not a
  destructive action.

A submission is not a success claim (TA101 never reads one), but handing work in is declaring it finished, which is
what this rule checks. A run the harness stopped (a cost or context limit, even when it auto-submits) declares
nothing and is not checked.

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

import re
from typing import Any, Iterator, Mapping, NamedTuple

from trajaudit.claims import (
    Claim,
    acknowledges_failure,
    final_report,
    has_words,
    is_prior_state,
    report_claims,
    run_end,
)
from trajaudit.evidence import attempts, confirms_itself, is_cleanup, is_destructive, is_inspection, is_submission
from trajaudit.lazy import regex
from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA105"
NAME = "unverified-completion"
SEVERITY = Severity.WARNING


class _Declaration(NamedTuple):
    """What the agent declared and where: a claim in its words, or handing its work in."""

    event: Event
    said: str  # "declares success (...)", for the message
    report: str  # the words that may explain a failure
    evidence: dict[str, Any]


def _declaration(trajectory: Trajectory) -> _Declaration | None:
    # A state found ("the file was already committed") explains a failed call rather than hiding it.
    claims = [c for c in report_claims(trajectory) if c.event is not None and not is_prior_state(c)]
    if claims:
        claim = min(claims, key=lambda c: c.event.step if c.event is not None else 0)
        assert claim.event is not None
        said = f'declares success ("{claim.quote()}")' if has_words(claim) else f"records a claim ({claim.text})"
        return _Declaration(claim.event, said, claim.event.get("text") or "", _evidence(claim))
    end = run_end(trajectory)
    if end is None or end.forced or not end.submitted:
        return None
    words = " ".join(str(e.get("text") or "") for e in final_report(trajectory))
    quote = _quote(words)
    said = "submits its work" + (f' (its last words: "{quote}")' if quote else " without a word")
    evidence = {"claim": None, "submission_step": end.event.step, "final_report": quote or None}
    return _Declaration(end.event, said, words, evidence)


_FENCED = regex(r"```.*?(?:```|\Z)", re.S)


def _quote(text: str, limit: int = 160) -> str:
    """The agent's words without its commands (code blocks), on one line and shortened."""
    words = " ".join(_FENCED.sub(" ", text).split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    declared = _declaration(trajectory)
    if declared is None:
        return
    step = declared.event.step
    before = [a for a in attempts(trajectory) if a.step < step and not is_submission(a)]
    if not before:
        return
    last = before[-1]
    # a report that explains the failure hides nothing
    if last.ok is False and not acknowledges_failure(declared.report):
        yield Violation(
            declared.event,
            f"the agent {declared.said} right after a failed call: {last.describe()} at step {last.step}",
            {**declared.evidence, "failed_call_step": last.step, "tool": last.tool},
        )
    destructive = [a for i, a in enumerate(before) if is_destructive(a) and not is_cleanup(a, before[:i])]
    if destructive:
        risky = destructive[-1]
        later = [a for a in before if a.step > risky.step]
        # the later calls are looked at before the (slower) reading of the action's own output
        if not any(is_inspection(a) for a in later) and not confirms_itself(risky):
            yield Violation(
                declared.event,
                f"the agent {declared.said} but never checked the result of the destructive {risky.describe()} at "
                f"step {risky.step}",
                {**declared.evidence, "destructive_step": risky.step, "action": risky.describe()},
            )


def _evidence(claim: Claim) -> dict[str, Any]:
    quote = claim.quote(400) if has_words(claim) else None
    return {"claim": quote, "claim_type": claim.type, "span": [claim.start, claim.end]}
