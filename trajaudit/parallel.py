"""The seam every format goes through: `plan` cuts the input into `Part`s, `execute` runs them on worker processes
and yields their `Piece`s in plan order, and the engine merges those (`engine.Audit._merged`,
`engine.Validation._merged`). The serial path is the same code with one part.

A part is a group of whole files, or a byte range (`Share`) of one plain file cut at line starts: a native log, or a
log whose lines are whole runs (OpenAI chat). A native range is audited as if it were the whole input, its lines
numbered from 1 (the merge renumbers them: `Share`); its piece says what it leaves open at its end, and the merge
re-reads here only the trajectories a later range continues (`continued_lines`). A compressed stream cannot be cut:
it is one part.

Workers never outlive this process, however it ends (`_bind_to_parent`): a CI job that kills a slow run (SIGKILL,
as `subprocess.run(timeout=...)` does) must not leave workers running under init.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import fields
from typing import Any, Callable, Collection, Iterator, final

import orjson

from trajaudit import lazy
from trajaudit.model import Summary
from trajaudit.reader import CHUNK, STREAM_ERRORS, Source, Span, lines, salvage
from trajaudit.records import dataclass
from trajaudit.transport import Packed

MIN_BYTES = 32 * 1024 * 1024  # below this, starting processes costs more than it saves


def default_jobs(sources: list[Source], input_format: str) -> int:
    """How many processes `--jobs 0` (auto) uses: all cores for large input (`plan` decides whether it can be cut),
    else one."""
    if sum(source.size() for source in sources) < MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def add(total: Summary, part: Summary) -> None:
    """Add one piece's counts into the run's summary."""
    for field in fields(Summary):
        mine, theirs = getattr(total, field.name), getattr(part, field.name)
        if isinstance(mine, int):
            setattr(total, field.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        elif isinstance(mine, list):
            mine.extend(theirs)


@final
@dataclass(frozen=True)
class Share:
    """A byte range of a plain file: the lines that start in bytes [start, end) (end None: to the end), of which the
    first is line `lines + 1` of the file; `lines` None: not counted. Then the range's worker numbers its lines from 1
    and says how many it read (`Piece.lines`), and the merge, which takes the ranges in order, adds those of the
    ranges before: no process reads the file ahead of the work to count its lines (on a file out of the page cache
    that serial read goes at disk speed; on many cores it bounds the speed-up). Only an imported format's ranges are
    counted: its importer builds ids (`<file>:<line>`) and origins from the line numbers."""

    index: int
    count: int
    start: int
    end: int | None
    lines: int | None = None  # lines before the range

    def span(self) -> Span:
        return Span(self.start, self.end, self.lines or 0)


def byte_shares(source: Source, count: int, count_lines: bool = False, taper: int = 0) -> list[Share] | None:
    """Cut a plain file into up to `count` ranges of about equal bytes at line starts, the last `taper` of them cut
    again into quarters (see `bounds`); None for a compressed file (it cannot be cut). Each cut reads only the rest
    of one line; with `count_lines`, the lines before each cut are counted on the way (one read of the file up to its
    last cut, ~0.1 s per 100 MB)."""
    if source.path is None or source.name.endswith(".gz"):
        return None
    size = source.size()
    cuts: list[tuple[int, int | None]] = [(0, 0 if count_lines else None)]
    read = lines = 0
    with source.open_file() as stream:
        for target in bounds(size, count, taper):
            if target <= cuts[-1][0]:
                continue
            if not count_lines:
                stream.seek(target - 1)
                read = target - 1
            while read < target - 1 and (chunk := stream.read(min(CHUNK, target - 1 - read))):
                read += len(chunk)
                lines += newlines(chunk)
            while chunk := stream.readline(CHUNK):  # on to the start of the next line (at target if one ends before)
                read += len(chunk)
                if chunk[-1] == 10:
                    lines += 1
                    break
            if read >= size:
                break
            cuts.append((read, lines if count_lines else None))
    ends: list[int | None] = [start for start, _ in cuts[1:]] + [None]
    return [Share(k, len(cuts), start, end, before)
            for k, ((start, before), end) in enumerate(zip(cuts, ends, strict=True))]


def newlines(chunk: bytes) -> int:
    """How many newlines `chunk` holds, found with `bytes.find` (memchr) one after the other: `bytes.count` looks at
    each byte in turn, 5 instructions a byte, where the loop costs a few hundred a line. On JSONL (lines of 100 bytes
    and more) it is several times quicker: 16 ms against 76 for a 200 MB OpenAI chat log, 45 against 71 for a
    native one."""
    count = 0
    find = chunk.find
    at = find(b"\n")
    while at >= 0:
        count += 1
        at = find(b"\n", at + 1)
    return count


def continued_lines(
    source: Source, share: Share, first_number: int, wanted: Collection[str], last_number: int
) -> Iterator[tuple[int, Any]]:
    """The parsed lines of trajectories `wanted` in one share, up to line `last_number`, numbered as in the whole file
    (the share's first line is `first_number + 1`): the merge's re-reading of the trajectories a range continues.
    Lines that cannot be parsed belong to no trajectory and are skipped (the range's worker reported them)."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    number = first_number
    end = share.end if share.end is not None else float("inf")
    wanted_raw = {tid.encode("utf-8", "surrogatepass") for tid in wanted}
    try:
        stream = source.open_file()
    except OSError:
        return  # the range's worker reported it
    with stream:
        try:
            stream.seek(share.start)
            position = share.start
            for raw in lines(stream, source.limits.max_line_bytes):  # an Overlong's len() is its size in the file
                if position >= end or number >= last_number:
                    break
                position += len(raw)
                number += 1
                if raw.startswith(_COMPACT_ID):
                    close = raw.find(b'"', 15)
                    key = raw[15:close]
                    if close > 0 and key not in wanted_raw and b"\\" not in key and raw.count(b'"trajectory"') == 1:
                        continue  # certainly another trajectory's line: the parsed id is exactly these bytes
                try:
                    data = loads(raw)
                except decode_error:
                    salvaged = salvage(source.name, number, raw)  # a lone surrogate escape, or Malformed
                    if type(salvaged) is not tuple:
                        continue
                    data = salvaged[1]
                if type(data) is dict:
                    tid = data.get("trajectory")
                    if type(tid) is str and tid in wanted:
                        yield number, data
        except STREAM_ERRORS:
            return  # the range's worker reported it


_COMPACT_ID = b'{"trajectory":"'  # 15 bytes


def line_starts(source: Source, start: int, numbers: Collection[int]) -> dict[int, int]:
    """Where lines `numbers` of a plain file begin, counting from line 1 at byte `start`, so that the merge can read a
    run's lines again from its first (`continued_lines`). Newlines are found one at a time with `bytes.find`, as in
    `newlines`."""
    wanted = sorted(set(numbers))
    found: dict[int, int] = {}
    if not wanted:
        return found
    targets = iter(wanted)
    target = next(targets)
    line, position = 1, start  # line `line` begins at `position` + `at` in the chunk being read
    with source.open_file() as stream:
        stream.seek(start)
        while chunk := stream.read(CHUNK):
            at = 0
            while True:
                if line == target:
                    found[line] = position + at
                    target = next(targets, 0)
                    if not target:
                        return found
                    continue
                at = chunk.find(b"\n", at) + 1
                if not at:  # the line goes on in the next chunk
                    break
                line += 1
            position += len(chunk)
    return found


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL = 0.25  # seconds between a worker's checks that its parent is still there (where prctl is missing)


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
    or a native file that hit its cap left runs open, so the parent reads the file again from that range on). A
    native range or file also says where its items were
    produced (`places`, to interleave the trajectories the merge re-reads, and to tell the results of runs left open)
    and what it left open (`carry`, an `engine.NativeEnd`)."""

    file: int
    part: int
    format: str | None
    ids: tuple[str, ...]
    items: list[Packed]
    summary: Summary
    exact: bool = True
    admitted: int = 0  # input findings (TA001, TA002) admitted under the per-file cap
    places: list[tuple[int, int]] | None = None
    carry: Any = None
    refused: dict[str, int] | None = None  # `validate`: input findings its own cap refused, by code
    lines: int = 0  # a range: the lines it holds, numbered from 1 in its items (see `Share`)


PARTS_PER_JOB = 4  # more parts than workers, so that one slow part does not leave a core idle
MIN_NATIVE_RANGE = 8 * 1024 * 1024  # bytes: a native log is cut into fewer ranges per job below this size
MAX_RANGE = 16 * 1024 * 1024  # bytes: larger files are cut into more ranges
WHOLE_EVENTS_RANGE = 4 * 1024 * 1024  # the same where pieces carry every event (the text view, --format otel)
GROUPS_PER_JOB = 16  # whole files: small groups, handed out as workers free up, cost little to send


def plan(
    sources: list[Source], input_format: str, jobs: int, lines_apart: bool = False, max_range: int | None = None
) -> list[Part]:
    """The parts of a run, in serial order: one part unless the work can be cut without changing the output.

    - one plain native file, or one of a format whose lines are whole runs (`LINE_RECORDS`, e.g. OpenAI chat): byte
      ranges (a native range's trajectories may continue in later ranges: the merge carries them on);
    - several files: groups of whole files, of about equal bytes (a native log's runs may continue in a later file:
      the merge carries them on as across ranges, see `engine._NativeRuns`).
    `lines_apart` (`validate`, which checks each line on its own): imported files are never cut (their importers
    may build a run from several lines). `max_range`: no byte range larger
    (default `MAX_RANGE`; less where pieces carry every event, see `engine.Options.whole_events`)."""
    whole = [Part(0, tuple(range(len(sources))))]
    if jobs <= 1:
        return whole
    parts = _cut(sources, input_format, jobs, lines_apart, max_range)
    return parts if len(parts) < 2 or _can_fork() else whole


def _can_fork() -> bool:
    """Whether workers can be forked. Asked only of a run cut into parts: importing `multiprocessing` costs a run
    in one part ~10 M instructions of start-up (bench/README.md, issue 12)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _cut(
    sources: list[Source], input_format: str, jobs: int, lines_apart: bool, max_range: int | None
) -> list[Part]:
    """`plan`'s parts, before asking whether workers can be forked."""
    whole = [Part(0, tuple(range(len(sources))))]
    if any(source.stdin or source.problem is not None or source.note is not None for source in sources):
        return whole
    if len(sources) == 1:
        module = _format_of(sources[0], input_format)
        native = getattr(module, "NAME", None) == "native"
        if module is None or not (native or (getattr(module, "LINE_RECORDS", False) and not lines_apart)):
            return whole
        per_job = PARTS_PER_JOB
        if native:  # each cut costs the merge a re-reading of the trajectories it splits: not for a few MB
            per_job = max(1, min(PARTS_PER_JOB, sources[0].size() // (jobs * MIN_NATIVE_RANGE)))
        size = sources[0].size()  # and no range over max_range: a range's pieces are held at once (see `execute`)
        count = max(jobs * per_job, -(-size // (max_range or MAX_RANGE)))
        shares = byte_shares(sources[0], count, count_lines=not native, taper=jobs)
        if shares is None or len(shares) < 2:
            return whole
        return [Part(k, (0,), share, module.NAME) for k, share in enumerate(shares)]
    # A native file's runs may continue in a later file: its worker says which runs it left open and judges them as
    # if the input ended there; the merge keeps those results until no later file continues them, and reads a
    # continued run's lines again itself (`engine._NativeRuns`)
    return _groups(sources, jobs * GROUPS_PER_JOB, taper=jobs)


def _format_of(source: Source, input_format: str) -> Any:
    from trajaudit import importers

    try:
        return importers.detect(source) if input_format == "auto" else importers.by_name(input_format)
    except importers.FormatError:
        return None


def _groups(sources: list[Source], count: int, taper: int = 0) -> list[Part]:
    """Contiguous groups of files of about `total / count` bytes each, the last `taper` cut into quarters."""
    sizes = [source.size() for source in sources]
    ends = bounds(sum(sizes), count, taper)
    parts: list[Part] = []
    group: list[int] = []
    filled = reached = 0
    for index, size in enumerate(sizes):
        group.append(index)
        filled += size
        if reached < len(ends) and filled >= ends[reached]:
            parts.append(Part(len(parts), tuple(group)))
            group = []
            while reached < len(ends) and filled >= ends[reached]:
                reached += 1
    if group:
        parts.append(Part(len(parts), tuple(group)))
    return parts


TAPER = 4  # the last parts of a run are this many times smaller


def bounds(total: int, count: int, taper: int = 0) -> list[int]:
    """Where `count` parts of `total` bytes end (but the last), the last `taper` of them each cut into `TAPER`:
    processes take parts as they free up, so the run ends on small parts and they finish close together, where a
    last full part would leave the others idle for as long as it takes."""
    taper = max(0, min(taper, count - 1))
    weights = [TAPER] * (count - taper) + [1] * (taper * TAPER)
    whole = sum(weights)
    ends, reached = [], 0
    for weight in weights[:-1]:
        reached += weight
        ends.append(total * reached // whole)
    return ends


_WORK: Callable[[Part], Iterator[Piece]] | None = None  # set before the pool forks: what its workers run
_SPILLS: str | None = None  # the directory where workers leave their pieces


class WorkerLost(Exception):
    """A worker process ended without finishing its part (killed, e.g. by the out-of-memory killer, or crashed):
    the run cannot be completed, and says so, instead of waiting for the part for ever."""


def execute(parts: list[Part], work: Callable[[Part], Iterator[Piece]], jobs: int) -> Iterator[Piece]:
    """Run `work(part)` for every part on `jobs` processes, this one included, and yield the pieces of part 0, then
    of part 1, ... (each part's in the order made), whatever order they finish in. Workers die with this process; a
    worker that dies before finishing its part raises `WorkerLost` here.

    This process is one of the `jobs` (a third process merging beside two workers would compete with them for two
    cores): parts are handed out in plan order to whichever process is free (`_Handout`); this one runs part 0 and
    every part it reaches before a worker does straight into the merge, and takes the next part instead of waiting
    for a worker's. A part finished before the merge reaches it (a worker's, or one taken here ahead of its turn)
    leaves its pieces in a temporary file, so pieces wait on disk, not in memory, when the report is slower than
    the audit (the text view)."""
    global _WORK, _SPILLS
    if len(parts) == 1 or jobs <= 1:
        for part in parts:
            yield from work(part)
        return
    import gc
    import multiprocessing
    import pickle
    import tempfile
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    lazy.compile_all()  # once here, not once per worker
    gc.freeze()  # and out of the collector's reach, so that workers do not copy the pages it would touch
    context = multiprocessing.get_context("fork")
    parent = os.getpid()
    from_main = threading.current_thread() is threading.main_thread()
    root = tempfile.gettempdir()
    _sweep_spills(root)
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{parent}-", dir=root) as spills:
        _WORK, _SPILLS = work, spills
        # concurrent.futures, not multiprocessing.Pool: a Pool whose worker is killed replaces it and waits for the
        # lost part for ever; this executor notices the death and fails the parts still waiting
        workers = min(jobs, len(parts)) - 1
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_bind_to_parent, initargs=(parent, from_main)
        )
        try:
            handout = _Handout(pool, parts, workers)
            yield from work(parts[0])
            taken: dict[int, str] = {}  # parts run here ahead of their turn: their spill files
            for index in range(1, len(parts)):
                if index in taken:
                    name = taken.pop(index)
                else:
                    future = handout.claim(index)
                    if future is None:  # no worker had it: run here, straight to the merge
                        yield from work(parts[index])
                        continue
                    while not future.done() and (later := handout.take()) is not None:
                        taken[later] = _run_part(parts[later])
                    name = future.result()
                with open(name, "rb") as spill:
                    pieces = pickle.load(spill)
                os.unlink(name)
                yield from pieces
        except BrokenProcessPool as exc:
            raise WorkerLost(
                "a worker process ended before finishing its part (killed, e.g. by the out-of-memory killer, or "
                "crashed): the run is incomplete (with -o, no report is written); try fewer --jobs or more memory"
            ) from exc
        finally:
            _stop(pool)
            _WORK = _SPILLS = None


class _Handout:
    """The parts after the first, handed out in plan order to whichever process is free: a worker gets its next part
    from the executor's thread as soon as it finishes one (`_give`), this process takes one where it would otherwise
    wait (`take`, `claim`). The pool is never given more parts than it has workers: the executor would queue one
    more on each busy worker, where this process, idle at the end of a run, could not take it back."""

    def __init__(self, pool: Any, parts: list[Part], workers: int) -> None:
        self.pool = pool
        self.parts = parts
        self.lock = threading.Lock()
        self.futures: dict[int, Any] = {}  # part -> its worker's future
        self.next = 1  # parts before it are handed out; part 0 is this process's
        for _ in range(workers):
            self._give()

    def take(self) -> int | None:
        """The next part no one has, now this process's; None when all are handed out."""
        with self.lock:
            if self.next >= len(self.parts):
                return None
            self.next += 1
            return self.next - 1

    def claim(self, index: int) -> Any:
        """The future of the worker that has part `index` (every part before it handed out); None if none had it,
        and now this process has."""
        with self.lock:
            if index in self.futures:
                return self.futures.pop(index)
            assert self.next == index, (self.next, index)
            self.next += 1
            return None

    def _give(self, done: Any = None) -> None:
        """Hand a worker the next part: at the start, and when one of its parts is done (then in the executor's
        thread). Not after a failure: the run is over, and the wait for that part reports it."""
        from concurrent.futures.process import BrokenProcessPool

        if done is not None and (done.cancelled() or done.exception() is not None):
            return
        with self.lock:
            if self.next >= len(self.parts):
                return
            try:
                future = self.pool.submit(_run_part, self.parts[self.next])
            except (BrokenProcessPool, RuntimeError):  # broken, or shut down as the run ends: this process goes on
                return
            self.futures[self.next] = future
            self.next += 1
        future.add_done_callback(self._give)


def _stop(pool: Any) -> None:
    """Cancel what has not started and end the workers now: they may be in the middle of a part that is no longer
    wanted (the run failed, or its reader stopped early), and they hold nothing to save (their spill files go with
    the folder). SIGKILL, not SIGTERM: a worker ended while it held the task queue's lock leaves the others blocked
    on it, and a blocked worker must not hold up this process. The executor has no public way to end running
    workers before Python 3.14 (`terminate_workers`), hence its `_processes`."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(STOP_WAIT)


STOP_WAIT = 5.0  # seconds to wait for a killed worker to be reaped: never a hang, whatever happened to it


SPILL_PREFIX = "trajaudit-spill-"  # then the pid of the run that made the folder
STALE_SPILLS = 3600  # seconds untouched before a dead run's folder is removed (see `_sweep_spills`)


def _sweep_spills(root: str) -> None:
    """Remove the spill folders of runs that were killed: SIGKILL or the OOM killer leave no chance to clean up, and
    a folder may hold a part's pickled results. Taken: this user's folders whose run's process no longer exists and
    that nobody touched for `STALE_SPILLS` (a process id seen from another pid namespace sharing this temporary
    folder may look dead: a live run writes its folder at every part)."""
    import shutil

    uid = os.getuid()
    stale = time.time() - STALE_SPILLS
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        owner = entry.name[len(SPILL_PREFIX):].split("-", 1)[0]
        if not entry.name.startswith(SPILL_PREFIX) or not owner.isdigit():
            continue
        try:
            status = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or status.st_uid != uid or status.st_mtime > stale:
                continue
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:  # gone meanwhile, or a live process (PermissionError: another user's)
            continue


def _run_part(part: Part) -> str:
    """Run a part (on a worker, or taken by the parent) and leave its pieces in a spill file; its name."""
    import pickle  # already imported by `execute`, before the pool forked

    assert _WORK is not None and _SPILLS is not None
    name = os.path.join(_SPILLS, f"part{part.index}")
    with open(name, "wb") as spill:
        pickle.dump(list(_WORK(part)), spill, protocol=pickle.HIGHEST_PROTOCOL)
    return name
