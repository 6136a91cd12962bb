"""Hostile source input: each case fails at once with a coded, located error, or compiles.

One regression test per class of defect found by fuzzing the source side: line ends
(the caret quoted another line than ``line:col`` named), undecodable bytes, unbounded
reads (``/dev/zero``, a FIFO without a writer), huge literals and deep nesting
(RecursionError or lark's VisitError), hostile imports, and the limits as options. Each
test names the minimal input and the exact code, line, column and quoted line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netdsl
from netdsl import cli
from netdsl.diagnostics import Diagnostic, Source
from netdsl.elaborate.elaborator import DEFAULT_MAX_NODES, parse_param_value
from netdsl.limits import Limits
from netdsl.reading import read_file
from netdsl.syntax.parser import parse

ROOT = Path(__file__).resolve().parent.parent
NET = "net t:\n    input(8, 8, 3)\n"
#: Every character str.splitlines() splits at but the lexer does not (besides \n and \r).
SEPARATORS = ["\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def failure(call) -> Diagnostic:
    """The single diagnostic ``call`` raises."""
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    (diagnostic,) = caught.value.diagnostics
    return diagnostic


def where(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    """Code, line, column and the source line the diagnostic quotes."""
    span = diagnostic.span
    assert span is not None
    return diagnostic.code, span.line, span.column, span.source.line(span.line)


def run_cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            **options) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "netdsl", *args], input=stdin,
                          capture_output=True, cwd=ROOT, env={**os.environ, **(env or {})},
                          timeout=60, check=False, **options)


def at_depth(frames: int, call):
    """``call()`` from ``frames`` Python frames deeper than here."""
    return call() if frames <= 0 else at_depth(frames - 1, call)


# ---- 1. line ends ----------------------------------------------------------------


def test_cr_and_crlf_end_lines_alike_in_the_api_and_the_cli(tmp_path: Path) -> None:
    text = "net t:\r    input(8, 8, 3)\r\n    relu $\r"
    expected = ("E101", 3, 10, "    relu $")
    assert where(failure(lambda: netdsl.compile_string(text, filename="t.net"))) == expected
    path = tmp_path / "t.net"
    path.write_bytes(text.encode())
    assert where(failure(lambda: netdsl.compile_file(path))) == expected
    process = run_cli("check", "-", "--diagnostics", "short", stdin=text.encode())
    assert (process.returncode, process.stderr.decode()) == (
        1, "<stdin>:3:10: error[E101]: unexpected character '$'\n")


@pytest.mark.parametrize("separator", SEPARATORS)
def test_other_line_separators_are_characters_the_lexer_refuses(separator: str) -> None:
    text = f"net t:\n    input(8, 8, 3){separator}    relu\n"
    diagnostic = failure(lambda: netdsl.compile_string(text, filename="t.net"))
    assert where(diagnostic) == ("E101", 2, 19, f"    input(8, 8, 3){separator}    relu")
    escaped = repr(separator)[1:-1]  # '\x0b', '\x85', '\u2028'
    assert diagnostic.message == f"unexpected character '{escaped}'"
    assert diagnostic.hint == f"U+{ord(separator):04X} is not allowed outside comments and " \
        "strings"


def test_the_caret_stays_under_an_escaped_separator() -> None:
    text = "net t:\n    input(8, 8, 3)\u2028    relu\n"
    assert failure(lambda: netdsl.compile_string(text, filename="t.net")).render() == (
        "error[E101]: unexpected character '\\u2028'\n"
        " --> t.net:2:19\n"
        "  |\n"
        "2 |     input(8, 8, 3)\\u2028    relu\n"
        "  |                   ^^^^^^\n"
        " = help: U+2028 is not allowed outside comments and strings")


def test_separators_in_comments_and_strings_do_not_shift_lines() -> None:
    text = ("# a\u2028b\x0bc\x85d\n"
            "let s = \"x\u2029y\x1c\"\n" + NET + "    relu $\n")
    assert where(failure(lambda: netdsl.compile_string(text))) == ("E101", 5, 10, "    relu $")


def test_a_form_feed_is_a_space_within_a_line() -> None:
    text = "net t:\n    input(8,\x0c8, 3)\n    relu $\n"
    assert where(failure(lambda: netdsl.compile_string(text))) == ("E101", 3, 10, "    relu $")


def test_source_lines_end_at_newlines_only() -> None:
    source = Source("x", "a\u2028b\x0cc\nd\n")
    assert source.lines == ("a\u2028b\x0cc", "d")
    assert (source.line(1), source.line(2), source.line(3)) == ("a\u2028b\x0cc", "d", "")


def test_an_unclosed_bracket_is_found_on_the_line_it_is_on() -> None:
    text = "# \u2028\u2028\n" + NET + "    conv(8,\n"
    assert where(failure(lambda: netdsl.compile_string(text))) == ("E105", 4, 9, "    conv(8,")


@st.composite
def program_with_a_stray_separator(draw: st.DrawFn) -> tuple[str, int, int, str]:
    """A valid network, separators hidden in comments, one stray separator in code."""
    lines = ["net t:", "    input(8, 8, 3)", "    conv(8, 3)", "    relu", "    gap"]
    for i in range(len(lines)):
        if draw(st.booleans()):
            noise = draw(st.text(st.sampled_from([*SEPARATORS, "\x0c", "a", " "]), max_size=4))
            lines[i] += f"  # {noise}"
    line = draw(st.integers(1, len(lines) - 1))
    code = lines[line].split("#")[0].rstrip()
    column = draw(st.integers(5, len(code)))  # after the indentation, within the code
    separator = draw(st.sampled_from(SEPARATORS))
    lines[line] = lines[line][:column] + separator + lines[line][column:]
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(lines) + ending, line + 1, column + 1, separator


@settings(max_examples=80, deadline=None)
@given(program_with_a_stray_separator())
def test_property_the_caret_points_at_the_stray_separator(case) -> None:
    text, line, column, separator = case
    diagnostic = failure(lambda: parse(text, "p.net"))
    code, got_line, got_column, quoted = where(diagnostic)
    assert (code, got_line, got_column) == ("E101", line, column)
    assert quoted[column - 1] == separator
    assert diagnostic.message == f"unexpected character '{repr(separator)[1:-1]}'"


ALPHABET = [*SEPARATORS, "\x0c", "\r", "\n", "\t", " ", "#", '"', "(", ")", ":", "a", "1",
            "net", "    ", "$"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40))
def test_property_every_diagnostic_quotes_the_line_it_names(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        parse(text, "p.net")
    except netdsl.NetdslError as exc:
        for diagnostic in exc.diagnostics:
            span = diagnostic.span
            if span is None:
                continue
            lines = span.source.lines
            assert 1 <= span.line <= len(lines) + 1
            quoted = span.source.line(span.line)
            assert quoted == (lines[span.line - 1] if span.line <= len(lines) else "")
            assert not any(c in quoted for c in "\r\n")
            assert span.column <= len(quoted) + 2
            if diagnostic.code == "E101":  # the caret is under the character named
                shown = repr(quoted[span.column - 1])[1:-1]
                assert diagnostic.message in (f"unexpected character '{shown}'",
                                              "unexpected character '\"'",
                                              "unexpected character '''")
            diagnostic.render()


# ---- 2. bytes that are not UTF-8 -----------------------------------------------------


def test_a_bad_byte_in_a_file_is_located_and_named(tmp_path: Path) -> None:
    path = tmp_path / "t.net"
    path.write_bytes(b"net t:\r\n    input(8, 8, 3)\r\n    relu # caf\xe9\r\n")
    diagnostic = failure(lambda: netdsl.compile_file(path))
    assert where(diagnostic) == ("E100", 3, 15, "    relu # caf\ufffd")
    assert diagnostic.message == "invalid UTF-8 byte 0xe9"
    assert diagnostic.hint == "netdsl reads source as UTF-8 text; save the file as UTF-8"


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.net"
    path.write_bytes(b"\xef\xbb\xbf" + NET.encode())
    assert netdsl.compile_file(path).output_shape == (8, 8, 3)


def test_stdin_is_read_as_bytes_whatever_pythonioencoding_says() -> None:
    text = (NET + "    relu  # caf\u00e9 \u2014 ok\n").encode()
    process = run_cli("check", "-", stdin=text, env={"PYTHONIOENCODING": "ascii"})
    assert (process.returncode, process.stdout.decode()) == (
        0, "-: ok: network t, 2 layers, input 8x8x3, output 8x8x3\n")
    process = run_cli("check", "-", "--diagnostics", "short",
                      stdin=text.replace(b"\xc3", b"\xff"), env={"PYTHONIOENCODING": "latin-1"})
    assert (process.returncode, process.stderr.decode()) == (
        1, "<stdin>:3:16: error[E100]: invalid UTF-8 byte 0xff (netdsl reads source as UTF-8 "
        "text; save the file as UTF-8)\n")


def test_closed_stdin_is_e100(monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    assert cli.main(["check", "-"]) == 1
    assert capsys.readouterr().err == (
        "error[E100]: cannot read standard input: it is closed\n"
        " = help: pipe the network in (netdsl check - < net.net) or give its file\n")


@pytest.mark.skipif(os.name != "posix", reason="closes descriptor 0 before exec")
def test_closed_stdin_in_a_real_process() -> None:
    process = run_cli("check", "-", "--diagnostics", "short", stdin=None,
                      preexec_fn=lambda: os.close(0))
    assert (process.returncode, process.stderr.decode()) == (
        1, "error[E100]: cannot read standard input: it is closed (pipe the network in "
        "(netdsl check - < net.net) or give its file)\n")


def test_a_module_that_is_not_utf8_is_located_in_the_module(tmp_path: Path) -> None:
    (tmp_path / "lib.net").write_bytes(b"block b():\n    relu  # \xff\n")
    main = tmp_path / "main.net"
    main.write_text('import "lib.net"\n' + NET)
    diagnostic = failure(lambda: netdsl.compile_file(main))
    assert where(diagnostic) == ("E100", 2, 13, "    relu  # \ufffd")
    assert diagnostic.span is not None
    assert diagnostic.span.filename == str(tmp_path / "lib.net")


# ---- 3. bounded input ----------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_stops_at_the_size_limit() -> None:
    diagnostic = failure(lambda: netdsl.compile_file(
        "/dev/zero", limits=Limits(max_source_bytes=4096)))
    assert (diagnostic.code, diagnostic.message, diagnostic.span) == (
        "E501", "'/dev/zero' is larger than the source size limit of 4 KiB", None)
    assert diagnostic.hint == ("raise the limit with --max-source-size BYTES or "
                               "Limits(max_source_bytes=N)")


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="needs /dev/urandom")
def test_stdin_from_dev_urandom_stops_at_the_size_limit() -> None:
    with open("/dev/urandom", "rb") as stream:
        process = subprocess.run(
            [sys.executable, "-m", "netdsl", "check", "-", "--max-source-size", "1000",
             "--diagnostics", "short"], stdin=stream, capture_output=True, cwd=ROOT,
            timeout=60, check=False)
    assert (process.returncode, process.stderr.decode()) == (
        1, "error[E501]: standard input is larger than the source size limit of 1,000 bytes "
        "(raise the limit with --max-source-size BYTES or Limits(max_source_bytes=N))\n")


def test_a_file_at_the_limit_compiles_and_one_byte_more_does_not(tmp_path: Path) -> None:
    path = tmp_path / "t.net"
    path.write_text(NET)
    size = len(NET.encode())
    assert netdsl.compile_file(path, limits=Limits(max_source_bytes=size)).output_shape == (
        8, 8, 3)
    assert failure(lambda: netdsl.compile_file(
        path, limits=Limits(max_source_bytes=size - 1))).message == (
        f"'{path}' is larger than the source size limit of {size - 1} bytes")


def test_a_string_is_held_to_the_same_limit() -> None:
    text = NET + "# " + "\u00e9" * 30 + "\n"  # 59 characters, 89 bytes in UTF-8
    assert netdsl.compile_string(text, limits=Limits(max_source_bytes=89)).output_shape
    assert failure(lambda: netdsl.compile_string(
        text, filename="t.net", limits=Limits(max_source_bytes=88))).message == (
        "'t.net' is larger than the source size limit of 88 bytes")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_without_a_writer_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.net"
    os.mkfifo(fifo)
    diagnostic = failure(lambda: read_file(fifo, Limits(), fifo_wait=0.05))
    assert (diagnostic.code, diagnostic.message) == (
        "E100", f"no data arrived on FIFO '{fifo}' within 0.05 s")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_with_a_slow_writer_is_waited_for(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.net"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as stream:  # blocks until the reader opens the FIFO
            time.sleep(0.2)  # longer than fifo_wait: a writer is there, so it is waited for
            stream.write(NET)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert read_file(fifo, Limits(), fifo_wait=0.05) == NET
    finally:
        writer.join()


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_pipe_path_like_process_substitution_compiles() -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, NET.encode())
        os.close(write_end)  # the writer has finished, as `cat` has in <(cat t.net)
        write_end = -1
        result = netdsl.compile_file(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    assert result.output_shape == (8, 8, 3)


def test_a_directory_is_e100() -> None:
    diagnostic = failure(lambda: netdsl.compile_file(ROOT / "examples"))
    assert (diagnostic.code, diagnostic.message, diagnostic.hint) == (
        "E100", f"cannot read '{ROOT / 'examples'}': it is a directory",
        "give the path of a .net file")


# ---- 4. literals and nesting ---------------------------------------------------------


def test_a_literal_of_4301_digits_is_e501_located() -> None:
    text = NET + "    let x = " + "1" * 4301 + "\n"
    diagnostic = failure(lambda: netdsl.compile_string(text))
    assert where(diagnostic)[:3] == ("E501", 3, 13)
    assert diagnostic.message == "a number of 4,301 digits is too long"
    assert diagnostic.hint == ("number literals have at most 100 digits; write a large number "
                               "as an expression, such as 10**400")


def test_literals_up_to_the_limit_parse_and_floats_count_too() -> None:
    (item,) = parse("let x = " + "9" * 100 + "\n").items
    assert item.value.value == 10**100 - 1
    assert failure(lambda: parse("let x = 1." + "0" * 100 + "\n")).message == (
        "a number of 101 digits is too long")
    (item,) = parse("let x = " + "9" * 150 + "\n", limits=Limits(max_literal_digits=150)).items
    assert item.value.value == 10**150 - 1


def test_a_float_literal_beyond_the_float_range_is_e306() -> None:
    diagnostic = failure(lambda: netdsl.compile_string(NET + "    let x = 1e999\n"))
    assert where(diagnostic) == ("E306", 3, 13, "    let x = 1e999")
    assert diagnostic.message == "the number 1e999 is out of range"


def test_products_are_held_to_4096_bits_and_floats_to_finite_values() -> None:
    text = NET + "    let a = 10**1000\n    let x = a * a * a * a * a\n"
    diagnostic = failure(lambda: netdsl.compile_string(text))
    assert (*where(diagnostic)[:3], diagnostic.message) == ("E501", 4, 13, "number too large")
    diagnostic = failure(lambda: netdsl.compile_string(NET + "    let x = 1e308 * 10\n"))
    assert (*where(diagnostic)[:3], diagnostic.message) == (
        "E306", 3, 13, "the result of '*' is out of range")


def test_brackets_nested_300_deep_are_e501_at_the_101st() -> None:
    text = NET + "    let x = " + "abs(" * 300 + "1" + ")" * 300 + "\n"
    diagnostic = failure(lambda: netdsl.compile_string(text))
    assert where(diagnostic)[:3] == ("E501", 3, 12 + 4 * 100 + 4)  # the 101st '('
    assert diagnostic.message == "brackets nested deeper than 100 levels"
    assert diagnostic.hint == ("move a part into a let or a def, or raise the limit with "
                               "--max-nesting N or Limits(max_nesting=N)")


def test_nested_blocks_are_e501_at_the_block_too_deep() -> None:
    lines = [NET.rstrip("\n")] + ["    " * (i + 1) + "if true:" for i in range(150)]
    text = "\n".join(lines) + "\n" + "    " * 151 + "relu\n"
    diagnostic = failure(lambda: netdsl.compile_string(text))
    # input and the first 'if' are at level 1, the 100th 'if' (line 102) at level 100:
    # its condition, at level 101, is the first construct too deep.
    assert where(diagnostic) == ("E501", 102, 404, "    " * 100 + "if true:")
    assert diagnostic.message == "expression or block nested deeper than 100 levels"


def expression(kind: str, n: int) -> str:
    """A network whose constant nests ``n`` levels of one kind of construct."""
    nested = {
        "call": "abs(" * n + "1" + ")" * n,
        "list": "[" * n + "1" + "]" * n,
        "minus": "-" * n + "1",
        "not": "not " * n + "true",
        "power": "1 ** " * n + "1",
        "parenthesised sum": "(1 + " * n + "1" + ")" * n,
        "conditional": "1 if false else " * n + "2",
        "index": "[0][" * n + "0" + "]" * n,
    }[kind]
    return NET + f"    let x = {nested}\n"


def blocks(kind: str, n: int) -> str:
    """A network whose body nests ``n`` blocks of one kind."""
    header = {"if": "if true:", "repeat": "repeat 1:", "for": "for i in [1]:",
              "residual": "residual:"}[kind]
    lines = ["    " * (i + 1) + header for i in range(n)]
    return NET + "\n".join(lines) + "\n" + "    " * (n + 1) + "relu\n"


# The deepest each construct may go under the default limit of 100: a let is one
# level, its value a second, so an expression may nest 98 more (99 for a condition;
# 97 for [0][[0][...]], whose list holds its 0 one level further in).
DEEPEST = [("call", expression, 98), ("list", expression, 98), ("minus", expression, 98),
           ("not", expression, 98), ("power", expression, 98),
           ("parenthesised sum", expression, 98), ("conditional", expression, 98),
           ("index", expression, 97), ("if", blocks, 99),
           ("repeat", blocks, 99), ("for", blocks, 98), ("residual", blocks, 99)]


@pytest.mark.parametrize(("kind", "make", "deepest"), DEEPEST,
                         ids=[kind for kind, _, _ in DEEPEST])
def test_nesting_is_decided_by_the_limit_not_by_the_callers_stack(kind, make, deepest) -> None:
    limit = sys.getrecursionlimit()
    outcomes = []
    for frames in (0, 600, limit - 60):
        result = at_depth(frames, lambda: netdsl.compile_string(make(kind, deepest)))
        too_deep = failure(lambda frames=frames: at_depth(
            frames, lambda: netdsl.compile_string(make(kind, deepest + 1))))
        outcomes.append((result.output_shape, too_deep.code, too_deep.message))
    assert outcomes[0][1:] == ("E501", "expression or block nested deeper than 100 levels")
    assert outcomes == [outcomes[0]] * 3
    assert sys.getrecursionlimit() == limit  # raised while compiling, then restored


def test_a_flat_chain_of_500_terms_is_length_not_nesting() -> None:
    for chain, channels in [(" + ".join(["1"] * 500), 500), (" * ".join(["1"] * 5000), 1),
                            ("1000" + " - 1" * 500, 500),
                            (" + ".join(["1 + 2 * 3 - 1"] * 300), 1800)]:
        text = NET.replace("input(8, 8, 3)", f"input(8, 8, {chain})")
        assert netdsl.compile_string(text).output_shape == (8, 8, channels)
    text = NET + "    relu if " + " and ".join(["true"] * 500) + "\n"  # flat in the AST
    assert len(netdsl.compile_string(text).graph) == 2


def test_a_runaway_prefix_chain_stops_before_it_is_parsed_whole() -> None:
    """``- - ... 1`` nests (a right-nested form): the parse stops as its stack outgrows
    the limit, at once, instead of parsing all of it before the AST check."""
    text = NET + "    let x = " + "-" * 1_000_000 + "1\n"
    diagnostic = failure(lambda: netdsl.compile_string(text))
    # At the '-' where the parser's stack first holds more than 16 * 100 + 64 entries.
    assert (*where(diagnostic)[:3], diagnostic.message) == (
        "E501", 3, 1668, "expression or block nested deeper than 100 levels")


def test_a_flat_chain_from_the_command_line() -> None:
    assert parse_param_value(" + ".join(["1"] * 500), "a") == 500


def test_a_value_past_the_limits_from_the_command_line_says_why() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        parse_param_value("1" * 4301, "a")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, [n.message for n in diagnostic.notes]) == (
        "E309", ["a number of 4,301 digits is too long"])


def test_a_recursive_function_with_a_deep_body_stops_at_the_call() -> None:
    body = "abs(" * 90 + "f(n - 1)" + ")" * 90
    text = f"def f(n) = 0 if n == 0 else {body}\n" + NET + "    let x = f(199)\n"
    diagnostic = failure(lambda: netdsl.compile_string(text, filename="t.net"))
    assert where(diagnostic)[:3] == ("E501", 1, 29 + 4 * 90)
    assert diagnostic.message == "function 'f' recurses too deeply"


def test_the_nesting_limit_is_an_option() -> None:
    text = expression("call", 10)
    assert netdsl.compile_string(text).output_shape == (8, 8, 3)
    diagnostic = failure(lambda: netdsl.compile_string(text, limits=Limits(max_nesting=8)))
    assert (*where(diagnostic)[:3], diagnostic.message) == (
        "E501", 3, 12 + 4 * 8 + 4, "brackets nested deeper than 8 levels")


# ---- 5. imports ----------------------------------------------------------------------


def test_an_import_name_too_long_for_the_system_is_e100_at_the_import() -> None:
    text = 'import "' + "a" * 5000 + '.net"\n' + NET
    diagnostic = failure(lambda: netdsl.compile_string(text, filename="t.net"))
    assert where(diagnostic)[:3] == ("E100", 1, 1)
    assert diagnostic.message == (
        "cannot read module '" + "a" * 51 + "..." + "a" * 22 + ".net': File name too long")


def test_an_import_of_a_file_that_is_not_a_net_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    main = tmp_path / "main.net"
    main.write_text('import "secret.txt"\n' + NET)
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_file(main)
    (diagnostic,) = caught.value.diagnostics
    assert where(diagnostic) == ("E207", 1, 1, 'import "secret.txt"')
    assert diagnostic.message == "cannot import 'secret.txt': not a .net file"
    assert diagnostic.hint == "an import names a netdsl module, a file ending in .net"
    assert "root:" not in caught.value.render()


def test_a_module_past_the_size_limit_is_e501_at_the_import(tmp_path: Path) -> None:
    (tmp_path / "lib.net").write_text("block b():\n    relu\n" + "# padding\n" * 100)
    main = tmp_path / "main.net"
    main.write_text(NET + "import lib\n")
    diagnostic = failure(lambda: netdsl.compile_file(main, limits=Limits(max_source_bytes=500)))
    assert where(diagnostic) == ("E501", 3, 1, "import lib")
    assert diagnostic.message == "module 'lib' is larger than the source size limit of 500 bytes"


# ---- 6. limits as options ------------------------------------------------------------


def test_limits_defaults_and_validation() -> None:
    assert Limits() == Limits(max_source_bytes=8 * 1024 * 1024, max_nesting=100,
                              max_literal_digits=100, max_nodes=1_000_000)
    assert Limits().max_nodes == DEFAULT_MAX_NODES
    for bad in ({"max_nesting": 0}, {"max_source_bytes": -1}, {"max_nodes": True},
                {"max_literal_digits": 1.5}, {"max_nesting": 1001}):
        with pytest.raises(ValueError):
            Limits(**bad)


def test_max_nodes_still_works_and_wins_over_limits() -> None:
    text = NET + "    relu * 50\n"
    assert netdsl.compile_string(text, max_nodes=51).output_shape == (8, 8, 3)
    assert failure(lambda: netdsl.compile_string(text, limits=Limits(max_nodes=50))).code == \
        "E501"
    assert netdsl.compile_string(text, limits=Limits(max_nodes=50),
                                 max_nodes=51).options.max_nodes == 51


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--max-nesting", "0", "expected a positive integer, got 0"),
    ("--max-nesting", "1001", "expected a positive integer up to 1,000, got 1001"),
    ("--max-source-size", "-1", "expected a positive integer, got -1"),
    ("--max-source-size", "8M", "expected a positive integer, got '8M'"),
])
def test_limit_options_refuse_bad_values_as_usage_errors(
        option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "examples/mobilenet_v2.net", option, value])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"netdsl check: error: argument {option}: {message}")


def test_limit_options_reach_the_compiler(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "examples" / "mobilenet_v2.net")
    assert cli.main(["check", path, "--max-source-size", "100", "--diagnostics", "short"]) == 1
    assert capsys.readouterr().err == (
        f"error[E501]: '{path}' is larger than the source size limit of 100 bytes (raise the "
        "limit with --max-source-size BYTES or Limits(max_source_bytes=N))\n")
    assert cli.main(["check", path, "--max-nesting", "3", "--diagnostics", "short"]) == 1
    assert "error[E501]: expression or block nested deeper than 3 levels" in \
        capsys.readouterr().err
