"""The CSV report: one row per layer (or rolled-up block), for spreadsheets.

The header is :data:`CSV_COLUMNS`, with :data:`ROLLUP_COLUMNS` after ``op``
when a row is a rolled-up block instance and :data:`ESTIMATE_COLUMNS` at the
end when the network was estimated on a device.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from netdsl.backends import rollup
from netdsl.backends.common import row_record
from netdsl.backends.formats import DEFAULT_VIEW, View

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

#: The header, in order; docs/reports.md describes each column.
CSV_COLUMNS = (
    "name", "op", "inputs", "output_shape", "params", "weights", "biases", "bn_affine",
    "bn_stats", "maccs", "flops", "memory_accesses", "memory_input", "memory_output",
    "memory_weights", "activations", "fused", "source",
)
#: Columns added after ``op`` when a row is a rolled-up block instance (--depth;
#: :func:`netdsl.backends.rollup.rolled`): ``layer`` or ``block``, how many layers the
#: row holds and how many layers those absorbed (the count its diagram box gives).
ROLLUP_COLUMNS = ("kind", "layers", "absorbed")
#: Columns added when the network was estimated on a device (--device).
ESTIMATE_COLUMNS = ("intensity_maccs_per_byte", "bound", "est_seconds", "est_energy_joules")


def render(result: CompileResult, view: View = DEFAULT_VIEW) -> str:
    """Every row as a CSV line; shapes as ``HxWxC``, lists joined with ``;``.

    Rows are the layers, or with ``view.depth`` the rolled-up block instances
    (:mod:`netdsl.backends.rollup`; ``kind`` and ``layers`` columns added when a row is
    one, as the text and Markdown reports add their ``layers`` column); with
    ``view.summary`` only the largest rows (by MACCs and by memory accesses).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    graph = result.graph
    estimated = result.totals.estimate is not None
    rows = rollup.rows(graph, view.depth, view.expand)
    rolled = rollup.rolled(rows)  # of every row, so a summary has the same header
    holders = rollup.holders(rows)  # and inputs name rows of the full report
    header = list(CSV_COLUMNS + ESTIMATE_COLUMNS * estimated)
    if rolled:
        header[2:2] = ROLLUP_COLUMNS
    writer.writerow(header)
    for row_ in rollup.largest(rows) if view.summary else rows:
        r = row_record(graph, row_, holders)
        row = [
            r["name"], r["op"], ";".join(r["inputs"]), "x".join(map(str, r["output_shape"])),
            r["params"], *r["params_breakdown"].values(), r["maccs"], r["flops"],
            r["memory_accesses"], *r["memory"].values(), r["activations"],
            ";".join(f["op"] for f in r.get("fused", ())), r["source"] or "",
        ]
        if rolled:
            row[2:2] = [r["kind"], len(r["layers"]) if r["kind"] == "block" else 1,
                        len(r["fused"])]
        if estimated:
            e = r["estimate"]
            row += [e["intensity_maccs_per_byte"] if e["intensity_maccs_per_byte"] is not None
                    else "", e["bound"], e["seconds"], e["energy_joules"]]
        writer.writerow(row)
    return out.getvalue()
