"""How fast netdsl parses, beside Lark parsing the same grammar in the same run.

Run from the repository root with the project installed (the baselines need Lark, a
dependency of netdsl; nothing else)::

    python benchmarks/bench_parse.py            # about half a minute
    python benchmarks/bench_parse.py --quick    # fewer repeats
    python benchmarks/bench_parse.py --only throughput   # (a) and (b) alone

Each part prints netdsl's figure beside baselines built here, from grammar/netdsl.lark,
with Lark's own LALR parser and contextual lexer:

* Lark's tree: ``Lark.parse`` building the parse tree with ``propagate_positions``, what
  netdsl's parser did before it built its AST from that tree (so a lower bound of the
  old parser's time: its AST pass came on top);
* Lark's lexer: Lark's basic lexer and the indentation post-lexer alone, no parsing (the
  contextual lexer, which needs the parser's state, is slower): a ceiling for any
  parser that uses Lark's lexer.

(a) a 3,000-line chain written one line per conv-BN-ReLU unit, (b) every example
concatenated and repeated to about 3,000 lines: source lines per second, best of N
runs with the garbage collector paused (as the driver pauses it). netdsl's figure is
the whole of ``netdsl.syntax.parser.parse``: AST, spans and the nesting check. (c) the
start-up, in fresh processes with their bytecode cached (as in an installed package):
after importing netdsl's parser module (and attrs, the AST classes...), what parsing a
first line costs with netdsl's parser, against importing Lark, building Lark's parser
and parsing the same line (with Lark's cache file, as netdsl did, and without). (d) a
short text, in a warm process: microseconds per parse of ``let alpha = [3, 4, 6, 3]``,
what ``--set alpha=[3,4,6,3]`` parses (each value of a ``--grid`` is parsed so), beside
Lark's tree of the same line: what a parse costs beyond its tokens.

Figures are printed, never asserted: tests do not depend on wall-clock time.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 30_000  # source lines per second on the chain


def chain_source(lines: int) -> str:
    """A network of ``lines`` conv-BN-ReLU units, one source line each (15 tokens a line)."""
    body = "".join("    conv(16, 3, bias=false); bn; relu\n" for _ in range(lines))
    return f"net Chain:\n    input(8, 8, 16)\n{body}"


def examples_source(lines: int) -> str:
    """Every example, concatenated, repeated until the text has about ``lines`` lines."""
    one = "".join(p.read_text(encoding="utf-8") + "\n"
                  for p in sorted(ROOT.glob("examples/*.net")))
    return one * max(1, round(lines / one.count("\n")))


def lark_tree_parser():
    """Lark's LALR parser of netdsl's grammar, as netdsl used to configure it."""
    from lark import Lark
    from lark.indenter import Indenter

    from netdsl.syntax.parser import grammar_text

    class _Indent(Indenter):
        NL_type, OPEN_PAREN_types, CLOSE_PAREN_types = "_NL", ["LPAR", "LSQB"], ["RPAR", "RSQB"]
        INDENT_type, DEDENT_type, tab_len = "_INDENT", "_DEDENT", 8

    return Lark(grammar_text(), parser="lalr", lexer="contextual", postlex=_Indent(),
                propagate_positions=True, maybe_placeholders=True)


def best_rate(parse: Callable[[str], object], text: str, repeats: int) -> float:
    """Source lines per second: the best of ``repeats`` runs, the collector paused."""
    lines = text.count("\n")
    parse(text)
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            parse(text)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return lines / best


def bench_throughput(repeats: int) -> None:
    from netdsl.syntax.parser import parse

    tree = lark_tree_parser()

    def lex_only(text: str) -> None:  # Lark's basic lexer (it needs no parser state)
        for _ in tree.lex(text):
            pass

    for label, text in (("(a) a 3,000-line chain, one conv-BN-ReLU unit per line",
                         chain_source(3_000)),
                        ("(b) the examples, concatenated and repeated", examples_source(3_000))):
        print(f"\n{label}: {text.count(chr(10)):,} lines, {len(text):,} characters "
              f"(source lines per second, best of {repeats})")
        mine = best_rate(parse, text, repeats)
        rows = [("netdsl parse (AST, spans, nesting)", mine),
                ("baseline: Lark's tree, propagate_positions", best_rate(tree.parse, text,
                                                                           repeats)),
                ("baseline: Lark's lexer alone, no parsing", best_rate(lex_only, text,
                                                                        repeats))]
        for name, rate in rows:
            ratio = "" if rate is mine else f"   netdsl is {mine / rate:4.1f}x this"
            print(f"  {name:<46} {rate:>9,.0f}{ratio}")
        if label.startswith("(a)"):
            verdict = "met" if mine >= TARGET else "MISSED"
            print(f"  target >= {TARGET:,} lines per second: {verdict}")


def _process_ms(code: str, repeats: int, env: dict[str, str]) -> tuple[float, float]:
    """Median and best wall time of ``python -c code`` in fresh processes, in ms."""
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True, cwd=ROOT, env=env)  # warm the files and bytecode
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def bench_startup(repeats: int) -> None:
    line = "'net t:\\n    input(8, 8, 3)\\n    conv(4, 3); relu\\n'"
    lark = ("from lark import Lark\n"
            "from lark.indenter import Indenter\n"
            "class I(Indenter):\n"
            "    NL_type, OPEN_PAREN_types, CLOSE_PAREN_types = '_NL', ['LPAR', 'LSQB'], "
            "['RPAR', 'RSQB']\n"
            "    INDENT_type, DEDENT_type, tab_len = '_INDENT', '_DEDENT', 8\n"
            "Lark(p.grammar_text(), parser='lalr', lexer='contextual', postlex=I(), "
            "propagate_positions=True, maybe_placeholders=True{cache}).parse(" + line + ")\n")
    imported = "import netdsl.syntax.parser as p\n"
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "grammar.lark-cache"
        # Bytecode as an installed package has it (pip compiles it), kept out of the tree.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        rows = [
            ("python -c pass", "pass"),
            ("import netdsl.syntax.parser (attrs, the AST...)", imported),
            ("  + parse a first line: netdsl's parser", imported + f"p.parse({line})"),
            ("  + baseline: import lark, Lark's parser (cache file), parse",
             imported + lark.format(cache=f", cache={str(cache)!r}")),
            ("  + baseline: import lark, Lark's parser (no cache), parse",
             imported + lark.format(cache="")),
        ]
        print(f"\n(c) start-up in fresh processes, bytecode cached (median / best of {repeats}, "
              "ms)")
        medians = {}
        for label, code in rows:
            median, best = _process_ms(code, repeats, env)
            medians[label] = median
            print(f"  {label:<62} {median:7.1f} / {best:7.1f}")
    base = medians[rows[1][0]]
    print("  beyond the import (medians):")
    for label, _ in rows[2:]:
        print(f"    {label.split(': ', 1)[1]:<60} {medians[label] - base:7.1f} ms")


def bench_short(repeats: int) -> None:
    from netdsl.syntax.parser import parse

    text = "let alpha = [3, 4, 6, 3]\n"
    tree = lark_tree_parser()
    calls = 200

    def each(function: Callable[[str], object]) -> float:
        """Microseconds per call: the best of ``repeats`` rounds of ``calls`` calls."""
        function(text)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                function(text)
            best = min(best, (time.perf_counter() - start) / calls)
        return best * 1e6

    mine = each(lambda t: parse(t, "<--set alpha>"))
    lark = each(tree.parse)
    print(f"\n(d) a short text, {text.strip()!r} (microseconds per parse, best of {repeats} "
          f"rounds of {calls})")
    baseline = "baseline: Lark's tree, propagate_positions"
    print(f"  {'netdsl parse':<46} {mine:9.1f}")
    print(f"  {baseline:<46} {lark:9.1f}   netdsl takes {mine / lark:4.2f}x this")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=("throughput", "startup", "short"),
                        help="run one part: (a) and (b), (c), or (d)")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    if args.only in (None, "throughput"):
        bench_throughput(repeats)
    if args.only in (None, "startup"):
        bench_startup(repeats)
    if args.only in (None, "short"):
        bench_short(repeats)


if __name__ == "__main__":
    main()
