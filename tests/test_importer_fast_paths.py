"""Fast paths of the SWE-agent and mini-swe-agent importers find exactly what the plain regexes find, on any text.
The exit-code search starts only near an anchor word instead of at every character (ASCII or not, any case)."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from trajaudit.importers.swe_agent import EXIT_ANCHORS, EXIT_CODE, exit_code_match, observation_failure


def same(text: str) -> None:
    fast, plain = exit_code_match(text), EXIT_CODE.search(text)
    assert (fast and (fast.span(), fast.group(1))) == (plain and (plain.span(), plain.group(1))), repr(text)


PIECES = [
    "exit code", "Exit Code", "EXITED WITH CODE", "exited with code", "returncode", "return code", "Return Code",
    "exit status", "EXIT STATUS", "exit ſtatus", "ExIt StAtUs", "exited with", "code", "status", "cOde", "stat",
    ": ", "=", " ", ":= ", "-", "1", "0", "-2", "137", "\n", "x", "é", "\u0130", "ß", "K", "ſ", "\u212a", "\x00",
    "\ud800", "exit", "return", "exited with  code", "exit  code",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_same_as_plain_regex_on_pieces(pieces: list[str]) -> None:
    same("".join(pieces))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200), st.sampled_from(PIECES), st.text(max_size=50))
def test_same_as_plain_regex_on_any_text(before: str, piece: str, after: str) -> None:
    same(before + piece + after)
    same(before + piece + ": 3" + after)


def test_edge_cases() -> None:
    for text in [
        "", "code", "exit code: 1", "x" * 11 + "exit status 2", "exited with code 0 then exit code 3",
        "Exit Code=-1", "exit ſtatus 4", "EXIT CODE: 5 é", "return code 1", "returncode=7", "exited with code",
        "code 1 exited with code 9", "status exit status 8", "exit code\n1", "exIt cOdE:::   12",
    ]:
        same(text)
    assert exit_code_match("exit ſtatus 4") is not None  # re.I folds ſ to s: the non-ASCII path must see it
    assert observation_failure("ok\nexited with code 2\n")[:2] == (True, 2)


def test_only_one_non_ascii_character_folds_to_an_anchor_letter() -> None:
    """Why the search may look for anchors in the text's ASCII bytes (every other character as "?") and leave only
    texts holding ſ to the plain regex: ſ is the one non-ASCII character re.I equates with a letter of an anchor."""
    import re

    every_char = "".join(map(chr, range(sys.maxunicode + 1)))
    letters = "".join(sorted(set(b"".join(EXIT_ANCHORS).decode())))
    found = {m.group() for m in re.finditer(f"[{letters}]", every_char, re.I)}
    assert found == set(letters) | set(letters.upper()) | {"\u017f"}
    for text in ("\u0130 exit code 3", "exit \u017ftatus 4 \u0130", "\u0130" * 20 + "EXIT CODE: 1", "\u212a code 1"):
        same(text)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["<output>", "</output>", "\n", "x", "<output", "output>", "\r", "é"]), max_size=10))
def test_mini_swe_agent_output_same_as_regex(pieces: list[str]) -> None:
    from trajaudit.importers.mini_swe_agent import OUTPUT, output_of

    text = "".join(pieces)
    found = OUTPUT.search(text)
    assert output_of(text) == (found.group(1) if found else text), repr(text)
