"""Pass ``fuse-activations``: apply activations as their producer writes its output.

Contract: takes a graph with shapes. An elementwise activation (and a batch
norm that could not be folded) whose input is a convolution, dense layer or
add that feeds nothing else, and is not a network output, is fused (the op
registry says which kinds can be fused, ``fusable``, and which can take them,
``absorbs``): the node
disappears and is recorded in the producer's ``fused`` list. It still runs,
so its FLOPs (and a fused batch norm's parameters) stay with the producer,
but its own read and write of the tensor go away (cost-model.md section 5).
Chains fuse in one sweep: convolution, batch norm, ReLU become one node.

Softmax is never fused: it normalises over all channels, so it cannot be
applied to each value as it is written. Every activation or batch norm left
alone gets a note saying why.
"""

from __future__ import annotations

import attrs

from netdsl.ir.graph import Absorbed, Graph, Node, replace_node
from netdsl.ir.ops import op_def
from netdsl.passes.absorb import absorb
from netdsl.passes.base import PassResult


def _fuse(layer: Node, producer: Node, graph: Graph) -> Node | str | None:
    fusable = op_def(layer.op).fusable
    if fusable is None:
        return None
    refusal = fusable(layer.op)
    if refusal is not None:
        return refusal
    if not op_def(producer.op).absorbs:
        kind = graph.display_op(producer)
        return (f"it follows '{producer.name}' ({kind}), not a layer that applies it as it "
                "writes (a convolution, dense, linear or add)")
    absorbed = Absorbed(layer.name, layer.op, "fused", layer.span, layer.weights,
                        calls=layer.calls)
    return replace_node(producer, fused=(*producer.fused, absorbed), cost=None)


@attrs.frozen
class FuseActivations:
    """Fuse activations (and unfolded batch norms) into the layer they follow."""

    name = "fuse-activations"
    description = ("apply each activation as the convolution, dense layer or add before it "
                   "writes its output")
    requires: tuple[str, ...] = ("infer-shapes",)

    def run(self, graph: Graph) -> PassResult:
        fused, changed, notes = absorb(graph, _fuse, "N202", "fused")
        return PassResult(fused, changed, notes)
