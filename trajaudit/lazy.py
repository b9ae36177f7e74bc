"""Imports and regular expressions made on first use, so that start-up pays only for what a command uses.

numpy is about 40 ms of start-up and most logs carry no confidence data: the rules and the text view that compute
with confidences reach it through `np`. The claim reader, the failure judge and the evidence matcher hold about 150
patterns, 30-40 ms to compile, which `trajaudit --version` or a log without messages never needs: `regex` compiles
each one when it is first used.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, cast


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

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # copy, pickle and friends probing for special methods
            raise AttributeError(attribute)
        value = getattr(re.compile(self.pattern, self._flags), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"regex({self.pattern!r}, {self._flags})"


def regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on first use (see LazyPattern)."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags))
