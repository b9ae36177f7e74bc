"""How results travel between processes: packed into plain tuples, which pickle several times faster than the
frozen dataclasses of `model`. Only parallel execution (`parallel`) uses this; the data model stays plain data.

A packed result keeps what the machine formats read (the first event's place, the task id, the outcome, the findings,
the claims, the confidence per step when the run asked for it) and the step count; the events' text, tools and
logprobs stay in the worker.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from trajaudit.model import Event, Finding, Severity, Trajectory, TrajectoryResult

# What a packed result keeps of its events' data: identity, place and verdict, not text, tools or logprobs.
PACKED_KEYS = ("trajectory", "step", "kind", "task_id", "success", "reward", "source", "answer", "origin")
_SEVERITIES: dict[int, Severity] = {int(severity): severity for severity in Severity}  # packed value -> member

Packed = tuple[bool, tuple[Any, ...]]  # (is a result, its fields)


def pack(item: TrajectoryResult | Finding, whole: bool = False) -> Packed:
    """`whole`: keep every event of a result, with all its data (the step-by-step text view reads them)."""
    if type(item) is TrajectoryResult:
        return True, pack_result(item, whole)
    return False, pack_finding(item)  # type: ignore[arg-type]


def unpack(packed: Packed) -> TrajectoryResult | Finding:
    is_result, fields = packed
    return unpack_result(fields) if is_result else unpack_finding(fields)


def renumbered(packed: Packed, lines: int) -> Packed:
    """A packed item of a byte range, whose lines are numbered from 1, numbered as in its file: `lines` lines come
    before the range (see `parallel.Share`)."""
    is_result, fields = packed
    if not is_result:
        return False, renumbered_finding(fields, lines)
    tid, slim, findings, *rest = fields
    slim = tuple((e[0], e[1] + lines if e[1] is not None else None, e[2], e[3]) for e in slim)
    return True, (tid, slim, tuple(renumbered_finding(f, lines) for f in findings), *rest)


def renumbered_finding(packed: tuple[Any, ...], lines: int) -> tuple[Any, ...]:
    """`renumbered` for a packed finding (`pack_finding`'s fields, whose [4] is the line)."""
    line = packed[4]
    return packed if line is None else (*packed[:4], line + lines, *packed[5:])


def pack_finding(finding: Finding) -> tuple[Any, ...]:
    return (finding.code, finding.name, int(finding.severity), finding.file, finding.line, finding.trajectory,
            finding.step, finding.message, finding.evidence, finding.path)


def unpack_finding(packed: tuple[Any, ...]) -> Finding:
    code, name, severity, *rest = packed
    return Finding(code, name, _SEVERITIES[severity], *rest)


def pack_result(result: TrajectoryResult, whole: bool = False) -> tuple[Any, ...]:
    """`unpack_result` rebuilds a result whose trajectory has only the events the machine formats read (first, task,
    outcome), with `steps` set to the real count; with `whole`, all of them as they are."""
    trajectory = result.trajectory
    events = trajectory.events
    if whole:
        slim = tuple((e[0], e[1], e[2], e[3]) for e in events)
        return trajectory.id, slim, tuple(map(pack_finding, result.findings)), None, result.claims, result.confidence
    kept = {id(e): e for e in (events[:1] + tuple(e for e in (trajectory.task, trajectory.outcome) if e))}
    slim = tuple(
        (e[0], e[1], {key: e[2][key] for key in PACKED_KEYS if key in e[2]}, e[3])
        for e in sorted(kept.values(), key=itemgetter(5))
    )
    findings = tuple(map(pack_finding, result.findings))
    return trajectory.id, slim, findings, result.n_steps, result.claims, result.confidence


def unpack_result(packed: tuple[Any, ...]) -> TrajectoryResult:
    tid, slim, findings, steps, claims, confidence = packed
    events = tuple(Event(*event) for event in slim)
    return TrajectoryResult(Trajectory(tid, events), tuple(map(unpack_finding, findings)), steps, claims, confidence)
