"""Adaptive pooling to a fixed output size, as PyTorch's AdaptiveAvgPool2d/AdaptiveMaxPool2d.

Output cell ``i`` of ``out`` along an axis of length ``n`` pools the input
rows ``floor(i * n / out)`` to ``ceil((i + 1) * n / out)`` (exclusive), so
windows may differ in size and overlap; an output larger than the input
repeats rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register
from netdsl.ir.windows import Pair, spatial

Shape = tuple[int, ...]


@attrs.frozen
class AdaptivePool:
    """Average or max pooling to ``size`` (height, width) with PyTorch's window rule."""

    kind: str  # "avg" or "max"
    size: Pair


def windows_along(n: int, out: int) -> list[tuple[int, int]]:
    """The (start, end) input range of each of ``out`` cells over ``n`` rows."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def _shape(op: AdaptivePool, shapes: Sequence[Shape]) -> Shape:
    _, _, c = spatial(f"adaptive_{op.kind}pool", shapes[0])
    return (*op.size, c)


def _cost(op: AdaptivePool, ins: Sequence[Shape], out: Shape) -> Work:
    h, w, c = ins[0]
    rows = [end - start for start, end in windows_along(h, op.size[0])]
    columns = [end - start for start, end in windows_along(w, op.size[1])]
    window_elements = sum(rows) * sum(columns)  # the sum over cells of rows x columns
    cells = op.size[0] * op.size[1]
    # As pooling: an average costs its window (adds and a divide), a max one less.
    per_channel = window_elements if op.kind == "avg" else window_elements - cells
    return Work(flops=per_channel * c, naive_input=arrays.elements(ins[0]))


def _execute(op: AdaptivePool, inputs: list[Any], weights: Mapping[str, Any],
             out: Shape) -> Any:
    np = arrays.np()
    x = inputs[0]
    reduce = np.mean if op.kind == "avg" else np.max
    rows = windows_along(x.shape[1], op.size[0])
    columns = windows_along(x.shape[2], op.size[1])
    y = np.empty((x.shape[0], *op.size, x.shape[3]))
    for i, (top, bottom) in enumerate(rows):
        for j, (left, right) in enumerate(columns):
            y[:, i, j] = reduce(x[:, top:bottom, left:right], axis=(1, 2))
    return y


def _build(kind: str) -> Callable[[Any], AdaptivePool]:
    def build(a: Any) -> AdaptivePool:
        h = a.int("h")
        return AdaptivePool(kind, (h, h if a.values["w"] is None else a.int("w")))

    return build


register(OpDef(
    AdaptivePool,
    "average or max pooling to a fixed output size (PyTorch's adaptive window rule)",
    shape=_shape,
    cost=_cost,
    execute=_execute,
    layers=(
        Layer("adaptive_avgpool", (("h", REQUIRED), ("w", None)), _build("avg")),
        Layer("adaptive_maxpool", (("h", REQUIRED), ("w", None)), _build("max")),
    ),
))
