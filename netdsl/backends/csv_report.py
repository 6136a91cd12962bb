"""The CSV report: one row per layer under a fixed header, for spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from netdsl.backends.common import layer_record

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

#: The header, in order; docs/reports.md describes each column.
CSV_COLUMNS = (
    "name", "op", "inputs", "output_shape", "params", "weights", "biases", "bn_affine",
    "bn_stats", "maccs", "flops", "memory_accesses", "memory_input", "memory_output",
    "memory_weights", "activations", "fused", "source",
)


def render_csv(result: CompileResult) -> str:
    """Every layer as a CSV row; shapes as ``HxWxC``, lists joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    graph = result.graph
    for node in graph.nodes:
        r = layer_record(graph, node)
        writer.writerow([
            r["name"], r["op"], ";".join(r["inputs"]), "x".join(map(str, r["output_shape"])),
            r["params"], *r["params_breakdown"].values(), r["maccs"], r["flops"],
            r["memory_accesses"], *r["memory"].values(), r["activations"],
            ";".join(f["op"] for f in r["fused"]), r["source"] or "",
        ])
    return out.getvalue()
