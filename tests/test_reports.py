"""Golden report files and the structure of every report format.

``tests/golden/small.*`` hold the exact text, CSV, Markdown and JSON reports
of ``tests/golden/small.net``; rewrite them with ``pytest --update-golden``
and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

import netdsl
from netdsl.backends.csv_report import CSV_COLUMNS

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent


@pytest.fixture(scope="module")
def small() -> netdsl.CompileResult:
    text = (GOLDEN / "small.net").read_text()
    return netdsl.compile_string(text, filename="small.net")


def check_golden(request: pytest.FixtureRequest, name: str, actual: str) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden") or os.environ.get("NETDSL_UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text(), f"{name} differs (run pytest --update-golden)"


@pytest.mark.parametrize(("name", "render"), [
    ("small.120.txt", lambda r: r.to_text(120)),
    ("small.80.txt", lambda r: r.to_text(80)),
    ("small.csv", lambda r: r.to_csv()),
    ("small.md", lambda r: r.to_markdown()),
    ("small.json", lambda r: r.to_json()),
    ("small.ir", lambda r: r.to_ir()),
])
def test_golden(small, request, name, render) -> None:
    check_golden(request, name, render(small))


@pytest.mark.parametrize("width", [80, 120])
def test_text_fits_the_terminal(small, width) -> None:
    for line in small.to_text(width).splitlines():
        assert len(line) <= width, line
    mobilenet = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net")
    for line in mobilenet.to_text(width).splitlines():
        assert len(line) <= width, line


def test_text_footer_states_the_conventions(small) -> None:
    text = small.to_text(120)
    assert "MACCs: multiply-accumulates of convolution and dense layers only" in text
    assert "(1 MACC = 2 FLOPs)" in text
    assert "Memory accesses (naive model)" in text
    assert "Batch size 1; dtype fp32" in text
    int8 = netdsl.compile_string((GOLDEN / "small.net").read_text(), dtype="int8", batch=8,
                                 memory_model="compulsory").to_text(120)
    assert "Memory accesses (compulsory model)" in int8 and "Batch size 8; dtype int8" in int8


def test_text_ends_with_what_the_passes_saved(small) -> None:
    tail = small.to_text(120).split("What the passes saved")[1]
    base, after = small.totals_unoptimized, small.totals
    assert f"{len(small.baseline)} -> {len(small.graph)}" in tail
    assert "3 batch norms folded, 3 layers fused" in tail
    saved = after.memory.total - base.memory.total
    assert f"{base.memory.total:,} -> {after.memory.total:,}: {saved:+,}" in tail


def test_json_fields(small) -> None:
    report = json.loads(small.to_json())
    assert report["schema"] == "netdsl.report/1"
    assert report["network"] == "Small"
    assert report["arguments"] == {"width": 16, "classes": 10}
    assert report["passes"] == ["infer-shapes", "fold-batchnorm", "fuse-activations",
                                "annotate-cost"]
    for key in ("totals", "totals_unoptimized"):
        totals = report[key]
        assert set(totals) >= {"params", "params_breakdown", "maccs", "flops",
                               "memory_accesses", "activations", "peak_activations",
                               "model_bytes"}
        assert set(totals["params_breakdown"]) == {"weights", "biases", "bn_affine",
                                                   "bn_stats"}
    assert len(report["layers"]) == len(small.graph)
    for layer in report["layers"]:
        assert set(layer) >= {"name", "op", "inputs", "input_shapes", "output_shape",
                              "params", "maccs", "flops", "memory_accesses", "memory",
                              "fused", "source"}
        assert set(layer["memory"]) == {"input", "output", "weights"}
        assert layer["memory_accesses"] == sum(layer["memory"].values())
    assert sum(layer["maccs"] for layer in report["layers"]) == report["totals"]["maccs"]


def test_json_for_mobilenet_v2() -> None:
    report = json.loads(netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net").to_json())
    assert report["totals_unoptimized"]["maccs"] == 300_774_272
    assert report["totals_unoptimized"]["params"] == 3_538_984
    assert report["totals"]["maccs"] == 300_774_272
    assert report["totals"]["params"] == 3_487_816
    assert report["output_shape"] == [1000]


def test_csv_has_a_fixed_header_and_one_row_per_layer(small) -> None:
    rows = list(csv.reader(io.StringIO(small.to_csv())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == [n.name for n in small.graph.nodes]
    maccs = CSV_COLUMNS.index("maccs")
    assert sum(int(r[maccs]) for r in rows[1:]) == small.totals.maccs


def test_markdown_is_a_table(small) -> None:
    lines = small.to_markdown().splitlines()
    assert lines[2].startswith("| layer | op | output |")
    body = [line for line in lines if line.startswith("| `")]
    assert len(body) == len(small.graph)
    assert all(line.count("|") == lines[2].count("|") for line in body)
