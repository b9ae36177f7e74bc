"""OpenAI Codex CLI logs (https://github.com/openai/codex), in the four JSONL shapes Codex has written. A file may
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
4. The first `codex exec --json` output (July to September 2025, until shape 3 replaced it): a line with the
   configuration summary (a flat object of strings: workdir, model, provider, approval, sandbox, and reasoning
   effort / reasoning summaries for reasoning models), a line `{prompt}`, then the protocol's events as
   codex-rs/protocol serialises them, one per line: `{id: <submission id>, msg: {type, ...}}` with type
   agent_message {message}, agent_reasoning
   {text}, exec_command_begin {call_id, command: [argv], cwd} / exec_command_end {call_id, stdout, stderr, exit_code,
   and later aggregated_output, duration, formatted_output}, patch_apply_begin {call_id, auto_approved, changes} /
   patch_apply_end {call_id, stdout, stderr, success}, mcp_tool_call_begin {call_id, invocation {server, tool,
   arguments}} / mcp_tool_call_end {call_id, invocation, duration, result {Ok: {content, isError?}} | {Err}},
   web_search_begin / web_search_end {call_id, query}, token_count, error, stream_error, turn_aborted, ... Streaming
   deltas, task_complete and shutdown_complete are not printed. Codex itself does not print session_configured in
   this stream (the session id is only in the rollout), so the trajectory of such a file is usually its file name.

Trajectory id = the session id (session_meta payload.id, the direct meta line's id, thread_id / session_id, the
session_id of a session_configured event); a file without one uses the file's name as given, like every line-based
importer here. The session line (in 4, the configuration line) becomes a `task` event (task_id = the id).

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

Protocol events (4): the configuration line and the prompt line make the `task` event (goal = the prompt; meta cwd,
model, model_provider, approval, sandbox) and a user message; a session_configured event, where one is present,
names the trajectory. Calls are paired by call_id: exec_command_begin / _end → tool `shell` {command: argv}
(meta.cwd), ok iff exit_code is 0, with exit_code and the aggregated output (else stdout and stderr);
patch_apply_begin / _end → `apply_patch` {changes: [{path, kind}]}, ok = success; mcp_tool_call_begin / _end → the
invocation's tool (meta.server) with its arguments, ok unless the result is `Err` or has isError, output = the
result's text content; web_search_begin / _end → `web_search` {query}. An end without a begin gives the call and its
result at once; a begin without an end is a call without a result. agent_message → assistant message,
agent_reasoning → reasoning (agent_reasoning_raw_content too, with meta.raw), user_message → user message (unless it
repeats the prompt), error, stream_error and turn_aborted → system messages with meta.event. token_count
(`info.last_token_usage`, or the flat counts of the first versions) gives tokens.input / .output / .reasoning and
meta.cached_input_tokens to the assistant message just before it, else to the next one. Deltas, task_started,
task_complete, plan_update, background, approval and history events, turn_diff and event types not listed here are
skipped (an unlisted type before any line of this shape is reported instead: it is not a Codex event).

In every shape the agent's words are its assistant / agent_message text; reasoning (summaries, raw content) is private
and never the report. The final report is the last assistant message with text (in current rollouts it carries
phase final_answer; see trajaudit.claims); task_complete events are not claims.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import orjson

from trajaudit.importers._common import (
    Emitter,
    array,
    as_text,
    first_json_value,
    first_line,
    flatten_text,
    mapping,
    parse_arguments,
    to_int,
    tokens,
)
from trajaudit.reader import Malformed, Source, iter_json

NAME = "codex"
DESCRIPTION = (
    "Codex CLI JSONL: rollout lines {timestamp, type: session_meta|response_item|event_msg, payload}, 2025 rollouts "
    "({id, timestamp, instructions}, then ResponseItems {type: message|function_call|...}), `codex exec --json` "
    "events {type: thread.started|item.completed|...} or the first `codex exec --json` output ({workdir, model, ...} "
    "and {prompt} lines, then protocol events {id, msg: {type: exec_command_begin|agent_message|...}})"
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
# EventMsg types of codex-rs/protocol while `codex exec --json` printed them as they are (shape 4, July-September 2025)
PROTOCOL_EVENTS = frozenset((
    "error", "task_started", "task_complete", "token_count", "agent_message", "agent_message_delta", "user_message",
    "agent_reasoning", "agent_reasoning_delta", "agent_reasoning_raw_content", "agent_reasoning_raw_content_delta",
    "agent_reasoning_section_break", "session_configured", "mcp_tool_call_begin", "mcp_tool_call_end",
    "web_search_begin", "web_search_end", "exec_command_begin", "exec_command_output_delta", "exec_command_end",
    "exec_approval_request", "apply_patch_approval_request", "background_event", "stream_error", "patch_apply_begin",
    "patch_apply_end", "turn_diff", "get_history_entry_response", "mcp_list_tools_response",
    "list_custom_prompts_response", "plan_update", "turn_aborted", "shutdown_complete", "conversation_history",
    "entered_review_mode", "exited_review_mode",
))
CONFIG_KEYS = ("workdir", "model", "sandbox")  # always in the configuration summary line of shape 4
EXIT_TEXT = re.compile(r"^(?:Exit code:|Process exited with code)\s*(-?\d+)", re.M)
CONTEXT_PREFIXES = ("<environment_context>", "<user_instructions>", "# AGENTS.md")


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is a rollout line `{timestamp, type, payload}`, an older rollout's session line `{id,
    timestamp, instructions|git|...}` (no type), a `codex exec --json` event (thread.started, item.completed...), or
    the first exec output's configuration line `{workdir, model, sandbox, ...}` or protocol event `{id, msg: {type}}`
    of a known EventMsg type."""
    first = first_json_value(head)
    if not isinstance(first, dict):
        return False
    kind = first.get("type")
    if kind in LINE_TYPES:
        return isinstance(first.get("payload"), dict)
    if kind in SNIFF_EXEC_TYPES:
        return not any(key in first for key in ("payload", "trajectory", "role", "sessionId"))
    if _is_protocol_line(first):
        msg = first["msg"]
        kind = msg.get("type") if isinstance(msg, dict) else None
        return isinstance(kind, str) and kind in PROTOCOL_EVENTS and isinstance(first["id"], str)
    return _is_config_line(first) or (_is_direct_meta(first) and any(key in first for key in META_KEYS))


def _is_protocol_line(entry: dict) -> bool:
    """`{id, msg}` and nothing else: the protocol's Event struct (shape 4), whatever its msg holds."""
    return len(entry) == 2 and "id" in entry and "msg" in entry


def _is_config_line(entry: dict) -> bool:
    """The configuration summary that opens shape 4: a flat object of strings with workdir, model and sandbox."""
    return all(key in entry for key in CONFIG_KEYS) and all(isinstance(value, str) for value in entry.values())


def _is_prompt_line(entry: dict) -> bool:
    return len(entry) == 1 and isinstance(entry.get("prompt"), str)


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
    protocol = _ProtocolStream(emit)
    trajectory = source.name
    tools: dict[str, str] = {}
    exit_codes: dict[str, int] = {}
    counts: dict | None = None
    direct = False  # an older rollout's session line was seen: bare ResponseItems follow
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield from stream.release()
            yield from protocol.release()
            yield item
            continue
        line, entry = item
        kind = entry.get("type") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and kind in EXEC_TYPES and "payload" not in entry:
            yield from protocol.finish()
            yield from stream.line(line, entry, trajectory)
            trajectory = stream.trajectory or trajectory
            continue
        if isinstance(entry, dict) and kind is None and (
            _is_protocol_line(entry) or _is_config_line(entry) or _is_prompt_line(entry)
        ):
            yield from stream.release()
            yield from protocol.line(line, entry, trajectory)
            continue
        yield from stream.release()
        yield from protocol.finish()
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
        elif isinstance(kind, str) and isinstance(entry.get("payload"), dict) and "timestamp" in entry:
            continue  # a rollout line of a type added later: as with the payload types it does not know, nothing read
        else:
            found = f"type {kind!r}" if kind is not None else f"an object with keys {sorted(entry)[:6]}"
            yield emit.malformed(f"not a Codex line: expected {EXPECTED}, found {found}", line)
    yield from stream.release()
    yield from protocol.finish()


def _response_item(
    emit: Emitter, trajectory: str, line: int, stamp: Any, item: dict, tools: dict, exit_codes: dict, counts: Any
) -> Iterator[tuple]:
    kind = item.get("type")
    if kind == "message":
        role = item.get("role") if item.get("role") in ("system", "developer", "user", "assistant") else "user"
        text = flatten_text(item.get("content"))
        meta: dict[str, Any] = {"phase": item["phase"]} if item.get("phase") else {}
        if role == "user" and text.lstrip().startswith(CONTEXT_PREFIXES):
            meta["injected"] = True
        yield emit.event(
            trajectory, "message", line=line, timestamp=stamp, role=role, text=text, meta=meta,
            tokens=counts if role == "assistant" else None,
        )
    elif kind == "reasoning":
        text = flatten_text(item.get("summary")) or flatten_text(item.get("content"))
        encrypted = {"encrypted": True} if not text and item.get("encrypted_content") else None
        yield emit.event(trajectory, "reasoning", line=line, timestamp=stamp, text=text, meta=encrypted)
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
            usage = mapping(entry.get("usage"))
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
        if not isinstance(item, dict) or not isinstance(item_kind, str):
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
        text = as_text(item.get("text"))  # a string as is
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
        changes = array(item.get("changes"))
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
        result = mapping(item.get("result"))
        output = flatten_text(result.get("content"))
        if not output and result.get("structured_content") is not None:
            output = as_text(result["structured_content"])
        error = item.get("error")
        message = as_text(error.get("message") if isinstance(error, dict) else error) if error else None
        ok = status in (None, "completed") and not message
        return {"ok": ok, "output": output, "error": (message or f"tool call {status}") if not ok else None}
    if item_kind == "file_change":
        changes = array(item.get("changes"))
        output = "\n".join(
            f"{as_text(c.get('kind'))} {as_text(c.get('path'))}".strip() for c in changes if isinstance(c, dict)
        )
        ok = status in (None, "completed")
        return {"ok": ok, "output": output, "error": f"patch {status}" if not ok else None}
    ok = status in (None, "completed")
    return {"ok": ok, "output": "", "error": f"{item_kind} {status}" if not ok else None}


# --- the first codex exec --json: protocol events {id, msg} -------------------------------------------------------


class _ProtocolStream:
    """State of shape 4: the configuration and prompt lines waiting for the run's id, calls begun and not yet ended,
    the event held back (the last agent message, until a token_count gives it the response's usage; a web search
    begun, until its end names the query), usage waiting for the next agent message, and the run's prompt."""

    def __init__(self, emit: Emitter) -> None:
        self.emit = emit
        self.trajectory: str | None = None  # the current run's trajectory; None before the first run
        self.fallback = emit.file  # the trajectory of a run without a session id
        self.pending: dict[str, tuple[int, Any]] = {}  # "config" / "prompt" -> (line, value), until the run opens
        self.calls: dict[str, str] = {}  # call_id -> tool of a call begun and not yet ended
        self.held: tuple[str, int, str, dict] | None = None  # (trajectory, line, kind, fields)
        self.counts: tuple[dict, int | None] | None = None  # (tokens, cached input) for the next agent message
        self.prompt = ""
        self.seen = False  # a line of this shape was seen: unlisted event types are skipped, not reported

    def release(self) -> Iterator[tuple[int | None, dict]]:
        if self.held is not None:
            trajectory, line, kind, fields = self.held
            self.held = None
            yield self.emit.event(trajectory, kind, line=line, **fields)

    def finish(self) -> Iterator[tuple[int | None, dict]]:
        """End of this shape (another shape, a new configuration line or the end of the file)."""
        yield from self.release()
        if self.pending:
            yield from self._open(None, None, None)

    def _open(self, session: str | None, line: int | None, model: Any) -> Iterator[tuple[int | None, dict]]:
        """A new run: its task event (at the configuration line, else the prompt line, else `line`) and its prompt as
        the first user message."""
        config = self.pending.pop("config", None)
        prompt = self.pending.pop("prompt", None)
        self.trajectory = session or self.fallback
        self.calls, self.counts, self.prompt = {}, None, prompt[1] if prompt else ""
        settings = config[1] if config else {}
        meta = {
            key: settings[name] for key, name in (
                ("cwd", "workdir"), ("model", "model"), ("model_provider", "provider"), ("approval", "approval"),
                ("sandbox", "sandbox"),
            ) if settings.get(name)
        }
        if "model" not in meta and isinstance(model, str) and model:
            meta["model"] = model
        at = config[0] if config else prompt[0] if prompt else line
        yield self.emit.event(
            self.trajectory, "task", line=at, task_id=self.trajectory, goal=self.prompt or None, meta=meta
        )
        if prompt:
            yield self.emit.event(self.trajectory, "message", line=prompt[0], role="user", text=prompt[1])

    def _ready(self) -> Iterator[tuple[int | None, dict]]:
        """Opens the run waiting for its id (none came: the file's name) before its first event."""
        if self.pending:
            yield from self._open(None, None, None)
        elif self.trajectory is None:
            self.trajectory = self.fallback

    def line(self, line: int, entry: dict, trajectory: str) -> Iterator[tuple[int | None, dict] | Malformed]:
        self.fallback = trajectory
        if _is_config_line(entry):
            yield from self.finish()
            self.seen = True
            self.pending = {"config": (line, entry)}
            return
        if _is_prompt_line(entry):
            if "prompt" in self.pending or not self.pending:
                yield from self.finish()
            self.seen = True
            self.pending["prompt"] = (line, entry["prompt"])
            return
        msg = entry["msg"]
        kind = msg.get("type") if isinstance(msg, dict) else None
        if not self.seen and not (isinstance(kind, str) and kind in PROTOCOL_EVENTS):
            yield from self.release()
            found = f"msg type {kind!r}" if isinstance(kind, str) else f"msg {type(msg).__name__}"
            yield self.emit.malformed(f"not a Codex line: expected {EXPECTED}, found {{id, msg}} with {found}", line)
            return
        if not isinstance(kind, str) or not kind:
            yield from self.release()
            yield self.emit.malformed("Codex event without a msg type: expected {id, msg: {type, ...}}", line)
            return
        self.seen = True
        if kind == "session_configured":
            yield from self.release()
            session = msg.get("session_id")
            if not isinstance(session, (str, int)) or isinstance(session, bool) or session == "":
                expected = "{id, msg: {type: session_configured, session_id, model, ...}}"
                yield self.emit.malformed(f"session_configured without a session_id: expected {expected}", line)
                return
            yield from self._open(str(session), line, msg.get("model"))
        elif kind in PROTOCOL_HANDLERS:
            yield from self._ready()
            yield from getattr(self, PROTOCOL_HANDLERS[kind])(line, kind, msg, self.trajectory or trajectory)
        # everything else (deltas, task_started / task_complete, plan_update, background, approval and history
        # events, turn_diff, unlisted types) carries no step of its own

    def _begin(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        call_id = _protocol_call_id(msg, line)
        if call_id in self.calls:
            return  # a repeated begin adds nothing
        yield from self.release()
        tool, arguments, meta = _protocol_call(kind, msg)
        self.calls[call_id] = tool
        fields: dict[str, Any] = {"call_id": call_id, "tool": tool, "arguments": arguments, "meta": meta}
        if kind == "web_search_begin":
            self.held = (trajectory, line, "tool_call", fields)  # its end names the query
        else:
            yield self.emit.event(trajectory, "tool_call", line=line, **fields)

    def _end(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        call_id = _protocol_call_id(msg, line)
        if self.held is not None and self.held[3].get("call_id") == call_id and kind == "web_search_end":
            arguments = self.held[3]["arguments"]
            if not arguments.get("query"):
                arguments["query"] = as_text(msg.get("query"))
        yield from self.release()
        if call_id not in self.calls:  # an end without its begin: the call and its result at once
            tool, arguments, meta = _protocol_call(kind, msg)
            self.calls[call_id] = tool
            yield self.emit.event(
                trajectory, "tool_call", line=line, call_id=call_id, tool=tool, arguments=arguments, meta=meta
            )
        tool = self.calls.pop(call_id)
        yield self.emit.event(
            trajectory, "tool_result", line=line, call_id=call_id, tool=tool, **_protocol_outcome(kind, msg)
        )

    def _agent_message(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        yield from self.release()
        fields: dict[str, Any] = {"role": "assistant", "text": as_text(msg.get("message"))}
        if self.counts is not None:
            _give_tokens(fields, *self.counts)
            self.counts = None
        self.held = (trajectory, line, "message", fields)

    def _reasoning(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        text = as_text(msg.get("text"))
        if text.strip():
            yield from self.release()
            meta = {"raw": True} if kind == "agent_reasoning_raw_content" else None
            yield self.emit.event(trajectory, "reasoning", line=line, text=text, meta=meta)

    def _user_message(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        text = as_text(msg.get("message"))
        if text.strip() and text.strip() != self.prompt.strip():
            yield from self.release()
            meta = {"injected": True} if text.lstrip().startswith(CONTEXT_PREFIXES) else None
            yield self.emit.event(trajectory, "message", line=line, role="user", text=text, meta=meta)

    def _failure(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        text = as_text(msg.get("message"))
        if kind == "turn_aborted":
            text = f"turn aborted: {as_text(msg.get('reason')) or 'unknown reason'}"
        yield from self.release()
        yield self.emit.event(
            trajectory, "message", line=line, role="system", text=text or kind, meta={"event": kind}
        )

    def _token_count(self, line: int, kind: str, msg: dict, trajectory: str) -> Iterator[tuple]:
        info = msg.get("info")
        usage = info.get("last_token_usage") if isinstance(info, dict) else msg  # the first versions: flat counts
        if not isinstance(usage, dict):
            return  # info null: nothing counted yet
        counts = tokens(
            output=usage.get("output_tokens"), input=usage.get("input_tokens"),
            reasoning=usage.get("reasoning_output_tokens"),
        )
        if not counts:
            return
        cached = to_int(usage.get("cached_input_tokens"))
        if self.held is not None and self.held[2] == "message":
            _give_tokens(self.held[3], counts, cached)
            yield from self.release()
        else:
            self.counts = (counts, cached)


PROTOCOL_HANDLERS = {
    "exec_command_begin": "_begin", "patch_apply_begin": "_begin", "mcp_tool_call_begin": "_begin",
    "web_search_begin": "_begin", "exec_command_end": "_end", "patch_apply_end": "_end", "mcp_tool_call_end": "_end",
    "web_search_end": "_end", "agent_message": "_agent_message", "agent_reasoning": "_reasoning",
    "agent_reasoning_raw_content": "_reasoning", "user_message": "_user_message", "error": "_failure",
    "stream_error": "_failure", "turn_aborted": "_failure", "token_count": "_token_count",
}


def _give_tokens(fields: dict, counts: dict, cached: int | None) -> None:
    fields["tokens"] = counts
    if cached is not None and cached >= 0:
        fields["meta"] = {**(fields.get("meta") or {}), "cached_input_tokens": cached}


def _protocol_call_id(msg: dict, line: int) -> str:
    raw = msg.get("call_id")
    return str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) and raw != "" else f"call_l{line}"


def _protocol_call(kind: str, msg: dict) -> tuple[str, dict | str, dict | None]:
    """(tool, arguments, meta) of a begin event (or of an end whose begin is missing)."""
    if kind.startswith("exec_command"):
        command = msg.get("command")
        arguments: dict = {}
        if command is not None:
            arguments["command"] = command if isinstance(command, list) else as_text(command)
        cwd = msg.get("cwd")
        return "shell", arguments, {"cwd": cwd} if isinstance(cwd, str) and cwd else None
    if kind.startswith("patch_apply"):
        changes = mapping(msg.get("changes"))
        listed = []
        for path, change in changes.items():
            kind_of = _change_kind(change)
            listed.append({"path": path, "kind": kind_of} if kind_of else {"path": path})
        approved = msg.get("auto_approved")
        return "apply_patch", {"changes": listed}, {"auto_approved": approved} if isinstance(approved, bool) else None
    if kind.startswith("mcp_tool_call"):
        invocation = msg.get("invocation")
        if not isinstance(invocation, dict):
            invocation = msg  # first versions: flat
        server = invocation.get("server")
        meta = {"server": server} if isinstance(server, str) and server else None
        return as_text(invocation.get("tool")) or "unknown", parse_arguments(invocation.get("arguments")), meta
    return "web_search", {"query": as_text(msg.get("query"))}, None


def _change_kind(change: Any) -> str | None:
    """add / delete / update of a FileChange: `{add: {content}}`, `"delete"`, `{update: {unified_diff, move_path}}`, or
    the later `{type: add, ...}`."""
    if isinstance(change, str):
        return change
    if isinstance(change, dict):
        if isinstance(change.get("type"), str):
            return change["type"]
        if len(change) == 1:
            return next(iter(change))
    return None


def _joined(*parts: Any) -> str:
    """stdout and stderr as one output."""
    out = ""
    for part in parts:
        if isinstance(part, str) and part:
            out += part if not out or out.endswith("\n") else "\n" + part
    return out


def _protocol_outcome(kind: str, msg: dict) -> dict[str, Any]:
    """ok, output, exit_code and error of an end event."""
    if kind == "exec_command_end":
        code = to_int(msg.get("exit_code"))
        aggregated = msg.get("aggregated_output")
        output = aggregated if isinstance(aggregated, str) and aggregated else ""
        output = output or _joined(msg.get("stdout"), msg.get("stderr"))
        ok = code == 0
        error = None if ok else f"exit code {code}" if code is not None else "the command reported no exit code"
        return {"ok": ok, "output": output, "exit_code": code, "error": error}
    if kind == "patch_apply_end":
        ok = msg.get("success") is True
        output = _joined(msg.get("stdout"), msg.get("stderr"))
        error = None if ok else first_line(as_text(msg.get("stderr"))) or first_line(output) or "patch failed"
        return {"ok": ok, "output": output, "error": error}
    if kind == "mcp_tool_call_end":
        result = msg.get("result")
        if isinstance(result, dict) and "Err" in result:
            return {"ok": False, "output": "", "error": as_text(result["Err"]) or "tool call failed"}
        if isinstance(result, dict) and "Ok" in result:
            result = result["Ok"]
        content = result if isinstance(result, dict) else {}
        output = flatten_text(content.get("content"))
        structured = content.get("structuredContent", content.get("structured_content"))
        if not output and structured is not None:
            output = as_text(structured)
        if isinstance(msg.get("success"), bool):  # the first versions: {call_id, success, result}
            ok = msg["success"]
        elif isinstance(result, dict):
            ok = content.get("isError", content.get("is_error")) is not True
        else:
            return {"ok": False, "output": "", "error": "the tool call reported no result"}
        return {"ok": ok, "output": output, "error": None if ok else first_line(output) or "the tool reported an error"}
    return {"ok": True, "output": ""}
