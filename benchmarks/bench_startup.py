"""How fast netdsl answers from the command line: whole processes against a bare interpreter.

Run from the repository root with the project installed::

    python benchmarks/bench_startup.py              # 20 rounds (about a minute)
    python benchmarks/bench_startup.py --quick      # 2 rounds, to check that it runs
    python benchmarks/bench_startup.py --rounds 50

Each round runs every command once, in an order rotated from round to round so that no
command always follows the same one, and the median and minimum of each command's wall
time are printed beside its multiple of the baseline measured in the same run, ``python
-c pass`` (the interpreter's own start-up, which no Python tool can beat):

- ``netdsl --version``: the price of importing the command line;
- ``netdsl check examples/mobilenet_v2.net`` (target <= 4x the baseline);
- ``netdsl compile examples/mobilenet_v2.net``, the text report sent to /dev/null
  (target <= 5x);
- with the ``bench`` extra (onnx-tool), onnx-tool analysing the same network exported to
  ONNX by netdsl: its command line (``python -m onnx_tool -i FILE``, the per-node table,
  like ``netdsl compile``) and its Python API (load, shape inference and profile: totals
  only). Without it the script says how to install it and leaves these rows out.

Then the modules ``netdsl check`` imports: how many (and how many more than a bare
interpreter), by top-level package, and the 15 slowest by cumulative import time
(``python -X importtime``, median over a few runs).

Nothing is asserted: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mobilenet_v2.net"
#: Largest multiple of ``python -c pass`` (median against median) each command may take.
TARGETS = {"check": 4.0, "compile": 5.0}
INSTALL_HINT = "onnx-tool not installed: pip install -e '.[bench]'"
#: What the ``netdsl`` console script runs: importing the command line is part of the cost.
CLI_ENTRY = "import sys; from netdsl.cli import run; sys.argv[0] = 'netdsl'; run()"
#: onnx-tool's documented Python API, totals only: load, shape inference, profile.
ONNX_TOOL_API = ("import sys, onnx_tool; model = onnx_tool.Model(sys.argv[1]); "
                 "graph = model.graph; graph.graph_reorder_nodes(); graph.shape_infer(); "
                 "graph.profile(); print(int(graph.macs[0]), int(graph.params))")


def netdsl_command() -> tuple[list[str], str]:
    """The ``netdsl`` console script installed beside this interpreter, and how it was found.

    The console script is what users run; ``python -m netdsl`` (the fallback, for a
    checkout that is importable but not installed) also imports ``runpy``.
    """
    name = "netdsl.exe" if os.name == "nt" else "netdsl"
    script = Path(sys.executable).with_name(name)
    if script.is_file():
        return [str(script)], f"the console script {script.name} beside {Path(sys.executable).name}"
    return [sys.executable, "-m", "netdsl"], "python -m netdsl (no console script installed)"


def export_onnx(directory: Path) -> Path:
    """MobileNetV2 as netdsl exports it, written in ``directory``; prints both tools' totals.

    Random weights (onnx-tool counts parameters from the initializers), batch fixed at 1
    (onnx-tool's shape inference needs every dimension). The totals show that both
    tools read the same network: the parameters agree, the MACs differ by convention.
    """
    import onnx

    import netdsl

    result = netdsl.compile_file(EXAMPLE, seed=0)
    path = directory / "mobilenet_v2.onnx"
    onnx.save_model(result.to_onnx(batch=1), str(path))
    done = run([sys.executable, "-c", ONNX_TOOL_API, str(path)], stdout=subprocess.PIPE)
    macs, params = (int(x) for x in done.stdout.split()[-2:])
    written = result.totals_unoptimized
    print(f"{EXAMPLE.name} exported to ONNX ({path.stat().st_size:,} bytes): onnx-tool counts "
          f"{macs:,} MACs (batch norms, activations and additions included) and {params:,} "
          f"parameters; netdsl {written.maccs:,} MACCs and {written.params.total:,} parameters")
    return path


def run(command: Sequence[str], stdout: int = subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """``command`` run from the repository root, standard error captured as text.

    A command that fails stops the benchmark with its status and its standard error: a
    timing of a failure would mean nothing.
    """
    done = subprocess.run(command, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, errors="replace")
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed with status {done.returncode}:\n"
                         + done.stderr)
    return done


def run_once(command: Sequence[str]) -> float:
    """Wall seconds of one run of ``command`` from the repository root, output discarded."""
    start = time.perf_counter()
    run(command)
    return time.perf_counter() - start


def time_rotating(rows: list[tuple[str, list[str]]], rounds: int) -> dict[str, list[float]]:
    """Each command's wall times over ``rounds`` rounds, the order rotated every round.

    One untimed run of each first: it writes any bytecode missing and brings the files
    into the page cache, so that every timed run starts alike.
    """
    for _, command in rows:
        run_once(command)
    times: dict[str, list[float]] = {label: [] for label, _ in rows}
    for round_number in range(rounds):
        shift = round_number % len(rows)
        for label, command in rows[shift:] + rows[:shift]:
            times[label].append(run_once(command))
    return times


def print_times(times: dict[str, list[float]], baseline: str) -> None:
    base_median = statistics.median(times[baseline])
    base_min = min(times[baseline])
    print(f"  {'command':<46}{'median':>8}{'min':>8}{'x median':>10}{'x min':>7}   target")
    for label, values in times.items():
        median, best = statistics.median(values), min(values)
        ratio = median / base_median
        kind = next((k for k in TARGETS if label.startswith(f"netdsl {k} ")), None)
        verdict = ""
        if kind is not None:
            met = "met" if ratio <= TARGETS[kind] else "MISSED"
            verdict = f"<= {TARGETS[kind]:g}x: {met}"
        print(f"  {label:<46}{median * 1e3:8.1f}{best * 1e3:8.1f}{ratio:10.2f}"
              f"{best / base_min:7.2f}   {verdict}".rstrip())


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)\s*$")
#: Prints, on standard error, the modules loaded once the command has run.
_MODULES_AFTER = ("import sys; from netdsl.cli import main; sys.argv[0] = 'netdsl'; "
                  "status = main(sys.argv[1:]); sys.stdout.flush(); "
                  "print('\\n'.join(sorted(sys.modules)), file=sys.stderr); sys.exit(status)")
_MODULES_BARE = "import sys; print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"


def loaded_modules(code: str, arguments: Sequence[str] = ()) -> set[str]:
    """The names in ``sys.modules`` at the end of ``python -c CODE ARGUMENTS``."""
    return set(run([sys.executable, "-c", code, *arguments]).stderr.split())


def import_times(arguments: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """``python -X importtime ARGUMENTS``: each module's (self us, cumulative us, depth).

    importtime also lists imports that failed (``nt`` on POSIX, tried by ``os`` and
    ``shutil``); they take microseconds and never reach the top of the list.
    """
    modules = {}
    for line in run([sys.executable, "-X", "importtime", *arguments]).stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            modules[name] = (int(own), int(cumulative), len(indent) // 2)
    return modules


def bench_imports(runs: int) -> None:
    """The modules ``netdsl check`` loads beyond a bare interpreter, and the slowest."""
    example = str(EXAMPLE.relative_to(ROOT))
    bare = loaded_modules(_MODULES_BARE)
    loaded = loaded_modules(_MODULES_AFTER, ["check", example])
    extra = sorted(loaded - bare)
    packages = Counter(name.split(".")[0] for name in extra)
    stdlib = getattr(sys, "stdlib_module_names", frozenset())
    ours = {name: count for name, count in packages.most_common() if name not in stdlib}
    print(f"\nModules loaded by `netdsl check {EXAMPLE.name}`")
    print(f"  {len(loaded)} in sys.modules at exit, {len(extra)} more than `python -c pass`: "
          + ", ".join(f"{name} {count}" for name, count in ours.items())
          + f", standard library {len(extra) - sum(ours.values())}")
    samples = [import_times(["-c", CLI_ENTRY, "check", example]) for _ in range(runs)]

    def median_of(name: str, field: int) -> float:
        return statistics.median(s[name][field] for s in samples if name in s) / 1e3

    slowest = sorted(samples[0], key=lambda name: median_of(name, 1), reverse=True)[:15]
    print(f"  top 15 by cumulative import time (python -X importtime, ms, median of {runs} "
          f"run{'s' * (runs != 1)}; indented as imported)")
    print(f"  {'cumulative':>10}{'self':>8}  module")
    for name in slowest:
        depth = samples[0][name][2]
        print(f"  {median_of(name, 1):10.1f}{median_of(name, 0):8.1f}  {'  ' * depth}{name}")


def machine() -> str:
    """The CPUs and, where the system tells, their load: the figures depend on both."""
    described = f"{os.cpu_count()} CPUs"
    if hasattr(os, "getloadavg"):
        described += ", load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return described


def positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=positive, default=20, help="timed runs of each command")
    parser.add_argument("--quick", action="store_true",
                        help="2 rounds and one import-time run: to check that the script runs")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    netdsl, how = netdsl_command()
    example = str(EXAMPLE.relative_to(ROOT))
    baseline = "python -c pass (baseline)"
    rows = [
        (baseline, [sys.executable, "-c", "pass"]),
        ("netdsl --version", [*netdsl, "--version"]),
        (f"netdsl check {EXAMPLE.name}", [*netdsl, "check", example]),
        (f"netdsl compile {EXAMPLE.name} > /dev/null", [*netdsl, "compile", example]),
    ]
    print(f"netdsl is {how}; Python {sys.version.split()[0]}, {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        if importlib.util.find_spec("onnx_tool") is None:
            print(INSTALL_HINT)
        else:
            onnx_file = export_onnx(Path(scratch))
            rows += [
                ("onnx-tool CLI: per-node table of the .onnx",
                 [sys.executable, "-m", "onnx_tool", "-i", str(onnx_file)]),
                ("onnx-tool API: Model, shape_infer, profile",
                 [sys.executable, "-c", ONNX_TOOL_API, str(onnx_file)]),
            ]
        print(f"\nWhole-process wall time, {rounds} round{'s' * (rounds != 1)} alternating "
              "the commands (ms; x = multiple of the baseline)")
        print_times(time_rotating(rows, rounds), baseline)
    bench_imports(1 if args.quick else 5)


if __name__ == "__main__":
    main()
