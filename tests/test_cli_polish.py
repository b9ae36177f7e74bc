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


CLEAN = events(
    {"trajectory": "fine", "step": 0, "kind": "message", "role": "user", "text": "hi"},
    {"trajectory": "fine", "step": 1, "kind": "message", "role": "assistant", "text": "hello"},
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


# --- 13. -V, rules --format, one error style, progress --------------------------------------------------------------


def test_dash_v_is_version(runner):
    from trajaudit import __version__

    short, long = runner.invoke(app, ["-V"]), runner.invoke(app, ["--version"])
    assert short.exit_code == long.exit_code == 0 and short.stdout == long.stdout == f"trajaudit {__version__}\n"
    lower = runner.invoke(app, ["-v"])  # the near miss: -v is not taken as a version flag
    assert lower.exit_code == 2 and "trajaudit" not in lower.stdout


def test_rules_format_accepts_only_text_and_json(runner):
    wrong = runner.invoke(app, ["rules", "--format", "sarif"])
    assert wrong.exit_code == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("trajaudit: error: ") and "'text', 'json'" in wrong.stderr
    as_json = runner.invoke(app, ["rules", "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)[0]["code"] == "TA001"
    as_text = runner.invoke(app, ["rules"])
    assert as_text.exit_code == 0 and as_text.stdout.startswith("TA001  invalid-json")


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "x.jsonl", "--format", "foo"],  # a bad choice
        ["audit"],  # a missing argument
        ["bogus"],  # an unknown command
        ["audit", "--frm", "x"],  # an unknown option
        ["audit", "x.jsonl", "-j", "-1"],  # out of range
        ["audit", "x.jsonl", "--from", "nope"],  # trajaudit's own check, for comparison
    ],
)
def test_every_usage_error_has_one_style_and_exit_2(runner, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("trajaudit: error: "), result.stderr
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr


def test_help_is_not_restyled_as_an_error(runner):
    bare = runner.invoke(app, [])  # no arguments prints the help, as before
    assert "Usage: trajaudit" in bare.output and "trajaudit: error" not in bare.output
    helped = runner.invoke(app, ["audit", "-h"])
    assert helped.exit_code == 0 and "--stdin-filename" in helped.stdout


class _Recorder:
    made: list = []

    def __init__(self, summary, *args, **kwargs) -> None:
        _Recorder.made.append(summary)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def test_progress_for_any_format_on_a_terminal_never_with_quiet_or_without_a_terminal(runner, monkeypatch, tmp_path):
    from io import StringIO

    from rich.console import Console

    from trajaudit import cli

    log = str(SAMPLES / "loop.jsonl")
    monkeypatch.setattr(cli, "_Progress", _Recorder)
    _Recorder.made = []
    runner.invoke(app, ["audit", log, "--format", "json"])  # CliRunner's stderr is no terminal
    assert _Recorder.made == []
    watched = {"TTY_INTERACTIVE": "1"}  # rich's switch: what a real terminal on stderr gives
    monkeypatch.setattr(cli, "stderr", Console(file=StringIO(), force_terminal=True))
    for fmt in ("json", "sarif", "text"):
        runner.invoke(app, ["audit", log, "--format", fmt, "-o", str(tmp_path / f"out.{fmt}")], env=watched)
    runner.invoke(app, ["validate", log, "--format", "jsonl"], env=watched)
    assert len(_Recorder.made) == 4
    runner.invoke(app, ["audit", log, "--format", "json", "-q"], env=watched)
    assert len(_Recorder.made) == 4


def test_no_progress_in_a_ci_log_that_forces_colour(runner, monkeypatch):
    """FORCE_COLOR (set by CI jobs for coloured logs) makes stderr count as a terminal for colour, not as one a
    person watches: every redraw of a live line would stay in the log. TTY_INTERACTIVE=0 turns progress off on a
    real terminal too."""
    from trajaudit import cli

    log = str(SAMPLES / "loop.jsonl")
    monkeypatch.setattr(cli, "_Progress", _Recorder)
    _Recorder.made = []
    for env in ({"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}, {"FORCE_COLOR": "1", "TTY_INTERACTIVE": "0"}):
        assert runner.invoke(app, ["audit", log, "--format", "json"], env=env).exit_code in (0, 1)
    assert _Recorder.made == []


@pytest.mark.parametrize(
    "isatty, env, watched",
    [
        (True, {"TERM": "xterm-256color"}, True),
        (True, {"TERM": "dumb"}, False),
        (True, {"TTY_INTERACTIVE": "0"}, False),
        (False, {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}, False),
        (False, {"TTY_INTERACTIVE": "1"}, True),
    ],
)
def test_stderr_is_watched_only_on_a_real_terminal_or_when_rich_is_told(monkeypatch, isatty, env, watched):
    from trajaudit import cli

    class Stream:
        def isatty(self) -> bool:
            return isatty

    for name in ("TERM", "TTY_INTERACTIVE", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli.sys, "stderr", Stream())
    assert cli._stderr_is_watched() is watched


def test_progress_appears_only_after_its_delay_and_is_drawn_from_the_summary():
    from io import StringIO

    from rich.console import Console

    from trajaudit.cli import _Progress
    from trajaudit.engine import Summary

    summary = Summary()
    summary.files, summary.trajectories, summary.lines = 3, 7, 1234
    quick = StringIO()
    with _Progress(summary, Console(file=quick, force_terminal=True), delay=3600) as progress:
        pass  # a run shorter than the delay
    assert quick.getvalue() == "" and not progress.started.is_set()
    slow = StringIO()
    with _Progress(summary, Console(file=slow, force_terminal=True), delay=0) as progress:
        assert progress.started.wait(30)
    assert "3 files" in slow.getvalue() and "7 trajectories" in slow.getvalue() and "1234 lines" in slow.getvalue()


# --- 12. the text view ---------------------------------------------------------------------------------------------


def text_run(runner, args, input=None, columns=80):
    reader._STDIN = reader._STDIN_BUFFER = None  # each run reads its own standard input (the runner fixture restores)
    return runner.invoke(app, ["audit", *args], input=input, env={"COLUMNS": str(columns)})


def test_shorten_path_keeps_the_base_name():
    from trajaudit.report.text import shorten_path

    long = "runs/" + "nested/" * 12 + "agent_run_0042.jsonl:1"
    short = shorten_path(long, 40)
    assert len(short) == 40 and short.endswith("/agent_run_0042.jsonl:1") and short.startswith("runs/")
    assert shorten_path("runs/a.jsonl:1", 40) == "runs/a.jsonl:1"  # the near miss: what fits is left alone
    assert shorten_path("x" * 50 + ".jsonl", 20) == "…" + ("x" * 50 + ".jsonl")[-19:]  # a base name too long: left cut


def test_a_long_file_name_in_the_header_keeps_its_base_name(runner, tmp_path):
    folder = tmp_path / ("deeply_nested_folder_" * 4)
    folder.mkdir()
    log = folder / "agent_run_0042.jsonl"
    log.write_text(FAILING)
    result = text_run(runner, [str(log)])
    header = next(line for line in result.stdout.splitlines() if line.startswith("● b"))
    assert header.endswith("agent_run_0042.jsonl:1") and "…" in header and len(header) <= 80


def test_a_header_without_room_for_the_file_puts_it_on_its_own_line(runner, tmp_path):
    # a τ²-style id (a UUID) leaves an 80-column header ~8 cells for the file: shown there it was cut to "…a…"
    log = tmp_path / "azure-airline-full.jsonl"
    tid = "7ad146cf-324c-46e5-93c9-8fb281c7ab01"
    log.write_text(events({"trajectory": tid, "step": 0, "kind": "task", "task_id": "airline/0", "goal": "g"}))
    lines = text_run(runner, [str(log)]).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"● {tid}"))
    assert lines[at].endswith("outcome no outcome") and "azure" not in lines[at]
    assert lines[at + 1].startswith("  ") and lines[at + 1].endswith("azure-airline-full.jsonl:1")
    wide = text_run(runner, [str(log)], columns=160).stdout.splitlines()
    assert next(line for line in wide if line.startswith(f"● {tid}")).endswith("azure-airline-full.jsonl:1")


def test_file_level_messages_are_never_cut(runner, tmp_path):
    log = tmp_path / "broken.jsonl"
    log.write_text('{"trajectory": "a", "step": 0, "kind": "message", "role": "user", "text": "unfinished\n')
    result = text_run(runner, [str(log)], columns=60)
    joined = " ".join(line.strip() for line in result.stdout.splitlines())
    assert "TA001" in joined and "(char " in joined and "…" not in joined.split("TA001", 1)[1].split("Summary")[0]


def test_step_lines_fill_the_width_and_only_those_that_cannot_fit_are_cut(runner):
    # a step line is as wide as the console (its event column takes what the other columns leave, 40 cells at
    # least) when its step number takes at most 5 digits: printed whole, it ends with its verdict; a longer step
    # number, or a console under 66 columns, pushes it over, and it is cut with "…" at the width (wide characters
    # counted as two cells)
    from rich.cells import cell_len

    text = "長い文章 " * 40
    log = events(
        {"trajectory": "w", "step": 0, "kind": "task", "goal": "g"},
        {"trajectory": "w", "step": 99999, "kind": "message", "role": "assistant", "text": text},
        {"trajectory": "w", "step": 1234567, "kind": "message", "role": "assistant", "text": text},
    )
    for columns in (50, 70, 120):
        lines = text_run(runner, ["-", "--select", "TA1"], input=log, columns=columns).stdout.splitlines()
        fits = next(line for line in lines if line.startswith("99999 "))
        cut = next(line for line in lines if line.startswith("1234567 "))
        assert cell_len(cut) == columns and cut.endswith("…")
        if columns >= 66:
            assert cell_len(fits) == columns and fits.endswith(" ok")
        else:
            assert cell_len(fits) == columns and fits.endswith("…")


def _long_trajectory(tid: str, padding: int) -> str:
    chat = [
        {"trajectory": tid, "step": i, "kind": "message", "role": "user", "text": f"message {i}"}
        for i in range(padding)
    ]
    bad = [
        {"trajectory": tid, "step": padding, "kind": "tool_call", "call_id": "c1", "tool": "t", "arguments": {}},
        {"trajectory": tid, "step": padding + 1, "kind": "tool_result", "call_id": "c1", "ok": False, "output": "boom"},
    ]
    tail = [
        {
            "trajectory": tid,
            "step": padding + 2 + i,
            "kind": "message",
            "role": ("user", "assistant")[i % 2],
            "text": f"later {i}",
        }
        for i in range(padding)  # ending on the assistant's turn: nothing else to flag
    ]
    return events(*chat, *bad, *tail)


def _step_lines(stdout: str) -> list[int]:
    steps = []
    for line in stdout.splitlines():
        head = line[:6].strip()
        if head.isdigit():
            steps.append(int(head))
    return steps


def test_only_failures_shows_flagged_steps_with_context_and_folds_the_rest(runner):
    log = _long_trajectory("long", 20)  # TA201 on step 21 only
    result = text_run(runner, ["-", "--only-failures"], input=log)
    assert _step_lines(result.stdout) == [19, 20, 21, 22, 23]
    assert "… 19 steps …" in result.stdout and "… 18 steps …" in result.stdout
    narrow = text_run(runner, ["-", "--only-failures", "--context", "0"], input=log)
    assert _step_lines(narrow.stdout) == [21]
    whole = text_run(runner, ["-"], input=log)  # the near miss: the full view shows every step, folds nothing
    assert _step_lines(whole.stdout) == list(range(42)) and "steps …" not in whole.stdout
    chosen = text_run(runner, ["-", "-C", "1"], input=log)  # --context alone folds the full view too
    assert _step_lines(chosen.stdout) == [20, 21, 22]


def test_the_verdict_column_is_labelled_as_the_steps_verdict(runner):
    result = text_run(runner, ["-"], input=FAILING)
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("step kind"))
    assert header.rstrip().endswith("verdict")
    failed_result = next(line for line in lines if line.strip().startswith("1 tool_result"))
    assert "error: boom" in failed_result  # the tool result's own state, in the gist, apart from the verdict


def test_the_summary_names_the_worst_failing_trajectories_and_totals_by_severity(runner):
    clean = CLEAN
    failing = "".join(FAILING.replace('"b"', f'"bad-{i:02d}"') for i in range(12))
    result = text_run(runner, ["-"], input=clean + failing, columns=120)
    out = result.stdout
    assert "Failing trajectories (top 10 of 12)" in out and "bad-00" in out.split("Failing trajectories")[1]
    assert "fine" not in out.split("Failing trajectories")[1]
    assert "warning 24" in " ".join(out.split()) and "error 0" in " ".join(out.split())


def test_a_clean_run_names_no_failing_trajectory(runner):
    clean = CLEAN
    result = text_run(runner, ["-"], input=clean)
    assert "Failing trajectories" not in result.stdout and "No findings." in result.stdout


# --- 10. --baseline --------------------------------------------------------------------------------------------------


def _baseline_of(runner, tmp_path, log: Path) -> Path:
    report = tmp_path / "baseline.json"
    result = runner.invoke(app, ["audit", str(log), "--format", "json", "-o", str(report), "-q"])
    assert result.exit_code in (0, 1) and report.exists()
    return report


def test_baseline_hides_known_findings_even_when_lines_shift(runner, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(FAILING)
    base = _baseline_of(runner, tmp_path, log)
    other = events(
        {"trajectory": "z", "step": 0, "kind": "message", "role": "user", "text": "hi"},
        {"trajectory": "z", "step": 1, "kind": "message", "role": "assistant", "text": "hello"},
    )
    log.write_text(other + FAILING)  # the same findings, two lines further down
    args = ["audit", str(log), "--format", "jsonl", "--fail-on", "warning", "--baseline", str(base)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and findings(result.stdout) == [], result.output
    summary = records(result.stdout)[-1]
    assert summary["findings_by_severity"] == {} and summary["findings_by_rule"] == {}
    assert "0 new findings reported, 2 known ones left out" in result.stderr
    without = runner.invoke(app, args[:-2])  # the near miss: without the baseline they are reported, exit 1
    assert without.exit_code == 1 and len(findings(without.stdout)) == 2


def test_baseline_reports_a_new_finding_and_gates_on_it_alone(runner, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(FAILING)
    base = _baseline_of(runner, tmp_path, log)
    new = FAILING.replace('"b"', '"c"').replace("boom", "disk full")  # a new trajectory failing in a new way
    log.write_text(FAILING + new)
    args = ["audit", str(log), "--format", "jsonl", "--fail-on", "warning", "--baseline", str(base)]
    result = runner.invoke(app, args)
    got = findings(result.stdout)
    assert result.exit_code == 1 and {f["trajectory"] for f in got} == {"c"} and len(got) == 2
    # a different error in the same trajectory is new too: the evidence is part of the fingerprint
    log.write_text(FAILING.replace("boom", "disk full"))
    changed = findings(runner.invoke(app, args).stdout)
    assert [f["code"] for f in changed] == ["TA201"]


def test_baseline_fingerprints_in_json_and_sarif_ignore_lines(runner, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(FAILING)
    first = json.loads(runner.invoke(app, ["audit", str(log), "--format", "json", "-q"]).stdout)
    log.write_text("\n\n" + FAILING)
    second = json.loads(runner.invoke(app, ["audit", str(log), "--format", "json", "-q"]).stdout)
    prints = [[f["fingerprint"] for f in t["finding_list"]] for t in (first, second) for t in t["trajectories"]]
    assert prints[0] == prints[1] and len(set(prints[0])) == 2
    assert [f["line"] for f in first["trajectories"][0]["finding_list"]] != [
        f["line"] for f in second["trajectories"][0]["finding_list"]
    ]
    sarif = json.loads(runner.invoke(app, ["audit", str(log), "--format", "sarif", "-q"]).stdout)
    assert [r["partialFingerprints"]["trajauditFingerprint/v1"] for r in sarif["runs"][0]["results"]] == prints[0]


def test_a_baseline_that_is_not_a_json_report_is_a_usage_error(runner, tmp_path):
    log = tmp_path / "run.jsonl"
    log.write_text(FAILING)
    jsonl = tmp_path / "old.jsonl"
    jsonl.write_text(runner.invoke(app, ["audit", str(log), "--format", "jsonl", "-q"]).stdout)
    result = runner.invoke(app, ["audit", str(log), "--baseline", str(jsonl)])
    assert result.exit_code == 2 and result.stderr.startswith("trajaudit: error: --baseline")
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"version": 1, "trajectories": [{"finding_list": [{"code": "TA201"}]}]}))
    result = runner.invoke(app, ["audit", str(log), "--baseline", str(stale)])
    assert result.exit_code == 2 and "without a fingerprint" in result.stderr
    missing = runner.invoke(app, ["audit", str(log), "--baseline", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2


def test_a_named_stdin_document_is_never_located_in_a_file_of_that_name(runner, tmp_path, monkeypatch):
    tau = (Path(__file__).resolve().parent / "fixtures" / "importers" / "tau_bench.json").read_text()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results.json").write_text("\n\n\n" + tau)  # on disk: the same document three lines lower

    def regions(result) -> list:
        return [
            r["locations"][0]["physicalLocation"].get("region") for r in json.loads(result.stdout)["runs"][0]["results"]
        ]

    try:
        piped = runner.invoke(
            app, ["audit", "-", "--stdin-filename", "results.json", "--format", "sarif", "-q"], input=tau
        )
        assert regions(piped) and all(region is None for region in regions(piped))  # no line is better than a wrong one
    finally:
        reader.STDIN_NAMES.discard("results.json")
    on_disk = runner.invoke(app, ["audit", "results.json", "--format", "sarif", "-q"])  # the near miss: a real file
    assert all(region and region["startLine"] > 3 for region in regions(on_disk))


@pytest.mark.parametrize("command", ["stats", "simulate", "diverge", "rewards"])
def test_analysis_commands_take_stdin_filename_as_audit_does(runner, monkeypatch, command):
    log = FAILING + "not json\n"
    named = runner.invoke(app, [command, "-", "--stdin-filename", "runs/a.jsonl"], input=log)
    assert named.exit_code == 0, named.output
    assert "runs/a.jsonl:4: TA001" in named.stderr  # the unreadable line is named by the name given
    fresh_stdin(monkeypatch)
    unnamed = runner.invoke(app, [command, "-"], input=log)
    assert unnamed.exit_code == 0 and "-:4: TA001" in unnamed.stderr
    alone = runner.invoke(app, [command, str(SAMPLES / "loop.jsonl"), "--stdin-filename", "x.jsonl"])
    assert alone.exit_code == 2 and "pass - among the paths" in alone.stderr
