"""JUnit XML for CI test reports: one test case per trajectory; warnings and errors become its failure.

Findings that belong to no trajectory (unreadable lines) become a test case named after their file. Text from logs
is stripped of characters XML 1.0 cannot hold and escaped, so the document stays well-formed for any input.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import IO, Iterable
from xml.sax.saxutils import escape, quoteattr

from trajaudit.model import Finding, Severity, Summary, TrajectoryResult

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


def xml_attr(text: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", text))


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    cases: list[str] = []
    failures = 0
    loose: dict[str, list[Finding]] = defaultdict(list)
    for item in items:
        if isinstance(item, TrajectoryResult):
            first = item.trajectory.events[0] if item.trajectory.events else None
            case, failed = _case(first.file if first else "", item.trajectory.id, item.findings)
            cases.append(case)
            failures += failed
        else:
            loose[item.file].append(item)
    for file, findings in loose.items():
        case, failed = _case(file, f"{file} (input)", findings)
        cases.append(case)
        failures += failed
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="trajaudit" tests="{len(cases)}" failures="{failures}">\n'
        f'  <testsuite name="trajaudit" tests="{len(cases)}" failures="{failures}" errors="0" skipped="0">\n'
    )
    out.write((head + "".join(cases) + "  </testsuite>\n</testsuites>\n").encode("utf-8"))


def _case(file: str, name: str, findings: Iterable[Finding]) -> tuple[str, int]:
    findings = list(findings)
    failing = [f for f in findings if f.severity >= Severity.WARNING]
    notes = [f for f in findings if f.severity < Severity.WARNING]
    case = f"    <testcase classname={xml_attr(file)} name={xml_attr(name)}"
    if not findings:
        return case + "/>\n", 0
    body = ""
    if failing:
        first = failing[0]
        message = f"{first.code} {first.name}: {first.message}" + (
            f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
        )
        attributes = f"message={xml_attr(message)} type={xml_attr(first.code)}"
        body += f"      <failure {attributes}>{xml_text(_lines(failing))}</failure>\n"
    if notes:
        body += f"      <system-out>{xml_text(_lines(notes))}</system-out>\n"
    return case + ">\n" + body + "    </testcase>\n", 1 if failing else 0


def _lines(findings: list[Finding]) -> str:
    return "\n".join(
        f"{f.file}:{f.line or '-'} step {f.step if f.step is not None else '-'} {f.code} {f.name} "
        f"[{f.severity.label}]: {f.message}"
        for f in findings
    )
