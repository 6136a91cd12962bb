"""The worked examples of the cost model, each on a tiny network.

Every figure here is written out in the cost-model specification (restated in
docs/cost-model.md); the tests compile a network holding just the layers of
the example and read the per-layer costs. They run ``infer-shapes`` and ``annotate-cost``
only, so nothing is folded or fused, unless a test is about fusion.
"""

from __future__ import annotations

import textwrap

import pytest

import netdsl

PLAIN = ("infer-shapes", "annotate-cost")


def _net(body: str) -> str:
    lines = textwrap.dedent(body).strip().splitlines()
    return "net t:\n" + "".join(f"    {line}\n" for line in lines)


def compile_body(body: str, **options) -> netdsl.CompileResult:
    return netdsl.compile_string(_net(body), filename="t.net",
                                 passes=options.pop("passes", PLAIN), **options)


def costs(body: str, **options) -> dict[str, netdsl.ir.graph.LayerCost]:
    """Per-layer costs of ``net t:`` with ``body`` (one statement per line)."""
    result = compile_body(body, **options)
    return {node.name: node.cost for node in result.graph.nodes}


def totals(body: str, **options) -> netdsl.ir.graph.GraphCost:
    return compile_body(body, **options).totals


# --- section 1: MACCs ---------------------------------------------------------------------

def test_regular_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(128, 3, pad=same)")
    assert c["conv"].maccs == 924_844_032 == 3 * 3 * 64 * 112 * 112 * 128


def test_depthwise_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\ndwconv(3)")
    assert c["dwconv"].maccs == 7_225_344 == 3 * 3 * 64 * 112 * 112


def test_pointwise_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(128, 1)")
    assert c["conv"].maccs == 102_760_448 == 64 * 112 * 112 * 128


def test_depthwise_separable_maccs_and_ratio() -> None:
    c = costs("input(112, 112, 64)\ndwconv(3)\nconv(128, 1)")
    separable = c["dwconv"].maccs + c["conv"].maccs
    assert separable == 109_985_792 == 64 * 112 * 112 * (3 * 3 + 128)
    assert round(924_844_032 / separable, 1) == 8.4


def test_depthwise_separable_general_formula_with_stride() -> None:
    """Cin x Hout x Wout x (K x K + Cout), here with a stride-2 depthwise layer."""
    c = costs("input(56, 56, 32)\ndwconv(3, 2)\nconv(48, 1)")
    assert c["dwconv"].maccs + c["conv"].maccs == 32 * 28 * 28 * (3 * 3 + 48)


def test_expansion_block_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(384, 1)\ndwconv(3)\nconv(128, 1)")
    total = sum(x.maccs for x in c.values())
    assert total == 968_196_096 == (9 + 128 + 64) * 384 * 112 * 112


def test_expansion_block_with_stride_two() -> None:
    """Cin x Hin x Win x Cexp + (K x K + Cout) x Cexp x Hout x Wout."""
    c = costs("input(56, 56, 24)\nconv(144, 1)\ndwconv(3, 2)\nconv(32, 1)")
    assert sum(x.maccs for x in c.values()) == 24 * 56 * 56 * 144 + (9 + 32) * 144 * 28 * 28


def test_expansion_block_from_the_standard_library() -> None:
    """std's inverted_residual (with its batch norms and ReLU6s) has the same MACCs."""
    text = "import std\nnet t:\n    input(112, 112, 64)\n    inverted_residual(128, t=6)\n"
    result = netdsl.compile_string(text, filename="t.net", passes=PLAIN)
    assert result.totals.maccs == 968_196_096  # batch norms and activations add no MACC


def test_grouped_dense_and_depth_multiplier_maccs() -> None:
    c = costs("input(10, 10, 8)\nconv(16, 3, groups=4)\ndwconv(3, mult=2)\nflatten\ndense(7)")
    assert c["conv"].maccs == 3 * 3 * (8 // 4) * 10 * 10 * 16
    assert c["dwconv"].maccs == 3 * 3 * 16 * 2 * 10 * 10
    assert c["dense"].maccs == 10 * 10 * 32 * 7


def test_dense_maccs_exclude_the_bias() -> None:
    with_bias = costs("input(1024)\ndense(1000)")["dense"]
    without = costs("input(1024)\ndense(1000, bias=false)")["dense"]
    assert with_bias.maccs == without.maccs == 1024 * 1000


def test_stride_dilation_and_non_square_kernels_change_the_output_size() -> None:
    c = costs("input(15, 20, 4)\nconv(6, [3, 5], [2, 1], pad=0, dilation=[1, 2])")
    # Hout = (15 - 3) // 2 + 1 = 7, Wout = (20 - 2 * 4 - 1) // 1 + 1 = 12
    assert c["conv"].maccs == 3 * 5 * 4 * 7 * 12 * 6


def test_same_and_keras_style_padding_give_different_maccs_on_odd_inputs() -> None:
    """Section 8: a stride-2 3x3 convolution on 7x7: "same" gives 4x4, Keras' explicit
    (0 before, 1 after) padding then "valid" gives 3x3."""
    same = costs("input(7, 7, 3)\nconv(8, 3, 2, pad=same)")["conv"]
    keras = costs("input(7, 7, 3)\nzeropad(0, 1, 0, 1)\nconv(8, 3, 2, pad=valid)")["conv"]
    assert same.maccs == 3 * 3 * 3 * 4 * 4 * 8
    assert keras.maccs == 3 * 3 * 3 * 3 * 3 * 8


@pytest.mark.parametrize("layer", ["bn", "relu", "relu6", "sigmoid", "softmax", "maxpool(2)",
                                   "avgpool(2)", "gap", "zeropad(1)", "upsample(2)"])
def test_layers_other_than_convolution_and_dense_have_no_maccs(layer) -> None:
    c = costs(f"input(8, 8, 4)\n{layer}")
    assert all(x.maccs == 0 for x in c.values())


# --- section 2: FLOPs ---------------------------------------------------------------------

def test_flops_per_layer_kind() -> None:
    c = costs("""
        input(8, 8, 4)
        x = conv(4, 3)
        bn
        relu
        add:
            | from x
            | identity
        maxpool(2)
        y = avgpool(2, 2)
        softmax
        gap
        flatten
        dense(3, bias=false)
    """)
    out = 8 * 8 * 4
    assert c["x"].flops == 2 * 3 * 3 * 4 * out + out  # 2 x MACCs + bias
    assert c["bn"].flops == 2 * out
    assert c["relu"].flops == out
    assert c["add"].flops == out  # one operand beyond the first
    assert c["maxpool"].flops == (2 * 2 - 1) * 4 * 4 * 4
    assert c["y"].flops == 2 * 2 * 2 * 2 * 4  # K x K - 1 adds and 1 division
    assert c["softmax"].flops == 3 * 2 * 2 * 4
    assert c["gap"].flops == 2 * 2 * 4
    assert c["dense"].flops == 2 * 4 * 3


def test_convolution_flops_with_and_without_bias() -> None:
    with_bias = costs("input(28, 28, 256)\nconv(512, 3)")["conv"]
    without = costs("input(28, 28, 256)\nconv(512, 3, bias=false)")["conv"]
    assert without.flops == 2 * 924_844_032
    assert with_bias.flops == 2 * 924_844_032 + 28 * 28 * 512  # bias add: 1 per output


def test_dense_flops_with_bias() -> None:
    assert costs("input(1024)\ndense(1000)")["dense"].flops == 2 * 1024 * 1000 + 1000


@pytest.mark.parametrize("kind", ["relu", "relu6", "sigmoid", "tanh", "hsigmoid", "hswish",
                                  "swish", "silu", "gelu"])
def test_every_activation_counts_one_flop_per_element(kind) -> None:
    c = costs(f"input(6, 5, 7)\n{kind}")
    (layer,) = [v for k, v in c.items() if k != "input"]
    assert layer.flops == 6 * 5 * 7


def test_softmax_counts_three_flops_per_element() -> None:
    assert costs("input(1000)\nsoftmax")["softmax"].flops == 3 * 1000


def test_add_and_mul_count_one_flop_per_operand_beyond_the_first() -> None:
    c = costs("""
        input(8, 8, 4)
        a = add:
            | relu
            | sigmoid
            | tanh
        m = mul:
            | identity
            | gap
    """)
    assert c["a"].flops == 2 * 8 * 8 * 4  # three operands: two adds per element
    assert c["m"].flops == 8 * 8 * 4  # broadcast gate: one multiply per output element


def test_pooling_flops() -> None:
    c = costs("input(12, 12, 5)\nm = maxpool(3)\na = avgpool(2, 1)\ng = gap")
    assert c["m"].flops == (3 * 3 - 1) * 4 * 4 * 5
    assert c["a"].flops == 2 * 2 * 3 * 3 * 5  # (K x K - 1) adds + 1 division
    assert c["g"].flops == 3 * 3 * 5
    assert costs("input(12, 12, 5)\ngmp")["gmp"].flops == (12 * 12 - 1) * 5


def test_upsampling_and_zero_padding_flops() -> None:
    c = costs("input(4, 4, 3)\nb = upsample(2, mode=bilinear)\nn = upsample(2)\nzeropad(1)")
    assert c["b"].flops == 7 * 8 * 8 * 3  # 4 multiplies and 3 adds per output element
    assert c["n"].flops == 0
    assert c["zeropad"].flops == 0


def test_flops_are_never_the_maccs() -> None:
    t = totals("input(8, 8, 3)\nconv(16, 3, bias=false)\nflatten\ndense(10, bias=false)")
    assert t.flops == 2 * t.maccs


def test_dense_flattens_its_input() -> None:
    """``fc`` over a 4x4x8 tensor: I = 128 inputs without an explicit flatten."""
    c = costs("input(4, 4, 8)\nfc(10)")["fc"]
    assert (c.maccs, c.flops) == (128 * 10, 2 * 128 * 10 + 10)
    assert (c.memory.input, c.memory.output, c.memory.weights) == (1280, 10, 1290)


def test_padded_average_pooling_counts_the_whole_window() -> None:
    c = costs("input(5, 5, 2)\navgpool(3, 2, pad=1)")["avgpool"]
    assert c.flops == 3 * 3 * 3 * 3 * 2  # 3x3x2 outputs, K x K each
    assert (c.memory.input, c.memory.output) == (50, 18)


# --- section 3: parameters and model size -------------------------------------------------

def test_parameter_breakdown() -> None:
    t = totals("input(8, 8, 3)\nconv(16, 3, bias=false)\nbn\nrelu\nflatten\ndense(10)")
    assert (t.params.weights, t.params.biases) == (3 * 3 * 3 * 16 + 8 * 8 * 16 * 10, 10)
    assert (t.params.bn_affine, t.params.bn_stats) == (32, 32)  # 2 x C each
    assert t.params.total == t.params.weights + 10 + 64  # Keras: + gamma, beta, mean, var
    assert t.params.trainable == t.params.weights + 10 + 32  # PyTorch: + gamma, beta


def test_per_layer_parameters() -> None:
    c = costs("input(10, 10, 8)\nconv(16, 3, groups=4)\ndwconv(5, mult=2, bias=false)\nbn")
    assert (c["conv"].params.weights, c["conv"].params.biases) == (3 * 3 * 2 * 16, 16)
    assert (c["dwconv"].params.weights, c["dwconv"].params.biases) == (5 * 5 * 32, 0)
    assert c["bn"].params.total == 4 * 32 and c["bn"].params.trainable == 2 * 32


def test_folding_leaves_no_batch_norm_parameters() -> None:
    body = "input(8, 8, 3)\nconv(16, 3, bias=false)\nbn\nrelu"
    folded = totals(body, passes=("infer-shapes", "fold-batchnorm", "annotate-cost"))
    assert (folded.params.bn_affine, folded.params.bn_stats) == (0, 0)
    assert folded.params.biases == 16  # the convolution gains a bias of C
    assert folded.params.total == 3 * 3 * 3 * 16 + 16


# 3x3x3x16 kernels (432) + 16 biases + a 16 -> 1 dense without bias (16) = 464 parameters;
# with bias=true the dense adds one more: 465 parameters, odd, for int4's rounding.
@pytest.mark.parametrize(("dtype", "bias", "size"), [
    ("fp32", "false", 4 * 464), ("fp16", "false", 2 * 464), ("bf16", "false", 2 * 464),
    ("int8", "false", 464), ("int4", "false", 232),
    ("fp32", "true", 4 * 465), ("int8", "true", 465), ("int4", "true", 233),
])
def test_model_size_by_dtype(dtype, bias, size) -> None:
    t = totals(f"input(4, 4, 3)\nconv(16, 3)\ngap\ndense(1, bias={bias})", dtype=dtype)
    assert t.params.total == 464 + (bias == "true")
    assert t.model_bytes == size


@pytest.mark.parametrize(("dtype", "factor"), [("fp32", 4), ("fp16", 2), ("bf16", 2),
                                               ("int8", 1)])
def test_byte_figures_scale_with_the_dtype(dtype, factor) -> None:
    t = totals("input(28, 28, 256)\nconv(512, 3)", dtype=dtype)
    assert t.memory_bytes == factor * t.memory.total
    assert t.peak_bytes == factor * t.peak_activations


def test_int4_byte_figures_round_up() -> None:
    t = totals("input(3, 3, 1)\nrelu", dtype="int4")
    # peak: input 9 + relu 9 = 18 elements = 9 bytes; traffic 9 + 9 = 18 elements = 9 bytes
    assert (t.peak_activations, t.peak_bytes) == (18, 9)
    t = totals("input(1, 1, 3)\nconv(1, 1, bias=false)", dtype="int4")
    assert t.params.total == 3 and t.model_bytes == 2  # 1.5 bytes, rounded up


# --- section 5: memory accesses -----------------------------------------------------------

def test_convolution_memory_accesses() -> None:
    m = costs("input(28, 28, 256)\nconv(512, 3)")["conv"].memory
    assert (m.input, m.output, m.weights) == (924_844_032, 401_408, 1_180_160)
    assert m.total == 926_425_600


def test_depthwise_separable_memory_accesses() -> None:
    c = costs("input(28, 28, 256)\ndwconv(3)\nconv(512, 1)")
    dw, pw = c["dwconv"].memory, c["conv"].memory
    assert (dw.input, dw.output, dw.weights, dw.total) == (1_806_336, 200_704, 2_560,
                                                           2_009_600)
    assert (pw.input, pw.output, pw.weights, pw.total) == (102_760_448, 401_408, 131_584,
                                                           103_293_440)
    assert dw.total + pw.total == 105_303_040
    assert round(926_425_600 / 105_303_040, 1) == 8.8


def test_relu_memory_accesses() -> None:
    m = costs("input(28, 28, 512)\nrelu")["relu"].memory
    assert (m.input, m.output, m.weights, m.total) == (401_408, 401_408, 0, 802_816)


def test_convolution_without_bias_reads_only_its_kernel() -> None:
    m = costs("input(28, 28, 256)\nconv(512, 3, bias=false)")["conv"].memory
    assert m.weights == 3 * 3 * 256 * 512


def test_grouped_and_depth_multiplier_memory_accesses() -> None:
    c = costs("input(10, 10, 8)\nconv(16, 3, groups=4)\ndwconv(3, mult=2)")
    g, d = c["conv"].memory, c["dwconv"].memory
    assert (g.input, g.output, g.weights) == (10 * 10 * 8 * 9 * (16 // 4), 10 * 10 * 16,
                                              9 * 2 * 16 + 16)
    assert (d.input, d.output, d.weights) == (10 * 10 * 16 * 9 * 2, 10 * 10 * 32,
                                              9 * 32 + 32)


def test_stride_two_still_reads_the_whole_input() -> None:
    m = costs("input(28, 28, 8)\nconv(4, 3, 2)")["conv"].memory
    assert m.input == 28 * 28 * 8 * 3 * 3 * 4
    assert m.output == 14 * 14 * 4


def test_dense_memory_accesses() -> None:
    m = costs("input(1, 1, 64)\nflatten\ndense(10)")["dense"].memory
    assert (m.input, m.output, m.weights) == (640, 10, 650)
    m = costs("input(64)\ndense(10, bias=false)")["dense"].memory
    assert (m.input, m.output, m.weights) == (640, 10, 640)


def test_batch_norm_reads_its_scale_and_shift() -> None:
    m = costs("input(28, 28, 512)\nbn")["bn"].memory
    assert (m.input, m.output, m.weights) == (401_408, 401_408, 2 * 512)


def test_elementwise_pooling_padding_and_upsampling_read_input_once() -> None:
    c = costs("""
        input(8, 8, 4)
        x = relu
        a = add:
            | sigmoid
            | identity
        maxpool(2)
        zeropad(1)
        upsample(2, mode=bilinear)
        gap
    """)
    assert (c["x"].memory.input, c["x"].memory.output) == (256, 256)
    assert (c["a"].memory.input, c["a"].memory.output) == (2 * 256, 256)
    assert (c["maxpool"].memory.input, c["maxpool"].memory.output) == (256, 64)
    assert (c["zeropad"].memory.input, c["zeropad"].memory.output) == (64, 6 * 6 * 4)
    assert (c["upsample"].memory.input, c["upsample"].memory.output) == (144, 12 * 12 * 4)
    assert (c["gap"].memory.input, c["gap"].memory.output) == (576, 4)
    assert all(x.memory.weights == 0 for k, x in c.items())


def test_concat_flatten_dropout_identity_move_nothing() -> None:
    c = costs("""
        input(4, 4, 2)
        concat:
            | relu
            | sigmoid
        dropout(0.5)
        identity
        flatten
    """)
    for name in ("input", "concat", "dropout", "identity", "flatten"):
        assert c[name].memory.total == 0 and c[name].flops == 0 and c[name].maccs == 0


def test_compulsory_model_counts_each_tensor_once() -> None:
    m = costs("input(28, 28, 256)\nconv(512, 3)", memory_model="compulsory")["conv"].memory
    assert (m.input, m.output, m.weights) == (28 * 28 * 256, 401_408, 1_180_160)


def test_compulsory_model_for_every_kind_of_layer() -> None:
    c = costs("""
        input(28, 28, 256)
        d = dwconv(3)
        p = conv(512, 1)
        a = add:
            | relu
            | identity
        gap
        flatten
        dense(10)
    """, memory_model="compulsory")
    assert (c["d"].memory.input, c["d"].memory.output, c["d"].memory.weights) == (
        200_704, 200_704, 2_560)
    assert (c["p"].memory.input, c["p"].memory.output, c["p"].memory.weights) == (
        200_704, 401_408, 131_584)
    assert c["relu"].memory.total == 802_816  # elementwise: the same in both models
    assert c["a"].memory.input == 2 * 401_408
    assert (c["dense"].memory.input, c["dense"].memory.output) == (512, 10)
    assert c["dense"].memory.weights == 512 * 10 + 10
    assert c["flatten"].memory.total == 0


def test_compulsory_is_a_lower_bound_of_naive() -> None:
    body = "input(28, 28, 256)\nconv(512, 3)\nrelu\ndwconv(3)\nconv(64, 1)\ngap\ndense(10)"
    naive, compulsory = totals(body), totals(body, memory_model="compulsory")
    assert compulsory.memory.total < naive.memory.total
    assert compulsory.memory.output == naive.memory.output
    assert compulsory.memory.weights == naive.memory.weights
    assert (compulsory.memory_model, naive.memory_model) == ("compulsory", "naive")


def test_unknown_memory_model_is_refused() -> None:
    with pytest.raises(netdsl.NetdslError, match="memory_model") as caught:
        totals("input(4, 4, 1)\nrelu", memory_model="perfect")
    assert caught.value.diagnostics[0].code == "E603"


def test_fusion_removes_the_fused_layers_traffic_and_keeps_their_flops() -> None:
    body = "input(28, 28, 256)\nconv(512, 3)\nrelu"
    plain = compile_body(body)
    fused = compile_body(body, passes=("infer-shapes", "fuse-activations", "annotate-cost"))
    assert [n.name for n in fused.graph.nodes] == ["input", "conv"]
    assert fused.totals.memory.total == 926_425_600  # the ReLU's 802,816 are gone
    assert plain.totals.memory.total == 926_425_600 + 802_816
    assert fused.totals.flops == plain.totals.flops
    assert fused.totals_unoptimized.memory.total == plain.totals.memory.total


# --- batch size ---------------------------------------------------------------------------

def test_batch_scales_activation_figures_not_weights() -> None:
    one = costs("input(28, 28, 256)\nconv(512, 3)")["conv"]
    four = costs("input(28, 28, 256)\nconv(512, 3)", batch=4)["conv"]
    assert four.maccs == 4 * one.maccs and four.flops == 4 * one.flops
    assert four.memory.input == 4 * one.memory.input
    assert four.memory.output == 4 * one.memory.output
    assert four.memory.weights == one.memory.weights
    assert four.activations == 4 * one.activations
    assert four.params == one.params


def test_batch_scales_the_totals() -> None:
    body = """
        input(16, 16, 8)
        x = conv(16, 3, bias=false)
        bn
        residual:
            relu
            conv(16, 3)
        gap
        flatten
        dense(10)
        softmax
    """
    one, three = totals(body), totals(body, batch=3)
    for field in ("maccs", "flops", "activations", "peak_activations", "peak_bytes"):
        assert getattr(three, field) == 3 * getattr(one, field), field
    assert three.memory.input == 3 * one.memory.input
    assert three.memory.output == 3 * one.memory.output
    assert three.memory.weights == one.memory.weights
    assert three.params == one.params and three.model_bytes == one.model_bytes
    assert three.batch == 3


def test_unoptimized_totals_follow_the_options() -> None:
    """``totals_unoptimized`` of the default pipeline equals the totals of a run with
    shape inference and cost annotation only, under the same dtype, batch and model."""
    body = "input(16, 16, 8)\nconv(16, 3, bias=false)\nbn\nrelu\ngap\ndense(10)"
    options = {"dtype": "int4", "batch": 2, "memory_model": "compulsory"}
    default = compile_body(body, passes=None, **options)
    assert default.totals_unoptimized == totals(body, **options)
    assert default.totals.maccs == default.totals_unoptimized.maccs == 2 * (
        3 * 3 * 8 * 16 * 16 * 16 + 16 * 10)


# --- section 6: activation memory ---------------------------------------------------------

def test_activations_are_output_elements() -> None:
    c = costs("input(8, 8, 4)\nconv(16, 3, 2)\ngap\nflatten\ndense(10)")
    assert [x.activations for x in c.values()] == [256, 4 * 4 * 16, 16, 16, 10]
    assert totals("input(8, 8, 4)\nconv(16, 3, 2)").activations == 256 + 256


def test_peak_of_a_plain_chain_is_the_largest_adjacent_pair() -> None:
    t = totals("input(8, 8, 4)\nconv(16, 1)\nconv(2, 1)\nconv(32, 1)")
    # input 256 + conv1 1024 = 1280; conv1 1024 + conv2 128; conv2 128 + conv3 2048 = 2176
    assert t.peak_activations == 2176
    assert t.peak_bytes == 4 * 2176


def test_peak_of_a_residual_network_by_hand() -> None:
    t = totals("""
        input(8, 8, 4)
        a = conv(8, 1)
        residual:
            conv(16, 1)
            conv(8, 1)
        relu
    """)
    # sizes: input 256, a 512, conv1 1024, conv2 512, add 512, relu 512.
    # a is read by the add, so it stays alive while the branch runs:
    #   run a:     input + a = 256 + 512 = 768, then the input is freed
    #   run conv1: a + conv1 = 512 + 1024 = 1536
    #   run conv2: a + conv1 + conv2 = 512 + 1024 + 512 = 2048, then conv1 is freed
    #   run add:   a + conv2 + add = 1536, then a and conv2 are freed
    #   run relu:  add + relu = 1024
    assert t.peak_activations == 2048
    assert t.peak_bytes == 8192


def test_peak_of_a_residual_block_with_a_wide_body() -> None:
    t = totals("""
        input(4, 4, 16)
        residual:
            conv(64, 1)
            relu
            conv(16, 1)
    """)
    # sizes: input 256 (kept for the add), conv1 1024, relu 1024, conv2 256, add 256.
    #   conv1: 256 + 1024 = 1280; relu: 256 + 1024 + 1024 = 2304, conv1 freed;
    #   conv2: 256 + 1024 + 256 = 1536, relu freed; add: 256 + 256 + 256 = 768.
    assert t.peak_activations == 2304
    # Without the shortcut the input would have been freed after conv1: 2048.
    plain = totals("input(4, 4, 16)\nconv(64, 1)\nrelu\nconv(16, 1)")
    assert plain.peak_activations == 2048


def test_peak_of_branches_joined_by_concat() -> None:
    t = totals("""
        input(4, 4, 8)
        concat:
            | conv(8, 1)
            | conv(16, 1)
            | maxpool(3, 1, pad=1)
    """)
    # The input (128) stays alive until the last branch has run: 128 + 128 + 256 + 128
    # = 640; it is then freed, and the concat's 512 joins the branches: 512 + 512 = 1024.
    # (The concat has a buffer of its own here, as docs/cost-model.md says: only flatten,
    # dropout and identity alias their input; its traffic is nevertheless 0, "done by
    # addressing". Were the branches written into the concat's buffer, the peak would be
    # 128 + 512 = 640.)
    assert t.peak_activations == 1024


def test_aliasing_layers_share_their_input_buffer() -> None:
    t = totals("input(4, 4, 8)\nflatten\ndropout\nidentity\ndense(10)")
    # flatten, dropout and identity reuse the input's 128 elements: 128 + 10.
    assert t.peak_activations == 138
