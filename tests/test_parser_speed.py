"""The parser's own engine, held to what Lark's LALR parser does with the same grammar.

netdsl/syntax/parser.py runs LALR tables generated from grammar/netdsl.lark with its own
loop: no parse tree, no Lark at run time. These tests check that it changed nothing but the
speed: the checked-in tables are the ones Lark computes from the grammar today; every AST
node's span is the one Lark's ``propagate_positions`` gives the tree node it was built from
(read off Lark's own tree, on every example and the standard library); every syntax error
stops at the token, with the expected terminals, that Lark's parser reports; the shortcuts
(one-call builders, the nesting bound) build and decide what the general code does. None
of them measures time: benchmarks/bench_parse.py does.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.indenter import Indenter

import netdsl
from netdsl.diagnostics import Source
from netdsl.limits import Limits
from netdsl.syntax import _lalr_tables, ast
from netdsl.syntax import parser as P

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("examples/*.net"), *ROOT.glob("examples/*/*.net"),
                  *ROOT.glob("netdsl/stdlib/*.net")])

#: Constructs the examples use little or not at all, so that every rule is built.
SNIPPETS = """\
import "lib/other.net"
let k = -2 ** 3 ** 2 + (4 - 1) * 5 // 2 % 3 - 1 / 2
def f(a, b=[1, 2, 3,], c=(1 if not true or false and true else 2)) = a[0].c(b)(*c,)
block b = conv(8, act=relu)
block u(c, k=3):
    conv(c, k)
net t(q=1.5e3, r="s"):
    input(8, 8, 3)
    x = conv(8) * 2 if 1 < 2 <= 3 != 4 as "a/b"
    y = add:
        | conv(4); relu
        |
            from x
            bn
        | conv(in.c)
    residual if q > 1:
        relu
    if q == 1:
        relu
    elif q >= 2:
        relu
    else:
        relu
    repeat 2:
        relu
    for i in [1, 2]:
        relu
    for a, b in [[1, 2]]:
        relu
    concat:
        |
        | std.conv(a=1,
                   b=[
                     2])
"""


class _Indent(Indenter):
    """Lark's indentation post-lexer as netdsl configures it (tabs are 8 columns)."""

    NL_type, OPEN_PAREN_types, CLOSE_PAREN_types = "_NL", ["LPAR", "LSQB"], ["RPAR", "RSQB"]
    INDENT_type, DEDENT_type, tab_len = "_INDENT", "_DEDENT", 8

    def handle_NL(self, token: Token):
        # As Lark's, but a wrong dedent raises with the newline it was found at.
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
                raise _WrongDedent(token.end_line, indent)


class _WrongDedent(Exception):
    def __init__(self, line: int, indent: int):
        self.args = (line, indent)


@pytest.fixture(scope="module")
def lark_parser() -> Lark:
    """Lark's own LALR parser of the grammar, building a tree with positions."""
    return Lark(P.grammar_text(), parser="lalr", lexer="contextual", postlex=_Indent(),
                propagate_positions=True, maybe_placeholders=True)


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---- the tables ---------------------------------------------------------------


def test_the_generated_tables_are_those_of_the_grammar(request: pytest.FixtureRequest) -> None:
    expected = P.generate_tables()
    if request.config.getoption("--update-golden") or os.environ.get("NETDSL_UPDATE_GOLDEN"):
        P.write_tables()
    assert P.tables_path().read_text(encoding="utf-8") == expected, (
        "netdsl/syntax/_lalr_tables.py is stale: run pytest tests/test_parser_speed.py "
        "--update-golden")
    assert P.grammar_text() == _lalr_tables.GRAMMAR


def test_a_grammar_changed_since_the_tables_is_analysed_at_start_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = SNIPPETS
    expected = dump(P.parse(text))
    P._tables.cache_clear()
    monkeypatch.setattr(_lalr_tables, "GRAMMAR", _lalr_tables.GRAMMAR + "\n// edited")
    try:
        assert P._tables().actions is not _lalr_tables.ACTIONS  # analysed again
        assert dump(P.parse(text)) == expected
    finally:
        monkeypatch.undo()
        P._tables.cache_clear()
    assert P._tables().actions is _lalr_tables.ACTIONS


def test_first_characters_include_every_character_a_terminal_can_start_with() -> None:
    """The lexer only tries, at a character, the terminals listed as starting with it."""
    import interegular

    tables = P._tables()
    checked = 0
    for name, first in tables.first_chars.items():
        if first is None:
            continue
        others = [chr(c) for c in range(128) if chr(c) not in first]
        starts_otherwise = "[" + "".join(f"\\x{ord(c):02x}" for c in others) + "][\\s\\S]*"
        terminal = interegular.parse_pattern(tables.patterns[name]).to_fsm()
        assert (terminal & interegular.parse_pattern(starts_otherwise).to_fsm()).empty(), name
        checked += 1
    assert checked >= 30
    assert tables.first_chars["NAME"] == "".join(sorted(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"))
    assert tables.first_chars["WS"] == "\t\x0c " and tables.first_chars["_NL"] == "\n\r#"


def test_no_lark_is_imported_to_compile() -> None:
    code = ("import sys, netdsl; netdsl.compile_file('examples/mobilenet_v2.net'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'interegular')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---- spans: as Lark's propagate_positions gives them --------------------------

#: The AST class each rule (or alias) of the grammar builds.
BUILDS = {
    "import_stmt": "Import", "net_def": "NetDef", "block_def": "BlockDef",
    "block_alias": "BlockAlias", "func_def": "FuncDef", "param": "Param",
    "call_stmt": "CallStmt", "assign": "Assign", "named_merge": "Assign", "let_stmt": "Let",
    "from_stmt": "From", "call": "Call", "merge": "Merge", "branch": "Branch",
    "residual": "Residual", "if_stmt": "If", "repeat_stmt": "Repeat", "for_stmt": "For",
    "number": "Num", "string": "Str", "name": "Name", "input_ref": "InputRef",
    "list": "ListExpr", "ifexp": "IfExp", "or_": "BoolOp", "and_": "BoolOp", "not_": "Not",
    "compare": "Compare", "binary": "Binary", "unary": "Unary", "power": "Binary",
    "funcall": "FunCall", "index": "Index", "attribute": "Attribute", "kwarg": "Arg",
    "splat": "Arg",
}


def place(x: Any) -> tuple[int, int, int, int]:
    return (x.line, x.column, x.end_line, x.end_column)


def spans_from_lark(tree: Tree) -> Counter:
    """The span of every AST node, read off Lark's tree: (class or part, place) counted."""
    out: Counter = Counter()
    for node in tree.iter_subtrees():
        data = node.data
        for child in node.children:
            # ``a or b or c`` (and comparison chains) nest in the tree, not in the AST.
            if isinstance(child, Tree) and child.data == data and child is node.children[0] \
                    and data in ("or_", "and_", "compare"):
                out[BUILDS[data], place(child.meta)] -= 1
        if data in BUILDS:
            out[BUILDS[data], place(node.meta)] += 1
        if data == "dotted":
            out["Call.name", place(node.meta)] += 1
        elif data == "binary":
            out["Binary.op", place(node.children[1])] += 1
        elif data == "power":
            out["Binary.op", place(node.meta)] += 1
        elif data == "attribute":
            out["Attribute.name", place(node.children[1])] += 1
        elif data == "label":
            out["CallStmt.label", place(node.children[0])] += 1
        elif data == "for_stmt":
            names = [c for c in node.children if isinstance(c, Token) and c.type == "NAME"]
            if len(names) > 1:  # each target is bound by a let placed on all the targets
                span = (names[0].line, names[0].column, names[-1].end_line,
                        names[-1].end_column)
                out["Unpack", span] += len(names)
    return +out


def spans_from_ast(module: ast.Module) -> Counter:
    out: Counter = Counter()

    def walk(value: Any) -> None:
        if isinstance(value, tuple):
            for item in value:
                walk(item)
            return
        if not attrs.has(value.__class__):
            return
        if isinstance(value, ast.Let) and isinstance(value.value, ast.FunCall) and \
                value.value.func == ast.Name(ast.UNPACK):
            out["Unpack", place(value.span)] += 1
            return
        kind = value.__class__.__name__
        if isinstance(value, ast.Arg) and value.name is None and not value.splat:
            assert value.span is value.value.span  # a positional argument is its value
        else:
            out[kind, place(value.span)] += 1
        for part in ("name_span", "op_span", "label_span"):
            span = getattr(value, part, None)
            if span is not None:
                out[f"{kind}.{part[:-5]}", place(span)] += 1
        for field in attrs.fields(value.__class__):
            if not field.name.endswith("span") and field.name != "source":
                walk(getattr(value, field.name))

    walk(module.items)
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_span_is_larks_propagated_position(path: Path, lark_parser: Lark) -> None:
    text = text_of(path)
    expected = spans_from_lark(lark_parser.parse(text))
    assert spans_from_ast(P.parse(text)) == expected
    assert sum(expected.values()) > 50


def test_every_rule_builds_with_larks_spans(lark_parser: Lark) -> None:
    module = P.parse(SNIPPETS)
    assert spans_from_ast(module) == spans_from_lark(lark_parser.parse(SNIPPETS))
    kinds = {kind for kind, _ in spans_from_ast(module) if "." not in kind}
    assert kinds == set(BUILDS.values()) | {"Unpack"}


# ---- the shortcuts build and decide what the general code does ------------------


def dump(value: Any) -> Any:
    """A node's fields and every span in it, as plain values."""
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    if attrs.has(value.__class__):
        if isinstance(value, ast.Module):
            return dump(value.items)
        fields = []
        for field in attrs.fields(value.__class__):
            item = getattr(value, field.name)
            if field.name == "source":
                continue
            fields.append((field.name, place(item) if field.name.endswith("span") and item
                           else dump(item)))
        return (value.__class__.__name__, fields)
    return value


def test_the_one_call_builders_build_what_the_general_ones_do(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [text_of(path) for path in SOURCES] + [SNIPPETS]
    fast = [dump(P.parse(text)) for text in texts]
    monkeypatch.setattr(P, "_FAST", {})
    monkeypatch.setattr(P, "_COMPOSED", {})
    assert [dump(P.parse(text)) for text in texts] == fast


def exact_depth(module: ast.Module) -> int:
    """The smallest nesting limit ``module`` passes, by the exact walk."""
    depth = 1
    while True:
        try:
            P._check_nesting(list(module.items), Limits(max_nesting=depth))
            return depth
        except netdsl.NetdslError:
            depth += 1


@pytest.mark.parametrize("text", [
    *[text_of(path) for path in SOURCES], SNIPPETS,
    "let x = " + " + ".join(["1"] * 50) + "\n",
    "let x = " + "f(" * 20 + "1" + ")" * 20 + "\n",
    "let x = " + "(" * 10 + "1" + " * 2)" * 10 + "\n",
    "let x = " + "[0][" * 10 + "0" + "]" * 10 + "\n",
    "let x = " + "1 if true else " * 15 + "2\n",
    "let x = a" + ".b(1)[2]" * 10 + "\n",
], ids=lambda t: t.split("\n", 1)[0][:30])
def test_the_nesting_bound_is_never_below_the_exact_depth(text: str) -> None:
    source = Source("t.net", text)
    limits = Limits()
    items, height = P._run(text, P._Builder(source, limits), limits)
    depth = exact_depth(ast.Module(tuple(items), source))
    assert height >= depth
    # so a limit below the depth is refused: the bound lets the walk decide
    if depth > 1:
        with pytest.raises(netdsl.NetdslError, match="nested deeper than"):
            P.parse(text, limits=Limits(max_nesting=depth - 1))


# ---- syntax errors: where Lark's parser stops -------------------------------------


def lark_stop(parser: Lark, text: str) -> tuple | None:
    """Where Lark's LALR parser stops on ``text`` (None: it parses), as comparable values."""
    interactive = parser.parse_interactive(text)
    try:
        last = None
        for token in interactive.iter_parse():
            last = token
        interactive.feed_eof(last)
    except UnexpectedCharacters as exc:
        return ("character", exc.line, exc.column, exc.char)
    except UnexpectedToken as exc:
        previous = exc.token_history[-1] if exc.token_history else None
        return ("token", token_of(exc.token), tuple(sorted(exc.expected)),
                token_of(previous) if previous else None)
    except _WrongDedent as exc:
        return ("indentation", *exc.args)
    return None


def token_of(token: Any) -> tuple:
    return (token.type, token.value, token.line, token.column, token.end_line,
            token.end_column, token.start_pos, token.end_pos)


def netdsl_stop(text: str) -> tuple | None:
    limits = Limits()
    try:
        P._run(text, P._Builder(Source("t.net", text), limits), limits)
    except P._UnexpectedCharacters as exc:
        return ("character", exc.line, exc.column, exc.char)
    except P._UnexpectedToken as exc:
        return ("token", token_of(exc.token), tuple(sorted(exc.expected)),
                token_of(exc.previous) if exc.previous else None)
    except P._IndentError as exc:
        return ("indentation", exc.line, exc.indent)
    return None


#: Pieces to break a source with: brackets, operators, keywords, strays.
PIECES = ["(", ")", "[", "]", ":", ",", ";", "=", "==", "*", "**", "-", "/", "<", ".", "|",
          " as ", ' as "x"', '"', "'", "\\\n", "\n", "\n    ", "\n\t", "  ", "#", "if", " else ",
          "not", "and", "in", "for", "repeat", "residual", "net", "block", "def", "let", "from",
          "import", "x", "1", "1e5", "ascii", "\x0b", "\u2028", "é", "\u0663", "@", "\f"]


def broken_sources(count: int, seed: int) -> list[str]:
    """``count`` sources made by cutting, inserting and re-indenting the examples."""
    rng = random.Random(seed)
    texts = [text_of(path) for path in SOURCES] + [SNIPPETS]
    out = []
    for _ in range(count):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(text) + 1)
            how = rng.randrange(4)
            if how == 0:
                text = text[:at] + rng.choice(PIECES) + text[at:]
            elif how == 1:
                text = text[:at] + text[at + rng.randint(1, 6):]
            elif how == 2:
                text = text[:at] + "\n"
            else:
                lines = text.split("\n")
                i = rng.randrange(len(lines))
                lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip()
                text = "\n".join(lines)
        out.append(text if text.endswith("\n") else text + "\n")
    return out


CASES = [
    "net t:\n    conv(8) ascii\n", "net t:\n    conv(8) as 3\n", "net t:\n    conv(8) as\n",
    "let net = 3\nnet t:\n    relu\n", "net t:\n    conv(8\n    relu\n", "net t:\n relu\n  relu\n",
    "net t:\n    relu\n  relu\n", "net t:\n\trelu\n        relu\n", "net t:\n    relu)\n",
    "net t:\n    conv('a')\n", "net t:\n    let x = \u0663 + 1\n    relu\n", "net t\n    relu\n",
    "net t:\nrelu\n", "", "\n\n", "net", "net t:\n    add\n        | relu\n",
    "net t:\n    x = 1 = 2\n", "net t:\n    relu if a = 1\n", "block b = conv(8) if\n",
    "import 3\n", "net t:\n    relu \\\n    \n", "net t:\n    [1\n",
]


@pytest.fixture(scope="module")
def plain_parser() -> Lark:
    """Lark's own LALR parser of the grammar, without positions (as the old parser ran)."""
    return Lark(P.grammar_text(), parser="lalr", lexer="contextual", postlex=_Indent(),
                maybe_placeholders=True)


@pytest.mark.parametrize("text", CASES + broken_sources(250, seed=7))
def test_a_syntax_error_stops_where_larks_parser_stops(text: str, plain_parser: Lark) -> None:
    """The token, the terminals the state expected and the token before: all as Lark's."""
    assert netdsl_stop(text) == lark_stop(plain_parser, text)
