"""Activations: elementwise non-linearities and softmax.

Adding an activation without arguments is one entry in :data:`ACTIVATIONS`
(its FLOPs per element and its NumPy formula) and one line in
docs/language.md. Activations with arguments (``leaky_relu(slope)``,
``elu(alpha)``, ``hardtanh(low, high)``) and with a learned slope
(``prelu``) are small classes of their own below, registered the same way.
"""


from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import Layer, Symbol
from netdsl.ir.cost import ParamCounts, Work
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
    "mish": Kind(1, lambda x, approx: x * arrays.np().tanh(arrays.np().logaddexp(0.0, x))),
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


# ---- activations with arguments -------------------------------------------------


@attrs.frozen
class LeakyReLU:
    """``x`` where positive, else ``slope * x``."""

    slope: float = 0.01


@attrs.frozen
class ELU:
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""

    alpha: float = 1.0


@attrs.frozen
class HardTanh:
    """``x`` clipped to [``low``, ``high``]."""

    low: float = -1.0
    high: float = 1.0


@attrs.frozen
class PReLU:
    """Leaky ReLU with a learned slope: one per channel, or one shared (``per_channel=false``)."""

    per_channel: bool = True


def _one_flop(op: object, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(flops=arrays.elements(out), naive_input=arrays.elements(ins[0]))


def _leaky(x: Any, slope: Any) -> Any:
    return arrays.np().where(x > 0, x, slope * x)


def _prelu_cost(op: PReLU, ins: Sequence[Shape], out: Shape) -> Work:
    slopes = out[-1] if op.per_channel else 1
    return Work(params=ParamCounts(weights=slopes), flops=arrays.elements(out),
                naive_input=arrays.elements(ins[0]), weight_reads=slopes)


def _prelu_parameters(op: PReLU, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    return {"slope": (out[-1] if op.per_channel else 1,)}


def _build_leaky(a: Any) -> LeakyReLU:
    return LeakyReLU(float(a.number("slope")))


def _build_elu(a: Any) -> ELU:
    return ELU(float(a.number("alpha")))


def _build_hardtanh(a: Any) -> HardTanh:
    low, high = float(a.number("low")), float(a.number("high"))
    if low > high:
        a.fail("high", f"high must be at least low ({low}), got {high}")
    return HardTanh(low, high)


def _elementwise(op_class: type, doc: str, formula: Callable[[Any, Any], Any],
                 layer: Layer, **extra: Any) -> None:
    register(OpDef(
        op_class, doc, shape=same_shape, cost=extra.pop("cost", _one_flop),
        execute=lambda op, inputs, weights, out: formula(op, inputs[0], weights),
        layers=(layer,), fusable=lambda op: None, **extra,
    ))


_elementwise(LeakyReLU, "leaky ReLU: x, or slope * x where negative",
             lambda op, x, w: _leaky(x, op.slope),
             Layer("leaky_relu", (("slope", 0.01),), _build_leaky))
_elementwise(ELU, "ELU: x, or alpha * (exp(x) - 1) where negative",
             lambda op, x, w: arrays.np().where(x > 0, x, op.alpha * arrays.np().expm1(x)),
             Layer("elu", (("alpha", 1.0),), _build_elu))
_elementwise(HardTanh, "x clipped to [low, high]",
             lambda op, x, w: arrays.np().clip(x, op.low, op.high),
             Layer("hardtanh", (("low", -1.0), ("high", 1.0)), _build_hardtanh))
_elementwise(PReLU, "leaky ReLU with a learned slope per channel (or one shared)",
             lambda op, x, w: _leaky(x, w["slope"]),
             Layer("prelu", (("per_channel", True),), lambda a: PReLU(a.bool("per_channel"))),
             cost=_prelu_cost, parameters=_prelu_parameters)
