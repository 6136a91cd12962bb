"""The published figures of the standard networks (docs/references.md), to the unit.

Every expected number below is copied from the project's reference figures (or, for the
parameter breakdown, derived from its columns by the arithmetic written next to it).
MACCs and every parameter count that does not depend on batch-norm folding are read from
the unoptimised model (``infer-shapes`` and ``annotate-cost`` only); the "params with BN
folded" column from a pipeline that folds batch norms and nothing else.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest

import netdsl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLAIN = ("infer-shapes", "annotate-cost")
FOLDED = ("infer-shapes", "fold-batchnorm", "annotate-cost")


@functools.cache
def _compile(name: str, params: tuple, passes: tuple[str, ...], dtype: str = "fp32"):
    return netdsl.compile_file(EXAMPLES / f"{name}.net", params=dict(params), passes=passes,
                               dtype=dtype)


def unoptimized(name: str, **params) -> netdsl.ir.graph.GraphCost:
    return _compile(name, tuple(sorted(params.items())), PLAIN).totals


def folded(name: str, **params) -> netdsl.ir.graph.GraphCost:
    return _compile(name, tuple(sorted(params.items())), FOLDED).totals


def _id(value) -> str | None:
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items()) or "default"
    return value if isinstance(value, str) else None


# --- the main table -----------------------------------------------------------------------

# network, parameters, MACCs, PyTorch params, Keras params, params with BN folded
TABLE = [
    ("mobilenet_v1", {}, 568_740_352, 4_231_976, 4_253_864, 4_221_032),
    ("mobilenet_v2", {}, 300_774_272, 3_504_872, 3_538_984, 3_487_816),
    ("mobilenet_v2", {"alpha": 1.4}, 582_195_824, 6_108_776, 6_156_712, 6_084_808),
    ("resnet50", {}, 4_089_184_256, 25_557_032, 25_610_152, 25_530_472),
    ("vgg16", {}, 15_470_264_320, 138_357_544, 138_357_544, 138_357_544),
]


@pytest.mark.parametrize(("name", "params", "maccs", "pytorch", "keras", "folded_params"),
                         TABLE, ids=_id)
def test_reference_table(name, params, maccs, pytorch, keras, folded_params) -> None:
    base = unoptimized(name, **params)
    assert base.maccs == maccs
    assert base.params.trainable == pytorch
    assert base.params.weights + base.params.biases + base.params.bn_affine == pytorch
    assert base.params.total == keras
    assert base.params.weights + base.params.biases + base.params.bn_affine \
        + base.params.bn_stats == keras
    after = folded(name, **params)
    assert after.params.total == folded_params
    assert after.params.bn_affine == after.params.bn_stats == 0
    assert after.maccs == maccs  # folding changes no MACC


# The breakdown, from the table: bn_stats = Keras - PyTorch; bn_affine = PyTorch - weights
# alone (references.md's "weights alone" counts the kernels and the classifier's 1,000
# biases, the only bias these networks have: see test_weights_alone); ResNet-50's convolutions
# have no bias either (torchvision), so its biases are the classifier's 1,000; VGG-16 has no
# batch norm and a bias on all 13 convolutions and 3 dense layers:
# 2x64 + 2x128 + 3x256 + 6x512 + 4096 + 4096 + 1000 = 13,416.
# network, parameters, weights, biases, bn_affine, bn_stats
BREAKDOWN = [
    # 4,210,088 - 1,000; 4,231,976 - 4,210,088; 4,253,864 - 4,231,976
    ("mobilenet_v1", {}, 4_209_088, 1_000, 21_888, 21_888),
    # 3,470,760 - 1,000; 3,504,872 - 3,470,760; 3,538,984 - 3,504,872
    ("mobilenet_v2", {}, 3_469_760, 1_000, 34_112, 34_112),
    # 6,060,840 - 1,000; 6,108,776 - 6,060,840; 6,156,712 - 6,108,776
    ("mobilenet_v2", {"alpha": 1.4}, 6_059_840, 1_000, 47_936, 47_936),
    # 25,610,152 - 25,557,032 = 53,120 = bn_stats = bn_affine;
    # weights = 25,557,032 - 53,120 - 1,000
    ("resnet50", {}, 25_502_912, 1_000, 53_120, 53_120),
    ("vgg16", {}, 138_344_128, 13_416, 0, 0),
]


@pytest.mark.parametrize(("name", "params", "weights", "biases", "bn_affine", "bn_stats"),
                         BREAKDOWN, ids=_id)
def test_parameter_breakdown(name, params, weights, biases, bn_affine, bn_stats) -> None:
    p = unoptimized(name, **params).params
    assert (p.weights, p.biases, p.bn_affine, p.bn_stats) == (weights, biases, bn_affine,
                                                              bn_stats)


@pytest.mark.parametrize(("name", "params", "new_biases"), [
    # folding turns each BN's beta/gamma into a bias of C: half of bn_affine
    ("mobilenet_v1", {}, 21_888 // 2),
    ("mobilenet_v2", {}, 34_112 // 2),
    ("mobilenet_v2", {"alpha": 1.4}, 47_936 // 2),
    ("resnet50", {}, 53_120 // 2),
], ids=_id)
def test_folding_creates_one_bias_per_batch_norm_channel(name, params, new_biases) -> None:
    before, after = unoptimized(name, **params).params, folded(name, **params).params
    assert after.weights == before.weights
    assert after.biases == before.biases + new_biases


def test_resnet50_v1_with_the_stride_on_the_first_1x1() -> None:
    v1 = unoptimized("resnet50", stride_on_3x3=False)
    assert v1.maccs == 3_857_973_248
    assert v1.params.trainable == 25_557_032
    # moving the stride changes no parameter
    assert v1.params == unoptimized("resnet50").params


# --- further published MACCs --------------------------------------------------------------

@pytest.mark.parametrize(("params", "maccs"), [
    ({"alpha": 0.75}, 325_400_448),
    ({"alpha": 0.5}, 149_497_088),
    ({"alpha": 0.25}, 41_030_272),
    ({"size": 192}, 418_121_728),
    ({"size": 160}, 290_675_200),
    ({"size": 128}, 186_400_768),
], ids=_id)
def test_mobilenet_v1_variants(params, maccs) -> None:
    assert unoptimized("mobilenet_v1", **params).maccs == maccs


@pytest.mark.parametrize(("alpha", "maccs"), [
    (0.75, 209_069_792), (0.5, 97_131_840), (0.35, 59_285_808)])
def test_mobilenet_v2_variants(alpha, maccs) -> None:
    assert unoptimized("mobilenet_v2", alpha=alpha).maccs == maccs


def test_mobilenet_v2_last_convolution_widens_only_above_alpha_one() -> None:
    """references.md: the last 1x1 convolution has 1280 channels, or 1280 x alpha when
    alpha > 1 (1792 at 1.4)."""
    def last_conv_channels(**params) -> int:
        graph = _compile("mobilenet_v2", tuple(sorted(params.items())), PLAIN).graph
        convs = [n for n in graph.nodes if type(n.op).__name__ == "Conv"]
        return convs[-1].shape[-1]

    assert last_conv_channels() == 1280
    assert last_conv_channels(alpha=0.5) == 1280
    assert last_conv_channels(alpha=1.4) == 1792


@pytest.mark.parametrize(("name", "params", "weights_and_classifier_bias"), [
    ("mobilenet_v1", {}, 4_210_088),
    ("mobilenet_v2", {}, 3_470_760),
    ("mobilenet_v2", {"alpha": 1.4}, 6_060_840),
], ids=_id)
def test_weights_alone(name, params, weights_and_classifier_bias) -> None:
    """references.md's "weights alone (no bias, no BN)" figures count every kernel and the
    one bias these networks have, the classifier's 1,000: our ``weights`` field (kernels
    only) is 1,000 less. (Checked: 4,209,088 is the exact kernel count of MobileNetV1.)"""
    p = unoptimized(name, **params).params
    assert p.biases == 1000
    assert p.weights + p.biases == weights_and_classifier_bias
    assert p.weights == weights_and_classifier_bias - 1000


# --- model size ---------------------------------------------------------------------------

@pytest.mark.parametrize(("dtype", "megabytes"), [("fp32", "16.8"), ("fp16", "8.4"),
                                                  ("int8", "4.2")])
def test_mobilenet_v1_model_size(dtype, megabytes) -> None:
    """references.md: 16.8 / 8.4 / 4.2 MB, from "4.21 M parameters" x bytes per element.

    4.21 M is the "weights alone" figure (4,210,088: kernels and classifier bias); the
    deployed model with BN folded stores 4,221,032 parameters, 16,884,128 bytes in fp32,
    which rounds to 16.9 MB: the reference's 16.8 MB is the weights-alone count x 4, or the
    folded size truncated to one decimal. Both readings are checked here.
    """
    bytes_per = {"fp32": 4, "fp16": 2, "int8": 1}[dtype]
    deployed = _compile("mobilenet_v1", (), FOLDED, dtype).totals
    assert deployed.model_bytes == 4_221_032 * bytes_per
    assert f"{math.floor(deployed.model_bytes / 1e5) / 10:.1f}" == megabytes
    p = unoptimized("mobilenet_v1").params
    assert f"{(p.weights + p.biases) * bytes_per / 1e6:.1f}" == megabytes


# --- modern networks (docs/references.md, "Modern networks") -------------------------------

@pytest.mark.parametrize(("name", "maccs", "pytorch", "keras", "output"), [
    ("convnext_tiny", 4_455_531_264, 28_589_128, 28_589_128, (1000,)),
    ("shufflenet_v2", 144_907_992, 2_278_604, 2_294_784, (1000,)),
    ("unet", 48_171_581_440, 31_037_698, 31_049_474, (256, 256, 2)),
    ("mobilenet_v3_large", 216_589_760, 5_483_032, 5_507_432, (1000,)),
    ("efficientnet_b0", 385_814_752, 5_288_548, 5_330_564, (1000,)),
])
def test_modern_networks(name, maccs, pytorch, keras, output) -> None:
    totals = unoptimized(name)
    assert totals.maccs == maccs
    assert totals.params.trainable == pytorch
    assert totals.params.total == keras
    assert _compile(name, (), PLAIN).output_shape == output


def test_vit_b_16() -> None:
    """torchvision's vit_b_16: 86,567,656 parameters and 17.56 GMACs, of which 16.85 G in
    the patch embedding and linear layers and 0.715 G in the attention products."""
    totals = unoptimized("vit_b_16")
    assert totals.params.total == totals.params.trainable == 86_567_656
    assert totals.maccs == 17_563_828_224
    assert totals.attention_maccs == 715_327_488  # 12 layers x 2 x 197^2 x 768
    assert totals.maccs - totals.attention_maccs == 16_848_500_736
    # inside an attention layer: x, its layer norm, the output, Q, K, V, 12 x 197^2 scores
    # and the context
    assert totals.peak_activations == 3 * 151_296 + 3 * 151_296 + 12 * 197**2 + 151_296
    assert _compile("vit_b_16", (), PLAIN).output_shape == (1000,)


def test_convnext_layer_norms_are_not_folded() -> None:
    """Layer norm is never folded: ConvNeXt keeps its parameters after the passes."""
    result = netdsl.compile_file(EXAMPLES / "convnext_tiny.net")
    assert result.totals.params.total == 28_589_128
    (fold,) = [run for run in result.runs if run.name == "fold-batchnorm"]
    notes = [d for d in fold.diagnostics if "layer norm normalises" in d.message]
    assert len(notes) == 23  # one per block (18), per downsampling (3), stem and head
