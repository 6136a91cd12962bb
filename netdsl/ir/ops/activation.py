"""Activations: elementwise non-linearities and softmax.

Adding an activation is one entry in :data:`ACTIVATIONS` (its FLOPs per
element and its NumPy formula) and one line in docs/language.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import Layer, Symbol
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, same_shape

Shape = tuple[int, ...]

#: GELU's forms: ``none`` is the exact ``x * Phi(x)`` (PyTorch's default),
#: ``tanh`` the tanh approximation (TensorFlow's ``approximate=True``).
GELU_APPROXIMATIONS = ("none", "tanh")


def _relu6(x: Any) -> Any:
    return arrays.np().clip(x, 0.0, 6.0)


def _sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + arrays.np().exp(-x))


def _gelu(x: Any, approx: str) -> Any:
    np = arrays.np()
    if approx == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; this is a reference
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))


def _softmax(x: Any) -> Any:
    e = arrays.np().exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@attrs.frozen
class Kind:
    """One activation: FLOPs per output element (cost-model.md section 2) and its formula.

    Every elementwise activation counts one operation per element, the way
    the cost model counts ReLU; softmax counts three (exp, sum, divide).
    """

    flops: int
    formula: Callable[..., Any] = attrs.field(repr=False)
    elementwise: bool = True


#: Every activation kind; the layer of the same name builds it.
ACTIVATIONS: dict[str, Kind] = {
    "relu": Kind(1, lambda x, approx: arrays.np().maximum(x, 0.0)),
    "relu6": Kind(1, lambda x, approx: _relu6(x)),
    "sigmoid": Kind(1, lambda x, approx: _sigmoid(x)),
    "tanh": Kind(1, lambda x, approx: arrays.np().tanh(x)),
    "hsigmoid": Kind(1, lambda x, approx: _relu6(x + 3.0) / 6.0),
    "hswish": Kind(1, lambda x, approx: x * _relu6(x + 3.0) / 6.0),
    "swish": Kind(1, lambda x, approx: x * _sigmoid(x)),
    "gelu": Kind(1, _gelu),
    "softmax": Kind(3, lambda x, approx: _softmax(x), elementwise=False),
}

#: Other names of activations: ``silu`` is ``swish``.
ALIASES = {"silu": "swish"}


@attrs.frozen
class Activation:
    """A non-linearity of kind :data:`ACTIVATIONS` (``softmax`` normalises over channels).

    ``approx`` is GELU's form (:data:`GELU_APPROXIMATIONS`); other kinds keep
    the default.
    """

    kind: str
    approx: str = "none"


def _cost(op: Activation, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(flops=ACTIVATIONS[op.kind].flops * arrays.elements(out),
                naive_input=arrays.elements(ins[0]))


def _execute(op: Activation, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return ACTIVATIONS[op.kind].formula(inputs[0], op.approx)


def _fusable(op: Activation) -> str | None:
    if not ACTIVATIONS[op.kind].elementwise:
        return f"{op.kind} normalises over all channels, so it cannot be applied per value"
    return None


def _build_gelu(a: Any) -> Activation:
    return Activation("gelu", a.symbol("approx", GELU_APPROXIMATIONS))


def _fixed(kind: str) -> Callable[[Any], Activation]:
    op = Activation(kind)
    return lambda a: op


register(OpDef(
    Activation,
    "a non-linearity applied to each value (softmax: over the channels)",
    shape=same_shape,
    cost=_cost,
    execute=_execute,
    layers=(
        *(Layer(kind, (), _fixed(kind)) for kind in ACTIVATIONS if kind != "gelu"),
        Layer("gelu", (("approx", Symbol("none")),), _build_gelu),
        *(Layer(alias, (), _fixed(kind)) for alias, kind in ALIASES.items()),
    ),
    fusable=_fusable,
))
