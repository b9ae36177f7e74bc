"""Every command that reads logs reads the configuration file (pyproject.toml / trajaudit.toml, or --config): its
input format and limits, and for `distill` its rules, as `audit` does; `--isolated` gives the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"


def run(args: list[str]):
    return CliRunner().invoke(app, args)


def lesson_rules(output: str) -> set[str]:
    records = [json.loads(line) for line in output.splitlines()]
    return {rule["code"] for r in records if r["type"] == "lesson" for rule in r["rules"]}


def test_distill_names_the_rules_the_configuration_runs(tmp_path: Path, monkeypatch):
    log = str(SAMPLES / "many_runs.jsonl")
    default = run(["distill", log, "--format", "jsonl", "-q"])
    assert default.exit_code == 0 and "TA201" in lesson_rules(default.stdout)
    (tmp_path / "pyproject.toml").write_text('[tool.trajaudit]\nignore = ["ignored-tool-error"]\n')
    monkeypatch.chdir(tmp_path)
    configured = run(["distill", log, "--format", "jsonl", "-q"])
    assert configured.exit_code == 0 and "TA201" not in lesson_rules(configured.stdout)
    isolated = run(["distill", log, "--format", "jsonl", "-q", "--isolated"])
    assert isolated.stdout == default.stdout
    other = tmp_path / "other.toml"
    other.write_text('select = ["TA1"]\n')
    chosen = run(["distill", log, "--format", "jsonl", "-q", "--config", str(other)])
    assert chosen.exit_code == 0 and lesson_rules(chosen.stdout) <= {"TA101", "TA102", "TA103", "TA104", "TA105"}


@pytest.mark.parametrize("command", [
    ["validate", "--format", "jsonl"],
    ["convert"],
    ["stats", "--format", "json"],
    ["simulate", "--format", "json"],
    ["diverge", "--format", "jsonl"],
    ["rewards", "--format", "jsonl"],
    ["distill", "--format", "jsonl"],
])
def test_every_command_takes_the_configured_line_cap(tmp_path: Path, monkeypatch, command: list[str]):
    """A line over the configured `max-line-bytes` is TA001 for every command, not only for audit; under the
    default cap (64 MiB) the same line is read."""
    log = tmp_path / "runs.jsonl"
    long_goal = {"trajectory": "t", "step": 0, "kind": "task", "task_id": "x", "goal": "g" * 5000}
    log.write_text(json.dumps(long_goal) + "\n" + (SAMPLES / "many_runs.jsonl").read_text())
    (tmp_path / "trajaudit.toml").write_text('[limits]\nmax-line-bytes = 4096\n')
    monkeypatch.chdir(tmp_path)
    capped = run([*command, str(log)])
    assert "TA001" in capped.output and "max-line-bytes" in capped.output, capped.output[-600:]
    isolated = run([*command, str(log), "--isolated"])
    assert "TA001" not in isolated.output, isolated.output[-600:]


def test_the_configured_input_format_is_every_commands_default(tmp_path: Path, monkeypatch):
    """`from` in the file names the format for convert as for audit; --from still wins."""
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    (tmp_path / "trajaudit.toml").write_text('from = "native"\n')
    monkeypatch.chdir(tmp_path)
    as_native = run(["convert", str(chat)])
    assert as_native.exit_code == 2 and "not a native log; it looks like openai" in as_native.output
    as_openai = run(["convert", str(chat), "--from", "openai"])
    assert as_openai.exit_code == 0 and '"kind":"message"' in as_openai.stdout


def test_a_broken_configuration_is_a_usage_error_for_every_command(tmp_path: Path, monkeypatch):
    (tmp_path / "trajaudit.toml").write_text('from = "nonsense"\n')
    monkeypatch.chdir(tmp_path)
    for command in (["validate"], ["convert"], ["stats"], ["distill"]):
        result = run([*command, str(SAMPLES / "many_runs.jsonl")])
        assert result.exit_code == 2, (command, result.output)
        assert "trajaudit.toml" in result.output or "nonsense" in result.output
