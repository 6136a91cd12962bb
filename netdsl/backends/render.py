"""Rendering DOT text to SVG, PNG or PDF with Graphviz's ``dot`` program.

``dot`` is run directly, its DOT text on standard input and the image on
standard output: the command line is where Graphviz takes options for one
drawing such as ``-Gdpi`` (the ``graphviz`` package's ``pipe`` has no way to
pass them). When ``dot`` is missing the error says how to install Graphviz and
that ``--format dot`` needs none.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys

from netdsl.diagnostics import error

#: Image formats ``dot`` produces for us.
IMAGE_FORMATS = ("svg", "png", "pdf")

#: The program that draws; found on the PATH.
DOT_PROGRAM = "dot"

#: Graphviz's resolution of bitmaps when none is given: a PNG's pixels per inch.
DEFAULT_DPI = 96
#: The largest ``dpi`` taken. 300 prints sharply and 600 is fine print; beyond that
#: a mid-sized diagram passes Graphviz's bitmap limit of 32,767 pixels a side
#: (ResNet-50 with every layer reaches it at 600), and Graphviz scales it back down.
MAX_DPI = 600

INSTALL_HINT = (
    "install Graphviz: `sudo apt install graphviz` (Debian, Ubuntu), `brew install graphviz` "
    "(macOS), `conda install graphviz`, or see https://graphviz.org/download/; "
    "`--format dot` writes the DOT text without it"
)


def check_dpi(dpi: object, image_format: str = "png") -> int:
    """``dpi`` if it is a resolution :func:`render` takes for ``image_format``.

    It must be a whole number from 1 to :data:`MAX_DPI`, and the format PNG:
    SVG and PDF are drawn in vector form, which has no pixels to count.
    Raises ValueError saying which rule is broken.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int):
        raise ValueError(f"dpi must be a whole number of pixels per inch, not {dpi!r}")
    if not 1 <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be from 1 to {MAX_DPI}, not {dpi}")
    if image_format != "png":
        raise ValueError(f"dpi applies to png images only, not {image_format} (SVG and PDF "
                         "are vector images: they scale without it)")
    return dpi


def render(dot_text: str, image_format: str, *, dpi: int | None = None) -> bytes:
    """``dot_text`` drawn by Graphviz as ``image_format`` (one of :data:`IMAGE_FORMATS`).

    ``dpi`` sets a PNG's resolution in pixels per inch (Graphviz's ``-Gdpi``;
    :data:`DEFAULT_DPI` when None): 192 gives twice the width and height. It is
    checked by :func:`check_dpi` (ValueError). What ``dot`` prints besides the
    image (a warning that a bitmap was scaled down to fit, say) goes to
    standard error.

    Raises a :class:`~netdsl.diagnostics.NetdslError` with code E801 when the
    ``dot`` program cannot be found and E802 when it fails.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_FORMATS)}")
    command = [DOT_PROGRAM, f"-T{image_format}"]
    if dpi is not None:
        command.append(f"-Gdpi={check_dpi(dpi, image_format)}")
    try:
        run = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True,
                             check=False)
    except FileNotFoundError:
        raise error("E801", "cannot draw the diagram: Graphviz's `dot` program was not found",
                    hint=INSTALL_HINT) from None
    except OSError as exc:  # found but cannot be run (not executable, say)
        raise error("E802", f"Graphviz's `dot` could not be run: {exc.strerror or exc}",
                    hint=INSTALL_HINT) from None
    detail = run.stderr.decode("utf-8", "replace").strip()
    if run.returncode != 0:
        raise error("E802", f"Graphviz's `dot` failed: {detail or f'exit status {run.returncode}'}")
    if detail and sys.stderr is not None:
        # a closed standard error loses the warning, not the image
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"{detail}\n")
    return run.stdout
