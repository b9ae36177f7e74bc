"""mini-SWE-agent trajectories (https://github.com/SWE-agent/mini-swe-agent): one JSON document per run,
`{info{exit_status, submission, model_stats, config}, messages[{role, content, extra?}], trajectory_format,
instance_id}` (file `<instance_id>.traj.json`).

The trajectory id is `instance_id` (else the file name). Events: a task (goal = the `<pr_description>` of the first
user message), then per message: assistant text → message (its model `reasoning`, when recorded, first), its one
```bash``` block → tool_call `bash`; the next user message with `<returncode>N</returncode>` → tool_result
(ok = N == 0, exit_code N); a timed-out command fails; other user messages (format errors) stay messages.

Version 2 (`trajectory_format: mini-swe-agent-1.1`, https://mini-swe-agent.com/latest/advanced/v2_migration/) keeps
each model reply as the model returned it, with an `extra`:
- tool-call models (the default): the reply's `tool_calls` → tool_calls (their ids), each answered by a `role: tool`
  message naming it (`tool_call_id`), in any order;
- text-based models: the commands in `extra.actions` (whatever the config's action regex; else a ```bash``` or
  ```mswea_bash_command``` block), answered by the next user message;
- Responses API models: the stored response object (`object: response`): its `message`, `reasoning` and
  `function_call` items, answered by `function_call_output` items;
- an output's `extra` gives the return code, the raw output and `exception_info` (a timeout, a command never run:
  the call fails with it as the error); messages with `extra.interrupt_type` (format errors) are feedback;
- the run ends with a `role: exit` message: the submission is the result of the completion command, and its
  `extra.exit_status` makes the exit record when `info` has none.

The agent's words are its assistant text (the model's `reasoning`, when recorded, is private and stays a reasoning
event). Its final report is the text of the message that carries `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`
without the command, or the message before it when that text only announces the submission ("THOUGHT: I'm ready to
submit."): see trajaudit.claims. The completion marker is not a claim: its result (the submission) is a tool_result
with meta.submission. The run ends with an exit record: a system message with meta {exit_status: `info.exit_status`,
ended_by: "agent" for Submitted, else "harness" (LimitsExceeded, FormatError, TimeoutError, ...), submitted}. Ground
truth lives apart (SWE-bench reports; see trajaudit.outcomes).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from trajaudit.importers._common import (
    Emitter,
    first_line,
    flatten_text,
    has_key,
    load_document,
    parse_arguments,
    starts_with,
    stem,
    to_int,
    tokens,
)
from trajaudit.reader import Malformed, Source

NAME = "mini-swe-agent"
DESCRIPTION = "mini-swe-agent .traj.json: a JSON object {info, messages, trajectory_format, instance_id}"
SUBMIT = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"

# a command block: ```bash in version 1, ```mswea_bash_command in version 2's text-based mode
CODE_BLOCK = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.S)
RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
OUTPUT = re.compile(r"<output>\n?(.*?)</output>", re.S)
TIMEOUT = re.compile(r"^\s*The last command <command>.*?</command> timed out", re.S)
PR = re.compile(r"<pr_description>\s*(?:Consider the following PR description:\s*)?(.*?)\s*</pr_description>", re.S)


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object naming mini-swe-agent (`mini_version` in info, or the trajectory format), or one that opens with
    `{"info": {"exit_status": ...` as mini-swe-agent writes it (a long submission can push everything else out of the
    head; SWE-agent's .traj opens with `environment`/`trajectory` instead)."""
    if not starts_with(head, b"{"):
        return False
    return (
        has_key(head, "mini_version")
        or re.search(rb'"trajectory_format"\s*:\s*"mini-swe-agent', head) is not None
        or re.match(rb'\s*\{\s*"info"\s*:\s*\{\s*"exit_status"\s*:', head.lstrip(b"\xef\xbb\xbf")) is not None
    )


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a mini-swe-agent trajectory", DESCRIPTION,
                        lambda d: isinstance(d, dict) and isinstance(d.get("messages"), list))
    if isinstance(doc, Malformed):
        yield doc
        return
    yield from _trajectory(emit, source, doc)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _reasoning_and_tokens(message: dict) -> tuple[str | None, dict | None]:
    response = _dict(message.get("extra")).get("response")
    if not isinstance(response, dict):
        return None, None
    usage = _dict(response.get("usage"))
    details = _dict(usage.get("completion_tokens_details"))
    counts = tokens(
        output=usage.get("completion_tokens"),
        input=usage.get("prompt_tokens"),
        reasoning=details.get("reasoning_tokens"),
    )
    choices = response.get("choices")
    reasoning = None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        inner = choices[0].get("message")
        if isinstance(inner, dict) and isinstance(inner.get("reasoning"), str) and inner["reasoning"].strip():
            reasoning = inner["reasoning"]
    return reasoning, counts


_Call = tuple[str, str, dict | str]  # (call id, tool, arguments)
_Reply = tuple[str, str | None, dict | None, list[_Call]]  # a model reply: text, reasoning, tokens, calls


def _reply(message: dict, index: int) -> _Reply:
    """A chat reply (`choices[0].message` with `extra`), or in version 2 with a Responses API model, the response
    object itself. Calls are the reply's tool calls; without any, the commands of a text-based reply."""
    if message.get("object") == "response":
        return _response(message, index)
    reasoning, counts = _reasoning_and_tokens(message)
    thought = message.get("reasoning_content")  # where litellm puts a reasoning model's thinking
    if reasoning is None and isinstance(thought, str) and thought.strip():
        reasoning = thought
    content = message.get("content")
    text = content if isinstance(content, str) else flatten_text(content)
    tool_calls = message.get("tool_calls")
    if not tool_calls:  # every version 1 reply, and version 2's text-based ones
        return text, reasoning, counts, _text_calls(message, text, index)
    calls: list[_Call] = []
    for k, call in enumerate(_list(tool_calls)):
        function = _dict(_dict(call).get("function"))
        call_id = str(_dict(call).get("id") or f"call_{index}_{k}")
        calls.append((call_id, str(function.get("name") or "bash"), parse_arguments(function.get("arguments"))))
    return text, reasoning, counts, calls or _text_calls(message, text, index)


def _response(message: dict, index: int) -> _Reply:
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[_Call] = []
    for k, item in enumerate(_list(message.get("output"))):
        kind = _dict(item).get("type")
        if kind == "message":
            texts.append(flatten_text(item.get("content")))
        elif kind == "reasoning":
            thoughts.append(flatten_text(item.get("summary")) or flatten_text(item.get("content")))
        elif kind == "function_call":
            call_id = str(item.get("call_id") or item.get("id") or f"call_{index}_{k}")
            calls.append((call_id, str(item.get("name") or "bash"), parse_arguments(item.get("arguments"))))
    usage = _dict(message.get("usage"))
    counts = tokens(output=usage.get("output_tokens"), input=usage.get("input_tokens"),
                    reasoning=_dict(usage.get("output_tokens_details")).get("reasoning_tokens"))
    text = "\n\n".join(t for t in texts if t)
    reasoning = "\n\n".join(t for t in thoughts if t.strip()) or None
    return text, reasoning, counts, calls or _text_calls(message, text, index)


def _text_calls(message: dict, text: str, index: int) -> list[_Call]:
    """The bash calls of a text-based reply: the actions version 2 parsed (`extra.actions`, whatever its action
    regex), else the one code block of the text (a reply with several was not executed)."""
    extra = message.get("extra")
    actions = extra.get("actions") if isinstance(extra, dict) else None
    if isinstance(actions, list) and actions:
        commands = [a["command"].strip() for a in actions if isinstance(a, dict) and isinstance(a.get("command"), str)]
    else:
        blocks = CODE_BLOCK.findall(text)
        commands = [blocks[0].strip()] if len(blocks) == 1 else []
    if len(commands) == 1:
        return [(f"call_{index}", "bash", {"command": commands[0]})]
    return [(f"call_{index}_{k}", "bash", {"command": command}) for k, command in enumerate(commands)]


def _trajectory(emit: Emitter, source: Source, doc: dict) -> Iterator:
    info = _dict(doc.get("info"))
    instance = doc.get("instance_id")
    trajectory = str(instance) if instance else stem(source.name, (".traj.json", ".json"))
    messages: list[Any] = doc["messages"]
    first_user = next((m for m in messages if isinstance(m, dict) and m.get("role") == "user"), None)
    goal = None
    if first_user is not None and (task := flatten_text(first_user.get("content"))):
        found = PR.search(task)
        goal = found.group(1) if found else task
    meta = {k: info[k] for k in ("exit_status", "mini_version") if isinstance(info.get(k), str)}
    yield emit.event(trajectory, "task", path="$", task_id=trajectory, goal=goal, meta=meta)
    pending: dict[str, dict] = {}  # the calls waiting for their output messages, by id, in the order made
    ended, ended_at = info, "$.info.exit_status"  # where the run's exit status is read: info, else the exit message
    for index, message in enumerate(messages):
        path = f"$.messages[{index}]"
        if not isinstance(message, dict):
            yield emit.malformed(f"{path}: expected a message object, found {type(message).__name__}")
            continue
        role = message.get("role")
        if role == "assistant" or message.get("object") == "response":
            text, reasoning, counts, calls = _reply(message, index)
            if reasoning:
                yield emit.event(trajectory, "reasoning", path=path, text=reasoning)
            if text or not calls:  # a tool-call reply often says nothing: its tokens go with its first call
                yield emit.event(trajectory, "message", path=path, role="assistant", text=text, tokens=counts)
                counts = None
            pending = {}
            for call_id, tool, arguments in calls:
                command = arguments.get("command") if isinstance(arguments, dict) else arguments
                pending[call_id] = {"call_id": call_id, "tool": tool, "submit": SUBMIT in str(command or "")}
                yield emit.event(trajectory, "tool_call", path=path, call_id=call_id, tool=tool, arguments=arguments,
                                 tokens=counts)
                counts = None
            continue
        extra = _dict(message.get("extra"))
        output_item = message.get("type") == "function_call_output"
        if role == "tool" or output_item:  # version 2's tool-call models: the output of the call it names
            named = message.get("call_id" if output_item else "tool_call_id")
            answers = str(named) if named not in (None, "") else None
            if answers is None and pending:  # no id: the oldest call still waiting
                answers = next(iter(pending))
            call = pending.pop(answers, None) if answers else None
            call = call or {"call_id": answers or f"result_{index}", "tool": "bash", "submit": False}
            content = flatten_text(message.get("content") if role == "tool" else message.get("output"))
            yield _result(emit, trajectory, path, call, content, extra)
            continue
        raw = message.get("content")
        content = raw if isinstance(raw, str) else flatten_text(raw)
        if role == "exit":  # version 2 ends a run with this message: the submission, or why the run stopped
            for call in [call for call in pending.values() if call["submit"]]:
                yield _result(emit, trajectory, path, call, content)
            pending = {}
            if not str(info.get("exit_status") or "").strip():  # "" in info while a run is being saved
                ended, ended_at = extra, f"{path}.extra.exit_status"
            continue
        if role == "user" and pending and "interrupt_type" not in extra:
            yield _result(emit, trajectory, path, pending.pop(next(iter(pending))), content, extra)
            continue
        speaker = role if role in ("system", "user") else "user"
        feedback = {"feedback": "format_error"} if role == "user" and index > 1 else None
        yield emit.event(trajectory, "message", path=path, role=speaker, text=content, meta=feedback)
    status = ended.get("exit_status")
    if isinstance(status, str) and status.strip():
        by_agent = status.strip().lower() == "submitted"
        submitted = by_agent or bool(str(ended.get("submission") or "").strip())
        how = "the agent submitted its work" if by_agent else "mini-swe-agent stopped the run"
        yield emit.event(
            trajectory, "message", path=ended_at, role="system", text=f"exit status {status}: {how}",
            meta={"exit_status": status, "ended_by": "agent" if by_agent else "harness", "submitted": submitted},
        )


def output_of(content: str) -> str:
    """`OUTPUT.search(content).group(1)`, else the content: by str.find, as the lazy `.*?` steps through the whole
    output character by character (a tenth of the importer's time)."""
    start = content.find("<output>")
    if start < 0:
        return content
    start += len("<output>")
    end = content.find("</output>", start)
    if end < 0:  # no later <output> can have a closing tag either
        return content
    return content[start + 1 if content.startswith("\n", start) else start : end]


def _result(
    emit: Emitter, trajectory: str, path: str, call: dict, content: str, extra: dict | None = None
) -> tuple[int | None, dict]:
    """The output of `call` in an output message. Version 2 records the return code, the raw output and any failure
    to run the command (`exception_info`: a timeout, a command never run) in the message's `extra`; version 1 only
    in the text."""
    extra = extra or {}
    tool, call_id = call.get("tool", "bash"), call["call_id"]
    recorded = "returncode" in extra
    if call["submit"] and not recorded and not RETURNCODE.search(content):
        return emit.event(
            trajectory, "tool_result", path=path, call_id=call_id, tool=tool, ok=True, output=content,
            meta={"submission": True},
        )
    output = extra["raw_output"] if isinstance(extra.get("raw_output"), str) else output_of(content)
    problem = extra.get("exception_info")
    if TIMEOUT.match(content) or (isinstance(problem, str) and problem.strip()):
        return emit.event(
            trajectory, "tool_result", path=path, call_id=call_id, tool=tool, ok=False,
            output=output if recorded else content,
            error=first_line(problem) if isinstance(problem, str) and problem.strip() else "command timed out",
        )
    if recorded:
        code = to_int(extra["returncode"])
    else:
        found = RETURNCODE.search(content)
        code = int(found.group(1)) if found else None
    return emit.event(
        trajectory, "tool_result", path=path, call_id=call_id, tool=tool, ok=code in (0, None),
        exit_code=code, output=output, error=f"exit code {code}" if code not in (0, None) else None,
    )
