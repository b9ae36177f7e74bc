"""Tool call arguments that do not match the declared parameter schema.

## What it does
Validates the `arguments` of every call to a declared tool against that tool's `parameters` JSON Schema (from the
task event) and reports the most relevant error with its JSON path. Arguments that are not a JSON object at all
(a raw string the model produced) are reported too. Tools without a parameter schema (or with one that is not a
valid JSON Schema) are not checked.

The declared schema comes from the log, so it is treated as untrusted:
- No reference is ever fetched. References inside the schema (`#/$defs/x`) and to the JSON Schema meta-schemas
  work; a `$ref` (or `$id` base, `$dynamicRef`, `$schema`) that needs anything else — `http(s)://`, `file://`,
  another document — is not resolved (nor is a pointer to a missing `$defs` entry): the first call of that tool in
  each trajectory is reported with the reference named, and its arguments are not checked.
- `pattern` and `patternProperties` are evaluated by jsonschema-rs's regex engine, never by Python's `re`:
  patterns without look-around or back-references run on a linear-time engine (`^(a+)+$` on `"aaa…a!"` is an
  instant "does not match"); the rest backtrack at most 10,000 steps per match. A match that needs more is
  undecided: the call is reported as not checked against that pattern (naming it), never as invalid.

## Why it matters
Invalid arguments are the most common way a tool call fails silently: a missing required field, a number sent as a
string, an id in the wrong format. Catching them per step shows where the agent misunderstood the tool.

## Example
`cancel_pending_order` declares `{"required": ["order_id", "reason"]}`; the agent sends `{"order_id": "#W1"}`:
`$: "reason" is a required property`.

## How to fix
Improve the tool description or the schema's field descriptions, validate arguments in the agent loop before
calling, and return schema errors to the model so it can correct itself. Inline remote references into the declared
schema (a bundled schema) so that it can be checked offline.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Mapping
from urllib.parse import unquote

import orjson

from trajaudit.context import events_by_kind
from trajaudit.lazy import LazyModule
from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.records import dataclass
from trajaudit.rules.unknown_tool import declared_tools

CODE = "TA203"
NAME = "invalid-tool-arguments"
SEVERITY = Severity.ERROR

# fancy-regex hands patterns without look-around or back-references to the linear-time `regex` crate; only the others
# backtrack, and this caps the steps of one match (about 0.2 ms), so a log cannot buy more time per string it holds.
BACKTRACK_LIMIT = 10_000
# imported at the first declared schema: logs of most formats declare no tool parameters, and this import is ~0.1 G
# instructions of start-up (bench/README.md, "start-up")
jsonschema_rs: Any = LazyModule("jsonschema_rs")
_MESSAGE_LIMIT = 160

_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A declared schema made usable: its validator, or why there is none (None for both: silently unchecked)."""

    validator: Any = None
    unresolved: str | None = None  # a reference that would need a fetch or a file read


class _Undecided(Exception):
    """A pattern that needs more than BACKTRACK_LIMIT steps on some string of the arguments."""

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self.pattern = pattern


def _compile(schema: Any, refused: list[str]) -> Any:
    def retrieve(uri: str) -> Any:
        refused.append(uri)
        raise LookupError(f"trajaudit fetches no schema: {uri}")

    return jsonschema_rs.validator_for(schema, retriever=retrieve, pattern_options=_pattern_options())


@lru_cache(maxsize=1)
def _pattern_options() -> Any:
    return jsonschema_rs.FancyRegexOptions(backtrack_limit=BACKTRACK_LIMIT)


@lru_cache(maxsize=512)
def _fast(schema_json: bytes) -> _Compiled:
    # Keyed by the schema's canonical JSON: logs reuse one tool set over thousands of runs.
    refused: list[str] = []
    try:
        return _Compiled(_compile(orjson.loads(schema_json), refused))
    except jsonschema_rs.ValidationError as exc:
        if refused:
            return _Compiled(unresolved=_relative(refused[0]))
        if isinstance(exc.kind, jsonschema_rs.ValidationErrorKind.Referencing):
            # refused without asking the retriever: an unknown meta-schema, a reference met after compilation
            text = str(exc.kind.error)
            quoted = re.search(r"'([^']*)'", text)
            return _Compiled(unresolved=_relative(quoted.group(1)) if quoted else text)
    except Exception:
        pass
    return _Compiled()  # an invalid declared schema is its author's problem, not this call's: skip the tool


def _relative(uri: str) -> str:
    # jsonschema-rs resolves a relative reference without a base against json-schema:///; show it as written
    return uri.removeprefix("json-schema:///")


def check(trajectory: Trajectory, options: Mapping[str, Any]) -> Iterator[Violation]:
    tools = declared_tools(trajectory)
    if not tools:
        return
    compiled = _compiled_of(tools)
    reported: set[str] = set()
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
        tool = compiled.get(name, _UNSEEN)
        if tool is _UNSEEN:
            tool = compiled[name] = _tool_schema(declared)
        if tool.unresolved is not None:
            if name not in reported:
                reported.add(name)
                yield Violation(
                    event,
                    f"{name}: arguments not checked: the declared parameters refer to {_short(tool.unresolved)!r}, "
                    "which is not in the schema itself (trajaudit fetches no remote or file reference)",
                    {"tool": name, "reference": _short(tool.unresolved)},
                )
            continue
        validator = tool.validator
        if validator is None or validator.is_valid(arguments):
            continue
        try:
            error = _best_error(validator, declared["parameters"], arguments)
        except _Undecided as undecided:
            yield Violation(
                event,
                f"{name}: arguments not checked against the pattern {_short(undecided.pattern)!r}: it needs more "
                f"than {BACKTRACK_LIMIT:,} backtracking steps on them",
                {"tool": name, "pattern": _short(undecided.pattern)},
            )
            continue
        except Exception:  # choosing is best effort: the verdict above is the validator's, so is its first error
            error = _first_error(validator, arguments)
        if error is not None:
            path, message = error
            yield Violation(
                event,
                f"{name}: arguments do not match the declared parameters: {path}: {_short(message)}",
                {"tool": name, "path": path},
            )


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _first_error(validator: Any, arguments: Any) -> tuple[str, str] | None:
    error = next(iter(validator.iter_errors(arguments)), None)
    return None if error is None else (_json_path(error.instance_path), error.message)


# Wording: the error a reader should see first, chosen among jsonschema-rs's errors as python-jsonschema's
# `best_match` chooses (its relevance key, and the descent into the errors of an anyOf/oneOf): the same validator, so
# the same regex engine and backtracking limit, and no reference fetched, decide both whether and how the arguments
# fail. (python-jsonschema worded them before; importing it cost each process ~0.1 s, ~370 M instructions.)
_WEAK = frozenset({"AnyOf", "OneOfNotValid", "OneOfMultipleValid"})


def _best_error(validator: Any, schema: Any, arguments: Any) -> tuple[str, str] | None:
    """Path and message of the most relevant error of arguments already invalid; `_Undecided` when a pattern ran out
    of backtracking steps on them (then they were not shown invalid)."""
    errors = list(validator.iter_errors(arguments))
    for error in _all(errors):
        if type(error.kind).__name__ == "BacktrackLimitExceeded":
            raise _Undecided(_pattern_of(schema, list(error.schema_path)))
    if not errors:
        return None
    best = max(_in_schema_order(schema, errors), key=lambda error: _relevance(schema, error))
    while (context := _context(best)):
        smallest = sorted(_in_schema_order(schema, context), key=lambda error: _relevance(schema, error))[:2]
        if len(smallest) == 2 and _relevance(schema, smallest[0]) == _relevance(schema, smallest[1]):
            break
        best = smallest[0]
    return _json_path(best.instance_path), best.message


def _in_schema_order(schema: Any, errors: list[Any]) -> list[Any]:
    """The errors in the order python-jsonschema meets them, walking each schema's keywords as written: ties of
    relevance go to the first, as its `best_match` gives them (jsonschema-rs orders keywords its own way)."""
    return sorted(errors, key=lambda error: _keyword_order(schema, list(error.schema_path)))


def _keyword_order(schema: Any, path: list[Any]) -> list[int]:
    """For each step of a keyword path, the position of that keyword (or item) in the schema it is read from."""
    order, node = [], schema
    for key in path:
        if isinstance(node, dict):
            order.append(list(node).index(key) if key in node else len(node))
        else:
            order.append(key if isinstance(key, int) else 0)
        node = _step(schema, node, key)
    return order


def _context(error: Any) -> list[Any]:
    """The errors of every branch of a failed anyOf/oneOf, flattened (as python-jsonschema's `context`)."""
    branches = getattr(error.kind, "context", None) or []
    return [inner for branch in branches for inner in branch]


def _all(errors: list[Any]) -> Iterator[Any]:
    for error in errors:
        yield error
        yield from _all(_context(error))


def _relevance(schema: Any, error: Any) -> tuple[Any, ...]:
    """python-jsonschema's `relevance` key (its `best_match` takes the largest at the top and the smallest among a
    failed anyOf/oneOf's errors): depth, instance path, whether the keyword is not weak (anyOf, oneOf), and whether
    the instance lacks the `type` of the schema that failed."""
    path = list(error.instance_path)
    return (
        -len(path),
        [(isinstance(part, str), part) for part in path],
        type(error.kind).__name__ not in _WEAK,
        not _matches_type(_at(schema, list(error.schema_path)[:-1]), error.instance),
    )


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "null": (type(None),),
    "number": (int, float), "integer": (int,),
}


def _matches_type(subschema: Any, instance: Any) -> bool:
    expected = subschema.get("type") if isinstance(subschema, dict) else None
    names = [expected] if isinstance(expected, str) else expected if isinstance(expected, list) else []
    for name in names:
        kinds = _JSON_TYPES.get(name) if isinstance(name, str) else None
        if kinds is None:
            continue
        if isinstance(instance, bool) and name != "boolean":
            continue  # JSON booleans are neither numbers nor integers
        if isinstance(instance, kinds) or (name == "integer" and isinstance(instance, float) and instance.is_integer()):
            return True
    return False


def _at(schema: Any, path: list[Any]) -> Any:
    """The subschema at a keyword path of the declared schema, following local `$ref`s; None where it cannot be
    followed."""
    node = schema
    for key in path:
        node = _step(schema, node, key)
    return node


def _step(schema: Any, node: Any, key: Any) -> Any:
    if key == "$ref" and isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return _pointer(schema, node["$ref"])
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _pointer(schema: Any, reference: str) -> Any:
    if not reference.startswith("#"):
        return None
    node = schema
    for token in filter(None, reference[1:].split("/")):
        key = unquote(token).replace("~1", "/").replace("~0", "~")
        node = _step(schema, node, int(key) if isinstance(node, list) and key.isdigit() else key)
    return node


def _pattern_of(schema: Any, path: list[Any]) -> str:
    """The pattern that ran out of steps: a `pattern` keyword's value, or a `patternProperties` key."""
    if path and path[-1] == "pattern":
        pattern = _at(schema, path)
        if isinstance(pattern, str):
            return pattern
    if len(path) >= 2 and path[-2] == "patternProperties" and isinstance(path[-1], str):
        return path[-1]
    return "?"


# Tool name -> compiled parameters, per tool set (by its JSON text), filled as calls need them: runs of one benchmark
# declare the same tools, which are then looked up once per run, not once per tool.
_BY_TOOL_SET: dict[bytes, dict[str, Any]] = {}


def _compiled_of(tools: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    try:
        key = orjson.dumps(tools)
    except Exception:  # not JSON: validators for this run only
        return {}
    compiled = _BY_TOOL_SET.get(key)
    if compiled is None:
        if len(_BY_TOOL_SET) >= 64:  # bounded: a tool set with long descriptions can take tens of kB
            _BY_TOOL_SET.clear()
        compiled = _BY_TOOL_SET[key] = {}
    return compiled


def _tool_schema(declared: Mapping[str, Any]) -> _Compiled:
    """The compiled parameters of a declared tool; empty when it declares no (valid) parameter schema."""
    parameters = declared.get("parameters")
    if not isinstance(parameters, dict):
        return _Compiled()
    try:
        key = orjson.dumps(parameters, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # not JSON-serialisable: nothing to check against
        return _Compiled()
    return _fast(key)
