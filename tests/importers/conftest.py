"""Helpers for importer tests: run an importer over a file and split the stream into events and Malformed values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import jsonschema_rs
import pytest

from trajaudit.importers import open_events
from trajaudit.reader import Malformed, Source

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT / "tests" / "fixtures" / "importers"
SCHEMA = PROJECT / "schemas" / "trajaudit-event-v1.schema.json"


@pytest.fixture(scope="session")
def validator():
    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))


def run(path: Path, fmt: str = "auto") -> tuple[str, list[dict], list[Malformed]]:
    """(format chosen, events, malformed) for one file."""
    name, stream = open_events(Source(str(path), path), fmt)
    events: list[dict] = []
    bad: list[Malformed] = []
    for item in stream:
        if isinstance(item, Malformed):
            bad.append(item)
        else:
            events.append(item[1])
    return name, events, bad


def by_trajectory(events: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for event in events:
        out.setdefault(event["trajectory"], []).append(event)
    return out


def assert_well_formed(events: list[dict], validator, fmt: str) -> None:
    """Every event validates, carries origin (file, format, line or path), steps run 0, 1, 2... per trajectory and
    every tool_result answers an earlier tool_call of its trajectory."""
    assert events
    for event in events:
        errors = [e.message for e in validator.iter_errors(event)]
        assert not errors, (errors, event)
        origin = event["origin"]
        assert origin["format"] == fmt and origin["file"]
        assert "line" in origin or "path" in origin
    for trajectory, items in by_trajectory(events).items():
        assert [e["step"] for e in items] == list(range(len(items))), trajectory
        calls = set()
        for event in items:
            if event["kind"] == "tool_call":
                calls.add(event["call_id"])
            elif event["kind"] == "tool_result":
                assert event["call_id"] in calls, (trajectory, event)


def otlp_export(tmp_path: Path, build: Callable[[Any], None], name: str = "trace.otlp.json") -> tuple[Path, str]:
    """Run `build(tracer)` under an OpenTelemetry SDK tracer provider; write the finished spans as one OTLP JSON export
    request (skips the test without the SDK). Returns the file and the first span's trace id."""
    pytest.importorskip("opentelemetry.sdk.trace")
    encoder = pytest.importorskip("opentelemetry.exporter.otlp.proto.common.trace_encoder")
    json_format = pytest.importorskip("google.protobuf.json_format")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    build(provider.get_tracer("trajaudit-test"))
    spans = exporter.get_finished_spans()
    path = tmp_path / name
    path.write_text(json_format.MessageToJson(encoder.encode_spans(spans)))  # protobuf JSON mapping, as the exporters
    return path, format(spans[0].context.trace_id, "032x")


def audit_codes(*paths: Path) -> list[tuple]:
    """(trajectory, step, code) of every finding of a one-job audit of `paths`, sorted; no rule may crash."""
    from trajaudit import engine
    from trajaudit.config import Config
    from trajaudit.model import TrajectoryResult
    from trajaudit.reader import discover

    run_ = engine.Audit(discover([str(p) for p in paths]), Config(), engine.Options(jobs=1))
    found = []
    for item in run_:
        findings = item.findings if isinstance(item, TrajectoryResult) else (item,)
        found += [(f.trajectory, f.step, f.code) for f in findings]
    assert run_.summary.internal_errors == []
    return sorted(found, key=repr)


GENAI_GOAL = "Book me a flight to Oslo on Friday."
GENAI_FINAL = "Your flight SK123 to Oslo has been booked. Have a nice trip!"


def genai_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A real GenAI run recorded by opentelemetry-util-genai (the helpers the opentelemetry-python-contrib GenAI
    instrumentations emit through; `TelemetryHandler.workflow` / `invoke_local_agent` / `inference` / `tool`), with
    message content captured as events only (`EVENT_ONLY`): the messages exist only as
    `gen_ai.client.inference.operation.details` log records. A workflow `trip` runs agent `planner` (a plan span as
    gen-ai-agent-spans.md "Plan span" describes it, with its model call inside) and agent `booker`, whose
    `book_flight` call fails before the last model call says the flight is booked. The spans and the log records are
    exported by the SDK's in-memory exporters and written as OTLP JSON: `traces.jsonl` and `logs.jsonl` in one
    folder (the collector's file exporter, one per pipeline) and `both.jsonl` with both export requests. Skips without
    the SDK or opentelemetry-util-genai."""
    pytest.importorskip("opentelemetry.util.genai.handler")
    json_format = pytest.importorskip("google.protobuf.json_format")
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "EVENT_ONLY")
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind
    from opentelemetry.util.genai.handler import TelemetryHandler
    from opentelemetry.util.genai.types import (
        Error,
        InputMessage,
        OutputMessage,
        TextPart,
        ToolCallRequestPart,
        ToolCallResponsePart,
    )

    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tracer_provider, logger_provider = TracerProvider(), LoggerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    handler = TelemetryHandler(tracer_provider=tracer_provider, logger_provider=logger_provider)
    tracer = tracer_provider.get_tracer("trajaudit-test")
    user = InputMessage(role="user", parts=[TextPart(content=GENAI_GOAL)])
    search = ToolCallRequestPart(arguments={"to": "OSL", "day": "friday"}, name="search_flights", id="call_search")
    book = ToolCallRequestPart(arguments={"flight": "SK123"}, name="book_flight", id="call_book")

    def answer(*parts, reason="stop"):
        return [OutputMessage(role="assistant", parts=list(parts), finish_reason=reason)]

    with handler.workflow("trip"):
        with handler.invoke_local_agent(agent_name="planner"):
            with tracer.start_as_current_span("plan planner", kind=SpanKind.INTERNAL) as plan:
                plan.set_attribute("gen_ai.operation.name", "plan")
                plan.set_attribute("gen_ai.agent.name", "planner")
                with handler.inference("openai", request_model="gpt-4.1") as call:
                    call.input_messages = [user]
                    call.output_messages = answer(TextPart(content="1. search flights 2. book the cheapest"))
            with handler.inference("openai", request_model="gpt-4.1") as call:
                call.input_messages = [user]
                call.output_messages = answer(TextPart(content="Let me search."), search, reason="tool_calls")
            with handler.tool("search_flights") as tool:
                tool.tool_call_id = "call_search"
        with handler.invoke_local_agent(agent_name="booker"):
            found = ToolCallResponsePart(response="SK123 09:40", id="call_search")
            history = [user, InputMessage(role="assistant", parts=[search]), InputMessage(role="tool", parts=[found])]
            with handler.inference("openai", request_model="gpt-4.1") as call:
                call.input_messages = history
                call.output_messages = answer(book, reason="tool_calls")
            tool = handler.tool("book_flight")
            tool.tool_call_id = "call_book"
            tool.fail(Error(message="no seats left", type="SeatUnavailable"))
            with handler.inference("openai", request_model="gpt-4.1") as call:
                call.input_messages = [*history, InputMessage(role="assistant", parts=[book]), InputMessage(
                    role="tool", parts=[ToolCallResponsePart(response="Error: no seats left", id="call_book")])]
                call.output_messages = answer(TextPart(content=GENAI_FINAL))
    finished = spans.get_finished_spans()
    traces = json_format.MessageToJson(encode_spans(finished), indent=None)
    records = json_format.MessageToJson(encode_logs(logs.get_finished_logs()), indent=None)
    folder = tmp_path / "collector"
    folder.mkdir()
    (folder / "traces.jsonl").write_text(traces + "\n")
    (folder / "logs.jsonl").write_text(records + "\n")
    (tmp_path / "both.jsonl").write_text(traces + "\n" + records + "\n")
    return {
        "folder": folder, "both": tmp_path / "both.jsonl", "logs": folder / "logs.jsonl",
        "trace_id": format(finished[0].context.trace_id, "032x"),
        "span_ids": {span.name: [format(s.context.span_id, "016x") for s in finished if s.name == span.name]
                     for span in finished},
    }
