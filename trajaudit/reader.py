"""Find input files and stream their lines, keeping file and line number; never raise on bad bytes.

A bad line (invalid JSON, invalid UTF-8, a gzip stream that ends early, an unreadable file) becomes a `Malformed`
value in the stream instead of an exception, so every other line is still read. So does a line or document over its
size limit (`Limits`), which is skipped in bounded chunks: no input makes the reader hold more than the limit.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import zlib
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Iterator, Mapping, final, overload

import orjson

from trajaudit.model import Limits
from trajaudit.records import dataclass

if TYPE_CHECKING:
    from trajaudit.store import Remote

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
# Whole-document logs of other tools (tau-bench results, SWE-agent .traj, Inspect logs): picked up in directories
# too, but skipped there (not rejected) when no importer recognises them, since folders hold other JSON as well.
DOCUMENT_SUFFIXES = (".json", ".json.gz", ".traj", ".eval")
STDIN = "-"
# names given to standard input (--stdin-filename): what a report must not look up on disk, since the file there (if
# any) is not what was read
STDIN_NAMES: set[str] = {STDIN}
# files found in an object store, by the name findings give them: what a report reads again (report.locate, the
# lines of JSON paths) is read from there, never from a local path of that name
REMOTE_NAMES: dict[str, Remote] = {}
HEAD_BYTES = 64 * 1024
READ_BUFFER = 1 << 20  # line iteration over a 8 KiB buffer costs ~2x the system calls and copies of 1 MiB
CHUNK = 1 << 20  # what is read at once where a line or document may be over its limit
DEFAULT_LIMITS = Limits()


@final  # so that `type(item) is Malformed` narrows for mypy
@dataclass(frozen=True, slots=True)
class Malformed:
    """Input that could not be read as a JSON event: where, what went wrong, and which rule reports it."""

    file: str
    line: int | None
    message: str
    code: str = "TA001"
    unreadable: bool = False  # the whole source could not be read: exit code 2, not a finding about content


@final  # so that `type(item) is Ended` narrows for mypy
@dataclass(frozen=True, slots=True)
class Ended:
    """In an importer's stream: run `trajectory` is complete, since the record that held it (an OpenAI chat line, a
    tau-bench result) has ended. The engine closes it there instead of at the end of the file, so memory holds only
    the runs genuinely open. `line`: where the record ended, if the source has lines."""

    trajectory: str
    line: int | None = None


@final
@dataclass(eq=False, slots=True)
class Span:
    """A byte range [start, end) of a plain file (end None: to its end) starting at a line start, whose first line is
    number `first` + 1 (one part of a parallel run; see parallel.plan). Once read, `lines` is how many lines it
    holds, so that a part numbered from 1 (`first` 0, its prefix not counted) can be renumbered by the merge."""

    start: int
    end: int | None
    first: int = 0
    lines: int = 0


class InputError(Exception):
    """A path that cannot be used at all (missing, not a log): a usage error, exit code 2."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path, an object in a store (`remote`), or standard input. `name` is what findings print.

    Every reader opens the input through `open` (decompressed) or `open_file` (as stored, seekable) and measures it
    with `size`, and finds the files a format keeps beside a log with `beside` and `files_in`, so a file in an object
    store is read as a local one is. `path` is set for local files only."""

    name: str
    path: Path | None  # None for stdin and for a file in an object store
    optional: bool = False  # found in a directory scan, not named: skipped with a note if no format matches
    limits: Limits = DEFAULT_LIMITS
    problem: str | None = None  # found but cannot be read at all (an unreadable directory): reported, exit code 2
    note: str | None = None  # found and left unread on purpose (a symlinked directory): said on stderr
    span: Span | None = None  # `iter_json` reads only the lines of this byte range (see parallel.plan)
    remote: Remote | None = None  # a file in an object store (see trajaudit.store)

    @property
    def stdin(self) -> bool:
        return self.path is None and self.remote is None

    def open(self) -> BinaryIO:
        if self.path is not None:
            raw = open(self.path, "rb", buffering=READ_BUFFER)
        elif self.remote is not None:
            raw = self.remote.open()
        else:
            return _stdin()
        if self.name.endswith(".gz"):
            return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
        return raw

    def open_file(self) -> BinaryIO:
        """The file's bytes as stored (not decompressed), seekable: for byte ranges and zip archives. Not for stdin."""
        if self.remote is not None:
            return self.remote.open_file()
        return open(self.path, "rb", buffering=READ_BUFFER)  # type: ignore[arg-type,return-value]

    def size(self) -> int:
        """The file's size in bytes as stored; 0 for stdin (see `stdin_bytes`) or a file that cannot be read."""
        if self.remote is not None:
            return self.remote.size
        try:
            return os.path.getsize(self.path) if self.path else 0
        except OSError:
            return 0

    def beside(self, relative: str, listed: Mapping[str, Source] | None = None) -> Source | None:
        """The file at `relative` (a POSIX path) from this file's folder, if it is there: on disk a regular file (a
        symbolic link out of its folder comes back with a `note`, unread), in a store an object (one request; with
        `listed`, looked up among the sources listed with this one, by name, without a request). None for stdin."""
        if self.remote is not None:
            from trajaudit import store

            return store.beside_source(self, relative, listed)
        if self.path is None:
            return None
        return _on_disk(Path(os.path.normpath(self.path.parent / relative)), self.limits)

    def files_in(self, relative: str = ".") -> list[Source] | None:
        """The files directly in the folder at `relative` from this file's folder, by name (as `beside` gives each);
        None when there is no such folder."""
        if self.remote is not None:
            from trajaudit import store

            return store.files_in(self, relative)
        if self.path is None:
            return None
        folder = Path(os.path.normpath(self.path.parent / relative))
        try:
            names = sorted(os.listdir(folder))
        except (OSError, ValueError):
            return None
        return [found for name in names if (found := _on_disk(folder / name, self.limits)) is not None]

    def head(self) -> bytes:
        """The first bytes (decompressed), for format detection: HEAD_BYTES, and in a JSONL file at least its first
        line (up to the line cap), because JSONL formats are told apart by their first record, and a chat
        conversation on one line is often longer than HEAD_BYTES. Standard input is read ahead only until its first
        line is complete JSON (or HEAD_BYTES, or its end), so a pipe that stays open is not waited on, and those
        bytes are read again by `open`."""
        try:
            if self.stdin:
                _stdin()
                assert _STDIN is not None
                return _STDIN.head()
            with self.open() as stream:
                head = stream.read(HEAD_BYTES)
                if len(head) == HEAD_BYTES and b"\n" not in head and self.name.endswith(SUFFIXES):
                    rest = stream.readline(max(0, self.limits.max_line_bytes - HEAD_BYTES))
                    head += rest
                    if rest.endswith(b"\n"):  # the first line is whole: what follows it, as for a short one
                        head += stream.read(HEAD_BYTES)
                return head
        except (OSError, EOFError, zlib.error):
            return b""


def _on_disk(path: Path, limits: Limits) -> Source | None:
    """A regular file found beside a log, as a source; a symbolic link that leads out of its folder is not read."""
    try:
        if not path.is_file():
            return None
        if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(path.parent)):
            return Source(str(path), path, limits=limits, note="a symbolic link out of its folder")
    except (OSError, ValueError):
        return None
    return Source(str(path), path, limits=limits)


class _Stdin(io.RawIOBase):
    """Standard input as a raw stream that first gives back the bytes that format detection read ahead.

    Over the raw file, so that a read returns what the pipe holds instead of waiting for a full buffer."""

    def __init__(self, raw: Any, ahead: bytes = b"") -> None:
        self._raw = raw
        # read1/readinto1 where the stream has them (a gzip reader): a plain read would wait for a full buffer
        self._read = getattr(raw, "read1", raw.read)
        self._readinto = getattr(raw, "readinto1", raw.readinto)
        self._ahead = ahead
        self.taken = len(ahead)  # bytes read from `raw` so far (`ahead` came from it)
        self._served = 0
        self._started = False
        self._head: bytes | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._started = True
        if self._served < len(self._ahead):
            n = min(len(buffer), len(self._ahead) - self._served)
            buffer[:n] = self._ahead[self._served : self._served + n]
            self._served += n
            return n
        n = self._readinto(buffer) or 0
        self.taken += n
        return n

    def head(self) -> bytes:
        if self._head is None:
            self._head = self._read_ahead()
        return self._head

    def _read_ahead(self) -> bytes:
        if self._started:  # already being read as a stream: nothing more can be looked at first
            return b""
        ahead = bytearray(self._ahead)
        end = _complete_first_line(ahead)
        while len(ahead) < HEAD_BYTES and not end:
            chunk = self._read(HEAD_BYTES - len(ahead))
            if not chunk:
                break
            self.taken += len(chunk)
            ahead += chunk
            end = _complete_first_line(ahead)
        self._ahead = bytes(ahead)
        return self._ahead[:end] if end else self._ahead


def _complete_first_line(data: bytearray) -> int:
    """Where the complete lines of `data` end, once its first non-blank line is complete JSON (line-based formats
    can then be told apart); 0 while more is needed (no complete line yet, or a document's first line such as `{`)."""
    start = 0
    while (end := data.find(b"\n", start)) >= 0:
        line = bytes(data[start:end])
        if line.strip():
            return data.rfind(b"\n") + 1 if parse_line(line) is not NOT_JSON else 0
        start = end + 1
    return 0


_STDIN: _Stdin | None = None
_STDIN_BUFFER: io.BufferedReader | None = None
_STDIN_PIPE: _Stdin | None = None  # the one over the pipe itself (under the gzip reader, for gzip on stdin)


def stdin_bytes() -> int:
    """The bytes read from standard input so far, as it arrived (compressed, for gzip): its size once read, which
    `Source.size` cannot tell before."""
    return _STDIN_PIPE.taken if _STDIN_PIPE is not None else 0


GZIP_MAGIC = b"\x1f\x8b"


def _stdin() -> BinaryIO:
    global _STDIN, _STDIN_BUFFER, _STDIN_PIPE
    if _STDIN_BUFFER is None:
        buffer = sys.stdin.buffer
        raw = getattr(buffer, "raw", buffer)
        # a pipe has no name to end in .gz: gzip is recognised by its first two bytes, which are then read again
        magic = b""
        while len(magic) < len(GZIP_MAGIC) and (chunk := raw.read(len(GZIP_MAGIC) - len(magic))):
            magic += chunk
        _STDIN_PIPE = _Stdin(raw, magic)
        _STDIN = _Stdin(gzip.GzipFile(fileobj=_STDIN_PIPE, mode="rb")) if magic == GZIP_MAGIC else _STDIN_PIPE
        _STDIN_BUFFER = io.BufferedReader(_STDIN, buffer_size=HEAD_BYTES * 2)
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


def open_named(name: str) -> BinaryIO:
    """The file that findings name `name`, decompressed if it is gzip: a local path, or a file listed in an object
    store (`REMOTE_NAMES`)."""
    remote = REMOTE_NAMES.get(name)
    return Source(name, None if remote else Path(name), remote=remote).open()


def stream_failure(name: str, next_line: int | None, exc: BaseException) -> Malformed:
    """The finding for a stream that broke off: where it stopped and why (an unreadable file is exit code 2)."""
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile):
        return Malformed(name, None, f"cannot read: {exc.strerror or exc}", unreadable=True)
    return Malformed(name, next_line, f"compressed stream ends early or is corrupt: {exc}")


def discover(paths: Iterable[str], stdin_name: str | None = None) -> Iterator[Source]:
    """Expand paths into sources: files as given, directories walked (sorted, log suffixes only), '-' = stdin,
    named `stdin_name` in findings and format detection when given (--stdin-filename).

    A directory is walked without recursion, so depth is no limit. Symbolic links to directories are not followed
    (as find and ripgrep do; a link could lead out of the tree or in a circle): one whose target lies outside every
    directory given becomes a Source with a `note`, so the run says what it left out. A subdirectory that cannot be
    read, or a log-named entry that cannot be (a dangling link), becomes a Source with a `problem`.

    A URI (`s3://bucket/prefix/`) is listed in the object store as a directory is walked (see trajaudit.store); a
    `file://` URI is the local path it names."""
    paths = [_local(raw) for raw in paths]
    roots = []
    for raw in paths:
        if raw != STDIN and not _is_uri(raw) and _is_dir(Path(raw), raw):
            roots.append(os.path.realpath(raw))
    for raw in paths:
        if raw == STDIN:
            if stdin_name:
                STDIN_NAMES.add(stdin_name)
            yield Source(stdin_name or STDIN, None)
            continue
        if _is_uri(raw):
            yield from _listed(raw)
            continue
        path = Path(raw)
        if _is_dir(path, raw):
            # in the order of their paths, compared part by part as pathlib does, without its ~2 µs a comparison
            yield from sorted(_walk(path, roots), key=lambda source: source.path.parts)  # type: ignore[union-attr]
        elif _stat(path, raw) is None:
            raise InputError(f"{raw}: no such file or directory")
        elif path.is_file():
            yield Source(raw, path)
        else:
            raise InputError(f"{raw}: not a regular file or directory")


def _local(raw: str) -> str:
    if "://" not in raw:  # the common case, without importing trajaudit.store
        return raw
    from trajaudit import store

    return store.local_path(raw) or raw


def _is_uri(raw: str) -> bool:
    if "://" not in raw:
        return False
    from trajaudit import store

    return store.is_uri(raw)


def _listed(raw: str) -> Iterator[Source]:
    from trajaudit import store

    try:
        for name, remote, optional in store.listing(raw, SUFFIXES + DOCUMENT_SUFFIXES):
            REMOTE_NAMES[name] = remote
            yield Source(name, None, optional=optional, remote=remote)
    except store.StoreError as exc:
        raise InputError(str(exc)) from None


def _stat(path: Path, raw: str) -> os.stat_result | None:
    """The path's status (following links), None when it does not exist; other failures (a name too long, a loop
    of links, no permission on a parent) are a usage error naming the path."""
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"{raw}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL
        raise InputError(f"{raw}: {exc}") from None


def _is_dir(path: Path, raw: str) -> bool:
    import stat

    status = _stat(path, raw)
    return status is not None and stat.S_ISDIR(status.st_mode)


def _inside(target: str, roots: list[str]) -> bool:
    return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _walk(top: Path, roots: list[str]) -> Iterator[Source]:
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as exc:
            yield Source(str(folder), folder, problem=f"cannot read directory: {exc.strerror or exc}")
            continue
        for entry in listed:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif entry.is_symlink() and entry.is_dir():
                    target = os.path.realpath(entry.path)
                    if not _inside(target, roots):
                        yield Source(
                            entry.path,
                            path,
                            note=f"not audited: a symbolic link to a directory, not followed; pass {target} instead",
                        )
                elif entry.name.endswith(SUFFIXES + DOCUMENT_SUFFIXES):
                    if entry.is_symlink() and entry.is_file() and not _inside(os.path.realpath(entry.path), roots):
                        # a directory scan reads nothing outside the paths given (SECURITY.md)
                        target = os.path.realpath(entry.path)
                        yield Source(
                            entry.path,
                            path,
                            note=f"not audited: a symbolic link to a file outside the paths given; pass {target}",
                        )
                    elif entry.is_file():
                        yield Source(entry.path, path, optional=True)
                    elif entry.is_symlink():
                        yield Source(entry.path, path, problem="cannot read: a symbolic link to nothing")
            except OSError as exc:
                yield Source(entry.path, path, problem=f"cannot read: {exc.strerror or exc}")


@overload
def iter_json(source: Source) -> Iterator[tuple[int, object] | Malformed]: ...


@overload
def iter_json(
    source: Source, accept: Callable[[bytes], str | None] | None
) -> Iterator[tuple[int, object] | Malformed | str]: ...


def iter_json(
    source: Source, accept: Callable[[bytes], str | None] | None = None
) -> Iterator[tuple[int, object] | Malformed | str]:
    """Parsed JSON values per line; a line that is not valid JSON (or UTF-8) becomes Malformed. The hot loop of every
    native audit, so line splitting and parsing share one generator. A line longer than `limits.max_line_bytes` is
    skipped without being held (see `lines`).

    `accept` (validate's `linecheck`) is offered each line's bytes first: a line it gives a trajectory for stands as
    that string, unparsed; the others are parsed as usual."""
    if source.span is not None:
        yield from _span_json(source, source.span, accept)
        return
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    name = source.name
    limit = source.limits.max_line_bytes
    number = 0
    try:
        with source.open() as stream:
            readline = stream.readline
            for number, raw in enumerate(iter(partial(readline, limit + 1), b""), 1):
                if len(raw) > limit and raw[-1] != 10:
                    raw = _overlong(raw, readline, limit)
                elif accept is not None:
                    trajectory = accept(raw)
                    if trajectory is not None:
                        yield trajectory
                        continue
                try:
                    yield number, loads(raw)
                except decode_error:
                    salvaged = salvage(name, number, raw)
                    if salvaged is not None:
                        yield salvaged
    except STREAM_ERRORS as exc:
        yield stream_failure(name, number + 1, exc)


def _span_json(
    source: Source, span: Span, accept: Callable[[bytes], str | None] | None
) -> Iterator[tuple[int, object] | Malformed | str]:
    """`iter_json` over the lines that start in the bytes of `span`, numbered from `span.first` + 1; sets
    `span.lines`. Lines are split here, as in `iter_json`, not through `lines` (a generator more per line)."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    name = source.name
    limit = source.limits.max_line_bytes
    stop = span.end if span.end is not None else float("inf")
    number = span.first
    try:
        with source.open_file() as stream:
            stream.seek(span.start)
            position = span.start
            readline = stream.readline
            for raw in iter(partial(readline, limit + 1), b""):
                if position >= stop:
                    break
                if len(raw) > limit and raw[-1] != 10:
                    raw = _overlong(raw, readline, limit)  # its len() is its size in the file
                position += len(raw)
                number += 1
                if accept is not None and type(raw) is bytes:
                    trajectory = accept(raw)
                    if trajectory is not None:
                        yield trajectory
                        continue
                try:
                    yield number, loads(raw)
                except decode_error:
                    salvaged = salvage(name, number, raw)
                    if salvaged is not None:
                        yield salvaged
    except STREAM_ERRORS as exc:
        yield stream_failure(name, number + 1, exc)
    finally:
        span.lines = number - span.first


def lines(stream: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of a binary stream, as iterating it gives them, except that a line longer than `limit` bytes is
    skipped in bounded chunks and stands as an `Overlong` (which no JSON parser accepts; see `salvage`)."""
    readline = stream.readline
    for raw in iter(partial(readline, limit + 1), b""):
        if len(raw) > limit and raw[-1] != 10:
            yield _overlong(raw, readline, limit)
        else:
            yield raw


def skip_line(stream: IO[bytes]) -> None:
    """Read on to the start of the next line without holding the line (however long it is)."""
    while (chunk := stream.readline(CHUNK)) and chunk[-1] != 10:
        pass


class Overlong(bytes):
    """Stands for a line over the line limit, skipped unread: its bytes (a NUL) are not JSON, and its `len()` is
    the line's length in the file, so that code counting byte positions line by line stays right."""

    size: int  # bytes in the file, newline included
    length: int  # bytes of the line, newline excluded
    limit: int

    def __len__(self) -> int:
        return self.size


def _overlong(first: bytes, readline: Any, limit: int) -> Overlong:
    size = len(first)
    chunk = b""
    while (chunk := readline(CHUNK)) and chunk[-1] != 10:
        size += len(chunk)
    size += len(chunk)
    marker = Overlong(b"\x00")
    marker.size = size
    marker.length = size - 1 if chunk.endswith(b"\n") else size
    marker.limit = limit
    return marker


def salvage(name: str, number: int, raw: bytes) -> tuple[int, Any] | Malformed | None:
    """A line orjson rejected: None if blank; the value if it is valid JSON orjson refuses only for a lone
    surrogate escape (see `lenient`); otherwise Malformed, saying why (a line over the limit names it)."""
    if type(raw) is Overlong:
        what = f"line is {raw.length:,} bytes long"
        return Malformed(name, number, over_limit(what, "max-line-bytes", raw.limit, "skipped unread"))
    if not raw.strip():
        return None
    value = lenient(raw)
    if value is not NOT_JSON:
        return number, value
    return Malformed(name, number, line_error(raw.rstrip(b"\r\n")))


def over_limit(what: str, key: str, limit: int, fate: str) -> str:
    """The message for input over one of the `Limits`: what, the limit by name, and how to raise it."""
    return (
        f"{what}, over the limit of {format_size(limit)} (limits.{key}): {fate}; raise it with "
        f"`--option limits.{key}=SIZE` or `{key} = ...` under [tool.trajaudit.limits]"
    )


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} bytes"


NOT_JSON = object()
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_line(raw: bytes | bytearray) -> Any:
    """A JSON value, orjson first; NOT_JSON if it is not one (see `lenient`)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return lenient(raw)


def lenient(raw: bytes | bytearray) -> Any:
    """JSON text that orjson refuses only because it escapes a lone surrogate (`"\\ud83d"` without its pair: valid
    JSON, RFC 8259 §8.2, but no Unicode character), parsed by the standard library with each lone surrogate
    replaced by U+FFFD; NOT_JSON for anything else. Only ever called after orjson failed: the fast path is
    unchanged, and NaN/Infinity, which the standard library would accept, stay invalid."""
    if _SURROGATE_ESCAPE.search(raw) is None:
        return NOT_JSON
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return NOT_JSON
    return _replace_lone_surrogates(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _replace_lone_surrogates(value: Any) -> Any:
    """The value with every lone surrogate in its strings (keys too) replaced by U+FFFD; without recursion."""
    fix = _LONE_SURROGATE.sub
    if type(value) is str:
        return fix("\ufffd", value)
    pending = [value]
    while pending:
        container = pending.pop()
        if type(container) is list:
            for index, item in enumerate(container):
                if type(item) is str:
                    container[index] = fix("\ufffd", item)
                elif type(item) in (list, dict):
                    pending.append(item)
        elif type(container) is dict:
            items = list(container.items())
            container.clear()
            for key, item in items:
                if type(item) is str:
                    item = fix("\ufffd", item)
                elif type(item) in (list, dict):
                    pending.append(item)
                container[fix("\ufffd", key)] = item
    return value


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
    """A whole-file JSON document (tau2 results, .traj), parsed from one buffer that is released right after.

    Read in chunks up to `limits.max_document_bytes` (decompressed, for .gz): a larger document is reported
    without ever holding more than the limit."""
    limit = source.limits.max_document_bytes
    compressed = source.name.endswith(".gz")
    if not compressed and file_size(source) > limit:
        return Malformed(source.name, None, document_over_limit(file_size(source), limit, compressed))
    try:
        with source.open() as stream:
            data = read_at_most(stream, limit)
    except STREAM_ERRORS as exc:
        return stream_failure(source.name, None, exc)
    if data is None:
        return Malformed(source.name, None, document_over_limit(None, limit, compressed))
    return parse_document(source.name, data)


def parse_document(name: str, data: bytes | bytearray) -> object | Malformed:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        value = lenient(data)
        if value is not NOT_JSON:
            return value
        line = data.count(b"\n", 0, exc.pos or 0) + 1
        return Malformed(name, line, describe_json_error(exc, bytes(data)))


def document_over_limit(size: int | None, limit: int, compressed: bool = False) -> str:
    what = f"document is {size:,} bytes" if size is not None else "document is larger"
    return over_limit(what + (" decompressed" if compressed else ""), "max-document-bytes", limit, "not read")


def read_at_most(stream: BinaryIO, limit: int) -> bytearray | None:
    """All of a stream, read in chunks; None as soon as it turns out longer than `limit` bytes."""
    data = bytearray()
    while chunk := stream.read(min(CHUNK, limit + 1 - len(data))):
        data += chunk
        if len(data) > limit:
            return None
    return data


def file_size(source: Source) -> int:
    return source.size()
