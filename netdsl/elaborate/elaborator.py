"""Elaboration: evaluate a parsed network into a flat graph of layers.

Blocks are expanded, repetitions unrolled, conditions decided and expressions
evaluated; each built-in layer call becomes one IR node whose output shape is
computed on the spot (blocks may read ``in.c``), using the same shape rules
as the ``infer-shapes`` pass.

Names. Every statement in a scope gets a local name: the name it is assigned
to (``x = conv(...)``), else the layer or block called. When a scope calls the
same name more than once the occurrences are numbered from 1 (``ir1``,
``ir2``; ``cbr6_1`` when the name ends in a digit); a single occurrence keeps
the bare name. A node's name is the path of
local names through the block instances enclosing it: ``stage3/ir2/cbr1/conv``.
Branches of a merge share the scope of the merge, so names stay short.

Limits. A network may not expand to more than ``max_nodes`` nodes, and
elaboration may not execute more than ``MAX_STEPS`` statements; both stop with
E501 at once, so ``relu * 10**9`` fails immediately instead of exhausting
memory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from netdsl.diagnostics import Diagnostic, NetdslError, Note, Source, Span, did_you_mean, error
from netdsl.elaborate.expressions import BUILTINS, Evaluator, bind_arguments, is_number
from netdsl.elaborate.layers import LAYERS, MERGES, Args
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
from netdsl.passes.infer_shapes import ShapeError, infer_shape
from netdsl.syntax import ast

DEFAULT_MAX_NODES = 1_000_000
MAX_STEPS = 20_000_000

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


@attrs.define
class _Pending:
    op: Any
    inputs: list[int]
    shape: tuple[int, ...]
    span: Span | None
    path: tuple[Part, ...]
    blocks: tuple[tuple[tuple[Part, ...], str], ...]


@attrs.define
class Frame:
    """Where statements execute: names, the current tensor, the naming scope."""

    env: Env
    current: Tensor | None
    scope: Scope
    path: tuple[Part, ...] = ()
    blocks: tuple[tuple[tuple[Part, ...], str], ...] = ()


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
        arguments = self._bind_net_params(net, env, params or {})
        self.loader.evaluate_lets(module, env, self)
        # The body's own names (lets, tensors, ``in``) stay local to it; the
        # parameters live in the module scope so blocks and functions see them.
        frame = Frame(Env(env), None, Scope())
        self.exec_body(net.body, frame)
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
                raise error("E203", f"network '{net.name}' has no parameter '{name}'",
                            _head(net.span), hint=did_you_mean(name, declared)
                            or f"its parameters are ({', '.join(declared) or 'none'})")
        arguments = []
        for p in net.params:
            if p.name in env.vars:
                raise error("E204", f"parameter '{p.name}' has the name of a definition", p.span)
            if p.name in params:
                value = params[p.name]
            elif p.default is not None:
                value = self.eval(p.default, env)
            else:
                raise error("E301", f"network parameter '{p.name}' has no default and no value",
                            p.span, hint=f"give it one with --set {p.name}=VALUE")
            env.vars[p.name] = value
            arguments.append((p.name, value))
        return tuple(arguments)

    def _finish(self, name: str, output: Tensor, arguments) -> Graph:
        names: list[str] = []
        used: set[str] = set()

        def render(path: tuple[Part, ...]) -> str:
            return "/".join(
                base if scope.counts[base] == 1 else f"{base}{'_' * base[-1].isdigit()}{idx}"
                for scope, base, idx in path
            )

        for pending in self.nodes:
            full = render(pending.path)
            unique, n = full, 1
            while unique in used:
                n += 1
                unique = f"{full}_{n}"
            used.add(unique)
            names.append(unique)
        nodes = tuple(
            Node(
                name=names[i],
                op=p.op,
                inputs=tuple(names[j] for j in p.inputs),
                shape=p.shape,
                span=p.span,
                blocks=tuple((render(prefix), block) for prefix, block in p.blocks),
            )
            for i, p in enumerate(self.nodes)
        )
        return Graph(name, nodes, (names[output.node],), arguments)

    # -- statements ---------------------------------------------------------

    def exec_body(self, stmts: tuple[Any, ...], frame: Frame) -> None:
        for stmt in stmts:
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: Any, frame: Frame, name: str | None = None) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise error("E501", "elaboration takes too many steps", stmt.span,
                        hint=f"elaboration is limited to {MAX_STEPS:,} statements")
        match stmt:
            case ast.CallStmt():
                if stmt.cond is not None and not self.truth(
                    self.eval(stmt.cond, frame.env), stmt.cond.span
                ):
                    return
                count = 1 if stmt.repeat is None else self._count(stmt.repeat, frame.env)
                for _ in range(count):
                    self.call(stmt.call, frame, name)
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
                for _ in range(self._count(stmt.count, frame.env)):
                    self.exec_body(stmt.body, frame)
            case ast.For():
                items = self.eval(stmt.iterable, frame.env)
                if not isinstance(items, tuple):
                    raise error("E304", f"'for' needs a list, got {type_name(items)} "
                                f"{show(items)}", stmt.iterable.span)
                for item in items:
                    frame.env.vars[stmt.var] = item
                    self.exec_body(stmt.body, frame)
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
        if count > self.max_nodes:
            raise error("E501", f"repeating {count:,} times exceeds the network size limit",
                        expr.span, hint=f"a network may have at most {self.max_nodes:,} layers")
        return count

    # -- calls --------------------------------------------------------------

    def call(self, call: ast.Call, frame: Frame, name: str | None) -> None:
        callee = self._resolve(call, frame.env)
        args = [(a.name, self.eval(a.value, frame.env), a.span) for a in call.args]
        # A layer passed as an argument (``act``) is named after the layer it holds.
        local = name or (callee.name if _is_layerlike(callee) else call.name[-1])
        self.apply(callee, args, frame, call, local)

    def _resolve(self, call: ast.Call, env: Env) -> Any:
        try:
            value = env.lookup(call.name[0])
        except KeyError:
            callables = [n for n in env.names() if _is_layerlike(env.lookup(n))]
            raise error("E201", f"unknown layer or block '{call.name[0]}'",
                        call.name_span or call.span,
                        hint=did_you_mean(call.name[0], callables)) from None
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
                fixed = [(a.name, self.eval(a.value, env), a.span)
                         for a in callee.definition.call.args]
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
        bound, _ = bind_arguments(layer.name, layer.params, args, call.span)
        spans = {name: span for name, _, span in args if name}
        positional = [span for name, _, span in args if name is None]
        for (param, _), span in zip(layer.params, positional, strict=False):
            spans[param] = span
        in_shape = frame.current.shape if frame.current is not None else None
        op = layer.build(Args(layer.name, bound, spans, call.span, in_shape))
        inputs = [] if frame.current is None or layer.name == "input" else [frame.current]
        tensor = self.new_node(op, inputs, frame, call.span, local)
        if layer.name == "input":
            self.input_tensor = tensor
            frame.env.vars.setdefault("in", tensor)
        frame.current = tensor

    def _merge_call(self, kind: str, args: list, frame: Frame, call: ast.Call, local: str):
        if frame.current is None:
            raise error("E401", f"'{kind}' has no input", call.span)
        tensors = [frame.current]
        for name, value, span in args:
            if name is not None or not isinstance(value, Tensor):
                raise error("E304", f"'{kind}' takes named tensors, e.g. {kind}(x), got "
                            f"{show(value)}", span or call.span)
            tensors.append(value)
        if len(tensors) < 2:
            raise error("E301", f"'{kind}' needs a tensor to merge with the current one",
                        call.span, hint=f"write {kind}(x) with a tensor named by 'x = ...', "
                        f"or use '{kind}:' with '|' branches")
        frame.current = self.new_node(MERGES[kind](), tensors, frame, call.span, local)

    def _block(self, block: Block, args: list, frame: Frame, call: ast.Call, local: str) -> None:
        definition = block.definition
        if any(d is definition for d in self.active_blocks):
            raise error("E308", f"block '{block.name}' calls itself", call.span,
                        notes=[Note(f"'{block.name}' is defined here", _head(definition.span))],
                        hint="blocks cannot be recursive; use repetition (* n) instead")
        params = [(p.name, p.default if p.default is not None else REQUIRED)
                  for p in definition.params]
        bound, defaulted = bind_arguments(block.name, params, args, call.span)
        env = Env(block.env)
        if frame.current is not None:
            env.vars["in"] = frame.current
        for name, value in bound.items():
            env.vars[name] = self.eval(value, env) if name in defaulted else value
        instance = (*frame.path, (frame.scope, local, frame.scope.claim(local)))
        blocks = (*frame.blocks, (instance, block.name))
        child = Frame(env, frame.current, Scope(), instance, blocks)
        self.active_blocks.append(definition)
        try:
            self.exec_body(definition.body, child)
        except NetdslError as exc:
            raise _with_note(exc, Note(f"in block '{block.name}' called here", call.span)) from None
        finally:
            self.active_blocks.pop()
        frame.current = child.current

    def new_node(self, op: Any, inputs: list[Tensor], frame: Frame, span: Span | None,
                 local: str) -> Tensor:
        try:
            shape = infer_shape(op, [t.shape for t in inputs])
        except ShapeError as exc:
            notes = []
            if exc.code == "E405":
                for t in inputs:
                    notes.append(Note(f"operand of shape {'x'.join(map(str, t.shape))} "
                                      "produced here", self.nodes[t.node].span))
            raise error(exc.code, exc.message, span, notes=notes, hint=exc.hint) from None
        if len(self.nodes) >= self.max_nodes:
            raise error("E501", f"the network expands past {self.max_nodes:,} layers", span,
                        hint="check repetition counts; the limit is set with max_nodes")
        path = (*frame.path, (frame.scope, local, frame.scope.claim(local)))
        self.nodes.append(_Pending(op, [t.node for t in inputs], shape, span, path, frame.blocks))
        return Tensor(len(self.nodes) - 1, shape)

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
        for branch in stmt.branches:
            sub = Frame(frame.env, start, frame.scope, frame.path, frame.blocks)
            self.exec_body(branch.stmts, sub)
            operands.append(sub.current)
        frame.current = self.new_node(MERGES[stmt.kind](), operands, frame, head,
                                      name or stmt.kind)

    def _residual(self, stmt: ast.Residual, frame: Frame, name: str | None) -> None:
        head = _head(stmt.span)
        if frame.current is None:
            raise error("E401", "'residual' has no input", head)
        start = frame.current
        active = stmt.cond is None or self.truth(self.eval(stmt.cond, frame.env), stmt.cond.span)
        self.exec_body(stmt.body, frame)
        if active:
            frame.current = self.new_node(ops.Add(), [start, frame.current], frame, head,
                                          name or "add")


# ---- modules and imports ------------------------------------------------------


#: How source names of the standard library read: ``<stdlib>/std.net``.
STDLIB_PREFIX = "<stdlib>/"


class ModuleLoader:
    """Finds, parses and evaluates imported modules, once each; reports cycles."""

    def __init__(self, parse, search_path: tuple[Path, ...] = ()):
        self.parse = parse
        self.search_path = search_path
        self.cache: dict[str, Env] = {}
        self.loading: list[tuple[str, Span | None]] = []

    def module_env(self, module: ast.Module, net: ast.NetDef | None = None) -> Env:
        """The global scope of ``module``: builtins, imports, then its own definitions."""
        env = Env(ROOT)
        for item in module.items:
            if isinstance(item, ast.Import):
                imported = self.load(item, module.source)
                env.vars.update(imported.vars)
                env.vars[Path(item.target).stem] = ModuleValue(Path(item.target).stem, imported)
        defined: dict[str, Any] = {}
        for item in module.items:
            value: Any
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
            defined[item.name] = item
            env.vars[item.name] = value
        return env

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

    def load(self, item: ast.Import, importer: Source) -> Env:
        candidates = self._candidates(item, importer)
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            known = sorted({p.stem for d in self.search_path for p in d.glob("*.net")})
            raise error("E207", f"cannot find module '{item.target}'", item.span,
                        notes=[Note(f"looked for {', '.join(self._shown(c) for c in candidates)}")],
                        hint=did_you_mean(item.target, known)
                        or (f"the standard library has: {', '.join(known)}" if known else None))
        key = str(path.resolve())
        if key in self.cache:
            return self.cache[key]
        cycle = [k for k, _ in self.loading]
        if key in cycle:
            chain = [Path(k).name for k in cycle[cycle.index(key):]] + [path.name]
            raise error("E208", f"import cycle: {' -> '.join(chain)}", item.span)
        self.loading.append((key, item.span))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise error("E100", f"cannot read module '{item.target}': {exc}", item.span) from None
        try:
            module = self.parse(text, self._shown(path))
            env = self.module_env(module)
            self.evaluate_lets(module, env, Evaluator())
        finally:
            self.loading.pop()
        self.cache[key] = env
        return env


def _is_layerlike(value: Any) -> bool:
    return isinstance(value, Layer | Block | Partial)


def _head(span: Span | None) -> Span | None:
    """The first line of a multi-line span (a header such as ``add:``)."""
    if span is None or span.end_line == span.line:
        return span
    text = span.source.line(span.line)
    return Span(span.source, span.line, span.column, span.line, len(text.rstrip()) + 1)


def _with_note(exc: NetdslError, note: Note) -> NetdslError:
    """Add a call-site note to the error (up to a few levels deep)."""
    first, *rest = exc.diagnostics
    if sum(n.message.startswith("in block") for n in first.notes) >= 4:
        return exc
    updated = Diagnostic(first.code, first.message, first.span, (*first.notes, note),
                         first.hint, first.severity)
    return NetdslError([updated, *rest])


def parse_param_value(text: str, name: str) -> Any:
    """A ``--set NAME=VALUE`` value, written as a netdsl expression."""
    from netdsl.syntax.parser import parse

    source_text = f"let {name} = {text}\n"
    try:
        module = parse(source_text, f"<--set {name}>")
        (item,) = module.items
        if not isinstance(item, ast.Let):
            raise ValueError
        value = Evaluator().eval(item.value, ROOT)
    except (NetdslError, ValueError):
        raise error("E309", f"invalid value for parameter '{name}': {text!r}",
                    hint="write a number, true/false, a list like [3, 4, 6, 3], or a quoted "
                    "string") from None
    if not (is_number(value) or isinstance(value, bool | str | tuple) or value is None):
        raise error("E309", f"invalid value for parameter '{name}': {text!r}")
    return value
