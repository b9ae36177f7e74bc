"""Imports and regular expressions made on first use, so that start-up pays only for what a command uses.

numpy is about 40 ms of start-up and most logs carry no confidence data: the rules and the text view that compute
with confidences reach it through `np`. The claim reader, the failure judge and the evidence matcher hold about 150
patterns, 30-40 ms to compile, which `trajaudit --version` or a log without messages never needs: `regex` compiles
each one when it is first used.

A run cut into parts for worker processes compiles every pattern first (`compile_all`), in the parent: forked workers
then share the one copy, where each would otherwise compile its own, and the merge a third. numpy stays imported on
first use in each process: 350 M instructions, it would lengthen the serial start of every cut run for logs that
mostly do not need it (bench/README.md, "warm before fork").
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

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
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
            compiled = self._compiled = re.compile(self.pattern, self._flags)
        return compiled

    def __repr__(self) -> str:
        return f"regex({self.pattern!r}, {self._flags})"


def regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on first use (see LazyPattern)."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags))


def compile_all() -> None:
    """Compile every lazy pattern made so far (see the module's docstring)."""
    while _UNCOMPILED:
        _UNCOMPILED.pop().resolve()
