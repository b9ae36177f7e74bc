"""τ²-bench results (https://github.com/sierra-research/tau2-bench): one JSON document
`{timestamp, info{environment_info{tool_defs?}, ...}, tasks[{id, user_scenario{instructions}}], simulations[...]}`;
a simulation is `{id, task_id, trial, messages[{role, content, tool_calls[{id, name, arguments, requestor}], ...}],
reward_info{reward, ...}, termination_reason}`.

Each simulation is a trajectory (id = the simulation `id`): a task event (goal = the joined task's user_scenario
instructions; tools from `info.environment_info.tool_defs` when present), the messages (tool messages with
`error: true` fail; `usage` gives token counts), and an outcome {success: reward reaches 1, reward, source "tau2
reward"}. Origins are JSON paths like `$.simulations[3].messages[5]`.

The agent's words are the assistant messages (a message's `reasoning` is a reasoning event, private, never the
report); the final report is the last assistant message with text, or the one before when it is only politeness
(see trajaudit.claims). `termination_reason` stays in the task's and the outcome's meta: no exit record is written,
because in a dialogue every assistant message was said to the user, and a claim made there stands even when the
simulation was stopped later (max_steps, too_many_errors).
"""

from __future__ import annotations

from typing import Any, Iterator

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
from trajaudit.reader import Malformed, Source

NAME = "tau2"
DESCRIPTION = "tau2-bench results: a JSON object with tasks and simulations[{id, task_id, messages, reward_info}]"
SOURCE = "tau2 reward"
SCENARIO_KEYS = ("reason_for_call", "known_info", "unknown_info", "task_instructions")


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object with `simulations` or, when tasks fill the head, a tau2 `user_scenario`."""
    return starts_with(head, b"{") and (has_key(head, "simulations") or has_key(head, "user_scenario"))


def goal_of(task: Any) -> str | None:
    """The user's instructions of a tau2 task: a string, or the scenario's parts joined by blank lines."""
    if not isinstance(task, dict):
        return None
    scenario = task.get("user_scenario")
    instructions = scenario.get("instructions") if isinstance(scenario, dict) else None
    if isinstance(instructions, str):
        return instructions
    if isinstance(instructions, dict):
        parts = [instructions[k] for k in SCENARIO_KEYS if isinstance(instructions.get(k), str)]
        parts += [v for k, v in instructions.items() if k not in SCENARIO_KEYS and k != "domain" and isinstance(v, str)]
        return "\n\n".join(p.strip() for p in parts if p.strip()) or None
    description = task.get("description")
    if isinstance(description, dict) and isinstance(description.get("purpose"), str):
        return description["purpose"]
    return None


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a tau2 results file", DESCRIPTION,
                        lambda d: isinstance(d, dict) and isinstance(d.get("simulations"), list))
    if isinstance(doc, Malformed):
        yield doc
        return
    tasks = {str(t.get("id")): t for t in doc.get("tasks") or () if isinstance(t, dict)}
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    environment = info.get("environment_info") if isinstance(info.get("environment_info"), dict) else {}
    tools = normalize_tools(environment.get("tool_defs"))
    domain = environment.get("domain_name")
    for index, simulation in enumerate(doc["simulations"]):
        where = f"$.simulations[{index}]"
        if not isinstance(simulation, dict) or not isinstance(simulation.get("messages"), list):
            yield emit.malformed(f"{where}: not a tau2 simulation: expected an object with a `messages` list")
            continue
        yield from _simulation(emit, simulation, where, tasks, tools, domain)


def _simulation(emit: Emitter, sim: dict, where: str, tasks: dict, tools: Any, domain: Any) -> Iterator:
    task_id = sim.get("task_id")
    trajectory = str(sim.get("id") or f"{task_id}:{sim.get('trial', 0)}")
    meta = {k: sim[k] for k in ("trial", "termination_reason") if sim.get(k) is not None}
    if isinstance(domain, str):
        meta["domain"] = domain
    yield emit.event(
        trajectory, "task", path=where, task_id=str(task_id) if task_id is not None else None,
        goal=goal_of(tasks.get(str(task_id))), tools=tools, timestamp=sim.get("start_time") or sim.get("timestamp"),
        meta=meta,
    )
    names: dict[str, str] = {}
    for m_index, message in enumerate(sim["messages"]):
        path = f"{where}.messages[{m_index}]"
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
        usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
        counts = tokens(output=usage.get("completion_tokens"), input=usage.get("prompt_tokens"))
        reasoning = message.get("reasoning")
        if isinstance(reasoning, str) and reasoning.strip():
            yield emit.event(trajectory, "reasoning", path=path, timestamp=stamp, text=reasoning, tokens=counts)
            counts = None
        calls = message.get("tool_calls") if isinstance(message.get("tool_calls"), list) else []
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
                trajectory, "tool_call", path=f"{path}.tool_calls[{k}]", timestamp=stamp, call_id=call_id, tool=tool,
                arguments=parse_arguments(call.get("arguments")), tokens=counts,
                meta={"requestor": requestor} if requestor not in (None, "assistant") else None,
            )
            counts = None
    reward_info = sim.get("reward_info") if isinstance(sim.get("reward_info"), dict) else {}
    scored = reward_outcome(reward_info.get("reward"))
    if scored is not None:
        detail = {k: reward_info[k] for k in ("reward_basis", "db_check") if reward_info.get(k) is not None}
        if sim.get("termination_reason"):
            detail["termination_reason"] = sim["termination_reason"]
        yield emit.event(
            trajectory, "outcome", path=f"{where}.reward_info", timestamp=sim.get("end_time"), success=scored[0],
            reward=scored[1], source=SOURCE, meta=detail,
        )
