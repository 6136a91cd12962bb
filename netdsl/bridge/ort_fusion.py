"""Which nodes of an exported model each kernel of ONNX Runtime's optimised model computes.

ONNX Runtime rewrites a model before it runs it (``ORT_ENABLE_ALL``): it folds
batch norms into convolutions, fuses activations into them, converts them to
its blocked NCHWc layout and fuses residual additions into those, and inlines
functions. Its profiler names the kernels of the rewritten model, not the nodes
exported, so measured time must be traced back. What ONNX Runtime (1.17 to
1.32) does with names, as seen on netdsl's exports:

- up to ``ORT_ENABLE_EXTENDED``, a fused node keeps the name of the *first*
  node of its pattern and writes the *output tensor* of the last
  (``cbr1/conv`` + ``cbr1/bn`` + ``cbr1/relu`` becomes a ``FusedConv`` named
  ``cbr1/conv`` that writes ``cbr1/relu``); every tensor between nodes keeps its
  exported name;
- the NCHWc transformer (``ORT_ENABLE_ALL``) then names each node it converts
  after that node's *output tensor*, plus ``_nchwc`` (``cbr1/relu_nchwc``), and
  renames the tensors between them (``reorder_token_7``); a residual ``Add``
  (and the activation after it) it fuses into a convolution, as a ``Sum`` input,
  leaves no trace but that extra input;
- other rewrites append to a name (``<name>/QuickGeluFusion/``,
  ``<name>/MatMulAddFusion``), make one up (``ReorderInput``,
  ``gemm_input_reshape``, with ``_token_N`` when it is taken) or leave it empty
  (an inlined function: the profiler then says ``HardSigmoid_228``).

So the tracing goes in two steps: the exported model to ONNX Runtime's
``ORT_ENABLE_EXTENDED`` rewrite, where tensor names are exact, then that to the
``ORT_ENABLE_ALL`` rewrite that runs. In each, :func:`trace` *anchors* every
rewritten node to the original node its name names (or whose output tensor its
name is), else to the nodes writing the tensors it writes, else to the longest
original name its name starts with; it then grows the node's *region* backwards
from its anchors, up to the tensors it reads, when those keep their names (a
node that reads renamed tensors fused nothing before it). Original nodes left
over go forwards, to the node that absorbed them: where their inputs meet (the
residual ``Add`` of a NCHWc ``Sum``), else their producer's. Rewritten nodes
with an empty region (layout conversions) are *hosted* by a neighbour, whose
time they add to.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

import attrs

#: Suffixes ONNX Runtime appends to the names of nodes it rewrites.
_GENERATED = re.compile(r"(?:_nchwc|_token_\d+)+$")
#: Characters after which a node name may continue with a suffix of ONNX Runtime's.
_SEPARATORS = "/_:.#"
#: Operators that do not run at inference: ONNX Runtime removes them.
REMOVED_OPS = frozenset({"Identity", "Dropout"})


@attrs.frozen
class OrtNode:
    """A node of a model: enough of an ``onnx.NodeProto`` to trace names."""

    name: str
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def of(cls, proto: Any) -> OrtNode:
        return cls(proto.name, proto.op_type, tuple(proto.input), tuple(proto.output))


@attrs.frozen
class Model:
    """A model's nodes in topological order and the tensors it holds (initializers)."""

    nodes: tuple[OrtNode, ...]
    initializers: frozenset[str]

    @classmethod
    def of(cls, graph: Any) -> Model:
        """From an ``onnx.GraphProto``."""
        return cls(tuple(OrtNode.of(n) for n in graph.node),
                   frozenset(i.name for i in graph.initializer))

    @property
    def keys(self) -> tuple[str, ...]:
        """A unique key for each node: its name, or ``<op_type>#<index>`` when it has none."""
        keys, used = [], set()
        for i, node in enumerate(self.nodes):
            key = node.name if node.name and node.name not in used else f"{node.op_type}#{i}"
            used.add(key)
            keys.append(key)
        return tuple(keys)

    @property
    def free(self) -> set[str]:
        """Tensors read without being computed: initializers and constants."""
        return set(self.initializers) | {o for node in self.nodes if node.op_type == "Constant"
                                         for o in node.outputs}


@attrs.frozen
class Tracing:
    """How the nodes of an optimised model relate to those of the model it came from.

    ``regions[j]`` holds the keys (:attr:`Model.keys`) of the nodes of the
    original model that optimised node ``j`` computes (empty for a node ONNX
    Runtime inserted); ``preds[j]`` the optimised nodes whose outputs node ``j``
    reads; ``removed`` the original nodes that run nowhere (dropout, identity).
    """

    regions: tuple[frozenset[str], ...]
    preds: tuple[frozenset[int], ...]
    removed: frozenset[str]

    @property
    def hosts(self) -> tuple[int | None, ...]:
        """For each optimised node, the node whose region its time is counted with: itself
        when its region is not empty, else the nearest predecessor with one (a layout
        conversion after a layer), else the nearest successor, else None."""
        return _hosts(self.regions, self.preds)

    def then(self, later: Tracing, keys: Sequence[str]) -> Tracing:
        """This tracing followed by ``later``, which traces a model whose node keys are
        ``keys`` (those this tracing's regions belong to) to a further optimised one."""
        region_of = dict(zip(keys, self.regions, strict=True))
        regions = tuple(frozenset().union(*(region_of[k] for k in region))
                        for region in later.regions)
        removed = self.removed | {name for k in later.removed for name in region_of[k]}
        return Tracing(regions, later.preds, frozenset(removed))


def trace(original: Model, optimized: Model) -> Tracing:
    """Trace the nodes of ``optimized`` (ONNX Runtime's rewrite) back to ``original``."""
    keys = original.keys
    by_key = dict(zip(keys, original.nodes, strict=True))
    producer: dict[str, str] = {}
    for key, node in by_key.items():
        for output in node.outputs:
            producer[output] = key
    free, later_free = original.free, optimized.free
    made_by = {output: j for j, node in enumerate(optimized.nodes) for output in node.outputs}
    preds = [{made_by[i] for i in node.inputs if i in made_by} for node in optimized.nodes]
    owner: dict[str, int] = {}
    regions: list[set[str]] = [set() for _ in optimized.nodes]

    def claim(key: str, j: int) -> None:
        owner[key] = j
        regions[j].add(key)

    def claimable(key: str | None) -> bool:
        node = by_key.get(key) if key is not None else None
        return node is not None and key not in owner and node.op_type != "Constant" \
            and node.op_type not in REMOVED_OPS

    names = {key for key, node in by_key.items() if node.name}
    for j, node in enumerate(optimized.nodes):  # the node or tensor its name names
        base = _GENERATED.sub("", node.name)
        for found in (base if base in names else None, producer.get(base)):
            if claimable(found):
                claim(found, j)
    for j, node in enumerate(optimized.nodes):  # then the nodes writing what it writes
        for output in node.outputs:
            if claimable(producer.get(output)):
                claim(producer[output], j)
    for j, node in enumerate(optimized.nodes):  # then a name it starts with
        if not regions[j] and node.name:
            anchor = _anchor_by_prefix(node.name, names, producer, claimable)
            if anchor is not None:
                claim(anchor, j)
    for j, node in enumerate(optimized.nodes):
        reads = [t for t in node.inputs if t and t not in later_free]
        if all(t in producer or t not in made_by for t in reads):  # it reads tensors by name
            _grow(j, set(reads), regions, owner, preds[j], by_key, producer, free, claim)
    removed = {key for key, node in by_key.items() if node.op_type in REMOVED_OPS}
    _place_leftovers(keys, by_key, producer, free, owner, preds, claim, removed)
    return Tracing(tuple(frozenset(r) for r in regions),
                   tuple(frozenset(p) for p in preds), frozenset(removed))


def _anchor_by_prefix(name: str, names: set[str], producer: dict[str, str],
                      claimable) -> str | None:
    """The original node (or the writer of the tensor) whose name ``name`` extends with a
    suffix of ONNX Runtime's (``encoder1/mha:qkv/MatMulAddFusion``), the longest."""
    base = _GENERATED.sub("", name)
    for candidate in (base[:i] for i in range(len(base) - 1, 0, -1) if base[i] in _SEPARATORS):
        for found in (candidate if candidate in names else None, producer.get(candidate)):
            if claimable(found):
                return found
    return None


def _grow(j: int, boundary: set[str], regions: list[set[str]], owner: dict[str, int],
          preds: set[int], by_key: dict[str, OrtNode], producer: dict[str, str],
          free: set[str], claim) -> None:
    """Extend region ``j`` backwards from its anchors up to the tensors node ``j`` reads."""

    def readable(tensor: str) -> bool:
        if tensor in free or tensor not in producer:  # a weight, a constant, a graph input
            return True
        holder = owner.get(producer[tensor])
        return holder is None or holder == j or holder in preds

    stack = list(regions[j])
    seen = set(stack)
    while stack:
        for tensor in by_key[stack.pop()].inputs:
            if tensor in boundary or tensor in free or tensor not in producer:
                continue
            key = producer[tensor]
            if key in seen or key in owner:
                continue
            seen.add(key)
            node = by_key[key]
            if node.op_type in REMOVED_OPS:  # runs nowhere: look through it
                stack.append(key)
            elif node.op_type != "Constant" and all(readable(t) for t in node.inputs):
                claim(key, j)
                stack.append(key)


def _place_leftovers(keys: Sequence[str], by_key: dict[str, OrtNode], producer: dict[str, str],
                     free: set[str], owner: dict[str, int], preds: list[set[int]], claim,
                     removed: set[str]) -> None:
    """Give each original node no region took to the optimised node that absorbed it:
    where its inputs meet (a residual ``Add`` fused as a ``Sum`` input), else the
    owner of its producer (an activation fused after it), else of a consumer."""
    consumers: dict[str, list[str]] = {}
    for key in keys:
        for tensor in by_key[key].inputs:
            consumers.setdefault(tensor, []).append(key)
    for _ in range(2):  # a second sweep places what reads a later leftover
        for key in keys:
            node = by_key[key]
            if key in owner or key in removed or node.op_type == "Constant":
                continue
            holders = list(dict.fromkeys(
                owner[producer[t]] for t in node.inputs
                if t not in free and t in producer and producer[t] in owner))
            chosen = next((h for h in holders if set(holders) - {h} <= preds[h] | {h}), None)
            if chosen is None:
                later = [owner[c] for t in node.outputs for c in consumers.get(t, ())
                         if c in owner]
                chosen = (holders or later or [None])[0]
            if chosen is not None:
                claim(key, chosen)


def _hosts(regions: Sequence[frozenset[str]],
           preds: Sequence[frozenset[int]]) -> tuple[int | None, ...]:
    """For each optimised node, the node whose region its time goes to."""
    succs: list[set[int]] = [set() for _ in regions]
    for j, before in enumerate(preds):
        for i in before:
            succs[i].add(j)

    def search(j: int, step: Sequence[Collection[int]]) -> int | None:
        frontier, seen = sorted(step[j]), {j}
        while frontier:
            nearest = next((k for k in frontier if regions[k]), None)
            if nearest is not None:
                return nearest
            seen.update(frontier)
            frontier = sorted({n for k in frontier for n in step[k]} - seen)
        return None

    hosts: list[int | None] = []
    for j, region in enumerate(regions):
        found = j if region else search(j, preds)
        hosts.append(found if found is not None else search(j, succs))
    return tuple(hosts)


__all__ = ["REMOVED_OPS", "Model", "OrtNode", "Tracing", "trace"]
