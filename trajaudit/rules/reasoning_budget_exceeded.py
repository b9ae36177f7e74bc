"""One turn spent more reasoning tokens than its budget.

## What it does
Splits the trajectory into turns (a turn starts at each user message) and adds up the reasoning tokens of each
turn: `tokens.reasoning` where an event reports it, else, for reasoning events, `tokens.output` or the number of
tokens it carries confidences for. Reports the event at which a turn's total first exceeds `budget`, once per turn.
Trajectories without any reasoning-token data are skipped.

Options: `budget` (8192 tokens per turn).

## Why it matters
In a multi-turn agent the context is shared: one turn that thinks for tens of thousands of tokens slows everything,
costs money, and can push earlier turns (the task, the tool results) out of the context window, starving the turns
after it. Long thinking on one turn is also a symptom of a model going in circles.

## Example
```
step 4  message user       "Now cancel order #W123"
step 5  reasoning          tokens.reasoning = 6,000
step 6  reasoning          tokens.reasoning = 5,000   ← this turn: 11,000 > budget 8,192
```

## How to fix
Set a per-turn reasoning budget (reasoning effort, max thinking tokens) in the agent, give the model the facts it is
searching for, or split the request into smaller turns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA303"
NAME = "reasoning-budget-exceeded"
SEVERITY = Severity.WARNING
OPTIONS: dict[str, Any] = {"budget": 8192}


def reasoning_tokens(event: Event) -> int | None:
    """Reasoning tokens of one event, or None when it reports none."""
    data, is_reasoning = event[2], event[4] == "reasoning"
    tokens = data.get("tokens")
    if isinstance(tokens, dict):
        value = tokens.get("reasoning")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if is_reasoning and isinstance(tokens.get("output"), int):
            return tokens["output"]
    if is_reasoning:
        for key in ("token_confidence", "top_logprobs", "logprobs"):
            value = data.get(key)
            if isinstance(value, list) and value:
                return len(value)
    return None


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    budget = int(options.get("budget", OPTIONS["budget"]))
    turn = total = 0
    reported = False
    for event in trajectory.events:
        kind, data = event[4], event[2]
        if kind == "message" and data.get("role") == "user":
            turn, total, reported = turn + 1, 0, False
            continue
        if kind != "reasoning":
            tokens = data.get("tokens")
            if not isinstance(tokens, dict) or "reasoning" not in tokens:
                continue  # reasoning_tokens would say None (most events: spared the call)
        count = reasoning_tokens(event)
        if count is None:
            continue
        total += count
        if total > budget and not reported:
            reported = True
            yield Violation(
                event,
                f"turn {turn} used {total} reasoning tokens by this step; expected at most {budget} per turn",
                {"turn": turn, "reasoning_tokens": total, "budget": budget},
            )
