"""What a pass is: a frozen object with a name, prerequisites and ``run``.

A pass takes a :class:`~netdsl.ir.Graph` and returns a :class:`PassResult`:
the new graph, whether anything changed, and diagnostics (severity ``note``)
explaining what did not fire and why. Passes never mutate their input.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import attrs

from netdsl.diagnostics import Diagnostic
from netdsl.ir.graph import Graph


@attrs.frozen
class PassResult:
    """The outcome of running one pass."""

    graph: Graph
    changed: bool
    diagnostics: tuple[Diagnostic, ...] = ()


class Pass(Protocol):
    """The interface every pass implements."""

    name: ClassVar[str]
    description: ClassVar[str]
    requires: tuple[str, ...]

    def run(self, graph: Graph) -> PassResult: ...
