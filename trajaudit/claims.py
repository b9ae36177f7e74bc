"""What an agent asserts about its own result: claim extraction from its final report.

An agent's final report ("Your order #W123 has been cancelled.", "I've fixed the bug and all tests pass.") is split
into sentences and clauses; each clause is matched against success patterns and kept only when it is asserted:
not negated ("I was unable to cancel"), not a question or an offer ("shall I cancel it?"), not future or conditional
("I will cancel once you confirm"), not hedged ("it seems the order was cancelled"), not a reason given for
something else ("since the order has already been delivered, ..."), and not quoted text or code.

Three claim types, as in the event schema: ``task_complete`` (the work as a whole is done or submitted),
``action_succeeded`` (a specific action, with a normalised verb such as ``cancel`` and a target when one is
visible) and ``tests_pass``. Every claim keeps its span (start, end offsets into the message text) and its event.

Everything here is a pure function over strings and events; the regular expressions are compiled once.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator, NamedTuple

from trajaudit.model import Event, Trajectory, per_trajectory

TASK_COMPLETE = "task_complete"
ACTION_SUCCEEDED = "action_succeeded"
TESTS_PASS = "tests_pass"
CLAIM_TYPES = (TASK_COMPLETE, ACTION_SUCCEEDED, TESTS_PASS)


@dataclass(frozen=True, slots=True)
class Claim:
    """One assertion of success: its type, normalised action and target, the clause quoted, and where it is."""

    type: str
    action: str | None
    target: str | None
    text: str
    start: int
    end: int
    event: Event | None = None

    def quote(self, limit: int = 160) -> str:
        """The claim's clause, on one line and shortened, for a finding's message."""
        text = " ".join(self.text.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------------------------
# Vocabulary: past forms of action verbs, normalised to a base verb.

_SPECIFIC_VERBS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancelled", "canceled", "voided", "revoked", "called off"),
    "refund": ("refunded", "reimbursed", "credited", "credited back"),
    "return": ("returned",),
    "exchange": ("exchanged", "swapped", "traded"),
    "book": ("booked", "rebooked", "reserved", "scheduled"),
    "update": (
        "updated", "modified", "changed", "edited", "switched", "adjusted", "upgraded", "downgraded", "altered",
        "amended", "replaced", "corrected", "renamed", "moved", "migrated", "refactored", "reconfigured",
        "configured", "set up", "reset", "restored", "reverted", "rewritten", "rewrote",
    ),
    "delete": ("deleted", "removed", "erased", "dropped", "purged", "wiped", "cleaned up", "uninstalled"),
    "create": ("created", "added", "generated", "written", "wrote", "implemented", "opened", "inserted"),
    "send": ("sent", "emailed", "mailed", "notified", "messaged", "forwarded"),
    "issue": ("issued", "granted", "awarded"),
    "fix": ("fixed", "patched", "repaired", "solved"),
    "merge": ("merged",),
    "deploy": ("deployed", "released", "published", "rolled out"),
    "install": ("installed",),
    "commit": ("committed",),
    "push": ("pushed",),
    "pay": ("paid", "charged", "billed"),
}
# Verbs that say something was done without saying what: the action comes from a noun ("the exchange request has
# been submitted") or, for the work as a whole, the claim is task_complete ("all tasks have been completed").
_GENERIC_VERBS = (
    "processed", "completed", "submitted", "initiated", "requested", "placed", "finalized", "finalised", "handled",
    "done", "executed", "performed", "carried out", "taken care of", "made", "started", "marked", "accomplished",
    "resolved", "addressed", "sorted out", "sorted", "finished", "approved", "filed", "registered", "arranged",
    "settled", "confirmed", "applied", "put through", "logged",
)
# Participles that describe a state, so "is/are X" (without "been" or "now") already asserts it: "Your order is
# cancelled", "the bug is fixed". Process verbs ("refunds are processed to ...") read as policy and are left out.
_STATE_VERBS = frozenset(
    "cancelled canceled deleted removed fixed done complete completed confirmed booked updated resolved merged "
    "deployed installed set finished finalized finalised solved".split()
)
# Actions that hand the task to someone else are not success claims.
_NOT_SUCCESS_NOUN = re.compile(r"\b(?:transfer(?:red)?|escalat\w*|human agent|representative|supervisor)\b", re.I)

_VERB_BASE: dict[str, str] = {form: base for base, forms in _SPECIFIC_VERBS.items() for form in forms}
_VERB_BASE.update({form: "" for form in _GENERIC_VERBS})
# Verbs that say little about the action when their subject names it: "a refund has been issued" is a refund.
_WEAK_VERBS = frozenset({"issue", "create", "pay", "send"})
_ACTIVE_EXCLUDED = frozenset({"applied", "made", "marked", "confirmed", "started", "requested", "logged", "set up"})


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_PARTICIPLE = _alternation(_VERB_BASE)
_ADV = (
    r"(?:now|also|already|successfully|just|fully|all|both|each|finally|completely|officially|correctly|properly|"
    r"immediately|automatically|indeed|then|since|entirely|promptly|effectively|duly)"
)

# Base forms and nouns that name an action, for normalising structured claims and finding a generic verb's action.
_BASE_WORDS: dict[str, str] = {base: base for base in _SPECIFIC_VERBS}
_BASE_WORDS.update(
    {
        "modify": "update", "change": "update", "edit": "update", "switch": "update", "upgrade": "update",
        "downgrade": "update", "remove": "delete", "erase": "delete", "drop": "delete", "add": "create",
        "write": "create", "implement": "create", "reserve": "book", "rebook": "book", "swap": "exchange",
        "reimburse": "refund", "charge": "pay", "email": "send", "notify": "send", "patch": "fix", "release": "deploy",
        "publish": "deploy", "submit": "submit", "complete": "complete", "finish": "complete",
    }
)
_ACTION_NOUNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), action)
    for pattern, action in (
        (r"\bcancel+ations?\b", "cancel"),
        (r"\brefunds?\b", "refund"),
        (r"\breturns?\b", "return"),
        (r"\bexchanges?\b", "exchange"),
        (r"\b(?:bookings?|reservations?|flights?|tickets?)\b", "book"),
        (r"\b(?:modifications?|changes|updates?|upgrades?|downgrades?|address(?:es)?)\b", "update"),
        (r"\b(?:payments?|charges?|price difference|difference|balance|adjustments?)\b", "pay"),
        (r"\b(?:deletions?|removals?)\b", "delete"),
        (r"\b(?:certificates?|vouchers?|compensation|credits?)\b", "issue"),
        (r"\binstallations?\b", "install"),
        (r"\b(?:deployments?|releases?)\b", "deploy"),
        (r"\bmerges?\b", "merge"),
        (r"\b(?:fix|patch|bug ?fix)\b", "fix"),
        (r"\bcommits?\b", "commit"),
        (r"\b(?:emails?|messages?|notifications?)\b", "send"),
        (r"\border\b(?=[^.]*\bplaced\b)", "create"),
    )
)
# Nouns for the work as a whole: a generic verb over them is task_complete ("all tasks have been completed").
_WORK_NOUN = re.compile(
    r"\b(?:tasks?|requests?|everything|all|work|job|issue|problem|bug|steps?|items?|actions?|changes|"
    r"implementation|solution|ticket|assignment|goal|that|it all)\b",
    re.I,
)

# --------------------------------------------------------------------------------------------------------------
# Clause-level cues.

_NEGATION = re.compile(
    r"\b(?:not|never|no longer|unable|cannot|can't|couldn't|wasn't|weren't|isn't|aren't|hasn't|haven't|hadn't|"
    r"didn't|doesn't|don't|won't|wouldn't|failed|fails|fail|failing|failure|without|neither|nor|nothing|none|"
    r"unsuccessful(?:ly)?|impossible|yet to|no way|nobody|error|errored|no)\b|n't\b",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|once|whether|until|in case|as soon as|provided that|assuming|whenever|after you|"
    r"when you|before)\b",
    re.I,
)
_PLAN = re.compile(
    r"\b(?:will|shall|'ll|going to|gonna|plan(?:ning)? to|about to|let me|let's|need to|needs to|want to|"
    r"wants to|try to|trying to|attempt to|in order to|to make sure|make sure|to ensure|ensure|to verify|to check|"
    r"to confirm|to see|would like|wish to|able to proceed|proceed(?:ing)? to|ready to (?!submit))\b",
    re.I,
)
_MODAL_BEFORE = re.compile(
    r"\b(?:will|would|should|could|might|may|must|can|shall|ought to|'ll|'d|to)\s+(?:not\s+|also\s+|then\s+)?$",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:seems?|seemed|appears?|appeared|looks? like|looks? as if|apparently|probably|possibly|presumably|"
    r"likely|i think|i believe|i assume|i guess|hopefully|supposedly|i suspect|should have|might have|"
    r"may have|could have|would have)\b",
    re.I,
)
_REASON_START = re.compile(r"^\W*(?:since|as|because|given that|due to|considering)\b", re.I)
_QUESTION_START = re.compile(
    r"^\W*(?:would you|shall i|should i|do you|did you|can i|could i|may i|could you|can you|will you|"
    r"would it|is there|are there|is it|is that|are you|have you|has|have|did|do|does|is|are|was|were|"
    r"want me to|how about|what|which|when|where|who|why|how)\b",
    re.I,
)
_THIRD_PARTY_AGENT = re.compile(
    r"^\s*by\s+(?!me\b|us\b|myself\b|ourselves\b)(?:the|your|an?|their|its|\w+)\b", re.I
)

# --------------------------------------------------------------------------------------------------------------
# Success predicates.

_PASSIVE = re.compile(
    rf"\b(?P<aux>has|have|had|is|are|was|were|got|gets|'s|'re|’s|’re)\b(?P<adv1>(?:\s+{_ADV})*)"
    rf"(?:\s+(?P<been>been|being)(?:\s+{_ADV})*)?"
    rf"\s+(?:(?P<first>[a-z]+ed)\s+(?:and|&)\s+(?:{_ADV}\s+)*)?(?P<verb>{_PARTICIPLE})\b",
    re.I,
)
_ACTIVE = re.compile(
    rf"\b(?:i|we)\b(?:\s*(?:'ve|’ve|'d|’d)|\s+have|\s+had)?(?:\s+{_ADV})*\s+"
    rf"(?:(?P<first>[a-z]+ed)\s+(?:and|&)\s+(?:{_ADV}\s+)*)?(?P<verb>{_PARTICIPLE})\b",
    re.I,
)
_ADVERBIAL = re.compile(
    rf"(?:\bsuccessfully\s+(?P<verb1>{_PARTICIPLE})\b|\b(?P<verb2>{_PARTICIPLE})\s+successfully\b)", re.I
)
_AMOUNT = re.compile(
    r"(?:^\W*\$\s?\d[\d,]*(?:\.\d+)?\s+|\$\s?\d[\d,]*(?:\.\d+)?\s+(?:has\s+been|was|were)\s+|"
    r"\b(?:amount|balance|sum|total)\s+(?:has\s+been|have\s+been|was|were)\s+(?:fully\s+|successfully\s+)?)"
    r"(?P<verb>refunded|credited|credited back|charged|paid)\b",
    re.I,
)
_STATE_PREDICATE = (
    r"(?:is|are|was|were|has been|have been|'s|’s)\s+"
    r"(?:now\s+|all\s+|fully\s+|also\s+)*(?P<state>complete|successful|through|confirmed|in place|finalized|"
    r"finalised|done|finished)\b"
)
_STATE_PHRASE = (
    r"(?:went through|succeeded|was a success|were a success|has gone through|have gone through|is now active|"
    r"are now active)\b"
)
_STATE = re.compile(
    rf"\b(?P<subject>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PREDICATE}"
    rf"|\b(?P<subject2>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PHRASE}",
    re.I,
)
# _STATE tries a subject of up to six words at every word: slow, so first look for its predicate alone.
_STATE_END = re.compile(f"{_STATE_PREDICATE}|{_STATE_PHRASE}", re.I)
_TASK_DONE = re.compile(
    r"\b(?:(?:you|we)(?:'re|’re|\s+are)\s+(?:now\s+)?all\s+set|(?:everything|it|all|that)(?:'s|’s|\s+is)\s+"
    r"(?:now\s+)?(?:all\s+)?set|i(?:'m|’m|\s+am)\s+(?:now\s+|all\s+)?(?:done|finished|ready\s+to\s+submit)|"
    r"we(?:'re|’re|\s+are)\s+(?:now\s+|all\s+)?(?:done|finished)|this\s+completes|that\s+completes|"
    r"(?:task|work|job)\s+(?:is\s+)?(?:now\s+)?(?:complete|completed|done|finished)|all\s+done|"
    r"mission\s+accomplished)\b",
    re.I,
)
_LONE_DONE = re.compile(
    r"^\W*(?:all\s+)?(?:done|completed?|finished|fixed|resolved|success(?:ful)?)(?:\s+successfully)?\W*$", re.I
)
# Generic verbs that, in the simple past, usually narrate history ("the payment was made using your card").
_HISTORY_VERBS = frozenset(
    {"made", "placed", "confirmed", "applied", "started", "marked", "requested", "paid", "created", "charged"}
)
_TEST_NOUN = re.compile(
    r"\b(?:tests?|test suites?|test cases?|testsuite|specs?|unit tests?|checks|ci|pytest|unittest|test run)\b", re.I
)
_TEST_PASS = re.compile(
    r"\b(?:pass(?:es|ed)?|passing|succeed(?:s|ed)?|green|successful(?:ly)?|ok)\b", re.I
)
_TEST_COUNT_PASS = re.compile(r"\b(?P<n>\d+)\s+(?:tests?\s+)?(?:passed|passing)\b", re.I)
_TEST_FAIL_WORDS = re.compile(
    r"\b(?:[1-9]\d*\s+(?:tests?\s+)?(?:failed|failing|failures?|errors?)|fail(?:s|ed|ing|ures?)?|broken|red|"
    r"except|apart from|other than|but\s+(?:one|two|some|a few|\d+))\b",
    re.I,
)
_TEST_PRONOUN = re.compile(
    r"\b(?:they|it|all of them|both|everything)\s+(?:all\s+|now\s+|still\s+)*pass(?:es|ed)?\b", re.I
)

# Targets: order or reservation ids, file paths, issue/PR numbers, quoted identifiers.
_TARGET = re.compile(
    r"(?P<order>#\s?[A-Z]{0,3}\d{3,}\b|\b[A-Z]{1,3}\d{5,}\b)"
    r"|(?P<code>\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}\b)"
    r"|(?P<path>(?<![\w/])(?:[\w.-]+/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|cs|"
    r"swift|scala|sh|yml|yaml|toml|json|cfg|ini|md|rst|txt|html|css|sql|lock)\b)"
)

# --------------------------------------------------------------------------------------------------------------
# Masking: code, quotes and Markdown are blanked in a same-length copy so offsets stay those of the original text.

_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_BLOCKQUOTE = re.compile(r"^[ \t]*>[^\n]*$", re.M)
_QUOTED = re.compile(r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|«[^»\n]{1,300}»")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`|^[ \t]*#{1,6}[ \t]", re.M)
_MARKUP_CHAR = re.compile(r"[*_`#]")
_BULLET = re.compile(r"^[ \t]*(?:[-*+•▪◦‣]|\d{1,3}[.)]|[a-zA-Z][.)](?=\s))[ \t]+", re.M)
_TAGS = re.compile(r"</?[a-zA-Z][\w-]*>")
_PREFIX = re.compile(r"^[ \t]*(?:THOUGHT|DISCUSSION|Thought|Reasoning|Answer|Final answer)\s*:", re.M)

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr st no approx fig inc ltd jr sr u.s a.m p.m".split()
)
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s)\]\"'”’]|$)|\n")
_CLAUSE_SPLIT = re.compile(
    r";|:(?=\s)|\s[–—-]\s|,(?=\s)|\((?=\s*\w)|\)|\s(?=(?:but|however|although|though|whereas|yet|except|"
    r"while|unfortunately|otherwise|instead|meanwhile|because|since|unless)\b)",
    re.I,
)

# Politeness that follows a report: if a message has nothing else, the report is the message before it.
_COURTESY = re.compile(
    r"^\W*(?:(?:you(?:'re|’re| are)\s+(?:very\s+|most\s+)?welcome|thank(?:s| you)|have\s+a\s+|take\s+care|goodbye|"
    r"bye|cheers|my\s+pleasure|glad|happy\s+to|i(?:'m|’m| am)\s+(?:glad|happy)|feel\s+free|don't\s+hesitate|"
    r"do\s+not\s+hesitate|let\s+me\s+know|if\s+(?:you|there)|is\s+there\s+anything|anything\s+else|wishing|i\s+wish|"
    r"i\s+hope|hope|enjoy|safe\s+travels|best\s+regards|regards|good\s+luck|always\s+here|i(?:'m|’m| am)\s+here|"
    r"it\s+was\s+(?:a\s+)?(?:my\s+)?pleasure|no\s+problem|of\s+course|sure|great|perfect|wonderful|okay|ok)\b|\W*$)",
    re.I,
)

# Sentinels and tools by which agents submit their work (mini-swe-agent, SWE-agent, Claude Code-style tools).
_SUBMIT_TEXT = re.compile(
    r"COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT|^\s*submit\s*$", re.M
)
_SUBMIT_TOOL = re.compile(
    r"^(?:submit|submit_\w+|finish|final_answer|complete_task|task_complete|attempt_completion|mark_complete|"
    r"done)$",
    re.I,
)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with every character in the spans but line breaks turned into a space."""
    pieces = []
    done = 0
    for start, end in sorted(spans):
        start = max(start, done)
        if end <= start:
            continue
        pieces.append(text[done:start])
        pieces.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


@lru_cache(maxsize=16)
def mask(text: str) -> str:
    """A same-length copy of `text` with code blocks, quotes, blockquotes and Markdown markup blanked out."""
    # cached: a final report is masked once to see whether it is only politeness and again for its claims
    spans = [m.span() for pattern in (_FENCE, _BLOCKQUOTE, _TAGS, _PREFIX) for m in pattern.finditer(text)]
    for m in _QUOTED.finditer(text):
        inner_end = m.end() - 1
        while inner_end > m.start() + 1 and text[inner_end - 1] in ".!?,;:":
            inner_end -= 1  # keep a sentence end written inside the quotes: with the reason "no longer needed."
        spans.append((m.start(), inner_end))
        spans.append((m.end() - 1, m.end()))
    masked = _blanked(text, spans) if spans else text
    spans = [m.span() for m in _BULLET.finditer(masked)]
    if _MARKUP_CHAR.search(masked):  # _MARKUP is slow to scan: its lookbehinds are tried at every character
        spans += [m.span() for m in _MARKUP.finditer(masked)]
    if spans:
        masked = _blanked(masked, spans)
    return masked.replace("|", "\n")


_WORD_BEFORE_DOT = re.compile(r"[\w.]+$")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
_SPACES = re.compile(r"[ \t]*")
_NON_BLANK = re.compile(r"\S")


def _sentences(masked: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence: ends at . ! ? (not abbreviations or decimals) and at line breaks."""
    start = 0
    for m in _SENTENCE_END.finditer(masked):
        end = m.end()
        if masked[m.start()] == "\n":
            after = _SPACES.match(masked, end).end()
            if masked[after : after + 1].islower():
                before = masked[start : m.start()].rstrip()
                if before and before[-1] not in ".!?:;":
                    continue  # a hard-wrapped line continues the sentence
        elif end - m.start() == 1 and masked[m.start()] == ".":
            # look at the last few characters only: a longer word is cut to a length no abbreviation has
            word = _WORD_BEFORE_DOT.search(masked, max(start, m.start() - _LONGEST_ABBREVIATION - 1), m.start())
            if word and word.group().lower() in _ABBREVIATIONS:
                continue
        if _NON_BLANK.search(masked, start, end):
            yield start, end
        start = end
    if _NON_BLANK.search(masked, start):
        yield start, len(masked)


def _clauses(masked: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cut = start
    for m in _CLAUSE_SPLIT.finditer(masked, start, end):
        if _NON_BLANK.search(masked, cut, m.start()):
            yield cut, m.start()
        cut = m.end() if _NON_BLANK.search(m.group()) else m.start()
    if _NON_BLANK.search(masked, cut, end):
        yield cut, end


_NON_LETTERS = re.compile(r"[^a-z]+")


def normalise_action(word: str | None) -> str | None:
    """The base verb for an action word: 'cancelled' → 'cancel', 'modify' → 'update'; None when unknown."""
    if not word:
        return None
    key = " ".join(word.lower().split())
    base = _VERB_BASE.get(key)
    if base:
        return base
    if key in _BASE_WORDS:
        return _BASE_WORDS[key]
    for pattern, action in _ACTION_NOUNS:
        if pattern.fullmatch(key):
            return action
    for token in _NON_LETTERS.split(key):
        if token in _BASE_WORDS:
            return _BASE_WORDS[token]
    return key or None


def _action_noun(text: str, prefer_last: bool) -> str | None:
    found: list[tuple[int, str]] = []
    for pattern, action in _ACTION_NOUNS:
        for m in pattern.finditer(text):
            found.append((m.start(), action))
    if not found:
        return None
    found.sort()
    return found[-1][1] if prefer_last else found[0][1]


_WHITESPACE = re.compile(r"\s+")


def _target(text: str) -> str | None:
    m = _TARGET.search(text)
    return _WHITESPACE.sub("", m.group()) if m else None


class _Clause(NamedTuple):
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    question: bool


# --------------------------------------------------------------------------------------------------------------
# Cues: every match of a success pattern above contains, as a whole word, one of the cue words of its kind (the
# passive an auxiliary and a participle's first word, the active "i" or "we" and one, ...), so a clause without them
# need not be matched against that kind's patterns, and most clauses need no pattern at all. The words are found in
# one pass over the lower-cased message. A word added to a pattern must be added here too.

_CUE_PARTICIPLE, _CUE_AUXILIARY, _CUE_FIRST_PERSON, _CUE_SUCCESSFULLY = 1, 2, 4, 8
_CUE_TESTS, _CUE_LONE_DONE, _CUE_TASK_DONE, _CUE_AMOUNT, _CUE_STATE = 16, 32, 64, 128, 256
_CUE_WORDS: dict[str, int] = {}
for _bit, _words in (
    (_CUE_PARTICIPLE, {form.split()[0] for form in _VERB_BASE}),
    (_CUE_AUXILIARY, ("has", "have", "had", "is", "are", "was", "were", "got", "gets", "s", "re")),  # 's: "s"
    (_CUE_FIRST_PERSON, ("i", "we")),
    (_CUE_SUCCESSFULLY, ("successfully",)),
    (_CUE_TESTS, ("pass", "passes", "passed", "passing", "succeed", "succeeds", "succeeded", "green", "successful",
                  "successfully", "ok")),
    (_CUE_LONE_DONE, ("done", "complete", "completed", "finished", "fixed", "resolved", "success", "successful")),
    (_CUE_TASK_DONE, ("set", "done", "finished", "submit", "completes", "complete", "completed", "accomplished")),
    (_CUE_AMOUNT, ("refunded", "credited", "charged", "paid")),
    (_CUE_STATE, ("complete", "successful", "through", "confirmed", "place", "finalized", "finalised", "done",
                  "finished", "succeeded", "success", "active")),
):
    for _word in _words:
        _CUE_WORDS[_word] = _CUE_WORDS.get(_word, 0) | _bit
_VERB_CUES = _CUE_AUXILIARY | _CUE_FIRST_PERSON | _CUE_SUCCESSFULLY  # a participle needs one of these
_OWN_CUES = _CUE_TESTS | _CUE_LONE_DONE | _CUE_TASK_DONE | _CUE_AMOUNT | _CUE_STATE
_ALL_CUES = _CUE_PARTICIPLE | _VERB_CUES | _OWN_CUES


def _trie_pattern(words: Iterable[str]) -> str:
    """An alternation of the words as a prefix tree: the regex engine tries each letter once, not each word."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def alternation(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + alternation(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return alternation(tree)


_CUE = re.compile(rf"\b{_trie_pattern(_CUE_WORDS)}\b")
# The patterns ignore case. Lower-casing keeps offsets and word boundaries and makes an ASCII letter match exactly
# when it matched before, except for four characters that re.IGNORECASE also takes for i, k or s: with one of them
# in the text every clause is a candidate.
_CASE_FOLDING_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def _cues(masked: str) -> tuple[list[int], list[int]] | None:
    """Where cue words start and which kinds they cue, in order; None when any clause may hold any claim."""
    if _CASE_FOLDING_TO_ASCII.search(masked):
        return None
    starts: list[int] = []
    kinds: list[int] = []
    for m in _CUE.finditer(masked.lower()):
        starts.append(m.start())
        kinds.append(_CUE_WORDS[m.group()])
    return starts, kinds


def _cued(cues: tuple[list[int], list[int]] | None, start: int, end: int) -> int:
    """The kinds of claim the text between start and end may hold, as cue bits."""
    if cues is None:
        return _ALL_CUES
    starts, kinds = cues
    found = 0
    for i in range(bisect_left(starts, start), bisect_left(starts, end)):
        found |= kinds[i]
    if found & _CUE_PARTICIPLE and found & _VERB_CUES or found & _OWN_CUES:
        return found
    return 0


def _asserted(before: str, clause: _Clause, masked: str) -> bool:
    """Whether a predicate preceded (within its clause) by `before` is asserted, not negated, planned or hedged."""
    if clause.question:
        return False
    if _NEGATION.search(before) or _CONDITIONAL.search(before) or _PLAN.search(before) or _HEDGE.search(before):
        return False
    if _REASON_START.search(masked[clause.start : clause.end]):
        return False
    return True


def _iter_clauses(masked: str, cues: tuple[list[int], list[int]] | None) -> Iterator[tuple[_Clause, int]]:
    """The clauses that may hold a claim, with their cue bits."""
    for s_start, s_end in _sentences(masked):
        if not _cued(cues, s_start, s_end):
            continue
        sentence = masked[s_start:s_end].strip()
        whole_question = sentence.endswith("?") and bool(_QUESTION_START.search(sentence))
        for c_start, c_end in _clauses(masked, s_start, s_end):
            cued = _cued(cues, c_start, c_end)
            if not cued:
                continue
            text = masked[c_start:c_end].strip()
            question = whole_question or text.endswith("?") or (
                sentence.endswith("?") and bool(_QUESTION_START.search(text))
            )
            yield _Clause(c_start, c_end, s_start, s_end, question), cued


def _span(text: str, clause: _Clause) -> tuple[int, int]:
    start, end = clause.start, clause.end
    while start < end and not text[start].strip():
        start += 1
    while end > start and not text[end - 1].strip():
        end -= 1
    while end > start and text[end - 1] in ",;:(":
        end -= 1
    return start, end


def extract_claims(text: str, event: Event | None = None) -> tuple[Claim, ...]:
    """The success claims asserted in one message text, in order of appearance."""
    if not text or not text.strip():
        return ()
    masked = mask(text)
    cues = _cues(masked)
    if cues is not None and not cues[0]:
        return ()
    claims: list[Claim] = []
    for clause, cued in _iter_clauses(masked, cues):
        claims.extend(_clause_claims(text, masked, clause, event, cued))
    return tuple(claims)


def _clause_claims(text: str, masked: str, clause: _Clause, event: Event | None, cued: int) -> Iterator[Claim]:
    body = masked[clause.start : clause.end]
    if _NOT_SUCCESS_NOUN.search(body):
        return
    context = masked[clause.sentence_start : clause.start]  # the sentence before this clause: its subject
    start, end = _span(text, clause)
    quoted = text[start:end]
    seen: set[tuple[str, str | None]] = set()
    targets: list[str | None] = []  # looked for once, by the first action claim

    def make(kind: str, action: str | None) -> Claim | None:
        key = (kind, action)
        if key in seen:
            return None
        seen.add(key)
        target = None
        if kind == ACTION_SUCCEEDED:
            if not targets:
                targets.append(_target(quoted) or _target(text[clause.sentence_start : clause.sentence_end]))
            target = targets[0]
        return Claim(kind, action, target, quoted, start, end, event)

    # tests pass
    if cued & _CUE_TESTS:
        if _TEST_NOUN.search(body) or _TEST_COUNT_PASS.search(body):
            if _tests_claim(body, clause, masked):
                made = make(TESTS_PASS, None)
                if made:
                    yield made
        else:
            m = _TEST_PRONOUN.search(body)
            sentence = masked[clause.sentence_start : clause.sentence_end]
            if m and _TEST_NOUN.search(sentence) and _asserted(body[: m.start()], clause, masked):
                made = make(TESTS_PASS, None)
                if made:
                    yield made

    # whole-task completion
    if cued & _CUE_LONE_DONE and _LONE_DONE.match(body) and not clause.question:
        made = make(TASK_COMPLETE, None)
        if made:
            yield made
    for m in _TASK_DONE.finditer(body) if cued & _CUE_TASK_DONE else ():
        if _asserted(body[: m.start()], clause, masked):
            made = make(TASK_COMPLETE, None)
            if made:
                yield made

    # actions: passive, first-person active, adverbial, amounts, state predicates
    participle = cued & _CUE_PARTICIPLE
    for m in _PASSIVE.finditer(body) if participle and cued & _CUE_AUXILIARY else ():
        verb = m.group("verb").lower()
        aux = m.group("aux").lower()
        if not m.group("been") and aux in {"has", "have", "had"}:
            continue  # active present perfect of a third party: "the status has changed"
        if not m.group("been") and aux in {"is", "are", "'s", "'re", "’s", "’re"}:
            adverbs = (m.group("adv1") or "").lower()
            if " ".join(verb.split()) not in _STATE_VERBS and not _NOW_SUCCESSFULLY_ALREADY.search(adverbs):
                continue
        if not m.group("been") and aux in {"was", "were"} and verb in _HISTORY_VERBS:
            if not _NOW_SUCCESSFULLY_JUST.search((m.group("adv1") or "").lower()):
                continue
        if _MODAL_BEFORE.search(body[: m.start()]):
            continue
        if _THIRD_PARTY_AGENT.match(body[m.end() :]):
            continue
        if not _asserted(body[: m.start()], clause, masked):
            continue
        for word in filter(None, (m.group("first"), verb)):
            claim = _action_claim(word, body[: m.start()], body[m.end() :], passive=True, context=context)
            if claim:
                made = make(*claim)
                if made:
                    yield made
    for m in _ACTIVE.finditer(body) if participle and cued & _CUE_FIRST_PERSON else ():
        verb = " ".join(m.group("verb").lower().split())
        if verb in _ACTIVE_EXCLUDED:
            continue
        if not _asserted(body[: m.start()], clause, masked):
            continue
        for word in filter(None, (m.group("first"), verb)):
            claim = _action_claim(word, body[: m.start()], body[m.end() :], passive=False, context=context)
            if claim:
                made = make(*claim)
                if made:
                    yield made
    for m in _ADVERBIAL.finditer(body) if participle and cued & _CUE_SUCCESSFULLY else ():
        verb = m.group("verb1") or m.group("verb2")
        if not _asserted(body[: m.start()], clause, masked) or _MODAL_BEFORE.search(body[: m.start()]):
            continue
        if _BE_TO_BEFORE.search(body[: m.start()]):
            continue  # "can be processed successfully", "to be cancelled successfully"
        claim = _action_claim(verb, body[: m.start()], body[m.end() :], passive=True, context=context)
        if claim:
            made = make(*claim)
            if made:
                yield made
    for m in _AMOUNT.finditer(body) if cued & _CUE_AMOUNT else ():
        if _asserted(body[: m.start()], clause, masked) and not _MODAL_BEFORE.search(body[: m.start()]):
            made = make(ACTION_SUCCEEDED, normalise_action(m.group("verb")))
            if made:
                yield made
    for m in _STATE.finditer(body) if cued & _CUE_STATE and _STATE_END.search(body) else ():
        subject = m.group("subject") or m.group("subject2") or ""
        before = body[: m.start()] + subject
        if not _asserted(before, clause, masked) or _MODAL_BEFORE.search(body[: m.start()]):
            continue
        action = _action_noun(subject, prefer_last=True) or _action_noun(context, prefer_last=True)
        if action:
            made = make(ACTION_SUCCEEDED, action)
        elif _WORK_NOUN.search(subject):
            made = make(TASK_COMPLETE, None)
        else:
            made = None
        if made:
            yield made


_NOW_SUCCESSFULLY_ALREADY = re.compile(r"now|successfully|already")
_NOW_SUCCESSFULLY_JUST = re.compile(r"now|successfully|just")
_BE_TO_BEFORE = re.compile(r"\b(?:be|to)\s+$", re.I)
_TO_HUMAN = re.compile(r"\s+to\s+(?:a\s+)?human\b", re.I)


def _action_claim(
    word: str, before: str, after: str, passive: bool, context: str = ""
) -> tuple[str, str | None] | None:
    key = " ".join(word.lower().split())
    if key not in _VERB_BASE:
        return None
    base = _VERB_BASE[key]
    if base in _WEAK_VERBS:
        noun = _action_noun(before[-80:] if passive else after[:80], prefer_last=passive)
        if noun:
            base = noun
    if base:
        if base == "update" and _TO_HUMAN.match(after):
            return None
        return ACTION_SUCCEEDED, base
    # generic verb: the action is named by a noun (subject for passive, object for active), or it is the whole task
    near = before[-80:] if passive else after[:80]
    far = after[:80] if passive else before[-80:]
    action = _action_noun(near, prefer_last=passive)
    if action:
        return ACTION_SUCCEEDED, action
    if _WORK_NOUN.search(near):
        return TASK_COMPLETE, None
    action = _action_noun(context[-120:], prefer_last=True) or _action_noun(far, prefer_last=not passive)
    if action:
        return ACTION_SUCCEEDED, action
    if _WORK_NOUN.search(far):
        return TASK_COMPLETE, None
    return None


def _tests_claim(body: str, clause: _Clause, masked: str) -> bool:
    noun = _TEST_NOUN.search(body)
    count = _TEST_COUNT_PASS.search(body)
    anchor = count.start() if count else None
    if noun:
        passed = _TEST_PASS.search(body, noun.end())
        if passed:
            anchor = passed.start() if anchor is None else min(anchor, passed.start())
        elif count is None:
            return False
    if anchor is None:
        return False
    if _TEST_FAIL_WORDS.search(body) or _TEST_FAIL_WORDS.search(masked[clause.sentence_start : clause.sentence_end]):
        return False  # "12 passed, 2 failed": a failure anywhere in the sentence undoes the pass
    return _asserted(body[:anchor], clause, masked) and not _MODAL_BEFORE.search(body[:anchor])


# --------------------------------------------------------------------------------------------------------------
# Trajectory level: which messages make up the final report, and the claims in it.


def is_courtesy(text: str) -> bool:
    """Whether a message is only politeness ("Thank you, have a nice day!") with no report of its own."""
    masked = mask(text)
    for s_start, s_end in _sentences(masked):
        if not _COURTESY.match(masked[s_start:s_end]):
            return False
    return True


def _message_text(event: Event) -> str:
    text = event.get("text")
    return text if isinstance(text, str) else ""


def final_report(trajectory: Trajectory, lookback: int = 3) -> tuple[Event, ...]:
    """The assistant messages that make up the final report: the last one with text, and when that one is only
    politeness, the ones before it (at most `lookback`) back to the first with substance. Oldest first."""
    report: list[Event] = []
    for event in reversed(trajectory.events):
        if not event.is_assistant_message or not _message_text(event).strip():
            continue
        report.append(event)
        if not is_courtesy(_message_text(event)) or len(report) > lookback:
            break
    return tuple(reversed(report))


def _structured(event: Event) -> Claim | None:
    claim = event.get("claim")
    if not isinstance(claim, dict) or claim.get("type") not in CLAIM_TYPES:
        return None
    text = event.get("text") if isinstance(event.get("text"), str) else ""
    action = normalise_action(claim.get("action")) if claim.get("action") else None
    target = claim.get("target") if isinstance(claim.get("target"), str) else None
    return Claim(claim["type"], action, target, text or _describe(claim), 0, len(text or ""), event)


def _describe(claim: dict[str, Any]) -> str:
    parts = [str(claim.get("type"))]
    if claim.get("action"):
        parts.append(str(claim["action"]))
    if claim.get("target"):
        parts.append(str(claim["target"]))
    return " ".join(parts)


def _arguments_text(event: Event) -> str:
    arguments = event.get("arguments")
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return " ".join(str(v) for v in arguments.values() if isinstance(v, (str, int, float)))
    return ""


def _submit_sentinel(text: str) -> re.Match[str] | None:
    if "_FINAL_OUTPUT" not in text and "submit" not in text:
        return None  # what every alternative of _SUBMIT_TEXT contains: most texts are skipped without a scan
    return _SUBMIT_TEXT.search(text)


def submission(trajectory: Trajectory) -> Claim | None:
    """A task_complete claim when the agent submitted its work (a submit tool, or a submission sentinel such as
    mini-swe-agent's `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`) as its last act."""
    for event in reversed(trajectory.events):
        if event.kind == "tool_call":
            tool = str(event.get("tool", ""))
            args = _arguments_text(event)
            if _SUBMIT_TOOL.match(tool) or _submit_sentinel(args):
                text = f"{tool}: {args}".strip() if args else tool
                return Claim(TASK_COMPLETE, "submit", None, text, 0, 0, event)
            return None  # the last call was something else: no submission at the end
        if event.is_assistant_message:
            m = _submit_sentinel(_message_text(event))
            if m:
                return Claim(TASK_COMPLETE, "submit", None, m.group().strip(), m.start(), m.end(), event)
    return None


_ACKNOWLEDGES_FAILURE = re.compile(
    r"\b(error|errors|errored|fail(?:s|ed|ure|ing)?|unable|could(?:n't| not)|can(?:'t|not)|wasn't able|"
    r"were not able|was not able|not able to|unfortunately|sorry|apologi[sz]e|problem|issue|didn't work|"
    r"did not work|not (?:found|possible|allowed|permitted|available)|denied|invalid|doesn't exist|does not exist|"
    r"exception|traceback|non-zero|nonzero|already)\b",
    re.IGNORECASE,
)




def acknowledges_failure(text: str) -> bool:
    """Whether a message speaks of something having gone wrong ("error", "unable", "already", "not found", …)."""
    return bool(_ACKNOWLEDGES_FAILURE.search(text))


_PRIOR_STATE = re.compile(r"\b(?:already|previously|earlier|before)\b", re.I)


def is_prior_state(claim: Claim) -> bool:
    """'The order was already cancelled': a state found, not an action the agent reports having done."""
    return bool(_PRIOR_STATE.search(claim.text))


@per_trajectory
def report_claims(trajectory: Trajectory) -> tuple[Claim, ...]:
    """Every success claim of the trajectory's final report, structured `claim` events and a final submission."""
    claims: list[Claim] = []
    for event in trajectory.events:
        if event.kind == "claim":
            structured = _structured(event)
            if structured:
                claims.append(structured)
    for event in final_report(trajectory):
        claims.extend(extract_claims(_message_text(event), event))
    submitted = submission(trajectory)
    if submitted:
        claims.append(submitted)
    return tuple(claims)


def claims_success(trajectory: Trajectory) -> bool:
    """Whether the agent's final report claims success of the task or of any action."""
    return bool(report_claims(trajectory))
