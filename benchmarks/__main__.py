"""`make bench`, `orchestra bench`, `python -m benchmarks`: the suite, into benchmarks/."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.passes import BenchConfig
from benchmarks.run import QUICK_TASKS, run_bench_async

DEFAULT_OUT = Path("benchmarks")


def parse(argv: Sequence[str]) -> tuple[BenchConfig, Path]:
    """Return the run's configuration and output folder from the command line."""
    p = argparse.ArgumentParser(prog="orchestra bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a few tasks, one repeat (for tests)")
    p.add_argument("--repeats", type=int, default=3, help="repeats of the zero-latency pass")
    p.add_argument("--latency", type=float, default=0.2, help="fixed model latency, seconds")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = p.parse_args(list(argv))
    if args.quick:
        cfg = BenchConfig(
            repeats=1,
            latency_repeats=1,
            latency_s=0.05,
            sizes=(4, 16),
            only=QUICK_TASKS,
            long_turns=5,
            listed_threads=3,
            delegation_runs=2,
            delegation_warm_ups=1,
            profile=False,
            auth_requests=0,
            memory_examples=3,
            memory_count=500,
            read_turns=3,
            read_runs=1,
        )
    else:
        cfg = BenchConfig(repeats=args.repeats, latency_s=args.latency)
    return cfg, args.out


def run_bench(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write RESULTS.md, results.json and the plots, print the verdicts."""
    cfg, out = parse(argv or [])
    data = asyncio.run(run_bench_async(cfg, out))
    print(f"benchmark written to {out.resolve()} in {data['seconds']} s", file=sys.stderr)
    for t in data["targets"]:
        value = f"{t['value']:.2f}" if isinstance(t["value"], float) else t["value"]
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {value}", file=sys.stderr)
    if data.get("skipped"):
        print(f"skipped: {data['skipped']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_bench(sys.argv[1:]))
