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

Diversity: per task, the runs' action-sequence *shapes* — their actions in order, read as `trajaudit.divergence`
reads them (a tool call is its tool and normalised arguments; a message one symbol per role) — counted by
`shapes` (distinct), their Shannon entropy H = −Σ p·log2 p in bits (p = a shape's share of the task's runs; 0 when
every run did the same, log2 n when n runs all differ) and the dominant (most common) shape's share. Overall figures
are means over the tasks with at least two runs (a task run once has nothing to vary), and `single_shape` counts
those tasks whose runs all took one shape. `compare` sets two inputs side by side (e.g. a model before and after
RL): a fall in entropy and a rise in the dominant share on the same tasks is diversity collapsing. Entropy is bounded
by log2 of the runs, so compare inputs with the same number of runs per task.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import field, replace

import numpy as np

from trajaudit import confidence as conf
from trajaudit import divergence
from trajaudit.model import Trajectory
from trajaudit.records import dataclass

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
    shape: str | None = None  # digest of the action sequence (`divergence.shape`)


def record(trajectory: Trajectory, config: StatsConfig = StatsConfig()) -> TrajectoryRecord:
    """Summarise one trajectory for the statistics."""
    task_id, success = divergence.identify(trajectory)  # τ² tasks as domain/task_id: airline 10 is not retail 10
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
        task_id=task_id,
        success=success,
        confidence=prob.value if prob is not None else None,
        confidence_basis=prob.basis if prob is not None else None,
        steps=len(trajectory.events),
        tokens=output_tokens if have_counts else (positions or None),
        tool_calls=dict(calls),
        tool_errors=dict(errors),
        shape=divergence.shape(trajectory),
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
class TaskDiversity:
    task_id: str
    runs: int  # runs of the task (with or without a verdict)
    shapes: int  # distinct action sequences among them
    entropy: float  # bits
    dominant_share: float  # the most common shape's share of the runs


@dataclass(frozen=True)
class Diversity:
    """Per task and overall; the overall figures are means over `tasks_compared`, the tasks with two runs or more."""

    tasks: tuple[TaskDiversity, ...]
    runs: int
    tasks_compared: int
    shapes: int  # distinct shapes summed over the tasks compared
    mean_shapes: float | None
    mean_entropy: float | None
    mean_dominant_share: float | None
    single_shape: int  # tasks compared whose runs all took the same actions


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
    diversity: Diversity | None = None
    comparison: Comparison | None = None  # set by `compare`: this input against a reference input


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
    shapes: dict[str, Counter[str]] = {}  # task → shape → runs
    total = judged = successes = without_task = 0
    for item in items:
        rec = item if isinstance(item, TrajectoryRecord) else record(item, config)
        total += 1
        steps.append(rec.steps)
        if rec.tokens is not None:
            tokens.append(rec.tokens)
        calls.update(rec.tool_calls)
        errors.update(rec.tool_errors)
        if rec.task_id is not None and rec.shape is not None:
            shapes.setdefault(rec.task_id, Counter())[rec.shape] += 1
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
    diversity = diversity_of(shapes)
    tools = tuple(ToolCount(tool, calls[tool], errors[tool])
                  for tool in sorted(set(calls) | set(errors), key=lambda t: (-calls[t], t)))
    return StatsResult(
        config=config, convention=CONVENTION, trajectories=total, judged=judged, successes=successes,
        without_task=without_task, ks=ks, overall=tuple(overall), per_task=task_rows,
        calibration=calibration(np.asarray(probs), np.asarray(hits), config.bins, bases),
        tools=tools, steps=distribution(steps), tokens=distribution(tokens), diversity=diversity,
    )


def entropy(counts: Iterable[int]) -> float:
    """Shannon entropy in bits of a distribution given by counts: −Σ p·log2 p."""
    values = [c for c in counts if c > 0]
    n = sum(values)
    return 0.0 - sum(c / n * math.log2(c / n) for c in values) if n else 0.0  # 0.0 - : never -0.0


def diversity_of(shapes: Mapping[str, Counter[str]]) -> Diversity | None:
    """Diversity per task (natural order) and overall, from each task's counts of shapes; None without tasks."""
    if not shapes:
        return None
    rows = tuple(
        TaskDiversity(task, sum(counts.values()), len(counts), entropy(counts.values()),
                      max(counts.values()) / sum(counts.values()))
        for task, counts in sorted(shapes.items(), key=lambda kv: _natural(kv[0]))
    )
    compared = [row for row in rows if row.runs >= 2]

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return Diversity(
        tasks=rows, runs=sum(row.runs for row in rows), tasks_compared=len(compared),
        shapes=sum(row.shapes for row in compared), mean_shapes=mean([row.shapes for row in compared]),
        mean_entropy=mean([row.entropy for row in compared]),
        mean_dominant_share=mean([row.dominant_share for row in compared]),
        single_shape=sum(1 for row in compared if row.shapes == 1),
    )


@dataclass(frozen=True)
class TaskChange:
    """One task in both inputs: its diversity in the reference (`before`) and in this input (`after`)."""

    task_id: str
    runs_before: int
    runs_after: int
    shapes_before: int
    shapes_after: int
    entropy_before: float
    entropy_after: float
    dominant_before: float
    dominant_after: float


@dataclass(frozen=True)
class Comparison:
    """This input against a reference: success and diversity on the tasks both hold with two runs or more each.
    `collapsed` counts tasks with several shapes before and one after; `narrower` / `wider` / `unchanged` count tasks
    whose entropy fell / rose / stayed (within 1e-9)."""

    reference: str  # how the reference was named (its paths)
    trajectories_before: int
    judged_before: int
    successes_before: int
    pass1_before: float | None
    pass1_after: float | None
    tasks: tuple[TaskChange, ...]
    mean_entropy_before: float | None
    mean_entropy_after: float | None
    mean_dominant_before: float | None
    mean_dominant_after: float | None
    narrower: int
    wider: int
    unchanged: int
    collapsed: int


def compare(after: StatsResult, before: StatsResult, reference: str) -> StatsResult:
    """`after` with its comparison against `before` (a reference input: another model, the model before RL)."""
    theirs = {row.task_id: row for row in (before.diversity.tasks if before.diversity else ()) if row.runs >= 2}
    changes = tuple(
        TaskChange(row.task_id, old.runs, row.runs, old.shapes, row.shapes, old.entropy, row.entropy,
                   old.dominant_share, row.dominant_share)
        for row in (after.diversity.tasks if after.diversity else ())
        if row.runs >= 2 and (old := theirs.get(row.task_id)) is not None
    )

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    def pass1(result: StatsResult) -> float | None:
        return next((p.pass_hat for p in result.overall if p.k == 1), None)

    delta = [c.entropy_after - c.entropy_before for c in changes]
    comparison = Comparison(
        reference=reference, trajectories_before=before.trajectories, judged_before=before.judged,
        successes_before=before.successes, pass1_before=pass1(before), pass1_after=pass1(after), tasks=changes,
        mean_entropy_before=mean([c.entropy_before for c in changes]),
        mean_entropy_after=mean([c.entropy_after for c in changes]),
        mean_dominant_before=mean([c.dominant_before for c in changes]),
        mean_dominant_after=mean([c.dominant_after for c in changes]),
        narrower=sum(1 for d in delta if d < -1e-9), wider=sum(1 for d in delta if d > 1e-9),
        unchanged=sum(1 for d in delta if abs(d) <= 1e-9),
        collapsed=sum(1 for c in changes if c.shapes_before > 1 and c.shapes_after == 1),
    )
    return replace(after, comparison=comparison)


def _natural(text: str) -> tuple:
    """Sort key putting "task-2" before "task-10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))
