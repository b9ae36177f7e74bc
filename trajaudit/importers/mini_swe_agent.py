"""mini-SWE-agent trajectories (https://github.com/SWE-agent/mini-swe-agent): one JSON document per run,
`{info{exit_status, submission, model_stats, config}, messages[{role, content, extra?}], trajectory_format,
instance_id}` (file `<instance_id>.traj.json`).

The trajectory id is `instance_id` (else the file name). Events: a task (goal = the `<pr_description>` of the first
user message), then per message: assistant text → message (its model `reasoning`, when recorded, first), its one
```bash``` block → tool_call `bash`; the next user message with `<returncode>N</returncode>` → tool_result
(ok = N == 0, exit_code N); a timed-out command fails; other user messages (format errors) stay messages.

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

from trajaudit.importers._common import Emitter, has_key, load_document, starts_with, stem, tokens
from trajaudit.reader import Malformed, Source

NAME = "mini-swe-agent"
DESCRIPTION = "mini-swe-agent .traj.json: a JSON object {info, messages, trajectory_format, instance_id}"
SUBMIT = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"

BASH_BLOCK = re.compile(r"```bash\s*\n(.*?)\n```", re.S)
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


def _trajectory(emit: Emitter, source: Source, doc: dict) -> Iterator:
    info = _dict(doc.get("info"))
    instance = doc.get("instance_id")
    trajectory = str(instance) if instance else stem(source.name, (".traj.json", ".json"))
    messages: list[Any] = doc["messages"]
    first_user = next((m for m in messages if isinstance(m, dict) and m.get("role") == "user"), None)
    goal = None
    if first_user is not None and isinstance(first_user.get("content"), str):
        found = PR.search(first_user["content"])
        goal = found.group(1) if found else first_user["content"]
    meta = {k: info[k] for k in ("exit_status", "mini_version") if isinstance(info.get(k), str)}
    yield emit.event(trajectory, "task", path="$", task_id=trajectory, goal=goal, meta=meta)
    pending: dict | None = None  # the tool call waiting for its output message
    for index, message in enumerate(messages):
        path = f"$.messages[{index}]"
        if not isinstance(message, dict):
            yield emit.malformed(f"{path}: expected a message object, found {type(message).__name__}")
            continue
        role = message.get("role")
        raw = message.get("content")
        content = raw if isinstance(raw, str) else ""
        if role == "assistant":
            reasoning, counts = _reasoning_and_tokens(message)
            if reasoning:
                yield emit.event(trajectory, "reasoning", path=path, text=reasoning)
            yield emit.event(trajectory, "message", path=path, role="assistant", text=content, tokens=counts)
            blocks = BASH_BLOCK.findall(content)
            pending = None
            if len(blocks) == 1:
                command = blocks[0].strip()
                pending = {"call_id": f"call_{index}", "submit": SUBMIT in command}
                yield emit.event(
                    trajectory, "tool_call", path=path, call_id=pending["call_id"], tool="bash",
                    arguments={"command": command},
                )
            continue
        if role == "user" and pending is not None:
            call, pending = pending, None
            yield _result(emit, trajectory, path, call, content)
            continue
        speaker = role if role in ("system", "user") else "user"
        feedback = {"feedback": "format_error"} if role == "user" and index > 1 else None
        yield emit.event(trajectory, "message", path=path, role=speaker, text=content, meta=feedback)
    status = info.get("exit_status")
    if isinstance(status, str) and status.strip():
        by_agent = status.strip().lower() == "submitted"
        submitted = by_agent or bool(str(info.get("submission") or "").strip())
        how = "the agent submitted its work" if by_agent else "mini-swe-agent stopped the run"
        yield emit.event(
            trajectory, "message", path="$.info.exit_status", role="system", text=f"exit status {status}: {how}",
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


def _result(emit: Emitter, trajectory: str, path: str, call: dict, content: str) -> tuple[int | None, dict]:
    if call["submit"] and not RETURNCODE.search(content):
        return emit.event(
            trajectory, "tool_result", path=path, call_id=call["call_id"], tool="bash", ok=True, output=content,
            meta={"submission": True},
        )
    if TIMEOUT.match(content):
        return emit.event(
            trajectory, "tool_result", path=path, call_id=call["call_id"], tool="bash", ok=False, output=content,
            error="command timed out",
        )
    found = RETURNCODE.search(content)
    code = int(found.group(1)) if found else None
    output = output_of(content)
    return emit.event(
        trajectory, "tool_result", path=path, call_id=call["call_id"], tool="bash", ok=code in (0, None),
        exit_code=code, output=output, error=f"exit code {code}" if code not in (0, None) else None,
    )
