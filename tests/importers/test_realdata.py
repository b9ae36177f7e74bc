"""Importers over the real third-party logs in ../shared/realdata (skipped when absent). Expected counts are computed
here from the raw JSON, independently of the importers, or taken from each folder's PROVENANCE.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.importers.conftest import assert_well_formed, by_trajectory, run
from trajaudit.importers import detect
from trajaudit.outcomes import load_outcomes
from trajaudit.reader import Source


def kinds(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["kind"] == kind]


def failures(events: list[dict]) -> int:
    return sum(1 for e in events if e["kind"] == "tool_result" and not e["ok"])


def chat_steps(messages: list[dict]) -> int:
    """Events one OpenAI-style message becomes: a message (when it has text or no calls) plus one per tool call."""
    total = 0
    for message in messages:
        calls = message.get("tool_calls") or []
        if message["role"] == "tool":
            total += 1
        else:
            total += (1 if message.get("content") or not calls else 0) + len(calls)
    return total


TAU_BENCH = {
    "tool-calling-none-0.1_range_0-100_user-none-llm_06232025.json": (73, 27),
    "assertions-agent-none-0.1_range_0-100_6_18_2025.json": (35, 65),
}


@pytest.mark.parametrize(("name", "verdicts"), sorted(TAU_BENCH.items()))
def test_tau_bench(realdata: Path, validator, name: str, verdicts: tuple[int, int]):
    path = realdata / "taubench-retail-avaljot" / name
    raw = json.loads(path.read_text())
    fmt, events, bad = run(path)
    assert fmt == "tau-bench" and not bad
    assert_well_formed(events, validator, "tau-bench")
    trajectories = by_trajectory(events)
    assert len(trajectories) == len(raw)
    for item in raw:
        items = trajectories[f"{item['task_id']}:{item['trial']}"]
        assert len(items) == 2 + chat_steps(item["traj"])  # task + messages + outcome
        assert items[0].get("goal") == item["info"].get("task", {}).get("instruction")
        assert ("error" in items[-1].get("meta", {})) == ("error" in item["info"])
    outcomes = kinds(events, "outcome")
    assert (sum(o["success"] for o in outcomes), sum(not o["success"] for o in outcomes)) == verdicts
    marked = sum(
        1
        for item in raw
        for m in item["traj"]
        if m["role"] == "tool" and re.match(r'^\s*(#\s*)?(var_\d+\s*=\s*)?"?Error:', m["content"] or "")
    )
    assert marked > 0 and failures(events) == marked


TAU2 = {  # PROVENANCE.md: simulations, reward 1 / 0
    "gpt-4.1_airline_default_gpt-4.1_1trials.json": (20, 10, 10),
    "gpt-4.1_retail_defautl_gpt-4.1_1trials.json": (40, 34, 6),
    "azure-airline-full.json": (50, 23, 27),
    "e2e_retail_baseline.json": (1, 1, 0),
}


@pytest.mark.parametrize(("name", "expected"), sorted(TAU2.items()))
def test_tau2(realdata: Path, validator, name: str, expected: tuple[int, int, int]):
    path = realdata / "tau2-sierra" / name
    raw = json.loads(path.read_text())
    fmt, events, bad = run(path)
    assert fmt == "tau2" and not bad
    assert_well_formed(events, validator, "tau2")
    trajectories = by_trajectory(events)
    assert len(trajectories) == expected[0] == len(raw["simulations"])
    for simulation in raw["simulations"]:
        items = trajectories[simulation["id"]]
        assert len(items) == 2 + chat_steps(simulation["messages"])
        assert items[0]["goal"]
    outcomes = kinds(events, "outcome")
    assert (sum(o["success"] for o in outcomes), sum(not o["success"] for o in outcomes)) == expected[1:]
    marked = sum(1 for s in raw["simulations"] for m in s["messages"] if m["role"] == "tool" and m.get("error"))
    assert failures(events) == marked


def test_mini_swe_agent(realdata: Path, validator):
    folder = realdata / "swebench-minisweagent-gemini3pro"
    paths = sorted((folder / "trajs").glob("*.traj.json"))
    assert len(paths) == 38
    truth = load_outcomes(folder / "results_summary.json")
    reports = load_outcomes(folder / "reports")
    ids = []
    for path in paths:
        raw = json.loads(path.read_text())
        fmt, events, bad = run(path)
        assert fmt == "mini-swe-agent" and not bad
        assert_well_formed(events, validator, "mini-swe-agent")
        assert {e["trajectory"] for e in events} == {raw["instance_id"]}
        ids.append(raw["instance_id"])
        assistants = [m for m in raw["messages"] if m["role"] == "assistant"]
        actions = [m for m in assistants if len(re.findall(r"```bash\s*\n.*?\n```", m["content"], re.S)) == 1]
        assert len(kinds(events, "tool_call")) == len(actions) == len(kinds(events, "tool_result"))
        codes = [int(c) for c in re.findall(r"<returncode>(-?\d+)</returncode>", "".join(
            m["content"] for m in raw["messages"][2:] if m["role"] == "user"))]
        timeouts = sum(1 for m in raw["messages"] if m["role"] == "user" and " timed out" in m["content"][:300]
                       and m["content"].lstrip().startswith("The last command"))
        assert failures(events) == sum(1 for c in codes if c != 0) + timeouts
        assert not kinds(events, "claim")  # the completion marker is not a claim
        assert events[-1]["meta"] == {"exit_status": "Submitted", "ended_by": "agent", "submitted": True}
        assert len(events) == 1 + len(raw["messages"]) + len(actions) + 1 + sum(
            1 for m in assistants if m["extra"]["response"]["choices"][0]["message"].get("reasoning")
        )  # task + one event per message + a call per action + exit record + recorded reasoning
    present = {i: truth[i]["success"] for i in ids}
    assert sum(present.values()) == 19 and len(present) - sum(present.values()) == 19
    assert {i: reports[i]["success"] for i in ids} == present


def test_swe_agent(realdata: Path, validator):
    for path in sorted((realdata / "swe-agent-demonstrations").glob("*.traj")):
        raw = json.loads(path.read_text())
        fmt, events, bad = run(path)
        assert fmt == "swe-agent" and not bad, path
        assert_well_formed(events, validator, "swe-agent")
        assert {e["trajectory"] for e in events} == {path.name.removesuffix(".traj")}
        steps = raw.get("trajectory") or []
        assert not kinds(events, "claim")  # submitting is not a claim
        if steps:
            acted = [s for s in steps if not s["action"].strip().startswith(("exit_c", "exit_f", "early_exit"))]
            assert len(kinds(events, "tool_call")) == len(acted)
            commands = [e["arguments"]["command"] for e in kinds(events, "tool_call")]
            assert commands == [s["action"].strip() for s in acted]
            tracebacks = sum(1 for s in steps if "Traceback (most recent call last)" in s["observation"])
            assert failures(events) >= tracebacks
            status = raw["info"]["exit_status"]
            assert events[-1]["meta"]["exit_status"] == status
            assert events[-1]["meta"]["ended_by"] == ("agent" if status == "submitted" else "harness")
        else:
            calls = sum(len(m.get("tool_calls") or []) for m in raw["history"])
            assert len(kinds(events, "tool_call")) == calls == len(kinds(events, "tool_result"))


def test_claude_code(realdata: Path, validator):
    folder = realdata / "claudecode-reliability-snapshots"
    paths = sorted(folder.glob("*/transcript.jsonl"))
    assert len(paths) == 7
    for path in paths:
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        contents = [e.get("message", {}).get("content") for e in lines]
        blocks = [b for content in contents if isinstance(content, list) for b in content]
        fmt, events, bad = run(path)
        assert fmt == "claude-code" and not bad
        assert_well_formed(events, validator, "claude-code")
        assert {e["trajectory"] for e in events} == {e["sessionId"] for e in lines}
        assert len(kinds(events, "tool_call")) == sum(b["type"] == "tool_use" for b in blocks)
        assert failures(events) == sum(b["type"] == "tool_result" and bool(b.get("is_error")) for b in blocks)
        strings = sum(isinstance(content, str) for content in contents)
        converted = sum(b["type"] in ("text", "thinking", "tool_use", "tool_result") for b in blocks)
        assert len(events) == strings + converted
        assert sum(bool(e.get("meta", {}).get("injected")) for e in events) == sum(bool(e.get("isMeta")) for e in lines)
    coverage = run(folder / "coverage-test-fix" / "transcript.jsonl")[1]
    assert failures(coverage) == 1


def test_codex(realdata: Path, validator):
    path = realdata / "codex-rollout-format-sample" / "session-01.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    fmt, events, bad = run(path)
    assert fmt == "codex" and not bad
    assert_well_formed(events, validator, "codex")
    session = next(e["payload"]["id"] for e in lines if e["type"] == "session_meta")
    assert {e["trajectory"] for e in events} == {session}
    items = [e for e in lines if e["type"] == "response_item"]
    assert len(events) == 1 + len(items)
    assert events[-1]["meta"] == {"phase": "final_answer"}


def test_every_realdata_log_is_detected(realdata: Path):
    expected = {
        "taubench-retail-avaljot": "tau-bench",
        "tau2-sierra": "tau2",
        "swebench-minisweagent-gemini3pro/trajs": "mini-swe-agent",
        "swe-agent-demonstrations": "swe-agent",
        "claudecode-reliability-snapshots": "claude-code",
        "codex-rollout-format-sample": "codex",
    }
    count = 0
    for folder, fmt in expected.items():
        for path in sorted((realdata / folder).rglob("*")):
            if path.is_file() and path.suffix in (".json", ".jsonl", ".traj"):
                assert detect(Source(str(path), path)).NAME == fmt, path
                count += 1
    assert count == 2 + 4 + 38 + 5 + 7 + 1
