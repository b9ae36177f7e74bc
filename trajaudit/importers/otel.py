"""OpenTelemetry GenAI traces (https://opentelemetry.io/docs/specs/semconv/gen-ai/) as an OTLP JSON export:
`{"resourceSpans": [{resource, scopeSpans: [{scope, spans: [{traceId, spanId, parentSpanId, name, startTimeUnixNano,
endTimeUnixNano, attributes: [{key, value: {stringValue|intValue|...}}], status{code, message}}]}]}]}`
— one document, or JSONL with one export request per line (the collector's file exporter).

Each trace is a trajectory (id = traceId). Spans are ordered depth-first along parent links, siblings by start time.
`gen_ai.operation.name`: invoke_agent / create_agent → task (the first one of a trace; goal from its input messages),
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
(the opentelemetry-python-contrib GenAI instrumentations emit their events as log records, not in a trace export):

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
import re
from typing import Any, Iterator

import orjson

from trajaudit.importers._common import (
    Emitter,
    as_text,
    first_json_value,
    flatten_text,
    has_key,
    parse_arguments,
    starts_with,
    tokens,
)
from trajaudit.reader import Malformed, Source, iter_json, read_document

NAME = "otel"
DESCRIPTION = "OTLP JSON trace export: {resourceSpans: [{scopeSpans: [{spans: [...]}]}]} with gen_ai.* attributes"

AGENT_OPS = ("invoke_agent", "create_agent")
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
        failed = bool(attrs.get("error.type")) or status.get("code") in STATUS_ERROR or _tool_failed(attrs)
        if operation in AGENT_OPS:
            if has_task:
                continue
            has_task = True
            goal, where = _user_text(_json_value(attrs.get("gen_ai.input.messages"))), path
            if goal is None:
                goal, where = _goal_from_events(_span_events(span, path), path)
            meta = {k: attrs[k] for k in ("gen_ai.agent.name", "gen_ai.agent.id", "gen_ai.request.model") if k in attrs}
            yield emit.event(
                trace_id, "task", line=line, path=where, timestamp=start, goal=goal,
                task_id=str(attrs["gen_ai.agent.name"]) if attrs.get("gen_ai.agent.name") else None, meta=meta,
            )
        elif operation in CHAT_OPS:
            yield from _chat(emit, trace_id, line, path, end, attrs, span)
        elif operation in TOOL_OPS:
            call_id = str(attrs.get("gen_ai.tool.call.id") or hex_id(span.get("spanId")) or path)
            named = str(span.get("name") or "").removeprefix("execute_tool ").strip()
            tool = str(attrs.get("gen_ai.tool.name") or named or "unknown")
            arguments, call_path = attrs.get("gen_ai.tool.call.arguments"), path
            output = as_text(attrs.get("gen_ai.tool.call.result")) if "gen_ai.tool.call.result" in attrs else None
            result_path = path
            if arguments is None or output is None:
                events = _span_events(span, path)
                if arguments is None:
                    arguments, call_path = _tool_arguments(events, call_id, path)
                if output is None:
                    output, result_path = _tool_output(events, call_id, path)
            yield emit.event(
                trace_id, "tool_call", line=line, path=call_path, timestamp=start, call_id=call_id, tool=tool,
                arguments=parse_arguments(arguments) if arguments is not None else {},
            )
            error = attrs.get("error.type") or status.get("message") or ("error" if failed else None)
            yield emit.event(
                trace_id, "tool_result", line=line, path=result_path, timestamp=end, call_id=call_id, tool=tool,
                ok=not failed, output=output, error=str(error) if failed else None,
            )


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


def _chat(emit: Emitter, trace_id: str, line: int | None, path: str, stamp: Any, attrs: dict, span: dict) -> Iterator:
    output = _json_value(attrs.get("gen_ai.output.messages"))
    messages = [m for m in output if isinstance(m, dict)] if isinstance(output, list) else []
    text = "\n".join(t for t in (_parts_text(m, ("text",)) for m in messages) if t)
    if not messages and isinstance(attrs.get("gen_ai.completion.0.content"), str):
        text = attrs["gen_ai.completion.0.content"]
    reasoning = "\n".join(t for t in (_parts_text(m, ("reasoning", "thinking")) for m in messages) if t)
    finish = attrs.get("gen_ai.response.finish_reasons")
    where = path
    if not messages and "gen_ai.completion.0.content" not in attrs:
        answer = _answer_from_events(_span_events(span, path))
        if answer is not None:
            text, reasoning, reasons, where = answer
            finish = finish or reasons
    if reasoning:
        yield emit.event(trace_id, "reasoning", line=line, path=where, timestamp=stamp, text=reasoning)
    meta = {k: attrs[k] for k in ("gen_ai.request.model", "gen_ai.response.model") if k in attrs}
    if finish:
        meta["finish_reasons"] = finish
    yield emit.event(
        trace_id, "message", line=line, path=where, timestamp=stamp, role="assistant", text=text, meta=meta,
        tokens=tokens(output=attrs.get("gen_ai.usage.output_tokens"), input=attrs.get("gen_ai.usage.input_tokens")),
    )


# --- content recorded as span events -------------------------------------------------------------------------------


def _span_events(span: dict, path: str) -> list[tuple[str, dict, str]]:
    """(name, attributes, path) of each span event, in recorded order."""
    events = span.get("events")
    out = []
    for k, event in enumerate(events if isinstance(events, list) else []):
        if isinstance(event, dict) and isinstance(event.get("name"), str):
            out.append((event["name"], attributes(event.get("attributes")), f"{path}.events[{k}]"))
    return out


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
