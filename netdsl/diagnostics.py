"""Source spans, diagnostics and their three renderings (human, one-line, JSON).

Every error a user can cause is a :class:`Diagnostic` with a stable code from
:data:`ERROR_CODES`, a primary :class:`Span`, optional notes pointing at other
places, and an optional hint. A phase collects what it can and raises a
:class:`NetdslError` carrying one or more diagnostics; only the CLI decides how
they are printed.

The human rendering follows modern compilers::

    error[E201]: unknown layer or block 'covn'
     --> net.net:3:5
      |
    3 |     covn(32, 3)
      |     ^^^^
      = help: did you mean 'conv'?
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs


@attrs.frozen
class Source:
    """A named source text; spans point into it.

    Lines end at ``\\n`` and nowhere else, as the lexer counts them (the parser
    turns ``\\r\\n`` and ``\\r`` into ``\\n`` first); ``str.splitlines`` would also
    split at ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029, and
    quote a different line than ``line:col`` names.
    """

    name: str
    text: str = attrs.field(repr=False)
    _lines: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    @_lines.default
    def _split(self) -> tuple[str, ...]:
        lines = self.text.split("\n")
        if lines[-1] == "":  # a final newline ends the last line, it starts none
            lines.pop()
        return tuple(lines)

    @property
    def lines(self) -> tuple[str, ...]:
        """The lines of the text, without their newlines."""
        return self._lines

    def line(self, number: int) -> str:
        """Return line ``number`` (1-based) without its newline, or ''."""
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""


@attrs.frozen
class Span:
    """A range in a source: 1-based line and column, end column exclusive."""

    source: Source = attrs.field(eq=False, repr=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def filename(self) -> str:
        return self.source.name

    def location(self) -> str:
        """``file:line:col``, the form editors understand."""
        return f"{self.source.name}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return self.location()


@attrs.frozen
class Note:
    """A secondary message, optionally pointing at another place."""

    message: str
    span: Span | None = None


@attrs.frozen
class Diagnostic:
    """One problem found in the input."""

    code: str
    message: str
    span: Span | None = None
    notes: tuple[Note, ...] = ()
    hint: str | None = None
    severity: str = "error"

    def render(self, color: bool = False) -> str:
        """The multi-line human form with the source line and a caret."""
        return _render(self, color)

    def one_line(self) -> str:
        """``file:line:col: error[CODE]: message`` for editors and CI logs.

        Non-printable characters (of a file name, say) are escaped: see :func:`printable`.
        """
        where = f"{self.span.location()}: " if self.span else ""
        text = f"{where}{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(text)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary, stable for tools."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "span": _span_dict(self.span),
            "notes": [{"message": n.message, "span": _span_dict(n.span)} for n in self.notes],
            "hint": self.hint,
        }


class NetdslError(Exception):
    """Raised for any problem in the user's input; carries the diagnostics.

    Elaboration reports every independent error of a file, the first
    ``MAX_ERRORS`` (20) of them as diagnostics; ``omitted`` counts those found
    after them, which are not carried. With ``omitted_at_least`` the search
    stopped (after 1,000 different errors): there may be more.
    """

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic], *, omitted: int = 0,
                 omitted_at_least: bool = False):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.omitted = omitted
        self.omitted_at_least = omitted_at_least and omitted > 0
        super().__init__(self.render_short())

    def omitted_message(self) -> str | None:
        """``note: 35 more errors not shown``; None when no error was left out."""
        if not self.omitted:
            return None
        count = f"{'at least ' * self.omitted_at_least}{self.omitted:,}"
        return f"note: {count} more error{'s' * (self.omitted != 1)} not shown"

    def render(self, color: bool = False) -> str:
        """All diagnostics in the human form, separated by blank lines."""
        parts = [d.render(color) for d in self.diagnostics]
        more = self.omitted_message()
        if more:
            parts.append(f"{_BOLD}{more}{_RESET}" if color else more)
        return "\n\n".join(parts)

    def render_short(self) -> str:
        """One line per diagnostic (:meth:`Diagnostic.one_line`), then the count left out."""
        lines = [d.one_line() for d in self.diagnostics]
        more = self.omitted_message()
        return "\n".join([*lines, more] if more else lines)

    def _render_traceback_(self) -> list[str]:
        """IPython shows an error raised in a notebook as its diagnostics, not a traceback."""
        return self.render().splitlines()

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled (by a worker process, say) with its diagnostics, not only their text."""
        return _restore_error, (type(self), self.diagnostics, self.omitted,
                                self.omitted_at_least)

    def to_dict(self) -> dict[str, object]:
        """``{"diagnostics": [...], "omitted": n, "omitted_at_least": bool}`` for tools."""
        return {"diagnostics": [d.to_dict() for d in self.diagnostics],
                "omitted": self.omitted, "omitted_at_least": self.omitted_at_least}

    def to_json(self) -> str:
        """All diagnostics as a JSON document (:meth:`to_dict`)."""
        import json

        return json.dumps(self.to_dict(), indent=2)


def _restore_error(cls: type[NetdslError], diagnostics: tuple[Diagnostic, ...], omitted: int,
                   omitted_at_least: bool) -> NetdslError:
    return cls(diagnostics, omitted=omitted, omitted_at_least=omitted_at_least)


def error(
    code: str,
    message: str,
    span: Span | None = None,
    *,
    notes: Iterable[Note] = (),
    hint: str | None = None,
) -> NetdslError:
    """Build a :class:`NetdslError` holding a single error diagnostic."""
    assert code in ERROR_CODES, code
    return NetdslError(Diagnostic(code, message, span, tuple(notes), hint))


def warning(
    code: str,
    message: str,
    span: Span | None = None,
    *,
    notes: Iterable[Note] = (),
    hint: str | None = None,
) -> Diagnostic:
    """A :class:`Diagnostic` of severity ``warning``: reported, compilation goes on."""
    assert code in WARNING_CODES, code
    return Diagnostic(code, message, span, tuple(notes), hint, severity="warning")


def printable(text: str) -> str:
    """``text`` with each non-printable character escaped as Python's ``repr`` does.

    A file name may hold an escape sequence, a newline or (undecodable bytes) a
    surrogate; printed raw, it would drive the terminal or forge a line. So
    ``"a\\x1b[31mb.net"`` is shown as ``a\\x1b[31mb.net``, a newline as ``\\n``.
    Printable text, including non-ASCII letters and backslashes, is unchanged.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    import difflib  # only needed on the error path; keeps start-up fast

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


#: Every code netdsl emits, with a one-line description (docs/language.md lists them).
ERROR_CODES: dict[str, str] = {
    "E100": "the file cannot be read (missing, a directory, not UTF-8, an empty FIFO)",
    "E101": "unexpected character",
    "E102": "unexpected token or end of line",
    "E103": "unexpected end of file (an unclosed bracket or block)",
    "E104": "inconsistent indentation",
    "E105": "unclosed or mismatched bracket",
    "E201": "unknown layer or block",
    "E202": "unknown name in an expression",
    "E203": "unknown network parameter",
    "E204": "duplicate definition",
    "E205": "the file defines no network",
    "E206": "the file defines more than one network",
    "E207": "unknown module in an import",
    "E208": "import cycle",
    "E209": "unknown attribute",
    "E301": "wrong number of arguments",
    "E302": "unknown keyword argument",
    "E303": "argument given twice",
    "E304": "wrong type of value",
    "E305": "division by zero",
    "E306": "invalid value",
    "E307": "not callable as a layer",
    "E308": "a block calls itself",
    "E309": "invalid parameter value from the command line",
    "E401": "layer has no input (missing input(...) statement)",
    "E402": "wrong input rank for a layer",
    "E403": "kernel larger than its padded input",
    "E404": "channels not divisible by groups",
    "E405": "shapes of merged tensors do not match",
    "E406": "network input declared twice",
    "E407": "empty output size",
    "E501": "network too large (size limit reached: layers, source bytes, nesting, digits)",
    "E601": "unknown pass",
    "E602": "a pass runs before one it requires",
    "E603": "a pass option that is unknown, invalid, or for a pass that does not run; an "
            "estimate shown without a device",
    "E605": "unknown device (not a shipped profile nor a readable file)",
    "E606": "invalid device profile, or a dtype the device does not run",
    "E701": "the weights file cannot be read",
    "E702": "the weights do not match the network",
    "E703": "invalid seed for random weights",
    "E704": "the data given to the executor does not fit the network",
    "E801": "Graphviz's dot program is not installed (needed for svg, png and pdf)",
    "E802": "Graphviz's dot program failed",
    "E901": "an optional package is not installed (the onnx or plot extra)",
    "E902": "the ONNX file cannot be read or is not a valid model",
    "E903": "an ONNX operator netdsl has no layer for",
    "E904": "an ONNX node netdsl cannot express (its attributes, inputs or shapes)",
    "E905": "a layer cannot be exported to ONNX",
    "E906": "ONNX Runtime cannot load or run the model",
}

#: Codes of the notes passes attach to a layer they left alone.
NOTE_CODES: dict[str, str] = {
    "N201": "a batch norm was not folded (fold-batchnorm)",
    "N202": "an activation or batch norm was not fused (fuse-activations)",
    "N204": "a definition replaces one of the same name imported from a module",
}

#: Codes of warnings: the input compiles, but something in it is likely wrong.
WARNING_CODES: dict[str, str] = {
    "W401": "the input looks channels-first (netdsl's input is height, width, channels)",
    "W402": "a merge names the current tensor, already its first operand, so counts it twice",
    "W901": "ONNX operators counted as zero-cost layers (--unknown-as-zero)",
    "W701": "weights hold NaN or infinite values (given, or made by folding)",
}


def _span_dict(span: Span | None) -> dict[str, object] | None:
    if span is None:
        return None
    return {
        "file": span.filename,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


_RED, _BLUE, _BOLD, _RESET = "\x1b[31;1m", "\x1b[34;1m", "\x1b[1m", "\x1b[0m"
_YELLOW = "\x1b[33;1m"


def _snippet(span: Span, paint, colour: str = _RED) -> list[str]:
    text = span.source.line(span.line)
    if not text and span.line > len(span.source.lines):
        return []
    gutter = str(span.line)
    pad = " " * len(gutter)
    end = span.end_column if span.end_line == span.line else len(text) + 1
    shown = text.expandtabs(1)  # a tab takes one column; other control characters escaped
    before, marked = shown[:span.column - 1], shown[span.column - 1:end - 1]
    width = max(1, end - span.column + len(printable(marked)) - len(marked))
    caret = " " * (span.column - 1 + len(printable(before)) - len(before)) + "^" * width
    return [
        paint(_BLUE, f"{pad} |"),
        paint(_BLUE, f"{gutter} |") + f" {printable(shown)}",
        paint(_BLUE, f"{pad} |") + " " + paint(colour, caret),
    ]


def _render(diag: Diagnostic, color: bool) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    colour = _YELLOW if diag.severity == "warning" else _RED
    lines = [paint(colour, f"{diag.severity}[{diag.code}]")
             + paint(_BOLD, f": {printable(diag.message)}")]
    if diag.span:
        lines.append(paint(_BLUE, " --> ") + printable(diag.span.location()))
        lines.extend(_snippet(diag.span, paint, colour))
    for note in diag.notes:
        if note.span:
            lines.append(paint(_BLUE, " = note: ")
                         + printable(f"{note.span.location()}: {note.message}"))
            lines.extend("   " + s for s in _snippet(note.span, paint))
        else:
            lines.append(paint(_BLUE, " = note: ") + printable(note.message))
    if diag.hint:
        lines.append(paint(_BLUE, " = help: ") + printable(diag.hint))
    return "\n".join(lines)
