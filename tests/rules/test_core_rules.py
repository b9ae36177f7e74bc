"""Core rules: for each, the case it must flag and the near-miss it must not."""

from __future__ import annotations

from tests.rules.harness import call, outcome, result, say, steps_flagged, task
from trajaudit.model import Event, Trajectory
from trajaudit.rules import lookup

CANCEL = {
    "name": "cancel_order",
    "parameters": {
        "type": "object",
        "required": ["order_id"],
        "properties": {"order_id": {"type": "string"}, "reason": {"enum": ["mistake", "no longer needed"]}},
    },
}
LOOKUP = {"name": "get_order", "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}}}


def arrived(steps: list[int], timestamps: list[str | float | None] | None = None) -> Trajectory:
    """Events arriving in the given step order (seq = arrival), sorted by step as the engine does."""
    events = []
    for seq, step in enumerate(steps):
        data = {"trajectory": "t", "step": step, "kind": "message", "role": "user", "text": "x"}
        if timestamps and timestamps[seq] is not None:
            data["timestamp"] = timestamps[seq]
        events.append(Event("f.jsonl", seq + 1, data, seq))
    return Trajectory("t", tuple(sorted(events, key=lambda e: e.step)))


def step_order_codes(trajectory: Trajectory) -> list[int]:
    rule = lookup("TA003")
    return [v.event.step for v in rule.check(trajectory, rule.options)]


# TA003 step-order
def test_step_order_flags_gap_duplicate_and_regression():
    assert step_order_codes(arrived([0, 1, 3])) == [3]
    assert step_order_codes(arrived([0, 1, 1, 2])) == [1]
    assert step_order_codes(arrived([0, 2, 1])) == [2, 1]  # 2 skips step 1, then 1 arrives late
    assert step_order_codes(arrived([5, 6])) == [5]


def test_step_order_accepts_ordered_steps_from_zero_or_one():
    assert step_order_codes(arrived([0, 1, 2, 3])) == []
    assert step_order_codes(arrived([1, 2, 3])) == []


def test_step_order_flags_timestamps_going_backwards_only():
    backwards = arrived([0, 1, 2], ["2026-01-01T10:00:05Z", "2026-01-01T10:00:03Z", None])
    assert step_order_codes(backwards) == [1]
    forwards = arrived([0, 1, 2], ["2026-01-01T10:00:01Z", 1767261602.0, "2026-01-01T10:00:02+00:00"])
    assert step_order_codes(forwards) == []


# TA004 truncated-trajectory
def test_truncated_trajectory_flags_run_ending_on_a_tool_result():
    assert steps_flagged("TA004", [task(), say("user", "hi"), call("t", "c1"), result("c1")]) == [3]


def test_truncated_trajectory_accepts_final_answer_or_outcome():
    assert steps_flagged("TA004", [say("user", "hi"), call("t", "c1"), result("c1"), say("assistant", "done")]) == []
    assert steps_flagged("TA004", [say("user", "hi"), call("t", "c1"), result("c1"), outcome(False)]) == []


# TA201 ignored-tool-error
def test_ignored_tool_error_flags_error_followed_by_silence():
    events = [
        task(CANCEL),
        call("cancel_order", "c1", order_id="1"),
        result("c1", ok=False, output="Error: nope"),
        say("assistant", "Your order is cancelled!"),
    ]
    assert steps_flagged("TA201", events) == [2]


def test_ignored_tool_error_accepts_retry_workaround_or_mention():
    failed = [call("cancel_order", "c1", order_id="1"), result("c1", ok=False, output="Error: nope")]
    retried = failed + [call("cancel_order", "c2", order_id="1"), result("c2", ok=True)]
    worked_around = failed + [call("get_order", "c2", order_id="1"), result("c2", ok=True)]
    told = failed + [say("assistant", "I was unable to cancel the order: it has already shipped.")]
    explained = failed + [say("assistant", "The order was already cancelled before, so nothing more to do.")]
    for events in (retried, worked_around, told, explained):
        assert steps_flagged("TA201", events) == []


def test_ignored_tool_error_does_not_count_a_failed_other_call_as_workaround():
    events = [
        call("cancel_order", "c1"),
        result("c1", ok=False, output="boom"),
        call("get_order", "c2"),
        result("c2", ok=False, output="boom"),
        say("assistant", "All done."),
    ]
    assert steps_flagged("TA201", events) == [1, 3]


# TA202 unknown-tool
def test_unknown_tool_flags_undeclared_tool():
    assert steps_flagged("TA202", [task(CANCEL, LOOKUP), call("cancel_ordr", "c1"), result("c1")]) == [1]


def test_unknown_tool_accepts_declared_tools_and_undeclared_tool_sets():
    assert steps_flagged("TA202", [task(CANCEL), call("cancel_order", "c1", order_id="1"), result("c1")]) == []
    assert steps_flagged("TA202", [task(), call("anything", "c1"), result("c1")]) == []


# TA203 invalid-tool-arguments
def test_invalid_tool_arguments_flags_missing_required_wrong_enum_and_raw_string():
    events = [
        task(CANCEL),
        call("cancel_order", "c1"),
        call("cancel_order", "c2", order_id="1", reason="because"),
        {"kind": "tool_call", "tool": "cancel_order", "call_id": "c3", "arguments": "{order_id: 1"},
    ]
    assert steps_flagged("TA203", events) == [1, 2, 3]


def test_invalid_tool_arguments_accepts_valid_arguments_and_schemaless_tools():
    events = [
        task(CANCEL, {"name": "free"}),
        call("cancel_order", "c1", order_id="1", reason="mistake"),
        call("free", "c2", anything=[1, 2]),
    ]
    assert steps_flagged("TA203", events) == []


# TA204 unmatched-tool-call-or-result
def test_unmatched_flags_orphan_result_unanswered_call_and_double_result():
    events = [result("c0"), call("t", "c1"), call("t", "c2"), result("c2"), result("c2")]
    assert sorted(steps_flagged("TA204", events)) == [0, 1, 4]


def test_unmatched_accepts_paired_calls_in_any_interleaving():
    events = [call("t", "c1"), call("t", "c2"), result("c2"), result("c1")]
    assert steps_flagged("TA204", events) == []


# TA205 repeated-call
def test_repeated_call_flags_identical_calls_and_short_cycles():
    same = [call("bash", f"c{i}", command="pytest") for i in range(3)]
    assert steps_flagged("TA205", same) == [2]
    cycle = [call("open" if i % 2 == 0 else "grep", f"c{i}", path="a.py") for i in range(6)]
    assert steps_flagged("TA205", cycle) == [5]


def test_repeated_call_accepts_changed_arguments_and_respects_threshold():
    varied = [call("bash", f"c{i}", command=f"pytest -k t{i}") for i in range(5)]
    assert steps_flagged("TA205", varied) == []
    twice = [call("bash", "c1", command="ls"), call("bash", "c2", command="ls")]
    assert steps_flagged("TA205", twice) == []
    four = [call("bash", f"c{i}", command="ls") for i in range(4)]
    assert steps_flagged("TA205", four, **{"min-repeats": 5}) == []


def test_repeated_call_reports_one_loop_once():
    long_loop = [call("bash", f"c{i}", command="ls") for i in range(9)]
    assert steps_flagged("TA205", long_loop) == [2]


def test_step_order_timestamp_fast_path_agrees_with_real_time():
    # same-format UTC text going backwards is reported
    assert step_order_codes(arrived([0, 1], ["2026-01-01T10:00:05.5Z", "2026-01-01T10:00:05.1Z"])) == [1]
    # text order and time order disagree across offsets: 10:00+02:00 is 08:00Z, earlier than 09:00Z
    assert step_order_codes(arrived([0, 1], ["2026-01-01T09:00:00Z", "2026-01-01T10:00:00+02:00"])) == [1]
    assert step_order_codes(arrived([0, 1], ["2026-01-01T10:00:00+02:00", "2026-01-01T09:00:00Z"])) == []
    # numbers against text, and unreadable dates, which are skipped
    assert step_order_codes(arrived([0, 1, 2], [1767261600.0, "2026-01-01T09:00:00Z", "2025-13-40T00:00:00Z"])) == [1]


def test_ignored_tool_error_accepts_admission_in_reasoning_before_retry():
    events = [
        call("cancel_order", "c1"),
        result("c1", ok=False, output="Error: locked"),
        {"kind": "reasoning", "text": "That failed because the order is locked; retry after unlocking."},
        call("cancel_order", "c2"),
        result("c2", ok=True),
    ]
    assert steps_flagged("TA201", events) == []


def test_repeated_call_needs_at_least_min_repeats_calls():
    assert steps_flagged("TA205", [call("ls", "c1"), call("ls", "c2")], **{"min-repeats": 3}) == []
