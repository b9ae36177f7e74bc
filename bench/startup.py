"""Start-up of the CLI: median wall and CPU time of `trajaudit --version` and of audits of a one-line log; a report,
never a test.

    python bench/startup.py                          # 21 runs of each command, interleaved
    python bench/startup.py --repeat 41              # more runs on a noisy machine
    python bench/startup.py --against ../old-checkout  # the same commands on another checkout, in the same rounds
    python bench/startup.py --instructions --against ../old-checkout  # instructions (valgrind), not seconds

Each command is a fresh `python -m trajaudit ...` subprocess with its working directory at the checkout measured
(so that checkout's package is the one imported), stdout to /dev/null, CPU time read with os.wait4. Floors are
measured in the same rounds: the interpreter alone (`python -c pass`) and the CLI framework alone (`import typer`),
since a command cannot start faster than they do. The package's bytecode is compiled first, as `pip install` does.

Target (issue 12): `trajaudit --version` and a one-line audit <= 0.12 s. On a shared machine wall time waits for a
core: compare CPU medians and ratios within one run, not figures from different runs, or count instructions
(`--instructions`: each command once under `valgrind --tool=callgrind`, with PYTHONHASHSEED=0 so that set and dict
layouts, hence the count, repeat; other helpers' load does not change it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.12
ONE_LINE = '{"trajectory":"t1","step":0,"kind":"task","task_id":"demo","goal":"Cancel order #W2378156"}\n'


def run_once(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit code of one run (`env`: variables added to ours)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **env} if env else None)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def instructions(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> int:
    """Instructions one run executes, counted by callgrind (`env`: variables added to ours)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], cwd=cwd,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})}, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind did not count {' '.join(argv)}: {done.stderr[-500:]}")
    return int(found.group(1))


def compile_bytecode(python: str, checkout: Path) -> None:
    # forced: see bench/run.py's compile_bytecode
    subprocess.run([python, "-m", "compileall", "-q", "-f", str(checkout / "trajaudit")], check=False,
                   stdout=subprocess.DEVNULL)


def commands(python: str, log: Path) -> list[tuple[str, list[str]]]:
    cli = [python, "-m", "trajaudit"]
    return [
        ("--version", [*cli, "--version"]),
        ("audit 1 line --format jsonl", [*cli, "audit", str(log), "--format", "jsonl"]),
        ("audit 1 line (text view)", [*cli, "audit", str(log)]),
        ("validate 1 line", [*cli, "validate", str(log)]),
    ]


def add_run_options(ap: argparse.ArgumentParser, repeat: int) -> None:
    """The options every before/after benchmark here takes: --repeat, --python, --against, --instructions."""
    ap.add_argument("--repeat", type=int, default=repeat,
                    help=f"runs per command; medians are reported (default {repeat})")
    ap.add_argument("--python", default=sys.executable, help="interpreter to run (default: this one)")
    ap.add_argument("--against", type=Path, help="another checkout to measure in the same rounds (before/after)")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions with valgrind's callgrind (one run each) instead of timing runs")


def parse_run_options(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = ap.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        ap.error("--instructions needs valgrind")
    return args


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_options(ap, repeat=21)
    args = parse_run_options(ap, argv)

    checkouts = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    env_note = " (PYTHONDONTWRITEBYTECODE set: bytecode compiled first)" if os.environ.get("PYTHONDONTWRITEBYTECODE") \
        else ""
    for _, checkout in checkouts:
        compile_bytecode(args.python, checkout)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "one.jsonl"
        log.write_text(ONE_LINE, encoding="utf-8")
        runs: list[tuple[str, str, list[str], Path]] = [
            ("floor", "python -c pass", [args.python, "-c", "pass"], ROOT),
            ("floor", "python -c 'import typer'", [args.python, "-c", "import typer"], ROOT),
        ]
        for label, checkout in checkouts:
            runs += [(label, name, argv, checkout) for name, argv in commands(args.python, log)]
        if args.instructions:
            return report_instructions(runs, [label for label, _ in checkouts])
        samples: dict[tuple[str, str], list[tuple[float, float, int]]] = {(r[0], r[1]): [] for r in runs}
        for _ in range(args.repeat):  # interleaved: background load hits every command alike
            for label, name, argv, cwd in runs:
                samples[(label, name)].append(run_once(argv, cwd))

    print(f"start-up, {args.repeat} runs each, median (min) in seconds{env_note}")
    print(f"{'checkout':<9} {'command':<30} {'wall':>14} {'CPU':>14}  exit  target")
    floor_cpu = statistics.median(s[1] for s in samples[("floor", "python -c pass")])
    for (label, name), found in samples.items():
        wall = statistics.median(s[0] for s in found)
        cpu = statistics.median(s[1] for s in found)
        codes = ",".join(sorted({str(s[2]) for s in found}))
        verdict = "" if label == "floor" else ("PASS" if wall <= TARGET_S else "MISS")
        print(f"{label:<9} {name:<30} {wall:6.3f} ({min(s[0] for s in found):.3f}) "
              f"{cpu:6.3f} ({min(s[1] for s in found):.3f})  {codes:<4}  {verdict}")
    if args.against:
        print("\nCPU this / against (same rounds):")
        for name, _ in commands(args.python, Path("x")):
            this = statistics.median(s[1] for s in samples[("this", name)]) - floor_cpu
            other = statistics.median(s[1] for s in samples[("against", name)]) - floor_cpu
            print(f"  {name:<30} {this:.3f} / {other:.3f} s above the interpreter = {this / other:.2f}×")
    return 0


def report_instructions(runs: list[tuple[str, str, list[str], Path]], labels: list[str]) -> int:
    counts = {(label, name): instructions(argv, cwd) for label, name, argv, cwd in runs}
    print("start-up, millions of instructions (callgrind, one run each, PYTHONHASHSEED=0)")
    floor = counts[("floor", "python -c pass")]
    for (label, name), count in counts.items():
        print(f"{label:<9} {name:<30} {count / 1e6:8.1f}")
    if len(labels) == 2:
        print("\nabove the interpreter, this / against:")
        for name, _ in commands(sys.executable, Path("x")):
            this, other = counts[("this", name)] - floor, counts[("against", name)] - floor
            print(f"  {name:<30} {this / 1e6:7.1f} / {other / 1e6:7.1f} M = {this / other:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
