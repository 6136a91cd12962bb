"""Hostile and mistaken weights: every one is a coded error or a warning, never a crash.

Files are built in ``tmp_path``: ``.npy`` instead of ``.npz``, arrays of strings,
objects or records, members that are not arrays, headers claiming 10**12 values,
archives that inflate to a gibibyte, FIFOs and directories. Mappings given to the
API hold the same kinds of mistakes, seeds are out of range, and NaN or infinite
weights compile with a warning (W701) and no NumPy warning on standard error.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import threading
import time
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import netdsl
from netdsl.cli import main
from netdsl.diagnostics import ERROR_CODES, NOTE_CODES, WARNING_CODES
from netdsl.weights import random_weights

ROOT = Path(__file__).resolve().parent.parent
NET = "net t:\n    input(6, 6, 3)\n    conv(4, 3, bias=false)\n    bn\n    relu\n"
SHAPES = {"conv/kernel": (3, 3, 3, 4), "bn/gamma": (4,), "bn/beta": (4,), "bn/mean": (4,),
          "bn/variance": (4,)}
NPZ_HINT = " = help: weights are an .npz file (numpy.savez) keyed <layer>/<parameter>"
CONV_NOTE = [" = note: t.net:3:5: layer 'conv' is defined here",
             "     |",
             "   3 |     conv(4, 3, bias=false)",
             "     |     ^^^^^^^^^^^^^^^^^^^^^^"]
BN_NOTE = [" = note: t.net:4:5: layer 'bn' is defined here",
           "     |",
           "   4 |     bn",
           "     |     ^^"]
REAL_HINT = " = help: weights are arrays of real numbers (float, integer or bool)"


def good() -> dict[str, np.ndarray]:
    return random_weights(netdsl.compile_string(NET).baseline, 3)


def failure(weights=None, **options) -> str:
    """The rendered error of compiling NET with ``weights``; it must be a NetdslError."""
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(NET, filename="t.net", weights=weights, **options)
    return caught.value.render()


def npy_header(shape, descr="<f8", version=(1, 0)) -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buffer, header)
    else:
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue()


def save_members(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def with_member(tmp_path: Path, key: str, data: bytes) -> Path:
    """An .npz of good weights in which the member ``key`` is replaced by ``data``."""
    members = {f"{k}.npy": npy(v) for k, v in good().items()}
    members[f"{key}.npy"] = data
    return save_members(tmp_path / "w.npz", members)


# --- 1, 3: files that are no .npz archive ------------------------------------------------

def test_an_npy_file_is_refused_with_what_weights_are(tmp_path: Path) -> None:
    np.save(tmp_path / "w.npy", np.zeros(3))
    path = tmp_path / "w.npy"
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': it is an .npy file (a single "
        "array), not an .npz archive", NPZ_HINT]


def test_an_npy_file_on_the_command_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "t.net").write_text(NET)
    np.save(tmp_path / "w.npy", np.zeros((3, 3, 3, 4)))
    assert main(["compile", str(tmp_path / "t.net"), "--weights",
                 str(tmp_path / "w.npy")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error[E701]: cannot read weights from '{tmp_path / 'w.npy'}': it is an .npy file "
        f"(a single array), not an .npz archive\n{NPZ_HINT}\n")


def test_a_pickle_is_refused_without_advice_to_allow_pickles(tmp_path: Path) -> None:
    (tmp_path / "w.pkl").write_bytes(pickle.dumps(good()))
    message = failure(tmp_path / "w.pkl").replace(str(tmp_path / "w.pkl"), "w.pkl")
    assert message.splitlines() == [
        "error[E701]: cannot read weights from 'w.pkl': it is not an .npz file (a zip "
        "archive of .npy arrays)", NPZ_HINT]
    assert "pickle" not in message.replace("w.pkl", "")


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 cut short", b"\x93NUMP"])
def test_empty_and_cut_files_are_not_archives(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "w.npz").write_bytes(data)
    assert failure(tmp_path / "w.npz").splitlines()[0] == (
        f"error[E701]: cannot read weights from '{tmp_path / 'w.npz'}': it is not an .npz "
        "file (a zip archive of .npy arrays)")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert failure(tmp_path).splitlines() == [
        f"error[E701]: cannot read weights from '{tmp_path}': it is a directory", NPZ_HINT]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_with_no_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "w.npz"
    os.mkfifo(fifo)
    outcome: list[str] = []

    def compile_it() -> None:
        try:
            netdsl.compile_string(NET, weights=fifo)
        except netdsl.NetdslError as exc:
            outcome.append(exc.render())

    worker = threading.Thread(target=compile_it, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "opening the FIFO blocked"
    assert outcome == [f"error[E701]: cannot read weights from '{fifo}': it is not a regular "
                       f"file (a pipe, device or socket)\n{NPZ_HINT}"]


def test_a_missing_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "t.net").write_text(NET)
    assert main(["compile", str(tmp_path / "t.net"), "--weights",
                 str(tmp_path / "none.npz"), "--diagnostics", "short"]) == 1
    assert capsys.readouterr().err == (
        f"error[E701]: cannot read weights from '{tmp_path / 'none.npz'}': No such file or "
        "directory\n")


# --- 2: members that are not arrays of real numbers --------------------------------------

class Boobytrap:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize(("array", "what"), [
    (np.array(["a", "b", "c", "d"]), "strings (dtype <U1)"),
    (np.array([b"a", b"b", b"c", b"d"]), "bytes (dtype |S1)"),
    (np.array([1, 2, 3, 4], dtype=object), "Python objects (dtype object)"),
    (np.zeros(4, dtype=[("a", "<f8")]), "records (dtype [('a', '<f8')])"),
    (np.zeros(4, dtype=complex), "complex numbers (dtype complex128)"),
    (np.zeros(4, dtype="datetime64[s]"), "dates (dtype datetime64[s])"),
])
def test_arrays_that_are_not_real_numbers(tmp_path: Path, array: np.ndarray,
                                          what: str) -> None:
    path = with_member(tmp_path, "bn/gamma", npy(array))
    expected = [f"error[E702]: 'bn/gamma' holds {what}, not real numbers", *BN_NOTE, REAL_HINT]
    assert failure(path).splitlines() == expected
    assert failure({**good(), "bn/gamma": array}).splitlines() == expected


def test_pickled_objects_are_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    array = np.empty(4, dtype=object)
    array[:] = [Boobytrap(marker)] * 4
    message = failure(with_member(tmp_path, "bn/gamma", npy(array)))
    assert message.splitlines()[0] == (
        "error[E702]: 'bn/gamma' holds Python objects (dtype object), not real numbers")
    assert "pickle" not in message.replace(str(tmp_path), "")
    assert not marker.exists()


def test_a_member_that_is_not_an_npy_array(tmp_path: Path) -> None:
    members = {f"{k}.npy": npy(v) for k, v in good().items()}
    members["conv/kernel"] = members.pop("conv/kernel.npy")
    path = save_members(tmp_path / "w.npz", members)
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': its member 'conv/kernel' is not an "
        ".npy array", NPZ_HINT]


def test_a_member_with_a_bad_header(tmp_path: Path) -> None:
    path = with_member(tmp_path, "bn/beta", b"\x93NUMPY\x01\x00\x08\x00{'a': 1}")
    assert failure(path).splitlines()[0] == (
        f"error[E701]: cannot read weights from '{path}': 'bn/beta' is not a valid .npy array "
        "(Header does not contain the correct keys: ['a'])")


def test_a_member_in_npy_format_3(tmp_path: Path) -> None:
    header = npy_header((4,), version=(2, 0)).replace(b"\x02\x00", b"\x03\x00", 1)
    path = with_member(tmp_path, "bn/mean", header + bytes(32))
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': 'bn/mean' is in .npy format version "
        "3.0; netdsl reads versions 1.0 and 2.0",
        " = help: write the arrays with numpy.savez"]


def test_a_member_twice(tmp_path: Path) -> None:
    members = [(f"{k}.npy", npy(v)) for k, v in good().items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile: "Duplicate name"
        with zipfile.ZipFile(tmp_path / "w.npz", "w") as archive:
            for name, data in [*members, members[0]]:
                archive.writestr(name, data)
    assert failure(tmp_path / "w.npz").splitlines()[0] == (
        f"error[E701]: cannot read weights from '{tmp_path / 'w.npz'}': it holds "
        "'conv/kernel' twice")


def test_an_encrypted_member(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    np.savez(path, **good())
    data = bytearray(path.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        place = data.index(signature)
        data[place + flags] |= 1
    path.write_bytes(bytes(data))
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': 'conv/kernel' is encrypted",
        NPZ_HINT]


def test_a_damaged_member_is_caught_by_its_crc(tmp_path: Path) -> None:
    arrays = good()
    arrays["bn/gamma"] = np.full(4, 2.0)
    path = tmp_path / "w.npz"
    np.savez(path, **arrays)
    data = bytearray(path.read_bytes())
    place = data.index(np.full(4, 2.0).tobytes())
    data[place] ^= 0xFF
    path.write_bytes(bytes(data))
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': 'bn/gamma' is damaged "
        "(Bad CRC-32 for file 'bn/gamma.npy')"]


def test_data_longer_or_shorter_than_its_shape(tmp_path: Path) -> None:
    header = npy_header((4,))
    path = with_member(tmp_path, "bn/gamma", header + bytes(40))
    assert failure(path).splitlines() == [
        f"error[E701]: cannot read weights from '{path}': 'bn/gamma' declares 40 bytes of "
        "data, its shape 4 of float64 takes 32",
        " = help: the file is damaged or was not written by numpy.savez"]
    path = with_member(tmp_path, "bn/gamma", header + bytes(24))
    assert failure(path).splitlines()[0] == (
        f"error[E701]: cannot read weights from '{path}': 'bn/gamma' declares 24 bytes of "
        "data, its shape 4 of float64 takes 32")


def test_unknown_and_missing_keys_in_a_file(tmp_path: Path) -> None:
    arrays = good()
    arrays["conv/kernl"] = arrays.pop("conv/kernel")
    np.savez(tmp_path / "a.npz", **arrays)
    assert failure(tmp_path / "a.npz").splitlines() == [
        "error[E702]: the weights name 'conv/kernl', which is not a parameter of network t",
        " = help: did you mean 'conv/kernel'?"]
    arrays = good()
    del arrays["bn/variance"]
    np.savez(tmp_path / "b.npz", **arrays)
    assert failure(tmp_path / "b.npz").splitlines() == [
        "error[E702]: the weights have no 'bn/variance' (shape 4)", *BN_NOTE]


def test_a_hostile_member_name_is_printed_escaped_and_short(tmp_path: Path) -> None:
    name = "\x1b[2J" + "x" * 200
    path = save_members(tmp_path / "w.npz", {f"{name}.npy": npy(np.zeros(4))})
    assert failure(path).splitlines()[0] == (
        "error[E702]: the weights name '\\x1b[2J" + "x" * 70 + "...', which is not a "
        "parameter of network t")


@pytest.mark.parametrize("dtype", ["<f4", ">f8", "<i2", "|u1", "|b1", "<f2"])
@pytest.mark.parametrize("fortran", [False, True])
def test_real_arrays_of_any_type_and_order_load_exactly(tmp_path: Path, dtype: str,
                                                        fortran: bool) -> None:
    arrays = {k: (np.arange(np.prod(s)).reshape(s) % 2).astype(dtype) for k, s in SHAPES.items()}
    arrays["bn/variance"] = np.ones(4, dtype)
    if fortran:
        arrays = {k: np.asfortranarray(v) for k, v in arrays.items()}
    np.savez_compressed(tmp_path / "w.npz", **arrays)
    result = netdsl.compile_string(NET, weights=tmp_path / "w.npz",
                                   passes=("infer-shapes", "annotate-cost"))
    kernel = result.graph["conv"].weights["kernel"]
    assert kernel.dtype == np.float64
    assert np.array_equal(kernel, arrays["conv/kernel"].astype(np.float64))
    assert result.warnings == ()


def test_random_damage_is_always_a_coded_error(tmp_path: Path) -> None:
    """Flip bytes of a valid archive all over: each read succeeds or is E701/E702."""
    path = tmp_path / "w.npz"
    np.savez_compressed(path, **good())
    original = path.read_bytes()
    rng = np.random.default_rng(0)
    codes = set()
    for _ in range(200):
        data = bytearray(original)
        for place in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            data[place] = int(rng.integers(0, 256))
        path.write_bytes(bytes(data))
        try:
            netdsl.compile_string(NET, weights=path)
        except netdsl.NetdslError as exc:
            codes.add(exc.diagnostics[0].code)
            assert "pickle" not in exc.render().replace(str(tmp_path), "")
    assert codes <= {"E701", "E702"}
    assert "E701" in codes


# --- 3: huge headers and zip bombs, refused before anything large is read ----------------

def bomb(path: Path, name: str, header: bytes, zeros: int) -> Path:
    """A zip archive whose one member is ``header`` and ``zeros`` zero bytes, deflated.

    Deflating a MiB of zeros after a full flush always gives the same bytes, so the
    stream is that block repeated: a GiB costs a MiB of file and no time. The CRC is
    left wrong: nothing may read far enough to check it.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    mebibyte = deflate.compress(bytes(1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert zeros % (1 << 20) == 0
    body = start + mebibyte * (zeros >> 20) + deflate.flush()
    size = len(header) + zeros
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 33, 0, len(body), size,
                        len(encoded), 0) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 33, 0,
                          len(body), size, len(encoded), 0, 0, 0, 0, 0, 0) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    path.write_bytes(local + body + central + end)
    return path


def refused_cheaply(weights: Path) -> tuple[str, float, int]:
    """The error, the seconds it took and the peak of memory allocated meanwhile."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        message = failure(weights)
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return message, seconds, peak


def test_a_header_claiming_10_to_the_12_values(tmp_path: Path) -> None:
    path = bomb(tmp_path / "w.npz", "conv/kernel.npy", npy_header((10**12,)), 1 << 20)
    message, _, peak = refused_cheaply(path)
    assert message.splitlines() == [
        "error[E702]: 'conv/kernel' has shape 1000000000000, the network needs 3x3x3x4",
        *CONV_NOTE]
    assert peak < 8 << 20


def test_a_zip_bomb_with_a_huge_shape_is_not_inflated(tmp_path: Path) -> None:
    """1 MiB on disk, 1 GiB inflated: the header's shape is refused first."""
    path = bomb(tmp_path / "w.npz", "conv/kernel.npy", npy_header((1 << 27,)), 1 << 30)
    assert path.stat().st_size < 1100 * 1024
    message, _, peak = refused_cheaply(path)
    assert message.splitlines() == [
        "error[E702]: 'conv/kernel' has shape 134217728, the network needs 3x3x3x4",
        *CONV_NOTE]
    assert peak < 8 << 20


def test_a_zip_bomb_behind_the_right_shape_is_not_inflated(tmp_path: Path) -> None:
    """The header claims the right shape; the member declares a GiB of data after it."""
    header = npy_header((3, 3, 3, 4))
    path = bomb(tmp_path / "w.npz", "conv/kernel.npy", header, 1 << 30)
    arrays = {f"{k}.npy": npy(v) for k, v in good().items() if k != "conv/kernel"}
    with zipfile.ZipFile(path, "a") as archive:
        for name, data in arrays.items():
            archive.writestr(name, data)
    message, _, peak = refused_cheaply(path)
    assert message.splitlines() == [
        f"error[E701]: cannot read weights from '{path}': 'conv/kernel' declares "
        "1,073,741,824 bytes of data, its shape 3x3x3x4 of float64 takes 864",
        " = help: the file is damaged or was not written by numpy.savez"]
    assert peak < 8 << 20


def test_a_bomb_under_an_unknown_name_is_not_opened(tmp_path: Path) -> None:
    path = bomb(tmp_path / "w.npz", "conv/kernl.npy", npy_header((1 << 27,)), 1 << 30)
    message, _, peak = refused_cheaply(path)
    assert message.splitlines()[0] == (
        "error[E702]: the weights name 'conv/kernl', which is not a parameter of network t")
    assert peak < 8 << 20


def test_a_header_claiming_gigabytes_of_header(tmp_path: Path) -> None:
    header = b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 31)
    path = bomb(tmp_path / "w.npz", "conv/kernel.npy", header, 64 << 20)
    message, _, peak = refused_cheaply(path)
    assert message.splitlines()[0] == (
        f"error[E701]: cannot read weights from '{path}': 'conv/kernel' is not a valid .npy "
        "array (the .npy header is too long)")
    assert peak < 8 << 20


# --- 5: mappings and seeds given to the API ----------------------------------------------

@pytest.mark.parametrize(("change", "expected"), [
    ({"bn/gamma": ["a", "b", "c", "d"]},
     ["error[E702]: 'bn/gamma' holds strings (dtype <U1), not real numbers", *BN_NOTE,
      REAL_HINT]),
    ({"bn/gamma": {"a": 1}},
     ["error[E702]: 'bn/gamma' holds Python objects (dtype object), not real numbers",
      *BN_NOTE, REAL_HINT]),
    ({"bn/gamma": [1.0, [2.0, 3.0], 4.0, 5.0]},
     ["error[E702]: 'bn/gamma' is not a rectangular array of numbers", *BN_NOTE,
      " = help: give each parameter as a NumPy array or nested lists of equal lengths"]),
    ({"bn/gamma": None}, ["error[E702]: 'bn/gamma' is None, not an array", *BN_NOTE]),
    ({"bn/gamma": [1, 2, 3, 10**30]},
     ["error[E702]: 'bn/gamma' holds Python objects (dtype object), not real numbers",
      *BN_NOTE, REAL_HINT]),
    ({"bn/gamma": 1.0},
     ["error[E702]: 'bn/gamma' has shape , the network needs 4", *BN_NOTE]),
    ({7: np.zeros(4)},
     ["error[E702]: the weights have a key 7 (int), not a string <layer>/<parameter>",
      " = help: keys are <layer>/<parameter>, e.g. conv1/kernel or bn1/gamma"]),
    ({None: np.zeros(4)},
     ["error[E702]: the weights have a key of type NoneType, not a string "
      "<layer>/<parameter>",
      " = help: keys are <layer>/<parameter>, e.g. conv1/kernel or bn1/gamma"]),
])
def test_mappings_with_values_that_are_not_arrays_of_numbers(change, expected) -> None:
    assert failure({**good(), **change}).splitlines() == expected


def test_lists_of_numbers_are_arrays() -> None:
    arrays = {k: v.tolist() for k, v in good().items()}
    result = netdsl.compile_string(NET, weights=arrays)
    assert np.array_equal(result.baseline["bn"].weights["gamma"], good()["bn/gamma"])


@pytest.mark.parametrize("weights", [5, 1.5, ["w.npz"], object()])
def test_weights_of_the_wrong_type(weights) -> None:
    assert failure(weights).splitlines() == [
        "error[E702]: weights= expects an .npz file path or a mapping "
        f"'<layer>/<parameter>' -> array, got {type(weights).__name__}"]


def test_weights_none_means_no_weights() -> None:
    result = netdsl.compile_string(NET, weights=None)
    assert all(node.weights is None for node in result.graph.nodes)


SEED_HINT = (" = help: seed= is an integer from 0 to 2**63 - 1 (9,223,372,036,854,775,807), "
             "e.g. seed=0")


@pytest.mark.parametrize(("seed", "message"), [
    (-1, "seed=-1 is out of range"),
    (2**63, "seed=9223372036854775808 is out of range"),
    (2**200, "seed=2**200 or more in size is out of range"),
    pytest.param(-(10**5000), "seed=-2**16609 or more in size is out of range",
                 id="minus-10**5000"),
    (1.0, "seed= expects an integer, got float"),
    (True, "seed= expects an integer, got bool"),
    ("3", "seed= expects an integer, got str"),
    (np.float64(2), "seed= expects an integer, got float64"),
])
def test_seeds_out_of_range_or_not_integers(seed, message) -> None:
    assert failure(seed=seed).splitlines() == [f"error[E703]: {message}", SEED_HINT]


@pytest.mark.parametrize("seed", [0, 2**63 - 1, np.int64(5), np.uint8(7)])
def test_seeds_in_range(seed) -> None:
    result = netdsl.compile_string(NET, seed=seed)
    assert result.graph["conv"].weights is not None
    assert result.warnings == ()


def test_a_seed_is_checked_before_the_source_is_compiled() -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string("net t:\n    covn(3)\n", seed=-5)
    assert caught.value.diagnostics[0].code == "E703"


def test_weights_that_do_not_fit_in_memory(monkeypatch) -> None:
    def refuse(graph, seed):
        raise MemoryError

    monkeypatch.setattr("netdsl.weights.random_weights", refuse)
    text = "net t:\n    input(1000)\n    fc(1000)\n"
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(text, seed=0)
    assert caught.value.render() == (
        "error[E501]: the weights of network t (1,001,000 parameters, 8,008,000 bytes as "
        "float64) do not fit in memory")


# --- 6, 7: NaN and infinities: warnings, and no NumPy warnings ---------------------------

def with_values(**values: float) -> dict[str, np.ndarray]:
    arrays = good()
    for name, value in values.items():
        key = name.replace("_", "/", 1)
        arrays[key] = arrays[key].copy()
        arrays[key].flat[0] = value
    return arrays


@pytest.mark.filterwarnings("error")
def test_nan_weights_compile_with_a_warning() -> None:
    result = netdsl.compile_string(NET, filename="t.net",
                                   weights=with_values(bn_gamma=np.nan, conv_kernel=np.inf))
    assert [d.render() for d in result.warnings] == [
        "warning[W701]: the weights 'conv/kernel' hold 1 NaN or infinite value (of 108)\n"
        " --> t.net:3:5\n"
        "  |\n"
        "3 |     conv(4, 3, bias=false)\n"
        "  |     ^^^^^^^^^^^^^^^^^^^^^^\n"
        " = help: they are accepted, but what is computed from them will be NaN or "
        "infinite too",
        "warning[W701]: the weights 'bn/gamma' hold 1 NaN or infinite value (of 4)\n"
        " --> t.net:4:5\n"
        "  |\n"
        "4 |     bn\n"
        "  |     ^^\n"
        " = help: they are accepted, but what is computed from them will be NaN or "
        "infinite too",
    ]
    assert {d.severity for d in result.warnings} == {"warning"}
    assert np.isnan(result.graph["conv"].weights["kernel"]).sum() == 27  # channel 0


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("values", "bad"), [
    ({"bn_variance": -1e-5}, "after the passes, 'conv/kernel' holds 27 NaN or infinite "
     "values (of 108)"),
    ({"bn_variance": -1.0}, "after the passes, 'conv/kernel' holds 27 NaN or infinite "
     "values (of 108)"),
    ({"bn_gamma": 1e308, "bn_variance": 1e-300}, "after the passes, 'conv/kernel' holds "
     "27 NaN or infinite values (of 108)"),
])
def test_folding_that_makes_nan_or_infinities_warns_once(values, bad) -> None:
    """No RuntimeWarning from NumPy (filterwarnings error): W701 reports the result."""
    result = netdsl.compile_string(NET, filename="t.net", weights=with_values(**values))
    assert [d.message for d in result.warnings] == [
        bad, "after the passes, 'conv/bias' holds 1 NaN or infinite value (of 4)"]
    assert result.warnings[0].hint == (
        "folding a batch norm into the layer divided by zero or overflowed: check that "
        "variance + eps is positive and the values fit in float64")


@pytest.mark.filterwarnings("error")
def test_huge_finite_weights_compile_quietly() -> None:
    arrays = {k: np.full(s, 1e308) for k, s in SHAPES.items()}
    result = netdsl.compile_string(NET, weights=arrays)
    assert [d.code for d in result.warnings] == ["W701", "W701"]  # folded kernel and bias


@pytest.mark.filterwarnings("error")
def test_a_long_double_beyond_float64_becomes_inf_with_a_warning() -> None:
    arrays = good()
    arrays["bn/beta"] = np.full(4, np.finfo(np.longdouble).max)
    result = netdsl.compile_string(NET, weights=arrays)
    if np.finfo(np.longdouble).max > np.finfo(np.float64).max:
        assert result.warnings[0].message == (
            "the weights 'bn/beta' hold 4 NaN or infinite values (of 4)")


@pytest.mark.filterwarnings("error")
def test_the_executor_returns_nan_and_infinities_quietly() -> None:
    text = ("net t:\n    input(2, 2, 3)\n    conv(4, 1)\n    bn\n    sigmoid\n    gap\n"
            "    flatten\n    fc(2)\n    softmax\n")
    arrays = random_weights(netdsl.compile_string(text).baseline, 1)
    arrays["bn/variance"] = np.array([-1.0, 0.0, 1.0, 1.0])
    arrays["fc/kernel"] = np.full((4, 2), 1e308)
    for passes in (None, ("infer-shapes", "annotate-cost")):
        result = netdsl.compile_string(text, weights=arrays, passes=passes)
        output = netdsl.execute(result.graph, np.full((2, 2, 3), -1e300))
        assert output.shape == (2,)
        assert np.isnan(output).all()
        tanh = netdsl.execute(result.graph, np.full((2, 2, 3), -1e300), layer="gap")
        assert np.isnan(tanh[0, 0, 0]) and not np.isfinite(tanh).all()


def test_warnings_on_the_command_line(tmp_path: Path, capsys) -> None:
    net = tmp_path / "t.net"
    net.write_text(NET)
    np.savez(tmp_path / "w.npz", **with_values(bn_mean=np.nan))
    assert main(["compile", str(net), "--weights", str(tmp_path / "w.npz"),
                 "--format", "ir", "--color", "never"]) == 0
    captured = capsys.readouterr()
    assert "folded=[bn] fused=[relu]" in captured.out
    assert captured.err == (
        "warning[W701]: the weights 'bn/mean' hold 1 NaN or infinite value (of 4)\n"
        f" --> {net}:4:5\n"
        "  |\n"
        "4 |     bn\n"
        "  |     ^^\n"
        " = help: they are accepted, but what is computed from them will be NaN or "
        "infinite too\n")
    np.savez(tmp_path / "w.npz", **with_values(bn_variance=-1.0))
    assert main(["compile", str(net), "--weights", str(tmp_path / "w.npz"),
                 "--format", "ir", "--diagnostics", "short"]) == 0
    hint = ("(folding a batch norm into the layer divided by zero or overflowed: check that "
            "variance + eps is positive and the values fit in float64)")
    assert capsys.readouterr().err.splitlines() == [
        f"{net}:3:5: warning[W701]: after the passes, 'conv/kernel' holds 27 NaN or "
        f"infinite values (of 108) {hint}",
        f"{net}:3:5: warning[W701]: after the passes, 'conv/bias' holds 1 NaN or infinite "
        f"value (of 4) {hint}"]


def test_a_warning_is_painted_yellow() -> None:
    result = netdsl.compile_string(NET, filename="t.net", weights=with_values(bn_beta=np.inf))
    painted = result.warnings[0].render(color=True)
    assert painted.startswith("\x1b[33;1mwarning[W701]\x1b[0m\x1b[1m: the weights 'bn/beta'")
    assert "\x1b[33;1m    ^^\x1b[0m" in painted
    assert "\x1b[31" not in painted


def test_every_code_is_documented() -> None:
    table = (ROOT / "docs" / "language.md").read_text()
    for code, meaning in {**ERROR_CODES, **NOTE_CODES, **WARNING_CODES}.items():
        assert f"| {code} | {meaning} |" in table, code
