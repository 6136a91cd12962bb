"""Sliding-window arithmetic shared by the shape rules and the executors.

Window arithmetic (cost-model.md section 8), for input n, kernel k, stride s,
dilation d and padding p_before + p_after::

    out = floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1

With ``ceil_mode`` (Caffe pooling) the division rounds up, and a last window
that would start in the trailing padding is dropped (the PyTorch rule); so a
ceil window may be larger than the whole padded input (``maxpool(2,
round=ceil)`` of a 1 x 1 input is 1 x 1), and only an output of no window at
all is an error (E403), as in PyTorch. TensorFlow ``same`` gives ``out =
ceil(n / s)`` with total padding ``max((out-1)*s + d*(k-1) + 1 - n, 0)``, the
odd pixel going after.
"""

from __future__ import annotations

import attrs

Pair = tuple[int, int]
Shape = tuple[int, ...]


@attrs.frozen
class Padding:
    """How a window layer pads its input.

    ``mode`` is ``"explicit"`` (``sides`` gives top, bottom, left, right) or
    ``"same"`` (TensorFlow: output = ceil(n / stride), the odd pixel after),
    whose sides depend on the input size and are computed by shape inference.
    ``valid`` is explicit zero padding.
    """

    mode: str = "explicit"
    sides: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __str__(self) -> str:
        if self.mode == "same":
            return "same"
        t, b, left, r = self.sides
        if t == b == left == r:
            return str(t)
        if t == b and left == r:
            return f"[{t}, {left}]"
        return f"[{t}, {b}, {left}, {r}]"


class ShapeError(Exception):
    """A shape rule refused its inputs; the caller attaches the source span."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def fmt(shape: Shape) -> str:
    """A shape as users read it: ``56x56x24``."""
    return "x".join(map(str, shape))


def same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow ``same`` padding (before, after) for one spatial axis."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: Padding, size: Pair, kernel: Pair, stride: Pair, dilation: Pair = (1, 1),
) -> tuple[int, int, int, int]:
    """Concrete (top, bottom, left, right) padding for an input of ``size``."""
    if padding.mode == "same":
        top, bottom = same_padding(size[0], kernel[0], stride[0], dilation[0])
        left, right = same_padding(size[1], kernel[1], stride[1], dilation[1])
        return top, bottom, left, right
    return padding.sides


def window_output(
    n: int, k: int, s: int, d: int, before: int, after: int, ceil_mode: bool = False
) -> int:
    """Output length of a sliding window along one axis (E403 when no window fits)."""
    span = d * (k - 1) + 1
    padded = n + before + after
    if ceil_mode:
        out = -(-(padded - span) // s) + 1
        if (out - 1) * s >= n + before:  # the last window must start inside the input
            out -= 1
    else:
        out = (padded - span) // s + 1
    if out < 1:
        raise ShapeError(
            "E403",
            f"kernel of extent {span} is larger than the padded input ({n} + {before} + {after})",
            "use a smaller kernel or more padding",
        )
    return out


def spatial(name: str, shape: Shape) -> tuple[int, int, int]:
    """``shape`` as H, W, C; E402 for a vector, a sequence or another rank."""
    if len(shape) != 3:
        hint = {
            1: "a vector has no spatial dimensions; apply this layer before flatten/gap/fc",
            2: "a sequence of tokens has no spatial dimensions; reshape it to an image first",
        }.get(len(shape), "reshape it to an image, H x W x C")
        raise ShapeError("E402", f"'{name}' expects an HxWxC input, got {fmt(shape)}", hint)
    return shape  # type: ignore[return-value]


def windowed(name: str, shape: Shape, kernel: Pair, stride: Pair, padding: Padding,
             dilation: Pair, ceil_mode: bool = False) -> Pair:
    """Output height and width of a window layer over an H x W x C input."""
    h, w, _ = spatial(name, shape)
    top, bottom, left, right = resolve_padding(padding, (h, w), kernel, stride, dilation)
    out_h = window_output(h, kernel[0], stride[0], dilation[0], top, bottom, ceil_mode)
    out_w = window_output(w, kernel[1], stride[1], dilation[1], left, right, ceil_mode)
    return out_h, out_w


__all__ = [
    "Padding",
    "ShapeError",
    "fmt",
    "resolve_padding",
    "same_padding",
    "spatial",
    "window_output",
    "windowed",
]
