"""Side-by-side comparison of compiled networks, in every report format.

Each metric is shown for every network with its ratio to the first one, so
``netdsl compare v1.net v2.net`` answers "how much more does B cost than A"
for compute, memory traffic and memory at once. When every network was
estimated on a device (``--device``), the estimated latency, throughput,
energy and memory-bound share of the time follow; with ``--bench``, the
measured latency.
"""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from netdsl.backends.common import CONVENTIONS
from netdsl.backends.markdown import table
from netdsl.ir.cost import GraphEstimate
from netdsl.ir.graph import GraphCost

if TYPE_CHECKING:
    from netdsl.bridge.bench import Benchmark
    from netdsl.driver import CompileResult

SCHEMA = "netdsl.compare/1"

#: (key, label, getter) for every compared metric, in display order.
METRICS: tuple[tuple[str, str, Callable[[GraphCost], int]], ...] = (
    ("params", "parameters", lambda c: c.params.total),
    ("model_bytes", "model size (bytes)", lambda c: c.model_bytes),
    ("maccs", "MACCs", lambda c: c.maccs),
    ("flops", "FLOPs", lambda c: c.flops),
    ("memory_accesses", "memory accesses", lambda c: c.memory.total),
    ("peak_activations", "peak activations (elements)", lambda c: c.peak_activations),
    ("layers", "layers", lambda c: 0),  # replaced per result below
)


def _values(result: CompileResult) -> dict[str, int]:
    cost = result.totals
    values = {key: get(cost) for key, _, get in METRICS}
    values["layers"] = len(result.graph)
    return values


def ratio(value: float, reference: float) -> float | None:
    """``value / reference``; None when it has no finite value (a zero reference)."""
    if not reference:
        return None
    r = value / reference
    return r if math.isfinite(r) else None


def _finite(value: float) -> float | None:
    """A figure for JSON, which has no infinity (the FPS of a network that takes no time)."""
    return value if math.isfinite(value) else None


def _ratio_text(value: int, reference: int) -> str:
    r = ratio(value, reference)
    return "n/a" if r is None else f"{r:.2f}x"


def compare_rows(results: Sequence[CompileResult]) -> list[tuple[str, str, list[int]]]:
    """(key, label, one value per network) for every metric."""
    values = [_values(r) for r in results]
    return [(key, label, [v[key] for v in values]) for key, label, _ in METRICS]


#: (key, label, getter, format) of the rows ``--bench`` adds: measured, so floats.
MEASURED: tuple[tuple[str, str, Callable[[Benchmark], float], str], ...] = (
    ("latency_ms", "latency, median (ms)", lambda b: b.median * 1000, "{:,.2f}"),
    ("latency_p90_ms", "latency, p90 (ms)", lambda b: b.p90 * 1000, "{:,.2f}"),
    ("throughput", "throughput (examples/s)", lambda b: b.throughput, "{:,.1f}"),
)


def measured_rows(benches: Sequence[Benchmark] | None) -> list[tuple[str, str, list[float], str]]:
    """(key, label, one value per network, format) of the measured rows, if any."""
    if not benches:
        return []
    return [(key, label, [get(b) for b in benches], fmt) for key, label, get, fmt in MEASURED]


#: (key, label, getter, format) of the rows an estimate on a device adds (``--device``):
#: the device's name (text, no ratio), then figures of the roofline estimate.
ESTIMATED: tuple[tuple[str, str, Callable[[GraphEstimate], Any], str], ...] = (
    ("device", "device", lambda e: e.device, "{}"),
    ("est_latency_ms", "est. latency (ms)", lambda e: e.seconds * 1000, "{:,.3f}"),
    ("est_fps", "est. FPS (examples/s)", lambda e: e.fps, "{:,.1f}"),
    ("est_energy_mj", "est. energy per inference (mJ)",
     lambda e: e.energy_joules * 1000 / e.batch, "{:.4g}"),
    ("est_memory_bound_share", "est. memory-bound time", lambda e: e.share("memory"),
     "{:.1%}"),
)


def estimates(results: Sequence[CompileResult]) -> list[GraphEstimate] | None:
    """Every network's estimate on its device; None unless every one was estimated."""
    found = [r.totals.estimate for r in results]
    return None if not found or None in found else found  # type: ignore[return-value]


def estimated_rows(results: Sequence[CompileResult]) -> list[tuple[str, str, list[Any], str]]:
    """(key, label, one value per network, format) of the estimated rows, if any."""
    found = estimates(results)
    if found is None:
        return []
    return [(key, label, [get(e) for e in found], fmt) for key, label, get, fmt in ESTIMATED]


def _all_rows(results: Sequence[CompileResult],
              benches: Sequence[Benchmark] | None) -> list[tuple[str, str, list[Any], str]]:
    counted = [(key, label, vals, "{:,}") for key, label, vals in compare_rows(results)]
    return [*counted, *estimated_rows(results), *measured_rows(benches)]


def _numeric(vals: list[Any]) -> bool:
    """Whether a row holds figures (with ratios), not text such as the device's name."""
    return not any(isinstance(v, str) for v in vals)


def _cells(rows: list[tuple[str, str, list[Any], str]]) -> list[list[str]]:
    """Each value; after the first of a row of figures, with its ratio to the first."""
    return [[f"{fmt.format(v)} ({_ratio_text(v, vals[0])})" if i and _numeric(vals)
             else fmt.format(v) for i, v in enumerate(vals)] for _, _, vals, fmt in rows]


def _measured_note(benches: Sequence[Benchmark] | None) -> str:
    if not benches:
        return ""
    first = benches[0]
    threads = f"{first.threads} threads" if first.threads else "its default threads"
    return (f" Latency measured with ONNX Runtime {first.runtime_version} on this machine "
            f"({first.provider}, {threads}, {first.optimization}: the network as written, "
            f"optimised by ONNX Runtime; random weights and input), median and p90 of "
            f"{', '.join(str(b.runs) for b in benches)} runs.")


def _estimated_note(results: Sequence[CompileResult]) -> str:
    found = estimates(results)
    if found is None:
        return ""
    first = found[0]
    devices = {(e.device, e.title, e.dtype, e.memory_model) for e in found}
    where = (f"on {first.title} ({first.device}; {first.dtype}, {first.memory_model} "
             "traffic)" if len(devices) == 1 else "on each network's device")
    return (f" Estimated figures (est.): a roofline {where} from the figures of its profile, "
            "not a measurement (docs/latency.md). Latency is per batch; energy per inference "
            "is per example (the batch's energy over the batch size); memory-bound time is "
            "the share of the estimated time spent in layers bound by memory bandwidth.")


def render_compare_text(labels: Sequence[str], results: Sequence[CompileResult],
                        benches: Sequence[Benchmark] | None = None, width: int = 120) -> str:
    """A table with one column per network: value and ratio to the first.

    When the columns do not fit ``width``, each network is a block of rows
    instead (its label, then one line per figure), which fits any terminal.
    """
    rows = _all_rows(results, benches)
    cells = _cells(rows)
    label_width = max(len(label) for _, label, _, _ in rows)
    widths = [max(len(labels[i]), *(len(row[i]) for row in cells)) for i in range(len(labels))]
    head = " " * label_width + "  " + "  ".join(f"{lab:>{w}}" for lab, w in
                                                 zip(labels, widths, strict=True))
    if len(head) <= width:
        lines = [head, "-" * len(head)]
        for (_, label, _, _), row in zip(rows, cells, strict=True):
            lines.append(f"{label:<{label_width}}  " + "  ".join(
                f"{c:>{w}}" for c, w in zip(row, widths, strict=True)))
    else:
        value_width = max(len(row[i]) for row in cells for i in range(len(labels)))
        lines = []
        for i, name in enumerate(labels):
            lines += [*([""] if lines else []), name, "-" * min(len(name), width)]
            lines += [f"  {label:<{label_width}}  {row[i]:>{value_width}}".rstrip()
                      for (_, label, _, _), row in zip(rows, cells, strict=True)]
    cost = results[0].totals
    note = ("Ratios are to the first " + ("column" if len(head) <= width else "network")
            + f". Memory accesses: {cost.memory_model} model, in "
            f"elements; dtype {cost.dtype}; batch {cost.batch}. MACCs: "
            f"{CONVENTIONS['maccs']}; FLOPs add the elementwise work."
            + _estimated_note(results) + _measured_note(benches))
    # Never inside a device's name (phone-2018) nor a hyphenated word.
    lines += ["", *textwrap.wrap(note, max(40, min(width, len(head))), break_on_hyphens=False)]
    return "\n".join(lines) + "\n"


def render_compare_json(labels: Sequence[str], results: Sequence[CompileResult],
                        benches: Sequence[Benchmark] | None = None, width: int = 120) -> str:
    rows = compare_rows(results)
    measured = measured_rows(benches)
    found = estimates(results)
    estimated = [(key.removeprefix("est_"), vals) for key, _, vals, _ in
                 estimated_rows(results) if key != "device"]
    networks = []
    for i, (label, result) in enumerate(zip(labels, results, strict=True)):
        networks.append({
            "label": label,
            "network": result.name,
            "source": result.source,
            "arguments": {k: list(v) if isinstance(v, tuple) else v
                          for k, v in result.graph.arguments},
            "totals": {key: vals[i] for key, _, vals in rows},
            "ratios": {key: ratio(vals[i], vals[0]) for key, _, vals in rows},
        })
        if found is not None:
            e = found[i]
            networks[-1]["estimate"] = {
                "device": e.device, "device_title": e.title, "dtype": e.dtype,
                "memory_model": e.memory_model, "batch": e.batch,
                **{key: _finite(vals[i]) for key, vals in estimated}}
            networks[-1]["estimate_ratios"] = {key: ratio(vals[i], vals[0])
                                               for key, vals in estimated}
        if benches:
            networks[-1]["measured"] = {
                **{key: round(vals[i], 6) for key, _, vals, _ in measured},
                "runs": benches[i].runs, "threads": benches[i].threads}
            networks[-1]["measured_ratios"] = {key: ratio(vals[i], vals[0])
                                               for key, _, vals, _ in measured}
    cost = results[0].totals
    document: dict[str, Any] = {
        "schema": SCHEMA, "memory_model": cost.memory_model, "dtype": cost.dtype,
        "batch": cost.batch, "networks": networks}
    if benches:
        first = benches[0]
        document["measured_with"] = {
            "runtime": "onnxruntime", "version": first.runtime_version,
            "provider": first.provider, "graph_optimization_level": first.optimization,
            "graph": first.graph}
    return json.dumps(document, indent=2) + "\n"


def render_compare_csv(labels: Sequence[str], results: Sequence[CompileResult],
                       benches: Sequence[Benchmark] | None = None, width: int = 120) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = _all_rows(results, benches)
    numeric = [row for row in rows if _numeric(row[2])]
    writer.writerow(["label", "network", *(key for key, _, _, _ in rows),
                     *(f"{key}_ratio" for key, _, _, _ in numeric)])
    for i, (label, result) in enumerate(zip(labels, results, strict=True)):
        ratios = [ratio(vals[i], vals[0]) for _, _, vals, _ in numeric]
        values = [vals[i] if isinstance(vals[i], int | str) else f"{vals[i]:.6f}"
                  for _, _, vals, _ in rows]
        writer.writerow([label, result.name, *values,
                         *("" if r is None else f"{r:.4f}" for r in ratios)])
    return out.getvalue()


def render_compare_markdown(labels: Sequence[str], results: Sequence[CompileResult],
                            benches: Sequence[Benchmark] | None = None,
                            width: int = 120) -> str:
    rows = _all_rows(results, benches)
    body = [[label, *cells] for (_, label, _, _), cells in zip(rows, _cells(rows), strict=True)]
    return "\n".join(table(["metric", *labels], body, 1)) + "\n"
