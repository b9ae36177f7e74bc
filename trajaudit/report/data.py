"""Results as plain JSON-ready dicts: the shared vocabulary of the machine formats."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trajaudit.model import Summary, TrajectoryResult
from trajaudit.outcomes import outcome_source


def trajectory_record(result: TrajectoryResult) -> dict[str, Any]:
    """The `{"type": "trajectory", ...}` verdict record of one trajectory."""
    trajectory = result.trajectory
    first = trajectory.events[0] if trajectory.events else None
    task = trajectory.task
    return {
        "type": "trajectory",
        "trajectory": trajectory.id,
        "file": first.file if first else None,
        "line": first.line if first else None,
        "task": task.get("task_id") if task is not None else None,
        "verdict": result.verdict,
        "outcome": {True: "success", False: "failure", None: None}[result.outcome],
        "outcome_source": outcome_source(trajectory),
        "steps": result.n_steps,
        "findings": len(result.findings),
        "codes": sorted({f.code for f in result.findings}),
        "claims": result.claim_counts(),
    }


def summary_record(summary: Summary, exit_code: int | None = None) -> dict[str, Any]:
    record = {"type": "summary", **asdict(summary)}
    for key in ("findings_by_rule", "findings_by_severity", "formats"):  # stable order, however the run was split
        record[key] = dict(sorted(record[key].items()))
    if exit_code is not None:
        record["exit_code"] = exit_code
    return record
