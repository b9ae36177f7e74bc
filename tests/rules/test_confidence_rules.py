"""TA301–TA304: the case each rule must flag and the near miss it must not (steps compared, never wording)."""

from __future__ import annotations

from tests.rules.harness import outcome, say, steps_flagged, task


def reasoning(*top: list[float], **extra):
    return {"kind": "reasoning", "text": "…", "top_logprobs": [list(row) for row in top], **extra}


CONFIDENT = [-0.01, -9.99]  # C = 5
HESITANT = [-1.0, -1.0]  # C = 1


# ---------------------------------------------------------------- TA301 low-confidence-step


def collapsing(middle: list[float]):
    return [
        task(),
        say("user", "q"),
        reasoning(*[CONFIDENT] * 4),
        reasoning(*[middle] * 2),
        reasoning(*[CONFIDENT] * 4),
        outcome(True),
    ]


def test_ta301_flags_a_collapse_relative_to_the_trace_mean():
    # windows of 2: ..., [5, 1] ends at step 3, [1, 1] at step 3, [1, 5] ends at step 4
    assert steps_flagged("TA301", collapsing(HESITANT), window=2) == [3]


def test_ta301_near_miss_a_small_dip_is_not_a_collapse():
    assert steps_flagged("TA301", collapsing([-1.0, -6.0]), window=2) == []  # C = 3.5, above 0.7·mean


def test_ta301_absolute_threshold_and_one_finding_per_run():
    events = collapsing(HESITANT)
    assert steps_flagged("TA301", events, window=2, threshold=4.0) == [3]
    assert steps_flagged("TA301", events, window=2, threshold=0.9) == []


def test_ta301_stated_confidence_counts_steps():
    events = [task(), *[say("assistant", "x") | {"confidence": c} for c in (0.9, 0.9, 0.2, 0.1, 0.9)]]
    assert steps_flagged("TA301", events, **{"step-window": 2, "threshold": 0.5}) == [4]  # (0.2+0.1)/2 ends at step 4
    assert steps_flagged("TA301", events, **{"step-window": 2, "threshold": 0.1}) == []


def test_ta301_short_trace_only_against_an_explicit_threshold():
    events = [task(), reasoning(HESITANT, HESITANT), outcome(False)]
    assert steps_flagged("TA301", events) == []  # shorter than 2048 tokens, no threshold
    assert steps_flagged("TA301", events, threshold=2.0) == [1]


def test_ta301_without_confidence_data_reports_nothing():
    assert steps_flagged("TA301", [task(), say("assistant", "done"), outcome(False)], threshold=100.0) == []


# ---------------------------------------------------------------- TA302 early-stop-point


def test_ta302_reports_where_the_online_rule_stops():
    assert steps_flagged("TA302", collapsing(HESITANT), window=2, threshold=4.0) == [3]


def test_ta302_near_miss_threshold_below_every_window():
    assert steps_flagged("TA302", collapsing(HESITANT), window=2, threshold=0.99) == []


def test_ta302_needs_a_threshold_and_a_full_window():
    assert steps_flagged("TA302", collapsing(HESITANT), window=2) == []
    assert steps_flagged("TA302", collapsing(HESITANT), window=100, threshold=4.0) == []


# ---------------------------------------------------------------- TA303 reasoning-budget-exceeded


def thinking(n: int):
    return {"kind": "reasoning", "text": "…", "tokens": {"reasoning": n}}


def test_ta303_flags_the_step_where_a_turn_crosses_the_budget():
    events = [task(), say("user", "a"), thinking(60), thinking(50), thinking(10), say("user", "b"), thinking(90)]
    assert steps_flagged("TA303", events, budget=100) == [3]


def test_ta303_near_miss_budget_is_per_turn():
    events = [task(), say("user", "a"), thinking(60), say("user", "b"), thinking(40), thinking(60)]
    assert steps_flagged("TA303", events, budget=100) == []


def test_ta303_counts_reasoning_events_by_their_confidences_and_skips_logs_without_counts():
    events = [task(), say("user", "a"), reasoning(*[CONFIDENT] * 5), reasoning(*[CONFIDENT] * 5)]
    assert steps_flagged("TA303", events, budget=9) == [3]
    assert steps_flagged("TA303", [task(), say("user", "a"), {"kind": "reasoning", "text": "long"}], budget=0) == []


# ---------------------------------------------------------------- TA304 confident-failure


def test_ta304_flags_a_confident_failure():
    events = [task(), say("assistant", "42") | {"confidence": 0.95}, outcome(False)]
    assert steps_flagged("TA304", events) == [2]


def test_ta304_near_misses_success_or_modest_confidence():
    assert steps_flagged("TA304", [task(), say("assistant", "42") | {"confidence": 0.95}, outcome(True)]) == []
    assert steps_flagged("TA304", [task(), say("assistant", "42") | {"confidence": 0.85}, outcome(False)]) == []


def test_ta304_derived_from_logprobs_and_token_threshold():
    sure = say("assistant", "42") | {"logprobs": [-0.01, -0.02]}
    unsure = say("assistant", "42") | {"logprobs": [-1.0, -2.0]}
    assert steps_flagged("TA304", [task(), sure, outcome(False)]) == [2]
    assert steps_flagged("TA304", [task(), unsure, outcome(False)]) == []
    precomputed = say("assistant", "42") | {"token_confidence": [18.0, 20.0], "confidence_k": 20}
    assert steps_flagged("TA304", [task(), precomputed, outcome(False)]) == []
    assert steps_flagged("TA304", [task(), precomputed, outcome(False)], **{"token-threshold": 15.0}) == [2]
    assert steps_flagged("TA304", [task(), precomputed, outcome(False)], **{"token-threshold": 19.5}) == []


def test_ta304_without_confidence_or_outcome_reports_nothing():
    assert steps_flagged("TA304", [task(), say("assistant", "42"), outcome(False)]) == []
    assert steps_flagged("TA304", [task(), say("assistant", "42") | {"confidence": 0.99}]) == []
