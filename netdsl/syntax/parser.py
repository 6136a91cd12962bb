"""Parsing: source text to :mod:`netdsl.syntax.ast`, with readable errors.

``grammar/netdsl.lark`` is the grammar: LALR(1), with Lark's contextual lexer
(one lexer per parser state, knowing only the terminals that state accepts)
and an indentation pass that turns leading whitespace into ``_INDENT`` and
``_DEDENT`` (brackets suspend it, so argument lists can wrap). Lark analyses
the grammar into tables ahead of time (:func:`generate_tables` writes
``netdsl/syntax/_lalr_tables.py``; a test fails while that file is stale), so
neither Lark nor the analysis runs when netdsl starts; a grammar edited
without regenerating is analysed again at start-up instead.

This module drives those tables in one loop: it lexes each token with the
lexer of the current state, shifts and reduces, and each reduction builds its
AST node at once, no parse tree in between. A value on the parser's stack is
an *entry*, ``(payload, line, column, end_line, end_column, height)``: a
token's text or a node, where it starts and ends, and a bound on how deeply
it nests. A node's span runs from its first token to its last, which is what
Lark's ``propagate_positions`` gives (a parenthesised operand counts its
parentheses). Reductions of one child (``dotted: NAME``, ``call: dotted``,
the unit rules ``expr: test`` ... ``postfix: atom`` of the precedence ladder)
keep the state below them, so a whole chain of them is found by one cached
lookup.

Every error is reported from what the loop saw, as Lark reports it (the
token, the terminals the state accepted, the token before), and translated
here into a :class:`~netdsl.diagnostics.NetdslError`: nothing from Lark
leaves this module, and at run time nothing from Lark is used at all.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import attrs

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
    builder = _Builder(source, limits)
    try:
        items, height = _run(text, builder, limits)
    except _IndentError as exc:
        line = exc.line
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
    except _SyntaxProblem as exc:
        raise _translate(exc, source) from None
    if builder.errors:  # a literal or a label refused while building, in source order
        raise builder.errors[0]
    if height > limits.max_nesting:  # a bound: only then is the nesting walked exactly
        _check_nesting(items, limits)
    return ast.Module(tuple(items), source)


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


# ---- the tables ---------------------------------------------------------------


#: In a lexer's table, marks an ignored terminal without newlines: skipped at once.
_BLANKS: Any = object()


class _Tables:
    """The generated tables (see :func:`analyse_grammar`), ready to drive.

    Lexing dispatches on a token's first character: the lexer of a state
    tries, in its order, only the terminals that can start with it (a lone
    one-character terminal needs no pattern at all). That finds what the
    lexer's whole alternation finds, since the others cannot match there.
    Each lexer's table of characters fills as characters are first seen.
    """

    def __init__(self, data: Any):
        self.start: int = data.START
        self.end: int = data.END
        self.actions: tuple[dict[str, int], ...] = data.ACTIONS
        self.rules: tuple[tuple[str, int, str, str, tuple[int | None, ...]], ...] = data.RULES
        self.lexers: tuple[tuple[tuple[str, ...], dict[str, dict[str, str]],
                                 tuple[str, ...]], ...] = data.LEXERS
        self.state_lexers: tuple[int, ...] = data.STATE_LEXERS
        self.root_lexer: int = data.ROOT_LEXER
        self.patterns: dict[str, str] = data.PATTERNS
        self.strings: frozenset[str] = frozenset(data.STRINGS)
        self.first_chars: dict[str, str | None] = data.FIRST_CHARS
        self.ignore = frozenset(data.IGNORE)
        self.newline_types = frozenset(data.NEWLINE_TYPES)
        self.terminals: dict[str, str] = data.TERMINALS
        self._by_char: list[dict[str, tuple]] = [{} for _ in self.lexers]
        #: Per state, its lexer's table: character -> (type, match, keywords).
        self.dispatch: tuple[dict[str, tuple], ...] = tuple(
            self._by_char[i] for i in self.state_lexers)
        self._compiled: dict[tuple[str, ...], Callable] = {}
        #: (state below, state, lookahead) -> (state reached, rules reduced on the way).
        self.chains: dict[tuple[int, int, str], tuple[int, tuple[int, ...]]] = {}

    def first_use(self, state: int, char: str) -> tuple:
        """The entry of ``char`` in the lexer of ``state``, made on first use.

        ``(type, match, keywords)``: ``match`` None for a one-character
        terminal (``type`` then names it, or is None when no terminal can
        start with ``char``); ``type`` None when several may match, the match
        telling which; ``keywords`` turn a name into a keyword (Lark's
        ``unless``), for the one type or by type, or are :data:`_BLANKS` for
        an ignored terminal (spaces) that nothing else can start with.
        """
        index = self.state_lexers[state]
        names, keywords, _ = self.lexers[index]
        if char < "\x80":
            first = self.first_chars
            candidates = tuple(n for n in names if first[n] is None or char in first[n])
        else:  # the first characters are known for ASCII only
            candidates = names
        if not candidates:
            entry: tuple = (None, None, None)
        elif len(candidates) > 1:
            entry = (None, self._match(candidates), keywords or None)
        else:
            (name,) = candidates
            if name in self.strings and self.terminals[name] == char:
                entry = (name, None, None)
            elif name in self.ignore and name not in self.newline_types:
                entry = (name, self._match(candidates), _BLANKS)
            else:
                entry = (name, self._match(candidates), keywords.get(name))
        self._by_char[index][char] = entry
        return entry

    def _match(self, names: tuple[str, ...]) -> Callable:
        found = self._compiled.get(names)
        if found is None:
            if len(names) == 1:
                pattern = self.patterns[names[0]]
            else:  # as Lark joins them, so that the match names the terminal
                pattern = "|".join(f"(?P<{n}>{self.patterns[n]})" for n in names)
            found = self._compiled[names] = re.compile(pattern).match
        return found

    def root_match(self) -> Callable:
        """The match of the lexer that knows every terminal (for errors)."""
        return self._match(self.lexers[self.root_lexer][0])

    def chain(self, below: int, state: int, lookahead: str) -> tuple[int, tuple[int, ...]]:
        """The reductions of one child ``lookahead`` causes from ``state``, and where they end.

        Such a reduction pops one state and pushes the goto of the state below,
        which stays the same: so the chain depends on these three only.
        """
        actions, rules = self.actions, self.rules
        reached, reduced = state, []
        while True:
            action = actions[reached].get(lookahead)
            if action is None or action >= 0 or rules[~action][1] != 1:
                break
            if rules[~action][2] != "unit":
                reduced.append(~action)
            reached = actions[below][rules[~action][0]]
        found = self.chains[below, state, lookahead] = (reached, tuple(reduced))
        return found


@functools.cache
def _tables() -> _Tables:
    """The generated tables, or, if the grammar changed since, tables analysed now."""
    from netdsl.syntax import _lalr_tables

    text = grammar_text()
    if _grammar_hash(text) != _lalr_tables.GRAMMAR_SHA256:
        return _Tables(_Namespace(analyse_grammar(text)))
    return _Tables(_lalr_tables)


class _Namespace:
    def __init__(self, data: dict[str, Any]):
        self.__dict__.update(data)


def _grammar_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- generating the tables (needs Lark) ---------------------------------------


def analyse_grammar(text: str) -> dict[str, Any]:
    """Lark's LALR(1) analysis of grammar ``text``, as the plain data this module runs on.

    ``ACTIONS``: per state, the action of each symbol: a number >= 0 shifts to
    that state (for a nonterminal: the state after reducing to it), ``~r``
    reduces rule ``r``. States are numbered breadth-first from the start state
    (symbols sorted), so the data does not depend on Python's hash seed.

    ``RULES``: per rule, ``(origin, length, kind, method, slots)``, the shape
    its reduction has under Lark's tree builder with ``maybe_placeholders``:
    ``unit`` (``?a: b``: the child itself), ``wrap`` (``?atom: "(" expr ")"``:
    the child, its place widened to the rule's), ``first``/``more`` (the lists
    Lark makes for ``x*`` and ``x+``), or ``call`` (``_Builder.<method>``).
    ``slots`` are the children kept: an index, None for an absent
    ``[optional]``, ``-1 - i`` for a list spliced in.

    ``LEXERS``: per lexer, its terminals in the order its alternation tries
    them (Lark's, keywords folded into ``NAME``), the keywords by type, and
    the terminals an error lists as allowed; ``STATE_LEXERS`` gives each
    state's. ``FIRST_CHARS``: the ASCII characters each terminal can start
    with (None: any).
    """
    from lark import Lark
    from lark.indenter import Indenter
    from lark.lexer import PatternStr, UnlessCallback
    from lark.parsers.lalr_analysis import Shift

    class _Postlex(Indenter):  # only its shape matters here: what the lexers always accept
        NL_type, OPEN_PAREN_types, CLOSE_PAREN_types = "_NL", ["LPAR", "LSQB"], ["RPAR", "RSQB"]
        INDENT_type, DEDENT_type, tab_len = "_INDENT", "_DEDENT", 8

    lark = Lark(text, parser="lalr", lexer="contextual", postlex=_Postlex(),
                maybe_placeholders=True)
    table = lark.parser.parser.parser.parse_table
    contextual = lark.parser.lexer.lexer
    start = table.start_states["start"]

    order = {start: 0}
    queue = [start]
    for state in queue:
        for _, (action, target) in sorted(table.states[state].items()):
            if action is Shift and target not in order:
                order[target] = len(order)
                queue.append(target)
    assert len(order) == len(table.states)
    states = sorted(order, key=order.__getitem__)

    rule_index = {id(rule): i for i, rule in enumerate(lark.rules)}
    actions = tuple(
        {str(symbol): order[target] if action is Shift else ~rule_index[id(target)]
         for symbol, (action, target) in sorted(table.states[state].items())}
        for state in states)

    lexers: list[tuple[tuple[str, ...], dict[str, dict[str, str]], tuple[str, ...]]] = []
    lexer_index: dict[int, int] = {}
    newline_types: set[str] = set()

    def describe(lexer: Any) -> int:
        if id(lexer) not in lexer_index:
            scanner = lexer.scanner
            names = tuple(str(t.name) for t in scanner.terminals)
            assert scanner._mres[0].pattern.startswith(f"(?P<{names[0]}>")
            keywords = {}
            for name, callback in sorted(lexer.callback.items()):
                assert isinstance(callback, UnlessCallback), name
                words = callback.scanner.terminals
                assert all(isinstance(w.pattern, PatternStr) and not w.pattern.flags
                           for w in words), name
                keywords[str(name)] = {str(w.pattern.value): str(w.name) for w in words}
            allowed = sorted(map(str, scanner.allowed_types - lexer.ignore_types)) or [
                "<END-OF-FILE>"]
            lexer_index[id(lexer)] = len(lexers)
            lexers.append((names, keywords, tuple(allowed)))
            newline_types.update(map(str, lexer.newline_types))
        return lexer_index[id(lexer)]

    state_lexers = tuple(describe(contextual.lexers[state]) for state in states)
    root = describe(contextual.root_lexer)
    assert not lark.lexer_conf.g_regex_flags
    terminals = sorted(lark.terminals, key=lambda t: t.name)
    return {
        "GRAMMAR_SHA256": _grammar_hash(text),
        "START": 0,
        "END": order[table.end_states["start"]],
        "ACTIONS": actions,
        "RULES": tuple(_rule_shape(rule) for rule in lark.rules),
        "LEXERS": tuple(lexers),
        "STATE_LEXERS": state_lexers,
        "ROOT_LEXER": root,
        "PATTERNS": {str(t.name): t.pattern.to_regexp() for t in terminals},
        "STRINGS": tuple(str(t.name) for t in terminals if isinstance(t.pattern, PatternStr)),
        "FIRST_CHARS": {str(t.name): _first_chars(t.pattern.to_regexp()) for t in terminals},
        "IGNORE": tuple(sorted(map(str, lark.lexer_conf.ignore))),
        "NEWLINE_TYPES": tuple(sorted(newline_types)),
        "TERMINALS": {str(t.name): str(t.pattern.value) for t in terminals},
    }


def _rule_shape(rule: Any) -> tuple[str, int, str, str, tuple[int | None, ...]]:
    """``(origin, length, kind, method, slots)`` of one Lark rule (see :func:`analyse_grammar`)."""
    origin = str(rule.origin.name)  # Lark's names are tokens, a subclass of str
    expansion = rule.expansion
    empty = rule.options.empty_indices
    kept = [i for i, symbol in enumerate(expansion)
            if not (symbol.is_term and symbol.filter_out)]
    slots: list[int | None] = []
    if empty:  # Lark's placeholders: empty[k] is True where an absent [optional] was
        symbol_at = iter(range(len(expansion)))
        for absent in empty:
            if absent:
                slots.append(None)
            else:
                i = next(symbol_at)
                if i in kept:
                    slots.append(i)
    else:
        slots = list(kept)
    if origin.startswith("_"):
        assert origin.startswith("__") and not rule.alias and None not in slots, rule
        if expansion[0].name == origin:
            assert len(slots) == 2, rule
            return (origin, len(expansion), "more", "", tuple(slots[1:]))
        assert len(slots) == 1, rule
        return (origin, len(expansion), "first", "", tuple(slots))
    if rule.options.expand1 and not rule.alias and len(slots) == 1:
        assert slots[0] is not None and not _is_list(expansion[slots[0]]), rule
        kind = "unit" if len(expansion) == 1 else "wrap"
        return (origin, len(expansion), kind, "", tuple(slots))
    spliced = tuple(-1 - i if i is not None and _is_list(expansion[i]) else i for i in slots)
    return (origin, len(expansion), "call", str(rule.alias or origin), spliced)


def _is_list(symbol: Any) -> bool:
    """A rule Lark splices into its parent (``__x_star_0`` made for ``x*``)."""
    return not symbol.is_term and symbol.name.startswith("_")


def _first_chars(pattern: str) -> str | None:
    """The ASCII characters a match of ``pattern`` can start with, sorted; None: any.

    Read from the parsed pattern, erring on the side of more: any construct
    not understood here (a look-ahead, a negated class, a flag) gives None.
    """
    try:
        from re import _constants as codes
        from re import _parser as parser
    except ImportError:  # Python 3.10
        import sre_constants as codes  # type: ignore[no-redef]
        import sre_parse as parser  # type: ignore[no-redef]

    ascii_chars = {chr(c) for c in range(128)}
    categories = {
        codes.CATEGORY_DIGIT: set("0123456789"),
        codes.CATEGORY_WORD: {c for c in ascii_chars if c.isalnum() or c == "_"},
        codes.CATEGORY_SPACE: set(" \t\n\r\f\v"),
    }

    def first(items: Any) -> tuple[set[str] | None, bool]:
        """(characters, whether ``items`` can match the empty string)."""
        found: set[str] = set()
        for op, arg in items:
            if op is codes.LITERAL:
                return found | {chr(arg)}, False
            if op is codes.IN:
                chars: set[str] = set()
                for kind, value in arg:
                    if kind is codes.LITERAL:
                        chars.add(chr(value))
                    elif kind is codes.RANGE:
                        chars.update(chr(c) for c in range(value[0], min(value[1], 127) + 1))
                    elif kind is codes.CATEGORY and value in categories:
                        chars |= categories[value]
                    else:
                        return None, False
                return found | chars, False
            if op is codes.SUBPATTERN:
                _, add_flags, del_flags, inner = arg
                if add_flags or del_flags:
                    return None, False
                chars, empty = first(inner)
            elif op is codes.BRANCH:
                chars, empty = set(), False
                for branch in arg[1]:
                    more, can_be_empty = first(branch)
                    if more is None:
                        return None, False
                    chars |= more
                    empty = empty or can_be_empty
            elif op in (codes.MAX_REPEAT, codes.MIN_REPEAT):
                low, _, inner = arg
                chars, empty = first(inner)
                empty = empty or low == 0
            else:
                return None, False
            if chars is None:
                return None, False
            found |= chars
            if not empty:
                return found, False
        return found, True

    chars, empty = first(parser.parse(pattern))
    if chars is None or empty:
        return None
    return "".join(sorted(chars))


def generate_tables(text: str | None = None) -> str:
    """The source of ``netdsl/syntax/_lalr_tables.py`` for grammar ``text`` (default: ours)."""
    data = analyse_grammar(grammar_text() if text is None else text)
    lines = [
        '"""The LALR(1) tables of grammar/netdsl.lark, generated: do not edit.',
        "",
        "Regenerate after changing the grammar: ``pytest tests/test_parser_speed.py",
        "--update-golden`` (or ``netdsl.syntax.parser.write_tables()``); the layout is",
        "described in netdsl/syntax/parser.py (``analyse_grammar``).",
        '"""',
        "",
        "# fmt: off",
        "# ruff: noqa: E501",
    ]
    for name, value in data.items():
        if name in ("ACTIONS", "RULES", "LEXERS"):
            lines.append(f"{name} = (")
            lines.extend(f"    {item!r},  # {i}" for i, item in enumerate(value))
            lines.append(")")
        elif isinstance(value, dict):
            lines.append(f"{name} = {{")
            lines.extend(f"    {key!r}: {item!r}," for key, item in value.items())
            lines.append("}")
        else:
            lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def tables_path() -> Path:
    """Where the generated tables live."""
    return Path(__file__).with_name("_lalr_tables.py")


def write_tables() -> Path:
    """Regenerate ``_lalr_tables.py`` from the grammar (needs Lark); return its path.

    ``pytest tests/test_parser_speed.py --update-golden`` does the same.
    """
    path = tables_path()
    path.write_text(generate_tables(), encoding="utf-8")
    return path


# ---- the parse loop -------------------------------------------------------------


class _Token(NamedTuple):
    """A token as errors report it (what Lark's ``Token`` would have held)."""

    type: str
    value: str
    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int
    end_pos: int


class _IndentError(Exception):
    def __init__(self, line: int, indent: int):
        self.line = line
        self.indent = indent


class _BracketDepthError(Exception):
    """A bracket nested deeper than the nesting limit (raised while lexing)."""

    def __init__(self, token: _Token):
        self.token = token


class _StackDepthError(Exception):
    """The parser's stack grew past what the nesting limit allows (raised while parsing)."""

    def __init__(self, token: _Token):
        self.token = token


class _SyntaxProblem(Exception):
    """What the parse stopped at, as Lark would have reported it (see :func:`_translate`)."""


class _UnexpectedCharacters(_SyntaxProblem):
    def __init__(self, line: int, column: int, char: str):
        self.line, self.column, self.char = line, column, char


class _UnexpectedToken(_SyntaxProblem):
    def __init__(self, token: _Token, expected: set[str], previous: _Token | None = None):
        self.token, self.expected, self.previous = token, expected, previous


#: Entries the LALR stack may hold per level of nesting before parsing stops. A
#: level takes 1 entry (``- x``) to 9 (a merge inside a branch); chains of one
#: operator reduce as they go and take none. Generous, so that it only ever
#: stops input that the exact check on the AST would refuse anyway, just sooner.
_STACK_PER_LEVEL = 16

_OPEN = frozenset(("LPAR", "LSQB"))
_CLOSE = frozenset(("RPAR", "RSQB"))
_TAB_LEN = 8


def _run(text: str, builder: _Builder, limits: Limits) -> tuple[list[Any], int]:
    """Parse ``text`` (ending in a newline): the items and a bound on their nesting.

    One loop does what Lark's contextual lexer, its ``Indenter`` post-lexer and
    its LALR parser do together, in the same order, so that the first error is
    the one Lark finds: a token is lexed in the state the parser is in after
    the previous one; a newline outside brackets is fed, then the ``_INDENT``
    or ``_DEDENT`` tokens it makes (each borrows its place), then a wrong
    indentation is raised; before each token is fed the stack is held to the
    nesting limit (:data:`_STACK_PER_LEVEL`), and each bracket as it is lexed.
    """
    tables = _tables()
    actions = tables.actions
    rules, by_rule = _bind(tables, builder)
    dispatch = tables.dispatch
    special = tables.ignore | tables.newline_types | _OPEN | _CLOSE
    ignore = tables.ignore
    newline_types = tables.newline_types
    chains: dict[tuple[int, int, str], tuple[int, tuple[Callable, ...]]] = {}
    bound = _STACK_PER_LEVEL * limits.max_nesting + 64
    bracket_limit = limits.max_nesting

    state = tables.start
    states = [state]
    values: list[Any] = []
    pos, length, line = 0, len(text), 1
    base = -1  # the offset before the current line's first character: column = offset - base
    brackets = 0
    indents = [0]
    indent_text, indent = "", 0  # the last line's indentation, and its width
    queue: list[tuple[Any, Any]] = []  # tokens a newline made, last first
    t = ""  # the type of the token being fed
    e: Any = None  # its entry
    lexed_t, lexed_e = "", None  # the last token lexed: the token before a lexer error
    while True:
        if queue:
            t, e = queue.pop()
            if e is None:
                raise _IndentError(*t)
        elif pos < length:
            char = text[pos]
            try:
                t, match, words = dispatch[state][char]
            except KeyError:
                t, match, words = tables.first_use(state, char)
            if match is None:  # a terminal of this one character, the only one it starts
                if t is None:
                    raise _lex_error(tables, text, pos, base, state, lexed_t, lexed_e)
                end = pos + 1
                value = char
            else:
                m = match(text, pos)
                if m is None:
                    raise _lex_error(tables, text, pos, base, state, lexed_t, lexed_e)
                end = m.end()
                if words is _BLANKS:
                    pos = end
                    continue
                value = text[pos:end]
                if t is None:
                    t = m.lastgroup
                    if words is not None:
                        words = words.get(t)
                if words is not None:
                    t = words.get(value, t)
            if t in special:
                if t in newline_types and "\n" in value:
                    first_line, first_column = line, pos - base
                    line += value.count("\n")
                    base = pos + value.rindex("\n")
                    lexed = (value, first_line, first_column, line, end - base, 0)
                else:
                    lexed = (value, line, pos - base, line, end - base, 0)
                pos = end
                if t in ignore:
                    continue
                lexed_t, lexed_e = t, lexed
                if t == "_NL":
                    if brackets:  # inside brackets a newline is only space
                        continue
                    if text[base + 1:end] != indent_text:
                        indent_text = text[base + 1:end]
                        indent = indent_text.count(" ") + indent_text.count("\t") * _TAB_LEN
                    if indent != indents[-1]:
                        _indentation(indent, indent_text, indents, lexed, queue)
                elif t in _OPEN:
                    brackets += 1
                    if brackets > bracket_limit:
                        raise _BracketDepthError(_token(text, t, lexed))
                elif t in _CLOSE and brackets:
                    brackets -= 1
                e = lexed
            else:
                e = (value, line, pos - base, line, end - base, 0)
                pos = end
                lexed_t, lexed_e = t, e
        elif len(indents) > 1:  # the end of the text closes the open blocks
            indents.pop()
            t = "_DEDENT"
            last = lexed_e or ("", 0, 0, 0, 0, 0)
            e = ("", last[1], last[2], last[3], last[4], 0)
        else:
            break
        if len(states) > bound:
            raise _StackDepthError(_token(text, t, e))
        # feed the token: reduce as long as the state says so, then shift
        while True:
            try:
                action = actions[state][t]
            except KeyError:
                raise _UnexpectedToken(_token(text, t, e), _expected(actions[state])) from None
            if action >= 0:
                states.append(action)
                values.append(e)
                state = action
                break
            origin, size, build = rules[~action]
            if size == 1:  # a chain of reductions of one child: one lookup
                below = states[-2]
                try:
                    state, builds = chains[below, state, t]
                except KeyError:
                    state, builds = _chain(tables, below, state, t, chains, by_rule)
                if builds:
                    top = values[-1]
                    for build in builds:
                        top = build(top)
                    values[-1] = top
                states[-1] = state
            else:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
                values.append(build(children))
                state = actions[states[-1]][origin]
                states.append(state)

    # $END, placed where the last token fed was (``e`` is never an ignored token's)
    end_entry = ("", e[1], e[2], e[3], e[4], 0) if e is not None else ("", 1, 1, 1, 1, 0)
    while True:
        action = actions[state].get("$END")
        if action is None:
            raise _UnexpectedToken(_token(text, "$END", end_entry), _expected(actions[state]))
        assert action < 0, "$END is never shifted"
        origin, size, build = rules[~action]
        if size == 0:
            value = build([])
        elif size == 1:
            value = values.pop() if build is None else build(values.pop())
            states.pop()
        else:
            children = values[-size:]
            del values[-size:]
            del states[-size:]
            value = build(children)
        state = actions[states[-1]][origin]
        states.append(state)
        values.append(value)
        if state == tables.end:
            return values[-1]


def _chain(tables: _Tables, below: int, state: int, lookahead: str,
           chains: dict, by_rule: list[Any]) -> tuple[int, tuple[Callable, ...]]:
    """The chain of one-child reductions at (below, state, lookahead), with this parse's builds.

    A known sequence of builds (``_COMPOSED``) becomes the one that does them all.
    """
    key = (below, state, lookahead)
    reached, reduced = tables.chains.get(key) or tables.chain(below, state, lookahead)
    builds = tuple(by_rule[r] for r in reduced)
    names = tuple(getattr(b, "__name__", "") for b in builds)
    if names in _COMPOSED:
        builds = (getattr(builds[0].__self__, _COMPOSED[names]),)
    chains[key] = (reached, builds)
    return reached, builds


def _indentation(indent: int, indent_text: str, indents: list[int], newline: tuple,
                 queue: list[tuple[Any, Any]]) -> None:
    """Queue the ``_INDENT`` or ``_DEDENT`` tokens after ``newline`` (last first).

    They take the newline's place, as Lark's ``Token.new_borrow_pos`` gives
    them; an indentation that matches no open block is raised after the
    dedents are fed, as Lark's post-lexer raises it.
    """
    borrowed = (indent_text, newline[1], newline[2], newline[3], newline[4], 0)
    if indent > indents[-1]:
        indents.append(indent)
        queue.append(("_INDENT", borrowed))
        return
    made: list[tuple[Any, Any]] = []
    while indent < indents[-1]:
        indents.pop()
        made.append(("_DEDENT", borrowed))
    if indent != indents[-1]:
        made.append(((newline[3], indent), None))  # _IndentError(end line, indent)
    queue.extend(reversed(made))


def _expected(row: dict[str, int]) -> set[str]:
    """The terminals a state has an action for (what Lark lists as expected)."""
    return {symbol for symbol in row if symbol.isupper()}


def _token(text: str, kind: str, entry: tuple) -> _Token:
    """The full token of ``entry`` (only errors need its offsets)."""
    value, line, column, end_line, end_column = entry[:5]
    return _Token(kind, value, line, column, end_line, end_column,
                  _offset(text, line, column), _offset(text, end_line, end_column))


def _offset(text: str, line: int, column: int) -> int:
    if line < 1:
        return 0
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _lex_error(tables: _Tables, text: str, pos: int, base: int, state: int, lexed_t: str,
               lexed_e: tuple | None) -> _SyntaxProblem:
    """What Lark's contextual lexer raises when no terminal of ``state`` matches at ``pos``.

    It tries every terminal there: a token that another state would accept is
    reported as an unexpected token (after the last token lexed), anything
    else as an unexpected character.
    """
    m = tables.root_match()(text, pos)
    line = text.count("\n", 0, pos) + 1
    column = pos - base
    if m is None or m.lastgroup in tables.ignore:
        return _UnexpectedCharacters(line, column, text[pos])
    kind = m.lastgroup
    value = m.group(kind)
    kind = tables.lexers[tables.root_lexer][1].get(kind, {}).get(value, kind)
    end = pos + len(value)
    assert "\n" not in value, "every lexer accepts the newline"
    token = _Token(kind, value, line, column, line, end - base, pos, end)
    allowed = set(tables.lexers[tables.state_lexers[state]][2])
    previous = _token(text, lexed_t, lexed_e) if lexed_e is not None else None
    return _UnexpectedToken(token, allowed, previous)


# ---- reductions ---------------------------------------------------------------

_NO_CHILD = [None]


def _bind(tables: _Tables, builder: _Builder) -> tuple[list[tuple[str, int, Any]], list[Any]]:
    """What each rule's reduction calls, for one parse.

    Returns ``(origin, length, build)`` per rule, and ``build`` alone per rule.
    ``build`` takes the children (a list; the entry itself for a rule of one
    child) and returns the rule's entry; it is None for a unit rule. A
    ``call`` rule passes its kept children (entries; None for an absent
    optional; the entries of a spliced list) to the builder's method of the
    rule's name, after the children themselves; a few frequent shapes have a
    method of their own (:data:`_FAST`) that does the same in one call.
    """
    bound: list[tuple[str, int, Any]] = []
    for origin, size, kind, method, slots in tables.rules:
        if kind == "unit":
            build = None
        elif kind == "wrap":
            build = _wrap(slots[0])
        elif kind == "first":
            build = _list_first(size, slots[0])
        elif kind == "more":
            build = _list_more(slots[0])
        else:
            fast = _FAST.get((method, size, slots))
            if fast is not None:
                build = getattr(builder, fast)
            else:
                build = _call(getattr(builder, method), size, slots)
                if size == 1:
                    build = _single(build)
        bound.append((origin, size, build))
    return bound, [b[2] for b in bound]


def _single(build: Callable) -> Callable:
    return lambda entry: build((entry,))


def _wrap(i: int) -> Callable:
    def build(c: list) -> tuple:
        first, last = c[0], c[-1]
        return c[i][0], first[1], first[2], last[3], last[4], c[i][5]
    return build


def _list_first(size: int, i: int) -> Callable:
    if size == 1:
        return lambda e: ([e], e[1], e[2], e[3], e[4], e[5])

    def build(c: list) -> tuple:
        first, last, item = c[0], c[-1], c[i]
        return [item], first[1], first[2], last[3], last[4], item[5]
    return build


def _list_more(i: int) -> Callable:
    def build(c: list) -> tuple:
        first, item = c[0], c[i]
        items = first[0]
        items.append(item)  # the list is this rule's alone: no two entries share one
        last = c[-1]
        height = first[5] if first[5] > item[5] else item[5]
        return items, first[1], first[2], last[3], last[4], height
    return build


def _call(method: Callable, size: int, slots: tuple[int | None, ...]) -> Callable:
    if any(i is not None and i < 0 for i in slots):  # a spliced list: the general case
        def build(c: Any) -> Any:
            args: list[Any] = []
            for i in slots:
                if i is None:
                    args.append(None)
                elif i < 0:
                    args.extend(c[-1 - i][0])
                else:
                    args.append(c[i])
            return method(c, *args)
        return build
    if None in slots:  # placeholders read the None put after the children
        get = itemgetter(*[size if i is None else i for i in slots])
        if len(slots) == 1:
            return lambda c: method(c, get([*c, None]))
        return lambda c: method(c, *get([*c, None]))
    if not slots:
        return method
    if len(slots) == 1:
        (i,) = slots
        return lambda c: method(c, c[i])
    get = itemgetter(*slots)
    return lambda c: method(c, *get(c))


#: Shapes frequent enough to be built in one call: (method, length, slots) -> the
#: builder's method that takes the rule's children (its entry, for one child).
#: Each does what the general method does with those slots; a grammar that no
#: longer has the shape simply uses the general one.
_FAST: dict[tuple[str, int, tuple[int | None, ...]], str] = {
    ("number", 1, (0,)): "number_token",
    ("name", 1, (0,)): "name_token",
    ("string", 1, (0,)): "string_token",
    ("dotted", 1, (0,)): "dotted_name",
    ("call", 1, (0, None)): "bare_call",
    ("call", 4, (0, 2)): "call_with_args",
    ("call_stmt", 1, (0, None, None, None)): "bare_call_stmt",
    ("args", 1, (0,)): "one_arg",
    ("args", 2, (0, -2)): "args_list",
    ("kwarg", 3, (0, 2)): "keyword_arg",
    ("simple_line", 2, (0,)): "one_statement_line",
    ("simple_line", 3, (0, -2)): "statements_line",
    ("binary", 3, (0, 1, 2)): "binary_op",
}

#: Chains of one-child reductions built in one call: ``bn`` is a name, a call, a
#: statement.
_COMPOSED: dict[tuple[str, ...], str] = {
    ("dotted_name", "bare_call", "bare_call_stmt"): "bare_statement",
}


# ---- nesting -----------------------------------------------------------------
#
# Parsing is iterative, but the elaborator evaluates expressions and runs
# statements recursively, a few Python frames per level. So the depth of the
# AST is held to ``limits.max_nesting``, and the driver makes room on the
# stack for that many levels (limits.stack_headroom): deep input gets a
# located E501, never a RecursionError, however deep the caller's own stack
# already is. Two cheap guards stop runaway input while it is parsed:
# brackets deeper than the limit (as they are lexed), and a parser stack
# longer than _STACK_PER_LEVEL entries per allowed level.
#
# A level is an operand, an argument, a list item, an index, a condition or a
# statement inside a block. A chain of one operator is length, not depth: the
# left operand of ``a + b - c`` (a + b) is at the level of the whole, and the
# evaluator runs the chain as a loop (``and``, ``or`` and comparison chains are
# flat in the AST already). Right-nested forms do nest: ``- - x``, ``a ** b **
# c``, ``x if c else y if d else z``, as do ``f(x)(y)`` and ``x[0][1]``. Wrappers
# that add no level of their own: an argument (``Arg``), a parameter, a merge
# branch, the call of a call statement and the statement of an assignment.
#
# Each entry carries a height: 0 for a leaf, one more than its highest child
# for a node (none more for the left operand that continues a chain). It counts
# a level wherever the rules above might, so it is never less than the depth
# they give; only a tree higher than the limit is walked with them exactly.

_TRANSPARENT = (ast.Arg, ast.Param, ast.Branch, ast.Call)
_SAME_LEVEL_OPS = ({"+", "-"}, {"*", "/", "//", "%"})
#: The operators of a chain that is length, not depth, by their group.
_CHAIN_GROUP = {op: i for i, ops in enumerate(_SAME_LEVEL_OPS) for op in ops}


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
    source order.
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
    terminals = _tables().terminals
    if name in terminals:
        return f"'{terminals[name]}'"
    return name.lower()


def _describe_token(token: _Token) -> str:
    if token.type in ("_NL", "$END", "_INDENT", "_DEDENT"):
        return _DESCRIPTIONS[token.type]
    return f"'{printable(token.value)}'"


def _token_span(source: Source, token: _Token) -> Span:
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


def _translate(exc: _SyntaxProblem, source: Source) -> NetdslError:
    if isinstance(exc, _UnexpectedCharacters):
        span = Span(source, exc.line, exc.column, exc.line, exc.column + 1)
        char = exc.char
        hint = "strings use double quotes" if char == "'" else None
        if not char.isprintable():  # a control character or an invisible separator
            hint = f"U+{ord(char):04X} is not allowed outside comments and strings"
        return error("E101", f"unexpected character '{printable(char)}'", span, hint=hint)
    assert isinstance(exc, _UnexpectedToken)
    if exc.token.type == "$END":
        bracket = _open_bracket(source, len(source.lines))
        if bracket:
            return error("E105", "this bracket is never closed", bracket)
        return error("E103", "unexpected end of file", _eof_span(source))
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
    previous = exc.previous
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


def _after_as(source: Source, keyword: _Token, token: _Token, span: Span) -> NetdslError:
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


# ---- building the AST -------------------------------------------------------
#
# One method per rule (or alias) of the grammar, called as the rule is
# reduced. ``c`` is the list of the rule's children as they were on the stack,
# tokens included, so ``c[0]`` and ``c[-1]`` give the node's span; the other
# arguments are the kept children, as Lark's tree builder would pass them.
# Each returns the new entry: (payload, line, column, end_line, end_column,
# height). The methods after ``_FAST``'s comment build the frequent shapes in
# one call each.

_FLOAT_MAX = 1.7976931348623157e308


class _Builder:
    """The AST builder of one parse: its source, its limits, the errors it deferred.

    A number or a label that cannot be accepted does not stop the parse: a
    syntax error further on is reported first (as when the whole tree was
    built before the AST). The first deferred error is raised at the end.
    """

    def __init__(self, source: Source, limits: Limits):
        self.source = source
        self.limits = limits
        self.errors: list[NetdslError] = []

    def _span(self, c: list) -> Span:
        first, last = c[0], c[-1]
        return Span(self.source, first[1], first[2], last[3], last[4])

    # top level
    def start(self, c, *items):
        height = max((item[5] for item in items), default=0)
        return [item[0] for item in items], height

    def import_stmt(self, c, target):
        text = target[0]
        is_path = text.startswith('"')
        node = ast.Import(text[1:-1] if is_path else text, is_path, self._span(c))
        return _entry(node, c, 0)

    def net_def(self, c, name, params, body):
        node = ast.NetDef(name[0], params[0] if params else (), body[0], self._span(c))
        return _entry(node, c, 1 + max(params[5] if params else 0, body[5]))

    def block_def(self, c, name, params, body):
        node = ast.BlockDef(name[0], params[0] if params else (), body[0], self._span(c))
        return _entry(node, c, 1 + max(params[5] if params else 0, body[5]))

    def block_alias(self, c, name, call):
        return _entry(ast.BlockAlias(name[0], call[0], self._span(c)), c, 1 + call[5])

    def func_def(self, c, name, params, body):
        node = ast.FuncDef(name[0], params[0], body[0], self._span(c))
        return _entry(node, c, 1 + max(params[5], body[5]))

    def params(self, c, *params):
        present = [p for p in params if p is not None]
        height = max((p[5] for p in present), default=0)
        return _entry(tuple(p[0] for p in present), c, height)

    def param(self, c, name, default):
        if default is None:
            return _entry(ast.Param(name[0], None, self._span(c)), c, 0)
        return _entry(ast.Param(name[0], default[0], self._span(c)), c, 1 + default[5])

    def body(self, c, *stmts):
        return _entry(_flatten([s[0] for s in stmts]), c, max(s[5] for s in stmts))

    # statements
    def simple_line(self, c, *stmts):
        return _entry([s[0] for s in stmts], c, max(s[5] for s in stmts))

    def call_stmt(self, c, call, repeat, cond, label):
        text, label_span = label[0] if label is not None else (None, None)
        height = max(call[5], repeat[5] if repeat else 0, cond[5] if cond else 0)
        node = ast.CallStmt(call[0], repeat and repeat[0], cond and cond[0], self._span(c),
                            text, label_span)
        return _entry(node, c, 1 + height)

    def label(self, c, token):
        span = Span(self.source, token[1], token[2], token[3], token[4])
        text = token[0][1:-1]
        try:
            _check_label(text, span)
        except NetdslError as exc:
            self.errors.append(exc)
        return _entry((text, span), c, 0)

    def repeat(self, c, factor):
        return _entry(factor[0], c, factor[5])

    def cond(self, c, test):
        return _entry(test[0], c, test[5])

    def assign(self, c, name, stmt):
        return _entry(ast.Assign(name[0], stmt[0], self._span(c)), c, 1 + stmt[5])

    def named_merge(self, c, name, merge):
        return _entry(ast.Assign(name[0], merge[0], self._span(c)), c, 1 + merge[5])

    def let_stmt(self, c, name, value):
        return _entry(ast.Let(name[0], value[0], self._span(c)), c, 1 + value[5])

    def from_stmt(self, c, name):
        return _entry(ast.From(name[0], self._span(c)), c, 0)

    def call(self, c, dotted, args):
        names, name_span = dotted[0]
        span = name_span if len(c) == 1 else self._span(c)  # no brackets: just its name
        if args is None:
            return _entry(ast.Call(names, (), span, name_span), c, 0)
        return _entry(ast.Call(names, args[0], span, name_span), c, 1 + args[5])

    def dotted(self, c, *names):
        return _entry((tuple(n[0] for n in names), self._span(c)), c, 0)

    def merge(self, c, kind, *branches):
        height = max(b[5] for b in branches)
        return _entry(ast.Merge(kind[0], tuple(b[0] for b in branches), self._span(c)), c,
                      1 + height)

    def branch(self, c, *parts):
        present = [p for p in parts if p is not None]
        height = max((p[5] for p in present), default=0)
        node = ast.Branch(_flatten([p[0] for p in present]), self._span(c))
        return _entry(node, c, 1 + height)

    def residual(self, c, cond, body):
        height = max(cond[5] if cond else 0, body[5])
        return _entry(ast.Residual(cond and cond[0], body[0], self._span(c)), c, 1 + height)

    def if_stmt(self, c, test, body, *rest):
        clauses = [(test[0], body[0])]
        height = max(test[5], body[5])
        orelse = None
        for part in rest:
            if part is None:
                continue
            height = max(height, part[5])
            if part[0][0] == "elif":
                clauses.append(part[0][1:])
            else:
                orelse = part[0][1]
        return _entry(ast.If(tuple(clauses), orelse, self._span(c)), c, 1 + height)

    def elif_clause(self, c, test, body):
        return _entry(("elif", test[0], body[0]), c, max(test[5], body[5]))

    def else_clause(self, c, body):
        return _entry(("else", body[0]), c, body[5])

    def repeat_stmt(self, c, count, body):
        node = ast.Repeat(count[0], body[0], self._span(c))
        return _entry(node, c, 1 + max(count[5], body[5]))

    def for_stmt(self, c, *parts):
        *names, iterable, body = parts
        height = 1 + max(iterable[5], body[5])
        if len(names) == 1:
            return _entry(ast.For(names[0][0], iterable[0], body[0], self._span(c)), c, height)
        # ``for k, c in rows:`` loops over a name no program can write and binds each
        # target with a let that checks the element's length (ast.UNPACK).
        targets = Span(self.source, names[0][1], names[0][2], names[-1][3], names[-1][4])
        row = ", ".join(n[0] for n in names)
        lets = tuple(
            ast.Let(n[0], ast.FunCall(ast.Name(ast.UNPACK, targets), (
                ast.Arg(None, ast.Name(row, targets), targets),
                ast.Arg(None, ast.Num(len(names), targets), targets),
                ast.Arg(None, ast.Num(i, targets), targets)), targets), targets)
            for i, n in enumerate(names))
        node = ast.For(row, iterable[0], (*lets, *body[0]), self._span(c))
        return _entry(node, c, max(height, 4))  # For > Let > FunCall > Arg > Name

    # expressions
    def number(self, c, token):
        return self.number_token(token)

    def string(self, c, token):
        return self.string_token(token)

    def name(self, c, token):
        return self.name_token(token)

    def input_ref(self, c):
        return _entry(ast.InputRef(self._span(c)), c, 0)

    def list(self, c, *items):
        present = [i for i in items if i is not None]
        height = max((i[5] for i in present), default=-1)
        return _entry(ast.ListExpr(tuple(i[0] for i in present), self._span(c)), c, 1 + height)

    def ifexp(self, c, value, test, orelse):
        node = ast.IfExp(test[0], value[0], orelse[0], self._span(c))
        return _entry(node, c, 1 + max(value[5], test[5], orelse[5]))

    def or_(self, c, left, right):
        return self._bool("or", c, left, right)

    def and_(self, c, left, right):
        return self._bool("and", c, left, right)

    def _bool(self, op, c, left, right):
        node = left[0]
        if isinstance(node, ast.BoolOp) and node.op == op:  # a or b or c: one node
            values, height = (*node.values, right[0]), max(left[5], 1 + right[5])
        else:
            values, height = (node, right[0]), 1 + max(left[5], right[5])
        return _entry(ast.BoolOp(op, values, self._span(c)), c, height)

    def not_(self, c, operand):
        return _entry(ast.Not(operand[0], self._span(c)), c, 1 + operand[5])

    def compare(self, c, left, op, right):
        # Comparison chains read like Python: a < b <= c.
        node = left[0]
        if isinstance(node, ast.Compare):
            new = ast.Compare((*node.operands, right[0]), (*node.ops, op[0]), self._span(c))
            return _entry(new, c, max(left[5], 1 + right[5]))
        new = ast.Compare((node, right[0]), (op[0],), self._span(c))
        return _entry(new, c, 1 + max(left[5], right[5]))

    def binary(self, c, left, op, right):
        return self.binary_op([left, op, right])

    def unary(self, c, op, operand):
        return _entry(ast.Unary(op[0], operand[0], self._span(c)), c, 1 + operand[5])

    def power(self, c, base, exponent):
        span = self._span(c)
        return _entry(ast.Binary("**", base[0], exponent[0], span, span), c,
                      1 + max(base[5], exponent[5]))

    def funcall(self, c, func, args):
        arguments = args[0] if args is not None else ()
        height = max(func[5], args[5] if args is not None else 0)
        return _entry(ast.FunCall(func[0], arguments, self._span(c)), c, 1 + height)

    def index(self, c, value, idx):
        node = ast.Index(value[0], idx[0], self._span(c))
        return _entry(node, c, 1 + max(value[5], idx[5]))

    def attribute(self, c, value, name):
        name_span = Span(self.source, name[1], name[2], name[3], name[4])
        node = ast.Attribute(value[0], name[0], self._span(c), name_span)
        return _entry(node, c, 1 + value[5])

    def args(self, c, *args):
        out = []
        height = 0
        for entry in args:
            a = entry[0]
            if a.__class__ is not ast.Arg:  # a positional argument: placed as its value
                a = ast.Arg(None, a, a.span)
                if entry[5] >= height:
                    height = entry[5] + 1
            elif entry[5] > height:
                height = entry[5]
            out.append(a)
        return _entry(tuple(out), c, height)

    def kwarg(self, c, name, value):
        return self.keyword_arg([name, None, value])

    def splat(self, c, value):
        return _entry(ast.Arg(None, value[0], self._span(c), splat=True), c, 1 + value[5])

    # ---- the frequent shapes in one call (_FAST) ----

    def number_token(self, token):
        text = token[0]
        span = Span(self.source, token[1], token[2], token[3], token[4])
        limit = self.limits.max_literal_digits
        if len(text) > limit:
            digits = sum(ch.isdigit() for ch in text)
            if digits > limit:
                self.errors.append(error(
                    "E501", f"a number of {digits:,} digits is too long", span,
                    hint=f"number literals have at most {limit} digits; "
                    "write a large number as an expression, such as 10**400"))
                return ast.Num(0, span), token[1], token[2], token[3], token[4], 0
        if text.isdigit():  # digits only: no '.', 'e' or 'E'
            return ast.Num(int(text), span), token[1], token[2], token[3], token[4], 0
        value = float(text)
        if not math.isfinite(value):
            self.errors.append(error(
                "E306", f"the number {text} is out of range", span,
                hint=f"floating-point numbers stop at about {_FLOAT_MAX:.3g}"))
        return ast.Num(value, span), token[1], token[2], token[3], token[4], 0

    def string_token(self, token):
        span = Span(self.source, token[1], token[2], token[3], token[4])
        return ast.Str(token[0][1:-1], span), token[1], token[2], token[3], token[4], 0

    def name_token(self, token):
        span = Span(self.source, token[1], token[2], token[3], token[4])
        return ast.Name(token[0], span), token[1], token[2], token[3], token[4], 0

    def dotted_name(self, token):
        span = Span(self.source, token[1], token[2], token[3], token[4])
        return ((token[0],), span), token[1], token[2], token[3], token[4], 0

    def bare_call(self, dotted):
        names, span = dotted[0]
        return ast.Call(names, (), span, span), dotted[1], dotted[2], dotted[3], dotted[4], 0

    def bare_statement(self, token):
        span = Span(self.source, token[1], token[2], token[3], token[4])
        call = ast.Call((token[0],), (), span, span)
        return (ast.CallStmt(call, None, None, span, None, None), token[1], token[2], token[3],
                token[4], 1)

    def call_with_args(self, c):
        dotted, args, last = c[0], c[2], c[3]
        names, name_span = dotted[0]
        span = Span(self.source, dotted[1], dotted[2], last[3], last[4])
        return (ast.Call(names, args[0], span, name_span), dotted[1], dotted[2], last[3],
                last[4], 1 + args[5])

    def bare_call_stmt(self, call):
        node = call[0]  # the statement's place is its call's
        return (ast.CallStmt(node, None, None, node.span, None, None), call[1], call[2],
                call[3], call[4], 1 + call[5])

    def one_arg(self, entry):
        a = entry[0]
        if a.__class__ is not ast.Arg:  # a positional argument: placed as its value
            return (ast.Arg(None, a, a.span),), entry[1], entry[2], entry[3], entry[4], \
                entry[5] + 1
        return (a,), entry[1], entry[2], entry[3], entry[4], entry[5]

    def args_list(self, c):
        first, more = c
        out = []
        height = 0
        for entry in (first, *more[0]):
            a = entry[0]
            if a.__class__ is not ast.Arg:  # a positional argument: placed as its value
                a = ast.Arg(None, a, a.span)
                if entry[5] >= height:
                    height = entry[5] + 1
            elif entry[5] > height:
                height = entry[5]
            out.append(a)
        return tuple(out), first[1], first[2], more[3], more[4], height

    def keyword_arg(self, c):
        name, value = c[0], c[2]
        span = Span(self.source, name[1], name[2], value[3], value[4])
        return (ast.Arg(name[0], value[0], span), name[1], name[2], value[3], value[4],
                1 + value[5])

    def one_statement_line(self, c):
        stmt, newline = c
        return [stmt[0]], stmt[1], stmt[2], newline[3], newline[4], stmt[5]

    def statements_line(self, c):
        first, more, newline = c
        stmts = [first[0]]
        height = first[5]
        for s in more[0]:
            stmts.append(s[0])
            if s[5] > height:
                height = s[5]
        return stmts, first[1], first[2], newline[3], newline[4], height

    def binary_op(self, c):
        left, op, right = c
        source = self.source
        op_text = op[0]
        node = ast.Binary(op_text, left[0], right[0],
                          Span(source, left[1], left[2], right[3], right[4]),
                          Span(source, op[1], op[2], op[3], op[4]))
        inner = left[0]
        if inner.__class__ is ast.Binary and \
                _CHAIN_GROUP.get(inner.op, -1) == _CHAIN_GROUP[op_text]:
            height = left[5] if left[5] > right[5] else right[5] + 1  # a + b - c: length
        else:
            height = 1 + (left[5] if left[5] > right[5] else right[5])
        return node, left[1], left[2], right[3], right[4], height


def _entry(payload: Any, c: list, height: int) -> tuple:
    first, last = c[0], c[-1]
    return payload, first[1], first[2], last[3], last[4], height


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
