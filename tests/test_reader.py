"""The reader: arbitrary bytes never crash it, and bad input becomes Malformed with file and line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajaudit.reader import InputError, Malformed, Source, discover, iter_json, read_document


def source(tmp_path: Path, name: str, data: bytes) -> Source:
    path = tmp_path / name
    path.write_bytes(data)
    return Source(str(path), path)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_and_lose_no_line(tmp_path, data):
    items = list(iter_json(source(tmp_path, "x.jsonl", data)))
    nonblank = [n for n, raw in enumerate(data.split(b"\n"), 1) if raw.strip()]
    numbers = [item.line if isinstance(item, Malformed) else item[0] for item in items]
    assert numbers == nonblank  # every non-blank line is either parsed or reported, in order


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_gzip_or_document_never_crash(tmp_path, data):
    list(iter_json(source(tmp_path, "x.jsonl.gz", data)))
    read_document(source(tmp_path, "x.json", data))


def test_lines_are_numbered_and_errors_located(tmp_path):
    data = b'{"a": 1}\n\n{"b": \n[1, 2]\n\xff\xfe\n'
    items = list(iter_json(source(tmp_path, "x.jsonl", data)))
    assert items[0] == (1, {"a": 1})
    assert isinstance(items[1], Malformed) and items[1].line == 3 and "truncated" in items[1].message
    assert items[2] == (4, [1, 2])
    assert isinstance(items[3], Malformed) and items[3].line == 5 and "UTF-8" in items[3].message


def test_truncated_gzip_reports_where_it_stopped(tmp_path):
    data = gzip.compress(b"".join(json.dumps({"n": i}).encode() + b"\n" for i in range(5000)))
    items = list(iter_json(source(tmp_path, "x.jsonl.gz", data[: len(data) // 2])))
    assert isinstance(items[-1], Malformed) and "ends early" in items[-1].message
    assert all(not isinstance(i, Malformed) for i in items[:-1]) and len(items) > 10


def test_deeply_nested_json_is_malformed_not_a_crash(tmp_path):
    items = list(iter_json(source(tmp_path, "x.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n{}\n")))
    assert isinstance(items[0], Malformed)
    assert items[1] == (2, {})


def test_a_50_mb_line_is_read(tmp_path):
    big = b'{"trajectory": "t", "step": 0, "kind": "reasoning", "text": "' + b"x" * (50 * 1024 * 1024) + b'"}\n'
    items = list(iter_json(source(tmp_path, "x.jsonl", big + b'{"ok": 1}\n')))
    assert items[0][1]["kind"] == "reasoning" and items[1] == (2, {"ok": 1})


def test_empty_file_has_no_items(tmp_path):
    assert list(iter_json(source(tmp_path, "x.jsonl", b""))) == []


def test_discover_walks_directories_sorted_and_rejects_missing_paths(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ("b/2.jsonl", "a.ndjson", "c.jsonl.gz", "notes.txt", "run.traj"):
        (tmp_path / name).write_bytes(b"")
    found = [(Path(s.name).relative_to(tmp_path).as_posix(), s.optional) for s in discover([str(tmp_path)])]
    # found by the walk, not named: skipped with a note if no importer recognises them
    assert found == [("a.ndjson", True), ("b/2.jsonl", True), ("c.jsonl.gz", True), ("run.traj", True)]
    # sorted part by part, as pathlib compares paths: a folder's files before a sibling whose name extends the
    # folder's ("b/…" before "b-1.jsonl", where a plain string sort puts "-" before "/")
    (tmp_path / "b-1.jsonl").write_bytes(b"")
    (tmp_path / "b.x").mkdir()
    (tmp_path / "b.x" / "3.jsonl").write_bytes(b"")
    order = [Path(s.name).relative_to(tmp_path).as_posix() for s in discover([str(tmp_path)])]
    assert order == ["a.ndjson", "b/2.jsonl", "b-1.jsonl", "b.x/3.jsonl", "c.jsonl.gz", "run.traj"]
    assert [s.optional for s in discover([str(tmp_path / "a.ndjson")])] == [False]
    try:
        list(discover([str(tmp_path / "missing.jsonl")]))
    except InputError as exc:
        assert "no such file" in str(exc)
    else:
        raise AssertionError("a missing path must be an InputError")
