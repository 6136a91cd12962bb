"""Side-by-side comparison of compiled networks, in every report format.

Each metric is shown for every network with its ratio to the first one, so
``netdsl compare v1.net v2.net`` answers "how much more does B cost than A"
for compute, memory traffic and memory at once.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from netdsl.backends.common import commas
from netdsl.backends.markdown import table
from netdsl.ir.graph import GraphCost

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

SCHEMA = "netdsl.compare/1"

#: (key, label, getter) for every compared metric, in display order.
METRICS: tuple[tuple[str, str, Callable[[GraphCost], int]], ...] = (
    ("params", "parameters", lambda c: c.params.total),
    ("model_bytes", "model size (bytes)", lambda c: c.model_bytes),
    ("maccs", "MACCs", lambda c: c.maccs),
    ("flops", "FLOPs", lambda c: c.flops),
    ("memory_accesses", "memory accesses", lambda c: c.memory.total),
    ("peak_activations", "peak activations", lambda c: c.peak_activations),
    ("layers", "layers", lambda c: 0),  # replaced per result below
)


def _values(result: CompileResult) -> dict[str, int]:
    cost = result.totals
    values = {key: get(cost) for key, _, get in METRICS}
    values["layers"] = len(result.graph)
    return values


def ratio(value: int, reference: int) -> float | None:
    return value / reference if reference else None


def _ratio_text(value: int, reference: int) -> str:
    r = ratio(value, reference)
    return "n/a" if r is None else f"{r:.2f}x"


def compare_rows(results: Sequence[CompileResult]) -> list[tuple[str, str, list[int]]]:
    """(key, label, one value per network) for every metric."""
    values = [_values(r) for r in results]
    return [(key, label, [v[key] for v in values]) for key, label, _ in METRICS]


def render_compare_text(labels: Sequence[str], results: Sequence[CompileResult]) -> str:
    """A table with one column per network: value and ratio to the first."""
    rows = compare_rows(results)
    cells = [[f"{commas(v)} ({_ratio_text(v, vals[0])})" if i else commas(v)
              for i, v in enumerate(vals)] for _, _, vals in rows]
    label_width = max(len(label) for _, label, _ in rows)
    widths = [max(len(labels[i]), *(len(row[i]) for row in cells)) for i in range(len(labels))]
    head = " " * label_width + "  " + "  ".join(f"{lab:>{w}}" for lab, w in
                                                 zip(labels, widths, strict=True))
    lines = [head, "-" * len(head)]
    for (_, label, _), row in zip(rows, cells, strict=True):
        lines.append(f"{label:<{label_width}}  " + "  ".join(
            f"{c:>{w}}" for c, w in zip(row, widths, strict=True)))
    cost = results[0].totals
    note = (f"Ratios are to the first column. Memory accesses: {cost.memory_model} model, in "
            f"elements; dtype {cost.dtype}; batch {cost.batch}. MACCs count convolution and "
            "dense multiply-accumulates only; FLOPs add the elementwise work.")
    lines += ["", *textwrap.wrap(note, max(60, len(head)))]
    return "\n".join(lines) + "\n"


def render_compare_json(labels: Sequence[str], results: Sequence[CompileResult]) -> str:
    rows = compare_rows(results)
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
    cost = results[0].totals
    document = {"schema": SCHEMA, "memory_model": cost.memory_model, "dtype": cost.dtype,
                "batch": cost.batch, "networks": networks}
    return json.dumps(document, indent=2) + "\n"


def render_compare_csv(labels: Sequence[str], results: Sequence[CompileResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = compare_rows(results)
    writer.writerow(["label", "network", *(key for key, _, _ in rows),
                     *(f"{key}_ratio" for key, _, _ in rows)])
    for i, (label, result) in enumerate(zip(labels, results, strict=True)):
        ratios = [ratio(vals[i], vals[0]) for _, _, vals in rows]
        writer.writerow([label, result.name, *(vals[i] for _, _, vals in rows),
                         *("" if r is None else f"{r:.4f}" for r in ratios)])
    return out.getvalue()


def render_compare_markdown(labels: Sequence[str], results: Sequence[CompileResult]) -> str:
    rows = compare_rows(results)
    body = [[label, *(f"{commas(v)} ({_ratio_text(v, vals[0])})" if i else commas(v)
                      for i, v in enumerate(vals))] for _, label, vals in rows]
    return "\n".join(table(["metric", *labels], body, 1)) + "\n"


RENDERERS = {
    "text": render_compare_text,
    "json": render_compare_json,
    "csv": render_compare_csv,
    "markdown": render_compare_markdown,
}
