"""τ-bench (v1) results (https://github.com/sierra-research/tau-bench): one JSON document, a list of
`{task_id, trial, reward, info{task{instruction, actions, ...}, reward_info}, traj[OpenAI chat messages]}`.

Each item is a trajectory `<task_id>:<trial>`: a task event (the user instruction `info.task.instruction` as goal,
declared tools if the item carries any), the chat messages (tool results starting with `Error:` fail; the text actions
of the ReAct and Act agents read as tool calls, their results and replies, see `_react`), and an outcome
{success: reward reaches 1, reward, source "tau-bench reward"; a crashed run's `info.error` in meta}. Origins are JSON
paths like `$[3].traj[5]`.

The agent's words are the assistant messages; the final report is the last one with text, or the one before when it
is only politeness (see trajaudit.claims). The dialogue ends with the user simulator, so no exit record is written.
"""

from __future__ import annotations

from typing import Iterator

import orjson

from trajaudit.importers._common import (
    Emitter,
    Item,
    chat_events,
    error_text,
    first_line,
    has_key,
    load_document,
    mapping,
    normalize_tools,
    reward_outcome,
    starts_with,
)
from trajaudit.reader import Malformed, Source

NAME = "tau-bench"
DESCRIPTION = "tau-bench results: a JSON list of {task_id, trial, reward, info, traj}"
SOURCE = "tau-bench reward"


def sniff(source: Source, head: bytes) -> bool:
    """A JSON list whose first item has `task_id` and `traj` (tau2 results are an object, so they never match)."""
    return starts_with(head, b"[") and has_key(head, "task_id") and has_key(head, "traj")


def _tool_failed(message: dict, text: str) -> bool:
    return error_text(text)


RESPOND = "respond"  # tau-bench's RESPOND_ACTION_NAME: the action of saying `arguments.content` to the user
API_OUTPUT = "API output: "


def _react(messages: list) -> list:
    """The messages as the tool-calling agent writes them. τ-bench's ReAct and Act agents (chat_react_agent.py) write
    each step as text: an assistant message `Thought:\n…\nAction:\n{"name": …, "arguments": {…}}`, answered by a user
    message `API output: …` (a tool's output) or, for the action `respond`, by the user's reply. Such a step is read
    as a tool call and its result, or as the reply it says, with the thought as reasoning (the user never sees it).
    Other messages are kept as they are (the list itself when none is such a step)."""
    out: list | None = None
    waiting: tuple[str, str] | None = None  # (call id, tool) of the text action whose output comes next
    for index, message in enumerate(messages):
        step = None
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            role, content = message.get("role"), message["content"]
            if role == "assistant":
                step = _action_step(content, index) if "Action:" in content and not message.get("tool_calls") else None
                calls = step.get("tool_calls") if step else None
                waiting = (calls[0]["id"], calls[0]["function"]["name"]) if calls else None
            elif role == "user" and waiting is not None and content.startswith(API_OUTPUT):
                step = {"role": "tool", "tool_call_id": waiting[0], "name": waiting[1],
                        "content": content[len(API_OUTPUT):]}
                waiting = None
        if step is not None and out is None:
            out = list(messages[:index])
        if out is not None:
            out.append(message if step is None else step)
    return messages if out is None else out


def _action_step(content: str, index: int) -> dict | None:
    """A ReAct/Act assistant message as a tool-calling one, or None when its action is not the JSON object τ-bench
    parses (`content.split("Action:")[-1]`, with `name` and `arguments`)."""
    at = content.rfind("Action:")
    try:
        action = orjson.loads(content[at + len("Action:"):].strip())
    except orjson.JSONDecodeError:
        return None
    if not isinstance(action, dict) or not isinstance(action.get("name"), str) or "arguments" not in action:
        return None
    head = content[:at]
    thought = (head.split("Thought:", 1)[1] if "Thought:" in head else head).strip()
    arguments = action["arguments"] if isinstance(action["arguments"], dict) else {}
    if action["name"] == RESPOND:
        said = arguments.get("content")
        return {"role": "assistant", "content": said if isinstance(said, str) else "", "reasoning_content": thought}
    call = {"id": f"react_{index}", "type": "function", "function": {"name": action["name"], "arguments": arguments}}
    return {"role": "assistant", "content": "", "reasoning_content": thought, "tool_calls": [call]}


def convert(source: Source) -> Iterator[Item]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a tau-bench results file", DESCRIPTION, lambda d: isinstance(d, list))
    if isinstance(doc, Malformed):
        yield doc
        return
    for index, item in enumerate(doc):
        where = f"$[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("traj"), list):
            yield emit.malformed(f"{where}: not a tau-bench result: expected an object with a `traj` message list")
            continue
        task_id = item.get("task_id")
        trajectory = f"{task_id}:{item.get('trial', 0)}"
        info = mapping(item.get("info"))
        task = mapping(info.get("task"))
        goal = task.get("instruction")
        tools = normalize_tools(item.get("tools") or info.get("tools"))
        meta = {"user_id": task["user_id"]} if isinstance(task.get("user_id"), str) else None
        yield emit.event(
            trajectory, "task", path=where, task_id=str(task_id), goal=goal if isinstance(goal, str) else None,
            tools=tools, meta=meta,
        )
        yield from chat_events(emit, trajectory, _react(item["traj"]), path=f"{where}.traj", is_error=_tool_failed)
        scored = reward_outcome(item.get("reward"))
        if scored is not None:
            reward_info = mapping(info.get("reward_info"))
            detail = dict(reward_info["info"]) if isinstance(reward_info.get("info"), dict) else {}
            if isinstance(info.get("error"), str):  # the run crashed; tau-bench scores it 0 and keeps the error
                detail["error"] = first_line(info["error"])
            yield emit.event(
                trajectory, "outcome", path=f"{where}.reward", success=scored[0], reward=scored[1], source=SOURCE,
                meta=detail,
            )
        yield from emit.end(trajectory)
