"""Lessons and demonstrations (`trajaudit distill`): hand-built runs with hand-set findings, the budget, the CLI, and
the real τ-bench retail, τ² and mini-swe-agent runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trajaudit import distill as X
from trajaudit.cli import app
from trajaudit.model import Event, Finding, Severity, Trajectory, TrajectoryResult
from trajaudit.report import distill as R

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def say(role: str, text: str | None = None) -> dict[str, Any]:
    return {"kind": "message", "role": role, "text": text or f"some {role} words"}


def call(tool: str, arguments: Any = None, call_id: str | None = None) -> dict[str, Any]:
    event = {"kind": "tool_call", "tool": tool, "arguments": {} if arguments is None else arguments}
    return {**event, "call_id": call_id} if call_id else event


def answer(call_id: str, ok: bool = True, output: str = "done") -> dict[str, Any]:
    return {"kind": "tool_result", "call_id": call_id, "ok": ok, "output": output}


def flag(step: int, code: str = "TA201", severity: Severity = Severity.WARNING, tid: str = "?") -> Finding:
    return Finding(code, f"rule-{code}", severity, "a.jsonl", step + 1, tid, step, "m")


def result(tid: str, task: str | None, success: bool | None, *events: dict[str, Any], flags: tuple[Finding, ...] = (),
           file: str = "a.jsonl", outcome: dict[str, Any] | None = None) -> TrajectoryResult:
    body: list[dict[str, Any]] = []
    if task is not None:
        body.append({"kind": "task", "task_id": task, "goal": f"the goal of {task}"})
    body += list(events)
    if success is not None:
        body.append({"kind": "outcome", "success": success, **(outcome or {})})
    built = tuple(Event(file, i + 1, {"trajectory": tid, "step": i, **e}) for i, e in enumerate(body))
    return TrajectoryResult(Trajectory(tid, built), flags)


def distilled(*results: TrajectoryResult) -> X.DistillResult:
    return X.distill(*X.gather(results))


def lessons(*results: TrajectoryResult) -> dict[str, X.Lesson]:
    return {lesson.trajectory: lesson for lesson in distilled(*results).lessons}


# ---------------------------------------------------------------- lessons


def test_lesson_at_the_divergence_step_names_the_action_its_error_the_rules_and_what_successes_did():
    ok = result("ok", "T", True, say("user"), call("find", {"id": 1}, "c1"), answer("c1"),
                call("cancel", {"id": 1}, "c2"), answer("c2"))
    # steps: 0 task, 1 user, 2 find (arguments formatted differently: the same action), 3 result, 4 refund, 5 error
    bad = result("bad", "T", False, say("user"), call("find", '{ "id":  1 }', "c1"), answer("c1"),
                 call("refund", {"id": 1}, "c2"), answer("c2", ok=False, output="Error: not allowed"),
                 say("assistant", "Refunded!"),
                 flags=(flag(5, "TA201"), flag(6, "TA101", Severity.ERROR)))
    lesson = lessons(ok, bad)["bad"]
    assert (lesson.basis, lesson.status, lesson.step, lesson.position, lesson.length) == (
        X.AT_DIVERGENCE, "diverged", 4, 2, 4)
    assert lesson.action == 'refund {"id":1}' and lesson.error == "Error: not allowed" and lesson.said is None
    assert [r.code for r in lesson.rules] == ["TA201"]  # flagged at the call's result; TA101 is at a later step
    assert lesson.first_flagged_step == 5
    assert [(a.action, a.runs) for a in lesson.instead] == [('cancel {"id":1}', 1)]
    assert (lesson.value_before, lesson.runs_before, lesson.task_runs, lesson.task_successes) == (
        pytest.approx(0.5), 2, 2, 1)
    assert lesson.text == (
        '1 of 2 runs of task T succeeded. This failed run left every successful run at step 4 (action 3 of 4): '
        'refund {"id":1}. The call failed: Error: not allowed. trajaudit flags there: TA201 rule-TA201. '
        'Successful runs did instead: cancel {"id":1} (1 run).')


def test_a_message_at_the_divergence_step_is_quoted():
    ok = result("ok", "T", True, say("user"), call("lookup"))
    bad = result("bad", "T", False, say("user"), say("assistant", "Done, all  cancelled.\nBye"))
    lesson = lessons(ok, bad)["bad"]
    assert lesson.action == "<assistant message>" and lesson.said == "Done, all  cancelled.\nBye"
    assert 'It said: "Done, all  cancelled. ⏎ Bye".' in lesson.text


def test_a_run_that_stopped_early_and_the_error_its_log_records():
    ok = result("ok", "T", True, say("user"), call("a"))
    crashed = result("crashed", "T", False, outcome={"meta": {"error": "1 validation error for EnvResponse"}})
    short = result("short", "T", False, say("user"))
    got = lessons(ok, crashed, short)
    assert got["crashed"].basis == got["short"].basis == X.AT_STOP
    assert got["crashed"].step is None and got["crashed"].run_error == "1 validation error for EnvResponse"
    assert "This failed run took no action, where successful runs went on. Successful runs went on with: " \
           "<user message> (1 run). The log records the run's error: 1 validation error for EnvResponse." \
           in got["crashed"].text
    assert "ended after 1 actions" in got["short"].text and "a {} (1 run)" in got["short"].text


def test_a_task_without_success_uses_the_first_step_flagged_at_warning_or_error():
    info_then_warning = result("f1", "T", False, say("user"), call("a", {"x": 1}, "c1"), answer("c1"),
                               flags=(flag(1, "TA301", Severity.INFO), flag(2, "TA205")))
    unflagged = result("f2", "T", False, say("user"))
    got = lessons(info_then_warning, unflagged)
    first = got["f1"]
    assert (first.status, first.basis, first.step, first.position) == ("no_success", X.AT_FLAG, 2, 1)
    assert first.action == 'a {"x":1}' and [r.code for r in first.rules] == ["TA205"] and first.instead == ()
    assert "no successful run to compare it with. The first step trajaudit flags is step 2" in first.text
    assert (got["f2"].basis, got["f2"].step, got["f2"].action) == (X.NO_STEP, None, None)
    assert got["f2"].text.endswith("0 of 2 runs of task T succeeded. This run failed; no successful run to compare "
                                   "it with; trajaudit flags no step of it.")


def test_identical_runs_have_no_divergence_step():
    ok = result("ok", "T", True, say("user"), call("a"), answer("x"))
    same = result("same", "T", False, say("user", "other words"), call("a", "{}"), answer("x", ok=False),
                  flags=(flag(3, "TA201"),))
    lesson = lessons(ok, same)["same"]
    assert (lesson.status, lesson.basis, lesson.step, lesson.action) == ("identical", X.AT_FLAG, 3, "<result of ?>")
    assert "took the same actions as a successful run" in lesson.text and lesson.instead == ()


def test_runs_without_task_or_verdict_are_counted_and_left_out():
    got = distilled(result("a", None, True), result("b", "T", None), result("c", "T", True, say("user")))
    assert (got.trajectories, got.without_task, got.without_verdict) == (3, 1, 1)
    assert [d.trajectory for d in got.demonstrations] == ["c"] and got.lessons == ()


# ---------------------------------------------------------------- demonstrations


def test_demonstrations_clean_first_then_fewer_actions_then_fewer_steps_then_input_order():
    shortest_but_flagged = result("A", "T", True, say("user"), flags=(flag(1, "TA101", Severity.ERROR),))
    four = result("B", "T", True, say("user"), call("a"), call("b"), call("c"))
    three = result("C", "T", True, say("user"), call("a"), call("b"))
    three_again = result("D", "T", True, say("user"), call("a"), call("b"))
    three_more_steps = result("E", "T", True, say("user"), call("a", call_id="c"), answer("c"), call("b"))
    warned = result("F", "T", True, say("user"), call("a"), call("z"), flags=(flag(2, "TA205"),))  # clean
    got = distilled(shortest_but_flagged, four, three, three_again, three_more_steps, warned)
    assert [(d.trajectory, d.rank) for d in got.demonstrations] == [
        ("C", 1), ("D", 2), ("F", 3), ("E", 4), ("B", 5), ("A", 6)]
    a = got.demonstrations[-1]
    assert (a.clean, a.rules, a.actions) == (False, ("TA101",), 1)


def test_demonstration_steps_keep_messages_calls_and_results_but_not_the_setting():
    run = result("s", "T", True, say("system", "POLICY"), say("user", "hi"), {"kind": "reasoning", "text": "hmm"},
                 call("f", {"b": 2, "a": 1}, "c1"), answer("c1", ok=False, output="boom"), say("assistant", "ok"))
    demo = distilled(run).demonstrations[0]
    assert [(s.kind, s.who, s.text) for s in demo.steps] == [
        ("message", "user", "hi"), ("tool_call", "f", '{"a":1,"b":2}'), ("tool_result", "f", "boom"),
        ("message", "assistant", "ok")]
    assert demo.steps[1].ok is False and demo.steps[1].error == "boom" and demo.steps[1].result_step == 5
    assert demo.goal == "the goal of T"


def test_log_text_is_cleaned_and_cut():
    hostile = "\x1b[31mred\x1b[0m [bold]x[/bold] \u202e" + "y" * 5000
    run = result("s", "T", True, say("user", hostile), call("t\x1b]0;x\x07", {"q": hostile}))
    demo = distilled(run).demonstrations[0]
    for shown in demo.steps:
        assert "\x1b" not in shown.text and "\x1b" not in shown.who and "\u202e" not in shown.text
        assert len(shown.text) <= X.TEXT_LIMIT
    assert demo.steps[0].text.endswith("…") and "[bold]x[/bold]" in demo.steps[0].text


# ---------------------------------------------------------------- budget


def _corpus() -> X.DistillResult:
    """Two tasks: T1 with a diverged, a flagged-identical and two successful runs; T2 with no success."""
    runs = [
        result("s1", "T1", True, say("user"), call("a")),
        result("s2", "T1", True, say("user"), call("a"), call("b"), call("c")),
        result("f1", "T1", False, say("user"), call("x")),
        result("f2", "T1", False, say("user"), call("a"), flags=(flag(2, "TA205"),)),
        result("g1", "T2", False, say("user")),
        result("s3", "T2b", True, say("user"), call("q")),
    ]
    return distilled(*runs)


def _output(selection: R.Selection) -> str:
    return b"".join(R.distill_lines(selection)).decode()


def test_without_a_budget_everything_is_written_and_counted():
    got = _corpus()
    selection = R.select(got, None)
    text = _output(selection)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(x["type"], x.get("trajectory")) for x in lines] == [
        ("lesson", "f1"), ("lesson", "f2"), ("demonstration", "s1"), ("demonstration", "s2"), ("lesson", "g1"),
        ("demonstration", "s3"), ("summary", None)]
    summary = lines[-1]
    assert summary["chars"] == len(text) - len(text.splitlines()[-1]) - 1
    assert summary["lessons_by_basis"] == {"divergence": 1, "stopped": 0, "first_flagged": 1, "none": 1}
    assert summary["dropped"] == {"lessons": 0, "demonstrations": 0} and summary["budget"] is None


def test_priority_order_is_documented_groups_round_robin_over_tasks():
    order = [(type(r).__name__, r.trajectory) for r in X.priority(_corpus())]
    assert order == [("Lesson", "f1"), ("Lesson", "f2"), ("Demonstration", "s1"), ("Demonstration", "s3"),
                     ("Lesson", "g1"), ("Demonstration", "s2")]


def test_any_budget_bounds_the_output_and_drops_whole_records_first_fit_in_priority_order():
    got = _corpus()
    lines = {R.record(r)["trajectory"]: R._line(r).decode() for r in (*got.lessons, *got.demonstrations)}
    order = [R.record(r)["trajectory"] for r in X.priority(got)]
    for budget in range(250, len(_output(R.select(got, None))) + 50, 7):
        # the summary's room: its line with every count at its widest (see select)
        reserve = len(R._summary_line(R.Selection(got, budget, budget, 6, 6)))
        if budget < reserve:
            with pytest.raises(R.BudgetError):
                R.select(got, budget)
            continue
        text = _output(R.select(got, budget))
        assert len(text) <= budget
        assert text == _output(R.select(got, budget))  # deterministic
        records = text.splitlines(keepends=True)[:-1]
        kept = [json.loads(line)["trajectory"] for line in records]
        assert all(lines[k] in records for k in kept)  # whole records, never cut
        dropped = [n for n in order if n not in kept]
        used = sum(map(len, records))
        summary = json.loads(text.splitlines()[-1])
        assert summary["chars"] == used
        assert summary["dropped"]["lessons"] + summary["dropped"]["demonstrations"] == len(dropped)
        for d in dropped:
            assert used + len(lines[d]) > budget - reserve  # none of them would still fit
            # a record kept after a dropped one in priority order is smaller: it fit where the dropped one did not
            later = [k for k in kept if order.index(k) > order.index(d)]
            assert all(len(lines[k]) < len(lines[d]) for k in later)


def test_a_tight_budget_keeps_the_divergence_lesson_first():
    got = _corpus()
    lesson_line = R._line(next(r for r in got.lessons if r.trajectory == "f1"))
    reserve = len(R._summary_line(R.Selection(got, 10**3, 10**3, 6, 6)).decode())
    selection = R.select(got, reserve + len(lesson_line.decode()))
    assert [r.trajectory for r in selection.result.lessons] == ["f1"] and selection.result.demonstrations == ()
    assert (selection.dropped_lessons, selection.dropped_demonstrations) == (2, 3)


def test_a_budget_smaller_than_the_summary_is_an_error():
    with pytest.raises(R.BudgetError, match="smaller than the summary line"):
        R.select(_corpus(), 50)


# ---------------------------------------------------------------- command line


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _log(tmp_path: Path) -> Path:
    plan = {"ok1": ["find", "cancel"], "ok2": ["find", "cancel", "notify"], "bad": ["find", "refund\x1b[31m"]}
    lines = []
    for tid, tools in plan.items():
        events: list[dict[str, Any]] = [{"kind": "task", "task_id": "T1", "goal": "cancel [bold]it[/bold]"},
                                        {"kind": "message", "role": "user", "text": "hi"}]
        for i, tool in enumerate(tools):
            events.append({"kind": "tool_call", "tool": tool, "call_id": f"c{i}", "arguments": {"id": 1}})
            failed = tid == "bad" and i == 1
            events.append({"kind": "tool_result", "call_id": f"c{i}", "ok": not failed,
                           "output": "Error: refunds are closed" if failed else "ok"})
        events.append({"kind": "message", "role": "assistant", "text": "All done."})
        events.append({"kind": "outcome", "success": tid != "bad"})
        lines += [{"trajectory": tid, "step": i, **e} for i, e in enumerate(events)]
    return _write(tmp_path / "runs.jsonl", lines)


def test_cli_distill_jsonl_runs_the_rules(tmp_path, runner):
    got = runner.invoke(app, ["distill", str(_log(tmp_path)), "--format", "jsonl", "-q"])
    assert got.exit_code == 0, got.output
    lines = [json.loads(line) for line in got.stdout.splitlines()]
    assert [(x["type"], x.get("trajectory"), x.get("rank")) for x in lines] == [
        ("lesson", "bad", None), ("demonstration", "ok1", 1), ("demonstration", "ok2", 2), ("summary", None, None)]
    lesson = lines[0]
    assert (lesson["basis"], lesson["step"], lesson["error"]) == ("divergence", 4, "Error: refunds are closed")
    assert lesson["action"] == 'refund\ufffd[31m {"id":1}'
    # the audit's own rules ran: the assistant's "All done." after a failed refund is flagged, at a later step
    assert lesson["first_flagged_step"] is not None and lesson["first_flagged_step"] >= 5
    assert lesson["instead"] == [{"action": 'cancel {"id":1}', "runs": 2}]
    assert lines[1]["steps"][1] == {"step": 2, "kind": "tool_call", "tool": "find", "arguments": '{"id":1}',
                                    "ok": True, "error": None}


def test_cli_distill_json_text_budget_and_errors(tmp_path, runner):
    log = str(_log(tmp_path))
    doc = json.loads(runner.invoke(app, ["distill", log, "--format", "json", "-q"]).stdout)
    assert doc["type"] == "distill" and len(doc["lessons"]) == 1 and len(doc["demonstrations"]) == 2
    text = runner.invoke(app, ["distill", log, "-q"]).stdout
    assert "task T1" in text and "lesson bad" in text and "demonstration #1 ok1" in text
    assert "[bold]it[/bold]" in text and "\x1b" not in text  # markup shown as typed, escapes made inert
    budgeted = runner.invoke(app, ["distill", log, "--format", "jsonl", "--budget", "1500", "-q"])
    assert budgeted.exit_code == 0 and len(budgeted.stdout) <= 1500
    assert json.loads(budgeted.stdout.splitlines()[0])["type"] == "lesson"
    small = runner.invoke(app, ["distill", log, "--budget", "20", "-q"])
    assert small.exit_code == 2 and "smaller than the summary line" in small.stderr
    assert runner.invoke(app, ["distill", log, "--budget", "0"]).exit_code == 2
    help_text = runner.invoke(app, ["distill", "--help"]).stdout
    assert "Example: trajaudit distill" in help_text and "--budget" in help_text
    before = Path(log).read_bytes()
    assert runner.invoke(app, ["distill", log, "-o", log, "-q"]).exit_code == 2 and Path(log).read_bytes() == before


# ---------------------------------------------------------------- real runs


def _real(runner, *args: str) -> list[dict[str, Any]]:
    got = runner.invoke(app, ["distill", *args, "--format", "jsonl", "-q"])
    assert got.exit_code == 0, got.output
    return [json.loads(line) for line in got.stdout.splitlines()]


def test_taubench_retail_lessons_and_demonstrations(realdata, runner):
    folder = realdata / "taubench-retail-avaljot"
    if not folder.is_dir():
        pytest.skip("taubench-retail-avaljot is absent")
    lines = _real(runner, str(folder))
    summary = lines[-1]
    # two agents on the same 100 tasks, 73 + 35 successes
    assert (summary["runs"], summary["tasks"], summary["demonstrations"], summary["lessons"]) == (200, 100, 108, 92)
    diverge = runner.invoke(app, ["diverge", str(folder), "--format", "jsonl", "-q"])
    statuses = json.loads(diverge.stdout.splitlines()[-1])["statuses"]
    assert summary["lessons_by_basis"]["divergence"] == statuses["diverged"]
    assert summary["lessons_by_basis"]["stopped"] == statuses["stopped"]
    for record in lines[:-1]:
        if record["type"] == "lesson":
            assert record["text"].startswith(f"{record['task_successes']} of {record['task_runs']} runs of task")
            if record["basis"] == "divergence":
                assert record["step"] is not None and record["instead"] and record["action"]
        else:
            assert record["steps"] and all(len(s.get("text") or s.get("output") or "") <= X.TEXT_LIMIT
                                           for s in record["steps"])
    budgeted = runner.invoke(app, ["distill", str(folder), "--format", "jsonl", "--budget", "20000", "-q"])
    assert len(budgeted.stdout) <= 20000
    kept = [json.loads(line) for line in budgeted.stdout.splitlines()[:-1]]
    assert kept and all(k["type"] == "lesson" for k in kept) and any(k["basis"] == "divergence" for k in kept)


def test_tau2_and_mini_swe_agent_runs(realdata, runner):
    tau2 = realdata / "tau2-sierra"
    if tau2.is_dir():
        lines = _real(runner, str(tau2))
        summary = lines[-1]
        assert summary["runs"] == summary["lessons"] + summary["demonstrations"] > 0
        # τ² numbers tasks per domain: records name the domain, as task and environment
        assert all(r["task"].startswith(f"{r['environment']}/") for r in lines[:-1])
    swe = realdata / "swebench-minisweagent-gemini3pro"
    if swe.is_dir():
        lines = _real(runner, str(swe / "trajs"), "--outcomes", str(swe / "results_summary.json"))
        summary = lines[-1]
        assert summary["runs"] == summary["lessons"] + summary["demonstrations"] > 0
        # one run per task: nothing to diverge from, so lessons rest on trajaudit's findings or say there are none
        assert summary["lessons_by_basis"]["divergence"] == summary["lessons_by_basis"]["stopped"] == 0


def test_a_run_that_took_no_action_ranks_with_the_lessons_without_a_step():
    got = distilled(result("ok", "T", True, say("user"), call("a")),
                    result("crashed", "T", False),
                    result("short", "T", False, say("user")),
                    result("lost", "U", False, say("user")))
    assert [(type(r).__name__, r.trajectory) for r in X.priority(got)] == [
        ("Lesson", "short"), ("Demonstration", "ok"), ("Lesson", "crashed"), ("Lesson", "lost")]  # T before U
