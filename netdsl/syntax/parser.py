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

import contextvars
import functools
import math
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.indenter import Indenter

from netdsl.diagnostics import NetdslError, Note, Source, Span, error, printable
from netdsl.limits import Limits, describe_bytes
from netdsl.reading import normalise_newlines
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


class _BracketDepthError(Exception):
    """A bracket nested deeper than the nesting limit (raised while lexing)."""

    def __init__(self, token: Token):
        self.token = token


class _StackDepthError(Exception):
    """The parser's stack grew past what the nesting limit allows (raised while parsing)."""

    def __init__(self, token: Token):
        self.token = token


#: Entries the LALR stack may hold per level of nesting before parsing stops. A
#: level takes 1 entry (``- x``) to 9 (a merge inside a branch); chains of one
#: operator reduce as they go and take none. Generous, so that it only ever
#: stops input that the exact check on the AST would refuse anyway, just sooner.
_STACK_PER_LEVEL = 16


#: The nesting limit of the parse under way, for the post-lexer (which Lark shares
#: between parses, so it cannot carry the limit itself).
_BRACKET_LIMIT: contextvars.ContextVar[int] = contextvars.ContextVar("_BRACKET_LIMIT")


class _Indenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def process(self, stream):
        return super().process(self._bracket_guard(stream))

    def _bracket_guard(self, stream: Iterator[Token]) -> Iterator[Token]:
        """Stop at the first bracket nested past the limit, before the parse goes deeper.

        The nesting check on the finished AST would catch it too, but only after
        the whole input was parsed: ``abs(`` a million times fails here at once.
        """
        limit = _BRACKET_LIMIT.get(Limits().max_nesting)
        depth = 0
        for token in stream:
            if token.type in ("LPAR", "LSQB"):
                depth += 1
                if depth > limit:
                    raise _BracketDepthError(token)
            elif token.type in ("RPAR", "RSQB") and depth:
                depth -= 1
            yield token

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


def parse(text: str, filename: str = "<string>", limits: Limits | None = None) -> ast.Module:
    """Parse ``text`` into an AST, or raise :class:`NetdslError`.

    ``\\r\\n`` and a lone ``\\r`` end a line as ``\\n`` does, whether the text came
    from a file, standard input or a string; every other character, including
    the other Unicode line separators, is an ordinary character (which the
    lexer refuses outside comments and strings, E101). ``limits`` (default
    :class:`Limits()`) bounds the size of the text, the digits of a number
    literal and the nesting depth (E501, located).
    """
    limits = limits or Limits()
    _check_size(text, filename, limits)
    text = normalise_newlines(text)
    source = Source(filename, text)
    if not text.endswith("\n"):
        text += "\n"
    token = _BRACKET_LIMIT.set(limits.max_nesting)
    try:
        items = _ToAst(source, limits).transform(_parse_bounded(text, limits))
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
    except _BracketDepthError as exc:
        span = _token_span(source, exc.token)
        raise _too_deep(span, limits, "brackets nested") from None
    except _StackDepthError as exc:
        span = _token_span(source, exc.token)
        raise _too_deep(span, limits, "expression or block nested") from None
    except UnexpectedInput as exc:
        raise _translate(exc, source) from None
    finally:
        _BRACKET_LIMIT.reset(token)
    _check_nesting(items, limits)
    return ast.Module(tuple(items), source)


def _parse_bounded(text: str, limits: Limits) -> Any:
    """Lark's parse tree of ``text``, stopped early when the nesting runs away.

    The parse is driven token by token (Lark's interactive parser) so that the
    depth of its stack can be watched: ``- - - ... 1`` eight million times
    would otherwise be parsed whole, for minutes, before the nesting check on
    the AST refused it. Errors are Lark's, as from ``Lark.parse``.
    """
    interactive = _parser().parse_interactive(text)
    stack = interactive.parser_state.state_stack
    bound = _STACK_PER_LEVEL * limits.max_nesting + 64
    last = None
    for last in interactive.iter_parse():
        if len(stack) > bound:
            raise _StackDepthError(last)
    return interactive.feed_eof(last)


def _check_size(text: str, filename: str, limits: Limits) -> None:
    """E501 when ``text`` is longer in UTF-8 than ``limits.max_source_bytes``.

    Files and standard input are cut off as they are read; this holds strings
    given to the API to the same bound.
    """
    size = limits.max_source_bytes
    if len(text) <= size // 4:  # no character takes more than 4 bytes
        return
    if len(text) > size or len(text.encode("utf-8", "surrogatepass")) > size:
        raise error("E501", f"'{printable(filename)}' is larger than the source size limit "
                    f"of {describe_bytes(size)}",
                    hint="raise the limit with --max-source-size BYTES or "
                    "Limits(max_source_bytes=N)")


# ---- nesting -----------------------------------------------------------------
#
# Parsing is iterative (LALR, and a non-recursive tree transformer), but the
# elaborator evaluates expressions and runs statements recursively, a few
# Python frames per level. So the depth of the AST is checked here, once,
# against ``limits.max_nesting``, and the driver makes room on the stack for
# that many levels (limits.stack_headroom): deep input gets a located E501,
# never a RecursionError, however deep the caller's own stack already is.
# Two cheaper guards stop runaway input while it is parsed, before the AST
# exists: brackets deeper than the limit (in the post-lexer), and a parser
# stack longer than _STACK_PER_LEVEL entries per allowed level.
#
# A level is an operand, an argument, a list item, an index, a condition or a
# statement inside a block. A chain of one operator is length, not depth: the
# left operand of ``a + b - c`` (a + b) is at the level of the whole, and the
# evaluator runs the chain as a loop (``and``, ``or`` and comparison chains are
# flat in the AST already). Right-nested forms do nest: ``- - x``, ``a ** b **
# c``, ``x if c else y if d else z``, as do ``f(x)(y)`` and ``x[0][1]``. Wrappers
# that add no level of their own: an argument (``Arg``), a parameter, a merge
# branch, the call of a call statement and the statement of an assignment.

_TRANSPARENT = (ast.Arg, ast.Param, ast.Branch, ast.Call)
_SAME_LEVEL_OPS = ({"+", "-"}, {"*", "/", "//", "%"})


@functools.cache
def _node_fields(cls: type) -> tuple[str, ...]:
    """The attributes of an AST class that may hold other nodes.

    Read from the annotations: a field typed ``str``, ``bool``, ``int | float``
    or ``tuple[str, ...]`` holds none; any other (``Any``, ``Call``,
    ``tuple[Arg, ...]``) may. Spans and the source are not children.
    """
    names = []
    for field in attrs.fields(cls):
        if field.name.endswith("span") or field.name == "source":
            continue
        kind = field.type if isinstance(field.type, str) else repr(field.type)
        words = kind.replace("[", " ").replace("|", " ").split()
        if any(word[:1].isupper() and word != "None" for word in words):
            names.append(field.name)
    return tuple(names)


def _same_level(op: str, other: str) -> bool:
    return any(op in ops and other in ops for ops in _SAME_LEVEL_OPS)


def _check_nesting(items: list, limits: Limits) -> None:
    """E501 at the first construct (in source order) nested deeper than the limit.

    An explicit stack, children pushed in reverse so that they come off it in
    source order; this walk costs a few percent of a parse.
    """
    limit = limits.max_nesting
    stack: list[tuple[Any, int]] = [(item, 0) for item in reversed(items)]
    push = stack.append
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            span = node.span
            raise _too_deep(Span(span.source, span.line, span.column, span.line,
                                 span.column + 1), limits, "expression or block nested")
        cls = node.__class__
        if cls is ast.Binary:  # a + b - c: the left operand continues the chain
            left = node.left
            push((node.right, depth + 1))
            chained = left.__class__ is ast.Binary and _same_level(node.op, left.op)
            push((left, depth if chained else depth + 1))
            continue
        fields = _node_fields(cls)
        if not fields:
            continue
        children: list[Any] = []
        for name in fields:
            _collect(getattr(node, name), children)
        flat = cls is ast.Assign or cls is ast.CallStmt  # x = conv(...): one statement
        for child in reversed(children):
            push((child, depth if flat or isinstance(child, _TRANSPARENT) else depth + 1))


def _collect(value: Any, out: list[Any]) -> None:
    """Append the nodes in ``value`` (a node, None, or tuples of them) to ``out``, in order."""
    if value is None:
        return
    if value.__class__ is tuple:
        for item in value:
            _collect(item, out)
    elif attrs.has(value.__class__):
        out.append(value)


def _too_deep(span: Span, limits: Limits, what: str) -> NetdslError:
    limit = limits.max_nesting
    return error("E501", f"{what} deeper than {limit} levels", span,
                 hint="move a part into a let or a def, or raise the limit with "
                 "--max-nesting N or Limits(max_nesting=N)")


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
    return f"'{printable(token.value)}'"


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
    lines = source.lines or ("",)
    return Span(source, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)


def _open_bracket(source: Source, upto_line: int) -> Span | None:
    """The last bracket left open before ``upto_line``, if any."""
    stack: list[tuple[int, int]] = []
    for number, line in enumerate(source.lines[:upto_line], 1):
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
        char = exc.char
        hint = "strings use double quotes" if char == "'" else None
        if not char.isprintable():  # a control character or an invisible separator
            hint = f"U+{ord(char):04X} is not allowed outside comments and strings"
        return error("E101", f"unexpected character '{printable(char)}'", span, hint=hint)
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        bracket = _open_bracket(source, len(source.lines))
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
    previous = exc.token_history[-1] if exc.token_history else None
    if previous is not None and previous.type == "AS" and token.type not in ("_NL", "_DEDENT"):
        return _after_as(source, previous, token, span)
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
    # A label (``as "..."``) may end any call statement; listing it would crowd out
    # what was more likely meant (``;``, an argument list, a condition).
    names = sorted({_describe_terminal(name) for name in expected - {"AS"}} or {"'as'"})
    if len(names) > 6:
        message = f"unexpected {_describe_token(token)}"
    else:
        message = f"unexpected {_describe_token(token)}; expected {_join(names)}"
    hint = None
    if token.type == "EQUAL" and "COMP_OP" in expected:
        hint = "use '==' to compare"
    return error("E102", message, span, hint=hint)


def _after_as(source: Source, keyword: Token, token: Token, span: Span) -> NetdslError:
    """E102 for what follows ``as`` when it is not a string.

    The contextual lexer splits a word that starts with ``as`` where a label may
    follow (``conv(8) ascii`` lexes as ``as`` + ``cii``): that is reported as the
    whole word, not its tail.
    """
    if token.type in ("NAME", "NUMBER") and keyword.end_pos == token.start_pos:
        whole = Span(source, keyword.line, keyword.column, span.end_line, span.end_column)
        return error("E102", f"unexpected '{printable('as' + token.value)}'", whole)
    return error("E102", f"expected a string after 'as', got {_describe_token(token)}", span,
                 hint='a label is a double-quoted string: conv(8) as "stem/conv"')


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
class _ToAst(Transformer_NonRecursive):
    """Build AST nodes from the parse tree (no Lark tree is kept).

    Non-recursive, so the depth of the tree costs no Python stack: a flat sum of
    a thousand terms is a tree a thousand levels deep.
    """

    def __init__(self, source: Source, limits: Limits):
        super().__init__()
        self.source = source
        self.limits = limits

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

    def call_stmt(self, meta, call, repeat, cond, label):
        text, span = label or (None, None)
        return ast.CallStmt(call, repeat, cond, self._span(meta), text, span)

    def label(self, meta, token):
        span = self._tspan(token)
        text = token.value[1:-1]
        _check_label(text, span)
        return text, span

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

    def for_stmt(self, meta, *parts):
        *names, iterable, body = parts
        if len(names) == 1:
            return ast.For(names[0].value, iterable, body, self._span(meta))
        # ``for k, c in rows:`` loops over a name no program can write and binds each
        # target with a let that checks the element's length (ast.UNPACK).
        targets = Span(self.source, names[0].line, names[0].column, names[-1].end_line,
                       names[-1].end_column)
        row = ", ".join(n.value for n in names)
        lets = tuple(
            ast.Let(n.value, ast.FunCall(ast.Name(ast.UNPACK, targets), (
                ast.Arg(None, ast.Name(row, targets), targets),
                ast.Arg(None, ast.Num(len(names), targets), targets),
                ast.Arg(None, ast.Num(i, targets), targets)), targets), targets)
            for i, n in enumerate(names))
        return ast.For(row, iterable, (*lets, *body), self._span(meta))

    # expressions
    def number(self, meta, token):
        text = token.value
        span = self._span(meta)
        limit = self.limits.max_literal_digits
        if len(text) > limit:
            digits = sum(c.isdigit() for c in text)
            if digits > limit:
                raise error("E501", f"a number of {digits:,} digits is too long", span,
                            hint=f"number literals have at most {limit} digits; "
                            "write a large number as an expression, such as 10**400")
        if not any(c in text for c in ".eE"):
            return ast.Num(int(text), span)
        value = float(text)
        if not math.isfinite(value):
            raise error("E306", f"the number {text} is out of range", span,
                        hint=f"floating-point numbers stop at about {_FLOAT_MAX:.3g}")
        return ast.Num(value, span)

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

    def splat(self, meta, value):
        return ast.Arg(None, value, self._span(meta), splat=True)


_FLOAT_MAX = 1.7976931348623157e308


def _check_label(text: str, span: Span) -> None:
    """E306 for a label (``as "..."``) that cannot be a layer's name.

    Any other text is taken verbatim, '/', '.' and ':' included. An empty label
    would name nothing; a control character (C0, DEL, C1), a line or paragraph
    separator or a double quote would break the one-line-per-layer outputs and
    could not be written back as a netdsl string. The caret points at the
    offending character (at the quotes for an empty label).
    """
    if not text:
        raise error("E306", "a layer label cannot be empty", span,
                    hint='write a name between the quotes, e.g. as "stem/conv"')
    for i, char in enumerate(text):
        kind = unicodedata.category(char)
        if char == '"' or kind in ("Cc", "Zl", "Zp"):
            what = "a double quote" if char == '"' else "the {} U+{:04X}".format(
                "control character" if kind == "Cc" else unicodedata.name(char).lower(),
                ord(char))
            at = Span(span.source, span.line, span.column + 1 + i, span.line,
                      span.column + 2 + i)
            raise error("E306", f"a layer label cannot contain {what}", at,
                        hint="a label may hold any printable characters, "
                        "'/', '.' and ':' included")


def _flatten(parts) -> tuple:
    out: list = []
    for part in parts:
        if isinstance(part, list):
            out.extend(part)
        else:
            out.append(part)
    return tuple(out)
