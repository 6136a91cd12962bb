"""Op kinds: one small frozen class per layer kind, with typed attributes.

Passes and backends dispatch on these classes with ``match``. Every class here
must have a shape rule (``passes/infer_shapes.py``) and a cost rule
(``passes/annotate_cost.py``); a test checks both tables cover :data:`ALL_OPS`.

Spatial pairs are ``(height, width)``; padding is ``(top, bottom, left, right)``.
"""

from __future__ import annotations

import attrs

Pair = tuple[int, int]


@attrs.frozen
class Padding:
    """How a window layer pads its input.

    ``mode`` is ``"explicit"`` (``sides`` gives top, bottom, left, right) or
    ``"same"`` (TensorFlow: output = ceil(n / stride), the odd pixel after),
    whose sides depend on the input size and are computed by shape inference.
    ``valid`` is explicit zero padding.
    """

    mode: str = "explicit"
    sides: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __str__(self) -> str:
        if self.mode == "same":
            return "same"
        t, b, left, r = self.sides
        if t == b == left == r:
            return str(t)
        if t == b and left == r:
            return f"[{t}, {left}]"
        return f"[{t}, {b}, {left}, {r}]"


@attrs.frozen
class Input:
    """The network input; ``shape`` excludes the batch dimension."""

    shape: tuple[int, ...]


@attrs.frozen
class Conv:
    """2-D convolution (regular, grouped or depthwise) with an optional bias."""

    channels: int
    kernel: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Padding = Padding()
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True


@attrs.frozen
class Dense:
    """Fully connected layer over the flattened input."""

    units: int
    bias: bool = True


@attrs.frozen
class BatchNorm:
    """Per-channel batch normalisation (inference form)."""

    eps: float = 1e-5


#: Activation kinds and the FLOPs each counts per output element (cost-model.md
#: section 2): one operation per element for every elementwise activation, the
#: way the cost model counts ReLU, and three for softmax (exp, sum, divide).
ACTIVATIONS: dict[str, int] = {
    "relu": 1,
    "relu6": 1,
    "sigmoid": 1,
    "tanh": 1,
    "hsigmoid": 1,
    "hswish": 1,
    "swish": 1,
    "gelu": 1,
    "softmax": 3,
}


#: GELU's forms: ``none`` is the exact ``x * Phi(x)`` (PyTorch's default),
#: ``tanh`` the tanh approximation (TensorFlow's ``approximate=True``).
GELU_APPROXIMATIONS = ("none", "tanh")


@attrs.frozen
class Activation:
    """An elementwise non-linearity (``softmax`` normalises over channels).

    ``approx`` is GELU's form (:data:`GELU_APPROXIMATIONS`); other kinds keep
    the default.
    """

    kind: str
    approx: str = "none"


@attrs.frozen
class Pool:
    """Max or average pooling over a window.

    ``count_pad``: average pooling divides by the whole window, padding
    included (PyTorch's default ``count_include_pad=True``), or only by the
    elements inside the input (False: TensorFlow's convention). A window part
    that hangs over the padding with ``ceil_mode`` never counts.
    """

    kind: str  # "max" or "avg"
    kernel: Pair
    stride: Pair
    padding: Padding = Padding()
    ceil_mode: bool = False
    count_pad: bool = True


@attrs.frozen
class GlobalPool:
    """Global pooling to 1 x 1 x C."""

    kind: str = "avg"


@attrs.frozen
class ZeroPad:
    """Explicit zero padding (top, bottom, left, right)."""

    sides: tuple[int, int, int, int]


@attrs.frozen
class Add:
    """Elementwise sum of two or more tensors of the same shape."""


@attrs.frozen
class Mul:
    """Elementwise product with NumPy broadcasting (squeeze-and-excitation)."""


@attrs.frozen
class Concat:
    """Concatenation along channels."""


@attrs.frozen
class Flatten:
    """Reshape to a vector (free: done by addressing)."""


@attrs.frozen
class Upsample:
    """Spatial upsampling by an integer factor."""

    factor: Pair = (2, 2)
    mode: str = "nearest"


@attrs.frozen
class Dropout:
    """Dropout: the identity at inference."""

    rate: float = 0.5


@attrs.frozen
class Identity:
    """A no-op layer, kept so a name can be given to a tensor."""


Op = (
    Input | Conv | Dense | BatchNorm | Activation | Pool | GlobalPool | ZeroPad | Add | Mul
    | Concat | Flatten | Upsample | Dropout | Identity
)

ALL_OPS: tuple[type, ...] = (
    Input, Conv, Dense, BatchNorm, Activation, Pool, GlobalPool, ZeroPad, Add, Mul, Concat,
    Flatten, Upsample, Dropout, Identity,
)


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
