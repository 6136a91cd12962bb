"""Export a graph that carries weights to an ONNX model that ONNX Runtime runs.

Layout. netdsl's tensors are channels-last (an image is H x W x C); ONNX's
convolutions and pools are channels-first. So every tensor of three axes or
more is stored channels-first (N x C x H x W), and vectors (N x C) and
sequences (N x T x C) as they are. Layers whose meaning depends on the order of
the elements (``flatten``, ``dense`` on an image, ``reshape``, ``permute``,
``tokens``) first transpose an image back to N x H x W x C, so the model
computes exactly what netdsl's executor computes with the same weights.

Names. Each layer becomes one ONNX node named as the layer, whose output is
named as the layer too (so Netron and ONNX Runtime's profiler show the user's
names); a layer that needs several ONNX operators names the others
``<layer>:<what>``. :attr:`OnnxExport.layer_of` maps every node to its layer.
Layers fused into a node by the passes are exported after it, each under its
own name; batch norms folded into a convolution are already in its weights.

The node named as a layer says in its ``doc_string`` which netdsl call it
computes (``netdsl: adaptive_avgpool(7, 7)``): the importer reads it back to
tell apart layers that ONNX computes the same way (an adaptive pool with equal
windows and a pool; ``swish`` and ``silu``), so a round trip keeps the layers
as written.

Initializers are exactly the learned parameters (their element count equals
the parameter count netdsl reports for the graph); shapes, clip bounds and the
like are ``Constant`` nodes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np

from netdsl.bridge import require
from netdsl.bridge.calls import call_text
from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import (
    ELU,
    Activation,
    AdaptivePool,
    Add,
    BatchNorm,
    Bias,
    ChannelShuffle,
    ClassToken,
    Concat,
    Conv,
    ConvTranspose,
    Dense,
    Dropout,
    Flatten,
    GlobalPool,
    GroupNorm,
    HardTanh,
    Identity,
    Input,
    LayerNorm,
    LeakyReLU,
    Linear,
    Mul,
    MultiHeadAttention,
    Permute,
    PixelShuffle,
    Pool,
    PositionEmbedding,
    PReLU,
    Reshape,
    Scale,
    Slice,
    Tokens,
    TokenSelect,
    Upsample,
    ZeroPad,
)
from netdsl.ir.ops.adaptive_pool import windows_along
from netdsl.ir.windows import resolve_padding

#: The ONNX operator set exported models declare (Gelu needs 20; ONNX Runtime 1.17+ runs 21).
OPSET = 21
#: How a node's ``doc_string`` starts when it names the netdsl call it computes.
HINT = "netdsl: "
#: The name of the batch dimension when it is left free.
BATCH = "N"

Shape = tuple[int, ...]


@attrs.frozen
class OnnxExport:
    """An exported model and, for each of its node names, the netdsl layer it computes."""

    model: Any = attrs.field(repr=False)
    layer_of: dict[str, str]

    def save(self, path: str) -> None:
        """Write the model to ``path``."""
        with open(path, "wb") as stream:
            stream.write(self.model.SerializeToString())


def to_onnx(graph: Graph, *, batch: int | None = None, opset: int = OPSET) -> OnnxExport:
    """``graph`` (which must carry weights) as an ONNX model.

    The batch dimension of the inputs and outputs is ``batch`` or, when None,
    free (named ``N``). Tensors and weights are float32. Raises a
    :class:`~netdsl.diagnostics.NetdslError`: E901 when the ``onnx`` package is
    missing, E702 when the graph carries no weights.
    """
    onnx = require("onnx", "exporting to ONNX")
    from netdsl.weights import parameter_shapes

    missing = [n for n in graph.nodes if n.weights is None and parameter_shapes(graph, n)]
    if missing:
        raise error("E702", f"network {graph.name} carries no weights to export",
                    missing[0].span, hint="give weights (--weights FILE.npz) or --seed N")
    builder = _Builder(onnx, graph, batch)
    for node in graph.nodes:
        builder.layer(node)
    return builder.finish(opset)


def channels_first(shape: Shape) -> Shape:
    """The ONNX layout of a netdsl example shape: channels first from three axes on."""
    return (shape[-1], *shape[:-1]) if len(shape) >= 3 else shape


class _Builder:
    """Collects nodes, initializers and the layer each node belongs to."""

    def __init__(self, onnx: Any, graph: Graph, batch: int | None):
        self.onnx = onnx
        self.graph = graph
        self.batch: int | str = BATCH if batch is None else batch
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.inputs: list[Any] = []
        self.layer_of: dict[str, str] = {}
        self.used: set[str] = set()
        self.layer_name = ""  # the layer being exported

    # ---- building blocks --------------------------------------------------------------

    def _unique(self, name: str) -> str:
        unique, n = name, 1
        while unique in self.used:
            n += 1
            unique = f"{name}#{n}"
        self.used.add(unique)
        return unique

    def op(self, op_type: str, inputs: Sequence[str], what: str | None = None,
           *, output: str | None = None, **attributes: Any) -> str:
        """Add one node of the current layer; return its output's name.

        The node that writes the layer's ``output`` is named as the layer; the
        others (``what``) are named ``<layer>:<what>`` and so are their outputs.
        """
        if output is not None:
            name = self._unique(self.layer_name)
        else:
            assert what is not None
            name = self._unique(f"{self.layer_name}:{what}")
        out = output or name
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], name=name,
                                                     **attributes))
        self.layer_of[name] = self.layer_name
        return out

    def const(self, values: Any, what: str, dtype: str = "int64") -> str:
        """A ``Constant`` node holding ``values`` (not a parameter)."""
        array = np.asarray(values, dtype=dtype)
        tensor = self.onnx.numpy_helper.from_array(array, name=f"{self.layer_name}:{what}")
        return self.op("Constant", [], what, value=tensor)

    def weight(self, array: Any, key: str) -> str:
        """An initializer holding a learned parameter, as float32."""
        name = self._unique(f"{self.layer_name}/{key}")
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=np.float32), name=name))
        return name

    def to_last(self, x: str, rank: int, what: str = "to_nhwc") -> str:
        """``x`` with its channels moved last (netdsl's order); no-op below three axes."""
        if rank < 3:
            return x
        return self.op("Transpose", [x], what, perm=[0, *range(2, rank + 1), 1])

    def to_first(self, x: str, rank: int, what: str = "to_nchw", *,
                 output: str | None = None) -> str:
        """``x`` in netdsl's order with its channels moved first; no-op below three axes."""
        if rank < 3:
            return x if output is None else self.op("Identity", [x], what, output=output)
        return self.op("Transpose", [x], what, perm=[0, rank, *range(1, rank)], output=output)

    def reshape(self, x: str, shape: Sequence[int], what: str, *,
                output: str | None = None) -> str:
        """``x`` reshaped to ``shape`` after the batch axis (kept as it is, whatever it is)."""
        target = self.const([0, *shape], f"{what}_shape")
        return self.op("Reshape", [x, target], what, output=output)

    # ---- layers -----------------------------------------------------------------------

    def layer(self, node: Node) -> None:
        self.layer_name = node.name
        ins = self.graph.input_shapes(node)
        if isinstance(node.op, Input):
            self.inputs.append(self.onnx.helper.make_tensor_value_info(
                node.name, self.onnx.TensorProto.FLOAT,
                [self.batch, *channels_first(node.shape)]))
            self.used.add(node.name)
            return
        applied = [a for a in node.fused if a.how == "fused"]
        # With layers fused after it, the node's own result is an intermediate value;
        # the last fused layer writes the value named as the node, which others read.
        output = f"{node.name}:out" if applied else node.name
        try:
            y = self.emit(node.op, list(node.inputs), ins, node.shape, node.weights or {}, output)
            for i, absorbed in enumerate(applied):
                self.layer_name = absorbed.name
                output = node.name if i == len(applied) - 1 else f"{absorbed.name}:out"
                y = self.emit(absorbed.op, [y], [node.shape], node.shape,
                              absorbed.weights or {}, output)
        except _Unsupported as exc:
            raise error("E905", f"layer '{self.layer_name}' cannot be exported to ONNX: {exc}",
                        node.span) from None

    def emit(self, op: Any, xs: list[str], ins: list[Shape], out: Shape,
             weights: Any, output: str) -> str:
        """The nodes computing ``op``; the last one, named as the layer, writes ``output``."""
        for kinds, method in _EMITTERS:
            if isinstance(op, kinds):
                y = method(self, op, xs, ins, out, weights, output)
                assert y == output == self.nodes[-1].output[0], (op, y, output)
                self.nodes[-1].doc_string = f"{HINT}{call_text(op, ins)}"
                return y
        raise _Unsupported(f"no ONNX translation for {type(op).__name__}")

    def finish(self, opset: int) -> OnnxExport:
        onnx = self.onnx
        graph = self.graph
        outputs = [
            onnx.helper.make_tensor_value_info(
                name, self.onnx.TensorProto.FLOAT, [self.batch, *channels_first(graph[name].shape)])
            for name in graph.outputs
        ]
        model = onnx.helper.make_model(
            onnx.helper.make_graph(self.nodes, graph.name, self.inputs, outputs,
                                   self.initializers),
            opset_imports=[onnx.helper.make_opsetid("", opset)],
            producer_name="netdsl",
            doc_string=f"network {graph.name}, exported by netdsl "
                       "(channels-first: N x C x H x W)",
        )
        from netdsl import __version__

        model.producer_version = __version__
        arguments = ", ".join(f"{k}={v!r}" for k, v in graph.arguments)
        onnx.helper.set_model_props(model, {"netdsl.network": graph.name,
                                            "netdsl.arguments": arguments})
        return OnnxExport(model, dict(self.layer_of))


class _Unsupported(Exception):
    """A layer this exporter cannot express; becomes E905 at the layer."""


# ---- one function per op family: (builder, op, inputs, input shapes, output shape,
# weights, the name of the value to write) -> that name ---------------------

Emit = Callable[[_Builder, Any, list[str], list[Shape], Shape, Any, str], str]


def _conv(b: _Builder, op: Conv, xs, ins, out, w, output) -> str:
    top, bottom, left, right = resolve_padding(op.padding, ins[0][:2], op.kernel, op.stride,
                                               op.dilation)
    args = [xs[0], b.weight(w["kernel"].transpose(3, 2, 0, 1), "kernel")]
    if op.bias:
        args.append(b.weight(w["bias"], "bias"))
    return b.op("Conv", args, output=output, kernel_shape=list(op.kernel),
                strides=list(op.stride), dilations=list(op.dilation),
                pads=[top, left, bottom, right], group=op.groups)


def _conv_transpose(b: _Builder, op: ConvTranspose, xs, ins, out, w, output) -> str:
    kernel = b.weight(w["kernel"].transpose(2, 3, 0, 1), "kernel")
    attributes = dict(kernel_shape=list(op.kernel), strides=list(op.stride),
                      dilations=list(op.dilation), group=op.groups)
    (top, left), extra = op.padding, op.output_padding
    if all(e < s for e, s in zip(extra, op.stride, strict=True)):
        args = [xs[0], kernel, *([b.weight(w["bias"], "bias")] if op.bias else [])]
        return b.op("ConvTranspose", args, output=output, pads=[top, left, top, left],
                    output_padding=list(extra), **attributes)
    # An output padding of the stride or more (valid when the dilation is larger, as in
    # PyTorch) is refused by ONNX Runtime: crop less at the end instead, and where that is
    # not enough, pad the rows no kernel tap reaches (they hold only the bias) with zeros.
    crop = [max(p - e, 0) for p, e in zip(op.padding, extra, strict=True)]
    zeros = [max(e - p, 0) for p, e in zip(op.padding, extra, strict=True)]
    padded = any(zeros)
    args = [xs[0], kernel, *([b.weight(w["bias"], "bias")] if op.bias and not padded else [])]
    y = b.op("ConvTranspose", args, "transposed", output=None if padded else output,
             pads=[top, left, *crop], **attributes)
    if not padded:
        return y
    pads = b.const([0, 0, 0, 0, 0, 0, *zeros], "pads")
    if not op.bias:
        return b.op("Pad", [y, pads], output=output, mode="constant")
    y = b.op("Pad", [y, pads], "pad", mode="constant")
    bias = b.weight(w["bias"].reshape(-1, 1, 1), "bias")
    return b.op("Add", [y, bias], output=output)


def _dense(b: _Builder, op: Dense, xs, ins, out, w, output) -> str:
    x = xs[0]
    if len(ins[0]) > 1:
        x = b.op("Flatten", [b.to_last(x, len(ins[0]))], "flatten", axis=1)
    args = [x, b.weight(w["kernel"], "kernel")]
    if op.bias:
        args.append(b.weight(w["bias"], "bias"))
    return b.op("Gemm", args, output=output)


def _linear(b: _Builder, op: Linear, xs, ins, out, w, output) -> str:
    rank = len(ins[0])
    x = b.to_last(xs[0], rank)
    final = output if rank < 3 else None
    if op.bias:
        x = b.op("MatMul", [x, b.weight(w["kernel"], "kernel")], "matmul")
        x = b.op("Add", [x, b.weight(w["bias"], "bias")], "bias", output=final)
    else:
        x = b.op("MatMul", [x, b.weight(w["kernel"], "kernel")], "matmul", output=final)
    return x if final else b.to_first(x, rank, output=output)


def _channel_vector(b: _Builder, array: Any, rank: int, key: str) -> str:
    """A per-channel parameter shaped to broadcast over an ONNX tensor of ``rank`` axes."""
    if rank >= 3:
        array = array.reshape(-1, *(1,) * (rank - 1))
    return b.weight(array, key)


def _batchnorm(b: _Builder, op: BatchNorm, xs, ins, out, w, output) -> str:
    rank = len(ins[0])
    x = xs[0]
    # BatchNormalization normalises axis 1: a sequence's features are its last axis.
    if rank == 2:
        x = b.op("Transpose", [x], "to_ncl", perm=[0, 2, 1])
    params = [b.weight(w[key], key) for key in ("gamma", "beta", "mean", "variance")]
    if rank != 2:
        return b.op("BatchNormalization", [x, *params], output=output, epsilon=op.eps)
    y = b.op("BatchNormalization", [x, *params], "normalise", epsilon=op.eps)
    return b.op("Transpose", [y], output=output, perm=[0, 2, 1])


def _activation(b: _Builder, op: Activation, xs, ins, out, w, output) -> str:
    x = xs[0]
    kind = op.kind
    if kind == "relu":
        return b.op("Relu", [x], output=output)
    if kind == "relu6":
        return b.op("Clip", [x, b.const(0.0, "min", "float32"), b.const(6.0, "max", "float32")],
                    output=output)
    if kind in ("sigmoid", "tanh"):
        return b.op(kind.capitalize(), [x], output=output)
    if kind == "hsigmoid":
        return b.op("HardSigmoid", [x], output=output, alpha=1 / 6, beta=0.5)
    if kind == "hswish":
        return b.op("HardSwish", [x], output=output)
    if kind in ("swish", "silu"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], "sigmoid")], output=output)
    if kind == "mish":
        return b.op("Mish", [x], output=output)
    if kind == "gelu":
        return b.op("Gelu", [x], output=output, approximate=op.approx)
    if kind == "softmax":  # over the channels
        return b.op("Softmax", [x], output=output, axis=1 if len(out) >= 3 else -1)
    raise _Unsupported(f"activation '{kind}'")


def _leaky(b: _Builder, op: LeakyReLU, xs, ins, out, w, output) -> str:
    return b.op("LeakyRelu", xs, output=output, alpha=op.slope)


def _elu(b: _Builder, op: ELU, xs, ins, out, w, output) -> str:
    return b.op("Elu", xs, output=output, alpha=op.alpha)


def _hardtanh(b: _Builder, op: HardTanh, xs, ins, out, w, output) -> str:
    return b.op("Clip", [xs[0], b.const(op.low, "min", "float32"),
                         b.const(op.high, "max", "float32")], output=output)


def _prelu(b: _Builder, op: PReLU, xs, ins, out, w, output) -> str:
    slope = _channel_vector(b, w["slope"], len(out), "slope") if op.per_channel \
        else b.weight(w["slope"], "slope")
    return b.op("PRelu", [xs[0], slope], output=output)


def _pool(b: _Builder, op: Pool, xs, ins, out, w, output) -> str:
    h, w_in = ins[0][:2]
    top, bottom, left, right = resolve_padding(op.padding, (h, w_in), op.kernel, op.stride)
    # Ceil rounding is written as floor rounding over a longer end padding: ONNX's
    # ceil_mode does not drop a last window that starts in the padding (PyTorch and
    # netdsl do), and the overhang of a ceil window is never counted in an average.
    overhang = [max((o - 1) * s + k - (n + before + after), 0) for o, s, k, n, before, after
                in zip(out[:2], op.stride, op.kernel, (h, w_in), (top, left), (bottom, right),
                       strict=True)]
    attributes: dict[str, Any] = dict(kernel_shape=list(op.kernel), strides=list(op.stride))
    pads = [top, left, bottom + overhang[0], right + overhang[1]]
    x = xs[0]
    if op.kind == "max":
        return b.op("MaxPool", [x], output=output, pads=pads, **attributes)
    if op.count_pad and any(overhang) and (top or bottom or left or right):
        # The padding counts and the overhang does not: pad with zeros first, then
        # average over what is inside.
        x = b.op("Pad", [x, b.const([0, 0, top, left, 0, 0, bottom, right], "pads")], "pad",
                 mode="constant")
        pads = [0, 0, *overhang]
    counted = op.count_pad and not any(overhang)
    return b.op("AveragePool", [x], output=output, pads=pads, count_include_pad=int(counted),
                **attributes)


def _adaptive_pool(b: _Builder, op: AdaptivePool, xs, ins, out, w, output) -> str:
    (h, w_in), (oh, ow) = ins[0][:2], op.size
    kind = "Average" if op.kind == "avg" else "Max"
    if h % oh == 0 and w_in % ow == 0:  # equal windows: an ordinary pool
        kernel = [h // oh, w_in // ow]
        return b.op(f"{kind}Pool", xs, output=output, kernel_shape=kernel, strides=kernel)
    # Unequal windows (PyTorch's floor/ceil bounds): reduce each window of rows,
    # then each window of columns; both reductions separate over the two axes.
    reduce = "ReduceMean" if op.kind == "avg" else "ReduceMax"
    x = xs[0]
    for axis, length, size in ((2, h, oh), (3, w_in, ow)):
        parts = []
        for i, (start, end) in enumerate(windows_along(length, size)):
            tag = f"{'hw'[axis - 2]}{i}"
            part = b.op("Slice", [x, b.const([start], f"{tag}_start"), b.const([end], f"{tag}_end"),
                                  b.const([axis], f"{tag}_axis")], f"slice_{tag}")
            parts.append(b.op(reduce, [part, b.const([axis], f"{tag}_reduce")], f"reduce_{tag}",
                              keepdims=1))
        x = b.op("Concat", parts, "rows", axis=axis, output=output if axis == 3 else None)
    return x


def _global_pool(b: _Builder, op: GlobalPool, xs, ins, out, w, output) -> str:
    return b.op("GlobalAveragePool" if op.kind == "avg" else "GlobalMaxPool", xs,
                output=output)


def _zeropad(b: _Builder, op: ZeroPad, xs, ins, out, w, output) -> str:
    top, bottom, left, right = op.sides
    return b.op("Pad", [xs[0], b.const([0, 0, top, left, 0, 0, bottom, right], "pads")],
                output=output, mode="constant")


def _upsample(b: _Builder, op: Upsample, xs, ins, out, w, output) -> str:
    scales = b.const([1.0, 1.0, *map(float, op.factor)], "scales", "float32")
    if op.mode == "nearest":
        return b.op("Resize", [xs[0], "", scales], output=output, mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    return b.op("Resize", [xs[0], "", scales], output=output, mode="linear",
                coordinate_transformation_mode="half_pixel")


def _align(b: _Builder, xs: list[str], ins: list[Shape]) -> list[str]:
    """Operands of a broadcasting merge, each shaped to the largest operand's rank.

    netdsl broadcasts the example axes like NumPy (trailing axes aligned): a C
    vector scales each channel of an H x W x C image. In ONNX's layout the
    smaller operand is reshaped to put its sizes where the larger one has them.
    """
    rank = max(len(s) for s in ins)
    aligned = []
    for i, (x, shape) in enumerate(zip(xs, ins, strict=True)):
        if len(shape) == rank:
            aligned.append(x)
            continue
        padded = (1,) * (rank - len(shape)) + shape
        x = b.to_last(x, len(shape), f"operand{i}_nhwc")
        aligned.append(b.reshape(x, channels_first(padded), f"operand{i}"))
    return aligned


def _add(b: _Builder, op: Add, xs, ins, out, w, output) -> str:
    if len(xs) == 2:
        return b.op("Add", xs, output=output)
    return b.op("Sum", xs, output=output)


def _mul(b: _Builder, op: Mul, xs, ins, out, w, output) -> str:
    operands = _align(b, xs, ins)
    y = operands[0]
    for i, other in enumerate(operands[1:], 1):
        last = i == len(operands) - 1
        y = b.op("Mul", [y, other], f"mul{i}", output=output if last else None)
    return y


def _concat(b: _Builder, op: Concat, xs, ins, out, w, output) -> str:
    return b.op("Concat", xs, output=output, axis=1 if len(out) >= 3 else -1)


def _slice(b: _Builder, op: Slice, xs, ins, out, w, output) -> str:
    axis = 1 if len(out) >= 3 else len(out)
    return b.op("Slice", [xs[0], b.const([op.start], "start"), b.const([op.end], "end"),
                          b.const([axis], "axis")], output=output)


def _channel_shuffle(b: _Builder, op: ChannelShuffle, xs, ins, out, w, output) -> str:
    shape = ins[0]
    c, g = shape[-1], op.groups
    if len(shape) >= 3:  # N x C x ...: C read as g x C/g, written as C/g x g
        rest = list(shape[:-1])
        x = b.reshape(xs[0], [g, c // g, *rest], "groups")
        x = b.op("Transpose", [x], "swap", perm=[0, 2, 1, *range(3, len(shape) + 2)])
        return b.reshape(x, [c, *rest], "merge", output=output)
    x = b.reshape(xs[0], [*shape[:-1], g, c // g], "groups")
    k = len(shape) + 1
    x = b.op("Transpose", [x], "swap", perm=[*range(k - 1), k, k - 1])
    return b.reshape(x, list(shape), "merge", output=output)


def _pixel_shuffle(b: _Builder, op: PixelShuffle, xs, ins, out, w, output) -> str:
    r = op.factor
    if not op.inverse:  # PyTorch's channel order is DepthToSpace's CRD mode
        return b.op("DepthToSpace", xs, output=output, blocksize=r, mode="CRD")
    h, w_in, c = ins[0]
    x = b.reshape(xs[0], [c, h // r, r, w_in // r, r], "blocks")
    x = b.op("Transpose", [x], "move", perm=[0, 1, 3, 5, 2, 4])
    return b.reshape(x, [c * r * r, h // r, w_in // r], "merge", output=output)


def _reshape(b: _Builder, op: Reshape, xs, ins, out, w, output) -> str:
    x = b.to_last(xs[0], len(ins[0]))
    if len(out) < 3:
        return b.reshape(x, list(out), "reshape", output=output)
    return b.to_first(b.reshape(x, list(out), "reshape"), len(out), output=output)


def _permute(b: _Builder, op: Permute, xs, ins, out, w, output) -> str:
    x = b.to_last(xs[0], len(ins[0]))
    final = output if len(out) < 3 else None
    x = b.op("Transpose", [x], "permute", perm=[0, *(a + 1 for a in op.axes)], output=final)
    return x if final else b.to_first(x, len(out), output=output)


def _learned(b: _Builder, op: Scale | Bias, xs, ins, out, w, output) -> str:
    key = "scale" if isinstance(op, Scale) else "bias"
    vector = _channel_vector(b, w[key], len(out), key)
    return b.op("Mul" if key == "scale" else "Add", [xs[0], vector], output=output)


def _layernorm(b: _Builder, op: LayerNorm, xs, ins, out, w, output) -> str:
    rank = len(out)
    x = b.to_last(xs[0], rank)
    c = out[-1]
    scale = b.weight(w["gamma"], "gamma") if op.affine else b.const(np.ones(c), "gamma", "float32")
    shift = b.weight(w["beta"], "beta") if op.affine else b.const(np.zeros(c), "beta", "float32")
    final = output if rank < 3 else None
    y = b.op("LayerNormalization", [x, scale, shift], "normalise", output=final, axis=-1,
             epsilon=op.eps)
    return y if final else b.to_first(y, rank, output=output)


def _groupnorm(b: _Builder, op: GroupNorm, xs, ins, out, w, output) -> str:
    # InstanceNormalization over (N, G, rest) normalises each group; the affine
    # part is per channel, after it.
    h, w_in, c = out
    g = op.groups
    x = b.reshape(xs[0], [g, -1], "groups")
    x = b.op("InstanceNormalization", [x, b.const(np.ones(g), "ones", "float32"),
                                       b.const(np.zeros(g), "zeros", "float32")],
             "normalise", epsilon=op.eps)
    if not op.affine:
        return b.reshape(x, [c, h, w_in], "merge", output=output)
    x = b.reshape(x, [c, h, w_in], "merge")
    x = b.op("Mul", [x, _channel_vector(b, w["gamma"], 3, "gamma")], "scale")
    return b.op("Add", [x, _channel_vector(b, w["beta"], 3, "beta")], output=output)


def _tokens(b: _Builder, op: Tokens, xs, ins, out, w, output) -> str:
    h, w_in, c = ins[0]
    x = b.reshape(xs[0], [c, h * w_in], "flatten")
    return b.op("Transpose", [x], output=output, perm=[0, 2, 1])


def _class_token(b: _Builder, op: ClassToken, xs, ins, out, w, output) -> str:
    c = out[-1]
    token = b.weight(w["token"].reshape(1, 1, c), "token")
    batch = b.op("Slice", [b.op("Shape", xs, "shape"), b.const([0], "start"),
                           b.const([1], "end")], "batch")
    shape = b.op("Concat", [batch, b.const([1, c], "token_shape")], "expand_shape", axis=0)
    tokens = b.op("Expand", [token, shape], "expand")
    return b.op("Concat", [tokens, xs[0]], output=output, axis=1)


def _position(b: _Builder, op: PositionEmbedding, xs, ins, out, w, output) -> str:
    return b.op("Add", [xs[0], b.weight(w["embedding"], "embedding")], output=output)


def _token(b: _Builder, op: TokenSelect, xs, ins, out, w, output) -> str:
    return b.op("Gather", [xs[0], b.const(op.index, "index")], output=output, axis=1)


def _mha(b: _Builder, op: MultiHeadAttention, xs, ins, out, w, output) -> str:
    n, c = ins[0]
    h = op.heads
    d = c // h
    qkv = b.op("MatMul", [xs[0], b.weight(w["qkv_kernel"], "qkv_kernel")], "qkv")
    if op.bias:
        qkv = b.op("Add", [qkv, b.weight(w["qkv_bias"], "qkv_bias")], "qkv_bias")
    parts = []
    for i, part in enumerate("qkv"):
        sliced = b.op("Slice", [qkv, b.const([i * c], f"{part}_start"),
                                b.const([(i + 1) * c], f"{part}_end"),
                                b.const([2], f"{part}_axis")], part)
        heads = b.reshape(sliced, [n, h, d], f"{part}_heads")
        # K goes straight to N x heads x d x T, so Q K^T is one MatMul.
        perm = [0, 2, 3, 1] if part == "k" else [0, 2, 1, 3]
        parts.append(b.op("Transpose", [heads], f"{part}_t", perm=perm))
    q, k, v = parts
    q = b.op("Mul", [q, b.const(1 / math.sqrt(d), "scale", "float32")], "q_scaled")
    scores = b.op("MatMul", [q, k], "scores")
    probabilities = b.op("Softmax", [scores], "softmax", axis=-1)
    context = b.op("MatMul", [probabilities, v], "context")
    context = b.op("Transpose", [context], "context_t", perm=[0, 2, 1, 3])
    context = b.reshape(context, [n, c], "context_merge")
    if op.bias:
        y = b.op("MatMul", [context, b.weight(w["out_kernel"], "out_kernel")], "out")
        return b.op("Add", [y, b.weight(w["out_bias"], "out_bias")], output=output)
    return b.op("MatMul", [context, b.weight(w["out_kernel"], "out_kernel")], output=output)


def _flatten(b: _Builder, op: Flatten, xs, ins, out, w, output) -> str:
    return b.op("Flatten", [b.to_last(xs[0], len(ins[0]))], output=output, axis=1)


def _dropout(b: _Builder, op: Dropout, xs, ins, out, w, output) -> str:
    # ONNX's ratio is below 1 (netdsl's dropout(1.0) is valid: at inference it passes its
    # input through all the same); the hint keeps the rate as written.
    rate = min(op.rate, float(np.nextafter(np.float32(1), np.float32(0))))
    return b.op("Dropout", [xs[0], b.const(rate, "ratio", "float32")], output=output)


def _identity(b: _Builder, op: Identity, xs, ins, out, w, output) -> str:
    return b.op("Identity", xs, output=output)


_EMITTERS: tuple[tuple[type | tuple[type, ...], Emit], ...] = (
    (Conv, _conv), (ConvTranspose, _conv_transpose), (Dense, _dense), (Linear, _linear),
    (BatchNorm, _batchnorm), (Activation, _activation), (LeakyReLU, _leaky), (ELU, _elu),
    (HardTanh, _hardtanh), (PReLU, _prelu), (Pool, _pool), (AdaptivePool, _adaptive_pool),
    (GlobalPool, _global_pool), (ZeroPad, _zeropad), (Upsample, _upsample), (Add, _add),
    (Mul, _mul), (Concat, _concat), (Slice, _slice), (ChannelShuffle, _channel_shuffle),
    (PixelShuffle, _pixel_shuffle), (Reshape, _reshape), (Permute, _permute),
    ((Scale, Bias), _learned), (LayerNorm, _layernorm), (GroupNorm, _groupnorm),
    (Tokens, _tokens), (ClassToken, _class_token), (PositionEmbedding, _position),
    (TokenSelect, _token), (MultiHeadAttention, _mha), (Flatten, _flatten),
    (Dropout, _dropout), (Identity, _identity),
)

__all__ = ["BATCH", "HINT", "OPSET", "OnnxExport", "channels_first", "to_onnx"]
