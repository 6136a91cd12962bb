"""Shared by the ONNX tests: examples compiled with random weights and exported, once each.

Exporting an example and running netdsl's executor on it take seconds for the
large ones (VGG-16, U-Net), so each is done once per test session.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

import netdsl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.net"))
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "onnx"


@functools.cache
def compiled(name: str, **params: Any) -> netdsl.CompileResult:
    """An example (by file stem) compiled with random weights (seed 0)."""
    return netdsl.compile_file(ROOT / "examples" / f"{name}.net", seed=0, params=params)


@functools.cache
def exported(name: str, optimized: bool = False, **params: Any) -> Any:
    """The :class:`~netdsl.bridge.onnx_export.OnnxExport` of an example."""
    from netdsl.bridge.onnx_export import to_onnx

    result = compiled(name, **params)
    return to_onnx(result.graph if optimized else result.baseline)


def run_onnx(model: Any, data: Any) -> Any:
    """ONNX Runtime's output for netdsl-layout ``data`` (N x H x W x C), in netdsl's layout."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    feed = data.transpose(0, 3, 1, 2) if data.ndim == 4 else data
    (name,) = [i.name for i in session.get_inputs()]
    out = session.run(None, {name: np.ascontiguousarray(feed, dtype=np.float32)})[0]
    return out.transpose(0, 2, 3, 1) if out.ndim == 4 else out


def relative_error(actual: Any, expected: Any) -> float:
    """The largest difference, relative to the largest magnitude of ``expected``."""
    return float(np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-30))
