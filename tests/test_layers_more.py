"""Layers for decoders and modern networks: exact shapes, counts and values.

The figures were checked against PyTorch 2.13 (ConvTranspose2d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d, LayerNorm, GroupNorm, InstanceNorm2d, the activations of
torch.nn.functional) on the same weights; the tests hold them without PyTorch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import netdsl
from netdsl.ir.ops import Scale

PLAIN = ("infer-shapes", "annotate-cost")


def compile_body(body: str, **options) -> netdsl.CompileResult:
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    options.setdefault("passes", PLAIN)
    return netdsl.compile_string(f"net T():\n{lines}", **options)


# (input h, w, c), call, output shape, parameters (PyTorch's count), MACCs
CONV_T = [
    ((4, 4, 8), "convT(4, 2, 2)", (8, 8, 4), 132, 2048),
    ((5, 3, 6), "convT(6, 3, 2, pad=1, out_pad=1, groups=2, bias=false)", (10, 6, 6), 162, 2430),
    ((3, 4, 4), "convT(2, [3, 2], dilation=2, out_pad=[1, 0])", (8, 6, 2), 50, 576),
    ((6, 6, 4), "convT(8, 4, 2, pad=1, groups=4)", (12, 12, 8), 136, 4608),
    ((2, 5, 3), "convT(5, 3, 3, pad=2, out_pad=2)", (4, 13, 5), 140, 1350),
]


@pytest.mark.parametrize(("shape", "call", "out", "params", "maccs"), CONV_T)
def test_transposed_convolution_counts(shape, call, out, params, maccs) -> None:
    result = compile_body(f"input({', '.join(map(str, shape))})\n{call}")
    assert result.output_shape == out
    assert result.totals.params.total == params
    # MACCs = input elements x Kh x Kw x Cout / groups (fvcore's and ptflops' count)
    assert result.totals.maccs == maccs
    bias = "bias=false" not in call
    assert result.totals.flops == 2 * maccs + (math.prod(out) if bias else 0)


def test_transposed_convolution_values() -> None:
    weights = {"convT/kernel": np.ones((2, 2, 1, 1)), "convT/bias": np.zeros(1)}
    image = np.array([[1.0, 2.0], [3.0, 4.0]])[:, :, None]
    stride_1 = compile_body("input(2, 2, 1)\nconvT(1, 2)", weights=weights)
    assert netdsl.execute(stride_1.graph, image)[:, :, 0].tolist() == [
        [1, 3, 2], [4, 10, 6], [3, 7, 4]]
    stride_2 = compile_body("input(2, 2, 1)\nconvT(1, 2, 2)", weights=weights)
    assert netdsl.execute(stride_2.graph, image)[:, :, 0].tolist() == [
        [1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    cropped = compile_body("input(2, 2, 1)\nconvT(1, 2, pad=1)", weights=weights)
    assert netdsl.execute(cropped.graph, image)[:, :, 0].tolist() == [[10]]


def test_transposed_convolution_output_padding_must_be_below_the_stride() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body("input(4, 4, 2)\nconvT(2, 3, 2, out_pad=2)")
    assert caught.value.diagnostics[0].code == "E306"
    assert "out_pad must be smaller than the stride or the dilation" in str(caught.value)


def test_adaptive_average_pooling_windows_and_flops() -> None:
    result = compile_body("input(7, 5, 8)\nadaptive_avgpool(3, 2)", seed=0)
    assert result.output_shape == (3, 2, 8)
    # rows 0-3, 2-5, 4-7 and columns 0-3, 2-5: 6 windows of 3 x 3, so 54 elements per
    # channel, each an add or the divide.
    assert result.totals.flops == 54 * 8
    image = np.arange(35.0).reshape(7, 5, 1)
    out = netdsl.execute(result.graph, np.repeat(image, 8, axis=2))[:, :, 0]
    assert out[0, 0] == image[0:3, 0:3].mean()
    assert out[2, 1] == image[4:7, 2:5].mean()


def test_adaptive_max_pooling_larger_than_its_input_repeats_rows() -> None:
    result = compile_body("input(2, 3, 1)\nadaptive_maxpool(4, 3)", seed=0)
    image = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]])[:, :, None]
    assert netdsl.execute(result.graph, image)[:, :, 0].tolist() == [
        [1, 5, 2], [1, 5, 2], [4, 0, 3], [4, 0, 3]]
    assert compile_body("input(7, 7, 512)\nadaptive_avgpool(7)").output_shape == (7, 7, 512)


@pytest.mark.parametrize(("call", "params", "flops_per_element"), [
    ("layernorm", 12, 7), ("layernorm(affine=false)", 0, 5), ("groupnorm(3)", 12, 7),
    ("instancenorm", 0, 5), ("instancenorm(affine=true)", 12, 7),
])
def test_normalisation_counts(call: str, params: int, flops_per_element: int) -> None:
    result = compile_body(f"input(4, 5, 6)\n{call}")
    assert result.totals.params.total == params
    assert result.totals.params.weights == result.totals.params.biases == params // 2
    assert result.totals.flops == flops_per_element * 4 * 5 * 6
    assert result.totals.memory.input == 2 * 4 * 5 * 6  # statistics, then normalising


def test_layer_norm_values() -> None:
    result = compile_body("input(1, 1, 4)\nlayernorm(eps=0)", weights={
        "layernorm/gamma": np.full(4, 2.0), "layernorm/beta": np.full(4, 1.0)})
    out = netdsl.execute(result.graph, np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 4))
    # mean 2.5, biased variance 1.25
    expected = 2.0 * (np.array([1.0, 2.0, 3.0, 4.0]) - 2.5) / math.sqrt(1.25) + 1.0
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-15)


@pytest.mark.parametrize("norm", ["layernorm", "groupnorm(2)", "instancenorm"])
def test_normalisations_are_never_folded(norm: str) -> None:
    result = netdsl.compile_string(f"net T():\n    input(4, 4, 4)\n    conv(4, 3)\n    {norm}\n")
    assert [n.name for n in result.graph.nodes][-1] == norm.split("(")[0]
    notes = [d for run in result.runs for d in run.diagnostics]
    assert [(d.code, d.message.split(":")[0]) for d in notes] == [
        ("N201", f"'{norm.split('(')[0]}' not folded")]
    assert "statistics of each input, computed at run time" in notes[0].message


@pytest.mark.parametrize(("call", "x", "expected"), [
    ("leaky_relu", -2.0, -0.02),
    ("leaky_relu(0.2)", -2.0, -0.4),
    ("elu", -1.0, math.exp(-1.0) - 1.0),
    ("elu(0.5)", 3.0, 3.0),
    ("hardtanh", -3.0, -1.0),
    ("hardtanh(0, 6)", 7.0, 6.0),
    ("mish", 1.0, math.tanh(math.log1p(math.e))),  # 0.8650983882673103
])
def test_activation_values(call: str, x: float, expected: float) -> None:
    result = compile_body(f"input(1)\n{call}", seed=0)
    assert netdsl.execute(result.graph, np.array([x]))[0] == pytest.approx(expected, rel=1e-15)
    assert result.totals.flops == 1


def test_prelu_learns_a_slope_per_channel() -> None:
    result = compile_body("input(1, 1, 3)\nprelu", weights={"prelu/slope": np.array([0.1, 0.2,
                                                                                   0.3])})
    assert result.totals.params.total == 3
    out = netdsl.execute(result.graph, np.array([-1.0, -1.0, 2.0]).reshape(1, 1, 3))
    np.testing.assert_allclose(out.ravel(), [-0.1, -0.2, 2.0])
    assert compile_body("input(2, 2, 8)\nprelu(per_channel=false)").totals.params.total == 1


def test_parametric_activations_fuse_into_a_convolution() -> None:
    result = netdsl.compile_string(
        "net T():\n    input(4, 4, 3)\n    conv(8, 3)\n    prelu\n    conv(8, 1)\n    elu\n",
        seed=0)
    assert [n.name for n in result.graph.nodes] == ["input", "conv1", "conv2"]
    assert result.totals.params.total == 3 * 3 * 3 * 8 + 8 + 8 + 8 * 8 + 8
    as_written = netdsl.compile_string(
        "net T():\n    input(4, 4, 3)\n    conv(8, 3)\n    prelu\n    conv(8, 1)\n    elu\n",
        seed=0, passes=PLAIN)
    data = np.random.default_rng(1).normal(size=(2, 4, 4, 3))
    np.testing.assert_allclose(netdsl.execute(result.graph, data),
                               netdsl.execute(as_written.graph, data), rtol=1e-12)


def test_channel_shuffle_interleaves_the_groups() -> None:
    result = compile_body("input(1, 1, 6)\nchannel_shuffle(2)", seed=0)
    out = netdsl.execute(result.graph, np.arange(6.0).reshape(1, 1, 6))
    assert out.ravel().tolist() == [0, 3, 1, 4, 2, 5]  # torch.nn.ChannelShuffle(2)
    assert result.totals.flops == 0
    assert result.totals.memory.total == 12  # a copy: read once, written once


def test_pixel_shuffle_follows_pytorchs_channel_order() -> None:
    result = compile_body("input(1, 1, 4)\npixel_shuffle(2)", seed=0)
    assert result.output_shape == (2, 2, 1)
    out = netdsl.execute(result.graph, np.arange(4.0).reshape(1, 1, 4))
    assert out[:, :, 0].tolist() == [[0, 1], [2, 3]]  # F.pixel_shuffle of channels 0..3
    back = compile_body("input(2, 2, 1)\npixel_unshuffle(2)", seed=0)
    assert back.output_shape == (1, 1, 4)
    assert netdsl.execute(back.graph, out).ravel().tolist() == [0, 1, 2, 3]


def test_slice_takes_channels_by_addressing() -> None:
    result = compile_body("input(2, 2, 8)\nslice(2, 5)", seed=0)
    assert result.output_shape == (2, 2, 3)
    assert result.totals.memory.total == 0
    data = np.arange(32.0).reshape(2, 2, 8)
    np.testing.assert_array_equal(netdsl.execute(result.graph, data), data[:, :, 2:5])
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body("input(2, 2, 8)\nslice(4, 9)")
    assert caught.value.diagnostics[0].code == "E306"


def test_layer_scale_and_bias_are_per_channel_parameters() -> None:
    result = compile_body("input(7, 7, 96)\nscale\nbias")
    assert result.totals.params.weights == 96
    assert result.totals.params.biases == 96
    assert result.totals.flops == 2 * 7 * 7 * 96
    fused = netdsl.compile_string("net T():\n    input(7, 7, 8)\n    conv(8)\n    scale\n")
    assert [a.op for a in fused.graph.nodes[-1].fused] == [Scale()]


@pytest.mark.parametrize(("call", "code", "hint"), [
    ("ConvTranspose2d(8, 2)", "E201", "'convT' is netdsl's name for it"),
    ("deconv(8, 2)", "E201", "'convT' is netdsl's name for it"),
    ("Conv2d(8, 3)", "E201", "'conv' is netdsl's name for it"),
    ("BatchNorm2d", "E201", "'bn' is netdsl's name for it"),
    ("conv(8, 3, stride=2)", "E302", "netdsl calls it 's'"),
    ("conv(8, kernel_size=3)", "E302", "netdsl calls it 'k'"),
    ("maxpool(2, ceil_mode=true)", "E302", "write round=ceil for PyTorch's ceil_mode=True"),
    ("convT(8, 2, output_padding=1)", "E302", "netdsl calls it 'out_pad'"),
])
def test_pytorch_names_get_netdsls(call: str, code: str, hint: str) -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body(f"input(8, 8, 3)\n{call}")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == (code, hint)


def test_a_channels_first_input_is_warned_about() -> None:
    result = compile_body("input(3, 224, 224)\ngap")
    (warning,) = result.warnings
    assert warning.code == "W401"
    assert warning.message == ("input 3x224x224 looks channels-first: netdsl's input is "
                               "height, width, channels")
    assert warning.hint == "write input(224, 224, 3) for a 224x224 image of 3 channels"
    assert (warning.span.line, warning.span.column) == (2, 5)
    assert compile_body("input(224, 224, 3)\ngap").warnings == ()
    assert compile_body("input(4, 4, 4)\ngap").warnings == ()


def test_attention_counts_projections_and_products_apart() -> None:
    result = compile_body("input(5, 8)\nmha(2)")
    cost = result.graph.nodes[-1].cost
    assert result.graph.nodes[0].shape == (5, 8)
    assert cost.params.total == 4 * 8 * 8 + 4 * 8  # Q, K, V and output projections
    assert cost.maccs == 4 * 5 * 8 * 8 + 2 * 5 * 5 * 8 == 1680
    assert cost.attention_maccs == 2 * 5 * 5 * 8 == 400
    # products, bias adds (4 N C), scaling Q (N C), softmax of 2 heads x 5 x 5 scores
    assert cost.flops == 2 * 1680 + 4 * 40 + 40 + 3 * 50 == 3710
    internal = 3 * 40 + 2 * 50 + 40  # Q, K, V, scores, probabilities, context
    assert cost.memory.input == 4 * 5 * 64 + internal
    assert cost.memory.output == 40 + internal
    assert cost.memory.weights == 288
    # input and output, with Q, K, V, the scores (softmax in place) and the context
    assert result.totals.peak_activations == 40 + 40 + (3 * 40 + 50 + 40)


def test_attention_values() -> None:
    eye = np.eye(2)
    weights = {"mha/qkv_kernel": np.hstack([eye, eye, eye]), "mha/qkv_bias": np.zeros(6),
               "mha/out_kernel": eye, "mha/out_bias": np.zeros(2)}
    result = compile_body("input(3, 2)\nmha(1)", weights=weights)
    x = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    scores = x @ x.T / math.sqrt(2)
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(netdsl.execute(result.graph, x), probabilities @ x, rtol=1e-14)


def test_a_sequence_from_an_image() -> None:
    result = compile_body("input(4, 4, 8)\ntokens\nclass_token\npos_embed\nlinear(6)\ntoken(0)")
    assert [n.shape for n in result.graph.nodes] == [(4, 4, 8), (16, 8), (17, 8), (17, 8),
                                                    (17, 6), (6,)]
    assert result.totals.params.total == 8 + 17 * 8 + 8 * 6 + 6
    assert result.totals.maccs == 17 * 8 * 6
    with pytest.raises(netdsl.NetdslError) as caught:
        compile_body("input(4, 4, 8)\nmha(2)")
    assert caught.value.diagnostics[0].code == "E402"
    assert caught.value.diagnostics[0].hint == "turn an image into tokens with 'tokens'"


def test_the_text_report_shows_attention_products() -> None:
    text = compile_body("input(5, 8)\nmha(2)").to_text()
    assert "  attention products" in text
    assert "attention products" not in compile_body("input(5, 8)\nlinear(2)").to_text()


RESNEXT = """
import std
net ResNeXt50():
    input(224, 224, 3)
    cbr(64, 7, 2)
    maxpool(3, 2, pad=1)
    stage(64, 3, 1)
    stage(128, 4, 2)
    stage(256, 6, 2)
    stage(512, 3, 2)
    gap
    fc(1000)
block stage(p, n, s):
    bottleneck(2 * p, s, groups=32, out=4 * p)
    bottleneck(2 * p, groups=32, out=4 * p) * (n - 1)
"""


def test_std_bottleneck_groups_and_width_give_resnext() -> None:
    """torchvision's resnext50_32x4d: 25,028,904 parameters, 4.23 GFLOPS (GMACs)."""
    totals = netdsl.compile_string(RESNEXT, passes=PLAIN).totals
    assert totals.params.trainable == 25_028_904
    assert totals.maccs == 4_230_479_872


def test_std_cbr_bias_and_eps() -> None:
    result = netdsl.compile_string("import std\nnet T():\n    input(4, 4, 2)\n"
                                   "    cbr(3, bias=true, eps=0.001)\n", passes=PLAIN)
    conv, bn = result.graph.nodes[1:3]
    assert conv.op.bias
    assert bn.op.eps == 0.001


@pytest.mark.parametrize(("expression", "channels"), [
    ("int(log2(64))", 6), ("ceil(log(20))", 3), ("floor(log2(1000))", 9),
])
def test_logarithms(expression: str, channels: int) -> None:
    assert compile_body(f"input(2, 2, 1)\nconv({expression})").output_shape == (2, 2, channels)


def test_reshape_and_permute() -> None:
    result = compile_body("input(2, 3, 4)\nreshape([6, -1])\npermute([1, 0])\nreshape([2, 12])",
                          seed=0)
    assert [n.shape for n in result.graph.nodes] == [(2, 3, 4), (6, 4), (4, 6), (2, 12)]
    data = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(netdsl.execute(result.graph, data),
                                  data.reshape(6, 4).T.reshape(2, 12))
    cost = {n.name: n.cost for n in result.graph.nodes}
    assert cost["reshape1"].memory.total == 0  # by addressing
    assert cost["permute"].memory.total == 48  # a copy: 24 read, 24 written
    for body, code in (("reshape([5, -1])", "E306"), ("reshape([2, 2])", "E306"),
                       ("permute([0, 0, 1])", "E306"), ("reshape([0, -1])", "E306")):
        with pytest.raises(netdsl.NetdslError) as caught:
            compile_body(f"input(2, 3, 4)\n{body}")
        assert caught.value.diagnostics[0].code == code, body


@pytest.mark.parametrize("layer", ["convT(6, 3, 2, pad=1, out_pad=1, groups=2)",
                                   "convT(4, 2, 2, bias=false)", "tokens\nlinear(5)"])
def test_batch_norm_folds_into_transposed_convolutions_and_linear(layer: str) -> None:
    source = "net T():\n    input(5, 4, 6)\n" + "".join(
        f"    {line}\n" for line in [*layer.splitlines(), "bn", "relu"])
    folded = netdsl.compile_string(source, seed=3)
    written = netdsl.compile_string(source, seed=3, passes=PLAIN)
    assert len(folded.graph.nodes) == len(written.graph.nodes) - 2  # bn folded, relu fused
    assert [a.how for a in folded.graph.nodes[-1].fused] == ["folded", "fused"]
    data = np.random.default_rng(0).normal(size=(2, 5, 4, 6))
    np.testing.assert_allclose(netdsl.execute(folded.graph, data),
                               netdsl.execute(written.graph, data), rtol=1e-12, atol=1e-12)


def test_a_fused_layer_still_reads_its_parameters() -> None:
    result = netdsl.compile_string("net T():\n    input(4, 4, 3)\n    conv(8, 3)\n    prelu\n")
    (conv,) = result.graph.nodes[1:]
    assert [a.name for a in conv.fused] == ["prelu"]
    assert conv.cost.memory.weights == 3 * 3 * 3 * 8 + 8 + 8  # kernel, bias, 8 slopes
    assert conv.cost.memory.output == 4 * 4 * 8  # the slopes apply as the output is written
