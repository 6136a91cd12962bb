"""``netdsl compile`` and ``netdsl compare`` in process: formats, ``-o``, cost options.

The figures are those of the cost model's worked example, a 3x3 convolution
28x28x256 -> 512 with a bias (docs/cost-model.md): 924,844,032 MACCs, memory accesses
924,844,032 + 401,408 + 1,180,160 = 926,425,600 (naive), 1,180,160 parameters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from netdsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
V2 = str(ROOT / "examples" / "mobilenet_v2.net")
V2_MACCS, V2_14_MACCS = 300_774_272, 582_195_824

CONV = "net t:\n    input(28, 28, 256)\n    conv(512, 3)\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def conv_file(tmp_path) -> str:
    path = tmp_path / "conv.net"
    path.write_text(CONV)
    return str(path)


def totals(capsys, path: str, *options: str) -> dict:
    status, out, err = run(capsys, "compile", path, "--format", "json", *options)
    assert status == 0, err
    return json.loads(out)["totals"]


# --- formats ------------------------------------------------------------------------------

def test_compile_text(capsys, conv_file) -> None:
    status, out, err = run(capsys, "compile", conv_file, "--width", "120")
    assert (status, err) == (0, "")
    assert out.startswith("t()\n")
    assert re.search(r"^conv +conv +28x28x512 +1,180,160 +924,844,032 +926,425,600 ", out,
                     re.M)
    assert re.search(r"^MACCs +924,844,032$", out, re.M)
    assert "Memory accesses (naive model)" in out and "Batch size 1; dtype fp32" in out
    assert all(len(line) <= 120 for line in out.splitlines())


def test_compile_text_narrow(capsys, conv_file) -> None:
    """At 80 columns the exact table fits (80 wide); at 70 only the compact one does."""
    status, out, _ = run(capsys, "compile", conv_file, "--width", "80")
    assert status == 0
    assert re.search(r"^conv +conv +28x28x512 +1,180,160 +924,844,032 +926,425,600 ", out, re.M)
    status, out, _ = run(capsys, "compile", conv_file, "--width", "70")
    assert re.search(r"^conv +conv +28x28x512 +1\.18M +925M +926M ", out, re.M)
    assert re.search(r"^MACCs +924,844,032$", out, re.M)  # totals stay exact
    assert all(len(line) <= 70 for line in out.splitlines())


def test_compile_json(capsys, conv_file) -> None:
    status, out, _ = run(capsys, "compile", conv_file, "--format", "json")
    report = json.loads(out)
    assert status == 0 and report["schema"] == "netdsl.report/2"
    assert report["source"] == conv_file
    t = report["totals"]
    assert (t["maccs"], t["params"], t["memory_accesses"]) == (924_844_032, 1_180_160,
                                                               926_425_600)
    assert t["memory"] == {"input": 924_844_032, "output": 401_408, "weights": 1_180_160}
    (layer,) = [x for x in report["layers"] if x["op"] == "conv"]
    assert layer["memory_accesses"] == 926_425_600


def test_compile_csv(capsys, conv_file) -> None:
    status, out, _ = run(capsys, "compile", conv_file, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [r["name"] for r in rows] == ["input", "conv"]
    conv = rows[1]
    assert (conv["output_shape"], conv["maccs"], conv["memory_accesses"]) == (
        "28x28x512", "924844032", "926425600")
    assert (conv["memory_input"], conv["memory_output"], conv["memory_weights"]) == (
        "924844032", "401408", "1180160")


def test_compile_markdown(capsys, conv_file) -> None:
    status, out, _ = run(capsys, "compile", conv_file, "--format", "markdown")
    assert status == 0 and out.startswith("### t()\n")
    assert "| `conv` | conv | 28x28x512 | 1,180,160 | 924,844,032 |" in out
    assert "| MACCs | 924,844,032 |" in out


def test_compile_reads_standard_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(CONV))
    report = json.loads(run(capsys, "compile", "-", "--format", "json")[1])
    assert report["source"] == "<stdin>" and report["totals"]["maccs"] == 924_844_032


def test_compile_set_parameters(capsys) -> None:
    t = totals(capsys, V2, "--set", "alpha=1.4", "--passes", "infer-shapes,annotate-cost")
    assert t["maccs"] == V2_14_MACCS and t["params"] == 6_156_712


# --- -o FILE ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "csv", "markdown", "ir"])
def test_output_file_holds_what_stdout_would(capsys, tmp_path, conv_file, fmt) -> None:
    _, printed, _ = run(capsys, "compile", conv_file, "--format", fmt, "--width", "100")
    target = tmp_path / "out" if fmt != "ir" else tmp_path / "out.ir"
    status, out, err = run(capsys, "compile", conv_file, "--format", fmt, "--width", "100",
                           "-o", str(target))
    assert (status, out, err) == (0, "", "")
    assert target.read_text() == printed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["conv.net", target.name])


def test_output_file_is_replaced(capsys, tmp_path, conv_file) -> None:
    target = tmp_path / "report.json"
    target.write_text("old contents\n")
    assert run(capsys, "compile", conv_file, "--format", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["totals"]["maccs"] == 924_844_032
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_refuses_to_overwrite_the_input(capsys, conv_file) -> None:
    status, out, err = run(capsys, "compile", conv_file, "-o", conv_file)
    assert (status, out) == (1, "")
    assert "refusing to overwrite the input file" in err
    assert Path(conv_file).read_text() == CONV


def test_refuses_to_overwrite_the_input_under_another_spelling(capsys, tmp_path,
                                                               monkeypatch) -> None:
    (tmp_path / "t.net").write_text(CONV)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    status, _, err = run(capsys, "compile", "../t.net", "-o", str(tmp_path / "." / "t.net"))
    assert status == 1 and "refusing to overwrite the input file" in err
    assert (tmp_path / "t.net").read_text() == CONV
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub", "t.net"]


def test_refuses_to_overwrite_the_input_through_a_symlink(capsys, tmp_path) -> None:
    real = tmp_path / "t.net"
    real.write_text(CONV)
    link = tmp_path / "link.net"
    os.symlink(real, link)
    status, _, _ = run(capsys, "compile", str(link), "-o", str(real))
    assert real.read_text() == CONV
    assert status == 1


def test_compare_refuses_to_overwrite_an_input(capsys, conv_file) -> None:
    status, _, err = run(capsys, "compare", conv_file, conv_file, "-o", conv_file)
    assert status == 1 and "refusing to overwrite the input file" in err
    assert Path(conv_file).read_text() == CONV


def test_failed_write_leaves_no_temporary_file(capsys, tmp_path, conv_file) -> None:
    directory = tmp_path / "a_directory"
    directory.mkdir()
    status, _, err = run(capsys, "compile", conv_file, "-o", str(directory))
    assert status == 1 and "error[E100]: cannot write" in err
    assert list(directory.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_directory", "conv.net"]


def test_output_into_a_missing_directory(capsys, tmp_path, conv_file) -> None:
    status, _, err = run(capsys, "compile", conv_file, "-o", str(tmp_path / "no" / "r.txt"))
    assert status == 1 and "error[E100]: cannot write" in err
    assert not (tmp_path / "no").exists()


def test_compile_error_writes_no_output_file(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("net t:\n    input(8, 8, 3)\n    conv(4, 9, pad=0)\n")
    target = tmp_path / "report.txt"
    status, _, err = run(capsys, "compile", str(bad), "-o", str(target))
    assert status == 1 and "error[E403]" in err
    assert not target.exists()


# --- cost options -------------------------------------------------------------------------

@pytest.mark.parametrize(("dtype", "size"), [("fp32", 4 * 1_180_160), ("fp16", 2 * 1_180_160),
                                             ("bf16", 2 * 1_180_160), ("int8", 1_180_160),
                                             ("int4", 590_080)])
def test_dtype(capsys, conv_file, dtype, size) -> None:
    t = totals(capsys, conv_file, "--dtype", dtype)
    assert t["model_bytes"] == size
    assert t["params"] == 1_180_160  # elements do not change
    assert t["memory_accesses"] == 926_425_600
    factor = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}[dtype]
    assert t["memory_bytes"] == int(926_425_600 * factor)
    _, out, _ = run(capsys, "compile", conv_file, "--dtype", dtype, "--width", "120")
    assert f"dtype {dtype}" in out and f"model size ({dtype})" in out


def test_batch(capsys, conv_file) -> None:
    one, two = totals(capsys, conv_file), totals(capsys, conv_file, "--batch", "2")
    assert two["maccs"] == 2 * 924_844_032
    assert two["flops"] == 2 * one["flops"]
    assert two["memory"] == {"input": 2 * 924_844_032, "output": 2 * 401_408,
                             "weights": 1_180_160}
    assert two["memory_accesses"] == 2 * 924_844_032 + 2 * 401_408 + 1_180_160
    assert two["activations"] == 2 * one["activations"]
    assert two["peak_activations"] == 2 * (200_704 + 401_408)
    assert (two["params"], two["model_bytes"]) == (one["params"], one["model_bytes"])
    _, out, _ = run(capsys, "compile", conv_file, "--batch", "2", "--width", "120")
    assert "Batch size 2; dtype fp32" in out


def test_memory_model_compulsory(capsys, conv_file) -> None:
    t = totals(capsys, conv_file, "--memory-model", "compulsory")
    assert t["memory"] == {"input": 200_704, "output": 401_408, "weights": 1_180_160}
    assert t["memory_accesses"] == 1_782_272
    assert t["maccs"] == 924_844_032  # only the traffic changes
    _, out, _ = run(capsys, "compile", conv_file, "--memory-model", "compulsory",
                    "--format", "json")
    assert json.loads(out)["conventions"]["memory_model"] == "compulsory"
    _, out, _ = run(capsys, "compile", conv_file, "--memory-model", "compulsory", "--width",
                    "120")
    assert "Memory accesses (compulsory model)" in out
    assert re.search(r"^memory accesses \(compulsory\) +1,782,272", out, re.M)


def test_options_together(capsys, conv_file) -> None:
    t = totals(capsys, conv_file, "--dtype", "int8", "--batch", "3", "--memory-model",
               "compulsory")
    assert t["memory_accesses"] == 3 * 200_704 + 3 * 401_408 + 1_180_160
    assert t["memory_bytes"] == t["memory_accesses"]
    assert t["model_bytes"] == 1_180_160


# --- compare ------------------------------------------------------------------------------

def test_compare_text_shows_ratios(capsys) -> None:
    status, out, err = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--width", "120")
    assert (status, err) == (0, "")
    ratio = f"{V2_14_MACCS / V2_MACCS:.2f}x"
    assert ratio == "1.94x"
    assert re.search(rf"^MACCs +300,774,272 +582,195,824 \({re.escape(ratio)}\)$", out,
                     re.M)
    assert "MobileNetV2 (alpha=1.4)" in out.splitlines()[0]
    assert "Ratios are to the first column." in out


def test_compare_json_shows_ratios(capsys) -> None:
    status, out, _ = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--format", "json")
    report = json.loads(out)
    assert status == 0 and report["schema"] == "netdsl.compare/1"
    assert (report["memory_model"], report["dtype"], report["batch"]) == ("naive", "fp32", 1)
    first, second = report["networks"]
    assert first["label"] == "MobileNetV2" and second["label"] == "MobileNetV2 (alpha=1.4)"
    assert second["arguments"]["alpha"] == 1.4 and first["arguments"]["alpha"] == 1.0
    assert (first["totals"]["maccs"], second["totals"]["maccs"]) == (V2_MACCS, V2_14_MACCS)
    assert set(first["ratios"].values()) == {1.0}
    assert second["ratios"]["maccs"] == V2_14_MACCS / V2_MACCS
    assert set(second["ratios"]) == set(second["totals"])


def test_compare_csv_and_markdown(capsys) -> None:
    _, out, _ = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["label"] for r in rows] == ["MobileNetV2", "MobileNetV2 (alpha=1.4)"]
    assert rows[1]["maccs"] == str(V2_14_MACCS)
    assert rows[1]["maccs_ratio"] == f"{V2_14_MACCS / V2_MACCS:.4f}" == "1.9357"
    _, out, _ = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--format", "markdown")
    assert "| MACCs | 300,774,272 | 582,195,824 (1.94x) |" in out


def test_compare_labels_and_options(capsys, conv_file) -> None:
    status, out, _ = run(capsys, "compare", conv_file, conv_file, "--label", "a", "--label",
                         "b", "--batch", "2", "--format", "json")
    report = json.loads(out)
    assert status == 0 and [n["label"] for n in report["networks"]] == ["a", "b"]
    assert report["batch"] == 2
    assert report["networks"][1]["totals"]["maccs"] == 2 * 924_844_032
    assert report["networks"][1]["ratios"]["maccs"] == 1.0


def test_compare_to_a_file(capsys, tmp_path) -> None:
    target = tmp_path / "cmp.json"
    assert run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--format", "json", "-o",
               str(target)) == (0, "", "")
    assert json.loads(target.read_text())["networks"][1]["totals"]["maccs"] == V2_14_MACCS
    assert [p.name for p in tmp_path.iterdir()] == ["cmp.json"]


# --- usage errors -------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["compile"],
    ["compile", V2, "--format", "yaml"],
    ["compile", V2, "--dtype", "fp64"],
    ["compile", V2, "--batch", "0"],
    ["compile", V2, "--batch", "two"],
    ["compile", V2, "--memory-model", "perfect"],
    ["compile", V2, "--width", "-3"],
    ["compile", V2, "--no-such-option"],
    ["compare"],
    ["compare", V2, "--format", "ir"],
])
def test_usage_errors_exit_2(capsys, argv) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage:" in capsys.readouterr().err


# --- options that would change nothing are refused (E309), as --dpi is -----------------

RESNET50 = str(ROOT / "examples" / "resnet50.net")


@pytest.mark.parametrize(("argv", "message", "hint"), [
    (["--format", "ir", "--depth", "1"],
     "--depth sets the rows of a report or the boxes of a diagram, not the IR text",
     "the IR text lists every layer"),
    (["--format", "ir", "--summary"], "--summary sets the rows of a report", "IR text"),
    (["--format", "ir", "--collapse-blocks"], "--collapse-blocks sets the rows", "IR text"),
    (["--format", "dot", "--summary"], "--summary shortens a report, not dot output",
     "--collapse-blocks or --depth draws fewer boxes"),
    (["--format", "svg", "--summary"], "--summary shortens a report, not svg output", ""),
    (["--format", "png", "--summary", "-o", "x.png"], "not png output", ""),
    (["--format", "pdf", "--summary", "-o", "x.pdf"], "not pdf output", ""),
    (["--collapse-blocks", "1"], "--collapse-blocks sets the boxes of a diagram, not the rows "
     "of text output", "--depth 2 rolls up the same block instances into rows"),
    (["--format", "csv", "--collapse-blocks"], "not the rows of csv output", "--depth 1"),
    (["--expand", "stage2"], "--expand keeps block instances from being rolled up, and "
     "nothing is rolled up", "give --depth N as well"),
    (["--format", "dot", "--expand", "stage2"], "nothing is rolled up", "--collapse-blocks"),
    (["--depth", "1", "--expand", "stag2"], "--expand 'stag2' names no block instance of "
     "ResNet50", "did you mean 'stage2'?"),
    (["--format", "dot", "--collapse-blocks", "--expand", "stage3/bottleneck9"],
     "--expand 'stage3/bottleneck9' names no block instance", "did you mean "
     "'stage3/bottleneck6'?"),
    (["--depth", "1", "--expand", "stage2", "--expand", "nosuch"],
     "--expand 'nosuch' names no block instance", "the top-level block instances are cbr, "
     "stage1, stage2, stage3, stage4; one inside another by its path, such as "
     "stage1/bottleneck1, or a pattern such as 'stage1/*'"),
])
def test_options_that_change_nothing_are_refused(capsys, tmp_path, argv, message,
                                                 hint) -> None:
    argv = [a if not a.startswith("x.") else str(tmp_path / a) for a in argv]
    status, out, err = run(capsys, "compile", RESNET50, *argv)
    assert status == 1 and out == ""
    first, help_ = err.splitlines()[:2]
    assert first.startswith("error[E309]: ") and message in first
    assert help_.startswith(" = help: ") and hint in help_
    assert not any(tmp_path.iterdir())  # nothing written


def test_expand_in_a_network_without_blocks(capsys, conv_file) -> None:
    status, _, err = run(capsys, "compile", conv_file, "--depth", "1", "--expand", "stage2")
    assert status == 1
    assert "error[E309]: --expand 'stage2' names no block instance of t" in err
    assert "help: this network has no block instances" in err


@pytest.mark.parametrize("argv", [
    ["--depth", "1", "--expand", "stage2"],
    ["--depth", "2", "--expand", "stage*", "--summary", "--format", "json"],
    ["--format", "dot", "--collapse-blocks", "--expand", "stage3/*"],
    ["--format", "dot", "--depth", "2", "--expand", "stage2/bottleneck1"],
    ["--format", "ir"],
])
def test_options_that_do_something_are_accepted(capsys, argv) -> None:
    status, out, err = run(capsys, "compile", RESNET50, *argv)
    assert status == 0 and out and "error" not in err


# --- an -o suffix that names no format the command writes (E309) --------------------------

@pytest.mark.parametrize(("command", "name", "suffixes"), [
    ("compile", "r.jpg", "name it .txt, .json, .csv, .md, .ir, .dot, .gv, .svg, .png, .pdf, "
     "or give --format text|json|csv|markdown|ir|dot|svg|png|pdf"),
    ("compile", "r.out", "name it .txt, .json"),
    ("compare", "r.svg", "name it .txt, .json, .csv, .md, or give --format "
     "text|json|csv|markdown"),
    ("compare", "r.ir", "name it .txt, .json, .csv, .md, or give"),
])
def test_an_output_suffix_naming_no_format_is_refused(capsys, tmp_path, conv_file, command,
                                                      name, suffixes) -> None:
    target = tmp_path / name
    files = [conv_file] * (2 if command == "compare" else 1)
    status, out, err = run(capsys, command, *files, "-o", str(target))
    assert (status, out) == (1, "") and not target.exists()  # not a text report in r.jpg
    first, hint = err.splitlines()[:2]
    assert first == f"error[E309]: cannot tell the output format from the file name '{target}'"
    assert hint.startswith(f" = help: {suffixes}")
    # --format says what to write, whatever the name.
    status, _, _ = run(capsys, command, *files, "-o", str(target), "--format", "json")
    assert status == 0 and json.loads(target.read_text())["schema"].startswith("netdsl.")


def test_an_output_name_without_a_suffix_is_text(capsys, tmp_path, conv_file) -> None:
    target = tmp_path / "report"
    status, out, _ = run(capsys, "compile", conv_file, "-o", str(target), "--width", "120")
    assert (status, out) == (0, "")
    assert target.read_text().startswith("t()\n\nlayer ")
    status, _, _ = run(capsys, "compare", conv_file, conv_file, "-o", str(target))
    assert status == 0 and target.read_text().splitlines()[1].startswith("---")


def test_compare_labels_the_unit_of_peak_activations(capsys, conv_file) -> None:
    # Elements, as the JSON key peak_activations counts them (sweep shows bytes: peak act. (B))
    status, out, _ = run(capsys, "compare", conv_file, conv_file, "--width", "120")
    assert status == 0
    assert re.search(r"^peak activations \(elements\) +602,112 +602,112 \(1\.00x\)$", out,
                     re.M)
    assert "MACCs: multiply-accumulates of convolutions (transposed too), dense, linear and " \
        "attention only" in " ".join(out.split())
    _, out, _ = run(capsys, "compare", conv_file, conv_file, "--format", "markdown")
    assert "| peak activations (elements) | 602,112 | 602,112 (1.00x) |" in out
    _, out, _ = run(capsys, "compare", conv_file, conv_file, "--format", "json")
    assert json.loads(out)["networks"][0]["totals"]["peak_activations"] == 602_112
