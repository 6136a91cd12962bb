"""Every built-in layer's shape rule against the output-size formula.

out = floor((n + p_before + p_after - d * (k - 1) - 1) / s) + 1 (ceil with round=ceil);
TensorFlow ``same``: out = ceil(n / s), the odd padding pixel after.
"""

from __future__ import annotations

import math

import pytest

from netdsl.driver import elaborate_string


def shape_of(layer: str, h: int, w: int, c: int) -> tuple[int, ...]:
    graph = elaborate_string(f"net t:\n    input({h}, {w}, {c})\n    {layer}\n")
    return graph.nodes[-1].shape


def window(n: int, k: int, s: int, d: int, before: int, after: int, ceil: bool = False) -> int:
    span = d * (k - 1) + 1
    out = (n + before + after - span) / s
    out = math.ceil(out) if ceil else math.floor(out)
    if ceil and out * s >= n + before:  # the last window must start inside the input
        out -= 1
    return out + 1


SIZES = [(7, 7), (8, 9), (15, 4), (224, 224), (127, 33)]


@pytest.mark.parametrize(("h", "w"), SIZES)
@pytest.mark.parametrize(("k", "s", "d"), [(1, 1, 1), (3, 1, 1), (3, 2, 1), (5, 2, 1),
                                           (3, 1, 2), (3, 2, 3)])
def test_convolution_padding_modes(h, w, k, s, d) -> None:
    auto = d * (k - 1) // 2
    cases = {
        "auto": (auto, auto, auto, auto),
        "valid": (0, 0, 0, 0),
        "1": (1, 1, 1, 1),
        "[2, 0]": (2, 2, 0, 0),
        "[0, 1, 0, 1]": (0, 1, 0, 1),
        "[1, 2, 3, 0]": (1, 2, 3, 0),
    }
    for pad, (t, b, left, r) in cases.items():
        if h + t + b < d * (k - 1) + 1 or w + left + r < d * (k - 1) + 1:
            continue
        expected = (window(h, k, s, d, t, b), window(w, k, s, d, left, r), 6)
        assert shape_of(f"conv(6, {k}, {s}, pad={pad}, dilation={d})", h, w, 3) == expected
    # TensorFlow same: the output size only depends on the stride
    assert shape_of(f"conv(6, {k}, {s}, pad=same, dilation={d})", h, w, 3) == (
        math.ceil(h / s), math.ceil(w / s), 6)


@pytest.mark.parametrize(("h", "w"), SIZES)
def test_grouped_depthwise_and_multiplier(h, w) -> None:
    assert shape_of("conv(8, 3, 2, groups=4)", h, w, 4) == (
        window(h, 3, 2, 1, 1, 1), window(w, 3, 2, 1, 1, 1), 8)
    assert shape_of("dwconv(3, 2, mult=3)", h, w, 4) == (
        window(h, 3, 2, 1, 1, 1), window(w, 3, 2, 1, 1, 1), 12)


@pytest.mark.parametrize(("h", "w"), SIZES)
@pytest.mark.parametrize("rounding", ["floor", "ceil"])
def test_pooling(h, w, rounding) -> None:
    ceil = rounding == "ceil"
    for layer, k, s, p in [("maxpool(2)", 2, 2, 0), ("maxpool(3, 2)", 3, 2, 0),
                           ("avgpool(3, 2, pad=1)", 3, 2, 1), ("avgpool(3, 1)", 3, 1, 0)]:
        call = layer[:-1] + f", round={rounding})"
        assert shape_of(call, h, w, 5) == (window(h, k, s, 1, p, p, ceil),
                                           window(w, k, s, 1, p, p, ceil), 5), call


def test_other_layers() -> None:
    assert shape_of("zeropad(1)", 7, 9, 3) == (9, 11, 3)
    assert shape_of("zeropad(0, 1)", 7, 9, 3) == (7, 11, 3)  # (rows, columns), both sides
    assert shape_of("zeropad(1, 2, 3, 4)", 7, 9, 3) == (10, 16, 3)
    assert shape_of("gap", 7, 9, 3) == (1, 1, 3)
    assert shape_of("gmp", 7, 9, 3) == (1, 1, 3)
    assert shape_of("flatten", 7, 9, 3) == (189,)
    assert shape_of("fc(10)", 7, 9, 3) == (10,)
    assert shape_of("upsample(2)", 7, 9, 3) == (14, 18, 3)
    assert shape_of("upsample([2, 3], mode=bilinear)", 7, 9, 3) == (14, 27, 3)
    for layer in ("bn", "relu", "relu6", "sigmoid", "tanh", "hsigmoid", "hswish", "swish",
                  "silu", "gelu", "softmax", "dropout(0.1)", "identity"):
        assert shape_of(layer, 7, 9, 3) == (7, 9, 3), layer


def test_merges() -> None:
    body = "net t:\n    input(8, 8, 4)\n    {}\n"
    concat = "concat:\n        | conv(3, 1)\n        | identity\n        | conv(5, 1)"
    assert elaborate_string(body.format(concat)).nodes[-1].shape == (8, 8, 12)
    se = "mul:\n        | gap\n          sigmoid\n        | identity"
    assert elaborate_string(body.format(se)).nodes[-1].shape == (8, 8, 4)
