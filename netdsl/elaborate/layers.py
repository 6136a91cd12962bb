"""The built-in layers as the language sees them, and their typed argument accessors.

Each entry of :data:`LAYERS` is a :class:`~netdsl.elaborate.values.Layer`
with a signature (names and defaults, as the user calls it) and a ``build``
function that validates the bound arguments through :class:`Args` and returns
an op. Both come from the op registry (:mod:`netdsl.ir.ops`), where each
layer kind is defined; docs/language.md documents every layer.
"""

from __future__ import annotations

from typing import Any

from netdsl.diagnostics import Span, error
from netdsl.elaborate.values import Builtin, Layer, Symbol, show, type_name
from netdsl.ir.ops import REGISTRY, Padding


class Args:
    """Bound arguments of one layer call with typed, span-aware accessors.

    ``in_shape`` is the shape of the layer's input (None for ``input``).
    ``input_failed`` says the statement that should have made the input failed:
    the arguments are still checked, each on its own (a bad one is an error of
    this statement), but nothing may be concluded from the input, which the
    elaborator then skips silently. So :meth:`channels_in` and any other reading
    of the input must go through :meth:`input_shape`.
    """

    def __init__(
        self, layer: str, values: dict[str, Any], spans: dict[str, Span | None],
        call_span: Span | None, in_shape: tuple[int, ...] | None,
        input_failed: bool = False,
    ):
        self.layer = layer
        self.values = values
        self.spans = spans
        self.call_span = call_span
        self.in_shape = in_shape
        self.input_failed = input_failed

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
            return _shared((first, self._element(name, value[1], minimum)))
        return _shared((self.int(name, minimum),) * 2)

    def ints(self, name: str, minimum: int) -> tuple[int, ...]:
        """A non-empty list of integers of at least ``minimum`` (``reshape([196, -1])``)."""
        value = self.values[name]
        if not isinstance(value, tuple) or not value:
            self.wrong_type(name, "a list of integers")
        return tuple(self._element(name, v, minimum) for v in value)

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
        return _shared(self._padding(name, kernel, dilation, auto))

    def _padding(self, name: str, kernel: tuple[int, int], dilation: tuple[int, int],
                 auto: bool) -> Padding:
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

    def input_shape(self) -> tuple[int, ...] | None:
        """The input's shape; None when the input failed (its shape is unknown)."""
        assert self.in_shape is not None or self.input_failed, f"'{self.layer}' has no input"
        return None if self.input_failed else self.in_shape

    def channels_in(self) -> int:
        """The channels of an HxWxC input (``dwconv``, ``instancenorm``); E402 for another rank.

        When the input failed this is a stand-in, 1, so that the arguments read
        after it are still checked; the layer built with it is never kept, since
        the elaborator skips a layer whose input failed.
        """
        shape = self.input_shape()
        if shape is None:
            return 1
        if len(shape) != 3:
            raise error("E402", f"'{self.layer}' expects an HxWxC input, got "
                        f"{'x'.join(map(str, shape))}", self.call_span)
        return shape[2]


#: Kernel sizes, strides, dilations and paddings, each value kept once: most layers of a
#: network hold the same few, and a kept one is shared instead of held by every layer
#: (a 3-by-3 convolution's kernel, stride, dilation and padding take some 300 bytes).
#: Only integers and padding modes go in, so equal values are the same values.
_SHARED: dict[Any, Any] = {}
_MAX_SHARED = 4096  # a bound for long-lived processes compiling ever new sizes


def _shared(value: Any) -> Any:
    """``value``, or the equal value kept before it."""
    kept = _SHARED.get(value)
    if kept is not None:
        return kept
    if len(_SHARED) < _MAX_SHARED:
        _SHARED[value] = value
    return value


def _layers() -> dict[str, Layer]:
    layers: dict[str, Layer] = {}
    for definition in REGISTRY.values():
        if definition.merge:
            continue
        for layer in definition.layers:
            assert layer.name not in layers, f"layer '{layer.name}' is registered twice"
            layers[layer.name] = layer
    return layers


#: Every built-in layer by name, from the op registry.
LAYERS: dict[str, Layer] = _layers()

#: Merge layers take tensors: ``add(x)`` adds the current tensor and x.
MERGES: dict[str, type] = {layer.name: definition.op for definition in REGISTRY.values()
                           if definition.merge for layer in definition.layers}
