"""The same tool call, with the same arguments, over and over, or a short cycle of calls repeating.

## What it does
Looks at the sequence of tool calls (ignoring messages and results in between) and reports a call that repeats
identically `min-repeats` times in a row, and cycles of up to `max-cycle` calls (A B A B A B) repeating
`min-repeats` times. Each loop is reported once, at the call where it reaches the threshold.

Options: `min-repeats` (default 3), `max-cycle` (default 3).

## Why it matters
Loops burn tokens and time without progress and are the typical shape of a stuck agent: it re-reads the same file,
re-runs the same failing command, or alternates between two actions, hoping for a different result.

## Example
```
step 4  tool_call  bash({"command": "pytest tests/test_api.py"})
step 6  tool_call  bash({"command": "pytest tests/test_api.py"})
step 8  tool_call  bash({"command": "pytest tests/test_api.py"})
```

## How to fix
Give the agent a way to notice repetition (feed back "you already ran this"), cap retries per identical call, and
change something (arguments, approach) before trying again.
"""

from __future__ import annotations

from operator import eq
from typing import Any, Iterator, Mapping

import orjson

from trajaudit.context import events_by_kind
from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA205"
NAME = "repeated-call"
SEVERITY = Severity.WARNING
OPTIONS = {"min-repeats": 3, "max-cycle": 3}


def _key(event: Event) -> tuple[str, bytes | str]:
    data = event[2]
    arguments = data.get("arguments", {})
    if isinstance(arguments, dict):
        try:
            return data.get("tool"), orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            pass
    return data.get("tool"), str(arguments)


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    calls = events_by_kind(trajectory)["tool_call"]
    repeats = max(2, int(options["min-repeats"]))
    max_cycle = max(1, int(options["max-cycle"]))
    if len(calls) < repeats:
        return  # too few calls for any run of repeats
    # Calls with equal keys have equal tool names and arguments, so a loop shows first as a run of equal tool
    # names, then of equal (tool, arguments) pairs, found without serialising any arguments; most trajectories have
    # neither, and most are ruled out by the names alone, which compare faster than the pairs.
    longest = min(max_cycle, len(calls) // repeats)  # a run of a cycle of p calls spans p * repeats calls
    if not _loops([e[2].get("tool") for e in calls], longest, repeats):
        return
    if not _loops([(e[2].get("tool"), e[2].get("arguments", {})) for e in calls], longest, repeats):
        return
    keys = [_key(e) for e in calls]
    if len(set(keys)) == len(keys):
        return  # no call repeats an earlier one
    reported: set[int] = set()
    for period in range(1, max_cycle + 1):
        run = 0
        for i in range(period, len(keys)):
            run = run + 1 if keys[i] == keys[i - period] else 0
            if run != period * (repeats - 1):
                continue
            block = keys[i - period + 1 : i + 1]
            if period > 1 and len(set(block)) < period:
                continue  # a shorter period already explains this run
            span = set(range(i - period * repeats + 1, i + 1))
            if span & reported:
                continue
            reported |= span
            yield Violation(calls[i], _describe(calls[i - period + 1 : i + 1], repeats), {"period": period})


def _loops(items: list[Any], longest: int, repeats: int) -> bool:
    """Whether a cycle of up to `longest` items repeats `repeats` times in a row: for some period p, p * (repeats - 1)
    items in a row each equal the one p places before."""
    for period in range(1, longest + 1):
        same = bytes(map(eq, items[period:], items))  # 1 where an item equals the one `period` before
        if b"\x01" * (period * (repeats - 1)) in same:
            return True
    return False


def _describe(block: list[Event], repeats: int) -> str:
    if len(block) == 1:
        event = block[0]
        args = _key(event)[1]
        args_text = args.decode() if isinstance(args, bytes) else args
        if len(args_text) > 60:
            args_text = args_text[:59] + "…"
        return f"{event.get('tool')}({args_text}) called {repeats} times in a row with the same arguments"
    cycle = " → ".join(str(e.get("tool")) for e in block)
    return f"cycle {cycle} repeated {repeats} times with the same arguments"
