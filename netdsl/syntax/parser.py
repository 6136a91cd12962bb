"""Parsing: source text to :mod:`netdsl.syntax.ast`, with readable errors.

``grammar/netdsl.lark`` is the grammar: LALR(1), with Lark's contextual lexer
(one lexer per parser state, knowing only the terminals that state accepts)
and an indentation pass that turns leading whitespace into ``_INDENT`` and
``_DEDENT`` (brackets suspend it, so argument lists can wrap). Lark analyses
the grammar into tables ahead of time (:func:`generate_tables` writes
``netdsl/syntax/_lalr_tables.py``; a test fails while that file is stale), so
neither Lark nor the analysis runs when netdsl starts; a grammar edited
without regenerating is analysed again at start-up instead.

This module drives those tables in one loop: it takes each token as the
lexer of the current state lexes it, shifts and reduces, and each reduction
builds its AST node at once, no parse tree in between. The tokens mostly come
from one cut of the whole text by the lexer that knows every terminal, taken
where the state's own lexer provably lexes the same (see :class:`_Tables`).
The rules' builders are bound once per builder class, not per parse, and the
frequent nodes and spans are made by makers that skip attrs' ``__init__``
(:func:`_maker`). A value on the parser's stack is
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
import itertools
import math
import re
import types
import unicodedata
from collections.abc import Callable, Iterator
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
#: The type :meth:`_Tables.classify` gives such a terminal when every state's lexer skips
#: it where the root lexer finds it.
_SPACE: Any = object()


class _Tables:
    """The generated tables (see :func:`analyse_grammar`), ready to drive.

    Lexing has two ways, giving the same tokens. The root lexer (the one that
    knows every terminal) cuts the whole text into tokens at once, in one call
    (:meth:`scan`); the parser takes such a token as it is where the state's
    own lexer provably lexes the same one there (:attr:`fast`, :attr:`safe`),
    which is nearly everywhere. Elsewhere (a keyword the state does not
    accept, say: ``conv(8) ifx > 1`` is ``if x > 1`` after a call) the state's
    lexer lexes that token itself (:func:`_lex_at`), and the root's tokens are
    taken up again where one starts at the same place.

    The state's lexer dispatches on a token's first character: it tries, in
    its order, only the terminals that can start with it (a lone one-character
    terminal needs no pattern at all). That finds what the lexer's whole
    alternation finds, since the others cannot match there. Each lexer's table
    of characters fills as characters are first seen.
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
        #: The reductions bound to each builder class (:class:`_Binding`), made once.
        self.bindings: dict[type, _Binding] = {}
        self._scan_setup(data)

    def _scan_setup(self, data: Any) -> None:
        """What lexing whole texts with the root lexer needs (see :meth:`scan`), from the
        analysis in the tables (:func:`_scan_analysis`).

        ``safe[state]``: the token types (as the root lexer gives them, keywords
        included) that the state's lexer lexes alike wherever the root lexer finds
        them; ``fast[state]``: those of them that need nothing but shifting (no
        newline, bracket or ignored token); ``opening[state]`` and
        ``closing[state]``: its brackets. All empty for every state when the
        root lexer's patterns are outside what :func:`_scannable` vouches for.
        """
        self._split: Callable[[str, int], list[str]] | None = None
        self._root_words = self.lexers[self.root_lexer][1]
        #: Ignored terminals without newlines that every state's lexer skips alike.
        self._blanks = frozenset(data.BLANKS)
        #: The text of a cut token -> (its type from the root lexer, the token's own text
        #: and its length, the cut token's length: see :meth:`classify`), for the string
        #: terminals and keywords; each parse adds the others it meets to a copy.
        self.kinds: dict[str, tuple[Any, str, int, int]] = {"": (None, "", 0, 0)}
        empty: tuple[frozenset[str], ...] = tuple(frozenset() for _ in self.state_lexers)
        #: No token types for any state (while the first branches of the loop are off).
        self.none = empty
        self.safe = self.fast = self.opening = self.closing = empty
        if not data.SCAN_ORDER:
            return
        by_lexer = [frozenset(types) for types in data.SAFE]
        special = self.ignore | self.newline_types | _OPEN | _CLOSE
        self.safe = tuple(by_lexer[i] for i in self.state_lexers)
        self.fast = tuple(frozenset(types - special) for types in self.safe)
        self.opening = tuple(types & _OPEN for types in self.safe)
        self.closing = tuple(types & _CLOSE for types in self.safe)
        joined = "|".join(f"(?:{_without_groups(self.patterns[name])})"
                          for name in data.SCAN_ORDER)
        trail = f"(?:{_without_groups(self.patterns[data.TRAIL])})?" if data.TRAIL else ""
        # any other character: a token of its own; the one group: each token, as split
        # returns it (with the empty text between two, and the rest)
        self._split = re.compile(f"((?:{joined}|[\\s\\S]){trail})").split
        for word, kind in data.SEEDS.items():
            self.kinds[word] = (_SPACE if kind in self._blanks else kind, word, len(word),
                                len(word))

    @property
    def scan_on(self) -> bool:
        """Whether :meth:`scan` cuts texts (else each token is lexed by its state's lexer)."""
        return self._split is not None

    def scan(self, text: str) -> list[str]:
        """The root lexer's tokens of ``text``, every character in one, in order.

        Spaces that follow a token are cut with it (:meth:`classify` tells the
        token's own text); a character where no terminal matches is a token of
        its own, of no type. Empty when whole-text lexing is off.
        """
        return [token for part in self.cuts(text) for token in part]

    def cuts(self, text: str, size: int = 65_536) -> Iterator[list[str]]:
        """:meth:`scan` of ``text``, ``size`` tokens at a time: no more are held at once.

        Each part is cut with the whole rest of the text in view (``split`` with a
        count), so a token is never cut short where a part ends.
        """
        if self._split is None:
            return
        rest = text
        while rest:
            parts = self._split(rest, size)  # '', token, '', token, ..., the rest
            rest = parts[-1]
            yield parts[1::2]

    def classify(self, text: str, token: str, pos: int) -> tuple[Any, str, int, int]:
        """``(type, own text, its length, length)`` of the cut token ``token``, found at
        ``pos`` of ``text``: the type the root lexer gives it, and its text without the
        spaces cut with it.

        The type is :data:`_SPACE` for spaces that every state skips alike; None
        for a character no terminal matches and for a token that starts with a
        character outside ASCII (the first characters are known for ASCII only,
        so :meth:`_safe_types` vouches for none of them). Both depend on the
        token's text alone (:func:`_scannable`), so the parser keeps them by text.
        """
        m = self.root_match()(text, pos) if token and token[0] < "\x80" else None
        if m is None:
            return None, token, len(token), len(token)
        own = token[:m.end() - pos]
        kind = m.lastgroup
        if kind in self._blanks:
            kind = _SPACE
        elif kind in self._root_words:
            kind = self._root_words[kind].get(own, kind)
        found = kind, own, len(own), len(token)
        if own in self.kinds and len(token) - len(own) <= 4:
            # a keyword or punctuation with a few spaces: kept for every parse (their
            # number is bounded, unlike names and numbers)
            self.kinds[token] = found
        return found

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


def _scan_analysis(data: dict[str, Any]) -> dict[str, Any]:
    """How the root lexer may cut whole texts for the parser (see :class:`_Tables`): plain
    data, made with the tables (:func:`analyse_grammar`) from their lexers.

    ``SCAN_ORDER``: the root lexer's terminals in the order the scanner tries them
    (:func:`_scan_order`); empty when a pattern is outside what :func:`_scannable`
    vouches for, which turns the cut off. ``SAFE``: per lexer, the root lexer's token
    types it lexes alike (:func:`_safe_types`). ``BLANKS``: the ignored terminals
    without newlines that every state's lexer skips alike; ``TRAIL``: the one of them
    cut with the token before it, or None. ``SEEDS``: the type the root lexer gives the
    text of each string terminal and keyword, where that text is a whole token.
    """
    names_of, root = data["LEXERS"], data["ROOT_LEXER"]
    root_names, root_words = names_of[root][:2]
    patterns, first = data["PATTERNS"], data["FIRST_CHARS"]
    off = {"SCAN_ORDER": (), "SAFE": (), "BLANKS": (), "TRAIL": None, "SEEDS": {}}
    parsed = {name: _parsed(patterns[name]) for name in root_names}
    if any(items is None or not _plain(items) for items in parsed.values()):
        return off
    known: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}  # lexers alike
    safe = []
    for names, words, _ in names_of:
        key = (names, repr(sorted(words.items())))
        if key not in known:
            known[key] = tuple(sorted(_safe_types(data, names, words)))
        safe.append(known[key])
    by_state = [set(safe[i]) for i in data["STATE_LEXERS"]]
    ignore, newline_types = set(data["IGNORE"]), set(data["NEWLINE_TYPES"])
    blanks = tuple(sorted(kind for kind in ignore - newline_types
                          if all(kind in types for types in by_state)))
    # Spaces after a token are cut with it: one token fewer to look at. Only where the
    # root lexer itself takes them as those spaces (nothing before them in its order
    # can start with a character they start with).
    trail = None
    if len(blanks) == 1:
        (blank,) = blanks
        before = root_names[:root_names.index(blank)]
        if first[blank] is not None and all(
                first[n] is not None and not set(first[n]) & set(first[blank])
                for n in before):
            trail = blank
    order = _scan_order(root_names, patterns, first, parsed)
    scanner = re.compile("|".join(f"(?:{_without_groups(patterns[n])})" for n in order))
    if scanner.groups or scanner.match(""):
        return off
    root_match = re.compile("|".join(f"(?P<{n}>{patterns[n]})" for n in root_names)).match
    seeds = {}
    for word in sorted({*(data["TERMINALS"][n] for n in data["STRINGS"]),
                        *(w for ws in root_words.values() for w in ws)}):
        m = root_match(word)
        if m is not None and m.end() == len(word):
            kind = str(m.lastgroup)
            seeds[word] = root_words.get(kind, {}).get(word, kind)
    return {"SCAN_ORDER": tuple(order), "SAFE": tuple(safe), "BLANKS": blanks,
            "TRAIL": trail, "SEEDS": seeds}


def _scan_order(names: tuple[str, ...], patterns: dict[str, str],
                first: dict[str, str | None], parsed: dict[str, Any]) -> list[str]:
    """The root lexer's terminals in an order that cuts texts as its own order does,
    sooner.

    The regular expression engine tries the alternatives in turn; it passes over one
    that starts with a literal or a class at a glance, but enters any other (a repeat,
    a branch). So those come first and the others last, each moved only past terminals
    that cannot start with a character it starts with: where two could both match,
    they stay in their order, and at any ASCII character the first to match is the one
    the root lexer takes (a token that starts with another character is lexed by the
    state's lexer anyway).
    """
    codes, _ = _sre()

    def apart(a: str, b: str) -> bool:
        return first[a] is not None and first[b] is not None and \
            not set(first[a]) & set(first[b])  # type: ignore[arg-type]

    def glance(name: str) -> bool:
        items = parsed[name]
        return bool(items.data) and items.data[0][0] in (codes.LITERAL, codes.IN)

    after = {name: {other for other in names[:i] if not apart(other, name)}
             for i, name in enumerate(names)}  # what must stay before each
    rank = {name: (not glance(name), i) for i, name in enumerate(names)}
    order: list[str] = []
    while len(order) < len(names):
        ready = [n for n in names if n not in order and after[n] <= set(order)]
        order.append(min(ready, key=rank.__getitem__))
    return order


def _safe_types(data: dict[str, Any], names: tuple[str, ...],
                words: dict[str, dict[str, str]]) -> set[str]:
    """The root lexer's token types that the lexer of ``names`` lexes alike.

    A lexer tries its terminals in order and takes the first that matches. The root
    lexer found ``B`` at a place: a lexer that has ``B`` finds it there too, with the
    same text, if each terminal it tries before ``B`` either comes before ``B`` in the
    root lexer's order (so it did not match there) or cannot start with a character
    ``B`` starts with. It gives the same type if it turns the same names into
    keywords; a keyword of the root lexer is also given alike by a lexer that has the
    keyword's own terminal (``as`` where no name can follow a call), tried before
    anything that could start with its first letter.
    """
    root_names, root_words = data["LEXERS"][data["ROOT_LEXER"]][:2]
    rank = {name: i for i, name in enumerate(root_names)}
    first = {name: None if chars is None else frozenset(chars)
             for name, chars in data["FIRST_CHARS"].items()}
    strings, terminals = set(data["STRINGS"]), data["TERMINALS"]

    def beaten(earlier: tuple[str, ...], name: str, starts: frozenset[str] | None) -> bool:
        """Whether each of ``earlier`` fails where the root lexer found ``name``."""
        for other in earlier:
            if other in rank and name in rank and rank[other] < rank[name]:
                continue
            if starts is None or first[other] is None or first[other] & starts:
                return False
        return True

    safe: set[str] = set()
    for i, name in enumerate(names):
        if name not in rank or not beaten(names[:i], name, first[name]):
            continue
        mine, theirs = words.get(name, {}), root_words.get(name, {})
        if mine.items() <= theirs.items():  # a name it leaves a name, the root does
            safe.add(name)
        safe.update(kind for word, kind in theirs.items() if mine.get(word) == kind)
    for words_of in root_words.values():
        for word, kind in words_of.items():
            if kind in names and kind in strings and terminals[kind] == word \
                    and beaten(names[:names.index(kind)], kind, frozenset(word[0])):
                safe.add(kind)
    return safe


def _sre() -> tuple[Any, Any]:
    """The regular expression engine's constants and parser modules."""
    try:
        from re import _constants as codes
        from re import _parser as parser
    except ImportError:  # Python 3.10
        import sre_constants as codes  # type: ignore[no-redef]
        import sre_parse as parser  # type: ignore[no-redef]
    return codes, parser


def _parsed(pattern: str) -> Any:
    """``pattern`` parsed by the regular expression engine; None if it does not parse."""
    try:
        return _sre()[1].parse(pattern)
    except re.error:
        return None


def _scannable(pattern: str) -> bool:
    """Whether the root lexer may cut whole texts with ``pattern`` among its terminals.

    Its tokens are then taken by their text alone (:meth:`_Tables.classify`), which
    holds when a terminal that matched some text somewhere matches wherever that text
    starts: so no look-around, anchor, back-reference, atomic group or possessive
    repeat, only what :func:`_first_chars` also reads. Checked on the parsed pattern;
    anything else turns whole-text lexing off.
    """
    items = _parsed(pattern)
    return items is not None and _plain(items)


def _plain(items: Any) -> bool:
    """Whether parsed ``items`` are literals, classes, groups, branches and repeats only."""
    codes, _ = _sre()
    for op, arg in items:
        if op in (codes.LITERAL, codes.NOT_LITERAL, codes.IN, codes.ANY):
            continue
        if op is codes.SUBPATTERN:
            if not _plain(arg[3]):
                return False
        elif op is codes.BRANCH:
            if not all(_plain(branch) for branch in arg[1]):
                return False
        elif op in (codes.MAX_REPEAT, codes.MIN_REPEAT):
            if not _plain(arg[2]):
                return False
        else:
            return False
    return True


def _without_groups(pattern: str) -> str:
    """``pattern`` with its capturing groups made non-capturing, so that the scanner's
    one group is the whole token. Escapes and character classes are copied as they are."""
    out: list[str] = []
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif char == "[":  # a class, to its closing ']' (one first, or after '^', is literal)
            j = i + 1
            if pattern.startswith("^", j):
                j += 1
            if pattern.startswith("]", j):
                j += 1
            while j < size and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i:j + 1])
            i = j + 1
        elif char == "(" and pattern.startswith("?P<", i + 1):
            out.append("(?:")
            i = pattern.index(">", i) + 1
        elif char == "(" and not pattern.startswith("?", i + 1):
            out.append("(?:")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


@functools.cache
def _tables() -> _Tables:
    """The generated tables, or, if the grammar changed since, tables analysed now."""
    from netdsl.syntax import _lalr_tables

    text = grammar_text()
    # The grammar the tables were made from is stored whole: comparing texts is exact and
    # spares importing hashlib at every start (about 5 ms).
    if text != _lalr_tables.GRAMMAR:
        return _Tables(_Namespace(analyse_grammar(text)))
    return _Tables(_lalr_tables)


class _Namespace:
    def __init__(self, data: dict[str, Any]):
        self.__dict__.update(data)


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
    with (None: any). ``SCAN_ORDER``, ``SAFE``, ``BLANKS``, ``TRAIL`` and
    ``SEEDS``: how the parser may take tokens from one cut of the whole text
    (:func:`_scan_analysis`).
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
    data = {
        "GRAMMAR": text,
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
    data.update(_scan_analysis(data))
    return data


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
    # What re itself matches: \s also takes \x1c to \x1f, which a list of our own missed.
    categories = {
        category: {c for c in ascii_chars if re.match(escape, c)}
        for category, escape in ((codes.CATEGORY_DIGIT, r"\d"), (codes.CATEGORY_WORD, r"\w"),
                                 (codes.CATEGORY_SPACE, r"\s"))
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
        if name in ("ACTIONS", "RULES", "LEXERS", "SAFE"):
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

    Tokens come from the root lexer's cut of the whole text while the state's
    lexer would lex them alike (see :class:`_Tables`). The first branches of the
    loop take such a token that needs nothing but shifting (and a bracket, counting
    it), or spaces; the last does everything else: a newline, a token the state's
    lexer must lex itself, the tokens a newline made, the end.
    """
    tables = _tables()
    actions = tables.actions
    binding = _binding(tables, type(builder))
    rules, reductions, chains = binding.rules, binding.reductions, binding.chains
    b = builder
    safe = tables.safe
    special = tables.ignore | tables.newline_types | _OPEN | _CLOSE
    ignore = tables.ignore
    newline_types = tables.newline_types
    bound = _STACK_PER_LEVEL * limits.max_nesting + 64
    bracket_limit = limits.max_nesting

    # The root lexer's tokens (see _Tables.scan) are taken one by one while the next one
    # starts at pos; "" (of no type) comes instead while out of step with them, while
    # tokens a newline made are fed, and at the end.
    root = itertools.chain(itertools.chain.from_iterable(tables.cuts(text)),
                           itertools.repeat("")).__next__
    nothing = itertools.repeat("").__next__
    kinds = tables.kinds.copy()  # the one table the loop fills: the types of token texts
    pos, length, line = 0, len(text), 1
    # where the next token comes from, and while out of step, the end of the last root
    # token taken (with no root tokens, the end of the text: never in step)
    take, rpos = (root, 0) if tables.scan_on else (nothing, length)

    state = tables.start
    states = [state]
    values: list[Any] = []
    push_state, push_value = states.append, values.append
    base = -1  # the offset before the current line's first character: column = offset - base
    brackets = 0
    indents = [0]
    indent_text, indent = "", 0  # the last line's indentation, and its width
    queue: list[tuple[Any, Any]] = []  # tokens a newline made, last first
    after_queue = take  # where tokens come from once they are fed
    t = ""  # the type of the token being fed
    e: Any = None  # its entry
    # The last token lexed (the token before a lexer error) is (lexed_t, lexed_e) while
    # ``settled`` is the entry of the last token fed; when they differ, the last token fed
    # came from the first branches (which keep nothing else) and is the last lexed.
    lexed_t, lexed_e = "", ()
    settled = e
    # The first branches, only while the stack cannot outgrow the bound before the next
    # newline (see the end of the last branch).
    room = bound - len(states)
    if text.find("\n", pos, pos + room + 1) >= 0 or pos + room >= length:
        fast, opening, closing = tables.fast, tables.opening, tables.closing
    else:
        fast = opening = closing = tables.none
    while True:
        s = take()
        try:
            kind, own, width, skip = kinds[s]
        except KeyError:
            kind, own, width, skip = kinds[s] = tables.classify(text, s, pos)
        if kind in fast[state]:  # shifted as it is: no newline, bracket or space
            t = kind
            column = pos - base
            e = (own, line, column, line, column + width, 0)
            pos += skip  # and the spaces after it
        elif kind is _SPACE:  # spaces, which every state's lexer skips alike
            pos += skip
            continue
        elif kind in opening[state]:  # '(' or '[' as the first branch takes a token
            t = kind
            column = pos - base
            e = (own, line, column, line, column + width, 0)
            pos += skip
            brackets += 1
            if brackets > bracket_limit:
                raise _BracketDepthError(_token(text, t, e))
        elif kind in closing[state]:  # ')' or ']' likewise
            t = kind
            column = pos - base
            e = (own, line, column, line, column + width, 0)
            pos += skip
            if brackets:
                brackets -= 1
        else:
            if e is not settled:  # the last token was taken by the first branches
                lexed_t, lexed_e = t, e
                settled = e
            if queue:
                t, e = queue.pop()
                if e is None:
                    raise _IndentError(*t)
                settled = e
                if not queue:
                    take = after_queue
            elif pos < length:
                if take is root and kind in safe[state]:
                    end = pos + width
                    after = pos + skip  # and the spaces after it
                    value = own
                else:  # the state's own lexer decides
                    found = _lex_at(tables, text, pos, state)
                    if found is None:
                        raise _lex_error(tables, text, pos, base, state, lexed_t,
                                         lexed_e or None)
                    kind, end = found
                    if take is root:  # out of step until a root token starts at end
                        take, rpos = nothing, pos + skip
                    while rpos < end:
                        rpos += len(root())
                    if rpos == end:
                        take = root
                    after = end
                    value = text[pos:end]
                if kind in special:
                    if kind in newline_types and "\n" in value:
                        first_line, first_column = line, pos - base
                        line += value.count("\n")
                        base = pos + value.rindex("\n")
                        lexed = (value, first_line, first_column, line, end - base, 0)
                    else:
                        lexed = (value, line, pos - base, line, end - base, 0)
                    pos = after
                    if "\n" in value:
                        # A newline the loop may skip below (one inside brackets, a line
                        # continuation): the quick branches are allowed again only while
                        # the stack cannot outgrow the bound before the next newline. Where
                        # it could, the next token comes here and is checked below.
                        room = bound - len(states)
                        if text.find("\n", pos, pos + room + 1) >= 0 or pos + room >= length:
                            fast, opening, closing = tables.fast, tables.opening, tables.closing
                        else:
                            fast = opening = closing = tables.none
                    if kind in ignore:
                        continue
                    lexed_t, lexed_e = kind, lexed
                    if kind == "_NL":
                        if brackets:  # inside brackets a newline is only space
                            continue
                        if text[base + 1:end] != indent_text:
                            indent_text = text[base + 1:end]
                            indent = indent_text.count(" ") + indent_text.count("\t") * _TAB_LEN
                        if indent != indents[-1]:
                            _indentation(indent, indent_text, indents, lexed, queue)
                            after_queue, take = take, nothing  # the queued tokens first
                    elif kind in _OPEN:
                        brackets += 1
                        if brackets > bracket_limit:
                            raise _BracketDepthError(_token(text, kind, lexed))
                    elif kind in _CLOSE and brackets:
                        brackets -= 1
                    t, e = kind, lexed
                    settled = e
                else:
                    t = kind
                    e = (value, line, pos - base, line, end - base, 0)
                    pos = after
                    lexed_t, lexed_e = t, e
                    settled = e
            elif len(indents) > 1:  # the end of the text closes the open blocks
                indents.pop()
                where = lexed_e or ("", 0, 0, 0, 0, 0)
                t = "_DEDENT"
                e = settled = ("", where[1], where[2], where[3], where[4], 0)
            else:
                break
            # Before each token is fed the stack is held to the bound. The first branches
            # do not look: their tokens, each at least one character and without a newline
            # (which this branch lexes), add at most one entry each, so they are only taken
            # while the stack cannot outgrow the bound before the next newline.
            room = bound - len(states)
            if room < 0:
                raise _StackDepthError(_token(text, t, e))
            if text.find("\n", pos, pos + room + 1) >= 0 or pos + room >= length:
                fast, opening, closing = tables.fast, tables.opening, tables.closing
            else:
                fast = opening = closing = tables.none
        # feed the token: reduce as long as the state says so, then shift
        try:
            action = actions[state][t]
        except KeyError:
            raise _UnexpectedToken(_token(text, t, e), _expected(actions[state])) from None
        while action < 0:
            reduction = reductions[~action]
            if reduction is None:  # a chain of one-child reductions: one lookup, one build
                below = states[-2]
                try:
                    state, build, action = chains[below, state, t]
                except KeyError:
                    state, build, action = binding.chain(tables, below, state, t)
                    if action is None:
                        raise _UnexpectedToken(_token(text, t, e),
                                               _expected(actions[state])) from None
                if build is not None:
                    values[-1] = build(b, values[-1])
                states[-1] = state
            else:
                origin, size, build = reduction
                children = values[-size:]
                del values[-size:]
                del states[-size:]
                push_value(build(b, children))
                state = actions[states[-1]][origin]
                push_state(state)
                try:
                    action = actions[state][t]
                except KeyError:
                    raise _UnexpectedToken(_token(text, t, e),
                                           _expected(actions[state])) from None
        push_state(action)
        push_value(e)
        state = action

    # $END, placed where the last token fed was (``e`` is never an ignored token's)
    end_entry = ("", e[1], e[2], e[3], e[4], 0) if e is not None else ("", 1, 1, 1, 1, 0)
    while True:
        action = actions[state].get("$END")
        if action is None:
            raise _UnexpectedToken(_token(text, "$END", end_entry), _expected(actions[state]))
        assert action < 0, "$END is never shifted"
        origin, size, build = rules[~action]
        if size == 0:
            value = build(b, [])
        elif size == 1:
            value = values.pop() if build is None else build(b, values.pop())
            states.pop()
        else:
            children = values[-size:]
            del values[-size:]
            del states[-size:]
            value = build(b, children)
        state = actions[states[-1]][origin]
        states.append(state)
        values.append(value)
        if state == tables.end:
            return values[-1]


def _lex_at(tables: _Tables, text: str, pos: int, state: int) -> tuple[str, int] | None:
    """The token the lexer of ``state`` finds at ``pos``: ``(type, end)``; None if none."""
    char = text[pos]
    try:
        t, match, words = tables.dispatch[state][char]
    except KeyError:
        t, match, words = tables.first_use(state, char)
    if match is None:  # a terminal of this one character, the only one it starts
        return None if t is None else (t, pos + 1)
    m = match(text, pos)
    if m is None:
        return None
    end = m.end()
    if words is _BLANKS:
        return t, end
    if t is None:
        t = m.lastgroup
        if words is not None:
            words = words.get(t)
    if words is not None:
        t = words.get(text[pos:end], t)
    return t, end


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


class _Binding:
    """What each rule's reduction calls, for one builder class: made once, kept.

    ``rules`` gives ``(origin, length, build)`` per rule. ``build(builder,
    children)`` takes the parse's builder and the children (a list; the entry
    itself for a rule of one child) and returns the rule's entry; it is None
    for a unit rule. A ``call`` rule passes its kept children (entries; None
    for an absent optional; the entries of a spliced list) to the builder's
    method of the rule's name, after the children themselves; a few frequent
    shapes have a method of their own (:data:`_FAST`) that does the same in
    one call. ``chains`` keeps, per (state below, state, lookahead), where a
    chain of one-child reductions ends and the one build it makes (see
    :meth:`chain`). Nothing here depends on the parse, so every parse with a
    builder of the class shares it: a short text (a ``--set`` value) does not
    bind some 120 rules again.
    """

    def __init__(self, tables: _Tables, cls: type):
        self.cls = cls
        #: The tables of shortcuts it was made with (it is made again if they change).
        self.fast, self.composed = _FAST, _COMPOSED
        self.rules: list[tuple[str, int, Any]] = []
        for origin, size, kind, method, slots in tables.rules:
            if kind == "unit":
                build = None
            elif kind == "wrap":
                build = _wrap(slots[0])
            elif kind == "first":
                build = _list_first(size, slots[0])
            elif kind == "more":
                build = _list_more(size, slots[0])
            else:
                fast = _FAST.get((method, size, slots))
                if fast is not None:
                    build = getattr(cls, fast)
                else:
                    build = _call(getattr(cls, method), size, slots)
                    if size == 1:
                        build = _single(build)
            self.rules.append((origin, size, build))
        #: As ``rules``, but None for a rule of one child (its reductions go by ``chains``).
        self.reductions = [None if size == 1 else rule for rule in self.rules
                           for size in (rule[1],)]
        self.chains: dict[tuple[int, int, str], tuple[int, Callable | None, int]] = {}

    def chain(self, tables: _Tables, below: int, state: int,
              lookahead: str) -> tuple[int, Callable | None, int | None]:
        """The chain of one-child reductions at (below, state, lookahead): where it ends,
        what it builds (None: nothing, only unit rules) and the action that follows
        there (None: the lookahead is unexpected there, and nothing is kept).

        A known sequence of builds (``_COMPOSED``) becomes the method that does them
        all; any other sequence of several, one function that calls them in turn.
        """
        key = (below, state, lookahead)
        reached, reduced = tables.chains.get(key) or tables.chain(below, state, lookahead)
        builds = tuple(self.rules[r][2] for r in reduced)
        names = tuple(getattr(b, "__name__", "") for b in builds)
        if names in self.composed:
            builds = (getattr(self.cls, self.composed[names]),)
        build = None if not builds else builds[0] if len(builds) == 1 else _in_turn(builds)
        action = tables.actions[reached].get(lookahead)
        if action is not None:
            self.chains[key] = (reached, build, action)
        return reached, build, action


def _binding(tables: _Tables, cls: type) -> _Binding:
    """The reductions of ``tables`` bound to builder class ``cls``, made on first use."""
    found = tables.bindings.get(cls)
    if found is None or found.fast is not _FAST or found.composed is not _COMPOSED:
        found = tables.bindings[cls] = _Binding(tables, cls)
    return found


def _in_turn(builds: tuple[Callable, ...]) -> Callable:
    def build(b: Any, entry: tuple) -> tuple:
        for one in builds:
            entry = one(b, entry)
        return entry
    return build


def _single(build: Callable) -> Callable:
    return lambda b, entry: build(b, (entry,))


def _wrap(i: int) -> Callable:
    def build(b: Any, c: list) -> tuple:
        first, last = c[0], c[-1]
        return c[i][0], first[1], first[2], last[3], last[4], c[i][5]
    return build


def _list_first(size: int, i: int) -> Callable:
    if size == 1:
        return lambda b, e: ([e], e[1], e[2], e[3], e[4], e[5])
    if size == 2 and i == 1:  # (sep item)*: the shape of every list in the grammar
        def first_after(b: Any, c: list) -> tuple:
            sep, item = c
            return [item], sep[1], sep[2], item[3], item[4], item[5]
        return first_after

    def build(b: Any, c: list) -> tuple:
        first, last, item = c[0], c[-1], c[i]
        return [item], first[1], first[2], last[3], last[4], item[5]
    return build


def _list_more(size: int, i: int) -> Callable:
    if size == 3 and i == 2:  # list sep item
        def more_after(b: Any, c: list) -> tuple:
            first, _, item = c
            items = first[0]
            items.append(item)  # the list is this rule's alone: no two entries share one
            height = first[5] if first[5] > item[5] else item[5]
            return items, first[1], first[2], item[3], item[4], height
        return more_after
    if size == 2 and i == 1:  # list item
        def more_next(b: Any, c: list) -> tuple:
            first, item = c
            items = first[0]
            items.append(item)
            height = first[5] if first[5] > item[5] else item[5]
            return items, first[1], first[2], item[3], item[4], height
        return more_next

    def build(b: Any, c: list) -> tuple:
        first, item = c[0], c[i]
        items = first[0]
        items.append(item)  # the list is this rule's alone: no two entries share one
        last = c[-1]
        height = first[5] if first[5] > item[5] else item[5]
        return items, first[1], first[2], last[3], last[4], height
    return build


def _call(method: Callable, size: int, slots: tuple[int | None, ...]) -> Callable:
    """``build(b, c)`` calling the builder's ``method(b, c, *kept children)``."""
    if any(i is not None and i < 0 for i in slots):  # a spliced list: the general case
        def build(b: Any, c: Any) -> Any:
            args: list[Any] = []
            for i in slots:
                if i is None:
                    args.append(None)
                elif i < 0:
                    args.extend(c[-1 - i][0])
                else:
                    args.append(c[i])
            return method(b, c, *args)
        return build
    if None in slots:  # placeholders read the None put after the children
        get = itemgetter(*[size if i is None else i for i in slots])
        if len(slots) == 1:
            return lambda b, c: method(b, c, get([*c, None]))
        return lambda b, c: method(b, c, *get([*c, None]))
    if not slots:
        return method
    if len(slots) == 1:
        (i,) = slots
        return lambda b, c: method(b, c, c[i])
    get = itemgetter(*slots)
    return lambda b, c: method(b, c, *get(c))


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
        self.digits = limits.max_literal_digits
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
    #
    # They make nodes and spans with the makers of ``_maker`` (the same objects the
    # classes make, sooner), and read a token's place by unpacking it once.

    def number_token(self, token):
        text, line, column, end_line, end_column, _ = token
        span = _make_span(self.source, line, column, end_line, end_column)
        if len(text) > self.digits:
            limit = self.digits
            digits = sum(ch.isdigit() for ch in text)
            if digits > limit:
                self.errors.append(error(
                    "E501", f"a number of {digits:,} digits is too long", span,
                    hint=f"number literals have at most {limit} digits; "
                    "write a large number as an expression, such as 10**400"))
                return _make_num(0, span), line, column, end_line, end_column, 0
        if text.isdigit():  # digits only: no '.', 'e' or 'E'
            return _make_num(int(text), span), line, column, end_line, end_column, 0
        value = float(text)
        if not math.isfinite(value):
            self.errors.append(error(
                "E306", f"the number {text} is out of range", span,
                hint=f"floating-point numbers stop at about {_FLOAT_MAX:.3g}"))
        return _make_num(value, span), line, column, end_line, end_column, 0

    def string_token(self, token):
        text, line, column, end_line, end_column, _ = token
        span = _make_span(self.source, line, column, end_line, end_column)
        return _make_str(text[1:-1], span), line, column, end_line, end_column, 0

    def name_token(self, token):
        text, line, column, end_line, end_column, _ = token
        span = _make_span(self.source, line, column, end_line, end_column)
        return _make_name(text, span), line, column, end_line, end_column, 0

    def dotted_name(self, token):
        text, line, column, end_line, end_column, _ = token
        span = _make_span(self.source, line, column, end_line, end_column)
        return ((text,), span), line, column, end_line, end_column, 0

    def bare_call(self, dotted):
        (names, span), line, column, end_line, end_column, _ = dotted
        return _make_call(names, (), span, span), line, column, end_line, end_column, 0

    def bare_statement(self, token):
        text, line, column, end_line, end_column, _ = token
        span = _make_span(self.source, line, column, end_line, end_column)
        call = _make_call((text,), (), span, span)
        return (_make_stmt(call, None, None, span, None, None), line, column, end_line,
                end_column, 1)

    def call_with_args(self, c):
        dotted, _, args, last = c
        (names, name_span), line, column = dotted[:3]
        end_line, end_column = last[3], last[4]
        span = _make_span(self.source, line, column, end_line, end_column)
        return (_make_call(names, args[0], span, name_span), line, column, end_line,
                end_column, 1 + args[5])

    def bare_call_stmt(self, call):
        node, line, column, end_line, end_column, height = call
        # the statement's place is its call's
        return (_make_stmt(node, None, None, node.span, None, None), line, column, end_line,
                end_column, 1 + height)

    def one_arg(self, entry):
        a, line, column, end_line, end_column, height = entry
        if a.__class__ is not _Arg:  # a positional argument: placed as its value
            return (_make_arg(None, a, a.span, False),), line, column, end_line, end_column, \
                height + 1
        return (a,), line, column, end_line, end_column, height

    def args_list(self, c):
        first, more = c
        out = []
        height = 0
        for entry in (first, *more[0]):
            a = entry[0]
            level = entry[5]
            if a.__class__ is not _Arg:  # a positional argument: placed as its value
                a = _make_arg(None, a, a.span, False)
                level += 1
            if level > height:
                height = level
            out.append(a)
        return tuple(out), first[1], first[2], more[3], more[4], height

    def keyword_arg(self, c):
        name, _, value = c
        line, column = name[1], name[2]
        end_line, end_column = value[3], value[4]
        span = _make_span(self.source, line, column, end_line, end_column)
        return (_make_arg(name[0], value[0], span, False), line, column, end_line, end_column,
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
        node = _make_binary(op_text, left[0], right[0],
                            _make_span(source, left[1], left[2], right[3], right[4]),
                            _make_span(source, op[1], op[2], op[3], op[4]))
        inner = left[0]
        if inner.__class__ is _Binary and \
                _CHAIN_GROUP.get(inner.op, -1) == _CHAIN_GROUP[op_text]:
            height = left[5] if left[5] > right[5] else right[5] + 1  # a + b - c: length
        else:
            height = 1 + (left[5] if left[5] > right[5] else right[5])
        return node, left[1], left[2], right[3], right[4], height


def _maker(cls: type) -> Callable[..., Any]:
    """A function making an instance of the frozen attrs class ``cls`` from every field,
    in order: the object ``cls(...)`` makes, made about a third sooner.

    attrs' ``__init__`` of a frozen slotted class stores each field through
    ``object.__setattr__``, which looks the field up by name every time; the maker
    stores it through the field's slot (the class's own member descriptor) and skips
    the class call. The parser makes some 20 nodes and spans a line with them. It is
    only right for a class whose ``__init__`` does nothing but store its arguments, so
    that is checked here: a validator, converter, field left out of ``__init__`` or
    ``__attrs_pre_init__``/``__attrs_post_init__`` added to a class fails at import,
    never silently.
    """
    fields = attrs.fields(cls)
    odd = [f.name for f in fields if f.validator or f.converter or not f.init]
    if odd or hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__}: __init__ does more than store its fields ({odd})")
    slots = [cls.__dict__.get(f.name) for f in fields]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in slots):
        raise TypeError(f"{cls.__name__}: not a slotted class")
    params = ", ".join(f"a{i}" for i in range(len(fields)))
    body = "".join(f"    set{i}(o, a{i})\n" for i in range(len(fields)))
    code = f"def make_{cls.__name__}({params}):\n    o = new(cls)\n{body}    return o\n"
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    namespace.update((f"set{i}", slot.__set__) for i, slot in enumerate(slots))
    exec(code, namespace)  # as attrs and namedtuple make their methods
    return namespace[f"make_{cls.__name__}"]


_Arg, _Binary = ast.Arg, ast.Binary
_make_span = _maker(Span)  # (source, line, column, end_line, end_column)
_make_num = _maker(ast.Num)  # (value, span)
_make_str = _maker(ast.Str)  # (value, span)
_make_name = _maker(ast.Name)  # (id, span)
_make_call = _maker(ast.Call)  # (name, args, span, name_span)
_make_stmt = _maker(ast.CallStmt)  # (call, repeat, cond, span, label, label_span)
_make_arg = _maker(ast.Arg)  # (name, value, span, splat)
_make_binary = _maker(ast.Binary)  # (op, left, right, span, op_span)


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
