"""SARIF 2.1.0 for code-scanning uploads: one result per finding, located at the source file and line.

The rules this run knows are listed in `tool.driver.rules` with their documentation as help text. The document is
built as data and serialised by orjson, so any text from a log stays valid JSON. What GitHub code scanning asks
beyond the schema: files under the working directory as URIs relative to `%SRCROOT%` (declared in
`originalUriBaseIds`), a `region.startLine` also for findings in whole-document logs (the line where the event's
JSON element starts, see report.locate), `invocations[].executionSuccessful` with a notification per unreadable
input, and at most 25,000 results per run (the most severe kept, a notification says how many were left out).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Iterable
from urllib.parse import quote

import orjson

from trajaudit import __version__
from trajaudit.model import Finding, Severity, Summary, TrajectoryResult
from trajaudit.reader import REMOTE_NAMES
from trajaudit.report.baseline import fingerprint, fingerprints
from trajaudit.report.locate import lines_in
from trajaudit.report.safe import dumps, encodable
from trajaudit.report.words import counted
from trajaudit.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub code scanning rejects a run with more
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    index = {rule.code: i for i, rule in enumerate(RULES)}
    prints: dict[int, str] = {}  # id(finding) -> fingerprint; the findings stay alive in `findings`
    findings = list(_findings(items, prints))
    kept = _capped(findings)
    lines = _document_lines(kept)
    root = Path.cwd()
    results = [_result(finding, index, root, lines, prints[id(finding)]) for finding in kept]
    notifications = [_notification(text, "error") for text in (*summary.unreadable, *summary.internal_errors)]
    notifications += [_notification(text, "note") for text in summary.notes]
    if summary.skipped:
        skipped = counted(len(summary.skipped), "file")
        notifications.append(_notification(f"skipped {skipped} no importer recognises", "note"))
    if len(findings) > len(kept):
        notifications.append(_notification(
            f"{len(findings) - len(kept)} of {len(findings)} results left out: GitHub code scanning accepts at most "
            f"{MAX_RESULTS} per run (the most severe are kept; --format json lists all)", "warning"))
    invocation: dict[str, Any] = {
        "executionSuccessful": not (summary.unreadable or summary.internal_errors),
        "toolExecutionNotifications": notifications,
    }
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "trajaudit",
                        "version": __version__,
                        "informationUri": "https://github.com/trajaudit/trajaudit",
                        "rules": [_rule(rule) for rule in RULES],
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": _directory_uri(root)}},
                "invocations": [invocation],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    out.write(dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def _capped(findings: list[Finding]) -> list[Finding]:
    """At most MAX_RESULTS, the most severe first chosen, in their original order."""
    if len(findings) <= MAX_RESULTS:
        return findings
    order = sorted(range(len(findings)), key=lambda i: -findings[i].severity)[:MAX_RESULTS]
    return [findings[i] for i in sorted(order)]


def _document_lines(findings: list[Finding]) -> dict[tuple[str, str], int]:
    """Lines of the elements that findings in whole-document logs point to (by JSON path; see report.locate)."""
    wanted: dict[str, set[str]] = {}
    for finding in findings:
        if not finding.line and finding.path:
            wanted.setdefault(finding.file, set()).add(finding.path)
    return {(file, path): line for file, paths in wanted.items() for path, line in lines_in(file, paths).items()}


def _notification(text: str, level: str) -> dict[str, Any]:
    return {"level": level, "message": {"text": text}}


def _findings(items: Iterable[TrajectoryResult | Finding], prints: dict[int, str]) -> Iterable[Finding]:
    for item in items:
        if isinstance(item, TrajectoryResult):
            for finding, value in zip(item.findings, fingerprints(item), strict=True):
                prints[id(finding)] = value
                yield finding
        else:
            prints[id(item)] = fingerprint(item)
            yield item


def _rule(rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
    }


def _result(
    finding: Finding, index: dict[str, int], root: Path, lines: dict[tuple[str, str], int], print_: str
) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _artifact(finding.file, root)}
    line = finding.line or (lines.get((finding.file, finding.path)) if finding.path else None)
    if line:
        location["region"] = {"startLine": line}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "properties": {"trajectory": finding.trajectory, "step": finding.step},
        # what --baseline matches on: survives lines shifting, so code scanning tracks a finding across runs too
        "partialFingerprints": {"trajauditFingerprint/v1": print_},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.path:
        result["properties"]["jsonPath"] = finding.path
    return result


def _artifact(file: str, root: Path) -> dict[str, Any]:
    """A path under the working directory (the repository root in CI) as a relative URI against %SRCROOT%, as code
    scanning requires; any other as an absolute file URI; a file in an object store as its URI."""
    if file == "-":
        return {"uri": "stdin"}
    if file in REMOTE_NAMES:  # a file in an object store: its URI (s3://bucket/key) is absolute already
        return {"uri": _quote(file)}
    path = file.replace("\\", "/")
    absolute = os.path.normpath(os.path.join(root, path))
    relative = os.path.relpath(absolute, root).replace("\\", "/")
    if relative != ".." and not relative.startswith("../"):
        return {"uri": _quote(relative), "uriBaseId": ROOT_ID}
    return {"uri": "file://" + _quote(absolute.replace("\\", "/") if absolute.startswith("/") else "/" + absolute)}


def _directory_uri(root: Path) -> str:
    text = str(root).replace("\\", "/")
    return "file://" + _quote(text if text.startswith("/") else "/" + text).rstrip("/") + "/"


def _quote(path: str) -> str:
    try:  # a name that was not UTF-8: its very bytes, percent-encoded, so the URI still names the file
        return quote(path, safe="/:@-._~", errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no such byte: written out, as everywhere
        return quote(encodable(path), safe="/:@-._~")
