"""The passes and the pipeline that runs them.

The pipeline is data: :data:`DEFAULT_PIPELINE` lists the passes in order and
:data:`PASSES` registers every pass by its command-line name. There is no
discovery: a new pass is added here explicitly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from netdsl.diagnostics import Diagnostic, error
from netdsl.ir.graph import Graph
from netdsl.ir.verifier import verify
from netdsl.passes.annotate_cost import AnnotateCost
from netdsl.passes.base import Pass, PassResult
from netdsl.passes.fold_batchnorm import FoldBatchNorm
from netdsl.passes.fuse_activations import FuseActivations
from netdsl.passes.infer_shapes import InferShapes

#: Every pass, by command-line name, in pipeline order.
PASSES: dict[str, type] = {
    "infer-shapes": InferShapes,
    "fold-batchnorm": FoldBatchNorm,
    "fuse-activations": FuseActivations,
    "annotate-cost": AnnotateCost,
}

#: The passes ``netdsl compile`` runs by default, in order.
DEFAULT_PIPELINE: tuple[str, ...] = tuple(PASSES)

#: The baseline a report compares against: shapes and costs, no optimisation.
BASELINE_PIPELINE: tuple[str, ...] = ("infer-shapes", "annotate-cost")


@attrs.frozen
class PassRun:
    """What one pass did in a pipeline run."""

    name: str
    changed: bool
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()
    graph: Graph | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class PipelineResult:
    """The final graph and a record of every pass that ran."""

    graph: Graph
    runs: tuple[PassRun, ...]

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for run in self.runs for d in run.diagnostics)


def make_pass(name: str, options: dict[str, object] | None = None) -> Pass:
    """Instantiate the pass ``name`` with the options it accepts."""
    cls = PASSES[name]
    accepted = {f.name for f in attrs.fields(cls)}
    return cls(**{k: v for k, v in (options or {}).items() if k in accepted})


def check_pipeline(names: Sequence[str]) -> None:
    """Raise if a pass is unknown or runs before one it requires."""
    from netdsl.diagnostics import did_you_mean

    seen: list[str] = []
    for name in names:
        if name not in PASSES:
            raise error("E601", f"unknown pass '{name}'",
                        hint=did_you_mean(name, PASSES) or f"passes: {', '.join(PASSES)}")
        for required in make_pass(name).requires:
            if required not in seen:
                raise error("E602", f"pass '{name}' requires '{required}' to run before it",
                            hint=f"add {required} earlier in --passes")
        seen.append(name)


def run_pipeline(
    graph: Graph,
    names: Sequence[str] = DEFAULT_PIPELINE,
    options: dict[str, object] | None = None,
    *,
    verify_each: bool = False,
    keep_graphs: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> PipelineResult:
    """Run the passes ``names`` in order on ``graph``.

    ``options`` are handed to every pass that has a field of that name
    (``batch``, ``dtype``, ``memory_model``...). With ``verify_each`` the IR
    verifier runs after every pass; with ``keep_graphs`` each run keeps the
    graph it produced (for ``--print-ir-after``).
    """
    check_pipeline(names)
    runs = []
    for name in names:
        start = clock()
        result: PassResult = make_pass(name, options).run(graph)
        seconds = clock() - start
        graph = result.graph
        if verify_each:
            verify(graph)
        runs.append(PassRun(name, result.changed, seconds, result.diagnostics,
                            graph if keep_graphs else None))
    return PipelineResult(graph, tuple(runs))


__all__ = [
    "BASELINE_PIPELINE",
    "DEFAULT_PIPELINE",
    "PASSES",
    "AnnotateCost",
    "FoldBatchNorm",
    "FuseActivations",
    "InferShapes",
    "Pass",
    "PassResult",
    "PassRun",
    "PipelineResult",
    "check_pipeline",
    "make_pass",
    "run_pipeline",
]
