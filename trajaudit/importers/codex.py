"""OpenAI Codex CLI logs (https://github.com/openai/codex), in the three JSONL shapes Codex has written. A file may
hold several runs; lines of each shape are recognised on their own.

1. Rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`, current format): `{timestamp, type, payload}` lines with
   type `session_meta` (payload.id = the session), `response_item` (payload.type message | reasoning | function_call |
   function_call_output | custom_tool_call(_output) | local_shell_call | web_search_call), `event_msg` (UI events:
   user_message, agent_message, token_count, exec_command_end, task_complete, ...), `turn_context` and `compacted`.
2. Older rollouts (2025, "direct"): the first line is the session meta itself, `{id, timestamp, instructions, git?}`
   (later also cwd, originator, cli_version); every other line is a bare ResponseItem (`{type: message, role,
   content}`, `{type: function_call, name, arguments, call_id}`, `{type: function_call_output, call_id, output}`,
   reasoning, local_shell_call, ...), with `{record_type: "state"}` lines in between (skipped).
3. `codex exec --json` output: `{type: thread.started, thread_id}` (`session.created` with `session_id` in the first
   experimental versions), `turn.started`, `item.started` / `item.updated` / `item.completed` `{item: {id, type,
   ...}}`, `turn.completed {usage{input_tokens, cached_input_tokens, output_tokens}}`, `turn.failed {error{message}}`
   and `error {message}`. The first versions of this stream (until early October 2025) name the item's kind
   `item_type` and say `assistant_message` for `agent_message`.

Trajectory id = the session id (session_meta payload.id, the direct meta line's id, thread_id / session_id); a file
without one uses the file's name as given, like every line-based importer here. The session line becomes a `task`
event (task_id = the id).

Rollouts (1, 2): response items are the record. Messages (developer/user/assistant; `phase` kept in meta, e.g.
final_answer; injected context such as `<environment_context>` gets meta.injected), reasoning (summary text), function
calls and their outputs, paired by call_id (ok from the exec exit code: the output's `metadata.exit_code`, an "Exit
code: N" / "Process exited with code N" line, or the command's exec_command_end event; else the output's `success`).
event_msg lines repeat the messages for the UI and are skipped, except token_count (tokens.output and .reasoning of
the next assistant event) and exec_command_end (exit codes).

exec --json (3): only `item.completed` carries an item's final state. Tool-like items become a tool_call when they
start (or at completion, when no start was seen) and a tool_result at completion, paired by the item id (suffixed
`@N` for the N-th run of the same thread in one file, since ids restart at item_0): `command_execution` → tool
`shell` {command}, ok when status is completed and exit_code 0, with exit_code and aggregated_output (failed,
declined and unfinished commands are not ok); `mcp_tool_call` → its `tool` (meta.server) with its arguments, ok
unless status failed or `error` is set, output = the result's text content; `file_change` → `apply_patch` {changes:
[{path, kind}]}, ok when the patch completed; `web_search` → `web_search` {query}; `collab_tool_call` → its tool.
A command started but never completed is a call without a result. `agent_message` → assistant message (the last is
the final answer; `plan` items too, with meta.item_type), `reasoning` → reasoning, an `error` item → a system message
with meta.item_type "error"; `turn.failed` and `error` lines → system messages with meta.event. turn.completed usage
goes to the turn's last agent message (tokens.input / .output, meta.cached_input_tokens; newer versions report the
thread's running total). `todo_list` items, `item.updated`, `turn.started` and item types not listed here are skipped.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import orjson

from trajaudit.importers._common import (
    Emitter,
    as_text,
    first_json_value,
    first_line,
    flatten_text,
    parse_arguments,
    to_int,
    tokens,
)
from trajaudit.reader import Malformed, Source, iter_json

NAME = "codex"
DESCRIPTION = (
    "Codex CLI JSONL: rollout lines {timestamp, type: session_meta|response_item|event_msg, payload}, 2025 rollouts "
    "({id, timestamp, instructions}, then ResponseItems {type: message|function_call|...}) or `codex exec --json` "
    "events {type: thread.started|item.completed|...}"
)
EXPECTED = DESCRIPTION.split(": ", 1)[1]

LINE_TYPES = ("session_meta", "response_item", "event_msg", "turn_context", "compacted")
ITEM_TYPES = (
    "message", "reasoning", "function_call", "function_call_output", "custom_tool_call", "custom_tool_call_output",
    "local_shell_call", "web_search_call",
)
META_KEYS = ("instructions", "git", "cwd", "originator", "cli_version")
THREAD_STARTS = ("thread.started", "session.created")
EXEC_TYPES = (
    *THREAD_STARTS, "turn.started", "turn.completed", "turn.failed", "item.started", "item.updated", "item.completed",
    "item.plan.delta", "request_user_input", "error",
)
SNIFF_EXEC_TYPES = tuple(kind for kind in EXEC_TYPES if kind != "error")  # a bare {"type": "error"} says too little
TOOL_ITEMS = ("command_execution", "mcp_tool_call", "file_change", "web_search", "collab_tool_call")
EXIT_TEXT = re.compile(r"^(?:Exit code:|Process exited with code)\s*(-?\d+)", re.M)
CONTEXT_PREFIXES = ("<environment_context>", "<user_instructions>", "# AGENTS.md")


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is a rollout line `{timestamp, type, payload}`, an older rollout's session line `{id,
    timestamp, instructions|git|...}` (no type), or a `codex exec --json` event (thread.started, item.completed...)."""
    first = first_json_value(head)
    if not isinstance(first, dict):
        return False
    kind = first.get("type")
    if kind in LINE_TYPES:
        return isinstance(first.get("payload"), dict)
    if kind in SNIFF_EXEC_TYPES:
        return not any(key in first for key in ("payload", "trajectory", "role", "sessionId"))
    return _is_direct_meta(first) and any(key in first for key in META_KEYS)


def _is_direct_meta(entry: dict) -> bool:
    return "type" not in entry and isinstance(entry.get("id"), str) and "timestamp" in entry and "payload" not in entry


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
    stream = _ExecStream(emit)
    trajectory = source.name
    tools: dict[str, str] = {}
    exit_codes: dict[str, int] = {}
    counts: dict | None = None
    direct = False  # an older rollout's session line was seen: bare ResponseItems follow
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield from stream.release()
            yield item
            continue
        line, entry = item
        kind = entry.get("type") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and kind in EXEC_TYPES and "payload" not in entry:
            yield from stream.line(line, entry, trajectory)
            trajectory = stream.trajectory or trajectory
            continue
        yield from stream.release()
        if not isinstance(entry, dict):
            yield emit.malformed(f"not a Codex line: expected {EXPECTED}, found {type(entry).__name__}", line)
        elif kind in LINE_TYPES and isinstance(entry.get("payload"), dict):
            payload, stamp = entry["payload"], entry.get("timestamp")
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
        elif entry.get("record_type") == "state":
            continue
        elif _is_direct_meta(entry):
            direct = True
            trajectory = entry["id"]
            meta = {k: entry[k] for k in ("cwd", "originator", "cli_version", "model_provider") if entry.get(k)}
            yield emit.event(
                trajectory, "task", line=line, timestamp=entry.get("timestamp"), task_id=trajectory, meta=meta
            )
        elif isinstance(kind, str) and "payload" not in entry and (kind in ITEM_TYPES or direct):
            yield from _response_item(emit, trajectory, line, None, entry, tools, exit_codes, None)
        else:
            found = f"type {kind!r}" if kind is not None else f"an object with keys {sorted(entry)[:6]}"
            yield emit.malformed(f"not a Codex line: expected {EXPECTED}, found {found}", line)
    yield from stream.release()


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


# --- codex exec --json -------------------------------------------------------------------------------------------


class _ExecStream:
    """State of `codex exec --json` lines: the current thread, calls started and not yet completed, and the last agent
    message, held back until the next event so that turn.completed can give it the turn's token usage."""

    def __init__(self, emit: Emitter) -> None:
        self.emit = emit
        self.trajectory: str | None = None
        self.runs: dict[str, int] = {}  # thread id -> runs seen in this file (item ids restart in each run)
        self.started: dict[str, str] = {}  # item id -> call_id of a call still waiting for its result
        self.held: tuple[str, int, dict] | None = None  # (trajectory, line, fields) of the last agent message

    def release(self) -> Iterator[tuple[int | None, dict]]:
        if self.held is not None:
            trajectory, line, fields = self.held
            self.held = None
            yield self.emit.event(trajectory, "message", line=line, **fields)

    def line(self, line: int, entry: dict, trajectory: str) -> Iterator[tuple[int | None, dict] | Malformed]:
        kind = entry["type"]
        if kind == "turn.completed":
            usage = entry.get("usage") if isinstance(entry.get("usage"), dict) else {}
            if self.held is not None:
                fields = self.held[2]
                fields["tokens"] = tokens(output=usage.get("output_tokens"), input=usage.get("input_tokens"))
                cached = to_int(usage.get("cached_input_tokens"))
                if cached is not None and cached >= 0:
                    fields["meta"] = {**(fields.get("meta") or {}), "cached_input_tokens": cached}
            yield from self.release()
            return
        if kind in THREAD_STARTS:
            thread = entry.get("thread_id", entry.get("session_id"))
            yield from self.release()
            if not isinstance(thread, (str, int)) or isinstance(thread, bool) or thread == "":
                yield self.emit.malformed(f"{kind} without a thread id: expected {{type: {kind}, thread_id}}", line)
                return
            self.trajectory = str(thread)
            self.runs[self.trajectory] = self.runs.get(self.trajectory, 0) + 1
            self.started = {}
            yield self.emit.event(self.trajectory, "task", line=line, task_id=self.trajectory)
            return
        trajectory = self.trajectory or trajectory
        if kind in ("turn.failed", "error"):
            error = entry.get("error") if kind == "turn.failed" else entry
            text = error.get("message") if isinstance(error, dict) else error
            yield from self.release()
            yield self.emit.event(
                trajectory, "message", line=line, role="system", text=as_text(text) or kind, meta={"event": kind}
            )
            return
        if kind not in ("item.started", "item.completed"):
            return  # turn.started, item.updated, item.plan.delta, request_user_input: no final state
        item = entry.get("item")
        item_kind = item.get("item_type", item.get("type")) if isinstance(item, dict) else None
        if not isinstance(item_kind, str):
            yield from self.release()
            what = "an `item` object with a type" if isinstance(item, dict) else "an `item` object"
            expected = f"{{type: {kind}, item: {{id, type, ...}}}}"
            yield self.emit.malformed(f"{kind} without {what}: expected {expected}", line)
            return
        if item_kind in TOOL_ITEMS:
            yield from self._tool(trajectory, line, kind, item_kind, item)
        elif kind == "item.completed":
            yield from self._completed(trajectory, line, item_kind, item)

    def _call_id(self, trajectory: str, item: dict, line: int) -> str:
        raw = item.get("id")
        base = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) and raw != "" else f"item_l{line}"
        run = self.runs.get(trajectory, 1)
        return base if run <= 1 else f"{base}@{run}"

    def _tool(self, trajectory: str, line: int, kind: str, item_kind: str, item: dict) -> Iterator[tuple]:
        call_id = self._call_id(trajectory, item, line)
        if call_id not in self.started:
            yield from self.release()
            tool, arguments, meta = _exec_call(item_kind, item)
            self.started[call_id] = tool
            yield self.emit.event(
                trajectory, "tool_call", line=line, call_id=call_id, tool=tool, arguments=arguments, meta=meta
            )
        if kind == "item.completed":
            yield from self.release()
            tool = self.started.pop(call_id)
            yield self.emit.event(trajectory, "tool_result", line=line, call_id=call_id, tool=tool,
                                  **_exec_outcome(item_kind, item))

    def _completed(self, trajectory: str, line: int, item_kind: str, item: dict) -> Iterator[tuple]:
        text = item.get("text") if isinstance(item.get("text"), str) else as_text(item.get("text"))
        if item_kind in ("agent_message", "assistant_message", "plan"):
            yield from self.release()
            meta = {"item_type": "plan"} if item_kind == "plan" else None
            self.held = (trajectory, line, {"role": "assistant", "text": text, "meta": meta})
        elif item_kind == "reasoning":
            if text.strip():
                yield from self.release()
                yield self.emit.event(trajectory, "reasoning", line=line, text=text)
        elif item_kind == "error":
            yield from self.release()
            message = item.get("message")
            yield self.emit.event(
                trajectory, "message", line=line, role="system", text=as_text(message) or "error",
                meta={"item_type": "error"},
            )
        # todo_list (the agent's plan, ticked off as it goes) and unknown item types carry no step of their own


def _exec_call(item_kind: str, item: dict) -> tuple[str, dict | str, dict | None]:
    """(tool, arguments, meta) of a tool-like exec item."""
    if item_kind == "command_execution":
        return "shell", {"command": as_text(item.get("command"))}, None
    if item_kind == "mcp_tool_call":
        server = item.get("server")
        meta = {"server": server} if isinstance(server, str) and server else None
        return as_text(item.get("tool")) or "unknown", parse_arguments(item.get("arguments")), meta
    if item_kind == "file_change":
        changes = item.get("changes") if isinstance(item.get("changes"), list) else []
        listed = [
            {key: change[key] for key in ("path", "kind") if key in change} for change in changes
            if isinstance(change, dict)
        ]
        return "apply_patch", {"changes": listed}, None
    if item_kind == "web_search":
        arguments: dict = {"query": as_text(item.get("query"))}
        if isinstance(item.get("action"), dict):
            arguments["action"] = item["action"]
        return "web_search", arguments, None
    arguments = {key: item[key] for key in ("prompt", "receiver_thread_ids") if item.get(key) is not None}
    return as_text(item.get("tool")) or item_kind, arguments, None


def _exec_outcome(item_kind: str, item: dict) -> dict[str, Any]:
    """ok, output, exit_code and error of a completed tool-like exec item."""
    status = item.get("status")
    status = status if isinstance(status, str) else None
    if item_kind == "command_execution":
        code = to_int(item.get("exit_code"))
        output = as_text(item.get("aggregated_output"))
        ok = status in (None, "completed") and code in (0, None)
        error = None
        if not ok:
            if code not in (0, None):
                error = f"exit code {code}"
            elif status == "in_progress":
                error = "the command did not finish"
            else:
                error = f"command {status}" if status in ("failed", "declined") else first_line(output) or "failed"
        return {"ok": ok, "output": output, "exit_code": code, "error": error}
    if item_kind == "mcp_tool_call":
        result = item.get("result") if isinstance(item.get("result"), dict) else {}
        output = flatten_text(result.get("content"))
        if not output and result.get("structured_content") is not None:
            output = as_text(result["structured_content"])
        error = item.get("error")
        message = as_text(error.get("message") if isinstance(error, dict) else error) if error else None
        ok = status in (None, "completed") and not message
        return {"ok": ok, "output": output, "error": (message or f"tool call {status}") if not ok else None}
    if item_kind == "file_change":
        changes = item.get("changes") if isinstance(item.get("changes"), list) else []
        output = "\n".join(
            f"{as_text(c.get('kind'))} {as_text(c.get('path'))}".strip() for c in changes if isinstance(c, dict)
        )
        ok = status in (None, "completed")
        return {"ok": ok, "output": output, "error": f"patch {status}" if not ok else None}
    ok = status in (None, "completed")
    return {"ok": ok, "output": "", "error": f"{item_kind} {status}" if not ok else None}
