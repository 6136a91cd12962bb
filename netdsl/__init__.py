"""netdsl: a compiler for a compact neural-network description language.

The public API::

    import netdsl
    result = netdsl.compile_file("examples/mobilenet_v2.net", params={"alpha": 1.4})
    result.graph            # the IR: frozen nodes in topological order
    result.output_shape     # (1000,)

Errors in the input raise :class:`NetdslError`, whose ``diagnostics`` each
have a code, a message, a source span and notes.
"""

from netdsl.diagnostics import Diagnostic, NetdslError, Note, Span
from netdsl.driver import CompileResult, compile_file, compile_string
from netdsl.ir import Graph, Node
from netdsl.limits import Limits

__version__ = "0.1.0"

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


def __getattr__(name: str):
    # The reference executor is for checking numerics, not for reporting costs: it is
    # imported on first use so that `netdsl compile` does not load it.
    if name == "execute":
        from netdsl.executor import execute

        # Bind it so later look-ups skip this hook. The module is named
        # ``executor``, not ``execute``: importing a submodule sets the package
        # attribute of its name, which would replace this function by the module.
        globals()["execute"] = execute
        return execute
    # Design sweeps too (and the process pool they may start): only when used. Their
    # module is ``sweeps``, not ``sweep``, for the reason just given.
    if name in ("sweep", "pareto"):
        from netdsl import sweeps

        globals().update(sweep=sweeps.sweep, pareto=sweeps.pareto)
        return globals()[name]
    raise AttributeError(f"module 'netdsl' has no attribute {name!r}")
