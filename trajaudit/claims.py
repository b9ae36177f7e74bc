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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator, NamedTuple

from trajaudit.model import Event, Trajectory, events_by_kind, per_trajectory

TASK_COMPLETE = "task_complete"
ACTION_SUCCEEDED = "action_succeeded"
TESTS_PASS = "tests_pass"
CLAIM_TYPES = (TASK_COMPLETE, ACTION_SUCCEEDED, TESTS_PASS)


# --------------------------------------------------------------------------------------------------------------
# Case folding. The patterns over message text ignore case, but re.IGNORECASE makes matching two to four times
# slower, so they are written in lower case and matched against a folded copy of the text instead. Folding keeps
# offsets and word boundaries, and a character of the copy equals a pattern's letter exactly when the original
# matched it under re.IGNORECASE: besides upper case, that takes U+0130 (İ), U+0131 (ı) and U+017F (ſ) for i or s
# and U+212A (Kelvin sign) for k. Words looked up in the vocabulary are read from the original: "ıssued" is not
# "issued" there.

# U+212A lower-cases to k; U+0130 would lower-case to two characters.
_FOLD_TO_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s"}


def _folds_to_ascii(text: str) -> bool:
    """Whether `text` holds one of the four characters that re.IGNORECASE takes for i, k or s."""
    return "\u0130" in text or "\u0131" in text or "\u017f" in text or "\u212a" in text


def _fold(text: str) -> str:
    """A same-length lower-case copy of `text` for the patterns built by _folded_regex."""
    if _folds_to_ascii(text):
        text = text.translate(_FOLD_TO_ASCII)
    return text.lower()


def _folded_regex(pattern: str) -> re.Pattern[str]:
    """A case-insensitive pattern, written in lower case, for folded text (see _fold)."""
    return re.compile(pattern)


class _Screened:
    """A folded pattern that cannot match without one of a few substrings (needles): looking for them is far cheaper
    than a scan, and most clauses have none."""

    __slots__ = ("pattern", "needles")

    def __init__(self, pattern: str, needles: tuple[str, ...]) -> None:
        self.pattern = _folded_regex(pattern)
        self.needles = needles

    def search(self, text: str) -> re.Match[str] | None:
        for needle in self.needles:
            if needle in text:
                return self.pattern.search(text)
        return None


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
_NOT_SUCCESS_NOUN = _folded_regex(r"\b(?:transfer(?:red)?|escalat\w*|human agent|representative|supervisor)\b")

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
    (_folded_regex(pattern), action)
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
_WORK_NOUN = _folded_regex(
    r"\b(?:tasks?|requests?|everything|all|work|job|issue|problem|bug|steps?|items?|actions?|changes|"
    r"implementation|solution|ticket|assignment|goal|that|it all)\b",
)

# --------------------------------------------------------------------------------------------------------------
# Clause-level cues.

_NEGATION = _folded_regex(
    r"\b(?:not|never|no longer|unable|cannot|can't|couldn't|wasn't|weren't|isn't|aren't|hasn't|haven't|hadn't|"
    r"didn't|doesn't|don't|won't|wouldn't|failed|fails|fail|failing|failure|without|neither|nor|nothing|none|"
    r"unsuccessful(?:ly)?|impossible|yet to|no way|nobody|error|errored|no)\b|n't\b",
)
_CONDITIONAL = _folded_regex(
    r"\b(?:if|unless|once|whether|until|in case|as soon as|provided that|assuming|whenever|after you|"
    r"when you|before)\b",
)
_PLAN = _folded_regex(
    r"\b(?:will|shall|'ll|going to|gonna|plan(?:ning)? to|about to|let me|let's|need to|needs to|want to|"
    r"wants to|try to|trying to|attempt to|in order to|to make sure|make sure|to ensure|ensure|to verify|to check|"
    r"to confirm|to see|would like|wish to|able to proceed|proceed(?:ing)? to|ready to (?!submit))\b",
)
_MODAL_BEFORE = _folded_regex(
    r"\b(?:will|would|should|could|might|may|must|can|shall|ought to|'ll|'d|to)\s+(?:not\s+|also\s+|then\s+)?$",
)
_HEDGE = _folded_regex(
    r"\b(?:seems?|seemed|appears?|appeared|looks? like|looks? as if|apparently|probably|possibly|presumably|"
    r"likely|i think|i believe|i assume|i guess|hopefully|supposedly|i suspect|should have|might have|"
    r"may have|could have|would have)\b",
)
_REASON_START = _folded_regex(r"^\W*(?:since|as|because|given that|due to|considering)\b")
_QUESTION_START = _folded_regex(
    r"^\W*(?:would you|shall i|should i|do you|did you|can i|could i|may i|could you|can you|will you|"
    r"would it|is there|are there|is it|is that|are you|have you|has|have|did|do|does|is|are|was|were|"
    r"want me to|how about|what|which|when|where|who|why|how)\b",
)
_THIRD_PARTY_AGENT = _folded_regex(
    r"^\s*by\s+(?!me\b|us\b|myself\b|ourselves\b)(?:the|your|an?|their|its|\w+)\b"
)

# --------------------------------------------------------------------------------------------------------------
# Success predicates.

_PASSIVE = _folded_regex(
    rf"\b(?P<aux>has|have|had|is|are|was|were|got|gets|'s|'re|’s|’re)\b(?P<adv1>(?:\s+{_ADV})*)"
    rf"(?:\s+(?P<been>been|being)(?:\s+{_ADV})*)?"
    rf"\s+(?:(?P<first>[a-z]+ed)\s+(?:and|&)\s+(?:{_ADV}\s+)*)?(?P<verb>{_PARTICIPLE})\b",
)
_ACTIVE = _folded_regex(
    rf"\b(?:i|we)\b(?:\s*(?:'ve|’ve|'d|’d)|\s+have|\s+had)?(?:\s+{_ADV})*\s+"
    rf"(?:(?P<first>[a-z]+ed)\s+(?:and|&)\s+(?:{_ADV}\s+)*)?(?P<verb>{_PARTICIPLE})\b",
)
_ADVERBIAL = _folded_regex(
    rf"(?:\bsuccessfully\s+(?P<verb1>{_PARTICIPLE})\b|\b(?P<verb2>{_PARTICIPLE})\s+successfully\b)"
)
_AMOUNT = _folded_regex(
    r"(?:^\W*\$\s?\d[\d,]*(?:\.\d+)?\s+|\$\s?\d[\d,]*(?:\.\d+)?\s+(?:has\s+been|was|were)\s+|"
    r"\b(?:amount|balance|sum|total)\s+(?:has\s+been|have\s+been|was|were)\s+(?:fully\s+|successfully\s+)?)"
    r"(?P<verb>refunded|credited|credited back|charged|paid)\b",
)
_STATE_VERB = ("is", "are", "was", "were", "has been", "have been", "'s", "’s")
_STATE_WORD = (
    r"(?:now\s+|all\s+|fully\s+|also\s+)*(?:complete|successful|through|confirmed|in place|finalized|finalised|done|"
    r"finished)\b"
)
_STATE_PREDICATE = rf"(?:{'|'.join(_STATE_VERB)})\s+{_STATE_WORD}"
_STATE_PHRASES = (
    "went through", "succeeded", "was a success", "were a success", "has gone through", "have gone through",
    "is now active", "are now active",
)
_STATE_PHRASE = rf"(?:{'|'.join(_STATE_PHRASES)})\b"
_STATE = _folded_regex(
    rf"\b(?P<subject>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PREDICATE}"
    rf"|\b(?P<subject2>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PHRASE}",
)
# _STATE tries a subject of up to six words at every word: slow, so first look for its predicate alone. Spelt out as
# one alternative per verb or phrase, it starts with a few letters that re skips to.
_STATE_END = _folded_regex(
    "|".join([rf"{verb}\s+{_STATE_WORD}" for verb in _STATE_VERB] + [rf"{phrase}\b" for phrase in _STATE_PHRASES])
)
_TASK_DONE = _folded_regex(
    r"\b(?:(?:you|we)(?:'re|’re|\s+are)\s+(?:now\s+)?all\s+set|(?:everything|it|all|that)(?:'s|’s|\s+is)\s+"
    r"(?:now\s+)?(?:all\s+)?set|i(?:'m|’m|\s+am)\s+(?:now\s+|all\s+)?(?:done|finished|ready\s+to\s+submit)|"
    r"we(?:'re|’re|\s+are)\s+(?:now\s+|all\s+)?(?:done|finished)|this\s+completes|that\s+completes|"
    r"(?:task|work|job)\s+(?:is\s+)?(?:now\s+)?(?:complete|completed|done|finished)|all\s+done|"
    r"mission\s+accomplished)\b",
)
_LONE_DONE = _folded_regex(
    r"^\W*(?:all\s+)?(?:done|completed?|finished|fixed|resolved|success(?:ful)?)(?:\s+successfully)?\W*$"
)
# Generic verbs that, in the simple past, usually narrate history ("the payment was made using your card").
_HISTORY_VERBS = frozenset(
    {"made", "placed", "confirmed", "applied", "started", "marked", "requested", "paid", "created", "charged"}
)
_TEST_NOUN = _Screened(
    r"\b(?:tests?|test suites?|test cases?|testsuite|specs?|unit tests?|checks|ci|pytest|unittest|test run)\b",
    ("test", "spec", "checks", "ci"),
)
_TEST_PASS = _folded_regex(
    r"\b(?:pass(?:es|ed)?|passing|succeed(?:s|ed)?|green|successful(?:ly)?|ok)\b"
)
_TEST_COUNT_PASS = _Screened(r"\b(?P<n>\d+)\s+(?:tests?\s+)?(?:passed|passing)\b", ("pass",))
_TEST_FAIL_WORDS = _folded_regex(
    r"\b(?:[1-9]\d*\s+(?:tests?\s+)?(?:failed|failing|failures?|errors?)|fail(?:s|ed|ing|ures?)?|broken|red|"
    r"except|apart from|other than|but\s+(?:one|two|some|a few|\d+))\b",
)
_TEST_PRONOUN = _Screened(
    r"\b(?:they|it|all of them|both|everything)\s+(?:all\s+|now\s+|still\s+)*pass(?:es|ed)?\b", ("pass",)
)

# Targets: order or reservation ids, file paths, issue/PR numbers, quoted identifiers.
_TARGET = re.compile(
    r"(?P<order>#\s?[A-Z]{0,3}\d{3,}\b|\b[A-Z]{1,3}\d{5,}\b)"
    r"|(?P<code>\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6}\b)"
    r"|(?P<path>(?<![\w/])(?:[\w.-]+/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|cs|"
    r"swift|scala|sh|yml|yaml|toml|json|cfg|ini|md|rst|txt|html|css|sql|lock)\b)"
)
# Every _TARGET match holds a digit or the dot before a file extension, and a scan for these is far cheaper.
_TARGET_SIGN = re.compile(r"\d|\.[a-z]")

# --------------------------------------------------------------------------------------------------------------
# Masking: code, quotes and Markdown are blanked in a same-length copy so offsets stay those of the original text.

_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_BLOCKQUOTE = re.compile(r"^[ \t]*>[^\n]*$", re.M)
_QUOTED = re.compile(r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|«[^»\n]{1,300}»")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`|^[ \t]*#{1,6}[ \t]", re.M)
_BULLET = re.compile(r"^[ \t]*(?:[-*+•▪◦‣]|\d{1,3}[.)]|[a-zA-Z][.)](?=\s))[ \t]+", re.M)
_TAGS = re.compile(r"</?[a-zA-Z][\w-]*>")
_PREFIX = re.compile(r"^[ \t]*(?:THOUGHT|DISCUSSION|Thought|Reasoning|Answer|Final answer)\s*:", re.M)

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr st no approx fig inc ltd jr sr u.s a.m p.m".split()
)
_END_PUNCTUATION = r"[.!?]*(?=[\s)\]\"'”’]|$)"  # the rest of a run of . ! ? that ends a sentence
# One branch per first character, so that re skips straight to the candidates instead of trying every position.
_SENTENCE_END = re.compile(rf"\n|\.{_END_PUNCTUATION}|!{_END_PUNCTUATION}|\?{_END_PUNCTUATION}")
# The same for a text without line breaks, ! or ?: a literal first character is found faster still.
_FULL_STOP_END = re.compile(rf"\.{_END_PUNCTUATION}")
# Clauses end at punctuation, and at a space before a dash or a conjunction. Two patterns: each starts with
# characters that re skips to (one pattern mixing both is tried at every position), and their matches never overlap.
_CLAUSE_PUNCTUATION = re.compile(r";|:(?=\s)|,(?=\s)|\((?=\s*\w)|\)")
_CLAUSE_WORDS = (
    "but", "however", "although", "though", "whereas", "yet", "except", "while", "unfortunately", "otherwise",
    "instead", "meanwhile", "because", "since", "unless",
)
_CLAUSE_SPACE = _folded_regex(rf"\s(?:[–—-]\s|(?=(?:{'|'.join(_CLAUSE_WORDS)})\b))")
_CLAUSE_MARK = re.compile(r"[;:,()–—-]")  # a sentence without these and without _CLAUSE_WORDS is one clause

# Politeness that follows a report: if a message has nothing else, the report is the message before it.
_COURTESY = _folded_regex(
    r"^\W*(?:(?:you(?:'re|’re| are)\s+(?:very\s+|most\s+)?welcome|thank(?:s| you)|have\s+a\s+|take\s+care|goodbye|"
    r"bye|cheers|my\s+pleasure|glad|happy\s+to|i(?:'m|’m| am)\s+(?:glad|happy)|feel\s+free|don't\s+hesitate|"
    r"do\s+not\s+hesitate|let\s+me\s+know|if\s+(?:you|there)|is\s+there\s+anything|anything\s+else|wishing|i\s+wish|"
    r"i\s+hope|hope|enjoy|safe\s+travels|best\s+regards|regards|good\s+luck|always\s+here|i(?:'m|’m| am)\s+here|"
    r"it\s+was\s+(?:a\s+)?(?:my\s+)?pleasure|no\s+problem|of\s+course|sure|great|perfect|wonderful|okay|ok)\b|\W*$)",
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


# What each pattern blanked by mask needs in the text to match: most messages have none, and a substring test is far
# cheaper than a scan (the patterns anchored at line starts are tried at every character).
_BLOCKS = ((_FENCE, ("```", "~~~")), (_BLOCKQUOTE, (">",)), (_TAGS, ("<",)), (_PREFIX, (":",)))
_QUOTE_MARKS = ('"', "“", "«")
_MARKUP_CHARS = "*_`#"
_MASKABLE = re.compile(r"[`~><:\"“«*_#]")  # the characters above, all in one scan


def _line_start_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The spans of pattern.finditer(text) for a pattern that matches only from a line start to within its line,
    tried at line starts only."""
    spans = []
    start = 0
    while True:
        m = pattern.match(text, start)
        if m:
            spans.append(m.span())
        start = text.find("\n", start) + 1
        if not start:
            return spans


def mask(text: str) -> str:
    """A same-length copy of `text` with code blocks, quotes, blockquotes and Markdown markup blanked out."""
    if not _MASKABLE.search(text):  # most messages: nothing to blank but bullets
        spans = _line_start_spans(_BULLET, text)
        return (_blanked(text, spans) if spans else text).replace("|", "\n")
    spans = [
        m.span()
        for pattern, needles in _BLOCKS
        if any(needle in text for needle in needles)
        for m in pattern.finditer(text)
    ]
    for m in _QUOTED.finditer(text) if any(mark in text for mark in _QUOTE_MARKS) else ():
        inner_end = m.end() - 1
        while inner_end > m.start() + 1 and text[inner_end - 1] in ".!?,;:":
            inner_end -= 1  # keep a sentence end written inside the quotes: with the reason "no longer needed."
        spans.append((m.start(), inner_end))
        spans.append((m.end() - 1, m.end()))
    masked = _blanked(text, spans) if spans else text
    spans = _line_start_spans(_BULLET, masked)
    if any(char in masked for char in _MARKUP_CHARS):  # _MARKUP is slow: its lookbehinds are tried at every character
        spans += [m.span() for m in _MARKUP.finditer(masked)]
    if spans:
        masked = _blanked(masked, spans)
    return masked.replace("|", "\n")


class _Analysis(NamedTuple):
    """What is read from a message text before looking for claims."""

    masked: str  # mask(text)
    folded: str  # _fold(masked), for the patterns
    sentences: list[tuple[int, int]]


@lru_cache(maxsize=16)
def _analyse(text: str) -> _Analysis:
    """The masked and folded text and its sentences."""
    # cached: a final report is read once to see whether it is only politeness and again for its claims
    masked = mask(text)
    return _Analysis(masked, _fold(masked), _sentences(masked))


_WORD_BEFORE_DOT = re.compile(r"[\w.]+$")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
_ABBREVIATION_ENDS = frozenset(word[-2:] for word in _ABBREVIATIONS)  # a quick test before the search
_SPACES = re.compile(r"[ \t]*")
_NON_BLANK = re.compile(r"\S")


def _sentences(masked: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: ends at . ! ? (not abbreviations or decimals) and at line breaks."""
    sentences = []
    start = 0
    ends = _SENTENCE_END if "\n" in masked or "!" in masked or "?" in masked else _FULL_STOP_END
    for m in ends.finditer(masked):
        stop, end = m.span()
        if masked[stop] == "\n":
            after = _SPACES.match(masked, end).end()
            if masked[after : after + 1].islower():
                before = masked[start:stop].rstrip()
                if before and before[-1] not in ".!?:;":
                    continue  # a hard-wrapped line continues the sentence
            if not _NON_BLANK.search(masked, start, end):
                start = end
                continue
        elif end - stop == 1 and masked[stop] == "." and masked[stop - 2 : stop].lower() in _ABBREVIATION_ENDS:
            # look at the last few characters only: a longer word is cut to a length no abbreviation has
            word = _WORD_BEFORE_DOT.search(masked, max(start, stop - _LONGEST_ABBREVIATION - 1), stop)
            if word and word.group().lower() in _ABBREVIATIONS:
                continue
        sentences.append((start, end))  # not blank: it holds at least its end
        start = end
    if _NON_BLANK.search(masked, start):
        sentences.append((start, len(masked)))
    return sentences


def _clauses(folded: str, start: int, end: int, sentence: str, with_words: bool) -> list[tuple[int, int]]:
    """(start, end) of each clause of the sentence between start and end. `sentence` is its text; with_words: it may
    hold one of the _CLAUSE_WORDS (a quick test before the patterns, which are tried at every space or mark)."""
    marked = _CLAUSE_MARK.search(sentence)
    if not marked and not with_words:
        return [(start, end)]
    splits = [m.span() for m in _CLAUSE_PUNCTUATION.finditer(folded, start, end)] if marked else []
    splits += [m.span() for m in _CLAUSE_SPACE.finditer(folded, start, end)]
    if not splits:
        return [(start, end)]
    splits.sort()
    clauses = []
    cut = start
    for split_start, split_end in splits:
        if _NON_BLANK.search(folded, cut, split_start):
            clauses.append((cut, split_start))
        cut = split_start if folded[split_start:split_end].isspace() else split_end
    if _NON_BLANK.search(folded, cut, end):
        clauses.append((cut, end))
    return clauses


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
    folded = _fold(key)  # the patterns are for folded text; `key` is returned as it is
    for pattern, action in _ACTION_NOUNS:
        if pattern.fullmatch(folded):
            return action
    for token in _NON_LETTERS.split(key):
        if token in _BASE_WORDS:
            return _BASE_WORDS[token]
    return key or None


# All of _ACTION_NOUNS in one pattern: one scan tells whether any of them is there, and mostly none is.
_ANY_ACTION_NOUN = _folded_regex("|".join(f"(?:{pattern.pattern})" for pattern, _ in _ACTION_NOUNS))


def _action_noun(text: str, prefer_last: bool) -> str | None:
    if not _ANY_ACTION_NOUN.search(text):
        return None
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
    if not _TARGET_SIGN.search(text):
        return None
    m = _TARGET.search(text)
    return _WHITESPACE.sub("", m.group()) if m else None


class _Clause(NamedTuple):
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    question: bool


# --------------------------------------------------------------------------------------------------------------
# Cues: every match of a success pattern above contains, as whole words, the cue words of its kind: the passive an
# auxiliary and a participle's first word, the active "i" or "we" and one, a tests claim a word of passing and a test
# noun (or the "passed" of a count, or the "pass" of "they pass"), a state a state word and an auxiliary (or "went",
# "succeeded"), a _TASK_DONE phrase its last word and its subject ("all set", "task done"), and so on. So a clause
# without them need not be matched against that kind's patterns, and most clauses need no pattern at all. The words
# are looked up in each sentence of the folded message. A word added to a pattern must be added here too.

_CUE_PARTICIPLE, _CUE_AUXILIARY, _CUE_FIRST_PERSON, _CUE_SUCCESSFULLY = 1, 2, 4, 8
_CUE_TESTS, _CUE_LONE_DONE, _CUE_TASK_DONE, _CUE_AMOUNT, _CUE_STATE = 16, 32, 64, 128, 256
_CUE_CLAUSE_WORD = 512  # not a claim: one of the _CLAUSE_WORDS, before which a clause may end
# The second words a kind may need: of _TEST_NOUN, _TEST_COUNT_PASS and _TEST_PRONOUN, of a state phrase without
# an auxiliary, and the subjects of _TASK_DONE.
_CUE_TEST_NOUN, _CUE_TEST_COUNT, _CUE_TEST_PRONOUN, _CUE_STATE_VERB, _CUE_TASK_SUBJECT = 1024, 2048, 4096, 8192, 16384
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
    (_CUE_CLAUSE_WORD, _CLAUSE_WORDS),
    (_CUE_TEST_NOUN, ("test", "tests", "testsuite", "spec", "specs", "checks", "ci", "pytest", "unittest")),
    (_CUE_TEST_COUNT, ("passed", "passing")),
    (_CUE_TEST_PRONOUN, ("pass", "passes", "passed")),
    (_CUE_STATE_VERB, ("went", "succeeded")),
    (_CUE_TASK_SUBJECT, ("you", "we", "everything", "it", "all", "that", "i", "this", "task", "work", "job",
                         "mission")),
):
    for _word in _words:
        _CUE_WORDS[_word] = _CUE_WORDS.get(_word, 0) | _bit
_VERB_CUES = _CUE_AUXILIARY | _CUE_FIRST_PERSON | _CUE_SUCCESSFULLY  # a participle needs one of these
_TEST_CUES = _CUE_TEST_NOUN | _CUE_TEST_COUNT | _CUE_TEST_PRONOUN  # a word of passing needs one of these
_STATE_VERB_CUES = _CUE_AUXILIARY | _CUE_STATE_VERB  # a state word needs one of these
_OWN_CUES = _CUE_LONE_DONE | _CUE_AMOUNT  # these need nothing more
_ALL_CUES = 2 * _CUE_TASK_SUBJECT - 1  # every bit above


# The folded text is looked up word by word: its bytes, one per character, with everything but the ASCII word characters
# (letters, digits, "_") turned into spaces, split. A cue word (ASCII letters) is one of the pieces wherever the text
# holds it as a whole word. A word with a non-ASCII letter ("café") is cut into pieces too, which may cue a kind of
# claim the clause does not hold: that only costs a few pattern scans, while a cue is never missed.
_ASCII_WORD_CHARACTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_NON_WORD_TO_SPACE = bytes(byte if byte in _ASCII_WORD_CHARACTERS else ord(" ") for byte in range(256))
_CUE_BITS: dict[bytes, int] = {word.encode(): bits for word, bits in _CUE_WORDS.items()}
_CUE_SET = frozenset(_CUE_BITS)  # a set intersection is the quickest way to look many words up


def _cues(message: _Analysis) -> bytes | None:
    """The folded text as words for _cue_bits; None when any clause may hold any claim."""
    if _folds_to_ascii(message.masked):
        return None  # with a character that only re.IGNORECASE takes for a letter, every clause is a candidate
    # one byte per character, "?" for a non-ASCII one, so that offsets stay those of the text
    return message.folded.encode("ascii", "replace").translate(_NON_WORD_TO_SPACE)


def _cue_bits(words: bytes, start: int, end: int) -> int:
    """The kinds of claim cued by the words between start and end of the text (`words` from _cues)."""
    found = 0
    for word in _CUE_SET.intersection(words[start:end].split()):
        found |= _CUE_BITS[word]
    return found


def _claimable(found: int) -> int:
    """The cue bits found in a text if they let it hold a claim, else 0."""
    if (
        found & _CUE_PARTICIPLE and found & _VERB_CUES
        or found & _CUE_TESTS and found & _TEST_CUES
        or found & _CUE_STATE and found & _STATE_VERB_CUES
        or found & _CUE_TASK_DONE and found & _CUE_TASK_SUBJECT
        or found & _OWN_CUES
    ):
        return found
    return 0


def _asserted(before: str, clause: _Clause, folded: str) -> bool:
    """Whether a predicate preceded (within its clause) by `before` is asserted, not negated, planned or hedged."""
    if clause.question:
        return False
    if _NEGATION.search(before) or _CONDITIONAL.search(before) or _PLAN.search(before) or _HEDGE.search(before):
        return False
    if _REASON_START.search(folded[clause.start : clause.end]):
        return False
    return True


def _iter_clauses(folded: str, sentences: list[tuple[int, int]], words: bytes | None) -> Iterator[tuple[_Clause, int]]:
    """The clauses that may hold a claim, with their cue bits (`words` from _cues)."""
    for s_start, s_end in sentences:
        found = _cue_bits(words, s_start, s_end) if words is not None else _ALL_CUES
        sentence_cued = _claimable(found)
        if not sentence_cued:
            continue
        sentence = folded[s_start:s_end].strip()
        asks = sentence.endswith("?")
        whole_question = asks and bool(_QUESTION_START.search(sentence))
        for c_start, c_end in _clauses(folded, s_start, s_end, sentence, bool(found & _CUE_CLAUSE_WORD)):
            if c_start == s_start and c_end == s_end:  # the clause is the whole sentence
                yield _Clause(c_start, c_end, s_start, s_end, asks), sentence_cued
                continue
            cued = _claimable(_cue_bits(words, c_start, c_end)) if words is not None else _ALL_CUES
            if not cued:
                continue
            text = folded[c_start:c_end].strip()
            question = whole_question or text.endswith("?") or (asks and bool(_QUESTION_START.search(text)))
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
    if not text or text.isspace():
        return ()
    message = _analyse(text)
    masked, folded, sentences = message
    words = _cues(message)
    claims: list[Claim] = []
    for clause, cued in _iter_clauses(folded, sentences, words):
        _clause_claims(text, masked, folded, clause, event, cued, claims)
    return tuple(claims)


def _as_written(m: re.Match[str], group: str, original: str) -> str | None:
    """A group of a match over folded text, read from the original (masked) text at the same offsets."""
    start = m.start(group)
    return original[start : m.end(group)] if start >= 0 else None


def _clause_claims(
    text: str, masked: str, folded: str, clause: _Clause, event: Event | None, cued: int, claims: list[Claim]
) -> None:
    """Append the claims of one clause to `claims`."""
    body = folded[clause.start : clause.end]  # patterns match here; words are read from `original`
    original = masked[clause.start : clause.end]
    context = folded[clause.sentence_start : clause.start]  # the sentence before this clause: its subject
    seen: set[tuple[str, str | None]] = set()
    handed_over: bool | None = None  # a transfer or escalation makes no claim: looked for at the first claim
    quote: tuple[int, int, str] | None = None  # worked out for the first claim
    targets: list[str | None] = []  # looked for once, by the first action claim

    def make(kind: str, action: str | None) -> None:
        nonlocal handed_over, quote
        if handed_over is None:
            handed_over = bool(_NOT_SUCCESS_NOUN.search(body))
        key = (kind, action)
        if handed_over or key in seen:
            return
        seen.add(key)
        if quote is None:
            start, end = _span(text, clause)
            quote = start, end, text[start:end]
        start, end, quoted = quote
        target = None
        if kind == ACTION_SUCCEEDED:
            if not targets:
                targets.append(_target(quoted) or _target(text[clause.sentence_start : clause.sentence_end]))
            target = targets[0]
        claims.append(Claim(kind, action, target, quoted, start, end, event))

    # tests pass
    if cued & _CUE_TESTS:
        noun = _TEST_NOUN.search(body) if cued & _CUE_TEST_NOUN else None
        count = _TEST_COUNT_PASS.search(body) if cued & _CUE_TEST_COUNT else None
        if noun or count:
            if _tests_claim(body, noun, count, clause, folded):
                make(TESTS_PASS, None)
        elif cued & _CUE_TEST_PRONOUN:
            m = _TEST_PRONOUN.search(body)
            sentence = folded[clause.sentence_start : clause.sentence_end]
            if m and _TEST_NOUN.search(sentence) and _asserted(body[: m.start()], clause, folded):
                make(TESTS_PASS, None)

    # whole-task completion
    if cued & _CUE_LONE_DONE and _LONE_DONE.match(body) and not clause.question:
        make(TASK_COMPLETE, None)
    for m in _TASK_DONE.finditer(body) if cued & _CUE_TASK_DONE and cued & _CUE_TASK_SUBJECT else ():
        if _asserted(body[: m.start()], clause, folded):
            make(TASK_COMPLETE, None)

    # actions: passive, first-person active, adverbial, amounts, state predicates
    participle = cued & _CUE_PARTICIPLE
    for m in _PASSIVE.finditer(body) if participle and cued & _CUE_AUXILIARY else ():
        verb = _as_written(m, "verb", original).lower()
        aux = _as_written(m, "aux", original).lower()
        been = m.group("been")
        if not been and aux in {"has", "have", "had"}:
            continue  # active present perfect of a third party: "the status has changed"
        if not been and aux in {"is", "are", "'s", "'re", "’s", "’re"}:
            adverbs = (_as_written(m, "adv1", original) or "").lower()
            if " ".join(verb.split()) not in _STATE_VERBS and not _NOW_SUCCESSFULLY_ALREADY.search(adverbs):
                continue
        if not been and aux in {"was", "were"} and verb in _HISTORY_VERBS:
            if not _NOW_SUCCESSFULLY_JUST.search((_as_written(m, "adv1", original) or "").lower()):
                continue
        if _MODAL_BEFORE.search(body[: m.start()]):
            continue
        if _THIRD_PARTY_AGENT.match(body[m.end() :]):
            continue
        if not _asserted(body[: m.start()], clause, folded):
            continue
        for word in filter(None, (_as_written(m, "first", original), verb)):
            claim = _action_claim(word, body[: m.start()], body[m.end() :], passive=True, context=context)
            if claim:
                make(*claim)
    for m in _ACTIVE.finditer(body) if participle and cued & _CUE_FIRST_PERSON else ():
        verb = " ".join(_as_written(m, "verb", original).lower().split())
        if verb in _ACTIVE_EXCLUDED:
            continue
        if not _asserted(body[: m.start()], clause, folded):
            continue
        for word in filter(None, (_as_written(m, "first", original), verb)):
            claim = _action_claim(word, body[: m.start()], body[m.end() :], passive=False, context=context)
            if claim:
                make(*claim)
    for m in _ADVERBIAL.finditer(body) if participle and cued & _CUE_SUCCESSFULLY else ():
        verb = _as_written(m, "verb1", original) or _as_written(m, "verb2", original)
        if not _asserted(body[: m.start()], clause, folded) or _MODAL_BEFORE.search(body[: m.start()]):
            continue
        if _BE_TO_BEFORE.search(body[: m.start()]):
            continue  # "can be processed successfully", "to be cancelled successfully"
        claim = _action_claim(verb, body[: m.start()], body[m.end() :], passive=True, context=context)
        if claim:
            make(*claim)
    for m in _AMOUNT.finditer(body) if cued & _CUE_AMOUNT else ():
        if _asserted(body[: m.start()], clause, folded) and not _MODAL_BEFORE.search(body[: m.start()]):
            make(ACTION_SUCCEEDED, normalise_action(_as_written(m, "verb", original)))
    state = cued & _CUE_STATE and cued & _STATE_VERB_CUES
    for m in _STATE.finditer(body) if state and _STATE_END.search(body) else ():
        subject = m.group("subject") or m.group("subject2") or ""
        before = body[: m.start()] + subject
        if not _asserted(before, clause, folded) or _MODAL_BEFORE.search(body[: m.start()]):
            continue
        action = _action_noun(subject, prefer_last=True) or _action_noun(context, prefer_last=True)
        if action:
            make(ACTION_SUCCEEDED, action)
        elif _WORK_NOUN.search(subject):
            make(TASK_COMPLETE, None)


_NOW_SUCCESSFULLY_ALREADY = re.compile(r"now|successfully|already")
_NOW_SUCCESSFULLY_JUST = re.compile(r"now|successfully|just")
_BE_TO_BEFORE = _folded_regex(r"\b(?:be|to)\s+$")
_TO_HUMAN = _folded_regex(r"\s+to\s+(?:a\s+)?human\b")


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


def _tests_claim(
    body: str, noun: re.Match[str] | None, count: re.Match[str] | None, clause: _Clause, folded: str
) -> bool:
    """Whether a clause naming tests (`noun`) or a count of passed tests asserts that they pass."""
    anchor = count.start() if count else None
    if noun:
        passed = _TEST_PASS.search(body, noun.end())
        if passed:
            anchor = passed.start() if anchor is None else min(anchor, passed.start())
        elif count is None:
            return False
    if anchor is None:
        return False
    if _TEST_FAIL_WORDS.search(body) or _TEST_FAIL_WORDS.search(folded[clause.sentence_start : clause.sentence_end]):
        return False  # "12 passed, 2 failed": a failure anywhere in the sentence undoes the pass
    return _asserted(body[:anchor], clause, folded) and not _MODAL_BEFORE.search(body[:anchor])


# --------------------------------------------------------------------------------------------------------------
# Trajectory level: which messages make up the final report, and the claims in it.
#
# A claim is something the agent says. Its final report is its own words at the end of the run: the text of the last
# assistant message that has words. Importers put what an agent writes in assistant messages, whatever its format
# calls it (SWE-agent's `thought`, mini-swe-agent's THOUGHT text without its command, Claude Code's text blocks,
# Codex's agent_message, the assistant content of OpenAI, τ and τ² logs); `reasoning` events hold a model's private
# reasoning (thinking blocks, reasoning summaries), which is addressed to no one and is not a report. When the last
# message says nothing of its own (politeness, or only that the agent now submits: "I'm ready to submit."), the report
# reaches back to the last message with substance. A sub-agent's messages (meta.sidechain) are not the report.
#
# Ending a run is not a claim: a submit tool, a completion marker (`echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`) or a
# forced exit says nothing about whether the work succeeded; agents submit while saying they could not fix the issue.
# Importers that know how a run ended write an exit record last (before any outcome): a system message with
# meta {exit_status: as the log says it, ended_by: "agent" | "harness", submitted: bool}. A run the harness ended (a
# cost, context or format limit, an error; SWE-agent then auto-submits the work in progress) has no final report: its
# last words narrate work under way, and no claim is read from them. Structured `claim` events are claims whatever
# the run's end.


def is_courtesy(text: str) -> bool:
    """Whether a message is only politeness ("Thank you, have a nice day!") with no report of its own."""
    folded, sentences = _analyse(text)[1:]
    for s_start, s_end in sentences:
        if not _COURTESY.match(folded[s_start:s_end]):
            return False
    return True


# A sentence that only announces the end of the run: "I'm ready to submit.", "Let me submit the changes now."
_SUBMIT_OBJECT = (
    r"(?:\s+(?:the|my|our|this|these|its)?\s*(?:changes?|fix(?:es)?|solution|patch|work|code|edits?|results?|answer|"
    r"final\s+output))?(?:\s+(?:to|for)\s+(?:the\s+)?(?:code\s*base|repository|repo|review|evaluation))?"
)
_ENDING = _folded_regex(
    r"^\W*(?:(?:thought|discussion)\s*:?\s*)?(?:(?:so|now|then|therefore|finally|ok|okay|great|alright|all\s+right)\W+)*"
    r"(?:(?:i(?:'m|’m|\s+am)|we(?:'re|’re|\s+are))\s+(?:now\s+)?(?:ready\s+to\s+submit|submitting)"
    r"|(?:let\s+me|let(?:'|’)s|let\s+us|i(?:'ll|’ll|\s+will|\s+can|\s+should)|we(?:'ll|’ll|\s+will|\s+can|\s+should)|"
    r"time\s+to)\s+(?:now\s+)?submit|(?:now\s+)?submitting|ready\s+to\s+submit)"
    + _SUBMIT_OBJECT
    + r"(?:\s+now)?\W*$"
)


def announces_ending(text: str) -> bool:
    """Whether a sentence or clause only says that the agent now submits ("I'm ready to submit."): the act of
    ending put in words, which claims no more than the act."""
    return bool(_ENDING.match(_fold(text)))


def says_nothing(text: str) -> bool:
    """Whether a message has no report of its own: only politeness, code, or the announcement that the agent now
    submits ("THOUGHT: I'm ready to submit." above its completion command)."""
    folded, sentences = _analyse(text)[1:]
    for s_start, s_end in sentences:
        sentence = folded[s_start:s_end]
        if not (_COURTESY.match(sentence) or _ENDING.match(sentence)):
            return False
    return True


def _message_text(event: Event) -> str:
    text = event.get("text")
    return text if isinstance(text, str) else ""


def _meta(event: Event) -> dict[str, Any]:
    meta = event.get("meta")
    return meta if isinstance(meta, dict) else {}


def final_report(trajectory: Trajectory, lookback: int = 3) -> tuple[Event, ...]:
    """The assistant messages that make up the final report: the last one with text, and when that one says nothing
    of its own (politeness, an announcement that it submits), the ones before it (at most `lookback`) back to the
    first with substance. Oldest first. Sub-agent messages (meta.sidechain) are left out."""
    report: list[Event] = []
    for event in reversed(events_by_kind(trajectory)["message"]):
        if event.get("role") != "assistant" or _meta(event).get("sidechain"):
            continue
        text = _message_text(event)
        if not text or text.isspace():
            continue
        report.append(event)
        if not says_nothing(text) or len(report) > lookback:
            break
    return tuple(reversed(report))


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a run ended, as far as the log says: who ended it, the exit status as written, whether work was handed
    in, and the event that shows it (the exit record, or the agent's submit call)."""

    ended_by: str  # "agent" (it submitted or gave up) or "harness" (a limit or an error stopped it)
    status: str | None
    submitted: bool
    event: Event

    @property
    def forced(self) -> bool:
        return self.ended_by == "harness"


ENDED_BY = ("agent", "harness")


def exit_record(event: Event) -> dict[str, Any] | None:
    """The meta of an importer's exit record (a system message with meta.ended_by), else None."""
    if event.kind != "message" or event.get("role") != "system":
        return None
    meta = _meta(event)
    return meta if meta.get("ended_by") in ENDED_BY else None


def _arguments_text(event: Event) -> str:
    arguments = event.get("arguments")
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return " ".join([str(v) for v in arguments.values() if isinstance(v, (str, int, float))])
    return ""


def _submit_sentinel(text: str) -> re.Match[str] | None:
    if "_FINAL_OUTPUT" not in text and "submit" not in text:
        return None  # what every alternative of _SUBMIT_TEXT contains: most texts are skipped without a scan
    return _SUBMIT_TEXT.search(text)


def is_submit_call(event: Event) -> bool:
    """A tool call that hands the work in: a submit tool, or a command carrying a completion marker."""
    return bool(_SUBMIT_TOOL.match(str(event.get("tool", ""))) or _submit_sentinel(_arguments_text(event)))


def _last_submission(trajectory: Trajectory) -> Event | None:
    """The agent's last act when it is a submission (a submit call, or a completion marker it wrote), else None."""
    for event in reversed(trajectory.events):
        if event.kind == "tool_call":
            return event if is_submit_call(event) else None
        if event.is_assistant_message:
            return event if _submit_sentinel(_message_text(event)) else None
    return None


@per_trajectory
def run_end(trajectory: Trajectory) -> RunEnd | None:
    """How the run ended: the importer's exit record when there is one, else the agent's submission (a submit tool
    or a completion marker) as its last act, else None (the log does not say, or the agent spoke last). Its event is
    the agent's submit call when there is one, else the exit record."""
    submitted = _last_submission(trajectory)
    for event in reversed(trajectory.events):
        meta = exit_record(event)
        if meta is None:
            continue
        status = meta.get("exit_status")
        by_agent = meta["ended_by"] == "agent"
        shown = submitted if by_agent and submitted is not None else event
        return RunEnd(meta["ended_by"], status if isinstance(status, str) else None, bool(meta.get("submitted")), shown)
    return RunEnd("agent", None, True, submitted) if submitted is not None else None


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


def has_words(claim: Claim) -> bool:
    """Whether the claim quotes the agent's words (a span of a text); a structured claim event without text does not:
    its `text` only describes the structured fields."""
    return claim.end > claim.start


# Matched in the folded text after a space standing for its start: a leading non-word character, which re skips to,
# instead of \b, which it tries at every character.
_ACKNOWLEDGES_FAILURE = _folded_regex(
    r"\W(?:error|errors|errored|fail(?:s|ed|ure|ing)?|unable|could(?:n't| not)|can(?:'t|not)|wasn't able|"
    r"were not able|was not able|not able to|unfortunately|sorry|apologi[sz]e|problem|issue|didn't work|"
    r"did not work|not (?:found|possible|allowed|permitted|available)|denied|invalid|doesn't exist|does not exist|"
    r"exception|traceback|non-zero|nonzero|already)\b",
)


def acknowledges_failure(text: str) -> bool:
    """Whether a message speaks of something having gone wrong ("error", "unable", "already", "not found", …)."""
    return bool(_ACKNOWLEDGES_FAILURE.search(" " + _fold(text)))


_PRIOR_STATE = re.compile(r"\b(?:already|previously|earlier|before)\b", re.I)


def is_prior_state(claim: Claim) -> bool:
    """'The order was already cancelled': a state found, not an action the agent reports having done."""
    return bool(_PRIOR_STATE.search(claim.text))


@per_trajectory
def report_claims(trajectory: Trajectory) -> tuple[Claim, ...]:
    """Every success claim of the trajectory: structured `claim` events, and the claims in the final report's words
    unless the harness ended the run (then there is no final report). Submitting is not a claim, and neither is
    saying so ("I'm ready to submit.")."""
    claims: list[Claim] = []
    for event in events_by_kind(trajectory)["claim"]:
        structured = _structured(event)
        if structured:
            claims.append(structured)
    end = run_end(trajectory)
    if end is None or not end.forced:
        for event in final_report(trajectory):
            claims.extend(c for c in extract_claims(_message_text(event), event) if not announces_ending(c.text))
    return tuple(claims)


def claims_success(trajectory: Trajectory) -> bool:
    """Whether the agent's final report claims success of the task or of any action."""
    return bool(report_claims(trajectory))
