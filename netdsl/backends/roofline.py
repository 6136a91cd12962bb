"""The roofline chart: where each layer sits under the device's roof, and where the time goes.

Two panels, drawn by matplotlib (the optional ``plot`` extra, imported lazily
through :func:`netdsl.bridge.require`: E901 with the install line without it):

* **the roofline**, log-log: x is the layer's arithmetic intensity (MACCs per
  byte moved, as the ``estimate-latency`` pass counts the bytes), y the
  throughput it attains in the estimate, MACCs / estimated seconds (the
  per-layer overhead included, so an overhead-bound layer sits well below the
  roof). The roof is min(peak MACC/s, intensity x DRAM bandwidth), and
  min(peak, intensity x on-chip bandwidth) dashed when the device has on-chip
  memory (a layer whose working set fits there may rise above the DRAM roof);
  the ridge points are marked, and dotted lines mark peak x efficiency for the
  kinds of layer the profile gives an efficiency for. Each layer is a point
  whose area is its share of the estimated time, coloured by what bounds it;
  the heaviest are named (layers drawn at one spot share a label, "+ N more
  here", with their time together).
  Layers with no MACCs (adds, pooling, softmax, ...) have no place on a MACC
  roofline: they appear in the bar chart only, and the chart says how much
  time they take. Layers that do not run (flatten, dropout: no time) are left
  out of both panels and counted in a note.
* **the time per layer**: the slowest layers' estimated time as horizontal
  bars, time = max(compute, memory) + overhead: the larger of compute and
  memory as the bar, the smaller (hidden under it, the two overlap) as a thin
  bar inside it, then the overhead.

The figure is a :class:`matplotlib.figure.Figure` with an Agg canvas: pyplot
and its backend are never touched, so drawing works in a server or a notebook
without changing either (the settings of :data:`STYLE` apply while drawing and
saving, then the user's are back). SVG and PDF output are byte-stable (fixed
hash salt, no date).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from netdsl.diagnostics import error

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

#: Image formats of :func:`render_roofline`.
IMAGE_FORMATS = ("svg", "png", "pdf")

#: Colours of the three bounds (Okabe and Ito's colour-blind-safe palette; grey for overhead).
BOUND_COLOURS = {"compute": "#0072B2", "memory": "#D55E00", "overhead": "#8C8C8C"}

#: How many of the heaviest layers the roofline names, and how many bars the bar chart has.
LABELLED, BARS = 8, 20

#: Marker area (points squared) of a layer taking all of the time; the smallest drawn.
FULL_AREA, MIN_AREA = 5000.0, 9.0

#: Settings the figure is drawn with, whatever the user's matplotlibrc says.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "svg.hashsalt": "netdsl-roofline",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "figure.dpi": 100,
    "savefig.dpi": 110,
}


def _matplotlib() -> Any:
    from netdsl.bridge import require

    return require("matplotlib", "the roofline chart")


def _device_of(result: CompileResult) -> Any:
    """The device the estimate was made for, as the ``estimate-latency`` pass had it."""
    from netdsl.passes import make_pass

    options = result.options.pass_options.get("estimate-latency", {})
    return make_pass("estimate-latency", result.options.conventions(), options).device


def _no_estimate() -> Exception:
    return error("E603", "the roofline chart needs each layer's estimated time on a device, "
                 "and this result has none (the estimate-latency pass did not run)",
                 hint="give --device NAME (in Python: compile_file(path, device=NAME))")


def roofline_figure(result: CompileResult, device: Any = None) -> Any:
    """The roofline and time-per-layer chart of ``result``, a matplotlib ``Figure``.

    ``result`` must carry an estimate (compiled with ``device=``; E603 otherwise).
    ``device`` is the profile the estimate was made with; by default the one of
    ``result``'s ``estimate-latency`` pass options. Needs matplotlib (E901).
    """
    matplotlib = _matplotlib()
    estimate = result.graph.cost.estimate if result.graph.cost is not None else None
    if estimate is None:
        raise _no_estimate()
    device = device if device is not None else _device_of(result)
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        return _Chart(result, device).draw()


def render_roofline(result: CompileResult, image_format: str = "svg",
                    device: Any = None) -> bytes:
    """The chart of :func:`roofline_figure` as ``svg``, ``png`` or ``pdf`` bytes.

    SVG and PDF carry no date, so the same result gives the same bytes.
    """
    return save_figure(lambda: roofline_figure(result, device), image_format, STYLE,
                       "the roofline chart")


def save_figure(draw: Callable[[], Any], image_format: str, style: dict[str, Any],
                purpose: str) -> bytes:
    """The figure ``draw()`` makes, saved as ``svg``, ``png`` or ``pdf`` bytes under ``style``.

    The format is checked (ValueError) and matplotlib required (E901 naming ``purpose``)
    before anything is drawn; SVG and PDF carry no date and PNG no software name, so the
    same figure gives the same bytes. The charts of netdsl (this one and the sweep's) are
    saved through here.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)}")
    from netdsl.bridge import require

    matplotlib = require("matplotlib", purpose)
    figure = draw()
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                "png": {"Software": None}}[image_format]
    buffer = io.BytesIO()
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(style)
        figure.savefig(buffer, format=image_format, metadata=metadata)
    return buffer.getvalue()


# ---- drawing --------------------------------------------------------------------------


def _si(value: float, unit: str, digits: int = 3) -> str:
    """``12.5 GMACC/s``, ``100 GB/s``: SI prefixes, ``digits`` significant digits."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.{digits}g} {prefix}{unit}"
    return f"{value:.{digits}g} {unit}"


def _time_unit(seconds: float) -> tuple[float, str]:
    """The factor and name of the unit that shows ``seconds`` best (s, ms or us)."""
    if seconds >= 1:
        return 1.0, "s"
    if seconds >= 1e-3:
        return 1e3, "ms"
    return 1e6, "\u00b5s"


def _percent(share: float) -> str:
    """``12.3%``; below 1%, two significant digits (``0.042%``), never a bare ``0.0%``."""
    if share >= 0.01 or share == 0:
        return f"{share:.1%}"
    return f"{100 * share:.2g}%"


def _count(nodes: list) -> str:
    return f"{len(nodes)} layer{'s' * (len(nodes) != 1)}"


def _decade_text(value: float, _position: Any = None) -> str:
    """Tick labels of a log axis of intensities: ``0.01``, ``1``, ``100``, ``10k``."""
    if value >= 1e4:
        return _si(value, "").strip()
    return f"{value:g}"


class _Chart:
    """One figure: the layers' figures gathered, then the two panels drawn."""

    def __init__(self, result: CompileResult, device: Any) -> None:
        self.result = result
        self.device = device
        self.estimate = result.graph.cost.estimate
        self.total = self.estimate.seconds or 1.0  # no layer runs: nothing has a share
        running = [n for n in result.graph.nodes if n.cost.estimate.seconds > 0]
        self.running = running
        self.points = [n for n in running
                       if n.cost.maccs > 0 and n.cost.estimate.intensity]
        plotted = {n.name for n in self.points}
        self.no_maccs = [n for n in running if n.name not in plotted]

    # -- the whole figure --

    def draw(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(15, 7.4), layout="constrained")
        FigureCanvasAgg(figure)
        roof_axes, bar_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": (1.3, 1)})
        figure.suptitle(self._title(), fontsize=12, linespacing=1.5)
        self._roofline(roof_axes)
        self._bars(bar_axes)
        # Fix the layout now, then place the labels where they overlap nothing.
        figure.draw_without_rendering()
        figure.set_layout_engine("none")
        placer = _Placer(roof_axes, self._discs(roof_axes), self._roof_samples(roof_axes))
        self._roof_labels(roof_axes, placer)
        self._layer_labels(roof_axes, placer)
        return figure

    def _title(self) -> str:
        from netdsl.backends.common import milliseconds, title

        e = self.estimate
        per = f"batch of {e.batch}" if e.batch != 1 else "inference"
        return (f"{title(self.result)}: {milliseconds(e.seconds)} ms per {per}, estimated\n"
                f"on {e.title} ({e.device}), {e.dtype}, {e.memory_model} traffic")

    # -- the roofline panel --

    def _roofs(self) -> list[tuple[str, float, str]]:
        """(name, bandwidth in B/s, line style) of each memory roof of the device."""
        roofs = [("DRAM", float(self.device.dram_bandwidth), "-")]
        onchip = getattr(self.device, "onchip_bandwidth", None)
        if getattr(self.device, "onchip_bytes", None) is not None and onchip:
            roofs.append(("on-chip", float(onchip), "--"))
        return roofs

    def _roofline(self, axes: Any) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        self.peak = peak = float(self.device.peak(self.estimate.dtype))
        roofs = self._roofs()
        ridges = [peak / bandwidth for _, bandwidth, _ in roofs]
        xs = [n.cost.estimate.intensity for n in self.points]
        ys = [n.cost.maccs / n.cost.estimate.seconds for n in self.points]
        # The points and the ridges, with room around them (the note above, the legend below).
        x_lo = min([*xs, *ridges]) / 3
        x_hi = max([*xs, *ridges]) * 3
        y_lo = min(min(ys, default=peak) / 3, peak / 8)  # at least 1.5 decades
        y_hi = peak * 4
        self.limits = (x_lo, x_hi, y_lo, y_hi)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlim(x_lo, x_hi)
        axes.set_ylim(y_lo, y_hi)
        for axis, text, low, high in ((axes.xaxis, _decade_text, x_lo, x_hi),
                                      (axes.yaxis, lambda v, _: _si(v, ""), y_lo, y_hi)):
            axis.set_major_locator(LogLocator(10))
            axis.set_major_formatter(FuncFormatter(text))
            if math.log10(high / low) < 3:  # few decades: label 2 and 5 times each as well
                axis.set_minor_formatter(FuncFormatter(
                    lambda v, _, text=text: text(v, None)
                    if round(v / 10 ** math.floor(math.log10(v) + 1e-9)) in (2, 5) else ""))
            else:
                axis.set_minor_formatter(NullFormatter())
        axes.grid(True, which="major", color="#dddddd", linewidth=0.6)
        axes.grid(True, which="minor", color="#f2f2f2", linewidth=0.4)
        axes.set_axisbelow(True)
        axes.set_xlabel("arithmetic intensity (MACCs per byte moved)")
        axes.set_ylabel("attained throughput (MACC/s = MACCs / estimated time)")
        axes.set_title("Roofline: each layer with MACCs, area = its share of the time",
                       loc="left")
        for (name, bandwidth, style), ridge in zip(roofs, ridges, strict=True):
            grid = [x_lo, ridge, x_hi] if x_lo < ridge < x_hi else [x_lo, x_hi]
            axes.plot(grid, [min(peak, x * bandwidth) for x in grid], style, color="#222222",
                      linewidth=1.4 if name == "DRAM" else 1.1, zorder=2)
            if x_lo < ridge < x_hi:
                axes.plot([ridge], [peak], "o", color="#222222", markersize=4.5, zorder=3)
                axes.plot([ridge, ridge], [y_lo, peak], ":", color="#999999", linewidth=0.8,
                          zorder=1)
        self.ridges = list(zip(roofs, ridges, strict=True))
        # The profile's efficiency by kind of layer lowers the compute roof of that kind.
        kinds: dict[float, list[str]] = {}
        for kind, value in (getattr(self.device, "efficiency", None) or {}).items():
            if 0 < value < 1 and peak * value > y_lo:
                kinds.setdefault(float(value), []).append(kind)
        self.ceilings = []
        for value, names in sorted(kinds.items(), reverse=True):
            start = max(x_lo, peak * value / max(bandwidth for _, bandwidth, _ in roofs))
            axes.plot([start, x_hi], [peak * value] * 2, linestyle=(0, (1, 2)),
                      color="#888888", linewidth=0.9, zorder=1.5)
            self.ceilings.append((start, peak * value,
                                  f"efficiency {value:.0%}: {', '.join(sorted(names))}"))
        order = sorted(range(len(self.points)),
                       key=lambda i: -self.points[i].cost.estimate.seconds)  # big ones first
        self.markers = []
        for bound in ("compute", "memory", "overhead"):
            for onchip, marker in ((False, "o"), (True, "s")):
                chosen = [i for i in order if self.points[i].cost.estimate.bound == bound
                          and self.points[i].cost.estimate.onchip == onchip]
                if not chosen:
                    continue
                areas = [self._area(self.points[i]) for i in chosen]
                axes.scatter([xs[i] for i in chosen], [ys[i] for i in chosen], s=areas,
                             marker=marker, color=BOUND_COLOURS[bound], alpha=0.75,
                             edgecolors="white", linewidths=0.6, zorder=4)
                self.markers += [(xs[i], ys[i], self._area(self.points[i]), i) for i in chosen]
        def key(label: str, marker: str = "o", colour: str = "#bbbbbb",
                size: float = 7) -> Any:
            return Line2D([], [], linestyle="", marker=marker, markersize=size, color=colour,
                          label=label)

        # Two rows, filled column by column: the bounds, where the working set is, the sizes.
        bounds = [key(f"{bound}-bound", colour=colour) for bound, colour in
                  BOUND_COLOURS.items() if any(n.cost.estimate.bound == bound
                                               for n in self.points)]
        places = [key("working set in DRAM")]
        if any(n.cost.estimate.onchip for n in self.points):
            places.append(key("working set fits on chip", "s"))
        sizes = [key(f"{share:.0%} of the time", size=math.sqrt(FULL_AREA * share))
                 for share in (0.1, 0.01)]
        handles = []
        for group in (bounds, places, sizes):
            handles += group + [key("", "")] * (len(group) % 2)
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.075),
                    ncols=len(handles) // 2, frameon=False, columnspacing=1.6,
                    handletextpad=0.4, handleheight=2.9, handlelength=2.2, labelspacing=0.2)
        axes.text(0.01, 0.985, self._roofline_note(), transform=axes.transAxes, ha="left",
                  va="top", fontsize=8.5, color="#444444", linespacing=1.4,
                  bbox={"boxstyle": "round,pad=0.4", "facecolor": "white",
                        "edgecolor": "#cccccc", "alpha": 0.9}, zorder=6)

    def _area(self, node: Any) -> float:
        return max(MIN_AREA, FULL_AREA * node.cost.estimate.seconds / self.total)

    def _roofline_note(self) -> str:
        share = sum(n.cost.estimate.seconds for n in self.points) / self.total
        lines = [f"{_count(self.points)} with MACCs: {_percent(share)} of the time"]
        if self.no_maccs:
            other = sum(n.cost.estimate.seconds for n in self.no_maccs) / self.total
            lines.append(f"{_count(self.no_maccs)} without MACCs ({self._kinds(self.no_maccs)}):"
                         f" {_percent(other)} of the time, in the bar chart only")
        idle = [n for n in self.result.graph.nodes if not n.cost.estimate.seconds]
        if idle:
            lines.append(f"{_count(idle)} taking no time ({self._kinds(idle)}): not drawn")
        return "\n".join(lines)

    def _kinds(self, nodes: list) -> str:
        """The layers' op names, the commonest first: ``add, global_pool, softmax``."""
        graph = self.result.graph
        counts: dict[str, int] = {}
        for node in nodes:
            kind = graph.display_op(node)
            counts[kind] = counts.get(kind, 0) + 1
        kinds = sorted(counts, key=lambda k: (-counts[k], k))
        return ", ".join(kinds[:4]) + (", ..." if len(kinds) > 4 else "")

    def _discs(self, axes: Any) -> list[tuple[float, float, float, int]]:
        """Each point as a disc in display units: centre x, y, radius, index in points."""
        scale = axes.figure.dpi / 72
        discs = []
        for x, y, area, i in self.markers:
            cx, cy = axes.transData.transform((x, y))
            discs.append((cx, cy, math.sqrt(area) / 2 * scale + 1, i))
        return discs

    def _roof_samples(self, axes: Any) -> dict[str, list[tuple[float, float]]]:
        """Points every few pixels along each roof, in display units (labels keep off)."""
        x_lo, x_hi, _, _ = self.limits
        samples = {}
        for (name, bandwidth, _), _ in self.ridges:
            samples[name] = [tuple(axes.transData.transform((x, min(self.peak, x * bandwidth))))
                             for x in (x_lo * (x_hi / x_lo) ** (k / 240) for k in range(241))]
        return samples

    def _roof_labels(self, axes: Any, placer: _Placer) -> None:
        """The peak above its line, and each memory roof's bandwidth along its slope."""
        x_lo, x_hi, y_lo, _ = self.limits
        peak = f"peak {_si(self.peak, 'MACC/s')} ({self.estimate.dtype})"
        first_ridge = min(ridge for _, ridge in self.ridges)
        candidates = [((x_hi / 1.15, self.peak), (0, 3), "right", "bottom"),
                      ((max(first_ridge, x_lo) * 1.15, self.peak), (0, 3), "left", "bottom"),
                      ((x_hi / 1.15, self.peak), (0, -3), "right", "top")]
        placer.place(axes, peak, candidates, fontsize=9, avoid=[])
        for start, y, text in self.ceilings:  # the profile's efficiencies, by their lines
            candidates = [((x_hi / 1.1, y), (0, dy), "right", va) for dy, va in
                          ((2, "bottom"), (-2, "top"))]
            candidates += [((start * (x_hi / start) ** f * 1.1, y), (0, dy), "left", va)
                           for f in (0.0, 0.25, 0.5) for dy, va in ((2, "bottom"), (-2, "top"))]
            placer.place(axes, text, candidates, fontsize=7.5, colour="#555555")
        highest = max(bandwidth for (_, bandwidth, _), _ in self.ridges)
        for (name, bandwidth, _), ridge in self.ridges:
            start = max(x_lo, y_lo * 1.5 / bandwidth)
            end = min(ridge, x_hi)
            if start >= end:
                continue
            # The highest roof's label above its line, a lower one's below: never between.
            sides = (1, -1) if bandwidth == highest else (-1, 1)
            candidates = []
            for side in sides:
                for fraction in (0.25, 0.1, 0.4, 0.55, 0.02):
                    x = start * (end / start) ** fraction
                    y = x * bandwidth
                    a = axes.transData.transform((x, y))
                    b = axes.transData.transform((x * 2, y * 2))
                    angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
                    candidates.append(((x, y), (-3 * side, 3 * side), "left",
                                       "bottom" if side > 0 else "top", angle))
            others = [p for other, samples in placer.roof.items() if other != name
                      for p in samples]
            placer.place(axes, f"{name} {_si(bandwidth, 'B/s')}, ridge at {ridge:.3g} MACC/B",
                         candidates, fontsize=9, avoid=others)

    def _layer_labels(self, axes: Any, placer: _Placer) -> None:
        """Name the heaviest layers, each label where it hides no label, point or roof.

        Layers at one point (the twelve identical attention layers of a transformer)
        share a label: the first one's name, how many more, their time together.
        """
        centre = {d[3]: (d[0], d[1]) for d in placer.discs}
        groups: list[list[int]] = []  # the heaviest layer first, then those on top of it
        for i in sorted(range(len(self.points)), key=lambda i: (
                -self.points[i].cost.estimate.seconds, i)):
            for members in groups:
                lead = centre[members[0]]
                if math.hypot(centre[i][0] - lead[0], centre[i][1] - lead[1]) < 2:
                    members.append(i)
                    break
            else:
                groups.append([i])
        seconds = [sum(self.points[i].cost.estimate.seconds for i in members)
                   for members in groups]
        heaviest = sorted(range(len(groups)), key=lambda g: -seconds[g])[:LABELLED]
        scale = axes.figure.dpi / 72
        for key in heaviest:
            members = groups[key]
            i = members[0]
            node = self.points[i]
            radius = next(d[2] for d in placer.discs if d[3] == i) / scale
            anchor = (node.cost.estimate.intensity,
                      node.cost.maccs / node.cost.estimate.seconds)
            candidates = []
            for distance in (3, 12, 24, 40, 60, 85, 115, 150):
                for step in (0, 8, 4, 12, 2, 6, 10, 14, 1, 7, 3, 9, 5, 11, 13, 15):
                    angle = math.pi * step / 8
                    dx, dy = math.cos(angle), math.sin(angle)
                    gap = radius + distance
                    candidates.append((anchor, (dx * gap, dy * gap),
                                       "left" if dx > 0.3 else "right" if dx < -0.3
                                       else "center",
                                       "bottom" if dy > 0.3 else "top" if dy < -0.3
                                       else "center", 0, distance))
            share = _percent(seconds[key] / self.total)
            text = f"{node.name} ({share})" if len(members) == 1 else \
                f"{node.name} + {len(members) - 1} more here ({share})"
            placer.place(axes, text, candidates, fontsize=8, own=i, leader=radius)

    # -- the time-per-layer panel --

    def _bars(self, axes: Any) -> None:
        from matplotlib.patches import Patch

        slowest = sorted(self.running, key=lambda n: -n.cost.estimate.seconds)[:BARS]
        factor, unit = _time_unit(max((n.cost.estimate.seconds for n in slowest), default=0))
        plotted = {n.name for n in self.points}
        rows = range(len(slowest))
        for row, node in zip(rows, slowest, strict=True):
            e = node.cost.estimate
            larger, smaller = ("compute", "memory") if e.compute_seconds >= e.memory_seconds \
                else ("memory", "compute")
            big = max(e.compute_seconds, e.memory_seconds) * factor
            small = min(e.compute_seconds, e.memory_seconds) * factor
            axes.barh(row, big, height=0.72, color=BOUND_COLOURS[larger], zorder=3)
            if small > 0:
                axes.barh(row, small, height=0.24, color=BOUND_COLOURS[smaller],
                          edgecolor="white", linewidth=0.5, zorder=4)
            axes.barh(row, e.overhead_seconds * factor, left=big, height=0.72,
                      color=BOUND_COLOURS["overhead"], zorder=3)
            axes.text(e.seconds * factor, row, f"  {_percent(e.seconds / self.total)}", va="center",
                      ha="left", fontsize=8, color="#333333")
        names = [n.name if n.name in plotted else f"{n.name} *" for n in slowest]
        axes.set_yticks(list(rows), names)
        axes.set_ylim(len(slowest) - 0.4 if slowest else 1, -0.6)
        axes.set_xlim(0, max((n.cost.estimate.seconds for n in slowest), default=1) * factor
                      * 1.14)
        axes.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_xlabel(f"estimated time ({unit}) = max(compute, memory) + overhead")
        shown = sum(n.cost.estimate.seconds for n in slowest) / self.total
        rest = len(self.running) - len(slowest)
        axes.set_title(f"The {len(slowest)} slowest layers: {shown:.1%} of the time"
                       + (f" ({rest} more layers: {1 - shown:.1%})" if rest else ""),
                       loc="left")
        handles = [Patch(color=BOUND_COLOURS[k], label=k) for k in BOUND_COLOURS]
        handles.append(Patch(facecolor="white", edgecolor="white", label=(
            "thin bar: the smaller of compute and memory,\nhidden under the larger (they "
            "overlap)")))
        if any(n.name not in plotted for n in slowest):
            handles.append(Patch(facecolor="white", edgecolor="white",
                                 label="*: no MACCs, not on the roofline"))
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.075),
                    ncols=len(handles), frameon=False, columnspacing=1.4, handletextpad=0.4)


class _Placer:
    """Places labels in display space, each where it collides least.

    Obstacles: the outside of the axes, the texts already there, every point (a
    disc), the roofs (samples along them) and the leader lines drawn so far. A
    label's candidates are tried in order; the first that touches nothing wins,
    else the one that touches least. Boxes are (x0, y0, x1, y1) tuples computed
    from the text's measured size, so only the chosen label is drawn.
    """

    def __init__(self, axes: Any, discs: list, roof: dict[str, list]) -> None:
        self.renderer = axes.figure.canvas.get_renderer()
        self.scale = axes.figure.dpi / 72
        self.box = _box(axes.get_window_extent(self.renderer))
        self.taken = [self._extent(t) for t in axes.texts]
        self.discs = discs
        self.roof = roof
        self.leaders: list[tuple[float, float, float, float]] = []

    def place(self, axes: Any, text: str, candidates: list, *, fontsize: float,
              own: int = -1, leader: float | None = None, avoid: list | None = None,
              colour: str = "#111111") -> None:
        """Draw ``text`` at the best of ``candidates``: (xy, offset in points, ha, va[,
        rotation[, distance]]); with ``leader``, a line to a point that far away.
        ``avoid``: the roof samples to keep off (default: every roof's)."""
        if avoid is None:
            avoid = [p for samples in self.roof.values() for p in samples]
        probe = axes.annotate(text, candidates[0][0], fontsize=fontsize)
        extent = probe.get_window_extent(self.renderer)
        probe.remove()
        pad = 4 if leader is None else 2
        best = None
        for candidate in candidates:
            pieces = self._pieces(axes, candidate, extent.width, extent.height)
            penalty = sum(self._penalty(_pad(piece, pad), own, avoid) for piece in pieces)
            line = None
            if leader is not None and len(candidate) > 5 and candidate[5] > 3:
                cx, cy = axes.transData.transform(candidate[0])
                x0, y0, x1, y1 = pieces[0]
                line = (cx, cy, (x0 + x1) / 2, (y0 + y1) / 2)
                penalty += self._line_penalty(line, pieces[0])
            if best is None or penalty < best[0]:
                best = (penalty, candidate, pieces, line)
            if penalty == 0:
                break
        _, candidate, pieces, line = best
        if line is not None:
            self.leaders.append(line)
        xy, offset, ha, va, *rest = candidate
        label = axes.annotate(
            text, xy, xytext=offset, textcoords="offset points", ha=ha, va=va,
            rotation=rest[0] if rest else 0, rotation_mode="anchor", fontsize=fontsize,
            color=colour, zorder=7,
            arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.6, "shrinkA": 1,
                        "shrinkB": leader} if line is not None else None)
        if leader is not None:  # a layer's name: legible over grid and roof lines
            label.set_bbox({"boxstyle": "round,pad=0.1", "facecolor": "white",
                            "edgecolor": "none", "alpha": 0.75})
        self.taken += pieces

    def _pieces(self, axes: Any, candidate: tuple, width: float, height: float) -> list:
        """Where a label would lie, in display units: its box, or for a rotated label
        (anchored at its left end) boxes along it, so that its empty corners stay free."""
        xy, (ox, oy), ha, va, *rest = candidate
        rotation = rest[0] if rest else 0
        px, py = axes.transData.transform(xy)
        px, py = px + ox * self.scale, py + oy * self.scale
        if not rotation:
            left = px if ha == "left" else px - width if ha == "right" else px - width / 2
            bottom = py if va == "bottom" else py - height if va == "top" else py - height / 2
            return [(left, bottom, left + width, bottom + height)]
        along = (math.cos(math.radians(rotation)), math.sin(math.radians(rotation)))
        side = height / 2 if va == "bottom" else -height / 2
        count = max(1, math.ceil(width / height))
        step = width / count
        pieces = []
        for k in range(count):
            cx = px + along[0] * (k + 0.5) * step - along[1] * side
            cy = py + along[1] * (k + 0.5) * step + along[0] * side
            pieces.append((cx - step / 2, cy - height / 2, cx + step / 2, cy + height / 2))
        return pieces

    def _extent(self, text: Any) -> tuple:
        """A drawn text's box in display units, with its frame when it has one."""
        from matplotlib.transforms import Bbox

        extent = text.get_window_extent(self.renderer)
        frame = text.get_bbox_patch()
        if frame is not None:
            extent = Bbox.union([extent, frame.get_window_extent(self.renderer)])
        return _box(extent)

    def _penalty(self, box: tuple, own: int, avoid: list) -> float:
        """How badly a label at ``box`` collides: outside the axes, labels, points, roofs,
        leader lines."""
        x0, y0, x1, y1 = box
        score = 20 * ((x1 - x0) * (y1 - y0) - _overlap(box, self.box))
        score += sum(20 * _overlap(box, t) for t in self.taken)
        for cx, cy, radius, index in self.discs:
            inside = radius - math.hypot(cx - min(max(cx, x0), x1), cy - min(max(cy, y0), y1))
            if inside > 0:
                score += inside * (40 if index == own else 10)
        score += sum(5 for x, y in avoid if x0 - 1 < x < x1 + 1 and y0 - 1 < y < y1 + 1)
        for line in self.leaders:  # a label over another's leader line
            score += sum(40 for x, y in _along(line) if x0 <= x <= x1 and y0 <= y <= y1)
        return score

    def _line_penalty(self, line: tuple, own: tuple) -> float:
        """How badly a leader line collides: crossing other leaders, through labels."""
        score = sum(400 for other in self.leaders if _crosses(line, other))
        for x, y in _along(line):
            if not (own[0] <= x <= own[2] and own[1] <= y <= own[3]):
                score += sum(40 for t in self.taken if t[0] <= x <= t[2] and t[1] <= y <= t[3])
        return score


def _box(bbox: Any) -> tuple[float, float, float, float]:
    return (bbox.x0, bbox.y0, bbox.x1, bbox.y1)


def _pad(box: tuple, pad: float) -> tuple:
    return (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)


def _along(line: tuple, count: int = 12) -> list[tuple[float, float]]:
    """Points spread along a segment (x0, y0, x1, y1), its ends left out."""
    x0, y0, x1, y1 = line
    return [(x0 + (x1 - x0) * (k + 0.5) / count, y0 + (y1 - y0) * (k + 0.5) / count)
            for k in range(count)]


def _crosses(a: tuple, b: tuple) -> bool:
    """Whether two segments (x0, y0, x1, y1) cross (touching ends do not count)."""
    def turn(p: tuple, q: tuple, r: tuple) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    p1, p2, q1, q2 = a[:2], a[2:], b[:2], b[2:]
    return turn(p1, p2, q1) * turn(p1, p2, q2) < 0 and turn(q1, q2, p1) * turn(q1, q2, p2) < 0


def _overlap(a: tuple, b: tuple) -> float:
    """The area two boxes (x0, y0, x1, y1) share."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


__all__ = ["IMAGE_FORMATS", "render_roofline", "roofline_figure", "save_figure"]
