"""The roofline chart: netdsl roofline, CompileResult.roofline and netdsl.backends.roofline.

The device is the hand-made one of test_estimate.py (round figures), so the tests do not
depend on the device profiles; the CLI finds it by name through a stand-in for
netdsl.devices.load_device.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import attrs
import pytest
from test_estimate import Device

import netdsl
from netdsl.backends.roofline import render_roofline, roofline_figure
from netdsl.cli import main

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
V2 = str(ROOT / "examples" / "mobilenet_v2.net")
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def v2() -> netdsl.CompileResult:
    return netdsl.compile_file(V2, device=Device())


@pytest.fixture(scope="module")
def v2_svg(v2) -> bytes:
    return v2.roofline("svg")


def code_of(call) -> str:
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    return caught.value.diagnostics[0].code


@pytest.fixture
def devices(monkeypatch):
    """``--device bench-device`` names the hand-made device, whatever netdsl.devices holds."""
    stand_in = types.ModuleType("netdsl.devices")

    def load_device(name):
        if name != "bench-device":
            raise netdsl.NetdslError(())
        return Device()

    stand_in.load_device = load_device
    monkeypatch.setitem(sys.modules, "netdsl.devices", stand_in)


def test_each_format_has_its_magic_number(v2, v2_svg) -> None:
    assert v2_svg.startswith(MAGIC["svg"]) and b"<svg" in v2_svg[:1000]
    for image_format in ("png", "pdf"):
        assert v2.roofline(image_format).startswith(MAGIC[image_format])
    with pytest.raises(ValueError):
        v2.roofline("jpeg")


def test_svg_is_byte_stable(v2, v2_svg) -> None:
    assert render_roofline(v2, "svg") == v2_svg
    assert b"<dc:date>" not in v2_svg


def test_the_heaviest_layers_are_named(v2, v2_svg) -> None:
    text = v2_svg.decode("utf-8")
    roof = roofline_figure(v2).axes[0]
    label = re.compile(r"^(\S+) (?:\+ (\d+) more here )?\((\d+\.\d)%\)$")
    labels = [t.get_text() for t in roof.texts if label.match(t.get_text())]
    assert len(labels) == 8
    heaviest = max(v2.layers, key=lambda n: n.cost.estimate.seconds)
    total = v2.totals.estimate.seconds
    for shown in labels:
        name, more, share = label.match(shown).groups()
        node = v2.graph[name]
        assert node.cost.maccs  # only layers with MACCs are points
        if more is None:  # alone at its point: its own share
            assert share == f"{100 * node.cost.estimate.seconds / total:.1f}"
        assert shown in text  # the SVG carries the text (as a comment beside the glyphs)
    assert any(shown.startswith(f"{heaviest.name} ") for shown in labels)
    # Layers without MACCs are never points: the chart says where their time is.
    assert "12 layers without MACCs (add, gap, softmax): 1.4% of the time, in the bar chart " \
        "only" in text
    assert "2 layers taking no time (dropout, input): not drawn" in text
    assert "MobileNetV2(alpha=1.0, size=224, classes=1000): 6.553 ms per inference, " \
        "estimated" in text
    assert "on a device with round figures (bench-device), fp32, compulsory traffic" in text


def test_the_figure_has_two_panels_on_log_log_and_linear_axes(v2) -> None:
    figure = roofline_figure(v2)
    roof, bars = figure.axes
    assert (roof.get_xscale(), roof.get_yscale()) == ("log", "log")
    assert bars.get_xscale() == "linear"
    assert len(bars.get_yticklabels()) == 20
    x_lo, x_hi = roof.get_xlim()
    assert x_lo <= 1 and x_hi >= 10  # both ridges of the device, 1 and 10 MACC/B
    points = [(n.cost.estimate.intensity, n.cost.maccs / n.cost.estimate.seconds)
              for n in v2.layers if n.cost.maccs]
    for x, y in points:  # under the roof: peak, and on-chip bandwidth x intensity
        assert x_lo < x < x_hi
        assert y <= min(100e9, x * 100e9) * (1 + 1e-9)


def test_no_estimate_is_E603(capsys) -> None:
    result = netdsl.compile_file(V2)
    with pytest.raises(netdsl.NetdslError) as caught:
        result.roofline()
    first = caught.value.diagnostics[0]
    assert first.code == "E603"
    assert "give --device NAME" in first.hint


def test_without_matplotlib_it_is_E901(v2, monkeypatch, tmp_path, capsys, devices) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(netdsl.NetdslError) as caught:
        v2.roofline()
    first = caught.value.diagnostics[0]
    assert first.code == "E901"
    assert "pip install 'netdsl[plot]'" in first.hint
    out = tmp_path / "roofline.svg"
    assert main(["roofline", V2, "--device", "bench-device", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error[E901]: netdsl roofline needs the Python package 'matplotlib'" in err
    assert not out.exists()


def test_the_command_writes_the_chart(tmp_path, capsys, devices) -> None:
    for name in ("roofline.png", "roofline.pdf"):
        out = tmp_path / name
        assert main(["roofline", V2, "--device", "bench-device", "--set", "alpha=0.5",
                     "-o", str(out)]) == 0
        assert out.read_bytes().startswith(MAGIC[name[-3:]])
    out = tmp_path / "chart"
    assert main(["roofline", V2, "--device", "bench-device", "--format", "svg", "--dtype",
                 "int8", "--batch", "2", "-o", str(out)]) == 0
    text = out.read_text()
    assert "int8" in text and "per batch of 2, estimated" in text
    assert capsys.readouterr().err == ""


def test_the_command_to_standard_output_and_its_errors(tmp_path, capsys, devices) -> None:
    assert main(["roofline", V2, "--device", "bench-device"]) == 0  # SVG by default
    assert capsys.readouterr().out.startswith("<?xml")
    assert main(["roofline", V2, "--device", "bench-device", "-o",
                 str(tmp_path / "r.jpg")]) == 1
    assert "cannot tell the image format from the file name" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:  # --device is required
        main(["roofline", V2])
    assert exited.value.code == 2
    capsys.readouterr()


def test_png_is_refused_on_a_terminal(monkeypatch, capsys, devices) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert main(["roofline", V2, "--device", "bench-device", "--format", "png"]) == 1
    assert "refusing to write a PNG image to the terminal" in capsys.readouterr().err


def test_networks_with_nothing_to_plot_still_draw() -> None:
    idle = netdsl.compile_string("net T:\n    input(8, 8, 8)\n    flatten\n", device=Device())
    assert idle.totals.estimate.seconds == 0
    assert idle.roofline("svg").startswith(MAGIC["svg"])
    no_maccs = netdsl.compile_string("net T:\n    input(64, 64, 8)\n    relu\n",
                                     device=Device(onchip_bytes=None, onchip_bandwidth=None))
    text = no_maccs.roofline("svg").decode("utf-8")
    assert "relu *" in text and "on-chip" not in text


def test_a_real_device_profile(tmp_path) -> None:
    try:
        from netdsl.devices import load_device

        device = load_device("phone-2018")
    except (ImportError, netdsl.NetdslError):
        pytest.skip("no netdsl.devices profile phone-2018 yet")
    result = netdsl.compile_file(V2, device=device)
    assert result.roofline("svg").startswith(MAGIC["svg"])


def test_the_profile_s_efficiencies_are_drawn_as_lower_roofs() -> None:
    @attrs.frozen
    class Efficient(Device):
        efficiency: dict = attrs.field(factory=lambda: {"conv": 0.5, "pointwise": 0.5,
                                                        "depthwise": 0.2})

    result = netdsl.compile_file(V2, device=Efficient())
    text = result.roofline("svg").decode("utf-8")
    assert "efficiency 50%: conv, pointwise" in text
    assert "efficiency 20%: depthwise" in text
