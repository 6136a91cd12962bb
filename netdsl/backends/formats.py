"""The output formats: one registry the command line, ``CompileResult`` and ``compare`` share.

Each :class:`Format` names its renderers by import path, so nothing heavy is
imported until a format is used. A report format is one module with
``render(result, view) -> str`` (and, to appear in ``netdsl compare``,
``render_compare(labels, results, benches, width) -> str``, where formats
that do not wrap ignore ``width``); adding an entry here is
all it takes for ``--format NAME``, the ``-o`` suffixes and
``CompileResult.report(NAME)`` to know it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from netdsl.bridge.bench import Benchmark
    from netdsl.driver import CompileResult


@attrs.frozen
class View:
    """What a report shows: its width, how far blocks are rolled up, all or a summary.

    ``width``: columns of the terminal (the text report); ``depth``: block
    instances nested this deep are one row each (None: every layer;
    :mod:`netdsl.backends.rollup`); ``expand``: instance paths or patterns
    never rolled up; ``summary``: the totals, savings and largest layers only.
    """

    width: int = 120
    depth: int | None = None
    expand: tuple[str, ...] = ()
    summary: bool = False

    def __attrs_post_init__(self) -> None:
        if self.depth is not None and self.depth < 1:
            raise ValueError(f"depth must be 1 or more, not {self.depth}")


#: Every layer, 120 columns: what a report shows unless told otherwise.
DEFAULT_VIEW = View()


@attrs.frozen
class Format:
    """One output format: its name, kind, file suffixes and renderers.

    ``kind`` is ``report`` (a table of figures: text, JSON, CSV, Markdown),
    ``ir`` (the canonical IR text) or ``diagram`` (the drawing, as DOT text or
    an image Graphviz renders); ``binary`` formats are bytes, not text.
    ``renderer`` and ``comparer`` are ``module:function`` paths.
    """

    name: str
    kind: str
    suffixes: tuple[str, ...]
    description: str
    renderer: str | None = None
    comparer: str | None = None
    binary: bool = False


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", "report", (".txt",), "the terminal report: layer table, totals, conventions",
           "netdsl.backends.text:render", "netdsl.backends.compare:render_compare_text"),
    Format("json", "report", (".json",), "the versioned JSON report (docs/reports.md)",
           "netdsl.backends.json_report:render",
           "netdsl.backends.compare:render_compare_json"),
    Format("csv", "report", (".csv",), "one CSV row per layer (or rolled-up block)",
           "netdsl.backends.csv_report:render", "netdsl.backends.compare:render_compare_csv"),
    Format("markdown", "report", (".md",), "Markdown tables for a pull request or README",
           "netdsl.backends.markdown:render",
           "netdsl.backends.compare:render_compare_markdown"),
    Format("ir", "ir", (".ir",), "the canonical IR text after the passes"),
    Format("dot", "diagram", (".dot", ".gv"), "the annotated graph as Graphviz DOT text"),
    Format("svg", "diagram", (".svg",), "the diagram drawn by Graphviz as SVG"),
    Format("png", "diagram", (".png",), "the diagram drawn by Graphviz as PNG", binary=True),
    Format("pdf", "diagram", (".pdf",), "the diagram drawn by Graphviz as PDF", binary=True),
)}


def names(kind: str | None = None) -> tuple[str, ...]:
    """The formats' names, in registry order; only those of ``kind`` when given."""
    return tuple(name for name, f in FORMATS.items() if kind is None or f.kind == kind)


def from_suffix(path: str | None) -> str | None:
    """The format a file name's suffix implies (``.md`` -> ``markdown``), or None."""
    suffix = os.path.splitext(path or "")[1].lower()
    return next((f.name for f in FORMATS.values() if suffix in f.suffixes), None)


def _load(path: str) -> Callable[..., str]:
    module, _, function = path.partition(":")
    return getattr(importlib.import_module(module), function)


def _report(name: str) -> Format:
    found = FORMATS.get(name)
    if found is None or found.kind != "report":
        raise ValueError(f"unknown report format {name!r}: expected one of "
                         f"{', '.join(names('report'))}")
    return found


def render_report(result: CompileResult, name: str, view: View = DEFAULT_VIEW) -> str:
    """The report ``name`` (``text``, ``json``, ``csv``, ``markdown``) of ``result``."""
    renderer = _report(name).renderer
    assert renderer is not None
    return _load(renderer)(result, view)


def render_comparison(name: str, labels: Sequence[str], results: Sequence[CompileResult],
                      benches: Sequence[Benchmark] | None = None, width: int = 120) -> str:
    """The ``netdsl compare`` table of ``results`` in the report format ``name``, for a
    terminal ``width`` columns wide."""
    comparer = _report(name).comparer
    if comparer is None:
        raise ValueError(f"the {name} format has no comparison")
    return _load(comparer)(labels, results, benches, width)


__all__ = ["DEFAULT_VIEW", "FORMATS", "Format", "View", "from_suffix", "names",
           "render_comparison", "render_report"]
