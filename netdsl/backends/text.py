"""The terminal report: a per-layer table, the totals and the conventions.

A pure function of the compile result and the terminal width. At 120 columns
and more, figures are exact with thousands separators and the fused layers
are listed; narrower, figures are compact (``10.8M``) and long names are cut
from the left. Totals are always exact.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from netdsl.backends import rollup
from netdsl.backends.common import (
    CONVENTIONS,
    commas,
    compact,
    diagnostic_location,
    estimate_summary,
    human_bytes,
    intensity_text,
    milliseconds,
    shape_text,
    significant,
    title,
    totals_rows,
)
from netdsl.backends.formats import DEFAULT_VIEW, View
from netdsl.backends.rollup import Row
from netdsl.ir.graph import Graph, GraphCost

if TYPE_CHECKING:
    from netdsl.diagnostics import Diagnostic
    from netdsl.driver import CompileResult

WIDE = 120


def share_text(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole``: one decimal below 10%, whole percents from 10%;
    empty when either is 0.

    Rounded to one decimal before the precision is chosen, so 9.96% (which
    rounds to 10.0) is ``10``, as every share from 10% is written.
    """
    if not whole or not part:
        return ""
    share = 100 * part / whole
    return f"{share:.1f}" if round(share, 1) < 10 else f"{share:.0f}"


Column = tuple[str, str, Callable[[Row], str]]


def _columns(graph: Graph, exact: bool, full: bool, rolled: bool) -> list[Column]:
    """(header, alignment, getter) for every column but the name.

    ``exact`` prints figures with thousands separators (else ``10.8M``); ``full``
    adds the energy and absorbed-layers columns; ``rolled`` the count of layers
    in each row (a roll-up).
    """
    number = commas if exact else compact
    totals = graph.cost
    assert totals is not None
    columns: list[Column] = [("op", "<", lambda r: r.op)]
    if rolled:
        columns.append(("layers", ">", lambda r: str(r.layers) if r.block else ""))
    columns += [
        ("output", "<", lambda r: shape_text(r.shape)),
        ("params", ">", lambda r: number(r.cost.params.total)),
        ("MACCs", ">", lambda r: number(r.cost.maccs)),
        ("mem.acc.", ">", lambda r: number(r.cost.memory.total)),
        ("%MACC", ">", lambda r: share_text(r.cost.maccs, totals.maccs)),
        ("%mem", ">", lambda r: share_text(r.cost.memory.total, totals.memory.total)),
    ]
    if totals.estimate is not None:
        seconds = totals.estimate.seconds
        columns += [
            ("MACC/B", ">", lambda r: intensity_text(r.cost.estimate)),
            ("bound", "<", lambda r: r.cost.estimate.bound if r.cost.estimate.seconds else ""),
            ("est.ms", ">", lambda r: milliseconds(r.cost.estimate.seconds)
             if r.cost.estimate.seconds else ""),
            ("%time", ">", lambda r: share_text(r.cost.estimate.seconds, seconds)),
        ]
        if full:
            columns.append(("uJ", ">", lambda r: significant(r.cost.estimate.energy_joules * 1e6)
                            if r.cost.estimate.energy_joules else ""))
    if full:
        columns.append(("absorbed", "<", rollup.absorbed_text))
    return columns


def estimate_lines(graph: Graph, width: int, count: int = 5) -> list[str]:
    """The network on the device: latency, throughput, energy, what bounds the time."""
    estimate = graph.cost.estimate
    assert estimate is not None
    lines = [f"Estimated on {estimate.title} ({estimate.device}; {estimate.dtype}, "
             f"{estimate.memory_model} traffic)"]
    label_width = max(len(label) for label, _ in estimate_summary(estimate))
    lines += [f"  {label:<{label_width}}  {value}" for label, value in estimate_summary(estimate)]
    slowest = sorted((n for n in graph.nodes if n.cost.estimate.seconds),
                     key=lambda n: -n.cost.estimate.seconds)[:count]
    # One precision for the list (0.5010 beside 0.4928, not 0.501): trailing zeros kept.
    lines += _wrap(f"  {'slowest':<{label_width}}  " + ", ".join(
        f"{n.name} {significant(n.cost.estimate.seconds * 1000, 4)} ms "
        f"({n.cost.estimate.bound})" for n in slowest), width, " " * (label_width + 4))
    lines += _wrap("  Roofline: each layer takes max(FLOPs / 2 / peak MACC rate, bytes moved / "
                   "bandwidth) + the per-layer overhead; an estimate from published device "
                   "figures, not a measurement (docs/latency.md).", width, "    ")
    return lines


def _fit(name: str, width: int) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


#: Names are cut from the left (``…ir3/expand``) to this many characters, no fewer, before
#: a table gives up a layout for a narrower one.
MIN_NAME = 24
#: The layouts tried in order until one fits the width: (exact figures, energy and
#: absorbed columns).
LAYOUTS = ((True, True), (True, False), (False, True), (False, False))


def layer_table(graph: Graph, width: int = WIDE, rows: Sequence[Row] | None = None) -> list[str]:
    """The per-layer table, one line per row, in the richest layout that fits ``width``.

    Layouts go from exact figures with every column to compact figures with
    the essential ones; names longer than the room left are cut from the
    left. When even the narrowest layout does not fit, it is printed anyway
    (names cut to 12 characters) and the rule is as wide as the table.
    """
    rows = list(rows) if rows is not None else list(_rollup(graph))
    rolled = rollup.rolled(rows)
    longest = max([len("layer"), *(len(row.name) for row in rows)])
    for exact, full in LAYOUTS:
        columns = _columns(graph, exact, full, rolled)
        cells = [[get(row) for _, _, get in columns] for row in rows]
        widths = [max([len(h), *(len(cells_of[i]) for cells_of in cells)])
                  for i, (h, _, _) in enumerate(columns)]
        if full:  # the absorbed column is last and may be empty
            widths[-1] = max(widths[-1], 8)
        fixed = sum(widths) + 2 * len(columns)
        if fixed + max(12, min(longest, MIN_NAME)) <= width:
            break
    name_width = max(12, min(longest, width - fixed))

    def line(name: str, values: list[str]) -> str:
        parts = [f"{_fit(name, name_width):<{name_width}}"]
        for (_, align, _), w, value in zip(columns, widths, values, strict=True):
            parts.append(f"{value:{align}{w}}")
        return "  ".join(parts).rstrip()

    header = line("layer", [h for h, _, _ in columns])
    body = [line(row.name, values) for row, values in zip(rows, cells, strict=True)]
    rule = "-" * max(len(text) for text in (header, *body))
    return [header, rule, *body, rule]


def _rollup(graph: Graph, view: View = DEFAULT_VIEW) -> list[Row]:
    return rollup.rows(graph, view.depth, view.expand)


def saved_ratio(after: int, before: int) -> str:
    if before == after:
        return ""
    if not after:
        return "all"
    if not before:
        return "new"
    return f"{before / after:.2f}x fewer" if after < before else f"{after / before:.2f}x more"


def totals_table(after: GraphCost, before: GraphCost | None) -> list[str]:
    """Totals, side by side with the unoptimised figures when they differ."""
    rows = totals_rows(after, before)
    label_width = max(len(r[0]) for r in rows)
    show_before = before is not None and before != after
    value_width = max(len(commas(v)) for r in rows for v in r[1:])
    if show_before:
        head = (f"{'':<{label_width}}  {'before passes':>{value_width}}  "
                f"{'after passes':>{value_width}}  saved")
        lines = ["Totals", head]
        for label, b, a in rows:
            lines.append(f"{label:<{label_width}}  {commas(b):>{value_width}}  "
                         f"{commas(a):>{value_width}}  {saved_ratio(a, b)}".rstrip())
    else:
        lines = ["Totals"]
        lines += [f"{label:<{label_width}}  {commas(a):>{value_width}}" for label, _, a in rows]
    lines.append(f"{'model size (' + after.dtype + ')':<{label_width}}  "
                 f"{commas(after.model_bytes):>{value_width}} bytes = "
                 f"{human_bytes(after.model_bytes)}")
    lines.append(f"{'peak activation memory':<{label_width}}  "
                 f"{commas(after.peak_bytes):>{value_width}} bytes = "
                 f"{human_bytes(after.peak_bytes)}")
    return lines


def _wrap(text: str, width: int, indent: str = "    ") -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False)


def largest(graph: Graph, width: int, count: int = rollup.LARGEST,
            rows: Sequence[Row] | None = None) -> list[str]:
    """The layers (or rolled-up blocks) that dominate compute and memory traffic, each list
    :func:`netdsl.backends.rollup.top` (``none`` when no row has any)."""
    rows = list(rows) if rows is not None else _rollup(graph)
    totals = graph.cost
    assert totals is not None
    lists = [(label, key, total, rollup.top(rows, key, count)) for label, key, total in (
        ("by MACCs", rollup.maccs_of, totals.maccs),
        ("by memory accesses", rollup.memory_of, totals.memory.total))]
    listed = [row for *_, chosen in lists for row in chosen]
    blocks = sum(bool(row.block) for row in listed)
    # Named after what is listed: a roll-up keeps the layers outside any block as rows.
    heading = ("Largest layers" if not blocks else "Largest blocks" if blocks == len(listed)
               else "Largest blocks and layers")
    lines = [heading]
    for label, key, total, chosen in lists:
        names = ", ".join(f"{row.name} ({share_text(key(row), total)}%)" for row in chosen)
        lines += _wrap(f"  {label}: {names or 'none'}", width)
    return lines


def conventions(cost: GraphCost, passes: tuple[str, ...], width: int) -> list[str]:
    memory = CONVENTIONS[f"memory_{cost.memory_model}"]
    size = "0.5" if cost.dtype == "int4" else str(cost.bytes(1))
    paragraphs = [
        f"  MACCs: {CONVENTIONS['maccs']}.",
        f"  FLOPs: {CONVENTIONS['flops']}.",
        f"  Parameters: {CONVENTIONS['params']}.",
        f"  Memory accesses ({cost.memory_model} model): {memory}; counted in elements "
        f"(x {size} bytes for {cost.dtype}).",
        f"  {CONVENTIONS['addressing'][0].upper()}{CONVENTIONS['addressing'][1:]}.",
        f"  Absorbed: {CONVENTIONS['absorbed']}.",
        f"  Batch size {cost.batch}; dtype {cost.dtype}; passes: {', '.join(passes)}.",
    ]
    return ["Conventions", *(line for p in paragraphs for line in _wrap(p, width))]


def _change(before: int, after: int) -> str:
    """``-25,584,864 (-6.7%, 1.07x fewer)``."""
    delta = after - before
    if not delta:
        return "unchanged"
    share = f"{100 * delta / before:+.1f}%" if before else "new"
    return f"{delta:+,} ({share}, {saved_ratio(after, before)})"


def savings(result: CompileResult, width: int, max_notes: int = 8) -> list[str]:
    """What the optimisation passes did: layers absorbed, figures saved, and why not more."""
    graph = result.graph
    after, before = result.totals, result.totals_unoptimized
    absorbed = [a for n in graph.nodes for a in n.fused]
    folded = sum(a.how == "folded" for a in absorbed)
    lines = ["What the passes saved"]
    written = len(result.elaborated)  # the baseline's passes keep every layer
    lines += _wrap(f"  layers            {written} -> {len(graph)}: {folded} batch norms "
                   f"folded, {len(absorbed) - folded} layers fused", width, " " * 20)
    for label, b, a in (
        ("parameters", before.params.total, after.params.total),
        ("memory accesses", before.memory.total, after.memory.total),
        ("FLOPs", before.flops, after.flops),
        ("peak activations", before.peak_activations, after.peak_activations),
    ):
        # Peak activations are elements; the bytes are the totals' peak activation memory.
        unit = " elements" if label == "peak activations" else ""
        lines += _wrap(f"  {label:<16}  {commas(b)} -> {commas(a)}{unit}: {_change(b, a)}",
                       width, " " * 20)
    notes = [(run.name, d) for run in result.runs for d in run.diagnostics]
    if notes:
        # Refusals for the same reason ("'x' not folded: <reason>") are listed once.
        groups: dict[tuple[str, str], list[Diagnostic]] = {}
        for name, diagnostic in notes:
            reason = diagnostic.message.partition(": ")[2]
            groups.setdefault((name, reason), []).append(diagnostic)
        lines.append(f"  not applied ({len(notes)}):")
        for (name, _), same in list(groups.items())[:max_notes]:
            first = same[0]
            location = diagnostic_location(first)  # the user's line, not std.net's
            where = f" ({location})" if location else ""
            lines += _wrap(f"    {name}: {first.message}{where}", width, " " * 6)
            if len(same) > 1:
                lines.append(f"      and {len(same) - 1} more for the same reason "
                             "(each in --format json)")
        if len(groups) > max_notes:
            lines.append(f"    ... and {len(groups) - max_notes} more (all in --format json)")
    return lines


def render(result: CompileResult, view: View = DEFAULT_VIEW) -> str:
    """The whole terminal report: the table (rolled up to ``view.depth``), totals, estimate,
    largest layers, conventions and savings; with ``view.summary``, no table nor
    conventions."""
    graph = result.graph
    assert graph.cost is not None
    width = view.width
    rows = _rollup(graph, view)
    lines = [title(result), ""]
    if not view.summary:
        lines += layer_table(graph, width, rows)
        lines.append("")
    lines += totals_table(graph.cost, result.totals_unoptimized)
    if graph.cost.estimate is not None:
        lines.append("")
        lines += estimate_lines(graph, width)
    lines.append("")
    lines += largest(graph, width, rows=rows)
    if not view.summary:
        lines.append("")
        lines += conventions(graph.cost, result.options.passes, width)
    if set(result.options.passes) - {"infer-shapes", "annotate-cost"}:  # some optimisation ran
        lines.append("")
        lines += savings(result, width)
    return "\n".join(lines) + "\n"

