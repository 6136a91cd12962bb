"""Op kinds: one small frozen class per layer kind, each registered with its rules.

Passes and backends dispatch on these classes with ``match``, and find each
kind's shape rule, cost rule, reference executor and layer signatures in
:data:`REGISTRY` (:mod:`netdsl.ir.ops.registry`). Each module here defines a
family of kinds and registers them; importing this package registers all.

Spatial pairs are ``(height, width)``; padding is ``(top, bottom, left, right)``.
"""

from __future__ import annotations

from netdsl.ir.ops.activation import (
    ACTIVATIONS,
    ELU,
    GELU_APPROXIMATIONS,
    Activation,
    HardTanh,
    LeakyReLU,
    PReLU,
)
from netdsl.ir.ops.adaptive_pool import AdaptivePool
from netdsl.ir.ops.batchnorm import BN_PARAMETERS, BatchNorm
from netdsl.ir.ops.channels import ChannelShuffle, PixelShuffle, Slice
from netdsl.ir.ops.conv import Conv
from netdsl.ir.ops.conv_transpose import ConvTranspose
from netdsl.ir.ops.dense import Dense
from netdsl.ir.ops.layout import Permute, Reshape
from netdsl.ir.ops.learned import Bias, Scale
from netdsl.ir.ops.merge import Add, Concat, Mul
from netdsl.ir.ops.norm import GroupNorm, LayerNorm
from netdsl.ir.ops.pool import GlobalPool, Pool
from netdsl.ir.ops.registry import REGISTRY, OpDef, infer_shape, op_def
from netdsl.ir.ops.resize import Upsample, ZeroPad
from netdsl.ir.ops.sequence import (
    ClassToken,
    Linear,
    MultiHeadAttention,
    PositionEmbedding,
    Tokens,
    TokenSelect,
)
from netdsl.ir.ops.tensor import Dropout, Flatten, Identity, Input
from netdsl.ir.windows import Padding, Pair

Op = (
    Input | Conv | ConvTranspose | Dense | BatchNorm | LayerNorm | GroupNorm | Activation
    | LeakyReLU | ELU | HardTanh | PReLU | Pool | AdaptivePool | GlobalPool | ZeroPad | Add
    | Mul | Concat | Flatten | Upsample | Dropout | Identity | Slice | ChannelShuffle
    | PixelShuffle | Scale | Bias | Tokens | Linear | ClassToken | PositionEmbedding
    | TokenSelect | MultiHeadAttention | Reshape | Permute
)

#: Every op class, in registration order.
ALL_OPS: tuple[type, ...] = tuple(REGISTRY)


def op_name(op: object, in_channels: int | None = None) -> str:
    """The short name a user reads: ``conv``, ``dwconv``, ``relu6``, ``maxpool``...

    An op built by one layer reads as that layer; ``in_channels`` tells a
    depthwise convolution (one input channel per group) from a grouped one.
    """
    match op:
        case Conv(groups=g) if g > 1 and g == in_channels:
            return "dwconv"
        case Activation(kind=kind):
            return kind
        case Pool(kind=kind):
            return f"{kind}pool"
        case AdaptivePool(kind=kind):
            return f"adaptive_{kind}pool"
        case GlobalPool(kind=kind):
            return "gap" if kind == "avg" else "gmp"
        case PixelShuffle(inverse=inverse):
            return "pixel_unshuffle" if inverse else "pixel_shuffle"
        case GroupNorm(instance=instance):
            return "instancenorm" if instance else "groupnorm"
    layers = op_def(op).layers
    return layers[0].name if len(layers) == 1 else type(op).__name__.lower()


__all__ = [
    "ACTIVATIONS",
    "ALL_OPS",
    "BN_PARAMETERS",
    "ELU",
    "GELU_APPROXIMATIONS",
    "REGISTRY",
    "Activation",
    "AdaptivePool",
    "Add",
    "BatchNorm",
    "Bias",
    "ChannelShuffle",
    "ClassToken",
    "Concat",
    "Conv",
    "ConvTranspose",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalPool",
    "GroupNorm",
    "HardTanh",
    "Identity",
    "Input",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "Mul",
    "MultiHeadAttention",
    "Op",
    "OpDef",
    "PReLU",
    "Padding",
    "Pair",
    "Permute",
    "PixelShuffle",
    "Pool",
    "PositionEmbedding",
    "Reshape",
    "Scale",
    "Slice",
    "TokenSelect",
    "Tokens",
    "Upsample",
    "ZeroPad",
    "infer_shape",
    "op_def",
    "op_name",
]
