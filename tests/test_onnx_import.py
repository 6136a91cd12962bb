"""ONNX import: readable source, the same IR after a round trip, torchvision's figures.

* Every example exported and imported back compiles to the same layers, inputs, shapes and
  attributes (the IR without block clusters, which ONNX does not carry), and random programs
  over every layer kind do too.
* Without the hints netdsl's export leaves in each node (``netdsl: <call>``), the CNN
  examples still import, structurally, with the same parameters and MACCs.
* torchvision's MobileNetV2 and ResNet-50 exported by ``torch.onnx.export`` (fixtures without
  their weights, tests/fixtures/onnx/README.md) import with the figures of
  docs/references.md.
* Imported weights run: the executor on the imported network and weights computes what it
  computes on the original.
"""

from __future__ import annotations

import copy
import json

import attrs
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from netgen import programs  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnxcase import FIXTURES, compiled, exported, relative_error, run_onnx  # noqa: E402

import netdsl  # noqa: E402
from netdsl.bridge.onnx_export import to_onnx  # noqa: E402
from netdsl.bridge.onnx_import import SUPPORTED, import_model, import_onnx  # noqa: E402
from netdsl.cli import main  # noqa: E402
from netdsl.ir.printer import format_node  # noqa: E402

EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
SMALLER = {"vgg16": {"size": 64}, "unet": {"size": 64, "base": 16},
           "convnext_tiny": {"size": 64}, "vit_b_16": {"depth": 2}}
NAMES = ["convnext_tiny", "efficientnet_b0", "mobilenet_v1", "mobilenet_v2",
         "mobilenet_v3_large", "resnet50", "shufflenet_v2", "unet", "vgg16", "vit_b_16"]
# Decompositions only netdsl writes (layer norm on images, attention, tokens) are read
# back by their hints; these import structurally.
STRUCTURAL = ["efficientnet_b0", "mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large",
              "resnet50", "shufflenet_v2", "unet", "vgg16"]


def layers(graph: netdsl.Graph) -> list[str]:
    """The IR's lines without block clusters (ONNX flattens them)."""
    plain = graph.replace_nodes([attrs.evolve(n, blocks=(), cost=None) for n in graph.nodes])
    return [format_node(plain, node) for node in plain.nodes]


def imported_result(model, **options) -> tuple[netdsl.CompileResult, object]:
    imported = import_model(model, filename="model.onnx", **options)
    return netdsl.compile_string(imported.source, filename="model.net"), imported


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_keeps_the_ir(name: str) -> None:
    params = SMALLER.get(name, {})
    result, _ = imported_result(exported(name, **params).model)
    assert layers(result.baseline) == layers(compiled(name, **params).baseline)


@pytest.mark.parametrize("name", STRUCTURAL)
def test_structural_import_keeps_the_costs(name: str) -> None:
    params = SMALLER.get(name, {})
    model = copy.deepcopy(exported(name, **params).model)
    for node in model.graph.node:
        node.doc_string = ""
    result, _ = imported_result(model)
    original = compiled(name, **params)
    for mine, theirs in ((result.totals_unoptimized, original.totals_unoptimized),
                         (result.totals, original.totals)):
        assert (mine.params, mine.maccs) == (theirs.params, theirs.maccs)
    assert result.output_shape == original.output_shape


# No shrinking: a failure shows the program drawn, at once (shrinking one can take minutes).
RANDOM = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                  phases=(Phase.explicit, Phase.generate),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(programs(), st.integers(0, 2**16))
def test_random_programs_round_trip(program, seed: int) -> None:
    original = netdsl.compile_string(program.text, filename="random.net", seed=seed)
    result, imported = imported_result(to_onnx(original.baseline).model)
    assert layers(result.baseline) == layers(original.baseline), program.text
    # and the weights come back in netdsl's layout
    again = netdsl.compile_string(imported.source, weights=imported.weights)
    x = np.random.default_rng(seed).normal(size=(2, *program.input_shape))
    expected = netdsl.execute(original.baseline, x)
    assert relative_error(netdsl.execute(again.baseline, x), expected) <= 1e-6


def test_imported_weights_compute_as_the_original() -> None:
    original = compiled("shufflenet_v2")
    imported = import_model(exported("shufflenet_v2").model)
    again = netdsl.compile_string(imported.source, weights=imported.weights)
    x = np.random.default_rng(2).normal(size=(1, 224, 224, 3))
    assert relative_error(netdsl.execute(again.graph, x),
                          netdsl.execute(original.graph, x)) <= 1e-6


def test_source_is_readable() -> None:
    source = import_model(exported("mobilenet_v2").model, filename="mv2.onnx").source
    lines = source.splitlines()
    assert lines[0] == "# Imported from mv2.onnx (netdsl 0.1.0, opset 21) by netdsl import."
    assert "import std" in lines
    assert "net MobileNetV2:" in lines
    # netdsl's own cbr units come back as cbr calls, named as before.
    assert '    cbr(32, 3, s=2, act=relu6) as "cbr6_1"' in lines
    assert '    ir1_project = cbr(24, act=none) as "stage2/ir1/project"' in lines
    assert '    stage3_ir1_project = cbr(32, act=none) as "stage3/ir1/project"' in lines
    assert '    cbr(16, act=none) as "stage1/ir/project"' in lines
    # Tensors are named only where the graph branches: one per residual.
    named = [line for line in lines if " = " in line]
    assert len(named) == 20
    assert '    add(stage2_ir2_input) as "stage2/ir2/add"' not in lines


# ---- torchvision, exported by PyTorch -----------------------------------------------------


@pytest.mark.parametrize("fixture, params, pytorch, maccs", [
    ("mobilenet_v2_folded", 3_487_816, 3_487_816, 300_774_272),
    ("mobilenet_v2_bn", 3_538_984, 3_504_872, 300_774_272),
    ("resnet50_folded", 25_530_472, 25_530_472, 4_089_184_256),
    ("resnet50_bn", 25_610_152, 25_557_032, 4_089_184_256),
])
def test_torchvision_exports(fixture: str, params: int, pytorch: int, maccs: int) -> None:
    imported = import_onnx(FIXTURES / f"{fixture}.onnx")
    assert imported.weights is None  # the fixtures keep shapes only
    result = netdsl.compile_string(imported.source, filename=f"{fixture}.net")
    totals = result.totals_unoptimized
    assert (totals.params.total, totals.params.trainable, totals.maccs) == \
        (params, pytorch, maccs)
    expected = EXPECTED[f"{fixture}.onnx"]
    assert totals.params.trainable == expected["pytorch_param_count"] \
        if fixture.endswith("_bn") else expected["folded_param_count"]
    assert totals.maccs == expected["maccs_conv_linear"]
    assert result.output_shape == (1000,)


def test_torchvision_names_and_shared_initializers() -> None:
    # The exporter shares identical initializers between layers through Identity nodes;
    # each layer counts its own tensors all the same.
    model = onnx.load(str(FIXTURES / "mobilenet_v2_folded.onnx"), load_external_data=False)
    assert sum(int(np.prod(t.dims)) for t in model.graph.initializer) == 3_475_008
    imported = import_onnx(FIXTURES / "mobilenet_v2_folded.onnx")
    assert '    conv(32, 3, s=2) as "/features/features.0/features.0.0/Conv"' in \
        imported.source.splitlines()
    graph = netdsl.compile_string(imported.source).baseline
    assert graph["/classifier/classifier.1/Gemm"].shape == (1000,)
    assert [n.name for n in graph.nodes if n.op.__class__.__name__ == "Identity"] == []


# ---- layouts and patterns of other exporters ----------------------------------------------


def make_model(nodes, inputs, output, initializers=(), opset: int = 17):
    graph = helper.make_graph(nodes, "g", inputs, [output], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *shape[1:]])


def weight(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def test_flatten_of_an_image_reorders_the_dense_rows() -> None:
    # PyTorch flattens C, H, W; netdsl flattens H, W, C: the imported kernel's rows follow.
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
             helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], name="fc", transB=1)]
    model = make_model(nodes, [tensor("x", [1, 3, 4, 5])], tensor("y", [1, 7]),
                       [weight("w", rng.normal(size=(6, 3, 3, 3))),
                        weight("fc_w", rng.normal(size=(7, 6 * 4 * 5))),
                        weight("fc_b", rng.normal(size=7))])
    imported = import_model(model)
    result = netdsl.compile_string(imported.source, weights=imported.weights)
    x = rng.normal(size=(2, 4, 5, 3))
    assert relative_error(netdsl.execute(result.baseline, x), run_onnx(model, x)) <= 1e-5


def test_patterns_of_other_exporters() -> None:
    # x * sigmoid(x) is swish; reshape-transpose-reshape is a channel shuffle; MatMul + Add
    # of a bias is one fc; Clip(0, 6) is relu6.
    rng = np.random.default_rng(1)
    const = {name: numpy_helper.from_array(np.array(value, dtype=np.int64), name)
             for name, value in (("split", [0, 2, 2, 3, 3]), ("merge", [0, 4, 3, 3]))}
    nodes = [
        helper.make_node("Sigmoid", ["x"], ["s"], name="sig"),
        helper.make_node("Mul", ["x", "s"], ["m"], name="swish"),
        helper.make_node("Reshape", ["m", "split"], ["a"], name="r1"),
        helper.make_node("Transpose", ["a"], ["b"], name="t", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["b", "merge"], ["c"], name="shuffle"),
        helper.make_node("Clip", ["c", "lo", "hi"], ["d"], name="relu6"),
        helper.make_node("GlobalAveragePool", ["d"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("MatMul", ["f", "k"], ["p"], name="fc"),
        helper.make_node("Add", ["p", "bias"], ["y"], name="fc_bias"),
    ]
    model = make_model(nodes, [tensor("x", [1, 4, 3, 3])], tensor("y", [1, 5]),
                       [*const.values(), weight("lo", 0.0), weight("hi", 6.0),
                        weight("k", rng.normal(size=(4, 5))), weight("bias", rng.normal(size=5))])
    imported = import_model(model)
    body = [line.strip() for line in imported.source.splitlines()[4:]]
    assert body == ['input(3, 3, 4) as "x"', 'swish as "swish"',
                    'channel_shuffle(2) as "shuffle"', 'relu6 as "relu6"', 'gap as "gap"',
                    'flatten as "flat"', 'fc(5) as "fc"']
    result = netdsl.compile_string(imported.source, weights=imported.weights)
    x = rng.normal(size=(2, 3, 3, 4))
    assert relative_error(netdsl.execute(result.baseline, x), run_onnx(model, x)) <= 1e-5


# ---- errors -----------------------------------------------------------------------------


def error_of(call) -> netdsl.Diagnostic:
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    return caught.value.diagnostics[0]


def unknown_op_model():
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="relu"),
             helper.make_node("Erf", ["a"], ["b"], name="/blocks/erf"),
             helper.make_node("Sigmoid", ["b"], ["y"], name="sigmoid")]
    return make_model(nodes, [tensor("x", [1, 4, 8, 8])], tensor("y", [1, 4, 8, 8]))


def test_unknown_operator_is_e903() -> None:
    diagnostic = error_of(lambda: import_model(unknown_op_model(), filename="m.onnx"))
    assert diagnostic.code == "E903"
    assert diagnostic.message == "m.onnx: node 1 '/blocks/erf' (Erf): ONNX operator 'Erf' " \
                                 "has no netdsl layer"
    assert f"netdsl reads: {', '.join(SUPPORTED)}" in diagnostic.hint
    assert "--unknown-as-zero" in diagnostic.hint


def test_unknown_operator_as_zero_cost() -> None:
    imported = import_model(unknown_op_model(), unknown_as_zero=True)
    assert imported.zero_cost == (("/blocks/erf", "Erf"),)
    assert 'identity as "/blocks/erf"' in imported.source
    result = netdsl.compile_string(imported.source)
    assert result.baseline["/blocks/erf"].cost.flops == 0


def test_unsupported_form_is_e904() -> None:
    nodes = [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=2)]
    model = make_model(nodes, [tensor("x", [1, 4, 8, 8])], tensor("y", [1, 4, 8, 8]))
    diagnostic = error_of(lambda: import_model(model, filename="m.onnx"))
    assert diagnostic.code == "E904"
    assert diagnostic.message == "m.onnx: node 0 'sm' (Softmax): softmax over axis 2: " \
                                 "netdsl's softmax is over the channels"


def test_unreadable_files_are_e902(tmp_path) -> None:
    assert error_of(lambda: import_onnx(tmp_path / "none.onnx")).code == "E902"
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x00\xffnot a model at all" * 10)
    diagnostic = error_of(lambda: import_onnx(garbage))
    assert diagnostic.code == "E902"
    assert "is not an ONNX model" in diagnostic.message
    assert error_of(lambda: import_onnx(tmp_path)).code == "E902"


# ---- the command line ---------------------------------------------------------------------


def test_cli_import_writes_source_and_weights(tmp_path, capsys) -> None:
    model_path = tmp_path / "shuffle.onnx"
    model_path.write_bytes(exported("shufflenet_v2").model.SerializeToString())
    source, weights = tmp_path / "shuffle.net", tmp_path / "w.npz"
    assert main(["import", str(model_path), "-o", str(source),
                 "--weights-out", str(weights)]) == 0
    err = capsys.readouterr().err
    assert "network ShuffleNetV2, 237 layers, 2,294,784 parameters, 144,907,992 MACCs" in err
    result = netdsl.compile_file(source, weights=str(weights))
    original = compiled("shufflenet_v2")
    x = np.random.default_rng(3).normal(size=(1, 224, 224, 3))
    assert relative_error(netdsl.execute(result.graph, x),
                          netdsl.execute(original.graph, x)) <= 1e-6


def test_cli_compiles_onnx_directly(capsys) -> None:
    path = str(FIXTURES / "resnet50_folded.onnx")
    assert main(["compile", path, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["params"] == 25_530_472
    assert report["totals"]["maccs"] == 4_089_184_256
    assert main(["check", path]) == 0
    assert "123 layers, input 224x224x3, output 1000" in capsys.readouterr().out


def test_cli_unknown_as_zero_warns(tmp_path, capsys) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(unknown_op_model().SerializeToString())
    assert main(["compile", str(path)]) == 1
    assert "error[E903]" in capsys.readouterr().err
    assert main(["compile", str(path), "--unknown-as-zero"]) == 0
    err = capsys.readouterr().err
    assert "warning[W901]: 1 ONNX operator counted as zero-cost layers: '/blocks/erf' (Erf)" \
        in err


def test_cli_weights_out_needs_weight_data(tmp_path, capsys) -> None:
    assert main(["import", str(FIXTURES / "resnet50_bn.onnx"), "-o", str(tmp_path / "r.net"),
                 "--weights-out", str(tmp_path / "w.npz")]) == 1
    assert "holds no weight data" in capsys.readouterr().err
    assert not (tmp_path / "r.net").exists()
