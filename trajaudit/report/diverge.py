"""Formatters for `trajaudit diverge` and `trajaudit rewards`: a prefix tree per task for a terminal, records for
machines.

Formatters only format: everything shown is in the `DivergenceResult` / `RewardsResult`. Task ids, trajectory ids,
file names, tool names and arguments come from logs: they are cleaned of control characters (see `safe`) and put in
`rich.text.Text` objects, never parsed as markup.

Output contracts:
- diverge, JSONL: one `{"type": "divergence", "trajectory", "file", "task", "success", "status", "length",
  "position", "step", "action", "successful_alternatives": [{"action", "runs"}], "value_before", "runs_before"}` per
  run (status: success, diverged, stopped, identical or no_success; `action` null in an alternative = the
  successful runs ended there), then `{"type": "summary", "trajectories", "runs", "tasks", "statuses",
  "without_task", "without_verdict"}`.
- diverge, JSON: one document `{"type": "divergence_report", ...summary, "task_list": [...], "records": [...]}`.
- rewards, JSONL: one `{"trajectory", "file", "task", "success", "step", "position", "action", "value",
  "advantage", "runs", "successes"}` per action of every run, nothing else (ready for a training pipeline).
- rewards, JSON: `{"type": "rewards", "trajectories", "without_task", "without_verdict", "task_list", "values"}`.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import IO, Any, Iterator

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from trajaudit.divergence import (
    DIVERGED,
    IDENTICAL,
    NO_SUCCESS,
    STATUSES,
    STOPPED,
    SUCCESS,
    Divergence,
    DivergenceResult,
    Node,
    RewardsResult,
    StepValue,
    TaskTree,
    describe,
)
from trajaudit.report.safe import dumps, one_line
from trajaudit.report.words import counted

ACTION_WIDTH = 70
MAX_BRANCH_LEVELS = 16  # nested branch points shown per task in the text tree


def _rate_style(value: float) -> str:
    return "green" if value >= 2 / 3 else "red" if value <= 1 / 3 else "yellow"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _action(text: str | None, limit: int = ACTION_WIDTH) -> str:
    return "(ended the run)" if text is None else one_line(text, limit)


def _namer(files: set[str]):
    """Runs are named by trajectory id, and by file too when several files share ids (two agents' result files)."""
    several = len(files) > 1

    def name(trajectory: str, file: str) -> str:
        return one_line(f"{trajectory} ({os.path.basename(file)})" if several else trajectory, 100)

    return name


# ---------------------------------------------------------------- diverge


def _counts(node: Node) -> Text:
    return Text(f"  {counted(node.runs, 'run')} · {_pct(node.value)} success",
                style=_rate_style(node.value))


def _segment(node: Node, depth: int) -> tuple[list[Node], int]:
    """The node and the single-child chain under it: runs that all did the same things are one line."""
    chain = [node]
    while len(node.children) == 1 and not node.ends:
        node = next(iter(node.children.values()))
        chain.append(node)
    return chain, depth + len(chain)


def _add(parent: Tree, node: Node, depth: int, task: TaskTree, table, name, level: int = 0) -> None:
    if level >= MAX_BRANCH_LEVELS:  # each level indents the tree: past this it is unreadable (and unbounded)
        parent.add(Text(f"… {node.runs} more runs branch further from #{depth} (see --format json)", style="dim"))
        return
    chain, end = _segment(node, depth)
    first, last = chain[0], chain[-1]
    label = Text()
    if len(chain) == 1:
        label.append(f"#{depth} ", style="dim")
        label.append(_action(describe(table[first.action])))
    else:
        label.append(f"#{depth}–#{end - 1} ", style="dim")
        label.append(f"({len(chain)} actions) ", style="dim")
        label.append(_action(describe(table[first.action]), ACTION_WIDTH // 2))
        label.append(" … ", style="dim")
        label.append(_action(describe(table[last.action]), ACTION_WIDTH // 2))
    label.append_text(_counts(last))
    branch = parent.add(label)
    _ends(branch, last, task, name)
    for child in _ordered(last):
        _add(branch, child, end, task, table, name, level + 1)


def _ordered(node: Node) -> list[Node]:
    return sorted(node.children.values(), key=lambda n: (-n.value, -n.runs, n.action or 0))


def _ends(branch: Tree, node: Node, task: TaskTree, name) -> None:
    if not node.ends:
        return
    runs = [task.runs[i] for i in node.ends]
    ok = sum(r.success for r in runs)
    text = Text("■ ended here: ", style="dim")
    shown = ", ".join(("✓ " if r.success else "✗ ") + name(r.trajectory, r.file) for r in runs[:4])
    text.append(shown + (f" and {len(runs) - 4} more" if len(runs) > 4 else ""),
                style=_rate_style(ok / len(runs)))
    branch.add(text)


def _line(record: Divergence, name) -> Text:
    text = Text("  ✗ ", style="red")
    text.append(name(record.trajectory, record.file), style="bold")
    if record.status == DIVERGED:
        text.append(f" leaves every successful run at step {record.step} (#{record.position}): ")
        text.append(_action(record.action))
    elif record.status == STOPPED:
        text.append(f" ended after {record.length} actions where successful runs went on" if record.length else
                    " took no action where successful runs went on")
    elif record.status == IDENTICAL:
        text.append(f" took the same {record.length} actions as a successful run: the difference is not in its "
                    "actions (tool outputs, the user, the final state)")
    if record.alternatives:
        text.append("\n      successful runs did instead: ", style="dim")
        text.append("; ".join(f"{_action(a.action)} ×{a.runs}" for a in record.alternatives[:3]), style="green")
        if len(record.alternatives) > 3:
            text.append(f"; {len(record.alternatives) - 3} more", style="dim")
    if record.value is not None and record.status in (DIVERGED, STOPPED):
        text.append(f"\n      success rate of the {record.runs} runs sharing the prefix before it: "
                    f"{_pct(record.value)}", style="dim")
    return text


def render_diverge_text(result: DivergenceResult, console: Console) -> None:
    name = _namer({r.file for r in result.records})
    statuses = Counter(r.status for r in result.records)
    failed = len(result.records) - statuses[SUCCESS]
    console.print(Text(f"{len(result.records)} runs of {len(result.tree_list)} tasks, {statuses[SUCCESS]} successful; "
                       f"of {failed} failed runs: {statuses[DIVERGED]} diverged, {statuses[STOPPED]} stopped early, "
                       f"{statuses[IDENTICAL]} identical to a successful run, {statuses[NO_SUCCESS]} in tasks with "
                       "no successful run", style="bold"))
    _left_out(result, console)
    by_task: dict[str, list[Divergence]] = {}
    for record in result.records:
        by_task.setdefault(record.task, []).append(record)
    for task in result.tree_list:
        root = task.root
        head = Text("task ", style="bold")
        head.append(one_line(task.task, 60), style="bold")
        head.append(f" — {root.runs} runs, {root.successes} successful", style=_rate_style(root.value))
        if not root.successes:
            head.append(" — no successful run: nothing to compare the failures with", style="dim")
        view = Tree(head, guide_style="dim")
        _ends(view, root, task, name)
        for child in _ordered(root):
            _add(view, child, 0, task, result.table, name)
        console.print(view)
        for record in by_task.get(task.task, ()):
            if record.status in (DIVERGED, STOPPED, IDENTICAL):
                console.print(_line(record, name))


def _left_out(result: DivergenceResult | RewardsResult, console: Console) -> None:
    if result.without_task or result.without_verdict:
        console.print(Text(f"left out: {result.without_task} runs without a task id, {result.without_verdict} "
                           "without a verdict (outcome.success; attach one with --outcomes)", style="dim"))


def _record(record: Divergence) -> dict[str, Any]:
    return {
        "type": "divergence",
        "trajectory": record.trajectory,
        "file": record.file,
        "task": record.task,
        "success": record.success,
        "status": record.status,
        "length": record.length,
        "position": record.position,
        "step": record.step,
        "action": record.action,
        "successful_alternatives": [{"action": a.action, "runs": a.runs} for a in record.alternatives],
        "value_before": record.value,
        "runs_before": record.runs if record.value is not None else None,
    }


def _summary(result: DivergenceResult) -> dict[str, Any]:
    statuses = Counter(r.status for r in result.records)
    return {
        "trajectories": result.trajectories,
        "runs": len(result.records),
        "tasks": len(result.tree_list),
        "statuses": {status: statuses[status] for status in STATUSES},
        "without_task": result.without_task,
        "without_verdict": result.without_verdict,
    }


def _tasks(result: DivergenceResult | RewardsResult) -> list[dict[str, Any]]:
    tasks = result.tasks
    return [{"task": t.task, "runs": t.runs, "successes": t.successes, "value": t.successes / t.runs} for t in tasks]


def diverge_lines(result: DivergenceResult) -> Iterator[bytes]:
    for record in result.records:
        yield dumps(_record(record)) + b"\n"
    yield dumps({"type": "summary", **_summary(result)}) + b"\n"


def diverge_json(result: DivergenceResult) -> dict[str, Any]:
    return {"type": "divergence_report", **_summary(result), "task_list": _tasks(result),
            "records": [_record(r) for r in result.records]}


# ---------------------------------------------------------------- rewards


def _value(value: StepValue) -> dict[str, Any]:
    return {
        "trajectory": value.trajectory,
        "file": value.file,
        "task": value.task,
        "success": value.success,
        "step": value.step,
        "position": value.position,
        "action": value.action,
        "value": value.value,
        "advantage": value.advantage,
        "runs": value.runs,
        "successes": value.successes,
    }


def rewards_lines(result: RewardsResult) -> Iterator[bytes]:
    for value in result.values:
        yield dumps(_value(value)) + b"\n"


def rewards_json(result: RewardsResult) -> dict[str, Any]:
    return {"type": "rewards", "trajectories": result.trajectories, "without_task": result.without_task,
            "without_verdict": result.without_verdict, "task_list": _tasks(result),
            "values": [_value(v) for v in result.values]}


def render_rewards_text(result: RewardsResult, console: Console) -> None:
    """Per run, only the steps that change the value (advantage ≠ 0): the rest are shared by all runs alike."""
    name = _namer({v.file for v in result.values})
    runs: dict[tuple[str, str, str], list[StepValue]] = {}
    for value in result.values:
        runs.setdefault((value.task, value.file, value.trajectory), []).append(value)
    console.print(Text(f"{len(runs)} runs with actions, {len(result.tasks)} tasks; value = success rate of the runs "
                       "sharing the prefix up to a step, advantage = value after − value before; steps with "
                       "advantage 0 are not shown (see --format jsonl)", style="bold"))
    _left_out(result, console)
    for (task, file, trajectory), values in runs.items():
        success = values[0].success
        head = Text("✓ " if success else "✗ ", style="green" if success else "red")
        head.append(name(trajectory, file), style="bold")
        head.append(f"  task {one_line(task, 40)}", style="dim")
        console.print(head)
        changes = [v for v in values if v.advantage != 0]
        if not changes:
            console.print(Text("    no step changes the value: every prefix of this run has its task's success rate",
                               style="dim"))
        for v in changes:
            line = Text(f"    step {v.step:>4} #{v.position:<3} ", style="dim")
            line.append(f"{v.advantage:+.2f}", style="green" if v.advantage > 0 else "red")
            line.append(f" → {v.value:.2f} ({v.successes}/{v.runs} runs)  ", style=_rate_style(v.value))
            line.append(one_line(v.action, ACTION_WIDTH))
            console.print(line)


def write_lines(lines: Iterator[bytes], out: IO[str]) -> None:
    write = out.buffer.write if hasattr(out, "buffer") else (lambda b: out.write(b.decode("utf-8")))
    out.flush()
    for line in lines:
        write(line)
