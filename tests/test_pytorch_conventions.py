"""Regressions where netdsl's rules meet PyTorch's: each holds the minimal program.

Padding of even kernels, ceil-mode pooling windows larger than the input, the
average-pooling divisor, exact and approximate GELU, inference-only argument
ranges, and merges that broadcast over a batch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import netdsl


def compile_body(body: str, **options):
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return netdsl.compile_string(f"net T():\n{lines}", **options)


@pytest.mark.parametrize(("layer", "shape", "maccs"), [
    ("conv(1, 2, dilation=3)", (9, 9, 1), 9 * 9 * 4),  # auto pads ceil(3 / 2) = 2
    ("conv(1, 2)", (9, 9, 1), 9 * 9 * 4),  # k // 2 = 1, as PyTorch's padding=k//2
    ("conv(1, 3, dilation=3)", (8, 8, 1), 8 * 8 * 9),  # odd kernels keep the size
    ("conv(1, 4, dilation=2)", (8, 8, 1), 8 * 8 * 16),  # d * (k - 1) = 6 is even: 3 a side
    ("conv(1, 2, dilation=3, pad=same)", (8, 8, 1), 8 * 8 * 4),
])
def test_auto_padding_of_dilated_even_kernels(layer: str, shape, maccs: int) -> None:
    result = compile_body(f"input(8, 8, 1)\n{layer}")
    assert result.output_shape == shape
    assert result.totals.maccs == maccs


@pytest.mark.parametrize("body", [
    "input(1, 1, 1)\nmaxpool(2, round=ceil)",
    "input(2, 2, 1)\navgpool(3, 3, round=ceil)",
])
def test_ceil_window_larger_than_the_input(body: str) -> None:
    assert compile_body(body).output_shape == (1, 1, 1)


def test_ceil_window_values_follow_pytorch() -> None:
    # PyTorch: avg_pool2d(ceil_mode=True) of [[1, 2], [3, 4]] with k=3 divides by the
    # window clipped to the padded input: 10 / 4.
    result = compile_body("input(2, 2, 1)\navgpool(3, 3, round=ceil)", seed=0)
    image = np.array([[1.0, 2.0], [3.0, 4.0]])[:, :, None]
    assert netdsl.execute(result.graph, image).ravel().tolist() == [2.5]
    result = compile_body("input(1, 1, 1)\nmaxpool(2, round=ceil)", seed=0)
    assert netdsl.execute(result.graph, np.full((1, 1, 1), -3.0)).ravel().tolist() == [-3.0]


def test_floor_window_larger_than_the_input_is_still_an_error() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body("input(1, 1, 1)\nmaxpool(2)")
    assert caught.value.diagnostics[0].code == "E403"
    with pytest.raises(netdsl.NetdslError) as caught:  # ceil: no window starts in the input
        compile_body("input(1, 1, 1)\nmaxpool(3, 1, round=ceil)")
    assert caught.value.diagnostics[0].code == "E403"


@pytest.mark.parametrize(("count_pad", "corner", "centre"), [
    ("true", 4 / 9, 1.0),  # PyTorch's default count_include_pad=True
    ("false", 1.0, 1.0),  # TensorFlow's: only the elements inside the input
])
def test_average_pooling_divisor(count_pad: str, corner: float, centre: float) -> None:
    result = compile_body(f"input(3, 3, 1)\navgpool(3, 1, pad=1, count_pad={count_pad})", seed=0)
    out = netdsl.execute(result.graph, np.ones((3, 3, 1)))[:, :, 0]
    assert out[0, 0] == pytest.approx(corner, rel=1e-15)
    assert out[1, 1] == pytest.approx(centre, rel=1e-15)


def test_average_pooling_counts_padding_by_default() -> None:
    default = compile_body("input(3, 3, 1)\navgpool(3, 1, pad=1)", seed=0)
    assert netdsl.execute(default.graph, np.ones((3, 3, 1)))[0, 0, 0] == pytest.approx(4 / 9)
    assert "count_pad" not in default.to_ir()
    explicit = compile_body("input(3, 3, 1)\navgpool(3, 1, pad=1, count_pad=false)")
    assert "count_pad=false" in explicit.to_ir()


@pytest.mark.parametrize(("approx", "expected"), [
    ("none", 0.5 * (1 + math.erf(1 / math.sqrt(2)))),  # 0.8413447460685429, exact
    ("tanh", 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))),  # 0.84119...
])
def test_gelu_forms(approx: str, expected: float) -> None:
    result = compile_body(f"input(1)\ngelu(approx={approx})", seed=0)
    assert netdsl.execute(result.graph, np.ones(1))[0] == pytest.approx(expected, rel=1e-15)


def test_gelu_is_exact_by_default() -> None:
    result = compile_body("input(1)\ngelu", seed=0)
    assert netdsl.execute(result.graph, np.ones(1))[0] == pytest.approx(0.8413447460685429,
                                                                        rel=1e-15)
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body("input(1)\ngelu(approx=relu)")
    assert caught.value.diagnostics[0].code == "E306"


def test_inference_only_ranges() -> None:
    assert compile_body("input(4)\ndropout(1.0)\nbn(eps=0)").output_shape == (4,)
    for body in ("input(4)\ndropout(1.5)", "input(4)\ndropout(-0.1)", "input(4)\nbn(eps=-1)"):
        with pytest.raises(netdsl.NetdslError) as caught:
            compile_body(body)
        assert caught.value.diagnostics[0].code == "E306"


GATE = """
input(5, {w}, 4)
x = identity
gap
flatten
fc(4)
sigmoid
g = identity
from x
mul(g)
"""


@pytest.mark.parametrize("width", [3, 2])  # 3: the batch size, where NumPy mixes up axes
def test_batched_mul_by_a_vector(width: int) -> None:
    result = compile_body(GATE.format(w=width), seed=1)
    batch = np.random.default_rng(0).normal(size=(3, 5, width, 4))
    together = netdsl.execute(result.graph, batch)
    one_by_one = np.stack([netdsl.execute(result.graph, x) for x in batch])
    assert together.shape == (3, 5, width, 4)
    assert np.array_equal(together, one_by_one)


@pytest.mark.parametrize("layer", ["maxpool(1, 1, pad=1)", "avgpool(2, 2, pad=2)",
                                   "maxpool(3, 2, pad=[0, 2])"])
def test_pooling_pads_at_most_half_the_window(layer: str) -> None:
    """PyTorch: "pad should be at most half of effective kernel size"; a window wholly in
    the padding has no value (max -inf, average 0 / 0)."""
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body(f"input(3, 3, 1)\n{layer}")
    assert caught.value.diagnostics[0].code == "E306"
    assert "is more than half of its" in caught.value.diagnostics[0].message
    assert compile_body("input(3, 3, 1)\nmaxpool(3, 1, pad=1)").output_shape == (3, 3, 1)
