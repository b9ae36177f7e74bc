"""TA203 on hostile declared schemas: no fetch, no file read, no unbounded pattern matching (issue 11, points 1–2).

Findings are compared by their evidence (which reference, which pattern, which path), not by wording.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.deadline import deadline
from tests.rules.harness import call, task, trajectory
from trajaudit.rules import invalid_tool_arguments as ta203
from trajaudit.rules import lookup

DRAFT4 = "http://json-schema.org/draft-04/schema#"
INTEGER = json.dumps({"type": "object", "properties": {"a": {"type": "integer"}}}).encode()


@contextmanager
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A schema server on 127.0.0.1 that records every request path; stopped on exit."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(INTEGER)))
            self.end_headers()
            self.wfile.write(INTEGER)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)




def violations(parameters: dict[str, Any], *calls: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(step, evidence) of every TA203 violation for calls to a tool `f` declaring these parameters."""
    ta203._BY_TOOL_SET.clear()  # every test compiles its schema afresh
    ta203._fast.cache_clear()
    rule = lookup("TA203")
    assert rule.check is not None
    events = trajectory([task({"name": "f", "parameters": parameters}), *calls])
    return [(v.event.step, dict(v.evidence or {})) for v in rule.check(events, rule.options) if v.event is not None]


def test_the_counting_server_counts():
    # the control for the tests below: a request that is made is counted
    with counting_server() as (base, hits):
        urllib.request.urlopen(f"{base}/probe.json", timeout=5).read()
    assert hits == ["/probe.json"]


@pytest.mark.parametrize(
    "parameters",
    [
        lambda base: {"$ref": f"{base}/x.json"},
        lambda base: {"type": "object", "properties": {"a": {"$ref": f"{base}/x.json#/properties/a"}}},
        lambda base: {"$id": f"{base}/base/", "$ref": "x.json"},
        lambda base: {"$defs": {"d": {"$ref": f"{base}/x.json"}}, "anyOf": [{"$ref": "#/$defs/d"}]},
        lambda base: {"$schema": DRAFT4, "id": f"{base}/", "items": {"$ref": "x.json"}},
        lambda base: {"$id": f"{base}/d/", "$dynamicRef": "x.json"},  # refused without asking the retriever
        lambda base: {"not": {"$ref": f"{base}/x.json"}},
    ],
    ids=["ref", "nested-ref", "id-base", "via-local-ref", "draft4-id", "dynamic-ref", "under-not"],
)
def test_remote_reference_is_never_fetched_and_is_reported_once_naming_it(parameters):
    with counting_server() as (base, hits):
        found = violations(parameters(base), call("f", "c1", a="s"), call("f", "c2", a=1))
    assert hits == []
    assert len(found) == 1  # once per tool, at its first call
    step, evidence = found[0]
    assert step == 1
    assert evidence["reference"].startswith(base)
    assert evidence["reference"].split("#")[0].endswith("x.json")


@pytest.mark.parametrize(
    ("reference", "named"), [("x.json", "x.json"), ("urn:example:x", "urn:example:x"), ("#/$defs/gone", "/$defs/gone")]
)
def test_other_non_local_or_missing_reference_is_reported(reference, named):
    assert violations({"$ref": reference}, call("f", "c1", a="s")) == [(1, {"tool": "f", "reference": named})]


def test_file_reference_is_never_read(tmp_path: Path):
    target = tmp_path / "x.json"
    target.write_bytes(INTEGER)
    url = target.as_uri()
    found = violations({"$ref": url}, call("f", "c1", a="s"))
    # had the file been read, the call would be reported as invalid (a is not an integer), with a path
    assert found == [(1, {"tool": "f", "reference": url})]


def test_unknown_meta_schema_is_reported_not_fetched():
    with counting_server() as (base, hits):
        found = violations({"$schema": f"{base}/meta", "type": "object"}, call("f", "c1", a="s"))
    assert hits == []
    assert found == [(1, {"tool": "f", "reference": f"{base}/meta"})]


def test_wording_comes_from_the_validator_that_decided(tmp_path: Path):
    # the errors are the compiled validator's own, so wording can neither fetch nor read what compiling refused
    target = tmp_path / "x.json"
    target.write_bytes(INTEGER)
    with counting_server() as (base, hits):
        for schema in ({"$ref": f"{base}/x.json"}, {"$ref": target.as_uri()}):
            assert ta203._fast(json.dumps(schema).encode()).validator is None
    assert hits == []


def best(schema: dict, arguments: dict) -> tuple[str, str] | None:
    return ta203._best_error(ta203._compile(schema, []), schema, arguments)


def test_the_most_relevant_error_is_worded_as_python_jsonschema_chooses_it():
    required = {"type": "object", "required": ["order_id", "reason"], "properties": {"order_id": {"type": "string"}}}
    assert best(required, {"order_id": "#W1"}) == ("$", '"reason" is a required property')
    assert best({"properties": {"n": {"type": "integer"}}}, {"n": "3"}) == ("$.n", '"3" is not of type "integer"')
    # into a failed anyOf: the branch error that is most relevant (the instance has that branch's type)
    either = {"properties": {"v": {"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 3}]}}}
    assert best(either, {"v": "ab"}) == ("$.v", '"ab" is shorter than 3 characters')
    # nearer the root first; among siblings the last (python-jsonschema's `max` over its key gives the same)
    nested = {"properties": {"a": {"properties": {"b": {"type": "integer"}}}, "c": {"type": "string"}}}
    assert best(nested, {"a": {"b": "x"}, "c": 1}) == ("$.c", '1 is not of type "string"')
    items = {"properties": {"items": {"items": {"required": ["sku"]}}}}
    assert best(items, {"items": [{"sku": 1}, {}, {}]}) == ("$.items[2]", '"sku" is a required property')
    # through a local reference
    defs = {"$defs": {"id": {"type": "string", "pattern": "^#W"}}, "properties": {"a": {"$ref": "#/$defs/id"}}}
    assert best(defs, {"a": "W1"}) == ("$.a", '"W1" does not match "^#W"')


def test_local_references_and_meta_schemas_keep_working():
    parameters = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"id": {"type": "integer"}},
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/id"}},
        "required": ["a"],
    }
    found = violations(parameters, call("f", "c1", a="s"), call("f", "c2", a=1), call("f", "c3"))
    assert found == [(1, {"tool": "f", "path": "$.a"}), (3, {"tool": "f", "path": "$"})]
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"id": {"type": "integer"}},
        "properties": {"a": {"$ref": "#/definitions/id"}},
    }
    assert violations(draft7, call("f", "c1", a="s"), call("f", "c2", a=2)) == [(1, {"tool": "f", "path": "$.a"})]


def test_remote_reference_of_one_tool_does_not_stop_the_others():
    ta203._BY_TOOL_SET.clear()
    rule = lookup("TA203")
    assert rule.check is not None
    remote = {"name": "r", "parameters": {"$ref": "http://127.0.0.1:9/never.json"}}
    local = {"name": "l", "parameters": {"type": "object", "required": ["x"]}}
    events = trajectory([task(remote, local), call("r", "c1"), call("l", "c2"), call("l", "c3", x=1)])
    assert [(v.event.step, sorted(v.evidence or {})) for v in rule.check(events, rule.options)] == [
        (1, ["reference", "tool"]),
        (2, ["path", "tool"]),
    ]


EVIL = "^(a+)+$"  # exponential for a backtracking engine on "aaa…a!"
ATTACK = "a" * 32 + "!"  # about 3 minutes in Python's re; instant on a linear engine


def test_catastrophic_pattern_is_decided_instantly_and_reported_invalid():
    parameters = {"type": "object", "properties": {"a": {"type": "string", "pattern": EVIL}}}
    with deadline(10):
        found = violations(parameters, call("f", "c1", a=ATTACK), call("f", "c2", a="aaaa"))
    assert found == [(1, {"tool": "f", "path": "$.a"})]


def test_catastrophic_pattern_properties_key_is_decided_instantly():
    parameters = {"type": "object", "patternProperties": {EVIL: {"type": "integer"}}, "additionalProperties": False}
    with deadline(10):
        found = violations(
            parameters,
            call("f", "c1", **{ATTACK: 1}),  # matches no pattern: not allowed
            call("f", "c2", aaa="x"),  # matches: must be an integer
            call("f", "c3", aa=1, aaaa=2),
        )
    assert found == [(1, {"tool": "f", "path": "$"}), (2, {"tool": "f", "path": "$.aaa"})]


def test_catastrophic_pattern_in_wording_path_alone_is_bounded():
    # the attack of issue 11 went through the wording, which then used Python's re
    schema = {"type": "object", "properties": {"a": {"pattern": EVIL}, "b": {"type": "integer"}}}
    with deadline(10):
        assert best(schema, {"a": ATTACK}) == ("$.a", f'"{ATTACK}" does not match "{EVIL}"')
        assert best({"additionalProperties": False, "patternProperties": {EVIL: {}}}, {ATTACK: 1}) == (
            "$",
            f"Additional properties are not allowed ('{ATTACK}' was unexpected)",
        )


def test_pattern_needing_backtracking_past_the_limit_is_undecided_not_invalid():
    lookahead = "^((?=a)a+)+$"  # look-around: the backtracking engine, capped
    parameters = {"type": "object", "properties": {"a": {"type": "string", "pattern": lookahead}}}
    with deadline(10):
        found = violations(parameters, call("f", "c1", a=ATTACK), call("f", "c2", a="aaaa"))
    assert found == [(1, {"tool": "f", "pattern": lookahead})]


def test_ordinary_patterns_still_validate():
    parameters = {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "pattern": r"^#W\d{4}$"},
            "name": {"type": "string", "pattern": r"^(?!-)[a-z-]+$"},  # look-ahead within the limit
        },
        "patternProperties": {r"^x-": {"type": "string"}},
    }
    found = violations(
        parameters,
        call("f", "c1", order_id="#W1234", name="ok-name", **{"x-note": "fine"}),
        call("f", "c2", order_id="W1234"),
        call("f", "c3", name="-bad"),
        call("f", "c4", **{"x-note": 3}),
    )
    assert found == [
        (2, {"tool": "f", "path": "$.order_id"}),
        (3, {"tool": "f", "path": "$.name"}),
        (4, {"tool": "f", "path": "$.x-note"}),
    ]


def test_audit_of_a_hostile_schema_fetches_nothing_and_goes_on(tmp_path: Path):
    from typer.testing import CliRunner

    from trajaudit.cli import app

    secret = tmp_path / "secret.json"
    secret.write_bytes(INTEGER)
    with counting_server() as (base, hits):
        tools = [
            {"name": "web", "parameters": {"$ref": f"{base}/x.json"}},
            {"name": "disk", "parameters": {"$ref": secret.as_uri()}},
            {"name": "ok", "parameters": {"type": "object", "required": ["x"]}},
        ]
        lines = [{"trajectory": "h", "step": 0, "kind": "task", "tools": tools}] + [
            {"trajectory": "h", "step": step, "kind": "tool_call", "call_id": f"c{step}", "tool": tool, "arguments": {}}
            for step, tool in enumerate(["web", "disk", "ok"], start=1)
        ]
        log = tmp_path / "h.jsonl"
        log.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        result = CliRunner().invoke(app, ["audit", str(log), "--isolated", "--select", "TA203", "--format", "jsonl"])
    assert hits == []
    assert result.exit_code == 1  # findings, not a crash
    found = [json.loads(line) for line in result.stdout.splitlines() if '"finding"' in line]
    assert [(f["step"], sorted(f["evidence"])) for f in found] == [
        (1, ["reference", "tool"]),
        (2, ["reference", "tool"]),
        (3, ["path", "tool"]),
    ]


def test_a_tie_goes_to_the_keyword_written_first():
    # python-jsonschema meets the keywords as written and keeps the first of equally relevant errors
    first = {"required": ["a"], "additionalProperties": False, "properties": {"a": {}}}
    assert best(first, {"b": 1}) == ("$", '"a" is a required property')
    last = {"additionalProperties": False, "properties": {"a": {}}, "required": ["a"]}
    assert best(last, {"b": 1}) == ("$", "Additional properties are not allowed ('b' was unexpected)")


_LEAVES = st.sampled_from([
    {"type": "integer"}, {"type": "string", "minLength": 3}, {"enum": ["x", "y"]}, {"type": "array", "items": {}},
    {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 1}]},
    {"oneOf": [{"type": "integer"}, {"type": "integer", "minimum": 0}]},
])
_VALUES = st.sampled_from([1, -1, "a", "abcd", "x", None, True, [1, "a"], {"k": 1}])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcd"), _LEAVES, max_size=4),
    st.lists(st.sampled_from("abcd"), max_size=3, unique=True),
    st.booleans(),
    st.dictionaries(st.sampled_from("abcde"), _VALUES, max_size=5),
)
def test_the_path_chosen_is_python_jsonschemas(properties, required, closed, arguments):
    """The port of best_match names the same place as python-jsonschema's (the messages are jsonschema-rs's)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    schema: dict = {"type": "object", "properties": properties, "required": required}
    if closed:
        schema["additionalProperties"] = False
    reference = best_match(Draft202012Validator(schema).iter_errors(arguments))
    ours = best(schema, arguments)
    if reference is None:
        assert ours is None
    else:
        assert ours is not None and ours[0] == ta203._json_path(reference.absolute_path), (ours, reference.message)


def test_a_failure_to_choose_still_reports_the_validators_first_error(monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug in choosing")

    monkeypatch.setattr(ta203, "_best_error", broken)
    assert violations({"type": "object", "required": ["id"]}, call("f", "c1")) == [(1, {"tool": "f", "path": "$"})]
