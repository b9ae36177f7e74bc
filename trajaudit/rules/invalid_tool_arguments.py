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
`$: 'reason' is a required property`.

## How to fix
Improve the tool description or the schema's field descriptions, validate arguments in the agent loop before
calling, and return schema errors to the model so it can correct itself. Inline remote references into the declared
schema (a bundled schema) so that it can be checked offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Mapping

import jsonschema_rs
import orjson

from trajaudit.context import events_by_kind
from trajaudit.model import Severity, Trajectory, Violation
from trajaudit.rules.unknown_tool import declared_tools

CODE = "TA203"
NAME = "invalid-tool-arguments"
SEVERITY = Severity.ERROR

# fancy-regex hands patterns without look-around or back-references to the linear-time `regex` crate; only the others
# backtrack, and this caps the steps of one match (about 0.2 ms), so a log cannot buy more time per string it holds.
BACKTRACK_LIMIT = 10_000
_PATTERN_OPTIONS = jsonschema_rs.FancyRegexOptions(backtrack_limit=BACKTRACK_LIMIT)
_MESSAGE_LIMIT = 160

_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A declared schema made usable: its validator, or why there is none (None for both: silently unchecked)."""

    validator: Any = None
    pattern_keys: bool = False  # whether it has patternProperties, which wording must rewrite
    references: bool = False  # whether it has $ref, $dynamicRef or $recursiveRef, which wording may resolve
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

    return jsonschema_rs.validator_for(schema, retriever=retrieve, pattern_options=_PATTERN_OPTIONS)


@lru_cache(maxsize=512)
def _fast(schema_json: bytes) -> _Compiled:
    # Keyed by the schema's canonical JSON: logs reuse one tool set over thousands of runs.
    refused: list[str] = []
    try:
        validator = _compile(orjson.loads(schema_json), refused)
        # 'ef"' ends "$ref", "$dynamicRef" and "$recursiveRef" (and a few other keys: then the registry is only spare)
        return _Compiled(validator, b'"patternProperties"' in schema_json, b'ef"' in schema_json)
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
            error = _best_error(
                declared["parameters"], arguments, rewrite=tool.pattern_keys, offline=tool.references
            )
        except _Undecided as undecided:
            yield Violation(
                event,
                f"{name}: arguments not checked against the pattern {_short(undecided.pattern)!r}: it needs more "
                f"than {BACKTRACK_LIMIT:,} backtracking steps on them",
                {"tool": name, "pattern": _short(undecided.pattern)},
            )
            continue
        except Exception:  # wording is best effort; the verdict above is the fast validator's
            error = None
        if error is None:
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
    """Path and message of jsonschema-rs's first error: when python-jsonschema cannot word the failure."""
    error = next(iter(validator.iter_errors(arguments)), None)
    return None if error is None else (_json_path(error.instance_path), error.message)


# Wording: python-jsonschema's best_match picks the most relevant error, but it would evaluate the log's patterns
# with Python's backtracking `re` and fetch remote references. So it runs with a registry that fetches nothing, its
# `pattern` keyword matches with the same engine and limit as the fast validator, and every `patternProperties` key
# is replaced by a literal pattern that matches exactly the argument keys that the declared pattern matches.


def _best_error(
    schema: Mapping[str, Any], arguments: Any, *, rewrite: bool = True, offline: bool = True
) -> tuple[str, str] | None:
    """Path and message of the most relevant error, from python-jsonschema (only for arguments already invalid).
    A schema known to have no patternProperties (rewrite=False) or no references (offline=False: then nothing can be
    retrieved, and the refusing registry, which costs more than the validation, is not needed) skips that step."""
    import jsonschema
    from jsonschema.exceptions import best_match

    originals: dict[str, str] = {}
    safe = _literal_pattern_keys(schema, _keys_of(arguments), originals) if rewrite else schema
    base = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    wording = _wording_class(base)
    validator = wording(safe, registry=_offline_registry()) if offline else wording(safe)
    error = best_match(validator.iter_errors(arguments))
    if error is None:
        return None
    message = error.message
    for literal, original in originals.items():
        message = message.replace(repr(literal), repr(original))
    return _json_path(error.absolute_path), message


@lru_cache(maxsize=16)
def _wording_class(base: Any) -> Any:
    import jsonschema

    def pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and isinstance(pattern, str) and not _search(pattern, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    return jsonschema.validators.extend(base, {"pattern": pattern})


@lru_cache(maxsize=1)
def _offline_registry() -> Any:
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    def retrieve(uri: str) -> Any:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class: mypy misses its fields

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


@lru_cache(maxsize=1024)
def _pattern_validator(pattern: str) -> Any:
    return jsonschema_rs.validator_for({"pattern": pattern}, pattern_options=_PATTERN_OPTIONS)


def _search(pattern: str, text: str) -> bool:
    """Whether the pattern matches somewhere in text, as jsonschema-rs decides it; _Undecided past the limit."""
    validator = _pattern_validator(pattern)
    if validator.is_valid(text):
        return True
    if any(isinstance(e.kind, jsonschema_rs.ValidationErrorKind.BacktrackLimitExceeded)
           for e in validator.iter_errors(text)):
        raise _Undecided(pattern)
    return False


def _keys_of(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    keys: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return keys


def _literal_pattern_keys(schema: Any, keys: set[str], originals: dict[str, str]) -> Any:
    """A copy of schema whose `patternProperties` keys are replaced by anchored alternations of the argument keys
    they match (safe for `re`: no repetition to backtrack over). Every `patternProperties` object anywhere is
    rewritten, even where it is not a keyword, since a `$ref` JSON pointer can make any object a schema."""
    counter = 0

    def rewrite(node: Any) -> Any:
        nonlocal counter
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "patternProperties" and isinstance(value, dict):
                table: dict[str, Any] = {}
                for pattern, subschema in value.items():
                    matched = sorted(k for k in keys if _search(pattern, k))
                    body = f"\\A(?:{'|'.join(map(re.escape, matched))})\\Z" if matched else "(?!)"
                    literal = f"{body}(?#{counter})"  # the comment keeps keys of equal match sets distinct
                    counter += 1
                    originals[literal] = pattern
                    table[literal] = rewrite(subschema)
                out[key] = table
            else:
                out[key] = rewrite(value)
        return out

    return rewrite(schema)


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
