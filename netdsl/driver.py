"""The compiler driver: source text to a compiled, annotated result.

``compile_string`` and ``compile_file`` run the whole pipeline: parse,
elaborate (which infers shapes as it builds the graph), then the passes, and
separately the baseline passes (shapes and costs only) so that a report can
show what the optimisations saved. They raise
:class:`~netdsl.diagnostics.NetdslError` for any problem in the input and
never let another exception escape for bad input.
"""

from __future__ import annotations

import contextlib
import gc
import math
import operator
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from netdsl.diagnostics import Diagnostic, NetdslError, error, warning
from netdsl.elaborate.elaborator import DEFAULT_MAX_NODES, Elaborator, ModuleLoader
from netdsl.ir.graph import Graph, GraphCost, Node
from netdsl.ir.ops import Input
from netdsl.ir.printer import print_graph
from netdsl.limits import Limits, stack_headroom
from netdsl.passes import (
    BASELINE_PIPELINE,
    DEFAULT_PIPELINE,
    PassRun,
    make_pass,
    run_pipeline,
)
from netdsl.syntax.parser import parse


def stdlib_path() -> Path:
    """The folder of the standard block library shipped with the package."""
    return Path(__file__).resolve().parent / "stdlib"


@attrs.frozen
class CompileOptions:
    """How to compile and what to report: the passes and the cost conventions."""

    passes: tuple[str, ...] = DEFAULT_PIPELINE
    dtype: str = "fp32"
    batch: int = 1
    memory_model: str = "naive"
    max_nodes: int = DEFAULT_MAX_NODES
    #: Options of single passes, by pass name (``{"estimate-latency": {"device": "rpi4"}}``).
    pass_options: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict)

    def conventions(self) -> dict[str, object]:
        """The options every pass may take: the report's conventions."""
        return {"dtype": self.dtype, "batch": self.batch, "memory_model": self.memory_model}


@attrs.frozen(repr=False)
class CompileResult:
    """A compiled network: the graph after the passes and the baseline to compare with.

    ``graph`` is the optimised, cost-annotated graph; ``baseline`` the same
    network with shape inference and cost annotation only. The ``to_*``
    methods render reports as strings.
    """

    graph: Graph
    baseline: Graph
    runs: tuple[PassRun, ...] = ()
    options: CompileOptions = CompileOptions()
    source: str | None = None
    #: Seconds spent in each stage before the passes: ``(("parse", s), ("elaborate", s))``.
    timings: tuple[tuple[str, float], ...] = ()
    #: Warnings (severity ``warning``, codes W...: a channels-first input, NaN weights) and
    #: notes (N204: a block replacing an imported one) about input that compiled.
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def arguments(self) -> dict[str, Any]:
        """The values of the network's parameters used for this compilation."""
        return dict(self.graph.arguments)

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        return self.graph.output_shape

    @property
    def layers(self) -> tuple[Node, ...]:
        """The annotated nodes in topological order (``node.cost`` is set)."""
        return self.graph.nodes

    @property
    def totals(self) -> GraphCost:
        """Whole-network figures after the passes."""
        assert self.graph.cost is not None, "annotate-cost did not run"
        return self.graph.cost

    @property
    def totals_unoptimized(self) -> GraphCost:
        """Whole-network figures with shape inference and cost annotation only."""
        assert self.baseline.cost is not None
        return self.baseline.cost

    def __repr__(self) -> str:
        """One line: the network, its layers, output shape, MACCs and parameters.

        The whole graph is in ``result.graph``; a REPL or notebook echoing a result
        should not print it.
        """
        totals = self.graph.cost
        figures = "" if totals is None else \
            f", {totals.maccs:,} MACCs, {totals.params.total:,} params"
        shape = "x".join(map(str, self.output_shape or ()))
        return f"<CompileResult {self.name}: {len(self.graph)} layers, output {shape}{figures}>"

    def to_ir(self) -> str:
        """The canonical IR text (``netdsl compile --format ir``)."""
        return print_graph(self.graph)

    def to_text(self, width: int = 120) -> str:
        """The per-layer table and totals for a terminal ``width`` columns wide."""
        from netdsl.backends.text import render_text

        with _no_gc():
            return render_text(self, width)

    def to_json(self) -> str:
        """The versioned JSON report (docs/reports.md)."""
        from netdsl.backends.json_report import render_json

        with _no_gc():
            return render_json(self)

    def to_csv(self) -> str:
        """One CSV row per layer, with a fixed header."""
        from netdsl.backends.csv_report import render_csv

        with _no_gc():
            return render_csv(self)

    def to_markdown(self) -> str:
        """A Markdown table ready to paste into a pull request."""
        from netdsl.backends.markdown import render_markdown

        with _no_gc():
            return render_markdown(self)

    def to_dot(
        self,
        *,
        color_by: str = "maccs",
        collapse: int | None = None,
        expand: Sequence[str] = (),
        rankdir: str = "TB",
    ) -> str:
        """The annotated graph as Graphviz DOT text (docs/diagrams.md).

        ``color_by``: ``maccs``, ``memory``, ``params`` or ``none``; ``collapse``:
        block nesting drawn as clusters, deeper instances drawn as one box
        (None draws every layer); ``expand``: instance paths or patterns
        (``stage3/*``) never collapsed; ``rankdir``: ``TB`` (top-down) or ``LR``.
        """
        from netdsl.backends.dot import render_dot

        with _no_gc():
            return render_dot(self.graph, color_by=color_by, collapse=collapse,
                              expand=expand, rankdir=rankdir)

    def to_onnx(self, *, optimized: bool = False, batch: int | None = None) -> Any:
        """The network as an ONNX model (``onnx.ModelProto``), with its weights.

        The network as written, or with ``optimized`` the graph after the passes
        (batch norm folded into the weights). The result must have been compiled
        with ``weights=`` or ``seed=``. ``batch`` fixes the batch dimension (free
        when None). Needs the ``onnx`` extra (E901 otherwise); see
        :mod:`netdsl.bridge.onnx_export` for the layout and names.
        """
        from netdsl.bridge.onnx_export import to_onnx

        return to_onnx(self.graph if optimized else self.baseline, batch=batch).model

    def roofline(self, image_format: str = "svg") -> bytes:
        """The roofline chart as ``svg``, ``png`` or ``pdf`` bytes (``netdsl roofline``).

        Each layer with MACCs under the device's roof, sized by its share of the
        estimated time, and the slowest layers' time split into compute, memory
        and overhead (:mod:`netdsl.backends.roofline`). The result must carry an
        estimate (compiled with ``device=``; E603 otherwise); needs the ``plot``
        extra, matplotlib (E901 otherwise). In Jupyter:
        ``IPython.display.SVG(result.roofline())``;
        :func:`netdsl.backends.roofline.roofline_figure` gives the matplotlib figure.
        """
        from netdsl.backends.roofline import render_roofline

        return render_roofline(self, image_format)

    def render(self, image_format: str = "svg", **options: Any) -> bytes:
        """The diagram drawn by Graphviz as ``svg``, ``png`` or ``pdf`` bytes.

        ``options`` are those of :meth:`to_dot`. Needs Graphviz's ``dot``
        program; raises :class:`NetdslError` (E801) with install instructions
        when it is missing.
        """
        from netdsl.backends.render import render

        return render(self.to_dot(**options), image_format)

    def _repr_svg_(self) -> str | None:
        """The diagram in Jupyter; None (plain text instead) when Graphviz is missing."""
        try:
            return self.render("svg").decode("utf-8")
        except NetdslError:
            return None


def _normalise(params: Mapping[str, Any] | None) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(convert(v) for v in value)
        return value

    return {k: convert(v) for k, v in (params or {}).items()}


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while compiling.

    Compiling allocates many small objects that live until the end and form
    no reference cycles; with the collector on, its full collections make
    compile time grow faster than linearly with network size.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _limits(limits: Limits | None, max_nodes: int | None) -> Limits:
    """``limits`` (default: :class:`Limits()`), with ``max_nodes`` when given (the older
    keyword, kept working)."""
    limits = limits or Limits()
    return limits if max_nodes is None else attrs.evolve(limits, max_nodes=max_nodes)


def elaborate_string(
    text: str, *, filename: str | None = None, params: Mapping[str, Any] | None = None,
    max_nodes: int | None = None, timings: list[tuple[str, float]] | None = None,
    limits: Limits | None = None, notes: list[Diagnostic] | None = None,
) -> Graph:
    """Parse and elaborate ``text`` into a graph with shapes, before any pass.

    When ``timings`` is a list, ``("parse", seconds)`` and ``("elaborate",
    seconds)`` are appended to it; when ``notes`` is, the notes about the
    program (N204: a definition replacing an imported one). ``limits`` bounds
    the input (netdsl.limits); ``max_nodes`` overrides its ``max_nodes``.
    """
    name = filename or "<string>"
    limits = _limits(limits, max_nodes)
    try:
        # Room on the stack for the nesting the parser lets through, wherever we are called.
        with stack_headroom(limits):
            start = time.perf_counter()
            module = parse(text, name, limits)
            parsed = time.perf_counter()
            loader = ModuleLoader(parse, (stdlib_path(),), limits)
            graph = Elaborator(loader, limits.max_nodes).elaborate(module, _normalise(params))
        if notes is not None:
            notes += loader.notes
        if timings is not None:
            timings += [("parse", parsed - start), ("elaborate", time.perf_counter() - parsed)]
        return graph
    except RecursionError:
        raise error("E501", "the input nests too deeply to compile",
                    hint="reduce the nesting of brackets, blocks or function calls") from None


#: Seeds of random weights: what NumPy's generators take, kept to a signed 64-bit integer.
MAX_SEED = 2**63 - 1


def _check_weights_arguments(weights: object, seed: object) -> None:
    """E702 for ``weights=`` of the wrong type, E703 for a ``seed=`` that is no valid seed."""
    if weights is not None and not isinstance(weights, str | bytes | os.PathLike | Mapping):
        raise error("E702", "weights= expects an .npz file path or a mapping "
                    f"'<layer>/<parameter>' -> array, got {type(weights).__name__}")
    if seed is None:
        return
    hint = f"seed= is an integer from 0 to 2**63 - 1 ({MAX_SEED:,}), e.g. seed=0"
    if isinstance(seed, bool) or not hasattr(type(seed), "__index__"):
        raise error("E703", f"seed= expects an integer, got {type(seed).__name__}", hint=hint)
    value = operator.index(seed)
    if not 0 <= value <= MAX_SEED:
        shown = str(value) if abs(value) < 10**30 else f"{'-' if value < 0 else ''}2**" \
            f"{value.bit_length() - 1} or more in size"
        raise error("E703", f"seed={shown} is out of range", hint=hint)


def _with_weights(graph: Graph, weights: str | os.PathLike[str] | Mapping[str, Any] | None,
                  seed: int | None) -> Graph:
    from netdsl.weights import attach_weights, load_npz, parameter_shapes, random_weights

    try:
        if weights is None:
            arrays = random_weights(graph, operator.index(seed or 0))
        elif isinstance(weights, Mapping):
            arrays = dict(weights)
        else:
            arrays = load_npz(weights, graph)
        return attach_weights(graph, arrays)
    except MemoryError:
        count = sum(math.prod(shape) for node in graph.nodes
                    for shape in parameter_shapes(graph, node).values())
        raise error("E501", f"the weights of network {graph.name} ({count:,} parameters, "
                    f"{8 * count:,} bytes as float64) do not fit in memory") from None


def compile_graph(graph: Graph, options: CompileOptions = CompileOptions(),
                  *, keep_graphs: bool = False) -> CompileResult:
    """Run the passes of ``options`` (and the baseline) on an elaborated graph."""
    pipeline = run_pipeline(graph, options.passes, options.conventions(),
                            pass_options=options.pass_options, keep_graphs=keep_graphs)
    if tuple(options.passes) == BASELINE_PIPELINE:
        baseline = pipeline.graph
    else:
        baseline = run_pipeline(graph, BASELINE_PIPELINE, options.conventions()).graph
    final = pipeline.graph
    if final.cost is None:  # annotate-cost was left out: cost the result anyway
        final = make_pass("annotate-cost", options.conventions()).run(final).graph
    return CompileResult(final, baseline, pipeline.runs, options)


def compile_string(
    text: str,
    *,
    filename: str | None = None,
    params: Mapping[str, Any] | None = None,
    passes: Sequence[str] | None = None,
    dtype: str = "fp32",
    batch: int = 1,
    memory_model: str = "naive",
    max_nodes: int | None = None,
    keep_graphs: bool = False,
    weights: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    seed: int | None = None,
    limits: Limits | None = None,
    device: Any = None,
    pass_options: Mapping[str, Mapping[str, object]] | None = None,
) -> CompileResult:
    """Compile netdsl source ``text``; imports resolve relative to ``filename``.

    ``passes`` replaces the default pipeline; with ``keep_graphs`` every entry
    of ``result.runs`` keeps the graph its pass produced. ``weights`` (an
    ``.npz`` path or a mapping ``<layer>/<parameter>`` -> array) or ``seed``
    (random weights) make the graph carry real weights, which the passes
    transform and :func:`netdsl.execute` runs. ``limits`` bounds what the input
    may demand (:class:`netdsl.limits.Limits`: source size, nesting, literal
    digits, layers); ``max_nodes``, when given, overrides its ``max_nodes``.
    ``device`` (a profile name, a path to a profile file, or a
    :class:`netdsl.devices.Device`) adds the ``estimate-latency`` pass, which
    estimates each layer's time and energy on it; ``pass_options`` gives single
    passes their options (``{"estimate-latency": {"device": "rpi4"}}``; E603 for
    an option a pass does not have or a pass that does not run).
    """
    _check_weights_arguments(weights, seed)
    limits = _limits(limits, max_nodes)
    names, options_of = _with_device(
        tuple(passes) if passes is not None else DEFAULT_PIPELINE, pass_options, device)
    options = CompileOptions(names, dtype, batch, memory_model, limits.max_nodes, options_of)
    timings: list[tuple[str, float]] = []
    with _no_gc():
        notes: list[Diagnostic] = []
        graph = elaborate_string(text, filename=filename, params=params, limits=limits,
                                 timings=timings, notes=notes)
        warnings = (*notes, *channels_first_warnings(graph))
        if weights is not None or seed is not None:
            graph = _with_weights(graph, weights, seed)
        result = compile_graph(graph, options, keep_graphs=keep_graphs)
        if weights is not None or seed is not None:
            from netdsl.weights import nonfinite_warnings

            warnings += nonfinite_warnings(graph, result.graph)
        return attrs.evolve(result, source=filename, timings=tuple(timings), warnings=warnings)


def _with_device(passes: tuple[str, ...], pass_options: Mapping[str, Mapping[str, object]]
                 | None, device: Any) -> tuple[tuple[str, ...], dict[str, dict[str, object]]]:
    """The pipeline and pass options, with ``estimate-latency`` on ``device`` when given."""
    options = {name: dict(values) for name, values in (pass_options or {}).items()}
    if device is None:
        return passes, options
    options.setdefault("estimate-latency", {})["device"] = device
    if "estimate-latency" not in passes:
        passes = (*passes, "estimate-latency")
    return passes, options


def channels_first_warnings(graph: Graph) -> tuple[Diagnostic, ...]:
    """W401 for an input shaped like PyTorch's C x H x W (``input(3, 224, 224)``).

    A few channels first and a large square after is almost always an image
    written channels-first; netdsl's input is height, width, channels.
    """
    found = []
    for node in graph.nodes:
        if isinstance(node.op, Input) and len(node.shape) == 3:
            c, h, w = node.shape
            if c <= 4 and h == w >= 16:
                found.append(warning(
                    "W401", f"input {'x'.join(map(str, node.shape))} looks channels-first: "
                    "netdsl's input is height, width, channels", node.span,
                    hint=f"write input({h}, {w}, {c}) for a {h}x{w} image of {c} "
                    f"channel{'s' * (c != 1)}"))
    return tuple(found)


def compile_file(
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    passes: Sequence[str] | None = None,
    dtype: str = "fp32",
    batch: int = 1,
    memory_model: str = "naive",
    max_nodes: int | None = None,
    keep_graphs: bool = False,
    weights: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    seed: int | None = None,
    limits: Limits | None = None,
    device: Any = None,
    pass_options: Mapping[str, Mapping[str, object]] | None = None,
) -> CompileResult:
    """Read and compile the network in ``path`` (options as for :func:`compile_string`).

    The file is read as netdsl.reading describes: at most ``limits.max_source_bytes``
    bytes, decoded as UTF-8 (E100 at the first bad byte), a FIFO waited for
    briefly, a directory or device refused (E100).
    """
    from netdsl.reading import read_file

    limits = _limits(limits, max_nodes)
    text = read_file(path, limits, name=str(path))
    return compile_string(text, filename=str(path), params=params, passes=passes, dtype=dtype,
                          batch=batch, memory_model=memory_model, keep_graphs=keep_graphs,
                          weights=weights, seed=seed, limits=limits, device=device,
                          pass_options=pass_options)


__all__ = [
    "CompileOptions",
    "CompileResult",
    "NetdslError",
    "compile_file",
    "compile_graph",
    "compile_string",
    "elaborate_string",
    "stdlib_path",
]
