"""Start-up imports only what the command and the input format use (issue 12): what a run imports is checked in a
fresh interpreter through sys.modules, never by timing it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_traces"
PROBE = (
    "import json, sys\n"
    "from trajaudit.cli import execute\n"
    "sys.argv = ['trajaudit', *sys.argv[1:]]\n"
    "code = execute()\n"
    "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)\n"
)
IMPORTERS = ("openai", "claude_code", "codex", "tau_bench", "atif", "tau2", "mini_swe_agent", "swe_agent", "otel",
             "inspect", "deepconf")
# What no command needs before it reads a file: the CLI framework and the registry of names are enough.
HEAVY = (
    "rich", "numpy", "jsonschema", "jsonschema_rs", "trajaudit.engine", "trajaudit.parallel", "trajaudit.schema",
    "trajaudit.rules", "trajaudit.claims", "trajaudit.evidence", "trajaudit.failure", "trajaudit.config",
    *(f"trajaudit.importers.{name}" for name in IMPORTERS),
)


def imported(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False, cwd=cwd)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert code in (0, 1), done.stderr
    return set(modules)


def test_version_imports_no_rule_no_importer_no_schema_and_no_rich():
    modules = imported("--version")
    assert "typer" in modules and "trajaudit.cli" in modules  # the probe saw the CLI run
    assert sorted(modules.intersection(HEAVY)) == []


@pytest.mark.parametrize("output", ["jsonl", "json", "sarif", "github"])
def test_a_native_audit_in_a_machine_format_imports_neither_rich_nor_numpy_nor_another_importer(output: str):
    modules = imported("audit", str(SAMPLES / "loop.jsonl"), "--format", output, "-j", "1")
    assert "trajaudit.rules" in modules and "jsonschema_rs" in modules  # it did audit
    # nor what only a selected rule or another command needs (TA401 divergence-step is off by default)
    unwanted = {"rich", "numpy", "jsonschema", "trajaudit.divergence",
                *(f"trajaudit.importers.{name}" for name in IMPORTERS)}
    assert sorted(modules & unwanted) == []


def test_wording_an_invalid_tool_argument_imports_no_python_jsonschema(tmp_path: Path):
    """TA203 words its findings from jsonschema-rs's errors: python-jsonschema (~0.1 s to import) stays out."""
    log = tmp_path / "bad_args.jsonl"
    events = [
        {"trajectory": "t", "step": 0, "kind": "task", "task_id": "x", "goal": "g",
         "tools": [{"name": "f", "parameters": {"type": "object", "required": ["id"]}}]},
        {"trajectory": "t", "step": 1, "kind": "tool_call", "call_id": "c", "tool": "f", "arguments": {}},
    ]
    log.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    modules = imported("audit", str(log), "--format", "jsonl", "-j", "1", "--select", "TA203")
    assert "trajaudit.rules.invalid_tool_arguments" in modules
    assert "jsonschema" not in modules


def test_the_text_view_imports_rich_and_an_imported_format_its_importer(tmp_path: Path):
    for command in ("audit", "validate"):
        modules = imported(command, str(SAMPLES / "loop.jsonl"), "--format", "text", "-j", "1")
        # and parses no markup: rich loads its emoji table to read a plain string as markup
        assert "rich.table" in modules and "rich._emoji_codes" not in modules
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                             {"role": "assistant", "content": "hello"}]}) + "\n", encoding="utf-8")
    modules = imported("audit", str(chat), "--from", "openai", "--format", "jsonl", "-q")
    assert "trajaudit.importers.openai" in modules
    assert sorted(modules & {f"trajaudit.importers.{name}" for name in IMPORTERS if name != "openai"}) == []




def test_events_built_by_an_importer_are_not_validated_so_jsonschema_rs_stays_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The trust boundary (schema.check_imported): our importers' events skip the schema check, and with no tool
    parameters to check (TA203) nothing needs jsonschema-rs; the debug switch validates them, and imports it."""
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                             {"role": "assistant", "content": "hello"}]}) + "\n", encoding="utf-8")
    options = (str(chat), "--from", "openai", "--format", "jsonl", "-q", "-j", "1")
    monkeypatch.delenv("TRAJAUDIT_CHECK_IMPORTED", raising=False)  # the suite turns the switch on (conftest.py)
    audited, validated = imported("audit", *options), imported("validate", *options)
    assert "trajaudit.rules.invalid_tool_arguments" in audited  # TA203 ran, on a run that declares no tools
    assert "jsonschema_rs" not in audited | validated
    monkeypatch.setenv("TRAJAUDIT_CHECK_IMPORTED", "1")
    assert "jsonschema_rs" in imported("audit", *options) & imported("validate", *options)


PROCESSES = {"multiprocessing", "pickle"}  # what only a run cut into parts needs (tempfile: importlib.resources has it)


@pytest.mark.parametrize("jobs", ["1", "0"])  # 0: auto, one process for a small input
def test_a_run_in_one_part_imports_no_multiprocessing(jobs: str):
    assert sorted(imported("audit", str(SAMPLES / "loop.jsonl"), "--format", "jsonl", "-j", jobs) & PROCESSES) == []
    assert sorted(imported("validate", str(SAMPLES), "--format", "jsonl", "-j", jobs) & PROCESSES) == []


def test_a_run_cut_into_parts_imports_multiprocessing():
    assert PROCESSES <= imported("validate", str(SAMPLES), "--format", "jsonl", "-j", "2")  # groups of files



@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_where_workers_cannot_be_forked_a_run_is_planned_in_one_part(monkeypatch: pytest.MonkeyPatch):
    import multiprocessing

    from trajaudit import parallel
    from trajaudit.reader import discover

    sources = list(discover([str(SAMPLES)]))
    assert len(parallel.plan(sources, "auto", 2, lines_apart=True)) > 1  # cut where fork exists (the case below)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert len(parallel.plan(sources, "auto", 2, lines_apart=True)) == 1

@pytest.mark.parametrize("output", ["jsonl", "text"])
def test_validate_imports_the_two_input_rules_and_not_the_registry_nor_what_only_an_audit_needs(output: str):
    # broken_lines.jsonl has both kinds of input finding, whose codes and names come from their rules' modules
    modules = imported("validate", str(SAMPLES / "broken_lines.jsonl"), "--format", output, "-j", "1")
    assert {"trajaudit.rules.invalid_json", "trajaudit.rules.schema_violation", "jsonschema_rs"} <= modules
    rule_modules = {m for m in modules if m.startswith("trajaudit.rules.")}
    assert sorted(rule_modules) == ["trajaudit.rules.invalid_json", "trajaudit.rules.rule",
                                    "trajaudit.rules.schema_violation"]
    # trajaudit.config is read (validate takes the file's input format and limits); the rule registry is not built
    unwanted = {"trajaudit.context", "trajaudit.verdicts", "trajaudit.claims",
                "trajaudit.evidence", "trajaudit.failure", "trajaudit.confidence"}
    assert sorted(modules & unwanted) == []


def test_validate_of_valid_native_lines_checks_them_without_jsonschema_rs():
    """Every line of loop.jsonl passes the compiled check (trajaudit.linecheck), so jsonschema-rs, which words what
    fails, is never imported; a file with a broken line imports it (the test above)."""
    modules = imported("validate", str(SAMPLES / "loop.jsonl"), "--format", "jsonl", "-j", "1")
    assert "msgspec" in modules and "trajaudit.linecheck" in modules  # it did validate, through the fast path
    assert "jsonschema_rs" not in modules


def test_the_toml_parser_is_imported_only_to_read_a_configuration_file(tmp_path: Path):
    log = str(SAMPLES / "loop.jsonl")
    assert "tomllib" not in imported("audit", log, "--format", "jsonl", "--isolated")
    settings = tmp_path / "settings.toml"
    settings.write_text('fail-on = "never"\n', encoding="utf-8")
    assert "tomllib" in imported("audit", log, "--format", "jsonl", "--config", str(settings))
    # a project's pyproject.toml is parsed only if its text could name [tool.trajaudit]
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert "tomllib" not in imported("audit", log, "--format", "jsonl", cwd=project)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.trajaudit]\n', encoding="utf-8")
    assert "tomllib" in imported("audit", log, "--format", "jsonl", cwd=project)

def typer_free(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -X importtime -m trajaudit ARGS`: importtime names on stderr every module the run imported, even though
    the entry point leaves by os._exit (a probe printing sys.modules at exit would never run)."""
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "trajaudit", *args], capture_output=True,
                          text=True, check=False)


def imported_by(stderr: str) -> set[str]:
    return {line.rpartition("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_alone_is_answered_before_typer_with_the_bytes_the_cli_prints(flag: str):
    fast = typer_free(flag)
    assert fast.returncode == 0 and fast.stdout.startswith("trajaudit ")
    modules = imported_by(fast.stderr)
    assert "trajaudit.entry" in modules  # importtime saw the run
    assert sorted(m for m in modules if m.split(".")[0] in ("typer", "click", "rich")) == []
    assert "trajaudit.cli" not in modules
    # the CLI's own eager option, reached through typer, prints the same bytes
    cli = "import sys; from trajaudit.cli import execute; sys.argv = ['trajaudit', *sys.argv[1:]]; sys.exit(execute())"
    through_cli = subprocess.run([sys.executable, "-c", cli, flag], capture_output=True, check=False)
    assert through_cli.returncode == 0 and through_cli.stderr == b""
    assert fast.stdout.encode() == through_cli.stdout


@pytest.mark.parametrize("argv", [["--version", "--help"], ["--version=1"], ["--vers"], ["-V", "rules"]])
def test_any_other_command_line_is_parsed_by_the_cli(argv: list[str]):
    done = typer_free(*argv)
    assert "typer" in imported_by(done.stderr) and "trajaudit.cli" in imported_by(done.stderr)


def test_the_installed_command_starts_at_the_fast_entry_point():
    import tomllib

    scripts = tomllib.loads((SAMPLES.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["trajaudit"] == "trajaudit.entry:main"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_version_on_a_full_or_closed_stdout_is_a_one_line_error_not_a_traceback():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "trajaudit", "--version"], stdout=full, stderr=subprocess.PIPE,
                              text=True, check=False)
    assert done.returncode == 2 and done.stderr.startswith("trajaudit: internal error: OSError") and \
        done.stderr.count("\n") == 1
    closed = subprocess.run(["sh", "-c", 'exec "$0" -m trajaudit --version >&-', sys.executable],
                            capture_output=True, text=True, check=False)
    assert closed.returncode == 2 and closed.stderr == "trajaudit: cannot write the version: stdout is closed\n"


def test_typer_finds_every_command_annotation_already_evaluated():
    """typer evaluates string annotations (compiling each, twice) every time the CLI starts: the commands' annotations
    must be objects, which they are only without `from __future__ import annotations` in cli.py."""
    from trajaudit.cli import app

    callbacks = [info.callback for info in app.registered_commands]
    assert app.registered_callback is not None and app.registered_callback.callback is not None
    callbacks.append(app.registered_callback.callback)
    assert len(callbacks) > 5
    quoted = {f"{f.__name__}.{name}": a for f in callbacks if f is not None for name, a in f.__annotations__.items()
              if isinstance(a, str)}
    assert quoted == {}


def _command_names() -> list[str]:
    from typer.main import get_command_name

    from trajaudit.cli import app

    return [get_command_name(c.name or c.callback.__name__) for c in app.registered_commands if c.callback]


@pytest.mark.parametrize("command", _command_names())
def test_a_command_line_naming_a_command_builds_that_command_alone_and_parses_as_the_whole_app(command, runner):
    from trajaudit.cli import _app_for, app

    lean = _app_for([command, "--help"])
    assert lean is not app and len(lean.registered_commands) == 1 and len(app.registered_commands) > 5
    for args in ([command, "--help"], [command, "--no-such-flag"], ["-V"]):
        whole, alone = runner.invoke(app, args), runner.invoke(lean, args)
        assert (alone.exit_code, alone.stdout, alone.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
        assert whole.stdout or whole.stderr


@pytest.mark.parametrize("args", [[], ["--help"], ["-V", "audit"], ["audt", "x"], ["Audit"]])
def test_any_other_command_line_gets_the_whole_app(args):
    from trajaudit.cli import _app_for, app

    assert _app_for(args) is app


def test_shell_completion_runs_with_no_arguments_and_completes_every_command():
    def complete(words: str) -> list[str]:
        env = {**os.environ, "_TRAJAUDIT_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - 1)}
        done = subprocess.run([sys.executable, "-m", "trajaudit"], capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("trajaudit r") == ["rewards", "rules", "rule"]
    assert "--format" in complete("trajaudit audit --fo")
