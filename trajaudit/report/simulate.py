"""Formatters for `trajaudit simulate`: rich tables and unicode charts for a terminal, a dict for JSON.

Formatters only format: everything shown is in the `SimulateResult`. Text from logs (task ids, answers) is cleaned of
control characters and escaped for rich markup.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trajaudit.report.charts import bar, histogram_lines
from trajaudit.report.safe import one_line
from trajaudit.simulate import MethodResult, SimulateResult

PER_TASK_ROWS = 40


def _safe(text: object, limit: int = 40) -> str:
    return escape(one_line(str(text), limit))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def render_text(result: SimulateResult, console: Console, *, per_task: bool = True) -> None:
    cfg = result.config
    bases = ", ".join(f"{_safe(b)} ×{n}" for b, n in sorted(result.bases.items())) or "none"
    console.print(f"[bold]Simulated {result.traces} traces of {result.tasks} tasks[/] "
                  f"({result.successes} successful, {result.failures} failed, "
                  f"{result.traces - result.successes - result.failures} without a verdict)")
    console.print(f"confidence: {bases}; window {cfg.window} tokens / {cfg.step_window} steps; unit: {result.unit}")
    if result.skipped:
        console.print("skipped: " + ", ".join(f"{n} ({_safe(why)})" for why, n in sorted(result.skipped.items())))
    if not result.traces:
        console.print("[yellow]No trace with a task id and confidence data: nothing to simulate.[/]")
        return
    majority = result.method("majority")

    offline = Table(title="Offline voting", title_justify="left")
    for column in ("method", "accuracy", "correct", "traces kept"):
        offline.add_column(column, justify="left" if column == "method" else "right")
    for m in result.methods:
        if m.family != "online":
            offline.add_row(escape(m.name), _pct(m.accuracy), f"{m.correct}/{m.tasks}", f"{m.kept}/{m.traces}")
    console.print(offline)

    online = Table(title=f"Online early stopping (DeepConf: warm-up {cfg.warmup}, seed {cfg.seed}"
                         + (f", consensus τ={cfg.consensus:g}" if cfg.consensus is not None else "") + ")",
                   title_justify="left")
    for column in ("method", "accuracy", "vs majority", f"{result.unit} used / full", "saved", "failed stopped",
                   "successful stopped", "stopped mid-trace", "not sampled"):
        online.add_column(column, justify="left" if column == "method" else "right")
    for m in result.methods:
        if m.family == "online":
            online.add_row(escape(m.name), _pct(m.accuracy), f"{100 * (m.accuracy - majority.accuracy):+.1f} pt",
                           f"{m.used:,} / {m.full:,}", f"{m.saved_percent:.1f}%", str(m.failed_stopped),
                           str(m.successful_stopped), str(m.stopped_mid_trace), str(m.not_sampled))
    console.print(online)

    separation = Table(title="Which score separates failed from successful traces (AUROC, 0.5 = chance)",
                       title_justify="left")
    for column in ("score", "AUROC", "", "mean ✓", "mean ✗"):
        separation.add_column(column, justify="left" if column in ("score", "") else "right")
    for s in result.separation:
        auroc = "–" if s.auroc is None else f"{s.auroc:.3f}"
        separation.add_row(s.score, auroc, bar(s.auroc or 0.0, 20),
                           "–" if s.mean_success is None else f"{s.mean_success:.4g}",
                           "–" if s.mean_failure is None else f"{s.mean_failure:.4g}")
    console.print(separation)

    previous = None
    for h in result.histograms:
        if not h.edges:
            continue
        if previous is not None and (h.edges, h.success, h.failure) == (previous.edges, previous.success,
                                                                        previous.failure):
            console.print(f"[bold]{escape(h.score)}[/] distribution: the same as {escape(previous.score)}")
            continue
        previous = h
        console.print(f"[bold]{escape(h.score)}[/] distribution (✓ successful, ✗ failed)")
        for line in histogram_lines(h.edges, h.success, h.failure):
            console.print(line, markup=False, highlight=False)

    if per_task:
        _per_task(result, console)


def _per_task(result: SimulateResult, console: Console) -> None:
    shown = [m for m in result.methods if m.family in ("majority", "online") or m.name == "weighted (mean)"]
    table = Table(title="Per task (✓ right answer, ✗ wrong, – no answer)", title_justify="left")
    table.add_column("task")
    table.add_column("traces", justify="right")
    for m in shown:
        table.add_column(escape(m.name), justify="right")
    for i, outcome in enumerate(shown[0].per_task[:PER_TASK_ROWS]):
        cells = []
        for m in shown:
            o = m.per_task[i]
            mark = "–" if o.answer is None else ("✓" if o.correct else "✗")
            extra = f" {o.threshold:.4g}, {100 * (o.full - o.used) / o.full:.0f}% saved" if (
                m.family == "online" and o.threshold is not None and o.full) else ""
            cells.append(mark + extra)
        table.add_row(_safe(outcome.task_id), str(outcome.traces), *cells)
    console.print(table)
    hidden = len(shown[0].per_task) - PER_TASK_ROWS
    if hidden > 0:
        console.print(f"… {hidden} more tasks (see --format json)")


def _method_json(m: MethodResult) -> dict[str, Any]:
    data = dataclasses.asdict(m)
    data["per_task"] = [dataclasses.asdict(o) for o in m.per_task]
    return data


def to_json(result: SimulateResult) -> dict[str, Any]:
    return {
        "type": "simulate",
        "config": dataclasses.asdict(result.config),
        "unit": result.unit,
        "bases": dict(result.bases),
        "tasks": result.tasks,
        "traces": result.traces,
        "successes": result.successes,
        "failures": result.failures,
        "skipped": dict(result.skipped),
        "methods": [_method_json(m) for m in result.methods],
        "separation": [dataclasses.asdict(s) for s in result.separation],
        "histograms": [dataclasses.asdict(h) for h in result.histograms],
    }
