"""Every construct of the language, checked through the canonical IR it produces."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lark import Lark

import netdsl
from netdsl.driver import elaborate_string
from netdsl.ir.printer import print_graph

ROOT = Path(__file__).resolve().parent.parent


def ir(source: str, **params) -> list[str]:
    """The IR lines (without the header and outputs) of ``source``, shapes included."""
    graph = elaborate_string(textwrap.dedent(source), params=params)
    return print_graph(graph).splitlines()[1:-1]


def names_and_shapes(source: str, **params) -> list[tuple[str, tuple[int, ...]]]:
    graph = elaborate_string(textwrap.dedent(source), params=params)
    return [(n.name, n.shape) for n in graph.nodes]


def test_grammar_is_conflict_free() -> None:
    from lark.indenter import Indenter

    class _Indent(Indenter):
        NL_type, OPEN_PAREN_types, CLOSE_PAREN_types = "_NL", ["LPAR", "LSQB"], ["RPAR", "RSQB"]
        INDENT_type, DEDENT_type, tab_len = "_INDENT", "_DEDENT", 8

    grammar = (ROOT / "grammar" / "netdsl.lark").read_text()
    Lark(grammar, parser="lalr", lexer="contextual", postlex=_Indent(), strict=True,
         start="start")


def test_comments_blank_lines_continuations_and_semicolons() -> None:
    assert ir("""
        # a comment
        net t:   # trailing comment

            input(8, 8,
                  3)            # continued inside brackets
            conv(4, 3); relu
    """) == ["input = input() shape=8x8x3 -> 8x8x3",
             "conv = conv(input) channels=4 kernel=3x3 padding=1 -> 8x8x4",
             "relu = relu(conv) -> 8x8x4"]


def test_parameters_defaults_and_overrides() -> None:
    source = "net t(c=4, size=8):\n    input(size, size, 3)\n    conv(c * 2, 3)\n"
    assert names_and_shapes(source)[-1] == ("conv", (8, 8, 8))
    assert names_and_shapes(source, c=3, size=10)[-1] == ("conv", (10, 10, 6))


def test_blocks_positional_keyword_defaults_and_block_path_names() -> None:
    assert names_and_shapes("""
        block unit(c, k=3, s=1):
            conv(c, k, s)
            relu
        net t:
            input(8, 8, 3)
            a = unit(4)
            b = unit(8, s=2, k=1)
    """) == [("input", (8, 8, 3)), ("a/conv", (8, 8, 4)), ("a/relu", (8, 8, 4)),
             ("b/conv", (4, 4, 8)), ("b/relu", (4, 4, 8))]


def test_partial_application_and_input_shape_inside_blocks() -> None:
    assert names_and_shapes("""
        block widen(c, factor=2, act=relu):
            conv(in.c * factor + c, 1)
            act
        block widen3 = widen(factor=3, act=sigmoid)
        net t:
            input(8, 8, 2)
            widen3(1)
    """)[-2:] == [("widen3/conv", (8, 8, 7)), ("widen3/sigmoid", (8, 8, 7))]


def test_let_functions_and_builtins() -> None:
    assert names_and_shapes("""
        def twice(x) = 2 * x
        net t(alpha=0.75):
            let c = make_div(twice(16) * alpha, 8)
            input(8, 8, 3)
            conv(c + int(sqrt(16)) + max(1, 2) + min([3, 4]) + len([1, 2]) + sum(range(3)))
            conv(round(2.5) + floor(1.5) + ceil(1.2) + abs(-1))
    """) == [("input", (8, 8, 3)), ("conv1", (8, 8, 24 + 4 + 2 + 3 + 2 + 3)),
             ("conv2", (8, 8, 2 + 1 + 2 + 1))]


def test_repetition_repeat_and_for() -> None:
    assert [n for n, _ in names_and_shapes("""
        net t:
            input(8, 8, 3)
            relu * 2
            repeat 2:
                sigmoid
            for c in [4, 8]:
                conv(c)
    """)] == ["input", "relu1", "relu2", "sigmoid1", "sigmoid2", "conv1", "conv2"]


def test_conditionals() -> None:
    source = """
        net t(deep=false, k=3):
            input(8, 8, 3)
            if deep:
                conv(4)
            elif k == 3:
                conv(5, k)
            else:
                conv(6)
            relu if deep
            conv(7 if deep else 9)
    """
    assert [s[-1] for _, s in names_and_shapes(source)] == [3, 5, 9]
    assert [s[-1] for _, s in names_and_shapes(source, deep=True)] == [3, 4, 4, 7]


def test_merges_branches_identity_and_residuals() -> None:
    graph = elaborate_string(textwrap.dedent("""
        net t:
            input(8, 8, 4)
            x = conv(4, 1)
            add:
                | conv(4, 3)
                | identity
            concat:
                | from x
                | conv(2, 1)
            mul:
                | gap
                  sigmoid
                |
            residual:
                relu
    """))
    merges = [(n.name, type(n.op).__name__, n.inputs, n.shape) for n in graph.nodes
              if type(n.op).__name__ in ("Add", "Concat", "Mul")]
    assert [(m[1], m[3]) for m in merges] == [("Add", (8, 8, 4)), ("Concat", (8, 8, 6)),
                                              ("Mul", (8, 8, 6)), ("Add", (8, 8, 6))]
    concat = merges[1]
    assert concat[2][0] == "x"  # `from x` continues from the named tensor


def test_imports_of_std_and_relative_user_files(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mine.net").write_text("block twice(c):\n    conv(c)\n    conv(c)\n")
    main = tmp_path / "main.net"
    main.write_text('import std\nimport "lib/mine.net"\nnet t:\n    input(8, 8, 3)\n'
                    "    cbr(4, 3)\n    twice(2)\n")
    result = netdsl.compile_file(main, passes=("infer-shapes", "annotate-cost"))
    assert [n.name for n in result.graph.nodes] == [
        "input", "cbr/conv", "cbr/bn", "cbr/relu", "twice/conv1", "twice/conv2"]


def test_mobilenet_v2_hierarchical_names() -> None:
    graph = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net",
                                passes=("infer-shapes", "annotate-cost")).graph
    node = graph["stage3/ir2/dw/conv"]
    assert node.shape == (28, 28, 192) and node.op.groups == 192
    assert [b for b, _ in node.blocks] == ["stage3", "stage3/ir2", "stage3/ir2/dw"]


def test_ir_text_is_deterministic_and_ignores_formatting() -> None:
    a = "net t:\n    input(8, 8, 3)\n    conv(4, 3)\n"
    b = "# same network\nnet t:\n  input( 8,8 , 3 )\n\n  conv(4,\n       3)\n"
    assert elaborate_string(a) == elaborate_string(b)
    assert print_graph(elaborate_string(a)) == print_graph(elaborate_string(b))


@pytest.mark.parametrize("source", ["", "net t:\n    conv(4)\n"])
def test_empty_or_inputless_networks_are_errors(source: str) -> None:
    with pytest.raises(netdsl.NetdslError):
        elaborate_string(source)


def test_for_unpacks_each_row_and_a_list_spreads_into_arguments() -> None:
    source = """import std
net T():
    input(16, 16, 8)
    for k, c, s in [[3, 16, 1], [5, 24, 2]]:
        cbr(c, k, s)
    for row in [[3, 32, 2]]:
        unit(*row)
    fc(max(*[3, 5, 4]))

block unit(k, c, s):
    cbr(c, k, s)
"""
    result = netdsl.compile_string(source, passes=("infer-shapes", "annotate-cost"))
    convs = [n for n in result.graph.nodes if n.name.endswith("conv")]
    assert [(n.op.kernel, n.op.stride, n.shape) for n in convs] == [
        ((3, 3), (1, 1), (16, 16, 16)), ((5, 5), (2, 2), (8, 8, 24)),
        ((3, 3), (2, 2), (4, 4, 32))]
    assert result.output_shape == (5,)


@pytest.mark.parametrize(("loop", "code", "message"), [
    ("for a, b in [[1, 2], [3]]:", "E301", "'for' unpacks each element into 2 names, got a "
     "list of 1"),
    ("for a, b in [5]:", "E304", "'for' unpacks each element into 2 names, got int 5"),
])
def test_for_unpacking_errors_point_at_the_names(loop: str, code: str, message: str) -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(f"net T():\n    input(4)\n    {loop}\n        fc(a)\n")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == (code, message)
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (3, 9, 13)


def test_spreading_something_else_than_a_list() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net T():\n    input(4)\n    fc(*3)\n")
    assert caught.value.diagnostics[0].message == "'*' spreads a list, got int 3"


def test_a_block_replacing_an_imported_one_gets_a_note() -> None:
    source = "import std\nnet T():\n    input(8, 8, 4)\n    cbr(8)\n\nblock cbr(c):\n    conv(c)\n"
    result = netdsl.compile_string(source, filename="t.net")
    (note,) = result.warnings
    assert (note.code, note.severity) == ("N204", "note")
    assert note.message == "block 'cbr' replaces the one imported from std"
    assert note.hint == "this file's calls use this definition; std.cbr calls the imported one"
    assert (note.span.line, note.span.column) == (6, 1)
    assert [n.name for n in result.graph.nodes] == ["input", "cbr/conv"]  # the local one


def test_a_let_or_a_second_import_replacing_a_name_gets_a_note(tmp_path: Path) -> None:
    (tmp_path / "lib.net").write_text("block cbr(c):\n    conv(c)\n")
    (tmp_path / "a.net").write_text("import std\nimport lib\nnet T():\n    input(4, 4, 2)\n"
                                    "    cbr(3)\n")
    (note,) = netdsl.compile_file(tmp_path / "a.net").warnings
    assert (note.code, note.message, note.hint) == (
        "N204", "'cbr' of lib replaces the one imported from std", "std.cbr still names std's")
    (tmp_path / "b.net").write_text("import std\nlet cbr = 3\nnet T():\n    input(4, 4, 2)\n"
                                    "    conv(cbr)\n")
    (note,) = netdsl.compile_file(tmp_path / "b.net").warnings
    assert note.message == "let 'cbr' replaces the one imported from std"
    assert (note.span.line, note.span.column) == (2, 1)
