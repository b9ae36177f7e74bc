"""OpenAI Codex CLI rollouts (https://github.com/openai/codex; `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): one
JSON object per line, `{timestamp, type, payload}` with type `session_meta` (payload.id = the session), `response_item`
(payload.type message | reasoning | function_call | function_call_output | custom_tool_call(_output) |
local_shell_call | web_search_call), `event_msg` (UI events: user_message, agent_message, token_count, exec_command_end,
task_complete, ...) and `turn_context`.

Trajectory id = the session_meta id. Response items are the record: messages (developer/user/assistant; `phase`
kept in meta, e.g. final_answer), reasoning (summary text), function calls and their outputs (ok from the exec exit
code: the output's `metadata.exit_code`, an "Exit code: N" / "Process exited with code N" line, or the command's
exec_command_end event). event_msg lines repeat the messages for the UI and are skipped, except token_count
(tokens.output of the next assistant event) and exec_command_end (exit codes).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import orjson

from trajaudit.importers._common import Emitter, first_json_value, first_line, flatten_text, parse_arguments, tokens
from trajaudit.reader import Malformed, Source, iter_json

NAME = "codex"
DESCRIPTION = "Codex CLI rollout JSONL: lines {timestamp, type: session_meta|response_item|event_msg, payload}"

LINE_TYPES = ("session_meta", "response_item", "event_msg", "turn_context", "compacted")
EXIT_TEXT = re.compile(r"^(?:Exit code:|Process exited with code)\s*(-?\d+)", re.M)
CONTEXT_PREFIXES = ("<environment_context>", "<user_instructions>", "# AGENTS.md")


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is `{timestamp, type, payload}` with a Codex rollout line type."""
    first = first_json_value(head)
    return isinstance(first, dict) and first.get("type") in LINE_TYPES and isinstance(first.get("payload"), dict)


def exec_result(output: Any) -> tuple[str, int | None, bool | None]:
    """(text, exit_code, success) of a function_call_output's `output`: a JSON string {output, metadata{exit_code}},
    plain text with an exit-code line, or an object {content, success}."""
    success = None
    if isinstance(output, dict):
        success = output.get("success") if isinstance(output.get("success"), bool) else None
        output = output.get("content", output.get("output", ""))
    text = flatten_text(output)
    code = None
    if text.startswith("{"):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("metadata"), dict):
            raw = parsed["metadata"].get("exit_code")
            code = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            text = flatten_text(parsed.get("output", text))
    if code is None:
        found = EXIT_TEXT.search(text)
        code = int(found.group(1)) if found else None
    return text, code, success


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    trajectory = source.name
    tools: dict[str, str] = {}
    exit_codes: dict[str, int] = {}
    counts: dict | None = None
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield item
            continue
        line, entry = item
        if not (isinstance(entry, dict) and entry.get("type") in LINE_TYPES and isinstance(entry.get("payload"), dict)):
            yield emit.malformed(f"not a Codex rollout line: expected {DESCRIPTION.split(': ', 1)[1]}", line)
            continue
        kind, payload, stamp = entry["type"], entry["payload"], entry.get("timestamp")
        if kind == "session_meta":
            trajectory = str(payload.get("id") or trajectory)
            meta = {k: payload[k] for k in ("cwd", "originator", "cli_version", "model_provider") if payload.get(k)}
            yield emit.event(trajectory, "task", line=line, timestamp=stamp, task_id=trajectory, meta=meta)
        elif kind == "event_msg":
            if payload.get("type") == "token_count" and isinstance(payload.get("info"), dict):
                last = payload["info"].get("last_token_usage") or {}
                counts = tokens(output=last.get("output_tokens"), reasoning=last.get("reasoning_output_tokens"))
            elif payload.get("type") == "exec_command_end" and isinstance(payload.get("exit_code"), int):
                exit_codes[str(payload.get("call_id"))] = payload["exit_code"]
        elif kind == "response_item":
            for event in _response_item(emit, trajectory, line, stamp, payload, tools, exit_codes, counts):
                if event[1].get("tokens"):
                    counts = None
                yield event


def _response_item(
    emit: Emitter, trajectory: str, line: int, stamp: Any, item: dict, tools: dict, exit_codes: dict, counts: Any
) -> Iterator[tuple]:
    kind = item.get("type")
    if kind == "message":
        role = item.get("role") if item.get("role") in ("system", "developer", "user", "assistant") else "user"
        text = flatten_text(item.get("content"))
        meta = {"phase": item["phase"]} if item.get("phase") else {}
        if role == "user" and text.lstrip().startswith(CONTEXT_PREFIXES):
            meta["injected"] = True
        yield emit.event(
            trajectory, "message", line=line, timestamp=stamp, role=role, text=text, meta=meta,
            tokens=counts if role == "assistant" else None,
        )
    elif kind == "reasoning":
        text = flatten_text(item.get("summary")) or flatten_text(item.get("content"))
        meta = {"encrypted": True} if not text and item.get("encrypted_content") else None
        yield emit.event(trajectory, "reasoning", line=line, timestamp=stamp, text=text, meta=meta)
    elif kind in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
        call_id = str(item.get("call_id") or item.get("id") or f"call_{line}")
        tool = item.get("name") or {"local_shell_call": "shell", "web_search_call": "web_search"}.get(kind, "unknown")
        tools[call_id] = tool
        raw = item.get("arguments", item.get("input", item.get("action")))
        arguments = parse_arguments(raw) if kind != "custom_tool_call" else (raw if isinstance(raw, str) else {})
        yield emit.event(
            trajectory, "tool_call", line=line, timestamp=stamp, call_id=call_id, tool=tool, arguments=arguments,
            tokens=counts,
        )
        if kind == "web_search_call":
            yield emit.event(
                trajectory, "tool_result", line=line, timestamp=stamp, call_id=call_id, tool=tool,
                ok=item.get("status") in (None, "completed"), output="",
            )
    elif kind in ("function_call_output", "custom_tool_call_output"):
        call_id = str(item.get("call_id") or f"result_{line}")
        text, code, success = exec_result(item.get("output"))
        if code is None:
            code = exit_codes.get(call_id)
        ok = success if code is None and success is not None else code in (0, None)
        yield emit.event(
            trajectory, "tool_result", line=line, timestamp=stamp, call_id=call_id, tool=tools.get(call_id), ok=ok,
            output=text, exit_code=code, error=(f"exit code {code}" if code else first_line(text)) if not ok else None,
        )
