"""Random valid netdsl programs, the reference window formulas, and a sweep of the executor.

:func:`programs` is a Hypothesis strategy drawing a whole program as source text over every
built-in layer, on images (H x W x C), sequences of tokens (N x C) and vectors:

* images: convolutions with every padding mode, stride, dilation, groups, depthwise
  multipliers and biases, transposed convolutions (stride, padding, output padding below the
  stride or the dilation, dilation, groups, bias), max and average pooling with both rounding
  modes and padding, adaptive average and max pooling (to sizes smaller and larger than the
  input), global pooling, zero padding, upsampling, pixel shuffle and unshuffle, group and
  instance norm, ``tokens`` (an image as a sequence), flatten and dense layers;
* sequences: ``input(n, c)``, ``linear`` on the last axis, ``class_token``, ``pos_embed``,
  ``mha(heads)`` with and without biases, ``token(i)``, flatten and dense;
* any tensor: batch norm, layer norm, every activation (``leaky_relu``, ``elu``,
  ``hardtanh`` and ``prelu`` with their arguments, ``mish``), ``scale``, ``bias``,
  ``slice`` and ``channel_shuffle`` of channels, ``linear``, dropout and identity;
* add / concat / mul merges (the squeeze-and-excitation gate, vector, scalar and spatial or
  per-token gates) and residual blocks, nested, and ``from`` an earlier tensor (which leaves
  the layers after it unused).

Every layer is named (``l1 = ...``), and the generator tracks each one's shape with the
formulas below, written independently of netdsl (from PyTorch's documentation and
TensorFlow's), so a drawn program is valid by construction and its expected shapes are known.
Sizes stay small so the NumPy executor runs each program in milliseconds.

The window formulas are PyTorch's (``torch.nn.Conv2d``, ``ConvTranspose2d``,
``MaxPool2d(ceil_mode=...)``, ATen's ``pooling_output_shape`` and the adaptive pooling
windows of ``AdaptiveAvgPool2d``) and TensorFlow's ``same`` padding; ``auto_pad`` is
netdsl's own rule as docs/language.md states it.
"""

from __future__ import annotations

import math
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


def torch_conv_transpose_out(n: int, k: int, s: int, d: int, p: int, out_pad: int) -> int:
    """PyTorch's ``ConvTranspose2d`` output size, as its documentation gives it.

    ``H_out = (H_in - 1) * stride - 2 * padding + dilation * (kernel_size - 1)
    + output_padding + 1``; ``output_padding`` must be smaller than the stride or the
    dilation ("output padding must be smaller than either stride or dilation").
    """
    assert 0 <= out_pad < max(s, d)
    return (n - 1) * s - 2 * p + d * (k - 1) + out_pad + 1


def torch_adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """The input range ``[start, end)`` of each of ``out`` adaptive pooling cells over ``n``.

    ATen's ``start_index(i, out, n) = floor(i * n / out)`` and
    ``end_index(i, out, n) = ceil((i + 1) * n / out)`` (AdaptiveAvgPool2d and
    AdaptiveMaxPool2d): windows may differ in size and overlap, and an output larger than
    the input repeats rows.
    """
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


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
               "gelu", "gelu(approx=none)", "gelu(approx=tanh)", "softmax", "mish"]
GATES = ["sigmoid", "hsigmoid"]
MAX_SIDE = 16  # spatial sizes stay at most this
MAX_CHANNELS = 8
MAX_VECTOR = 256
MAX_TOKENS = 40  # tokens of a sequence
CLIPS = [-2, -1, -0.5, 0, 0.25, 1, 6]  # hardtanh bounds


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
        if len(shape) == 2:
            return self._sequence_layer(shape, mode)
        # Simple layers first (Hypothesis shrinks towards them), windows the most often.
        kinds = ["identity", "act", "bn", "dropout", "conv", "conv", "dwconv", "pool", "act",
                 "act2", "norm", "learned", "shuffle", "slice", "linear", "convT", "adaptive"]
        if mode != "same":
            kinds += ["conv", "dwconv", "convT"]
        if mode == "free":
            kinds += ["pool", "conv", "zeropad", "upsample", "dwconv", "pixel", "tokens",
                      self.pick(["dense", "gap", "flatten"])]
        kind = self.pick(kinds)
        h, w, c = shape
        match kind:
            case "conv":
                return self._conv(shape, mode)
            case "dwconv":
                return self._dwconv(shape, mode)
            case "convT":
                return self._conv_transpose(shape, mode)
            case "pool":
                return self._pool(shape, mode)
            case "adaptive":
                return self._adaptive(shape, mode)
            case "gap":
                return self.pick(["gap", "gmp"]), (1, 1, c)
            case "zeropad":
                return self._zeropad(shape)
            case "upsample":
                return self._upsample(shape)
            case "pixel":
                return self._pixel(shape)
            case "tokens":
                if h * w > MAX_TOKENS:
                    return "identity", shape
                return "tokens", (h * w, c)
            case _:
                return self._any_rank(kind, shape, mode)

    def _vector_layer(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        kinds = ["identity", "act", "bn", "dropout", "dense", "act2", "norm", "learned",
                 "shuffle", "slice", "linear"]
        return self._any_rank(self.pick(kinds), shape, mode)

    def _sequence_layer(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        kinds = ["identity", "act", "bn", "dropout", "act2", "norm", "learned", "shuffle",
                 "slice", "linear", "mha", "pos_embed", "mha", "linear"]
        if mode == "free":
            kinds += ["class_token", "token", self.pick(["dense", "flatten", "class_token"])]
        kind = self.pick(kinds)
        n, c = shape
        match kind:
            case "mha":  # heads must divide the features
                heads = self.pick(_divisors(c))
                if self.flag():
                    return _call("mha", [], {"heads": heads, **self._bias()}), shape
                return _call("mha", [heads], self._bias()), shape
            case "pos_embed":
                return "pos_embed", shape
            case "class_token":
                if n + 1 > MAX_TOKENS:
                    return "identity", shape
                return "class_token", (n + 1, c)
            case "token":
                i = self.integer(0, n - 1)
                text = self.pick(["token", "token(0)", "token(i=0)"]) if i == 0 else self.pick(
                    [f"token({i})", f"token(i={i})"])
                return text, (c,)
            case _:
                return self._any_rank(kind, shape, mode)

    def _any_rank(self, kind: str, shape: Shape, mode: str) -> tuple[str, Shape]:
        """Layers that work on the last axis of an image, a sequence or a vector alike."""
        c = shape[-1]
        match kind:
            case "identity":
                return "identity", shape
            case "act":
                return self.pick(ACTIVATIONS), shape
            case "act2":
                return self._parametric_activation(), shape
            case "bn":
                return self.pick(["bn", "bn(eps=0)", "bn(eps=0.001)", "bn(1e-5)"]), shape
            case "dropout":
                return self.pick(["dropout", "dropout(0)", "dropout(0.25)", "dropout(1.0)",
                                  "dropout(rate=1)"]), shape
            case "norm":
                return self._norm(shape), shape
            case "learned":
                return self.pick(["scale", "bias"]), shape
            case "shuffle":
                g = self.pick(_divisors(c))
                return self.pick([f"channel_shuffle({g})", f"channel_shuffle(g={g})"]), shape
            case "slice":  # channels start to end - 1; all of them when the shape is kept
                start = 0 if mode == "same" else self.integer(0, c - 1)
                end = c if mode == "same" else self.integer(start + 1, c)
                return self.pick([f"slice({start}, {end})", f"slice(start={start}, end={end})"]
                                 ), (*shape[:-1], end - start)
            case "linear":
                units = c if mode == "same" else self.integer(1, MAX_CHANNELS)
                return _call("linear", [units], self._bias()), (*shape[:-1], units)
            case "flatten":
                size = math.prod(shape)
                if size > MAX_VECTOR:
                    return "identity", shape
                return "flatten", (size,)
            case _:  # dense, over the flattened input (a kept shape: only a vector's)
                units = shape[0] if mode == "same" else self.integer(1, MAX_CHANNELS)
                return _call(self.pick(["dense", "fc"]), [units], self._bias()), (units,)

    def _bias(self) -> dict[str, object]:
        return self.pick([{}, {"bias": True}, {"bias": False}])

    def _parametric_activation(self) -> str:
        """``mish`` and the activations with arguments: leaky_relu, elu, hardtanh, prelu."""
        kind = self.pick(["mish", "leaky_relu", "elu", "hardtanh", "prelu"])
        match kind:
            case "mish":
                return "mish"
            case "leaky_relu":
                slope = self.pick([None, 0.01, 0.2, 0, -0.5, 1.5])
                if slope is None:
                    return "leaky_relu"
                return self.pick([f"leaky_relu({slope})", f"leaky_relu(slope={slope})"])
            case "elu":
                alpha = self.pick([None, 1.0, 0.5, 2, 0])
                if alpha is None:
                    return "elu"
                return self.pick([f"elu({alpha})", f"elu(alpha={alpha})"])
            case "hardtanh":
                low, high = sorted(self.pick(CLIPS) for _ in range(2))
                return self.pick(["hardtanh", f"hardtanh({low}, {high})",
                                  f"hardtanh(low={low}, high={high})",
                                  f"hardtanh(high={max(high, -1)})"])
            case _:
                return self.pick(["prelu", "prelu(per_channel=true)", "prelu(per_channel=false)",
                                  "prelu(false)"])

    def _norm(self, shape: Shape) -> str:
        """Layer norm (any tensor), group and instance norm (images), with eps and affine.

        eps is never 0 here: a normalised group whose values are all equal (one channel, or
        a relu's zeros) would be 0 / 0, in PyTorch as in netdsl.
        """
        kind = self.pick(["layernorm", "groupnorm", "instancenorm"] if len(shape) == 3
                         else ["layernorm"])
        keywords: dict[str, object] = self.pick([{}, {"eps": 1e-6}, {"eps": 0.001},
                                                  {"eps": 0.1}])
        affine = self.pick([None, True, False])
        if affine is not None:
            keywords["affine"] = affine
        positional = [self.pick(_divisors(shape[-1]))] if kind == "groupnorm" else []
        return _call(kind, positional, keywords)

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

    def _conv_transpose(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        """``convT`` with every argument; outside a free chain it keeps the height and width.

        Per axis: the stride, dilation and output padding (below max(stride, dilation),
        PyTorch's rule) are drawn, then the padding that keeps the output between 1 and
        MAX_SIDE, or, to keep the size, ``2 p = (n - 1) (s - 1) + d (k - 1) + out_pad``.
        """
        h, w, c = shape
        groups = self.pick(_divisors(c))
        multiple = 1 if mode == "same" else self.integer(1, max(1, MAX_CHANNELS // groups))
        channels = c if mode == "same" else groups * multiple
        square = self.flag()
        axes: list[tuple[int, int, int, int, int]] = []  # (k, s, d, p, out_pad) per axis
        for n in (h, w):
            if square and axes:
                k, s, d = axes[0][:3]
            else:
                k, d = self.integer(1, 4), self.integer(1, 3)
                s = self.integer(1, 2 if mode != "free" else 3)
                if mode == "free" and n > 1:
                    s = min(s, max(1, (MAX_SIDE - 1) // (n - 1)))
            if mode == "free":
                out_pad = self.integer(0, max(s, d) - 1)
                full = (n - 1) * s + d * (k - 1) + out_pad + 1
                low = max(0, -(-(full - MAX_SIDE) // 2))
                p = self.integer(low, min((full - 1) // 2, low + 2))
            else:
                total = (n - 1) * (s - 1) + d * (k - 1)
                if total % 2 and max(s, d) == 1:  # an odd out_pad would be needed: none is
                    k, total = k + 1, total + 1
                out_pad = total % 2
                p = (total + out_pad) // 2
            axes.append((k, s, d, p, out_pad))
        out = tuple(torch_conv_transpose_out(n, k, s, d, p, op)
                    for n, (k, s, d, p, op) in zip((h, w), axes, strict=True))
        assert out == (h, w) if mode != "free" else min(out) >= 1 and max(out) <= MAX_SIDE, (
            shape, axes, out)

        def value(i: int, always: bool = False) -> int | tuple[int, int] | None:
            first, second = axes[0][i], axes[1][i]
            if first == second and (square or self.flag()):
                return first if always or first != (1, 1, 1, 0, 0)[i] or self.flag() else None
            return first, second

        kernel, stride, dilation, pad, out_pad = (value(i, i == 0) for i in range(5))
        positional: list[object] = [channels, kernel]
        keywords: dict[str, object] = {}
        if stride is not None:
            positional.append(stride)
        for key, v in (("pad", pad), ("out_pad", out_pad), ("dilation", dilation)):
            if v is not None:
                keywords[key] = v
        if groups != 1 or self.flag():
            keywords["groups"] = groups
        keywords.update(self._bias())
        return _call("convT", positional, keywords), (*out, channels)

    def _adaptive(self, shape: Shape, mode: str) -> tuple[str, Shape]:
        """Adaptive pooling to a size smaller or larger than the input (the input's own
        size outside a free chain)."""
        h, w, c = shape
        layer = self.pick(["adaptive_avgpool", "adaptive_maxpool"])
        if mode == "free":
            oh = self.integer(1, 8)
            ow = oh if self.flag() else self.integer(1, 8)
        else:
            oh, ow = h, w
        if oh == ow:
            text = self.pick([f"{layer}({oh})", f"{layer}({oh}, {ow})", f"{layer}(h={oh})"])
        else:
            text = self.pick([f"{layer}({oh}, {ow})", f"{layer}({oh}, w={ow})",
                              f"{layer}(w={ow}, h={oh})"])
        return text, (oh, ow, c)

    def _pixel(self, shape: Shape) -> tuple[str, Shape]:
        """Depth to space (channels divisible by r^2) or space to depth (H, W divisible)."""
        h, w, c = shape
        if self.flag():
            factors = [r for r in (2, 3) if c % (r * r) == 0 and max(h, w) * r <= MAX_SIDE]
            r = self.pick([1, *factors])
            text = self.pick([f"pixel_shuffle({r})", f"pixel_shuffle(r={r})"])
            return text, (h * r, w * r, c // (r * r))
        factors = [r for r in (2, 3) if h % r == 0 and w % r == 0
                   and c * r * r <= 4 * MAX_CHANNELS]
        r = self.pick([1, *factors])
        return self.pick([f"pixel_unshuffle({r})", f"pixel_unshuffle(r={r})"]), (
            h // r, w // r, c * r * r)

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
        vector, a scalar, a one-channel map or one value per token) or, in a free chain,
        over each other (a map times a channel gate); the output has their broadcast
        shape."""
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
            if len(shape) == 2 and operand == "se":
                operand = "vector"
            steps: list[tuple[str, Shape]]
            c = shape[-1]
            match operand:
                case "se":  # squeeze and excite: gap, 1x1 reduce, act, 1x1 expand, gate
                    r = self.integer(1, c)
                    steps = [("gap", (1, 1, c)), (f"conv({r}, 1)", (1, 1, r)),
                             (self.pick(["relu", "swish", "hswish"]), (1, 1, r)),
                             (f"conv({c}, 1)", (1, 1, c)), (gate, (1, 1, c))]
                case "vector":  # a C vector: gap, flatten, fc; a token, linear; fc
                    if len(shape) == 3:
                        steps = [("gmp", (1, 1, c)), ("flatten", (c,)), (f"fc({c})", (c,))]
                    elif len(shape) == 2:
                        steps = [(f"token({self.integer(0, shape[0] - 1)})", (c,)),
                                 (f"linear({c})", (c,))]
                    else:
                        steps = [(f"fc({c})", (c,))]
                    steps.append((gate, (c,)))
                case "scalar":  # one number per example
                    hidden = self.integer(1, 3)
                    steps = [(f"fc({hidden})", (hidden,)), ("fc(1)", (1,)), (gate, (1,))]
                case _ if len(shape) == 2:  # one number per token
                    steps = [("linear(1)", (shape[0], 1)), (gate, (shape[0], 1))]
                case _:  # spatial: one channel, broadcast over the channels
                    steps = [(f"conv(1, {self.pick([1, 3])}, pad=same)", (*shape[:-1], 1)),
                             (gate, (*shape[:-1], 1))]
            for i, (text, out) in enumerate(steps):
                self.budget -= 1
                self.lines.append(f"{bar if i == 0 else more}{self.name(out)} = {text}")
            shapes.append(steps[-1][1])
        return tuple(np.broadcast_shapes(*shapes))


def _divisors(n: int) -> list[int]:
    return [g for g in range(1, n + 1) if n % g == 0]


def _both(value: int | tuple[int, int]) -> tuple[int, int]:
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def programs(draw: st.DrawFn, max_layers: int = 14) -> Program:
    """A random valid program, every layer named ``l<i>``, with the expected shapes."""
    builder = _Builder(draw, draw(st.integers(1, max_layers)))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        shape: Shape = (draw(st.integers(1, 12)),)
    elif kind <= 2:  # a sequence of tokens
        shape = (draw(st.integers(1, 12)), draw(st.integers(1, MAX_CHANNELS)))
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
    "torch_adaptive_windows",
    "torch_conv_out",
    "torch_conv_transpose_out",
    "torch_pool_out",
    "torch_pool_pad_ok",
]
