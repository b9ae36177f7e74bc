"""τ²-bench results (https://github.com/sierra-research/tau2-bench), in each of the three layouts tau2 writes:

- the monolithic file `{timestamp, info{environment_info{tool_defs?}, ...}, tasks[{id, user_scenario{instructions}}],
  simulations[...]}`;
- a bare JSON list of simulations `[simulation, ...]` (leaderboard submissions): no task definitions, so no goal;
- the directory format (`Results.save(path, format="dir")`): `results.json` holding `{timestamp, info, tasks,
  simulation_index?}` and `simulations/<id>.json`, one simulation each. The directory is one run set: each
  simulation file is joined with the task definitions and tools of the `results.json` beside its folder. When the
  directory (or the `simulations/` folder) is given as PATH, every simulation is read from its own file and
  `results.json` adds none; `results.json` given alone reads the `simulations/` folder beside it. A simulation file
  given alone is read too (joined with `../results.json` when there is one). These are the only files read beyond
  the inputs, each at that fixed place, and never through a link that leaves the run folder.

A simulation is `{id, task_id, trial, messages[{role, content, tool_calls[{id, name, arguments, requestor}], ...}],
reward_info{reward, ...}, termination_reason}`; voice (full-duplex) runs store `ticks[{tick_id, agent_chunk,
user_chunk, agent_tool_calls, user_tool_calls, agent_tool_results, user_tool_results}]` instead of `messages`, and
their text turns are read from the ticks: consecutive chunks of one speaker are one message (audio chunks give their
`audio_script_gold`, the user's their tick's `user_transcript`), tool calls and results as in text runs.

Each simulation is a trajectory (id = the simulation `id`): a task event (task id `<domain>/<task_id>`, e.g.
`retail/0`, when the run names its domain in `info.environment_info.domain_name`, since τ² numbers tasks per
domain, else the bare `task_id`; goal = the joined task's user_scenario instructions; tools from
`info.environment_info.tool_defs` when present), the messages (tool messages with
`error: true` fail; `usage` gives token counts), and an outcome {success: reward reaches 1, reward, source "tau2
reward"}. Origins are the file that holds the simulation and a JSON path like `$.simulations[3].messages[5]`,
`$[3].messages[5]`, `$.messages[5]` or `$.ticks[40].agent_chunk`.

The agent's words are the assistant messages (a message's `reasoning` is a reasoning event, private, never the
report); the final report is the last assistant message with text, or the one before when it is only politeness
(see trajaudit.claims). `termination_reason` stays in the task's and the outcome's meta: no exit record is written,
because in a dialogue every assistant message was said to the user, and a claim made there stands even when the
simulation was stopped later (max_steps, too_many_errors).
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath
from typing import Any, Iterator, NamedTuple

from trajaudit.importers._common import (
    Emitter,
    first_line,
    flatten_text,
    has_key,
    load_document,
    normalize_tools,
    parse_arguments,
    reward_outcome,
    starts_with,
    tokens,
)
from trajaudit.reader import Malformed, Source, read_document

NAME = "tau2"
DESCRIPTION = (
    "tau2-bench results: a JSON object with tasks and simulations[{id, task_id, messages, reward_info}], a list of "
    "simulations, one simulation, or a results.json beside a simulations/ folder"
)
SOURCE = "tau2 reward"
SCENARIO_KEYS = ("reason_for_call", "known_info", "unknown_info", "task_instructions")
RESULTS = "results.json"
SIMULATIONS = "simulations"


def sniff(source: Source, head: bytes) -> bool:
    """A results object (`simulations`, a tau2 `user_scenario` when tasks fill the head, or a dir-format
    `simulation_index`), or a simulation (`task_id`, `termination_reason`, `messages` or `ticks`), alone or in a
    list."""
    if starts_with(head, b"{") and (
        has_key(head, "simulations") or has_key(head, "user_scenario") or has_key(head, "simulation_index")
    ):
        return True
    return (starts_with(head, b"{") or starts_with(head, b"[")) and _simulation_head(head)


def _simulation_head(head: bytes) -> bool:
    return has_key(head, "task_id") and has_key(head, "termination_reason") and (
        has_key(head, "messages") or has_key(head, "ticks")
    )


def is_simulation(value: Any) -> bool:
    return isinstance(value, dict) and "task_id" in value and (
        isinstance(value.get("messages"), list) or isinstance(value.get("ticks"), list)
    )


def _fits(doc: Any) -> bool:
    if isinstance(doc, list):
        return all(is_simulation(item) for item in doc[:1])
    if not isinstance(doc, dict):
        return False
    return isinstance(doc.get("simulations"), list) or is_simulation(doc) or (
        isinstance(doc.get("tasks"), list) and isinstance(doc.get("info"), dict)
    )


def goal_of(task: Any) -> str | None:
    """The user's instructions of a tau2 task: a string, or the scenario's parts joined by blank lines."""
    if not isinstance(task, dict):
        return None
    scenario = task.get("user_scenario")
    instructions: Any = scenario.get("instructions") if isinstance(scenario, dict) else None
    if isinstance(instructions, str):
        return instructions
    if isinstance(instructions, dict):
        parts = [instructions[k] for k in SCENARIO_KEYS if isinstance(instructions.get(k), str)]
        parts += [v for k, v in instructions.items() if k not in SCENARIO_KEYS and k != "domain" and isinstance(v, str)]
        return "\n\n".join(p.strip() for p in parts if p.strip()) or None
    description: Any = task.get("description")
    if isinstance(description, dict) and isinstance(description.get("purpose"), str):
        return description["purpose"]
    return None


class RunSet(NamedTuple):
    """What a results document says about all its simulations: tasks by id, declared tools, domain."""

    tasks: dict[str, Any]
    tools: Any
    domain: Any


NO_RUN_SET = RunSet({}, None, None)


def run_set(doc: dict) -> RunSet:
    tasks = {str(t.get("id")): t for t in doc.get("tasks") or () if isinstance(t, dict)}
    info: dict = doc["info"] if isinstance(doc.get("info"), dict) else {}
    environment: dict = info["environment_info"] if isinstance(info.get("environment_info"), dict) else {}
    return RunSet(tasks, normalize_tools(environment.get("tool_defs")), environment.get("domain_name"))


def _beside(source: Source) -> RunSet:
    """The run set of the `results.json` next to the `simulations/` folder holding a simulation file (read once per
    process for all its simulations), or none. Only that fixed place is looked at, and only a file really there (not
    a link out of the run folder)."""
    if source.stdin or PurePosixPath(source.name).parent.name != SIMULATIONS:
        return NO_RUN_SET
    results = source.beside(f"../{RESULTS}")
    if results is None or results.note is not None:
        return NO_RUN_SET
    try:  # a file on disk rewritten in place is read again
        changed = results.path.stat().st_mtime_ns if results.path is not None else 0
    except OSError:
        return NO_RUN_SET
    return _run_set_of(results, results.size(), changed)


@functools.lru_cache(maxsize=8)
def _run_set_of(results: Source, _size: int, _changed: int) -> RunSet:
    doc = read_document(results)
    return run_set(doc) if isinstance(doc, dict) else NO_RUN_SET


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a tau2 results file", DESCRIPTION, _fits)
    if isinstance(doc, Malformed):
        yield doc
        return
    if isinstance(doc, list):
        yield from _simulations(emit, doc, "$", NO_RUN_SET)
    elif is_simulation(doc):
        yield from _simulation(emit, doc, "$", _beside(source))
    elif isinstance(doc.get("simulations"), list) and (doc["simulations"] or source.stdin):
        yield from _simulations(emit, doc["simulations"], "$.simulations", run_set(doc))
    else:
        yield from _folder(source, emit, doc)


def _folder(source: Source, emit: Emitter, doc: dict) -> Iterator[tuple[int | None, dict] | Malformed]:
    """A dir-format results.json: its simulations are the files of the `simulations/` folder beside it."""
    files = source.files_in(SIMULATIONS)
    if files is None:
        if isinstance(doc.get("simulations"), list):
            return  # a results file that simply holds no simulations
        yield emit.malformed(
            "a tau2 results.json without simulations: expected a `simulations` list in it or a `simulations/` folder "
            "beside it (tau2's directory format)"
        )
        return
    if source.optional:
        return  # found while reading a directory: the simulation files are read as sources of their own
    context = run_set(doc)
    for inner in files:
        if not inner.name.endswith(".json"):
            continue
        inner_emit = Emitter(inner, NAME)
        if inner.note is not None:
            yield emit.malformed(f"{PurePosixPath(inner.name).name} in {SIMULATIONS}/ links outside the run folder: "
                                 "not read")
            continue
        simulation: Any = read_document(inner)
        if isinstance(simulation, Malformed):
            yield simulation
        elif not is_simulation(simulation):
            yield inner_emit.malformed("not a tau2 simulation: expected an object with task_id and messages or ticks")
        else:
            yield from _simulation(inner_emit, simulation, "$", context)


def _simulations(emit: Emitter, simulations: list, where: str, context: RunSet) -> Iterator:
    for index, simulation in enumerate(simulations):
        path = f"{where}[{index}]"
        if not is_simulation(simulation):
            yield emit.malformed(f"{path}: not a tau2 simulation: expected an object with a `messages` list")
            continue
        yield from _simulation(emit, simulation, path, context)


def _messages(sim: dict, where: str) -> Iterator[tuple[str, str, Any]]:
    """(path of the message, path of its tool calls, message) for a text run's messages or a voice run's ticks."""
    if isinstance(sim.get("messages"), list):
        for index, message in enumerate(sim["messages"]):
            path = f"{where}.messages[{index}]"
            yield path, f"{path}.tool_calls", message
        return
    yield from _tick_messages(sim["ticks"], f"{where}.ticks")


def _tick_messages(ticks: list, where: str) -> Iterator[tuple[str, str, Any]]:
    """A voice run's ticks as messages: consecutive text chunks of one speaker joined into one turn; tool calls and
    results of each side in tick order (agent first, as tau2 flattens a tick)."""
    turn: list = []  # [role, path, parts, last utterance ids, timestamp]

    def flush() -> Iterator[tuple[str, str, Any]]:
        if turn:
            role, path, parts, _, stamp = turn
            yield path, f"{path}.tool_calls", {"role": role, "content": "".join(parts), "timestamp": stamp}
            turn.clear()

    for index, tick in enumerate(ticks):
        if not isinstance(tick, dict):
            continue
        at = f"{where}[{index}]"
        for side, role in (("agent", "assistant"), ("user", "user")):
            chunk = tick.get(f"{side}_chunk")
            text = _chunk_text(chunk, tick if side == "user" else None)
            if text:
                raw_ids = chunk.get("utterance_ids") if isinstance(chunk, dict) else None
                ids = {str(i) for i in raw_ids} if isinstance(raw_ids, list) else set()
                if turn and turn[0] != role:
                    yield from flush()
                if not turn:
                    stamp = chunk.get("timestamp") if isinstance(chunk, dict) else None
                    turn.extend([role, f"{at}.{side}_chunk", [], ids, stamp or tick.get("timestamp")])
                elif ids and turn[3] and ids.isdisjoint(turn[3]):
                    turn[2].append(" ")
                turn[2].append(text)
                turn[3] = ids or turn[3]
            calls = tick.get(f"{side}_tool_calls")
            results = tick.get(f"{side}_tool_results")
            if calls or results:
                yield from flush()
            if isinstance(calls, list) and calls:
                stamp = tick.get("timestamp")
                yield at, f"{at}.{side}_tool_calls", {"role": role, "tool_calls": calls, "timestamp": stamp}
            for k, result in enumerate(results if isinstance(results, list) else ()):
                yield f"{at}.{side}_tool_results[{k}]", "", result
    yield from flush()


def _chunk_text(chunk: Any, tick: dict | None) -> str:
    """The words of a voice chunk: its text, or for audio the gold script (the user's tick transcript as fallback)."""
    if not isinstance(chunk, dict) or chunk.get("contains_speech") is False:
        return ""
    if not chunk.get("is_audio") and isinstance(chunk.get("content"), str):
        return chunk["content"]
    for text in (chunk.get("audio_script_gold"), tick.get("user_transcript") if tick else None):
        if isinstance(text, str) and text:
            return text
    return ""


def _simulation(emit: Emitter, sim: dict, where: str, context: RunSet) -> Iterator:
    task_id = sim.get("task_id")
    trajectory = str(sim.get("id") or f"{task_id}:{sim.get('trial', 0)}")
    meta = {k: sim[k] for k in ("trial", "termination_reason", "mode") if sim.get(k) is not None}
    qualified = None if task_id is None else str(task_id)
    if isinstance(context.domain, str) and context.domain:
        meta["domain"] = context.domain
        if qualified is not None:  # τ² numbers tasks per domain: airline's task 0 is not retail's
            qualified = f"{context.domain}/{qualified}"
    yield emit.event(
        trajectory, "task", path=where, task_id=qualified,
        goal=goal_of(context.tasks.get(str(task_id))), tools=context.tools,
        timestamp=sim.get("start_time") or sim.get("timestamp"), meta=meta,
    )
    names: dict[str, str] = {}
    for m_index, (path, calls_path, message) in enumerate(_messages(sim, where)):
        if not isinstance(message, dict):
            yield emit.malformed(f"{path}: expected a message object, found {type(message).__name__}")
            continue
        role = message.get("role")
        stamp = message.get("timestamp")
        text = flatten_text(message.get("content"))
        if role == "tool":
            call_id = str(message.get("id") or f"result_{m_index}")
            failed = bool(message.get("error"))
            yield emit.event(
                trajectory, "tool_result", path=path, timestamp=stamp, call_id=call_id, tool=names.get(call_id),
                ok=not failed, output=text, error=first_line(text) if failed else None,
                meta=None if message.get("requestor") in (None, "assistant") else {"requestor": message["requestor"]},
            )
            continue
        usage: dict = message["usage"] if isinstance(message.get("usage"), dict) else {}
        counts = tokens(output=usage.get("completion_tokens"), input=usage.get("prompt_tokens"))
        reasoning = message.get("reasoning")
        if isinstance(reasoning, str) and reasoning.strip():
            yield emit.event(trajectory, "reasoning", path=path, timestamp=stamp, text=reasoning, tokens=counts)
            counts = None
        calls: list = message["tool_calls"] if isinstance(message.get("tool_calls"), list) else []
        speaker = role if role in ("system", "user", "assistant") else "user"
        if text or not calls:
            yield emit.event(
                trajectory, "message", path=path, timestamp=stamp, role=speaker, text=text, tokens=counts,
                meta=None if speaker == role else {"source_role": role},
            )
            counts = None
        for k, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            call_id = str(call.get("id") or f"call_{m_index}_{k}")
            tool = call.get("name") or "unknown"
            names[call_id] = tool
            requestor = call.get("requestor")
            yield emit.event(
                trajectory, "tool_call", path=f"{calls_path}[{k}]", timestamp=stamp, call_id=call_id, tool=tool,
                arguments=parse_arguments(call.get("arguments")), tokens=counts,
                meta={"requestor": requestor} if requestor not in (None, "assistant") else None,
            )
            counts = None
    reward_info: dict = sim["reward_info"] if isinstance(sim.get("reward_info"), dict) else {}
    scored = reward_outcome(reward_info.get("reward"))
    if scored is not None:
        detail = {k: reward_info[k] for k in ("reward_basis", "db_check") if reward_info.get(k) is not None}
        if sim.get("termination_reason"):
            detail["termination_reason"] = sim["termination_reason"]
        yield emit.event(
            trajectory, "outcome", path=f"{where}.reward_info", timestamp=sim.get("end_time"), success=scored[0],
            reward=scored[1], source=SOURCE, meta=detail,
        )
    yield from emit.end(trajectory)
