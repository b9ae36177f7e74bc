"""Inputs in an object store: `s3://bucket/prefix/`, and any URI that `pyarrow.fs.FileSystem.from_uri` reads
(`gs://`, `abfs://`, `hdfs://`).

A URI is listed as a folder is walked: every object under the prefix (recursively) whose name ends in a log suffix,
in the order a local walk of the same tree gives, each an optional source (skipped with a note when no format
matches); a URI naming one object is that file, as a path is. Findings name each file by its URI. `file://` URIs
are plain local paths (`reader.discover` reads them as such, symbolic-link rules and all).

Each file becomes a `reader.Source` whose `remote` holds pyarrow's filesystem and the object's key; the source
opens it (`Source.open`), so every reader, importer and executor reads it the same way as a local file. Files a
format keeps beside a log are found with `Source.beside` and `Source.files_in`, one code path for disk and store:
here `beside_source` and `files_in` (a tau2 run's results.json and simulations/, verdicts among the listed objects
for trajaudit.outcomes; ATIF continuations call `beside` and `folder`), one request per file looked for. pyarrow
filesystems pickle with their options (region, endpoint) but not with credentials taken from the environment: a
Ray worker sent a source reads the object itself, with the credentials of its own node (the standard AWS, Google
or Azure variables, an instance role). Nothing is downloaded ahead: each file is read once, as a stream, by
whichever process audits it.

pyarrow is an optional dependency (`pip install "trajaudit[store]"`; the `ray` extra brings it too), imported only
when a URI is given.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, Mapping
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from trajaudit.records import dataclass

if TYPE_CHECKING:
    from trajaudit.reader import Source

INSTALL_HINT = 'reading object-store URIs needs pyarrow: pip install "trajaudit[store]"'
# a scheme as RFC 3986 spells it, then "://": a Windows path (C:\logs) or a relative path with a colon is no URI
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
READ_BUFFER = 1 << 20  # as reader.READ_BUFFER: each read of an object in a store is a request; fewer, larger ones


def is_uri(raw: str) -> bool:
    return _URI.match(raw) is not None


def local_path(raw: str) -> str | None:
    """The local path a `file://` URI names (`file:///runs/x` or `file://localhost/runs/x`), else None."""
    parts = urlsplit(raw)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


@dataclass(frozen=True, slots=True)
class Remote:
    """A file in an object store: pyarrow's filesystem, the object's key in it, and its size from the listing."""

    filesystem: Any = field(compare=False)  # a pyarrow.fs.FileSystem (unhashable; the key tells files apart)
    key: str
    size: int

    def open(self) -> BinaryIO:
        """The object's bytes as a stream (one request, read as it goes), not decompressed: `Source.open` does that,
        as for a local file (pyarrow would otherwise guess a codec from the name)."""
        return io.BufferedReader(self.filesystem.open_input_stream(self.key, compression=None), READ_BUFFER)

    def open_file(self) -> BinaryIO:
        """The object's bytes, seekable (each read past the buffer a ranged request): for zip archives."""
        return io.BufferedReader(self.filesystem.open_input_file(self.key), READ_BUFFER)


def beside_source(source: Source, relative: str, listed: Mapping[str, Source] | None) -> Source | None:
    """`Source.beside` for a file in a store: one request (the same file asked again is not asked twice in a
    process), or with `listed` none: the file is one of those sources, by name, or is taken as absent."""
    remote = source.remote
    assert remote is not None
    if listed is not None:
        key = _join(remote.key, relative)
        return None if key is None else listed.get(renamed(source.name, remote.key, key))
    found = beside(source.name, remote, relative)
    return None if found is None else _source(found, source)


def files_in(source: Source, relative: str) -> list[Source] | None:
    """`Source.files_in` for a file in a store (see `folder`)."""
    assert source.remote is not None
    found = folder(source.name, source.remote, relative)
    return None if found is None else [_source(item, source) for item in found]


def _source(found: tuple[str, Remote], beside: Source) -> Source:
    from trajaudit.reader import Source

    return Source(found[0], None, limits=beside.limits, remote=found[1])


_FOUND: dict[str, tuple[str, Remote] | None] = {}  # by name: a tau2 run's simulations share their results.json
_FOUND_MAX = 64


def beside(name: str, remote: Remote, relative: str) -> tuple[str, Remote] | None:
    """The file at `relative` (a POSIX path) from the folder of the object `remote`, named `name`, if the store holds
    it: its name in findings and its Remote. One request, asked only where a format names a companion file (a
    tau2 `results.json` beside `simulations/`), and once per process for each such file."""
    key = _join(remote.key, relative)
    if key is None:
        return None
    other = renamed(name, remote.key, key)
    if other in _FOUND:
        return _FOUND[other]
    from pyarrow import fs

    try:
        info = remote.filesystem.get_file_info(key)
    except OSError:
        info = None
    found = (other, Remote(remote.filesystem, key, info.size or 0)) if info and info.type == fs.FileType.File else None
    if len(_FOUND) >= _FOUND_MAX:
        _FOUND.clear()
    _FOUND[other] = found
    return found


def folder(name: str, remote: Remote, relative: str) -> list[tuple[str, Remote]] | None:
    """The files directly in the folder at `relative` from the object `remote`'s folder, by key; None when the store
    has no such folder (no object under that prefix)."""
    key = _join(remote.key, relative)
    if key is None:
        return None
    from pyarrow import fs

    try:
        found = remote.filesystem.get_file_info(fs.FileSelector(key, recursive=False))
    except OSError:  # FileNotFoundError: nothing under that prefix
        return None
    files = sorted((item for item in found if item.type == fs.FileType.File), key=lambda item: item.path)
    return [(renamed(name, remote.key, f.path), Remote(remote.filesystem, f.path, f.size or 0)) for f in files]


def renamed(name: str, key: str, other: str) -> str:
    """The name of the object `other` in the store where the object `key` is named `name` (its URI): the part of
    the name before the key kept (`s3://` for S3, where a key starts with its bucket)."""
    common = 0
    while common < min(len(name), len(key)) and name[-1 - common] == key[-1 - common]:
        common += 1
    head, key_head = name[: len(name) - common], key[: len(key) - common]
    return head + (other[len(key_head):] if other.startswith(key_head) else other)


def _join(key: str, relative: str) -> str | None:
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(key), relative))
    return None if joined == ".." or joined.startswith(("../", "/")) else joined


class StoreError(Exception):
    """A URI that cannot be listed (no pyarrow, an unknown scheme, no such bucket or prefix, access denied)."""


def listing(raw: str, suffixes: tuple[str, ...]) -> Iterator[tuple[str, Remote, bool]]:
    """(name, remote, optional) for each file `raw` names: the object itself, or the objects under the prefix whose
    names end in one of `suffixes`, in the order of a local walk (by path components, so `a/b.json` comes before
    `a.json`, as `sorted` of local paths gives). An existing prefix or bucket without such objects yields nothing
    (as an empty folder does); a URI under which nothing exists is a StoreError."""
    filesystem, root = _filesystem(raw)
    base = _without_query(raw).rstrip("/")
    from pyarrow import fs

    try:
        info = filesystem.get_file_info(root)
        if info.type == fs.FileType.File:
            yield base, Remote(filesystem, root, info.size or 0), False
            return
        if info.type != fs.FileType.Directory:
            raise StoreError(f"{raw}: no such object, prefix or bucket")
        found = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
    except OSError as exc:
        raise StoreError(f"{raw}: cannot list: {_first_line(exc)}") from None
    files = [
        item for item in found if item.type == fs.FileType.File and item.base_name.endswith(suffixes)
    ]
    prefix = root.rstrip("/") + "/" if root else ""
    for item in sorted(files, key=lambda item: PurePosixPath(item.path)):
        relative = item.path[len(prefix):] if item.path.startswith(prefix) else item.path
        yield f"{base}/{relative}", Remote(filesystem, item.path, item.size or 0), True


def _filesystem(raw: str) -> tuple[Any, str]:
    try:
        from pyarrow import fs
    except ImportError:
        raise StoreError(f"{raw}: {INSTALL_HINT}") from None
    try:
        return fs.FileSystem.from_uri(_bounded(raw))
    except (ValueError, OSError) as exc:  # pyarrow.ArrowInvalid is a ValueError: an unknown scheme, no bucket
        raise StoreError(f"{raw}: {_first_line(exc)}") from None


GCS_RETRY_SECONDS = 20
_GCS_SCHEMES = ("gs", "gcs")


def _bounded(raw: str) -> str:
    """The URI with a bound on GCS retries, unless it sets its own (`retry_limit_seconds`). pyarrow's GCS client
    otherwise retries for many minutes inside one call, deaf to Ctrl-C and SIGTERM: with no credentials or no network,
    `audit gs://...` hung instead of saying so (S3's client gives up within seconds)."""
    parts = urlsplit(raw)
    if parts.scheme.lower() not in _GCS_SCHEMES or "retry_limit_seconds" in parse_qs(parts.query):
        return raw
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}retry_limit_seconds={GCS_RETRY_SECONDS}"))


def _without_query(raw: str) -> str:
    """The URI as findings name it: without `?endpoint_override=...` options, which locate the store, not the file."""
    return raw.split("?", 1)[0]


def _first_line(exc: BaseException) -> str:
    """pyarrow's message, first line only (a missing HDFS client lists every path it tried to load)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
