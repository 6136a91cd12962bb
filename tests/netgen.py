"""Random valid netdsl programs, the reference window formulas, and a sweep of the executor.

:func:`programs` is a Hypothesis strategy drawing a whole program as source text over every
built-in layer: convolutions with every padding mode, stride, dilation, groups, depthwise
multipliers and biases, dense layers, batch norm, every activation, max and average pooling
with both rounding modes and padding, global pooling, zero padding, flatten, upsampling,
dropout, identity, add / concat / mul merges (the squeeze-and-excitation gate, vector,
scalar and spatial gates) and residual blocks, nested, and ``from`` an earlier tensor (which
leaves the layers after it unused). Every layer is named (``l1 = ...``), and the generator
tracks each one's shape with the formulas below, written independently of netdsl (PyTorch's
and TensorFlow's), so a drawn program is valid by construction and its expected shapes are
known. Sizes stay small so the NumPy executor runs each program in milliseconds.

The window formulas are PyTorch's (``torch.nn.Conv2d``, ``MaxPool2d(ceil_mode=...)``, ATen's
``pooling_output_shape``) and TensorFlow's ``same`` padding; ``auto_pad`` is netdsl's own
rule as docs/language.md states it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from netdsl.executor import run_node
from netdsl.ir.graph import Graph
from netdsl.ir.ops import Input

Shape = tuple[int, ...]

# --- reference window arithmetic (one spatial axis) ---------------------------------------


def torch_conv_out(n: int, k: int, s: int, d: int, before: int, after: int) -> int:
    """PyTorch's convolution output size, floor((n + p_before + p_after - d*(k-1) - 1)/s) + 1.

    (PyTorch pads symmetrically; asymmetric sides are ``F.pad`` then an unpadded conv, which
    is the same formula.) A result below 1 is PyTorch's "kernel size can't be greater than
    actual input size" error.
    """
    return (n + before + after - d * (k - 1) - 1) // s + 1


def torch_pool_out(n: int, k: int, s: int, before: int, after: int, ceil_mode: bool) -> int:
    """ATen's ``pooling_output_shape_pad_lr`` (dilation 1).

    ``div_rtn(n + p_l + p_r - (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1``, then with
    ceil_mode one less if the last window starts at or after ``n + p_l``. A result below 1 is
    PyTorch's "Output size is too small".
    """
    out = (n + before + after - (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + before:
        out -= 1
    return out


def torch_pool_pad_ok(k: int, p: int) -> bool:
    """PyTorch's check: "pad should be at most half of effective kernel size"."""
    return 0 <= p <= k // 2


def tf_same_pads(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """TensorFlow ``same``: out = ceil(n / s); the total padding, odd pixel after."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def auto_pad(k: int, d: int = 1) -> int:
    """netdsl's ``pad=auto`` on each side (docs/language.md, "Padding and the window rule").

    ceil(d * (k - 1) / 2): k // 2 undilated, d * (k - 1) // 2 (torchvision's rule) for every
    odd kernel; an even kernel pads one more than it takes away, like ``padding=k // 2``.
    """
    return -(-d * (k - 1) // 2)


def every_output(graph: Graph, x: np.ndarray) -> dict[str, np.ndarray]:
    """Each layer's output for the batch ``x``, in one sweep of the executor's ``run_node``.

    ``netdsl.execute(graph, x, layer=name)`` runs the graph up to ``name`` from scratch, so
    calling it for every layer is quadratic; test_differential.py checks that this sweep
    gives exactly what ``execute`` gives, for every layer of every program it draws.
    """
    values: dict[str, np.ndarray] = {}
    for node in graph.nodes:
        values[node.name] = x if isinstance(node.op, Input) else run_node(
            graph, node, [values[i] for i in node.inputs])
    return values


# --- the program generator --------------------------------------------------------------

ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "hsigmoid", "hswish", "swish", "silu",
               "gelu", "gelu(approx=none)", "gelu(approx=tanh)", "softmax"]
GATES = ["sigmoid", "hsigmoid"]
MAX_SIDE = 16  # spatial sizes stay at most this
MAX_CHANNELS = 8
MAX_VECTOR = 256


@dataclass
class Program:
    """A program's text and the expected shape of each named layer."""

    text: str
    shapes: dict[str, Shape] = field(default_factory=dict)

    @property
    def input_shape(self) -> Shape:
        return self.shapes["l0"]

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:  # how Hypothesis shows a falsifying example
        return f"Program({self.text!r})"


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _call(layer: str, positional: list[object], keywords: dict[str, object]) -> str:
    args = [_fmt(v) for v in positional] + [f"{k}={_fmt(v)}" for k, v in keywords.items()]
    return f"{layer}({', '.join(args)})" if args else layer


class _Builder:
    """Draws statements one at a time, keeping the expected shape of every tensor.

    ``mode`` constrains a chain: ``free`` (anything), ``hw`` (height and width kept: a concat
    branch) or ``same`` (the whole shape kept: an add branch, a residual body, a mul operand).
    """

    def __init__(self, draw: st.DrawFn, budget: int):
        self.draw = draw
        self.lines: list[str] = []
        self.shapes: dict[str, Shape] = {}
        self.count = 0
        self.budget = budget  # layers still allowed
        self.visible: list[tuple[str, Shape]] = []  # top-level tensors a `from` may name

    # drawing helpers
    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, max(low, high)))

    def flag(self) -> bool:
        return self.draw(st.booleans())

    def name(self, shape: Shape | None = None) -> str:
        """The next layer name; its shape is recorded now or, for a merge, later."""
        self.count += 1
        name = f"l{self.count}"
        if shape is not None:
            self.shapes[name] = shape
        return name

    # one layer --------------------------------------------------------------------------
    def layer(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        """A layer call (text without the name) and its output shape."""
        if len(shape) == 1:
            return self._vector_layer(shape, mode)
        # Simple layers first (Hypothesis shrinks towards them), windows the most often.
        kinds = ["identity", "act", "bn", "dropout", "conv", "conv", "dwconv", "pool", "act"]
        if mode != "same":
            kinds += ["conv", "dwconv"]
        if mode == "free":
            kinds += ["pool", "conv", "zeropad", "upsample", "dwconv",
                      self.pick(["dense", "gap", "flatten"])]
        kind = self.pick(kinds)
        h, w, c = shape
        match kind:
            case "identity":
                return "identity", shape
            case "act":
                return self.pick(ACTIVATIONS), shape
            case "bn":
                return self.pick(["bn", "bn(eps=0)", "bn(eps=0.001)", "bn(1e-5)"]), shape
            case "dropout":
                return self.pick(["dropout", "dropout(0)", "dropout(0.25)", "dropout(1.0)",
                                  "dropout(rate=1)"]), shape
            case "conv":
                return self._conv(shape, mode)
            case "dwconv":
                return self._dwconv(shape, mode)
            case "pool":
                return self._pool(shape, mode)
            case "dense":
                units = self.integer(1, MAX_CHANNELS)
                return _call(self.pick(["dense", "fc"]), [units], self._bias()), (units,)
            case "gap":
                return self.pick(["gap", "gmp"]), (1, 1, c)
            case "zeropad":
                return self._zeropad(shape)
            case "flatten":
                if h * w * c > MAX_VECTOR:
                    return "identity", shape
                return "flatten", (h * w * c,)
            case _:  # upsample
                return self._upsample(shape)

    def _vector_layer(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        kind = self.pick(["identity", "act", "bn", "dropout", "dense"])
        match kind:
            case "identity":
                return "identity", shape
            case "act":
                return self.pick(ACTIVATIONS), shape
            case "bn":
                return self.pick(["bn", "bn(eps=0)"]), shape
            case "dropout":
                return self.pick(["dropout", "dropout(1.0)"]), shape
            case _:
                units = shape[0] if mode == "same" else self.integer(1, MAX_CHANNELS)
                return _call(self.pick(["dense", "fc"]), [units], self._bias()), (units,)

    def _bias(self) -> dict[str, object]:
        return self.pick([{}, {"bias": True}, {"bias": False}])

    def _pair(self, low: int, high: int) -> int | tuple[int, int]:
        if self.flag():
            return self.integer(low, high)
        return self.integer(low, high), self.integer(low, high)

    def _conv(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        h, w, c = shape
        divisors = [g for g in range(1, c + 1) if c % g == 0]
        groups = self.pick(divisors)
        multiple = 1 if mode == "same" else self.integer(1, max(1, MAX_CHANNELS // groups))
        channels = c if mode == "same" else groups * multiple
        kernel, dilation = self._pair(1, 5), self._pair(1, 3)
        stride = self._pair(1, 3) if mode == "free" else 1
        pad, (oh, ow) = self._window_padding((h, w), kernel, stride, dilation, mode)
        keywords: dict[str, object] = {}
        if pad != "auto" or self.flag():
            keywords["pad"] = pad
        if dilation != 1 or self.flag():
            keywords["dilation"] = dilation
        if groups != 1 or self.flag():
            keywords["groups"] = groups
        keywords.update(self._bias())
        positional: list[object] = [channels, kernel]
        if stride != 1 or self.flag():
            positional.append(stride)
        return _call("conv", positional, keywords), (oh, ow, channels)

    def _dwconv(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        h, w, c = shape
        mult = 1 if mode == "same" else self.integer(1, max(1, MAX_CHANNELS // c))
        kernel, dilation = self._pair(1, 5), self._pair(1, 3)
        stride = self._pair(1, 3) if mode == "free" else 1
        pad, (oh, ow) = self._window_padding((h, w), kernel, stride, dilation, mode)
        keywords: dict[str, object] = {"pad": pad, "dilation": dilation}
        if mult != 1 or self.flag():
            keywords["mult"] = mult
        keywords.update(self._bias())
        return _call("dwconv", [kernel, stride], keywords), (oh, ow, c * mult)

    def _window_padding(self, size, kernel, stride, dilation, mode):
        """A convolution padding and the output size it gives (always a valid window)."""
        k, s, d = (_both(v) for v in (kernel, stride, dilation))
        if mode == "free":
            choice = self.pick(["auto", "same", "valid", "int", "pair", "four"])
        else:  # the size must be kept at stride 1
            choice = self.pick(["same", "auto", "four"])
        match choice:
            case "auto":
                sides = tuple(auto_pad(k[i], d[i]) for i in (0, 0, 1, 1))
                pad: object = "auto"
            case "same":
                sides = (*tf_same_pads(size[0], k[0], s[0], d[0]),
                         *tf_same_pads(size[1], k[1], s[1], d[1]))
                pad = "same"
            case "valid":
                sides, pad = (0, 0, 0, 0), "valid"
            case "int":
                p = self.integer(0, 2)
                sides, pad = (p, p, p, p), p
            case "pair":
                ph, pw = self.integer(0, 2), self.integer(0, 2)
                sides, pad = (ph, ph, pw, pw), (ph, pw)
            case _:
                if mode == "free":
                    sides = tuple(self.integer(0, 2) for _ in range(4))
                else:  # asymmetric sides that keep the size: they add up to d * (k - 1)
                    top = self.integer(0, d[0] * (k[0] - 1))
                    left = self.integer(0, d[1] * (k[1] - 1))
                    sides = (top, d[0] * (k[0] - 1) - top, left, d[1] * (k[1] - 1) - left)
                pad = sides
        out = tuple(torch_conv_out(size[i], k[i], s[i], d[i], sides[2 * i], sides[2 * i + 1])
                    for i in (0, 1))
        if mode != "free" and out != tuple(size):  # auto with an even extent
            return self._window_padding_same(size, k, s, d)
        if min(out) < 1:
            return self._window_padding_same(size, k, s, d)
        return pad, out

    @staticmethod
    def _window_padding_same(size, k, s, d):
        return "same", tuple(-(-size[i] // s[i]) for i in (0, 1))

    def _pool(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        h, w, c = shape
        kind = self.pick(["maxpool", "avgpool"])
        kernel = self._pair(1, 4)
        k = _both(kernel)
        ceil_mode = self.flag()
        positional: list[object] = [kernel]
        keywords: dict[str, object] = {}
        if mode == "free":
            stride = self.pick([None, self._pair(1, 3)])
            s = k if stride is None else _both(stride)
            if stride is not None:
                positional.append(stride)
            choice = self.pick(["none", "int", "pair", "four", "same", "valid", "auto"])
            match choice:  # every side at most k // 2, PyTorch's limit
                case "none" | "valid":
                    sides = (0, 0, 0, 0)
                case "int":
                    p = self.integer(0, min(k) // 2)
                    sides = (p, p, p, p)
                case "pair":
                    ph, pw = self.integer(0, k[0] // 2), self.integer(0, k[1] // 2)
                    sides = (ph, ph, pw, pw)
                case "four":
                    sides = tuple(self.integer(0, k[i] // 2) for i in (0, 0, 1, 1))
                case "same":
                    sides = (*tf_same_pads(h, k[0], s[0]), *tf_same_pads(w, k[1], s[1]))
                case _:
                    sides = (auto_pad(k[0]), auto_pad(k[0]), auto_pad(k[1]), auto_pad(k[1]))
            pad = {"none": None, "int": sides[0], "pair": (sides[0], sides[2]),
                   "four": sides}.get(choice, choice)
        else:  # stride 1, and padding that keeps the size: k - 1 in all, each side <= k // 2
            positional.append(1)
            s = (1, 1)
            top = self.integer(k[0] - 1 - k[0] // 2, k[0] // 2)
            left = self.integer(k[1] - 1 - k[1] // 2, k[1] // 2)
            sides = (top, k[0] - 1 - top, left, k[1] - 1 - left)
            pad = self.pick(["same", sides]) if sides[::2] == (
                (k[0] - 1) // 2, (k[1] - 1) // 2) else sides
        out = tuple(torch_pool_out((h, w)[i], k[i], s[i], sides[2 * i], sides[2 * i + 1],
                                   ceil_mode) for i in (0, 1))
        if min(out) < 1:  # no window fits: a kernel no larger than the input always does
            kernel = (min(k[0], h), min(k[1], w))
            return _call(kind, [kernel], {}), (h // kernel[0], w // kernel[1], c)
        if pad is not None:
            keywords["pad"] = pad
        if ceil_mode or self.flag():
            keywords["round"] = "ceil" if ceil_mode else "floor"
        if kind == "avgpool":
            keywords.update(self.pick([{}, {"count_pad": True}, {"count_pad": False}]))
        return _call(kind, positional, keywords), (*out, c)

    def _zeropad(self, shape: Shape) -> tuple[str, Shape]:
        h, w, c = shape
        form = self.pick([1, 2, 4])
        values = [self.integer(0, 2) for _ in range(form)]
        if form == 1:
            t = b = left = r = values[0]
        elif form == 2:
            (t, left), (b, r) = values, values
        else:
            t, b, left, r = values
        if h + t + b > MAX_SIDE or w + left + r > MAX_SIDE:
            return "identity", shape
        return _call("zeropad", values, {}), (h + t + b, w + left + r, c)

    def _upsample(self, shape: Shape) -> tuple[str, Shape]:
        h, w, c = shape
        factor = self._pair(1, 3)
        f = _both(factor)
        if h * f[0] > MAX_SIDE or w * f[1] > MAX_SIDE:
            return "identity", shape
        keywords = self.pick([{}, {"mode": "nearest"}, {"mode": "bilinear"}])
        positional: list[object] = [factor] if factor != 2 or keywords or self.flag() else []
        return _call("upsample", positional, keywords), (h * f[0], w * f[1], c)

    # statements --------------------------------------------------------------------------
    def chain(self, indent: str, shape: Shape, mode: str, length: int, depth: int,
              first: str | None = None) -> Shape:
        """``length`` statements; ``first`` is the prefix of the first line (a branch bar)."""
        for i in range(length):
            prefix = first if i == 0 and first is not None else indent
            can_merge = depth < 2 and self.budget >= 4 and (first is None or i > 0)
            if can_merge and self.draw(st.integers(0, 4)) == 0:
                name, shape = self.merge(prefix, shape, mode, depth + 1)
            else:
                text, shape = self.layer(shape, mode)
                self.budget -= 1
                name = self.name(shape)
                self.lines.append(f"{prefix}{name} = {text}")
            if depth == 0 and name is not None:
                self.visible.append((name, shape))
        return shape

    def merge(self, indent: str, shape: Shape, mode: str, depth: int
              ) -> tuple[str | None, Shape]:
        """A merge or residual statement: its name (a residual has none) and shape."""
        kinds = ["add", "mul", "residual"] + (["concat"] if mode != "same" else [])
        kind = self.pick(kinds)
        inner = " " * len(indent) + "    "
        self.budget -= 1  # the merge's own layer (its branches may have none)
        if kind == "residual":
            self.lines.append(f"{indent}residual:")
            self.chain(inner, shape, "same", self.integer(1, 3), depth)
            return None, shape
        name = self.name()  # numbered before its branches, shaped after them
        self.lines.append(f"{indent}{name} = {kind}:")
        if kind == "add":
            for _ in range(self.integer(2, 3)):
                self._branch(inner, shape, "same", depth)
            out = shape
        elif kind == "concat":
            channels = 0
            for _ in range(self.integer(2, 3)):
                channels += self._branch(inner, shape, "hw", depth, allow_from=True)[-1]
            out = (*shape[:-1], channels)
        else:
            out = self._mul_branches(inner, shape, mode, depth)
        self.shapes[name] = out
        return name, out

    def _branch(self, indent: str, shape: Shape, mode: str, depth: int,
                allow_from: bool = False) -> Shape:
        bar = f"{indent}| "
        candidates = [(n, s) for n, s in self.visible if s[:-1] == shape[:-1]]
        choice = self.pick(["empty", "chain", "chain", "from"] if allow_from and candidates
                           else ["empty", "chain", "chain"])
        if choice == "empty":
            self.lines.append(bar.rstrip())
            return shape
        if choice == "from":
            name, other = self.pick(candidates)
            self.lines.append(f"{bar}from {name}")
            return other
        return self.chain(" " * len(bar), shape, mode, self.integer(1, 3), depth, first=bar)

    def _mul_branches(self, indent: str, shape: Shape, mode: str, depth: int) -> Shape:
        """Gates that broadcast over an operand of the input's shape (squeeze and excite, a
        vector, a scalar, a one-channel map) or, in a free chain, over each other
        (a map times a channel gate); the output has their broadcast shape."""
        bar = f"{indent}| "
        more = " " * len(bar)
        gates = ["se", "vector", "scalar", "spatial", "value"]
        operands = [self.pick(gates) for _ in range(self.integer(1, 2))]
        if mode != "free" or self.integer(0, 3) or operands.count("value") == len(operands):
            operands.append("value")
        else:
            operands.append(self.pick(gates[:4]))
        operands = self.draw(st.permutations(operands))
        shapes = []
        for operand in operands:
            gate = self.pick(GATES)
            if operand == "value":
                if self.flag():
                    self.lines.append(bar.rstrip())
                else:
                    self.chain(more, shape, "same", self.integer(1, 2), depth, first=bar)
                shapes.append(shape)
                continue
            if len(shape) == 1 and operand != "scalar":
                operand = "vector"
            steps: list[tuple[str, Shape]]
            c = shape[-1]
            match operand:
                case "se":  # squeeze and excite: gap, 1x1 reduce, act, 1x1 expand, gate
                    r = self.integer(1, c)
                    steps = [("gap", (1, 1, c)), (f"conv({r}, 1)", (1, 1, r)),
                             (self.pick(["relu", "swish", "hswish"]), (1, 1, r)),
                             (f"conv({c}, 1)", (1, 1, c)), (gate, (1, 1, c))]
                case "vector":  # a C vector: gap, flatten, fc (or fc on a vector)
                    steps = ([("gmp", (1, 1, c)), ("flatten", (c,))] if len(shape) == 3
                             else []) + [(f"fc({c})", (c,)), (gate, (c,))]
                case "scalar":  # one number per example
                    hidden = self.integer(1, 3)
                    steps = [(f"fc({hidden})", (hidden,)), ("fc(1)", (1,)), (gate, (1,))]
                case _:  # spatial: one channel, broadcast over the channels
                    steps = [(f"conv(1, {self.pick([1, 3])}, pad=same)", (*shape[:-1], 1)),
                             (gate, (*shape[:-1], 1))]
            for i, (text, out) in enumerate(steps):
                self.budget -= 1
                self.lines.append(f"{bar if i == 0 else more}{self.name(out)} = {text}")
            shapes.append(steps[-1][1])
        return tuple(np.broadcast_shapes(*shapes))


def _both(value: int | tuple[int, int]) -> tuple[int, int]:
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def programs(draw: st.DrawFn, max_layers: int = 14) -> Program:
    """A random valid program, every layer named ``l<i>``, with the expected shapes."""
    builder = _Builder(draw, draw(st.integers(1, max_layers)))
    if draw(st.integers(0, 9)) == 0:
        shape: Shape = (draw(st.integers(1, 12)),)
    else:
        shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 6)))
    builder.shapes["l0"] = shape
    builder.visible.append(("l0", shape))
    while builder.budget > 0:
        if len(builder.visible) > 2 and draw(st.integers(0, 9)) == 0:
            # continue from an earlier tensor: what came after it is left unused
            name, shape = draw(st.sampled_from(builder.visible[:-1]))
            builder.lines.append(f"    from {name}")
            builder.budget -= 1
        shape = builder.chain("    ", shape, "free", 1, 0)
    lines = ["net random:", f"    l0 = input({', '.join(map(str, builder.shapes['l0']))})",
             *builder.lines]
    return Program("".join(f"{line}\n" for line in lines), builder.shapes)


__all__ = [
    "Program",
    "auto_pad",
    "every_output",
    "programs",
    "tf_same_pads",
    "torch_conv_out",
    "torch_pool_out",
    "torch_pool_pad_ok",
]
