"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per finding.

Log text (messages, file names) is cleaned before it is escaped: control characters (ESC, BEL, all of C0 and C1)
and bidi overrides become '�', U+2028/U+2029 become line breaks, and line breaks and '%' (and, in properties, ':'
and ',') take the annotation's own escapes, so an annotation stays one line that the runner reads as intended.
"""

from __future__ import annotations

from typing import IO, Iterable

from trajaudit.model import Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.locate import lines_in
from trajaudit.report.safe import clean

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    text = clean(text).replace("\t", " ").replace("\u2028", "\n").replace("\u2029", "\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, line: int | None = None) -> str:
    props = [f"file={_property(finding.file)}"]
    if finding.line or line:
        props.append(f"line={finding.line or line}")
    props.append(f"title={_property(f'{finding.code} {finding.name}')}")
    where = f"trajectory {finding.trajectory}" + (f" step {finding.step}" if finding.step is not None else "")
    message = f"{finding.message} ({where})" if finding.trajectory else finding.message
    return f"::{COMMAND[finding.severity]} {','.join(props)}::{_data(message)}"


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    # Findings in a whole-document log carry a JSON path, not a line: they are held until their file's findings
    # are complete (an imported file's trajectories end together), then located in one pass (see report.locate).
    held: list[Finding] = []
    for item in items:
        findings = item.findings if isinstance(item, TrajectoryResult) else (item,)
        for finding in findings:
            if held and finding.file != held[0].file:
                _flush(held, out)
            if held or (finding.path and not finding.line):
                held.append(finding)
            else:
                out.write((annotation(finding) + "\n").encode("utf-8"))
    _flush(held, out)


def _flush(held: list[Finding], out: IO[bytes]) -> None:
    if not held:
        return
    lines = lines_in(held[0].file, [f.path for f in held if f.path and not f.line])
    for finding in held:
        out.write((annotation(finding, lines.get(finding.path) if finding.path else None) + "\n").encode("utf-8"))
    held.clear()
