"""ATIF, the Agent Trajectory Interchange Format (Harbor RFC 0001-trajectory-format, v1.0 to v1.7), as written by
Harbor / Terminal-Bench agents, NVIDIA NeMo Agent Toolkit and others: one JSON document
`{schema_version: "ATIF-v1.x", session_id, trajectory_id, agent{name, version, model_name, tool_definitions},
steps[{step_id, timestamp, source: system|user|agent, model_name, message, reasoning_content,
tool_calls[{tool_call_id, function_name, arguments}], observation{results[{source_call_id, content,
subagent_trajectory_ref[{trajectory_id, trajectory_path, session_id}]}]}, metrics{prompt_tokens, completion_tokens,
cached_tokens, cost_usd, logprobs, extra}, is_copied_context, extra}], notes, final_metrics, continued_trajectory_ref,
subagent_trajectories[trajectory], extra}` (or a JSON list of such documents).

A trajectory's id is its `trajectory_id`, else its `session_id`, else the file's stem. It becomes: a task event (tools
from `agent.tool_definitions`, OpenAI function schemas; goal = the first user step's message; meta: agent, model,
schema version, session id, notes, final metrics); then per step, in order: user and system steps are messages of
that role; an agent step is a reasoning event (`reasoning_content`), an assistant message (`message`; left out when
empty and the step has tool calls), its tool calls, and its observation's results as tool results (paired by
`source_call_id`; failed when the result's `extra` says `is_error` or status error, the call's
`extra.invocation.status` says error (NeMo Agent Toolkit), or the text starts with `Error:`). A result without
`source_call_id` answers the step's next call that no result names (producers such as Harbor's computer-use agents
omit the id when a step makes one call; meta `paired` says so); with no call left (an action outside the
tool-calling format, or a system event) it is a message to the agent (role user; system in a system step) with meta
`{atif: "observation"}`. The step's
`metrics` go on its first generated event: `prompt_tokens`/`completion_tokens` (and `extra.reasoning_tokens`) as
token counts, `logprobs` (one per generated token) as the event's logprobs, the confidence input for TA5xx and
`simulate`; cost and cached tokens go to meta. Origins are JSON paths like `$.steps[4].tool_calls[0]`.

Embedded `subagent_trajectories` are trajectories of their own, `<parent id>/<subagent trajectory_id>`, whose task
meta names the parent trajectory, step and call whose result refers to them (`subagent_trajectory_ref`); that tool
result's meta lists them. A `continued_trajectory_ref` naming a file beside this one is joined: its steps continue
this trajectory (steps it marks `is_copied_context` repeat earlier context and are skipped), with origins in that
file; only files inside the first file's folder are followed (the name comes from the log); a continuation file
found in a directory next to the file that refers to it is not read a second time.

ATIF carries no verdict, so an outcome event is written only from a root `extra.outcome` whose `success` is a
boolean (what `convert --to atif` writes); otherwise a Harbor trial's `result.json` beside `agent/trajectory.json`
gives it (trajaudit.outcomes.find_beside), or pass one with `--outcomes`. A `.jsonl` file is read as one ATIF
document per line. Steps whose `extra.trajaudit` is an object were written by `convert --to atif`
(trajaudit/exporters/atif.py): they give exactly the events that object names, with the fields ATIF has no place for
restored from it, so the events read back are the events written. ATIF's own rules are checked
and each violation is reported as a schema-violation finding (TA002) naming the JSON path: step ids run 1, 2, 3…
in order; every `source_call_id` is a `tool_call_id` of the same step; every embedded subagent has a
`trajectory_id`, unique among its siblings; a subagent reference names an embedded trajectory or a path. The rest of
the document is still read.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path
from typing import Any, Generator, Iterator

from trajaudit.importers._common import (
    Emitter,
    error_text,
    first_line,
    flatten_text,
    has_key,
    load_document,
    normalize_tools,
    parse_arguments,
    starts_with,
    stem,
    to_float,
    tokens,
)
from trajaudit.reader import SUFFIXES as JSONL_SUFFIXES
from trajaudit.reader import Malformed, Source, iter_json, read_document

NAME = "atif"
DESCRIPTION = (
    "ATIF trajectories (Harbor RFC 0001): a JSON object {schema_version: \"ATIF-v1.x\", session_id, agent, "
    "steps[{step_id, source, message, tool_calls, observation}]} or a list of them"
)
SCHEMA_CODE = "TA002"
MAX_CONTINUATIONS = 1000  # a chain longer than this is a loop the visited set did not catch (paths spelt differently)
SIBLING_LIMIT = 200  # files looked at for "is this file a continuation of a sibling": a trial directory, not a dump
_VERSION = re.compile(rb'"schema_version"\s*:\s*"ATIF-v\d', re.I)
_CONTINUATION = re.compile(rb'"continued_trajectory_ref"\s*:\s*"([^"]+)"')
_SUFFIXES = (".json.gz", ".json")


def sniff(source: Source, head: bytes) -> bool:
    """An object (or list of objects) whose `schema_version` is "ATIF-v1.x", or one with schema_version, steps and
    step ids (producers that write a bare version number)."""
    if not (starts_with(head, b"{") or starts_with(head, b"[")):
        return False
    if _VERSION.search(head):
        return True
    return all(has_key(head, key) for key in ("schema_version", "steps", "step_id", "source"))


def is_trajectory(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("steps"), list)


def _fits(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(is_trajectory(item) for item in doc)
    return is_trajectory(doc)


def convert(source: Source) -> Iterator[tuple[int | None, dict] | Malformed]:
    emit = Emitter(source, NAME)
    if source.optional and (
        (source.path is not None and _continues_a_sibling(source.path, source.limits.max_document_bytes))
        or (source.remote is not None and _continues_a_stored_sibling(source))
    ):
        return  # read as part of the file whose continued_trajectory_ref names it
    if source.name.endswith(JSONL_SUFFIXES):
        yield from _lines(source, emit)
        return
    doc = load_document(source, emit, "an ATIF trajectory", DESCRIPTION, _fits)
    if isinstance(doc, Malformed):
        yield doc
        return
    documents = [(doc, "$")] if isinstance(doc, dict) else [(item, f"$[{i}]") for i, item in enumerate(doc)]
    fallback = stem(source.name, _SUFFIXES)
    used: set[str] = set()
    for index, (trajectory, where) in enumerate(documents):
        name = _identity(trajectory) or (fallback if len(documents) == 1 else f"{fallback}[{index}]")
        if name in used:  # documents of one run sharing a session_id stay separate trajectories
            name = f"{name}[{index}]"
        used.add(name)
        yield from Reader(emit, source).trajectory(trajectory, where, name)


def _lines(source: Source, emit: Emitter) -> Iterator[tuple[int | None, dict] | Malformed]:
    """ATIF as JSON Lines (what `convert --to atif` writes on stdout): one trajectory document per line; each event's
    origin names the line as well as the JSON path."""
    fallback = stem(source.name, JSONL_SUFFIXES)
    used: set[str] = set()
    for item in iter_json(source):
        if isinstance(item, Malformed):
            yield item
            continue
        line, trajectory = item
        if not is_trajectory(trajectory):
            yield emit.malformed("not an ATIF trajectory: expected an object with a steps list", line)
            continue
        assert isinstance(trajectory, dict)
        name = _identity(trajectory) or f"{fallback}:{line}"
        if name in used:
            name = f"{name}:{line}"
        used.add(name)
        for event in Reader(emit, source).trajectory(trajectory, "$", name):
            if isinstance(event, Malformed):
                yield Malformed(event.file, event.line or line, event.message, event.code, event.unreadable)
            else:
                event[1]["origin"].setdefault("line", line)
                yield line, event[1]


def _identity(doc: dict) -> str | None:
    for key in ("trajectory_id", "session_id"):
        value = doc.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


class Reader:
    """Events of one ATIF document and everything it embeds or continues into."""

    def __init__(self, emit: Emitter, source: Source) -> None:
        self.emit = emit
        self.source = source

    def violation(self, message: str, emit: Emitter | None = None) -> Malformed:
        return Malformed((emit or self.emit).file, None, f"ATIF: {message}", code=SCHEMA_CODE)

    def trajectory(self, doc: dict, where: str, tid: str, parent: dict | None = None) -> Iterator:
        emit = self.emit
        yield from self.check(doc, where, emit)
        agent: dict = doc["agent"] if isinstance(doc.get("agent"), dict) else {}
        meta: dict[str, Any] = {
            key: value for key, value in (
                ("agent", agent.get("name")), ("agent_version", agent.get("version")),
                ("model", agent.get("model_name")), ("schema_version", doc.get("schema_version")),
                ("session_id", doc.get("session_id")), ("notes", doc.get("notes")),
                ("final_metrics", doc.get("final_metrics")),
            ) if value is not None
        }
        if parent:
            meta.update(parent)
        steps = doc["steps"]
        users = (flatten_text(s.get("message")) for s in steps if isinstance(s, dict) and s.get("source") == "user")
        goal = next(users, None)
        extra: dict = doc["extra"] if isinstance(doc.get("extra"), dict) else {}
        task_id = next((str(extra[k]) for k in ("task_id", "task_name", "task") if isinstance(extra.get(k), str)), None)
        first: dict = next((s for s in steps if isinstance(s, dict)), {})
        stamp = first.get("timestamp") if isinstance(first.get("timestamp"), str) else None
        kept = _kept(extra) or {}
        if "task" not in kept:
            yield emit.event(
                tid, "task", path=where, task_id=task_id, goal=goal or None,
                tools=normalize_tools(agent.get("tool_definitions")), timestamp=stamp, meta=meta,
            )
        elif isinstance(kept["task"], dict):  # written by `convert --to atif`: the task event as it was
            yield _restored(emit.event(tid, "task", path=where, tools=normalize_tools(agent.get("tool_definitions"))),
                            kept["task"])
        links: dict[str, dict] = {}  # embedded subagent id -> where its parent refers to it
        yield from self.steps(emit, tid, steps, where, links, keep_copied=True)
        yield from self.continuation(doc, tid, links)
        outcome = extra.get("outcome")
        if isinstance(outcome, dict) and isinstance(outcome.get("success"), bool):
            yield _restored(emit.event(tid, "outcome", path=f"{where}.extra.outcome"), outcome)
        subagents = doc.get("subagent_trajectories")
        used: set[str] = set()
        for k, sub in enumerate(subagents if isinstance(subagents, list) else ()):
            if not is_trajectory(sub):
                yield self.violation(f"{where}.subagent_trajectories[{k}]: expected a trajectory with a steps list")
                continue
            sub_id = _identity(sub) or str(k)
            if sub_id in used:  # reported by check(); kept apart so two subagents are not audited as one
                sub_id = f"{sub_id}#{k}"
            used.add(sub_id)
            link = {"parent_trajectory": tid, **links.get(str(sub.get("trajectory_id")), {})}
            yield from self.trajectory(sub, f"{where}.subagent_trajectories[{k}]", f"{tid}/{sub_id}", link)

    def continuation(self, doc: dict, tid: str, links: dict[str, dict]) -> Iterator:
        """The steps of the files `continued_trajectory_ref` chains to, appended to this trajectory. A log names the
        file to read next: only files in the folder of the first one are followed, on disk or in an object store, so
        a document cannot make the audit read (and echo) files elsewhere."""
        ref = doc.get("continued_trajectory_ref")
        files = _StoredChain(self.source) if self.source.remote is not None else _DiskChain.of(self.source)
        if files is None:
            return
        for _ in range(MAX_CONTINUATIONS):
            if not isinstance(ref, str) or not ref:
                return
            shown, here = ref[:200], files.here()
            found = files.find(ref)
            if found is None:
                yield self.violation(f"continued_trajectory_ref {shown!r}: no such file beside {here}")
                return
            if not files.inside(found):
                yield self.violation(
                    f"continued_trajectory_ref {shown!r} is outside the folder of {here}: not followed"
                )
                return
            if not files.enter(found):
                yield self.violation(f"continued_trajectory_ref {shown!r} leads back to a file already read")
                return
            cont = yield from self.continued(found, tid, links)
            if cont is None:
                return
            ref = cont.get("continued_trajectory_ref")

    def continued(self, source: Source, tid: str, links: dict[str, dict]) -> Generator[Any, None, dict | None]:
        """Read one continuation file and yield its steps as the same trajectory's; its document, or None when it
        could not be read as ATIF (the problem is yielded)."""
        emit = Emitter(source, NAME)
        emit.steps = self.emit.steps  # one step counter: the continuation continues the trajectory
        cont: Any = read_document(source)
        if isinstance(cont, Malformed):
            yield cont
            return None
        if not is_trajectory(cont):
            yield emit.malformed("not an ATIF trajectory: expected an object with a steps list")
            return None
        yield from self.check(cont, "$", emit)
        yield from self.steps(emit, tid, cont["steps"], "$", links, keep_copied=False)
        return cont  # type: ignore[no-any-return]

    def check(self, doc: dict, where: str, emit: Emitter) -> Iterator[Malformed]:
        """ATIF's own rules for one document (its subagents are checked when read)."""
        steps = doc["steps"]
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                yield self.violation(f"{where}.steps[{index}]: expected a step object", emit)
                continue
            if step.get("step_id") != index + 1:
                yield self.violation(
                    f"{where}.steps[{index}].step_id: expected {index + 1} (step ids run 1, 2, 3… in order), "
                    f"found {step.get('step_id')!r}", emit,
                )
                break  # one gap shifts every later id: the first says it
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            calls = {
                str(c.get("tool_call_id", c.get("id"))) for c in _list(step.get("tool_calls")) if isinstance(c, dict)
            }
            for j, result in enumerate(_results(step)):
                ref = result.get("source_call_id")
                if ref is not None and str(ref) not in calls:
                    yield self.violation(
                        f"{where}.steps[{index}].observation.results[{j}].source_call_id: {str(ref)!r} is not a "
                        f"tool_call_id of step {step.get('step_id')!r}", emit,
                    )
        subagents = doc.get("subagent_trajectories")
        embedded: set[str] = set()
        for k, sub in enumerate(subagents if isinstance(subagents, list) else ()):
            if not isinstance(sub, dict):
                continue
            sub_id = sub.get("trajectory_id")
            if sub_id is None:
                yield self.violation(f"{where}.subagent_trajectories[{k}].trajectory_id: required on embedded "
                                     "subagents", emit)
            elif str(sub_id) in embedded:
                yield self.violation(f"{where}.subagent_trajectories[{k}].trajectory_id: {str(sub_id)!r} is not "
                                     "unique among the subagent trajectories", emit)
            else:
                embedded.add(str(sub_id))
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            for j, result in enumerate(_results(step)):
                for r, ref in enumerate(_list(result.get("subagent_trajectory_ref"))):
                    if not isinstance(ref, dict):
                        continue
                    sub_id, path = ref.get("trajectory_id"), ref.get("trajectory_path")
                    if not path and (sub_id is None or str(sub_id) not in embedded):
                        yield self.violation(
                            f"{where}.steps[{index}].observation.results[{j}].subagent_trajectory_ref[{r}]: names "
                            "neither an embedded subagent trajectory_id nor a trajectory_path", emit,
                        )

    def steps(
        self, emit: Emitter, tid: str, steps: list, where: str, links: dict[str, dict], keep_copied: bool
    ) -> Iterator:
        names: dict[str, str] = {}
        failed_calls: set[str] = set()
        for index, step in enumerate(steps):
            path = f"{where}.steps[{index}]"
            if not isinstance(step, dict) or (not keep_copied and step.get("is_copied_context") is True):
                continue
            source = step.get("source")
            stamp = step.get("timestamp") if isinstance(step.get("timestamp"), str) else None
            text = flatten_text(step.get("message"))
            kept = _kept(step.get("extra"))
            if kept is not None:
                yield from self.kept_step(emit, tid, step, path, kept, names)
                continue
            if source != "agent":
                role = source if source in ("system", "user") else "user"
                yield emit.event(tid, "message", path=path, timestamp=stamp, role=role, text=text,
                                 meta=None if role == source else {"source": source})
                yield from self.results(emit, tid, step, path, names, links, role, [])
                continue
            generated = _generated(step)
            extra_meta = {"model": step["model_name"]} if isinstance(step.get("model_name"), str) else None
            reasoning = step.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning.strip():
                yield emit.event(tid, "reasoning", path=path, timestamp=stamp, text=reasoning)
            calls = [c for c in _list(step.get("tool_calls")) if isinstance(c, dict)]
            call_ids: list[str] = []
            if text or not calls:
                yield emit.event(tid, "message", path=path, timestamp=stamp, role="assistant", text=text,
                                 meta={**(extra_meta or {}), **generated.pop("meta", {})} or None, **generated)
                generated, extra_meta = {}, None
            for k, call in enumerate(calls):
                call_id = str(call.get("tool_call_id", call.get("id")) or f"call_{index + 1}_{k}")
                tool = call.get("function_name") or call.get("name") or "unknown"
                names[call_id] = str(tool)
                call_ids.append(call_id)
                if _call_failed(call):
                    failed_calls.add(call_id)
                meta = {**(extra_meta or {}), **generated.pop("meta", {})}
                yield emit.event(
                    tid, "tool_call", path=f"{path}.tool_calls[{k}]", timestamp=stamp, call_id=call_id, tool=str(tool),
                    arguments=parse_arguments(call.get("arguments")), meta=meta or None, **generated,
                )
                generated, extra_meta = {}, None
            yield from self.results(emit, tid, step, path, names, links, "user", call_ids, failed_calls)

    def kept_step(self, emit: Emitter, tid: str, step: dict, path: str, kept: dict, names: dict[str, str]) -> Iterator:
        """A step written by `convert --to atif`: exactly the events its `extra.trajaudit` names, in the order the
        writer grouped them, each with the fields ATIF has no place for restored."""
        text = flatten_text(step.get("message"))
        for slot in ("event", "claim"):
            if isinstance(kept.get(slot), dict):
                kind = kept[slot].get("kind") if slot == "event" else "claim"
                if kind in ("task", "outcome", "claim"):
                    fields: dict[str, Any] = {"text": text} if slot == "claim" and isinstance(step.get("message"),
                                                                                            str) else {}
                    yield _restored(emit.event(tid, str(kind), path=path, **fields), kept[slot])
        if isinstance(kept.get("reasoning"), dict):
            reasoning = step.get("reasoning_content")
            yield _restored(emit.event(tid, "reasoning", path=path, text=reasoning if isinstance(reasoning, str)
                                       else ""), kept["reasoning"])
        generated = _generated(step)
        generated.pop("meta", None)
        if isinstance(kept.get("message"), dict):
            yield _restored(emit.event(tid, "message", path=path, text=text, **generated), kept["message"])
            generated = {}
        for k, call in enumerate(c for c in _list(step.get("tool_calls")) if isinstance(c, dict)):
            call_id = str(call.get("tool_call_id", call.get("id")) or f"call_{step.get('step_id')}_{k}")
            tool = str(call.get("function_name") or call.get("name") or "unknown")
            names[call_id] = tool
            yield _restored(emit.event(tid, "tool_call", path=f"{path}.tool_calls[{k}]", call_id=call_id, tool=tool,
                                       arguments=parse_arguments(call.get("arguments")), **generated),
                            _kept(call.get("extra")))
            generated = {}
        for j, result in enumerate(_results(step)):
            residual = _kept(result.get("extra")) or {}
            ref = result.get("source_call_id")
            ref = residual.get("call_id") if ref is None else ref
            content = result.get("content")
            yield _restored(emit.event(
                tid, "tool_result", path=f"{path}.observation.results[{j}]", call_id=str(ref),
                tool=names.get(str(ref)), ok=not _failed(result, flatten_text(content)),
                output=None if content is None else flatten_text(content),
            ), residual)

    def results(self, emit: Emitter, tid: str, step: dict, path: str, names: dict[str, str], links: dict[str, dict],
                role: str, call_ids: list[str], failed_calls: set[str] | None = None) -> Iterator:
        """The step's observation results. A result without `source_call_id` answers the step's next call that no
        result names (several producers omit the id when a step makes one call); with no call left, it is a message."""
        stamp = step.get("timestamp") if isinstance(step.get("timestamp"), str) else None
        results = _results(step)
        named = {str(r["source_call_id"]) for r in results if r.get("source_call_id") is not None}
        unanswered = [c for c in call_ids if c not in named]
        for j, result in enumerate(results):
            at = f"{path}.observation.results[{j}]"
            text = flatten_text(result.get("content"))
            subagents = []
            for ref in _list(result.get("subagent_trajectory_ref")):
                if isinstance(ref, dict):
                    label = ref.get("trajectory_id") or ref.get("trajectory_path") or ref.get("session_id")
                    if label is not None:
                        subagents.append(str(label))
                    if ref.get("trajectory_id") is not None:
                        links[str(ref["trajectory_id"])] = {
                            "parent_step_id": step.get("step_id"), "parent_path": at,
                            **({"parent_call_id": str(result["source_call_id"])}
                               if result.get("source_call_id") is not None else {}),
                        }
            meta: dict[str, Any] = {"subagent_trajectories": subagents} if subagents else {}
            call_id = result.get("source_call_id")
            if call_id is None and unanswered:
                call_id = unanswered.pop(0)
                meta["paired"] = "by order: no source_call_id"
            elif call_id is None:
                yield emit.event(tid, "message", path=at, timestamp=stamp, role=role, text=text,
                                 meta={"atif": "observation", **meta})
                continue
            failed = _failed(result, text) or str(call_id) in (failed_calls or ())
            yield emit.event(
                tid, "tool_result", path=at, timestamp=stamp, call_id=str(call_id), tool=names.get(str(call_id)),
                ok=not failed, output=text, error=first_line(text) if failed else None, meta=meta or None,
            )


_STRUCTURAL = frozenset({"trajectory", "step", "kind", "origin", "version"})
_CARRIED = {  # per kind, the fields `convert --to atif` writes as ATIF fields (see trajaudit/exporters/atif.py)
    "task": ("tools",), "message": ("text", "tokens", "logprobs"), "reasoning": ("text",), "claim": ("text",),
    "tool_call": ("call_id", "tool", "arguments", "tokens", "logprobs"), "tool_result": ("call_id", "output"),
}


def _kept(extra: Any) -> dict | None:
    """`extra.trajaudit`: the event fields ATIF has no place for, written by `convert --to atif`; None if absent."""
    kept = extra.get("trajaudit") if isinstance(extra, dict) else None
    return kept if isinstance(kept, dict) else None


def _restored(item: tuple[int | None, dict], residual: Any) -> tuple[int | None, dict]:
    """An event with the fields `convert --to atif` kept for it: they replace what the ATIF mapping derived (the
    writer's event exactly), except where the event is and which trajectory it belongs to."""
    if isinstance(residual, dict) and residual:
        event = item[1]
        derived = {k: event.pop(k) for k in list(event) if k not in _STRUCTURAL and k not in residual}
        event.update({k: v for k, v in residual.items() if k not in _STRUCTURAL})
        for key in _CARRIED.get(event["kind"], ()):
            if key in derived:  # carried by the ATIF fields themselves, so not repeated in extra
                event[key] = derived[key]
        event["origin"] = event.pop("origin")
    return item


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _results(step: dict) -> list[dict]:
    observation = step.get("observation")
    if not isinstance(observation, dict):
        return []
    if "results" not in observation and "content" in observation:
        return [observation]  # pre-1.0 writers put one result's content on the observation itself
    return [r for r in _list(observation.get("results")) if isinstance(r, dict)]


def _failed(result: dict, text: str) -> bool:
    extra: dict = result["extra"] if isinstance(result.get("extra"), dict) else {}
    if extra.get("is_error") is True or str(extra.get("status", "")).lower() in ("error", "failed", "failure"):
        return True
    outcome = result.get("result")
    if isinstance(outcome, dict) and outcome.get("success") is False:
        return True
    return error_text(text)


def _call_failed(call: dict) -> bool:
    """NeMo Agent Toolkit records a tool's end state on the call: `extra.invocation.status`."""
    extra = call.get("extra") if isinstance(call.get("extra"), dict) else None
    invocation = extra.get("invocation") if extra else None
    status = invocation.get("status") if isinstance(invocation, dict) else None
    return isinstance(status, str) and status.lower() in ("error", "failed", "failure")


def _generated(step: dict) -> dict[str, Any]:
    """Fields for the first event a step generates: token counts, logprobs, and cost/cache counts as meta."""
    metrics: dict = step["metrics"] if isinstance(step.get("metrics"), dict) else {}
    extra: dict = metrics["extra"] if isinstance(metrics.get("extra"), dict) else {}
    out: dict[str, Any] = {}
    counts = tokens(output=metrics.get("completion_tokens"), input=metrics.get("prompt_tokens"),
                    reasoning=extra.get("reasoning_tokens", extra.get("reasoning_output_tokens")))
    if counts:
        out["tokens"] = counts
    raw = metrics.get("logprobs")
    if isinstance(raw, list) and raw:
        values = [to_float(v) for v in raw]
        if all(v is not None for v in values):
            out["logprobs"] = [min(v, 0.0) for v in values if v is not None]
    meta = {k: metrics[k] for k in ("cost_usd", "cached_tokens") if metrics.get(k) is not None}
    if meta:
        out["meta"] = meta
    return out


class _DiskChain:
    """Where a chain of continuation files on disk stands: the file read last, the folder of the first, the files
    read. Each name is written beside the name of the file that gave it, as the user would write it."""

    def __init__(self, source: Source, path: Path) -> None:
        self.source, self.path = source, path
        self.folder = path.resolve().parent
        self.visited = {path.resolve()}

    @classmethod
    def of(cls, source: Source) -> _DiskChain | None:
        return None if source.path is None else cls(source, source.path)

    def here(self) -> str:
        return self.path.name

    def find(self, ref: str) -> Source | None:
        try:
            path = (self.path.parent / ref).resolve()
            if not path.is_file():
                return None
        except (OSError, ValueError):
            return None
        name = str(path) if Path(self.source.name).is_absolute() else os.path.normpath(_relative(self.source.name, ref))
        return Source(name, path, limits=self.source.limits)

    def inside(self, found: Source) -> bool:
        assert found.path is not None
        return found.path.is_relative_to(self.folder)

    def enter(self, found: Source) -> bool:
        """Take `found` as the file read last: False, and nothing changed, if it was read before."""
        assert found.path is not None
        if found.path in self.visited:
            return False
        self.visited.add(found.path)
        self.source, self.path = found, found.path
        return True


class _StoredChain:
    """_DiskChain for files in an object store: each file found with one request (`store.beside`)."""

    def __init__(self, source: Source) -> None:
        assert source.remote is not None
        self.source, self.remote = source, source.remote
        self.folder = posixpath.dirname(source.remote.key)
        self.visited = {source.remote.key}

    def here(self) -> str:
        return posixpath.basename(self.remote.key)

    def find(self, ref: str) -> Source | None:
        from trajaudit import store

        found = store.beside(self.source.name, self.remote, ref)
        return None if found is None else Source(found[0], None, limits=self.source.limits, remote=found[1])

    def inside(self, found: Source) -> bool:
        assert found.remote is not None
        return found.remote.key.startswith(self.folder + "/")

    def enter(self, found: Source) -> bool:
        assert found.remote is not None
        if found.remote.key in self.visited:
            return False
        self.visited.add(found.remote.key)
        self.source, self.remote = found, found.remote
        return True


def _relative(name: str, ref: str) -> str:
    """A continuation's name as the user would write it: beside the file named `name`."""
    parent = Path(name).parent
    return str(parent / ref) if str(parent) not in ("", ".") else ref


def _continues_a_sibling(path: Path, limit: int) -> bool:
    """Whether another ATIF file in the same directory names this one in its continued_trajectory_ref."""
    try:
        stat = path.parent.stat()
    except OSError:
        return False
    return path.resolve() in _continuation_targets(str(path.parent.resolve()), stat.st_mtime_ns, limit)


_STORED_TARGETS: dict[str, frozenset[str]] = {}  # by folder URI: the keys that files there continue into


def _continues_a_stored_sibling(source: Source) -> bool:
    """`_continues_a_sibling` for a file in an object store: the same look at up to SIBLING_LIMIT .json files of its
    folder, each within the document cap, once per folder."""
    from trajaudit import store
    from trajaudit.reader import STREAM_ERRORS, read_at_most

    remote = source.remote
    assert remote is not None
    folder = posixpath.dirname(remote.key)
    if folder not in _STORED_TARGETS:
        if len(_STORED_TARGETS) >= 16:
            _STORED_TARGETS.clear()
        targets = set()
        for count, (name, sibling) in enumerate(store.folder(source.name, remote, ".") or ()):
            if count >= SIBLING_LIMIT:
                break
            if not name.endswith(".json") or sibling.size > source.limits.max_document_bytes:
                continue
            try:
                with Source(name, None, remote=sibling).open() as stream:
                    data = read_at_most(stream, source.limits.max_document_bytes) or b""
            except STREAM_ERRORS:
                continue
            for match in _CONTINUATION.finditer(data):
                key = posixpath.normpath(posixpath.join(folder, match.group(1).decode(errors="replace")))
                targets.add(key)
        _STORED_TARGETS[folder] = frozenset(targets)
    return remote.key in _STORED_TARGETS[folder]


@functools.lru_cache(maxsize=16)
def _continuation_targets(folder: str, _mtime: int, limit: int) -> frozenset[Path]:
    """Files that ATIF documents in `folder` name as their continuation. Only regular files of the folder itself
    (no links), each at most `limit` bytes (the document cap), are looked at."""
    targets = set()
    directory = Path(folder)
    for count, sibling in enumerate(sorted(directory.iterdir())):
        if count >= SIBLING_LIMIT:
            break
        try:
            if not sibling.name.endswith(".json") or sibling.is_symlink() or not sibling.is_file():
                continue
            if sibling.stat().st_size > limit:
                continue
            data = sibling.read_bytes()
        except OSError:
            continue
        for match in _CONTINUATION.finditer(data):
            try:
                targets.add((directory / match.group(1).decode(errors="replace")).resolve())
            except (OSError, ValueError):
                continue
    return frozenset(targets)
