"""Many runs of one task: where failed runs leave the successful ones, and what each step is worth.

Runs are grouped by task (the `task` event's `task_id`, whatever agent or trial produced them; the τ² importer
qualifies it by domain, `retail/0`, since τ² numbers its tasks per domain, and a log converted before it did so is
qualified here by its `meta.domain`). Each
run is read as its sequence of *actions*: a tool call is its tool and its arguments normalised (canonical JSON with
sorted keys, runs of whitespace in strings collapsed to one space, a string that holds a JSON object parsed first),
a message is one symbol per role (what was said is not compared; system and developer messages are the setting, not
actions, and are left out); tool results, reasoning and the rest are the environment's answers or the model's inner
voice, not actions. The runs of a task form a prefix tree: runs that did the same things in the same order share a
path, and a branch is a point where they did different things.

- **Divergence** (`diverge`): for a failed run, the first action at which it leaves every successful run of its
  task — the end of its longest common prefix with any successful run — and what those closest successful runs
  did there instead, with counts. A deterministic candidate for the decisive mistake, not a proof of it.
- **Step values** (`step_values`): the value of a prefix is the success rate of the runs that share it (with the
  count); a step's value is that of the prefix ending with its action, and its advantage is the value after it
  minus the value before it. This follows the prefix-tree idea of Tree-GRPO (Ji et al., arXiv 2509.21240: rollouts that
  share prefixes turn one outcome reward per run into a signal per step), over logged runs instead of sampled ones,
  and as a plain difference of success rates rather than Tree-GRPO's group-normalised advantage: a step every run of
  the task takes has advantage 0; a step that only successful runs take has a positive one.

Memory: runs of a task may be anywhere in the input (two agents' files), so every run is held until the input is
read — but only as its action sequence (small integers naming interned actions, and each action's step number),
never its events. Arguments longer than 500 characters (canonical JSON) are kept as their first 500 and compared by
their SHA-256, so the bound is O(total actions + distinct actions × 500 characters), whatever the size of the logs.
Runs without a task id or without a verdict (`outcome.success`) are counted and left out.

Everything here is plain data for `trajaudit.report.diverge`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from typing import Any

import orjson

from trajaudit.model import Trajectory
from trajaudit.records import dataclass

# ("tool_call", tool, canonical arguments[, digest of the whole when they are cut]) or ("message", role)
Action = tuple[str, ...]
MAX_ARGUMENTS_TEXT = 500  # characters of canonical arguments kept to show; longer ones are compared by SHA-256

# Statuses of a run's divergence record
SUCCESS = "success"  # the run succeeded: nothing to find
DIVERGED = "diverged"  # left every successful run at `position`
STOPPED = "stopped"  # is a strict prefix of a successful run: it ended where a successful run went on
IDENTICAL = "identical"  # took exactly the actions of a successful run: the difference is not in its actions
NO_SUCCESS = "no_success"  # its task has no successful run to compare with
STATUSES = (SUCCESS, DIVERGED, STOPPED, IDENTICAL, NO_SUCCESS)

# System and developer messages set the run up (one agent sends a system prompt, another does not): not actions.
SETTING_ROLES = ("system", "developer")


def _scalar(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):  # an integer past 64 bits, or something not JSON at all
        return orjson.dumps(str(value)).decode()


def _encode(value: Any) -> str:
    """Canonical JSON, built with an explicit stack: arguments nested hundreds deep (hostile or not) would overflow
    Python's recursion and orjson's depth limit of 254."""
    out: list[str] = []
    todo: list[tuple[bool, Any]] = [(False, value)]  # (is literal text, item)
    while todo:
        literal, item = todo.pop()
        if literal:
            out.append(item)
        elif isinstance(item, str):
            out.append(orjson.dumps(" ".join(item.split())).decode())
        elif isinstance(item, dict):
            normal = {" ".join(str(k).split()): v for k, v in item.items()}
            parts: list[tuple[bool, Any]] = [(True, "{")]
            for i, key in enumerate(sorted(normal)):
                parts += [(True, ("," if i else "") + orjson.dumps(key).decode() + ":"), (False, normal[key])]
            parts.append((True, "}"))
            todo.extend(reversed(parts))
        elif isinstance(item, (list, tuple)):
            parts = [(True, "[")]
            for i, element in enumerate(item):
                parts += [(True, ","), (False, element)] if i else [(False, element)]
            parts.append((True, "]"))
            todo.extend(reversed(parts))
        else:
            out.append(_scalar(item))
    return "".join(out)


def canonical_arguments(arguments: Any) -> str:
    """Arguments as canonical JSON: keys sorted, whitespace in strings collapsed, a JSON-object string parsed, so
    that calls differing only in formatting or key order are one action."""
    if arguments is None:
        arguments = {}
    if isinstance(arguments, str):
        try:
            parsed = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            arguments = parsed
    return _encode(arguments)


def actions(trajectory: Trajectory) -> Iterator[tuple[int, Action]]:
    """The run's actions in order, each with the step of its event."""
    for event in trajectory.events:
        kind = event.kind
        if kind == "tool_call":
            tool = event.get("tool")
            arguments = canonical_arguments(event.get("arguments"))
            if len(arguments) > MAX_ARGUMENTS_TEXT:  # kept short, compared in full by its digest
                from hashlib import sha256  # OpenSSL: 3-5 ms of start-up, for long arguments only

                digest = sha256(arguments.encode("utf-8", "surrogatepass")).hexdigest()
                yield event.step, ("tool_call", tool if isinstance(tool, str) else "?",
                                   arguments[:MAX_ARGUMENTS_TEXT] + "…", digest)
            else:
                yield event.step, ("tool_call", tool if isinstance(tool, str) else "?", arguments)
        elif kind == "message":
            role = event.get("role")
            if role not in SETTING_ROLES:
                yield event.step, ("message", role if isinstance(role, str) else "?")


def shape(trajectory: Trajectory) -> str:
    """The run's action sequence as one SHA-256 digest: two runs have the same shape when they took the same actions
    (as `actions` reads them) in the same order. Used by the diversity statistics."""
    from hashlib import sha256  # OpenSSL: 3-5 ms of start-up, only for the analyses that ask for shapes

    digest = sha256()
    for _, action in actions(trajectory):
        for part in action:
            raw = part.encode("utf-8", "surrogatepass")
            digest.update(len(raw).to_bytes(8, "little") + raw)  # length-prefixed: no two sequences collide
        digest.update(b"\xff" * 8)  # end of the action (no length is this large)
    return digest.hexdigest()


def describe(action: Action | None) -> str | None:
    """How an action is written in reports: `tool {"arg": ...}` or `<user message>`; None is the end of a run."""
    if action is None:
        return None
    if action[0] == "message":
        return f"<{action[1]} message>"
    return f"{action[1]} {action[2]}"


@dataclass(frozen=True, slots=True)
class Run:
    """What is kept of one run: its identity, task, verdict and action sequence (interned action numbers)."""

    trajectory: str
    file: str
    task: str
    success: bool
    actions: tuple[int, ...]
    steps: tuple[int, ...]
    index: int = 0  # its place among all trajectories read, counted from 0


@dataclass
class Collection:
    """All runs with a task and a verdict, and the actions they name."""

    runs: list[Run] = field(default_factory=list)
    table: list[Action] = field(default_factory=list)  # action number -> action
    trajectories: int = 0
    without_task: int = 0
    without_verdict: int = 0

    def action(self, number: int | None) -> Action | None:
        return None if number is None else self.table[number]


def identify(trajectory: Trajectory) -> tuple[str | None, bool | None]:
    """The run's task key (its `task_id`, as `domain/task_id` when the task event's `meta.domain` names one) and its
    verdict (`outcome.success`); None for either when the log has none."""
    outcome = trajectory.outcome
    success = outcome.get("success") if outcome is not None else None
    verdict = success if isinstance(success, bool) else None
    task = trajectory.task
    task_id = task.get("task_id") if task is not None else None
    if task is None or not isinstance(task_id, str) or not task_id:
        return None, verdict
    meta = task.get("meta")
    domain = meta.get("domain") if isinstance(meta, dict) else None
    # τ² numbers tasks per domain: airline 10 is not retail 10 (the importer says so; older converted logs do not)
    if isinstance(domain, str) and domain and not task_id.startswith(f"{domain}/"):
        task_id = f"{domain}/{task_id}"
    return task_id, verdict


def collect(trajectories: Iterable[Trajectory]) -> Collection:
    """Keep the action sequence of every run that has a task id and a verdict (see the module docstring)."""
    out = Collection()
    numbers: dict[Action, int] = {}
    for trajectory in trajectories:
        out.trajectories += 1
        task_id, success = identify(trajectory)
        if task_id is None:
            out.without_task += 1
            continue
        if success is None:
            out.without_verdict += 1
            continue
        sequence: list[int] = []
        steps: list[int] = []
        for step, action in actions(trajectory):
            number = numbers.get(action)
            if number is None:
                number = numbers[action] = len(out.table)
                out.table.append(action)
            sequence.append(number)
            steps.append(step)
        out.runs.append(Run(trajectory.id, trajectory.file, task_id, success, tuple(sequence), tuple(steps),
                            out.trajectories - 1))
    return out


# ---------------------------------------------------------------- the prefix tree


@dataclass(slots=True)
class Node:
    """A prefix of a task's runs: how many runs share it, how many of them succeeded, what they did next, and which
    runs end here (indices into `TaskTree.runs`)."""

    action: int | None  # the action that leads here (None at the root)
    runs: int = 0
    successes: int = 0
    children: dict[int, Node] = field(default_factory=dict)
    ends: list[int] = field(default_factory=list)
    end_successes: int = 0  # successful runs among `ends`

    @property
    def value(self) -> float:
        return self.successes / self.runs


@dataclass(frozen=True, slots=True)
class TaskTree:
    task: str
    runs: tuple[Run, ...]
    root: Node

    @property
    def successes(self) -> int:
        return self.root.successes


def by_task(collection: Collection) -> list[tuple[str, list[Run]]]:
    """Runs grouped by task, tasks in natural order (2 before 10), runs in input order."""
    groups: dict[str, list[Run]] = {}
    for run in collection.runs:
        groups.setdefault(run.task, []).append(run)
    return sorted(groups.items(), key=lambda item: natural_key(item[0]))


def natural_key(text: str) -> tuple:
    parts: list[Any] = []
    digits = ""
    rest = ""
    for char in text:
        if char.isdigit():
            if rest:
                parts.append((1, rest))
                rest = ""
            digits += char
        else:
            if digits:
                parts.append((0, int(digits)))
                digits = ""
            rest += char
    parts.extend([(0, int(digits))] if digits else [])
    parts.extend([(1, rest)] if rest else [])
    return tuple(parts)


def tree(task: str, runs: list[Run]) -> TaskTree:
    root = Node(None)
    for index, run in enumerate(runs):
        node = root
        node.runs += 1
        node.successes += run.success
        for number in run.actions:
            child = node.children.get(number)
            if child is None:
                child = node.children[number] = Node(number)
            node = child
            node.runs += 1
            node.successes += run.success
        node.ends.append(index)
        node.end_successes += run.success
    return TaskTree(task, tuple(runs), root)


def trees(collection: Collection) -> Iterator[TaskTree]:
    for task, runs in by_task(collection):
        yield tree(task, runs)


# ---------------------------------------------------------------- divergence


@dataclass(frozen=True, slots=True)
class Alternative:
    """What `runs` successful runs did at the divergence point: an action, or None for ending the run there."""

    action: str | None
    runs: int


@dataclass(frozen=True, slots=True)
class Divergence:
    """One run's place against the successful runs of its task (see the statuses above)."""

    trajectory: str
    file: str
    task: str
    success: bool
    status: str
    length: int  # actions in the run
    position: int | None  # 0-based index of the divergence in the run's actions (= the shared prefix length)
    step: int | None  # the step of the diverging action (None when the run ended there, or there is none)
    action: str | None  # the diverging action
    alternatives: tuple[Alternative, ...] = ()  # what the closest successful runs did there instead, most first
    value: float | None = None  # success rate of the runs sharing the prefix before the divergence
    runs: int = 0  # how many runs share that prefix


@dataclass(frozen=True)
class TaskSummary:
    task: str
    runs: int
    successes: int


@dataclass(frozen=True)
class DivergenceResult:
    tree_list: tuple[TaskTree, ...]
    records: tuple[Divergence, ...]
    table: tuple[Action, ...]
    trajectories: int
    without_task: int
    without_verdict: int

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.status == status)

    @property
    def tasks(self) -> tuple[TaskSummary, ...]:
        return tuple(TaskSummary(t.task, t.root.runs, t.successes) for t in self.tree_list)


def divergence(task: TaskTree, table: list[Action] | tuple[Action, ...]) -> Iterator[Divergence]:
    """A record for every run of the task, in input order.

    The successful runs closest to a failed run are those in the subtree where it leaves the last prefix any
    successful run shares with it, so one walk down the tree finds them: O(length of the run), not O(runs)."""
    for run in task.runs:
        who = (run.trajectory, run.file, run.task, run.success)
        if run.success:
            yield Divergence(*who, SUCCESS, len(run.actions), None, None, None)
            continue
        if not task.root.successes:
            yield Divergence(*who, NO_SUCCESS, len(run.actions), None, None, None, (), 0.0, task.root.runs)
            continue
        node, d = task.root, 0
        while d < len(run.actions):
            child = node.children[run.actions[d]]
            if not child.successes:
                break
            node, d = child, d + 1
        counts: dict[int | None, int] = {k: c.successes for k, c in node.children.items() if c.successes}
        if node.end_successes:
            counts[None] = node.end_successes
        if d < len(run.actions):
            status, step, action = DIVERGED, run.steps[d], describe(table[run.actions[d]])
        else:
            status = IDENTICAL if node.end_successes else STOPPED
            step, action = None, None
            if status == IDENTICAL:  # what the identical successful runs "did instead" is nothing
                counts = {}
        named = [(describe(table[k]) if k is not None else None, n) for k, n in counts.items()]
        # most runs first; ties by the action's text, with ending the run last
        named.sort(key=lambda item: (-item[1], item[0] is None, item[0] or ""))
        yield Divergence(*who, status, len(run.actions), d, step, action,
                         tuple(Alternative(a, n) for a, n in named), node.value, node.runs)


def analyse(collection: Collection) -> DivergenceResult:
    task_trees = tuple(trees(collection))
    records = tuple(record for t in task_trees for record in divergence(t, collection.table))
    return DivergenceResult(task_trees, records, tuple(collection.table), collection.trajectories,
                            collection.without_task, collection.without_verdict)


# ---------------------------------------------------------------- step values


@dataclass(frozen=True, slots=True)
class StepValue:
    """One action of one run: the success rate of the runs sharing the prefix up to and including it (`value`,
    over `runs` runs of which `successes` succeeded) and `advantage` = value − the value before it."""

    trajectory: str
    file: str
    task: str
    success: bool
    position: int
    step: int
    action: str
    value: float
    advantage: float
    runs: int
    successes: int


@dataclass(frozen=True)
class RewardsResult:
    values: tuple[StepValue, ...]
    tasks: tuple[TaskSummary, ...]
    trajectories: int
    without_task: int
    without_verdict: int


def step_values(task: TaskTree, table: list[Action] | tuple[Action, ...]) -> Iterator[StepValue]:
    for run in task.runs:
        node = task.root
        for position, (number, step) in enumerate(zip(run.actions, run.steps, strict=True)):
            before = node.value
            node = node.children[number]
            yield StepValue(run.trajectory, run.file, run.task, run.success, position, step,
                            describe(table[number]) or "", node.value, node.value - before, node.runs,
                            node.successes)


def rewards(collection: Collection) -> RewardsResult:
    task_trees = tuple(trees(collection))
    values = tuple(v for t in task_trees for v in step_values(t, collection.table))
    tasks = tuple(TaskSummary(t.task, t.root.runs, t.successes) for t in task_trees)
    return RewardsResult(values, tasks, collection.trajectories, collection.without_task, collection.without_verdict)
