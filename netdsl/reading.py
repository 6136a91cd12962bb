"""Reading source text: files, FIFOs and standard input, bounded, decoded as UTF-8.

Every source (the file compiled, standard input, each imported module) is read
as bytes and decoded here, so the command line and the API see the same text:

- At most ``limits.max_source_bytes`` bytes are read; one byte more fails with
  E501 naming the limit and how to raise it, so ``/dev/zero`` or ``-`` fed from
  ``/dev/urandom`` stops at once instead of filling memory.
- Bytes that are not UTF-8 fail with E100 located at the line and column of
  the first bad byte (the quoted line shows it as U+FFFD). A leading UTF-8 byte
  order mark is dropped. Line ends are not touched here: the parser turns
  ``\\r\\n`` and a lone ``\\r`` into ``\\n`` for file and string input alike.
- A path is opened without blocking. A directory, a block device or a socket is
  E100. A FIFO with no writer would block forever, so reading waits at most
  :data:`~netdsl.limits.FIFO_WAIT_SECONDS` for a writer to appear (E100 "no
  data arrived on FIFO" after that); once a writer is there (a pipe such as
  ``<(cat file.net)``, a terminal) reading waits for its data as long as it
  takes, as ``cat`` would.
"""

from __future__ import annotations

import codecs
import errno
import os
import select
import stat
import time
from typing import IO, Any

from netdsl.diagnostics import Source, Span, error, printable
from netdsl.limits import FIFO_WAIT_SECONDS, Limits, describe_bytes

_CHUNK = 1 << 20
_SIZE_HINT = "raise the limit with --max-source-size BYTES or Limits(max_source_bytes=N)"


def shown_path(path: str | os.PathLike[str], width: int = 80) -> str:
    """A path as messages show it: non-printable characters escaped, at most ``width`` long.

    A name of thousands of characters (``import "aaaa..."``) would drown the message;
    its start and end are kept, which is where paths differ.
    """
    text = printable(os.fspath(path))
    if len(text) <= width:
        return text
    keep = width - 3
    return f"{text[:keep * 2 // 3]}...{text[-(keep - keep * 2 // 3):]}"


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and a lone ``\\r`` as ``\\n``: the one line end the lexer and spans know."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, name: str) -> str:
    """``data`` decoded as UTF-8 (a leading byte order mark dropped), else E100 located.

    The error points at the line and column (counted as the lexer counts them,
    in characters, after line-end normalisation) of the first byte that is not
    UTF-8, and names it.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    before = normalise_newlines(data[:bad].decode("utf-8"))  # valid up to the bad byte
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    source = Source(name, normalise_newlines(data.decode("utf-8", errors="replace")))
    raise error("E100", f"invalid UTF-8 byte 0x{data[bad]:02x}",
                Span(source, line, column, line, column + 1),
                hint="netdsl reads source as UTF-8 text; save the file as UTF-8")


def _kind(mode: int) -> str | None:
    """What a file that cannot be a source is, or None when it can be read."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a directory"
    if stat.S_ISBLK(mode):
        return "it is a block device"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    return "it is not a regular file"


def read_file(
    path: str | os.PathLike[str],
    limits: Limits,
    *,
    name: str | None = None,
    label: str | None = None,
    at: Span | None = None,
    fifo_wait: float = FIFO_WAIT_SECONDS,
) -> str:
    """The text of the file at ``path``, bounded and decoded (see the module's rules).

    ``name`` is the source name spans carry (default: the path); ``label`` how
    messages call the file (default: the path quoted); ``at`` where errors that
    have no place in the file itself point (an ``import``), if anywhere.
    """
    shown = label or f"'{shown_path(path)}'"

    def fail(reason: str, hint: str | None = None):
        return error("E100", f"cannot read {shown}: {reason}", at, hint=hint)

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    except ValueError:  # a NUL character in the name
        raise fail("the file name contains a NUL character") from None
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        kind = _kind(mode)
        if kind:
            raise fail(kind, hint="give the path of a .net file")
        if stat.S_ISREG(mode) and status.st_size > limits.max_source_bytes:
            data = b""  # known to be too large: fail without reading it
            too_large = True
        else:
            data = _read_fd(fd, limits.max_source_bytes, stat.S_ISFIFO(mode), fifo_wait, shown,
                            at)
            too_large = len(data) > limits.max_source_bytes
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if too_large:
        raise _too_large(shown, limits, at)
    return decode(data, name if name is not None else os.fspath(path))


def _too_large(shown: str, limits: Limits, at: Span | None):
    return error("E501", f"{shown} is larger than the source size limit of "
                 f"{describe_bytes(limits.max_source_bytes)}", at, hint=_SIZE_HINT)


def _read_fd(fd: int, max_bytes: int, fifo: bool, wait: float, shown: str,
             at: Span | None) -> bytes:
    """At most ``max_bytes + 1`` bytes from a descriptor opened with O_NONBLOCK.

    Reading a FIFO that no writer has opened yet returns end-of-file at once, and
    one a writer holds open but has not written to raises EAGAIN; so an empty
    read from a FIFO before any writer was seen means "not yet", and is retried
    for ``wait`` seconds, while EAGAIN means a writer is there and is waited for.
    """
    chunks: list[bytes] = []
    total = 0
    writer_seen = not fifo
    deadline: float | None = None
    while total <= max_bytes:
        try:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
        except BlockingIOError:
            writer_seen = True  # open for writing, just slow: wait as long as it takes
            select.select([fd], [], [])
            continue
        if chunk:
            chunks.append(chunk)
            total += len(chunk)
            writer_seen = True
            continue
        if writer_seen:
            break  # end of file
        if deadline is None:
            deadline = time.monotonic() + wait
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise error("E100", f"no data arrived on FIFO {shown} within {wait:g} s", at,
                        hint="start the program that writes to it first, or give the file "
                        "itself")
        # Linux wakes this up when a writer writes or closes; elsewhere it may
        # return at once, hence the short step.
        select.select([fd], [], [], min(remaining, 0.05))
    return b"".join(chunks)


def read_stream(stream: IO[Any] | None, limits: Limits, name: str = "<stdin>") -> str:
    """Standard input (or a stream standing in for it), bounded and decoded as UTF-8.

    The bytes come from ``stream.buffer``, so the locale and PYTHONIOENCODING
    play no part. A text stream without a buffer (``io.StringIO`` in a test or
    an embedding program) is read as text, within the same limit. ``None``
    (the program was started with standard input closed, ``<&-``) is E100.
    """
    shown = "standard input" if name == "<stdin>" else f"'{shown_path(name)}'"
    if stream is None:
        raise error("E100", f"cannot read {shown}: it is closed",
                    hint="pipe the network in (netdsl check - < net.net) or give its file")
    binary = getattr(stream, "buffer", None)
    try:
        if binary is None:
            text = stream.read(limits.max_source_bytes + 1)
            if len(text) > limits.max_source_bytes or \
                    len(text.encode("utf-8", "surrogatepass")) > limits.max_source_bytes:
                raise _too_large(shown, limits, None)
            return text
        data = binary.read(limits.max_source_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EAGAIN:
            reason = "it is in non-blocking mode and has no data"
        raise error("E100", f"cannot read {shown}: {reason}") from None
    except ValueError:  # the stream was closed
        raise error("E100", f"cannot read {shown}: it is closed") from None
    if data is None:  # a non-blocking descriptor with nothing to read yet
        raise error("E100", f"cannot read {shown}: it is in non-blocking mode and has no data")
    if len(data) > limits.max_source_bytes:
        raise _too_large(shown, limits, None)
    return decode(data, name)
