"""The text view (the default on a terminal) against the jsonl audit of the same folders: median wall and CPU time of
each, and their ratio; a report, never a test.

    python bench/text_view.py                               # the realdata folders beside the project, 5 runs each
    python bench/text_view.py --repeat 9 --against ../old   # the same commands on another checkout, same rounds
    python bench/text_view.py path/to/folder other.jsonl    # any logs
    python bench/text_view.py --instructions --against ../old  # instructions (valgrind, one run each), not seconds

The other benchmarks measure `--format jsonl`, which is what CI and pipes get. A person at a terminal gets the text
view: one line per step, rendered by rich, which on real folders took 4-8 times as long as the audit itself before
2026-12-04 (bench/README.md, eighth session). Each command is a fresh `python -m trajaudit audit PATH --jobs 1`
subprocess with its working directory at the checkout measured, `FORCE_COLOR=1` (the colours a terminal gets),
`COLUMNS=120`, stdout to /dev/null; rounds are interleaved so background load hits every command alike.
`--instructions` counts what each command executes instead (callgrind, PYTHONHASHSEED=0): the same on a busy machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

# bench/ is on the path when this runs as a script
from startup import add_run_options, compile_bytecode, instructions, parse_run_options, run_once

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
VIEW_ENV = {"FORCE_COLOR": "1", "COLUMNS": "120"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path, help="logs or folders (default: each folder of ../shared/realdata)")
    add_run_options(ap, repeat=5)
    args = parse_run_options(ap, argv)
    paths = [p.resolve() for p in args.paths] or sorted(p for p in REALDATA.glob("*") if p.is_dir())
    if not paths:
        ap.error(f"no logs given and no folder in {REALDATA}")
    checkouts = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    for _, checkout in checkouts:  # as `pip install` does
        compile_bytecode(args.python, checkout)
    runs = []
    for path in paths:
        audit = [args.python, "-m", "trajaudit", "audit", str(path), "--jobs", "1"]
        runs.append(("this", path, "jsonl", [*audit, "--format", "jsonl"], ROOT))
        for label, checkout in checkouts:
            runs.append((label, path, "text", audit, checkout))
    if args.instructions:
        return report_instructions(runs, paths, bool(args.against))
    samples: dict[tuple[str, Path, str], list[tuple[float, float]]] = {(r[0], r[1], r[2]): [] for r in runs}
    for _ in range(args.repeat):
        for label, path, view, command, cwd in runs:
            samples[(label, path, view)].append(run_once(command, cwd, VIEW_ENV)[:2])

    def median(key: tuple[str, Path, str], index: int) -> float:
        return statistics.median(sample[index] for sample in samples[key])

    print(f"audit --jobs 1, {args.repeat} runs each, median wall (CPU) in seconds; FORCE_COLOR=1, COLUMNS=120")
    header = f"{'logs':<36} {'jsonl':>14} {'text view':>14} {'text / jsonl':>13}"
    print(header + (f" {'text, against':>14} {'this / against':>15}" if args.against else ""))
    for path in paths:
        jsonl, text = ("this", path, "jsonl"), ("this", path, "text")
        row = (f"{path.name[:36]:<36} {median(jsonl, 0):6.2f} ({median(jsonl, 1):5.2f}) "
               f"{median(text, 0):6.2f} ({median(text, 1):5.2f}) {median(text, 0) / median(jsonl, 0):12.1f}×")
        if args.against:
            other = ("against", path, "text")
            row += f" {median(other, 0):6.2f} ({median(other, 1):5.2f}) {median(text, 0) / median(other, 0):14.2f}×"
        print(row)
    return 0


def report_instructions(runs: list[tuple[str, Path, str, list[str], Path]], paths: list[Path], against: bool) -> int:
    counted = {(label, path, view): instructions(command, cwd, VIEW_ENV) / 1e6
               for label, path, view, command, cwd in runs}
    print("audit --jobs 1, millions of instructions (callgrind, one run each); FORCE_COLOR=1, COLUMNS=120")
    header = f"{'logs':<36} {'jsonl':>9} {'text view':>10} {'text - jsonl':>13}"
    print(header + (f" {'text, against':>14} {'this / against':>15}" if against else ""))
    for path in paths:
        jsonl, text = counted[("this", path, "jsonl")], counted[("this", path, "text")]
        row = f"{path.name[:36]:<36} {jsonl:9,.0f} {text:10,.0f} {text - jsonl:13,.0f}"
        if against:
            other = counted[("against", path, "text")]
            row += f" {other:14,.0f} {text / other:14.2f}×"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
