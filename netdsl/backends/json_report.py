"""The JSON report: versioned, deterministic, documented in docs/reports.md.

Schema ``netdsl.report/1``. Keys are written in a fixed order and numbers are
exact integers, so the same input always gives byte-identical output.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from netdsl.backends.common import CONVENTIONS, layer_record, totals_record

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

SCHEMA = "netdsl.report/1"


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def report_dict(result: CompileResult) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    graph = result.graph
    cost = result.totals
    return {
        "schema": SCHEMA,
        "network": graph.name,
        "source": result.source,
        "arguments": {k: _plain(v) for k, v in graph.arguments},
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
        "notes": [{"pass": run.name, **d.to_dict()} for run in result.runs
                  for d in run.diagnostics],
        "warnings": [d.to_dict() for d in result.warnings],
        "layers": [layer_record(graph, node) for node in graph.nodes],
    }


def render_json(result: CompileResult) -> str:
    """The JSON report text, ending with a newline.

    Everything is indented for reading except the layers, written one object
    per line: that keeps large networks fast to write (the indenting encoder
    is pure Python) and diffs of reports line up layer by layer.
    """
    document = report_dict(result)
    layers = document.pop("layers")
    head = json.dumps(document, indent=2)[:-2]  # drop the closing "\n}"
    rows = ",\n".join("    " + json.dumps(layer) for layer in layers)
    body = f'\n  "layers": [\n{rows}\n  ]' if layers else '\n  "layers": []'
    return head + "," + body + "\n}\n"
