"""The run failed, yet its confidence was high: a confident wrong answer.

## What it does
For a trajectory whose verifier outcome is a failure, takes its confidence as a probability: the last stated
`confidence`, else the geometric-mean probability of its generated tokens (from chosen-token logprobs, or the top
token of top-k lists). Reports the outcome when that confidence is at least `threshold`. When `token-threshold` is
set, a trace whose DeepConf confidence (mean token confidence C, from top-k logprobs or precomputed) is at least
that value is reported too. Trajectories without confidence data or without an outcome are skipped.

Options: `threshold` (0.9), `token-threshold` (unset; in DeepConf C units).

## Why it matters
Outcome-only scoring rewards confident guessing. A failure the agent was sure of is the dangerous kind: nothing in
its own signals would have stopped it, and a user relying on its confidence is misled. Many of them mean the
confidence is miscalibrated (see the Brier score and reliability diagram of `trajaudit stats`).

## Example
```
step 7  message assistant  "The answer is 42."  confidence 0.97
step 8  outcome            success false
```

## How to fix
Check calibration on your own runs (`trajaudit stats`), lower the weight of self-reported confidence, and add
verification (tests, a second sample, a checker) before acting on confident answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trajaudit import confidence as conf
from trajaudit.context import last_outcome
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA304"
NAME = "confident-failure"
SEVERITY = Severity.WARNING
OPTIONS: dict[str, Any] = {"threshold": 0.9, "token-threshold": None}


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    outcome = last_outcome(trajectory)
    if outcome is None or outcome.get("success") is not False:
        return
    prob = conf.probability(trajectory)
    threshold = float(options.get("threshold", OPTIONS["threshold"]))
    if prob is not None and prob.value >= threshold:
        yield Violation(
            outcome,
            f"the run failed with confidence {prob.value:.3g} ({prob.basis}); expected confidence below "
            f"{threshold:.3g} on a failure",
            {"confidence": round(prob.value, 6), "basis": prob.basis, "threshold": threshold},
        )
        return
    if options.get("token-threshold") is None:
        return
    tc = conf.from_trajectory(trajectory)
    if tc is None or tc.n == 0 or tc.unit != "token" or tc.basis == conf.BASIS_LOGPROB:
        return
    token_threshold = float(options["token-threshold"])
    if tc.mean >= token_threshold:
        yield Violation(
            outcome,
            f"the run failed with mean token confidence {tc.mean:.4g} ({tc.basis}); expected below "
            f"{token_threshold:.4g} on a failure",
            {"token_confidence": round(tc.mean, 6), "basis": tc.basis, "k": tc.k, "threshold": token_threshold},
        )
