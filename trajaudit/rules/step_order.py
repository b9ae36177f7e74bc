"""Steps of a trajectory that skip, repeat or go backwards, or timestamps that run backwards.

## What it does
Checks, per trajectory, that steps start at 0 (or 1) and increase by one in the order the events arrived, and that
timestamps never decrease along the steps. Reports gaps (a step number missing), duplicates (two events with the
same step), regressions (an event arriving after a later step) and events arriving after the trajectory's outcome.
Also reported: events of a trajectory that was closed early because more than `limits.max-open-trajectories` were
open at once (its later events are judged as a separate part).

## Why it matters
A gap means lost events: perhaps exactly the failing tool result. Duplicates and regressions mean the log was
merged or replayed wrongly, and the order the agent acted in is no longer certain. Rules see the events sorted by
step, so an out-of-order log is still judged, but this finding says the order was repaired.

## Example
Steps arriving as 0, 1, 2, 4 (step 3 is missing), or 0, 1, 1, 2 (step 1 twice), or 0, 2, 1 (step 1 came late).

## How to fix
Number steps with one counter per trajectory as events are written; write events in order; keep clocks monotonic
(or drop timestamps you cannot trust).
"""

from __future__ import annotations

from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Iterator, Mapping

from trajaudit.lazy import regex
from trajaudit.model import Event, Severity, Trajectory, Violation

CODE = "TA003"
NAME = "step-order"
SEVERITY = Severity.WARNING

# One UTC format with fixed-width fields, once every digit is read as 0: times written like this sort as text.
_UTC_SHAPE = regex(r"0000-00-00T00:00:00(?:\.0+)?Z")
_ZERO_DIGITS = str.maketrans("123456789", "000000000")


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    arrived = sorted(trajectory.events, key=itemgetter(3))  # by seq
    steps = [e[5] for e in arrived]
    if not (steps and steps[0] in (0, 1) and steps == list(range(int(steps[0]), int(steps[0]) + len(steps)))):
        yield from _steps(arrived)
    stamps = [t for e in trajectory.events if (t := e[2].get("timestamp")) is not None]
    if not _ordered(stamps):
        yield from _timestamps(trajectory)


def _steps(arrived: list[Event]) -> Iterator[Violation]:
    expected: int | None = None
    seen: set[int] = set()
    for event in arrived:
        step = event.step
        if expected is None:
            if step > 1:
                yield Violation(event, f"first step is {step}; expected 0 or 1 (earlier steps are missing)")
        elif step in seen:
            yield Violation(event, f"step {step} appears more than once; expected each step once")
        elif step < expected:
            yield Violation(event, f"step {step} arrived after step {expected - 1}; expected steps in order")
        elif step > expected:
            missing = f"step {expected}" if step == expected + 1 else f"steps {expected}–{step - 1}"
            yield Violation(event, f"step {step} follows step {expected - 1}; {missing} missing")
        seen.add(step)
        expected = max(expected or 0, step + 1)


def _ordered(stamps: list[Any]) -> bool:
    """True when the timestamps cannot run backwards, decided without parsing them: all JSON floats in order, or
    all text in one fixed-width UTC format in text order. False means "parse and look"."""
    if not stamps:
        return True
    if type(stamps[0]) is str:
        try:
            joined = "".join(stamps)
        except TypeError:  # mixed kinds need parsing
            return False
        shape = stamps[0].translate(_ZERO_DIGITS)
        if _UTC_SHAPE.fullmatch(shape) is None or len(set(map(len, stamps))) != 1:
            return False
        if joined.translate(_ZERO_DIGITS) != shape * len(stamps):  # equal lengths: each has that shape
            return False
        return stamps == sorted(stamps)  # text order is time order here; sorting sorted text is one pass
    if set(map(type, stamps)) != {float}:  # ints may lose precision as floats, mixed kinds need parsing
        return False
    return stamps == sorted(stamps)  # as for text: faster than comparing each pair in Python


def _timestamps(trajectory: Trajectory) -> Iterator[Violation]:
    latest: float | None = None
    latest_step = 0
    for event in trajectory.events:
        when = _seconds(event.get("timestamp"))
        if when is None:
            continue
        if latest is not None and when < latest:
            yield Violation(
                event,
                f"timestamp {event.get('timestamp')} is earlier than step {latest_step}'s; "
                "expected time to move forward",
            )
        else:
            latest, latest_step = when, event.step


def _seconds(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:  # naive times read as UTC: the verdict must not depend on the machine's zone
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return None
