"""Shared pieces of the report backends: per-layer records and number formats.

Every backend renders the same facts, so they all read them from here:
:func:`layer_record` turns an annotated node into a flat dictionary and
:func:`totals_record` does the same for a graph's totals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from netdsl.diagnostics import Diagnostic, Span
from netdsl.elaborate.elaborator import STDLIB_PREFIX
from netdsl.ir.cost import GraphEstimate, LayerEstimate
from netdsl.ir.graph import Absorbed, Graph, GraphCost, LayerCost, Node
from netdsl.ir.ops import op_name
from netdsl.ir.printer import format_argument, format_shape, format_value
from netdsl.ir.windows import Padding

if TYPE_CHECKING:
    from netdsl.backends.rollup import Row
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


def _chain(item: Node | Absorbed) -> tuple[Span, ...]:
    """The spans of a layer's block calls, outermost first, then its own span."""
    return (*item.calls, item.span) if item.span is not None else item.calls


def _in_stdlib(span: Span) -> bool:
    return span.source.name.startswith(STDLIB_PREFIX)


def _user_span(chain: tuple[Span, ...]) -> Span | None:
    """The innermost span of ``chain`` outside the standard library, else its last."""
    for span in reversed(chain):
        if not _in_stdlib(span):
            return span
    return chain[-1] if chain else None


def user_location(item: Node | Absorbed) -> str | None:
    """``file:line:col`` of the user's own line for a layer (or an absorbed layer).

    That is the innermost place of its call chain outside the standard library:
    its own line when the user wrote the layer, else the call of the standard
    block that built it (``ir = inverted_residual(...)`` in a block of the
    user's, ``stage(...)`` in the network's body). A layer with no span (one
    built from Python or imported from ONNX) has no location: None.
    """
    if item.span is None:
        return None
    span = _user_span(_chain(item))
    return span.location() if span is not None else None


def call_chain(item: Node | Absorbed) -> list[str]:
    """Every place a layer went through, as ``file:line:col``: the user's line first.

    The outermost block call (in the network's body) comes first, then the
    call inside that block's definition, and so on down to the line that
    writes the layer itself; a layer written in the network's body has just
    its own line. Empty for a layer with no span.
    """
    return [span.location() for span in _chain(item)] if item.span is not None else []


def instance_location(node: Node, level: int) -> str | None:
    """``file:line:col`` of the user's line for the block instance ``node.blocks[level]``.

    The call that made the instance, or when that call is inside the standard
    library, the innermost call of the user's that led to it; None when the
    elaborator recorded no call (a graph built from Python).
    """
    if level >= len(node.calls):
        return None
    span = _user_span(node.calls[:level + 1])
    return span.location() if span is not None else None


def diagnostic_location(diagnostic: Diagnostic) -> str | None:
    """``file:line:col`` of the user's line for a diagnostic, such as a pass's note.

    A diagnostic about something inside a block lists the calls that led
    there as notes, innermost first; the user's line is the first place,
    among its own span and then those notes', outside the standard library
    (else its own span).
    """
    span = diagnostic_span(diagnostic)
    return span.location() if span is not None else None


def diagnostic_span(diagnostic: Diagnostic) -> Span | None:
    """The span of :func:`diagnostic_location`."""
    spans = tuple(s for s in (diagnostic.span, *(n.span for n in diagnostic.notes)) if s)
    if diagnostic.span is None:
        return None
    return _user_span(spans[::-1])


def source_location(node: Node) -> str | None:
    """Where a report says a layer comes from: the user's line (:func:`user_location`)."""
    return user_location(node)


def absorbed_records(node: Node) -> list[dict[str, Any]]:
    """What a node absorbed: each layer's name, op, how and where it was written."""
    return [{"name": a.name, "op": op_name(a.op), "how": a.how, "source": user_location(a)}
            for a in node.fused]


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
        **cost_fields(cost),
        "fused": absorbed_records(node),
        "attributes": _attributes(node),
        "blocks": [path for path, _ in node.blocks],
        "source": source_location(node),
        "call_chain": call_chain(node),
        **({"estimate": estimate_record(cost.estimate)} if cost.estimate else {}),
    }


def _attributes(node: Node) -> dict[str, Any]:
    """The op's attributes that differ from their defaults, as JSON values (numbers stay
    numbers, tuples become lists)."""
    out = {}
    for field in attrs.fields(type(node.op)):
        value = getattr(node.op, field.name)
        if field.name != "kind" and (field.default is attrs.NOTHING or value != field.default):
            out[field.name] = json_value(value)
    return out


def json_value(value: Any) -> Any:
    """``value`` as JSON data: tuples as lists, numbers, strings, booleans and None as
    themselves, padding as ``"same"`` or ``[top, bottom, left, right]``, anything else as
    its netdsl text."""
    if isinstance(value, Padding):
        return "same" if value.mode == "same" else list(value.sides)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else format_value(value)
    return format_value(value)


def row_record(graph: Graph, row: Row,
               holders: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The facts about one report row: a layer's :func:`layer_record`, or a rolled-up block
    instance's summed figures, its block, its layers, what they absorbed and what it reads
    and writes.

    ``holders`` (:func:`netdsl.backends.rollup.holders` of every row of the report) names
    each input by the row that holds the layer writing it, so that an input rolled up into
    a block is that block's row (``stage1``), not a layer no row shows. A layer's inputs
    stay one per tensor read (beside ``input_shapes``); a block's name each row once.
    """
    if row.block is None:
        record = {"kind": "layer", **layer_record(graph, row.node)}
        if holders:
            record["inputs"] = [holders.get(name, name) for name in record["inputs"]]
        return record
    cost = row.cost
    inputs: dict[str, list[int]] = {}  # shown name -> the shape of the first tensor read
    for name in row.inputs:
        shown = holders.get(name, name) if holders else name
        inputs.setdefault(shown, list(graph[name].shape or ()))
    return {
        "kind": "block",
        "name": row.name,
        "op": row.op,
        "layers": [node.name for node in row.nodes],
        "inputs": list(inputs),
        "input_shapes": list(inputs.values()),
        "output_shape": list(row.shape or ()),
        **cost_fields(cost),
        "fused": [record for node in row.nodes for record in absorbed_records(node)],
        "blocks": [path for path, _ in row.clusters],
        "source": block_source(row),
        **({"estimate": estimate_record(cost.estimate)} if cost.estimate else {}),
    }


def cost_fields(cost: LayerCost) -> dict[str, Any]:
    """A layer's or a row's figures, as the JSON report names them."""
    return {
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
    }


def block_source(row: Row) -> str | None:
    """Where a rolled-up block instance was called: the user's line of its call
    (:func:`instance_location`), when the elaborator recorded it."""
    return instance_location(row.node, len(row.clusters))


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
    """``0.2298`` ms: four significant digits with their trailing zeros (``0.5010`` beside
    ``0.4928``, one precision down a column), no exponent; from 1,000 ms whole numbers."""
    return significant(seconds * 1000, 4)


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, never with an exponent.

    Rounded first, then written, so a value that rounds up to the next power of
    ten is shown as that (9.996 as ``10.0``, not ``9.996`` nor ``10.00``); trailing
    zeros are kept, so a column reads at one precision (``1.720`` beside
    ``1.366``). From 1,000 up, whole numbers with thousands separators
    (``8,110``), as :func:`milliseconds` writes them; 0 is ``0``.
    """
    if not value or not math.isfinite(value):
        return "0" if not value else str(value)
    rounded = float(f"{value:.{digits}g}")  # the carry (9.996 -> 10) decides the places
    if abs(rounded) >= 1000:
        return f"{value:,.0f}"
    places = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{places}f}"


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


def totals_rows(after: GraphCost, before: GraphCost | None) -> list[tuple[str, int, int]]:
    """(label, before passes, after passes) of the totals, as the text report lists them."""
    rows: list[tuple[str, int, int]] = []

    def add(label: str, get: Callable[[GraphCost], int]) -> None:
        rows.append((label, get(before) if before else get(after), get(after)))

    add("parameters", lambda c: c.params.total)
    add("  weights", lambda c: c.params.weights)
    add("  biases", lambda c: c.params.biases)
    add("  BN gamma/beta", lambda c: c.params.bn_affine)
    add("  BN mean/var", lambda c: c.params.bn_stats)
    add("  (PyTorch count)", lambda c: c.params.trainable)
    add("MACCs", lambda c: c.maccs)
    if after.attention_maccs or (before and before.attention_maccs):
        add("  attention products", lambda c: c.attention_maccs)
    add("FLOPs", lambda c: c.flops)
    add(f"memory accesses ({after.memory_model})", lambda c: c.memory.total)
    add("  input reads", lambda c: c.memory.input)
    add("  output writes", lambda c: c.memory.output)
    add("  weight reads", lambda c: c.memory.weights)
    add("activations (all layers)", lambda c: c.activations)
    add("peak activations (elements)", lambda c: c.peak_activations)
    return rows


def arguments_text(result: CompileResult) -> str:
    return ", ".join(f"{k}={format_argument(v)}" for k, v in result.graph.arguments)


def title(result: CompileResult) -> str:
    return f"{result.name}({arguments_text(result)})"


def commas(n: int | float) -> str:
    """``1,234,567``: exact, for totals and wide tables."""
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"


#: A unit of :func:`with_unit`: a value from ``threshold`` up is shown as ``value / factor``
#: followed by ``suffix``. Factors and thresholds are Decimals, so that they are exact.
Unit = tuple[Decimal, Decimal, str]

#: Thousands to trillions: :func:`compact`.
COUNT_UNITS: tuple[Unit, ...] = tuple(
    (Decimal(10) ** e, Decimal(10) ** e, s) for e, s in ((12, "T"), (9, "G"), (6, "M"), (3, "K")))
#: Decimal and binary byte units: :func:`human_bytes`.
DECIMAL_BYTES: tuple[Unit, ...] = tuple(
    (Decimal(10) ** e, Decimal(10) ** e, s)
    for e, s in ((12, " TB"), (9, " GB"), (6, " MB"), (3, " kB")))
BINARY_BYTES: tuple[Unit, ...] = tuple(
    (Decimal(2) ** e, Decimal(2) ** e, s)
    for e, s in ((40, " TiB"), (30, " GiB"), (20, " MiB"), (10, " KiB")))


def three_digits(scaled: Decimal) -> int:
    """Decimal places that show ``scaled`` to three digits: 2 below 10, 1 below 100, else 0."""
    return 2 if scaled < 10 else 1 if scaled < 100 else 0


def with_unit(value: int | float, units: Sequence[Unit], places: Callable[[Decimal], int]) -> str:
    """``value`` in the first of ``units`` whose threshold it reaches, to ``places`` decimals.

    ``units`` run from the largest threshold down; the last one's threshold is
    the smallest value expected (a value below it is shown in it all the same).
    ``places`` gives the decimal places for the value in its unit. The value is
    rounded half up, exactly (it is not turned into a binary fraction first),
    and when rounding carries it over a threshold of a unit or of ``places``,
    it is shown as the rounded value would be: 9,999 as ``10.0K``, not
    ``10.00K``; 999,999 as ``1.00M``, not ``1000K``; 1,048,575 bytes as
    ``1.0 MiB``, not ``1024.0 KiB``. Negative values keep their sign.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    exact = Decimal(value)  # exact for ints and floats alike
    sign, exact = ("-" if exact < 0 else ""), abs(exact)
    context = Context(prec=max(28, exact.adjusted() + 30))  # every digit of a large integer

    def unit_of(amount: Decimal) -> Unit:
        return next((unit for unit in units if amount >= unit[0]), units[-1])

    while True:
        unit = unit_of(exact)
        scaled = context.divide(exact, unit[1])
        decimals = places(scaled)
        shown = scaled.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, context)
        rounded = context.multiply(shown, unit[1])
        if unit_of(rounded) is unit and places(shown) == decimals:
            return f"{sign}{shown:f}{unit[2]}"
        exact = rounded  # carried into the next unit or digit count: show that value


def compact(n: int) -> str:
    """``1.23G``, ``45.6M``, ``789K``, ``999``: three digits, for boxes and narrow tables.

    Numbers below 1,000 are exact; larger ones are rounded half up to three
    significant digits, and a number that rounds up to the next digit count or
    unit is shown in it (9,999 is ``10.0K``, 999,999 ``1.00M``); from 1,000T up
    the whole number of T is shown. The exact figures are in the totals.
    """
    if abs(n) < 1000:
        return str(n)
    return with_unit(n, COUNT_UNITS, three_digits)


def human_bytes(n: int) -> str:
    """``14.2 MB (13.5 MiB)``: decimal and binary units together, one decimal place each.

    Below 1,000 bytes just the bytes (``999 B``); from 1,000 the decimal unit
    (``1.0 kB``) and from 1,024 the binary one too. Each is rounded half up,
    and one that rounds up to 1,000 (1,024) of its unit is shown in the next:
    999,999 bytes are ``1.0 MB (976.6 KiB)``, 1,048,575 ``1.0 MB (1.0 MiB)``.
    """
    if abs(n) < 1000:
        return f"{n} B"
    decimal = with_unit(n, DECIMAL_BYTES, lambda _: 1)
    if abs(n) < 1024:
        return decimal
    return f"{decimal} ({with_unit(n, BINARY_BYTES, lambda _: 1)})"


def shape_text(shape: tuple[int, ...] | None) -> str:
    return format_shape(shape)
