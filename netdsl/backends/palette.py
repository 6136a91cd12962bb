"""Colours for cost-shaded diagrams: a perceptually even scale on logarithmic values.

Layer costs span five or six orders of magnitude (a 1 x 1 x 1,000 bias add next
to a 100-million-MACC convolution), so values are placed on a log scale. The
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

import math
from collections.abc import Iterable

#: magma at 1.0, 0.9, ..., 0.2: the light end first (the map's published decile colours).
MAGMA = ("#fcfdbf", "#fecf92", "#fe9f6d", "#f7705c", "#de4968", "#b73779", "#8c2981",
         "#641a80", "#3b0f70")

#: The fill of a layer whose figure is zero (it is not on the log scale).
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


class LogScale:
    """Maps positive values onto [0, 1] logarithmically between the smallest and largest.

    Zero stays off the scale (:meth:`position` returns None). When every
    positive value is the same, they all sit at the expensive end.
    """

    def __init__(self, values: Iterable[int | float]) -> None:
        positive = [v for v in values if v > 0]
        self.low = min(positive, default=0)
        self.high = max(positive, default=0)

    def __bool__(self) -> bool:
        return self.high > 0

    def position(self, value: float) -> float | None:
        if value <= 0 or not self:
            return None
        if self.high == self.low:
            return 1.0
        return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))

    def value_at(self, t: float) -> float:
        """The value at position ``t``: the inverse of :meth:`position`."""
        if self.high == self.low:
            return self.high
        return math.exp(math.log(self.low) + t * (math.log(self.high) - math.log(self.low)))

    def fill(self, value: float) -> str:
        t = self.position(value)
        return ZERO if t is None else colour_at(t)
