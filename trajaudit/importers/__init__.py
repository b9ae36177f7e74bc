"""Importers: one module per foreign log format, each turning its source into native trajaudit events.

A module exports `NAME` (the `--from` value), `DESCRIPTION` (what it expects, for error messages),
`sniff(source, head) -> bool` and `convert(source) -> Iterator[(line | None, event) | Malformed]`.
`REGISTRY` is the one registry (the module of NAME is NAME with "_" for "-"); `detect` tries each `sniff` in that
order, so native comes first. A format's module is imported when it is needed (`FORMATS` imports them all).
"""

from __future__ import annotations

import importlib
import itertools
from types import ModuleType
from typing import Any, Iterator

from trajaudit.importers import native
from trajaudit.importers._common import first_json_value
from trajaudit.reader import SUFFIXES as JSONL_SUFFIXES
from trajaudit.reader import Ended, Malformed, Source

# The registry: each format's `--from` name, its module being that name with "_" for "-". Order matters only for
# sniffing: native first, then line-based formats, then whole-document formats, and OpenAI chat last: its shape (an
# object with a `messages` list) is the generic one that a τ² simulation or a mini-swe-agent trajectory written on one
# line also has, so the formats that look for their own keys get the first say. A module is imported when a file is
# read in its format or sniffed for it (see `_module`), so reading native logs imports no other importer.
REGISTRY: tuple[str, ...] = (
    "native",
    "claude-code",
    "codex",
    "tau-bench",
    "atif",
    "tau2",
    "mini-swe-agent",
    "swe-agent",
    "otel",
    "inspect",
    "deepconf",
    "openai",
)


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


def _modules() -> Iterator[ModuleType]:
    """The importers in registry order, each imported when the one before it has been passed over."""
    return map(_module, REGISTRY)


def __getattr__(attribute: str) -> Any:
    # FORMATS, every importer module in registry order, for code that wants them all (tests, documentation); and
    # `importers.tau2` without importing it first, as when this package imported them all
    if attribute == "FORMATS":
        return tuple(_modules())
    if attribute.replace("_", "-") in REGISTRY:
        return _module(attribute.replace("_", "-"))
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


AUTO = "auto"
Item = tuple[int | None, dict] | Malformed | Ended  # what an importer's stream yields


class FormatError(Exception):
    """An input whose format is unknown or not recognised: a usage error (exit code 2), never a traceback."""


class WrongFormat(FormatError):
    """An input that `--from` names wrongly: another importer recognises it. A usage error even for a file found in
    a folder, where an unrecognised file is only skipped: it is a log, and the run would silently leave it out."""


def names() -> tuple[str, ...]:
    """The `--from` values, in registry order (without "auto")."""
    return REGISTRY


def by_name(name: str) -> ModuleType:
    """The importer called `name`; an unknown name is a FormatError listing the known ones."""
    if name in REGISTRY:
        return _module(name)
    raise FormatError(f"unknown input format {name!r} (expected {AUTO} or one of: {', '.join(names())})")


def detect(source: Source) -> ModuleType:
    """The first importer whose `sniff` accepts the source's head. An empty (or unreadable) head is native, so the
    reader reports the file itself; anything else unrecognised is a FormatError naming every format tried."""
    head = source.head()
    if not head.strip() or (source.name.endswith(JSONL_SUFFIXES) and _native_or_broken(first_json_value(head))):
        # Nothing recognisable to go on (empty, or no parseable line in a .jsonl), or a first event that is native
        # but broken: read it as native, so the reader and the schema check report each bad line with its number
        # instead of rejecting (or, in a folder, skipping) the whole file.
        return native
    for module in _modules():
        if module.sniff(source, head):
            return module
    # Names only: this message repeats per file; `--from X` on the file explains what X expects.
    tried = ", ".join(REGISTRY)
    raise FormatError(f"{source.name}: unrecognised input format (tried {tried}); name it with --from FORMAT")


def _native_or_broken(first: object) -> bool:
    """No parseable value, or an object with two of native's keys (one, `trajectory`, is how outcomes files name
    their runs: those are not logs)."""
    if first is None:
        return True
    return isinstance(first, dict) and sum(k in first for k in ("trajectory", "step", "kind")) >= 2


def open_events(
    source: Source, fmt: str = AUTO, ends: bool = False
) -> tuple[str, Iterator[Item]]:
    """The chosen format's name and the source's native event stream; with `ends`, also the `Ended` markers by
    which an importer says a run is complete (the engine closes it there), which other readers do without.

    An unknown name, an unrecognised file, and a file that is not what `fmt` says raise FormatError: the input
    cannot be read as asked, which is a usage error (or, for a file only found in a folder, a skip), not a finding
    about its content; a valid JSON document is never reported as invalid JSON. A file recognisably of another
    format than `fmt` names that format. Lines an importer cannot read inside a file it accepts stay Malformed,
    with their line numbers. A source found unreadable while walking a directory is one Malformed (unreadable); one
    left out on purpose (a symbolic link to a directory) raises FormatError with its note."""
    if source.problem is not None:
        return native.NAME, iter([Malformed(source.name, None, source.problem, unreadable=True)])
    if source.note is not None:
        raise FormatError(f"{source.name}: {source.note}")
    if fmt == AUTO:
        module = detect(source)
    else:
        module = by_name(fmt)
        _check_chosen(source, module)
    stream = module.convert(source)
    if module is native:  # streams line by line (stdin as it arrives): nothing to look ahead at
        return module.NAME, stream
    if not ends:
        stream = (item for item in stream if type(item) is not Ended)
    first = next(stream, None)
    if first is None:
        return module.NAME, iter(())
    if type(first) is Malformed and first.line is None and not first.unreadable and first.message.startswith("not "):
        # the importer parsed the document and found it is not its format (see _common.load_document)
        hint = _looks_like(source, module)
        raise (WrongFormat if hint else FormatError)(f"{source.name}: {first.message}{hint}")
    return module.NAME, itertools.chain((first,), stream)


class DistinctIds:
    """Keeps runs of different files apart when their ids collide.

    Importers derive trajectory ids from a file's content (tau-bench's `task:trial`, a tau2 simulation id, an
    instance id), unique within that file only: two agents' result files for the same tasks both hold `79:79`. Read
    together, they would be merged into one trajectory, or counted by `stats` as two trials of one task. So an id an
    imported file shares with an earlier file of the same run is renamed `FILE/ID` (the base name; the whole name
    when base names collide too) in every event of that file, and the renaming is noted; `--outcomes` ids still
    match it, as they match any id ending in `/ID`. Native logs are not renamed: their ids are chosen by whoever
    wrote them, and one run may span several files."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}  # id -> the file that yielded it first
        self._renamed: dict[tuple[str, str], list[str]] = {}  # (file, earlier file) -> new ids

    def wrap(
        self, source: Source, fmt: str, stream: Iterator[Item]
    ) -> Iterator[Item]:
        return stream if fmt == native.NAME else self._rename(source.name, stream)

    def _rename(
        self, name: str, stream: Iterator[Item]
    ) -> Iterator[Item]:
        owner = self.owner
        mapping: dict[str, str] = {}
        for item in stream:
            if type(item) is Ended:
                renamed = mapping.get(item.trajectory)
                if renamed is not None and renamed is not item.trajectory:
                    item = Ended(renamed, item.line)
            elif type(item) is not Malformed:
                data = item[1]  # type: ignore[index]
                tid = data.get("trajectory") if type(data) is dict else None
                if isinstance(tid, str):
                    new = mapping.get(tid)
                    if new is None:
                        first = owner.setdefault(tid, name)
                        new = mapping[tid] = tid if first == name else self._new_id(tid, name, first)
                    if new is not tid:
                        data["trajectory"] = new
            yield item

    def _new_id(self, tid: str, name: str, first: str) -> str:
        new = f"{name.replace(chr(92), '/').rsplit('/', 1)[-1]}/{tid}"
        if new in self.owner:
            new = f"{name}/{tid}"
        self.owner[new] = name
        self._renamed.setdefault((name, first), []).append(new)
        return new

    def notes(self) -> list[str]:
        return [
            f"{name}: {len(ids)} trajectory id{'s' if len(ids) > 1 else ''} also in {first}, a different run: "
            f"renamed FILE/ID ({ids[0]}{', ...' if len(ids) > 1 else ''})"
            for (name, first), ids in self._renamed.items()
        ]


def _check_chosen(source: Source, module: ModuleType) -> None:
    """`--from X` on a file that X's sniff rejects and another format recognises: the wrong --from."""
    head = source.head()
    if not head.strip() or module.sniff(source, head):
        return
    hint = _looks_like(source, module)
    if hint:
        raise WrongFormat(f"{source.name}: not a {module.NAME} log{hint}")


def _looks_like(source: Source, module: ModuleType) -> str:
    try:
        other = detect(source)
    except FormatError:
        return ""
    if other is module or (other is native and not native.sniff(source, source.head())):
        return ""
    return f"; it looks like {other.NAME}: --from {other.NAME}"
