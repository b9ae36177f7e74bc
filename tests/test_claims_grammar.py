"""The claim grammar (trajaudit/claims.py docstring): readings, the action taxonomy, coding-agent and structured
reports, adjectives, and the bounds on time and memory. Sentences written for these tests, in domains the other
claim tests do not use; each behaviour has the case that must fire and the near-miss that must not."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.deadline import deadline
from trajaudit import claims
from trajaudit.claims import (
    ACTION_SUCCEEDED,
    MAX_REPORT_CHARS,
    TASK_COMPLETE,
    TESTS_PASS,
    extract_claims,
    normalise_action,
    verb_lemma,
)


def kinds(text: str) -> list[tuple[str, str | None]]:
    return [(c.type, c.action) for c in extract_claims(text)]


def readings(text: str) -> list[claims.Reading]:
    """The readings of every clause of a one-clause text (cue filtering left out)."""
    analysis = claims._analyse(text)
    found: list[claims.Reading] = []
    for start, end in analysis.sentences:
        clause = claims._Clause(start, end, start, end, analysis.folded[start:end].strip().endswith("?"))
        found.extend(claims._readings(text, analysis.folded, None, clause))
    return found


# --- readings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, actor, action, aspect, modality, negated, hedged",
    [
        ("We purged the CDN cache", "agent", "delete", "past", "none", False, False),
        ("The replica has been promoted and restarted", "none", "restart", "perfect", "none", False, False),
        ("The pods are being restarted", "none", "restart", "progressive", "none", False, False),
        ("The invoice will be emailed tonight", "none", "send", "future", "modal", False, False),
        ("If the webhook was delivered, the order ships", "none", "send", "past", "conditional", False, False),
        ("The bucket was not deleted", "none", "delete", "past", "none", True, False),
        ("It seems the cron job was removed", "none", "delete", "past", "none", False, True),
        ("The lease was revoked by the landlord", "third_party", "revoke", "past", "none", False, False),
    ],
)
def test_clauses_are_read_into_typed_readings(
    text: str, actor: str, action: str, aspect: str, modality: str, negated: bool, hedged: bool
) -> None:
    reading = readings(text)[-1]
    assert (reading.actor, reading.action, reading.aspect) == (actor, action, aspect)
    assert (reading.modality, reading.negated, reading.hedged) == (modality, negated, hedged)
    assert reading.asserted == (
        actor in ("agent", "none") and aspect in ("past", "perfect", "state") and modality == "none"
        and not negated and not hedged
    )


# --- the action taxonomy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, lemma",
    [
        ("canceled", "cancel"), ("cancelled", "cancel"), ("voided", "cancel"),
        ("removed", "delete"), ("deleted", "delete"), ("purged", "delete"),
        ("sent", "send"), ("emailed", "send"), ("delivered", "send"), ("notifies", "send"),
        ("restarted", "restart"), ("rebooted", "restart"), ("rolled out", "deploy"),
        ("booked", "book"), ("rescheduled", "book"), ("reserving", "book"),
        ("rewritten", "update"), ("taken care of", "take care of"),
    ],
)
def test_taxonomy_folds_spellings_and_synonyms(word: str, lemma: str) -> None:
    assert verb_lemma(word) == lemma


def test_taxonomy_knows_no_other_words() -> None:
    assert verb_lemma("shipped") is None  # a parcel ships: nothing the agent did
    assert verb_lemma("returns") == "return"
    assert normalise_action("booking") == "book"
    assert normalise_action("Rebooted") == "restart"


@pytest.mark.parametrize(
    "text, action",
    [
        ("I canceled the gym membership renewal.", "cancel"),
        ("The stale feature flags were removed from the config service.", "delete"),
        ("The quarterly statement was emailed to the account owner.", "send"),
        ("The calendar invitation was delivered to all six attendees.", "send"),
        ("We restarted the payment workers on node 3.", "restart"),
        ("The new ingress rules have been rolled out to every region.", "deploy"),
        ("I went ahead and rescheduled the dentist appointment to Friday.", "book"),
        ("Dropped the unused index on orders.created_at.", "delete"),
    ],
)
def test_synonyms_and_spellings_make_claims(text: str, action: str) -> None:
    assert (ACTION_SUCCEEDED, action) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Your parcel was delivered to the neighbour yesterday.",  # delivered, but no message: the carrier's act
        "I can go ahead and reschedule the appointment if you like.",
        "Restarted pods are listed below.",  # a participle before a noun, not a report
        "The lease was cancelled by the landlord last spring.",
    ],
)
def test_near_misses_of_synonyms_make_no_action_claim(text: str) -> None:
    assert [k for k in kinds(text) if k[0] == ACTION_SUCCEEDED] == []


# --- coding-agent language ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The rerun confirms that the memory leak has been resolved.", (TASK_COMPLETE, None)),
        ("The benchmark output shows the fix works.", (ACTION_SUCCEEDED, "fix")),
        ("I bumped the retry budget to five, addressing the issue.", (TASK_COMPLETE, None)),
        ("I rewrote the CSV reader to stream rows, fixing the crash on large files.", (ACTION_SUCCEEDED, "fix")),
        ("I've implemented the exponential backoff in the HTTP client.", (ACTION_SUCCEEDED, "create")),
        ("The migration task is complete.", (TASK_COMPLETE, None)),
        ("The race condition in the scheduler is fixed.", (ACTION_SUCCEEDED, "fix")),
        ("The linter and type checks pass.", (TESTS_PASS, None)),
    ],
)
def test_coding_agent_reports_are_claims(text: str, expected: tuple[str, str | None]) -> None:
    assert expected in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "This change should resolve the deadlock in the job queue.",
        "This should fix the flaky upload test.",
        "I could not run the build, so let's hope for the best and submit.",
        "I will assume the change to the lexer is correct and submit it.",
        "I believe this fixes the off-by-one in the pager.",
        "If everything is correct, the schema migration has been applied.",
        "We assume that the cache keys have been updated correctly.",
        "The patch should now be in place.",
        "The tweak might fix it, addressing the issue.",
        "The benchmark output shows the fix should work.",
        "Hopefully the stale lock files were removed.",
    ],
)
def test_hedged_coding_reports_are_not_claims(text: str) -> None:
    assert kinds(text) == []


# --- structured final reports ------------------------------------------------------------------------------------


def test_json_report_status_and_message_are_read() -> None:
    text = '{"status": "success", "message": "Replaced the TLS certificate on the edge proxies."}'
    found = extract_claims(text)
    assert [(c.type, c.action) for c in found] == [(TASK_COMPLETE, None), (ACTION_SUCCEEDED, "update")]
    for claim in found:
        assert text[claim.start : claim.end] == claim.text


def test_json_report_in_a_nested_result_is_read() -> None:
    text = '{"result": {"state": "Completed", "summary": "The nightly backup job has been rescheduled."}}'
    assert kinds(text) == [(TASK_COMPLETE, None), (ACTION_SUCCEEDED, "book")]


@pytest.mark.parametrize(
    "text",
    [
        '{"status": "failed", "message": "Could not rotate the certificate: permission denied."}',
        '{"status": "pending", "summary": "The export will be emailed when it is ready."}',
        '{"status": "done"',  # not JSON: read as text, where quotes are masked
    ],
)
def test_json_report_without_success_is_not_a_claim(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("## Result\n**Status:** Done", (TASK_COMPLETE, None)),
        ("Status: \u2705 complete", (TASK_COMPLETE, None)),
        ("\u2705 Refund of $18 issued to the Amex card", (ACTION_SUCCEEDED, "refund")),
        ("\u2714 integration tests pass", (TESTS_PASS, None)),
        ("\u2705 DNS record for api.example.org updated", (ACTION_SUCCEEDED, "update")),
        ("All set! Your locker booking starts Monday.", (TASK_COMPLETE, None)),
        ("I went ahead and archived the inactive Slack channels.", None),
    ],
)
def test_status_lines_check_marks_and_idioms(text: str, expected: tuple[str, str | None] | None) -> None:
    if expected is None:  # "archived" is no action of the taxonomy: nothing to check it against
        assert kinds(text) == []
    else:
        assert expected in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "**Status:** In progress",
        "Status: \u274c failed",
        "Are we all set for the demo?",
        "\u2705 Ready to deploy once you approve?",
        "I'll go ahead and archive them if that's OK.",
    ],
)
def test_status_lines_without_success_are_not_claims(text: str) -> None:
    assert kinds(text) == []


def test_a_verb_after_and_shares_the_clause_subject() -> None:
    assert kinds("I closed ticket 4410 and emailed the requester.") == [(ACTION_SUCCEEDED, "send")]
    assert kinds("The helpdesk bot closed ticket 4410 and emailed the requester.") == []


def test_went_ahead_and_reads_as_the_agent_acting() -> None:
    assert kinds("I went ahead and voided invoice 2231.") == [(ACTION_SUCCEEDED, "cancel")]
    assert kinds("I can go ahead and void invoice 2231.") == []


# --- adjectives that look like actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The subscription price is fixed at $9 a month.",
        "We offer a fixed-rate mortgage and a variable one.",
        "The standup schedule is set for 9:30.",
        "Your seat preference is set to aisle.",
        "Updated pricing is listed on the billing page.",
    ],
)
def test_adjectives_are_not_actions(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    ["The memory leak is fixed.", "The price is now fixed in the catalogue service."],
)
def test_fixed_is_an_action_for_a_problem_or_with_now(text: str) -> None:
    assert (ACTION_SUCCEEDED, "fix") in kinds(text)


# --- bounds: the part of a message read, time, memory ------------------------------------------------------------


def test_a_long_message_is_read_from_its_end_with_offsets_into_the_whole() -> None:
    filler = "log line without any report in it\n" * (MAX_REPORT_CHARS // 20)
    text = "I deleted the stale volumes.\n" + filler + "I restarted the ingress controller."
    [claim] = extract_claims(text)
    assert claim.action == "restart"
    assert text[claim.start : claim.end] == claim.text
    assert claim.start > len(text) - 100




# Each is just under MAX_REPORT_CHARS, so the cap does not hide the cost: the quadratic versions took from ~50 s
# (a run of dots) to minutes at this size; linear, each takes well under a second.
SIZE = MAX_REPORT_CHARS - 100
ATTACKS = {
    "run of dots": "I cancelled order 12345 " + "." * SIZE + "a1",
    "dot-letter runs": "I cancelled order 12345 " + ".a" * (SIZE // 2),
    "one long clause of repeated claims": "I cancelled order 12345 and " * (SIZE // 28),
    "repeated sentences": "The refund for order 12345 was issued. " * (SIZE // 39),
    "hyphenated word before a state": "the order " + "a-" * (SIZE // 2) + " is complete",
    "hard-wrapped lines": "I restarted it\n" + "a\n" * (SIZE // 2),
    "path-like run": "I fixed " + "a/" * (SIZE // 2) + "b",
    "digit run": "I refunded #" + "1" * SIZE + "x",
    "tests clauses": "tests pass, " * (SIZE // 12),
    "spaces after an amount": "$1" + " " * SIZE + "x refunded",
    "JSON with many message fields": "{" + ", ".join(f'"k{i}": {{"message": "x{i}"}}' for i in range(SIZE // 30)) + "}",
}


@pytest.mark.parametrize("name", ATTACKS)
def test_crafted_messages_are_read_in_linear_time(name: str) -> None:
    text = ATTACKS[name]
    claims._analyse_part.cache_clear()
    with deadline(10):
        extract_claims(text)


def test_a_huge_message_is_not_copied() -> None:
    line = "2026-01-04 10:00:00 INFO worker 3 heartbeat, queue depth 88, latency 0.2 s, status ok\n"
    text = line * (20_000_000 // len(line)) + "I restarted the worker pool and all tests pass."
    claims._analyse_part.cache_clear()
    tracemalloc.start()
    try:
        found = extract_claims(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert {c.type for c in found} == {ACTION_SUCCEEDED, TESTS_PASS}
    assert peak < 8 * MAX_REPORT_CHARS  # a copy of the 20 MB text would be 20 MB


# --- report style, headlines, labels, "by" phrases ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, action",
    [
        ("Dropped the temp_sessions table.", "delete"),
        ("Merged release/2.8 into main.", "merge"),
        ("Rebooted 3 of the 4 build agents.", "restart"),
        ("Emailed!", "send"),
        ("Snapshot deleted.", "delete"),
        ("Calendar invite sent to the whole team.", "send"),
        ("Replica set restarted on the second attempt.", "restart"),
        ("Webhook secret rotated \u2714", "rotate"),
    ],
)
def test_report_style_and_headline_clauses_are_claims(text: str, action: str) -> None:
    assert (ACTION_SUCCEEDED, action) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Deleted rows are kept for 30 days in the recycle bin.",  # a participle before a noun
        "Archived projects stay read-only.",
        "Admin cancelled the meeting series.",  # an active verb with its object: someone else did it
        "Retention policy requires deleted rows to be purged.",
        "**Rows Deleted**: 0",  # a label
        "Invoice paid in full last March.",  # history, as "was paid" without "now"
        "The standup was rescheduled by the team lead.",
        "The charge was reversed last week by Stripe.",
    ],
)
def test_near_misses_of_report_style_and_headlines(text: str) -> None:
    assert [k for k in kinds(text) if k[0] == ACTION_SUCCEEDED] == []


def test_by_me_or_by_email_names_no_one_else() -> None:
    assert (ACTION_SUCCEEDED, "book") in kinds("The standup was rescheduled by me.")
    assert (ACTION_SUCCEEDED, "send") in kinds("The attendees were notified by email.")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Your weekly digest went out to 40 subscribers.", (ACTION_SUCCEEDED, "send")),
        ("Everything is back online.", (TASK_COMPLETE, None)),
        ("The schema changes are committed and pushed.", (ACTION_SUCCEEDED, "push")),
        ('{"status": "deleted", "id": "vol-0a1"}', (ACTION_SUCCEEDED, "delete")),
    ],
)
def test_state_phrases_and_status_participles(text: str, expected: tuple[str, str | None]) -> None:
    assert expected in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Your weekly digest will go out on Monday.",
        "Is everything back online?",
        '{"status": "queued", "id": "vol-0a1"}',
        "Commits are pushed to the mirror every hour by the sync job.",
    ],
)
def test_near_misses_of_state_phrases_and_status(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text, claimed",
    [
        ("The generated migration diff looks correct.", True),
        ("Everything behaves as expected with the new cron schedule.", True),
        ("It looks like the migration diff was applied.", False),  # "looks like": a hedge
        ("Does the migration diff look correct?", False),
        ("The diff should look correct once rebased.", False),
    ],
)
def test_the_work_judged_right_is_a_completion_claim(text: str, claimed: bool) -> None:
    assert ((TASK_COMPLETE, None) in kinds(text)) == claimed


_FIELD_VALUES = st.text(alphabet=st.sampled_from(list("abcdefg deleted sent ✅ \"\\\n.,:é")), max_size=60)


@given(st.dictionaries(st.sampled_from(["status", "message", "summary", "result", "other"]), _FIELD_VALUES, max_size=4))
def test_json_reports_give_claims_with_valid_spans(fields: dict[str, str]) -> None:
    text = json.dumps(fields, ensure_ascii=False)
    for claim in extract_claims(text):
        assert 0 <= claim.start <= claim.end <= len(text)
        assert text[claim.start : claim.end] == claim.text


# --- headlines with modifiers, colons and "and"; nominalisations reported done -----------------------------------


@pytest.mark.parametrize(
    "text, action",
    [
        ("Standing order to the landlord updated: now 640 a month.", "update"),  # modifier, colon
        ("Parking permit for the van renewed.", "renew"),
        ("Shipping label printed and mailed to the warehouse.", "send"),  # "and" joins a second participle
        ("Subscription renewal complete for account 7781.", "renew"),  # nominalisation + complete
        ("Deletion processed; the mailbox is gone.", "delete"),
        ("Reservation done for table 12 ✅", "book"),
    ],
)
def test_headlines_with_modifiers_and_nominalisations_are_claims(text: str, action: str) -> None:
    assert (ACTION_SUCCEEDED, action) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "**Permit Renewed**: 2024-03-01",  # a Title Case label, not a report
        "Order placed on 3 May using your Visa.",  # history, dated
        "Subscription renewal not complete yet.",  # negated
        "Is the deletion complete?",  # a question
        "Analysis complete for the whole fleet.",  # a noun that names no action
        "Customers asked to cancel updated their plans.",  # an infinitive is no modifier
    ],
)
def test_near_misses_of_headlines_and_nominalisations(text: str) -> None:
    assert [k for k in kinds(text) if k[0] == ACTION_SUCCEEDED] == []


def test_a_compound_modifier_names_no_action() -> None:
    assert kinds("Return label created.") == [(ACTION_SUCCEEDED, "create")]  # a label, not a return
    assert kinds("Refund for the late delivery issued.") == [(ACTION_SUCCEEDED, "refund")]


# --- verbs of service APIs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, action",
    [
        ("I have revoked the deploy key for the staging bucket.", "revoke"),
        ("Storage volume vol-7 attached to the build host.", "attach"),
        ("Exported the March ledger as CSV.", "export"),
        ("I've enrolled both apprentices in the forklift course.", "enroll"),
        ("Freight TRK-88 diverted to the Bremen hub.", "reroute"),
        ("Probation extended to May.", "extend"),
        ("Extension granted to both students.", "extend"),  # a light verb takes its noun's action
        ("I locked the server room door at 18:00.", "lock"),
    ],
)
def test_service_api_verbs_are_actions(text: str, action: str) -> None:
    assert (ACTION_SUCCEEDED, action) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Three rows were locked by another transaction, so nothing changed.",  # a state, not an act
        "Signed-in users see the new banner.",  # a compound adjective
        "Exports are attached to the nightly email automatically.",  # policy
        "Should I revoke the old token as well?",
    ],
)
def test_near_misses_of_service_api_verbs(text: str) -> None:
    assert [k for k in kinds(text) if k[0] == ACTION_SUCCEEDED] == []
