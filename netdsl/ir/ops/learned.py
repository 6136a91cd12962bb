"""A learned tensor applied as a layer: per-channel ``scale`` and ``bias``.

ConvNeXt's layer scale is ``scale``; a learned per-channel shift is ``bias``.
Each holds one value per channel (counted as weights for ``scale``, biases
for ``bias``) and costs one FLOP per element; both can be fused into the
layer before them, like an activation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, same_shape

Shape = tuple[int, ...]


@attrs.frozen
class Scale:
    """Multiply each channel by a learned value (layer scale)."""


@attrs.frozen
class Bias:
    """Add a learned value to each channel."""


def _cost(op: Scale | Bias, ins: Sequence[Shape], out: Shape) -> Work:
    channels = out[-1]
    params = ParamCounts(weights=channels) if isinstance(op, Scale) else ParamCounts(
        biases=channels)
    return Work(params=params, flops=arrays.elements(out), naive_input=arrays.elements(ins[0]),
                weight_reads=channels)


def _scale(op: Scale, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0] * weights["scale"]


def _bias(op: Bias, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0] + weights["bias"]


_SCALE, _BIAS = Scale(), Bias()

register(OpDef(Scale, "a learned factor per channel (layer scale)", shape=same_shape,
               cost=_cost, execute=_scale,
               parameters=lambda op, ins, out: {"scale": (out[-1],)},
               layers=(Layer("scale", (), lambda a: _SCALE),), fusable=lambda op: None))
register(OpDef(Bias, "a learned shift per channel", shape=same_shape, cost=_cost,
               execute=_bias, parameters=lambda op, ins, out: {"bias": (out[-1],)},
               layers=(Layer("bias", (), lambda a: _BIAS),), fusable=lambda op: None))
