"""The ``netdsl`` command: argument parsing, file I/O and exit codes.

This is the only module that touches the outside world. Exit status: 0 when
the input compiles, 1 when it has errors, 2 for a usage error (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import shutil
import stat
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from netdsl import __version__
from netdsl.backends import formats
from netdsl.diagnostics import Diagnostic, NetdslError, Note, did_you_mean, error, printable
from netdsl.limits import MAX_NESTING_CEILING

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


REPORT_FORMATS = formats.names("report")
DIAGRAM_FORMATS = formats.names("diagram")
FORMATS = formats.names()
ROOFLINE_FORMATS = ("svg", "png", "pdf")  # netdsl.backends.roofline.IMAGE_FORMATS
DTYPES = ("fp32", "fp16", "bf16", "int8", "int4")
ONNX_OPSET = 21  # netdsl.bridge.onnx_export.OPSET, without importing it


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netdsl",
        description="Compile neural-network descriptions and report what they cost.",
    )
    parser.add_argument("--version", action="version", version=f"netdsl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--set", dest="params", action="append", default=[],
                         metavar="NAME=VALUE",
                         help="override a network parameter (repeatable), e.g. --set alpha=1.4")
        sub.add_argument("--max-layers", type=_positive, default=None, metavar="N",
                         help="refuse networks that expand past N layers (default 1,000,000)")
        sub.add_argument("--max-source-size", type=_positive, default=None, metavar="BYTES",
                         help="refuse a source file, standard input or imported module larger "
                         "than BYTES (default 8 MiB, 8388608)")
        sub.add_argument("--max-nesting", type=_nesting, default=None, metavar="N",
                         help="refuse brackets, blocks and operators nested deeper than N "
                         f"levels (default 100, at most {MAX_NESTING_CEILING:,})")
        sub.add_argument("--diagnostics", choices=("human", "short", "json"), default="human",
                         help="how errors are printed: with source and caret (human), one line "
                         "each (short, for editors and CI) or JSON (for tools)")
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="colour diagnostics (auto: on a terminal, or anywhere with "
                         "FORCE_COLOR; else not with NO_COLOR or TERM=dumb)")
        sub.add_argument("--unknown-as-zero", action="store_true",
                         help="for an .onnx input: count ONNX operators netdsl has no layer for "
                         "as zero-cost layers (listed in a W901 warning) instead of E903")

    def add_cost_options(sub: argparse.ArgumentParser, formats: Sequence[str]) -> None:
        sub.add_argument("--format", choices=formats, default=None,
                         help="output format (default: from the -o file's suffix, else text)")
        sub.add_argument("-o", "--output", metavar="FILE",
                         help="write the report to FILE (atomically) instead of standard output")
        add_conventions(sub)
        sub.add_argument("--width", type=_positive, default=None, metavar="COLUMNS",
                         help="width of the text table (default: the terminal's)")
        sub.add_argument("--device", metavar="NAME|FILE.toml",
                         help="estimate each layer's time, bound and energy on this device "
                         "(a roofline; `netdsl devices` lists the profiles)")
        add_pass_options(sub)

    def add_conventions(sub: argparse.ArgumentParser) -> None:
        """The figures' conventions, which every pass that has them takes."""
        sub.add_argument("--dtype", choices=DTYPES, default="fp32",
                         help="element type for model size and bytes (default: fp32)")
        sub.add_argument("--batch", type=_positive, default=1, metavar="N",
                         help="batch size; scales every activation-dependent figure")
        sub.add_argument("--memory-model", choices=("naive", "compulsory"), default="naive",
                         help="naive: no cache reuse, the article's model (default); "
                         "compulsory: every tensor read or written once")

    def add_pipeline(sub: argparse.ArgumentParser) -> None:
        """Which passes run, and their options."""
        sub.add_argument("--passes", metavar="A,B,...",
                         help="run exactly these passes, in order (see `netdsl passes`)")
        sub.add_argument("--disable", action="append", default=[], metavar="PASS",
                         help="leave a pass out of the pipeline (repeatable)")
        sub.add_argument("--pass-option", action="append", default=[],
                         metavar="PASS.NAME=VALUE",
                         help="an option of one pass (repeatable), e.g. "
                         "--pass-option estimate-latency.device=rpi4; `netdsl passes` lists them")

    def add_pass_options(sub: argparse.ArgumentParser) -> None:
        add_pipeline(sub)
        sub.add_argument("--print-ir-after", metavar="PASS|all",
                         help="print the IR to standard error after a pass (or after each)")
        sub.add_argument("--time-passes", action="store_true",
                         help="print how long parsing, elaboration and each pass took "
                         "to standard error")

    check = commands.add_parser("check", help="check a network and print its layer count and "
                                "output shape")
    check.add_argument("file", help="the .net file to read ('-' for standard input)")
    add_common(check)

    compile_ = commands.add_parser("compile", help="compile a network and print its cost report")
    compile_.add_argument("file", help="the .net file to read ('-' for standard input)")
    add_common(compile_)
    add_cost_options(compile_, FORMATS)
    compile_.add_argument("--weights", metavar="FILE.npz",
                          help="real weights, keyed <layer>/<parameter>; the passes transform "
                          "them (batch norm folding)")
    compile_.add_argument("--seed", type=_seed, default=None, metavar="N",
                          help="random weights drawn from seed N (for --save-weights)")
    compile_.add_argument("--save-weights", metavar="OUT.npz",
                          help="write the weights after the passes (folded) to OUT.npz")
    rows = compile_.add_argument_group(
        "rows", "what the report and the diagram show (docs/reports.md)")
    rows.add_argument("--depth", type=_positive, default=None, metavar="N",
                      help="roll up block instances nested N deep into one row (or box) "
                      "each, with their summed figures and layer count: 1 gives one row per "
                      "top-level block such as a stage (default: every layer)")
    rows.add_argument("--summary", action="store_true",
                      help="totals, savings and the largest layers (or blocks) only")
    diagram = compile_.add_argument_group(
        "diagrams", "options of --format dot, svg, png and pdf (docs/diagrams.md)")
    diagram.add_argument("--color-by", choices=("maccs", "memory", "params", "latency",
                                                "bound", "none"),
                         default="maccs",
                         help="shade boxes by this figure, by rank (default: maccs); "
                         "latency (estimated time) and bound (compute, memory or overhead, "
                         "by category) need --device")
    diagram.add_argument("--collapse-blocks", type=_depth, nargs="?", const=0, default=None,
                         metavar="DEPTH",
                         help="draw each block instance as one box with its totals; with "
                         "DEPTH, keep that many levels of blocks as frames first (the same "
                         "as --depth DEPTH+1)")
    diagram.add_argument("--expand", action="append", default=[], metavar="PATH",
                         help="never roll up or collapse this block instance (a path such "
                         "as stage3/ir2 or a pattern such as 'stage3/*'; repeatable)")
    diagram.add_argument("--rankdir", choices=("TB", "LR", "BT", "RL"), default="TB",
                         help="direction of the flow: TB top-down (default), LR left-right")
    diagram.add_argument("--dpi", type=_dpi, default=None, metavar="N",
                         help="pixels per inch of a PNG image, 1 to 600 (default: Graphviz's "
                         "96); PNG only")

    commands.add_parser("passes", help="list the passes, their options and the default "
                        "pipeline")

    # --- netdsl devices (device profiles; netdsl/devices) ---------------------------------
    devices = commands.add_parser(
        "devices", help="list the device profiles for latency and energy estimates, or show "
        "one in full",
        description="List the shipped device profiles with their key figures (peak MACC/s "
        "per dtype, DRAM bandwidth, ridge point, on-chip memory, per-layer overhead, energy), "
        "or show one profile, shipped or a .toml file of your own, with the source of every "
        "figure. docs/devices.md describes the format.")
    devices.add_argument("device", nargs="?", metavar="NAME|FILE.toml",
                         help="a shipped profile's name (e.g. rpi4) or a profile file")
    devices.add_argument("--format", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    # --- end of netdsl devices ------------------------------------------------------------

    calibrate = commands.add_parser(
        "calibrate", help="measure this machine with ONNX Runtime and write a device profile "
        "(needs the onnx extra)",
        description="Run micro-benchmarks with ONNX Runtime (a 1x1, a 3x3 and a depthwise "
        "convolution, a dense layer, a large ReLU, a chain of tiny layers) and write what they "
        "measure as a device profile for --device FILE: the peak MACC/s reached, the efficiency "
        "of each layer kind, the DRAM bandwidth and the per-layer overhead, each with how it was "
        "measured. A few seconds; run it on a quiet machine.")
    calibrate.add_argument("-o", "--output", metavar="FILE.toml",
                           help="write the profile to FILE.toml (default: standard output)")
    calibrate.add_argument("--threads", type=_positive, default=None, metavar="N",
                           help="ONNX Runtime's intra-op threads (default: its default); the "
                           "profile holds for this count only")
    calibrate.add_argument("--name", default="host", help="the profile's name (default: host)")
    calibrate.add_argument("--time-budget", type=float, default=1.0, metavar="SECONDS",
                           help="seconds of timed runs per micro-benchmark (default 1)")
    for option, default in (("--diagnostics", "human"), ("--color", "auto")):
        calibrate.add_argument(option, default=default, help=argparse.SUPPRESS)

    import_ = commands.add_parser(
        "import", help="write an ONNX model as netdsl source (needs the onnx extra)",
        description="Read an ONNX model and write it as netdsl source: one statement per layer, "
        "named as the ONNX node, tensors named only where the graph branches or merges. "
        "`netdsl compile model.onnx` compiles an ONNX file directly the same way.")
    import_.add_argument("file", metavar="MODEL.onnx", help="the ONNX model to read")
    import_.add_argument("-o", "--output", metavar="FILE.net",
                         help="write the source to FILE.net (default: standard output)")
    import_.add_argument("--weights-out", metavar="OUT.npz",
                         help="write the model's weights in netdsl's layout, keyed "
                         "<layer>/<parameter>, for --weights")
    import_.add_argument("--unknown-as-zero", action="store_true",
                         help="count ONNX operators netdsl has no layer for as zero-cost "
                         "layers (listed in a W901 warning) instead of E903")
    for option, default in (("--diagnostics", "human"), ("--color", "auto")):
        import_.add_argument(option, default=default, help=argparse.SUPPRESS)

    export = commands.add_parser(
        "export", help="write a network as an ONNX model (needs the onnx extra)",
        description="Write a network, with its weights, as an ONNX model that ONNX Runtime, "
        "Netron and other tools read: channels-first (N x C x H x W), node names as netdsl's "
        f"layer names, opset {ONNX_OPSET}. Without --weights the weights are random (--seed).")
    export.add_argument("file", help="the .net file to read ('-' for standard input)")
    export.add_argument("-o", "--output", required=True, metavar="FILE.onnx",
                        help="the ONNX file to write")
    add_common(export)
    export.add_argument("--weights", metavar="FILE.npz",
                        help="real weights, keyed <layer>/<parameter> (default: random)")
    export.add_argument("--seed", type=_seed, default=None, metavar="N",
                        help="random weights drawn from seed N (default 0)")
    export.add_argument("--optimized", action="store_true",
                        help="export the graph after the passes (batch norm folded into the "
                        "weights) instead of the network as written")
    export.add_argument("--batch", type=_positive, default=None, metavar="N",
                        help="fix the batch dimension to N (default: free, named N)")
    add_pass_options(export)

    bench = commands.add_parser(
        "bench", help="measure a network's latency with ONNX Runtime on this machine (needs "
        "the onnx extra)",
        description="Export a network to ONNX in memory (random weights unless --weights) and "
        "time ONNX Runtime's CPU provider running it on random input: warm-up runs, then runs "
        "until --runs or --time-budget, whichever comes first (at least 5). Reports the median, "
        "min, p90 and max latency and the throughput. ONNX Runtime optimises the network itself "
        "(ORT_ENABLE_ALL), as a deployment would. --per-layer attributes the time to layers "
        "with ONNX Runtime's profiler.")
    bench.add_argument("file", help="the .net file to read ('-' for standard input)")
    add_common(bench)
    bench.add_argument("--runs", type=_positive, default=None, metavar="N",
                       help="time at most N runs (default: as many as the time budget allows)")
    bench.add_argument("--time-budget", type=_seconds, default=3.0, metavar="SECONDS",
                       help="stop timing after SECONDS (default 3; at least 5 runs all the same)")
    bench.add_argument("--warmup", type=_depth, default=3, metavar="N",
                       help="untimed runs first (default 3)")
    bench.add_argument("--threads", type=_positive, default=None, metavar="N",
                       help="ONNX Runtime's intra-op threads (default: its own, one per "
                       "physical core)")
    bench.add_argument("--batch", type=_positive, default=1, metavar="N",
                       help="examples per run (default 1)")
    bench.add_argument("--per-layer", action="store_true",
                       help="also time each layer with ONNX Runtime's profiler")
    bench.add_argument("--optimized", action="store_true",
                       help="run the graph after netdsl's passes (batch norm folded) instead of "
                       "the network as written")
    bench.add_argument("--format", choices=REPORT_FORMATS, default=None,
                       help="output format (default: from the -o file's suffix, else text); csv "
                       "is the --per-layer table")
    bench.add_argument("-o", "--output", metavar="FILE",
                       help="write the report to FILE (atomically) instead of standard output")
    bench.add_argument("--weights", metavar="FILE.npz",
                       help="real weights, keyed <layer>/<parameter> (default: random)")
    bench.add_argument("--seed", type=_seed, default=None, metavar="N",
                       help="random weights drawn from seed N (default 0)")

    compare = commands.add_parser(
        "compare", help="compare networks or parameter variants side by side",
        description="Compare networks side by side. Give a variant's own parameters after "
        "its file, separated by colons: mobilenet_v2.net:alpha=1.4:size=160. --set applies "
        "to every network.")
    compare.add_argument("files", nargs="+", metavar="FILE[:NAME=VALUE...]",
                         help="networks to compare; the first is the reference for ratios")
    compare.add_argument("--label", action="append", default=[],
                         help="column label for each network, in order (default: the network "
                         "name and its parameter overrides)")
    add_common(compare)
    add_cost_options(compare, ("text", "json", "csv", "markdown"))
    compare.add_argument("--bench", action="store_true",
                         help="add each network's latency measured with ONNX Runtime (as "
                         "`netdsl bench`, random weights; needs the onnx extra)")
    compare.add_argument("--time-budget", type=_seconds, default=3.0, metavar="SECONDS",
                         help="with --bench: seconds of timed runs per network (default 3; at "
                         "least 5 runs)")

    roofline = commands.add_parser(
        "roofline", help="draw each layer under a device's roofline, and the time per layer "
        "(needs the plot extra)",
        description="Estimate each layer's time on a device (the estimate-latency pass) and "
        "draw the roofline: each layer with MACCs a point at (arithmetic intensity, MACCs / "
        "estimated time) under the device's roof, sized by its share of the time and coloured "
        "by what bounds it, the heaviest named; beside it the slowest layers' time split into "
        "compute, memory and overhead. Needs matplotlib (pip install 'netdsl[plot]').")
    roofline.add_argument("file", help="the .net file to read ('-' for standard input)")
    add_common(roofline)
    roofline.add_argument("--device", required=True, metavar="NAME|FILE.toml",
                          help="the device to estimate on (`netdsl devices` lists the profiles)")
    roofline.add_argument("-o", "--output", metavar="FILE",
                          help="write the chart to FILE (.svg, .png or .pdf) instead of "
                          "standard output")
    roofline.add_argument("--format", choices=ROOFLINE_FORMATS, default=None,
                          help="image format (default: from the -o file's suffix, else svg)")
    roofline.add_argument("--dtype", choices=DTYPES, default="fp32",
                          help="element type: the device's peak for it, and bytes moved "
                          "(default: fp32)")
    roofline.add_argument("--batch", type=_positive, default=1, metavar="N",
                          help="batch size (default 1)")
    roofline.set_defaults(memory_model="naive")  # the estimate counts its own traffic
    add_pass_options(roofline)

    sweep = commands.add_parser(
        "sweep", help="compile every combination of parameter values and mark the Pareto set",
        description="Compile the network once for each combination of the --grid values "
        "(the cartesian product, in the order given) and print one row per variant: its "
        "parameters, MACCs, FLOPs, memory accesses, peak activation and model bytes, layers, "
        "and with --device the estimated latency and energy. Variants no other beats on both "
        "--pareto figures (each minimised, or maximised written +name) are marked *. "
        "-o FILE.svg, .png or .pdf draws the scatter of those two figures (needs the plot "
        "extra).")
    sweep.add_argument("file", help="the .net file to read ('-' for standard input)")
    sweep.add_argument("--grid", action="append", required=True, metavar="NAME=V1,V2,...",
                       help="a parameter and the values to try (repeatable), e.g. "
                       "--grid alpha=0.5,1.0 --grid size=160,224; values are written as for "
                       "--set")
    add_common(sweep)
    sweep.add_argument("--sort", type=_sort_figure, default=None, metavar="FIGURE|grid",
                       help="order the rows by this figure, smallest first (+FIGURE: largest "
                       "first), or 'grid' for the grid's order (default: the first --pareto "
                       "figure)")
    sweep.add_argument("--pareto", type=_figure_pair, default=None, metavar="X,Y",
                       help="the two figures of the Pareto set and the chart, each minimised, "
                       "or maximised written +FIGURE (default: memory_accesses,+maccs; "
                       "latency,+maccs with --device)")
    sweep.add_argument("--format", choices=(*REPORT_FORMATS, *ROOFLINE_FORMATS), default=None,
                       help="output format: a report, or the chart as svg, png or pdf "
                       "(default: from the -o file's suffix, else text)")
    sweep.add_argument("-o", "--output", metavar="FILE",
                       help="write the report or the chart to FILE (atomically); with a "
                       "chart, the table still goes to standard output")
    sweep.add_argument("--width", type=_sweep_width, default=None, metavar="COLUMNS",
                       help="width of the text table's legend and notes, at least 60 "
                       "(default: the terminal's, else 120)")
    sweep.add_argument("--jobs", type=_positive, default=None, metavar="N",
                       help="compile in N processes (1: in this one; default: one per CPU "
                       "when there are more than 16 variants)")
    add_conventions(sweep)
    sweep.add_argument("--device", metavar="NAME|FILE.toml",
                       help="estimate each variant's latency and energy on this device")
    add_pipeline(sweep)
    sweep.set_defaults(print_ir_after=None, time_passes=False)
    return parser


def _integer_at_least(minimum: int, expected: str):
    """An argparse type: an integer of at least ``minimum``, else "expected ``expected``"."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return convert


_positive = _integer_at_least(1, "a positive integer")
#: The narrowest the sweep's legend and notes wrap (netdsl.backends.sweep_report.MIN_WIDTH):
#: a narrower --width would be ignored, so it is refused.
SWEEP_MIN_WIDTH = 60
_sweep_width = _integer_at_least(SWEEP_MIN_WIDTH, f"at least {SWEEP_MIN_WIDTH} columns")
_seed = _integer_at_least(0, "a seed of 0 or more")
_depth = _integer_at_least(0, "a depth of 0 or more")


def _seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def _dpi(text: str) -> int:
    """An argparse type for --dpi: a whole number of pixels per inch, 1 to MAX_DPI."""
    from netdsl.backends.render import MAX_DPI

    expected = f"a whole number of pixels per inch from 1 to {MAX_DPI}"
    value = _integer_at_least(1, expected)(text)
    if value > MAX_DPI:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def _nesting(text: str) -> int:
    """An argparse type for --max-nesting: a positive integer up to the ceiling."""
    value = _positive(text)
    if value > MAX_NESTING_CEILING:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer up to {MAX_NESTING_CEILING:,}, got {value}")
    return value


def _figure(text: str) -> str:
    """An argparse type: a figure of a sweep (netdsl.sweeps.FIGURES), or a prefix of one,
    with its direction (``+maccs`` maximised; ``-maccs`` or ``maccs`` minimised), as
    netdsl.sweeps.objective reads it back: ``+maccs`` or ``maccs``."""
    from netdsl.sweeps import objective

    try:
        return str(objective(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sort_figure(text: str) -> str:
    """An argparse type for ``sweep --sort``: a figure, or ``grid`` for the grid's order."""
    return "grid" if text.strip() == "grid" else _figure(text)


def _figure_pair(text: str) -> tuple[str, str]:
    """An argparse type for ``sweep --pareto X,Y``: two different figures."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected two figures X,Y, got {text!r}")
    x, y = _figure(parts[0]), _figure(parts[1])
    if x.lstrip("+") == y.lstrip("+"):  # a figure both minimised and maximised, too
        raise argparse.ArgumentTypeError(
            f"expected two different figures, got {x.lstrip('+')} twice")
    return x, y


def parse_assignments(items: Sequence[str]) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as a dictionary of parsed values."""
    from netdsl.elaborate.elaborator import parse_param_value

    params: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise error("E309", f"--set expects NAME=VALUE, got {item!r}",
                        hint="for example --set alpha=1.4")
        params[name] = parse_param_value(text.strip(), name)
    return params


def split_values(text: str) -> list[str]:
    """``0.5,1.0`` -> ``["0.5", "1.0"]``: commas inside brackets or a string do not split,
    so ``[3, 4],[6, 3]`` is two lists and ``"a,b"`` one string (netdsl's strings are in
    double quotes, with no escapes)."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif quoted:
            pass
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def parse_grid(items: Sequence[str], limits=None) -> dict[str, list[Any]]:
    """``--grid NAME=V1,V2,...`` options as ``{name: [values]}``, each value parsed as a
    ``--set`` value is (E309 naming the parameter when it is not one)."""
    from netdsl.elaborate.elaborator import parse_param_value
    from netdsl.sweeps import check_variant_count

    texts: dict[str, list[str]] = {}
    variants = 1
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise error("E309", f"--grid expects NAME=V1,V2,..., got {item!r}",
                        hint="for example --grid alpha=0.5,0.75,1.0")
        if name in texts:
            raise error("E309", f"--grid gives parameter '{name}' twice",
                        hint=f"give all its values in one --grid {name}=V1,V2,...")
        values = split_values(text)
        if not all(values):
            raise error("E309", f"--grid {name} has an empty value: {text.strip()!r}",
                        hint=f"separate the values with single commas, e.g. --grid {name}=1,2")
        variants *= len(values)
        check_variant_count(variants)  # before parsing thousands of values
        texts[name] = values
    return {name: [parse_param_value(value, name, limits) for value in values]
            for name, values in texts.items()}


def pipeline(args: argparse.Namespace) -> tuple[str, ...]:
    """The passes chosen by ``--passes`` and ``--disable``, checked."""
    from netdsl.diagnostics import did_you_mean
    from netdsl.passes import DEFAULT_PIPELINE, PASSES, check_pipeline

    names = tuple(DEFAULT_PIPELINE)
    if args.passes is not None:
        names = tuple(n.strip() for n in args.passes.split(",") if n.strip())
        if not names:
            raise error("E601", "--passes names no pass",
                        hint=f"for example --passes {','.join(DEFAULT_PIPELINE)}")
    for name in [*args.disable, *([args.print_ir_after] if args.print_ir_after else [])]:
        if name not in PASSES and name != "all":
            raise error("E601", f"unknown pass '{name}'",
                        hint=did_you_mean(name, PASSES) or f"passes: {', '.join(PASSES)}")
    names = tuple(n for n in names if n not in args.disable)
    check_pipeline(names)
    return names


def _cost_options(args: argparse.Namespace) -> dict[str, Any]:
    from netdsl.limits import Limits

    given = {"max_nodes": args.max_layers, "max_source_bytes": args.max_source_size,
             "max_nesting": args.max_nesting}
    options: dict[str, Any] = {
        "limits": Limits(**{name: value for name, value in given.items() if value is not None})}
    if hasattr(args, "dtype"):
        options.update(dtype=args.dtype, batch=args.batch, memory_model=args.memory_model,
                       passes=pipeline(args), keep_graphs=bool(args.print_ir_after))
    if args.command == "check":  # the network as written: no optimisation
        options["passes"] = ("infer-shapes", "annotate-cost")
    if args.command == "export":
        options["passes"] = pipeline(args)
    if args.command == "bench":  # costs beside the times are those of the batch run
        options["batch"] = args.batch
    if getattr(args, "weights", None):
        options["weights"] = args.weights
    if getattr(args, "seed", None) is not None:
        options["seed"] = args.seed
    if getattr(args, "device", None):
        options["device"] = args.device
    if getattr(args, "pass_option", None):
        options["pass_options"] = parse_pass_options(args.pass_option)
    return options


def parse_pass_options(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``--pass-option PASS.NAME=VALUE`` as ``{pass: {name: value}}``.

    A value is an integer, a number, ``true``/``false`` or else the text itself
    (a device name, a path); option names may be written with ``-`` for ``_``.
    """
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, text = item.partition("=")
        name, dot, key = target.strip().rpartition(".")
        if not sep or not dot or not name or not key:
            raise error("E603", f"--pass-option expects PASS.NAME=VALUE, got {item!r}",
                        hint="for example --pass-option estimate-latency.device=rpi4")
        options.setdefault(name, {})[key.replace("-", "_")] = _option_value(text.strip())
    return options


def _option_value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def save_weights(result, destination: str, inputs: Sequence[str]) -> None:
    """``--save-weights``: the weights after the passes, as an ``.npz`` file."""
    import io

    import numpy as np

    from netdsl.weights import graph_weights

    arrays = graph_weights(result.graph)
    if not arrays:
        raise error("E702", "there are no weights to save",
                    hint="give the network's weights with --weights FILE.npz")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_output(buffer.getvalue(), destination, inputs)


def _print_diagnostics_of_passes(result, args: argparse.Namespace) -> None:
    """``--print-ir-after`` and ``--time-passes``: to standard error, the report stays clean."""
    from netdsl.ir.printer import print_graph

    where = printable(result.source or result.name)
    lines: list[str] = []
    if getattr(args, "print_ir_after", None):
        for run in result.runs:
            if args.print_ir_after in ("all", run.name) and run.graph is not None:
                lines += [f"# IR after {run.name} ({where})\n", print_graph(run.graph)]
    if getattr(args, "time_passes", False):
        stages = [*result.timings, *((run.name, run.seconds) for run in result.runs)]
        total = sum(seconds for _, seconds in stages)
        layers = len(result.graph)
        lines.append(f"# time per stage ({where}, {layers} layers after passes)\n")
        lines += [f"  {name:<18} {seconds * 1000:9.2f} ms\n" for name, seconds in stages]
        lines.append(f"  {'total':<18} {total * 1000:9.2f} ms\n")
    _write_stderr("".join(lines))


#: Pass options that have a command-line option of their own.
_PASS_FLAGS = ("dtype", "batch", "memory_model", "device")


def list_passes() -> str:
    """The text of ``netdsl passes``: every pass, its options and the default pipeline."""
    import attrs

    from netdsl.passes import DEFAULT_PIPELINE, PASSES

    width = max(len(name) for name in PASSES)
    lines = []
    for name, cls in PASSES.items():
        optional = "" if name in DEFAULT_PIPELINE else " (not in the default pipeline)"
        lines.append(f"{name:<{width}}  {cls.description}{optional}")
        instance = cls()
        if instance.requires:
            lines.append(f"{'':<{width}}  requires: {', '.join(instance.requires)}")
        options = []
        for field in attrs.fields(cls):
            if field.name == "requires":
                continue
            value = getattr(instance, field.name)
            flag = f"--{field.name.replace('_', '-')}" if field.name in _PASS_FLAGS \
                else f"--pass-option {name}.{field.name}=..."
            options.append(f"{field.name}={'none' if value is None else value} ({flag})")
        if options:
            lines.append(f"{'':<{width}}  options: {', '.join(options)}")
    lines += ["", f"default pipeline: {','.join(DEFAULT_PIPELINE)}"]
    return "\n".join(lines) + "\n"


def is_onnx(path: str) -> bool:
    """Whether the command reads ``path`` as an ONNX model (by its suffix)."""
    return path.lower().endswith(".onnx")


def _compile(path: str, params: dict[str, Any], args: argparse.Namespace):
    from netdsl.driver import compile_file, compile_string

    options = _cost_options(args)
    if is_onnx(path):
        from netdsl.bridge.onnx_import import import_onnx

        imported = import_onnx(path, unknown_as_zero=args.unknown_as_zero)
        result = compile_string(imported.source, filename=f"{path} (imported)", params=params,
                                **options)
        return attrs.evolve(result, source=path,
                            warnings=(*result.warnings, *_zero_cost_warning(imported)))
    if path == "-":
        from netdsl.reading import read_stream

        # Bytes from sys.stdin.buffer, bounded and decoded as a file is (netdsl.reading).
        text = read_stream(sys.stdin, options["limits"])
        return compile_string(text, filename="<stdin>", params=params, **options)
    return compile_file(path, params=params, **options)


_VARIANT = re.compile(r"^(?P<path>.*?)(?P<sets>(?::[A-Za-z_][A-Za-z0-9_]*=[^:]*)+)$")


def split_variant(spec: str) -> tuple[str, list[str]]:
    """``file.net:alpha=1.4:size=160`` -> ``("file.net", ["alpha=1.4", "size=160"])``."""
    match = None if os.path.exists(spec) else _VARIANT.match(spec)
    if not match:
        return spec, []
    return match["path"], match["sets"][1:].split(":")


def _label(path: str, sets: list[str], result) -> str:
    return result.name + (f" ({', '.join(sets)})" if sets else "")


def _use_color(choice: str, stream) -> bool:
    """``--color``; for ``auto``, the FORCE_COLOR, NO_COLOR and TERM conventions, then isatty.

    The command line wins over the environment (no-color.org: per-instance arguments
    override NO_COLOR). FORCE_COLOR set to anything but the empty string, ``0`` included,
    turns colour on, over NO_COLOR too: force-color.org's reference implementation
    applies it after NO_COLOR. NO_COLOR set and not empty turns it off; TERM=dumb, a
    terminal that cannot show it, leaves it off.
    """
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("FORCE_COLOR"):  # set and not empty, whatever the value
        return True
    if os.environ.get("NO_COLOR"):  # set and not empty; NO_COLOR= is as if unset
        return False
    return os.environ.get("TERM") != "dumb" and _isatty(stream)


def _isatty(stream) -> bool:
    """Whether ``stream`` is a terminal; False when it is closed (None) or not a file."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _report_errors(exc: NetdslError, args: argparse.Namespace) -> None:
    """The diagnostics on standard error, as ``--diagnostics`` asks (human by default).

    With ``--diagnostics json`` they join the run's document instead (:class:`_Outcome`),
    which :func:`main` writes once the command is over.
    """
    form = getattr(args, "diagnostics", "human")
    outcome = getattr(args, "json_outcome", None)
    if form == "json" and outcome is not None:
        outcome.add_error(exc)
        return
    if form == "json":
        text = exc.to_json()
    elif form == "short":
        text = exc.render_short()
    else:
        text = exc.render(_use_color(getattr(args, "color", "auto"), sys.stderr))
    _write_stderr(text + "\n")


def _report_warnings(result, args: argparse.Namespace, file: str | None = None) -> None:
    """Warnings and notes of a compile that succeeded (W401, W701, N204), printed as errors
    are; the exit status stays 0. With ``--diagnostics json`` the network compiled (from
    ``file``, by default the command's FILE) is named in the document too."""
    outcome = getattr(args, "json_outcome", None)
    if outcome is not None:
        outcome.add_result(result, file if file is not None else getattr(args, "file", None))
    if result.warnings:
        _report_errors(NetdslError(result.warnings), args)


#: The schema of the document ``--diagnostics json`` writes (docs/cli.md, "Diagnostics").
DIAGNOSTICS_SCHEMA = "netdsl.diagnostics/1"


@attrs.define
class _Outcome:
    """What ``--diagnostics json`` reports of one run, success or not.

    The networks compiled (``compare`` compiles several), and every diagnostic
    in the order found: the warnings of each compile, then the errors that
    ended the run, if any.
    """

    command: str
    file: str | None
    networks: list[dict[str, Any]] = attrs.Factory(list)
    diagnostics: list[Diagnostic] = attrs.Factory(list)
    omitted: int = 0
    omitted_at_least: bool = False

    def add_result(self, result, file: str | None) -> None:
        """A network that compiled: its name, layers as written and output shape."""
        shape = result.output_shape
        self.networks.append({"file": file, "network": result.name,
                              "layers": len(result.elaborated),
                              "output_shape": None if shape is None else list(shape)})

    def add_error(self, exc: NetdslError) -> None:
        """Diagnostics reported (errors, or warnings of a compile), and the count left out."""
        self.diagnostics.extend(exc.diagnostics)
        self.omitted += exc.omitted
        self.omitted_at_least = self.omitted_at_least or exc.omitted_at_least

    def document(self, ok: bool) -> dict[str, Any]:
        """The JSON document: schema, file, ok, the network, the diagnostics."""
        single = self.networks[0] if self.networks and self.command != "compare" else {}
        document: dict[str, Any] = {
            "schema": DIAGNOSTICS_SCHEMA, "file": self.file, "ok": ok,
            "network": single.get("network"), "layers": single.get("layers"),
            "output_shape": single.get("output_shape"),
            "diagnostics": [diagnostic.to_dict() for diagnostic in self.diagnostics],
            "omitted": self.omitted, "omitted_at_least": self.omitted_at_least}
        if self.command == "compare":
            document["networks"] = self.networks
        return document


def _write_outcome(outcome: _Outcome, args: argparse.Namespace, status: int) -> int:
    """``--diagnostics json``: write the run's document; return the exit status.

    It goes to standard output for ``check`` (instead of the "ok" line) and when the
    command wrote its output to a file (``-o FILE``); else standard output carries the
    report, and the document goes to standard error. Where depends on the options
    only, never on how far the run got. Standard output closed or full makes it E100
    and status 1, the document then on standard error.
    """
    import json

    text = json.dumps(outcome.document(status == EXIT_OK), indent=2) + "\n"
    if args.command != "check" and _report_on_stdout(args):
        _write_stderr(text)
        return status
    try:
        _write_stdout(text)
    except _ReaderGone:
        pass
    except NetdslError as exc:
        outcome.add_error(exc)
        _write_stderr(json.dumps(outcome.document(False), indent=2) + "\n")
        return EXIT_INPUT
    return status


def _report_on_stdout(args: argparse.Namespace) -> bool:
    """Whether what the command makes (a report, a diagram, a model) is printed on standard
    output: without ``-o FILE``, and for ``sweep`` with a chart in the file, the table."""
    if getattr(args, "output", None) in (None, "-"):
        return True
    if args.command != "sweep":
        return False
    # Not output_format: this decides where the diagnostics of a refused name go.
    fmt = args.format or formats.from_suffix(args.output)
    return fmt in ROOFLINE_FORMATS


class _ReaderGone(Exception):
    """Standard output is a pipe whose reader has stopped reading (``| head``)."""


def _write_stderr(text: str) -> None:
    """Write to standard error as well as can be: closed, full or a closed pipe, skip it.

    What goes there (diagnostics, --time-passes) never changes the exit status.
    """
    if not text or sys.stderr is None:  # None: started with standard error closed
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):  # ValueError: the stream was closed
        pass


def _write_stdout(text: str | bytes) -> None:
    """Write to standard output, now: E100 when it is closed or fails (full, say).

    A closed pipe raises :class:`_ReaderGone`: the reader has what it wanted.
    """
    try:
        if sys.stdout is None:  # started with standard output closed (>&-)
            raise OSError(errno.EBADF, "standard output is closed")
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        raise _ReaderGone from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error("E100", f"cannot write to standard output: {reason}",
                    hint="write to a file with -o") from None


def _same_file(first: str, second: str) -> bool:
    """Whether two paths name one file: by spelling, through symlinks, or by identity."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)  # a hard link, a case-insensitive name
    except (OSError, ValueError):
        return False


def _file_mode(path: str) -> int | None:
    """``st_mode`` of ``path`` (following symlinks), or None when it does not exist."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def write_output(text: str | bytes, destination: str | None, inputs: Sequence[str]) -> None:
    """Print ``text`` or write it to ``destination``, never over an input.

    A new path or a regular file is written atomically: a temporary file beside
    it, renamed into place, with the mode of the file it replaces. An existing
    character device or FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is
    written in place, never replaced. What :func:`check_destination` refuses is
    E100. Bytes (an image, an ``.npz`` file) go to standard output's binary buffer.
    """
    mode = check_destination(destination, inputs)
    if destination is None or destination == "-":
        _write_stdout(text)
        return
    data = text.encode("utf-8") if isinstance(text, str) else text
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        _write_in_place(data, destination, printable(destination))
    else:
        _write_atomically(data, destination, printable(destination), mode)


def check_destination(destination: str | None, inputs: Sequence[str]) -> int | None:
    """Refuse (E100) an output path :func:`write_output` must not write; else its ``st_mode``.

    Refused: an input (under any name), a directory or a name ending in ``/``, a
    block device, a socket, a file in a missing or unwritable directory, a
    regular file one may not write. None: standard output, or a file to create.
    """
    if destination is None or destination == "-":
        return None
    shown = printable(destination)

    def refuse(reason: str, hint: str | None = "give the name of a file with -o") -> NetdslError:
        return error("E100", f"cannot write '{shown}': {reason}", hint=hint)

    if not destination:
        raise refuse("no file name")
    mode = _file_mode(destination)
    if (mode is not None and stat.S_ISDIR(mode)) or \
            os.path.basename(destination.rstrip("/")) in ("", ".", ".."):
        raise refuse("it is a directory", hint="give the name of a file in it")
    if destination.endswith(("/", os.sep)):  # open() would say "Not a directory" or worse
        raise refuse("a file name cannot end with '/'")
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return mode  # written in place: nothing is replaced
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a block device" if stat.S_ISBLK(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise refuse(f"it is {kind}")
    if any(name != "-" and _same_file(name, destination) for name in inputs):
        raise error("E100", f"refusing to overwrite the input file '{shown}'",
                    hint="choose another output file with -o")
    directory = _file_mode(os.path.dirname(destination) or ".")
    if directory is None or not stat.S_ISDIR(directory):
        raise refuse(os.strerror(errno.ENOENT if directory is None else errno.ENOTDIR),
                     hint=None)
    if not os.access(os.path.dirname(destination) or ".", os.W_OK | os.X_OK) or \
            (mode is not None and not os.access(destination, os.W_OK)):
        raise refuse(os.strerror(errno.EACCES),
                     hint="the file is read-only" if mode is not None else None)
    return mode


def _write_in_place(data: bytes, destination: str, shown: str) -> None:
    """Write to a device or FIFO as a shell's ``>`` would: opened, written, never replaced."""
    try:
        handle = os.open(destination, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except OSError as exc:
        raise error("E100", f"cannot write '{shown}': {exc.strerror or exc}") from None


def _write_atomically(data: bytes, destination: str, shown: str, mode: int | None) -> None:
    """A temporary file beside ``destination`` (created exclusively), renamed over it."""
    import tempfile

    if mode is None:  # a new file: what open() would have made
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    directory, name = os.path.split(destination)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp",
                                             dir=directory or ".")
        with os.fdopen(handle, "wb") as stream:
            if hasattr(os, "fchmod"):  # mkstemp makes it 0600
                os.fchmod(stream.fileno(), stat.S_IMODE(mode) & 0o777)
            stream.write(data)
        os.replace(temporary, destination)
    except OSError as exc:
        if temporary is not None and os.path.lexists(temporary):
            os.unlink(temporary)
        raise error("E100", f"cannot write '{shown}': {exc.strerror or exc}") from None


def _check_outputs(args: argparse.Namespace) -> None:
    """What ``compile`` will write, refused before compiling: -o and --save-weights on one
    stream or file (E100), -o over an input (E100), an -o name that names no format (E309)."""
    if args.save_weights:
        if args.save_weights == "-" and args.output in (None, "-"):
            raise error("E100", "-o and --save-weights both write to standard output",
                        hint="give one of them a file")
        if "-" not in (args.save_weights, args.output or "-") \
                and _same_file(args.save_weights, args.output):
            raise error("E100", "-o and --save-weights name the same file "
                        f"'{printable(args.output)}'", hint="give them different files")
    check_destination(args.output, [args.file, *([args.weights] if args.weights else [])])
    output_format(args, FORMATS)


def output_format(args: argparse.Namespace, allowed: Sequence[str]) -> str:
    """--format, else the format the -o file's suffix names, else text.

    An -o name whose suffix names no format of ``allowed`` (``r.jpg``, or ``out.svg`` for a
    command that writes no diagram) is E309: writing a text report into it would quietly
    give the user something other than what the name asks for. A name without a suffix
    (``-o report``, ``-o /dev/null``) is text.
    """
    if args.format:
        return args.format
    if args.output in (None, "-"):
        return "text"
    implied = formats.from_suffix(args.output)
    if implied in allowed:
        return implied
    if not os.path.splitext(args.output)[1]:
        return "text"
    raise unnamed_format_error(args.output, allowed)


def unnamed_format_error(output: str, allowed: Sequence[str]) -> NetdslError:
    """E309 for an -o file name that names no format of ``allowed``, with the suffixes
    that do and the --format choices as the hint."""
    suffixes = ", ".join(s for name in allowed for s in formats.FORMATS[name].suffixes)
    return error("E309", f"cannot tell the output format from the file name "
                 f"'{printable(output)}'",
                 hint=f"name it {suffixes}, or give --format {'|'.join(allowed)}")


def _render(result, args: argparse.Namespace, fmt: str) -> str | bytes:
    if args.dpi is not None and fmt != "png":  # an option that would do nothing is a mistake
        raise error("E309", f"--dpi sets the resolution of a PNG image, not of {fmt} output",
                    hint="give --format png or -o FILE.png; SVG and PDF are vector "
                    "images and scale without it")
    _check_rows_options(result, args, fmt)
    if fmt == "ir":
        return result.to_ir()
    if fmt in DIAGRAM_FORMATS:
        return _draw(result, args, fmt)
    width = args.width or shutil.get_terminal_size((120, 24)).columns
    return result.report(fmt, width=width, depth=args.depth, summary=args.summary,
                         expand=args.expand)


def _check_rows_options(result, args: argparse.Namespace, fmt: str) -> None:
    """E309 for a rows option (--depth, --collapse-blocks, --summary, --expand) that would
    change nothing in ``fmt`` output, as for --dpi: ignored in silence, it would look as
    though it had worked."""
    given = [option for option, on in (("--depth", args.depth is not None),
                                       ("--collapse-blocks", args.collapse_blocks is not None),
                                       ("--summary", args.summary),
                                       ("--expand", bool(args.expand))) if on]
    if fmt == "ir" and given:
        raise error("E309", f"{given[0]} sets the rows of a report or the boxes of a diagram, "
                    "not the IR text", hint="the IR text lists every layer; give --format "
                    "text, json, csv or markdown, or a diagram format")
    if args.summary and fmt in DIAGRAM_FORMATS:
        raise error("E309", f"--summary shortens a report, not {fmt} output",
                    hint="give --format text, json, csv or markdown; --collapse-blocks or "
                    "--depth draws fewer boxes")
    if args.collapse_blocks is not None and fmt not in DIAGRAM_FORMATS:
        raise error("E309", f"--collapse-blocks sets the boxes of a diagram, not the rows of "
                    f"{fmt} output", hint=f"--depth {args.collapse_blocks + 1} rolls up the "
                    "same block instances into rows")
    if not args.expand:
        return
    if args.depth is None and args.collapse_blocks is None:
        raise error("E309", "--expand keeps block instances from being rolled up, and nothing "
                    "is rolled up", hint="give --depth N as well (or --collapse-blocks for a "
                    "diagram)")
    from netdsl.backends import rollup

    unmatched = rollup.unmatched(result.graph, args.expand)
    if unmatched:
        paths = rollup.instance_paths(result.graph)
        hint = did_you_mean(unmatched[0], paths) or _instances_hint(paths)
        raise error("E309", f"--expand '{printable(unmatched[0])}' names no block instance of "
                    f"{result.name}", hint=hint)


def _instances_hint(paths: Sequence[str]) -> str:
    """What --expand can name in a network whose instances are ``paths``."""
    if not paths:
        return "this network has no block instances"
    top = [path for path in paths if "/" not in path]
    shown = ", ".join(top[:6]) + (", ..." if len(top) > 6 else "")
    inner = next((path for path in paths if "/" in path), None)
    inside = (f"; one inside another by its path, such as {inner}, or a pattern such as "
              f"'{inner.rpartition('/')[0]}/*'" if inner else "")
    return f"the top-level block instances are {shown}{inside}"


def _collapse(args: argparse.Namespace) -> int | None:
    """The diagram's collapse depth: --collapse-blocks D, or --depth D+1 (the same rows)."""
    if args.depth is not None and args.collapse_blocks is not None:
        raise error("E309", "--depth and --collapse-blocks both set how far blocks are "
                    "rolled up", hint=f"give one: --collapse-blocks {args.collapse_blocks} is "
                    f"--depth {args.collapse_blocks + 1}")
    return args.collapse_blocks if args.depth is None else args.depth - 1


def _roofline(args: argparse.Namespace) -> None:
    """``netdsl roofline``: the layers under the device's roofline, and their times."""
    from netdsl.bridge import require

    require("matplotlib", "netdsl roofline")  # before compiling: say what to install at once
    fmt = args.format
    if fmt is None:
        to_file = args.output not in (None, "-")
        fmt = formats.from_suffix(args.output) if to_file else "svg"
        if fmt not in ROOFLINE_FORMATS:
            raise error("E309", "cannot tell the image format from the file name "
                        f"'{printable(args.output)}'",
                        hint="name it .svg, .png or .pdf, or give --format svg, png or pdf")
    if fmt in ("png", "pdf") and args.output in (None, "-") and _isatty(sys.stdout):
        raise error("E100", f"refusing to write a {fmt.upper()} image to the terminal",
                    hint=f"write it to a file with -o, e.g. -o roofline.{fmt}")
    check_destination(args.output, [args.file])
    result = _compile(args.file, parse_assignments(args.params), args)
    _report_warnings(result, args)
    _print_diagnostics_of_passes(result, args)
    from netdsl.backends.roofline import render_roofline

    write_output(render_roofline(result, fmt), args.output, [args.file])


def _sweep(args: argparse.Namespace) -> None:
    """``netdsl sweep``: every combination of the grid compiled, the Pareto set marked."""
    from netdsl.sweeps import ESTIMATED, default_figures, no_estimate_error, objective, sweep

    options = _cost_options(args)
    options.pop("keep_graphs", None)
    grid = parse_grid(args.grid, options["limits"])
    params = parse_assignments(args.params)
    estimating = bool(options.get("device")) or "estimate-latency" in options["passes"]
    x, y = args.pareto or default_figures(estimating)
    sort = x if args.sort is None else None if args.sort == "grid" else args.sort
    for name in (x, y, sort):
        if name is not None and objective(name).figure in ESTIMATED and not estimating:
            raise no_estimate_error(objective(name).figure)
    allowed = (*REPORT_FORMATS, *ROOFLINE_FORMATS)
    if args.format is None and args.output not in (None, "-") and \
            formats.from_suffix(args.output) not in allowed:
        # Not a text table in sweep.jpg or out.dot: the name asks for what sweep cannot write.
        # Unlike compile, a name without a suffix is refused too: it could be a chart.
        raise unnamed_format_error(args.output, allowed)
    fmt = output_format(args, allowed)
    chart = fmt in ROOFLINE_FORMATS
    if chart:
        from netdsl.bridge import require

        require("matplotlib", "netdsl sweep's chart")  # before compiling anything
        if fmt in ("png", "pdf") and args.output in (None, "-") and _isatty(sys.stdout):
            raise error("E100", f"refusing to write a {fmt.upper()} image to the terminal",
                        hint=f"write it to a file with -o, e.g. -o sweep.{fmt}")
    check_destination(args.output, [args.file])
    source, filename = _sweep_source(args, options["limits"])
    rows = sweep(source, grid, params=params, filename=filename, jobs=args.jobs, **options)
    warnings = tuple(dict.fromkeys(w for row in rows for w in row.warnings))  # each once
    if warnings:
        _report_errors(NetdslError(warnings), args)
    if not any(row.ok for row in rows):
        first = rows[0]
        assert first.error is not None
        note = Note(f"no variant compiled (of {len(rows)}); this is the error of the first, "
                    f"{first.label}")
        raise NetdslError(attrs.evolve(first.error, notes=(*first.error.notes, note)))
    facts = {"sort": sort, "dtype": args.dtype, "batch": args.batch,
             "memory_model": args.memory_model, "source": printable(args.file)}
    from netdsl.backends.sweep_report import RENDERERS, render_sweep_text

    # As compile and compare: --width, else the terminal's, else 120 columns.
    width = args.width or shutil.get_terminal_size((120, 24)).columns
    if chart:
        from netdsl.backends.sweep_chart import render_sweep_chart

        write_output(render_sweep_chart(rows, x, y, fmt), args.output, [args.file])
        if args.output not in (None, "-"):  # the table beside the chart
            _write_stdout(render_sweep_text(rows, x, y, width=width, **facts))
        return
    extra = {"width": width} if fmt == "text" else {}
    write_output(RENDERERS[fmt](rows, x, y, **facts, **extra), args.output, [args.file])


def _sweep_source(args: argparse.Namespace, limits) -> tuple[Any, str]:
    """What ``netdsl sweep`` compiles: a path, or the text of standard input or of an ONNX
    model imported; and the name messages give it."""
    from pathlib import Path

    if is_onnx(args.file):
        from netdsl.bridge.onnx_import import import_onnx

        imported = import_onnx(args.file, unknown_as_zero=args.unknown_as_zero)
        return imported.source, f"{args.file} (imported)"
    if args.file == "-":
        from netdsl.reading import read_stream

        text = read_stream(sys.stdin, limits)
        return (text if "\n" in text else text + "\n"), "<stdin>"  # text, never a path
    return Path(args.file), args.file


def _draw(result, args: argparse.Namespace, fmt: str) -> str | bytes:
    """The diagram as DOT text or an image; without Graphviz, the DOT text beside -o."""
    if fmt in ("png", "pdf") and args.output in (None, "-") and _isatty(sys.stdout):
        raise error("E100", f"refusing to write a {fmt.upper()} image to the terminal",
                    hint=f"write it to a file with -o, e.g. -o {result.name}.{fmt}")
    dot_text = result.to_dot(color_by=args.color_by, collapse=_collapse(args),
                             expand=args.expand, rankdir=args.rankdir)
    if fmt == "dot":
        return dot_text
    from netdsl.backends.render import render

    try:
        return render(dot_text, fmt, dpi=args.dpi)
    except NetdslError as exc:
        fallback = _dot_fallback(args.output)
        if exc.diagnostics[0].code != "E801" or fallback is None:
            raise
        write_output(dot_text, fallback, [args.file])
        first = exc.diagnostics[0]
        note = Note(f"the DOT text was written to {fallback}; with Graphviz installed, "
                    f"`dot -T{fmt}{f' -Gdpi={args.dpi}' if args.dpi else ''} {fallback} "
                    f"-o {args.output}` draws it")
        raise NetdslError(attrs.evolve(first, notes=(*first.notes, note))) from None


def _dot_fallback(output: str | None) -> str | None:
    """Where the DOT text goes when an image cannot be drawn: beside -o, never over a file."""
    if output in (None, "-"):
        return None
    mode = _file_mode(output)
    if mode is not None and not stat.S_ISREG(mode):  # -o /dev/null: nothing beside it
        return None
    candidate = os.path.splitext(output)[0] + ".dot"
    return None if os.path.exists(candidate) else candidate


def _zero_cost_warning(imported) -> tuple:
    """W901 listing the ONNX operators an import counted as zero-cost layers."""
    from netdsl.diagnostics import warning

    if not imported.zero_cost:
        return ()
    listed = ", ".join(f"'{node}' ({op})" for node, op in imported.zero_cost[:5])
    more = len(imported.zero_cost) - 5
    return (warning("W901", f"{len(imported.zero_cost)} ONNX operator"
                    f"{'s' * (len(imported.zero_cost) != 1)} counted as zero-cost layers: "
                    f"{listed}{f' and {more} more' if more > 0 else ''}",
                    hint="their cost is not in the totals; netdsl has no layer for them"),)


def _import(args: argparse.Namespace) -> None:
    """``netdsl import``: an ONNX model as netdsl source (and its weights)."""
    from netdsl.bridge.onnx_import import import_onnx
    from netdsl.driver import compile_string

    check_destination(args.output, [args.file])
    if args.weights_out:
        check_destination(args.weights_out, [args.file])
        if args.weights_out != "-" and args.output not in (None, "-") and \
                _same_file(args.weights_out, args.output):
            raise error("E100", "-o and --weights-out name the same file "
                        f"'{printable(args.output)}'", hint="give them different files")
    imported = import_onnx(args.file, unknown_as_zero=args.unknown_as_zero)
    # What is written must compile: check it before writing anything.
    result = compile_string(imported.source, filename=f"{args.file} (imported)",
                            passes=("infer-shapes", "annotate-cost"))
    _report_warnings(attrs.evolve(result, warnings=(*result.warnings,
                                                    *_zero_cost_warning(imported))), args)
    if args.weights_out:
        if imported.weights is None:
            raise error("E902", f"'{printable(args.file)}' holds no weight data (its external "
                        "data files are missing), so there are no weights to write",
                        hint="keep the model's external data files beside it")
        import io

        import numpy as np

        buffer = io.BytesIO()
        np.savez(buffer, **imported.weights)
        write_output(buffer.getvalue(), args.weights_out, [args.file])
    write_output(imported.source, args.output, [args.file])
    totals = result.totals
    if args.output not in (None, "-"):
        _write_stderr(f"wrote {printable(args.output)}: network {imported.network}, "
                      f"{len(result.graph)} layers, {totals.params.total:,} parameters, "
                      f"{totals.maccs:,} MACCs\n")


def _calibrate(args: argparse.Namespace) -> None:
    """``netdsl calibrate``: this machine's figures, measured, as a device profile."""
    from netdsl.bridge import require

    require("onnxruntime", "netdsl calibrate")
    check_destination(args.output, [])
    if not args.time_budget > 0:
        raise error("E309", f"--time-budget must be positive, got {args.time_budget}")
    from netdsl.bridge.calibrate import calibrate, threads_text

    progress = (lambda what: _write_stderr(f"measuring {what}...\n")) \
        if _isatty(sys.stderr) else None
    measured = calibrate(threads=args.threads, budget=args.time_budget, progress=progress)
    write_output(measured.profile(args.name), args.output, [])
    _write_stderr(f"peak {measured.peak / 1e9:.1f} GMACC/s, DRAM {measured.bandwidth / 1e9:.1f} "
                  f"GB/s, {measured.overhead * 1e6:.2f} us per layer, "
                  f"{threads_text(measured.threads)}; efficiency "
                  + ", ".join(f"{k} {v:.0%}" for k, v in measured.efficiency.items()) + "\n")


def _devices(args: argparse.Namespace) -> None:
    """``netdsl devices``: every shipped device profile, or one (a name or a file) in full."""
    from netdsl.devices.listing import render  # not loaded by the other commands

    _write_stdout(render(args.device, args.format))


def _export(args: argparse.Namespace) -> None:
    """``netdsl export``: the network (or, --optimized, the graph after the passes) as ONNX."""
    from netdsl.bridge import require

    require("onnx", "netdsl export")  # before compiling: say what to install at once
    check_destination(args.output, [args.file, *([args.weights] if args.weights else [])])
    if args.weights is None and args.seed is None:
        args.seed = 0
    result = _compile(args.file, parse_assignments(args.params), args)
    _report_warnings(result, args)
    _print_diagnostics_of_passes(result, args)
    from netdsl.bridge.onnx_export import OPSET, to_onnx

    graph = result.graph if args.optimized else result.baseline
    exported = to_onnx(graph, batch=args.batch)
    write_output(exported.model.SerializeToString(), args.output, [args.file])
    inputs = ", ".join(f"'{i.name}' {_onnx_dims(i)}" for i in exported.model.graph.input)
    weights = f"weights from {printable(args.weights)}" if args.weights \
        else f"random weights, seed {args.seed}"
    _write_stderr(f"wrote {printable(args.output)}: network {graph.name}"
                  f"{' (optimized)' if args.optimized else ''}, {len(exported.model.graph.node)} "
                  f"ONNX nodes for {len(graph)} layers, {graph.cost.params.total:,} parameters "
                  f"({weights}), opset {OPSET}, input {inputs}\n")


def _onnx_dims(value) -> str:
    """``N x 3 x 224 x 224`` for an ONNX value's declared shape."""
    dims = value.type.tensor_type.shape.dim
    return " x ".join(d.dim_param or str(d.dim_value) for d in dims)


def _bench(args: argparse.Namespace) -> None:
    """``netdsl bench``: measured latency, and with --per-layer the time of each layer."""
    from netdsl.bridge import require

    require("onnxruntime", "netdsl bench")  # before compiling: say what to install at once
    require("onnx", "netdsl bench")
    inputs = [args.file, *([args.weights] if args.weights else [])]
    check_destination(args.output, inputs)  # over an input: that refusal first
    fmt = output_format(args, REPORT_FORMATS)
    if fmt == "csv" and not args.per_layer:
        raise error("E309", "the CSV report of `netdsl bench` is the per-layer table",
                    hint="add --per-layer, or choose --format text, json or markdown")
    if args.weights is None and args.seed is None:
        args.seed = 0
    result = _compile(args.file, parse_assignments(args.params), args)
    _report_warnings(result, args)
    from netdsl.backends.bench_report import RENDERERS, render_bench_text
    from netdsl.bridge.bench import bench

    with _progress_bar() as progress:
        measured = bench(result, optimized=args.optimized, runs=args.runs,
                         budget_seconds=args.time_budget, warmup=args.warmup,
                         threads=args.threads, batch=args.batch, per_layer=args.per_layer,
                         progress=progress)
    if fmt == "text":
        report = render_bench_text(measured, shutil.get_terminal_size((100, 24)).columns)
    else:
        report = RENDERERS[fmt](measured)
    write_output(report, args.output, inputs)


@contextlib.contextmanager
def _progress_bar():
    """A progress callback drawing a bar on standard error when it is a terminal, else None.

    ``timing    [#####     ] 12/50 runs, 0.4 s`` after a carriage return, redrawn at most
    ten times a second, erased at the end.
    """
    if not _isatty(sys.stderr):
        yield None
        return
    import time

    width, drawn = 20, {"at": 0.0, "length": 0}

    def show(progress) -> None:
        now = time.monotonic()
        if now - drawn["at"] < 0.1:
            return
        filled = round(progress.fraction * width)
        count = f"{progress.done}/{progress.total}" if progress.total else f"{progress.done}"
        text = (f"{progress.stage:<9} [{'#' * filled}{' ' * (width - filled)}] {count} runs, "
                f"{progress.elapsed:.1f} s")
        _write_stderr("\r" + text.ljust(drawn["length"]))
        drawn.update(at=now, length=max(drawn["length"], len(text)))

    try:
        yield show
    finally:
        if drawn["length"]:
            _write_stderr("\r" + " " * drawn["length"] + "\r")


def _run_compare(args: argparse.Namespace) -> str:
    if args.bench:
        from netdsl.bridge import require

        require("onnxruntime", "netdsl compare --bench")
        require("onnx", "netdsl compare --bench")
        args.seed = 0  # random weights: latency does not depend on their values
    # A name it cannot write, before compiling; an input named by -o is refused as that.
    check_destination(args.output, [split_variant(spec)[0] for spec in args.files])
    fmt = output_format(args, REPORT_FORMATS)
    shared = parse_assignments(args.params)
    labels, results, inputs = [], [], []
    warned: set[str] = set()  # variants of one file warn alike: each warning once
    for spec in args.files:
        path, sets = split_variant(spec)
        result = _compile(path, {**shared, **parse_assignments(sets)}, args)
        fresh = tuple(w for w in result.warnings if w.one_line() not in warned)
        warned.update(w.one_line() for w in fresh)
        _report_warnings(attrs.evolve(result, warnings=fresh), args, path)
        _print_diagnostics_of_passes(result, args)
        results.append(result)
        labels.append(_label(path, sets, result))
        inputs.append(path)
    if args.label:
        if len(args.label) != len(results):
            raise error("E309", f"{len(args.label)} --label options for {len(results)} "
                        "networks", hint="give one --label per network, in order")
        labels = list(args.label)
    benches = None
    if args.bench:
        from netdsl.bridge.bench import bench

        benches = []
        for result in results:
            with _progress_bar() as progress:
                benches.append(bench(result, batch=args.batch, budget_seconds=args.time_budget,
                                     progress=progress))
    width = args.width or shutil.get_terminal_size((120, 24)).columns
    return formats.render_comparison(fmt, labels, results, benches, width)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Errors go to standard error as well as it can be written (closed or full, they
    are lost): the status is 1 all the same. When standard output is a pipe whose
    reader has stopped (``| head``), the command ends quietly with status 0. With
    ``--diagnostics json`` a JSON document ends every run, success or not
    (:func:`_write_outcome`).
    """
    args = _parser().parse_args(argv)
    if getattr(args, "diagnostics", "human") != "json":
        return _main(args)
    args.json_outcome = _Outcome(args.command, getattr(args, "file", None))
    return _write_outcome(args.json_outcome, args, _main(args))


def _compare(args: argparse.Namespace) -> None:
    """``netdsl compare``: the networks side by side, written where -o says."""
    inputs = [split_variant(spec)[0] for spec in args.files]
    write_output(_run_compare(args), args.output, inputs)


#: The commands with a handler of their own, by name; ``check`` and ``compile`` share the
#: code that follows in :func:`_main`.
_COMMANDS = {
    "passes": lambda args: _write_stdout(list_passes()),
    "calibrate": _calibrate,
    "devices": _devices,
    "compare": _compare,
    "export": _export,
    "import": _import,
    "bench": _bench,
    "roofline": _roofline,
    "sweep": _sweep,
}


def _main(args: argparse.Namespace) -> int:
    """The command ``args`` names; errors reported as ``--diagnostics`` asks."""
    try:
        command = _COMMANDS.get(args.command)
        if command is not None:
            command(args)
            return EXIT_OK
        if args.command == "compile":  # the output files checked before compiling
            _check_outputs(args)
        result = _compile(args.file, parse_assignments(args.params), args)
        _report_warnings(result, args)
        if args.command == "check":
            if getattr(args, "json_outcome", None) is None:  # else the document says it
                graph = result.graph
                shape = "x".join(map(str, graph.output_shape or ()))
                source = graph.nodes[0].shape if graph.nodes else ()
                _write_stdout(f"{printable(args.file)}: ok: network {graph.name}, {len(graph)} "
                              f"layers, input {'x'.join(map(str, source))}, output {shape}\n")
        else:
            _print_diagnostics_of_passes(result, args)
            inputs = [args.file, *([args.weights] if args.weights else [])]
            report = _render(result, args, output_format(args, FORMATS))
            if args.save_weights:  # both files checked before either is written
                check_destination(args.output, inputs)
                save_weights(result, args.save_weights, inputs)
            write_output(report, args.output, inputs)
    except NetdslError as exc:
        _report_errors(exc, args)
        # A missing optional package is a matter of installation, like a usage error.
        return EXIT_USAGE if exc.diagnostics[0].code == "E901" else EXIT_INPUT
    except _ReaderGone:
        return EXIT_OK
    return EXIT_OK


def run() -> None:
    """Console-script entry point: :func:`main`, then standard streams settled.

    Output still buffered is flushed here, not by the interpreter at exit (which
    would print "Exception ignored" and exit with 120 when a stream fails).
    """
    try:
        status = main()
    except KeyboardInterrupt:
        status = 130
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        status = exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None \
            else EXIT_USAGE
    _settle(sys.stderr)
    problem = _settle(sys.stdout)
    if status == EXIT_OK and problem is not None and not isinstance(problem, BrokenPipeError):
        status = EXIT_INPUT  # the output was not produced
    sys.exit(status)


def _settle(stream) -> OSError | None:
    """Flush ``stream``; when that fails, point its descriptor at /dev/null and return why.

    The data a failed flush leaves in the buffer then goes nowhere, quietly.
    """
    if stream is None:
        return None
    try:
        stream.flush()
        return None
    except OSError as exc:
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, stream.fileno())
            os.close(null)
        except (OSError, ValueError):
            pass
        return exc
    except ValueError:  # closed
        return None
