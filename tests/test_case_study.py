"""The case study of "How fast is my model?", checked against an independent count.

The figures are recomputed here from the cost model's formulas by a small
calculator that knows nothing of netdsl: it walks the layers of each network
as Keras builds them, on a 126x224 input, and counts MACCs, parameters (Keras
convention) and naive memory accesses (cost-model.md sections 1, 3 and 5).
"""

from pathlib import Path

import pytest

from netdsl import compile_file
from netdsl.cli import main

CASE = Path(__file__).resolve().parents[1] / "examples" / "case_study"


class Calculator:
    """A tensor walking through layers, accumulating their cost."""

    def __init__(self, h: int, w: int, c: int):
        self.h, self.w, self.c = h, w, c
        self.maccs = self.params = self.memory = 0

    @property
    def elements(self) -> int:
        return self.h * self.w * self.c

    def zeropad(self, top: int, bottom: int, left: int, right: int) -> None:
        before = self.elements
        self.h, self.w = self.h + top + bottom, self.w + left + right
        self.memory += before + self.elements

    def conv(self, cout: int, k: int, s: int, pad: int, groups: int = 1,
             bias: bool = False) -> None:
        h_out = (self.h + 2 * pad - k) // s + 1
        w_out = (self.w + 2 * pad - k) // s + 1
        weights = k * k * (self.c // groups) * cout + (cout if bias else 0)
        self.maccs += k * k * (self.c // groups) * h_out * w_out * cout
        self.params += weights
        # every input value is read k*k*(cout/groups) times; output written once
        self.memory += self.h * self.w * self.c * k * k * (cout // groups)
        self.memory += h_out * w_out * cout + weights
        self.h, self.w, self.c = h_out, w_out, cout

    def bn(self) -> None:
        self.params += 4 * self.c
        self.memory += 2 * self.elements + 2 * self.c  # read, write, scale and shift

    def act(self) -> None:
        self.memory += 2 * self.elements

    def cbr(self, cout: int, k: int = 1, s: int = 1, pad: int = 0, groups: int = 1,
            act: bool = True) -> None:
        self.conv(cout, k, s, pad, groups)
        self.bn()
        if act:
            self.act()

    def maxpool(self) -> None:
        before = self.elements
        self.h, self.w = self.h // 2, self.w // 2
        self.memory += before + self.elements


def keras_pad_v1(net: Calculator) -> None:
    net.zeropad(0, 1, 0, 1)


def keras_pad_v2(net: Calculator) -> None:
    net.zeropad(net.h % 2, 1, net.w % 2, 1)  # keras correct_pad


def mobilenet_v1_features(alpha: float = 1.0) -> Calculator:
    net = Calculator(126, 224, 3)
    keras_pad_v1(net)
    net.cbr(int(32 * alpha), 3, 2)
    for c, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5:
        if s == 2:
            keras_pad_v1(net)
        net.cbr(net.c, 3, s, pad=1 if s == 1 else 0, groups=net.c)
        net.cbr(int(c * alpha))
    return net


def make_div(v: float, d: int = 8) -> int:
    new = max(d, int(v + d / 2) // d * d)
    return new + d if new < 0.9 * v else new


def mobilenet_v2_features(alpha: float, keras_2018: bool = False) -> Calculator:
    # The Keras MobileNetV2 of 2018 padded (0, 1) before every stride-2 layer, like V1.
    keras_pad = keras_pad_v1 if keras_2018 else keras_pad_v2
    net = Calculator(126, 224, 3)
    keras_pad(net)
    net.cbr(make_div(int(32 * alpha)), 3, 2)
    for c, t, n, s in [(16, 1, 1, 1), (24, 6, 2, 2), (32, 6, 3, 2), (64, 6, 4, 2),
                       (96, 6, 3, 1)]:
        for i in range(n):
            stride, cout = (s if i == 0 else 1), make_div(int(c * alpha))
            start_c, start_elements = net.c, net.elements
            hidden = net.c * t
            if t > 1:
                net.cbr(hidden)
            if stride == 2:
                keras_pad(net)
            net.cbr(hidden, 3, stride, pad=1 if stride == 1 else 0, groups=hidden)
            net.cbr(cout, act=False)
            if stride == 1 and start_c == cout:  # residual add: two reads, one write
                net.memory += start_elements + 2 * net.elements
    return net


def vgg16_features() -> Calculator:
    net = Calculator(126, 224, 3)
    for c, n in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(n):
            net.conv(c, 3, 1, pad=1, bias=True)
            net.act()
        net.maxpool()
    return net


CASES = [
    ("mobilenet_v1_features.net", {}, lambda: mobilenet_v1_features()),
    ("mobilenet_v2_features.net", {"alpha": 1.0}, lambda: mobilenet_v2_features(1.0)),
    ("mobilenet_v2_features.net", {"alpha": 1.4}, lambda: mobilenet_v2_features(1.4)),
    ("vgg16_features.net", {}, vgg16_features),
    ("mobilenet_v2_features.net", {"alpha": 1.0, "keras_2018": True},
     lambda: mobilenet_v2_features(1.0, keras_2018=True)),
    ("mobilenet_v2_features.net", {"alpha": 1.4, "keras_2018": True},
     lambda: mobilenet_v2_features(1.4, keras_2018=True)),
]


@pytest.mark.parametrize(("file", "params", "expected"), CASES,
                         ids=["v1", "v2-1.0", "v2-1.4", "vgg16", "v2-1.0-2018", "v2-1.4-2018"])
def test_case_study_matches_independent_count(file, params, expected):
    result = compile_file(CASE / file, params=params)
    reference = expected()
    before = result.totals_unoptimized  # the naive model, nothing folded or fused
    assert before.maccs == reference.maccs
    assert result.totals.maccs == reference.maccs  # passes never change MACCs
    assert before.params.total == reference.params
    assert before.memory.total == reference.memory
    assert result.output_shape == (reference.h, reference.w, reference.c)


def test_case_study_shapes():
    v1 = compile_file(CASE / "mobilenet_v1_features.net")
    v2 = compile_file(CASE / "mobilenet_v2_features.net")
    vgg = compile_file(CASE / "vgg16_features.net")
    assert v1.output_shape == (7, 14, 512)  # conv_pw_11 of Keras' MobileNet at 126x224
    assert v2.output_shape == (8, 14, 136)  # block_12 of MobileNetV2 1.4: 96 * 1.4 -> 136
    assert vgg.output_shape == (3, 7, 512)


def test_v2_layers_are_not_cheaper_in_memory_traffic():
    """The article's point: similar MACCs, similar memory traffic, so no speed-up."""
    v1 = compile_file(CASE / "mobilenet_v1_features.net").totals_unoptimized
    v2 = compile_file(CASE / "mobilenet_v2_features.net").totals_unoptimized
    assert 0.8 < v2.maccs / v1.maccs < 1.0
    assert v2.memory.total / v1.memory.total > v2.maccs / v1.maccs
    assert v2.peak_activations > 2 * v1.peak_activations
    assert v2.params.total < v1.params.total


def test_compare_command_reproduces_the_case_study(capsys):
    files = [str(CASE / "mobilenet_v1_features.net"),
             str(CASE / "mobilenet_v2_features.net") + ":alpha=1.0",
             str(CASE / "mobilenet_v2_features.net") + ":alpha=1.4",
             str(CASE / "vgg16_features.net")]
    assert main(["compare", *files, "--width", "200"]) == 0
    out = capsys.readouterr().out
    v1, v2 = mobilenet_v1_features(), mobilenet_v2_features(1.4)
    assert f"{v1.maccs:,}" in out
    assert f"{v2.maccs:,} ({v2.maccs / v1.maccs:.2f}x)" in out



def test_the_articles_own_counts():
    """The article's 111M and 214M MACCs: its Keras padded (0, 1) before stride-2 layers."""
    figures = {}
    for alpha in (1.0, 1.4):
        for keras_2018 in (False, True):
            result = compile_file(CASE / "mobilenet_v2_features.net",
                                  params={"alpha": alpha, "keras_2018": keras_2018})
            figures[alpha, keras_2018] = result.totals.maccs
    assert figures == {(1.0, False): 119_562_240, (1.4, False): 230_694_912,
                       (1.0, True): 111_053_376, (1.4, True): 214_212_096}
    assert round(figures[1.0, True] / 1e6) == 111 and round(figures[1.4, True] / 1e6) == 214
