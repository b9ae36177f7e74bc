"""Lazy patterns: compiled on first use, or all at once before a run forks its workers (`lazy.compile_all`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trajaudit import evidence, failure, lazy


def test_a_pattern_compiles_on_first_use_only(monkeypatch):
    pattern = lazy.regex(r"\bfailed\b", re.I)
    compiled: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, f=0: compiled.append(p) or real(p, f))
    assert compiled == []
    assert pattern.search("Build FAILED") is not None
    assert pattern.search("passed") is None
    assert compiled == [r"\bfailed\b"]


def test_compile_all_leaves_nothing_for_a_forked_worker_to_compile(monkeypatch):
    pattern = lazy.regex(r"exit code (\d+)")
    lazy.compile_all()
    assert lazy._UNCOMPILED == []

    def refuse(*args: object) -> None:
        raise AssertionError("compiled again after compile_all")

    monkeypatch.setattr(re, "compile", refuse)
    match = pattern.search("exit code 2")
    assert match is not None and match.group(1) == "2"
    assert pattern.pattern == r"exit code (\d+)"


def test_special_method_probes_do_not_compile():
    pattern = lazy.regex(r"x")
    with pytest.raises(AttributeError):
        pattern.__deepcopy__  # noqa: B018  # copy and pickle probe for these
    assert "_compiled" not in vars(pattern)


# --------------------------------------------------------------------------------------------------------------
# `lookahead=True`: the pattern behind a lookahead of its possible first characters, read off the parsed pattern.

@pytest.mark.parametrize(
    ("pattern", "flags", "starts"),
    [
        (r"\bsed\s|\bgit\s+apply", 0, "gs"),  # zero-width \b skipped, branches united
        (r"(?:>>?|\btee\s)x", 0, ">t"),  # a group's branches
        (r"^(?<!\w)(?=a)ab", 0, "a"),  # anchors and lookarounds take no character
        (r"(ab)+c", 0, "a"),  # a repeat that must happen once starts with its body
        (r"[a-c_]x", 0, "_abc"),  # a set, a range
        (r"\]|\\|-|\^", 0, "-\\]^"),  # characters a set has to escape
        (r"\bfailed\b", re.I, "f"),  # under IGNORECASE the lookahead folds case as the pattern does
        (r"a?b", 0, None),  # may start with the b
        (r"x*", 0, None),  # may be empty
        (r"\w+", 0, None),  # a category: any word character
        (r"[^a]b", 0, None),  # a negated set
        (r".b", 0, None),
        (r"(?i:ab)|c", 0, None),  # flags changed inside: the set would be read without them
        (r"(?i)ab", 0, None),  # global inline flags
        (r"\b", 0, None),  # only zero-width
        (r"", 0, None),
        (r"[", 0, None),  # not a pattern: re.compile reports it, not this
    ],
)
def test_first_characters_are_read_off_the_pattern(pattern, flags, starts):
    assert lazy.first_characters(pattern, flags) == starts


def test_a_lookahead_pattern_is_compiled_behind_its_first_characters():
    pattern = lazy.regex(r"\bsed\s+-i", re.I, lookahead=True)
    assert pattern.search("cat x; SED -i s/a/b/ f") is not None
    assert pattern.pattern == r"\bsed\s+-i"  # as written: patterns are built from others' `pattern`
    # on this Python the lookahead is in place: a future `re` whose internals differ would get the plain pattern,
    # correct but slow, and this says so
    assert lazy._with_lookahead(r"\bsed\s+-i", re.I) is not None
    assert pattern.resolve().pattern is None  # compiled from the parsed tree, not from a string
    plain = lazy.regex(r"\w+b", lookahead=True).resolve()
    assert plain.pattern == r"\w+b"  # nothing to look ahead for: compiled as written


def test_the_lookahead_folds_case_as_the_pattern_does_for_every_character():
    """Every character up to U+2FFF after `\b` and before `x`, against each ASCII letter and digit: the characters
    IGNORECASE takes for a letter (ſ for s, the Kelvin sign for k, ı and İ for i, …) pass the lookahead exactly when
    they match the pattern."""
    for flags in (re.IGNORECASE, 0):
        for letter in "abcdefghijklmnopqrstuvwxyz0123456789":
            ahead = lazy._with_lookahead(rf"\b{letter}x", flags)
            plain = re.compile(rf"\b{letter}x", flags)
            assert ahead is not None
            mismatched = [
                hex(code) for code in range(0x3000)
                if bool(ahead.match(chr(code) + "x")) != bool(plain.match(chr(code) + "x"))
            ]
            assert mismatched == [], (letter, flags)


_LOOKAHEAD_PATTERNS = [p for p in lazy._UNCOMPILED if p._lookahead] + [
    lazy.LazyPattern(r"\b(?:cancel+ed|x)\b|>\s*\w", re.I, lookahead=True),
    lazy.LazyPattern(r"(?:ab|a)c|[k-m]z", re.I, lookahead=True),
]
# the letters of the patterns and their case-folding relatives (ſ is s, K the Kelvin sign k, ı and İ i), with
# spaces, word and non-word characters around them
_ALPHABET = "abcdefgiklmnoprstuvxyz ABCDEFGIKLMNOPRSTUX-_./>|;&'\"\n\t0123ſKıİé"


_SEARCHED_THROUGH_LONG_TEXTS = [
    *evidence._COMPILED_COMMANDS.values(), evidence._TEST_COMMAND, evidence._SHELL_EDIT, evidence._DESTRUCTIVE_COMMAND,
    evidence._CONFIRMED_STATE, evidence._WRITTEN_PATH, evidence._RM_TARGETS, evidence._RM, failure._HTTP_TEXT,
]


@pytest.mark.parametrize("pattern", _SEARCHED_THROUGH_LONG_TEXTS, ids=lambda p: p.pattern[:30])
def test_the_patterns_searched_through_long_texts_get_their_lookahead(pattern):
    # asked for, and not a no-op: their first characters can be read off (a pattern edited into one that opens with
    # a category would silently lose the speed-up)
    assert pattern._lookahead
    assert lazy.first_characters(pattern.pattern, pattern._flags)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80), st.data())
def test_a_lookahead_finds_exactly_what_the_pattern_finds(text, data):
    for lazy_pattern in _LOOKAHEAD_PATTERNS + list(evidence._COMPILED_COMMANDS.values()):
        plain = re.compile(lazy_pattern.pattern, lazy_pattern._flags)
        ahead = lazy._with_lookahead(lazy_pattern.pattern, lazy_pattern._flags) or plain
        # words the pattern looks for, put into the text so that matches are common
        words = re.findall(r"[a-z]{2,}", lazy_pattern.pattern)
        probe = text
        if words:
            word = data.draw(st.sampled_from(words))
            at = data.draw(st.integers(0, len(text)))
            probe = text[:at] + data.draw(st.sampled_from([word, word.upper(), word.title()])) + " " + text[at:]
        assert [m.span() for m in ahead.finditer(probe)] == [m.span() for m in plain.finditer(probe)]
        assert [m.groups() for m in ahead.finditer(probe)] == [m.groups() for m in plain.finditer(probe)]
        found, expected = ahead.match(probe), plain.match(probe)
        assert (found and found.span()) == (expected and expected.span())
