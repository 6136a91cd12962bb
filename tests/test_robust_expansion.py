"""Hostile expansion: a network too large fails with E501 before it is built.

The layer limit (``max_nodes``) and the statement limit (``MAX_STEPS``) are
checked from lower bounds worked out before anything is expanded (see
docs/language.md, "Limits"). These tests pin the errors (code, message,
place, notes, hint), check that nothing, or next to nothing, was built or run
before them (counting calls rather than timing them), and check the other side:
a network of exactly the limit compiles, whatever its repetitions, blocks,
conditions and loops.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

import netdsl
import netdsl.elaborate.elaborator as elaborator
from netdsl.diagnostics import Diagnostic
from netdsl.driver import elaborate_string
from netdsl.elaborate.elaborator import Elaborator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HINT = ("a network may have at most {} layers; raise the limit with --max-layers N "
        "(max_nodes=N from Python)")
STEPS_HINT = "elaboration is limited to 20,000,000 statements"


def net(body: str, blocks: str = "") -> str:
    """A network with input(8, 8, 3), its body on line 3 + (lines of ``blocks``)."""
    return (textwrap.dedent(blocks) + "net t:\n    input(8, 8, 3)\n"
            + textwrap.indent(textwrap.dedent(body), "    "))


def fails(text: str, **options) -> Diagnostic:
    with pytest.raises(netdsl.NetdslError) as caught:
        elaborate_string(text, filename="t.net", **options)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E501"
    return diagnostic


def where(d: Diagnostic) -> tuple[int, int, int, int]:
    assert d.span is not None
    return d.span.line, d.span.column, d.span.end_line, d.span.end_column


def notes(d: Diagnostic) -> list[str]:
    return [n.message for n in d.notes]


def layers(text: str, **options) -> int:
    return len(elaborate_string(text, filename="t.net", **options).nodes)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many layers are built and statements run (a count, not a time)."""
    counts = {"layers": 0, "statements": 0}
    new_node, exec_stmt = Elaborator.new_node, Elaborator.exec_stmt

    def counting_node(self, *args, **kwargs):
        counts["layers"] += 1
        return new_node(self, *args, **kwargs)

    def counting_stmt(self, *args, **kwargs):
        counts["statements"] += 1
        return exec_stmt(self, *args, **kwargs)

    monkeypatch.setattr(Elaborator, "new_node", counting_node)
    monkeypatch.setattr(Elaborator, "exec_stmt", counting_stmt)
    return counts


# ---- the hostile inputs of the report, at the default limit --------------------------


def test_a_million_relus_fail_before_anything_is_built(work: dict[str, int]) -> None:
    d = fails(net("relu * 10**6\n"))
    assert d.message == "the network expands past 1,000,000 layers"
    assert where(d) == (3, 5, 3, 17)
    assert notes(d) == ["this statement expands to at least 1,000,000 layers, "
                        "the rest of the network to at least 1"]
    assert d.hint == HINT.format("1,000,000")
    assert work == {"layers": 0, "statements": 0}


def test_a_million_inverted_residuals_fail_before_anything_is_built(
        work: dict[str, int]) -> None:
    text = "import std\n\nnet t:\n    input(8, 8, 8)\n    inverted_residual(8) * 10**6\n"
    d = fails(text)
    assert d.message == "the network expands past 1,000,000 layers"
    assert where(d) == (5, 5, 5, 33)
    # At least conv + bn for the depthwise and the projection units: 4 a block, whatever
    # its arguments (the expansion is conditional, the activation a parameter).
    assert notes(d) == ["this statement expands to at least 4,000,000 layers, "
                        "the rest of the network to at least 1"]
    assert d.hint == HINT.format("1,000,000")
    assert work == {"layers": 0, "statements": 0}


def doubling(n: int, param: bool = False) -> str:
    """block b1: relu * 2; block b2: b1() * 2; ... bn: 2**n layers, called on line 2n + 4."""
    arg = "k" if param else ""
    lines = [f"block b1({arg}):", f"    relu * {'k' if param else 2}"]
    for i in range(2, n + 1):
        lines += [f"block b{i}({arg}):", f"    b{i - 1}({arg}) * 2"]
    return net(f"b{n}({2 if param else ''})\n", "\n".join(lines) + "\n")


def test_a_doubling_chain_of_blocks_fails_at_the_call(work: dict[str, int]) -> None:
    d = fails(doubling(25))
    assert d.message == "the network expands past 1,000,000 layers"
    assert where(d) == (53, 5, 53, 10)
    assert notes(d) == ["this statement expands to at least 33,554,432 layers, "
                        "the rest of the network to at least 1"]
    assert work == {"layers": 0, "statements": 0}


def test_a_doubling_chain_sized_by_an_argument_fails_at_the_call(
        work: dict[str, int]) -> None:
    d = fails(doubling(25, param=True))
    assert where(d) == (53, 5, 53, 11)
    assert notes(d) == ["this statement expands to at least 33,554,432 layers, "
                        "the rest of the network to at least 1"]
    assert work == {"layers": 0, "statements": 0}


def test_a_doubling_chain_at_the_limit_compiles() -> None:
    assert layers(doubling(10), max_nodes=1025) == 1025
    assert layers(doubling(10, param=True), max_nodes=1025) == 1025
    d = fails(doubling(10), max_nodes=1024)
    assert d.message == "the network expands past 1,024 layers"
    assert where(d) == (23, 5, 23, 10)
    assert notes(d) == ["this statement expands to at least 1,024 layers, "
                        "the rest of the network to at least 1"]
    assert d.hint == HINT.format("1,024")


# ---- the boundary: exactly max_nodes compiles, one more fails ---------------------------


def test_a_repetition_of_exactly_the_limit_compiles() -> None:
    text = net("relu * 49\n")
    assert layers(text, max_nodes=50) == 50
    d = fails(text, max_nodes=49)
    assert d.message == "the network expands past 49 layers"
    assert where(d) == (3, 5, 3, 14)
    assert notes(d) == ["this statement expands to at least 49 layers, "
                        "the rest of the network to at least 1"]
    assert d.hint == HINT.format("49")


def test_a_count_past_the_limit_is_blamed_on_the_count() -> None:
    d = fails(net("relu * 60\n"), max_nodes=50)
    assert d.message == "repeating 60 times exceeds the network size limit"
    assert where(d) == (3, 12, 3, 14)
    assert d.notes == ()
    assert d.hint == HINT.format("50")


def test_one_layer_limit() -> None:
    assert layers("net t:\n    input(8, 8, 3)\n", max_nodes=1) == 1
    d = fails(net("relu\n"), max_nodes=1)
    assert d.message == "the network expands past 1 layer"
    assert notes(d) == ["this statement expands to at least 1 layer, "
                        "the rest of the network to at least 1"]
    assert d.hint == HINT.format("1").replace("1 layers", "1 layer")


@pytest.mark.parametrize(("body", "size", "line", "end"), [
    ("repeat 7:\n    relu\n    bn\n", 15, 3, 14),
    ("for c in [4, 8, 16]:\n    conv(c, 1) * 2\n", 7, 3, 25),
    ("add:\n    | relu * 5\n    | bn * 4\n", 11, 3, 9),
    ("residual:\n    relu * 5\n", 7, 3, 14),
    ("relu\nrelu * 3\nbn * 2\n", 7, 5, 11),
])
def test_statements_of_exactly_the_limit_compile(body: str, size: int, line: int,
                                                 end: int, work: dict[str, int]) -> None:
    text = net(body)
    assert layers(text, max_nodes=size) == size
    work.update(layers=0, statements=0)
    d = fails(text, max_nodes=size - 1)
    assert d.message == f"the network expands past {size - 1} layers"
    assert where(d) == (line, 5, line, end)
    assert work == {"layers": 0, "statements": 0}  # found before anything runs


def test_blocks_sized_by_their_arguments_are_bounded_before_they_run(
        work: dict[str, int]) -> None:
    blocks = "block stack(n):\n    relu * n\n\n"
    for body, line, end, least in [
        ("stack(10) * 3\n", 6, 18, 30),
        ("stack(10)\nstack(10)\nstack(10)\n", 8, 14, 10),
        ("repeat 3:\n    stack(10)\n", 6, 14, 30),
        ("for i in range(3):\n    stack(10)\n", 6, 23, 30),
        ("for n in [5, 10, 15]:\n    stack(n)\n", 6, 26, 30),
    ]:
        text = net(body, blocks)
        assert layers(text, max_nodes=31) == 31
        work.update(layers=0, statements=0)
        d = fails(text, max_nodes=30)
        assert where(d) == (line, 5, line, end)
        assert notes(d)[0].startswith(f"this statement expands to at least {least} layers")
        assert work == {"layers": 0, "statements": 0}


def test_repetitions_that_differ_are_extrapolated_once_they_repeat(
        work: dict[str, int]) -> None:
    # Each call builds 10 layers, but only if in.c == c: the bound before the
    # first call is 0; after it, the call ends as it began and the rest are known.
    blocks = "block maybe(c):\n    relu * 10 if in.c == c\n\n"
    text = net("maybe(3) * 100\n", blocks)
    assert layers(text, max_nodes=1001) == 1001
    work.update(layers=0, statements=0)
    d = fails(text, max_nodes=500)
    assert d.message == "the network expands past 500 layers"
    assert where(d) == (6, 5, 6, 19)
    assert notes(d) == ["the remaining 99 repetitions add 10 layers each, which takes "
                        "the network to at least 1,001"]
    assert work["layers"] == 11  # the input and the first repetition


def test_a_repetition_that_changes_the_shape_first_is_extrapolated_after(
        work: dict[str, int]) -> None:
    # The first repetition projects 3 to 8 channels without a shortcut, the next ones add
    # one: exact from the second on.
    text = "import std\n\nnet t:\n    input(8, 8, 3)\n    inverted_residual(8, t=1) * 400\n"
    size = 1 + 5 + 399 * 6
    assert layers(text, max_nodes=size) == size
    work.update(layers=0, statements=0)
    d = fails(text, max_nodes=size - 1)
    assert where(d) == (5, 5, 5, 36)
    assert notes(d) == [f"the remaining 398 repetitions add 6 layers each, which takes "
                        f"the network to at least {size:,}"]
    assert work["layers"] == 1 + 5 + 6


def test_what_cannot_be_foreseen_is_stopped_as_it_is_built() -> None:
    text = net("relu if true\n" * 6)
    assert layers(text, max_nodes=7) == 7
    d = fails(text, max_nodes=6)
    assert d.message == "the network expands past 6 layers"
    assert where(d) == (8, 5, 8, 9)
    assert d.notes == ()
    assert d.hint == HINT.format("6")


def test_the_size_is_checked_before_earlier_statements_run() -> None:
    # Documented: a network that cannot fit is E501 even if it holds another error first.
    d = fails(net("covn(3)\nrelu * 10**6\n"))
    assert where(d) == (4, 5, 4, 17)


def test_repeating_nothing_is_not_a_layer(work: dict[str, int]) -> None:
    blocks = "block b(act=none):\n    act * 10**9\n    relu\n\n"
    assert layers(net("b()\n", blocks)) == 2
    assert work["statements"] < 10


# ---- the statement limit ------------------------------------------------------------


@pytest.mark.parametrize(("body", "least"), [
    ("repeat 10**6:\n    repeat 10**6:\n        let x = 1\n", "1,000,001,000,001"),
    ("for i in range(10**6):\n    for j in range(30):\n        let x = i + j\n",
     "31,000,001"),
    ("repeat 10**6:\n    repeat 19:\n        let x = 1\n", "20,000,001"),
])
def test_too_many_statements_fail_before_any_runs(body: str, least: str,
                                                 work: dict[str, int]) -> None:
    d = fails(net(body))
    assert d.message == "elaboration takes too many steps"
    assert where(d)[:2] == (3, 5)
    assert notes(d) == [f"this statement runs at least {least} statements, "
                        "the rest of the network at least 1"]
    assert d.hint == STEPS_HINT
    assert work == {"layers": 0, "statements": 0}


def test_statements_just_under_the_limit_run_and_are_counted_without_running(
        work: dict[str, int]) -> None:
    # 1 + 1 + 10**6 * 19 statements: under the limit. Once an iteration changes
    # nothing, the rest are counted, not run.
    assert layers(net("repeat 10**6:\n    repeat 18:\n        let x = 1\n")) == 1
    assert work["statements"] < 100


@pytest.mark.parametrize("line", ["relu if true", "relu * 2", "let x = 1"])
def test_the_statement_limit_is_located(line: str, monkeypatch: pytest.MonkeyPatch,
                                        work: dict[str, int]) -> None:
    monkeypatch.setattr(elaborator, "MAX_STEPS", 10)
    d = fails(net(f"{line}\n" * 12))
    assert d.message == "elaboration takes too many steps"
    # The 11th statement (input and 9 others before it), each of them one statement
    # whatever it does, found before any runs.
    assert where(d) == (12, 5, 12, 5 + len(line))
    assert notes(d) == ["this statement runs at least 1 statement, "
                        "the rest of the network at least 12"]
    assert d.hint == "elaboration is limited to 10 statements"
    assert work == {"layers": 0, "statements": 0}


# ---- legitimate networks near the limit ---------------------------------------------


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.net")), ids=lambda p: p.stem)
def test_every_example_compiles_at_exactly_its_size(path: Path) -> None:
    text = path.read_text()
    size = len(elaborate_string(text, filename=str(path)).nodes)
    assert len(elaborate_string(text, filename=str(path), max_nodes=size).nodes) == size
    with pytest.raises(netdsl.NetdslError) as caught:
        elaborate_string(text, filename=str(path), max_nodes=size - 1)
    assert caught.value.diagnostics[0].code == "E501"


class _Programs:
    """Random networks of blocks, repetitions, loops, conditions, lets and merges.

    Counts, conditions and channel numbers read parameters, loop variables, lets
    (rebound on the way) and ``in.c``, so that iterations differ.
    """

    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.blocks: list[tuple[str, list[str]]] = []

    def count(self, names: list[str]) -> str:
        return self.r.choice(["0", "1", "2", "3", "2 * 2", "in.c // 4", *names,
                              *(f"max({n} - 1, 0)" for n in names)])

    def cond(self, names: list[str]) -> str:
        return self.r.choice(["in.c == 4", "in.c > 4", "true", "false",
                              *(f"{n} % 2 == 0" for n in names)])

    def call(self, names: list[str], keep_shape: bool) -> str:
        usable = [b for b in self.blocks if b[0].startswith("s") or not keep_shape]
        if usable and self.r.random() < 0.5:
            name, params = self.r.choice(usable)
            return f"{name}({', '.join(self.count(names) for _ in params)})"
        if keep_shape or self.r.random() < 0.5:
            return self.r.choice(["relu", "bn", "identity"])
        channels = self.r.choice(["4", "8", "in.c", *(f"4 + 4 * ({n} % 2)" for n in names)])
        return f"conv({channels}, 1)"

    def body(self, pad: str, names: list[str], depth: int, keep_shape: bool) -> list[str]:
        return [line for _ in range(self.r.randint(1, 3))
                for line in self.stmt(pad, names, depth, keep_shape)]

    def stmt(self, pad: str, names: list[str], depth: int, keep_shape: bool) -> list[str]:
        k, inner = self.r.random(), pad + "    "
        if depth >= 3 or k < 0.35:
            s = self.call(names, keep_shape)
            s += f" * ({self.count(names)})" if self.r.random() < 0.5 else ""
            s += f" if {self.cond(names)}" if self.r.random() < 0.3 else ""
            return [pad + s]
        if k < 0.45:
            return [f"{pad}repeat {self.count(names)}:",
                    *self.body(inner, names, depth + 1, keep_shape)]
        if k < 0.55:
            var = f"i{depth}"
            items = self.r.choice(["[0, 1, 2]", "[2, 2, 2]", "range(3)", "[]",
                                   *(f"range({n})" for n in names)])
            return [f"{pad}for {var} in {items}:",
                    *self.body(inner, [*names, var], depth + 1, keep_shape)]
        if k < 0.65:
            out = [f"{pad}if {self.cond(names)}:", *self.body(inner, names, depth + 1, keep_shape)]
            return out + ([f"{pad}else:", *self.body(inner, names, depth + 1, keep_shape)]
                          if self.r.random() < 0.5 else [])
        if k < 0.72:
            head = self.r.choice(["residual:", f"residual if {self.cond(names)}:"])
            return [pad + head, *self.body(inner, names, depth + 1, True)]
        if k < 0.80 and not keep_shape:
            return [f"{pad}concat:", *(f"{pad}    | {self.call(names, False)}; "
                                       f"{self.call(names, False)} * ({self.count(names)})"
                                       for _ in range(self.r.randint(2, 3)))]
        if k < 0.90:
            target = self.r.choice([n for n in names if not n.startswith("i")] or ["q"])
            value = self.r.choice(["1", "2", "0", *(f"{n} + 1" for n in names)])
            return [f"{pad}let {target} = {value}"]
        return [f"{pad}x = relu", pad + self.call(names, keep_shape), f"{pad}from x"]

    def program(self) -> str:
        out = []
        for i in range(self.r.randint(0, 4)):
            keep_shape = self.r.random() < 0.5
            name = f"{'s' if keep_shape else 'b'}{i}"
            params = self.r.sample(["n", "m"], self.r.randint(0, 2))
            out += [f"block {name}({', '.join(params)}):", "    let q = 1",
                    *self.body("    ", params, 0, keep_shape), ""]
            self.blocks.append((name, params))
        out += ["net t(k=2):", "    input(4, 4, 4)", "    let q = 1"]
        out += [line for _ in range(self.r.randint(1, 5))
                for line in self.stmt("    ", ["k"], 0, False)]
        return "\n".join(out) + "\n"


def test_random_networks_compile_at_exactly_their_size_and_steps(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounds are sure: never an E501 for a network within both limits."""
    seen: dict[str, int] = {}
    finish = Elaborator._finish

    def counting_finish(self, *args):
        seen["steps"] = self.steps
        return finish(self, *args)

    monkeypatch.setattr(Elaborator, "_finish", counting_finish)
    checked = 0
    for seed in range(120):
        text = _Programs(seed).program()
        monkeypatch.setattr(elaborator, "MAX_STEPS", 20_000_000)
        try:
            size = layers(text)
        except netdsl.NetdslError:
            continue  # a negative count, say: not what is tested here
        steps = seen["steps"]
        monkeypatch.setattr(elaborator, "MAX_STEPS", steps)
        assert layers(text, max_nodes=size) == size, text
        assert seen["steps"] == steps, text
        if size > 1:
            assert fails(text, max_nodes=size - 1).message.startswith(
                ("the network expands past", "repeating")), text
        monkeypatch.setattr(elaborator, "MAX_STEPS", steps - 1)
        assert fails(text, max_nodes=size).message == "elaboration takes too many steps", text
        checked += 1
    assert checked > 100


def test_a_branching_recursion_is_evaluated_once_per_argument() -> None:
    """Functions are pure: f(n - 1) + f(n - 1) is 31 evaluations for f(30), not 2**31."""
    result = netdsl.compile_string(
        "net T():\n    input(4)\n    fc(f(30) // 10**8)\n"
        "def f(n) = f(n - 1) + f(n - 1) if n > 0 else 1\n")
    assert result.output_shape == (2**30 // 10**8,)


def test_a_recursion_whose_arguments_never_repeat_stops(monkeypatch) -> None:
    from netdsl.elaborate import expressions

    monkeypatch.setattr(expressions, "MAX_CALLS", 1000)
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net T():\n    input(4)\n    fc(g(40, 0))\n"
                              "def g(n, k) = g(n - 1, 2 * k) + g(n - 1, 2 * k + 1) if n > 0 "
                              "else 1\n")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E501"
    assert diagnostic.message == "too many function evaluations (over 1,000), the last of 'g'"
    assert diagnostic.span.line == 4  # at the call that crossed the limit


def test_function_results_keep_their_types() -> None:
    """1, 1.0 and true are equal in Python but not the same argument."""
    result = netdsl.compile_string("net T():\n    input(4)\n    fc(3 if f(true)[0] == true "
                                   "and f(1)[0] + f(1.0)[0] == 2 else 1)\ndef f(x) = [x]\n")
    assert result.output_shape == (3,)
