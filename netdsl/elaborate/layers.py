"""The built-in layers: their parameters and how arguments become IR ops.

Each entry of :data:`LAYERS` is a :class:`~netdsl.elaborate.values.Layer`
with a signature (names and defaults, as the user calls it) and a ``build``
function that validates the bound arguments through :class:`Args` and returns
an op from :mod:`netdsl.ir.ops`. docs/language.md documents every layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netdsl.diagnostics import Span, error
from netdsl.elaborate.values import REQUIRED, Builtin, Layer, Symbol, show, type_name
from netdsl.ir import ops
from netdsl.ir.ops import Padding


class Args:
    """Bound arguments of one layer call with typed, span-aware accessors."""

    def __init__(
        self, layer: str, values: dict[str, Any], spans: dict[str, Span | None],
        call_span: Span | None, in_shape: tuple[int, ...] | None,
    ):
        self.layer = layer
        self.values = values
        self.spans = spans
        self.call_span = call_span
        self.in_shape = in_shape

    def span(self, name: str) -> Span | None:
        return self.spans.get(name) or self.call_span

    def fail(self, name: str, message: str, hint: str | None = None):
        raise error("E306", f"'{self.layer}': {message}", self.span(name), hint=hint)

    def wrong_type(self, name: str, expected: str):
        value = self.values[name]
        raise error("E304", f"'{self.layer}': {name} must be {expected}, got "
                    f"{type_name(value)} {show(value)}", self.span(name))

    def int(self, name: str, minimum: int = 1) -> int:
        value = self.values[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong_type(name, "an integer")
        if value < minimum:
            self.fail(name, f"{name} must be at least {minimum}, got {value}")
        return value

    def number(self, name: str) -> float:
        value = self.values[name]
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.wrong_type(name, "a number")
        return value

    def bool(self, name: str) -> bool:
        value = self.values[name]
        if not isinstance(value, bool):
            self.wrong_type(name, "true or false")
        return value

    def pair(self, name: str, minimum: int = 1) -> tuple[int, int]:
        value = self.values[name]
        if isinstance(value, tuple):
            if len(value) != 2:
                self.fail(name, f"{name} must be one integer or a pair [h, w], "
                          f"got {len(value)} values")
            first = self._element(name, value[0], minimum)
            return first, self._element(name, value[1], minimum)
        return (self.int(name, minimum),) * 2

    def _element(self, name: str, value: Any, minimum: int) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong_type(name, "a list of integers")
        if value < minimum:
            self.fail(name, f"{name} values must be at least {minimum}, got {value}")
        return value

    def sides(self, name: str) -> tuple[int, int, int, int]:
        """An integer, a pair [vertical, horizontal] or four sides [t, b, l, r]."""
        value = self.values[name]
        if isinstance(value, tuple):
            items = [self._element(name, v, 0) for v in value]
            if len(items) == 2:
                return items[0], items[0], items[1], items[1]
            if len(items) == 4:
                return tuple(items)  # type: ignore[return-value]
            self.fail(name, f"{name} takes 1, 2 or 4 values, got {len(items)}")
        p = self.int(name, 0)
        return p, p, p, p

    def padding(self, name: str, kernel: tuple[int, int], dilation: tuple[int, int],
                auto: bool = True) -> Padding:
        value = self.values[name]
        if isinstance(value, Symbol):
            if value.name == "same":
                return Padding("same")
            if value.name == "valid":
                return Padding()
            if value.name == "auto" and auto:
                ph, pw = ((d * (k - 1) + 1) // 2 for k, d in zip(kernel, dilation, strict=True))
                return Padding("explicit", (ph, ph, pw, pw))
            expected = "auto, same, valid" if auto else "same, valid"
            self.fail(name, f"unknown padding '{value.name}'",
                      f"padding is {expected}, an integer, [h, w] or [top, bottom, left, right]")
        return Padding("explicit", self.sides(name))

    def symbol(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.values[name]
        # A choice may also be spelled by a name that means something else in
        # expressions: ``approx=tanh`` (a layer), ``approx=none`` (no value).
        label = value.name if isinstance(value, Symbol | Builtin | Layer) else None
        if value is None:
            label = "none"
        if label not in choices:
            self.fail(name, f"{name} must be one of {', '.join(choices)}, got {show(value)}")
        return label  # type: ignore[return-value]

    def channels_in(self) -> int:
        assert self.in_shape is not None
        if len(self.in_shape) != 3:
            raise error("E402", f"'{self.layer}' expects an HxWxC input, got "
                        f"{'x'.join(map(str, self.in_shape))}", self.call_span)
        return self.in_shape[2]


def _input(a: Args) -> ops.Input:
    dims = [a.int(n) for n in ("h", "w", "c") if a.values[n] is not None]
    if len(dims) == 2:
        a.fail("c", "input takes 1 value (a vector) or 3 (height, width, channels)")
    return ops.Input(tuple(dims))


def _conv(a: Args) -> ops.Conv:
    kernel, dilation = a.pair("k"), a.pair("dilation")
    return ops.Conv(
        channels=a.int("c"), kernel=kernel, stride=a.pair("s"),
        padding=a.padding("pad", kernel, dilation), dilation=dilation,
        groups=a.int("groups"), bias=a.bool("bias"),
    )


def _dwconv(a: Args) -> ops.Conv:
    kernel, dilation = a.pair("k"), a.pair("dilation")
    channels = a.channels_in()
    return ops.Conv(
        channels=channels * a.int("mult"), kernel=kernel, stride=a.pair("s"),
        padding=a.padding("pad", kernel, dilation), dilation=dilation,
        groups=channels, bias=a.bool("bias"),
    )


def _dense(a: Args) -> ops.Dense:
    return ops.Dense(a.int("units"), a.bool("bias"))


def _bn(a: Args) -> ops.BatchNorm:
    eps = a.number("eps")
    # eps = 0 is valid at inference (the variances of trained weights are
    # positive); only a negative eps is meaningless.
    if eps < 0:
        a.fail("eps", f"eps must be 0 or more, got {eps}")
    return ops.BatchNorm(float(eps))


def _pool(kind: str) -> Callable[[Args], ops.Pool]:
    def build(a: Args) -> ops.Pool:
        kernel = a.pair("k")
        stride = kernel if a.values["s"] is None else a.pair("s")
        count_pad = a.bool("count_pad") if kind == "avg" else True
        return ops.Pool(kind, kernel, stride, a.padding("pad", kernel, (1, 1)),
                        a.symbol("round", ("floor", "ceil")) == "ceil", count_pad)

    return build


def _zeropad(a: Args) -> ops.ZeroPad:
    given = [n for n in ("top", "bottom", "left", "right") if a.values[n] is not None]
    if len(given) == 1:
        return ops.ZeroPad(a.sides("top"))
    if len(given) == 2:
        v, h = a.int("top", 0), a.int("bottom", 0)
        return ops.ZeroPad((v, v, h, h))
    if len(given) == 4:
        return ops.ZeroPad(tuple(a.int(n, 0) for n in ("top", "bottom", "left", "right")))
    return a.fail("left", "zeropad takes 1, 2 or 4 values (top, bottom, left, right)")


def _upsample(a: Args) -> ops.Upsample:
    return ops.Upsample(a.pair("factor"), a.symbol("mode", ("nearest", "bilinear")))


def _dropout(a: Args) -> ops.Dropout:
    rate = a.number("rate")
    if not 0 <= rate <= 1:
        a.fail("rate", f"rate must be in [0, 1], got {rate}")
    return ops.Dropout(float(rate))


def _gelu(a: Args) -> ops.Activation:
    return ops.Activation("gelu", a.symbol("approx", ops.GELU_APPROXIMATIONS))


def _layer(name: str, build: Callable[[Args], Any], *params: tuple[str, Any]) -> Layer:
    return Layer(name, tuple(params), build)


def _fixed(op: Any) -> Callable[[Args], Any]:
    return lambda a: op


_R = REQUIRED
_WINDOW = (("pad", Symbol("auto")), ("dilation", 1))

LAYERS: dict[str, Layer] = {
    "input": _layer("input", _input, ("h", _R), ("w", None), ("c", None)),
    "conv": _layer("conv", _conv, ("c", _R), ("k", 1), ("s", 1), *_WINDOW, ("groups", 1),
                   ("bias", True)),
    "dwconv": _layer("dwconv", _dwconv, ("k", 3), ("s", 1), *_WINDOW, ("mult", 1),
                     ("bias", True)),
    "dense": _layer("dense", _dense, ("units", _R), ("bias", True)),
    "fc": _layer("fc", _dense, ("units", _R), ("bias", True)),
    "bn": _layer("bn", _bn, ("eps", 1e-5)),
    "maxpool": _layer("maxpool", _pool("max"), ("k", _R), ("s", None), ("pad", 0),
                      ("round", Symbol("floor"))),
    "avgpool": _layer("avgpool", _pool("avg"), ("k", _R), ("s", None), ("pad", 0),
                      ("round", Symbol("floor")), ("count_pad", True)),
    "gap": _layer("gap", _fixed(ops.GlobalPool("avg"))),
    "gmp": _layer("gmp", _fixed(ops.GlobalPool("max"))),
    "zeropad": _layer("zeropad", _zeropad, ("top", _R), ("bottom", None), ("left", None),
                      ("right", None)),
    "flatten": _layer("flatten", _fixed(ops.Flatten())),
    "upsample": _layer("upsample", _upsample, ("factor", 2), ("mode", Symbol("nearest"))),
    "dropout": _layer("dropout", _dropout, ("rate", 0.5)),
    "identity": _layer("identity", _fixed(ops.Identity())),
    **{kind: _layer(kind, _fixed(ops.Activation(kind))) for kind in ops.ACTIVATIONS},
    "gelu": _layer("gelu", _gelu, ("approx", Symbol("none"))),
    "silu": _layer("silu", _fixed(ops.Activation("swish"))),
}

#: Merge layers take tensors: ``add(x)`` adds the current tensor and x.
MERGES: dict[str, type] = {"add": ops.Add, "concat": ops.Concat, "mul": ops.Mul}
