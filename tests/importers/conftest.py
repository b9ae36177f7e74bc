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
