"""Device profiles: what a roofline estimate needs to know about a device.

A profile is a TOML file (docs/devices.md gives the format; the shipped ones sit
beside this module, one per device). Every figure is a table of its ``value``, its
``unit`` and its ``source``::

    [peak_maccs.fp32]
    value = 5.712e10
    unit = "MACC/s"
    source = "derived: 2 cores x 2.38 GHz x 4 fp32 lanes x 3 FMA pipes (...)"

The loader checks everything a profile says before anything uses it: the fields
and only those, each unit (``B/s``, never ``GB/s``: one unit per field, so no
figure is off by a factor a reader cannot see), positive finite values, netdsl's
dtypes, and the fields that go together (on-chip bytes, bandwidth and energy per
byte; an energy per MACC for every dtype the device runs). A profile that breaks
a rule is E606 naming the file and the field; a name that is neither a shipped
profile nor a readable file is E605. Never a traceback.

Figures are in base units: MACC/s, B/s, B, s, pJ and pJ/B.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from netdsl.diagnostics import NetdslError, Source, Span, did_you_mean, error

#: The dtypes a profile may give rates for: netdsl's, in its order.
DTYPES = ("fp32", "fp16", "bf16", "int8", "int4")
#: What a device is, broadly.
KINDS = ("cpu", "gpu", "npu", "mcu")
#: The unit each figure must be given in, by its place in the file.
UNITS = {
    "peak_maccs": "MACC/s",
    "memory.dram_bandwidth": "B/s",
    "memory.onchip_bytes": "B",
    "memory.onchip_bandwidth": "B/s",
    "overhead.per_layer": "s",
    "energy.per_macc": "pJ",
    "energy.per_byte_dram": "pJ/B",
    "energy.per_byte_onchip": "pJ/B",
    "efficiency": "1",
}
#: A profile is a few kilobytes; a larger file is not one (and is not read whole).
MAX_PROFILE_BYTES = 1 << 20

_DIRECTORY = Path(__file__).resolve().parent
_TOP = ("name", "title", "kind", "year", "source", "peak_maccs", "memory", "overhead", "energy",
        "efficiency", "runtime", "measured")
_LAYER_KIND = re.compile(r"[a-z][a-z0-9_]*\Z")
_TABLES = {"memory": ("dram_bandwidth", "onchip_bytes", "onchip_bandwidth"),
           "overhead": ("per_layer",),
           "energy": ("per_macc", "per_byte_dram", "per_byte_onchip")}
_QUANTITY = ("value", "unit", "source")
_MEASURED = ("network", "latency_ms", "source")


class Measurement(NamedTuple):
    """A published latency on the device, to check estimates against."""

    network: str
    latency_ms: float
    source: str


@attrs.frozen
class Device:
    """A device profile, its figures in base units.

    ``sources`` maps each figure's place in the file (``peak_maccs.fp32``,
    ``memory.dram_bandwidth``, ``energy.per_macc.int8``...) to its source;
    ``source`` is the profile's one-line summary of them, if it gives one.
    """

    name: str
    title: str
    kind: str
    year: int
    #: Multiply-accumulates per second, by dtype (only the dtypes the device runs).
    peak_maccs: Mapping[str, float] = attrs.field(hash=False)
    dram_bandwidth: float  # B/s
    onchip_bytes: int | None  # B; data that fits need not go to DRAM
    onchip_bandwidth: float | None  # B/s, given with onchip_bytes
    overhead: float  # s per layer: dispatch, kernel launch
    energy_per_macc: Mapping[str, float] = attrs.field(hash=False)  # pJ, by dtype
    energy_per_byte_dram: float  # pJ/B
    energy_per_byte_onchip: float | None  # pJ/B, given with onchip_bytes
    measured: tuple[Measurement, ...]
    sources: Mapping[str, str] = attrs.field(hash=False)
    path: Path
    source: str | None = None
    #: The share of the peak each kind of layer reaches (``depthwise``: 0.2), where the
    #: profile measured it (``netdsl calibrate``); empty for a datasheet profile.
    efficiency: Mapping[str, float] = attrs.field(factory=lambda: MappingProxyType({}),
                                                  hash=False)
    #: The activations the runtime applies inside the layer before them (its fused
    #: kernels), or None when it fuses what netdsl's passes fuse; the layers netdsl does
    #: by addressing that the runtime copies (``concat``, ``slice``).
    runtime_fuses: frozenset[str] | None = None
    runtime_copies: frozenset[str] = frozenset()

    def peak(self, dtype: str) -> float:
        """The peak MACC/s for ``dtype``; E606 when the device does not run it."""
        rate = self.peak_maccs.get(dtype)
        if rate is None:
            runs = ", ".join(self.peak_maccs)
            raise error("E606", f"device '{self.name}' does not run {dtype}: its profile "
                        f"gives no peak rate for it", hint=f"it runs {runs}: choose one with "
                        f"--dtype, or add {dtype} to [peak_maccs] in {self.path.name}")
        return rate

    def ridge(self, dtype: str) -> float:
        """The roofline's ridge point for ``dtype``, in MACCs per byte of DRAM traffic.

        A layer doing fewer MACCs per byte it moves is memory-bound on this device.
        """
        return self.peak(dtype) / self.dram_bandwidth

    @property
    def main_dtype(self) -> str:
        """fp32 when the device runs it, else the first dtype it runs (``edgetpu``: int8)."""
        return "fp32" if "fp32" in self.peak_maccs else next(iter(self.peak_maccs))


def shipped_devices() -> list[str]:
    """The names of the profiles netdsl ships, sorted."""
    return list(_shipped())


def list_devices() -> list[Device]:
    """Every shipped profile, loaded, in the order of their names."""
    return [_load_shipped(name) for name in _shipped()]


def load_device(name_or_path: str | os.PathLike[str]) -> Device:
    """A shipped profile by name (``rpi4``), or the profile in a ``.toml`` file.

    A bare name that is not shipped is E605 with the closest shipped name; so is a
    file that cannot be read (missing, a directory). A file that is not a valid
    profile is E606 naming the file and the field.
    """
    text = os.fspath(name_or_path)
    if text in _shipped():
        return _load_shipped(text)
    if not _looks_like_path(text):
        names = _shipped()
        close = did_you_mean(text, names)
        raise error("E605", f"unknown device '{_shown(text)}'",
                    hint=f"{close + ' ' if close else ''}shipped profiles: {', '.join(names)}; "
                    "or give the path of a .toml profile (netdsl devices lists them)")
    return _load(Path(text), _shown(text))


@functools.cache
def _shipped() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _DIRECTORY.glob("*.toml")))


@functools.cache
def _load_shipped(name: str) -> Device:
    return _load(_DIRECTORY / f"{name}.toml", f"{name}.toml")


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.endswith(".toml") or os.path.lexists(text)


def _shown(text: str) -> str:
    from netdsl.reading import shown_path

    return shown_path(text)


def _load(path: Path, label: str) -> Device:
    """Read, parse and check the profile at ``path``; ``label`` names it in messages."""
    from netdsl.limits import Limits
    from netdsl.reading import read_file

    try:
        text = read_file(path, Limits(max_source_bytes=MAX_PROFILE_BYTES), name=label,
                         label=f"'{label}'")
    except NetdslError as exc:
        raise _read_error(exc, label) from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), text, label) from None
    return _Checker(label).device(data, path)


def _read_error(exc: NetdslError, label: str) -> NetdslError:
    """A reading error as E605 (cannot be read) or E606 (read, but not a profile)."""
    first = exc.diagnostics[0]
    if first.code == "E501":
        return error("E606", f"{label}: larger than {MAX_PROFILE_BYTES:,} bytes: not a "
                     "device profile", hint="a profile is a short TOML file (docs/devices.md)")
    if first.span is not None:  # not UTF-8, located
        return error("E606", f"{label}: not UTF-8 text: {first.message}", first.span,
                     hint="a profile is a TOML file, which is UTF-8")
    return error("E605", first.message, hint="give the path of a readable .toml profile, or "
                 "a shipped device name (netdsl devices lists them)")


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = " (at end of document)"


def _syntax_error(message: str, text: str, label: str) -> NetdslError:
    """E606 for TOML that does not parse, at the line and column tomllib names."""
    source = Source(label, text)
    match = _AT.search(message)
    if match:
        reason, line, column = message[:match.start()], int(match[1]), int(match[2])
    else:
        reason = message.removesuffix(_AT_END)
        line = max(1, len(source.lines))
        column = len(source.line(line)) + 1
    return error("E606", f"{label}: invalid TOML: {reason}",
                 Span(source, line, column, line, column + 1),
                 hint="see docs/devices.md for the profile format")


class _Checker:
    """Checks a parsed profile field by field; the first problem is E606.

    ``where`` names a field as messages show it: ``[memory] dram_bandwidth``,
    ``[energy] per_macc.int8``, ``[[measured]] #2 latency_ms``, ``kind``.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.sources: dict[str, str] = {}

    def fail(self, where: str, problem: str, hint: str | None = None) -> NetdslError:
        return error("E606", f"{self.label}: {where}: {problem}",
                     hint=hint or "see docs/devices.md for the profile format")

    def known(self, table: Mapping[str, Any], fields: tuple[str, ...], where: str) -> None:
        """E606 for a key of ``table`` that is not one of ``fields``."""
        for key in table:
            if key not in fields:
                raise self.fail(f"{where} {key}".strip(), "unknown field (known: "
                                f"{', '.join(fields)})", hint=did_you_mean(key, fields))

    def table(self, data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            raise self.fail(where, "missing")
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a table, got {_kind_of(value)}")
        return value

    def string(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty string, got {_shown_value(value)}")
        return value

    def quantity(self, data: Mapping[str, Any], key: str, path: str, where: str) -> float:
        """The value of the ``{ value, unit, source }`` table at ``data[key]``, checked
        against the unit of ``path`` (:data:`UNITS`); its source is kept under ``path``."""
        unit = UNITS.get(path) or UNITS[path.rpartition(".")[0]]
        item = data.get(key)
        if item is None:
            raise self.fail(where, f'missing (a table of value, unit = "{unit}" and source)')
        if not isinstance(item, dict):
            raise self.fail(where, f'must be a table of value, unit = "{unit}" and source, '
                            f"got {_kind_of(item)}")
        self.known(item, _QUANTITY, where)
        for part in _QUANTITY:
            if part not in item:
                raise self.fail(where, f"missing {part}")
        if item["unit"] != unit:
            raise self.fail(where, f'unit must be "{unit}", got {_shown_value(item["unit"])}',
                            hint=f"give the value in {unit}: each field has one unit")
        value = item["value"]
        if not _positive(value):
            raise self.fail(where, f"value must be a positive number, got "
                            f"{_shown_value(value)}")
        self.sources[path] = self.string(item, "source", f"{where} source")
        return float(value)

    def optional(self, data: Mapping[str, Any], key: str, path: str,
                 where: str) -> float | None:
        return None if key not in data else self.quantity(data, key, path, where)

    def rates(self, table: Mapping[str, Any], path: str, where: str) -> dict[str, float]:
        """A table of quantities by dtype, in netdsl's dtype order; ``where`` has a ``{}``
        for the dtype."""
        for key in table:
            if key not in DTYPES:
                raise self.fail(where.format(key), f"unknown dtype (netdsl's: "
                                f"{', '.join(DTYPES)})", hint=did_you_mean(key, DTYPES))
        return {d: self.quantity(table, d, f"{path}.{d}", where.format(d))
                for d in DTYPES if d in table}

    def device(self, data: dict[str, Any], path: Path) -> Device:
        self.known(data, _TOP, "")
        name = self.string(data, "name", "name")
        title = self.string(data, "title", "title")
        kind = data.get("kind")
        if kind not in KINDS:
            raise self.fail("kind", f"must be one of {', '.join(KINDS)}, got "
                            f"{_shown_value(kind)}")
        year = data.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1940 <= year <= 2200:
            raise self.fail("year", f"must be a year such as 2018, got {_shown_value(year)}")
        summary = None if "source" not in data else self.string(data, "source", "source")

        peak = self.rates(self.table(data, "peak_maccs", "[peak_maccs]"), "peak_maccs",
                          "[peak_maccs] {}")
        if not peak:
            raise self.fail("[peak_maccs]", "gives no dtype", hint="give the rate of every "
                            "dtype the device runs, e.g. [peak_maccs.fp32] with value, "
                            'unit = "MACC/s" and source')

        memory = self.table(data, "memory", "[memory]")
        self.known(memory, _TABLES["memory"], "[memory]")
        dram = self.quantity(memory, "dram_bandwidth", "memory.dram_bandwidth",
                             "[memory] dram_bandwidth")
        onchip = self.optional(memory, "onchip_bytes", "memory.onchip_bytes",
                               "[memory] onchip_bytes")
        if onchip is not None and not onchip.is_integer():
            raise self.fail("[memory] onchip_bytes", "value must be a whole number of bytes, "
                            f"got {memory['onchip_bytes']['value']!r}")
        onchip_bandwidth = self.optional(memory, "onchip_bandwidth", "memory.onchip_bandwidth",
                                         "[memory] onchip_bandwidth")
        if (onchip is None) != (onchip_bandwidth is None):
            missing, given = ("onchip_bandwidth", "onchip_bytes") if onchip_bandwidth is None \
                else ("onchip_bytes", "onchip_bandwidth")
            raise self.fail(f"[memory] {missing}", f"missing: required with {given}",
                            hint="give on-chip memory's size, bandwidth and energy per byte "
                            "together, or none of them")

        overhead = self.table(data, "overhead", "[overhead]")
        self.known(overhead, _TABLES["overhead"], "[overhead]")
        per_layer = self.quantity(overhead, "per_layer", "overhead.per_layer",
                                  "[overhead] per_layer")

        energy = self.table(data, "energy", "[energy]")
        self.known(energy, _TABLES["energy"], "[energy]")
        per_macc = self.rates(self.table(energy, "per_macc", "[energy] per_macc"),
                              "energy.per_macc", "[energy] per_macc.{}")
        for dtype in peak:
            if dtype not in per_macc:
                raise self.fail(f"[energy] per_macc.{dtype}", f"missing: the device runs "
                                f"{dtype} ([peak_maccs] {dtype})")
        for dtype in per_macc:
            if dtype not in peak:
                raise self.fail(f"[energy] per_macc.{dtype}", f"the device does not run "
                                f"{dtype} ([peak_maccs] has no {dtype})")
        per_byte = self.quantity(energy, "per_byte_dram", "energy.per_byte_dram",
                                 "[energy] per_byte_dram")
        per_byte_onchip = self.optional(energy, "per_byte_onchip", "energy.per_byte_onchip",
                                        "[energy] per_byte_onchip")
        if (per_byte_onchip is None) != (onchip is None):
            problem = "missing: required with [memory] onchip_bytes" if onchip is not None \
                else "given, but [memory] has no onchip_bytes"
            raise self.fail("[energy] per_byte_onchip", problem,
                            hint="give on-chip memory's size, bandwidth and energy per byte "
                            "together, or none of them")

        efficiency = self.efficiency(data)
        fuses, copies = self.runtime(data)
        return Device(
            name=name, title=title, kind=kind, year=year, peak_maccs=MappingProxyType(peak),
            dram_bandwidth=dram, onchip_bytes=None if onchip is None else int(onchip),
            onchip_bandwidth=onchip_bandwidth, overhead=per_layer,
            energy_per_macc=MappingProxyType(per_macc), energy_per_byte_dram=per_byte,
            energy_per_byte_onchip=per_byte_onchip, measured=self.measured(data),
            sources=MappingProxyType(self.sources), path=path, source=summary,
            efficiency=MappingProxyType(efficiency), runtime_fuses=fuses, runtime_copies=copies)

    def runtime(self, data: Mapping[str, Any]) -> tuple[frozenset[str] | None, frozenset[str]]:
        """The optional ``[runtime]`` table: what the runtime fuses and what it copies."""
        if "runtime" not in data:
            return None, frozenset()
        table = self.table(data, "runtime", "[runtime]")
        self.known(table, ("fuses", "copies", "source"), "[runtime]")
        self.sources["runtime"] = self.string(table, "source", "[runtime] source")
        lists = []
        for key in ("fuses", "copies"):
            value = table.get(key, [])
            if not isinstance(value, list) or not all(
                    isinstance(v, str) and _LAYER_KIND.match(v) for v in value):
                raise self.fail(f"[runtime] {key}", "must be a list of layer names such as "
                                '["relu", "relu6"]')
            lists.append(frozenset(value))
        return (lists[0] if "fuses" in table else None), lists[1]

    def efficiency(self, data: Mapping[str, Any]) -> dict[str, float]:
        """The optional ``[efficiency]`` table: a share of the peak (0 to 1) by layer kind."""
        if "efficiency" not in data:
            return {}
        table = self.table(data, "efficiency", "[efficiency]")
        shares = {}
        for kind in table:
            where = f"[efficiency] {kind}"
            if not _LAYER_KIND.match(kind):
                raise self.fail(where, "a layer kind is a lower-case name (pointwise, "
                                "depthwise...)")
            shares[kind] = self.quantity(table, kind, f"efficiency.{kind}", where)
            if shares[kind] > 1:
                raise self.fail(where, f"value must be a share of the peak, at most 1, got "
                                f"{_shown_value(table[kind]['value'])}")
        return shares

    def measured(self, data: Mapping[str, Any]) -> tuple[Measurement, ...]:
        items = data.get("measured", [])
        if not isinstance(items, list):
            raise self.fail("[[measured]]", f"must be an array of tables, got "
                            f"{_kind_of(items)}")
        found = []
        for number, item in enumerate(items, 1):
            where = f"[[measured]] #{number}"
            if not isinstance(item, dict):
                raise self.fail(where, f"must be a table, got {_kind_of(item)}")
            self.known(item, _MEASURED, where)
            network = self.string(item, "network", f"{where} network")
            latency = item.get("latency_ms")
            if not _positive(latency):
                raise self.fail(f"{where} latency_ms", "must be a positive number of "
                                f"milliseconds, got {_shown_value(latency)}")
            source = self.string(item, "source", f"{where} source")
            found.append(Measurement(network, float(latency), source))
        return tuple(found)


def _positive(value: Any) -> bool:
    """A finite number above zero (TOML's booleans, inf and nan are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) and value > 0


def _kind_of(value: Any) -> str:
    """How messages name a TOML value's type: ``a table``, ``an array``..."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"  # a date or a time


def _shown_value(value: Any) -> str:
    """A value as messages quote it: ``"GB/s"``, ``-3``, ``nothing``, ``a table``."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 40 else f'"{value[:37]}..."'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _kind_of(value)


__all__ = ["DTYPES", "KINDS", "UNITS", "Device", "Measurement", "list_devices", "load_device",
           "shipped_devices"]
