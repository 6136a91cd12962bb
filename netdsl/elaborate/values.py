"""Run-time values of the language while a network is elaborated.

Numbers, booleans, strings and lists are plain Python values (lists are
tuples, so values stay immutable). The rest are small classes here: symbols
(``same``, ``none``...), tensors (``in``, named tensors), and the callables:
built-in layers, blocks, partial applications, functions and builtins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from netdsl.diagnostics import Span
from netdsl.syntax import ast


@attrs.frozen
class Symbol:
    """A named constant such as ``same``, ``valid``, ``auto``, ``ceil``."""

    name: str

    def __str__(self) -> str:
        return self.name


@attrs.frozen
class Tensor:
    """A tensor produced during elaboration: the index of its node and its shape."""

    node: int
    shape: tuple[int, ...]


@attrs.frozen
class Layer:
    """A built-in layer kind; ``build`` turns bound arguments into an op."""

    name: str
    params: tuple[tuple[str, Any], ...]  # (name, default); REQUIRED marks no default
    build: Callable[..., Any] = attrs.field(eq=False, repr=False)
    positional_only: bool = False


@attrs.frozen
class Block:
    """A user or library block: parameters, body, and the scope it was defined in."""

    name: str
    definition: ast.BlockDef
    env: Env = attrs.field(eq=False, repr=False)


@attrs.frozen
class Partial:
    """``block cbr6 = cbr(pad=same)``: a callable with some arguments fixed."""

    name: str
    definition: ast.BlockAlias
    env: Env = attrs.field(eq=False, repr=False)


@attrs.frozen
class Function:
    """``def f(x) = expr``: a small pure function."""

    name: str
    definition: ast.FuncDef
    env: Env = attrs.field(eq=False, repr=False)


@attrs.frozen
class Builtin:
    """A builtin function such as ``min`` or ``make_div``."""

    name: str
    func: Callable[..., Any] = attrs.field(eq=False, repr=False)


@attrs.frozen
class ModuleValue:
    """An imported module, for qualified names such as ``std.cbr``."""

    name: str
    env: Env = attrs.field(eq=False, repr=False)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()
_ABSENT = object()  # what a scope gives for a name it does not hold (None is a value)


class Env:
    """A scope: a dictionary of names and the scope it is nested in."""

    __slots__ = ("parent", "vars")

    def __init__(self, parent: Env | None = None, vars: dict[str, Any] | None = None):
        self.vars: dict[str, Any] = vars if vars is not None else {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            value = env.vars.get(name, _ABSENT)
            if value is not _ABSENT:
                return value
            env = env.parent
        raise KeyError(name)

    def names(self) -> set[str]:
        """Every name visible from here (for "did you mean" hints)."""
        seen: set[str] = set()
        env: Env | None = self
        while env is not None:
            seen.update(env.vars)
            env = env.parent
        return seen


def type_name(value: Any) -> str:
    """How a value's type is called in messages."""
    match value:
        case bool():
            return "bool"
        case int():
            return "int"
        case float():
            return "float"
        case str():
            return "string"
        case tuple():
            return "list"
        case None:
            return "none"
        case Symbol():
            return "symbol"
        case Tensor():
            return "tensor"
        case Layer():
            return "layer"
        case Block() | Partial():
            return "block"
        case Function() | Builtin():
            return "function"
        case ModuleValue():
            return "module"
    return type(value).__name__


def show(value: Any) -> str:
    """A value as the user would write it."""
    match value:
        case bool():
            return "true" if value else "false"
        case None:
            return "none"
        case tuple():
            return "[" + ", ".join(show(v) for v in value) + "]"
        case str():
            return f'"{value}"'
        case Tensor():
            return "tensor " + "x".join(map(str, value.shape))
        case Symbol():
            return value.name
        case Layer() | Block() | Partial() | Function() | Builtin() | ModuleValue():
            return value.name
    return repr(value)


def span_of(node: Any) -> Span | None:
    return getattr(node, "span", None)
