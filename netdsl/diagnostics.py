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
    """A named source text; spans point into it."""

    name: str
    text: str = attrs.field(repr=False)

    def line(self, number: int) -> str:
        """Return line ``number`` (1-based) without its newline, or ''."""
        lines = self.text.splitlines()
        return lines[number - 1] if 1 <= number <= len(lines) else ""


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
        """``file:line:col: error[CODE]: message`` for editors and CI logs."""
        where = f"{self.span.location()}: " if self.span else ""
        text = f"{where}{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

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
    """Raised for any problem in the user's input; carries the diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.one_line() for d in self.diagnostics))

    def render(self, color: bool = False) -> str:
        """All diagnostics in the human form, separated by blank lines."""
        return "\n\n".join(d.render(color) for d in self.diagnostics)

    def to_json(self) -> str:
        """All diagnostics as a JSON document."""
        import json

        return json.dumps({"diagnostics": [d.to_dict() for d in self.diagnostics]}, indent=2)


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


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    import difflib  # only needed on the error path; keeps start-up fast

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


#: Every code netdsl emits, with a one-line description (docs/language.md lists them).
ERROR_CODES: dict[str, str] = {
    "E100": "the file cannot be read",
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
    "E501": "network too large (size limit reached)",
    "E601": "unknown pass",
    "E602": "a pass runs before one it requires",
    "E701": "the weights file cannot be read",
    "E702": "the weights do not match the network",
    "E801": "Graphviz's dot program is not installed (needed for svg, png and pdf)",
    "E802": "Graphviz's dot program failed",
}

#: Codes of the notes passes attach to a layer they left alone.
NOTE_CODES: dict[str, str] = {
    "N201": "a batch norm was not folded (fold-batchnorm)",
    "N202": "an activation or batch norm was not fused (fuse-activations)",
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


def _snippet(span: Span, paint) -> list[str]:
    text = span.source.line(span.line)
    if not text and span.line > len(span.source.text.splitlines()):
        return []
    gutter = str(span.line)
    pad = " " * len(gutter)
    end = span.end_column if span.end_line == span.line else len(text) + 1
    width = max(1, end - span.column)
    caret = " " * (span.column - 1) + "^" * width
    return [
        paint(_BLUE, f"{pad} |"),
        paint(_BLUE, f"{gutter} |") + f" {text.expandtabs(1)}",
        paint(_BLUE, f"{pad} |") + " " + paint(_RED, caret),
    ]


def _render(diag: Diagnostic, color: bool) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines = [paint(_RED, f"{diag.severity}[{diag.code}]") + paint(_BOLD, f": {diag.message}")]
    if diag.span:
        lines.append(paint(_BLUE, " --> ") + diag.span.location())
        lines.extend(_snippet(diag.span, paint))
    for note in diag.notes:
        if note.span:
            lines.append(paint(_BLUE, " = note: ") + f"{note.span.location()}: {note.message}")
            lines.extend("   " + s for s in _snippet(note.span, paint))
        else:
            lines.append(paint(_BLUE, " = note: ") + note.message)
    if diag.hint:
        lines.append(paint(_BLUE, " = help: ") + diag.hint)
    return "\n".join(lines)
