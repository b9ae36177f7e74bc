"""The data every stage passes on: events, trajectories, findings. Plain frozen dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum
from operator import itemgetter
from typing import Any, Mapping, NamedTuple

from trajaudit.records import dataclass

KINDS = ("task", "message", "reasoning", "tool_call", "tool_result", "outcome", "claim")


class Severity(IntEnum):
    """How bad a finding is; ordered so that comparisons mean 'at least as bad'."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None


VERDICT_BY_SEVERITY = {None: "ok", Severity.INFO: "info", Severity.WARNING: "warn", Severity.ERROR: "fail"}


MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep memory and output bounded on hostile input: `[limits]` in the configuration, with the same
    names in kebab-case (max-line-bytes, ...). What goes over a cap is reported (TA001, TA002 or TA003, naming the
    cap) and the rest of the input is still read."""

    max_line_bytes: int = 64 * MiB  # one JSONL line; a longer line is skipped unread
    max_document_bytes: int = 512 * MiB  # one whole-document log (decompressed), or one member of an .eval zip
    max_findings_per_event: int = 100  # schema errors listed for one event; then one "N more" finding
    max_findings_per_file: int = 1000  # TA001/TA002 findings listed for one file; then one "N more" per code
    max_open_trajectories: int = 10_000  # held at once; past it the oldest opened is audited as it stands

    @staticmethod
    def key(name: str) -> str:
        """The configuration name of a field: max_line_bytes -> max-line-bytes."""
        return name.replace("_", "-")


class Event(tuple):
    """One validated event: where it was read (file, 1-based line or None) and its JSON object.

    A tuple underneath: the engine builds one per input line, and a tuple is built and read several times faster
    than a frozen dataclass. `kind` and `step` are copied out of `data` because every rule asks for them.
    """

    __slots__ = ()

    def __new__(cls, file: str, line: int | None, data: Mapping[str, Any], seq: int = 0) -> Event:
        # seq: arrival order across all input, so step-order checks can see what came when
        return tuple.__new__(cls, (file, line, data, seq, data["kind"], data["step"]))

    file: str = property(itemgetter(0))  # type: ignore[assignment]
    line: int | None = property(itemgetter(1))  # type: ignore[assignment]
    data: Mapping[str, Any] = property(itemgetter(2))  # type: ignore[assignment]
    seq: int = property(itemgetter(3))  # type: ignore[assignment]
    kind: str = property(itemgetter(4))  # type: ignore[assignment]
    step: int = property(itemgetter(5))  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Event({self[0]!r}, {self[1]!r}, {self[2]!r}, seq={self[3]})"

    def __getnewargs__(self) -> tuple:
        return (self[0], self[1], self[2], self[3])

    @property
    def path(self) -> str | None:
        """JSON path inside a whole-document source (imported events), from `origin.path`."""
        origin = self[2].get("origin")
        return origin.get("path") if type(origin) is dict else None

    def get(self, key: str, default: Any = None) -> Any:
        return self[2].get(key, default)

    @property
    def is_assistant_message(self) -> bool:
        return self[4] == "message" and self[2].get("role") == "assistant"


@dataclass(frozen=True, slots=True)
class Trajectory:
    """One agent run: its events ordered by step (arrival order breaks ties)."""

    id: str
    events: tuple[Event, ...]

    @property
    def file(self) -> str:
        return self.events[0].file if self.events else ""

    @property
    def task(self) -> Event | None:
        return next((e for e in self.events if e.kind == "task"), None)

    @property
    def outcome(self) -> Event | None:
        """The last verifier outcome, if any."""
        return next((e for e in reversed(self.events) if e.kind == "outcome"), None)


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule yields: the offending event (None for the whole trajectory), a message and evidence."""

    event: Event | None
    message: str
    evidence: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation stamped by the engine with its rule and location."""

    code: str
    name: str
    severity: Severity
    file: str
    line: int | None
    trajectory: str | None
    step: int | None
    message: str
    evidence: Mapping[str, Any] | None = None
    path: str | None = None  # JSON path: of the offending value (schema errors) or of the event in its document

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "finding",
            "file": self.file,
            "line": self.line,
            "trajectory": self.trajectory,
            "step": self.step,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
        }
        if self.path:
            out["path"] = self.path
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        return out


CLAIM_VERDICTS = ("contradicted", "unsupported", "supported", "unverifiable")


class ClaimRecord(NamedTuple):
    """One claim of a trajectory's final report with its verdict (see verdicts.py), as reports show it. A tuple:
    it travels from parallel workers as it is (see `transport`)."""

    step: int | None
    type: str  # task_complete, action_succeeded, tests_pass
    text: str  # the claim's words, on one line and shortened
    action: str | None
    target: str | None
    verdict: str  # one of CLAIM_VERDICTS
    basis: str  # why (verdicts.Basis)
    evidence_step: int | None  # the step that decides it, if any

    def as_dict(self, trajectory: str) -> dict[str, Any]:
        return {"type": "claim", "trajectory": trajectory, "step": self.step, "claim_type": self.type,
                "text": self.text, "action": self.action, "target": self.target, "verdict": self.verdict,
                "basis": self.basis, "evidence_step": self.evidence_step}


class StepConfidence(NamedTuple):
    """A trajectory's confidence per step, as the text view draws it under the trajectory's header (computed in the
    judge stage by `confidence.step_confidence`). A tuple: it travels from parallel workers as it is."""

    steps: tuple[int, ...]  # the steps that carry confidence, in order
    values: tuple[float, ...]  # mean confidence of each of those steps
    lowest: int  # index into steps/values of the lowest value (the first, on ties)
    mean: float  # mean over all positions of the trace
    basis: str  # where the numbers came from (confidence.TraceConfidence.basis)


@dataclass(frozen=True, slots=True)
class TrajectoryResult:
    """The verdict on one trajectory: its events, the findings about them and the verdicts on its claims."""

    trajectory: Trajectory
    findings: tuple[Finding, ...]
    steps: int | None = None  # set when `trajectory` was slimmed for transport (see `transport`)
    claims: tuple[ClaimRecord, ...] = ()
    confidence: StepConfidence | None = None  # set only when the run asks for it (engine.Options.step_confidence)

    @property
    def n_steps(self) -> int:
        return len(self.trajectory.events) if self.steps is None else self.steps

    def claim_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CLAIM_VERDICTS, 0)
        for claim in self.claims:
            counts[claim.verdict] += 1
        return counts

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def verdict(self) -> str:
        return VERDICT_BY_SEVERITY[self.worst]

    @property
    def outcome(self) -> bool | None:
        outcome = self.trajectory.outcome
        return None if outcome is None else bool(outcome.get("success"))


@dataclass
class Summary:
    """Counts over a whole run; filled in by the engine while it streams."""

    files: int = 0
    lines: int = 0
    bytes: int = 0
    trajectories: int = 0
    steps: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "info": 0, "warn": 0, "fail": 0})
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    findings_by_severity: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=lambda: {"success": 0, "failure": 0, "none": 0})
    formats: dict[str, int] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # sources that could not be read or recognised at all
    skipped: list[str] = field(default_factory=list)  # files in directories that no importer recognised
    notes: list[str] = field(default_factory=list)  # what the run left out on purpose (see `Limits`, `discover`)
    claims: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLAIM_VERDICTS, 0))  # claims by verdict

    def count(self, finding: Finding, times: int = 1) -> None:
        self.findings_by_rule[finding.code] = self.findings_by_rule.get(finding.code, 0) + times
        label = finding.severity.label
        self.findings_by_severity[label] = self.findings_by_severity.get(label, 0) + times
