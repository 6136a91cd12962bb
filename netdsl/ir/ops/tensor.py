"""Layers that move no data: the input, flatten, dropout and identity."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import Work
from netdsl.ir.ops.registry import OpDef, register, same_shape

Shape = tuple[int, ...]


@attrs.frozen
class Input:
    """The network input; ``shape`` excludes the batch dimension."""

    shape: tuple[int, ...]


@attrs.frozen
class Flatten:
    """Reshape to a vector (free: done by addressing)."""


@attrs.frozen
class Dropout:
    """Dropout: the identity at inference."""

    rate: float = 0.5


@attrs.frozen
class Identity:
    """A no-op layer, kept so a name can be given to a tensor."""


def _free(op: object, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(moves_data=False)


def _pass_through(op: object, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0]


def _input_shape(op: Input, shapes: Sequence[Shape]) -> Shape:
    return op.shape


def _input_execute(op: Input, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    raise AssertionError("the executor feeds input layers their data")


def _build_input(a: Any) -> Input:
    """``input(h, w, c)``: an image; ``input(n, c)``: n tokens; ``input(n)``: a vector."""
    if a.values["c"] is not None and a.values["w"] is None:
        a.fail("c", "input takes 1 value (a vector), 2 (tokens, features) or 3 (height, width, "
               "channels)")
    return Input(tuple(a.int(n) for n in ("h", "w", "c") if a.values[n] is not None))


def _flatten_execute(op: Flatten, inputs: list[Any], weights: Mapping[str, Any],
                     out: Shape) -> Any:
    x = inputs[0]
    return x.reshape(x.shape[0], -1)


def _build_dropout(a: Any) -> Dropout:
    rate = a.number("rate")
    if not 0 <= rate <= 1:
        a.fail("rate", f"rate must be in [0, 1], got {rate}")
    return Dropout(float(rate))


_FLATTEN, _IDENTITY = Flatten(), Identity()

register(OpDef(Input, "the network input: an image, a sequence of tokens or a vector",
               shape=_input_shape, cost=_free, execute=_input_execute,
               layers=(Layer("input", (("h", REQUIRED), ("w", None), ("c", None)),
                             _build_input),)))
register(OpDef(Flatten, "reshape to a vector, by addressing",
               shape=lambda op, shapes: (math.prod(shapes[0]),), cost=_free,
               execute=_flatten_execute, layers=(Layer("flatten", (), lambda a: _FLATTEN),),
               aliases_input=True))
register(OpDef(Dropout, "dropout: the identity at inference", shape=same_shape, cost=_free,
               execute=_pass_through,
               layers=(Layer("dropout", (("rate", 0.5),), _build_dropout),),
               aliases_input=True))
register(OpDef(Identity, "a no-op that names a tensor", shape=same_shape, cost=_free,
               execute=_pass_through, layers=(Layer("identity", (), lambda a: _IDENTITY),),
               aliases_input=True))
