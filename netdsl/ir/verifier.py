"""The IR verifier: the invariants every pass must preserve.

1. Node names are unique and non-empty.
2. Nodes are in topological order: every input names an earlier node.
3. Exactly the ``Input`` nodes have no inputs; merges have two or more.
4. Outputs name existing nodes.
5. Once shapes are inferred (any node has a shape), every node has one.
6. Only ops that absorb (convolutions, dense layers, adds) have absorbed
   layers; only foldable ops (batch norms) are folded; only fusable ops
   (activations, batch norms) are fused, as the op registry says.

A violation is a bug in netdsl, not in the user's input, so it raises
:class:`IRVerificationError` (an ``AssertionError``), never ``NetdslError``.
"""

from __future__ import annotations

from netdsl.ir.graph import Graph
from netdsl.ir.ops import Input, op_def


class IRVerificationError(AssertionError):
    """The graph breaks an IR invariant."""


def verify(graph: Graph) -> Graph:
    """Check ``graph``'s invariants; return it unchanged or raise."""
    seen: set[str] = set()
    has_shapes = any(n.shape is not None for n in graph.nodes)
    for node in graph.nodes:
        if not node.name or node.name in seen:
            raise IRVerificationError(f"duplicate or empty node name {node.name!r}")
        for name in node.inputs:
            if name not in seen:
                raise IRVerificationError(f"{node.name}: input {name!r} is not an earlier node")
        is_input = isinstance(node.op, Input)
        if is_input != (not node.inputs):
            raise IRVerificationError(f"{node.name}: input arity does not match its op")
        definition = op_def(node.op)
        if definition.merge and len(node.inputs) < 2:
            raise IRVerificationError(f"{node.name}: a merge needs two or more inputs")
        if has_shapes and node.shape is None:
            raise IRVerificationError(f"{node.name}: missing shape")
        if node.fused and not definition.absorbs:
            raise IRVerificationError(f"{node.name}: only conv, dense and add absorb layers")
        for absorbed in node.fused:
            inner = op_def(absorbed.op)
            allowed = inner.foldable if absorbed.how == "folded" else inner.fusable is not None
            if not allowed:
                raise IRVerificationError(f"{node.name}: cannot have {absorbed.how} "
                                          f"{type(absorbed.op).__name__}")
        seen.add(node.name)
    for name in graph.outputs:
        if name not in seen:
            raise IRVerificationError(f"output {name!r} is not a node")
    return graph
