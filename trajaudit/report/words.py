"""Counts in the words people read on stderr and in reports: "1 file, 2 trajectories", never "1 files"."""

from __future__ import annotations

PLURALS = {"trajectory": "trajectories", "info": "info"}  # the words whose plural is not the word plus "s"


def counted(count: int, noun: str) -> str:
    """`count` and `noun`, its last word in the plural unless the count is one: "1 file", "2 ATIF trajectories"."""
    if count != 1:
        head, space, last = noun.rpartition(" ")
        noun = f"{head}{space}{PLURALS.get(last, last + 's')}"
    return f"{count} {noun}"


def totals(files: int, trajectories: int, steps: int) -> str:
    """What a run read: "1 file, 3 trajectories, 40 steps"."""
    return f"{counted(files, 'file')}, {counted(trajectories, 'trajectory')}, {counted(steps, 'step')}"
