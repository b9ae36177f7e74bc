"""Many runs of a task distilled: each failed run into one short lesson, successful runs into demonstrations.

Runs are grouped and read exactly as `trajaudit.divergence` groups and reads them (task key, action sequences, the
prefix tree of a task's runs); the findings are those of trajaudit's rules on each run (an audit with the default
rules).

- **Lesson** (one per failed run): where the run went wrong, from log facts only, in a fixed template. Its step
  (`basis`) is, in this order of preference:
  `divergence` — the run's divergence step (the first action at which it leaves every successful run of its task),
  with what the closest successful runs did there instead;
  `stopped` — the run ended where successful runs went on (no step; what they went on with is the "instead");
  `first_flagged` — no divergence step (no successful run of the task, or the run took the very actions of a
  successful one): the first step trajaudit's rules flag at warning or error;
  `none` — neither: the lesson says only that, with the task's counts.
  It names the action at that step (a message's words too), the error of the tool call when it failed, the rule
  codes trajaudit finds at the step (and at the call's result), and the first step flagged in the whole run.
- **Demonstration** (every successful run): the run's messages, tool calls and tool results in order (not system or
  developer messages, which are the setting, nor reasoning), ranked within its task: clean runs (no error finding)
  first, then fewer actions, then fewer steps, then input order. Rank 1 is the task's best demonstration.

Texts from logs are untrusted: every one is cleaned of control characters (`trajaudit.report.safe`) and cut —
messages and tool outputs to `TEXT_LIMIT` characters, goals to `GOAL_LIMIT`, the words quoted in a lesson's
sentence to `QUOTE_LIMIT` — with "…" marking the cut. The lesson's `text` is built from fixed templates filled with
those facts; nothing is generated.

`priority` orders all records for a character budget (what is kept first, so what is dropped first is the end of
the list): lessons at a divergence step, lessons of runs that stopped early after at least one action, lessons at a
first flagged step, the best demonstration of each task, lessons without a step (or of a run that took no action),
then the other demonstrations by rank. Within a group the
first record of every task comes before the second of any (round-robin over tasks in natural order), so a tight
budget covers more tasks. Demonstrations are kept whole or dropped, never cut: in-context learning needs whole runs.

Memory: like `divergence`, every run is held until the input is read (runs of a task may be in different files),
here with its steps' cut texts (at most `TEXT_LIMIT` characters a step) and its findings' codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from trajaudit import divergence as D
from trajaudit.divergence import natural_key
from trajaudit.model import Severity, Trajectory, TrajectoryResult
from trajaudit.records import dataclass
from trajaudit.report.safe import clean, one_line

TEXT_LIMIT = 600  # characters of one message, tool output or argument list kept in a record
GOAL_LIMIT = 300  # characters of the task's goal
QUOTE_LIMIT = 160  # characters of an action, message or error quoted in a lesson's sentence
MAX_INSTEAD = 5  # alternatives listed in a lesson (most runs first); the rest are counted

# Bases of a lesson (see the module docstring)
AT_DIVERGENCE = "divergence"
AT_STOP = "stopped"
AT_FLAG = "first_flagged"
NO_STEP = "none"
BASES = (AT_DIVERGENCE, AT_STOP, AT_FLAG, NO_STEP)

FLAGGED = Severity.WARNING  # a step is "flagged" by a finding at this severity or above


def cut(text: str, limit: int) -> str:
    """Cleaned text (control characters shown as '�'; newlines kept), at most `limit` characters, '…' if cut."""
    text = clean(text)
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


@dataclass(frozen=True, slots=True)
class Flag:
    """A finding at a step of a run: where, which rule, how bad, and the kind of event flagged."""

    step: int
    code: str
    name: str
    severity: Severity
    kind: str


@dataclass(frozen=True, slots=True)
class Shown:
    """One step of a run as records show it. `who` is a message's role or a call's or result's tool; `text` the
    message, the canonical arguments or the output, cut. A tool call carries its result's verdict (`ok`), its error
    and the step of the result, so a lesson can name the error without the result at hand."""

    step: int
    kind: str  # message | tool_call | tool_result
    who: str
    text: str
    ok: bool | None = None
    error: str | None = None
    result_step: int | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What distill keeps of one run besides its action sequence."""

    goal: str | None
    environment: str | None
    flags: tuple[Flag, ...]  # findings with a step, by step
    shown: tuple[Shown, ...]
    run_error: str | None = None  # the error the log records on the run's outcome (`meta.error`), e.g. a crash


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else D.canonical_arguments(value)


def facts(result: TrajectoryResult) -> Facts:
    trajectory = result.trajectory
    task = trajectory.task
    goal = task.get("goal") if task is not None else None
    meta = task.get("meta") if task is not None else None
    domain = meta.get("domain") if isinstance(meta, dict) else None
    outcome = trajectory.outcome
    outcome_meta = outcome.get("meta") if outcome is not None else None
    run_error = outcome_meta.get("error") if isinstance(outcome_meta, dict) else None
    kinds = {e.step: e.kind for e in trajectory.events}
    flags = sorted(
        (Flag(f.step, f.code, f.name, f.severity, kinds.get(f.step, "?")) for f in result.findings
         if f.step is not None),
        key=lambda f: (f.step, f.code),
    )
    return Facts(
        cut(goal, GOAL_LIMIT) if isinstance(goal, str) else None,
        cut(domain, GOAL_LIMIT) if isinstance(domain, str) and domain else None,
        tuple(flags),
        _shown(trajectory),
        cut(_text(run_error), TEXT_LIMIT) if run_error else None,
    )


def _shown(trajectory: Trajectory) -> tuple[Shown, ...]:
    results: dict[str, Any] = {}
    for event in trajectory.events:
        call_id = event.get("call_id")
        if event.kind == "tool_result" and isinstance(call_id, str):
            results.setdefault(call_id, event)
    tools: dict[str, str] = {}
    out: list[Shown] = []
    for event in trajectory.events:
        kind = event.kind
        if kind == "message":
            role = event.get("role")
            if role in D.SETTING_ROLES:
                continue
            out.append(Shown(event.step, kind, cut(role if isinstance(role, str) else "?", 40),
                             cut(_text(event.get("text")), TEXT_LIMIT)))
        elif kind == "tool_call":
            tool = event.get("tool")
            tool = tool if isinstance(tool, str) else "?"
            call_id = event.get("call_id")
            result = results.get(call_id) if isinstance(call_id, str) else None
            if isinstance(call_id, str):
                tools[call_id] = tool
            ok = result.get("ok") if result is not None else None
            error = None
            if result is not None and ok is False:
                error = cut(_text(result.get("error") or result.get("output")), TEXT_LIMIT)
            out.append(Shown(event.step, kind, cut(tool, 100), cut(D.canonical_arguments(event.get("arguments")),
                             TEXT_LIMIT), ok if isinstance(ok, bool) else None, error,
                             result.step if result is not None else None))
        elif kind == "tool_result":
            call_id = event.get("call_id")
            tool = event.get("tool")
            if not isinstance(tool, str):
                tool = tools.get(call_id, "?") if isinstance(call_id, str) else "?"
            ok = event.get("ok")
            body = event.get("output")
            if body is None and ok is False:
                body = event.get("error")
            out.append(Shown(event.step, kind, cut(tool, 100), cut(_text(body), TEXT_LIMIT),
                             ok if isinstance(ok, bool) else None))
    return tuple(out)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Lesson:
    """One failed run's lesson (see the module docstring). `text` is the lesson in one fixed-template paragraph."""

    task: str
    environment: str | None
    goal: str | None
    trajectory: str
    file: str
    status: str  # its divergence status (divergence.STATUSES)
    basis: str  # BASES
    step: int | None
    position: int | None  # the action's index among the run's actions (0-based), when the step is an action
    length: int  # actions in the run
    action: str | None  # the action (or event) at the step, as `divergence.describe` writes it
    said: str | None  # what the message at the step said, when it is a message
    error: str | None  # the tool call's error, when the call at the step failed
    run_error: str | None  # the error the log records on the run's outcome (a crash, a limit)
    rules: tuple[Rule, ...]  # rules that flag the step (or the call's result), any severity
    first_flagged_step: int | None  # the first step of the run flagged at warning or error
    instead: tuple[D.Alternative, ...]  # what the closest successful runs did there, most runs first
    more_instead: int  # alternatives not listed
    value_before: float | None
    runs_before: int | None
    task_runs: int
    task_successes: int
    text: str
    index: int  # input order, for ties


@dataclass(frozen=True, slots=True)
class Demonstration:
    task: str
    environment: str | None
    goal: str | None
    trajectory: str
    file: str
    rank: int  # 1 = the task's best demonstration
    actions: int
    clean: bool  # no finding at error severity
    rules: tuple[str, ...]  # codes of the run's findings, distinct, sorted
    steps: tuple[Shown, ...]
    index: int


@dataclass(frozen=True)
class DistillResult:
    lessons: tuple[Lesson, ...]  # by task (natural order), then input order
    demonstrations: tuple[Demonstration, ...]  # by task, then rank
    tasks: tuple[D.TaskSummary, ...]
    trajectories: int
    without_task: int
    without_verdict: int


def gather(results: Iterable[TrajectoryResult]) -> tuple[D.Collection, dict[int, Facts]]:
    """Read the results once: every run's action sequence (`divergence.collect`) and, for runs with a task and a
    verdict, its facts, by the run's index."""
    kept: dict[int, Facts] = {}

    def trajectories() -> Iterator[Trajectory]:
        for index, result in enumerate(results):
            task, success = D.identify(result.trajectory)
            if task is not None and success is not None:
                kept[index] = facts(result)
            yield result.trajectory

    return D.collect(trajectories()), kept


def distill(collection: D.Collection, kept: dict[int, Facts]) -> DistillResult:
    lessons: list[Lesson] = []
    demonstrations: list[Demonstration] = []
    for task in D.trees(collection):
        wins: list[tuple[D.Run, Facts]] = []
        for record, run in zip(D.divergence(task, collection.table), task.runs, strict=True):
            if run.success:
                wins.append((run, kept[run.index]))
            else:
                lessons.append(lesson(record, run, kept[run.index], task))
        ranked = sorted(wins, key=lambda w: (not _clean(w[1]), len(w[0].actions), len(w[1].shown), w[0].index))
        for rank, (run, f) in enumerate(ranked, 1):
            demonstrations.append(Demonstration(
                run.task, f.environment, f.goal, run.trajectory, run.file, rank, len(run.actions), _clean(f),
                tuple(sorted({flag.code for flag in f.flags})), f.shown, run.index))
    tasks = tuple(D.TaskSummary(task, len(runs), sum(r.success for r in runs)) for task, runs in D.by_task(collection))
    return DistillResult(tuple(lessons), tuple(demonstrations), tasks, collection.trajectories,
                         collection.without_task, collection.without_verdict)


def _clean(f: Facts) -> bool:
    return not any(flag.severity >= Severity.ERROR for flag in f.flags)


def lesson(record: D.Divergence, run: D.Run, f: Facts, task: D.TaskTree) -> Lesson:
    first_flagged = next((flag.step for flag in f.flags if flag.severity >= FLAGGED), None)
    by_step = {s.step: s for s in f.shown}
    step: int | None
    if record.status == D.DIVERGED:
        basis, step = AT_DIVERGENCE, record.step
    elif record.status == D.STOPPED:
        basis, step = AT_STOP, None
    elif first_flagged is not None:
        basis, step = AT_FLAG, first_flagged
    else:
        basis, step = NO_STEP, None
    shown = by_step.get(step) if step is not None else None
    action = said = error = None
    position: int | None = None
    rules: tuple[Rule, ...] = ()
    if step is not None:
        if basis == AT_DIVERGENCE:
            position, action = record.position, record.action
        elif shown is not None and shown.kind == "tool_call":
            position, action = _position(run, step), f"{shown.who} {shown.text}"
        elif shown is not None and shown.kind == "message":
            position, action = _position(run, step), f"<{shown.who} message>"
        elif shown is not None:  # a tool result: the call it answers is the action
            action = f"<result of {shown.who}>"
        else:
            action = f"<{next((flag.kind for flag in f.flags if flag.step == step), 'event')}>"
        if shown is not None and shown.kind == "message":
            said = shown.text
        if shown is not None and shown.kind == "tool_call":
            error = shown.error
        around = {step} | ({shown.result_step} if shown is not None and shown.result_step is not None else set())
        seen: dict[str, Rule] = {}
        for flag in f.flags:
            if flag.step in around:
                seen.setdefault(flag.code, Rule(flag.code, flag.name))
        rules = tuple(seen[code] for code in sorted(seen))
    action = cut(action, TEXT_LIMIT) if action is not None else None
    instead = record.alternatives if basis in (AT_DIVERGENCE, AT_STOP) else ()
    listed = tuple(D.Alternative(cut(a.action, TEXT_LIMIT) if a.action is not None else None, a.runs)
                   for a in instead[:MAX_INSTEAD])
    more = len(instead) - len(listed)
    value, runs_before = (record.value, record.runs) if basis in (AT_DIVERGENCE, AT_STOP) else (None, None)
    built = Lesson(run.task, f.environment, f.goal, run.trajectory, run.file, record.status, basis, step, position,
                   len(run.actions), action, said, error, f.run_error, rules, first_flagged, listed, more, value,
                   runs_before, task.root.runs, task.successes, "", run.index)
    return replace(built, text=_sentence(built))


def _position(run: D.Run, step: int) -> int | None:
    return run.steps.index(step) if step in run.steps else None


def _quote(text: str) -> str:
    return one_line(text, QUOTE_LIMIT)


def _sentence(lesson: Lesson) -> str:
    """The lesson in fixed templates, each filled only with facts from the log and trajaudit's findings."""
    counts = f"{lesson.task_successes} of {lesson.task_runs} runs of task {_quote(lesson.task)} succeeded"
    basis, step, position, action = lesson.basis, lesson.step, lesson.position, lesson.action
    if basis == AT_DIVERGENCE:
        where = f"action {position + 1} of {lesson.length}" if position is not None else "its actions"
        parts = [f"{counts}. This failed run left every successful run at step {step} ({where}): "
                 f"{_quote(action or '')}."]
    elif basis == AT_STOP:
        did = f"ended after {lesson.length} actions" if lesson.length else "took no action"
        parts = [f"{counts}. This failed run {did}, where successful runs went on."]
    else:
        lead = ("no successful run to compare it with" if lesson.status == D.NO_SUCCESS else
                "it took the same actions as a successful run, so the difference lies in tool outputs, the user or "
                "the final state")
        if basis == AT_FLAG:
            parts = [f"{counts}. This run failed; {lead}. The first step trajaudit flags is step {step}: "
                     f"{_quote(action or '')}."]
        else:
            parts = [f"{counts}. This run failed; {lead}; trajaudit flags no step of it."]
    if lesson.said:
        parts.append(f'It said: "{_quote(lesson.said)}".')
    if lesson.error:
        parts.append(f"The call failed: {_quote(lesson.error)}.")
    if lesson.rules:
        parts.append("trajaudit flags there: " + ", ".join(f"{r.code} {r.name}" for r in lesson.rules) + ".")
    if lesson.instead:
        named = "; ".join(f"{_quote(a.action) if a.action is not None else '(ended the run)'} "
                          f"({a.runs} run{'s' if a.runs != 1 else ''})" for a in lesson.instead)
        more_text = f"; {lesson.more_instead} more" if lesson.more_instead else ""
        lead = "Successful runs did instead" if basis == AT_DIVERGENCE else "Successful runs went on with"
        parts.append(f"{lead}: {named}{more_text}.")
    if lesson.run_error:
        parts.append(f"The log records the run's error: {_quote(lesson.run_error)}.")
    return " ".join(parts)


# ---------------------------------------------------------------- budget order

Record = Lesson | Demonstration

_LESSON_GROUP = {AT_DIVERGENCE: 0, AT_STOP: 1, AT_FLAG: 2, NO_STEP: 4}
FIRST_DEMONSTRATIONS = 3
OTHER_DEMONSTRATIONS = 5


def group(record: Record) -> int:
    """The record's place in the budget order (lower is kept first; see the module docstring)."""
    if isinstance(record, Lesson):
        if record.basis == AT_STOP and not record.length:  # took no action (a crash): nothing to learn from its actions
            return _LESSON_GROUP[NO_STEP]
        return _LESSON_GROUP[record.basis]
    return FIRST_DEMONSTRATIONS if record.rank == 1 else OTHER_DEMONSTRATIONS


def priority(result: DistillResult) -> list[Record]:
    """Every record, the one to keep first first: by group, then round-robin over tasks (the n-th record of a task
    in its group after the (n−1)-th of every task), tasks in natural order, then the records' own order."""
    nth: dict[tuple[int, str], int] = {}
    keyed: list[tuple[tuple[Any, ...], Record]] = []
    records: list[Record] = [*result.lessons, *result.demonstrations]
    for order, record in enumerate(records):
        g = group(record)
        n = nth[g, record.task] = nth.get((g, record.task), 0) + 1
        keyed.append(((g, n, natural_key(record.task), order), record))
    keyed.sort(key=lambda item: item[0])
    return [record for _, record in keyed]
