"""Replay confidence-based voting and early stopping (DeepConf, arXiv 2508.15260) on recorded traces.

Traces are grouped by task (the `task` event's `task_id`); each has an answer (the `outcome` event's `answer`, else
the text of the last assistant message), a verdict (outcome `success`) and a confidence (see `trajaudit.confidence`).

Offline, per task and overall: majority vote; confidence-weighted vote by each trace score; filtering to the top η%
of traces by each score, then a weighted vote (the reference's "top10 … filtered"). Online, per task (DeepConf): the
first `warmup` traces of a seeded order set a threshold at the (100 − η)th percentile of their lowest-group
confidences (DeepConf-low keeps the top 10% → 90th percentile; DeepConf-high keeps 90% → 10th); the other traces are
replayed in that order and stopped at the first full window below the threshold; a finished trace whose lowest group
is below the threshold is dropped from the vote, as in the reference; with `consensus` set (τ, e.g. 0.95) no further
traces are sampled once the leading answer holds τ of the vote weight. Voting weights are the scores themselves,
except on the chosen-token-logprob basis (scores ≤ 0), where they are exp(score).

`run(traces, SimulateConfig(...))` returns a `SimulateResult`: plain frozen data, for `trajaudit.report.simulate`.
It keeps one small `TraceSummary` per trace (scores and the record lows of its windows), never the token arrays.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from trajaudit import confidence as conf
from trajaudit.model import Trajectory
from trajaudit.records import dataclass
from trajaudit.stats import MAX_BINS, MAX_SEED

FAMILIES = ("majority", "weighted", "filtered", "online")


@dataclass(frozen=True)
class SimulateConfig:
    """Every parameter of a simulation (each one a CLI flag)."""

    window: int = conf.DEFAULT_WINDOW  # tokens per group
    step_window: int = conf.DEFAULT_STEP_WINDOW  # steps per group when only stated confidence exists
    bottom: float = conf.DEFAULT_BOTTOM  # fraction of lowest groups in `bottom10`
    scores: tuple[str, ...] = conf.SCORES  # trace scores to weight, filter and rank by
    keep_percents: tuple[float, ...] = (10.0, 90.0)  # offline: keep the top η% by each score
    warmup: int = 16  # online: warm-up traces per task
    online_keep: tuple[float, ...] = (10.0, 90.0)  # online: 10 = DeepConf-low, 90 = DeepConf-high
    online_score: str = "lowest_group"  # the warm-up score the threshold is a percentile of
    consensus: float | None = None  # online: stop sampling once the top answer holds this share (τ = 0.95)
    seed: int = 0  # replay order
    histogram_bins: int = 10

    def __post_init__(self) -> None:
        unknown = [s for s in (*self.scores, self.online_score) if s not in conf.SCORES]
        if unknown:
            raise ValueError(f"unknown trace score {unknown[0]!r} (expected one of {', '.join(conf.SCORES)})")
        if self.window < 1 or self.step_window < 1 or self.warmup < 1:
            raise ValueError("window, step window and warm-up must be at least 1")
        for eta in (*self.keep_percents, *self.online_keep):
            if not 0 < eta <= 100:
                raise ValueError(f"keep percentage {eta} is not in (0, 100]")
        if self.consensus is not None and not 0 < self.consensus <= 1:
            raise ValueError(f"consensus {self.consensus} is not in (0, 1]")
        if not 0 < self.bottom <= 1:  # written so that nan fails too
            raise ValueError(f"bottom fraction {self.bottom} is not in (0, 1]")
        if not 1 <= self.histogram_bins <= MAX_BINS:
            raise ValueError(f"bins {self.histogram_bins} is not in [1, {MAX_BINS}]")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed {self.seed} is not in [0, {MAX_SEED}]")


@dataclass(frozen=True, eq=False)
class TraceSummary:
    """What the simulation keeps of one trace: identity, answer, verdict, scores and the record lows of its windows.

    `lows_at[i]` is the index of a group that is lower than every group before it and `lows[i]` its value (strictly
    decreasing), so the first window below any threshold is found by a binary search without the token array.
    """

    id: str
    task_id: str
    answer: str | None
    success: bool | None
    positions: int
    unit: str
    basis: str
    window: int
    scores: Mapping[str, float]
    lows_at: np.ndarray
    lows: np.ndarray

    @property
    def full_windows(self) -> bool:
        return self.positions >= self.window

    def stop_position(self, threshold: float) -> int | None:
        """Positions generated when the online rule stops this trace (end of the first window below), or None."""
        if not self.full_windows or self.lows.size == 0:
            return None
        i = int(np.searchsorted(-self.lows, -threshold, side="right"))
        return None if i >= self.lows.size else int(self.lows_at[i]) + self.window

    def weight(self, score: str) -> float:
        value = self.scores[score]
        return math.exp(value) if self.basis == conf.BASIS_LOGPROB else value


def record_lows(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values where the running minimum of `groups` strictly drops (the first group included)."""
    g = np.asarray(groups, dtype=np.float64)
    if g.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    running = np.minimum.accumulate(g)
    at = np.flatnonzero(np.concatenate(([True], running[1:] < running[:-1])))
    return at, g[at]


def answer_of(trajectory: Trajectory) -> str | None:
    """The outcome's `answer`, else the last assistant message's text; stripped; None when empty."""
    outcome = trajectory.outcome
    if outcome is not None and isinstance(outcome.get("answer"), str) and outcome.get("answer").strip():
        return outcome.get("answer").strip()
    last = next((e for e in reversed(trajectory.events) if e.is_assistant_message), None)
    text = last.get("text") if last is not None else None
    return text.strip() if isinstance(text, str) and text.strip() else None


def summarize(trajectory: Trajectory, config: SimulateConfig = SimulateConfig()) -> TraceSummary | str:
    """The trace's summary, or the reason it cannot take part ("no task id", "no confidence data")."""
    task = trajectory.task
    task_id = task.get("task_id") if task is not None else None
    if not isinstance(task_id, str) or not task_id:
        return "no task id"
    tc = conf.from_trajectory(trajectory, conf.ConfidenceConfig(config.window, config.step_window, config.bottom))
    if tc is None:
        return "no confidence data"
    outcome = trajectory.outcome
    success = None if outcome is None or not isinstance(outcome.get("success"), bool) else outcome.get("success")
    lows_at, lows = record_lows(tc.groups if tc.full_windows else np.zeros(0))
    return TraceSummary(
        id=trajectory.id, task_id=task_id, answer=answer_of(trajectory), success=success, positions=tc.n,
        unit=tc.unit, basis=tc.basis, window=tc.window, scores=tc.scores, lows_at=lows_at, lows=lows,
    )


# ---------------------------------------------------------------- results (data only)


@dataclass(frozen=True)
class TaskOutcome:
    """One method on one task: the answer it picks, whether that is right, traces kept and positions used."""

    task_id: str
    answer: str | None
    correct: bool
    kept: int
    traces: int
    used: int
    full: int
    threshold: float | None = None


@dataclass(frozen=True)
class MethodResult:
    """One voting or stopping method over all tasks. Online-only fields are None for offline methods."""

    name: str
    family: str  # majority | weighted | filtered | online
    score: str | None
    keep_percent: float | None
    tasks: int
    correct: int
    accuracy: float
    traces: int
    kept: int
    used: int
    full: int
    saved_percent: float
    failed_stopped: int | None = None
    successful_stopped: int | None = None
    stopped_mid_trace: int | None = None
    not_sampled: int | None = None
    per_task: tuple[TaskOutcome, ...] = ()


@dataclass(frozen=True)
class Separation:
    """How well a trace score separates successful from failed traces (AUROC; 0.5 = chance; None if one class)."""

    score: str
    auroc: float | None
    successes: int
    failures: int
    mean_success: float | None
    mean_failure: float | None


@dataclass(frozen=True)
class Histogram:
    """Distribution of one trace score, split by verdict: counts per bin between `edges`."""

    score: str
    edges: tuple[float, ...]
    success: tuple[int, ...]
    failure: tuple[int, ...]


@dataclass(frozen=True)
class SimulateResult:
    config: SimulateConfig
    unit: str  # "tokens", "steps" or "positions (mixed)"
    bases: Mapping[str, int]
    tasks: int
    traces: int
    successes: int
    failures: int
    skipped: Mapping[str, int]
    methods: tuple[MethodResult, ...]
    separation: tuple[Separation, ...]
    histograms: tuple[Histogram, ...]

    def method(self, name: str) -> MethodResult:
        return next(m for m in self.methods if m.name == name)


# ---------------------------------------------------------------- voting


def vote_totals(answers: Sequence[str | None], weights: Sequence[float] | None = None) -> dict[str, float]:
    """Vote weight per non-empty answer (1 per trace without weights), in order of first appearance."""
    totals: dict[str, float] = {}
    for i, answer in enumerate(answers):
        if answer:
            totals[answer] = totals.get(answer, 0.0) + (1.0 if weights is None else float(weights[i]))
    return totals


def vote(answers: Sequence[str | None], weights: Sequence[float] | None = None) -> str | None:
    """(Weighted) majority vote over non-empty answers; ties go to the answer seen first."""
    totals = vote_totals(answers, weights)
    return max(totals, key=totals.__getitem__) if totals else None  # max keeps the first of equal keys


def is_correct(answer: str | None, traces: Sequence[TraceSummary]) -> bool:
    """An answer is right when a trace that gave it was judged successful."""
    return answer is not None and any(t.success is True and t.answer == answer for t in traces)


def auroc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Rank-based AUROC (Mann–Whitney U), ties counted half; None when a class is empty."""
    s = np.asarray(scores, dtype=np.float64)
    pos = np.asarray(positive, dtype=bool)
    n_pos = int(pos.sum())
    n_neg = int(pos.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average_rank = ends - (counts - 1) / 2.0  # 1-based mean rank of each tied block
    ranks = average_rank[inverse]
    u = ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


# ---------------------------------------------------------------- the simulation


def run(traces: Iterable[Trajectory | TraceSummary], config: SimulateConfig = SimulateConfig()) -> SimulateResult:
    """Simulate every method over trajectories (or ready summaries), streamed once."""
    by_task: dict[str, list[TraceSummary]] = {}
    skipped: Counter[str] = Counter()
    for item in traces:
        summary = item if isinstance(item, TraceSummary) else summarize(item, config)
        if isinstance(summary, str):
            skipped[summary] += 1
        else:
            by_task.setdefault(summary.task_id, []).append(summary)
    task_ids = sorted(by_task, key=natural_key)
    groups = [by_task[t] for t in task_ids]
    everything = [t for group in groups for t in group]
    units = {t.unit for t in everything}
    unit = "positions (mixed)" if len(units) > 1 else ("steps" if units == {"step"} else "tokens")

    methods: list[MethodResult] = [_offline("majority", "majority", None, None, groups, config)]
    for score in config.scores:
        methods.append(_offline(f"weighted ({score})", "weighted", score, None, groups, config))
    for eta in config.keep_percents:
        for score in config.scores:
            methods.append(_offline(f"top {eta:g}% ({score})", "filtered", score, eta, groups, config))
    for eta in config.online_keep:
        label = {10.0: "DeepConf-low", 90.0: "DeepConf-high"}.get(float(eta), "DeepConf")
        methods.append(_online(f"{label} (keep {eta:g}%)", eta, task_ids, groups, config))

    judged = [t for t in everything if t.success is not None]
    positive = np.fromiter((t.success for t in judged), dtype=bool, count=len(judged))
    separation, histograms = [], []
    for score in config.scores:
        values = np.fromiter((t.scores[score] for t in judged), dtype=np.float64, count=len(judged))
        separation.append(Separation(
            score, auroc(values, positive), int(positive.sum()), int((~positive).sum()),
            float(values[positive].mean()) if positive.any() else None,
            float(values[~positive].mean()) if (~positive).any() else None,
        ))
        histograms.append(_histogram(score, values, positive, config.histogram_bins))

    return SimulateResult(
        config=config, unit=unit, bases=dict(Counter(t.basis for t in everything)), tasks=len(groups),
        traces=len(everything), successes=int(positive.sum()), failures=int((~positive).sum()),
        skipped=dict(skipped), methods=tuple(methods), separation=tuple(separation), histograms=tuple(histograms),
    )


def _histogram(score: str, values: np.ndarray, positive: np.ndarray, bins: int) -> Histogram:
    if values.size == 0:
        return Histogram(score, (), (), ())
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    ok, _ = np.histogram(values[positive], bins=edges)
    bad, _ = np.histogram(values[~positive], bins=edges)
    return Histogram(score, tuple(float(e) for e in edges), tuple(int(c) for c in ok), tuple(int(c) for c in bad))


def _total(outcomes: Sequence[TaskOutcome], name: str, family: str, score: str | None, eta: float | None,
           **online: int) -> MethodResult:
    correct = sum(o.correct for o in outcomes)
    used, full = sum(o.used for o in outcomes), sum(o.full for o in outcomes)
    return MethodResult(
        name=name, family=family, score=score, keep_percent=eta, tasks=len(outcomes), correct=correct,
        accuracy=correct / len(outcomes) if outcomes else 0.0, traces=sum(o.traces for o in outcomes),
        kept=sum(o.kept for o in outcomes), used=used, full=full,
        saved_percent=100.0 * (full - used) / full if full else 0.0, per_task=tuple(outcomes), **online,
    )


def _offline(name: str, family: str, score: str | None, eta: float | None,
             groups: Sequence[Sequence[TraceSummary]], config: SimulateConfig) -> MethodResult:
    outcomes = []
    for traces in groups:
        full = sum(t.positions for t in traces)
        valid = [t for t in traces if t.answer]
        if family == "filtered" and valid:
            assert score is not None and eta is not None  # the caller always gives a filtered method both
            values = np.fromiter((t.scores[score] for t in valid), dtype=np.float64, count=len(valid))
            cut = np.percentile(values, 100.0 - eta)
            valid = [t for t, v in zip(valid, values, strict=True) if v >= cut]
        weights = None if score is None else [t.weight(score) for t in valid]
        answer = vote([t.answer for t in valid], weights)
        outcomes.append(TaskOutcome(traces[0].task_id, answer, is_correct(answer, traces), len(valid), len(traces),
                                    full, full))
    return _total(outcomes, name, family, score, eta)


def natural_key(text: str) -> tuple:
    """Sort key putting "task-2" before "task-10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def task_order(task_id: str, n: int, seed: int) -> np.ndarray:
    """The seeded replay order of a task's traces: stable per (seed, task), whatever other tasks are present."""
    rng = np.random.default_rng([seed, zlib.crc32(task_id.encode("utf-8"))])
    return rng.permutation(n)


def _online(name: str, eta: float, task_ids: Sequence[str], groups: Sequence[Sequence[TraceSummary]],
            config: SimulateConfig) -> MethodResult:
    outcomes = []
    failed_stopped = successful_stopped = mid = not_sampled = 0
    key = config.online_score
    for task_id, traces in zip(task_ids, groups, strict=True):
        order = [traces[i] for i in task_order(task_id, len(traces), config.seed)]
        warm, rest = order[: config.warmup], order[config.warmup:]
        threshold = float(np.percentile([t.scores[key] for t in warm], 100.0 - eta))
        answers: list[str | None] = []
        weights: list[float] = []
        used = 0
        for t in warm:
            used += t.positions
            if t.scores[key] >= threshold and t.answer:
                answers.append(t.answer)
                weights.append(t.weight(key))
        for t in rest:
            if config.consensus is not None and _consensus(answers, weights) >= config.consensus:
                not_sampled += 1
                continue
            stop = t.stop_position(threshold) if key == "lowest_group" else None
            rejected = stop is not None or t.scores[key] < threshold
            used += t.positions if stop is None else min(stop, t.positions)
            if stop is not None:
                mid += 1
            if rejected:
                failed_stopped += t.success is False
                successful_stopped += t.success is True
            elif t.answer:
                answers.append(t.answer)
                weights.append(t.weight(key))
        answer = vote(answers, weights)
        outcomes.append(TaskOutcome(task_id, answer, is_correct(answer, traces), len(answers), len(traces), used,
                                    sum(t.positions for t in traces), threshold))
    return _total(outcomes, name, "online", key, eta, failed_stopped=failed_stopped,
                  successful_stopped=successful_stopped, stopped_mid_trace=mid, not_sampled=not_sampled)


def _consensus(answers: Sequence[str | None], weights: Sequence[float]) -> float:
    """Share of the vote weight held by the leading answer (0 when nothing has voted yet)."""
    totals = vote_totals(answers, weights)
    total = sum(totals.values())
    return max(totals.values()) / total if total > 0 else 0.0
