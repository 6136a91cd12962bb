"""Estimates in diagrams and comparisons: --color-by latency|bound, compare --device.

The networks are estimated on a hand-made device with round figures (the one of
tests/test_estimate.py), so the figures do not depend on the device profiles;
the command line gets it through a stand-in for ``netdsl.devices``. One test also
uses a real profile by name when it exists.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from test_estimate import Device  # the hand-made device with round figures

import netdsl
from netdsl.backends.compare import (
    render_compare_csv,
    render_compare_json,
    render_compare_markdown,
    render_compare_text,
)
from netdsl.backends.dot import COLOR_BY, duration, render_dot
from netdsl.backends.palette import BOUND, MAGMA, ZERO, text_colour
from netdsl.cli import main

ROOT = Path(__file__).resolve().parent.parent


# Compute-, memory- and overhead-bound layers, one that does not run, and blocks.
SOURCE = """net T(width=32):
    input(64, 64, 16)
    conv(width, 3, bias=false)
    bn
    relu
    unit(width)
    unit(width)
    flatten
    dense(10)
    softmax

block unit(c):
    conv(c, 3, bias=false)
    dwconv(3)
    maxpool(3, s=1, pad=1)
"""

WIDE = """net W:
    input(64, 64, 16)
    conv(64, 3)
    conv(32, 1)
    gap
    dense(10)
"""


def estimated(source: str = SOURCE, **options) -> netdsl.CompileResult:
    return netdsl.compile_string(source, device=Device(), **options)


def fills(dot: str) -> dict[str, str]:
    out = {}
    for line in dot.splitlines():
        if 'fillcolor="' in line and line.strip().startswith('"'):
            out[line.strip().split('"')[1]] = line.split('fillcolor="')[1].split('"')[0]
    return out


def node_line(dot: str, name: str) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(f'"{name}" ['))


# --- diagrams: colour by latency -------------------------------------------------------------

def test_latency_shades_boxes_by_estimated_time_on_a_log_scale() -> None:
    result = estimated()
    dot = result.to_dot(color_by="latency")
    colours = fills(dot)
    seconds = {n.name: n.cost.estimate.seconds for n in result.graph.nodes}
    assert colours["input"] == ZERO and colours["flatten"] == ZERO  # they take no time
    slowest = max(seconds, key=seconds.get)
    quickest = min((s, name) for name, s in seconds.items() if s)[1]
    assert colours[slowest] == MAGMA[-1] and colours[quickest] == MAGMA[0]
    assert "fill: estimated time per box, by rank: " in dot
    # the legend runs from the quickest box's time to the slowest's
    assert f">{duration(seconds[quickest])}</font></td>" in dot
    assert f">{duration(seconds[slowest])}</font></td>" in dot


def test_collapsed_blocks_sum_their_times() -> None:
    result = estimated()
    dot = result.to_dot(color_by="latency", collapse=0)
    total = sum(n.cost.estimate.seconds for n in result.graph.nodes
                if n.blocks and n.blocks[0][0] == "unit1")
    assert f"{duration(total)}, " in node_line(dot, "unit1/")
    assert f"estimated {netdsl.backends.common.milliseconds(total)} ms in all" in \
        node_line(dot, "unit1/")
    assert set(fills(dot)) == {"input", "conv", "unit1/", "unit2/", "flatten", "dense",
                               "softmax"}


def test_frames_give_their_estimated_time() -> None:
    result = estimated()
    dot = result.to_dot(color_by="latency", collapse=1)
    total = sum(n.cost.estimate.seconds for n in result.graph.nodes
                if n.blocks and n.blocks[0][0] == "unit2")
    assert f"<b>unit2 · unit</b>  <font point-size=\"8\">{duration(total)}</font>" in dot


# --- diagrams: colour by bound ---------------------------------------------------------------

def test_bound_colours_each_box_by_what_bounds_it() -> None:
    result = estimated()
    dot = result.to_dot(color_by="bound")
    colours = fills(dot)
    bounds = {n.name: n.cost.estimate.bound for n in result.graph.nodes}
    assert {colours[name] for name in bounds} == {BOUND[b] for b in bounds.values()}
    assert all(colours[name] == BOUND[bound] for name, bound in bounds.items())
    # the network has all four kinds of box
    assert set(bounds.values()) == {"compute", "memory", "overhead", "none"}
    assert "fill: what bounds each box&#x27;s estimated time" in dot
    for bound, fill in BOUND.items():  # a categorical legend, not a scale
        assert f'<td bgcolor="{fill}" border="1" color="#888888" width="48"><font ' \
               f'color="{text_colour(fill)}" point-size="9">{bound}</font></td>' in dot
    assert "by rank" not in dot


def test_the_bound_palette_is_okabe_ito_and_readable() -> None:
    assert BOUND == {"compute": "#56b4e9", "memory": "#e69f00", "overhead": "#cc79a7",
                     "none": ZERO}
    assert {text_colour(fill) for fill in BOUND.values()} == {"#000000"}


def test_a_collapsed_block_takes_the_bound_of_its_slowest_layer() -> None:
    result = estimated()
    dot = result.to_dot(color_by="bound", collapse=0)
    for path in ("unit1", "unit2"):
        layers = [n for n in result.graph.nodes if n.blocks and n.blocks[0][0] == path]
        slowest = max(layers, key=lambda n: n.cost.estimate.seconds)
        assert fills(dot)[f"{path}/"] == BOUND[slowest.cost.estimate.bound]
        assert f"slowest layer {slowest.name}, " in node_line(dot, f"{path}/")


def test_labels_and_tooltips_carry_the_estimate() -> None:
    result = estimated()
    conv = result.graph["unit1/conv"].cost.estimate
    ms = netdsl.backends.common.milliseconds
    for color_by in COLOR_BY:  # whatever the colouring
        line = node_line(result.to_dot(color_by=color_by), "unit1/conv")
        assert f"{duration(conv.seconds)}, {conv.bound}" in line
        assert f"estimated {ms(conv.seconds)} ms, {conv.bound} bound\\n" in line
        assert f"compute {ms(conv.compute_seconds)} ms, memory {ms(conv.memory_seconds)} ms, " \
               f"overhead {ms(conv.overhead_seconds)} ms" in line
        assert "moved from DRAM" in line and "MACCs per byte; energy " in line
    assert "does not run" in node_line(result.to_dot(), "flatten")
    assert result.graph["conv"].cost.estimate.onchip  # its 0.8 MB fit in 1 MB
    assert "moved from on-chip memory" in node_line(result.to_dot(), "conv")
    title = result.to_dot().split("node [")[0]
    totals = result.totals.estimate
    assert "estimated on a device with round figures (bench-device; fp32, compulsory " \
           "traffic" in title
    assert f"{ms(totals.seconds)} ms per batch of 1 · {totals.fps:,.1f} examples/s" in title


def test_without_an_estimate_nothing_changes() -> None:
    result = netdsl.compile_string(SOURCE)
    dot = result.to_dot()
    assert "estimated" not in dot and "bound" not in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
@pytest.mark.parametrize("color_by", ["latency", "bound"])
def test_graphviz_draws_the_colourings_without_a_warning(color_by) -> None:
    result = estimated()
    for collapse in (None, 0, 1):
        run = subprocess.run(["dot", "-Tsvg"], capture_output=True, check=False,
                             input=result.to_dot(color_by=color_by,
                                                 collapse=collapse).encode())
        assert run.returncode == 0 and run.stderr == b"", run.stderr.decode()
        svg = run.stdout.decode()
        # the tooltip's lines come out as lines
        assert "&#10;compute " in svg and "µs" in svg


def test_durations() -> None:
    assert [duration(s) for s in (0, 2.5e-9, 4.8e-7, 5.08e-6, 4.71e-5, 2.3e-4, 0.0123, 1.5,
                                  150)] == \
        ["0", "2.50 ns", "0.48 µs", "5.08 µs", "47.1 µs", "0.23 ms", "12.3 ms", "1.50 s",
         "150 s"]


@pytest.mark.parametrize("color_by", ["latency", "bound"])
def test_colouring_by_the_estimate_needs_one(color_by) -> None:
    result = netdsl.compile_string(SOURCE)
    for draw in (lambda: result.to_dot(color_by=color_by),
                 lambda: render_dot(result.graph, color_by=color_by, collapse=0)):
        with pytest.raises(netdsl.NetdslError) as caught:
            draw()
        diagnostic = caught.value.diagnostics[0]
        assert diagnostic.code == "E603"
        assert f"colouring by {color_by} needs each layer's estimated time" in \
            diagnostic.message
        assert "give --device NAME" in diagnostic.hint


def test_other_colourings_keep_their_scale_with_an_estimate() -> None:
    plain = fills(netdsl.compile_string(SOURCE).to_dot(color_by="memory"))
    assert fills(estimated().to_dot(color_by="memory")) == plain


# --- compare ---------------------------------------------------------------------------------

def pair() -> list[netdsl.CompileResult]:
    return [estimated(), estimated(params={"width": 64})]


def test_compare_text_has_the_estimated_rows_and_ratios() -> None:
    results = pair()
    a, b = (r.totals.estimate for r in results)
    text = render_compare_text(["narrow", "wide"], results)
    rows = {line[:32].strip(): line[32:].split() for line in text.splitlines()[2:15]
            if line.strip()}
    assert rows["device"] == ["bench-device", "bench-device"]  # no ratio for a name
    assert rows["est. latency (ms)"] == [
        f"{a.seconds * 1000:,.3f}", f"{b.seconds * 1000:,.3f}",
        f"({b.seconds / a.seconds:.2f}x)"]
    assert rows["est. FPS (examples/s)"] == [f"{a.fps:,.1f}", f"{b.fps:,.1f}",
                                             f"({b.fps / a.fps:.2f}x)"]
    assert rows["est. energy per inference (mJ)"] == [
        f"{a.energy_joules * 1000:.4g}", f"{b.energy_joules * 1000:.4g}",
        f"({b.energy_joules / a.energy_joules:.2f}x)"]
    assert rows["est. memory-bound time"] == [
        f"{a.share('memory'):.1%}", f"{b.share('memory'):.1%}",
        f"({b.share('memory') / a.share('memory'):.2f}x)"]
    assert "a roofline on a device with round figures (bench-device; fp32, compulsory" in \
        " ".join(text.split())


def test_compare_json_gives_the_estimate_and_its_ratios() -> None:
    results = pair()
    document = json.loads(render_compare_json(["a", "b"], results))
    for network, result in zip(document["networks"], results, strict=True):
        e = result.totals.estimate
        assert network["estimate"] == {
            "device": "bench-device", "device_title": "a device with round figures",
            "dtype": "fp32", "memory_model": "compulsory", "batch": 1,
            "latency_ms": pytest.approx(e.seconds * 1000), "fps": pytest.approx(e.fps),
            "energy_mj": pytest.approx(e.energy_joules * 1000),
            "memory_bound_share": pytest.approx(e.share("memory"))}
    a, b = (r.totals.estimate for r in results)
    assert document["networks"][0]["estimate_ratios"] == {
        "latency_ms": 1.0, "fps": 1.0, "energy_mj": 1.0, "memory_bound_share": 1.0}
    assert document["networks"][1]["estimate_ratios"] == {
        "latency_ms": pytest.approx(b.seconds / a.seconds),
        "fps": pytest.approx(b.fps / a.fps),
        "energy_mj": pytest.approx(b.energy_joules / a.energy_joules),
        "memory_bound_share": pytest.approx(b.share("memory") / a.share("memory"))}


def test_compare_csv_and_markdown() -> None:
    results = pair()
    a, b = (r.totals.estimate for r in results)
    rows = list(csv.DictReader(io.StringIO(render_compare_csv(["a", "b"], results))))
    assert rows[1]["device"] == "bench-device" and "device_ratio" not in rows[1]
    assert float(rows[1]["est_latency_ms"]) == pytest.approx(b.seconds * 1000, abs=1e-6)
    assert float(rows[1]["est_fps"]) == pytest.approx(b.fps, abs=1e-6)
    assert float(rows[1]["est_energy_mj"]) == pytest.approx(b.energy_joules * 1000, abs=1e-6)
    assert float(rows[1]["est_memory_bound_share"]) == pytest.approx(b.share("memory"),
                                                                      abs=1e-6)
    assert float(rows[1]["est_latency_ms_ratio"]) == pytest.approx(b.seconds / a.seconds,
                                                                   abs=1e-4)
    assert rows[0]["est_fps_ratio"] == "1.0000"
    markdown = render_compare_markdown(["a", "b"], results)
    assert "| device | bench-device | bench-device |" in markdown
    assert f"| est. latency (ms) | {a.seconds * 1000:,.3f} | {b.seconds * 1000:,.3f} " \
           f"({b.seconds / a.seconds:.2f}x) |" in markdown


def test_energy_per_inference_is_per_example() -> None:
    results = [estimated(batch=4), estimated(batch=4, params={"width": 64})]
    e = results[0].totals.estimate
    document = json.loads(render_compare_json(["a", "b"], results))
    assert document["networks"][0]["estimate"]["energy_mj"] == \
        pytest.approx(e.energy_joules * 1000 / 4)
    assert document["networks"][0]["estimate"]["fps"] == pytest.approx(4 / e.seconds)


def test_compare_without_estimates_is_unchanged() -> None:
    results = [netdsl.compile_string(SOURCE), estimated()]  # only one estimated: no rows
    for render in (render_compare_text, render_compare_markdown, render_compare_csv):
        out = render(["a", "b"], results)
        assert "est" not in out.replace("test", "") and "device" not in out
    assert "estimate" not in render_compare_json(["a", "b"], results)


def test_a_network_that_takes_no_time_compares_without_infinities() -> None:
    results = [estimated("net N:\n    input(4, 4, 4)\n    flatten\n"), estimated()]
    document = json.loads(render_compare_json(["a", "b"], results))  # strict JSON
    assert document["networks"][0]["estimate"]["fps"] is None
    assert document["networks"][1]["estimate_ratios"]["latency_ms"] is None
    assert "n/a" in render_compare_text(["a", "b"], results)


# --- the command line ------------------------------------------------------------------------

@pytest.fixture
def devices(monkeypatch) -> None:
    """``--device bench-device`` loads the hand-made device."""
    def load_device(name: str) -> Device:
        assert name == "bench-device", name
        return Device()

    module = types.ModuleType("netdsl.devices")
    module.load_device = load_device  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "netdsl.devices", module)


@pytest.fixture
def sources(tmp_path) -> tuple[str, str]:
    narrow, wide = tmp_path / "narrow.net", tmp_path / "wide.net"
    narrow.write_text(SOURCE)
    wide.write_text(WIDE)
    return str(narrow), str(wide)


def test_cli_diagram_colourings(devices, sources, capsys) -> None:
    narrow, _ = sources
    for color_by in ("latency", "bound"):
        assert main(["compile", narrow, "--device", "bench-device", "--format", "dot",
                     "--color-by", color_by, "--collapse-blocks"]) == 0
        dot = capsys.readouterr().out
        assert dot == netdsl.compile_file(narrow, device=Device()).to_dot(color_by=color_by,
                                                                          collapse=0)


def test_cli_colouring_by_the_estimate_without_a_device(sources, capsys) -> None:
    narrow, _ = sources
    assert main(["compile", narrow, "--format", "dot", "--color-by", "bound"]) == 1
    err = capsys.readouterr().err
    assert "error[E603]: colouring by bound needs each layer's estimated time" in err
    assert "give --device NAME" in err


def test_cli_compare_with_a_device(devices, sources, capsys) -> None:
    narrow, wide = sources
    assert main(["compare", narrow, wide, "--device", "bench-device"]) == 0
    out = capsys.readouterr().out
    assert "device" in out and "est. latency (ms)" in out and "est. memory-bound time" in out
    assert main(["compare", narrow, f"{narrow}:width=64", "--device", "bench-device",
                 "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    expected = estimated(params={"width": 64}).totals.estimate
    assert document["networks"][1]["estimate"]["latency_ms"] == \
        pytest.approx(expected.seconds * 1000)
    assert document["networks"][1]["label"] == "T (width=64)"
    for fmt, marker in (("csv", "est_memory_bound_share_ratio"),
                        ("markdown", "| est. FPS (examples/s) |")):
        assert main(["compare", narrow, wide, "--device", "bench-device", "--format",
                     fmt]) == 0
        assert marker in capsys.readouterr().out


def test_cli_compare_without_a_device_has_no_estimate(sources, capsys) -> None:
    narrow, wide = sources
    assert main(["compare", narrow, wide]) == 0
    assert "est." not in capsys.readouterr().out


@pytest.mark.skipif(not (ROOT / "netdsl" / "devices" / "__init__.py").exists() or
                    not (ROOT / "netdsl" / "devices" / "phone-2018.toml").exists(),
                    reason="the device profiles are not there yet")
def test_cli_with_a_real_profile(sources, capsys) -> None:
    narrow, wide = sources
    assert main(["compare", narrow, wide, "--device", "phone-2018"]) == 0
    assert "phone-2018" in capsys.readouterr().out
    assert main(["compile", narrow, "--device", "phone-2018", "--format", "dot",
                 "--color-by", "bound"]) == 0
    assert "fill: what bounds each box&#x27;s estimated time" in capsys.readouterr().out
