"""SARIF 2.1.0 for code-scanning uploads: one result per finding, located at the source file and line.

The rules this run knows are listed in `tool.driver.rules` with their documentation as help text. The document is
built as data and serialised by orjson, so any text from a log stays valid JSON.
"""

from __future__ import annotations

from typing import IO, Any, Iterable
from urllib.parse import quote

import orjson

from trajaudit import __version__
from trajaudit.model import Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.safe import dumps, encodable
from trajaudit.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    index = {rule.code: i for i, rule in enumerate(RULES)}
    results = [_result(finding, index) for finding in _findings(items)]
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
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    out.write(dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def _findings(items: Iterable[TrajectoryResult | Finding]) -> Iterable[Finding]:
    for item in items:
        if isinstance(item, TrajectoryResult):
            yield from item.findings
        else:
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


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.file)}}
    if finding.line:
        location["region"] = {"startLine": finding.line}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "properties": {"trajectory": finding.trajectory, "step": finding.step},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.path:
        result["properties"]["jsonPath"] = finding.path
    return result


def _uri(file: str) -> str:
    if file == "-":
        return "stdin"
    path = file.replace("\\", "/").removeprefix("./")
    try:  # a name that was not UTF-8: its very bytes, percent-encoded, so the URI still names the file
        return quote(path, safe="/:@-._~", errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no such byte: written out, as everywhere
        return quote(encodable(path), safe="/:@-._~")
