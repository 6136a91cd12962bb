"""A NumPy reference executor: run a graph that carries weights on real data.

It exists to check the compiler, not to be fast: the optimisation passes are
verified by running a network before and after them on the same input and
comparing the outputs. Everything is computed in float64 with direct,
readable formulas, one per op in its registry entry (:mod:`netdsl.ir.ops`):

* convolution: explicit padding (``same`` resolved per input size), stride,
  dilation and groups, as a sum over the kernel window (``numpy.einsum``);
* batch norm in its inference form, ``gamma * (x - mean) / sqrt(variance + eps) + beta``;
* activations: ``hsigmoid`` is ``relu6(x + 3) / 6``, ``hswish`` is ``x * hsigmoid(x)``,
  ``swish`` is ``x * sigmoid(x)``, ``gelu`` is exact (``x * Phi(x)``, with the
  error function) or, with ``approx=tanh``, the tanh approximation; softmax
  is over the last axis;
* pooling: max pooling ignores padding; average pooling divides by the
  window's elements inside the padded input (``count_pad``, PyTorch's
  default) or inside the input only (TensorFlow's convention); ``ceil``
  rounding lets the last window hang over the end, and that part never counts;
* merges broadcast like NumPy over the example's axes, never the batch axis
  (a C-vector multiplies every pixel of an H x W x C image);
* upsampling: nearest, or bilinear with half-pixel centres (``align_corners=False``);
* dropout and identity pass their input through.

Layers fused into a node run after it, in order; batch norms folded into a
node do not run (its kernel and bias already include them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import Input, op_def


def _np():
    import numpy

    return numpy


def run_node(graph: Graph, node: Node, inputs: list[Any]) -> Any:
    """The output of one node (its fused layers included) for a batch of inputs.

    Each op's executor is its registry entry's ``execute``.
    """
    y = op_def(node.op).execute(node.op, inputs, node.weights or {}, node.shape)
    for absorbed in node.fused:
        if absorbed.how == "fused":
            y = op_def(absorbed.op).execute(absorbed.op, [y], absorbed.weights or {},
                                                    node.shape)
    if inputs:
        out = (inputs[0].shape[0], *node.shape)
        assert y.shape == out, f"{node.name}: computed {y.shape}, inferred {out}"
    return y


def execute(graph: Graph, data: Any | Mapping[str, Any], layer: str | None = None) -> Any:
    """Run ``graph`` on ``data`` and return the (first) output as a float64 array.

    With ``layer``, the output of that layer instead (it must still exist in
    the graph: a layer fused into another has no output of its own).
    ``data`` is one array for a single-input network, or a mapping from input
    layer names to arrays; each array is one example shaped like the input
    (H x W x C) or a batch of them (N x H x W x C). The graph must carry
    weights (see :mod:`netdsl.weights`). The result has the batch axis when
    the data had one.
    """
    from netdsl.weights import parameter_shapes

    np = _np()
    if any(n.weights is None and parameter_shapes(graph, n) for n in graph.nodes):
        raise error("E702", f"network {graph.name} carries no weights",
                    hint="compile with weights= (an .npz file or arrays) or seed=")
    sources = [n for n in graph.nodes if isinstance(n.op, Input)]
    given = data if isinstance(data, Mapping) else {sources[0].name: data}
    values: dict[str, Any] = {}
    batched = True
    for node in sources:
        shape = "x".join(map(str, node.shape))
        if node.name not in given:
            raise error("E704", f"no data for the input '{node.name}' ({shape})",
                        hint=f"pass a mapping with the key '{node.name}'")
        try:
            array = np.asarray(given[node.name], dtype=np.float64)
        except (TypeError, ValueError):
            raise error("E704", f"the data for '{node.name}' is not an array of numbers",
                        hint=f"pass an array of shape {shape} or N x {shape}") from None
        if array.shape == tuple(node.shape):
            array, batched = array[None], False
        if array.shape[1:] != tuple(node.shape):
            raise error("E704", f"the data for '{node.name}' has shape "
                        f"{'x'.join(map(str, array.shape))}, the network takes {shape}",
                        hint=f"pass an array of shape {shape} or N x {shape}")
        values[node.name] = array
    wanted = layer or graph.outputs[0]
    if wanted not in graph:
        from netdsl.diagnostics import did_you_mean

        raise error("E704", f"network {graph.name} has no layer '{wanted}'",
                    hint=did_you_mean(wanted, [n.name for n in graph.nodes])
                    or "a layer fused into another has no output of its own")
    # NaN or infinite weights or data, or values beyond float64's range, make NaN or
    # infinities, returned as computed; compiling reports such weights (W701), so
    # NumPy's RuntimeWarnings (a sigmoid's harmless exp overflow among them) stay quiet.
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if not isinstance(node.op, Input):
                values[node.name] = run_node(graph, node, [values[i] for i in node.inputs])
            if node.name == wanted:
                break
    result = values[wanted]
    return result if batched else result[0]


__all__ = ["execute", "run_node"]
