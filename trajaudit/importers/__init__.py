"""Importers: one module per foreign log format, each turning its source into native trajaudit events.

A module exports `NAME` (the `--from` value), `DESCRIPTION` (what it expects, for error messages),
`sniff(source, head) -> bool` and `convert(source) -> Iterator[(line | None, event) | Malformed]`.
`FORMATS` is the one registry; `detect` tries each `sniff` in that order, so native comes first.
"""

from __future__ import annotations

from types import ModuleType
from typing import Iterator

from trajaudit.importers import (
    atif,
    claude_code,
    codex,
    deepconf,
    inspect,
    mini_swe_agent,
    native,
    openai,
    otel,
    swe_agent,
    tau2,
    tau_bench,
)
from trajaudit.importers._common import first_json_value
from trajaudit.reader import SUFFIXES as JSONL_SUFFIXES
from trajaudit.reader import Malformed, Source

# Order matters only for sniffing: native first, then line-based formats, then whole-document formats.
FORMATS: tuple[ModuleType, ...] = (
    native,
    openai,
    claude_code,
    codex,
    tau_bench,
    atif,
    tau2,
    mini_swe_agent,
    swe_agent,
    otel,
    inspect,
    deepconf,
)

AUTO = "auto"


class FormatError(Exception):
    """An input whose format is unknown or not recognised: a usage error (exit code 2), never a traceback."""


def names() -> tuple[str, ...]:
    """The `--from` values, in registry order (without "auto")."""
    return tuple(module.NAME for module in FORMATS)


def by_name(name: str) -> ModuleType:
    """The importer called `name`; an unknown name is a FormatError listing the known ones."""
    for module in FORMATS:
        if module.NAME == name:
            return module
    raise FormatError(f"unknown input format {name!r} (expected {AUTO} or one of: {', '.join(names())})")


def detect(source: Source) -> ModuleType:
    """The first importer whose `sniff` accepts the source's head. An empty (or unreadable) head is native, so the
    reader reports the file itself; anything else unrecognised is a FormatError naming every format tried."""
    head = source.head()
    if not head.strip() or (source.name.endswith(JSONL_SUFFIXES) and first_json_value(head) is None):
        # Nothing recognisable to go on (empty, or no parseable line in a .jsonl): read it as native, so the reader
        # reports each broken line with its number instead of rejecting the whole file.
        return native
    for module in FORMATS:
        if module.sniff(source, head):
            return module
    # Names only: this message repeats per file; `--from X` on the file explains what X expects.
    tried = ", ".join(module.NAME for module in FORMATS)
    raise FormatError(f"{source.name}: unrecognised input format (tried {tried}); name it with --from FORMAT")


def open_events(
    source: Source, fmt: str = AUTO
) -> tuple[str, Iterator[tuple[int | None, dict] | Malformed]]:
    """The chosen format's name and the source's native event stream. A file that is not what `fmt` says yields a
    Malformed naming the file and what was expected; an unknown name or unrecognised file raises FormatError.
    A source found unreadable while walking a directory is one Malformed (unreadable); one left out on purpose (a
    symbolic link to a directory) raises FormatError with its note."""
    if source.problem is not None:
        return native.NAME, iter([Malformed(source.name, None, source.problem, unreadable=True)])
    if source.note is not None:
        raise FormatError(f"{source.name}: {source.note}")
    module = detect(source) if fmt == AUTO else by_name(fmt)
    return module.NAME, module.convert(source)
