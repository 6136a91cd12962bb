"""Real weights for a graph: their shapes, random initialisation, ``.npz`` files.

A graph may carry weights as NumPy arrays on its nodes (``Node.weights``).
Arrays are keyed ``<layer name>/<parameter>`` in files and mappings, e.g.
``stage2/ir1/dw/conv/kernel`` or ``stem/bn/variance``; the parameters are

* convolution: ``kernel`` of shape (Kh, Kw, Cin/groups, Cout) and ``bias`` (Cout),
* dense: ``kernel`` (inputs, units) and ``bias`` (units),
* batch norm: ``gamma``, ``beta``, ``mean``, ``variance``, each (C).

Output channel ``o`` of a grouped or depthwise convolution belongs to group
``o // (Cout / groups)`` (the PyTorch and TensorFlow layout). NumPy is imported
only here and in the executor, so compiling for costs never pays for it.
"""

from __future__ import annotations

import math
import os
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

import attrs

from netdsl.diagnostics import Diagnostic, NetdslError, Note, Span, did_you_mean, error, warning
from netdsl.ir.graph import Graph, Node
from netdsl.ir.ops import op_def


def parameter_shapes(graph: Graph, node: Node) -> dict[str, tuple[int, ...]]:
    """The arrays ``node`` needs, by parameter name, with their shapes (its op's registry entry)."""
    parameters = op_def(node.op).parameters
    if parameters is None:
        return {}
    return parameters(node.op, [graph[name].shape for name in node.inputs], node.shape)


def random_weights(graph: Graph, seed: int = 0) -> dict[str, Any]:
    """Random weights for every layer, keyed ``<layer>/<parameter>``.

    Kernels are drawn with variance 1 / fan-in so activations stay of a
    moderate size through deep networks; batch norm statistics are kept
    away from zero (gamma and variance in [0.5, 1.5]) so that folding them is
    a real test of the algebra.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays: dict[str, Any] = {}
    for node in graph.nodes:
        for name, shape in parameter_shapes(graph, node).items():
            key = f"{node.name}/{name}"
            if name == "kernel":
                fan_in = math.prod(shape[:-1])
                arrays[key] = rng.normal(0.0, math.sqrt(1.0 / fan_in), shape)
            elif name in ("gamma", "variance"):
                arrays[key] = rng.uniform(0.5, 1.5, shape)
            else:  # bias, beta, mean
                arrays[key] = rng.normal(0.0, 0.1, shape)
    return arrays


NPZ_HINT = "weights are an .npz file (numpy.savez) keyed <layer>/<parameter>"
_REAL_KINDS = "biuf"  # bool, signed and unsigned integers, floating point
_KIND_NAMES = {"U": "strings", "S": "bytes", "O": "Python objects", "V": "records",
               "c": "complex numbers", "M": "dates", "m": "time intervals"}
_NPY_MAGIC = b"\x93NUMPY"


def _shape_text(shape: tuple[int, ...]) -> str:
    """``3x3x3x4``; never huge, whatever a file claims."""
    if len(shape) > 8:
        return f"of {len(shape)} dimensions"
    return "x".join(str(d) if -10**18 < d < 10**18 else "(over 10^18)" for d in shape)


def _expected(graph: Graph) -> dict[str, tuple[Node, tuple[int, ...]]]:
    """Every parameter the network needs: ``<layer>/<parameter>`` -> (layer, shape)."""
    return {f"{node.name}/{name}": (node, shape)
            for node in graph.nodes
            for name, shape in parameter_shapes(graph, node).items()}


def _describe(value: Any) -> str:
    """A short, printable description of a key that is not a string."""
    if isinstance(value, int) and not isinstance(value, bool) and -10**18 < value < 10**18:
        return f"{value} (int)"
    return f"of type {type(value).__name__}"


def _quote(text: str) -> str:
    """``text`` safe to print: control characters escaped, at most 80 characters."""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 80 else text[:77] + "..."


def _check_keys(graph: Graph, expected: Mapping[str, tuple[Node, tuple[int, ...]]],
                keys: Iterable[Any]) -> None:
    """E702 for a key that is not a string or names nothing the network has."""
    for key in keys:
        if not isinstance(key, str):
            raise error("E702", f"the weights have a key {_describe(key)}, not a string "
                        "<layer>/<parameter>",
                        hint="keys are <layer>/<parameter>, e.g. conv1/kernel or bn1/gamma")
        if key not in expected:
            raise error("E702", f"the weights name '{_quote(key)}', which is not a parameter "
                        f"of network {graph.name}",
                        hint=did_you_mean(key[:200], expected) or
                        "keys are <layer>/<parameter>, e.g. conv1/kernel or bn1/gamma")


def _check_present(key: str, present: Container[str], shape: tuple[int, ...],
                   node: Node) -> None:
    if key not in present:
        raise error("E702", f"the weights have no '{key}' (shape {_shape_text(shape)})",
                    notes=[Note(f"layer '{node.name}' is defined here", node.span)])


def _check_dtype(key: str, dtype: Any, node: Node) -> None:
    """E702 unless ``dtype`` holds real numbers (bool, integers or floating point)."""
    if dtype.kind not in _REAL_KINDS or dtype.hasobject or dtype.shape != ():
        what = _KIND_NAMES.get(dtype.kind, f"values of type {dtype}")
        raise error("E702", f"'{key}' holds {what} (dtype {dtype}), not real numbers",
                    notes=[Note(f"layer '{node.name}' is defined here", node.span)],
                    hint="weights are arrays of real numbers (float, integer or bool)")


def _check_shape(key: str, shape: tuple[int, ...], wanted: tuple[int, ...], node: Node) -> None:
    if tuple(shape) != wanted:
        raise error("E702", f"'{key}' has shape {_shape_text(tuple(shape))}, the network needs "
                    f"{_shape_text(wanted)}",
                    notes=[Note(f"layer '{node.name}' is defined here", node.span)])


def _open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (E701 otherwise), never blocking.

    ``O_NONBLOCK`` makes opening a FIFO with no writer return at once instead
    of waiting; the file type is then checked on the open descriptor.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error("E701", f"cannot read weights from '{path}': "
                    f"{exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL byte
        raise error("E701", f"cannot read weights from '{path}': {exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else \
            "not a regular file (a pipe, device or socket)"
        raise error("E701", f"cannot read weights from '{path}': it is {what}", hint=NPZ_HINT)
    return os.fdopen(fd, "rb")


#: Everything reading a damaged or hostile zip archive or .npy member may raise.
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError,
                RuntimeError, zlib.error, struct.error, OverflowError, KeyError)


def load_npz(path: str | os.PathLike[str], graph: Graph) -> dict[str, Any]:
    """Read the arrays of an ``.npz`` file holding ``graph``'s weights (E701, E702).

    Nothing large is read before it is known to be what the network needs:
    first the zip directory (every member an ``<layer>/<parameter>.npy``
    naming a parameter of the network, none missing), then each member's
    ``.npy`` header (real numbers, the shape the network needs, and a declared
    uncompressed size equal to what that shape takes), and only then the data.
    So a member whose header claims an enormous shape, or a small archive
    that would inflate to gigabytes, is refused without allocating or
    decompressing it. Pickled objects are never loaded.
    """
    name = os.fsdecode(path)
    expected = _expected(graph)

    def unreadable(reason: str, hint: str | None = NPZ_HINT) -> NetdslError:
        return error("E701", f"cannot read weights from '{name}': {reason}", hint=hint)

    with _open_regular(name) as handle:
        try:
            start = handle.read(len(_NPY_MAGIC))
            handle.seek(0)
        except OSError as exc:
            raise unreadable(exc.strerror or str(exc)) from None
        if start == _NPY_MAGIC:
            raise unreadable("it is an .npy file (a single array), not an .npz archive")
        try:
            archive = zipfile.ZipFile(handle)
        except _READ_ERRORS:
            raise unreadable("it is not an .npz file (a zip archive of .npy arrays)") from None
        with archive:
            members: dict[str, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    raise unreadable(f"its member '{_quote(info.filename)}' is not an .npy "
                                     "array")
                key = info.filename[:-len(".npy")]
                if info.flag_bits & 0x1:
                    raise unreadable(f"'{_quote(key)}' is encrypted")
                if key in members:
                    raise unreadable(f"it holds '{_quote(key)}' twice")
                members[key] = info
            _check_keys(graph, expected, members)
            headers = {}
            for key, (node, shape) in expected.items():
                _check_present(key, members, shape, node)
                headers[key] = _check_member(archive, members[key], key, shape, node,
                                             unreadable)
            return {key: _read_member(archive, members[key], key, shape, headers[key],
                                      unreadable)
                    for key, (node, shape) in expected.items()}


def _reason(exc: BaseException) -> str:
    """The cause of a read error in a few words, never numpy's advice about pickles."""
    text = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or \
        type(exc).__name__
    text = text.splitlines()[0]
    return type(exc).__name__ if "pickle" in text else text[:200]


class _Header:
    """A reader over the start of an ``.npy`` member that refuses to read past ``limit``.

    numpy's header readers trust the header length a file declares (up to 4 GiB
    in format 2.0); this keeps them from decompressing more than a header can
    take, and records the bytes read.
    """

    limit = 1 << 16  # numpy refuses headers over 10,000 characters anyway

    def __init__(self, member: BinaryIO):
        self.member = member
        self.read_so_far = bytearray()

    def read(self, size: int = -1) -> bytes:
        if size < 0 or len(self.read_so_far) + size > self.limit:
            raise ValueError("the .npy header is too long")
        data = self.member.read(size)
        self.read_so_far += data
        return data


@attrs.frozen
class _Member:
    """What a member's ``.npy`` header says: the header bytes, type and storage order."""

    header: bytes
    dtype: Any
    fortran_order: bool


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
                  shape: tuple[int, ...], node: Node, unreadable) -> _Member:
    """Check a member's ``.npy`` header and declared size against what ``key`` needs."""
    import numpy as np

    try:
        with archive.open(info) as member, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's note on headers written by Python 2
            reader = _Header(member)
            version = np.lib.format.read_magic(reader)
            if version == (1, 0):
                found, fortran_order, dtype = np.lib.format.read_array_header_1_0(reader)
            elif version == (2, 0):
                found, fortran_order, dtype = np.lib.format.read_array_header_2_0(reader)
            else:
                raise unreadable(f"'{key}' is in .npy format version {version[0]}."
                                 f"{version[1]}; netdsl reads versions 1.0 and 2.0",
                                 hint="write the arrays with numpy.savez")
    except zipfile.BadZipFile as exc:  # a small member is inflated whole: its CRC is checked
        raise unreadable(f"'{key}' is damaged ({_reason(exc)})", hint=None) from None
    except _READ_ERRORS as exc:
        raise unreadable(f"'{key}' is not a valid .npy array ({_reason(exc)})") from None
    _check_dtype(key, dtype, node)
    _check_shape(key, found, shape, node)
    needed = math.prod(shape) * dtype.itemsize
    declared = info.file_size - len(reader.read_so_far)
    if declared != needed:
        raise unreadable(f"'{key}' declares {declared:,} bytes of data, its shape "
                         f"{_shape_text(shape)} of {dtype} takes {needed:,}",
                         hint="the file is damaged or was not written by numpy.savez")
    return _Member(bytes(reader.read_so_far), dtype, fortran_order)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
                 shape: tuple[int, ...], checked: _Member, unreadable) -> Any:
    """The data of a member whose header was checked, read into an array of ``shape``.

    The array is allocated from the checked shape and filled in chunks, so
    nothing the file says can make this read more than the network needs.
    """
    import numpy as np

    array = np.empty(math.prod(shape), checked.dtype)
    buffer = memoryview(array.view(np.uint8))
    chunk = 1 << 20
    try:
        with archive.open(info) as member:
            if member.read(len(checked.header)) != checked.header:
                raise unreadable(f"'{key}' changed while it was read", hint=None)
            filled = 0
            while filled < len(buffer):
                count = member.readinto(buffer[filled:filled + chunk])
                if not count:
                    raise unreadable(f"'{key}' is damaged (its data is cut short)", hint=None)
                filled += count
            if member.read(1):  # also checks the CRC of everything read
                raise unreadable(f"'{key}' is damaged (it has data past the array)",
                                 hint=None)
    except _READ_ERRORS as exc:
        raise unreadable(f"'{key}' is damaged ({_reason(exc)})", hint=None) from None
    return array.reshape(shape, order="F" if checked.fortran_order else "C")


def _as_array(key: str, value: Any, node: Node) -> Any:
    """``value`` as a float64 array: E702 unless it is a rectangular array of real numbers."""
    import numpy as np

    if value is None:
        raise error("E702", f"'{key}' is None, not an array",
                    notes=[Note(f"layer '{node.name}' is defined here", node.span)])
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError, RuntimeError):
        raise error("E702", f"'{key}' is not a rectangular array of numbers",
                    notes=[Note(f"layer '{node.name}' is defined here", node.span)],
                    hint="give each parameter as a NumPy array or nested lists of equal "
                    "lengths") from None
    _check_dtype(key, array.dtype, node)
    with np.errstate(over="ignore"):  # a long double beyond float64 becomes inf: W701
        return array.astype(np.float64, copy=False)


def attach_weights(graph: Graph, arrays: Mapping[Any, Any]) -> Graph:
    """A copy of ``graph`` whose layers carry ``arrays``; every array is checked.

    Every parameter of every layer must be present with the right shape and no
    key may name something the network does not have (E702), so a weights file
    for another variant of the network is caught rather than half-applied.
    Values must be arrays (or nested lists) of real numbers; NaN and infinities
    are accepted (:func:`nonfinite_warnings` reports them).
    """
    expected = _expected(graph)
    _check_keys(graph, expected, arrays)
    nodes = []
    for node in graph.nodes:
        own: dict[str, Any] = {}
        for name, shape in parameter_shapes(graph, node).items():
            key = f"{node.name}/{name}"
            _check_present(key, arrays, shape, node)
            array = _as_array(key, arrays[key], node)
            _check_shape(key, array.shape, shape, node)
            own[name] = array
        nodes.append(attrs.evolve(node, weights=own) if own else node)
    return graph.replace_nodes(nodes)


def _carried(graph: Graph) -> Iterator[tuple[str, Any, Span | None]]:
    """Every array a graph carries: ``(<layer>/<parameter>, array, span of the layer)``."""
    for node in graph.nodes:
        for name, array in (node.weights or {}).items():
            yield f"{node.name}/{name}", array, node.span
        for absorbed in node.fused:
            for name, array in (absorbed.weights or {}).items():
                yield f"{absorbed.name}/{name}", array, absorbed.span


def _nonfinite(array: Any) -> str | None:
    """``"3 NaN or infinite values (of 108)"``, or None when every value is finite."""
    import numpy as np

    count = int(array.size - np.count_nonzero(np.isfinite(array)))
    if not count:
        return None
    return f"{count} NaN or infinite value{'s' if count != 1 else ''} (of {array.size})"


def nonfinite_warnings(given: Graph, compiled: Graph) -> tuple[Diagnostic, ...]:
    """W701 for each array holding NaN or infinities, given or made by the passes.

    ``given`` is the graph the weights were attached to, ``compiled`` the graph
    after the passes. A layer's arrays after the passes are reported only when
    they were computed from finite weights (a batch norm folded with a variance
    of -eps, or values that overflow float64): NaN given is reported where it
    was given, not again in everything folded from it.
    """
    found: list[Diagnostic] = []
    bad_layers: set[str] = set()
    for key, array, span in _carried(given):
        values = _nonfinite(array)
        if values:
            bad_layers.add(key.rpartition("/")[0])
            found.append(warning("W701", f"the weights '{key}' hold {values}", span,
                                 hint="they are accepted, but what is computed from them "
                                 "will be NaN or infinite too"))
    for node in compiled.nodes:
        sources = {node.name, *(a.name for a in node.fused if a.how == "folded")}
        if sources & bad_layers:
            continue
        for name, array in (node.weights or {}).items():
            values = _nonfinite(array)
            if values:
                found.append(warning(
                    "W701", f"after the passes, '{node.name}/{name}' holds {values}",
                    node.span, hint="folding a batch norm into the layer divided by zero or "
                    "overflowed: check that variance + eps is positive and the values fit "
                    "in float64"))
    return tuple(found)


def graph_weights(graph: Graph) -> dict[str, Any]:
    """Every array a graph carries, keyed ``<layer>/<parameter>`` (for ``numpy.savez``).

    After the passes these are the deployed model's weights: folded kernels and
    biases, and the parameters of any batch norm that was fused but not folded.
    """
    arrays: dict[str, Any] = {}
    for node in graph.nodes:
        for name, array in (node.weights or {}).items():
            arrays[f"{node.name}/{name}"] = array
        for absorbed in node.fused:
            for name, array in (absorbed.weights or {}).items():
                arrays[f"{absorbed.name}/{name}"] = array
    return arrays


__all__ = [
    "attach_weights",
    "graph_weights",
    "load_npz",
    "nonfinite_warnings",
    "parameter_shapes",
    "random_weights",
]
