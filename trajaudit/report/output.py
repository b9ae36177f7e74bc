"""Where reports go: never onto an input, and never half-written.

`--output FILE` is refused when FILE is one of the inputs (the same file by inode, so `./x.jsonl`, a symlink or a
hard link to an input all count): opening it for writing would truncate the log before it is read. A report is
written to a temporary file next to FILE and renamed over it only once it is complete, so a run that fails or is
interrupted leaves the previous FILE as it was (and no partial report). Special files (`/dev/stdout`, a pipe) are
written in place: they cannot be renamed over and are not truncated by opening.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from trajaudit.report.safe import one_line


class OutputError(Exception):
    """The output cannot be used: it is an input, or it cannot be written."""


def check_not_input(output: Path, inputs: Iterable[Path | None]) -> None:
    """Raise OutputError when `output` is the same file as one of `inputs` (None stands for stdin)."""
    try:
        target = os.stat(output)
    except OSError:
        return  # nothing there yet (or unreachable): it cannot be an existing input
    if not stat.S_ISREG(target.st_mode):
        return
    for path in inputs:
        try:
            seen = os.fstat(sys.stdin.fileno()) if path is None else os.stat(path)
        except (OSError, ValueError, AttributeError):  # stdin closed or replaced (tests)
            continue
        if (seen.st_dev, seen.st_ino) == (target.st_dev, target.st_ino):
            what = "standard input" if path is None else f"input {one_line(str(path))}"
            raise OutputError(
                f"--output {one_line(str(output))} is the same file as {what}: writing the report there would "
                "destroy the log; choose another output file"
            )


@contextmanager
def atomic(path: Path) -> Iterator[IO[str]]:
    """A text stream whose content replaces `path` when the block ends without an exception; on an exception the
    temporary file is removed and `path` is untouched."""
    try:
        target = Path(os.path.realpath(path))  # through symlinks: the link stays, its target gets the report
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise OutputError(f"{one_line(str(path))}: cannot write: {exc.strerror or exc}") from exc
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        try:
            handle = open(target, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise OutputError(f"{one_line(str(path))}: cannot write: {exc.strerror or exc}") from exc
        with handle:
            yield handle
        return
    if existing is not None and not os.access(target, os.W_OK):  # renaming over it would get round its mode
        raise OutputError(f"{one_line(str(path))}: cannot write: Permission denied")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 less the umask, as a plain open() would give; an existing report keeps its mode below
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise OutputError(f"{one_line(str(path))}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        try:
            if existing is not None:
                os.chmod(temporary, stat.S_IMODE(existing.st_mode))
            os.replace(temporary, target)
        except OSError as exc:
            raise OutputError(f"{one_line(str(path))}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
