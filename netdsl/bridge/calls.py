"""Write an op back as the netdsl layer call that builds it: ``conv(32, 3, s=2, pad=1)``.

The ONNX importer writes its source with these calls, and the exporter puts
each layer's call in its ONNX node's ``doc_string`` (``netdsl: ...``), so a
model netdsl exported imports back as exactly the layers it was made of.
Arguments that depend on the input (``dwconv``'s channels) are derived from
it; arguments at their default are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from netdsl.ir.ops import (
    ELU,
    Activation,
    AdaptivePool,
    Add,
    BatchNorm,
    Bias,
    ChannelShuffle,
    ClassToken,
    Concat,
    Conv,
    ConvTranspose,
    Dense,
    Dropout,
    Flatten,
    GlobalPool,
    GroupNorm,
    HardTanh,
    Identity,
    Input,
    LayerNorm,
    LeakyReLU,
    Linear,
    Mul,
    MultiHeadAttention,
    Padding,
    Permute,
    PixelShuffle,
    Pool,
    PositionEmbedding,
    PReLU,
    Reshape,
    Scale,
    Slice,
    Tokens,
    TokenSelect,
    Upsample,
    ZeroPad,
)

Shape = tuple[int, ...]


def number(value: float) -> str:
    """A float as netdsl source, shortest first: ``1e-05``, ``0.2``, ``6``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    # float32 attributes (ONNX's) print as the float32 they are, not 9.99999974e-06.
    text = repr(float(value))
    short = str(np.float32(value))
    return short if float(np.float32(short)) == float(np.float32(value)) and \
        len(short) < len(text) else text


def pair(value: tuple[int, int]) -> str:
    """``3`` for (3, 3), ``[3, 5]`` otherwise."""
    return str(value[0]) if value[0] == value[1] else f"[{value[0]}, {value[1]}]"


def ints(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def padding(value: Padding) -> str:
    """``same``, ``1``, ``[1, 2]`` (vertical, horizontal) or ``[t, b, l, r]``."""
    return str(value)


def window(stride: tuple[int, int], pad: Padding, kernel: tuple[int, int],
            dilation: tuple[int, int]) -> list[str]:
    """``s=`` and ``pad=`` of a convolution, each left out at its default (1, auto)."""
    args = [] if stride == (1, 1) else [f"s={pair(stride)}"]
    ph, pw = ((d * (k - 1) + 1) // 2 for k, d in zip(kernel, dilation, strict=True))
    if pad != Padding("explicit", (ph, ph, pw, pw)):
        args.append(f"pad={padding(pad)}")
    return args


def _flag(name: str, value: bool, default: bool = True) -> list[str]:
    return [] if value == default else [f"{name}={'true' if value else 'false'}"]


def call_text(op: object, input_shapes: Sequence[Shape]) -> str:
    """The layer call that builds ``op`` from inputs of ``input_shapes``.

    Merges (``add``, ``mul``, ``concat``) are written without their operands,
    which the source names (``add(x)``); the caller adds them.
    """
    name, args = _call(op, input_shapes)
    return f"{name}({', '.join(args)})" if args else name


def _call(op: object, ins: Sequence[Shape]) -> tuple[str, list[str]]:
    match op:
        case Input(shape=shape):
            return "input", [str(d) for d in shape]
        case Conv():
            cin = ins[0][-1]
            common = window(op.stride, op.padding, op.kernel, op.dilation)
            if op.dilation != (1, 1):
                common.append(f"dilation={pair(op.dilation)}")
            if op.groups == cin > 1 and op.channels % cin == 0:
                mult = op.channels // cin
                return "dwconv", [pair(op.kernel), *common, *([f"mult={mult}"] * (mult != 1)),
                                  *_flag("bias", op.bias)]
            return "conv", [str(op.channels), pair(op.kernel), *common,
                            *([f"groups={op.groups}"] * (op.groups != 1)),
                            *_flag("bias", op.bias)]
        case ConvTranspose():
            args = [str(op.channels), pair(op.kernel), f"s={pair(op.stride)}",
                    f"pad={pair(op.padding)}"]
            if op.output_padding != (0, 0):
                args.append(f"out_pad={pair(op.output_padding)}")
            if op.dilation != (1, 1):
                args.append(f"dilation={pair(op.dilation)}")
            if op.groups != 1:
                args.append(f"groups={op.groups}")
            return "convT", [*args, *_flag("bias", op.bias)]
        case Dense():
            return "fc", [str(op.units), *_flag("bias", op.bias)]
        case Linear():
            return "linear", [str(op.units), *_flag("bias", op.bias)]
        case BatchNorm():
            return "bn", [] if op.eps == 1e-5 else [f"eps={number(op.eps)}"]
        case LayerNorm():
            return "layernorm", [*([f"eps={number(op.eps)}"] * (op.eps != 1e-5)),
                                 *_flag("affine", op.affine)]
        case GroupNorm(instance=True):
            return "instancenorm", [*([f"eps={number(op.eps)}"] * (op.eps != 1e-5)),
                                    *_flag("affine", op.affine, False)]
        case GroupNorm():
            return "groupnorm", [str(op.groups), *([f"eps={number(op.eps)}"] * (op.eps != 1e-5)),
                                 *_flag("affine", op.affine)]
        case Activation(kind="gelu"):
            return "gelu", [] if op.approx == "none" else [f"approx={op.approx}"]
        case Activation(kind=kind):
            return kind, []
        case LeakyReLU():
            return "leaky_relu", [f"slope={number(op.slope)}"]
        case ELU():
            return "elu", [f"alpha={number(op.alpha)}"]
        case HardTanh():
            return "hardtanh", [f"low={number(op.low)}", f"high={number(op.high)}"]
        case PReLU():
            return "prelu", _flag("per_channel", op.per_channel)
        case Pool():
            args = [pair(op.kernel)]
            if op.stride != op.kernel:
                args.append(f"s={pair(op.stride)}")
            if op.padding != Padding():
                args.append(f"pad={padding(op.padding)}")
            if op.ceil_mode:
                args.append("round=ceil")
            if op.kind == "avg" and not op.count_pad:
                args.append("count_pad=false")
            return f"{op.kind}pool", args
        case AdaptivePool():
            return f"adaptive_{op.kind}pool", [str(op.size[0]), str(op.size[1])]
        case GlobalPool():
            return ("gap" if op.kind == "avg" else "gmp"), []
        case ZeroPad():
            return "zeropad", [str(s) for s in op.sides]
        case Upsample():
            return "upsample", [pair(op.factor), *([f"mode={op.mode}"] * (op.mode != "nearest"))]
        case Add() | Mul() | Concat():
            return type(op).__name__.lower(), []
        case Slice():
            return "slice", [str(op.start), str(op.end)]
        case ChannelShuffle():
            return "channel_shuffle", [str(op.groups)]
        case PixelShuffle():
            return ("pixel_unshuffle" if op.inverse else "pixel_shuffle"), [str(op.factor)]
        case Reshape():
            return "reshape", [ints(op.shape)]
        case Permute():
            return "permute", [ints(op.axes)]
        case Scale():
            return "scale", []
        case Bias():
            return "bias", []
        case Tokens():
            return "tokens", []
        case ClassToken():
            return "class_token", []
        case PositionEmbedding():
            return "pos_embed", []
        case TokenSelect():
            return "token", [] if op.index == 0 else [str(op.index)]
        case MultiHeadAttention():
            return "mha", [str(op.heads), *_flag("bias", op.bias)]
        case Flatten():
            return "flatten", []
        case Dropout():
            return "dropout", [number(op.rate)]
        case Identity():
            return "identity", []
    raise ValueError(f"no layer call for {op!r}")


__all__ = ["call_text", "number", "pair", "window"]
