"""Format detection's helpers give exactly what their plain definitions give, on any head: `has_key` is the regex
`"key"\\s*:` found anywhere, and `first_json_value` is the first parseable line of the head split on newlines (a
line the head cut off never parsed). They are the per-file cost of reading a folder, hence the literal searches."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trajaudit.importers._common import first_json_value, has_key
from trajaudit.reader import HEAD_BYTES, NOT_JSON, parse_line


def plain_has_key(head: bytes, key: str) -> bool:
    return re.search(rb'"' + re.escape(key.encode()) + rb'"\s*:', head) is not None


def plain_first_json_value(head: bytes, max_lines: int = 5) -> Any:
    lines = head.split(b"\n")
    last = len(lines) - 1 if len(head) >= HEAD_BYTES else len(lines)
    seen = 0
    for index, raw in enumerate(lines):
        if index == last or seen >= max_lines:
            return None
        if not raw.strip():
            continue
        seen += 1
        value = parse_line(raw)
        if value is not NOT_JSON:
            return value
    return None


KEYS = ["task_id", "messages", "trajectory", "a", "é"]
PIECES = [
    '"task_id"', '"messages"', '"trajectory"', '"a"', '"é"', ":", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", '"',
    "\\", "{", "}", "[", "]", ",", "1", "x", "task_id", '"task_id', 'task_id"', '""', '\\"task_id\\"',
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16), st.sampled_from(KEYS))
def test_has_key_same_as_regex(pieces: list[str], key: str) -> None:
    head = "".join(pieces).encode()
    assert has_key(head, key) == plain_has_key(head, key), head


LINES = ['{"a": 1}', "[1, 2]", "{", "}", "", "   ", "not json", '"s"', "3", '{"b": [', "\t", '{"c": "\\ud83d"}']


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=9), st.booleans(), st.integers(1, 6))
def test_first_json_value_same_as_splitting(lines: list[str], trailing: bool, max_lines: int) -> None:
    head = ("\n".join(lines) + ("\n" if trailing else "")).encode()
    assert first_json_value(head, max_lines) == plain_first_json_value(head, max_lines), head
    full = head + b" " * max(0, HEAD_BYTES - len(head))  # a full head: its last line may be cut off
    assert first_json_value(full, max_lines) == plain_first_json_value(full, max_lines)
    assert first_json_value(full + b'{"a": 1}', max_lines) == plain_first_json_value(full + b'{"a": 1}', max_lines)


def test_edge_cases() -> None:
    assert has_key(b'{"task_id" \n\t: 1}', "task_id")
    assert not has_key(b'{"task_id" x: 1}', "task_id")
    assert has_key(b'"task_id" x "task_id":', "task_id")  # the second occurrence decides
    assert not has_key(b'{"task_ids": 1}', "task_id")
    assert first_json_value(b'{"a": 1}') == {"a": 1}  # the whole file: its last line is whole
    assert first_json_value(b"x" * HEAD_BYTES) is None  # a full head's only line is cut off
    assert first_json_value(b'{"a": 1}\n' + b"x" * HEAD_BYTES) == {"a": 1}
    assert first_json_value(b"x\ny\nz\nw\nv\n" + b'{"a": 1}\n') is None  # five lines tried, no more
