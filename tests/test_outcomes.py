"""load_outcomes: every accepted shape, and bad files as OutcomesError naming the file and line or path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trajaudit.outcomes import OutcomesError, load_outcomes


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_mapping_of_bools_rewards_and_objects(tmp_path: Path):
    mapping = {"a": True, "b": 0.0, "c": 1, "d": {"reward": 0.5, "source": "judge"}, "e": {"resolved": False}}
    path = write(tmp_path, "o.json", mapping)
    got = load_outcomes(path)
    assert got["a"] == {"success": True, "source": "outcomes file"}
    assert got["b"] == {"success": False, "reward": 0.0, "source": "outcomes file"}
    assert got["c"]["success"] is True
    assert got["d"] == {"success": False, "reward": 0.5, "source": "judge"}
    assert got["e"] == {"success": False, "source": "swe-bench harness"}


def test_jsonl_records_with_each_id_key(tmp_path: Path):
    lines = [
        {"trajectory": "t1", "success": True},
        {"id": "t2", "reward": 1.0},
        {"instance_id": "t3", "resolved": False},
    ]
    path = write(tmp_path, "o.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    got = load_outcomes(path)
    assert {k: v["success"] for k, v in got.items()} == {"t1": True, "t2": True, "t3": False}
    assert got["t2"]["reward"] == 1.0


def test_swe_bench_shapes(tmp_path: Path):
    summary = write(tmp_path, "results_summary.json", {"total": 2, "instances": [
        {"instance_id": "x__y-1", "resolved": True}, {"instance_id": "x__y-2", "resolved": False}]})
    assert {k: v["success"] for k, v in load_outcomes(summary).items()} == {"x__y-1": True, "x__y-2": False}
    wrapped = write(tmp_path, "report.json", {"x__y-3": {"resolved": True, "tests_status": {}}})
    assert load_outcomes(wrapped)["x__y-3"]["success"] is True
    bare = write(tmp_path, "x__y-4.report.json", {"patch_is_None": False, "resolved": False, "tests_status": {}})
    assert load_outcomes(bare) == {"x__y-4": {"success": False, "source": "swe-bench harness"}}
    (tmp_path / "x__y-5").mkdir()
    nested = write(tmp_path / "x__y-5", "report.json", {"patch_is_None": False, "resolved": True, "tests_status": {}})
    assert load_outcomes(nested) == {"x__y-5": {"success": True, "source": "swe-bench harness"}}
    run = write(tmp_path, "run.json", {"resolved_ids": ["r1"], "unresolved_ids": ["u1"], "error_ids": ["e1"]})
    assert {k: v["success"] for k, v in load_outcomes(run).items()} == {"r1": True, "u1": False, "e1": False}


def test_directory_merges_its_files(tmp_path: Path):
    write(tmp_path, "a.report.json", {"patch_is_None": False, "resolved": True, "tests_status": {}})
    write(tmp_path, "b.report.json", {"patch_is_None": False, "resolved": False, "tests_status": {}})
    write(tmp_path, "notes.txt", "ignored")
    assert {k: v["success"] for k, v in load_outcomes(tmp_path).items()} == {"a": True, "b": False}


@pytest.mark.parametrize(
    ("name", "content", "line", "fragment"),
    [
        ("bad.jsonl", '{"id": "a", "success": true}\n{"id": "b", "success": \n', 2, "invalid JSON"),
        ("bad.jsonl", '{"id": "a", "success": true}\n{"success": true}\n', 2, "names no trajectory"),
        ("bad.jsonl", '{"id": "a", "success": true}\n{"id": "b", "verdict": "yes"}\n', 2, "no verdict"),
        ("bad.json", '{"a": "maybe"}', None, "expected a verdict"),
        ("bad.json", '{"a": tru', 1, "invalid JSON"),
        ("empty.json", "  \n", None, "empty"),
        ("list.json", "[1, 2]", None, "expected an object"),
    ],
)
def test_bad_files_name_file_and_place(tmp_path: Path, name: str, content: str, line: int | None, fragment: str):
    path = write(tmp_path, name, content)
    with pytest.raises(OutcomesError) as caught:
        load_outcomes(path)
    error = caught.value
    assert error.file == str(path) and error.line == line
    assert fragment in str(error) and str(path) in str(error)


def test_missing_file_is_an_outcomes_error(tmp_path: Path):
    with pytest.raises(OutcomesError, match="cannot read"):
        load_outcomes(tmp_path / "nope.json")


def test_real_swe_bench_reports_and_summary_agree(realdata: Path):
    folder = realdata / "swebench-minisweagent-gemini3pro"
    reports = load_outcomes(folder / "reports")
    summary = load_outcomes(folder / "results_summary.json")
    assert len(reports) == 38
    assert {k: v["success"] for k, v in reports.items()} == {k: summary[k]["success"] for k in reports}
    assert sum(v["success"] for v in reports.values()) == 19
