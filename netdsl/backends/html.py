"""What a notebook shows of a compile result: an HTML summary and a per-layer DataFrame.

:func:`render_html` is ``CompileResult._repr_html_``, the view Jupyter shows when a
cell ends with a result: the title line, the totals before and after the passes
with what they saved (the figures of the text report's Totals section), the
estimate on a device when there is one, the largest layers, and the diagram as
inline SVG. A network of more than :data:`MAX_BOXES` layers is drawn collapsed, at
the deepest block nesting that fits in that many boxes, so that the diagram reads
at a glance; without Graphviz's ``dot`` the view is the tables and a one-line note.
Every piece of text from the network (its name, arguments, layer and block names)
is escaped, so a name is shown as written and never read as markup.

:func:`layer_frame` is ``CompileResult.to_dataframe``: the CSV report's rows and
columns as a pandas DataFrame, with figures as numbers. pandas is optional (the
``notebook`` extra) and imported only here.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from netdsl.backends import rollup
from netdsl.backends.common import (
    arguments_text,
    commas,
    estimate_summary,
    human_bytes,
    shape_text,
    totals_rows,
)
from netdsl.backends.rollup import Row
from netdsl.backends.text import conventions, saved_ratio, share_text
from netdsl.diagnostics import NetdslError
from netdsl.ir.graph import Graph

if TYPE_CHECKING:
    import pandas

    from netdsl.driver import CompileResult

#: The most boxes drawn before a diagram is collapsed to block instances: about what a
#: notebook cell shows legibly without zooming.
MAX_BOXES = 40
#: The most boxes drawn inline at all. A network without blocks (an ONNX import, say)
#: cannot be collapsed; past this, its drawing is too long to read in a cell and, at about
#: 1.5 kB of SVG a box, would weigh down every saved notebook, so the view says how to
#: draw it instead.
MAX_DRAWN = 200

# Inline styles only, and few: Jupyter's own table style (padding, striped rows) applies,
# and a code host's sanitiser, which drops <style> blocks, keeps the alignment.
_STYLE = {
    "root": "font-size: 13px; line-height: 1.4",
    "table": "border-collapse: collapse; margin: 4px 0 8px 0",
    "text": "text-align: left",
    "number": "text-align: right; white-space: nowrap",
    "note": "color: #555; font-size: 12px; margin: 2px 0",
    "diagram": "max-height: 720px; overflow: auto; border: 1px solid #ddd; padding: 4px",
}


def _e(text: object) -> str:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes as entities."""
    return html.escape(str(text), quote=True)


def _table(header: list[str] | None, rows: Iterable[list[str]], numeric_from: int) -> str:
    """An HTML table of escaped cells, with a header row unless ``header`` is None; columns
    from ``numeric_from`` on are right-aligned."""
    def cells(values: list[str], tag: str) -> str:
        return "".join(
            f'<{tag} style="{_STYLE["number" if i >= numeric_from else "text"]}">{_e(v)}</{tag}>'
            for i, v in enumerate(values))

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    head = "" if header is None else f'<thead><tr>{cells(header, "th")}</tr></thead>'
    return f'<table style="{_STYLE["table"]}">{head}<tbody>{body}</tbody></table>'


def _heading(text: str) -> str:
    return f'<div style="font-weight: bold; margin-top: 8px">{_e(text)}</div>'


def _note(text: str) -> str:
    return f'<p style="{_STYLE["note"]}">{_e(text)}</p>'


def _label(text: str) -> str:
    """A row label: the text report's two-space indent of a breakdown as an indent in HTML."""
    stripped = text.lstrip(" ")
    indent = (len(text) - len(stripped)) // 2
    return "\u2003" * indent + stripped  # em spaces: not collapsed by HTML


def _totals(result: CompileResult) -> str:
    after, before = result.totals, result.totals_unoptimized
    rows = totals_rows(after, before)
    sizes = [(f"model size ({after.dtype})", after.model_bytes),
             ("peak activation memory", after.peak_bytes)]
    if before != after:
        table = _table(["", "before passes", "after passes", "saved"],
                       [[_label(label), commas(b), commas(a), saved_ratio(a, b)]
                        for label, b, a in rows], 1)
    else:
        table = _table(["", "total"], [[_label(label), commas(a)] for label, _, a in rows], 1)
    memory = "; ".join(f"{label} {commas(n)} bytes = {human_bytes(n)}" for label, n in sizes)
    return _heading("Totals") + table + _note(memory)


def _savings(result: CompileResult) -> str:
    """One line: the layers the passes absorbed, and how many refusals they noted."""
    absorbed = [a for node in result.graph.nodes for a in node.fused]
    folded = sum(a.how == "folded" for a in absorbed)
    text = (f"Passes: {len(result.elaborated)} layers as written, {len(result.graph)} after: "
            f"{folded} batch norms folded, {len(absorbed) - folded} layers fused")
    refused = sum(len(run.diagnostics) for run in result.runs)
    if refused:
        text += f"; {refused} not applied (each in result.runs, with its reason)"
    return _note(text + ".")


def _estimate(result: CompileResult) -> str:
    estimate = result.totals.estimate
    if estimate is None:
        return ""
    head = (f"Estimated on {estimate.title} ({estimate.device}; {estimate.dtype}, "
            f"{estimate.memory_model} traffic)")
    return (_heading(head) + _table(None, [list(row) for row in estimate_summary(estimate)], 2)
            + _note("A roofline estimate from published device figures, not a measurement "
                    "(docs/latency.md)."))


def _largest(graph: Graph) -> str:
    """The layers that dominate compute and memory traffic, side by side: the text report's
    lists (:func:`netdsl.backends.rollup.top`), with each layer's op and figure."""
    totals = graph.cost
    assert totals is not None
    layers = rollup.rows(graph)  # every layer, as the notebook's view does not roll up

    def top(key: Callable[[Row], int], total: int, label: str) -> str:
        rows = [[r.name, r.op, commas(key(r)), share_text(key(r), total)]
                for r in rollup.top(layers, key)]
        return ('<div style="display: inline-block; vertical-align: top; margin-right: 24px">'
                + _table([f"by {label}", "op", label, "%"], rows, 2) + "</div>")

    return (_heading("Largest layers") + "<div>"
            + top(rollup.maccs_of, totals.maccs, "MACCs")
            + top(rollup.memory_of, totals.memory.total, "memory accesses")
            + "</div>")


def _conventions(result: CompileResult) -> str:
    """The text report's conventions, one per line, folded away under a summary."""
    lines = conventions(result.totals, result.options.passes, width=10**6)[1:]
    items = "".join(f"<li>{_e(line.strip())}</li>" for line in lines)
    return (f'<details style="{_STYLE["note"]}"><summary>Conventions</summary>'
            f'<ul style="margin: 2px 0">{items}</ul></details>')


def box_count(graph: Graph, collapse: int | None) -> int:
    """How many boxes :meth:`CompileResult.to_dot` draws with ``collapse`` (no expansion):
    the rows of the report rolled up to the same depth."""
    return len(rollup.rows(graph, None if collapse is None else collapse + 1))


def diagram_depth(graph: Graph, max_boxes: int = MAX_BOXES) -> int | None:
    """The ``collapse`` depth of the notebook diagram: None (every layer) for a network of
    at most ``max_boxes`` layers, else the deepest block nesting drawn in at most
    ``max_boxes`` boxes (0, one box per top-level block instance, when none is)."""
    if len(graph) <= max_boxes:
        return None
    deepest = rollup.deepest(graph)
    if not deepest:
        return None  # no blocks: nothing to collapse
    for depth in range(deepest - 1, -1, -1):  # the most detail that fits
        if box_count(graph, depth) <= max_boxes:
            return depth
    return 0


def inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to place in HTML: without its XML
    declaration, doctype and leading comments, scaled down to the width of the cell."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("not an SVG document: no <svg> element")
    return '<svg style="max-width: 100%; height: auto"' + svg[start + len("<svg"):]


def _diagram(result: CompileResult) -> str:
    graph = result.graph
    depth = diagram_depth(graph)
    boxes = box_count(graph, depth)
    if boxes > MAX_DRAWN:
        return _note(f"No diagram: {boxes:,} boxes are too many to draw here; "
                     "result.render('svg') draws them all.")
    try:
        svg = result.render("svg", collapse=depth).decode("utf-8")
    except NetdslError as exc:
        diagnostic = exc.diagnostics[0]
        reason = ("Graphviz's dot program was not found (install Graphviz: "
                  "https://graphviz.org/download/)" if diagnostic.code == "E801"
                  else diagnostic.message)
        return _note(f"No diagram: {reason}; result.to_dot() gives the DOT text.")
    if depth is None:
        caption = f"Diagram: every layer, {boxes} boxes, shaded by MACCs."
    else:
        # In the terms of the command line: --depth D+1 draws the boxes collapse=D does
        # (--depth 1 rolls up the top-level instances, which are nested 1 deep).
        collapsed = ("each top-level block instance is one box" if depth == 0 else
                     f"each block instance nested {depth + 1} deep is one box")
        caption = (f"Diagram: {boxes} boxes for {len(graph)} layers ({collapsed}, as "
                   f"netdsl compile --depth {depth + 1} draws it; collapse={depth}), shaded "
                   "by MACCs; result.render('svg') draws every layer.")
    return (_heading("Diagram") + _note(caption)
            + f'<div style="{_STYLE["diagram"]}">{inline_svg(svg)}</div>')


def render_html(result: CompileResult) -> str:
    """The result as a self-contained HTML fragment (no scripts, inline styles only)."""
    graph = result.graph
    cost = result.totals
    shape = shape_text(graph.output_shape)
    title = (f'<div style="font-size: 14px"><b>{_e(result.name)}</b>'
             f"({_e(arguments_text(result))})</div>")
    facts = (f"{len(graph)} layers, output {shape}; {cost.dtype}, batch {cost.batch}, "
             f"{cost.memory_model} memory model"
             + (f"; from {result.source}" if result.source else ""))
    parts = [title, _note(facts)]
    parts += [_note(d.one_line()) for d in result.warnings]  # W401, W701, N204
    parts.append(_totals(result))
    if set(result.options.passes) - {"infer-shapes", "annotate-cost"}:  # some optimisation ran
        parts.append(_savings(result))
    parts += [_estimate(result), _largest(graph), _conventions(result), _diagram(result)]
    return f'<div class="netdsl-result" style="{_STYLE["root"]}">' + "".join(parts) + "</div>"


def layer_frame(result: CompileResult, depth: int | None = None, *, summary: bool = False,
                expand: Sequence[str] = ()) -> pandas.DataFrame:
    """The CSV report as a DataFrame: one row per layer (or per block instance rolled up
    to ``depth``, but those ``expand`` names; with ``summary`` the largest rows only), in
    network order, with the CSV report's columns (docs/reports.md), figures as numbers.

    Counts (parameters, MACCs, memory accesses...) are ``int64``; the estimate's
    seconds, joules and MACCs per byte ``float64`` (NaN for a layer that moves
    nothing); names, ops, shapes (``112x112x32``) and the lists joined with ``;``
    strings, as the CSV report writes them. It is read from the CSV report itself, so
    the two never differ. Needs pandas (E901 with the install hint otherwise).
    """
    from netdsl.bridge import require

    pd = require("pandas", "CompileResult.to_dataframe()")
    # Every cell as the text the CSV holds (a layer named "NA" stays a name), then the
    # figures converted: the integers exactly, the floats from Python's shortest repr.
    text = result.to_csv(depth=depth, summary=summary, expand=expand)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in MEASURES:
            frame[column] = pd.Series([float(v) if v else math.nan for v in frame[column]],
                                      dtype="float64")
        elif column not in TEXT_COLUMNS:
            frame[column] = frame[column].astype("int64")
    return frame


#: The CSV report's columns that hold text; every other one holds a count (``int64``) but
#: those of :data:`MEASURES` (``float64``).
TEXT_COLUMNS = frozenset({"name", "op", "kind", "inputs", "output_shape", "fused", "source",
                          "bound"})
MEASURES = frozenset({"intensity_maccs_per_byte", "est_seconds", "est_energy_joules"})
