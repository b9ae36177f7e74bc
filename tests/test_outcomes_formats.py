"""Outcome files as people have them (Multi-SWE-bench results.json, resolved-only final_report.json, SWE-bench
report.json), ids matched as the importers name trajectories, and the `N of M trajectories matched` note."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit.cli import app
from trajaudit.outcomes import Outcomes, OutcomesError, load_outcomes, match_id


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def verdicts(outcomes) -> dict[str, bool]:
    return {k: v["success"] for k, v in outcomes.items()}


def test_multi_swe_bench_results_json(tmp_path: Path):
    # the shape of Multi-SWE-bench's results/results.json: `resolved` is a list beside the *_ids lists
    doc = {
        "total_instances": 6, "submitted_instances": 5, "completed_instances": 4, "resolved_instances": 1,
        "completed_ids": ["acme__api-1", "acme__api-2", "acme__api-3", "acme__api-4"],
        "submitted_ids": ["acme__api-1", "acme__api-2", "acme__api-3", "acme__api-4", "acme__api-5"],
        "incomplete_ids": ["acme__api-6"],
        "empty_patch_ids": ["acme__api-5"],
        "resolved": ["acme__api-2"],
        "unresolved_ids": ["acme__api-1", "acme__api-3", "acme__api-4"],
        "error_ids": [],
        "unstopped_containers": [],
    }
    got = load_outcomes(write(tmp_path, "results.json", doc))
    assert verdicts(got) == {
        "acme__api-1": False, "acme__api-2": True, "acme__api-3": False, "acme__api-4": False, "acme__api-5": False,
        "acme__api-6": False,
    }
    assert got.partial == ()  # it lists the unresolved runs too


def test_resolved_only_final_report(tmp_path: Path):
    # SWE-agent's final_report.json: stats and the resolved ids; other runs of that folder are not named
    doc = {
        "stats": {"generated": 4, "with_logs": 4, "applied": 3, "resolved": 2},
        "resolved": ["acme__api-1", "acme__api-7"],
        "resolved_per_project": {"acme/api": ["acme__api-1", "acme__api-7"]},
    }
    path = write(tmp_path, "final_report.json", doc)
    got = load_outcomes(path)
    assert verdicts(got) == {"acme__api-1": True, "acme__api-7": True}
    assert "acme__api-2" not in got  # unlisted: no outcome, not a failure
    assert got.partial == (str(path),)


def test_bare_report_with_a_resolved_flag_is_not_a_list_report(tmp_path: Path):
    path = write(tmp_path, "acme__api-3.report.json", {"patch_is_None": False, "resolved": True, "tests_status": {}})
    got = load_outcomes(path)
    assert verdicts(got) == {"acme__api-3": True} and got.partial == ()


def test_swe_bench_harness_report_json(tmp_path: Path):
    doc = {"acme__api-4": {"patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True,
                           "resolved": False, "tests_status": {"FAIL_TO_PASS": {"success": [], "failure": ["t"]}}}}
    assert verdicts(load_outcomes(write(tmp_path, "report.json", doc))) == {"acme__api-4": False}


def test_id_lists_must_hold_ids(tmp_path: Path):
    path = write(tmp_path, "results.json", {"resolved": ["a", {"id": 1}], "unresolved_ids": []})
    with pytest.raises(OutcomesError) as raised:
        load_outcomes(path)
    assert raised.value.path == "$.resolved[1]"


def test_ids_match_as_importers_name_trajectories():
    ids = {"django__django-11099": 1, "run.x": 1, "7": 1}
    assert match_id("django__django-11099", ids) == "django__django-11099"
    assert match_id("acr.SWE-agent_gpt-4_cost_2_1.django__django-11099", ids) == "django__django-11099"
    assert match_id("runs/django__django-11099.traj", ids) == "django__django-11099"
    assert match_id("a.run.x", ids) == "run.x"  # the longest tail that is an id
    # near misses: a tail not cut at a `.` or `/`, and a tau-bench `task:trial` id
    assert match_id("django__django-110990", ids) is None
    assert match_id("xdjango__django-11099", ids) is None
    assert match_id("retail-7:0", ids) is None
    outcomes = Outcomes({"django__django-11099": {"success": True, "source": "s"},
                         "run1.django__django-11099": {"success": False, "source": "s"}})
    assert outcomes["run1.django__django-11099"]["success"] is False  # an exact id wins
    assert outcomes.get("run2.django__django-11099", {})["success"] is True
    assert pickle.loads(pickle.dumps(outcomes)) == outcomes  # sent to worker processes


def _log(*ids: str) -> str:
    lines = []
    for tid in ids:
        lines.append({"trajectory": tid, "step": 0, "kind": "message", "role": "user", "text": "fix it"})
        lines.append({"trajectory": tid, "step": 1, "kind": "message", "role": "assistant", "text": "done"})
    return "".join(json.dumps(line) + "\n" for line in lines)


def test_cli_says_how_many_trajectories_matched(tmp_path: Path):
    log = write(tmp_path, "run.jsonl", _log("run1.acme__api-1", "run1.acme__api-2", "run1.acme__api-3"))
    report = write(tmp_path, "results.json", {"resolved": ["acme__api-1"], "unresolved_ids": ["acme__api-2"]})
    result = CliRunner().invoke(app, ["audit", str(log), "--outcomes", str(report), "--format", "jsonl", "--isolated"])
    assert f"--outcomes {report}: 2 of 3 trajectories matched" in result.stderr
    assert "warning" not in result.stderr
    outcomes = {r["trajectory"]: r["outcome"] for r in map(json.loads, result.stdout.splitlines())
                if r["type"] == "trajectory"}
    assert outcomes == {"run1.acme__api-1": "success", "run1.acme__api-2": "failure", "run1.acme__api-3": None}


def test_cli_warns_when_no_trajectory_matched(tmp_path: Path):
    log = write(tmp_path, "run.jsonl", _log("a", "b"))
    report = write(tmp_path, "outcomes.json", {"x": True, "y": False})
    result = CliRunner().invoke(app, ["audit", str(log), "--outcomes", str(report), "--format", "jsonl", "--isolated"])
    assert "0 of 2 trajectories matched" in result.stderr
    assert "warning: no trajectory matched an id" in result.stderr
    quiet = CliRunner().invoke(app, ["audit", str(log), "--outcomes", str(report), "--format", "jsonl", "--isolated",
                                     "--quiet"])
    assert "trajectories matched" not in quiet.stderr  # --quiet drops the count
    assert "warning: no trajectory matched an id" in quiet.stderr  # but not the warning


def test_cli_notes_a_resolved_only_report(tmp_path: Path):
    log = write(tmp_path, "run.jsonl", _log("acme__api-1", "acme__api-2"))
    report = write(tmp_path, "final_report.json", {"stats": {"resolved": 1}, "resolved": ["acme__api-1"]})
    result = CliRunner().invoke(app, ["audit", str(log), "--outcomes", str(report), "--format", "jsonl", "--isolated"])
    assert "1 of 2 trajectories matched" in result.stderr
    assert "lists resolved runs only" in result.stderr


def test_cli_without_outcomes_says_nothing_about_matching(tmp_path: Path):
    log = write(tmp_path, "run.jsonl", _log("a"))
    result = CliRunner().invoke(app, ["audit", str(log), "--format", "jsonl", "--isolated"])
    assert "matched" not in result.stderr


def test_real_swe_agent_runs_match_a_report_by_instance_id(realdata: Path, tmp_path: Path):
    """The renamed SWE-agent folder's trajectories (`<source>.<system>.<instance>`) match a report keyed by
    instance id, as the runs' own results.json / final_report.json are."""
    folder = realdata / "swe-agent-runs-with-outcomes"
    stems = sorted(p.name[: -len(".traj")] for p in folder.glob("*.traj"))
    instances = sorted({stem.rsplit(".", 1)[-1] for stem in stems if stem.startswith("acr.")})
    report = write(tmp_path, "final_report.json", {"stats": {}, "resolved": instances})
    result = CliRunner().invoke(app, ["audit", str(folder), "--outcomes", str(report), "--format", "jsonl",
                                      "--isolated", "--select", "TA004"])
    acr = sum(stem.startswith("acr.") for stem in stems)
    assert f"{acr} of {len(stems)} trajectories matched" in result.stderr
