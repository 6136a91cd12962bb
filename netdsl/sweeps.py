"""Design sweeps: every combination of parameter values compiled, and the Pareto set.

"Which variant is best for my budget?" A sweep compiles one network for each
point of a grid of parameter values (the cartesian product, in the order the
grid gives) and keeps each variant's whole-network figures::

    import netdsl
    from netdsl.sweeps import pareto

    rows = netdsl.sweep("examples/mobilenet_v2.net",
                        {"alpha": [0.35, 0.5, 0.75, 1.0, 1.4], "size": [128, 160, 192, 224]})
    # For each memory budget, the variant that computes the most.
    best = [row for row in pareto(rows, "memory_accesses", "+maccs") if row.pareto]

The source is parsed once (:func:`netdsl.driver.parse_module`): each variant
only elaborates it and runs the passes. Many variants are compiled in worker
processes, each of which parses once too. A variant that does not compile (a
size too small for the network's strides) is a row holding its error, never an
exception; problems every variant would share (a syntax error, a parameter the
network does not have, an unknown device) are raised before anything is compiled.

:func:`pareto` marks the variants no other variant beats on two figures. A
figure is minimised unless written ``+name`` (maximised; ``-name`` says
minimised explicitly, see :class:`Objective`): every figure of a network family
grows with its width and resolution, so minimising two of them crowns the
smallest variant alone, whereas a cost minimised against a capacity maximised
(``latency`` and ``+maccs``: the most computation, the usual proxy for
accuracy, for each latency budget) gives the front a designer chooses from.
:mod:`netdsl.backends.sweep_report` renders rows as text, JSON, CSV or
Markdown, and :mod:`netdsl.backends.sweep_chart` draws them (the plot extra).
"""

from __future__ import annotations

import itertools
import math
import os
import pickle
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from netdsl.diagnostics import Diagnostic, NetdslError, Span, did_you_mean, error
from netdsl.limits import Limits

#: The figures a sweep keeps for each variant, by name, with how tables label them.
#: ``latency`` and ``energy`` are the estimates on the device (``device=``), per batch.
FIGURES: dict[str, str] = {
    "params": "parameters",
    "maccs": "MACCs",
    "flops": "FLOPs",
    "memory_accesses": "memory accesses",
    "peak_activation_bytes": "peak activation bytes",
    "model_bytes": "model bytes",
    "layers": "layers",
    "latency": "estimated latency",
    "energy": "estimated energy",
}
#: The figures that need an estimate on a device.
ESTIMATED = ("latency", "energy")
#: The key of each figure in :meth:`SweepRow.as_dict` and the JSON and CSV reports: the
#: attribute of :class:`SweepRow` holding it (``latency_seconds``, ``energy_joules``).
KEYS: dict[str, str] = {**{name: name for name in FIGURES}, "latency": "latency_seconds",
                        "energy": "energy_joules"}

#: What the reports and :meth:`SweepRow.as_dict` write beside the swept parameters, in
#: lower case: a parameter named so is written ``arg.NAME`` (:func:`argument_key`).
RESERVED = frozenset({"index", "pareto", "error", *FIGURES, *KEYS.values()})

#: Below this many variants a sweep runs in this process by default: starting
#: worker processes costs more than compiling a few networks (about 25 ms each).
PROCESS_THRESHOLD = 16
#: A sweep compiles at most this many variants (E309 beyond): a grid typed by mistake
#: with thousands of values per parameter is refused at once, not compiled for hours.
MAX_VARIANTS = 10_000


@attrs.frozen
class SweepRow:
    """One variant of a sweep: its arguments and figures, or the error it stopped at.

    ``arguments`` holds the swept parameters' values (in the grid's order),
    ``index`` the variant's place in the grid's order. The figures are those of
    the compiled network after the passes (by default batch norm folded:
    ``params`` is the count of the deployed model); ``memory_accesses`` counts
    elements under the sweep's memory model, ``peak_activation_bytes`` and
    ``model_bytes`` bytes of its dtype; ``layers`` counts layers after the
    passes (folding and fusion remove some). ``passes`` names the passes that
    ran, in order (None when not known: a row built by hand).
    ``latency_seconds`` and ``energy_joules`` (per batch) are set when the sweep
    estimated on a device (``device``, the profile's name). A variant that failed
    has ``error`` (its first diagnostic) and no figures. ``pareto`` is set by
    :func:`pareto`.
    """

    index: int
    arguments: Mapping[str, Any] = attrs.field(hash=False)
    network: str | None = None
    params: int | None = None
    maccs: int | None = None
    flops: int | None = None
    memory_accesses: int | None = None
    peak_activation_bytes: int | None = None
    model_bytes: int | None = None
    layers: int | None = None
    latency_seconds: float | None = None
    energy_joules: float | None = None
    #: The name of the device the latency and energy were estimated on.
    device: str | None = None
    error: Diagnostic | None = None
    #: Warnings and notes of a variant that compiled (W401, N204).
    warnings: tuple[Diagnostic, ...] = ()
    pareto: bool = False
    #: The passes that compiled the variant, in order (None: not recorded).
    passes: tuple[str, ...] | None = None

    @property
    def ok(self) -> bool:
        """Whether the variant compiled."""
        return self.error is None

    @property
    def label(self) -> str:
        """The arguments as written on a command line: ``alpha=0.35, size=128``."""
        from netdsl.ir.printer import format_argument

        return ", ".join(f"{k}={format_argument(v)}" for k, v in self.arguments.items())

    def figure(self, name: str) -> int | float | None:
        """The figure ``name`` (a key of :data:`FIGURES`; ``latency`` in seconds,
        ``energy`` in joules), None when the variant failed or was not estimated."""
        return getattr(self, KEYS[figure_name(name)])

    def as_dict(self) -> dict[str, Any]:
        """A flat record: the arguments, ``pareto``, every figure and ``error`` (its one-line
        form, or None), ready for ``pandas.DataFrame(row.as_dict() for row in rows)``.

        An argument is keyed as the CSV report heads it (:func:`argument_key`): a
        parameter named like a figure (``layers``) is ``arg.layers``, beside the figure."""
        record: dict[str, Any] = {argument_key(name): value
                                  for name, value in self.arguments.items()}
        record["pareto"] = self.pareto
        record.update((KEYS[name], self.figure(name)) for name in FIGURES)
        record["error"] = None if self.error is None else self.error.one_line()
        return record


def argument_key(name: str) -> str:
    """The column (text, Markdown, CSV) or key (:meth:`SweepRow.as_dict`) of the swept
    parameter ``name``: ``arg.NAME`` when a report also has a column of that name, in any
    case (``index``, ``pareto``, ``error``, a figure such as ``layers`` or
    ``latency_seconds``: :data:`RESERVED`), so that the argument and the figure are both
    there and never confused; else ``name`` itself. The JSON report keeps arguments apart
    (``arguments``) and uses the bare names."""
    return f"arg.{name}" if name.lower() in RESERVED else name


def figure_name(name: str) -> str:
    """The figure ``name`` names: itself, or the one figure it begins (``memory`` for
    ``memory_accesses``); ValueError, with the closest name, for anything else (a
    direction, ``+maccs``, is an :class:`Objective`, not a figure's name)."""
    resolved = _resolve(name)
    if resolved is not None:
        return resolved
    sign, rest = name[:1], name[1:].strip()
    if sign in _SIGNS and _resolve(rest) is not None:
        raise ValueError(f"{name!r} is a figure with a direction (for a Pareto set or a "
                         f"sort), not a figure's name; the figure is {_resolve(rest)!r}")
    raise _unknown(name, "")


#: The prefixes of an objective: maximised, or minimised (the default, without one).
_SIGNS = {"+": True, "-": False}


def _resolve(name: str) -> str | None:
    """The figure ``name`` is or uniquely begins, else None."""
    if name in FIGURES:
        return name
    starting = [figure for figure in FIGURES if figure.startswith(name)] if name else []
    return starting[0] if len(starting) == 1 else None


def _unknown(name: str, sign: str) -> ValueError:
    """The error for a name that is no figure: the closest one, with the same ``sign``."""
    close = did_you_mean(name, FIGURES)
    if close and sign:
        close = close.replace("'", f"'{sign}", 1)  # did you mean '+maccs'?
    signs = "; each minimised, or maximised written +name" if sign else ""
    return ValueError(f"unknown figure {sign + name!r}" + (f" ({close})" if close else "")
                      + f"; figures: {', '.join(FIGURES)}{signs}")


@attrs.frozen
class Objective:
    """A figure and the direction it is better in: what ``latency`` or ``+maccs`` names.

    ``maximise`` False (the default) means smaller is better, as for every cost
    (latency, memory accesses, parameters as model size); True, larger is better,
    as for MACCs or parameters taken as a proxy for capacity and accuracy.
    ``str()`` gives the spelling :func:`objective` reads back: ``+maccs``, or
    the bare name when minimised.
    """

    figure: str
    maximise: bool = False

    @property
    def goal(self) -> str:
        """``min`` or ``max``, as the JSON report states it."""
        return "max" if self.maximise else "min"

    @property
    def label(self) -> str:
        """How tables name the figure (:data:`FIGURES`): ``MACCs``, ``memory accesses``."""
        return FIGURES[self.figure]

    def key(self, row: SweepRow) -> float:
        """The row's figure with the sign that makes smaller better: negated when maximised.

        None (a failed row) is 0: callers order failed rows apart."""
        value = row.figure(self.figure) or 0
        return -value if self.maximise else value

    def __str__(self) -> str:
        return ("+" if self.maximise else "") + self.figure


def objective(spec: str | Objective) -> Objective:
    """The :class:`Objective` ``spec`` names: a figure (or a unique beginning of one),
    minimised, prefixed ``+`` to maximise it or ``-`` to say minimised explicitly
    (``+maccs``, ``-latency``, ``+mem``). ValueError, with the closest name and the
    same prefix (``did you mean '+maccs'?``), for anything else."""
    if isinstance(spec, Objective):
        return Objective(figure_name(spec.figure), spec.maximise)
    if not isinstance(spec, str):
        raise TypeError(f"a figure is a name such as 'maccs' or '+maccs', got {spec!r}")
    text = spec.strip()
    sign = text[:1] if text[:1] in _SIGNS else ""
    name = text[len(sign):].strip()
    resolved = _resolve(name)
    if resolved is None:
        raise _unknown(name, sign)
    return Objective(resolved, _SIGNS.get(sign, False))


def pareto(rows: Iterable[SweepRow], x: str | Objective, y: str | Objective) -> list[SweepRow]:
    """``rows`` in the same order, each with ``pareto`` set: True when no other variant is
    at least as good on both figures ``x`` and ``y`` and better on one.

    A figure is minimised, or maximised when written ``+name`` (:func:`objective`):
    ``pareto(rows, "latency", "+maccs")`` keeps, for each latency, the variant with
    the most MACCs. Variants with equal figures are both optimal or both not; failed
    variants never are. E603 when ``x`` or ``y`` is an estimate (latency, energy) and
    a variant that compiled has none (the sweep had no device); ValueError for an
    unknown figure.
    """
    rows = list(rows)
    x, y = objective(x), objective(y)
    points: dict[tuple[float, float], list[int]] = {}
    for i, row in enumerate(rows):
        if not row.ok:
            continue
        for goal in (x, y):
            if row.figure(goal.figure) is None:
                raise no_estimate_error(goal.figure)
        # Keys in which smaller is better, whatever the directions: the rest is one case.
        points.setdefault((x.key(row), y.key(row)), []).append(i)
    optimal: set[int] = set()
    lowest = math.inf  # the least y key of the points before, in order of (x, y) keys
    for (_, point_y), members in sorted(points.items()):
        # Every point before this one is better on x, or as good on x and better on y:
        # it dominates this one exactly when it is at least as good on y.
        if point_y < lowest:
            optimal.update(members)
            lowest = point_y
    return [attrs.evolve(row, pareto=i in optimal) for i, row in enumerate(rows)]


def default_figures(estimated: bool) -> tuple[str, str]:
    """The two objectives a Pareto set is drawn on by default, a cost minimised against
    MACCs maximised: memory accesses and ``+maccs`` (the most computation for the memory
    traffic), or with an estimate on a device, latency and ``+maccs``."""
    return ("latency", "+maccs") if estimated else ("memory_accesses", "+maccs")


def sort_rows(rows: Iterable[SweepRow], figure: str | Objective | None) -> list[SweepRow]:
    """``rows`` by ``figure``, smallest first, or largest first for a maximised one
    (``+maccs``; None: in the grid's order); variants with equal figures in the grid's
    order, failed variants last."""
    if figure is None:
        return sorted(rows, key=lambda row: row.index)
    goal = objective(figure)
    return sorted(rows, key=lambda row: (not row.ok, goal.key(row), row.index))


def no_estimate_error(name: str) -> NetdslError:
    """E603: the figure ``name`` is an estimate, and there is no device to estimate on."""
    return error("E603", f"the figure '{name}' is an estimate on a device, and the sweep "
                 "has none", hint="give --device NAME (in Python: sweep(..., device=NAME))")


# ---- the sweep ----------------------------------------------------------------------


@attrs.frozen
class _Job:
    """What every variant shares; sent once to each worker process."""

    text: str
    filename: str | None
    params: Mapping[str, Any]
    options: Mapping[str, Any]


def sweep(
    source: str | os.PathLike[str],
    grid: Mapping[str, Iterable[Any]],
    *,
    params: Mapping[str, Any] | None = None,
    device: Any = None,
    dtype: str = "fp32",
    batch: int = 1,
    memory_model: str = "naive",
    passes: Sequence[str] | None = None,
    pass_options: Mapping[str, Mapping[str, object]] | None = None,
    limits: Limits | None = None,
    filename: str | None = None,
    jobs: int | None = None,
) -> list[SweepRow]:
    """Compile every combination of the ``grid``'s values; one :class:`SweepRow` each.

    ``source`` is the path of a ``.net`` file (a :class:`~pathlib.Path`, or a
    string without a line break) or netdsl source text (a string with line
    breaks: every network takes at least two lines), whose imports resolve
    relative to ``filename``. ``grid`` maps parameter names of the network to
    the values to try: numbers, booleans, strings or lists, as for ``params``;
    the variants are the cartesian product, the first parameter varying
    slowest, and the rows come back in that order. ``params`` fixes other
    parameters for every variant. ``device``, ``dtype``, ``batch``,
    ``memory_model``, ``passes``, ``pass_options`` and ``limits`` are as for
    :func:`netdsl.compile_string`; with a device each row has the estimated
    latency and energy.

    ``jobs`` is the number of worker processes: 1 compiles in this process;
    None uses one per CPU when there are more than :data:`PROCESS_THRESHOLD`
    variants and more than one CPU, else this process. A ``device`` given as
    a profile object that cannot be sent to another process (a shipped
    profile's read-only mappings) is compiled in this process; give its name
    or path to use workers.

    Raises :class:`NetdslError` for what every variant would fail at: the
    source unreadable or not parsing, E203 for a grid or ``params`` name the
    network does not have (with the closest name), E309 for a grid with no
    values or more than :data:`MAX_VARIANTS` variants, a value given twice, a
    name both swept and fixed, or a value that is not a number, boolean, string
    or list; E601-E606 for the passes, their
    options and the device. ValueError for ``jobs`` below 1.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a positive integer or None, got {jobs!r}")
    from netdsl.driver import _limits

    limits = _limits(limits, None)
    text, filename = _read_source(source, filename, limits)
    axes = _check_grid(grid, params or {})
    _check_names(text, filename, limits, [*axes, *(params or {})])
    options: dict[str, Any] = {"dtype": dtype, "batch": batch, "memory_model": memory_model,
                               "passes": passes, "pass_options": pass_options,
                               "limits": limits, "device": device}
    loaded = _check_options(options)
    job = _Job(text, filename, dict(params or {}), options)
    names = list(axes)
    variants = [(i, dict(zip(names, values, strict=True)))
                for i, values in enumerate(itertools.product(*axes.values()))]
    workers = _workers(jobs, len(variants))
    if workers > 1 and not _picklable(device):
        workers = 1
    if workers == 1:  # the profile loaded once, rather than once per variant
        here = attrs.evolve(job, options={**options, "device": loaded or device})
        return [_compile_variant(here, index, arguments) for index, arguments in variants]
    return _in_processes(job, variants, workers)


def _read_source(source: str | os.PathLike[str], filename: str | None,
                 limits: Limits) -> tuple[str, str | None]:
    """The source text and the name its messages give it."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source, filename
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"sweep() needs a path or source text, got {type(source).__name__}")
    from netdsl.reading import read_file

    name = filename or os.fspath(source)
    return read_file(source, limits, name=name), name


def _check_grid(grid: Mapping[str, Iterable[Any]],
                params: Mapping[str, Any]) -> dict[str, tuple[Any, ...]]:
    """The grid's values as tuples (lists inside values as tuples), checked."""
    from netdsl.driver import _normalise

    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must map parameter names to values, got {type(grid).__name__}")
    axes: dict[str, tuple[Any, ...]] = {}
    variants = 1
    for name, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise error("E309", f"the values of parameter '{name}' must be a list, got "
                        f"{values!r}", hint=f"for example {{'{name}': [0.5, 1.0]}}")
        # At most one value more than a sweep may have: an endless iterable stops here.
        values = tuple(_normalise({name: v})[name]
                       for v in itertools.islice(values, MAX_VARIANTS + 1))
        if not values:
            raise error("E309", f"parameter '{name}' has no values to sweep",
                        hint="give at least one value")
        for value in values:
            _check_value(name, value)
        variants *= len(values)
        check_variant_count(variants)
        seen: dict[Any, Any] = {}
        for value in values:
            other = seen.setdefault(_key(value), value)
            if other is not value:
                again = "" if repr(value) == repr(other) else f" (as {_shown(value)})"
                raise error("E309", f"parameter '{name}' is given the value "
                            f"{_shown(other)} twice{again}", hint="give each value once")
        if name in params:
            raise error("E309", f"parameter '{name}' is both swept and fixed",
                        hint="give it a list of values or one fixed value, not both")
        axes[name] = values
    for name, value in params.items():
        _check_value(name, _normalise({name: value})[name])
    return axes


def check_variant_count(count: int) -> None:
    """E309 when a grid has more than :data:`MAX_VARIANTS` variants."""
    if count > MAX_VARIANTS:
        raise error("E309", f"the grid has more than {MAX_VARIANTS:,} variants",
                    hint="sweep fewer values at once, or fix some parameters with --set")


def _check_value(name: str, value: Any) -> None:
    """E309 unless ``value`` is something a network parameter can be."""
    if not _is_value(value):
        raise error("E309", f"invalid value for parameter '{name}': {value!r}",
                    hint="a value is a number, true/false, a string or a list of them")


def _is_value(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_is_value(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str)


def _key(value: Any) -> Any:
    """A key equal for values equal as arguments: 1 and 1.0 are the same size, True and 1
    are not; lists compare element by element."""
    if isinstance(value, tuple):
        return ("list", tuple(_key(item) for item in value))
    return ("value", isinstance(value, bool), value)


def _shown(value: Any) -> str:
    from netdsl.ir.printer import format_argument

    return format_argument(value)


def _check_names(text: str, filename: str | None, limits: Limits,
                 names: Sequence[str]) -> None:
    """Parse the source (the cache keeps it for every variant); E203 for a name that is
    not a parameter of its network."""
    from netdsl.driver import elaborate_string, parse_module
    from netdsl.limits import stack_headroom
    from netdsl.syntax import ast

    with stack_headroom(limits):
        module = parse_module(text, filename or "<string>", limits)
    nets = [item for item in module.items if isinstance(item, ast.NetDef)]
    if len(nets) != 1:
        elaborate_string(text, filename=filename, limits=limits)  # E205 or E206
    net = nets[0]
    declared = [p.name for p in net.params]
    for name in names:
        if name not in declared:
            raise error("E203", f"network '{net.name}' has no parameter '{name}'",
                        _header(net.span), hint=did_you_mean(name, declared)
                        or f"its parameters are ({', '.join(declared) or 'none'})")


def _header(span: Span | None) -> Span | None:
    """The first line of the network's definition, where E203 points."""
    if span is None or span.end_line == span.line:
        return span
    text = span.source.line(span.line)
    return Span(span.source, span.line, span.column, span.line, len(text.rstrip()) + 1)


def _check_options(options: Mapping[str, Any]) -> Any:
    """Build each pass as the variants will (E601-E606: passes, options, the device) and
    check that the device runs the dtype (E606), once, before any variant; the device
    loaded, or None."""
    from netdsl.driver import _with_device
    from netdsl.passes import DEFAULT_PIPELINE, check_pass_options, check_pipeline, make_pass

    passes = options["passes"]
    names, pass_options = _with_device(
        tuple(passes) if passes is not None else DEFAULT_PIPELINE, options["pass_options"],
        options["device"])
    check_pipeline(names)
    check_pass_options(names, pass_options)
    conventions = {k: options[k] for k in ("dtype", "batch", "memory_model")}
    loaded = None
    for name in names:
        made = make_pass(name, conventions, pass_options.get(name))
        if name == "estimate-latency" and made.device is not None:
            loaded = made.device
            loaded.peak(options["dtype"])
    return loaded


def _workers(jobs: int | None, variants: int) -> int:
    """How many processes compile ``variants`` variants."""
    if jobs is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
        jobs = cpus if variants > PROCESS_THRESHOLD and cpus > 1 else 1
    return max(1, min(jobs, variants))


def _picklable(value: Any) -> bool:
    if value is None or isinstance(value, str | os.PathLike):
        return True
    try:
        pickle.dumps(value)
    except Exception:  # whatever the object's pickling raises, it cannot travel
        return False
    return True


def _compile_variant(job: _Job, index: int, arguments: Mapping[str, Any]) -> SweepRow:
    """One variant compiled: its row, with its first error if it fails."""
    from netdsl.driver import compile_string

    try:
        result = compile_string(job.text, filename=job.filename,
                                params={**job.params, **arguments}, **job.options)
    except NetdslError as exc:
        return SweepRow(index, dict(arguments), error=exc.diagnostics[0])
    cost = result.totals
    estimate = cost.estimate
    return SweepRow(
        index, dict(arguments), network=result.name, params=cost.params.total,
        maccs=cost.maccs, flops=cost.flops, memory_accesses=cost.memory.total,
        peak_activation_bytes=cost.peak_bytes, model_bytes=cost.model_bytes,
        layers=len(result.graph),
        latency_seconds=None if estimate is None else estimate.seconds,
        energy_joules=None if estimate is None else estimate.energy_joules,
        device=None if estimate is None else estimate.device, warnings=result.warnings,
        passes=tuple(result.options.passes))


# The job of a worker process, set once when it starts (sent once, not with every variant).
_WORKER_JOB: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _compile_in_worker(variant: tuple[int, Mapping[str, Any]]) -> SweepRow:
    assert _WORKER_JOB is not None, "the worker was not started with its job"
    return _compile_variant(_WORKER_JOB, *variant)


def _in_processes(job: _Job, variants: list[tuple[int, dict[str, Any]]],
                  workers: int) -> list[SweepRow]:
    """The variants compiled by ``workers`` processes, in the grid's order."""
    from concurrent.futures import ProcessPoolExecutor

    # A few chunks per worker: few round trips, and a slow chunk cannot hold up the end.
    chunk = max(1, math.ceil(len(variants) / (4 * workers)))
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(job,)) as pool:
        return list(pool.map(_compile_in_worker, variants, chunksize=chunk))


__all__ = ["ESTIMATED", "FIGURES", "KEYS", "RESERVED", "Objective", "SweepRow", "argument_key",
           "default_figures", "figure_name", "objective", "pareto", "sort_rows", "sweep"]
