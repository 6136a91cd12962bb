"""How much a source may ask of the compiler: bytes, nesting, literal size, layers.

Hostile or broken input (``/dev/zero`` given as the source, ten thousand
nested brackets, a number with a million digits, ``repeat 10**9:``) must fail
at once with a coded, located error (E501), never run out of memory or hit
Python's recursion limit. :class:`Limits` gathers those bounds; the defaults
are far beyond any real network description and every one can be raised:

=======================  ============  ===========================================
field                    default       command-line option
=======================  ============  ===========================================
``max_source_bytes``     8 MiB         ``--max-source-size BYTES``
``max_nesting``          100           ``--max-nesting N`` (at most 1,000)
``max_literal_digits``   100           (API only)
``max_nodes``            1,000,000     ``--max-layers N`` (API: also ``max_nodes=``)
=======================  ============  ===========================================

``max_source_bytes`` bounds each file read (the compiled file, standard input,
each imported module). ``max_nesting`` bounds how deeply brackets, indented
blocks and right-nested operands (``- - x``, ``a ** b ** c``) nest (see
:mod:`netdsl.syntax.parser`); a chain of one left-associative operator such as
``1 + 1 + ... + 1`` is length, not nesting, and is not limited.
``max_literal_digits`` bounds the digits of one number literal. ``max_nodes``
is the number of layers a network may expand to.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import attrs

DEFAULT_MAX_SOURCE_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_NESTING = 100
DEFAULT_MAX_LITERAL_DIGITS = 100
#: The same default as ``netdsl.elaborate.elaborator.DEFAULT_MAX_NODES`` (a test checks it).
DEFAULT_MAX_NODES = 1_000_000

#: ``max_nesting`` may not be set higher: each level costs a few Python frames,
#: and this keeps the deepest accepted input well inside the C stack as well.
MAX_NESTING_CEILING = 1_000

#: How long reading a FIFO waits for a writer to appear before giving up (E100).
FIFO_WAIT_SECONDS = 0.5

#: Python frames one level of nesting may cost between parsing and elaboration
#: (an expression level takes 2 to 3, a nested block statement up to 6), with a margin.
FRAMES_PER_LEVEL = 8
#: Frames for everything around the nested part: the driver, the elaborator's
#: outer calls, function calls (up to ``expressions.MAX_CALL_DEPTH`` of them), passes.
BASE_FRAMES = 2_000
#: Frames that nested function calls may use, counted from where evaluation
#: started: a recursive function whose body itself nests deeply
#: (``def f(n) = ... abs(abs(... f(n - 1) ...))``) stops here with a located
#: E501 rather than running into the recursion limit. The rest of
#: BASE_FRAMES is left for the frames between the driver and the evaluator.
CALL_FRAMES = BASE_FRAMES - 500


def _positive(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Limits.{attribute.name} must be a positive integer, got {value!r}")


def _nesting(instance: object, attribute: attrs.Attribute, value: object) -> None:
    _positive(instance, attribute, value)
    assert isinstance(value, int)
    if value > MAX_NESTING_CEILING:
        raise ValueError(f"Limits.max_nesting may be at most {MAX_NESTING_CEILING:,}, "
                         f"got {value:,}")


@attrs.frozen
class Limits:
    """The bounds a compilation enforces; each exceeded bound is a coded error.

    Construction checks the values: each must be a positive integer
    (``ValueError`` otherwise), ``max_nesting`` at most :data:`MAX_NESTING_CEILING`.
    """

    max_source_bytes: int = attrs.field(default=DEFAULT_MAX_SOURCE_BYTES, validator=_positive)
    max_nesting: int = attrs.field(default=DEFAULT_MAX_NESTING, validator=_nesting)
    max_literal_digits: int = attrs.field(default=DEFAULT_MAX_LITERAL_DIGITS,
                                          validator=_positive)
    max_nodes: int = attrs.field(default=DEFAULT_MAX_NODES, validator=_positive)


def describe_bytes(count: int) -> str:
    """``8 MiB`` for whole mebibytes, ``1,500 bytes`` otherwise: how messages state a size."""
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024):,} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024:,} KiB"
    return f"{count:,} byte{'s' * (count != 1)}"


def stack_depth() -> int:
    """The number of Python frames below the caller's (a walk: O(depth))."""
    depth = 0
    frame = sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextlib.contextmanager
def stack_headroom(limits: Limits) -> Iterator[None]:
    """Make sure the Python stack can hold the deepest input ``limits`` accept.

    Parsing and elaboration recurse once per level of nesting, and
    ``limits.max_nesting`` is checked before they start; but Python's recursion
    limit counts the caller's frames too, so a caller already deep in its own
    recursion would turn an accepted input into a RecursionError. The recursion
    limit is raised (never lowered) for the duration so that the nesting
    limit, not the caller's stack depth, decides what compiles. The previous
    limit is restored afterwards unless someone else changed it meanwhile.
    """
    needed = stack_depth() + BASE_FRAMES + FRAMES_PER_LEVEL * limits.max_nesting
    previous = sys.getrecursionlimit()
    if needed <= previous:
        yield
        return
    sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == needed:
            sys.setrecursionlimit(previous)
