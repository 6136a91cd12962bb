"""The JSON report: versioned, deterministic, documented in docs/reports.md.

Schema ``netdsl.report/2``, published as a JSON Schema in
docs/report.schema.json. Keys are written in a fixed order and numbers are
exact integers, so the same input always gives byte-identical output.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

from netdsl.backends import rollup
from netdsl.backends.common import (
    CONVENTIONS,
    diagnostic_span,
    json_value,
    row_record,
    totals_record,
)
from netdsl.backends.formats import DEFAULT_VIEW, View

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

SCHEMA = "netdsl.report/2"


def grouped_notes(result: CompileResult) -> list[dict[str, Any]]:
    """The passes' notes, one entry per pass, code and reason, with every layer and location.

    A refusal reads ``'<layer>' not folded: <reason>``; the refusals of many
    layers for one reason are one entry (``count``, ``layers``, ``locations``).
    """
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for run in result.runs:
        for diagnostic in run.diagnostics:
            subject, _, reason = diagnostic.message.partition(": ")
            entry = groups.setdefault((run.name, diagnostic.code, reason or subject), {
                "pass": run.name, **diagnostic.to_dict(), "reason": reason or subject,
                "count": 0, "layers": [], "locations": []})
            entry["count"] += 1
            name = subject.split("'")[1] if subject.count("'") >= 2 else None
            entry["layers"].append(name)
            # Each refused layer at the user's line, as the text report names it.
            user = attrs.evolve(diagnostic, span=diagnostic_span(diagnostic), notes=())
            entry["locations"].append(user.to_dict()["span"])
    return list(groups.values())


def report_dict(result: CompileResult, view: View = DEFAULT_VIEW) -> dict[str, Any]:
    """The report as plain JSON-ready data: the rows of ``view`` (every layer, or blocks
    rolled up to ``view.depth``); with ``view.summary`` the largest rows instead of all."""
    graph = result.graph
    cost = result.totals
    rows = rollup.rows(graph, view.depth, view.expand)
    holders = rollup.holders(rows)  # of every row: a summary's inputs name rows too
    if view.summary:
        rows = rollup.largest(rows)
    return {
        "schema": SCHEMA,
        "network": graph.name,
        "source": result.source,
        "arguments": {k: json_value(v) for k, v in graph.arguments},
        "passes": list(result.options.passes),
        "conventions": {
            "maccs": CONVENTIONS["maccs"],
            "flops": CONVENTIONS["flops"],
            "params": CONVENTIONS["params"],
            "memory_model": cost.memory_model,
            "memory": CONVENTIONS[f"memory_{cost.memory_model}"],
            "addressing": CONVENTIONS["addressing"],
            "absorbed": CONVENTIONS["absorbed"],
            "dtype": cost.dtype,
            "batch": cost.batch,
            "units": "counts are elements; *_bytes fields are bytes of the dtype",
        },
        "input_shape": list(graph.nodes[0].shape or ()) if graph.nodes else [],
        "output_shape": list(graph.output_shape or ()),
        "totals": totals_record(cost),
        "totals_unoptimized": totals_record(result.totals_unoptimized),
        "view": {"depth": view.depth, "expand": list(view.expand), "summary": view.summary},
        "notes": grouped_notes(result),
        "warnings": [d.to_dict() for d in result.warnings],
        "layers": [row_record(graph, row, holders) for row in rows],
    }


def render(result: CompileResult, view: View = DEFAULT_VIEW) -> str:
    """The JSON report text, ending with a newline.

    Everything is indented for reading except the layers, written one object
    per line: that keeps large networks fast to write (the indenting encoder
    is pure Python) and diffs of reports line up layer by layer.
    """
    document = report_dict(result, view)
    layers = document.pop("layers")
    head = json.dumps(document, indent=2)[:-2]  # drop the closing "\n}"
    rows = ",\n".join("    " + json.dumps(layer) for layer in layers)
    body = f'\n  "layers": [\n{rows}\n  ]' if layers else '\n  "layers": []'
    return head + "," + body + "\n}\n"
