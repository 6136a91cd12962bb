"""The graph IR: op kinds, nodes, graphs, the verifier and the canonical printer."""

from netdsl.ir.graph import (
    Absorbed,
    Graph,
    LayerCost,
    MemoryAccesses,
    Node,
    ParamCounts,
    Shape,
)
from netdsl.ir.printer import format_shape, print_graph
from netdsl.ir.verifier import IRVerificationError, verify

__all__ = [
    "Absorbed",
    "Graph",
    "IRVerificationError",
    "LayerCost",
    "MemoryAccesses",
    "Node",
    "ParamCounts",
    "Shape",
    "format_shape",
    "print_graph",
    "verify",
]
