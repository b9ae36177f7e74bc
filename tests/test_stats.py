"""pass@k / pass^k, calibration and counts: hand-computed cases, and τ-bench's formula on the real τ / τ² logs."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from math import comb
from pathlib import Path

import numpy as np
import pytest

from tests.rules.harness import trajectory
from trajaudit import stats as S
from trajaudit.model import Event, Trajectory
from trajaudit.reader import Ended, Malformed, Source
from trajaudit.stats import StatsConfig, TrajectoryRecord


def test_pass_k_hand_computed():
    assert S.pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)
    assert S.pass_at_k(4, 2, 2) == pytest.approx(5 / 6)
    assert S.pass_hat_k(3, 3, 3) == 1.0 and S.pass_at_k(3, 0, 1) == 0.0
    assert S.pass_hat_k(2, 1, 3) is None


def test_compute_over_records_per_task_and_overall():
    records = [TrajectoryRecord(f"{t}:{i}", t, ok) for t, oks in {"a": [1, 1, 0], "b": [0, 0, 0], "c": [1, 1]}.items()
               for i, ok in enumerate(map(bool, oks))]
    records.append(TrajectoryRecord("x", "a", None))  # no verdict: not a trial
    result = S.compute(records)
    assert result.ks == (1, 2)  # the smallest task has 2 judged trials
    assert result.convention == S.CONVENTION and "τ-bench" in result.convention
    by_k = {p.k: p for p in result.overall}
    assert by_k[1].pass_hat == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert by_k[2].pass_hat == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert by_k[2].pass_at == pytest.approx((1 + 0 + 1) / 3)
    result3 = S.compute(records, StatsConfig(ks=(3,)))
    assert result3.overall[0].tasks == 2  # task c (n = 2) is left out of k = 3
    assert result3.overall[0].pass_hat == 0.0  # a: C(2,3) = 0; b: no success


def test_calibration_hand_computed():
    cal = S.calibration(np.array([0.9, 0.9, 0.2, 0.6]), np.array([1, 0, 0, 1]), bins=2)
    assert cal.brier == pytest.approx((0.01 + 0.81 + 0.04 + 0.16) / 4)
    assert cal.ece == pytest.approx(0.25 * 0.2 + 0.75 * abs(2 / 3 - 0.8))
    assert [(b.lo, b.hi, b.count) for b in cal.bins] == [(0.0, 0.5, 1), (0.5, 1.0, 3)]
    assert cal.bins[1].mean_confidence == pytest.approx(0.8) and cal.bins[1].accuracy == pytest.approx(2 / 3)
    assert S.calibration(np.array([1.0]), np.array([1]), bins=10).bins[-1].count == 1  # 1.0 is in the last bin


def test_compute_over_trajectories_tools_sizes_and_confidence_sources():
    t1 = trajectory([
        {"kind": "task", "task_id": "T"},
        {"kind": "tool_call", "tool": "search", "call_id": "c1", "arguments": {}},
        {"kind": "tool_result", "call_id": "c1", "ok": False, "error": "boom"},
        {"kind": "tool_call", "tool": "search", "call_id": "c2", "arguments": {}},
        {"kind": "tool_result", "call_id": "c2", "ok": True},
        {"kind": "message", "role": "assistant", "text": "done", "confidence": 0.8, "tokens": {"output": 30}},
        {"kind": "outcome", "success": False},
    ], "t1")
    t2 = trajectory([
        {"kind": "task", "task_id": "T"},
        {"kind": "message", "role": "assistant", "text": "ok", "logprobs": [np.log(0.5), np.log(0.5)]},
        {"kind": "outcome", "success": True},
    ], "t2")
    result = S.compute([t1, t2])
    assert [(t.tool, t.calls, t.errors) for t in result.tools] == [("search", 2, 1)]
    assert result.steps.max == 7 and result.steps.median == 5
    assert result.tokens.count == 2 and result.tokens.max == 30  # counts where reported, else logprob positions
    cal = result.calibration
    assert cal.n == 2 and cal.brier == pytest.approx((0.8**2 + 0.5**2) / 2)
    assert dict(cal.bases) == {"stated confidence (last)": 1, "geometric-mean chosen-token probability": 1}
    assert S.compute([t1, t2], StatsConfig(confidence="stated")).calibration.n == 1
    assert S.compute([t1, t2], StatsConfig(confidence="derived")).calibration.n == 1


# ---------------------------------------------------------------- real τ-bench / τ² logs


def tau_formula(rows: list[tuple[str, float]], k: int) -> float:
    """τ-bench's pass^k restated from the raw JSON: group by task id, c = rewards equal to 1, n = trials of the task."""
    n: Counter = Counter()
    c: Counter = Counter()
    for task_id, reward in rows:
        n[task_id] += 1
        c[task_id] += abs(reward - 1.0) <= 1e-6
    tasks = [t for t in n if n[t] >= k]
    return sum(comb(c[t], k) / comb(n[t], k) for t in tasks) / len(tasks)


def raw_tau(path: Path) -> list[tuple[str, float]]:
    data = json.loads(path.read_text())
    if isinstance(data, list):  # τ-bench v1
        return [(str(item["task_id"]), float(item["reward"])) for item in data]
    return [(str(sim["task_id"]), float(sim["reward_info"]["reward"])) for sim in data["simulations"]]


def imported(module, path: Path) -> list[Trajectory]:
    source = Source(str(path), path)
    by_id: dict[str, list[Event]] = defaultdict(list)
    for item in module.convert(source):
        assert not isinstance(item, Malformed), item
        if isinstance(item, Ended):  # a run's end
            continue
        line, data = item
        by_id[data["trajectory"]].append(Event(source.name, line or 0, data))
    return [Trajectory(tid, tuple(sorted(events, key=lambda e: e.step))) for tid, events in by_id.items()]


TAU_FILES = ["taubench-retail-avaljot/tool-calling-none-0.1_range_0-100_user-none-llm_06232025.json",
             "taubench-retail-avaljot/assertions-agent-none-0.1_range_0-100_6_18_2025.json",
             "tau2-sierra/azure-airline-full.json", "tau2-sierra/gpt-4.1_airline_default_gpt-4.1_1trials.json",
             "tau2-sierra/gpt-4.1_retail_defautl_gpt-4.1_1trials.json"]


@pytest.mark.parametrize("name", TAU_FILES)
def test_pass_hat_k_on_real_tau_logs_equals_tau_bench_formula(realdata, name):
    path = realdata / name
    rows = raw_tau(path)
    records = [TrajectoryRecord(f"{t}:{i}", t, abs(r - 1.0) <= 1e-6) for i, (t, r) in enumerate(rows)]
    result = S.compute(records)
    assert result.overall[0].k == 1
    assert result.overall[0].pass_hat == pytest.approx(tau_formula(rows, 1))
    assert result.judged == len(rows)


def test_pass_hat_k_on_both_tau_bench_agents_as_two_trials(realdata):
    # the two τ-bench files ran the same 100 retail tasks: taken together each task has n = 2, so k = 2 is defined
    rows = raw_tau(realdata / TAU_FILES[0]) + raw_tau(realdata / TAU_FILES[1])
    records = [TrajectoryRecord(f"{t}:{i}", t, abs(r - 1.0) <= 1e-6) for i, (t, r) in enumerate(rows)]
    result = S.compute(records)
    assert result.ks == (1, 2)
    for p in result.overall:
        assert p.pass_hat == pytest.approx(tau_formula(rows, p.k))
    assert result.overall[1].pass_hat < result.overall[0].pass_hat


@pytest.mark.parametrize("name", [TAU_FILES[0], TAU_FILES[2]])
def test_pass_hat_k_through_the_importers(realdata, name):
    importers = pytest.importorskip("trajaudit.importers")
    module = importers.by_name("tau-bench" if name.startswith("taubench") else "tau2")
    trajectories = imported(module, realdata / name)
    result = S.compute(trajectories)
    assert result.overall[0].pass_hat == pytest.approx(tau_formula(raw_tau(realdata / name), 1))
    assert result.tools and result.steps is not None
