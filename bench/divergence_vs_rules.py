"""Where failed runs leave the successful ones, against where trajaudit's rules first flag them (issue 15).

For every failed run of a task that has a successful run, the divergence step (`trajaudit diverge`) is compared with
the first step of the run that trajaudit's default rules flag, at any severity and at warning or above: the same
step, the divergence earlier, the divergence later, or no rule finding on a step of the run. Failed runs without a
divergence step are counted by their status (stopped early, identical to a successful run, no successful run).

A report, not a test: it never fails and nothing here runs under pytest.

    python bench/divergence_vs_rules.py [PATH ...]   # default: ../shared/realdata/taubench-retail-avaljot
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from trajaudit import divergence as D
from trajaudit import engine
from trajaudit.config import Config
from trajaudit.model import Severity, TrajectoryResult
from trajaudit.reader import discover

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "taubench-retail-avaljot"


def compare(divergence_step: int, flagged: list[int]) -> str:
    if not flagged:
        return "no rule finding"
    first = min(flagged)
    return "same step" if first == divergence_step else "divergence earlier" if divergence_step < first else \
        "divergence later"


def main(paths: list[str]) -> None:
    results = [item for item in engine.Audit(list(discover(paths)), Config(), engine.Options())
               if isinstance(item, TrajectoryResult)]
    flags: dict[int, list[tuple[int, Severity]]] = {}
    codes: dict[int, list[tuple[int, str]]] = {}
    for index, result in enumerate(results):
        flags[index] = [(f.step, f.severity) for f in result.findings if f.step is not None]
        codes[index] = sorted((f.step, f.code) for f in result.findings if f.step is not None)
    collection = D.collect(r.trajectory for r in results)
    analysis = D.analyse(collection)
    by_run = {(r.file, r.trajectory): r for r in collection.runs}
    statuses = Counter(r.status for r in analysis.records)
    failed = [r for r in analysis.records if not r.success]
    print(f"{len(analysis.records)} runs of {len(analysis.tree_list)} tasks in {', '.join(paths)}")
    print(f"{len(failed)} failed runs: " + ", ".join(f"{statuses[s]} {s}" for s in D.STATUSES if s != D.SUCCESS))
    empty = sum(1 for r in failed if r.status == D.STOPPED and r.length == 0)
    print(f"  of the stopped runs, {empty} took no action at all (the run errored before its first action)")
    with_success = [r for r in failed if r.status != D.NO_SUCCESS]
    diverged = [r for r in failed if r.status == D.DIVERGED]
    print(f"{len(with_success)} failed runs are in a task with a successful run; {len(diverged)} of them get a "
          "divergence step")
    for label, floor in (("any severity", Severity.INFO), ("warning or error", Severity.WARNING)):
        outcome: Counter[str] = Counter()
        gaps: list[int] = []
        for record in diverged:
            run = by_run[(record.file, record.trajectory)]
            steps = [step for step, severity in flags[run.index] if severity >= floor]
            assert record.step is not None
            verdict = compare(record.step, steps)
            outcome[verdict] += 1
            if steps and verdict != "same step":
                gaps.append(min(steps) - record.step)
        shown = ", ".join(f"{outcome[k]} {k}" for k in ("same step", "divergence earlier", "divergence later",
                                                          "no rule finding"))
        gap = f"; median gap {sorted(gaps)[len(gaps) // 2]} steps (first flag − divergence)" if gaps else ""
        print(f"  against the first step flagged at {label}: {shown}{gap}")
    first_codes = Counter(codes[run.index][0][1] for run in (by_run[(r.file, r.trajectory)] for r in diverged)
                          if codes[run.index])
    print("  rule of the first flagged step in the diverged runs: "
          + (", ".join(f"{code} ×{n}" for code, n in sorted(first_codes.items())) or "none"))
    flagged_any = sum(1 for r in failed if any(s >= Severity.WARNING for _, s in
                                               flags[by_run[(r.file, r.trajectory)].index]))
    print(f"failed runs with any step flagged at warning or error: {flagged_any} of {len(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:] or [str(DEFAULT)])
