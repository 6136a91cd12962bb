"""The command line against hostile input: odd output paths, closed streams, odd names.

The promise: exit status 0, 1 (a coded diagnostic) or 2 (usage), never a
traceback, and nothing of the user's overwritten: not an input, not a device
node such as /dev/null, not a directory.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from netdsl.cli import _use_color, main
from netdsl.diagnostics import printable

OK = "net t:\n    input(8, 8, 3)\n    conv(4, 3)\n"
BAD = "net t:\n    input(8, 8, 3)\n    conv(4, 9, pad=0)\n"
OK_LINE = "ok: network t, 2 layers, input 8x8x3, output 8x8x4\n"
NULL = os.makedev(1, 3)  # /dev/null's numbers on Linux


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def netdsl(*argv: str, shell: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """``python -m netdsl ARGV`` (through ``sh -c`` with ``shell`` redirections)."""
    command = [sys.executable, "-m", "netdsl", *argv]
    if shell is not None:
        command = ["sh", "-c", f'exec "$@" {shell}', "sh", *command]
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(command, check=False, timeout=120, **kwargs)


@pytest.fixture
def ok(tmp_path) -> str:
    path = tmp_path / "ok.net"
    path.write_text(OK)
    return str(path)


@pytest.fixture
def bad(tmp_path) -> str:
    path = tmp_path / "bad.net"
    path.write_text(BAD)
    return str(path)


def character_device(path: Path, numbers: int = NULL) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, numbers)
    except (AttributeError, OSError) as exc:
        pytest.skip(f"mknod is not permitted: {exc}")
    return path


def is_null_device(path: str | Path) -> bool:
    info = os.stat(path)
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == NULL


# --- -o onto devices, FIFOs, sockets and directories --------------------------------------

def test_output_onto_a_device_node_writes_through_it(capsys, tmp_path, ok) -> None:
    device = character_device(tmp_path / "X")
    assert run(capsys, "compile", ok, "-o", str(device)) == (0, "", "")
    assert is_null_device(device)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "ok.net"]  # no temporary


def test_output_onto_dev_null_leaves_it_a_device(capsys, ok) -> None:
    if not os.path.exists(os.devnull) or not is_null_device(os.devnull):
        pytest.skip("no /dev/null character device")
    assert run(capsys, "compile", ok, "-o", os.devnull, "--format", "json") == (0, "", "")
    assert run(capsys, "compile", ok, "-o", os.devnull, "--format", "png")[0] in (0, 1)
    assert is_null_device(os.devnull)
    assert not os.path.exists(f"{os.devnull}.dot")  # no DOT fallback beside a device


def test_output_onto_a_full_device_is_e100(capsys, ok) -> None:
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    assert run(capsys, "compile", ok, "-o", "/dev/full") == (
        1, "", "error[E100]: cannot write '/dev/full': No space left on device\n")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_output_into_a_fifo_writes_through_it(capsys, tmp_path, ok) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    status = main(["compile", ok, "-o", str(fifo), "--format", "json"])
    reader.join(timeout=60)
    assert status == 0
    assert json.loads(received[0])["network"] == "t"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_onto_a_socket_is_refused(capsys, tmp_path, ok, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a short name: socket paths are limited to ~100 bytes
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock")
        assert run(capsys, "compile", ok, "-o", "sock") == (
            1, "", "error[E100]: cannot write 'sock': it is a socket\n"
            " = help: give the name of a file with -o\n")
        assert stat.S_ISSOCK(os.stat("sock").st_mode)
    finally:
        server.close()


def test_output_onto_a_block_device_is_refused(capsys, tmp_path, ok) -> None:
    node = tmp_path / "disk"
    try:
        os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(7, 250))
    except (AttributeError, OSError) as exc:
        pytest.skip(f"mknod is not permitted: {exc}")
    assert run(capsys, "compile", ok, "-o", str(node)) == (
        1, "", f"error[E100]: cannot write '{node}': it is a block device\n"
        " = help: give the name of a file with -o\n")
    assert stat.S_ISBLK(os.stat(node).st_mode)


@pytest.mark.parametrize("name", ["a_directory", "a_directory/", "a_directory/.", "."])
def test_output_onto_a_directory_is_e100(capsys, tmp_path, ok, monkeypatch, name) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_directory").mkdir()
    assert run(capsys, "compile", ok, "-o", name) == (
        1, "", f"error[E100]: cannot write '{name}': it is a directory\n"
        " = help: give the name of a file in it\n")
    assert list((tmp_path / "a_directory").iterdir()) == []


@pytest.mark.parametrize("name", ["new/", "ok.net/"])
def test_output_name_ending_in_a_slash_is_e100(capsys, tmp_path, ok, monkeypatch,
                                               name) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "compile", ok, "-o", name) == (
        1, "", f"error[E100]: cannot write '{name}': a file name cannot end with '/'\n"
        " = help: give the name of a file with -o\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.net"]
    assert Path(ok).read_text() == OK


def test_empty_output_name_is_e100(capsys, ok) -> None:
    assert run(capsys, "compile", ok, "-o", "") == (
        1, "", "error[E100]: cannot write '': no file name\n"
        " = help: give the name of a file with -o\n")


def test_output_into_a_missing_directory_is_e100(capsys, tmp_path, ok) -> None:
    target = tmp_path / "no" / "r.txt"
    assert run(capsys, "compile", ok, "-o", str(target)) == (
        1, "", f"error[E100]: cannot write '{target}': No such file or directory\n")
    assert not (tmp_path / "no").exists()


def test_replacing_a_file_keeps_its_mode(capsys, tmp_path, ok) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    assert run(capsys, "compile", ok, "-o", str(target))[0] == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and target.read_text() != "old\n"


def test_a_new_file_gets_the_umask_mode(capsys, tmp_path, ok) -> None:
    umask = os.umask(0o022)
    try:
        assert run(capsys, "compile", ok, "-o", str(tmp_path / "new.txt"))[0] == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write any file")
def test_a_read_only_file_is_not_replaced(capsys, tmp_path, ok) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("mine\n")
    target.chmod(0o444)
    assert run(capsys, "compile", ok, "-o", str(target)) == (
        1, "", f"error[E100]: cannot write '{target}': Permission denied\n"
        " = help: the file is read-only\n")
    assert target.read_text() == "mine\n"


def test_output_over_a_hard_link_to_the_input_is_refused(capsys, tmp_path, ok) -> None:
    link = tmp_path / "other.txt"
    os.link(ok, link)
    status, _, err = run(capsys, "compile", ok, "-o", str(link))
    assert status == 1 and err.startswith("error[E100]: refusing to overwrite the input file")
    assert Path(ok).read_text() == OK


@pytest.fixture
def weights(tmp_path) -> str:
    np = pytest.importorskip("numpy")
    from netdsl import compile_string
    from netdsl.weights import graph_weights

    path = tmp_path / "w.npz"
    np.savez(path, **graph_weights(compile_string(OK, seed=0).graph))
    return str(path)


@pytest.mark.parametrize("onto", ["ok", "weights"])
def test_save_weights_onto_an_input_is_refused(capsys, ok, weights, onto) -> None:
    target = {"ok": ok, "weights": weights}[onto]
    before = Path(target).read_bytes()
    assert run(capsys, "compile", ok, "--weights", weights, "--save-weights", target) == (
        1, "", f"error[E100]: refusing to overwrite the input file '{target}'\n"
        " = help: choose another output file with -o\n")
    assert Path(target).read_bytes() == before


def test_report_and_weights_into_one_file_is_refused(capsys, tmp_path, ok,
                                                     monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "compile", ok, "--save-weights", "w.npz", "-o", "./w.npz") == (
        1, "", "error[E100]: -o and --save-weights name the same file './w.npz'\n"
        " = help: give them different files\n")
    assert not (tmp_path / "w.npz").exists()


def test_report_and_weights_both_to_stdout_is_refused(capsys, ok, weights) -> None:
    assert run(capsys, "compile", ok, "--weights", weights, "--save-weights", "-") == (
        1, "", "error[E100]: -o and --save-weights both write to standard output\n"
        " = help: give one of them a file\n")


@pytest.mark.parametrize("output", ["{ok}", "{tmp}/no/r.txt", "{tmp}"])
def test_no_weights_saved_when_the_report_cannot_be_written(capsys, tmp_path, ok, weights,
                                                            output) -> None:
    output = output.format(ok=ok, tmp=tmp_path)
    saved = tmp_path / "folded.npz"
    status, _, err = run(capsys, "compile", ok, "--weights", weights, "--save-weights",
                         str(saved), "-o", output)
    assert status == 1 and err.startswith("error[E100]: ")
    assert not saved.exists()


def test_weights_saved_beside_the_report(capsys, tmp_path, ok, weights) -> None:
    assert run(capsys, "compile", ok, "--weights", weights, "--save-weights",
               str(tmp_path / "folded.npz"), "-o", str(tmp_path / "r.json")) == (0, "", "")
    assert (tmp_path / "folded.npz").read_bytes()[:2] == b"PK"
    assert json.loads((tmp_path / "r.json").read_text())["network"] == "t"


@pytest.mark.parametrize("output", ["ok.net", "./ok.net"])
def test_compare_refuses_to_write_over_a_variant_input(capsys, tmp_path, ok, monkeypatch,
                                                       output) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "compare", "ok.net", "ok.net", "-o", output)
    assert (status, out) == (1, "")
    assert err.startswith(f"error[E100]: refusing to overwrite the input file '{output}'")
    assert Path(ok).read_text() == OK


def test_output_to_dev_stdout_writes_through_it(ok) -> None:
    if not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout")
    done = netdsl("compile", ok, "--format", "json", "-o", "/dev/stdout")
    assert (done.returncode, done.stderr) == (0, b"")
    assert json.loads(done.stdout)["network"] == "t"
    assert os.path.islink("/dev/stdout") or stat.S_ISCHR(os.stat("/dev/stdout").st_mode)


# --- closed standard streams --------------------------------------------------------------

def broken_pipe() -> int:
    """The write end of a pipe whose reader is gone."""
    read, write = os.pipe()
    os.close(read)
    return write


CLOSED_STDOUT = (b"error[E100]: cannot write to standard output: standard output is closed\n"
                 b" = help: write to a file with -o\n")


@pytest.mark.parametrize("command", ["compile", "check"])
def test_closed_stdout_is_exit_1(ok, command) -> None:
    done = netdsl(command, ok, shell=">&-")
    assert (done.returncode, done.stderr) == (1, CLOSED_STDOUT)


def test_closed_stdout_in_process(capsys, ok, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    status = main(["check", ok])
    assert (status, capsys.readouterr().err) == (1, CLOSED_STDOUT.decode())


def test_closed_stdout_and_stderr_is_exit_1(ok) -> None:
    done = netdsl("compile", ok, shell=">&- 2>&-")
    assert (done.returncode, done.stdout, done.stderr) == (1, b"", b"")


@pytest.mark.parametrize("shell", ["2>&-", ">/dev/null 2>&-"])
def test_errors_with_stderr_closed_still_exit_1(bad, shell) -> None:
    done = netdsl("check", bad, shell=shell)
    assert (done.returncode, done.stdout) == (1, b"")  # not on standard output instead


def test_errors_with_stderr_a_closed_pipe_still_exit_1(bad) -> None:
    write = broken_pipe()
    try:
        done = netdsl("check", bad, stderr=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stdout) == (1, b"")


def test_success_with_stderr_closed_is_exit_0(ok) -> None:
    done = netdsl("check", ok, "--diagnostics", "short", shell="2>&-")
    assert (done.returncode, done.stdout) == (0, f"{ok}: {OK_LINE}".encode())


def test_time_passes_to_a_closed_pipe_still_writes_the_report(ok, tmp_path) -> None:
    write = broken_pipe()
    target = tmp_path / "r.json"
    try:
        done = netdsl("compile", ok, "--time-passes", "--print-ir-after", "all",
                      "-o", str(target), stderr=write)
    finally:
        os.close(write)
    assert done.returncode == 0 and json.loads(target.read_text())["network"] == "t"


@pytest.mark.parametrize("argv", [["compile", "{ok}"], ["check", "{ok}"], ["passes"],
                                  ["compile", "{ok}", "--format", "png"], ["--help"],
                                  ["compile", "{resnet}"]])
def test_stdout_a_closed_pipe_is_a_quiet_exit_0(ok, argv) -> None:
    resnet = str(Path(__file__).resolve().parent.parent / "examples" / "resnet50.net")
    write = broken_pipe()
    try:
        done = netdsl(*(a.format(ok=ok, resnet=resnet) for a in argv), stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b"")


def test_stdout_full_is_e100(ok) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        for command in ("compile", "check"):
            done = netdsl(command, ok, stdout=full)
            assert (done.returncode, done.stderr) == (
                1, b"error[E100]: cannot write to standard output: No space left on device\n"
                b" = help: write to a file with -o\n")


def test_usage_error_with_stderr_closed_is_exit_2(ok) -> None:
    assert netdsl("check", ok, "--max-layers", "0", shell="2>&-").returncode == 2


# --- --max-layers ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["-1", "0", "many", "1.5"])
def test_max_layers_must_be_positive(capsys, ok, value) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", ok, "--max-layers", value])
    assert exit_.value.code == 2
    assert "argument --max-layers: expected a positive integer" in capsys.readouterr().err


def test_max_layers_limit_is_an_input_error(capsys, ok) -> None:
    status, _, err = run(capsys, "check", ok, "--max-layers", "1")
    assert status == 1 and err.startswith("error[E501]")


# --- file names with control characters ---------------------------------------------------

HOSTILE = "a\x1b[31mb\nc.net"
SHOWN = "a\\x1b[31mb\\nc.net"


def test_printable_escapes_only_what_cannot_be_printed() -> None:
    assert printable("plain/ümlaut\\name.net") == "plain/ümlaut\\name.net"
    assert printable(HOSTILE) == SHOWN
    assert printable("tab\there\x7f\udcff") == "tab\\there\\x7f\\udcff"


def test_hostile_name_in_check_line(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE).write_text(OK)
    assert run(capsys, "check", HOSTILE) == (0, f"{SHOWN}: {OK_LINE}", "")


def test_hostile_name_in_diagnostics(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE).write_text(BAD)
    status, _, err = run(capsys, "check", HOSTILE)
    assert status == 1 and f" --> {SHOWN}:3:5\n" in err and "\x1b" not in err
    status, _, err = run(capsys, "check", HOSTILE, "--diagnostics", "short")
    assert status == 1 and err.startswith(f"{SHOWN}:3:5: error[E403]: ")
    assert err.count("\n") == 1
    status, _, err = run(capsys, "check", HOSTILE, "--color", "always")
    assert status == 1 and f"{SHOWN}:3:5" in err and "\x1b[31;1m" in err
    assert "\x1b[31mb" not in err
    status, out, _ = run(capsys, "check", HOSTILE, "--diagnostics", "json")
    document = json.loads(out)
    assert document["file"] == HOSTILE  # the real names
    assert document["diagnostics"][0]["span"]["file"] == HOSTILE


def test_hostile_name_in_e100_messages(capsys, tmp_path, ok, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", HOSTILE) == (
        1, "", f"error[E100]: cannot read '{SHOWN}': No such file or directory\n")
    os.mkdir(HOSTILE)
    assert run(capsys, "compile", ok, "-o", HOSTILE) == (
        1, "", f"error[E100]: cannot write '{SHOWN}': it is a directory\n"
        " = help: give the name of a file in it\n")
    assert run(capsys, "compile", ok, "-o", f"{HOSTILE}/x/y.txt") == (
        1, "", f"error[E100]: cannot write '{SHOWN}/x/y.txt': No such file or directory\n")


def test_hostile_name_in_time_passes(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE).write_text(OK)
    status, _, err = run(capsys, "compile", HOSTILE, "--time-passes", "-o", "r.txt")
    assert status == 0 and f"# time per stage ({SHOWN}, " in err and "\x1b" not in err


def test_control_characters_in_a_source_line_are_escaped(capsys, tmp_path) -> None:
    path = tmp_path / "ctl.net"
    path.write_text("net t:\n    input(8, 8, 3)\n    \x07\n")
    status, _, err = run(capsys, "check", str(path))
    assert status == 1 and "\x07" not in err
    lines = err.splitlines()
    source = next(i for i, line in enumerate(lines) if line.startswith("3 |"))
    assert lines[source] == "3 |     \\x07"
    assert lines[source + 1] == "  |     ^^^^"


# --- colour ---------------------------------------------------------------------------------

class Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("env", "choice", "tty", "expected"), [
    ({}, "auto", True, True),
    ({}, "auto", False, False),
    ({"NO_COLOR": "1"}, "auto", True, False),
    ({"NO_COLOR": ""}, "auto", True, True),  # empty: not set
    ({"NO_COLOR": "1"}, "always", False, True),  # the command line wins
    ({"FORCE_COLOR": "1"}, "auto", False, True),
    ({"FORCE_COLOR": "0"}, "auto", False, True),  # any non-empty value
    ({"FORCE_COLOR": ""}, "auto", False, False),
    ({"FORCE_COLOR": "1"}, "never", True, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "auto", False, True),  # force-color.org's order
    ({"TERM": "dumb"}, "auto", True, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, "auto", False, True),
    ({"TERM": "dumb"}, "always", False, True),
])
def test_color_conventions(monkeypatch, env, choice, tty, expected) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _use_color(choice, Terminal(tty)) is expected


def test_color_of_a_closed_stream_is_off(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert _use_color("auto", None) is False


def test_force_color_colours_diagnostics(capsys, bad, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    status, _, err = run(capsys, "check", bad)
    assert status == 1 and err.startswith("\x1b[31;1merror[E403]")
