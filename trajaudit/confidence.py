"""Confidence of a trace, token by token or step by step, with DeepConf's definitions (arXiv 2508.15260).

Where the numbers come from, in order of preference (one basis per trajectory, never mixed):

1. `token_confidence` — per-token confidences a producer already computed (DeepConf's C, e.g. the deepconf importer);
2. `top_logprobs` — token confidence C = −mean of the top-k logprobs at that position (higher = more confident);
3. `logprobs` — fallback: the chosen token's logprob itself (≤ 0, higher = more confident; a different scale);
4. `confidence` — a stated confidence in [0, 1] per step; windows then count steps, not tokens.

Tokens are those of generated events (assistant messages, reasoning, tool calls) concatenated in step order;
stated confidences may sit on any event. `TraceConfidence.steps` maps every position back to its step.

Group confidence is the mean over a sliding window of `window` positions (2048 tokens, or `step_window` steps), via
cumulative sums. Trace scores, as in the reference code (facebookresearch/deepconf):
- `mean` — mean of all positions;
- `lowest_group` — the lowest window;
- `bottom10` — mean of the lowest 10% of windows (at least one);
- `tail` — mean of the last `window` positions.
Edge cases follow the reference: a trace shorter than the window has one group, the mean of all positions; an empty
trace has the single group 0.0 and all scores 0.0. Unlike the reference, values are not rounded to 3 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain
from typing import Any, NamedTuple

from trajaudit.context import events_by_kind, per_trajectory
from trajaudit.lazy import np
from trajaudit.model import Event, StepConfidence, Trajectory
from trajaudit.records import dataclass

DEFAULT_WINDOW = 2048
DEFAULT_STEP_WINDOW = 5
DEFAULT_BOTTOM = 0.1
SCORES = ("mean", "lowest_group", "bottom10", "tail")
GENERATED_KINDS = ("reasoning", "tool_call")

BASIS_PRECOMPUTED = "precomputed token confidence"
BASIS_TOPK = "top-k"
BASIS_LOGPROB = "chosen-token logprob"
BASIS_STATED = "stated confidence"


@dataclass(frozen=True, eq=False)
class TraceConfidence:
    """Confidence of one trace: per-position values, sliding-window groups and the four trace scores.

    `values[i]` is the confidence at position i (a token, or a step for stated confidence); `steps[i]` the step of the
    event it came from. `groups[j]` is the mean of `values[j : j + window]` (one group when the trace is shorter than
    the window). `basis` says where the numbers came from, e.g. "top-k (k=20)"; `k` is None unless top-k logprobs
    (or precomputed confidences with a stated k) were used.
    """

    values: np.ndarray
    steps: np.ndarray
    groups: np.ndarray
    window: int
    unit: str  # "token" or "step"
    basis: str
    k: int | None
    mean: float
    lowest_group: float
    bottom10: float
    tail: float
    events_used: int = 0
    events_without: int = 0  # generated events that carried none of the chosen basis' data

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def full_windows(self) -> bool:
        """True when the groups are real sliding windows (the trace is at least one window long)."""
        return self.n >= self.window

    @property
    def scores(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SCORES}

    def group_end(self, j: int) -> int:
        """Index of the last position of group j (for a short trace, its last position)."""
        return min(j + self.window, self.n) - 1 if self.n else 0

    def group_step(self, j: int) -> int | None:
        """The step at which group j is complete: the step of its last position."""
        return int(self.steps[self.group_end(j)]) if self.n else None

    def first_below(self, threshold: float) -> int | None:
        """Index of the first full window whose group confidence is below `threshold`; None if none.

        This is where DeepConf's online rule stops generation. A trace shorter than the window is never stopped
        during generation (its single group is judged only when it ends); see `below_at_end`.
        """
        if not self.full_windows:
            return None
        hits = np.flatnonzero(self.groups < threshold)
        return int(hits[0]) if hits.size else None

    def below_at_end(self, threshold: float) -> bool:
        """Whether the finished trace's lowest group is below `threshold` (DeepConf drops it from voting)."""
        return bool(self.lowest_group < threshold)


def per_step(trace: TraceConfidence) -> tuple[np.ndarray, np.ndarray]:
    """(steps, mean confidence of each step's positions), in step order: what a per-step sparkline draws."""
    if trace.n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    steps, inverse = np.unique(trace.steps, return_inverse=True)
    sums = np.bincount(inverse, weights=trace.values)
    counts = np.bincount(inverse)
    return steps, sums / counts


def step_confidence(trajectory: Trajectory) -> StepConfidence | None:
    """The trajectory's confidence per step (`per_step` of `from_trajectory`), for the text view; None when it
    carries no confidence data.

    Values a log gives as they are (stated confidences, precomputed token confidences) are averaged here without
    numpy, in the order numpy adds them: a step's values one after the other (`np.bincount`), the trace's by
    numpy's pairwise sum (`_pairwise_sum`, what `ndarray.mean` adds with), so the numbers are the same to the bit
    (tests compare them) and the text view of such a log does not import numpy (350 M instructions)."""
    inputs = _inputs(trajectory)
    source = _preferred(inputs, DEFAULT_CONFIG)
    if source in GIVEN_SOURCES:
        return _given_per_step(inputs, source)
    trace = from_trajectory(trajectory)
    if trace is None or trace.n == 0:
        return None
    steps, values = per_step(trace)
    return StepConfidence(tuple(steps.tolist()), tuple(values.tolist()), int(np.argmin(values)), float(trace.mean),
                          trace.basis)


GIVEN_SOURCES = ("confidence", "token_confidence")  # confidence inputs whose values are used as they are


def _given_per_step(inputs: _Inputs, source: str) -> StepConfidence:
    """`step_confidence` of values given as they are, without numpy (see there)."""
    if source == "confidence":
        events = inputs.stated
        positions = [(event[5], float(event[2][source])) for event in events]
    else:
        events = inputs.carrying[source]
        positions = [(event[5], float(value)) for event in events for value in event[2][source]]
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for step, value in positions:
        sums[step] = sums.get(step, 0.0) + value
        counts[step] = counts.get(step, 0) + 1
    steps = sorted(sums)
    means = [sums[step] / counts[step] for step in steps]
    values = [value for _, value in positions]
    lowest = min(range(len(means)), key=means.__getitem__)  # the first of the lowest, as np.argmin
    return StepConfidence(tuple(steps), tuple(means), lowest, _pairwise_sum(values, 0, len(values)) / len(values),
                          _basis(source, _stated_k(events) if source == "token_confidence" else None))


def _pairwise_sum(values: Sequence[float], start: int, n: int) -> float:
    """The sum of `values[start : start + n]` as numpy adds a float64 array (its pairwise_sum in loops_utils.h):
    fewer than 8 one by one; up to 128 in 8 running sums, then the rest; more in two halves (the first a multiple
    of 8)."""
    if n < 8:
        total = 0.0
        for value in values[start : start + n]:
            total += value
        return total
    if n <= 128:
        r = list(values[start : start + 8])
        for i in range(8, n - n % 8, 8):
            block = start + i
            r[0] += values[block]
            r[1] += values[block + 1]
            r[2] += values[block + 2]
            r[3] += values[block + 3]
            r[4] += values[block + 4]
            r[5] += values[block + 5]
            r[6] += values[block + 6]
            r[7] += values[block + 7]
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for value in values[start + n - n % 8 : start + n]:
            total += value
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values, start, half) + _pairwise_sum(values, start + half, n - half)


# ---------------------------------------------------------------- pure array functions (the reference definitions)


def token_confidence(top_logprobs: np.ndarray) -> np.ndarray:
    """DeepConf token confidence: −mean of the top-k logprobs per row of an (n, k) array."""
    arr = np.asarray(top_logprobs, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected an (n, k) array of logprobs, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:  # no positions, or positions without alternatives: skipped
        return np.zeros(0, dtype=np.float64)
    # a matrix-vector product sums the k values per row (BLAS), several times faster than mean(axis=1) for small k
    return -(arr @ np.ones(arr.shape[1])) / arr.shape[1]


def ragged_token_confidence(rows: Sequence[Sequence[float]]) -> tuple[np.ndarray, int | None]:
    """Token confidences for per-position top-k lists that may differ in length; returns (values, k or None if mixed).

    Empty rows (no alternatives recorded) are skipped, as the reference skips positions without logprobs.
    """
    if not rows:
        return np.zeros(0, dtype=np.float64), None
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    shortest, longest = int(lengths.min()), int(lengths.max())
    if longest == 0:
        return np.zeros(0, dtype=np.float64), None
    total = int(lengths.sum())
    # fromiter on the flattened rows builds the array faster than asarray on a list of lists
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=total)
    if shortest == longest:
        return token_confidence(flat.reshape(len(rows), longest)), longest
    keep = lengths > 0
    kept = lengths[keep]
    starts = np.concatenate(([0], np.cumsum(kept)[:-1]))
    sums = np.add.reduceat(flat, starts)
    ks = np.unique(kept)
    return -sums / kept, (int(ks[0]) if ks.size == 1 else None)


def sliding_means(values: np.ndarray, window: int) -> np.ndarray:
    """Group confidences: the mean of every window of `window` consecutive values (reference compute_least_grouped).

    Shorter than the window → one group, the mean of all; empty → [0.0].
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    x = np.asarray(values, dtype=np.float64)
    n = x.shape[0]
    if n == 0:
        return np.zeros(1, dtype=np.float64)
    if n < window:
        return np.array([x.mean()])
    csum = np.empty(n + 1, dtype=np.float64)
    csum[0] = 0.0
    np.cumsum(x, out=csum[1:])
    return (csum[window:] - csum[:-window]) / window


def bottom_mean(groups: np.ndarray, fraction: float = DEFAULT_BOTTOM) -> float:
    """Mean of the lowest `fraction` of groups, at least one (reference calculate_bottom_window_confidence)."""
    g = np.asarray(groups, dtype=np.float64)
    if g.size == 0:
        return 0.0
    count = max(1, int(g.size * fraction))
    if count == 1:
        return float(g.min())
    return float(np.partition(g, count - 1)[:count].mean())


def trace_scores(
    values: np.ndarray, window: int, bottom: float = DEFAULT_BOTTOM
) -> tuple[np.ndarray, dict[str, float]]:
    """(groups, scores) for one trace's per-position confidences, with the reference's edge cases."""
    x = np.asarray(values, dtype=np.float64)
    if 0 < x.size < window:  # one group, the mean of all: every score is that same mean
        mean = x.mean()
        return np.array([mean]), dict.fromkeys(SCORES, float(mean))
    groups = sliding_means(x, window)
    if x.size == 0:
        return groups, dict.fromkeys(SCORES, 0.0)
    return groups, {
        "mean": float(x.mean()),
        "lowest_group": float(groups.min()),
        "bottom10": float(x.mean()) if x.size < window else bottom_mean(groups, bottom),
        "tail": float(x[-window:].mean()),
    }


def build(
    values: np.ndarray,
    steps: np.ndarray | None = None,
    *,
    window: int = DEFAULT_WINDOW,
    unit: str = "token",
    basis: str = BASIS_TOPK,
    k: int | None = None,
    bottom: float = DEFAULT_BOTTOM,
    events_used: int = 0,
    events_without: int = 0,
) -> TraceConfidence:
    """A TraceConfidence from per-position values (steps default to 0..n-1)."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    st = np.arange(x.size, dtype=np.int64) if steps is None else np.asarray(steps, dtype=np.int64)
    groups, scores = trace_scores(x, window, bottom)
    return TraceConfidence(
        values=x, steps=st, groups=groups, window=window, unit=unit, basis=basis, k=k,
        events_used=events_used, events_without=events_without, **scores,
    )


# ---------------------------------------------------------------- from a trajectory


@dataclass(frozen=True)
class ConfidenceConfig:
    """How to read confidence from a trajectory."""

    window: int = DEFAULT_WINDOW  # tokens per group
    step_window: int = DEFAULT_STEP_WINDOW  # steps per group when only stated confidence exists
    bottom: float = DEFAULT_BOTTOM  # fraction of lowest groups averaged by `bottom10`
    prefer: tuple[str, ...] = ("token_confidence", "top_logprobs", "logprobs", "confidence")


DEFAULT_CONFIG = ConfidenceConfig()


def is_generated(event: Event) -> bool:
    """Events whose tokens the model generated: assistant messages, reasoning, tool calls."""
    return event.kind in GENERATED_KINDS or event.is_assistant_message


def _nonempty_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def from_trajectory(trajectory: Trajectory, config: ConfidenceConfig = DEFAULT_CONFIG) -> TraceConfidence | None:
    """The trajectory's confidence from the best source it carries; None when it carries no confidence data."""
    return _from_trajectory(trajectory, config)


@per_trajectory
def _from_trajectory(trajectory: Trajectory, config: ConfidenceConfig) -> TraceConfidence | None:
    inputs = _inputs(trajectory)
    source = _preferred(inputs, config)
    return None if source is None else _from_source(trajectory, inputs, source, config)


LIST_SOURCES = ("token_confidence", "top_logprobs", "logprobs")


class _Inputs(NamedTuple):  # built for every trajectory: a tuple is built faster than a frozen dataclass
    stated: list[Event]  # events with a finite numeric `confidence`, in trajectory order
    carrying: dict[str, list[Event]]  # per LIST_SOURCES name: the generated events with a non-empty list of it
    present: set[str]  # which confidence inputs the trajectory carries


@per_trajectory
def _inputs(trajectory: Trajectory) -> _Inputs:
    """The trajectory's confidence inputs, in one pass over its events (read by TA301 and TA304)."""
    stated: list[Event] = []
    carrying: dict[str, list[Event]] = {source: [] for source in LIST_SOURCES}
    for event in trajectory.events:
        data = event[2]
        # most events carry none of the four keys: four lookups pass them over, faster than one set test
        if not ("confidence" in data or "token_confidence" in data or "top_logprobs" in data or "logprobs" in data):
            continue
        if "confidence" in data and _is_number(data["confidence"]):
            stated.append(event)
        kind = event[4]
        if kind in GENERATED_KINDS or (kind == "message" and data.get("role") == "assistant"):  # is_generated
            for source in LIST_SOURCES:
                if source in data and _nonempty_list(data[source]):
                    carrying[source].append(event)
    present = {source for source, events in carrying.items() if events}
    if stated:
        present.add("confidence")
    return _Inputs(stated, carrying, present)


def _generated(trajectory: Trajectory) -> int:
    """How many generated events (`is_generated`) the trajectory has, counted in its events grouped by kind."""
    groups = events_by_kind(trajectory)
    roles = [event[2].get("role") for event in groups["message"]]
    return sum(len(groups[kind]) for kind in GENERATED_KINDS) + roles.count("assistant")


def _preferred(inputs: _Inputs, config: ConfidenceConfig) -> str | None:
    """The confidence input `from_trajectory` reads: the first of `config.prefer` present; None without any."""
    for source in config.prefer:
        if source in inputs.present:
            return source
    return None


def extent(trajectory: Trajectory, config: ConfidenceConfig = ConfidenceConfig()) -> tuple[int, int] | None:
    """(positions, window) of the trace `from_trajectory` would build, counted without building it; None when the
    trajectory carries no confidence data. A caller that judges only full windows can skip short traces with it."""
    inputs = _inputs(trajectory)
    source = _preferred(inputs, config)
    if source is None:
        return None
    if source == "confidence":
        return len(inputs.stated), config.step_window
    lists = [e[2][source] for e in inputs.carrying[source]]
    if source == "top_logprobs":  # positions without alternatives are skipped (ragged_token_confidence)
        lengths = list(map(len, chain.from_iterable(lists)))
        return len(lengths) - lengths.count(0), config.window
    return sum(map(len, lists)), config.window


def fills_window(trajectory: Trajectory, config: ConfidenceConfig = DEFAULT_CONFIG) -> bool:
    """Whether the trace `from_trajectory` would build is at least one window long (False without confidence data):
    `extent`'s question, answered without counting top-k positions when the events' lists are already too short."""
    inputs = _inputs(trajectory)
    source = _preferred(inputs, config)
    if source is None:
        return False
    if source == "confidence":
        return len(inputs.stated) >= config.step_window
    # one position per list item at most (top-k positions without alternatives are skipped)
    if sum([len(e[2][source]) for e in inputs.carrying[source]]) < config.window:
        return False
    size = extent(trajectory, config)
    return size is not None and size[0] >= size[1]


def _from_source(trajectory: Trajectory, inputs: _Inputs, source: str, config: ConfidenceConfig) -> TraceConfidence:
    if source == "confidence":
        events = inputs.stated
        values = np.fromiter((e[2]["confidence"] for e in events), dtype=np.float64, count=len(events))
        steps = np.fromiter((e[5] for e in events), dtype=np.int64, count=len(events))
        return build(values, steps, window=config.step_window, unit="step", basis=BASIS_STATED,
                     bottom=config.bottom, events_used=len(events))

    carrying = inputs.carrying[source]
    event_steps = np.fromiter((e[5] for e in carrying), dtype=np.int64, count=len(carrying))
    per_event = np.fromiter((len(e[2][source]) for e in carrying), dtype=np.int64, count=len(carrying))
    if source == "top_logprobs":
        # all events' rows at once: numpy's per-call cost would otherwise be paid per event
        rows = list(chain.from_iterable(e[2][source] for e in carrying))
        values, k = ragged_token_confidence(rows)
        steps = np.repeat(event_steps, per_event)
        if values.shape[0] != len(rows):  # empty rows were skipped: drop their steps too
            steps = steps[np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)) > 0]
    else:
        values = np.fromiter(chain.from_iterable(e[2][source] for e in carrying), dtype=np.float64,
                             count=int(per_event.sum()))
        steps = np.repeat(event_steps, per_event)
        k = _stated_k(carrying) if source == "token_confidence" else None
    return build(values, steps, window=config.window, unit="token", basis=_basis(source, k), k=k,
                 bottom=config.bottom, events_used=len(carrying), events_without=_generated(trajectory) - len(carrying))


def _stated_k(carrying: list[Event]) -> int | None:
    """The k precomputed token confidences state they were computed with (`confidence_k`), when all say the same."""
    ks = {e.get("confidence_k") if isinstance(e.get("confidence_k"), int) else None for e in carrying}
    return next(iter(ks)) if len(ks) == 1 else None


def _basis(source: str, k: int | None) -> str:
    if source == "top_logprobs":
        return f"{BASIS_TOPK} (k={k})" if k is not None else f"{BASIS_TOPK} (k varies)"
    if source == "token_confidence":
        return f"{BASIS_PRECOMPUTED} (k={k})" if k is not None else BASIS_PRECOMPUTED
    if source == "confidence":
        return BASIS_STATED
    return BASIS_LOGPROB


# ---------------------------------------------------------------- a probability-like confidence per trajectory


@dataclass(frozen=True)
class Probability:
    """A confidence in [0, 1] for a whole trajectory, for calibration and TA304, and where it came from."""

    value: float
    basis: str  # "stated confidence (last)", "geometric-mean chosen-token probability", ...


def probability(trajectory: Trajectory, source: str = "auto") -> Probability | None:
    """A [0, 1] confidence for the whole trajectory, or None.

    "stated": the last stated `confidence`. "derived": exp(mean chosen-token logprob) over generated tokens, else
    exp(mean of the top logprob per position) when only top-k lists exist (DeepConf's C is not a probability, so
    precomputed token confidences give None). "auto": stated if any, else derived.
    """
    if source not in ("auto", "stated", "derived"):
        raise ValueError(f"unknown confidence source {source!r}")
    inputs = _inputs(trajectory)
    if source != "derived":
        if inputs.stated:
            return Probability(float(inputs.stated[-1][2]["confidence"]), "stated confidence (last)")
        if source == "stated":
            return None
    if "logprobs" in inputs.present:
        chosen = [value for e in inputs.carrying["logprobs"] for value in e[2]["logprobs"]]
        return Probability(_exp_mean(chosen), "geometric-mean chosen-token probability")
    # the top logprob of every position of every event
    best = [max(r) for e in inputs.carrying["top_logprobs"] for r in e[2]["top_logprobs"] if r]
    if best:
        return Probability(_exp_mean(best), "geometric-mean top-token probability")
    return None


def _exp_mean(logprobs: list[float]) -> float:
    """exp of the mean of a non-empty list of log-probabilities, in plain Python: TA304 needs one per failed run, and
    numpy's import would cost more than all of them (350 M instructions, ~0.1 s in every process of a run). The sum
    is math.fsum's, correctly rounded, so the value does not depend on the order of summation or on the machine
    (numpy's vectorised exp differs from the C library's by an ulp on some CPUs)."""
    count = len(logprobs)
    try:
        mean = math.fsum(logprobs) / count
    except OverflowError:  # the sum leaves the float range, the mean does not
        mean = math.fsum(value / count for value in logprobs)
    try:
        return math.exp(mean)
    except OverflowError:  # positive logprobs, which a valid log does not hold: as numpy, inf
        return math.inf


def batch_scores(values: np.ndarray, window: int, bottom: float = DEFAULT_BOTTOM) -> dict[str, np.ndarray]:
    """Scores of many equal-length traces at once: `values` is (traces, positions); same definitions as
    `trace_scores`, vectorised across traces (the benchmark's path, and for callers holding a matrix)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("expected a (traces, positions) array")
    b, n = x.shape
    if n == 0:
        zero = np.zeros(b)
        return {name: zero.copy() for name in SCORES}
    mean = x.mean(axis=1)
    if n < window:
        return {"mean": mean, "lowest_group": mean.copy(), "bottom10": mean.copy(), "tail": mean.copy()}
    csum = np.zeros((b, n + 1))
    np.cumsum(x, axis=1, out=csum[:, 1:])
    groups = (csum[:, window:] - csum[:, :-window]) / window
    count = max(1, int(groups.shape[1] * bottom))
    lowest = groups.min(axis=1)
    bottom_part = lowest if count == 1 else np.partition(groups, count - 1, axis=1)[:, :count].mean(axis=1)
    tail = (csum[:, n] - csum[:, n - window]) / window
    return {"mean": mean, "lowest_group": lowest, "bottom10": bottom_part, "tail": tail}
