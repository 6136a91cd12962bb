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

As for the roofline chart (:mod:`netdsl.backends.roofline`), the figure has its
own Agg canvas, pyplot is never touched, and SVG and PDF output are byte-stable
(fixed hash salt, no date).
"""

from __future__ import annotations

import io
import itertools
import math
import textwrap
from collections.abc import Sequence
from typing import Any

from netdsl.backends import roofline
from netdsl.backends.sweep_report import Goal, directions, optimal_count, trade_off
from netdsl.sweeps import ESTIMATED, Objective, SweepRow, objective, pareto

#: Image formats of :func:`render_sweep_chart`.
IMAGE_FORMATS = ("svg", "png", "pdf")

#: Colours: variants, and the Pareto front (Okabe and Ito's colour-blind-safe palette).
VARIANT_COLOUR, FRONT_COLOUR = "#0072B2", "#D55E00"

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
    matplotlib = _matplotlib()
    x, y = objective(x), objective(y)
    marked = pareto(sorted(rows, key=lambda row: row.index), x, y)
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        return _Chart(marked, x, y, title).draw()


def render_sweep_chart(rows: Sequence[SweepRow], x: Goal, y: Goal, image_format: str = "svg",
                       *, title: str | None = None) -> bytes:
    """The chart of :func:`sweep_figure` as ``svg``, ``png`` or ``pdf`` bytes.

    SVG and PDF carry no date, so the same rows give the same bytes.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)}")
    matplotlib = _matplotlib()
    figure = sweep_figure(rows, x, y, title=title)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                "png": {"Software": None}}[image_format]
    buffer = io.BytesIO()
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        figure.savefig(buffer, format=image_format, metadata=metadata)
    return buffer.getvalue()


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

    def draw(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from netdsl.backends.roofline import _Placer

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
        axes.scatter([xs[i] for i in others], [ys[i] for i in others], s=36,
                     color=VARIANT_COLOUR, alpha=0.8, edgecolors="white", linewidths=0.6,
                     zorder=4, label="variant")
        axes.plot([xs[i] for i in front], [ys[i] for i in front], "-", color=FRONT_COLOUR,
                  linewidth=1.4, zorder=3, label="Pareto front")
        axes.scatter([xs[i] for i in front], [ys[i] for i in front], s=64, marker="D",
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
        scale = figure.dpi / 72
        discs = []
        for i, (px, py) in enumerate(zip(xs, ys, strict=True)):
            cx, cy = axes.transData.transform((px, py))
            size = 64 if self.points[i].pareto else 36
            discs.append((cx, cy, math.sqrt(size) / 2 * scale + 1, i))
        line = self._samples(axes, [(xs[i], ys[i]) for i in front])
        legend = axes.get_legend().get_window_extent(figure.canvas.get_renderer())
        placer = _Placer(axes, discs, {"front": line})
        placer.taken.append((legend.x0, legend.y0, legend.x1, legend.y1))
        # The optimal ones first: they get the best places.
        for i in sorted(range(len(self.points)), key=lambda i: (not self.points[i].pareto, i)):
            self._label(axes, placer, i, (xs[i], ys[i]), discs[i][2] / scale)
        return figure

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

    def _label(self, axes: Any, placer: Any, i: int, anchor: tuple[float, float],
               radius: float) -> None:
        from netdsl.backends.sweep_report import _argument

        row = self.points[i]
        text = ", ".join(_argument(value) for value in row.arguments.values())
        candidates = []
        for distance in (2, 8, 16, 28, 44):
            for step in (1, 3, 7, 5, 0, 4, 2, 6):  # diagonals first, then the sides
                angle = math.pi * step / 4
                dx, dy = math.cos(angle), math.sin(angle)
                gap = radius + distance
                candidates.append((anchor, (dx * gap, dy * gap),
                                   "left" if dx > 0.3 else "right" if dx < -0.3 else "center",
                                   "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center",
                                   0, distance))
        placer.place(axes, text, candidates, fontsize=7.5, own=i, leader=radius,
                     colour=FRONT_COLOUR if row.pareto else "#222222")


__all__ = ["AXIS_LABELS", "IMAGE_FORMATS", "render_sweep_chart", "sweep_figure"]
