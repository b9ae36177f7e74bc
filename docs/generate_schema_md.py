"""Regenerate docs/schema.md from the schema's descriptions and examples: python docs/generate_schema_md.py"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "trajaudit-event-v1.schema.json"
OUT = ROOT / "docs" / "schema.md"

COMMON = [
    "version",
    "trajectory",
    "step",
    "kind",
    "timestamp",
    "confidence",
    "logprobs",
    "top_logprobs",
    "token_confidence",
    "tokens",
    "origin",
    "meta",
]
BY_KIND = {
    "task": ["task_id", "goal", "tools"],
    "message": ["role", "text"],
    "reasoning": ["text"],
    "tool_call": ["call_id", "tool", "arguments"],
    "tool_result": ["call_id", "ok", "output", "error", "exit_code", "tool"],
    "outcome": ["success", "reward", "source", "answer"],
    "claim": ["claim", "text"],
}
EXAMPLE = [
    {
        "trajectory": "retail-7:0",
        "step": 0,
        "kind": "task",
        "task_id": "retail-7",
        "goal": "Cancel order #W1042 (ordered by mistake).",
        "tools": [
            {
                "name": "cancel_pending_order",
                "parameters": {
                    "type": "object",
                    "required": ["order_id", "reason"],
                    "properties": {"order_id": {"type": "string"}, "reason": {"type": "string"}},
                },
            }
        ],
    },
    {
        "trajectory": "retail-7:0",
        "step": 1,
        "kind": "message",
        "role": "user",
        "text": "Please cancel #W1042, I ordered it by mistake.",
    },
    {
        "trajectory": "retail-7:0",
        "step": 2,
        "kind": "tool_call",
        "call_id": "c1",
        "tool": "cancel_pending_order",
        "arguments": {"order_id": "#W1042", "reason": "ordered by mistake"},
    },
    {
        "trajectory": "retail-7:0",
        "step": 3,
        "kind": "tool_result",
        "call_id": "c1",
        "ok": False,
        "error": "order is not pending",
    },
    {
        "trajectory": "retail-7:0",
        "step": 4,
        "kind": "message",
        "role": "assistant",
        "text": "Your order #W1042 has been cancelled.",
        "confidence": 0.96,
    },
    {
        "trajectory": "retail-7:0",
        "step": 5,
        "kind": "outcome",
        "success": False,
        "reward": 0.0,
        "source": "tau-bench reward",
    },
]


def _type(prop: dict) -> str:
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "")
    return " or ".join(kind) if isinstance(kind, list) else kind


def _row(props: dict, name: str, required: bool) -> str:
    prop = props[name]
    example = json.dumps(prop["examples"][0], ensure_ascii=False) if prop.get("examples") else ""
    meaning = prop["description"].replace("|", "\\|")
    return f"| `{name}` | {_type(prop)} | {'yes' if required else 'no'} | {meaning} | `{example}` |"


def render() -> str:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    props = schema["properties"]
    required = {c["if"]["properties"]["kind"]["const"]: c["then"]["required"] for c in schema["allOf"]}
    header = ["| field | type | required | meaning | example |", "|---|---|---|---|---|"]
    out = [
        "# The trajaudit event schema, v1",
        "",
        "`schemas/trajaudit-event-v1.schema.json` (JSON Schema 2020-12; `trajaudit schema` prints it) is the contract",
        "between the logs and every check. A log is JSONL: one event per line; events of many trajectories may",
        "interleave. Unknown fields are kept and never fatal; put tool- or vendor-specific data under `meta`. Which",
        "fields are required depends on `kind` (`if`/`then` conditions, so a validation error names the exact missing",
        "field).",
        "",
        "This page is generated from the schema's descriptions and examples by `docs/generate_schema_md.py`; a test",
        "keeps the two in step.",
        "",
        "## Fields on every event",
        "",
        *header,
        *(_row(props, n, n in schema["required"]) for n in COMMON if n in props),
    ]
    for kind, names in BY_KIND.items():
        out += ["", f'## `kind: "{kind}"`', "", *header]
        out += [_row(props, n, n in required.get(kind, [])) for n in names]
    out += ["", "## A complete trajectory", "", "```jsonl"]
    out += [json.dumps(line, ensure_ascii=False) for line in EXAMPLE]
    out += [
        "```",
        "",
        "`trajaudit audit` reports step 3 as an ignored tool error (TA201), and step 4 as a success claim contradicted",
        "by the failed call (TA102) and by the outcome (TA101).",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
