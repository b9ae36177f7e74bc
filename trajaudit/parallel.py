"""Using every core on one large native log, with exactly the serial result.

Each worker process reads the whole file, but fully handles only its share of it: for `audit`, the lines of the
trajectories whose id hashes to it (so each trajectory lives in one worker and every rule sees it whole); for
`validate`, every n-th line. Each worker tags its results with where they were produced (the line that closed a
trajectory, or its first line for trajectories closed at the end of input), and the parent merges the workers'
streams by that tag: the same order the serial engine yields, so output does not depend on the number of jobs.

Only a single plain or gzip native file is split this way; anything else (stdin, several files whose trajectories
may span them, foreign formats) runs serially.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import traceback
import zlib
from dataclasses import fields
from typing import Any, Callable, Iterable, Iterator

from trajaudit.model import Summary, TrajectoryResult
from trajaudit.reader import Source

MIN_BYTES = 32 * 1024 * 1024  # below this, starting processes costs more than it saves
BATCH = 256


def default_jobs(sources: list[Source], input_format: str) -> int:
    """How many processes `--jobs 0` (auto) uses: all cores for one large native file, else one."""
    if not _splittable(sources, input_format) or _size(sources[0]) < MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def usable(sources: list[Source], input_format: str, jobs: int) -> bool:
    return jobs > 1 and _splittable(sources, input_format) and "fork" in multiprocessing.get_all_start_methods()


def _splittable(sources: list[Source], input_format: str) -> bool:
    if len(sources) != 1 or sources[0].path is None or input_format not in ("auto", "native"):
        return False
    if input_format == "auto":
        from trajaudit import importers

        try:
            return importers.detect(sources[0]).NAME == "native"
        except importers.FormatError:
            return False
    return True


def _size(source: Source) -> int:
    try:
        return os.path.getsize(source.path) if source.path else 0
    except OSError:
        return 0


def route(item: Any, count: int) -> int:
    """The worker that owns a parsed line: by trajectory id, so a trajectory never spans workers."""
    if type(item) is tuple:
        data = item[1]
        if type(data) is dict:
            tid = data.get("trajectory")
            if type(tid) is str:
                return zlib.crc32(tid.encode("utf-8", "surrogatepass")) % count
    return 0


def run(
    make_worker: Callable[[int, int], Any],
    jobs: int,
    summary: Summary,
    merge_extra: Callable[[list[Any]], None] | None = None,
) -> Iterator[Any]:
    """Start `jobs` workers (`make_worker(index, count)` gives an iterable with a `summary` and a `position`),
    yield their items in serial order, and fold their summaries into `summary`."""
    context = multiprocessing.get_context("fork")
    queues = [context.Queue() for _ in range(jobs)]
    processes = [
        context.Process(target=_work, args=(make_worker, index, jobs, queues[index]), daemon=True)
        for index in range(jobs)
    ]
    for process in processes:
        process.start()
    extras: list[Any] = []
    summaries: list[Summary] = []
    try:
        streams = [_drain(queue, summaries, extras) for queue in queues]
        for _, item in heapq.merge(*streams, key=lambda pair: pair[0]):
            yield item
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    for part in summaries:
        _add(summary, part)
    summary.files = max(s.files for s in summaries) if summaries else 0
    summary.bytes = max(s.bytes for s in summaries) if summaries else 0
    summary.formats = dict(summaries[0].formats) if summaries else {}
    summary.unreadable = sorted(set(summary.unreadable))
    if merge_extra is not None:
        merge_extra(extras)


def _drain(queue: Any, summaries: list[Summary], extras: list[Any]) -> Iterator[tuple[Any, Any]]:
    while True:
        message = queue.get()
        if type(message) is list:
            yield from message
        elif message[0] == "done":
            summaries.append(message[1])
            extras.append(message[2])
            return
        else:
            raise RuntimeError(f"a worker process failed:\n{message[1]}")


def _work(make_worker: Callable[[int, int], Any], index: int, count: int, queue: Any) -> None:
    try:
        worker = make_worker(index, count)
        batch: list[tuple[Any, Any]] = []
        for item in worker:
            if isinstance(item, TrajectoryResult):
                item = item.detached()
            batch.append((worker.position, item))
            if len(batch) >= BATCH:
                queue.put(batch)
                batch = []
        if batch:
            queue.put(batch)
        queue.put(("done", worker.summary, getattr(worker, "extra", None)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        queue.put(("failed", traceback.format_exc()))


def _add(total: Summary, part: Summary) -> None:
    for field in fields(Summary):
        mine, theirs = getattr(total, field.name), getattr(part, field.name)
        if isinstance(mine, int):
            setattr(total, field.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        elif isinstance(mine, list):
            mine.extend(theirs)


def owned_lines(items: Iterable[Any], index: int, count: int) -> Iterator[Any]:
    """The parsed lines (and unreadable ones) that belong to worker `index` of `count`, by trajectory id."""
    for item in items:
        if route(item, count) == index:
            yield item
