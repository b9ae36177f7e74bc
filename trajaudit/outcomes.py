"""Verifier results kept apart from the logs (`--outcomes FILE`): trajectory id → {success, reward?, source}.

Accepted shapes:
- a JSON object mapping id → bool, id → reward number, or id → {success | resolved | reward, source?};
- JSONL (or a JSON list) of records `{trajectory | id | instance_id, success | resolved | reward, source?}`;
- SWE-bench harness output: a per-instance `report.json` (`{instance_id: {resolved, ...}}`, or the bare
  `{resolved, tests_status, ...}` object whose id is the file name `<instance_id>.report.json` or its directory),
  the results summary `{instances: [{instance_id, resolved}]}` and the run report `{resolved_ids, unresolved_ids}`;
- a directory: every *.json / *.jsonl file in it (sorted), merged.
A reward counts as success when it reaches 1. Bad files raise OutcomesError naming the file and line or JSON path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import orjson

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


def load_outcomes(path: str | Path) -> dict[str, dict]:
    """Trajectory id → {"success": bool, "reward": float (when known), "source": str} from a file or directory."""
    target = Path(path)
    if target.is_dir():
        merged: dict[str, dict] = {}
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl"))
        if not files:
            raise OutcomesError(str(target), "directory holds no .json or .jsonl outcomes files")
        for file in files:
            merged.update(load_outcomes(file))
        return merged
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
        return dict(_jsonl(name, data))
    del data
    return dict(_document(name, target, doc))


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
    if isinstance(doc.get("resolved_ids"), list) or isinstance(doc.get("unresolved_ids"), list):
        resolved = {str(i) for i in doc.get("resolved_ids") or ()}
        for key in ("completed_ids", "unresolved_ids", "error_ids", "empty_patch_ids", "resolved_ids"):
            for instance in doc.get(key) or ():
                yield str(instance), {"success": str(instance) in resolved, "source": HARNESS}
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
