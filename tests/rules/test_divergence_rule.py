"""TA401 divergence-step: off by default, and through the engine at the divergence step only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trajaudit import engine
from trajaudit.config import Config
from trajaudit.model import Finding, TrajectoryResult
from trajaudit.reader import discover


def _log(tmp_path: Path, plan: dict[str, tuple[str, list[str], bool]]) -> Path:
    """plan: trajectory id -> (task id, tools called in order, success)."""
    lines = []
    for tid, (task, tools, success) in plan.items():
        events: list[dict[str, Any]] = [{"kind": "task", "task_id": task, "goal": "g"},
                                        {"kind": "message", "role": "user", "text": "please"}]
        for i, tool in enumerate(tools):
            events += [{"kind": "tool_call", "tool": tool, "call_id": f"c{i}", "arguments": {"id": 1}},
                       {"kind": "tool_result", "call_id": f"c{i}", "ok": True, "output": "ok"}]
        events += [{"kind": "message", "role": "assistant", "text": "Here is where things stand."},
                   {"kind": "outcome", "success": success}]
        lines += [{"trajectory": tid, "step": i, **e} for i, e in enumerate(events)]
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def _audit(path: Path, config: Config, jobs: int = 1) -> tuple[list[TrajectoryResult], engine.Audit]:
    run = engine.Audit(list(discover([str(path)])), config, engine.Options(input_format="auto", jobs=jobs))
    return [item for item in run if isinstance(item, TrajectoryResult)], run


def _ta401(results: list[TrajectoryResult]) -> dict[str, list[Finding]]:
    return {r.trajectory.id: [f for f in r.findings if f.code == "TA401"] for r in results}


PLAN = {
    "ok1": ("T", ["find", "cancel"], True),
    "ok2": ("T", ["find", "cancel"], True),
    "bad": ("T", ["find", "refund"], False),
    "same": ("T", ["find", "cancel"], False),  # the very actions of a successful run: no divergence step
    "alone": ("U", ["x"], False),  # the only run of its task
    "nosucc1": ("V", ["a"], False),
    "nosucc2": ("V", ["b"], False),  # a task without a successful run
}


def test_off_by_default_and_on_when_selected():
    assert "TA401" not in {a.rule.code for a in Config().active_rules()}
    for select in (["TA401"], ["divergence-step"], ["TA"]):
        assert "TA401" in {a.rule.code for a in Config().with_flags(select=select).active_rules()}


def test_not_run_unless_selected(tmp_path):
    results, _ = _audit(_log(tmp_path, PLAN), Config())
    assert not any(_ta401(results).values())


def test_fires_at_the_divergence_step_of_failed_runs_only(tmp_path):
    results, run = _audit(_log(tmp_path, PLAN), Config().with_flags(select=["TA"]))
    found = _ta401(results)
    assert [f.step for f in found["bad"]] == [4]  # the second tool call: find at 2, its result at 3, refund at 4
    finding = found["bad"][0]
    assert finding.severity.label == "info" and finding.line is not None
    assert finding.evidence is not None and finding.evidence["successful_alternatives"] == [
        {"action": 'cancel {"id":1}', "runs": 2}]
    assert all(not found[t] for t in ("ok1", "ok2", "same", "alone", "nosucc1", "nosucc2"))
    # counted in the summary like any finding, and the trajectory's verdict reflects it
    assert run.summary.findings_by_rule["TA401"] == 1
    assert run.summary.verdicts["info"] == sum(1 for r in results if r.verdict == "info") >= 1
    assert [r.trajectory.id for r in results] == list(PLAN)  # input order kept


def test_runs_in_one_process_even_when_jobs_are_asked_for(tmp_path):
    results, _ = _audit(_log(tmp_path, PLAN), Config().with_flags(select=["TA401"]), jobs=4)
    assert [f.step for f in _ta401(results)["bad"]] == [4]
