"""OpenAI chat transcripts (https://platform.openai.com/docs/api-reference/chat): JSONL where each line is

- `{"messages": [...], "tools": [...]?}` — the fine-tuning / eval shape; one trajectory per line, or
- a bare list of messages — one trajectory per line, or
- a single message object — all such lines of a file form one trajectory (a chat log written message by message).

Messages are system/developer/user/assistant (with `tool_calls`) and tool results (`tool_call_id`), or OpenAI Responses
API items as the OpenAI Agents SDK lists them (`function_call`, `function_call_output`, `reasoning`, `message`; see
`_common.responses_item`). An assistant
message's `logprobs.content[].logprob` / `.top_logprobs` become `logprobs` / `top_logprobs` on its event. A tool result
fails when it carries `is_error`/`error` or its text starts with `Error:`. A line's `reward`/`success` becomes an
outcome. Trajectory id: the line's `id`/`trajectory`/`conversation_id`/`custom_id`, else `<file>:<line>`.

The agent's words are the assistant `content`; `reasoning_content` / `reasoning` become reasoning events (private,
never the report). The final report is the last assistant message with text, or the one before when that one is only
politeness (see trajaudit.claims). A function call named `submit`, `finish` and the like is not a claim.
"""

from __future__ import annotations

from typing import Any, Iterator

from trajaudit.importers._common import (
    Chat,
    Emitter,
    Item,
    first_json_value,
    flatten_text,
    normalize_tools,
    reward_outcome,
)
from trajaudit.reader import Malformed, Source, iter_json

NAME = "openai"
DESCRIPTION = 'OpenAI chat JSONL: lines {"messages": [...]} or lists of {role, content, tool_calls} messages'

# A `{"messages": [...]}` line holds a whole run (and ends it: `Emitter.end`), so a large file can be cut into byte
# ranges audited in parallel (parallel.plan); a file of single-message lines is read again serially when cut.
LINE_RECORDS = True
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
ID_KEYS = ("trajectory", "id", "conversation_id", "custom_id")


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and value.get("role") in ROLES


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is {"messages": [message, ...]}, a list of messages, or one message."""
    first = first_json_value(head)
    if isinstance(first, dict) and isinstance(first.get("messages"), list):
        return bool(first["messages"]) and _is_message(first["messages"][0])
    if isinstance(first, list):
        return bool(first) and _is_message(first[0])
    return _is_message(first) and not ("trajectory" in first and "kind" in first)


def convert(source: Source) -> Iterator[Item]:
    emit = Emitter(source, NAME)
    loose: Chat | None = None  # the file-level trajectory of single-message lines
    loose_index = 0
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield item
            continue
        line, value = item
        if _is_message(value):
            if loose is None:
                loose = Chat(emit, source.name)
            yield from loose.message(value, loose_index, line=line)
            loose_index += 1
            continue
        record: dict = {}
        if isinstance(value, dict) and isinstance(value.get("messages"), list):
            record, messages = value, value["messages"]
        elif isinstance(value, list):
            messages = value
        else:
            found = f"an object with keys {sorted(value)[:6]}" if isinstance(value, dict) else type(value).__name__
            yield emit.malformed(
                f"not an OpenAI chat line: expected {{\"messages\": [...]}}, a list of messages or one message; "
                f"found {found}",
                line,
            )
            continue
        yield from _conversation(emit, source, line, record, messages)


def _conversation(emit: Emitter, source: Source, line: int, record: dict, messages: list) -> list[Item]:
    """The items of one run held by one line: built as a list (a line's worth) rather than through generators."""
    trajectory = next((str(record[k]) for k in ID_KEYS if isinstance(record.get(k), (str, int))), None)
    trajectory = trajectory or f"{source.name}:{line}"
    items: list[Item] = []
    tools = normalize_tools(record.get("tools") or record.get("functions"))
    if tools:
        goal = next((flatten_text(m.get("content")) for m in messages if _is_message(m) and m["role"] == "user"), None)
        task_id = record.get("task_id")
        items.append(emit.event(
            trajectory, "task", line=line, task_id=str(task_id) if task_id is not None else None, goal=goal, tools=tools
        ))
    chat = Chat(emit, trajectory)
    message = chat.message
    for index, value in enumerate(messages):
        items += message(value, index, line=line)
    verdict = record.get("success")
    scored = reward_outcome(record.get("reward"))
    if isinstance(verdict, bool) or scored is not None:
        success = verdict if isinstance(verdict, bool) else scored[0]  # type: ignore[index]
        items.append(emit.event(
            trajectory, "outcome", line=line, success=success, reward=scored[1] if scored else None,
            source=str(record.get("source") or "openai record"),
        ))
    items += emit.end(trajectory, line)
    return items
