"""DeepConf question ids: taken from the nearest path component carrying `qid<N>`, so the per-question directories of
DeepConf's analysis tree (every file named `answer_token_conf_budget<B>.json`) stay separate tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.importers.conftest import run
from trajaudit.importers.deepconf import question_id

DOC = {"completed": [{"extracted_answer": "4", "answer_token_conf": [{"index": 0, "token": "4", "confidence": 9.0}]}],
       "ground_truth": "4"}


@pytest.mark.parametrize(("name", "expected"), [
    # the flat layout of the real export: the file name carries it
    ("budget64/deepconf_qid12_rid0_budget64_20250930_1-prompt-1__answer_token_conf_budget64.json", "12"),
    # the analysis tree: the directory carries it, the file name does not
    ("out/deepconf_qid3_rid0_budget64_20250930_1-prompt-1/answer_token_conf_budget64.json", "3"),
    # the nearest component wins over one further up
    ("runs/qid9/deepconf_qid3_rid0_budget8_t-prompt-1/answer_token_conf_budget8.json", "3"),
    ("runs/deepconf_qid3_rid0/qid5_answers.json", "5"),
    # near misses: `qid` inside a word is not a question id; no qid anywhere falls back to the stem
    ("runs/squid7/answer_token_conf_budget8.json", "answer_token_conf_budget8"),
    ("answer_token_conf_budget8.json.gz", "answer_token_conf_budget8"),
])
def test_question_id_from_the_nearest_component(name: str, expected: str):
    assert question_id(name) == expected


def test_directories_of_the_analysis_tree_are_separate_tasks(tmp_path: Path):
    tasks = set()
    for qid in (0, 1):
        folder = tmp_path / f"deepconf_qid{qid}_rid0_budget8_20250930_120855-prompt-1"
        folder.mkdir()
        (folder / "answer_token_conf_budget8.json").write_text(json.dumps(DOC))
        fmt, events, bad = run(folder / "answer_token_conf_budget8.json")
        assert fmt == "deepconf" and not bad
        tasks |= {e["task_id"] for e in events if e["kind"] == "task"}
        assert {e["trajectory"] for e in events} == {f"{qid}:completed:0"}
    assert tasks == {"0", "1"}


def test_real_flat_layout_keeps_its_ids(realdata: Path):
    folder = realdata / "deepconf-answer-token-conf" / "budget64"
    files = sorted(folder.glob("*__answer_token_conf_budget64.json"))
    assert files
    for path in files:
        expected = path.name.split("_qid", 1)[1].split("_", 1)[0]
        _, events, bad = run(path)
        assert not bad
        assert {e["task_id"] for e in events if e["kind"] == "task"} == {expected}
