"""Convolution: regular, grouped and depthwise (``conv``, ``dwconv``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer, Symbol
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, scale_last_axis
from netdsl.ir.windows import Padding, Pair, ShapeError, resolve_padding, spatial, windowed

Shape = tuple[int, ...]


@attrs.frozen
class Conv:
    """2-D convolution (regular, grouped or depthwise) with an optional bias."""

    channels: int
    kernel: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Padding = Padding()
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True


def check_groups(groups: int, cin: int, cout: int) -> None:
    """E404 unless ``groups`` divides both channel counts (convolutions, transposed too)."""
    if cin % groups or cout % groups:
        raise ShapeError(
            "E404",
            f"groups={groups} must divide both the input channels ({cin}) "
            f"and the output channels ({cout})",
        )


def _shape(op: Conv, shapes: Sequence[Shape]) -> Shape:
    _, _, cin = spatial("conv", shapes[0])
    check_groups(op.groups, cin, op.channels)
    h, w = windowed("conv", shapes[0], op.kernel, op.stride, op.padding, op.dilation)
    return (h, w, op.channels)


def _cost(op: Conv, ins: Sequence[Shape], out: Shape) -> Work:
    h_in, w_in, c_in = ins[0]
    kh, kw = op.kernel
    weights = kh * kw * (c_in // op.groups) * op.channels
    biases = op.channels if op.bias else 0
    maccs = weights * out[0] * out[1]
    return Work(
        params=ParamCounts(weights=weights, biases=biases),
        maccs=maccs,
        flops=2 * maccs + (arrays.elements(out) if op.bias else 0),
        naive_input=h_in * w_in * c_in * kh * kw * (op.channels // op.groups),
        weight_reads=weights + biases,
    )


def _parameters(op: Conv, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    """``kernel`` (Kh, Kw, Cin/groups, Cout); output channel o is in group o // (Cout/groups)."""
    kh, kw = op.kernel
    shapes = {"kernel": (kh, kw, ins[0][-1] // op.groups, op.channels)}
    return {**shapes, "bias": (op.channels,)} if op.bias else shapes


def _execute(op: Conv, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    """A sum over the kernel window (``numpy.einsum``), with explicit padding."""
    x = inputs[0]
    n, h, w, c = x.shape
    sides = resolve_padding(op.padding, (h, w), op.kernel, op.stride, op.dilation)
    patches = arrays.windows(arrays.pad(x, sides), op.kernel, op.stride, op.dilation, out[:2])
    g = op.groups
    kh, kw = op.kernel
    patches = patches.reshape(n, *out[:2], kh, kw, g, c // g)
    kernel = weights["kernel"].reshape(kh, kw, c // g, g, op.channels // g)
    y = arrays.np().einsum("nhwijgc,ijcgo->nhwgo", patches, kernel, optimize=True)
    y = y.reshape(n, *out[:2], op.channels)
    return y + weights["bias"] if op.bias else y


def _build_conv(a: Any) -> Conv:
    kernel, dilation = a.pair("k"), a.pair("dilation")
    return Conv(
        channels=a.int("c"), kernel=kernel, stride=a.pair("s"),
        padding=a.padding("pad", kernel, dilation), dilation=dilation,
        groups=a.int("groups"), bias=a.bool("bias"),
    )


def _build_dwconv(a: Any) -> Conv:
    kernel, dilation = a.pair("k"), a.pair("dilation")
    channels = a.channels_in()
    return Conv(
        channels=channels * a.int("mult"), kernel=kernel, stride=a.pair("s"),
        padding=a.padding("pad", kernel, dilation), dilation=dilation,
        groups=channels, bias=a.bool("bias"),
    )


_WINDOW = (("pad", Symbol("auto")), ("dilation", 1))

register(OpDef(
    Conv,
    "2-D convolution: regular, grouped or depthwise, with an optional bias",
    shape=_shape,
    cost=_cost,
    execute=_execute,
    parameters=_parameters,
    layers=(
        Layer("conv", (("c", REQUIRED), ("k", 1), ("s", 1), *_WINDOW, ("groups", 1),
                       ("bias", True)), _build_conv),
        Layer("dwconv", (("k", 3), ("s", 1), *_WINDOW, ("mult", 1), ("bias", True)),
              _build_dwconv),
    ),
    absorbs=True,
    scale_outputs=scale_last_axis,
))
