"""Import speed per format over ../shared/realdata: files, trajectories, steps (events), seconds and MB/s.

Run: python bench/import_speed.py [REALDATA_DIR] [--repeat N]. Times are the median of N runs (default 3) of a full
import (detection + conversion) of every file of a format; the "orjson" column is the median time of parsing the same
bytes with orjson alone (whole document, or line by line for JSONL), the baseline the guide asks ratios against.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trajaudit.importers import detect  # noqa: E402
from trajaudit.reader import Malformed, Source  # noqa: E402

SUFFIXES = (".json", ".jsonl", ".traj")
SKIP_PARTS = ("deepconf-answer-token-conf", "reports")  # not agent logs (another helper's format; verifier reports)


def files_by_format(root: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not path.name.endswith(SUFFIXES) or path.name == "results_summary.json":
            continue
        if any(part in path.parts for part in SKIP_PARTS):
            continue
        out.setdefault(detect(Source(str(path), path)).NAME, []).append(path)
    return out


def import_all(paths: list[Path]) -> tuple[int, int, int]:
    trajectories: set[tuple[str, str]] = set()
    steps = malformed = 0
    for path in paths:
        source = Source(str(path), path)
        for item in detect(source).convert(source):
            if isinstance(item, Malformed):
                malformed += 1
                continue
            event = item[1]
            trajectories.add((str(path), event["trajectory"]))
            steps += 1
    return len(trajectories), steps, malformed


def parse_only(paths: list[Path]) -> None:
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".jsonl":
            for raw in data.splitlines():
                if raw.strip():
                    orjson.loads(raw)
        else:
            orjson.loads(data)


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "realdata"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(args.root)
    if not root.is_dir():
        sys.exit(f"{root}: no such directory")
    header = (
        f"{'format':<16}{'files':>6}{'traj':>7}{'steps':>8}{'MB':>8}{'import s':>10}{'MB/s':>8}{'orjson s':>10}"
        f"{'x orjson':>9}"
    )
    print(header)
    print("-" * len(header))
    for fmt, paths in files_by_format(root).items():
        size = sum(p.stat().st_size for p in paths) / 1e6
        trajectories, steps, malformed = import_all(paths)
        seconds = median_seconds(lambda paths=paths: import_all(paths), args.repeat)
        baseline = median_seconds(lambda paths=paths: parse_only(paths), args.repeat)
        note = f"  ({malformed} malformed)" if malformed else ""
        print(
            f"{fmt:<16}{len(paths):>6}{trajectories:>7}{steps:>8}{size:>8.2f}{seconds:>10.3f}{size / seconds:>8.1f}"
            f"{baseline:>10.3f}{seconds / baseline:>9.1f}{note}"
        )


if __name__ == "__main__":
    main()
