"""The estimate-latency pass: the roofline per layer, exact to its formula, and its options.

A hand-made device with round figures makes every number checkable by hand:
100 GMACC/s, 10 GB/s of DRAM, 1 MB of on-chip memory at 100 GB/s, 5 us per layer,
4 pJ per MACC, 100 pJ per DRAM byte, 10 pJ per on-chip byte.
"""

from __future__ import annotations

import json

import attrs
import pytest

import netdsl
from netdsl.cli import main, parse_pass_options
from netdsl.passes import make_pass, run_pipeline


@attrs.frozen
class Device:
    runtime_fuses: frozenset | None = None
    runtime_copies: frozenset = frozenset()
    name: str = "bench-device"
    title: str = "a device with round figures"
    dram_bandwidth: float = 10e9
    onchip_bytes: int | None = 1_000_000
    onchip_bandwidth: float | None = 100e9
    overhead: float = 5e-6
    energy_per_macc: dict = attrs.field(factory=lambda: {"fp32": 4.0, "int8": 0.25})
    energy_per_byte_dram: float = 100.0
    energy_per_byte_onchip: float = 10.0

    def peak(self, dtype: str) -> float:
        return {"fp32": 100e9, "int8": 400e9}[dtype]


SOURCE = """net T:
    input(64, 64, 32)
    conv(64, 3, bias=false)
    relu
    flatten
"""


def estimate(source: str = SOURCE, device: Device | None = None,
             **options) -> netdsl.CompileResult:
    return netdsl.compile_string(source, device=device or Device(), **options)


def test_a_compute_bound_layer() -> None:
    result = estimate(SOURCE, passes=("infer-shapes", "annotate-cost"))
    conv = result.graph["conv"].cost
    # 3*3*32*64 weights over 64x64 outputs; compulsory traffic: input, output, weights once.
    assert conv.maccs == 75_497_472
    moved = 4 * (64 * 64 * 32 + 64 * 64 * 64 + 3 * 3 * 32 * 64)
    e = conv.estimate
    assert e.bytes_moved == moved == 1_646_592
    assert not e.onchip  # 1.6 MB does not fit in 1 MB
    assert e.compute_seconds == pytest.approx(75_497_472 / 100e9)
    assert e.memory_seconds == pytest.approx(moved / 10e9)
    assert e.seconds == pytest.approx(75_497_472 / 100e9 + 5e-6)
    assert e.bound == "compute"
    assert e.intensity == pytest.approx(75_497_472 / moved)
    assert e.energy_joules == pytest.approx((75_497_472 * 4 + moved * 100) * 1e-12)


def test_a_memory_bound_layer_and_one_that_does_not_run() -> None:
    result = estimate(SOURCE, passes=("infer-shapes", "annotate-cost"))
    relu = result.graph["relu"].cost.estimate
    # 2 x 262,144 elements moved: 2 MB, over DRAM (it does not fit on chip either).
    assert relu.bytes_moved == 2 * 4 * 262_144
    assert relu.memory_seconds == pytest.approx(2_097_152 / 10e9)
    assert relu.compute_seconds == pytest.approx(262_144 / 2 / 100e9)
    assert relu.bound == "memory"
    flatten = result.graph["flatten"].cost.estimate
    assert (flatten.seconds, flatten.bound, flatten.energy_joules) == (0.0, "none", 0.0)


def test_small_layers_run_from_on_chip_memory_or_are_bound_by_overhead() -> None:
    result = estimate("net T:\n    input(8, 8, 8)\n    relu\n")
    relu = result.graph["relu"].cost.estimate
    assert relu.onchip  # 2 x 2 KB fit in 1 MB
    assert relu.memory_seconds == pytest.approx(2 * 4 * 512 / 100e9)
    assert relu.bound == "overhead"
    assert relu.energy_joules == pytest.approx((512 / 2 * 4 + 4096 * 10) * 1e-12)


def test_totals() -> None:
    result = estimate()
    totals = result.totals.estimate
    layers = [n.cost.estimate for n in result.graph.nodes]
    assert totals.seconds == pytest.approx(sum(e.seconds for e in layers))
    assert totals.fps == pytest.approx(1 / totals.seconds)
    assert totals.energy_joules == pytest.approx(sum(e.energy_joules for e in layers))
    assert sum(share for _, share in totals.shares) == pytest.approx(1)
    assert (totals.device, totals.dtype, totals.memory_model) == \
        ("bench-device", "fp32", "compulsory")


def test_the_optimised_graph_is_estimated() -> None:
    # relu is fused into the convolution: no memory pass of its own, its FLOPs stay.
    result = estimate()
    assert "relu" not in result.graph
    conv = result.graph["conv"].cost.estimate
    assert conv.bytes_moved == 1_646_592
    assert conv.compute_seconds == pytest.approx((2 * 75_497_472 + 262_144) / 2 / 100e9)


def test_dtype_batch_and_traffic() -> None:
    int8 = estimate(dtype="int8").graph["conv"].cost.estimate
    assert int8.bytes_moved == 1_646_592 / 4
    assert int8.compute_seconds == pytest.approx((2 * 75_497_472 + 262_144) / 2 / 400e9)
    batch = estimate(batch=4).totals.estimate
    assert batch.batch == 4 and batch.fps == pytest.approx(4 / batch.seconds)
    naive = estimate(pass_options={"estimate-latency": {"traffic": "naive"}})
    conv = naive.graph["conv"]
    assert conv.cost.estimate.bytes_moved == 4 * conv.cost.memory.total  # the report's model
    assert naive.totals.estimate.memory_model == "naive"


def test_reports_carry_the_estimate() -> None:
    result = estimate()
    report = json.loads(result.to_json())
    assert report["totals"]["estimate"]["device"] == "bench-device"
    assert report["layers"][1]["estimate"]["bound"] == "compute"
    text = result.to_text(140)
    assert "Estimated on a device with round figures (bench-device; fp32, compulsory " \
           "traffic)" in text
    assert "MACC/B  bound" in text
    assert "intensity_maccs_per_byte,bound,est_seconds" in result.to_csv().splitlines()[0]
    assert "| time in layers bound by |" in result.to_markdown()


# ---- options --------------------------------------------------------------------------


def code_of(call) -> str:
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    return caught.value.diagnostics[0].code


def test_pass_options_are_checked() -> None:
    graph = netdsl.compile_string(SOURCE).graph
    assert code_of(lambda: make_pass("fold-batchnorm", None, {"x": 1})) == "E603"
    assert code_of(lambda: make_pass("estimate-latency", None, {"traffic": "cached"})) == "E603"
    assert code_of(lambda: run_pipeline(graph, ("infer-shapes",),
                                        pass_options={"annotate-cost": {}})) == "E603"
    assert code_of(lambda: run_pipeline(graph, ("infer-shapes",),
                                        pass_options={"no-such-pass": {}})) == "E601"
    assert code_of(lambda: netdsl.compile_string(
        SOURCE, passes=("infer-shapes", "annotate-cost", "estimate-latency"))) == "E603"


def test_pass_options_on_the_command_line(tmp_path, capsys) -> None:
    assert parse_pass_options(["estimate-latency.device=rpi4", "a.b-c=2", "a.d=true"]) == \
        {"estimate-latency": {"device": "rpi4"}, "a": {"b_c": 2, "d": True}}
    source = tmp_path / "t.net"
    source.write_text(SOURCE)
    assert main(["compile", str(source), "--pass-option", "fold-batchnorm.x=1"]) == 1
    err = capsys.readouterr().err
    assert "error[E603]: pass 'fold-batchnorm' has no option 'x'" in err
    assert main(["compile", str(source), "--pass-option", "estimate-latency.device=x"]) == 1
    assert "options are given for pass 'estimate-latency', which does not run" in \
        capsys.readouterr().err
    assert main(["compile", str(source), "--pass-option", "nodot"]) == 1
    assert "--pass-option expects PASS.NAME=VALUE" in capsys.readouterr().err


def test_passes_lists_the_estimate_as_optional(capsys) -> None:
    assert main(["passes"]) == 0
    out = capsys.readouterr().out
    assert "(not in the default pipeline)" in out
    assert "options: device=none (--device), dtype=fp32 (--dtype), traffic=compulsory " \
           "(--pass-option estimate-latency.traffic=...)" in out


# ---- what the runtime runs ([runtime] in a profile) -----------------------------------


def test_runtime_that_does_not_fuse_an_activation_or_copies_a_concat() -> None:
    source = ("net T:\n    input(64, 64, 32)\n    conv(64, 1, bias=false)\n    x = swish\n"
              "    concat(x)\n")
    plain = estimate(source).graph
    runtime = estimate(source, device=attrs.evolve(
        Device(), runtime_fuses=frozenset({"relu"}), runtime_copies=frozenset({"concat"})))
    conv, concat = runtime.graph["conv"].cost.estimate, runtime.graph["concat"].cost.estimate
    assert plain["conv"].fused[0].name == "x"  # netdsl's passes fuse the swish
    elements = 64 * 64 * 64
    # swish runs apart: its output read and written once more, and a layer's overhead
    assert conv.bytes_moved == plain["conv"].cost.estimate.bytes_moved + 2 * 4 * elements
    assert conv.overhead_seconds == 2 * 5e-6
    # concat, done by addressing in netdsl, is a copy: both inputs read, the output written
    assert plain["concat"].cost.estimate.seconds == 0
    assert concat.bytes_moved == 4 * 4 * elements
    assert concat.overhead_seconds == 5e-6
