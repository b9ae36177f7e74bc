"""Run the steps of action.yml (the composite GitHub Action) outside GitHub, as the runner would.

Each step's `env` has its `${{ inputs.NAME }}` expressions replaced by the given inputs (or the action's defaults),
GITHUB_ACTION_PATH is this repository, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are files, and the step's `run` goes
to `bash -e {0}`-like execution with `bash --noprofile --norc -eo pipefail`, GitHub's shell for `shell: bash`.

    python .ci/action.py [--skip-install] NAME=VALUE...    prints the outputs as JSON; exits with the step's code
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def run(inputs: dict[str, str], skip_install: bool = False, cwd: Path | None = None) -> tuple[int, dict, str]:
    """(exit code of the first failing step or 0, outputs, job summary)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(values)
    if unknown:
        raise SystemExit(f"unknown inputs: {sorted(unknown)}")
    values.update(inputs)
    missing = [n for n, spec in action["inputs"].items() if spec.get("required") and not values.get(n)]
    if missing:
        raise SystemExit(f"required inputs missing: {missing}")

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return values[expression.removeprefix("inputs.")]
            if expression == "github.action_path":
                return str(ROOT)
            raise SystemExit(f"action.yml uses an expression this runner does not know: {expression}")

        return EXPRESSION.sub(one, text)

    with tempfile.TemporaryDirectory(prefix="action-") as tmp:
        output, summary = Path(tmp) / "output", Path(tmp) / "summary"
        output.touch()
        summary.touch()
        outputs: dict[str, str] = {}
        for step in action["runs"]["steps"]:
            if skip_install and step.get("name") == "Install trajaudit":
                continue
            assert step["shell"] == "bash" and EXPRESSION.search(step["run"]) is None, "expressions only in env"
            env = dict(os.environ)
            env.update({key: expand(str(value)) for key, value in step.get("env", {}).items()})
            env.update(GITHUB_ACTION_PATH=str(ROOT), GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary),
                       RUNNER_TEMP=tmp)
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                  env=env, cwd=cwd or Path.cwd()).returncode
            if step.get("id"):
                for line in output.read_text(encoding="utf-8").splitlines():
                    key, _, value = line.partition("=")
                    outputs[f"{step['id']}.{key}"] = value
                output.write_text("")
            if code:
                return code, _outputs(action, outputs), summary.read_text(encoding="utf-8")
        return 0, _outputs(action, outputs), summary.read_text(encoding="utf-8")


def _outputs(action: dict, step_outputs: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, spec in action.get("outputs", {}).items():
        match = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", spec["value"])
        assert match, spec["value"]
        found[name] = step_outputs.get(f"{match.group(1)}.{match.group(2)}", "")
    return found


if __name__ == "__main__":
    args = sys.argv[1:]
    skip = "--skip-install" in args
    given = dict(arg.split("=", 1) for arg in args if arg != "--skip-install")
    code, outputs, _ = run(given, skip)
    print(json.dumps(outputs))
    sys.exit(code)
