"""Running an audit's parts on a Ray cluster, through Ray Data (`trajaudit audit --executor ray`).

The engine cuts a run into parts (`parallel.plan`: groups of whole files, or byte ranges of one log whose lines are
whole runs) and merges their pieces in plan order (`engine.Audit._merged`); this module only runs the parts
somewhere else. Each part is one row of a Ray Dataset (`from_items`, one block per part), mapped by a task that
rebuilds the audit from its sources, configuration and options (all picklable) and returns the part's pieces. Pieces
come back in whatever order the tasks finish and are handed to the merge in plan order, so the output is a local
run's, byte for byte: renaming of ids used by two files and the re-reading of a cut run stay the engine's work.

Rows of parts rather than `read_binary_files`: the plan already decided what belongs together (a file's ids must be
seen in order, a log is cut only at line starts), and the engine's readers stream a file from its path (ranges,
gzip, per-line limits) instead of holding its bytes in the object store. Ray Data does the scheduling, the
backpressure and the retries; nothing here schedules.

Ray is an optional extra (`pip install "trajaudit[ray]"`), imported only when this executor is chosen, and started
or joined only when the plan has more than one part (`prepare`): a run that is one part is the local serial path,
with the same bytes. A cluster address where nothing answers is an error within `TRAJAUDIT_RAY_TIMEOUT` seconds
(default 30), not minutes of `ray.init` retrying.
"""

from __future__ import annotations

import os
import pickle
import socket
from dataclasses import replace
from typing import Any, Callable, Iterator

from trajaudit import parallel

INSTALL_HINT = 'the Ray executor needs Ray Data: pip install "trajaudit[ray]"'
TIMEOUT_VARIABLE = "TRAJAUDIT_RAY_TIMEOUT"
DEFAULT_TIMEOUT = 30.0  # seconds to reach the cluster `RAY_ADDRESS` names


class RayMissing(RuntimeError):
    """Ray (with Ray Data) is not importable here."""


class RayUnreachable(RuntimeError):
    """The cluster `RAY_ADDRESS` names cannot be reached."""


def prepare(options: Any, sources: list[Any]) -> Any:
    """`options` (an `engine.Options`) with the run's parts sent to Ray, cut for the cluster's CPUs unless `jobs` says
    how many; unchanged (a local run, Ray not started) when the input is one part whatever the jobs. Raises
    `RayMissing` or `RayUnreachable`."""
    _ray()
    if len(parallel.plan(sources, options.input_format, 2)) == 1:
        return options
    cpus = connect()
    # at least two: one job is the serial path, which never reaches the executor
    return replace(options, executor=execute, jobs=max(2, options.jobs or cpus))


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  (Ray without its data extra has no Ray Data)
    except ImportError as exc:
        raise RayMissing(f"{INSTALL_HINT} ({exc})") from exc
    return ray


def connect() -> int:
    """Join the cluster that `RAY_ADDRESS` names (as `ray.init` does; none: a local Ray instance is started), unless
    this process already joined one, and say how many CPUs it offers: the number of jobs the plan is cut for."""
    ray = _ray()
    if not ray.is_initialized():
        import logging

        address = os.environ.get("RAY_ADDRESS", "")
        _probe(address, _timeout())
        # Ray's start-up and Ray Data's per-dataset lines would bury the report's notes on stderr
        try:
            ray.init(logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, TimeoutError) as exc:  # e.g. RAY_ADDRESS=auto and no cluster runs here
            raise RayUnreachable(f"cannot join the Ray cluster (RAY_ADDRESS={address or 'unset'}): {exc}") from exc
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _timeout() -> float:
    value = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        timeout = float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise RayUnreachable(f"{TIMEOUT_VARIABLE}={value!r} is not a number of seconds") from None
    if not timeout > 0:
        raise RayUnreachable(f"{TIMEOUT_VARIABLE}={value!r} must be more than 0 seconds")
    return timeout


def _probe(address: str, timeout: float) -> None:
    """Fail fast where `RAY_ADDRESS` names a host and port that do not answer: `ray.init` would retry for minutes.
    (`auto`, `local` or unset: no address to probe; Ray finds or starts the instance itself.)"""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise RayUnreachable(
            f"cannot reach the Ray cluster at RAY_ADDRESS={address} ({reason} within {timeout:g} s; "
            f"{TIMEOUT_VARIABLE} sets the wait)"
        ) from exc


def execute(
    parts: list[parallel.Part], work: Callable[[parallel.Part], Iterator[parallel.Piece]], jobs: int
) -> Iterator[parallel.Piece]:
    """`parallel.execute` on Ray Data: run `work(part)` for every part on the cluster and yield the pieces of part 0,
    then of part 1, ... `work` is an audit's bound `run_part`; each task rebuilds that audit on its node."""
    audit = getattr(work, "__self__", None)
    if audit is None or not hasattr(audit, "run_part"):
        raise TypeError("the Ray executor runs an engine.Audit's parts (work must be Audit.run_part)")
    ray = _ray()
    # Callbacks stay here (they talk to this terminal); the task's audit must not plan or execute again.
    options = replace(audit.options, on_format=None, executor=None, jobs=1)
    setup = ray.put((audit.sources, audit.config, options, parts))
    rows = ray.data.from_items([{"part": part.index} for part in parts], override_num_blocks=len(parts))
    done: dict[int, list[parallel.Piece]] = {}
    next_part = 0
    for row in rows.map(_run_part, fn_kwargs={"setup": setup}, num_cpus=1).iter_rows():
        done[row["part"]] = pickle.loads(row["pieces"])
        while next_part in done:
            yield from done.pop(next_part)
            next_part += 1
    if next_part != len(parts):  # Ray Data lost a row: never merge an incomplete run
        raise RuntimeError(f"the Ray executor got {next_part} of {len(parts)} parts back")


def _run_part(row: dict[str, Any], setup: Any) -> dict[str, Any]:
    """One Ray Data task: the pieces of one part, pickled (they hold packed results, summaries, ids)."""
    import ray

    from trajaudit import engine

    sources, config, options, parts = ray.get(setup)
    index = row["part"]
    audit = engine.Audit(sources, config, options)
    return {"part": index, "pieces": pickle.dumps(list(audit.run_part(parts[index])))}
