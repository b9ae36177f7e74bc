"""Graded claim verdicts: what the log itself says about each claim of the agent's final report.

Every claim (see claims.py) gets one verdict, decided from the tool calls made before it and their results (see
evidence.py and failure.py), never from the verifier's outcome (that is TA101's business):

- ``contradicted``: the log shows the claim is false. An action claim whose last attempt at that action failed and
  was not retried successfully (TA102); a tests claim whose last test run failed (TA104).
- ``unsupported``: the agent acts through tools, yet nothing in the log backs the claim. No call performs the
  claimed action (TA103); no test run before a tests claim, or the code changed after the last green run (TA104).
- ``supported``: a successful call before the claim performs the claimed action (the evidence step is that call's
  result), or the last test run before a tests claim passed with no change after it.
- ``unverifiable``: the log cannot tell: a claim about the task as a whole, an action no tool vocabulary names, a
  state the agent found rather than made ("the order was already cancelled"), a status changed as a side effect,
  or a log without tool calls.

The claim rules are thin readers of these verdicts, so a claim gets the same answer from TA102, TA103, TA104 and
from the `claim` records of the machine formats.
"""

from __future__ import annotations

import re
from enum import Enum

from trajaudit.claims import ACTION_SUCCEEDED, TESTS_PASS, Claim, is_prior_state, report_claims
from trajaudit.context import per_trajectory
from trajaudit.evidence import (
    Attempt,
    TestRun,
    attempts,
    declared_effects,
    is_code_change,
    is_scratch_edit,
    knows_action,
    last_test_run,
    mentions,
    performs,
    primary,
    side_effect,
)
from trajaudit.lazy import regex
from trajaudit.model import ClaimRecord, Trajectory
from trajaudit.records import dataclass


class Verdict(str, Enum):
    CONTRADICTED = "contradicted"
    UNSUPPORTED = "unsupported"
    SUPPORTED = "supported"
    UNVERIFIABLE = "unverifiable"


class Basis(str, Enum):
    """Why a claim got its verdict: what the rules and reports explain it by."""

    FAILED_ATTEMPT = "failed_attempt"  # contradicted: the last attempt at the action failed
    FAILED_TESTS = "failed_tests"  # contradicted: the last test run failed
    NO_ATTEMPT = "no_attempt"  # unsupported: no call performs the action
    NO_TEST_RUN = "no_test_run"  # unsupported: no test run before the claim
    CHANGED_AFTER_TESTS = "changed_after_tests"  # unsupported: the code changed after the last test run
    SUCCESSFUL_ATTEMPT = "successful_attempt"  # supported
    SIDE_EFFECT = "side_effect"  # supported: a successful call did it as its tool's description documents
    PASSED_TESTS = "passed_tests"  # supported
    WHOLE_TASK = "whole_task"  # unverifiable: "the task is complete" names no action to check
    UNKNOWN_ACTION = "unknown_action"  # unverifiable: no tool vocabulary names the action
    PRIOR_STATE = "prior_state"  # unverifiable: a state found, or changed as a side effect
    NO_RESULT = "no_result"  # unverifiable: the call that would decide has no result in the log
    NO_TOOL_CALLS = "no_tool_calls"  # unverifiable: the agent does not act through tools here


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    """One claim, its verdict and why: the call that decides it (the failed or successful attempt, the last test
    run, the change after it), or None when nothing in the log does."""

    claim: Claim
    verdict: Verdict
    basis: Basis
    attempt: Attempt | None = None
    test_run: TestRun | None = None

    @property
    def evidence_step(self) -> int | None:
        """The step that decides the verdict: the deciding call's result when it has one, else the call."""
        if self.basis is Basis.CHANGED_AFTER_TESTS and self.attempt is not None:
            return self.attempt.step  # the change, a call whose result says nothing of the tests
        attempt = self.test_run.attempt if self.test_run is not None else self.attempt
        if attempt is None:
            return None
        return attempt.result.step if attempt.result is not None else attempt.step


# A status that changed is a consequence of some other action, not an action of its own.
_STATUS = regex(r"\bstatus\b", re.I)


@per_trajectory
def claim_verdicts(trajectory: Trajectory) -> tuple[ClaimVerdict, ...]:
    """A verdict for every claim of the trajectory (report_claims), in the claims' order."""
    claims = report_claims(trajectory)
    if not claims:
        return ()
    calls = attempts(trajectory)
    effects = declared_effects(trajectory)
    return tuple(_judge(claim, calls, effects) for claim in claims)


def _judge(claim: Claim, calls: tuple[Attempt, ...], effects: dict[str, frozenset[str]]) -> ClaimVerdict:
    if claim.type == TESTS_PASS:
        if not calls or claim.event is None:
            return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.NO_TOOL_CALLS)
        return _judge_tests(claim, [a for a in calls if a.step < claim.event.step])
    if claim.type != ACTION_SUCCEEDED:
        return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.WHOLE_TASK)
    if not knows_action(claim.action):
        return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.UNKNOWN_ACTION)
    if not calls or claim.event is None:
        return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.NO_TOOL_CALLS)
    action = claim.action or ""
    candidates = [a for a in calls if a.step < claim.event.step and performs(a, action)]
    if not candidates:
        before = [a for a in calls if a.step < claim.event.step]
        done_by = side_effect(claim.text, action, before, effects)  # as TA103: documented or status set by a tool
        if done_by is not None:
            return ClaimVerdict(claim, Verdict.SUPPORTED, Basis.SIDE_EFFECT, done_by)
        if is_prior_state(claim) or _STATUS.search(claim.text):
            return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.PRIOR_STATE)
        return ClaimVerdict(claim, Verdict.UNSUPPORTED, Basis.NO_ATTEMPT)
    on_target = [a for a in candidates if mentions(a, claim.target)]
    candidates = on_target or candidates
    candidates = [a for a in candidates if primary(a, action)] or candidates
    # several tools may perform the action (modify_items, modify_address for "update"): the claim stands if the
    # last call of any of them succeeded, so it is contradicted only when each one's last attempt failed
    last_by_tool = {a.command or a.tool: a for a in candidates}
    standing = [a for a in last_by_tool.values() if a.ok is not False]
    if not standing:
        return ClaimVerdict(claim, Verdict.CONTRADICTED, Basis.FAILED_ATTEMPT, candidates[-1])
    succeeded = [a for a in standing if a.ok is True]
    if succeeded:
        return ClaimVerdict(claim, Verdict.SUPPORTED, Basis.SUCCESSFUL_ATTEMPT, max(succeeded, key=_step))
    return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.NO_RESULT, max(standing, key=_step))


def _step(attempt: Attempt) -> int:
    return attempt.step


def _judge_tests(claim: Claim, before: list[Attempt]) -> ClaimVerdict:
    last = last_test_run(before)
    if last is None:
        return ClaimVerdict(claim, Verdict.UNSUPPORTED, Basis.NO_TEST_RUN)
    if last.passed is False:
        return ClaimVerdict(claim, Verdict.CONTRADICTED, Basis.FAILED_TESTS, test_run=last)
    changes = [a for a in before if a.step > last.attempt.step and is_code_change(a) and not is_scratch_edit(a)]
    if changes:
        return ClaimVerdict(claim, Verdict.UNSUPPORTED, Basis.CHANGED_AFTER_TESTS, changes[-1], last)
    if last.passed:
        return ClaimVerdict(claim, Verdict.SUPPORTED, Basis.PASSED_TESTS, test_run=last)
    return ClaimVerdict(claim, Verdict.UNVERIFIABLE, Basis.NO_RESULT, test_run=last)


def claim_records(trajectory: Trajectory) -> tuple[ClaimRecord, ...]:
    """The trajectory's claims and their verdicts as plain records, for the reports."""
    return tuple(
        ClaimRecord(
            judged.claim.event.step if judged.claim.event is not None else None,
            judged.claim.type,
            judged.claim.quote(400),
            judged.claim.action,
            judged.claim.target,
            judged.verdict.value,
            judged.basis.value,
            judged.evidence_step,
        )
        for judged in claim_verdicts(trajectory)
    )
