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

Written to a pipe or a terminal, each trajectory's lines are flushed as soon as they are written (see `read_live`).
"""

from __future__ import annotations

import os
import stat
from typing import IO, Iterable

from trajaudit.model import Finding, Summary, TrajectoryResult
from trajaudit.report import safe
from trajaudit.report.data import summary_record, trajectory_record


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    dumps = safe.dumps
    write = out.write
    flush = out.flush if read_live(out) else None
    for item in items:
        if isinstance(item, TrajectoryResult):
            if item.findings or item.claims:  # a trajectory's lines in one write
                tid = item.trajectory.id
                lines = [dumps(finding.as_dict()) for finding in item.findings]
                lines += [dumps(claim.as_dict(tid)) for claim in item.claims]
                lines.append(dumps(trajectory_record(item)))
                lines.append(b"")
                write(b"\n".join(lines))
            else:
                write(dumps(trajectory_record(item)) + b"\n")
        else:
            write(dumps(item.as_dict()) + b"\n")
        if flush is not None:
            flush()
    write(dumps(summary_record(summary)) + b"\n")


def read_live(out: IO[bytes]) -> bool:
    """Whether someone reads the output as it comes (a pipe, a terminal, a socket: anything but a regular file), so
    each trajectory's records are flushed once written: `tail -f log | trajaudit audit - --format jsonl | jq` shows
    each verdict when its trajectory ends, not when the input does. A file is left to its buffer (one flush per
    trajectory would be a system call each)."""
    try:
        return not stat.S_ISREG(os.fstat(out.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no file underneath (a BytesIO)
        return False
