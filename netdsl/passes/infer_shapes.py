"""Pass ``infer-shapes``: compute every node's output shape from its inputs.

Contract: takes a graph whose ``Input`` nodes carry their shape and returns
the same graph with ``Node.shape`` set on every node. It changes nothing but
shapes, so on a graph that already has them it is an identity check.

The shape rules belong to the ops (each op's registry entry, in
:mod:`netdsl.ir.ops`); the elaborator calls the same rules while it builds
the graph, because blocks may read the shape of their input (``in.c``).
Shapes are ``(H, W, C)`` or ``(N,)`` for vectors; the window arithmetic is
in :mod:`netdsl.ir.windows`.
"""

from __future__ import annotations

import attrs

from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Shape, replace_node
from netdsl.ir.ops import infer_shape
from netdsl.ir.windows import ShapeError
from netdsl.passes.base import PassResult


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
                node = replace_node(node, shape=shape)
            nodes.append(node)
        return PassResult(graph.replace_nodes(nodes) if changed else graph, changed)
