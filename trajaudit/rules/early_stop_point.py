"""Where DeepConf's online early stopping would have cut this trace, and what that would have saved.

## What it does
Replays DeepConf's online rule (arXiv 2508.15260) on the recorded trace: generation stops at the first sliding window
of `window` tokens (or `step-window` steps for stated confidences) whose mean confidence is below `threshold`.
Reports the step where that window ends, with the tokens generated up to there and the share that stopping would
have saved. Informational: it describes a counterfactual, not a fault.

Needs `threshold`, in the units of the confidence basis (for DeepConf C with top-20 logprobs, typically 10–20);
`trajaudit simulate` reports the per-task thresholds its warm-up traces set. Without a threshold, or without
confidence data, or when the trace is shorter than one window, the rule reports nothing.

Options: `threshold` (unset), `window` (2048 tokens), `step-window` (5 steps).

## Why it matters
A trace that will fail often announces it by a confidence collapse long before its end; every token after that
point is spent on a run that will be discarded. The finding shows where, and how much of the trace was avoidable.

## Example
```
step 12  reasoning  window mean 11.2 < threshold 14.5 → stop here (6,144 of 20,480 tokens, 70% saved)
```

## How to fix
Nothing to fix in the log; use it to choose a threshold (compare with `trajaudit simulate`), and enable
confidence-based early stopping in the generator when it would have cut failing traces and kept successful ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trajaudit import confidence as conf
from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.rules.low_confidence_step import event_at, read

CODE = "TA302"
NAME = "early-stop-point"
SEVERITY = Severity.INFO
OPTIONS: dict[str, Any] = {"threshold": None, "window": conf.DEFAULT_WINDOW, "step-window": conf.DEFAULT_STEP_WINDOW}


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    if options.get("threshold") is None:
        return
    threshold = float(options["threshold"])
    tc = read(trajectory, options)
    if tc is None:
        return
    group = tc.first_below(threshold)
    if group is None:
        return
    used = tc.group_end(group) + 1
    unit = "tokens" if tc.unit == "token" else "steps"
    saved = 100.0 * (tc.n - used) / tc.n
    step = tc.group_step(group)
    yield Violation(
        event_at(trajectory, step),
        f"online early stopping would stop here: window mean {float(tc.groups[group]):.4g} < threshold "
        f"{threshold:.4g} after {used} of {tc.n} {unit} ({saved:.0f}% saved; {tc.basis})",
        {"group": round(float(tc.groups[group]), 6), "threshold": threshold, "window": tc.window, "unit": tc.unit,
         "used": used, "total": tc.n, "saved_percent": round(saved, 2), "basis": tc.basis, "k": tc.k},
    )
