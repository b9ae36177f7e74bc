"""The engine: events in, trajectories assembled, rules run, findings out. Returns data; never prints.

A trajectory is closed (its rules run and its result yielded) when its `outcome` event arrives, when the source it
came from ends (imported formats hold whole trajectories per file), or when all input is read (native logs may spread
a trajectory over several files). Memory is therefore bounded by the trajectories open at once, not by input size,
and those are capped (`Limits.max_open_trajectories`: past it, the one opened first is closed early).
"""

from __future__ import annotations

import heapq
import itertools
import traceback
from collections import deque
from dataclasses import dataclass, field, replace
from operator import gt, itemgetter
from typing import Any, Callable, Iterable, Iterator, Mapping

from trajaudit import importers, parallel, schema
from trajaudit.config import ActiveRule, Config
from trajaudit.context import Context
from trajaudit.model import (
    ClaimRecord,
    Event,
    Finding,
    Limits,
    Severity,
    StepConfidence,
    Summary,
    Trajectory,
    TrajectoryResult,
)
from trajaudit.reader import DEFAULT_LIMITS, Ended, Malformed, Source, file_size, iter_json
from trajaudit.rules import BY_CODE
from trajaudit.transport import pack, unpack
from trajaudit.verdicts import claim_records

Item = TrajectoryResult | Finding
State = tuple[list[Event], list[Finding]]  # an open trajectory's events so far and the findings noted for it
Placed = tuple[tuple[int, int], Item]  # an item and the position that orders it (see Audit.position)


@dataclass(frozen=True)
class Options:
    """What the engine needs to know beyond the rules."""

    input_format: str = "auto"
    outcomes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    outcomes_file: str = "--outcomes"
    beside: Mapping[str, Any] = field(default_factory=dict)  # log name -> outcomes.Beside found next to it
    on_format: Callable[[Source, str], None] | None = None  # told which format `auto` chose per source
    jobs: int = 1  # processes (0: as many as cores when the input is large); results do not depend on it
    whole_events: bool = False  # workers send every event of a result back (the step-by-step text view needs them)
    step_confidence: bool = False  # each result carries its confidence per step (the text view draws it)
    # runs the parts of a parallel run and yields their pieces in plan order (`parallel.execute`'s signature); another
    # executor (a cluster's) plugs in here and the merge stays the same
    executor: Callable[..., Iterator[parallel.Piece]] | None = None
    limits: Limits = DEFAULT_LIMITS  # for `Validation`; an `Audit` takes its config's


def input_finding(problem: Malformed, trajectory: str | None = None, step: int | None = None) -> Finding:
    rule = BY_CODE[problem.code]
    return Finding(rule.code, rule.name, rule.severity, problem.file, problem.line, trajectory, step, problem.message)


class Assembler:
    """Groups a stream of events into trajectories, closing each as soon as it is complete."""

    def __init__(
        self,
        outcomes: Mapping[str, Mapping[str, Any]],
        outcomes_file: str,
        max_open: int | None = None,
        beside: Mapping[str, Any] | None = None,
    ) -> None:
        self.open: dict[str, list[Event]] = {}  # id -> events so far; read directly by the per-line loop
        self.max_open = max_open  # more open at once: the oldest opened is closed early (see `evict`)
        self._closed: set[str] = set()
        self._evicted: set[str] = set()
        self._opened: deque[str] = deque()  # ids in opening order, with some since closed (see `evict`)
        self._early: dict[str, list[Finding]] = {}
        self._outcomes = outcomes
        self._outcomes_file = outcomes_file
        self._beside = beside or {}
        self.next_seq = itertools.count(1).__next__
        self.last_line: dict[str, int] | None = None  # set to a dict to note each closed trajectory's last line

    def seed(self, held: Mapping[str, State], closed: Iterable[str]) -> None:
        """Start from where an earlier part of the input left these trajectories (open ones and closed ids)."""
        for tid, (events, early) in held.items():
            self.open[tid] = list(events)
            if early:
                self._early[tid] = list(early)
        self._closed.update(closed)
        seqs = [e[3] for events, _ in held.values() for e in events]
        self.next_seq = itertools.count(max(seqs, default=0) + 1).__next__  # arrival order goes on from theirs

    def held(self) -> dict[str, State]:
        """A copy of the open trajectories' state (events so far, findings noted), to carry them elsewhere."""
        return {tid: (events[:], self._early.get(tid, [])[:]) for tid, events in self.open.items()}

    def closed_ids(self) -> set[str]:
        return set(self._closed)

    def start(self, tid: str, event: Event) -> list[Event]:
        """Open a trajectory for its first event (noting it if the id was already closed by an outcome)."""
        events = self.open[tid] = []
        if self.max_open is not None:
            self._remember(tid)
        if tid in self._closed:
            self.note(tid, _late_event(event))
        elif tid in self._evicted:
            self._evicted.discard(tid)
            self.note(tid, _continued(event, self.max_open))
        return events

    def over_limit(self) -> bool:
        return self.max_open is not None and len(self.open) > self.max_open

    def evict(self) -> Trajectory:
        """Close the trajectory opened first, to keep at most `max_open` in memory: it is audited as it stands, and
        if more of its events come later they are audited as a second part with a TA003 finding saying why. The
        oldest, because a trajectory that has waited longest is the likeliest to be over (an agent that died
        without an outcome); refusing new ones instead would leave them unaudited."""
        # Not next(iter(self.open)): a dict whose first entries keep being deleted is scanned from its start.
        opened = self._opened
        while (tid := opened.popleft()) not in self.open:
            pass
        known = tid in self._closed
        trajectory = self.close(tid)
        if not known:
            self._closed.discard(tid)
            self._evicted.add(tid)
        return trajectory

    def note(self, tid: str, finding: Finding) -> None:
        """A finding about a trajectory that is reported with its result (e.g. a schema error in one of its lines)."""
        self._early.setdefault(tid, []).append(finding)
        if tid not in self.open:
            self.open[tid] = []
            if self.max_open is not None:
                self._remember(tid)

    def _remember(self, tid: str) -> None:
        opened = self._opened
        opened.append(tid)
        if len(opened) > 2 * len(self.open) + 64:  # forget the ids closed since (kept once if reopened)
            self._opened = deque(dict.fromkeys(t for t in opened if t in self.open))

    def close(self, tid: str) -> Trajectory:
        events = self.open.pop(tid)
        self._closed.add(tid)
        if self.last_line is not None:
            lines = [e[1] for e in events] + [f.line for f in self._early.get(tid, ())]
            self.last_line[tid] = max((n for n in lines if n is not None), default=0)
        steps = [e[5] for e in events]
        if any(map(gt, steps, steps[1:])):
            events.sort(key=itemgetter(5))  # by step; arrival order breaks ties
        attached = self._attached(tid, events)
        if attached is not None and not any(e.kind == "outcome" for e in events):
            events.append(attached)
        return Trajectory(tid, tuple(events))

    def end(self, tid: str) -> Trajectory | None:
        """An importer says run `tid` is complete (`reader.Ended`): close it if still open (an outcome may have closed
        it), and forget the id: the same id later in the source is another run, as in the next file."""
        trajectory = self.close(tid) if tid in self.open else None
        self._closed.discard(tid)
        self._evicted.discard(tid)
        return trajectory

    def close_all(self) -> Iterator[Trajectory]:
        for tid in list(self.open):
            yield self.close(tid)

    def end_of_document(self) -> Iterator[Trajectory]:
        """Close what an imported source left open, and forget its ids: such a source holds whole runs, so the
        same id in the next file (two agents' result files for the same tasks) is another run, not a late event."""
        yield from self.close_all()
        self._closed.clear()
        self._evicted.clear()

    def early_findings(self, tid: str) -> list[Finding]:
        return self._early.pop(tid, [])

    def _attached(self, tid: str, events: list[Event]) -> Event | None:
        """The outcome kept apart from the log: from --outcomes, else from a file found beside the log's file."""
        external = self._outcomes.get(tid)
        if external is not None:
            origin = {"file": self._outcomes_file, "attached": "--outcomes"}
            return self._outcome_event(tid, external, events, self._outcomes_file, origin)
        beside = self._beside.get(events[0].file) if self._beside and events else None
        if beside is None:
            return None
        verdict = beside.verdict_for(tid, events)
        if verdict is None:
            return None
        beside.name_task(events)
        return self._outcome_event(tid, verdict, events, beside.file, beside.origin())

    def _outcome_event(
        self, tid: str, external: Mapping[str, Any], events: list[Event], file: str, origin: dict[str, str]
    ) -> Event:
        data = {
            "trajectory": tid,
            "step": (events[-1].step + 1) if events else 0,
            "kind": "outcome",
            **{k: v for k, v in external.items() if k in ("success", "reward", "source", "answer")},
            "origin": origin,
        }
        data.setdefault("source", file)
        return Event(file, None, data, self.next_seq())


def unrecognised(source: Source, exc: Exception, summary: Summary, count: bool = True) -> Iterator[Finding]:
    """A source no importer reads: skipped if it was only found in a directory, otherwise an input error (and so is
    a file found in a directory that `--from` names wrongly: it is a log, not a stray file)."""
    if source.optional and not isinstance(exc, importers.WrongFormat):
        summary.skipped.append(source.name)
        return
    # exit code 2 and a note on stderr (SARIF: a notification), but no TA001 finding: the file may be valid JSON
    summary.unreadable.append(str(exc))
    yield from ()


def schema_findings(
    name: str, line: int | None, data: Any, keep: int = DEFAULT_LIMITS.max_findings_per_event
) -> list[Finding]:
    """TA002 findings for an event that failed the fast check, with JSON paths (origin-relative if imported).

    At most `keep` of them, then one saying how many more (`limits.max_findings_per_event`): one line of
    `"tools": [1, 1, ...]` would otherwise be millions of findings. The detailed validator builds every error it
    finds at once, so it is shown the event with each array cut to its first `keep` + 1 items; if the errors all lie
    beyond those, the fast validator names the first."""
    rule = BY_CODE["TA002"]
    is_object = type(data) is dict
    tid = data.get("trajectory") if is_object else None
    tid = tid if isinstance(tid, str) and tid else None
    step = data.get("step") if is_object else None
    step = step if type(step) is int else None
    origin = data.get("origin") if is_object else None
    base = origin.get("path") if type(origin) is dict and isinstance(origin.get("path"), str) else None
    cut = False
    if is_object:
        shown, cut = _cut_arrays(data, keep + 1)  # one more than shown, to know there are more
        problems = schema.errors(shown)
        if not problems and cut:
            problems = _first_error(data)
    else:
        problems = [schema.SchemaError("$", f"expected a JSON object (one event), found {_json_type(data)}")]
    findings = [
        Finding(
            rule.code,
            rule.name,
            rule.severity,
            name,
            line,
            tid,
            step,
            f"{problem.path}: {problem.message}",
            path=problem.path if base is None else base + problem.path[1:],
        )
        for problem in problems[:keep]
    ]
    if len(problems) > keep:
        more = f"{'at least ' if cut else ''}{len(problems) - keep:,} more schema errors in this event not listed"
        message = over_limit(more, "max-findings-per-event", keep)
        findings.append(Finding(rule.code, rule.name, rule.severity, name, line, tid, step, message, path=base))
    return findings


def over_limit(what: str, key: str, limit: int) -> str:
    return f"{what} (limit: {limit:,}, limits.{key}; raise it with `--option limits.{key}=N`)"


def _cut_arrays(value: Any, keep: int, depth: int = 8) -> tuple[Any, bool]:
    """The value with every array (to `depth` levels; the schema looks no deeper) cut to its first `keep` items,
    and whether anything was cut. Containers with nothing to cut are the originals, not copies."""
    kind = type(value)
    if kind is list:
        items = value[:keep]
        cut = len(value) > keep
    elif kind is dict:
        items = value
        cut = False
    else:
        return value, False
    if not depth:
        return items, cut
    changed = cut
    if kind is list:
        pruned = []
        for item in items:
            new, was_cut = _cut_arrays(item, keep, depth - 1)
            pruned.append(new)
            cut |= was_cut
            changed |= new is not item
        return (pruned if changed else value), cut
    copy = {}
    for key, item in items.items():
        new, was_cut = _cut_arrays(item, keep, depth - 1)
        copy[key] = new
        cut |= was_cut
        changed |= new is not item
    return (copy if changed else value), cut


def _first_error(data: Any) -> list[schema.SchemaError]:
    try:
        schema.validator().validate(data)
    except Exception as exc:  # noqa: BLE001 - jsonschema-rs's ValidationError
        message = str(getattr(exc, "message", exc))
        message = message if len(message) <= 200 else message[:199] + "…"
        return [schema.SchemaError(schema.json_path(getattr(exc, "instance_path", ())), message)]
    return []


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


OPEN_LIMIT_NOTE = (
    "more than {:,} trajectories were open at once (limits.max-open-trajectories): the ones opened first were "
    "audited early, as they stood; any later events of theirs are reported (TA003) and audited as a second part"
)


def _continued(event: Event, max_open: int | None) -> Finding:
    what = (
        f"trajectory continues after it was closed early and audited in part: more than {max_open:,} trajectories "
        "were open at once; its events from here on are audited as a separate part"
    )
    return _step_order(event, over_limit(what, "max-open-trajectories", max_open or 0))


def _late_event(event: Event) -> Finding:
    return _step_order(event, "event arrived after the trajectory's outcome; expected the outcome to be its last event")


def _step_order(event: Event, message: str) -> Finding:
    """A TA003 finding on an event the assembler met out of place."""
    rule = BY_CODE["TA003"]
    return Finding(
        rule.code, rule.name, rule.severity, event.file, event.line, event.data["trajectory"], event.step, message,
        path=event.path,
    )


@dataclass(frozen=True)
class RangeEnd:
    """What a range worker reports when its range is done, for the parent to put the ranges together."""

    first_line: int  # lines before the range
    seen: dict[str, int]  # every trajectory with lines in the range -> its last line there
    open_ids: list[str]  # open at the range's end (the worker holds their state: `Audit.states`)
    closed: set[str]  # closed by an outcome within the range


class Audit:
    """One audit run. Iterate it for results (trajectories and loose findings); `summary` is complete afterwards."""

    def __init__(
        self,
        sources: Iterable[Source],
        config: Config,
        options: Options | None = None,
    ) -> None:
        self.limits = config.limits
        self.sources = [_limited(source, self.limits) for source in sources]
        self.config = config
        self.options = options or Options(input_format=config.input_format)
        self.summary = Summary()
        self.partition: tuple[int, int] | parallel.Share | None = None  # the part of the input a worker handles
        self.position: tuple[int, int] = (0, 0)  # where the last item was produced, for merging workers in order
        self.ledger: RangeEnd | None = None  # in a range worker, once its range is done
        self._held: dict[str, State] = {}
        active = config.active_rules()
        self._enabled = {a.rule.code: a for a in active}
        self._checks: tuple[ActiveRule, ...] = tuple(a for a in active if a.rule.check is not None)
        self._per_file = _FileCap(self.limits.max_findings_per_file, set(self._enabled))
        self._evicting = False
        self._first_line = 0
        self._format: str | None = None
        self._cut = False
        self._admitted = 0

    def __iter__(self) -> Iterator[Item]:
        across = tuple(a for a in self._enabled.values() if a.rule.check_runs is not None)
        if across and self.partition is None:
            # Rules across runs need every run of a task, with its events: one process, all results held.
            yield from self._across_runs(self._serial(), across)
            return
        jobs = self.options.jobs or parallel.default_jobs(self.sources, self.options.input_format)
        if self.partition is None and _readable(self.sources) and parallel.usable(
            self.sources, self.options.input_format, jobs
        ):
            source = self.sources[0]
            shares = parallel.byte_shares(source, jobs)
            if shares is None or len(shares) > 1:
                if self.options.on_format is not None:
                    self.options.on_format(source, "native")
                if shares is None:
                    yield from parallel.run(self._worker, jobs, self.summary)
                else:
                    yield from self._split(source, shares)
                self.summary.notes = list(dict.fromkeys(self.summary.notes))  # each process may have noted it
                return
        parts = parallel.plan(self.sources, self.options.input_format, jobs) if self.partition is None else []
        if len(parts) > 1:
            yield from self._merged(parts, jobs)
            return
        yield from self._serial()

    def run_part(self, part: parallel.Part) -> Iterator[parallel.Piece]:
        """Audit one part of the input (see `parallel.plan`), file by file, exactly as the serial loop would: what
        a worker runs. Each file's results are packed into a `Piece`, with the ids its importer built, so that the
        parent can tell whether renaming (`DistinctIds`) would have changed them."""
        fmt = part.format or self.options.input_format
        worker = Audit(self.sources, self.config, replace(self.options, on_format=None, jobs=1, input_format=fmt))
        for index in part.files:
            source = worker.sources[index]
            worker.summary = Summary()
            first = part.share is None or part.share.index == 0
            if part.share is not None:
                share = part.share
                source = replace(source, span=(share.start, share.end, parallel.lines_before(source, share.start)))
            seen = _IdsSeen()
            assembler = Assembler(self.options.outcomes, self.options.outcomes_file, self.limits.max_open_trajectories)
            whole = self.options.whole_events
            items = [pack(item, whole) for item in worker._file(source, assembler, seen, count_file=first)]
            # a range is exact only if no run was still open at its end (a whole file ends its runs itself)
            exact = part.share is None or not worker._cut
            yield parallel.Piece(index, part.index, worker._format, tuple(seen.ids), items, worker.summary, exact,
                                 worker._admitted)

    def _merged(self, parts: list[parallel.Part], jobs: int) -> Iterator[Item]:
        """The results of the parts run on workers, in serial order with serial bytes: pieces come in plan order; a
        file whose ids an earlier file already used (the serial run renames them) is audited again here, and so is
        the rest of a file from a range that was not exact (it cut a run, or the per-file cap was reached)."""
        ids = importers.DistinctIds()
        summary = self.summary
        limit = self._per_file.limit
        admitted: dict[int, int] = {}  # file -> input findings admitted in its ranges so far
        redone: set[int] = set()  # files read again here (from some range on)
        told: set[int] = set()  # files whose format was told (`on_format`)
        execute = self.options.executor or parallel.execute
        for piece in execute(parts, self.run_part, jobs):
            index = piece.file
            if index in redone:
                continue
            source = self.sources[index]
            if piece.format == "native":  # its trajectories may continue in any later file: read the rest here
                yield from self._rest(index, ids)
                break
            before = admitted.get(index, 0)
            admitted[index] = before + piece.admitted
            owner = ids.owner
            if (
                not piece.exact
                or admitted[index] > limit
                or any(owner.get(tid, source.name) != source.name for tid in piece.ids)
            ):
                redone.add(index)
                yield from self._again(index, parts[piece.part].share, ids, before, index not in told)
                continue
            if piece.format is not None and index not in told:
                told.add(index)
                if self.options.on_format is not None:
                    self.options.on_format(source, piece.format)
            for tid in piece.ids:
                owner.setdefault(tid, source.name)
            parallel.add(summary, piece.summary)
            for packed in piece.items:
                yield unpack(packed)
        summary.notes.extend(ids.notes())
        summary.notes = list(dict.fromkeys(summary.notes))  # each process may have noted the open-trajectory limit

    def _rest(self, first: int, ids: importers.DistinctIds) -> Iterator[Item]:
        """Files `first`.. audited here, serially. Every earlier file was imported, and an imported source closes all
        it opened, so the serial loop's state at this point is empty but for the id renaming, which is `ids`."""
        helper = self._helper()
        assembler = Assembler(self.options.outcomes, self.options.outcomes_file, self.limits.max_open_trajectories)
        helper.options = replace(helper.options, on_format=self.options.on_format)
        for source in self.sources[first:]:
            yield from helper._file(source, assembler, ids)
        yield from helper._finish(assembler.close_all(), assembler, at_end=True)
        parallel.add(self.summary, helper.summary)

    def _again(
        self, index: int, share: parallel.Share | None, ids: importers.DistinctIds, admitted: int, tell: bool
    ) -> Iterator[Item]:
        """Audit file `index` here, from the start of `share` (None: all of it) to its end, as the serial loop
        would have: with the run's id renaming and the input findings its earlier ranges admitted."""
        source = self.sources[index]
        if share is not None and share.index:
            source = replace(source, span=(share.start, None, parallel.lines_before(source, share.start)))
        helper = self._helper()
        assembler = Assembler(self.options.outcomes, self.options.outcomes_file, self.limits.max_open_trajectories)
        yield from helper._file(source, assembler, ids, count_file=share is None or not share.index, admitted=admitted)
        if tell and helper._format is not None and self.options.on_format is not None:
            self.options.on_format(source, helper._format)
        parallel.add(self.summary, helper.summary)

    def _worker(self, index: int, count: int) -> Audit:
        worker = self._helper()
        worker.partition = (index, count)
        return worker

    def _helper(self) -> Audit:
        """An audit with this one's rules and options but its own summary, for a part of the work."""
        return Audit(self.sources, self.config, replace(self.options, on_format=None, jobs=1))

    def _range_worker(self, share: parallel.Share) -> Audit:
        worker = self._helper()
        worker.partition = share
        return worker

    def states(self, ids: list[str]) -> dict[str, State]:
        """In a range worker after its range: the state of trajectories that were open at its end."""
        return {tid: self._held[tid] for tid in ids}

    def _split(self, source: Source, shares: list[parallel.Share]) -> Iterator[Item]:
        """The results of one plain file cut into ranges (see `parallel`), exactly as `_serial` gives them."""
        split = parallel.Split(self._range_worker, shares)
        stitch = _Stitch(self, source, split)
        try:
            for k, share in enumerate(shares):
                yield from stitch.range_results(k, share)
            last = stitch.last_results()
        finally:
            split.close()
        yield from last
        parallel.fold(self.summary, [split.end(k)[0] for k in range(len(shares))])
        for part in stitch.summaries:
            parallel.add(self.summary, part)
        for counts in (self.summary.findings_by_rule, self.summary.findings_by_severity):
            for key in [key for key, n in counts.items() if not n]:  # only ever taken back: never counted serially
                del counts[key]

    def _serial(self) -> Iterator[Item]:
        options = self.options
        assembler = Assembler(
            options.outcomes, options.outcomes_file, self.limits.max_open_trajectories, beside=options.beside
        )
        ids = importers.DistinctIds()
        for source in self.sources:
            yield from self._file(source, assembler, ids)
        self.summary.notes.extend(ids.notes())
        if type(self.partition) is parallel.Share:
            self._held = assembler.held()
            closed, open_ids = assembler.closed_ids(), list(assembler.open)
            yield from self._finish(assembler.close_all(), assembler, at_end=True)
            self.ledger = RangeEnd(self._first_line, assembler.last_line or {}, open_ids, closed)
            return
        yield from self._finish(assembler.close_all(), assembler, at_end=True)

    def _file(
        self, source: Source, assembler: Assembler, ids: Any, count_file: bool = True, admitted: int = 0
    ) -> Iterator[Item]:
        """One source read, imported, assembled and judged: the serial loop's body, and what a part runs per file.
        `count_file` False: a later range of a file counted already; `admitted`: input findings its earlier ranges
        admitted (see `_FileCap`). Afterwards `_format` is the format read, `_cut` whether runs were still open when
        an imported source ended or the per-file cap refused findings (either way, a range of the file is not what
        the serial run gives), `_admitted` the input findings admitted here."""
        self._format = None
        self._cut = False
        self._admitted = 0
        if source.note is not None:
            self.summary.notes.append(f"{source.name}: {source.note}")
            return
        if count_file:
            self.summary.files += 1
            self.summary.bytes += file_size(source)
        try:
            fmt, stream = importers.open_events(source, self.options.input_format, ends=True)
        except importers.FormatError as exc:
            yield from self._unrecognised(source, exc)
            return
        self._format = fmt
        if self.options.on_format is not None:
            self.options.on_format(source, fmt)
        if count_file:
            self.summary.formats[fmt] = self.summary.formats.get(fmt, 0) + 1
        stream = ids.wrap(source, fmt, stream)
        if type(self.partition) is parallel.Share:  # only native single files are split (parallel.usable)
            self._first_line = parallel.lines_before(source, self.partition.start)
            stream = parallel.range_lines(source, self.partition, self._first_line)
            assembler.last_line = {}
        elif self.partition is not None:
            stream = parallel.owned_lines(source, *self.partition)
        cap = self._per_file
        cap.reset()
        cap.admitted = admitted
        yield from self._read(source, stream, assembler, trusted=fmt != "native" and not schema.check_imported())
        self._admitted = cap.admitted - admitted
        self._cut = bool(cap.refused)  # its "N more" finding comes at the end of the file, not of a range
        for finding in cap.summary(source.name):
            yield from self._emit(finding)
        if fmt != "native":
            self._cut |= bool(assembler.open)
            yield from self._finish(assembler.end_of_document(), assembler, at_end=True)

    def _unrecognised(self, source: Source, exc: Exception) -> Iterator[Item]:
        for finding in unrecognised(source, exc, self.summary, count=False):
            yield from self._emit(finding)

    def _read(
        self, source: Source, stream: Iterator[Any], assembler: Assembler, trusted: bool = False
    ) -> Iterator[Item]:
        """The per-line loop of every audit: the common case (a valid event of an open trajectory) stays inline.
        `trusted`: the events were built by our own importers, so not validated (see `schema`)."""
        is_valid = schema.validator().is_valid
        summary = self.summary
        name = source.name
        open_trajectories = assembler.open
        start = assembler.start
        next_seq = assembler.next_seq
        new_event = tuple.__new__
        for item in stream:
            if type(item) is not tuple:
                if type(item) is Ended:
                    ended = assembler.end(item.trajectory)
                    if ended is not None:
                        self.position = (0, item.line or 0)
                        yield from self._finish((ended,), assembler)
                    continue
                if item.unreadable:
                    summary.unreadable.append(f"{item.file}: {item.message}")
                self.position = (0, item.line or 0)
                if self._per_file.admits(item.code):
                    yield from self._emit(input_finding(item))
                continue
            line, data = item
            summary.lines += 1
            if type(data) is dict and (trusted or is_valid(data)):
                kind = data["kind"]
                event = new_event(Event, (name, line, data, next_seq(), kind, data["step"]))  # Event(...), inline
                tid = data["trajectory"]
                events = open_trajectories.get(tid)
                if events is None:
                    events = start(tid, event)
                    if assembler.over_limit():
                        self.position = (0, line or 0)
                        yield from self._evict(assembler)
                events.append(event)
                if kind == "outcome":
                    self.position = (0, line or 0)
                    yield from self._finish((assembler.close(tid),), assembler)
                continue
            self.position = (0, line or 0)
            yield from self._schema_problem(name, line, data, assembler)

    def _schema_problem(self, name: str, line: int | None, data: Any, assembler: Assembler) -> Iterator[Item]:
        for finding in schema_findings(name, line, data, self.limits.max_findings_per_event):
            if not self._per_file.admits(finding.code):
                continue
            if finding.trajectory is not None:
                assembler.note(finding.trajectory, finding)
                if assembler.over_limit():
                    yield from self._evict(assembler)
            else:
                yield from self._emit(finding)

    def _evict(self, assembler: Assembler) -> Iterator[Item]:
        if not self._evicting:
            self._evicting = True
            self.summary.notes.append(OPEN_LIMIT_NOTE.format(assembler.max_open or 0))
        yield from self._finish((assembler.evict(),), assembler)

    def _emit(self, finding: Finding) -> Iterator[Finding]:
        """Loose findings (no trajectory to attach them to), after configuration."""
        stamped = self._configured(finding)
        if stamped is not None:
            self.summary.count(stamped)
            yield stamped

    def _configured(self, finding: Finding) -> Finding | None:
        active = self._enabled.get(finding.code)
        if active is None:
            return None
        if active.severity != finding.severity:
            return Finding(**{**_fields(finding), "severity": active.severity})
        return finding

    def _finish(self, trajectories: Iterable[Trajectory], assembler: Assembler, at_end: bool = False) -> Iterator[Item]:
        for trajectory in trajectories:
            early = [f for f in map(self._configured, assembler.early_findings(trajectory.id)) if f is not None]
            if at_end:  # closed by the end of input: ordered by where it began, as the serial engine closes them
                lines = [e.line for e in trajectory.events if e.line is not None] + [f.line for f in early if f.line]
                self.position = (1, min(lines, default=0))
            context = Context.of(trajectory)  # what its rules and claim verdicts share; dropped once judged
            findings = early + self.run_rules(context)
            findings.sort(key=lambda f: (f.step if f.step is not None else -1, f.code))
            result = TrajectoryResult(trajectory, tuple(findings), None, self.judge_claims(context),
                                      self.step_confidence(context) if self.options.step_confidence else None)
            self._tally(result)
            yield result

    def run_rules(self, trajectory: Context) -> list[Finding]:
        """The active rules' findings on one trajectory; they share its `Context` (see trajaudit/context.py)."""
        findings: list[Finding] = []
        if not trajectory.events:
            return findings
        first = trajectory.events[0]
        for active in self._checks:
            rule = active.rule
            try:
                for violation in rule.check(trajectory, active.options):  # type: ignore[misc]
                    event = violation.event or first
                    findings.append(
                        Finding(
                            rule.code,
                            rule.name,
                            active.severity,
                            event.file,
                            event.line,
                            trajectory.id,
                            violation.event.step if violation.event is not None else None,
                            violation.message,
                            violation.evidence,
                            event.path,
                        )
                    )
            except Exception as exc:  # a rule bug must not stop the audit of everything else
                where = f"{rule.code} on trajectory {trajectory.id!r} ({first.file})"
                detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
                self.summary.internal_errors.append(f"internal error in {where}: {detail}")
        return findings

    def _across_runs(self, items: Iterator[Item], across: tuple[ActiveRule, ...]) -> Iterator[Item]:
        """The results with the findings of rules across runs added, once the input is read (loose findings pass
        through as they come)."""
        results: list[TrajectoryResult] = []
        for item in items:
            if isinstance(item, TrajectoryResult):
                results.append(item)
            else:
                yield item
        trajectories = [r.trajectory for r in results]
        added: dict[int, list[Finding]] = {}
        for active in across:
            rule = active.rule
            try:
                for index, violation in rule.check_runs(trajectories, active.options):  # type: ignore[misc]
                    trajectory = trajectories[index]
                    event = violation.event or trajectory.events[0]
                    added.setdefault(index, []).append(Finding(
                        rule.code, rule.name, active.severity, event.file, event.line, trajectory.id,
                        violation.event.step if violation.event is not None else None, violation.message,
                        violation.evidence, event.path,
                    ))
            except Exception as exc:  # a rule bug must not stop the audit of everything else
                detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
                self.summary.internal_errors.append(f"internal error in {rule.code} across runs: {detail}")
        for index, result in enumerate(results):
            extra = added.get(index)
            if extra:
                findings = sorted(result.findings + tuple(extra),
                                  key=lambda f: (f.step if f.step is not None else -1, f.code))
                self._tally(result, -1)
                result = replace(result, findings=tuple(findings))
                self._tally(result)
            yield result

    def judge_claims(self, trajectory: Context) -> tuple[ClaimRecord, ...]:
        """The verdicts on the trajectory's claims; a bug there, like a rule's, must not stop the audit."""
        if not trajectory.events:
            return ()
        try:
            return claim_records(trajectory)
        except Exception as exc:
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            where = f"claim verdicts on trajectory {trajectory.id!r} ({trajectory.events[0].file})"
            self.summary.internal_errors.append(f"internal error in {where}: {detail}")
            return ()

    def step_confidence(self, trajectory: Context) -> StepConfidence | None:
        """The trajectory's confidence per step, read from what its rules (TA301, TA304) already computed; a bug
        there, like a rule's, must not stop the audit."""
        if not trajectory.events:
            return None
        from trajaudit import confidence  # numpy: only for the runs that ask (the text view)

        try:
            return confidence.step_confidence(trajectory)
        except Exception as exc:
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            where = f"confidence on trajectory {trajectory.id!r} ({trajectory.events[0].file})"
            self.summary.internal_errors.append(f"internal error in {where}: {detail}")
            return None

    def _tally(self, result: TrajectoryResult, sign: int = 1) -> None:
        """Count a result in the summary (sign -1: take back a result that was counted and then dropped)."""
        summary = self.summary
        summary.trajectories += sign
        summary.steps += sign * result.n_steps
        summary.verdicts[result.verdict] += sign
        outcome = result.outcome
        summary.outcomes["none" if outcome is None else "success" if outcome else "failure"] += sign
        for finding in result.findings:
            summary.count(finding, sign)
        for claim in result.claims:
            summary.claims[claim.verdict] += sign


class _Stitch:
    """Puts the ranges of a split file together (`Audit._split`), walking them in order.

    At each cut it keeps what the serial engine would know there: the ids closed so far and the trajectories still
    open, each held by the worker whose range ended with it or (once carried on) here. A worker's results for ids
    already known at its range's start are wrong, since it began them afresh: they are dropped, and those ids'
    lines in that range are read again here from the state they had. Results for trajectories open at the end of
    all input come last, ordered by their first line, as `close_all` does."""

    def __init__(self, audit: Audit, source: Source, split: parallel.Split) -> None:
        self.audit = audit
        self.source = source
        self.split = split
        self.held: dict[str, int | State] = {}  # open at the cut: the worker holding it, or its state
        self.closed: set[str] = set()
        # a worker's result for a trajectory open at its range's end
        self.ending: dict[str, tuple[tuple[int, int], TrajectoryResult]] = {}
        self.summaries: list[Summary] = []  # counts of the results made here

    def range_results(self, k: int, share: parallel.Share) -> Iterator[Item]:
        continuing: set[str] = set()
        redone: list[Placed] = []
        if k:
            ledger = self.split.end(k)[1]
            continuing = {tid for tid in ledger.seen if tid in self.held or tid in self.closed}
            if continuing:
                redone = self._redo(share, ledger, continuing)
        for _, item in heapq.merge(self._kept(self.split.items(k), continuing), redone, key=itemgetter(0)):
            yield item
        ledger = self.split.end(k)[1]
        self.closed.update(tid for tid in ledger.closed if tid not in continuing)
        self.held.update((tid, k) for tid in ledger.open_ids if tid not in continuing)

    def last_results(self) -> list[Item]:
        """Results for the trajectories open at the end of input, in serial order."""
        last: list[Placed] = [self.ending.pop(tid) for tid, holder in self.held.items() if type(holder) is int]
        carried = {tid: state for tid, state in self.held.items() if not isinstance(state, int)}
        if carried:
            options = self.audit.options
            assembler = Assembler(options.outcomes, options.outcomes_file, beside=options.beside)
            assembler.seed(carried, carried.keys() & self.closed)
            closer = self.audit._helper()
            last.extend((closer.position, item) for item in closer._finish(assembler.close_all(), assembler, True))
            self.summaries.append(closer.summary)
        last.sort(key=itemgetter(0))
        return [item for _, item in last]

    def _kept(self, pairs: Iterator[Placed], continuing: set[str]) -> Iterator[Placed]:
        """A worker's results without those it got wrong; results for what was open at its range's end are set
        aside (they are final only if no later range continues them)."""
        for position, item in pairs:
            if type(item) is TrajectoryResult:
                if item.trajectory.id in continuing:
                    self.audit._tally(item, -1)
                    continue
                if position[0] == 1:
                    self.ending[item.trajectory.id] = (position, item)
                    continue
            yield position, item

    def _redo(self, share: parallel.Share, ledger: RangeEnd, continuing: set[str]) -> list[Placed]:
        """Read the continued trajectories' lines of one range again, from the state the earlier ranges left."""
        states: dict[str, State] = {}
        by_worker: dict[int, list[str]] = {}
        for tid in continuing:
            holder = self.held.pop(tid, None)
            if isinstance(holder, int):
                by_worker.setdefault(holder, []).append(tid)
                self.audit._tally(self.ending.pop(tid)[1], -1)
            elif holder is not None:
                states[tid] = holder
        for worker, ids in sorted(by_worker.items()):
            states.update(self.split.states(worker, ids))
        options = self.audit.options
        assembler = Assembler(options.outcomes, options.outcomes_file, beside=options.beside)
        assembler.seed(states, continuing & self.closed)
        redo = self.audit._helper()
        last = max(ledger.seen[tid] for tid in continuing)
        lines = parallel.range_lines(self.source, share, ledger.first_line, wanted=continuing, last_number=last)
        results = [(redo.position, item) for item in redo._read(self.source, lines, assembler)]
        self.held.update(assembler.held())
        self.closed.update(assembler.closed_ids())
        redo.summary.lines = 0  # the range's worker counted them
        self.summaries.append(redo.summary)
        return results


def _readable(sources: list[Source]) -> bool:
    """Whether every source is a file to read (not a directory found unreadable or left out): only then split."""
    return all(source.problem is None and source.note is None for source in sources)


def _limited(source: Source, limits: Limits) -> Source:
    return source if source.limits == limits else replace(source, limits=limits)


class _IdsSeen:
    """Notes the trajectory ids of a stream as its importer built them, renaming nothing (a worker's stand-in for
    `importers.DistinctIds`, whose renaming depends on earlier files: the parent does it)."""

    def __init__(self) -> None:
        self.ids: dict[str, None] = {}

    def wrap(self, source: Source, fmt: str, stream: Iterator[Any]) -> Iterator[Any]:
        seen = self.ids
        for item in stream:
            if type(item) is tuple:
                data = item[1]
                tid = data.get("trajectory") if type(data) is dict else None
                if isinstance(tid, str):
                    seen[tid] = None
            yield item


class _FileCap:
    """Counts the input findings (TA001, TA002) of one file and admits the first `limit`; `summary` gives one
    finding per code for the rest (`limits.max_findings_per_file`): a file of a million broken lines is one
    problem, not a million findings held in memory."""

    def __init__(self, limit: int, counted: set[str] | None = None) -> None:
        self.limit = limit
        self.counted = counted  # codes this run reports (None: all); others are dropped later anyway
        self.reset()

    def reset(self) -> None:
        self.admitted = 0
        self.refused: dict[str, int] = {}

    def admits(self, code: str) -> bool:
        if self.counted is not None and code not in self.counted:
            return True
        if self.admitted < self.limit:
            self.admitted += 1
            return True
        self.refused[code] = self.refused.get(code, 0) + 1
        return False

    def summary(self, name: str) -> list[Finding]:
        findings = []
        for code, count in sorted(self.refused.items()):
            rule = BY_CODE[code]
            what = f"{count:,} more {code} {rule.name} findings in this file not listed"
            message = over_limit(what, "max-findings-per-file", self.limit)
            findings.append(Finding(rule.code, rule.name, rule.severity, name, None, None, None, message))
        self.reset()
        return findings


def _fields(finding: Finding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in Finding.__slots__}


def worst_severity(summary: Summary) -> Severity | None:
    present = [Severity.parse(label) for label, n in summary.findings_by_severity.items() if n]
    return max(present, default=None)


def exit_code(summary: Summary, fail_on: Severity | None) -> int:
    """0 clean, 1 findings at or above fail_on, 2 when something could not be read or a rule broke."""
    if summary.internal_errors or summary.unreadable:
        return 2
    worst = worst_severity(summary)
    if fail_on is not None and worst is not None and worst >= fail_on:
        return 1
    return 0


class Validation:
    """Schema validation only: no assembly, no rules. Iterate for findings; `summary` is complete afterwards."""

    def __init__(self, sources: Iterable[Source], options: Options | None = None) -> None:
        self.options = options or Options()
        self.sources = [_limited(source, self.options.limits) for source in sources]
        self.summary = Summary()
        self.partition: tuple[int, int] | None = None  # (index, count) inside a parallel worker
        self.position: tuple[int, int] = (0, 0)
        self.extra: set[str] = set()  # trajectory ids seen (a worker's share, merged by the parent)

    def __iter__(self) -> Iterator[Finding]:
        jobs = self.options.jobs or parallel.default_jobs(self.sources, self.options.input_format)
        if self.partition is None and _readable(self.sources) and parallel.usable(
            self.sources, self.options.input_format, jobs
        ):
            if self.options.on_format is not None:
                self.options.on_format(self.sources[0], "native")
            yield from parallel.run(self._worker, jobs, self.summary, self._merge_ids)
            return
        yield from self._serial()

    def _worker(self, index: int, count: int) -> Validation:
        worker = Validation(self.sources, replace(self.options, on_format=None, jobs=1))
        worker.partition = (index, count)
        return worker

    def _merge_ids(self, parts: list[set[str]]) -> None:
        self.summary.trajectories = len(set().union(*parts))

    def _serial(self) -> Iterator[Finding]:
        summary = self.summary
        is_valid = schema.validator().is_valid
        trajectories = self.extra
        per_file = _FileCap(self.options.limits.max_findings_per_file)
        keep = self.options.limits.max_findings_per_event
        ids = importers.DistinctIds()
        for source in self.sources:
            if source.note is not None:
                summary.notes.append(f"{source.name}: {source.note}")
                continue
            summary.files += 1
            summary.bytes += file_size(source)
            stream: Iterator[Any]  # events, Malformed; a worker reads any JSON value per line
            try:
                fmt, stream = importers.open_events(source, self.options.input_format)
            except importers.FormatError as exc:
                yield from unrecognised(source, exc, summary)
                continue
            if self.options.on_format is not None:
                self.options.on_format(source, fmt)
            summary.formats[fmt] = summary.formats.get(fmt, 0) + 1
            stream = ids.wrap(source, fmt, stream)
            name = source.name
            if self.partition is not None:
                stream = iter_json(source, *self.partition)
            trusted = fmt != "native" and not schema.check_imported()
            for item in stream:
                if type(item) is not tuple:
                    if type(item) is not Malformed:
                        continue  # a run's end (Ended): nothing to validate
                    if item.unreadable:
                        summary.unreadable.append(f"{item.file}: {item.message}")
                    self.position = (0, item.line or 0)
                    if per_file.admits(item.code):
                        finding = input_finding(item)
                        summary.count(finding)
                        yield finding
                    continue
                line, data = item
                summary.lines += 1
                if type(data) is dict and (trusted or is_valid(data)):
                    summary.steps += 1
                    trajectories.add(data["trajectory"])
                    continue
                self.position = (0, line or 0)
                for finding in schema_findings(name, line, data, keep):
                    if per_file.admits(finding.code):
                        summary.count(finding)
                        yield finding
            for finding in per_file.summary(name):
                summary.count(finding)
                yield finding
        summary.trajectories = len(trajectories)
        summary.notes.extend(ids.notes())


__all__ = ["Audit", "Assembler", "Options", "Validation", "exit_code", "input_finding", "schema_findings"]
