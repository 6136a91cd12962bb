"""Real weights for a graph: their shapes, random initialisation, ``.npz`` files.

A graph may carry weights as NumPy arrays on its nodes (``Node.weights``).
Arrays are keyed ``<layer name>/<parameter>`` in files and mappings, e.g.
``stage2/ir1/dw/conv/kernel`` or ``stem/bn/variance``; the parameters are

* convolution: ``kernel`` of shape (Kh, Kw, Cin/groups, Cout) and ``bias`` (Cout),
* dense: ``kernel`` (inputs, units) and ``bias`` (units),
* batch norm: ``gamma``, ``beta``, ``mean``, ``variance``, each (C).

Output channel ``o`` of a grouped or depthwise convolution belongs to group
``o // (Cout / groups)`` (the PyTorch and TensorFlow layout). NumPy is imported
only here and in the executor, so compiling for costs never pays for it.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

import attrs

from netdsl.diagnostics import Note, did_you_mean, error
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import BatchNorm, Conv, Dense

BN_PARAMETERS = ("gamma", "beta", "mean", "variance")


def parameter_shapes(graph: Graph, node: Node) -> dict[str, tuple[int, ...]]:
    """The arrays ``node`` needs, by parameter name, with their shapes."""
    match node.op:
        case Conv(channels=c, kernel=(kh, kw), groups=g, bias=bias):
            c_in = graph[node.inputs[0]].shape[-1]
            shapes = {"kernel": (kh, kw, c_in // g, c)}
            return {**shapes, "bias": (c,)} if bias else shapes
        case Dense(units=units, bias=bias):
            inputs = math.prod(graph[node.inputs[0]].shape)
            shapes = {"kernel": (inputs, units)}
            return {**shapes, "bias": (units,)} if bias else shapes
        case BatchNorm():
            return {name: (node.shape[-1],) for name in BN_PARAMETERS}
    return {}


def random_weights(graph: Graph, seed: int = 0) -> dict[str, Any]:
    """Random weights for every layer, keyed ``<layer>/<parameter>``.

    Kernels are drawn with variance 1 / fan-in so activations stay of a
    moderate size through deep networks; batch norm statistics are kept
    away from zero (gamma and variance in [0.5, 1.5]) so that folding them is
    a real test of the algebra.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays: dict[str, Any] = {}
    for node in graph.nodes:
        for name, shape in parameter_shapes(graph, node).items():
            key = f"{node.name}/{name}"
            if name == "kernel":
                fan_in = math.prod(shape[:-1])
                arrays[key] = rng.normal(0.0, math.sqrt(1.0 / fan_in), shape)
            elif name in ("gamma", "variance"):
                arrays[key] = rng.uniform(0.5, 1.5, shape)
            else:  # bias, beta, mean
                arrays[key] = rng.normal(0.0, 0.1, shape)
    return arrays


def load_npz(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an ``.npz`` file into a dictionary of arrays (E701 if it cannot be read)."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error("E701", f"cannot read weights from '{path}': {reason}",
                    hint="weights are an .npz file (numpy.savez) keyed <layer>/<parameter>"
                    ) from None


def attach_weights(graph: Graph, arrays: Mapping[str, Any]) -> Graph:
    """A copy of ``graph`` whose layers carry ``arrays``; every array is checked.

    Every parameter of every layer must be present with the right shape and no
    key may name something the network does not have (E702), so a weights file
    for another variant of the network is caught rather than half-applied.
    """
    import numpy as np

    expected = {f"{node.name}/{name}": (node, shape)
                for node in graph.nodes
                for name, shape in parameter_shapes(graph, node).items()}
    for key in arrays:
        if key not in expected:
            raise error("E702", f"the weights name '{key}', which is not a parameter of "
                        f"network {graph.name}",
                        hint=did_you_mean(key, expected) or
                        "keys are <layer>/<parameter>, e.g. conv1/kernel or bn1/gamma")
    nodes = []
    for node in graph.nodes:
        own: dict[str, Any] = {}
        for name, shape in parameter_shapes(graph, node).items():
            key = f"{node.name}/{name}"
            if key not in arrays:
                raise error("E702", f"the weights have no '{key}' (shape "
                            f"{'x'.join(map(str, shape))})",
                            notes=[Note(f"layer '{node.name}' is defined here", node.span)])
            array = np.asarray(arrays[key], dtype=np.float64)
            if array.shape != shape:
                raise error("E702", f"'{key}' has shape {'x'.join(map(str, array.shape))}, "
                            f"the network needs {'x'.join(map(str, shape))}",
                            notes=[Note(f"layer '{node.name}' is defined here", node.span)])
            own[name] = array
        nodes.append(attrs.evolve(node, weights=own) if own else node)
    return graph.replace_nodes(nodes)


def graph_weights(graph: Graph) -> dict[str, Any]:
    """Every array a graph carries, keyed ``<layer>/<parameter>`` (for ``numpy.savez``).

    After the passes these are the deployed model's weights: folded kernels and
    biases, and the parameters of any batch norm that was fused but not folded.
    """
    arrays: dict[str, Any] = {}
    for node in graph.nodes:
        for name, array in (node.weights or {}).items():
            arrays[f"{node.name}/{name}"] = array
        for absorbed in node.fused:
            for name, array in (absorbed.weights or {}).items():
                arrays[f"{absorbed.name}/{name}"] = array
    return arrays


__all__ = [
    "attach_weights",
    "graph_weights",
    "load_npz",
    "parameter_shapes",
    "random_weights",
]
