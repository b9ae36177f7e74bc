"""Outcomes found beside the logs, where a format defines where they live (issue 14, point 5).

Harbor trials are written here in the shape of Harbor's own models, not copied from a run: a trial directory holds
`result.json` (`TrialResult`: id, task_name, trial_name, trial_uri, task_checksum, config, agent_info,
agent_result, verifier_result{rewards}, exception_info, started_at, finished_at; harbor
`src/harbor/models/trial/result.py`) and `agent/` where the agent writes its ATIF `trajectory.json`
(`TrialPaths.result_path`, `agent_dir` in `src/harbor/models/trial/paths.py`), beside the job's own `result.json`.
The SWE-bench cases use the real mini-swe-agent runs and harness reports of ../shared/realdata, copied at test time
into the layout of a SWE-bench experiments submission (`trajs/<id>/<id>.traj.json`, `logs/<id>/report.json`), the
layout those files were published in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trajaudit import reader
from trajaudit.cli import app
from trajaudit.outcomes import find_beside
from trajaudit.reader import Source

ATIF = Path(__file__).parent / "fixtures" / "importers" / "atif.json"  # root id traj-main, one subagent sub-a
MINI = Path(__file__).parent / "fixtures" / "importers" / "mini.traj.json"  # instance demo__count-1


def trial_result(trial: str, rewards: dict | None = None, exception: str | None = None, **extra) -> dict:
    """A Harbor TrialResult as `model_dump_json` writes it (every field, nulls included)."""
    return {
        "id": "0b6c1f4e-0000-4000-8000-000000000001", "task_name": "hello-world", "trial_name": trial,
        "trial_uri": f"file:///jobs/job/{trial}", "task_id": {"path": "tasks/hello-world"}, "source": None,
        "task_checksum": "9f2c", "config": {"job_id": "j1"}, "agent_info": {"name": "terminus-2", "version": "2.0"},
        "agent_result": {"n_input_tokens": 100, "n_output_tokens": 20},
        "verifier_result": None if rewards is None else {"rewards": rewards},
        "exception_info": None if exception is None else {
            "exception_type": exception, "exception_message": "timed out", "exception_traceback": "",
            "occurred_at": "2025-11-01T10:00:30"},
        "started_at": "2025-11-01T10:00:00", "finished_at": "2025-11-01T10:01:00", **extra,
    }


def harbor_trial(job: Path, trial: str, result: dict | None, session: str | None = None) -> Path:
    """`<job>/<trial>/agent/trajectory.json` (our ATIF fixture, renamed) with `result` as its result.json."""
    agent = job / trial / "agent"
    agent.mkdir(parents=True)
    doc = json.loads(ATIF.read_text())
    if session is not None:
        doc["trajectory_id"] = session
    (agent / "trajectory.json").write_text(json.dumps(doc))
    if result is not None:
        (job / trial / "result.json").write_text(json.dumps(result))
    return agent / "trajectory.json"


def harbor_job(tmp_path: Path) -> Path:
    job = tmp_path / "jobs" / "2025-11-01__10-00-00"
    job.mkdir(parents=True)
    (job / "result.json").write_text(json.dumps({"id": "j1", "n_total_trials": 2, "stats": {"n_trials": 2}}))
    harbor_trial(job, "hello-world__aB3", trial_result("hello-world__aB3", {"reward": 1.0}), "trial-ok")
    harbor_trial(job, "hello-world__Zx9", trial_result("hello-world__Zx9", None, "AgentTimeoutError"), "trial-late")
    return job


def audit(runner, *args: str):
    result = runner.invoke(app, ["audit", *args, "--format", "jsonl", "--isolated", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["trajectory"]: r for r in records if r["type"] == "trajectory"}, result.stderr


def test_harbor_trials_get_their_result_json_verdicts(runner, tmp_path: Path):
    job = harbor_job(tmp_path)
    got, stderr = audit(runner, str(job))
    assert got["trial-ok"]["outcome"] == "success"
    assert got["trial-ok"]["outcome_source"] == {
        "from": "beside", "file": str(job / "hello-world__aB3" / "result.json"), "verifier": "harbor verifier",
        "format": "harbor",
    }
    # an exception before the verifier: Harbor's mean metric counts the missing reward as 0
    assert got["trial-late"]["outcome"] == "failure"
    assert got["trial-late"]["outcome_source"]["verifier"] == "harbor: no verifier result (AgentTimeoutError)"
    # the trial's verdict is its root trajectory's, not its subagent's
    assert got["trial-ok/sub-a"]["outcome"] is None and got["trial-ok/sub-a"]["outcome_source"] is None
    assert "trajaudit: outcomes: 2 from Harbor result.json beside the logs, 2 none" in stderr
    # the trials' result.json are verdicts, not logs; the job's own result.json is another file no importer reads
    assert "skipped 1 file no importer recognises" in stderr


def test_harbor_reward_is_scored_as_harbors_mean_metric(tmp_path: Path):
    job = tmp_path / "job"
    logs = {
        "named": harbor_trial(job, "named", trial_result("named", {"reward": 0.5, "f2p": 1.0})),
        "single": harbor_trial(job, "single", trial_result("single", {"score": 1})),
        "ambiguous": harbor_trial(job, "ambiguous", trial_result("ambiguous", {"f2p": 1.0, "p2p": 0.0})),
        "running": harbor_trial(job, "running", trial_result("running", None, finished_at=None)),
    }
    found, notes = find_beside(Source(str(path), path) for path in logs.values())
    assert found[str(logs["named"])].verdict == {"success": False, "reward": 0.5, "source": "harbor verifier"}
    assert found[str(logs["named"])].path == '$.verifier_result.rewards["reward"]'
    assert found[str(logs["single"])].verdict["success"] is True
    assert str(logs["ambiguous"]) not in found and str(logs["running"]) not in found
    assert any("2 rewards and none named reward" in note for note in notes)
    assert any("has not finished" in note for note in notes)


def test_a_result_json_that_is_not_harbors_gives_no_outcome(runner, tmp_path: Path):
    job = tmp_path / "job"
    harbor_trial(job, "t1", {"score": 1.0, "passed": True}, "t1")
    got, stderr = audit(runner, str(job))
    assert got["t1"]["outcome"] is None
    assert "not a Harbor trial result" in stderr
    assert "outcomes:" not in stderr  # nothing was found beside the logs, and no --outcomes


def test_only_harbors_trajectory_path_is_a_trial_log(tmp_path: Path):
    trial = tmp_path / "job" / "t1"
    trial.mkdir(parents=True)
    (trial / "result.json").write_text(json.dumps(trial_result("t1", {"reward": 1.0})))
    for name in ("trajectory.json", "agent/trajectory.summarization-1.json"):
        (trial / name).parent.mkdir(exist_ok=True)
        shutil.copy(ATIF, trial / name)
    logs = (trial / "trajectory.json", trial / "agent/trajectory.summarization-1.json")
    found, _ = find_beside(Source(str(p), p) for p in logs)
    assert found == {}


def test_outcomes_flag_wins_over_a_result_beside_the_log(runner, tmp_path: Path):
    job = harbor_job(tmp_path)
    verdicts = tmp_path / "verdicts.json"
    verdicts.write_text(json.dumps({"trial-ok": False}))
    got, stderr = audit(runner, str(job), "--outcomes", str(verdicts))
    assert got["trial-ok"]["outcome"] == "failure"
    assert got["trial-ok"]["outcome_source"]["from"] == "--outcomes"
    assert got["trial-late"]["outcome_source"]["from"] == "beside"
    assert (f"trajaudit: outcomes: 1 from Harbor result.json beside the logs, 1 from --outcomes {verdicts}, 2 none"
            in stderr)


def test_an_outcome_in_the_log_wins_over_one_beside_it(runner, tmp_path: Path):
    job = tmp_path / "job"
    log = harbor_trial(job, "t1", trial_result("t1", {"reward": 0.0}), "t1")
    doc = json.loads(log.read_text())
    doc["extra"] = {"outcome": {"success": True, "source": "own verifier"}}  # as `convert --to atif` writes it
    log.write_text(json.dumps(doc))
    got, stderr = audit(runner, str(job))
    assert got["t1"]["outcome"] == "success"
    assert got["t1"]["outcome_source"]["from"] == "log"
    assert "outcomes: 1 in the logs, 1 none" in stderr


def test_stdin_is_never_looked_up_beside(runner, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(reader, "_STDIN", None)  # standard input is read once per process: this test brings its own
    monkeypatch.setattr(reader, "_STDIN_BUFFER", None)
    log = harbor_trial(tmp_path / "job", "t1", trial_result("t1", {"reward": 1.0}), "t1")
    result = runner.invoke(app, ["audit", "-", "--stdin-filename", str(log), "--format", "jsonl", "--isolated"],
                           input=log.read_text())
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["outcome"] for r in records if r["type"] == "trajectory" and r["trajectory"] == "t1"] == [None]


def test_stats_counts_harbor_trials_by_their_result_json(runner, tmp_path: Path):
    job = harbor_job(tmp_path)
    result = runner.invoke(app, ["stats", str(job), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "trajaudit: outcomes: 2 from Harbor result.json beside the logs, 2 none" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["judged"] == 2 and doc["successes"] == 1 and doc["without_task"] == 0
    assert [(t["task_id"], t["n"], t["c"]) for t in doc["per_task"]] == [("hello-world", 2, 1)]


def harness_report(instance: str, resolved: bool) -> dict:
    """What swebench.harness writes to logs/run_evaluation/<run>/<model>/<instance>/report.json."""
    return {instance: {"patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True,
                       "resolved": resolved, "tests_status": {"FAIL_TO_PASS": {"success": [], "failure": []}}}}


def test_swe_bench_harness_folder_with_the_trajectory_in_it(runner, tmp_path: Path):
    folder = tmp_path / "logs" / "run_evaluation" / "run1" / "mini" / "demo__count-1"
    folder.mkdir(parents=True)
    shutil.copy(MINI, folder / "demo__count-1.traj.json")
    (folder / "report.json").write_text(json.dumps(harness_report("demo__count-1", True)))
    got, stderr = audit(runner, str(tmp_path / "logs"))
    assert got["demo__count-1"]["outcome"] == "success"
    assert got["demo__count-1"]["outcome_source"]["format"] == "swe-bench"
    assert "outcomes: 1 from SWE-bench report.json beside the logs" in stderr
    assert "skipped" not in stderr  # the report was taken as a verdict, not listed as an unread file


def test_a_report_json_for_another_instance_gives_no_outcome(runner, tmp_path: Path):
    folder = tmp_path / "demo__count-1"
    folder.mkdir()
    shutil.copy(MINI, folder / "demo__count-1.traj.json")
    (folder / "report.json").write_text(json.dumps(harness_report("demo__count-2", True)))
    got, stderr = audit(runner, str(folder / "demo__count-1.traj.json"))
    assert got["demo__count-1"]["outcome"] is None
    assert "outcomes: 1 none" in stderr


def test_real_swe_bench_submission_layout(realdata: Path, runner, tmp_path: Path):
    """Real mini-swe-agent runs and their harness reports, laid out as the SWE-bench experiments submission they
    were published in: every run gets the verdict of its own report, and an unresolved run that claims success is
    TA101."""
    source = realdata / "swebench-minisweagent-gemini3pro"
    submission = tmp_path / "20251118_mini-v1.15.0_gemini-3-pro"
    expected = {}
    for traj in sorted((source / "trajs").glob("*.traj.json"))[:12]:
        instance = traj.name[: -len(".traj.json")]
        (submission / "trajs" / instance).mkdir(parents=True)
        (submission / "logs" / instance).mkdir(parents=True)
        shutil.copy(traj, submission / "trajs" / instance / traj.name)
        report = source / "reports" / f"{instance}.report.json"
        shutil.copy(report, submission / "logs" / instance / "report.json")
        expected[instance] = "success" if json.loads(report.read_text())["resolved"] else "failure"
    assert set(expected.values()) == {"success", "failure"}
    got, stderr = audit(runner, str(submission / "trajs"))
    assert {tid: r["outcome"] for tid, r in got.items()} == expected
    assert f"outcomes: {len(expected)} from SWE-bench report.json beside the logs" in stderr
    assert all(r["outcome_source"]["from"] == "beside" for r in got.values())
    # the whole submission folder: the reports are read as verdicts, not counted as skipped files
    whole, stderr = audit(runner, str(submission))
    assert {tid: r["outcome"] for tid, r in whole.items()} == expected
    assert "skipped" not in stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_outcome_source_does_not_depend_on_jobs(runner, tmp_path: Path, jobs: str):
    folder = tmp_path / "demo__count-1"
    folder.mkdir()
    lines = [{"trajectory": "demo__count-1", "step": i, "kind": "message", "role": "assistant", "text": "ok"}
             for i in range(2000)]
    (folder / "run.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / "report.json").write_text(json.dumps(harness_report("demo__count-1", False)))
    got, _ = audit(runner, str(folder / "run.jsonl"), "--jobs", jobs)
    assert got["demo__count-1"]["outcome"] == "failure"
    assert got["demo__count-1"]["outcome_source"]["from"] == "beside"


def test_a_verdict_file_that_is_a_link_out_of_its_folder_or_huge_is_not_read(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(trial_result("t1", {"reward": 1.0})))
    linked = harbor_trial(tmp_path / "job", "t1", None)
    (linked.parent.parent / "result.json").symlink_to(elsewhere)
    huge = harbor_trial(tmp_path / "job", "t2", None)
    (huge.parent.parent / "result.json").write_text(json.dumps(trial_result("t2", {"reward": 1.0}, pad="x" * 2**24)))
    found, notes = find_beside(Source(str(p), p) for p in (linked, huge))
    assert found == {}
    assert any("symbolic link out of its folder" in n for n in notes) and any("over 16 MiB" in n for n in notes)


def test_the_logs_of_one_folder_look_for_what_they_share_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps({"demo__count-1": {"resolved": True, "tests_status": {}}}))
    logs = []
    for k in range(30):
        shutil.copy(MINI, folder / f"run{k}.traj.json")
        logs.append(folder / f"run{k}.traj.json")
    looked: list[str] = []
    original = Source.beside
    monkeypatch.setattr(Source, "beside", lambda self, relative, listed=None: looked.append(relative) or
                        original(self, relative, listed))
    found, notes = find_beside(Source(str(p), p) for p in logs)
    assert sorted(found) == sorted(str(p) for p in logs) and notes == []
    assert len({id(beside) for beside in found.values()}) == 1  # the one report, read once
    assert looked.count("report.json") == 1
