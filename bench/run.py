"""Benchmark trajaudit against "orjson parse only" on a large synthetic corpus; a report, never a test.

    python bench/run.py                      # 200 MB corpus, median of 3 runs each
    python bench/run.py --mb 50 --repeat 1   # quick iteration
    python bench/run.py --sizes 50,200       # does peak RSS stay flat as the file grows?
    python bench/run.py --corpus openai --sizes 15,30,60,120   # `audit --from openai` on OpenAI chat JSONL
    python bench/run.py --corpus swe-agent --files 500         # a directory of .traj files: -j1 against -j2
    python bench/run.py --corpus native-files --files 400      # a directory of native logs, whole runs each: the same
    python bench/run.py --corpus native-files-unscored --files 400   # the same without outcome events
    python bench/run.py --corpus native-shards --files 40      # the native corpus cut into 40 files, runs crossing

For each command it runs a fresh subprocess, times it (wall clock, median of --repeat runs; runs of the
different commands are interleaved so background noise hits them alike) and reads the child's peak RSS from
os.wait4 (ru_maxrss, KiB on Linux). Commands:

  baseline  python -c '<read the file in binary line by line, orjson.loads each line>'
  validate  python -m trajaudit validate FILE                        (default --jobs: all cores for a big file)
  audit     python -m trajaudit audit FILE --format jsonl          (stdout to /dev/null)
  validate -j1, audit -j1: the same on one core
  baseline ×2  two baselines at once: what two processes gain on this machine in this run (its parallel ceiling)
  audit -j1 ×2  two one-core audits at once: the same for the audit's own work, which (interpreted, cache-hungry)
               gains less from a second vCPU than the parse loop does on a VM whose vCPUs share cores
  audit unjudged (one-file corpora) `audit` with `--select TA004` and the claim records stubbed out: reading,
               checking, assembling and reporting, without the judging a missed audit target would have to shed
  audit 1 file (folder corpora) the folder's first file alone: the start-up a run pays before work can be shared,
               which bounds what -j2 can gain (Amdahl's law, see `start_bound`)

ru_maxrss of a child that forked workers is the largest of it and its workers, so the figure is per process.

Targets (issues 2 and 12): native validate >= 0.9x baseline throughput, audit >= 0.5x; OpenAI chat audit >= 0.3x;
peak RSS < 100 MiB whatever the file size; a directory of .traj files >= 1.8x faster on -j2 than on -j1.
The script always exits 0 (unless it cannot run at all) and prints PASS/MISS per target.
MB = 10^6 bytes; MiB = 2^20 bytes.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"

# The same 1 MiB read buffer as trajaudit's reader, so the ratio measures our per-line work, not buffer sizes.
BASELINE_CODE = """\
import sys, orjson
loads = orjson.loads
with open(sys.argv[1], "rb", buffering=1 << 20) as fh:
    for line in fh:
        loads(line)
"""

# A directory of whole documents (SWE-agent .traj): parse each file once.
BASELINE_DIR_CODE = """\
import os, sys, orjson
loads = orjson.loads
for entry in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):
    with open(entry.path, "rb") as fh:
        loads(fh.read())
"""

# A directory of JSONL logs (native files): parse each line of each file.
BASELINE_LINES_DIR_CODE = """\
import os, sys, orjson
loads = orjson.loads
for entry in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):
    with open(entry.path, "rb", buffering=1 << 20) as fh:
        for line in fh:
            loads(line)
"""

CORPORA = ("native", "openai", "swe-agent", "native-files", "native-files-unscored", "native-shards")
# corpora that are directories of files: -j1 against -j2
FOLDERS = ("swe-agent", "native-files", "native-files-unscored", "native-shards")
# Targets per corpus: throughput ratios to the baseline (issues 2 and 12); for swe-agent, the -j2 speed-up over -j1
# (the native folders have none: their speed-up is reported)
TARGETS_BY_CORPUS: dict[str, dict[str, float]] = {
    "native": {"validate": 0.9, "audit": 0.5},
    "openai": {"audit": 0.3},
    "swe-agent": {},
    "native-files": {},
    "native-files-unscored": {},
    "native-shards": {},
}
SPEEDUP_TARGET = 1.8
RSS_LIMIT_MIB = 100.0


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_kib: int
    code: int


@dataclass
class Result:
    name: str
    argv: list[str]
    samples: list[Sample] = field(default_factory=list)
    stderr_tail: str = ""
    copies: int = 1  # processes started at once; the sample's wall ends with the last

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_mib(self) -> float:
        return max(s.rss_kib for s in self.samples) / 1024

    @property
    def spread(self) -> str:
        walls = [s.wall for s in self.samples]
        return f"{min(walls):.2f}–{max(walls):.2f}" if len(walls) > 1 else "–"

    @property
    def codes(self) -> str:
        return ",".join(sorted({str(s.code) for s in self.samples}))

    @property
    def crashed(self) -> bool:
        return any(s.code not in (0, 1) for s in self.samples)


def run_child(argv: list[str], stdout=subprocess.DEVNULL, copies: int = 1) -> tuple[Sample, str]:
    """Run argv (`copies` processes at once), wait with os.wait4 to get each child's own rusage: wall until the last
    ends, CPU summed, the largest peak RSS and exit code; stderr goes to temp files (no pipe deadlock)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        procs = [subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, cwd=ROOT)
                 for _ in range(copies)]
        cpu, rss, codes = 0.0, 0, []
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            rss = max(rss, usage.ru_maxrss)
            codes.append(code)
        wall = time.perf_counter() - started
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return Sample(wall, cpu, rss, max(codes, key=abs)), tail


def ceiling(results: dict[str, Result], one: str = "baseline", pair: str = "baseline ×2") -> float | None:
    """How much faster two processes ran than one after the other, in the same run: two `one` at once (`pair`)
    against twice one. On a machine whose cores are shared (a VM's vCPUs on busy hosts) this is well below 2, and no
    two-process run can beat it, so 2-job speed-ups are read against it. Two baselines give the machine's ceiling
    for a parse loop; two one-core audits (`AUDIT_PAIR`) give it for the audit's own work, which can be lower."""
    both, alone = results.get(pair), results.get(one)
    if both is None or alone is None or not both.samples or not alone.samples:
        return None
    return 2 * alone.wall / both.wall


PAIR = "baseline ×2"
AUDIT_PAIR = "audit -j1 ×2"
UNJUDGED = "audit unjudged"  # `audit` with no rule but TA004 and no claim records: what judging leaves
ONE_FILE = "audit 1 file"  # a folder corpus's first file alone: the start-up every run of the folder pays first
# the CLI with the claim records of every trajectory left empty
NO_CLAIMS = (
    "import sys; from trajaudit import verdicts; verdicts.claim_records = lambda trajectory: (); "
    "from trajaudit.cli import execute; sys.argv = ['trajaudit', *sys.argv[1:]]; execute()"
)


def judging_needed(results: dict[str, Result], name: str, want: float) -> str | None:
    """How much faster judging (the rules and the claim records) would have to get for `name` to reach `want` times
    the baseline, all else unchanged: judging is the audit's time less UNJUDGED's."""
    base, audit, rest = results.get("baseline"), results.get(name), results.get(UNJUDGED)
    if base is None or audit is None or rest is None or not (base.samples and audit.samples and rest.samples):
        return None
    judging, allowed = audit.wall - rest.wall, base.wall / want - rest.wall
    head = (f"{name} without judging runs at {base.wall / rest.wall:.2f}× baseline; judging takes "
            f"{judging:.2f} of its {audit.wall:.2f} s")
    if allowed <= 0:
        return f"{head}, and {want}× is out of reach even with none"
    return f"{head}; {want}× needs it at most {allowed:.2f} s, {judging / allowed:.1f}× as fast"


def start_bound(results: dict[str, Result], audits: float | None) -> float | None:
    """The most two jobs can gain over one on a folder, by Amdahl's law: a run pays its start-up (interpreter,
    imports, rules, patterns: at least what auditing the folder's first file alone takes) before any work can be
    shared, and the rest of the one-job run at best halves (divides by the audits' own ceiling, when measured)."""
    one, start = results.get("audit -j1"), results.get(ONE_FILE)
    if one is None or start is None or not one.samples or not start.samples:
        return None
    serial = min(start.wall, one.wall)
    return one.wall / (serial + (one.wall - serial) / (audits or 2.0))


def commands(python: str, corpus: Path, kind: str = "native") -> list[tuple[str, list[str]]]:
    """The commands measured on a corpus, by name; `PAIR` is the baseline run twice at once, `AUDIT_PAIR` the
    one-core audit (see `ceiling`)."""
    path = str(corpus)
    if kind == "openai":
        audit = [python, "-m", "trajaudit", "audit", path, "--from", "openai", "--format", "jsonl"]
        return [
            ("baseline", [python, "-c", BASELINE_CODE, path]),
            (PAIR, [python, "-c", BASELINE_CODE, path]),
            ("validate", [python, "-m", "trajaudit", "validate", path, "--from", "openai"]),
            ("audit", audit),
            ("audit -j1", [*audit, "--jobs", "1"]),
            (AUDIT_PAIR, [*audit, "--jobs", "1"]),
            ("audit -j2", [*audit, "--jobs", "2"]),
            (UNJUDGED, [python, "-c", NO_CLAIMS, *audit[3:], "--select", "TA004"]),
        ]
    if kind in FOLDERS:
        audit = [python, "-m", "trajaudit", "audit", path, "--format", "jsonl"]
        baseline = BASELINE_DIR_CODE if kind == "swe-agent" else BASELINE_LINES_DIR_CODE
        first = str(min(corpus.iterdir()))
        return [
            ("baseline", [python, "-c", baseline, path]),
            (PAIR, [python, "-c", baseline, path]),
            ("audit -j1", [*audit, "--jobs", "1"]),
            (AUDIT_PAIR, [*audit, "--jobs", "1"]),
            ("audit -j2", [*audit, "--jobs", "2"]),
            (ONE_FILE, [python, "-m", "trajaudit", "audit", first, "--format", "jsonl", "--jobs", "1"]),
        ]
    return [
        ("baseline", [python, "-c", BASELINE_CODE, path]),
        (PAIR, [python, "-c", BASELINE_CODE, path]),
        ("validate", [python, "-m", "trajaudit", "validate", path]),
        ("audit", [python, "-m", "trajaudit", "audit", path, "--format", "jsonl"]),
        # the same on one core: the default splits a large file over all cores (--jobs 0)
        ("validate -j1", [python, "-m", "trajaudit", "validate", path, "--jobs", "1"]),
        ("audit -j1", [python, "-m", "trajaudit", "audit", path, "--format", "jsonl", "--jobs", "1"]),
        (AUDIT_PAIR, [python, "-m", "trajaudit", "audit", path, "--format", "jsonl", "--jobs", "1"]),
        (UNJUDGED, [python, "-c", NO_CLAIMS, "audit", path, "--format", "jsonl", "--select", "TA004"]),
    ]


def corpus_path(mb: float, seed: int, kind: str = "native", files: int = 500) -> Path:
    if kind == "openai":
        return OUT / f"openai-{mb:g}mb-seed{seed}.jsonl"
    if kind == "swe-agent":
        return OUT / f"swe-agent-{files}files-seed{seed}"
    if kind == "native-files":
        return OUT / f"native-{files}files-{mb:g}mb-seed{seed}"
    if kind == "native-files-unscored":
        return OUT / f"native-unscored-{files}files-{mb:g}mb-seed{seed}"
    if kind == "native-shards":
        return OUT / f"native-shards-{files}files-{mb:g}mb-seed{seed}"
    return OUT / f"corpus-{mb:g}mb-seed{seed}.jsonl"


def ensure_corpus(python: str, mb: float, seed: int, kind: str = "native", files: int = 500) -> tuple[Path, bool]:
    """The corpus file, generated (in a subprocess, so this process stays small) if missing; True if made now."""
    path = corpus_path(mb, seed, kind, files)
    if path.exists():
        return path, False
    print(f"generating {path.relative_to(ROOT)} ({kind}, {mb:g} MB, seed {seed}) ...", flush=True)
    started = time.perf_counter()
    subprocess.run([python, str(BENCH / "generate.py"), str(path), "--mb", str(mb), "--seed", str(seed),
                    "--format", kind, "--files", str(files)], check=True, cwd=ROOT)
    print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    return path, True


def scan(path: Path) -> tuple[int, int]:
    """Size and line count (of every file, for a directory), reading in 1 MiB chunks; also warms the page cache so
    no run pays for the disk."""
    size = lines = 0
    for file in sorted(path.iterdir()) if path.is_dir() else [path]:
        with open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
    return size, lines


def measure(python: str, corpus: Path, repeat: int, kind: str = "native") -> dict[str, Result]:
    results = {name: Result(name, argv, copies=2 if name in (PAIR, AUDIT_PAIR) else 1)
               for name, argv in commands(python, corpus, kind)}
    for round_ in range(repeat):
        for res in results.values():
            if res.samples and res.crashed:
                continue  # no point re-running a command that does not work
            sample, tail = run_child(res.argv, copies=res.copies)
            res.samples.append(sample)
            if sample.code not in (0, 1):
                res.stderr_tail = tail
            print(f"  round {round_ + 1}/{repeat} {res.name:<8} {sample.wall:6.2f} s  cpu {sample.cpu:6.2f} s  "
                  f"rss {sample.rss_kib / 1024:6.1f} MiB  exit {sample.code}", flush=True)
    return results


def startup(python: str, repeat: int) -> dict[str, Sample]:
    """Interpreter + import cost (and the RSS floor) of the two kinds of child, to read small-file numbers right."""
    probes = {"python -c 'import orjson'": [python, "-c", "import orjson"],
              "python -m trajaudit --help": [python, "-m", "trajaudit", "--help"]}
    out = {}
    for name, argv in probes.items():
        samples = [run_child(argv)[0] for _ in range(max(3, repeat))]
        out[name] = Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                           max(s.rss_kib for s in samples), samples[0].code)
    return out


def label(mb: float) -> str:
    """How a corpus is named in the table: its size, or (a directory of files, negative `mb`) its file count."""
    return f"{-mb:g} files" if mb < 0 else f"{mb:g} MB"


def table(rows: list[tuple[float, int, int, dict[str, Result]]]) -> str:
    """Markdown table; one block of three rows per corpus size."""
    head = ("| corpus | command | wall s (median) | range | CPU s | MB/s | lines/s | ratio to baseline "
            "| peak RSS MiB | exit |")
    lines = [head, "|---|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for mb, size, nlines, results in rows:
        base = results["baseline"]
        for res in results.values():
            if not res.samples:
                continue
            wall = res.wall
            ratio = res.copies * base.wall / wall if res.name != "baseline" else 1.0
            failed = " (failed)" if res.crashed else ""
            rates = (f"{res.copies * size / 1e6 / wall:.1f} | {res.copies * nlines / wall:,.0f} | {ratio:.2f}×"
                     if res.name != ONE_FILE else "– | – | –")  # it reads one file, not the corpus
            lines.append(
                f"| {label(mb)} | {res.name}{failed} | {wall:.2f} | {res.spread} | {res.cpu:.2f} | {rates} "
                f"| {res.rss_mib:.1f} | {res.codes} |"
            )
    return "\n".join(lines)


def _shares(speedup: float, machine: float | None, audits: float | None) -> list[str]:
    """A 2-job speed-up as a share of the ceilings measured in the same run (see `ceiling`)."""
    shares = [f"{speedup / machine:.0%} of the machine's ceiling"] if machine else []
    return shares + ([f"{speedup / audits:.0%} of the audit's"] if audits else [])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def compile_bytecode(python: str) -> None:
    """Compile the package's bytecode first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as in some
    containers) an editable checkout would otherwise recompile every module in every run, ~40 ms of start-up that no
    installed copy pays. Forced (`-f`): compileall takes a cache whose recorded modification time (whole seconds)
    matches the source's as current, where import also compares the size, so a file edited within the second its
    cache was written would be compiled again in every run."""
    where = subprocess.run([python, "-c", "import os, trajaudit; print(os.path.dirname(trajaudit.__file__))"],
                           check=False, capture_output=True, text=True, cwd=ROOT)
    if where.returncode == 0:
        subprocess.run([python, "-m", "compileall", "-q", "-f", where.stdout.strip()], check=False, cwd=ROOT,
                       stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mb", type=float, default=200, help="corpus size in MB (default 200)")
    ap.add_argument("--sizes", help="comma-separated sizes in MB, e.g. 50,200: compare peak RSS across sizes "
                    "(overrides --mb)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per command; the median is reported (default 3)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--keep", action="store_true", help="keep corpora generated by this run in bench/out/ "
                    "(existing ones are always reused and kept)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for all children (default: this one)")
    ap.add_argument("--corpus", choices=CORPORA, default="native",
                    help="native JSONL events (default), OpenAI chat JSONL (`audit --from openai`), a directory of "
                    "SWE-agent .traj files, or a directory of native logs holding whole runs (--mb in all) (for the "
                    "last two, -j1 against -j2; --files sets how many)")
    ap.add_argument("--files", type=int, default=500, help="with a directory corpus: number of files (default 500)")
    args = ap.parse_args(argv)
    kind = args.corpus
    targets = TARGETS_BY_CORPUS[kind]

    sizes = [float(s) for s in args.sizes.split(",")] if args.sizes else [args.mb]
    python = args.python
    compile_bytecode(python)
    probe = subprocess.run([python, "-m", "trajaudit", "--help"], check=False, capture_output=True, cwd=ROOT)
    if probe.returncode != 0:
        print("`python -m trajaudit --help` fails; the CLI is not ready:\n" + probe.stderr.decode()[-1500:])
        return 2

    print(f"# trajaudit benchmark — {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(f"host: {platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average at start {os.getloadavg()[0]:.2f}")
    made: list[Path] = []
    rows = []
    try:
        for mb in sizes:
            corpus, new = ensure_corpus(python, mb, args.seed, kind, args.files)
            if new:
                made.append(corpus)
            size, nlines = scan(corpus)
            print(f"\n## {corpus.relative_to(ROOT)}: {size / 1e6:.1f} MB, {nlines:,} lines, "
                  f"{size / max(nlines, 1):.0f} B/line; {args.repeat} run(s) per command", flush=True)
            rows.append((-args.files if kind in FOLDERS else mb, size, nlines,
                         measure(python, corpus, args.repeat, kind)))
        probes = startup(python, args.repeat)
    finally:
        if not args.keep:
            for path in made:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)

    print(f"\nload average at end {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs, maybe shared with other jobs: "
          "wall well above CPU means a run waited for a core)\n")
    print(table(rows))
    print("\nstartup (median, included in every wall time above):")
    for name, s in probes.items():
        print(f"- {name}: {s.wall:.2f} s wall, {s.cpu:.2f} s CPU, {s.rss_kib / 1024:.1f} MiB RSS")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"- this runner's own peak RSS: {own:.1f} MiB (a child's ru_maxrss can never read below it: Linux "
          "carries the parent's high-water mark across fork+exec)")

    for _, _, _, results in rows:
        for res in results.values():
            if res.crashed:
                print(f"\n{res.name} failed (exit {res.codes}); stderr tail:\n{res.stderr_tail}")

    mb, size, nlines, results = rows[-1]
    base = results["baseline"].wall
    print(f"\n## targets ({label(mb)} corpus)")
    most = ceiling(results)
    if most is not None:
        print(f"- machine: two baselines at once ran {most:.2f}× as fast as one after the other (its parallel "
              "ceiling in this run: no 2-process figure below can reach 2× beyond it)")
    own = ceiling(results, "audit -j1", AUDIT_PAIR)
    if own is not None:
        print(f"- machine: two one-core audits at once ran {own:.2f}× as fast as one after the other (the ceiling for "
              "the audit's own work in this run)")
    for name, want in targets.items():
        res = results[name]
        ratio = base / res.wall
        ok = ratio >= want and not res.crashed
        print(f"- {verdict(ok)} {name} throughput {ratio:.3f}× baseline (target ≥ {want}×)")
        needed = judging_needed(results, name, want) if name == "audit" and not ok else None
        if needed:
            print(f"  - judging bound: {needed}")
    if kind in FOLDERS:
        one, two = results["audit -j1"], results["audit -j2"]
        speedup = one.wall / two.wall
        share = "".join(f", {part}" for part in _shares(speedup, most, own))
        if kind == "swe-agent":
            ok = speedup >= SPEEDUP_TARGET and not two.crashed
            print(f"- {verdict(ok)} audit -j2 is {speedup:.2f}× faster than -j1 (target ≥ {SPEEDUP_TARGET}×{share})")
        else:
            print(f"- audit -j2 is {speedup:.2f}× faster than -j1 (no target{share})")
        bound = start_bound(results, own)
        if bound is not None:
            start, audits = results[ONE_FILE].wall, f"{own:.2f}" if own else "2"
            print(f"- start-up bound: {start:.2f} s before any work can be shared (`{ONE_FILE}`), the rest of "
                  f"{one.wall:.2f} s over two processes at best {audits}× as fast: -j2 can be at most {bound:.2f}× "
                  "faster than -j1 (Amdahl's law)")
    else:  # one file, cut into byte ranges: the default --jobs (all cores), or -j2 for OpenAI chat
        parallel = results.get("audit -j2") or results.get("audit")
        one = results.get("audit -j1")
        from trajaudit.parallel import MIN_BYTES  # below it the default --jobs is one

        if (parallel is not None and one is not None and parallel.samples and one.samples
                and (parallel.name == "audit -j2" or size >= MIN_BYTES)):
            speedup = one.wall / parallel.wall
            shares = ", ".join(_shares(speedup, most, own)) or "no ceiling"
            print(f"- {parallel.name} is {speedup:.2f}× faster than audit -j1 ({shares})")
    for name in targets:
        res = results[name]
        ok = res.rss_mib < RSS_LIMIT_MIB and not res.crashed
        print(f"- {verdict(ok)} {name} peak RSS {res.rss_mib:.1f} MiB (target < {RSS_LIMIT_MIB:g} MiB)")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        print(f"- size scaling {small[0]:g} MB → {large[0]:g} MB (flat = grows by < 10 % + 5 MiB):")
        for name in targets:
            a, b = small[3][name].rss_mib, large[3][name].rss_mib
            ok = b <= a * 1.10 + 5
            print(f"  - {verdict(ok)} {name} peak RSS {a:.1f} → {b:.1f} MiB ({b - a:+.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
