"""Making untrusted log text safe to print: no terminal control sequences, no bidi tricks, one line, bounded length.

Rich markup is never parsed from log text (the text formatter builds `rich.text.Text` objects), so escaping markup
is not needed there; this module removes what would act on the terminal itself.

File names that are not valid UTF-8 reach us as Python keeps them (os.fsdecode: each such byte as a lone surrogate
U+DC80..U+DCFF), which no UTF-8 writer accepts. Every format shows such a byte the same way, as `\\xff`
(`encodable`); any other lone surrogate as `\\ud83d`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from trajaudit.lazy import regex  # the human views' patterns: a machine format compiles none of them

# C0 and C1 controls (ESC starts terminal sequences; C1 CSI does too), DEL, and Unicode bidi overrides/isolates,
# which can make a line display differently from what it contains.
_UNSAFE = regex("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_LINE_BREAKS = regex("[\r\n\u2028\u2029]+")
_SURROGATE = regex("[\ud800-\udfff]")
# A zero-width joiner with no character on one side joins nothing. Rich (15.0) measures a text that opens with one in
# two ways that disagree, and cutting it to a width then fails (IndexError): a tool named so ended the text view.
_LONE_JOINER = regex("(?<!\\S)\u200d+|\u200d+(?!\\S)")


def _surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # one byte of a name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def encodable(text: str) -> str:
    """`text` with lone surrogates written out (`\\xff` for a byte of a non-UTF-8 file name), so it encodes."""
    return _SURROGATE.sub(_surrogate, text)


def clean(text: str) -> str:
    """Text with control characters shown as '�', nothing that could drive the terminal, and no joiner that joins
    nothing."""
    text = _UNSAFE.sub("\ufffd", encodable(text))
    return _LONE_JOINER.sub("", text) if "\u200d" in text else text


def one_line(text: str, limit: int | None = None) -> str:
    """Clean text folded onto one line (newlines as ' ⏎ ', tabs as spaces), shortened with '…' past limit."""
    if limit is not None and len(text) > HEAD_FACTOR * limit + HEAD_MARGIN:
        # A long text (a tool's whole output under a step of the text view) is folded from its head only: every
        # substitution here acts on a character or a run of whitespace, so the fold of a head is a prefix of the
        # fold of the whole, and past `limit` it is all that is shown (tests/test_hostile_output.py compares them)
        head = _folded(text[: HEAD_FACTOR * limit + HEAD_MARGIN])
        if len(head) > limit:
            return head[: max(0, limit - 1)] + "…"
    folded = _folded(text)
    if limit is not None and len(folded) > limit:
        return folded[: max(0, limit - 1)] + "…"
    return folded


HEAD_FACTOR, HEAD_MARGIN = 4, 64  # how much of a long text `one_line` folds first, for `limit` characters shown


# Every character any step of `_folded` acts on (controls, tab and line breaks among them): a text with none is only
# stripped, found in one scan instead of four.
_FOLDED_AWAY = regex(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029\u200d\ud800-\udfff]"
)


def _folded(text: str) -> str:
    if _FOLDED_AWAY.search(text) is None:
        return text.strip()
    return _joined_lines(clean(text).replace("\t", " ")).strip()


def _joined_lines(text: str) -> str:
    """Each run of white space that holds a line break as ' ⏎ '. Split at the breaks rather than matched as
    `\\s*[\\r\\n\\u2028\\u2029]+\\s*`: a pattern that opens with `\\s*` is tried at every character, and code
    indented by spaces made that over half of the text view's folding. The white space around a break belongs to its run
    (`strip` and `\\s` agree on what white space is), and a line holding only white space joins two runs into one."""
    lines = _LINE_BREAKS.split(text)
    if len(lines) == 1:
        return text
    inner = [line.strip() for line in lines[1:-1]]
    return " ⏎ ".join([lines[0].rstrip(), *[line for line in inner if line], lines[-1].lstrip()])


# What orjson writes raw but a consumer may not take raw: DEL and C1 controls, U+2028/U+2029 (line breaks to
# `str.splitlines` and to JavaScript before ES2019), and `##[`, which GitHub Actions reads as a (legacy) workflow
# command anywhere in a printed line. All appear only inside JSON strings, where the escapes mean the same.
_RAW_JSON = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|##\[")


def _json_escape(match: re.Match[bytes]) -> bytes:
    raw = match.group()
    if raw == b"##[":
        return b"#\\u0023["
    return b"\\u%04x" % ord(raw.decode("utf-8"))


def dumps(data: Any, option: int = 0) -> bytes:
    """orjson.dumps for reports: strings with lone surrogates written out (see `encodable`) instead of failing,
    and nothing a line-splitting consumer or a CI log would misread."""
    try:
        raw = orjson.dumps(data, option=option)
    except orjson.JSONEncodeError:  # a lone surrogate somewhere (a non-UTF-8 file name): rare, so found lazily
        raw = orjson.dumps(_encodable_data(data), option=option)
    if raw.isascii() and b"\x7f" not in raw and (b"#" not in raw or b"##[" not in raw):  # the usual case, fast
        return raw
    return _RAW_JSON.sub(_json_escape, raw)


def _encodable_data(value: Any) -> Any:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {_encodable_data(k): _encodable_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encodable_data(v) for v in value]
    return value
