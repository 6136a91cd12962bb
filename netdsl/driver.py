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
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from netdsl.syntax import ast
from netdsl.syntax.parser import parse

if TYPE_CHECKING:
    import pandas


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

    ``graph`` is the optimised, cost-annotated graph; ``elaborated`` the graph
    the passes started from; ``baseline`` the same network with shape inference
    and cost annotation only, computed from ``elaborated`` when first asked for
    (a design sweep or ``netdsl check`` never needs it). The ``to_*`` methods
    render reports as strings.
    """

    graph: Graph
    elaborated: Graph
    runs: tuple[PassRun, ...] = ()
    options: CompileOptions = CompileOptions()
    source: str | None = None
    #: Seconds spent in each stage before the passes: ``(("parse", s), ("elaborate", s))``.
    timings: tuple[tuple[str, float], ...] = ()
    #: Warnings (severity ``warning``, codes W...: a channels-first input, NaN weights) and
    #: notes (N204: a block replacing an imported one) about input that compiled.
    warnings: tuple[Diagnostic, ...] = ()
    _baseline: Graph | None = attrs.field(default=None, init=False, eq=False)
    _baseline_cost: GraphCost | None = attrs.field(default=None, init=False, eq=False)

    @property
    def baseline(self) -> Graph:
        """The network with shape inference and cost annotation only: the figures "before
        passes". Computed on first use, then kept."""
        if self._baseline is None:
            object.__setattr__(self, "_baseline", _baseline(self))
        assert self._baseline is not None
        return self._baseline

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
        """Whole-network figures with shape inference and cost annotation only.

        Only the figures are kept, not the baseline graph they are computed from
        (unless :attr:`baseline` was asked for): a report needs the totals, and a
        second annotated copy of the network would double what a result holds.
        """
        if self._baseline_cost is None:
            cost = (self._baseline.cost if self._baseline is not None
                    else _baseline_totals(self))
            assert cost is not None
            object.__setattr__(self, "_baseline_cost", cost)
        assert self._baseline_cost is not None
        return self._baseline_cost

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

    def report(self, fmt: str = "text", *, width: int = 120, depth: int | None = None,
               summary: bool = False, expand: Sequence[str] = ()) -> str:
        """The report in ``fmt`` (``text``, ``json``, ``csv``, ``markdown``: the registry in
        :mod:`netdsl.backends.formats`).

        ``width``: the terminal's columns (text); ``depth``: block instances nested
        this deep become one row with their summed figures (1: one row per top-level
        block such as a stage; None: every layer); ``expand``: instance paths or
        patterns (``stage3/*``) never rolled up; ``summary``: totals, savings and the
        largest rows only.
        """
        from netdsl.backends.formats import View, render_report

        with _no_gc():
            return render_report(self, fmt, View(width, depth, tuple(expand), summary))

    def to_text(self, width: int = 120, *, depth: int | None = None, summary: bool = False,
                expand: Sequence[str] = ()) -> str:
        """The per-layer table and totals for a terminal ``width`` columns wide;
        ``depth``, ``summary`` and ``expand`` as for :meth:`report`."""
        return self.report("text", width=width, depth=depth, summary=summary, expand=expand)

    def to_json(self, *, depth: int | None = None, summary: bool = False,
                expand: Sequence[str] = ()) -> str:
        """The versioned JSON report (docs/reports.md; schema docs/report.schema.json);
        ``depth``, ``summary`` and ``expand`` as for :meth:`report`."""
        return self.report("json", depth=depth, summary=summary, expand=expand)

    def to_csv(self, *, depth: int | None = None, summary: bool = False,
               expand: Sequence[str] = ()) -> str:
        """One CSV row per layer (or rolled-up block); ``depth``, ``summary`` and
        ``expand`` as for :meth:`report`."""
        return self.report("csv", depth=depth, summary=summary, expand=expand)

    def to_markdown(self, *, depth: int | None = None, summary: bool = False,
                    expand: Sequence[str] = ()) -> str:
        """A Markdown table ready to paste into a pull request; ``depth``, ``summary`` and
        ``expand`` as for :meth:`report`."""
        return self.report("markdown", depth=depth, summary=summary, expand=expand)

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

    def render(self, image_format: str = "svg", *, dpi: int | None = None,
               **options: Any) -> bytes:
        """The diagram drawn by Graphviz as ``svg``, ``png`` or ``pdf`` bytes.

        ``dpi``: a PNG's pixels per inch, 1 to 600 (Graphviz draws 96 when
        None); ValueError for another value or format. ``options`` are those of
        :meth:`to_dot`. Needs Graphviz's ``dot`` program; raises
        :class:`NetdslError` (E801) with install instructions when it is missing.
        """
        from netdsl.backends.render import check_dpi, render

        if dpi is not None:
            check_dpi(dpi, image_format)  # before the DOT text is made
        return render(self.to_dot(**options), image_format, dpi=dpi)

    def to_dataframe(self, *, depth: int | None = None, summary: bool = False,
                     expand: Sequence[str] = ()) -> pandas.DataFrame:
        """The CSV report as a pandas DataFrame: one row per layer (or per block instance
        rolled up to ``depth``), the same columns, counts as ``int64`` and the estimate's
        figures as ``float64`` (docs/api.md); ``depth``, ``summary`` and ``expand`` as
        for :meth:`report`.

        Needs pandas (the ``notebook`` extra; E901 otherwise), imported only here.
        """
        from netdsl.backends.html import layer_frame

        return layer_frame(self, depth, summary=summary, expand=expand)

    def _repr_html_(self) -> str:
        """The result in Jupyter: title, totals before and after the passes, the largest
        layers and the diagram, collapsed to blocks past 40 layers, as inline SVG (the
        tables alone, with a note, without Graphviz). :mod:`netdsl.backends.html`.

        The only rich display: a ``_repr_svg_`` as well would have Jupyter draw the
        diagram twice and store it twice in every saved notebook.
        ``IPython.display.SVG(result.render("svg"))`` shows the full diagram alone.
        """
        from netdsl.backends.html import render_html

        with _no_gc():
            return render_html(self)


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


#: The parse cache keeps at most this many modules, and at most this many characters of
#: source between them: an AST takes about 50 bytes per character of its text (so the
#: cache stays near 12 MB at worst), and real network descriptions (and the standard
#: library) are a few kilobytes each. A longer text (a generated network of thousands of
#: lines) is parsed every time: its parse is a small share of its compile, and keeping its
#: AST would hold tens of bytes per character for the life of the process.
PARSE_CACHE_ENTRIES = 32
PARSE_CACHE_CHARACTERS = 256 * 1024
PARSE_CACHE_LARGEST = 64 * 1024


class _ParseCache:
    """Parsed modules by source text, file name and the limits the parser checks.

    The AST is frozen all the way down (attrs frozen classes holding tuples) and
    elaboration only reads it, so one parsed module serves every compilation of
    the same text: other ``params``, other passes, another dtype. A parse error
    is raised, never stored, so that the next attempt raises it afresh and errors
    are the same with and without the cache. The least recently used module goes
    first when the cache is full; a text longer than ``largest`` characters is
    parsed every time.
    """

    def __init__(self, entries: int, characters: int, largest: int | None = None) -> None:
        self.entries = entries
        self.characters = characters
        self.largest = characters if largest is None else largest
        self._modules: OrderedDict[tuple[Any, ...], ast.Module] = OrderedDict()
        self._stored = 0  # characters of source held
        self._lock = threading.Lock()  # compilations may run in threads

    def parse(self, text: str, filename: str = "<string>",
              limits: Limits | None = None) -> ast.Module:
        limits = limits or Limits()
        # max_nodes is left out: parsing does not look at it.
        key = (text, filename, limits.max_source_bytes, limits.max_nesting,
               limits.max_literal_digits)
        with self._lock:
            module = self._modules.get(key)
            if module is not None:
                self._modules.move_to_end(key)
                return module
        module = parse(text, filename, limits)  # outside the lock: parsing takes a while
        if len(text) <= self.largest:
            with self._lock:
                if key not in self._modules:
                    self._modules[key] = module
                    self._stored += len(text)
                while len(self._modules) > self.entries or self._stored > self.characters:
                    dropped, _ = self._modules.popitem(last=False)
                    self._stored -= len(dropped[0])
        return module

    def clear(self) -> None:
        with self._lock:
            self._modules.clear()
            self._stored = 0

    def __len__(self) -> int:
        return len(self._modules)


_PARSE_CACHE = _ParseCache(PARSE_CACHE_ENTRIES, PARSE_CACHE_CHARACTERS, PARSE_CACHE_LARGEST)


def parse_module(text: str, filename: str = "<string>",
                 limits: Limits | None = None) -> ast.Module:
    """``text`` parsed as :func:`netdsl.syntax.parser.parse` does, once per process.

    The same text under the same file name and limits gives the same (immutable)
    module without parsing it again: compiling one file with other parameters,
    or any file importing the standard library, parses once. Errors are raised
    exactly as by the parser, every time.
    """
    return _PARSE_CACHE.parse(text, filename, limits)


def clear_parse_cache() -> None:
    """Forget every parsed module (benchmarks measure compilations without the cache)."""
    _PARSE_CACHE.clear()


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
    The text and the modules it imports are parsed once per process
    (:func:`parse_module`): compiling the same text again, with other ``params``,
    only elaborates it, and its ``parse`` time is next to nothing.
    """
    name = filename or "<string>"
    limits = _limits(limits, max_nodes)
    try:
        # Room on the stack for the nesting the parser lets through, wherever we are called.
        with stack_headroom(limits):
            start = time.perf_counter()
            module = parse_module(text, name, limits)
            parsed = time.perf_counter()
            # Imported modules (the standard library first) come from the cache too.
            loader = ModuleLoader(parse_module, (stdlib_path(),), limits)
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
    """Run the passes of ``options`` on an elaborated graph; the baseline waits until a
    report asks for it (:attr:`CompileResult.baseline`)."""
    pipeline = run_pipeline(graph, options.passes, options.conventions(),
                            pass_options=options.pass_options, keep_graphs=keep_graphs)
    final = pipeline.graph
    if final.cost is None:  # annotate-cost was left out: cost the result anyway
        final = make_pass("annotate-cost", options.conventions()).run(final).graph
    return CompileResult(final, graph, pipeline.runs, options)


def _baseline(result: CompileResult) -> Graph:
    """:data:`~netdsl.passes.BASELINE_PIPELINE` run on the elaborated graph.

    Its first pass, ``infer-shapes``, is usually the pipeline's first pass too,
    on the same graph: when that run found every shape right (it then returns
    its input, as on any elaborated graph), the baseline starts after it
    instead of checking the same shapes again.
    """
    options, conventions = result.options, result.options.conventions()
    if tuple(options.passes) == BASELINE_PIPELINE:
        return result.graph
    baseline = result.elaborated
    if _shapes_checked(result):
        for name in BASELINE_PIPELINE[1:]:
            baseline = make_pass(name, conventions).run(baseline).graph
        return baseline
    return run_pipeline(baseline, BASELINE_PIPELINE, conventions).graph


def _shapes_checked(result: CompileResult) -> bool:
    """Whether the pipeline's first pass was ``infer-shapes`` and found every shape right
    (it then returned its input): the baseline can start after it."""
    return (tuple(result.options.passes[:1]) == BASELINE_PIPELINE[:1] == ("infer-shapes",)
            and bool(result.runs) and not result.runs[0].changed)


def _baseline_totals(result: CompileResult) -> GraphCost | None:
    """The totals of :func:`_baseline`'s graph, without keeping (or, where the baseline
    ends with ``annotate-cost`` on checked shapes, building) its annotated nodes."""
    if (_shapes_checked(result) and BASELINE_PIPELINE[1:] == ("annotate-cost",)
            and tuple(result.options.passes) != BASELINE_PIPELINE):
        annotate = make_pass("annotate-cost", result.options.conventions())
        return annotate.totals(result.elaborated)
    return _baseline(result).cost


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
    "clear_parse_cache",
    "compile_file",
    "compile_graph",
    "compile_string",
    "elaborate_string",
    "parse_module",
    "stdlib_path",
]
