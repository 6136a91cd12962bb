"""Measured latency (netdsl bench): statistics, per-layer attribution, reports, CLI, errors.

Real runs of ONNX Runtime on tiny networks, a few runs each. Wall-clock values
are only checked for sanity (positive, ordered), never against figures.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
import sys

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import netdsl
from netdsl.backends.bench_report import (
    SCHEMA,
    bench_dict,
    render_bench_csv,
    render_bench_markdown,
    render_bench_text,
)
from netdsl.bridge.bench import Progress, bench, percentile
from netdsl.bridge.ort_fusion import Model, OrtNode, trace
from netdsl.cli import main
from netdsl.diagnostics import NetdslError

TINY = "net T:\n    input(32, 32, 3)\n    conv(8, 3)\n    relu\n    gap\n    fc(10)\n"
RESIDUAL = ("net R:\n    input(16, 16, 4)\n    conv(8, 3)\n    bn\n    relu\n"
            "    residual:\n        conv(8, 3)\n        bn\n    relu\n    dropout(0.2)\n"
            "    gap\n    fc(10)\n")


def quick(result, **options):
    """A benchmark of a few runs, bounded by count only."""
    settings = {"runs": 5, "budget_seconds": None, "warmup": 1, **options}
    return bench(result, **settings)


@pytest.fixture(scope="module")
def tiny():
    return netdsl.compile_string(TINY, seed=0)


@pytest.fixture(scope="module")
def profiled():
    result = netdsl.compile_string(RESIDUAL, seed=0)
    return result, quick(result, per_layer=True, profile_runs=3)


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.net"
    path.write_text(TINY)
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---- statistics ----------------------------------------------------------------------------

def test_statistics_are_consistent(tiny) -> None:
    measured = quick(tiny, runs=7)
    assert measured.runs == len(measured.times) == 7
    assert all(t > 0 for t in measured.times)
    assert measured.min <= measured.median <= measured.p90 <= measured.max
    assert measured.min <= measured.mean <= measured.max
    assert measured.median == statistics.median(measured.times)
    assert measured.spread == measured.p90 - measured.min >= 0
    assert measured.throughput == pytest.approx(1 / measured.median)
    assert measured.network == "T" and measured.graph == "as written"
    assert measured.input_shapes == ((1, 3, 32, 32),)
    assert measured.provider == "CPUExecutionProvider"
    assert measured.optimization == "ORT_ENABLE_ALL"
    assert measured.profile is None
    assert measured.threads is None or measured.threads >= 1


def test_batch_fixes_the_input_and_scales_throughput(tiny) -> None:
    measured = quick(tiny, batch=3, runs=3)
    assert measured.input_shapes == ((3, 3, 32, 32),)
    assert measured.throughput == pytest.approx(3 / measured.median)


def test_requested_threads_are_reported(tiny) -> None:
    measured = quick(tiny, threads=1, runs=2)
    assert measured.threads == measured.threads_requested == 1


def test_a_tiny_budget_still_gives_the_minimum_of_runs(tiny) -> None:
    measured = bench(tiny, runs=None, budget_seconds=1e-9, min_runs=4, warmup=0)
    assert measured.runs == 4
    assert quick(tiny, runs=2, min_runs=5).runs == 2  # fewer runs asked: the count wins


def test_progress_reports_every_stage(tiny) -> None:
    seen: list[Progress] = []
    measured = quick(tiny, runs=4, warmup=2, progress=seen.append)
    assert [p.stage for p in seen] == ["warm-up"] * 2 + ["timing"] * 4
    assert [p.done for p in seen if p.stage == "timing"] == [1, 2, 3, 4]
    assert all(0 <= p.fraction <= 1 for p in seen)
    assert seen[-1].fraction == 1 and seen[-1].total == measured.runs


def test_percentile_interpolates_as_numpy_does() -> None:
    numpy = pytest.importorskip("numpy")
    values = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0]
    for q in (0, 10, 50, 90, 100):
        assert percentile(values, q) == pytest.approx(numpy.percentile(values, q))


@pytest.mark.parametrize("options", [{"runs": None, "budget_seconds": None}, {"runs": 0},
                                     {"batch": 0}, {"threads": 0}, {"budget_seconds": -1.0},
                                     {"warmup": -1}, {"runs": True}])
def test_arguments_out_of_range_are_value_errors(tiny, options) -> None:
    with pytest.raises(ValueError):
        bench(tiny, **{"runs": 1, **options})


# ---- per layer -----------------------------------------------------------------------------

def test_per_layer_attributes_time_to_the_layers(profiled) -> None:
    result, measured = profiled
    profile = measured.profile
    names = [node.name for node in result.baseline.nodes]
    rows = [layer for row in profile.layers for layer in row.layers]
    assert len(rows) == len(set(rows)) and set(rows) <= set(names)
    assert set(rows) | set(profile.without_kernel) == set(names)
    assert {"input", "dropout"} <= set(profile.without_kernel)  # no kernel runs for them
    assert 0 < profile.attributed_share <= 1
    assert len(profile.run_times) == 3
    for row in profile.layers:
        assert row.seconds > 0 and row.kernels
        assert all(k.provider == "CPUExecutionProvider" and k.seconds >= 0 for k in row.kernels)
        assert len(row.ops) == len(row.layers)
    assert [row.name for row in profile.layers] == sorted(
        (row.name for row in profile.layers), key=names.index)  # network order


def test_per_layer_names_the_layers_fused_into_one_kernel(profiled) -> None:
    _, measured = profiled
    by_name = {row.name: row for row in measured.profile.layers}
    first = by_name["conv1"]  # conv + bn + relu: one kernel (batch norm folded, relu fused)
    assert first.layers[:3] == ("conv1", "bn1", "relu1") and first.fused
    assert first.ops[:3] == ("conv", "bn", "relu")
    assert "bn2" in by_name["conv2"].layers
    assert by_name["fc"].layers == ("fc",) and not by_name["fc"].fused


def test_per_layer_costs_are_netdsl_figures(profiled) -> None:
    result, measured = profiled
    rows = {row.name: row for row in measured.profile.layers}
    conv = result.graph["conv1"]  # bn1 and relu1 were folded and fused into it by netdsl
    assert rows["conv1"].maccs == conv.cost.maccs
    assert rows["conv1"].memory_accesses == conv.cost.memory.total
    assert sum(row.maccs for row in rows.values()) == result.totals.maccs


def test_optimized_graph_can_be_profiled(tiny) -> None:
    measured = quick(tiny, optimized=True, per_layer=True, runs=2, profile_runs=3)
    assert measured.graph == "optimized"
    rows = {row.name: row for row in measured.profile.layers}
    assert rows["conv"].layers == ("conv", "relu")  # exported apart, run as one kernel


# ---- tracing ONNX Runtime's rewrites -------------------------------------------------------

def node(name: str, op: str, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> OrtNode:
    return OrtNode(name, op, inputs, outputs)


def test_tracing_follows_nchwc_names_and_a_fused_residual_add() -> None:
    exported = Model((
        node("a/conv", "Conv", ("x", "a/w"), ("a/conv",)),
        node("a/relu", "Relu", ("a/conv",), ("a/relu",)),
        node("b/conv", "Conv", ("a/relu", "b/w"), ("b/conv",)),
        node("add", "Add", ("b/conv", "a/relu"), ("add",)),
        node("c/conv", "Conv", ("add", "c/w"), ("c/conv",)),
    ), frozenset({"a/w", "b/w", "c/w"}))
    extended = Model((  # a FusedConv keeps the first name and writes the last tensor
        node("a/conv", "FusedConv", ("x", "a/w"), ("a/relu",)),
        node("b/conv", "Conv", ("a/relu", "b/w"), ("b/conv",)),
        node("add", "Add", ("b/conv", "a/relu"), ("add",)),
        node("c/conv", "Conv", ("add", "c/w"), ("c/conv",)),
    ), frozenset({"a/w", "b/w", "c/w"}))
    final = Model((  # NCHWc: named after the output tensor, tensors renamed, Add as a Sum input
        node("ReorderInput", "ReorderInput", ("x",), ("reorder_token_0",)),
        node("a/relu_nchwc", "Conv", ("reorder_token_0", "a/w"), ("reorder_token_1",)),
        node("b/conv_nchwc", "Conv", ("reorder_token_1", "b/w", "", "reorder_token_1"),
             ("reorder_token_2",)),
        node("c/conv_nchwc", "Conv", ("reorder_token_2", "c/w"), ("reorder_token_3",)),
        node("ReorderOutput", "ReorderOutput", ("reorder_token_3",), ("c/conv",)),
    ), frozenset({"a/w", "b/w", "c/w"}))
    tracing = trace(exported, extended).then(trace(extended, final), extended.keys)
    assert tracing.regions == (frozenset(), frozenset({"a/conv", "a/relu"}),
                               frozenset({"b/conv", "add"}), frozenset({"c/conv"}), frozenset())
    assert tracing.hosts == (1, 1, 2, 3, 3)  # layout conversions go with a neighbour


def test_tracing_matches_suffixed_and_unnamed_nodes() -> None:
    exported = Model((
        node("m:qkv", "MatMul", ("x", "w"), ("m:qkv",)),
        node("m:bias", "Add", ("m:qkv", "b"), ("m:bias",)),
        node("drop", "Dropout", ("m:bias",), ("drop",)),
        node("act", "HardSwish", ("drop",), ("act",)),
    ), frozenset({"w", "b"}))
    final = Model((
        node("m:qkv/MatMulAddFusion", "Gemm", ("x", "w", "b"), ("m:bias",)),
        node("", "HardSigmoid", ("m:bias",), ("t",)),
        node("", "Mul", ("m:bias", "t"), ("act",)),
    ), frozenset({"w", "b"}))
    tracing = trace(exported, final)
    assert tracing.regions[0] == {"m:qkv", "m:bias"}
    assert tracing.regions[2] == {"act"} and tracing.hosts[1] == 0
    assert tracing.removed == {"drop"}


# ---- reports -------------------------------------------------------------------------------

def test_json_report(profiled) -> None:
    _, measured = profiled
    document = json.loads(json.dumps(bench_dict(measured)))
    assert document["schema"] == SCHEMA == "netdsl.bench/1"
    assert list(document) == ["schema", "network", "source", "arguments", "graph", "runtime",
                              "input_shapes", "batch", "warmup_runs", "runs", "runs_requested",
                              "time_budget_seconds", "latency_ms", "spread_ms",
                              "throughput_per_second", "times_ms", "per_layer"]
    assert set(document["latency_ms"]) == {"median", "min", "p90", "max", "mean", "stdev"}
    assert set(document["runtime"]) == {"name", "version", "provider",
                                        "graph_optimization_level", "threads",
                                        "threads_requested"}
    assert len(document["times_ms"]) == document["runs"] == 5
    layers = document["per_layer"]
    assert set(layers) == {"runs", "run_ms", "attributed_ms", "attributed_share",
                           "unattributed_ms", "memory_model", "cost_batch", "layers",
                           "unattributed_kernels", "without_kernel"}
    row = layers["layers"][0]
    assert set(row) == {"name", "layers", "ops", "ms", "share", "maccs", "memory_accesses",
                        "fused", "kernels"}
    assert set(row["kernels"][0]) == {"name", "op", "provider", "ms"}


def test_text_markdown_and_csv_reports(profiled) -> None:
    _, measured = profiled
    text = render_bench_text(measured, 100)
    for words in ("median", "p90", "spread", "examples/s", "ORT_ENABLE_ALL", "fused with",
                  "not attributed", "No kernel ran for: input, dropout"):
        assert words in text
    assert "| `conv1` | conv |" in render_bench_markdown(measured)
    rows = list(csv.DictReader(io.StringIO(render_bench_csv(measured))))
    assert rows[0]["layer"] == "conv1" and rows[0]["fused_with"].startswith("bn1;relu1")


# ---- command line --------------------------------------------------------------------------

def test_cli_bench_prints_latency(capsys, tiny_file) -> None:
    status, out, err = run(capsys, "bench", tiny_file, "--runs", "3", "--warmup", "1")
    assert status == 0 and err == ""  # no progress bar off a terminal
    assert "latency     median" in out and "3 timed after 1 warm-up" in out


def test_cli_bench_draws_a_progress_bar_on_a_terminal(capsys, monkeypatch, tiny_file) -> None:
    import netdsl.cli

    monkeypatch.setattr(netdsl.cli, "_isatty", lambda stream: stream is sys.stderr)
    status, out, err = run(capsys, "bench", tiny_file, "--runs", "3", "--warmup", "1")
    assert status == 0 and "latency" in out and "\r" not in out
    assert err.startswith("\rwarm-up   [") and "runs, " in err
    assert err.endswith("\r") and err.rsplit("\r", 2)[-2].strip() == ""  # erased at the end


def test_cli_bench_json_per_layer(capsys, tiny_file, tmp_path) -> None:
    target = tmp_path / "bench.json"
    status, out, _ = run(capsys, "bench", tiny_file, "--runs", "2", "--warmup", "0",
                         "--per-layer", "--batch", "2", "--threads", "1", "-o", str(target))
    assert status == 0 and out == ""
    document = json.loads(target.read_text())
    assert document["batch"] == 2 and document["input_shapes"] == [[2, 3, 32, 32]]
    assert document["runtime"]["threads"] == 1
    assert document["per_layer"]["cost_batch"] == 2  # costs beside times are of the batch run
    assert {row["name"] for row in document["per_layer"]["layers"]} >= {"conv", "fc"}


def test_cli_bench_csv_needs_per_layer(capsys, tiny_file) -> None:
    status, _, err = run(capsys, "bench", tiny_file, "--runs", "1", "--format", "csv")
    assert status == 1 and "error[E309]" in err and "--per-layer" in err
    status, out, _ = run(capsys, "bench", tiny_file, "--runs", "1", "--format", "csv",
                         "--per-layer")
    assert status == 0 and out.startswith("layer,op,ms,share,")


@pytest.mark.parametrize("option", [["--time-budget", "0"], ["--time-budget", "-1"],
                                    ["--time-budget", "nan"], ["--runs", "0"],
                                    ["--threads", "0"], ["--warmup", "-1"], ["--batch", "0"]])
def test_cli_bench_usage_errors(capsys, tiny_file, option) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", tiny_file, *option])
    assert exit_.value.code == 2


def test_cli_bench_input_errors(capsys, tmp_path) -> None:
    status, _, err = run(capsys, "bench", str(tmp_path / "missing.net"))
    assert status == 1 and "error[E100]" in err


def test_compare_bench_adds_measured_rows(capsys, tiny_file) -> None:
    status, out, _ = run(capsys, "compare", tiny_file, f"{tiny_file}", "--bench",
                         "--time-budget", "0.01", "--format", "json")
    assert status == 0
    document = json.loads(out)
    assert document["measured_with"]["runtime"] == "onnxruntime"
    for network in document["networks"]:
        assert network["measured"]["latency_ms"] > 0 and network["measured"]["runs"] >= 5
        assert network["measured"]["throughput"] > 0
    assert document["networks"][0]["measured_ratios"]["latency_ms"] == 1
    status, out, _ = run(capsys, "compare", tiny_file, tiny_file, "--bench",
                         "--time-budget", "0.01")
    assert "latency, median (ms)" in out and "throughput (examples/s)" in out
    status, out, _ = run(capsys, "compare", tiny_file, tiny_file)
    assert "latency" not in out  # only with --bench


# ---- errors --------------------------------------------------------------------------------

def test_missing_onnxruntime_is_e901(capsys, monkeypatch, tiny, tiny_file) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import raises ImportError
    with pytest.raises(NetdslError) as caught:
        quick(tiny)
    assert caught.value.diagnostics[0].code == "E901"
    status, _, err = run(capsys, "bench", tiny_file)
    assert status == 2 and "error[E901]" in err and "pip install 'netdsl[onnx]'" in err
    status, _, err = run(capsys, "compare", tiny_file, "--bench")
    assert status == 2 and "error[E901]" in err


def _broken_model(monkeypatch, nodes, inputs):
    """Make the export return ``nodes`` instead of the network."""
    import onnx
    from onnx import TensorProto, helper

    import netdsl.bridge.onnx_export as onnx_export

    graph = helper.make_graph(nodes, "broken", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    assert isinstance(model, onnx.ModelProto)
    monkeypatch.setattr(onnx_export, "to_onnx", lambda graph, batch=None: onnx_export.OnnxExport(
        model, {n.name: "conv" for n in nodes}))


def test_a_model_onnxruntime_cannot_load_is_e906(capsys, monkeypatch, tiny, tiny_file) -> None:
    from onnx import TensorProto, helper

    _broken_model(monkeypatch, [helper.make_node("NoSuchOp", ["x"], ["y"], name="bad")],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])])
    with pytest.raises(NetdslError) as caught:
        quick(tiny)
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.code == "E906" and "cannot load the model" in diagnostic.message
    assert "NoSuchOp" in diagnostic.message and "[ONNXRuntimeError]" not in diagnostic.message
    status, _, err = run(capsys, "bench", tiny_file)
    assert status == 1 and "error[E906]" in err and "Traceback" not in err


def test_a_model_onnxruntime_cannot_run_is_e906(monkeypatch, tiny) -> None:
    from onnx import TensorProto, helper

    # The shape input is fed random floats, as every input is: the run fails.
    _broken_model(monkeypatch, [helper.make_node("Reshape", ["x", "shape"], ["y"], name="r")],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3]),
                   helper.make_tensor_value_info("shape", TensorProto.INT64, [2])])
    with pytest.raises(NetdslError) as caught:
        quick(tiny)
    assert caught.value.diagnostics[0].code == "E906"
    assert "cannot run the model" in caught.value.diagnostics[0].message
