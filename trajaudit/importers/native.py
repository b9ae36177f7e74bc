"""trajaudit's own event stream (JSONL, schemas/trajaudit-event-v1.schema.json): passed through unchanged."""

from __future__ import annotations

from typing import Callable, Iterator

from trajaudit.importers._common import first_json_value
from trajaudit.reader import Malformed, Source, iter_json

NAME = "native"
DESCRIPTION = "trajaudit JSONL events: one object per line with trajectory, step and kind"


def sniff(source: Source, head: bytes) -> bool:
    """The first JSON line is an object carrying trajectory, step and kind."""
    first = first_json_value(head)
    return isinstance(first, dict) and all(key in first for key in ("trajectory", "step", "kind"))


def convert(
    source: Source, accept: Callable[[bytes], str | None] | None = None
) -> Iterator[tuple[int | None, dict] | Malformed | str]:
    """The lines as parsed; schema checking is the engine's job, so nothing is changed here. With `accept`, lines it
    passes stand as their trajectory, unparsed (see `reader.iter_json`)."""
    return iter_json(source, accept)  # type: ignore[return-value]
