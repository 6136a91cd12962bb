"""The abstract syntax tree: plain frozen classes, no Lark types.

Every node carries the :class:`~netdsl.diagnostics.Span` it was parsed from so
that later phases can point at it. Spans take no part in equality.
"""

from __future__ import annotations

from typing import Any

import attrs

from netdsl.diagnostics import Source, Span

_span = attrs.field(eq=False, repr=False, default=None)


# ---- expressions ------------------------------------------------------------


@attrs.frozen
class Num:
    value: int | float
    span: Span = _span


@attrs.frozen
class Str:
    value: str
    span: Span = _span


@attrs.frozen
class Name:
    id: str
    span: Span = _span


@attrs.frozen
class InputRef:
    """``in``: the tensor a block was called on."""

    span: Span = _span


@attrs.frozen
class Unary:
    op: str
    operand: Any
    span: Span = _span


@attrs.frozen
class Binary:
    op: str
    left: Any
    right: Any
    span: Span = _span
    op_span: Span = _span


@attrs.frozen
class Compare:
    """A comparison chain ``a < b <= c``."""

    operands: tuple[Any, ...]
    ops: tuple[str, ...]
    span: Span = _span


@attrs.frozen
class BoolOp:
    op: str  # "and" | "or"
    values: tuple[Any, ...]
    span: Span = _span


@attrs.frozen
class Not:
    operand: Any
    span: Span = _span


@attrs.frozen
class IfExp:
    test: Any
    body: Any
    orelse: Any
    span: Span = _span


@attrs.frozen
class Arg:
    """A positional (``name`` is None) or keyword argument; ``*list`` with ``splat``."""

    name: str | None
    value: Any
    span: Span = _span
    splat: bool = False


@attrs.frozen
class FunCall:
    func: Any
    args: tuple[Arg, ...]
    span: Span = _span


@attrs.frozen
class Index:
    value: Any
    index: Any
    span: Span = _span


@attrs.frozen
class Attribute:
    value: Any
    name: str
    span: Span = _span
    name_span: Span = _span


@attrs.frozen
class ListExpr:
    items: tuple[Any, ...]
    span: Span = _span


# ---- statements -------------------------------------------------------------


@attrs.frozen
class Call:
    """A layer or block call: ``name``, ``name(args)`` or ``module.name(args)``."""

    name: tuple[str, ...]
    args: tuple[Arg, ...]
    span: Span = _span
    name_span: Span = _span

    @property
    def dotted(self) -> str:
        return ".".join(self.name)


@attrs.frozen
class CallStmt:
    """``call [* count] [if cond] [as "label"]``.

    ``label``, when given, is the statement's local name in place of the assigned
    name or the callee's (docs/language.md, "Layer names"); ``label_span`` is the
    string's place.
    """

    call: Call
    repeat: Any = None
    cond: Any = None
    span: Span = _span
    label: str | None = None
    label_span: Span = _span


@attrs.frozen
class Assign:
    """``x = call`` or ``x = add: ...``: names the tensor the statement produces."""

    target: str
    stmt: Any
    span: Span = _span


@attrs.frozen
class Let:
    name: str
    value: Any
    span: Span = _span


@attrs.frozen
class From:
    """``from x``: continue from the named tensor."""

    name: str
    span: Span = _span


@attrs.frozen
class Branch:
    stmts: tuple[Any, ...]
    span: Span = _span


@attrs.frozen
class Merge:
    """``add:`` / ``concat:`` / ``mul:`` with ``|`` branches."""

    kind: str
    branches: tuple[Branch, ...]
    span: Span = _span


@attrs.frozen
class Residual:
    """``residual [if cond]:`` body added to its input when cond holds."""

    cond: Any
    body: tuple[Any, ...]
    span: Span = _span


@attrs.frozen
class If:
    clauses: tuple[tuple[Any, tuple[Any, ...]], ...]
    orelse: tuple[Any, ...] | None
    span: Span = _span


@attrs.frozen
class Repeat:
    count: Any
    body: tuple[Any, ...]
    span: Span = _span


#: The builtin that ``for a, b in rows:`` calls to take element i of each row (a name no
#: program can write): ``UNPACK(row, count, i)``.
UNPACK = "<unpack>"


@attrs.frozen
class For:
    var: str
    iterable: Any
    body: tuple[Any, ...]
    span: Span = _span


# ---- top level --------------------------------------------------------------


@attrs.frozen
class Param:
    name: str
    default: Any = None
    span: Span = _span


@attrs.frozen
class Import:
    target: str
    is_path: bool
    span: Span = _span


@attrs.frozen
class NetDef:
    name: str
    params: tuple[Param, ...]
    body: tuple[Any, ...]
    span: Span = _span


@attrs.frozen
class BlockDef:
    name: str
    params: tuple[Param, ...]
    body: tuple[Any, ...]
    span: Span = _span


@attrs.frozen
class BlockAlias:
    """``block cbr6 = cbr(pad=same, act=relu6)``: partial application."""

    name: str
    call: Call
    span: Span = _span


@attrs.frozen
class FuncDef:
    name: str
    params: tuple[Param, ...]
    body: Any
    span: Span = _span


@attrs.frozen
class Module:
    items: tuple[Any, ...]
    source: Source = attrs.field(eq=False, repr=False)
