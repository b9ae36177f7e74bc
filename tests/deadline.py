"""A guard for tests of bounded work: fail instead of hanging when a regression makes something super-linear."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError if the block runs longer than `seconds` (SIGALRM; not a timing assertion)."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
