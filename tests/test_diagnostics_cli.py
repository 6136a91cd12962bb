"""Diagnostics for tools and editors: the ``--diagnostics json`` document of every run,
every error of a file in each form, and the colour conventions end to end."""

from __future__ import annotations

import importlib.util
import io
import json
import sys

import pytest

from netdsl.cli import main

OK = "net tiny:\n    input(8, 8, 3)\n    conv(4, 3)\n    relu\n    fc(10)\n"
CHANNELS_FIRST = "net cf:\n    input(3, 32, 32)\n    conv(8, 3)\n"
BAD = ("net bad:\n    input(8, 8, 3)\n    covn(8, 3)\n    conv(4, 3, strid=2)\n"
       "    conv(zz, 3)\n")

BAD_CODES = [("E201", 3), ("E302", 4), ("E202", 5)]
W401 = {
    "code": "W401", "severity": "warning",
    "message": "input 3x32x32 looks channels-first: netdsl's input is height, width, channels",
    "span": {"file": "cf.net", "line": 2, "column": 5, "end_line": 2, "end_column": 21},
    "notes": [], "hint": "write input(32, 32, 3) for a 32x32 image of 3 channels",
}


@pytest.fixture
def files(tmp_path, monkeypatch):
    """tiny.net, cf.net and bad.net in the current directory."""
    monkeypatch.chdir(tmp_path)
    for name, text in (("tiny.net", OK), ("cf.net", CHANNELS_FIRST), ("bad.net", BAD)):
        (tmp_path / name).write_text(text)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def codes(document: dict) -> list[tuple[str, int]]:
    return [(d["code"], d["span"]["line"]) for d in document["diagnostics"]]


# --- netdsl check: the document replaces the "ok" line ----------------------------------------

def test_check_success_is_a_document_on_standard_output(capsys, files) -> None:
    status, out, err = run(capsys, "check", "tiny.net", "--diagnostics", "json")
    assert (status, err) == (0, "")
    assert json.loads(out) == {
        "schema": "netdsl.diagnostics/1", "file": "tiny.net", "ok": True, "network": "tiny",
        "layers": 4, "output_shape": [10], "diagnostics": [], "omitted": 0,
        "omitted_at_least": False}


def test_check_warnings_are_in_the_document(capsys, files) -> None:
    status, out, err = run(capsys, "check", "cf.net", "--diagnostics", "json")
    document = json.loads(out)
    assert (status, err, document["ok"], document["layers"]) == (0, "", True, 2)
    assert document["output_shape"] == [3, 32, 8]
    assert document["diagnostics"] == [W401]


def test_check_failure_lists_every_error_on_standard_output(capsys, files) -> None:
    status, out, err = run(capsys, "check", "bad.net", "--diagnostics", "json")
    document = json.loads(out)
    assert (status, err) == (1, "")
    assert (document["ok"], document["file"], document["network"], document["layers"],
            document["output_shape"]) == (False, "bad.net", None, None, None)
    assert codes(document) == BAD_CODES
    assert document["diagnostics"][0]["hint"] == "did you mean 'conv'?"


def test_check_of_standard_input(capsys, files, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(OK))
    status, out, _ = run(capsys, "check", "-", "--diagnostics", "json")
    assert status == 0 and json.loads(out)["file"] == "-"


def test_check_document_to_a_closed_standard_output(capsys, files, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    status = main(["check", "tiny.net", "--diagnostics", "json"])
    document = json.loads(capsys.readouterr().err)
    assert (status, document["ok"], document["network"]) == (1, False, "tiny")
    assert [d["code"] for d in document["diagnostics"]] == ["E100"]
    assert document["diagnostics"][0]["message"] == (
        "cannot write to standard output: standard output is closed")


# --- the commands whose standard output carries a report --------------------------------------

def test_compile_report_on_standard_output_document_on_standard_error(capsys, files) -> None:
    status, out, err = run(capsys, "compile", "cf.net", "--format", "ir",
                           "--diagnostics", "json")
    assert status == 0 and out.startswith("network cf()\n")
    document = json.loads(err)
    assert (document["ok"], document["network"], document["diagnostics"]) == (True, "cf", [W401])


def test_compile_to_a_file_puts_the_document_on_standard_output(capsys, files) -> None:
    status, out, err = run(capsys, "compile", "cf.net", "-o", "report.json",
                           "--diagnostics", "json")
    assert (status, err) == (0, "")
    assert json.loads(out)["diagnostics"] == [W401]
    assert json.loads((files / "report.json").read_text())["network"] == "cf"


def test_compile_to_standard_output_by_dash(capsys, files) -> None:
    status, out, err = run(capsys, "compile", "tiny.net", "-o", "-", "--format", "ir",
                           "--diagnostics", "json")
    assert status == 0 and out.startswith("network tiny()\n") and json.loads(err)["ok"]


def test_compile_failure(capsys, files) -> None:
    status, out, err = run(capsys, "compile", "bad.net", "--diagnostics", "json")
    assert (status, out) == (1, "")
    assert codes(json.loads(err)) == BAD_CODES


def test_a_command_line_error_is_in_the_document(capsys, files) -> None:
    status, out, err = run(capsys, "compile", "tiny.net", "--set", "widht=3",
                           "--diagnostics", "json")
    document = json.loads(err)
    assert (status, out, document["ok"]) == (1, "", False)
    assert [d["code"] for d in document["diagnostics"]] == ["E203"]


def test_an_error_after_compiling_names_the_network(capsys, files) -> None:
    """An error found once the network compiled (no weights to save) keeps its name and
    warnings; an -o over the input (E100) is refused before compiling, so names none."""
    status, out, _ = run(capsys, "compile", "cf.net", "--save-weights", "w.npz", "-o",
                         "out.txt", "--diagnostics", "json")
    document = json.loads(out)
    assert (status, document["ok"], document["network"]) == (1, False, "cf")
    assert [d["code"] for d in document["diagnostics"]] == ["W401", "E702"]
    status, out, _ = run(capsys, "compile", "cf.net", "-o", "cf.net", "--diagnostics", "json")
    document = json.loads(out)
    assert (status, document["network"], [d["code"] for d in document["diagnostics"]]) == (
        1, None, ["E100"])


def test_compare_names_every_network_and_warns_once(capsys, files) -> None:
    status, out, err = run(capsys, "compare", "cf.net", "cf.net", "tiny.net", "-o", "c.md",
                           "--diagnostics", "json")
    document = json.loads(out)
    assert (status, err, document["ok"], document["file"], document["network"]) == (
        0, "", True, None, None)
    assert document["networks"] == [
        {"file": "cf.net", "network": "cf", "layers": 2, "output_shape": [3, 32, 8]},
        {"file": "cf.net", "network": "cf", "layers": 2, "output_shape": [3, 32, 8]},
        {"file": "tiny.net", "network": "tiny", "layers": 4, "output_shape": [10]},
    ]
    assert document["diagnostics"] == [W401]


def test_compare_prints_each_warning_once(capsys, files) -> None:
    status, _, err = run(capsys, "compare", "cf.net", "cf.net", "-o", "c.md")
    assert status == 0 and err.count("warning[W401]") == 1


def test_compare_failure(capsys, files) -> None:
    status, out, err = run(capsys, "compare", "tiny.net", "bad.net", "--diagnostics", "json")
    document = json.loads(err)
    assert (status, out, document["ok"]) == (1, "", False)
    assert document["networks"] == [
        {"file": "tiny.net", "network": "tiny", "layers": 4, "output_shape": [10]}]
    assert codes(document) == BAD_CODES


needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="needs the onnx extra")
needs_plot = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                reason="needs the plot extra")


@pytest.mark.parametrize(("argv", "where"), [
    (["check", "bad.net"], "out"),
    (["compile", "bad.net"], "err"),
    (["compile", "bad.net", "-o", "r.txt"], "out"),
    (["compare", "tiny.net", "bad.net"], "err"),
    pytest.param(["export", "bad.net", "-o", "m.onnx"], "out", marks=needs_onnx),
    pytest.param(["bench", "bad.net"], "err", marks=needs_onnx),
    pytest.param(["roofline", "bad.net", "--device", "rpi4"], "err", marks=needs_plot),
    pytest.param(["roofline", "bad.net", "--device", "rpi4", "-o", "r.svg"], "out",
                 marks=needs_plot),
])
def test_every_command_fails_alike(capsys, files, argv, where) -> None:
    status, out, err = run(capsys, *argv, "--diagnostics", "json")
    document, other = (out, err) if where == "out" else (err, out)
    assert (status, other) == (1, "")
    assert codes(json.loads(document)) == BAD_CODES
    assert not (files / "m.onnx").exists() and not (files / "r.txt").exists()


@pytest.mark.parametrize(("argv", "where"), [
    (["check", "tiny.net"], "out"),
    (["compile", "tiny.net", "--format", "ir"], "err"),
    (["compile", "tiny.net", "-o", "r.json"], "out"),
    (["compare", "tiny.net", "tiny.net", "-o", "-"], "err"),
    (["sweep", "sized.net", "--grid", "c=4,8"], "err"),
    (["sweep", "sized.net", "--grid", "c=4,8", "-o", "s.csv"], "out"),
    pytest.param(["sweep", "sized.net", "--grid", "c=4,8", "-o", "s.svg"], "err",
                 marks=needs_plot),  # the table is printed beside the chart
    pytest.param(["bench", "tiny.net", "--runs", "5", "--warmup", "0", "-o", "b.json"],
                 "out", marks=needs_onnx),
    pytest.param(["roofline", "tiny.net", "--device", "rpi4"], "err", marks=needs_plot),
])
def test_where_the_document_of_a_success_goes(capsys, files, argv, where) -> None:
    (files / "sized.net").write_text("net sized(c=4):\n    input(8, 8, 3)\n    conv(c, 3)\n")
    status, out, err = run(capsys, *argv, "--diagnostics", "json")
    document = json.loads(out if where == "out" else err)
    assert status == 0 and document["ok"] and document["diagnostics"] == []
    if where == "out":
        assert err == ""
    else:
        assert out and "netdsl.diagnostics/1" not in out  # the report alone


@needs_onnx
def test_export_and_import_documents(capsys, files) -> None:
    status, out, err = run(capsys, "export", "tiny.net", "-o", "tiny.onnx",
                           "--diagnostics", "json")
    assert status == 0 and err.startswith("wrote tiny.onnx: network tiny, ")
    assert json.loads(out)["layers"] == 4
    status, out, err = run(capsys, "import", "tiny.onnx", "--diagnostics", "json")
    document = json.loads(err)  # the source is on standard output
    assert status == 0 and "\nnet tiny:\n" in out
    assert (document["file"], document["ok"], document["output_shape"]) == (
        "tiny.onnx", True, [10])


# --- every error, in the human and short forms ------------------------------------------------

def test_human_form_shows_each_error_with_its_caret(capsys, files) -> None:
    status, out, err = run(capsys, "check", "bad.net")
    assert (status, out) == (1, "")
    blocks = err.rstrip("\n").split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == [
        "error[E201]: unknown layer or block 'covn'",
        "error[E302]: 'conv' has no parameter 'strid'",
        "error[E202]: unknown name 'zz'",
    ]
    assert [block.splitlines()[4] for block in blocks] == [
        "  |     ^^^^", "  |                ^^^^^^^", "  |          ^^"]


def test_short_form_one_line_each_then_the_count_left_out(capsys, files) -> None:
    body = "".join(f"    conv({i}, 3, bad{i}=1)\n" for i in range(1, 26))
    (files / "many.net").write_text(f"net many:\n    input(8, 8, 3)\n{body}")
    status, _, err = run(capsys, "check", "many.net", "--diagnostics", "short")
    lines = err.splitlines()
    assert status == 1 and len(lines) == 21
    assert lines[0].startswith("many.net:3:16: error[E302]: 'conv' has no parameter 'bad1'")
    assert lines[-1] == "note: 5 more errors not shown"
    status, out, _ = run(capsys, "check", "many.net", "--diagnostics", "json")
    document = json.loads(out)
    assert (len(document["diagnostics"]), document["omitted"]) == (20, 5)


# --- colour: --color, then FORCE_COLOR, NO_COLOR and TERM -------------------------------------

class Stream(io.StringIO):
    """A standard stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("env", "options", "tty", "coloured"), [
    ({}, [], True, True),
    ({}, [], False, False),
    ({"NO_COLOR": "1"}, [], True, False),  # no-color.org: set and not empty
    ({"NO_COLOR": ""}, [], True, True),  # empty: as if unset
    ({"FORCE_COLOR": "1"}, [], False, True),  # force-color.org: set and not empty
    ({"FORCE_COLOR": "0"}, [], False, True),  # whatever the value
    ({"FORCE_COLOR": "false"}, [], False, True),
    ({"FORCE_COLOR": ""}, [], False, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False, True),  # applied after NO_COLOR
    ({"TERM": "dumb"}, [], True, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, [], False, True),
    ({"FORCE_COLOR": "1"}, ["--color", "never"], True, False),  # the command line wins
    ({"NO_COLOR": "1", "TERM": "dumb"}, ["--color", "always"], False, True),
    ({"FORCE_COLOR": "1"}, ["--diagnostics", "short"], True, False),  # human form only
    ({"FORCE_COLOR": "1"}, ["--diagnostics", "json"], True, False),
])
def test_colour_conventions_end_to_end(files, monkeypatch, env, options, tty,
                                       coloured) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out, err = Stream(tty), Stream(tty)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["check", "bad.net", *options]) == 1
    text = out.getvalue() + err.getvalue()
    assert ("\x1b[" in text) is coloured
    if coloured:
        assert text.startswith("\x1b[31;1merror[E201]\x1b[0m")
        assert text.count("\x1b[31;1merror[") == 3


def test_warnings_are_coloured_yellow(files, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr(sys, "stdout", Stream(False))
    err = Stream(False)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["check", "cf.net"]) == 0
    assert err.getvalue().startswith("\x1b[33;1mwarning[W401]\x1b[0m")
