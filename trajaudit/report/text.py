"""The human view: per trajectory a header and one line per step with its verdict, then a summary table.

The only formatter that imports rich. Log text goes into `rich.text.Text` objects (never parsed as markup) after
`safe.one_line` has removed control sequences, so a log cannot style or drive the terminal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from rich.cells import set_cell_size
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trajaudit import confidence
from trajaudit.lazy import np
from trajaudit.model import ClaimRecord, Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.gist import gist
from trajaudit.report.safe import one_line
from trajaudit.rules import BY_CODE

SPARK = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 32
VERDICT_STYLE = {"ok": "green", "info": "cyan", "warn": "yellow", "fail": "bold red"}
SEVERITY_VERDICT = {Severity.INFO: "info", Severity.WARNING: "warn", Severity.ERROR: "fail"}
OUTCOME_TEXT = {True: ("success", "green"), False: ("failure", "red"), None: ("no outcome", "dim")}
HIDDEN_WITH_ONLY_FAILURES = ("ok", "info")
CLAIM_STYLE = {"contradicted": "bold red", "unsupported": "yellow", "supported": "green", "unverifiable": "dim"}
MAX_CLAIM_LINES = 5


def render(
    items: Iterable[TrajectoryResult | Finding],
    summary: Summary,
    console: Console,
    *,
    only_failures: bool = False,
    show_summary: bool = True,
    validate: bool = False,
) -> None:
    """Print results as they stream in, then the summary."""
    for item in items:
        if isinstance(item, TrajectoryResult):
            if only_failures and item.verdict in HIDDEN_WITH_ONLY_FAILURES:
                continue
            _trajectory(item, console)
        else:
            console.print(_loose(item), soft_wrap=False, overflow="ellipsis", no_wrap=True)
    if show_summary:
        render_summary(summary, console, validate=validate)


def _trajectory(result: TrajectoryResult, console: Console) -> None:
    trajectory = result.trajectory
    header = Text()
    header.append("● ", style=VERDICT_STYLE[result.verdict])
    header.append(one_line(trajectory.id, 60), style="bold")
    task = trajectory.task
    if task is not None and task.get("task_id"):
        header.append("  task ", style="dim")
        header.append(one_line(str(task.get("task_id")), 40))
    header.append("  ")
    header.append(result.verdict.upper(), style=VERDICT_STYLE[result.verdict])
    label, style = OUTCOME_TEXT[result.outcome]
    header.append("  outcome ", style="dim")
    header.append(label, style=style)
    first = trajectory.events[0] if trajectory.events else None
    if first is not None:
        header.append(f"  {one_line(first.file)}" + (f":{first.line}" if first.line else ""), style="dim")
    console.print(header, no_wrap=True, overflow="ellipsis")
    line = _sparkline(result)
    if line is not None:
        console.print(line, no_wrap=True, overflow="ellipsis")
    for claim in result.claims[:MAX_CLAIM_LINES]:
        console.print(_claim_line(claim), no_wrap=True, overflow="ellipsis")
    if len(result.claims) > MAX_CLAIM_LINES:
        console.print(Text(f"      … {len(result.claims) - MAX_CLAIM_LINES} more claims", style="dim"))

    by_step: dict[int | None, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_step[finding.step].append(finding)
    for finding in by_step.pop(None, []):
        _print_finding(console, finding, indent=7, located=finding.code == "TA002")
    width = max(40, console.width - 26)
    for event in trajectory.events:
        findings = by_step.get(event.step, [])
        verdict = SEVERITY_VERDICT[max(f.severity for f in findings)] if findings else "ok"
        line = Text()
        line.append(f"{event.step:>5} ", style="dim")
        line.append(f"{event.kind:<12}", style="bold" if event.kind in ("tool_call", "outcome") else "")
        line.append(set_cell_size(gist(event, width), width) + " ")
        line.append(f"{verdict:>4}", style=VERDICT_STYLE[verdict])
        console.print(line, no_wrap=True, overflow="ellipsis")
        for finding in findings:
            _print_finding(console, finding, indent=18)
        by_step.pop(event.step, None)
    for findings in by_step.values():  # findings on lines that are not among the events (schema errors)
        for finding in findings:
            _print_finding(console, finding, indent=7, located=True)
    console.print()


def _claim_line(claim: ClaimRecord) -> Text:
    """One claim of the final report with its verdict: what the agent said, and whether the log bears it out."""
    text = Text("     claim ", style="dim")
    text.append(f"{claim.verdict:<13}", style=CLAIM_STYLE[claim.verdict])
    if claim.step is not None:
        text.append(f"step {claim.step}  ", style="dim")
    what = claim.action or claim.type.replace("_", " ")
    text.append(one_line(what + (f" {claim.target}" if claim.target else ""), 40) + "  ", style="bold")
    if claim.evidence_step is not None:
        text.append(f"(evidence: step {claim.evidence_step})  ", style="dim")
    text.append(f'"{one_line(claim.text, 100)}"')
    return text


def sparkline(values: list[float], width: int = SPARK_WIDTH, bounds: tuple[float, float] | None = None) -> str:
    """Unicode blocks for a series, averaged down to at most `width` cells; scaled to `bounds` or its own range."""
    if not values:
        return ""
    if len(values) > width:
        size = len(values) / width
        values = [
            sum(chunk) / len(chunk)
            for chunk in (values[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)] for i in range(width))
        ]
    low, high = bounds or (min(values), max(values))
    span = (high - low) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(max(0.0, v - low) / span * len(SPARK)))] for v in values)


def _sparkline(result: TrajectoryResult) -> Text | None:
    """Confidence per step, drawn under the header, so a collapse in the middle is seen at a glance."""
    trace = confidence.from_trajectory(result.trajectory)
    if trace is None or trace.n == 0:
        return None
    steps, values = confidence.per_step(trace)
    text = Text("      conf ", style="dim")
    # Stated confidences are probabilities: drawn on [0, 1] so 0.93 vs 0.95 does not look like a collapse.
    bounds = (0.0, 1.0) if trace.basis == confidence.BASIS_STATED else None
    text.append(sparkline([float(v) for v in values], bounds=bounds), style="cyan")
    low = int(np.argmin(values))
    text.append(
        f"  min {values[low]:.3g} at step {int(steps[low])}, mean {trace.mean:.3g} ({trace.basis})", style="dim"
    )
    return text


def _print_finding(console: Console, finding: Finding, indent: int, located: bool = False) -> None:
    """Findings are the point of the report: wrapped under their step with a hanging indent, never cut off."""
    margin = Text(" " * indent)
    for line in _finding_line(finding, located).wrap(console, max(20, console.width - indent)):
        line.rstrip()
        console.print(margin + line, no_wrap=True, overflow="ignore")


def _finding_line(finding: Finding, located: bool = False) -> Text:
    verdict = SEVERITY_VERDICT[finding.severity]
    text = Text("└ ")
    if located:
        text.append(one_line(finding.file + (f":{finding.line}" if finding.line else "")) + " ", style="bold")
    text.append(finding.code, style=VERDICT_STYLE[verdict])
    text.append(f" {finding.name}: ", style="dim")
    text.append(one_line(finding.message))
    return text


def _loose(finding: Finding) -> Text:
    verdict = SEVERITY_VERDICT[finding.severity]
    where = finding.file + (f":{finding.line}" if finding.line else "")
    text = Text()
    text.append(one_line(where), style="bold")
    text.append("  ")
    text.append(finding.code, style=VERDICT_STYLE[verdict])
    text.append(f" {finding.name}: ", style="dim")
    text.append(one_line(finding.message))
    return text


def render_summary(summary: Summary, console: Console, *, validate: bool = False) -> None:
    overview = Table(title="Summary", show_header=False, title_justify="left", box=None, padding=(0, 2))
    overview.add_column(style="bold")
    overview.add_column(justify="right")
    overview.add_row("files", str(summary.files))
    overview.add_row("lines", str(summary.lines))
    overview.add_row("trajectories", str(summary.trajectories))
    overview.add_row("events" if validate else "steps", str(summary.steps))
    if validate:
        console.print(overview)
        invalid = sum(summary.findings_by_rule.values())
        console.print(
            Text(f"{invalid} problems" if invalid else "All events valid.", style="red" if invalid else "green")
        )
        return
    verdicts = Text()
    for verdict, count in summary.verdicts.items():
        verdicts.append(f"{verdict} {count}  ", style=VERDICT_STYLE[verdict] if count else "dim")
    overview.add_row("verdicts", verdicts)
    outcomes = summary.outcomes
    overview.add_row(
        "outcomes", f"success {outcomes['success']}  failure {outcomes['failure']}  none {outcomes['none']}"
    )
    if any(summary.claims.values()):
        claims = Text()
        for verdict, count in summary.claims.items():
            claims.append(f"{verdict} {count}  ", style=CLAIM_STYLE[verdict] if count else "dim")
        overview.add_row("claims", claims)
    if summary.formats:
        overview.add_row("formats", "  ".join(f"{name} {n}" for name, n in sorted(summary.formats.items())))
    console.print(overview)
    if summary.findings_by_rule:
        table = Table(title="Findings by rule", title_justify="left")
        table.add_column("code")
        table.add_column("name")
        table.add_column("count", justify="right")
        for code, count in sorted(summary.findings_by_rule.items()):
            rule = BY_CODE.get(code)
            table.add_row(code, rule.name if rule else "", str(count))
        console.print(table)
    else:
        console.print(Text("No findings.", style="green"))
