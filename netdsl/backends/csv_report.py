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
#: Columns added when the network was estimated on a device (--device).
ESTIMATE_COLUMNS = ("intensity_maccs_per_byte", "bound", "est_seconds", "est_energy_joules")


def render_csv(result: CompileResult) -> str:
    """Every layer as a CSV row; shapes as ``HxWxC``, lists joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    graph = result.graph
    estimated = result.totals.estimate is not None
    writer.writerow(CSV_COLUMNS + ESTIMATE_COLUMNS * estimated)
    for node in graph.nodes:
        r = layer_record(graph, node)
        row = [
            r["name"], r["op"], ";".join(r["inputs"]), "x".join(map(str, r["output_shape"])),
            r["params"], *r["params_breakdown"].values(), r["maccs"], r["flops"],
            r["memory_accesses"], *r["memory"].values(), r["activations"],
            ";".join(f["op"] for f in r["fused"]), r["source"] or "",
        ]
        if estimated:
            e = r["estimate"]
            row += [e["intensity_maccs_per_byte"] if e["intensity_maccs_per_byte"] is not None
                    else "", e["bound"], e["seconds"], e["energy_joules"]]
        writer.writerow(row)
    return out.getvalue()
