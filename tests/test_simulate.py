"""Offline voting, online early stopping and AUROC, on hand-built traces whose answers are known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.rules.harness import trajectory
from trajaudit import simulate as S
from trajaudit.simulate import SimulateConfig


def trace(tid: str, task_id: str, confs: list[float], answer: str | None, success: bool | None):
    events = [{"kind": "task", "task_id": task_id},
              {"kind": "message", "role": "assistant", "text": answer or "", "token_confidence": confs}]
    if success is not None:
        events.append({"kind": "outcome", "success": success, **({"answer": answer} if answer else {})})
    return trajectory(events, tid)


def test_vote_majority_weighted_and_first_seen_tie_break():
    assert S.vote(["a", "b", "b", None, ""]) == "b"
    assert S.vote(["a", "b"]) == "a"
    assert S.vote(["a", "b", "b"], [5.0, 2.0, 2.0]) == "a"
    assert S.vote([None]) is None


def brute_auroc(scores, labels):
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    pairs = [(1.0 if p > n else 0.5 if p == n else 0.0) for p, n in itertools.product(pos, neg)]
    return sum(pairs) / len(pairs)


def test_auroc_rank_based_with_ties():
    assert S.auroc(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1])) == 1.0
    assert S.auroc(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])) == 0.0
    assert S.auroc(np.array([2.0, 2.0]), np.array([1, 0])) == 0.5
    assert S.auroc(np.array([1.0, 2.0]), np.array([1, 1])) is None
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=40).astype(float)  # many ties
    labels = rng.integers(0, 2, size=40).astype(bool)
    assert S.auroc(scores, labels) == pytest.approx(brute_auroc(scores.tolist(), labels.tolist()))


def test_record_lows_find_the_first_window_below_any_threshold():
    rng = np.random.default_rng(11)
    groups = rng.normal(10, 3, size=500)
    at, lows = S.record_lows(groups)
    assert np.all(np.diff(lows) < 0)
    for threshold in np.linspace(groups.min() - 1, groups.max() + 1, 37):
        below = np.flatnonzero(groups < threshold)
        i = int(np.searchsorted(-lows, -threshold, side="right"))
        assert (int(at[i]) if i < lows.size else None) == (int(below[0]) if below.size else None)


def test_offline_majority_is_wrong_where_confidence_weighting_is_right():
    # task T: three unsure traces say "A" (wrong), two sure traces say "B" (right)
    traces = [trace(f"t{i}", "T", [2.0, 2.0], "A", False) for i in range(3)]
    traces += [trace(f"s{i}", "T", [9.0, 9.0], "B", True) for i in range(2)]
    # task U: everyone agrees and is right; one trace has no answer
    traces += [trace(f"u{i}", "U", [5.0], "7", True) for i in range(3)] + [trace("u9", "U", [1.0], None, False)]
    result = S.run(traces, SimulateConfig(window=2, warmup=2))
    assert (result.tasks, result.traces, result.successes, result.failures) == (2, 9, 5, 4)
    majority = result.method("majority")
    assert [(o.task_id, o.answer, o.correct) for o in majority.per_task] == [("T", "A", False), ("U", "7", True)]
    assert majority.accuracy == 0.5 and majority.kept == 8
    weighted = result.method("weighted (mean)")
    assert [o.answer for o in weighted.per_task] == ["B", "7"] and weighted.accuracy == 1.0
    top10 = result.method("top 10% (lowest_group)")
    assert [o.kept for o in top10.per_task] == [2, 3]  # ties at the cut are kept, as in the reference
    assert top10.accuracy == 1.0
    sep = {s.score: s for s in result.separation}
    assert sep["mean"].auroc == 1.0 and (sep["mean"].successes, sep["mean"].failures) == (5, 4)
    hist = {h.score: h for h in result.histograms}["mean"]
    assert sum(hist.success) == 5 and sum(hist.failure) == 4 and len(hist.edges) == 11


def arranged(task_id: str, roles: list):
    """Place traces so that the seeded replay order of `task_id` visits them in the order given."""
    order = S.task_order(task_id, len(roles), seed=0)
    placed = [None] * len(roles)
    for position, index in enumerate(order):
        placed[index] = roles[position]
    return placed


def test_online_stops_a_collapsing_trace_at_its_first_low_window():
    good = [5.0, 5.0, 5.0, 5.0]
    bad = [5.0, 5.0, 1.0, 1.0, 5.0, 5.0]  # windows of 2: 5, 3, 1, 3, 5 -> first below 5 ends at token 3
    roles = [("w1", good, "B", True), ("w2", good, "B", True), ("bad", bad, "A", False), ("g3", good, "B", True)]
    traces = [trace(tid, "T", confs, ans, ok) for tid, confs, ans, ok in arranged("T", roles)]
    result = S.run(traces, SimulateConfig(window=2, warmup=2))
    for name in ("DeepConf-low (keep 10%)", "DeepConf-high (keep 90%)"):
        online = result.method(name)
        (task,) = online.per_task
        assert task.threshold == 5.0
        assert (online.used, online.full) == (4 + 4 + 3 + 4, 18)
        assert online.saved_percent == pytest.approx(100 * 3 / 18)
        assert (online.failed_stopped, online.successful_stopped, online.stopped_mid_trace) == (1, 0, 1)
        assert (task.answer, task.correct, task.kept) == ("B", True, 3)


def test_online_consensus_stops_sampling():
    roles = [(f"t{i}", [5.0, 5.0], "B", True) for i in range(5)]
    traces = [trace(tid, "T", confs, ans, ok) for tid, confs, ans, ok in arranged("T", roles)]
    result = S.run(traces, SimulateConfig(window=2, warmup=1, consensus=0.95))
    online = result.method("DeepConf-low (keep 10%)")
    assert (online.used, online.full, online.not_sampled) == (2, 10, 4)
    assert online.per_task[0].correct


def test_replay_order_depends_on_seed_and_task_only():
    a = S.task_order("T", 20, seed=1)
    assert sorted(a.tolist()) == list(range(20))
    assert a.tolist() == S.task_order("T", 20, seed=1).tolist()
    assert a.tolist() != S.task_order("T", 20, seed=2).tolist()


def test_skipped_traces_are_counted_with_their_reason():
    no_task = trajectory([{"kind": "message", "role": "assistant", "text": "x", "confidence": 0.5}], "a")
    no_conf = trajectory([{"kind": "task", "task_id": "T"}, {"kind": "message", "role": "assistant", "text": "x"}], "b")
    result = S.run([no_task, no_conf], SimulateConfig())
    assert result.skipped == {"no task id": 1, "no confidence data": 1}
    assert result.tasks == 0 and result.method("majority").accuracy == 0.0


def test_config_rejects_unknown_scores_and_bad_percentages():
    with pytest.raises(ValueError):
        SimulateConfig(scores=("median",))
    with pytest.raises(ValueError):
        SimulateConfig(keep_percents=(0.0,))
