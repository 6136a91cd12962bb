"""How many MobileNetV2 variants netdsl compiles per second, with and without the parse cache.

Run from the repository root with the project installed::

    python benchmarks/bench_variants.py              # 3 rounds of the 20-variant grid
    python benchmarks/bench_variants.py --rounds 5

The grid is the one of ``netdsl sweep examples/mobilenet_v2.net --grid
alpha=0.35,0.5,0.75,1.0,1.4 --grid size=128,160,192,224``: 20 variants, each
compiled in this process with the default pipeline. Both measurements are made
in the same run, round after round, so that they see the same machine:

* **baseline, no cache**: the cache is emptied before every variant, so each
  compilation parses the file and the standard library, as netdsl did before
  it kept parsed modules;
* **parse cache**: the cache is emptied once per round; the first variant
  parses, the other 19 only elaborate and run the passes.

Then ``netdsl.sweep`` itself, in this process and in worker processes (one per
CPU), for the whole grid. Figures are printed, never asserted: tests do not
depend on wall-clock time.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
V2 = ROOT / "examples" / "mobilenet_v2.net"
GRID = {"alpha": [0.35, 0.5, 0.75, 1.0, 1.4], "size": [128, 160, 192, 224]}


def variants() -> list[dict[str, float]]:
    return [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]


def one_round(cached: bool) -> float:
    """Seconds to compile every variant once, with the cache kept or emptied each time."""
    from netdsl.driver import clear_parse_cache, compile_file

    clear_parse_cache()
    start = time.perf_counter()
    for params in variants():
        if not cached:
            clear_parse_cache()
        compile_file(V2, params=params)
    return time.perf_counter() - start


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def report(label: str, times: list[float], count: int, reference: float | None = None) -> None:
    median = statistics.median(times)
    ratio = f"  {reference / median:5.2f}x the baseline" if reference else ""
    print(f"  {label:<40} {count / median:7.1f} variants/s  {median / count * 1000:7.1f} "
          f"ms each  (median of {len(times)}, best {count / min(times):.1f}/s){ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each measurement")
    args = parser.parse_args()
    import netdsl
    from netdsl.driver import clear_parse_cache

    count = len(variants())
    netdsl.compile_file(V2)  # the grammar's tables and every module imported: not timed
    baseline, cached = [], []
    for _ in range(args.rounds):  # interleaved, so that both see the same machine
        baseline.append(one_round(cached=False))
        cached.append(one_round(cached=True))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"MobileNetV2, {count} variants (alpha x size), compiled in this process")
    reference = statistics.median(baseline) / count
    report("baseline: parsed every time (no cache)", baseline, count)
    report("parse cache: parsed once", cached, count, reference * count)

    grid = {name: list(values) for name, values in GRID.items()}
    here, pool = [], []
    for _ in range(args.rounds):
        clear_parse_cache()
        here.append(timed(lambda: netdsl.sweep(V2, grid, jobs=1)))
        clear_parse_cache()
        pool.append(timed(lambda: netdsl.sweep(V2, grid, jobs=cpus)))
    print(f"netdsl.sweep of the same grid (this machine: {cpus} CPUs)")
    report("sweep, jobs=1 (this process)", here, count, reference * count)
    report(f"sweep, jobs={cpus} (worker processes)", pool, count, reference * count)


if __name__ == "__main__":
    main()
