"""The example networks: compact, cited, and of the expected shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

import netdsl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def code_lines(path: Path) -> int:
    lines = (line.strip() for line in path.read_text().splitlines())
    return sum(1 for line in lines if line and not line.startswith("#"))


def test_mobilenet_v2_and_resnet50_are_compact() -> None:
    assert code_lines(EXAMPLES / "mobilenet_v2.net") <= 35
    assert code_lines(EXAMPLES / "resnet50.net") <= 30


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("**/*.net")), ids=lambda p: p.stem)
def test_every_example_cites_what_it_describes(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# ") and any(ch.isdigit() for ch in path.read_text()[:400])


@pytest.mark.parametrize(("name", "params", "layers", "shape"), [
    # 1 input + 3 stem + 13 x 6 separable + gap, dropout, fc, softmax
    ("mobilenet_v1", {}, 86, (1000,)),
    ("mobilenet_v2", {}, 154, (1000,)),
    ("mobilenet_v2", {"alpha": 1.4, "size": 160}, 154, (1000,)),
    # 1 + 4 stem + 16 bottlenecks x 10 + 4 projections x 2 + gap, fc, softmax
    ("resnet50", {}, 176, (1000,)),
    # 1 + 13 x (conv, relu) + 5 pools + flatten + 2 x (fc, relu, dropout) + fc, softmax
    ("vgg16", {}, 41, (1000,)),
    # Keras padding: 126 -> 63 -> 31 -> 15 -> 7 rows, 224 -> 14 columns
    ("case_study/mobilenet_v1_features", {}, 0, (7, 14, 512)),
    # correct_pad pads odd sizes on both sides: 126 -> 63 -> 32 -> 16 -> 8; 96 x 1.4 -> 136
    ("case_study/mobilenet_v2_features", {}, 117, (8, 14, 136)),
    ("case_study/vgg16_features", {}, 0, (3, 7, 512)),
])
def test_example_shapes(name, params, layers, shape) -> None:
    result = netdsl.compile_file(EXAMPLES / f"{name}.net", params=params,
                                 passes=("infer-shapes", "annotate-cost"))
    assert result.output_shape == shape
    if layers:
        assert len(result.graph) == layers


def test_mobilenet_v2_width_and_resolution_parameters() -> None:
    result = netdsl.compile_file(EXAMPLES / "mobilenet_v2.net",
                                 params={"alpha": 1.4, "size": 160},
                                 passes=("infer-shapes", "annotate-cost"))
    stem = result.graph["cbr6_1/conv"]
    assert stem.shape == (80, 80, 48)  # make_div(32 * 1.4, 8) = 48 channels, 160 / 2
    assert result.graph["cbr6_2/conv"].shape == (5, 5, 1792)  # make_div(1280 * 1.4, 8)
