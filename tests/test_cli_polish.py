"""Issue 13, points 10-13: stdin names and gzip, usage errors, -V, rules --format, progress, text view, baseline."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit import reader
from trajaudit.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    # standard input is read once per process (a module-level cache): each invocation here brings its own
    monkeypatch.setattr(reader, "_STDIN", None)
    monkeypatch.setattr(reader, "_STDIN_BUFFER", None)
    return CliRunner()


def fresh_stdin(monkeypatch) -> None:
    monkeypatch.setattr(reader, "_STDIN", None)
    monkeypatch.setattr(reader, "_STDIN_BUFFER", None)


def events(*items: dict) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


FAILING = events(
    {"trajectory": "b", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
    {"trajectory": "b", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
    {"trajectory": "b", "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
)


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def findings(stdout: str) -> list[dict]:
    return [r for r in records(stdout) if r["type"] == "finding"]


# --- 11. stdin: --stdin-filename and gzip -------------------------------------------------------------------------


def test_stdin_filename_names_standard_input_in_findings_and_sarif(runner, monkeypatch):
    named = runner.invoke(
        app,
        ["audit", "-", "--format", "jsonl", "-q", "--fail-on", "warning", "--stdin-filename", "runs/a.jsonl"],
        input=FAILING,
    )
    assert named.exit_code == 1, named.output
    assert {f["file"] for f in findings(named.stdout)} == {"runs/a.jsonl"}
    fresh_stdin(monkeypatch)
    unnamed = runner.invoke(
        app, ["audit", "-", "--format", "jsonl", "-q", "--fail-on", "warning"], input=FAILING
    )  # the near miss: still -
    assert {f["file"] for f in findings(unnamed.stdout)} == {"-"}


def test_stdin_filename_in_sarif_is_a_relative_uri(runner, monkeypatch):
    sarif = runner.invoke(
        app, ["audit", "-", "--format", "sarif", "-q", "--stdin-filename", "runs/a.jsonl"], input=FAILING
    )
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(sarif.stdout)["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"runs/a.jsonl"}


def test_stdin_filename_suffix_chooses_the_format_as_a_files_would(runner, monkeypatch):
    broken = "not json\nnor this\n"  # no parseable line: a .jsonl file is read as native, each line reported
    named = runner.invoke(app, ["audit", "-", "--format", "jsonl", "-q", "--stdin-filename", "x.jsonl"], input=broken)
    got = findings(named.stdout)
    assert named.exit_code == 1 and [(f["code"], f["line"], f["file"]) for f in got] == [
        ("TA001", 1, "x.jsonl"),
        ("TA001", 2, "x.jsonl"),
    ]
    fresh_stdin(monkeypatch)
    unnamed = runner.invoke(app, ["audit", "-", "--format", "jsonl", "-q"], input=broken)
    assert unnamed.exit_code == 2 and "unrecognised input format" in unnamed.stderr  # no suffix to go on


def test_stdin_filename_without_stdin_or_empty_is_a_usage_error(runner):
    log = str(SAMPLES / "loop.jsonl")
    result = runner.invoke(app, ["audit", log, "--stdin-filename", "x.jsonl"])
    assert result.exit_code == 2 and "pass - among the paths" in result.stderr
    empty = runner.invoke(app, ["audit", "-", "--stdin-filename", ""], input=FAILING)
    assert empty.exit_code == 2 and "expected a file name" in empty.stderr


def test_gzip_on_stdin_is_recognised_by_its_magic_bytes(runner, monkeypatch):
    packed = gzip.compress(FAILING.encode())
    result = runner.invoke(app, ["audit", "-", "--format", "jsonl", "-q", "--fail-on", "warning"], input=packed)
    assert result.exit_code == 1, result.output
    assert {f["code"] for f in findings(result.stdout)} >= {"TA201"} and "TA001" not in result.stdout
    fresh_stdin(monkeypatch)
    converted = runner.invoke(app, ["convert", "-", "-q"], input=packed)
    assert converted.exit_code == 0 and len(converted.stdout.splitlines()) == 3
    fresh_stdin(monkeypatch)
    cut = runner.invoke(
        app, ["audit", "-", "--format", "jsonl", "-q", "--fail-on", "warning"], input=packed[: len(packed) // 2]
    )
    assert cut.exit_code == 1 and "compressed stream ends early" in cut.stdout  # a broken gzip is a finding, no crash
    fresh_stdin(monkeypatch)
    # the near miss: a plain log whose first byte is gzip's first byte alone is not gzip
    one = runner.invoke(
        app,
        ["audit", "-", "--format", "jsonl", "-q", "--fail-on", "warning", "--stdin-filename", "x.jsonl"],
        input=b"\x1f\n",
    )
    assert "compressed" not in one.stdout and "TA001" in one.stdout
