"""Transposed convolution (``convT``): learned up-sampling, PyTorch's ConvTranspose2d.

Each input element scatters ``Kh x Kw x Cout/groups`` products into the
output; along each axis (input n, kernel k, stride s, dilation d, padding p,
output padding op)::

    out = (n - 1) * s - 2 * p + d * (k - 1) + op + 1

``pad`` crops p from both ends of the full result and ``out_pad`` adds op
rows and columns at the bottom and right, exactly as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.conv import check_groups
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import Pair, spatial

Shape = tuple[int, ...]


@attrs.frozen
class ConvTranspose:
    """2-D transposed convolution; ``padding`` is cropped from both ends of each axis."""

    channels: int
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    output_padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True


def _axis(n: int, k: int, s: int, d: int, p: int, extra: int) -> int:
    return (n - 1) * s - 2 * p + d * (k - 1) + extra + 1


def _shape(op: ConvTranspose, shapes: Sequence[Shape]) -> Shape:
    h, w, cin = spatial("convT", shapes[0])
    check_groups(op.groups, cin, op.channels)
    return (
        _axis(h, op.kernel[0], op.stride[0], op.dilation[0], op.padding[0],
              op.output_padding[0]),
        _axis(w, op.kernel[1], op.stride[1], op.dilation[1], op.padding[1],
              op.output_padding[1]),
        op.channels,
    )


def _cost(op: ConvTranspose, ins: Sequence[Shape], out: Shape) -> Work:
    h_in, w_in, c_in = ins[0]
    kh, kw = op.kernel
    weights = kh * kw * c_in * (op.channels // op.groups)
    biases = op.channels if op.bias else 0
    maccs = h_in * w_in * weights  # every input element times its Kh x Kw x Cout/G taps
    return Work(
        params=ParamCounts(weights=weights, biases=biases),
        maccs=maccs,
        flops=2 * maccs + (arrays.elements(out) if op.bias else 0),
        naive_input=maccs,  # as a convolution: each input element read once per product
        weight_reads=weights + biases,
    )


def _parameters(op: ConvTranspose, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    """``kernel`` (Kh, Kw, Cin, Cout/groups): PyTorch's (Cin, Cout/G, Kh, Kw) permuted."""
    kh, kw = op.kernel
    shapes = {"kernel": (kh, kw, ins[0][-1], op.channels // op.groups)}
    return {**shapes, "bias": (op.channels,)} if op.bias else shapes


def _execute(op: ConvTranspose, inputs: list[Any], weights: Mapping[str, Any],
             out: Shape) -> Any:
    """Scatter-add of each kernel tap's products, then the crop of ``pad``."""
    np = arrays.np()
    x = inputs[0]
    n, h, w, cin = x.shape
    (kh, kw), (sh, sw), (dh, dw) = op.kernel, op.stride, op.dilation
    g, cout = op.groups, op.channels
    full = (n, (h - 1) * sh + dh * (kh - 1) + 1 + op.output_padding[0],
            (w - 1) * sw + dw * (kw - 1) + 1 + op.output_padding[1], cout)
    y = np.zeros(full)
    groups_in = x.reshape(n, h, w, g, cin // g)
    kernel = weights["kernel"].reshape(kh, kw, g, cin // g, cout // g)
    for i in range(kh):
        for j in range(kw):
            taps = np.einsum("nhwgc,gco->nhwgo", groups_in, kernel[i, j]).reshape(n, h, w, cout)
            y[:, i * dh:i * dh + (h - 1) * sh + 1:sh, j * dw:j * dw + (w - 1) * sw + 1:sw] += taps
    top, left = op.padding
    y = y[:, top:top + out[0], left:left + out[1]]
    return y + weights["bias"] if op.bias else y


def _scale_outputs(op: ConvTranspose, kernel: Any, scale: Any) -> Any:
    """Output channel o is column o % (Cout/G) of group o // (Cout/G)'s kernel."""
    kh, kw, cin, per_group = kernel.shape
    grouped = kernel.reshape(kh, kw, op.groups, cin // op.groups, per_group)
    return (grouped * scale.reshape(op.groups, 1, per_group)).reshape(kernel.shape)


def _build(a: Any) -> ConvTranspose:
    stride, dilation = a.pair("s"), a.pair("dilation")
    output_padding = a.pair("out_pad", 0)
    for extra, s, d in zip(output_padding, stride, dilation, strict=True):
        if extra >= max(s, d):  # PyTorch's rule: it would only repeat a row
            a.fail("out_pad", f"out_pad must be smaller than the stride or the dilation, "
                   f"got {extra} with stride {s} and dilation {d}")
    return ConvTranspose(
        channels=a.int("c"), kernel=a.pair("k"), stride=stride, padding=a.pair("pad", 0),
        output_padding=output_padding, dilation=dilation, groups=a.int("groups"),
        bias=a.bool("bias"),
    )


register(OpDef(
    ConvTranspose,
    "transposed convolution (learned up-sampling), as PyTorch's ConvTranspose2d",
    shape=_shape,
    cost=_cost,
    execute=_execute,
    parameters=_parameters,
    layers=(Layer("convT", (("c", REQUIRED), ("k", REQUIRED), ("s", 1), ("pad", 0),
                            ("out_pad", 0), ("dilation", 1), ("groups", 1), ("bias", True)),
                  _build),),
    absorbs=True,
    scale_outputs=_scale_outputs,
))
