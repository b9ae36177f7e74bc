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

from trajaudit.model import Severity, Trajectory, Violation, events_by_kind
from trajaudit.rules.unknown_tool import declared_tools

CODE = "TA203"
NAME = "invalid-tool-arguments"
SEVERITY = Severity.ERROR

_UNSEEN = object()


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
    validators = _validators_of(tools)
    for event in events_by_kind(trajectory)["tool_call"]:
        data = event[2]
        name = data.get("tool")
        declared = tools.get(name)
        if declared is None:
            continue
        arguments = data.get("arguments", {})
        if not isinstance(arguments, dict):
            yield Violation(event, f"{name}: arguments are not a JSON object: {str(arguments)[:80]!r}")
            continue
        validator = validators.get(name, _UNSEEN)
        if validator is _UNSEEN:
            validator = validators[name] = _tool_validator(declared)
        if validator is None or validator.is_valid(arguments):
            continue
        error = _best_error(declared["parameters"], arguments)
        if error is not None:
            path, message = error
            message = message if len(message) <= 160 else message[:159] + "…"
            yield Violation(
                event,
                f"{name}: arguments do not match the declared parameters: {path}: {message}",
                {"tool": name, "path": path},
            )


# Tool name -> validator of its parameters (None: no usable schema), per tool set (by its JSON text), filled as calls
# need them: runs of one benchmark declare the same tools, which are then looked up once per run, not once per tool.
_BY_TOOL_SET: dict[bytes, dict[str, Any]] = {}


def _validators_of(tools: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    try:
        key = orjson.dumps(tools)
    except Exception:  # not JSON: validators for this run only
        return {}
    validators = _BY_TOOL_SET.get(key)
    if validators is None:
        if len(_BY_TOOL_SET) >= 64:  # bounded: a tool set with long descriptions can take tens of kB
            _BY_TOOL_SET.clear()
        validators = _BY_TOOL_SET[key] = {}
    return validators


def _tool_validator(declared: Mapping[str, Any]) -> Any:
    """The validator of a declared tool's parameters; None when it declares no (valid) parameter schema."""
    parameters = declared.get("parameters")
    return _validator_or_none(parameters) if isinstance(parameters, dict) else None


def _validator_or_none(parameters: Mapping[str, Any]) -> Any:
    try:
        return _fast(orjson.dumps(parameters, option=orjson.OPT_SORT_KEYS))
    except Exception:  # an invalid declared schema is its author's problem, not this call's: skip the tool
        return None
