"""Differential tests: random valid programs against the executor and independent counts.

Hypothesis draws whole programs as netdsl source (``tests/netgen.py``) over every built-in
layer, on images, sequences of tokens and vectors: every padding mode, strides, dilations,
groups, transposed convolutions, adaptive pooling, pixel shuffles, layer / group / instance
norm, activations with arguments, layer scale, tokens, attention, merges and gates, with
every layer named and its shape predicted by PyTorch's and TensorFlow's formulas. Each
program, with random weights, must satisfy:

a. the shape rules: each layer's ``node.shape`` is the predicted shape and the shape the
   executor actually computes (``netdsl.execute(graph, x, layer=name)``), with finite values;
b. a batch of N examples gives the N single runs, for N = 3 and N equal to the input's
   sizes (height, width and channels, or tokens and features), so that an axis mix-up
   cannot go unseen;
c. every pipeline (the default one and the graph after each of its passes, fusion without
   folding, fusion before folding, the default pipeline run twice) computes what the network
   as written computes, layer by layer, to 1e-9 of each tensor's scale in float64;
d. the costs equal a count made from each layer's arguments and the shapes the executor
   computed, with docs/cost-model.md's conventions: MACCs of every convolution
   (Hout * Wout * Cout * Kh * Kw * Cin / groups), transposed convolution
   (Hin * Win * Cin * Kh * Kw * Cout / groups), dense layer (inputs * units), ``linear``
   (positions * C * units) and attention (4 N C^2 + 2 N^2 C, of which 2 N^2 C are attention
   products); FLOPs of every layer; parameters by kind (as written, Keras' and PyTorch's
   conventions, and after folding), which must also be the sizes of the arrays the executor
   used; activations from the executed outputs. A batch multiplies MACCs, FLOPs and
   activations, never parameters.

A failing example prints as a ``.net`` program ready to paste into an issue (Hypothesis
shows it under "Falsifying example", from ``note``) and the layer in the assertion message.

CI runs a fixed set of examples (``derandomize=True``; see ``SETTINGS``). To explore many
more, fresh ones each run::

    NETDSL_DIFFERENTIAL_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_differential.py

``KNOWN`` holds minimal programs of the defects fixed so far (an even dilated kernel under
``pad=auto``, a batched ``mul`` by a vector, ceil windows larger than the input,
``dropout(1.0)``, ``bn(eps=0)``, ``gelu(approx=...)``, ``count_pad``) and two programs that
use every layer added for decoders and transformers, so that each check covers each of them
whatever the random sample holds; every check runs on each of them every time.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from netgen import Program, every_output, programs, torch_adaptive_windows

import netdsl
from netdsl.ir.graph import Graph, ParamCounts
from netdsl.ir.ops import (
    ELU,
    Activation,
    AdaptivePool,
    Add,
    BatchNorm,
    Bias,
    ClassToken,
    Conv,
    ConvTranspose,
    Dense,
    GlobalPool,
    GroupNorm,
    HardTanh,
    LayerNorm,
    LeakyReLU,
    Linear,
    Mul,
    MultiHeadAttention,
    Pool,
    PositionEmbedding,
    PReLU,
    Scale,
    Upsample,
)

EXAMPLES = int(os.environ.get("NETDSL_DIFFERENTIAL_EXAMPLES", "0"))
# CI: a fixed sample (derandomize), so that a red build is reproducible on every machine and
# never flaky, and a change that breaks one of these programs breaks it every time. It finds
# nothing new by itself: exploration is the job of a run with NETDSL_DIFFERENTIAL_EXAMPLES,
# which draws fresh programs each time and keeps failures in Hypothesis' database.
SETTINGS = settings(
    max_examples=EXAMPLES or 100,
    derandomize=not EXAMPLES,
    **({} if EXAMPLES else {"database": None}),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = st.integers(0, 2**16)
TOLERANCE = 1e-9
Shape = tuple[int, ...]


def compile_program(program: Program, seed: int, **options) -> netdsl.CompileResult:
    return netdsl.compile_string(program.text, filename="random.net", seed=seed, **options)


def inputs(program: Program, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, *program.input_shape))


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Equal to 1e-9 of the expected tensor's largest magnitude (at least 1e-6)."""
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-6)
    error = float(np.abs(actual - expected).max(initial=0.0))
    assert error <= TOLERANCE * scale, f"{what}: differs by {error:.3g} (scale {scale:.3g})"


def same_tensor(node) -> str:
    """The layer of the unoptimised graph whose output is this node's output."""
    return node.fused[-1].name if node.fused else node.name


# --- a. shape rules against executed shapes -----------------------------------------------


def check_shapes(program: Program, seed: int) -> None:
    result = compile_program(program, seed)
    graph = result.baseline
    for name, expected in program.shapes.items():
        assert graph[name].shape == expected, f"{name}: shape rule {graph[name].shape}, " \
                                              f"PyTorch/TensorFlow formulas {expected}"
    x = inputs(program, 2, seed)
    for graph in (result.baseline, result.graph):
        swept = every_output(graph, x)
        for node in graph.nodes:
            y = netdsl.execute(graph, x, layer=node.name)
            assert y.shape == (2, *node.shape), \
                f"{node.name}: executed {y.shape[1:]}, shape rule {node.shape}"
            assert np.isfinite(y).all(), f"{node.name}: non-finite output"
            assert np.array_equal(y, swept[node.name]), node.name
    assert result.output_shape == result.baseline[result.baseline.outputs[0]].shape


# --- b. a batch against single runs -------------------------------------------------------


def batch_sizes(program: Program) -> list[int]:
    """3 and the sizes of the input's axes: a batch axis confused with one shows."""
    return sorted({3, *program.input_shape} - {1})


def check_batches(program: Program, seed: int) -> None:
    result = compile_program(program, seed)
    sizes = batch_sizes(program)
    x = inputs(program, max(sizes), seed)
    for graph in (result.baseline, result.graph):
        singles = [every_output(graph, x[i:i + 1]) for i in range(len(x))]
        for i, example in enumerate(x):  # a batch of one is a single run without a batch
            single = netdsl.execute(graph, example)
            assert np.array_equal(single, singles[i][graph.outputs[0]][0]), "one example"
        for n in sizes:
            for name, y in every_output(graph, x[:n]).items():
                expected = np.concatenate([single[name] for single in singles[:n]])
                assert_close(y, expected, f"{name} with a batch of {n}")


# --- c. every pipeline computes the same ----------------------------------------------------

PIPELINES = {
    "default, after each pass": None,
    "fusion without folding": ("infer-shapes", "fuse-activations", "annotate-cost"),
    "fusion before folding": ("infer-shapes", "fuse-activations", "fold-batchnorm",
                              "annotate-cost"),
    "default pipeline twice": ("infer-shapes", "fold-batchnorm", "fuse-activations",
                               "annotate-cost") * 2,
}


def check_pipelines(program: Program, seed: int) -> None:
    written = compile_program(program, seed, passes=("infer-shapes",)).graph
    x = inputs(program, 2, seed)
    reference = every_output(written, x)
    output = netdsl.execute(written, x)
    for label, passes in PIPELINES.items():
        result = compile_program(program, seed, passes=passes, keep_graphs=True)
        for run in result.runs:
            for name, y in every_output(run.graph, x).items():
                where = f"{label}: after {run.name}: {name}"
                assert_close(y, reference[same_tensor(run.graph[name])], where)
            assert_close(netdsl.execute(run.graph, x), output,
                         f"{label}: after {run.name}: network output")


# --- d. costs against a count from the executed graph ------------------------------------


@dataclass(frozen=True)
class Count:
    """The figures the cost check counts independently."""

    maccs: int = 0
    attention: int = 0  # the MACCs of attention products (activations by activations)
    flops: int = 0
    params: ParamCounts = field(default_factory=ParamCounts)
    activations: int = 0

    @classmethod
    def of(cls, totals) -> Count:
        return cls(totals.maccs, totals.attention_maccs, totals.flops, totals.params,
                   totals.activations)

    def __add__(self, other: Count) -> Count:
        return Count(self.maccs + other.maccs, self.attention + other.attention,
                     self.flops + other.flops, self.params + other.params,
                     self.activations + other.activations)

    def batch(self, n: int) -> Count:
        """A batch of n multiplies every figure but the parameters."""
        return Count(n * self.maccs, n * self.attention, n * self.flops, self.params,
                     n * self.activations)


def expected_params(op, ins: list[Shape], out: Shape) -> ParamCounts:
    """Parameter counts by kind (cost-model.md, "Parameters") from the layer's arguments
    and the shapes the executor computed: kernels, norm scales (gamma), PReLU slopes,
    ``scale``, the class token and the position embedding are weights; biases, norm shifts
    (beta) and ``bias`` are biases; batch norm's are apart."""
    c = out[-1]
    match op:
        case Conv(kernel=(kh, kw), groups=groups, bias=bias):
            return ParamCounts(weights=kh * kw * ins[0][-1] // groups * c, biases=c * bias)
        case ConvTranspose(kernel=(kh, kw), groups=groups, bias=bias):
            return ParamCounts(weights=kh * kw * ins[0][-1] * c // groups, biases=c * bias)
        case Dense(bias=bias):
            return ParamCounts(weights=math.prod(ins[0]) * c, biases=c * bias)
        case Linear(bias=bias):
            return ParamCounts(weights=ins[0][-1] * c, biases=c * bias)
        case BatchNorm():
            return ParamCounts(bn_affine=2 * c, bn_stats=2 * c)
        case LayerNorm(affine=True) | GroupNorm(affine=True):
            return ParamCounts(weights=c, biases=c)
        case PReLU(per_channel=per_channel):
            return ParamCounts(weights=c if per_channel else 1)
        case Scale() | ClassToken():
            return ParamCounts(weights=c)
        case Bias():
            return ParamCounts(biases=c)
        case PositionEmbedding():
            return ParamCounts(weights=math.prod(out))
        case MultiHeadAttention(bias=bias):
            return ParamCounts(weights=4 * c * c, biases=4 * c * bias)
    return ParamCounts()


def expected_maccs(op, ins: list[Shape], out: Shape) -> tuple[int, int]:
    """MACCs and the attention products among them (cost-model.md, "MACCs")."""
    match op:
        case Conv(kernel=(kh, kw), groups=groups):
            return math.prod(out) * kh * kw * ins[0][-1] // groups, 0
        case ConvTranspose(kernel=(kh, kw), groups=groups):  # every input element's taps
            return math.prod(ins[0]) * kh * kw * out[-1] // groups, 0
        case Dense():
            return math.prod(ins[0]) * out[0], 0
        case Linear():
            return math.prod(ins[0]) * out[-1], 0
        case MultiHeadAttention():
            n, c = ins[0]
            return 4 * n * c * c + 2 * n * n * c, 2 * n * n * c
    return 0, 0


def expected_flops(op, ins: list[Shape], out: Shape) -> int:
    """FLOPs (cost-model.md, "FLOPs") from the layer's arguments and executed shapes."""
    elements = math.prod(out)
    match op:
        case Conv(bias=bias) | ConvTranspose(bias=bias) | Dense(bias=bias) | Linear(bias=bias):
            return 2 * expected_maccs(op, ins, out)[0] + elements * bias
        case MultiHeadAttention(heads=heads, bias=bias):
            n, c = ins[0]
            return (2 * expected_maccs(op, ins, out)[0] + 4 * n * c * bias + n * c
                    + 3 * heads * n * n)
        case BatchNorm():
            return 2 * elements
        case Activation(kind="softmax"):
            return 3 * elements
        case Activation() | LeakyReLU() | ELU() | HardTanh() | PReLU():
            return elements
        case LayerNorm(affine=affine) | GroupNorm(affine=affine):
            return (5 + 2 * affine) * elements
        case Add() | Mul():
            return (len(ins) - 1) * elements
        case Pool(kind=kind, kernel=(kh, kw)):
            return (kh * kw - (kind == "max")) * elements
        case GlobalPool(kind=kind):
            h, w, c = ins[0]
            return (h * w - (kind == "max")) * c
        case AdaptivePool(kind=kind):
            (h, w, c), (oh, ow, _) = ins[0], out
            cells = [(b - a) * (d - c_) for a, b in torch_adaptive_windows(h, oh)
                     for c_, d in torch_adaptive_windows(w, ow)]
            return (sum(cells) - (kind == "max") * len(cells)) * c
        case Upsample(mode=mode):
            return 7 * elements if mode == "bilinear" else 0
        case PositionEmbedding() | Scale() | Bias():
            return elements
    return 0


def count(graph: Graph, x: np.ndarray) -> Count:
    """MACCs, attention products, FLOPs, parameters and activations of ``graph``, counted
    from each layer's arguments and the shapes the executor computed, checking each node's
    figures and the sizes of the arrays the executor used on the way."""
    outputs = every_output(graph, x)
    total = Count()
    for node in graph.nodes:
        ins = [outputs[i].shape[1:] for i in node.inputs]
        out = outputs[node.name].shape[1:]
        params = expected_params(node.op, ins, out)
        maccs, attention = expected_maccs(node.op, ins, out)
        flops = expected_flops(node.op, ins, out)
        stored = sum(int(array.size) for array in (node.weights or {}).values())
        for absorbed in node.fused:  # a fused layer still runs, on the node's output
            if absorbed.how == "fused":
                params += expected_params(absorbed.op, [out], out)
                flops += expected_flops(absorbed.op, [out], out)
                stored += sum(int(array.size) for array in (absorbed.weights or {}).values())
        elements = math.prod(out)
        assert stored == params.total, f"{node.name}: arrays of {stored} values, {params}"
        assert node.cost.params == params, f"{node.name}: params {node.cost.params} != {params}"
        assert node.cost.maccs == maccs, f"{node.name}: MACCs {node.cost.maccs} != {maccs}"
        assert node.cost.attention_maccs == attention, \
            f"{node.name}: attention MACCs {node.cost.attention_maccs} != {attention}"
        assert node.cost.flops == flops, f"{node.name}: FLOPs {node.cost.flops} != {flops}"
        assert node.cost.activations == elements, node.name
        total += Count(maccs, attention, flops, params, elements)
    return total


def check_costs(program: Program, seed: int) -> None:
    result = compile_program(program, seed)
    x = inputs(program, 1, seed)
    written = count(result.baseline, x)
    totals = result.totals_unoptimized
    assert Count.of(totals) == written
    stored = sum(int(array.size) for node in result.baseline.nodes
                 for array in (node.weights or {}).values())
    assert totals.params.trainable == stored - written.params.bn_stats  # PyTorch parameters()
    folded = count(result.graph, x)
    assert Count.of(result.totals) == folded
    # the passes never change MACCs; folding removes batch norms' FLOPs, never adds any
    assert (folded.maccs, folded.attention) == (written.maccs, written.attention)
    assert folded.flops <= written.flops
    batched = compile_program(program, seed, batch=3)
    assert Count.of(batched.totals) == folded.batch(3)
    assert Count.of(batched.totals_unoptimized) == written.batch(3)


# --- the properties, on random programs ---------------------------------------------------


@SETTINGS
@given(program=programs(), seed=SEEDS)
def test_shape_rules_match_the_executed_shapes(program: Program, seed: int) -> None:
    note(program.text)
    check_shapes(program, seed)


@SETTINGS
@given(program=programs(), seed=SEEDS)
def test_a_batch_computes_its_single_runs(program: Program, seed: int) -> None:
    note(program.text)
    check_batches(program, seed)


@SETTINGS
@given(program=programs(), seed=SEEDS)
def test_every_pipeline_computes_the_same(program: Program, seed: int) -> None:
    note(program.text)
    check_pipelines(program, seed)


@SETTINGS
@given(program=programs(), seed=SEEDS)
def test_costs_match_a_count_from_the_executed_graph(program: Program, seed: int) -> None:
    note(program.text)
    check_costs(program, seed)


# --- known cases: minimal programs of the defects found, run every time --------------------


def program(text: str, **shapes: tuple[int, ...]) -> Program:
    lines = "".join(f"    {line}\n" for line in text.strip().split("\n"))
    return Program("net known:\n" + lines, shapes)


KNOWN = {
    # An even kernel dilated by 3 under pad=auto: ceil(3 * 1 / 2) = 2 per side.
    "auto-even-dilated": program("l0 = input(8, 8, 2)\nl1 = conv(2, 2, dilation=3)",
                                 l0=(8, 8, 2), l1=(9, 9, 2)),
    # A C vector gates an image over a batch (N == W): it scales channels, not columns.
    "mul-by-vector-in-a-batch": program(
        "l0 = input(2, 3, 3)\nl1 = mul:\n    |\n    | l2 = gap\n      l3 = flatten\n"
        "      l4 = fc(3)\n      l5 = sigmoid",
        l0=(2, 3, 3), l1=(2, 3, 3), l2=(1, 1, 3), l3=(3,), l4=(3,), l5=(3,)),
    # A ceil-mode window larger than the input: PyTorch gives 1 x 1.
    "ceil-window-over-the-input": program("l0 = input(1, 1, 1)\nl1 = maxpool(2, round=ceil)",
                                          l0=(1, 1, 1), l1=(1, 1, 1)),
    "ceil-average-over-the-input": program(
        "l0 = input(1, 2, 2)\nl1 = avgpool([3, 2], round=ceil, count_pad=false)\n"
        "l2 = avgpool(2, 1, pad=1, round=ceil)",
        l0=(1, 2, 2), l1=(1, 1, 2), l2=(2, 2, 2)),
    "dropout-1-and-bn-eps-0": program(
        "l0 = input(3, 3, 2)\nl1 = conv(2, 3)\nl2 = bn(eps=0)\nl3 = dropout(1.0)\n"
        "l4 = gelu(approx=tanh)\nl5 = gelu",
        l0=(3, 3, 2), l1=(3, 3, 2), l2=(3, 3, 2), l3=(3, 3, 2), l4=(3, 3, 2), l5=(3, 3, 2)),
    # Every layer added with the decoders and transformers, on an image turned into tokens
    # (transposed convolutions, adaptive pooling, pixel shuffles, norms, activations with
    # arguments, layer scale, tokens, attention), whatever the random sample holds.
    "new-layers-on-an-image": program(
        "l0 = input(5, 6, 4)\n"
        "l1 = convT(6, 3, 2, pad=1, out_pad=1, groups=2)\nl2 = bn\nl3 = prelu\n"
        "l4 = groupnorm(3, eps=0.001)\n"
        "l5 = convT(4, [3, 2], pad=[1, 0], out_pad=[0, 1], dilation=[1, 2], bias=false)\n"
        "l6 = instancenorm(affine=true)\nl7 = leaky_relu(0.2)\nl8 = adaptive_avgpool(4, 6)\n"
        "l9 = pixel_shuffle(2)\nl10 = pixel_unshuffle(4)\nl11 = channel_shuffle(4)\n"
        "l12 = slice(3, 11)\nl13 = layernorm(affine=false)\nl14 = hardtanh(-0.5, 2)\n"
        "l15 = adaptive_maxpool(3)\nl16 = scale\nl17 = bias\nl18 = elu(0.5)\nl19 = linear(6)\n"
        "l20 = mish\nl21 = tokens\nl22 = class_token\nl23 = pos_embed\nl24 = mha(3)\n"
        "l25 = linear(4, bias=false)\nl26 = token(2)",
        l0=(5, 6, 4), l1=(10, 12, 6), l2=(10, 12, 6), l3=(10, 12, 6), l4=(10, 12, 6),
        l5=(10, 15, 4), l6=(10, 15, 4), l7=(10, 15, 4), l8=(4, 6, 4), l9=(8, 12, 1),
        l10=(2, 3, 16), l11=(2, 3, 16), l12=(2, 3, 8), l13=(2, 3, 8), l14=(2, 3, 8),
        l15=(3, 3, 8), l16=(3, 3, 8), l17=(3, 3, 8), l18=(3, 3, 8), l19=(3, 3, 6),
        l20=(3, 3, 6), l21=(9, 6), l22=(10, 6), l23=(10, 6), l24=(10, 6), l25=(10, 4),
        l26=(4,)),
    # A sequence input: attention in a residual, fusions into linear, a gate per token and
    # per feature, a concat of features.
    "new-layers-on-a-sequence": program(
        "l0 = input(7, 6)\nl1 = pos_embed\nl2 = layernorm(eps=1e-6)\nresidual:\n"
        "    l3 = mha(2)\n    l4 = scale\nl5 = linear(12)\nl6 = bn\n"
        "l7 = prelu(per_channel=false)\nl8 = linear(6, bias=false)\nl9 = mul:\n    |\n"
        "    | l10 = linear(1)\n      l11 = sigmoid\n    | l12 = token(6)\n"
        "      l13 = linear(6)\n      l14 = hsigmoid\nl15 = concat:\n    | from l1\n"
        "    | l16 = slice(1, 4)\nl17 = class_token\nl18 = mha(heads=9, bias=false)\n"
        "l19 = token\nl20 = fc(3)",
        l0=(7, 6), l1=(7, 6), l2=(7, 6), l3=(7, 6), l4=(7, 6), l5=(7, 12), l6=(7, 12),
        l7=(7, 12), l8=(7, 6), l9=(7, 6), l10=(7, 1), l11=(7, 1), l12=(6,), l13=(6,),
        l14=(6,), l15=(7, 9), l16=(7, 3), l17=(8, 9), l18=(8, 9), l19=(9,), l20=(3,)),
}
CHECKS = {"shapes": check_shapes, "batches": check_batches, "pipelines": check_pipelines,
          "costs": check_costs}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("case", KNOWN)
def test_known_cases(case: str, check: str) -> None:
    CHECKS[check](KNOWN[case], seed=5)


# --- the executor's activations against their definitions -------------------------------


@pytest.mark.parametrize(("layer", "definition"), [
    ("gelu", lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),  # PyTorch's default
    ("gelu(approx=none)", lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),
    ("gelu(approx=tanh)",
     lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))),
    ("swish", lambda v: v / (1 + math.exp(-v))),
    ("silu", lambda v: v / (1 + math.exp(-v))),
    ("hsigmoid", lambda v: min(max(v + 3, 0), 6) / 6),
    ("hswish", lambda v: v * min(max(v + 3, 0), 6) / 6),
    ("relu6", lambda v: min(max(v, 0), 6)),
    ("mish", lambda v: v * math.tanh(math.log1p(math.exp(v)))),
    ("leaky_relu", lambda v: v if v > 0 else 0.01 * v),
    ("leaky_relu(-0.5)", lambda v: v if v > 0 else -0.5 * v),
    ("elu", lambda v: v if v > 0 else math.expm1(v)),
    ("elu(alpha=2)", lambda v: v if v > 0 else 2 * math.expm1(v)),
    ("hardtanh", lambda v: min(max(v, -1), 1)),
    ("hardtanh(-0.5, 2)", lambda v: min(max(v, -0.5), 2)),
])
def test_activations_match_their_definitions(layer: str, definition) -> None:
    graph = netdsl.compile_string(f"net t:\n    input(9)\n    {layer}\n").graph
    x = np.array([-7.0, -3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 3.0, 6.5])
    expected = np.array([definition(v) for v in x])
    np.testing.assert_allclose(netdsl.execute(graph, x), expected, rtol=1e-12, atol=1e-15)
