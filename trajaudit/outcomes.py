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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

import orjson

from trajaudit.model import TrajectoryResult

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


def _report_id(file: Path) -> str:
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
