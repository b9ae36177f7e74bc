"""Splitting one large native log over processes gives exactly the serial output, in the serial order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from trajaudit import parallel
from trajaudit.cli import app

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)


def messy_log(path: Path, seed: int = 7, events: int = 1500) -> Path:
    """Interleaved trajectories with failures, loops, late events, schema errors and broken lines."""
    rng = random.Random(seed)
    open_steps: dict[str, int] = {}
    closed: list[str] = []
    lines: list[str] = []
    counter = 0
    for _ in range(events):
        if len(open_steps) < 5 or rng.random() < 0.05:
            counter += 1
            open_steps[f"t{counter}"] = 0
        if closed and rng.random() < 0.01:  # an event after the outcome
            lines.append(json.dumps({"trajectory": rng.choice(closed), "step": 99, "kind": "reasoning", "text": "x"}))
        tid = rng.choice(sorted(open_steps))
        step = open_steps[tid]
        roll = rng.random()
        if step == 0:
            event = {
                "kind": "task",
                "task_id": f"k{counter % 5}",
                "goal": "g",
                "tools": [{"name": "a", "parameters": {"type": "object", "required": ["x"]}}],
            }
        elif roll < 0.12 and step > 3:
            event = {"kind": "outcome", "success": rng.random() < 0.5}
        elif roll < 0.4:
            event = {
                "kind": "tool_call",
                "call_id": f"c{step}",
                "tool": rng.choice("ab"),
                "arguments": rng.choice([{}, {"x": 1}]),
            }
        elif roll < 0.6:
            event = {"kind": "tool_result", "call_id": f"c{step - 1}", "ok": rng.random() < 0.7, "output": "Error"}
        else:
            event = {
                "kind": "message",
                "role": "assistant",
                "confidence": rng.random(),
                "text": rng.choice(["Done, the order has been cancelled.", "I could not do it.", "ok"]),
            }
        lines.append(json.dumps({"trajectory": tid, "step": step, **event}))
        if event["kind"] == "outcome":
            del open_steps[tid]
            closed.append(tid)
        else:
            open_steps[tid] = step + 1
        if rng.random() < 0.01:
            lines.append('{"broken": ')
        if rng.random() < 0.01:
            lines.append(json.dumps({"trajectory": tid, "step": "one", "kind": "message"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "sarif", "junit"])
def test_audit_output_does_not_depend_on_jobs(tmp_path, fmt):
    log = str(messy_log(tmp_path / "big.jsonl"))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["audit", log, "--format", fmt, "-q", "-j", str(j)]) for j in (1, 2, 3)]
    assert all(o.exit_code == 1 for o in outputs), [o.output[-500:] for o in outputs]
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout


def test_validate_output_does_not_depend_on_jobs(tmp_path):
    log = str(messy_log(tmp_path / "big.jsonl"))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["validate", log, "--format", "jsonl", "-q", "-j", str(j)]) for j in (1, 2)]
    assert outputs[0].exit_code == outputs[1].exit_code == 1
    assert outputs[0].stdout == outputs[1].stdout
    summary = json.loads(outputs[1].stdout.splitlines()[-1])
    assert summary["trajectories"] > 50 and summary["findings_by_rule"]["TA001"] > 0


def test_only_one_large_native_file_is_split(tmp_path):
    log = messy_log(tmp_path / "a.jsonl", events=50)
    from trajaudit.reader import discover

    one = list(discover([str(log)]))
    assert parallel.usable(one, "auto", 2)
    assert not parallel.usable(one, "auto", 1)
    assert not parallel.usable(one * 2, "auto", 2)  # trajectories may span files
    assert parallel.default_jobs(one, "auto") == 1  # small files are not worth the processes


def test_raw_routing_is_certain_only_when_the_id_cannot_differ_from_the_parsed_one():
    assert parallel.raw_route(b'{"trajectory": "abc", "step": 0}', 2) == parallel.route((1, {"trajectory": "abc"}), 2)
    assert parallel.raw_route(b'{"step": 0, "trajectory": "abc"}', 2) is None  # not the first key
    assert parallel.raw_route(b'{"trajectory": "a\\u0062c"}', 2) is None  # escapes: bytes differ from the value
    assert parallel.raw_route(b'{"trajectory": "a", "trajectory": "b"}', 2) is None  # the later duplicate wins
    assert parallel.raw_route(b'{"trajectory": "a", "text": "trajectory"}', 2) is None


@given(
    ident=st.text(alphabet=st.sampled_from('ab"\\é\n '), max_size=6),
    tail=st.sampled_from(['', ', "step": 0}', ', "trajectory": "b"}', ', "x": "trajectory"}', '}']),
    spacing=st.sampled_from(['{"trajectory":"', '{"trajectory": "', '{ "trajectory":"']),
    count=st.integers(1, 4),
)
def test_cached_compact_routing_agrees_with_the_regular_expression(ident, tail, spacing, count):
    raw = (spacing + ident + '"' + tail + "\n").encode("utf-8")
    owners: dict[bytes, int] = {}
    assert parallel.raw_route(raw, count, owners) == parallel.raw_route(raw, count)
    assert parallel.raw_route(raw, count, owners) == parallel.raw_route(raw, count)  # from the cache now
    try:
        parsed = json.loads(raw)
    except ValueError:
        return
    if parallel.raw_route(raw, count) is not None:  # certain: the parsed id hashes to the same worker
        assert parallel.raw_route(raw, count) == parallel.route((1, parsed), count)
