"""Markdown for pull-request comments and job summaries: counts, then the trajectories that have findings."""

from __future__ import annotations

import re
from typing import IO, Iterable

from trajaudit.model import Finding, Summary, TrajectoryResult
from trajaudit.report.safe import one_line
from trajaudit.report.words import totals

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")
# GitHub links `@user`, `@org/team` (a notification) and `#123`, `org/repo#123` (a back-reference in that issue)
# in rendered text, whatever escaping came before: a zero-width joiner after the sign breaks the pattern.
_REFERENCE = re.compile(r"([@#])(?=[A-Za-z0-9])")


def md(text: str, limit: int = 200) -> str:
    """Log text made inert in Markdown: one line, no HTML, no formatting, no links, no mentions."""
    return _SPECIAL.sub(r"\\\1", _REFERENCE.sub("\\1\u200d", one_line(text, limit)))


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    sections: list[str] = []
    for item in items:
        if isinstance(item, TrajectoryResult):
            if item.findings:
                sections.append(_trajectory(item))
        else:
            sections.append(f"- **{md(item.file)}:{item.line or '-'}** `{item.code}` {item.name}: {md(item.message)}\n")
    lines = [
        "# trajaudit report\n",
        f"{totals(summary.files, summary.trajectories, summary.steps)}.\n",
        "| verdict | trajectories |",
        "|---|---:|",
        *(f"| {verdict} | {count} |" for verdict, count in summary.verdicts.items()),
        "",
    ]
    if summary.findings_by_rule:
        lines += ["| rule | findings |", "|---|---:|"]
        lines += [f"| {code} | {count} |" for code, count in sorted(summary.findings_by_rule.items())]
        lines.append("")
    out.write(("\n".join(lines) + "\n" + "\n".join(sections)).encode("utf-8"))


def _trajectory(result: TrajectoryResult) -> str:
    out = [f"## {md(result.trajectory.id, 100)} — {result.verdict}\n"]
    for finding in result.findings:
        step = f"step {finding.step}" if finding.step is not None else "trajectory"
        out.append(
            f"- `{finding.code}` {finding.name} ({step}, {md(finding.file, 100)}:{finding.line or '-'}): "
            f"{md(finding.message)}"
        )
    return "\n".join(out) + "\n"
