"""The OpenTelemetry importer on GenAI content recorded as span events instead of span attributes: the semconv >= 1.37
`gen_ai.client.inference.operation.details` event, the semconv <= 1.36 per-message events (`gen_ai.choice`,
`gen_ai.user.message`, ... with the body in `gen_ai.event.content` or flattened into attributes) and the older
`gen_ai.content.prompt` / `gen_ai.content.completion` events. Traces are built here with the OpenTelemetry SDK
(`span.add_event`) in the shapes of the producers named in the importer's docstring and serialised to OTLP JSON as in
test_generated.py; every test skips when the SDK is not installed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from tests.importers.conftest import assert_well_formed, otlp_export, run
from trajaudit.cli import app

GOAL = "Book me a flight to Oslo on Friday."
SYSTEM = "You are a travel agent. Use the tools."
SEARCHING = "Let me search flights to Oslo."
FINAL = "Your flight SK123 to Oslo has been booked. Have a nice trip!"
REASONING = "The user wants Friday; search first."
DETAILS = "gen_ai.client.inference.operation.details"
SEARCH = ("call_search", "search_flights", {"to": "OSL", "day": "friday"})
BOOK = ("call_book", "book_flight", {"flight": "SK123"})
FOUND = "SK123 departs 09:40"


def resolve(document: dict, path: str) -> Any:
    """The value an `origin.path` ($.a[0].b...) points at."""
    value: Any = document
    for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        value = value[key] if key else value[int(index)]
    return value


# --- the producers' layouts ------------------------------------------------------------------------------------------


class Details:
    """semconv >= 1.37: one `gen_ai.client.inference.operation.details` event with the input messages when the call
    starts and one with the output when it ends (Strands with gen_ai_latest_experimental), as JSON strings or, as the
    convention asks of events, structured."""

    chat_op = "chat"
    reasoning = True
    answer_event = DETAILS

    def __init__(self, structured: bool) -> None:
        self.encode = (lambda value: value) if structured else json.dumps

    def agent(self, span) -> None:
        span.add_event(DETAILS, {"gen_ai.input.messages": self.encode(
            [{"role": "user", "parts": [{"type": "text", "content": GOAL}]}])})

    def chat(self, span, text: str, call: tuple | None, final: bool) -> None:
        span.add_event(DETAILS, {"gen_ai.input.messages": self.encode([
            {"role": "user", "parts": [{"type": "text", "content": GOAL}]}])})
        parts: list[dict] = [] if final else [{"type": "reasoning", "content": REASONING}]
        parts.append({"type": "text", "content": text})
        if call:
            parts.append({"type": "tool_call", "id": call[0], "name": call[1], "arguments": call[2]})
        span.add_event(DETAILS, {"gen_ai.output.messages": self.encode(
            [{"role": "assistant", "parts": parts, "finish_reason": "tool_call" if call else "stop"}])})

    def tool(self, span, call: tuple, result: str | None) -> None:
        part = {"type": "tool_call", "name": call[1], "id": call[0], "arguments": call[2]}
        span.add_event(DETAILS, {"gen_ai.input.messages": self.encode([{"role": "tool", "parts": [part]}])})
        if result is not None:
            span.add_event(DETAILS, {"gen_ai.output.messages": self.encode([{"role": "tool", "parts": [
                {"type": "tool_call_response", "id": call[0], "response": [{"text": result}]}]}])})

    def output(self, result: str) -> str:
        return json.dumps([{"text": result}], separators=(",", ":"))


class Flattened:
    """semconv <= 1.36 events with the body flattened into attributes, maps and lists as JSON strings (Strands without
    the opt-in): message content as its JSON list of content blocks; on tool spans the input in gen_ai.tool.message
    and the result in gen_ai.choice."""

    chat_op = "chat"
    reasoning = False
    answer_event = "gen_ai.choice"

    def agent(self, span) -> None:
        span.add_event("gen_ai.user.message", {"content": json.dumps([{"text": GOAL}])})

    def chat(self, span, text: str, call: tuple | None, final: bool) -> None:
        span.add_event("gen_ai.user.message", {"content": json.dumps([{"text": GOAL}])})
        blocks: list[dict] = [{"text": text}]
        if call:
            blocks.append({"toolUse": {"toolUseId": call[0], "name": call[1], "input": call[2]}})
        span.add_event("gen_ai.choice", {"finish_reason": "tool_use" if call else "end_turn",
                                         "message": json.dumps(blocks)})

    def tool(self, span, call: tuple, result: str | None) -> None:
        span.add_event("gen_ai.tool.message", {"role": "tool", "content": json.dumps(call[2]), "id": call[0]})
        if result is not None:
            span.add_event("gen_ai.choice", {"message": json.dumps([{"text": result}]), "id": call[0]})

    def output(self, result: str) -> str:
        return json.dumps([{"text": result}])


class EventContent:
    """semconv <= 1.36 events with the whole body as JSON in `gen_ai.event.content` (Azure AI Inference SDK, Semantic
    Kernel .NET, whose chat spans are `chat.completions`). Neither records tool spans with events: the tool spans
    carry their attributes."""

    chat_op = "chat.completions"
    reasoning = False
    answer_event = "gen_ai.choice"

    def agent(self, span) -> None:
        span.add_event("gen_ai.user.message", {"gen_ai.event.content": json.dumps({"role": "user", "content": GOAL})})

    def chat(self, span, text: str, call: tuple | None, final: bool) -> None:
        for name, role, content in (("gen_ai.system.message", "system", SYSTEM), ("gen_ai.user.message", "user", GOAL)):
            span.add_event(name, {"gen_ai.system": "openai",
                                  "gen_ai.event.content": json.dumps({"role": role, "content": content})})
        message: dict = {"role": "assistant", "content": text}
        if call:
            function = {"name": call[1], "arguments": json.dumps(call[2])}
            message["tool_calls"] = [{"id": call[0], "type": "function", "function": function}]
        body = {"index": 0, "message": message, "finish_reason": "tool_calls" if call else "stop"}
        span.add_event("gen_ai.choice", {"gen_ai.system": "openai", "gen_ai.event.content": json.dumps(body)})

    def tool(self, span, call: tuple, result: str | None) -> None:
        span.set_attribute("gen_ai.tool.call.arguments", json.dumps(call[2]))
        if result is not None:
            span.set_attribute("gen_ai.tool.call.result", result)

    def output(self, result: str) -> str:
        return result


class KoogFields(EventContent):
    """semconv <= 1.36 events flattened one attribute per body field, the message map as a JSON string (Koog)."""

    chat_op = "chat"

    def agent(self, span) -> None:
        span.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": GOAL})

    def chat(self, span, text: str, call: tuple | None, final: bool) -> None:
        span.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": GOAL})
        span.add_event("gen_ai.choice", {"gen_ai.system": "openai", "index": 0, "finish_reason": "stop",
                                         "message": json.dumps({"role": "assistant", "content": text})})


class ContentEvents(EventContent):
    """The 1.26 `gen_ai.content.prompt` / `gen_ai.content.completion` events: the prompt as a JSON message list, or
    as OpenLIT's `role: content` lines; the completion as OpenLIT's plain text, or as the Python-literal message list
    of the convention's own example."""

    chat_op = "chat"
    answer_event = "gen_ai.content.completion"

    def agent(self, span) -> None:
        prompt = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": GOAL}]
        span.add_event("gen_ai.content.prompt", {"gen_ai.prompt": json.dumps(prompt)})

    def chat(self, span, text: str, call: tuple | None, final: bool) -> None:
        span.add_event("gen_ai.content.prompt", {"gen_ai.prompt": f"system: {SYSTEM}\nuser: {GOAL}"})
        completion = repr([{"role": "assistant", "content": text}]) if final else text
        span.add_event("gen_ai.content.completion", {"gen_ai.completion": completion})


LAYOUTS = {
    "details-json": Details(structured=False),
    "details-structured": Details(structured=True),
    "flattened": Flattened(),
    "event-content": EventContent(),
    "koog-fields": KoogFields(),
    "content-events": ContentEvents(),
}


def trip(layout) -> Callable[[Any], None]:
    """An agent that searches, fails to book and then claims the booking: every piece of content as `layout` records
    it. An HTTP client span with an exception event sits between the chat and the tools."""

    def build(tracer) -> None:
        from opentelemetry.trace import Status, StatusCode

        with tracer.start_as_current_span("invoke_agent travel") as agent:
            agent.set_attribute("gen_ai.operation.name", "invoke_agent")
            agent.set_attribute("gen_ai.agent.name", "travel")
            layout.agent(agent)
            with tracer.start_as_current_span("chat demo-model") as chat:
                chat.set_attribute("gen_ai.operation.name", layout.chat_op)
                chat.set_attribute("gen_ai.usage.output_tokens", 12)
                layout.chat(chat, SEARCHING, SEARCH, final=False)
            with tracer.start_as_current_span("POST") as http:
                http.set_attribute("http.request.method", "POST")
                http.record_exception(ConnectionResetError("connection reset; retried"))
            with tracer.start_as_current_span("execute_tool search_flights") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", SEARCH[1])
                tool.set_attribute("gen_ai.tool.call.id", SEARCH[0])
                layout.tool(tool, SEARCH, FOUND)
            with tracer.start_as_current_span("execute_tool book_flight") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", BOOK[1])
                tool.set_attribute("gen_ai.tool.call.id", BOOK[0])
                layout.tool(tool, BOOK, None)
                tool.set_attribute("error.type", "SeatUnavailable")
                tool.set_status(Status(StatusCode.ERROR, "no seats left"))
            with tracer.start_as_current_span("chat demo-model") as chat:
                chat.set_attribute("gen_ai.operation.name", layout.chat_op)
                layout.chat(chat, FINAL, None, final=True)

    return build


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_span_event_layouts_give_goal_answer_and_tool_calls(tmp_path: Path, validator, name: str):
    layout = LAYOUTS[name]
    path, trace_id = otlp_export(tmp_path, trip(layout))
    fmt, events, bad = run(path)
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert {e["trajectory"] for e in events} == {trace_id}
    kinds = ["task"] + (["reasoning"] if layout.reasoning else []) + [
        "message", "tool_call", "tool_result", "tool_call", "tool_result", "message"]
    assert [e["kind"] for e in events] == kinds

    task = events[0]
    assert task["goal"] == GOAL and task["task_id"] == "travel"
    messages = [e for e in events if e["kind"] == "message"]
    assert [m["text"] for m in messages] == [SEARCHING, FINAL]
    assert all(m["role"] == "assistant" for m in messages)
    assert messages[0]["tokens"] == {"output": 12}
    if layout.reasoning:
        assert events[1]["text"] == REASONING
    calls = [e for e in events if e["kind"] == "tool_call"]
    assert [(c["call_id"], c["tool"], c["arguments"]) for c in calls] == [SEARCH, BOOK]
    results = [e for e in events if e["kind"] == "tool_result"]
    assert [(r["call_id"], r["ok"]) for r in results] == [("call_search", True), ("call_book", False)]
    assert results[0]["output"] == layout.output(FOUND)
    assert "output" not in results[1] and results[1]["error"] == "SeatUnavailable"

    # Content read from a span event points at that event; nothing points at the HTTP span.
    document = json.loads(path.read_text())
    for message in messages:
        assert re.search(r"\.spans\[\d+\]\.events\[\d+\]$", message["origin"]["path"])
        assert resolve(document, message["origin"]["path"])["name"] == layout.answer_event
    assert resolve(document, task["origin"]["path"])["name"] in (
        DETAILS, "gen_ai.user.message", "gen_ai.content.prompt")
    spans = {e["origin"]["path"].split(".events")[0] for e in events}
    assert all(resolve(document, s)["name"] != "POST" for s in spans)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_audit_reads_the_claim_in_an_answer_recorded_as_an_event(tmp_path: Path, name: str):
    path, trace_id = otlp_export(tmp_path, trip(LAYOUTS[name]))
    audited = CliRunner().invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--fail-on", "never"])
    assert audited.exit_code == 0, audited.stderr
    records = [json.loads(x) for x in audited.stdout.splitlines()]
    findings = [r for r in records if r["type"] == "finding"]
    codes = {f["code"] for f in findings}
    assert not codes & {"TA001", "TA002", "TA004"}, findings
    contradicted = [f for f in findings if f["code"] == "TA102"]
    assert contradicted and contradicted[0]["trajectory"] == trace_id, findings
    assert "book" in contradicted[0]["message"].lower()
    assert re.search(r"\.spans\[\d+\]\.events\[\d+\]$", contradicted[0]["path"])  # the answer's event
    assert records[-1]["formats"] == {"otel": 1}


def test_span_attributes_win_over_events(tmp_path: Path, validator):
    def build(tracer) -> None:
        with tracer.start_as_current_span("invoke_agent travel") as agent:
            agent.set_attribute("gen_ai.operation.name", "invoke_agent")
            agent.set_attribute("gen_ai.input.messages", json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Goal from the attribute."}]}]))
            agent.add_event("gen_ai.user.message", {"content": "Goal from the event."})
            with tracer.start_as_current_span("chat demo-model") as chat:
                chat.set_attribute("gen_ai.operation.name", "chat")
                chat.set_attribute("gen_ai.output.messages", json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Answer from the attribute."}]}]))
                chat.add_event(DETAILS, {"gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Answer from the event."}]}])})
                chat.add_event("gen_ai.choice", {"message": "Answer from the choice.", "finish_reason": "stop"})
                chat.add_event("gen_ai.content.completion", {"gen_ai.completion": "Answer from the completion."})
            with tracer.start_as_current_span("chat demo-model") as chat:
                chat.set_attribute("gen_ai.operation.name", "chat")
                chat.set_attribute("gen_ai.completion.0.content", "OpenLLMetry answer.")
                chat.add_event("gen_ai.choice", {"message": "Answer from the choice."})
            with tracer.start_as_current_span("execute_tool lookup") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", "lookup")
                tool.set_attribute("gen_ai.tool.call.id", "call_1")
                tool.set_attribute("gen_ai.tool.call.arguments", '{"order": "17"}')
                tool.set_attribute("gen_ai.tool.call.result", "paid")
                tool.add_event("gen_ai.tool.message", {"content": '{"order": "99"}', "id": "call_1"})
                tool.add_event("gen_ai.choice", {"message": "refunded", "id": "call_1"})

    path, _ = otlp_export(tmp_path, build)
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert [e["kind"] for e in events] == ["task", "message", "message", "tool_call", "tool_result"]
    assert events[0]["goal"] == "Goal from the attribute."
    assert [e["text"] for e in events[1:3]] == ["Answer from the attribute.", "OpenLLMetry answer."]
    assert events[3]["arguments"] == {"order": "17"} and events[4]["output"] == "paid"
    assert not any(".events[" in e["origin"]["path"] for e in events)


def test_semantic_kernel_text_completion_and_finish_reasons(tmp_path: Path, validator):
    """Semantic Kernel .NET text completions write the prompt and the choice's message as bare text."""

    def build(tracer) -> None:
        with tracer.start_as_current_span("text.completions demo-model") as span:
            span.set_attribute("gen_ai.operation.name", "text.completions")
            span.set_attribute("gen_ai.request.model", "demo-model")
            span.add_event("gen_ai.user.message", {"gen_ai.event.content": "Capital of Norway?"})
            span.add_event("gen_ai.choice", {"gen_ai.event.content": json.dumps(
                {"index": 0, "message": "Oslo.", "finish_reason": "Stop"})})

    path, _ = otlp_export(tmp_path, build)
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert [(e["kind"], e["text"]) for e in events] == [("message", "Oslo.")]
    assert events[0]["meta"] == {"gen_ai.request.model": "demo-model", "finish_reasons": ["Stop"]}
    assert events[0]["origin"]["path"].endswith(".spans[0].events[1]")


def test_several_choices_and_choices_without_content(tmp_path: Path, validator):
    """One gen_ai.choice event per choice (n > 1); a choice recorded without content gives an empty answer."""

    def build(tracer) -> None:
        with tracer.start_as_current_span("chat demo-model") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            for index, text in enumerate(("First.", "Second.")):
                span.add_event("gen_ai.choice", {"gen_ai.event.content": json.dumps(
                    {"index": index, "finish_reason": "stop", "message": {"content": text}})})
        with tracer.start_as_current_span("chat demo-model") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.add_event("gen_ai.choice", {"gen_ai.event.content": json.dumps({"index": 0, "finish_reason": "stop"})})

    path, _ = otlp_export(tmp_path, build)
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert [e["text"] for e in events] == ["First.\nSecond.", ""]
    assert events[0]["meta"]["finish_reasons"] == ["stop", "stop"]
    assert events[0]["origin"]["path"].endswith(".events[0]")


def test_spans_without_a_genai_operation_are_skipped_whatever_their_events(tmp_path: Path):
    def build(tracer) -> None:
        with tracer.start_as_current_span("GET /health") as span:
            span.set_attribute("http.request.method", "GET")
            span.add_event("cache.miss", {"key": "flights"})
            span.record_exception(TimeoutError("upstream timed out"))

    path, _ = otlp_export(tmp_path, build)
    fmt, events, bad = run(path)
    assert fmt == "otel" and events == [] and not bad


def test_a_tool_status_of_error_fails_the_call_even_when_the_span_status_is_unset(tmp_path: Path, validator):
    """Strands records `gen_ai.tool.status` = error on a failed tool and leaves the span status unset."""

    def build(tracer) -> None:
        for call_id, status in (("c1", "success"), ("c2", "error"), ("c3", "Timeout")):
            with tracer.start_as_current_span("execute_tool book_flight") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", "book_flight")
                tool.set_attribute("gen_ai.tool.call.id", call_id)
                tool.set_attribute("gen_ai.tool.status", status)

    path, _ = otlp_export(tmp_path, build)
    _, events, bad = run(path)
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert [(e["call_id"], e["ok"]) for e in events if e["kind"] == "tool_result"] == [
        ("c1", True), ("c2", False), ("c3", False)
    ]
