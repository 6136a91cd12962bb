"""The compiler driver: source text to a compiled, annotated result.

``compile_string`` and ``compile_file`` run the whole pipeline: parse,
elaborate (which infers shapes as it builds the graph), then the passes.
They raise :class:`~netdsl.diagnostics.NetdslError` for any problem in the
input and never let another exception escape for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from netdsl.diagnostics import NetdslError, error
from netdsl.elaborate.elaborator import DEFAULT_MAX_NODES, Elaborator, ModuleLoader
from netdsl.ir.graph import Graph
from netdsl.ir.printer import print_graph
from netdsl.syntax.parser import parse


def stdlib_path() -> Path:
    """The folder of the standard block library shipped with the package."""
    return Path(str(resources.files("netdsl") / "stdlib"))


@attrs.frozen
class CompileResult:
    """What compiling a network gives: its graph and the values of its parameters."""

    graph: Graph

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.graph.arguments)

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        return self.graph.output_shape

    def to_ir(self) -> str:
        """The canonical IR text (``netdsl compile --format ir``)."""
        return print_graph(self.graph)


def _normalise(params: Mapping[str, Any] | None) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(convert(v) for v in value)
        return value

    return {k: convert(v) for k, v in (params or {}).items()}


def compile_string(
    text: str,
    *,
    filename: str | None = None,
    params: Mapping[str, Any] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> CompileResult:
    """Compile netdsl source ``text``; imports resolve relative to ``filename``."""
    name = filename or "<string>"
    try:
        module = parse(text, name)
        loader = ModuleLoader(parse, (stdlib_path(),))
        graph = Elaborator(loader, max_nodes).elaborate(module, _normalise(params))
    except RecursionError:
        raise error("E501", "the input nests too deeply to compile",
                    hint="reduce the nesting of brackets, blocks or function calls") from None
    return CompileResult(graph)


def compile_file(
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> CompileResult:
    """Read and compile the network in ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error("E100", f"cannot read '{path}': {reason}") from None
    return compile_string(text, filename=str(path), params=params, max_nodes=max_nodes)


__all__ = ["CompileResult", "NetdslError", "compile_file", "compile_string", "stdlib_path"]
