"""Batch normalisation in its inference form (``bn``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, same_shape

Shape = tuple[int, ...]

#: The arrays of a batch norm, each with one value per channel.
BN_PARAMETERS = ("gamma", "beta", "mean", "variance")


@attrs.frozen
class BatchNorm:
    """Per-channel batch normalisation (inference form)."""

    eps: float = 1e-5


def _cost(op: BatchNorm, ins: Sequence[Shape], out: Shape) -> Work:
    channels = out[-1]
    return Work(
        params=ParamCounts(bn_affine=2 * channels, bn_stats=2 * channels),
        flops=2 * arrays.elements(out),
        naive_input=arrays.elements(ins[0]),
        weight_reads=2 * channels,
    )


def _parameters(op: BatchNorm, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    return {name: (out[-1],) for name in BN_PARAMETERS}


def _execute(op: BatchNorm, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    """``gamma * (x - mean) / sqrt(variance + eps) + beta``."""
    scale = weights["gamma"] / arrays.np().sqrt(weights["variance"] + op.eps)
    return (inputs[0] - weights["mean"]) * scale + weights["beta"]


def _build(a: Any) -> BatchNorm:
    eps = a.number("eps")
    # eps = 0 is valid at inference (the variances of trained weights are
    # positive); only a negative eps is meaningless.
    if eps < 0:
        a.fail("eps", f"eps must be 0 or more, got {eps}")
    return BatchNorm(float(eps))


register(OpDef(
    BatchNorm,
    "per-channel batch normalisation, inference form",
    shape=same_shape,
    cost=_cost,
    execute=_execute,
    parameters=_parameters,
    layers=(Layer("bn", (("eps", 1e-5),), _build),),
    fusable=lambda op: None,
    foldable=True,
))
