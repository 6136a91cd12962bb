"""Reports of a design sweep: one row per variant, as text, JSON, CSV or Markdown.

Each renderer takes the rows of :func:`netdsl.sweep` (any order), the two
figures of the Pareto set (marked ``*``; ``+name`` maximised, else minimised,
as for :func:`netdsl.sweeps.pareto`), the figure to sort by (None: the grid's
order; ``+name``: largest first) and the conventions the sweep compiled with,
which the reports state, with the direction of each figure and the passes
the variants were compiled with. Failed variants come last, with their error
in place of their figures. A swept parameter named like another column
(``layers``, ``params``, ``index``...) is headed ``arg.NAME``
(:func:`netdsl.sweeps.argument_key`).
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from netdsl.backends.common import significant
from netdsl.ir.printer import format_argument
from netdsl.sweeps import (
    ESTIMATED,
    FIGURES,
    KEYS,
    Objective,
    SweepRow,
    argument_key,
    objective,
    pareto,
    sort_rows,
)

#: A figure as the renderers take it: ``maccs``, ``+maccs`` or an :class:`Objective`.
Goal = str | Objective

SCHEMA = "netdsl.sweep/1"

#: Column headings of the text and Markdown tables, shorter than FIGURES' labels.
HEADINGS = {
    "params": "params",
    "maccs": "MACCs",
    "flops": "FLOPs",
    "memory_accesses": "mem. accesses",
    "peak_activation_bytes": "peak act. (B)",
    "model_bytes": "model (B)",
    "layers": "layers",
    "latency": "est. ms",
    "energy": "est. mJ",
}
#: The width of the text report when none is given: that of ``netdsl compile``'s.
DEFAULT_WIDTH = 120
#: The narrowest the legend and notes wrap: never inside a device's name (phone-2018).
#: ``netdsl sweep --width`` refuses less (netdsl.cli.SWEEP_MIN_WIDTH).
MIN_WIDTH = 60


class Sweep:
    """The rows to report and how: ordered, marked, and the facts the notes state."""

    def __init__(self, rows: Sequence[SweepRow], x: Goal, y: Goal, sort: Goal | None,
                 dtype: str, batch: int, memory_model: str, source: str | None) -> None:
        self.x, self.y = objective(x), objective(y)
        self.sort = None if sort is None else objective(sort)
        by_index = sorted(rows, key=lambda row: row.index)
        self.rows = sort_rows(pareto(by_index, self.x, self.y), self.sort)
        self.names = list(by_index[0].arguments) if by_index else []
        #: The column of each swept parameter: ``arg.layers`` beside the figure ``layers``.
        self.columns = [argument_key(name) for name in self.names]
        self.grid = {name: _distinct(row.arguments[name] for row in by_index)
                     for name in self.names}
        self.estimated = any(row.latency_seconds is not None for row in self.rows)
        self.figures = [name for name in FIGURES if self.estimated or name not in ESTIMATED]
        compiled = [row for row in self.rows if row.ok]
        self.network = compiled[0].network if compiled else None
        self.device = next((row.device for row in compiled if row.device), None)
        self.failed = len(self.rows) - len(compiled)
        # Every variant is compiled by the same pipeline: any one that compiled tells it.
        self.passes = next((row.passes for row in compiled if row.passes is not None), None)
        self.optimal = sum(row.pareto for row in self.rows)
        self.dtype, self.batch, self.memory_model, self.source = dtype, batch, memory_model, \
            source

    def title(self) -> str:
        network = f" of {self.network}" if self.network else ""  # None: nothing compiled
        where = f" ({self.source})" if self.source else ""
        count = f"{len(self.rows)} variant{'s' * (len(self.rows) != 1)}"
        axes = " x ".join(self.names) if self.names else "no swept parameter"
        order = "in the grid's order" if self.sort is None else \
            f"sorted by {self.sort.label}" + (", largest first" if self.sort.maximise else "")
        return f"Sweep{network}{where}: {count} of {axes}, {order}"

    def legend(self) -> str:
        count = optimal_count(self.optimal, len(self.rows) - self.failed, len(self.rows))
        return (f"* Pareto-optimal on {directions(self.x, self.y)}: {trade_off(self.x, self.y)}"
                f"no other variant is as good on both and better on one; {count}.")

    def notes(self) -> str:
        text = (f"{passes_note(self.passes)}mem. accesses: elements read and written, "
                f"{self.memory_model} model; peak act. (B): peak activation memory and "
                f"model (B): the parameters, in bytes of {self.dtype}; batch {self.batch}.")
        if self.estimated:
            text += (f" est. ms and est. mJ: latency and energy per batch estimated on "
                     f"{self.device} (a roofline from its profile, not a measurement).")
        if self.failed:
            text += (f" {self.failed} variant{'s' * (self.failed != 1)} did not compile: "
                     "the error is in place of the figures.")
        return text


def optimal_count(optimal: int, compiled: int, total: int, noun: bool = True) -> str:
    """How many variants are Pareto-optimal, of how many: ``16 of 20 variants``; when some
    failed, of those that compiled, with the whole count the title gives beside it:
    ``2 of the 2 that compiled (4 variants)``. ``noun`` False leaves out ``variants`` and
    the whole count, for a title whose first line gives it (the chart's ``16 of 20
    Pareto-optimal``, ``2 of the 2 that compiled Pareto-optimal``)."""
    variants = f"{total} variant{'s' * (total != 1)}"
    if compiled == total:
        return f"{optimal} of {variants}" if noun else f"{optimal} of {total}"
    return f"{optimal} of the {compiled} that compiled" + (f" ({variants})" if noun else "")


def passes_note(passes: Sequence[str] | None) -> str:
    """The first sentence of the notes, from the passes the variants were compiled with:
    what the figures are after, and what ``params`` counts (batch norm's own parameters,
    unless it was folded away); ends with a space. ``passes`` None (not recorded): only
    what ``params`` is."""
    if passes is None:
        return "params: parameters; "
    folded, fused = "fold-batchnorm" in passes, "fuse-activations" in passes
    after = {(True, True): "Figures after folding and fusion.",
             (True, False): "Figures after folding batch norm; activations not fused.",
             (False, True): "Figures after fusing activations; batch norm not folded.",
             (False, False): "Figures as written: batch norm not folded, activations not "
             "fused."}[folded, fused]
    params = "parameters of the deployed model" if folded else \
        "parameters, those of batch norm included"
    return f"{after} params: {params}; "


def directions(x: Objective, y: Objective) -> str:
    """The two figures with their directions: ``MACCs and parameters (both minimised)``,
    ``memory accesses (minimised) and MACCs (maximised)``."""
    if x.maximise == y.maximise:
        return f"{x.label} and {y.label} (both {_goal(x)})"
    return f"{x.label} ({_goal(x)}) and {y.label} ({_goal(y)})"


def trade_off(x: Objective, y: Objective) -> str:
    """What a cost minimised against a figure maximised buys, as a clause ending ``; ``:
    ``the most MACCs for their memory accesses; ``; nothing when both go the same way."""
    if x.maximise == y.maximise:
        return ""
    most, per = (x, y) if x.maximise else (y, x)
    return f"the most {most.label} for their {per.label}; "


def _goal(goal: Objective) -> str:
    return "maximised" if goal.maximise else "minimised"


def _distinct(values: Any) -> list[Any]:
    found: list[Any] = []
    for value in values:
        if not any(type(value) is type(other) and value == other for other in found):
            found.append(value)
    return found


def _argument(value: Any) -> str:
    """A swept value as a table shows it: as written in source, strings unquoted."""
    return value if isinstance(value, str) else format_argument(value)


def _cell(name: str, value: int | float | None) -> str:
    if value is None:
        return ""
    if name in ESTIMATED:  # seconds as ms, joules as mJ
        return significant(value * 1000, 4)
    return f"{value:,}"


def _error(row: SweepRow) -> str:
    assert row.error is not None
    where = f" ({row.error.span.location()})" if row.error.span is not None else ""
    return f"error[{row.error.code}]: {row.error.message}{where}"


def render_sweep_text(rows: Sequence[SweepRow], x: Goal, y: Goal, *, sort: Goal | None = None,
                      dtype: str = "fp32", batch: int = 1, memory_model: str = "naive",
                      source: str | None = None, width: int = DEFAULT_WIDTH) -> str:
    """A table, one line per variant, ``*`` marking the Pareto set, then a legend.

    ``width`` is where the legend and notes wrap (at least :data:`MIN_WIDTH` columns: a
    narrower width wraps there).
    """
    sweep = Sweep(rows, x, y, sort, dtype, batch, memory_model, source)
    header = ["*", *sweep.columns, *(HEADINGS[name] for name in sweep.figures)]
    cells = [["*" if row.pareto else "", *(_argument(row.arguments[n]) for n in sweep.names),
              *(_cell(name, row.figure(name)) for name in sweep.figures)]
             for row in sweep.rows]
    widths = [max([len(header[i]), *(len(row[i]) for row in cells)])
              for i in range(len(header))]
    lead = 1 + len(sweep.names)  # the mark and the arguments: a failed row's error follows

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if i else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=False))).rstrip()

    lines = [sweep.title(), "", line(header), line(["-" * w for w in widths])]
    for row, values in zip(sweep.rows, cells, strict=True):
        if row.ok:
            lines.append(line(values))
        else:
            lines.append(line(values[:lead]) + "  " + _error(row))
    lines.append("")
    wrap = max(MIN_WIDTH, width)
    lines += textwrap.wrap(sweep.legend(), wrap, subsequent_indent="  ",
                           break_on_hyphens=False)
    lines += textwrap.wrap(sweep.notes(), wrap, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


def render_sweep_markdown(rows: Sequence[SweepRow], x: Goal, y: Goal, *,
                          sort: Goal | None = None, dtype: str = "fp32", batch: int = 1,
                          memory_model: str = "naive", source: str | None = None) -> str:
    """A Markdown table (``*`` in the first column marks the Pareto set), then the legend.

    The last column, ``error``, is there only when some variant failed: it holds that
    variant's error in place of its figures.
    """
    sweep = Sweep(rows, x, y, sort, dtype, batch, memory_model, source)
    failed = not all(row.ok for row in sweep.rows)
    header = ["", *sweep.columns, *(HEADINGS[name] for name in sweep.figures),
              *(["error"] if failed else [])]
    align = ["---", *(["---:"] * (len(header) - 1 - failed)), *(["---"] if failed else [])]
    lines = [f"### {_md(sweep.title())}", "", "| " + " | ".join(header) + " |",
             "| " + " | ".join(align) + " |"]
    for row in sweep.rows:
        values = ["\\*" if row.pareto else "",
                  *(_argument(row.arguments[n]) for n in sweep.names),
                  *(_cell(name, row.figure(name)) for name in sweep.figures),
                  *([] if not failed else [""] if row.ok else [_error(row)])]
        lines.append("| " + " | ".join(_md(v) if i else v for i, v in enumerate(values)) + " |")
    lines += ["", _md(sweep.legend()).replace("*", "\\*", 1), "", _md(sweep.notes())]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_sweep_csv(rows: Sequence[SweepRow], x: Goal, y: Goal, *, sort: Goal | None = None,
                     dtype: str = "fp32", batch: int = 1, memory_model: str = "naive",
                     source: str | None = None) -> str:
    """One CSV line per variant: ``index``, the swept parameters (``arg.NAME`` for one named
    like another column), ``pareto`` (true/false), each figure (``latency_seconds`` and
    ``energy_joules`` with an estimate) and ``error``."""
    sweep = Sweep(rows, x, y, sort, dtype, batch, memory_model, source)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", *sweep.columns, "pareto", *(KEYS[n] for n in sweep.figures),
                     "error"])
    for row in sweep.rows:
        figures = [row.figure(name) for name in sweep.figures]
        writer.writerow([row.index, *(_argument(row.arguments[n]) for n in sweep.names),
                         "true" if row.pareto else "false",
                         *("" if v is None else repr(v) if isinstance(v, float) else v
                           for v in figures),
                         "" if row.ok else row.error.one_line()])  # type: ignore[union-attr]
    return out.getvalue()


def sweep_record(rows: Sequence[SweepRow], x: Goal, y: Goal, *, sort: Goal | None = None,
                 dtype: str = "fp32", batch: int = 1, memory_model: str = "naive",
                 source: str | None = None) -> dict[str, Any]:
    """The JSON document as data (schema ``netdsl.sweep/1``; docs/cli.md)."""
    sweep = Sweep(rows, x, y, sort, dtype, batch, memory_model, source)
    return {
        "schema": SCHEMA,
        "network": sweep.network,
        "source": source,
        "grid": {name: [_json(v) for v in values] for name, values in sweep.grid.items()},
        "conventions": {"dtype": dtype, "batch": batch, "memory_model": memory_model,
                        "device": sweep.device},
        "pareto": {"x": KEYS[sweep.x.figure], "x_goal": sweep.x.goal,
                   "y": KEYS[sweep.y.figure], "y_goal": sweep.y.goal, "count": sweep.optimal},
        "sort": None if sweep.sort is None else KEYS[sweep.sort.figure],
        "sort_order": None if sweep.sort is None else
        "descending" if sweep.sort.maximise else "ascending",
        "variants": [{
            "index": row.index,
            "arguments": {name: _json(value) for name, value in row.arguments.items()},
            "pareto": row.pareto,
            "figures": {KEYS[name]: row.figure(name) for name in sweep.figures}
            if row.ok else None,
            "error": None if row.error is None else row.error.to_dict(),
        } for row in sweep.rows],
    }


def _json(value: Any) -> Any:
    return [_json(v) for v in value] if isinstance(value, tuple) else value


def render_sweep_json(rows: Sequence[SweepRow], x: Goal, y: Goal, **options: Any) -> str:
    """:func:`sweep_record` as indented JSON (options as for it)."""
    return json.dumps(sweep_record(rows, x, y, **options), indent=2) + "\n"


#: The renderer of each report format.
RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_sweep_text,
    "json": render_sweep_json,
    "csv": render_sweep_csv,
    "markdown": render_sweep_markdown,
}

__all__ = ["DEFAULT_WIDTH", "HEADINGS", "KEYS", "MIN_WIDTH", "RENDERERS", "SCHEMA", "Goal",
           "directions", "optimal_count", "passes_note", "render_sweep_csv", "render_sweep_json",
           "render_sweep_markdown", "render_sweep_text", "sweep_record", "trade_off"]
