"""The benchmark scripts run and print every row they promise (docs/performance.md).

Each script runs in its ``--quick`` mode (tiny sizes, two rounds) so that a change to
netdsl's API cannot leave a benchmark broken unnoticed. Timings are never asserted: only
that each row is there with figures in it, and the figures that do not depend on the
clock (layer counts, parameter counts, the baseline's multiple of itself).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import netdsl

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
HAS_ONNX_TOOL = importlib.util.find_spec("onnx_tool") is not None
INSTALL_HINT = "onnx-tool not installed: pip install -e '.[bench]'"
NUMBER = r"[\d,]+(?:\.\d+)?"


def run_script(name: str, *arguments: str) -> str:
    done = subprocess.run([sys.executable, str(BENCHMARKS / name), *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(output: str, label: str) -> str:
    """The one line of ``output`` that starts (after indentation) with ``label``."""
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label)]
    return line


def test_startup_prints_each_command_beside_the_baseline() -> None:
    output = run_script("bench_startup.py", "--quick")
    assert "2 rounds alternating the commands" in output
    figures = rf"\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})"
    baseline = re.search(figures, row(output, "python -c pass (baseline)"))
    assert baseline is not None and baseline.group(3) == baseline.group(4) == "1.00"
    assert re.search(figures + r"\s*$", row(output, "netdsl --version"))
    assert re.search(figures + r"\s+<= 4x: (met|MISSED)$",
                     row(output, "netdsl check mobilenet_v2.net"))
    assert re.search(figures + r"\s+<= 5x: (met|MISSED)$",
                     row(output, "netdsl compile mobilenet_v2.net > /dev/null"))
    if HAS_ONNX_TOOL:
        assert INSTALL_HINT not in output
        assert re.search(figures, row(output, "onnx-tool CLI: per-node table of the .onnx"))
        assert re.search(figures, row(output, "onnx-tool API: Model, shape_infer, profile"))
        # both tools read the same exported network: the parameters agree
        assert "3,538,984 parameters; netdsl 300,774,272 MACCs and 3,538,984 parameters" \
            in output
    else:
        assert INSTALL_HINT in output and "onnx-tool CLI" not in output

    modules = re.search(r"(\d+) in sys.modules at exit, (\d+) more than `python -c pass`: "
                        r"netdsl (\d+),.*standard library (\d+)$", output, re.MULTILINE)
    assert modules is not None
    loaded, extra, ours, _ = (int(x) for x in modules.groups())
    assert 0 < ours <= extra < loaded
    listed = output.split("cumulative    self  module\n")[1].splitlines()
    assert len(listed) == 15
    assert all(re.match(rf"\s+{NUMBER}\s+{NUMBER}\s+[\w.]+$", line) for line in listed)
    assert any(line.split()[-1] == "netdsl.cli" for line in listed)


def test_scale_prints_each_size_form_and_target() -> None:
    output = run_script("bench_scale.py", "--quick")
    for form in ("lines", "repeat"):
        for layers in ("100", "301"):  # 33 and 100 conv-BN-ReLU units after the input
            lines = [line for line in output.splitlines()
                     if re.match(rf"\s+{form}\s+{layers}\s", line)]
            assert len(lines) == 1
            assert re.match(rf"\s+{form}\s+{layers}\s+2(\s+{NUMBER}){{10}}$", lines[0]), lines
        assert re.search(rf"{form}: time per layer at 301 / at 100 layers {NUMBER}x, target "
                         r"<= 1.3 at 100k / 1k: (met|MISSED)", output)
        assert re.search(rf"{form}: peak memory {NUMBER} bytes per layer at 301 layers, "
                         r"target <= 2,048: (met|MISSED)", output)
    if HAS_ONNX_TOOL:
        assert "The 301-layer chain against onnx-tool's analysis of its ONNX export" in output
        assert "parameters: netdsl 236,800, onnx-tool 236,800; netdsl 14,745,600 MACCs" \
            in output
        assert re.search(rf"onnx-tool model_profile \(per-node table\)\s+median\s+{NUMBER} s",
                         output)
        for form in ("lines", "repeat"):
            assert re.search(rf"netdsl, {form} form, to text report\s+median\s+{NUMBER} s\s+"
                             rf"min\s+{NUMBER} s\s+netdsl / onnx-tool {NUMBER} "
                             r"\(target <= 0.3: (met|MISSED)\)", output)
    else:
        assert INSTALL_HINT in output and "model_profile" not in output


@pytest.mark.skipif(not HAS_ONNX_TOOL, reason="without onnx-tool the test above covers this")
def test_scale_without_onnx_tool_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == "onnx_tool" else find_spec(name, *rest))
    load("bench_scale").main(["--quick"])
    output = capsys.readouterr().out
    assert output.rstrip().endswith(INSTALL_HINT)
    assert "model_profile" not in output and "repeat: peak memory" in output


def test_scale_profile_lists_the_top_functions() -> None:
    output = run_script("bench_scale.py", "--profile", "100")
    for form in ("lines", "repeat"):
        section = output.split(f"the {form} chain of 100 layers to text report")[1]
        table = section.split("ncalls")[1].split("cProfile")[0].strip().splitlines()
        assert len(table) == 16  # the header's remainder, then 15 functions
        assert all(re.match(r"\s*[\d/]+\s+\d+\.\d+", line) for line in table[1:])


@pytest.mark.parametrize("form", ["lines", "repeat"])
def test_scale_chains_are_the_same_network(form: str) -> None:
    chain = load("bench_scale").chain_source
    result = netdsl.compile_string(chain(3_000, form))
    assert len(result.baseline) == 3_001  # the input and 1,000 conv-BN-ReLU units
    assert result.totals_unoptimized.maccs == 1_000 * 8 * 8 * 16 * 16 * 9
    assert result.totals_unoptimized.params.total == 1_000 * (16 * 16 * 9 + 4 * 16)
    with pytest.raises(ValueError, match="unknown form 'loop'"):
        chain(10, "loop")


def test_compile_benchmark_runs_every_part() -> None:
    output = run_script("bench_compile.py", "--quick")
    for part in ("Part 1: whole process, 2 runs each", "Part 2: in-process stages",
                 "Part 3: a 3,000-layer network", "Part 4: diagrams of the examples"):
        assert part in output
    assert re.search(rf"netdsl compile mobilenet_v2.net\s+{NUMBER} /\s+{NUMBER}\s+target "
                     r"<= 150 ms: (met|MISSED)", output)
    assert re.search(r"^\s+301(\s+[\d,]+){9}\s+\d+\.\d+$", output, re.MULTILINE)
    assert re.search(r"time per node at 300 units / at 100 units: \d+\.\d+x", output)
    # ResNet-50 (176 layers as written) and its stages 1,001 layers deep (3,346 layers)
    assert re.search(r"ResNet-50 \(176 layers as written\)\s+median", output)
    assert re.search(r"ResNet-1001 depth \(3,346 layers as written\)\s+median", output)
    assert re.search(r"time per layer, deep / ResNet-50: \d+\.\d\dx", output)
    if shutil.which("dot") is None:
        assert "Graphviz's dot is not installed: skipped" in output
    else:
        assert re.search(r"mobilenet_v2.net \(67 boxes\)\s+\d+\.\d\s+\d+\.\d", output)
