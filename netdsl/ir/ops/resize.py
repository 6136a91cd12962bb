"""Layers that change the plane's size without weights: zero padding and upsampling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer, Symbol
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import Pair, spatial

Shape = tuple[int, ...]


@attrs.frozen
class ZeroPad:
    """Explicit zero padding (top, bottom, left, right)."""

    sides: tuple[int, int, int, int]


@attrs.frozen
class Upsample:
    """Spatial upsampling by an integer factor."""

    factor: Pair = (2, 2)
    mode: str = "nearest"


def _zeropad_shape(op: ZeroPad, shapes: Sequence[Shape]) -> Shape:
    h, w, c = spatial("zeropad", shapes[0])
    top, bottom, left, right = op.sides
    return (h + top + bottom, w + left + right, c)


def _copy_cost(op: ZeroPad, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(naive_input=arrays.elements(ins[0]))


def _zeropad_execute(op: ZeroPad, inputs: list[Any], weights: Mapping[str, Any],
                     out: Shape) -> Any:
    return arrays.pad(inputs[0], op.sides)


def _build_zeropad(a: Any) -> ZeroPad:
    given = [n for n in ("top", "bottom", "left", "right") if a.values[n] is not None]
    if len(given) == 1:
        return ZeroPad(a.sides("top"))
    if len(given) == 2:
        v, h = a.int("top", 0), a.int("bottom", 0)
        return ZeroPad((v, v, h, h))
    if len(given) == 4:
        return ZeroPad(tuple(a.int(n, 0) for n in ("top", "bottom", "left", "right")))
    return a.fail("left", "zeropad takes 1, 2 or 4 values (top, bottom, left, right)")


def _upsample_shape(op: Upsample, shapes: Sequence[Shape]) -> Shape:
    h, w, c = spatial("upsample", shapes[0])
    return (h * op.factor[0], w * op.factor[1], c)


def _upsample_cost(op: Upsample, ins: Sequence[Shape], out: Shape) -> Work:
    per_output = 7 if op.mode == "bilinear" else 0  # 4 multiplies and 3 adds
    return Work(flops=per_output * arrays.elements(out), naive_input=arrays.elements(ins[0]))


def _upsample_execute(op: Upsample, inputs: list[Any], weights: Mapping[str, Any],
                      out: Shape) -> Any:
    """Nearest, or bilinear with half-pixel centres (``align_corners=False``)."""
    np = arrays.np()
    x = inputs[0]
    fh, fw = op.factor
    if op.mode == "nearest":
        return x.repeat(fh, axis=1).repeat(fw, axis=2)

    def axis_weights(n: int, f: int) -> tuple[Any, Any, Any]:
        source = np.clip((np.arange(n * f) + 0.5) / f - 0.5, 0, n - 1)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n - 1)
        return low, high, source - low

    _, h, w, _ = x.shape
    h0, h1, th = axis_weights(h, fh)
    w0, w1, tw = axis_weights(w, fw)
    rows = x[:, h0] * (1 - th)[None, :, None, None] + x[:, h1] * th[None, :, None, None]
    return (rows[:, :, w0] * (1 - tw)[None, None, :, None]
            + rows[:, :, w1] * tw[None, None, :, None])


def _build_upsample(a: Any) -> Upsample:
    return Upsample(a.pair("factor"), a.symbol("mode", ("nearest", "bilinear")))


register(OpDef(ZeroPad, "explicit zero padding of the plane", shape=_zeropad_shape,
               cost=_copy_cost, execute=_zeropad_execute,
               layers=(Layer("zeropad", (("top", REQUIRED), ("bottom", None), ("left", None),
                                         ("right", None)), _build_zeropad),)))
register(OpDef(Upsample, "upsampling by an integer factor, nearest or bilinear",
               shape=_upsample_shape, cost=_upsample_cost, execute=_upsample_execute,
               layers=(Layer("upsample", (("factor", 2), ("mode", Symbol("nearest"))),
                             _build_upsample),)))
