"""Pass ``fold-batchnorm``: merge each batch norm into the layer before it.

Contract: takes a graph with shapes. A batch norm whose input is a
convolution (regular, grouped, depthwise or transposed), a dense or a
``linear`` layer (those whose registry entry can ``scale_outputs``) that feeds
nothing else, and is not a network output, is folded: the BN node disappears, the
layer gains a bias if it had none, and the BN is recorded in the layer's
``fused`` list as ``folded`` (it no longer runs, so it costs nothing). When the
graph carries weights they are transformed (cost-model.md section 4)::

    scale  = gamma / sqrt(variance + eps)
    kernel = kernel * scale          (per output channel)
    bias   = (bias - mean) * scale + beta     (bias = 0 if there was none)

Every other batch norm is left alone with a note saying why: it follows a
layer that is not linear in this way (pooling, an add, an activation), or its
producer's output is also read elsewhere, or something already fused into the
producer (an activation) sits between them. Layer, group and instance norm
are never folded, with a note: their statistics come from each input at run
time (their registry entries give the reason).
"""

from __future__ import annotations

import attrs

from netdsl.ir.graph import Absorbed, Graph, Node, replace_node
from netdsl.ir.ops import BatchNorm, op_def, op_name
from netdsl.passes.absorb import absorb
from netdsl.passes.base import PassResult


def fold_weights(layer: Node, bn: Node) -> dict[str, object] | None:
    """The layer's kernel and bias with ``bn`` folded in, or None without weights."""
    if layer.weights is None or bn.weights is None:
        return None
    import numpy as np

    w, b = layer.weights, bn.weights
    # A variance of -eps or less, or values near float64's limits, give NaN or
    # infinities: the compile reports them (W701) instead of numpy's warnings.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = b["gamma"] / np.sqrt(b["variance"] + bn.op.eps)
        bias = w.get("bias")
        if bias is None:
            bias = np.zeros_like(scale)
        kernel = op_def(layer.op).scale_outputs(layer.op, w["kernel"], scale)
        return {"kernel": kernel, "bias": (bias - b["mean"]) * scale + b["beta"]}


def _fold(bn: Node, producer: Node, graph: Graph) -> Node | str | None:
    refusal = op_def(bn.op).fold_refusal
    if refusal is not None:  # layer norm, group norm: statistics of each input
        return refusal(bn.op)
    if not isinstance(bn.op, BatchNorm):
        return None
    if op_def(producer.op).scale_outputs is None:
        kind = graph.display_op(producer)
        return f"it follows '{producer.name}' ({kind}), not a convolution or dense layer"
    applied = [a for a in producer.fused if a.how == "fused"]
    if applied:  # it runs after the layer's arithmetic, so BN can no longer move into it
        between = op_name(applied[-1].op)
        return f"a {between} already fused into '{producer.name}' sits between them"
    folded = Absorbed(bn.name, bn.op, "folded", bn.span, calls=bn.calls)
    op = producer.op if producer.op.bias else attrs.evolve(producer.op, bias=True)
    return replace_node(producer, op=op, fused=(*producer.fused, folded),
                        weights=fold_weights(producer, bn), cost=None)


@attrs.frozen
class FoldBatchNorm:
    """Fold batch norm into the convolution or dense layer it follows."""

    name = "fold-batchnorm"
    description = "merge each batch norm into the convolution or dense layer before it"
    requires: tuple[str, ...] = ("infer-shapes",)

    def run(self, graph: Graph) -> PassResult:
        folded, changed, notes = absorb(graph, _fold, "N201", "folded")
        return PassResult(folded, changed, notes)
