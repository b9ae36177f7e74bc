"""Hostile input (issue 11): memory bombs meet caps, valid JSON is never dropped, the file system cannot break a run.

Every attack is built at a small size against a small cap (the caps are settings), next to the near miss that must
keep working.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import os
import signal
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajaudit import engine, reader
from trajaudit.config import Config, ConfigError, from_mapping
from trajaudit.importers import inspect, tau2
from trajaudit.model import Finding, Limits, TrajectoryResult
from trajaudit.reader import Ended, InputError, Malformed, Source, discover, iter_json, read_document

KIB = 1024


def event(tid: str, step: int, kind: str, **fields) -> bytes:
    return json.dumps({"trajectory": tid, "step": step, "kind": kind, **fields}).encode() + b"\n"


def message_of_size(size: int) -> bytes:
    """A valid native event line of exactly `size` bytes, newline excluded."""
    head = event("t", 0, "reasoning", text="")[:-3]  # ...,"text": "
    return head + b"x" * (size - len(head) - 2) + b'"}'


def limited(path: Path, **caps) -> Source:
    return Source(str(path), path, limits=replace(Limits(), **caps))


def audit(paths: list[Path], jobs: int = 1, **caps) -> tuple[list, engine.Audit]:
    config = replace(Config(), limits=replace(Limits(), **caps))
    run = engine.Audit(list(discover([str(p) for p in paths])), config, engine.Options(jobs=jobs))
    return list(run), run


def findings(items: list) -> list[Finding]:
    out: list[Finding] = []
    for item in items:
        out.extend(item.findings if isinstance(item, TrajectoryResult) else [item])
    return out


# --- point 3: line and document caps ---------------------------------------------------------------------------


class Recording(io.BytesIO):
    """A stream that remembers the most bytes any one read gave back."""

    most = 0

    def _note(self, data: bytes) -> bytes:
        Recording.most = max(Recording.most, len(data))
        return data

    def readline(self, size=-1):  # type: ignore[override]
        return self._note(super().readline(size))

    def read(self, size=-1):  # type: ignore[override]
        return self._note(super().read(size))


class RecordedSource(Source):
    __slots__ = ("data",)

    def open(self):  # type: ignore[override]
        return Recording(self.data)


def recorded(data: bytes, **caps) -> RecordedSource:
    source = RecordedSource("mem.jsonl", None, limits=replace(Limits(), **caps))
    object.__setattr__(source, "data", data)
    Recording.most = 0
    return source


def test_a_line_over_the_cap_is_skipped_unheld_and_the_next_line_is_read():
    data = message_of_size(4 * reader.CHUNK) + b"\n" + event("t", 1, "outcome", success=True)
    items = list(iter_json(recorded(data, max_line_bytes=KIB)))
    assert isinstance(items[0], Malformed) and items[0].line == 1
    assert "max-line-bytes" in items[0].message and "1 KiB" in items[0].message
    assert f"{4 * reader.CHUNK:,} bytes" in items[0].message
    assert items[1] == (2, {"trajectory": "t", "step": 1, "kind": "outcome", "success": True})
    assert Recording.most <= reader.CHUNK  # read in bounded chunks, never the whole line


def test_a_line_at_the_cap_is_audited_normally():
    data = message_of_size(KIB) + b"\n" + message_of_size(KIB) + b"\r\n" + message_of_size(KIB)
    items = list(iter_json(recorded(data, max_line_bytes=KIB)))
    assert [type(item) for item in items] == [tuple, Malformed, tuple]  # the \r counts: 1,025 bytes
    assert [n for n, _ in (items[0], items[2])] == [1, 3]


def test_a_gzip_line_bomb_is_skipped_in_bounded_chunks(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(message_of_size(3 * reader.CHUNK) + b"\n" + event("t", 1, "outcome", success=False)))
    items, run = audit([path], max_line_bytes=64 * KIB)
    found = findings(items)
    assert [f.code for f in found if f.line == 1] == ["TA001"] and "max-line-bytes" in found[0].message
    assert run.summary.trajectories == 1 and run.summary.lines == 1  # the outcome on line 2 was still audited


def test_a_document_over_the_cap_is_reported_without_reading_it(tmp_path):
    doc = json.loads(Path("tests/fixtures/importers/tau2.json").read_text())
    text = json.dumps(doc).encode()
    plain = tmp_path / "run.json"
    plain.write_bytes(text)
    packed = tmp_path / "run.json.gz"
    packed.write_bytes(gzip.compress(text))
    for path in (plain, packed):
        over = read_document(limited(path, max_document_bytes=len(text) - 1))
        assert isinstance(over, Malformed) and "max-document-bytes" in over.message
        assert read_document(limited(path, max_document_bytes=len(text))) == doc  # the near miss: exactly at it


def test_an_eval_member_over_the_cap_is_one_finding_and_the_other_samples_are_read(tmp_path):
    sample = {"id": 1, "epoch": 1, "input": "hi", "messages": [{"role": "user", "content": "hi"}]}
    big = {**sample, "id": 2, "messages": [{"role": "user", "content": "x" * 50_000}]}
    path = tmp_path / "log.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", json.dumps({"version": 2, "eval": {"eval_id": "e", "task": "t"}}))
        archive.writestr("samples/1_epoch_1.json", json.dumps(sample))
        archive.writestr("samples/2_epoch_1.json", json.dumps(big))
    items = list(inspect.convert(limited(path, max_document_bytes=10_000)))
    problems = [i for i in items if isinstance(i, Malformed)]
    assert len(problems) == 1 and "samples/2_epoch_1.json" in problems[0].message
    assert "max-document-bytes" in problems[0].message
    assert {e["trajectory"] for _, e in (i for i in items if not isinstance(i, Malformed))} == {"e:1:1"}


def test_a_zip_member_that_lies_about_its_size_is_counted_while_decompressing():
    class Lying(zipfile.ZipFile):
        def getinfo(self, name):  # type: ignore[override]
            info = copy.copy(super().getinfo(name))
            info.file_size = 10
            return info

        def open(self, name, *args, **kwargs):  # type: ignore[override]
            return super().open(super().getinfo(name), *args, **kwargs)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("samples/1.json", json.dumps({"text": "x" * 50_000}))
    with Lying(buffer) as archive:
        assert "max-document-bytes" in inspect._member(archive, "samples/1.json", 10_000)
        assert inspect._member(archive, "samples/1.json", 100_000) == {"text": "x" * 50_000}


# --- point 3: findings per event and per file -------------------------------------------------------------------


def test_one_line_of_many_bad_tools_is_capped_with_one_more_finding(tmp_path):
    path = tmp_path / "tools.jsonl"
    path.write_bytes(event("t", 0, "task", tools=[1] * 50_000))
    found = findings(audit([path], max_findings_per_event=10)[0])
    schema = [f for f in found if f.code == "TA002"]
    assert len(schema) == 11 and "more schema errors in this event" in schema[-1].message
    assert "max-findings-per-event" in schema[-1].message


def test_errors_at_the_cap_or_beyond_the_checked_items_are_still_reported(tmp_path):
    at_cap = tmp_path / "ten.jsonl"
    at_cap.write_bytes(event("t", 0, "task", tools=[1] * 10))
    assert len([f for f in findings(audit([at_cap], max_findings_per_event=10)[0]) if f.code == "TA002"]) == 10
    late = tmp_path / "late.jsonl"
    late.write_bytes(event("t", 0, "task", tools=[{"name": "x"}] * 50 + [1]))
    schema = [f for f in findings(audit([late], max_findings_per_event=10)[0]) if f.code == "TA002"]
    assert [f.path for f in schema] == ["$.tools[50]"]


def test_input_findings_per_file_are_capped_with_one_more_finding_per_code(tmp_path):
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"not json\n" * 30 + b"[]\n" * 5)
    items, run = audit([path], max_findings_per_file=10)
    assert [f.code for f in items] == ["TA001"] * 10 + ["TA001", "TA002"]
    assert "20 more TA001" in items[10].message and "5 more TA002" in items[11].message
    assert "max-findings-per-file" in items[10].message
    near = tmp_path / "near.jsonl"
    near.write_bytes(b"not json\n" * 10)
    assert [f.code for f in audit([near], max_findings_per_file=10)[0]] == ["TA001"] * 10


def test_validate_caps_findings_too(tmp_path):
    path = tmp_path / "tools.jsonl"
    path.write_bytes(event("t", 0, "task", tools=[1] * 5000) + b"junk\n" * 20)
    options = engine.Options(limits=replace(Limits(), max_findings_per_event=5, max_findings_per_file=8))
    found = list(engine.Validation([Source(str(path), path)], options))
    assert len(found) == 8 + 1  # 6 of the first line, 2 junk lines; then one "more" for the other junk lines
    assert "at least" in found[5].message and "18 more TA001" in found[-1].message


# --- point 3: open trajectories ---------------------------------------------------------------------------------


def interleaved(path: Path, comeback: bool) -> Path:
    lines = [event(f"t{i}", 0, "message", role="user", text="hi") for i in range(5)]
    if comeback:
        lines.append(event("t0", 1, "message", role="assistant", text="done"))
    path.write_bytes(b"".join(lines))
    return path


def test_past_the_open_trajectory_cap_the_oldest_is_closed_and_its_comeback_said(tmp_path):
    items, run = audit([interleaved(tmp_path / "x.jsonl", comeback=True)], max_open_trajectories=3)
    assert len(run.summary.notes) == 1 and "max-open-trajectories" in run.summary.notes[0]
    results = [i for i in items if isinstance(i, TrajectoryResult)]
    assert [r.trajectory.id for r in results[:2]] == ["t0", "t1"]  # closed early, in the order they opened
    comeback = [r for r in results if r.trajectory.id == "t0"][1]
    notes = [f for f in comeback.findings if f.code == "TA003"]
    assert len(notes) == 1 and "max-open-trajectories" in notes[0].message and notes[0].line == 6


def test_under_the_open_trajectory_cap_nothing_changes(tmp_path):
    items, run = audit([interleaved(tmp_path / "x.jsonl", comeback=True)], max_open_trajectories=5)
    assert run.summary.notes == []
    results = [i for i in items if isinstance(i, TrajectoryResult)]
    assert sorted(r.trajectory.id for r in results) == ["t0", "t1", "t2", "t3", "t4"]
    assert not [f for f in findings(items) if f.code == "TA003"]


def test_the_open_trajectory_cap_holds_memory_for_trajectories_closed_by_outcomes():
    assembler = engine.Assembler({}, "-", max_open=2)
    for i in range(1000):
        tid = f"t{i}"
        data = {"trajectory": tid, "step": 0, "kind": "outcome", "success": True}
        assembler.start(tid, engine.Event("f", i, data)).append(engine.Event("f", i, data))
        assembler.close(tid)
    assert len(assembler._opened) < 100  # the opening order forgets closed trajectories


# --- the caps with several processes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x.jsonl", "x.jsonl.gz"])
def test_caps_and_lenient_parsing_hold_with_several_processes(tmp_path, name):
    lines = []
    for i in range(40):
        lines.append(event(f"t{i % 4}", i // 4, "message", role="user", text="hi"))
        if i == 17:
            lines.append(message_of_size(5000) + b"\n")
        if i == 23:
            lines.append(b'{"trajectory": "t1", "step": 99, "kind": "message", "role": "user", "text": "\\ud83d"}\n')
    data = b"".join(lines)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    serial, one = audit([path], jobs=1, max_line_bytes=2 * KIB)
    split, two = audit([path], jobs=2, max_line_bytes=2 * KIB)
    assert one.summary.lines == two.summary.lines == 41
    codes = sorted((f.code, f.line) for f in findings(serial))
    assert codes == sorted((f.code, f.line) for f in findings(split))
    assert ("TA001", 19) in codes


# --- point 5: lone surrogate escapes ----------------------------------------------------------------------------


FALSE_CLAIM = [
    event("t", 0, "task", goal="cancel order 1", tools=[{"name": "cancel_order"}]),
    b'{"trajectory": "t", "step": 1, "kind": "message", "role": "assistant", '
    b'"text": "Done \\ud83d Your order has been cancelled."}\n',
    event("t", 2, "outcome", success=False),
]


def test_a_native_line_with_a_lone_surrogate_keeps_its_event_and_its_claims(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(FALSE_CLAIM))
    found = findings(audit([path])[0])
    assert "TA001" not in {f.code for f in found} and "TA101" in {f.code for f in found}
    items = list(iter_json(Source(str(path), path)))
    assert items[1][1]["text"] == "Done \ufffd Your order has been cancelled."


def test_surrogate_pairs_and_other_invalid_json_are_unchanged(tmp_path):
    path = tmp_path / "x.jsonl"
    lines = [b'{"a": "\\ud83d\\ude00"}', b'{"a": NaN, "b": "\\ud83d"}', b'{"a": "\\ud83d"', b'{"\\udead": ["\\udc00"]}']
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(iter_json(Source(str(path), path)))
    assert items[0] == (1, {"a": "\U0001f600"})
    assert isinstance(items[1], Malformed) and isinstance(items[2], Malformed)  # NaN; cut off
    assert items[3] == (4, {"\ufffd": ["\ufffd"]})


def test_a_tau2_document_with_a_lone_surrogate_keeps_all_its_trajectories(tmp_path):
    text = Path("tests/fixtures/importers/tau2.json").read_text()
    assert "Hi! How can I help?" in text
    path = tmp_path / "results.json"
    path.write_text(text.replace("Hi! How can I help?", "Hi! \\ud83d How can I help?"))
    items = [item for item in tau2.convert(Source(str(path), path)) if not isinstance(item, Ended)]
    assert not [i for i in items if isinstance(i, Malformed)]
    assert len({e["trajectory"] for _, e in items}) == 2
    assert any(e.get("text") == "Hi! \ufffd How can I help?" for _, e in items)


# --- point 9: the file system -----------------------------------------------------------------------------------


def test_a_very_deep_directory_is_walked(tmp_path):
    deep = str(tmp_path)
    for _ in range(1500):  # os.makedirs itself recurses per level
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    Path(deep, "x.jsonl").write_bytes(b"")
    try:
        found = list(discover([str(tmp_path)]))
        assert [Path(s.name).name for s in found] == ["x.jsonl"] and found[0].name.count("/d") == 1500
    finally:  # shutil.rmtree, which pytest cleans up with, recurses per level too
        os.remove(os.path.join(deep, "x.jsonl"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_a_name_too_long_is_a_usage_error_naming_it(tmp_path):
    name = str(tmp_path / ("x" * 300 + ".jsonl"))
    with pytest.raises(InputError, match="too long"):
        list(discover([name]))


def test_a_symlinked_directory_outside_the_input_is_noted_inside_it_is_not(tmp_path):
    root, outside = tmp_path / "logs", tmp_path / "elsewhere"
    (root / "runs").mkdir(parents=True)
    outside.mkdir()
    (root / "runs" / "a.jsonl").write_bytes(event("a", 0, "outcome", success=True))
    (outside / "b.jsonl").write_bytes(event("b", 0, "outcome", success=True))
    (root / "latest").symlink_to(root / "runs")
    (root / "loop").symlink_to(root)
    (root / "other").symlink_to(outside)
    items, run = audit([root])
    assert [r.trajectory.id for r in items] == ["a"]  # once: neither through `latest` nor around `loop`
    assert len(run.summary.notes) == 1 and "other" in run.summary.notes[0] and str(outside) in run.summary.notes[0]
    assert run.summary.files == 1


def test_a_symlinked_log_outside_the_input_is_noted_not_read_inside_it_is_read(tmp_path):
    root, outside = tmp_path / "logs", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "a.jsonl").write_bytes(event("a", 0, "outcome", success=True))
    (outside / "secret.jsonl").write_bytes(event("s", 0, "outcome", success=True))
    (root / "b.jsonl").symlink_to(outside / "secret.jsonl")  # a scan must not read outside the paths given
    (root / "c.jsonl").symlink_to(root / "a.jsonl")
    items, run = audit([root])
    assert sorted(r.trajectory.id for r in items) == ["a", "a"]
    assert len(run.summary.notes) == 1 and "b.jsonl" in run.summary.notes[0]


def test_an_unreadable_subdirectory_and_a_dangling_link_are_unreadable_input(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.jsonl").write_bytes(event("a", 0, "outcome", success=True))
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    scandir = os.scandir

    def guarded(path):
        if str(path).endswith("locked"):  # as root, a chmod 000 would not stop us
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(reader.os, "scandir", guarded)
    items, run = audit([tmp_path])
    problems = [f for f in items if isinstance(f, Finding)]
    assert {(Path(f.file).name, f.code) for f in problems} == {("locked", "TA001"), ("gone.jsonl", "TA001")}
    assert len(run.summary.unreadable) == 2 and engine.exit_code(run.summary, None) == 2
    assert any("Permission denied" in u for u in run.summary.unreadable)
    assert [r.trajectory.id for r in items if isinstance(r, TrajectoryResult)] == ["a"]
    alone, run = audit([tmp_path / "locked"], jobs=2)  # an unreadable directory alone is never split into ranges
    assert [f.code for f in alone] == ["TA001"] and run.summary.unreadable


def test_the_cli_says_what_it_did_not_audit(tmp_path):
    from typer.testing import CliRunner

    from trajaudit.cli import app

    (tmp_path / "logs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_bytes(event("a", 0, "outcome", success=True))
    (tmp_path / "logs" / "other").symlink_to(tmp_path / "elsewhere")
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "logs"), "--format", "jsonl", "-q"])
    assert result.exit_code == 0 and "not audited" in result.stderr and "other" in result.stderr
    long = CliRunner().invoke(app, ["audit", str(tmp_path / ("x" * 300 + ".jsonl"))])
    assert long.exit_code == 2 and "internal error" not in long.stderr and "too long" in long.stderr


@pytest.fixture
def pipe_stdin(monkeypatch):
    """Standard input replaced by a pipe that this test writes, in steps."""
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.FileIO(read_end, "rb"))))
    monkeypatch.setattr(reader, "_STDIN", None)
    monkeypatch.setattr(reader, "_STDIN_BUFFER", None)
    writer = os.fdopen(write_end, "wb", buffering=0)
    yield writer
    if not writer.closed:
        writer.close()
    sys.stdin.close()


@pytest.fixture
def deadline():
    def expired(*_):
        raise TimeoutError("waited on standard input that stays open")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_native_lines_on_an_open_stdin_are_audited_as_they_arrive(pipe_stdin, deadline):
    run = iter(engine.Audit([Source("-", None)], Config()))
    first = event("a", 0, "outcome", success=True)
    pipe_stdin.write(first[:20])  # a line that arrives in two writes
    pipe_stdin.write(first[20:])
    assert Source("-", None).head() == first == Source("-", None).head()  # looked at twice, read once
    result = next(run)  # the pipe is still open: this must not wait for more input
    assert isinstance(result, TrajectoryResult) and result.trajectory.id == "a"
    pipe_stdin.write(event("b", 0, "outcome", success=False))
    assert next(run).trajectory.id == "b"
    pipe_stdin.close()
    assert list(run) == []


def test_a_document_on_stdin_written_in_steps_is_still_recognised(pipe_stdin, deadline):
    text = Path("tests/fixtures/importers/tau2.json").read_bytes()
    pipe_stdin.write(b"{\n")  # a document's first line is not JSON on its own: detection reads on
    pipe_stdin.write(text.lstrip()[1:])
    pipe_stdin.close()
    items = list(engine.Audit([Source("-", None)], Config()))
    assert len([i for i in items if isinstance(i, TrajectoryResult)]) == 2


# --- configuration of the caps ----------------------------------------------------------------------------------


def test_limits_are_read_from_configuration_and_flags():
    config = from_mapping({"limits": {"max-line-bytes": "2KiB", "max-open-trajectories": 7}}, "t.toml")
    assert config.limits.max_line_bytes == 2048 and config.limits.max_open_trajectories == 7
    flagged = config.with_flags(options=["limits.max-document-bytes=1MiB", "repeated-call.min-repeats=4"])
    assert flagged.limits.max_document_bytes == 1 << 20 and flagged.limits.max_line_bytes == 2048
    assert flagged.options["TA205"] == {"min-repeats": 4}
    assert Config().limits == Limits()
    assert from_mapping({"limits": {"max-line-bytes": " 3 kb "}}, "t.toml").limits.max_line_bytes == 3000
    bad_values = (0, "lots", True, 1.5, "²", "5 XB", 10**30, "-1MiB")
    for bad in [{"max-line-bytes": value} for value in bad_values] + [{"max-lines": 3}]:
        with pytest.raises(ConfigError, match="t.toml"):
            from_mapping({"limits": bad}, "t.toml")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.binary(max_size=400), cap=st.integers(min_value=1, max_value=40), packed=st.booleans())
def test_under_any_line_cap_every_line_is_read_or_reported_in_order(tmp_path, data, cap, packed):
    path = tmp_path / ("x.jsonl.gz" if packed else "x.jsonl")
    path.write_bytes(gzip.compress(data) if packed else data)
    items = list(iter_json(limited(path, max_line_bytes=cap)))
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    expected = [n for n, raw in enumerate(pieces, 1) if raw.strip() or len(raw) > cap]
    assert [item.line if isinstance(item, Malformed) else item[0] for item in items] == expected
    for item in items:
        if isinstance(item, Malformed) and "max-line-bytes" in item.message:
            assert len(pieces[item.line - 1]) > cap


def test_a_lone_surrogate_on_the_first_line_does_not_hide_the_format(tmp_path):
    from trajaudit import importers

    path = tmp_path / "run.log"  # a name that says nothing: detection reads the first line
    path.write_bytes(b"".join(FALSE_CLAIM[1:]))
    assert importers.detect(Source(str(path), path)).NAME == "native"


def test_limits_reach_the_engine_from_the_command_line_and_a_config_file(tmp_path):
    from typer.testing import CliRunner

    from trajaudit.cli import app

    path = tmp_path / "x.jsonl"
    path.write_bytes(message_of_size(2 * KIB) + b"\n" + event("t", 1, "outcome", success=True))
    args = ["audit", str(path), "--format", "jsonl", "-q", "--isolated"]
    assert "max-line-bytes" not in CliRunner().invoke(app, args).stdout
    flagged = CliRunner().invoke(app, [*args, "--option", "limits.max-line-bytes=1KiB"])
    assert flagged.exit_code == 1 and "max-line-bytes" in flagged.stdout
    config = tmp_path / "trajaudit.toml"
    config.write_text('[limits]\nmax-line-bytes = "1KiB"\n')
    configured = CliRunner().invoke(app, ["audit", str(path), "--format", "jsonl", "-q", "--config", str(config)])
    assert configured.exit_code == 1 and "max-line-bytes" in configured.stdout
    wrong = CliRunner().invoke(app, [*args, "--option", "limits.max-line-bytes=big"])
    assert wrong.exit_code == 2 and "max-line-bytes" in wrong.stderr
