"""Calibrate a device profile for this machine: micro-benchmarks run with ONNX Runtime.

A published profile gives a chip's peak rates; what a runtime reaches on it is
less, and differs by layer kind. :func:`calibrate` measures, with the same
path ``netdsl bench`` takes (export to ONNX, ONNX Runtime on the CPU, all
graph optimisations), a few one-layer networks and writes what it finds as a
``host`` profile (docs/devices.md's format) that ``--device FILE`` reads:

* **peak MACC/s**: the best rate of a large 1x1 and a 3x3 convolution, whose
  arithmetic intensity puts them well past the ridge point;
* **efficiency per layer kind**: the rate each kind reaches (1x1, 3x3,
  depthwise, dense) relative to that peak: depthwise convolutions and small
  matrix products do not use the vector units as well;
* **DRAM bandwidth**: bytes a ReLU over 32 MiB reads and writes, per second;
* **per-layer overhead**: the time one more layer adds to a chain of tiny ones
  (dispatch, threading), and the fixed time of one ``session.run`` call.

Every figure says in the file how it was measured, with the ONNX Runtime
version and the thread count; the profile is for that thread count only.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable

import attrs

from netdsl.bridge.bench import bench

#: One-layer networks whose rate each figure is read from, and what they measure.
KERNELS: dict[str, tuple[str, str]] = {
    "pointwise": ("net Pointwise:\n    input(56, 56, 256)\n    conv(256, 1, bias=false)\n",
                  "a 1x1 convolution, 56x56x256 to 256 channels"),
    "conv": ("net Conv3x3:\n    input(56, 56, 128)\n    conv(128, 3, bias=false)\n",
             "a 3x3 convolution, 56x56x128 to 128 channels"),
    "depthwise": ("net Depthwise:\n    input(112, 112, 96)\n    dwconv(3, bias=false)\n",
                  "a 3x3 depthwise convolution over 112x112x96"),
    "dense": ("net Dense:\n    input(64, 1024)\n    linear(1024, bias=false)\n",
              "a 1024x1024 dense layer applied to 64 tokens"),
}
BANDWIDTH = ("net Bandwidth:\n    input(512, 256, 64)\n    relu\n",
             "a ReLU over 512x256x64 float32 values (32 MiB read, 32 MiB written)")
CHAIN = 100


@attrs.frozen
class Calibration:
    """What the micro-benchmarks measured (rates in MACC/s, bandwidth in B/s, times in s)."""

    threads: int | None
    runtime_version: str
    peak: float
    efficiency: dict[str, float]
    bandwidth: float
    overhead: float
    call: float
    rates: dict[str, float]

    def profile(self, name: str = "host", title: str | None = None) -> str:
        """The calibration as a device profile (TOML text)."""
        when = datetime.date.today().isoformat()
        how = (f"measured by netdsl calibrate on {when}, ONNX Runtime {self.runtime_version}, "
               f"{self.threads or 'default'} threads")
        title = title or f"this machine, ONNX Runtime {self.runtime_version} on the CPU, " \
                         f"{self.threads or 'default'} threads"
        lines = [
            "# A device profile calibrated on this machine by `netdsl calibrate`: the rates",
            "# ONNX Runtime reaches here, not a datasheet's. Valid for the thread count above.",
            f'name = "{name}"',
            f'title = "{title}"',
            'kind = "cpu"',
            f"year = {datetime.date.today().year}",
            "",
            "[peak_maccs]",
            f'fp32 = {{ value = {self.peak:.6g}, unit = "MACC/s", source = "{how}: the best '
            f'rate of {KERNELS["pointwise"][1]} and {KERNELS["conv"][1]}" }}',
            "",
            "[memory]",
            f'dram_bandwidth = {{ value = {self.bandwidth:.6g}, unit = "B/s", source = "{how}: '
            f'{BANDWIDTH[1]}" }}',
            "",
            "[overhead]",
            f'per_layer = {{ value = {self.overhead:.6g}, unit = "s", source = "{how}: the '
            f'time per layer of a chain of {CHAIN} ReLU and sigmoid layers on 16 values, less '
            f'one" }}',
            "",
            "[efficiency]  # the share of the peak each kind of layer reaches",
        ]
        for kind, share in self.efficiency.items():
            lines.append(f'{kind} = {{ value = {share:.4g}, unit = "1", source = "{how}: '
                         f'{KERNELS[kind][1]}, {self.rates[kind] / 1e9:.4g} GMACC/s" }}')
        lines += [
            "",
            "[energy]  # not measured: Horowitz (ISSCC 2014), 45 nm, as a placeholder",
            'per_macc = { fp32 = { value = 4.6, unit = "pJ", source = "Horowitz, ISSCC 2014: '
            'fp32 multiply 3.7 pJ + add 0.9 pJ (45 nm)" } }',
            'per_byte_dram = { value = 160, unit = "pJ/B", source = "Horowitz, ISSCC 2014: '
            'DRAM 1.3-2.6 nJ per 64-bit access, about 160 pJ per byte" }',
        ]
        return "\n".join(lines) + "\n"


def _median_time(source: str, threads: int | None, budget: float) -> tuple[float, object]:
    import netdsl

    result = netdsl.compile_string(source, seed=0)
    measured = bench(result, threads=threads, budget_seconds=budget, warmup=5, min_runs=10)
    return measured.median, (result, measured)


def calibrate(threads: int | None = None, budget: float = 1.0,
              progress: Callable[[str], None] | None = None) -> Calibration:
    """Run the micro-benchmarks (a few seconds) and return what they measured."""
    note = progress or (lambda what: None)
    note("per-layer overhead")
    single, (_, measured) = _median_time("net One:\n    input(1, 1, 16)\n    relu\n",
                                         threads, budget)
    chain_source = "net Chain:\n    input(1, 1, 16)\n" + "    relu\n    sigmoid\n" * (CHAIN // 2)
    chain, _ = _median_time(chain_source, threads, budget)
    overhead = max((chain - single) / (CHAIN - 1), 0.0)
    call = max(single - overhead, 0.0)
    rates = {}
    for kind, (source, _) in KERNELS.items():
        note(kind)
        seconds, (result, _) = _median_time(source, threads, budget)
        rates[kind] = result.totals.maccs / max(seconds - call - overhead, 1e-9)
    peak = max(rates["pointwise"], rates["conv"])
    note("bandwidth")
    seconds, (result, _) = _median_time(BANDWIDTH[0], threads, budget)
    moved = 4 * result.totals.memory.total
    bandwidth = moved / max(seconds - call - overhead, 1e-9)
    return Calibration(measured.threads, measured.runtime_version, peak,
                       {k: min(1.0, r / peak) for k, r in rates.items()}, bandwidth,
                       overhead, call, rates)


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation of two equally long lists (ties get their mean rank)."""
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


__all__ = ["Calibration", "calibrate", "spearman"]
