"""Elaboration: evaluate a parsed network into a flat graph of layers.

Blocks are expanded, repetitions unrolled, conditions decided and expressions
evaluated; each built-in layer call becomes one IR node whose output shape is
computed on the spot (blocks may read ``in.c``), using the same shape rules
as the ``infer-shapes`` pass.

Names. Every statement in a scope gets a local name: its label (``conv(8) as
"a/b"``), else the name it is assigned to (``x = conv(...)``), else the layer or
block called. When a scope calls the same name more than once the occurrences
are numbered from 1 (``ir1``, ``ir2``; ``cbr6_1`` when the name ends in a
digit); a single occurrence keeps the bare name. A node's name is the path of
local names through the block instances enclosing it: ``stage3/ir2/cbr1/conv``.
Branches of a merge share the scope of the merge, so names stay short.

Limits. A network may not expand to more than ``max_nodes`` nodes, and
elaboration may not execute more than ``MAX_STEPS`` statements. Both are
checked before anything is expanded: each body, as it starts, is bounded from
below (the fewest layers and statements each of its statements must take,
counting what is not known yet as nothing), and so is each repetition when it
is reached; once an iteration ends in the state it began in, the remaining
ones are known exactly. So ``relu * 10**6`` or a chain of blocks each
repeating the one before fails at once with E501, before building anything,
instead of exhausting time and memory; a network of exactly ``max_nodes``
nodes still compiles.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from netdsl.diagnostics import (
    Diagnostic,
    NetdslError,
    Note,
    Source,
    Span,
    did_you_mean,
    error,
    warning,
)
from netdsl.elaborate.expressions import BUILTINS, Evaluator, bind_arguments, is_number
from netdsl.elaborate.layers import LAYERS, MERGES, Args
from netdsl.elaborate.translations import layer_hint
from netdsl.elaborate.values import (
    REQUIRED,
    Block,
    Builtin,
    Env,
    Function,
    Layer,
    ModuleValue,
    Partial,
    Tensor,
    show,
    type_name,
)
from netdsl.ir import ops
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import infer_shape
from netdsl.ir.windows import ShapeError
from netdsl.limits import Limits
from netdsl.reading import read_file, shown_path
from netdsl.syntax import ast

DEFAULT_MAX_NODES = 1_000_000
MAX_STEPS = 20_000_000
#: A ``for`` over a longer list is bounded, before it is reached, as if the loop
#: variable were unknown (each item is bounded on its own when the loop runs).
_ITEMS_BOUNDED_ONE_BY_ONE = 1_000
#: A repetition whose first iterations never end as they started is not watched further.
_WATCHED_ITERATIONS = 16
#: What a value not known before its statement runs is.
_UNKNOWN: Any = object()
_IN = frozenset({"in"})

#: Errors one run shows; those found after them are counted, up to ``_ERRORS_COUNTED``
#: different ones in all, where elaboration stops.
MAX_ERRORS = 20
_ERRORS_COUNTED = 1_000
#: Codes after which elaboration cannot go on: the limits protect the machine.
_FATAL = frozenset({"E501"})
#: What a name, ``in`` or the current tensor holds when the statement that should have
#: made it failed. Whatever reads it is skipped silently (:class:`_Poisoned`), so that
#: one mistake is reported once, not again by every statement downstream of it.
_FAILED: Any = Tensor(-1, ())


class _Poisoned(Exception):
    """A statement reads what a failed statement should have made: it is skipped."""


class _TooManyErrors(Exception):
    """``_ERRORS_COUNTED`` different errors were found: elaboration stops."""

_MERGE_LAYERS = {name: Layer(name, (), lambda a: None) for name in MERGES}
ROOT = Env(None, {**BUILTINS, **LAYERS, **_MERGE_LAYERS})


class Scope:
    """Counts how often each local name is used in one block body."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def claim(self, base: str) -> int:
        n = self.counts.get(base, 0) + 1
        self.counts[base] = n
        return n


Part = tuple[Scope, str, int]
#: The least number of layers a statement builds and of statements it runs.
Bound = tuple[int, int]


@attrs.define
class _Pending:
    """A layer as elaboration builds it; :meth:`Elaborator._finish` names it.

    Its path is ``(*prefix, part)``: ``prefix`` is the path of the frame that
    built it, one tuple shared by every layer of that frame, so that the
    prefix is rendered once for all of them.
    """

    op: Any
    inputs: list[int]
    shape: tuple[int, ...]
    span: Span | None
    prefix: tuple[Part, ...]
    part: Part
    blocks: tuple[tuple[tuple[Part, ...], str], ...]
    calls: tuple[Span, ...]


@attrs.define
class Frame:
    """Where statements execute: names, the current tensor, the naming scope.

    ``blocks`` are the block instances the statements run in, outermost first;
    ``calls`` the spans of the calls that made them, one for each.
    """

    env: Env
    current: Tensor | None
    scope: Scope
    path: tuple[Part, ...] = ()
    blocks: tuple[tuple[tuple[Part, ...], str], ...] = ()
    calls: tuple[Span, ...] = ()


class Elaborator(Evaluator):
    """Turns the network of a parsed module into a :class:`Graph`."""

    def __init__(self, loader: ModuleLoader, max_nodes: int = DEFAULT_MAX_NODES):
        super().__init__()
        self.loader = loader
        self.max_nodes = max_nodes
        self.nodes: list[_Pending] = []
        self.steps = 0
        self.active_blocks: list[ast.BlockDef] = []
        self.input_tensor: Tensor | None = None
        # The layers and steps that the statements after the running one (and
        # the iterations after the running one) must still take: see exec_body.
        self.reserved: Bound = (0, 0)
        # Caches keyed by the id of an AST node or body, holding the node so
        # that the id cannot be reused while the entry lives.
        self._least_cache: dict[int, tuple[Any, Any]] = {}
        self._names_cache: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._call_cache: dict[tuple[int, Any], tuple[Any, Bound]] = {}
        self._params_cache: dict[int, tuple[ast.BlockDef, list[tuple[str, Any]]]] = {}
        self._one_by_one = False  # bounding the items of a loop one by one
        # Error recovery: the errors shown, those counted past MAX_ERRORS, and what
        # tells them apart (a loop or a block called twice repeats the same one).
        self.errors: list[Diagnostic] = []
        self.omitted = 0
        self._error_keys: set[tuple[Any, ...]] = set()
        self._warning_keys: set[tuple[Any, ...]] = set()

    # -- the network --------------------------------------------------------

    def elaborate(self, module: ast.Module, params: Mapping[str, Any] | None) -> Graph:
        nets = [item for item in module.items if isinstance(item, ast.NetDef)]
        if not nets:
            raise error("E205", f"'{module.source.name}' defines no network",
                        Span(module.source, 1, 1, 1, 2),
                        hint="a file to compile needs a 'net Name(...):' definition")
        if len(nets) > 1:
            raise error("E206", f"'{module.source.name}' defines more than one network",
                        nets[1].span, notes=[Note("the first network is here", nets[0].span)])
        net = nets[0]
        env = self.loader.module_env(module, net=net)
        try:
            arguments = self._bind_net_params(net, env, params or {})
            for item in module.items:  # the lets of the file, each on its own
                if isinstance(item, ast.Let):
                    env.vars[item.name] = self._value(item.value, env)
            # The body's own names (lets, tensors, ``in``) stay local to it; the
            # parameters live in the module scope so blocks and functions see them.
            frame = Frame(Env(env), None, Scope())
            self.exec_body(net.body, frame)
        except NetdslError as exc:  # a limit: what was found before it is shown with it
            if self.errors:
                raise self._collected(exc.diagnostics) from None
            raise
        except _TooManyErrors:
            raise self._collected(stopped=True) from None
        if self.errors:
            raise self._collected()
        if frame.current is None:
            raise error("E401", f"network '{net.name}' has no layers", _head(net.span),
                        hint="start the body with input(h, w, c)")
        return self._finish(net.name, frame.current, arguments)

    def _bind_net_params(
        self, net: ast.NetDef, env: Env, params: Mapping[str, Any]
    ) -> tuple[tuple[str, Any], ...]:
        declared = {p.name: p for p in net.params}
        for name in params:
            if name not in declared:
                self._record(error("E203", f"network '{net.name}' has no parameter '{name}'",
                                   _head(net.span), hint=did_you_mean(name, declared)
                                   or f"its parameters are ({', '.join(declared) or 'none'})"))
        arguments = []
        for p in net.params:
            if p.name in env.vars:
                raise error("E204", f"parameter '{p.name}' has the name of a definition", p.span)
            if p.name in params:
                value = params[p.name]
            elif p.default is not None:
                value = self._value(p.default, env)
            else:
                self._record(error("E301", f"network parameter '{p.name}' has no default and "
                                   "no value", p.span,
                                   hint=f"give it one with --set {p.name}=VALUE"))
                value = _FAILED
            env.vars[p.name] = value
            arguments.append((p.name, value))
        return tuple(arguments)

    # -- error recovery -------------------------------------------------------
    #
    # An error local to one statement (an unknown name, a bad argument, a shape that
    # does not fit) is recorded and elaboration goes on with the next statement, so
    # that one run reports every independent error. What the failed statement should
    # have made (the current tensor, the names it binds) holds _FAILED; a statement
    # that reads it is skipped without a word: its errors, if any, would only repeat
    # the first. The limits (E501) stop elaboration at once.

    def _record(self, exc: NetdslError, frame: Frame | None = None) -> None:
        """Keep the diagnostics of ``exc``, raised by a statement run in ``frame``.

        An error raised in a block body names the calls that led there, as it
        would have on its way out of them. An error is kept once: one at the same
        place is the same error when it says the same thing (a block called from
        several places) or when it is reached through the same calls (a loop whose
        every iteration fails, with a different value each time).
        """
        first = exc.diagnostics[0]
        place = (first.code, _span_key(first.span))
        keys = [(*place, "said", first.message)]
        if frame is not None:  # (outside statements, e.g. each unknown --set at the header)
            keys.append((*place, "reached", tuple(_span_key(call) for call in frame.calls)))
        if any(key in self._error_keys for key in keys):
            return
        self._error_keys.update(keys)
        if len(self.errors) >= MAX_ERRORS:
            self.omitted += len(exc.diagnostics)
        else:
            if frame is not None:
                for (_, name), call in zip(reversed(frame.blocks), reversed(frame.calls),
                                           strict=True):
                    exc = _with_note(exc, Note(f"in block '{name}' called here", call))
            self.errors.extend(exc.diagnostics)
        if len(self.errors) + self.omitted >= _ERRORS_COUNTED:
            raise _TooManyErrors

    def _failed(self, stmt: Any, frame: Frame) -> None:
        """After ``stmt`` failed: what it binds, and (unless a let) the current tensor, failed."""
        for name in _assigned_names((stmt,)):
            frame.env.vars[name] = _FAILED
        if not isinstance(stmt, ast.Let):
            frame.current = _FAILED

    def _value(self, expr: Any, env: Env) -> Any:
        """The value of ``expr``; ``_FAILED`` when it fails, the error recorded."""
        try:
            return self.eval(expr, env)
        except NetdslError as exc:
            if exc.diagnostics[0].code in _FATAL:
                raise
            self._record(exc)
        except _Poisoned:
            pass
        return _FAILED

    def _collected(self, last: tuple[Diagnostic, ...] = (), stopped: bool = False
                   ) -> NetdslError:
        """The errors recorded, then ``last`` (the error that stopped elaboration)."""
        return NetdslError([*self.errors, *last], omitted=self.omitted,
                           omitted_at_least=stopped)

    def lookup(self, name: str, env: Env, span: Span | None) -> Any:
        """A name's value; :class:`_Poisoned` when a failed statement should have made it.

        ``in`` not yet defined after an error is taken to be the input that failed.
        """
        try:
            value = env.lookup(name)
        except KeyError:
            if name == "in" and self.errors and self.input_tensor is None:
                raise _Poisoned from None
            return super().lookup(name, env, span)
        if value is _FAILED:
            raise _Poisoned
        return value

    def _finish(self, name: str, output: Tensor, arguments) -> Graph:
        names: list[str] = []
        used: set[str] = set()
        # Keyed by the id of a path or blocks tuple: many layers share each one (those
        # of one frame). Every one exists before the loop below starts, so no two
        # share an id, even once the pending layers holding some are let go.
        paths: dict[int, str] = {}
        rendered_blocks: dict[int, tuple[tuple[str, str], ...]] = {}

        def part_text(part: Part) -> str:
            scope, base, idx = part
            return base if scope.counts[base] == 1 else f"{base}{'_' * base[-1].isdigit()}{idx}"

        def render(path: tuple[Part, ...]) -> str:
            text = paths.get(id(path))
            if text is None:
                text = paths[id(path)] = "/".join(map(part_text, path))
            return text

        nodes = []
        # Each pending layer is let go once its node is made: with the parsed source
        # still alive, the end of elaboration is a compilation's peak of memory.
        pending, self.nodes = self.nodes, []
        for i, p in enumerate(pending):
            pending[i] = None
            prefix = render(p.prefix)
            full = f"{prefix}/{part_text(p.part)}" if prefix else part_text(p.part)
            unique, n = full, 1
            while unique in used:
                n += 1
                unique = f"{full}_{n}"
            used.add(unique)
            names.append(unique)
            blocks = rendered_blocks.get(id(p.blocks))
            if blocks is None:
                blocks = rendered_blocks[id(p.blocks)] = tuple(
                    (render(instance), block) for instance, block in p.blocks)
            nodes.append(Node(unique, p.op, tuple([names[j] for j in p.inputs]), p.shape,
                              p.span, blocks, (), None, None, p.calls))
        return Graph(name, tuple(nodes), (names[output.node],), arguments)

    # -- statements ---------------------------------------------------------

    def exec_body(self, stmts: tuple[Any, ...], frame: Frame,
                  bounds: list[Bound] | None = None) -> None:
        """Run ``stmts``, once sure that the layers and steps they must take still fit.

        ``bounds`` holds the least (layers, steps) of each statement
        (:meth:`_least`); a loop computes them once for all its iterations.
        While a statement runs, what the statements after it must take is
        reserved, so that a statement nested anywhere below is checked against
        everything the network is already sure to need.
        """
        if bounds is None:
            bounds = self._bounds(stmts, frame.env, self._assigned(stmts))
        outer_nodes, outer_steps = self.reserved
        after_nodes = after_steps = 0
        for nodes, steps in bounds:
            after_nodes += nodes
            after_steps += steps
        if (len(self.nodes) + outer_nodes + after_nodes > self.max_nodes
                or self.steps + outer_steps + after_steps > MAX_STEPS):
            raise self._overflow_in(stmts, bounds, frame.env)
        for stmt, (nodes, steps) in zip(stmts, bounds, strict=True):
            after_nodes -= nodes
            after_steps -= steps
            self.reserved = (outer_nodes + after_nodes, outer_steps + after_steps)
            try:
                self.exec_stmt(stmt, frame)
            except NetdslError as exc:  # recorded; the next statement runs (error recovery)
                if exc.diagnostics[0].code in _FATAL:
                    raise
                self._record(exc, frame)
                self._failed(stmt, frame)
            except _Poisoned:
                self._failed(stmt, frame)
        self.reserved = (outer_nodes, outer_steps)

    def exec_stmt(self, stmt: Any, frame: Frame, name: str | None = None) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise error("E501", "elaboration takes too many steps", _head(stmt.span),
                        hint=_steps_hint())
        match stmt:
            case ast.CallStmt():
                if stmt.cond is not None and not self.truth(
                    self.eval(stmt.cond, frame.env), stmt.cond.span
                ):
                    return
                count = 1 if stmt.repeat is None else self._count(stmt.repeat, frame.env)
                if count:
                    self._call_stmt(stmt, count, frame, name)
            case ast.Assign(target=target):
                self.exec_stmt(stmt.stmt, frame, target)
                frame.env.vars[target] = frame.current
            case ast.Let(name=let_name, value=value):
                frame.env.vars[let_name] = self.eval(value, frame.env)
            case ast.From(name=tensor_name):
                value = self.lookup(tensor_name, frame.env, stmt.span)
                if not isinstance(value, Tensor):
                    raise error("E304", f"'from' needs a tensor, but '{tensor_name}' is a "
                                f"{type_name(value)}", stmt.span)
                frame.current = value
            case ast.Merge():
                self._merge(stmt, frame, name)
            case ast.Residual():
                self._residual(stmt, frame, name)
            case ast.If():
                for test, body in stmt.clauses:
                    if self.truth(self.eval(test, frame.env), test.span):
                        self.exec_body(body, frame)
                        return
                if stmt.orelse is not None:
                    self.exec_body(stmt.orelse, frame)
            case ast.Repeat():
                count = self._count(stmt.count, frame.env)
                if count:
                    self._loop(stmt, count, frame, None)
            case ast.For():
                items = self.eval(stmt.iterable, frame.env)
                if not isinstance(items, tuple):
                    raise error("E304", f"'for' needs a list, got {type_name(items)} "
                                f"{show(items)}", stmt.iterable.span)
                if items:
                    self._loop(stmt, len(items), frame, items)
            case _:
                raise AssertionError(f"unknown statement {stmt!r}")

    def _count(self, expr: Any, env: Env) -> int:
        count = self.eval(expr, env)
        if isinstance(count, float) and count.is_integer():
            count = int(count)
        if not isinstance(count, int) or isinstance(count, bool):
            raise error("E304", f"a repetition count must be an integer, got "
                        f"{type_name(count)} {show(count)}", expr.span)
        if count < 0:
            raise error("E306", f"a repetition count cannot be negative, got {count}",
                        expr.span)
        return count

    def _nodes_hint(self) -> str:
        return (f"a network may have at most {_plural(self.max_nodes, 'layer')}; raise the "
                "limit with --max-layers N (max_nodes=N from Python)")

    def _too_large(self) -> str:
        return f"the network expands past {_plural(self.max_nodes, 'layer')}"

    # -- repetition ---------------------------------------------------------

    def _call_stmt(self, stmt: ast.CallStmt, count: int, frame: Frame, name: str | None) -> None:
        """``call * count``: the callee and arguments are the same for every repetition."""
        call = stmt.call
        callee = self._resolve(call, frame.env)
        args = self.eval_args(call.args, frame.env)
        # A label (``as "..."``) names the layer, even when a tensor name is assigned;
        # a layer passed as an argument (``act``) is named after the layer it holds.
        local = stmt.label or name or (callee.name if _is_layerlike(callee) else call.name[-1])
        if count > 1 and isinstance(callee, Block):
            per = self._least_call(callee, args, call)
        else:
            per = self._least_value(callee)
        if count == 1:
            if per[0] > 1 or per[1]:  # a layer is checked as it is built
                self._check(stmt, per)
            self.apply(callee, args, frame, call, local)
            return
        self._check(stmt, (count * per[0], count * per[1]), count)

        def state(i: int) -> Any:
            return (frame.current, self.input_tensor is None)

        self._iterate(stmt, count, _uniform_after(count, per),
                      lambda i: self.apply(callee, args, frame, call, local), state, frame.scope)

    def _loop(self, stmt: ast.Repeat | ast.For, count: int, frame: Frame,
              items: tuple[Any, ...] | None) -> None:
        """``repeat count:`` (``items`` None) or ``for var in items:``."""
        var = stmt.var if isinstance(stmt, ast.For) else None
        bounds: list[Bound] | None = None
        if (var is not None and items is not None
                and self._sized_by(stmt.body, var, frame.env, self._assigned(stmt.body))):
            # What an iteration builds depends on the loop variable: bound each one.
            unstable = self._assigned(stmt.body)
            after, total = _suffix_after([
                self._least_sum(stmt.body, Env(frame.env, {var: item}), unstable)
                for item in items])
        else:
            unstable = self._assigned(stmt.body) | ({var} if var is not None else frozenset())
            bounds = self._bounds(stmt.body, frame.env, unstable)
            per = (sum(nodes for nodes, _ in bounds), sum(steps for _, steps in bounds))
            after, total = _uniform_after(count, per), (count * per[0], count * per[1])
        self._check(stmt, total, count)
        reads = self._reads(stmt.body)
        # An iteration depends on the loop variable only if the body reads it.
        mentioned = var is not None and (reads is None or var in reads)

        def run(i: int) -> None:
            if var is not None:
                assert items is not None
                frame.env.vars[var] = items[i]
            self.exec_body(stmt.body, frame, bounds)

        def state(i: int) -> Any:
            env = {k: v for k, v in frame.env.vars.items() if k != var}
            item = items[i] if mentioned and items is not None else None
            return (frame.current, self.input_tensor is None, env, item)

        def uniform(i: int) -> bool:
            """Whether the items from ``i`` on are all alike, if the body reads them."""
            if not mentioned or items is None:
                return True
            return all(_alike(item, items[i]) for item in items[i + 1:])

        self._iterate(stmt, count, after, run, state, frame.scope, uniform if var else None)

    def _check(self, stmt: Any, least: Bound, count: int = 0) -> None:
        """Fail if ``stmt`` (repeated ``count`` times), taking at least ``least``, cannot fit."""
        others, other_steps = len(self.nodes) + self.reserved[0], self.steps + self.reserved[1]
        if others + least[0] > self.max_nodes or other_steps + least[1] > MAX_STEPS:
            raise self._limit_error(stmt, least[0], others, least[1], other_steps, count)

    def _iterate(self, stmt: Any, count: int, after: Callable[[int], Bound],
                 run: Callable[[int], None], state: Callable[[int], Any], scope: Scope,
                 uniform: Callable[[int], bool] | None = None) -> None:
        """Run ``run(i)`` for the ``count`` iterations of a repetition.

        While iteration ``i`` runs, ``after(i)``, the least cost of those
        still to come, is reserved. Elaboration is deterministic: once an
        iteration ends in the state it started from (``state``: the shape of
        the current tensor, the names of the scope, the loop variable if the
        body reads it; tensors alike when their shapes are), every later
        iteration repeats it exactly, and what they will take is known, and
        checked, at once. ``uniform(i)`` tells whether the loop variable keeps
        the same value from iteration ``i`` on (a ``for``; None otherwise).

        If the iteration built nothing and changed nothing at all (the same
        tensors and values, no name claimed in ``scope``), the rest would only
        count their statements: they are counted and skipped, so ``repeat
        10**6: let x = 1`` takes no time.
        """
        base_nodes, base_steps = self.reserved
        watching, before, nodes, steps, claims = True, None, 0, 0, 0
        for i in range(count):
            later = after(i)
            self.reserved = (base_nodes + later[0], base_steps + later[1])
            if watching:
                before, nodes, steps = state(i), len(self.nodes), self.steps
                claims = sum(scope.counts.values())
            run(i)
            left = count - 1 - i
            if watching and left:
                now = state(i + 1)
                if _alike(now, before) and (uniform is None or uniform(i + 1)):
                    watching = False
                    nodes, steps = len(self.nodes) - nodes, self.steps - steps
                    self._extrapolate(stmt, left, nodes, steps, base_nodes, base_steps)
                    if (not nodes and uniform is None and now == before
                            and sum(scope.counts.values()) == claims):
                        self.steps += left * steps
                        break
                elif i + 1 >= _WATCHED_ITERATIONS:
                    watching = False
        self.reserved = (base_nodes, base_steps)

    def _extrapolate(self, stmt: Any, left: int, nodes: int, steps: int, base_nodes: int,
                     base_steps: int) -> None:
        """Check ``left`` more iterations that each build ``nodes`` and take ``steps``."""
        total = len(self.nodes) + left * nodes + base_nodes
        if total > self.max_nodes:
            raise error("E501", self._too_large(), _head(stmt.span), hint=self._nodes_hint(),
                        notes=[Note(
                            f"the remaining {left:,} repetitions add {_plural(nodes, 'layer')} "
                            f"each, which takes the network to at least {total:,}")])
        if self.steps + left * steps + base_steps > MAX_STEPS:
            raise error("E501", "elaboration takes too many steps", _head(stmt.span),
                        hint=_steps_hint(), notes=[Note(
                            f"the remaining {left:,} repetitions run "
                            f"{_plural(steps, 'statement')} each")])

    def _limit_error(self, stmt: Any, nodes: int, others: int, steps: int,
                     other_steps: int, count: int = 0) -> NetdslError:
        """E501 at ``stmt``, which takes at least ``nodes`` and ``steps`` besides the others.

        ``count`` is how often ``stmt`` repeats: when that alone passes the
        limit and every repetition builds a layer, the count is to blame.
        """
        if nodes + others > self.max_nodes:
            expr = _count_expr(stmt)
            if expr is not None and count > self.max_nodes and nodes >= count:
                return error("E501", f"repeating {count:,} times exceeds the network size "
                             "limit", expr.span, hint=self._nodes_hint())
            return error("E501", self._too_large(), _head(stmt.span), hint=self._nodes_hint(),
                         notes=[Note(
                             f"this statement expands to at least {_plural(nodes, 'layer')}, "
                             f"the rest of the network to at least {others:,}")])
        return error("E501", "elaboration takes too many steps", _head(stmt.span),
                     hint=_steps_hint(), notes=[Note(
                         f"this statement runs at least {_plural(steps, 'statement')}, "
                         f"the rest of the network at least {other_steps:,}")])

    def _overflow_in(self, stmts: tuple[Any, ...], bounds: list[Bound], env: Env) -> NetdslError:
        """The error for a body that cannot fit: at the statement where it passes a limit."""
        nodes = len(self.nodes) + self.reserved[0] + sum(n for n, _ in bounds)
        steps = self.steps + self.reserved[1] + sum(s for _, s in bounds)
        seen_nodes, seen_steps = len(self.nodes) + self.reserved[0], self.steps + self.reserved[1]
        for stmt, (n, s) in zip(stmts, bounds, strict=True):
            seen_nodes += n
            seen_steps += s
            if seen_nodes > self.max_nodes or seen_steps > MAX_STEPS:
                expr = _count_expr(stmt)
                count = 0 if expr is None else self._static_count(expr, env, frozenset())
                return self._limit_error(stmt, n, nodes - n, s, steps - s, count)
        raise AssertionError("no statement passes the limit")

    # -- least cost -------------------------------------------------------------

    def _bounds(self, stmts: tuple[Any, ...], env: Env, unstable: frozenset[str]) -> list[Bound]:
        return [self._least(stmt, env, unstable) for stmt in stmts]

    def _least_sum(self, stmts: tuple[Any, ...], env: Env, unstable: frozenset[str]) -> Bound:
        nodes = steps = 0
        for stmt in stmts:
            n, s = self._least(stmt, env, unstable)
            nodes += n
            steps += s
        return nodes, steps

    def _least(self, stmt: Any, env: Env, unstable: frozenset[str]) -> Bound:
        """The fewest layers ``stmt`` builds and statements it runs, if it succeeds.

        Worked out before it runs, from ``env``: names in ``unstable`` may
        change first (or are not known, such as a block's parameters), so
        whatever reads them counts as unknown; an unknown count or condition
        makes the bound 0. A sure lower bound, so it never rejects a network
        that fits; it is exact for ``call * n`` and ``repeat n:`` with a
        known ``n`` over layers and blocks without conditions.
        """
        match stmt:
            case ast.CallStmt():
                if stmt.cond is not None:
                    return 0, 1
                count = 1 if stmt.repeat is None else \
                    self._static_count(stmt.repeat, env, unstable)
                if not count:
                    return 0, 1
                callee = self._static_callee(stmt.call, env, unstable)
                nodes, steps = self._least_value(callee)
                if isinstance(callee, Block) and self._block_bounds(callee)[0] is None:
                    # (``*list`` arguments, spread out when evaluated, are left unknown.)
                    args = [(a.name, _UNKNOWN if getattr(a, "splat", False)
                             else self._static(a.value, env, unstable), a.span)
                            for a in stmt.call.args]
                    if all(value is not _UNKNOWN for _, value, _ in args):
                        nodes, steps = self._least_call(callee, args, stmt.call)
                return count * nodes, 1 + count * steps
            case ast.Assign():
                nodes, steps = self._least(stmt.stmt, env, unstable)
                return nodes, steps + 1
            case ast.Merge():
                if stmt.kind not in MERGES or len(stmt.branches) < 2:
                    return 0, 1
                nodes, steps = 1, 1
                for branch in stmt.branches:
                    n, s = self._least_sum(branch.stmts, env, unstable)
                    nodes += n
                    steps += s
                return nodes, steps
            case ast.Residual():
                nodes, steps = self._least_sum(stmt.body, env, unstable)
                if stmt.cond is None or self._static_truth(stmt.cond, env, unstable):
                    nodes += 1
                return nodes, steps + 1
            case ast.If():
                options = [self._least_sum(body, env, unstable) for _, body in stmt.clauses]
                options.append((0, 0) if stmt.orelse is None
                               else self._least_sum(stmt.orelse, env, unstable))
                return min(n for n, _ in options), 1 + min(s for _, s in options)
            case ast.Repeat():
                count = self._static_count(stmt.count, env, unstable)
                if not count:
                    return 0, 1
                nodes, steps = self._least_sum(stmt.body, env, unstable)
                return count * nodes, 1 + count * steps
            case ast.For():
                items = self._static(stmt.iterable, env, unstable)
                if not isinstance(items, tuple) or not items:
                    return 0, 1
                var = stmt.var
                inner = unstable - {var} | (self._assigned(stmt.body) & {var})
                if (len(items) <= _ITEMS_BOUNDED_ONE_BY_ONE and not self._one_by_one
                        and self._sized_by(stmt.body, var, env, inner)):
                    nodes, steps = 0, 1
                    self._one_by_one = True  # not again for loops inside: 1,000 at most
                    try:
                        for item in items:
                            n, s = self._least_sum(stmt.body, Env(env, {var: item}), inner)
                            nodes += n
                            steps += s
                    finally:
                        self._one_by_one = False
                    return nodes, steps
                nodes, steps = self._least_sum(stmt.body, env, unstable | {var})
                return len(items) * nodes, 1 + len(items) * steps
        return 0, 1

    def _least_value(self, callee: Any) -> Bound:
        """The least cost of one call of ``callee``, whatever its arguments."""
        if isinstance(callee, Layer):
            return 1, 0
        if isinstance(callee, Block):
            return self._block_bounds(callee)[1]
        if isinstance(callee, Partial):
            alias = callee.definition
            hit = self._least_cache.get(id(alias))
            if hit is not None:
                return hit[1]
            self._least_cache[id(alias)] = (alias, (0, 0))
            least = self._least_value(self._static_callee(alias.call, callee.env, _IN))
            self._least_cache[id(alias)] = (alias, least)
            return least
        return 0, 0

    def _block_bounds(self, block: Block) -> tuple[list[Bound] | None, Bound]:
        """The bounds of the statements of ``block`` and their sum, whatever its arguments.

        The bounds are None when a repetition count in the body depends on the
        arguments, or a block it calls is such a block, so that the body is
        better bounded once they are known.
        """
        definition = block.definition
        hit = self._least_cache.get(id(definition))
        if hit is not None:
            return hit[1]
        # Provisionally 0: a block that reaches itself fails with E308 anyway.
        self._least_cache[id(definition)] = (definition, (None, (0, 0)))
        unstable = self._assigned(definition.body) | _IN | {p.name for p in definition.params}
        bounds = self._bounds(definition.body, block.env, unstable)
        least = (sum(n for n, _ in bounds), sum(s for _, s in bounds))
        for stmt in _walk_stmts(definition.body):
            count = stmt.repeat if isinstance(stmt, ast.CallStmt) else \
                stmt.count if isinstance(stmt, ast.Repeat) else \
                stmt.iterable if isinstance(stmt, ast.For) else None
            if count is not None and self._static(count, block.env, unstable) is _UNKNOWN:
                bounds = None
                break
            if isinstance(stmt, ast.CallStmt):
                callee = self._static_callee(stmt.call, block.env, unstable)
                if isinstance(callee, Block) and self._block_bounds(callee)[0] is None:
                    bounds = None
                    break
        self._least_cache[id(definition)] = (definition, (bounds, least))
        return bounds, least

    def _least_call(self, block: Block, args: list, call: ast.Call) -> Bound:
        """The least cost of each call of ``block`` with ``args``, whatever its input.

        The arguments are the same for every repetition of a call; a default
        that reads ``in`` or another parameter may not be, so it is unknown.
        Only a block whose repetition counts depend on its arguments is worth
        it; the others have their bound whatever the arguments.
        """
        if self._block_bounds(block)[0] is not None:
            return self._least_value(block)
        definition = block.definition
        key = (id(definition), tuple((name, _key(value)) for name, value, _ in args))
        hit = self._call_cache.get(key)
        if hit is not None:
            return hit[1]
        self._call_cache[key] = (args, (0, 0))  # provisionally: E308 if it reaches itself
        least = self._least_call_uncached(block, args, call)
        self._call_cache[key] = (args, least)  # holding the values keeps their ids unique
        return least

    def _least_call_uncached(self, block: Block, args: list, call: ast.Call) -> Bound:
        definition = block.definition
        params = [(p.name, p.default if p.default is not None else REQUIRED)
                  for p in definition.params]
        try:
            bound, defaulted = bind_arguments(block.name, params, args, call.span)
        except NetdslError:
            return self._least_value(block)  # the call reports it
        local = frozenset(name for name, _ in params) | _IN
        env = Env(block.env)
        unstable = set(self._assigned(definition.body)) | _IN
        for name, value in bound.items():
            if name in defaulted:
                value = self._static(value, block.env, local)
                if value is _UNKNOWN:
                    unstable.add(name)
                    continue
            env.vars[name] = value
        return self._least_sum(definition.body, env, frozenset(unstable))

    def _static(self, expr: Any, env: Env, unstable: frozenset[str]) -> Any:
        """The value ``expr`` will have when it runs, or ``_UNKNOWN``.

        Unknown when it reads a name of ``unstable``, a name not yet defined,
        or calls a user function (which could take long), or when it fails
        (the statement will report that when it runs).
        """
        names = self._free(expr)
        if names is None or not names.isdisjoint(unstable):
            return _UNKNOWN
        try:
            for name in names:
                if isinstance(env.lookup(name), Function | ModuleValue):
                    return _UNKNOWN
            return self.eval(expr, env)
        except (KeyError, NetdslError, RecursionError, _Poisoned):
            return _UNKNOWN

    def _static_count(self, expr: Any, env: Env, unstable: frozenset[str]) -> int:
        count = self._static(expr, env, unstable)
        if isinstance(count, float) and count.is_integer():
            count = int(count)
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            return count
        return 0

    def _static_truth(self, expr: Any, env: Env, unstable: frozenset[str]) -> bool:
        value = self._static(expr, env, unstable)
        if value is _UNKNOWN:
            return False
        try:
            return self.truth(value, None)
        except NetdslError:
            return False

    def _static_callee(self, call: ast.Call, env: Env, unstable: frozenset[str]) -> Any:
        if call.name[0] in unstable:
            return _UNKNOWN
        try:
            value = env.lookup(call.name[0])
        except KeyError:
            return _UNKNOWN
        for part in call.name[1:]:
            if not isinstance(value, ModuleValue) or part not in value.env.vars:
                return _UNKNOWN
            value = value.env.vars[part]
        return value

    def _free(self, expr: Any) -> frozenset[str] | None:
        """The names ``expr`` reads (``in`` included); None if it holds an unknown node."""
        return self._cached_names("free", expr, _free_names)

    def _assigned(self, stmts: tuple[Any, ...]) -> frozenset[str]:
        """The names the statements bind (let, x = ..., for), nested bodies included."""
        return self._cached_names("assigned", stmts, _assigned_names) or frozenset()

    def _sized_by(self, stmts: tuple[Any, ...], var: str, env: Env,
                  unstable: frozenset[str]) -> bool:
        """Whether the bound of ``stmts`` may depend on ``var``: a repetition count or a
        loop's list reads it, or an argument of a block sized by its arguments does."""
        names, calls = self._cached_names("sizing", stmts, _sizing_names)
        if names is None or var in names:
            return True
        for call, read in calls:
            if read is None or var in read:
                callee = self._static_callee(call, env, unstable)
                if isinstance(callee, Block) and self._block_bounds(callee)[0] is None:
                    return True
        return False

    def _reads(self, stmts: tuple[Any, ...]) -> frozenset[str] | None:
        """The names the statements read, nested bodies included; None if not known."""
        return self._cached_names("reads", stmts, _read_names)

    def _cached_names(self, kind: str, node: Any, compute: Callable[[Any], Any]) -> Any:
        key = (kind, id(node))
        hit = self._names_cache.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        names = compute(node)
        self._names_cache[key] = (node, names)
        return names

    # -- calls --------------------------------------------------------------

    def _resolve(self, call: ast.Call, env: Env) -> Any:
        try:
            value = env.lookup(call.name[0])
        except KeyError:
            callables = [n for n in env.names() if _is_layerlike(env.lookup(n))]
            raise error("E201", f"unknown layer or block '{call.name[0]}'",
                        call.name_span or call.span,
                        hint=layer_hint(call.name[0], callables)
                        or did_you_mean(call.name[0], callables)) from None
        if value is _FAILED:  # bound by a statement that failed
            raise _Poisoned
        for part in call.name[1:]:
            if not isinstance(value, ModuleValue):
                raise error("E209", f"a {type_name(value)} has no attribute '{part}'",
                            call.name_span)
            if part not in value.env.vars:
                raise error("E201", f"module '{value.name}' has no block '{part}'",
                            call.name_span, hint=did_you_mean(part, value.env.vars))
            value = value.env.vars[part]
        return value

    def apply(self, callee: Any, args: list, frame: Frame, call: ast.Call, local: str) -> None:
        match callee:
            case None:
                return  # ``act=none``: no layer
            case Layer() if callee.name in MERGES:
                self._merge_call(callee.name, args, frame, call, local)
            case Layer():
                self._layer(callee, args, frame, call, local)
            case Block():
                self._block(callee, args, frame, call, local)
            case Partial():
                # The fixed arguments are evaluated at each call, seeing the
                # caller's current tensor as ``in``.
                env = Env(callee.env, {"in": frame.current}) if frame.current else callee.env
                target = self._resolve(callee.definition.call, env)
                fixed = self.eval_args(callee.definition.call.args, env)
                positional = [a for a in fixed if a[0] is None] + [a for a in args if a[0] is None]
                given = {a[0] for a in args if a[0] is not None}
                keywords = [a for a in fixed if a[0] is not None and a[0] not in given]
                keywords += [a for a in args if a[0] is not None]
                self.apply(target, positional + keywords, frame, call, local)
            case Function() | Builtin():
                raise error("E307", f"'{call.dotted}' is a function: it computes a value and "
                            "cannot be used as a layer", call.name_span or call.span,
                            hint=f"use it inside an expression, e.g. conv({call.dotted}(...))")
            case _:
                raise error("E307", f"'{call.dotted}' is a {type_name(callee)}, not a layer or "
                            "block", call.name_span or call.span,
                            hint="use 'from NAME' to continue from a named tensor"
                            if isinstance(callee, Tensor) else None)

    def _layer(self, layer: Layer, args: list, frame: Frame, call: ast.Call, local: str) -> None:
        if layer.name == "input":
            if self.input_tensor is not None:
                raise error("E406", "the network input is declared twice", call.span,
                            notes=[Note("first declared here", self.nodes[0].span)])
        elif frame.current is None:
            raise error("E401", f"'{call.dotted}' has no input", call.span,
                        hint="the network must start with input(h, w, c)")
        params = layer.params
        bound, _ = bind_arguments(layer.name, params, args, call.span)
        # Bound, so the positional arguments come first, one for each of the first
        # parameters, and no parameter is given twice.
        spans = {name or params[i][0]: span for i, (name, _, span) in enumerate(args)}
        in_shape = frame.current.shape if frame.current is not None else None
        # After a failed statement the arguments are still checked, but nothing that
        # reads the input (dwconv's channels): the layer is then skipped in new_node.
        failed = frame.current is _FAILED and layer.name != "input"
        op = layer.build(Args(layer.name, bound, spans, call.span, in_shape, failed))
        inputs = [] if frame.current is None or layer.name == "input" else [frame.current]
        tensor = self.new_node(op, inputs, frame, call.span, local)
        if layer.name == "input":
            self.input_tensor = tensor
            frame.env.vars.setdefault("in", tensor)
        frame.current = tensor

    def _merge_call(self, kind: str, args: list, frame: Frame, call: ast.Call, local: str):
        """``add(x, ...)``: the current tensor, then the tensors named, in that order.

        Naming the current tensor as well counts it twice (``add(x, y)`` right
        after ``y = ...`` is y + x + y): that is the language's meaning, kept, but
        warned about (W402). An E405 then names the operands as written.
        """
        if frame.current is None:
            raise error("E401", f"'{kind}' has no input", call.span)
        current = frame.current
        tensors = [current]
        named: list[tuple[Tensor, Span | None]] = []
        for name, value, span in args:
            if name is not None or not isinstance(value, Tensor):
                raise error("E304", f"'{kind}' takes named tensors, e.g. {kind}(x), got "
                            f"{show(value)}", span or call.span)
            tensors.append(value)
            named.append((value, span or call.span))
        if len(tensors) < 2:
            raise error("E301", f"'{kind}' needs a tensor to merge with the current one",
                        call.span, hint=f"write {kind}(x) with a tensor named by 'x = ...', "
                        f"or use '{kind}:' with '|' branches")
        again = [span for value, span in named if value.node == current.node]
        written = None
        if again and current is not _FAILED:
            self._counted_twice(kind, current, named, again, frame)
            written = [value for value, _ in named]  # the current tensor where it is named
        frame.current = self.new_node(MERGES[kind](), tensors, frame, call.span, local,
                                      written)

    def _counted_twice(self, kind: str, current: Tensor, named: list[tuple[Tensor, Span | None]],
                       again: list[Span | None], frame: Frame) -> None:
        """W402 where a merge names the current tensor (its first operand): ``again``."""
        span = again[0]
        # One place, one warning: a loop, or a block called again, repeats the same mistake.
        key = ("W402", _span_key(span))
        if key in self._warning_keys:
            return
        self._warning_keys.add(key)
        this = _source_text(span) or "it"
        others = [_source_text(s) or "x" for value, s in named if value.node != current.node]
        if others:
            listed = " and ".join(dict.fromkeys(others))
            doing = {"add": f"add {listed} to it", "mul": f"multiply it by {listed}",
                     "concat": f"concatenate {listed} after it"}.get(kind, f"merge {listed} "
                                                                        "with it")
            hint = (f"the current tensor '{this}' is already the first operand: write "
                    f"{kind}({', '.join(others)}) to {doing}")
        else:
            hint = (f"the current tensor '{this}' is already the first operand, so {kind}({this}) "
                    f"merges it with itself; if that is meant, write '{kind}:' with two empty "
                    f"'|' branches, else name the tensor to merge it with")
        times = "twice" if len(again) == 1 else f"{len(again) + 1} times"
        notes = [Note(f"the current tensor '{this}' is made here",
                      self.nodes[current.node].span)]
        found = NetdslError(warning(
            "W402", f"'{kind}' counts '{this}' {times}: the current tensor is always a merge's "
            "first operand", span, notes=notes, hint=hint))
        for (_, name), call in zip(reversed(frame.blocks), reversed(frame.calls), strict=True):
            found = _with_note(found, Note(f"in block '{name}' called here", call))  # as errors
        self.loader.notes.extend(found.diagnostics)

    def _block(self, block: Block, args: list, frame: Frame, call: ast.Call, local: str) -> None:
        definition = block.definition
        for active in self.active_blocks:
            if active is definition:
                raise error("E308", f"block '{block.name}' calls itself", call.span,
                            notes=[Note(f"'{block.name}' is defined here",
                                        _head(definition.span))],
                            hint="blocks cannot be recursive; use repetition (* n) instead")
        hit = self._params_cache.get(id(definition))
        if hit is None:
            hit = self._params_cache[id(definition)] = (definition, [
                (p.name, p.default if p.default is not None else REQUIRED)
                for p in definition.params])
        params = hit[1]
        bound, defaulted = bind_arguments(block.name, params, args, call.span)
        env = Env(block.env)
        if frame.current is not None:
            env.vars["in"] = frame.current
        instance = (*frame.path, (frame.scope, local, frame.scope.claim(local)))
        blocks = (*frame.blocks, (instance, block.name))
        child = Frame(env, frame.current, Scope(), instance, blocks, (*frame.calls, call.span))
        self.active_blocks.append(definition)
        try:
            # Defaults are evaluated here so that an error in one names the call too.
            for name, value in bound.items():
                env.vars[name] = self.eval(value, env) if name in defaulted else value
            self.exec_body(definition.body, child, self._block_bounds(block)[0])
        except NetdslError as exc:
            raise _with_note(exc, Note(f"in block '{block.name}' called here", call.span)) from None
        finally:
            self.active_blocks.pop()
        frame.current = child.current

    def new_node(self, op: Any, inputs: list[Tensor], frame: Frame, span: Span | None,
                 local: str, written: list[Tensor] | None = None) -> Tensor:
        """Append a layer of ``op`` on ``inputs``; the tensor it makes.

        ``written`` is the merge's operands in the order the source writes them,
        when that is not the order of ``inputs`` (a merge naming the current
        tensor): an E405 names them in that order.
        """
        for t in inputs:
            if t is _FAILED:
                raise _Poisoned  # the layer's arguments were checked; its shape cannot be
        try:
            shape = infer_shape(op, [t.shape for t in inputs])
        except ShapeError as exc:
            raise self._shape_error(exc, op, written or inputs, span) from None
        if len(self.nodes) >= self.max_nodes:
            raise error("E501", self._too_large(), span, hint=self._nodes_hint())
        part = (frame.scope, local, frame.scope.claim(local))
        self.nodes.append(_Pending(op, [t.node for t in inputs], shape, span, frame.path, part,
                                   frame.blocks, frame.calls))
        return Tensor(len(self.nodes) - 1, shape)

    def _shape_error(self, exc: ShapeError, op: Any, operands: list[Tensor],
                     span: Span | None) -> NetdslError:
        """The error for ``exc``; for E405 the operands in ``operands``' order, each once.

        A tensor merged twice (``add(x)`` right after ``x = ...``) is one
        operand to show: the rule is checked again on the distinct operands so
        that the message names them in their order. Leaving out a repeat never
        makes them fit: a shape always fits itself.
        """
        if exc.code != "E405":
            return error(exc.code, exc.message, span, hint=exc.hint)
        distinct = list({t.node: t for t in operands}.values())
        try:
            infer_shape(op, [t.shape for t in distinct])
        except ShapeError as ordered:
            exc = ordered
        notes = [Note(f"operand of shape {'x'.join(map(str, t.shape))} produced here",
                      self.nodes[t.node].span) for t in distinct]
        return error(exc.code, exc.message, span, notes=notes, hint=exc.hint)

    # -- compound statements ------------------------------------------------

    def _merge(self, stmt: ast.Merge, frame: Frame, name: str | None) -> None:
        head = _head(stmt.span)
        if stmt.kind not in MERGES:
            raise error("E307", f"'{stmt.kind}:' is not a merge", head,
                        hint=did_you_mean(stmt.kind, MERGES)
                        or "branches merge with add:, concat: or mul:")
        if frame.current is None:
            raise error("E401", f"'{stmt.kind}' has no input", head)
        if len(stmt.branches) < 2:
            raise error("E301", f"'{stmt.kind}:' needs at least two branches", head,
                        hint="an empty branch '|' stands for the input itself")
        start = frame.current
        operands = []
        # The branches share the scope: a name one binds may be read by the next.
        unstable = frozenset().union(*(self._assigned(b.stmts) for b in stmt.branches))
        bounds = [self._bounds(b.stmts, frame.env, unstable) for b in stmt.branches]
        base_nodes, base_steps = self.reserved
        after_nodes = 1 + sum(n for branch in bounds for n, _ in branch)  # 1: the merge
        after_steps = sum(s for branch in bounds for _, s in branch)
        for branch, branch_bounds in zip(stmt.branches, bounds, strict=True):
            after_nodes -= sum(n for n, _ in branch_bounds)
            after_steps -= sum(s for _, s in branch_bounds)
            self.reserved = (base_nodes + after_nodes, base_steps + after_steps)
            sub = Frame(frame.env, start, frame.scope, frame.path, frame.blocks, frame.calls)
            self.exec_body(branch.stmts, sub, branch_bounds)
            operands.append(sub.current)
        self.reserved = (base_nodes, base_steps)
        frame.current = self.new_node(MERGES[stmt.kind](), operands, frame, head,
                                      name or stmt.kind)

    def _residual(self, stmt: ast.Residual, frame: Frame, name: str | None) -> None:
        head = _head(stmt.span)
        if frame.current is None:
            raise error("E401", "'residual' has no input", head)
        start = frame.current
        active = stmt.cond is None or self.truth(self.eval(stmt.cond, frame.env), stmt.cond.span)
        base = self.reserved
        self.reserved = (base[0] + active, base[1])  # the add
        self.exec_body(stmt.body, frame)
        self.reserved = base
        if active:
            frame.current = self.new_node(ops.Add(), [start, frame.current], frame, head,
                                          name or "add")


# ---- modules and imports ------------------------------------------------------


#: How source names of the standard library read: ``<stdlib>/std.net``.
STDLIB_PREFIX = "<stdlib>/"


class ModuleLoader:
    """Finds, parses and evaluates imported modules, once each; reports cycles.

    ``parse(text, name, limits)`` is the parser; ``limits`` bounds each module
    as it bounds the file compiled (size, nesting, literals). Only ``.net``
    files are imported, so that a mistaken ``import "/etc/passwd"`` never
    quotes another file's content in a syntax error.

    Each module file is read on every load and handed to ``parse`` with its
    text, so ``parse`` may be a cache keyed by the text
    (:func:`netdsl.driver.parse_module`, which the driver passes): the standard
    library is parsed once per process, and an edited file is parsed again.
    The modules it returns are only read here, never changed, so sharing them
    between compilations is safe.
    """

    def __init__(self, parse, search_path: tuple[Path, ...] = (), limits: Limits | None = None):
        self.parse = parse
        self.search_path = search_path
        self.limits = limits or Limits()
        self.cache: dict[str, Env] = {}
        self.loading: list[tuple[str, Span | None]] = []
        #: Notes and warnings about the program, reported when it compiles: definitions
        #: that replace imported ones (N204), merges counting a tensor twice (W402).
        self.notes: list[Diagnostic] = []

    def module_env(self, module: ast.Module, net: ast.NetDef | None = None) -> Env:
        """The global scope of ``module``: builtins, imports, then its own definitions."""
        env = Env(ROOT)
        origin: dict[str, str] = {}  # imported name -> the module it came from
        for item in module.items:
            if isinstance(item, ast.Import):
                imported = self.load(item, module.source)
                stem = Path(item.target).stem
                clashes = [name for name in imported.vars if name in origin
                           and imported.vars[name] is not env.vars[name]]
                for name in clashes:  # the last import wins, which may surprise
                    first = origin[name]
                    self._replaces(name, f"'{name}' of {stem}", first, item.span,
                                   f"{first}.{name} still names {first}'s")
                env.vars.update(imported.vars)
                origin.update(dict.fromkeys(imported.vars, stem))
                env.vars[stem] = ModuleValue(stem, imported)
        defined: dict[str, Any] = {}
        for item in module.items:
            value: Any
            if isinstance(item, ast.Let) and item.name in origin:
                first = origin[item.name]
                self._replaces(item.name, f"let '{item.name}'", first, item.span,
                               f"{first}.{item.name} still names {first}'s")
            match item:
                case ast.BlockDef():
                    value = Block(item.name, item, env)
                case ast.BlockAlias():
                    value = Partial(item.name, item, env)
                case ast.FuncDef():
                    value = Function(item.name, item, env)
                case _:
                    continue
            if item.name in defined:
                raise error("E204", f"'{item.name}' is defined twice", _head(item.span),
                            notes=[Note("first defined here", _head(defined[item.name].span))])
            if item.name in LAYERS or item.name in MERGES:
                raise error("E204", f"'{item.name}' is a built-in layer and cannot be redefined",
                            _head(item.span), hint="choose another name")
            if item.name in origin:
                kind = "function" if isinstance(item, ast.FuncDef) else "block"
                module_name = origin[item.name]
                self._replaces(item.name, f"{kind} '{item.name}'", module_name, item.span,
                               f"this file's calls use this definition; {module_name}."
                               f"{item.name} calls the imported one")
            defined[item.name] = item
            env.vars[item.name] = value
        return env

    def _replaces(self, name: str, what: str, module_name: str, span: Span | None,
                  hint: str) -> None:
        """N204: ``what`` replaces ``name`` as imported from ``module_name``."""
        self.notes.append(Diagnostic("N204", f"{what} replaces the one imported from "
                                     f"{module_name}", _head(span), hint=hint,
                                     severity="note"))

    @staticmethod
    def evaluate_lets(module: ast.Module, env: Env, evaluator: Evaluator) -> None:
        for item in module.items:
            if isinstance(item, ast.Let):
                env.vars[item.name] = evaluator.eval(item.value, env)

    def _candidates(self, item: ast.Import, importer: Source) -> list[Path]:
        if importer.name.startswith(STDLIB_PREFIX) and self.search_path:
            base = self.search_path[0]
        elif importer.name.startswith("<"):  # <stdin>, <string>
            base = Path.cwd()
        else:
            base = Path(importer.name).parent
        if item.is_path:  # normalised, so messages say a/c.net rather than a/b/../c.net
            return [Path(os.path.normpath(base / item.target))]
        return [base / f"{item.target}.net", *(d / f"{item.target}.net" for d in self.search_path)]

    def _shown(self, path: Path) -> str:
        """A module path as messages and reports show it: the library by role, not location.

        Where the package is installed says nothing to the user and would make
        messages and reports differ between machines.
        """
        if path.parent in self.search_path:
            return f"{STDLIB_PREFIX}{path.name}"
        return str(path)

    def _find(self, item: ast.Import, candidates: list[Path]) -> Path | None:
        """The first candidate that is a file; E100 when the name cannot be looked up."""
        for candidate in candidates:
            try:
                if candidate.is_file():
                    return candidate
            except (OSError, ValueError) as exc:  # a name too long, a NUL character
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
                    "the name contains a NUL character"
                raise error("E100", f"cannot read module '{shown_path(item.target)}': {reason}",
                            item.span) from None
        return None

    def load(self, item: ast.Import, importer: Source) -> Env:
        if item.is_path and not item.target.endswith(".net"):
            raise error("E207", f"cannot import '{shown_path(item.target)}': not a .net file",
                        item.span, hint="an import names a netdsl module, a file ending in .net")
        candidates = self._candidates(item, importer)
        path = self._find(item, candidates)
        if path is None:
            known = sorted({p.stem for d in self.search_path for p in d.glob("*.net")})
            looked = ", ".join(shown_path(self._shown(c)) for c in candidates)
            raise error("E207", f"cannot find module '{shown_path(item.target)}'", item.span,
                        notes=[Note(f"looked for {looked}")],
                        hint=did_you_mean(item.target, known)
                        or (f"the standard library has: {', '.join(known)}" if known else None))
        try:
            key = str(path.resolve())
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            raise error("E100", f"cannot read module '{shown_path(item.target)}': {exc}",
                        item.span) from None
        if key in self.cache:
            return self.cache[key]
        cycle = [k for k, _ in self.loading]
        if key in cycle:
            chain = [Path(k).name for k in cycle[cycle.index(key):]] + [path.name]
            raise error("E208", f"import cycle: {' -> '.join(chain)}", item.span)
        self.loading.append((key, item.span))
        try:
            # Bounded and decoded as the compiled file is; a bad byte is located in the module.
            text = read_file(path, self.limits, name=self._shown(path),
                             label=f"module '{shown_path(item.target)}'", at=item.span)
            module = self.parse(text, self._shown(path), self.limits)
            env = self.module_env(module)
            self.evaluate_lets(module, env, Evaluator())
        finally:
            self.loading.pop()
        self.cache[key] = env
        return env


def _is_layerlike(value: Any) -> bool:
    return isinstance(value, Layer | Block | Partial)


def _steps_hint() -> str:
    return f"elaboration is limited to {MAX_STEPS:,} statements"


def _alike(a: Any, b: Any) -> bool:
    """Whether what is elaborated from ``a`` and from ``b`` has the same size.

    Values are compared as they are; tensors, which differ by the node that
    made them, by shape: the size of what is built from a tensor depends
    only on its shape.
    """
    if a is b:
        return True
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_alike(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_alike(v, b[k]) for k, v in a.items())
    return type(a) is type(b) and a == b


def _key(value: Any) -> Any:
    """A hashable stand-in for an argument value: by value, tensors by shape, others by id."""
    if value is None or isinstance(value, bool | int | float | str):
        return type(value), value
    if isinstance(value, Tensor):
        return Tensor, value.shape
    if isinstance(value, tuple):
        return tuple, tuple(_key(v) for v in value)
    return id(value)


def _count_expr(stmt: Any) -> Any:
    """The repetition count of ``stmt`` (``call * n``, ``repeat n:``), else None."""
    if isinstance(stmt, ast.Assign):
        stmt = stmt.stmt
    if isinstance(stmt, ast.CallStmt):
        return stmt.repeat
    return stmt.count if isinstance(stmt, ast.Repeat) else None


def _uniform_after(count: int, per: Bound) -> Callable[[int], Bound]:
    """What the iterations after iteration ``i`` take, when each takes ``per``."""
    return lambda i: ((count - 1 - i) * per[0], (count - 1 - i) * per[1])


def _suffix_after(least: list[Bound]) -> tuple[Callable[[int], Bound], Bound]:
    """What the iterations after iteration ``i`` take, each its own; and the total."""
    nodes, steps = [0] * (len(least) + 1), [0] * (len(least) + 1)
    for i in range(len(least) - 1, -1, -1):
        nodes[i] = nodes[i + 1] + least[i][0]
        steps[i] = steps[i + 1] + least[i][1]
    return (lambda i: (nodes[i + 1], steps[i + 1])), (nodes[0], steps[0])


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _free_names(expr: Any) -> frozenset[str] | None:
    """The names an expression reads (``in`` for ``in``); None for an unknown node."""
    names: set[str] = set()
    stack = [expr]
    while stack:
        match stack.pop():
            case ast.Num() | ast.Str():
                pass
            case ast.Name(id=name):
                names.add(name)
            case ast.InputRef():
                names.add("in")
            case ast.Unary(operand=operand) | ast.Not(operand=operand):
                stack.append(operand)
            case ast.Binary(left=left, right=right):
                stack += (left, right)
            case ast.Compare(operands=operands):
                stack.extend(operands)
            case ast.BoolOp(values=values):
                stack.extend(values)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                stack += (test, body, orelse)
            case ast.FunCall(func=func, args=args):
                stack.append(func)
                stack.extend(a.value for a in args)
            case ast.Index(value=value, index=index):
                stack += (value, index)
            case ast.Attribute(value=value):
                stack.append(value)
            case ast.ListExpr(items=items):
                stack.extend(items)
            case _:
                return None
    return frozenset(names)


def _walk_stmts(stmts: tuple[Any, ...]):
    """Every statement of ``stmts`` and of the bodies nested in them (not in blocks called)."""
    stack = list(stmts)
    while stack:
        stmt = stack.pop()
        yield stmt
        match stmt:
            case ast.Assign():
                stack.append(stmt.stmt)
            case ast.Merge():
                for branch in stmt.branches:
                    stack.extend(branch.stmts)
            case ast.Residual() | ast.Repeat() | ast.For():
                stack.extend(stmt.body)
            case ast.If():
                for _, body in stmt.clauses:
                    stack.extend(body)
                stack.extend(stmt.orelse or ())


def _assigned_names(stmts: tuple[Any, ...]) -> frozenset[str]:
    names = set()
    for stmt in _walk_stmts(stmts):
        match stmt:
            case ast.Assign(target=name) | ast.Let(name=name) | ast.For(var=name):
                names.add(name)
    return frozenset(names)


def _sizing_names(stmts: tuple[Any, ...]) -> Any:
    """What the size of ``stmts`` may read: the names of the repetition counts and
    loops' lists (None if unknown), and each call with the names its arguments read."""
    names: set[str] = set()
    calls: list[tuple[ast.Call, frozenset[str] | None]] = []
    for stmt in _walk_stmts(stmts):
        match stmt:
            case ast.CallStmt(call=call):
                read: set[str] | None = set()
                for arg in call.args:
                    free = _free_names(arg.value)
                    read = None if read is None or free is None else read | free
                calls.append((call, None if read is None else frozenset(read)))
                exprs = [stmt.repeat] if stmt.repeat is not None else []
            case ast.Repeat(count=count):
                exprs = [count]
            case ast.For(iterable=iterable):
                exprs = [iterable]
            case _:
                continue
        for expr in exprs:
            free = _free_names(expr)
            if free is None:
                return None, calls
            names |= free
    return frozenset(names), calls


def _read_names(stmts: tuple[Any, ...]) -> frozenset[str] | None:
    names: set[str] = set()
    exprs: list[Any] = []
    for stmt in _walk_stmts(stmts):
        match stmt:
            case ast.CallStmt(call=call):
                names.add(call.name[0])
                exprs += [a.value for a in call.args]
                exprs += [e for e in (stmt.repeat, stmt.cond) if e is not None]
            case ast.Let(value=value):
                exprs.append(value)
            case ast.From(name=name):
                names.add(name)
            case ast.Residual(cond=cond):
                exprs += [cond] if cond is not None else []
            case ast.If(clauses=clauses):
                exprs += [test for test, _ in clauses]
            case ast.Repeat(count=count):
                exprs.append(count)
            case ast.For(iterable=iterable):
                exprs.append(iterable)
            case ast.Assign() | ast.Merge():
                pass
            case _:
                return None
    for expr in exprs:
        free = _free_names(expr)
        if free is None:
            return None
        names |= free
    return frozenset(names)


def _span_key(span: Span | None) -> tuple[Any, ...] | None:
    """What tells places apart: a span's file and position (Span equality ignores the file)."""
    if span is None:
        return None
    return span.filename, span.line, span.column, span.end_line, span.end_column


def _source_text(span: Span | None) -> str | None:
    """The source text ``span`` covers (``y`` of ``add(x, y)``); None across lines."""
    if span is None or span.end_line != span.line:
        return None
    return span.source.line(span.line)[span.column - 1:span.end_column - 1] or None


def _head(span: Span | None) -> Span | None:
    """The first line of a multi-line span (a header such as ``add:``)."""
    if span is None or span.end_line == span.line:
        return span
    text = span.source.line(span.line)
    return Span(span.source, span.line, span.column, span.line, len(text.rstrip()) + 1)


def _with_note(exc: NetdslError, note: Note) -> NetdslError:
    """Add a call-site note to the error (up to a few levels deep).

    Past four levels a note is still added while the error shows no place
    outside the standard library, so that it always names the user's own line.
    """
    first, *rest = exc.diagnostics
    if sum(n.message.startswith("in block") for n in first.notes) >= 4 and any(
        span is not None and not span.source.name.startswith(STDLIB_PREFIX)
        for span in (first.span, *(n.span for n in first.notes))
    ):
        return exc
    updated = Diagnostic(first.code, first.message, first.span, (*first.notes, note),
                         first.hint, first.severity)
    return NetdslError([updated, *rest])


def parse_param_value(text: str, name: str, limits: Limits | None = None) -> Any:
    """A ``--set NAME=VALUE`` value, written as a netdsl expression.

    ``limits`` bound it as they bound a source file; a value past them (a number
    of a thousand digits, brackets nested too deep) is E309 with the reason as a note.
    """
    from netdsl.limits import stack_headroom
    from netdsl.syntax.parser import parse

    limits = limits or Limits()
    source_text = f"let {name} = {text}\n"
    try:
        with stack_headroom(limits):
            module = parse(source_text, f"<--set {name}>", limits)
            (item,) = module.items
            if not isinstance(item, ast.Let):
                raise ValueError
            value = Evaluator().eval(item.value, ROOT)
    except (NetdslError, ValueError) as exc:
        first = exc.diagnostics[0] if isinstance(exc, NetdslError) else None
        notes = [Note(first.message)] if first and first.code == "E501" else []
        raise error("E309", f"invalid value for parameter '{name}': {text!r}", notes=notes,
                    hint="write a number, true/false, a list like [3, 4, 6, 3], or a quoted "
                    "string") from None
    if not (is_number(value) or isinstance(value, bool | str | tuple) or value is None):
        raise error("E309", f"invalid value for parameter '{name}': {text!r}")
    return value
