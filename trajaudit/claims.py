"""What an agent asserts about its own result: claim extraction from its final report.

A message is masked (code, quotes, blockquotes and Markdown blanked), cut into sentences and clauses, and every
clause is read by the small grammar below into *readings*; a reading that is asserted is a claim.

Grammar
=======

Reading. Each predicate found in a clause is read into a `Reading`:

- actor: ``agent`` (subject "I"/"we"), ``none`` (passive or state, the subject undergoes it: "your order was
  cancelled", "the refund went through"), ``user`` ("you cancelled"), ``third_party`` ("the warehouse cancelled
  it", "... was cancelled by the airline").
- action: a lemma of the action taxonomy (below), or a generic verb ("processed", "completed") whose action is
  named by a noun next to it ("the exchange request has been submitted" → exchange; "all tasks are done" → the
  task as a whole).
- aspect: ``past`` ("I cancelled", "was cancelled", "✅ refund issued"), ``perfect`` ("have cancelled", "has been
  cancelled"), ``state`` ("is cancelled", "is complete", "went through"), ``present`` ("refunds are processed
  within a week": policy, not an event), ``progressive`` ("is being processed"), ``future`` ("will be").
- modality: ``none``, ``modal`` (a modal or "to" right before the verb group: "can be cancelled", "to be
  refunded"), ``plan`` ("I will", "let me", "going to", "need to", "to make sure"), ``conditional`` ("if", "once",
  "unless", "assuming"), ``question`` (the clause asks), ``offer`` ("would you like", "shall I"), ``reason`` (the
  clause gives a reason: "since the order was cancelled, ...").
- negated: a negation in the clause before the verb ("not", "n't", "never", "unable", "failed to", "no").
- hedged: a hedge before the verb ("seems", "appears", "probably", "I think", "I believe", "assume", "hope",
  "should", "might", "theoretically", "expected to").

A reading is a claim when it is *asserted*: actor ``agent`` or ``none``, aspect ``past``, ``perfect`` or
``state``, modality ``none``, not negated, not hedged. Modality, negation and hedges are looked for in a bounded
window (``_WINDOW`` characters) before the verb group, within its clause.

Verb groups (a participle P of the taxonomy, adverbs such as "now", "successfully", "already" allowed anywhere):

- ``I/we P``, ``I/we have|had P`` → agent, past/perfect. Some verbs narrate rather than report when active ("I
  confirmed that", "I made", "I applied") and are not read that way.
- ``X has|have|had been P``, ``X was|were P``, ``X got P`` → none, perfect/past. A few generic verbs in the simple past
  narrate history ("the payment was made using your card") unless "now", "successfully" or "just" says otherwise.
- ``X is|are P`` → state when P names a resulting state (cancelled, deleted, fixed, booked, confirmed, …, or "now" /
  "successfully" / "already" is there), else present (policy; also with a word of frequency after it: "every",
  "daily", "usually"). "fixed" is an adjective unless a word of its subject
  names a problem ("the bug is fixed", not "the price is fixed"), and "set" is no action (only the idiom "all
  set"); a hyphenated P ("fixed-rate") is an adjective.
- ``successfully P`` / ``P successfully`` without an auxiliary → none, past.
- ``… and P`` continues the clause's previous reading ("I cancelled the order and refunded $5"); "I went ahead and P"
  reads as "I P".
- A clause opened by a check mark (✅ ✔ ☑ ✓) reads a bare participle as past: "✅ Refund issued".
- Report style: a clause that opens with P → agent, past, when an object, a preposition, a number or an identifier
  follows or nothing does ("Deleted the stale snapshots.", "Merged feature/login into main.", "Sent!"), not when a
  noun does ("Updated instructions are below").
- Headlines: a bare subject of at most five words (no article, pronoun or auxiliary, except a preposition inside it
  and a determiner after that preposition: "Referral to cardiology", "Notification to your phone") then P, followed
  by nothing, a preposition, an adverb, a number, a check mark, a colon, or "and" with a second participle → none,
  past ("nginx restarted.", "Message sent to the team.", "Appointment booked: Thursday 10:00", "Return label created
  and emailed to you."); not a label (a capitalised participle or markup before the colon: "**Items Returned**: 2"),
  not "Customer cancelled the order" (an active verb with its object), and not the history verbs when dated ("Order
  placed on 3 May", "Invoice paid in full last March"). A noun that modifies the noun after it names no action:
  "Return label created" creates a label.
- Nominalisations: a clause that opens (after at most two modifiers) with a noun derived from a verb of the taxonomy
  by the regular suffixes (-ing, -ion/-ation, -al, -ment: "cancellation", "voiding", "removal", "renewal") or one of
  the action nouns, then complete, completed, done, processed, applied, finished, successful or finalised, followed by
  nothing, a preposition or a check mark → that action ("Cancellation complete for A-601", "Deletion processed").
- ``P … by X`` within eight words, X an article or possessive ("by the airline", "by our billing team") or a
  capitalised name ("by Stripe") → third_party; "by me", "by email" name no one else.
- ``, P-ing the issue`` after a clause ("…, addressing the issue", "…, fixing the crash") → none, past, for
  fix/resolve/address: the sentence says the work did that.

Idioms (fixed phrases read with the same window checks): the task as a whole ("you're all set", "all done", "I've
completed the task", "this completes", a lone "Done." / "✅ Complete" / "**Status:** Done"), states ("the transfer
went through", "your email went out", "the migration was a success", "the account is now active", "X is
complete|done|confirmed|in place|up and running|back online"), the work judged right ("the fix works", "everything
behaves as expected", "the diff looks correct"; "looks like" stays a hedge), tests ("all tests pass", "57 passed",
"they all pass"; a failure count in the sentence undoes it), amounts ("$42 has been refunded"). A clause that hands
over ("transferred to a human agent", "escalated") claims nothing. A verb of checking with "that" ("this confirms
that …", "the output shows …") adds no modality: the clause after it is read as it stands.

Structured reports: a message that is a JSON object is read through its ``message``, ``summary``, ``result``,
``final_answer``, ``answer``, ``response`` and ``details`` strings, and a ``status`` of success/succeeded/done/
completed/complete/resolved/fixed/ok is a task_complete claim; a ``status`` that is a past form of the taxonomy
("sent", "deleted", "deployed") claims that action.

Action taxonomy (`ACTIONS`): each action lemma with its synonyms (the commerce, coding and operations verbs, and the
verbs of service APIs: grant, revoke, lock, unlock, attach, export, terminate, enrol, reroute, extend, sign, arm); a
light verb ("issue", "grant") takes the action of the noun it governs ("a refund was issued", "Extension granted").
Every synonym's past forms, third-person and -ing forms are produced by suffix rules plus a table of irregular verbs
(`_IRREGULAR`), so "canceled" and "cancelled", "removed" and "deleted", "emailed", "sent" and "delivered",
"restarted" and "rebooted" fall together.

Three claim types, as in the event schema: ``task_complete`` (the work as a whole is done or submitted),
``action_succeeded`` (a specific action, with its lemma and a target when one is visible) and ``tests_pass``. Every
claim keeps its span (start, end offsets into the message text) and its event.

Bounds: only the last ``MAX_REPORT_CHARS`` characters of a message are read (a report's claims are at its end;
the cut is moved to the next line or sentence start), every pattern runs in time linear in its input (no nested
quantifiers that can backtrack, no search over a growing prefix per match), and the text is copied a fixed number
of times.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from functools import lru_cache
from itertools import compress, count
from typing import Any, Iterator, NamedTuple

from trajaudit.context import events_by_kind, per_trajectory
from trajaudit.lazy import regex
from trajaudit.model import Event, Trajectory
from trajaudit.records import dataclass

TASK_COMPLETE = "task_complete"
ACTION_SUCCEEDED = "action_succeeded"
TESTS_PASS = "tests_pass"
CLAIM_TYPES = (TASK_COMPLETE, ACTION_SUCCEEDED, TESTS_PASS)

# How much of a message the claim reader analyses: its last 64 KiB characters. Final reports are a few KB; a longer
# message is mostly pasted output, and its claims, if any, are in its closing lines.
MAX_REPORT_CHARS = 64 * 1024
# How far before a verb group modality, negation and hedges are looked for (characters, within the clause).
_WINDOW = 160


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
    return regex(pattern)


class _Screened:
    """A folded pattern that cannot match without one of a few substrings (needles): looking for them is far cheaper
    than a scan, and most clauses have none."""

    __slots__ = ("pattern", "needles")

    def __init__(self, pattern: str, needles: tuple[str, ...]) -> None:
        self.pattern = _folded_regex(pattern)
        self.needles = needles

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        for needle in self.needles:
            if needle in text:
                return self.pattern.search(text, pos)
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
        text = " ".join(self.text[: limit * 4].split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------------------------
# Action taxonomy: lemma → the base forms of its verbs (particle verbs written with a space).

ACTIONS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "void", "call off", "annul"),
    "refund": ("refund", "reimburse", "credit", "credit back"),
    "return": ("return",),
    "exchange": ("exchange", "swap", "trade"),
    "book": ("book", "rebook", "reserve", "schedule", "reschedule"),
    "update": (
        "update", "modify", "change", "edit", "switch", "adjust", "upgrade", "downgrade", "alter", "amend", "replace",
        "correct", "rename", "move", "migrate", "refactor", "reconfigure", "configure", "set up", "reset", "restore",
        "revert", "rewrite", "bump", "tweak", "resize",
    ),
    "delete": (
        "delete", "remove", "erase", "drop", "purge", "wipe", "clean up", "uninstall", "destroy", "rm", "unlink",
    ),
    "create": ("create", "add", "generate", "write", "implement", "open", "insert", "introduce", "save", "draft"),
    "send": ("send", "email", "e-mail", "mail", "notify", "message", "forward", "deliver", "resend", "post", "share"),
    "issue": ("issue", "award"),
    "fix": ("fix", "patch", "repair", "solve", "hotfix"),
    "merge": ("merge",),
    "deploy": ("deploy", "release", "publish", "roll out", "redeploy"),
    "restart": ("restart", "reboot", "relaunch", "bounce", "rolling restart"),
    "install": ("install", "reinstall"),
    # actions that evidence.py has no tool or command patterns for: claims keep them, TA103 does not judge them
    "rotate": ("rotate",),
    "renew": ("renew",),
    "scale": ("scale",),
    "rollback": ("roll back",),
    "commit": ("commit",),
    "push": ("push",),
    "pay": ("pay", "charge", "bill"),
    # verbs of service APIs (the action verbs of AWS API operations — GrantAccess/RevokeGrant, AttachRolePolicy,
    # TerminateInstances, ExportImage, LockSnapshot/UnlockSnapshot — and of Google AIP-136 custom methods), each a
    # class of its own: access is granted or revoked, a resource locked, attached, exported, terminated
    "grant": ("grant", "authorize", "authorise"),
    "revoke": ("revoke", "rescind"),
    "lock": ("lock",),
    "unlock": ("unlock",),
    "attach": ("attach",),
    "export": ("export",),
    "terminate": ("terminate", "offboard"),
    "enroll": ("enroll", "enrol", "onboard"),
    "reroute": ("reroute", "redirect", "divert"),
    "extend": ("extend", "prolong"),
    "sign": ("sign", "countersign", "e-sign"),
    "arm": ("arm",),
}
# Verbs that say something was done without saying what: the action comes from a noun ("the exchange request has
# been submitted") or, for the work as a whole, the claim is task_complete ("all tasks have been completed").
_GENERIC: tuple[str, ...] = (
    "process", "complete", "submit", "initiate", "request", "place", "finalize", "finalise", "handle", "do",
    "execute", "perform", "carry out", "take care of", "make", "start", "mark", "accomplish", "resolve", "address",
    "sort out", "sort", "finish", "approve", "file", "register", "arrange", "settle", "confirm", "apply",
    "put through", "log",
)
# Irregular verbs: base → past forms (simple past and participle).
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "send": ("sent",), "resend": ("resent",), "write": ("wrote", "written"), "rewrite": ("rewrote", "rewritten"),
    "make": ("made",), "do": ("done",), "pay": ("paid",), "set up": ("set up",), "reset": ("reset",),
    "take care of": ("taken care of", "took care of"), "put through": ("put through",), "rm": ("rm'd",),
    "undo": ("undone",), "rebuild": ("rebuilt",), "build": ("built",),
}
# Participles that name the resulting state, so "is/are P" asserts it: "your order is cancelled", "the bug is fixed".
# Process verbs ("refunds are processed to ...") read as policy and are left out.
_STATE_LEMMAS = frozenset(
    "cancel delete remove fix do complete confirm book update resolve merge deploy install finish finalize finalise "
    "solve restart commit push".split()
)
# Adjectives that look like participles: "the price is fixed", "the schedule is set". Read as a state only with a
# subject that can be repaired.
_ADJECTIVAL = frozenset({"fixed"})
_REPAIRABLE = frozenset(
    "bug bugs issue issues problem problems error errors crash crashes regression regressions typo typos leak leaks "
    "failure failures exception exceptions it this that everything test tests build condition conditions deadlock "
    "vulnerability vulnerabilities warning warnings glitch defect defects outage incident flake".split()
)
# Generic verbs that, in the simple past, usually narrate history ("the payment was made using your card"), and verbs
# whose simple past passive usually describes a state ("two files were locked by another process").
_HISTORY = frozenset(
    {"make", "place", "confirm", "apply", "start", "mark", "request", "pay", "create", "charge", "lock", "unlock"}
)
# Active first-person uses that narrate rather than report an action on the user's behalf.
_ACTIVE_EXCLUDED = frozenset({"apply", "make", "mark", "confirm", "start", "request", "log", "set up"})
# Verbs that say little about the action when a noun next to them names it: "a refund has been issued" is a refund.
_WEAK = frozenset({"issue", "create", "pay", "send", "grant"})  # light verbs: "grant an extension" extends
# Synonyms that count only next to a noun of their action: an email is "delivered" (sent), an order is delivered by
# the carrier.
_NEEDS_NOUN = frozenset({"deliver"})


def _past_forms(base: str) -> set[str]:
    """Simple past and participle forms of a verb by the regular suffix rules, plus its irregular forms."""
    if base in _IRREGULAR:
        return set(_IRREGULAR[base])
    head, _, particle = base.partition(" ")
    tail = f" {particle}" if particle else ""
    forms = set()
    if head.endswith("e"):
        forms.add(head + "d")
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        forms.add(head[:-1] + "ied")
    else:
        forms.add(head + "ed")
        if len(head) > 2 and head[-1] not in "aeiouwxy" and head[-2] in "aeiou" and head[-3] not in "aeiou":
            forms.add(head + head[-1] + "ed")  # cancelled, committed, dropped, shipped (and canceled above)
    return {form + tail for form in forms}


def _third_person(base: str) -> str:
    head, _, particle = base.partition(" ")
    if head.endswith(("s", "sh", "ch", "x", "z")):
        head += "es"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        head = head[:-1] + "ies"
    else:
        head += "s"
    return f"{head} {particle}" if particle else head


def _ing(base: str) -> str:
    head, _, particle = base.partition(" ")
    if head.endswith("e") and not head.endswith("ee"):
        head = head[:-1]
    head += "ing"
    return f"{head} {particle}" if particle else head


# form → lemma ("" for a generic verb), and form → the generic verb's base
_PAST: dict[str, str] = {}
_SYNONYM: dict[str, str] = {}  # past form → the verb it is a form of
_GENERIC_BASE: dict[str, str] = {}
_BASE: dict[str, str] = {}  # base and third-person forms → lemma (generic verbs map to themselves)
_ING: dict[str, str] = {}
for _lemma, _verbs in ACTIONS.items():
    for _verb in _verbs:
        for _form in _past_forms(_verb):
            _PAST.setdefault(_form, _lemma)
            _SYNONYM.setdefault(_form, _verb)
        _BASE.setdefault(_verb, _lemma)
        _BASE.setdefault(_third_person(_verb), _lemma)
        _ING.setdefault(_ing(_verb), _lemma)
for _verb in _GENERIC:
    for _form in _past_forms(_verb):
        _PAST.setdefault(_form, "")
        _GENERIC_BASE.setdefault(_form, _verb)
    _BASE.setdefault(_verb, _verb)
    _BASE.setdefault(_third_person(_verb), _verb)
    _ING.setdefault(_ing(_verb), _verb)
_BASE.update({"rebook": "book", "submit": "submit", "complete": "complete", "finish": "complete"})
# the first word of every multi-word form, and how many words the longest form starting with it has
_FIRST_WORDS: dict[str, int] = {}
for _form in _PAST:
    _head = _form.split()
    _FIRST_WORDS[_head[0]] = max(_FIRST_WORDS.get(_head[0], 0), len(_head))


def verb_lemma(word: str) -> str | None:
    """The action lemma of a verb form in any inflection ('emailed', 'sends', 'removing', 'canceled' → 'cancel');
    None when the word is not a verb of the taxonomy. Generic verbs ('processed') give their base ('process')."""
    key = " ".join(word.lower().split())
    if key in _PAST:
        return _PAST[key] or _GENERIC_BASE[key]
    return _BASE.get(key) or _ING.get(key)


# Nouns that name an action, for normalising structured claims and finding a generic verb's action.
_ACTION_NOUNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_folded_regex(pattern), action)
    for pattern, action in (
        (r"\bcancel+ations?\b", "cancel"),
        (r"\brefunds?\b", "refund"),
        (r"\breturns?\b", "return"),
        (r"\bexchanges?\b", "exchange"),
        (r"\b(?:bookings?|reservations?|flights?|tickets?|appointments?)\b", "book"),
        (r"\b(?:modifications?|changes|updates?|upgrades?|downgrades?|address(?:es)?)\b", "update"),
        (r"\b(?:payments?|charges?|price difference|difference|balance|adjustments?)\b", "pay"),
        (r"\b(?:deletions?|removals?)\b", "delete"),
        (r"\b(?:certificates?|vouchers?|compensation|credits?)\b", "issue"),
        (r"\binstallations?\b", "install"),
        (r"\b(?:deployments?|releases?|rollouts?)\b", "deploy"),
        (r"\brestarts?\b", "restart"),
        (r"\bmerges?\b", "merge"),
        (r"\b(?:fix|patch|bug ?fix|hotfix)\b", "fix"),
        (r"\bcommits?\b", "commit"),
        (r"\b(?:emails?|messages?|notifications?|invitations?|invites?|newsletters?|digests?|reminders?|"
         r"announcements?)\b", "send"),
        (r"\border\b(?=[^.]{0,80}\bplaced\b)", "create"),
    )
)
_HEADLINE_WORDS = 5  # the longest bare subject of a headline, in words ("Firewall rule allow-ssh created")


def _nominalisations(base: str) -> set[str]:
    """The nouns English derives from a verb by its regular suffixes: the gerund ("voiding", "cancelling"), -ion
    ("termination", "deletion", "correction", "modification", "reservation"), -al ("removal", "renewal") and -ment
    ("enrolment", "shipment"). A form that is no word ("deletal") is harmless: no report writes it."""
    if " " in base:
        return set()
    stem = base[:-1] if base.endswith("e") else base
    nouns = {_ing(base), base + "ment", stem + "al"}
    nouns |= {form[:-2] + "ing" for form in _past_forms(base) if form[-3:-2] == form[-4:-3] != "e"}  # cancelling
    if base.endswith(("ate", "ete", "ute")):
        nouns.add(stem + "ion")  # termination, deletion
    elif base.endswith("end"):
        nouns.add(base[:-1] + "sion")  # extension, suspension
    elif base.endswith("ct"):
        nouns.add(base + "ion")  # correction
    elif base.endswith("ify"):
        nouns.add(base[:-1] + "ication")  # modification
    elif base.endswith(("ize", "ise")):
        nouns.add(stem + "ation")
    else:
        nouns |= {stem + "ation", base + "lation" if base.endswith("l") else stem + "ation"}  # reservation
    return nouns


# noun → the action lemma it names, derived from every verb of the taxonomy
_NOMINAL: dict[str, str] = {}
for _lemma, _verbs in ACTIONS.items():
    for _verb in _verbs:
        for _noun in _nominalisations(_verb):
            _NOMINAL.setdefault(_noun, _lemma)
# A nominalisation reported as done, opening its clause: "Cancellation complete for A-601", "Termination processed",
# "Voiding complete". At most two modifiers before the noun ("Final pay run complete" is not read: no action noun).
_NOMINAL_DONE = _folded_regex(
    r"[\s\-*+•▪◦‣#>_.)\d\ufe0f✅✔☑✓]*+(?:[a-z][a-z0-9-]*\s+){0,2}?(?P<noun>[a-z]+)\s+"
    r"(?:complete|completed|done|processed|applied|finished|successful|succeeded|finalised|finalized)\b"
)
_NOMINAL_CUES = frozenset(
    "complete completed done processed applied finished successful succeeded finalised finalized".split()
)

# Nouns for the work as a whole: a generic verb over them is task_complete ("all tasks have been completed").
_WORK_NOUN = _folded_regex(
    r"\b(?:tasks?|requests?|everything|all|work|job|issue|problem|bug|steps?|items?|actions?|changes|"
    r"implementation|solution|ticket|assignment|goal|that|it all)\b",
)
# Actions that hand the task to someone else are not success claims.
_NOT_SUCCESS_NOUN = _folded_regex(r"\b(?:transfer(?:red)?|escalat\w*|human agent|representative|supervisor)\b")


# --------------------------------------------------------------------------------------------------------------
# Modality, negation and hedges: looked for in a bounded window before a verb group (see _assertion).

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
    r"likely|(?:i|we)(?:\s+\w+)?\s+(?:think|believe|guess|suspect|expect|hope|assume|trust)|believe|hopefully|"
    r"supposedly|should|might|may have|could have|would have|assum(?:e|ed|es|ing|ption)|hop(?:e|es|ed|ing)|"
    r"theoretically|in theory|expected to|fingers crossed|if all goes well|if everything|not sure)\b",
)
_REASON_START = _folded_regex(r"\W*(?:since|as|because|given that|due to|considering)\b")
_QUESTION_START = _folded_regex(
    r"\W*(?:would you|shall i|should i|do you|did you|can i|could i|may i|could you|can you|will you|"
    r"would it|is there|are there|is it|is that|are you|have you|has|have|did|do|does|is|are|was|were|"
    r"want me to|how about|what|which|when|where|who|why|how)\b",
)


def _assertion(folded: str, clause: _Clause, at: int) -> str:
    """What keeps a predicate starting at `at` from being asserted, or "" when nothing does: "question", "reason",
    "negated", "conditional", "plan", "hedged". Only the _WINDOW characters before `at` within the clause are read."""
    if clause.question:
        return "question"
    if _REASON_START.match(folded[clause.start : clause.start + 64]):
        return "reason"
    window = folded[max(clause.start, at - _WINDOW) : at]
    if _NEGATION.search(window):
        return "negated"
    if _CONDITIONAL.search(window):
        return "conditional"
    if _PLAN.search(window):
        return "plan"
    if _HEDGE.search(window):
        return "hedged"
    return ""


def _asserted(folded: str, clause: _Clause, at: int) -> bool:
    return not _assertion(folded, clause, at)


def _modal_before(folded: str, clause: _Clause, at: int) -> bool:
    return bool(_MODAL_BEFORE.search(folded, max(clause.start, at - 24), at))


# --------------------------------------------------------------------------------------------------------------
# Idioms: fixed phrases for amounts, states, the task as a whole and tests.

_AMOUNT = _folded_regex(
    r"(?:^\W*\$\s?\d[\d,]*(?:\.\d+)?\s+|\$\s?\d[\d,]*(?:\.\d+)?\s+(?:has\s+been|was|were)\s+|"
    r"\b(?:amount|balance|sum|total)\s+(?:has\s+been|have\s+been|was|were)\s+(?:fully\s+|successfully\s+)?)"
    r"(?P<verb>refunded|credited|credited back|charged|paid)\b",
)
_STATE_VERB = ("is", "are", "was", "were", "has been", "have been", "'s", "’s")
_STATE_WORD = (
    r"(?:now\s+|all\s+|fully\s+|also\s+)*(?:complete|successful|through|confirmed|in place|finalized|finalised|done|"
    r"finished|up and running|back online|back up and running|operational)\b"
)
_STATE_PREDICATE = rf"(?:{'|'.join(_STATE_VERB)})\s+{_STATE_WORD}"
_STATE_PHRASES = (
    "went through", "succeeded", "was a success", "were a success", "has gone through", "have gone through",
    "is now active", "are now active", "is now live", "are now live", "is live", "are live", "went out",
    "has gone out", "have gone out", "ran successfully", "completed successfully",
)
_STATE_PHRASE = rf"(?:{'|'.join(_STATE_PHRASES)})\b"
# The subject starts at a word's start (not after every hyphen or apostrophe inside one): tried once per word.
_STATE = _folded_regex(
    rf"(?<![\w#'’-])(?P<subject>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PREDICATE}"
    rf"|(?<![\w#'’-])(?P<subject2>[\w#'’-]+(?:\s+[\w#'’-]+){{0,5}}?)\s+{_STATE_PHRASE}",
)
# _STATE tries a subject of up to six words at every word: slow, so first look for its predicate alone.
_STATE_END = _folded_regex(
    "|".join([rf"{verb}\s+{_STATE_WORD}" for verb in _STATE_VERB] + [rf"{phrase}\b" for phrase in _STATE_PHRASES])
)
# "the fix works", "everything works as expected now"
# "the fix works", "everything behaves as expected", "the diff looks correct": the work judged to be right
_WORKS = _folded_regex(
    r"\b(?P<subject>fix|fixes|patch|change|changes|solution|workaround|everything|it all|all|diff|implementation|"
    r"code|output)\s+(?:now\s+|also\s+|still\s+)?(?:works?(?:\s+as\s+expected)?|is working|are working|"
    r"behaves?\s+(?:correctly|as\s+expected)|looks?\s+(?:good|correct|right|fine|great))\b"
)
_TASK_DONE = _folded_regex(
    r"\b(?:(?:you|we)(?:'re|’re|\s+are)\s+(?:now\s+)?all\s+set|(?:everything|it|all|that)(?:'s|’s|\s+is)\s+"
    r"(?:now\s+)?(?:all\s+)?set|i(?:'m|’m|\s+am)\s+(?:now\s+|all\s+)?(?:done|finished|ready\s+to\s+submit)|"
    r"we(?:'re|’re|\s+are)\s+(?:now\s+|all\s+)?(?:done|finished)|this\s+completes|that\s+completes|"
    r"(?:task|work|job)\s+(?:is\s+|has\s+been\s+)?(?:now\s+)?(?:successfully\s+)?(?:complete|completed|done|finished)|"
    r"all\s+done|all\s+set|mission\s+accomplished)\b",
)
_LONE_DONE = _folded_regex(
    r"\W*(?:all\s+)?(?:done|completed?|finished|fixed|resolved|success(?:ful)?)(?:\s+successfully)?\W*"
)
_CHECK_MARKS = "\u2705\u2714\u2611\u2713"  # ✅ ✔ ☑ ✓
_TEST_NOUN = _Screened(
    r"\b(?:tests?|test suites?|suites?|test cases?|testsuite|specs?|unit tests?|checks|ci|pytest|unittest|test run)\b",
    ("test", "spec", "checks", "ci", "suite"),
)
_TEST_PASS = _folded_regex(r"\b(?:pass(?:es|ed)?|passing|succeed(?:s|ed)?|green|successful(?:ly)?|ok)\b")
_TEST_COUNT_PASS = _Screened(r"\b(?P<n>\d+)\s+(?:tests?\s+)?(?:passed|passing)\b", ("pass",))
_TEST_FAIL_WORDS = _folded_regex(
    r"\b(?:[1-9]\d*\s+(?:tests?\s+)?(?:failed|failing|failures?|errors?)|fail(?:s|ed|ing|ures?)?|broken|red|"
    r"except|apart from|other than|but\s+(?:one|two|some|a few|\d+))\b",
)
_TEST_PRONOUN = _Screened(
    r"\b(?:they|it|all of them|both|everything)\s+(?:all\s+|now\s+|still\s+)*pass(?:es|ed)?\b", ("pass",)
)
# ", addressing the issue", ", fixing the crash": the clause before says what did it
_ING_RESULT = _folded_regex(
    r"\W*(?:thereby\s+|which\s+|and\s+|thus\s+)?(?P<verb>addressing|fixing|resolving|solving)\s+(?:the|this|that|"
    r"these|your|all)\s+(?:[\w-]+\s+){0,2}?(?:issues?|bugs?|problems?|errors?|crash(?:es)?|regressions?|"
    r"exceptions?|failures?)\b"
)

# Targets: order or reservation ids, file paths, issue/PR numbers, quoted identifiers. Each alternative starts at a
# token's start only (a lookbehind, not \b): inside a run of dots or digits it is not retried at every character.
_TARGET = regex(
    r"(?P<order>#\s?[A-Z]{0,3}\d{3,}\b|(?<![\w.])[A-Z]{1,3}\d{5,}\b)"
    r"|(?P<code>(?<![\w.])(?=[A-Z0-9]{6}\b)(?=[A-Z0-9]{0,5}\d)(?=[A-Z0-9]{0,5}[A-Z])[A-Z0-9]{6}\b)"
    r"|(?P<path>(?<![\w/.-])(?:[\w.-]+/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|cs|"
    r"swift|scala|sh|yml|yaml|toml|json|cfg|ini|md|rst|txt|html|css|sql|lock)\b)"
)
# Every _TARGET match holds a digit or the dot before a file extension, and a scan for these is far cheaper.
_TARGET_SIGN = regex(r"\d|\.[a-z]")
_TARGET_SCOPE = 2000  # characters of a clause a target is looked for in

# --------------------------------------------------------------------------------------------------------------
# Masking: code, quotes and Markdown are blanked in a same-length copy so offsets stay those of the original text.

_FENCE = regex(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_BLOCKQUOTE = regex(r"^[ \t]*>[^\n]*$", re.M)
_QUOTED = regex(r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|«[^»\n]{1,300}»")
_MARKUP = regex(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`|^[ \t]*#{1,6}[ \t]", re.M)
_BULLET = regex(r"^[ \t]*(?:[-*+•▪◦‣]|\d{1,3}[.)]|[a-zA-Z][.)](?=\s))[ \t]+", re.M)
_TAGS = regex(r"</?[a-zA-Z][\w-]{0,40}>")
_PREFIX = regex(r"^[ \t]*(?:THOUGHT|DISCUSSION|Thought|Reasoning|Answer|Final answer)\s*:", re.M)

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr st no approx fig inc ltd jr sr u.s a.m p.m".split()
)
# A sentence ends at a line break or after a run of . ! ? that a space, a closing bracket or quote, or the end
# follows. A run is tried from its first character only (the lookbehind), and whole (possessive): a run that ends
# no sentence costs one scan, not one per character. One branch per first character, so that re skips straight to
# the candidates instead of trying every position.
_RUN_END = r"(?<![.!?].)[.!?]*+(?=[\s)\]\"'”’]|$)"
_SENTENCE_END = regex(rf"\n|\.{_RUN_END}|!{_RUN_END}|\?{_RUN_END}")
# The same for a text without line breaks, ! or ?: a literal first character is found faster still.
_FULL_STOP_END = regex(rf"\.{_RUN_END}")
# Clauses end at punctuation, and at a space before a dash or a conjunction. Two patterns: each starts with
# characters that re skips to (one pattern mixing both is tried at every position), and their matches never overlap.
_CLAUSE_PUNCTUATION = regex(r";|:(?=\s)|,(?=\s)|\((?=\s*\w)|\)")
_CLAUSE_WORDS = (
    "but", "however", "although", "though", "whereas", "yet", "except", "while", "unfortunately", "otherwise",
    "instead", "meanwhile", "because", "since", "unless",
)
_CLAUSE_SPACE = _folded_regex(rf"\s(?:[–—-]\s|(?=(?:{'|'.join(_CLAUSE_WORDS)})\b))")
_CLAUSE_MARK = regex(r"[;:,()–—-]")  # a sentence without these and without _CLAUSE_WORDS is one clause

# Politeness that follows a report: if a message has nothing else, the report is the message before it.
_COURTESY = _folded_regex(
    r"^\W*(?:(?:you(?:'re|’re| are)\s+(?:very\s+|most\s+)?welcome|thank(?:s| you)|have\s+a\s+|take\s+care|goodbye|"
    r"bye|cheers|my\s+pleasure|glad|happy\s+to|i(?:'m|’m| am)\s+(?:glad|happy)|feel\s+free|don't\s+hesitate|"
    r"do\s+not\s+hesitate|let\s+me\s+know|if\s+(?:you|there)|is\s+there\s+anything|anything\s+else|wishing|i\s+wish|"
    r"i\s+hope|hope|enjoy|safe\s+travels|best\s+regards|regards|good\s+luck|always\s+here|i(?:'m|’m| am)\s+here|"
    r"it\s+was\s+(?:a\s+)?(?:my\s+)?pleasure|no\s+problem|of\s+course|sure|great|perfect|wonderful|okay|ok)\b|$)",
)

# Politeness and the announcement of a submission are short: a longer sentence says something of its own, and is
# not matched at all (the patterns are anchored, but a long run of punctuation would still be walked per sentence).
_MAX_COURTESY = 400

# Sentinels and tools by which agents submit their work (mini-swe-agent, SWE-agent, Claude Code-style tools).
_SUBMIT_TEXT = regex(
    r"COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT|^\s*submit\s*$", re.M
)
_SUBMIT_TOOL = regex(
    r"^(?:submit|submit_\w+|finish|final_answer|complete_task|task_complete|attempt_completion|mark_complete|"
    r"done)$",
    re.I,
)


_NOT_NEWLINE = regex(r"[^\n]")


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
_MASKABLE = regex(r"[`~><:\"“«*_#]")  # the characters above, all in one scan


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


# Inline code is a name or a literal, not prose: read as one opaque word, its punctuation ends no clause ("the `f(x)`
# call has been removed") and its words name no action ("added a check `if n == 0: return []`" returns nothing).
# Targets are read from the original text, so `utils.py` still names one.
_INLINE_CODE = regex(r"`([^`\n]{1,200})`")


def _code_as_word(match: re.Match[str]) -> str:
    return "`" + "x" * len(match.group(1)) + "`"


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
    if "`" in masked:
        masked = _INLINE_CODE.sub(_code_as_word, masked)
    spans = _line_start_spans(_BULLET, masked)
    if any(char in masked for char in _MARKUP_CHARS):  # _MARKUP is slow: its lookbehinds are tried at every character
        spans += [m.span() for m in _MARKUP.finditer(masked)]
    if spans:
        masked = _blanked(masked, spans)
    return masked.replace("|", "\n")


class _Analysis(NamedTuple):
    """What is read from a message text before looking for claims (of its last MAX_REPORT_CHARS, see _window)."""

    masked: str  # mask(text)
    folded: str  # _fold(masked), for the patterns
    sentences: list[tuple[int, int]]


def _window_start(text: str) -> int:
    """Where the analysed part of `text` starts: 0, or for a text longer than MAX_REPORT_CHARS, the start of the
    first line (or else sentence) within the last MAX_REPORT_CHARS characters."""
    if len(text) <= MAX_REPORT_CHARS:
        return 0
    start = len(text) - MAX_REPORT_CHARS
    limit = min(len(text), start + 2048)
    line = text.find("\n", start, limit)
    if line >= 0:
        return line + 1
    stop = text.find(". ", start, limit)
    return stop + 2 if stop >= 0 else start


def _analyse(text: str) -> _Analysis:
    """The masked and folded text and its sentences, of the part of `text` that _window_start keeps (offsets are
    relative to that part)."""
    start = _window_start(text)
    return _analyse_part(text[start:] if start else text)


@lru_cache(maxsize=16)
def _analyse_part(text: str) -> _Analysis:
    # cached: a final report is read once to see whether it is only politeness and again for its claims. Only texts
    # of at most MAX_REPORT_CHARS are cached, so the cache holds a bounded amount of text.
    masked = mask(text)
    return _Analysis(masked, _fold(masked), _sentences(masked))


_WORD_BEFORE_DOT = regex(r"[\w.]+$")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
_ABBREVIATION_ENDS = frozenset(word[-2:] for word in _ABBREVIATIONS)  # a quick test before the search
_SPACES = regex(r"[ \t]*")
_NON_BLANK = regex(r"\S")


def _sentences(masked: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: ends at . ! ? (not abbreviations or decimals) and at line breaks."""
    sentences = []
    start = 0
    ends = _SENTENCE_END if "\n" in masked or "!" in masked or "?" in masked else _FULL_STOP_END
    for m in ends.finditer(masked):
        stop, end = m.span()
        if masked[stop] == "\n":
            spaces = _SPACES.match(masked, end)
            after = spaces.end() if spaces else end
            if masked[after : after + 1].islower():
                last = stop
                while last > start and masked[last - 1] in " \t\r":
                    last -= 1  # back over this line's trailing spaces only: linear over the text
                if last > start and masked[last - 1] not in ".!?:;":
                    continue  # a hard-wrapped line continues the sentence
            if not _NON_BLANK.search(masked, start, end):
                start = end
                continue
        else:
            if end - stop == 1 and masked[stop] == "." and masked[stop - 2 : stop].lower() in _ABBREVIATION_ENDS:
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
    hold one of the _CLAUSE_WORDS (a quick test before the patterns, which are tried at every space or mark). A clause
    longer than _MAX_CLAUSE characters is read in pieces of at most that length, cut at spaces."""
    clauses = _split_clauses(folded, start, end, sentence, with_words)
    if any(clause_end - clause_start > _MAX_CLAUSE for clause_start, clause_end in clauses):
        return [piece for clause in clauses for piece in _pieces(folded, *clause)]
    return clauses


_MAX_CLAUSE = 2000  # no sentence of a report has a longer clause; a log line pasted without punctuation may


def _pieces(folded: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _MAX_CLAUSE:
        cut = folded.rfind(" ", start + _MAX_CLAUSE // 2, start + _MAX_CLAUSE)
        cut = cut if cut > start else start + _MAX_CLAUSE
        yield start, cut
        start = cut
    yield start, end


def _split_clauses(folded: str, start: int, end: int, sentence: str, with_words: bool) -> list[tuple[int, int]]:
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


_NON_LETTERS = regex(r"[^a-z]+")


def normalise_action(word: str | None) -> str | None:
    """The action lemma for a word: 'cancelled' → 'cancel', 'modify' → 'update', 'reservation' → 'book'; a word the
    taxonomy does not know is returned lower-cased; None for nothing."""
    if not word:
        return None
    key = " ".join(word.lower().split())
    if key in _PAST:
        return _PAST[key] or _GENERIC_BASE[key]
    base = _BASE.get(key)
    if base:
        return base
    folded = _fold(key)  # the patterns are for folded text; `key` is returned as it is
    for pattern, action in _ACTION_NOUNS:
        if pattern.fullmatch(folded):
            return action
    for token in _NON_LETTERS.split(key):
        if token in _BASE:
            return _BASE[token]
    return key or None


# All of _ACTION_NOUNS in one pattern: one scan tells whether any of them is there, and mostly none is.
_ANY_ACTION_NOUN = _folded_regex("|".join(f"(?:{pattern.pattern})" for pattern, _ in _ACTION_NOUNS))


def _noun_action(word: str) -> str | None:
    """The action one noun of _ACTION_NOUNS names ("refund", "booking"), or None."""
    if not _ANY_ACTION_NOUN.fullmatch(word):
        return None
    for pattern, action in _ACTION_NOUNS:
        if pattern.fullmatch(word):
            return action
    return None


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


def action_nouns(text: str) -> frozenset[str]:
    """The actions that nouns in a text name ("marked for return", "set to exchange requested" → return, exchange)."""
    text = _fold(text[:_TARGET_SCOPE])
    if not _ANY_ACTION_NOUN.search(text):
        return frozenset()
    return frozenset(action for pattern, action in _ACTION_NOUNS if pattern.search(text))


_WHITESPACE = regex(r"\s+")


def _target(text: str) -> str | None:
    text = text[:_TARGET_SCOPE]
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
# Cues: every claim of a kind contains, as whole words, the cue words of its kind: a verb group a participle's first
# word and an auxiliary, "i"/"we" or "successfully"; a tests claim a word of passing and a test noun (or the
# "passed" of a count, or the "pass" of "they pass"); a state a state word and an auxiliary (or "went",
# "succeeded"); a _TASK_DONE phrase its last word and its subject ("all set", "task done"), and so on. So a clause
# without them need not be read, and most clauses need no reading at all. A check mark counts as a verb cue
# ("✅ Refund issued"). A word added to the grammar must be added here too (tests/test_claims_cues.py checks it).

_CUE_PARTICIPLE, _CUE_AUXILIARY, _CUE_FIRST_PERSON, _CUE_SUCCESSFULLY = 1, 2, 4, 8
_CUE_TESTS, _CUE_LONE_DONE, _CUE_TASK_DONE, _CUE_AMOUNT, _CUE_STATE = 16, 32, 64, 128, 256
_CUE_CLAUSE_WORD = 512  # not a claim: one of the _CLAUSE_WORDS, before which a clause may end
# The second words a kind may need: of _TEST_NOUN, _TEST_COUNT_PASS and _TEST_PRONOUN, of a state phrase without
# an auxiliary, and the subjects of _TASK_DONE.
_CUE_TEST_NOUN, _CUE_TEST_COUNT, _CUE_TEST_PRONOUN, _CUE_STATE_VERB, _CUE_TASK_SUBJECT = 1024, 2048, 4096, 8192, 16384
_CUE_WORKS, _CUE_WORKS_SUBJECT, _CUE_ING, _CUE_NOMINAL_DONE = 32768, 65536, 131072, 262144
_CUE_WORDS: dict[str, int] = {}
for _bit, _words in (
    (_CUE_PARTICIPLE, tuple(_FIRST_WORDS)),
    (_CUE_AUXILIARY, ("has", "have", "had", "is", "are", "was", "were", "got", "gets", "s", "re", "ve", "been")),
    (_CUE_FIRST_PERSON, ("i", "we")),
    (_CUE_SUCCESSFULLY, ("successfully",)),
    (_CUE_TESTS, ("pass", "passes", "passed", "passing", "succeed", "succeeds", "succeeded", "green", "successful",
                  "successfully", "ok")),
    (_CUE_LONE_DONE, ("done", "complete", "completed", "finished", "fixed", "resolved", "success", "successful")),
    (_CUE_TASK_DONE, ("set", "done", "finished", "submit", "completes", "complete", "completed", "accomplished")),
    (_CUE_AMOUNT, ("refunded", "credited", "charged", "paid")),
    (_CUE_STATE, ("complete", "successful", "through", "confirmed", "place", "finalized", "finalised", "done",
                  "finished", "succeeded", "success", "active", "live", "running", "online", "operational", "out",
                  "successfully")),
    (_CUE_CLAUSE_WORD, _CLAUSE_WORDS),
    (_CUE_TEST_NOUN, ("test", "tests", "testsuite", "spec", "specs", "checks", "ci", "pytest", "unittest", "suite",
                      "suites")),
    (_CUE_TEST_COUNT, ("passed", "passing")),
    (_CUE_TEST_PRONOUN, ("pass", "passes", "passed")),
    (_CUE_STATE_VERB, ("went", "succeeded", "ran", "completed")),
    (_CUE_TASK_SUBJECT, ("you", "we", "everything", "it", "all", "that", "i", "this", "task", "work", "job",
                         "mission")),
    (_CUE_WORKS, ("works", "work", "working", "behaves", "behave", "look", "looks")),
    (_CUE_WORKS_SUBJECT, ("fix", "fixes", "patch", "change", "changes", "solution", "workaround", "everything", "all",
                          "diff", "implementation", "code", "output")),
    (_CUE_ING, ("addressing", "fixing", "resolving", "solving")),
    (_CUE_NOMINAL_DONE, tuple(_NOMINAL_CUES)),
):
    for _word in _words:
        _CUE_WORDS[_word] = _CUE_WORDS.get(_word, 0) | _bit
_VERB_CUES = _CUE_AUXILIARY | _CUE_FIRST_PERSON | _CUE_SUCCESSFULLY  # a participle needs one of these
_TEST_CUES = _CUE_TEST_NOUN | _CUE_TEST_COUNT | _CUE_TEST_PRONOUN  # a word of passing needs one of these
_STATE_VERB_CUES = _CUE_AUXILIARY | _CUE_STATE_VERB  # a state word needs one of these
_OWN_CUES = _CUE_LONE_DONE | _CUE_AMOUNT | _CUE_ING  # these need nothing more
_ALL_CUES = 2 * _CUE_NOMINAL_DONE - 1  # every bit above


# The folded text is looked up word by word: its bytes, one per character, with everything but the ASCII word
# characters (letters, digits, "_") turned into spaces, split. A cue word (ASCII letters) is one of the pieces
# wherever the text holds it as a whole word. A word with a non-ASCII letter ("café") is cut into pieces too, which
# may cue a kind of claim the clause does not hold: that only costs a little reading, while a cue is never missed.
_ASCII_WORD_CHARACTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_NON_WORD_TO_SPACE = bytes(byte if byte in _ASCII_WORD_CHARACTERS else ord(" ") for byte in range(256))
_CUE_BITS: dict[bytes, int] = {word.encode(): bits for word, bits in _CUE_WORDS.items()}
_CUE_SET = frozenset(_CUE_BITS)  # a set intersection is the quickest way to look many words up
_HAS_CHECK_MARK = regex(f"[{_CHECK_MARKS}]")


def _cues(message: _Analysis) -> bytes | None:
    """The folded text as words for _cue_bits; None when any clause may hold any claim."""
    if _folds_to_ascii(message.masked):
        return None  # a letter only re.IGNORECASE takes for an ASCII one: every clause is read
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
        or found & _CUE_WORKS and found & _CUE_WORKS_SUBJECT
        or found & _OWN_CUES
    ):
        return found
    return 0


# The first words of a clause (report style and headlines put the participle there, after at most _HEADLINE_WORDS).
_FIRST_WORD = regex(
    r"[^a-z0-9_]*+(\w+)" + r"(?:[^a-z0-9_]++(\w+))?" * _HEADLINE_WORDS, re.ASCII
)
# What may stand before a report-style participle in the original text: bullets, numbering, Markdown, check marks
# (not code or quotes, which masking blanks: "`x` added the join" has a subject).
_REPORT_PREFIX = regex(r"[\s\-*+•▪◦‣#>_.)\d\ufe0f✅✔☑✓]*")


def _opens_with_participle(folded: str, start: int) -> int:
    """_CUE_FIRST_PERSON when one of the first six words at `start` is a participle (report style: "Deleted the old
    logs."; a headline: "nginx restarted."), which then needs no auxiliary or subject, else 0."""
    m = _FIRST_WORD.match(folded, start)
    return _CUE_FIRST_PERSON if m and any(word in _FIRST_WORDS for word in m.groups()) else 0


def _check_marks(folded: str) -> list[int]:
    """Where the text has check marks: one stands for a verb cue ("✅ Refund issued")."""
    if folded.isascii():  # a flag of the string, not a scan: most reports have no check mark to look for
        return []
    return [m.start() for m in _HAS_CHECK_MARK.finditer(folded)] if _HAS_CHECK_MARK.search(folded) else []


def _marked(marks: list[int], start: int, end: int) -> int:
    """_CUE_FIRST_PERSON when a check mark is between start and end, else 0."""
    index = bisect_left(marks, start)
    return _CUE_FIRST_PERSON if index < len(marks) and marks[index] < end else 0


def _iter_clauses(
    folded: str, sentences: list[tuple[int, int]], words: bytes | None, marks: list[int] | None = None
) -> Iterator[tuple[_Clause, int]]:
    """The clauses that may hold a claim, with their cue bits (`words` from _cues, `marks` from _check_marks)."""
    for s_start, s_end in sentences:
        found = _cue_bits(words, s_start, s_end) if words is not None else _ALL_CUES
        if marks:
            found |= _marked(marks, s_start, s_end)
        if found & _CUE_PARTICIPLE and not found & _VERB_CUES:
            # a clause of the sentence may open with a participle: "Refund: $20, processed to your card."
            opens = _opens_with_participle(folded, s_start) or _CLAUSE_MARK.search(folded, s_start, s_end)
            found |= _CUE_FIRST_PERSON if opens else 0
        sentence_cued = _claimable(found)
        if not sentence_cued:
            continue
        sentence = folded[s_start:s_end].strip()
        asks = sentence.endswith("?")
        whole_question = asks and bool(_QUESTION_START.match(sentence[:64]))
        for c_start, c_end in _clauses(folded, s_start, s_end, sentence, bool(found & _CUE_CLAUSE_WORD)):
            if c_start == s_start and c_end == s_end:  # the clause is the whole sentence
                yield _Clause(c_start, c_end, s_start, s_end, asks), sentence_cued
                continue
            cued = _cue_bits(words, c_start, c_end) if words is not None else _ALL_CUES
            if marks:
                cued |= _marked(marks, c_start, c_end)
            if cued & _CUE_PARTICIPLE and not cued & _VERB_CUES:
                cued |= _opens_with_participle(folded, c_start)
            cued = _claimable(cued)
            if not cued:
                continue
            text = folded[c_start:c_end].strip()
            question = whole_question or text.endswith("?") or (asks and bool(_QUESTION_START.match(text[:64])))
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


# --------------------------------------------------------------------------------------------------------------
# Verb groups: a clause as words, and the readings of its participles.

_TOKEN = regex(rf"[a-z0-9_]+(?:['’][a-z]+)?|[{_CHECK_MARKS}]")
_NOT_SUFFIX = {
    "can": "can", "ca": "can", "won": "will", "don": "do", "didn": "did", "doesn": "does", "isn": "is", "aren": "are",
    "wasn": "was", "weren": "were", "hasn": "has", "haven": "have", "hadn": "had", "couldn": "could",
    "wouldn": "would", "shouldn": "should", "mustn": "must", "needn": "need", "mightn": "might",
}
_CONTRACTIONS = {"ve": "have", "re": "are", "m": "am", "ll": "will", "d": "'d", "s": "'s"}

_ADVERBS = frozenset(
    "now also already successfully just fully all both each finally completely officially correctly properly "
    "immediately automatically indeed then since entirely promptly effectively duly manually permanently safely "
    "cleanly actually again quickly likewise subsequently".split()
)
_NOT = frozenset({"not", "never"})
_FREQUENCY = frozenset("every daily hourly weekly nightly monthly usually always typically normally generally".split())
_BE_PRESENT = frozenset({"is", "are", "am", "'s"})
_BE_PAST = frozenset({"was", "were"})
_HAVE = frozenset({"has", "have", "had", "'d"})
_GOT = frozenset({"got", "gets", "get"})
_FIRST_PERSON = frozenset({"i", "we"})
_MODALS = frozenset({"will", "would", "should", "could", "might", "may", "must", "can", "shall", "to", "'d"})
# "by" + these does not name who did it: "cancelled by me", "notified by email"
_BY_US = frozenset(
    "me us myself ourselves email mail e phone text sms post hand default design mistake accident itself then now "
    "tomorrow today noon midnight".split()
)
_STATE_ADVERBS = frozenset({"now", "successfully", "already"})
_HISTORY_ADVERBS = frozenset({"now", "successfully", "just"})


class Reading(NamedTuple):
    """One verb group of a clause, read by the grammar in the module docstring."""

    actor: str  # agent | none | user | third_party
    action: str  # an action lemma, or a generic verb's base ("process")
    verb: str  # the verb as written (lower case): "cancelled", "rolled out"
    aspect: str  # past | perfect | state | present | progressive | future
    modality: str  # none | modal | plan | conditional | question | offer | reason
    negated: bool
    hedged: bool
    start: int  # where the verb group starts (its subject, auxiliary or first adverb) in the message
    verb_start: int
    verb_end: int

    @property
    def asserted(self) -> bool:
        return (
            self.actor in ("agent", "none")
            and self.aspect in ("past", "perfect", "state")
            and self.modality == "none"
            and not self.negated
            and not self.hedged
        )


def _clause_words(folded: str, source: str | None, start: int, end: int) -> tuple[list[str], list[int]]:
    """The words of folded[start:end] with contractions split ("i've" → "i", "have"; "didn't" → "did", "not"), and
    for each the index of the _TOKEN match it comes from (both halves of a contraction share one). Words are read
    from `source` when given (a text in which folding makes letters ASCII)."""
    segment = folded[start:end]
    if source is None:
        words = _TOKEN.findall(segment)
    else:
        words = [source[m.start() : m.end()].lower() for m in _TOKEN.finditer(folded, start, end)]
    if "'" not in segment and "’" not in segment:
        return words, list(range(len(words)))
    split_words: list[str] = []
    tokens: list[int] = []
    for index, word in enumerate(words):
        if "'" in word or "’" in word:
            head, _, tail = word.replace("’", "'").partition("'")
            if tail == "t" and head.endswith("n"):
                split_words += (_NOT_SUFFIX.get(head[:-1]) or head[:-1], "not")
                tokens += (index, index)
                continue
            contraction = _CONTRACTIONS.get(tail)
            if contraction:
                split_words += (head, contraction)
                tokens += (index, index)
                continue
            word = head
        split_words.append(word)
        tokens.append(index)
    return split_words, tokens


def _verb_at(words: list[str], i: int) -> tuple[str, int] | None:
    """The past form starting at word i (one to three words: "cancelled", "rolled out", "taken care of") and its
    length in words, or None."""
    longest = _FIRST_WORDS.get(words[i])
    if not longest:
        return None
    for size in range(min(longest, len(words) - i), 0, -1):
        form = words[i] if size == 1 else " ".join(words[i : i + size])
        if form in _PAST:
            return form, size
    return None


def _back(words: list[str], i: int) -> tuple[int, set[str]]:
    """The index of the word before i that is not one of the _ADVERBS or a negation (at most 5 back), and the words
    skipped. A negation is skipped here and read by _assertion: "was not deleted" is a negated reading."""
    skipped: set[str] = set()
    j = i - 1
    while j >= 0 and (words[j] in _ADVERBS or words[j] in _NOT) and i - j <= 5:
        skipped.add(words[j])
        j -= 1
    return j, skipped


_OBJECT_START = frozenset(
    "the a an all your my our this that these those its their both it them each every some any".split()
)


class _Group(NamedTuple):
    actor: str
    aspect: str
    group: int  # index of the group's first word (subject, auxiliary or adverb); -1: the previous reading's
    modal: bool
    style: str = ""  # "report" ("Merged the branch."), "headline" ("nginx restarted."): checked by _readings


# Words that make a clause's opening words a full sentence rather than a headline's bare subject.
_FUNCTION_WORDS = frozenset(
    "the a an this that these those your my our their his her its i we you he she they it there here and or but so "
    "then if when once not no is are was were has have had will would can could should may might must do does did "
    "to be been being".split()
)
# What starts a "by" phrase naming who did it: "by the airline", "by our billing team", "by Stripe" (capitalised)
_AGENT_START = frozenset("the a an your their our its his her another this that".split())
_PREPOSITIONS = frozenset("to into onto from in on for at with across over out back up until till".split())
# What makes the word after a report-style participle an object: "Merged feature/login", "Rolled out v2.3"
_IDENTIFIER = regex(r"\s*(?:`|[\w-]*[\d/_.][\w./-]*)")


def _group(words: list[str], vi: int, lemma: str, form: str, previous: Reading | None, headline: bool) -> _Group | None:
    """The verb group around the participle at word vi (see the grammar in the module docstring), or None when the
    participle is not a verb here (an adjective, a noun modifier, narration)."""
    j, adverbs = _back(words, vi)
    prev = words[j] if j >= 0 else ""
    if prev == "been":
        k, _ = _back(words, j)
        if k >= 0 and (words[k] in _HAVE or words[k] == "'s"):
            return _Group("none", "perfect", k, k > 0 and words[k - 1] in _MODALS)
        return None
    if prev == "being":
        return _Group("none", "progressive", j, False)
    if prev == "be":
        return _Group("none", "future", j, True)  # "will be cancelled", "can be refunded", "to be fixed"
    if prev in _BE_PRESENT:
        state = lemma in _STATE_LEMMAS or bool(adverbs & _STATE_ADVERBS)
        if state and not _FREQUENCY.isdisjoint(words[vi + 1 :]):
            state = False  # "commits are pushed to the mirror every hour": policy
        if state and form in _ADJECTIVAL and not adverbs & _STATE_ADVERBS:
            # "the bug is fixed", "the race condition in the scheduler is fixed", not "the price is fixed"
            state = any(word in _REPAIRABLE for word in words[max(0, j - 6) : j])
        return _Group("none", "state" if state else "present", j, False)
    if prev in _BE_PAST:
        if lemma in _HISTORY and not adverbs & _HISTORY_ADVERBS:
            return None  # "the payment was made using your card": history
        return _Group("none", "past", j, False)
    if prev in _GOT:
        return _Group("none", "past", j, False)
    if prev in _HAVE:
        k, _ = _back(words, j)
        if k < 0 or words[k] not in _FIRST_PERSON:
            return None  # "the status has changed": a third party's present perfect
        return _Group("agent", "perfect", k, False)
    if prev in _FIRST_PERSON:
        return _Group("agent", "past", j, False)
    if prev in ("and", "&"):
        if j >= 3 and words[j - 1] == "ahead" and words[j - 2] in ("went", "gone", "go"):
            k, _ = _back(words, j - 2)
            if k >= 0 and words[k] == "have":
                k, _ = _back(words, k)
            if k >= 0 and words[k] in _FIRST_PERSON:
                return _Group("agent", "past", k, False)  # "I went ahead and cancelled it"
            return None
        if previous is not None:
            return _Group(previous.actor, previous.aspect, -1, False)  # "cancelled the order and refunded $5"
        if j >= 1 and words[j - 1].endswith("ed"):
            return _group(words, j - 1, lemma, form, None, headline)  # "emptied and deleted"
        if words[0] in _FIRST_PERSON:  # "I closed ticket 4410 and emailed you": the clause's subject acted
            k = 1
            while k < j and (words[k] in _ADVERBS or words[k] in _HAVE):
                k += 1
            if k < j and (words[k].endswith("ed") or words[k] in _PAST):
                return _Group("agent", "past", 0, False)
        return None
    if "successfully" in adverbs or (vi + 1 < len(words) and words[vi + 1] == "successfully"):
        return _Group("none", "past", j + 1, prev in ("be", "to"))
    if headline:
        return _Group("none", "past", vi, False)  # "✅ Refund issued"
    if j == -1:
        return _Group("agent", "past", vi, False, "report")  # "Deleted the stale snapshots.", "Sent!"
    if vi <= _HEADLINE_WORDS and words[0] not in _FUNCTION_WORDS and _headline_subject(words, vi):
        # "nginx restarted.", "Message sent to the team.", "Referral to cardiology sent to ...", "Return label created
        # and emailed" — not "Policy requires returned items" (an adjective)
        following = words[vi + 1] if vi + 1 < len(words) else ""
        if (
            not following or following in _PREPOSITIONS or following in _ADVERBS or following.isdigit()
            or following in _CHECK_MARKS
            or (following in ("and", "&") and vi + 2 < len(words) and words[vi + 2] in _PAST)
        ):
            return _Group("none", "past", 0, False, "headline")
    return None


# What dates a history verb's headline ("Order placed on May 3", "Invoice paid in full last March").
_DATING = frozenset("on in at last via using with from since".split())
_DETERMINERS = frozenset("the a an your my our their his her its this that these those".split())


def _headline_subject(words: list[str], vi: int) -> bool:
    """Whether the words before the participle at vi are a headline's bare subject: a noun phrase of at most
    _HEADLINE_WORDS words with no article, pronoun or auxiliary of its own, which a prepositional modifier may extend
    ("Referral to cardiology", "Refund for the late delivery"): a function word is allowed only as a preposition
    inside it or as a determiner right after such a preposition."""
    if not 0 < vi <= _HEADLINE_WORDS or words[0] in _FUNCTION_WORDS:
        return False
    for k in range(1, vi):
        word = words[k]
        if word not in _FUNCTION_WORDS:
            continue
        if word in _PREPOSITIONS and k < vi - 1 and word not in ("to", "and"):
            continue
        following = words[k + 1]
        if word == "to" and k < vi - 1 and following not in _BASE and (
            following not in _FUNCTION_WORDS or following in _DETERMINERS
        ):
            continue  # "Referral to cardiology", "Notification to your phone", not "plan to be" or "asked to cancel"
        if word in _DETERMINERS and words[k - 1] in _PREPOSITIONS:
            continue
        return False
    return True


def _readings(text: str, folded: str, source: str | None, clause: _Clause) -> Iterator[Reading]:
    """The readings of every participle of the taxonomy in the clause, by the grammar in the module docstring."""
    words, tokens = _clause_words(folded, source, clause.start, clause.end)
    headline = bool(words) and words[0] in _CHECK_MARKS
    previous: Reading | None = None
    spans: list[tuple[int, int]] = []  # of the _TOKEN matches, found when a first verb group needs them

    def span(index: int) -> tuple[int, int]:
        if not spans:
            spans.extend(m.span() for m in _TOKEN.finditer(folded, clause.start, clause.end))
        return spans[tokens[index]]

    done = 0  # words before this index belong to a verb already read
    for i in compress(count(), map(_FIRST_WORDS.__contains__, words)):  # the words a verb may start at
        if i < done:
            continue
        found = _verb_at(words, i)
        if not found:
            continue
        form, size = found
        last = i + size - 1
        after = done = last + 1
        lemma = _PAST[form] or _GENERIC_BASE[form]
        found_group = _group(words, i, lemma, form, previous, headline)
        if found_group is None:
            continue
        actor, aspect, group, modal, style = found_group
        if actor == "agent" and lemma in _ACTIVE_EXCLUDED:
            continue  # "I confirmed that ...", "I made sure": narration
        verb_start, verb_end = span(i)[0], span(last)[1]
        if style and not _REPORT_PREFIX.fullmatch(text, clause.start, span(group)[0]):
            continue  # a report-style participle or a headline's subject opens its clause (not after code)
        if style == "report" and after < len(words):
            following = words[after]
            if not (
                following in _OBJECT_START or following in _PREPOSITIONS or following.isdigit()
                or _IDENTIFIER.match(text, verb_end)
            ):
                continue  # "Updated instructions are below", "Scheduled maintenance starts at noon"
        if folded[verb_end : verb_end + 1] == "-" and folded[verb_end + 1 : verb_end + 2].isalpha():
            continue  # "fixed-rate", "updated-at": part of a compound adjective
        for k in range(after, min(after + 8, len(words) - 1)):
            if words[k] == "by":
                named = words[k + 1]
                if named in _AGENT_START or (named not in _BY_US and text[span(k + 1)[0]].isupper()):
                    actor = "third_party"  # "cancelled by the airline", "issued last week by our billing team"
                break
        if style == "headline":
            base_verb = _SYNONYM.get(form) or _GENERIC_BASE.get(form)
            if base_verb in _HISTORY and after < len(words) and (words[after] in _DATING or words[after].isdigit()):
                continue  # "Invoice paid in full last March", "Order placed on May 3": history, as "was paid"
            written_after = text[verb_end : verb_end + 4]
            if written_after.lstrip("*_ `").startswith(":") and (
                written_after[:1] in "*_`" or text[verb_start].isupper() or base_verb in _HISTORY
            ):
                continue  # a label: "**Items Returned**: …", "Order Placed: …"; not "Appointment booked: Thursday"
            group = -2  # the subject is read before the verb, as a passive's is
        start = previous.start if group == -1 and previous else span(group)[0] if group >= 0 else verb_start
        modal = modal or (group >= 1 and words[group - 1] in _MODALS and actor != "agent")
        blocked = _assertion(folded, clause, verb_start)
        modality = "modal" if modal else blocked if blocked in ("question", "reason", "conditional", "plan") else "none"
        reading = Reading(
            actor, lemma, form, aspect, modality, blocked == "negated", blocked == "hedged", start, verb_start,
            verb_end,
        )
        previous = reading
        yield reading


# --------------------------------------------------------------------------------------------------------------
# From readings and idioms to claims.

_TO_HUMAN = _folded_regex(r"\s+to\s+(?:a\s+)?human\b")
_NEAR = 80  # characters either side of a verb in which a noun names a generic verb's action
_CONTEXT = 120  # characters of the sentence before a clause read for a generic verb's action

# Structured final reports (a JSON object): the fields read as text, and the statuses that say the work is done.
_JSON_TEXT_FIELDS = frozenset(
    "message summary result final_answer answer response details report text output description".split()
)
_JSON_STATUS_FIELDS = frozenset("status state outcome result".split())
_SUCCESS_STATUS = frozenset(
    "success succeeded successful done completed complete resolved fixed ok passed finished".split()
)
_LETTERS = regex(r"[a-z]+")


def extract_claims(text: str, event: Event | None = None) -> tuple[Claim, ...]:
    """The success claims asserted in one message text, in order of appearance (of its last MAX_REPORT_CHARS)."""
    if not text or text.isspace():
        return ()
    offset = _window_start(text)
    part = text[offset:] if offset else text
    claims: list[Claim] = []
    if part.lstrip()[:1] == "{" and part.rstrip()[-1:] == "}" and _json_claims(part, event, offset, claims):
        return tuple(claims)
    _text_claims(part, event, offset, claims)
    return tuple(claims)


def _json_claims(part: str, event: Event | None, offset: int, claims: list[Claim]) -> bool:
    """Append the claims of a report that is a JSON object; False when `part` is not one."""
    try:
        data = json.loads(part)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    _json_object_claims(data, part, event, offset, claims, 0, [_JSON_FIELDS_READ])
    return True


_JSON_FIELDS_READ = 32  # fields located in the text (one scan each) per report: a report has a few


def _locate(part: str, value: str) -> tuple[int, int] | None:
    """Where a JSON string value is written in `part` (between its quotes), or None."""
    for ascii_only in (False, True):
        written = json.dumps(value, ensure_ascii=ascii_only)[1:-1]
        position = part.find(f'"{written}"')
        if position >= 0:
            return position + 1, position + 1 + len(written)
    return None


def _json_object_claims(
    data: dict[str, Any], part: str, event: Event | None, offset: int, claims: list[Claim], depth: int,
    budget: list[int],
) -> None:
    for key, value in data.items():
        if budget[0] <= 0:
            return
        name = str(key).lower()
        if isinstance(value, str):
            where = None
            status = " ".join(_LETTERS.findall(value.lower())) if name in _JSON_STATUS_FIELDS else ""
            done = status in _SUCCESS_STATUS or bool(_PAST.get(status))  # "success", "completed"; "sent", "deleted"
            if done:
                budget[0] -= 1
                where = _locate(part, value)
                if where:
                    start, end = where
                    quoted = part[start:end]
                    kind, action = (ACTION_SUCCEEDED, _PAST[status]) if _PAST.get(status) else (TASK_COMPLETE, None)
                    claims.append(Claim(kind, action, None, quoted, offset + start, offset + end, event))
            elif name in _JSON_TEXT_FIELDS:
                budget[0] -= 1
                where = _locate(part, value)
                if where:
                    start, end = where
                    _text_claims(part[start:end], event, offset + start, claims)
        elif isinstance(value, dict) and depth < 3:
            budget[0] -= 1  # a nested object costs a step too: a million empty ones are not walked
            _json_object_claims(value, part, event, offset, claims, depth + 1, budget)


def _text_claims(text: str, event: Event | None, offset: int, claims: list[Claim]) -> None:
    """Append the claims of a text of at most MAX_REPORT_CHARS characters that starts at `offset` in the message."""
    message = _analyse_part(text)
    masked, folded, sentences = message
    words = _cues(message)
    source = masked if _folds_to_ascii(masked) else None
    memo: dict[tuple[str, int], Any] = {}  # per-sentence answers shared by its clauses
    marks = _check_marks(folded)
    for clause, cued in _iter_clauses(folded, sentences, words, marks):
        _clause_claims(text, folded, source, clause, event, cued, claims, offset, memo)


def _clause_claims(
    text: str,
    folded: str,
    source: str | None,
    clause: _Clause,
    event: Event | None,
    cued: int,
    claims: list[Claim],
    offset: int,
    memo: dict[tuple[str, int], Any],
) -> None:
    """Append the claims of one clause to `claims`."""
    base = clause.start
    body = folded[base : clause.end]  # idiom patterns match here; offsets in it are relative to `base`
    context = folded[max(clause.sentence_start, base - _CONTEXT) : base]  # the sentence before: its subject
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
        claims.append(Claim(kind, action, target, quoted, offset + start, offset + end, event))

    # tests pass
    if cued & _CUE_TESTS:
        noun = _TEST_NOUN.search(body) if cued & _CUE_TEST_NOUN else None
        count = _TEST_COUNT_PASS.search(body) if cued & _CUE_TEST_COUNT else None
        if noun or count:
            if _tests_claim(folded, body, noun, count, clause, memo):
                make(TESTS_PASS, None)
        elif cued & _CUE_TEST_PRONOUN:
            m = _TEST_PRONOUN.search(body)
            if m and _sentence_has(memo, "test noun", _TEST_NOUN, folded, clause):
                if _asserted(folded, clause, base + m.start()):
                    make(TESTS_PASS, None)

    # whole-task completion
    if cued & _CUE_LONE_DONE and not clause.question and _LONE_DONE.fullmatch(body):
        make(TASK_COMPLETE, None)
    for m in _TASK_DONE.finditer(body) if cued & _CUE_TASK_DONE and cued & _CUE_TASK_SUBJECT else ():
        if _asserted(folded, clause, base + m.start()):
            make(TASK_COMPLETE, None)
    if cued & _CUE_ING and base > clause.sentence_start:
        m = _ING_RESULT.match(body)
        whole = clause._replace(start=clause.sentence_start)  # the sentence so far says what did it
        if m and _NON_BLANK.search(folded, clause.sentence_start, base) and _asserted(folded, whole, base):
            make(*((ACTION_SUCCEEDED, "fix") if m.group("verb") == "fixing" else (TASK_COMPLETE, None)))
    if cued & _CUE_WORKS and cued & _CUE_WORKS_SUBJECT:
        for m in _WORKS.finditer(body):
            if _asserted(folded, clause, base + m.start()) and not _modal_before(folded, clause, base + m.start()):
                subject = m.group("subject")
                make(*((ACTION_SUCCEEDED, "fix") if subject in ("fix", "fixes", "patch") else (TASK_COMPLETE, None)))

    if cued & _CUE_NOMINAL_DONE and not clause.question:
        m = _NOMINAL_DONE.match(body)
        if m:
            rest = body[m.end() :].split(None, 1)
            following = rest[0].strip(".!,;") if rest else ""
            action = _NOMINAL.get(m.group("noun")) or _noun_action(m.group("noun"))
            if (
                action
                and (not following or following in _PREPOSITIONS or following[:1] in _CHECK_MARKS or following == "—")
                and _asserted(folded, clause, base + m.start("noun"))
            ):
                make(ACTION_SUCCEEDED, action)

    # actions: verb groups read by the grammar
    if cued & _CUE_PARTICIPLE and cued & _VERB_CUES:  # a check mark counts as a verb cue (see _marked)
        for reading in _readings(text, folded, source, clause):
            if reading.asserted:
                claim = _reading_claim(reading, folded, clause, context)
                if claim:
                    make(*claim)
    for m in _AMOUNT.finditer(body) if cued & _CUE_AMOUNT else ():
        at = base + m.start()
        if _asserted(folded, clause, at) and not _modal_before(folded, clause, at):
            make(ACTION_SUCCEEDED, normalise_action(m.group("verb")))
    state = cued & _CUE_STATE and cued & _STATE_VERB_CUES
    for m in _STATE.finditer(body) if state and _STATE_END.search(body) else ():
        subject_end = m.end("subject") if m.group("subject") else m.end("subject2")
        subject = m.group("subject") or m.group("subject2") or ""
        if not _asserted(folded, clause, base + subject_end) or _modal_before(folded, clause, base + m.start()):
            continue
        action = _action_noun(subject, prefer_last=True) or _action_noun(context, prefer_last=True)
        if action:
            make(ACTION_SUCCEEDED, action)
        elif _WORK_NOUN.search(subject):
            make(TASK_COMPLETE, None)


def _sentence_has(
    memo: dict[tuple[str, int], Any], name: str, pattern: Any, folded: str, clause: _Clause
) -> bool:
    """Whether the clause's sentence matches a pattern: worked out once per sentence, not once per clause."""
    key = (name, clause.sentence_start)
    if key not in memo:
        memo[key] = bool(pattern.search(folded[clause.sentence_start : clause.sentence_end]))
    return bool(memo[key])


# A noun that modifies the noun after it names no action of its own: "Return label created" creates a label. The
# words after it that make it a head noun again are function words ("refund for your order") and verbs.
_COMPOUND_MODIFIER = _folded_regex(
    r"\b(?:cancel+ation|refund|return|exchange|booking|reservation|payment|upgrade|update|email|message|"
    r"notification|invitation|release)(?=\s+(?!(?:for|to|of|on|in|has|have|had|is|are|was|were|got|and|&|been|"
    r"now|successfully|already|just)\b)[a-z]{3,}\b)"
)


def _adjacent_nominal(near: str, passive: bool) -> str | None:
    """The action of a nominalisation right next to a light verb: its subject's last word when passive ("Extension
    granted"), its object's first word after an article when active ("granted an extension")."""
    words = _LETTERS.findall(near[-40:] if passive else near[:40])
    if not passive and words and words[0] in _DETERMINERS:
        words = words[1:]
    word = words[-1] if passive and words else words[0] if words else ""
    return _NOMINAL.get(word)


def _reading_claim(reading: Reading, folded: str, clause: _Clause, context: str) -> tuple[str, str | None] | None:
    """The claim an asserted reading makes: an action, or the task as a whole for a generic verb over the work."""
    passive = reading.actor != "agent"
    before = folded[max(clause.start, reading.start - _NEAR) : reading.start]
    after = folded[reading.verb_end : min(clause.end, reading.verb_end + _NEAR)]
    near, far = (before, after) if passive else (after, before)
    action = reading.action
    if action in ACTIONS:
        if _SYNONYM.get(reading.verb) in _NEEDS_NOUN:
            return (ACTION_SUCCEEDED, action) if _action_noun(before + " " + after, passive) == action else None
        if action in _WEAK:  # "a refund was issued": a refund; "posted the update": an update is news, not an edit
            noun = _action_noun(_COMPOUND_MODIFIER.sub(" ", near), prefer_last=passive)
            noun = noun or _adjacent_nominal(near, passive)
            action = noun if noun and noun != "update" else action
        if action == "update" and _TO_HUMAN.match(after):
            return None
        return ACTION_SUCCEEDED, action
    # a generic verb: the action is named by a noun (subject for passive, object for active), or it is the whole task
    noun = _action_noun(near, prefer_last=passive)
    if noun:
        return ACTION_SUCCEEDED, noun
    if _WORK_NOUN.search(near):
        return TASK_COMPLETE, None
    noun = _action_noun(context, prefer_last=True) or _action_noun(far, prefer_last=not passive)
    if noun:
        return ACTION_SUCCEEDED, noun
    if _WORK_NOUN.search(far):
        return TASK_COMPLETE, None
    return None


def _tests_claim(
    folded: str,
    body: str,
    noun: re.Match[str] | None,
    count: re.Match[str] | None,
    clause: _Clause,
    memo: dict[tuple[str, int], Any],
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
    if _TEST_FAIL_WORDS.search(body) or _sentence_has(memo, "test failure", _TEST_FAIL_WORDS, folded, clause):
        return False  # "12 passed, 2 failed": a failure anywhere in the sentence undoes the pass
    at = clause.start + anchor
    return _asserted(folded, clause, at) and not _modal_before(folded, clause, at)


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
        if s_end - s_start > _MAX_COURTESY or not _COURTESY.match(folded[s_start:s_end]):
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
        if s_end - s_start > _MAX_COURTESY:
            return False
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
    for event in reversed(events_by_kind(trajectory)["message"]):  # an exit record is a message: the others skipped
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
    """Whether a message speaks of something having gone wrong ("error", "unable", "already", "not found", …): read
    in its first and last MAX_REPORT_CHARS characters, where a report says so, so a huge message is not copied."""
    if len(text) > 2 * MAX_REPORT_CHARS:
        return acknowledges_failure(text[:MAX_REPORT_CHARS]) or acknowledges_failure(text[-MAX_REPORT_CHARS:])
    return bool(_ACKNOWLEDGES_FAILURE.search(" " + _fold(text)))


_PRIOR_STATE = regex(r"\b(?:already|previously|earlier|before)\b", re.I)


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
        said: set[tuple[str, str | None, str | None, str]] = set()  # saying the same thing twice is one claim
        for event in final_report(trajectory):
            for claim in extract_claims(_message_text(event), event):
                key = (claim.type, claim.action, claim.target, claim.text)
                if key not in said and not announces_ending(claim.text):
                    said.add(key)
                    claims.append(claim)
    return tuple(claims)


def claims_success(trajectory: Trajectory) -> bool:
    """Whether the agent's final report claims success of the task or of any action."""
    return bool(report_claims(trajectory))
