"""Making untrusted log text safe to print: no terminal control sequences, no bidi tricks, one line, bounded length.

Rich markup is never parsed from log text (the text formatter builds `rich.text.Text` objects), so escaping markup
is not needed there; this module removes what would act on the terminal itself.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC starts terminal sequences; C1 CSI does too), DEL, and Unicode bidi overrides/isolates,
# which can make a line display differently from what it contains.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def clean(text: str) -> str:
    """Text with control characters shown as '�' and nothing that could drive the terminal."""
    return _UNSAFE.sub("\ufffd", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Clean text folded onto one line (newlines as ' ⏎ ', tabs as spaces), shortened with '…' past limit."""
    folded = _NEWLINES.sub(" ⏎ ", clean(text).replace("\t", " ")).strip()
    if limit is not None and len(folded) > limit:
        return folded[: max(0, limit - 1)] + "…"
    return folded
