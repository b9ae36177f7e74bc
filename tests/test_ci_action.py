"""The README's CI section, the GitHub Action and the pre-commit hook, run as far as this machine allows: the
action's own steps (all but the pip install, which .ci/run performs) through .ci/action.py, the README's workflow
with its inputs, its plain commands, and the hook's entry."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_traces"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_SECTION = README.split("## In CI", 1)[1].split("\n## ", 1)[0]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", CI_SECTION, flags=re.S)


def _action_runner():
    spec = importlib.util.spec_from_file_location("ci_action", ROOT / ".ci" / "action.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A job's working directory, with this checkout's trajaudit on `python` (as the install step would leave)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    return tmp_path


def _workflow() -> dict:
    workflow = yaml.safe_load(_blocks("yaml")[0])
    return workflow["jobs"]["audit"]


def test_readme_workflow_runs_the_action_and_uploads_what_it_writes(here):
    steps = _workflow()["steps"]
    ours = [s for s in steps if str(s.get("uses", "")).startswith("trajaudit/trajaudit@")]
    assert len(ours) == 1
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(ours[0]["with"]) <= set(action["inputs"])
    inputs = {key: str(value) for key, value in ours[0]["with"].items()}
    inputs["paths"] = str(SAMPLES)  # the README's agent-runs/ is the user's; the samples hold real failures
    code, outputs, summary = _action_runner().run(inputs, skip_install=True, cwd=here)
    assert code == 1 and outputs["exit-code"] == "1"
    upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")][0]
    assert upload["if"] == "always()" and outputs["sarif"] == upload["with"]["sarif_file"]
    sarif = json.loads((here / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert (here / inputs["junit"]).read_text(encoding="utf-8").startswith("<?xml")
    assert "trajaudit" in summary and "TA" in summary


def test_the_action_fails_when_nothing_was_audited_and_passes_a_clean_run(here):
    (here / "empty").mkdir()
    code, outputs, _ = _action_runner().run({"paths": "empty", "summary": "false"}, skip_install=True, cwd=here)
    assert code == 5 and outputs["exit-code"] == "5"
    clean = SAMPLES / "clean_run.jsonl"
    if not clean.exists():
        pytest.skip("no clean sample")
    code, outputs, _ = _action_runner().run({"paths": str(clean), "sarif": ""}, skip_install=True, cwd=here)
    assert code == 0 and outputs == {"exit-code": "0", "sarif": ""}


def test_readme_commands_without_the_action(here):
    install, command = [line for line in _blocks("sh")[-1].splitlines() if line.strip()]
    assert install.startswith("pip install ") and "git+https://" in install  # never the index: not published there
    args = shlex.split(command.replace("agent-runs/", str(SAMPLES)))
    assert args[0] == "trajaudit"
    result = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=here, timeout=120)
    assert result.returncode == 1 and result.stdout.startswith("::error")
    assert json.loads((here / "trajaudit.sarif").read_text())["runs"]
    assert (here / "trajaudit.xml").exists()


def test_pre_commit_hook_runs_its_entry_on_the_files_it_matches(here):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    entry = shlex.split(hook["entry"])
    assert hook["language"] == "python" and entry[0] in scripts  # pip installs the repository, then runs this
    files = re.compile(hook["files"])
    logs = sorted(p for p in SAMPLES.iterdir() if files.search(p.name))
    assert logs and not files.search("results.json") and not files.search("notes.txt")
    result = subprocess.run([sys.executable, "-m", "trajaudit", *entry[1:], *map(str, logs)], capture_output=True,
                            text=True, cwd=here, timeout=120)
    assert result.returncode == 1  # the samples' failures stop the commit
    config = yaml.safe_load(_blocks("yaml")[1])
    assert config["repos"][0]["hooks"][0]["id"] == hook["id"]
    assert re.compile(config["repos"][0]["hooks"][0]["files"]).search("agent-runs/a/run.jsonl")
