"""Formatters for `trajaudit stats`: rich tables and a reliability diagram for a terminal, a dict for JSON.

Formatters only format: everything shown is in the `StatsResult`. Task ids and tool names come from logs and are
cleaned of control characters and escaped for rich markup.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trajaudit.report.charts import reliability_lines
from trajaudit.report.safe import one_line
from trajaudit.stats import StatsResult

PER_TASK_ROWS = 40


def _safe(text: object, limit: int = 40) -> str:
    return escape(one_line(str(text), limit))


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render_text(result: StatsResult, console: Console, *, per_task: bool = True) -> None:
    console.print(f"[bold]{result.trajectories} trajectories[/], {result.judged} with a verdict "
                  f"({result.successes} successful), {len(result.per_task)} tasks"
                  + (f"; {result.without_task} judged without a task id" if result.without_task else ""))
    if result.overall:
        table = Table(title="Reliability over repeated trials", title_justify="left")
        for column in ("k", "pass@k", "pass^k", "tasks"):
            table.add_column(column, justify="right")
        for p in result.overall:
            table.add_row(str(p.k), _num(p.pass_at), _num(p.pass_hat), str(p.tasks))
        console.print(table)
        console.print(f"[dim]{escape(result.convention)}[/]")
    if per_task and result.per_task:
        table = Table(title="Per task", title_justify="left")
        table.add_column("task")
        table.add_column("n", justify="right")
        table.add_column("c", justify="right")
        for k in result.ks:
            table.add_column(f"pass^{k}", justify="right")
        for row in result.per_task[:PER_TASK_ROWS]:
            table.add_row(_safe(row.task_id), str(row.n), str(row.c), *(_num(v) for v in row.pass_hat))
        console.print(table)
        hidden = len(result.per_task) - PER_TASK_ROWS
        if hidden > 0:
            console.print(f"… {hidden} more tasks (see --format json)")

    cal = result.calibration
    if cal is None:
        console.print("calibration: no trajectory has both a confidence in [0, 1] and a verdict")
    else:
        bases = ", ".join(f"{_safe(b)} ×{n}" for b, n in sorted(cal.bases.items()))
        console.print(f"[bold]Calibration[/] of {cal.n} trajectories ({bases}): Brier {cal.brier:.4f}, "
                      f"ECE {cal.ece:.4f} over {len(cal.bins)} bins")
        console.print("reliability diagram: bar = accuracy, ┃ = mean confidence", style="dim")
        rows = [(b.lo, b.hi, b.count, b.mean_confidence, b.accuracy) for b in cal.bins]
        for line in reliability_lines(rows):
            console.print(line, markup=False, highlight=False)

    if result.tools:
        table = Table(title="Tool calls", title_justify="left")
        for column in ("tool", "calls", "errors", "error rate"):
            table.add_column(column, justify="left" if column == "tool" else "right")
        for t in result.tools:
            rate = f"{100 * t.errors / t.calls:.1f}%" if t.calls else "–"
            table.add_row(_safe(t.tool), str(t.calls), str(t.errors), rate)
        console.print(table)

    table = Table(title="Per trajectory", title_justify="left")
    for column in ("", "count", "median", "p90", "max"):
        table.add_column(column, justify="left" if not column else "right")
    for label, dist in (("steps", result.steps), ("tokens", result.tokens)):
        if dist is not None:
            table.add_row(label, str(dist.count), f"{dist.median:g}", f"{dist.p90:g}", f"{dist.max:g}")
    if result.steps is not None:
        console.print(table)


def to_json(result: StatsResult) -> dict[str, Any]:
    data = dataclasses.asdict(result)
    data["config"] = dataclasses.asdict(result.config)
    return {"type": "stats", **data}
