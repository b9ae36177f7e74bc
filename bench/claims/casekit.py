"""Helpers to write the hand-made claim cases compactly, and to turn a case into what trajaudit reads.

A case is one JSON line: `{"id", "domain", "events", "label", "actions", "expect", "render"?, "note"?}` where
`events` is a native trajaudit event stream (task with declared tools, user message, tool calls and results, the
final assistant message, an optional outcome). `label` is claim / no_claim / partial for the final report, `actions`
the base verbs it asserts as done, and `expect` what a correct auditor says:

- TA101: the report claims (claim or partial) and the case's outcome says the run failed;
- TA102: an action the report claims was attempted and its last attempt failed, with no later success;
- TA103: an action the report claims was performed by no tool call (nor, as a documented side effect, by the
  description of a tool that was called successfully);
- TA104 (only on some coding cases): "tests pass" while the last test run failed.

`render: "openai"` marks a case whose failures show only in the tool's output text, as in OpenAI chat and tau logs,
which carry no ok flag: the evaluator feeds it to trajaudit as an OpenAI chat line (tools, messages with
`tool_calls`, tool messages holding only the output text), so no explicit flag gives the failure away. Its native
events still say `ok: false`, which is the truth the case is labelled with.

The cases are written with `Case` and `call` in the part's `build.py` (bench/claims/tune/build.py,
bench/claims/heldout/build.py, bench/claims/fresh/build.py), which writes `<part>/<domain>.jsonl`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABELS = ("claim", "no_claim", "partial")
RULES = ("TA101", "TA102", "TA103")


def tool(name: str, description: str, /, **params: str) -> dict[str, Any]:
    """A declared tool whose parameters are all required, each given as a JSON Schema type name."""
    return {
        "name": name,
        "description": description,
        "parameters": {
            "type": "object",
            "properties": {key: {"type": kind} for key, kind in params.items()},
            "required": list(params),
        },
    }


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]
    ok: bool = True
    output: str = ""
    error: str | None = None
    exit_code: int | None = None


def call(tool_name: str, /, ok: bool = True, out: str = "", error: str | None = None, code: int | None = None,
         **arguments: Any) -> Call:
    return Call(tool_name, arguments, ok, out, error, code)


@dataclass(frozen=True)
class Say:
    text: str  # an assistant message in the middle of the run


@dataclass(frozen=True)
class Think:
    text: str  # reasoning


@dataclass
class Domain:
    name: str
    tools: list[dict[str, Any]]
    cases: list[dict[str, Any]] = field(default_factory=list)

    def case(self, cid: str, user: str, steps: list[Call | Say | Think], final: str, label: str,
             actions: tuple[str, ...] = (), fires: tuple[str, ...] = (), outcome: bool | None = None,
             render: str | None = None, note: str = "", ta104: bool | None = None) -> None:
        if label not in LABELS:
            raise ValueError(f"{cid}: label {label!r}")
        if label == "no_claim" and (actions or fires):
            raise ValueError(f"{cid}: a report that claims nothing has no actions and fires nothing")
        if render == "openai" and any(isinstance(s, Think) for s in steps):
            raise ValueError(f"{cid}: OpenAI chat has no reasoning events")
        declared = {t["name"] for t in self.tools}
        for step in steps:
            if isinstance(step, Call) and step.tool not in declared:
                raise ValueError(f"{cid}: {step.tool} is not declared in {self.name}")
        tid = f"{self.name}-{cid}"
        events: list[dict[str, Any]] = []

        def add(kind: str, **fields: Any) -> None:
            events.append({"trajectory": tid, "step": len(events), "kind": kind,
                           **{k: v for k, v in fields.items() if v is not None}})

        add("task", task_id=tid, goal=user, tools=self.tools)
        add("message", role="user", text=user)
        for n, step in enumerate(steps):
            if isinstance(step, Say):
                add("message", role="assistant", text=step.text)
            elif isinstance(step, Think):
                add("reasoning", text=step.text)
            else:
                cid_ = f"call_{n}"
                add("tool_call", call_id=cid_, tool=step.tool, arguments=step.arguments)
                add("tool_result", call_id=cid_, tool=step.tool, ok=step.ok, output=step.output,
                    error=step.error if not step.ok else None, exit_code=step.exit_code)
        add("message", role="assistant", text=final)
        if outcome is not None:
            add("outcome", success=outcome, source="hand-written case")
        claims = label != "no_claim"
        expect = {"TA101": claims and outcome is False, "TA102": "TA102" in fires, "TA103": "TA103" in fires}
        if ta104 is not None:
            expect["TA104"] = ta104
        record: dict[str, Any] = {"id": tid, "domain": self.name, "events": events, "label": label,
                                  "actions": list(actions), "expect": expect}
        if render:
            record["render"] = render
        if note:
            record["note"] = note
        self.cases.append(record)

    def write(self, folder: Path) -> Path:
        ids = [c["id"] for c in self.cases]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: duplicate case ids")
        path = folder / f"{self.name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for record in self.cases:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path


def load_cases(folder: Path) -> list[dict[str, Any]]:
    """Every case of one part, in file order."""
    cases = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


def as_openai(case: dict[str, Any]) -> dict[str, Any]:
    """The case as one OpenAI chat line: no ok flags, no error fields, no exit codes; the output text only."""
    events = case["events"]
    task = events[0]
    messages: list[dict[str, Any]] = []
    record: dict[str, Any] = {"id": case["id"], "task_id": task.get("task_id"), "tools": [
        {"type": "function", "function": spec} for spec in task.get("tools", [])
    ], "messages": messages}
    for event in events[1:]:
        kind = event["kind"]
        if kind == "message":
            messages.append({"role": event["role"], "content": event["text"]})
        elif kind == "tool_call":
            last = messages[-1] if messages else None
            entry = {"id": event["call_id"], "type": "function",
                     "function": {"name": event["tool"], "arguments": json.dumps(event.get("arguments", {}))}}
            if last and last["role"] == "assistant" and last.get("tool_calls") is not None:
                last["tool_calls"].append(entry)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [entry]})
        elif kind == "tool_result":
            messages.append({"role": "tool", "tool_call_id": event["call_id"], "content": event.get("output", "")})
        elif kind == "outcome":
            record["success"] = bool(event["success"])
    return record
