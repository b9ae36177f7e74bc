"""OpenTelemetry: each finding as a GenAI `gen_ai.evaluation.result` event on the span it concerns (`--format otel`).

The convention (semantic-conventions-genai, model/gen-ai/events.yaml, docs/gen-ai/gen-ai-events.md) defines
`gen_ai.evaluation.result` as an event, and OpenTelemetry events are log records with an event name; it "SHOULD be
parented to the GenAI operation span being evaluated". A span cannot be given events once it has been exported, so the
verdicts travel as log records carrying the evaluated span's `traceId` and `spanId`: the way opentelemetry-util-genai
sends its own GenAI events, and what a collector, or any backend that shows log events beside their trace, correlates
with the trace.

Output: OTLP JSON, one `ExportLogsServiceRequest` per trajectory, one per line: the collector's file exporter format,
which its `otlpjsonfile` receiver reads back, and each line a valid body for `POST /v1/logs` (OTLP/HTTP, JSON). Ids are
hex, as OTLP/JSON requires. Each finding is one log record:

- `eventName` `gen_ai.evaluation.result`; `severityNumber` / `severityText` from the finding's severity (ERROR 17,
  WARN 13, INFO 9); `timeUnixNano` the time of the event the finding is about, when the log gave one (never the
  clock: the same input gives the same bytes);
- `gen_ai.evaluation.name` the rule's name (`false-success-claim`), `gen_ai.evaluation.score.label` the verdict
  (`fail`, `warn`, `info`, as trajaudit's per-trajectory verdicts), `gen_ai.evaluation.explanation` the message.
  `gen_ai.evaluation.score.value` is left out: a rule finds, it does not score, and the convention asks for the value
  only "if applicable";
- `trajaudit.rule.code`, `trajaudit.trajectory`, `trajaudit.step`, `trajaudit.file`, `trajaudit.line`,
  `trajaudit.json_path` and `trajaudit.evidence` (JSON) say where trajaudit found it.

Which span: an event imported from OpenTelemetry keeps the trace and span it was read from (`origin.trace_id`,
`origin.span_id`), so a finding lands on that span (a finding about the whole trajectory on the span of its task).
Findings on any other input get ids derived from what identifies them, the same on every run: trace id = the first
16 bytes of SHA-256("trajaudit\\0" + trajectory id), span id = the first 8 bytes of SHA-256("trajaudit\\0" + trajectory
id + "\\0" + step) (step `trajectory` for a finding on the whole trajectory); a finding outside any trajectory (an
unreadable line) uses the file name for the trajectory id and its line for the step.
"""

from __future__ import annotations

import hashlib
from typing import IO, Any, Iterable, Mapping

from trajaudit import __version__
from trajaudit.model import VERDICT_BY_SEVERITY, Event, Finding, Severity, Summary, TrajectoryResult
from trajaudit.report.safe import dumps

EVENT_NAME = "gen_ai.evaluation.result"
SEVERITY = {Severity.ERROR: (17, "ERROR"), Severity.WARNING: (13, "WARN"), Severity.INFO: (9, "INFO")}
RESOURCE = [{"key": "service.name", "value": {"stringValue": "trajaudit"}}]
SCOPE = {"name": "trajaudit", "version": __version__}


def render(items: Iterable[TrajectoryResult | Finding], summary: Summary, out: IO[bytes]) -> None:
    for item in items:
        if isinstance(item, TrajectoryResult):
            if item.findings:
                places = _places(item.trajectory.events)
                records = [_record(finding, places) for finding in item.findings]
                out.write(dumps(_request(records)) + b"\n")
        else:
            out.write(dumps(_request([_record(item, {})])) + b"\n")


def _request(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceLogs": [{"resource": {"attributes": RESOURCE},
                              "scopeLogs": [{"scope": SCOPE, "logRecords": records}]}]}


def _places(events: Iterable[Event]) -> dict[int | None, tuple[str, str, int | None]]:
    """Where each step's first event was read: its OTel trace and span when it came from OpenTelemetry. The key None
    is the place of the whole trajectory: its task's span, else its first event's."""
    places: dict[int | None, tuple[str, str, int | None]] = {}
    first = task = None
    for event in events:
        origin = event.data.get("origin")
        if type(origin) is not dict or not _hex(origin.get("trace_id"), 32) or not _hex(origin.get("span_id"), 16):
            continue
        stamp = event.data.get("timestamp")
        nanos = int(stamp * 1e9) if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) else None
        place = (origin["trace_id"].lower(), origin["span_id"].lower(), nanos)
        places.setdefault(event.step, place)
        first = first or place
        if task is None and event.kind == "task":
            task = place
    if first is not None:
        places[None] = task or first
    return places


def _record(finding: Finding, places: Mapping[int | None, tuple[str, str, int | None]]) -> dict[str, Any]:
    place = places.get(finding.step)
    if place is None:
        trace_id, span_id = _derived(finding)
        nanos = None
        if finding.step is not None and None in places:  # an event without OTel ids in an OTel trajectory
            trace_id = places[None][0]
    else:
        trace_id, span_id, nanos = place
    number, text = SEVERITY[finding.severity]
    attributes = [
        _attribute("gen_ai.evaluation.name", finding.name),
        _attribute("gen_ai.evaluation.score.label", VERDICT_BY_SEVERITY[finding.severity]),
        _attribute("gen_ai.evaluation.explanation", finding.message),
        _attribute("trajaudit.rule.code", finding.code),
        _attribute("trajaudit.trajectory", finding.trajectory),
        _attribute("trajaudit.step", finding.step),
        _attribute("trajaudit.file", finding.file),
        _attribute("trajaudit.line", finding.line),
        _attribute("trajaudit.json_path", finding.path),
        _attribute("trajaudit.evidence", dumps(dict(finding.evidence)).decode() if finding.evidence else None),
    ]
    record: dict[str, Any] = {}
    if nanos is not None:
        record["timeUnixNano"] = str(nanos)
    record.update({
        "severityNumber": number,
        "severityText": text,
        "eventName": EVENT_NAME,
        "attributes": [a for a in attributes if a is not None],
        "traceId": trace_id,
        "spanId": span_id,
    })
    return record


def _attribute(key: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return {"key": key, "value": {"intValue": str(value)}}  # int64 is a string in OTLP/JSON
    return {"key": key, "value": {"stringValue": str(value)}}


def _derived(finding: Finding) -> tuple[str, str]:
    """Deterministic ids for a finding on input that carries none (see the module docstring)."""
    if finding.trajectory is not None:
        owner, step = finding.trajectory, "trajectory" if finding.step is None else str(finding.step)
    else:
        owner, step = finding.file, "file" if finding.line is None else str(finding.line)
    return derived_ids(owner, step)


def derived_ids(owner: str, step: str) -> tuple[str, str]:
    """(trace id, span id) in hex for a trajectory id and a step; never all zeros (an invalid id in OTLP)."""
    trace = hashlib.sha256(b"trajaudit\0" + owner.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    span = hashlib.sha256(b"trajaudit\0" + f"{owner}\0{step}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return (trace if trace.strip("0") else "1".zfill(32)), (span if span.strip("0") else "1".zfill(16))


def _hex(value: Any, size: int) -> bool:
    return isinstance(value, str) and len(value) == size and all(c in "0123456789abcdefABCDEF" for c in value)
