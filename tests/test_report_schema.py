"""The JSON report against its published schema (docs/report.schema.json), and roll-ups.

Every example's report validates, as written, rolled up (--depth) and summarised
(--summary), with and without a device estimate; the rows of a roll-up add up to
the network's totals in every format.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import netdsl

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())
EXAMPLES = sorted((ROOT / "examples").glob("*.net"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema"]["const"] == "netdsl.report/2"


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.stem)
def example(request) -> netdsl.CompileResult:
    return netdsl.compile_file(request.param)


@pytest.mark.parametrize("view", [{}, {"depth": 1}, {"depth": 2}, {"summary": True},
                                  {"depth": 1, "summary": True}])
def test_every_example_report_validates(example, view) -> None:
    document = json.loads(example.to_json(**view))
    assert _errors(document) == []
    assert document["view"]["depth"] == view.get("depth")
    assert document["view"]["summary"] == view.get("summary", False)


def test_a_report_with_a_device_estimate_validates() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net", device="rpi4")
    for view in ({}, {"depth": 1}):
        document = json.loads(result.to_json(**view))
        assert _errors(document) == []
        assert all("estimate" in row for row in document["layers"])


def test_the_schema_refuses_what_it_should() -> None:
    """A test of the schema itself: a broken report does not validate."""
    document = json.loads(netdsl.compile_file(EXAMPLES[0]).to_json())
    document["layers"][1]["maccs"] = "1.2M"  # figures are exact integers
    document["layers"][2]["surprise"] = 1  # no field outside the schema
    del document["totals"]["flops"]
    found = " ".join(_errors(document))
    assert "'1.2M' is not of type 'integer'" in found
    assert "surprise" in found
    assert "'flops' is a required property" in found


def test_attributes_are_json_numbers_not_strings() -> None:
    document = json.loads(netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net").to_json())
    conv = next(row for row in document["layers"] if row["name"] == "cbr6_1/conv")
    assert conv["attributes"] == {"channels": 32, "kernel": [3, 3], "stride": [2, 2],
                                  "padding": [1, 1, 1, 1]}
    assert document["arguments"]["alpha"] == 1.0


def test_identical_refusals_are_one_note_with_every_location() -> None:
    document = json.loads(netdsl.compile_file(ROOT / "examples" / "convnext_tiny.net").to_json())
    [note] = [n for n in document["notes"] if n["code"] == "N201"]
    assert note["pass"] == "fold-batchnorm"
    assert note["count"] == 23 == len(note["layers"]) == len(note["locations"])
    assert note["layers"][:2] == ["layernorm1", "stage1/convnext_block1/layernorm"]
    assert note["reason"].startswith("layer norm normalises with statistics of each input")
    assert {loc["file"] for loc in note["locations"]} == {"examples/convnext_tiny.net"} or all(
        loc["file"].endswith("convnext_tiny.net") for loc in note["locations"])


# --- roll-ups: rows add up to the totals in every format -------------------------------

SUMMED = ("params", "maccs", "flops", "memory_accesses", "activations")


@pytest.fixture(scope="module")
def resnet50() -> netdsl.CompileResult:
    return netdsl.compile_file(ROOT / "examples" / "resnet50.net")


def test_depth_1_gives_one_row_per_stage_in_json(resnet50) -> None:
    rows = json.loads(resnet50.to_json(depth=1))["layers"]
    stages = [row for row in rows if row["kind"] == "block"]
    assert [(r["name"], r["op"], len(r["layers"])) for r in stages] == [
        ("stage1", "stage", 13), ("stage2", "stage", 17), ("stage3", "stage", 25),
        ("stage4", "stage", 13)]
    assert [r["maccs"] for r in stages] == [667_942_912, 1_027_604_480, 1_464_336_384,
                                            809_238_528]
    totals = json.loads(resnet50.to_json())["totals"]
    for key in SUMMED:
        assert sum(row[key] for row in rows) == totals[key], key
    assert sum(len(r["layers"]) if r["kind"] == "block" else 1 for r in rows) == 74


def test_depth_1_in_csv_adds_up(resnet50) -> None:
    rows = list(csv.DictReader(io.StringIO(resnet50.to_csv(depth=1))))
    assert [r["name"] for r in rows if r["kind"] == "block"] == [
        "stage1", "stage2", "stage3", "stage4"]
    assert sum(int(r["layers"]) for r in rows) == len(resnet50.layers)
    assert sum(int(r["maccs"]) for r in rows) == resnet50.totals.maccs == 4_089_184_256
    assert sum(int(r["params"]) for r in rows) == resnet50.totals.params.total


def test_depth_1_in_markdown_and_text(resnet50) -> None:
    markdown = resnet50.to_markdown(depth=1)
    assert "| `stage3` | stage | 25 | 14x14x1024 | 7,088,128 | 1,464,336,384 |" in markdown
    text = resnet50.to_text(120, depth=1)
    line = next(line for line in text.splitlines() if line.startswith("stage3 "))
    assert line.split()[:6] == ["stage3", "stage", "25", "14x14x1024", "7,088,128",
                                "1,464,336,384"]
    # The stem's convolution is a row of its own beside the stages: the heading names both.
    assert "\nLargest blocks and layers\n  by MACCs: stage3 (36%), stage2 (25%), stage4 (20%), " \
           "stage1 (16%), cbr/conv (2.9%)\n" in text


def test_depth_deeper_than_any_block_shows_every_layer(resnet50) -> None:
    assert resnet50.to_csv(depth=9).count("\n") == len(resnet50.layers) + 1
    assert "block" not in {row["kind"] for row in json.loads(resnet50.to_json(depth=9))["layers"]}


def test_summary_keeps_totals_and_largest_only(resnet50) -> None:
    text = resnet50.to_text(120, summary=True)
    assert "Totals" in text and "Largest layers" in text and "What the passes saved" in text
    assert "Conventions" not in text and "-----" not in text
    document = json.loads(resnet50.to_json(summary=True))
    assert 5 <= len(document["layers"]) <= 10
    assert document["totals"]["maccs"] == 4_089_184_256


# --- the largest rows and the layers column: one decision for every format ---------------

SMALL = ROOT / "tests" / "golden" / "small.net"


@pytest.fixture(scope="module")
def small() -> netdsl.CompileResult:
    return netdsl.compile_file(SMALL)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_summary_lists_no_row_with_nothing_in_it(small) -> None:
    # Four layers have MACCs: the fifth place by MACCs is left empty, not given to the
    # input layer (0 MACCs, 0 memory accesses).
    expected = ["conv1", "conv2", "conv3", "add", "maxpool", "dense"]
    assert [r["name"] for r in _csv(small.to_csv(summary=True))] == expected
    assert [r["name"] for r in json.loads(small.to_json(summary=True))["layers"]] == expected
    markdown = small.to_markdown(summary=True)
    assert [line.split("`")[1] for line in markdown.splitlines()
            if line.startswith("| `")] == expected
    assert "input" not in markdown


def test_the_largest_rows_are_the_same_in_text_and_the_summaries(resnet50) -> None:
    lines = resnet50.to_text(400, depth=2, summary=True).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Largest"))
    named = {name.split(" (")[0] for line in lines[start + 1:start + 3]
             for name in line.partition(": ")[2].split(", ")}
    listed = [r["name"] for r in _csv(resnet50.to_csv(depth=2, summary=True))]
    assert named == set(listed)
    assert listed == ["cbr/conv", "stage1/bottleneck1", "stage1/bottleneck2",
                      "stage2/bottleneck1", "stage3/bottleneck1", "stage4/bottleneck1"]


def test_a_network_without_maccs_says_none() -> None:
    result = netdsl.compile_string("net p:\n    input(8, 8, 4)\n    maxpool(2)\n    relu\n")
    text = result.to_text(120)
    assert "Largest layers\n  by MACCs: none\n  by memory accesses: maxpool (" in text
    assert [r["name"] for r in _csv(result.to_csv(summary=True))] == ["maxpool", "relu"]


def _columns(result: netdsl.CompileResult, **view) -> tuple[list[str], list[str], list[str]]:
    """The header of the CSV, the Markdown and the text table of ``result``."""
    csv_header = result.to_csv(**view).splitlines()[0].split(",")
    markdown = next(line for line in result.to_markdown(**view).splitlines()
                    if line.startswith("| layer"))
    text = next((line for line in result.to_text(200, **view).splitlines()
                 if line.startswith("layer ")), "")  # a summary has no table in text
    return csv_header, [c.strip() for c in markdown.strip("|").split("|")], text.split()


@pytest.mark.parametrize("depth", [None, 9])
def test_no_layers_column_when_no_row_is_rolled_up(resnet50, small, depth) -> None:
    # --depth 9 is deeper than any block of ResNet-50; the small network has no blocks.
    for result, view in ((resnet50, {"depth": depth}), (small, {"depth": depth or 1})):
        for header in _columns(result, **view):
            assert "layers" not in header and "kind" not in header
        assert _columns(result, **view)[0][:3] == ["name", "op", "inputs"]


def test_the_layers_column_when_rows_are_rolled_up(resnet50) -> None:
    for summary in (False, True):
        csv_header, markdown, text = _columns(resnet50, depth=1, summary=summary)
        assert csv_header[:6] == ["name", "op", "kind", "layers", "absorbed", "inputs"]
        assert markdown[:4] == ["layer", "op", "layers", "output"]
        if not summary:  # a summary has no table in text
            assert text[:4] == ["layer", "op", "layers", "output"]
