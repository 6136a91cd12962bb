"""The ``netdsl`` command: argument parsing, file I/O and exit codes.

This is the only module that touches the outside world. Exit status: 0 when
the input compiles, 1 when it has errors, 2 for a usage error (argparse).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from netdsl import __version__
from netdsl.diagnostics import NetdslError, Note, error

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


REPORT_FORMATS = ("text", "json", "csv", "markdown")
DIAGRAM_FORMATS = ("dot", "svg", "png", "pdf")
FORMATS = (*REPORT_FORMATS, "ir", *DIAGRAM_FORMATS)
#: The format an output file's suffix implies when --format is not given.
SUFFIX_FORMATS = {".txt": "text", ".json": "json", ".csv": "csv", ".md": "markdown",
                  ".ir": "ir", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png",
                  ".pdf": "pdf"}
DTYPES = ("fp32", "fp16", "bf16", "int8", "int4")


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
        sub.add_argument("--max-layers", type=int, default=None, metavar="N",
                         help="refuse networks that expand past N layers (default 1,000,000)")
        sub.add_argument("--diagnostics", choices=("human", "short", "json"), default="human",
                         help="how errors are printed: with source and caret (human), one line "
                         "each (short, for editors and CI) or JSON (for tools)")
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="colour diagnostics (auto: only on a terminal, never with NO_COLOR)")

    def add_cost_options(sub: argparse.ArgumentParser, formats: Sequence[str]) -> None:
        sub.add_argument("--format", choices=formats, default=None,
                         help="output format (default: from the -o file's suffix, else text)")
        sub.add_argument("-o", "--output", metavar="FILE",
                         help="write the report to FILE (atomically) instead of standard output")
        sub.add_argument("--dtype", choices=DTYPES, default="fp32",
                         help="element type for model size and bytes (default: fp32)")
        sub.add_argument("--batch", type=_positive, default=1, metavar="N",
                         help="batch size; scales every activation-dependent figure")
        sub.add_argument("--memory-model", choices=("naive", "compulsory"), default="naive",
                         help="naive: no cache reuse, the article's model (default); "
                         "compulsory: every tensor read or written once")
        sub.add_argument("--width", type=_positive, default=None, metavar="COLUMNS",
                         help="width of the text table (default: the terminal's)")
        add_pass_options(sub)

    def add_pass_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--passes", metavar="A,B,...",
                         help="run exactly these passes, in order (see `netdsl passes`)")
        sub.add_argument("--disable", action="append", default=[], metavar="PASS",
                         help="leave a pass out of the pipeline (repeatable)")
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
    compile_.add_argument("--save-weights", metavar="OUT.npz",
                          help="write the weights after the passes (folded) to OUT.npz")
    diagram = compile_.add_argument_group(
        "diagrams", "options of --format dot, svg, png and pdf (docs/diagrams.md)")
    diagram.add_argument("--color-by", choices=("maccs", "memory", "params", "none"),
                         default="maccs",
                         help="shade boxes by this figure, on a log scale (default: maccs)")
    diagram.add_argument("--collapse-blocks", type=_depth, nargs="?", const=0, default=None,
                         metavar="DEPTH",
                         help="draw each block instance as one box with its totals; with "
                         "DEPTH, keep that many levels of blocks as frames first")
    diagram.add_argument("--expand", action="append", default=[], metavar="PATH",
                         help="never collapse this block instance (a path such as stage3/ir2 "
                         "or a pattern such as 'stage3/*'; repeatable)")
    diagram.add_argument("--rankdir", choices=("TB", "LR", "BT", "RL"), default="TB",
                         help="direction of the flow: TB top-down (default), LR left-right")

    commands.add_parser("passes", help="list the passes, their options and the default "
                        "pipeline")

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
_depth = _integer_at_least(0, "a depth of 0 or more")


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
    options: dict[str, Any] = {}
    if args.max_layers is not None:
        options["max_nodes"] = args.max_layers
    if hasattr(args, "dtype"):
        options.update(dtype=args.dtype, batch=args.batch, memory_model=args.memory_model,
                       passes=pipeline(args), keep_graphs=bool(args.print_ir_after))
    if args.command == "check":  # the network as written: no optimisation
        options["passes"] = ("infer-shapes", "annotate-cost")
    if getattr(args, "weights", None):
        options["weights"] = args.weights
    return options


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

    if getattr(args, "print_ir_after", None):
        for run in result.runs:
            if args.print_ir_after in ("all", run.name) and run.graph is not None:
                print(f"# IR after {run.name} ({result.source or result.name})",
                      file=sys.stderr)
                sys.stderr.write(print_graph(run.graph))
    if getattr(args, "time_passes", False):
        stages = [*result.timings, *((run.name, run.seconds) for run in result.runs)]
        total = sum(seconds for _, seconds in stages)
        layers = len(result.graph)
        print(f"# time per stage ({result.source or result.name}, {layers} layers after passes)",
              file=sys.stderr)
        for name, seconds in stages:
            print(f"  {name:<18} {seconds * 1000:9.2f} ms", file=sys.stderr)
        print(f"  {'total':<18} {total * 1000:9.2f} ms", file=sys.stderr)


def list_passes() -> str:
    """The text of ``netdsl passes``: every pass, its options and the default pipeline."""
    import attrs

    from netdsl.passes import DEFAULT_PIPELINE, PASSES

    width = max(len(name) for name in PASSES)
    lines = []
    for name, cls in PASSES.items():
        lines.append(f"{name:<{width}}  {cls.description}")
        instance = cls()
        if instance.requires:
            lines.append(f"{'':<{width}}  requires: {', '.join(instance.requires)}")
        options = [f"{f.name}={getattr(instance, f.name)} (--{f.name.replace('_', '-')})"
                   for f in attrs.fields(cls) if f.name != "requires"]
        if options:
            lines.append(f"{'':<{width}}  options: {', '.join(options)}")
    lines += ["", f"default pipeline: {','.join(DEFAULT_PIPELINE)}"]
    return "\n".join(lines) + "\n"


def _compile(path: str, params: dict[str, Any], args: argparse.Namespace):
    from netdsl.driver import compile_file, compile_string

    if path == "-":
        return compile_string(sys.stdin.read(), filename="<stdin>", params=params,
                              **_cost_options(args))
    return compile_file(path, params=params, **_cost_options(args))


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
    if choice == "always":
        return True
    if choice == "never" or "NO_COLOR" in os.environ:
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _report_errors(exc: NetdslError, args: argparse.Namespace) -> None:
    if args.diagnostics == "json":
        print(exc.to_json(), file=sys.stderr)
    elif args.diagnostics == "short":
        for diagnostic in exc.diagnostics:
            print(diagnostic.one_line(), file=sys.stderr)
    else:
        print(exc.render(_use_color(args.color, sys.stderr)), file=sys.stderr)


def write_output(text: str | bytes, destination: str | None, inputs: Sequence[str]) -> None:
    """Print ``text`` or write it atomically to ``destination`` (never over an input).

    Bytes (an image, an ``.npz`` file) go to standard output's binary buffer.
    """
    if destination is None or destination == "-":
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    target = os.path.abspath(destination)
    # realpath: a symlink to an input is the input
    if any(name != "-" and os.path.realpath(name) == os.path.realpath(target)
           for name in inputs):
        raise error("E100", f"refusing to overwrite the input file '{destination}'",
                    hint="choose another output file with -o")
    directory = os.path.dirname(target) or "."
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{os.getpid()}.tmp")
    try:
        if isinstance(text, bytes):
            with open(temporary, "wb") as handle:
                handle.write(text)
        else:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise error("E100", f"cannot write '{destination}': {exc.strerror}") from None


def output_format(args: argparse.Namespace, allowed: Sequence[str]) -> str:
    """--format, else the format the -o file's suffix names, else text."""
    if args.format:
        return args.format
    suffix = os.path.splitext(args.output or "")[1].lower()
    implied = SUFFIX_FORMATS.get(suffix, "text")
    return implied if implied in allowed else "text"


def _render(result, args: argparse.Namespace, fmt: str) -> str | bytes:
    if fmt == "ir":
        return result.to_ir()
    if fmt == "text":
        width = args.width or shutil.get_terminal_size((120, 24)).columns
        return result.to_text(width)
    if fmt in DIAGRAM_FORMATS:
        return _draw(result, args, fmt)
    return {"json": result.to_json, "csv": result.to_csv,
            "markdown": result.to_markdown}[fmt]()


def _draw(result, args: argparse.Namespace, fmt: str) -> str | bytes:
    """The diagram as DOT text or an image; without Graphviz, the DOT text beside -o."""
    if fmt in ("png", "pdf") and args.output in (None, "-") and sys.stdout.isatty():
        raise error("E100", f"refusing to write a {fmt.upper()} image to the terminal",
                    hint=f"write it to a file with -o, e.g. -o {result.name}.{fmt}")
    dot_text = result.to_dot(color_by=args.color_by, collapse=args.collapse_blocks,
                             expand=args.expand, rankdir=args.rankdir)
    if fmt == "dot":
        return dot_text
    from netdsl.backends.render import render

    try:
        return render(dot_text, fmt)
    except NetdslError as exc:
        fallback = _dot_fallback(args.output)
        if exc.diagnostics[0].code != "E801" or fallback is None:
            raise
        write_output(dot_text, fallback, [args.file])
        first = exc.diagnostics[0]
        note = Note(f"the DOT text was written to {fallback}; with Graphviz installed, "
                    f"`dot -T{fmt} {fallback} -o {args.output}` draws it")
        raise NetdslError(attrs.evolve(first, notes=(*first.notes, note))) from None


def _dot_fallback(output: str | None) -> str | None:
    """Where the DOT text goes when an image cannot be drawn: beside -o, never over a file."""
    if output in (None, "-"):
        return None
    candidate = os.path.splitext(output)[0] + ".dot"
    return None if os.path.exists(candidate) else candidate


def _run_compare(args: argparse.Namespace) -> str:
    from netdsl.backends.compare import RENDERERS

    shared = parse_assignments(args.params)
    labels, results, inputs = [], [], []
    for spec in args.files:
        path, sets = split_variant(spec)
        result = _compile(path, {**shared, **parse_assignments(sets)}, args)
        _print_diagnostics_of_passes(result, args)
        results.append(result)
        labels.append(_label(path, sets, result))
        inputs.append(path)
    if args.label:
        if len(args.label) != len(results):
            raise error("E309", f"{len(args.label)} --label options for {len(results)} "
                        "networks", hint="give one --label per network, in order")
        labels = list(args.label)
    return RENDERERS[output_format(args, REPORT_FORMATS)](labels, results)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "passes":
        sys.stdout.write(list_passes())
        return EXIT_OK
    try:
        if args.command == "compare":
            inputs = [split_variant(spec)[0] for spec in args.files]
            write_output(_run_compare(args), args.output, inputs)
            return EXIT_OK
        result = _compile(args.file, parse_assignments(args.params), args)
        if args.command == "check":
            graph = result.graph
            shape = "x".join(map(str, graph.output_shape or ()))
            source = graph.nodes[0].shape if graph.nodes else ()
            print(f"{args.file}: ok: network {graph.name}, {len(graph)} layers, "
                  f"input {'x'.join(map(str, source))}, output {shape}")
        else:
            _print_diagnostics_of_passes(result, args)
            inputs = [args.file, *([args.weights] if args.weights else [])]
            if args.save_weights:
                save_weights(result, args.save_weights, inputs)
            write_output(_render(result, args, output_format(args, FORMATS)), args.output,
                         inputs)
    except NetdslError as exc:
        _report_errors(exc, args)
        return EXIT_INPUT
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
