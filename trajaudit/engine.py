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
from dataclasses import field, replace
from operator import gt, itemgetter
from typing import TYPE_CHECKING, Any, Callable, Collection, Generator, Iterable, Iterator, Mapping

from trajaudit import importers, parallel, rules, schema
from trajaudit.importers import native
from trajaudit.lazy import LazyModule
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
from trajaudit.reader import DEFAULT_LIMITS, Ended, Malformed, Source, Span, file_size, stdin_bytes
from trajaudit.records import dataclass
from trajaudit.rules import invalid_json, schema_violation
from trajaudit.rules.rule import Rule
from trajaudit.transport import (
    pack,
    pack_finding,
    renumbered,
    renumbered_finding,
    unpack,
    unpack_finding,
)

if TYPE_CHECKING:
    from trajaudit.config import ActiveRule, Config
    from trajaudit.context import Context

# An audit's modules, imported by its first trajectory: `validate` needs none of them, nor the rule registry.
contexts: Any = LazyModule("trajaudit.context")
verdicts: Any = LazyModule("trajaudit.verdicts")
linecheck: Any = LazyModule("trajaudit.linecheck")  # `validate` of native lines only; msgspec is ~35 ms to import
INPUT_RULES = {rule.code: rule for rule in map(Rule.from_module, (invalid_json, schema_violation))}

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


def rule_of(code: str) -> Rule:
    """The rule with this code; the input rules (TA001, TA002) without importing the registry."""
    return INPUT_RULES.get(code) or rules.BY_CODE[code]


def input_finding(problem: Malformed, trajectory: str | None = None, step: int | None = None) -> Finding:
    rule = rule_of(problem.code)
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
        # (id, opening) in opening order, with some since closed or reopened (see `evict`); `_opening` holds the
        # current opening of each open id, so that an id closed and opened again is taken by its later opening
        self._opened: deque[tuple[str, int]] = deque()
        self._opening: dict[str, int] = {}
        self._openings = itertools.count().__next__
        self._early: dict[str, list[Finding]] = {}
        self._outcomes = outcomes
        self._outcomes_file = outcomes_file
        self._beside = beside or {}
        self.next_seq = itertools.count(1).__next__
        self.last_line: dict[str, int] | None = None  # set to a dict to note each closed trajectory's last line
        self.peak = 0  # the most trajectories open at once (counted where `max_open` is set)

    def seed(self, held: Mapping[str, State], closed: Iterable[str], in_order: bool = False) -> None:
        """Start from where an earlier part of the input left these trajectories (open ones and closed ids), opened
        in the order the serial run opened them, which is the order `evict` and `close_all` take them in: by their
        first line (the runs of one file), or as given (`in_order`: runs carried over from earlier files)."""
        for tid, (events, early) in held.items() if in_order else sorted(held.items(), key=_first_line):
            self.open[tid] = list(events)
            if early:
                self._early[tid] = list(early)
            if self.max_open is not None:
                self._remember(tid)
        self._closed.update(closed)
        seqs = [e[3] for events, _ in held.values() for e in events]
        self.next_seq = itertools.count(max(seqs, default=0) + 1).__next__  # arrival order goes on from theirs

    def held(self) -> dict[str, State]:
        """A copy of the open trajectories' state (events so far, findings noted), to carry them elsewhere."""
        return {tid: (events[:], self._early.get(tid, [])[:]) for tid, events in self.open.items()}

    def closed_ids(self) -> set[str]:
        return set(self._closed)

    def first_line(self, tid: str) -> int:
        """The first line of an open trajectory: of its events and of the findings noted for it."""
        return _first_line((tid, (self.open[tid], self._early.get(tid, []))))

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
        opened, opening = self._opened, self._opening
        while True:
            tid, at = opened.popleft()
            if opening.get(tid) == at and tid in self.open:
                break
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
        if len(self.open) > self.peak:
            self.peak = len(self.open)
        at = self._opening[tid] = self._openings()
        opened = self._opened
        opened.append((tid, at))
        if len(opened) > 2 * len(self.open) + 64:  # forget the openings since closed or superseded
            opening, still = self._opening, self.open
            self._opened = deque(entry for entry in opened if opening.get(entry[0]) == entry[1] and entry[0] in still)

    def close(self, tid: str) -> Trajectory:
        events = self.open.pop(tid)
        self._closed.add(tid)
        if self.max_open is not None:
            self._opening.pop(tid, None)
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


def _first_line(entry: tuple[str, State]) -> int:
    events, early = entry[1]
    return min([e[1] or 0 for e in events] + [f.line or 0 for f in early], default=0)


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
    rule = INPUT_RULES["TA002"]
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
    rule = rules.BY_CODE["TA003"]
    return Finding(
        rule.code, rule.name, rule.severity, event.file, event.line, event.data["trajectory"], event.step, message,
        path=event.path,
    )


@dataclass(frozen=True)
class NativeEnd:
    """What the worker of a native file, or of a byte range of one, reports of its end, for the merge to carry runs
    past it: the runs it closed and those it left open. Of these only the ids, in the order met: their state (most of
    the events read, in logs without outcome events) is read again in the parent only if a later range or file
    continues one (`_NativeRuns._unread_states`). A range's lines are numbered from its first, as its worker read
    them (`renumbered` numbers them as in the file)."""

    left_open: tuple[str, ...]
    closed: set[str]  # closed by an outcome within it
    peak: int  # the most trajectories open at once within it
    seen: dict[str, int] = field(default_factory=dict)  # a range: every trajectory with lines in it -> its last line
    # a range: each run left open -> the line from which its lines are read again, and the byte where that line begins
    starts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def renumbered(self, lines: int) -> NativeEnd:
        """The same, numbered as in the file, where `lines` lines come before the range."""
        return replace(self, seen={tid: line + lines for tid, line in self.seen.items()},
                       starts={tid: (line + lines, at) for tid, (line, at) in self.starts.items()})


WHOLE = parallel.Share(0, 1, 0, None)  # a whole file, as a range (`_NativeRuns.results`)


def _stop_parts(pieces: Iterator[parallel.Piece]) -> None:
    """Stop the parts of a run still going (`parallel.execute` ends its workers): the merge reads what they would
    give itself, and they would compete with it for the cores."""
    if isinstance(pieces, Generator):
        pieces.close()


def _renumbered_piece(piece: parallel.Piece, lines: int) -> parallel.Piece:
    """A range's piece numbered as in its file, where `lines` lines come before the range (see `parallel.Share`):
    its items, the places they were produced (0: none) and what it carries across the cut."""
    if not lines:
        return piece
    return replace(
        piece,
        items=[renumbered(item, lines) for item in piece.items],
        places=[(kind, line + lines if line else 0) for kind, line in piece.places] if piece.places else piece.places,
        carry=piece.carry.renumbered(lines) if piece.carry is not None else None,
    )


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
        self.position: tuple[int, int] = (0, 0)  # where the last item was produced (see `_NativeRuns`)
        active = config.active_rules()
        self._enabled = {a.rule.code: a for a in active}
        self._checks: tuple[ActiveRule, ...] = tuple(a for a in active if a.rule.check is not None)
        self._per_file = _FileCap(self.limits.max_findings_per_file, set(self._enabled))
        self._evicting = False
        self._format: str | None = None
        self._cut = False
        self._admitted = 0

    def __iter__(self) -> Iterator[Item]:
        across = tuple(a for a in self._enabled.values() if a.rule.check_runs is not None)
        if across:
            # Rules across runs need every run of a task, with its events: one process, all results held.
            yield from self._across_runs(self._serial(), across)
            return
        jobs = self.options.jobs or parallel.default_jobs(self.sources, self.options.input_format)
        most = parallel.WHOLE_EVENTS_RANGE if self.options.whole_events else parallel.MAX_RANGE
        parts = parallel.plan(self.sources, self.options.input_format, jobs, max_range=most)
        if len(parts) > 1:
            if any(part.format == "native" for part in parts):  # ranges of a native log: every process validates
                schema.validator()  # so jsonschema-rs is imported and the schema compiled here, before the fork
            yield from self._merged(parts, jobs)
            return
        yield from self._serial()

    def run_part(self, part: parallel.Part) -> Iterator[parallel.Piece]:
        """Audit one part of the input (see `parallel.plan`), file by file, exactly as the serial loop would: what
        a worker runs. Each file's results are packed into a `Piece`, with the ids its importer built, so that the
        parent can tell whether renaming (`DistinctIds`) would have changed them. A native range or file is audited
        as if it were the whole input; its piece also says where each item was produced (1: judged at the end, as
        left open) and what it left open."""
        fmt = part.format or self.options.input_format
        worker = Audit(self.sources, self.config, replace(self.options, on_format=None, jobs=1, input_format=fmt))
        whole = self.options.whole_events
        share = part.share
        for index in part.files:
            source = worker.sources[index]
            worker.summary = Summary()
            span = None
            if share is not None:  # numbered from 1: the merge adds the lines of the ranges before
                span = share.span()
                source = replace(source, span=span)
            seen = _IdsSeen()
            options = self.options
            assembler = Assembler(options.outcomes, options.outcomes_file, self.limits.max_open_trajectories,
                                  beside=options.beside)
            first = share is None or share.index == 0
            last_lines: dict[str, int] = {}  # a native piece's runs may go on in the next: the merge needs them
            assembler.last_line = last_lines
            placed = [(worker.position, pack(item, whole))
                      for item in worker._file(source, assembler, seen, count_file=first)]
            # a range is exact only if no run was still open at its end (an imported file ends its runs itself)
            exact = share is None or not worker._cut
            places: list[tuple[int, int]] | None = None
            carry: NativeEnd | None = None
            if worker._format == "native":
                # its runs may go on in a later range or file: what it closed and left open, and its results for
                # those left open as if the input ended here (the merge keeps them if nothing later continues them)
                left_open, closed = tuple(assembler.open), assembler.closed_ids()
                if share is None:  # runs read again here would lack what its per-file cap refused (a range's cap:
                    exact = not worker._cut  # the merge counts it across the file)
                # a run closed and opened again in the piece is read again from the piece's start
                firsts = {tid: 1 if tid in closed else max(1, assembler.first_line(tid)) for tid in left_open}
                at = parallel.line_starts(source, share.start if share is not None else 0, firsts.values())
                starts = {tid: (line, at[line]) for tid, line in firsts.items()}
                placed.extend((worker.position, pack(item, whole))
                              for item in worker._finish(assembler.close_all(), assembler, at_end=True))
                carry = NativeEnd(left_open, closed, assembler.peak, last_lines, starts)
                places = [place for place, _ in placed]
            yield parallel.Piece(index, part.index, worker._format, tuple(seen.ids), [item for _, item in placed],
                                 worker.summary, exact, worker._admitted, places, carry,
                                 lines=span.lines if span is not None else 0)

    def _merged(self, parts: list[parallel.Part], jobs: int) -> Iterator[Item]:
        """The results of the parts run on workers, in serial order with serial bytes: pieces come in plan order; a
        file whose ids an earlier file already used (the serial run renames them) is audited again here, and so is
        the rest of a file from a range that was not exact (it cut a run, or the per-file cap was reached). Native
        pieces, the ranges of a native file or the native files of a folder, are put together by `_NativeRuns`."""
        ids = importers.DistinctIds()
        summary = self.summary
        limit = self._per_file.limit
        admitted: dict[int, int] = {}  # file -> input findings admitted in its ranges so far
        lines: dict[int, int] = {}  # file -> lines in its ranges so far
        redone: set[int] = set()  # files read again here (from some range on)
        runs = _NativeRuns(self)  # native runs that may go on past the end of a range or a file
        closed = runs.closed  # ids closed by native pieces (since the last imported file)
        rested = False  # the rest of the input was read here (`_rest`, or `_again` from a native range on)
        told: set[int] = set()  # files whose format was told (`on_format`)
        execute = self.options.executor or parallel.execute
        pieces = execute(parts, self.run_part, jobs)
        for piece in pieces:
            index = piece.file
            if index in redone:
                continue
            source = self.sources[index]
            share = parts[piece.part].share
            before = admitted.get(index, 0)
            admitted[index] = before + piece.admitted
            first = lines.get(index, 0)  # lines before this piece's range
            lines[index] = first + piece.lines
            if share is not None and share.lines is None:  # numbered from 1 by its worker
                piece = _renumbered_piece(piece, first)
            if piece.carry is not None:  # native, a range or a whole file: its runs may go on past it
                if not piece.exact or admitted[index] > limit or not runs.fits(piece.carry):
                    _stop_parts(pieces)
                    if share is not None:  # the rest of the file, the plan's only one, is read here
                        redone.add(index)
                        yield from self._again(index, share, first, ids, before, index not in told, runs.cut())
                    else:  # from this file on, read here as the serial run reads, from what the earlier ones left
                        yield from self._rest(index, ids, *runs.cut())
                    rested = True
                    break
                if index not in told:
                    told.add(index)
                    if self.options.on_format is not None:
                        self.options.on_format(source, "native")
                parallel.add(summary, piece.summary)
                yield from runs.results(piece, source, share or WHOLE, first)
                continue
            if runs.has_open() and piece.format is not None:  # an imported file closes the runs left open before it
                # (`Assembler.end_of_document`): read on here
                _stop_parts(pieces)
                yield from self._rest(index, ids, *runs.cut())
                rested = True
                break
            owner = ids.owner
            if (
                not piece.exact
                or admitted[index] > limit
                or any(owner.get(tid, source.name) != source.name for tid in piece.ids)
                or not closed.isdisjoint(piece.ids)  # late events of runs an earlier native file closed
            ):
                redone.add(index)
                if share is not None:  # a range: the rest of the file, the plan's only one, is read here
                    _stop_parts(pieces)
                yield from self._again(index, share, first, ids, before, index not in told, ({}, set(closed)))
                if share is not None:
                    break
                if piece.format is not None:
                    closed.clear()
                continue
            for tid in piece.ids:
                owner.setdefault(tid, source.name)
            if piece.format is not None:  # an imported file forgets what was closed (`end_of_document`)
                closed.clear()
                if index not in told:
                    told.add(index)
                    if self.options.on_format is not None:
                        self.options.on_format(source, piece.format)
            parallel.add(summary, piece.summary)
            for packed in piece.items:
                yield unpack(packed)
        if not rested:  # the runs still open at the end of input, closed as serially
            yield from runs.last()
        summary.notes.extend(ids.notes())
        summary.notes = list(dict.fromkeys(summary.notes))  # each process may have noted the open-trajectory limit
        for counts in (summary.findings_by_rule, summary.findings_by_severity):
            for key in [key for key, n in counts.items() if not n]:  # only ever taken back: never counted serially
                del counts[key]

    def _rest(
        self, first: int, ids: importers.DistinctIds, held: Mapping[str, State], closed: Iterable[str]
    ) -> Iterator[Item]:
        """Files `first`.. audited here, serially, then the runs still open closed. The serial loop's state at this
        point is the runs `held` (left open, in the order opened) and `closed` by the native files since the last
        imported file (which closes what is open and forgets the ids closed before it), and the id renaming, `ids`."""
        helper = self._helper()
        assembler = Assembler(self.options.outcomes, self.options.outcomes_file, self.limits.max_open_trajectories,
                              beside=self.options.beside)
        assembler.seed(held, closed, in_order=True)
        helper.options = replace(helper.options, on_format=self.options.on_format)
        for source in self.sources[first:]:
            yield from helper._file(source, assembler, ids)
        yield from helper._finish(assembler.close_all(), assembler, at_end=True)
        parallel.add(self.summary, helper.summary)

    def _read_again(
        self, source: Source, share: parallel.Share, first_line: int, tids: Collection[str], last_line: int
    ) -> dict[str, State]:
        """The state at the end of `share` (`first_line` lines before it) of runs `tids`, open there: their lines in
        it read again alone, up to line `last_line`, as the share's worker read them, from nothing."""
        options = self.options
        assembler = Assembler(options.outcomes, options.outcomes_file, beside=options.beside)
        for _ in self._helper()._read(source, parallel.continued_lines(source, share, first_line, tids, last_line),
                                      assembler):
            pass  # a run closed and opened again in the share: its worker judged the closed part
        return assembler.held()

    def _again(
        self,
        index: int,
        share: parallel.Share | None,
        first_line: int,
        ids: importers.DistinctIds,
        admitted: int,
        tell: bool,
        state: tuple[dict[str, State], set[str]] | None = None,
    ) -> Iterator[Item]:
        """Audit file `index` here, from the start of `share` (None: all of it; `first_line` lines before it) to its
        end, as the serial loop would have: with the run's id renaming, the input findings its earlier ranges
        admitted, and (a native file) the trajectories open and closed at the cut, `state`."""
        source = self.sources[index]
        if share is not None and share.index:
            source = replace(source, span=Span(share.start, None, first_line))
        helper = self._helper()
        options = self.options
        assembler = Assembler(options.outcomes, options.outcomes_file, self.limits.max_open_trajectories,
                              beside=options.beside)
        if state is not None:
            assembler.seed(*state)
        yield from helper._file(source, assembler, ids, count_file=share is None or not share.index, admitted=admitted)
        yield from helper._finish(assembler.close_all(), assembler, at_end=True)  # a native file's open runs
        if tell and helper._format is not None and self.options.on_format is not None:
            self.options.on_format(source, helper._format)
        parallel.add(self.summary, helper.summary)

    def _helper(self) -> Audit:
        """An audit with this one's rules and options but its own summary, for a part of the work."""
        return Audit(self.sources, self.config, replace(self.options, on_format=None, jobs=1))

    def _serial(self) -> Iterator[Item]:
        options = self.options
        assembler = Assembler(
            options.outcomes, options.outcomes_file, self.limits.max_open_trajectories, beside=options.beside
        )
        ids = importers.DistinctIds()
        for source in self.sources:
            before = stdin_bytes()
            yield from self._file(source, assembler, ids)
            if source.stdin:  # its size is known once read (a run with stdin is never cut into parts)
                self.summary.bytes += stdin_bytes() - before
        self.summary.notes.extend(ids.notes())
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
        `trusted`: the events were built by our own importers, so not validated (see `schema`), and jsonschema-rs is
        not even imported for them."""
        is_valid = None if trusted else schema.validator().is_valid
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
            if type(data) is dict and (is_valid is None or is_valid(data)):
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
            context = contexts.Context.of(trajectory)  # what its rules and claim verdicts share; dropped once judged
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
            return verdicts.claim_records(trajectory)
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


class _NativeRuns:
    """The merge's side of native runs that may go on past the end of a piece (`Audit._merged`): the byte ranges of
    one native file, or the native files of a folder since the last imported file, taken in order.

    At each cut (the end of a range or of a file) it keeps what the serial engine would know there: the ids closed so
    far and the trajectories still open. A piece's worker began afresh any trajectory that was open or closed before
    it: its results for those ids are dropped, and their lines in the piece are read again here from the state they
    had (usually a handful of trajectories that cross a cut). That state is kept here for a run read here; for a run
    only its piece's worker read, it is read again from that piece when a later one continues it (`_unread_states`),
    so a log whose runs stay open (no outcome events) is not carried whole into this process. A result for a
    trajectory a piece left open is held back until no later piece continues it; those still open at the end come
    last, in the order they were opened (by file, then line), as `Assembler.close_all` does. Where a worker could not
    see what the serial run would have done (the per-file cap of input findings, or the open-trajectory limit, might
    have acted), the merge instead reads the rest itself, from the state at the cut (`cut`)."""

    def __init__(self, audit: Audit) -> None:
        self.audit = audit
        self.files = {source.name: index for index, source in reversed(list(enumerate(audit.sources)))}
        self.held: dict[str, State] = {}  # open at the cut, read here (it crossed a cut): its state
        # open at the cut, read only by its piece's worker -> that piece (file, part), the line and byte its lines
        # begin at there, and its last line there
        self.unread: dict[str, tuple[tuple[int, int], int, int, int]] = {}
        self.ending: dict[str, Placed] = {}  # a worker's result for a trajectory its piece left open, by (file, line)
        self.closed: set[str] = set()

    def has_open(self) -> bool:
        """Whether runs are open at the cut."""
        return bool(self.held or self.unread)

    def fits(self, carry: NativeEnd) -> bool:
        """Whether the piece's worker saw what the serial run would: never more trajectories open than the limit."""
        return len(self.held) + len(self.unread) + carry.peak <= self.audit.limits.max_open_trajectories

    def results(self, piece: parallel.Piece, source: Source, share: parallel.Share, first_line: int) -> Iterator[Item]:
        """The results of a piece: of file `source`, its range `share` (numbered as in the file; `first_line` lines
        before it), or the whole file (`WHOLE`)."""
        carry: NativeEnd = piece.carry
        held, unread, closed = self.held, self.unread, self.closed
        continuing = {tid for tid in carry.seen if tid in held or tid in unread or tid in closed}
        redone = self._redo(source, share, first_line, carry, continuing) if continuing else []
        for _, item in heapq.merge(self._kept(piece, continuing), redone, key=itemgetter(0)):
            yield item
        closed.update(tid for tid in carry.closed if tid not in continuing)
        at = (piece.file, piece.part)
        unread.update((tid, (at, *carry.starts[tid], carry.seen[tid]))
                      for tid in carry.left_open if tid not in continuing)

    def last(self) -> Iterator[Item]:
        """Results for the trajectories open at the end of input, in serial order."""
        carried = {tid: state for tid, state in self.held.items() if tid not in self.ending}
        last: list[Placed] = list(self.ending.values())
        if carried:
            assembler = self._assembler(carried, carried.keys() & self.closed)
            closer = self.audit._helper()
            opened = {tid: self._opened(state) for tid, state in carried.items()}
            last.extend((opened[item.trajectory.id], item)  # type: ignore[union-attr]
                        for item in closer._finish(assembler.close_all(), assembler, True))
            parallel.add(self.audit.summary, closer.summary)
        last.sort(key=itemgetter(0))
        for _, item in last:
            yield item

    def cut(self) -> tuple[dict[str, State], set[str]]:
        """The serial state at the current cut, for reading the rest here: the runs open, in the order they were
        opened, and the ids closed; the results held back for what was open are taken back (the rest decides them)."""
        for _, result in self.ending.values():
            self.audit._tally(result, -1)  # type: ignore[arg-type]
        self.ending.clear()
        self.held.update(self._unread_states(list(self.unread)))
        return dict(sorted(self.held.items(), key=lambda entry: self._opened(entry[1]))), self.closed

    def _opened(self, state: State) -> tuple[int, int]:
        """Where a run's state began: (file, line) of its first event or noted finding."""
        events, early = state
        files = self.files
        return min([(files[e[0]], e[1] or 0) for e in events] + [(files[f.file], f.line or 0) for f in early])

    def _kept(self, piece: parallel.Piece, continuing: set[str]) -> Iterator[Placed]:
        """A worker's results without those it got wrong; results for what was open at its range's end are set
        aside (they are final only if no later range continues them)."""
        for place, packed in zip(piece.places or (), piece.items, strict=True):
            item = unpack(packed)
            if type(item) is TrajectoryResult:
                if item.trajectory.id in continuing:
                    self.audit._tally(item, -1)
                    continue
                if place[0] == 1:
                    self.ending[item.trajectory.id] = ((piece.file, place[1]), item)
                    continue
            yield place, item

    def _redo(
        self, source: Source, share: parallel.Share, first_line: int, carry: NativeEnd, continuing: set[str]
    ) -> list[Placed]:
        """Read the continued trajectories' lines of one range again, from the state the earlier ranges left."""
        states = self._unread_states([tid for tid in continuing if tid in self.unread])
        states.update((tid, self.held.pop(tid)) for tid in continuing if tid in self.held)
        for tid in states:
            ended = self.ending.pop(tid, None)
            if ended is not None:
                self.audit._tally(ended[1], -1)  # type: ignore[arg-type]
        assembler = self._assembler(states, continuing & self.closed)
        redo = self.audit._helper()
        last = max(carry.seen[tid] for tid in continuing)
        lines = parallel.continued_lines(source, share, first_line, continuing, last)
        results = [(redo.position, item) for item in redo._read(source, lines, assembler)]
        self.held.update(assembler.held())
        self.closed.update(assembler.closed_ids())
        redo.summary.lines = 0  # the range's worker counted them
        parallel.add(self.audit.summary, redo.summary)
        return results

    def _unread_states(self, tids: Iterable[str]) -> dict[str, State]:
        """The state of runs open at a cut that only their piece's worker read, taken out of `unread`: their lines
        in that piece read again, as that worker read them, from nothing (none had a line before that piece, or it
        would have been read here)."""
        wanted: dict[tuple[int, int], list[tuple[str, int, int, int]]] = {}  # piece -> (id, first, byte, last line)
        for tid in tids:
            at, line, byte, last = self.unread.pop(tid)
            wanted.setdefault(at, []).append((tid, line, byte, last))
        states: dict[str, State] = {}
        for (file, _), runs in wanted.items():
            first, start = min((line, byte) for _, line, byte, _ in runs)
            share = parallel.Share(0, 1, start, None)  # read from the first of their lines to the last
            tids_here, last = [run[0] for run in runs], max(run[3] for run in runs)
            states.update(self.audit._read_again(self.audit.sources[file], share, first - 1, tids_here, last))
        return states

    def _assembler(self, held: Mapping[str, State], closed: Iterable[str]) -> Assembler:
        options = self.audit.options
        assembler = Assembler(options.outcomes, options.outcomes_file, beside=options.beside)
        assembler.seed(held, closed)
        return assembler


def _limited(source: Source, limits: Limits) -> Source:
    # `is` first: the merge makes a helper audit (`_helper`) per run it reads again, over sources already limited
    return source if source.limits is limits or source.limits == limits else replace(source, limits=limits)


class _IdsSeen:
    """Notes the trajectory ids of a stream as its importer built them, renaming nothing (a worker's stand-in for
    `importers.DistinctIds`, whose renaming depends on earlier files: the parent does it)."""

    def __init__(self) -> None:
        self.ids: dict[str, None] = {}

    def wrap(self, source: Source, fmt: str, stream: Iterator[Any]) -> Iterator[Any]:
        if fmt == "native":  # never renamed (see `importers.DistinctIds`): the merge needs no native ids
            return stream
        return self._noted(stream)

    def _noted(self, stream: Iterator[Any]) -> Iterator[Any]:
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
            rule = rule_of(code)
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
    """Schema validation only: no assembly, no rules. Iterate for findings; `summary` is complete afterwards.

    Each line is checked on its own, so the input goes through the same seam as `audit` (`parallel.plan`, with
    `lines_apart`): a native file in byte ranges, several files in groups; the merge applies the per-file cap and
    the id renaming in serial order, so the output does not depend on the number of jobs."""

    def __init__(self, sources: Iterable[Source], options: Options | None = None) -> None:
        self.options = options or Options()
        self.sources = [_limited(source, self.options.limits) for source in sources]
        self.summary = Summary()
        self._format: str | None = None  # the format `_file` read

    def __iter__(self) -> Iterator[Finding]:
        jobs = self.options.jobs or parallel.default_jobs(self.sources, self.options.input_format)
        parts = parallel.plan(self.sources, self.options.input_format, jobs, lines_apart=True)
        if len(parts) > 1:
            if any(part.format == "native" for part in parts):
                linecheck.checker()  # compiled here, before the workers fork, not once in each (~40 ms)
            yield from self._merged(parts, jobs)
            return
        summary = self.summary
        trajectories: set[str] = set()
        per_file = _FileCap(self.options.limits.max_findings_per_file)
        ids = importers.DistinctIds()
        for source in self.sources:
            before = stdin_bytes()
            yield from self._file(source, ids, per_file, trajectories)
            if source.stdin:  # its size is known once read (a run with stdin is never cut into parts)
                summary.bytes += stdin_bytes() - before
            for finding in per_file.summary(source.name):
                summary.count(finding)
                yield finding
        summary.trajectories = len(trajectories)
        summary.notes.extend(ids.notes())

    def run_part(self, part: parallel.Part) -> Iterator[parallel.Piece]:
        """Validate one part of the input (see `parallel.plan`), file by file: what a worker runs. A piece holds the
        findings its cap admitted (packed), the counts of those it refused, the ids its importer built in order
        (before renaming) and, as `carry`, the ids of its valid events."""
        fmt = part.format or self.options.input_format
        worker = Validation(self.sources, replace(self.options, on_format=None, jobs=1, input_format=fmt))
        share = part.share
        for index in part.files:
            source = worker.sources[index]
            worker.summary = Summary()
            span = None
            if share is not None:  # numbered from 1: the merge adds the lines of the ranges before
                span = share.span()
                source = replace(source, span=span)
            seen = _IdsSeen()
            cap = _FileCap(self.options.limits.max_findings_per_file)
            valid: set[str] = set()
            items = [pack_finding(finding) for finding in
                     worker._file(source, seen, cap, valid, count_file=share is None or not share.index)]
            yield parallel.Piece(index, part.index, worker._format, tuple(seen.ids), items, worker.summary,
                                 carry=valid, refused=cap.refused, lines=span.lines if span is not None else 0)

    def _merged(self, parts: list[parallel.Part], jobs: int) -> Iterator[Finding]:
        """The workers' findings in plan order, with the per-file cap applied across a file's ranges (the first
        findings of the file are within the first admitted by each range) and ids renamed as the serial run would."""
        summary = self.summary
        trajectories: set[str] = set()
        per_file = _FileCap(self.options.limits.max_findings_per_file)
        ids = importers.DistinctIds()
        told: set[int] = set()
        current: int | None = None
        before = 0  # lines of the current file's earlier ranges
        for piece in parallel.execute(parts, self.run_part, jobs):
            source = self.sources[piece.file]
            if current is not None and piece.file != current:
                yield from self._capped(per_file, self.sources[current].name)
            if piece.file != current:
                before = 0
            current = piece.file
            if piece.format is not None and piece.file not in told:
                told.add(piece.file)
                if self.options.on_format is not None:
                    self.options.on_format(source, piece.format)
            parallel.add(summary, piece.summary)
            probes = [{"trajectory": tid} for tid in piece.ids]
            if piece.format is not None:
                for _ in ids.wrap(source, piece.format, ((0, probe) for probe in probes)):
                    pass  # renames the probes as the serial run renames this file's events
            renamed = {tid: probe["trajectory"] for tid, probe in zip(piece.ids, probes, strict=True)}
            trajectories.update(renamed.get(tid, tid) for tid in piece.carry)
            for packed in piece.items:
                finding = unpack_finding(renumbered_finding(packed, before) if before else packed)
                if per_file.admits(finding.code):
                    yield finding
                else:
                    summary.count(finding, -1)
            before += piece.lines
            for code, count in (piece.refused or {}).items():
                per_file.refused[code] = per_file.refused.get(code, 0) + count
        if current is not None:
            yield from self._capped(per_file, self.sources[current].name)
        summary.trajectories = len(trajectories)
        summary.notes.extend(ids.notes())
        for counts in (summary.findings_by_rule, summary.findings_by_severity):
            for key in [key for key, n in counts.items() if not n]:  # only ever taken back: never counted serially
                del counts[key]

    def _capped(self, per_file: _FileCap, name: str) -> Iterator[Finding]:
        for finding in per_file.summary(name):
            self.summary.count(finding)
            yield finding

    def _file(
        self, source: Source, ids: Any, per_file: _FileCap, trajectories: set[str], count_file: bool = True
    ) -> Iterator[Finding]:
        """One source validated: its input findings admitted by `per_file` (whose "N more" findings the caller
        yields at the file's end), the ids of its valid events added to `trajectories`. `count_file` False: a later
        range of a file counted already. Afterwards `_format` is the format read."""
        summary = self.summary
        self._format = None
        if source.note is not None:
            summary.notes.append(f"{source.name}: {source.note}")
            return
        if count_file:
            summary.files += 1
            summary.bytes += file_size(source)
        stream: Iterator[Any]  # events, Malformed
        try:
            fmt, stream = importers.open_events(source, self.options.input_format)
        except importers.FormatError as exc:
            yield from unrecognised(source, exc, summary)
            return
        if fmt == "native":  # not yet started: read again with the compiled schema first (see linecheck)
            stream = native.convert(source, linecheck.checker())
        self._format = fmt
        if self.options.on_format is not None:
            self.options.on_format(source, fmt)
        if count_file:
            summary.formats[fmt] = summary.formats.get(fmt, 0) + 1
        stream = ids.wrap(source, fmt, stream)
        name = source.name
        is_valid = None  # jsonschema-rs's, once a line needs it (linecheck may pass every line of a native file); None
        # for a trusted stream, whose events are not validated
        keep = self.options.limits.max_findings_per_event
        trusted = fmt != "native" and not schema.check_imported()
        for item in stream:
            if type(item) is str:  # a native line linecheck passed: a valid event of this trajectory
                summary.lines += 1
                summary.steps += 1
                trajectories.add(item)
                continue
            if type(item) is not tuple:
                if type(item) is not Malformed:
                    continue  # a run's end (Ended): nothing to validate
                if item.unreadable:
                    summary.unreadable.append(f"{item.file}: {item.message}")
                if per_file.admits(item.code):
                    finding = input_finding(item)
                    summary.count(finding)
                    yield finding
                continue
            line, data = item
            summary.lines += 1
            if is_valid is None and not trusted:  # (a trusted stream never imports jsonschema-rs)
                is_valid = schema.validator().is_valid
            if type(data) is dict and (is_valid is None or is_valid(data)):
                summary.steps += 1
                trajectories.add(data["trajectory"])
                continue
            for finding in schema_findings(name, line, data, keep):
                if per_file.admits(finding.code):
                    summary.count(finding)
                    yield finding


__all__ = ["Audit", "Assembler", "Options", "Validation", "exit_code", "input_finding", "schema_findings"]
