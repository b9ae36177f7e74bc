"""Start-up imports only what the command and the input format use (issue 12): what a run imports is checked in a
fresh interpreter through sys.modules, never by timing it."""

from __future__ import annotations

import json
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


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False)
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


def test_the_text_view_imports_rich_and_an_imported_format_its_importer(tmp_path: Path):
    assert "rich" in imported("audit", str(SAMPLES / "loop.jsonl"), "--format", "text", "-j", "1")
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                             {"role": "assistant", "content": "hello"}]}) + "\n", encoding="utf-8")
    modules = imported("audit", str(chat), "--from", "openai", "--format", "jsonl", "-q")
    assert "trajaudit.importers.openai" in modules
    assert sorted(modules & {f"trajaudit.importers.{name}" for name in IMPORTERS if name != "openai"}) == []
