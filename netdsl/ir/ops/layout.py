"""Changing a tensor's layout: ``reshape`` (by addressing) and ``permute`` (a copy).

``reshape([196, 768])`` reads the same elements in another shape (one size may
be -1, inferred); ``permute([1, 0])`` reorders the axes of one example (the
batch axis never moves), as PyTorch's ``permute`` after the batch dimension.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import ShapeError, fmt

Shape = tuple[int, ...]


@attrs.frozen
class Reshape:
    """The same elements in ``shape`` (one size may be -1: whatever is left)."""

    shape: tuple[int, ...]


@attrs.frozen
class Permute:
    """The axes of each example in the order ``axes``."""

    axes: tuple[int, ...]


def _reshape_shape(op: Reshape, shapes: Sequence[Shape]) -> Shape:
    elements = math.prod(shapes[0])
    known = math.prod(d for d in op.shape if d != -1)
    if -1 in op.shape:
        if elements % known:
            raise ShapeError("E306", f"cannot reshape {fmt(shapes[0])} ({elements:,} elements) "
                             f"to {list(op.shape)}: {known:,} does not divide it")
        return tuple(elements // known if d == -1 else d for d in op.shape)
    if known != elements:
        raise ShapeError("E306", f"cannot reshape {fmt(shapes[0])} ({elements:,} elements) to "
                         f"{fmt(op.shape)} ({known:,} elements)")
    return op.shape


def _reshape(op: Reshape, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0].reshape(inputs[0].shape[0], *out)


def _permute_shape(op: Permute, shapes: Sequence[Shape]) -> Shape:
    if sorted(op.axes) != list(range(len(shapes[0]))):
        raise ShapeError("E306", f"permute({list(op.axes)}) does not order the "
                         f"{len(shapes[0])} axes of {fmt(shapes[0])}",
                         f"name each axis 0 to {len(shapes[0]) - 1} once")
    return tuple(shapes[0][a] for a in op.axes)


def _permute(op: Permute, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0].transpose(0, *(a + 1 for a in op.axes))


def _free(op: Reshape, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(moves_data=False)


def _copy(op: Permute, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(naive_input=arrays.elements(ins[0]))


def _build_reshape(a: Any) -> Reshape:
    sizes = a.ints("shape", -1)
    if 0 in sizes or sizes.count(-1) > 1:
        a.fail("shape", f"shape sizes are positive, with at most one -1, got {list(sizes)}")
    return Reshape(sizes)


register(OpDef(Reshape, "the same elements in another shape, by addressing",
               shape=_reshape_shape, cost=_free, execute=_reshape,
               layers=(Layer("reshape", (("shape", REQUIRED),), _build_reshape),),
               aliases_input=True))
register(OpDef(Permute, "the axes of each example reordered (a copy)", shape=_permute_shape,
               cost=_copy, execute=_permute,
               layers=(Layer("permute", (("axes", REQUIRED),),
                             lambda a: Permute(a.ints("axes", 0))),)))
