"""Normalisations computed from each input at run time: layer, group and instance norm.

Unlike batch norm, their statistics are not constants of the trained model,
so they can never be folded into the weights of the layer before them (the
fold-batchnorm pass says so in a note). Each learns a per-channel scale
(``gamma``, counted as weights) and shift (``beta``, counted as biases).

``layernorm`` normalises each position over its channels (the last axis), as
ConvNeXt's channels-last LayerNorm and a transformer's LayerNorm do;
``groupnorm(g)`` normalises over the plane and the C/g channels of each
group; ``instancenorm`` is group norm with one channel per group, without
the affine parameters by default (PyTorch's InstanceNorm2d). Variances are
biased (divided by the count), as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, same_shape
from netdsl.ir.windows import ShapeError, spatial

Shape = tuple[int, ...]

#: FLOPs per element: the mean 1, the variance 2 (subtract, square-accumulate),
#: normalising 2 (subtract, multiply by the reciprocal deviation); the affine
#: scale and shift add 2. One square root per normalised group is not counted.
STATISTICS_FLOPS, AFFINE_FLOPS = 5, 2

#: Why no normalisation of this module can be folded into a layer's weights.
FOLD_REFUSAL = ("{kind} normalises with statistics of each input, computed at run time, "
                "so it cannot be merged into constant weights")


@attrs.frozen
class LayerNorm:
    """Normalisation of each position over its channels (the last axis)."""

    eps: float = 1e-5
    affine: bool = True


@attrs.frozen
class GroupNorm:
    """Normalisation over the plane and the channels of each of ``groups`` groups.

    ``instance`` marks instance norm (one channel per group), for its name.
    """

    groups: int
    eps: float = 1e-5
    affine: bool = True
    instance: bool = False


def _cost(op: LayerNorm | GroupNorm, ins: Sequence[Shape], out: Shape) -> Work:
    elements, channels = arrays.elements(out), out[-1]
    affine = 2 * channels if op.affine else 0
    return Work(
        params=ParamCounts(weights=affine // 2, biases=affine // 2),
        flops=(STATISTICS_FLOPS + (AFFINE_FLOPS if op.affine else 0)) * elements,
        naive_input=2 * arrays.elements(ins[0]),  # one pass for the statistics, one to apply
        weight_reads=affine,
    )


def _parameters(op: LayerNorm | GroupNorm, ins: Sequence[Shape],
                out: Shape) -> dict[str, Shape]:
    return {"gamma": (out[-1],), "beta": (out[-1],)} if op.affine else {}


def _normalise(x: Any, axes: tuple[int, ...], eps: float) -> Any:
    np = arrays.np()
    mean = x.mean(axis=axes, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps)


def _affine(op: LayerNorm | GroupNorm, y: Any, weights: Mapping[str, Any]) -> Any:
    return y * weights["gamma"] + weights["beta"] if op.affine else y


def _layernorm(op: LayerNorm, inputs: list[Any], weights: Mapping[str, Any],
               out: Shape) -> Any:
    return _affine(op, _normalise(inputs[0], (-1,), op.eps), weights)


def _groupnorm_shape(op: GroupNorm, shapes: Sequence[Shape]) -> Shape:
    _, _, c = spatial("groupnorm", shapes[0])
    if c % op.groups:
        raise ShapeError("E404", f"groups={op.groups} must divide the input channels ({c})")
    return shapes[0]


def _groupnorm(op: GroupNorm, inputs: list[Any], weights: Mapping[str, Any],
               out: Shape) -> Any:
    x = inputs[0]
    n, h, w, c = x.shape
    grouped = x.reshape(n, h, w, op.groups, c // op.groups)
    y = _normalise(grouped, (1, 2, 4), op.eps).reshape(x.shape)
    return _affine(op, y, weights)


def _eps(a: Any) -> float:
    eps = a.number("eps")
    if eps < 0:
        a.fail("eps", f"eps must be 0 or more, got {eps}")
    return float(eps)


def _build_layernorm(a: Any) -> LayerNorm:
    return LayerNorm(_eps(a), a.bool("affine"))


def _build_groupnorm(a: Any) -> GroupNorm:
    return GroupNorm(a.int("g"), _eps(a), a.bool("affine"))


def _build_instancenorm(a: Any) -> GroupNorm:
    return GroupNorm(a.channels_in(), _eps(a), a.bool("affine"), instance=True)


def _refusal(kind: str) -> Callable[[Any], str]:
    return lambda op: FOLD_REFUSAL.format(kind=kind)


register(OpDef(
    LayerNorm,
    "layer norm over the channels of each position, with a learned scale and shift",
    shape=same_shape,
    cost=_cost,
    execute=_layernorm,
    parameters=_parameters,
    layers=(Layer("layernorm", (("eps", 1e-5), ("affine", True)), _build_layernorm),),
    fold_refusal=_refusal("layer norm"),
))

register(OpDef(
    GroupNorm,
    "group norm (and instance norm) over the plane and each group's channels",
    shape=_groupnorm_shape,
    cost=_cost,
    execute=_groupnorm,
    parameters=_parameters,
    layers=(
        Layer("groupnorm", (("g", REQUIRED), ("eps", 1e-5), ("affine", True)),
              _build_groupnorm),
        Layer("instancenorm", (("eps", 1e-5), ("affine", False)), _build_instancenorm),
    ),
    fold_refusal=lambda op: FOLD_REFUSAL.format(
        kind="instance norm" if op.instance else "group norm"),
))
