"""Calibrate a device profile for this machine: micro-benchmarks run with ONNX Runtime.

A published profile gives a chip's peak rates; what a runtime reaches on it is
less, and differs by layer kind. :func:`calibrate` measures, with the same
path ``netdsl bench`` takes (export to ONNX, ONNX Runtime on the CPU, all
graph optimisations), a few one-layer networks and writes what it finds as a
``host`` profile (docs/devices.md's format) that ``--device FILE`` reads:

* **peak MACC/s**: the best rate of 1x1 and 3x3 convolutions at the sizes
  CNNs use them (56x56 down to 7x7), past the ridge point;
* **efficiency per layer kind**: the rate each kind reaches (1x1, 3x3,
  depthwise, dense), its MACCs over its time summed over those sizes, relative
  to that peak: depthwise convolutions and small matrix products do not use the
  vector units as well;
* **DRAM bandwidth**: bytes a ReLU over 32 MiB reads and writes, per second;
* **per-layer overhead**: the time one more layer adds to a chain of tiny 1x1
  convolutions (dispatch and, with several threads, their synchronisation), and
  the fixed time of one ``session.run`` call.

Every figure says in the file how it was measured, with the ONNX Runtime
version and the thread count; the profile is for that thread count only.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable

import attrs

from netdsl.bridge.bench import bench

#: One-layer networks each kind's rate is read from, at the sizes networks use them:
#: (input shape, the layer's call). A kind's rate is its MACCs over its time, summed over
#: its sizes; the peak is the best single rate of a 1x1 or 3x3 convolution.
KERNELS: dict[str, tuple[tuple[tuple[int, ...], str], ...]] = {
    "pointwise": (((56, 56, 128), "conv(128, 1, bias=false)"),
                  ((28, 28, 256), "conv(256, 1, bias=false)"),
                  ((14, 14, 512), "conv(512, 1, bias=false)"),
                  ((7, 7, 1024), "conv(1024, 1, bias=false)")),
    "conv": (((56, 56, 64), "conv(64, 3, bias=false)"),
             ((28, 28, 128), "conv(128, 3, bias=false)"),
             ((14, 14, 256), "conv(256, 3, bias=false)")),
    "depthwise": (((112, 112, 64), "dwconv(3, bias=false)"),
                  ((56, 56, 144), "dwconv(3, bias=false)"),
                  ((28, 28, 288), "dwconv(3, bias=false)"),
                  ((14, 14, 576), "dwconv(3, bias=false)")),
    "dense": (((196, 768), "linear(768, bias=false)"),
              ((49, 1024), "linear(1024, bias=false)")),
}
DESCRIPTIONS = {
    "pointwise": "1x1 convolutions at 56x56x128, 28x28x256, 14x14x512 and 7x7x1024",
    "conv": "3x3 convolutions at 56x56x64, 28x28x128 and 14x14x256",
    "depthwise": "3x3 depthwise convolutions at 112x112x64, 56x56x144, 28x28x288, 14x14x576",
    "dense": "dense layers over 196 tokens of 768 and 49 tokens of 1024 features",
}
BANDWIDTH = ("net Bandwidth:\n    input(512, 256, 64)\n    relu\n",
             "a ReLU over 512x256x64 float32 values (32 MiB read, 32 MiB written)")
CHAIN = 100
#: The activations ONNX Runtime applies inside a convolution (its FusedConv), by netdsl name.
ORT_FUSES = ("relu", "relu6", "hardtanh", "sigmoid", "tanh", "leaky_relu", "hsigmoid")
#: Layers netdsl does by addressing that ONNX Runtime runs as copies.
ORT_COPIES = ("concat", "slice")


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
        threads = threads_text(self.threads)
        how = (f"measured by netdsl calibrate on {when}, ONNX Runtime {self.runtime_version}, "
               f"{threads}")
        title = title or f"this machine, ONNX Runtime {self.runtime_version} on the CPU, " \
                         f"{threads}"
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
            f'single rate of the {DESCRIPTIONS["pointwise"]} and the {DESCRIPTIONS["conv"]}" }}',
            "",
            "[memory]",
            f'dram_bandwidth = {{ value = {self.bandwidth:.6g}, unit = "B/s", source = "{how}: '
            f'{BANDWIDTH[1]}" }}',
            "",
            "[overhead]",
            f'per_layer = {{ value = {self.overhead:.6g}, unit = "s", source = "{how}: the '
            f'time per layer of a chain of {CHAIN} 1x1 convolutions on 16 values, less a '
            f'single ReLU" }}',
            "",
            "[efficiency]  # the share of the peak each kind of layer reaches",
        ]
        for kind, share in self.efficiency.items():
            lines.append(f'{kind} = {{ value = {share:.4g}, unit = "1", source = "{how}: '
                         f'{DESCRIPTIONS[kind]}, {self.rates[kind] / 1e9:.4g} GMACC/s" }}')
        lines += [
            "",
            "[runtime]",
            f"fuses = [{', '.join(repr(n).replace(chr(39), chr(34)) for n in ORT_FUSES)}]",
            f"copies = [{', '.join(repr(n).replace(chr(39), chr(34)) for n in ORT_COPIES)}]",
            'source = "ONNX Runtime\'s convolution-activation fusion (Relu, Clip, Sigmoid, '
            'Tanh, LeakyRelu, HardSigmoid; not SiLU, hard-swish or GELU, which run as kernels '
            'of their own), and its Concat and Slice kernels, which copy (netdsl bench '
            '--per-layer shows both)"',
        ]
        lines += [
            "",
            "[energy]  # not measured: Horowitz (ISSCC 2014), 45 nm, as a placeholder",
            'per_macc = { fp32 = { value = 4.6, unit = "pJ", source = "Horowitz, ISSCC 2014: '
            'fp32 multiply 3.7 pJ + add 0.9 pJ (45 nm)" } }',
            'per_byte_dram = { value = 160, unit = "pJ/B", source = "Horowitz, ISSCC 2014: '
            'DRAM 1.3-2.6 nJ per 64-bit access, about 160 pJ per byte" }',
        ]
        return "\n".join(lines) + "\n"


def threads_text(count: int | None) -> str:
    """``1 thread``, ``2 threads``, or ``the default threads``."""
    return "the default threads" if count is None else f"{count} thread{'s' * (count != 1)}"


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
    # A chain of tiny convolutions: each a real kernel's dispatch (threads included), with
    # next to no arithmetic.
    chain_source = "net Chain:\n    input(1, 1, 16)\n" + "    conv(16, 1, bias=false)\n" * CHAIN
    chain, _ = _median_time(chain_source, threads, budget)
    overhead = max((chain - single) / (CHAIN - 1), 0.0)
    call_time = max(single - overhead, 0.0)
    rates, peak = {}, 0.0
    for kind, layers in KERNELS.items():
        note(kind)
        maccs = seconds = 0.0
        for shape, call in layers:
            source = f"net Kernel:\n    input({', '.join(map(str, shape))})\n    {call}\n"
            time, (result, _) = _median_time(source, threads, budget)
            time = max(time - call_time - overhead, 1e-9)
            maccs += result.totals.maccs
            seconds += time
            if kind in ("pointwise", "conv"):
                peak = max(peak, result.totals.maccs / time)
        rates[kind] = maccs / seconds
    note("bandwidth")
    seconds, (result, _) = _median_time(BANDWIDTH[0], threads, budget)
    moved = 4 * result.totals.memory.total
    bandwidth = moved / max(seconds - call_time - overhead, 1e-9)
    return Calibration(measured.threads, measured.runtime_version, peak,
                       {k: min(1.0, r / peak) for k, r in rates.items()}, bandwidth,
                       overhead, call_time, rates)


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


__all__ = ["Calibration", "calibrate", "spearman", "threads_text"]
