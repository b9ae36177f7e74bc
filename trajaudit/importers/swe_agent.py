"""SWE-agent trajectories (https://github.com/SWE-agent/SWE-agent): one JSON document per run (`<instance>.traj`),
`{environment, trajectory[{action, observation, thought, response, state?, execution_time?}], history[...],
info{exit_status, submission, model_stats}}`.

The trajectory id is the file name without `.traj`. Events: a task (goal = the issue text of the first user message
in `history`), then per trajectory step: `thought` → assistant message (it is the text the model wrote beside its
command, the agent's own words, not hidden reasoning), `action` → tool_call (tool = the SWE-agent command, e.g.
`edit`, `open`, `submit`, or `bash` for shell commands; arguments {"command": action}), `observation` → tool_result,
failing on a Python traceback, a non-zero exit/return code, `command not found` or a rejected edit.

The final report is the last `thought` (the one of the `submit` step, or the last before a forced exit). Submitting
is not a claim, and neither is a forced exit: a step whose action is a harness exit (`exit_cost`, `exit_context`,
`exit_format`, `exit_error`, `early_exit`, …; its thought "Exit due to cost limit" and observation "Exited
(autosubmitted)" are SWE-agent's, not the model's) is no tool call. The run ends with an exit record: a system
message with meta {exit_status: `info.exit_status`, ended_by: "agent" for `submitted` and `exit_forfeit`, else
"harness" (also for "submitted (exit_cost)", an auto-submission), submitted: whether work was handed in}. A file
without an exit status gets one from its last call: `submit` was the agent ending the run, any other call means the
run stopped mid-work (ended_by "harness", no exit_status). Files holding only `history` (OpenAI
function-calling messages with `tool_calls`, or assistant messages with an `action` followed by observations) are
converted message by message, the same way.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from trajaudit.importers._common import (
    Chat,
    Emitter,
    first_line,
    flatten_text,
    has_key,
    load_document,
    starts_with,
    stem,
)
from trajaudit.reader import Malformed, Source

NAME = "swe-agent"
DESCRIPTION = "SWE-agent .traj: a JSON object {trajectory[{action, observation, thought}], history, info}"

# SWE-agent's own interface commands (tools bundles); anything else an agent types is a shell command.
COMMANDS = frozenset(
    "open goto scroll_up scroll_down create edit insert append search_dir search_file find_file submit filemap "
    "str_replace_editor view_image exit_forfeit exit_cost exit_context exit_error exit_format skip "
    "disassemble decompile debug_start debug_add_breakpoint debug_continue debug_step debug_exec debug_stop "
    "connect_start connect_sendline connect_exec connect_stop check_flag".split()
)
TRACEBACK = "Traceback (most recent call last)"
EXIT_CODE = re.compile(r"(?:exit(?:ed with)? code|return ?code|exit status)[:= ]+(-?\d+)", re.I)
# Every EXIT_CODE match holds one of these words followed by one of its separators, this many characters after its
# start: "exit code" 5, "returncode" 6, "return code" 7, "exited with code" 12, "exit status" 5.
EXIT_ANCHORS = {b"code": (5, 6, 7, 12), b"status": (5,)}
ERROR_LINE = re.compile(r"^\w[\w.]*(Error|Exception)\b")
FAILURE_MARKERS = ("command not found", "Your proposed edit has introduced new syntax error")
ISSUE = re.compile(r"ISSUE:\s*\n(.*?)(?:\n\s*INSTRUCTIONS:|\Z)", re.S)
# Actions SWE-agent itself writes into the trajectory when it stops a run (a limit, an error, a format failure):
# exit_cost, exit_context, exit_format, exit_error, exit_api, early_exit, ... (exit_forfeit is the agent giving up).
HARNESS_EXIT = re.compile(r"^\s*(?:exit_(?!forfeit\b)\w+|early_exit)\s*$")
# Exit statuses of runs the agent ended itself; "submitted (exit_cost)" is SWE-agent submitting for it.
AGENT_EXITS = ("submitted", "exit_forfeit")


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object with a `trajectory` list of action/observation steps, or a `history` of agent messages."""
    if not starts_with(head, b"{") or has_key(head, "mini_version"):
        return False
    if re.search(rb'"trajectory"\s*:\s*\[', head) and (has_key(head, "observation") or has_key(head, "action")):
        return True
    return re.search(rb'"history"\s*:\s*\[', head) is not None and (
        has_key(head, "message_type") or has_key(head, "agent")
    )


def tool_of(action: str) -> str:
    """The tool an action invokes: its SWE-agent command name, or bash for anything else."""
    words = action.split(None, 1)
    return words[0] if words and words[0] in COMMANDS else "bash"


def observation_failure(text: str) -> tuple[bool, int | None, str | None]:
    """(failed, exit_code, error) read from an observation."""
    found = exit_code_match(text)
    code = int(found.group(1)) if found else None
    if code not in (None, 0):
        return True, code, f"exit code {code}"
    if TRACEBACK in text:
        last = next((ln for ln in reversed(text.splitlines()) if ERROR_LINE.match(ln.strip())), None)
        return True, code, (last or "Python traceback").strip()[:500]
    for marker in FAILURE_MARKERS:
        if marker in text:
            return True, code, first_line(text[text.index(marker) :])
    return False, code, None


def exit_code_match(text: str) -> re.Match[str] | None:
    """`EXIT_CODE.search(text)`, tried only where an anchor word followed by a separator places a match's start: the
    pattern has no literal prefix, so `re` would try it at every character of a long observation (the importer's
    main cost per MB)."""
    if "\u017f" in text:  # ſ, the one non-ASCII character re.I equates with a letter of an anchor (tested)
        return EXIT_CODE.search(text)
    lower = text.encode("ascii", "replace").lower()  # one byte per character: positions are the text's
    size = len(lower)
    starts: list[int] = []
    for word, offsets in EXIT_ANCHORS.items():
        at = lower.find(word)
        while at >= 0:
            after = at + len(word)
            if after < size and lower[after] in b":= ":
                starts.extend(at - offset for offset in offsets if at >= offset)
            at = lower.find(word, after)
    for start in sorted(starts):  # the leftmost start that matches is the match search() finds
        found = EXIT_CODE.match(text, start)
        if found:
            return found
    return None


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    doc = load_document(source, emit, "a SWE-agent trajectory", DESCRIPTION,
                        lambda d: isinstance(d, dict) and (isinstance(d.get("trajectory"), list)
                                                           or isinstance(d.get("history"), list)))
    if isinstance(doc, Malformed):
        yield doc
        return
    steps = doc.get("trajectory")
    history = doc.get("history")
    trajectory = stem(source.name, (".traj.json", ".traj", ".json"))
    history = history if isinstance(history, list) else []
    yield emit.event(trajectory, "task", path="$", task_id=trajectory, goal=_goal(history))
    harness_exit: list = []  # (path, action, thought, observation) of a harness exit step, when there is one
    last_tool = None
    for item in _steps(emit, trajectory, steps, harness_exit) if isinstance(steps, list) and steps else _history(
        emit, trajectory, history, harness_exit
    ):
        if not isinstance(item, Malformed) and item[1].get("kind") == "tool_call":
            last_tool = item[1].get("tool")
        yield item
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    status = str(info.get("exit_status") or "").strip()
    submission = info.get("submission")
    submitted = isinstance(submission, str) and bool(submission.strip())
    record = _exit_record(status, submitted, harness_exit) or _unrecorded_exit(last_tool)
    if record is not None:
        text, meta = record
        path = harness_exit[0] if harness_exit else "$.info.exit_status"
        yield emit.event(trajectory, "message", path=path, role="system", text=text, meta=meta)


def _exit_record(status: str, submitted: bool, harness_exit: list) -> tuple[str, dict] | None:
    """(text, meta) of the exit record that ends the run, or None when the file does not say how the run ended."""
    if not status and harness_exit:
        status = str(harness_exit[1]).strip()
    if not status:
        return None
    folded = status.lower()
    by_agent = folded in AGENT_EXITS
    submitted = submitted or folded.startswith("submitted")
    if by_agent:
        how = "the agent submitted its work" if folded == "submitted" else "the agent gave up"
    else:
        how = "SWE-agent stopped the run" + (" and submitted the work in progress" if submitted else "")
    notes = [str(part).strip() for part in harness_exit[2:] if isinstance(part, str) and part.strip()]
    text = f"exit status {status}: {how}" + (f" ({'; '.join(notes)})" if notes else "")
    return text, {"exit_status": status, "ended_by": "agent" if by_agent else "harness", "submitted": submitted}


def _unrecorded_exit(last_tool: str | None) -> tuple[str, dict] | None:
    """The exit record of a run whose file names no exit status: the agent ended it if its last call submitted;
    otherwise it stopped mid-work (a crash, a limit, a log cut short), and its last thought is no final report."""
    if last_tool is None:
        return None
    if last_tool == "submit":
        return "no exit status recorded: the agent submitted its work", {"ended_by": "agent", "submitted": True}
    text = f"no exit status recorded: the run stopped after a {last_tool} call, without submitting"
    return text, {"ended_by": "harness", "submitted": False}


def _goal(history: list) -> str | None:
    for message in history:
        if isinstance(message, dict) and message.get("role") == "user" and not message.get("is_demo"):
            text = flatten_text(message.get("content"))
            found = ISSUE.search(text)
            return found.group(1).strip() if found else text
    return None


def _steps(emit: Emitter, trajectory: str, steps: list, harness_exit: list) -> Iterator:
    for index, step in enumerate(steps):
        path = f"$.trajectory[{index}]"
        if not isinstance(step, dict):
            yield emit.malformed(f"{path}: expected a step object, found {type(step).__name__}")
            continue
        raw_action = step.get("action")
        action = raw_action if isinstance(raw_action, str) else ""
        if HARNESS_EXIT.match(action):
            harness_exit[:] = [path, action, step.get("thought"), flatten_text(step.get("observation"))]
            continue
        thought = step.get("thought")
        if isinstance(thought, str) and thought.strip():
            yield emit.event(trajectory, "message", path=path, role="assistant", text=thought)
        call_id = f"step_{index}"
        tool = tool_of(action)
        yield emit.event(
            trajectory, "tool_call", path=path, call_id=call_id, tool=tool, arguments={"command": action.strip()}
        )
        yield _result(emit, trajectory, path, call_id, tool, step.get("observation"))


def _result(emit: Emitter, trajectory: str, path: str, call_id: str, tool: str | None, raw: Any) -> tuple:
    observation = flatten_text(raw)
    failed, code, error = observation_failure(observation)
    return emit.event(
        trajectory, "tool_result", path=path, call_id=call_id, tool=tool, ok=not failed, output=observation,
        exit_code=code, error=error,
    )


def _history(emit: Emitter, trajectory: str, history: list, harness_exit: list) -> Iterator:
    chat = Chat(emit, trajectory, is_error=lambda message, text: observation_failure(text)[0])
    waiting: tuple[str, str] | None = None  # an action (no tool_calls) whose observation comes as the next message
    for index, message in enumerate(history):
        path = f"$.history[{index}]"
        if not isinstance(message, dict):
            yield emit.malformed(f"{path}: expected a message object, found {type(message).__name__}")
            continue
        role = message.get("role")
        if role == "assistant" and isinstance(message.get("action"), str) and HARNESS_EXIT.match(message["action"]):
            harness_exit[:] = [path, message["action"], message.get("thought") or flatten_text(message.get("content"))]
            continue
        if role == "assistant" and not message.get("tool_calls") and isinstance(message.get("action"), str):
            thought = message.get("thought")
            if isinstance(thought, str) and thought.strip():
                yield emit.event(trajectory, "message", path=path, role="assistant", text=thought)
            waiting = (f"step_{index}", tool_of(message["action"]))
            yield emit.event(
                trajectory, "tool_call", path=path, call_id=waiting[0], tool=waiting[1],
                arguments={"command": message["action"].strip()},
            )
            continue
        if waiting is not None and role in ("user", "tool"):
            call_id, tool = waiting
            waiting = None
            yield _result(emit, trajectory, path, call_id, tool, message.get("content"))
            continue
        if message.get("is_demo"):
            yield emit.event(
                trajectory, "message", path=path, role="user", text=flatten_text(message.get("content")),
                meta={"demonstration": True},
            )
            continue
        yield from chat.message(message, index, path=path)
