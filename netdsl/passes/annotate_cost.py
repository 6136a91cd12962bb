"""Pass ``annotate-cost``: what every layer and the whole network cost.

Contract: takes a graph with shapes (``infer-shapes`` must have run) and
returns it with ``Node.cost`` set on every node and ``Graph.cost`` holding the
totals. It changes nothing else. Each op's cost rule (its registry entry in
:mod:`netdsl.ir.ops`) gives its work; this pass applies the memory model and
the batch. The figures follow docs/cost-model.md, the implemented form of the
project's cost model:

* **MACCs**: convolution ``Kh*Kw*(Cin/G)*Hout*Wout*Cout``, dense ``I*J``; every
  other layer 0 (its work is in FLOPs).
* **FLOPs**: ``2*MACCs`` for convolution and dense, plus per output element:
  bias 1, batch norm 2, each activation 1 (softmax 3), add and mul 1 per
  operand beyond the first, max pooling ``K*K-1``, average pooling ``K*K``,
  global pooling the same over the whole plane, bilinear upsampling 7.
* **Parameters**: weights, biases, BN gamma/beta (``bn_affine``) and BN
  mean/variance (``bn_stats``), kept apart so every convention can be read off.
* **Memory accesses**, in elements. ``naive`` (default, the article's model):
  a convolution reads its input ``Kh*Kw*Cout/G`` times (``Hin*Win*Cin*Kh*Kw*Cout/G``;
  for a depthwise convolution Cout drops out), writes its output once and reads
  its weights and bias once; dense the same with K = 1 and H = W = 1.
  ``compulsory``: every tensor once. Tensors a layer materialises inside
  itself (attention's Q, K, V, scores, probabilities and context) are
  written once and read once under both models. In both, elementwise layers, pooling,
  zero padding and upsampling read their inputs once and write their output
  once; batch norm also reads its 2*C precomputed scale and shift. A layer
  fused into the one before it adds its FLOPs, parameters and weight reads but
  no activation traffic of its own; a batch norm folded into it adds nothing
  (the node's bias and weights already carry it).
  Concat, flatten, reshape, slice and the token layers are done by
  addressing and move nothing; dropout and identity do not run at inference.
* **Activations**: the elements of each node's output; the peak is the
  largest sum of tensors alive at once in topological order, a tensor living
  from its producer to its last consumer (layers whose registry entry says
  ``aliases_input`` share their input's buffer: flatten, dropout, identity,
  reshape, tokens, token).

A batch size multiplies every activation-dependent figure (MACCs, FLOPs,
input/output traffic, activations); weights and their traffic do not change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from netdsl.ir.graph import (
    DTYPE_BYTES,
    Graph,
    GraphCost,
    LayerCost,
    MemoryAccesses,
    Node,
    ParamCounts,
    Shape,
    replace_node,
)
from netdsl.ir.ops import REGISTRY
from netdsl.passes.base import PassResult

MEMORY_MODELS = ("naive", "compulsory")


def _elements(shape: Shape) -> int:
    return math.prod(shape)


#: The traffic of a layer that moves nothing (frozen, so one value serves every layer).
_NO_TRAFFIC = MemoryAccesses()


def layer_cost(
    node: Node, input_shapes: Sequence[Shape], memory_model: str = "naive", batch: int = 1
) -> LayerCost:
    """The cost of one node (its absorbed layers included) for a batch."""
    shape = node.shape
    assert shape is not None, f"{node.name}: shapes must be inferred first"
    work = REGISTRY[type(node.op)].cost(node.op, input_shapes, shape)
    params, flops, weight_reads = work.params, work.flops, work.weight_reads
    # Fused layers keep their work and read their own parameters (a batch norm's scale
    # and shift, PReLU's slopes, a position embedding), but move no activations.
    for absorbed in node.fused:
        if absorbed.how == "folded":  # merged into the weights: it no longer runs
            continue
        extra = REGISTRY[type(absorbed.op)].cost(absorbed.op, [shape], shape)
        params, flops = params + extra.params, flops + extra.flops
        weight_reads += extra.weight_reads
    out = math.prod(shape)
    if not work.moves_data:
        memory = _NO_TRAFFIC
    else:
        reads = (work.naive_input if memory_model == "naive"
                 else sum(math.prod(s) for s in input_shapes))
        # Tensors materialised inside the layer (attention's scores) are written and
        # read once whatever the model.
        internal = work.internal
        memory = MemoryAccesses(batch * (reads + internal), batch * (out + internal),
                                weight_reads)
    return LayerCost(params, batch * work.maccs, batch * flops, memory, batch * out,
                     batch * work.attention_maccs, batch * work.workspace)


def peak_activations(graph: Graph) -> int:
    """The largest number of activation elements alive at once.

    Nodes run in topological order; a buffer is allocated when its producer
    runs and freed after its last consumer has run (the outputs stay alive).
    Aliasing layers (flatten, dropout, identity) reuse their input's buffer.
    While a layer runs, its workspace (attention's Q, K, V, scores and
    context) is alive too.
    """
    nodes = graph.nodes
    sizes = [n.cost.activations if n.cost else _elements(n.shape) for n in nodes]
    return _peak(nodes, graph.outputs, sizes, [n.cost.workspace if n.cost else 0 for n in nodes])


def _peak(nodes: Sequence[Node], outputs: Sequence[str], sizes: Sequence[int],
          workspaces: Sequence[int]) -> int:
    """:func:`peak_activations` of ``nodes`` in order, ``outputs`` kept alive to the end;
    ``nodes[i]`` writes ``sizes[i]`` elements and needs ``workspaces[i]`` while it runs."""
    owner: dict[str, str] = {}
    size: dict[str, int] = {}
    last_use: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for name in node.inputs:
            last_use[owner[name]] = i
        if REGISTRY[type(node.op)].aliases_input:
            owner[node.name] = owner[node.inputs[0]]
        else:
            owner[node.name] = node.name
            size[node.name] = sizes[i]
            last_use[node.name] = i
    end = len(nodes)
    for name in outputs:
        last_use[owner[name]] = end
    frees: dict[int, int] = {}
    for buffer, index in last_use.items():
        frees[index] = frees.get(index, 0) + size[buffer]
    live = peak = 0
    for i, node in enumerate(nodes):
        name = node.name
        if owner[name] == name:
            live += size[name]
        busy = live + workspaces[i]
        if busy > peak:
            peak = busy
        live -= frees.get(i, 0)
    return peak


@attrs.frozen
class AnnotateCost:
    """Annotate every node and the graph with parameters, MACCs, FLOPs and traffic."""

    name = "annotate-cost"
    description = "annotate every layer and the network with params, MACCs, FLOPs and memory"
    requires: tuple[str, ...] = ("infer-shapes",)

    memory_model: str = attrs.field(default="naive",
                                    validator=attrs.validators.in_(MEMORY_MODELS))
    batch: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    dtype: str = attrs.field(default="fp32", validator=attrs.validators.in_(DTYPE_BYTES))

    def run(self, graph: Graph) -> PassResult:
        nodes: list[Node] = []
        totals, changed = self._annotate(graph, nodes)
        if not changed and totals == graph.cost:
            return PassResult(graph, False)
        return PassResult(Graph(graph.name, tuple(nodes), graph.outputs, graph.arguments,
                                totals), True)

    def totals(self, graph: Graph) -> GraphCost:
        """The totals :meth:`run` would give ``graph``, without building its annotated nodes.

        What a report's figures "before passes" need: the baseline's totals, not a
        second annotated copy of the network.
        """
        return self._annotate(graph, None)[0]

    def _annotate(self, graph: Graph, nodes: list[Node] | None) -> tuple[GraphCost, bool]:
        """The totals, and whether a node's cost changed; ``nodes`` (when a list) receives
        every node with its cost."""
        memory_model, batch = self.memory_model, self.batch
        shapes: dict[str, Shape] = {}
        sizes: list[int] = []  # what peak activations need of each cost, not the whole cost
        workspaces: list[int] = []
        changed = False
        # The totals are summed field by field, not as cost objects, so that no
        # intermediate ParamCounts or MemoryAccesses is built per layer.
        weights = biases = bn_affine = bn_stats = 0
        maccs = flops = reads = writes = weight_reads = activations = attention = 0
        for node in graph.nodes:
            cost = layer_cost(node, [shapes[i] for i in node.inputs], memory_model, batch)
            shapes[node.name] = node.shape
            sizes.append(cost.activations)
            workspaces.append(cost.workspace)
            if node.cost is None or cost != node.cost:  # else the node stays as it is
                changed = True
                if nodes is not None:
                    node = replace_node(node, cost=cost)
            if nodes is not None:
                nodes.append(node)
            params, memory = cost.params, cost.memory
            weights += params.weights
            biases += params.biases
            bn_affine += params.bn_affine
            bn_stats += params.bn_stats
            maccs += cost.maccs
            flops += cost.flops
            reads += memory.input
            writes += memory.output
            weight_reads += memory.weights
            activations += cost.activations
            attention += cost.attention_maccs
        totals = GraphCost(
            params=ParamCounts(weights, biases, bn_affine, bn_stats),
            maccs=maccs,
            flops=flops,
            memory=MemoryAccesses(reads, writes, weight_reads),
            activations=activations,
            peak_activations=_peak(graph.nodes, graph.outputs, sizes, workspaces),
            dtype=self.dtype,
            batch=batch,
            memory_model=memory_model,
            attention_maccs=attention,
        )
        return totals, changed
