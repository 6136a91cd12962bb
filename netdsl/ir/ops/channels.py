"""Rearranging channels: ``slice``, ``channel_shuffle``, ``pixel_shuffle`` and ``pixel_unshuffle``.

No arithmetic: a slice is done by addressing (a view of the channels, like
concat, it moves nothing); the shuffles are copies that read their input
once and write their output once. ShuffleNet's units are written with them:
``slice`` takes each half of the channels, ``concat`` joins the branches and
``channel_shuffle(2)`` interleaves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import ShapeError, spatial

Shape = tuple[int, ...]


@attrs.frozen
class Slice:
    """Channels ``start`` to ``end`` (exclusive) of the last axis."""

    start: int
    end: int


@attrs.frozen
class ChannelShuffle:
    """ShuffleNet's shuffle: C = groups x n channels read as groups x n, written as n x groups."""

    groups: int


@attrs.frozen
class PixelShuffle:
    """Depth to space by ``factor`` (H x W x C r^2 -> Hr x Wr x C), or back with ``inverse``."""

    factor: int
    inverse: bool = False


def _slice_shape(op: Slice, shapes: Sequence[Shape]) -> Shape:
    channels = shapes[0][-1]
    if op.end > channels:
        raise ShapeError("E306", f"slice({op.start}, {op.end}) reaches past the {channels} "
                         "channels of its input")
    return (*shapes[0][:-1], op.end - op.start)


def _free(op: Slice, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(moves_data=False)  # a view of the input's channels


def _copy(op: object, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(naive_input=arrays.elements(ins[0]))


def _slice(op: Slice, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0][..., op.start:op.end]


def _shuffle_shape(op: ChannelShuffle, shapes: Sequence[Shape]) -> Shape:
    channels = shapes[0][-1]
    if channels % op.groups:
        raise ShapeError("E404", f"groups={op.groups} must divide the input channels "
                         f"({channels})")
    return shapes[0]


def _shuffle(op: ChannelShuffle, inputs: list[Any], weights: Mapping[str, Any],
             out: Shape) -> Any:
    x = inputs[0]
    grouped = x.reshape(*x.shape[:-1], op.groups, x.shape[-1] // op.groups)
    return arrays.np().swapaxes(grouped, -1, -2).reshape(x.shape)


def _pixel_shape(op: PixelShuffle, shapes: Sequence[Shape]) -> Shape:
    h, w, c = spatial("pixel_unshuffle" if op.inverse else "pixel_shuffle", shapes[0])
    r = op.factor
    if op.inverse:
        if h % r or w % r:
            raise ShapeError("E404", f"pixel_unshuffle({r}) needs a height and width divisible "
                             f"by {r}, got {h}x{w}")
        return (h // r, w // r, c * r * r)
    if c % (r * r):
        raise ShapeError("E404", f"pixel_shuffle({r}) needs channels divisible by {r * r}, "
                         f"got {c}")
    return (h * r, w * r, c // (r * r))


def _pixel(op: PixelShuffle, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    """PyTorch's channel order: input channel c * r^2 + i * r + j goes to (i, j) of its block."""
    x = inputs[0]
    n, r = x.shape[0], op.factor
    if op.inverse:
        _, h, w, c = x.shape
        blocks = x.reshape(n, h // r, r, w // r, r, c).transpose(0, 1, 3, 5, 2, 4)
        return blocks.reshape(n, h // r, w // r, c * r * r)
    _, h, w, c = x.shape
    blocks = x.reshape(n, h, w, c // (r * r), r, r).transpose(0, 1, 4, 2, 5, 3)
    return blocks.reshape(n, h * r, w * r, c // (r * r))


def _build_slice(a: Any) -> Slice:
    start = a.int("start", 0)
    end = a.int("end", start + 1)
    return Slice(start, end)


register(OpDef(
    Slice, "channels start to end (exclusive), by addressing", shape=_slice_shape,
    cost=_free, execute=_slice,
    layers=(Layer("slice", (("start", REQUIRED), ("end", REQUIRED)), _build_slice),),
))
register(OpDef(
    ChannelShuffle, "ShuffleNet's channel shuffle across groups", shape=_shuffle_shape,
    cost=_copy, execute=_shuffle,
    layers=(Layer("channel_shuffle", (("g", REQUIRED),),
                  lambda a: ChannelShuffle(a.int("g"))),),
))
register(OpDef(
    PixelShuffle, "depth to space (pixel_shuffle) and space to depth (pixel_unshuffle)",
    shape=_pixel_shape, cost=_copy, execute=_pixel,
    layers=(
        Layer("pixel_shuffle", (("r", REQUIRED),), lambda a: PixelShuffle(a.int("r"))),
        Layer("pixel_unshuffle", (("r", REQUIRED),), lambda a: PixelShuffle(a.int("r"), True)),
    ),
))
