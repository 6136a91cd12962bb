"""The passes, the named pipelines, and what runs them.

The registry and the pipelines are separate data: :data:`PASSES` registers
every pass by its command-line name (a new pass is added here explicitly; there
is no discovery), and :data:`DEFAULT_PIPELINE` and :data:`BASELINE_PIPELINE`
are literal tuples of names. A pass in the registry need not be in a pipeline:
``estimate-latency`` runs only when asked for (``--device``).

Options. Every pass is a frozen attrs class whose fields are its options. The
report's conventions (``dtype``, ``batch``, ``memory_model``) go to every pass
that has a field of that name; options meant for one pass (``{"estimate-latency":
{"device": "rpi4"}}``, ``--pass-option estimate-latency.device=rpi4``) must name
one of its fields and a pass that runs, or compilation stops with E603.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import attrs

from netdsl.diagnostics import Diagnostic, error
from netdsl.ir.graph import Graph
from netdsl.ir.verifier import verify
from netdsl.passes.annotate_cost import AnnotateCost
from netdsl.passes.base import Pass, PassResult
from netdsl.passes.estimate_latency import EstimateLatency
from netdsl.passes.fold_batchnorm import FoldBatchNorm
from netdsl.passes.fuse_activations import FuseActivations
from netdsl.passes.infer_shapes import InferShapes

#: Every pass, by command-line name.
PASSES: dict[str, type] = {
    "infer-shapes": InferShapes,
    "fold-batchnorm": FoldBatchNorm,
    "fuse-activations": FuseActivations,
    "annotate-cost": AnnotateCost,
    "estimate-latency": EstimateLatency,
}

#: The passes ``netdsl compile`` runs by default, in order.
DEFAULT_PIPELINE: tuple[str, ...] = (
    "infer-shapes", "fold-batchnorm", "fuse-activations", "annotate-cost")

#: The baseline a report compares against: shapes and costs, no optimisation.
BASELINE_PIPELINE: tuple[str, ...] = ("infer-shapes", "annotate-cost")

#: The options every pass may take from the compile options: the report's conventions.
CONVENTIONS: tuple[str, ...] = ("dtype", "batch", "memory_model")

PassOptions = Mapping[str, Mapping[str, object]]


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


def pass_fields(name: str) -> list[str]:
    """The options of pass ``name`` (its fields, ``requires`` aside)."""
    return [f.name for f in attrs.fields(PASSES[name]) if f.name != "requires"]


def make_pass(name: str, conventions: Mapping[str, object] | None = None,
              options: Mapping[str, object] | None = None) -> Pass:
    """The pass ``name`` with the ``conventions`` it takes and its own ``options``.

    An option the pass does not have, or a value it refuses, is E603.
    """
    cls = PASSES[name]
    fields = pass_fields(name)
    for key in options or {}:
        if key not in fields:
            from netdsl.diagnostics import did_you_mean

            raise error("E603", f"pass '{name}' has no option '{key}'",
                        hint=did_you_mean(key, fields) or
                        (f"its options: {', '.join(fields)}" if fields
                         else f"'{name}' takes no options"))
    kwargs = {k: v for k, v in (conventions or {}).items() if k in fields}
    kwargs.update(options or {})
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in (options or {}).items())
        raise error("E603", f"invalid option for pass '{name}' ({shown}): {exc}") from None


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


def check_pass_options(names: Sequence[str], pass_options: PassOptions | None) -> None:
    """E603 for options given to a pass that does not run or does not have them."""
    for name, options in (pass_options or {}).items():
        if name not in PASSES:
            from netdsl.diagnostics import did_you_mean

            raise error("E601", f"unknown pass '{name}' in a pass option",
                        hint=did_you_mean(name, PASSES) or f"passes: {', '.join(PASSES)}")
        if name not in names:
            raise error("E603", f"options are given for pass '{name}', which does not run",
                        hint=f"add {name} to --passes")
        make_pass(name, None, options)  # unknown options and bad values fail here


def run_pipeline(
    graph: Graph,
    names: Sequence[str] = DEFAULT_PIPELINE,
    conventions: Mapping[str, object] | None = None,
    *,
    pass_options: PassOptions | None = None,
    verify_each: bool = False,
    keep_graphs: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> PipelineResult:
    """Run the passes ``names`` in order on ``graph``.

    ``conventions`` (``dtype``, ``batch``, ``memory_model``) go to every pass
    that has a field of that name; ``pass_options`` maps a pass name to its own
    options (E603 when it does not run or has no such option). With
    ``verify_each`` the IR verifier runs after every pass; with ``keep_graphs``
    each run keeps the graph it produced (for ``--print-ir-after``).
    """
    check_pipeline(names)
    check_pass_options(names, pass_options)
    runs = []
    for name in names:
        start = clock()
        options = (pass_options or {}).get(name)
        result: PassResult = make_pass(name, conventions, options).run(graph)
        seconds = clock() - start
        graph = result.graph
        if verify_each:
            verify(graph)
        runs.append(PassRun(name, result.changed, seconds, result.diagnostics,
                            graph if keep_graphs else None))
    return PipelineResult(graph, tuple(runs))


__all__ = [
    "BASELINE_PIPELINE",
    "CONVENTIONS",
    "DEFAULT_PIPELINE",
    "PASSES",
    "AnnotateCost",
    "EstimateLatency",
    "FoldBatchNorm",
    "FuseActivations",
    "InferShapes",
    "Pass",
    "PassResult",
    "PassRun",
    "PipelineResult",
    "check_pass_options",
    "check_pipeline",
    "make_pass",
    "pass_fields",
    "run_pipeline",
]
