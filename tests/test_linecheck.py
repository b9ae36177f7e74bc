"""`validate`'s fast path (trajaudit.linecheck): a line it accepts is one the general path (orjson, then the schema)
accepts, with the same trajectory; it may refuse more, never less; and validate's output does not depend on it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajaudit import engine, linecheck, schema
from trajaudit.engine import Options, Validation
from trajaudit.reader import Source

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "events"
ACCEPT = linecheck.checker()


def general(raw: bytes) -> str | None:
    """What the general path says: the trajectory of a valid event, or None."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or not schema.validator().is_valid(value):
        return None
    return value["trajectory"]


def test_the_published_schema_compiles():
    # if it stops compiling, validate silently loses its fast path: say so here instead
    assert ACCEPT is not None


def test_valid_examples_are_accepted_and_invalid_ones_refused():
    named = set(schema.schema()["properties"])
    for folder in ("valid", "invalid"):
        for path in sorted((EXAMPLES / folder).glob("*.jsonl")):
            for number, raw in enumerate(path.read_bytes().splitlines(), 1):
                if raw.strip():
                    # a property the schema does not name is valid, and left to the general path
                    expected = folder == "valid" and set(orjson.loads(raw)) <= named
                    assert (ACCEPT(raw) is not None) is expected, f"{path.name}:{number}"


BASE = {"trajectory": "t-1", "step": 0, "kind": "tool_call", "call_id": "c1", "tool": "cancel", "arguments": {}}


def line(**fields) -> bytes:
    return orjson.dumps({**BASE, **fields})


@pytest.mark.parametrize(
    "raw",
    [
        line(),
        line(arguments="order 7"),
        line(kind="message", role="user", text="hi"),
        line(meta={"deep": [[{"x": 2**63 - 1}]], "y": [1.5, True, None]}),
        line(timestamp=1.5e9, confidence=1, tokens={"input": 3}),
        line(logprobs=[-0.0, -1e-300], top_logprobs=[[0, -2.5]]),
        b' {"trajectory":"t","step":0,"kind":"task"}\r\n',
        b'{"trajectory":"a","step":0,"kind":"task","trajectory":"b"}',
    ],
)
def test_accepted_lines_are_valid_events_with_the_same_trajectory(raw):
    assert ACCEPT(raw) is not None
    assert ACCEPT(raw) == general(raw)


@pytest.mark.parametrize(
    ("raw", "general_path"),
    [
        (line(extra=1), "valid"),  # a property the schema does not name: the general path decides
        (line(step=1.0), "valid"),  # an integer written as a float
        (line(step=2**63), "valid"),  # past 64 signed bits, which msgspec's bounds cannot say
        (line(version=1.0), "valid"),
        (line(meta={"n": 2**64 - 1}), "valid"),  # orjson reads it as an integer; msgspec's bounds stop at 2**63
        (line(meta={"n": [[[[[[[]]]]]]]}), "valid"),  # deeper than FREE_DEPTH
        (line(arguments={"a": 1}, **{"extra": 2}), "valid"),
        (line(kind="message"), "invalid"),  # role and text required
        (line(kind="message", role="user", text=None), "invalid"),
        (line(tool=""), "invalid"),
        (line(step=-1), "invalid"),
        (line(confidence=1.5), "invalid"),
        (line(ok="yes"), "invalid"),
        (line(arguments=[1]), "invalid"),
        (line(meta=[]), "invalid"),
        (line(tools=[{"name": "x", "parameters": 1}]), "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","meta":{"n":' + b"9" * 400 + b"}}", "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","meta":{"n":1e400}}', "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","meta":{"s":"\xff"}}', "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","arguments":"\xed\xa0\x80"}', "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","meta":{"s":"\\ud800"}}', "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task","kind":"message"}', "invalid"),  # the last kind counts
        (b'{"trajectory":"t","step":0,"kind":"task","meta":' + b"[" * 1030 + b"]" * 1030 + b"}", "invalid"),
        (b'{"trajectory":"t","step":0,"kind":"task"} x', "invalid"),
        (b"\xef\xbb\xbf" + line(), "invalid"),
        (b"[]", "invalid"),
        (b"", "invalid"),
    ],
)
def test_refused_lines_go_the_general_way(raw, general_path):
    assert ACCEPT(raw) is None
    assert (general(raw) is not None) is (general_path == "valid")


# Values in the number and text forms where parsers differ.
NUMBERS = st.sampled_from(
    [b"0", b"1", b"-1", b"1.0", b"0.5", b"-0", b"1e2", b"1e400", b"-1e-400", b"9" * 20, b"9" * 400]
)
TEXTS = st.sampled_from(
    [b'""', b'"x"', b'"\\u00e9"', b'"\\ud800"', b'"\xff"', b'"\xc3\xa9"', b'"\xed\xa0\x80"', b'"a\\nb"']
)
SCALARS = st.one_of(NUMBERS, NUMBERS, TEXTS, st.sampled_from([b"true", b"false", b"null"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: b"[" + b",".join(items) + b"]"),
        st.lists(st.tuples(st.sampled_from([b'"a"', b'"b"', b'"kind"']), inner), max_size=3).map(
            lambda pairs: b"{" + b",".join(k + b":" + v for k, v in pairs) + b"}"
        ),
    ),
    max_leaves=6,
)
SCHEMA = schema.schema()
KINDS = SCHEMA["properties"]["kind"]["enum"]
REQUIRED = {
    part["if"]["properties"]["kind"]["const"]: part["then"]["required"] for part in SCHEMA["allOf"]
}  # per kind, beside trajectory, step and kind
# A valid value of each property, so that generated lines are often valid but for the one value that is not.
VALID = {
    "version": b"1",
    "timestamp": b'"2026-01-01T00:00:00Z"',
    "confidence": b"0.5",
    "logprobs": b"[-0.5,0]",
    "top_logprobs": b"[[-1]]",
    "token_confidence": b"[2.5]",
    "confidence_k": b"3",
    "tokens": b'{"input":1,"output":2}',
    "origin": b'{"file":"a.json","line":3}',
    "meta": b'{"agent":"x","n":[1,{"deep":null}]}',
    "task_id": b'"t"',
    "goal": b'"g"',
    "tools": b'[{"name":"x","parameters":{"type":"object"}}]',
    "role": b'"user"',
    "text": b'"hi"',
    "call_id": b'"c"',
    "tool": b'"x"',
    "arguments": b'{"id":7}',
    "ok": b"true",
    "output": b'"o"',
    "error": b'"e"',
    "exit_code": b"-1",
    "success": b"false",
    "reward": b"1",
    "source": b'"s"',
    "answer": b'"a"',
    "claim": b'{"type":"tests_pass"}',
}
PROPERTIES = sorted(SCHEMA["properties"])
# Free-form values, and a property the schema does not name, around each scalar form: where parsers differ most
FREE = {
    "meta": SCALARS.map(lambda value: b'{"n":[' + value + b"]}"),
    "arguments": SCALARS.map(lambda value: b'{"id":' + value + b"}"),
    "tools": SCALARS.map(lambda value: b'[{"name":"x","parameters":{"default":' + value + b"}}]"),
    "unknown": SCALARS,
}


@st.composite
def lines(draw) -> bytes:
    """An event of some kind with its required fields, then properties (and an unknown one) with values valid or
    not, some repeated, in any order."""
    kind = draw(st.sampled_from(KINDS))
    trajectory = draw(st.sampled_from([b'"t"', b'"t"', b'"t"', b'""', b"1"]))
    pairs = [("trajectory", trajectory), ("step", draw(st.one_of(st.just(b"0"), NUMBERS)))]
    pairs += [("kind", b'"' + kind.encode() + b'"')]
    pairs += [(key, VALID[key]) for key in REQUIRED.get(kind, ()) if draw(st.integers(0, 9))]
    keys = st.one_of(st.sampled_from(sorted(FREE)), st.sampled_from([*PROPERTIES, "unknown"]))
    for key in draw(st.lists(keys, max_size=4)):
        choice = draw(st.integers(0, 3))
        if key == "kind":  # repeated: the last one counts, and its required fields
            value = b'"' + draw(st.sampled_from(KINDS)).encode() + b'"'
        elif choice == 0 and key in FREE:
            value = draw(FREE[key])
        elif choice < 3 and key in VALID:
            value = VALID[key]
        else:
            value = draw(VALUES)
        pairs.append((key, value))
    pairs = draw(st.permutations(pairs))
    return b"{" + b",".join(b'"' + key.encode() + b'":' + value for key, value in pairs) + b"}"


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines())
def test_the_fast_path_never_accepts_what_the_general_path_refuses(raw):
    accepted = ACCEPT(raw)
    if accepted is not None:
        assert general(raw) == accepted


def test_a_schema_the_compiler_does_not_know_turns_the_fast_path_off():
    for change in (
        lambda s: s["properties"]["text"].update(maxLength=10),
        lambda s: s.update(additionalProperties=False),
        lambda s: s["properties"]["tool"].update(pattern="^[a-z]+$"),
        lambda s: s["allOf"].append({"anyOf": [{"required": ["text"]}]}),
        lambda s: s["properties"].update(ref={"$ref": "#/$defs/x"}),
        lambda s: s["properties"]["reward"].update(maximum=2**60),  # compared as a float by msgspec
    ):
        document = copy.deepcopy(schema.schema())
        change(document)
        with pytest.raises(linecheck.Unsupported):
            linecheck.compile_schema(document)


def test_the_compiled_check_follows_the_schema():
    document = copy.deepcopy(schema.schema())
    document["allOf"].append({"if": {"properties": {"kind": {"const": "task"}}}, "then": {"required": ["goal"]}})
    document["properties"]["step"]["minimum"] = 5
    compiled = linecheck.compile_schema(document)
    assert compiled.required_when["task"] == ("goal",)
    decode = msgspec.json.Decoder(compiled.type).decode
    with pytest.raises(msgspec.ValidationError):
        decode(b'{"trajectory":"t","step":4,"kind":"task"}')


def validate(path: Path) -> tuple[list, object]:
    run = Validation([Source(str(path), str(path))], Options())
    findings = list(run)
    return [(f.code, f.line, f.message) for f in findings], run.summary


def test_validate_gives_the_same_findings_and_counts_with_and_without_the_fast_path(tmp_path, monkeypatch):
    rows = [
        line(),
        line(trajectory="t-2", kind="message", role="user", text="hi"),
        line(extra=1),
        line(step=-1),
        b"{not json",
        b'{"trajectory":"t-3","step":0,"kind":"task","meta":{"n":' + b"9" * 400 + b"}}",
        line(trajectory="t-4", step=1.0),
        b"",
        line(kind="message"),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    fast, fast_summary = validate(path)
    monkeypatch.setattr(engine.linecheck, "checker", lambda: None)
    slow, slow_summary = validate(path)
    assert fast == slow and len(fast) == 5
    assert (fast_summary.lines, fast_summary.steps, fast_summary.trajectories) == (
        slow_summary.lines,
        slow_summary.steps,
        slow_summary.trajectories,
    )
    assert json.dumps(fast_summary.formats) == json.dumps(slow_summary.formats)
