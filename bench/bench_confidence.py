"""Benchmark DeepConf confidence over many long traces: top-k logprobs → token confidence → windows → trace scores.

    python bench/bench_confidence.py [--traces 10000] [--tokens 10000] [--k 20] [--window 2048] [--chunk 25]

Top-k logprobs are generated with numpy (seeded; −Exp(1) variates, float32) in chunks of `--chunk` traces, so memory
stays near chunk × tokens × k × 4 bytes (20 MB by default). Two paths are timed on the same chunks:
- per trace: `confidence.token_confidence` + `confidence.build` (what `simulate` and the rules do per trajectory,
  including the record lows `simulate` keeps);
- batch: `token_confidence` on the whole chunk + `confidence.batch_scores`.
Generation is timed apart and excluded from the throughput. Not a test: run it by hand; median of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trajaudit import confidence as conf  # noqa: E402
from trajaudit.simulate import record_lows  # noqa: E402


def run_once(args: argparse.Namespace) -> dict[str, float]:
    rng = np.random.default_rng(args.seed)
    gen = per_trace = batch = 0.0
    checksum = 0.0
    done = 0
    while done < args.traces:
        n = min(args.chunk, args.traces - done)
        t0 = time.perf_counter()
        top = -rng.standard_exponential((n, args.tokens, args.k), dtype=np.float32)
        t1 = time.perf_counter()
        for i in range(n):
            tc = conf.build(conf.token_confidence(top[i]), window=args.window)
            record_lows(tc.groups)
            checksum += tc.lowest_group
        t2 = time.perf_counter()
        values = conf.token_confidence(top.reshape(-1, args.k)).reshape(n, args.tokens)
        scores = conf.batch_scores(values, args.window)
        checksum -= float(scores["lowest_group"].sum())
        t3 = time.perf_counter()
        gen, per_trace, batch = gen + (t1 - t0), per_trace + (t2 - t1), batch + (t3 - t2)
        done += n
    if abs(checksum) > 1e-6 * args.traces:
        raise SystemExit(f"per-trace and batch lowest groups disagree (checksum {checksum})")
    return {"generate": gen, "per_trace": per_trace, "batch": batch}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=10_000)
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--window", type=int, default=conf.DEFAULT_WINDOW)
    parser.add_argument("--chunk", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    runs = [run_once(args) for _ in range(args.repeat)]
    tokens = args.traces * args.tokens
    print(f"{args.traces:,} traces × {args.tokens:,} tokens × top-{args.k} logprobs = {tokens:,} tokens "
          f"({tokens * args.k * 4 / 1e9:.1f} GB of float32 logprobs, generated in chunks of {args.chunk} traces); "
          f"window {args.window}; median of {args.repeat} run(s)")
    for key, label in (("generate", "generate logprobs (not counted)"), ("per_trace", "per trace (build + lows)"),
                       ("batch", "batch (chunk at once)")):
        seconds = statistics.median(r[key] for r in runs)
        print(f"  {label:<32} {seconds:8.2f} s   {tokens / seconds / 1e6:8.1f} M tokens/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
