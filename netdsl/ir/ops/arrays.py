"""NumPy helpers of the reference executors (NumPy is imported on first use).

Arrays are batched and channels-last: N x H x W x C, or N x features.
"""

from __future__ import annotations

import math
from typing import Any

Pair = tuple[int, int]


def np() -> Any:
    """The numpy module, imported when an executor first runs."""
    import numpy

    return numpy


def elements(shape: tuple[int, ...]) -> int:
    """The number of elements of a tensor of ``shape``."""
    return math.prod(shape)


def windows(x: Any, kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> Any:
    """A strided view (N, Hout, Wout, Kh, Kw, C) of the windows of padded ``x``."""
    n, _, _, c = x.shape
    s_n, s_h, s_w, s_c = x.strides
    return np().lib.stride_tricks.as_strided(
        x, shape=(n, out[0], out[1], kernel[0], kernel[1], c),
        strides=(s_n, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1],
                 s_c),
        writeable=False,
    )


def pad(x: Any, sides: tuple[int, int, int, int], value: float = 0.0) -> Any:
    """``x`` padded by (top, bottom, left, right) with ``value``."""
    top, bottom, left, right = sides
    return np().pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)
