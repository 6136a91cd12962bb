"""netdsl's window rules against PyTorch's and TensorFlow's, over exhaustive small grids.

PyTorch is not needed to check an agreement with it: its output-size formulas are a line
each (``tests/netgen.py``: ``torch_conv_out``, ``torch_pool_out``, ``tf_same_pads``), and its
pooling kernels a few lines (``torch_pool`` below). The grids are every combination of

    input n in 1..12, kernel k in 1..5, stride s in 1..4, dilation d in 1..3, padding p in 0..2

for convolutions with explicit padding, TensorFlow ``same`` padding, ``pad=auto``, and max
and average pooling with floor and ceil rounding (PyTorch's ``ceil_mode``) including windows
larger than the input. Every case goes through ``compile_string``, so the test checks what
users get: the cases an input size allows are layers of one program reading the same input
(two cases per layer, one on each axis, so that rows and columns are both checked and never
swapped), compiled with the cases as a network parameter; those PyTorch rejects compile
alone and must fail with E403, and pooling padding over half the window, which PyTorch
refuses, must fail with E306. The executor then runs the programs: its output shapes must be
the inferred ones, ``same`` must compute what its TensorFlow padding written out computes,
and pooling must give PyTorch's values (``count_pad`` is ``count_include_pad``).

Where netdsl deliberately differs from PyTorch, the documented rule is asserted instead:
``pad=auto`` is ceil(d * (k - 1) / 2) per side (docs/language.md), which is PyTorch's
``padding=d * (k - 1) // 2`` for odd kernels only.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from netgen import auto_pad, every_output, tf_same_pads, torch_conv_out, torch_pool_out

import netdsl
from netdsl.weights import graph_weights

SIZES = range(1, 13)
KERNELS = range(1, 6)
STRIDES = range(1, 5)
DILATIONS = range(1, 4)
PADS = range(3)

CONV = """net grid(n=1, cases=[]):
    x = input(n, n, 1)
    for c in cases:
        from x
        conv(1, [c[0], c[1]], [c[2], c[3]], pad=[c[4], c[5]], dilation=[c[6], c[7]])
"""
SAME = """net grid(n=1, cases=[]):
    x = input(n, n, 2)
    for c in cases:
        from x
        conv(2, [c[0], c[1]], [c[2], c[3]], pad=same, dilation=[c[4], c[5]])
"""
SIDES = """net grid(n=1, cases=[]):
    x = input(n, n, 2)
    for c in cases:
        from x
        conv(2, [c[0], c[1]], [c[2], c[3]], pad=[c[6], c[7], c[8], c[9]], dilation=[c[4], c[5]])
"""
AUTO = """net grid(n=1, cases=[]):
    x = input(n, n, 1)
    for c in cases:
        from x
        conv(1, [c[0], c[1]], [c[2], c[3]], dilation=[c[4], c[5]])
"""
POOL = """net grid(n=1, cases=[]):
    x = input(n, n, 2)
    for c in cases:
        from x
        if c[0] == 0:
            maxpool([c[1], c[2]], [c[3], c[4]], pad=[c[5], c[6]], round=ceil if c[7] else floor)
        else:
            avgpool([c[1], c[2]], [c[3], c[4]], pad=[c[5], c[6]], round=ceil if c[7] else floor,
                    count_pad=c[8] == 1)
"""
POOL_SAME = """net grid(n=1, cases=[]):
    x = input(n, n, 2)
    for c in cases:
        from x
        if c[0] == 0:
            maxpool([c[1], c[2]], [c[3], c[4]], pad=same)
        else:
            avgpool([c[1], c[2]], [c[3], c[4]], pad=same, count_pad=c[5] == 1)
"""


def pairs(cases: list[tuple]) -> list[tuple[tuple, tuple]]:
    """Cases two by two, (rows, columns): each case on one axis, the last one on both."""
    if len(cases) % 2:
        cases = [*cases, cases[-1]]
    return list(zip(cases[::2], cases[1::2], strict=True))


def compile_grid(text: str, n: int, cases: list[tuple], **options) -> netdsl.CompileResult:
    """The grid program for input size n, as written, with random weights (or ``weights``)."""
    options.setdefault("seed", None if "weights" in options else n)
    return netdsl.compile_string(text, params={"n": n, "cases": cases},
                                 passes=("infer-shapes",), **options)


def layers(result: netdsl.CompileResult) -> list:
    """The grid's layers in the order of the cases (after the input)."""
    return list(result.graph.nodes[1:])


def error_code(text: str, n: int, cases: list[tuple]) -> str | None:
    try:
        compile_grid(text, n, cases)
    except netdsl.NetdslError as exc:
        return exc.diagnostics[0].code
    return None


def check_executed_shapes(result: netdsl.CompileResult, channels: int) -> dict:
    """Run every layer; each output shape must be its inferred shape. Returns the outputs."""
    n = result.graph.nodes[0].shape[0]
    x = np.random.default_rng(n).normal(size=(2, n, n, channels))
    outputs = every_output(result.graph, x)
    for node in layers(result):
        assert outputs[node.name].shape == (2, *node.shape), node.name
    last = result.graph.nodes[-1]  # and once through the public entry point
    assert netdsl.execute(result.graph, x, layer=last.name).shape == (2, *last.shape)
    return outputs


# --- convolution, explicit padding --------------------------------------------------------


def conv_cases(n: int) -> tuple[list[tuple], list[tuple]]:
    """(k, s, d, p) PyTorch accepts at input size n, and those it rejects."""
    accepted, rejected = [], []
    for k, s, d, p in itertools.product(KERNELS, STRIDES, DILATIONS, PADS):
        (accepted if torch_conv_out(n, k, s, d, p, p) >= 1 else rejected).append((k, s, d, p))
    return accepted, rejected


@pytest.mark.parametrize("n", SIZES)
def test_convolution_with_explicit_padding(n: int) -> None:
    accepted, rejected = conv_cases(n)
    grid = pairs(accepted)
    result = compile_grid(CONV, n, [(kh, kw, sh, sw, ph, pw, dh, dw)
                                    for (kh, sh, dh, ph), (kw, sw, dw, pw) in grid])
    for node, (rows, cols) in zip(layers(result), grid, strict=True):
        expected = (torch_conv_out(n, *rows[:3], rows[3], rows[3]),
                    torch_conv_out(n, *cols[:3], cols[3], cols[3]), 1)
        assert node.shape == expected, f"n={n}, (k, s, d, p) {rows} x {cols}"
    if n in (1, 2, 5, 12):
        check_executed_shapes(result, 1)
    # PyTorch: "Kernel size can't be greater than actual input size". The stride plays no
    # part in it, so each rejected (k, d, p) is tried once, with strides in turn.
    seen = set()
    for i, (k, _, d, p) in enumerate(rejected):
        if (k, d, p) not in seen:
            seen.add((k, d, p))
            case = [(k, 1, STRIDES[i % len(STRIDES)], 1, p, 0, d, 1)]
            assert error_code(CONV, n, case) == "E403", f"n={n}, (k, d, p) {(k, d, p)}"


# --- TensorFlow `same` --------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_same_padding_is_tensorflows(n: int) -> None:
    """out = ceil(n / s) whatever the kernel and dilation, and the executor pads by
    max((out - 1) * s + d * (k - 1) + 1 - n, 0), the odd pixel after: it computes exactly
    what the same convolution with those sides written out computes."""
    grid = pairs(list(itertools.product(KERNELS, STRIDES, DILATIONS)))
    cases = [(kh, kw, sh, sw, dh, dw, *tf_same_pads(n, kh, sh, dh), *tf_same_pads(n, kw, sw, dw))
             for (kh, sh, dh), (kw, sw, dw) in grid]
    same = compile_grid(SAME, n, cases)
    for node, (rows, cols) in zip(layers(same), grid, strict=True):
        assert node.shape == (-(-n // rows[1]), -(-n // cols[1]), 2), f"n={n}, {rows} x {cols}"
    written = compile_grid(SIDES, n, cases, weights=graph_weights(same.graph))
    assert [node.shape for node in layers(written)] == [node.shape for node in layers(same)]
    computed, expected = check_executed_shapes(same, 2), check_executed_shapes(written, 2)
    for node in layers(same):
        assert np.array_equal(computed[node.name], expected[node.name]), node.name


# --- pad=auto -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_auto_padding(n: int) -> None:
    """ceil(d * (k - 1) / 2) on every side (docs/language.md): for an odd kernel PyTorch's
    padding=d * (k - 1) // 2, which keeps the size at stride 1; an even kernel pads one more
    than it takes away when d * (k - 1) is odd."""
    grid = pairs(list(itertools.product(KERNELS, STRIDES, DILATIONS)))
    result = compile_grid(AUTO, n, [(kh, kw, sh, sw, dh, dw)
                                    for (kh, sh, dh), (kw, sw, dw) in grid])
    for node, (rows, cols) in zip(layers(result), grid, strict=True):
        (kh, sh, dh), (kw, sw, dw) = rows, cols
        ph, pw = auto_pad(kh, dh), auto_pad(kw, dw)
        assert node.op.padding.sides == (ph, ph, pw, pw), f"(k, s, d) {rows} x {cols}"
        assert node.shape == (torch_conv_out(n, kh, sh, dh, ph, ph),
                              torch_conv_out(n, kw, sw, dw, pw, pw), 1), f"{rows} x {cols}"
        for axis, (k, s, d) in enumerate((rows, cols)):
            if k % 2:  # torchvision's padding=d * (k - 1) // 2
                assert node.op.padding.sides[2 * axis] == d * (k - 1) // 2, f"{rows} x {cols}"
            if s == 1:  # the size is kept, but for an even kernel with an odd dilation
                assert node.shape[axis] == n + d * (k - 1) % 2, f"{rows} x {cols}"
    if n in (1, 4, 12):
        check_executed_shapes(result, 1)


def test_auto_padding_of_the_documented_examples() -> None:
    """docs/language.md: conv(c, 2) of an 8 x 8 input is 9 x 9, and so is conv(c, 2,
    dilation=3), padded by 2."""
    for layer in ("conv(4, 2)", "conv(4, 2, dilation=3)"):
        result = netdsl.compile_string(f"net t:\n    input(8, 8, 3)\n    {layer}\n")
        assert result.output_shape == (9, 9, 4), layer
    padded = netdsl.compile_string("net t:\n    input(8, 8, 3)\n    conv(4, 2, dilation=3)\n")
    assert padded.graph.nodes[1].op.padding.sides == (2, 2, 2, 2)


# --- pooling ------------------------------------------------------------------------------


def torch_pool(x: np.ndarray, kind: str, k: tuple[int, int], s: tuple[int, int],
               sides: tuple[int, int, int, int], out: tuple[int, int],
               count_pad: bool) -> np.ndarray:
    """PyTorch's max_pool2d / avg_pool2d kernels (ATen), NHWC, padding (top, bottom, left,
    right): PyTorch pads both sides alike; uneven sides are TensorFlow's same padding.

    Along each axis a window starts at i * s - before and ends at min(start + k, n + after).
    Max pooling takes the maximum over its part inside the input; average pooling divides
    the sum over that part by the window's whole length with count_include_pad, else by the
    part's length. Both are separable: rows first, then columns.
    """
    ranges = []
    for axis in (0, 1):
        n, before, after = x.shape[1 + axis], sides[2 * axis], sides[2 * axis + 1]
        starts = np.arange(out[axis]) * s[axis] - before
        ends = np.minimum(starts + k[axis], n + after)
        low, high = np.maximum(starts, 0), np.minimum(ends, n)
        assert (high > low).all()  # pads <= k // 2: every window holds an input element
        ranges.append((low, high, ends - starts))
    reduce = np.max if kind == "max" else np.sum
    rows = np.stack([reduce(x[:, a:b], axis=1) for a, b in zip(*ranges[0][:2], strict=True)],
                    axis=1)
    result = np.stack([reduce(rows[:, :, a:b], axis=2)
                       for a, b in zip(*ranges[1][:2], strict=True)], axis=2)
    if kind == "max":
        return result
    (h0, h1, h_len), (w0, w1, w_len) = ranges
    divisor = np.outer(h_len, w_len) if count_pad else np.outer(h1 - h0, w1 - w0)
    return result / divisor[None, :, :, None]


def pool_cases(n: int) -> tuple[dict[tuple, list[tuple]], list[tuple]]:
    """The (k, s, p) with p <= k // 2 (PyTorch's limit) that PyTorch accepts at input size n,
    by (kind, ceil), and the (ceil, k, s, p) it rejects ("Output size is too small")."""
    accepted: dict[tuple, list[tuple]] = {}
    rejected = []
    for kind, ceil, k, s in itertools.product(("max", "avg"), (False, True), KERNELS, STRIDES):
        for p in range(min(k // 2, PADS[-1]) + 1):
            if torch_pool_out(n, k, s, p, p, ceil) >= 1:
                accepted.setdefault((kind, ceil), []).append((k, s, p))
            elif kind == "max":  # the kinds share the rule
                rejected.append((ceil, k, s, p))
    return accepted, rejected


@pytest.mark.parametrize("n", SIZES)
def test_pooling_floor_and_ceil(n: int) -> None:
    """Output sizes and values: max pooling, and average pooling with count_pad true and
    false (PyTorch's count_include_pad), floor and ceil rounding (ceil_mode)."""
    accepted, rejected = pool_cases(n)
    cases = [(kind, kh, kw, sh, sw, ph, pw, ceil, i % 2)  # count_pad either way, in turn
             for (kind, ceil), grid in accepted.items()
             for i, ((kh, sh, ph), (kw, sw, pw)) in enumerate(pairs(grid))]
    result = compile_grid(POOL, n, [(int(kind == "avg"), *rest[:6], int(ceil), count_pad)
                                    for kind, *rest, ceil, count_pad in cases])
    x = np.random.default_rng(n).normal(size=(2, n, n, 2))
    outputs = every_output(result.graph, x)
    for node, (kind, kh, kw, sh, sw, ph, pw, ceil, count_pad) in zip(layers(result), cases,
                                                                       strict=True):
        what = f"n={n}: {node.op}"
        out = (torch_pool_out(n, kh, sh, ph, ph, ceil), torch_pool_out(n, kw, sw, pw, pw, ceil))
        assert node.shape == (*out, 2), what
        reference = torch_pool(x, kind, (kh, kw), (sh, sw), (ph, ph, pw, pw), out,
                               kind == "max" or count_pad == 1)
        np.testing.assert_allclose(outputs[node.name], reference, rtol=1e-12, atol=1e-12,
                                   err_msg=what)
    for i, (ceil, k, s, p) in enumerate(rejected):  # max and average pooling in turn
        case = [(i % 2, k, 1, s, 1, p, 0, int(ceil), 1)]
        assert error_code(POOL, n, case) == "E403", f"n={n}: {(i % 2, ceil, k, s, p)}"


@pytest.mark.parametrize("n", SIZES)
def test_pooling_with_same_padding(n: int) -> None:
    """TensorFlow's same pooling: out = ceil(n / s), the padding split with the odd pixel
    after; max pooling ignores it, average pooling with count_pad=false divides by the
    elements inside the input (TensorFlow's and Keras' rule) and with count_pad=true by the
    whole window."""
    grid = pairs(list(itertools.product(KERNELS, STRIDES)))
    cases = [(kind, kh, kw, sh, sw, count_pad) for kind, count_pad in ((0, 1), (1, 1), (1, 0))
             for (kh, sh), (kw, sw) in grid]
    result = compile_grid(POOL_SAME, n, cases)
    x = np.random.default_rng(n).normal(size=(2, n, n, 2))
    outputs = every_output(result.graph, x)
    for node, (kind, kh, kw, sh, sw, count_pad) in zip(layers(result), cases, strict=True):
        out = (-(-n // sh), -(-n // sw))
        assert node.shape == (*out, 2), f"n={n}: {node.op}"
        sides = (*tf_same_pads(n, kh, sh), *tf_same_pads(n, kw, sw))
        reference = torch_pool(x, ("max", "avg")[kind], (kh, kw), (sh, sw), sides, out,
                               count_pad == 1)
        np.testing.assert_allclose(outputs[node.name], reference, rtol=1e-12, atol=1e-12,
                                   err_msg=f"n={n}: {node.op}")


def test_ceil_windows_larger_than_the_input() -> None:
    """PyTorch: MaxPool2d(2, ceil_mode=True) of a 1 x 1 input is 1 x 1; with stride 1 it
    has no window at all (0 x 0, "Output size is too small")."""
    x = np.array([[[3.0]]])
    for layer, value in [("maxpool(2, round=ceil)", 3.0), ("avgpool(2, round=ceil)", 3.0),
                         ("avgpool(3, 2, pad=1, round=ceil)", 3.0 / 3 / 3),
                         ("avgpool(3, 2, pad=1, round=ceil, count_pad=false)", 3.0),
                         ("maxpool([4, 1], round=ceil)", 3.0)]:
        result = netdsl.compile_string(f"net t:\n    input(1, 1, 1)\n    {layer}\n")
        assert result.output_shape == (1, 1, 1), layer
        assert netdsl.execute(result.graph, x).tolist() == [[[value]]], layer
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net t:\n    input(1, 1, 1)\n    maxpool(2, 1, round=ceil)\n")
    assert caught.value.diagnostics[0].code == "E403"


@pytest.mark.parametrize("layer", ["maxpool(1, 1, pad=1)", "avgpool(1, 1, pad=1)",
                                   "avgpool(2, 2, pad=2, count_pad=false)",
                                   "maxpool(3, 2, pad=2, round=ceil)",
                                   "maxpool([3, 2], pad=[1, 1, 0, 2])"])
def test_pooling_padding_over_half_the_window_is_rejected(layer: str) -> None:
    """PyTorch: "pad should be at most half of effective kernel size". Past it, a window
    can lie wholly in the padding: max pooling would give -inf there, average pooling 0/0."""
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(f"net t:\n    input(3, 3, 1)\n    {layer}\n")
    assert caught.value.diagnostics[0].code == "E306"


def test_pooling_padding_limit_over_the_grid() -> None:
    """Every (k, p) of the grid with p > k // 2 is refused, on either axis, whatever the
    size, stride and rounding; p = k // 2 is accepted (the pooling grid above)."""
    for k, p in itertools.product(KERNELS, PADS):
        if p > k // 2:
            for i, pad in enumerate((f"[{p}, 0]", f"[0, {p}]", f"[0, 0, 0, {p}]")):
                layer = (f"{('maxpool', 'avgpool')[i % 2]}({k}, {1 + i}, pad={pad}, "
                         f"round={('floor', 'ceil')[(k + p) % 2]})")
                with pytest.raises(netdsl.NetdslError) as caught:
                    netdsl.compile_string(f"net t:\n    input(7, 7, 1)\n    {layer}\n")
                assert caught.value.diagnostics[0].code == "E306", layer
