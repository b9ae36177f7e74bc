"""Diversity of action sequences in `stats`: hand-computed entropies, the comparison of two inputs, the CLI outputs,
and the real τ-bench retail runs."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from trajaudit import divergence as D
from trajaudit import stats as S
from trajaudit.cli import app
from trajaudit.model import Event, Trajectory


def run(tid: str, task: str | None, success: bool | None, *tools: Any, domain: str | None = None) -> Trajectory:
    """A run: the task, a user message, one call per tool (a name, or (name, arguments)), the outcome."""
    body: list[dict[str, Any]] = []
    if task is not None:
        body.append({"kind": "task", "task_id": task, **({"meta": {"domain": domain}} if domain else {})})
    body.append({"kind": "message", "role": "user", "text": f"words of {tid}"})
    for i, tool in enumerate(tools):
        name, arguments = tool if isinstance(tool, tuple) else (tool, {})
        body.append({"kind": "tool_call", "tool": name, "call_id": f"c{i}", "arguments": arguments})
    if success is not None:
        body.append({"kind": "outcome", "success": success})
    return Trajectory(tid, tuple(Event("a.jsonl", i + 1, {"trajectory": tid, "step": i, **e})
                                 for i, e in enumerate(body)))


def rows(result: S.StatsResult) -> dict[str, S.TaskDiversity]:
    assert result.diversity is not None
    return {row.task_id: row for row in result.diversity.tasks}


def test_entropy_in_bits():
    assert S.entropy([1, 1]) == 1.0 and S.entropy([4]) == 0.0 and S.entropy([]) == 0.0
    assert S.entropy([2, 1, 1]) == pytest.approx(1.5)
    assert S.entropy([1] * 8) == pytest.approx(3.0)
    assert str(S.entropy([5])) == "0.0"  # not -0.0


def test_diversity_per_task_and_overall_hand_computed():
    result = S.compute([
        # T: shapes a, a (formatting only), b, c → 3 shapes, shares 1/2, 1/4, 1/4
        run("t1", "T", True, ("find", {"id": 1, "q": "x y"})),
        run("t2", "T", False, ("find", '{"q": "x  y", "id": 1}')),
        run("t3", "T", True, ("find", {"id": 2})),
        run("t4", "T", None, "cancel"),  # no verdict: still a run whose actions count
        # U: a tie, one run each of two shapes
        run("u1", "U", True, "a"), run("u2", "U", True, "b"),
        # V: identical runs
        run("v1", "V", False, "a", "b"), run("v2", "V", True, "a", "b"),
        run("w1", "W", True, "a"),  # run once: listed, not compared
        run("x", None, True, "a"),  # no task: not counted
    ])
    got = rows(result)
    assert (got["T"].runs, got["T"].shapes, got["T"].dominant_share) == (4, 3, 0.5)
    assert got["T"].entropy == pytest.approx(1.5)
    assert (got["U"].shapes, got["U"].entropy, got["U"].dominant_share) == (2, 1.0, 0.5)
    assert (got["V"].shapes, got["V"].entropy, got["V"].dominant_share) == (1, 0.0, 1.0)
    assert (got["W"].runs, got["W"].shapes) == (1, 1)
    d = result.diversity
    assert d is not None
    assert (d.runs, d.tasks_compared, d.shapes, d.single_shape) == (9, 3, 6, 1)
    assert d.mean_shapes == pytest.approx(2.0)
    assert d.mean_entropy == pytest.approx((1.5 + 1.0 + 0.0) / 3)
    assert d.mean_dominant_share == pytest.approx((0.5 + 0.5 + 1.0) / 3)


def test_message_words_do_not_make_a_new_shape_but_order_does():
    result = S.compute([run("a", "T", True, "x", "y"), run("b", "T", True, "x", "y"), run("c", "T", True, "y", "x")])
    assert rows(result)["T"].shapes == 2  # the user's words differ in every run; the order of calls in one


def test_tasks_are_qualified_by_domain_as_in_diverge():
    result = S.compute([run("a", "10", True, "x", domain="airline"), run("b", "10", False, "y", domain="retail")])
    assert set(rows(result)) == {"airline/10", "retail/10"}
    assert [row.task_id for row in result.per_task] == ["airline/10", "retail/10"]


def test_no_task_ids_no_diversity():
    assert S.compute([run("a", None, True, "x")]).diversity is None


def test_comparison_before_and_after_flags_a_collapse():
    before = S.compute([run(f"b{i}", "T", i % 2 == 0, f"tool{i}") for i in range(4)]
                       + [run("c1", "C", True, "a"), run("c2", "C", True, "a")]
                       + [run("o1", "only-before", True, "a"), run("o2", "only-before", True, "b")])
    after = S.compute([run(f"a{i}", "T", True, "tool0") for i in range(4)]
                      + [run("c1", "C", True, "a"), run("c2", "C", False, "b")])
    c = S.compare(after, before, "before/").comparison
    assert c is not None and c.reference == "before/"
    assert [t.task_id for t in c.tasks] == ["C", "T"]  # tasks in both, natural order
    t = c.tasks[1]
    assert (t.shapes_before, t.shapes_after, t.entropy_before, t.entropy_after) == (4, 1, 2.0, 0.0)
    assert (t.dominant_before, t.dominant_after) == (0.25, 1.0)
    assert (c.narrower, c.wider, c.unchanged, c.collapsed) == (1, 1, 0, 1)
    assert c.mean_entropy_before == pytest.approx(1.0) and c.mean_entropy_after == pytest.approx(0.5)
    assert c.pass1_before == pytest.approx((0.5 + 1.0 + 1.0) / 3) and c.pass1_after == pytest.approx((1.0 + 0.5) / 2)
    assert (c.trajectories_before, c.judged_before, c.successes_before) == (8, 8, 6)


# ---------------------------------------------------------------- command line


def _write(path: Path, runs: list[Trajectory]) -> Path:
    path.write_text("".join(json.dumps(dict(e.data)) + "\n" for r in runs for e in r.events))
    return path


def test_cli_stats_json_markdown_and_text_show_diversity_and_the_comparison(tmp_path, runner):
    hostile = "[red]@team #1 <b>x</b>\x1b[2J"
    after = _write(tmp_path / "after.jsonl", [run(f"a{i}", hostile, True, "tool0") for i in range(3)])
    before = _write(tmp_path / "before.jsonl", [run(f"b{i}", hostile, i == 0, f"tool{i}") for i in range(3)])
    doc = json.loads(runner.invoke(app, ["stats", str(after), "--compare", str(before), "--format", "json",
                                         "-q"]).stdout)
    assert doc["diversity"]["tasks"] == [{"task_id": hostile, "runs": 3, "shapes": 1, "entropy": 0.0,
                                          "dominant_share": 1.0}]
    comparison = doc["comparison"]
    assert comparison["collapsed"] == 1 and comparison["reference"] == str(before)
    assert comparison["tasks"][0]["entropy_before"] == pytest.approx(math.log2(3))
    markdown = runner.invoke(app, ["stats", str(after), "--compare", str(before), "--format", "markdown", "-q"])
    assert markdown.exit_code == 0
    out = markdown.stdout
    assert "## Diversity of action sequences" in out and "## Compared with" in out
    assert "collapsed to a single sequence: 1" in out
    assert "\x1b" not in out and "<b>" not in out and "@team" not in out and "\\[red\\]" in out
    text = runner.invoke(app, ["stats", str(after), "--compare", str(before), "-q"]).stdout
    assert "Diversity of action sequences" in text and "Tasks whose diversity changed" in text
    assert "\x1b" not in text and "[red]@team" in text  # shown as typed, not read as markup
    missing = runner.invoke(app, ["stats", str(after), "--compare", str(tmp_path / "nope.jsonl"), "-q"])
    assert missing.exit_code == 2
    assert "--compare" in runner.invoke(app, ["stats", "--help"]).stdout


# ---------------------------------------------------------------- real runs


def test_taubench_retail_two_agents_diversity_matches_the_action_sequences(realdata, runner):
    folder = realdata / "taubench-retail-avaljot"
    if not folder.is_dir():
        pytest.skip("taubench-retail-avaljot is absent")
    from trajaudit import cli
    from trajaudit.config import Config

    _, trajectories = cli._trajectories([str(folder)], Config(), True)
    sequences: dict[str, set[tuple]] = defaultdict(set)
    for r in D.collect(trajectories).runs:
        sequences[r.task].add(r.actions)
    doc = json.loads(runner.invoke(app, ["stats", str(folder), "--format", "json", "-q"]).stdout)
    d = doc["diversity"]
    assert (d["runs"], d["tasks_compared"]) == (200, 100)
    assert {t["task_id"]: t["shapes"] for t in d["tasks"]} == {task: len(s) for task, s in sequences.items()}
    assert d["single_shape"] == sum(1 for s in sequences.values() if len(s) == 1)
    for t in d["tasks"]:
        assert t["entropy"] == (0.0 if t["shapes"] == 1 else 1.0)  # two runs: the same, or not
    # against itself: nothing changes
    same = json.loads(runner.invoke(app, ["stats", str(folder), "--compare", str(folder), "--format", "json",
                                          "-q"]).stdout)["comparison"]
    assert (same["narrower"], same["wider"], same["unchanged"], same["collapsed"]) == (0, 0, 100, 0)
    assert same["pass1_before"] == same["pass1_after"] == pytest.approx(108 / 200)
