"""One test per error code, comparing the whole rendered message.

Most codes come from a file ``tests/fixtures/errors/CODE.net`` whose rendered
diagnostic (code, message, location, source line, caret, notes, hint) is in
``CODE.txt``; rewrite those with ``pytest --update-golden`` and review them.
The rest (command-line values, passes, missing files) are raised through the
API and compared here in full.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

import netdsl
from netdsl.diagnostics import ERROR_CODES
from netdsl.elaborate.elaborator import parse_param_value
from netdsl.ir.ops import infer_shape
from netdsl.ir.windows import ShapeError
from netdsl.passes import check_pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "errors"
CASES = sorted(p.stem for p in FIXTURES.glob("E*.net"))  # CODE or CODE-what
FILE_CODES = {case.split("-")[0] for case in CASES}
# E801 and E802 (Graphviz) are tested in test_diagrams.py, E901 to E906 (ONNX) in
# test_onnx_export.py, test_onnx_import.py and test_bench.py.
# E701, E702 and E703 (weights) are also tested at length in test_robust_weights.py.
API_CODES = {"E100", "E203", "E309", "E407", "E601", "E602", "E603", "E701", "E702", "E703",
             "E704",
             "E801", "E802", "E901", "E902", "E903", "E904", "E905", "E906",
             "E605", "E606"}  # device profiles: tested in tests/test_devices.py


def rendered(call) -> str:
    with pytest.raises(netdsl.NetdslError) as caught:
        call()
    return caught.value.render(color=False)


@pytest.mark.parametrize("case", CASES)
def test_error_fixture(case: str, request: pytest.FixtureRequest) -> None:
    os.chdir(ROOT)  # messages show the path as given, relative to the project
    path = FIXTURES.relative_to(ROOT) / f"{case}.net"
    message = rendered(lambda: netdsl.compile_file(path)) + "\n"
    assert message.startswith(f"error[{case.split('-')[0]}]")
    expected = FIXTURES / f"{case}.txt"
    if request.config.getoption("--update-golden") or os.environ.get("NETDSL_UPDATE_GOLDEN"):
        expected.write_text(message)
    assert message == expected.read_text()


def test_every_code_is_tested() -> None:
    assert set(ERROR_CODES) == set(FILE_CODES) | API_CODES


def test_e100_missing_file() -> None:
    assert rendered(lambda: netdsl.compile_file("no/such.net")) == (
        "error[E100]: cannot read 'no/such.net': No such file or directory")


def test_e203_unknown_parameter() -> None:
    text = "net t(width=4):\n    input(8, 8, 3)\n"
    assert rendered(lambda: netdsl.compile_string(text, filename="t.net",
                                                  params={"widht": 8})) == textwrap.dedent("""\
        error[E203]: network 't' has no parameter 'widht'
         --> t.net:1:1
          |
        1 | net t(width=4):
          | ^^^^^^^^^^^^^^^
         = help: did you mean 'width'?""")


def test_e309_bad_value_from_the_command_line() -> None:
    assert rendered(lambda: parse_param_value("1.4.2", "alpha")) == (
        "error[E309]: invalid value for parameter 'alpha': '1.4.2'\n"
        " = help: write a number, true/false, a list like [3, 4, 6, 3], or a quoted string")


def test_e407_empty_output() -> None:
    """The argument checks stop every empty shape a user can write before it reaches a
    shape rule, so E407 is the last line of defence, tested at the rule itself."""
    from netdsl.ir.ops import Dense

    with pytest.raises(ShapeError) as caught:
        infer_shape(Dense(0), [(4,)])
    assert (caught.value.code, caught.value.message) == ("E407", "the output would be empty (0)")


def test_e703_bad_seed() -> None:
    text = "net t:\n    input(4)\n    fc(2)\n"
    assert rendered(lambda: netdsl.compile_string(text, seed=-1)) == (
        "error[E703]: seed=-1 is out of range\n"
        " = help: seed= is an integer from 0 to 2**63 - 1 (9,223,372,036,854,775,807), "
        "e.g. seed=0")


def test_e601_e602_passes() -> None:
    assert rendered(lambda: check_pipeline(["infer-shapes", "fold-batchnrom"])) == (
        "error[E601]: unknown pass 'fold-batchnrom'\n = help: did you mean 'fold-batchnorm'?")
    assert rendered(lambda: check_pipeline(["annotate-cost"])) == (
        "error[E602]: pass 'annotate-cost' requires 'infer-shapes' to run before it\n"
        " = help: add infer-shapes earlier in --passes")


def test_one_line_and_json_forms() -> None:
    os.chdir(ROOT)
    path = FIXTURES.relative_to(ROOT) / "E405.net"
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_file(path)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.one_line() == (
        f"{path}:3:5: error[E405]: cannot add tensors of shapes 8x8x8 and 4x4x8 "
        "(add needs equal shapes; a projection shortcut (1x1 conv) can match them)")
    data = json.loads(caught.value.to_json())["diagnostics"][0]
    assert data["code"] == "E405" and data["severity"] == "error"
    assert data["span"] == {"file": str(path), "line": 3, "column": 5, "end_line": 3,
                            "end_column": 9}
    assert [n["span"]["line"] for n in data["notes"]] == [4, 5]


def test_size_limit_is_configurable() -> None:
    text = "net t:\n    input(8, 8, 3)\n    relu * 50\n"
    assert netdsl.compile_string(text, max_nodes=51).output_shape == (8, 8, 3)
    message = rendered(lambda: netdsl.compile_string(text, max_nodes=50))
    assert message.startswith("error[E501]")


def test_e704_data_that_does_not_fit_the_network() -> None:
    import numpy as np

    graph = netdsl.compile_string("net t:\n    input(2, 2, 1)\n    conv(1)\n", seed=0).graph
    assert rendered(lambda: netdsl.execute(graph, np.ones((3, 3)))) == (
        "error[E704]: the data for 'input' has shape 3x3, the network takes 2x2x1\n"
        " = help: pass an array of shape 2x2x1 or N x 2x2x1")
    assert rendered(lambda: netdsl.execute(graph, [["a", "b"]])) == (
        "error[E704]: the data for 'input' is not an array of numbers\n"
        " = help: pass an array of shape 2x2x1 or N x 2x2x1")
    assert rendered(lambda: netdsl.execute(graph, {"x": np.ones((2, 2, 1))})) == (
        "error[E704]: no data for the input 'input' (2x2x1)\n"
        " = help: pass a mapping with the key 'input'")
    assert rendered(lambda: netdsl.execute(graph, np.ones((2, 2, 1)), layer="conf")) == (
        "error[E704]: network t has no layer 'conf'\n = help: did you mean 'conv'?")
