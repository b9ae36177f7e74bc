"""Output formats: one module each, chosen through the `Format` enum (an exhaustiveness test keeps them in step)."""

from __future__ import annotations

import importlib
from enum import Enum
from typing import IO, TYPE_CHECKING, Callable, Iterable

from trajaudit.model import Finding, Summary, TrajectoryResult

if TYPE_CHECKING:
    from rich.console import Console


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    junit = "junit"
    github = "github"
    markdown = "markdown"


FORMATS = tuple(Format)


def render(
    fmt: Format,
    items: Iterable[TrajectoryResult | Finding],
    summary: Summary,
    out: IO[str],
    *,
    console_for: Callable[[IO[str]], Console],
    quiet: bool = False,
    only_failures: bool = False,
    validate: bool = False,
) -> None:
    """Write the report in the chosen format to `out` (a text stream; byte formats use its buffer)."""
    if fmt is Format.text:
        from trajaudit.report import text

        text.render(
            items, summary, console_for(out), only_failures=only_failures, show_summary=not quiet, validate=validate
        )
        return
    module = _module(fmt)
    out.flush()
    binary = getattr(out, "buffer", None)
    if binary is None:  # e.g. a StringIO in tests
        import io

        binary = io.BytesIO()
        module.render(items, summary, binary)
        out.write(binary.getvalue().decode("utf-8"))
        return
    module.render(items, summary, binary)
    binary.flush()


def _module(fmt: Format):
    # only the chosen one: junit's XML escaping alone pulls in urllib and http (15 ms of start-up)
    return importlib.import_module(f"trajaudit.report.{fmt.value}")
