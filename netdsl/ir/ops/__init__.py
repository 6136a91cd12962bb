"""Op kinds: one small frozen class per layer kind, each registered with its rules.

Passes and backends dispatch on these classes with ``match``, and find each
kind's shape rule, cost rule, reference executor and layer signatures in
:data:`REGISTRY` (:mod:`netdsl.ir.ops.registry`). Each module here defines a
family of kinds and registers them; importing this package registers all.

Spatial pairs are ``(height, width)``; padding is ``(top, bottom, left, right)``.
"""

from __future__ import annotations

from netdsl.ir.ops.activation import ACTIVATIONS, GELU_APPROXIMATIONS, Activation
from netdsl.ir.ops.batchnorm import BN_PARAMETERS, BatchNorm
from netdsl.ir.ops.conv import Conv
from netdsl.ir.ops.dense import Dense
from netdsl.ir.ops.merge import Add, Concat, Mul
from netdsl.ir.ops.pool import GlobalPool, Pool
from netdsl.ir.ops.registry import REGISTRY, OpDef, infer_shape, op_def
from netdsl.ir.ops.resize import Upsample, ZeroPad
from netdsl.ir.ops.tensor import Dropout, Flatten, Identity, Input
from netdsl.ir.windows import Padding, Pair

Op = (
    Input | Conv | Dense | BatchNorm | Activation | Pool | GlobalPool | ZeroPad | Add | Mul
    | Concat | Flatten | Upsample | Dropout | Identity
)

#: Every op class, in registration order.
ALL_OPS: tuple[type, ...] = tuple(REGISTRY)


def op_name(op: object, in_channels: int | None = None) -> str:
    """The short name a user reads: ``conv``, ``dwconv``, ``relu6``, ``maxpool``...

    ``in_channels`` tells a depthwise convolution (one input channel per group)
    from a grouped one.
    """
    match op:
        case Conv(groups=g) if g > 1 and g == in_channels:
            return "dwconv"
        case Activation(kind=kind):
            return kind
        case Pool(kind=kind):
            return f"{kind}pool"
        case GlobalPool(kind=kind):
            return "gap" if kind == "avg" else "gmp"
        case BatchNorm():
            return "bn"
        case ZeroPad():
            return "zeropad"
        case _:
            return type(op).__name__.lower()


__all__ = [
    "ACTIVATIONS",
    "ALL_OPS",
    "BN_PARAMETERS",
    "GELU_APPROXIMATIONS",
    "REGISTRY",
    "Activation",
    "Add",
    "BatchNorm",
    "Concat",
    "Conv",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalPool",
    "Identity",
    "Input",
    "Mul",
    "Op",
    "OpDef",
    "Padding",
    "Pair",
    "Pool",
    "Upsample",
    "ZeroPad",
    "infer_shape",
    "op_def",
    "op_name",
]
