"""Reports of a measured latency (``netdsl bench``): text, JSON, Markdown and CSV.

The JSON document is versioned (schema ``netdsl.bench/1``, docs/cli.md); times
are in milliseconds, as floats, under keys ending in ``_ms``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap
from typing import TYPE_CHECKING, Any

from netdsl.backends.common import commas, json_value
from netdsl.backends.markdown import table

if TYPE_CHECKING:
    from netdsl.bridge.bench import Benchmark, LayerTime, Profile

SCHEMA = "netdsl.bench/1"

#: What is measured, said once in every report.
WHAT = ("ONNX Runtime optimises the model itself ({level}: batch norm folded, activations and "
        "residual additions fused into convolutions, a blocked memory layout), as a deployment "
        "would; each run is one session.run called from Python, input to output.")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}" if seconds < 0.01 else f"{seconds * 1000:.2f}"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _shapes(bench: Benchmark) -> str:
    return ", ".join("x".join(map(str, shape)) for shape in bench.input_shapes)


def _threads(bench: Benchmark) -> str:
    if bench.threads is None:
        return "ONNX Runtime's default threads"
    return f"{bench.threads} thread{'s' if bench.threads != 1 else ''}" + \
        ("" if bench.threads_requested else " (ONNX Runtime's default)")


def _stop(bench: Benchmark) -> str:
    parts = []
    if bench.runs_requested is not None:
        parts.append(f"at most {bench.runs_requested} runs")
    if bench.budget_seconds is not None:
        parts.append(f"time budget {bench.budget_seconds:g} s")
    return ", ".join(parts)


def _arguments(bench: Benchmark) -> str:
    from netdsl.ir.printer import format_argument

    return ", ".join(f"{k}={format_argument(v)}" for k, v in bench.arguments)


def _fused_with(row: LayerTime) -> list[str]:
    """The other layers of a row, without the block path they share with the first."""
    prefix = os.path.commonprefix(list(row.layers))  # noqa: RUF071 (cut at a "/" below)
    prefix = prefix[: prefix.rfind("/") + 1]
    return [name[len(prefix):] for name in row.layers[1:]]


def _kernel_ops(row: LayerTime) -> str:
    return "+".join(dict.fromkeys(k.op for k in row.kernels))


# ---- text ------------------------------------------------------------------------------------

def render_bench_text(bench: Benchmark, width: int = 100) -> str:
    """The totals, then (with a profile) a table of layers and the attribution."""
    wrap = max(60, width)
    lines = textwrap.wrap(f"{bench.network}({_arguments(bench)}): measured latency with ONNX "
                          f"Runtime {bench.runtime_version}, {bench.provider}, "
                          f"{_threads(bench)}", wrap)
    lines += textwrap.wrap(f"The network {bench.graph}, exported to ONNX. "
                           + WHAT.format(level=bench.optimization), wrap)
    lines += [
        "",
        f"  latency     median {_ms(bench.median)} ms   min {_ms(bench.min)} ms   "
        f"p90 {_ms(bench.p90)} ms   max {_ms(bench.max)} ms",
        f"  spread      p90 - min {_ms(bench.spread)} ms ({_percent(bench.spread, bench.median)} "
        f"of the median); mean {_ms(bench.mean)} ms, stdev {_ms(bench.stdev)} ms",
        f"  throughput  {bench.throughput:,.1f} examples/s (batch {bench.batch} / median)",
        f"  runs        {bench.runs} timed after {bench.warmup} warm-up ({_stop(bench)})",
        f"  input       random float32, {_shapes(bench)} (channels first)",
    ]
    if bench.profile is not None:
        lines += ["", *_profile_text(bench.profile, wrap)]
    return "\n".join(lines) + "\n"


def _profile_text(profile: Profile, wrap: int) -> list[str]:
    run = profile.run_seconds
    lines = textwrap.wrap(
        f"Per layer, from ONNX Runtime's profiler ({len(profile.run_times)} runs, median "
        f"{_ms(run)} ms with the profiler on): {_percent(profile.attributed_share, 1)} of the "
        f"time is in kernels of named layers; {_ms(profile.unattributed_seconds)} ms per run is "
        "not attributed (the session between kernels, the call from Python).", wrap)
    slowest = sorted(profile.layers, key=lambda row: -row.seconds)[:5]
    lines += textwrap.wrap("Slowest: " + "; ".join(
        f"{row.name} {_ms(row.seconds)} ms ({_percent(row.seconds, run)})" for row in slowest)
        + ".", wrap) if slowest else []
    header = ["layer", "op", "ms", "share", "MACCs", "memory", "ORT kernels", "fused with"]
    rows = [[row.name, row.ops[0], _ms(row.seconds), _percent(row.seconds, run),
             commas(row.maccs), commas(row.memory_accesses), _kernel_ops(row),
             ", ".join(_fused_with(row))] for row in profile.layers]
    rows += [[k.name, "(no layer)", _ms(k.seconds), _percent(k.seconds, run), "", "", k.op, ""]
             for k in profile.unattributed_kernels]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
              for i in range(len(header))]
    numeric = {2, 3, 4, 5}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    lines += ["", line(header), "-" * len(line(header)), *(line(r) for r in rows), ""]
    fused = sum(1 for row in profile.layers if row.fused)
    notes = [f"{fused} rows are layers ONNX Runtime ran as one kernel (a convolution with its "
             "batch norm, activation or residual add) or with shared kernels: one time for "
             "them all, on the first layer's row; 'fused with' names the others."
             if fused else "ONNX Runtime ran every layer in kernels of its own.",
             "share: of the median profiled run. MACCs and memory: netdsl's figures for the "
             f"row's layers after its passes (memory accesses in elements, {profile.memory_model} "
             f"model, batch {profile.cost_batch})."]
    if profile.without_kernel:
        notes.append(f"No kernel ran for: {', '.join(profile.without_kernel)}.")
    for note in notes:
        lines += textwrap.wrap(note, wrap)
    return lines


# ---- JSON ------------------------------------------------------------------------------------

def bench_dict(bench: Benchmark) -> dict[str, Any]:
    """The benchmark as plain JSON-ready data (schema ``netdsl.bench/1``)."""
    def ms(seconds: float) -> float:
        return round(seconds * 1000, 6)

    return {
        "schema": SCHEMA,
        "network": bench.network,
        "source": bench.source,
        "arguments": {k: json_value(v) for k, v in bench.arguments},
        "graph": bench.graph,
        "runtime": {"name": "onnxruntime", "version": bench.runtime_version,
                    "provider": bench.provider, "graph_optimization_level": bench.optimization,
                    "threads": bench.threads, "threads_requested": bench.threads_requested},
        "input_shapes": [list(shape) for shape in bench.input_shapes],
        "batch": bench.batch,
        "warmup_runs": bench.warmup,
        "runs": bench.runs,
        "runs_requested": bench.runs_requested,
        "time_budget_seconds": bench.budget_seconds,
        "latency_ms": {"median": ms(bench.median), "min": ms(bench.min), "p90": ms(bench.p90),
                       "max": ms(bench.max), "mean": ms(bench.mean), "stdev": ms(bench.stdev)},
        "spread_ms": ms(bench.spread),
        "throughput_per_second": round(bench.throughput, 6),
        "times_ms": [ms(t) for t in bench.times],
        "per_layer": None if bench.profile is None else _profile_dict(bench.profile, ms),
    }


def _profile_dict(profile: Profile, ms) -> dict[str, Any]:
    run = profile.run_seconds

    def kernel(k) -> dict[str, Any]:
        return {"name": k.name, "op": k.op, "provider": k.provider, "ms": ms(k.seconds)}

    return {
        "runs": len(profile.run_times),
        "run_ms": ms(run),
        "attributed_ms": ms(profile.attributed_seconds),
        "attributed_share": round(profile.attributed_share, 6),
        "unattributed_ms": ms(profile.unattributed_seconds),
        "memory_model": profile.memory_model,
        "cost_batch": profile.cost_batch,
        "layers": [{"name": row.name, "layers": list(row.layers), "ops": list(row.ops),
                    "ms": ms(row.seconds), "share": round(row.seconds / run, 6) if run else None,
                    "maccs": row.maccs, "memory_accesses": row.memory_accesses,
                    "fused": row.fused, "kernels": [kernel(k) for k in row.kernels]}
                   for row in profile.layers],
        "unattributed_kernels": [kernel(k) for k in profile.unattributed_kernels],
        "without_kernel": list(profile.without_kernel),
    }


def render_bench_json(bench: Benchmark) -> str:
    return json.dumps(bench_dict(bench), indent=2) + "\n"


# ---- Markdown and CSV ------------------------------------------------------------------------

def render_bench_markdown(bench: Benchmark) -> str:
    """The totals as a list, then the per-layer table."""
    lines = [f"### {bench.network}({_arguments(bench)}): measured latency", "",
             f"- median **{_ms(bench.median)} ms**, min {_ms(bench.min)} ms, p90 "
             f"{_ms(bench.p90)} ms, max {_ms(bench.max)} ms; spread (p90 - min) "
             f"{_ms(bench.spread)} ms",
             f"- throughput {bench.throughput:,.1f} examples/s at batch {bench.batch}",
             f"- {bench.runs} runs after {bench.warmup} warm-up; ONNX Runtime "
             f"{bench.runtime_version}, {bench.provider}, {_threads(bench)}, "
             f"{bench.optimization}; the network {bench.graph}"]
    profile = bench.profile
    if profile is not None:
        run = profile.run_seconds
        lines += [f"- per layer: {_percent(profile.attributed_share, 1)} of the profiled time "
                  "attributed to layers", ""]
        rows = [[f"`{row.name}`", row.ops[0], _ms(row.seconds), _percent(row.seconds, run),
                 commas(row.maccs), commas(row.memory_accesses), _kernel_ops(row),
                 ", ".join(f"`{n}`" for n in _fused_with(row))] for row in profile.layers]
        lines += table(["layer", "op", "ms", "share", "MACCs", "memory", "ORT kernels",
                        "fused with"], rows, 2, -2)
    return "\n".join(lines) + "\n"


def render_bench_csv(bench: Benchmark) -> str:
    """One row per layer (or group of layers run as one) of the profile."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "op", "ms", "share", "maccs", "memory_accesses", "kernels",
                     "fused_with"])
    profile = bench.profile
    assert profile is not None, "the CSV report is the per-layer table"
    run = profile.run_seconds
    for row in profile.layers:
        writer.writerow([row.name, row.ops[0], f"{row.seconds * 1000:.6f}",
                         f"{row.seconds / run:.6f}" if run else "", row.maccs,
                         row.memory_accesses, ";".join(k.name for k in row.kernels),
                         ";".join(row.layers[1:])])
    return out.getvalue()


RENDERERS = {"json": render_bench_json, "markdown": render_bench_markdown,
             "csv": render_bench_csv}
