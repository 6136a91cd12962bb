"""How results and errors show in a REPL or a notebook: one line, the caret diagnostic, the
HTML view (totals, largest layers, the diagram) and the per-layer DataFrame.

A result used to print its whole graph (about 115,000 characters for MobileNetV2); an error
raised in IPython showed internal frames instead of the diagnostic.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import netdsl
from netdsl.backends import html as html_backend
from netdsl.backends.common import milliseconds
from netdsl.backends.csv_report import CSV_COLUMNS, ESTIMATE_COLUMNS
from netdsl.driver import CompileOptions, compile_graph
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import Activation, Conv, Input

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_a_result_is_one_line() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net")
    assert repr(result) == ("<CompileResult MobileNetV2: 67 layers, output 1000, "
                            "300,774,272 MACCs, 3,487,816 params>")
    assert "\n" not in repr(result)


def test_an_error_renders_as_its_diagnostic_in_ipython() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net T:\n    input(8, 8, 3)\n    covn(3)\n", filename="t.net")
    # IPython calls _render_traceback_ and prints the lines it returns instead of a traceback.
    assert caught.value._render_traceback_() == [
        "error[E201]: unknown layer or block 'covn'",
        " --> t.net:3:5",
        "  |",
        "3 |     covn(3)",
        "  |     ^^^^",
        " = help: did you mean 'conv'?",
    ]


# --- the HTML view (_repr_html_) ----------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


@functools.cache
def mobilenet_v2() -> netdsl.CompileResult:
    return netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net")


class _Tables(HTMLParser):
    """The text of every table cell, table by table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(fragment: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(fragment)
    return parser.tables


def svg_of(fragment: str) -> ET.Element | None:
    """The inline SVG element of an HTML view, parsed; None when there is none."""
    found = re.search(r"<svg\b.*</svg>", fragment, re.S)
    return None if found is None else ET.fromstring(found.group(0))


def drawn(svg: ET.Element, kind: str) -> int:
    """How many boxes (``node``) or frames (``cluster``) Graphviz drew."""
    return sum(g.get("class") == kind for g in svg.iter(f"{SVG}g"))


def test_the_html_view_shows_the_totals_of_the_text_report() -> None:
    result = mobilenet_v2()
    view = result._repr_html_()
    assert "<b>MobileNetV2</b>(alpha=1.0, size=224, classes=1000)" in view
    assert "67 layers, output 1000; fp32, batch 1, naive memory model" in view
    totals = tables(view)[0]
    assert totals[0] == ["", "before passes", "after passes", "saved"]
    by_label = {row[0].strip("\u2003"): row[1:] for row in totals[1:]}
    assert by_label["parameters"] == ["3,538,984", "3,487,816", "1.01x fewer"]
    assert by_label["MACCs"] == ["300,774,272", "300,774,272", ""]
    assert by_label["peak activations (elements)"] == ["2,408,448", "1,505,280",
                                                       "1.60x fewer"]
    # Row for row, the figures of the text report's Totals section.
    text = result.to_text().split("\nTotals\n", 1)[1].split("\nmodel size", 1)[0]
    expected = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[1:]]
    shown = [[cell.strip("\u2003") for cell in row if cell] for row in totals[1:]]
    assert shown == expected
    assert "model size (fp32) 13,951,264 bytes = 14.0 MB (13.3 MiB)" in view
    assert "Passes: 154 layers as written, 67 after: 52 batch norms folded, 35 layers fused; " \
           "1 not applied" in view


def test_the_html_view_lists_the_largest_layers() -> None:
    by_maccs, by_memory = tables(mobilenet_v2()._repr_html_())[1:3]
    assert by_maccs[0] == ["by MACCs", "op", "MACCs", "%"]
    assert by_maccs[1] == ["cbr6_2/conv", "conv", "20,070,400", "6.7"]
    assert [row[0] for row in by_maccs[1:]] == [
        "cbr6_2/conv", "stage2/ir1/expand/conv", "stage7/ir/project/conv", "cbr6_1/conv",
        "stage2/ir2/expand/conv"]
    assert by_memory[1][0] == "cbr6_1/conv" and by_memory[1][3] == "12"


def test_the_html_view_lists_the_text_reports_largest_layers() -> None:
    # One selector for every view: the notebook's lists are the text report's.
    result = netdsl.compile_file(ROOT / "tests" / "golden" / "small.net")
    by_maccs, by_memory = tables(result._repr_html_())[1:3]
    assert [row[0] for row in by_maccs[1:]] == ["conv2", "conv3", "conv1", "dense"]
    assert [row[0] for row in by_memory[1:]] == ["conv2", "conv3", "conv1", "add", "maxpool"]
    text = result.to_text(200)
    assert "  by MACCs: conv2 (46%), conv3 (46%), conv1 (8.6%), dense (0.0%)\n" in text
    assert "  by memory accesses: conv2 (36%), conv3 (36%), conv1 (27%), add (0.7%), " \
           "maxpool (0.3%)\n" in text


def test_the_html_view_of_a_network_without_maccs_lists_none() -> None:
    result = netdsl.compile_string("net p:\n    input(8, 8, 4)\n    maxpool(2)\n    relu\n")
    by_maccs, by_memory = tables(result._repr_html_())[1:3]
    assert by_maccs == [["by MACCs", "op", "MACCs", "%"]]  # no row of 0 MACCs
    assert [row[:3] for row in by_memory[1:]] == [["maxpool", "maxpool", "320"],
                                                 ["relu", "relu", "128"]]


@needs_dot
def test_a_large_network_is_drawn_collapsed_to_fit() -> None:
    result = mobilenet_v2()
    assert len(result.layers) > html_backend.MAX_BOXES
    assert html_backend.diagram_depth(result.graph) == 1  # 67 boxes at depth 2, 24 at 1
    view = result._repr_html_()
    svg = svg_of(view)
    assert svg is not None
    # One box per inverted residual; a frame around each stage of two or more.
    assert drawn(svg, "node") == 24 == html_backend.box_count(result.graph, 1)
    assert drawn(svg, "cluster") == 5
    # In the command line's terms: collapse=1 draws the rows of --depth 2.
    assert "Diagram: 24 boxes for 67 layers (each block instance nested 2 deep is one box, " \
           "as netdsl compile --depth 2 draws it; collapse=1), shaded by MACCs" in view
    assert result.to_csv(depth=2).count("\n") == 1 + 24
    assert svg.get("style") == "max-width: 100%; height: auto"
    assert "<?xml" not in view and "<!DOCTYPE" not in view


@needs_dot
def test_a_small_network_is_drawn_whole() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v1.net")
    assert html_backend.diagram_depth(result.graph) is None
    svg = svg_of(result._repr_html_())
    assert svg is not None and drawn(svg, "node") == len(result.layers) == 32


def test_the_depth_is_the_deepest_that_fits() -> None:
    # EfficientNet-B0: 127 layers, 79 boxes at depth 1, 23 at depth 0.
    result = netdsl.compile_file(ROOT / "examples" / "efficientnet_b0.net")
    assert html_backend.diagram_depth(result.graph) == 0
    assert html_backend.box_count(result.graph, 0) == 23
    assert html_backend.diagram_depth(result.graph, max_boxes=79) == 1


def test_a_network_too_long_to_draw_gets_a_note() -> None:
    layers = html_backend.MAX_DRAWN + 1  # no blocks, so nothing to collapse
    result = netdsl.compile_string("net Flat:\n    input(4, 4, 3)\n" + "    relu\n" * layers)
    view = result._repr_html_()
    assert svg_of(view) is None
    assert f"No diagram: {layers + 1} boxes are too many to draw here; " \
           "result.render(&#x27;svg&#x27;) draws them all." in view


def odd_result(name: str) -> netdsl.CompileResult:
    """A network and layers whose names are markup."""
    nodes = (Node("<in>", Input((8, 8, 3))),
             Node("<b>&amp;</b>", Conv(4, (1, 1)), ("<in>",), blocks=(("<blk>", "a&b"),)),
             Node('say "hi"', Activation("relu"), ("<b>&amp;</b>",), blocks=(("<blk>", "a&b"),)))
    graph = Graph(name, nodes, ('say "hi"',), arguments=(("tag", "</table>"),))
    return compile_graph(graph, CompileOptions(passes=("infer-shapes", "annotate-cost")))


@pytest.mark.parametrize("dot", [True, False], ids=["with-dot", "without-dot"])
def test_the_html_view_escapes_every_name(dot, monkeypatch, tmp_path) -> None:
    if dot and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is missing")
    if not dot:
        monkeypatch.setenv("PATH", str(tmp_path))
    name = '<script>alert("x")</script> & co'
    view = odd_result(name)._repr_html_()
    assert "<script" not in view and "</table>\"" not in view
    # Well-formed markup whose text holds every name as written: nothing was read as a tag.
    root = ET.fromstring(view)
    text = "".join(root.itertext())
    assert f'{name}(tag="</table>")' in text
    # The largest layers name the convolution and the activation; the diagram every layer.
    for layer in ("<b>&amp;</b>", 'say "hi"', *(["<in>", "<blk> · a&b"] if dot else [])):
        assert layer in text


def test_without_dot_the_view_is_the_tables_and_a_note(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    view = mobilenet_v2()._repr_html_()
    assert svg_of(view) is None
    assert "No diagram: Graphviz&#x27;s dot program was not found (install Graphviz: " \
           "https://graphviz.org/download/); result.to_dot() gives the DOT text." in view
    assert len(tables(view)) == 3 and "300,774,272" in view


def test_the_html_view_shows_the_estimate_and_warnings() -> None:
    result = netdsl.compile_string("net T:\n    input(3, 224, 224)\n    conv(8, 3)\n",
                                   filename="t.net", device="phone-2018")
    view = result._repr_html_()
    estimate = result.totals.estimate
    assert f"Estimated on {html.escape(estimate.title)} (phone-2018; fp32, compulsory traffic)" \
           in view
    latency = tables(view)[1][0]
    assert latency == ["latency", f"{milliseconds(estimate.seconds)} ms per batch of 1"]
    assert "t.net:2:5: warning[W401]: input 3x224x224 looks channels-first" in view


def test_jupyter_shows_the_html_view_and_the_one_line_repr() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(mobilenet_v2())
    # Only HTML as rich output: an SVG as well would draw and store the diagram twice.
    assert set(data) == {"text/plain", "text/html"}
    assert data["text/plain"] == repr(mobilenet_v2())


# --- to_dataframe -------------------------------------------------------------------------------

def test_the_dataframe_is_the_csv_report_with_numbers() -> None:
    pd = pytest.importorskip("pandas")
    result = mobilenet_v2()
    frame = result.to_dataframe()
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == len(result.layers) == 67
    assert list(frame["name"]) == [node.name for node in result.layers]
    counts = ["params", "weights", "biases", "bn_affine", "bn_stats", "maccs", "flops",
              "memory_accesses", "memory_input", "memory_output", "memory_weights",
              "activations"]
    assert all(frame[c].dtype == "int64" for c in counts)
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in
               ("name", "op", "inputs", "output_shape", "fused", "source"))
    totals = result.totals
    assert frame["maccs"].sum() == totals.maccs == 300_774_272
    assert frame["params"].sum() == totals.params.total == 3_487_816
    assert frame["flops"].sum() == totals.flops
    assert frame["memory_accesses"].sum() == totals.memory.total
    assert frame["activations"].sum() == totals.activations
    top = frame.sort_values("maccs").iloc[-1]
    assert (top["name"], top["op"], top["output_shape"], top["maccs"], top["fused"]) == \
        ("cbr6_2/conv", "conv", "7x7x1280", 20_070_400, "bn;relu6")


def test_the_dataframe_carries_the_estimate_as_floats() -> None:
    pytest.importorskip("pandas")
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net", device="phone-2018")
    frame = result.to_dataframe()
    assert list(frame.columns) == list(CSV_COLUMNS + ESTIMATE_COLUMNS)
    for column in ("intensity_maccs_per_byte", "est_seconds", "est_energy_joules"):
        assert frame[column].dtype == "float64"
    assert frame["est_seconds"].sum() == pytest.approx(result.totals.estimate.seconds)
    # A layer that moves nothing (dropout) has no intensity: NaN, not 0 or "".
    dropout = frame[frame["op"] == "dropout"].iloc[0]
    assert dropout["intensity_maccs_per_byte"] != dropout["intensity_maccs_per_byte"]
    assert set(frame["bound"]) <= {"compute", "memory", "overhead", "none"}


def test_the_dataframe_without_pandas_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(netdsl.NetdslError) as caught:
        mobilenet_v2().to_dataframe()
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E901"
    assert "CompileResult.to_dataframe() needs the Python package 'pandas'" in diagnostic.message
    assert diagnostic.hint == "install the 'notebook' extra: pip install 'netdsl[notebook]'"


def test_the_notebook_groups_stages_by_depth_and_says_it_needs_jupyter() -> None:
    # Rows per stage come from the roll-up (to_dataframe(depth=1)), not from cutting names
    # at '/', and the notebook and README name what running it needs beyond pandas.
    import json as json_
    from pathlib import Path as Path_

    root = Path_(__file__).resolve().parent.parent
    cells = json_.loads((root / "docs" / "notebook.ipynb").read_text())["cells"]
    stage = next("".join(c["source"]) for c in cells if c.get("id") == "per-stage")
    assert "to_dataframe(depth=1)" in stage and 'split("/")' not in stage
    assert "jupyterlab" in "".join(cells[0]["source"])
    assert "pip install 'netdsl[notebook]'\njupyterlab`" in (root / "README.md").read_text()
