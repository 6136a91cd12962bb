"""Parsing: source text to :mod:`netdsl.syntax.ast`, with readable errors.

Lark builds an LALR(1) parser with the contextual lexer from
``grammar/netdsl.lark``; an indentation post-lexer turns leading whitespace
into ``_INDENT``/``_DEDENT`` tokens (brackets suspend it, so argument lists can
wrap). The AST is built by a transformer right after parsing, so no Lark ``Tree``
outlives this module, and every Lark exception is translated
into a :class:`~netdsl.diagnostics.NetdslError` here: nothing from Lark leaves
this module.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.indenter import Indenter

from netdsl.diagnostics import NetdslError, Note, Source, Span, error
from netdsl.syntax import ast


def grammar_text() -> str:
    """The grammar shipped inside the package (or beside it in a source tree)."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "grammar" / "netdsl.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (package.parent / "grammar" / "netdsl.lark").read_text(encoding="utf-8")


class _IndentError(Exception):
    def __init__(self, token: Token, indent: int):
        self.token = token
        self.indent = indent


class _Indenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token):
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        if indent > self.indent_level[-1]:
            self.indent_level.append(indent)
            yield Token.new_borrow_pos(self.INDENT_type, indent_str, token)
        else:
            while indent < self.indent_level[-1]:
                self.indent_level.pop()
                yield Token.new_borrow_pos(self.DEDENT_type, indent_str, token)
            if indent != self.indent_level[-1]:
                raise _IndentError(token, indent)


def _cache_file() -> str | bool:
    """Where Lark keeps the analysed grammar between runs.

    Building the LALR tables takes about 150 ms, most of a small compile; Lark
    stores them with a hash of the grammar and its own version and rebuilds
    them when either changes. The cache lives in the user's cache directory;
    when that is not writable, Lark's per-user file in the temp directory.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "netdsl")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return True
    return os.path.join(folder, "grammar.lark-cache") if os.access(folder, os.W_OK) else True


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        postlex=_Indenter(),
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_cache_file(),
    )


def build_parser(strict: bool = False) -> Lark:
    """A fresh Lark parser producing Lark trees (used by grammar tests)."""
    return Lark(
        grammar_text(), parser="lalr", lexer="contextual", postlex=_Indenter(), strict=strict
    )


def parse(text: str, filename: str = "<string>") -> ast.Module:
    """Parse ``text`` into an AST, or raise :class:`NetdslError`."""
    source = Source(filename, text)
    if not text.endswith("\n"):
        text += "\n"
    try:
        items = _ToAst(source).transform(_parser().parse(text))
    except VisitError as exc:  # an error raised by the transformer
        if isinstance(exc.orig_exc, NetdslError):
            raise exc.orig_exc from None
        raise
    except _IndentError as exc:
        line = exc.token.end_line
        span = Span(source, line, 1, line, exc.indent + 1)
        raise error(
            "E104", "unindent does not match any outer indentation level", span,
            hint="indent this line like the block it belongs to",
        ) from None
    except UnexpectedInput as exc:
        raise _translate(exc, source) from None
    return ast.Module(tuple(items), source)


# ---- error translation -----------------------------------------------------

_DESCRIPTIONS = {
    "_NL": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "end of block",
    "$END": "end of file",
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "COMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/', '//' or '%'",
}


def _describe_terminal(name: str) -> str:
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name]
    for terminal in _parser().terminals:
        if terminal.name == name:
            return f"'{terminal.pattern.value}'"
    return name.lower()


def _describe_token(token: Token) -> str:
    if token.type in ("_NL", "$END", "_INDENT", "_DEDENT"):
        return _DESCRIPTIONS[token.type]
    return f"'{token.value}'"


def _token_span(source: Source, token: Token) -> Span:
    line = token.line or 1
    column = token.column or 1
    if token.type == "_NL":
        # Point just after the last character of the line, where something is missing.
        text = source.line(line)
        column = len(text.split("#")[0].rstrip()) + 1 if "#" in text else len(text) + 1
        return Span(source, line, column, line, column + 1)
    if token.type in ("_INDENT", "_DEDENT"):
        line = token.end_line or line
        text = source.line(line)
        column = len(text) - len(text.lstrip()) + 1
        return Span(source, line, column, line, max(column + 1, len(text) + 1))
    end = token.end_column if token.end_line == line and token.end_column else column + 1
    return Span(source, line, column, line, end)


def _eof_span(source: Source) -> Span:
    lines = source.text.splitlines() or [""]
    return Span(source, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)


def _open_bracket(source: Source, upto_line: int) -> Span | None:
    """The last bracket left open before ``upto_line``, if any."""
    stack: list[tuple[int, int]] = []
    for number, line in enumerate(source.text.splitlines()[:upto_line], 1):
        for column, char in enumerate(line.split("#")[0], 1):
            if char in "([":
                stack.append((number, column))
            elif char in ")]" and stack:
                stack.pop()
    if not stack:
        return None
    line, column = stack[-1]
    return Span(source, line, column, line, column + 1)


def _translate(exc: UnexpectedInput, source: Source) -> NetdslError:
    if isinstance(exc, UnexpectedCharacters):
        span = Span(source, exc.line, exc.column, exc.line, exc.column + 1)
        char = source.line(exc.line)[exc.column - 1 : exc.column] or "?"
        hint = "strings use double quotes" if char == "'" else None
        return error("E101", f"unexpected character '{char}'", span, hint=hint)
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        bracket = _open_bracket(source, len(source.text.splitlines()))
        if bracket:
            return error("E105", "this bracket is never closed", bracket)
        return error("E103", "unexpected end of file", _eof_span(source))
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = set(exc.expected)
    span = _token_span(source, token)
    if token.type == "_INDENT":
        header = _previous_code_line(source, span.line)
        if header and _looks_like_header(source.line(header)):
            # An indented line after a header that lacks its colon (``add`` + branches).
            text = source.line(header).split("#")[0].rstrip()
            end = Span(source, header, len(text) + 1, header, len(text) + 2)
            word = text.split()[-1] if text.split() else ""
            return error("E102", f"expected ':' after '{word}'", end,
                         hint="a line followed by an indented block must end with ':'")
        return error("E104", "unexpected indentation", span,
                     hint="this line is indented more than the one before it")
    if token.type in ("RPAR", "RSQB"):
        return error("E105", f"unmatched '{token.value}'", span)
    bracket = _open_bracket(source, span.line)
    if bracket and bracket.line < span.line:
        # Inside brackets newlines are not statement ends, so an unclosed
        # bracket shows up as a strange token on a later line.
        notes = [] if token.type in ("_DEDENT", "_NL", "$END") else [
            Note(f"the parser was still inside it at {_describe_token(token)}", span)]
        return error("E105", "this bracket is never closed", bracket, notes=notes)
    if expected == {"COLON"} or ("COLON" in expected and token.type == "_NL"):
        before = _previous_word(source, span)
        after = f" after '{before}'" if before else ""
        return error("E102", f"expected ':'{after}", span,
                     hint="a block, net, merge or residual header ends with ':'")
    if "_INDENT" in expected and token.type != "_INDENT":
        return error("E104", "expected an indented block", span,
                     hint="indent the statements that belong to this header")
    names = sorted({_describe_terminal(name) for name in expected})
    if len(names) > 6:
        message = f"unexpected {_describe_token(token)}"
    else:
        message = f"unexpected {_describe_token(token)}; expected {_join(names)}"
    hint = None
    if token.type == "EQUAL" and "COMP_OP" in expected:
        hint = "use '==' to compare"
    return error("E102", message, span, hint=hint)


_HEADER_WORDS = {"add", "concat", "mul", "residual", "if", "elif", "else", "repeat", "for",
                 "net", "block"}


def _looks_like_header(line: str) -> bool:
    """A line that should have ended with ':' because an indented block follows."""
    code = line.split("#")[0].strip()
    if code.endswith(":"):
        return False
    words = code.replace("=", " = ").replace("(", " ").split()
    if len(words) > 2 and words[1] == "=":  # x = add
        words = words[2:]
    return bool(words) and words[0] in _HEADER_WORDS


def _previous_code_line(source: Source, line: int) -> int | None:
    """The number of the last line before ``line`` with code on it."""
    for number in range(line - 1, 0, -1):
        if source.line(number).split("#")[0].strip():
            return number
    return None


def _previous_word(source: Source, span: Span) -> str:
    text = source.line(span.line)[: span.column - 1].rstrip()
    word = text.split()[-1] if text.split() else ""
    return word.rstrip("(),")[-20:]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# ---- tree to AST ------------------------------------------------------------


def _is_token(x: object) -> bool:
    return isinstance(x, Token)


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    """Build AST nodes as the parser reduces rules (no Lark tree is kept)."""

    def __init__(self, source: Source):
        super().__init__()
        self.source = source

    def _span(self, meta) -> Span:
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(self.source, token.line, token.column, token.end_line, token.end_column)

    # top level
    def start(self, meta, *items):
        return list(items)

    def import_stmt(self, meta, target):
        is_path = target.type == "STRING"
        value = target.value[1:-1] if is_path else target.value
        return ast.Import(value, is_path, self._span(meta))

    def net_def(self, meta, name, params, body):
        return ast.NetDef(name.value, params or (), body, self._span(meta))

    def block_def(self, meta, name, params, body):
        return ast.BlockDef(name.value, params or (), body, self._span(meta))

    def block_alias(self, meta, name, call):
        return ast.BlockAlias(name.value, call, self._span(meta))

    def func_def(self, meta, name, params, body):
        return ast.FuncDef(name.value, params, body, self._span(meta))

    def params(self, meta, *params):
        return tuple(p for p in params if p is not None)

    def param(self, meta, name, default):
        return ast.Param(name.value, default, self._span(meta))

    def body(self, meta, *stmts):
        return _flatten(stmts)

    # statements
    def simple_line(self, meta, *stmts):
        return list(stmts)

    def call_stmt(self, meta, call, repeat, cond):
        return ast.CallStmt(call, repeat, cond, self._span(meta))

    def repeat(self, meta, atom):
        return atom

    def cond(self, meta, test):
        return test

    def assign(self, meta, name, stmt):
        return ast.Assign(name.value, stmt, self._span(meta))

    def named_merge(self, meta, name, merge):
        return ast.Assign(name.value, merge, self._span(meta))

    def let_stmt(self, meta, name, value):
        return ast.Let(name.value, value, self._span(meta))

    def from_stmt(self, meta, name):
        return ast.From(name.value, self._span(meta))

    def call(self, meta, dotted, args):
        names, name_span = dotted
        return ast.Call(names, tuple(args or ()), self._span(meta), name_span)

    def dotted(self, meta, *names):
        return tuple(n.value for n in names), self._span(meta)

    def merge(self, meta, kind, *branches):
        return ast.Merge(kind.value, branches, self._span(meta))

    def branch(self, meta, *parts):
        return ast.Branch(_flatten(p for p in parts if p is not None), self._span(meta))

    def residual(self, meta, cond, body):
        return ast.Residual(cond, body, self._span(meta))

    def if_stmt(self, meta, test, body, *rest):
        clauses = [(test, body)]
        orelse = None
        for part in rest:
            if part is None:
                continue
            if part[0] == "elif":
                clauses.append(part[1:])
            else:
                orelse = part[1]
        return ast.If(tuple(clauses), orelse, self._span(meta))

    def elif_clause(self, meta, test, body):
        return ("elif", test, body)

    def else_clause(self, meta, body):
        return ("else", body)

    def repeat_stmt(self, meta, count, body):
        return ast.Repeat(count, body, self._span(meta))

    def for_stmt(self, meta, var, iterable, body):
        return ast.For(var.value, iterable, body, self._span(meta))

    # expressions
    def number(self, meta, token):
        text = token.value
        is_int = not any(c in text for c in ".eE")
        return ast.Num(int(text) if is_int else float(text), self._span(meta))

    def string(self, meta, token):
        return ast.Str(token.value[1:-1], self._span(meta))

    def name(self, meta, token):
        return ast.Name(token.value, self._span(meta))

    def input_ref(self, meta):
        return ast.InputRef(self._span(meta))

    def list(self, meta, *items):
        return ast.ListExpr(tuple(i for i in items if i is not None), self._span(meta))

    def ifexp(self, meta, value, test, orelse):
        return ast.IfExp(test, value, orelse, self._span(meta))

    def or_(self, meta, left, right):
        values = left.values if isinstance(left, ast.BoolOp) and left.op == "or" else (left,)
        return ast.BoolOp("or", (*values, right), self._span(meta))

    def and_(self, meta, left, right):
        values = left.values if isinstance(left, ast.BoolOp) and left.op == "and" else (left,)
        return ast.BoolOp("and", (*values, right), self._span(meta))

    def not_(self, meta, operand):
        return ast.Not(operand, self._span(meta))

    def compare(self, meta, left, op, right):
        # Comparison chains read like Python: a < b <= c.
        if isinstance(left, ast.Compare):
            return ast.Compare((*left.operands, right), (*left.ops, op.value), self._span(meta))
        return ast.Compare((left, right), (op.value,), self._span(meta))

    def binary(self, meta, left, op, right):
        return ast.Binary(op.value, left, right, self._span(meta), self._tspan(op))

    def unary(self, meta, op, operand):
        return ast.Unary(op.value, operand, self._span(meta))

    def power(self, meta, base, exponent):
        return ast.Binary("**", base, exponent, self._span(meta), self._span(meta))

    def funcall(self, meta, func, args):
        return ast.FunCall(func, tuple(args or ()), self._span(meta))

    def index(self, meta, value, idx):
        return ast.Index(value, idx, self._span(meta))

    def attribute(self, meta, value, name):
        return ast.Attribute(value, name.value, self._span(meta), self._tspan(name))

    def args(self, meta, *args):
        return tuple(a if isinstance(a, ast.Arg) else ast.Arg(None, a, a.span) for a in args)

    def kwarg(self, meta, name, value):
        return ast.Arg(name.value, value, self._span(meta))


def _flatten(parts) -> tuple:
    out: list = []
    for part in parts:
        if isinstance(part, list):
            out.extend(part)
        else:
            out.append(part)
    return tuple(out)
