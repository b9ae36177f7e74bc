"""The pipeline's stages keep their promises: importers close the runs they finish, imported events are trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trajaudit import engine, schema
from trajaudit.config import Config
from trajaudit.model import Finding, TrajectoryResult
from trajaudit.reader import Source


def _chat(run_id: str) -> dict:
    return {"id": run_id, "messages": [
        {"role": "user", "content": "list the files"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "function": {"name": "bash", "arguments": '{"command": "ls"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
        {"role": "assistant", "content": "There is one file, a.txt."},
    ]}


def _audit(path: Path, fmt: str = "openai") -> tuple[list[TrajectoryResult | Finding], engine.Audit]:
    run = engine.Audit([Source(str(path), path)], Config(), engine.Options(input_format=fmt, jobs=1))
    return list(run), run


def _open_when_yielded(path: Path) -> list[int]:
    """How many trajectories the assembler held open each time a result was yielded."""
    run = engine.Audit([Source(str(path), path)], Config(), engine.Options(input_format="openai", jobs=1))
    held = []
    original = engine.Assembler.close

    def close(self: engine.Assembler, tid: str):  # type: ignore[no-untyped-def]
        held.append(len(self.open))
        return original(self, tid)

    engine.Assembler.close = close  # type: ignore[method-assign]
    try:
        list(run)
    finally:
        engine.Assembler.close = original  # type: ignore[method-assign]
    return held


def test_a_chat_line_closes_its_run_when_the_line_ends(tmp_path: Path):
    # Unscored runs have no outcome event: before, they were all held until the file ended.
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(_chat(f"run-{n}")) + "\n" for n in range(50)))
    assert _open_when_yielded(path) == [1] * 50


def test_runs_come_out_in_line_order_with_the_findings_between_them(tmp_path: Path):
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(_chat("first")) + "\n{broken\n" + json.dumps(_chat("second")) + "\n")
    items, _ = _audit(path)
    order = [item.trajectory.id if isinstance(item, TrajectoryResult) else f"{item.code}:{item.line}"
             for item in items]
    assert order == ["first", "TA001:2", "second"]


def test_the_same_id_on_two_lines_is_two_runs(tmp_path: Path):
    # as the same id in two files is: a line holds a whole run
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(_chat("again")) + "\n" + json.dumps(_chat("again")) + "\n")
    items, run = _audit(path)
    results = [item for item in items if isinstance(item, TrajectoryResult)]
    assert [r.trajectory.id for r in results] == ["again", "again"]
    assert not any(f.code == "TA003" for r in results for f in r.findings)
    assert run.summary.trajectories == 2


@pytest.mark.parametrize("check", [False, True])
def test_imported_events_are_validated_only_under_the_debug_switch(tmp_path: Path, monkeypatch, check: bool):
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(_chat("one")) + "\n")
    native = tmp_path / "native.jsonl"
    event = {"trajectory": "t", "step": 0, "kind": "message", "role": "user", "text": "hi"}
    native.write_text(json.dumps(event) + "\n")
    monkeypatch.setenv(schema.CHECK_IMPORTED_VARIABLE, "1" if check else "0")
    calls: list[object] = []
    real = schema.validator()

    class Counting:
        def is_valid(self, data: object) -> bool:
            calls.append(data)
            return bool(real.is_valid(data))

    monkeypatch.setattr(schema, "validator", lambda: Counting())
    _audit(path)
    assert len(calls) == (4 if check else 0)  # the user's message, the call, its result, the answer
    calls.clear()
    _audit(native, "native")
    assert len(calls) == 1  # lines a user wrote are always validated
