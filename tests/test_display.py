"""How results and errors show in a REPL or a notebook: one line, and the caret diagnostic.

A result used to print its whole graph (about 115,000 characters for MobileNetV2); an error
raised in IPython showed internal frames instead of the diagnostic.
"""

from __future__ import annotations

import pytest

import netdsl

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_a_result_is_one_line() -> None:
    result = netdsl.compile_file(ROOT / "examples" / "mobilenet_v2.net")
    assert repr(result) == ("<CompileResult MobileNetV2: 67 layers, output 1000, "
                            "300,774,272 MACCs, 3,487,816 params>")
    assert "\n" not in repr(result)


def test_an_error_renders_as_its_diagnostic_in_ipython() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net T:\n    input(8, 8, 3)\n    covn(3)\n", filename="t.net")
    # IPython calls _render_traceback_ and prints the lines it returns instead of a traceback.
    assert caught.value._render_traceback_() == [
        "error[E201]: unknown layer or block 'covn'",
        " --> t.net:3:5",
        "  |",
        "3 |     covn(3)",
        "  |     ^^^^",
        " = help: did you mean 'conv'?",
    ]
