"""Roll-ups: the rows of a report, each a layer or a block instance summed into one.

``netdsl compile --depth N`` (and ``CompileResult.to_text(depth=N)`` and the
other formats) shows block instances nested ``N`` deep as one row each, with
the summed figures of the layers they hold; layers outside any block stay
rows of their own. ``depth=None`` shows every layer. Diagrams use the same
rows as boxes (``--depth`` / ``--collapse-blocks``, :mod:`netdsl.backends.dot`).

The rows partition the graph's layers, so their figures add up to the
network's totals (params, MACCs, FLOPs, memory accesses, activations and the
estimated time and energy; workspace, a peak, is the largest of the rows').
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase

import attrs

from netdsl.ir.cost import LayerEstimate
from netdsl.ir.graph import Graph, LayerCost, Node, Shape
from netdsl.ir.ops import op_name


@attrs.frozen
class Row:
    """One row of a report: a layer, or a block instance rolled up into one.

    ``name`` is the layer's name or the instance's path (``stage2``); ``op``
    the op a user reads (``dwconv``) or the block's name (``stage``);
    ``clusters`` the enclosing block instances that stay open, outside in,
    as ``(path, block name)`` pairs; ``block`` the instance rolled up, None
    for a layer.
    """

    name: str
    op: str
    nodes: tuple[Node, ...]
    clusters: tuple[tuple[str, str], ...] = ()
    block: tuple[str, str] | None = None
    cost: LayerCost = attrs.field(init=False)  # of all its layers

    def __attrs_post_init__(self) -> None:
        costs = [node.cost for node in self.nodes]
        assert None not in costs, "annotate-cost did not run"
        object.__setattr__(self, "cost", sum(costs[1:], start=costs[0]))

    @property
    def node(self) -> Node:
        """The first layer (the only one, for a layer's row)."""
        return self.nodes[0]

    @property
    def layers(self) -> int:
        """How many layers (as the deployed model runs them) the row holds."""
        return len(self.nodes)

    @property
    def shape(self) -> Shape | None:
        """The output shape: of the instance's last layer."""
        return self.nodes[-1].shape

    @property
    def id(self) -> str:
        """A name no layer has: a rolled-up instance's path ends with ``/``."""
        return self.name + "/" if self.block else self.name

    @property
    def estimate(self) -> LayerEstimate | None:
        """The estimated time and energy of the row: of all its layers."""
        return self.cost.estimate

    @property
    def slowest(self) -> Node:
        """The layer with the longest estimated time (the first of equals)."""
        return max(self.nodes, key=lambda node: node.cost.estimate.seconds)

    @property
    def bound(self) -> str:
        """What bounds the row's estimated time: a rolled-up block takes its slowest layer's."""
        return self.slowest.cost.estimate.bound

    @property
    def absorbed(self) -> int:
        """How many layers the row's layers absorbed (batch norms folded, activations
        fused): the count a diagram's box and a report's ``absorbed`` column show."""
        return sum(len(node.fused) for node in self.nodes)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The tensors the row reads from outside itself, in order of first use."""
        inside = {node.name for node in self.nodes}
        return tuple(dict.fromkeys(name for node in self.nodes for name in node.inputs
                                   if name not in inside))


def holders(found: Sequence[Row]) -> dict[str, str]:
    """The row that holds each layer of ``found``, by layer name: what a report names as
    an input when the layer that wrote it is rolled up into a block's row (``stage1``, not
    ``stage1/ir/project/conv``, which is no row of the report)."""
    return {node.name: row.name for row in found for node in row.nodes}


def absorbed_text(row: Row) -> str:
    """The ``absorbed`` cell of the text and Markdown tables: the op names a layer absorbed
    (``bn+relu``), or for a rolled-up block how many layers its layers absorbed (``3
    layers``, the count its diagram box gives; empty for none)."""
    if row.block is None:
        return "+".join(op_name(a.op) for a in row.node.fused)
    count = row.absorbed
    return "" if not count else f"{count} layer" + "s" * (count != 1)


def collapsed_level(node: Node, collapse: int | None, expand: Sequence[str] = ()) -> int | None:
    """Index in ``node.blocks`` of the instance shown as one row, or None for the node itself.

    Instances at nesting index ``collapse`` or deeper (0: top-level instances)
    are rolled up, except those ``expand`` names (paths or shell patterns,
    ``stage3/*``) and those enclosing an instance it names.
    """
    if collapse is None:
        return None
    for level, (path, _) in enumerate(node.blocks):
        if any(fnmatchcase(path, pattern) for pattern in expand):
            return None  # an expanded instance shows everything inside it
        if level >= collapse and not any(_opens(path, pattern) for pattern in expand):
            return level
    return None


def _opens(path: str, pattern: str) -> bool:
    """Whether ``path`` encloses an instance ``pattern`` expands (so must be open too)."""
    depth = path.count("/") + 1
    parts = pattern.split("/")
    return len(parts) > depth and fnmatchcase(path, "/".join(parts[:depth]))


def rows(graph: Graph, depth: int | None = None, expand: Sequence[str] = ()) -> list[Row]:
    """The graph's rows in order of their first layer.

    ``depth`` counts the nesting levels shown: 1 rolls up every top-level block
    instance, 2 the instances inside those, and so on; None (or a depth deeper
    than any block) shows every layer. An instance holding a single layer is
    that layer's row.
    """
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be 1 or more, not {depth}")
    collapse = None if depth is None else depth - 1
    groups: dict[str, tuple[int | None, list[Node]]] = {}
    for node in graph.nodes:
        level = collapsed_level(node, collapse, expand)
        key = node.name if level is None else node.blocks[level][0] + "/"
        groups.setdefault(key, (level, []))[1].append(node)
    found = []
    for level, nodes in groups.values():
        first = nodes[0]
        if level is None:
            found.append(Row(first.name, graph.display_op(first), (first,), first.blocks))
        elif len(nodes) == 1:
            found.append(Row(first.name, graph.display_op(first), (first,),
                             first.blocks[:level]))
        else:
            path, block = first.blocks[level]
            found.append(Row(path, block, tuple(nodes), first.blocks[:level], (path, block)))
    return found


#: How many rows a summary (``--summary``) and the "Largest" lists name by each figure.
LARGEST = 5


def maccs_of(row: Row) -> int:
    """A row's MACCs: one of the two figures the "Largest" lists rank by."""
    return row.cost.maccs


def memory_of(row: Row) -> int:
    """A row's memory accesses: the other figure the "Largest" lists rank by."""
    return row.cost.memory.total


def top(found: Sequence[Row], key: Callable[[Row], int], count: int = LARGEST) -> list[Row]:
    """The ``count`` rows with the largest ``key``, largest first (equals in graph order).

    Rows whose ``key`` is 0 are never listed: a network without MACCs has no
    largest rows by MACCs, and a row that moves nothing is not a large one.
    """
    return sorted((row for row in found if key(row)), key=lambda row: -key(row))[:count]


def largest(found: Sequence[Row], count: int = LARGEST) -> list[Row]:
    """The rows of :func:`top` by MACCs and by memory accesses together, in graph order:
    the rows a summary (``--summary``) lists."""
    chosen = {id(row) for key in (maccs_of, memory_of) for row in top(found, key, count)}
    return [row for row in found if id(row) in chosen]


def rolled(found: Sequence[Row]) -> bool:
    """Whether any of ``found`` is a rolled-up block instance: a report then shows how many
    layers each row holds (the ``layers`` column of text, Markdown and CSV; ``kind`` too
    in CSV). Decided from the rows, not from the depth asked for, so a depth deeper than
    any block, or a network without blocks, gives the plain per-layer table in every
    format."""
    return any(row.block for row in found)


def instance_paths(graph: Graph) -> list[str]:
    """Every block instance's path in ``graph``, in order of its first layer."""
    return list(dict.fromkeys(path for node in graph.nodes for path, _ in node.blocks))


def unmatched(graph: Graph, patterns: Sequence[str]) -> list[str]:
    """The ``expand`` patterns that name no block instance of ``graph`` (a typo, or a
    layer's name rather than an instance's), in the order given."""
    paths = instance_paths(graph)
    return [pattern for pattern in patterns
            if not any(fnmatchcase(path, pattern) for path in paths)]


def deepest(graph: Graph) -> int:
    """How deep block instances nest in ``graph`` (0 when it has none)."""
    return max((len(node.blocks) for node in graph.nodes), default=0)
