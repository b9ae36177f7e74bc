"""Any schema-valid stream, however odd, is audited by every rule without an internal error."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajaudit import engine
from trajaudit.config import Config
from trajaudit.reader import Source

text = st.text(max_size=60)
small = st.integers(min_value=0, max_value=6)
numbers = st.lists(st.floats(min_value=-30, max_value=0, allow_nan=False), max_size=5)
common = {
    "trajectory": st.sampled_from(["a", "b", "c"]),
    "step": small,
    "timestamp": st.one_of(
        st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01T00:00:01+02:00", "bad"]), st.floats(0, 2e9)
    ),
    "confidence": st.floats(0, 1),
    "logprobs": numbers,
    "top_logprobs": st.lists(numbers, max_size=4),
    "tokens": st.fixed_dictionaries({}, optional={"reasoning": small, "output": small}),
}
kinds = {
    "task": {
        "task_id": text,
        "goal": text,
        "tools": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["cancel_order", "bash", "get"])},
                optional={
                    "parameters": st.sampled_from([{"type": "object", "required": ["x"]}, {"type": "nonsense"}, {}])
                },
            ),
            max_size=3,
        ),
    },
    "message": {
        "role": st.sampled_from(["user", "assistant", "system"]),
        "text": st.one_of(
            text,
            st.sampled_from(
                [
                    "Done! Your order #W1 has been cancelled.",
                    "All tests pass.",
                    "I was unable to delete it.",
                    "```\nrm -rf /\n```",
                    "> quoted: it has been refunded",
                    "Shall I book it?",
                ]
            ),
        ),
    },
    "reasoning": {"text": text},
    "tool_call": {
        "call_id": st.sampled_from(["c1", "c2"]),
        "tool": st.sampled_from(["cancel_order", "bash", "x"]),
        "arguments": st.one_of(
            st.dictionaries(
                st.sampled_from(["x", "command"]), st.sampled_from([1, "pytest -q", "rm -rf build"]), max_size=2
            ),
            text,
        ),
    },
    "tool_result": {
        "call_id": st.sampled_from(["c1", "c2", "c9"]),
        "ok": st.booleans(),
        "output": st.sampled_from(["", "3 passed", "1 failed, 2 passed", "Error: nope", "Traceback"]),
    },
    "outcome": {"success": st.booleans()},
    "claim": {
        "claim": st.fixed_dictionaries(
            {"type": st.sampled_from(["task_complete", "action_succeeded", "tests_pass"])}, optional={"action": text}
        )
    },
}


def event(kind: str) -> st.SearchStrategy[dict]:
    required = {"trajectory": common["trajectory"], "step": common["step"], "kind": st.just(kind)}
    optional = {k: v for k, v in common.items() if k not in required}
    specific = kinds[kind]
    must = {
        "message": ("role", "text"),
        "reasoning": ("text",),
        "tool_call": ("call_id", "tool"),
        "tool_result": ("call_id", "ok"),
        "outcome": ("success",),
        "claim": ("claim",),
    }.get(kind, ())
    return st.fixed_dictionaries(
        {**required, **{k: specific[k] for k in must}},
        optional={**optional, **{k: v for k, v in specific.items() if k not in must}},
    )


events = st.lists(st.sampled_from(sorted(kinds)).flatmap(event), max_size=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events)
def test_rules_never_break_on_valid_input(tmp_path: Path, stream: list[dict]):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in stream), encoding="utf-8")
    run = engine.Audit([Source(str(path), path)], Config(), engine.Options(jobs=1))
    results = list(run)
    assert run.summary.internal_errors == []
    assert "TA002" not in run.summary.findings_by_rule  # every generated event is valid, so every rule sees it
    assert run.summary.lines == len(stream)
    assert sum(1 for r in results if hasattr(r, "trajectory")) == run.summary.trajectories
