"""Merges of two or more tensors: ``add``, ``mul`` and ``concat``.

They are called with named tensors (``add(x)``: the current tensor, then x)
or as ``add:`` with ``|`` branches; the elaborator builds them, so their layers
take no arguments. The shape rules compare the operands in the order given and
name the first pair that does not fit; the elaborator gives them in the order
the source writes them when it reports E405.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import Layer
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import ShapeError, fmt

Shape = tuple[int, ...]


@attrs.frozen
class Add:
    """Elementwise sum of two or more tensors of the same shape."""


@attrs.frozen
class Mul:
    """Elementwise product with NumPy broadcasting (squeeze-and-excitation)."""


@attrs.frozen
class Concat:
    """Concatenation along channels."""


def _add_shape(op: Add, shapes: Sequence[Shape]) -> Shape:
    for shape in shapes[1:]:
        if shape != shapes[0]:
            raise ShapeError(
                "E405",
                f"cannot add tensors of shapes {fmt(shapes[0])} and {fmt(shape)}",
                "add needs equal shapes; a projection shortcut (1x1 conv) can match them",
            )
    return shapes[0]


def broadcast(a: Shape, b: Shape) -> Shape:
    """The NumPy broadcast of two shapes; ValueError when they do not broadcast."""
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a2, b2, strict=True):
        if x != y and 1 not in (x, y):
            raise ValueError
        out.append(max(x, y))
    return tuple(out)


def _mul_shape(op: Mul, shapes: Sequence[Shape]) -> Shape:
    result = shapes[0]
    for shape in shapes[1:]:
        try:
            result = broadcast(result, shape)
        except ValueError:
            raise ShapeError(
                "E405",
                f"cannot multiply tensors of shapes {fmt(result)} and {fmt(shape)}",
                "mul broadcasts like NumPy: each trailing dimension must be equal or 1",
            ) from None
    return result


def _concat_shape(op: Concat, shapes: Sequence[Shape]) -> Shape:
    first = shapes[0]
    for shape in shapes[1:]:
        if len(shape) != len(first) or shape[:-1] != first[:-1]:
            raise ShapeError(
                "E405",
                f"cannot concatenate tensors of shapes {fmt(first)} and {fmt(shape)}",
                "concat joins channels: all dimensions but the last must be equal",
            )
    return (*first[:-1], sum(s[-1] for s in shapes))


def _elementwise_cost(op: Add | Mul, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(flops=(len(ins) - 1) * arrays.elements(out),
                naive_input=sum(arrays.elements(s) for s in ins))


def _free(op: Concat, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(moves_data=False)  # done by addressing: each input is written in place


def align(operands: list[Any]) -> list[Any]:
    """Batched operands shaped to broadcast over their example axes only.

    NumPy aligns trailing axes, so an (N, C) vector beside an (N, H, W, C)
    image would pair its batch axis with W; inserting unit axes after the
    batch axis pairs C with C, as the shape rule does for one example.
    """
    rank = max(a.ndim for a in operands)
    return [a.reshape(a.shape[0], *(1,) * (rank - a.ndim), *a.shape[1:]) for a in operands]


def _add(op: Add, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return sum(inputs[1:], inputs[0])


def _mul(op: Mul, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    operands = align(inputs)
    y = operands[0]
    for other in operands[1:]:
        y = y * other
    return y


def _concat(op: Concat, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return arrays.np().concatenate(inputs, axis=-1)


def _merge_layer(name: str) -> Layer:
    # The elaborator gathers a merge's tensors itself; it never binds arguments.
    return Layer(name, (), lambda a: None)


register(OpDef(Add, "elementwise sum of tensors of one shape", shape=_add_shape,
               cost=_elementwise_cost, execute=_add, layers=(_merge_layer("add"),),
               absorbs=True, merge=True))
register(OpDef(Mul, "elementwise product, broadcasting like NumPy", shape=_mul_shape,
               cost=_elementwise_cost, execute=_mul, layers=(_merge_layer("mul"),),
               merge=True))
register(OpDef(Concat, "concatenation along the channels", shape=_concat_shape, cost=_free,
               execute=_concat, layers=(_merge_layer("concat"),), merge=True))
