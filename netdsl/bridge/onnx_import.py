"""Import an ONNX model as readable netdsl source (and its weights in netdsl's layout).

The model is read node by node in its (topological) order. Each operator
becomes one netdsl layer named as the ONNX node (``conv(32, 3, s=2, pad=1) as
"/features/features.0/features.0.0/Conv"``); a few multi-node forms are read
as the one layer they compute (``x * sigmoid(x)`` is ``swish``; a reshape,
transpose and reshape that interleave channel groups is ``channel_shuffle``;
a ``MatMul`` followed by the ``Add`` of a bias is one ``fc`` or ``linear``).
Constants are folded: ``Identity`` nodes that share an initializer between
layers, ``Constant`` nodes and small computations on them. Each layer counts
its own tensors, so an initializer the exporter shares between two layers is
counted for each (as the network defines it).

Layout: ONNX tensors are read as channels-first (N x C x H x W), netdsl's are
channels-last; the weights written with ``--weights-out`` are converted
(kernels to Kh x Kw x Cin x Cout, a dense layer after a flattened image has its
rows reordered from C, H, W to H, W, C).

A model netdsl exported names each layer's nodes ``<layer>`` and
``<layer>:<what>`` and says in the layer's node which call it computes
(``netdsl: ...``, see :mod:`netdsl.bridge.onnx_export`): such a group is read
back as that call, after checking that netdsl computes the shape ONNX declares,
so a round trip keeps every layer as written.

An operator netdsl has no layer for is E903, naming the op type, the node and
the supported operators; with ``unknown_as_zero`` it becomes a zero-cost layer
(``identity`` or ``reshape``, whichever keeps its output shape), listed in
:attr:`Imported.zero_cost`. A node netdsl cannot express (attributes, shapes)
is E904.
"""

from __future__ import annotations

import keyword
import math
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np

from netdsl.bridge import require
from netdsl.bridge.calls import call_text, number, window
from netdsl.bridge.calls import pair as call_pair
from netdsl.bridge.onnx_export import HINT
from netdsl.diagnostics import error
from netdsl.ir.ops import (
    ELU,
    Activation,
    Add,
    BatchNorm,
    Bias,
    ChannelShuffle,
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
    Padding,
    Permute,
    PixelShuffle,
    Pool,
    PositionEmbedding,
    PReLU,
    Reshape,
    Scale,
    Slice,
    TokenSelect,
    Upsample,
    ZeroPad,
    infer_shape,
)
from netdsl.ir.windows import ShapeError

Shape = tuple[int, ...]

#: ONNX operators read as netdsl layers (the supported set E903 lists).
SUPPORTED = (
    "Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Conv", "ConvTranspose",
    "DepthToSpace", "Dropout", "Elu", "Flatten", "Gather", "Gelu", "Gemm", "GlobalAveragePool",
    "GlobalMaxPool", "GroupNormalization", "HardSigmoid", "HardSwish", "Identity",
    "InstanceNormalization", "LayerNormalization", "LeakyRelu", "MatMul", "MaxPool", "Mish",
    "Mul", "PRelu", "Pad", "ReduceMean", "Relu", "Reshape", "Resize", "Sigmoid", "Slice",
    "Softmax", "Sum", "Tanh", "Transpose", "Upsample",
)
#: Operators evaluated when all their inputs are constants (shapes, shared weights).
_FOLDABLE = ("Identity", "Cast", "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Concat",
             "Gather", "Shape", "Slice", "Add", "Sub", "Mul", "Div")
_KEYWORDS = {"net", "block", "def", "let", "import", "from", "residual", "if", "elif", "else",
             "repeat", "for", "in", "and", "or", "not", "as", "true", "false", "none"}


@attrs.frozen
class Imported:
    """The netdsl source of an ONNX model, and its weights when the file holds them.

    ``weights`` maps ``<layer>/<parameter>`` to arrays in netdsl's layout (None
    when the model's initializers hold no data, e.g. external data not shipped).
    ``zero_cost`` lists the ``(node, op type)`` of operators counted as
    zero-cost layers (``unknown_as_zero``).
    """

    source: str
    network: str
    weights: dict[str, Any] | None = attrs.field(repr=False)
    zero_cost: tuple[tuple[str, str], ...] = ()


def load_model(path: str | os.PathLike[str]) -> tuple[Any, bool]:
    """Read an ONNX file; return the model and whether its weights' data is there.

    External data is loaded when its files are beside the model; when they are
    missing, the model is still read (its shapes are all an import needs).
    E902 when the file cannot be read or is not an ONNX model.
    """
    onnx = require("onnx", "reading ONNX models")
    shown = str(path)
    try:
        model = onnx.load(path, load_external_data=False)
    except FileNotFoundError:
        raise error("E902", f"cannot read '{shown}': No such file or directory") from None
    except IsADirectoryError:
        raise error("E902", f"cannot read '{shown}': it is a directory") from None
    except OSError as exc:
        raise error("E902", f"cannot read '{shown}': {exc.strerror or exc}") from None
    except Exception as exc:  # protobuf's DecodeError and friends
        raise error("E902", f"'{shown}' is not an ONNX model ({type(exc).__name__}: {exc})",
                    hint="give a .onnx file written by an ONNX exporter") from None
    if not model.graph.node and not model.graph.input:
        raise error("E902", f"'{shown}' is not an ONNX model (it holds no graph)",
                    hint="give a .onnx file written by an ONNX exporter")
    external = [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if not external:
        return model, True
    base = os.path.dirname(os.path.abspath(path))
    locations = {entry.value for t in external for entry in t.external_data
                 if entry.key == "location"}
    if not all(os.path.isfile(os.path.join(base, location)) for location in locations):
        return model, False  # the weights are not shipped: the shapes are all there is
    try:
        onnx.external_data_helper.load_external_data_for_model(model, base)
    except Exception as exc:  # onnx's checker refuses a location outside the directory
        raise error("E902", f"cannot read the external data of '{shown}': {exc}") from None
    return model, True


def import_onnx(path: str | os.PathLike[str], *, unknown_as_zero: bool = False) -> Imported:
    """The netdsl source (and weights) of the ONNX model in ``path``."""
    model, has_data = load_model(path)
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(str(path)))[0])
    return import_model(model, filename=str(path), default_name=stem, has_data=has_data,
                        unknown_as_zero=unknown_as_zero)


def import_model(model: Any, *, filename: str = "<model>", default_name: str = "Model",
                 has_data: bool = True, unknown_as_zero: bool = False) -> Imported:
    """The netdsl source (and weights) of an ``onnx.ModelProto``."""
    reader = _Reader(require("onnx", "reading ONNX models"), model, filename, has_data,
                     unknown_as_zero)
    reader.read()
    return reader.result(default_name)


# ---- reading ---------------------------------------------------------------------------


@attrs.define
class _Const:
    """A constant value: its array (None when the file does not hold its data) and shape."""

    array: Any
    shape: tuple[int, ...]
    initializer: str | None = None  # the initializer it is, or reads through Identity


@attrs.define
class _Layer:
    label: str
    op: Any
    inputs: list[str]  # netdsl tensors (ONNX value names)
    output: str
    shape: Shape
    weights: dict[str, Any] | None


class _Reader:
    def __init__(self, onnx: Any, model: Any, filename: str, has_data: bool,
                 unknown_as_zero: bool):
        self.onnx = onnx
        self.model = model
        self.graph = model.graph
        self.filename = filename
        self.has_data = has_data
        self.unknown_as_zero = unknown_as_zero
        self.consts: dict[str, _Const] = {}
        self.shapes: dict[str, Shape] = {}  # netdsl shape of each tensor read so far
        self.chw_flat: dict[str, Shape] = {}  # flattened images: their (C, H, W)
        self.alias: dict[str, str] = {}  # values that are another value (Identity, Dropout)
        self.layers: list[_Layer] = []
        self.zero_cost: list[tuple[str, str]] = []
        self.declared = self._declared_shapes()
        self.consumers: dict[str, list[Any]] = {}
        for node in self.graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.by_name = {n.name: n for n in self.graph.node if n.name}
        self.done: set[int] = set()  # ids of nodes read as part of another layer
        self.labels: set[str] = set()

    # ---- helpers ---------------------------------------------------------------------

    def fail(self, node: Any, message: str, hint: str | None = None, code: str = "E904"):
        index = list(self.graph.node).index(node)
        where = f"node {index} '{node.name}' ({node.op_type})" if node.name \
            else f"node {index} ({node.op_type})"
        return error(code, f"{self.filename}: {where}: {message}", hint=hint)

    def _declared_shapes(self) -> dict[str, tuple[int | None, ...]]:
        """The shapes ONNX shape inference finds (dims unknown as None)."""
        try:
            inferred = self.onnx.shape_inference.infer_shapes(self.model)
        except Exception:  # a model ONNX cannot infer: netdsl's shapes will do
            inferred = self.model
        shapes = {}
        for info in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
            if info.type.HasField("tensor_type") and info.type.tensor_type.HasField("shape"):
                shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                          for d in info.type.tensor_type.shape.dim)
        return shapes

    def attr(self, node: Any, name: str, default: Any = None) -> Any:
        """An attribute's value; a float (ONNX's are float32) as its shortest decimal."""
        for attribute in node.attribute:
            if attribute.name == name:
                value = self.onnx.helper.get_attribute_value(attribute)
                return float(number(value)) if isinstance(value, float) else value
        return default

    def const(self, name: str) -> _Const | None:
        return self.consts.get(self.alias.get(name, name)) if name else None

    def value(self, node: Any, name: str, what: str) -> Any:
        """The array of a constant input (E904 when it is computed or unknown)."""
        found = self.const(name)
        if found is None or found.array is None:
            raise self.fail(node, f"its {what} ('{name}') must be a constant in the file")
        return found.array

    def tensor(self, name: str) -> str:
        return self.alias.get(name, name)

    def shape_of(self, node: Any, name: str) -> Shape:
        name = self.tensor(name)
        if name not in self.shapes:
            raise self.fail(node, f"its input '{name}' is computed by nodes netdsl did not read")
        return self.shapes[name]

    def weight(self, name: str) -> Any:
        """A parameter's array, or None when the file does not hold weights."""
        found = self.const(name)
        return None if found is None else found.array

    # ---- the walk --------------------------------------------------------------------

    def read(self) -> None:
        for tensor in self.graph.initializer:
            has = self.has_data or tensor.data_location != self.onnx.TensorProto.EXTERNAL
            array = self.onnx.numpy_helper.to_array(tensor) if has else None
            self.consts[tensor.name] = _Const(array, tuple(tensor.dims), tensor.name)
        initialized = {t.name for t in self.graph.initializer}
        inputs = [i for i in self.graph.input if i.name not in initialized]
        if len(inputs) != 1:
            raise error("E904", f"{self.filename}: the model has {len(inputs)} inputs; netdsl "
                        "reads networks with one input")
        self._input(inputs[0])
        for node in self.graph.node:  # Constant nodes may come after their first reader
            if node.op_type == "Constant":
                self._fold(node)
        # The helper nodes of a layer netdsl exported come before the node that names
        # the layer: they wait for it, and are read one by one only if its hint fails.
        helpers: dict[str, list[Any]] = {}
        for node in self.graph.node:
            main, sep, _ = node.name.partition(":")
            if sep and main in self.by_name and node.op_type != "Constant" and \
                    self.by_name[main].doc_string.startswith(HINT):
                helpers.setdefault(main, []).append(node)
        waiting = {id(n) for group in helpers.values() for n in group}
        for node in self.graph.node:
            if id(node) in self.done or id(node) in waiting:
                continue
            if self._fold(node):
                continue
            hint = node.doc_string[len(HINT):] if node.doc_string.startswith(HINT) else None
            if hint is not None and self._hinted(node, hint):
                continue
            for helper in helpers.get(node.name, []):
                if id(helper) not in self.done and not self._fold(helper):
                    self._node(helper)
            self._node(node)
        if len(self.graph.output) != 1:
            raise error("E904", f"{self.filename}: the model has {len(self.graph.output)} "
                        "outputs; netdsl reads networks with one output")

    def _input(self, info: Any) -> None:
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in info.type.tensor_type.shape.dim]
        if len(dims) < 2 or any(d is None for d in dims[1:]):
            raise error("E904", f"{self.filename}: input '{info.name}' has shape "
                        f"{dims}: netdsl needs every size but the batch's known")
        shape = tuple(dims[2:] + dims[1:2]) if len(dims) >= 4 else tuple(dims[1:])
        op = Input(shape)
        self.shapes[info.name] = shape
        self._add(info.name, op, [], info.name, shape, None)

    def _fold(self, node: Any) -> bool:
        """Evaluate a node whose inputs are all known constants; True when done."""
        if node.op_type == "Constant":
            tensor = self.attr(node, "value")
            if tensor is None:
                value = next((self.attr(node, k) for k in ("value_float", "value_int",
                              "value_floats", "value_ints") if self.attr(node, k) is not None),
                             None)
                array = np.asarray(value)
            else:
                array = self.onnx.numpy_helper.to_array(tensor)
            self.consts[node.output[0]] = _Const(array, array.shape)
            return True
        if node.op_type not in _FOLDABLE or not node.input:
            return False
        if node.op_type == "Shape":
            shape = self.declared.get(node.input[0])
            if node.input[0] in self.consts or shape is None or None in shape:
                return False
            self.consts[node.output[0]] = _Const(np.array(shape, dtype=np.int64), (len(shape),))
            return True
        inputs = [self.const(name) for name in node.input if name]
        if any(c is None for c in inputs):
            return False
        if node.op_type == "Identity":  # an initializer shared between layers
            self.consts[node.output[0]] = inputs[0]
            return True
        if any(c.array is None for c in inputs):
            return False
        arrays = [c.array for c in inputs]
        self.consts[node.output[0]] = _Const(result := _evaluate(self, node, arrays),
                                             np.shape(result))
        return True

    def _node(self, node: Any) -> None:
        read = _READERS.get(node.op_type)
        if read is None:
            self._unknown(node)
            return
        read(self, node)

    def _unknown(self, node: Any) -> None:
        if not self.unknown_as_zero:
            raise self.fail(node, f"ONNX operator '{node.op_type}' has no netdsl layer",
                            hint=f"netdsl reads: {', '.join(SUPPORTED)}; --unknown-as-zero "
                            "counts unknown operators as zero-cost layers", code="E903")
        inputs = [n for n in node.input if n and self.const(n) is None]
        if not inputs:
            raise self.fail(node, "an unknown operator without a tensor input", code="E903")
        declared = self.declared.get(node.output[0])
        before = self.shape_of(node, inputs[0])
        if declared is None or None in declared[1:]:
            raise self.fail(node, f"ONNX operator '{node.op_type}' has no netdsl layer, and its "
                            "output shape is unknown, so it cannot count as zero-cost",
                            code="E903")
        after = _netdsl_shape(declared)
        op = Identity() if after == before else Reshape(after)
        if math.prod(after) != math.prod(before):
            raise self.fail(node, f"ONNX operator '{node.op_type}' has no netdsl layer, and it "
                            "changes the number of elements, so it cannot count as zero-cost",
                            code="E903")
        self.zero_cost.append((node.name, node.op_type))
        self.layer(node, op, inputs[:1])

    # ---- adding layers ---------------------------------------------------------------

    def label(self, node: Any) -> str:
        """A node's name (or op type and index) as a layer label not used yet."""
        return self.unique_label(
            node.name or f"{node.op_type.lower()}{list(self.graph.node).index(node)}")

    def unique_label(self, base: str) -> str:
        base = re.sub(r'["\x00-\x1f\x7f-\x9f\u2028\u2029]', "_", base)
        label, n = base, 1
        while label in self.labels:
            n += 1
            label = f"{base}_{n}"
        return label

    def layer(self, node: Any, op: Any, inputs: Sequence[str], output: str | None = None,
              weights: dict[str, Any] | None = None) -> None:
        """Add the layer ``op`` reading ``inputs`` (ONNX values) and writing ``output``."""
        inputs = [self.tensor(name) for name in inputs]
        shapes = [self.shape_of(node, name) for name in inputs]
        try:
            shape = infer_shape(op, shapes)
        except ShapeError as exc:
            raise self.fail(node, f"netdsl cannot apply {call_text(op, shapes)} to inputs of "
                            f"shape {', '.join('x'.join(map(str, s)) for s in shapes)}: "
                            f"{exc.message}") from None
        output = output or node.output[0]
        declared = self.declared.get(output)
        if declared is not None and None not in declared[1:] and \
                math.prod(declared[1:]) != math.prod(shape):
            raise self.fail(node, f"netdsl computes {'x'.join(map(str, shape))} where the model "
                            f"declares {'x'.join(map(str, declared[1:]))}")
        self._add(self.label(node), op, inputs, output, shape, weights)

    def _add(self, label: str, op: Any, inputs: list[str], output: str, shape: Shape,
             weights: dict[str, Any] | None) -> None:
        self.labels.add(label)
        self.shapes[output] = shape
        if weights is not None and any(v is None for v in weights.values()):
            weights = None
        self.layers.append(_Layer(label, op, inputs, output, shape, weights))

    def only_consumer(self, value: str, op_type: str) -> Any | None:
        """The one node reading ``value``, when it is an ``op_type`` node."""
        users = self.consumers.get(value, [])
        if len(users) == 1 and users[0].op_type == op_type and \
                value not in {o.name for o in self.graph.output}:
            return users[0]
        return None

    # ---- models netdsl exported ------------------------------------------------------

    def _hinted(self, node: Any, hint: str) -> bool:
        """Read the group of nodes a netdsl export made for one layer, as its call."""
        from netdsl.driver import elaborate_string

        group = [n for n in self.graph.node
                 if n is node or n.name.startswith(f"{node.name}:")]
        produced = {o for n in group for o in n.output}
        inputs: list[str] = []

        merge = {"add": Add(), "mul": Mul(), "concat": Concat()}.get(hint)

        def visit(name: str) -> None:  # operands in the order the layer's node reads them
            # (a merge may read one tensor twice: add(x) of x itself)
            if not name or self.const(name) is not None or (name in inputs and not merge):
                return
            if name in produced:
                for n in group:
                    if name in n.output:
                        for i in n.input:
                            visit(i)
            else:
                inputs.append(name)

        for name in node.input:
            visit(name)
        inputs = [self.tensor(name) for name in inputs]
        if not inputs or any(name not in self.shapes for name in inputs):
            return False
        shapes = [self.shapes[name] for name in inputs]
        if merge is not None:
            op = merge
        else:
            dims = ", ".join(map(str, shapes[0]))
            try:
                built = elaborate_string(f"net Hint:\n    input({dims})\n    {hint}\n")
            except Exception:
                return False
            if len(built.nodes) != 2:
                return False
            op = built.nodes[1].op
        try:
            shape = infer_shape(op, shapes)
        except ShapeError:
            return False
        declared = self.declared.get(node.output[0])
        if declared is not None and None not in declared[1:] and \
                _netdsl_shape(declared) != shape:
            return False
        weights = self._hint_weights(node, op, group, shapes, shape)
        for n in group:
            self.done.add(id(n))
        self._add(self.label(node), op, inputs, node.output[0], shape, weights)
        return True

    def _hint_weights(self, node: Any, op: Any, group: list[Any], shapes: list[Shape],
                      shape: Shape) -> dict[str, Any] | None:
        from netdsl.ir.ops import op_def

        parameters = op_def(op).parameters
        if parameters is None:
            return None
        wanted = parameters(op, shapes, shape)
        read = {name for n in group for name in n.input}
        weights: dict[str, Any] = {}
        for key, expected in wanted.items():
            name = f"{node.name}/{key}"
            found = self.const(name) if name in read else None
            if found is None or found.array is None:
                return {key: None for key in wanted}
            array = found.array
            if key == "kernel" and isinstance(op, Conv):
                array = array.transpose(2, 3, 1, 0)
            elif key == "kernel" and isinstance(op, ConvTranspose):
                array = array.transpose(2, 3, 0, 1)
            weights[key] = np.asarray(array, dtype=np.float64).reshape(expected)
        return weights

    # ---- the result ------------------------------------------------------------------

    def result(self, default_name: str) -> Imported:
        output = self.tensor(self.graph.output[0].name)
        name = self.graph.name if self.graph.name.isidentifier() and \
            self.graph.name not in ("main_graph", "torch_jit", "torch-jit-export") else None
        network = _identifier(name or default_name.title().replace("_", "") or "Model")
        source = _write_source(self, network, output)
        weights: dict[str, Any] | None = {}
        for layer in self.layers:
            if weights is not None and layer.weights is not None:
                weights.update({f"{layer.label}/{k}": v for k, v in layer.weights.items()})
            elif _needs_weights(layer):
                weights = None
        return Imported(source, network, weights, tuple(self.zero_cost))


def _needs_weights(layer: _Layer) -> bool:
    from netdsl.ir.ops import op_def

    return op_def(layer.op).parameters is not None and layer.weights is None


def _netdsl_shape(dims: Sequence[int | None]) -> Shape:
    """An ONNX shape (batch first, channels first) as netdsl's example shape."""
    rest = tuple(int(d or 0) for d in dims[1:])
    return (*rest[1:], rest[0]) if len(rest) >= 3 else rest


def _evaluate(reader: _Reader, node: Any, arrays: list[Any]) -> Any:
    """A foldable node's value (small constant computations exporters leave in)."""
    op = node.op_type
    a = arrays[0]
    if op == "Cast":
        return a.astype(reader.onnx.helper.tensor_dtype_to_np_dtype(reader.attr(node, "to")))
    if op == "Reshape":
        shape = [a.shape[i] if d == 0 else int(d) for i, d in enumerate(arrays[1])]
        return a.reshape(shape)
    if op == "Transpose":
        return a.transpose(reader.attr(node, "perm"))
    if op in ("Unsqueeze", "Squeeze"):
        axes = arrays[1] if len(arrays) > 1 else reader.attr(node, "axes")
        if op == "Squeeze":
            return np.squeeze(a, tuple(int(x) for x in axes)) if axes is not None \
                else np.squeeze(a)
        for axis in sorted(int(x) % (a.ndim + len(axes)) for x in axes):
            a = np.expand_dims(a, axis)
        return a
    if op == "Concat":
        return np.concatenate(arrays, axis=reader.attr(node, "axis", 0))
    if op == "Gather":
        return np.take(a, arrays[1], axis=reader.attr(node, "axis", 0))
    if op == "Slice":
        starts, ends = arrays[1], arrays[2]
        axes = arrays[3] if len(arrays) > 3 else range(len(starts))
        steps = arrays[4] if len(arrays) > 4 else [1] * len(starts)
        index = [slice(None)] * a.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps, strict=True):
            index[int(ax)] = slice(int(s), int(e), int(st))
        return a[tuple(index)]
    return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
            "Div": np.divide}[op](arrays[0], arrays[1])


# ---- one reader per ONNX operator ------------------------------------------------------


def _spatial(reader: _Reader, node: Any, what: str) -> Shape:
    shape = reader.shape_of(node, node.input[0])
    if len(shape) != 3:
        raise reader.fail(node, f"netdsl's {what} reads images (N x C x H x W), not a tensor "
                          f"of {len(shape) + 1} dimensions")
    return shape


def _pads(reader: _Reader, node: Any, kernel: Sequence[int], stride: Sequence[int],
          dilation: Sequence[int], size: Sequence[int]) -> Padding:
    """ONNX ``pads`` [top, left, bottom, right] or ``auto_pad`` as netdsl padding."""
    auto = reader.attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "VALID":
        return Padding()
    if auto == "SAME_UPPER":  # TensorFlow's same: the odd pixel after
        return Padding("same")
    if auto == "SAME_LOWER":
        sides = []
        for n, k, s, d in zip(size, kernel, stride, dilation, strict=True):
            out = -(-n // s)
            total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
            sides.append((total - total // 2, total // 2))
        return Padding("explicit", (*sides[0], *sides[1]))
    pads = reader.attr(node, "pads") or [0, 0, 0, 0]
    if len(pads) != 4:
        raise reader.fail(node, f"pads {list(pads)}: netdsl reads 2-D windows")
    top, left, bottom, right = (int(p) for p in pads)
    return Padding("explicit", (top, bottom, left, right))


def _pair(reader: _Reader, node: Any, name: str, default: int = 1) -> tuple[int, int]:
    value = reader.attr(node, name) or [default, default]
    if len(value) != 2:
        raise reader.fail(node, f"{name} {list(value)}: netdsl reads 2-D windows")
    return int(value[0]), int(value[1])


def _read_conv(r: _Reader, node: Any) -> None:
    h, w, _ = _spatial(r, node, "conv")
    const = r.const(node.input[1])
    if const is None:
        raise r.fail(node, "its weights must be a constant in the file")
    cout, _, kh, kw = const.shape
    groups = int(r.attr(node, "group", 1))
    stride, dilation = _pair(r, node, "strides"), _pair(r, node, "dilations")
    padding = _pads(r, node, (kh, kw), stride, dilation, (h, w))
    bias = len(node.input) > 2 and bool(node.input[2])
    op = Conv(int(cout), (int(kh), int(kw)), stride, padding, dilation, groups, bias)
    kernel = r.weight(node.input[1])
    weights = {"kernel": None if kernel is None else kernel.transpose(2, 3, 1, 0)}
    if bias:
        weights["bias"] = r.weight(node.input[2])
    r.layer(node, op, node.input[:1], weights=weights)


def _read_conv_transpose(r: _Reader, node: Any) -> None:
    _spatial(r, node, "convT")
    const = r.const(node.input[1])
    if const is None:
        raise r.fail(node, "its weights must be a constant in the file")
    _, per_group, kh, kw = const.shape
    groups = int(r.attr(node, "group", 1))
    if r.attr(node, "output_shape") is not None:
        raise r.fail(node, "output_shape is not read; give pads and output_padding")
    pads = r.attr(node, "pads") or [0, 0, 0, 0]
    if list(pads[:2]) != list(pads[2:]):
        raise r.fail(node, f"pads {list(pads)}: netdsl's convT crops both ends alike")
    bias = len(node.input) > 2 and bool(node.input[2])
    op = ConvTranspose(int(per_group * groups), (int(kh), int(kw)), _pair(r, node, "strides"),
                       (int(pads[0]), int(pads[1])), _pair(r, node, "output_padding", 0),
                       _pair(r, node, "dilations"), groups, bias)
    kernel = r.weight(node.input[1])
    weights = {"kernel": None if kernel is None else kernel.transpose(2, 3, 0, 1)}
    if bias:
        weights["bias"] = r.weight(node.input[2])
    r.layer(node, op, node.input[:1], weights=weights)


def _read_batchnorm(r: _Reader, node: Any) -> None:
    if (len(node.output) > 1 and any(node.output[1:])) or r.attr(node, "training_mode", 0):
        raise r.fail(node, "a training-mode batch norm; export the model in eval mode")
    if len(r.shape_of(node, node.input[0])) == 2:
        raise r.fail(node, "a batch norm over a sequence's second axis (N x C x L)")
    keys = ("gamma", "beta", "mean", "variance")
    weights = {k: r.weight(v) for k, v in zip(keys, node.input[1:5], strict=True)}
    r.layer(node, BatchNorm(float(r.attr(node, "epsilon", 1e-5))), node.input[:1],
            weights=weights)


def _simple(op: Any) -> Callable[[_Reader, Any], None]:
    def read(r: _Reader, node: Any) -> None:
        r.layer(node, op, node.input[:1])

    return read


def _read_clip(r: _Reader, node: Any) -> None:
    if len(node.input) > 1:
        low = r.value(node, node.input[1], "minimum") if node.input[1] else None
        high = r.value(node, node.input[2], "maximum") if len(node.input) > 2 and \
            node.input[2] else None
    else:
        low, high = r.attr(node, "min"), r.attr(node, "max")
    if low is None or high is None:
        raise r.fail(node, "a clip without both bounds")
    low, high = float(low), float(high)
    op = Activation("relu6") if (low, high) == (0.0, 6.0) else HardTanh(low, high)
    r.layer(node, op, node.input[:1])


def _read_hardsigmoid(r: _Reader, node: Any) -> None:
    alpha, beta = r.attr(node, "alpha", 0.2), r.attr(node, "beta", 0.5)
    if not (math.isclose(alpha, 1 / 6, rel_tol=1e-6) and math.isclose(beta, 0.5)):
        raise r.fail(node, f"HardSigmoid(alpha={alpha:g}, beta={beta:g}): netdsl's hsigmoid "
                     "is alpha=1/6, beta=0.5 (relu6(x + 3) / 6)")
    r.layer(node, Activation("hsigmoid"), node.input[:1])


def _read_sigmoid(r: _Reader, node: Any) -> None:
    # x * sigmoid(x) is one swish layer, named as the Mul.
    mul = r.only_consumer(node.output[0], "Mul")
    if mul is not None and node.input[0] in mul.input:
        r.done.add(id(mul))
        r.layer(mul, Activation("swish"), node.input[:1], output=mul.output[0])
        return
    r.layer(node, Activation("sigmoid"), node.input[:1])


def _read_softmax(r: _Reader, node: Any) -> None:
    rank = len(r.shape_of(node, node.input[0])) + 1
    axis = int(r.attr(node, "axis", -1)) % rank
    if axis != (1 if rank >= 4 else rank - 1):
        raise r.fail(node, f"softmax over axis {axis}: netdsl's softmax is over the channels")
    r.layer(node, Activation("softmax"), node.input[:1])


def _read_gelu(r: _Reader, node: Any) -> None:
    approx = r.attr(node, "approximate", b"none")
    approx = approx.decode() if isinstance(approx, bytes) else approx
    r.layer(node, Activation("gelu", approx), node.input[:1])


def _read_prelu(r: _Reader, node: Any) -> None:
    slope = r.const(node.input[1])
    if slope is None:
        raise r.fail(node, "its slope must be a constant in the file")
    per_channel = math.prod(slope.shape) != 1
    array = r.weight(node.input[1])
    r.layer(node, PReLU(per_channel), node.input[:1],
            weights={"slope": None if array is None else array.reshape(-1)})


def _read_pool(r: _Reader, node: Any) -> None:
    h, w, _ = _spatial(r, node, "pooling")
    kernel = _pair(r, node, "kernel_shape")
    stride = _pair(r, node, "strides")
    if _pair(r, node, "dilations") != (1, 1):
        raise r.fail(node, "dilated pooling has no netdsl layer")
    padding = _pads(r, node, kernel, stride, (1, 1), (h, w))
    kind = "max" if node.op_type == "MaxPool" else "avg"
    count_pad = bool(r.attr(node, "count_include_pad", 0)) if kind == "avg" else True
    op = Pool(kind, kernel, stride, padding, bool(r.attr(node, "ceil_mode", 0)), count_pad)
    r.layer(node, op, node.input[:1])


def _read_global_pool(r: _Reader, node: Any) -> None:
    _spatial(r, node, "global pooling")
    r.layer(node, GlobalPool("avg" if node.op_type == "GlobalAveragePool" else "max"),
            node.input[:1])


def _read_reduce_mean(r: _Reader, node: Any) -> None:
    _spatial(r, node, "ReduceMean")
    axes = r.attr(node, "axes")
    if axes is None and len(node.input) > 1:
        axes = r.value(node, node.input[1], "axes")
    if axes is None or sorted(int(a) % 4 for a in axes) != [2, 3]:
        raise r.fail(node, "a mean over other axes than H and W")
    if r.attr(node, "keepdims", 1):
        r.layer(node, GlobalPool("avg"), node.input[:1])
        return
    pooled = f"{node.output[0]}:pooled"
    r.layer(node, GlobalPool("avg"), node.input[:1], output=pooled)
    r._add(r.unique_label(f"{node.name}:flatten"), Flatten(), [pooled], node.output[0],
           (r.shapes[pooled][-1],), None)


def _read_flatten(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    if int(r.attr(node, "axis", 1)) != 1:
        raise r.fail(node, "a flatten that keeps more than the batch axis")
    _read_flatten_like(r, node, shape)


def _dense_kernel(r: _Reader, source: str, kernel: Any) -> Any:
    """A dense kernel (inputs, units) in netdsl's row order (H, W, C after a flatten)."""
    if kernel is None or source not in r.chw_flat:
        return kernel
    c, h, w = r.chw_flat[source]
    units = kernel.shape[1]
    return kernel.reshape(c, h, w, units).transpose(1, 2, 0, 3).reshape(-1, units)


def _read_gemm(r: _Reader, node: Any) -> None:
    if r.attr(node, "transA", 0) or r.attr(node, "alpha", 1.0) != 1.0 or \
            r.attr(node, "beta", 1.0) != 1.0:
        raise r.fail(node, "a Gemm with transA, alpha or beta is not a dense layer")
    const = r.const(node.input[1])
    if const is None:
        raise r.fail(node, "its weights must be a constant in the file")
    transposed = bool(r.attr(node, "transB", 0))
    units = const.shape[0] if transposed else const.shape[1]
    kernel = r.weight(node.input[1])
    if kernel is not None and transposed:
        kernel = kernel.T
    bias = len(node.input) > 2 and bool(node.input[2])
    weights = {"kernel": _dense_kernel(r, r.tensor(node.input[0]), kernel)}
    if bias:
        b = r.weight(node.input[2])
        weights["bias"] = None if b is None else np.broadcast_to(b, (units,))
    r.layer(node, Dense(int(units), bias), node.input[:1], weights=weights)


def _read_matmul(r: _Reader, node: Any) -> None:
    const = r.const(node.input[1])
    if const is None or r.const(node.input[0]) is not None:
        raise r.fail(node, "a product of two computed tensors (attention) has no netdsl layer "
                     "of its own; netdsl's mha is the whole attention", code="E903")
    shape = r.shape_of(node, node.input[0])
    if len(const.shape) != 2 or len(shape) not in (1, 2):
        raise r.fail(node, "a MatMul that is not a dense layer over the last axis")
    units = int(const.shape[1])
    add = r.only_consumer(node.output[0], "Add")
    bias_name = None
    if add is not None:
        other = add.input[1] if add.input[0] == node.output[0] else add.input[0]
        found = r.const(other)
        if found is not None and math.prod(found.shape) == units:
            bias_name = other
            r.done.add(id(add))
    weights = {"kernel": _dense_kernel(r, r.tensor(node.input[0]), r.weight(node.input[1]))}
    if bias_name is not None:
        b = r.weight(bias_name)
        weights["bias"] = None if b is None else b.reshape(-1)
    op = (Dense if len(shape) == 1 else Linear)(units, bias_name is not None)
    r.layer(node, op, node.input[:1], output=add.output[0] if bias_name else None,
            weights=weights)


def _read_add(r: _Reader, node: Any) -> None:
    tensors = [n for n in node.input if r.const(n) is None]
    constants = [n for n in node.input if r.const(n) is not None]
    if node.op_type == "Sum" or not constants:
        shapes = {r.shape_of(node, n) for n in tensors}
        if len(shapes) != 1:
            raise r.fail(node, "an add that broadcasts: netdsl's add takes equal shapes")
        r.layer(node, Add(), tensors)
        return
    (name,), shape = constants, r.shape_of(node, tensors[0])
    found = r.const(name)
    size = math.prod(found.shape)
    array = r.weight(name)
    if size == shape[-1] and _per_channel(found.shape, len(shape)):
        r.layer(node, Bias(), tensors, weights={"bias": None if array is None
                                                 else array.reshape(-1)})
    elif len(shape) == 2 and size == math.prod(shape):
        r.layer(node, PositionEmbedding(), tensors,
                weights={"embedding": None if array is None else array.reshape(shape)})
    else:
        raise r.fail(node, f"an add of a constant of shape {list(found.shape)}: netdsl adds "
                     "a learned vector per channel (bias) or a position embedding")


def _per_channel(shape: Sequence[int], rank: int) -> bool:
    """Whether a constant of ``shape`` holds one value per channel of a tensor of ``rank``."""
    dims = [d for d in shape]
    while dims and dims[0] == 1 and len(dims) > 1:
        dims = dims[1:]
    if rank >= 3:  # channels first: C x 1 x 1
        return all(d == 1 for d in dims[1:])
    return len(dims) == 1


def _read_mul(r: _Reader, node: Any) -> None:
    tensors = [n for n in node.input if r.const(n) is None]
    constants = [n for n in node.input if r.const(n) is not None]
    if not constants:
        r.layer(node, Mul(), tensors)
        return
    (name,), shape = constants, r.shape_of(node, tensors[0])
    found = r.const(name)
    if math.prod(found.shape) == shape[-1] and _per_channel(found.shape, len(shape)):
        array = r.weight(name)
        r.layer(node, Scale(), tensors, weights={"scale": None if array is None
                                                  else array.reshape(-1)})
        return
    raise r.fail(node, f"a product with a constant of shape {list(found.shape)}: netdsl "
                 "multiplies by a learned vector per channel (scale)")


def _read_concat(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    rank = len(shape) + 1
    axis = int(r.attr(node, "axis")) % rank
    if axis != (1 if rank >= 4 else rank - 1):
        raise r.fail(node, f"a concat along axis {axis}: netdsl's concat joins channels")
    r.layer(node, Concat(), list(node.input))


def _read_dropout(r: _Reader, node: Any) -> None:
    rate = r.attr(node, "ratio", 0.5)
    if len(node.input) > 1 and node.input[1]:
        rate = float(r.value(node, node.input[1], "ratio"))
    r.layer(node, Dropout(float(rate)), node.input[:1])


def _read_resize(r: _Reader, node: Any) -> None:
    h, w, _ = _spatial(r, node, "upsample")
    mode = r.attr(node, "mode", b"nearest")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    scales = None
    if node.op_type == "Upsample":
        scales = r.value(node, node.input[1], "scales") if len(node.input) > 1 else \
            r.attr(node, "scales")
    elif len(node.input) > 2 and node.input[2]:
        scales = r.value(node, node.input[2], "scales")
    if scales is None or len(scales) == 0:
        sizes = r.value(node, node.input[3], "sizes") if len(node.input) > 3 else None
        if sizes is None:
            raise r.fail(node, "a resize without scales or sizes")
        scales = [1, 1, sizes[2] / h, sizes[3] / w]
    factors = [float(s) for s in scales]
    if factors[:2] != [1.0, 1.0] or not all(f.is_integer() and f >= 1 for f in factors[2:]):
        raise r.fail(node, f"scales {factors}: netdsl upsamples H and W by whole factors")
    transform = r.attr(node, "coordinate_transformation_mode", b"half_pixel")
    transform = transform.decode() if isinstance(transform, bytes) else transform
    if mode == "nearest":
        nearest = r.attr(node, "nearest_mode", b"round_prefer_floor")
        nearest = nearest.decode() if isinstance(nearest, bytes) else nearest
        # Whole factors pick the same source pixel under these conventions.
        if node.op_type == "Resize" and (transform, nearest) not in (
                ("asymmetric", "floor"), ("half_pixel", "round_prefer_ceil"),
                ("asymmetric", "round_prefer_floor"), ("pytorch_half_pixel", "floor")) and \
                not (transform == "asymmetric"):
            raise r.fail(node, f"nearest resize with {transform} / {nearest}: netdsl's "
                         "upsample repeats each pixel (asymmetric, floor)")
        op_mode = "nearest"
    elif mode in ("linear", "bilinear") and transform in ("half_pixel", "pytorch_half_pixel"):
        op_mode = "bilinear"
    else:
        raise r.fail(node, f"resize mode {mode} with {transform}: netdsl upsamples nearest, "
                     "or bilinear with half-pixel centres")
    r.layer(node, Upsample((int(factors[2]), int(factors[3])), op_mode), node.input[:1])


def _read_pad(r: _Reader, node: Any) -> None:
    mode = r.attr(node, "mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    pads = r.value(node, node.input[1], "pads") if len(node.input) > 1 else r.attr(node, "pads")
    value = r.value(node, node.input[2], "value") if len(node.input) > 2 and node.input[2] \
        else 0
    pads = [int(p) for p in pads]
    if mode != "constant" or float(np.asarray(value).reshape(-1)[0] if np.size(value) else 0) \
            or len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)):
        raise r.fail(node, f"pad {mode} {pads}: netdsl's zeropad pads H and W with zeros")
    r.layer(node, ZeroPad((pads[2], pads[6], pads[3], pads[7])), node.input[:1])


def _read_slice(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    rank = len(shape) + 1
    starts = r.value(node, node.input[1], "starts")
    ends = r.value(node, node.input[2], "ends")
    axes = r.value(node, node.input[3], "axes") if len(node.input) > 3 and node.input[3] \
        else list(range(len(starts)))
    steps = r.value(node, node.input[4], "steps") if len(node.input) > 4 and node.input[4] \
        else [1] * len(starts)
    channel = 1 if rank >= 4 else rank - 1
    if len(starts) != 1 or int(axes[0]) % rank != channel or int(steps[0]) != 1:
        raise r.fail(node, "a slice of other axes than the channels")
    c = shape[-1]
    start, end = (max(0, min(c, int(v) + (c if int(v) < 0 else 0))) for v in (starts[0], ends[0]))
    r.layer(node, Slice(start, end), node.input[:1])


def _read_depth_to_space(r: _Reader, node: Any) -> None:
    mode = r.attr(node, "mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "CRD":
        raise r.fail(node, "DepthToSpace in DCR mode: netdsl's pixel_shuffle is CRD "
                     "(PyTorch's order)")
    r.layer(node, PixelShuffle(int(r.attr(node, "blocksize"))), node.input[:1])


def _read_layernorm(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    rank = len(shape) + 1
    if int(r.attr(node, "axis", -1)) % rank != rank - 1 or len(shape) >= 3:
        raise r.fail(node, "a layer norm over other axes than a sequence's features")
    weights = {"gamma": r.weight(node.input[1]),
               "beta": r.weight(node.input[2]) if len(node.input) > 2 and node.input[2]
               else np.zeros(shape[-1])}
    r.layer(node, LayerNorm(float(r.attr(node, "epsilon", 1e-5))), node.input[:1],
            weights=weights)


def _read_groupnorm(r: _Reader, node: Any) -> None:
    _, _, c = _spatial(r, node, "groupnorm")
    groups = int(r.attr(node, "num_groups"))
    scale = r.const(node.input[1])
    if scale is None or math.prod(scale.shape) != c:
        raise r.fail(node, "a group norm with a scale per group (opset 18): netdsl's is per "
                     "channel")
    weights = {"gamma": r.weight(node.input[1]), "beta": r.weight(node.input[2])}
    r.layer(node, GroupNorm(groups, float(r.attr(node, "epsilon", 1e-5))), node.input[:1],
            weights=weights)


def _read_instancenorm(r: _Reader, node: Any) -> None:
    _, _, c = _spatial(r, node, "instancenorm")
    weights = {"gamma": r.weight(node.input[1]), "beta": r.weight(node.input[2])}
    r.layer(node, GroupNorm(c, float(r.attr(node, "epsilon", 1e-5)), True, instance=True),
            node.input[:1], weights=weights)


def _read_reshape(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    target = [int(d) for d in r.value(node, node.input[1], "shape")]
    if _channel_shuffle(r, node, shape, target):
        return
    if len(shape) == 3 and len(target) == 2:  # N x C x H x W -> N x K: a flatten
        _read_flatten_like(r, node, shape)
        return
    if len(shape) >= 3 or len(target) >= 4:
        raise r.fail(node, f"a reshape of {[None, *shape]} to {target}: netdsl reshapes images "
                     "channels-last")
    out = tuple(shape[i - 1] if d == 0 else d for i, d in enumerate(target))[1:]
    r.layer(node, Reshape(out), node.input[:1])


def _read_flatten_like(r: _Reader, node: Any, shape: Shape) -> None:
    """A flatten; of an image, its elements in PyTorch's C, H, W order (a dense layer after
    it has its rows reordered)."""
    r.layer(node, Flatten(), node.input[:1])
    if len(shape) == 3 and shape[0] * shape[1] > 1 and shape[2] > 1:
        r.chw_flat[node.output[0]] = (shape[2], shape[0], shape[1])


def _channel_shuffle(r: _Reader, node: Any, shape: Shape, target: list[int]) -> bool:
    """Reshape to N x g x C/g x H x W, swap axes 1 and 2, reshape back: channel_shuffle(g)."""
    if len(shape) != 3 or len(target) != 5:
        return False
    h, w, c = shape
    g = target[1]
    transpose = r.only_consumer(node.output[0], "Transpose")
    if g <= 0 or c % g or target[2] not in (c // g, -1) or transpose is None or \
            list(r.attr(transpose, "perm")) != [0, 2, 1, 3, 4]:
        return False
    back = r.only_consumer(transpose.output[0], "Reshape")
    if back is None or r.const(back.input[1]) is None:
        return False
    final = [int(d) for d in r.value(back, back.input[1], "shape")]
    if final[1:] not in ([c, h, w], [-1, h, w]):
        return False
    r.done.update({id(transpose), id(back)})
    r.layer(back, ChannelShuffle(g), node.input[:1], output=back.output[0])
    return True


def _read_transpose(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    perm = [int(p) for p in r.attr(node, "perm")]
    flatten = r.only_consumer(node.output[0], "Flatten")
    if len(shape) == 3 and perm == [0, 2, 3, 1] and flatten is not None and \
            int(r.attr(flatten, "axis", 1)) == 1:  # channels last, then flattened: HWC order
        r.done.add(id(flatten))
        r.layer(flatten, Flatten(), node.input[:1], output=flatten.output[0])
        return
    if perm[0] != 0 or len(shape) >= 3:
        raise r.fail(node, f"a transpose {perm} of an image or of the batch axis: netdsl "
                     "permutes the axes of sequences")
    r.layer(node, Permute(tuple(p - 1 for p in perm[1:])), node.input[:1])


def _read_gather(r: _Reader, node: Any) -> None:
    shape = r.shape_of(node, node.input[0])
    index = r.value(node, node.input[1], "index")
    if int(r.attr(node, "axis", 0)) != 1 or len(shape) != 2 or np.ndim(index) != 0:
        raise r.fail(node, "a gather other than one token of a sequence")
    r.layer(node, TokenSelect(int(index) % shape[0]), node.input[:1])


def _read_identity(r: _Reader, node: Any) -> None:
    r.layer(node, Identity(), node.input[:1])


_READERS: dict[str, Callable[[_Reader, Any], None]] = {
    "Conv": _read_conv, "ConvTranspose": _read_conv_transpose,
    "BatchNormalization": _read_batchnorm, "Relu": _simple(Activation("relu")),
    "Clip": _read_clip, "Sigmoid": _read_sigmoid, "Tanh": _simple(Activation("tanh")),
    "HardSigmoid": _read_hardsigmoid, "HardSwish": _simple(Activation("hswish")),
    "Mish": _simple(Activation("mish")), "Softmax": _read_softmax, "Gelu": _read_gelu,
    "LeakyRelu": lambda r, n: r.layer(n, LeakyReLU(float(r.attr(n, "alpha", 0.01))),
                                      n.input[:1]),
    "Elu": lambda r, n: r.layer(n, ELU(float(r.attr(n, "alpha", 1.0))), n.input[:1]),
    "PRelu": _read_prelu, "MaxPool": _read_pool, "AveragePool": _read_pool,
    "GlobalAveragePool": _read_global_pool, "GlobalMaxPool": _read_global_pool,
    "ReduceMean": _read_reduce_mean, "Flatten": _read_flatten, "Gemm": _read_gemm,
    "MatMul": _read_matmul, "Add": _read_add, "Sum": _read_add, "Mul": _read_mul,
    "Concat": _read_concat, "Dropout": _read_dropout, "Resize": _read_resize,
    "Upsample": _read_resize, "Pad": _read_pad, "Slice": _read_slice,
    "DepthToSpace": _read_depth_to_space, "LayerNormalization": _read_layernorm,
    "GroupNormalization": _read_groupnorm, "InstanceNormalization": _read_instancenorm,
    "Reshape": _read_reshape, "Transpose": _read_transpose, "Gather": _read_gather,
    "Identity": _read_identity,
}
assert set(_READERS) == set(SUPPORTED), set(_READERS) ^ set(SUPPORTED)


# ---- writing the source ------------------------------------------------------------------


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_") or "t"
    if name[0].isdigit():
        name = f"t_{name}"
    return name


@attrs.frozen
class _Statement:
    """One line of the source: a call writing ``output`` from ``inputs``."""

    label: str
    text: str
    inputs: tuple[str, ...]
    output: str
    merge: bool = False


def _statements(reader: _Reader) -> list[_Statement]:
    """The layers as calls; a conv, bn and activation named ``P/conv``, ``P/bn``,
    ``P/<act>`` (netdsl's own naming) as one ``cbr(...) as "P"``, which names them alike."""
    from netdsl.ir.ops import ACTIVATIONS

    layers = reader.layers
    uses: dict[str, int] = {}
    for layer in layers:
        for name in layer.inputs:
            uses[name] = uses.get(name, 0) + 1

    def chained(first: _Layer, second: _Layer) -> bool:
        return second.inputs == [first.output] and uses.get(first.output) == 1

    statements = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        shapes = [reader.shapes[n] for n in layer.inputs]
        prefix, _, last = layer.label.rpartition("/")
        if isinstance(layer.op, Conv) and not layer.op.bias and last == "conv" and prefix and \
                i + 1 < len(layers) and isinstance(layers[i + 1].op, BatchNorm) and \
                layers[i + 1].label == f"{prefix}/bn" and chained(layer, layers[i + 1]):
            covered = 2
            act = "none"
            if i + 2 < len(layers):
                after = layers[i + 2]
                if isinstance(after.op, Activation) and after.op.kind in ACTIVATIONS and \
                        after.op.approx == "none" and after.label == f"{prefix}/{after.op.kind}" \
                        and chained(layers[i + 1], after):
                    act, covered = after.op.kind, 3
            op = layer.op
            args = [str(op.channels), *([call_pair(op.kernel)] * (op.kernel != (1, 1))),
                    *window(op.stride, op.padding, op.kernel, op.dilation)]
            if op.groups != 1:
                args.append(f"groups={op.groups}")
            if op.dilation != (1, 1):
                args.append(f"dilation={call_pair(op.dilation)}")
            if act != "relu":
                args.append(f"act={act}")
            eps = layers[i + 1].op.eps
            if eps != 1e-5:
                args.append(f"eps={number(eps)}")
            statements.append(_Statement(prefix, f"cbr({', '.join(args)})",
                                         tuple(layer.inputs), layers[i + covered - 1].output))
            i += covered
            continue
        merge = isinstance(layer.op, Add | Mul | Concat)
        statements.append(_Statement(layer.label, call_text(layer.op, shapes),
                                     tuple(layer.inputs), layer.output, merge))
        i += 1
    return statements


def _write_source(reader: _Reader, network: str, output: str) -> str:
    """One statement per layer; tensors named only where the graph branches or merges."""
    from netdsl.driver import stdlib_path
    from netdsl.elaborate.expressions import BUILTINS
    from netdsl.elaborate.layers import LAYERS, MERGES

    statements = _statements(reader)
    # A tensor's name must not hide a layer, block, function or keyword the source calls.
    blocks = re.findall(r"^(?:block|def) (\w+)", (stdlib_path() / "std.net").read_text(), re.M)
    reserved = _KEYWORDS | set(LAYERS) | set(MERGES) | set(BUILTINS) | set(blocks) | \
        set(keyword.kwlist) | {"std", network}
    uses: dict[str, list[tuple[int, int]]] = {}
    for i, statement in enumerate(statements):
        for position, name in enumerate(statement.inputs):
            uses.setdefault(name, []).append((i, position))
    names: dict[str, str] = {}
    taken: set[str] = set()
    for i, statement in enumerate(statements):
        used = uses.get(statement.output, [])
        followed = used == [(i + 1, 0)]
        last = i == len(statements) - 1
        if (used and not followed) or (statement.output == output and not last):
            # A short name from the label's last two parts, leaving out an operator's
            # name as PyTorch's exporter appends it: /layer1/layer1.0/bn3/BatchNorm... is
            # layer1_0_bn3.
            # More parts when two are taken: stage3_ir1_project after ir1_project.
            parts = [p for p in re.split(r"[/:]", statement.label) if p]
            if len(parts) > 1 and parts[-1][:1].isupper():
                parts.pop()
            candidates = [_identifier("_".join(parts[-k:])).lower()
                          for k in range(min(2, len(parts)), len(parts) + 1)]
            candidates = [f"t_{c}" if c in reserved else c for c in candidates]
            name = next((c for c in candidates if c not in taken), candidates[-1])
            base, n = name, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            names[statement.output] = name
    uses_std = any(s.text.startswith("cbr(") for s in statements)
    producer = reader.model.producer_name or "an unknown producer"
    if reader.model.producer_version:
        producer += f" {reader.model.producer_version}"
    lines = [f"# Imported from {os.path.basename(reader.filename)} ({producer}, "
             f"opset {_opset(reader.model)}) by netdsl import.",
             "# Layer names are the ONNX node names; tensors are named where the graph "
             "branches or merges.",
             *(["import std"] if uses_std else []),
             "", f"net {network}:"]
    current = None
    for statement in statements:
        ins = statement.inputs
        if ins and ins[0] != current:
            lines.append(f"    from {names[ins[0]]}")
        text = statement.text
        if statement.merge:
            text = f"{text}({', '.join(names[n] for n in ins[1:])})"
        target = f"{names[statement.output]} = " if statement.output in names else ""
        lines.append(f'    {target}{text} as "{statement.label}"')
        current = statement.output
    if current != output:
        lines.append(f"    from {names[output]}")
    return "\n".join(lines) + "\n"


def _opset(model: Any) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


__all__ = ["SUPPORTED", "Imported", "import_model", "import_onnx", "load_model"]
