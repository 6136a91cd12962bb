"""Pass ``estimate-latency``: each layer's time and energy on a device, by a roofline.

Contract: takes a graph with costs (``annotate-cost`` must have run) and a
device profile (netdsl/devices) and sets ``estimate`` on every node's cost and
on the graph's totals. It changes nothing else, so it estimates whatever graph
it is given: after the default pipeline, what the optimised graph costs
(folded batch norms cost nothing, fused activations add their arithmetic but
no memory traffic). docs/latency.md states the model:

* **compute** = the layer's FLOPs / 2 (MACCs, and every other operation counted
  as half a multiply-accumulate) / (the device's peak MACC/s for the dtype x the
  efficiency of the layer's kind, when the profile gives one: ``conv``,
  ``pointwise`` (1x1), ``depthwise``, ``dense`` (dense and linear layers), or
  ``other``; 1 otherwise);
* **memory** = the bytes the layer moves / the bandwidth: DRAM's, or the on-chip
  memory's when the layer's working set (its inputs, output and weights) fits in
  it. The bytes are the layer's memory accesses under the ``traffic`` option's
  memory model times the dtype's size: ``compulsory`` by default (every tensor
  read or written once: caches keep a convolution's input while it is reused,
  the usual roofline), or ``naive`` (no reuse at all, the article's model, an
  upper bound), whatever model the report's counts use;
* **time** = max(compute, memory) + the device's per-layer overhead; the
  **bound** is the largest of the three terms;
* **energy** = FLOPs / 2 x energy per MACC + bytes moved x energy per byte (from
  DRAM, or on-chip memory when the working set fits).

A layer that does not run at inference (flatten, reshape, dropout, identity:
nothing computed, nothing moved) takes no time and no overhead.

What the runtime runs. A profile's ``[runtime]`` table may say which activations
its runtime applies inside the layer before them (``fuses``) and which layers
netdsl does by addressing that it copies (``copies``: ``concat``, ``slice``).
An activation netdsl fused but the runtime does not costs a memory pass of its
own (its output read and written once more) and a layer's overhead; a copied
layer moves its inputs and output once and pays the overhead.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from netdsl.diagnostics import error
from netdsl.ir.cost import DTYPE_BYTES, GraphEstimate, LayerEstimate
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import (
    ELU,
    Activation,
    Conv,
    Dense,
    HardTanh,
    LeakyReLU,
    Linear,
    MultiHeadAttention,
    PReLU,
    op_name,
)
from netdsl.passes.annotate_cost import layer_cost
from netdsl.passes.base import PassResult

PICO = 1e-12
#: The ops a runtime may or may not apply inside the layer before them.
ACTIVATION_OPS = (Activation, LeakyReLU, ELU, HardTanh, PReLU)


def _device(value: Any) -> Any:
    """A device profile, loaded when given by name or path."""
    if value is None or not isinstance(value, str):
        return value
    from netdsl.devices import load_device

    return load_device(value)


@attrs.frozen
class EstimateLatency:
    """Estimate every layer's time and energy on a device (a roofline model)."""

    name = "estimate-latency"
    description = ("estimate each layer's time, bound and energy on a device (roofline; "
                   "needs a device: --device NAME)")
    requires: tuple[str, ...] = ("annotate-cost",)

    device: Any = attrs.field(default=None, converter=_device)
    dtype: str = attrs.field(default="fp32", validator=attrs.validators.in_(DTYPE_BYTES))
    traffic: str = attrs.field(default="compulsory",
                               validator=attrs.validators.in_(("compulsory", "naive")))

    def run(self, graph: Graph) -> PassResult:
        device = self.device
        if device is None:
            raise error("E603", "pass 'estimate-latency' needs a device",
                        hint="give one with --device NAME (netdsl devices lists them)")
        if graph.cost is None:
            raise error("E602", "pass 'estimate-latency' requires 'annotate-cost' to run "
                        "before it", hint="add annotate-cost earlier in --passes")
        peak = device.peak(self.dtype)
        per_macc = device.energy_per_macc.get(self.dtype)
        if per_macc is None:
            raise error("E606", f"device '{device.name}' gives no energy per MACC for "
                        f"{self.dtype}", hint="add it to the profile's [energy] per_macc")
        shapes = {n.name: n.shape for n in graph.nodes}
        nodes = []
        for node in graph.nodes:
            estimate = self._layer(node, [shapes[i] for i in node.inputs], peak, per_macc,
                                   graph.cost.batch, graph.cost.memory_model)
            nodes.append(attrs.evolve(node, cost=attrs.evolve(node.cost, estimate=estimate)))
        estimates = [n.cost.estimate for n in nodes]
        seconds = sum(e.seconds for e in estimates)
        shares = tuple((bound, sum(e.seconds for e in estimates if e.bound == bound) / seconds
                        if seconds else 0.0) for bound in ("compute", "memory", "overhead"))
        totals = GraphEstimate(device.name, device.title, self.dtype, self.traffic,
                               seconds, sum(e.energy_joules for e in estimates),
                               graph.cost.batch, shares)
        cost = attrs.evolve(graph.cost, estimate=totals)
        return PassResult(attrs.evolve(graph.replace_nodes(nodes), cost=cost), changed=True)

    def _layer(self, node: Node, in_shapes: list, peak: float, per_macc: float,
               batch: int, counted: str) -> LayerEstimate:
        """One layer's estimate; ``counted`` is the memory model of its cost's traffic."""
        device, cost = self.device, node.cost
        size = DTYPE_BYTES[self.dtype]
        traffic = cost.memory if self.traffic == counted else \
            layer_cost(node, in_shapes, self.traffic, batch).memory
        moved = traffic.total * size
        layers = 1
        copies = getattr(device, "runtime_copies", frozenset())
        if not moved and op_name(node.op) in copies:  # addressing in netdsl, a copy there
            moved = (sum(batch * _elements(s) for s in in_shapes) + cost.activations) * size
        fuses = getattr(device, "runtime_fuses", None)
        if fuses is not None:  # activations the runtime runs as layers of their own
            apart = sum(1 for a in node.fused if a.how == "fused"
                        and isinstance(a.op, ACTIVATION_OPS) and op_name(a.op) not in fuses)
            moved += apart * 2 * cost.activations * size
            layers += apart
        if not cost.flops and not moved:
            return LayerEstimate()  # done by addressing, or not run at inference
        elements = sum(batch * _elements(s) for s in in_shapes) + cost.activations + \
            cost.params.total
        onchip = device.onchip_bytes is not None and elements * size <= device.onchip_bytes
        bandwidth = device.onchip_bandwidth if onchip else device.dram_bandwidth
        per_byte = device.energy_per_byte_onchip if onchip else device.energy_per_byte_dram
        efficiency = getattr(device, "efficiency", {}).get(layer_kind(node), 1.0)
        compute = cost.flops / 2 / (peak * efficiency)
        memory = moved / bandwidth
        overhead = device.overhead * layers
        bound = "overhead" if overhead > max(compute, memory) else \
            "compute" if compute >= memory else "memory"
        seconds = max(compute, memory) + overhead
        return LayerEstimate(
            seconds=seconds, slowest=seconds, compute_seconds=compute, memory_seconds=memory,
            overhead_seconds=overhead,
            energy_joules=(cost.flops / 2 * per_macc + moved * per_byte) * PICO,
            bytes_moved=moved, intensity=cost.maccs / moved if moved else None,
            bound=bound, onchip=onchip)


def layer_kind(node: Node) -> str:
    """The kind a profile's ``[efficiency]`` table names for a node's op."""
    op = node.op
    if isinstance(op, Conv):
        if op.groups > 1 and op.groups == op.channels:
            return "depthwise"
        return "pointwise" if op.kernel == (1, 1) and op.groups == 1 else "conv"
    if isinstance(op, Dense | Linear | MultiHeadAttention):
        return "dense"
    return "other"


def _elements(shape: tuple[int, ...] | None) -> int:
    return math.prod(shape or ())


__all__ = ["EstimateLatency", "layer_kind"]
