"""The sweep chart: every variant at its two figures, and the Pareto front.

One scatter, drawn by matplotlib (the optional ``plot`` extra, imported lazily
through :func:`netdsl.bridge.require`: E901 with the install line without it):
x and y are the two figures of the Pareto set (each minimised, or maximised
when written ``+name``; the title says which), each variant a point labelled
with its swept values (``0.35, 128`` for alpha and size, the order the title
gives), the Pareto-optimal variants highlighted and joined by a line in order
of x: falling to the right when both figures go the same way, rising when a
cost is traded against a figure maximised. An axis is logarithmic when its
figures span a factor of ten or more, so that small and large variants are
both legible. Variants that did not compile are counted in a note and drawn
nowhere, and the title counts the optimal ones of those that compiled ("2 of
the 2 that compiled Pareto-optimal" under "4 variants of ...").

Each label belongs to its variant at a glance: it is placed beside it, or
joined to it by a leader line when nothing is free nearby, and never as near
another variant as its own (:class:`_LabelPlacer`; :attr:`_Chart.labels` keeps
where each went). Variants are drawn over the front's diamonds, so that one at
nearly the figures of an optimal variant still shows.

As for the roofline chart (:mod:`netdsl.backends.roofline`), the figure has its
own Agg canvas, pyplot is never touched, and SVG and PDF output are byte-stable
(fixed hash salt, no date).
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Sequence
from typing import Any, NamedTuple

from netdsl.backends import roofline
from netdsl.backends.roofline import _crosses, _overlap
from netdsl.backends.sweep_report import (
    Goal,
    _argument,
    directions,
    optimal_count,
    trade_off,
)
from netdsl.sweeps import ESTIMATED, Objective, SweepRow, objective, pareto

#: Image formats of :func:`render_sweep_chart`: the roofline chart's.
IMAGE_FORMATS = roofline.IMAGE_FORMATS

#: Colours: variants, and the Pareto front (Okabe and Ito's colour-blind-safe palette).
VARIANT_COLOUR, FRONT_COLOUR = "#0072B2", "#D55E00"

#: Marker areas (points squared) of a variant and of a Pareto-optimal one (a diamond), and the
#: labels' font size in points.
VARIANT_SIZE, FRONT_SIZE, LABEL_SIZE = 36, 52, 7.5

#: How far from its variant's edge a label may be, in points, nearest first: the first two
#: beside it, the others joined to it by a leader line.
LABEL_GAPS = (1.5, 4.0, 10.0, 18.0, 28.0, 42.0)

#: Settings the figure is drawn with, whatever the user's matplotlibrc says: the roofline
#: chart's fonts and byte-stable output, with the sweep's own SVG salt. Labels are placed by
#: their size measured at the figure's resolution, so the image is saved at that resolution
#: too (another one would draw text a little wider or narrower than measured).
STYLE = {**roofline.STYLE, "svg.hashsalt": "netdsl-sweep", "figure.dpi": 110,
         "savefig.dpi": "figure"}

#: Where the lines of the title wrap, in characters: a little narrower than the figure.
TITLE_WIDTH = 92

#: Axis labels, with the unit each figure is drawn in.
AXIS_LABELS = {
    "params": "parameters",
    "maccs": "MACCs",
    "flops": "FLOPs",
    "memory_accesses": "memory accesses (elements)",
    "peak_activation_bytes": "peak activation memory (bytes)",
    "model_bytes": "model size (bytes)",
    "layers": "layers",
    "latency": "estimated latency (ms)",
    "energy": "estimated energy (mJ)",
}


def _matplotlib() -> Any:
    from netdsl.bridge import require

    return require("matplotlib", "the sweep chart")


def sweep_figure(rows: Sequence[SweepRow], x: Goal, y: Goal, *,
                 title: str | None = None) -> Any:
    """The chart of ``rows`` on figures ``x`` and ``y``, a matplotlib ``Figure``.

    ``x`` and ``y`` are minimised, or maximised written ``+name``
    (:func:`netdsl.sweeps.objective`). The Pareto set is computed here
    (:func:`netdsl.sweeps.pareto`), whatever the rows' marks. ``title`` replaces
    the first line of the title (default: the network and how many variants);
    the second states the figures and their directions. E603 for an estimated
    figure (latency, energy) when the sweep had no device; needs matplotlib (E901).
    """
    return _chart(rows, x, y, title).figure


def _chart(rows: Sequence[SweepRow], x: Goal, y: Goal, title: str | None) -> _Chart:
    """The chart drawn: its figure, and where its labels went (``labels``)."""
    matplotlib = _matplotlib()
    x, y = objective(x), objective(y)
    marked = pareto(sorted(rows, key=lambda row: row.index), x, y)
    chart = _Chart(marked, x, y, title)
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        chart.figure = chart.draw()
    return chart


def render_sweep_chart(rows: Sequence[SweepRow], x: Goal, y: Goal, image_format: str = "svg",
                       *, title: str | None = None) -> bytes:
    """The chart of :func:`sweep_figure` as ``svg``, ``png`` or ``pdf`` bytes.

    SVG and PDF carry no date, so the same rows give the same bytes.
    """
    return roofline.save_figure(lambda: sweep_figure(rows, x, y, title=title), image_format,
                                STYLE, "the sweep chart")


def _value(row: SweepRow, name: str) -> float:
    """A figure in the unit it is drawn in: estimates in ms and mJ, counts as they are."""
    value = row.figure(name)
    assert value is not None
    return value * 1000 if name in ESTIMATED else float(value)


def _si(value: float, _position: Any = None) -> str:
    """Tick labels: ``20M``, ``1.5G``, ``300k``, ``0.5``."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:g}{prefix}"
    return f"{value:g}"


class _Chart:
    """One figure: the variants gathered, then drawn and labelled."""

    def __init__(self, rows: list[SweepRow], x: Objective, y: Objective,
                 title: str | None) -> None:
        self.rows = rows
        self.goals = (x, y)
        self.x, self.y = x.figure, y.figure
        self.title = title
        self.points = [row for row in rows if row.ok]
        self.failed = len(rows) - len(self.points)
        self.names = list(rows[0].arguments) if rows else []
        self.figure: Any = None
        #: Each drawn variant's label, in the order of ``points``.
        self.labels: list[Label] = []

    def draw(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(9.5, 6.8), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        figure.suptitle(self._title(), fontsize=12, linespacing=1.5)
        xs = [_value(row, self.x) for row in self.points]
        ys = [_value(row, self.y) for row in self.points]
        self._axes(axes, xs, ys)
        front = sorted((i for i, row in enumerate(self.points) if row.pareto),
                       key=lambda i: (xs[i], ys[i]))
        others = [i for i, row in enumerate(self.points) if not row.pareto]
        # The variants above the front's diamonds, white-rimmed: a variant at nearly the same
        # figures as an optimal one still shows, on top of it.
        axes.scatter([xs[i] for i in others], [ys[i] for i in others], s=VARIANT_SIZE,
                     color=VARIANT_COLOUR, alpha=0.9, edgecolors="white", linewidths=0.6,
                     zorder=6, label="variant")
        axes.plot([xs[i] for i in front], [ys[i] for i in front], "-", color=FRONT_COLOUR,
                  linewidth=1.4, zorder=3, label="Pareto front")
        axes.scatter([xs[i] for i in front], [ys[i] for i in front], s=FRONT_SIZE, marker="D",
                     color=FRONT_COLOUR, edgecolors="white", linewidths=0.7, zorder=5,
                     label="Pareto-optimal variant")
        axes.legend(loc="lower right", frameon=True, framealpha=0.9, edgecolor="#cccccc")
        if self.failed:
            axes.text(0.01, 0.985, f"{self.failed} variant{'s' * (self.failed != 1)} did not "
                      "compile: not drawn", transform=axes.transAxes, ha="left", va="top",
                      fontsize=8.5, color="#444444")
        # Fix the layout now, then place the labels where they overlap nothing.
        figure.draw_without_rendering()
        figure.set_layout_engine("none")
        renderer = figure.canvas.get_renderer()
        scale = figure.dpi / 72
        discs = []
        for i, (px, py) in enumerate(zip(xs, ys, strict=True)):
            cx, cy = axes.transData.transform((px, py))
            size = FRONT_SIZE if self.points[i].pareto else VARIANT_SIZE
            discs.append((float(cx), float(cy), math.sqrt(size) / 2 * scale + 1))
        legend = axes.get_legend().get_window_extent(renderer)
        taken = [(legend.x0, legend.y0, legend.x1, legend.y1)]
        taken += [_box(text.get_window_extent(renderer)) for text in axes.texts]
        placer = _LabelPlacer(_box(axes.get_window_extent(renderer)), discs, taken,
                              self._samples(axes, [(xs[i], ys[i]) for i in front]), scale)
        texts = [", ".join(_argument(value) for value in row.arguments.values())
                 for row in self.points]
        sizes = [_measure(axes, renderer, text) for text in texts]
        self.labels = placer.place(sizes, texts)
        for label in self.labels:
            self._draw_label(axes, label, xs, ys, scale)
        return figure

    def _draw_label(self, axes: Any, label: Label, xs: list[float], ys: list[float],
                    scale: float) -> None:
        """Draw one placed label: its box's lower left corner at its place, in points from
        its variant; with a leader line from the label's anchor to the variant's edge."""
        i = label.index
        cx, cy, radius = label.point
        x0, y0, x1, y1 = label.box
        arrow = None
        if label.leader:
            ax, ay = label.anchor
            arrow = {"arrowstyle": "-", "color": "#777777", "linewidth": 0.6, "shrinkA": 0,
                     "shrinkB": radius / scale, "patchA": None,
                     "relpos": ((ax - x0) / (x1 - x0), (ay - y0) / (y1 - y0))}
        text = axes.annotate(
            label.text, (xs[i], ys[i]), xytext=((x0 - cx) / scale, (y0 - cy) / scale),
            textcoords="offset points", ha="left", va="bottom", fontsize=LABEL_SIZE,
            color=FRONT_COLOUR if self.points[i].pareto else "#222222", zorder=7,
            arrowprops=arrow)
        # Legible over the grid and the front's line, yet hiding nothing.
        text.set_bbox({"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
                       "alpha": 0.75})

    def _title(self) -> str:
        network = next((row.network for row in self.points), None) or "no variant compiled"
        first = self.title or f"{network}: {len(self.rows)} variants of " \
            f"{' x '.join(self.names) or 'nothing'}"
        count = sum(row.pareto for row in self.points)
        labels = f"({', '.join(self.names)})" if len(self.names) > 1 else \
            (self.names[0] if self.names else "")
        x, y = self.goals
        # Of the variants drawn, those that compiled: the first line gives the whole count.
        counted = optimal_count(count, len(self.points), len(self.rows), noun=False)
        clauses = [f"{counted} Pareto-optimal on {directions(x, y)}",
                   trade_off(x, y).removesuffix("; "), f"points labelled {labels}"]
        # The directions make long lines: whole clauses to a line where they fit, never a
        # line cut off at the figure's edge.
        lines = [first, ""]
        for clause in filter(None, clauses):
            if len(lines[-1]) + 2 + len(clause) <= TITLE_WIDTH:
                lines[-1] += "; " * bool(lines[-1]) + clause
            else:
                lines += textwrap.wrap(clause, TITLE_WIDTH, break_on_hyphens=False)
        return "\n".join(filter(None, lines))

    def _axes(self, axes: Any, xs: list[float], ys: list[float]) -> None:
        from matplotlib.ticker import FuncFormatter

        for axis, values, setter in ((axes.xaxis, xs, axes.set_xscale),
                                     (axes.yaxis, ys, axes.set_yscale)):
            positive = [v for v in values if v > 0]
            logarithmic = len(positive) == len(values) and positive and \
                max(positive) / min(positive) >= 10
            setter("log" if logarithmic else "linear")
            axis.set_major_formatter(FuncFormatter(_si))
            if logarithmic:
                axis.set_minor_formatter(FuncFormatter(
                    lambda v, _: _si(v) if round(v / 10 ** math.floor(math.log10(v) + 1e-9))
                    in (2, 5) else ""))
        axes.margins(0.08)
        axes.grid(True, which="major", color="#dddddd", linewidth=0.6)
        axes.grid(True, which="minor", color="#f2f2f2", linewidth=0.4)
        axes.set_axisbelow(True)
        device = next((row.device for row in self.points if row.device), None)
        on = f" on {device}" if device else ""
        axes.set_xlabel(AXIS_LABELS[self.x] + (on if self.x in ESTIMATED else ""))
        axes.set_ylabel(AXIS_LABELS[self.y] + (on if self.y in ESTIMATED else ""))

    def _samples(self, axes: Any, front: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Points every few pixels along the front's line, in display units."""
        samples: list[tuple[float, float]] = []
        ends = [tuple(axes.transData.transform(point)) for point in front]
        for (x0, y0), (x1, y1) in itertools.pairwise(ends):
            steps = max(1, int(math.hypot(x1 - x0, y1 - y0) / 4))
            samples += [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps)
                        for k in range(steps + 1)]
        return samples


class Label(NamedTuple):
    """Where a variant's label went, in display units (pixels from the figure's lower left)."""

    index: int  #: the variant's place among those drawn (that compiled), in the grid's order
    text: str  #: its swept values: ``0.35, 128``
    box: tuple[float, float, float, float]  #: the text's box: x0, y0, x1, y1
    anchor: tuple[float, float]  #: the box's point nearest the variant: a leader starts there
    point: tuple[float, float, float]  #: the variant's centre and radius
    leader: bool  #: whether a line joins the label to its variant (it is not beside it)


class _LabelPlacer:
    """Places each variant's label where it belongs to that variant and to no other.

    Every label is tried around its variant in sixteen directions, at the distances of
    :data:`LABEL_GAPS`: a box slid out along each direction until its nearest edge is that far
    from the variant's rim. What may not happen (a cost that outweighs every other): the box
    leaves the axes, covers a label, the legend, a point or a leader line, or lies as near
    another variant as its own (by their rims and by their centres, so that the nearest point
    is always the right one); a leader passes by another variant, crosses a leader or runs
    through a label. What is merely avoided: distance (a label beside its variant needs no
    leader), the front's line under the text, and a thin margin between the label's distance
    to its own variant and to the next one. The most crowded variants are placed first, while
    the places beside them are free.
    """

    def __init__(self, bounds: tuple[float, float, float, float],
                 discs: list[tuple[float, float, float]], taken: list[tuple],
                 line: list[tuple[float, float]], scale: float) -> None:
        self.bounds = bounds
        self.discs = discs
        self.taken = list(taken)
        self.line = line
        self.scale = scale
        self.leaders: list[tuple[float, float, float, float]] = []

    def place(self, sizes: list[tuple[float, float]], texts: list[str]) -> list[Label]:
        """The labels of ``texts`` (each ``sizes``: width, height in pixels), in that order."""
        def room(i: int) -> float:
            cx, cy, _ = self.discs[i]
            return min((math.hypot(cx - x, cy - y) for j, (x, y, _) in enumerate(self.discs)
                        if j != i), default=math.inf)

        labels: dict[int, Label] = {}
        for i in sorted(range(len(self.discs)), key=lambda i: (room(i), i)):
            best: tuple[float, Label] | None = None
            for rank, (box, leader) in enumerate(self._candidates(i, *sizes[i])):
                anchor = _nearest(box, self.discs[i][:2])
                cost = self._cost(i, box, anchor, leader) + rank * 1e-3
                if best is None or cost < best[0]:
                    best = (cost, Label(i, texts[i], box, anchor, self.discs[i], leader))
            assert best is not None
            label = best[1]
            labels[i] = label
            self.taken.append(label.box)
            if label.leader:
                self.leaders.append((*label.anchor, *self._rim(i, label.anchor)))
        return [labels[i] for i in range(len(self.discs))]

    def _candidates(self, i: int, width: float,
                    height: float) -> list[tuple[tuple[float, float, float, float], bool]]:
        cx, cy, radius = self.discs[i]
        candidates = []
        for gap in LABEL_GAPS:
            want = radius + gap * self.scale
            for k in (2, 6, 10, 14, 0, 4, 8, 12, 1, 3, 5, 7, 9, 11, 13, 15):  # diagonals first
                dx, dy = math.cos(math.pi * k / 8), math.sin(math.pi * k / 8)
                # The box around the ray: to its right at 0 degrees, centred above it at 90.
                left, bottom = -width * (1 - dx) / 2, -height * (1 - dy) / 2

                def box(t: float, left: float = left, bottom: float = bottom, dx: float = dx,
                        dy: float = dy) -> tuple[float, float, float, float]:
                    x0, y0 = cx + t * dx + left, cy + t * dy + bottom
                    return (x0, y0, x0 + width, y0 + height)

                # Slide it out until its edge is ``want`` from the centre (the distance
                # grows with the slide: the box held the centre at the start).
                low, high = 0.0, want + width + height
                for _ in range(30):
                    middle = (low + high) / 2
                    if _distance(box(middle), (cx, cy)) < want:
                        low = middle
                    else:
                        high = middle
                candidates.append((box(high), gap > LABEL_GAPS[1]))
        return candidates

    def _rim(self, i: int, anchor: tuple[float, float]) -> tuple[float, float]:
        """Where a leader from ``anchor`` meets variant ``i``'s rim."""
        cx, cy, radius = self.discs[i]
        length = math.hypot(anchor[0] - cx, anchor[1] - cy)
        return (cx + (anchor[0] - cx) * radius / length, cy + (anchor[1] - cy) * radius / length)

    def _cost(self, i: int, box: tuple[float, float, float, float], anchor: tuple[float, float],
              leader: bool) -> float:
        """How bad a place ``box`` is for variant ``i``'s label: a thousand times what
        must not happen (areas and lengths in pixels, weighted), plus what is merely avoided."""
        x0, y0, x1, y1 = padded = (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1)
        bad = (x1 - x0) * (y1 - y0) - _overlap(padded, self.bounds)
        bad += 10 * sum(_overlap(padded, other) for other in self.taken)  # illegible
        cx, cy, radius = self.discs[i]
        own = math.hypot(anchor[0] - cx, anchor[1] - cy)
        margin = math.inf
        for j, (ox, oy, other_radius) in enumerate(self.discs):
            distance = _distance(box, (ox, oy))
            bad += 10 * max(0.0, other_radius + 1 - distance)  # over a point
            if j != i:
                # Nearer its own variant than any other, rim to rim and centre to centre.
                rims = (distance - other_radius) - (own - radius)
                bad += 50 * max(0.0, 2 - rims) + 50 * max(0.0, own + 1 - distance)
                margin = min(margin, rims)
        bad += 20 * sum(_inside(line, padded) for line in self.leaders)  # over a leader
        fine = 2.0 * own / self.scale
        fine += 1.5 * sum(x0 <= x <= x1 and y0 <= y <= y1 for x, y in self.line)
        fine += 2.0 * max(0.0, 12 - margin)
        if leader:
            line = (*anchor, *self._rim(i, anchor))
            for j, (ox, oy, other_radius) in enumerate(self.discs):
                if j != i:
                    bad += 10 * max(0.0, other_radius + 3 - _to_segment(line, (ox, oy)))
            bad += 500 * sum(_crosses(line, other) for other in self.leaders)
            bad += 20 * sum(_inside(line, other) for other in self.taken)
        return 1000 * bad + fine


def _box(bbox: Any) -> tuple[float, float, float, float]:
    return (float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1))


def _measure(axes: Any, renderer: Any, text: str) -> tuple[float, float]:
    """A label's width and height in pixels, as it will be drawn."""
    # Inside the axes: a point at (0, 0) of a logarithmic axis is nowhere, and measures 1x1.
    probe = axes.annotate(text, (0.5, 0.5), xycoords="axes fraction", fontsize=LABEL_SIZE)
    extent = probe.get_window_extent(renderer)
    probe.remove()
    return (float(extent.width), float(extent.height))


def _distance(box: tuple[float, float, float, float], point: tuple[float, float]) -> float:
    """From ``point`` to the nearest point of ``box`` (0 inside it)."""
    nearest = _nearest(box, point)
    return math.hypot(point[0] - nearest[0], point[1] - nearest[1])


def _nearest(box: tuple[float, float, float, float],
             point: tuple[float, float]) -> tuple[float, float]:
    return (min(max(point[0], box[0]), box[2]), min(max(point[1], box[1]), box[3]))


def _inside(line: tuple[float, float, float, float],
            box: tuple[float, float, float, float]) -> float:
    """How long a stretch of the segment ``line`` (x0, y0, x1, y1) lies inside ``box``."""
    x0, y0, x1, y1 = line
    low, high = 0.0, 1.0
    for start, step, lo, hi in ((x0, x1 - x0, box[0], box[2]), (y0, y1 - y0, box[1], box[3])):
        if not step:
            if not lo <= start <= hi:
                return 0.0
            continue
        enter, leave = sorted(((lo - start) / step, (hi - start) / step))
        low, high = max(low, enter), min(high, leave)
    return max(0.0, high - low) * math.hypot(x1 - x0, y1 - y0)


def _to_segment(line: tuple[float, float, float, float], point: tuple[float, float]) -> float:
    """From ``point`` to the segment ``line`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = line
    length = (x1 - x0) ** 2 + (y1 - y0) ** 2
    t = 0.0 if not length else \
        min(1.0, max(0.0, ((point[0] - x0) * (x1 - x0) + (point[1] - y0) * (y1 - y0)) / length))
    return math.hypot(point[0] - x0 - t * (x1 - x0), point[1] - y0 - t * (y1 - y0))


__all__ = ["AXIS_LABELS", "IMAGE_FORMATS", "Label", "render_sweep_chart", "sweep_figure"]
