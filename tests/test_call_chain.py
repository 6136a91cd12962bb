"""Sources that point at the user: every layer carries the calls of the blocks that built it.

A layer built inside a standard-library block is written in ``<stdlib>/std.net``;
reports name the user's own line instead (the innermost place of its call chain
outside the standard library), the JSON report and diagram tooltips give the whole
chain, and errors and pass notes inside a block name the calls that led there.

MobileNetV2 (examples/mobilenet_v2.net) is the worked example: line 11 calls the
file's own ``stage`` block, whose line 28 calls std's ``inverted_residual``, whose
line 20 calls std's ``cbr``, whose line 6 writes the convolution.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import attrs
import pytest

import netdsl
from netdsl.backends.common import call_chain, diagnostic_location, user_location
from netdsl.ir import ops

ROOT = Path(__file__).resolve().parent.parent
V2 = "examples/mobilenet_v2.net"
STD = "<stdlib>/std.net"
EXPAND = "stage2/ir1/expand/conv"
#: The chain of stage2/ir1/expand/conv: the network's line, the user's stage block, std.
EXPAND_CHAIN = [f"{V2}:11:5", f"{V2}:28:10", f"{STD}:20:18", f"{STD}:6:5"]


@pytest.fixture(scope="module")
def v2() -> netdsl.CompileResult:
    # Compiled under its relative name, as `netdsl compile examples/mobilenet_v2.net` names it.
    text = (ROOT / V2).read_text()
    return netdsl.compile_string(text, filename=V2)


@pytest.fixture(scope="module")
def v2_layers(v2) -> dict[str, dict]:
    return {layer["name"]: layer for layer in json.loads(v2.to_json())["layers"]}


def _compile(text: str, filename: str = "net.net") -> netdsl.CompileResult:
    return netdsl.compile_string(text, filename=filename)


# --- the chain on the IR --------------------------------------------------------------------

def test_node_carries_the_calls_of_its_block_instances(v2) -> None:
    node = v2.graph[EXPAND]
    assert [span.location() for span in node.calls] == EXPAND_CHAIN[:-1]
    assert node.span.location() == EXPAND_CHAIN[-1]
    # One call per enclosing block instance, in the same (outside-in) order.
    assert [block for _, block in node.blocks] == ["stage", "inverted_residual", "cbr"]
    assert user_location(node) == f"{V2}:28:10"
    assert call_chain(node) == EXPAND_CHAIN


def test_absorbed_layers_keep_their_chain(v2) -> None:
    node = v2.graph[EXPAND]
    assert [(a.name, a.how) for a in node.fused] == [
        ("stage2/ir1/expand/bn", "folded"), ("stage2/ir1/expand/relu6", "fused")]
    bn, relu6 = node.fused
    assert call_chain(bn) == [*EXPAND_CHAIN[:-1], f"{STD}:7:5"]
    assert call_chain(relu6) == [*EXPAND_CHAIN[:-1], f"{STD}:8:5"]
    assert user_location(bn) == user_location(relu6) == f"{V2}:28:10"


def test_calls_take_no_part_in_equality() -> None:
    text = "import std\nnet N:\n    input(8, 8, 3)\n    cbr(4)\n"
    moved = "# the same network, written lower down\nimport std\n\nnet N:\n" \
            "    input(8, 8, 3)\n\n    cbr(4)        # one unit\n"
    a, b = _compile(text).graph, _compile(moved).graph
    assert a["cbr/conv"].calls[0].line == 4 and b["cbr/conv"].calls[0].line == 7
    assert a == b


def test_a_layer_without_a_source_has_no_location() -> None:
    node = netdsl.Node("x", ops.Activation("relu"))  # built from Python: no span, no calls
    assert user_location(node) is None
    assert call_chain(node) == []
    # Blocks named by hand without their calls locate the layer at its own span.
    v2 = _compile("import std\nnet N:\n    input(8, 8, 3)\n    cbr(4)\n")
    conv = attrs.evolve(v2.graph["cbr/conv"], calls=())
    assert user_location(conv) == f"{STD}:6:5"
    assert call_chain(conv) == [f"{STD}:6:5"]


# --- reports ---------------------------------------------------------------------------------

def test_json_source_is_the_users_line_and_call_chain_the_whole_chain(v2_layers) -> None:
    layer = v2_layers[EXPAND]
    assert layer["source"] == f"{V2}:28:10"
    assert layer["call_chain"] == EXPAND_CHAIN
    assert layer["blocks"] == ["stage2", "stage2/ir1", "stage2/ir1/expand"]
    assert [(f["name"], f["source"]) for f in layer["fused"]] == [
        ("stage2/ir1/expand/bn", f"{V2}:28:10"), ("stage2/ir1/expand/relu6", f"{V2}:28:10")]
    # The stem goes through the file's alias `block cbr6 = cbr(act=relu6)`: an alias makes
    # no block instance of its own, so the chain is the call of cbr6, then std's conv.
    stem = v2_layers["cbr6_1/conv"]
    assert stem["source"] == f"{V2}:9:5"
    assert stem["call_chain"] == [f"{V2}:9:5", f"{STD}:6:5"]
    # A layer of the network's body is its own chain.
    assert v2_layers["fc"]["source"] == f"{V2}:20:5"
    assert v2_layers["fc"]["call_chain"] == [f"{V2}:20:5"]


def test_no_json_source_points_into_the_standard_library(v2_layers) -> None:
    for layer in v2_layers.values():
        assert layer["source"].startswith(f"{V2}:"), layer["name"]
        assert all(f["source"].startswith(f"{V2}:") for f in layer["fused"]), layer["name"]
        chain = layer["call_chain"]
        assert chain[0].startswith(f"{V2}:") and len(chain) == len(layer["blocks"]) + 1
        assert layer["source"] in chain


def test_csv_source_is_the_users_line(v2) -> None:
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(v2.to_csv()))}
    assert rows[EXPAND]["source"] == f"{V2}:28:10"
    assert rows["stage2/ir2/add"]["source"] == f"{V2}:29:10"  # the residual's add, in std
    assert rows["cbr6_1/conv"]["source"] == f"{V2}:9:5"
    assert not [name for name, row in rows.items() if row["source"].startswith("<stdlib>")]


SOFTMAX_IN_STD = """\
import std

net Head(size=32, classes=10):
    input(size, size, 3)
    cbr(16, 3, 2)
    gap
    cbr(classes, act=softmax)
"""


def test_text_report_notes_name_the_users_line() -> None:
    # std's cbr writes its activation on std.net line 8; softmax cannot be fused there.
    result = _compile(SOFTMAX_IN_STD, "head.net")
    (note,) = [d for run in result.runs for d in run.diagnostics]
    assert note.code == "N202" and note.span.location() == f"{STD}:8:5"
    assert [(n.message, n.span.location()) for n in note.notes] == [
        ("in block 'cbr' called here", "head.net:7:5")]
    assert diagnostic_location(note) == "head.net:7:5"
    text = result.to_text(200)
    assert "'cbr2/softmax' not fused: softmax normalises over all channels, so it cannot be " \
           "applied per value (head.net:7:5)" in text
    assert "<stdlib>" not in text
    # Markdown names no source at all, so it never points into the library either.
    assert "<stdlib>" not in result.to_markdown()
    # The JSON report keeps the note's own span and the call that led to it.
    notes = json.loads(result.to_json())["notes"]
    assert notes[0]["span"]["file"] == STD
    assert [(n["span"]["file"], n["span"]["line"]) for n in notes[0]["notes"]] == [
        ("head.net", 7)]


USER_BLOCKS = """\
import std

net Nested(size=32):
    input(size, size, 3)
    outer(8)
    unit(16)

block outer(c):
    inner(c)
    inner(2 * c)

block inner(c):
    cbr(c, 3)
    relu6

block unit(c):
    conv(c, 1)
"""


def test_user_blocks_and_nested_blocks() -> None:
    result = _compile(USER_BLOCKS, "nested.net")
    layers = {layer["name"]: layer for layer in json.loads(result.to_json())["layers"]}
    # A block of the user's own: the layer's own line is the user's line.
    assert layers["unit/conv"]["source"] == "nested.net:17:5"
    assert layers["unit/conv"]["call_chain"] == ["nested.net:6:5", "nested.net:17:5"]
    # Nested blocks of the user's around std's cbr: the innermost call of the user's.
    conv = layers["outer/inner2/cbr/conv"]
    assert conv["blocks"] == ["outer", "outer/inner2", "outer/inner2/cbr"]
    assert conv["call_chain"] == ["nested.net:5:5", "nested.net:10:5", "nested.net:13:5",
                                  f"{STD}:6:5"]
    assert conv["source"] == "nested.net:13:5"
    assert [(f["name"], f["source"]) for f in conv["fused"]] == [
        ("outer/inner2/cbr/bn", "nested.net:13:5"), ("outer/inner2/cbr/relu", "nested.net:13:5"),
        ("outer/inner2/relu6", "nested.net:14:5")]


# --- diagrams ----------------------------------------------------------------------------------

def _tooltips(dot: str) -> list[str]:
    return [line.split("tooltip=", 1)[1] for line in dot.splitlines() if "tooltip=" in line]


def test_dot_tooltip_gives_the_users_line_then_the_chain(v2) -> None:
    tooltips = _tooltips(v2.to_dot())
    via = " → ".join(EXPAND_CHAIN)
    assert f'"{EXPAND} ({V2}:28:10)\\nvia {via}"];' in tooltips
    # A layer of the network's body has no "via".
    assert f'"fc ({V2}:20:5)"];' in tooltips


def test_dot_tooltip_of_a_collapsed_block(v2) -> None:
    # A collapsed block names the user's line of its call, even for a std block.
    tooltips = _tooltips(v2.to_dot(collapse=0))
    (stage2,) = [t for t in tooltips if t.startswith('"stage2 (')]
    assert stage2.startswith(f'"stage2 (stage at {V2}:11:5): stage2/ir1/expand/conv, ')
    tooltips = _tooltips(v2.to_dot(collapse=1))
    (ir1,) = [t for t in tooltips if t.startswith('"stage2/ir1 (')]
    assert ir1.startswith(f'"stage2/ir1 (inverted_residual at {V2}:28:10): ')


# --- errors ---------------------------------------------------------------------------------

def _error(text: str, filename: str = "bad.net") -> netdsl.NetdslError:
    with pytest.raises(netdsl.NetdslError) as caught:
        _compile(text, filename)
    return caught.value


def test_error_inside_std_names_the_users_calls() -> None:
    error = _error("import std\n\nnet Bad:\n    input(32, 32, 3)\n    stage(24, 6, 2, 0)\n\n"
                   "block stage(c, t, n, s):\n    ir = inverted_residual(c, t, s)\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.one_line() == f"{STD}:6:16: error[E306]: 'conv': s must be at least 1, " \
                                    "got 0"
    assert [(n.message, n.span.location()) for n in diagnostic.notes] == [
        ("in block 'cbr' called here", f"{STD}:21:14"),
        ("in block 'inverted_residual' called here", "bad.net:8:10"),
        ("in block 'stage' called here", "bad.net:5:5")]
    assert diagnostic_location(diagnostic) == "bad.net:8:10"


def test_error_in_a_default_names_the_call() -> None:
    error = _error('net Bad:\n    input(8, 8, 3)\n    b()\n\nblock b(c=in.c * "x"):\n'
                   "    conv(c)\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.render().splitlines()[0] == \
        "error[E304]: unsupported operand types for '*': int and string"
    assert diagnostic.span.location() == "bad.net:5:16"
    assert [(n.message, n.span.location()) for n in diagnostic.notes] == [
        ("in block 'b' called here", "bad.net:3:5")]


def test_deep_library_errors_still_name_the_users_line(tmp_path, monkeypatch) -> None:
    # A library nesting five blocks deep: past four call notes, the user's call is kept.
    library = tmp_path / "lib"
    library.mkdir()
    (library / "std.net").write_text((ROOT / "netdsl" / "stdlib" / "std.net").read_text())
    (library / "deep.net").write_text(
        "block b1(s):\n    b2(s)\nblock b2(s):\n    b3(s)\nblock b3(s):\n    b4(s)\n"
        "block b4(s):\n    b5(s)\nblock b5(s):\n    conv(8, 3, s)\n")
    monkeypatch.setattr("netdsl.driver.stdlib_path", lambda: library)
    error = _error("import deep\n\nnet Deep:\n    input(8, 8, 3)\n    b1(0)\n")
    (diagnostic,) = error.diagnostics
    assert diagnostic.span.location() == "<stdlib>/deep.net:10:16"
    assert [n.span.location() for n in diagnostic.notes] == [
        "<stdlib>/deep.net:8:5", "<stdlib>/deep.net:6:5", "<stdlib>/deep.net:4:5",
        "<stdlib>/deep.net:2:5", "bad.net:5:5"]
    # A user's own deep nesting keeps the four innermost calls, as before.
    error = _error("net Deep:\n    input(8, 8, 3)\n    b1(0)\n\n"
                   "block b1(s):\n    b2(s)\nblock b2(s):\n    b3(s)\nblock b3(s):\n    b4(s)\n"
                   "block b4(s):\n    b5(s)\nblock b5(s):\n    conv(8, 3, s)\n")
    assert [n.span.line for n in error.diagnostics[0].notes] == [12, 10, 8, 6]
