"""Formatters for `trajaudit distill`: lessons and demonstrations as JSONL records, one JSON document, or a text view.

Formatters only format: every record is in the `DistillResult`, already cut and cleaned; the text view still folds
log text onto one line and builds `rich.text.Text` objects, so nothing from a log is read as markup.

Output contract (JSONL, one record per line, in this order: per task in natural order, its lessons in input order,
then its demonstrations by rank; then one summary line):
- `{"type": "lesson", "task", "environment", "goal", "trajectory", "file", "status", "basis", "step", "position",
  "length", "action", "said", "error", "run_error", "rules": [{"code", "name"}], "first_flagged_step",
  "instead": [{"action", "runs"}], "more_instead", "value_before", "runs_before", "task_runs", "task_successes",
  "text"}` — `basis`: divergence | stopped | first_flagged | none; `status`: the run's `diverge` status; an
  `instead` action of null means the successful runs ended there; `text` is the lesson in fixed templates.
- `{"type": "demonstration", "task", "environment", "goal", "trajectory", "file", "rank", "actions", "clean",
  "rules": [code], "steps": [{"step", "kind": "message", "role", "text"} | {"step", "kind": "tool_call", "tool",
  "arguments", "ok", "error"} | {"step", "kind": "tool_result", "tool", "ok", "output"}]}` — `arguments` is the
  canonical JSON text of the call's arguments; texts are cut (see `trajaudit.distill`).
- `{"type": "summary", "trajectories", "runs", "tasks", "lessons", "demonstrations", "lessons_by_basis",
  "budget", "chars", "dropped": {"lessons", "demonstrations"}, "without_task", "without_verdict"}` — `chars` is the
  length in characters of the record lines written before it, newlines included.

With `--budget CHARS`, records are taken in `distill.priority` order and each one whose line does not fit in what
is left is dropped (the next is still tried); the summary line is counted too, so the whole JSONL output is at most
CHARS characters. The JSON document and the text view show the same records (the budget is measured on JSONL).
"""

from __future__ import annotations

import os
import textwrap
from typing import Any, Iterator

from rich.console import Console
from rich.text import Text

from trajaudit.distill import (
    AT_DIVERGENCE,
    AT_FLAG,
    AT_STOP,
    BASES,
    Demonstration,
    DistillResult,
    Lesson,
    Record,
    Shown,
    priority,
)
from trajaudit.records import dataclass
from trajaudit.report.safe import dumps, one_line

MAX_STEPS_SHOWN = 40  # steps of a task's best demonstration in the text view; the others are one line each


class BudgetError(ValueError):
    """A budget too small for even the summary line."""


@dataclass(frozen=True)
class Selection:
    """The records kept (in output order), with what the budget dropped."""

    result: DistillResult
    budget: int | None
    chars: int
    dropped_lessons: int
    dropped_demonstrations: int


def lesson_record(lesson: Lesson) -> dict[str, Any]:
    return {
        "type": "lesson",
        "task": lesson.task,
        "environment": lesson.environment,
        "goal": lesson.goal,
        "trajectory": lesson.trajectory,
        "file": lesson.file,
        "status": lesson.status,
        "basis": lesson.basis,
        "step": lesson.step,
        "position": lesson.position,
        "length": lesson.length,
        "action": lesson.action,
        "said": lesson.said,
        "error": lesson.error,
        "run_error": lesson.run_error,
        "rules": [{"code": r.code, "name": r.name} for r in lesson.rules],
        "first_flagged_step": lesson.first_flagged_step,
        "instead": [{"action": a.action, "runs": a.runs} for a in lesson.instead],
        "more_instead": lesson.more_instead,
        "value_before": lesson.value_before,
        "runs_before": lesson.runs_before,
        "task_runs": lesson.task_runs,
        "task_successes": lesson.task_successes,
        "text": lesson.text,
    }


def _step(shown: Shown) -> dict[str, Any]:
    if shown.kind == "message":
        return {"step": shown.step, "kind": "message", "role": shown.who, "text": shown.text}
    if shown.kind == "tool_call":
        return {"step": shown.step, "kind": "tool_call", "tool": shown.who, "arguments": shown.text, "ok": shown.ok,
                "error": shown.error}
    return {"step": shown.step, "kind": "tool_result", "tool": shown.who, "ok": shown.ok, "output": shown.text}


def demonstration_record(demo: Demonstration) -> dict[str, Any]:
    return {
        "type": "demonstration",
        "task": demo.task,
        "environment": demo.environment,
        "goal": demo.goal,
        "trajectory": demo.trajectory,
        "file": demo.file,
        "rank": demo.rank,
        "actions": demo.actions,
        "clean": demo.clean,
        "rules": list(demo.rules),
        "steps": [_step(s) for s in demo.steps],
    }


def record(item: Record) -> dict[str, Any]:
    return lesson_record(item) if isinstance(item, Lesson) else demonstration_record(item)


def _line(item: Record) -> bytes:
    return dumps(record(item)) + b"\n"


def _summary(result: DistillResult, budget: int | None, chars: int, dropped_lessons: int,
             dropped_demonstrations: int) -> dict[str, Any]:
    by_basis = {basis: 0 for basis in BASES}
    for lesson in result.lessons:
        by_basis[lesson.basis] += 1
    return {
        "trajectories": result.trajectories,
        "runs": sum(t.runs for t in result.tasks),
        "tasks": len(result.tasks),
        "lessons": len(result.lessons),
        "demonstrations": len(result.demonstrations),
        "lessons_by_basis": by_basis,
        "budget": budget,
        "chars": chars,
        "dropped": {"lessons": dropped_lessons, "demonstrations": dropped_demonstrations},
        "without_task": result.without_task,
        "without_verdict": result.without_verdict,
    }


def _summary_line(selection: Selection) -> bytes:
    return dumps({"type": "summary", **_summary(selection.result, selection.budget, selection.chars,
                                                 selection.dropped_lessons, selection.dropped_demonstrations)}) + b"\n"


def _length(line: bytes) -> int:
    return len(line.decode("utf-8"))


def select(result: DistillResult, budget: int | None) -> Selection:
    """Every record, or with a budget those that fit (see the module docstring); the output order is kept."""
    records: list[Record] = [*result.lessons, *result.demonstrations]
    lines = {id(item): _line(item) for item in records}
    if budget is None:
        return Selection(result, None, sum(_length(line) for line in lines.values()), 0, 0)
    # The summary's counts are not known before the selection: reserve the longest it can be (every count at its
    # largest possible value has at least as many digits), so records plus summary never pass the budget.
    total = len(result.lessons) + len(result.demonstrations)
    widest = Selection(result, budget, budget, total, total)
    reserve = _length(_summary_line(widest))
    if reserve > budget:
        raise BudgetError(f"--budget {budget} is smaller than the summary line alone ({reserve} characters)")
    left = budget - reserve
    kept: set[int] = set()
    for item in priority(result):
        size = _length(lines[id(item)])
        if size <= left:
            kept.add(id(item))
            left -= size
    lessons = tuple(x for x in result.lessons if id(x) in kept)
    demonstrations = tuple(x for x in result.demonstrations if id(x) in kept)
    chars = sum(_length(lines[i]) for i in kept)
    trimmed = DistillResult(lessons, demonstrations, result.tasks, result.trajectories, result.without_task,
                            result.without_verdict)
    return Selection(trimmed, budget, chars, len(result.lessons) - len(lessons),
                     len(result.demonstrations) - len(demonstrations))


def _in_order(result: DistillResult) -> Iterator[Record]:
    """Per task (natural order, as `result.tasks`): its lessons, then its demonstrations."""
    lessons: dict[str, list[Lesson]] = {}
    demos: dict[str, list[Demonstration]] = {}
    for lesson in result.lessons:
        lessons.setdefault(lesson.task, []).append(lesson)
    for demo in result.demonstrations:
        demos.setdefault(demo.task, []).append(demo)
    for task in result.tasks:
        yield from lessons.get(task.task, ())
        yield from demos.get(task.task, ())


def distill_lines(selection: Selection) -> Iterator[bytes]:
    for item in _in_order(selection.result):
        yield _line(item)
    yield _summary_line(selection)


def distill_json(selection: Selection) -> dict[str, Any]:
    s = selection
    return {"type": "distill", **_summary(s.result, s.budget, s.chars, s.dropped_lessons, s.dropped_demonstrations),
            "lessons": [lesson_record(x) for x in s.result.lessons],
            "demonstrations": [demonstration_record(x) for x in s.result.demonstrations]}


# ---------------------------------------------------------------- text


def _name(item: Record, several: bool) -> str:
    return one_line(f"{item.trajectory} ({os.path.basename(item.file)})" if several else item.trajectory, 100)


def _demo_step(shown: Shown, width: int) -> Text:
    line = Text(f"      {shown.step:>4} ", style="dim")
    if shown.kind == "message":
        who = one_line(shown.who, 20) + ": "
        line.append(who, style="bold")
        line.append(one_line(shown.text, width - len(who)))
    elif shown.kind == "tool_call":
        line.append("→ ", style="cyan")
        line.append(one_line(f"{shown.who} {shown.text}", width - 2), style="cyan")
    else:
        line.append("← ", style="dim")
        line.append(one_line(shown.text, width - 2), style="dim" if shown.ok is not False else "red")
    return line


def render_distill_text(selection: Selection, console: Console) -> None:
    result = selection.result
    records: list[Record] = [*result.lessons, *result.demonstrations]
    files = {x.file for x in records}
    several = len(files) > 1
    runs = sum(t.runs for t in result.tasks)
    head = Text(f"{runs} runs of {len(result.tasks)} tasks: {len(result.lessons)} lessons from failed runs, "
                f"{len(result.demonstrations)} demonstrations from successful runs", style="bold")
    console.print(head)
    if selection.budget is not None:
        console.print(Text(f"budget {selection.budget} characters of JSONL: {selection.chars} used; dropped "
                           f"{selection.dropped_lessons} lessons and {selection.dropped_demonstrations} "
                           "demonstrations", style="dim"))
    if result.without_task or result.without_verdict:
        console.print(Text(f"left out: {result.without_task} runs without a task id, {result.without_verdict} "
                           "without a verdict (outcome.success; attach one with --outcomes)", style="dim"))
    width = max(40, console.width - 12)  # log text is cut to the line, never wrapped
    current = None
    for item in _in_order(result):
        if item.task != current:
            current = item.task
            summary = next(t for t in result.tasks if t.task == current)
            line = Text("task ", style="bold")
            line.append(one_line(current, 60), style="bold")
            line.append(f" — {summary.runs} runs, {summary.successes} successful", style="dim")
            if item.goal:
                line.append(f"\n  goal: {one_line(item.goal, width)}", style="dim")
            console.print(line)
        if isinstance(item, Lesson):
            line = Text("  ✗ lesson ", style="red")
            line.append(_name(item, several), style="bold")
            style = {AT_DIVERGENCE: "yellow", AT_STOP: "yellow", AT_FLAG: "magenta"}.get(item.basis, "dim")
            line.append(f" [{item.basis}]", style=style)
            console.print(line)
            # wrapped, not cut: a lesson is read whole
            wrapped = textwrap.fill(one_line(item.text), width=max(40, console.width - 1), initial_indent="    ",
                                    subsequent_indent="    ", break_on_hyphens=False, break_long_words=False)
            console.print(Text(wrapped))
        else:
            line = Text(f"  ✓ demonstration #{item.rank} ", style="green")
            line.append(_name(item, several), style="bold")
            line.append(f" — {item.actions} actions, {len(item.steps)} steps"
                        + (", clean" if item.clean else f", flagged {', '.join(item.rules)}"), style="dim")
            console.print(line)
            if item.rank > 1:
                continue
            for shown in item.steps[:MAX_STEPS_SHOWN]:
                console.print(_demo_step(shown, width))
            if len(item.steps) > MAX_STEPS_SHOWN:
                console.print(Text(f"      … {len(item.steps) - MAX_STEPS_SHOWN} more steps (see --format jsonl)",
                                   style="dim"))
