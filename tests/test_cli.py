"""The command line: check, compile, compare and passes, their options and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from netdsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
V1 = str(ROOT / "examples" / "mobilenet_v1.net")
V2 = str(ROOT / "examples" / "mobilenet_v2.net")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# --- check --------------------------------------------------------------------------------

def test_check_prints_layers_and_output_shape(capsys) -> None:
    assert run(capsys, "check", V2) == (
        0, f"{V2}: ok: network MobileNetV2, 154 layers, input 224x224x3, output 1000\n", "")


def test_check_with_parameters(capsys) -> None:
    status, out, _ = run(capsys, "check", V2, "--set", "alpha=1.4", "--set", "size=160")
    assert status == 0 and "input 160x160x3, output 1000" in out


def test_check_reads_standard_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("net t:\n    input(8, 8, 3)\n    conv(4, 3)\n"))
    assert run(capsys, "check", "-")[:2] == (
        0, "-: ok: network t, 2 layers, input 8x8x3, output 8x8x4\n")


def test_unknown_parameter_is_an_input_error(capsys) -> None:
    status, _, err = run(capsys, "check", V2, "--set", "alpah=1.4")
    assert status == 1
    assert "error[E203]: network 'MobileNetV2' has no parameter 'alpah'" in err
    assert "did you mean 'alpha'?" in err


def test_missing_file(capsys) -> None:
    status, _, err = run(capsys, "check", "no/such/file.net")
    assert status == 1 and err.startswith("error[E100]: cannot read 'no/such/file.net'")


@pytest.mark.parametrize("argv", [[], ["check"], ["compile", V2, "--format", "yaml"],
                                  ["compile", V2, "--batch", "0"], ["frobnicate"]])
def test_usage_errors_exit_2(capsys, argv) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2


def test_short_and_json_diagnostics(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("net t:\n    input(8, 8, 3)\n    conv(4, 9, pad=0)\n")
    status, _, err = run(capsys, "check", str(bad), "--diagnostics", "short")
    assert status == 1
    assert err == (f"{bad}:3:5: error[E403]: kernel of extent 9 is larger than the padded "
                   "input (8 + 0 + 0) (use a smaller kernel or more padding)\n")
    status, out, err = run(capsys, "check", str(bad), "--diagnostics", "json")
    (diagnostic,) = json.loads(out)["diagnostics"]  # check: the document on standard output
    assert (status, err) == (1, "")
    assert diagnostic["code"] == "E403" and diagnostic["span"]["line"] == 3


def test_no_traceback_in_a_subprocess(tmp_path) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("net t:\n    input(8, 8, 3\n    conv(4)\n")
    done = subprocess.run([sys.executable, "-m", "netdsl", "check", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "error[E105]" in done.stderr


# --- compile ------------------------------------------------------------------------------

def test_compile_ir_has_one_line_per_layer(capsys) -> None:
    status, out, _ = run(capsys, "compile", V2, "--format", "ir", "--passes",
                         "infer-shapes,annotate-cost")
    lines = out.splitlines()
    assert status == 0 and lines[0] == "network MobileNetV2(alpha=1.0, size=224, classes=1000)"
    assert len(lines) == 154 + 2 and lines[-1] == "outputs: softmax"


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "markdown"])
def test_compile_formats_to_a_file(capsys, tmp_path, fmt) -> None:
    target = tmp_path / f"report.{fmt}"
    assert run(capsys, "compile", V2, "--format", fmt, "-o", str(target)) == (0, "", "")
    text = target.read_text()
    if fmt == "csv":
        assert len(text.splitlines()) == 1 + 67
    else:
        assert "300,774,272" in text or "300774272" in text
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_compile_refuses_to_overwrite_its_input(capsys, tmp_path) -> None:
    source = tmp_path / "t.net"
    source.write_text("net t:\n    input(8, 8, 3)\n")
    status, _, err = run(capsys, "compile", str(source), "-o", str(source))
    assert status == 1 and "refusing to overwrite the input file" in err
    assert source.read_text() == "net t:\n    input(8, 8, 3)\n"


def test_dtype_batch_and_memory_model(capsys) -> None:
    def totals(*options: str) -> dict:
        _status, out, _ = run(capsys, "compile", V2, "--format", "json", *options)
        return json.loads(out)["totals"]

    base = totals()
    assert totals("--dtype", "int8")["model_bytes"] * 4 == base["model_bytes"]
    assert totals("--batch", "2")["maccs"] == 2 * base["maccs"]
    assert totals("--memory-model", "compulsory")["memory_accesses"] < base["memory_accesses"]


# --- passes -------------------------------------------------------------------------------

def test_passes_lists_every_pass(capsys) -> None:
    status, out, _ = run(capsys, "passes")
    assert status == 0
    for name in ("infer-shapes", "fold-batchnorm", "fuse-activations", "annotate-cost"):
        assert f"\n{name} " in f"\n{out}"
    assert out.endswith(
        "default pipeline: infer-shapes,fold-batchnorm,fuse-activations,annotate-cost\n")


def test_disable_fold_batchnorm(capsys) -> None:
    _, out, _ = run(capsys, "compile", V1, "--format", "json", "--disable",
                         "fold-batchnorm")
    report = json.loads(out)
    assert report["passes"] == ["infer-shapes", "fuse-activations", "annotate-cost"]
    assert report["totals"]["params"] == 4_253_864  # BN fused, not folded: parameters stay
    _status, out, _ = run(capsys, "compile", V1, "--format", "json")
    assert json.loads(out)["totals"]["params"] == 4_221_032


def test_passes_option_runs_exactly_those(capsys) -> None:
    status, out, _ = run(capsys, "compile", V1, "--format", "ir", "--passes",
                         "infer-shapes,fold-batchnorm")
    assert status == 0 and "folded=[bn]" in out and "fused=" not in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--passes", "fold-batchnorm,annotate-cost"],
     "error[E602]: pass 'fold-batchnorm' requires 'infer-shapes' to run before it"),
    (["--disable", "fuse-activation"], "error[E601]: unknown pass 'fuse-activation'"),
    (["--passes", "infer-shapes,fold"], "error[E601]: unknown pass 'fold'"),
])
def test_pass_errors(capsys, argv, message) -> None:
    status, _, err = run(capsys, "compile", V1, *argv)
    assert status == 1 and err.splitlines()[0] == message


def test_print_ir_after_and_time_passes(capsys) -> None:
    status, out, err = run(capsys, "compile", V1, "--format", "json", "--print-ir-after",
                           "fold-batchnorm", "--time-passes")
    assert status == 0 and json.loads(out)["network"] == "MobileNetV1"
    assert f"# IR after fold-batchnorm ({V1})" in err
    assert "cbr/conv = conv(input) channels=32 kernel=3x3 stride=2x2 padding=1 " \
           "folded=[bn] -> 112x112x32" in err
    for stage in ("parse", "elaborate", "infer-shapes", "fold-batchnorm", "fuse-activations",
                  "annotate-cost", "total"):
        assert f"\n  {stage} " in err


# --- compare ------------------------------------------------------------------------------

def test_compare_variants_side_by_side(capsys) -> None:
    status, out, _ = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--format", "json")
    report = json.loads(out)
    assert status == 0 and report["schema"] == "netdsl.compare/1"
    first, second = report["networks"]
    assert first["totals"]["maccs"] == 300_774_272
    assert second["totals"]["maccs"] == 582_195_824
    assert second["ratios"]["maccs"] == pytest.approx(582_195_824 / 300_774_272)
    status, out, _ = run(capsys, "compare", V2, f"{V2}:alpha=1.4", "--width", "120")
    assert "MobileNetV2 (alpha=1.4)" in out
    assert f"{582_195_824 / 300_774_272:.2f}x" in out


def test_compare_labels_must_match(capsys) -> None:
    status, _, err = run(capsys, "compare", V1, V2, "--label", "one")
    assert status == 1 and "error[E309]: 1 --label options for 2 networks" in err
