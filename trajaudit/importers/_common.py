"""Shared helpers for importers: event building (steps, origin), text flattening, sniffing and chat messages."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from trajaudit.reader import HEAD_BYTES, NOT_JSON, Ended, Malformed, Source, parse_line, read_document

Item = tuple[int | None, dict] | Malformed | Ended

SUCCESS_EPS = 1e-6


_DROPPED_WHEN_EMPTY = ("meta", "tokens")


class Emitter:
    """Builds native events for one source: a step counter per trajectory and the `origin` pointer on every event."""

    __slots__ = ("file", "format", "steps")

    def __init__(self, source: Source, fmt: str) -> None:
        self.file = source.name
        self.format = fmt
        self.steps: dict[str, int] = {}

    def event(
        self,
        trajectory: str,
        kind: str,
        *,
        line: int | None = None,
        path: str | None = None,
        **fields: Any,
    ) -> tuple[int | None, dict]:
        """One event: next step of `trajectory`; fields that are None (and empty meta/tokens) are left out."""
        steps = self.steps
        step = steps.get(trajectory, 0)
        steps[trajectory] = step + 1
        event: dict[str, Any] = {"trajectory": trajectory, "step": step, "kind": kind}
        for key, value in fields.items():
            if value is not None and (key not in _DROPPED_WHEN_EMPTY or value):
                event[key] = value
        # origin() inlined: this runs once per event of every imported log
        origin: dict[str, Any] = {"file": self.file, "format": self.format}
        if line is not None:
            origin["line"] = line
        if path is not None:
            origin["path"] = path
        event["origin"] = origin
        return line, event

    def origin(self, line: int | None = None, path: str | None = None) -> dict[str, Any]:
        """The `origin` of an event read at `line` (of a line-based source) or `path` (inside a document)."""
        if path is None:
            if line is None:
                return {"file": self.file, "format": self.format}
            return {"file": self.file, "format": self.format, "line": line}
        origin: dict[str, Any] = {"file": self.file, "format": self.format}
        if line is not None:
            origin["line"] = line
        origin["path"] = path
        return origin

    def end(self, trajectory: str, line: int | None = None) -> Iterator[Ended]:
        """The run `trajectory` is complete: nothing more of it follows in this source (see `Ended`). Nothing if
        it has no events (a record whose messages were all unreadable). The same id met again starts another run,
        from step 0."""
        if self.steps.pop(trajectory, None) is not None:
            yield Ended(trajectory, line)

    def malformed(self, message: str, line: int | None = None) -> Malformed:
        return Malformed(self.file, line, message)


def load_document(source: Source, emit: Emitter, what: str, description: str, fits: Callable[[Any], bool]) -> Any:
    """A whole-document source parsed, or a Malformed: unreadable, not JSON, or not `what` (judged by `fits`),
    naming what was expected (the part of the importer's DESCRIPTION after its colon) and what was found."""
    doc = read_document(source)
    if isinstance(doc, Malformed) or fits(doc):
        return doc
    found = f"an object with keys {sorted(doc)[:6]}" if isinstance(doc, dict) else type(doc).__name__
    return emit.malformed(f"not {what}: expected {description.split(': ', 1)[1]}, found {found}")


# --- values -------------------------------------------------------------------------------------------------------

_TEXT_BLOCK_KEYS = ("text", "content", "thinking", "reasoning", "output")


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: an optional sub-object of a log, then read with .get."""
    return value if isinstance(value, dict) else {}


def array(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def flatten_text(content: Any) -> str:
    """Text of a message content: a string, a list of content blocks ({type: text|input_text|output_text, text}), or
    anything else serialised as JSON. Non-text blocks (images, tool blocks) contribute nothing."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict):
                kind = block.get("type")
                if kind in (None, "text", "input_text", "output_text", "summary_text", "reasoning_text", "refusal"):
                    for key in _TEXT_BLOCK_KEYS:
                        value = block.get(key)
                        if isinstance(value, str):
                            parts.append(value)
                            break
                        if isinstance(value, list):
                            parts.append(flatten_text(value))
                            break
        return "\n".join(p for p in parts if p)
    if isinstance(content, dict):
        return flatten_text([content])
    return as_text(content)


def as_text(value: Any) -> str:
    """A tool output or similar as a string: strings as is, anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return str(value)


def parse_arguments(raw: Any) -> dict | str:
    """Tool-call arguments as an object when they are one; otherwise the raw string (the schema allows it, TA203 flags
    it). Python-literal dicts (`{'a': 1}`, written by some agents) are accepted too."""
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    if not isinstance(raw, str):
        return as_text(raw)
    text = raw.strip()
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = None
        if text.startswith("{") and len(text) < 100_000:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                value = None
    return value if isinstance(value, dict) else raw


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def tokens(output: Any = None, input: Any = None, reasoning: Any = None) -> dict[str, int] | None:
    """A `tokens` object from whatever counts are present and non-negative integers."""
    out = {}
    for key, value in (("input", input), ("output", output), ("reasoning", reasoning)):
        number = to_int(value)
        if number is not None and number >= 0:
            out[key] = number
    return out or None


def reward_outcome(reward: Any) -> tuple[bool, float] | None:
    """(success, reward) from a numeric reward: success when reward reaches 1 (within float noise)."""
    value = to_float(reward)
    if value is None:
        return None
    return value >= 1.0 - SUCCESS_EPS, value


def normalize_tools(raw: Any) -> list[dict] | None:
    """Declared tools as [{name, description?, parameters?}] from OpenAI tool specs ({type: function, function: {...}}),
    plain {name, description, parameters} objects, or a mapping name -> spec."""
    if isinstance(raw, dict):
        raw = [{"name": name, **spec} if isinstance(spec, dict) else {"name": name} for name, spec in raw.items()]
    if not isinstance(raw, list):
        return None
    tools = []
    for spec in raw:
        if not isinstance(spec, dict):
            continue
        inner = spec.get("function")
        if not isinstance(inner, dict):
            inner = spec
        name = inner.get("name")
        if not isinstance(name, str) or not name:
            continue
        tool: dict[str, Any] = {"name": name}
        if isinstance(inner.get("description"), str):
            tool["description"] = inner["description"]
        params = inner.get("parameters", inner.get("input_schema", inner.get("inputSchema")))
        if isinstance(params, dict):
            tool["parameters"] = params
        tools.append(tool)
    return tools or None


def logprob_fields(logprobs: Any) -> dict[str, Any]:
    """`logprobs` / `top_logprobs` from an OpenAI choice's `logprobs.content[]` ({token, logprob, top_logprobs[]})."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content:
        return {}
    chosen: list[float] = []
    top: list[list[float]] = []
    for entry in content:
        if not isinstance(entry, dict):
            continue
        value = to_float(entry.get("logprob"))
        if value is not None:
            chosen.append(min(value, 0.0))
        alternatives = entry.get("top_logprobs")
        if isinstance(alternatives, list) and alternatives:
            values = [to_float(a.get("logprob")) for a in alternatives if isinstance(a, dict)]
            top.append([min(v, 0.0) for v in values if v is not None])
    out: dict[str, Any] = {}
    if chosen:
        out["logprobs"] = chosen
    if top and all(top):
        out["top_logprobs"] = top
    return out


def stem(name: str, suffixes: Iterable[str]) -> str:
    """A file's name without directories and without the first matching suffix (for ids derived from file names)."""
    base = Path(name).name
    for suffix in suffixes:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


# --- sniffing -----------------------------------------------------------------------------------------------------


def first_json_value(head: bytes, max_lines: int = 5) -> Any:
    """The first line of `head` that parses as JSON (skipping blank and unparseable lines), or None. A line cut off
    by the end of the head is not parsed (unless the head is the whole file). Lines are found one at a time: several
    sniffers ask this of every file's head, and a pretty-printed document's 64 KB head holds thousands of lines."""
    cut_off = len(head) >= HEAD_BYTES
    seen = start = 0
    while seen < max_lines:
        end = head.find(b"\n", start)
        if end < 0 and cut_off:
            return None
        raw = head[start:] if end < 0 else head[start:end]
        if raw.strip():
            seen += 1
            value = parse_line(raw)
            if value is not NOT_JSON:
                return value
        if end < 0:
            return None
        start = end + 1
    return None


_AFTER_KEY = re.compile(rb"\s*:")


def has_key(head: bytes, key: str) -> bool:
    """Whether `"key":` (spaces allowed before the colon) occurs in the head: a cheap test for whole-document formats
    too large to parse here. A literal search for the quoted key, then the colon checked where it is found: a
    regular expression would scan the head at regex speed, once per key and sniffer, for every file of a folder."""
    quoted = b'"' + key.encode() + b'"'
    at = head.find(quoted)
    while at >= 0:
        if _AFTER_KEY.match(head, at + len(quoted)):
            return True
        at = head.find(quoted, at + 1)
    return False


def starts_with(head: bytes, char: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == char


# --- OpenAI-style chat messages -----------------------------------------------------------------------------------

ERROR_PREFIX = re.compile(r"^\s*(?:#\s*)?(?:var_\d+\s*=\s*)?[\"']?Error:")


def error_text(text: str) -> bool:
    """Whether a tool output reads as an error: starts with `Error:` (tau-bench's convention; a `var_N = "Error:..."`
    assignment as some planning agents echo it counts too)."""
    return ERROR_PREFIX.match(text) is not None


def chat_events(
    emit: Emitter,
    trajectory: str,
    messages: list,
    *,
    line: int | None = None,
    path: str | None = None,
    is_error: Callable[[dict, str], bool] | None = None,
) -> Iterator[Item]:
    """Events for a list of OpenAI chat messages; `path` is the JSON path of the list (items get `[i]`)."""
    chat = Chat(emit, trajectory, is_error)
    for index, message in enumerate(messages):
        yield from chat.message(message, index, line=line, path=f"{path}[{index}]" if path is not None else None)


class Chat:
    """Converts OpenAI chat messages of one trajectory, one at a time (system/developer/user/assistant with
    `tool_calls`, tool/function results). Results without `tool_call_id` pair with the oldest call still waiting;
    calls without id get one. `is_error(message, text)` decides `ok` of a tool result (default: an `is_error`/`error`
    flag or `Error:` text)."""

    def __init__(self, emit: Emitter, trajectory: str, is_error: Callable[[dict, str], bool] | None = None) -> None:
        self.emit = emit
        self.trajectory = trajectory
        self.check = is_error or default_is_error
        self.pending: list[tuple[str, str]] = []  # (call_id, tool) waiting for a result, oldest first
        self.names: dict[str, str] = {}

    def message(self, message: Any, index: int, *, line: int | None = None, path: str | None = None) -> list[Item]:
        """The items of one message, in order. Each event is built here in its final shape (the fields and order
        `Emitter.event` gives), not through `Emitter.event`: this runs once per message of every chat log."""
        emit, trajectory = self.emit, self.trajectory
        if not isinstance(message, dict):
            found = type(message).__name__
            return [emit.malformed(f"{path or 'message'}: expected a message object, found {found}", line)]
        steps = emit.steps
        role = message.get("role")
        if role is None and "type" in message:  # an OpenAI Responses API item, as the OpenAI Agents SDK lists them
            if message["type"] == "reasoning":  # its summary (an encrypted one has none: nothing to read)
                thought = flatten_text(message.get("summary")) or flatten_text(message.get("content"))
                return [self._reasoning(thought, line, path)] if thought.strip() else []
            message = responses_item(message)
            role = message.get("role")
        text = flatten_text(message.get("content"))
        if role in ("tool", "function", "ipython"):
            call_id = message.get("tool_call_id")
            if not call_id and isinstance(message.get("tool_call_ids"), list) and message["tool_call_ids"]:
                call_id = message["tool_call_ids"][0]
            tool = message.get("name")
            if call_id:
                if self.pending:
                    self.pending = [p for p in self.pending if p[0] != call_id]
            elif self.pending:
                call_id, waiting_tool = self.pending.pop(0)
                tool = tool or waiting_tool
            else:
                call_id = f"result_{index}"
            tool = tool or self.names.get(str(call_id))
            failed = self.check(message, text)
            step = steps.get(trajectory, 0)
            steps[trajectory] = step + 1
            event = {"trajectory": trajectory, "step": step, "kind": "tool_result", "call_id": str(call_id)}
            if tool:
                event["tool"] = tool
            event["ok"] = not failed
            event["output"] = text
            if failed:
                event["error"] = first_line(text)
            event["origin"] = emit.origin(line, path)
            return [(line, event)]
        if role == "assistant":
            items: list[Item] = []
            reasoning = message.get("reasoning_content") or message.get("reasoning")
            if isinstance(reasoning, str) and reasoning.strip():
                items.append(self._reasoning(reasoning, line, path))
            calls = message.get("tool_calls") or []
            if not calls and isinstance(message.get("function_call"), dict):
                calls = [{"function": message["function_call"]}]
            if not isinstance(calls, list):
                calls = []
            logprobs = message.get("logprobs")
            extra = logprob_fields(logprobs) if logprobs is not None else None
            if text or not calls:
                step = steps.get(trajectory, 0)
                steps[trajectory] = step + 1
                event = {"trajectory": trajectory, "step": step, "kind": "message", "role": "assistant", "text": text}
                if extra:
                    event.update(extra)
                    extra = None
                event["origin"] = emit.origin(line, path)
                items.append((line, event))
            for k, call in enumerate(calls):
                if not isinstance(call, dict):
                    continue
                function = call.get("function")
                if not isinstance(function, dict):
                    function = call
                tool = function.get("name") or "unknown"
                call_id = str(call.get("id") or f"call_{index}_{k}")
                self.names[call_id] = tool
                self.pending.append((call_id, tool))
                step = steps.get(trajectory, 0)
                steps[trajectory] = step + 1
                event = {
                    "trajectory": trajectory, "step": step, "kind": "tool_call", "call_id": call_id, "tool": tool,
                    "arguments": parse_arguments(function.get("arguments")),
                }
                if extra:
                    event.update(extra)
                    extra = None
                event["origin"] = emit.origin(line, f"{path}.tool_calls[{k}]" if path else None)
                items.append((line, event))
            return items
        meta = None
        if role not in ("system", "developer", "user"):
            meta = {"source_role": role}
            role = "user"
        step = steps.get(trajectory, 0)
        steps[trajectory] = step + 1
        event = {"trajectory": trajectory, "step": step, "kind": "message", "role": role, "text": text}
        if meta is not None:
            event["meta"] = meta
        event["origin"] = emit.origin(line, path)
        return [(line, event)]


    def _reasoning(self, text: str, line: int | None, path: str | None) -> Item:
        steps, trajectory = self.emit.steps, self.trajectory
        step = steps.get(trajectory, 0)
        steps[trajectory] = step + 1
        return (line, {"trajectory": trajectory, "step": step, "kind": "reasoning", "text": text,
                       "origin": self.emit.origin(line, path)})


def responses_item(item: dict) -> dict:
    """An OpenAI Responses API item of type function_call, function_call_output or custom_tool_call(_output) as the
    chat message it stands for; an item of another type as itself (read as a message of its `source_role`)."""
    kind = item.get("type")
    if kind in ("function_call", "custom_tool_call"):
        call = {"id": item.get("call_id") or item.get("id"),
                "function": {"name": item.get("name"), "arguments": item.get("arguments", item.get("input"))}}
        return {"role": "assistant", "tool_calls": [call]}
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        return {"role": "tool", "tool_call_id": item.get("call_id"), "content": output if output is not None else ""}
    return item


def default_is_error(message: dict, text: str) -> bool:
    flag = message.get("is_error", message.get("error"))
    if isinstance(flag, bool):
        return flag
    if flag:
        return True
    return error_text(text)


def first_line(text: str, limit: int = 500) -> str:
    """The first non-blank line of a text, cut to `limit` characters (an error summary)."""
    line = text.strip().split("\n", 1)[0]
    return line[:limit]
