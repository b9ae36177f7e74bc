"""--output: never onto an input (the log would be truncated before it is read), and never half a report."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit import cli
from trajaudit.cli import app

FAILING = "".join(
    json.dumps(event) + "\n"
    for event in (
        {"trajectory": "b", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
        {"trajectory": "b", "step": 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
        {"trajectory": "b", "step": 2, "kind": "message", "role": "assistant", "text": "All done!"},
    )
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_text(FAILING, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    "command",
    [["audit"], ["audit", "--format", "jsonl"], ["validate"], ["convert"], ["stats"], ["simulate"]],
)
def test_output_onto_the_input_is_refused_and_the_log_kept(log, command):
    result = invoke(*command, str(log), "-o", str(log))
    assert result.exit_code == 2
    assert "same file as input" in result.stderr and str(log) in result.stderr
    assert log.read_text(encoding="utf-8") == FAILING


def test_the_same_file_by_another_name_is_refused(log, monkeypatch):
    monkeypatch.chdir(log.parent)
    symlink = log.parent / "link.jsonl"
    symlink.symlink_to(log.name)
    hardlink = log.parent / "hard.jsonl"
    os.link(log, hardlink)
    for output in ("./x.jsonl", "link.jsonl", "hard.jsonl", str(log.parent / ".." / log.parent.name / "x.jsonl")):
        result = invoke("audit", "x.jsonl", "-o", output)
        assert result.exit_code == 2, output
        assert "x.jsonl" in result.stderr
    assert log.read_text(encoding="utf-8") == FAILING


def test_an_existing_report_inside_a_scanned_folder_is_an_input(log):
    report = log.parent / "old-report.jsonl"
    report.write_text(FAILING, encoding="utf-8")  # a log-looking file the folder scan picks up
    result = invoke("audit", str(log.parent), "-o", str(report))
    assert result.exit_code == 2 and "old-report.jsonl" in result.stderr
    assert report.read_text(encoding="utf-8") == FAILING


def test_other_inputs_are_guarded_too(log, tmp_path):
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text('{"b": true}', encoding="utf-8")
    result = invoke("audit", str(log), "--outcomes", str(outcomes), "-o", str(outcomes))
    assert result.exit_code == 2 and outcomes.read_text(encoding="utf-8") == '{"b": true}'


def test_a_new_report_in_the_scanned_folder_is_written_and_not_audited(log):
    report = log.parent / "report.jsonl"
    result = invoke("audit", str(log.parent), "--format", "jsonl", "-o", str(report))
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["files"] == 1
    assert sorted(p.name for p in log.parent.iterdir()) == ["report.jsonl", "x.jsonl"]  # no temporary left
    again = invoke("audit", str(log), "--format", "jsonl", "-o", str(report))  # replacing a report: fine
    assert again.exit_code == 0 and report.read_text(encoding="utf-8").count("\n") == len(lines)


def test_a_report_replaces_the_old_one_keeping_its_mode_and_symlink(log, tmp_path):
    target = tmp_path / "reports" / "r.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    result = invoke("audit", str(log), "--format", "json", "-o", str(link))
    assert result.exit_code == 0
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8"))["version"] == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_report_gets_the_usual_mode_not_a_private_temporary_one(log, tmp_path):
    report = tmp_path / "new.json"
    old = os.umask(0o022)
    try:
        assert invoke("audit", str(log), "--format", "json", "-o", str(report)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(report.stat().st_mode) == 0o644


def test_a_failing_run_leaves_the_previous_report_and_no_partial_one(log, tmp_path, monkeypatch):
    report = tmp_path / "out" / "r.jsonl"
    report.parent.mkdir()
    report.write_text("previous\n", encoding="utf-8")

    def broken(fmt, items, summary, out, **kwargs):
        out.write("half a report\n")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "render", broken)
    result = invoke("audit", str(log), "--format", "jsonl", "-o", str(report))
    assert result.exit_code != 0
    assert report.read_text(encoding="utf-8") == "previous\n"
    assert os.listdir(report.parent) == ["r.jsonl"]


def test_an_unwritable_output_is_a_usage_error(log, tmp_path):
    result = invoke("audit", str(log), "-o", str(tmp_path / "missing" / "r.json"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_a_special_file_is_written_in_place(log):
    result = invoke("audit", str(log), "--format", "jsonl", "-o", os.devnull)
    assert result.exit_code == 0 and os.path.exists(os.devnull)


def test_a_read_only_report_is_not_replaced(log, tmp_path, monkeypatch):
    from trajaudit.report import output

    report = tmp_path / "r.json"
    report.write_text("kept", encoding="utf-8")
    real = os.access
    # as for a non-root user on a 0444 file (root may write anything)
    monkeypatch.setattr(output.os, "access", lambda p, mode: mode != os.W_OK and real(p, mode))
    result = invoke("audit", str(log), "--format", "json", "-o", str(report))
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert report.read_text(encoding="utf-8") == "kept"


def test_jsonl_on_a_pipe_shows_each_trajectory_when_it_ends(tmp_path):
    """`tail -f log | trajaudit audit - --format jsonl | jq`: the verdict of a finished trajectory must come out
    while the input is still open, not when it ends (stdout on a pipe is block-buffered)."""
    import select
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as for a user
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    process = subprocess.Popen(
        [sys.executable, "-m", "trajaudit", "audit", "-", "--format", "jsonl", "-q"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        for event in ({"trajectory": "t1", "step": 0, "kind": "message", "role": "assistant", "text": "hi"},
                      {"trajectory": "t1", "step": 1, "kind": "outcome", "success": True}):
            process.stdin.write((json.dumps(event) + "\n").encode())
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 60)  # input still open: only a flush can wake this
        assert ready, "no output while the input was open"
        first = json.loads(process.stdout.readline())
        assert first["type"] == "trajectory" and first["trajectory"] == "t1"
    finally:
        process.stdin.close()
        process.wait(timeout=60)


def test_jsonl_is_flushed_per_trajectory_only_for_a_reader_waiting(tmp_path):
    import io

    from trajaudit.report.jsonl import read_live

    read, write = os.pipe()
    with open(write, "wb") as pipe, open(tmp_path / "report.jsonl", "wb") as regular:
        assert read_live(pipe)
        assert not read_live(regular)  # a file is left to its buffer
    os.close(read)
    assert not read_live(io.BytesIO())
