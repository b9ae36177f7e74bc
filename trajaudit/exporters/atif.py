"""Trajectories as ATIF documents (Harbor RFC 0001, ATIF-v1.7): `trajaudit convert --to atif`.

A formatter over assembled trajectories: each becomes one ATIF document. The task event gives the root (`trajectory_id`
= the trajaudit id, `agent{name, version, model_name, tool_definitions}`, `extra.task_id`); the events that follow are
grouped into steps the way the ATIF importer reads them back, in the same order:

- a user, system or developer message is a step of its own (`source` user or system);
- an agent step holds, in this order, an optional `reasoning_content`, an optional assistant `message`, its
  `tool_calls`, and `observation.results` answering them (`source_call_id`); an event that cannot come next in the
  step opens a new one (a second message, a call after a result, a generated event carrying token counts or logprobs
  when the step already has one: `metrics` belong to the step's first generated event);
- a result whose call is not in its step (an orphan, or a call made before a message in between) is written without
  `source_call_id`, so the document stays valid; its `call_id` is kept in `extra.trajaudit`;
- a `claim` event is an agent step of its own;
- the outcome (ATIF has no verdict field) goes to the root `extra.outcome` ({success, reward, source, answer}).

ATIF has no place for several event fields (stated `confidence`, `ok`/`error`/`exit_code` of a result, `meta`,
`top_logprobs`, a non-object argument string, per-event timestamps inside a step, a developer role). Those are kept,
per event, in an `extra.trajaudit` object at the level the event was written (root for the task, step for messages,
reasoning and claims, tool call, observation result): ATIF consumers must tolerate unknown `extra` keys, and
`--from atif` restores them, so auditing the ATIF gives the findings auditing the original gives. A failed result also
says `extra.is_error: true`, which other ATIF readers understand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Iterable

import orjson

from trajaudit.model import Event, Trajectory
from trajaudit.report import safe
from trajaudit.report.output import OutputError, atomic, check_not_input

SCHEMA_VERSION = "ATIF-v1.7"
KEY = "trajaudit"  # the `extra` key holding what ATIF has no field for
STRUCTURAL = frozenset({"trajectory", "step", "kind", "origin", "version"})
CARRIED = {  # fields an ATIF step carries for each kind (the rest goes to extra.trajaudit)
    "message": ("text",),
    "reasoning": ("text",),
    "claim": (),
    "tool_call": ("call_id", "tool"),
    "tool_result": ("call_id", "output"),
}
GENERATED = ("message", "tool_call")
_TOKEN_KEYS = {"input": "prompt_tokens", "output": "completion_tokens"}


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


def write_lines(trajectories: Iterable[Trajectory], out: IO[bytes]) -> int:
    """One ATIF document per line (JSON Lines), each written as soon as its trajectory is complete."""
    count = 0
    for trajectory in trajectories:
        if trajectory.events:
            out.write(safe.dumps(document(trajectory)) + b"\n")
            count += 1
    return count


def write_files(trajectories: Iterable[Trajectory], folder: Path, inputs: list[Path | None]) -> int:
    """One `<trajectory_id>.json` per trajectory in `folder` (Harbor keeps one trajectory per file), each written
    completely or not at all. Ids come from the log: the file name keeps only letters, digits, `.`, `_` and `-`,
    and a name already used in this run gets `-2`, `-3`…; a file that is one of the inputs is never replaced."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{safe.one_line(str(folder))}/: cannot write a folder there: {exc.strerror or exc}") from exc
    used: set[str] = set()
    count = 0
    for trajectory in trajectories:
        if not trajectory.events:
            continue
        path = folder / file_name(trajectory.id, used)
        check_not_input(path, inputs)
        with atomic(path) as handle:
            handle.write(safe.dumps(document(trajectory), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n")
        count += 1
    return count


def file_name(trajectory_id: str, used: set[str]) -> str:
    base = _UNSAFE.sub("_", trajectory_id).strip("._")[:MAX_NAME] or "trajectory"
    name, n = base, 1
    while name.lower() in used:  # case-insensitive file systems would merge `A` and `a`
        n += 1
        name = f"{base}-{n}"
    used.add(name.lower())
    return f"{name}.json"


def document(trajectory: Trajectory) -> dict[str, Any]:
    """One ATIF document for one trajectory."""
    task = next((e for e in trajectory.events if e.kind == "task"), None)
    outcome = trajectory.outcome
    builder = _Steps()
    for event in trajectory.events:
        if event is task or event is outcome:
            continue
        builder.add(event)
    root: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    meta = _dict(task.get("meta")) if task is not None else {}
    if isinstance(meta.get("session_id"), str):
        root["session_id"] = meta["session_id"]
    root["trajectory_id"] = trajectory.id
    agent: dict[str, Any] = {
        "name": _text(meta.get("agent")) or "unknown",
        "version": _text(meta.get("agent_version")) or "unknown",
    }
    if _text(meta.get("model")):
        agent["model_name"] = meta["model"]
    tools = _tool_definitions(task.get("tools")) if task is not None else None
    if tools:
        agent["tool_definitions"] = tools
    root["agent"] = agent
    # Harbor requires at least one step: a run with nothing but its task and outcome (one that crashed before the
    # first message) gets an empty system step, which names no event and so reads back as none.
    root["steps"] = builder.finish() or [{"step_id": 1, "source": "system", "message": "", "extra": {KEY: {}}}]
    if isinstance(meta.get("notes"), str):
        root["notes"] = meta["notes"]
    extra: dict[str, Any] = {}
    if task is not None and isinstance(task.get("task_id"), str):
        extra["task_id"] = task.get("task_id")
    if outcome is not None:
        extra["outcome"] = _residual(outcome, ())
    if task is None:
        extra[KEY] = {"task": None}
    else:
        carried = ("tools",) if tools is not None and _normalized(tools) == task.get("tools") else ()
        extra[KEY] = {"task": _residual(task, carried)}
    root["extra"] = extra
    return root


class _Steps:
    """Events grouped into ATIF steps, each step opened only when the next event cannot join the current one."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.state: dict[str, Any] = {}

    def finish(self) -> list[dict[str, Any]]:
        return self.steps

    def _open(self, source: str, event: Event) -> dict[str, Any]:
        step: dict[str, Any] = {"step_id": len(self.steps) + 1}
        stamp = _iso(event.get("timestamp"))
        if stamp is not None:
            step["timestamp"] = stamp
        step["source"] = source
        step["message"] = ""  # required by Harbor's models (NeMo's default it to ""); the events say if it was said
        step["extra"] = {KEY: {}}  # marks the step as written here: its events are exactly those extra names
        self.steps.append(step)
        self.current = step
        self.state = {"generated": False, "message": False, "calls": set(), "results": False, "closed": False}
        return step

    def _agent_step(self, event: Event, fits: bool) -> dict[str, Any]:
        step = self.current
        if step is None or step["source"] != "agent" or self.state["closed"] or not fits:
            step = self._open("agent", event)
        return step

    def add(self, event: Event) -> None:
        kind = event.kind
        data = event.data
        state = self.state
        if kind == "message" and data.get("role") != "assistant":
            source = "user" if data.get("role") == "user" else "system"
            step = self._open(source, event)
            step["message"] = _text(data.get("text")) or ""
            _keep(step, "message", _residual(event, CARRIED["message"]))
            self.state["closed"] = True
            return
        if kind == "claim":
            step = self._open("agent", event)
            if isinstance(data.get("text"), str):
                step["message"] = data["text"]
            _keep(step, "claim", _residual(event, ("text",) if isinstance(data.get("text"), str) else ()))
            self.state["closed"] = True
            return
        if kind == "reasoning":
            fresh = self.current is not None and self.current["source"] == "agent" and not any(
                (state["generated"], state["results"], "reasoning_content" in self.current))
            step = self._agent_step(event, fresh)
            step["reasoning_content"] = _text(data.get("text")) or ""
            _keep(step, "reasoning", _residual(event, CARRIED["reasoning"]))
            return
        if kind == "message":  # the assistant's
            fits = self.current is not None and not (state["generated"] or state["results"])
            step = self._agent_step(event, fits)
            self.state["message"] = True
            step["message"] = _text(data.get("text")) or ""
            carried = self._generated(step, event)
            _keep(step, "message", _residual(event, CARRIED["message"] + carried))
            return
        if kind == "tool_call":
            call_id = str(data.get("call_id"))
            fits = (self.current is not None and not state["results"] and call_id not in state["calls"]
                    and not (state["generated"] and _has_metrics(event)))
            step = self._agent_step(event, fits)
            self.state["calls"].add(call_id)
            arguments = data.get("arguments")
            call: dict[str, Any] = {"tool_call_id": call_id, "function_name": str(data.get("tool")),
                                    "arguments": arguments if isinstance(arguments, dict) else {}}
            carried = self._generated(step, event) + (("arguments",) if isinstance(arguments, dict) else ())
            _keep(call, None, _residual(event, CARRIED["tool_call"] + carried))
            step.setdefault("tool_calls", []).append(call)
            return
        if kind == "tool_result":
            call_id = str(data.get("call_id"))
            step = self._agent_step(event, True)
            self.state["results"] = True
            result: dict[str, Any] = {}
            written: list[str] = []
            if call_id in self.state["calls"]:
                result["source_call_id"] = call_id
                written.append("call_id")
            if isinstance(data.get("output"), str):
                result["content"] = data["output"]
                written.append("output")
            residual = _residual(event, tuple(written))
            if data.get("ok") is False:
                result["extra"] = {"is_error": True}
            _keep(result, None, residual)
            step.setdefault("observation", {"results": []})["results"].append(result)
            return
        # a second task event or an outcome before the last event: kept on a system step, read back as it was
        step = self._open("system", event)
        _keep(step, "event", {**_residual(event, ()), "kind": kind})
        self.state["closed"] = True

    def _generated(self, step: dict[str, Any], event: Event) -> tuple[str, ...]:
        """The step's metrics from its first generated event; the fields they carry exactly."""
        if self.state["generated"]:
            return ()
        self.state["generated"] = True
        meta = _dict(event.get("meta"))
        if _text(meta.get("model")):
            step["model_name"] = meta["model"]
        metrics: dict[str, Any] = {}
        carried: list[str] = []
        counts = event.get("tokens")
        if isinstance(counts, dict) and counts:
            if all(_count(v) for v in counts.values()) and set(counts) <= {"input", "output", "reasoning"}:
                carried.append("tokens")
            for key, name in _TOKEN_KEYS.items():
                if _count(counts.get(key)):
                    metrics[name] = counts[key]
            if _count(counts.get("reasoning")):
                metrics["extra"] = {"reasoning_tokens": counts["reasoning"]}
        logprobs = event.get("logprobs")
        if isinstance(logprobs, list) and logprobs and all(_number(v) for v in logprobs):
            metrics["logprobs"] = [float(v) for v in logprobs]
            if all(v <= 0 for v in logprobs):
                carried.append("logprobs")
        if metrics:
            step["metrics"] = {**step.get("metrics", {}), **metrics}
        return tuple(carried)


def _keep(target: dict[str, Any], slot: str | None, residual: dict[str, Any]) -> None:
    """Store what ATIF has no field for under extra.trajaudit (per event: `slot` names the event within a step)."""
    extra = target.setdefault("extra", {})
    if slot is None:
        extra[KEY] = residual
    else:
        extra.setdefault(KEY, {})[slot] = residual


def _residual(event: Event, carried: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in event.data.items() if k not in STRUCTURAL and k not in carried}


def _has_metrics(event: Event) -> bool:
    return bool(event.get("tokens")) or bool(event.get("logprobs"))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _tool_definitions(tools: Any) -> list[dict[str, Any]] | None:
    """trajaudit tools ({name, description, parameters}) as OpenAI function specs, which ATIF's agent expects."""
    if not isinstance(tools, list):
        return None
    out = []
    for tool in tools:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            continue
        function = {k: tool[k] for k in ("name", "description", "parameters") if k in tool}
        out.append({"type": "function", "function": function})
    return out or None


def _normalized(definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from trajaudit.importers._common import normalize_tools

    return normalize_tools(definitions) or []


def _iso(value: Any) -> str | None:
    """An ISO 8601 timestamp for ATIF (which validates it), from an RFC 3339 string or Unix seconds."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return value
    if _number(value):
        try:
            return datetime.fromtimestamp(value, tz=UTC).isoformat().replace("+00:00", "Z")
        except (OverflowError, OSError, ValueError):
            return None
    return None
