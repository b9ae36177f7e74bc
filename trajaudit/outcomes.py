"""Verifier results kept apart from the logs (`--outcomes FILE`): trajectory id → {success, reward?, source}.

Accepted shapes:
- a JSON object mapping id → bool, id → reward number, or id → {success | resolved | reward, source?};
- JSONL (or a JSON list) of records `{trajectory | id | instance_id, success | resolved | reward, source?}`;
- SWE-bench harness output: a per-instance `report.json` (`{instance_id: {resolved, ...}}`, or the bare
  `{resolved, tests_status, ...}` object whose id is the file name `<instance_id>.report.json` or its directory),
  the results summary `{instances: [{instance_id, resolved}]}` and the run report `{resolved_ids, unresolved_ids}`;
- Multi-SWE-bench `results.json`: `resolved` (a list of ids) beside `unresolved_ids`, `empty_patch_ids`,
  `incomplete_ids`, `error_ids` (and `completed_ids`, `submitted_ids`). Every id in those lists that is not resolved
  counts as failed, as the benchmark scores it (an empty patch, an error or a run never evaluated is unresolved);
- a resolved-only report such as SWE-agent's `final_report.json` (`{"stats": ..., "resolved": [ids]}`): the listed
  ids succeeded; an id it does not list gets no outcome, since the file does not say that run was evaluated;
- a directory: every *.json / *.jsonl file in it (sorted), merged.
A reward counts as success when it reaches 1. Bad files raise OutcomesError naming the file and line or JSON path.

Trajectory ids are matched as the importers name trajectories: SWE-agent and mini-swe-agent runs are named by
their instance id or file stem, so an outcome id matches a trajectory id that equals it or, failing that, that ends
with it after a `.` or `/` (`run1.django__django-11099` gets the outcome of `django__django-11099`; an exact id
always wins).

Outcomes found beside the logs (`find_beside`), where a format defines where its verdict lives; `--outcomes` wins
over them, and an outcome the log itself holds wins over both:
- Harbor / Terminal-Bench trials: `<trial>/result.json`, the trial's `TrialResult`
  (harbor `src/harbor/models/trial/result.py`; `TrialPaths.result_path` in `models/trial/paths.py`), beside the
  `agent/` folder where Harbor's agents write their ATIF trajectory, `<trial>/agent/trajectory.json`. Its
  `verifier_result.rewards` is scored as Harbor's own mean metric scores it (`metrics/mean.py`): the one reward, or
  the one named `reward`; no verifier result on a finished trial (an exception before the verifier) is reward 0.
  It is the verdict of the trial's trajectory: the file's root trajectory, not its subagents; its `task_name` is
  that trajectory's task id when the log names none (ATIF has no field for it), so trials group by task for
  pass^k. A result.json without Harbor's fields (`trial_name`, `task_name`, `verifier_result`) gives nothing.
- SWE-bench harness: a per-instance `report.json` (`{instance_id: {resolved, ...}}`, as the harness writes it to
  `logs/run_evaluation/<run>/<model>/<instance_id>/report.json`) in the log's own folder, or, in a SWE-bench
  experiments submission (`trajs/<instance_id>...` beside `logs/<instance_id>/report.json`), the one for the
  instance the trajectory's path names. It is the verdict of the log's trajectory whose id matches the instance id
  as `--outcomes` ids match; a report for another instance gives nothing.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping, Sequence

import orjson

from trajaudit.model import Event, Trajectory, TrajectoryResult
from trajaudit.reader import Source
from trajaudit.records import dataclass

SUCCESS_EPS = 1e-6
ID_KEYS = ("trajectory", "id", "instance_id")
HARNESS = "swe-bench harness"


class OutcomesError(Exception):
    """An outcomes file that cannot be used: names the file and the line (JSONL) or JSON path of the problem."""

    def __init__(self, file: str, message: str, line: int | None = None, path: str | None = None) -> None:
        self.file, self.line, self.path, self.reason = file, line, path, message
        where = f"{file}:{line}" if line is not None else file
        if path:
            where = f"{where}: {path}"
        super().__init__(f"{where}: {message}")


class Outcomes(Mapping[str, dict]):
    """Outcome id → verdict, looked up by trajectory id (see the module docstring for how ids match).

    `partial` names the files that list resolved ids only: their other runs have no outcome, which the CLI says
    when few trajectories match."""

    def __init__(self, by_id: dict[str, dict], partial: tuple[str, ...] = ()) -> None:
        self._by_id = by_id
        self.partial = partial

    def __getitem__(self, trajectory: str) -> dict:
        found = self._by_id.get(trajectory)
        if found is not None:
            return found
        key = match_id(trajectory, self._by_id)
        if key is None:
            raise KeyError(trajectory)
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __reduce__(self) -> tuple:  # sent to worker processes as it is
        return (Outcomes, (self._by_id, self.partial))


class MatchCount:
    """Counts, as results stream past, how many audited trajectories an outcomes file matched."""

    def __init__(self, outcomes: Mapping[str, dict], file: str) -> None:
        self.outcomes, self.file = outcomes, file
        self.matched = self.total = 0
        self.example: str | None = None  # a trajectory id, to show next to the file's ids when none matched

    def watch(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            if type(item) is TrajectoryResult:
                self.total += 1
                if item.trajectory.id in self.outcomes:
                    self.matched += 1
                elif self.example is None:
                    self.example = item.trajectory.id
            yield item

    def notes(self, quiet: bool) -> list[str]:
        """What stderr says: `N of M trajectories matched` (not with --quiet), and a warning when none did."""
        notes = []
        if not quiet:
            note = f"trajaudit: --outcomes {self.file}: {self.matched} of {self.total} trajectories matched"
            partial = getattr(self.outcomes, "partial", ())
            if partial and self.matched < self.total:
                note += f" ({', '.join(partial)} lists resolved runs only: the others have no outcome)"
            notes.append(note)
        if self.total and not self.matched:
            sample = next(iter(self.outcomes), None)
            notes.append(
                f"trajaudit: warning: no trajectory matched an id in {self.file} (ids there look like {sample!r}, "
                f"trajectory ids like {self.example!r}): no outcome was attached"
            )
        return notes


_TRAJECTORY_SUFFIXES = (".traj.json", ".traj", ".json", ".jsonl")


def match_id(trajectory: str, ids: Mapping[str, Any]) -> str | None:
    """The outcome id a trajectory id stands for: itself, itself without a trajectory file suffix, or its longest
    tail after a `.` or `/` that is an outcome id."""
    if trajectory in ids:
        return trajectory
    names = [trajectory]
    for end in _TRAJECTORY_SUFFIXES:
        if trajectory.endswith(end) and len(trajectory) > len(end):
            names.append(trajectory[: -len(end)])
    for name in names:
        if name in ids:
            return name
        for index, char in enumerate(name):
            if char in "./" and name[index + 1 :] in ids:
                return name[index + 1 :]
    return None


def load_outcomes(path: str | Path) -> Outcomes:
    """Trajectory id → {"success": bool, "reward": float (when known), "source": str} from a file or directory."""
    target = Path(path)
    if target.is_dir():
        merged: dict[str, dict] = {}
        partial: list[str] = []
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl"))
        if not files:
            raise OutcomesError(str(target), "directory holds no .json or .jsonl outcomes files")
        for file in files:
            loaded = load_outcomes(file)
            merged.update(loaded)
            partial.extend(loaded.partial)
        return Outcomes(merged, tuple(partial))
    name = str(target)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise OutcomesError(name, f"cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise OutcomesError(name, "empty file: expected JSON or JSONL outcomes")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if not _first_line_parses(data):
            line = data.count(b"\n", 0, exc.pos or 0) + 1
            raise OutcomesError(name, f"invalid JSON: {exc}", line=line) from None
        return Outcomes(dict(_jsonl(name, data)))
    del data
    return Outcomes(dict(_document(name, target, doc)), (name,) if _resolved_only(doc) else ())


def _first_line_parses(data: bytes) -> bool:
    """Whether the document is JSONL: its first non-blank line is a JSON value on its own."""
    first = next((raw for raw in data.split(b"\n", 20)[:20] if raw.strip()), b"")
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _jsonl(name: str, data: bytes) -> Iterator[tuple[str, dict]]:
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise OutcomesError(name, f"invalid JSON: {exc}", line=number) from None
        yield _record(name, record, line=number)


def _record(name: str, record: Any, line: int | None = None, path: str | None = None) -> tuple[str, dict]:
    if not isinstance(record, dict):
        raise OutcomesError(name, f"expected an object, found {type(record).__name__}", line=line, path=path)
    key = next((k for k in ID_KEYS if _is_id(record.get(k))), None)
    if key is None:
        raise OutcomesError(name, f"record names no trajectory: expected one of {', '.join(ID_KEYS)}", line, path)
    verdict = _verdict(record, "outcomes file")
    if verdict is None:
        raise OutcomesError(name, "record has no verdict: expected success, resolved or a numeric reward", line, path)
    return str(record[key]), verdict


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value != "" or (isinstance(value, int) and not isinstance(value, bool))


def _verdict(value: Any, default_source: str) -> dict | None:
    """{success, reward?, source} from a bool, a reward number or an object with success/resolved/reward."""
    if isinstance(value, bool):
        return {"success": value, "source": default_source}
    if isinstance(value, (int, float)):
        return {"success": value >= 1.0 - SUCCESS_EPS, "reward": float(value), "source": default_source}
    if not isinstance(value, dict):
        return None
    out: dict[str, Any] = {}
    reward = value.get("reward")
    if isinstance(reward, (int, float)) and not isinstance(reward, bool):
        out["reward"] = float(reward)
    if isinstance(value.get("success"), bool):
        out["success"] = value["success"]
    elif isinstance(value.get("resolved"), bool):
        out["success"] = value["resolved"]
        default_source = HARNESS if default_source == "outcomes file" else default_source
    elif "reward" in out:
        out["success"] = out["reward"] >= 1.0 - SUCCESS_EPS
    else:
        return None
    out["source"] = value["source"] if isinstance(value.get("source"), str) else default_source
    return out


def _report_id(file: PurePath) -> str:
    """The instance id of a bare report.json: `<id>.report.json`, or the directory holding `report.json`."""
    if file.name.endswith(".report.json") and len(file.name) > len(".report.json"):
        return file.name[: -len(".report.json")]
    return file.parent.name if file.name == "report.json" else file.stem


def _document(name: str, file: Path, doc: Any) -> Iterator[tuple[str, dict]]:
    if isinstance(doc, list):
        for index, record in enumerate(doc):
            yield _record(name, record, path=f"$[{index}]")
        return
    if not isinstance(doc, dict):
        raise OutcomesError(name, f"expected a JSON object or list of outcomes, found {type(doc).__name__}")
    if isinstance(doc.get("instances"), list):
        for index, record in enumerate(doc["instances"]):
            yield _record(name, record, path=f"$.instances[{index}]")
        return
    if any(isinstance(doc.get(key), list) for key in ("resolved_ids", *_UNRESOLVED_LISTS)) or _resolved_only(doc):
        resolved = [*_ids(name, doc, "resolved_ids"), *_ids(name, doc, "resolved")]
        for key in _UNRESOLVED_LISTS:
            for instance in _ids(name, doc, key):
                yield instance, {"success": False, "source": HARNESS}
        for instance in resolved:  # last: an id listed as resolved and also as completed or submitted succeeded
            yield instance, {"success": True, "source": HARNESS}
        return
    if isinstance(doc.get("resolved"), bool) and ("tests_status" in doc or "patch_is_None" in doc):
        yield _report_id(file), {"success": doc["resolved"], "source": HARNESS}
        return
    for key, value in doc.items():
        verdict = _verdict(value, "outcomes file")
        if verdict is None:
            raise OutcomesError(
                name, "expected a verdict: a bool, a reward number or an object with success, resolved or reward",
                path=f"$[{orjson.dumps(key).decode()}]",
            )
        yield str(key), verdict


# id lists of a run report (SWE-bench run report, Multi-SWE-bench results.json) whose ids are not resolved unless
# listed as resolved too
_UNRESOLVED_LISTS = ("completed_ids", "submitted_ids", "unresolved_ids", "error_ids", "empty_patch_ids",
                     "incomplete_ids")


def _resolved_only(doc: Any) -> bool:
    """A report that lists resolved ids and nothing else about the runs (`{"stats": ..., "resolved": [ids]}`)."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("resolved"), list)
        and not any(isinstance(doc.get(key), list) for key in ("resolved_ids", *_UNRESOLVED_LISTS))
    )


def _ids(name: str, doc: dict, key: str) -> list[str]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OutcomesError(name, f"expected a list of instance ids, found {type(value).__name__}", path=f"$.{key}")
    found = []
    for index, item in enumerate(value):
        if not _is_id(item):
            raise OutcomesError(name, "expected an instance id (a string)", path=f"$.{key}[{index}]")
        found.append(str(item))
    return found


# Outcomes found beside the logs (see the module docstring).

HARBOR = "harbor"
SWE_BENCH = "swe-bench"
LAYOUTS = {HARBOR: "Harbor result.json", SWE_BENCH: "SWE-bench report.json"}  # as the outcome summary names them
_HARBOR_FIELDS = ("trial_name", "task_name")
_SUBMISSION_DEPTH = 3  # how far above a log a submission's `trajs/` folder is looked for
MAX_BESIDE_BYTES = 16 * 2**20  # a Harbor result.json or a harness report.json is kilobytes


@dataclass(frozen=True)
class Beside:
    """The outcome file found beside one log: its path, the layout that put it there, and its verdicts, either the
    one verdict of the log's root trajectory (Harbor) or verdicts by instance id (SWE-bench)."""

    file: str
    layout: str
    verdict: dict | None = None
    by_id: Mapping[str, dict] | None = None
    path: str | None = None  # JSON path of the verdict in `file`
    task: str | None = None  # the task the run attempted (Harbor's task_name), for a log that does not name it

    def verdict_for(self, trajectory: str, events: Sequence[Event]) -> dict | None:
        if self.by_id is not None:
            key = match_id(trajectory, self.by_id)
            return None if key is None else self.by_id[key]
        task = next((e for e in events if e.kind == "task"), None)
        meta = task.get("meta") if task is not None else None
        if isinstance(meta, dict) and meta.get("parent_trajectory") is not None:
            return None  # a subagent's run: the trial's verdict is its parent's
        return self.verdict

    def name_task(self, events: list[Event]) -> None:
        """Give the trajectory's task event the task id this file names, if the log names none (ATIF has no place
        for it): trials of one task are then grouped for pass^k as their own verdicts are."""
        if self.task is None:
            return
        for index, event in enumerate(events):
            if event.kind == "task":
                if not event.get("task_id"):
                    events[index] = Event(event.file, event.line, {**event.data, "task_id": self.task}, event.seq)
                return

    def origin(self) -> dict[str, str]:
        origin = {"file": self.file, "format": self.layout, "attached": "beside"}
        if self.path:
            origin["path"] = self.path
        return origin


def find_beside(sources: Iterable[Source]) -> tuple[dict[str, Beside], list[str]]:
    """The outcome file beside each log that has one (by source name), and notes on files found where a format
    puts its outcomes that could not be used. Files on disk, and files in an object store among those listed with
    the logs (a store is not asked for names it did not list; one request per file would cost more than the
    audit); standard input has no folder."""
    sources = list(sources)
    found: dict[str, Beside] = {}
    notes: list[str] = []
    loaded: dict[str, Beside | None] = {}  # by the file's name
    # what a folder on disk holds at a relative path, looked at once: the logs of one folder share their candidates
    # (a folder of 10,000 runs would otherwise look for its report.json 10,000 times; a store's are looked up in
    # `listed`, without a request)
    probed: dict[tuple[str, str, object], Source | None] = {}
    listed = {s.name: s for s in sources if s.remote is not None and s.problem is None}
    for source in sources:
        if source.problem is not None or source.note is not None:
            continue
        log = source.path if source.remote is None else PurePosixPath(source.remote.key)
        if log is None:
            continue
        for layout, relative in _candidates(log):
            if source.remote is not None:
                file = source.beside(relative, listed)
            else:
                key = (os.path.dirname(source.name), relative, source.limits)  # (the limits it is read with)
                if key not in probed:
                    probed[key] = source.beside(relative)
                file = probed[key]
            if file is None:
                continue
            if file.name not in loaded:
                loaded[file.name] = _load_beside(file, layout, source.name, notes)
            beside = loaded[file.name]
            if beside is not None:
                found[source.name] = beside
                break
    return found, notes


def _candidates(log: PurePath) -> Iterator[tuple[str, str]]:
    """Where the formats that define one would keep this log's outcome (a path from the log's folder), if the
    file is there. Read from the path's parts (pathlib's `parent` and `==` are ~10 µs a log: a second for a
    folder of 100,000 runs)."""
    parts = log.parts
    if parts[-2:] == ("agent", "trajectory.json"):
        yield HARBOR, "../result.json"
    yield SWE_BENCH, "report.json"
    for up in range(1, min(_SUBMISSION_DEPTH, len(parts) - 1) + 1):
        if parts[-1 - up] == "trajs":  # the folder `up` levels above the log
            instance = parts[-up]
            for suffix in _INSTANCE_SUFFIXES:
                if instance.endswith(suffix) and len(instance) > len(suffix):
                    instance = instance[: -len(suffix)]
                    break
            yield SWE_BENCH, "../" * up + f"logs/{instance}/report.json"
            break


_INSTANCE_SUFFIXES = (".traj.json", ".traj", ".json", ".jsonl", ".json.gz", ".jsonl.gz", ".md", ".log", ".txt")


def _load_beside(file: Source, layout: str, log: str, notes: list[str]) -> Beside | None:
    from trajaudit.reader import STREAM_ERRORS, read_at_most

    name = file.name
    if file.note is not None:
        notes.append(f"{name} (beside {log}): {file.note}; no outcome taken from it")
        return None
    try:
        with file.open() as stream:
            data = read_at_most(stream, MAX_BESIDE_BYTES)
        if data is None:
            notes.append(f"{name} (beside {log}): over {MAX_BESIDE_BYTES // 2**20} MiB, larger than any verdict "
                         "file; no outcome taken from it")
            return None
        doc = orjson.loads(data)
    except STREAM_ERRORS as exc:
        notes.append(f"{name} (beside {log}): cannot read: {getattr(exc, 'strerror', None) or exc}; no outcome "
                     "taken from it")
        return None
    except orjson.JSONDecodeError as exc:
        notes.append(f"{name} (beside {log}): invalid JSON: {exc}; no outcome taken from it")
        return None
    if layout == HARBOR:
        return _harbor(name, doc, log, notes)
    return _swe_bench(name, PurePosixPath(name), doc)


def _harbor(name: str, doc: Any, log: str, notes: list[str]) -> Beside | None:
    """The verdict of a Harbor TrialResult, scored as Harbor's mean metric scores it."""
    if not (isinstance(doc, dict) and all(isinstance(doc.get(k), str) for k in _HARBOR_FIELDS)
            and "verifier_result" in doc):
        notes.append(f"{name} (beside {log}): not a Harbor trial result (no trial_name, task_name and "
                     "verifier_result); no outcome taken from it")
        return None
    result = doc["verifier_result"]
    rewards = result.get("rewards") if isinstance(result, dict) else None
    if rewards is None:
        exception = doc.get("exception_info")
        if not isinstance(exception, dict) and doc.get("finished_at") is None:
            notes.append(f"{name} (beside {log}): the trial has not finished (no verifier result, no exception, no "
                         "finished_at); no outcome taken from it")
            return None
        what = exception.get("exception_type") if isinstance(exception, dict) else None
        source = f"harbor: no verifier result ({what})" if isinstance(what, str) else "harbor: no verifier result"
        verdict = {"success": False, "reward": 0.0, "source": source}
        return Beside(name, HARBOR, verdict, path="$.verifier_result", task=doc["task_name"])
    if not isinstance(rewards, dict) or not rewards:
        notes.append(f"{name} (beside {log}): $.verifier_result.rewards: expected an object of named rewards; "
                     "no outcome taken from it")
        return None
    key = next(iter(rewards)) if len(rewards) == 1 else "reward" if "reward" in rewards else None
    if key is None:
        notes.append(f"{name} (beside {log}): $.verifier_result.rewards has {len(rewards)} rewards and none named "
                     "reward (Harbor's mean metric refuses it too); no outcome taken from it")
        return None
    value = rewards[key]
    if value is None:
        value = 0  # as Harbor scores a missing reward
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        notes.append(f"{name} (beside {log}): $.verifier_result.rewards[{orjson.dumps(key).decode()}]: expected a "
                     f"number, found {type(value).__name__}; no outcome taken from it")
        return None
    verdict = {"success": value >= 1.0 - SUCCESS_EPS, "reward": float(value), "source": "harbor verifier"}
    path = f"$.verifier_result.rewards[{orjson.dumps(key).decode()}]"
    return Beside(name, HARBOR, verdict, path=path, task=doc["task_name"])


def _swe_bench(name: str, file: PurePath, doc: Any) -> Beside | None:
    """Verdicts by instance id of a SWE-bench harness report.json (`{instance_id: {resolved, ...}}`, or the bare
    report object named by its folder)."""
    if isinstance(doc, dict) and isinstance(doc.get("resolved"), bool) and (
        "tests_status" in doc or "patch_is_None" in doc
    ):
        verdict = {"success": doc["resolved"], "source": HARNESS}
        return Beside(name, SWE_BENCH, by_id={_report_id(file): verdict}, path="$.resolved")
    if isinstance(doc, dict) and doc and all(
        isinstance(value, dict) and isinstance(value.get("resolved"), bool) for value in doc.values()
    ):
        by_id = {str(key): {"success": value["resolved"], "source": HARNESS} for key, value in doc.items()}
        path = f"$[{orjson.dumps(next(iter(doc))).decode()}].resolved" if len(doc) == 1 else None
        return Beside(name, SWE_BENCH, by_id=by_id, path=path)
    return None  # report.json is a common name: another tool's report is not worth a note



def outcome_source(trajectory: Trajectory) -> dict[str, Any] | None:
    """Where a trajectory's outcome came from: `{"from": "log" | "--outcomes" | "beside", "file", "verifier"}`
    (`format` too for one found beside the log: harbor, swe-bench), or None without an outcome."""
    outcome = trajectory.outcome
    if outcome is None:
        return None
    origin = outcome.get("origin")
    attached = origin.get("attached") if type(origin) is dict else None
    verifier = outcome.get("source")
    record: dict[str, Any] = {
        "from": attached if attached in ("beside", "--outcomes") else "log",
        "file": outcome.file,
        "verifier": verifier if isinstance(verifier, str) else None,
    }
    if attached == "beside":
        record["format"] = origin.get("format")
    return record


class OutcomeSources:
    """Counts, as results stream past, where the trajectories' outcomes came from, for one line on stderr:
    `outcomes: 12 from Harbor result.json beside the logs, 3 from --outcomes FILE, 5 in the logs, 2 none`."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, str], int] = {}  # (place in the line, what) -> trajectories

    def count(self, trajectory: Trajectory) -> None:
        source = outcome_source(trajectory)
        if source is None:
            key = (3, "none")
        elif source["from"] == "beside":
            key = (0, f"from {LAYOUTS.get(source.get('format') or '', 'a file')} beside the logs")
        elif source["from"] == "--outcomes":
            key = (1, f"from --outcomes {source['file']}")
        else:
            key = (2, "in the logs")
        self.counts[key] = self.counts.get(key, 0) + 1

    def watch(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            if type(item) is TrajectoryResult:
                self.count(item.trajectory)
            yield item

    def line(self) -> str | None:
        if not self.counts:
            return None
        return "trajaudit: outcomes: " + ", ".join(f"{self.counts[key]} {key[1]}" for key in sorted(self.counts))
