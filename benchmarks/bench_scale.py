"""How netdsl's compile time and memory grow with the network: chains of 1k to 100k layers.

Run from the repository root with the project installed::

    python benchmarks/bench_scale.py                 # 1k, 3k, 10k, 30k layers (about a minute)
    python benchmarks/bench_scale.py --include-100k  # and 100k (about a minute more)
    python benchmarks/bench_scale.py --quick         # 100 and 300 layers, 2 rounds
    python benchmarks/bench_scale.py --profile 30000 # where the time goes, by function

Each network is a chain of conv-BN-ReLU units on an 8 x 8 x 16 input, written two ways:
``lines``, one source line per layer, and ``repeat``, one ``unit() * n`` statement, so
that parsing (which grows with the text) and elaboration (which grows with the layers)
show apart. Every size runs in a fresh interpreter, warmed up on a three-unit chain first
(imports, grammar tables), which compiles the network to its text report (``compile_string``
then ``to_text``) ``--rounds`` times (5; at most 2 from 30k layers), the parse cache
cleared before each. It prints the median and minimum time, the time per layer (from the
minimum: the run least disturbed by other work), the median of each stage (parse,
elaborate, the passes, the rest of ``compile_string``: the baseline graph and warnings;
the text report), and the growth of the interpreter's peak resident memory
(``ru_maxrss``) per layer.

Then the 3,000-layer chain is exported to ONNX (``compile_string(..., seed=0).to_onnx``)
and netdsl's compilation of its source is timed against onnx-tool's analysis of the
export (``onnx_tool.model_profile``: shape inference, MACs and parameters per node and
the per-node table, the counterpart of netdsl's text report), alternating in one process;
onnx-tool is given the model already deserialised, the case most favourable to it. It
needs the ``bench`` extra; without it that part is skipped with the command to install it.

Targets, printed beside the figures: netdsl / onnx-tool <= 0.3 on the same chain; time
per layer at 100k layers / at 1k <= 1.3 (without ``--include-100k`` the largest size
stands in); peak memory per layer <= 2 KB at the largest size. Nothing is asserted: the
figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1_000, 3_000, 10_000, 30_000)
LARGE_SIZE = 100_000
QUICK_SIZES = (100, 300)
#: Sizes at or above this one run at most two rounds: one round of the 100k-layer lines
#: chain takes about 17 s on a loaded two-core machine.
FEW_ROUNDS_FROM = 30_000
COMPARED_SIZE = 3_000
INSTALL_HINT = "onnx-tool not installed: pip install -e '.[bench]'"
TARGET_RATIO = 0.3  # netdsl / onnx-tool on the same chain
TARGET_GROWTH = 1.3  # time per layer at the largest size / at the smallest
TARGET_BYTES = 2048  # peak memory per layer
UNIT = ("conv(16, 3, bias=false)", "bn", "relu")
FORMS = ("lines", "repeat")


def chain_source(layers: int, form: str) -> str:
    """A chain of ``layers // 3`` conv-BN-ReLU units after the input, written as ``form``.

    ``lines``: one line per layer, as a network imported layer by layer reads;
    ``repeat``: the unit as a block, repeated with ``unit() * n``.
    """
    units = max(1, layers // 3)
    if form == "lines":
        body = "".join(f"    {layer}\n" for _ in range(units) for layer in UNIT)
        return f"net Chain:\n    input(8, 8, 16)\n{body}"
    if form == "repeat":
        block = "".join(f"    {layer}\n" for layer in UNIT)
        return f"block unit():\n{block}\nnet Chain:\n    input(8, 8, 16)\n    unit() * {units}\n"
    raise ValueError(f"unknown form {form!r}: expected one of {', '.join(FORMS)}")


def _clear_parse_cache() -> None:
    """Forget parsed modules, so that every round parses its source again."""
    try:
        from netdsl.driver import clear_parse_cache
    except ImportError:  # a netdsl without the parse cache: nothing is kept between rounds
        return
    clear_parse_cache()


def _peak_rss_bytes() -> int | None:
    """This process's peak resident memory so far (None where the system does not say)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def compile_once(text: str) -> dict[str, float | int]:
    """Seconds of each stage of one compilation of ``text`` to its text report."""
    from netdsl.driver import compile_string

    _clear_parse_cache()
    gc.collect()
    start = time.perf_counter()
    result = compile_string(text)
    compiled = time.perf_counter()
    result.to_text(120)
    reported = time.perf_counter()
    stages = dict(result.timings)
    passes = sum(run.seconds for run in result.runs)
    compile_seconds = compiled - start
    return {"layers": len(result.baseline), "total": reported - start,
            "parse": stages["parse"], "elaborate": stages["elaborate"], "passes": passes,
            "other": compile_seconds - stages["parse"] - stages["elaborate"] - passes,
            "report": reported - compiled}


def worker(form: str, layers: int, rounds: int) -> dict[str, object]:
    """One size in this (fresh) interpreter: the median of each stage and the memory growth."""
    compile_once(chain_source(9, form))  # imports, grammar tables, the report's modules
    text = chain_source(layers, form)
    before = _peak_rss_bytes()
    samples = [compile_once(text) for _ in range(rounds)]
    after = _peak_rss_bytes()
    figures: dict[str, object] = {
        key: statistics.median(s[key] for s in samples) for key in samples[0] if key != "layers"}
    figures.update(form=form, layers=samples[0]["layers"], rounds=rounds,
                   best=min(s["total"] for s in samples),
                   rss_growth=None if before is None else after - before)
    return figures


def run_worker(form: str, layers: int, rounds: int) -> dict[str, object]:
    """:func:`worker` in a new interpreter, so that its peak memory is its own."""
    done = subprocess.run([sys.executable, __file__, "--worker", form, str(layers), str(rounds)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {form} chain of {layers:,} layers failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def bench_sizes(sizes: Sequence[int], rounds: int) -> None:
    print("Chains of conv-BN-ReLU, parse to text report, one interpreter per size: seconds "
          "(median and min),\n  microseconds per layer (from the min, the run least disturbed "
          "by other work), each stage's median\n  seconds, the growth of peak resident memory")
    print(f"  {'form':<7}{'layers':>8}{'rounds':>7}{'median':>8}{'min':>8}{'us/layer':>10}"
          f"{'parse':>8}{'elab':>8}{'passes':>8}{'other':>8}{'report':>8}"
          f"{'peak +MB':>10}{'B/layer':>9}")
    for form in FORMS:
        rows = []
        for size in sizes:
            row = run_worker(form, size, min(rounds, 2) if size >= FEW_ROUNDS_FROM else rounds)
            rows.append(row)
            layers = row["layers"]
            growth = row["rss_growth"]
            memory = ("     n/a      n/a" if growth is None
                      else f"{growth / 2**20:10.1f}{growth / layers:9,.0f}")
            print(f"  {form:<7}{layers:>8,}{row['rounds']:>7}{row['total']:>8.2f}"
                  f"{row['best']:>8.2f}{row['best'] / layers * 1e6:>10.1f}"
                  + "".join(f"{row[k]:>8.2f}" for k in ("parse", "elaborate", "passes",
                                                         "other", "report"))
                  + memory, flush=True)
        first, last = rows[0], rows[-1]
        growth = (last["best"] / last["layers"]) / (first["best"] / first["layers"])
        verdict = "met" if growth <= TARGET_GROWTH else "MISSED"
        note = "" if last["layers"] >= LARGE_SIZE else " (100k not run: the largest stands in)"
        print(f"  {form}: time per layer at {last['layers']:,} / at {first['layers']:,} layers "
              f"{growth:.2f}x, target <= {TARGET_GROWTH} at 100k / 1k: {verdict}{note}")
        if last["rss_growth"] is not None:
            per_layer = last["rss_growth"] / last["layers"]
            verdict = "met" if per_layer <= TARGET_BYTES else "MISSED"
            print(f"  {form}: peak memory {per_layer:,.0f} bytes per layer at "
                  f"{last['layers']:,} layers, target <= {TARGET_BYTES:,}: {verdict}")


def compare(layers: int, rounds: int) -> None:
    """netdsl on a chain's source against onnx-tool on its ONNX export, alternating."""
    import onnx
    import onnx_tool

    from netdsl.driver import compile_string

    texts = {form: chain_source(layers, form) for form in FORMS}
    result = compile_string(texts["lines"], seed=0)
    exported = result.to_onnx(batch=1).SerializeToString()
    written = result.totals_unoptimized

    def onnx_tool_once(table: Path) -> float:
        model = onnx.ModelProto()
        model.ParseFromString(exported)  # a fresh model each time: profiling annotates it
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # it notes shared weights there
            onnx_tool.model_profile(model, save_profile=str(table))
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"onnx-tool": [], **{form: [] for form in FORMS}}
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / "profile.txt"  # onnx-tool's per-node table goes there
        for form in FORMS:  # warm up: imports and the report's modules
            compile_once(texts[form])
        onnx_tool_once(table)
        for _ in range(rounds):
            times["onnx-tool"].append(onnx_tool_once(table))
            for form in FORMS:
                times[form].append(compile_once(texts[form])["total"])

    # onnx-tool's totals, from its API, show that both tools read the same network.
    model = onnx_tool.Model(onnx.load_model_from_string(exported))
    model.graph.graph_reorder_nodes()
    model.graph.shape_infer()
    model.graph.profile()
    print(f"\nThe {len(result.baseline):,}-layer chain against onnx-tool's analysis of its ONNX "
          f"export ({len(exported):,} bytes), {rounds} alternating rounds")
    print(f"  parameters: netdsl {written.params.total:,}, onnx-tool {int(model.graph.params):,}; "
          f"netdsl {written.maccs:,} MACCs, onnx-tool {int(model.graph.macs[0]):,} MACs "
          "(it counts batch norm and ReLU too)")
    tool = statistics.median(times["onnx-tool"])
    print(f"  {'onnx-tool model_profile (per-node table)':<44} median {tool:7.3f} s  "
          f"min {min(times['onnx-tool']):7.3f} s")
    for form in FORMS:
        median = statistics.median(times[form])
        ratio = median / tool
        print(f"  {f'netdsl, {form} form, to text report':<44} median {median:7.3f} s  "
              f"min {min(times[form]):7.3f} s  netdsl / onnx-tool {ratio:.2f} "
              f"(target <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'MISSED'})")


def profile(layers: int, top: int = 15) -> None:
    """cProfile of compiling each form of a ``layers``-layer chain: the top functions.

    Only ``compile_string`` and ``to_text`` are profiled (the parse cache cleared and the
    garbage collected first, as for the timings); paths are shown from the repository,
    site-packages or the standard library.
    """
    import cProfile
    import pstats
    import sysconfig

    from netdsl.driver import compile_string

    paths = sysconfig.get_paths()
    prefixes = (f"{ROOT}/", f"{paths['purelib']}/", f"{paths['stdlib']}/")
    for form in FORMS:
        text = chain_source(layers, form)
        compile_once(chain_source(9, form))
        _clear_parse_cache()
        gc.collect()
        profiler = cProfile.Profile()
        profiler.runcall(lambda text=text: compile_string(text).to_text(120))
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
        lines = stream.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"\ncProfile, the {form} chain of {layers:,} layers to text report: "
              f"top {top} functions by own time (s)")
        for line in lines[start:]:
            if line.strip():
                for prefix in prefixes:
                    line = line.replace(prefix, "")
                print(f"  {line}")


def positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 and 300 layers, 2 rounds: to check that the script runs")
    parser.add_argument("--include-100k", action="store_true",
                        help=f"add the {LARGE_SIZE:,}-layer chains (about a minute more)")
    parser.add_argument("--rounds", type=positive, default=5,
                        help=f"rounds per size (sizes from {FEW_ROUNDS_FROM:,} layers run at "
                        "most 2)")
    parser.add_argument("--profile", type=positive, metavar="LAYERS",
                        help="instead, profile the chains of LAYERS layers (cProfile)")
    parser.add_argument("--worker", nargs=3, metavar=("FORM", "LAYERS", "ROUNDS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        form, layers, rounds = args.worker
        print(json.dumps(worker(form, int(layers), int(rounds))))
        return
    if args.profile is not None:
        profile(args.profile)
        return
    rounds = 2 if args.quick else args.rounds
    sizes = QUICK_SIZES if args.quick else (
        (*DEFAULT_SIZES, LARGE_SIZE) if args.include_100k else DEFAULT_SIZES)
    bench_sizes(sizes, rounds)
    if importlib.util.find_spec("onnx_tool") is None:
        print(f"\n{INSTALL_HINT}")
    else:
        compare(QUICK_SIZES[-1] if args.quick else COMPARED_SIZE, rounds)


if __name__ == "__main__":
    main()
