"""`audit --executor ray`: the parts of a run go to Ray Data and the output is a local run's, byte for byte.

The Ray tests start one local Ray instance for the module (about 10 s) and skip when Ray Data is not installed
(`pip install "trajaudit[ray]"`); the missing-Ray error is tested everywhere."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trajaudit import parallel, ray_executor
from trajaudit.cli import app
from trajaudit.reader import discover

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def ran_on_ray(monkeypatch):
    """The number of parts each run handed to the Ray executor (so a test cannot pass by running locally)."""
    counts: list[int] = []
    execute = ray_executor.execute

    def counting(parts, work, jobs):  # type: ignore[no-untyped-def]
        counts.append(len(parts))
        yield from execute(parts, work, jobs)

    monkeypatch.setattr(ray_executor, "execute", counting)
    return counts


def _local_and_ray(paths: list[str], *options: str) -> tuple[str, str]:
    runner = CliRunner()
    local = runner.invoke(app, ["audit", *paths, *options])
    on_ray = runner.invoke(app, ["audit", *paths, *options, "--executor", "ray"])
    assert local.exit_code == on_ray.exit_code == 1, (local.output[-400:], on_ray.output[-800:])
    return local.stdout, on_ray.stdout


def _mixed_folder(root: Path) -> Path:
    # every whole-file format, ids repeated across files (renamed FILE/ID by the merge), a file no importer
    # recognises (skipped), and a subfolder
    for n in range(3):
        shutil.copy(FIXTURES / "tau_bench.json", root / f"agent{n}.json")
    for name in ("tau2.json", "demo__widget-3.traj", "history_only.traj", "mini.traj.json", "inspect.json"):
        shutil.copy(FIXTURES / name, root / name)
    (root / "sub").mkdir()
    for name in ("atif.json", "otel.json", "unknown.json", "deepconf_qid7_rid0_answer_token_conf.json"):
        shutil.copy(FIXTURES / name, root / "sub" / name)
    return root


def test_a_mixed_folder_on_ray_gives_the_local_bytes(ray_instance, ran_on_ray, tmp_path: Path):
    folder = str(_mixed_folder(tmp_path))
    assert len(parallel.plan(list(discover([folder])), "auto", 2)) > 1
    local, on_ray = _local_and_ray([folder], "--format", "jsonl", "-q")
    assert on_ray == local
    assert ran_on_ray and ran_on_ray[0] > 1
    summary = json.loads(local.splitlines()[-1])
    assert summary["skipped"] and len(summary["formats"]) == 8


def test_an_openai_log_cut_into_ranges_on_ray_gives_the_local_text_view(ray_instance, ran_on_ray, tmp_path: Path):
    # one log cut into byte ranges, with a run of one message per line that crosses ranges (the merge reads it
    # again locally) and a broken line; the text view needs every event back from the workers
    run = {"messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c", "function": {"name": "bash", "arguments": '{"command": "ls"}'}}]},
        {"role": "tool", "tool_call_id": "c", "content": "Error: no such file"},
        {"role": "assistant", "content": "All done, the files are listed."},
    ]}
    lines = [json.dumps({**run, "id": f"run{n}"}) for n in range(60)]
    lines[20:23] = [json.dumps({"role": "user", "content": f"message {n}"}) for n in range(3)]
    lines[40] = '{"messages": [ broken'
    log = tmp_path / "chats.jsonl"
    log.write_text("\n".join(lines) + "\n")
    assert len(parallel.plan(list(discover([str(log)])), "openai", 2)) > 1
    local, on_ray = _local_and_ray([str(log)], "--from", "openai", "--format", "text")
    assert on_ray == local
    assert ran_on_ray and ran_on_ray[0] > 1
    assert "run59" in local and "TA001" in local


def test_without_ray_the_executor_is_a_usage_error(monkeypatch, tmp_path: Path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as where the extra is not installed
    shutil.copy(FIXTURES / "tau_bench.json", tmp_path / "a.json")
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--executor", "ray"])
    assert result.exit_code == 2
    assert 'pip install "trajaudit[ray]"' in result.stderr
    assert result.stdout == ""


def test_a_native_log_cut_into_ranges_on_ray_gives_the_local_bytes(ray_instance, ran_on_ray, tmp_path: Path):
    # trajectories interleaved across the cuts, one that never ends, an event after an outcome, a broken line
    lines = []
    for n in range(40):
        for tid in (f"a{n}", f"b{n}"):
            lines.append({"trajectory": tid, "step": 0, "kind": "message", "role": "user", "text": "go"})
        lines.append({"trajectory": f"a{n}", "step": 1, "kind": "message", "role": "assistant", "text": "All done."})
        lines.append({"trajectory": f"a{n}", "step": 2, "kind": "outcome", "success": n % 2 == 0})
    lines.insert(30, {"trajectory": "a1", "step": 3, "kind": "reasoning", "text": "late"})
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"broken": \n')
    assert len(parallel.plan(list(discover([str(log)])), "auto", 2)) > 1
    local, on_ray = _local_and_ray([str(log)], "--format", "jsonl", "-q")
    assert on_ray == local
    assert ran_on_ray and ran_on_ray[0] > 1


def test_input_of_one_part_does_not_start_ray(ran_on_ray, monkeypatch, tmp_path: Path):
    pytest.importorskip("ray.data")

    def refuse() -> int:
        raise AssertionError("Ray was started for a run of one part")

    monkeypatch.setattr(ray_executor, "connect", refuse)
    log = tmp_path / "a.json"
    shutil.copy(FIXTURES / "tau_bench.json", log)
    assert len(parallel.plan(list(discover([str(log)])), "auto", 2)) == 1
    local, on_ray = _local_and_ray([str(log)], "--format", "jsonl", "-q")
    assert on_ray == local
    assert ran_on_ray == []


def test_an_unreachable_cluster_fails_fast_with_exit_2(monkeypatch, tmp_path: Path):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    import socket

    with socket.socket() as free:  # a port on 127.0.0.1 where nothing listens once this socket is closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process, whatever ran before
    monkeypatch.setattr(ray, "init", lambda *args, **kwargs: pytest.fail("ray.init was called"))
    for n in range(3):
        shutil.copy(FIXTURES / "tau_bench.json", tmp_path / f"agent{n}.json")
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--executor", "ray"])
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Ray cluster at RAY_ADDRESS=127.0.0.1:{port}" in result.stderr
    assert "TRAJAUDIT_RAY_TIMEOUT" in result.stderr and result.stdout == ""
    monkeypatch.setenv("TRAJAUDIT_RAY_TIMEOUT", "soon")
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--executor", "ray"])
    assert result.exit_code == 2 and "TRAJAUDIT_RAY_TIMEOUT='soon' is not a number" in result.stderr


def test_a_rule_across_runs_keeps_the_run_local_and_says_so(monkeypatch, tmp_path: Path):
    """TA401 compares the runs of each task in one process (`engine.Audit` runs serially for it): Ray is not joined
    for nothing, and the note tells why the cluster stays unused."""

    def refuse(*args: object) -> object:
        raise AssertionError("Ray was prepared for a run that stays in one process")

    monkeypatch.setattr(ray_executor, "prepare", refuse)
    for n in range(3):
        shutil.copy(FIXTURES / "tau_bench.json", tmp_path / f"agent{n}.json")
    assert len(parallel.plan(list(discover([str(tmp_path)])), "auto", 2)) > 1
    runner = CliRunner()
    local = runner.invoke(app, ["audit", str(tmp_path), "--select", "TA401", "--format", "jsonl"])
    on_ray = runner.invoke(app, ["audit", str(tmp_path), "--select", "TA401", "--format", "jsonl", "--executor", "ray"])
    assert on_ray.exit_code == local.exit_code and on_ray.stdout == local.stdout
    assert "TA401 compares the runs of each task in one process" in on_ray.stderr
    assert "Ray" not in local.stderr
    quiet = runner.invoke(app, ["audit", str(tmp_path), "--select", "TA401", "-q", "--executor", "ray"])
    assert "TA401" not in quiet.stderr
