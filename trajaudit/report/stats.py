"""Formatters for `trajaudit stats`: rich tables and a reliability diagram for a terminal, a dict for JSON, Markdown
for a pull request or a job summary.

Formatters only format: everything shown is in the `StatsResult`. Task ids and tool names come from logs and are
cleaned of control characters and escaped for rich markup (or made inert in Markdown).

JSON contract: `{"type": "stats", ...}` with every field of `StatsResult`, among them `diversity`: {`tasks`:
[{`task_id`, `runs`, `shapes`, `entropy`, `dominant_share`}], `runs`, `tasks_compared`, `shapes`, `mean_shapes`,
`mean_entropy`, `mean_dominant_share`, `single_shape`} (null without task ids), and `comparison` (null without
--compare): {`reference`, `trajectories_before`, `judged_before`, `successes_before`, `pass1_before`,
`pass1_after`, `tasks`: [{`task_id`, `runs_before`, `runs_after`, `shapes_before`, `shapes_after`,
`entropy_before`, `entropy_after`, `dominant_before`, `dominant_after`}], `mean_entropy_before`,
`mean_entropy_after`, `mean_dominant_before`, `mean_dominant_after`, `narrower`, `wider`, `unchanged`,
`collapsed`}. Entropy is in bits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trajaudit.report.charts import reliability_lines
from trajaudit.report.markdown import md
from trajaudit.report.safe import one_line
from trajaudit.report.words import counted
from trajaudit.stats import Comparison, Diversity, StatsResult

PER_TASK_ROWS = 40


def _safe(text: object, limit: int = 40) -> str:
    return escape(one_line(str(text), limit))


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render_text(result: StatsResult, console: Console, *, per_task: bool = True) -> None:
    console.print(f"[bold]{counted(result.trajectories, 'trajectory')}[/], {result.judged} with a verdict "
                  f"({result.successes} successful), {counted(len(result.per_task), 'task')}"
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
    if result.diversity is not None:
        _diversity_text(result.diversity, console, per_task)
    if result.comparison is not None:
        _comparison_text(result.comparison, console, per_task)


def _diversity_line(d: Diversity) -> str:
    if not d.tasks_compared:
        return f"no task has two runs or more ({d.runs} runs): nothing to compare"
    return (f"{d.tasks_compared} tasks with two runs or more: {_num(d.mean_shapes, 2)} distinct action sequences "
            f"per task on average, entropy {_num(d.mean_entropy, 2)} bits, dominant share "
            f"{_num(d.mean_dominant_share, 2)}; {d.single_shape} tasks took a single sequence")


def _diversity_text(d: Diversity, console: Console, per_task: bool) -> None:
    console.print(f"[bold]Diversity[/] of action sequences: {escape(_diversity_line(d))}")
    rows = [row for row in d.tasks if row.runs >= 2]
    if not per_task or not rows:
        return
    table = Table(title="Diversity per task (entropy in bits)", title_justify="left")
    table.add_column("task")
    for column in ("runs", "shapes", "entropy", "dominant"):
        table.add_column(column, justify="right")
    for row in rows[:PER_TASK_ROWS]:
        table.add_row(_safe(row.task_id), str(row.runs), str(row.shapes), f"{row.entropy:.2f}",
                      f"{row.dominant_share:.2f}")
    console.print(table)
    if len(rows) > PER_TASK_ROWS:
        console.print(f"… {len(rows) - PER_TASK_ROWS} more tasks (see --format json)")


def _arrow(before: float | None, after: float | None, digits: int = 2) -> str:
    return f"{_num(before, digits)} → {_num(after, digits)}"


def _comparison_lines(c: Comparison) -> list[str]:
    return [
        f"pass^1 (success rate by task): {_arrow(c.pass1_before, c.pass1_after, 3)}",
        f"on the {len(c.tasks)} tasks both inputs ran twice or more: entropy "
        f"{_arrow(c.mean_entropy_before, c.mean_entropy_after)} bits, dominant share "
        f"{_arrow(c.mean_dominant_before, c.mean_dominant_after)}",
        f"entropy fell on {c.narrower} tasks, rose on {c.wider}, unchanged on {c.unchanged}; collapsed to a single "
        f"sequence: {c.collapsed}",
    ]


def _comparison_text(c: Comparison, console: Console, per_task: bool) -> None:
    console.print(f"[bold]Compared with[/] {_safe(c.reference, 80)} (before → after: the reference, then this input)")
    for line in _comparison_lines(c):
        console.print(f"  {escape(line)}")
    changed = [t for t in c.tasks if abs(t.entropy_after - t.entropy_before) > 1e-9]
    if not per_task or not changed:
        return
    table = Table(title="Tasks whose diversity changed", title_justify="left")
    table.add_column("task")
    for column in ("runs", "shapes", "entropy", "dominant"):
        table.add_column(column, justify="right")
    for t in changed[:PER_TASK_ROWS]:
        table.add_row(_safe(t.task_id), f"{t.runs_before} → {t.runs_after}", f"{t.shapes_before} → {t.shapes_after}",
                      _arrow(t.entropy_before, t.entropy_after), _arrow(t.dominant_before, t.dominant_after))
    console.print(table)
    if len(changed) > PER_TASK_ROWS:
        console.print(f"… {len(changed) - PER_TASK_ROWS} more tasks (see --format json)")


def to_json(result: StatsResult) -> dict[str, Any]:
    data = dataclasses.asdict(result)
    data["config"] = dataclasses.asdict(result.config)
    return {"type": "stats", **data}


def to_markdown(result: StatsResult) -> str:
    """The headline figures as Markdown: reliability, diversity and the comparison, tables without per-task rows
    beyond PER_TASK_ROWS. Task ids are made inert (no links, mentions or formatting)."""
    out = ["# trajaudit stats\n",
           f"{counted(result.trajectories, 'trajectory')}, {result.judged} with a verdict "
           f"({result.successes} successful), {counted(len(result.per_task), 'task')}.\n"]
    if result.overall:
        out += ["| k | pass@k | pass^k | tasks |", "|---:|---:|---:|---:|"]
        out += [f"| {p.k} | {_num(p.pass_at)} | {_num(p.pass_hat)} | {p.tasks} |" for p in result.overall]
        out += ["", f"{md(result.convention, 400)}\n"]
    cal = result.calibration
    if cal is not None:
        out.append(f"Calibration of {cal.n} trajectories: Brier {cal.brier:.4f}, ECE {cal.ece:.4f}.\n")
    d = result.diversity
    if d is not None:
        out += ["## Diversity of action sequences\n", md(_diversity_line(d), 400) + "\n"]
        rows = [row for row in d.tasks if row.runs >= 2]
        if rows:
            out += ["| task | runs | shapes | entropy (bits) | dominant share |", "|---|---:|---:|---:|---:|"]
            out += [f"| {md(row.task_id, 60)} | {row.runs} | {row.shapes} | {row.entropy:.2f} | "
                    f"{row.dominant_share:.2f} |" for row in rows[:PER_TASK_ROWS]]
            if len(rows) > PER_TASK_ROWS:
                out.append(f"\n… {len(rows) - PER_TASK_ROWS} more tasks (see --format json)")
            out.append("")
    c = result.comparison
    if c is not None:
        out += [f"## Compared with {md(c.reference, 100)}\n", "Before → after: the reference, then this input.\n"]
        out += [f"- {md(line, 400)}" for line in _comparison_lines(c)]
        out.append("")
    if result.tools:
        out += ["## Tool calls\n", "| tool | calls | errors |", "|---|---:|---:|"]
        out += [f"| {md(t.tool, 60)} | {t.calls} | {t.errors} |" for t in result.tools[:PER_TASK_ROWS]]
        out.append("")
    return "\n".join(out) + "\n"
