"""A failed run's first action that no successful run of the same task took there (off by default).

## What it does
Looks across runs: when the input holds several runs of one task (trials, two agents, a group of rollouts) and at
least one of them succeeded, each failed run is compared with the successful ones as sequences of actions (tool and
normalised arguments; a user or assistant message is one symbol per role), and the finding marks the first action
at which the failed run leaves every successful run: its divergence step (see `trajaudit diverge`). The message
says what the closest successful runs did there instead, with counts. A run that only stopped early, or took the
very actions of a successful run, has no such step and gets no finding; nor does a task without a successful run.

Off by default: select it by code, name or prefix (`--select TA401`, or `--select TA` for every rule). It needs
every run of a task before it can judge any, so while it is selected the audit holds all trajectories until the
input is read and runs in one process.

## Why it matters
A single log says what happened; the successful runs of the same task say what mattered. The divergence step is a
deterministic candidate for the decisive mistake, usually many steps before the failure surfaces (a false success
claim in the final message), and what the successful runs did there instead is the concrete fix to try.

## Example
```
step 8  tool_call  leaves every successful run of task 5 here: get_order_details {"order_id":"#W6390527"};
                   the closest successful runs did instead: <assistant message> ×1
```

## How to fix
Compare the run with the successful ones at that step (`trajaudit diverge` shows the task's tree): a wrong lookup,
a skipped confirmation, a tool chosen too early. It is a candidate, not a proof: runs can branch harmlessly (another
order of two lookups) before the step that decides the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA401"
NAME = "divergence-step"
SEVERITY = Severity.INFO
ENABLED_BY_DEFAULT = False


def check_runs(trajectories: Sequence[Trajectory], options: Mapping[str, Any]) -> Iterator[tuple[int, Violation]]:
    """(index of the trajectory in `trajectories`, violation at its divergence step) for each failed run."""
    from trajaudit import divergence as D  # only when selected: this rule is off by default

    collection = D.collect(trajectories)
    for task in D.trees(collection):
        if task.root.runs < 2 or not task.root.successes:
            continue
        for record, run in zip(D.divergence(task, collection.table), task.runs, strict=True):
            if record.status != D.DIVERGED:
                continue
            trajectory = trajectories[run.index]
            event = next(e for e in trajectory.events if e.step == record.step)
            alternatives = ", ".join(
                f"{a.action if a.action is not None else '(ended the run)'} ×{a.runs}" for a in record.alternatives
            )
            yield run.index, Violation(
                event,
                f"leaves every successful run of task {record.task} here: {record.action}; the closest successful "
                f"runs did instead: {alternatives}",
                {
                    "task": record.task,
                    "position": record.position,
                    "successful_alternatives": [{"action": a.action, "runs": a.runs} for a in record.alternatives],
                    "value_before": record.value,
                    "runs_before": record.runs,
                },
            )
