"""JSON Lines: one finding per line as it is found, a verdict line per trajectory, a summary line at the end.

Contract (each line is one object with a `type`):
- `{"type": "finding", "file", "line", "trajectory", "step", "code", "name", "severity", "message", ["path"],
  ["evidence"]}` — findings of a trajectory come right before its verdict line;
- `{"type": "claim", "trajectory", "step", "claim_type", "text", "action", "target", "verdict", "basis",
  "evidence_step"}` — each claim of the trajectory's final report and what the log says of it (`verdict`:
  contradicted, unsupported, supported or unverifiable; see `trajaudit rule TA102`), after its findings;
- `{"type": "trajectory", "trajectory", "file", "line", "task", "verdict", "outcome", "outcome_source", "steps",
  "findings", "codes", "claims"}` (`claims`: counts by verdict; `outcome_source`: where the outcome came from,
  `{"from": "log" | "--outcomes" | "beside", "file", "verifier"}` plus `format` (harbor, swe-bench) for one found
  beside the log, or null without an outcome);
- `{"type": "summary", ...counts...}` — last line.
"""

from __future__ import annotations

from typing import IO, Iterable

from trajaudit.model import Finding, Summary, TrajectoryResult
from trajaudit.report import safe
from trajaudit.report.data import summary_record, trajectory_record


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    dumps = safe.dumps
    write = out.write
    for item in items:
        if isinstance(item, TrajectoryResult):
            for finding in item.findings:
                write(dumps(finding.as_dict()) + b"\n")
            tid = item.trajectory.id
            for claim in item.claims:
                write(dumps(claim.as_dict(tid)) + b"\n")
            write(dumps(trajectory_record(item)) + b"\n")
        else:
            write(dumps(item.as_dict()) + b"\n")
    write(dumps(summary_record(summary)) + b"\n")
