"""The command line through typer's CliRunner: exit codes, stdout, stderr, formats, configuration."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from trajaudit import __version__
from trajaudit.cli import app
from trajaudit.report import Format
from trajaudit.rules import RULES

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"


def events(*items: dict) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


CLEAN = events(
    {"trajectory": "a", "step": 0, "kind": "message", "role": "user", "text": "hi"},
    {"trajectory": "a", "step": 1, "kind": "message", "role": "assistant", "text": "hello"},
)
FAILING = events(
    {"trajectory": "b", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
    {"trajectory": "b", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
    {"trajectory": "b", "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_audit_clean_file_exits_0(runner, tmp_path):
    result = runner.invoke(app, ["audit", str(write(tmp_path, "a.jsonl", CLEAN))])
    assert result.exit_code == 0, result.output
    assert "No findings." in result.stdout


def test_audit_warning_exits_0_by_default_and_1_with_fail_on_warning(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    assert runner.invoke(app, ["audit", path]).exit_code == 0
    result = runner.invoke(app, ["audit", path, "--fail-on", "warning"])
    assert result.exit_code == 1
    assert "TA201" in result.stdout


def test_fail_on_never_exits_0_even_with_errors(runner, tmp_path):
    path = str(write(tmp_path, "bad.jsonl", "{not json\n"))
    assert runner.invoke(app, ["audit", path]).exit_code == 1
    assert runner.invoke(app, ["audit", path, "--fail-on", "never"]).exit_code == 0


def test_missing_path_is_usage_error_2(runner, tmp_path):
    result = runner.invoke(app, ["audit", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_jsonl_contract(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING + CLEAN))
    result = runner.invoke(app, ["audit", path, "--format", "jsonl"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    findings = [x for x in lines if x["type"] == "finding"]
    verdicts = [x for x in lines if x["type"] == "trajectory"]
    assert {"file", "line", "trajectory", "step", "code", "name", "severity", "message"} <= set(findings[0])
    assert findings[0]["code"] == "TA201" and findings[0]["line"] == 2 and findings[0]["step"] == 1
    assert [(v["trajectory"], v["verdict"]) for v in verdicts] == [("b", "warn"), ("a", "ok")]
    assert lines[-1]["type"] == "summary" and lines[-1]["trajectories"] == 2
    assert "2 trajectories" in result.stderr  # the summary note goes to stderr, stdout stays machine-readable


def test_json_document(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    result = runner.invoke(app, ["audit", path, "--format", "json", "--quiet"])
    document = json.loads(result.stdout)
    assert document["summary"]["findings_by_rule"]["TA201"] == 1
    assert document["trajectories"][0]["finding_list"][0]["code"] == "TA201"
    assert result.stderr == ""


def test_output_file(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    report = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["audit", path, "--format", "jsonl", "-o", str(report)])
    assert result.stdout == ""
    assert '"TA201"' in report.read_text()


def test_stdin_dash(runner):
    result = runner.invoke(app, ["audit", "-", "--format", "jsonl", "-q"], input=FAILING)
    assert '"code":"TA201"' in result.stdout


def test_the_summary_counts_the_bytes_read_from_stdin_as_they_arrived():
    """`bytes` of a file is its size; standard input has none before it is read, so it is the bytes read from the
    pipe (compressed, for gzip), not 0, which would read as an empty input."""
    import subprocess
    import sys

    plain = (SAMPLES / "clean_run.jsonl").read_bytes()
    for data in (plain, gzip.compress(plain)):
        for command in ("audit", "validate"):
            done = subprocess.run([sys.executable, "-m", "trajaudit", command, "-", "--format", "jsonl", "-q"],
                                  input=data, capture_output=True, check=False)
            summary = json.loads(done.stdout.splitlines()[-1])
            assert summary["type"] == "summary" and summary["lines"] == plain.count(b"\n")
            assert summary["bytes"] == len(data), (command, summary)


def test_select_ignore_and_severity_flags(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    assert "TA201" not in runner.invoke(app, ["audit", path, "--ignore", "ignored-tool-error"]).stdout
    assert "TA201" not in runner.invoke(app, ["audit", path, "--select", "TA1,TA202"]).stdout
    assert runner.invoke(app, ["audit", path, "--severity", "TA201=error"]).exit_code == 1


def test_unknown_rule_and_option_are_usage_errors(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    result = runner.invoke(app, ["audit", path, "--select", "TA999"])
    assert result.exit_code == 2 and "unknown rule 'TA999'" in result.stderr
    result = runner.invoke(app, ["audit", path, "--option", "repeated-call.nope=3"])
    assert result.exit_code == 2 and "has no option 'nope'" in result.stderr


def test_pyproject_configuration_is_read_and_flags_override_it(runner, tmp_path, monkeypatch):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    write(tmp_path, "pyproject.toml", '[tool.trajaudit]\nfail-on = "warning"\n')
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["audit", path]).exit_code == 1
    assert runner.invoke(app, ["audit", path, "--fail-on", "error"]).exit_code == 0
    assert runner.invoke(app, ["audit", path, "--isolated"]).exit_code == 0


def test_unknown_configuration_key_is_a_clear_error(runner, tmp_path, monkeypatch):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    write(tmp_path, "trajaudit.toml", 'fail_on = "warning"\n')
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["audit", path])
    assert result.exit_code == 2
    assert "trajaudit.toml: unknown key 'fail_on'" in result.stderr


def test_rule_options_from_configuration(runner, tmp_path, monkeypatch):
    calls = [
        {"trajectory": "r", "step": i, "kind": "tool_call", "call_id": f"c{i}", "tool": "ls", "arguments": {}}
        for i in range(3)
    ]
    path = str(write(tmp_path, "r.jsonl", events(*calls)))
    assert "TA205" in runner.invoke(app, ["audit", path, "--isolated"]).stdout
    write(tmp_path, "trajaudit.toml", "[options.repeated-call]\nmin-repeats = 4\n")
    monkeypatch.chdir(tmp_path)
    assert "TA205" not in runner.invoke(app, ["audit", path]).stdout


def test_validate_reports_path_and_line(runner, tmp_path):
    bad = events({"trajectory": "v", "step": 0, "kind": "tool_result", "call_id": "c", "ok": "yes"})
    path = str(write(tmp_path, "v.jsonl", CLEAN + bad))
    result = runner.invoke(app, ["validate", path, "--format", "jsonl", "-q"])
    assert result.exit_code == 1
    finding = json.loads(result.stdout.splitlines()[0])
    assert (finding["code"], finding["line"], finding["trajectory"], finding["path"]) == ("TA002", 3, "v", "$.ok")
    assert runner.invoke(app, ["validate", str(write(tmp_path, "ok.jsonl", CLEAN))]).exit_code == 0


def test_bad_input_is_reported_and_the_rest_still_audited(runner, tmp_path):
    text = CLEAN + "{broken\n" + "\xff\n" + FAILING
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(text.encode("utf-8").replace("\xff".encode(), b"\xff"))
    result = runner.invoke(app, ["audit", str(path), "--format", "jsonl", "-q"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    codes = [(x["code"], x["line"]) for x in lines if x["type"] == "finding"]
    assert ("TA001", 3) in codes and ("TA001", 4) in codes and ("TA201", 6) in codes
    assert sum(x["type"] == "trajectory" for x in lines) == 2


def test_truncated_gzip_is_a_finding_not_a_traceback(runner, tmp_path):
    data = gzip.compress((CLEAN * 200).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["audit", str(path), "--format", "jsonl", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "compressed stream ends early" in result.stdout


def test_empty_file_is_nothing_audited_unless_allowed(runner, tmp_path):
    path = str(write(tmp_path, "empty.jsonl", ""))
    assert runner.invoke(app, ["audit", path]).exit_code == 5
    assert runner.invoke(app, ["audit", path, "--allow-empty"]).exit_code == 0


def test_log_text_cannot_inject_escapes_or_markup(runner, tmp_path):
    evil = events(
        {
            "trajectory": "[bold red]x[/]",
            "step": 0,
            "kind": "message",
            "role": "user",
            "text": "\x1b[2J\x1b]0;pwned\x07 [link=http://x]y[/link]",
        },
        {"trajectory": "[bold red]x[/]", "step": 1, "kind": "message", "role": "assistant", "text": "\u202eevil"},
    )
    result = runner.invoke(app, ["audit", str(write(tmp_path, "evil.jsonl", evil))], env={"FORCE_COLOR": "1"})
    assert "\x1b[2J" not in result.stdout and "\x1b]0" not in result.stdout and "\u202e" not in result.stdout
    assert "[bold red]x[/]" in result.stdout  # shown literally, not interpreted


def test_no_color_on_pipes_and_with_no_color(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    assert "\x1b[" not in runner.invoke(app, ["audit", path]).stdout
    assert "\x1b[" not in runner.invoke(app, ["audit", path], env={"NO_COLOR": "1", "FORCE_COLOR": ""}).stdout


def test_only_failures_hides_clean_trajectories(runner, tmp_path):
    path = str(write(tmp_path, "m.jsonl", FAILING + CLEAN))
    result = runner.invoke(app, ["audit", path, "--only-failures"])
    assert "● b" in result.stdout and "● a" not in result.stdout


def test_rules_and_rule_commands(runner):
    listing = runner.invoke(app, ["rules"])
    assert listing.exit_code == 0 and "TA201  ignored-tool-error " in listing.stdout
    assert len(listing.stdout.splitlines()) == len(RULES)
    doc = runner.invoke(app, ["rule", "TA201"])
    assert doc.exit_code == 0 and "Why it matters" in doc.stdout
    assert runner.invoke(app, ["rule", "TA999"]).exit_code == 2


def test_schema_command_prints_the_schema(runner):
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.stdout)["title"] == "trajaudit event v1"


def test_every_format_renders_the_samples(runner):
    for fmt in Format:
        result = runner.invoke(app, ["audit", str(SAMPLES), "--format", fmt.value, "-q"])
        assert result.exit_code == 1, (fmt, result.output)
        assert result.stdout.strip(), fmt


def test_help_shows_examples_and_exit_codes(runner):
    for command in ("audit", "validate"):
        result = runner.invoke(app, [command, "--help"])
        assert "Example:" in result.stdout and "Exit codes" in result.stdout


def test_text_view_draws_a_confidence_sparkline(runner, tmp_path):
    confidences = [0.9, 0.9, 0.9, 0.1, 0.9]
    lines = [
        {"trajectory": "s", "step": i, "kind": "message", "role": "assistant", "text": "x", "confidence": c}
        for i, c in enumerate(confidences)
    ]
    result = runner.invoke(app, ["audit", str(write(tmp_path, "s.jsonl", events(*lines)))])
    assert "conf ███▁█" in result.stdout and "min 0.1 at step 3" in result.stdout
    plain = runner.invoke(app, ["audit", str(write(tmp_path, "p.jsonl", CLEAN))])
    assert "conf " not in plain.stdout


def test_same_ids_in_two_imported_result_files_are_two_runs_not_late_events(runner, tmp_path):
    fixture = Path(__file__).resolve().parent / "fixtures" / "importers" / "tau_bench.json"
    for name in ("agent-a.json", "agent-b.json"):
        (tmp_path / name).write_bytes(fixture.read_bytes())
    result = runner.invoke(app, ["audit", str(tmp_path), "--format", "jsonl", "-q", "--select", "TA003"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(r["type"] == "trajectory" for r in records) >= 2
    assert not [r for r in records if r["type"] == "finding"]


def test_outcomes_file_attaches_ground_truth_kept_apart(runner, realdata):
    """mini-swe-agent logs carry no verdict; the SWE-bench summary does. All 38 runs submit, which is no claim:
    TA101 fires on the unresolved runs whose final words claim success."""
    folder = realdata / "swebench-minisweagent-gemini3pro"
    args = ["audit", str(folder / "trajs"), "--format", "jsonl", "-q", "--select", "TA101"]
    without = runner.invoke(app, args)
    assert without.exit_code == 0 and '"code":"TA101"' not in without.stdout
    attached = runner.invoke(app, [*args, "--outcomes", str(folder / "results_summary.json")])
    assert attached.exit_code == 1
    summary = json.loads(attached.stdout.splitlines()[-1])
    resolved = json.loads((folder / "results_summary.json").read_text())["instances"]
    present = {p.name.removesuffix(".traj.json") for p in (folder / "trajs").glob("*.traj.json")}
    failed = sum(1 for i in resolved if i["instance_id"] in present and not i["resolved"])
    assert summary["outcomes"]["failure"] == failed
    assert 0 < summary["findings_by_rule"]["TA101"] <= failed


def test_bad_outcomes_file_is_a_usage_error(runner, tmp_path):
    path = str(write(tmp_path, "b.jsonl", FAILING))
    bad = write(tmp_path, "outcomes.json", "{not json")
    result = runner.invoke(app, ["audit", path, "--outcomes", str(bad)])
    assert result.exit_code == 2 and "outcomes.json" in result.stderr


def test_a_crash_is_exit_2_with_a_reason_not_a_traceback(monkeypatch, capsys):
    import sys

    from trajaudit import cli

    def boom(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(cli.engine, "Audit", boom)
    monkeypatch.setattr(sys, "argv", ["trajaudit", "audit", str(SAMPLES)])
    monkeypatch.delenv("TRAJAUDIT_DEBUG", raising=False)
    assert cli.execute() == 2
    assert "internal error: RuntimeError: worker died" in capsys.readouterr().err
