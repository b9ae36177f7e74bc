"""Using every core on one large native log, with exactly the serial result.

A plain file is cut into byte ranges at line starts (`Share`). This process audits the first range and worker
processes the others, each as if its range were the whole input; this process then puts the pieces together (see
`engine.Audit._split`): a trajectory that lies within one range is exact as its worker found it; one that a range
continues from an earlier one (it was still open at the cut, or an event arrives after its outcome) is re-read from
the state the earlier range left it in. Workers write their results to temporary files, read once this process has
reached that range: their results come after the first range's in the output.

A gzip file cannot be cut by bytes: there each worker reads the whole stream and fully handles only its share of
it: for `audit`, the lines of the trajectories whose id hashes to it (so each trajectory lives in one worker); for
`validate`, every n-th line. Each worker tags its results with where they were produced (the line that closed a
trajectory, or its first line for trajectories closed at the end of input), and the parent merges the workers'
streams by that tag: the same order the serial engine yields, so output does not depend on the number of jobs.

Those two paths are for a single native file. Every other input goes through `plan` and `execute` (at the end of
this module): groups of whole files, or byte ranges of a file whose lines are whole runs (OpenAI chat), merged in
plan order. Standard input and several native files (whose trajectories may span them) run serially.

Workers never outlive this process, however it ends (`_die_with_parent`): a CI job that kills a slow run (SIGKILL,
as `subprocess.run(timeout=...)` does) must not leave workers running under init.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, fields
from typing import IO, Any, Callable, Collection, Iterator, final

import orjson

from trajaudit.model import Summary
from trajaudit.reader import STREAM_ERRORS, Source, lines, salvage, skip_line, stream_failure
from trajaudit.reader import SUFFIXES as JSONL_SUFFIXES
from trajaudit.transport import Packed, pack, unpack

MIN_BYTES = 32 * 1024 * 1024  # below this, starting processes costs more than it saves
BATCH = 256


def default_jobs(sources: list[Source], input_format: str) -> int:
    """How many processes `--jobs 0` (auto) uses: all cores for large input (`plan` decides whether it can be cut),
    else one."""
    if sum(source.size() for source in sources) < MIN_BYTES:
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


_CERTAIN_ID = re.compile(rb'\{\s*"trajectory"\s*:\s*"([^"\\]*)"')


def raw_route(raw: bytes, count: int, owners: dict[bytes, int] | None = None) -> int | None:
    """The owner of a raw line when it can be told without parsing, else None (then every worker parses it).

    Certain only when `trajectory` is the object's first key, its id has no escapes, and the key occurs once (a
    duplicate key would let a later value win): then the parsed id is exactly these bytes. `owners` caches the
    owner of each id seen, since every line of a trajectory repeats it; compact lines (as our writers and most
    loggers produce them) are read without the regular expression."""
    if owners is not None and raw.startswith(_COMPACT_ID):
        end = raw.find(b'"', 15)
        if end > 0:
            owner = owners.get(raw[15:end])
            if owner is None:
                key = raw[15:end]
                owner = owners[key] = -1 if b"\\" in key else zlib.crc32(key) % count
            if owner < 0 or raw.count(b'"trajectory"') != 1:
                return None
            return owner
    match = _CERTAIN_ID.match(raw)
    if match is None or raw.count(b'"trajectory"') != 1:
        return None
    return zlib.crc32(match.group(1)) % count


_COMPACT_ID = b'{"trajectory":"'  # 15 bytes


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
    """Run `jobs` worker processes over a stream that cannot be cut (`make_worker(index, count)` gives an iterable
    with a `summary` and a `position`), yield their items in serial order, and fold their summaries into `summary`.

    Here, unlike with byte ranges (`Split`), every worker's results interleave in the output, so this process only
    merges and formats: measured on 2 cores, that beat also being worker 0 (3.0 s against 3.3 s for 200 MB), because
    the merging would otherwise delay one half of the work."""
    context = multiprocessing.get_context("fork")
    queues = [context.Queue() for _ in range(jobs)]
    processes = [_process(context, _work, (make_worker, index, jobs, queues[index])) for index in range(jobs)]
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
    fold(summary, summaries)
    if merge_extra is not None:
        merge_extra(extras)


def fold(summary: Summary, parts: list[Summary]) -> None:
    """Add the workers' summaries of one file into `summary`."""
    for part in parts:
        add(summary, part)
    summary.files = max(s.files for s in parts)
    summary.bytes = max(s.bytes for s in parts)
    summary.formats = dict(parts[0].formats)
    summary.unreadable = sorted(set(summary.unreadable))


def _drain(queue: Any, summaries: list[Summary], extras: list[Any]) -> Iterator[tuple[Any, Any]]:
    while True:
        message = queue.get()
        if type(message) is list:
            yield from _unpacked(message)
        elif message[0] == "done":
            summaries.append(message[1])
            extras.append(message[2])
            return
        else:
            raise RuntimeError(f"a worker process failed:\n{message[1]}")


def _work(make_worker: Callable[[int, int], Any], index: int, count: int, queue: Any) -> None:
    try:
        worker = make_worker(index, count)
        batch: list[tuple[Any, Packed]] = []
        for item in worker:
            batch.append((worker.position, pack(item, worker.options.whole_events)))
            if len(batch) >= BATCH:
                queue.put(batch)
                batch = []
        if batch:
            queue.put(batch)
        queue.put(("done", worker.summary, getattr(worker, "extra", None)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        queue.put(("failed", traceback.format_exc()))


def add(total: Summary, part: Summary) -> None:
    for field in fields(Summary):
        mine, theirs = getattr(total, field.name), getattr(part, field.name)
        if isinstance(mine, int):
            setattr(total, field.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        elif isinstance(mine, list):
            mine.extend(theirs)


def owned_lines(source: Source, index: int, count: int) -> Iterator[Any]:
    """The lines of worker `index` of `count`, parsed: those routed to it by their raw bytes, and, of the lines that
    cannot be routed unparsed, those whose parsed trajectory id hashes to it. Unreadable lines go to worker 0."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    number = 0
    owners: dict[bytes, int] = {}
    try:
        with source.open() as stream:
            for number, raw in enumerate(lines(stream, source.limits.max_line_bytes), 1):
                owner = raw_route(raw, count, owners)
                if owner is not None and owner != index:
                    continue
                try:
                    parsed = (number, loads(raw))
                except decode_error:
                    salvaged = salvage(source.name, number, raw)  # a lone surrogate escape, or Malformed
                    if type(salvaged) is not tuple:
                        if index == 0 and salvaged is not None:
                            yield salvaged
                        continue
                    parsed = salvaged
                if owner is not None or route(parsed, count) == index:
                    yield parsed
    except STREAM_ERRORS as exc:
        if index == 0:
            yield stream_failure(source.name, number + 1, exc)


@final  # so that `type(partition) is Share` narrows for mypy
@dataclass(frozen=True)
class Share:
    """One worker's part of a plain file: the lines that start in bytes [start, end) (end None: to the end)."""

    index: int
    count: int
    start: int
    end: int | None


# Counting the newlines before a range (for its line numbers) costs about 1/64 of auditing the same bytes: later
# ranges, whose workers count more, are made that much shorter so that all workers finish together.
COUNTING_COST = 1 / 64


def byte_shares(source: Source, jobs: int) -> list[Share] | None:
    """Cut a plain file into up to `jobs` ranges at line starts; None for a compressed file (it cannot be cut), and
    for a file in an object store: numbering a range's lines would fetch every byte before it, so such a file is
    read once, whole, by one process (a folder of them is still spread over processes, file by file)."""
    if source.path is None or source.name.endswith(".gz"):
        return None
    size = source.size()
    r = COUNTING_COST
    unit = size * r / (1 - (1 - r) ** jobs)  # b_k = unit * (1 - (1 - r)^k) / r, b_jobs = size
    cuts = [0]
    with source.open_file() as stream:
        for k in range(1, jobs):
            target = int(unit * (1 - (1 - r) ** k) / r)
            if target <= cuts[-1]:
                continue
            stream.seek(target - 1)
            skip_line(stream)  # to the start of the next line (target itself if a line ends just before it)
            cut = stream.tell()
            if cut >= size:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
    ends: list[int | None] = [*cuts[1:], None]
    return [Share(i, len(cuts), start, end) for i, (start, end) in enumerate(zip(cuts, ends, strict=True))]


COUNT_WINDOW = 1 << 20  # a multiple of mmap.ALLOCATIONGRANULARITY, as window offsets must be; small: its
# comparison makes a temporary array of the same size


def lines_before(source: Source, offset: int) -> int:
    """How many lines end before byte `offset`: the line number of the line there, minus one.

    Counted with numpy over memory-mapped windows, twice as fast as `bytes.count` over reads (0.022 s against
    0.045 s for 100 MB): the worker of the last range counts almost the whole file before it starts. Each window is
    unmapped before the next, so the mapped file never adds more than one window to the process's memory. A file
    that cannot be mapped is read instead."""
    if not offset or source.stdin:
        return 0
    import mmap

    import numpy as np

    count = 0
    with source.open_file() as stream:
        try:
            for start in range(0, offset, COUNT_WINDOW):
                length = min(COUNT_WINDOW, offset - start)
                with mmap.mmap(stream.fileno(), length, access=mmap.ACCESS_READ, offset=start) as window:
                    data = np.frombuffer(window, dtype=np.uint8)
                    count += int(np.count_nonzero(data == 10))
                    del data  # the map cannot close while an array still points into it
            return count
        except (OSError, ValueError):  # no mmap for this file (some special file systems, an object store)
            stream.seek(0)
            left, count = offset, 0
            while left > 0:
                chunk = stream.read(min(left, COUNT_WINDOW))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                left -= len(chunk)
            return count


def range_lines(
    source: Source,
    share: Share,
    first_number: int,
    wanted: Collection[str] | None = None,
    last_number: int | None = None,
) -> Iterator[Any]:
    """The parsed lines of one share, numbered as in the whole file (the first is `first_number + 1`).

    With `wanted`, only the lines of those trajectories, and only up to line `last_number`: the parent's re-reading
    of the trajectories a range continues. Unparsable lines then belong to no trajectory and are skipped."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    number = first_number
    end = share.end if share.end is not None else float("inf")
    last = last_number if last_number is not None else float("inf")
    wanted_raw = {tid.encode("utf-8", "surrogatepass") for tid in wanted} if wanted is not None else None
    try:
        stream = source.open_file()
    except OSError as exc:
        if wanted is None and share.index == 0:  # every share meets a file that cannot be opened: reported once
            yield stream_failure(source.name, None, exc)
        return
    with stream:
        try:
            stream.seek(share.start)
            position = share.start
            for raw in lines(stream, source.limits.max_line_bytes):  # an Overlong's len() is its size in the file
                if position >= end or number >= last:
                    break
                position += len(raw)
                number += 1
                if wanted_raw is not None and raw.startswith(_COMPACT_ID):
                    close = raw.find(b'"', 15)
                    key = raw[15:close]
                    if close > 0 and key not in wanted_raw and b"\\" not in key and raw.count(b'"trajectory"') == 1:
                        continue  # certainly another trajectory's line (see raw_route)
                try:
                    data = loads(raw)
                except decode_error:
                    salvaged = salvage(source.name, number, raw)  # a lone surrogate escape, or Malformed
                    if type(salvaged) is not tuple:
                        if wanted is None and salvaged is not None:
                            yield salvaged
                        continue
                    data = salvaged[1]
                if wanted is None:
                    yield number, data
                elif type(data) is dict:
                    tid = data.get("trajectory")
                    if type(tid) is str and tid in wanted:
                        yield number, data
        except STREAM_ERRORS as exc:
            if wanted is None:
                yield stream_failure(source.name, number + 1, exc)


class Split:
    """The shares of one file at work (`make_worker(share)` gives an iterable with `summary`, `position`, `ledger`
    and `states(ids)`), and handles to their results by share index.

    This process audits the first share itself, while worker processes audit the others and write their results
    to temporary files, read back by `items(k)` once this process has reached share k: memory stays bounded, and
    the first share's results, which come first in the output, need no sending at all. A worker stays alive after
    its share, holding the trajectories still open at its end, until this process has asked for those it needs
    (`states`) and calls `close`."""

    def __init__(self, make_worker: Callable[[Share], Any], shares: list[Share]) -> None:
        context = multiprocessing.get_context("fork")
        rest = shares[1:]
        self._queues = [context.Queue() for _ in rest]
        self._requests = [context.Queue() for _ in rest]
        self._spills = [tempfile.TemporaryFile() for _ in rest]
        self._ends: list[tuple[Summary, Any] | None] = [None] * len(rest)
        self._processes = [
            _process(context, _serve, (make_worker, share, self._queues[k], self._spills[k], self._requests[k]))
            for k, share in enumerate(rest)
        ]
        for process in self._processes:
            process.start()
        self._first = make_worker(shares[0])

    def items(self, k: int) -> Iterator[tuple[Any, Any]]:
        """Share k's (position, item) pairs, in the order they were produced."""
        if k == 0:
            first = self._first
            for item in first:
                yield first.position, item
            return
        spill = self._spills[k - 1]
        self.end(k)
        spill.seek(0)
        load = pickle.load
        while True:
            try:
                batch = load(spill)
            except EOFError:
                break
            yield from _unpacked(batch)
        spill.close()

    def end(self, k: int) -> tuple[Summary, Any]:
        """Share k's summary and ledger, once it is done."""
        if k == 0:
            return self._first.summary, self._first.ledger
        if self._ends[k - 1] is None:
            self._ends[k - 1] = self._message(k - 1)[1:]
        return self._ends[k - 1]  # type: ignore[return-value]

    def states(self, k: int, ids: list[str]) -> dict[str, Any]:
        if k == 0:
            return self._first.states(ids)
        self._requests[k - 1].put(ids)
        return self._message(k - 1)[1]

    def close(self) -> None:
        """Let the workers go; one still in its share (this process stopped early, e.g. on an error) is stopped."""
        for requests, process, ended in zip(self._requests, self._processes, self._ends, strict=True):
            if ended is None:
                process.terminate()
            else:
                requests.put(None)
        for process in self._processes:
            process.join(timeout=2)
            if process.is_alive():
                process.terminate()
                process.join()
        for spill in self._spills:
            spill.close()

    def _message(self, index: int) -> Any:
        message = self._queues[index].get()
        if type(message) is tuple and message[0] == "failed":
            raise RuntimeError(f"a worker process failed:\n{message[1]}")
        return message


def _serve(make_worker: Callable[[Share], Any], share: Share, queue: Any, spill: IO[bytes], requests: Any) -> None:
    try:
        worker = make_worker(share)
        batch: list[tuple[Any, Packed]] = []
        dump = pickle.dump
        for item in worker:
            batch.append((worker.position, pack(item, worker.options.whole_events)))
            if len(batch) >= BATCH:
                dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
        spill.flush()
        queue.put(("done", worker.summary, worker.ledger))
        while (ids := requests.get()) is not None:
            queue.put(("states", worker.states(ids)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        queue.put(("failed", traceback.format_exc()))


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL = 0.25  # seconds between a worker's checks that its parent is still there (where prctl is missing)


def _process(context: Any, target: Callable[..., None], args: tuple[Any, ...]) -> Any:
    """A worker process running `target(*args)` that dies with this one."""
    from_main = threading.current_thread() is threading.main_thread()
    return context.Process(target=_die_with_parent, args=(os.getpid(), from_main, target, args), daemon=True)


def _die_with_parent(parent: int, from_main: bool, target: Callable[..., None], args: tuple[Any, ...]) -> None:
    """Run `target(*args)` in a worker that ends as soon as its parent does (see `_bind_to_parent`)."""
    _bind_to_parent(parent, from_main)
    target(*args)


def _bind_to_parent(parent: int, from_main: bool) -> None:
    """Make this (forked) worker end as soon as its parent does.

    On Linux the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). It fires when the *thread*
    that forked exits, so it is armed only for workers forked from the main thread, which lives as long as the
    process. Everywhere, a watcher thread also checks that the parent is still ours (a dead parent's children are
    re-parented), which covers other systems, workers forked from other threads, and a parent that died before
    prctl took effect."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which came along with fork
    if from_main and sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to call: the watcher alone
            pass
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="trajaudit-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _unpacked(batch: list[tuple[Any, Packed]]) -> Iterator[tuple[Any, Any]]:
    """(position, item) pairs from a batch as workers send it: items packed into plain tuples."""
    for position, packed in batch:
        yield position, unpack(packed)


# --- The seam every format goes through: plan the input into parts, execute them, merge in plan order -----------


@final
@dataclass(frozen=True)
class Part:
    """One picklable unit of work: a group of whole files (indices into the run's sources, contiguous, in order), or
    with `share`, a byte range of the one file in `files`. The serial path is one part holding every file."""

    index: int
    files: tuple[int, ...]
    share: Share | None = None
    format: str | None = None  # the format `plan` found for a split file (its head is read once, here)


@dataclass
class Piece:
    """What a part yields per file (or per range): the file's index, the format read, the trajectory ids its importer
    built (before any renaming: see `importers.DistinctIds`), its results and findings packed (`transport`), its
    counts, and whether it is exactly what the serial path gives (False: a range cut a run or hit a per-file cap,
    so the parent reads the whole file again)."""

    file: int
    part: int
    format: str | None
    ids: tuple[str, ...]
    items: list[Packed]
    summary: Summary
    exact: bool = True
    admitted: int = 0  # input findings (TA001, TA002) admitted under the per-file cap


PARTS_PER_JOB = 4  # more parts than workers, so that one slow group of files does not leave a core idle


def plan(sources: list[Source], input_format: str, jobs: int) -> list[Part]:
    """The parts of a run, in serial order: one part unless the work can be cut without changing the output.

    - several files, none native (native logs may spread one trajectory over files): groups of whole files, of
      about equal bytes;
    - one plain file of a format whose lines are whole runs (`LINE_RECORDS`, e.g. OpenAI chat): byte ranges.
    Native single files are cut by `Split` (their trajectories continue across ranges), not here."""
    whole = [Part(0, tuple(range(len(sources))))]
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return whole
    if any(source.stdin or source.problem is not None or source.note is not None for source in sources):
        return whole
    if len(sources) == 1:
        module = _format_of(sources[0], input_format)
        if module is None or not getattr(module, "LINE_RECORDS", False):
            return whole
        shares = byte_shares(sources[0], jobs * PARTS_PER_JOB)
        if shares is None or len(shares) < 2:
            return whole
        return [Part(k, (0,), share, module.NAME) for k, share in enumerate(shares)]
    # Only JSONL files can be native logs (whose trajectories may span files): those are looked at here. Should a
    # worker still find a native file, the parent reads from there on itself (`engine.Audit._merged`).
    if input_format == "native" or any(
        source.name.endswith(JSONL_SUFFIXES) and getattr(_format_of(source, input_format), "NAME", "native") == "native"
        for source in sources
    ):
        return whole
    return _groups(sources, jobs * PARTS_PER_JOB)


def _format_of(source: Source, input_format: str) -> Any:
    from trajaudit import importers

    try:
        return importers.detect(source) if input_format == "auto" else importers.by_name(input_format)
    except importers.FormatError:
        return None


def _groups(sources: list[Source], count: int) -> list[Part]:
    """Contiguous groups of files of about `total / count` bytes each."""
    sizes = [source.size() for source in sources]
    target = max(1, sum(sizes) // count)
    parts: list[Part] = []
    group: list[int] = []
    filled = 0
    for index, size in enumerate(sizes):
        group.append(index)
        filled += size
        if filled >= target:
            parts.append(Part(len(parts), tuple(group)))
            group, filled = [], 0
    if group:
        parts.append(Part(len(parts), tuple(group)))
    return parts


_WORK: Callable[[Part], Iterator[Piece]] | None = None  # set before the pool forks: what its workers run


def execute(parts: list[Part], work: Callable[[Part], Iterator[Piece]], jobs: int) -> Iterator[Piece]:
    """Run `work(part)` for every part on `jobs` worker processes and yield the pieces of part 0, then of part 1, ...
    (each part's in the order made), whatever order the workers finish in. Workers die with this process."""
    global _WORK
    if len(parts) == 1 or jobs <= 1:
        for part in parts:
            yield from work(part)
        return
    _WORK = work
    context = multiprocessing.get_context("fork")
    parent = os.getpid()
    from_main = threading.current_thread() is threading.main_thread()
    pool = context.Pool(min(jobs, len(parts)), initializer=_bind_to_parent, initargs=(parent, from_main))
    try:
        for pieces in pool.imap(_run_part, parts):
            yield from pieces
    finally:
        pool.terminate()
        pool.join()
        _WORK = None


def _run_part(part: Part) -> list[Piece]:
    assert _WORK is not None
    return list(_WORK(part))
