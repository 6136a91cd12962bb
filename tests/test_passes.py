"""The optimisation passes: fixtures, refusals, invariants and the default pipeline.

Each ``tests/fixtures/passes/NAME.net`` names the passes it runs on its first
line (``# passes: a,b``); ``NAME.before.ir`` is its canonical IR after shape
inference alone and ``NAME.after.ir`` after those passes. Regenerate both
with ``pytest --update-golden`` (or ``NETDSL_UPDATE_GOLDEN=1``) and review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import netdsl
from netdsl.driver import elaborate_string
from netdsl.ir.ops import Activation, BatchNorm
from netdsl.ir.printer import print_graph
from netdsl.ir.verifier import verify
from netdsl.passes import DEFAULT_PIPELINE, PASSES, make_pass, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "passes"
CASES = sorted(p.stem for p in FIXTURES.glob("*.net"))
EXAMPLES = sorted((ROOT / "examples").glob("**/*.net"))
OPTIMISING = ("fold-batchnorm", "fuse-activations")


def _updating(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False)
                or os.environ.get("NETDSL_UPDATE_GOLDEN"))


def _fixture(name: str) -> tuple[str, tuple[str, ...]]:
    text = (FIXTURES / f"{name}.net").read_text()
    first = text.splitlines()[0]
    assert first.startswith("# passes: "), f"{name}.net must start with '# passes: ...'"
    return text, tuple(first.removeprefix("# passes: ").split(","))


def _graph(text: str, filename: str = "t.net"):
    return elaborate_string(text, filename=filename)


@pytest.mark.parametrize("name", CASES)
def test_fixture_before_and_after(name: str, request: pytest.FixtureRequest) -> None:
    text, passes = _fixture(name)
    graph = _graph(text, f"{name}.net")
    before = print_graph(run_pipeline(graph, ("infer-shapes",)).graph)
    after = print_graph(run_pipeline(graph, passes, verify_each=True).graph)
    for suffix, actual in (("before", before), ("after", after)):
        path = FIXTURES / f"{name}.{suffix}.ir"
        if _updating(request):
            path.write_text(actual)
        assert actual == path.read_text(), f"{path.name} differs (run with --update-golden)"


def _notes(text: str, passes: tuple[str, ...]) -> list[tuple[str, str, str]]:
    result = run_pipeline(_graph(text), passes)
    return [(d.code, d.message, d.span.location() if d.span else "")
            for run in result.runs for d in run.diagnostics]


def test_fold_refusals_say_which_layer_and_why() -> None:
    text, passes = _fixture("fold_refused")
    assert _notes(text, passes) == [
        ("N201", "'y' not folded: 'x' is also read by 'add'", "t.net:7:9"),
        ("N201", "'bn1' not folded: it follows 'relu' (relu), not a convolution or dense "
         "layer", "t.net:12:5"),
        ("N201", "'bn2' not folded: it follows 'maxpool' (maxpool), not a convolution or "
         "dense layer", "t.net:14:5"),
    ]


def test_fold_refused_after_an_activation_fused_or_not() -> None:
    text = "net t:\n    input(8, 8, 3)\n    conv(4, 3)\n    relu\n    bn\n"
    assert _notes(text, ("infer-shapes", "fold-batchnorm")) == [
        ("N201", "'bn' not folded: it follows 'relu' (relu), not a convolution or dense layer",
         "t.net:5:5"),
    ]
    # Fused first, the BN is fused after the ReLU too: nothing is left to fold.
    graph = run_pipeline(_graph(text), ("infer-shapes", "fuse-activations")).graph
    assert [(a.name, a.how) for a in graph["conv"].fused] == [("relu", "fused"),
                                                              ("bn", "fused")]


def test_fuse_refusals_say_which_layer_and_why() -> None:
    text, passes = _fixture("fuse_refused")
    assert _notes(text, passes) == [
        ("N202", "'relu' not fused: it follows 'maxpool' (maxpool), not a layer that applies "
         "it as it writes (a convolution, dense, linear or add)", "t.net:6:5"),
        ("N202", "'sigmoid' not fused: 'x' is also read by 'concat'", "t.net:9:11"),
    ]


def test_softmax_is_never_fused() -> None:
    text, passes = _fixture("fuse_chain")
    assert _notes(text, passes) == [
        ("N202", "'softmax' not fused: softmax normalises over all channels, so it cannot be "
         "applied per value", "t.net:14:5"),
    ]


def test_fused_node_keeps_every_absorbed_span() -> None:
    text, passes = _fixture("fuse_chain")
    graph = run_pipeline(_graph(text), passes).graph
    conv = graph["conv1"]
    assert [(a.name, a.how, a.span.location()) for a in conv.fused] == [
        ("bn", "fused", "t.net:8:9"), ("relu1", "fused", "t.net:9:9")]
    assert conv.span.location() == "t.net:7:9"


def test_report_lists_absorbed_layers() -> None:
    text = (FIXTURES / "fold_then_fuse.net").read_text()
    result = netdsl.compile_string(text, filename="f.net")
    import json

    layers = {layer["name"]: layer for layer in json.loads(result.to_json())["layers"]}
    assert layers["conv1"]["fused"] == [
        {"name": "bn1", "op": "bn", "how": "folded", "source": "f.net:7:5"},
        {"name": "relu6", "op": "relu6", "how": "fused", "source": "f.net:8:5"},
    ]
    assert layers["add"]["fused"] == [
        {"name": "hswish2", "op": "hswish", "how": "fused", "source": "f.net:15:5"}]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_passes_are_idempotent_and_keep_shapes(path: Path) -> None:
    graph = _graph(path.read_text(), str(path))
    base = run_pipeline(graph, ("infer-shapes",)).graph
    for name in OPTIMISING:
        once = make_pass(name).run(base)
        twice = make_pass(name).run(once.graph)
        assert not twice.changed and twice.graph == once.graph, name
    final = run_pipeline(graph, DEFAULT_PIPELINE, verify_each=True).graph
    shapes = {n.name: n.shape for n in base.nodes}
    for node in final.nodes:  # survivors keep their shapes; the output shape is unchanged
        assert node.shape == shapes[node.name]
        for absorbed in node.fused:
            assert shapes[absorbed.name] == node.shape
    assert final.output_shape == base.output_shape


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("memory_model", ["naive", "compulsory"])
def test_costs_never_higher_after_the_passes(path: Path, memory_model: str) -> None:
    result = netdsl.compile_file(path, memory_model=memory_model)
    after, before = result.totals, result.totals_unoptimized
    assert after.maccs == before.maccs  # folding and fusion change no multiply-accumulate
    assert after.flops <= before.flops
    assert after.params.total <= before.params.total
    assert after.memory.total <= before.memory.total
    assert after.peak_activations <= before.peak_activations
    assert len(result.graph) <= len(result.baseline)


def test_mobilenet_v1_parameters_after_folding() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v1.net")
    assert result.totals_unoptimized.params.total == 4_253_864
    assert result.totals.params.total == 4_221_032
    assert result.totals.params.bn_affine == result.totals.params.bn_stats == 0
    assert not any(isinstance(n.op, BatchNorm) for n in result.graph.nodes)
    assert result.totals.memory.total < result.totals_unoptimized.memory.total


def test_folding_costs_follow_the_cost_model() -> None:
    """Conv 3x3 8->16 on 10x10 then BN: the BN's 4 x 16 parameters, 2 FLOPs per
    element and traffic disappear; the convolution gains 16 biases, +1 FLOP each."""
    text = "net t:\n    input(10, 10, 8)\n    conv(16, 3, bias=false)\n    bn\n"
    result = netdsl.compile_string(text, passes=("infer-shapes", "fold-batchnorm",
                                                 "annotate-cost"))
    before, after = result.totals_unoptimized, result.totals
    maccs = 3 * 3 * 8 * 16 * 10 * 10
    assert before.params.total == 3 * 3 * 8 * 16 + 4 * 16
    assert after.params.total == 3 * 3 * 8 * 16 + 16
    assert before.flops == 2 * maccs + 2 * 1600
    assert after.flops == 2 * maccs + 1600
    # naive traffic: the BN read 1,600 values, wrote 1,600 and read 32 constants
    assert before.memory.total - after.memory.total == 1600 + 1600 + 32 - 16


def test_fusion_keeps_flops_and_removes_traffic() -> None:
    """A ReLU on 28x28x512 costs 802,816 accesses (cost-model.md); fused, none."""
    text = "net t:\n    input(28, 28, 256)\n    conv(512, 3)\n    relu\n"
    result = netdsl.compile_string(text, passes=("infer-shapes", "fuse-activations",
                                                 "annotate-cost"))
    assert result.totals_unoptimized.memory.total - result.totals.memory.total == 802_816
    assert result.totals.flops == result.totals_unoptimized.flops
    (conv,) = [n for n in result.graph.nodes if n.name == "conv"]
    assert [a.op for a in conv.fused] == [Activation("relu")]


def test_every_pass_is_registered_with_a_description() -> None:
    assert DEFAULT_PIPELINE == ("infer-shapes", "fold-batchnorm", "fuse-activations",
                                "annotate-cost")
    for name, cls in PASSES.items():
        assert cls.name == name and cls.description
        if name == "estimate-latency":  # needs a device: tests/test_estimate.py
            continue
        verify(run_pipeline(_graph("net t:\n    input(4, 4, 1)\n"), ("infer-shapes", name)
                            if name != "infer-shapes" else (name,)).graph)
