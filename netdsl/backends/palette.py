"""Colours for cost-shaded diagrams: a perceptually even colour map, values placed by rank.

Layer costs span five or six orders of magnitude (a 1 x 1 x 1,000 bias add next
to a 100-million-MACC convolution) and bunch up: a few big stages, many similar
blocks. :class:`RankScale` puts the distinct values of the boxes drawn at even
steps, so any two figures that differ by more than a tenth get visibly
different fills. The
colours are matplotlib's *magma* map, read from light to dark so that cheap
layers recede and expensive ones stand out. Magma is designed so that equal
steps along it look like equal steps in lightness (it is uniform in the
CAM02-UCS colour space) and it stays ordered in greyscale and for the common
forms of colour blindness. Its darkest fifth is left out: near-black fills make
labels hard to read and are hard to tell apart.

What bounds a layer's estimated time (compute, memory, overhead) is a category,
not a quantity: those fills (:data:`BOUND`) are distinct hues, not a scale.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

#: magma at 1.0, 0.9, ..., 0.2: the light end first (the map's published decile colours).
MAGMA = ("#fcfdbf", "#fecf92", "#fe9f6d", "#f7705c", "#de4968", "#b73779", "#8c2981",
         "#641a80", "#3b0f70")

#: The fill of a layer whose figure is zero (it is not on the scale).
ZERO = "#ffffff"

#: Fills for what bounds a layer's estimated time (``--color-by bound``): categories, not
#: a scale, so the colours come from Okabe and Ito's palette, chosen to stay distinct for
#: the common kinds of colour blindness (sky blue, orange, reddish purple; black labels
#: contrast with each by 6.8:1 or more). A layer that does not run is white, like a zero.
BOUND = {"compute": "#56b4e9", "memory": "#e69f00", "overhead": "#cc79a7", "none": ZERO}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def colour_at(t: float) -> str:
    """The colour at position ``t`` (0 = cheapest, 1 = most expensive) of the scale.

    Neighbouring decile colours of magma are close, so linear interpolation
    between them stays on the map to within what the eye can tell.
    """
    t = min(1.0, max(0.0, t))
    position = t * (len(MAGMA) - 1)
    low = min(int(position), len(MAGMA) - 2)
    fraction = position - low
    a, b = _rgb(MAGMA[low]), _rgb(MAGMA[low + 1])
    return "#" + "".join(f"{round(x + (y - x) * fraction):02x}" for x, y in zip(a, b, strict=True))


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG contrast ratio)."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


#: How far above the first value of a :class:`RankScale` step (as a share of it) a value
#: still joins that step: values more than 10% apart never share a fill.
TOLERANCE = 0.1


class RankScale:
    """Places values on [0, 1] by rank: the distinct non-zero values at even steps.

    The cheapest value sits at 0, the dearest at 1 and every other one an
    equal step further than the one below it, whatever their ratios. A log
    scale keeps ratios but lets a few outliers squeeze the rest together:
    ResNet-50's four stages (668M to 1.46G MACCs) next to its 2.05M classifier
    fill the top eighth of a log scale and look the same purple; by rank they
    are four steps apart. How much bigger one box is than another is in its
    label; the fill says which is bigger and where the work is.

    Values within ``tolerance`` of each other do not count as different: from
    the cheapest up, a value at most ``1 + tolerance`` times the first value of
    the current step joins that step, so a step never spans more than that
    ratio (ResNet-50's 116M and 118M convolutions share a fill; its 103M ones,
    12% less, get the next one down). Zero and negative values are off the
    scale (:meth:`position` returns None). When every positive value shares
    one step, they all sit at the expensive end.
    """

    def __init__(self, values: Iterable[float], tolerance: float = TOLERANCE) -> None:
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be 0 or more, not {tolerance}")
        self.tolerance = tolerance
        #: Each step's (cheapest, dearest) value, cheapest step first.
        self.levels: tuple[tuple[float, float], ...] = ()
        #: The step of each distinct value (its index in :attr:`levels`).
        self._step: dict[float, int] = {}
        steps: list[list[float]] = []
        for value in sorted({v for v in values if v > 0}):
            if steps and value <= steps[-1][0] * (1 + tolerance):
                steps[-1].append(value)
            else:
                steps.append([value])
            self._step[value] = len(steps) - 1
        self.levels = tuple((step[0], step[-1]) for step in steps)

    def __bool__(self) -> bool:
        return bool(self.levels)

    def __len__(self) -> int:
        """The number of steps."""
        return len(self.levels)

    @property
    def low(self) -> float:
        """The cheapest value on the scale (0 when there is none)."""
        return self.levels[0][0] if self.levels else 0

    @property
    def high(self) -> float:
        """The dearest value on the scale (0 when there is none)."""
        return self.levels[-1][1] if self.levels else 0

    def position(self, value: float) -> float | None:
        """Where ``value`` sits on [0, 1]; None for zero (and below) or an empty scale.

        A value the scale was built from sits at its step. Any other value
        (one drawn elsewhere) sits at the step whose range holds it, between the
        steps around it (placed logarithmically) or at the end below the
        cheapest or above the dearest.
        """
        if value <= 0 or not self.levels:
            return None
        last = len(self.levels) - 1
        if last == 0:
            return 1.0
        step = self._step.get(value)
        if step is not None:
            return step / last
        above = bisect.bisect_left(self.levels, (value,))  # the first step starting above
        if above > 0 and value <= self.levels[above - 1][1]:
            return (above - 1) / last  # inside a step's range
        if above == 0:
            return 0.0
        if above > last:
            return 1.0
        below, over = self.levels[above - 1][1], self.levels[above][0]
        return (above - 1 + math.log(value / below) / math.log(over / below)) / last

    def steps(self, most: int = 12, shown: int = 7) -> list[tuple[tuple[float, float], float]]:
        """The legend: each step's (cheapest, dearest) value and position when there are at
        most ``most`` steps, else ``shown`` steps spread evenly from the cheapest to the
        dearest.

        Every entry is a step of the scale with its own fill, never a colour in
        between that no box has.
        """
        last = len(self.levels) - 1
        if len(self.levels) <= most:
            picked: Iterable[int] = range(len(self.levels))
        else:
            picked = sorted({round(i * last / (shown - 1)) for i in range(shown)})
        return [(self.levels[i], i / last if last else 1.0) for i in picked]

    def fill(self, value: float) -> str:
        """The colour of a box whose figure is ``value``: :data:`ZERO` off the scale."""
        t = self.position(value)
        return ZERO if t is None else colour_at(t)
