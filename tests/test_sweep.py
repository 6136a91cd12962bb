"""Design sweeps (netdsl.sweep, pareto, netdsl sweep) and the parse-once module cache."""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import subprocess
import sys
import types
from pathlib import Path

import attrs
import pytest
from test_estimate import Device

import netdsl
from netdsl import driver, sweeps
from netdsl.backends import sweep_chart
from netdsl.backends.sweep_chart import render_sweep_chart, sweep_figure
from netdsl.backends.sweep_report import (
    render_sweep_csv,
    render_sweep_json,
    render_sweep_markdown,
    render_sweep_text,
)
from netdsl.cli import main, split_values
from netdsl.diagnostics import Diagnostic
from netdsl.limits import Limits
from netdsl.sweeps import Objective, SweepRow, figure_name, objective, pareto, sort_rows, sweep
from netdsl.syntax import ast
from netdsl.syntax.parser import parse

ROOT = Path(__file__).resolve().parent.parent
V2 = str(ROOT / "examples" / "mobilenet_v2.net")
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}

#: A small network: a valid 3x3 convolution needs an input of 3 or more (no padding).
TOY = """net Toy(size=16, width=8, k=3):
    input(size, size, 3)
    conv(width, k, pad=0)
    relu
    gap
    fc(10)
"""


def toy_params(width: int, k: int) -> int:
    return k * k * 3 * width + width + width * 10 + 10  # conv weights and biases, fc


def toy_maccs(size: int, width: int, k: int) -> int:
    side = size - k + 1
    return side * side * width * k * k * 3 + width * 10


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The names of the sources the parser reads, from an empty cache on."""
    driver.clear_parse_cache()
    seen: list[str] = []
    real = driver.parse

    def counting(text, filename="<string>", limits=None):
        seen.append(filename)
        return real(text, filename, limits)

    monkeypatch.setattr(driver, "parse", counting)
    yield seen
    driver.clear_parse_cache()


def code_of(call) -> str:
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    return caught.value.diagnostics[0].code


# --- the parse cache -----------------------------------------------------------------------

def test_a_second_compile_with_other_params_does_not_parse_again(parses) -> None:
    first = netdsl.compile_file(V2)
    assert parses == [V2, "<stdlib>/std.net"]  # the file, then the library it imports
    second = netdsl.compile_file(V2, params={"alpha": 1.4})
    third = netdsl.compile_string(Path(V2).read_text(), filename=V2, params={"size": 160})
    assert parses == [V2, "<stdlib>/std.net"]
    assert (first.totals.maccs, first.totals.params.total) == (300_774_272, 3_487_816)
    assert (second.totals.maccs, second.totals.params.total) == (582_195_824, 6_084_808)
    assert third.totals.maccs == 154_083_200 and third.arguments["size"] == 160
    assert dict(second.timings)["parse"] < dict(first.timings)["parse"]


def test_another_file_parses_again_but_the_library_once(parses, tmp_path) -> None:
    other = tmp_path / "tiny.net"
    other.write_text("import std\n\nnet Tiny:\n    input(8, 8, 3)\n    cbr(4, 3)\n")
    netdsl.compile_file(V2)
    netdsl.compile_file(other)
    netdsl.compile_string(other.read_text(), filename="elsewhere.net")  # another name
    assert parses == [V2, "<stdlib>/std.net", str(other), "elsewhere.net"]


def test_an_edited_module_is_parsed_again(parses, tmp_path) -> None:
    module = tmp_path / "parts.net"
    module.write_text("block head():\n    conv(4, 3)\n")
    main_file = tmp_path / "model.net"
    main_file.write_text('import "parts.net"\n\nnet M:\n    input(8, 8, 3)\n    head\n')
    assert netdsl.compile_file(main_file).totals.params.total == 3 * 3 * 3 * 4 + 4
    netdsl.compile_file(main_file)
    assert parses.count(str(module)) == 1
    module.write_text("block head():\n    conv(16, 3)\n")
    assert netdsl.compile_file(main_file).totals.params.total == 3 * 3 * 3 * 16 + 16
    assert parses.count(str(module)) == 2 and parses.count(str(main_file)) == 1


def test_parse_errors_are_raised_every_time_and_the_same(parses) -> None:
    text = "net Bad:\n    input(8, 8, 3)\n    conv(4, 3\n"
    rendered = []
    for _ in range(2):
        with pytest.raises(netdsl.NetdslError) as caught:
            netdsl.compile_string(text, params={})
        rendered.append(caught.value.render())
    assert parses == ["<string>", "<string>"]  # an error is never kept
    assert rendered[0] == rendered[1] and "error[E1" in rendered[0]
    driver.clear_parse_cache()
    monkeypatched = driver.parse
    driver.parse = parse  # the parser itself, no cache in the way
    try:
        with pytest.raises(netdsl.NetdslError) as caught:
            parse(text)
    finally:
        driver.parse = monkeypatched
    assert caught.value.render() == rendered[0]


def test_the_limits_the_parser_checks_are_part_of_the_key(parses) -> None:
    text = "net N:\n    input(8, 8, 3)\n    conv(4, ((((3)))))\n"
    netdsl.compile_string(text)
    # Parsed under a lower nesting limit it fails, though the text is cached under the default.
    assert code_of(lambda: netdsl.compile_string(text, limits=Limits(max_nesting=3))) == "E501"
    assert code_of(lambda: netdsl.compile_string(text, limits=Limits(max_source_bytes=20))) \
        == "E501"
    netdsl.compile_string(text, max_nodes=10)  # the layer limit does not touch parsing
    assert parses == ["<string>"] * 3


def test_the_ast_is_immutable_all_the_way_down() -> None:
    module = driver.parse_module(Path(V2).read_text(), V2)
    assert driver.parse_module(Path(V2).read_text(), V2) is module
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        module.items = ()  # type: ignore[misc]
    before = parse(Path(V2).read_text(), V2)
    for alpha in (0.5, 1.4):
        netdsl.compile_file(V2, params={"alpha": alpha})
    assert module == before  # elaboration read it and changed nothing

    def walk(value: object) -> None:
        assert not isinstance(value, list | dict | set), f"mutable {type(value).__name__}"
        if isinstance(value, tuple):
            for item in value:
                walk(item)
        elif attrs.has(type(value)) and type(value).__module__ == ast.__name__:
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                setattr(value, attrs.fields(type(value))[0].name, None)
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name))

    walk(module)


def test_the_cache_is_bounded() -> None:
    cache = driver._ParseCache(entries=2, characters=100)
    texts = [f"net N{i}:\n    input(8, 8, {i + 1})\n" for i in range(3)]
    modules = [cache.parse(text) for text in texts]
    assert len(cache) == 2  # the least recently used was dropped
    assert cache.parse(texts[2]) is modules[2]
    assert cache.parse(texts[0]) is not modules[0]
    long = "net L:\n    input(8, 8, 3)\n" + "    relu\n" * 20  # over 100 characters
    assert cache.parse(long) is not cache.parse(long)  # never kept
    small = driver._ParseCache(entries=8, characters=1000, largest=20)
    assert small.parse(texts[0]) is not small.parse(texts[0])  # 27 characters: over 20
    assert driver._PARSE_CACHE.largest == 64 * 1024


# --- sweep() ---------------------------------------------------------------------------------

def test_rows_come_in_the_grid_s_order_with_the_compiled_figures() -> None:
    grid = {"alpha": [0.35, 1.0, 1.4], "size": [128, 224]}
    rows = sweep(V2, grid, jobs=1)
    assert [tuple(row.arguments.values()) for row in rows] == \
        list(itertools.product(*grid.values()))
    assert [row.index for row in rows] == list(range(6))
    for row in rows:
        result = netdsl.compile_file(V2, params=row.arguments)
        cost = result.totals
        assert (row.network, row.params, row.maccs, row.flops, row.memory_accesses,
                row.peak_activation_bytes, row.model_bytes, row.layers) == (
            "MobileNetV2", cost.params.total, cost.maccs, cost.flops, cost.memory.total,
            cost.peak_bytes, cost.model_bytes, len(result.graph))
        assert row.ok and row.latency_seconds is None and row.energy_joules is None
    by_args = {tuple(row.arguments.values()): row for row in rows}
    assert by_args[(1.0, 224)].maccs == 300_774_272
    assert by_args[(1.4, 224)].maccs == 582_195_824
    assert by_args[(1.0, 224)].params == 3_487_816  # batch norm folded
    assert by_args[(0.35, 128)].maccs == 20_220_672


def test_a_sweep_parses_the_source_once(parses) -> None:
    rows = sweep(V2, {"alpha": [0.5, 1.0], "size": [160, 224]}, jobs=1)
    assert parses == [V2, "<stdlib>/std.net"]
    assert [row.maccs for row in rows] == [50_184_000, 97_131_840, 154_083_200, 300_774_272]


def test_a_text_source_and_fixed_params() -> None:
    rows = sweep(TOY, {"width": [4, 8], "k": [1, 3]}, params={"size": 12})
    assert [(row.params, row.maccs) for row in rows] == [
        (toy_params(w, k), toy_maccs(12, w, k)) for w, k in itertools.product((4, 8), (1, 3))]
    assert rows[0].label == "width=4, k=1"


def test_worker_processes_give_the_same_rows() -> None:
    grid = {"alpha": [0.5, 1.0], "size": [128, 160, 192]}
    assert sweep(V2, grid, jobs=2) == sweep(V2, grid, jobs=1)


def test_how_many_processes(monkeypatch) -> None:
    monkeypatch.setattr(sweeps.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3},
                        raising=False)
    assert sweeps._workers(None, sweeps.PROCESS_THRESHOLD) == 1  # few: in this process
    assert sweeps._workers(None, sweeps.PROCESS_THRESHOLD + 1) == 4
    assert sweeps._workers(1, 100) == 1 and sweeps._workers(8, 3) == 3
    monkeypatch.setattr(sweeps.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert sweeps._workers(None, 1000) == 1  # one CPU: processes would only cost
    for jobs in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="jobs must be a positive integer"):
            sweep(TOY, {"k": [1]}, jobs=jobs)


def test_a_variant_that_fails_is_a_row_with_its_error() -> None:
    rows = sweep(TOY, {"size": [2, 8], "k": [1, 3]}, jobs=1)
    failed = rows[1]  # size 2, kernel 3: larger than the input
    assert not failed.ok and failed.error.code == "E403"
    assert failed.maccs is None and failed.params is None and failed.network is None
    assert failed.error.span.line == 3  # the convolution's line
    assert [row.ok for row in rows] == [True, False, True, True]
    assert rows[3].maccs == toy_maccs(8, 8, 3)
    assert not any(row.pareto for row in pareto(rows, "maccs", "params") if not row.ok)


def test_names_the_network_does_not_have_are_E203_before_compiling(monkeypatch) -> None:
    compiled = []
    monkeypatch.setattr(driver, "compile_string", lambda *a, **k: compiled.append(1))
    with pytest.raises(netdsl.NetdslError) as caught:
        sweep(V2, {"alpah": [0.5, 1.0]})
    first = caught.value.diagnostics[0]
    assert (first.code, first.message) == ("E203", "network 'MobileNetV2' has no parameter "
                                           "'alpah'")
    assert first.hint == "did you mean 'alpha'?" and first.span.line == 7
    with pytest.raises(netdsl.NetdslError) as caught:
        sweep(TOY, {"k": [1]}, params={"classes": 3})
    assert caught.value.diagnostics[0].hint == "its parameters are (size, width, k)"
    assert code_of(lambda: sweep("net A:\n    input(4)\nnet B:\n    input(4)\n", {})) == "E206"
    assert code_of(lambda: sweep("net A:\n    input(4\n", {"x": [1]})) == "E105"
    assert compiled == []


@pytest.mark.parametrize(("grid", "params", "message"), [
    ({"k": []}, None, "parameter 'k' has no values to sweep"),
    ({"k": [1, 3, 1.0]}, None, "parameter 'k' is given the value 1 twice (as 1.0)"),
    ({"k": [[1, 2], (1, 2)]}, None, "parameter 'k' is given the value [1, 2] twice"),
    ({"k": 3}, None, "the values of parameter 'k' must be a list, got 3"),
    ({"k": "13"}, None, "the values of parameter 'k' must be a list, got '13'"),
    ({"k": [1, {"a": 1}]}, None, "invalid value for parameter 'k': {'a': 1}"),
    ({"k": [1, 3]}, {"k": 1}, "parameter 'k' is both swept and fixed"),
    ({"k": [1]}, {"size": object}, "invalid value for parameter 'size'"),
    ({"k": list(range(1, 102)), "width": list(range(1, 101))}, None,
     "the grid has more than 10,000 variants"),
    ({"k": itertools.count(1)}, None, "the grid has more than 10,000 variants"),  # endless
])
def test_bad_grids_are_E309(grid, params, message) -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        sweep(TOY, grid, params=params)
    first = caught.value.diagnostics[0]
    assert first.code == "E309" and first.message.startswith(message)


def test_true_and_1_are_different_values() -> None:
    rows = sweep("net B(flag=false, n=1):\n    input(4, 4, 2)\n    relu if flag\n",
                 {"flag": [True, 1, False]})
    assert [row.ok for row in rows] == [True, True, True]
    assert [row.layers for row in rows] == [2, 2, 1]


def test_on_a_device_each_row_has_its_estimate() -> None:
    device = Device()
    rows = sweep(TOY, {"width": [4, 8]}, device=device, dtype="int8")
    for row, width in zip(rows, (4, 8), strict=True):
        estimate = netdsl.compile_string(TOY, params={"width": width}, device=device,
                                         dtype="int8").totals.estimate
        assert row.latency_seconds == estimate.seconds > 0
        assert row.energy_joules == estimate.energy_joules > 0
        assert row.device == "bench-device"
    assert code_of(lambda: sweep(TOY, {"k": [1]}, device="phone-2019")) == "E605"
    assert code_of(lambda: sweep(TOY, {"k": [1]}, device="edgetpu", dtype="fp32")) == "E606"
    assert code_of(lambda: sweep(TOY, {"k": [1]}, passes=["annotate-cost"])) == "E602"


def test_a_profile_that_cannot_travel_is_compiled_here() -> None:
    from netdsl.devices import load_device

    rows = sweep(TOY, {"width": [4, 8]}, device=load_device("phone-2018"), jobs=2)
    assert all(row.latency_seconds and row.device == "phone-2018" for row in rows)
    named = sweep(TOY, {"width": [4, 8]}, device="phone-2018", jobs=2)  # by name: workers
    assert [row.latency_seconds for row in named] == [row.latency_seconds for row in rows]


# --- pareto ----------------------------------------------------------------------------------

def hand_made(points: list[tuple[int, int] | None]) -> list[SweepRow]:
    """Rows with the given (MACCs, params), None for a variant that failed."""
    return [SweepRow(i, {"v": i}, network="N", maccs=p[0], params=p[1]) if p is not None
            else SweepRow(i, {"v": i}, error=Diagnostic("E403", "too small"))
            for i, p in enumerate(points)]


def test_pareto_marks_the_variants_nothing_beats_on_both() -> None:
    points = [(1, 5), (1, 6), (2, 3), (2, 3), (3, 3), (4, 1), (5, 5), None, (0, 9), (4, 2)]
    marked = pareto(hand_made(points), "maccs", "params")
    assert [row.index for row in marked] == list(range(len(points)))  # the same order
    # (1, 6) loses to (1, 5); (3, 3) to (2, 3); (4, 2) to (4, 1); equal points go together.
    assert [i for i, row in enumerate(marked) if row.pareto] == [0, 2, 3, 5, 8]
    brute = [row.ok and not any(
        o.ok and o.maccs <= row.maccs and o.params <= row.params
        and (o.maccs, o.params) != (row.maccs, row.params) for o in marked) for row in marked]
    assert [row.pareto for row in marked] == brute
    assert [row.pareto for row in pareto(marked, "params", "maccs")] == brute  # symmetric


def test_pareto_with_a_figure_maximised() -> None:
    # (MACCs, params): the most MACCs for their parameters.
    points = [(1, 5), (3, 5), (2, 3), (2, 3), (5, 6), (4, 6), (1, 1), None, (0, 1), (6, 9)]
    marked = pareto(hand_made(points), "params", "+maccs")
    # (1, 5) loses to (3, 5), (4, 6) to (5, 6), (0, 1) to (1, 1); equal points go together.
    assert [i for i, row in enumerate(marked) if row.pareto] == [1, 2, 3, 4, 6, 9]
    brute = [row.ok and not any(
        o.ok and o.maccs >= row.maccs and o.params <= row.params
        and (o.maccs, o.params) != (row.maccs, row.params) for o in marked) for row in marked]
    assert [row.pareto for row in marked] == brute
    assert [row.pareto for row in pareto(marked, "+maccs", "-params")] == brute  # symmetric
    # Both maximised: (6, 9) has the most of both. Without it, (5, 6) and (3, 5) remain.
    both = pareto(hand_made(points), "+maccs", "+params")
    assert [i for i, row in enumerate(both) if row.pareto] == [9]
    both = pareto(hand_made([*points[:9], (7, 2)]), "+maccs", "+params")
    assert [i for i, row in enumerate(both) if row.pareto] == [4, 9]
    # Maximising both is minimising neither: the set is not the minimised one's.
    assert [i for i, row in enumerate(pareto(hand_made(points), "maccs", "params"))
            if row.pareto] == [8]


def test_objectives() -> None:
    assert objective("latency") == Objective("latency", maximise=False)
    assert objective("+maccs") == Objective("maccs", maximise=True)
    assert objective(" -mem ") == Objective("memory_accesses")  # explicit, and a beginning
    assert objective("+ peak") == Objective("peak_activation_bytes", True)
    assert objective(Objective("lat", True)) == Objective("latency", True)
    assert (str(objective("+maccs")), str(objective("-maccs"))) == ("+maccs", "maccs")
    assert (objective("+maccs").goal, objective("maccs").goal) == ("max", "min")
    assert objective("+maccs").label == "MACCs"
    with pytest.raises(TypeError):
        objective(3)  # type: ignore[arg-type]


def test_pareto_figures_and_their_errors() -> None:
    rows = hand_made([(1, 2)])
    assert figure_name("memory") == "memory_accesses" and figure_name("lat") == "latency"
    with pytest.raises(ValueError, match="unknown figure 'macs' \\(did you mean 'maccs'\\?\\)"):
        pareto(rows, "macs", "params")
    # A direction with a bad name: the closest name with the same direction.
    with pytest.raises(ValueError, match=r"unknown figure '\+macs' \(did you mean "
                       r"'\+maccs'\?\); figures: params, .*; each minimised, or "
                       r"maximised written \+name"):
        pareto(rows, "params", "+macs")
    with pytest.raises(ValueError, match="unknown figure '-speed'; figures: "):
        objective("-speed")
    with pytest.raises(ValueError, match="unknown figure '\\+'; "):
        objective("+")
    with pytest.raises(ValueError, match="unknown figure 'm'"):  # maccs or memory_accesses
        figure_name("m")
    with pytest.raises(ValueError, match="unknown figure '\\+m'"):
        objective("+m")
    # A figure's name is strict: a direction belongs to a Pareto set or a sort.
    with pytest.raises(ValueError, match=r"'\+maccs' is a figure with a direction .*; the "
                       r"figure is 'maccs'"):
        figure_name("+maccs")
    with pytest.raises(ValueError):
        rows[0].figure("+maccs")
    assert code_of(lambda: pareto(rows, "latency", "params")) == "E603"
    assert code_of(lambda: pareto(rows, "params", "+energy")) == "E603"
    assert pareto([], "maccs", "+params") == []


def test_sorting_by_a_maximised_figure_puts_the_largest_first() -> None:
    rows = hand_made([(3, 1), None, (5, 2), (3, 7), (9, 0)])
    assert [row.index for row in sort_rows(rows, "+maccs")] == [4, 2, 0, 3, 1]
    assert [row.index for row in sort_rows(rows, "maccs")] == [0, 3, 2, 4, 1]
    assert [row.index for row in sort_rows(rows, "-maccs")] == [0, 3, 2, 4, 1]
    assert [row.index for row in sort_rows(rows, Objective("params", True))] == [3, 2, 0, 4, 1]
    assert [row.index for row in sort_rows(rows, None)] == [0, 1, 2, 3, 4]


def test_the_default_figures_trade_a_cost_against_maccs() -> None:
    assert sweeps.default_figures(False) == ("memory_accesses", "+maccs")
    assert sweeps.default_figures(True) == ("latency", "+maccs")


# --- reports ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def toy_rows() -> list[SweepRow]:
    return sweep(TOY, {"width": [4, 8], "k": [1, 3], "size": [2, 16]}, jobs=1)


def test_the_text_table(toy_rows) -> None:
    text = render_sweep_text(toy_rows, "maccs", "params", sort="maccs", source="toy.net")
    lines = text.splitlines()
    assert lines[0] == "Sweep of Toy (toy.net): 8 variants of width x k x size, sorted by MACCs"
    assert lines[2].split() == ["*", "width", "k", "size", "params", "MACCs", "FLOPs",
                                "mem.", "accesses", "peak", "act.", "(B)", "model", "(B)",
                                "layers"]
    table = lines[4:12]
    marks = [line[0] for line in table]
    values = [line[1:].split()[:5] for line in table]
    # Sorted by MACCs (failed variants last); only width 4, k 1, size 2 beats everything.
    assert values[0] == ["4", "1", "2", f"{toy_params(4, 1):,}", f"{toy_maccs(2, 4, 1):,}"]
    assert marks == ["*"] + [" "] * 7
    maccs = [int(v[4].replace(",", "")) for v in values[:6]]
    assert maccs == sorted(maccs)
    assert table[6].split()[:3] == ["4", "3", "2"]
    assert "error[E403]: kernel of extent 3 is larger than the padded input (2 + 0 + 0) " \
        "(<string>:3:5)" in table[6]
    assert "* Pareto-optimal on MACCs and parameters (both minimised)" in text
    # The count of the optimal ones says of what: the 6 that compiled, not the 8 of the title.
    assert "1 of the 6 that compiled (8 variants)." in " ".join(text.split())
    assert "2 variants did not compile: the error is in place of the figures." in " ".join(
        lines)


def test_json_csv_and_markdown(toy_rows) -> None:
    document = json.loads(render_sweep_json(toy_rows, "maccs", "params", sort=None,
                                            memory_model="naive", source="toy.net"))
    assert document["schema"] == "netdsl.sweep/1" and document["network"] == "Toy"
    assert document["grid"] == {"width": [4, 8], "k": [1, 3], "size": [2, 16]}
    assert document["pareto"] == {"x": "maccs", "x_goal": "min", "y": "params",
                                  "y_goal": "min", "count": 1}
    assert document["sort"] is None and document["sort_order"] is None
    assert document["conventions"] == {"dtype": "fp32", "batch": 1, "memory_model": "naive",
                                       "device": None}
    variants = document["variants"]
    assert [v["index"] for v in variants] == list(range(8))  # sort=None: the grid's order
    assert variants[1]["arguments"] == {"width": 4, "k": 1, "size": 16}
    assert variants[1]["figures"]["maccs"] == toy_maccs(16, 4, 1)
    assert variants[2]["figures"] is None and variants[2]["error"]["code"] == "E403"
    assert "latency_seconds" not in variants[1]["figures"]
    csv_lines = render_sweep_csv(toy_rows, "maccs", "params", sort="params").splitlines()
    assert csv_lines[0] == ("index,width,k,size,pareto,params,maccs,flops,memory_accesses,"
                            "peak_activation_bytes,model_bytes,layers,error")
    assert csv_lines[1].startswith(f"0,4,1,2,true,{toy_params(4, 1)},{toy_maccs(2, 4, 1)},")
    assert csv_lines[-1].startswith("6,8,3,2,false,,,,,,,,<string>:3:5: error[E403]: kernel "
                                    "of extent 3 is larger than the padded input (2 + 0 + 0)")
    maximised = json.loads(render_sweep_json(toy_rows, "params", "+maccs", sort="+maccs"))
    assert maximised["pareto"] == {"x": "params", "x_goal": "min", "y": "maccs",
                                   "y_goal": "max", "count": 4}
    assert (maximised["sort"], maximised["sort_order"]) == ("maccs", "descending")
    # MACCs 42,416, 21,208, 6,224, 3,112, 176, 88 for 314, 162, 122, 66, 122, 66 parameters:
    # (width 8, k 1, size 2) and (4, 1, 2) have the parameters of another with more MACCs.
    assert [(v["index"], v["pareto"]) for v in maximised["variants"]] == [
        (7, True), (3, True), (5, True), (1, True), (4, False), (0, False), (2, False),
        (6, False)]
    assert [v["figures"]["maccs"] for v in maximised["variants"][:6]] == [
        toy_maccs(16, 8, 3), toy_maccs(16, 4, 3), toy_maccs(16, 8, 1), toy_maccs(16, 4, 1),
        toy_maccs(2, 8, 1), toy_maccs(2, 4, 1)]
    markdown = render_sweep_markdown(toy_rows, "maccs", "params", sort="maccs")
    assert "| | width | k | size | params | MACCs |" in markdown.replace("|  |", "| |")
    assert f"| \\* | 4 | 1 | 2 | {toy_params(4, 1)} |".replace(f"{toy_params(4, 1)}",
                                                                f"{toy_params(4, 1):,}") \
        in markdown
    assert "\\* Pareto-optimal on MACCs and parameters (both minimised): no other" in markdown
    # Two variants failed: an error column, holding their errors and empty for the rest.
    lines = markdown.splitlines()
    assert lines[2].endswith("| model (B) | layers | error |")
    assert lines[3].endswith("| ---: | --- |")
    failed = [line for line in lines[4:12] if "error[E403]" in line]
    assert len(failed) == 2 and all(line.endswith("(<string>:3:5) |") for line in failed)
    assert [line.endswith("|  |") for line in lines[4:10]] == [True] * 6
    markdown = render_sweep_markdown(toy_rows, "+maccs", "params", sort="+maccs")
    assert "sorted by MACCs, largest first" in markdown.splitlines()[0]
    assert "\\* Pareto-optimal on MACCs (maximised) and parameters (minimised): the most MACCs " \
        "for their parameters; no other variant" in markdown


def test_the_chart(toy_rows) -> None:
    svg = render_sweep_chart(toy_rows, "maccs", "params", "svg")
    assert svg.startswith(MAGIC["svg"]) and svg == render_sweep_chart(toy_rows, "maccs",
                                                                      "params", "svg")
    assert b"<dc:date>" not in svg
    for image_format in ("png", "pdf"):
        assert render_sweep_chart(toy_rows, "maccs", "params", image_format).startswith(
            MAGIC[image_format])
    figure = sweep_figure(toy_rows, "maccs", "params")
    axes = figure.axes[0]
    labels = sorted(t.get_text() for t in axes.texts)
    assert "2 variants did not compile: not drawn" in labels
    assert "4, 1, 2" in labels and len(labels) == 7  # six variants and the note
    assert axes.get_xscale() == "log"  # 31 to 40,336 MACCs: over a factor of ten
    assert "Toy: 8 variants of width x k x size" in figure.texts[0].get_text()
    assert "1 of the 6 that compiled Pareto-optimal on MACCs and parameters (both " \
        "minimised)" in figure.texts[0].get_text()
    with pytest.raises(ValueError):
        render_sweep_chart(toy_rows, "maccs", "params", "jpeg")


def test_the_chart_of_a_figure_maximised(toy_rows) -> None:
    def front(figure) -> list[tuple[float, float]]:
        line = next(line for line in figure.axes[0].lines if line.get_label() == "Pareto front")
        return list(zip(line.get_xdata(), line.get_ydata(), strict=True))

    figure = sweep_figure(toy_rows, "params", "+maccs")
    title = figure.texts[0].get_text().splitlines()
    assert title == ["Toy: 8 variants of width x k x size",
                     "4 of the 6 that compiled Pareto-optimal on parameters (minimised) and "
                     "MACCs (maximised)",
                     "the most MACCs for their parameters; points labelled (width, k, size)"]
    # The optimal points joined in order of x, rising: more parameters buy more MACCs.
    assert front(figure) == [(toy_params(4, 1), toy_maccs(16, 4, 1)),
                             (toy_params(8, 1), toy_maccs(16, 8, 1)),
                             (toy_params(4, 3), toy_maccs(16, 4, 3)),
                             (toy_params(8, 3), toy_maccs(16, 8, 3))]
    # x maximised, y minimised: the fewest MACCs for the most parameters, still in x order.
    figure = sweep_figure(toy_rows, "+params", "maccs")
    assert "Pareto-optimal on parameters (maximised) and MACCs (minimised)" in \
        figure.texts[0].get_text()
    assert front(figure) == [(toy_params(4, 1), toy_maccs(2, 4, 1)),
                             (toy_params(8, 1), toy_maccs(2, 8, 1)),
                             (toy_params(4, 3), toy_maccs(16, 4, 3)),
                             (toy_params(8, 3), toy_maccs(16, 8, 3))]
    with pytest.raises(ValueError, match="did you mean '\\+maccs'"):
        sweep_figure(toy_rows, "params", "+macs")


def test_each_chart_label_belongs_to_its_own_variant() -> None:
    # docs/cli.md's grid: the front climbs a diagonal with its points in pairs a few pixels
    # apart ((0.75, 128) and (0.5, 192)), and (0.75, 192) lies almost on (1.0, 160).
    alphas, sizes = (0.35, 0.5, 0.75, 1.0, 1.4), (128, 160, 192, 224)
    rows = sweep(V2, {"alpha": list(alphas), "size": list(sizes)}, jobs=1)
    chart = sweep_chart._chart(rows, "memory_accesses", "+maccs", None)
    figure, labels = chart.figure, chart.labels
    axes = figure.axes[0]
    assert [label.text for label in labels] == [f"{a}, {s}" for a in alphas for s in sizes]
    assert sum(row.pareto for row in chart.points) == 16
    scale = figure.dpi / 72
    # The placer's points are the drawn ones (the rows marked on these two figures).
    for label, row in zip(labels, chart.points, strict=True):
        centre = axes.transData.transform((row.figure("memory_accesses"), row.figure("maccs")))
        assert label.point[:2] == pytest.approx(tuple(centre), abs=1e-6)
        assert label.point[2] == pytest.approx((math.sqrt(52 if row.pareto else 36) / 2) * scale
                                               + 1)
    (close, _), = [(i, j) for i, j in itertools.combinations(range(20), 2)
                   if math.dist(labels[i].point[:2], labels[j].point[:2]) < 8]
    assert (labels[close].text, labels[_].text) == ("0.75, 192", "1.0, 160")
    for label in labels:
        cx, cy, radius = label.point
        x0, y0, x1, y1 = label.box
        # The anchor: the label's point nearest its variant, on its box, outside the marker.
        assert label.anchor == (min(max(cx, x0), x1), min(max(cy, y0), y1))
        own = math.dist(label.anchor, (cx, cy))
        assert own > radius
        for other in labels:
            if other is label:
                continue
            ox, oy, other_radius = other.point
            # Nearer its own variant than any other: the anchor, and every point of the box.
            nearest = (min(max(ox, x0), x1), min(max(oy, y0), y1))
            assert math.dist(label.anchor, (ox, oy)) > own, (label.text, other.text)
            assert math.dist(nearest, (ox, oy)) > own, (label.text, other.text)
            assert math.dist(nearest, (ox, oy)) > other_radius  # hides no marker
            assert min(x1, other.box[2]) <= max(x0, other.box[0]) or \
                min(y1, other.box[3]) <= max(y0, other.box[1])  # nor a label
        # Beside its variant, or joined to it by a leader line: here every one is beside it.
        assert label.leader == (own - radius > sweep_chart.LABEL_GAPS[1] * scale + 0.5)
        assert not label.leader
    # Drawn where placed, in the colour of its marker.
    renderer = figure.canvas.get_renderer()
    drawn = {text.get_text(): text for text in axes.texts}
    for label, row in zip(labels, chart.points, strict=True):
        extent = drawn[label.text].get_window_extent(renderer)
        assert (extent.x0, extent.y0, extent.x1, extent.y1) == pytest.approx(label.box, abs=0.5)
        assert drawn[label.text].get_color() == ("#D55E00" if row.pareto else "#222222")
    # A variant is drawn over the front's diamonds: (0.75, 192) shows on (1.0, 160).
    variants, diamonds = (next(c for c in axes.collections if c.get_label() == name)
                          for name in ("variant", "Pareto-optimal variant"))
    assert variants.get_zorder() > diamonds.get_zorder()
    svg = render_sweep_chart(rows, "memory_accesses", "+maccs", "svg")
    assert svg == render_sweep_chart(rows, "memory_accesses", "+maccs", "svg")


# --- the command -----------------------------------------------------------------------------

def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_sweeps_mobilenet_v2(capsys, tmp_path) -> None:
    chart = tmp_path / "sweep.png"
    status, out, err = run(capsys, "sweep", V2, "--grid", "alpha=0.35,0.5,0.75,1.0,1.4",
                           "--grid", "size=128,160,192,224", "-o", str(chart))
    assert (status, err) == (0, "")
    assert chart.read_bytes().startswith(MAGIC["png"])
    lines = out.splitlines()
    assert lines[0] == f"Sweep of MobileNetV2 ({V2}): 20 variants of alpha x size, sorted by " \
        "memory accesses"
    rows = [line for line in lines[4:] if re.match(r"^[* ] +\d", line)]
    assert len(rows) == 20
    accesses = [int(line.split()[-4].replace(",", "")) for line in rows]
    assert accesses == sorted(accesses) and accesses[0] == 30_147_072
    # By default the most MACCs for their memory accesses. By hand, in order of memory
    # accesses, a variant is optimal when it has more MACCs than every one before it:
    # (0.35, 160) has 30.9 M for 45.4 M accesses, (0.5, 128) 32.6 M for 43.5 M; (0.35, 224)
    # 59.3 M for 86.2 M, (0.75, 128) 69.1 M for 85.9 M; (0.5, 224) 97.1 M for 126.4 M,
    # (1.0, 128) 99.1 M for 119.8 M; (0.75, 192) 153.94 M for 188.4 M, (1.0, 160) 154.08 M
    # for 184.5 M. Every other variant is optimal.
    optimal = {(float(line.split()[1]), int(line.split()[2])) for line in rows
               if line.startswith("*")}
    grid = set(itertools.product((0.35, 0.5, 0.75, 1.0, 1.4), (128, 160, 192, 224)))
    assert grid - optimal == {(0.35, 160), (0.35, 224), (0.5, 224), (0.75, 192)}
    assert len(optimal) == 16 and optimal < grid
    legend = " ".join(" ".join(lines[25:]).split())
    assert legend.startswith("* Pareto-optimal on memory accesses (minimised) and MACCs "
                             "(maximised): the most MACCs for their memory accesses; no other "
                             "variant is as good on both and better on one; 16 of 20 variants.")
    # Both figures minimised, as the Pareto set used to be: every figure grows with alpha and
    # size, so the smallest variant beats all the others and is the only one.
    status, out, _ = run(capsys, "sweep", V2, "--grid", "alpha=0.35,0.5,0.75,1.0,1.4",
                         "--grid", "size=128,160,192,224", "--pareto", "maccs,memory")
    assert status == 0 and "1 of 20 variants." in " ".join(out.split())
    assert [line.split()[:3] for line in out.splitlines() if re.match(r"^\* +\d", line)] \
        == [["*", "0.35", "128"]]


def test_the_command_sorts_by_a_maximised_figure(capsys) -> None:
    status, out, _ = run(capsys, "sweep", V2, "--grid", "alpha=0.5,1.0,1.4", "--grid",
                         "size=128,224", "--sort", "+maccs", "--pareto=-params,+flops",
                         "--format", "json")
    document = json.loads(out)
    assert status == 0 and (document["sort"], document["sort_order"]) == ("maccs", "descending")
    assert document["pareto"] == {"x": "params", "x_goal": "min", "y": "flops",
                                  "y_goal": "max", "count": 3}
    assert [(v["arguments"]["alpha"], v["arguments"]["size"]) for v in document["variants"]] \
        == [(1.4, 224), (1.0, 224), (1.4, 128), (1.0, 128), (0.5, 224), (0.5, 128)]
    maccs = [v["figures"]["maccs"] for v in document["variants"]]
    assert maccs == sorted(maccs, reverse=True) and maccs[:2] == [582_195_824, 300_774_272]
    # The same parameters at every size: the largest size has the most FLOPs for them.
    assert [v["arguments"]["size"] for v in document["variants"] if v["pareto"]] == [224] * 3
    status, out, _ = run(capsys, "sweep", V2, "--grid", "alpha=0.5,1.4", "--sort=+maccs")
    assert status == 0
    assert out.splitlines()[0].endswith("of alpha, sorted by MACCs, largest first")


def test_the_command_s_formats(capsys, tmp_path) -> None:
    toy = tmp_path / "toy.net"
    toy.write_text(TOY)
    out_csv = tmp_path / "s.csv"
    assert run(capsys, "sweep", str(toy), "--grid", "k=1,3", "--grid", "width=4,8",
               "-o", str(out_csv))[:2] == (0, "")
    assert out_csv.read_text().splitlines()[0].startswith("index,k,width,pareto,params,")
    status, out, _ = run(capsys, "sweep", str(toy), "--grid", "k=1,3", "--format", "json",
                         "--sort", "grid", "--pareto", "params,peak", "--set", "width=4")
    document = json.loads(out)
    assert status == 0 and document["pareto"]["y"] == "peak_activation_bytes"
    assert [v["arguments"]["k"] for v in document["variants"]] == [1, 3]
    assert document["variants"][1]["figures"]["params"] == toy_params(4, 3)
    status, out, _ = run(capsys, "sweep", str(toy), "--grid", "k=1,3", "--format", "svg")
    assert status == 0 and out.startswith("<?xml")  # the chart alone on standard output


def test_the_command_reads_standard_input_and_list_values(capsys, monkeypatch) -> None:
    source = ("net L(depths=[1, 1], tag=\"a,b\"):\n    input(8, 8, 3)\n"
              "    conv(4, 3) * depths[0]\n    conv(8, 3) * depths[1]\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(source))
    status, out, err = run(capsys, "sweep", "-", "--grid", "depths=[1, 1],[2, 1],[1, 3]",
                           "--grid", 'tag="x,y","z"', "--format", "csv", "--sort", "grid")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 7
    assert lines[1].startswith('0,"[1, 1]","x,y",')
    assert lines[3].startswith('2,"[2, 1]","x,y",')
    assert split_values('1, 2 ,[3, [4, 5]],"a,b\\","c"') == \
        ["1", "2", "[3, [4, 5]]", '"a,b\\"', '"c"']


def test_the_command_on_a_device(capsys, monkeypatch) -> None:
    stand_in = types.ModuleType("netdsl.devices")
    stand_in.load_device = lambda name: Device()
    monkeypatch.setitem(sys.modules, "netdsl.devices", stand_in)
    status, out, _ = run(capsys, "sweep", V2, "--grid", "alpha=0.5,1.0", "--device", "bench")
    assert status == 0
    assert "est. ms" in out and "est. mJ" in out
    assert "* Pareto-optimal on estimated latency (minimised) and MACCs (maximised): the " \
        "most MACCs for their estimated latency;" in " ".join(out.split())
    assert out.splitlines()[0].endswith("sorted by estimated latency")
    assert "latency and energy per batch estimated on bench-device" in " ".join(out.split())


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["--grid", "alpah=0.5"], 1, "error[E203]: network 'MobileNetV2' has no parameter 'alpah'"),
    (["--grid", "alpha=0.5,1.0("], 1, "error[E309]: invalid value for parameter 'alpha': "
     "'1.0('"),
    (["--grid", "alpha="], 1, "error[E309]: --grid alpha has an empty value: ''"),
    (["--grid", "alpha=0.5,,1"], 1, "error[E309]: --grid alpha has an empty value"),
    (["--grid", "alpha=0.5", "--grid", "alpha=1"], 1, "--grid gives parameter 'alpha' twice"),
    (["--grid", "0.5"], 1, "error[E309]: --grid expects NAME=V1,V2,..., got '0.5'"),
    (["--grid", "alpha=0.5", "--sort", "latency"], 1,
     "error[E603]: the figure 'latency' is an estimate on a device, and the sweep has none"),
    (["--grid", "alpha=0.5", "--pareto", "maccs,maccs"], 2,
     "expected two different figures, got maccs twice"),
    (["--grid", "alpha=0.5", "--pareto", "maccs,+maccs"], 2,
     "expected two different figures, got maccs twice"),
    (["--grid", "alpha=0.5", "--pareto", "params,+macs"], 2,
     "unknown figure '+macs' (did you mean '+maccs'?)"),
    (["--grid", "alpha=0.5", "--sort", "+speed"], 2, "unknown figure '+speed'"),
    (["--grid", "alpha=0.5", "--pareto", "+latency,params"], 1,
     "error[E603]: the figure 'latency' is an estimate on a device, and the sweep has none"),
    (["--grid", "alpha=0.5", "--pareto", "maccs"], 2, "expected two figures X,Y"),
    (["--grid", "alpha=0.5", "--sort", "speed"], 2, "unknown figure 'speed'"),
    ([], 2, "the following arguments are required: --grid"),
])
def test_the_command_s_errors(capsys, argv, status, message) -> None:
    try:
        code = main(["sweep", V2, *argv])
    except SystemExit as exited:  # argparse: a usage error
        code = exited.code
    assert code == status
    assert message in capsys.readouterr().err


def test_when_no_variant_compiles_the_command_fails(capsys, tmp_path) -> None:
    toy = tmp_path / "toy.net"
    toy.write_text(TOY)
    chart = tmp_path / "s.svg"
    status, out, err = run(capsys, "sweep", str(toy), "--grid", "size=1,2", "-o", str(chart))
    assert (status, out) == (1, "") and not chart.exists()
    assert err.startswith("error[E403]: kernel of extent 3 is larger than the padded input "
                          "(1 + 0 + 0)")
    assert "= note: no variant compiled (of 2); this is the error of the first, size=1" in err


def test_the_chart_needs_matplotlib(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "s.svg"
    status, _, err = run(capsys, "sweep", V2, "--grid", "alpha=0.5", "-o", str(out))
    assert status == 2 and "netdsl sweep's chart needs the Python package 'matplotlib'" in err
    assert not out.exists()


def test_sweep_is_exported_lazily() -> None:
    probe = ("import sys, netdsl, netdsl.cli; netdsl.cli._parser();"
             "print(sorted(m for m in ('netdsl.sweeps', 'concurrent.futures', 'matplotlib')"
             " if m in sys.modules));"
             "import netdsl.sweeps; print(netdsl.sweep is netdsl.sweeps.sweep,"
             " netdsl.pareto is netdsl.sweeps.pareto)")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.split("\n")
    assert shown[:2] == ["[]", "True True"]


# --- parameters named like columns, the passes in the notes, the output's name and width ---

#: Parameters named like columns of the reports: ``layers`` (a figure) and ``error``.
DEEP = """net Deep(layers=1, error=4):
    input(8, 8, 3)
    conv(error, 3) * layers
    bn
    relu
    gap
    fc(2)
"""


def deep_params(layers: int, width: int) -> int:
    """Batch norm folded: 3x3 convolutions (weights and biases), then fc(2)."""
    return 27 * width + width + (layers - 1) * (9 * width * width + width) + 2 * width + 2


@pytest.fixture(scope="module")
def deep_rows() -> list[SweepRow]:
    return sweep(DEEP, {"layers": [1, 2], "error": [4, 8]}, jobs=1)


def test_a_parameter_named_like_a_column_is_written_arg_name(deep_rows) -> None:
    assert [sweeps.argument_key(n) for n in ("layers", "error", "Index", "pareto", "alpha",
                                             "latency", "energy_joules")] == \
        ["arg.layers", "arg.error", "arg.Index", "arg.pareto", "alpha", "arg.latency",
         "arg.energy_joules"]
    # Both the argument and the figure are kept: the figure counts layers after folding.
    record = deep_rows[2].as_dict()
    assert (record["arg.layers"], record["arg.error"], record["layers"], record["error"]) == \
        (2, 4, 5, None)
    assert record["params"] == deep_params(2, 4) == 270
    csv_lines = render_sweep_csv(deep_rows, "maccs", "params").splitlines()
    assert csv_lines[0] == ("index,arg.layers,arg.error,pareto,params,maccs,flops,"
                            "memory_accesses,peak_activation_bytes,model_bytes,layers,error")
    assert csv_lines[3] == "2,2,4,false,270,16136,33298,17180,2048,1080,5,"
    text = render_sweep_text(deep_rows, "maccs", "params").splitlines()
    assert text[2].split() == ["*", "arg.layers", "arg.error", "params", "MACCs", "FLOPs",
                               "mem.", "accesses", "peak", "act.", "(B)", "model", "(B)",
                               "layers"]
    assert text[6].split() == ["2", "4", "270", "16,136", "33,298", "17,180", "2,048", "1,080",
                               "5"]
    markdown = render_sweep_markdown(deep_rows, "maccs", "params")
    assert "|  | arg.layers | arg.error | params | MACCs |" in markdown
    # Every variant compiled: no error column (as the text table has none).
    header = markdown.splitlines()[2]
    assert header.endswith("| model (B) | layers |") and "| error |" not in markdown
    assert markdown.splitlines()[3].endswith("| ---: |")
    # JSON keeps the arguments apart, by their own names.
    document = json.loads(render_sweep_json(deep_rows, "maccs", "params"))
    assert document["grid"] == {"layers": [1, 2], "error": [4, 8]}
    assert document["variants"][2]["arguments"] == {"layers": 2, "error": 4}
    assert document["variants"][2]["figures"]["layers"] == 5


def test_one_table_of_figure_keys() -> None:
    from netdsl.backends import sweep_report

    assert sweep_report.KEYS is sweeps.KEYS
    assert sweeps.KEYS["latency"] == "latency_seconds" and sweeps.KEYS["maccs"] == "maccs"


def test_the_notes_name_the_passes_that_ran() -> None:
    def notes(**options) -> str:
        rows = sweep(DEEP, {"layers": [1, 2]}, jobs=1, **options)
        text = render_sweep_text(rows, "maccs", "params", width=1000).splitlines()
        return text[-1]

    assert notes().startswith("Figures after folding and fusion. params: parameters of the "
                              "deployed model; mem. accesses:")
    unfolded = sweep(DEEP, {"layers": [1]}, jobs=1, passes=["infer-shapes", "annotate-cost"])
    assert unfolded[0].passes == ("infer-shapes", "annotate-cost")
    assert unfolded[0].params == deep_params(1, 4) + 4 * 4  # scale, shift, mean, variance
    assert notes(passes=["infer-shapes", "annotate-cost"]).startswith(
        "Figures as written: batch norm not folded, activations not fused. params: "
        "parameters, those of batch norm included; mem. accesses:")
    assert notes(passes=["infer-shapes", "fold-batchnorm", "annotate-cost"]).startswith(
        "Figures after folding batch norm; activations not fused. params: parameters of the "
        "deployed model;")
    assert notes(passes=["infer-shapes", "fuse-activations", "annotate-cost"]).startswith(
        "Figures after fusing activations; batch norm not folded. params: parameters, those "
        "of batch norm included;")
    # Rows built by hand record no passes: the notes claim none.
    made = [SweepRow(0, {"v": 1}, network="N", maccs=1, params=1)]
    assert render_sweep_text(made, "maccs", "params", width=1000).splitlines()[-1].startswith(
        "params: parameters; mem. accesses:")


def test_the_command_s_notes_follow_disable(capsys, tmp_path) -> None:
    deep = tmp_path / "deep.net"
    deep.write_text(DEEP)
    status, out, _ = run(capsys, "sweep", str(deep), "--grid", "layers=1,2", "--disable",
                         "fold-batchnorm", "--disable", "fuse-activations", "--width", "1000")
    assert status == 0
    assert out.splitlines()[-1].startswith("Figures as written: batch norm not folded, "
                                           "activations not fused.")
    assert "Figures after folding" not in out


@pytest.mark.parametrize("name", ["sweep.jpg", "out.dot", "table"])
def test_the_command_refuses_an_output_it_cannot_name(capsys, tmp_path, name) -> None:
    deep = tmp_path / "deep.net"
    deep.write_text(DEEP)
    target = tmp_path / name
    status, out, err = run(capsys, "sweep", str(deep), "--grid", "layers=1,2", "-o",
                           str(target))
    assert (status, out) == (1, "") and not target.exists()
    assert err.startswith(f"error[E309]: cannot tell the output format from the file name "
                          f"'{target}'")
    assert "name it .txt, .json, .csv, .md, .svg, .png, .pdf, or give --format" in err
    # --format says what to write, whatever the name.
    status, _, _ = run(capsys, "sweep", str(deep), "--grid", "layers=1,2", "-o", str(target),
                       "--format", "csv")
    assert status == 0 and target.read_text().startswith("index,arg.layers,pareto,")


@pytest.mark.parametrize("width", ["59", "50", "0"])
def test_a_width_under_60_is_a_usage_error(capsys, width) -> None:
    # The legend and notes never wrap narrower than 60 (MIN_WIDTH): a smaller --width
    # would be ignored, so it is refused as the docs say.
    from netdsl.backends.sweep_report import MIN_WIDTH
    from netdsl.cli import SWEEP_MIN_WIDTH

    assert SWEEP_MIN_WIDTH == MIN_WIDTH == 60
    with pytest.raises(SystemExit) as exited:  # argparse: a usage error
        main(["sweep", V2, "--grid", "alpha=0.5,1.0", "--width", width])
    out, err = capsys.readouterr()
    assert (exited.value.code, out) == (2, "")
    assert f"argument --width: expected at least 60 columns, got {int(width)}" in err


def test_the_command_s_width(capsys, monkeypatch) -> None:
    def prose(out: str) -> list[str]:  # the legend and notes, after the table
        return out.split("\n\n")[-1].splitlines()

    argv = ("sweep", V2, "--grid", "alpha=0.35,0.5,0.75,1.0,1.4", "--grid", "size=128,224")
    status, out, _ = run(capsys, *argv, "--width", "70")
    assert status == 0 and max(len(line) for line in prose(out)) <= 70
    assert len(prose(out)) > 6
    # No terminal and no --width: 120 columns, as compile and compare.
    import os
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size",
                        lambda fallback=(80, 24): os.terminal_size(fallback))
    status, out, _ = run(capsys, *argv)
    widths = [len(line) for line in prose(out)]
    assert status == 0 and 100 < max(widths) <= 120


def test_the_command_refuses_a_huge_grid_before_parsing_its_values(capsys, tmp_path) -> None:
    """200 x 200 values: E309 at once, without parsing 400 values or compiling anything."""
    path = tmp_path / "toy.net"
    path.write_text(TOY)
    many = ",".join(str(i) for i in range(1, 201))
    status = main(["sweep", str(path), "--grid", f"k={many}", "--grid", f"width={many}"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("error[E309]: the grid has more than 10,000 variants")

