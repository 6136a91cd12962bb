"""netdsl: a compiler for a compact neural-network description language.

The public API::

    import netdsl
    result = netdsl.compile_file("examples/mobilenet_v2.net", params={"alpha": 1.4})
    result.graph            # the IR: frozen nodes in topological order
    result.output_shape     # (1000,)

Errors in the input raise :class:`NetdslError`, whose ``diagnostics`` each
have a code, a message, a source span and notes.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from netdsl.diagnostics import Diagnostic, NetdslError, Note, Span
    from netdsl.driver import CompileResult, compile_file, compile_string
    from netdsl.executor import execute
    from netdsl.ir import Graph, Node
    from netdsl.limits import Limits
    from netdsl.sweeps import pareto, sweep

__all__ = [
    "CompileResult",
    "Diagnostic",
    "Graph",
    "Limits",
    "NetdslError",
    "Node",
    "Note",
    "Span",
    "__version__",
    "compile_file",
    "compile_string",
    "execute",
    "pareto",
    "sweep",
]

#: Where each public name lives. They are imported on first use, so that ``import netdsl``
#: (and ``netdsl --version``) loads nothing, and a command loads only the stages it runs:
#: the reference executor and the design sweeps (with their process pool) only when used.
#: ``execute`` lives in ``executor`` and ``sweep`` in ``sweeps``, not in modules of their
#: own names: importing a submodule sets the package attribute of its name, which would
#: replace the function by the module.
_HOMES = {
    "Diagnostic": "netdsl.diagnostics",
    "NetdslError": "netdsl.diagnostics",
    "Note": "netdsl.diagnostics",
    "Span": "netdsl.diagnostics",
    "CompileResult": "netdsl.driver",
    "compile_file": "netdsl.driver",
    "compile_string": "netdsl.driver",
    "Graph": "netdsl.ir",
    "Node": "netdsl.ir",
    "Limits": "netdsl.limits",
    "execute": "netdsl.executor",
    "sweep": "netdsl.sweeps",
    "pareto": "netdsl.sweeps",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'netdsl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
