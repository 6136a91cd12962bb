"""ONNX export: valid models whose outputs equal netdsl's executor, named as netdsl names layers.

Every example is exported as written and optimised, checked by onnx's full checker and run by
ONNX Runtime on the same weights and input as the NumPy executor: the outputs agree to 1e-4 of
the output's largest magnitude. Random programs over every layer kind (tests/netgen.py) are
checked the same way, so each op's translation, layout included, is tested on its own.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from netgen import programs  # noqa: E402
from onnxcase import EXAMPLES, compiled, exported, relative_error, run_onnx  # noqa: E402

import netdsl  # noqa: E402
from netdsl.bridge import onnx_export  # noqa: E402
from netdsl.bridge.onnx_export import OPSET, to_onnx  # noqa: E402
from netdsl.cli import main  # noqa: E402
from netdsl.ir.ops import REGISTRY  # noqa: E402

TOLERANCE = 1e-4
NAMES = [path.stem for path in EXAMPLES]
# The large networks run at a smaller input size: the same layers, a fraction of the
# executor's time (it computes in float64, for checking, not speed).
SMALLER = {"vgg16": {"size": 64}, "unet": {"size": 64, "base": 16},
           "convnext_tiny": {"size": 64}, "vit_b_16": {"depth": 2}}
# Small enough to run as written and optimised in a few seconds each.
OPTIMISED = ["efficientnet_b0", "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large",
             "resnet50", "shufflenet_v2"]


def agreement(name: str, optimized: bool, **params) -> float:
    result = compiled(name, **params)
    graph = result.graph if optimized else result.baseline
    model = exported(name, optimized, **params).model
    x = np.random.default_rng(1).normal(size=(1, *graph.nodes[0].shape))
    return relative_error(run_onnx(model, x), netdsl.execute(graph, x))


@pytest.mark.parametrize("name", NAMES)
def test_example_as_written_runs_as_the_executor(name: str) -> None:
    params = SMALLER.get(name, {})
    model = exported(name, **params).model
    onnx.checker.check_model(model, full_check=True)
    assert agreement(name, False, **params) <= TOLERANCE


@pytest.mark.parametrize("name", OPTIMISED)
def test_example_optimised_runs_as_the_executor(name: str) -> None:
    model = exported(name, True).model
    onnx.checker.check_model(model, full_check=True)
    assert agreement(name, True) <= TOLERANCE


# ViT-B/16 runs with two encoder layers of its twelve: all twelve agree to about 1.4e-3
# only, because with random weights each attention layer amplifies float32 rounding about
# fivefold (rounding the weights alone to float32 moves netdsl's own float64 output by
# 1.2e-4); two agree to 1e-5.


@pytest.mark.parametrize("name", NAMES)
def test_initializers_are_the_parameters(name: str) -> None:
    params = SMALLER.get(name, {})
    result = compiled(name, **params)
    for optimized, graph in ((False, result.baseline), (True, result.graph)):
        if optimized and name not in OPTIMISED:
            continue
        model = exported(name, optimized, **params).model
        elements = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
        assert elements == graph.cost.params.total


def test_mobilenet_v2_figures() -> None:
    model = exported("mobilenet_v2").model
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == 3_538_984
    optimised = exported("mobilenet_v2", True).model
    assert sum(int(np.prod(t.dims)) for t in optimised.graph.initializer) == 3_487_816
    assert [o.version for o in model.opset_import] == [OPSET]
    (source,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in source.type.tensor_type.shape.dim]
    assert (source.name, dims) == ("input", ["N", 3, 224, 224])


def test_node_names_are_layer_names() -> None:
    result = compiled("shufflenet_v2")
    export = exported("shufflenet_v2")
    names = {node.name for node in export.model.graph.node}
    layers = {node.name for node in result.baseline.nodes[1:]}
    assert layers <= names
    assert set(export.layer_of) == names
    assert set(export.layer_of.values()) == layers
    # Helpers of a layer are named after it, and the layer's node says which call it is.
    shuffle = "shuffle_unit1/channel_shuffle"
    helpers = sorted(n for n in names if n.startswith(f"{shuffle}:"))
    assert helpers and all(export.layer_of[n] == shuffle for n in helpers)
    node = next(n for n in export.model.graph.node if n.name == shuffle)
    assert node.doc_string == "netdsl: channel_shuffle(2)"


def test_fused_layers_keep_their_names() -> None:
    export = exported("mobilenet_v2", True)
    node = {n.name: n for n in export.model.graph.node}
    assert node["cbr6_1/conv"].op_type == "Conv"
    assert node["cbr6_1/relu6"].op_type == "Clip"
    assert node["cbr6_1/relu6"].input[0] == "cbr6_1/conv:out"
    assert node["cbr6_1/relu6"].output[0] == "cbr6_1/conv"  # what the next layers read
    assert not any("bn" in name for name in node)  # folded into the weights


def test_batch_can_be_fixed() -> None:
    result = compiled("mobilenet_v1")
    model = to_onnx(result.baseline, batch=4).model
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [4, 3, 224, 224]


def test_every_op_has_a_translation() -> None:
    translated = set()
    for kinds, _ in onnx_export._EMITTERS:
        translated |= set(kinds) if isinstance(kinds, tuple) else {kinds}
    from netdsl.ir.ops import Input

    assert set(REGISTRY) - {Input} == translated


# No shrinking: a failure shows the program drawn, at once (shrinking one can take minutes).
RANDOM = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                  phases=(Phase.explicit, Phase.generate),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(programs(), st.integers(0, 2**16))
def test_random_programs_run_as_the_executor(program, seed: int) -> None:
    result = netdsl.compile_string(program.text, filename="random.net", seed=seed)
    x = np.random.default_rng(seed).normal(size=(2, *program.input_shape))
    for graph in (result.baseline, result.graph):
        model = to_onnx(graph).model
        onnx.checker.check_model(model, full_check=True)
        error = relative_error(run_onnx(model, x), netdsl.execute(graph, x))
        assert error <= TOLERANCE, f"{'optimised' if graph is result.graph else 'written'}: " \
                                   f"{error:.3g}\n{program.text}"


# ---- errors and the command line -------------------------------------------------------


def test_a_graph_without_weights_is_refused() -> None:
    result = netdsl.compile_string("net T:\n    input(8, 8, 3)\n    conv(4, 3)\n")
    with pytest.raises(netdsl.NetdslError) as caught:
        result.to_onnx()
    assert caught.value.diagnostics[0].code == "E702"


def test_a_layer_without_translation_is_a_located_error(monkeypatch) -> None:
    from netdsl.ir.ops import Conv

    monkeypatch.setattr(onnx_export, "_EMITTERS",
                        tuple(e for e in onnx_export._EMITTERS if e[0] is not Conv))
    result = netdsl.compile_string("net T:\n    input(8, 8, 3)\n    conv(4, 3)\n", seed=0,
                                   filename="t.net")
    with pytest.raises(netdsl.NetdslError) as caught:
        result.to_onnx()
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E905"
    assert "layer 'conv' cannot be exported" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 5)


def test_to_onnx_on_a_result() -> None:
    result = netdsl.compile_string("net T:\n    input(8, 8, 3)\n    conv(4, 3)\n    bn\n",
                                   seed=0)
    assert [n.op_type for n in result.to_onnx().graph.node] == ["Conv", "BatchNormalization"]
    assert [n.op_type for n in result.to_onnx(optimized=True).graph.node] == ["Conv"]


def test_cli_export(tmp_path, capsys) -> None:
    out = tmp_path / "m.onnx"
    source = tmp_path / "t.net"
    source.write_text("net T:\n    input(16, 16, 3)\n    conv(8, 3)\n    bn\n    relu\n")
    assert main(["export", str(source), "-o", str(out), "--seed", "3"]) == 0
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert [n.name for n in model.graph.node] == ["conv", "bn", "relu"]
    err = capsys.readouterr().err
    assert "network T, 3 ONNX nodes for 4 layers, 256 parameters (random weights, seed 3), " \
           f"opset {OPSET}, input 'input' N x 3 x 16 x 16" in err
    assert main(["export", str(source), "-o", str(out), "--optimized", "--batch", "2"]) == 0
    assert [n.name for n in onnx.load(str(out)).graph.node] == ["conv", "relu"]
    # Weights from a file are the ones exported.
    weights = tmp_path / "w.npz"
    arrays = {"conv/kernel": np.ones((3, 3, 3, 8)), "conv/bias": np.arange(8.0),
              "bn/gamma": np.ones(8), "bn/beta": np.zeros(8), "bn/mean": np.zeros(8),
              "bn/variance": np.ones(8)}
    np.savez(weights, **arrays)
    assert main(["export", str(source), "-o", str(out), "--weights", str(weights)]) == 0
    bias = next(t for t in onnx.load(str(out)).graph.initializer if t.name == "conv/bias")
    assert onnx.numpy_helper.to_array(bias).tolist() == list(range(8))


def test_cli_export_never_overwrites_the_source(tmp_path, capsys) -> None:
    source = tmp_path / "t.net"
    source.write_text("net T:\n    input(16, 16, 3)\n    conv(8, 3)\n")
    assert main(["export", str(source), "-o", str(source)]) == 1
    assert "refusing to overwrite the input file" in capsys.readouterr().err
    assert source.read_text().startswith("net T:")


def test_cli_export_without_the_extra(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    source = tmp_path / "t.net"
    source.write_text("net T:\n    input(16, 16, 3)\n    conv(8, 3)\n")
    assert main(["export", str(source), "-o", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "error[E901]: netdsl export needs the Python package 'onnx'" in err
    assert "pip install 'netdsl[onnx]'" in err
    assert not (tmp_path / "m.onnx").exists()


def test_the_command_line_states_the_opset_exported() -> None:
    from netdsl import cli

    assert cli.ONNX_OPSET == OPSET  # kept apart so that the CLI does not import the bridge
