"""Measured latency: run a network with ONNX Runtime on this machine.

:func:`bench` exports a graph that carries weights to ONNX in memory, opens an
ONNX Runtime session on the CPU with every graph optimisation on
(``ORT_ENABLE_ALL``, what a deployment uses), runs it a few times to warm up,
then times ``session.run`` on random float32 input until a count of runs or a
time budget is reached. The network benchmarked is by default the one *as
written*: ONNX Runtime folds batch norms and fuses activations itself, as it
would for a model exported from a training framework.

With ``per_layer``, a second session runs with ONNX Runtime's profiler on; each
kernel it reports is traced back to netdsl's layers (:mod:`netdsl.bridge.ort_fusion`),
layers that ONNX Runtime ran as one kernel are grouped, and the time no kernel
of a layer accounts for (the session's own work between kernels, the Python
call) is reported as unattributed.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from netdsl.bridge import require
from netdsl.diagnostics import error
from netdsl.ir.graph import Graph, Node

if TYPE_CHECKING:
    from netdsl.bridge.ort_fusion import Model, Tracing
    from netdsl.driver import CompileResult

#: ONNX Runtime's graph optimisation level used: all of them, as a deployment would.
OPTIMIZATION = "ORT_ENABLE_ALL"
PROVIDER = "CPUExecutionProvider"
#: How ONNX Runtime starts its error messages: ``[ONNXRuntimeError] : 10 : INVALID_GRAPH : ``.
_ORT_PREFIX = re.compile(r"^\[ONNXRuntimeError\] : \d+ : ")


@attrs.frozen
class Progress:
    """Where a benchmark is, for a progress bar: ``stage`` is ``warm-up``, ``timing``
    or ``profiling``; ``total`` the runs asked for (None: the time budget decides)."""

    stage: str
    done: int
    total: int | None
    elapsed: float
    budget: float | None

    @property
    def fraction(self) -> float:
        """How far the stage is, from 0 to 1: runs done or time spent, whichever is further."""
        parts = [self.done / self.total] if self.total else []
        if self.budget:
            parts.append(self.elapsed / self.budget)
        return min(1.0, max(parts, default=0.0))


@attrs.frozen
class Kernel:
    """A kernel ONNX Runtime ran: its node, operator and provider, and its median
    time per run in seconds."""

    name: str
    op: str
    provider: str
    seconds: float


@attrs.frozen
class LayerTime:
    """The measured time of one netdsl layer, or of several that ONNX Runtime ran as one.

    ``layers`` are in network order (the first names the row), ``ops`` their
    ops; ``seconds`` is the median over the profiled runs of the time of
    ``kernels``. ``maccs`` and ``memory_accesses`` are netdsl's figures for these
    layers (after its passes: a folded batch norm counts in its convolution).
    """

    layers: tuple[str, ...]
    ops: tuple[str, ...]
    seconds: float
    kernels: tuple[Kernel, ...]
    maccs: int
    memory_accesses: int

    @property
    def name(self) -> str:
        return self.layers[0]

    @property
    def fused(self) -> bool:
        """Whether ONNX Runtime ran several layers as one kernel (or shared kernels)."""
        return len(self.layers) > 1


@attrs.frozen
class Profile:
    """Measured time per layer, from ONNX Runtime's profiler.

    ``run_times`` are the profiled runs' times (as :meth:`Benchmark.times`, but
    with the profiler on); ``attributed`` for each run the time in kernels traced
    to a layer. ``unattributed_kernels`` ran for no layer netdsl knows;
    ``without_kernel`` are the layers that ran in no kernel (the input, dropout,
    identity). Costs are netdsl's with ``memory_model`` and ``cost_batch``.
    """

    layers: tuple[LayerTime, ...]
    run_times: tuple[float, ...]
    attributed: tuple[float, ...]
    unattributed_kernels: tuple[Kernel, ...]
    without_kernel: tuple[str, ...]
    memory_model: str
    cost_batch: int

    @property
    def run_seconds(self) -> float:
        """The median profiled run."""
        return statistics.median(self.run_times)

    @property
    def attributed_seconds(self) -> float:
        """The median over runs of the time attributed to layers."""
        return statistics.median(self.attributed)

    @property
    def attributed_share(self) -> float:
        """The share of the profiled runs' time spent in kernels attributed to layers."""
        return sum(self.attributed) / sum(self.run_times)

    @property
    def unattributed_seconds(self) -> float:
        """Per run, the time in no layer's kernel: the session between kernels, the call."""
        return self.run_seconds * (1.0 - self.attributed_share)


@attrs.frozen
class Benchmark:
    """Measured latency of a network: every timed run, and what it ran on.

    ``times`` are the seconds each timed run took (``session.run`` from Python,
    after ``warmup`` runs); ``threads`` the intra-op threads ONNX Runtime used
    (``threads_requested``, or its default: one per physical core), None when it
    could not be found out; ``graph`` is ``"as written"`` or ``"optimized"``
    (netdsl's passes applied before export).
    """

    network: str
    graph: str
    input_shapes: tuple[tuple[int, ...], ...]
    batch: int
    times: tuple[float, ...]
    warmup: int
    threads: int | None
    threads_requested: int | None
    runtime_version: str
    provider: str = PROVIDER
    optimization: str = OPTIMIZATION
    budget_seconds: float | None = None
    runs_requested: int | None = None
    source: str | None = None
    arguments: tuple[tuple[str, Any], ...] = ()
    profile: Profile | None = None

    @property
    def runs(self) -> int:
        return len(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.times) if len(self.times) > 1 else 0.0

    @property
    def p90(self) -> float:
        return percentile(self.times, 90)

    @property
    def spread(self) -> float:
        """p90 - min: how far a slow run (one in ten) is from the fastest, in seconds."""
        return self.p90 - self.min

    @property
    def throughput(self) -> float:
        """Examples per second at the median latency: ``batch / median``."""
        return self.batch / self.median


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, interpolated linearly between the two
    nearest ranks (NumPy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def bench(
    network: CompileResult | Graph,
    *,
    optimized: bool = False,
    runs: int | None = None,
    budget_seconds: float | None = 3.0,
    warmup: int = 3,
    min_runs: int = 5,
    threads: int | None = None,
    batch: int = 1,
    per_layer: bool = False,
    profile_runs: int = 10,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
) -> Benchmark:
    """Measure the latency of ``network`` with ONNX Runtime on this machine.

    ``network`` is a :class:`~netdsl.driver.CompileResult` compiled with weights
    (``seed=`` or ``weights=``): the network as written is exported, or with
    ``optimized`` the graph after netdsl's passes; or a :class:`Graph` that
    carries weights, exported as it is. Timed runs stop after ``runs`` or once
    ``budget_seconds`` have passed, whichever comes first, but not before
    ``min_runs`` (nor before ``runs``, when it is smaller); None lifts either
    bound. ``threads`` sets ONNX Runtime's intra-op threads (None: its default).
    The input is ``batch`` examples of random float32 (``seed``). ``per_layer``
    adds a :class:`Profile` of up to ``profile_runs`` runs under the same time
    budget (at least 3). ``progress`` is called after every run.

    Raises :class:`~netdsl.diagnostics.NetdslError`: E901 when ``onnx`` or
    ``onnxruntime`` is missing, E702 when the graph carries no weights, E905
    when a layer cannot be exported, E906 when ONNX Runtime cannot load or run
    the model. ``ValueError`` for arguments out of range.
    """
    _check_arguments(runs, budget_seconds, warmup, min_runs, threads, batch, profile_runs)
    ort = require("onnxruntime", "netdsl bench")
    require("onnx", "netdsl bench")
    from netdsl.bridge.onnx_export import to_onnx

    graph, costs = _graphs(network, optimized)
    exported = to_onnx(graph, batch=batch)
    data = exported.model.SerializeToString()
    before = _thread_count()
    session = _session(ort, data, _options(ort, threads))
    after = _thread_count()
    used = threads if threads is not None else \
        None if before is None or after is None else max(1, after - before + 1)
    feeds = _feeds(session, seed)
    call = _runner(session, feeds)
    _repeat(call, count=warmup, budget=None, minimum=0, stage="warm-up", progress=progress)
    times = _repeat(call, count=runs, budget=budget_seconds, minimum=min_runs, stage="timing",
                    progress=progress)
    del session
    profile = None
    if per_layer:
        profile = _profile(ort, data, threads, feeds, exported.layer_of, graph, costs,
                           warmup=max(1, min(warmup, 3)), count=profile_runs,
                           budget=budget_seconds, progress=progress)
    source = getattr(network, "source", None)
    return Benchmark(
        network=graph.name, graph="optimized" if optimized else "as written",
        input_shapes=tuple(tuple(v.shape) for v in feeds.values()), batch=batch,
        times=tuple(times), warmup=warmup, threads=used, threads_requested=threads,
        runtime_version=ort.__version__, budget_seconds=budget_seconds, runs_requested=runs,
        source=source, arguments=graph.arguments, profile=profile)


def _check_arguments(runs: int | None, budget: float | None, warmup: int, min_runs: int,
                     threads: int | None, batch: int, profile_runs: int) -> None:
    if runs is None and budget is None:
        raise ValueError("give runs or budget_seconds: the runs would never stop")
    for name, value, least in (("runs", runs, 1), ("warmup", warmup, 0),
                               ("min_runs", min_runs, 1), ("threads", threads, 1),
                               ("batch", batch, 1), ("profile_runs", profile_runs, 1)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < least):
            raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    number = isinstance(budget, int | float) and not isinstance(budget, bool)
    if budget is not None and not (number and budget > 0 and math.isfinite(budget)):
        raise ValueError(f"budget_seconds must be a positive number of seconds, got {budget!r}")


def _graphs(network: CompileResult | Graph, optimized: bool) -> tuple[Graph, Graph]:
    """The graph to export, and the graph whose costs the per-layer report shows."""
    if isinstance(network, Graph):
        return network, network
    return (network.graph if optimized else network.baseline), network.graph


def _thread_count() -> int | None:
    """The threads of this process (Linux), to see how many ONNX Runtime starts."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _options(ort: Any, threads: int | None) -> Any:
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION)
    options.intra_op_num_threads = threads or 0
    options.log_severity_level = 3  # errors only: they are reported as E906
    return options


def _session(ort: Any, data: bytes, options: Any) -> Any:
    try:
        return ort.InferenceSession(data, options, providers=[PROVIDER])
    except Exception as exc:  # ONNX Runtime's errors have no common base class
        raise _runtime_error("cannot load the model", exc) from None


def _runtime_error(what: str, exc: Exception) -> Exception:
    lines = _ORT_PREFIX.sub("", str(exc).strip()).splitlines()
    return error("E906", f"ONNX Runtime {what}: {lines[0] if lines else type(exc).__name__}",
                 hint="this is a limit of ONNX Runtime's CPU provider or of the export; "
                      "`netdsl export` writes the model for a closer look")


def _feeds(session: Any, seed: int) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {i.name: rng.standard_normal([int(d) for d in i.shape], dtype=np.float32)
            for i in session.get_inputs()}


def _runner(session: Any, feeds: dict[str, Any]) -> Callable[[], None]:
    def call() -> None:
        try:
            session.run(None, feeds)
        except Exception as exc:
            raise _runtime_error("cannot run the model", exc) from None

    return call


def _repeat(call: Callable[[], None], *, count: int | None, budget: float | None, minimum: int,
            stage: str, progress: Callable[[Progress], None] | None) -> list[float]:
    """Time ``call`` until ``count`` runs or ``budget`` seconds, and at least ``minimum``."""
    times: list[float] = []
    floor = minimum if count is None else min(minimum, count)
    start = time.perf_counter()
    while count is None or len(times) < count:
        if budget is not None and time.perf_counter() - start >= budget and len(times) >= floor:
            break
        began = time.perf_counter()
        call()
        ended = time.perf_counter()
        times.append(ended - began)
        if progress is not None:
            progress(Progress(stage, len(times), count, ended - start, budget))
    return times


# ---- per layer ----------------------------------------------------------------------------

def _profile(ort: Any, data: bytes, threads: int | None, feeds: dict[str, Any],
             layer_of: dict[str, str], graph: Graph, costs: Graph, *, warmup: int, count: int,
             budget: float | None, progress: Callable[[Progress], None] | None) -> Profile:
    """Run with the profiler on and attribute each kernel's time to netdsl's layers."""
    from netdsl.bridge.ort_fusion import Model, trace

    with tempfile.TemporaryDirectory(prefix="netdsl-bench-") as directory:
        extended = _optimized_model(ort, data, threads, "ORT_ENABLE_EXTENDED", directory)
        options = _options(ort, threads)
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(directory, "profile")
        final_path = _save_optimized(options, directory, "all")
        session = _session(ort, data, options)
        call = _runner(session, feeds)
        _repeat(call, count=warmup, budget=None, minimum=0, stage="warm-up", progress=progress)
        times = _repeat(call, count=count, budget=budget, minimum=3, stage="profiling",
                        progress=progress)
        with open(session.end_profiling(), encoding="utf-8") as stream:
            events = json.load(stream)
        final = _load(final_path)
    original = Model.of(_onnx_graph(data))
    tracing = trace(original, extended).then(trace(extended, final), extended.keys)
    return _attribute(events, len(times), times, final, tracing, layer_of, graph, costs)


def _save_optimized(options: Any, directory: str, name: str) -> str:
    """Have the session write its optimised model (weights apart, not read back)."""
    path = os.path.join(directory, f"{name}.onnx")
    options.optimized_model_filepath = path
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", f"{name}.weights")
    return path


def _optimized_model(ort: Any, data: bytes, threads: int | None, level: str,
                     directory: str) -> Model:
    """The model as ONNX Runtime rewrites it at ``level``, without running it."""
    options = _options(ort, threads)
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    path = _save_optimized(options, directory, level.lower())
    _session(ort, data, options)
    return _load(path)


def _load(path: str) -> Model:
    from netdsl.bridge.ort_fusion import Model

    onnx = require("onnx", "netdsl bench")
    try:
        return Model.of(onnx.load(path, load_external_data=False).graph)
    except Exception as exc:  # the file ONNX Runtime wrote: nothing the user can fix
        raise _runtime_error("wrote an optimised model that cannot be read", exc) from None


def _onnx_graph(data: bytes):
    onnx = require("onnx", "netdsl bench")
    return onnx.load_from_string(data).graph


def _attribute(events: list[dict[str, Any]], kept: int, times: Sequence[float], final: Model,
               tracing: Tracing, layer_of: dict[str, str], graph: Graph,
               costs: Graph) -> Profile:
    """Per-layer times from the profiler's events of the last ``kept`` runs."""
    runs = sorted((e for e in events if e.get("cat") == "Session"
                   and e.get("name") == "model_run"), key=lambda e: e["ts"])[-kept:]
    if not runs:
        raise error("E906", "ONNX Runtime's profile holds no run (no 'model_run' event)",
                    hint="run `netdsl bench` without --per-layer")
    kernels = sorted((e for e in events if e.get("cat") == "Node"
                      and str(e.get("name", "")).endswith("_kernel_time")), key=lambda e: e["ts"])
    node_of = _kernel_nodes(kernels, final)
    hosts = tracing.hosts
    layers_of = {j: _layers(tracing.regions[h], layer_of) for j, h in enumerate(hosts)
                 if h is not None}
    ops = _layer_ops(graph)
    groups = _groups([layers for layers in layers_of.values() if layers], ops)
    group_of = {layer: g for g, members in enumerate(groups) for layer in members}
    per_run, info = _kernel_times(runs, kernels)
    names = list(dict.fromkeys(name for spent in per_run for name in spent))

    def median_of(members: Sequence[str]) -> float:
        return statistics.median(sum(spent.get(n, 0.0) for n in members) for spent in per_run)

    def kernel(name: str) -> Kernel:
        return Kernel(name, *info[name], median_of([name]))

    placed: dict[int, list[str]] = {}
    stray: list[str] = []
    for name in names:
        j = node_of.get(name)
        layers = layers_of.get(j) if j is not None else None
        if layers:
            placed.setdefault(group_of[next(iter(layers))], []).append(name)
        else:
            stray.append(name)
    rows = []
    for g, members in enumerate(groups):
        names_of_group = placed.get(g, [])
        if not names_of_group:
            continue
        maccs, memory = _costs(members, costs)
        rows.append(LayerTime(tuple(members), tuple(ops[name][1] for name in members),
                              median_of(names_of_group),
                              tuple(kernel(n) for n in names_of_group), maccs, memory))
    attributed = [sum(t for n, t in spent.items() if n not in stray) for spent in per_run]
    in_rows = {layer for row in rows for layer in row.layers}
    cost = costs.cost
    return Profile(
        layers=tuple(rows), run_times=tuple(times[-len(per_run):]), attributed=tuple(attributed),
        unattributed_kernels=tuple(kernel(n) for n in stray),
        without_kernel=tuple(name for name in ops if name not in in_rows),
        memory_model=cost.memory_model if cost else "naive",
        cost_batch=cost.batch if cost else 1)


def _kernel_times(runs: list[dict[str, Any]], kernels: list[dict[str, Any]]
                  ) -> tuple[list[dict[str, float]], dict[str, tuple[str, str]]]:
    """For each run, the seconds of each kernel (by name) in it; and each kernel's operator
    and provider. Profiler times are microseconds; a kernel is in the run it starts in."""
    per_run: list[dict[str, float]] = []
    info: dict[str, tuple[str, str]] = {}
    for run in runs:
        spent: dict[str, float] = {}
        for event in kernels:
            if run["ts"] <= event["ts"] <= run["ts"] + run["dur"]:
                name = event["name"][: -len("_kernel_time")]
                spent[name] = spent.get(name, 0.0) + event["dur"] / 1e6
                args = event.get("args", {})
                info.setdefault(name, (str(args.get("op_name", "?")),
                                       str(args.get("provider", "?"))))
        per_run.append(spent)
    return per_run, info


def _kernel_nodes(kernels: list[dict[str, Any]], final: Model) -> dict[str, int]:
    """The optimised node (index) of each kernel name. Nodes ONNX Runtime left unnamed (an
    inlined function) are named ``<op>_<index>`` by the profiler: they are matched to
    the unnamed nodes of the same operator, in order."""
    index = {node.name: j for j, node in enumerate(final.nodes) if node.name}
    unnamed: dict[str, list[int]] = {}
    for j, node in enumerate(final.nodes):
        if not node.name:
            unnamed.setdefault(node.op_type, []).append(j)
    found: dict[str, int] = {}
    for event in kernels:
        name = event["name"][: -len("_kernel_time")]
        if name in found:
            continue
        if name in index:
            found[name] = index[name]
        else:
            queue = unnamed.get(str(event.get("args", {}).get("op_name")), [])
            if queue:
                found[name] = queue.pop(0)
    return found


def _layers(region: frozenset[str], layer_of: dict[str, str]) -> frozenset[str]:
    return frozenset(layer_of[key] for key in region if key in layer_of)


def _layer_ops(graph: Graph) -> dict[str, tuple[int, str]]:
    """Every layer of ``graph``, in network order, with its op: the nodes and, after each,
    the layers netdsl's passes fused into it (exported under their own names)."""
    from netdsl.ir.ops import op_name

    ops: dict[str, tuple[int, str]] = {}
    for node in graph.nodes:
        ops[node.name] = (len(ops), graph.display_op(node))
        for absorbed in node.fused:
            ops.setdefault(absorbed.name, (len(ops), op_name(absorbed.op)))
    return ops


def _groups(sets: Sequence[frozenset[str]], ops: dict[str, tuple[int, str]]) -> list[list[str]]:
    """Layers that share a kernel, joined (union-find), each group in network order."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in sets:
        first, *rest = sorted(members)
        root(first)
        for other in rest:
            parent[root(other)] = root(first)
    grouped: dict[str, list[str]] = {}
    for layer in sorted(parent, key=lambda name: ops[name][0]):
        grouped.setdefault(root(layer), []).append(layer)
    return list(grouped.values())


def _costs(layers: Sequence[str], costs: Graph) -> tuple[int, int]:
    """MACCs and memory accesses of ``layers`` in the costed graph: each layer's own node,
    or the node netdsl folded or fused it into (counted once, with its first layer)."""
    home: dict[str, Node] = {}
    for node in costs.nodes:
        home[node.name] = node
        for absorbed in node.fused:
            home.setdefault(absorbed.name, node)
    nodes = {home[name].name: home[name] for name in layers
             if name in home and home[name].name in layers}
    maccs = sum(n.cost.maccs for n in nodes.values() if n.cost is not None)
    memory = sum(n.cost.memory.total for n in nodes.values() if n.cost is not None)
    return maccs, memory


__all__ = ["OPTIMIZATION", "PROVIDER", "Benchmark", "Kernel", "LayerTime", "Profile",
           "Progress", "bench", "percentile"]
