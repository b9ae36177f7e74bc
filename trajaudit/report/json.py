"""One JSON document: `{"version": 1, "trajectories": [...], "findings": [...], "summary": {...}}`.

`trajectories` holds the verdict records (as in the jsonl format) each with its `findings` list inlined under
`finding_list` and its claims with their verdicts under `claim_list`; `findings` holds findings that belong to no
trajectory (unreadable lines). Each finding has a `fingerprint` (see report.baseline), which `--baseline` matches.
Holds results in memory: for very large inputs prefer `--format jsonl`, which streams.
"""

from __future__ import annotations

from typing import IO, Iterable

import orjson

from trajaudit.model import Finding, Summary, TrajectoryResult
from trajaudit.report.baseline import fingerprint, fingerprints
from trajaudit.report.data import summary_record, trajectory_record
from trajaudit.report.safe import dumps


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    trajectories = []
    loose = []
    for item in items:
        if isinstance(item, TrajectoryResult):
            record = trajectory_record(item)
            prints = fingerprints(item)
            record["finding_list"] = [
                {**f.as_dict(), "fingerprint": value} for f, value in zip(item.findings, prints, strict=True)
            ]
            record["claim_list"] = [c.as_dict(item.trajectory.id) for c in item.claims]
            trajectories.append(record)
        else:
            loose.append({**item.as_dict(), "fingerprint": fingerprint(item)})
    document = {"version": 1, "trajectories": trajectories, "findings": loose, "summary": summary_record(summary)}
    out.write(dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
