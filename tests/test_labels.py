"""Layer labels: ``call as "LABEL"`` names the layer (docs/language.md, "Layer names").

A label replaces the statement's local name (the assigned name, else the layer's
or block's), verbatim, so that a tool writing netdsl (an ONNX importer) can keep
node names such as ``/features/features.0/Conv``. It is counted like any other
name, and a bad label is E306 at the label.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import netdsl
from netdsl.cli import main
from netdsl.diagnostics import Source, Span
from netdsl.driver import elaborate_string
from netdsl.syntax import ast
from netdsl.syntax.parser import _check_label, parse

ROOT = Path(__file__).resolve().parent.parent

STEM = "net t:\n    input(8, 8, 3)\n"


def names(source: str, **params) -> list[str]:
    graph = elaborate_string(textwrap.dedent(source), params=params)
    return [node.name for node in graph.nodes]


def graph_of(source: str):
    return elaborate_string(textwrap.dedent(source))


def rendered(source: str) -> str:
    with pytest.raises(netdsl.NetdslError) as caught:
        elaborate_string(source, filename="t.net")
    return caught.value.render(color=False)


def located(source: str) -> tuple[str, int, int, str]:
    with pytest.raises(netdsl.NetdslError) as caught:
        elaborate_string(source, filename="t.net")
    diag = caught.value.diagnostics[0]
    return diag.code, diag.span.line, diag.span.column, diag.message


# ---- names -------------------------------------------------------------------


def test_top_level_label_is_the_name_verbatim() -> None:
    assert names("""
        net t:
            input(8, 8, 3)
            conv(32, 3, 2) as "/features/features.0/features.0.0/Conv"
            relu as "act:0"
            gap as "pool 1 (global)"
            fc(10) as "classifier.1"
    """) == ["input", "/features/features.0/features.0.0/Conv", "act:0", "pool 1 (global)",
             "classifier.1"]


def test_label_inside_a_block_is_prefixed_by_the_instance_path() -> None:
    assert names("""
        block unit(c):
            conv(c, 3) as "/Conv"
            relu as "act.0"
        net t:
            input(8, 8, 3)
            unit(4)
            stage = unit(8)
    """) == ["input", "unit//Conv", "unit/act.0", "stage//Conv", "stage/act.0"]


def test_label_names_the_layer_and_the_assigned_name_the_tensor() -> None:
    graph = graph_of("""
        net t:
            input(8, 8, 3)
            x = conv(16, 1) as "stage2/ir1/project"
            relu
            add(x)
            from x
            conv(4)
    """)
    assert [n.name for n in graph.nodes] == [
        "input", "stage2/ir1/project", "relu", "add", "conv"]
    assert graph["add"].inputs == ("relu", "stage2/ir1/project")
    assert graph["conv"].inputs == ("stage2/ir1/project",)


def test_repeated_label_is_numbered_like_any_repeated_name() -> None:
    assert names(STEM + '    relu * 2 as "act"\n') == ["input", "act1", "act2"]
    # The same label on two statements, and a label equal to an unlabelled name.
    assert names(STEM + '    conv(4) as "c"\n    relu\n    conv(4) as "c"\n'
                 '    relu as "relu"\n') == ["input", "c1", "relu1", "c2", "relu2"]
    # A label that ends in a digit is numbered after an underscore.
    assert names(STEM + '    relu * 2 as "features.0"\n') == [
        "input", "features.0_1", "features.0_2"]
    # Once: the bare label.
    assert names(STEM + '    relu * 1 as "act"\n') == ["input", "act"]


def test_repeated_label_on_a_block_call() -> None:
    assert names("""
        block unit(c):
            conv(c, 1)
        net t:
            input(8, 8, 3)
            unit(4) * 2 as "layer1"
    """) == ["input", "layer1_1/conv", "layer1_2/conv"]


def test_label_on_a_block_call_names_the_instance() -> None:
    graph = graph_of("""
        import std
        net t:
            input(8, 8, 3)
            cbr(8, 3) as "/stem"
            y = cbr(8, 3) as "layer1.0"
            add(y)
    """)
    assert [n.name for n in graph.nodes] == [
        "input", "/stem/conv", "/stem/bn", "/stem/relu",
        "layer1.0/conv", "layer1.0/bn", "layer1.0/relu", "add"]
    assert graph["/stem/bn"].blocks == (("/stem", "cbr"),)
    assert graph["layer1.0/relu"].blocks == (("layer1.0", "cbr"),)
    assert graph["add"].inputs == ("layer1.0/relu", "layer1.0/relu")


def test_label_on_block_calls_inside_blocks_and_partial_application() -> None:
    assert names("""
        block inner(c):
            conv(c, 1) as "Conv"
        block inner2 = inner(c=2)
        block outer:
            inner(4) as "a/b"
            inner2 as "c"
            act as "gate"
        let act = sigmoid
        net t:
            input(8, 8, 3)
            outer as "/top"
    """) == ["input", "/top/a/b/Conv", "/top/c/Conv", "/top/gate"]


def test_label_on_a_merge_call() -> None:
    graph = graph_of("""
        net t:
            input(8, 8, 3)
            x = conv(8, 1) as "/layer1/Conv"
            relu
            add(x) as "/layer1/layer1.0/Add"
            y = concat(x) as "/Concat"
            mul(y) as "m"
    """)
    assert [n.name for n in graph.nodes] == [
        "input", "/layer1/Conv", "relu", "/layer1/layer1.0/Add", "/Concat", "m"]
    assert graph["/layer1/layer1.0/Add"].inputs == ("relu", "/layer1/Conv")
    assert graph["/Concat"].inputs == ("/layer1/layer1.0/Add", "/layer1/Conv")
    assert graph["m"].inputs == ("/Concat", "/Concat")


def test_label_with_a_count_and_a_condition() -> None:
    source = STEM + '    conv(4) if big as "big"\n    relu * n as "r"\n'
    assert names("net t(big=true, n=2):" + source[len("net t:"):]) == [
        "input", "big", "r1", "r2"]
    assert names("net t(big=false, n=0):" + source[len("net t:"):]) == ["input"]


def test_same_full_name_twice_is_told_apart() -> None:
    assert names("""
        block b:
            conv(4, 1)
        block d:
            relu as "x/y"
        net t:
            input(8, 8, 3)
            conv(4, 1) as "b/conv"
            b
            d as "p"
            relu as "p/x/y"
    """) == ["input", "b/conv", "b/conv_2", "p/x/y", "p/x/y_2"]


def test_names_without_labels_are_unchanged() -> None:
    source = """
        import std
        block unit(c, act=relu):
            conv(c, 3)
            act
        net t:
            input(8, 8, 3)
            cbr(4, 3)
            cbr(4)
            x = unit(4)
            unit(4, act=relu6) * 2
            relu
            add(x)
            cbr6 = cbr(4) if true
    """
    expected = ["input", "cbr1/conv", "cbr1/bn", "cbr1/relu", "cbr2/conv", "cbr2/bn",
                "cbr2/relu", "x/conv", "x/relu",
                "unit1/conv", "unit1/relu6", "unit2/conv", "unit2/relu6", "relu", "add",
                "cbr6/conv", "cbr6/bn", "cbr6/relu"]
    assert names(source) == expected
    # A label changes the name of its own statement only.
    labelled = source.replace("            relu\n", '            relu as "r"\n')
    assert names(labelled) == [n if n != "relu" else "r" for n in expected]


def statements(node):
    """Every AST node under ``node`` (tuples, such as an if's clauses, walked through)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif hasattr(item, "__attrs_attrs__"):
            yield item
            stack.extend(getattr(item, field.name) for field in item.__attrs_attrs__
                         if not field.name.endswith("span") and field.name != "source")


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.net")), ids=lambda p: p.stem)
def test_examples_have_no_labels(path: Path) -> None:
    calls = [n for n in statements(parse(path.read_text(), str(path)).items)
             if isinstance(n, ast.CallStmt)]
    assert calls and all(n.label is None and n.label_span is None for n in calls)


# ---- the syntax ------------------------------------------------------------------


def test_the_ast_holds_the_label_and_its_place() -> None:
    module = parse(STEM + '    x = relu * 2 if true as "a/b.c"\n', "t.net")
    assign = module.items[0].body[1]
    stmt = assign.stmt
    assert isinstance(stmt, ast.CallStmt) and assign.target == "x"
    assert stmt.label == "a/b.c"
    span = stmt.label_span
    assert (span.line, span.column, span.end_line, span.end_column) == (3, 29, 3, 36)
    assert stmt.span.end_column == 36  # the statement includes its label
    # Spans take no part in equality; the label does.
    assert parse(STEM + "    relu\n").items[0].body[1].label is None


def test_as_is_still_an_ordinary_name_elsewhere() -> None:
    graph = graph_of("""
        block unit(as=1):
            let as = as + 0
            conv(as, 1)
        def f(as) = as * 2
        net t(as=2):
            input(8, 8, 3)
            unit(as) as "as"
            as = conv(f(as), 1) as "as"
            unit(as=4) as "u"
            add(as)
            from as
            for as in [3]:
                unit(as)
    """)
    assert [(n.name, n.shape) for n in graph.nodes] == [
        ("input", (8, 8, 3)), ("as1/conv", (8, 8, 2)), ("as2", (8, 8, 4)),
        ("u/conv", (8, 8, 4)), ("add", (8, 8, 4)), ("unit/conv", (8, 8, 3))]


def test_several_labelled_statements_on_a_line_and_in_branches() -> None:
    assert names("""
        net t:
            input(8, 8, 3)
            conv(4) as "a"; relu as "b"; x = conv(4) as "c"
            add:
                | conv(4) as "left"; relu as "left/act"
                | identity as "right"
    """) == ["input", "a", "b", "c", "left", "left/act", "right", "add"]


# ---- errors -----------------------------------------------------------------------


def test_empty_label_is_e306_at_the_label() -> None:
    assert rendered(STEM + '    conv(4) as ""\n') == textwrap.dedent("""\
        error[E306]: a layer label cannot be empty
         --> t.net:3:16
          |
        3 |     conv(4) as ""
          |                ^^
         = help: write a name between the quotes, e.g. as "stem/conv\"""")


def test_control_character_in_a_label_is_e306_at_the_character() -> None:
    assert rendered(STEM + '    conv(4) as "a\x07b"\n') == textwrap.dedent("""\
        error[E306]: a layer label cannot contain the control character U+0007
         --> t.net:3:18
          |
        3 |     conv(4) as "a\\x07b"
          |                  ^^^^
         = help: a label may hold any printable characters, '/', '.' and ':' included""")
    assert located(STEM + '    relu as "\ttab"\n') == (
        "E306", 3, 14, "a layer label cannot contain the control character U+0009")
    assert located(STEM + '    relu as "x\x7f"\n') == (
        "E306", 3, 15, "a layer label cannot contain the control character U+007F")
    assert located(STEM + '    relu as "ab\x85"\n') == (
        "E306", 3, 16, "a layer label cannot contain the control character U+0085")
    assert located(STEM + '    relu as "a\u2028"\n') == (
        "E306", 3, 15, "a layer label cannot contain the line separator U+2028")
    assert located(STEM + '    relu as "\u2029"\n') == (
        "E306", 3, 14, "a layer label cannot contain the paragraph separator U+2029")


def test_label_errors_inside_blocks_and_after_other_parts() -> None:
    assert located('block b:\n    relu * 2 if true as ""\n' + STEM + "    b\n") == (
        "E306", 2, 25, "a layer label cannot be empty")
    assert located(STEM + '    x = conv(4) as "\x1b[31m"\n') == (
        "E306", 3, 21, "a layer label cannot contain the control character U+001B")


def test_double_quote_in_a_label() -> None:
    # A netdsl string cannot hold a double quote: the lexer ends the string there.
    assert located(STEM + '    conv(4) as "a"b"\n')[:3] == ("E102", 3, 19)
    # The check itself refuses one, at the character.
    source = Source("t.net", 'relu as "a"b"\n')
    with pytest.raises(netdsl.NetdslError) as caught:
        _check_label('a"b', Span(source, 1, 9, 1, 14))
    diag = caught.value.diagnostics[0]
    assert (diag.code, diag.span.column, diag.message) == (
        "E306", 11, "a layer label cannot contain a double quote")


def test_printable_labels_are_accepted() -> None:
    text = " a-b_c.d:e/f\\g|h,i=j é 中 \u00a0"
    assert names(STEM + f'    relu as "{text}"\n')[-1] == text


def test_what_follows_as_must_be_a_string() -> None:
    assert rendered(STEM + "    conv(4) as x\n") == textwrap.dedent("""\
        error[E102]: expected a string after 'as', got 'x'
         --> t.net:3:16
          |
        3 |     conv(4) as x
          |                ^
         = help: a label is a double-quoted string: conv(8) as "stem/conv\"""")
    assert located(STEM + "    conv(4) as 3\n") == (
        "E102", 3, 16, "expected a string after 'as', got '3'")
    assert located(STEM + "    conv(4) as\n") == (
        "E102", 3, 15, "unexpected end of line; expected a string")
    # A word that starts with 'as' is reported whole.
    assert located(STEM + "    conv(4) ascii\n") == ("E102", 3, 13, "unexpected 'ascii'")
    assert located(STEM + "    relu as2\n") == ("E102", 3, 10, "unexpected 'as2'")


def test_as_is_not_listed_among_expected_tokens() -> None:
    # A label may end any call statement, but a missing ';' is the likelier mistake.
    assert located(STEM + "    conv(4, 3) relu\n") == (
        "E102", 3, 16, "unexpected 'relu'; expected '*', ';', 'if' or end of line")
    assert located(STEM + "    relu if true relu\n")[3] == "unexpected 'relu'"


def test_label_only_on_call_statements() -> None:
    assert located(STEM + '    conv(4 as "x")\n')[:3] == ("E102", 3, 12)
    assert located('block b = relu as "x"\n' + STEM + "    b\n")[:3] == ("E102", 1, 16)
    assert located(STEM + '    from in as "x"\n')[0] == "E102"
    assert located(STEM + '    add as "a":\n        | relu\n        | identity\n')[0] == "E102"
    # The label comes last: after the count and the condition, not before.
    assert located(STEM + '    relu as "a" * 2\n')[:3] == ("E102", 3, 17)
    assert located(STEM + '    relu as "a" if true\n')[:3] == ("E102", 3, 17)


def test_size_limits_still_apply_to_labelled_statements() -> None:
    assert located(STEM + '    relu * 10**7 as "a"\n')[:2] == ("E501", 3)


# ---- outputs ---------------------------------------------------------------------


LABELLED = """\
net t:
    input(8, 8, 3)
    x = conv(4, 3) as "/features/features.0/Conv"
    relu as "act:0"
    add(x) as "/layer1/layer1.0/Add"
"""


def test_ir_printer_shows_the_label_as_the_layer_name(capsys, tmp_path: Path) -> None:
    path = tmp_path / "t.net"
    path.write_text(LABELLED)
    status = main(["compile", str(path), "--format", "ir", "--passes", "infer-shapes"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "network t()",
        "input = input() shape=8x8x3 -> 8x8x3",
        "/features/features.0/Conv = conv(input) channels=4 kernel=3x3 padding=1 -> 8x8x4",
        "act:0 = relu(/features/features.0/Conv) -> 8x8x4",
        "/layer1/layer1.0/Add = add(act:0, /features/features.0/Conv) -> 8x8x4",
        "outputs: /layer1/layer1.0/Add",
    ]


def test_json_report_shows_the_label_as_the_layer_name(capsys, tmp_path: Path) -> None:
    path = tmp_path / "t.net"
    path.write_text(LABELLED)
    status = main(["compile", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    layers = json.loads(out)["layers"]
    assert [layer["name"] for layer in layers] == [
        "input", "/features/features.0/Conv", "act:0", "/layer1/layer1.0/Add"]
    assert layers[1]["source"] == f"{path}:3:9"
    assert layers[3]["inputs"] == ["act:0", "/features/features.0/Conv"]


def test_compile_string_keeps_labels_through_the_passes() -> None:
    result = netdsl.compile_string(LABELLED, filename="t.net")
    assert [node.name for node in result.graph.nodes] == [
        "input", "/features/features.0/Conv", "act:0", "/layer1/layer1.0/Add"]
    # A relu fused into its labelled conv is listed under its own label.
    fused = netdsl.compile_string(STEM + '    conv(4) as "/Conv"\n    relu as "/Relu"\n')
    (conv,) = fused.graph.nodes[1:]
    assert (conv.name, [a.name for a in conv.fused]) == ("/Conv", ["/Relu"])
