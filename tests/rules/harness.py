"""Per-rule test harness: events in, rule codes (with steps) out. Compares codes, never wording."""

from __future__ import annotations

from typing import Any

from trajaudit.model import Event, Trajectory
from trajaudit.rules import lookup


def trajectory(events: list[dict[str, Any]], tid: str = "t1") -> Trajectory:
    """Number the events' steps (unless given) and wrap them in a Trajectory, as the engine would."""
    built = []
    for index, data in enumerate(events):
        data = {"trajectory": tid, "step": index, **data}
        built.append(Event("test.jsonl", index + 1, data))
    return Trajectory(tid, tuple(built))


def steps_flagged(rule_code: str, events: list[dict[str, Any]], **options: Any) -> list[int | None]:
    """The steps at which the rule fires (None for trajectory-level violations)."""
    rule = lookup(rule_code)
    opts = {**rule.options, **options}
    assert rule.check is not None
    return [v.event.step if v.event is not None else None for v in rule.check(trajectory(events), opts)]


def task(*tools: dict[str, Any], goal: str = "do it") -> dict[str, Any]:
    return {"kind": "task", "task_id": "T", "goal": goal, "tools": list(tools)}


def say(role: str, text: str) -> dict[str, Any]:
    return {"kind": "message", "role": role, "text": text}


def call(tool: str, call_id: str, **arguments: Any) -> dict[str, Any]:
    return {"kind": "tool_call", "tool": tool, "call_id": call_id, "arguments": arguments}


def result(call_id: str, ok: bool = True, output: str = "", **extra: Any) -> dict[str, Any]:
    return {"kind": "tool_result", "call_id": call_id, "ok": ok, "output": output, **extra}


def outcome(success: bool, **extra: Any) -> dict[str, Any]:
    return {"kind": "outcome", "success": success, **extra}
