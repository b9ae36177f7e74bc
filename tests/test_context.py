"""The rules of one trajectory share its Context: each shared question is answered once per trajectory, nothing is
kept from one trajectory to the next, and a plain Trajectory (tests, other commands) is answered afresh."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from trajaudit import engine
from trajaudit.confidence import BASIS_STATED
from trajaudit.config import ActiveRule, Config
from trajaudit.context import Context, events_by_kind, per_trajectory
from trajaudit.model import Event, Severity, StepConfidence, Trajectory, TrajectoryResult, Violation
from trajaudit.reader import Source
from trajaudit.report.text import _sparkline
from trajaudit.rules.rule import Rule


def _trajectory(tid: str = "t") -> Trajectory:
    events = (
        Event("f", 1, {"trajectory": tid, "step": 0, "kind": "message", "role": "user", "text": "hi"}),
        Event("f", 2, {"trajectory": tid, "step": 1, "kind": "tool_call", "call_id": "c", "tool": "ls",
                       "arguments": {}}),
    )
    return Trajectory(tid, events)


def _counting() -> tuple[list[str], object]:
    asked: list[str] = []

    @per_trajectory
    def tools(trajectory: Trajectory, prefix: str = "") -> list[str]:
        asked.append(trajectory.id)
        return [prefix + e.get("tool") for e in events_by_kind(trajectory)["tool_call"]]

    return asked, tools


def test_a_context_answers_each_question_once_per_arguments():
    asked, tools = _counting()
    context = Context.of(_trajectory())
    first = tools(context)
    assert tools(context) is first and first == ["ls"]
    assert tools(context, "x:") == ["x:ls"] and tools(context, "x:") == ["x:ls"]
    assert asked == ["t", "t"]  # once without, once with the prefix
    assert events_by_kind(context) is events_by_kind(context)


def test_a_plain_trajectory_is_answered_afresh_and_contexts_share_nothing():
    asked, tools = _counting()
    plain = _trajectory()
    assert tools(plain) == tools(plain) == ["ls"]
    assert tools(Context.of(plain)) == tools(Context.of(plain)) == ["ls"]
    assert asked == ["t", "t", "t", "t"]
    assert events_by_kind(plain) is not events_by_kind(plain)


def test_a_context_is_the_trajectory_it_wraps():
    plain = _trajectory()
    context = Context.of(plain)
    assert (context.id, context.events, context.task, context.outcome) == (plain.id, plain.events, None, None)
    assert Context.of(context) is context


def test_the_engine_gives_every_rule_of_a_trajectory_one_context_and_keeps_none(tmp_path: Path, monkeypatch):
    seen: list[tuple[str, int, type]] = []

    def recording(trajectory, options):
        seen.append((trajectory.id, id(trajectory), type(trajectory)))
        return iter(())

    def warning(trajectory, options):
        seen.append((trajectory.id, id(trajectory), type(trajectory)))
        yield Violation(None, "seen")

    rules = (Rule("TX001", "recording", Severity.INFO, "", recording),
             Rule("TX002", "warning", Severity.WARNING, "", warning))
    monkeypatch.setattr(Config, "active_rules", lambda self: tuple(ActiveRule(r, r.severity, {}) for r in rules))
    path = tmp_path / "two.jsonl"
    lines = [{"trajectory": tid, "step": 0, "kind": "message", "role": "user", "text": "hi"} for tid in ("a", "b")]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    results = [r for r in engine.Audit([Source(str(path), path)], Config(), engine.Options(jobs=1))
               if isinstance(r, TrajectoryResult)]
    assert [r.trajectory.id for r in results] == ["a", "b"]
    by_trajectory: dict[str, set[int]] = {}
    assert len(seen) == 4 and all(kind is Context for _, _, kind in seen)
    for tid, identity, _ in seen:
        by_trajectory.setdefault(tid, set()).add(identity)
    assert sorted(by_trajectory) == ["a", "b"] and all(len(ids) == 1 for ids in by_trajectory.values())
    assert all(type(r.trajectory) is Trajectory for r in results)  # the answers are dropped with the context


def _confident(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    lines = [{"trajectory": "c", "step": i, "kind": "message", "role": "assistant", "text": "x", "confidence": c}
             for i, c in enumerate([0.9, 0.2, 0.2, 0.8])]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _results(path: Path, **options) -> list[TrajectoryResult]:
    run = engine.Audit([Source(str(path), path)], Config(), engine.Options(jobs=1, **options))
    return [r for r in run if isinstance(r, TrajectoryResult)]


def test_the_judge_stage_computes_confidence_per_step_only_when_asked(tmp_path: Path):
    path = _confident(tmp_path)
    assert [r.confidence for r in _results(path)] == [None]
    (result,) = _results(path, step_confidence=True)
    assert result.confidence == StepConfidence((0, 1, 2, 3), (0.9, 0.2, 0.2, 0.8), 1, 0.525, BASIS_STATED)


def test_the_text_view_draws_the_confidence_it_is_given_and_computes_none(tmp_path: Path):
    (result,) = _results(_confident(tmp_path), step_confidence=True)
    drawn = [_sparkline(result), _sparkline(replace(result, confidence=None))]
    assert drawn[0] is not None
    assert "".join(text for text, _ in drawn[0]) == "      conf █▂▂▇  min 0.2 at step 1, mean 0.525 (stated confidence)"
    assert drawn[1] is None  # the events carry confidences, but the view does not read them
