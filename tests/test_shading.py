"""Diagram shading by rank, its legend, and the resolution of PNG diagrams (--dpi).

Fills are compared by CIELAB lightness and colour difference (CIE76 delta E), the
measure of how far apart two colours look: about 2.3 is the least difference one
can see side by side, and 15 or more is plain at a glance, between boxes a page apart.
"""

from __future__ import annotations

import itertools
import shutil
import struct
from pathlib import Path

import pytest

import netdsl
from netdsl.backends.palette import MAGMA, ZERO, RankScale, colour_at
from netdsl.backends.render import MAX_DPI, check_dpi, render
from netdsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
RESNET50 = ROOT / "examples" / "resnet50.net"
SMALL = ROOT / "tests" / "golden" / "small.net"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour ``#rrggbb``."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5


def fills(dot: str) -> dict[str, str]:
    """Each box's fill, by the box's name in the DOT text."""
    out = {}
    for line in dot.splitlines():
        if 'fillcolor="' in line and line.strip().startswith('"'):
            out[line.strip().split('"')[1]] = line.split('fillcolor="')[1].split('"')[0]
    return out


def legend_cells(dot: str) -> list[tuple[str, str]]:
    """The legend's swatches: (fill, text) from left to right."""
    cells = dot.split("fill: ", 1)[1].split("</table>", 1)[0].split('<td bgcolor="')[1:]
    return [(cell[:7], cell.split('point-size="9">')[1].split("</font>")[0]) for cell in cells]


@pytest.fixture(scope="module")
def resnet50() -> netdsl.CompileResult:
    return netdsl.compile_file(str(RESNET50))


# --- ResNet-50 with its stages collapsed ----------------------------------------------------

STAGE_MACCS = {"stage1/": 667_942_912, "stage2/": 1_027_604_480, "stage3/": 1_464_336_384,
               "stage4/": 809_238_528}


def test_the_four_stages_get_four_distinct_fills_ordered_by_maccs(resnet50, capsys) -> None:
    assert main(["compile", str(RESNET50), "--format", "dot", "--collapse-blocks"]) == 0
    dot = capsys.readouterr().out
    colours = fills(dot)
    stages = {name: sum(n.cost.maccs for n in resnet50.graph.nodes
                        if n.blocks and n.blocks[0][0] == name[:-1]) for name in STAGE_MACCS}
    assert stages == STAGE_MACCS  # 668M to 1.46G
    ordered = sorted(STAGE_MACCS, key=STAGE_MACCS.get)  # stage1, stage4, stage2, stage3
    assert len({colours[name] for name in ordered}) == 4
    for cheaper, dearer in itertools.pairwise(ordered):
        assert lab(colours[dearer])[0] < lab(colours[cheaper])[0]  # more is darker
        assert delta_e(colours[cheaper], colours[dearer]) > 20  # plain to see
    # six distinct values: the classifier 2.05M, the stem 118M, then the stages, by rank
    assert [colours[name] for name in ["fc", "cbr/conv", *ordered]] == [
        colour_at(i / 5) for i in range(6)]
    # the boxes that compute nothing stay white
    assert {colours[name] for name in ("input", "maxpool", "gap", "softmax")} == {ZERO}


def test_a_log_scale_would_have_drawn_them_alike() -> None:
    """Why the scale ranks: on a log scale from 2.05M to 1.46G the stages sit in its top
    eighth, and neighbouring ones differ by less than a third of the rank scale's step."""
    import math

    def log_fill(value: int) -> str:
        return colour_at(math.log(value / 2_048_000) / math.log(1_464_336_384 / 2_048_000))

    ordered = sorted(STAGE_MACCS.values())
    assert all(delta_e(log_fill(a), log_fill(b)) < 7 for a, b in itertools.pairwise(ordered))


def test_the_legend_states_the_scale_and_its_range(resnet50) -> None:
    dot = resnet50.to_dot(collapse=0)
    assert ("fill: MACCs per box, by rank: 6 steps, 2.05M to 1.46G, at even steps of colour "
            "(not in proportion; values within 10% of each other share a step)</td>") in dot
    assert legend_cells(dot) == [
        (ZERO, "0"), (MAGMA[0], "2.05M"), (colour_at(0.2), "118M"), (colour_at(0.4), "668M"),
        (colour_at(0.6), "809M"), (colour_at(0.8), "1.03G"), (MAGMA[-1], "1.46G")]


def test_the_scale_is_over_the_boxes_drawn(resnet50) -> None:
    # every layer: the biggest box is the 7x7 stem (118M), and layers within 10% share a
    # fill: the 3x3 convolutions of 116M and the stem; the 103M ones are a step lighter
    dot = resnet50.to_dot()
    assert "by rank: 5 steps, 2.05M to 118M," in dot
    colours = fills(dot)
    assert colours["cbr/conv"] == colours["stage1/bottleneck1/cbr2/conv"] == MAGMA[-1]
    # 103M: the first 1x1 convolution and the projection of a stage's first bottleneck
    assert colours["stage2/bottleneck1/cbr1/conv"] == colours["stage4/bottleneck1/cbr4/conv"] \
        == colour_at(0.75)
    assert [text for _, text in legend_cells(dot)] == [
        "0", "2.05M", "12.8M", "51.4M", "103M", "116–118M"]
    # bottlenecks as boxes: 218M and 231M are within 10%, 373M is not
    dot = resnet50.to_dot(collapse=1)
    assert "by rank: 4 steps, 2.05M to 373M," in dot
    colours = fills(dot)
    assert colours["stage1/bottleneck1/"] == colours["stage1/bottleneck2/"] == colour_at(2 / 3)
    assert colours["stage2/bottleneck1/"] == MAGMA[-1]
    assert [text for _, text in legend_cells(dot)] == ["0", "2.05M", "118M", "218–231M",
                                                       "373M"]


def test_latency_is_ranked_too() -> None:
    result = netdsl.compile_file(str(RESNET50), device="phone-2018")
    dot = result.to_dot(collapse=0, color_by="latency")
    assert "fill: estimated time per box, by rank: " in dot
    seconds = {name: sum(n.cost.estimate.seconds for n in result.graph.nodes
                         if n.blocks and n.blocks[0][0] == name[:-1]) for name in STAGE_MACCS}
    colours = fills(dot)
    ordered = sorted(seconds, key=seconds.get)
    for quicker, slower in itertools.pairwise(ordered):
        if seconds[slower] > 1.1 * seconds[quicker]:
            assert lab(colours[slower])[0] < lab(colours[quicker])[0]


def test_legends_of_one_step_and_of_none() -> None:
    one = netdsl.compile_string("net One():\n    input(4, 4, 3)\n    conv(8, 1)\n    relu\n")
    dot = one.to_dot(color_by="params")
    assert "fill: parameters per box, one step, 32</td>" in dot
    assert legend_cells(dot) == [(ZERO, "0"), (MAGMA[-1], "32")]
    none = netdsl.compile_string("net None_():\n    input(4, 4, 3)\n    relu\n")
    dot = none.to_dot(color_by="params")
    assert "fill: parameters per box, every box 0</td>" in dot
    assert set(fills(dot).values()) == {ZERO}


# --- the scale itself ----------------------------------------------------------------------

def test_rank_scale_steps_and_positions() -> None:
    scale = RankScale([0, 5, 100, 104, 110, 111, 1000, 1000, -3])
    # 100, 104 and 110 are within 10% of 100: one step; 111 starts the next
    assert scale.levels == ((5, 5), (100, 110), (111, 111), (1000, 1000))
    assert len(scale) == 4 and scale.low == 5 and scale.high == 1000
    assert [scale.position(v) for v in (5, 100, 104, 110, 111, 1000)] == [
        0.0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1.0]
    assert scale.position(0) is None and scale.position(-3) is None
    assert scale.fill(0) == ZERO and scale.fill(1000) == MAGMA[-1]
    # a value the scale was not built from: inside a step's range, between steps
    # (logarithmically), or clipped at the ends
    assert scale.position(107) == pytest.approx(1 / 3)
    assert scale.position((111 * 1000) ** 0.5) == pytest.approx(2 / 3 + 1 / 6)
    assert scale.position(1) == 0.0 and scale.position(10**6) == 1.0


def test_rank_scale_edge_cases() -> None:
    assert not RankScale([]) and not RankScale([0, 0]) and RankScale([0, 0]).position(1) is None
    single = RankScale([7, 7, 0])
    assert single.position(7) == 1.0 and single.steps() == [((7, 7), 1.0)]
    exact = RankScale([100, 101], tolerance=0)
    assert len(exact) == 2
    with pytest.raises(ValueError, match="tolerance"):
        RankScale([1], tolerance=-0.1)


def test_a_long_legend_shows_seven_spread_steps() -> None:
    scale = RankScale(2**i for i in range(20))  # 20 steps, each double the last
    assert len(scale.steps()) == 7
    assert scale.steps()[0] == ((1, 1), 0.0) and scale.steps()[-1] == ((2**19, 2**19), 1.0)
    assert [value for (value, _), _t in scale.steps()] == [2**i for i in (0, 3, 6, 10, 13, 16,
                                                                           19)]
    assert len(RankScale(2**i for i in range(12)).steps()) == 12  # up to 12: every step


# --- --dpi -----------------------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk comes first)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_dot
def test_dpi_scales_the_png() -> None:
    result = netdsl.compile_file(str(SMALL))
    default = png_size(result.render("png"))
    at = {dpi: png_size(result.render("png", dpi=dpi)) for dpi in (48, 96, 192)}
    assert at[96] == default  # Graphviz's default resolution
    for side in (0, 1):  # twice the dpi, twice the pixels (to a pixel of rounding)
        assert abs(at[192][side] - 2 * at[96][side]) <= 2
        assert abs(2 * at[48][side] - at[96][side]) <= 2
    assert at[48][0] > 100  # a real drawing, not an empty image


@needs_dot
def test_cli_dpi(tmp_path) -> None:
    sizes = {}
    for dpi in (None, 150):
        out = tmp_path / f"{dpi}.png"
        assert main(["compile", str(SMALL), "-o", str(out),
                     *(["--dpi", str(dpi)] if dpi else [])]) == 0
        sizes[dpi] = png_size(out.read_bytes())
    assert abs(sizes[150][0] - sizes[None][0] * 150 / 96) <= 2
    assert abs(sizes[150][1] - sizes[None][1] * 150 / 96) <= 2


@pytest.mark.parametrize(("value", "message"), [
    ("0", "expected a whole number of pixels per inch from 1 to 600, got 0"),
    ("601", "expected a whole number of pixels per inch from 1 to 600, got 601"),
    ("-5", "expected a whole number of pixels per inch from 1 to 600, got -5"),
    ("1.5", "expected a whole number of pixels per inch from 1 to 600, got '1.5'"),
])
def test_cli_rejects_a_bad_dpi(tmp_path, capsys, value, message) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["compile", str(SMALL), "-o", str(tmp_path / "x.png"), f"--dpi={value}"])
    assert exited.value.code == 2
    assert f"argument --dpi: {message}" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(("args", "fmt"), [
    (["--format", "svg"], "svg"), (["-o", "{dir}/x.pdf"], "pdf"), ([], "text"),
    (["--format", "dot"], "dot"), (["--format", "json"], "json"),
])
def test_cli_refuses_dpi_for_other_formats(tmp_path, capsys, args, fmt) -> None:
    """An option that would do nothing is an error, not a silent no-op."""
    args = [a.format(dir=tmp_path) for a in args]
    assert main(["compile", str(SMALL), "--dpi", "150", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error[E309]: --dpi sets the resolution of a PNG image, not of "
                          f"{fmt} output\n")
    assert "give --format png or -o FILE.png" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("dpi", "fmt", "message"), [
    (0, "png", "dpi must be from 1 to 600, not 0"),
    (MAX_DPI + 1, "png", "dpi must be from 1 to 600, not 601"),
    (1.5, "png", "dpi must be a whole number of pixels per inch, not 1.5"),
    (True, "png", "dpi must be a whole number of pixels per inch, not True"),
    ("96", "png", "dpi must be a whole number of pixels per inch, not '96'"),
    (96, "svg", "dpi applies to png images only, not svg"),
    (96, "pdf", "dpi applies to png images only, not pdf"),
])
def test_api_rejects_a_bad_dpi(dpi, fmt, message) -> None:
    with pytest.raises(ValueError) as caught:
        check_dpi(dpi, fmt)
    assert str(caught.value).startswith(message)
    with pytest.raises(ValueError):  # before anything is drawn, Graphviz or not
        netdsl.compile_file(str(SMALL)).render(fmt, dpi=dpi)
    assert check_dpi(1) == 1 and check_dpi(MAX_DPI) == MAX_DPI


def test_missing_dot_note_keeps_the_dpi(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "net.png"
    assert main(["compile", str(SMALL), "--dpi", "200", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error[E801]: ")
    assert f"`dot -Tpng -Gdpi=200 {tmp_path / 'net.dot'} -o {out}` draws it" in err


@needs_dot
def test_graphviz_warnings_reach_standard_error(capfd) -> None:
    png = render('digraph { a [shape=nosuchshape] }', "png", dpi=72)
    assert png.startswith(b"\x89PNG")
    assert "nosuchshape" in capfd.readouterr().err
