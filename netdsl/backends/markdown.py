"""The Markdown report: a table to paste into a pull request or a README."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdsl.backends import rollup
from netdsl.backends.common import (
    CONVENTIONS,
    commas,
    estimate_summary,
    human_bytes,
    intensity_text,
    milliseconds,
    shape_text,
    title,
)
from netdsl.backends.formats import DEFAULT_VIEW, View

if TYPE_CHECKING:
    from netdsl.driver import CompileResult


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def table(header: list[str], rows: list[list[str]], numeric_from: int,
          numeric_to: int | None = None) -> list[str]:
    """A Markdown table; columns from ``numeric_from`` up to ``numeric_to`` (exclusive, and
    counted from the end when negative; None: to the last) are right-aligned."""
    end = range(len(header))[slice(numeric_from, numeric_to)]
    align = ["---:" if i in end else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return lines


def render(result: CompileResult, view: View = DEFAULT_VIEW) -> str:
    """Per-row table (layers, or blocks rolled up to ``view.depth``; with ``view.summary``
    the largest rows only), then totals before and after the passes."""
    graph, cost, base = result.graph, result.totals, result.totals_unoptimized
    lines = [f"### {_escape(title(result))}", ""]
    estimate = cost.estimate
    rows = rollup.rows(graph, view.depth, view.expand)
    rolled = rollup.rolled(rows)  # of every row, as the text and CSV reports decide
    if view.summary:
        rows = rollup.largest(rows)
        lines += ["Largest rows by MACCs and by memory accesses:", ""]
    cells = [
        [f"`{r.name}`", r.op, *([str(r.layers) if r.block else ""] if rolled else []),
         shape_text(r.shape),
         commas(r.cost.params.total), commas(r.cost.maccs), commas(r.cost.flops),
         commas(r.cost.memory.total),
         *([intensity_text(r.cost.estimate), r.cost.estimate.bound * bool(
             r.cost.estimate.seconds), milliseconds(r.cost.estimate.seconds)]
           if estimate else []),
         rollup.absorbed_text(r)]
        for r in rows
    ]
    lines += table(["layer", "op", *(["layers"] if rolled else []), "output", "params",
                    "MACCs", "FLOPs", "memory accesses",
                    *(["MACC/B", "bound", "est. ms"] if estimate else []), "absorbed"],
                   cells, 3 + rolled, -1)  # the absorbed layers are text
    lines.append("")
    if estimate is not None:
        lines += table([f"on {_escape(estimate.title)}", ""],
                       [[label, value] for label, value in estimate_summary(estimate)], 2)
        lines.append("")
    totals = [
        ("parameters", base.params.total, cost.params.total),
        ("MACCs", base.maccs, cost.maccs),
        ("FLOPs", base.flops, cost.flops),
        (f"memory accesses ({cost.memory_model})", base.memory.total, cost.memory.total),
        ("peak activations (elements)", base.peak_activations, cost.peak_activations),
        (f"model size ({cost.dtype}, bytes)", base.model_bytes, cost.model_bytes),
    ]
    lines += table(["total", "before passes", "after passes"],
                   [[label, commas(b), commas(a)] for label, b, a in totals], 1)
    lines.append("")
    lines.append(f"Model size {human_bytes(cost.model_bytes)} ({cost.dtype}); batch "
                 f"{cost.batch}; MACCs: {CONVENTIONS['maccs']}; "
                 f"FLOPs = 2 x MACCs + elementwise work; memory accesses in elements, "
                 f"{cost.memory_model} model. Passes: {', '.join(result.options.passes)}.")
    return "\n".join(lines) + "\n"
