"""A stretch of the trace where confidence collapses: a sliding window whose mean confidence is below a threshold.

## What it does
Computes DeepConf group confidence (arXiv 2508.15260): the mean token confidence over a sliding window of `window`
tokens (or `step-window` steps when the log only states a confidence per step), from whatever the trajectory carries
(precomputed token confidences, top-k logprobs, chosen-token logprobs or stated confidences; see `trajaudit
stats`/`simulate`). Reports each run of consecutive windows below the threshold once, at the step where the first
such window ends, with the lowest group in the run.

The threshold is `threshold` when set, in the units of the confidence basis (DeepConf C for top-k, a logprob for
the chosen-token fallback, [0, 1] for stated confidence). When it is not set, a window is low when it falls more
than `drop` (a fraction, default 0.3) below the trace's mean confidence, in absolute value: a collapse relative to
the trace itself. A trace shorter than one window is judged only against an explicit `threshold`.
Trajectories without confidence data are skipped.

Options: `threshold` (unset), `drop` (0.3), `window` (2048 tokens), `step-window` (5 steps).

## Why it matters
A trace-wide mean hides local breakdowns: a few hundred tokens of hesitation in the middle of an otherwise fluent
trace are where reasoning goes wrong, and DeepConf shows that the lowest window predicts failure better than the mean.

## Example
```
steps 3–9   reasoning, group confidence ≈ 17
step 10     reasoning, group confidence 9.8   ← window mean well below the trace mean (16.2)
```

## How to fix
Read the steps around the reported one: that is where the model hesitated. Stop or resample such traces (see
TA302 and `trajaudit simulate`), or give the agent the missing information it was guessing at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from trajaudit import confidence as conf
from trajaudit.lazy import np
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA301"
NAME = "low-confidence-step"
SEVERITY = Severity.WARNING
OPTIONS: dict[str, Any] = {"threshold": None, "drop": 0.3, "window": conf.DEFAULT_WINDOW,
                           "step-window": conf.DEFAULT_STEP_WINDOW}


def confidence_config(options: Mapping[str, Any]) -> conf.ConfidenceConfig:
    """How to read confidence with the windows these options ask for (shared by TA301 and TA302)."""
    return _config(options.get("window", conf.DEFAULT_WINDOW), options.get("step-window", conf.DEFAULT_STEP_WINDOW))


@lru_cache(maxsize=64)
def _config(window: Any, step_window: Any) -> conf.ConfidenceConfig:
    # one (frozen) config per option set, not one per trajectory and rule; the options are read once per set too
    return conf.ConfidenceConfig(window=max(1, int(window)), step_window=max(1, int(step_window)))


def read(trajectory: Trajectory, options: Mapping[str, Any]) -> conf.TraceConfidence | None:
    """The trajectory's confidence with the windows these options ask for (shared by TA301 and TA302)."""
    return conf.from_trajectory(trajectory, confidence_config(options))


def event_at(trajectory: Trajectory, step: int | None):
    return next((e for e in trajectory.events if e.step == step), None)


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    config = confidence_config(options)
    if options.get("threshold") is None:
        # then only full windows are judged: count the positions before computing any (most traces are shorter)
        if not conf.fills_window(trajectory, config):
            return
    tc = conf.from_trajectory(trajectory, config)  # `read`, with the config already at hand
    if tc is None or tc.n == 0:
        return
    if options.get("threshold") is not None:
        threshold, how = float(options["threshold"]), "the threshold"
    else:
        if not tc.full_windows:
            return
        threshold = tc.mean - float(options.get("drop", 0.3)) * abs(tc.mean)
        how = f"{float(options.get('drop', 0.3)):.0%} below the trace mean {tc.mean:.4g}"
    below = tc.groups < threshold
    if not below.any():
        return
    # starts and ends of runs of consecutive low windows, without a per-window loop
    edges = np.diff(np.concatenate(([0], below.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    unit = "tokens" if tc.unit == "token" else "steps"
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        lowest = int(start + np.argmin(tc.groups[start:end]))
        step = tc.group_step(start)
        value = float(tc.groups[lowest])
        yield Violation(
            event_at(trajectory, step),
            f"confidence over a window of {min(tc.window, tc.n)} {unit} fell to {value:.4g}; expected at least "
            f"{threshold:.4g} ({how}; {tc.basis})",
            {"group": round(value, 6), "threshold": round(threshold, 6), "window": tc.window, "unit": tc.unit,
             "basis": tc.basis, "k": tc.k, "lowest_step": tc.group_step(lowest), "until_step": tc.group_step(end - 1),
             "trace_mean": round(tc.mean, 6)},
        )
