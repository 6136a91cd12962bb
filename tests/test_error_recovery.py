"""Error recovery: one compilation reports every independent error of a file.

Each statement is checked on its own; one that reads what a failed statement should
have made is skipped silently, so that a mistake is reported once, not again by
every layer after it. The first error is always the one compilation stops at alone.
"""

from __future__ import annotations

import pickle
import re
import textwrap

import pytest

import netdsl
from netdsl.elaborate.elaborator import MAX_ERRORS


def failure(text: str, **options) -> netdsl.NetdslError:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(textwrap.dedent(text), filename="t.net", **options)
    return caught.value


def found(text: str, **options) -> list[tuple[str, int, int, str]]:
    """(code, line, column, message) of each diagnostic, in order."""
    return [(d.code, d.span.line, d.span.column, d.message)
            for d in failure(text, **options).diagnostics]


def test_every_unknown_name_and_bad_argument_in_one_run() -> None:
    assert found("""\
        net t(width=8):
            input(32, 32, 3)
            covn(width, 3)
            conv(width, 3, strid=2)
            x = conv(width * zz, 3)
            conv(-1, 3)
            maxpool(3, 2, pad="x")
            conv(4, 3, s=2, s=1)
            conv()
            fc(10)
        """) == [
        ("E201", 3, 5, "unknown layer or block 'covn'"),
        ("E302", 4, 20, "'conv' has no parameter 'strid'"),
        ("E202", 5, 22, "unknown name 'zz'"),
        ("E306", 6, 10, "'conv': c must be at least 1, got -1"),
        ("E304", 7, 19, "'maxpool': pad must be an integer, got string \"x\""),
        ("E303", 8, 21, "argument 's' of 'conv' is given twice"),
        ("E301", 9, 5, "'conv' is missing the argument 'c'"),
    ]


def test_what_reads_a_failed_statement_is_skipped_silently() -> None:
    # x never existed: its channels, the add, the from and the layers after them are
    # not errors of their own. A bad keyword after them still is.
    assert found("""\
        net t:
            input(8, 8, 3)
            x = covn(8, 3)
            conv(x.c, 3)
            add(x)
            from x
            conv(4, 9, pad=0)
            conv(4, 3, bogus=1)
        """) == [
        ("E201", 3, 9, "unknown layer or block 'covn'"),
        ("E302", 8, 16, "'conv' has no parameter 'bogus'"),
    ]


def test_a_failed_input_silences_what_reads_in() -> None:
    assert found("""\
        net t:
            input(size, 8, 3)
            conv(in.c * 2, 3)
            conv(4, 3, bogus=1)
            conv(4, "x")
        """) == [
        ("E202", 2, 11, "unknown name 'size'"),
        ("E302", 4, 16, "'conv' has no parameter 'bogus'"),
        ("E304", 5, 13, "'conv': k must be an integer, got string \"x\""),
    ]


def test_a_missing_input_is_one_error() -> None:
    assert found("""\
        net t:
            conv(8, 3)
            relu
            fc(10)
        """) == [("E401", 2, 5, "'conv' has no input")]


def test_shape_errors_on_independent_paths() -> None:
    # The layer after the first E403 reads its output: silent. From x on, the path
    # is sound again, and its own E403 is reported; so is the E405 of the merge.
    assert found("""\
        net t:
            input(8, 8, 3)
            x = conv(4, 3)
            conv(4, 9, pad=0)
            conv(8, 3)
            from x
            conv(4, 11, pad=0)
            from x
            add:
                | conv(4, 1)
                | conv(4, 1, s=2)
            relu
        """) == [
        ("E403", 4, 5, "kernel of extent 9 is larger than the padded input (8 + 0 + 0)"),
        ("E403", 7, 5, "kernel of extent 11 is larger than the padded input (8 + 0 + 0)"),
        ("E405", 9, 5, "cannot add tensors of shapes 8x8x4 and 4x4x4"),
    ]


def test_an_error_in_a_block_is_reported_once_with_its_call() -> None:
    exc = failure("""\
        block b(c):
            conv(c, 3, strid=2)
            relu
        net t:
            input(8, 8, 3)
            b(4)
            b(4)
            b(8) * 3
            conv(0, 1)
        """)
    first, second = exc.diagnostics
    assert (first.code, first.span.line, [(n.message, n.span.line) for n in first.notes]) == (
        "E302", 2, [("in block 'b' called here", 6)])
    assert (second.code, second.span.line, second.message) == (
        "E306", 9, "'conv': c must be at least 1, got 0")


def test_a_block_called_with_different_bad_values_names_each_call() -> None:
    exc = failure("""\
        block b(c):
            conv(c, 3)
        net t:
            input(8, 8, 3)
            b(-1)
            b(-2)
            for c in [-3, -4]:
                b(c)
        """)
    # The loop's calls are one call site: its first failure stands for both.
    assert [(d.message, [n.span.line for n in d.notes]) for d in exc.diagnostics] == [
        ("'conv': c must be at least 1, got -1", [5]),
        ("'conv': c must be at least 1, got -2", [6]),
        ("'conv': c must be at least 1, got -3", [8]),
    ]


def test_a_loop_reports_its_error_once() -> None:
    assert found("""\
        net t:
            input(8, 8, 3)
            for i in range(30):
                conv(-i - 1, 3)
            repeat 5:
                conv(4, 3, bad=1)
        """) == [
        ("E306", 4, 14, "'conv': c must be at least 1, got -1"),
        ("E302", 6, 20, "'conv' has no parameter 'bad'"),
    ]


def test_unknown_parameters_lets_and_defaults() -> None:
    assert found("""\
        let a = nope
        net t(w=4, h=zz, k):
            input(8, 8, 3)
            conv(w * a, 3)
            conv(h, 3)
            conv(4, 3, q=1)
        """, params={"wdth": 3, "x": 1}) == [
        ("E203", 2, 1, "network 't' has no parameter 'wdth'"),
        ("E203", 2, 1, "network 't' has no parameter 'x'"),
        ("E202", 2, 14, "unknown name 'zz'"),
        ("E301", 2, 18, "network parameter 'k' has no default and no value"),
        ("E202", 1, 9, "unknown name 'nope'"),
        ("E302", 6, 16, "'conv' has no parameter 'q'"),
    ]


def test_a_size_limit_stops_at_once_after_the_errors_found() -> None:
    assert [d.code for d in failure("""\
        net t:
            input(8, 8, 3)
            covn(3)
            let n = 100
            relu * n
            conv(4, 3, bogus=1)
        """, max_nodes=50).diagnostics] == ["E201", "E501"]


@pytest.mark.parametrize("mistake", [
    "covn(8, 3)", "conv(8, 3, strid=1)", "conv(zz, 3)", "conv(8, 9, pad=0)", "conv(-8, 3)",
    "add(nothing)", "from nothing", "input(8, 8, 3)",
])
def test_the_first_error_is_the_one_compilation_stops_at(mistake: str) -> None:
    head = "block b(c):\n    conv(c, 3)\nnet t:\n    input(8, 8, 3)\n    b(4)\n"
    alone = failure(f"{head}    {mistake}\n")
    (only,) = alone.diagnostics
    more = failure(f"{head}    {mistake}\n    conv(4, 3, bogus=1)\n    b(-1)\n    fc(zz)\n")
    assert more.diagnostics[0] == only
    assert more.render().startswith(alone.render() + "\n\nerror[")
    assert len(more.diagnostics) > 1


def test_twenty_errors_are_shown_and_the_rest_counted() -> None:
    body = "".join(f"    conv({i}, 3, bad{i}=1)\n" for i in range(1, 31))
    exc = failure(f"net t:\n    input(8, 8, 3)\n{body}")
    assert len(exc.diagnostics) == MAX_ERRORS == 20
    assert exc.diagnostics[-1].message == "'conv' has no parameter 'bad20'"
    assert (exc.omitted, exc.omitted_at_least) == (10, False)
    rendered = exc.render()
    carets = [line for line in rendered.splitlines() if re.fullmatch(r" +\| +\^+", line)]
    assert len(carets) == 20  # each error with its caret
    assert rendered.endswith("\n\nnote: 10 more errors not shown")
    short = exc.render_short().splitlines()
    assert len(short) == 21 and short[-1] == "note: 10 more errors not shown"
    assert short[0] == ("t.net:3:16: error[E302]: 'conv' has no parameter 'bad1' "
                        "(its parameters are (c, k, s, pad, dilation, groups, bias))")
    assert str(exc) == exc.render_short()
    assert exc.to_dict()["omitted"] == 10


def test_checking_stops_after_a_thousand_errors() -> None:
    body = "".join(f"    conv({i}, 3, bad{i}=1)\n" for i in range(1, 1501))
    exc = failure(f"net t:\n    input(8, 8, 3)\n{body}")
    assert (len(exc.diagnostics), exc.omitted, exc.omitted_at_least) == (20, 980, True)
    assert exc.render_short().splitlines()[-1] == "note: at least 980 more errors not shown"


def test_a_file_that_compiles_is_unchanged() -> None:
    result = netdsl.compile_string("net t:\n    input(8, 8, 3)\n    conv(4, 3)\n    fc(10)\n")
    assert (len(result.graph), result.output_shape) == (3, (10,))


def test_an_error_pickles_with_its_diagnostics() -> None:
    body = "".join(f"    conv({i}, 3, bad{i}=1)\n" for i in range(1, 24))
    exc = failure(f"net t:\n    input(8, 8, 3)\n{body}")
    copy = pickle.loads(pickle.dumps(exc))  # as a worker process would send it
    assert copy.diagnostics == exc.diagnostics and len(copy.diagnostics) == 20
    assert (copy.omitted, copy.render(), str(copy)) == (3, exc.render(), str(exc))


#: A failed statement of each kind: an unknown layer (E201), a bad argument (E304), a
#: shape that does not fit (E405, E403) and a failed input (E202).
FAILED_STATEMENTS = {
    "E201": ["covn(8, 3)"],
    "E304": ['conv("w", 3)'],
    "E405": ["x = conv(8, 1)", "conv(4, 1)", "add(x)"],
    "E403": ["conv(4, 99, pad=0)"],
}


@pytest.mark.parametrize("code", sorted(FAILED_STATEMENTS))
@pytest.mark.parametrize("layer", ["dwconv(3)", "dwconv(5, 2, mult=2)", "instancenorm",
                                   "std.dwsep(8)", "residual:\n        dwconv(3)"])
def test_layers_reading_the_input_channels_are_skipped_after_a_failure(
        code: str, layer: str) -> None:
    """dwconv and instancenorm take their channels from the input: after a failed
    statement they used to report E402 'expects an HxWxC input, got ' (an empty shape)."""
    lines = "".join(f"    {line}\n" for line in FAILED_STATEMENTS[code])
    (only,) = failure(f"import std\nnet t:\n    input(32, 32, 3)\n{lines}    {layer}\n    relu\n"
                      ).diagnostics
    assert only.code == code


def test_a_failed_input_skips_dwconv_and_instancenorm_but_not_their_bad_arguments() -> None:
    # Their arguments do not depend on the input: a bad one is still an error of its own.
    assert found("""\
        net t:
            input(size, 8, 3)
            dwconv(3)
            instancenorm()
            dwconv(3, mult=0)
            dwconv(4, bias=2)
            instancenorm(eps=-1)
            dwconv(3)
        """) == [
        ("E202", 2, 11, "unknown name 'size'"),
        ("E306", 5, 15, "'dwconv': mult must be at least 1, got 0"),
        ("E304", 6, 15, "'dwconv': bias must be true or false, got int 2"),
        ("E306", 7, 18, "'instancenorm': eps must be 0 or more, got -1"),
    ]


def test_dwconv_on_a_sound_input_still_checks_its_rank() -> None:
    assert found("""\
        net t:
            input(32, 32, 3)
            covn(8)
            from in
            flatten
            dwconv(3)
        """) == [
        ("E201", 3, 5, "unknown layer or block 'covn'"),
        ("E402", 6, 5, "'dwconv' expects an HxWxC input, got 3072"),
    ]
