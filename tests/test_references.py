"""The published figures of the standard networks (references.md), to the unit.

MACCs and the parameter counts that do not depend on batch-norm folding are
read from the unoptimised totals; the folded counts from the default
pipeline. Each expected number is copied from the reference table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import netdsl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def compile_example(name: str, **params) -> netdsl.CompileResult:
    return netdsl.compile_file(EXAMPLES / f"{name}.net", params=params)


# network, parameters, MACCs, PyTorch params, Keras params, params with BN folded
TABLE = [
    ("mobilenet_v1", {}, 568_740_352, 4_231_976, 4_253_864, 4_221_032),
    ("mobilenet_v2", {}, 300_774_272, 3_504_872, 3_538_984, 3_487_816),
    ("mobilenet_v2", {"alpha": 1.4}, 582_195_824, 6_108_776, 6_156_712, 6_084_808),
    ("resnet50", {}, 4_089_184_256, 25_557_032, 25_610_152, 25_530_472),
    ("vgg16", {}, 15_470_264_320, 138_357_544, 138_357_544, 138_357_544),
]


@pytest.mark.parametrize(("name", "params", "maccs", "pytorch", "keras", "folded"), TABLE,
                         ids=lambda v: str(v) if not isinstance(v, int) else None)
def test_reference_table(name, params, maccs, pytorch, keras, folded) -> None:
    result = compile_example(name, **params)
    base = result.totals_unoptimized
    assert base.maccs == maccs
    assert base.params.trainable == pytorch
    assert base.params.total == keras
    assert base.params.weights + base.params.biases + base.params.bn_affine \
        + base.params.bn_stats == keras
    assert result.totals.params.total == folded
    assert result.totals.maccs == maccs  # folding and fusion change no MACC


def test_resnet50_v1_with_the_stride_on_the_first_1x1() -> None:
    result = compile_example("resnet50", stride_on_3x3=False)
    assert result.totals_unoptimized.maccs == 3_857_973_248
    assert result.totals_unoptimized.params.trainable == 25_557_032


@pytest.mark.parametrize(("params", "maccs"), [
    ({"alpha": 0.75}, 325_400_448),
    ({"alpha": 0.5}, 149_497_088),
    ({"alpha": 0.25}, 41_030_272),
    ({"size": 192}, 418_121_728),
    ({"size": 160}, 290_675_200),
    ({"size": 128}, 186_400_768),
])
def test_mobilenet_v1_variants(params, maccs) -> None:
    assert compile_example("mobilenet_v1", **params).totals.maccs == maccs


@pytest.mark.parametrize(("alpha", "maccs"), [
    (0.75, 209_069_792), (0.5, 97_131_840), (0.35, 59_285_808)])
def test_mobilenet_v2_variants(alpha, maccs) -> None:
    assert compile_example("mobilenet_v2", alpha=alpha).totals.maccs == maccs


@pytest.mark.parametrize(("name", "params", "weights_and_classifier_bias"), [
    ("mobilenet_v1", {}, 4_210_088),
    ("mobilenet_v2", {}, 3_470_760),
    ("mobilenet_v2", {"alpha": 1.4}, 6_060_840),
])
def test_weights_alone(name, params, weights_and_classifier_bias) -> None:
    """references.md's "weights alone" figures count every kernel and the one bias
    these networks have, the classifier's 1,000 (they have no other bias)."""
    p = compile_example(name, **params).totals_unoptimized.params
    assert p.biases == 1000
    assert p.weights + p.biases == weights_and_classifier_bias


@pytest.mark.parametrize(("dtype", "megabytes"), [("fp32", "16.9"), ("fp16", "8.4"),
                                                  ("int8", "4.2")])
def test_mobilenet_v1_model_size(dtype, megabytes) -> None:
    """references.md quotes 16.8 MB for fp32 from 4.21 M parameters (4.21 x 4); the exact
    folded count, 4,221,032 x 4 bytes, is 16.88 MB."""
    result = netdsl.compile_file(EXAMPLES / "mobilenet_v1.net", dtype=dtype)
    assert result.totals.model_bytes == 4_221_032 * {"fp32": 4, "fp16": 2, "int8": 1}[dtype]
    assert f"{result.totals.model_bytes / 1e6:.1f}" == megabytes
