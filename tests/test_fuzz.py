"""Property: any input either compiles or raises NetdslError, never anything else.

Hypothesis feeds arbitrary text, text built from the language's own tokens,
and the example files mutated at random (characters, lines and numbers).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netdsl

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p.read_text() for p in sorted((ROOT / "examples").glob("**/*.net"))]
TOKENS = ["net", "block", "def", "let", "import", "std", "from", "repeat", "for", "in", "if",
          "elif", "else", "residual", "add", "concat", "mul", "input", "conv", "dwconv", "bn",
          "relu", "fc", "gap", "maxpool", "x", "c", "in.c", "(", ")", "[", "]", ",", ":", "=",
          "|", "*", "**", "/", "//", "%", "+", "-", "==", "<", "and", "not", "0", "1", "3",
          "224", "1.4", "-1", "10**9", '"s"', "\n", "\n    ", "\n        ", " ", "#c\n", ";"]
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def compiles_or_reports(text: str) -> None:
    try:
        netdsl.compile_string(text, filename="fuzz.net", max_nodes=5_000)
    except netdsl.NetdslError as exc:
        assert exc.diagnostics and all(d.code for d in exc.diagnostics)
        exc.render()  # rendering must not fail either
        exc.to_json()


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    compiles_or_reports(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_token_soup(tokens: list[str]) -> None:
    compiles_or_reports(" ".join(tokens))
    compiles_or_reports("net t:\n    input(8, 8, 3)\n    " + "".join(tokens))


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        kind = draw(st.sampled_from(["delete_char", "insert_char", "delete_line",
                                     "duplicate_line", "swap_lines", "number", "indent"]))
        if kind in ("delete_char", "insert_char") and text:
            i = draw(st.integers(0, len(text) - 1))
            extra = draw(st.sampled_from(list("()[]:,|=*#\n x1-")))
            text = text[:i] + (extra if kind == "insert_char" else "") + text[i + 1:]
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "delete_line":
                del lines[i]
            elif kind == "duplicate_line":
                lines.insert(i, lines[i])
            elif kind == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            elif kind == "indent":
                lines[i] = draw(st.sampled_from(["  ", "\t", "        "])) + lines[i].lstrip()
            else:  # replace the first number on the line
                value = draw(st.sampled_from(["0", "-1", "3", "99999", "10**6", "0.5"]))
                line, digits = lines[i], [k for k, ch in enumerate(lines[i]) if ch.isdigit()]
                if digits:
                    k = digits[0]
                    end = k
                    while end < len(line) and line[end].isdigit():
                        end += 1
                    lines[i] = line[:k] + value + line[end:]
            text = "".join(lines)
    return text


@SETTINGS
@given(mutated_examples())
def test_mutated_examples(text: str) -> None:
    compiles_or_reports(text)
