"""Evaluating expressions: arithmetic, logic, lists, builtins and functions.

Semantics follow Python where the two can agree: ``/`` is true division,
``//`` and ``%`` floor, comparisons chain, ``and``/``or`` short-circuit and
return booleans. Every failure is a coded diagnostic pointing at the exact
sub-expression. Limits keep hostile input cheap: huge powers, huge lists and
runaway recursion fail at once with E501.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from netdsl.diagnostics import Note, Span, did_you_mean, error
from netdsl.elaborate.translations import keyword_hint
from netdsl.elaborate.values import (
    REQUIRED,
    Block,
    Builtin,
    Env,
    Function,
    Layer,
    ModuleValue,
    Partial,
    Symbol,
    Tensor,
    show,
    type_name,
)
from netdsl.limits import CALL_FRAMES, stack_depth
from netdsl.syntax import ast

#: The largest list a program may build, the deepest function recursion, and the
#: function evaluations one compilation may make. Functions are pure, so each is
#: evaluated once per distinct arguments (``def f(n) = f(n - 1) + f(n - 1)`` is then
#: linear); a recursion whose arguments never repeat is stopped by the count.
MAX_LIST = 1_000_000
MAX_CALL_DEPTH = 200
MAX_CALLS = 50_000
MAX_INT_BITS = 4096

BoundArgs = dict[str, Any]
ArgList = Sequence[tuple[str | None, Any, Span | None]]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def make_div(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """MobileNet channel rounding (the ``_make_divisible`` of TF-slim and torchvision).

    Round ``v`` to the nearest multiple of ``divisor``, never below
    ``min_value`` (default ``divisor``), adding ``divisor`` if rounding lost
    more than 10%.
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def bind_arguments(
    callee: str,
    params: Sequence[tuple[str, Any]],
    args: ArgList,
    call_span: Span | None,
) -> tuple[BoundArgs, set[str]]:
    """Match positional and keyword arguments to parameters.

    ``params`` are ``(name, default)`` pairs with :data:`REQUIRED` for none.
    Returns the bound values and the names that took their default; defaults
    come back as given, for the caller to evaluate. Raises E301 (count), E302
    (unknown keyword) or E303 (given twice).
    """
    if len(args) <= len(params) and all(a[0] is None for a in args):
        # Positional arguments only, as most calls are: each takes the next parameter.
        bound: BoundArgs = {params[i][0]: a[1] for i, a in enumerate(args)}
        defaulted: set[str] = set()
        for name, default in params[len(args):]:
            if default is REQUIRED:
                break  # the general path below reports it
            defaulted.add(name)
            bound[name] = default
        else:
            return bound, defaulted
    names = [name for name, _ in params]
    bound = {}
    positional = [a for a in args if a[0] is None]
    if len(positional) > len(params):
        extra = positional[len(params)]
        raise error(
            "E301",
            f"'{callee}' takes at most {len(params)} argument{'s' * (len(params) != 1)}, "
            f"got {len(positional)}",
            extra[2] or call_span,
            hint=f"its parameters are ({', '.join(names)})" if names else None,
        )
    seen_keyword = False
    for i, (name, value, span) in enumerate(args):
        if name is None:
            if seen_keyword:
                raise error("E301", "a positional argument cannot follow a keyword argument",
                            span or call_span)
            bound[names[i]] = value
            continue
        seen_keyword = True
        if name not in names:
            raise error(
                "E302",
                f"'{callee}' has no parameter '{name}'",
                span or call_span,
                hint=keyword_hint(name, names) or did_you_mean(name, names)
                or (f"its parameters are ({', '.join(names)})" if names else None),
            )
        if name in bound:
            raise error("E303", f"argument '{name}' of '{callee}' is given twice",
                        span or call_span)
        bound[name] = value
    defaulted = set()
    for name, default in params:
        if name not in bound:
            defaulted.add(name)
            if default is REQUIRED:
                raise error(
                    "E301",
                    f"'{callee}' is missing the argument '{name}'",
                    call_span,
                    hint=f"its parameters are ({', '.join(names)})",
                )
            bound[name] = default
    return bound, defaulted


class Evaluator:
    """Evaluates expressions; the elaborator extends it with statements."""

    def __init__(self) -> None:
        self.call_depth = 0
        #: Results of function calls by (function, arguments): functions are pure.
        self.results: dict[tuple[int, tuple[Any, ...]], Any] = {}
        self.evaluations = 0
        #: Where the stack stood when evaluation began, to measure what calls use.
        self.base_frames = stack_depth()

    # -- entry point --------------------------------------------------------

    def eval_args(self, args: tuple[ast.Arg, ...], env: Env) -> ArgList:
        """``(name, value, span)`` of each argument; ``*list`` gives one per element."""
        values: list[tuple[str | None, Any, Span | None]] = []
        for a in args:
            value = self.eval(a.value, env)
            if not a.splat:
                values.append((a.name, value, a.span))
            elif isinstance(value, tuple):
                values += [(None, item, a.span) for item in value]
            else:
                raise error("E304", f"'*' spreads a list, got {type_name(value)} {show(value)}",
                            a.span)
        return values

    def eval(self, node: Any, env: Env) -> Any:
        """The value of expression ``node`` in ``env``.

        Recursion follows the nesting of the expression, which the parser has
        bounded (``Limits.max_nesting``). Chains of one binary operator, which
        it does not count as nesting, run as a loop in :meth:`_binary`; the
        ``else`` part of a conditional is evaluated in this frame too, which
        spares a frame per ``else ... if``.
        """
        while True:
            # The commonest nodes first, by exact type: a name or a number is most
            # of what a network evaluates, and a class pattern per case costs more.
            kind = type(node)
            if kind is ast.Name:
                return self.lookup(node.id, env, node.span)
            if kind is ast.Num or kind is ast.Str:
                return node.value
            if kind is ast.IfExp:
                test = node.test
                node = node.body if self.truth(self.eval(test, env), test.span) else node.orelse
                continue
            match node:
                case ast.InputRef():
                    return self.lookup("in", env, node.span)
                case ast.ListExpr(items=items):
                    # A list comprehension, not tuple(generator): no C-level recursion.
                    return tuple([self.eval(i, env) for i in items])
                case ast.Binary():
                    return self._binary(node, env)
                case ast.Compare():
                    return self._compare(node, env)
                case ast.Attribute():
                    return self._attribute(self.eval(node.value, env), node)
                case ast.FunCall():
                    func = self.eval(node.func, env)
                    args = self.eval_args(node.args, env)
                    return self.call_function(func, args, node.span, node.func.span)
                case ast.BoolOp(op=op, values=values):
                    for value_node in values:
                        value = self.truth(self.eval(value_node, env), value_node.span)
                        if value == (op == "or"):
                            return value
                    return op == "and"
                case ast.Unary(op=op, operand=operand):
                    value = self.eval(operand, env)
                    if not is_number(value):
                        raise error("E304", f"cannot apply unary '{op}' to {type_name(value)} "
                                    f"{show(value)}", node.span)
                    return -value if op == "-" else value
                case ast.Not(operand=operand):
                    return not self.truth(self.eval(operand, env), operand.span)
                case ast.Index():
                    return self._index(node, env)
                # Subclasses of the nodes taken by exact type above.
                case ast.Name(id=name):
                    return self.lookup(name, env, node.span)
                case ast.Num(value=value) | ast.Str(value=value):
                    return value
                case ast.IfExp(test=test, body=body, orelse=orelse):
                    node = body if self.truth(self.eval(test, env), test.span) else orelse
                    continue
            raise AssertionError(f"unknown expression node {node!r}")

    # -- names --------------------------------------------------------------

    def lookup(self, name: str, env: Env, span: Span | None) -> Any:
        try:
            return env.lookup(name)
        except KeyError:
            if name == "in":
                raise error("E401", "'in' has no value here: nothing was computed yet", span,
                            hint="the network must start with input(h, w, c)") from None
            raise error("E202", f"unknown name '{name}'", span,
                        hint=did_you_mean(name, env.names())) from None

    def truth(self, value: Any, span: Span | None) -> bool:
        if isinstance(value, bool):
            return value
        if is_number(value):
            return value != 0
        if value is None:
            return False
        if isinstance(value, tuple | str):
            return len(value) > 0
        raise error("E304", f"a {type_name(value)} cannot be used as a condition", span)

    # -- operators ----------------------------------------------------------

    _ARITH: dict[str, Callable[[Any, Any], Any]] = {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "//": operator.floordiv,
        "%": operator.mod,
        "**": operator.pow,
    }

    def _binary(self, node: ast.Binary, env: Env) -> Any:
        """A binary operation, and the chain of them down its left operands, as a loop.

        ``1 + 1 + ... + 1`` parses as a tree as deep as it is long; walking its
        left spine instead of recursing keeps the stack flat whatever its length,
        and evaluates the operands left to right as before.
        """
        spine = [node]
        while isinstance(spine[-1].left, ast.Binary):
            spine.append(spine[-1].left)
        value = self.eval(spine[-1].left, env)
        for step in reversed(spine):
            value = self._apply(step, value, self.eval(step.right, env))
        return value

    def _apply(self, node: ast.Binary, left: Any, right: Any) -> Any:
        op = node.op
        if is_number(left) and is_number(right):
            if op in ("/", "//", "%") and right == 0:
                raise error("E305", "division by zero", node.span,
                            notes=[Note("the divisor evaluates to 0", node.right.span)])
            if op == "**":
                self._check_power(left, right, node.span)
            try:
                result = self._ARITH[op](left, right)
            except (OverflowError, ZeroDivisionError):
                raise error("E306", f"the result of '{op}' is out of range", node.span) from None
            if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
                # 10**1000 * 10**1000 * ...: the power check alone does not bound products.
                raise error("E501", "number too large", node.span,
                            hint=f"results are limited to {MAX_INT_BITS} bits")
            if isinstance(result, float) and not math.isfinite(result):
                # Float arithmetic overflows to inf silently; inf is no size or rate.
                raise error("E306", f"the result of '{op}' is out of range", node.span)
            return result
        if op == "+" and isinstance(left, tuple) and isinstance(right, tuple):
            self._check_list_size(len(left) + len(right), node.span)
            return left + right
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        if op == "*" and isinstance(left, tuple | str) and _is_int(right):
            self._check_list_size(len(left) * max(right, 0), node.span)
            return left * right
        raise error(
            "E304",
            f"unsupported operand types for '{op}': {type_name(left)} and {type_name(right)}",
            node.op_span or node.span,
        )

    def _check_power(self, base: Any, exponent: Any, span: Span | None) -> None:
        if isinstance(base, int) and isinstance(exponent, int):
            if exponent < 0 and base == 0:
                raise error("E305", "division by zero (0 to a negative power)", span)
            if abs(base) > 1 and exponent > 0 and base.bit_length() * exponent > MAX_INT_BITS:
                raise error("E501", "number too large", span,
                            hint=f"results are limited to {MAX_INT_BITS} bits")

    def _check_list_size(self, size: int, span: Span | None) -> None:
        if size > MAX_LIST:
            raise error("E501", f"list of {size} elements is too large", span,
                        hint=f"lists are limited to {MAX_LIST:,} elements")

    _COMPARE: dict[str, Callable[[Any, Any], bool]] = {
        "==": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }

    def _compare(self, node: ast.Compare, env: Env) -> bool:
        left = self.eval(node.operands[0], env)
        for op, right_node in zip(node.ops, node.operands[1:], strict=True):
            right = self.eval(right_node, env)
            if op not in ("==", "!=") and not (
                (is_number(left) and is_number(right))
                or (type(left) is type(right) and isinstance(left, tuple | str))
            ):
                raise error("E304", f"cannot compare {type_name(left)} and "
                            f"{type_name(right)} with '{op}'", node.span)
            if not self._COMPARE[op](left, right):
                return False
            left = right
        return True

    def _index(self, node: ast.Index, env: Env) -> Any:
        value = self.eval(node.value, env)
        index = self.eval(node.index, env)
        if not isinstance(value, tuple | str):
            raise error("E304", f"a {type_name(value)} cannot be indexed", node.value.span)
        if not _is_int(index):
            raise error("E304", f"list indices must be integers, not {type_name(index)}",
                        node.index.span)
        if not -len(value) <= index < len(value):
            raise error("E306", f"index {index} is out of range for a list of "
                        f"{len(value)} element{'s' * (len(value) != 1)}", node.index.span)
        return value[index]

    def _attribute(self, value: Any, node: ast.Attribute) -> Any:
        if isinstance(value, Tensor):
            shape = value.shape
            fields = {"shape": shape, "c": shape[-1]}
            if len(shape) == 3:
                fields.update(h=shape[0], w=shape[1])
            elif len(shape) == 2:  # a sequence of n tokens
                fields.update(n=shape[0])
            if node.name in fields:
                return fields[node.name]
            raise error("E209", f"a tensor of shape {'x'.join(map(str, shape))} has no "
                        f"attribute '{node.name}'", node.name_span or node.span,
                        hint=did_you_mean(node.name, fields)
                        or "an image has h, w and c, a sequence n and c, every tensor shape")
        if isinstance(value, ModuleValue):
            try:
                return value.env.vars[node.name]
            except KeyError:
                raise error("E209", f"module '{value.name}' has no '{node.name}'",
                            node.name_span or node.span,
                            hint=did_you_mean(node.name, value.env.vars)) from None
        raise error("E209", f"a {type_name(value)} has no attribute '{node.name}'",
                    node.name_span or node.span)

    # -- calls --------------------------------------------------------------

    def _evaluate_function(self, func: Function, args: ArgList, span: Span | None) -> Any:
        """One evaluation of a user function: arguments bound, depth and count checked."""
        definition = func.definition
        params = [(p.name, p.default if p.default is not None else REQUIRED)
                  for p in definition.params]
        bound, defaulted = bind_arguments(func.name, params, args, span)
        env = Env(func.env)
        for name, value in bound.items():
            env.vars[name] = self.eval(value, func.env) if name in defaulted else value
        if self.call_depth >= MAX_CALL_DEPTH:
            raise error("E501", f"function '{func.name}' recurses too deeply", span,
                        hint=f"calls nest at most {MAX_CALL_DEPTH} deep")
        self.evaluations += 1
        if self.evaluations > MAX_CALLS:
            raise error("E501", f"too many function evaluations (over {MAX_CALLS:,}), the "
                        f"last of '{func.name}'", span,
                        hint="a recursion whose arguments never repeat grows exponentially; "
                        "compute the value another way")
        # Each call may add a body nested up to the nesting limit: when calls are
        # already deep, count the frames they use (a walk, so not on every call).
        if self.call_depth >= 8 and stack_depth() - self.base_frames > CALL_FRAMES:
            raise error("E501", f"function '{func.name}' recurses too deeply", span,
                        hint="each call nests its body again; recurse fewer times or "
                        "make the body shallower")
        self.call_depth += 1
        try:
            return self.eval(definition.body, env)
        finally:
            self.call_depth -= 1

    def call_function(
        self, func: Any, args: ArgList, span: Span | None, name_span: Span | None
    ) -> Any:
        if isinstance(func, Builtin):
            if any(name is not None for name, _, _ in args):
                raise error("E302", f"'{func.name}' takes no keyword arguments", span)
            return func.func([v for _, v, _ in args], span)
        if isinstance(func, Function):
            key = (id(func), tuple((name, _typed(value)) for name, value, _ in args))
            try:
                return self.results[key]
            except TypeError:  # an unhashable argument: evaluate without the cache
                key = None
            except KeyError:
                pass
            result = self._evaluate_function(func, args, span)
            if key is not None:
                self.results[key] = result
            return result
        kind = type_name(func)
        if isinstance(func, Layer | Block | Partial):
            raise error("E304", f"'{func.name}' is a {kind}; use it as a statement, "
                        "not inside an expression", name_span or span)
        raise error("E304", f"a {kind} is not a function", name_span or span)


def _typed(value: Any) -> Any:
    """``value`` with its types, so that 1, 1.0 and true are different cache keys."""
    if isinstance(value, tuple):
        return tuple, tuple(_typed(v) for v in value)
    return type(value), value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---- builtins ---------------------------------------------------------------


def _need_number(name: str, value: Any, span: Span | None) -> float:
    if not is_number(value):
        raise error("E304", f"'{name}' expects a number, got {type_name(value)} {show(value)}",
                    span)
    return value


def _arity(name: str, args: list, low: int, high: int, span: Span | None) -> None:
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise error("E301", f"'{name}' takes {expected} argument{'s' * (high != 1)}, "
                    f"got {len(args)}", span)


def _unary_numeric(name: str, fn: Callable[[float], Any]) -> Builtin:
    def call(args: list, span: Span | None) -> Any:
        _arity(name, args, 1, 1, span)
        try:
            return fn(_need_number(name, args[0], span))
        except (OverflowError, ValueError):
            raise error("E306", f"'{name}' of {show(args[0])} is out of range", span) from None

    return Builtin(name, call)


def _min_max(name: str, fn: Callable) -> Builtin:
    def call(args: list, span: Span | None) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        if not values:
            raise error("E301", f"'{name}' needs at least one value", span)
        for v in values:
            _need_number(name, v, span)
        return fn(values)

    return Builtin(name, call)


def _unpack(args: list, span: Span | None) -> Any:
    """Element i of a loop's row for ``for a, b, ... in rows:``, once its length is checked."""
    row, count, index = args
    if not isinstance(row, tuple):
        raise error("E304", f"'for' unpacks each element into {count} names, got "
                    f"{type_name(row)} {show(row)}", span)
    if len(row) != count:
        raise error("E301", f"'for' unpacks each element into {count} names, got a list of "
                    f"{len(row)}", span, hint=f"the element is {show(row)}")
    return row[index]


def _round(args: list, span: Span | None) -> Any:
    _arity("round", args, 1, 2, span)
    value = _need_number("round", args[0], span)
    if len(args) == 2:
        if not _is_int(args[1]):
            raise error("E304", "round's second argument must be an integer", span)
        return round(value, args[1])
    try:
        return round(value)
    except (OverflowError, ValueError):
        raise error("E306", f"cannot round {show(value)}", span) from None


def _make_div(args: list, span: Span | None) -> int:
    _arity("make_div", args, 1, 3, span)
    for v in args:
        if v is not None:
            _need_number("make_div", v, span)
    divisor = args[1] if len(args) > 1 else 8
    if not _is_int(divisor) or divisor <= 0:
        raise error("E306", f"make_div's divisor must be a positive integer, got {show(divisor)}",
                    span)
    try:
        return make_div(args[0], divisor, args[2] if len(args) > 2 else None)
    except (OverflowError, ValueError):
        raise error("E306", f"make_div of {show(args[0])} is out of range", span) from None


def _len(args: list, span: Span | None) -> int:
    _arity("len", args, 1, 1, span)
    if not isinstance(args[0], tuple | str):
        raise error("E304", f"'len' expects a list, got {type_name(args[0])}", span)
    return len(args[0])


def _range(args: list, span: Span | None) -> tuple:
    _arity("range", args, 1, 3, span)
    if not all(_is_int(a) for a in args):
        raise error("E304", "'range' expects integers", span)
    if len(args) == 3 and args[2] == 0:
        raise error("E306", "range step must not be zero", span)
    r = range(*args)
    if len(r) > MAX_LIST:
        raise error("E501", f"range of {len(r)} elements is too large", span,
                    hint=f"lists are limited to {MAX_LIST:,} elements")
    return tuple(r)


def _sum(args: list, span: Span | None) -> Any:
    _arity("sum", args, 1, 1, span)
    if not isinstance(args[0], tuple):
        raise error("E304", f"'sum' expects a list, got {type_name(args[0])}", span)
    return sum(_need_number("sum", v, span) for v in args[0])


def _int(value: float) -> int:
    return int(value)


BUILTINS: dict[str, Any] = {
    "int": _unary_numeric("int", _int),
    "float": _unary_numeric("float", float),
    "abs": _unary_numeric("abs", abs),
    "ceil": _unary_numeric("ceil", math.ceil),
    "floor": _unary_numeric("floor", math.floor),
    "sqrt": _unary_numeric("sqrt", math.sqrt),
    "log": _unary_numeric("log", math.log),
    "log2": _unary_numeric("log2", math.log2),
    "round": Builtin("round", _round),
    "min": _min_max("min", min),
    "max": _min_max("max", max),
    "make_div": Builtin("make_div", _make_div),
    ast.UNPACK: Builtin(ast.UNPACK, _unpack),
    "len": Builtin("len", _len),
    "range": Builtin("range", _range),
    "sum": Builtin("sum", _sum),
    "true": True,
    "false": False,
    "none": None,
    **{name: Symbol(name) for name in ("same", "valid", "auto", "nearest", "bilinear")},
}
