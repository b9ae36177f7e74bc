"""The cue-word pre-filter of claim extraction only skips work: with and without it, the claims are the same.

Every success pattern must contain one of its kind's cue words; a word added to a pattern but not to the cues would
silently lose claims. This test catches that on our own phrases and, when present, on every real message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trajaudit import claims
from trajaudit.importers import open_events
from trajaudit.reader import discover

PHRASES = [
    "Your order #W123 has been cancelled.",
    "I've cancelled the order and issued a refund of $54.20 to your card.",
    "The refund went through, but the exchange failed.",
    "All tests pass now (42 passed in 1.3s).",
    "Done! The reservation is confirmed and you're all set.",
    "I have successfully updated your address to 12 Elm St.",
    "The booking is now complete; the payment was processed successfully.",
    "I fixed the bug in parser.py and merged the branch.",
    "Your exchange has been placed and the new item ships tomorrow.",
    "Shall I cancel it?",
    "I was unable to cancel the order.",
    "Task complete.",
    "The file has been deleted and the cache was cleared.",
    "We've deployed version 2.1 and the tests are green.",
    "You were charged $10 and refunded $4.",
    "You've been credited the difference; the patch works now.",
    "- Rotated the API keys\n- Purged the CDN cache for /static",
    "I tightened the lock timeout, addressing the flaky deadlock.",
    "The backup job went ahead and ran; I went ahead and archived the logs.",
    "All set: the replica was promoted and rebooted.",
]


def all_claims(texts: list[str]) -> list[tuple]:
    return [tuple((c.type, c.action, c.target, c.start, c.end) for c in claims.extract_claims(t)) for t in texts]


def compare(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    gated = all_claims(texts)
    with monkeypatch.context() as patch:
        patch.setattr(claims, "_cues", lambda masked: None)  # None: every clause may hold every kind of claim
        ungated = all_claims(texts)
    mismatches = [t for t, a, b in zip(texts, gated, ungated, strict=True) if a != b]
    assert not mismatches, mismatches[:3]


def test_cues_do_not_change_claims_on_our_phrases(monkeypatch):
    assert any(all_claims(PHRASES))  # the phrases do hold claims, so the comparison means something
    compare(PHRASES, monkeypatch)


def test_cues_do_not_change_claims_on_real_messages(realdata: Path, monkeypatch):
    texts: list[str] = []
    # the tuning sources only (bench/claims split): a failure here prints message texts
    for folder in ("taubench-retail-avaljot", "swebench-minisweagent-gemini3pro/trajs"):
        for source in discover([str(realdata / folder)]):
            _, stream = open_events(source)
            for item in stream:
                if isinstance(item, tuple) and item[1].get("kind") == "message" and item[1].get("role") == "assistant":
                    texts.append(item[1]["text"])
    assert len(texts) > 1000
    compare(texts, monkeypatch)


# --- case folding: the patterns, written in lower case, match the folded text where re.IGNORECASE matched the text ---

FOLDED_PATTERNS = (
    "_WORK_NOUN _NEGATION _CONDITIONAL _PLAN _MODAL_BEFORE _HEDGE _REASON_START _QUESTION_START _TOKEN "
    "_AMOUNT _STATE _STATE_END _TASK_DONE _LONE_DONE _TEST_PASS _TEST_FAIL_WORDS _WORKS _ING_RESULT _FIRST_WORD "
    "_CLAUSE_SPACE _COURTESY _TO_HUMAN _NOT_SUCCESS_NOUN"
).split()
SCREENED_PATTERNS = "_TEST_NOUN _TEST_COUNT_PASS _TEST_PRONOUN".split()
TRICKY = [
    "YOUR ORDER #W123 HAS BEEN CANCELLED AND 3 TESTS PASSED.",
    "I ha\u017fe \u0130SSUED a refund; the order I\u017f complete, \u0131t was transferred to a supervisor.",
    "We\u2019re all set \u2014 the tas\u212a is DONE, but it seems the escalation was not needed.",
    "By the way, the booking was processed successfully, if you want to change it let me know.",
    "They all pass now (12 passed, 0 failed); the human agent will not be needed.",
]


def _texts() -> list[str]:
    odd_letters = [t.replace("i", "\u0131").replace("s", "\u017f").replace("k", "\u212a") for t in PHRASES]
    return PHRASES + TRICKY + [t.upper() for t in PHRASES] + odd_letters


def test_fold_keeps_offsets():
    for text in _texts() + ["\u0130\u0131\u017f\u212a \u03a3\u03a3 stra\u00dfe"]:
        assert len(claims._fold(text)) == len(text)


def test_folded_patterns_match_where_ignorecase_matched():
    texts = [claims.mask(t) for t in _texts()]
    for name in FOLDED_PATTERNS + SCREENED_PATTERNS:
        pattern = getattr(claims, name)
        if isinstance(pattern, claims._Screened):
            pattern = pattern.pattern
        assert not pattern.flags & re.IGNORECASE, name
        ignoring_case = re.compile(pattern.pattern, re.IGNORECASE)
        for text in texts:
            expected = [m.span() for m in ignoring_case.finditer(text)]
            assert [m.span() for m in pattern.finditer(claims._fold(text))] == expected, (name, text)


def test_screens_hold_a_needle_of_every_match():
    for name in SCREENED_PATTERNS:
        screened = getattr(claims, name)
        for text in map(claims._fold, _texts()):
            for m in screened.pattern.finditer(text):
                assert any(needle in m.group() for needle in screened.needles), (name, m.group())


def test_state_end_spelt_out_matches_the_state_predicates():
    joined = re.compile(f"{claims._STATE_PREDICATE}|{claims._STATE_PHRASE}")
    for text in map(claims._fold, _texts() + ["it is now all done", "the refund has gone through", "was a success"]):
        assert bool(claims._STATE_END.search(text)) == bool(joined.search(text)), text
