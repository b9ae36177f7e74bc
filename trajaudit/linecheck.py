"""`validate`'s fast path: the published schema compiled into a msgspec type that checks a native line's bytes.

`validate` needs two things from a native line: whether it is a valid event, and its trajectory. The general path
builds the whole line with orjson, then jsonschema-rs converts it again to check it: every string of the line is
made twice. msgspec decodes the bytes against a typed structure in one pass, in C, and keeps only what it is asked
for, so a valid line costs about what orjson's parse alone does (bench/README.md, "validate through msgspec").

`compile_schema` translates the schema itself, not a copy written by hand: a change to the published schema changes
this check, and a keyword the compiler does not know makes it refuse the schema, which turns the fast path off
(`checker` returns None) rather than check something else.

The fast path only ever says yes. A line it refuses goes the general way (orjson, then jsonschema-rs), which finds
and words the problem, so the compiled type may be stricter than the schema but never looser: every line it accepts
is one that orjson parses and the schema accepts, with the same trajectory. What makes that hold (tests/
test_linecheck.py checks each, and compares both paths on generated lines):
- An object with `properties` becomes a Struct that refuses unknown fields, so no part of a line is skipped unread:
  msgspec checks the UTF-8 and the numbers of all of it. A property the schema does not name sends the line the
  general way.
- A free-form value (an object without `properties`, an array without `items`) is decoded as JSON nested at most
  `FREE_DEPTH` deep, with integers bounded too: msgspec would read an integer of any size, where orjson fails past
  1.8e308. Every occurrence of a repeated key is decoded and checked this way, so none hides an invalid value.
  Typed integers are bounded to 64 signed bits, which orjson reads as integers too. Nothing nests deeper than the
  types allow, a few levels, far below orjson's limit of 1,024.
- `allOf` of `if {P: {const: C}} then {required: [...]}` (the schema's fields required per kind) is checked after
  decoding, on P's value: the last one, as in orjson, when P is repeated (msgspec checks each against P's enum).
- An integer written `1.0` or a `const` of 1 written `1.0`, which the schema takes, are refused.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Callable, Literal, NamedTuple, Union

import msgspec

from trajaudit import schema

# Keywords that never change whether an instance is valid.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly"}
)
# msgspec takes integer bounds within 64 signed bits, which orjson reads as integers; beyond, orjson reads floats.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
BOUNDED_INT = Annotated[int, msgspec.Meta(ge=INT_MIN, le=INT_MAX)]
# How deep a free-form value may nest, itself included, and still be checked here (deeper ones go the general way).
# Building the decoder costs about 2.5 times more per level, at every start of `validate`: 13 M instructions at 4,
# 34 M at 6, 65 ms at 10. Four holds arguments and meta as agents write them, and a tool's parameter schema down to a
# property's enum.
FREE_DEPTH = 4
DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


class Unsupported(Exception):
    """The schema uses something the compiler does not translate exactly."""


class Compiled(NamedTuple):
    """The event schema as a msgspec Struct; the property whose value decides further required ones (None: no such
    property), and those per value."""

    type: Any
    tag: str | None
    required_when: dict[str, tuple[str, ...]]


def checker() -> Callable[[bytes], str | None] | None:
    """A function from a line's bytes to its trajectory when the line is a valid event, None when it cannot say
    (the line then goes the general way); None instead of a function when the published schema does not compile."""
    return _checker()


@lru_cache(maxsize=1)
def _checker() -> Callable[[bytes], str | None] | None:
    try:
        compiled = compile_schema(schema.schema())
        decode = msgspec.json.Decoder(compiled.type).decode
    except Unsupported:
        return None
    except (TypeError, ValueError):  # a bound msgspec does not take: the general path does
        return None
    tag, required_when = compiled.tag, compiled.required_when
    unset = msgspec.UNSET

    # One Struct, its per-kind requirements checked here: a union tagged by kind decodes 1.7x slower, since msgspec
    # looks ahead for the tag when it is not the line's first key.
    def accept(raw: bytes) -> str | None:
        try:
            event = decode(raw)
        except DECODE_ERRORS:
            return None
        if tag is not None:
            for name in required_when.get(getattr(event, tag), ()):
                if getattr(event, name) is unset:
                    return None
        return event.trajectory  # type: ignore[no-any-return]

    return accept


def compile_schema(document: Any) -> Compiled:
    """The event schema compiled; raises Unsupported. Its top level must be an object with `properties`, requiring a
    string `trajectory`; its `allOf`, if any, the per-kind requirements described above."""
    if not isinstance(document, dict) or document.get("type") != "object" or "properties" not in document:
        raise Unsupported("the top level is not an object with properties")
    if "trajectory" not in document.get("required", ()) or document["properties"].get("trajectory", {}).get(
        "type"
    ) != "string":
        raise Unsupported("trajectory is not a required string")
    struct = _struct({key: value for key, value in document.items() if key != "allOf"}, "Event")
    conditions = [_condition(part) for part in document.get("allOf", ())]
    tags = {key for key, _, _ in conditions}
    if len(tags) > 1:
        raise Unsupported("conditions on more than one property")
    tag = next(iter(tags), None)
    required_when: dict[str, tuple[str, ...]] = {}
    if tag is not None:
        values = _tag_values(document, tag)
        for _, const, required in conditions:
            if const not in values:
                raise Unsupported(f"a condition on {tag} {const!r}, which {tag} cannot be")
            if not set(required) <= set(document["properties"]):
                raise Unsupported(f"{required} required where {tag} is {const!r}: a property without a schema")
            required_when[const] = tuple(dict.fromkeys(required_when.get(const, ()) + required))
    return Compiled(struct, tag, required_when)


def _tag_values(top: dict[str, Any], tag: str) -> list[str]:
    """The values a required property of the top level may take: an `enum` (or `const`) of strings only."""
    node = top["properties"].get(tag)
    if tag not in top.get("required", ()) or not isinstance(node, dict):
        raise Unsupported(f"conditions on {tag}, which is not a required property")
    values = node.get("enum", [node["const"]] if "const" in node else None)
    if set(node) - ANNOTATIONS - {"enum", "const", "type"} or not values or any(type(v) is not str for v in values):
        raise Unsupported(f"conditions on {tag}, which is not an enum of strings")
    if node.get("type", "string") != "string":
        raise Unsupported(f"{tag}'s type")
    return list(dict.fromkeys(values))


def _compile(node: Any, name: str) -> Any:
    """A subschema as a msgspec type."""
    if not isinstance(node, dict):
        raise Unsupported(f"{name}: boolean schemas")
    keys = set(node) - ANNOTATIONS
    if "enum" in node or "const" in node:
        return _literal(node, keys, name)
    kinds = node.get("type")
    if isinstance(kinds, list):
        if keys - {"type"} or not kinds or any(type(kind) is not str for kind in kinds):
            raise Unsupported(f"{name}: several types with constraints")
        return Union[tuple(_compile({"type": kind}, name) for kind in dict.fromkeys(kinds))]
    if kinds == "object":
        if "properties" in node:
            return _struct(node, name)
        if keys - {"type"}:
            raise Unsupported(f"{name}: object constraints without properties")
        return dict[str, FREE_VALUE]  # type: ignore[valid-type]
    if kinds == "array":
        if keys - {"type", "items"}:
            raise Unsupported(f"{name}: array constraints {sorted(keys)}")
        item = _compile(node["items"], name + "_item") if "items" in node else FREE_VALUE
        return list[item]  # type: ignore[valid-type]
    if kinds == "string":
        if keys - {"type", "minLength"}:
            raise Unsupported(f"{name}: string constraints {sorted(keys)}")
        if "minLength" not in node:
            return str
        length = node["minLength"]
        if type(length) is not int or length < 0:
            raise Unsupported(f"{name}: minLength {length!r}")
        return Annotated[str, msgspec.Meta(min_length=length)]
    if kinds in ("integer", "number"):
        return _number(node, keys, kinds, name)
    if kinds == "boolean" and keys == {"type"}:
        return bool
    if kinds == "null" and keys == {"type"}:
        return None
    raise Unsupported(f"{name}: {sorted(keys)}")


def _struct(node: dict[str, Any], name: str) -> Any:
    """An object with properties as a Struct refusing unknown fields. Optional fields default to UNSET, not None:
    the schema refuses `null` for a typed property, as UnsetType does."""
    unknown = set(node) - ANNOTATIONS - {"type", "properties", "required"}
    if unknown:
        raise Unsupported(f"{name}: object constraints {sorted(unknown)}")
    required = node.get("required", [])
    if not set(required) <= set(node["properties"]):
        raise Unsupported(f"{name}: a required property without a schema")
    fields: list[Any] = []
    for key, subschema in node["properties"].items():
        field_type = _compile(subschema, f"{name}_{key}")
        if key in required:
            fields.append((key, field_type))
        else:
            fields.append((key, Union[field_type, msgspec.UnsetType], msgspec.UNSET))
    fields.sort(key=len)  # required fields (pairs) first, as a Struct wants them
    try:
        return msgspec.defstruct(name, fields, forbid_unknown_fields=True)
    except (TypeError, ValueError) as exc:  # a property that cannot be a field name, e.g. `__class__`
        raise Unsupported(f"{name}: {exc}") from None


def _free_value(depth: int) -> Any:
    """Any JSON value nested at most `depth` deep, with integers of 64 signed bits."""
    value: Any = Union[str, BOUNDED_INT, float, bool, None]
    for _ in range(depth):
        value = Union[str, BOUNDED_INT, float, bool, None, list[value], dict[str, value]]  # type: ignore[valid-type]
    return value


FREE_VALUE = _free_value(FREE_DEPTH - 1)  # inside an object or an array, itself one level


def _literal(node: dict[str, Any], keys: set[str], name: str) -> Any:
    """An enum or const of strings or integers; a `type` beside it must hold for every value."""
    if keys - {"enum", "const", "type"} or ("enum" in node and "const" in node):
        raise Unsupported(f"{name}: enum/const with {sorted(keys)}")
    values = node["enum"] if "enum" in node else [node["const"]]
    if not values or not all(type(value) in (str, int) for value in values):
        raise Unsupported(f"{name}: an enum of other than strings and integers")
    if "type" in node:
        allowed = {"string": (str,), "integer": (int,), "number": (int,)}.get(node["type"], ())
        if not all(type(value) in allowed for value in values):
            raise Unsupported(f"{name}: an enum beside a type it does not hold")
    if any(type(value) is int and not INT_MIN <= value <= INT_MAX for value in values):
        raise Unsupported(f"{name}: an integer past 64 bits")
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _number(node: dict[str, Any], keys: set[str], kind: str, name: str) -> Any:
    if keys - {"type", "minimum", "maximum"}:
        raise Unsupported(f"{name}: number constraints {sorted(keys)}")
    bounds: dict[str, Any] = {}
    for keyword, meta in (("minimum", "ge"), ("maximum", "le")):
        if keyword in node:
            bound = node[keyword]
            if type(bound) not in (int, float):
                raise Unsupported(f"{name}: {keyword} {bound!r}")
            bounds[meta] = bound
    if kind == "number":
        # msgspec compares an integer given for a float as a float: exact only up to 2**53
        if any(abs(bound) > 2**53 for bound in bounds.values()):
            raise Unsupported(f"{name}: a bound past 2**53")
        return Annotated[float, msgspec.Meta(**bounds)] if bounds else float
    if any(type(bound) is not int for bound in bounds.values()):
        raise Unsupported(f"{name}: a fractional bound on an integer")
    low, high = max(bounds.get("ge", INT_MIN), INT_MIN), min(bounds.get("le", INT_MAX), INT_MAX)
    if low > high:
        raise Unsupported(f"{name}: bounds past 64 bits")
    return BOUNDED_INT if (low, high) == (INT_MIN, INT_MAX) else Annotated[int, msgspec.Meta(ge=low, le=high)]


def _condition(part: Any) -> tuple[str, str, tuple[str, ...]]:
    """One `{"if": {"properties": {P: {"const": C}}}, "then": {"required": [...]}}` as (P, C, required)."""
    if not isinstance(part, dict) or set(part) != {"if", "then"}:
        raise Unsupported("allOf other than if/then")
    condition, then = part["if"], part["then"]
    if not isinstance(condition, dict) or set(condition) != {"properties"} or len(condition["properties"]) != 1:
        raise Unsupported("an if other than one property's const")
    ((key, test),) = condition["properties"].items()
    if not isinstance(test, dict) or set(test) != {"const"} or type(test["const"]) is not str:
        raise Unsupported("an if other than a string const")
    if not isinstance(then, dict) or set(then) != {"required"} or not isinstance(then["required"], list):
        raise Unsupported("a then other than required")
    return key, test["const"], tuple(then["required"])


__all__ = ["Compiled", "Unsupported", "checker", "compile_schema"]
