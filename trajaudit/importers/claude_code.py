"""Claude Code session logs (https://docs.anthropic.com/en/docs/claude-code), as written to
`~/.claude/projects/<dir>/<session>.jsonl`: one JSON object per line,
`{type: user|assistant|system, sessionId, uuid, parentUuid, isSidechain, isMeta?, timestamp, message{role, content:
str | [blocks], usage?}}`, between bookkeeping lines (`summary`, `queue-operation`, `file-history-snapshot`,
`progress`, and any other type an entry carries), which are skipped.

Trajectory id = `sessionId`. Blocks: `text` → message, `thinking` → reasoning, `tool_use` → tool_call (arguments =
`input`), `tool_result` → tool_result (ok = not `is_error`; "Exit code N" gives exit_code). Sidechain (sub-agent) lines
stay in the session with meta.sidechain (a sub-agent transcript of its own, `<session>/subagents/agent-<id>.jsonl`, is
the trajectory `<session id>/agent-<id>`); `isMeta` lines (hook feedback, injected context) are user messages with
meta.injected; `system` lines with text are system messages. `usage.output_tokens` → tokens.output, once per API
message (Claude Code writes one line per content block, each repeating the message's usage).

The agent's words are its `text` blocks; `thinking` is private reasoning, never the report. The final report is the
last assistant text outside sidechains (see trajaudit.claims). A session log has no exit status, so no exit record.

The headless stream (`claude -p --output-format stream-json`, as CI jobs and benchmark harnesses record it) is read
the same way: `{type: system, subtype: init, session_id, ...}`, then user and assistant lines (`session_id` for
`sessionId`), and a last line `{type: result, subtype: success | error_max_turns | error_during_execution | ...,
is_error, result, num_turns, ...}`, which becomes the exit record: ended by the agent for `success`, else by Claude
Code (the harness), so that the last words of a run cut short are not read as its report.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from trajaudit.importers._common import Emitter, first_json_value, first_line, flatten_text, mapping, tokens
from trajaudit.reader import Malformed, Source, iter_json

NAME = "claude-code"
DESCRIPTION = "Claude Code session JSONL: lines {type: user|assistant, sessionId, uuid, message{content[]}}"

EXPECTED = DESCRIPTION.split(": ", 1)[1]
READ = ("user", "assistant", "system", "result")
# Bookkeeping lines, skipped: titles, the prompt queue, file snapshots for undo, and `progress` (a running tool's
# partial output, hooks, sub-agent steps: Claude Code 2.1 writes more of these than of anything else; what they show
# comes again in the tool_result). An entry of a type added later (one of ENTRY_KEYS beside it) is skipped too.
SKIPPED = ("summary", "queue-operation", "file-history-snapshot", "progress")
LINE_TYPES = READ + SKIPPED
ENTRY_KEYS = ("sessionId", "uuid", "leafUuid", "session_id")
EXIT_CODE = re.compile(r"^\s*(?:Error: )?Exit code (-?\d+)")


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is a Claude Code entry: a known `type` with `sessionId`, `uuid` or `leafUuid`, or another
    type with both `sessionId` and `uuid` (a kind of line a later version added)."""
    first = first_json_value(head)
    return isinstance(first, dict) and _entry(first) and (
        first.get("type") in LINE_TYPES or ("sessionId" in first and "uuid" in first)
    )


def _entry(line: dict) -> bool:
    """A line shaped like a Claude Code entry: a string `type` beside `sessionId`, `uuid` or `leafUuid` (and not a
    Codex rollout line, which has `payload`)."""
    return isinstance(line.get("type"), str) and any(key in line for key in ENTRY_KEYS) and "payload" not in line


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    agent = _subagent(source.name)
    tools: dict[str, str] = {}  # tool_use id -> tool name
    counted: set[tuple[str, str]] = set()  # (session, message id) whose usage was already attached
    session = None
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield item
            continue
        line, entry = item
        if not isinstance(entry, dict) or not (entry.get("type") in LINE_TYPES or _entry(entry)):
            found = repr(entry.get("type")) if isinstance(entry, dict) else type(entry).__name__
            yield emit.malformed(f"not a Claude Code session line: expected {EXPECTED}, found type {found}", line)
            continue
        session = entry.get("sessionId") or entry.get("session_id") or session
        kind = entry["type"]
        if kind not in READ:
            continue
        trajectory = str(session or source.name) + agent
        if kind == "result":
            yield _exit_record(emit, trajectory, line, entry)
            continue
        meta: dict[str, Any] = {}
        if entry.get("isSidechain"):
            meta["sidechain"] = True
        if entry.get("isMeta"):
            meta["injected"] = True
        stamp = entry.get("timestamp")
        if kind == "system":
            text = flatten_text(entry.get("content"))
            if text:
                if entry.get("subtype"):
                    meta["subtype"] = entry["subtype"]
                yield emit.event(trajectory, "message", line=line, timestamp=stamp, role="system", text=text, meta=meta)
            continue
        message = entry.get("message")
        if kind not in ("user", "assistant") or not isinstance(message, dict):
            yield emit.malformed(f"not a Claude Code message line: expected a `message` object in {kind!r}", line)
            continue
        counts = None
        if kind == "assistant":
            key = (trajectory, str(message.get("id")))
            usage = mapping(message.get("usage"))
            if key not in counted:
                counted.add(key)
                counts = tokens(output=usage.get("output_tokens"), input=usage.get("input_tokens"))
        content = message.get("content")
        if isinstance(content, str):
            yield emit.event(trajectory, "message", line=line, timestamp=stamp, role=kind, text=content, meta=meta)
            continue
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict):
                continue
            event = _block(emit, trajectory, line, kind, block, tools, stamp, meta, counts)
            if event is not None:
                counts = None
                yield event


def _subagent(name: str) -> str:
    """`/agent-<id>` for a sub-agent's transcript, which Claude Code 2.1 writes beside its session as
    `<session>/subagents/agent-<id>.jsonl` under the session's own id: its trajectory is `<session id>/agent-<id>`,
    apart from the session that started it. "" for any other file."""
    parts = name.replace("\\", "/").rsplit("/", 2)
    if len(parts) == 3 and parts[1] == "subagents" and parts[2].startswith("agent-") and parts[2].endswith(".jsonl"):
        return "/" + parts[2][: -len(".jsonl")]
    return ""


def _exit_record(emit: Emitter, trajectory: str, line: int, entry: dict) -> tuple:
    """The `result` line of a headless run: an exit record. `success` is the agent ending its turn; any other subtype
    (error_max_turns, error_during_execution, error_max_budget_usd, ...) is Claude Code stopping the run."""
    status = entry.get("subtype") if isinstance(entry.get("subtype"), str) and entry["subtype"] else "unknown"
    by_agent = status == "success" and entry.get("is_error") is not True
    how = "the agent ended its turn" if by_agent else "Claude Code stopped the run"
    return emit.event(
        trajectory, "message", line=line, timestamp=entry.get("timestamp"), role="system",
        text=f"exit status {status}: {how}",
        meta={"exit_status": status, "ended_by": "agent" if by_agent else "harness", "submitted": False},
    )


def _block(
    emit: Emitter, trajectory: str, line: int, role: str, block: dict, tools: dict, stamp: Any, meta: dict, counts: Any
) -> tuple | None:
    kind = block.get("type")
    common: dict[str, Any] = {"line": line, "timestamp": stamp, "meta": dict(meta), "tokens": counts}
    if kind == "text":
        return emit.event(trajectory, "message", role=role, text=block.get("text") or "", **common)
    if kind in ("thinking", "redacted_thinking"):
        text = block.get("thinking") if isinstance(block.get("thinking"), str) else ""
        if kind == "redacted_thinking":
            common["meta"]["redacted"] = True
        return emit.event(trajectory, "reasoning", text=text, **common)
    if kind in ("tool_use", "server_tool_use"):
        call_id = str(block.get("id") or f"tool_use_{line}")
        tool = block.get("name") or "unknown"
        tools[call_id] = tool
        arguments = block.get("input") if isinstance(block.get("input"), (dict, str)) else {}
        return emit.event(trajectory, "tool_call", call_id=call_id, tool=tool, arguments=arguments, **common)
    if kind == "tool_result":
        call_id = str(block.get("tool_use_id") or f"tool_result_{line}")
        output = flatten_text(block.get("content"))
        failed = bool(block.get("is_error"))
        found = EXIT_CODE.match(output)
        return emit.event(
            trajectory, "tool_result", call_id=call_id, tool=tools.get(call_id), ok=not failed, output=output,
            exit_code=int(found.group(1)) if found else None, error=first_line(output) if failed else None, **common,
        )
    return None
