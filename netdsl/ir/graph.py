"""The graph IR: frozen nodes in topological order, inputs referenced by name.

A :class:`Graph` is a value: passes never mutate it, they build a new one
(``graph.replace_nodes(...)``, ``replace_node(node, ...)``) and keep the nodes
they do not change. Source spans ride along on every node but take no part in
equality, so two graphs compiled from differently formatted sources compare
equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from netdsl.diagnostics import Span
from netdsl.ir.cost import (
    DTYPE_BYTES,
    GraphCost,
    LayerCost,
    MemoryAccesses,
    ParamCounts,
)
from netdsl.ir.ops import Op, op_name

Shape = tuple[int, ...]

__all__ = [
    "DTYPE_BYTES",
    "Absorbed",
    "Graph",
    "GraphCost",
    "LayerCost",
    "MemoryAccesses",
    "Node",
    "ParamCounts",
    "Shape",
    "replace_node",
]


@attrs.frozen
class Absorbed:
    """A layer folded or fused into another node: its op and where it was written.

    ``how`` is ``"folded"`` when the layer's arithmetic was merged into the
    node's weights (batch norm into a convolution: the layer no longer runs)
    or ``"fused"`` when it still runs, applied to each value as the node
    writes it (an activation after a convolution: its work stays, its memory
    traffic goes). A fused layer with parameters (an unfolded batch norm)
    keeps its ``weights``. ``calls`` is the layer's :attr:`Node.calls`, so an
    absorbed layer is located as a node is.
    """

    name: str
    op: Op
    how: str = "fused"
    span: Span | None = attrs.field(default=None, eq=False)
    weights: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)
    calls: tuple[Span, ...] = attrs.field(default=(), eq=False, repr=False)


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

    ``span`` is where the layer itself is written, which for a layer built by
    a block is inside the block's definition (often the standard library).
    ``calls`` holds the spans of the calls of the block instances it was built
    through, one for each entry of ``blocks`` and in the same order: the
    outermost call (in the network's body) first, then the call inside that
    block's definition, and so on. ``(*calls, span)`` is the layer's whole
    call chain; backends read the user's own line from it
    (:func:`netdsl.backends.common.user_location`). Like ``span``, ``calls``
    takes no part in equality.
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
    calls: tuple[Span, ...] = attrs.field(default=(), eq=False, repr=False)


_KEEP: Any = object()


def replace_node(node: Node, *, name: str = _KEEP, op: Op = _KEEP,
                 inputs: tuple[str, ...] = _KEEP, shape: Shape | None = _KEEP,
                 span: Span | None = _KEEP, blocks: tuple[tuple[str, str], ...] = _KEEP,
                 fused: tuple[Absorbed, ...] = _KEEP, cost: LayerCost | None = _KEEP,
                 weights: Mapping[str, Any] | None = _KEEP,
                 calls: tuple[Span, ...] = _KEEP) -> Node:
    """``attrs.evolve(node, ...)`` for the fields given, at about half its cost.

    Passes rebuild nodes in loops over the whole graph, and ``attrs.evolve``
    looks the class's fields up again on every call.
    """
    return Node(
        node.name if name is _KEEP else name,
        node.op if op is _KEEP else op,
        node.inputs if inputs is _KEEP else inputs,
        node.shape if shape is _KEEP else shape,
        node.span if span is _KEEP else span,
        node.blocks if blocks is _KEEP else blocks,
        node.fused if fused is _KEEP else fused,
        node.cost if cost is _KEEP else cost,
        node.weights if weights is _KEEP else weights,
        node.calls if calls is _KEEP else calls,
    )


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
        return Graph(self.name, tuple(nodes), self.outputs, self.arguments, self.cost)

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
