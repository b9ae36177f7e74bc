"""Inspect AI eval logs (https://inspect.aisi.org.uk/eval-logs.html): a JSON log
`{version, status, eval{eval_id, task, ...}, plan, results, samples[{id, epoch, input, target, messages[...],
scores{name: {value, answer}}, events[...]}]}`, or the zipped `.eval` log (`header.json` + `samples/*.json`).

Each sample × epoch is a trajectory `<eval_id>:<sample id>:<epoch>` (task_id `<task>/<sample id>`): a task event
(goal = the sample input, tools from its first model event), the messages (assistant `tool_calls`
{id, function, arguments}, `reasoning` content → reasoning, tool messages with `error` fail), and an outcome from
the first score (C/I/P/N letters, booleans or numbers; success when it reaches 1; source "inspect scorer <name>").
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import Any, Iterator

from trajaudit.importers._common import (
    Emitter,
    array,
    first_line,
    flatten_text,
    has_key,
    load_document,
    normalize_tools,
    parse_arguments,
    reward_outcome,
    starts_with,
)
from trajaudit.reader import Malformed, Source, document_over_limit, parse_document, read_at_most

NAME = "inspect"
DESCRIPTION = "Inspect AI eval log: JSON {version, eval, samples[...]} or a zipped .eval log"
LETTERS = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}


def sniff(source: Source, head: bytes) -> bool:
    """A JSON object with `version` and an `eval` header, or a zip holding an Inspect `header.json` / `samples/`."""
    if head[:4] == b"PK\x03\x04":
        return re.search(rb"(header\.json|samples/[^/]+\.json|_journal/start\.json)", head) is not None
    return starts_with(head, b"{") and has_key(head, "eval") and has_key(head, "version") and (
        has_key(head, "eval_id") or has_key(head, "task_id")
    )


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    if not source.stdin and _is_zip(source):
        yield from _zipped(emit, source)
        return
    doc = load_document(source, emit, "an Inspect eval log", DESCRIPTION,
                        lambda d: isinstance(d, dict) and isinstance(d.get("eval"), dict))
    if isinstance(doc, Malformed):
        yield doc
        return
    samples = doc.get("samples")
    for index, sample in enumerate(samples if isinstance(samples, list) else ()):
        yield from _sample(emit, doc["eval"], sample, f"$.samples[{index}]")


def _is_zip(source: Source) -> bool:
    try:
        with source.open_file() as stream:
            return zipfile.is_zipfile(stream)
    except OSError:
        return False  # read as a document, which reports why it cannot be read


def _zipped(emit: Emitter, source: Source) -> Iterator:
    limit = source.limits.max_document_bytes
    try:
        with source.open_file() as stream, zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            header_name = "header.json" if "header.json" in names else "_journal/start.json"
            if header_name not in names:
                yield emit.malformed("not an Inspect .eval log: the zip holds no header.json or _journal/start.json")
                return
            header = _member(archive, header_name, limit)
            if isinstance(header, str):
                yield emit.malformed(header)
                return
            spec = header.get("eval") if isinstance(header, dict) else None
            if not isinstance(spec, dict):
                yield emit.malformed(f"not an Inspect .eval log: {header_name} has no `eval` object")
                return
            for name in sorted(n for n in names if n.startswith("samples/") and n.endswith(".json")):
                sample = _member(archive, name, limit)
                if isinstance(sample, str):
                    yield emit.malformed(sample)
                    continue
                yield from _sample(emit, spec, sample, f"{name}:$")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        yield emit.malformed(f"unreadable Inspect .eval log: {exc}")


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> Any:
    """One JSON member of the zip, parsed; a message (str) when it is over the document limit or not JSON. The
    size the zip declares is checked first, and the bytes are counted while decompressing, since it may lie."""
    declared = archive.getinfo(name).file_size
    if declared > limit:
        return f"{name}: " + document_over_limit(declared, limit, compressed=True)
    with archive.open(name) as member:
        data = read_at_most(member, limit)  # type: ignore[arg-type]
    if data is None:
        return f"{name}: " + document_over_limit(None, limit, compressed=True)
    parsed = parse_document(name, data)
    if isinstance(parsed, Malformed):
        return f"{name}: {parsed.message}"
    return parsed


def _sample(emit: Emitter, spec: dict, sample: Any, where: str) -> Iterator:
    if not isinstance(sample, dict) or not isinstance(sample.get("messages"), list):
        yield emit.malformed(f"{where}: not an Inspect sample: expected an object with `messages`")
        return
    sample_id = sample.get("id")
    epoch = sample.get("epoch", 1)
    trajectory = f"{spec.get('eval_id') or spec.get('run_id') or spec.get('task')}:{sample_id}:{epoch}"
    goal = sample.get("input")
    if not isinstance(goal, str):
        goal = flatten_text([m.get("content") for m in goal or [] if isinstance(m, dict)])
    tools = None
    for event in sample.get("events") or ():
        if isinstance(event, dict) and event.get("event") == "model":
            tools = normalize_tools(event.get("tools"))
            break
    meta = {k: spec[k] for k in ("task", "model") if isinstance(spec.get(k), str)}
    yield emit.event(
        trajectory, "task", path=where, task_id=f"{spec.get('task')}/{sample_id}", goal=goal, tools=tools, meta=meta
    )
    names: dict[str, str] = {}
    for index, message in enumerate(sample["messages"]):
        path = f"{where}.messages[{index}]"
        if not isinstance(message, dict):
            yield emit.malformed(f"{path}: expected a message object, found {type(message).__name__}")
            continue
        yield from _message(emit, trajectory, path, message, names)
    yield from _outcome(emit, trajectory, where, sample.get("scores"))


def _message(emit: Emitter, trajectory: str, path: str, message: dict, names: dict) -> Iterator:
    role = message.get("role")
    content = message.get("content")
    if role == "tool":
        call_id = str(message.get("tool_call_id") or message.get("id") or path)
        error = message.get("error")
        text = flatten_text(content)
        message_text = error.get("message") if isinstance(error, dict) else (error if isinstance(error, str) else None)
        yield emit.event(
            trajectory, "tool_result", path=path, call_id=call_id, tool=message.get("function") or names.get(call_id),
            ok=not error, output=text, error=(message_text or first_line(text) or "error") if error else None,
            meta={"error_type": error.get("type")} if isinstance(error, dict) and error.get("type") else None,
        )
        return
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "reasoning":
                reasoning = block.get("reasoning")
                text = reasoning if isinstance(reasoning, str) else ""
                yield emit.event(trajectory, "reasoning", path=path, text=block.get("summary") or text)
    text = flatten_text(content)
    calls = array(message.get("tool_calls"))
    speaker = role if role in ("system", "user", "assistant") else "user"
    if text or not calls:
        yield emit.event(trajectory, "message", path=path, role=speaker, text=text)
    for k, call in enumerate(calls):
        if not isinstance(call, dict):
            continue
        call_id = str(call.get("id") or f"{path}.tool_calls[{k}]")
        tool = call.get("function") or "unknown"
        names[call_id] = tool
        yield emit.event(
            trajectory, "tool_call", path=f"{path}.tool_calls[{k}]", call_id=call_id, tool=tool,
            arguments=parse_arguments(call.get("arguments")),
        )


def _outcome(emit: Emitter, trajectory: str, where: str, scores: Any) -> Iterator:
    if not isinstance(scores, dict) or not scores:
        return
    name, score = next(iter(scores.items()))
    value = score.get("value") if isinstance(score, dict) else score
    if isinstance(value, str) and value in LETTERS:
        value = LETTERS[value]
    scored = reward_outcome(value)
    if scored is None:
        return
    answer = score.get("answer") if isinstance(score, dict) else None
    yield emit.event(
        trajectory, "outcome", path=f"{where}.scores", success=scored[0], reward=scored[1],
        source=f"inspect scorer {name}", answer=answer if isinstance(answer, str) else None,
    )
