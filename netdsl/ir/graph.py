"""The graph IR: frozen nodes in topological order, inputs referenced by name.

A :class:`Graph` is a value: passes never mutate it, they build a new one
(``graph.replace_nodes(...)``, ``attrs.evolve(node, ...)``). Source spans ride
along on every node but take no part in equality, so two graphs compiled from
differently formatted sources compare equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from netdsl.diagnostics import Span
from netdsl.ir.ops import Op, op_name

Shape = tuple[int, ...]


@attrs.frozen
class ParamCounts:
    """Parameter counts by kind (cost-model.md section 3)."""

    weights: int = 0
    biases: int = 0
    bn_affine: int = 0
    bn_stats: int = 0

    @property
    def total(self) -> int:
        """Every stored number: the Keras ``count_params()`` convention."""
        return self.weights + self.biases + self.bn_affine + self.bn_stats

    @property
    def trainable(self) -> int:
        """Weights, biases and BN gamma/beta: the PyTorch ``parameters()`` convention."""
        return self.weights + self.biases + self.bn_affine

    def __add__(self, other: ParamCounts) -> ParamCounts:
        return ParamCounts(
            self.weights + other.weights,
            self.biases + other.biases,
            self.bn_affine + other.bn_affine,
            self.bn_stats + other.bn_stats,
        )


@attrs.frozen
class MemoryAccesses:
    """Element reads and writes to main memory, split by what is moved."""

    input: int = 0
    output: int = 0
    weights: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output + self.weights

    def __add__(self, other: MemoryAccesses) -> MemoryAccesses:
        return MemoryAccesses(
            self.input + other.input, self.output + other.output, self.weights + other.weights
        )


@attrs.frozen
class LayerCost:
    """What one node costs; filled in by the ``annotate-cost`` pass."""

    params: ParamCounts = ParamCounts()
    maccs: int = 0
    flops: int = 0
    memory: MemoryAccesses = MemoryAccesses()
    activations: int = 0  # elements of the output tensor

    def __add__(self, other: LayerCost) -> LayerCost:
        """The figures of two layers together (a collapsed block in a diagram)."""
        return LayerCost(self.params + other.params, self.maccs + other.maccs,
                         self.flops + other.flops, self.memory + other.memory,
                         self.activations + other.activations)


#: Bytes per stored element for each dtype (cost-model.md section 3).
DTYPE_BYTES: dict[str, float] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}


@attrs.frozen
class GraphCost:
    """Whole-network figures; filled in by the ``annotate-cost`` pass.

    Element counts are exact integers; byte figures multiply them by the
    dtype's size (rounded up for int4's half bytes).
    """

    params: ParamCounts
    maccs: int
    flops: int
    memory: MemoryAccesses
    activations: int
    peak_activations: int
    dtype: str = "fp32"
    batch: int = 1
    memory_model: str = "naive"

    def bytes(self, elements: int) -> int:
        """Bytes taken by ``elements`` values of this report's dtype."""
        half_bytes = elements * int(DTYPE_BYTES[self.dtype] * 2)
        return -(-half_bytes // 2)

    @property
    def model_bytes(self) -> int:
        """Size of the stored parameters."""
        return self.bytes(self.params.total)

    @property
    def peak_bytes(self) -> int:
        return self.bytes(self.peak_activations)

    @property
    def memory_bytes(self) -> int:
        return self.bytes(self.memory.total)


@attrs.frozen
class Absorbed:
    """A layer folded or fused into another node: its op and where it was written.

    ``how`` is ``"folded"`` when the layer's arithmetic was merged into the
    node's weights (batch norm into a convolution: the layer no longer runs)
    or ``"fused"`` when it still runs, applied to each value as the node
    writes it (an activation after a convolution: its work stays, its memory
    traffic goes). A fused layer with parameters (an unfolded batch norm)
    keeps its ``weights``.
    """

    name: str
    op: Op
    how: str = "fused"
    span: Span | None = attrs.field(default=None, eq=False)
    weights: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Node:
    """One layer: its op, the names of its inputs and its output shape.

    ``blocks`` lists the enclosing block instances from the outside in, as
    ``(instance path, block name)`` pairs, e.g. ``(("stage3", "stage"),
    ("stage3/ir2", "ir"))``; backends draw them as clusters. ``fused`` lists
    the layers folded or fused into this one, in order. ``weights`` maps
    parameter names (``kernel``, ``bias``, ``gamma``...) to NumPy arrays when
    the graph carries real weights (netdsl/weights.py); like spans, they take
    no part in equality.
    """

    name: str
    op: Op
    inputs: tuple[str, ...] = ()
    shape: Shape | None = None
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    blocks: tuple[tuple[str, str], ...] = ()
    fused: tuple[Absorbed, ...] = ()
    cost: LayerCost | None = None
    weights: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Graph:
    """A whole network: its nodes in topological order and the output names."""

    name: str
    nodes: tuple[Node, ...]
    outputs: tuple[str, ...]
    arguments: tuple[tuple[str, Any], ...] = ()
    cost: GraphCost | None = None
    _index: dict[str, Node] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {n.name: n for n in self.nodes})

    def __getitem__(self, name: str) -> Node:
        return self._index[name]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def output_shape(self) -> Shape | None:
        """Shape of the (first) output."""
        return self[self.outputs[0]].shape if self.outputs else None

    def replace_nodes(self, nodes: tuple[Node, ...] | list[Node]) -> Graph:
        """A copy of this graph with other nodes (outputs kept)."""
        return attrs.evolve(self, nodes=tuple(nodes))

    def consumers(self) -> dict[str, list[str]]:
        """For every node name, the names of the nodes that read it, in order."""
        users: dict[str, list[str]] = {n.name: [] for n in self.nodes}
        for node in self.nodes:
            for name in node.inputs:
                users[name].append(node.name)
        return users

    def input_shapes(self, node: Node) -> list[Shape | None]:
        """Shapes of ``node``'s inputs."""
        return [self[i].shape for i in node.inputs]

    def display_op(self, node: Node) -> str:
        """The op name a user reads (``dwconv`` for a depthwise convolution)."""
        channels = None
        if node.inputs:
            shape = self[node.inputs[0]].shape
            channels = shape[-1] if shape else None
        return op_name(node.op, channels)
