"""`--format otel`: findings as `gen_ai.evaluation.result` log records (semantic-conventions-genai,
model/gen-ai/events.yaml) on the span they concern. Round trip on a real opentelemetry-util-genai run
(tests/importers/conftest.genai_run): OTel in, audit, each verdict on the span of its event; other input gets ids
derived from trajectory and step; the output parses as an OTLP ExportLogsServiceRequest."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.importers.conftest import genai_run
from trajaudit.cli import app
from trajaudit.report.otel import derived_ids

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(runner):
    return lambda args: runner.invoke(app, args)


def records(stdout: str) -> list[dict]:
    out = []
    for line in stdout.splitlines():
        request = json.loads(line)
        for resource in request["resourceLogs"]:
            for scope in resource["scopeLogs"]:
                out += scope["logRecords"]
    return out


def attrs(record: dict) -> dict:
    return {a["key"]: next(iter(a["value"].values())) for a in record["attributes"]}


def test_round_trip_findings_land_on_the_spans_of_their_events(tmp_path, monkeypatch, cli):
    produced = genai_run(tmp_path, monkeypatch)
    folder = str(produced["folder"])
    converted = cli(["convert", folder])
    origins = {(e["trajectory"], e["step"]): e["origin"] for e in map(json.loads, converted.stdout.splitlines())}
    result = cli(["audit", folder, "--format", "otel"])
    assert result.exit_code == 1, result.stderr
    found = records(result.stdout)
    assert found
    for record in found:
        a = attrs(record)
        assert record["eventName"] == "gen_ai.evaluation.result"
        assert record["traceId"] == produced["trace_id"]
        origin = origins[(a["trajaudit.trajectory"], int(a["trajaudit.step"]))]
        assert record["spanId"] == origin["span_id"]
    by_code = {attrs(r)["trajaudit.rule.code"]: r for r in found}
    # "booked" after the booking failed: the verdict sits on the last model call's span, and the ignored failure
    # on the execute_tool span of book_flight
    claim = by_code["TA102"]
    assert attrs(claim)["gen_ai.evaluation.name"] == "contradicted-claim"
    assert attrs(claim)["gen_ai.evaluation.score.label"] == "fail"
    assert (claim["severityNumber"], claim["severityText"]) == (17, "ERROR")
    assert attrs(claim)["gen_ai.evaluation.explanation"].startswith("the agent claims")
    assert claim["spanId"] == produced["span_ids"]["chat gpt-4.1"][-1]
    ignored = by_code["TA201"]
    assert (attrs(ignored)["gen_ai.evaluation.score.label"], ignored["severityText"]) == ("warn", "WARN")
    assert ignored["spanId"] == produced["span_ids"]["execute_tool book_flight"][0]
    assert int(ignored["timeUnixNano"]) > 0  # the tool span's end, from the log: never the clock


def test_other_input_gets_ids_derived_from_trajectory_and_step_the_same_on_every_run(cli):
    sample = str(PROJECT / "sample_traces")
    first = cli(["audit", sample, "--format", "otel", "-q"])
    again = cli(["audit", sample, "--format", "otel", "-q", "--jobs", "2"])
    assert first.stdout == again.stdout and first.stdout
    for record in records(first.stdout):
        a = attrs(record)
        if "trajaudit.trajectory" in a:
            step = a.get("trajaudit.step", "trajectory")
            assert (record["traceId"], record["spanId"]) == derived_ids(a["trajaudit.trajectory"], str(step))
        else:  # a line no trajectory could be read from
            assert (record["traceId"], record["spanId"]) == derived_ids(a["trajaudit.file"], a["trajaudit.line"])


def test_output_is_an_otlp_logs_export_request(cli):
    pb = pytest.importorskip("opentelemetry.proto.collector.logs.v1.logs_service_pb2")
    json_format = pytest.importorskip("google.protobuf.json_format")
    result = cli(["audit", str(PROJECT / "sample_traces"), "--format", "otel", "-q"])
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        request = json.loads(line)
        for resource in request["resourceLogs"]:
            for scope in resource["scopeLogs"]:
                for record in scope["logRecords"]:
                    assert len(record["traceId"]) == 32 and len(record["spanId"]) == 16
                    # OTLP/JSON writes ids in hex; protobuf's own JSON mapping wants base64
                    record["traceId"] = base64.b64encode(bytes.fromhex(record["traceId"])).decode()
                    record["spanId"] = base64.b64encode(bytes.fromhex(record["spanId"])).decode()
        message = json_format.ParseDict(request, pb.ExportLogsServiceRequest())
        assert message.resource_logs[0].scope_logs[0].log_records[0].event_name == "gen_ai.evaluation.result"


def test_derived_ids_are_hex_of_the_right_size_and_differ_by_step():
    trace, span = derived_ids("run-1", "3")
    assert len(trace) == 32 and len(span) == 16 and int(trace, 16) and int(span, 16)
    assert derived_ids("run-1", "4")[0] == trace and derived_ids("run-1", "4")[1] != span
    assert derived_ids("run-2", "3")[0] != trace
