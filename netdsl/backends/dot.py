"""The Graphviz backend: the annotated graph as DOT text.

:func:`render_dot` is a pure function of an annotated graph and the drawing
options; it returns the text of a DOT digraph and needs neither Graphviz nor
the ``graphviz`` package (:mod:`netdsl.backends.render` turns the text into
SVG, PNG or PDF).

What is drawn:

* one box per layer as the deployed model runs it (a convolution that
  absorbed its batch norm and activation is one box that lists them), with its
  name, op and key hyper-parameters, output shape and non-zero figures
  (parameters, MACCs, memory accesses);
* one edge per tensor a layer reads, labelled with the tensor's shape;
* a cluster per block instance (``stage2/ir1``, an ``inverted_residual``),
  nested as the blocks were, each box named relative to its cluster; a cluster
  holding a single box is left out, as is one that only wraps another;
* with ``collapse=DEPTH``, block instances nested deeper than ``DEPTH`` levels
  are drawn as one box with their summed figures (``collapse=0``: every
  top-level instance is a box), except instances matched by ``expand``;
* fills shaded by one figure on a perceptually even colour map, the distinct
  values of the boxes drawn placed by rank (:class:`~netdsl.backends.palette.RankScale`),
  explained by a legend under the title;
* when the ``estimate-latency`` pass ran (``--device``), each box's estimated
  time and what bounds it, the whole estimate in its tooltip, and two more
  colourings: by estimated time (ranked the same way) and by bound (categories).

Names and labels are escaped for DOT strings and HTML-like labels, so any
layer name is drawn as written.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import attrs

from netdsl.backends import rollup
from netdsl.backends.common import (
    Unit,
    call_chain,
    commas,
    compact,
    human_bytes,
    instance_location,
    milliseconds,
    shape_text,
    three_digits,
    user_location,
    with_unit,
)
from netdsl.backends.palette import BOUND, ZERO, RankScale, colour_at, text_colour
from netdsl.backends.rollup import Row
from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, LayerCost, Node
from netdsl.ir.ops import (
    AdaptivePool,
    Conv,
    ConvTranspose,
    Dense,
    Dropout,
    Linear,
    MultiHeadAttention,
    Pool,
    Upsample,
    ZeroPad,
    op_name,
)
from netdsl.ir.printer import format_argument

#: What ``color_by`` may name: the label of the figure and how to read it from a cost.
METRICS: dict[str, tuple[str, Callable[[LayerCost], int]]] = {
    "maccs": ("MACCs", lambda c: c.maccs),
    "memory": ("memory accesses", lambda c: c.memory.total),
    "params": ("parameters", lambda c: c.params.total),
}
#: Colourings by the estimate on a device: they need the ``estimate-latency`` pass.
ESTIMATED = ("latency", "bound")
COLOR_BY = (*METRICS, *ESTIMATED, "none")
#: Graphviz's names for the directions: top-down, left-right and their reverses.
RANKDIRS = ("TB", "LR", "BT", "RL")

FONT = "Helvetica,Arial,sans-serif"


def quote(text: str) -> str:
    """A DOT double-quoted string that Graphviz reads back as ``text``.

    Backslashes are doubled as well as quotes escaped: in labels and tooltips
    Graphviz gives ``\\N``, ``\\G``, ``\\n`` and friends a meaning of their own.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "") + '"'


def quote_text(text: str) -> str:
    """A DOT string for text Graphviz displays (a tooltip, an edge label).

    Graphviz decodes ``&name;`` entities in such text, so ``&`` is written as
    ``&amp;`` to come out as written.
    """
    return quote(text.replace("&", "&amp;"))


def _html(text: str) -> str:
    """Text for an HTML-like label: markup characters as entities, backslashes doubled.

    Graphviz expands ``\\N`` (the node's name) and the like even in HTML-like labels.
    """
    return html.escape(text, quote=True).replace("\\", "\\\\")


@attrs.define
class _Cluster:
    path: str
    block: str
    items: list[_Cluster | Row] = attrs.Factory(list)

    def size(self) -> int:
        return sum(item.size() if isinstance(item, _Cluster) else 1 for item in self.items)

    def units(self) -> Iterable[Row]:
        for item in self.items:
            if isinstance(item, _Cluster):
                yield from item.units()
            else:
                yield item


def _cluster_tree(units: list[Row]) -> _Cluster:
    root = _Cluster("", "")
    index: dict[str, _Cluster] = {}
    for unit in units:
        parent = root
        for path, block in unit.clusters:
            cluster = index.get(path)
            if cluster is None:
                cluster = index[path] = _Cluster(path, block)
                parent.items.append(cluster)
            parent = cluster
        parent.items.append(unit)
    return root


def _relative(name: str, base: str) -> str:
    return name[len(base) + 1:] if base and name.startswith(base + "/") else name


def _pair(pair: tuple[int, int], joiner: str = "x") -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}{joiner}{pair[1]}"


def describe(graph: Graph, node: Node) -> str:
    """The op and its key hyper-parameters: ``conv 3x3 stride 2 · 32 ch``."""
    name = graph.display_op(node)
    match node.op:
        case Conv(channels=channels, kernel=kernel, stride=stride, dilation=dilation,
                  groups=groups):
            parts = [name, f"{kernel[0]}x{kernel[1]}"]
            if stride != (1, 1):
                parts.append(f"stride {_pair(stride)}")
            if dilation != (1, 1):
                parts.append(f"dilation {_pair(dilation)}")
            text = " ".join(parts) + f" · {channels} ch"
            return text + (f" · {groups} groups" if groups > 1 and name == "conv" else "")
        case Pool(kernel=kernel, stride=stride):
            text = f"{name} {kernel[0]}x{kernel[1]}"
            return text + (f" stride {_pair(stride)}" if stride != (1, 1) else "")
        case ConvTranspose(channels=channels, kernel=kernel, stride=stride):
            strided = f" stride {_pair(stride)}" if stride != (1, 1) else ""
            return f"convT {kernel[0]}x{kernel[1]}{strided} · {channels} ch"
        case Dense(units=units) | Linear(units=units):
            return f"{name} · {units} units"
        case MultiHeadAttention(heads=heads):
            return f"mha · {heads} heads"
        case AdaptivePool(size=size):
            return f"{name} to {size[0]}x{size[1]}"
        case ZeroPad(sides=sides):
            return f"zeropad {list(sides)}"
        case Upsample(factor=factor, mode=mode):
            return f"upsample x{_pair(factor)} {mode}"
        case Dropout(rate=rate):
            return f"dropout {rate}"
        case _:
            return name


def _figures(cost: LayerCost) -> str:
    figures = (("params", cost.params.total), ("MACCs", cost.maccs),
               ("mem.acc.", cost.memory.total))
    return " · ".join(f"{label} {compact(value)}" for label, value in figures if value)


def _small(text: str) -> str:
    return f'<font point-size="8">{text}</font>'


#: The units of :func:`duration`: each from a tenth of itself (0.23 ms, not 230 µs).
TIME_UNITS: tuple[Unit, ...] = tuple(
    (Decimal(10) ** e / 10 if s != " ns" else Decimal(0), Decimal(10) ** e, s)
    for e, s in ((0, " s"), (-3, " ms"), (-6, " µs"), (-9, " ns")))


def duration(seconds: float) -> str:
    """``0.23 ms``, ``48.5 µs``: a time to two or three digits, in a unit that keeps it short.

    Rounded half up; a time that rounds up to the next digit count or unit is
    shown in it (99.96 µs is ``0.10 ms``, 9.996 µs ``10.0 µs``).
    """
    if seconds <= 0:
        return "0"
    return with_unit(seconds, TIME_UNITS, three_digits)


def _estimate_line(unit: Row) -> str | None:
    """``0.23 ms, memory``: the box's estimated time and bound, when it has one and runs."""
    estimate = unit.estimate
    if estimate is None or not estimate.seconds:
        return None
    return f"{duration(estimate.seconds)}, {unit.bound}"


def _node_label(graph: Graph, unit: Row, base: str) -> str:
    if unit.block is None:
        node = unit.nodes[0]
        name, description = _relative(node.name, base), describe(graph, node)
        lines = [f"<b>{_html(name)}</b>"]
        if description != name.rsplit("/", 1)[-1]:  # not for `add`, `gap`, `softmax`...
            lines.append(_html(description))
        if node.fused:
            absorbed = ", ".join(f"{op_name(a.op)} {a.how}" for a in node.fused)
            lines.append(_small(_html(f"+ {absorbed}")))
        shape = node.shape
    else:
        path, block = unit.block
        absorbed = sum(len(n.fused) for n in unit.nodes)
        count = f"{len(unit.nodes)} layers" + (f" + {absorbed} absorbed" if absorbed else "")
        lines = [f"<b>{_html(_relative(path, base))}</b>", _html(f"{block} · {count}")]
        shape = unit.nodes[-1].shape
    lines.append(_html(shape_text(shape)))
    figures = _figures(unit.cost)
    if figures:
        lines.append(_small(_html(figures)))
    estimated = _estimate_line(unit)
    if estimated:
        lines.append(_small(_html(estimated)))
    return "<" + "<br/>".join(lines) + ">"


def _tooltip(unit: Row) -> str:
    """A box's full name and where the user wrote it, then its estimate if any.

    A layer gives its user's line (:func:`user_location`), then, when blocks
    built it, its whole call chain after "via", from the network's body down to
    its own line; a collapsed block gives the user's line of its call.
    """
    if unit.block is not None:
        path, block = unit.block
        where = instance_location(unit.nodes[0], len(unit.clusters))
        called = f" at {where}" if where else ""
        text = f"{path} ({block}{called}): " + ", ".join(n.name for n in unit.nodes)
    else:
        node = unit.nodes[0]
        where = user_location(node)
        text = node.name + (f" ({where})" if where else "")
        chain = call_chain(node)
        if len(chain) > 1:
            text += "\nvia " + " → ".join(chain)
    if unit.estimate is not None:
        text += "\n" + _estimate_tooltip(unit)
    return text


def _estimate_tooltip(unit: Row) -> str:
    """The whole estimate of a box, on two or three lines."""
    e = unit.estimate
    assert e is not None
    if not e.seconds:
        return "estimated: does not run (nothing computed, nothing moved)"
    if unit.block is None:
        head = f"estimated {milliseconds(e.seconds)} ms, {e.bound} bound"
    else:
        slowest = unit.slowest
        head = (f"estimated {milliseconds(e.seconds)} ms in all; slowest layer "
                f"{slowest.name}, {milliseconds(slowest.cost.estimate.seconds)} ms, "
                f"{unit.bound} bound")
    terms = (f"compute {milliseconds(e.compute_seconds)} ms, memory "
             f"{milliseconds(e.memory_seconds)} ms, overhead "
             f"{milliseconds(e.overhead_seconds)} ms")
    onchip = {node.cost.estimate.onchip for node in unit.nodes if node.cost.estimate.seconds}
    where = {frozenset({True}): "on-chip memory", frozenset({False}): "DRAM"}.get(
        frozenset(onchip), "DRAM and on-chip memory")
    intensity = "" if e.intensity is None else f", {e.intensity:.3g} MACCs per byte"
    moved = (f"{human_bytes(round(e.bytes_moved))} moved from {where}{intensity}; "
             f"energy {e.energy_joules * 1e6:.3g} µJ")
    return "\n".join((head, terms, moved))


def _cluster_label(cluster: _Cluster, base: str, metric: str) -> str:
    name = _relative(cluster.path, base)
    text = name if name.rsplit("/", 1)[-1] == cluster.block else f"{name} · {cluster.block}"
    if metric in ESTIMATED:  # the frame's estimated time
        seconds = sum(unit.estimate.seconds for unit in cluster.units())
        figure = duration(seconds) if seconds else ""
    else:
        label, read = METRICS[metric]
        total = sum(read(unit.cost) for unit in cluster.units())
        figure = f"{compact(total)} {label}" if total else ""
    return f"<<b>{_html(text)}</b>" + (f"  {_small(_html(figure))}" if figure else "") + ">"


def _graph_label(graph: Graph, color_by: str, scale: RankScale) -> str:
    cost = graph.cost
    assert cost is not None, "annotate-cost did not run"
    arguments = ", ".join(f"{k}={format_argument(v)}" for k, v in graph.arguments)
    totals = (f"params {commas(cost.params.total)} · MACCs {commas(cost.maccs)} · "
              f"memory accesses {commas(cost.memory.total)} · peak activations "
              f"{commas(cost.peak_activations)} elements · model {human_bytes(cost.model_bytes)} "
              f"({cost.dtype})")
    rows = [f"<b>{_html(f'{graph.name}({arguments})')}</b>", _html(totals)]
    if cost.estimate is not None:
        e = cost.estimate
        shares = ", ".join(f"{bound} {100 * share:.0f}%" for bound, share in e.shares
                           if share >= 0.0005)
        rows.append(_html(f"estimated on {e.title} ({e.device}; {e.dtype}, {e.memory_model} "
                          "traffic; a roofline, not a measurement):"))
        rows.append(_html(
            f"{milliseconds(e.seconds)} ms per batch of {e.batch} · {e.fps:,.1f} examples/s"
            f" · {e.energy_joules * 1000:.4g} mJ per batch"
            + (f" · time in layers bound by {shares}" if shares else "")))
    legend = ""
    if color_by == "bound":
        rows.append(_html("fill: what bounds each box's estimated time (a collapsed block: "
                          "its slowest layer)"))
        cells = [_swatch(fill, bound) for bound, fill in BOUND.items()]
    elif color_by != "none":
        label = "estimated time" if color_by == "latency" else METRICS[color_by][0]
        rows.append(_html(f"fill: {label} per box, {_scale_text(scale, _shown(color_by))}"))
        steps = scale.steps()
        if scale:  # the swatches below: the white "0" is not one of the steps counted
            rows.append(_html(_swatches_text(len(scale), len(steps))))
        cells = [_swatch(ZERO, "0")]
        cells += [_swatch(colour_at(t), _step_text(step, _shown(color_by)))
                  for step, t in steps]
    if color_by != "none":
        legend = ('<tr><td align="left"><table border="0" cellspacing="2" cellpadding="3">'
                  f"<tr>{''.join(cells)}</tr></table></td></tr>")
    body = "".join(f'<tr><td align="left">{row}</td></tr>' for row in rows)
    return f'<<table border="0" cellspacing="0" cellpadding="1">{body}{legend}</table>>'


def _shown(color_by: str) -> Callable[[float], str]:
    """How a box's label prints the figure ``color_by`` shades by."""
    return duration if color_by == "latency" else lambda value: compact(round(value))


def _step_text(step: tuple[float, float], shown: Callable[[float], str]) -> str:
    """A legend swatch's text: the step's value, or its range when it holds several
    (``218–231M``, ``0.40–0.41 ms``: a unit both ends share is written once)."""
    low, high = shown(step[0]), shown(step[1])
    if low == high:
        return low
    unit = high.lstrip("-0123456789.")
    if unit and low.endswith(unit):
        low = low[:-len(unit)]
    return f"{low}–{high}"


def _scale_text(scale: RankScale, shown: Callable[[float], str]) -> str:
    """What the legend says about the scale: that it ranks, how many steps, its range."""
    if not scale:
        return "every box 0"
    if len(scale) == 1:
        return f"one step, {_step_text(scale.levels[0], shown)}"
    # Steps, not values: values within the tolerance share a step (and a swatch).
    return (f"by rank: {len(scale)} steps, {shown(scale.low)} to {shown(scale.high)}, "
            f"at even steps of colour (not in proportion; values within "
            f"{scale.tolerance:.0%} of each other share a step)")


def _swatches_text(count: int, drawn: int) -> str:
    """What the swatches under the legend are: the white 0 first, which is no step of the
    scale (a box with none of the figure), then every step or ``drawn`` of ``count``; so
    the cells add up to what the legend counts."""
    if count == 1:
        steps = "the one step"
    elif drawn == count:
        steps = f"each of the {count} steps"
    else:
        steps = f"{drawn} of the {count} steps, spread from the cheapest to the dearest"
    return f"swatches: 0 (white: none), then {steps}"


def _swatch(fill: str, text: str) -> str:
    return (f'<td bgcolor="{fill}" border="1" color="#888888" width="48">'
            f'<font color="{text_colour(fill)}" point-size="9">{_html(text)}</font></td>')


def render_dot(
    graph: Graph,
    *,
    color_by: str = "maccs",
    collapse: int | None = None,
    expand: Sequence[str] = (),
    rankdir: str = "TB",
) -> str:
    """The DOT text of an annotated graph (see the module docstring for what is drawn).

    ``color_by`` is one of :data:`COLOR_BY`; ``collapse`` the depth of block
    nesting drawn as clusters (None: every layer is drawn); ``expand`` instance
    paths or shell patterns (``stage3/*``) never collapsed; ``rankdir`` one of
    :data:`RANKDIRS`. Colouring by ``latency`` or ``bound`` needs the estimate
    of the ``estimate-latency`` pass (a device): without it, NetdslError E603.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)}, not {color_by!r}")
    estimated = graph.cost is not None and graph.cost.estimate is not None and all(
        node.cost is not None and node.cost.estimate is not None for node in graph.nodes)
    if color_by in ESTIMATED and not estimated:
        raise error("E603", f"colouring by {color_by} needs each layer's estimated time, and "
                    "this network was not estimated on a device",
                    hint="give --device NAME (from Python: compile_file(..., device=NAME))")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if collapse is not None and collapse < 0:
        raise ValueError(f"collapse must be a depth of 0 or more, not {collapse}")
    units = rollup.rows(graph, None if collapse is None else collapse + 1, expand)
    read: Callable[[Row], float] | None = None
    if color_by == "latency":
        read = lambda u: u.estimate.seconds  # noqa: E731
    elif color_by in METRICS:
        read = lambda u, get=METRICS[color_by][1]: get(u.cost)  # noqa: E731
    scale = RankScale(read(u) for u in units) if read else RankScale(())  # the boxes drawn
    lines = [
        f"digraph {quote(graph.name)} {{",
        f'  graph [rankdir={rankdir}, fontname="{FONT}", fontsize=11, labelloc=t, '
        'labeljust=l, nodesep=0.3, ranksep=0.35, pad=0.2, bgcolor="#ffffff", '
        f"label={_graph_label(graph, color_by, scale)}];",
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=10, '
        'color="#555555", penwidth=0.7, margin="0.12,0.05"];',
        f'  edge [fontname="{FONT}", fontsize=8, fontcolor="#555555", color="#777777", '
        "arrowsize=0.6];",
    ]
    counter = iter(range(len(units)))
    metric = color_by if color_by != "none" else "maccs"

    def fill_of(unit: Row) -> str:
        if color_by == "bound":
            return BOUND[unit.bound]
        return scale.fill(read(unit)) if read else ZERO

    def emit(cluster: _Cluster, base: str, depth: int) -> None:
        indent = "  " * (depth + 1)
        for item in cluster.items:
            if isinstance(item, Row):
                fill = fill_of(item)
                lines.append(
                    f"{indent}{quote(item.id)} [label={_node_label(graph, item, base)}, "
                    f'fillcolor="{fill}", fontcolor="{text_colour(fill)}", '
                    f"tooltip={quote_text(_tooltip(item))}];")
            elif item.size() < 2:  # a box on its own needs no frame
                emit(item, base, depth)
            elif len(item.items) == 1 and isinstance(item.items[0], _Cluster):
                emit(item, base, depth)  # only wraps another cluster: draw the inner one
            else:
                shade = ("#f3f3f6", "#e8e8ee", "#dcdce5")[min(depth, 2)]
                lines.append(f"{indent}subgraph cluster_{next(counter)} {{")
                lines.append(
                    f'{indent}  graph [label={_cluster_label(item, base, metric)}, '
                    f'style="rounded,filled", fillcolor="{shade}", color="#9a9aa8", '
                    f"penwidth=0.7, fontsize=10, "
                    f"tooltip={quote_text(f'{item.path} ({item.block})')}];")
                emit(item, item.path, depth + 1)
                lines.append(f"{indent}}}")

    emit(_cluster_tree(units), "", 0)
    unit_of = {node.name: unit.id for unit in units for node in unit.nodes}
    seen: set[tuple[str, str, str]] = set()
    for node in graph.nodes:
        for source in node.inputs:
            edge = (unit_of[source], unit_of[node.name], source)
            if edge[0] == edge[1] or edge in seen:
                continue
            seen.add(edge)
            lines.append(f"  {quote(edge[0])} -> {quote(edge[1])} "
                         f"[label={quote_text(shape_text(graph[source].shape))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
