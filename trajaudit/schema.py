"""The published event schema: where it lives, and validating events against it.

Every line a user wrote (native JSONL) goes through jsonschema-rs's `is_valid` (about a microsecond); only lines
that fail are walked again with `iter_errors` for messages and JSON paths, so the common case pays for one call.
`validate`, which needs no parsed events, first offers each native line's bytes to this schema compiled for msgspec
(`trajaudit.linecheck`); only the lines it refuses come here.

Events our own importers built are trusted: the importers' tests check that they are valid, so validating them again
on every run would only cost time (a third of an OpenAI audit). The debug switch `TRAJAUDIT_CHECK_IMPORTED=1` in the
environment validates them too, reporting any invalid one as TA002 like a user's line; tests/conftest.py sets it, so
an importer that builds an invalid event fails the test suite.
"""

from __future__ import annotations

import json
import os
import signal
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from trajaudit.records import dataclass

SCHEMA_FILE = "trajaudit-event-v1.schema.json"
CHECK_IMPORTED_VARIABLE = "TRAJAUDIT_CHECK_IMPORTED"


def check_imported() -> bool:
    """Whether imported events are validated too (the debug switch `TRAJAUDIT_CHECK_IMPORTED=1`)."""
    return os.environ.get(CHECK_IMPORTED_VARIABLE, "") not in ("", "0")


def schema_path() -> Path:
    """The schema file: bundled in the installed package (the wheel puts schemas/ inside it), or schemas/ beside the
    package in a source checkout. Found beside this module, not through importlib.resources, which costs every
    native audit 17 M instructions to import and ask (4 % of a one-line audit's start-up)."""
    package = Path(__file__).resolve().parent
    bundled = package / "schemas" / SCHEMA_FILE
    return bundled if bundled.is_file() else package.parent / "schemas" / SCHEMA_FILE


def schema_text() -> str:
    return schema_path().read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_text())


@lru_cache(maxsize=1)
def validator() -> Any:
    # imported here: `validate` reaches it only for a native line linecheck refused (or another format's events)
    with _signals_held():
        import jsonschema_rs

        return jsonschema_rs.validator_for(schema())


HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (a few milliseconds) until the block ends. jsonschema-rs imports Python modules while
    it initialises; the exception a handler raised there would reach Rust, which panics and prints its own trace
    on stderr, whatever the CLI then makes of the signal. Held, the signal is delivered after the import, in our
    code. On a platform without signal masks (Windows), nothing is held."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One violation: the JSON path of the offending value and what was expected."""

    path: str
    message: str


def json_path(parts: Iterable[str | int]) -> str:
    """['tools', 0, 'name'] → '$.tools[0].name'."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def errors(instance: Any) -> list[SchemaError]:
    """All violations of an instance, deduplicated, in a stable order; empty when valid."""
    seen: dict[tuple[str, str], SchemaError] = {}
    for error in validator().iter_errors(instance):
        path = json_path(error.instance_path)
        message = _shorten(error.message)
        seen.setdefault((path, message), SchemaError(path, message))
    return sorted(seen.values(), key=lambda e: (e.path, e.message))


def _shorten(message: str, limit: int = 200) -> str:
    # jsonschema-rs quotes the whole offending value; a 50 KB value must not become a 50 KB message.
    return message if len(message) <= limit else message[: limit - 1] + "…"
