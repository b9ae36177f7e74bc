"""trajaudit as a CI gate: nothing may pass silently (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import CLEAN, events
from trajaudit.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"


WARNING_ONLY = events(
    {"trajectory": "b", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
    {"trajectory": "b", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
    {"trajectory": "b", "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
)


# --- 1. an audit that audited nothing -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "validate"])
def test_nothing_to_audit_exits_5_and_says_why_even_when_quiet(runner, tmp_path, command):
    (tmp_path / "empty").mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "run.log").write_text(CLEAN)  # logs under a name the directory scan does not read
    (tmp_path / "blank.jsonl").write_text("\n\n")
    for target in (tmp_path / "empty", logs, tmp_path / "blank.jsonl"):
        result = runner.invoke(app, [command, str(target), "--format", "jsonl", "-q"])
        assert result.exit_code == 5, (target, result.output)
        assert "nothing audited" in result.stderr and "--allow-empty" in result.stderr
        allowed = runner.invoke(app, [command, str(target), "--format", "jsonl", "-q", "--allow-empty"])
        assert allowed.exit_code == 0, allowed.output


def test_something_audited_keeps_its_exit_code(runner, tmp_path):
    clean = tmp_path / "a.jsonl"
    clean.write_text(CLEAN)
    assert runner.invoke(app, ["audit", str(clean), "-q"]).exit_code == 0
    warned = tmp_path / "b.jsonl"
    warned.write_text(WARNING_ONLY)
    # findings below --fail-on: audited, clean for the gate
    assert runner.invoke(app, ["audit", str(warned), "-q", "--fail-on", "never"]).exit_code == 0
    broken = tmp_path / "c.jsonl"
    broken.write_text("not json\n")
    # no trajectory, but a finding: the input was audited, and what it found decides
    assert runner.invoke(app, ["audit", str(broken), "-q"]).exit_code == 1
    assert runner.invoke(app, ["audit", str(broken), "-q", "--fail-on", "never"]).exit_code == 0


def test_exit_codes_are_in_help_and_readme(runner):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 5 |", "| 141 |"):
        assert code in table
    for command in ("audit", "validate"):
        help_text = runner.invoke(app, [command, "--help"]).stdout
        assert "5 nothing" in " ".join(help_text.split())
    assert "141" in " ".join(runner.invoke(app, ["--help"]).stdout.split())


# --- 6. a closed pipe -----------------------------------------------------------------------------------------------


def _run_into(args: list[str], closed: bool, tmp_path: Path) -> int:
    """Run trajaudit with stdout a pipe whose reader is gone before anything is written (closed), or a file."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "trajaudit", *args]
    if not closed:
        with open(tmp_path / "out", "wb") as out:
            return subprocess.run(command, stdout=out, stderr=subprocess.DEVNULL, env=env, timeout=120).returncode
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(command, stdout=write, stderr=subprocess.DEVNULL, env=env, timeout=120).returncode
    finally:
        os.close(write)


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_closed_pipe_dies_of_sigpipe_never_with_the_findings_code(tmp_path, fmt):
    import signal

    log = tmp_path / "b.jsonl"
    log.write_text(WARNING_ONLY * 50)
    args = ["audit", str(log), "--format", fmt, "--fail-on", "warning"]
    assert _run_into(args, closed=False, tmp_path=tmp_path) == 1  # findings, read to the end
    assert _run_into(args, closed=True, tmp_path=tmp_path) == -signal.SIGPIPE
    assert _run_into(["rules"], closed=False, tmp_path=tmp_path) == 0
    assert _run_into(["rules"], closed=True, tmp_path=tmp_path) == -signal.SIGPIPE


# --- 2. a wrong --from, and files no importer reads -------------------------------------------------------------


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.mark.parametrize("select", [[], ["--select", "TA101"]])
def test_wrong_from_is_a_usage_error_that_names_the_right_one(runner, tmp_path, select):
    tau = str(FIXTURES / "tau_bench.json")
    result = runner.invoke(app, ["audit", tau, "--from", "tau2", "--format", "jsonl", "-q", *select])
    assert result.exit_code == 2, result.output
    assert "not a tau2 log" in result.stderr and "--from tau-bench" in result.stderr
    assert not [r for r in _records(result.stdout) if r["type"] == "finding"]  # valid JSON is no TA001
    right = runner.invoke(app, ["audit", tau, "--from", "tau-bench", "--format", "jsonl", "-q", *select])
    assert right.exit_code in (0, 1) and "not a" not in right.stderr


def test_valid_json_of_no_known_shape_is_never_invalid_json(runner, tmp_path):
    other = tmp_path / "config.json"
    other.write_text('{"tasks": 3, "name": "not a log"}')
    result = runner.invoke(app, ["audit", str(other), "--from", "tau2", "--format", "jsonl", "-q"])
    assert result.exit_code == 2 and "not a tau2 results file" in result.stderr
    assert "invalid-json" not in result.stdout
    broken = tmp_path / "broken.json"
    broken.write_text('{"tasks": [')  # the near miss: not JSON at all is still TA001
    result = runner.invoke(app, ["audit", str(broken), "--from", "tau2", "--format", "jsonl", "-q"])
    assert [r["code"] for r in _records(result.stdout) if r["type"] == "finding"] == ["TA001"]


def test_unrecognised_jsonl_in_a_folder_is_skipped_with_a_note_but_named_it_is_an_error(runner, tmp_path):
    (tmp_path / "run.jsonl").write_text(CLEAN)
    outcomes = tmp_path / "outcomes.jsonl"
    outcomes.write_text('{"trajectory": "a", "resolved": true}\n{"trajectory": "b", "resolved": false}\n')
    scanned = runner.invoke(app, ["audit", str(tmp_path), "--format", "jsonl"])
    assert scanned.exit_code == 0, scanned.output
    assert "skipped 1 file no importer recognises" in scanned.stderr and "outcomes.jsonl" in scanned.stderr
    assert _records(scanned.stdout)[-1]["skipped"] == [str(outcomes)]
    named = runner.invoke(app, ["audit", str(outcomes), "--format", "jsonl", "-q"])
    assert named.exit_code == 2 and "unrecognised input format" in named.stderr


def test_a_broken_native_log_in_a_folder_is_still_audited_not_skipped(runner, tmp_path):
    # the near miss: events missing a field are native logs with schema errors, not some other file
    broken = tmp_path / "run.jsonl"
    broken.write_text(events({"trajectory": "a", "step": 0, "role": "user", "text": "hi"}))
    result = runner.invoke(app, ["audit", str(tmp_path), "--format", "jsonl", "-q"])
    assert result.exit_code == 1
    assert {r["code"] for r in _records(result.stdout) if r["type"] == "finding"} == {"TA002"}


# --- 3. a broken pyproject.toml -----------------------------------------------------------------------------------


def test_unparsable_pyproject_is_a_config_error_naming_file_and_line(runner, tmp_path, monkeypatch):
    log = tmp_path / "a.jsonl"
    log.write_text(CLEAN)
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.trajaudit\nfail-on = "warning"\n')
    monkeypatch.chdir(project / "src")  # found on the way up, as a config would be
    result = runner.invoke(app, ["audit", str(log), "-q"])
    assert result.exit_code == 2
    assert str(project / "pyproject.toml") in result.stderr and "line 4" in result.stderr
    assert runner.invoke(app, ["audit", str(log), "-q", "--isolated"]).exit_code == 0


def test_a_valid_pyproject_without_our_table_is_passed_over(runner, tmp_path, monkeypatch):
    log = tmp_path / "a.jsonl"
    log.write_text(CLEAN)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["audit", str(log), "-q"]).exit_code == 0
    # a trajaudit.toml beside a broken pyproject.toml is the file read, as before
    (tmp_path / "pyproject.toml").write_text("[project\n")
    (tmp_path / "trajaudit.toml").write_text('fail-on = "error"\n')
    assert runner.invoke(app, ["audit", str(log), "-q"]).exit_code == 0


# --- 7. JUnit follows --fail-on -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("never", 0), ("info", 1)])
def test_junit_failures_are_what_fails_the_job(runner, tmp_path, fail_on, code):
    import xml.etree.ElementTree as ET

    log = tmp_path / "b.jsonl"
    log.write_text(WARNING_ONLY)
    result = runner.invoke(app, ["audit", str(log), "--format", "junit", "-q", "--fail-on", fail_on])
    assert result.exit_code == code
    root = ET.fromstring(result.stdout)
    case = root.find("./testsuite/testcase")
    assert case is not None and case.get("file") == str(log) and float(case.get("time", "x")) >= 0
    assert float(root.find("./testsuite").get("time", "x")) >= 0  # type: ignore[union-attr]
    failed = case.find("failure") is not None
    assert failed == (code == 1) and root.get("failures") == str(int(failed))
    if not failed:  # the warning is still there, for whoever opens the case
        assert "TA201" in (case.findtext("system-out") or "")


def test_junit_lists_an_input_that_could_not_be_read_as_an_error(runner, tmp_path):
    import xml.etree.ElementTree as ET

    log = tmp_path / "a.jsonl"
    log.write_text(CLEAN)
    tau = str(FIXTURES / "tau_bench.json")
    result = runner.invoke(app, ["audit", str(log), tau, "--from", "native", "--format", "junit", "-q"])
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    errors = root.findall("./testsuite/testcase/error")
    assert root.get("errors") == "1" and len(errors) == 1 and "tau_bench.json" in errors[0].get("message", "")
    clean = runner.invoke(app, ["audit", str(log), "--format", "junit", "-q"])
    assert ET.fromstring(clean.stdout).get("errors") == "0"


# --- 5. ids that collide across files ------------------------------------------------------------------------------


def _two_agents(tmp_path: Path) -> Path:
    folder = tmp_path / "runs"
    folder.mkdir()
    for name in ("agent-a.json", "agent-b.json"):
        (folder / name).write_bytes((FIXTURES / "tau_bench.json").read_bytes())
    return folder


def _trajectories(stdout: str) -> list[str]:
    return [r["trajectory"] for r in _records(stdout) if r["type"] == "trajectory"]


def test_same_ids_from_two_result_files_stay_two_runs_everywhere(runner, tmp_path, monkeypatch):
    from trajaudit import reader

    monkeypatch.setattr(reader, "_STDIN", None)  # standard input is read once per process: this test's own
    monkeypatch.setattr(reader, "_STDIN_BUFFER", None)
    folder = _two_agents(tmp_path)
    single = _trajectories(runner.invoke(app, ["audit", str(folder / "agent-a.json"), "--format", "jsonl"]).stdout)
    assert single and not any("agent-a.json/" in tid for tid in single)  # one file: ids as the importer names them
    both = runner.invoke(app, ["audit", str(folder), "--format", "jsonl"])
    ids = _trajectories(both.stdout)
    assert len(ids) == 2 * len(single) and len(set(ids)) == len(ids)
    assert {f"agent-b.json/{tid}" for tid in single} <= set(ids)
    assert "also in" in both.stderr and "agent-b.json" in both.stderr
    converted = runner.invoke(app, ["convert", str(folder)])
    assert converted.exit_code == 0 and "also in" in converted.stderr
    piped = runner.invoke(app, ["audit", "-", "--format", "jsonl", "-q", "--select", "TA003"], input=converted.stdout)
    assert len(_trajectories(piped.stdout)) == len(ids)
    assert not [r for r in _records(piped.stdout) if r["type"] == "finding"]  # no false step-order findings
    validated = runner.invoke(app, ["validate", str(folder), "--format", "jsonl", "-q"])
    assert _records(validated.stdout)[-1]["trajectories"] == len(ids)


def test_a_native_trajectory_spread_over_two_files_is_still_one(runner, tmp_path):
    (tmp_path / "part1.jsonl").write_text(events(
        {"trajectory": "a", "step": 0, "kind": "message", "role": "user", "text": "hi"}))
    (tmp_path / "part2.jsonl").write_text(events(
        {"trajectory": "a", "step": 1, "kind": "message", "role": "assistant", "text": "hello"}))
    result = runner.invoke(app, ["audit", str(tmp_path), "--format", "jsonl", "-q"])
    assert _trajectories(result.stdout) == ["a"]


def test_the_same_file_named_twice_is_read_once(runner, tmp_path, monkeypatch):
    folder = _two_agents(tmp_path)
    monkeypatch.chdir(folder)
    (folder / "hard.json").hardlink_to(folder / "agent-a.json")
    once = runner.invoke(app, ["audit", "agent-a.json", "--format", "jsonl", "-q"])
    twice = runner.invoke(app, ["audit", "agent-a.json", "./agent-a.json", "hard.json", "--format", "jsonl", "-q"])
    assert _trajectories(twice.stdout) == _trajectories(once.stdout)
    assert _records(twice.stdout)[-1]["files"] == 1
    assert "read once" in twice.stderr
    stats = runner.invoke(app, ["stats", str(folder / "agent-a.json"), str(folder / "agent-a.json"), "--format",
                                "json", "-q"])
    single = runner.invoke(app, ["stats", str(folder / "agent-a.json"), "--format", "json", "-q"])
    assert stats.stdout == single.stdout


# --- 9. one run, several reports --------------------------------------------------------------------------------


SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"


def test_one_run_writes_each_report_as_its_own_run_would(runner, tmp_path):
    sarif, junit, jsonl = tmp_path / "t.sarif", tmp_path / "t.xml", tmp_path / "t.jsonl"
    both = runner.invoke(app, [
        "audit", str(SAMPLES), "--format", "github", "-q", "--isolated",
        "--report", f"sarif={sarif}", "--report", f"junit={junit}", "--report", f"jsonl={jsonl}",
    ])
    assert both.exit_code == 1, both.output
    for fmt, path in (("github", None), ("sarif", sarif), ("junit", junit), ("jsonl", jsonl)):
        alone = runner.invoke(app, ["audit", str(SAMPLES), "--format", fmt, "-q", "--isolated"])
        written = both.stdout if path is None else path.read_text(encoding="utf-8")
        assert written == alone.stdout, fmt


@pytest.mark.parametrize("spec", ["sarif", "sarif=", "nope=x.sarif", "text"])
def test_a_bad_report_spec_is_a_usage_error(runner, tmp_path, spec):
    log = tmp_path / "a.jsonl"
    log.write_text(CLEAN)
    result = runner.invoke(app, ["audit", str(log), "--report", spec])
    assert result.exit_code == 2 and "--report" in result.stderr


def test_report_files_are_never_inputs_and_never_shared(runner, tmp_path):
    log = tmp_path / "a.jsonl"
    log.write_text(CLEAN)
    assert runner.invoke(app, ["audit", str(log), "-q", "--report", f"jsonl={log}"]).exit_code == 2
    assert log.read_text() == CLEAN
    out = tmp_path / "r.json"
    twice = runner.invoke(app, ["audit", str(log), "-o", str(out), "--report", f"sarif={out}"])
    assert twice.exit_code == 2 and "named twice" in twice.stderr and not out.exists()
    fine = runner.invoke(app, ["validate", str(log), "-q", "--report", f"junit={out}"])
    assert fine.exit_code == 0 and out.read_text().startswith("<?xml")
