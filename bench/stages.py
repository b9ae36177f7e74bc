"""Where an audit's work goes, stage by stage, in instructions; a report, never a test.

    python bench/stages.py bench/out/corpus-200mb-seed1.jsonl --mb 20   # the first 20 MB of a log
    python bench/stages.py ../shared/realdata/tau2-sierra                 # a folder, any format
    python bench/stages.py openai.jsonl --from openai

Four runs of `audit -j1 --format jsonl`, each counted by valgrind's callgrind (deterministic, whatever the machine's
load), and their differences:

  start-up          the same command on an empty folder: the command's own imports and configuration (what an
                    input needs, an importer, jsonschema-rs for native lines, patterns, counts where it is used)
  read and report   with `--select TA004` and the claim records stubbed out: reading, importing and checking the
                    lines, assembling runs, one cheap rule, the jsonl report; less start-up
  claim records     `--select TA004` as it is, less the above: the claim reader and the verdicts on its claims
                    (every report shows them, whichever rules run), with the evidence they share with rules
  other rules       all default rules, less the above

For a JSONL file, `orjson's parse` is the bench baseline's work (run.py: each line parsed, nothing else) on the same
bytes, less the import of orjson: the floor under "read and report". Pattern compilation is counted where a pattern
is first used. Why these stages, and what they showed: bench/README.md, tenth session.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

# bench/ is on the path when this runs as a script
from run import BASELINE_CODE, NO_CLAIMS
from startup import compile_bytecode, instructions

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="a log or a folder of logs")
    ap.add_argument("--from", dest="input_format", default="auto", help="the input format (default: detected)")
    ap.add_argument("--mb", type=float, help="only the first MB of a file (cut at a line end)")
    ap.add_argument("--python", default=sys.executable, help="interpreter to run (default: this one)")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        ap.error("needs valgrind")
    path = args.path.resolve()
    if not path.exists():
        ap.error(f"{path}: no such file or folder")
    compile_bytecode(args.python, ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        if args.mb is not None and path.is_file():
            path = _head(path, int(args.mb * 1e6), Path(tmp) / path.name)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        options = ["--format", "jsonl", "--quiet", "-j1", "--from", args.input_format]
        audit = [args.python, "-m", "trajaudit", "audit"]
        runs = {  # each run adds one stage to the one before
            "empty folder": instructions([*audit, str(empty), *options], ROOT),
            "TA004, no claim records": instructions(
                [args.python, "-c", NO_CLAIMS, "audit", str(path), *options, "--select", "TA004"], ROOT
            ),
            "TA004": instructions([*audit, str(path), *options, "--select", "TA004"], ROOT),
            "all rules": instructions([*audit, str(path), *options], ROOT),
        }
        parse = None
        if path.is_file() and path.suffix == ".jsonl":
            parse = instructions([args.python, "-c", BASELINE_CODE, str(path)], ROOT) - instructions(
                [args.python, "-c", "import orjson"], ROOT
            )
    total = runs["all rules"]
    stages = {
        "start-up": runs["empty folder"],
        "read and report": runs["TA004, no claim records"] - runs["empty folder"],
        "claim records": runs["TA004"] - runs["TA004, no claim records"],
        "other rules": runs["all rules"] - runs["TA004"],
    }
    print(f"{args.path}{f' (first {args.mb:g} MB)' if args.mb else ''}: audit -j1 --format jsonl, "
          "millions of instructions (callgrind, PYTHONHASHSEED=0)")
    for name, value in stages.items():
        print(f"  {name:<16} {value / 1e6:9,.1f}  {value / total:6.1%}")
    print(f"  {'total':<16} {total / 1e6:9,.1f}")
    if parse is not None:
        print(f"  orjson's parse of the lines (the baseline's work): {parse / 1e6:,.1f}, "
              f"{stages['read and report'] / parse:.2f}× of it in read and report, "
              f"{(total - stages['start-up']) / parse:.2f}× in all the audit's work")
    return 0


def _head(path: Path, size: int, into: Path) -> Path:
    """The first `size` bytes of a file, ending at a line end."""
    with path.open("rb") as source:
        data = source.read(size)
    into.write_bytes(data[: data.rfind(b"\n") + 1] if b"\n" in data else data)
    return into


if __name__ == "__main__":
    sys.exit(main())
