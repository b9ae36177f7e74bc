"""Reliability statistics over many trajectories: pass@k and pass^k, calibration, tool use, sizes.

`compute(items, StatsConfig(...))` streams trajectories (or ready `TrajectoryRecord`s, e.g. built by a test or an
importer-less script from raw results) and keeps one small record per trajectory. It returns a `StatsResult`:
plain frozen data, for `trajaudit.report.stats`.

pass@k / pass^k follow τ-bench (Yao et al. 2024, arXiv 2406.12045), stated in `CONVENTION`: per task, n trials with a
verdict and c successes; pass^k = mean over tasks of C(c,k)/C(n,k) (all k sampled trials succeed), pass@k = mean over
tasks of 1 − C(n−c,k)/C(n,k) (at least one does). τ-bench takes n as the number of trials of the run; here n is counted
per task, which is the same when every task ran every trial. A task with n < k is left out of that k.

Calibration compares a confidence in [0, 1] per trajectory with its verdict: the stated one (the last `confidence`
in the trajectory) or one derived from token logprobs (the geometric-mean token probability); see
`trajaudit.confidence.probability`. Brier score = mean (confidence − outcome)²; ECE = Σ_b (n_b / N)·|accuracy_b −
mean confidence_b| over equal-width bins.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from trajaudit import confidence as conf
from trajaudit.model import Trajectory

CONVENTION = (
    "τ-bench convention: pass^k = mean over tasks of C(c,k)/C(n,k); pass@k = mean over tasks of 1 − C(n−c,k)/C(n,k); "
    "n = trials of the task with a verdict, c = successful ones; tasks with n < k are left out of k"
)
UNKNOWN_TOOL = "(unknown)"


MAX_BINS = 1000  # histogram and calibration bins: more cannot be drawn or read, and each one costs memory and time
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class StatsConfig:
    ks: tuple[int, ...] | None = None  # None: 1 .. min(trials per task, max_k)
    max_k: int = 8
    bins: int = 10  # calibration bins over [0, 1]
    confidence: str = "auto"  # auto (stated, else derived) | stated | derived

    def __post_init__(self) -> None:
        if self.ks is not None and any(k < 1 for k in self.ks):
            raise ValueError("k must be at least 1")
        if not 1 <= self.bins <= MAX_BINS:
            raise ValueError(f"bins {self.bins} is not in [1, {MAX_BINS}]")
        if self.max_k < 1:
            raise ValueError("max k must be at least 1")
        if self.confidence not in ("auto", "stated", "derived"):
            raise ValueError(f"confidence source {self.confidence!r} is not auto, stated or derived")


@dataclass(frozen=True)
class TrajectoryRecord:
    """What the statistics keep of one trajectory."""

    id: str
    task_id: str | None
    success: bool | None
    confidence: float | None = None
    confidence_basis: str | None = None
    steps: int = 0
    tokens: int | None = None
    tool_calls: Mapping[str, int] = field(default_factory=dict)
    tool_errors: Mapping[str, int] = field(default_factory=dict)


def record(trajectory: Trajectory, config: StatsConfig = StatsConfig()) -> TrajectoryRecord:
    """Summarise one trajectory for the statistics."""
    task = trajectory.task
    task_id = task.get("task_id") if task is not None else None
    outcome = trajectory.outcome
    success = outcome.get("success") if outcome is not None else None
    prob = conf.probability(trajectory, config.confidence)
    calls: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    tool_by_call: dict[str, str] = {}
    output_tokens = 0
    have_counts = False
    positions = 0
    for event in trajectory.events:
        kind = event.kind
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and isinstance(tokens.get("output"), int):
            output_tokens += tokens["output"]
            have_counts = True
        if conf.is_generated(event):
            for key in ("token_confidence", "top_logprobs", "logprobs"):
                value = event.get(key)
                if isinstance(value, list) and value:
                    positions += len(value)
                    break
        if kind == "tool_call":
            tool = event.get("tool") or UNKNOWN_TOOL
            calls[tool] += 1
            if isinstance(event.get("call_id"), str):
                tool_by_call[event.get("call_id")] = tool
        elif kind == "tool_result" and event.get("ok") is False:
            errors[tool_by_call.get(event.get("call_id")) or event.get("tool") or UNKNOWN_TOOL] += 1
    return TrajectoryRecord(
        id=trajectory.id,
        task_id=task_id if isinstance(task_id, str) and task_id else None,
        success=success if isinstance(success, bool) else None,
        confidence=prob.value if prob is not None else None,
        confidence_basis=prob.basis if prob is not None else None,
        steps=len(trajectory.events),
        tokens=output_tokens if have_counts else (positions or None),
        tool_calls=dict(calls),
        tool_errors=dict(errors),
    )


# ---------------------------------------------------------------- results (data only)


@dataclass(frozen=True)
class PassK:
    """pass@k and pass^k at one k, over the `tasks` that have at least k judged trials."""

    k: int
    pass_at: float | None
    pass_hat: float | None
    tasks: int


@dataclass(frozen=True)
class TaskPass:
    task_id: str
    n: int
    c: int
    pass_at: tuple[float | None, ...]  # one per k of StatsResult.ks
    pass_hat: tuple[float | None, ...]


@dataclass(frozen=True)
class CalibrationBin:
    lo: float
    hi: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Calibration:
    n: int
    brier: float
    ece: float
    bins: tuple[CalibrationBin, ...]
    bases: Mapping[str, int]


@dataclass(frozen=True)
class ToolCount:
    tool: str
    calls: int
    errors: int


@dataclass(frozen=True)
class Distribution:
    count: int
    median: float
    p90: float
    max: float
    mean: float


@dataclass(frozen=True)
class StatsResult:
    config: StatsConfig
    convention: str
    trajectories: int
    judged: int  # with a verdict
    successes: int
    without_task: int
    ks: tuple[int, ...]
    overall: tuple[PassK, ...]
    per_task: tuple[TaskPass, ...]
    calibration: Calibration | None
    tools: tuple[ToolCount, ...]
    steps: Distribution | None
    tokens: Distribution | None


# ---------------------------------------------------------------- computation


def pass_hat_k(n: int, c: int, k: int) -> float | None:
    """C(c,k)/C(n,k): the chance that k trials drawn without replacement all succeed; None when n < k."""
    return None if n < k or k < 1 else math.comb(c, k) / math.comb(n, k)


def pass_at_k(n: int, c: int, k: int) -> float | None:
    """1 − C(n−c,k)/C(n,k): the chance that at least one of k trials succeeds; None when n < k."""
    return None if n < k or k < 1 else 1.0 - math.comb(n - c, k) / math.comb(n, k)


def distribution(values: list[float]) -> Distribution | None:
    if not values:
        return None
    arr = np.asarray(values, dtype=np.float64)
    return Distribution(int(arr.size), float(np.median(arr)), float(np.percentile(arr, 90)), float(arr.max()),
                        float(arr.mean()))


def calibration(confidences: np.ndarray, outcomes: np.ndarray, bins: int = 10,
                bases: Mapping[str, int] | None = None) -> Calibration | None:
    """Brier score and ECE over equal-width bins of [0, 1] (the last bin includes 1.0)."""
    p = np.asarray(confidences, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    if p.size == 0:
        return None
    index = np.clip(np.floor(p * bins).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    conf_sum = np.bincount(index, weights=p, minlength=bins)
    hit_sum = np.bincount(index, weights=y, minlength=bins)
    edges = np.linspace(0.0, 1.0, bins + 1)
    table = []
    ece = 0.0
    for b in range(bins):
        if counts[b]:
            mean_c, acc = conf_sum[b] / counts[b], hit_sum[b] / counts[b]
            ece += counts[b] / p.size * abs(acc - mean_c)
            table.append(CalibrationBin(float(edges[b]), float(edges[b + 1]), int(counts[b]), float(mean_c),
                                        float(acc)))
        else:
            table.append(CalibrationBin(float(edges[b]), float(edges[b + 1]), 0, None, None))
    return Calibration(int(p.size), float(np.mean((p - y) ** 2)), float(ece), tuple(table), dict(bases or {}))


def compute(items: Iterable[Trajectory | TrajectoryRecord], config: StatsConfig = StatsConfig()) -> StatsResult:
    """All statistics over trajectories or records, streamed once."""
    per_task: dict[str, list[int]] = {}  # task → [n, c]
    calls: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    steps: list[float] = []
    tokens: list[float] = []
    probs: list[float] = []
    hits: list[float] = []
    bases: Counter[str] = Counter()
    total = judged = successes = without_task = 0
    for item in items:
        rec = item if isinstance(item, TrajectoryRecord) else record(item, config)
        total += 1
        steps.append(rec.steps)
        if rec.tokens is not None:
            tokens.append(rec.tokens)
        calls.update(rec.tool_calls)
        errors.update(rec.tool_errors)
        if rec.success is None:
            continue
        judged += 1
        successes += rec.success
        if rec.task_id is None:
            without_task += 1
        else:
            counts = per_task.setdefault(rec.task_id, [0, 0])
            counts[0] += 1
            counts[1] += rec.success
        if rec.confidence is not None:
            probs.append(rec.confidence)
            hits.append(float(rec.success))
            bases[rec.confidence_basis or "unknown"] += 1

    if config.ks is not None:
        ks = tuple(sorted(set(config.ks)))
    elif per_task:
        ks = tuple(range(1, min(min(n for n, _ in per_task.values()), config.max_k) + 1))
    else:
        ks = ()
    task_rows = tuple(
        TaskPass(task_id, n, c, tuple(pass_at_k(n, c, k) for k in ks), tuple(pass_hat_k(n, c, k) for k in ks))
        for task_id, (n, c) in sorted(per_task.items(), key=lambda kv: _natural(kv[0]))
    )
    overall = []
    for i, k in enumerate(ks):
        at = [value for row in task_rows if (value := row.pass_at[i]) is not None]
        hat = [value for row in task_rows if (value := row.pass_hat[i]) is not None]
        overall.append(PassK(k, sum(at) / len(at) if at else None, sum(hat) / len(hat) if hat else None, len(hat)))
    tools = tuple(ToolCount(tool, calls[tool], errors[tool])
                  for tool in sorted(set(calls) | set(errors), key=lambda t: (-calls[t], t)))
    return StatsResult(
        config=config, convention=CONVENTION, trajectories=total, judged=judged, successes=successes,
        without_task=without_task, ks=ks, overall=tuple(overall), per_task=task_rows,
        calibration=calibration(np.asarray(probs), np.asarray(hits), config.bins, bases),
        tools=tools, steps=distribution(steps), tokens=distribution(tokens),
    )


def _natural(text: str) -> tuple:
    """Sort key putting "task-2" before "task-10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))
