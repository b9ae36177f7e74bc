"""OpenTelemetry GenAI traces (https://opentelemetry.io/docs/specs/semconv/gen-ai/) as an OTLP JSON export:
`{"resourceSpans": [{resource, scopeSpans: [{scope, spans: [{traceId, spanId, parentSpanId, name, startTimeUnixNano,
endTimeUnixNano, attributes: [{key, value: {stringValue|intValue|...}}], status{code, message}}]}]}]}`
— one document, or JSONL with one export request per line (the collector's file exporter).

Also log exports (`{"resourceLogs": [{scopeLogs: [{logRecords: [{eventName, attributes, body, traceId, spanId}]}]}]}`)
holding GenAI events as log records, as opentelemetry-util-genai sends them: in the same file as the spans, in a log
file given beside the trace file(s) of its traces (`paired`: joined by trace id), or alone. Field-by-field mapping
and the reasons: docs/otel.md.

Each trace is a trajectory (id = traceId). Spans are ordered depth-first along parent links, siblings by start time.
Every event's origin keeps the `trace_id` and `span_id` it was read from (for `--format otel`).
`gen_ai.operation.name`: invoke_workflow / invoke_agent / create_agent → task (the outermost one of a trace; goal from
its input messages, else its first model call's; nested agents' steps stay in the trajectory, marked with
`meta["gen_ai.agent.name"]`: semantic-conventions-genai docs/gen-ai/gen-ai-agent-spans.md, "Invoke workflow span"),
plan → reasoning (its model calls too: "Plan span"),
chat / text_completion / generate_content → assistant message (text and reasoning from `gen_ai.output.messages`,
tokens from `gen_ai.usage.*`), execute_tool → tool_call (`gen_ai.tool.name`, `gen_ai.tool.call.id`,
`gen_ai.tool.call.arguments`) + tool_result (`gen_ai.tool.call.result`; failed when `error.type` is set, the span
status is ERROR, or `gen_ai.tool.status` is error or timeout, as Strands Agents records a failed tool). Spans
without a GenAI operation (HTTP, DB, ...) are skipped. Semantic Kernel's operation names `chat.completions` /
`text.completions` (also the examples of the 1.26 conventions, docs/gen-ai/llm-spans.md) count as chat.

Many instrumentations record the content as span events (`events: [{timeUnixNano, name, attributes}]`) instead of
span attributes. The events of a span are read only for what its attributes lack (`gen_ai.output.messages` or
`gen_ai.completion.0.content` for a chat's answer, `gen_ai.input.messages` for the goal, `gen_ai.tool.call.arguments`
/ `gen_ai.tool.call.result` for a tool call), so nothing is read twice; an event built from a span event points at it
(`origin.path` `$.resourceSpans[0].scopeSpans[0].spans[3].events[1]`). Only layouts real producers write are read
(the opentelemetry-python-contrib GenAI instrumentations emit their events as log records: a log record joined to its
span is read as one of its events, its body standing for `gen_ai.event.content`):

- `gen_ai.client.inference.operation.details` (semconv >= 1.37, docs/gen-ai/gen-ai-events.md): attributes
  `gen_ai.input.messages` / `gen_ai.output.messages`, read like the span attributes: a JSON string (Strands Agents,
  src/strands/telemetry/tracer.py, with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental) or structured
  (kvlist/array values, as the convention asks of events). On execute_tool spans Strands records the call as a
  `tool_call` part (`arguments`) of the input and the result as a `tool_call_response` part (`response`) of the output.
- semconv <= 1.36 per-message events (now in model/gen-ai/deprecated/events-deprecated.yaml; Strands cites v1.36.0):
  `gen_ai.choice` gives a chat's answer (body {index, finish_reason, message: {role, content, tool_calls}}; its tool
  calls stay with the execute_tool spans, as for `gen_ai.output.messages`) and `gen_ai.user.message` the goal of an
  agent span. `gen_ai.system.message` / `gen_ai.assistant.message` are inputs the stream does not carry. A span event
  has only attributes, so the body is either one attribute `gen_ai.event.content` holding it as a JSON string (Azure AI
  Inference SDK, azure/ai/inference/tracing.py; Semantic Kernel .NET, InternalUtilities/src/Diagnostics/
  ModelDiagnostics.cs, whose text completions give `message` as a bare string) or flattened into one attribute per
  body field, maps and lists as JSON strings (Strands; JetBrains Koog, agents-features-opentelemetry). Strands writes a
  message's `content` (and a choice's `message`) as its JSON list of content blocks (`[{"text": ...}]`), and on
  execute_tool spans puts the call's input in `gen_ai.tool.message` `content` and its result in `gen_ai.choice`
  `message`: read as the arguments and output of the call.
- `gen_ai.content.prompt` / `gen_ai.content.completion` with attribute `gen_ai.prompt` / `gen_ai.completion` (semconv
  1.26, docs/gen-ai/llm-spans.md; OpenLIT; early Semantic Kernel, Python and .NET): a JSON list of
  OpenAI-format messages ({role, content}), a Python-literal one (the convention's own example), or plain text (OpenLIT
  joins the prompt into `role: content` lines and records the completion as its text).
"""

from __future__ import annotations

import ast
import base64
import binascii
import posixpath
import re
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator, NamedTuple, TypeVar

import orjson

from trajaudit.importers._common import (
    Emitter,
    as_text,
    error_text,
    first_json_value,
    first_line,
    flatten_text,
    has_key,
    parse_arguments,
    starts_with,
    tokens,
)
from trajaudit.reader import Malformed, Source, iter_json, read_document
from trajaudit.records import dataclass

T = TypeVar("T")
NAME = "otel"
DESCRIPTION = (
    "OTLP JSON export of traces or logs: {resourceSpans: [{scopeSpans: [{spans: [...]}]}]} with gen_ai.* "
    "attributes, or {resourceLogs: [{scopeLogs: [{logRecords: [...]}]}]} with GenAI events"
)

EXPORTS = ("resourceSpans", "resourceLogs", "resourceMetrics")  # what the collector's file exporter writes
AGENT_OPS = ("invoke_workflow", "invoke_agent", "create_agent")
PLAN_OPS = ("plan",)
TASK_META = ("gen_ai.workflow.name", "gen_ai.agent.name", "gen_ai.agent.id", "gen_ai.request.model")
GEN_AI_EVENTS = ("gen_ai.",)  # log records with another event name (application logs) are not GenAI events
CHAT_OPS = ("chat", "text_completion", "generate_content", "chat.completions", "text.completions")
TOOL_OPS = ("execute_tool",)
STATUS_ERROR = (2, "STATUS_CODE_ERROR", "ERROR")
TOOL_FAILED = ("error", "timeout")  # values of `gen_ai.tool.status` (Strands: success | error) that mean failure
HEX = re.compile(r"^[0-9a-fA-F]+$")
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
CHOICE_EVENT = "gen_ai.choice"
USER_EVENT = "gen_ai.user.message"
TOOL_MESSAGE_EVENT = "gen_ai.tool.message"
PROMPT_EVENT, COMPLETION_EVENT = "gen_ai.content.prompt", "gen_ai.content.completion"
LITERAL_LIMIT = 1_000_000


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object (or first JSONL line) with `resourceSpans` or `resourceLogs`."""
    return starts_with(head, b"{") and (has_key(head, "resourceSpans") or has_key(head, "resourceLogs"))


def attribute_value(value: Any) -> Any:
    """The plain value of an OTLP AnyValue ({stringValue}, {intValue: "5"}, {arrayValue: {values: [...]}}, ...)."""
    if not isinstance(value, dict):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return value["intValue"]
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        return [attribute_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return attributes((value["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    if isinstance(items, dict):
        return items
    out = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = attribute_value(item.get("value"))
    return out


def hex_id(raw: Any) -> str:
    """Trace/span ids as hex: OTLP JSON writes hex; protobuf's generic JSON mapping writes base64, accepted too."""
    if not isinstance(raw, str) or not raw:
        return ""
    if HEX.match(raw) and len(raw) in (16, 32):
        return raw.lower()
    try:
        return base64.b64decode(raw, validate=True).hex()
    except (binascii.Error, ValueError):
        return raw


def _seconds(nanos: Any) -> float | None:
    try:
        return int(nanos) / 1e9
    except (TypeError, ValueError):
        return None


def _json_value(raw: Any) -> Any:
    if isinstance(raw, str) and raw[:1] in ("[", "{"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    return raw


@dataclass(frozen=True, slots=True)
class JoinedSource(Source):
    """A trace file read together with the files that hold the rest of its traces (see `paired`)."""

    companions: tuple[Source, ...] = ()


CLASSIFY_BYTES = 4096  # an export request names its kind in its first key
# Names that are never an OTLP JSON export (SWE-agent trajectories, Inspect's zip archives): not opened to be
# classified, so a folder of 10,000 .traj files is not read 10,000 times before its audit starts.
NOT_EXPORTS = (".traj", ".eval")


def paired(sources: Iterable[Source]) -> list[Source]:
    """The sources of a run, each OTLP log file given beside the trace file(s) of its traces folded into the reading
    of one of them.

    The collector's file exporter writes one file per pipeline (traces, logs); given together, a log record is read
    with the span it names. In a folder (of the given files) with one trace export, every log export there is
    joined to it; only the first bytes of each file are looked at. In a folder with several, the files are read
    through once for their trace ids, and the files that share a trace are read together, as one source: the first
    trace file of them with the others (log files, and trace files holding the same trace). A log file that shares
    no trace with a trace file is read on its own, as are the trace files no log record names."""
    sources = list(sources)
    kinds: dict[int, str] = {}
    folders: dict[object, list[int]] = {}
    for index, kind in enumerate(_kinds(sources)):
        source = sources[index]
        if kind is not None:
            kinds[index] = kind
            folders.setdefault(_folder(source), []).append(index)
    joined: dict[int, list[int]] = {}
    for members in folders.values():
        traces = [i for i in members if kinds[i] == "traces"]
        logs = [i for i in members if kinds[i] == "logs"]
        if len(traces) == 1 and logs:
            joined[traces[0]] = logs
        elif traces and logs:
            for group in _sharing_traces(sources, sorted(members)):
                first = next((i for i in group if kinds[i] == "traces"), None)
                if first is not None and any(kinds[i] == "logs" for i in group):
                    joined[first] = [i for i in group if i != first]
    if not joined:
        return sources
    folded = {index for companions in joined.values() for index in companions}
    out: list[Source] = []
    for index, source in enumerate(sources):
        if index in joined:
            out.append(JoinedSource(source.name, source.path, source.optional, source.limits, source.problem,
                                    source.note, remote=source.remote,
                                    companions=tuple(sources[i] for i in joined[index])))
        elif index not in folded:
            out.append(source)
    return out


def _sharing_traces(sources: list[Source], members: list[int]) -> list[list[int]]:
    """The files of `members` (indexes, in order) grouped so that files holding spans or log records of one trace
    are in one group, each group in order."""
    root = {index: index for index in members}

    def find(index: int) -> int:
        while root[index] != index:
            root[index] = root[root[index]]
            index = root[index]
        return index

    holder: dict[str, int] = {}  # trace id -> the first file holding it
    for index, ids in zip(members, _map(_trace_ids, [sources[i] for i in members]), strict=True):
        for trace in sorted(ids):
            if trace in holder:
                root[find(index)] = find(holder[trace])
            else:
                holder[trace] = index
    groups: dict[int, list[int]] = {}
    for index in members:
        groups.setdefault(find(index), []).append(index)
    return [group for group in groups.values() if len(group) > 1]


def _trace_ids(source: Source) -> frozenset[str]:
    """The traces a file holds spans or log records of: each export request parsed and walked to its ids, nothing
    else read (what cannot be read is reported when the file is, not here)."""
    doc = read_document(source)
    if isinstance(doc, Malformed):  # several export requests, one per line
        requests: Iterable[Any] = (item[1] for item in iter_json(source) if not isinstance(item, Malformed))
    else:
        requests = (doc,)
    ids = set()
    for request in requests:
        if not isinstance(request, dict):
            continue
        for export, scopes_key, items_key in (("resourceSpans", "scopeSpans", "spans"),
                                              ("resourceLogs", "scopeLogs", "logRecords")):
            for resource in _list(request.get(export)):
                for scope in _list(resource.get(scopes_key) if isinstance(resource, dict) else None):
                    for item in _list(scope.get(items_key) if isinstance(scope, dict) else None):
                        if isinstance(item, dict):
                            ids.add(hex_id(item.get("traceId")))
    ids.discard("")
    return frozenset(ids)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


STORE_PROBES = 16  # objects in a store looked at at once: each look is a round trip, which threads overlap


def _kinds(sources: list[Source]) -> list[str | None]:
    """`_kind` of each source, in order."""
    return _map(_kind, sources)


def _map(look: Callable[[Source], T], sources: list[Source]) -> list[T]:
    """`look` at each source, in order; files in an object store looked at concurrently (a serial look at each of
    10,000 objects would be minutes of round trips before the audit starts)."""
    if not any(source.remote is not None for source in sources):
        return [look(source) for source in sources]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(STORE_PROBES) as pool:
        return list(pool.map(look, sources))


def _folder(source: Source) -> object:
    """The folder of a file, local or in an object store (there the prefix of its URI)."""
    if source.remote is not None:
        return posixpath.dirname(source.name)
    return source.path.parent  # type: ignore[union-attr]


def _kind(source: Source) -> str | None:
    """"traces" or "logs" for an OTLP JSON export (a trace export may hold log records too), else None."""
    if source.stdin or source.problem is not None or source.note is not None or source.name.endswith(NOT_EXPORTS):
        return None
    try:
        with source.open() as stream:
            head = stream.read(CLASSIFY_BYTES)
    except (OSError, EOFError, ValueError):
        return None
    if not starts_with(head, b"{"):
        return None
    if has_key(head, "resourceSpans"):
        return "traces"
    return "logs" if has_key(head, "resourceLogs") else None


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    batch = _Batch()
    yield from _read(source, emit, batch)
    for companion in getattr(source, "companions", ()):  # files joined to this trace file (see `paired`)
        companion = replace(companion, limits=source.limits)
        joined = Emitter(companion, NAME)
        joined.steps = emit.steps  # one count of steps per trajectory, whichever file a step is read from
        yield from _read(companion, joined, batch, joined=True)
    yield from _traces(emit, batch)


class _Batch:
    """Everything read from a source (and the log files joined to it): spans and log records, in arrival order."""

    __slots__ = ("records", "spans")

    def __init__(self) -> None:
        # (span, JSON path, line, emitter of its file: None for the source's own, another for a joined trace file)
        self.spans: list[tuple[dict, str, int | None, Emitter | None]] = []
        self.records: list[Record] = []


class Record(NamedTuple):
    """One log record: its event name, attributes (a body is kept as `gen_ai.event.content`, the place span events
    give it), where it was read, and the emitter of its file (another one for a joined log file)."""

    name: str
    attrs: dict
    trace_id: str
    span_id: str
    nanos: int
    path: str
    line: int | None
    emit: Emitter | None  # None: the source's own file


def _read(source: Source, emit: Emitter, batch: _Batch, joined: bool = False) -> Iterator[Malformed]:
    doc = read_document(source)
    if isinstance(doc, Malformed) and isinstance(first_json_value(source.head()), dict):
        # Several export requests, one per line (the collector's file exporter).
        for item in iter_json(source):
            if isinstance(item, Malformed):
                yield item
                continue
            line, value = item
            for bad in _collect(value, batch, line, emit if joined else None):
                yield emit.malformed(bad, line)
        return
    if isinstance(doc, Malformed):
        yield doc
        return
    problems = list(_collect(doc, batch, None, emit if joined else None))
    del doc
    if problems and problems[0].startswith("not "):
        yield emit.malformed(problems[0])
        return
    for bad in problems:
        yield emit.malformed(bad)


def _collect(doc: Any, batch: _Batch, line: int | None, emit: Emitter | None) -> Iterator[str]:
    """Adds the spans and log records of one export request to `batch`; yields what cannot be read, by JSON path."""
    if not isinstance(doc, dict) or not any(isinstance(doc.get(key), list) for key in EXPORTS):
        found = f"an object with keys {sorted(doc)[:6]}" if isinstance(doc, dict) else type(doc).__name__
        yield f"not an OTLP export: expected {DESCRIPTION.split(': ', 1)[1]}, found {found}"
        return
    for r, resource in enumerate(doc.get("resourceSpans") or ()):
        resource = resource if isinstance(resource, dict) else {}
        scopes = resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans") or []
        for s, scope in enumerate(scopes):
            for k, span in enumerate((scope or {}).get("spans") or []):
                if isinstance(span, dict):
                    batch.spans.append((span, f"$.resourceSpans[{r}].scopeSpans[{s}].spans[{k}]", line, emit))
    logs = doc.get("resourceLogs")
    for r, resource in enumerate(logs if isinstance(logs, list) else ()):
        yield from _collect_logs(resource, f"$.resourceLogs[{r}]", batch, line, emit)


def _collect_logs(resource: Any, where: str, batch: _Batch, line: int | None, emit: Emitter | None) -> Iterator[str]:
    if not isinstance(resource, dict):
        yield f"{where}: expected a resource logs object, found {type(resource).__name__}"
        return
    scopes = resource.get("scopeLogs", resource.get("instrumentationLibraryLogs", []))
    if not isinstance(scopes, list):
        yield f"{where}.scopeLogs: expected a list, found {type(scopes).__name__}"
        return
    for s, scope in enumerate(scopes):
        records = scope.get("logRecords", []) if isinstance(scope, dict) else None
        if not isinstance(records, list):
            found = type(scope).__name__ if not isinstance(scope, dict) else type(records).__name__
            yield f"{where}.scopeLogs[{s}]: expected {{logRecords: [...]}}, found {found}"
            continue
        for k, record in enumerate(records):
            path = f"{where}.scopeLogs[{s}].logRecords[{k}]"
            if not isinstance(record, dict):
                yield f"{path}: expected a log record object, found {type(record).__name__}"
                continue
            parsed = _record(record, path, line, emit)
            if isinstance(parsed, str):
                yield parsed
            elif parsed is not None:
                batch.records.append(parsed)


def _record(record: dict, path: str, line: int | None, emit: Emitter | None) -> Record | str | None:
    """A GenAI event log record, a problem with one (by JSON path), or None for any other log record."""
    attrs = attributes(record.get("attributes"))
    name = record.get("eventName") or attrs.get("event.name")
    if not isinstance(name, str) or not name.startswith(GEN_AI_EVENTS):
        return None  # application logs beside the GenAI events: not part of the trajectory
    ids = []
    for key, size in (("traceId", 32), ("spanId", 16)):
        raw = record.get(key)
        value = hex_id(raw)
        if raw not in (None, "") and not (len(value) == size and HEX.match(value)):
            return f"{path}.{key}: expected {size} hex digits (or their base64), found {str(raw)[:40]!r}"
        ids.append(value if value.strip("0") else "")  # all zeros: no trace context
    for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
        if key in attrs and not isinstance(_json_value(attrs[key]), list):
            found = str(attrs[key])[:40]
            return f"{path}.attributes {key}: expected a list of messages (structured or as JSON), found {found!r}"
    body = record.get("body")
    if isinstance(body, dict) and body:
        attrs = {**attrs, "gen_ai.event.content": attribute_value(body)}
    nanos = 0
    for key in ("timeUnixNano", "observedTimeUnixNano"):
        try:
            nanos = int(record.get(key) or 0)
        except (TypeError, ValueError):
            nanos = 0
        if nanos:
            break
    return Record(name, attrs, ids[0], ids[1], nanos, path, line, emit)


def _traces(emit: Emitter, batch: _Batch) -> Iterator:
    by_trace: dict[str, list] = {}
    for entry in batch.spans:
        by_trace.setdefault(hex_id(entry[0].get("traceId")), []).append(entry)
    records: dict[str, list[Record]] = {}
    for record in batch.records:
        records.setdefault(record.trace_id, []).append(record)
    for trace_id, members in by_trace.items():
        yield from _trace(emit, trace_id or "otel", members, records.pop(trace_id, []))
    for trace_id, alone in records.items():  # log records of traces whose spans are not here: read on their own
        yield from _log_trace(emit, trace_id or "otel-logs", sorted(alone, key=_when), has_task=False)


def _when(record: Record) -> int:
    return record.nanos


def _start(entry: tuple) -> int:
    try:
        return int(entry[0].get("startTimeUnixNano") or 0)
    except (TypeError, ValueError):
        return 0


def _trace(emit: Emitter, trace_id: str, members: list, records: list[Record]) -> Iterator:
    ids = {hex_id(e[0].get("spanId")) for e in members}
    children: dict[str, list] = {}
    roots = []
    for entry in members:
        parent = hex_id(entry[0].get("parentSpanId"))
        if parent and parent in ids:
            children.setdefault(parent, []).append(entry)
        else:
            roots.append(entry)
    joined: dict[str, list[tuple[str, dict, str]]] = {}
    unmatched = []
    for record in sorted(records, key=_when):
        if record.span_id in ids:
            joined.setdefault(record.span_id, []).append((record.name, record.attrs, record.path))
        else:
            unmatched.append(record)
    # Depth first, siblings by start time; each span knows the agent it runs under and whether it is planning.
    ordered: list[tuple[tuple, dict, str | None, bool]] = []
    stack: list[tuple[tuple, str | None, bool]] = [(e, None, False) for e in sorted(roots, key=_start, reverse=True)]
    while stack:
        entry, agent, planning = stack.pop()
        attrs = attributes(entry[0].get("attributes"))
        ordered.append((entry, attrs, agent, planning))
        operation = attrs.get("gen_ai.operation.name")
        if operation in AGENT_OPS:
            agent = str(attrs.get("gen_ai.agent.name") or attrs.get("gen_ai.workflow.name") or agent or "") or None
        planning = planning or operation in PLAN_OPS
        kids = children.get(hex_id(entry[0].get("spanId")), ())
        stack.extend((kid, agent, planning) for kid in sorted(kids, key=_start, reverse=True))
    agents = {agent for _, _, agent, _ in ordered if agent}
    has_task = False
    requested: dict[str, Any] = {}  # call id -> arguments, from the tool_call parts of the chats so far
    for (span, path, line, owner), attrs, agent, planning in ordered:
        here = emit if owner is None else owner  # a span of a trace file joined to this one names its own file
        operation = attrs.get("gen_ai.operation.name")
        start, end = _seconds(span.get("startTimeUnixNano")), _seconds(span.get("endTimeUnixNano"))
        status = span.get("status") if isinstance(span.get("status"), dict) else {}
        failed = bool(attrs.get("error.type")) or status.get("code") in STATUS_ERROR or _tool_failed(attrs)
        span_id = hex_id(span.get("spanId"))
        extra = joined.get(span_id, [])
        ids_ = {"trace_id": trace_id, "span_id": span_id, "joined": owner is not None}
        # which agent acted, when several of a workflow or nested agents share the trace
        who = {"gen_ai.agent.name": agent} if agent and len(agents) > 1 else {}
        if operation in AGENT_OPS:
            if has_task:
                continue  # a nested agent or workflow: its steps are this trajectory's, marked with its name
            has_task = True
            goal, where = _user_text(_json_value(attrs.get("gen_ai.input.messages"))), path
            if goal is None:
                goal, where = _goal_from_events(_span_events(span, path, extra), path)
            if goal is None:
                goal = _first_prompt(ordered, joined)
            meta = {k: attrs[k] for k in TASK_META if k in attrs}
            name = attrs.get("gen_ai.workflow.name") or attrs.get("gen_ai.agent.name")
            yield _at(here.event(
                trace_id, "task", line=line, path=where, timestamp=start, goal=goal,
                task_id=str(name) if name else None, meta=meta,
            ), ids_)
        elif operation in PLAN_OPS:
            plan = _json_value(attrs.get("gen_ai.output.messages"))
            text = "\n".join(t for t in (_parts_text(m, ("text", "reasoning")) for m in plan if isinstance(m, dict))
                             if t) if isinstance(plan, list) else ""
            if text:
                yield _at(here.event(trace_id, "reasoning", line=line, path=path, timestamp=end, text=text,
                                     meta={"gen_ai.operation.name": "plan", **who}), ids_)
        elif operation in CHAT_OPS:
            requested.update(_requested(attrs, _span_events(span, path, extra)))
            for item in _chat(here, trace_id, line, path, end, attrs, span, extra, planning):
                if who:
                    item[1].setdefault("meta", {}).update(who)
                yield _at(item, ids_)
        elif operation in TOOL_OPS:
            call_id = str(attrs.get("gen_ai.tool.call.id") or span_id or path)
            named = str(span.get("name") or "").removeprefix("execute_tool ").strip()
            tool = str(attrs.get("gen_ai.tool.name") or named or "unknown")
            arguments, call_path = attrs.get("gen_ai.tool.call.arguments"), path
            output = as_text(attrs.get("gen_ai.tool.call.result")) if "gen_ai.tool.call.result" in attrs else None
            result_path = path
            if arguments is None or output is None:
                events = _span_events(span, path, extra)
                if arguments is None:
                    arguments, call_path = _tool_arguments(events, call_id, path)
                if arguments is None:  # recorded only where the model asked for the call (its chat's output)
                    arguments = requested.get(call_id)
                if output is None:
                    output, result_path = _tool_output(events, call_id, path)
            yield _at(here.event(
                trace_id, "tool_call", line=line, path=call_path, timestamp=start, call_id=call_id, tool=tool,
                arguments=parse_arguments(arguments) if arguments is not None else {}, meta=dict(who),
            ), ids_)
            error = attrs.get("error.type") or status.get("message") or ("error" if failed else None)
            yield _at(here.event(
                trace_id, "tool_result", line=line, path=result_path, timestamp=end, call_id=call_id, tool=tool,
                ok=not failed, output=output, error=str(error) if failed else None, meta=dict(who),
            ), ids_)
    if unmatched:  # records of this trace on no span of it (no span id, or a span not exported): nothing lost
        yield from _log_trace(emit, trace_id, unmatched, has_task)


def _requested(attrs: dict, events: list) -> dict[str, Any]:
    """Arguments by call id of the tool calls a chat's output asks for (attribute, else details events)."""
    outputs = _messages(attrs.get("gen_ai.output.messages"))
    if not outputs:
        details = _details(events, "gen_ai.output.messages")
        outputs = details[0] if details is not None else []
    return {str(p["id"]): p["arguments"] for p in _parts(outputs, "tool_call") if p.get("id") and "arguments" in p}


def _at(item: tuple[int | None, dict], ids: dict[str, Any]) -> tuple[int | None, dict]:
    """The event, its origin naming the OTel trace and span it was read from (for `--format otel`); read from a file
    joined to the source, it has no line of the source (its origin names its own file and line)."""
    if ids.get("joined"):
        item = (None, item[1])
    origin = item[1]["origin"]
    origin["trace_id"] = ids["trace_id"]
    if ids.get("span_id"):
        origin["span_id"] = ids["span_id"]
    return item


def _first_prompt(ordered: list, joined: dict) -> str | None:
    """The user's words of the trace's first model call: the goal of an agent span that records no input itself
    (opentelemetry-util-genai records messages only on the inference events unless asked)."""
    for (span, path, _, _), attrs, _, _ in ordered:
        if attrs.get("gen_ai.operation.name") in CHAT_OPS:
            goal = _user_text(_json_value(attrs.get("gen_ai.input.messages")))
            if goal is None:
                goal = _goal_from_events(_span_events(span, path, joined.get(hex_id(span.get("spanId")), [])),
                                         path)[0]
            if goal is not None:
                return goal
    return None


def _tool_failed(attrs: dict) -> bool:
    """`gen_ai.tool.status` error or timeout: Strands marks a failed tool so and leaves the span status unset."""
    value = attrs.get("gen_ai.tool.status")
    return isinstance(value, str) and value.lower() in TOOL_FAILED


def _parts_text(message: dict, kinds: tuple[str, ...]) -> str:
    parts = message.get("parts")
    if not isinstance(parts, list):
        return as_text(message.get("content")) if "text" in kinds and message.get("content") else ""
    texts = [as_text(p.get("content")) for p in parts if isinstance(p, dict) and p.get("type") in kinds]
    return "\n".join(t for t in texts if t)


def _user_text(messages: Any) -> str | None:
    if not isinstance(messages, list):
        return None
    texts = [_parts_text(m, ("text",)) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return "\n".join(t for t in texts if t) or None


def _chat(
    emit: Emitter, trace_id: str, line: int | None, path: str, stamp: Any, attrs: dict, span: dict, extra: list,
    planning: bool = False,
) -> Iterator:
    output = _json_value(attrs.get("gen_ai.output.messages"))
    messages = [m for m in output if isinstance(m, dict)] if isinstance(output, list) else []
    text = "\n".join(t for t in (_parts_text(m, ("text",)) for m in messages) if t)
    if not messages and isinstance(attrs.get("gen_ai.completion.0.content"), str):
        text = attrs["gen_ai.completion.0.content"]
    reasoning = "\n".join(t for t in (_parts_text(m, ("reasoning", "thinking")) for m in messages) if t)
    finish = attrs.get("gen_ai.response.finish_reasons")
    where = path
    if not messages and "gen_ai.completion.0.content" not in attrs:
        answer = _answer_from_events(_span_events(span, path, extra))
        if answer is not None:
            text, reasoning, reasons, where = answer
            finish = finish or reasons
    meta = {k: attrs[k] for k in ("gen_ai.request.model", "gen_ai.response.model") if k in attrs}
    if finish:
        meta["finish_reasons"] = finish
    usage = tokens(output=attrs.get("gen_ai.usage.output_tokens"), input=attrs.get("gen_ai.usage.input_tokens"))
    if planning:  # the model call of a `plan` span: the agent deciding what to do, not telling anyone
        plan = "\n".join(t for t in (reasoning, text) if t)
        yield emit.event(trace_id, "reasoning", line=line, path=where, timestamp=stamp, text=plan,
                         meta={**meta, "gen_ai.operation.name": "plan"}, tokens=usage)
        return
    if reasoning:
        yield emit.event(trace_id, "reasoning", line=line, path=where, timestamp=stamp, text=reasoning)
    yield emit.event(
        trace_id, "message", line=line, path=where, timestamp=stamp, role="assistant", text=text, meta=meta,
        tokens=usage,
    )


# --- content recorded as span events -------------------------------------------------------------------------------


def _span_events(span: dict, path: str, joined: list) -> list[tuple[str, dict, str]]:
    """(name, attributes, path) of each span event, in recorded order, then of the log records joined to the span
    (a record's body stands in `gen_ai.event.content`, where a span event would hold it; what is read from it points
    at the span, whose line and path a finding names)."""
    events = span.get("events")
    out = []
    for k, event in enumerate(events if isinstance(events, list) else []):
        if isinstance(event, dict) and isinstance(event.get("name"), str):
            out.append((event["name"], attributes(event.get("attributes")), f"{path}.events[{k}]"))
    return out + [(name, attrs, path) for name, attrs, _ in joined]  # a joined record is read as part of its span


def _details(events: list, key: str) -> tuple[list[dict], str] | None:
    """The messages of the first `gen_ai.client.inference.operation.details` event carrying `key`, and its path."""
    for name, attrs, where in events:
        if name == DETAILS_EVENT and key in attrs:
            value = _json_value(attrs[key])
            if isinstance(value, list):
                return [m for m in value if isinstance(m, dict)], where
    return None


def _body(attrs: dict) -> dict:
    """A semconv <= 1.36 event body as recorded on a span event: the JSON of `gen_ai.event.content`, or the flattened
    fields themselves."""
    if "gen_ai.event.content" in attrs:
        body = _json_value(attrs["gen_ai.event.content"])
        return body if isinstance(body, dict) else {"content": body}
    return attrs


def _content_text(content: Any) -> str:
    """Text of a message's content: a string (a JSON list of content blocks, as Strands writes it, is flattened), or
    a list of content blocks / OpenAI parts."""
    if isinstance(content, str):
        blocks = _json_value(content)
        return flatten_text(blocks) if isinstance(blocks, list) else content
    return flatten_text(content)


def _choice(body: dict) -> tuple[str, Any]:
    """(text, finish_reason) of a `gen_ai.choice` body. `message` is a map {role, content, tool_calls} (as JSON when
    flattened), a list of content blocks (Strands) or bare text (Semantic Kernel text completions, Strands agents)."""
    message = body.get("message")
    if isinstance(message, str) and message[:1] in ("[", "{"):
        message = _json_value(message)
    if isinstance(message, dict):
        text = _content_text(message.get("content"))
    elif isinstance(message, list):
        text = flatten_text(message)
    else:
        text = as_text(message) if message is not None else ""
    return text, body.get("finish_reason")


def _literal(raw: Any) -> Any:
    """A `gen_ai.prompt` / `gen_ai.completion` value: JSON, else a Python literal (the 1.26 convention's example
    `[{'role': 'user', 'content': '...'}]`), else the value itself."""
    value = _json_value(raw)
    if isinstance(value, str) and value[:1] in ("[", "{") and len(value) < LITERAL_LIMIT:
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return value
    return value


def _role_texts(raw: Any, roles: tuple[str | None, ...]) -> str | None:
    """Text of the messages with one of `roles` in an OpenAI-format message list (or one message); plain text as is."""
    value = _literal(raw)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        return raw if isinstance(raw, str) else (as_text(value) if value is not None else None)
    texts = [_content_text(m.get("content")) for m in value if _lower(m.get("role")) in roles]
    return "\n".join(t for t in texts if t)


def _lower(role: Any) -> str | None:
    return role.lower() if isinstance(role, str) else None


def _answer_from_events(events: list) -> tuple[str, str, Any, str] | None:
    """(text, reasoning, finish reasons, path) of a chat's answer recorded as span events, or None."""
    if not events:
        return None
    details = _details(events, "gen_ai.output.messages")
    if details is not None:
        messages, where = details
        text = "\n".join(t for t in (_parts_text(m, ("text",)) for m in messages) if t)
        reasoning = "\n".join(t for t in (_parts_text(m, ("reasoning", "thinking")) for m in messages) if t)
        reasons = [m["finish_reason"] for m in messages if isinstance(m.get("finish_reason"), str)]
        return text, reasoning, reasons, where
    choices = [(attrs, where) for name, attrs, where in events if name == CHOICE_EVENT]
    if choices:
        answers = [_choice(_body(attrs)) for attrs, _ in choices]
        text = "\n".join(t for t, _ in answers if t)
        return text, "", [str(r) for _, r in answers if r is not None], choices[0][1]
    for name, attrs, where in events:
        if name == COMPLETION_EVENT and "gen_ai.completion" in attrs:
            return _role_texts(attrs["gen_ai.completion"], (None, "assistant")) or "", "", [], where
    return None


def _goal_from_events(events: list, path: str) -> tuple[str | None, str]:
    """The user's words given to an agent span as span events, and the event's path; (None, span path) when none."""
    details = _details(events, "gen_ai.input.messages")
    if details is not None:
        goal = _user_text(details[0])
        if goal:
            return goal, details[1]
    users = [(_body(attrs), where) for name, attrs, where in events if name == USER_EVENT]
    texts = [_content_text(body.get("content")) for body, _ in users]
    if any(texts):
        return "\n".join(t for t in texts if t), users[0][1]
    for name, attrs, where in events:
        if name == PROMPT_EVENT and "gen_ai.prompt" in attrs:
            goal = _role_texts(attrs["gen_ai.prompt"], ("user",))
            if goal:
                return goal, where
    return None, path


def _tool_arguments(events: list, call_id: str, path: str) -> tuple[Any, str]:
    """A tool span's arguments recorded as events (Strands): the `tool_call` part of the details event's input, else
    the `content` of `gen_ai.tool.message`."""
    details = _details(events, "gen_ai.input.messages")
    if details is not None:
        part = _part(details[0], "tool_call", call_id)
        if part is not None and "arguments" in part:
            return part["arguments"], details[1]
    for name, attrs, where in events:
        if name == TOOL_MESSAGE_EVENT:
            body = _body(attrs)
            if "content" in body:
                return body["content"], where
    return None, path


def _tool_output(events: list, call_id: str, path: str) -> tuple[str | None, str]:
    """A tool span's result recorded as events (Strands): the `tool_call_response` part of the details event's
    output (`response`; the convention's examples write `result`), else the `message` of `gen_ai.choice`."""
    details = _details(events, "gen_ai.output.messages")
    if details is not None:
        part = _part(details[0], "tool_call_response", call_id)
        if part is not None:
            for key in ("response", "result"):
                if key in part:
                    return as_text(part[key]), details[1]
    for name, attrs, where in events:
        if name == CHOICE_EVENT:
            body = _body(attrs)
            if "message" in body:
                return as_text(body["message"]), where
    return None, path


def _part(messages: list[dict], kind: str, call_id: str) -> dict | None:
    """The part of type `kind` answering `call_id`, else the first part of that type."""
    parts = [p for m in messages if isinstance(m.get("parts"), list) for p in m["parts"]
             if isinstance(p, dict) and p.get("type") == kind]
    return next((p for p in parts if p.get("id") == call_id), parts[0] if parts else None)


# --- GenAI events exported as log records, without their spans ------------------------------------------------------


def _log_trace(emit: Emitter, trace_id: str, records: list[Record], has_task: bool) -> Iterator:
    """Events from log records alone (a logs file without its traces, or records of no span of the trace), in time
    order. Each model call's record repeats the conversation so far, so only what is new is read: the goal from the
    first user message, the answer and its tool calls from the output (`gen_ai.client.inference.operation.details`,
    `gen_ai.choice`, `gen_ai.content.completion`), and a tool's result from the first later input that answers a call
    still waiting (a `tool_call_response` part, a `gen_ai.tool.message`)."""
    waiting: dict[str, str] = {}  # call id -> tool
    for record in records:
        name, attrs = record.name, record.attrs
        place = _Place(emit, trace_id, record)
        if name == DETAILS_EVENT:
            inputs = _messages(attrs.get("gen_ai.input.messages"))
            if not has_task and _user_text(inputs):
                has_task = True
                yield place.event("task", goal=_user_text(inputs), task_id=_agent_name(attrs))
            for part in _parts(inputs, "tool_call_response"):
                call_id = str(part.get("id") or "").strip()
                if call_id in waiting:
                    output = as_text(part.get("response", part.get("result")))
                    yield place.result(call_id, waiting.pop(call_id), output)
            outputs = _messages(attrs.get("gen_ai.output.messages"))
            reasoning = "\n".join(t for t in (_parts_text(m, ("reasoning", "thinking")) for m in outputs) if t)
            if reasoning:
                yield place.event("reasoning", text=reasoning)
            text = "\n".join(t for t in (_parts_text(m, ("text",)) for m in outputs) if t)
            reasons = [m["finish_reason"] for m in outputs if isinstance(m.get("finish_reason"), str)]
            calls = [(p.get("id"), p.get("name"), p.get("arguments")) for p in _parts(outputs, "tool_call")]
            yield from place.answer(text, reasons, attrs, calls, waiting)
        elif name == USER_EVENT and not has_task:
            goal = _content_text(_body(attrs).get("content"))
            if goal:
                has_task = True
                yield place.event("task", goal=goal, task_id=_agent_name(attrs))
        elif name == CHOICE_EVENT:
            body = _body(attrs)
            text, reason = _choice(body)
            message = _json_value(body.get("message"))
            raw = message.get("tool_calls") if isinstance(message, dict) else None
            calls = []
            for call in raw if isinstance(raw, list) else ():
                function = call.get("function") if isinstance(call, dict) else None
                function = function if isinstance(function, dict) else {}
                calls.append((call.get("id"), function.get("name"), function.get("arguments")))
            yield from place.answer(text, [reason] if reason else [], attrs, calls, waiting)
        elif name == TOOL_MESSAGE_EVENT:
            body = _body(attrs)
            call_id = str(body.get("id") or "").strip()
            if call_id in waiting:
                yield place.result(call_id, waiting.pop(call_id), _content_text(body.get("content")))
        elif name == PROMPT_EVENT and not has_task and "gen_ai.prompt" in attrs:
            prompt = _role_texts(attrs["gen_ai.prompt"], ("user",))
            if prompt:
                has_task = True
                yield place.event("task", goal=prompt)
        elif name == COMPLETION_EVENT and "gen_ai.completion" in attrs:
            yield from place.answer(_role_texts(attrs["gen_ai.completion"], (None, "assistant")) or "", [], attrs,
                                    [], waiting)


class _Place:
    """Builds the events of one log record: its own file's line and JSON path, the trace and span it names."""

    def __init__(self, emit: Emitter, trace_id: str, record: Record) -> None:
        self.emit, self.trace_id, self.record = emit, trace_id, record

    def event(self, kind: str, **fields: Any) -> tuple[int | None, dict]:
        record = self.record
        stamp = record.nanos / 1e9 if record.nanos else None
        if record.emit is None:
            item = self.emit.event(self.trace_id, kind, line=record.line, path=record.path, timestamp=stamp, **fields)
        else:  # a joined log file: its own name and line in the origin; the run reads it as part of the trace file
            record.emit.steps = self.emit.steps
            item = (None, record.emit.event(self.trace_id, kind, line=record.line, path=record.path,
                                            timestamp=stamp, **fields)[1])
        return _at(item, {"trace_id": record.trace_id, "span_id": record.span_id})

    def answer(self, text: str, reasons: list, attrs: dict, calls: list, waiting: dict) -> Iterator:
        meta: dict[str, Any] = {"finish_reasons": reasons} if reasons else {}
        usage = tokens(output=attrs.get("gen_ai.usage.output_tokens"), input=attrs.get("gen_ai.usage.input_tokens"))
        if text or not calls:
            yield self.event("message", role="assistant", text=text, meta=meta, tokens=usage)
            usage = None
        for k, (raw_id, raw_tool, arguments) in enumerate(calls):
            call_id, tool = str(raw_id or f"{self.record.path}#{k}"), str(raw_tool or "unknown")
            waiting[call_id] = tool
            yield self.event("tool_call", call_id=call_id, tool=tool, arguments=parse_arguments(arguments),
                             tokens=usage)
            usage = None

    def result(self, call_id: str, tool: str, output: str) -> tuple[int | None, dict]:
        failed = error_text(output)
        return self.event("tool_result", call_id=call_id, tool=tool, ok=not failed, output=output,
                          error=first_line(output) if failed else None)


def _messages(raw: Any) -> list[dict]:
    value = _json_value(raw)
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _parts(messages: list[dict], kind: str) -> list[dict]:
    return [p for m in messages if isinstance(m.get("parts"), list) for p in m["parts"]
            if isinstance(p, dict) and p.get("type") == kind]


def _agent_name(attrs: dict) -> str | None:
    name = attrs.get("gen_ai.agent.name")
    return str(name) if name else None
