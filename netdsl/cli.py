"""The ``netdsl`` command: argument parsing, file I/O and exit codes.

This is the only module that touches the outside world. Exit status: 0 when
the input compiles, 1 when it has errors, 2 for a usage error (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from netdsl.diagnostics import NetdslError, error

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netdsl",
        description="Compile neural-network descriptions and report what they cost.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("file", help="the .net file to read ('-' for standard input)")
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

    check = commands.add_parser("check", help="check a network and print its layer count and "
                                "output shape")
    add_common(check)
    compile_ = commands.add_parser("compile", help="compile a network and print a report")
    add_common(compile_)
    compile_.add_argument("--format", choices=("ir",), default="ir",
                          help="what to print: the canonical IR text")
    compile_.add_argument("-o", "--output", metavar="FILE",
                          help="write to FILE (atomically) instead of standard output")
    return parser


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


def _compile(args: argparse.Namespace):
    from netdsl.driver import compile_file, compile_string

    params = parse_assignments(args.params)
    limits = {} if args.max_layers is None else {"max_nodes": args.max_layers}
    if args.file == "-":
        return compile_string(sys.stdin.read(), filename="<stdin>", params=params, **limits)
    return compile_file(args.file, params=params, **limits)


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


def write_output(text: str, destination: str | None, inputs: Sequence[str]) -> None:
    """Print ``text`` or write it atomically to ``destination`` (never over an input)."""
    if destination is None or destination == "-":
        sys.stdout.write(text)
        return
    target = os.path.abspath(destination)
    if any(name != "-" and os.path.abspath(name) == target for name in inputs):
        raise error("E100", f"refusing to overwrite the input file '{destination}'",
                    hint="choose another output file with -o")
    directory = os.path.dirname(target) or "."
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise error("E100", f"cannot write '{destination}': {exc.strerror}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        result = _compile(args)
        if args.command == "check":
            graph = result.graph
            shape = "x".join(map(str, graph.output_shape or ()))
            source = graph.nodes[0].shape if graph.nodes else ()
            print(f"{args.file}: ok: network {graph.name}, {len(graph)} layers, "
                  f"input {'x'.join(map(str, source))}, output {shape}")
        else:
            write_output(result.to_ir(), args.output, [args.file])
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
