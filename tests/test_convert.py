"""`trajaudit convert`: its output validates, and auditing it gives the same findings as auditing the source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit.cli import app

SOURCES = [
    "taubench-retail-avaljot/tool-calling-none-0.1_range_0-100_user-none-llm_06232025.json",
    "tau2-sierra/gpt-4.1_airline_default_gpt-4.1_1trials.json",
    "swebench-minisweagent-gemini3pro/trajs",
    "swe-agent-demonstrations",
    "claudecode-reliability-snapshots",
    "codex-rollout-format-sample",
]


def findings(output: str) -> list[tuple]:
    records = [json.loads(line) for line in output.splitlines()]
    return sorted((r["trajectory"], r["step"], r["code"], r["message"]) for r in records if r["type"] == "finding")


@pytest.mark.parametrize("relative", SOURCES)
def test_convert_round_trip_on_real_logs(realdata: Path, relative: str, tmp_path: Path):
    runner = CliRunner()
    source = str(realdata / relative)
    converted = runner.invoke(app, ["convert", source, "-q"])
    assert converted.exit_code == 0, converted.stderr
    native = tmp_path / "converted.jsonl"
    native.write_text(converted.stdout, encoding="utf-8")

    valid = runner.invoke(app, ["validate", str(native), "-q", "--format", "jsonl"])
    assert valid.exit_code == 0, valid.stdout[:2000]

    direct = runner.invoke(app, ["audit", source, "--format", "jsonl", "-q", "--fail-on", "never"])
    again = runner.invoke(app, ["audit", str(native), "--format", "jsonl", "-q", "--fail-on", "never"])
    assert direct.exit_code == again.exit_code == 0
    assert findings(direct.stdout) == findings(again.stdout)
    trajectories = [json.loads(x) for x in again.stdout.splitlines() if '"type":"trajectory"' in x]
    assert trajectories, "the converted stream holds trajectories"


def test_convert_reports_broken_lines_and_keeps_the_rest(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    good = {"trajectory": "a", "step": 0, "kind": "message", "role": "user", "text": "hi"}
    path.write_text(json.dumps(good) + "\n{oops\n" + json.dumps({**good, "step": 1}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["convert", str(path), "--from", "native"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert f"{path}:2: TA001" in result.stderr


def test_convert_rejects_a_file_that_is_not_the_named_format(tmp_path: Path):
    path = tmp_path / "not-tau.json"
    path.write_text('{"hello": "world"}', encoding="utf-8")
    result = CliRunner().invoke(app, ["convert", str(path), "--from", "tau-bench"])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.stderr and str(path) in result.stderr


def test_convert_skips_other_json_found_in_a_folder(realdata: Path):
    folder = realdata / "swebench-minisweagent-gemini3pro"  # trajs/ plus reports/*.json and a results summary
    result = CliRunner().invoke(app, ["convert", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert "skipped" in result.stderr and "unrecognised" not in result.stderr
    assert result.stderr.count("reading mini-swe-agent logs") == 1
