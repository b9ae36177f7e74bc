"""What the rules of one trajectory share: the trajectory being judged, with the answers to the questions several
rules ask of it (its events grouped by kind, its claims, its tool attempts, its confidence), each computed once.

The judge stage (`engine.Audit`) wraps each closed trajectory in a `Context`, hands it to every rule's `check` and
to the claim verdicts, and drops it once the trajectory is judged: the answers live exactly as long as the judging
of their trajectory, with no state kept between trajectories. A `Context` is a `Trajectory`, so a rule reads it as
one. A function whose answer rules share is decorated with `per_trajectory`; called with a plain `Trajectory` (a
test, another command, an analysis over many runs) it simply computes its answer.
"""

from __future__ import annotations

from dataclasses import field
from functools import wraps
from typing import Any, Callable, Mapping, TypeVar

from trajaudit.failure import Judgement, judge
from trajaudit.model import KINDS, Event, Trajectory
from trajaudit.records import dataclass


@dataclass(frozen=True, slots=True, eq=False)
class Context(Trajectory):
    """A trajectory being judged, with the answers its rules share (keyed by function and further arguments) and its
    events grouped by kind, made in one pass when the context is made: nearly every rule asks for a group."""

    groups: Mapping[str, list[Event]] = field(default_factory=dict, repr=False)
    answers: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, trajectory: Trajectory) -> Context:
        if type(trajectory) is cls:
            return trajectory
        return cls(trajectory.id, trajectory.events, _grouped(trajectory.events))


Answer = TypeVar("Answer")


def per_trajectory(function: Callable[..., Answer]) -> Callable[..., Answer]:
    """Answer a question of a trajectory once per `Context` (for equal further arguments, which must be hashable);
    for a plain `Trajectory`, every time it is asked."""

    @wraps(function)
    def shared(trajectory: Trajectory, *args: Any) -> Answer:
        if type(trajectory) is not Context:
            return function(trajectory, *args)
        key = (function, *args) if args else function
        try:
            return trajectory.answers[key]  # type: ignore[no-any-return]
        except KeyError:
            answer = trajectory.answers[key] = function(trajectory, *args)
            return answer

    return shared


def events_by_kind(trajectory: Trajectory) -> Mapping[str, list[Event]]:
    """The trajectory's events grouped by kind, each group in trajectory order; every kind of KINDS is a key.

    Most rules look at one or two kinds (tool calls, tool results, the task); grouping once per trajectory spares each
    of them a pass over all events. Shared by the rules of one trajectory: do not modify the lists."""
    if type(trajectory) is Context:
        return trajectory.groups
    return _grouped(trajectory.events)


def _grouped(events: tuple[Event, ...]) -> dict[str, list[Event]]:
    groups: dict[str, list[Event]] = {kind: [] for kind in KINDS}
    for event in events:
        try:
            groups[event[4]].append(event)
        except KeyError:  # a kind outside the schema (a trajectory built without validation)
            groups[event[4]] = [event]
    return groups


def last_outcome(trajectory: Trajectory) -> Event | None:
    """`trajectory.outcome` (the last verifier outcome), found in the shared grouping by kind."""
    outcomes = events_by_kind(trajectory)["outcome"]
    return outcomes[-1] if outcomes else None


@per_trajectory
def judgements(trajectory: Trajectory) -> dict[int, Judgement]:
    """`failure.judge` of each tool result, by the result's id(): TA201 asks it of every result, the tool attempts
    (evidence.py) of the results of their calls, TA004 of the last event."""
    return {id(event): judge(event) for event in events_by_kind(trajectory)["tool_result"]}


def judgement(trajectory: Trajectory, result: Event | None) -> Judgement:
    """`failure.judge(result)` for a result of this trajectory (or None), looked up when the context has it."""
    if result is None or type(trajectory) is not Context:
        return judge(result)
    found = judgements(trajectory).get(id(result))
    return judge(result) if found is None else found
