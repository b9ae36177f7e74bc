"""A call to a tool that the task did not declare.

## What it does
Compares the tool name of every tool call with the tools declared in the trajectory's `task` event. Trajectories
that declare no tools are not checked (there is nothing to compare with).

## Why it matters
A call to an undeclared tool is a hallucinated capability: the agent believes it can do something it cannot.
Frameworks answer such calls with an error the agent often glosses over, or worse, route them somewhere unexpected.

## Example
Declared tools: `get_order_details`, `cancel_pending_order`; the agent calls `cancel_order`.

## How to fix
Declare every tool the agent may use in the task event (`tools`), or fix the prompt or tool descriptions so the
model uses the real names. Near-miss names are listed in the finding to make typos obvious.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator, Mapping

from trajaudit.context import events_by_kind, per_trajectory
from trajaudit.model import Severity, Trajectory, Violation

CODE = "TA202"
NAME = "unknown-tool"
SEVERITY = Severity.ERROR


@per_trajectory
def declared_tools(trajectory: Trajectory) -> dict[str, Mapping[str, Any]]:
    """Name → declaration of every tool declared by the trajectory's task events (shared by TA202 and TA203: do
    not modify it)."""
    tools: dict[str, Mapping[str, Any]] = {}
    for event in events_by_kind(trajectory)["task"]:
        for tool in event[2].get("tools") or ():
            tools[tool["name"]] = tool
    return tools


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    tools = declared_tools(trajectory)
    if not tools:
        return
    for event in events_by_kind(trajectory)["tool_call"]:
        name = event[2].get("tool")
        if name not in tools:
            close = difflib.get_close_matches(name, list(tools), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield Violation(
                event,
                f"call to {name!r}, which the task does not declare{hint}; declared: {', '.join(sorted(tools))}",
                {"tool": name, "declared": sorted(tools)},
            )
