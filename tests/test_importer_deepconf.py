"""The deepconf importer: its events on a hand-written file, and the vote totals of the real export reproduced."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from trajaudit import confidence, simulate
from trajaudit.importers import deepconf
from trajaudit.model import Event, Trajectory
from trajaudit.reader import Malformed, Source

FOLDER = "deepconf-answer-token-conf/budget64"


def load(path: Path) -> list[Trajectory]:
    source = Source(str(path), path)
    by_id: dict[str, list[Event]] = defaultdict(list)
    for item in deepconf.convert(source):
        assert not isinstance(item, Malformed), item
        _, data = item
        by_id[data["trajectory"]].append(Event(source.name, 0, data))
    return [Trajectory(tid, tuple(events)) for tid, events in by_id.items()]


def test_events_of_a_small_file(tmp_path):
    path = tmp_path / "deepconf_qid7_rid0_x__answer_token_conf_budget4.json"
    path.write_text(json.dumps({
        "completed": [{"extracted_answer": "\\dfrac{1}{2}", "answer_token_conf": [
            {"index": 0, "token": "\\d", "confidence": 10.0}, {"index": 1, "token": "frac", "confidence": 14.0}]}],
        "truncated": [{"extracted_answer": None, "answer_token_conf": []},
                      {"extracted_answer": "3", "answer_token_conf": [{"index": 0, "token": "3", "confidence": 2.5}]}],
        "ground_truth": "\\frac{1}{2}",
    }))
    source = Source(str(path), path)
    assert deepconf.sniff(source, source.head())
    trajectories = {t.id: t for t in load(path)}
    assert sorted(trajectories) == ["7:completed:0", "7:truncated:0", "7:truncated:1"]
    first = trajectories["7:completed:0"]
    assert [e.kind for e in first.events] == ["task", "message", "outcome"]
    assert [e.step for e in first.events] == [0, 1, 2]
    assert first.task.get("task_id") == "7"
    assert first.outcome.get("success") is True and first.outcome.get("answer") == "\\dfrac{1}{2}"
    assert first.events[1].get("origin")["path"] == "$.completed[0].answer_token_conf"
    tc = confidence.from_trajectory(first)
    assert tc is not None and tc.basis == "precomputed token confidence (k=20)" and tc.mean == 12.0
    assert trajectories["7:truncated:1"].outcome.get("success") is False
    assert trajectories["7:truncated:0"].outcome.get("answer") is None
    assert confidence.from_trajectory(trajectories["7:truncated:0"]) is None


def test_other_json_is_refused_clearly(tmp_path):
    path = tmp_path / "x__conf_exp_budget64.json"
    path.write_text(json.dumps({"avg_conf": {}, "ground_truth": "1"}))
    source = Source(str(path), path)
    assert not deepconf.sniff(source, source.head())
    (item,) = list(deepconf.convert(source))
    assert isinstance(item, Malformed) and "answer_token_conf" in item.message


def test_normalisation_is_light():
    assert deepconf.normalize("\\dfrac{1}{9}") == deepconf.normalize("\\frac{1}{9}")
    assert deepconf.normalize("2,\\ 3") == deepconf.normalize("2,3")
    assert deepconf.normalize("0.5") != deepconf.normalize("\\frac{1}{2}")


def test_confidence_weighted_votes_reproduce_the_stored_vote_totals(realdata):
    files = sorted((realdata / FOLDER).glob("*answer_token_conf*.json"))
    assert len(files) == 29
    for path in files:
        stored = json.loads(Path(str(path).replace("answer_token_conf", "conf_exp")).read_text())
        trajectories = load(path)
        for group in ("completed", "truncated", "combined"):
            chosen = [t for t in trajectories if group == "combined" or t.id.split(":")[1] == group]
            answers, means, maxima = [], [], []
            for t in chosen:
                tc = confidence.from_trajectory(t)
                answer = t.outcome.get("answer")
                if tc is None or answer is None:
                    continue
                answers.append(answer)
                means.append(tc.mean)
                maxima.append(float(tc.values.max()))
            for key, weights in (("avg_conf", means), ("max_conf", maxima)):
                voted, totals = stored[key][f"{group}_traces"]
                ours = simulate.vote_totals(answers, weights)
                assert ours.keys() == totals.keys(), (path.name, group, key)
                for answer, total in totals.items():
                    assert ours[answer] == pytest.approx(total, rel=1e-9), (path.name, group, key, answer)
                assert simulate.vote(answers, weights) == voted


def test_simulate_runs_on_the_real_export(realdata):
    trajectories = [t for path in sorted((realdata / FOLDER).glob("*answer_token_conf*.json")) for t in load(path)]
    result = simulate.run(trajectories, simulate.SimulateConfig())
    assert result.tasks == 29 and result.traces + result.skipped.get("no confidence data", 0) == 29 * 64
    assert result.unit == "tokens"
    majority = result.method("majority")
    assert 0.0 < majority.accuracy <= 1.0 and majority.kept <= result.traces
