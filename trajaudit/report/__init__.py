"""Output formats: one module each, chosen through the `Format` enum (an exhaustiveness test keeps them in step)."""

from __future__ import annotations

import importlib
from enum import Enum
from functools import partial
from typing import IO, TYPE_CHECKING, Callable, Iterable

from trajaudit.model import Finding, Severity, Summary, TrajectoryResult

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
    fail_on: Severity | None = Severity.WARNING,
) -> None:
    """Write the report in the chosen format to `out` (a text stream; byte formats use its buffer). `fail_on` is
    the run's --fail-on (None: never), for formats that mark what fails the run (JUnit failures)."""
    if fmt is Format.text:
        from trajaudit.report import text

        text.render(
            items, summary, console_for(out), only_failures=only_failures, show_summary=not quiet, validate=validate
        )
        return
    module = _module(fmt)
    render_module = module.render
    if fmt is Format.junit:
        render_module = partial(module.render, fail_on=fail_on)
    out.flush()
    binary = getattr(out, "buffer", None)
    if binary is None:  # e.g. a StringIO in tests
        import io

        binary = io.BytesIO()
        render_module(items, summary, binary)
        out.write(binary.getvalue().decode("utf-8"))
        return
    render_module(items, summary, binary)
    binary.flush()


def _module(fmt: Format):
    # only the chosen one: junit's XML escaping alone pulls in urllib and http (15 ms of start-up)
    return importlib.import_module(f"trajaudit.report.{fmt.value}")
