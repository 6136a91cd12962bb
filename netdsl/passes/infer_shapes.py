"""Pass ``infer-shapes``: compute every node's output shape from its inputs.

Contract: takes a graph whose ``Input`` nodes carry their shape and returns
the same graph with ``Node.shape`` set on every node. It changes nothing but
shapes, so on a graph that already has them it is an identity check.

The shape rules (one per op class, in :data:`SHAPE_RULES`) are also called by
the elaborator while it builds the graph, because blocks may read the shape of
their input (``in.c``). Shapes are ``(H, W, C)`` or ``(N,)`` for vectors.

Window arithmetic (cost-model.md section 8), for input n, kernel k, stride s,
dilation d and padding p_before + p_after::

    out = floor((n + p_before + p_after - d*(k-1) - 1) / s) + 1

With ``ceil_mode`` (Caffe pooling) the division rounds up, and a last window
that would start in the trailing padding is dropped (the PyTorch rule); so a
ceil window may be larger than the whole padded input (``maxpool(2,
round=ceil)`` of a 1 x 1 input is 1 x 1), and only an output of no window at
all is an error (E403), as in PyTorch.
TensorFlow ``same`` gives ``out = ceil(n / s)`` with total padding
``max((out-1)*s + d*(k-1) + 1 - n, 0)``, the odd pixel going after.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Shape
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
    Padding,
    Pool,
    Upsample,
    ZeroPad,
)
from netdsl.passes.base import PassResult


class ShapeError(Exception):
    """A shape rule refused its inputs; the caller attaches the source span."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def fmt(shape: Shape) -> str:
    return "x".join(map(str, shape))


def same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow ``same`` padding (before, after) for one spatial axis."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: Padding, size: tuple[int, int], kernel: tuple[int, int],
    stride: tuple[int, int], dilation: tuple[int, int] = (1, 1),
) -> tuple[int, int, int, int]:
    """Concrete (top, bottom, left, right) padding for an input of ``size``."""
    if padding.mode == "same":
        top, bottom = same_padding(size[0], kernel[0], stride[0], dilation[0])
        left, right = same_padding(size[1], kernel[1], stride[1], dilation[1])
        return top, bottom, left, right
    return padding.sides


def window_output(
    n: int, k: int, s: int, d: int, before: int, after: int, ceil_mode: bool = False
) -> int:
    """Output length of a sliding window along one axis."""
    span = d * (k - 1) + 1
    padded = n + before + after
    if ceil_mode:
        out = -(-(padded - span) // s) + 1
        if (out - 1) * s >= n + before:  # the last window must start inside the input
            out -= 1
    else:
        out = (padded - span) // s + 1
    if out < 1:
        raise ShapeError(
            "E403",
            f"kernel of extent {span} is larger than the padded input ({n} + {before} + {after})",
            "use a smaller kernel or more padding",
        )
    return out


def _spatial(name: str, shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError(
            "E402",
            f"'{name}' expects an HxWxC input, got {fmt(shape)}",
            "a vector has no spatial dimensions; apply this layer before flatten/gap/fc",
        )
    return shape  # type: ignore[return-value]


def _windowed(name: str, shape: Shape, kernel, stride, padding, dilation, ceil_mode=False):
    h, w, _ = _spatial(name, shape)
    top, bottom, left, right = resolve_padding(padding, (h, w), kernel, stride, dilation)
    out_h = window_output(h, kernel[0], stride[0], dilation[0], top, bottom, ceil_mode)
    out_w = window_output(w, kernel[1], stride[1], dilation[1], left, right, ceil_mode)
    return out_h, out_w


def _one(shapes: Sequence[Shape]) -> Shape:
    return shapes[0]


def _conv(op: Conv, shapes: Sequence[Shape]) -> Shape:
    shape = shapes[0]
    _, _, cin = _spatial("conv", shape)
    if cin % op.groups or op.channels % op.groups:
        raise ShapeError(
            "E404",
            f"groups={op.groups} must divide both the input channels ({cin}) "
            f"and the output channels ({op.channels})",
        )
    h, w = _windowed("conv", shape, op.kernel, op.stride, op.padding, op.dilation)
    return (h, w, op.channels)


def _pool(op: Pool, shapes: Sequence[Shape]) -> Shape:
    h, w = _windowed(f"{op.kind}pool", shapes[0], op.kernel, op.stride, op.padding, (1, 1),
                     op.ceil_mode)
    return (h, w, shapes[0][2])


def _global_pool(op: GlobalPool, shapes: Sequence[Shape]) -> Shape:
    return (1, 1, _spatial("gap", shapes[0])[2])


def _zeropad(op: ZeroPad, shapes: Sequence[Shape]) -> Shape:
    h, w, c = _spatial("zeropad", shapes[0])
    top, bottom, left, right = op.sides
    return (h + top + bottom, w + left + right, c)


def _dense(op: Dense, shapes: Sequence[Shape]) -> Shape:
    return (op.units,)


def _flatten(op: Flatten, shapes: Sequence[Shape]) -> Shape:
    return (math.prod(shapes[0]),)


def _upsample(op: Upsample, shapes: Sequence[Shape]) -> Shape:
    h, w, c = _spatial("upsample", shapes[0])
    return (h * op.factor[0], w * op.factor[1], c)


def _add(op: Add, shapes: Sequence[Shape]) -> Shape:
    for shape in shapes[1:]:
        if shape != shapes[0]:
            raise ShapeError(
                "E405",
                f"cannot add tensors of shapes {fmt(shapes[0])} and {fmt(shape)}",
                "add needs equal shapes; a projection shortcut (1x1 conv) can match them",
            )
    return shapes[0]


def _mul(op: Mul, shapes: Sequence[Shape]) -> Shape:
    result = shapes[0]
    for shape in shapes[1:]:
        try:
            result = _broadcast(result, shape)
        except ValueError:
            raise ShapeError(
                "E405",
                f"cannot multiply tensors of shapes {fmt(result)} and {fmt(shape)}",
                "mul broadcasts like NumPy: each trailing dimension must be equal or 1",
            ) from None
    return result


def _broadcast(a: Shape, b: Shape) -> Shape:
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a2, b2, strict=True):
        if x != y and 1 not in (x, y):
            raise ValueError
        out.append(max(x, y))
    return tuple(out)


def _concat(op: Concat, shapes: Sequence[Shape]) -> Shape:
    first = shapes[0]
    for shape in shapes[1:]:
        if len(shape) != len(first) or shape[:-1] != first[:-1]:
            raise ShapeError(
                "E405",
                f"cannot concatenate tensors of shapes {fmt(first)} and {fmt(shape)}",
                "concat joins channels: all dimensions but the last must be equal",
            )
    return (*first[:-1], sum(s[-1] for s in shapes))


def _input(op: Input, shapes: Sequence[Shape]) -> Shape:
    return op.shape


#: One shape rule per op class: ``rule(op, input_shapes) -> output shape``.
SHAPE_RULES: dict[type, Callable] = {
    Input: _input,
    Conv: _conv,
    Dense: _dense,
    BatchNorm: lambda op, shapes: _one(shapes),
    Activation: lambda op, shapes: _one(shapes),
    Pool: _pool,
    GlobalPool: _global_pool,
    ZeroPad: _zeropad,
    Add: _add,
    Mul: _mul,
    Concat: _concat,
    Flatten: _flatten,
    Upsample: _upsample,
    Dropout: lambda op, shapes: _one(shapes),
    Identity: lambda op, shapes: _one(shapes),
}


def infer_shape(op: object, input_shapes: Sequence[Shape]) -> Shape:
    """Output shape of ``op`` applied to inputs of ``input_shapes``.

    Raises :class:`ShapeError` when the inputs do not fit the op.
    """
    shape = SHAPE_RULES[type(op)](op, input_shapes)
    if any(d <= 0 for d in shape):
        raise ShapeError("E407", f"the output would be empty ({fmt(shape)})")
    return shape


@attrs.frozen
class InferShapes:
    """Compute the output shape of every node from its inputs."""

    name = "infer-shapes"
    description = "compute every node's output shape from its inputs"
    requires: tuple[str, ...] = ()

    def run(self, graph: Graph) -> PassResult:
        shapes: dict[str, Shape] = {}
        nodes = []
        changed = False
        for node in graph.nodes:
            try:
                shape = infer_shape(node.op, [shapes[i] for i in node.inputs])
            except ShapeError as exc:
                raise error(exc.code, exc.message, node.span, hint=exc.hint) from None
            shapes[node.name] = shape
            if shape != node.shape:
                changed = True
                node = attrs.evolve(node, shape=shape)
            nodes.append(node)
        return PassResult(graph.replace_nodes(nodes) if changed else graph, changed)
