"""The Graphviz backend: DOT text, rendering, escaping and the missing-``dot`` path.

Golden files ``tests/golden/*.dot`` hold the exact DOT text of the small networks
(rewrite them with ``pytest --update-golden``). Rendering tests run Graphviz's
``dot``, which CI installs; they are skipped where it is missing, while the
missing-``dot`` tests hide it on purpose and run everywhere.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import netdsl
from netdsl.backends.dot import describe, quote, render_dot
from netdsl.backends.palette import MAGMA, ZERO, RankScale, colour_at, text_colour
from netdsl.cli import main
from netdsl.driver import CompileOptions, compile_graph
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import Activation, Add, Conv, Input

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted((ROOT / "examples").rglob("*.net"))
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def compiled(name: str) -> netdsl.CompileResult:
    return netdsl.compile_string((GOLDEN / name).read_text(), filename=name)


def dot_to_svg(dot_text: str) -> ET.Element:
    """Run ``dot -Tsvg``; fail on any warning it prints."""
    run = subprocess.run(["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True,
                         check=False)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stderr == b"", run.stderr.decode()  # Graphviz warns on stderr
    return ET.fromstring(run.stdout)


def svg_nodes(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"]


def svg_clusters(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == "cluster"]


def tooltips(group: ET.Element) -> list[str]:
    return [a.get(f"{XLINK}title") for a in group.iter(f"{SVG}a")]


# --- golden DOT -----------------------------------------------------------------------------

@pytest.mark.parametrize(("golden", "source", "options"), [
    ("small.dot", "small.net", {}),
    ("blocks.dot", "blocks.net", {}),
    ("blocks.collapsed.dot", "blocks.net", {"collapse": 1, "color_by": "memory",
                                             "rankdir": "LR"}),
])
def test_golden_dot(check_golden, golden, source, options) -> None:
    check_golden(golden, compiled(source).to_dot(**options))


def test_dot_is_deterministic() -> None:
    assert compiled("blocks.net").to_dot() == compiled("blocks.net").to_dot()


# --- what a box says --------------------------------------------------------------------------

def test_a_box_lists_name_op_hyper_parameters_absorbed_layers_shape_and_figures() -> None:
    dot = compiled("blocks.net").to_dot()
    line = next(x for x in dot.splitlines() if x.strip().startswith('"cbr/conv"'))
    assert ("label=<<b>cbr/conv</b><br/>conv 3x3 stride 2 · 8 ch<br/>"
            '<font point-size="8">+ bn folded, relu fused</font><br/>16x16x8<br/>'
            '<font point-size="8">params 224 · MACCs 55.3K · mem.acc. 223K</font>>') in line
    assert 'tooltip="cbr/conv (blocks.net:6:5)\\nvia blocks.net:6:5 → <stdlib>/std.net:6:5"' \
        in line


def test_boxes_inside_a_cluster_are_named_relative_to_it() -> None:
    dot = compiled("blocks.net").to_dot()
    assert '"stage2/basic_block1/cbr3/conv" [label=<<b>cbr3/conv</b>' in dot
    assert "<b>basic_block1 · basic_block</b>" in dot


def test_edges_are_labelled_with_tensor_shapes() -> None:
    dot = compiled("small.net").to_dot()
    assert '"input" -> "conv1" [label="32x32x3"];' in dot
    assert '"maxpool" -> "gap" [label="8x8x16"];' in dot


@pytest.mark.parametrize(("source", "expected"), [
    ("conv(8, 3, 2)", "conv 3x3 stride 2 · 8 ch"),
    ("conv(8, [1, 7], pad=[0, 3])", "conv 1x7 · 8 ch"),
    ("conv(8, 3, dilation=2)", "conv 3x3 dilation 2 · 8 ch"),
    ("conv(8, 3, groups=4)", "conv 3x3 · 8 ch · 4 groups"),
    ("conv(8, 3, groups=8)", "dwconv 3x3 · 8 ch"),
    ("maxpool(3, 2, pad=1)", "maxpool 3x3 stride 2"),
    ("avgpool(2)", "avgpool 2x2 stride 2"),
    ("zeropad([0, 1, 0, 1])", "zeropad [0, 1, 0, 1]"),
    ("upsample(2)", "upsample x2 nearest"),
    ("dropout(0.2)", "dropout 0.2"),
    ("fc(10)", "dense · 10 units"),
    ("relu6", "relu6"),
])
def test_key_hyper_parameters(source, expected) -> None:
    graph = netdsl.compile_string(f"net t:\n    input(8, 8, 8)\n    {source}\n",
                                  passes=["infer-shapes"]).graph
    assert describe(graph, graph.nodes[-1]) == expected


# --- clusters and collapsing ----------------------------------------------------------------

def boxes(graph: Graph, depth: int | None) -> set[str]:
    """The boxes expected at a collapse depth: the enclosing instance at that depth, or the
    layer itself (a one-layer instance is drawn as its layer)."""
    if depth is None:
        return {n.name for n in graph.nodes}
    keys: dict[str, list[str]] = {}
    for node in graph.nodes:
        key = node.blocks[depth][0] if len(node.blocks) > depth else node.name
        keys.setdefault(key, []).append(node.name)
    return {members[0] if len(members) == 1 else key + "/" for key, members in keys.items()}


@needs_dot
@pytest.mark.parametrize("depth", [None, 0, 1])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_renders_to_svg_without_warnings(path, depth) -> None:
    result = netdsl.compile_file(path)
    svg = dot_to_svg(result.to_dot(collapse=depth))
    nodes = svg_nodes(svg)
    expected = boxes(result.graph, depth)
    assert len(nodes) == len(expected)
    assert {n.find(f"{SVG}title").text for n in nodes} == expected


@needs_dot
def test_clusters_follow_the_block_instances() -> None:
    svg = dot_to_svg(compiled("blocks.net").to_dot())
    names = sorted(t for c in svg_clusters(svg) for t in tooltips(c))
    # cbr instances hold one box each once folded and fused: no frame of their own
    assert names == ["stage1 (stage)", "stage1/basic_block1 (basic_block)",
                     "stage1/basic_block2 (basic_block)", "stage2 (stage)",
                     "stage2/basic_block1 (basic_block)", "stage2/basic_block2 (basic_block)"]


def test_a_cluster_that_only_wraps_another_is_left_out() -> None:
    # MobileNetV2's stage1 holds a single inverted residual: one frame, the inner one
    dot = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net").to_dot()
    assert 'tooltip="stage1/ir (inverted_residual)"' in dot
    assert 'tooltip="stage1 (stage)"' not in dot


def test_collapsed_block_sums_its_layers() -> None:
    result = compiled("blocks.net")
    dot = result.to_dot(collapse=0)
    members = [n for n in result.graph.nodes if n.blocks and n.blocks[0][0] == "stage2"]
    maccs = sum(n.cost.maccs for n in members)
    assert maccs == 524_288
    line = next(x for x in dot.splitlines() if x.strip().startswith('"stage2/"'))
    absorbed = sum(len(n.fused) for n in members)
    assert f"stage · {len(members)} layers + {absorbed} absorbed" in line
    assert "MACCs 524K" in line
    assert "8x8x16" in line  # the output of its last layer


def test_expand_keeps_chosen_instances_open() -> None:
    result = compiled("blocks.net")
    dot = result.to_dot(collapse=1, expand=["stage2/basic_block1"])
    assert '"stage2/basic_block1/cbr3/conv"' in dot
    assert '"stage2/basic_block2/"' in dot and '"stage1/basic_block1/"' in dot
    everything = result.to_dot(collapse=0, expand=["stage*"])
    assert len(fills(everything)) == len(result.graph.nodes)


def test_expanding_a_nested_instance_opens_the_blocks_around_it() -> None:
    dot = compiled("blocks.net").to_dot(collapse=0, expand=["stage2/basic_block1"])
    boxes_drawn = set(fills(dot))
    assert {"stage1/", "stage2/basic_block2/", "stage2/basic_block1/cbr3/conv"} <= boxes_drawn
    assert "stage2/" not in boxes_drawn
    assert 'tooltip="stage2 (stage)"' in dot  # drawn as a frame


def test_edges_between_collapsed_blocks_are_not_repeated() -> None:
    dot = compiled("blocks.net").to_dot(collapse=0)
    edges = [x.strip() for x in dot.splitlines() if " -> " in x]
    assert edges == [
        '"input" -> "cbr/conv" [label="32x32x3"];',
        '"cbr/conv" -> "stage1/" [label="16x16x8"];',
        '"stage1/" -> "stage2/" [label="16x16x8"];',
        '"stage2/" -> "gap" [label="8x8x16"];',
        '"gap" -> "fc" [label="1x1x16"];',
    ]


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_direction(rankdir) -> None:
    assert f"rankdir={rankdir}," in compiled("small.net").to_dot(rankdir=rankdir)


@pytest.mark.parametrize(("option", "value"), [
    ("color_by", "flops"), ("rankdir", "down"), ("collapse", -1)])
def test_bad_options_are_refused(option, value) -> None:
    with pytest.raises(ValueError, match=option):
        compiled("small.net").to_dot(**{option: value})


# --- colours ----------------------------------------------------------------------------------

def fills(dot: str) -> dict[str, str]:
    out = {}
    for line in dot.splitlines():
        if 'fillcolor="' in line and line.strip().startswith('"'):
            out[line.strip().split('"')[1]] = line.split('fillcolor="')[1].split('"')[0]
    return out


def test_colours_follow_the_figure_by_rank() -> None:
    result = compiled("small.net")
    colours = fills(result.to_dot(color_by="maccs"))
    maccs = {n.name: n.cost.maccs for n in result.graph.nodes}
    assert all(colours[name] == ZERO for name, m in maccs.items() if m == 0)
    busiest = max(maccs, key=maccs.get)
    cheapest = min((m, name) for name, m in maccs.items() if m)[1]
    assert colours[busiest] == MAGMA[-1] and colours[cheapest] == MAGMA[0]
    # three distinct values (160, 110,592 and 589,824 MACCs): conv1 sits in the middle
    assert RankScale(maccs.values()).position(maccs["conv1"]) == 0.5
    assert colours["conv1"] == colour_at(0.5)


@pytest.mark.parametrize("metric", ["maccs", "memory", "params"])
def test_legend_gives_the_scale_values(metric) -> None:
    result = compiled("small.net")
    dot = result.to_dot(color_by=metric)
    label = {"maccs": "MACCs", "memory": "memory accesses", "params": "parameters"}[metric]
    assert f"fill: {label} per box, by rank: " in dot
    read = {"maccs": lambda c: c.maccs, "memory": lambda c: c.memory.total,
            "params": lambda c: c.params.total}[metric]
    values = [read(n.cost) for n in result.graph.nodes if read(n.cost)]
    from netdsl.backends.common import compact
    assert f">{compact(min(values))}</font></td>" in dot
    assert f">{compact(max(values))}</font></td>" in dot


def test_the_legend_counts_steps_not_values() -> None:
    # ResNet-50's layers have 6 distinct MACC counts but 5 steps of colour: values within
    # 10% of each other (the 116M convolutions and the 118M stem) share a step.
    result = netdsl.compile_file(Path(__file__).resolve().parent.parent / "examples"
                                 / "resnet50.net")
    dot = result.to_dot()
    values = {n.cost.maccs for n in result.graph.nodes if n.cost.maccs}
    assert len(values) == 6 and len(RankScale(values)) == 5
    assert ("fill: MACCs per box, by rank: 5 steps, 2.05M to 118M, at even steps of colour "
            "(not in proportion; values within 10% of each other share a step)") in dot
    assert "distinct values" not in dot


def test_no_colour() -> None:
    dot = compiled("small.net").to_dot(color_by="none")
    assert set(fills(dot).values()) == {ZERO}
    assert "by rank" not in dot


def test_palette_runs_light_to_dark_and_text_stays_readable() -> None:
    from netdsl.backends.palette import _luminance

    steps = [colour_at(i / 20) for i in range(21)]
    lum = [_luminance(c) for c in steps]
    assert all(a > b for a, b in itertools.pairwise(lum))  # monotonic lightness
    for colour in steps:
        text = text_colour(colour)
        light, dark = sorted([_luminance(colour), _luminance(text)])[::-1]
        assert (light + 0.05) / (dark + 0.05) >= 4.5  # WCAG AA for normal text


# --- escaping ---------------------------------------------------------------------------------

ODD_NAMES = ['say "hi"', "a\\b", "tail\\", "<b>&amp;</b>", "{brace}; [x]", "\\N", "ünï ©"]


def odd_graph() -> Graph:
    nodes = [Node("in put", Input((8, 8, 3)))]
    previous = "in put"
    for i, name in enumerate(ODD_NAMES):
        op = Conv(4, (1, 1)) if i % 2 == 0 else Activation("relu")
        blocks = (('blk "x" <y>', "odd&block"),) if i < 3 else ()
        nodes.append(Node(name, op, (previous,), blocks=blocks))
        previous = name
    nodes.append(Node("sum", Add(), (ODD_NAMES[-1], ODD_NAMES[-2])))
    return Graph('net "odd"', tuple(nodes), ("sum",))


def test_quote_escapes_quotes_and_backslashes() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'


@needs_dot
def test_unusual_names_are_drawn_as_written() -> None:
    result = compile_graph(odd_graph(), CompileOptions(passes=("infer-shapes", "annotate-cost")))
    svg = dot_to_svg(render_dot(result.graph))
    nodes = svg_nodes(svg)
    assert len(nodes) == len(result.graph.nodes)
    shown = {t for n in nodes for t in tooltips(n)}
    # Graphviz (2.43) expands \N in a tooltip even when its backslash is escaped: a quirk
    # of Graphviz, so that one name is only checked in the box label below
    plain = {"in put", *ODD_NAMES, "sum"} - {"\\N"}
    assert plain <= shown and len(shown) == len(plain) + 1
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"say \"hi\"", "a\\b", "<b>&amp;</b>", "\\N", "ünï ©"} <= texts
    cluster = svg_clusters(svg)
    assert [tooltips(c) for c in cluster] == [['blk "x" <y> (odd&block)']]


# --- rendering ----------------------------------------------------------------------------------

@needs_dot
@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                            ("pdf", b"%PDF")])
def test_render_formats(fmt, magic) -> None:
    assert compiled("small.net").render(fmt).startswith(magic)


@needs_dot
def test_jupyter_shows_the_svg() -> None:
    svg = compiled("small.net")._repr_html_()
    assert svg is not None and "<svg" in svg


@needs_dot
@pytest.mark.parametrize(("args", "magic"), [
    (["--format", "svg"], b"<?xml"), (["-o", "{out}.png"], b"\x89PNG"),
    (["--format", "pdf", "-o", "{out}.bin"], b"%PDF"), (["-o", "{out}.gv"], b"digraph"),
])
def test_cli_draws(tmp_path, capsysbinary, args, magic) -> None:
    out = str(tmp_path / "net")
    args = [a.format(out=out) for a in args]
    code = main(["compile", str(GOLDEN / "small.net"), *args])
    assert code == 0
    written = [p for p in tmp_path.iterdir()]
    data = written[0].read_bytes() if written else capsysbinary.readouterr().out
    assert data.startswith(magic)


def test_cli_diagram_options_reach_the_dot_text(capsys) -> None:
    code = main(["compile", str(GOLDEN / "blocks.net"), "--format", "dot", "--color-by",
                 "params", "--collapse-blocks", "--rankdir", "LR", "--expand", "stage2"])
    assert code == 0
    dot = capsys.readouterr().out
    assert "rankdir=LR," in dot and "fill: parameters per box" in dot
    assert '"stage1/"' in dot and '"stage2/basic_block1/cbr1/conv"' in dot


def test_cli_refuses_an_image_on_a_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert main(["compile", str(GOLDEN / "small.net"), "--format", "png"]) == 1
    assert "error[E100]: refusing to write a PNG image to the terminal" in capsys.readouterr().err


# --- without Graphviz --------------------------------------------------------------------------

@pytest.fixture
def no_dot(monkeypatch, tmp_path) -> None:
    """A PATH on which there is no ``dot``."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_missing_dot_message_and_exit_status(no_dot, tmp_path, capsys) -> None:
    out = tmp_path / "net.svg"
    assert main(["compile", str(GOLDEN / "small.net"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error[E801]: cannot draw the diagram: Graphviz's `dot` program "
                          "was not found\n")
    assert "sudo apt install graphviz" in err and "brew install graphviz" in err
    assert "`--format dot` writes the DOT text without it" in err
    # nothing is lost: the DOT text is written beside the requested file
    fallback = tmp_path / "net.dot"
    assert f"the DOT text was written to {fallback}" in err
    assert not out.exists()
    assert fallback.read_text() == compiled("small.net").to_dot().replace(
        "small.net", str(GOLDEN / "small.net"))


def test_missing_dot_never_overwrites_an_existing_dot_file(no_dot, tmp_path, capsys) -> None:
    (tmp_path / "net.dot").write_text("mine")
    assert main(["compile", str(GOLDEN / "small.net"), "-o", str(tmp_path / "net.png")]) == 1
    assert (tmp_path / "net.dot").read_text() == "mine"
    assert "written to" not in capsys.readouterr().err


def test_dot_format_needs_no_graphviz(no_dot, capsys) -> None:
    assert main(["compile", str(GOLDEN / "small.net"), "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "Small" {')


def test_missing_dot_in_the_api(no_dot) -> None:
    result = compiled("small.net")
    with pytest.raises(netdsl.NetdslError) as caught:
        result.render("svg")
    assert caught.value.diagnostics[0].code == "E801"
    assert "No diagram" in result._repr_html_()  # the tables, and a note instead


@needs_dot
def test_graphviz_failure_is_reported(tmp_path) -> None:
    from netdsl.backends.render import render

    with pytest.raises(netdsl.NetdslError) as caught:
        render("digraph { a -> }", "svg")
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E802"
    assert diagnostic.message.startswith("Graphviz's `dot` failed: Error: <stdin>: syntax error")


def test_boxes_of_the_newer_layers_name_their_key_figures() -> None:
    from netdsl.backends.dot import describe

    result = netdsl.compile_string("net T():\n    input(8, 8, 4)\n    convT(4, 2, 2)\n"
                                   "    adaptive_avgpool(2)\n    tokens\n    linear(8)\n"
                                   "    mha(2)\n")
    assert [describe(result.graph, n) for n in result.graph.nodes[1:]] == [
        "convT 2x2 stride 2 · 4 ch", "adaptive_avgpool to 2x2", "tokens", "linear · 8 units",
        "mha · 2 heads"]


def test_the_swatches_are_counted_as_the_legend_counts_steps() -> None:
    # The legend counts steps; the bar under it has a white "0" first, which is no step:
    # the row between says so, so 5 steps and 6 cells do not disagree.
    import netdsl
    from netdsl.backends.palette import RankScale

    examples = Path(__file__).resolve().parent.parent / "examples"
    dot = netdsl.compile_file(examples / "resnet50.net").to_dot()
    assert "by rank: 5 steps, 2.05M to 118M," in dot
    assert ">swatches: 0 (white: none), then each of the 5 steps</td>" in dot
    assert dot.count('width="48">') == 1 + 5
    one = netdsl.compile_string("net One():\n    input(4, 4, 3)\n    conv(8, 1)\n")
    assert ">swatches: 0 (white: none), then the one step</td>" in one.to_dot(color_by="params")
    none = netdsl.compile_string("net None_():\n    input(4, 4, 3)\n    relu\n")
    assert "swatches:" not in none.to_dot(color_by="params")  # only the 0, nothing to count
    from netdsl.backends.dot import _swatches_text

    scale = RankScale(2**i for i in range(20))
    assert _swatches_text(len(scale), len(scale.steps())) == (
        "swatches: 0 (white: none), then 7 of the 20 steps, spread from the cheapest to the "
        "dearest")
