"""SARIF as GitHub code scanning takes it, and `github` annotations with lines, also for whole-document logs."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from trajaudit.cli import app
from trajaudit.model import Finding, Severity, Summary
from trajaudit.report import github, locate, sarif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"
CLEAN = '{"trajectory": "a", "step": 0, "kind": "message", "role": "user", "text": "hi"}\n'


def _sarif(runner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["audit", *args, "--format", "sarif", "-q", "--isolated"])
    return result.exit_code, json.loads(result.stdout)


def test_uris_are_relative_to_the_checkout_with_a_base_id(runner, tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "t.json").write_bytes((FIXTURES / "tau2.json").read_bytes())
    outside = tmp_path.parent / f"{tmp_path.name}-outside.json"
    outside.write_bytes((FIXTURES / "tau2.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    _, document = _sarif(runner, "runs/t.json", str(tmp_path / "runs" / "t.json"), str(outside))
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "runs/t.json", "uriBaseId": "%SRCROOT%"} in artifacts
    assert {"uri": outside.as_uri()} in artifacts  # outside the checkout: absolute, no base
    outside.unlink()


def test_findings_in_whole_document_logs_get_the_line_where_their_element_starts(runner, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    _, document = _sarif(runner, "tau2.json")
    lines = (FIXTURES / "tau2.json").read_text().splitlines()
    results = document["runs"][0]["results"]
    assert results
    for result in results:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert lines[line - 1].strip() in ("{", "["), (result["properties"]["jsonPath"], lines[line - 1])
    annotations = CliRunner().invoke(app, ["audit", "tau2.json", "--format", "github", "-q", "--isolated"]).stdout
    starts = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    assert {int(a.split(",line=")[1].split(",")[0]) for a in annotations.splitlines()} == starts


def test_native_findings_keep_their_own_line(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.jsonl").write_text(CLEAN + "not json\n")
    _, document = _sarif(runner, "n.jsonl")
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "TA001"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}


def test_unreadable_input_is_an_unsuccessful_invocation_with_a_notification(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.jsonl").write_text(CLEAN)
    code, document = _sarif(runner, "a.jsonl", str(FIXTURES / "tau_bench.json"), "--from", "native")
    (invocation,) = document["runs"][0]["invocations"]
    assert code == 2 and invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "tau_bench.json" in note["message"]["text"]
    code, document = _sarif(runner, "a.jsonl")
    assert code == 0
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def _findings(n: int) -> list[Finding]:
    severity = (Severity.INFO, Severity.WARNING, Severity.ERROR)
    return [Finding("TA003", "step-order", severity[i % 3], "x.jsonl", i + 1, "t", i, f"m{i}") for i in range(n)]


def test_results_are_capped_at_githubs_limit_keeping_the_most_severe(monkeypatch):
    assert sarif.MAX_RESULTS == 25_000
    monkeypatch.setattr(sarif, "MAX_RESULTS", 4)
    out = io.BytesIO()
    sarif.render(_findings(9), Summary(), out)
    run = json.loads(out.getvalue())["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == ["m1", "m2", "m5", "m8"]  # errors, then a warning
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "5 of 9 results left out" in note["message"]["text"]
    out = io.BytesIO()
    sarif.render(_findings(4), Summary(), out)  # at the limit: nothing left out, nothing said
    run = json.loads(out.getvalue())["runs"][0]
    assert len(run["results"]) == 4 and not run["invocations"][0]["toolExecutionNotifications"]


def test_element_lines_see_through_strings_and_escapes():
    text = '{\n "a": "}]{[,:\\"",\n "b c": [\n  1,\n  {"x": [\n   "y"]}\n ],\n "d": {}}\n'
    wanted = {("b c", 1), ("b c", 1, "x", 0), ("d",), ("a",), ("missing",)}
    assert locate.element_lines(text, wanted) == {("a",): 2, ("b c", 1): 5, ("b c", 1, "x", 0): 6, ("d",): 8}
    assert locate.parse_path("$['b c'][1].x[0]") == ("b c", 1, "x", 0)
    assert locate.parse_path("not a path") is None


def test_github_annotations_of_native_logs_are_unchanged():
    finding = _findings(1)[0]
    out = io.BytesIO()
    github.render([finding], Summary(), out)
    assert out.getvalue().decode().startswith("::notice file=x.jsonl,line=1,")


def test_a_path_the_document_lacks_gets_its_nearest_ancestors_line(tmp_path):
    doc = tmp_path / "r.json"
    doc.write_text('{\n "trajectory": [],\n "info": {\n  "model_stats": {}\n }\n}\n')
    found = locate.lines_in(str(doc), ["$.info.exit_status", "$.info.model_stats", "$.nothing[3]"])
    assert found == {"$.info.exit_status": 3, "$.info.model_stats": 4, "$.nothing[3]": 1}
    assert locate.lines_in(str(tmp_path / "r.jsonl"), ["$.info"]) == {}  # a line-based log has its own lines
