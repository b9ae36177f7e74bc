"""The OpenTelemetry importer on the GenAI conventions 1.4x (open-telemetry/semantic-conventions-genai): GenAI events
exported as OTLP log records (alone, in the trace file, or in a log file given beside it), `invoke_workflow` and
`plan` spans, agents nested in a workflow, and malformed log records.

The main run is real: opentelemetry-util-genai records it (see conftest.genai_run). The hand-written exports below
follow the convention texts named in each test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.importers.conftest import GENAI_FINAL, GENAI_GOAL, assert_well_formed, by_trajectory, genai_run, run
from trajaudit.importers import open_events, otel
from trajaudit.reader import Malformed, Source, discover


def read(sources) -> tuple[list[dict], list[Malformed]]:
    events, bad = [], []
    for source in sources:
        _, stream = open_events(source)
        for item in stream:
            (bad.append(item) if isinstance(item, Malformed) else events.append(item[1]))
    return events, bad


def kinds(events: list[dict]) -> list[str]:
    return [e["kind"] for e in events]


# the booker's first model call answers only with a tool call: an assistant message without text, as for any chat span
JOINED = ["task", "reasoning", "message", "tool_call", "tool_result", "message", "tool_call", "tool_result", "message"]


def test_trace_and_log_files_of_one_folder_are_read_as_one_trajectory(tmp_path, monkeypatch, validator):
    produced = genai_run(tmp_path, monkeypatch)
    sources = otel.paired(discover([str(produced["folder"])]))
    assert [s.name for s in sources] == [str(produced["folder"] / "traces.jsonl")]  # the log file goes with it
    events, bad = read(sources)
    assert not bad
    assert_well_formed(events, validator, "otel")
    assert {e["trajectory"] for e in events} == {produced["trace_id"]}
    assert kinds(events) == JOINED
    task, plan, searching, search, searched, _, book, booked, final = events
    # invoke_workflow is the task; its goal is the first model call's user message (util-genai records messages
    # only on the inference events here)
    assert (task["task_id"], task["goal"]) == ("trip", GENAI_GOAL)
    assert task["origin"]["span_id"] == produced["span_ids"]["invoke_workflow trip"][0]
    # the model call inside the plan span is the agent deciding, not speaking
    assert plan["text"] == "1. search flights 2. book the cheapest" and plan["meta"]["gen_ai.operation.name"] == "plan"
    assert searching["text"] == "Let me search." and searching["meta"]["gen_ai.agent.name"] == "planner"
    # arguments recorded only where the model asked for the call
    assert search["arguments"] == {"to": "OSL", "day": "friday"}
    assert (book["tool"], book["arguments"], book["meta"]["gen_ai.agent.name"]) == (
        "book_flight", {"flight": "SK123"}, "booker")
    assert (booked["ok"], booked["error"]) == (False, "SeatUnavailable")
    assert final["text"] == GENAI_FINAL
    assert book["origin"]["span_id"] == produced["span_ids"]["execute_tool book_flight"][0]
    assert final["origin"]["span_id"] in produced["span_ids"]["chat gpt-4.1"]


def test_one_file_with_both_kinds_of_export_request_reads_the_same(tmp_path, monkeypatch, validator):
    produced = genai_run(tmp_path, monkeypatch)
    fmt, events, bad = run(produced["both"])
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert kinds(events) == JOINED
    joined, _ = read(otel.paired(discover([str(produced["folder"])])))
    strip = [{k: v for k, v in e.items() if k != "origin"} for e in events]
    assert strip == [{k: v for k, v in e.items() if k != "origin"} for e in joined]


def test_the_log_file_alone_is_a_trajectory_from_its_records(tmp_path, monkeypatch, validator):
    produced = genai_run(tmp_path, monkeypatch)
    fmt, events, bad = run(produced["logs"])
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert {e["trajectory"] for e in events} == {produced["trace_id"]}
    # each record repeats the conversation: only what is new is read, tool results from the next call's input
    assert kinds(events) == ["task", "message", "message", "tool_call", "tool_result", "tool_call", "tool_result",
                             "message"]
    assert events[0]["goal"] == GENAI_GOAL
    assert events[3]["arguments"] == {"to": "OSL", "day": "friday"} and events[4]["output"] == "SK123 09:40"
    assert (events[6]["call_id"], events[6]["ok"], events[6]["error"]) == ("call_book", False, "Error: no seats left")
    assert events[-1]["text"] == GENAI_FINAL
    assert all(e["origin"]["path"].startswith("$.resourceLogs[0].scopeLogs[0].logRecords[") for e in events)
    assert {e["origin"]["span_id"] for e in events} <= set(produced["span_ids"]["chat gpt-4.1"])


def _runs(tmp_path, monkeypatch, count: int) -> list[dict]:
    """`count` real runs (genai_run), each with its own trace id."""
    runs = []
    for n in range(count):
        (tmp_path / f"run{n}").mkdir()
        runs.append(genai_run(tmp_path / f"run{n}", monkeypatch))
    assert len({run["trace_id"] for run in runs}) == count
    return runs


def _without_files(events: list[dict]) -> list[dict]:
    return [{k: v if k != "origin" else {**v, "file": Path(v["file"]).name} for k, v in e.items()} for e in events]


def test_several_trace_files_of_one_folder_each_take_the_log_files_of_their_traces(tmp_path, monkeypatch):
    """The collector's file exporter rotating, or two runs in one folder: each log file is joined to the trace file
    that holds its traces, by trace id. Names are crossed on purpose (logs-1 holds run 2's records): nothing is
    guessed from names. A log file whose trace is in no trace file is read on its own, nothing lost."""
    first, second, absent = _runs(tmp_path, monkeypatch, 3)
    folder = tmp_path / "collector"
    folder.mkdir()
    (folder / "traces-1.jsonl").write_bytes((first["folder"] / "traces.jsonl").read_bytes())
    (folder / "traces-2.jsonl").write_bytes((second["folder"] / "traces.jsonl").read_bytes())
    (folder / "logs-1.jsonl").write_bytes((second["folder"] / "logs.jsonl").read_bytes())
    (folder / "logs-2.jsonl").write_bytes((first["folder"] / "logs.jsonl").read_bytes())
    (folder / "logs-3.jsonl").write_bytes(absent["logs"].read_bytes())
    sources = otel.paired(discover([str(folder)]))
    assert [Path(s.name).name for s in sources] == ["logs-3.jsonl", "traces-1.jsonl", "traces-2.jsonl"]
    assert [[Path(c.name).name for c in getattr(s, "companions", ())] for s in sources] == [
        [], ["logs-2.jsonl"], ["logs-1.jsonl"]]
    events, bad = read(sources)
    assert not bad
    runs = by_trajectory(events)
    for produced, trace_file in ((first, "traces-1.jsonl"), (second, "traces-2.jsonl")):
        alone, _ = read(otel.paired(discover([str(produced["folder"])])))
        assert kinds(runs[produced["trace_id"]]) == JOINED  # every record joined to its span, as with one trace file
        assert _without_files(runs[produced["trace_id"]]) == [
            {**e, "origin": {**e["origin"], "file": trace_file}} for e in _without_files(alone)]
    # the log whose trace is absent: its records are a trajectory of their own, from that log file
    lone = runs[absent["trace_id"]]
    assert kinds(lone) == kinds(run(absent["logs"])[1]) and lone[-1]["text"] == GENAI_FINAL
    assert {Path(e["origin"]["file"]).name for e in lone} == {"logs-3.jsonl"}


def test_a_log_file_of_two_traces_is_read_with_both_trace_files(tmp_path, monkeypatch):
    """One log file for the traces of two trace files: the three are read as one source, each span and record
    still named by its own file and line, each trace its own trajectory."""
    first, second = _runs(tmp_path, monkeypatch, 2)
    folder = tmp_path / "collector"
    folder.mkdir()
    (folder / "a-traces.jsonl").write_bytes((first["folder"] / "traces.jsonl").read_bytes())
    (folder / "b-traces.jsonl").write_bytes((second["folder"] / "traces.jsonl").read_bytes())
    (folder / "logs.jsonl").write_bytes(first["logs"].read_bytes() + second["logs"].read_bytes())
    sources = otel.paired(discover([str(folder)]))
    assert [Path(s.name).name for s in sources] == ["a-traces.jsonl"]
    assert [Path(c.name).name for c in sources[0].companions] == ["b-traces.jsonl", "logs.jsonl"]
    events, bad = read(sources)
    assert not bad
    runs = by_trajectory(events)
    assert set(runs) == {first["trace_id"], second["trace_id"]}
    for produced, trace_file in ((first, "a-traces.jsonl"), (second, "b-traces.jsonl")):
        steps = runs[produced["trace_id"]]
        assert kinds(steps) == JOINED
        assert {Path(e["origin"]["file"]).name for e in steps} == {trace_file}
        assert [e["step"] for e in steps] == list(range(len(JOINED)))


def test_a_folder_of_several_traces_and_logs_gives_the_same_bytes_on_any_number_of_jobs(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from trajaudit.cli import app

    runs = _runs(tmp_path, monkeypatch, 3)
    folder = tmp_path / "collector"
    folder.mkdir()
    for n, produced in enumerate(runs):
        (folder / f"traces-{n}.jsonl").write_bytes((produced["folder"] / "traces.jsonl").read_bytes())
        (folder / f"logs-{2 - n}.jsonl").write_bytes(produced["logs"].read_bytes())
    outputs = [CliRunner().invoke(app, ["audit", str(folder), "--format", "jsonl", "--fail-on", "never", "-j", jobs])
               for jobs in ("1", "2", "3")]
    assert {r.exit_code for r in outputs} == {0}
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    summary = json.loads(outputs[0].stdout.splitlines()[-1])
    assert summary["trajectories"] == 3 and summary["files"] == 3  # each trace file with its log file


def _logs(records: list, resource: dict | None = None) -> dict:
    return {"resourceLogs": [{"resource": resource or {}, "scopeLogs": [{"scope": {"name": "openai-v2"},
                                                                         "logRecords": records}]}]}


def _kv(**values) -> list[dict]:
    return [{"key": k.replace("__", "."), "value": {"stringValue": v}} for k, v in values.items()]


def _body(value) -> dict:
    """An OTLP AnyValue of a JSON-like value (what the SDK writes for a log record body)."""
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": _body(v)} for k, v in value.items()]}}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_body(v) for v in value]}}
    return {"stringValue": value}


TRACE = "5b8efff798038103d269b633813fc60c"
SPAN = "eee19b7ec3c1b174"


def test_semconv_1_36_per_message_events_as_log_records(tmp_path, validator):
    """The per-message events of semconv <= 1.36 (model/gen-ai/deprecated/events-deprecated.yaml; what
    opentelemetry-instrumentation-openai-v2 emits without the opt-in): `event.name` as an attribute, the message
    in the body."""

    def record(name, body, nanos):
        return {"timeUnixNano": str(nanos), "attributes": _kv(event__name=name, gen_ai__system="openai"),
                "body": _body(body), "traceId": TRACE, "spanId": SPAN}

    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    doc = _logs([
        record("gen_ai.system.message", {"content": "You are a weather bot."}, 1),
        record("gen_ai.user.message", {"content": "Weather in Oslo?"}, 2),
        record("gen_ai.choice", {"index": 0, "finish_reason": "tool_calls",
                                 "message": {"role": "assistant", "tool_calls": [call]}}, 3),
        record("gen_ai.user.message", {"content": "Weather in Oslo?"}, 4),  # the next call repeats the history
        record("gen_ai.assistant.message", {"tool_calls": [call]}, 5),
        record("gen_ai.tool.message", {"content": "rainy, 12C", "id": "call_1"}, 6),
        record("gen_ai.choice", {"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "It is rainy in Oslo."}}, 7),
        {"timeUnixNano": "8", "body": {"stringValue": "GET /weather 200"}, "traceId": TRACE, "spanId": SPAN},
    ])
    path = tmp_path / "logs.json"
    path.write_text(json.dumps(doc))
    fmt, events, bad = run(path)
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert kinds(events) == ["task", "tool_call", "tool_result", "message"]
    assert events[0]["goal"] == "Weather in Oslo?"
    assert (events[1]["tool"], events[1]["arguments"]) == ("get_weather", {"city": "Oslo"})
    assert events[2]["output"] == "rainy, 12C" and events[3]["text"] == "It is rainy in Oslo."
    assert events[3]["origin"]["path"] == "$.resourceLogs[0].scopeLogs[0].logRecords[6]"
    assert {e["origin"]["span_id"] for e in events} == {SPAN}


def test_malformed_log_records_are_findings_with_line_and_path_and_the_rest_is_read(tmp_path, validator):
    details = "gen_ai.client.inference.operation.details"
    good = {"eventName": details, "traceId": TRACE, "spanId": SPAN, "attributes": [
        {"key": "gen_ai.input.messages", "value": _body([{"role": "user", "parts": [
            {"type": "text", "content": "Weather in Oslo?"}]}])},
        {"key": "gen_ai.output.messages", "value": _body([{"role": "assistant", "parts": [
            {"type": "text", "content": "Rainy."}], "finish_reason": "stop"}])}]}
    lines = [
        json.dumps(_logs(["not a record", {"eventName": details, "traceId": "xyz", "spanId": SPAN}])),
        json.dumps(_logs([{"eventName": details, "traceId": TRACE, "attributes": _kv(
            gen_ai__output__messages="[{broken")}]) | {"resourceSpans": []}),
        "{not json",
        json.dumps(_logs([good])),
    ]
    path = tmp_path / "logs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fmt, events, bad = run(path)
    assert fmt == "otel"
    assert_well_formed(events, validator, "otel")
    assert kinds(events) == ["task", "message"] and events[1]["origin"]["line"] == 4
    where = [(b.file, b.line, b.message.split(":")[0]) for b in bad]
    assert where == [
        (str(path), 1, "$.resourceLogs[0].scopeLogs[0].logRecords[0]"),
        (str(path), 1, "$.resourceLogs[0].scopeLogs[0].logRecords[1].traceId"),
        (str(path), 2, "$.resourceLogs[0].scopeLogs[0].logRecords[0].attributes gen_ai.output.messages"),
        (str(path), 3, bad[3].message.split(":")[0]),
    ]
    assert bad[3].code == "TA001" and "expected a log record object, found str" in bad[0].message


def _span(span_id, name, attrs, parent=None, start=0, events=()):
    out = {"traceId": TRACE, "spanId": span_id, "name": name, "startTimeUnixNano": str(start),
           "endTimeUnixNano": str(start + 1), "attributes": _kv(**attrs), "events": list(events)}
    if parent:
        out["parentSpanId"] = parent
    return out


def test_invoke_workflow_holds_nested_agents_and_plan(tmp_path, validator):
    """Span names and attributes from gen-ai-agent-spans.md: "Invoke workflow span" (`invoke_workflow
    {gen_ai.workflow.name}`), "Invoke agent internal span" (in-process agents under it), "Plan span" (the model call
    that makes the plan is its child)."""
    user = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Summarise the report."}]}])

    def said(text):
        return json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": text}]}])

    spans = [
        _span("a000000000000001", "invoke_workflow review", {"gen_ai__operation__name": "invoke_workflow",
                                                              "gen_ai__workflow__name": "review",
                                                              "gen_ai__input__messages": user}),
        _span("a000000000000002", "invoke_agent reader", {"gen_ai__operation__name": "invoke_agent",
                                                           "gen_ai__agent__name": "reader"}, "a000000000000001", 1),
        _span("a000000000000003", "plan reader", {"gen_ai__operation__name": "plan", "gen_ai__agent__name": "reader"},
              "a000000000000002", 2),
        _span("a000000000000004", "chat m", {"gen_ai__operation__name": "chat",
                                              "gen_ai__output__messages": said("read, then summarise")},
              "a000000000000003", 3),
        _span("a000000000000005", "chat m", {"gen_ai__operation__name": "chat",
                                              "gen_ai__output__messages": said("The report is read.")},
              "a000000000000002", 4),
        _span("a000000000000006", "invoke_agent writer", {"gen_ai__operation__name": "invoke_agent",
                                                           "gen_ai__agent__name": "writer"}, "a000000000000001", 5),
        _span("a000000000000007", "chat m", {"gen_ai__operation__name": "chat",
                                              "gen_ai__output__messages": said("Summary: all good.")},
              "a000000000000006", 6),
    ]
    path = tmp_path / "trace.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}))
    fmt, events, bad = run(path)
    assert fmt == "otel" and not bad
    assert_well_formed(events, validator, "otel")
    assert kinds(events) == ["task", "reasoning", "message", "message"]
    assert (events[0]["task_id"], events[0]["goal"]) == ("review", "Summarise the report.")
    assert events[1]["text"] == "read, then summarise"
    assert [e.get("meta", {}).get("gen_ai.agent.name") for e in events[1:]] == ["reader", "reader", "writer"]
    assert [e["origin"]["span_id"] for e in events] == [
        "a000000000000001", "a000000000000004", "a000000000000005", "a000000000000007"]


@pytest.mark.parametrize("head", ['{"resourceLogs": [', '{"resourceSpans": ['])
def test_both_kinds_of_export_are_recognised(tmp_path, head):
    path = tmp_path / "x.json"
    path.write_text(head + "]}")
    fmt, events, bad = run(path)
    assert fmt == "otel" and events == [] and not bad


def test_files_that_cannot_be_exports_are_not_opened_to_pair_them(tmp_path, monkeypatch):
    """Pairing looks at the head of every JSON file of a run; a SWE-agent trajectory or an Inspect archive is never
    an OTLP export, so a folder of thousands of them is not read once more before its audit starts."""
    produced = genai_run(tmp_path, monkeypatch)
    folder = produced["folder"]
    for n in range(3):
        (folder / f"run{n}.traj").write_text('{"resourceSpans": []}')  # even one that looks like an export
    (folder / "task.eval").write_bytes(b"PK\x03\x04")
    opened: list[str] = []
    original = Source.open
    monkeypatch.setattr(Source, "open", lambda self, *a, **k: opened.append(Path(self.name).name) or
                        original(self, *a, **k))
    sources = otel.paired(discover([str(folder)]))
    assert sorted(opened) == ["logs.jsonl", "traces.jsonl"]
    names = [Path(s.name).name for s in sources]
    assert names == ["run0.traj", "run1.traj", "run2.traj", "task.eval", "traces.jsonl"]  # logs joined to traces
