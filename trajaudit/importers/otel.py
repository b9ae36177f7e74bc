"""OpenTelemetry GenAI traces (https://opentelemetry.io/docs/specs/semconv/gen-ai/) as an OTLP JSON export:
`{"resourceSpans": [{resource, scopeSpans: [{scope, spans: [{traceId, spanId, parentSpanId, name, startTimeUnixNano,
endTimeUnixNano, attributes: [{key, value: {stringValue|intValue|...}}], status{code, message}}]}]}]}`
— one document, or JSONL with one export request per line (the collector's file exporter).

Each trace is a trajectory (id = traceId). Spans are ordered depth-first along parent links, siblings by start time.
`gen_ai.operation.name`: invoke_agent / create_agent → task (the first one of a trace; goal from its input messages),
chat / text_completion / generate_content → assistant message (text and reasoning from `gen_ai.output.messages`,
tokens from `gen_ai.usage.*`), execute_tool → tool_call (`gen_ai.tool.name`, `gen_ai.tool.call.id`,
`gen_ai.tool.call.arguments`) + tool_result (`gen_ai.tool.call.result`; failed when `error.type` is set or the span
status is ERROR). Spans without a GenAI operation (HTTP, DB, ...) are skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterator

import orjson

from trajaudit.importers._common import (
    Emitter,
    as_text,
    first_json_value,
    has_key,
    parse_arguments,
    starts_with,
    tokens,
)
from trajaudit.reader import Malformed, Source, iter_json, read_document

NAME = "otel"
DESCRIPTION = "OTLP JSON trace export: {resourceSpans: [{scopeSpans: [{spans: [...]}]}]} with gen_ai.* attributes"

AGENT_OPS = ("invoke_agent", "create_agent")
CHAT_OPS = ("chat", "text_completion", "generate_content")
TOOL_OPS = ("execute_tool",)
STATUS_ERROR = (2, "STATUS_CODE_ERROR", "ERROR")
HEX = re.compile(r"^[0-9a-fA-F]+$")


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object (or first JSONL line) with `resourceSpans`."""
    return starts_with(head, b"{") and has_key(head, "resourceSpans")


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


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = read_document(source)
    if isinstance(doc, Malformed) and isinstance(first_json_value(source.head()), dict):
        # Several export requests, one per line (the collector's file exporter).
        spans: list[tuple[dict, str, int | None]] = []
        for item in iter_json(source):
            if isinstance(item, Malformed):
                yield item
                continue
            line, value = item
            bad = _collect(value, spans, line)
            if bad:
                yield emit.malformed(bad, line)
        yield from _traces(emit, spans)
        return
    if isinstance(doc, Malformed):
        yield doc
        return
    spans = []
    bad = _collect(doc, spans, None)
    del doc
    if bad:
        yield emit.malformed(bad)
        return
    yield from _traces(emit, spans)


def _collect(doc: Any, spans: list, line: int | None) -> str | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
        found = f"an object with keys {sorted(doc)[:6]}" if isinstance(doc, dict) else type(doc).__name__
        return f"not an OTLP trace export: expected {DESCRIPTION.split(': ', 1)[1]}, found {found}"
    for r, resource in enumerate(doc["resourceSpans"]):
        resource = resource if isinstance(resource, dict) else {}
        scopes = resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans") or []
        for s, scope in enumerate(scopes):
            for k, span in enumerate((scope or {}).get("spans") or []):
                if isinstance(span, dict):
                    spans.append((span, f"$.resourceSpans[{r}].scopeSpans[{s}].spans[{k}]", line))
    return None


def _traces(emit: Emitter, spans: list) -> Iterator:
    by_trace: dict[str, list] = {}
    for entry in spans:
        by_trace.setdefault(hex_id(entry[0].get("traceId")), []).append(entry)
    for trace_id, members in by_trace.items():
        yield from _trace(emit, trace_id or "otel", members)


def _start(entry: tuple) -> int:
    try:
        return int(entry[0].get("startTimeUnixNano") or 0)
    except (TypeError, ValueError):
        return 0


def _trace(emit: Emitter, trace_id: str, members: list) -> Iterator:
    ids = {hex_id(e[0].get("spanId")) for e in members}
    children: dict[str, list] = {}
    roots = []
    for entry in members:
        parent = hex_id(entry[0].get("parentSpanId"))
        if parent and parent in ids:
            children.setdefault(parent, []).append(entry)
        else:
            roots.append(entry)
    ordered: list = []
    stack = sorted(roots, key=_start, reverse=True)
    while stack:
        entry = stack.pop()
        ordered.append(entry)
        stack.extend(sorted(children.get(hex_id(entry[0].get("spanId")), ()), key=_start, reverse=True))
    has_task = False
    for span, path, line in ordered:
        attrs = attributes(span.get("attributes"))
        operation = attrs.get("gen_ai.operation.name")
        start, end = _seconds(span.get("startTimeUnixNano")), _seconds(span.get("endTimeUnixNano"))
        status = span.get("status") if isinstance(span.get("status"), dict) else {}
        failed = bool(attrs.get("error.type")) or status.get("code") in STATUS_ERROR
        if operation in AGENT_OPS:
            if has_task:
                continue
            has_task = True
            goal = _user_text(_json_value(attrs.get("gen_ai.input.messages")))
            meta = {k: attrs[k] for k in ("gen_ai.agent.name", "gen_ai.agent.id", "gen_ai.request.model") if k in attrs}
            yield emit.event(
                trace_id, "task", line=line, path=path, timestamp=start, goal=goal,
                task_id=str(attrs["gen_ai.agent.name"]) if attrs.get("gen_ai.agent.name") else None, meta=meta,
            )
        elif operation in CHAT_OPS:
            yield from _chat(emit, trace_id, line, path, end, attrs)
        elif operation in TOOL_OPS:
            call_id = str(attrs.get("gen_ai.tool.call.id") or hex_id(span.get("spanId")) or path)
            named = str(span.get("name") or "").removeprefix("execute_tool ").strip()
            tool = str(attrs.get("gen_ai.tool.name") or named or "unknown")
            arguments = attrs.get("gen_ai.tool.call.arguments")
            yield emit.event(
                trace_id, "tool_call", line=line, path=path, timestamp=start, call_id=call_id, tool=tool,
                arguments=parse_arguments(arguments) if arguments is not None else {},
            )
            error = attrs.get("error.type") or status.get("message") or ("error" if failed else None)
            yield emit.event(
                trace_id, "tool_result", line=line, path=path, timestamp=end, call_id=call_id, tool=tool, ok=not failed,
                output=as_text(attrs.get("gen_ai.tool.call.result")) if "gen_ai.tool.call.result" in attrs else None,
                error=str(error) if failed else None,
            )


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


def _chat(emit: Emitter, trace_id: str, line: int | None, path: str, stamp: Any, attrs: dict) -> Iterator:
    output = _json_value(attrs.get("gen_ai.output.messages"))
    messages = [m for m in output if isinstance(m, dict)] if isinstance(output, list) else []
    text = "\n".join(t for t in (_parts_text(m, ("text",)) for m in messages) if t)
    if not messages and isinstance(attrs.get("gen_ai.completion.0.content"), str):
        text = attrs["gen_ai.completion.0.content"]
    reasoning = "\n".join(t for t in (_parts_text(m, ("reasoning", "thinking")) for m in messages) if t)
    if reasoning:
        yield emit.event(trace_id, "reasoning", line=line, path=path, timestamp=stamp, text=reasoning)
    meta = {k: attrs[k] for k in ("gen_ai.request.model", "gen_ai.response.model") if k in attrs}
    finish = attrs.get("gen_ai.response.finish_reasons")
    if finish:
        meta["finish_reasons"] = finish
    yield emit.event(
        trace_id, "message", line=line, path=path, timestamp=stamp, role="assistant", text=text, meta=meta,
        tokens=tokens(output=attrs.get("gen_ai.usage.output_tokens"), input=attrs.get("gen_ai.usage.input_tokens")),
    )
