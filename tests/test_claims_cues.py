"""The cue-word pre-filter of claim extraction only skips work: with and without it, the claims are the same.

Every success pattern must contain one of its kind's cue words; a word added to a pattern but not to the cues would
silently lose claims. This test catches that on our own phrases and, when present, on every real message.
"""

from __future__ import annotations

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
    for folder in ("taubench-retail-avaljot", "tau2-sierra", "swebench-minisweagent-gemini3pro/trajs"):
        for source in discover([str(realdata / folder)]):
            _, stream = open_events(source)
            for item in stream:
                if isinstance(item, tuple) and item[1].get("kind") == "message" and item[1].get("role") == "assistant":
                    texts.append(item[1]["text"])
    assert len(texts) > 1000
    compare(texts, monkeypatch)
