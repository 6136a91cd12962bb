"""A NumPy reference executor: run a graph that carries weights on real data.

It exists to check the compiler, not to be fast: the optimisation passes are
verified by running a network before and after them on the same input and
comparing the outputs. Everything is computed in float64 with direct,
readable formulas:

* convolution: explicit padding (``same`` resolved per input size), stride,
  dilation and groups, as a sum over the kernel window (``numpy.einsum``);
* batch norm in its inference form, ``gamma * (x - mean) / sqrt(variance + eps) + beta``;
* activations: ``hsigmoid`` is ``relu6(x + 3) / 6``, ``hswish`` is ``x * hsigmoid(x)``,
  ``swish`` is ``x * sigmoid(x)``, ``gelu`` is exact (``x * Phi(x)``, with the
  error function) or, with ``approx=tanh``, the tanh approximation; softmax
  is over the last axis;
* pooling: max pooling ignores padding; average pooling divides by the
  window's elements inside the padded input (``count_pad``, PyTorch's
  default) or inside the input only (TensorFlow's convention); ``ceil``
  rounding lets the last window hang over the end, and that part never counts;
* merges broadcast like NumPy over the example's axes, never the batch axis
  (a C-vector multiplies every pixel of an H x W x C image);
* upsampling: nearest, or bilinear with half-pixel centres (``align_corners=False``);
* dropout and identity pass their input through.

Layers fused into a node run after it, in order; batch norms folded into a
node do not run (its kernel and bias already include them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import (
    Activation,
    Add,
    BatchNorm,
    Concat,
    Conv,
    Dense,
    Dropout,
    Flatten,
    GlobalPool,
    Identity,
    Input,
    Mul,
    Pool,
    Upsample,
    ZeroPad,
)
from netdsl.passes.infer_shapes import resolve_padding


def _np():
    import numpy

    return numpy


def _windows(x: Any, kernel, stride, dilation, out: tuple[int, int]) -> Any:
    """A strided view (N, Hout, Wout, Kh, Kw, C) of the windows of padded ``x``."""
    np = _np()
    n, _, _, c = x.shape
    s_n, s_h, s_w, s_c = x.strides
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, out[0], out[1], kernel[0], kernel[1], c),
        strides=(s_n, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1],
                 s_c),
        writeable=False,
    )


def _pad(x: Any, sides: tuple[int, int, int, int], value: float = 0.0) -> Any:
    top, bottom, left, right = sides
    return _np().pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def _conv(op: Conv, x: Any, weights: Mapping[str, Any], out_shape) -> Any:
    np = _np()
    n, h, w, c = x.shape
    sides = resolve_padding(op.padding, (h, w), op.kernel, op.stride, op.dilation)
    patches = _windows(_pad(x, sides), op.kernel, op.stride, op.dilation, out_shape[:2])
    g = op.groups
    kh, kw = op.kernel
    patches = patches.reshape(n, *out_shape[:2], kh, kw, g, c // g)
    kernel = weights["kernel"].reshape(kh, kw, c // g, g, op.channels // g)
    y = np.einsum("nhwijgc,ijcgo->nhwgo", patches, kernel, optimize=True)
    y = y.reshape(n, *out_shape[:2], op.channels)
    return y + weights["bias"] if op.bias else y


def _dense(op: Dense, x: Any, weights: Mapping[str, Any]) -> Any:
    y = x.reshape(x.shape[0], -1) @ weights["kernel"]
    return y + weights["bias"] if op.bias else y


def _batchnorm(op: BatchNorm, x: Any, weights: Mapping[str, Any]) -> Any:
    np = _np()
    scale = weights["gamma"] / np.sqrt(weights["variance"] + op.eps)
    return (x - weights["mean"]) * scale + weights["beta"]


def _activation(op: Activation, x: Any) -> Any:
    kind = op.kind
    np = _np()

    def relu6(v: Any) -> Any:
        return np.clip(v, 0.0, 6.0)

    def sigmoid(v: Any) -> Any:
        return 1.0 / (1.0 + np.exp(-v))

    match kind:
        case "relu":
            return np.maximum(x, 0.0)
        case "relu6":
            return relu6(x)
        case "sigmoid":
            return sigmoid(x)
        case "tanh":
            return np.tanh(x)
        case "hsigmoid":
            return relu6(x + 3.0) / 6.0
        case "hswish":
            return x * relu6(x + 3.0) / 6.0
        case "swish":
            return x * sigmoid(x)
        case "gelu" if op.approx == "tanh":
            return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
        case "gelu":
            erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; this is a reference
            return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))
        case "softmax":
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"no executor rule for activation {kind!r}")


def _pool(op: Pool, x: Any, out_shape) -> Any:
    np = _np()
    _, h, w, _ = x.shape
    top, bottom, left, right = resolve_padding(op.padding, (h, w), op.kernel, op.stride)
    # With ceil rounding the last window may reach past the padding: extend it.
    need_h = (out_shape[0] - 1) * op.stride[0] + op.kernel[0] - (h + top)
    need_w = (out_shape[1] - 1) * op.stride[1] + op.kernel[1] - (w + left)
    sides = (top, max(bottom, need_h), left, max(right, need_w))
    if op.kind == "max":
        windows = _windows(_pad(x, sides, -np.inf), op.kernel, op.stride, (1, 1),
                           out_shape[:2])
        return windows.max(axis=(3, 4))
    # The divisor counts the window's elements inside the input, or inside the
    # padded input with count_pad; never the part a ceil window hangs over.
    counted = (np.ones((1, h + top + bottom, w + left + right, 1)) if op.count_pad
               else _pad(np.ones((1, h, w, 1)), (top, bottom, left, right)))
    inside = _pad(counted, (0, sides[1] - bottom, 0, sides[3] - right))
    total = _windows(_pad(x, sides), op.kernel, op.stride, (1, 1), out_shape[:2]).sum(
        axis=(3, 4))
    count = _windows(inside, op.kernel, op.stride, (1, 1), out_shape[:2]).sum(axis=(3, 4))
    return total / count


def _upsample(op: Upsample, x: Any) -> Any:
    np = _np()
    fh, fw = op.factor
    if op.mode == "nearest":
        return x.repeat(fh, axis=1).repeat(fw, axis=2)

    def axis_weights(n: int, f: int) -> tuple[Any, Any, Any]:
        source = np.clip((np.arange(n * f) + 0.5) / f - 0.5, 0, n - 1)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n - 1)
        return low, high, source - low

    _, h, w, _ = x.shape
    h0, h1, th = axis_weights(h, fh)
    w0, w1, tw = axis_weights(w, fw)
    rows = x[:, h0] * (1 - th)[None, :, None, None] + x[:, h1] * th[None, :, None, None]
    return rows[:, :, w0] * (1 - tw)[None, None, :, None] + rows[:, :, w1] * tw[None, None, :,
                                                                                   None]


def _align(arrays: list[Any]) -> list[Any]:
    """Batched operands shaped to broadcast over their example axes only.

    NumPy aligns trailing axes, so an (N, C) vector beside an (N, H, W, C)
    image would pair its batch axis with W; inserting unit axes after the
    batch axis pairs C with C, as the shape rule does for one example.
    """
    rank = max(a.ndim for a in arrays)
    return [a.reshape(a.shape[0], *(1,) * (rank - a.ndim), *a.shape[1:]) for a in arrays]


def run_node(graph: Graph, node: Node, inputs: list[Any]) -> Any:
    """The output of one node (its fused layers included) for a batch of inputs."""
    np = _np()
    x = inputs[0] if inputs else None
    weights = node.weights or {}
    out = (x.shape[0], *node.shape) if x is not None else None
    match node.op:
        case Conv():
            y = _conv(node.op, x, weights, node.shape)
        case Dense():
            y = _dense(node.op, x, weights)
        case BatchNorm():
            y = _batchnorm(node.op, x, weights)
        case Activation():
            y = _activation(node.op, x)
        case Pool():
            y = _pool(node.op, x, node.shape)
        case GlobalPool(kind=kind):
            y = x.mean(axis=(1, 2), keepdims=True) if kind == "avg" else x.max(
                axis=(1, 2), keepdims=True)
        case ZeroPad(sides=sides):
            y = _pad(x, sides)
        case Add():
            y = sum(inputs[1:], inputs[0])
        case Mul():
            operands = _align(inputs)
            y = operands[0]
            for other in operands[1:]:
                y = y * other
        case Concat():
            y = np.concatenate(inputs, axis=-1)
        case Flatten():
            y = x.reshape(x.shape[0], -1)
        case Upsample():
            y = _upsample(node.op, x)
        case Dropout() | Identity():
            y = x
        case _:
            raise ValueError(f"no executor rule for {type(node.op).__name__}")
    for absorbed in node.fused:
        if absorbed.how == "fused":
            match absorbed.op:
                case Activation():
                    y = _activation(absorbed.op, y)
                case BatchNorm():
                    y = _batchnorm(absorbed.op, y, absorbed.weights or {})
    if out is not None:
        assert y.shape == out, f"{node.name}: computed {y.shape}, inferred {out}"
    return y


def execute(graph: Graph, data: Any | Mapping[str, Any], layer: str | None = None) -> Any:
    """Run ``graph`` on ``data`` and return the (first) output as a float64 array.

    With ``layer``, the output of that layer instead (it must still exist in
    the graph: a layer fused into another has no output of its own).
    ``data`` is one array for a single-input network, or a mapping from input
    layer names to arrays; each array is one example shaped like the input
    (H x W x C) or a batch of them (N x H x W x C). The graph must carry
    weights (see :mod:`netdsl.weights`). The result has the batch axis when
    the data had one.
    """
    np = _np()
    if any(n.weights is None and _needs_weights(n) for n in graph.nodes):
        raise error("E702", f"network {graph.name} carries no weights",
                    hint="compile with weights= (an .npz file or arrays) or seed=")
    sources = [n for n in graph.nodes if isinstance(n.op, Input)]
    given = data if isinstance(data, Mapping) else {sources[0].name: data}
    values: dict[str, Any] = {}
    batched = True
    for node in sources:
        array = np.asarray(given[node.name], dtype=np.float64)
        if array.shape == tuple(node.shape):
            array, batched = array[None], False
        if array.shape[1:] != tuple(node.shape):
            raise ValueError(f"input '{node.name}' has shape {array.shape}, the network "
                             f"expects {node.shape} or a batch of it")
        values[node.name] = array
    wanted = layer or graph.outputs[0]
    if wanted not in graph:
        raise ValueError(f"network {graph.name} has no layer '{wanted}'")
    for node in graph.nodes:
        if not isinstance(node.op, Input):
            values[node.name] = run_node(graph, node, [values[i] for i in node.inputs])
        if node.name == wanted:
            break
    result = values[wanted]
    return result if batched else result[0]


def _needs_weights(node: Node) -> bool:
    return isinstance(node.op, Conv | Dense | BatchNorm)


__all__ = ["execute", "run_node"]
