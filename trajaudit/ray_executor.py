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

Ray is an optional extra (`pip install "trajaudit[ray]"`), imported only when this executor is chosen.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from typing import Any, Callable, Iterator

from trajaudit import parallel

INSTALL_HINT = 'the Ray executor needs Ray Data: pip install "trajaudit[ray]"'


class RayMissing(RuntimeError):
    """Ray (with Ray Data) is not importable here."""


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

        # Ray's start-up and Ray Data's per-dataset lines would bury the report's notes on stderr
        ray.init(logging_level=logging.WARNING, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


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
