"""Tool call arguments that do not match the declared parameter schema.

## What it does
Validates the `arguments` of every call to a declared tool against that tool's `parameters` JSON Schema (from the
task event) and reports the most relevant error with its JSON path. Arguments that are not a JSON object at all
(a raw string the model produced) are reported too. Tools without a parameter schema are not checked.

## Why it matters
Invalid arguments are the most common way a tool call fails silently: a missing required field, a number sent as a
string, an id in the wrong format. Catching them per step shows where the agent misunderstood the tool.

## Example
`cancel_pending_order` declares `{"required": ["order_id", "reason"]}`; the agent sends `{"order_id": "#W1"}`:
`$: 'reason' is a required property`.

## How to fix
Improve the tool description or the schema's field descriptions, validate arguments in the agent loop before
calling, and return schema errors to the model so it can correct itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator, Mapping

import jsonschema
import orjson
from jsonschema.exceptions import best_match

from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.rules.unknown_tool import declared_tools

CODE = "TA203"
NAME = "invalid-tool-arguments"
SEVERITY = Severity.ERROR


@lru_cache(maxsize=512)
def _validator(schema_json: bytes) -> Any:
    # Keyed by the schema's canonical JSON: benchmarks reuse one tool set over thousands of runs.
    schema = orjson.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    tools = declared_tools(trajectory)
    if not tools:
        return
    for event in trajectory.of_kind("tool_call"):
        name = event.get("tool")
        declared = tools.get(name)
        if declared is None:
            continue
        arguments = event.get("arguments", {})
        if not isinstance(arguments, dict):
            yield Violation(event, f"{name}: arguments are not a JSON object: {str(arguments)[:80]!r}")
            continue
        parameters = declared.get("parameters")
        if not isinstance(parameters, dict):
            continue
        try:
            validator = _validator(orjson.dumps(parameters, option=orjson.OPT_SORT_KEYS))
        except (jsonschema.SchemaError, orjson.JSONEncodeError, TypeError):
            continue  # an invalid declaration is the schema author's problem, not this call's
        error = best_match(validator.iter_errors(arguments))
        if error is not None:
            path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            message = error.message if len(error.message) <= 160 else error.message[:159] + "…"
            yield Violation(
                event,
                f"{name}: arguments do not match the declared parameters: {path}: {message}",
                {"tool": name, "path": path},
            )
