"""What a compiled network holds: no second annotated graph, shared small values.

A report needs the baseline's totals and its layer count; ``CompileResult`` keeps
only those unless ``result.baseline`` is asked for, and ``AnnotateCost.totals``
computes the totals without building annotated nodes. Both must give exactly
what the annotated baseline graph says. Kernel sizes, strides, dilations and
paddings equal in value are one object, shared by the layers that hold them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netdsl.driver import compile_file, compile_string
from netdsl.passes import BASELINE_PIPELINE, make_pass, run_pipeline

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.net"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("options", [{}, {"memory_model": "compulsory", "batch": 4}])
def test_totals_equal_the_annotated_graph(path: Path, options: dict) -> None:
    result = compile_file(path, **options)
    figures = result.totals_unoptimized
    assert result._baseline is None  # the totals alone were computed
    assert figures == result.baseline.cost  # the graph, built on demand, agrees
    annotate = make_pass("annotate-cost", result.options.conventions())
    assert annotate.totals(result.elaborated) == annotate.run(result.elaborated).graph.cost


def test_mobilenet_v2_before_passes() -> None:
    """The published figures of the network as written: 3,538,984 parameters (BN included),
    300,774,272 MACCs."""
    result = compile_file(Path(EXAMPLES[0]).with_name("mobilenet_v2.net"))
    before = result.totals_unoptimized
    assert before.params.total == 3_538_984
    assert before.maccs == 300_774_272
    assert before.peak_activations == result.baseline.cost.peak_activations


def test_reports_do_not_keep_the_baseline_graph() -> None:
    result = compile_string("net N:\n    input(8, 8, 3)\n    conv(4, 3)\n    bn\n    relu\n")
    text = result.to_text()
    assert "layers            4 -> 2: 1 batch norms folded, 1 layers fused" in text
    result.to_json(), result.to_markdown(), result.to_csv()
    assert result._baseline is None
    assert result.totals_unoptimized.params.total == 3 * 3 * 3 * 4 + 4 + 4 * 4


def test_baseline_pipeline_and_other_pipelines() -> None:
    """Totals before passes when the pipeline is the baseline's, or starts elsewhere."""
    source = "net N:\n    input(8, 8, 3)\n    conv(4, 3)\n    bn\n    relu\n"
    same = compile_string(source, passes=BASELINE_PIPELINE)
    assert same.totals_unoptimized == same.totals
    expected = None
    for passes in (("infer-shapes", "fold-batchnorm", "annotate-cost"), ("infer-shapes",)):
        result = compile_string(source, passes=passes)
        expected = expected or run_pipeline(result.elaborated, BASELINE_PIPELINE, {}).graph.cost
        assert result.totals_unoptimized == expected
    assert expected.params.total == 3 * 3 * 3 * 4 + 4 + 4 * 4


def test_layers_share_equal_kernels_strides_and_paddings() -> None:
    units = "".join("    conv(16, 3, bias=false)\n    bn\n    relu\n" for _ in range(50))
    result = compile_string(f"net Chain:\n    input(8, 8, 16)\n{units}    conv(8, [1, 3])\n")
    convs = [n.op for n in result.elaborated.nodes if n.name.startswith("conv")]
    assert len(convs) == 51
    first = convs[0]
    for op in convs[1:50]:
        assert op.kernel is first.kernel and op.stride is first.stride
        assert op.padding is first.padding and op.dilation is first.dilation
    last = convs[50]
    assert last.kernel == (1, 3) and last.padding.sides == (0, 0, 1, 1)
    assert last.padding is not first.padding  # equal values only are shared
    # the passes keep them: the folded convolutions hold the same objects
    folded = [n.op for n in result.graph.nodes if n.name.startswith("conv")]
    assert all(op.kernel is first.kernel for op in folded[:50])
