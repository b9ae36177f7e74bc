"""Fingerprints of findings, and `--baseline`: report only the findings a previous run did not have.

A fingerprint names a finding by what it is about, not where it was printed: the rule, the trajectory, and the
finding's evidence (the tool, the error, the claim's text...) without its positions (steps, lines, spans), or, for a
finding without evidence, its message with the numbers masked. Not the step's whole event: results sent back by
parallel workers (--jobs) do not carry it, and the output must not depend on --jobs. Lines added above or between
trajectories, or steps renumbered, leave it unchanged; a different tool error or a different claim changes it. A
file-level finding (no trajectory) adds the file's base name. Two findings with the same fingerprint are matched
by count: a baseline with one lets one pass.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from trajaudit.model import Finding, Summary, TrajectoryResult

POSITION_KEY = re.compile(r"(^|_)(step|steps|line|lines|span|spans|index|seq)$")
DIGITS = re.compile(r"\d+")


class BaselineError(Exception):
    """A --baseline file that is not a trajaudit JSON report with fingerprints: a usage error."""


def fingerprint(finding: Finding) -> str:
    evidence = {k: v for k, v in (finding.evidence or {}).items() if not POSITION_KEY.search(k)}
    parts = [finding.code, finding.trajectory or ""]
    if finding.trajectory is None:
        parts.append(finding.file.replace("\\", "/").rsplit("/", 1)[-1])
    if evidence:
        # the stdlib's encoder: it writes a lone surrogate from a log as an escape where orjson refuses it
        parts.append(json.dumps(evidence, sort_keys=True, default=str))
    else:
        parts.append(DIGITS.sub("#", finding.message))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprints(result: TrajectoryResult) -> list[str]:
    """One per finding of `result`, in order."""
    return [fingerprint(f) for f in result.findings]


def load(path: Path) -> Counter[str]:
    """The fingerprints of a previous `--format json` report, counted."""
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise BaselineError(f"--baseline {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise BaselineError(f"--baseline {path}: not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("trajectories"), list):
        raise BaselineError(f"--baseline {path}: not a trajaudit --format json report")
    found: Counter[str] = Counter()
    trajectories = [t for t in document["trajectories"] if isinstance(t, dict)]
    records: list[Any] = [f for t in trajectories for f in t.get("finding_list") or ()]
    records += list(document.get("findings") or ())
    for record in records:
        value = record.get("fingerprint") if isinstance(record, dict) else None
        if not isinstance(value, str):
            raise BaselineError(
                f"--baseline {path}: a finding without a fingerprint (written by an older trajaudit?); "
                "write the baseline again with --format json"
            )
        found[value] += 1
    return found


class Baseline:
    """Drops from a run's items the findings the baseline has, and takes them out of the summary's counts, so the
    report and the exit code are about new findings only."""

    def __init__(self, known: Counter[str]) -> None:
        self.known = known
        self.hidden = 0
        self.new = 0

    def filter(self, items: Iterable[TrajectoryResult | Finding], summary: Summary) -> Iterator[Any]:
        for item in items:
            if isinstance(item, TrajectoryResult):
                kept = [f for f, fp in zip(item.findings, fingerprints(item), strict=True) if not self._known(fp)]
                if len(kept) != len(item.findings):
                    dropped = set(map(id, item.findings)) - set(map(id, kept))
                    for finding in item.findings:
                        if id(finding) in dropped:
                            _uncount(summary, finding)
                    before = item.verdict
                    item = replace(item, findings=tuple(kept))
                    summary.verdicts[before] -= 1
                    summary.verdicts[item.verdict] += 1
                self.new += len(kept)
            elif self._known(fingerprint(item)):
                _uncount(summary, item)
                continue
            else:
                self.new += 1
            yield item

    def _known(self, value: str) -> bool:
        if self.known[value] > 0:
            self.known[value] -= 1
            self.hidden += 1
            return True
        return False


def _uncount(summary: Summary, finding: Finding) -> None:
    """Take a known finding out of the counts, leaving no zero entries (a rule no new finding has is not listed)."""
    summary.count(finding, -1)
    by_rule, by_severity = summary.findings_by_rule, summary.findings_by_severity
    for counts, key in ((by_rule, finding.code), (by_severity, finding.severity.label)):
        if counts.get(key) == 0:
            del counts[key]
