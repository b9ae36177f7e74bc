"""Imports and regular expressions made on first use, so that start-up pays only for what a command uses.

numpy is about 40 ms of start-up and most logs carry no confidence data: the rules and the text view that compute
with confidences reach it through `np`. The claim reader, the failure judge and the evidence matcher hold about 150
patterns, 30-40 ms to compile, which `trajaudit --version` or a log without messages never needs: `regex` compiles
each one when it is first used.

A run cut into parts for worker processes compiles every pattern first (`compile_all`), in the parent: forked workers
then share the one copy, where each would otherwise compile its own, and the merge a third. numpy stays imported on
first use in each process: 350 M instructions, it would lengthen the serial start of every cut run for logs that
mostly do not need it (bench/README.md, "warm before fork").

A pattern searched through long texts (shell commands, tool output) may ask for a `lookahead`: it is compiled behind
a lookahead of the characters its matches can start with, `(?=[…])(?:pattern)`. re skips to the possible start
characters by itself only for a pattern that opens with a literal or a character set; one that opens with `\b`, or
whose letters ignore case, is tried alternative by alternative at every position of the text, and `\b` costs a
Unicode lookup of the characters on either side each time. The characters are read off the parsed pattern
(`first_characters`), not written by hand, so the lookahead is exact: it only rejects positions where the pattern
cannot match, and it is checked under the pattern's own flags (the same case folding). Where they cannot be read off
(a match that may be empty, or open with any character of a category), the pattern is compiled as it is.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, cast

_UNCOMPILED: list[LazyPattern] = []  # made, perhaps not yet used: what `compile_all` compiles


class LazyModule:
    """A module imported when one of its attributes is first read; each attribute is then kept on this object, so
    later reads cost a plain attribute lookup."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self._name), attribute)
        setattr(self, attribute, value)
        return value


np: Any = LazyModule("numpy")


class LazyPattern:
    """A regular expression compiled when one of its methods is first read. The compiled pattern's bound method is
    then kept on this object, so a call costs what a call on the compiled pattern does (no Python frame in
    between). `pattern` is there without compiling, for patterns built from other patterns."""

    def __init__(self, pattern: str, flags: int = 0, lookahead: bool = False) -> None:
        self.pattern = pattern
        self._flags = flags
        self._lookahead = lookahead
        _UNCOMPILED.append(self)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # copy, pickle and friends probing for special methods
            raise AttributeError(attribute)
        value = getattr(self.resolve(), attribute)
        setattr(self, attribute, value)
        return value

    def resolve(self) -> re.Pattern[str]:
        compiled: re.Pattern[str] | None = self.__dict__.get("_compiled")
        if compiled is None:
            if self._lookahead:
                compiled = _with_lookahead(self.pattern, self._flags)
            compiled = self._compiled = compiled or re.compile(self.pattern, self._flags)
        return compiled

    def __repr__(self) -> str:
        return f"regex({self.pattern!r}, {self._flags})"


def regex(pattern: str, flags: int = 0, lookahead: bool = False) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on first use (see LazyPattern); with `lookahead`, behind a lookahead of
    the characters a match can start with (see the module docstring)."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags, lookahead))


MAX_STARTS = 64  # more possible start characters than this screen too little to be worth a lookahead


def first_characters(pattern: str, flags: int = 0) -> str | None:
    """The characters every match of `pattern` starts with, in order, or None when they cannot be told: a match that
    may be empty or may start with any character of a category, a pattern re cannot parse, a Python whose `re`
    internals differ."""
    found = _parsed_starts(pattern, flags)
    return None if found is None else "".join(sorted(found[1]))


def _with_lookahead(pattern: str, flags: int) -> re.Pattern[str] | None:
    """`pattern` compiled as `(?=[…])(?:pattern)` would be, without reading it a second time: the lookahead is put in
    front of the parsed pattern, which re's own compiler then compiles. None where the start characters cannot be told
    (or re's internals differ)."""
    flags = int(flags)  # as re.compile does: RegexFlag's `&`, which the compiler uses throughout, is Python code
    found = _parsed_starts(pattern, flags)
    if found is None:
        return None
    parsed, starts = found
    try:
        c, parser, compiler = (importlib.import_module(f"re.{name}") for name in ("_constants", "_parser", "_compiler"))
        test = parser.SubPattern(parsed.state, [(c.IN, [(c.LITERAL, ord(char)) for char in sorted(starts)])])
        parsed.data.insert(0, (c.ASSERT, (1, test)))  # (?=[…]): direction 1, ahead; no width, no group
        return compiler.compile(parsed, flags)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - an internal API: any surprise means no lookahead, never a wrong one
        return None


def _parsed_starts(pattern: str, flags: int) -> tuple[Any, set[str]] | None:
    try:
        # the parser re.compile itself uses: the pattern read as re reads it
        c, parser = importlib.import_module("re._constants"), importlib.import_module("re._parser")
        parsed = parser.parse(pattern, int(flags))
        if (parsed.state.flags ^ flags) & (re.IGNORECASE | re.VERBOSE | re.ASCII):
            return None  # inline global flags: a lookahead compiled with `flags` would read its set otherwise
        starts = _starts(list(parsed.data), c)
    except Exception:  # noqa: BLE001 - an internal API: any surprise means no lookahead, never a wrong one
        return None
    if not starts or len(starts) > MAX_STARTS:
        return None
    return parsed, starts


def _starts(items: list[Any], c: Any) -> set[str] | None:
    """The characters the sequence of parsed items starts with, skipping zero-width assertions; None if unknown."""
    for op, argument in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width: the next item consumes the first character
            continue
        if op is c.LITERAL:
            return {chr(argument)}
        if op is c.IN:
            return _set_starts(argument, c)
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, inner = argument
            return None if add_flags or del_flags else _starts(list(inner.data), c)
        if op is c.BRANCH:
            found: set[str] = set()
            for alternative in argument[1]:
                starts = _starts(list(alternative.data), c)
                if starts is None:
                    return None
                found |= starts
            return found
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            least, _most, inner = argument
            return _starts(list(inner.data), c) if least >= 1 else None
        return None  # any character, a category, a back reference, ...
    return None  # only zero-width items: the match may be empty


def _set_starts(members: list[Any], c: Any) -> set[str] | None:
    found: set[str] = set()
    for op, argument in members:
        if op is c.LITERAL:
            found.add(chr(argument))
        elif op is c.RANGE and argument[1] - argument[0] < MAX_STARTS:
            found.update(map(chr, range(argument[0], argument[1] + 1)))
        else:  # a negated set, a category, a wide range
            return None
    return found


def compile_all() -> None:
    """Compile every lazy pattern made so far (see the module's docstring)."""
    while _UNCOMPILED:
        _UNCOMPILED.pop().resolve()
