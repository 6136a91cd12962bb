"""How fast netdsl compiles: whole commands and each stage, with a baseline.

Run from the repository root with the project installed::

    python benchmarks/bench_compile.py            # full run (about a minute)
    python benchmarks/bench_compile.py --quick    # tiny sizes, 2 runs: checks that it runs

Part 1 times the whole ``netdsl compile EXAMPLE`` process, interpreter start
included, against two baselines measured in the same run: a bare ``python -c
pass`` and ``python -c "import lark"``. Part 2 times each stage in-process on
generated chains of conv-BN-ReLU layers and prints layers per second, so that
linear scaling can be checked (time per layer at the largest size against the
smallest). Part 3 times a 3,000-layer network end to end in-process, and ResNet-50 against
the same network 1,001 layers deep (its stages of bottleneck blocks repeated). Part 4 times the
diagrams of the examples: the DOT text, and Graphviz drawing it against Graphviz drawing
an empty graph.

Figures are printed, never asserted: tests do not depend on wall-clock time.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.net"))
TARGET_MS = {"mobilenet_v2.net": 150}


def _time_process(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def bench_processes(repeats: int) -> None:
    python = sys.executable
    netdsl = [python, "-m", "netdsl"]
    _time_process([*netdsl, "check", str(EXAMPLES[0])], 1)  # warm the grammar cache
    rows = [
        ("baseline: python -c pass", [python, "-c", "pass"]),
        ("baseline: python -c 'import lark'", [python, "-c", "import lark"]),
    ]
    rows += [(f"netdsl compile {p.name}", [*netdsl, "compile", str(p)]) for p in EXAMPLES]
    print(f"Part 1: whole process, {repeats} runs each (median / min, ms)")
    if importlib.util.find_spec("interegular"):
        print("  note: interegular (from the test extra) is installed and lark imports it "
              "(about 5 ms);\n  a user's `pip install .` has not: time a user install for "
              "the target")
    for label, command in rows:
        times = _time_process(command, repeats)
        median, best = statistics.median(times) * 1000, min(times) * 1000
        target = next((t for name, t in TARGET_MS.items() if label.endswith(name)), None)
        verdict = f"  target <= {target} ms: {'met' if median <= target else 'MISSED'}" \
            if target else ""
        print(f"  {label:<42} {median:7.1f} / {best:7.1f}{verdict}")


def _clear_parse_cache() -> None:
    """Forget parsed modules, so that a compilation of the same text parses it again."""
    try:
        from netdsl.driver import clear_parse_cache
    except ImportError:  # a netdsl without the parse cache: nothing is kept between runs
        return
    clear_parse_cache()


def chain_source(layers: int) -> str:
    """A network of ``layers`` conv-BN-ReLU units, one source line each."""
    body = "".join("    conv(16, 3, bias=false); bn; relu\n" for _ in range(layers))
    return f"net Chain:\n    input(8, 8, 16)\n{body}"


def bench_stages(sizes: list[int]) -> None:
    from netdsl.driver import CompileOptions, compile_graph, elaborate_string

    print("\nPart 2: in-process stages on conv-BN-ReLU chains (layers per second)")
    options = CompileOptions(max_nodes=10_000_000)
    per_layer: dict[int, float] = {}
    header = None
    for size in sizes:
        text = chain_source(size)
        _clear_parse_cache()
        # the driver runs every stage with the cycle collector paused; so does this
        gc.collect()
        gc.disable()
        timings: list[tuple[str, float]] = []
        graph = elaborate_string(text, filename="chain.net", max_nodes=options.max_nodes,
                                 timings=timings)
        stages = dict(timings)  # parse, elaborate
        result = compile_graph(graph, options)  # the passes, and the baseline beside them
        for run in result.runs:
            stages[run.name] = run.seconds
        start = time.perf_counter()
        result.to_text(120)
        stages["report text"] = time.perf_counter() - start
        start = time.perf_counter()
        result.to_json()
        stages["report json"] = time.perf_counter() - start
        start = time.perf_counter()
        result.to_dot()
        stages["diagram dot"] = time.perf_counter() - start
        gc.enable()
        nodes = len(graph)
        total = sum(stages.values())
        per_layer[size] = total / nodes
        if header is None:
            header = list(stages)
            print("  " + f"{'nodes':>9}" + "".join(f"{h:>16}" for h in header) + f"{'total s':>10}")
        print("  " + f"{nodes:>9,}" + "".join(f"{nodes / stages[h]:>16,.0f}" for h in header)
              + f"{total:>10.2f}")
    smallest, largest = min(per_layer), max(per_layer)
    ratio = per_layer[largest] / per_layer[smallest]
    print(f"  time per node at {largest:,} units / at {smallest:,} units: {ratio:.2f}x "
          f"(target <= 1.3x: {'met' if ratio <= 1.3 else 'MISSED'})")


def bench_drawing(repeats: int) -> None:
    """DOT text and Graphviz's layout of each example, against dot drawing an empty graph."""
    import shutil

    from netdsl.driver import compile_file

    print("\nPart 4: diagrams of the examples (median ms): DOT text in-process, dot -Tsvg")
    if shutil.which("dot") is None:
        print("  Graphviz's dot is not installed: skipped")
        return

    def draw(text: str) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(["dot", "-Tsvg"], input=text.encode(), check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    print(f"  {'baseline: dot -Tsvg on an empty graph':<42} {'':>9} {draw('digraph {}'):9.1f}")
    for path in EXAMPLES:
        result = compile_file(path)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            text = result.to_dot()
            times.append(time.perf_counter() - start)
        print(f"  {path.name + f' ({len(result.graph)} boxes)':<42} "
              f"{statistics.median(times) * 1000:9.1f} {draw(text):9.1f}")


def repeated_source(units: int) -> str:
    """The same chain written with the language's repetition."""
    return ("block unit():\n    conv(16, 3, bias=false); bn; relu\n\n"
            f"net Chain:\n    input(8, 8, 16)\n    unit() * {units}\n")


def bench_3000(repeats: int) -> None:
    from netdsl.driver import compile_string

    print("\nPart 3: a 3,000-layer network in-process, parse to text report (ms)")
    for label, text in (("one line per conv-BN-ReLU unit", chain_source(1000)),
                        ("unit() * 1000", repeated_source(1000))):
        compile_string(text).to_text(120)
        times = []
        for _ in range(repeats):
            _clear_parse_cache()  # time a first compilation, parse included
            start = time.perf_counter()
            compile_string(text).to_text(120)
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        print(f"  {label:<32} median {median:7.1f}, min {min(times) * 1000:7.1f} "
              f"(target <= 100 ms: {'met' if median <= 100 else 'MISSED'})")


#: ResNet-50's stages, and stages of the same bottleneck blocks 1,001 layers deep
#: (3 x 333 + 2, the depth of He et al.'s ResNet-1001), written as ``bottleneck(w) * (n - 1)``.
RESNETS = (("ResNet-50", [3, 4, 6, 3]), ("ResNet-1001 depth", [3, 4, 319, 7]))


def bench_deep_resnet(repeats: int) -> None:
    """examples/resnet50.net as written and 1,001 layers deep: time per layer, which a
    compiler linear in the layers keeps about the same."""
    from netdsl.driver import compile_file

    print("\nPart 3b: examples/resnet50.net with more bottlenecks per stage, in-process, "
          "to the text report")
    per_layer = []
    for label, stages in RESNETS:
        params = {"layers": stages}
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = compile_file(ROOT / "examples" / "resnet50.net", params=params)
            result.to_text(120)
            times.append(time.perf_counter() - start)
        layers = len(result.elaborated)
        per_layer.append(min(times) / layers)
        print(f"  {label + f' ({layers:,} layers as written)':<42} median "
              f"{statistics.median(times) * 1000:7.1f} ms, min {min(times) * 1000:7.1f}, "
              f"{per_layer[-1] * 1e6:5.1f} us per layer")
    print(f"  time per layer, deep / ResNet-50: {per_layer[1] / per_layer[0]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="chains of 100 and 300 units, 2 runs each: to check that it runs")
    args = parser.parse_args()
    bench_processes(2 if args.quick else 10)
    bench_stages([100, 300] if args.quick else [1_000, 10_000, 100_000])
    bench_3000(2 if args.quick else 10)
    bench_deep_resnet(2 if args.quick else 5)
    bench_drawing(2 if args.quick else 10)


if __name__ == "__main__":
    main()
