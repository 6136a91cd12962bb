"""Rendering DOT text to SVG, PNG or PDF with Graphviz's ``dot`` program.

The ``graphviz`` Python package runs ``dot``; it is imported here, lazily, so
that commands which draw nothing do not pay for it. When ``dot`` is missing
the error says how to install Graphviz and that ``--format dot`` needs none.
"""

from __future__ import annotations

from netdsl.diagnostics import error

#: Image formats ``dot`` produces for us.
IMAGE_FORMATS = ("svg", "png", "pdf")

INSTALL_HINT = (
    "install Graphviz: `sudo apt install graphviz` (Debian, Ubuntu), `brew install graphviz` "
    "(macOS), `conda install graphviz`, or see https://graphviz.org/download/; "
    "`--format dot` writes the DOT text without it"
)


def render(dot_text: str, image_format: str) -> bytes:
    """``dot_text`` drawn by Graphviz as ``image_format`` (one of :data:`IMAGE_FORMATS`).

    Raises a :class:`~netdsl.diagnostics.NetdslError` with code E801 when the
    ``dot`` program cannot be found and E802 when it fails.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)}")
    import graphviz

    try:
        return graphviz.Source(dot_text).pipe(format=image_format, encoding=None)
    except graphviz.ExecutableNotFound:
        raise error("E801", "cannot draw the diagram: Graphviz's `dot` program was not found",
                    hint=INSTALL_HINT) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip()
        raise error("E802", f"Graphviz's `dot` failed: {detail or f'exit status {exc.returncode}'}",
                    ) from None
