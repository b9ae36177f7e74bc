"""Real producer output, generated here: an OpenTelemetry SDK trace serialised to OTLP JSON, and an Inspect AI eval
log from its offline mockllm model. Each test skips when its package is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.importers.conftest import assert_well_formed, otlp_export, run


def test_opentelemetry_sdk_export(tmp_path: Path, validator):
    def build(tracer) -> None:
        from opentelemetry.trace import Status, StatusCode

        with tracer.start_as_current_span("invoke_agent travel") as agent:
            agent.set_attribute("gen_ai.operation.name", "invoke_agent")
            agent.set_attribute("gen_ai.agent.name", "travel")
            with tracer.start_as_current_span("chat demo-model") as chat:
                chat.set_attribute("gen_ai.operation.name", "chat")
                chat.set_attribute("gen_ai.usage.output_tokens", 21)
                chat.set_attribute("gen_ai.output.messages", json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Booking your flight."}]}]))
            with tracer.start_as_current_span("execute_tool search_flights") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", "search_flights")
                tool.set_attribute("gen_ai.tool.call.id", "call_search")
                tool.set_attribute("gen_ai.tool.call.arguments", '{"to": "OSL"}')
                tool.set_attribute("gen_ai.tool.call.result", '["SK123"]')
            with tracer.start_as_current_span("execute_tool book_flight") as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", "book_flight")
                tool.set_attribute("gen_ai.tool.call.id", "call_book")
                tool.set_attribute("error.type", "SeatUnavailable")
                tool.set_status(Status(StatusCode.ERROR, "no seats left"))

    path, trace_id = otlp_export(tmp_path, build)  # protobuf JSON mapping: base64 ids, enum names

    fmt, events, bad = run(path)
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert {e["trajectory"] for e in events} == {trace_id}
    assert [e["kind"] for e in events] == ["task", "message", "tool_call", "tool_result", "tool_call", "tool_result"]
    assert events[1]["text"] == "Booking your flight." and events[1]["tokens"] == {"output": 21}
    assert [(e["call_id"], e["ok"]) for e in events if e["kind"] == "tool_result"] == [
        ("call_search", True), ("call_book", False),
    ]
    assert events[2]["arguments"] == {"to": "OSL"}
    assert events[-1]["error"] == "SeatUnavailable"


def _inspect_eval(log_dir: Path, log_format: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    inspect_ai = pytest.importorskip("inspect_ai")
    import inspect_ai.model._model as model_module
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ModelOutput, get_model
    from inspect_ai.scorer import includes
    from inspect_ai.solver import generate, use_tools
    from inspect_ai.tool import ToolError, tool

    # Inspect counts tokens with tiktoken, which downloads its vocabulary; a rough count keeps the test offline.
    monkeypatch.setattr(model_module, "count_text_tokens", lambda text: max(1, len(text) // 4))

    @tool
    def add():
        async def execute(x: int, y: int):
            """Add two numbers.

            Args:
                x: first number
                y: second number
            """
            return x + y

        return execute

    @tool
    def verify():
        async def execute(value: int):
            """Check a value with a service that is down.

            Args:
                value: the value to check
            """
            raise ToolError(f"verifier unreachable for {value}")

        return execute

    outputs = [
        ModelOutput.for_tool_call("mockllm/model", "add", {"x": 1, "y": 2}),
        ModelOutput.for_tool_call("mockllm/model", "verify", {"value": 3}),
        ModelOutput.from_content("mockllm/model", "The answer is 3"),
    ]
    task = inspect_ai.Task(
        dataset=[Sample(input="What is 1+2?", target="3")],
        solver=[use_tools([add(), verify()]), generate()],
        scorer=includes(),
    )
    logs = inspect_ai.eval(
        task, model=get_model("mockllm/model", custom_outputs=outputs), log_format=log_format,
        log_dir=str(log_dir), display="none",
    )
    assert logs[0].status == "success", logs[0].error
    return Path(logs[0].location)


@pytest.mark.parametrize("log_format", ["json", "eval"])
def test_inspect_ai_log(tmp_path: Path, validator, monkeypatch: pytest.MonkeyPatch, log_format: str):
    path = _inspect_eval(tmp_path, log_format, monkeypatch)
    fmt, events, bad = run(path)
    assert fmt == "inspect" and not bad
    assert_well_formed(events, validator, "inspect")
    assert len({e["trajectory"] for e in events}) == 1
    assert [e["kind"] for e in events] == [
        "task", "message", "message", "tool_call", "tool_result", "message", "tool_call", "tool_result", "message",
        "outcome",
    ]
    assert {t["name"] for t in events[0]["tools"]} == {"add", "verify"} and events[0]["goal"] == "What is 1+2?"
    assert [(e["tool"], e["ok"]) for e in events if e["kind"] == "tool_result"] == [("add", True), ("verify", False)]
    assert "verifier unreachable" in events[7]["error"]
    assert events[-1]["success"] is True and events[-1]["source"] == "inspect scorer includes"
