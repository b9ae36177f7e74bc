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

import jsonschema_rs
import orjson

from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.rules.unknown_tool import declared_tools

CODE = "TA203"
NAME = "invalid-tool-arguments"
SEVERITY = Severity.ERROR


@lru_cache(maxsize=512)
def _fast(schema_json: bytes) -> Any:
    # Keyed by the schema's canonical JSON: logs reuse one tool set over thousands of runs.
    return jsonschema_rs.validator_for(orjson.loads(schema_json))


def _best_error(schema: Mapping[str, Any], arguments: Any) -> tuple[str, str] | None:
    """Path and message of the most relevant error, from python-jsonschema (only for arguments already invalid)."""
    import jsonschema
    from jsonschema.exceptions import best_match

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    error = best_match(cls(schema).iter_errors(arguments))
    if error is None:
        return None
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path, error.message


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    tools = declared_tools(trajectory)
    if not tools:
        return
    validators: dict[str, Any] = {}
    for event in trajectory.events:
        if event[4] != "tool_call":
            continue
        data = event[2]
        name = data.get("tool")
        declared = tools.get(name)
        if declared is None:
            continue
        arguments = data.get("arguments", {})
        if not isinstance(arguments, dict):
            yield Violation(event, f"{name}: arguments are not a JSON object: {str(arguments)[:80]!r}")
            continue
        parameters = declared.get("parameters")
        if not isinstance(parameters, dict):
            continue
        if name not in validators:
            validators[name] = _validator_or_none(parameters)
        validator = validators[name]
        if validator is None or validator.is_valid(arguments):
            continue
        error = _best_error(parameters, arguments)
        if error is not None:
            path, message = error
            message = message if len(message) <= 160 else message[:159] + "…"
            yield Violation(
                event,
                f"{name}: arguments do not match the declared parameters: {path}: {message}",
                {"tool": name, "path": path},
            )


def _validator_or_none(parameters: Mapping[str, Any]) -> Any:
    try:
        return _fast(orjson.dumps(parameters, option=orjson.OPT_SORT_KEYS))
    except Exception:  # an invalid declared schema is its author's problem, not this call's: skip the tool
        return None
