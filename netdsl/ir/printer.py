"""The canonical text of the IR: one line per node, deterministic.

Golden tests and ``netdsl compile --format ir`` use it. A line reads::

    stage2/ir1/dw/conv = dwconv(stage2/ir1/expand/relu6) channels=96 kernel=3x3 stride=2x2
        padding=1 groups=96 bias=false -> 56x56x96

(one line in the output; wrapped here).

Attributes at their default value are left out so lines stay short; tuples
print as ``3x3``; a node that absorbed layers lists them as ``folded=[bn]``
and ``fused=[relu6]``.
"""

from __future__ import annotations

import attrs

from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import Padding, op_name


def format_shape(shape: tuple[int, ...] | None) -> str:
    """``224x224x3``; ``?`` before shape inference."""
    return "x".join(str(d) for d in shape) if shape is not None else "?"


def format_value(value: object) -> str:
    """A compact, deterministic spelling of an attribute value."""
    match value:
        case bool():
            return "true" if value else "false"
        case Padding():
            return str(value)
        case tuple() if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return "x".join(str(v) for v in value)
        case float():
            return repr(value)
        case _:
            return str(value)


def format_argument(value: object) -> str:
    """A network argument as it would be written in source: lists as ``[3, 4]``."""
    if isinstance(value, tuple):
        return "[" + ", ".join(format_argument(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return format_value(value)


def format_attributes(op: object) -> str:
    """``name=value`` pairs for the op's attributes that differ from the default."""
    parts = []
    for field in attrs.fields(type(op)):
        if field.name == "kind":  # already spelled by the op name (relu6, maxpool)
            continue
        value = getattr(op, field.name)
        if field.default is not attrs.NOTHING and value == field.default:
            continue
        parts.append(f"{field.name}={format_value(value)}")
    return " ".join(parts)


def format_node(graph: Graph, node: Node) -> str:
    """One node's line in the canonical IR text."""
    head = f"{node.name} = {graph.display_op(node)}({', '.join(node.inputs)})"
    attributes = format_attributes(node.op)
    if attributes:
        head += " " + attributes
    for how in ("folded", "fused"):
        names = [op_name(a.op) for a in node.fused if a.how == how]
        if names:
            head += f" {how}=[" + ", ".join(names) + "]"
    return f"{head} -> {format_shape(node.shape)}"


def print_graph(graph: Graph) -> str:
    """The whole graph as canonical text, ending with a newline."""
    args = ", ".join(f"{k}={format_argument(v)}" for k, v in graph.arguments)
    lines = [f"network {graph.name}({args})"]
    lines.extend(format_node(graph, node) for node in graph.nodes)
    lines.append("outputs: " + ", ".join(graph.outputs))
    return "\n".join(lines) + "\n"
