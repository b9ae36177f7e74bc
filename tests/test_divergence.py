"""Divergence and step values over hand-built prefix trees, through the CLI, and on the real τ-bench retail runs."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import divergence as D
from trajaudit.cli import app
from trajaudit.config import Config
from trajaudit.model import Event, Trajectory

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "taubench-retail-avaljot"


def say(role: str) -> dict[str, Any]:
    return {"kind": "message", "role": role, "text": f"some {role} words"}


def call(tool: str, arguments: Any = None) -> dict[str, Any]:
    return {"kind": "tool_call", "tool": tool, "arguments": {} if arguments is None else arguments}


def run(tid: str, task: str | None, success: bool | None, *events: dict[str, Any], file: str = "a.jsonl"
        ) -> Trajectory:
    """A trajectory: the task event, the given events, the outcome, steps numbered as the engine would."""
    body: list[dict[str, Any]] = []
    if task is not None:
        body.append({"kind": "task", "task_id": task, "goal": "g"})
    body += list(events)
    if success is not None:
        body.append({"kind": "outcome", "success": success})
    built = tuple(Event(file, i + 1, {"trajectory": tid, "step": i, **e}) for i, e in enumerate(body))
    return Trajectory(tid, built)


def records(*trajectories: Trajectory) -> dict[str, D.Divergence]:
    result = D.analyse(D.collect(trajectories))
    return {r.trajectory: r for r in result.records}


# ---------------------------------------------------------------- actions


def test_arguments_differing_only_in_formatting_or_key_order_are_one_action():
    a = D.canonical_arguments({"order_id": "#W1", "items": ["x  y", "z"]})
    assert D.canonical_arguments({"items": ["x y", " z "], "order_id": "#W1"}) == a
    assert D.canonical_arguments('{ "items": ["x\\ty", "z"],\n "order_id": "#W1" }') == a  # a JSON string
    # near misses: another value, another list order, a non-JSON string
    assert D.canonical_arguments({"order_id": "#W2", "items": ["x y", "z"]}) != a
    assert D.canonical_arguments({"order_id": "#W1", "items": ["z", "x y"]}) != a
    assert D.canonical_arguments("not  json") == '"not json"'
    assert D.canonical_arguments(None) == D.canonical_arguments({}) == "{}"


def test_long_arguments_are_shown_cut_and_compared_in_full():
    long_a, long_b = "x" * 5000 + "a", "x" * 5000 + "b"
    s = run("s", "T", True, call("write", {"text": long_a}))
    f = run("f", "T", False, call("write", {"text": long_b}))
    same = run("f2", "T", False, call("write", {"text": long_a}))
    got = records(s, f, same)
    assert got["f"].status == D.DIVERGED and got["f2"].status == D.IDENTICAL
    assert got["f"].action is not None and len(got["f"].action) < 600 and got["f"].action.endswith("…")


def test_deeply_nested_arguments_do_not_overflow():
    def nested(leaf: str, depth: int = 900) -> dict[str, Any]:
        value: Any = leaf
        for _ in range(depth):  # past both Python's recursion limit and orjson's depth limit
            value = {"a": [value]}
        return value

    text = D.canonical_arguments(nested(" v "))
    assert text.startswith('{"a":[{"a":[') and text.endswith('"v"' + ']}' * 900)
    assert D.canonical_arguments(nested("w")) != text


def test_actions_are_tool_calls_and_message_roles_only():
    t = run("r", "T", True, say("system"), say("user"), {"kind": "reasoning", "text": "hmm"}, call("f", {"a": 1}),
            {"kind": "tool_result", "ok": True, "output": "anything"}, say("assistant"))
    assert [(step, D.describe(a)) for step, a in D.actions(t)] == [
        (2, "<user message>"), (4, 'f {"a":1}'), (6, "<assistant message>")]


def test_message_text_and_tool_outputs_do_not_split_runs():
    ok = run("ok", "T", True, say("user"), call("f"), {"kind": "tool_result", "ok": True, "output": "1"})
    bad = run("bad", "T", False, {"kind": "message", "role": "user", "text": "other words"}, call("f"),
              {"kind": "tool_result", "ok": False, "output": "2"})
    assert records(ok, bad)["bad"].status == D.IDENTICAL


# ---------------------------------------------------------------- divergence


def test_failed_run_leaves_every_successful_run_at_the_first_differing_action():
    s1 = run("s1", "T", True, say("user"), call("find", {"id": 1}), call("cancel", {"id": 1}))
    s2 = run("s2", "T", True, say("user"), call("find", {"id": 1}), say("assistant"))
    f = run("f", "T", False, say("user"), call("find", '{"id":  1}'), call("refund", {"id": 1}), say("assistant"))
    got = records(s1, s2, f)
    assert got["s1"].status == got["s2"].status == D.SUCCESS and got["s1"].position is None
    r = got["f"]
    assert (r.status, r.position, r.step, r.action) == (D.DIVERGED, 2, 3, 'refund {"id":1}')
    # a tie (one run each) is ordered by the action's text
    assert [(a.action, a.runs) for a in r.alternatives] == [("<assistant message>", 1), ('cancel {"id":1}', 1)]
    assert (r.value, r.runs) == (pytest.approx(2 / 3), 3)


def test_alternatives_are_counted_most_first_and_only_from_the_closest_successful_runs():
    common = (say("user"), call("a"))
    wins = [run(f"s{i}", "T", True, *common, call("b")) for i in range(2)]
    wins.append(run("s2", "T", True, *common, call("c")))
    far = run("s3", "T", True, say("user"), call("z"))  # shares only one action with the failed run
    f = run("f", "T", False, *common, call("d"))
    r = records(*wins, far, f)["f"]
    assert r.position == 2
    assert [(a.action, a.runs) for a in r.alternatives] == [("b {}", 2), ("c {}", 1)]


def test_failed_run_going_on_where_a_successful_run_ended():
    s = run("s", "T", True, say("user"), call("a"))
    f = run("f", "T", False, say("user"), call("a"), call("b"))
    r = records(s, f)["f"]
    assert (r.status, r.position, r.action) == (D.DIVERGED, 2, "b {}")
    assert [(a.action, a.runs) for a in r.alternatives] == [(None, 1)]  # the successful run ended there


def test_failed_run_that_is_a_strict_prefix_of_a_successful_run_stopped():
    s = run("s", "T", True, say("user"), call("a"), call("b"))
    f = run("f", "T", False, say("user"), call("a"))
    r = records(s, f)["f"]
    assert (r.status, r.position, r.step, r.action) == (D.STOPPED, 2, None, None)
    assert [(a.action, a.runs) for a in r.alternatives] == [("b {}", 1)]


def test_identical_runs_with_different_outcomes():
    s = run("s", "T", True, say("user"), call("a", {"k": "v"}))
    f = run("f", "T", False, say("user"), call("a", {"k": " v"}))
    longer = run("s2", "T", True, say("user"), call("a", {"k": "v"}), call("b"))
    r = records(s, longer, f)["f"]
    assert (r.status, r.position, r.alternatives) == (D.IDENTICAL, 2, ())
    # near miss: without the identical successful run it only stopped early
    assert records(longer, f)["f"].status == D.STOPPED


def test_task_without_a_successful_run_is_said_so():
    f1 = run("f1", "T", False, say("user"), call("a"))
    f2 = run("f2", "T", False, say("user"), call("b"))
    other = run("s", "U", True, say("user"), call("a"))  # a success of another task does not count
    got = records(f1, f2, other)
    assert got["f1"].status == got["f2"].status == D.NO_SUCCESS
    assert got["f1"].position is None and got["f1"].alternatives == ()


def test_runs_are_grouped_by_task_across_files_and_ids():
    s = run("7:0", "7", True, say("user"), call("a"), file="agent-a.json")
    f = run("7:0", "7", False, say("user"), call("b"), file="agent-b.json")  # the same id in another file
    result = D.analyse(D.collect([s, f]))
    assert [(t.task, t.runs, t.successes) for t in result.tasks] == [("7", 2, 1)]
    failed = [r for r in result.records if not r.success]
    assert len(failed) == 1 and failed[0].file == "agent-b.json" and failed[0].status == D.DIVERGED


def test_task_ids_are_qualified_by_the_domain_when_one_is_recorded():
    def in_domain(t: Trajectory, domain: str) -> Trajectory:
        first = t.events[0]
        data = {**first.data, "meta": {"domain": domain}}
        return Trajectory(t.id, (Event(first.file, first.line, data), *t.events[1:]))

    s = in_domain(run("s", "10", True, call("a")), "retail")
    f = in_domain(run("f", "10", False, call("b")), "airline")
    got = records(s, f)
    assert (got["f"].task, got["f"].status) == ("airline/10", D.NO_SUCCESS)
    # near miss: the same domain is the same task
    assert records(s, in_domain(run("f", "10", False, call("b")), "retail"))["f"].status == D.DIVERGED


def test_runs_without_task_or_verdict_are_counted_and_left_out():
    result = D.analyse(D.collect([run("a", None, True, say("user")), run("b", "T", None, say("user")),
                                  run("c", "T", True, say("user"))]))
    assert (result.trajectories, result.without_task, result.without_verdict, len(result.records)) == (3, 1, 1, 1)


def test_tasks_in_natural_order():
    got = D.analyse(D.collect([run(t, t, True) for t in ("10", "2", "b", "a1")]))
    assert [t.task for t in got.tasks] == ["2", "10", "a1", "b"]


def _brute_force(runs: list[tuple[tuple[str, ...], bool]], index: int) -> tuple[str, int | None, dict]:
    """The definition, run by run: the longest common prefix with any successful run, and what those did next."""
    actions, _ = runs[index]
    winners = [a for a, ok in runs if ok]
    if not winners:
        return D.NO_SUCCESS, None, {}
    common = [next((i for i, (x, y) in enumerate(zip(actions, w, strict=False)) if x != y),
                   min(len(actions), len(w))) for w in winners]
    d = max(common)
    nxt: dict[str | None, int] = defaultdict(int)
    for n, w in zip(common, winners, strict=True):
        if n == d:
            nxt[f"{w[d]} {{}}" if d < len(w) else None] += 1
    if d < len(actions):
        return D.DIVERGED, d, dict(nxt)
    return (D.IDENTICAL, d, {}) if None in nxt else (D.STOPPED, d, dict(nxt))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abc"), max_size=4).map(tuple), st.booleans()), min_size=1,
                max_size=6))
def test_divergence_matches_the_pairwise_definition(runs):
    built = [run(f"r{i}", "T", ok, *(call(x) for x in actions)) for i, (actions, ok) in enumerate(runs)]
    got = records(*built)
    for i, (_, ok) in enumerate(runs):
        if ok:
            assert got[f"r{i}"].status == D.SUCCESS
            continue
        r = got[f"r{i}"]
        assert (r.status, r.position, {a.action: a.runs for a in r.alternatives}) == _brute_force(runs, i)


# ---------------------------------------------------------------- step values


def test_step_values_and_advantages_hand_computed():
    runs = [run("ab+", "T", True, call("a"), call("b")), run("ab-", "T", False, call("a"), call("b")),
            run("ac1", "T", True, call("a"), call("c")), run("ac2", "T", True, call("a"), call("c"))]
    result = D.rewards(D.collect(runs))
    by_run = defaultdict(list)
    for v in result.values:
        by_run[v.trajectory].append((v.position, v.value, v.advantage, v.runs, v.successes))
    assert by_run["ab-"] == [(0, 0.75, 0.0, 4, 3), (1, 0.5, pytest.approx(-0.25), 2, 1)]
    assert by_run["ac1"] == [(0, 0.75, 0.0, 4, 3), (1, 1.0, pytest.approx(0.25), 2, 2)]
    assert [v.step for v in result.values if v.trajectory == "ab+"] == [1, 2]  # the steps of the actions


def test_step_values_where_every_run_agrees_have_no_advantage():
    runs = [run(f"r{i}", "T", i < 2, call("a"), call("b")) for i in range(3)]
    values = D.rewards(D.collect(runs)).values
    assert {v.advantage for v in values} == {0.0} and all(v.value == pytest.approx(2 / 3) for v in values)


# ---------------------------------------------------------------- command line


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def _log(tmp_path: Path, with_outcomes: bool = True) -> Path:
    plan = {"ok1": ["find", "cancel"], "ok2": ["find", "cancel"], "bad": ["find", "refund\x1b[31m"]}
    lines = []
    for tid, tools in plan.items():
        events: list[dict[str, Any]] = [{"kind": "task", "task_id": "T1", "goal": "g"},
                                        {"kind": "message", "role": "user", "text": "hi"}]
        events += [{"kind": "tool_call", "tool": t, "call_id": f"c{i}", "arguments": {"id": 1}}
                   for i, t in enumerate(tools)]
        if with_outcomes:
            events.append({"kind": "outcome", "success": tid != "bad"})
        lines += [{"trajectory": tid, "step": i, **e} for i, e in enumerate(events)]
    return _write(tmp_path / "runs.jsonl", lines)


def test_cli_diverge_jsonl_records_and_summary(tmp_path):
    result = CliRunner().invoke(app, ["diverge", str(_log(tmp_path)), "--format", "jsonl", "-q"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    bad = next(r for r in lines if r.get("trajectory") == "bad")
    assert bad["type"] == "divergence" and bad["status"] == "diverged" and bad["step"] == 3
    assert bad["successful_alternatives"] == [{"action": 'cancel {"id":1}', "runs": 2}]
    assert lines[-1]["type"] == "summary" and lines[-1]["statuses"]["diverged"] == 1


def test_cli_diverge_text_tree_is_escaped(tmp_path):
    result = CliRunner().invoke(app, ["diverge", str(_log(tmp_path)), "-q"])
    assert result.exit_code == 0, result.output
    assert "task T1" in result.stdout and "leaves every successful run at step 3" in result.stdout
    assert "\x1b" not in result.stdout and "refund\ufffd[31m" in result.stdout


def test_cli_outcomes_attach_verdicts(tmp_path):
    log = _log(tmp_path, with_outcomes=False)
    bare = CliRunner().invoke(app, ["rewards", str(log), "--format", "jsonl", "-q"])
    assert bare.exit_code == 0 and bare.stdout == ""  # no verdict, no values
    outcomes = _write(tmp_path / "outcomes.jsonl", [{"trajectory": t, "success": t != "bad"}
                                                    for t in ("ok1", "ok2", "bad")])
    out = tmp_path / "values.jsonl"
    result = CliRunner().invoke(app, ["rewards", str(log), "--outcomes", str(outcomes), "--format", "jsonl",
                                      "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    values = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"trajectory", "step", "value", "advantage", "runs"} <= set(values[0])
    last_bad = [v for v in values if v["trajectory"] == "bad"][-1]
    assert (last_bad["value"], last_bad["runs"]) == (0.0, 1)
    assert last_bad["advantage"] == pytest.approx(-2 / 3)


def test_cli_rewards_json_and_text(tmp_path):
    log = str(_log(tmp_path))
    doc = json.loads(CliRunner().invoke(app, ["rewards", log, "--format", "json", "-q"]).stdout)
    assert doc["type"] == "rewards" and doc["task_list"] == [{"task": "T1", "runs": 3, "successes": 2,
                                                             "value": pytest.approx(2 / 3)}]
    text = CliRunner().invoke(app, ["rewards", log, "-q"]).stdout
    assert "+0.33" in text and "-0.67" in text


def test_cli_text_tree_of_a_task_branching_at_every_step_is_cut(tmp_path):
    # run i repeats `a` i times, then calls `b`: a branch point at every depth, deeper than Python's recursion
    lines = []
    for i in range(1100):
        events: list[dict[str, Any]] = [{"kind": "task", "task_id": "T", "goal": "g"}]
        events += [{"kind": "tool_call", "tool": "a", "call_id": f"c{j}", "arguments": {}} for j in range(i)]
        events += [{"kind": "tool_call", "tool": "b", "call_id": "b", "arguments": {}},
                   {"kind": "outcome", "success": i % 2 == 0}]
        lines += [{"trajectory": f"r{i}", "step": k, **e} for k, e in enumerate(events)]
    result = CliRunner().invoke(app, ["diverge", str(_write(tmp_path / "deep.jsonl", lines)), "-q"])
    assert result.exit_code == 0, result.output
    assert "more runs branch further from #16" in result.stdout


@pytest.mark.parametrize("command", ["diverge", "rewards"])
def test_cli_help_has_an_example_and_output_may_not_be_an_input(tmp_path, command):
    help_text = CliRunner().invoke(app, [command, "--help"]).stdout
    assert f"Example: trajaudit {command}" in help_text and "--outcomes" in help_text
    log = _log(tmp_path)
    before = log.read_bytes()
    refused = CliRunner().invoke(app, [command, str(log), "-o", str(log), "-q"])
    assert refused.exit_code == 2 and log.read_bytes() == before


# ---------------------------------------------------------------- real runs


@pytest.mark.skipif(not REALDATA.is_dir(), reason="real τ-bench retail runs not present")
def test_taubench_retail_two_agents_grouped_by_task():
    from trajaudit import cli

    _, trajectories = cli._trajectories([str(REALDATA)], Config(), True)
    collection = D.collect(trajectories)
    result = D.analyse(collection)
    files = {r.file for r in result.records}
    assert len(files) == 2
    # each task holds one run of each agent: the task id, not the trajectory id or the file, groups them
    per_task = defaultdict(set)
    for r in result.records:
        per_task[r.task].add(r.file)
    assert all(len(f) == 2 for f in per_task.values()) and len(per_task) == len(result.tasks)
    successful_tasks = {t.task for t in result.tasks if t.successes}
    failed = [r for r in result.records if not r.success]
    assert failed
    for r in failed:
        if r.task in successful_tasks:
            assert r.status in (D.DIVERGED, D.STOPPED, D.IDENTICAL)
            assert r.position is not None and 0 <= r.position <= r.length
            if r.status == D.DIVERGED:
                assert r.position < r.length and r.step is not None and r.alternatives
        else:
            assert r.status == D.NO_SUCCESS
    # step values telescope: over a run, the advantages add up to its last value minus its task's success rate
    rate = {t.task: t.successes / t.runs for t in result.tasks}
    values = defaultdict(list)
    for v in D.rewards(collection).values:
        values[(v.file, v.trajectory)].append(v)
        assert 0.0 <= v.value <= 1.0 and v.runs >= 1
    for vs in values.values():
        assert sum(v.advantage for v in vs) == pytest.approx(vs[-1].value - rate[vs[0].task])
