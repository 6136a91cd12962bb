"""Differential tests: random valid programs against the executor and independent counts.

Hypothesis draws whole programs as netdsl source (``tests/netgen.py``) over every built-in
layer, every padding mode, strides, dilations, groups, merges and gates, with every layer
named and its shape predicted by PyTorch's and TensorFlow's window formulas. Each program,
with random weights, must satisfy:

a. the shape rules: each layer's ``node.shape`` is the predicted shape and the shape the
   executor actually computes (``netdsl.execute(graph, x, layer=name)``), with finite values;
b. a batch of N examples gives the N single runs, for N = 3 and N equal to the input's
   height, width and channels (so that an axis mix-up cannot go unseen);
c. every pipeline (the default one and the graph after each of its passes, fusion without
   folding, fusion before folding, the default pipeline run twice) computes what the network
   as written computes, layer by layer, to 1e-9 of each tensor's scale in float64;
d. the costs equal a count made from what was executed: MACCs of every convolution
   (Hout * Wout * Cout * Kh * Kw * Cin / groups) and dense layer (inputs * units) from its
   weight arrays and the executed output shape, parameters from the sizes of the weight
   arrays (docs/cost-model.md: as written, Keras' and PyTorch's conventions, and after
   folding), activations from the executed outputs; a batch multiplies MACCs and
   activations, never parameters.

A failing example prints as a ``.net`` program ready to paste into an issue (Hypothesis
shows it under "Falsifying example", from ``note``) and the layer in the assertion message.

CI runs a fixed set of examples (``derandomize=True``; see ``SETTINGS``). To explore many
more, fresh ones each run::

    NETDSL_DIFFERENTIAL_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_differential.py

``KNOWN`` holds minimal programs of the defects fixed so far (an even dilated kernel under
``pad=auto``, a batched ``mul`` by a vector, ceil windows larger than the input,
``dropout(1.0)``, ``bn(eps=0)``, ``gelu(approx=...)``, ``count_pad``); every check runs on
each of them every time.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from netgen import Program, every_output, programs

import netdsl
from netdsl.ir.graph import Graph, ParamCounts
from netdsl.ir.ops import Conv, Dense

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


def array_params(arrays: dict[str, np.ndarray]) -> ParamCounts:
    """Parameter counts by kind from a layer's arrays (cost-model.md, "Parameters")."""
    sizes = {name: int(array.size) for name, array in arrays.items()}
    return ParamCounts(weights=sizes.get("kernel", 0), biases=sizes.get("bias", 0),
                       bn_affine=sizes.get("gamma", 0) + sizes.get("beta", 0),
                       bn_stats=sizes.get("mean", 0) + sizes.get("variance", 0))


def executed_maccs(node, inputs_: list[np.ndarray], output: np.ndarray) -> int:
    """MACCs from the weight array shapes and the executed input and output."""
    match node.op:
        case Conv(groups=groups):
            kh, kw, cin_per_group, cout = node.weights["kernel"].shape
            _, h_out, w_out, c_out = output.shape
            assert c_out == cout and inputs_[0].shape[-1] == cin_per_group * groups, node.name
            return h_out * w_out * c_out * kh * kw * cin_per_group
        case Dense():
            fan_in, units = node.weights["kernel"].shape
            assert math.prod(inputs_[0].shape[1:]) == fan_in and output.shape[1:] == (units,)
            return fan_in * units
    return 0


def count(graph: Graph, x: np.ndarray) -> tuple[int, ParamCounts, int]:
    """MACCs, parameters (from the arrays the executor uses) and activations, checking
    each node's figures on the way."""
    outputs = every_output(graph, x)
    maccs, params, activations = 0, ParamCounts(), 0
    for node in graph.nodes:
        arrays = dict(node.weights or {})
        own = array_params(arrays)
        for absorbed in node.fused:  # a fused (not folded) batch norm keeps its arrays
            if absorbed.how == "fused":
                own += array_params(dict(absorbed.weights or {}))
        node_maccs = executed_maccs(node, [outputs[i] for i in node.inputs], outputs[node.name])
        elements = math.prod(outputs[node.name].shape[1:])
        assert node.cost.params == own, f"{node.name}: params {node.cost.params} != {own}"
        assert node.cost.maccs == node_maccs, f"{node.name}: {node.cost.maccs} != {node_maccs}"
        assert node.cost.activations == elements, node.name
        maccs, params, activations = maccs + node_maccs, params + own, activations + elements
    return maccs, params, activations


def check_costs(program: Program, seed: int) -> None:
    result = compile_program(program, seed)
    x = inputs(program, 1, seed)
    maccs, written, activations = count(result.baseline, x)
    totals = result.totals_unoptimized
    assert (totals.maccs, totals.params, totals.activations) == (maccs, written, activations)
    sizes = [(key, int(array.size)) for node in result.baseline.nodes
             for key, array in (node.weights or {}).items()]
    stored = sum(size for _, size in sizes)
    stats = sum(size for key, size in sizes if key in ("mean", "variance"))
    assert totals.params.total == stored  # Keras count_params()
    assert totals.params.trainable == stored - stats  # PyTorch parameters()
    folded_maccs, folded, _ = count(result.graph, x)
    assert (result.totals.maccs, result.totals.params) == (folded_maccs, folded)
    assert folded_maccs == maccs  # the passes never change MACCs
    batched = compile_program(program, seed, batch=3)
    assert batched.totals.maccs == 3 * maccs
    assert batched.totals_unoptimized.activations == 3 * activations
    assert (batched.totals.params, batched.totals_unoptimized.params) == (folded, written)


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
])
def test_activations_match_their_definitions(layer: str, definition) -> None:
    graph = netdsl.compile_string(f"net t:\n    input(9)\n    {layer}\n").graph
    x = np.array([-7.0, -3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 3.0, 6.5])
    expected = np.array([definition(v) for v in x])
    np.testing.assert_allclose(netdsl.execute(graph, x), expected, rtol=1e-12, atol=1e-15)
