"""The `trajaudit` command's entry point (`python -m trajaudit` too): hands the command line to `trajaudit.cli`, then
leaves without the interpreter's teardown.

`trajaudit --version` (or `-V`) alone is answered here, before the command-line framework is imported: importing
typer costs more than everything else that answer needs (bench/README.md, "start-up"). The line printed is the one
the CLI's eager `--version` option prints; any other command line, `--version` with other arguments included, goes
to the CLI, which parses it. This is not a second parser: it recognises one exact command line.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

VERSION_ARGV = (["--version"], ["-V"])
EXIT_PIPE = 128 + 13  # SIGPIPE: what a shell reports for a Unix tool whose reader went away (`| head`)


def main() -> None:
    """The console entry point."""
    if sys.argv[1:] in VERSION_ARGV:
        leave(_print_version())
    # Start-up (typer, the CLI, the rules) makes container objects and frees few: at the default thresholds the
    # collector runs dozens of collections over them for nothing (~15 M instructions, 2.5 % of a one-line audit). The
    # CLI sets the same threshold, and freezes what start-up made, when a command runs.
    gc.set_threshold(100_000, 50, 100)
    from trajaudit.cli import execute

    leave(execute())


def _print_version() -> int:
    from trajaudit import __version__

    if sys.stdout is None:  # started with stdout closed (`>&-`)
        return _failed("cannot write the version: stdout is closed")
    try:
        sys.stdout.write(f"trajaudit {__version__}\n")
        sys.stdout.flush()
    except BrokenPipeError:
        return EXIT_PIPE
    except OSError as exc:  # a full disk: reported as the CLI reports a failed write
        return _failed(f"internal error: {type(exc).__name__}: {exc} (set TRAJAUDIT_DEBUG=1 for the traceback)")
    return 0


def _failed(reason: str) -> int:
    if sys.stderr is not None:
        sys.stderr.write(f"trajaudit: {reason}\n")
    return 2


def leave(code: int) -> None:
    """Exit with `code` without the interpreter's teardown, which spends 30-50 ms freeing objects the operating system
    takes back anyway: a tenth of a small file's whole run. Output is flushed first; every file the commands open is
    closed before they return. A closed output pipe ends the process by SIGPIPE, as `yes | head -1` does."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # the reader went away (`| head`), or stdout is closed
        code = EXIT_PIPE if code in (0, 1) else code
    except AttributeError:  # no stdout at all (started with it closed): nothing was written to flush
        pass
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError, AttributeError):
        pass
    if code == EXIT_PIPE and hasattr(signal, "SIGPIPE"):
        # die of SIGPIPE with its default action: the parent sees the signal, a shell 141
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    os._exit(code)
