"""JUnit XML for CI test reports: one test case per trajectory; findings at or above --fail-on become its failure.

Findings that belong to no trajectory (unreadable lines) become a test case named after their file. Text from logs
is stripped of characters XML 1.0 cannot hold and escaped, so the document stays well-formed for any input.

CI jobs print this file, and GitHub Actions runs any printed line that starts with `::` (`::add-mask::`,
`::stop-commands::`) or holds `##[`: log text therefore never starts a line of the document. Its line breaks, tabs,
C1 controls and U+2028/U+2029 are written as character references (`&#10;`: the same text to an XML parser, but not
a line break in a log), a line that would start with `::` gets its first ':' as `&#58;`, and `##[` becomes
`#&#35;[`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import IO, Iterable
from xml.sax.saxutils import escape, quoteattr

from trajaudit.model import Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.safe import encodable

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# legal in XML, but raw they break or hide lines for whoever reads the file as text
_AS_REFERENCE = re.compile("[\t\n\r\x7f-\x9f\u2028\u2029]|##\\[")
_COMMAND_START = re.compile(r"(?m)^(\s*):")
TIME = "0.000"  # JUnit readers expect the attribute; a measured value would make the report differ run to run


def _reference(match: re.Match[str]) -> str:
    found = match.group()
    return "#&#35;[" if found == "##[" else f"&#{ord(found)};"


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub("\ufffd", encodable(text))


def xml_text(text: str) -> str:
    """Log text as element content, on one line of the document."""
    return _AS_REFERENCE.sub(_reference, escape(_xml_chars(text)))


def xml_attr(text: str) -> str:
    """Log text as a quoted attribute value."""
    return _AS_REFERENCE.sub(_reference, quoteattr(_xml_chars(text)))


def render(
    items: Iterable[TrajectoryResult | Finding],
    summary: Summary,
    out: IO[bytes],
    fail_on: Severity | None = Severity.WARNING,
) -> None:
    """Findings at or above `fail_on` (the run's --fail-on; None for never) fail their test case, as they fail the
    job; the others are listed in its system-out. Inputs that could not be read at all are errors. Every `time` is
    0.000: the report is the same bytes whatever `--jobs` and however busy the machine (measured seconds made two
    runs of one input differ), and how long trajaudit took is no property of the run it judged."""
    cases: list[str] = []
    failures = 0
    loose: dict[str, list[Finding]] = defaultdict(list)
    for item in items:
        if isinstance(item, TrajectoryResult):
            first = item.trajectory.events[0] if item.trajectory.events else None
            case, failed = _case(first.file if first else "", item.trajectory.id, item.findings, fail_on)
            cases.append(case)
            failures += failed
        else:
            loose[item.file].append(item)
    for file, findings in loose.items():
        case, failed = _case(file, f"{file} (input)", findings, fail_on)
        cases.append(case)
        failures += failed
    shown = {f"{f.file}: {f.message}" for findings in loose.values() for f in findings}
    errors = [problem for problem in summary.unreadable if problem not in shown]
    for problem in errors:  # an input no finding stands for (not recognised, not the --from format)
        file = problem.split(": ", 1)[0]
        cases.append(
            f"    <testcase classname={xml_attr(file)} name={xml_attr(f'{file} (input)')} file={xml_attr(file)}"
            f' time="{TIME}">\n      <error message={xml_attr(problem)} type="unreadable-input"/>\n    </testcase>\n'
        )
    counts = f'tests="{len(cases)}" failures="{failures}" errors="{len(errors)}"'
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="trajaudit" {counts} time="{TIME}">\n'
        f'  <testsuite name="trajaudit" {counts} skipped="0" time="{TIME}">\n'
    )
    out.write((head + "".join(cases) + "  </testsuite>\n</testsuites>\n").encode("utf-8"))


def _case(file: str, name: str, findings: Iterable[Finding], fail_on: Severity | None) -> tuple[str, int]:
    findings = list(findings)
    failing = [f for f in findings if fail_on is not None and f.severity >= fail_on]
    notes = [f for f in findings if not (fail_on is not None and f.severity >= fail_on)]
    case = f'    <testcase classname={xml_attr(file)} name={xml_attr(name)} file={xml_attr(file)} time="{TIME}"'
    if not findings:
        return case + "/>\n", 0
    body = ""
    if failing:
        first = failing[0]
        message = f"{first.code} {first.name}: {first.message}" + (
            f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
        )
        attributes = f"message={xml_attr(message)} type={xml_attr(first.code)}"
        body += f"      <failure {attributes}>{_lines(failing)}</failure>\n"
    if notes:
        body += f"      <system-out>{_lines(notes)}</system-out>\n"
    return case + ">\n" + body + "    </testcase>\n", 1 if failing else 0


def _lines(findings: list[Finding]) -> str:
    """One line of element content per finding; each starts with a file name, kept from starting a command."""
    text = "\n".join(
        xml_text(
            f"{f.file}:{f.line or '-'} step {f.step if f.step is not None else '-'} {f.code} {f.name} "
            f"[{f.severity.label}]: {f.message}"
        )
        for f in findings
    )
    return _COMMAND_START.sub(r"\1&#58;", text)
