"""Output formats: one module each, chosen through the `Format` enum (an exhaustiveness test keeps them in step)."""

from __future__ import annotations

import importlib
import queue
import threading
from enum import Enum
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

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
    otel = "otel"


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
    context: int | None = None,
    validate: bool = False,
    fail_on: Severity | None = Severity.WARNING,
) -> None:
    """Write the report in the chosen format to `out` (a text stream; byte formats use its buffer). `fail_on` is
    the run's --fail-on (None: never), for formats that mark what fails the run (JUnit failures)."""
    if fmt is Format.text:
        from trajaudit.report import text

        text.render(
            items,
            summary,
            console_for(out),
            only_failures=only_failures,
            context=context,
            show_summary=not quiet,
            validate=validate,
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


def render_many(
    targets: Sequence[tuple[Format, IO[str]]],
    items: Iterable[TrajectoryResult | Finding],
    summary: Summary,
    renderer: Callable[..., None] | None = None,
    **options: Any,
) -> None:
    """One run, several reports: the first target is written as the items stream, each other one by its own thread
    from a bounded queue, so memory stays bounded however long the run. `summary` is complete for all of them, as
    the items end before it is read. The first error of any report is raised once all have finished."""
    write_one = renderer or render  # the CLI passes its own, which tests replace
    first, *others = targets
    if not others:
        write_one(first[0], items, summary, first[1], **options)
        return
    end = object()
    queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=256) for _ in others]
    errors: list[BaseException] = []

    def drained(q: queue.Queue[Any]) -> Iterator[Any]:
        while (item := q.get()) is not end:
            yield item

    def write(fmt: Format, out: IO[str], q: queue.Queue[Any]) -> None:
        stream = drained(q)
        try:
            write_one(fmt, stream, summary, out, **options)
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread below
            errors.append(exc)
        for _ in stream:  # whatever is left unread, so the run is never blocked on this report
            pass

    threads = [
        threading.Thread(target=write, args=(fmt, out, q), daemon=True)
        for (fmt, out), q in zip(others, queues, strict=True)
    ]
    for thread in threads:
        thread.start()

    def fanned() -> Iterator[TrajectoryResult | Finding]:
        for item in items:
            for q in queues:
                q.put(item)
            yield item

    try:
        write_one(first[0], fanned(), summary, first[1], **options)
    finally:
        for q in queues:
            q.put(end)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


def _module(fmt: Format):
    # only the chosen one: junit's XML escaping alone pulls in urllib and http (15 ms of start-up)
    return importlib.import_module(f"trajaudit.report.{fmt.value}")
