"""The worked examples of the cost model, each on a tiny network.

Every figure here is written out in cost-model.md (the project specification);
the tests compile a network holding just the layers of the example and read
the per-layer costs (``annotate-cost`` alone, so nothing is folded or fused).
"""

from __future__ import annotations

import textwrap

import pytest

import netdsl
from netdsl.ir.ops import ALL_OPS
from netdsl.passes.annotate_cost import COST_RULES
from netdsl.passes.infer_shapes import SHAPE_RULES

PLAIN = ("infer-shapes", "annotate-cost")


def _net(body: str) -> str:
    lines = textwrap.dedent(body).strip().splitlines()
    return "net t:\n" + "".join(f"    {line}\n" for line in lines)


def costs(body: str, **options) -> dict[str, netdsl.ir.graph.LayerCost]:
    """Per-layer costs of ``net t:`` with ``body`` (one statement per line)."""
    text = _net(body)
    result = netdsl.compile_string(text, passes=options.pop("passes", PLAIN), **options)
    return {node.name: node.cost for node in result.graph.nodes}


def totals(body: str, **options) -> netdsl.ir.graph.GraphCost:
    text = _net(body)
    return netdsl.compile_string(text, passes=options.pop("passes", PLAIN), **options).totals


# --- section 1: MACCs ---------------------------------------------------------------------

def test_regular_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(128, 3, pad=same)")
    assert c["conv"].maccs == 924_844_032


def test_depthwise_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\ndwconv(3)")
    assert c["dwconv"].maccs == 7_225_344


def test_pointwise_convolution_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(128, 1)")
    assert c["conv"].maccs == 102_760_448


def test_depthwise_separable_maccs_and_ratio() -> None:
    c = costs("input(112, 112, 64)\ndwconv(3)\nconv(128, 1)")
    separable = c["dwconv"].maccs + c["conv"].maccs
    assert separable == 109_985_792 == 64 * 112 * 112 * (3 * 3 + 128)
    assert round(924_844_032 / separable, 1) == 8.4


def test_expansion_block_maccs() -> None:
    c = costs("input(112, 112, 64)\nconv(384, 1)\ndwconv(3)\nconv(128, 1)")
    total = sum(x.maccs for x in c.values())
    assert total == 968_196_096 == (9 + 128 + 64) * 384 * 112 * 112


def test_grouped_dense_and_depth_multiplier_maccs() -> None:
    c = costs("input(10, 10, 8)\nconv(16, 3, groups=4)\ndwconv(3, mult=2)\nflatten\ndense(7)")
    assert c["conv"].maccs == 3 * 3 * (8 // 4) * 10 * 10 * 16
    assert c["dwconv"].maccs == 3 * 3 * 16 * 2 * 10 * 10
    assert c["dense"].maccs == 10 * 10 * 32 * 7


def test_stride_dilation_and_non_square_kernels_change_the_output_size() -> None:
    c = costs("input(15, 20, 4)\nconv(6, [3, 5], [2, 1], pad=0, dilation=[1, 2])")
    # Hout = (15 - 3) // 2 + 1 = 7, Wout = (20 - 2 * 4 - 1) // 1 + 1 = 12
    assert c["conv"].maccs == 3 * 5 * 4 * 7 * 12 * 6


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


# --- section 3: parameters and model size -------------------------------------------------

def test_parameter_breakdown() -> None:
    t = totals("input(8, 8, 3)\nconv(16, 3, bias=false)\nbn\nrelu\nflatten\ndense(10)")
    assert (t.params.weights, t.params.biases) == (3 * 3 * 3 * 16 + 8 * 8 * 16 * 10, 10)
    assert (t.params.bn_affine, t.params.bn_stats) == (32, 32)
    assert t.params.total == t.params.weights + 10 + 64  # Keras
    assert t.params.trainable == t.params.weights + 10 + 32  # PyTorch


@pytest.mark.parametrize(("dtype", "size"), [
    ("fp32", 4 * 449), ("fp16", 2 * 449), ("bf16", 2 * 449), ("int8", 449), ("int4", 225)])
def test_model_size_by_dtype(dtype: str, size: int) -> None:
    # 3x3x3x16 weights + 16 biases = 448 + 1 dense... : 432 + 16 + 1 = 449 parameters
    t = totals("input(4, 4, 3)\nconv(16, 3)\ngap\ndense(1, bias=false)", dtype=dtype)
    assert t.params.total == 432 + 16 + 16
    assert t.model_bytes == -(-(t.params.total * {"fp32": 8, "fp16": 4, "bf16": 4,
                                                  "int8": 2, "int4": 1}[dtype]) // 2)


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
    assert costs("input(28, 28, 512)\nrelu")["relu"].memory.total == 802_816


def test_stride_two_still_reads_the_whole_input() -> None:
    m = costs("input(28, 28, 8)\nconv(4, 3, 2)")["conv"].memory
    assert m.input == 28 * 28 * 8 * 3 * 3 * 4
    assert m.output == 14 * 14 * 4


def test_dense_memory_accesses() -> None:
    m = costs("input(1, 1, 64)\nflatten\ndense(10)")["dense"].memory
    assert (m.input, m.output, m.weights) == (640, 10, 650)


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
    for name in ("concat", "dropout", "identity", "flatten"):
        assert c[name].memory.total == 0 and c[name].flops == 0


def test_compulsory_model_counts_each_tensor_once() -> None:
    m = costs("input(28, 28, 256)\nconv(512, 3)", memory_model="compulsory")["conv"].memory
    assert (m.input, m.output, m.weights) == (28 * 28 * 256, 401_408, 1_180_160)


def test_batch_scales_activation_figures_not_weights() -> None:
    one = costs("input(28, 28, 256)\nconv(512, 3)")["conv"]
    four = costs("input(28, 28, 256)\nconv(512, 3)", batch=4)["conv"]
    assert four.maccs == 4 * one.maccs and four.flops == 4 * one.flops
    assert four.memory.input == 4 * one.memory.input
    assert four.memory.output == 4 * one.memory.output
    assert four.memory.weights == one.memory.weights
    assert four.params == one.params


# --- section 6: peak activation memory ----------------------------------------------------

def test_peak_of_a_plain_chain_is_the_largest_adjacent_pair() -> None:
    t = totals("input(8, 8, 4)\nconv(16, 1)\nconv(2, 1)\nconv(32, 1)")
    # input 256 + conv1 1024 = 1280; conv1 1024 + conv2 128; conv2 128 + conv3 2048 = 2176
    assert t.peak_activations == 2176


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
    #   run conv1: a + conv1 = 512 + 1024 = 1536 (the input was freed after a)
    #   run conv2: a + conv1 + conv2 = 2048, then conv1 is freed
    #   run add:   a + conv2 + add = 1536
    assert t.peak_activations == 2048


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
    assert t.peak_activations == 1024


def test_every_op_has_a_shape_rule_and_a_cost_rule() -> None:
    assert set(ALL_OPS) == set(COST_RULES) == set(SHAPE_RULES)
