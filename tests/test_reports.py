"""Golden report files and the structure of every report format.

``tests/golden/small.*`` hold the exact text (120 and 80 columns), CSV, Markdown, JSON
and IR reports of ``tests/golden/small.net``, compiled with the default pipeline under the
stable file name ``small.net``. Rewrite them with ``pytest --update-golden`` (or
``NETDSL_UPDATE_GOLDEN=1``) and review the diff. Every figure of the golden files was
checked by hand against docs/cost-model.md when they were written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import netdsl
from netdsl.backends.csv_report import CSV_COLUMNS

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent
PLAIN = ("infer-shapes", "annotate-cost")
SMALL_TEXT = (GOLDEN / "small.net").read_text()


@pytest.fixture(scope="module")
def small() -> netdsl.CompileResult:
    return netdsl.compile_string(SMALL_TEXT, filename="small.net")


@pytest.fixture(scope="module")
def small_json(small) -> dict:
    return json.loads(small.to_json())


@pytest.fixture(scope="module")
def mobilenet_v2() -> netdsl.CompileResult:
    return netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net")


# --- golden files -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "render"), [
    ("small.120.txt", lambda r: r.to_text(120)),
    ("small.80.txt", lambda r: r.to_text(80)),
    ("small.60.txt", lambda r: r.to_text(60)),
    ("small.csv", lambda r: r.to_csv()),
    ("small.md", lambda r: r.to_markdown()),
    ("small.json", lambda r: r.to_json()),
    ("small.ir", lambda r: r.to_ir()),
])
def test_golden(small, check_golden, name, render) -> None:
    check_golden(name, render(small))


def test_reports_are_deterministic(small) -> None:
    again = netdsl.compile_string(SMALL_TEXT, filename="small.net")
    for render in ("to_json", "to_csv", "to_markdown", "to_ir"):
        assert getattr(again, render)() == getattr(small, render)(), render
    assert again.to_text(120) == small.to_text(120)
    assert again.to_text(80) == small.to_text(80)


def test_golden_source_path_is_the_name_given(small_json) -> None:
    assert small_json["source"] == "small.net"
    assert all(re.fullmatch(r"small\.net:\d+:\d+", layer["source"])
               for layer in small_json["layers"])
    relative = netdsl.compile_string(SMALL_TEXT, filename="tests/golden/small.net")
    assert json.loads(relative.to_json())["source"] == "tests/golden/small.net"


# --- text ---------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [80, 120])
def test_text_fits_the_terminal(small, mobilenet_v2, width) -> None:
    for line in small.to_text(width).splitlines():
        assert len(line) <= width, line
    for line in mobilenet_v2.to_text(width).splitlines():
        assert len(line) <= width, line


@pytest.mark.parametrize("width", [80, 120])
def test_text_layer_table_and_totals_fit_for_every_example(width) -> None:
    """The per-layer table and the totals of the big examples fit (the savings section is
    tested separately below)."""
    for name in ("mobilenet_v1", "resnet50", "vgg16"):
        text = netdsl.compile_file(ROOT / "examples" / f"{name}.net").to_text(width)
        head = text.split("What the passes saved")[0]
        for line in head.splitlines():
            assert len(line) <= width, (name, line)


@pytest.mark.parametrize("name", ["mobilenet_v1", "vgg16"])
def test_text_savings_section_fits_80_columns(name) -> None:
    text = netdsl.compile_file(ROOT / "examples" / f"{name}.net").to_text(80)
    tail = text.split("What the passes saved")[1]
    for line in tail.splitlines():
        assert len(line) <= 80, line


def test_text_is_exact_when_it_fits_and_compact_when_not(small) -> None:
    """The small network's exact table is 81 columns wide: exact at 120 and 81, without
    the absorbed column at 80, compact at 60."""
    wide, narrow = small.to_text(81), small.to_text(60)
    assert re.search(r"^conv2 .* 2,320  589,824   596,240 .* bn\+relu$", wide, re.M)
    assert re.search(r"^conv2 .* 2,320  589,824   596,240 +46 +36$", small.to_text(80), re.M)
    assert re.search(r"^conv2 .* 2\.32K   590K      596K ", narrow, re.M)
    for text in (wide, narrow):  # totals are always exact
        assert re.search(r"^MACCs +1,290,400 +1,290,400$", text, re.M)
        assert re.search(r"^FLOPs +2,625,896 +2,613,608 ", text, re.M)


def test_text_never_prints_maccs_as_flops(small) -> None:
    text = small.to_text(120)
    flops_lines = [line for line in text.splitlines() if line.startswith("FLOPs")]
    assert flops_lines and all(f"{small.totals.maccs:,}" not in line for line in flops_lines)
    assert f"{small.totals_unoptimized.flops:,}" in flops_lines[0]


def test_text_footer_states_the_conventions(small) -> None:
    text = small.to_text(120)
    assert ("MACCs: multiply-accumulates of convolutions (transposed too), dense, linear and "
            "attention only (1 MACC = 2 FLOPs)") in text
    assert "(1 MACC = 2 FLOPs)" in text
    assert "FLOPs: 2 x MACCs, plus per output element" in text
    assert "Memory accesses (naive model)" in text
    assert "Batch size 1; dtype fp32" in text


@pytest.mark.parametrize(("dtype", "batch", "model"), [
    ("int8", 8, "compulsory"), ("fp16", 2, "naive"), ("int4", 1, "compulsory")])
def test_text_footer_follows_the_options(dtype, batch, model) -> None:
    result = netdsl.compile_string(SMALL_TEXT, filename="small.net", dtype=dtype,
                                   batch=batch, memory_model=model)
    for width in (80, 120):
        text = " ".join(result.to_text(width).split())  # undo the wrapping
        assert f"Memory accesses ({model} model)" in text
        assert f"Batch size {batch}; dtype {dtype}" in text
        assert f"memory accesses ({model})" in text
        assert f"model size ({dtype})" in text


def test_text_ends_with_what_the_passes_saved(small) -> None:
    tail = small.to_text(120).split("What the passes saved")[1]
    base, after = small.totals_unoptimized, small.totals
    assert f"{len(small.baseline)} -> {len(small.graph)}" in tail
    assert "3 batch norms folded, 3 layers fused" in tail
    saved = after.memory.total - base.memory.total
    assert f"{base.memory.total:,} -> {after.memory.total:,}: {saved:+,}" in tail


def test_text_without_optimizing_passes_has_one_totals_column() -> None:
    result = netdsl.compile_string(SMALL_TEXT, filename="small.net", passes=PLAIN)
    text = result.to_text(120)
    assert re.search(r"^parameters +5,402$", text, re.M)
    assert re.search(r"^MACCs +1,290,400$", text, re.M)
    assert "What the passes saved" not in text
    assert "Batch size 1; dtype fp32; passes: infer-shapes, annotate-cost." in text


# --- JSON ---------------------------------------------------------------------------------

TOTALS_KEYS = {"params", "params_breakdown", "params_trainable", "maccs", "maccs_attention",
               "flops", "memory_accesses", "memory", "memory_bytes", "activations",
               "peak_activations", "peak_activation_bytes", "model_bytes"}
LAYER_KEYS = {"name", "op", "inputs", "input_shapes", "output_shape", "params",
              "params_breakdown", "maccs", "maccs_attention", "flops", "memory_accesses", "memory",
              "activations", "fused", "attributes", "blocks", "source", "call_chain", "kind"}


def test_json_top_level(small_json) -> None:
    assert list(small_json) == ["schema", "network", "source", "arguments", "passes",
                                "conventions", "input_shape", "output_shape", "totals",
                                "totals_unoptimized", "view", "notes", "warnings", "layers"]
    assert small_json["schema"] == "netdsl.report/2"
    assert small_json["view"] == {"depth": None, "expand": [], "summary": False}
    assert small_json["network"] == "Small"
    assert small_json["arguments"] == {"width": 16, "classes": 10}
    assert small_json["passes"] == ["infer-shapes", "fold-batchnorm", "fuse-activations",
                                    "annotate-cost"]
    assert small_json["input_shape"] == [32, 32, 3]
    assert small_json["output_shape"] == [10]
    conventions = small_json["conventions"]
    assert (conventions["memory_model"], conventions["dtype"], conventions["batch"]) == (
        "naive", "fp32", 1)
    assert {"maccs", "flops", "params", "memory", "units"} <= set(conventions)


def test_json_arguments_follow_the_parameters() -> None:
    result = netdsl.compile_string(SMALL_TEXT, filename="small.net", params={"width": 8})
    assert json.loads(result.to_json())["arguments"] == {"width": 8, "classes": 10}


@pytest.mark.parametrize("key", ["totals", "totals_unoptimized"])
def test_json_totals_match_the_api(small, small_json, key) -> None:
    totals = small_json[key]
    cost = small.totals if key == "totals" else small.totals_unoptimized
    assert set(totals) == TOTALS_KEYS
    assert totals["params"] == cost.params.total
    assert totals["params_trainable"] == cost.params.trainable
    assert totals["params_breakdown"] == {"weights": cost.params.weights,
                                          "biases": cost.params.biases,
                                          "bn_affine": cost.params.bn_affine,
                                          "bn_stats": cost.params.bn_stats}
    assert totals["params"] == sum(totals["params_breakdown"].values())
    assert (totals["maccs"], totals["flops"]) == (cost.maccs, cost.flops)
    assert totals["memory"] == {"input": cost.memory.input, "output": cost.memory.output,
                                "weights": cost.memory.weights}
    assert totals["memory_accesses"] == cost.memory.total == sum(totals["memory"].values())
    assert totals["memory_bytes"] == cost.memory_bytes == 4 * cost.memory.total
    assert totals["activations"] == cost.activations
    assert totals["peak_activations"] == cost.peak_activations
    assert totals["peak_activation_bytes"] == cost.peak_bytes
    assert totals["model_bytes"] == cost.model_bytes == 4 * cost.params.total


def test_json_unoptimized_figures_of_the_small_network(small_json) -> None:
    """By hand: kernels 3x3x3x16 + 2 x 3x3x16x16 + 16x10 = 5,200; the dense bias 10; three
    batch norms of 16 channels: 96 gamma/beta and 96 mean/variance."""
    base = small_json["totals_unoptimized"]
    assert base["params_breakdown"] == {"weights": 5200, "biases": 10, "bn_affine": 96,
                                        "bn_stats": 96}
    assert (base["params"], base["params_trainable"]) == (5402, 5306)
    # 3x3x3 x 16x16x16 + 2 x 3x3x16 x 16x16x16 + 16 x 10
    assert base["maccs"] == 110_592 + 2 * 589_824 + 160 == 1_290_400
    assert base["peak_activations"] == 12_288  # the shortcut + two 16x16x16 tensors


def test_json_layers(small, small_json) -> None:
    layers = small_json["layers"]
    assert [layer["name"] for layer in layers] == [n.name for n in small.graph.nodes]
    shapes = {layer["name"]: layer["output_shape"] for layer in layers}
    for layer in layers:
        assert set(layer) == LAYER_KEYS, layer["name"]
        assert set(layer["memory"]) == {"input", "output", "weights"}
        assert layer["memory_accesses"] == sum(layer["memory"].values())
        assert set(layer["params_breakdown"]) == {"weights", "biases", "bn_affine",
                                                  "bn_stats"}
        assert layer["params"] == sum(layer["params_breakdown"].values())
        assert layer["input_shapes"] == [shapes[name] for name in layer["inputs"]]
        assert all(shapes[name] is not None for name in layer["inputs"])
        for absorbed in layer["fused"]:
            assert set(absorbed) == {"name", "op", "how", "source"}
            assert absorbed["how"] in ("folded", "fused")
    by_name = {layer["name"]: layer for layer in layers}
    assert [(f["name"], f["op"], f["how"]) for f in by_name["conv1"]["fused"]] == [
        ("bn1", "bn", "folded"), ("relu1", "relu", "fused")]
    assert by_name["add"]["inputs"] == ["conv1", "conv3"]


@pytest.mark.parametrize("key", ["params", "maccs", "flops", "memory_accesses",
                                 "activations"])
def test_json_layers_add_up_to_the_totals(small_json, key) -> None:
    assert sum(layer[key] for layer in small_json["layers"]) == small_json["totals"][key]


def test_json_layers_are_one_object_per_line(small) -> None:
    text = small.to_json()
    lines = [line for line in text.splitlines() if line.lstrip().startswith('{"kind"')]
    assert len(lines) == len(small.graph)


def test_json_follows_dtype_batch_and_memory_model() -> None:
    result = netdsl.compile_string(SMALL_TEXT, filename="small.net", dtype="int8", batch=2,
                                   memory_model="compulsory")
    report = json.loads(result.to_json())
    c = report["conventions"]
    assert (c["memory_model"], c["dtype"], c["batch"]) == ("compulsory", "int8", 2)
    assert report["totals"]["model_bytes"] == report["totals"]["params"]
    assert report["totals"]["maccs"] == 2 * 1_290_400


def test_json_for_mobilenet_v2(mobilenet_v2) -> None:
    report = json.loads(mobilenet_v2.to_json())
    base = report["totals_unoptimized"]
    assert base["maccs"] == 300_774_272
    assert base["params"] == 3_538_984
    assert base["params_trainable"] == 3_504_872
    assert base["params_breakdown"] == {"weights": 3_469_760, "biases": 1_000,
                                        "bn_affine": 34_112, "bn_stats": 34_112}
    assert report["totals"]["maccs"] == 300_774_272
    assert report["totals"]["params"] == 3_487_816
    assert report["arguments"] == {"alpha": 1.0, "size": 224, "classes": 1000}
    assert report["input_shape"] == [224, 224, 3]
    assert report["output_shape"] == [1000]


# --- CSV ----------------------------------------------------------------------------------

def test_csv_has_a_fixed_header_and_one_row_per_layer(small) -> None:
    rows = list(csv.reader(io.StringIO(small.to_csv())))
    assert rows[0] == ["name", "op", "inputs", "output_shape", "params", "weights", "biases",
                       "bn_affine", "bn_stats", "maccs", "flops", "memory_accesses",
                       "memory_input", "memory_output", "memory_weights", "activations",
                       "fused", "source"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == [n.name for n in small.graph.nodes]
    assert all(len(r) == len(CSV_COLUMNS) for r in rows)
    maccs = CSV_COLUMNS.index("maccs")
    assert sum(int(r[maccs]) for r in rows[1:]) == small.totals.maccs


def test_csv_rows_agree_with_the_json(small, small_json) -> None:
    rows = list(csv.DictReader(io.StringIO(small.to_csv())))
    for row, layer in zip(rows, small_json["layers"], strict=True):
        assert row["output_shape"] == "x".join(map(str, layer["output_shape"]))
        assert row["inputs"] == ";".join(layer["inputs"])
        assert row["fused"] == ";".join(f["op"] for f in layer["fused"])
        for key in ("params", "maccs", "flops", "memory_accesses", "activations"):
            assert int(row[key]) == layer[key]
        for key in ("weights", "biases", "bn_affine", "bn_stats"):
            assert int(row[key]) == layer["params_breakdown"][key]
        for key in ("input", "output", "weights"):
            assert int(row[f"memory_{key}"]) == layer["memory"][key]
        assert row["source"] == layer["source"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["add"]["inputs"] == "conv1;conv3"
    assert by_name["conv1"]["fused"] == "bn;relu"


def test_csv_for_mobilenet_v2_has_one_row_per_layer(mobilenet_v2) -> None:
    rows = mobilenet_v2.to_csv().splitlines()
    assert len(rows) == 1 + len(mobilenet_v2.graph)


# --- Markdown -----------------------------------------------------------------------------

def test_markdown_is_a_table(small) -> None:
    lines = small.to_markdown().splitlines()
    assert lines[0] == "### Small(width=16, classes=10)"
    assert lines[2].startswith("| layer | op | output |")
    body = [line for line in lines if line.startswith("| `")]
    assert len(body) == len(small.graph)
    assert all(line.count("|") == lines[2].count("|") for line in body)


def test_markdown_totals_and_conventions(small) -> None:
    text = small.to_markdown()
    assert "| total | before passes | after passes |" in text
    assert "| MACCs | 1,290,400 | 1,290,400 |" in text
    assert "| FLOPs | 2,625,896 | 2,613,608 |" in text
    assert "| memory accesses (naive) | 1,707,400 | 1,658,200 |" in text
    last = text.splitlines()[-1]
    assert "(fp32); batch 1" in last and "naive model" in last
    # The one MACCs convention the text and JSON reports state (not "convolution and
    # dense only", which is wrong for attention).
    from netdsl.backends.common import CONVENTIONS
    assert f"MACCs: {CONVENTIONS['maccs']};" in last
    assert "attention" in CONVENTIONS["maccs"] and "MACCs count" not in last
    assert "| peak activations (elements) | " in text


def test_identical_refusals_are_listed_once_and_all_are_in_json() -> None:
    result = netdsl.compile_file(Path(__file__).resolve().parent.parent / "examples"
                                 / "vit_b_16.net")
    text = result.to_text(120)
    assert text.count("not folded: layer norm normalises") == 1
    assert "      and 24 more for the same reason (each in --format json)" in text
    notes = json.loads(result.to_json())["notes"]
    [layer_norms] = [n for n in notes if n["code"] == "N201"]  # one entry, every layer in it
    assert layer_norms["count"] == 25 == len(layer_norms["layers"])
    assert len({(loc["line"], loc["column"]) for loc in layer_norms["locations"]}) >= 2
    assert {n["pass"] for n in notes} == {"fold-batchnorm", "fuse-activations"}


# --- number formats of the text report ----------------------------------------------------

@pytest.mark.parametrize(("part", "whole", "shown"), [
    (9.96, 100, "10"),  # rounds to 10.0: written as every share from 10%
    (9.94, 100, "9.9"),
    (0.04, 100, "0.0"),
    (99.6, 100, "100"),
    (1, 3, "33"),
    (0, 100, ""),
])
def test_shares_are_rounded_before_their_precision_is_chosen(part, whole, shown) -> None:
    from netdsl.backends.text import share_text

    assert share_text(part, whole) == shown


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (8113.04, 3, "8,113"),  # from 1,000 up: whole, with separators, as milliseconds writes
    (10_318.4, 3, "10,318"),
    (595.2, 3, "595"),
    (999.6, 3, "1,000"),  # rounds up to 1,000: written as that
    (9.996, 3, "10.0"),
    (1.72, 4, "1.720"),  # trailing zeros kept: beside 1.366, the same precision
    (1.366, 4, "1.366"),
    (0.107, 3, "0.107"),
    (0.000012345, 3, "0.0000123"),  # no exponent, however small
    (0, 3, "0"),
])
def test_significant_digits_never_use_an_exponent(value, digits, shown) -> None:
    from netdsl.backends.common import significant

    assert significant(value, digits) == shown


def test_the_energy_column_has_no_exponent() -> None:
    from netdsl.backends import rollup
    from netdsl.backends.common import significant

    result = netdsl.compile_file(ROOT / "examples" / "resnet50.net", device="phone-2018")
    lines = result.to_text(150, depth=1).splitlines()
    header = lines[2].split()
    assert header[-2:] == ["uJ", "absorbed"]
    rows = {row.name: row for row in rollup.rows(result.graph, 1)}
    for name, absorbed in (("stage1", ["19", "layers"]), ("stage4", ["19", "layers"]),
                           ("gap", [])):
        line = next(line for line in lines if line.startswith(name + " "))
        joules = rows[name].estimate.energy_joules
        cells = line.split()
        assert cells[len(cells) - len(absorbed):] == absorbed  # the count, as the diagram
        assert cells[-1 - len(absorbed)] == significant(joules * 1e6)
        assert "e+" not in line and "e-" not in line
    stage1 = next(line for line in lines if line.startswith("stage1 ")).split()[-3]
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", stage1)  # thousands of uJ: 8,113, not 8.11e+03


# --- the Python API -----------------------------------------------------------------------

def test_every_report_method_takes_expand() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "resnet50.net")

    def names(text: str) -> list[str]:
        return [row["name"] for row in csv.DictReader(io.StringIO(text))]

    kept_open = names(result.to_csv(depth=1, expand=["stage2"]))
    assert "stage2" not in kept_open and "stage1" in kept_open and "stage3" in kept_open
    assert "stage2/bottleneck1/cbr1/conv" in kept_open
    assert result.to_csv(depth=1, expand=["stage2"]) == result.report(
        "csv", depth=1, expand=["stage2"])
    document = json.loads(result.to_json(depth=1, expand=["stage2"]))
    assert [row["name"] for row in document["layers"]] == kept_open
    assert document["view"]["expand"] == ["stage2"]
    markdown = result.to_markdown(depth=1, expand=["stage2"])
    assert "| `stage2/bottleneck1/cbr1/conv` |" in markdown and "| `stage3` |" in markdown
    text = result.to_text(200, depth=1, expand=["stage2/*"])
    assert "\nstage2/bottleneck1/cbr1/conv " in text and "\nstage3 " in text


def test_the_unused_wrappers_are_gone() -> None:
    from netdsl.backends import csv_report, formats, json_report, markdown, text

    for module, name in ((text, "render_text"), (json_report, "render_json"),
                         (csv_report, "render_csv"), (markdown, "render_markdown"),
                         (formats, "describe")):
        assert not hasattr(module, name), name
    assert "describe" not in formats.__all__


# --- rolled-up rows keep what their layers absorbed, and name rows as inputs ----------------

def test_a_rolled_up_row_counts_what_its_layers_absorbed_and_reads_rows() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "resnet50.net")
    # stage1: 3 bottlenecks of 3 cbr (bn+relu) and a projection (bn), the add's relu: 19
    text = result.to_text(120, depth=1)
    stage1 = next(line for line in text.splitlines() if line.startswith("stage1 "))
    assert stage1.endswith("  16    11  19 layers")
    assert "| `stage1` | stage | 13 | 56x56x256 |" in result.to_markdown(depth=1)
    assert result.to_markdown(depth=1).count("| 19 layers |") == 2  # stage1 and stage4
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.to_csv(depth=1)))}
    assert (rows["stage1"]["layers"], rows["stage1"]["absorbed"]) == ("13", "19")
    assert rows["stage1"]["fused"].split(";")[:5] == ["bn", "relu", "bn", "relu", "bn"]
    assert (rows["cbr/conv"]["absorbed"], rows["cbr/conv"]["fused"]) == ("2", "bn;relu")
    # Inputs name rows of the report, not layers rolled up out of sight.
    assert rows["stage2"]["inputs"] == "stage1" and rows["gap"]["inputs"] == "stage4"
    layers = {r["name"]: r for r in json.loads(result.to_json(depth=1))["layers"]}
    assert layers["stage2"]["inputs"] == ["stage1"]
    assert layers["stage2"]["input_shapes"] == [[56, 56, 256]]
    assert len(layers["stage3"]["fused"]) == 37
    assert layers["stage3"]["fused"][0] == {
        "name": "stage3/bottleneck1/cbr1/bn", "op": "bn", "how": "folded",
        "source": layers["stage3"]["fused"][0]["source"]}
    # The diagram's box says the same count.
    assert "stage · 13 layers + 19 absorbed" in result.to_dot(collapse=0)
    # A summary's inputs name rows of the full report too.
    summary = {r["name"]: r for r in json.loads(result.to_json(depth=1, summary=True))["layers"]}
    assert summary["stage3"]["inputs"] == ["stage2"]
    # Without --depth, a layer reads layers, as before.
    every = {r["name"]: r for r in json.loads(result.to_json())["layers"]}
    assert every["stage2/bottleneck1/cbr1/conv"]["inputs"] == ["stage1/bottleneck3/add"]


def test_the_slowest_line_has_one_precision() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net", device="phone-2018")
    text = " ".join(result.to_text(200, summary=True).split())
    slowest = text.split(" slowest ")[1].split(" Roofline:")[0]
    times = re.findall(r" (\d+\.\d+) ms ", " " + slowest)
    assert times[:2] == ["0.5010", "0.4928"]  # not 0.501 beside 0.4928
    assert all(len(t.replace(".", "").lstrip("0")) == 4 for t in times)
