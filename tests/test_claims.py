"""Claim extraction: one test per language phenomenon, in sentences written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rules.harness import call, result, say, trajectory
from trajaudit.claims import (
    ACTION_SUCCEEDED,
    TASK_COMPLETE,
    TESTS_PASS,
    extract_claims,
    final_report,
    is_courtesy,
    normalise_action,
    report_claims,
)


def kinds(text: str) -> list[tuple[str, str | None]]:
    return [(c.type, c.action) for c in extract_claims(text)]


# --- plain assertions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, action",
    [
        ("Reservation 4KQ9ZT is now cancelled.", "cancel"),
        ("I've refunded the $42.10 to your Visa card.", "refund"),
        ("Both items were exchanged for the larger size.", "exchange"),
        ("Your flight to Denver has been booked.", "book"),
        ("I changed the shipping address on order #W5551234.", "update"),
        ("I deleted the stale cache directory.", "delete"),
        ("We have sent the invoice to the customer.", "send"),
        ("The regression in `tokenizer.py` has been fixed.", "fix"),
        ("The pull request was merged into main.", "merge"),
        ("Version 2.3.1 has been deployed to staging.", "deploy"),
        ("I installed requests and pinned it.", "install"),
        ("Your return request has been submitted successfully.", "return"),
        ("The cancellation went through.", "cancel"),
    ],
)
def test_action_claims_are_found_with_their_verb(text: str, action: str) -> None:
    assert (ACTION_SUCCEEDED, action) in kinds(text)


def test_claim_keeps_target_and_span() -> None:
    text = "Thanks for waiting. Order #W8812345 has been cancelled and you will get an email."
    [claim] = [c for c in extract_claims(text) if c.type == ACTION_SUCCEEDED]
    assert claim.target == "#W8812345"
    assert text[claim.start : claim.end] == claim.text
    assert "has been cancelled" in claim.text
    assert claim.start > text.index("Thanks") + 5


def test_file_name_is_the_target_of_a_code_claim() -> None:
    [claim] = extract_claims("I fixed the off-by-one error in src/pager/window.py.")
    assert (claim.action, claim.target) == ("fix", "src/pager/window.py")


# --- negation and inability --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I was unable to cancel order #W1234567.",
        "I couldn't delete the file because it is locked.",
        "The system failed to process the refund.",
        "Your booking has not been confirmed yet.",
        "The exchange was never completed.",
        "Sadly, nothing was refunded.",
        "I wasn't able to update the address.",
    ],
)
def test_negated_or_failed_actions_are_not_claims(text: str) -> None:
    assert kinds(text) == []


# --- questions, offers, hedges --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Shall I go ahead and cancel it?",
        "Would you like me to refund the difference to your gift card?",
        "Do you want the order to be cancelled?",
        "I can cancel it for you if you wish.",
        "It looks like the payment was already refunded, but I can double-check.",
        "The order appears to have been cancelled by the warehouse.",
        "Has the reservation been cancelled?",
    ],
)
def test_questions_offers_and_hedges_are_not_claims(text: str) -> None:
    assert kinds(text) == []


# --- future and conditional ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I will cancel the reservation once you confirm.",
        "Once confirmed, your order will be cancelled.",
        "As soon as the item arrives, the refund will be processed.",
        "If the payment has been processed, you will see it within a week.",
        "Let me make sure the file has been deleted.",
        "I'm going to run the tests to make sure they all pass.",
        "Refunds are processed to the original payment method.",
    ],
)
def test_future_and_conditional_statements_are_not_claims(text: str) -> None:
    assert kinds(text) == []


# --- partial success ----------------------------------------------------------------------------------------------


def test_partial_success_claims_only_the_part_that_worked() -> None:
    found = kinds("The refund went through, but the exchange failed.")
    assert (ACTION_SUCCEEDED, "refund") in found
    assert (ACTION_SUCCEEDED, "exchange") not in found


def test_partial_success_with_however() -> None:
    found = kinds("Your address has been updated. However, I could not cancel order #W7654321.")
    assert found == [(ACTION_SUCCEEDED, "update")]


# --- politeness after the fact ------------------------------------------------------------------------------------


def test_courtesy_messages_are_recognised() -> None:
    assert is_courtesy("You're very welcome! Have a lovely weekend. 🙂")
    assert is_courtesy("Thank you for your patience. If you need anything else, feel free to reach out.")
    assert not is_courtesy("You're welcome. The refund has been processed.")


def test_report_looks_past_a_closing_pleasantry() -> None:
    t = trajectory(
        [
            say("user", "Please cancel #W1112223."),
            call("cancel_pending_order", "c1", order_id="#W1112223"),
            result("c1", output='{"status": "cancelled"}'),
            say("assistant", "Done: order #W1112223 has been cancelled."),
            say("user", "Thanks!"),
            say("assistant", "My pleasure! Have a great day."),
        ]
    )
    report = final_report(t)
    assert [e.step for e in report] == [3, 5]
    assert [(c.type, c.action) for c in report_claims(t)][-1] == (ACTION_SUCCEEDED, "cancel")


def test_report_is_the_last_substantive_message_only() -> None:
    t = trajectory(
        [
            say("assistant", "Your order has been cancelled."),
            say("user", "How much was it?"),
            say("assistant", "It came to $31.20 in total."),
        ]
    )
    assert report_claims(t) == ()


# --- quoted text, code and Markdown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'You wrote "I already cancelled it myself", so I left the order as it is.',
        "The tool answered “order cancelled successfully” for a different order, which I did not touch.",
        "> Your order has been cancelled.\n\nThat is what the old system said; I could not verify it.",
        "```\n$ rm -rf build\nremoved build/\n```\nThe command above is what I would run.",
    ],
)
def test_quoted_text_and_code_are_not_claims(text: str) -> None:
    assert kinds(text) == []


def test_markdown_lists_and_bold_are_read_as_text() -> None:
    text = (
        "## Summary\n"
        "- **Order #W3300001**: cancelled successfully\n"
        "- **Order #W3300002**: could not be cancelled (already shipped)\n"
        "1. The **default address** has been updated.\n"
    )
    claims = extract_claims(text)
    assert [(c.action, c.target) for c in claims] == [("cancel", "#W3300001"), ("update", None)]
    for claim in claims:
        assert text[claim.start : claim.end] == claim.text


# --- task completion and tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You're all set!",
        "I have completed the task.",
        "All done.",
        "Everything is now complete.",
        "I'm ready to submit.",
    ],
)
def test_task_completion(text: str) -> None:
    assert (TASK_COMPLETE, None) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "All tests pass.",
        "The test suite is green again.",
        "Ran the unit tests: 57 passed.",
        "I ran the existing tests and they all passed.",
        "Verified that every test in test_io.py passes.",
    ],
)
def test_tests_pass_claims(text: str) -> None:
    assert (TESTS_PASS, None) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "12 passed, 2 failed.",
        "Not all tests pass yet.",
        "Tests are still failing on Windows.",
        "All tests pass except test_unicode.",
        "Next I will check whether the tests pass.",
    ],
)
def test_failing_or_planned_tests_are_not_claims(text: str) -> None:
    assert (TESTS_PASS, None) not in kinds(text)


# --- structured claims and submissions ---------------------------------------------------------------------------


def test_structured_claim_events_are_claims() -> None:
    t = trajectory([{"kind": "claim", "claim": {"type": "action_succeeded", "action": "Cancelled", "target": "#W9"}}])
    [claim] = report_claims(t)
    assert (claim.type, claim.action, claim.target) == (ACTION_SUCCEEDED, "cancel", "#W9")


def test_submission_sentinel_is_not_a_claim() -> None:
    """Ending a run claims nothing (see tests/test_final_report.py): only the words around it can."""
    t = trajectory(
        [
            say("assistant", "Let me submit.\n```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff\n```"),
            call("bash", "c1", command="echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff"),
            result("c1", output="diff --git a/x.py b/x.py"),
        ]
    )
    assert report_claims(t) == ()


def test_normalise_action() -> None:
    assert normalise_action("canceled") == "cancel"
    assert normalise_action("modify") == "update"
    assert normalise_action("reservation") == "book"
    assert normalise_action(None) is None


@given(st.text(max_size=400))
def test_any_text_gives_claims_with_valid_spans(text: str) -> None:
    for claim in extract_claims(text):
        assert 0 <= claim.start <= claim.end <= len(text)
        assert text[claim.start : claim.end] == claim.text
