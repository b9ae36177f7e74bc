"""TA004 on conversations the simulated user ended, TA204 and call pairing when a log reuses call ids."""

from __future__ import annotations

from tests.rules.harness import call, outcome, result, say, steps_flagged, trajectory
from trajaudit.evidence import attempts

# --- TA004 truncated-trajectory --------------------------------------------------------------------------------

def test_truncated_accepts_a_conversation_the_user_simulator_stopped():
    for marker in ("###STOP###", "###TRANSFER###", "###OUT-OF-SCOPE###"):
        events = [say("user", "cancel #W1"), say("assistant", "Done."), say("user", f"Thanks, bye!\n\n{marker}  ")]
        assert steps_flagged("TA004", events) == [], marker


def test_truncated_near_miss_marker_not_at_the_end_or_not_from_the_user():
    # the marker quoted mid-message, and an assistant turn after which the user never answered the tool result
    assert steps_flagged("TA004", [say("user", "what does ###STOP### mean? also cancel #W1")]) == [0]
    assert steps_flagged("TA004", [say("user", "hi"), call("t", "c1"), result("c1", output="###STOP###")]) == [2]
    assert steps_flagged("TA004", [say("user", "hi ###stop###")]) == [0]  # simulators write it upper case


def _tau2_task(reason: str) -> dict:
    return {"kind": "task", "task_id": "7", "meta": {"termination_reason": reason}}


def test_truncated_reads_tau2_termination_reasons():
    ended = [_tau2_task("user_stop"), say("user", "hi"), say("assistant", "Hello"), say("user", "bye")]
    assert steps_flagged("TA004", ended) == []
    agent_stopped = [_tau2_task("agent_stop"), say("user", "hi"), call("transfer_to_human_agents", "c1"),
                     result("c1")]
    assert steps_flagged("TA004", agent_stopped) == []
    # cut off by the harness: reported even though the run ends on an assistant message
    cut = [_tau2_task("max_steps"), say("user", "hi"), say("assistant", "Let me check.")]
    assert steps_flagged("TA004", cut) == [2]
    errors = [_tau2_task("too_many_errors"), say("user", "hi"), say("user", "###STOP###")]
    assert steps_flagged("TA004", errors) == [2]
    assert steps_flagged("TA004", [*cut, outcome(False)]) == []  # a verifier judged it: nothing is missing


# --- TA204 unmatched-tool-call-or-result -----------------------------------------------------------------------

def test_unmatched_accepts_a_call_id_reused_after_its_result():
    events = [call("get_order", "call_1"), result("call_1"), call("cancel_order", "call_1"), result("call_1")]
    assert steps_flagged("TA204", events) == []


def test_unmatched_near_misses_still_fire():
    # a duplicate result for one call
    assert steps_flagged("TA204", [call("t", "c1"), result("c1"), result("c1")]) == [2]
    # a result with no call
    assert steps_flagged("TA204", [call("t", "c1"), result("c1"), result("c9")]) == [2]
    # a reused id whose second call never got its result
    assert steps_flagged("TA204", [call("t", "c1"), result("c1"), call("u", "c1"), say("assistant", "ok")]) == [2]
    # reused after a duplicate result: the duplicate is reported, the new call pairs with its own result
    events = [call("t", "c1"), result("c1"), result("c1"), call("u", "c1"), result("c1")]
    assert steps_flagged("TA204", events) == [2]


def test_attempts_pair_a_reused_call_id_with_its_own_result():
    events = [
        call("cancel_pending_order", "call_1", order_id="#W1"),
        result("call_1", False, "Error: non-pending order cannot be cancelled"),
        call("cancel_pending_order", "call_1", order_id="#W2"),
        result("call_1", True, '{"order_id": "#W2", "status": "cancelled"}'),
    ]
    first, second = attempts(trajectory(events))
    assert (first.ok, second.ok) == (False, True)
    assert second.result is not None and second.result.step == 3


def test_contradicted_claim_reads_the_reused_ids_own_result():
    base = [say("user", "cancel #W1 and #W2")]
    events = base + [
        call("cancel_pending_order", "call_1", order_id="#W2"),
        result("call_1", True, '{"order_id": "#W2", "status": "cancelled"}'),
        call("cancel_pending_order", "call_1", order_id="#W2"),
        result("call_1", False, "Error: non-pending order cannot be cancelled"),
        say("assistant", "Order #W2 has been cancelled."),
    ]
    # the last attempt failed: with ids paired first-result-wins it would have looked successful
    assert steps_flagged("TA102", events) == [5]


def test_truncated_accepts_a_run_ended_by_a_hand_off_tool():
    handed_off = [say("user", "I want a human"), call("transfer_to_human_agents", "c1", summary="wants a human"),
                  result("c1", True, "Transfer successful")]
    assert steps_flagged("TA004", handed_off) == []


def test_truncated_near_miss_failed_hand_off_or_other_tool_last():
    failed = [say("user", "I want a human"), call("transfer_to_human_agents", "c1"), result("c1", False, "Error: x")]
    assert steps_flagged("TA004", failed) == [2]
    other = [say("user", "exchange it"), call("exchange_delivered_order_items", "c1"), result("c1", True, "{}")]
    assert steps_flagged("TA004", other) == [2]
