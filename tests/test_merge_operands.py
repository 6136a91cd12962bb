"""Merges called with named tensors: the current tensor is always the first operand.

``add(x, y)`` right after ``y = ...`` is y + x + y: the language's meaning, kept,
but warned about (W402) at the name that repeats the current tensor. An E405 of a
merge names the operands in the order written, each once.
"""

from __future__ import annotations

import textwrap

import pytest

import netdsl
from netdsl.ir.ops import Add, Concat

TWICE = """\
    net t:
        input(8, 8, 3)
        x = conv(16, 1)
        y = conv(16, 1)
        add(x, y)
    """


def compiled(text: str) -> netdsl.CompileResult:
    return netdsl.compile_string(textwrap.dedent(text), filename="t.net")


def failure(text: str) -> netdsl.NetdslError:
    with pytest.raises(netdsl.NetdslError) as caught:
        compiled(text)
    return caught.value


def merge_inputs(result: netdsl.CompileResult, name: str) -> tuple[str, ...]:
    return next(node.inputs for node in result.graph.nodes if node.name == name)


def test_naming_the_current_tensor_keeps_its_meaning_and_warns() -> None:
    result = compiled(TWICE)
    # The semantics are unchanged: y, then the tensors named.
    assert merge_inputs(result, "add") == ("y", "x", "y")
    (warning,) = result.warnings
    assert warning.render() == textwrap.dedent("""\
        warning[W402]: 'add' counts 'y' twice: the current tensor is always a merge's first operand
         --> t.net:5:12
          |
        5 |     add(x, y)
          |            ^
         = note: t.net:4:9: the current tensor 'y' is made here
             |
           4 |     y = conv(16, 1)
             |         ^^^^^^^^^^^
        """) + (" = help: the current tensor 'y' is already the first operand: write add(x) to "
                "add x to it")
    assert warning.severity == "warning"


def test_the_suggested_merge_compiles_without_a_warning() -> None:
    result = compiled(TWICE.replace("add(x, y)", "add(x)"))
    assert merge_inputs(result, "add") == ("y", "x") and result.warnings == ()


@pytest.mark.parametrize(("merge", "message", "hint"), [
    ("mul(y)", "'mul' counts 'y' twice",
     "the current tensor 'y' is already the first operand, so mul(y) merges it with itself; "
     "if that is meant, write 'mul:' with two empty '|' branches, else name the tensor to "
     "merge it with"),
    ("concat(x, y, z)", "'concat' counts 'y' twice",
     "the current tensor 'y' is already the first operand: write concat(x, z) to concatenate "
     "x and z after it"),
    ("concat(y, x, y)", "'concat' counts 'y' 3 times",
     "the current tensor 'y' is already the first operand: write concat(x) to concatenate x "
     "after it"),
])
def test_every_merge_kind_warns_with_its_own_hint(merge: str, message: str, hint: str) -> None:
    result = compiled(f"""\
        net t:
            input(8, 8, 3)
            x = conv(16, 1)
            z = conv(16, 1)
            y = conv(16, 1)
            {merge}
        """)
    (warning,) = result.warnings
    assert (warning.code, warning.message, warning.hint) == (
        "W402", f"{message}: the current tensor is always a merge's first operand", hint)
    assert (warning.span.line, warning.span.column) == (6, 5 + merge.index("y"))


def test_merges_that_do_not_repeat_the_current_tensor_do_not_warn() -> None:
    result = compiled("""\
        net t:
            input(8, 8, 3)
            x = conv(16, 1)
            y = conv(16, 1)
            add(x)
            from x
            concat(y, y)
            from y
            add:
                | identity
                | from y
            residual:
                conv(16, 1)
        """)
    assert result.warnings == ()
    assert merge_inputs(result, "concat") == ("x", "y", "y")


def test_a_block_called_many_times_warns_once_with_its_call() -> None:
    result = compiled("""\
        block gate(c):
            x = conv(c, 1)
            mul(x)
        net t:
            input(8, 8, 3)
            gate(4) * 3
            gate(4)
            for c in [4, 8]:
                gate(c)
        """)
    (warning,) = result.warnings
    assert (warning.code, warning.span.line, warning.span.column) == ("W402", 3, 9)
    assert [(n.message, n.span.line) for n in warning.notes] == [
        ("the current tensor 'x' is made here", 2), ("in block 'gate' called here", 6)]
    assert [node.op for node in result.graph.nodes].count(netdsl.ir.ops.Mul()) == 6


def test_the_examples_do_not_warn() -> None:
    """unet and shufflenet_v2 merge named tensors, none of them the current one."""
    from pathlib import Path

    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.net"))
    assert len(examples) >= 2
    for path in examples:
        codes = [w.code for w in netdsl.compile_file(path).warnings]
        assert "W402" not in codes, path.name


def test_e405_names_the_operands_in_the_order_written_each_once() -> None:
    exc = failure(TWICE.replace("y = conv(16, 1)", "y = conv(24, 1)"))
    (only,) = exc.diagnostics
    assert only.render() == textwrap.dedent("""\
        error[E405]: cannot add tensors of shapes 8x8x16 and 8x8x24
         --> t.net:5:5
          |
        5 |     add(x, y)
          |     ^^^^^^^^^
         = note: t.net:3:9: operand of shape 8x8x16 produced here
             |
           3 |     x = conv(16, 1)
             |         ^^^^^^^^^^^
         = note: t.net:4:9: operand of shape 8x8x24 produced here
             |
           4 |     y = conv(24, 1)
             |         ^^^^^^^^^^^
         = help: add needs equal shapes; a projection shortcut (1x1 conv) can match them""")


def test_e405_without_the_current_tensor_named_starts_from_it() -> None:
    # add(x) is the current tensor, then x: that is the order written.
    exc = failure("""\
        net t:
            input(8, 8, 3)
            x = conv(16, 1)
            conv(24, 1)
            add(x, x)
        """)
    (only,) = exc.diagnostics
    assert only.message == "cannot add tensors of shapes 8x8x24 and 8x8x16"
    assert [(n.message, n.span.line) for n in only.notes] == [
        ("operand of shape 8x8x24 produced here", 4),
        ("operand of shape 8x8x16 produced here", 3)]


def test_e405_of_concat_and_mul_in_the_written_order() -> None:
    for merge, message in [
        ("concat(x, y)", "cannot concatenate tensors of shapes 8x8x16 and 4x4x16"),
        ("mul(x, y)", "cannot multiply tensors of shapes 8x8x16 and 4x4x16"),
    ]:
        exc = failure(f"""\
            net t:
                input(8, 8, 3)
                x = conv(16, 1)
                y = conv(16, 1, s=2)
                {merge}
            """)
        (only,) = exc.diagnostics
        assert only.message == message
        assert [n.span.line for n in only.notes] == [3, 4]


def test_the_warning_reaches_the_command_line(tmp_path, capsys) -> None:
    from netdsl.cli import main

    path = tmp_path / "t.net"
    path.write_text(textwrap.dedent(TWICE))
    assert main(["check", str(path), "--diagnostics", "short"]) == 0
    err = capsys.readouterr().err
    assert err == (f"{path}:5:12: warning[W402]: 'add' counts 'y' twice: the current tensor is "
                   "always a merge's first operand (the current tensor 'y' is already the first "
                   "operand: write add(x) to add x to it)\n")


def test_the_ir_keeps_concat_order() -> None:
    # concat(a) after b puts b's channels first: the warning changes nothing of that.
    result = compiled("""\
        net t:
            input(8, 8, 3)
            a = conv(4, 1)
            b = conv(6, 1)
            concat(a, b)
        """)
    node = next(n for n in result.graph.nodes if isinstance(n.op, Concat))
    assert (node.inputs, node.shape) == (("b", "a", "b"), (8, 8, 16))
    assert not any(isinstance(n.op, Add) for n in result.graph.nodes)
