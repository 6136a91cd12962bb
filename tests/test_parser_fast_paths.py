"""The parser's fast paths change nothing but the speed.

netdsl/syntax/parser.py takes most tokens from one cut of the whole text by the root lexer
(the one that knows every terminal) instead of lexing each with the lexer of the parser's
state, binds the rules' builders once per builder class instead of once per parse, and
makes the frequent nodes and spans with makers that skip attrs' ``__init__``. These tests
hold each to the plain way: the same ASTs, spans, errors and stops, token by token, on the
examples, the standard library, hand-made sources that make the two lexers differ, and
hundreds of broken and random sources. None of them measures time.
"""

from __future__ import annotations

import random
import re
from typing import Any

import attrs
import pytest
from lark import Lark
from test_parser_speed import (
    PIECES,
    SNIPPETS,
    SOURCES,
    _Indent,
    broken_sources,
    dump,
    lark_stop,
    netdsl_stop,
    text_of,
)

from netdsl.diagnostics import NetdslError, Source, Span
from netdsl.elaborate.elaborator import parse_param_value
from netdsl.limits import Limits
from netdsl.syntax import _lalr_tables, ast
from netdsl.syntax import parser as P

#: Sources on which the root lexer and a state's lexer cut differently, or nearly so:
#: keywords where only some states take them, a name glued to a keyword, '*' as STAR or
#: MUL_OP, '=' beside '==', numbers beside dots, spaces, tabs, form feeds, continuations,
#: comments, characters no terminal takes, non-ASCII text.
TRICKY = [
    "net t:\n    input(8, 8, 3)\n    conv(8) ifx > 1\n",
    "net t:\n    input(8, 8, 3)\n    conv(8)if x\n    relu ifnot x\n",
    "let in = 3\nlet not = 1\nlet x = in\n",
    "net t:\n    conv(8) ascii\n",
    "net t:\n    conv(8) as\"a\"\n    conv(8)as \"b\"; relu as \"c\"\n",
    "net t:\n    conv(8)*2\n    relu*3 if a else b\n    x = conv(*k)\n",
    "let x = .5 + 1.e3 * 2e-3 ** -1 - 1.5e+2 // 3 % 2\n",
    "let x = a.b.c(1)[2].d\nlet y = 1 .real\n",
    "let x = not_a and notb or nota\nlet y = not a\nlet z = a in b\n",
    "let x = [1,2,\n  3,\n\n    # a comment inside\n  4]\n",
    "let x = 1 + \\\n  2\nlet y = (1 \\\n + 2)\n",
    "net t:\n\tinput(1,1,1)\n\f\trelu\n\t\f bn\n",
    "net t:  # c\n    relu # d\n\n# e\n    bn\n    # f\n",
    "let x = 1==2!=3<=4>=5<6>7\nlet y = a = = b\n",
    "let x = a//b%c/d*e**f\nlet y = -+-x\n",
    "net t:\n    residual if x:\n        relu\n    residualx\n",
    "let x = 1 if y else 2\nlet y = 1if y else 2\nlet z = 1 if yelse 2\n",
    "net t:\n    add:\n        | conv(4); relu\n        | bn\n    y = concat:\n        |\n",
    "import \"a.net\"\nimport b\nimportc\n",
    "def f(a, b=2) = a*b\ndef g() = f(*[1, 2])\n",
    "net t:\n    for a, b in [[1, 2]]:\n        relu\n    for i in x:\n        bn\n",
    "let x = 1 @ 2\n", "let x = 'a'\n", "let x = \"abc\n", "let x = 1 $\n",
    "let s = \"é\"\nlet t = \"\u2028\"\n", "let é = 1\n", "let x = \u0663\n",
    "net t:\n    from x\n    fromx\n    x = from\n",
    "net t:\n    repeat 2:\n        relu\n    repeatx\n    let let = 1\n",
    "block b = conv(8, act=relu)\nblock c(d, e=[1, 2,]):\n    d(e)\n",
    "if x:\n    relu\nelif y:\n    bn\nelse:\n    relu\n",
    "net t:\n    if x:\n        relu\n    elif y:\n        bn\n    elsee:\n        relu\n",
    "net t:\n    x = conv(8) * 2 if 1 < 2 <= 3 != 4 as \"a/b\"\n",
    "let x = ((((1))))\nlet y = [[[]]]\nlet z = f()()\n",
    "net t:\n    conv(8,\n         3)\n      relu\n",
    "   \n\n  net t:\n    relu\n",
    "net t:\n    relu\n  bn\n", "net t:\n        relu\n    bn\n",
    "let x = 1\r\nlet y = 2\rlet z = 3\n",
    "\ufeffnet t:\n    relu\n", "net t:\n    relu\x0b\n", "net t:\n    relu \x0c\n",
    "let x = 1 +\n", "let x = (\n", "let x = ]\n", "net t:\n    conv(8))\n",
    "", "\n", "#\n", "\\\n", " ", "net t:\n    relu \\\n",
]


def random_sources(count: int, seed: int) -> list[str]:
    """``count`` sources of random pieces (keywords, operators, brackets, names, spaces)."""
    rng = random.Random(seed)
    words = [*PIECES, "conv", "(8)", "relu", "x = ", "net t:\n    ", " ", "\t", "    ", "elif",
             "else", "or", "not ", "1.5", ".", "**", "//", "%", "!=", ">=", "|"]
    out = []
    for _ in range(count):
        text = "net t:\n    " + "".join(rng.choice(words) for _ in range(rng.randint(1, 14)))
        out.append(text if text.endswith("\n") else text + "\n")
    return out


ALL = ([text_of(path) for path in SOURCES] + [SNIPPETS] + TRICKY
       + broken_sources(400, seed=11) + random_sources(400, seed=5))


def outcome(text: str) -> Any:
    """What parsing ``text`` gives: its AST with every span, or its error as tools see it."""
    try:
        return dump(P.parse(text, "t.net"))
    except NetdslError as exc:
        return exc.to_dict()


@pytest.fixture
def lexing_each_token(monkeypatch: pytest.MonkeyPatch):
    """Turn the root lexer's cut off: every token is lexed by its state's lexer."""
    tables = P._tables()

    def off() -> None:
        monkeypatch.setattr(tables, "_split", None)

    return off


# ---- the root lexer's cut: what the state's lexers give ----------------------------


def test_the_whole_text_is_cut_by_one_call() -> None:
    """Spaces after a token are cut with it; ``classify`` tells the token's own text."""
    tables = P._tables()
    assert tables.scan("net t:\n    conv(16, 3, bias=false); bn\n") == [
        "net ", "t", ":", "\n    ", "conv", "(", "16", ", ", "3", ", ", "bias", "=", "false",
        ")", "; ", "bn", "\n"]
    assert tables.classify("x, 3", ", ", 1) == ("COMMA", ",", 1, 2)
    assert tables.classify("let x", "let ", 0) == ("LET", "let", 3, 4)
    assert tables.classify("let x", "x", 4) == ("NAME", "x", 1, 1)
    assert tables.classify("  x", "  ", 0) == (P._SPACE, "  ", 2, 2)
    # a character no terminal takes is a token of its own (with its spaces), of no type
    assert tables.scan("a @ 'b'\n") == ["a ", "@ ", "'", "b", "'", "\n"]
    assert tables.classify("a @ b", "@ ", 2) == (None, "@ ", 2, 2)
    # outside ASCII the state's lexer decides
    assert tables.classify("é", "é", 0) == (None, "é", 1, 1)


def test_the_token_types_kept_for_every_parse_stay_few() -> None:
    """Only keywords and punctuation (with a few spaces) are kept between parses: names
    and numbers, which any text may hold without end, are kept for one parse only."""
    tables = P._tables()
    for text in ALL:
        outcome(text)
    outcome("let " + ", ".join(f"name{i} = {i}.5" for i in range(500)) + "\n")
    words = {tables.terminals[n] for n in tables.strings} | {
        w for ws in tables._root_words.values() for w in ws} | {""}
    for token in tables.kinds:
        own = tables.kinds[token][1]
        assert own in words and len(token) - len(own) <= 4 and not token[len(own):].strip(
            " \t\f"), token
    assert len(tables.kinds) < 1000


def test_a_text_is_cut_a_part_at_a_time_as_at_once() -> None:
    """However many tokens a part holds, the parts join into the cut of the whole text."""
    tables = P._tables()
    for text in ALL[:300]:
        whole = tables.scan(text)
        assert "".join(whole) == text
        for size in (1, 2, 3, 7, 100):
            parts = list(tables.cuts(text, size))
            assert all(len(part) == size for part in parts[:-1])
            assert [token for part in parts for token in part] == whole


@pytest.mark.parametrize("text", ALL, ids=lambda t: t.split("\n", 1)[0][:30])
def test_parsing_with_the_cut_is_parsing_token_by_token(text: str, lexing_each_token) -> None:
    """The same AST and spans, or the same error; the same stop, token and expected set."""
    fast = outcome(text), netdsl_stop(text if text.endswith("\n") else text + "\n")
    lexing_each_token()
    assert (outcome(text), netdsl_stop(text if text.endswith("\n") else text + "\n")) == fast


DEEP = [
    "let x = " + "- " * 120 + "1\n",
    "let x = " + "-" * 200 + "1\n",
    "let x = " + "not " * 90 + "1\n",
    "let x = " + "(" * 30 + "1" + ")" * 30 + "\n",
    "let x = " + "[" * 30 + "]" * 30 + "\n",
    "let x = " + "f(" * 30 + ")" * 30 + "\n",
    "let x = " + "2 ** " * 60 + "2\n",
    "let x = " + "1 if 2 else " * 40 + "3\n",
    "let x = " + "- \\\n" * 60 + "1\n",
    "let x = [" + "- \n" * 60 + "1]\n",
    "let x = [\n" + "- " * 100 + "1]]\n",  # deep on the line after a newline in brackets
    "let x = \\\n" + "- " * 100 + "1 @\n",  # ... after a line continuation
    "net t:\n" + "".join("    " * i + "repeat 2:\n" for i in range(1, 30)) + "    " * 30 + "relu\n",
]


@pytest.mark.parametrize("nesting", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("text", DEEP, ids=lambda t: t[8:24])
def test_the_stack_bound_stops_at_the_same_token(text: str, nesting: int,
                                                  lexing_each_token) -> None:
    """Only the last branch of the loop looks at the stack; it stops deep input where a
    look before every token stops it."""
    limits = Limits(max_nesting=nesting)

    def stop() -> Any:
        try:
            return dump(P.parse(text, "t.net", limits))
        except NetdslError as exc:
            return exc.to_dict()

    fast = stop()
    lexing_each_token()
    assert stop() == fast
    if nesting <= 2 and "repeat" not in text:
        assert fast["diagnostics"][0]["code"] == "E501"


@pytest.mark.parametrize(("text", "nesting", "expected"), [
    ("let x = [\n" + "- " * 100 + "1]]\n", 2, ("E501", 2, 185)),
    ("let x = \\\n" + "- " * 100 + "1 @\n", 2, ("E501", 2, 187)),
    ("let x = [\n" + "-" * 100_000 + "1]\n", 2, ("E501", 2, 93)),
    ("let x = [\n" + "- " * 100 + "1]]\n", 100, ("E105", 2, 203)),
    ("let x = [\n" + "-" * 100_000 + "1]\n", 100, ("E501", 2, 1661)),
])
def test_deep_input_after_a_skipped_newline_stops_where_it_always_did(
        text: str, nesting: int, expected: tuple[str, int, int]) -> None:
    """A newline the loop skips (inside brackets, or a line continuation) does not let the
    next line run past the stack's bound unchecked: the stops are those of a look before
    every token (the parser before its quick branches), and a long deep line stops early."""
    with pytest.raises(NetdslError) as info:
        P.parse(text, "t.net", Limits(max_nesting=nesting))
    first = info.value.diagnostics[0]
    assert (first.code, first.span.line, first.span.column) == expected


def test_the_tricky_sources_take_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most of them do reach the state's own lexer, and some of them parse."""
    lexed: list[int] = []
    original = P._lex_at

    def spy(*args: Any) -> Any:
        lexed.append(args[2])
        return original(*args)

    monkeypatch.setattr(P, "_lex_at", spy)
    reached = parsed = 0
    for text in TRICKY:
        lexed.clear()
        try:
            P.parse(text)
            parsed += 1
        except NetdslError:
            pass
        reached += bool(lexed)
    assert reached >= len(TRICKY) // 2 and parsed >= 15
    # ``ifx`` after a call is ``if x`` (no name may follow a call), as with Lark
    stmt = P.parse(TRICKY[0]).items[0].body[1]
    assert isinstance(stmt, ast.CallStmt) and stmt.cond == ast.Compare(
        (ast.Name("x"), ast.Num(1)), (">",))
    # ``let in = 3``: where only a name may follow, ``in`` is a name
    assert P.parse(TRICKY[2]).items[0] == ast.Let("in", ast.Num(3))


@pytest.fixture(scope="module")
def plain_parser() -> Lark:
    return Lark(P.grammar_text(), parser="lalr", lexer="contextual", postlex=_Indent(),
                maybe_placeholders=True)


@pytest.mark.parametrize("text", TRICKY + random_sources(200, seed=9),
                         ids=lambda t: t.split("\n", 1)[0][:30])
def test_the_tricky_and_random_sources_stop_where_larks_parser_stops(
        text: str, plain_parser: Lark) -> None:
    text = text if text.endswith("\n") else text + "\n"
    assert netdsl_stop(text) == lark_stop(plain_parser, text)


#: A grammar whose states' lexers differ more: keywords that are prefixes of each other
#: ("i", "in", "import", "is"), states with a keyword and no name, "*" beside "**", a
#: number that may start with the dot that is also a terminal of its own.
PROVOKING = r'''
start: _NL? (stmt _NL)*
stmt: "let" NAME "=" expr
    | "in" NUMBER
    | "import" STRING
    | "i" NAME
    | NAME "in" NAME
    | "if" expr "is" expr
    | "**" expr
expr: NUMBER | NAME | expr "**" expr | expr "*" expr | "(" expr ")" | "-" expr | expr "." NAME
NAME: /[a-z_][a-z_0-9]*/
NUMBER: /\d+(\.\d+)?|\.\d+/
STRING: /"[^"\n]*"/
_NL: /(\r?\n[\t ]*)+/
WS: /[\t \f]+/
%ignore WS
%declare _INDENT _DEDENT
'''


def check_safe_claims(tables: P._Tables, texts: list[str]) -> int:
    """At every root token of ``texts`` (each distinct place once), every state whose
    lexer is said to lex that token alike does (same type, same end), and every state
    skips the spaces cut with it as the root lexer does. Returns the checks made."""
    (blank,) = tables._blanks
    seen: set[str] = set()
    checked = 0
    for text in texts:
        pos = 0
        for token in tables.scan(text):
            window = text[pos:pos + len(token) + 8]
            kind, own, width, skip = tables.classify(text, token, pos)
            assert (own, width, skip) == (token[:width], len(own), len(token))
            for state, safe in enumerate(tables.safe):
                if window in seen:
                    break
                if kind is P._SPACE or kind in safe:
                    expected = blank if kind is P._SPACE else kind
                    found = P._lex_at(tables, text, pos, state)
                    assert found == (expected, pos + width), (state, text[pos:pos + 20])
                    checked += 1
                if skip > width:
                    found = P._lex_at(tables, text, pos + width, state)
                    assert found == (blank, pos + skip), (state, text[pos:pos + 20])
            seen.add(window)
            pos += skip
    return checked


def test_where_a_state_takes_the_root_lexers_token_its_own_lexer_gives_it() -> None:
    """The claims the cut rests on (``_Tables.safe``), checked state by state."""
    texts = [text_of(path) for path in SOURCES] + [SNIPPETS] + TRICKY + random_sources(
        300, seed=3)
    assert check_safe_claims(P._tables(), texts) > 50_000


def test_the_claims_hold_for_a_grammar_made_to_provoke_them() -> None:
    tables = P._Tables(P._Namespace(P.analyse_grammar(PROVOKING)))
    assert tables.scan("let x = 1\n") == ["let ", "x ", "= ", "1", "\n"]
    rng = random.Random(4)
    words = ["let", "in", "import", "i", "is", "if", "inx", "ifs", "x", "in_", "=", "**", "*",
             "(", ")", "-", ".", ".5", "1.5", "2", '"s"', '"', " ", "\t", "\n", "\n  ", "@"]
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(1, 12))) + "\n"
             for _ in range(600)]
    assert check_safe_claims(tables, texts) > 10_000
    # where no name can follow, ``inx`` is not taken as the name it is at the root
    state = next(i for i, safe in enumerate(tables.safe) if "IN" in safe and "NAME" not in safe)
    assert P._lex_at(tables, "inx\n", 0, state) == ("IN", 2)


def test_the_reordered_cut_is_the_root_lexers_own() -> None:
    """The scanner tries the terminals in another order; at each token it takes what the
    root lexer's alternation, in Lark's order, takes there, then the spaces the root lexer
    takes next, if any."""
    tables = P._tables()
    root = tables.root_match()
    (blank,) = tables._blanks
    checked = 0
    for text in ALL:
        pos = 0
        for token in tables.scan(text):
            m = root(text, pos)
            if m is None:
                own = token[:1]
            elif token[0] < "\x80":  # (the state's lexer lexes any other token itself)
                own = m.group()
                checked += 1
            else:
                own = token
            assert token.startswith(own)
            if len(token) > len(own):
                spaces = root(text, pos + len(own))
                assert spaces.lastgroup == blank and spaces.group() == token[len(own):]
            pos += len(token)
        assert pos == len(text)
    assert checked > 10_000


def test_a_pattern_outside_what_the_cut_vouches_for_turns_it_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = P.analyse_grammar(P.grammar_text())
    assert {k: data[k] for k in ("SCAN_ORDER", "SAFE", "BLANKS", "TRAIL", "SEEDS")} == {
        k: getattr(_lalr_tables, k) for k in ("SCAN_ORDER", "SAFE", "BLANKS", "TRAIL", "SEEDS")}
    monkeypatch.setattr(P, "_plain", lambda items: False)
    off = P._scan_analysis(data)
    assert off["SCAN_ORDER"] == () and off["SAFE"] == () and off["TRAIL"] is None
    monkeypatch.undo()
    texts = [text_of(path) for path in SOURCES[:5]] + TRICKY
    expected = [outcome(text) for text in texts]
    tables = P._Tables(P._Namespace({**data, **off}))
    assert not tables.scan_on and tables.scan("net t:\n") == [] and not any(tables.safe)
    monkeypatch.setattr(P, "_tables", lambda: tables)
    assert [outcome(text) for text in texts] == expected


@pytest.mark.parametrize(("pattern", "plain"), [
    ("[A-Za-z_][A-Za-z0-9_]*", True), (r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", True),
    ('"[^"\\n]*"', True), (r"(#[^\n]*)?(\r?\n[\t ]*(#[^\n]*)?)+", True),
    ("a(?=b)", False), ("a(?!b)", False), ("(?<=a)b", False), ("^a", False), ("a$", False),
    (r"\ba", False), (r"(a)\1", False), ("(?>a+)", False), ("a++", False), ("(", False),
])
def test_which_patterns_the_cut_vouches_for(pattern: str, plain: bool) -> None:
    assert P._scannable(pattern) is plain


@pytest.mark.parametrize(("pattern", "expected"), [
    ("(a)(?:b)(?P<n>c)", "(?:a)(?:b)(?:c)"),
    (r"[(]\((x)", r"[(]\((?:x)"),
    ("[]()](y)", "[]()](?:y)"),
    ("[^](](z)", "[^](](?:z)"),
    (r"[\](](w)", r"[\](](?:w)"),
    ("(?i:a)(b)", "(?i:a)(?:b)"),
])
def test_capturing_groups_are_made_non_capturing(pattern: str, expected: str) -> None:
    assert P._without_groups(pattern) == expected
    assert re.compile(expected).groups == 0


def test_every_terminal_matches_alike_without_its_groups() -> None:
    tables = P._tables()
    samples = [text_of(path) for path in SOURCES] + TRICKY
    for name, pattern in tables.patterns.items():
        before, after = re.compile(pattern), re.compile(P._without_groups(pattern))
        assert after.groups == 0, name
        for text in samples:
            for pos in range(0, len(text), 3):
                m, n = before.match(text, pos), after.match(text, pos)
                assert (m and m.end()) == (n and n.end()), (name, text[pos:pos + 10])


# ---- the rules bound once per builder class ----------------------------------------


def test_the_rules_are_bound_once_per_builder_class() -> None:
    tables = P._tables()
    P.parse("let x = 1\n")
    binding = P._binding(tables, P._Builder)
    P.parse("let x = [3, 4, 6, 3]\n")
    assert P._binding(tables, P._Builder) is binding
    assert len(binding.rules) == len(tables.rules)
    assert binding.chains  # the chains met so far, kept for the next parse

    class Other(P._Builder):
        pass

    assert P._binding(tables, Other) is not binding
    assert P._binding(tables, Other) is P._binding(tables, Other)


def test_a_binding_made_with_other_shortcuts_is_made_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tables = P._tables()
    binding = P._binding(tables, P._Builder)
    monkeypatch.setattr(P, "_FAST", {})
    assert P._binding(tables, P._Builder) is not binding
    monkeypatch.undo()
    assert P._binding(tables, P._Builder).fast is P._FAST


def test_shared_bindings_give_the_same_asts_in_any_order() -> None:
    """Chains and rules kept from earlier parses build what a first parse builds."""
    texts = [text_of(path) for path in SOURCES] + [SNIPPETS] + TRICKY
    forward = [outcome(text) for text in texts]
    P._tables().bindings.clear()
    backward = [outcome(text) for text in reversed(texts)]
    assert backward[::-1] == forward


def test_a_subclass_of_the_builder_builds_with_its_own_methods() -> None:
    class Counting(P._Builder):
        made = 0

        def number_token(self, token):
            Counting.made += 1
            return super().number_token(token)

    text = "let x = 1 + 2 * 3\n"
    source, limits = Source("t.net", text), Limits()
    items, _ = P._run(text, Counting(source, limits), limits)
    assert Counting.made == 3
    assert dump(list(items)) == dump(list(P.parse(text).items))


@pytest.mark.parametrize(("text", "value"), [
    ("[3, 4, 6, 3]", (3, 4, 6, 3)), ("1.5", 1.5), ("-1", -1), ("2 ** 3", 8), ("true", True),
    ('"stem/conv"', "stem/conv"), ("[[1, 2], [3]]", ((1, 2), (3,))), ("1e3", 1000.0),
    (" 7 ", 7), ("(1 + 2) * 3", 9), ("none", None),
])
def test_parse_param_value_still_reads_every_kind_of_value(text: str, value: Any) -> None:
    for _ in range(3):  # the binding and its chains kept between the calls
        got = parse_param_value(text, "p")
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["1.4.2", "a b", "[1, 2", "in", "conv(8)", "'x'", "1" * 101])
def test_parse_param_value_still_refuses_what_is_not_a_value(text: str) -> None:
    with pytest.raises(NetdslError) as info:
        parse_param_value(text, "p")
    assert info.value.diagnostics[0].code == "E309"


# ---- the makers: the objects the classes make ----------------------------------------

MADE = [
    (P._make_span, Span, ("SRC", 1, 2, 3, 4)),
    (P._make_num, ast.Num, (1.5, "SPAN")),
    (P._make_str, ast.Str, ("s", "SPAN")),
    (P._make_name, ast.Name, ("x", "SPAN")),
    (P._make_call, ast.Call, (("std", "conv"), ("A",), "SPAN", "NAME_SPAN")),
    (P._make_stmt, ast.CallStmt, ("CALL", None, "COND", "SPAN", "label", "LABEL_SPAN")),
    (P._make_arg, ast.Arg, ("k", "V", "SPAN", True)),
    (P._make_binary, ast.Binary, ("+", "L", "R", "SPAN", "OP_SPAN")),
]


@pytest.mark.parametrize(("make", "cls", "values"), MADE, ids=lambda x: getattr(x, "__name__", ""))
def test_a_maker_makes_what_its_class_makes(make: Any, cls: type, values: tuple) -> None:
    source = Source("t.net", "x\n")
    values = tuple(source if v == "SRC" else v for v in values)
    made, expected = make(*values), cls(*values)
    assert type(made) is cls
    names = [f.name for f in attrs.fields(cls)]
    assert [getattr(made, n) for n in names] == [getattr(expected, n) for n in names]
    assert made == expected and hash(made) == hash(expected) and repr(made) == repr(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.span = None  # type: ignore[misc]


def test_a_maker_refuses_a_class_whose_init_does_more() -> None:
    @attrs.frozen
    class Checked:
        value: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen
    class Converted:
        value: int = attrs.field(converter=int)

    @attrs.frozen
    class After:
        value: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen(slots=False)
    class Unslotted:
        value: int

    for cls in (Checked, Converted, After, Unslotted):
        with pytest.raises(TypeError):
            P._maker(cls)
    assert P._maker(ast.Num)(1, None) == ast.Num(1)


@pytest.mark.parametrize(("pattern", "chars"), [
    (r"\s+", "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "),  # \x1c-\x1f too, as re matches them
    (r"\d+", "0123456789"),
    (r"[ab]\w*", "ab"),
    (r"(?:\w|-)", "".join(sorted({chr(c) for c in range(128) if re.match(r"\w", chr(c))}
                                 | {"-"}))),
])
def test_first_characters_are_what_re_matches(pattern: str, chars: str) -> None:
    """The lexing analysis trusts these sets to be complete: each is what re matches."""
    assert P._first_chars(pattern) == chars
