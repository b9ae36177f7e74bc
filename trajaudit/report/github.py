"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per finding."""

from __future__ import annotations

from typing import IO, Iterable

from trajaudit.model import Finding, Severity, Summary, TrajectoryResult

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    props = [f"file={_property(finding.file)}"]
    if finding.line:
        props.append(f"line={finding.line}")
    props.append(f"title={_property(f'{finding.code} {finding.name}')}")
    where = f"trajectory {finding.trajectory}" + (f" step {finding.step}" if finding.step is not None else "")
    message = f"{finding.message} ({where})" if finding.trajectory else finding.message
    return f"::{COMMAND[finding.severity]} {','.join(props)}::{_data(message)}"


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    for item in items:
        findings = item.findings if isinstance(item, TrajectoryResult) else (item,)
        for finding in findings:
            out.write((annotation(finding) + "\n").encode("utf-8"))
