"""Fully connected layers (``dense``, ``fc``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, scale_last_axis

Shape = tuple[int, ...]


@attrs.frozen
class Dense:
    """Fully connected layer over the flattened input."""

    units: int
    bias: bool = True


def _shape(op: Dense, shapes: Sequence[Shape]) -> Shape:
    return (op.units,)


def _cost(op: Dense, ins: Sequence[Shape], out: Shape) -> Work:
    inputs = arrays.elements(ins[0])
    weights = inputs * op.units
    biases = op.units if op.bias else 0
    return Work(
        params=ParamCounts(weights=weights, biases=biases),
        maccs=weights,
        flops=2 * weights + biases,
        naive_input=weights,
        weight_reads=weights + biases,
    )


def _parameters(op: Dense, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    """``kernel`` (inputs, units) over the flattened input, and ``bias`` (units)."""
    shapes = {"kernel": (arrays.elements(ins[0]), op.units)}
    return {**shapes, "bias": (op.units,)} if op.bias else shapes


def _execute(op: Dense, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    x = inputs[0]
    y = x.reshape(x.shape[0], -1) @ weights["kernel"]
    return y + weights["bias"] if op.bias else y


def _build(a: Any) -> Dense:
    return Dense(a.int("units"), a.bool("bias"))


_SIGNATURE = (("units", REQUIRED), ("bias", True))

register(OpDef(
    Dense,
    "fully connected layer over the flattened input",
    shape=_shape,
    cost=_cost,
    execute=_execute,
    parameters=_parameters,
    layers=(Layer("dense", _SIGNATURE, _build), Layer("fc", _SIGNATURE, _build)),
    absorbs=True,
    scale_outputs=scale_last_axis,
))
