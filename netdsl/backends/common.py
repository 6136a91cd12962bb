"""Shared pieces of the report backends: per-layer records and number formats.

Every backend renders the same facts, so they all read them from here:
:func:`layer_record` turns an annotated node into a flat dictionary and
:func:`totals_record` does the same for a graph's totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from netdsl.ir.cost import GraphEstimate, LayerEstimate
from netdsl.ir.graph import Graph, GraphCost, Node
from netdsl.ir.ops import op_name
from netdsl.ir.printer import format_argument, format_shape, format_value

if TYPE_CHECKING:
    from netdsl.driver import CompileResult

#: The conventions every report states (cost-model.md; docs/cost-model.md).
CONVENTIONS = {
    "maccs": "multiply-accumulates of convolutions (transposed too), dense, linear and "
             "attention only (1 MACC = 2 FLOPs)",
    "flops": "2 x MACCs, plus per output element: bias 1, batch norm 2, layer/group norm 5 "
             "(+2 with scale and shift), activation 1 (softmax 3), add/mul 1 per extra "
             "operand, pooling K*K-1 (average K*K); attention adds its scaling and softmax",
    "params": "weights + biases + BN gamma/beta + BN mean/variance (Keras count_params); "
              "PyTorch's count leaves out BN mean/variance",
    "memory_naive": "elements read and written with no cache reuse: a convolution reads its "
                    "input Kh*Kw*Cout/groups times, its weights once, writes its output once",
    "memory_compulsory": "elements read and written with a perfect cache: every input, "
                         "weight and output once",
    "absorbed": "layers merged into the one before them: batch norms folded into its weights "
                "and bias (they no longer run), activations fused (applied as it writes its "
                "output: their FLOPs stay, their memory traffic goes)",
    "addressing": "concat and flatten are done by addressing and move no data; dropout and "
                  "identity do not run at inference",
}


def source_location(node: Node) -> str | None:
    return node.span.location() if node.span else None


def fused_names(node: Node) -> list[str]:
    """The op names of the layers a node absorbed, in order (``bn``, ``relu6``)."""
    return [op_name(a.op) for a in node.fused]


def absorbed_records(node: Node) -> list[dict[str, Any]]:
    """What a node absorbed: each layer's name, op, how and where it was written."""
    return [{"name": a.name, "op": op_name(a.op), "how": a.how,
             "source": a.span.location() if a.span else None} for a in node.fused]


def layer_record(graph: Graph, node: Node) -> dict[str, Any]:
    """The facts about one annotated node, in report order."""
    cost = node.cost
    assert cost is not None, f"{node.name} has no cost: annotate-cost did not run"
    return {
        "name": node.name,
        "op": graph.display_op(node),
        "inputs": list(node.inputs),
        "input_shapes": [list(s or ()) for s in graph.input_shapes(node)],
        "output_shape": list(node.shape or ()),
        "params": cost.params.total,
        "params_breakdown": {
            "weights": cost.params.weights,
            "biases": cost.params.biases,
            "bn_affine": cost.params.bn_affine,
            "bn_stats": cost.params.bn_stats,
        },
        "maccs": cost.maccs,
        "maccs_attention": cost.attention_maccs,
        "flops": cost.flops,
        "memory_accesses": cost.memory.total,
        "memory": {
            "input": cost.memory.input,
            "output": cost.memory.output,
            "weights": cost.memory.weights,
        },
        "activations": cost.activations,
        "fused": absorbed_records(node),
        "attributes": _attributes(node),
        "blocks": [path for path, _ in node.blocks],
        "source": source_location(node),
        **({"estimate": estimate_record(cost.estimate)} if cost.estimate else {}),
    }


def _attributes(node: Node) -> dict[str, str]:
    out = {}
    for field in attrs.fields(type(node.op)):
        value = getattr(node.op, field.name)
        if field.name != "kind" and (field.default is attrs.NOTHING or value != field.default):
            out[field.name] = format_value(value)
    return out


def totals_record(cost: GraphCost) -> dict[str, Any]:
    """The whole-network figures of one graph."""
    return {
        "params": cost.params.total,
        "params_breakdown": {
            "weights": cost.params.weights,
            "biases": cost.params.biases,
            "bn_affine": cost.params.bn_affine,
            "bn_stats": cost.params.bn_stats,
        },
        "params_trainable": cost.params.trainable,
        "maccs": cost.maccs,
        "maccs_attention": cost.attention_maccs,
        "flops": cost.flops,
        "memory_accesses": cost.memory.total,
        "memory": {
            "input": cost.memory.input,
            "output": cost.memory.output,
            "weights": cost.memory.weights,
        },
        "memory_bytes": cost.memory_bytes,
        "activations": cost.activations,
        "peak_activations": cost.peak_activations,
        "peak_activation_bytes": cost.peak_bytes,
        "model_bytes": cost.model_bytes,
        **({"estimate": graph_estimate_record(cost.estimate)} if cost.estimate else {}),
    }


def milliseconds(seconds: float) -> str:
    """``0.2298`` ms: four significant digits, no exponent."""
    ms = seconds * 1000
    if not ms:
        return "0"
    return f"{ms:.4g}" if ms >= 0.001 else f"{ms:.6f}".rstrip("0")


def intensity_text(estimate: LayerEstimate | None) -> str:
    """MACCs per byte moved, as a short figure; empty for a layer that moves nothing."""
    if estimate is None or estimate.intensity is None:
        return ""
    value = estimate.intensity
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def estimate_summary(estimate: GraphEstimate) -> list[tuple[str, str]]:
    """(label, value) lines of the totals on a device, as text and Markdown print them."""
    shares = ", ".join(f"{bound} {100 * share:.0f}%" for bound, share in estimate.shares
                       if share >= 0.0005)
    return [
        ("latency", f"{milliseconds(estimate.seconds)} ms per batch of {estimate.batch}"),
        ("throughput", f"{estimate.fps:,.1f} examples/s"),
        ("energy", f"{estimate.energy_joules * 1000:.4g} mJ per batch "
                   f"({estimate.energy_joules * 1000 / estimate.batch:.4g} mJ per example)"),
        ("time in layers bound by", shares or "nothing (no layer runs)"),
    ]


def estimate_record(estimate: LayerEstimate) -> dict[str, Any]:
    """A layer's estimated time (seconds), bound and energy (joules) on the device."""
    return {
        "seconds": estimate.seconds,
        "bound": estimate.bound,
        "compute_seconds": estimate.compute_seconds,
        "memory_seconds": estimate.memory_seconds,
        "overhead_seconds": estimate.overhead_seconds,
        "bytes_moved": estimate.bytes_moved,
        "intensity_maccs_per_byte": estimate.intensity,
        "onchip": estimate.onchip,
        "energy_joules": estimate.energy_joules,
    }


def graph_estimate_record(estimate: GraphEstimate) -> dict[str, Any]:
    """The network's estimated latency, throughput and energy on the device."""
    return {
        "device": estimate.device,
        "device_title": estimate.title,
        "dtype": estimate.dtype,
        "memory_model": estimate.memory_model,
        "seconds": estimate.seconds,
        "fps": estimate.fps if estimate.seconds else None,  # JSON has no infinity
        "energy_joules": estimate.energy_joules,
        "time_share": {bound: share for bound, share in estimate.shares},
    }


def arguments_text(result: CompileResult) -> str:
    return ", ".join(f"{k}={format_argument(v)}" for k, v in result.graph.arguments)


def title(result: CompileResult) -> str:
    return f"{result.name}({arguments_text(result)})"


def commas(n: int | float) -> str:
    """``1,234,567``: exact, for totals and wide tables."""
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"


def compact(n: int) -> str:
    """``1.23G``, ``45.6M``, ``789K``: for narrow tables (exact figures are in the totals)."""
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= factor:
            value = n / factor
            digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
            return f"{value:.{digits}f}{suffix}"
    return str(n)


def human_bytes(n: int) -> str:
    """``14.2 MB (13.5 MiB)``: decimal and binary units together."""
    if n < 1000:
        return f"{n} B"
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= factor:
            decimal = f"{n / factor:.1f} {unit}"
            break
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{decimal} ({n / factor:.1f} {unit})"
    return decimal


def shape_text(shape: tuple[int, ...] | None) -> str:
    return format_shape(shape)
