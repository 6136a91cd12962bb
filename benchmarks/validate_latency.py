"""How good are netdsl's latency estimates? Estimates on a calibrated profile against measurement.

Run from the repository root with the onnx extra installed::

    python benchmarks/validate_latency.py                  # 1 and 2 threads (a few minutes)
    python benchmarks/validate_latency.py --threads 1 --budget 2

For each thread count it calibrates a ``host`` profile on this machine (``netdsl
calibrate``: micro-benchmarks with ONNX Runtime), estimates every example network on it
(the ``estimate-latency`` pass after the default pipeline) and measures the same network
with ``netdsl bench`` (ONNX Runtime, median of the timed runs). It prints, per network, the
estimate, the measured median and their ratio, then the median and largest absolute error
(|estimate / measured - 1|) and Spearman's rank correlation, beside the targets. Nothing
is asserted: the figures depend on the machine and its load (run it on a quiet machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.net"))
TARGETS = {"rank correlation": ">= 0.97", "median |error|": "<= 10%", "max |error|": "<= 30%"}


def validate(threads: int, budget: float) -> list[tuple[str, float, float]]:
    import netdsl
    from netdsl.bridge.bench import bench
    from netdsl.bridge.calibrate import calibrate

    calibration = calibrate(threads=threads, budget=budget,
                            progress=lambda what: print(f"  calibrating: {what}",
                                                        file=sys.stderr))
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
        handle.write(calibration.profile())
        profile = handle.name
    print(f"\n## {threads} thread{'s' * (threads != 1)}: peak {calibration.peak / 1e9:.1f} "
          f"GMACC/s, DRAM {calibration.bandwidth / 1e9:.1f} GB/s, overhead "
          f"{calibration.overhead * 1e6:.2f} us per layer, {calibration.call * 1e6:.1f} us "
          f"per call; efficiency "
          + ", ".join(f"{k} {v:.2f}" for k, v in calibration.efficiency.items()))
    rows = []
    print(f"{'network':<22} {'estimate ms':>12} {'measured ms':>12} {'ratio':>7}")
    for path in EXAMPLES:
        estimated = netdsl.compile_file(path, device=profile).totals.estimate.seconds
        estimated += calibration.call  # one session.run per inference
        measured = bench(netdsl.compile_file(path, seed=0), threads=threads,
                         budget_seconds=budget, min_runs=3, warmup=2).median
        rows.append((path.stem, estimated, measured))
        print(f"{path.stem:<22} {estimated * 1e3:>12.2f} {measured * 1e3:>12.2f} "
              f"{estimated / measured:>7.2f}")
    return rows


def summary(rows: list[tuple[str, float, float]]) -> dict[str, float]:
    from netdsl.bridge.calibrate import spearman

    errors = [abs(e / m - 1) for _, e, m in rows]
    return {"rank correlation": spearman([e for _, e, _ in rows], [m for _, _, m in rows]),
            "median |error|": statistics.median(errors), "max |error|": max(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, action="append",
                        help="thread counts (default: 1 and 2)")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds of timed runs per network and micro-benchmark")
    args = parser.parse_args()
    for threads in args.threads or [1, 2]:
        figures = summary(validate(threads, args.budget))
        print(f"rank correlation {figures['rank correlation']:.3f} (target "
              f"{TARGETS['rank correlation']}); median |error| "
              f"{100 * figures['median |error|']:.1f}% (target {TARGETS['median |error|']}); "
              f"max |error| {100 * figures['max |error|']:.1f}% (target "
              f"{TARGETS['max |error|']})")


if __name__ == "__main__":
    main()
