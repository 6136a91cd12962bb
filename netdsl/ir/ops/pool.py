"""Pooling: windowed max and average pooling, global pooling."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer, Symbol
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import Padding, Pair, ShapeError, resolve_padding, spatial, windowed

Shape = tuple[int, ...]


@attrs.frozen
class Pool:
    """Max or average pooling over a window.

    ``count_pad``: average pooling divides by the whole window, padding
    included (PyTorch's default ``count_include_pad=True``), or only by the
    elements inside the input (False: TensorFlow's convention). A window part
    that hangs over the padding with ``ceil_mode`` never counts.
    """

    kind: str  # "max" or "avg"
    kernel: Pair
    stride: Pair
    padding: Padding = Padding()
    ceil_mode: bool = False
    count_pad: bool = True


@attrs.frozen
class GlobalPool:
    """Global pooling to 1 x 1 x C."""

    kind: str = "avg"


def _shape(op: Pool, shapes: Sequence[Shape]) -> Shape:
    top, bottom, left, right = op.padding.sides  # "same" pads less than half by construction
    for pads, k in (((top, bottom), op.kernel[0]), ((left, right), op.kernel[1])):
        if max(pads) > k // 2:
            # A window could then lie wholly in the padding: its max would be -inf and its
            # average 0 / 0. PyTorch refuses the same ("at most half of the kernel").
            raise ShapeError("E306", f"{op.kind}pool padding {max(pads)} is more than half of "
                             f"its {k}-wide window", f"pad at most {k // 2} on this axis")
    h, w = windowed(f"{op.kind}pool", shapes[0], op.kernel, op.stride, op.padding, (1, 1),
                    op.ceil_mode)
    return (h, w, shapes[0][2])


def _cost(op: Pool, ins: Sequence[Shape], out: Shape) -> Work:
    window = op.kernel[0] * op.kernel[1]
    per_output = window if op.kind == "avg" else window - 1
    return Work(flops=per_output * arrays.elements(out), naive_input=arrays.elements(ins[0]))


def _execute(op: Pool, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    """Max pooling ignores padding; average pooling divides as ``count_pad`` says."""
    np = arrays.np()
    x = inputs[0]
    _, h, w, _ = x.shape
    top, bottom, left, right = resolve_padding(op.padding, (h, w), op.kernel, op.stride)
    # With ceil rounding the last window may reach past the padding: extend it.
    need_h = (out[0] - 1) * op.stride[0] + op.kernel[0] - (h + top)
    need_w = (out[1] - 1) * op.stride[1] + op.kernel[1] - (w + left)
    sides = (top, max(bottom, need_h), left, max(right, need_w))
    if op.kind == "max":
        views = arrays.windows(arrays.pad(x, sides, -np.inf), op.kernel, op.stride, (1, 1),
                               out[:2])
        return views.max(axis=(3, 4))
    # The divisor counts the window's elements inside the input, or inside the
    # padded input with count_pad; never the part a ceil window hangs over.
    counted = (np.ones((1, h + top + bottom, w + left + right, 1)) if op.count_pad
               else arrays.pad(np.ones((1, h, w, 1)), (top, bottom, left, right)))
    inside = arrays.pad(counted, (0, sides[1] - bottom, 0, sides[3] - right))
    total = arrays.windows(arrays.pad(x, sides), op.kernel, op.stride, (1, 1), out[:2])
    count = arrays.windows(inside, op.kernel, op.stride, (1, 1), out[:2])
    return total.sum(axis=(3, 4)) / count.sum(axis=(3, 4))


def _build(kind: str) -> Callable[[Any], Pool]:
    def build(a: Any) -> Pool:
        kernel = a.pair("k")
        stride = kernel if a.values["s"] is None else a.pair("s")
        count_pad = a.bool("count_pad") if kind == "avg" else True
        return Pool(kind, kernel, stride, a.padding("pad", kernel, (1, 1)),
                    a.symbol("round", ("floor", "ceil")) == "ceil", count_pad)

    return build


def _global_shape(op: GlobalPool, shapes: Sequence[Shape]) -> Shape:
    return (1, 1, spatial("gap", shapes[0])[2])


def _global_cost(op: GlobalPool, ins: Sequence[Shape], out: Shape) -> Work:
    h, w, c = ins[0]
    per_channel = h * w if op.kind == "avg" else h * w - 1
    return Work(flops=per_channel * c, naive_input=arrays.elements(ins[0]))


def _global_execute(op: GlobalPool, inputs: list[Any], weights: Mapping[str, Any],
                    out: Shape) -> Any:
    x = inputs[0]
    if op.kind == "avg":
        return x.mean(axis=(1, 2), keepdims=True)
    return x.max(axis=(1, 2), keepdims=True)


_WINDOW = (("k", REQUIRED), ("s", None), ("pad", 0), ("round", Symbol("floor")))
_GLOBAL_AVG, _GLOBAL_MAX = GlobalPool("avg"), GlobalPool("max")

register(OpDef(
    Pool,
    "max or average pooling over a sliding window",
    shape=_shape,
    cost=_cost,
    execute=_execute,
    layers=(
        Layer("maxpool", _WINDOW, _build("max")),
        Layer("avgpool", (*_WINDOW, ("count_pad", True)), _build("avg")),
    ),
))

register(OpDef(
    GlobalPool,
    "average or max over the whole plane, to 1 x 1 x C",
    shape=_global_shape,
    cost=_global_cost,
    execute=_global_execute,
    layers=(Layer("gap", (), lambda a: _GLOBAL_AVG), Layer("gmp", (), lambda a: _GLOBAL_MAX)),
))
