"""Find input files and stream their lines, keeping file and line number; never raise on bad bytes.

A bad line (invalid JSON, invalid UTF-8, a gzip stream that ends early, an unreadable file) becomes a `Malformed`
value in the stream instead of an exception, so every other line is still read.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

import orjson

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
# Whole-document logs of other tools (tau-bench results, SWE-agent .traj, Inspect logs): picked up in directories
# too, but skipped there (not rejected) when no importer recognises them, since folders hold other JSON as well.
DOCUMENT_SUFFIXES = (".json", ".json.gz", ".traj", ".eval")
STDIN = "-"
HEAD_BYTES = 64 * 1024
READ_BUFFER = 1 << 20  # line iteration over a 8 KiB buffer costs ~2x the system calls and copies of 1 MiB


@dataclass(frozen=True, slots=True)
class Malformed:
    """Input that could not be read as a JSON event: where, what went wrong, and which rule reports it."""

    file: str
    line: int | None
    message: str
    code: str = "TA001"
    unreadable: bool = False  # the whole source could not be read: exit code 2, not a finding about content


class InputError(Exception):
    """A path that cannot be used at all (missing, not a log): a usage error, exit code 2."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path or standard input. `name` is what findings print."""

    name: str
    path: Path | None  # None for stdin
    optional: bool = False  # found in a directory with a non-log suffix: skip quietly if no format matches

    def open(self) -> BinaryIO:
        if self.path is None:
            return _stdin()
        raw = open(self.path, "rb", buffering=READ_BUFFER)
        if self.name.endswith(".gz"):
            return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
        return raw

    def head(self) -> bytes:
        """The first bytes (decompressed), for format detection; stdin is buffered so it can still be read whole."""
        try:
            with self.open() as stream:
                if hasattr(stream, "peek") and self.path is None:
                    return stream.peek(HEAD_BYTES)[:HEAD_BYTES]
                return stream.read(HEAD_BYTES)
        except (OSError, EOFError, zlib.error):
            return b""


_STDIN_BUFFER: io.BufferedReader | None = None


def _stdin() -> BinaryIO:
    global _STDIN_BUFFER
    if _STDIN_BUFFER is None:
        _STDIN_BUFFER = io.BufferedReader(sys.stdin.buffer, buffer_size=HEAD_BYTES * 2)  # type: ignore[arg-type]
    return _NonClosing(_STDIN_BUFFER)  # type: ignore[return-value]


class _NonClosing(io.BufferedReader):
    """Lets `with source.open()` close a view of stdin without closing stdin itself."""

    def __init__(self, inner: io.BufferedReader) -> None:  # noqa: D107 - wrapper
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def __iter__(self):
        return iter(self._inner)

    def read(self, size: int | None = -1) -> bytes:
        return self._inner.read(size)

    def peek(self, size: int = 0) -> bytes:
        return self._inner.peek(size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._inner.readline(size)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


# What breaks a whole stream rather than one line: a gzip that ends early or is corrupt, or a read error.
STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def stream_failure(name: str, next_line: int | None, exc: BaseException) -> Malformed:
    """The finding for a stream that broke off: where it stopped and why (an unreadable file is exit code 2)."""
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile):
        return Malformed(name, None, f"cannot read: {exc.strerror or exc}", unreadable=True)
    return Malformed(name, next_line, f"compressed stream ends early or is corrupt: {exc}")


def discover(paths: Iterable[str]) -> Iterator[Source]:
    """Expand paths into sources: files as given, directories recursively (sorted, log suffixes only), '-' = stdin."""
    for raw in paths:
        if raw == STDIN:
            yield Source(STDIN, None)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.name.endswith(SUFFIXES + DOCUMENT_SUFFIXES) and p.is_file())
            for p in found:
                yield Source(str(p), p, optional=not p.name.endswith(SUFFIXES))
        elif path.is_file():
            yield Source(raw, path)
        elif not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        else:
            raise InputError(f"{raw}: not a regular file or directory")


def iter_json(source: Source, index: int = 0, count: int = 1) -> Iterator[tuple[int, object] | Malformed]:
    """Parsed JSON values per line; a line that is not valid JSON (or UTF-8) becomes Malformed.

    With `count` > 1, only every `count`-th line (from line `index + 1`) is parsed: one parallel worker's share; the
    other lines are skipped unread, and a broken stream is reported by worker 0 only. The hot loop of every native
    audit, so line splitting and parsing share one generator."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    name = source.name
    number = 0
    try:
        with source.open() as stream:
            for number, raw in enumerate(stream, 1):
                if count > 1 and number % count != index:
                    continue
                try:
                    yield number, loads(raw)
                except decode_error:
                    if raw.strip():  # orjson rejects blank lines too; those are simply skipped
                        yield Malformed(name, number, line_error(raw.rstrip(b"\r\n")))
    except STREAM_ERRORS as exc:
        if index == 0:  # every worker meets the same broken stream; one reports it
            yield stream_failure(name, number + 1, exc)


def line_error(raw: bytes) -> str:
    """The parse error of a line without its newline, so positions read as the user counts them."""
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return describe_json_error(exc, raw)
    return "invalid JSON"


def describe_json_error(exc: orjson.JSONDecodeError, raw: bytes) -> str:
    msg = str(exc)
    if "utf-8" in msg.lower() or "surrogates" in msg.lower():
        return f"invalid UTF-8: {msg}"
    if exc.pos is not None and exc.pos >= len(raw.rstrip()) - 1:
        return f"invalid JSON (line ends early, truncated?): {msg}"
    return f"invalid JSON: {msg}"


def read_document(source: Source) -> object | Malformed:
    """A whole-file JSON document (tau2 results, .traj), parsed from one buffer that is released right after."""
    try:
        with source.open() as stream:
            data = stream.read()
    except STREAM_ERRORS as exc:
        return stream_failure(source.name, None, exc)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data.count(b"\n", 0, exc.pos or 0) + 1
        return Malformed(source.name, line, describe_json_error(exc, data))


def file_size(source: Source) -> int:
    try:
        return os.path.getsize(source.path) if source.path else 0
    except OSError:
        return 0
