"""The op registry: everything netdsl knows about a layer kind, in one entry.

Each op module (``conv.py``, ``activation.py``...) defines its op classes
and registers one :class:`OpDef` per class with :func:`register`:

* ``layers``: the layer names a user calls, with their signatures and
  defaults, and how bound arguments become the op (``conv`` and ``dwconv``
  both build a :class:`~netdsl.ir.ops.conv.Conv`);
* ``shape``: the shape rule, ``shape(op, input_shapes) -> output shape``,
  raising :class:`~netdsl.ir.windows.ShapeError` when the inputs do not fit;
* ``cost``: the cost rule, ``cost(op, input_shapes, output_shape) -> Work``
  (docs/cost-model.md);
* ``execute``: the NumPy reference executor, ``execute(op, inputs, weights,
  output_shape) -> array`` on batched float64 arrays (N first);
* ``parameters``: for a layer with weights, the arrays it needs by name and
  shape, ``parameters(op, input_shapes, output_shape) -> {name: shape}``
  (netdsl/weights.py keys them ``<layer>/<name>``);
* what the fusion and folding passes may do with it, whether its output is
  its input's buffer, and its one-line doc.

The shape-inference and cost passes, the elaborator, the executor and the
verifier find ops only through :data:`REGISTRY`; tests iterate it, so a kind
that lacks any part fails a test, and docs/language.md's layer table is
compared with the layer names registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from netdsl.ir.windows import ShapeError, fmt

if TYPE_CHECKING:
    from netdsl.elaborate.values import Layer
    from netdsl.ir.cost import Work

Shape = tuple[int, ...]


@attrs.frozen
class OpDef:
    """One op class and its rules.

    ``absorbs``: the op can apply fused layers as it writes its output
    (convolution, dense, add). ``fusable``: for a layer that can be fused
    into such an op, a function returning None when this op instance can be,
    else the reason it cannot (softmax normalises over all channels).
    ``foldable``: a batch norm, whose arithmetic the fold-batchnorm pass can
    merge into the weights of a layer before it whose ``scale_outputs`` is set:
    ``scale_outputs(op, kernel, scale)`` multiplies each output channel's
    weights by its factor (convolution, transposed convolution, dense, linear);
    ``fold_refusal``: for a normalisation that can never be folded, the
    reason, which the pass reports.
    ``aliases_input``: the output is the input's buffer (flatten, dropout).
    ``merge``: the op takes two or more tensors (add, concat, mul).
    """

    op: type
    doc: str
    shape: Callable[[Any, Sequence[Shape]], Shape] = attrs.field(repr=False)
    cost: Callable[[Any, Sequence[Shape], Shape], Work] = attrs.field(repr=False)
    execute: Callable[..., Any] = attrs.field(repr=False)
    layers: tuple[Layer, ...] = ()
    parameters: Callable[[Any, Sequence[Shape], Shape], dict[str, Shape]] | None = attrs.field(
        default=None, repr=False)
    absorbs: bool = False
    fusable: Callable[[Any], str | None] | None = attrs.field(default=None, repr=False)
    foldable: bool = False
    scale_outputs: Callable[[Any, Any, Any], Any] | None = attrs.field(default=None, repr=False)
    fold_refusal: Callable[[Any], str] | None = attrs.field(default=None, repr=False)
    aliases_input: bool = False
    merge: bool = False


#: Every op class, in registration order, with its definition.
REGISTRY: dict[type, OpDef] = {}


def register(definition: OpDef) -> OpDef:
    """Add ``definition`` to the registry (once per op class)."""
    assert definition.op not in REGISTRY, f"{definition.op.__name__} is registered twice"
    REGISTRY[definition.op] = definition
    return definition


def op_def(op: object) -> OpDef:
    """The registry entry of an op instance."""
    return REGISTRY[type(op)]


def infer_shape(op: object, input_shapes: Sequence[Shape]) -> Shape:
    """Output shape of ``op`` applied to inputs of ``input_shapes``.

    Raises :class:`ShapeError` when the inputs do not fit the op.
    """
    shape = REGISTRY[type(op)].shape(op, input_shapes)
    for d in shape:  # a loop, not any(): this runs for every layer, twice
        if d <= 0:
            raise ShapeError("E407", f"the output would be empty ({fmt(shape)})")
    return shape


def scale_last_axis(op: object, kernel: Any, scale: Any) -> Any:
    """``scale_outputs`` of a layer whose kernel's last axis is its output channel."""
    return kernel * scale


def same_shape(op: object, shapes: Sequence[Shape]) -> Shape:
    """The shape rule of a layer that keeps its input's shape."""
    return shapes[0]


__all__ = ["REGISTRY", "OpDef", "infer_shape", "op_def", "register", "same_shape"]
