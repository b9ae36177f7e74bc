"""Confidence definitions against hand-computed numbers and the reference's edge cases (facebookresearch/deepconf)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.harness import trajectory
from trajaudit import confidence as C
from trajaudit.model import StepConfidence


def test_token_confidence_is_minus_mean_of_top_k():
    rows = [[-0.1, -2.0, -3.9], [-1.0, -1.0, -1.0]]
    assert C.token_confidence(np.array(rows)).tolist() == pytest.approx([2.0, 1.0])


def test_ragged_top_k_rows_and_empty_positions():
    values, k = C.ragged_token_confidence([[-1.0, -3.0], [], [-2.0, -2.0, -5.0]])
    assert values.tolist() == pytest.approx([2.0, 3.0])
    assert k is None
    values, k = C.ragged_token_confidence([[-1.0, -3.0], [-2.0, -4.0]])
    assert (values.tolist(), k) == (pytest.approx([2.0, 3.0]), 2)


def test_sliding_windows_hand_computed():
    x = [1.0, 2.0, 3.0, 10.0, 0.0]
    assert C.sliding_means(np.array(x), 2).tolist() == pytest.approx([1.5, 2.5, 6.5, 5.0])
    assert C.sliding_means(np.array(x), 5).tolist() == pytest.approx([3.2])


def test_shorter_than_window_is_one_group_the_mean():
    groups, scores = C.trace_scores(np.array([4.0, 6.0, 11.0]), window=4)
    assert groups.tolist() == pytest.approx([7.0])
    assert scores == pytest.approx({"mean": 7.0, "lowest_group": 7.0, "bottom10": 7.0, "tail": 7.0})


def test_empty_trace_is_group_zero_and_scores_zero():
    groups, scores = C.trace_scores(np.zeros(0), window=3)
    assert groups.tolist() == [0.0]
    assert scores == {"mean": 0.0, "lowest_group": 0.0, "bottom10": 0.0, "tail": 0.0}


def test_scores_hand_computed():
    # 12 values, window 3 -> 10 groups; bottom 10% of 10 groups = 1 group (the lowest)
    x = np.array([9, 9, 9, 9, 1, 1, 1, 9, 9, 9, 9, 6], dtype=float)
    groups, scores = C.trace_scores(x, window=3)
    assert groups.tolist() == pytest.approx([9, 9, 19 / 3, 11 / 3, 1, 11 / 3, 19 / 3, 9, 9, 8])
    assert scores["mean"] == pytest.approx(81 / 12)
    assert scores["lowest_group"] == pytest.approx(1.0)
    assert scores["bottom10"] == pytest.approx(1.0)
    assert scores["tail"] == pytest.approx(8.0)
    # bottom 30% of 10 groups = mean of the 3 lowest: 1, 11/3, 11/3
    assert C.bottom_mean(groups, 0.3) == pytest.approx((1 + 22 / 3) / 3)


def reference_scores(confs: list[float], window: int) -> dict[str, float]:
    """The reference's loops, restated (sliding sum, int(n*0.1) lowest windows, tail = last window)."""
    if not confs:
        return dict.fromkeys(C.SCORES, 0.0)
    if len(confs) < window:
        means = [sum(confs) / len(confs)]
        bottom = float(np.mean(confs))
    else:
        means, s = [], sum(confs[:window])
        means.append(s / window)
        for i in range(1, len(confs) - window + 1):
            s = s - confs[i - 1] + confs[i + window - 1]
            means.append(s / window)
        n = max(1, int(len(means) * 0.1))
        bottom = min(means) if n == 1 else float(np.mean(np.partition(means, n - 1)[:n]))
    tail = confs[-window:] if len(confs) > window else confs
    return {"mean": float(np.mean(confs)), "lowest_group": min(means), "bottom10": bottom,
            "tail": float(np.mean(tail))}


@pytest.mark.parametrize("n,window", [(0, 4), (1, 4), (3, 4), (4, 4), (5, 4), (57, 8), (300, 16), (1000, 2048)])
def test_matches_reference_loops(n, window):
    rng = np.random.default_rng(n * 31 + window)
    x = rng.uniform(5, 20, size=n)
    _, scores = C.trace_scores(x, window)
    assert scores == pytest.approx(reference_scores(x.tolist(), window), rel=1e-9, abs=1e-12)


def test_batch_scores_equal_single_scores():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, size=(6, 100))
    batch = C.batch_scores(x, window=10)
    for i in range(6):
        _, single = C.trace_scores(x[i], 10)
        for name in C.SCORES:
            assert batch[name][i] == pytest.approx(single[name])
    short = C.batch_scores(x, window=500)
    assert short["lowest_group"] == pytest.approx(x.mean(axis=1))


def msg(**extra):
    return {"kind": "message", "role": "assistant", "text": "x", **extra}


def test_from_trajectory_top_k_concatenates_in_step_order_and_maps_steps():
    traj = trajectory([
        {"kind": "task", "task_id": "T"},
        {"kind": "message", "role": "user", "text": "q", "top_logprobs": [[-9.0, -9.0]]},  # not generated: ignored
        msg(top_logprobs=[[-1.0, -3.0], [-2.0, -2.0]]),
        {"kind": "reasoning", "text": "r", "top_logprobs": [[-4.0, -6.0]]},
        msg(),  # generated, no data
    ])
    conf = C.from_trajectory(traj, C.ConfidenceConfig(window=2))
    assert conf is not None
    assert conf.values.tolist() == pytest.approx([2.0, 2.0, 5.0])
    assert conf.steps.tolist() == [2, 2, 3]
    assert conf.groups.tolist() == pytest.approx([2.0, 3.5])
    assert (conf.basis, conf.k, conf.unit) == ("top-k (k=2)", 2, "token")
    assert (conf.events_used, conf.events_without) == (2, 1)
    assert conf.group_step(1) == 3
    assert conf.first_below(3.0) == 0 and conf.first_below(2.0) is None


def test_fallback_to_chosen_token_logprob_says_so():
    traj = trajectory([msg(logprobs=[-0.5, -1.5]), msg(top_logprobs=[])])
    conf = C.from_trajectory(traj)
    assert conf is not None
    assert conf.basis == "chosen-token logprob" and conf.k is None
    assert conf.mean == pytest.approx(-1.0)


def test_top_k_preferred_over_logprobs_and_stated():
    traj = trajectory([msg(logprobs=[-0.5], top_logprobs=[[-1.0, -2.0]], confidence=0.2)])
    conf = C.from_trajectory(traj)
    assert conf is not None and conf.basis == "top-k (k=2)" and conf.mean == pytest.approx(1.5)


def test_stated_confidence_windows_count_steps():
    traj = trajectory([{"kind": "task", "task_id": "T", "confidence": 0.9}, msg(confidence=0.8),
                       {"kind": "tool_call", "tool": "t", "call_id": "c", "arguments": {}},
                       msg(confidence=0.2), msg(confidence=0.4)])
    conf = C.from_trajectory(traj, C.ConfidenceConfig(step_window=2))
    assert conf is not None
    assert (conf.basis, conf.unit, conf.window) == ("stated confidence", "step", 2)
    assert conf.steps.tolist() == [0, 1, 3, 4]
    assert conf.groups.tolist() == pytest.approx([0.85, 0.5, 0.3])


def test_precomputed_token_confidence_with_k():
    traj = trajectory([msg(token_confidence=[10.0, 20.0], confidence_k=20)])
    conf = C.from_trajectory(traj)
    assert conf is not None and conf.basis == "precomputed token confidence (k=20)" and conf.k == 20


def test_no_confidence_data_gives_none():
    assert C.from_trajectory(trajectory([msg(), {"kind": "outcome", "success": True}])) is None
    assert C.probability(trajectory([msg()])) is None


def test_probability_stated_last_then_geometric_mean():
    assert C.probability(trajectory([msg(confidence=0.3), msg(confidence=0.7)])).value == 0.7
    p = C.probability(trajectory([msg(logprobs=[math.log(0.5), math.log(0.125)])]))
    assert p is not None and p.value == pytest.approx(0.25)
    p = C.probability(trajectory([msg(top_logprobs=[[math.log(0.5), -3.0], [-5.0, math.log(0.5)]])]))
    assert p is not None and p.value == pytest.approx(0.5)


@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 127, 129, 1000, 4099])
def test_probability_is_numpys_geometric_mean_to_the_last_bits(count):
    # TA304's probability is computed without numpy (its import costs more than every run's mean): it must be the
    # value numpy gives, up to the last bits of the sum's rounding and of numpy's vectorised exp
    rng = np.random.default_rng(count)
    logprobs = (-rng.exponential(0.3, count)).tolist()
    p = C.probability(trajectory([msg(logprobs=logprobs[: count // 2]), msg(logprobs=logprobs[count // 2 :])]))
    assert p is not None and p.value == pytest.approx(float(np.exp(np.mean(logprobs))), rel=4e-16, abs=0)
    rows = [[value, value - 1.0] for value in logprobs]
    p = C.probability(trajectory([msg(top_logprobs=rows)]))
    assert p is not None and p.value == pytest.approx(float(np.exp(np.mean(logprobs))), rel=4e-16, abs=0)


def test_probability_of_logprobs_at_the_ends_of_the_float_range():
    # a sum beyond the float range has a mean within it; a positive logprob (an invalid log) gives inf, as numpy does
    assert C.probability(trajectory([msg(logprobs=[-1e308, -1e308, -1e308])])).value == 0.0
    assert C.probability(trajectory([msg(logprobs=[-1e308, 1e308, -5.0, 0])])).value == pytest.approx(math.exp(-1.25))
    assert C.probability(trajectory([msg(logprobs=[1e308, 1e308])])).value == math.inf


@pytest.mark.parametrize("n", [*range(1, 40), 127, 128, 129, 130, 136, 255, 256, 257, 263, 1000, 4099])
def test_pairwise_sum_adds_as_numpy_does(n):
    rng = np.random.default_rng(n)
    values = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).tolist()
    assert C._pairwise_sum(values, 0, n) == float(np.add.reduce(np.array(values)))  # to the bit
    assert C._pairwise_sum(values, 0, n) / n == float(np.array(values).mean())


def _numpy_step_confidence(traj):
    """The text view's confidence per step as computed before it had a path without numpy."""
    trace = C.from_trajectory(traj)
    steps, values = C.per_step(trace)
    return StepConfidence(tuple(steps.tolist()), tuple(values.tolist()), int(np.argmin(values)), float(trace.mean),
                          trace.basis)


@settings(max_examples=200, deadline=None)
@given(
    source=st.sampled_from(["confidence", "token_confidence"]),
    events=st.lists(
        st.tuples(st.integers(0, 6), st.lists(st.floats(-40, 40, allow_nan=False), min_size=1, max_size=140),
                  st.sampled_from([None, 20, 5])),
        min_size=1, max_size=12),
)
def test_step_confidence_of_given_values_is_numpys_to_the_bit(source, events):
    # values given as they are (stated, precomputed) are averaged without numpy: the same numbers as numpy's
    built = []
    for step, values, k in events:
        if source == "confidence":
            built.append({"step": step, **msg(confidence=values[0])})
        else:
            built.append({"step": step, **msg(token_confidence=values, **({"confidence_k": k} if k else {}))})
    traj = trajectory(built)
    assert C.step_confidence(traj) == _numpy_step_confidence(traj)
