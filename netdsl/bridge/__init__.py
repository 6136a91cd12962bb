"""Bridges to other tools: ONNX export and import, measured latency with ONNX Runtime.

Everything here needs the optional ``onnx`` extra (``pip install 'netdsl[onnx]'``:
the ``onnx`` and ``onnxruntime`` packages). They are imported only when a
bridge is used, through :func:`require`, so the core install and its start-up
time do not depend on them; without them a command says what to install (E901).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from netdsl.diagnostics import error

#: What to install for each optional module, and which extra provides it.
EXTRAS = {"onnx": "onnx", "onnxruntime": "onnx", "matplotlib": "plot",
          "pandas": "notebook"}


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional ``module``, or raise E901 saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module, module)
        raise error("E901", f"{purpose} needs the Python package '{module}', which is not "
                    f"installed ({exc})",
                    hint=f"install the '{extra}' extra: pip install 'netdsl[{extra}]'") from None


__all__ = ["EXTRAS", "require"]
