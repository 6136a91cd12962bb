"""The text and JSON of ``netdsl devices``: every shipped profile's key figures, or one
profile in full with the source of every figure.

The JSON mirrors the profile files (each figure a ``value``, ``unit`` and ``source``, in
base units) under ``{"schema": "netdsl.devices/1", "devices": [...]}``, one entry per
profile, plus each dtype's ridge point.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from netdsl.devices import UNITS, Device, list_devices, load_device
from netdsl.limits import describe_bytes

SCHEMA = "netdsl.devices/1"
WIDTH = 100
_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def render(name_or_path: str | None, fmt: str = "text") -> str:
    """Every shipped profile (``name_or_path`` None), or the one named, as text or JSON."""
    devices = list_devices() if name_or_path is None else [load_device(name_or_path)]
    if fmt == "json":
        return json.dumps({"schema": SCHEMA, "devices": [device_dict(d) for d in devices]},
                          indent=2) + "\n"
    if name_or_path is not None:
        return describe(devices[0])
    blocks = [summary(device) for device in devices]
    head = _wrap(f"{len(devices)} device profiles. Peaks are vendor figures (dense), which "
                 "real layers reach only in part; `netdsl devices NAME` shows a profile with "
                 "the source of every figure, docs/devices.md how to write your own.", "")
    return "\n\n".join([head, *blocks]) + "\n"


def summary(device: Device) -> str:
    """A profile's key figures in a few lines (the listing of ``netdsl devices``)."""
    lines = [f"{device.name}  {device.kind}, {device.year}: {device.title}",
             f"  peak      {_rates(device)} MACC/s",
             f"  memory    {_memory(device)}",
             f"  overhead  {_seconds(device.overhead)} per layer",
             f"  energy    {_energy(device)}"]
    if device.efficiency:
        lines.append(f"  kinds     {_efficiency(device)}")
    if device.source:
        lines.append(_wrap(device.source, "  sources   ", " " * 12))
    return "\n".join(lines)


def describe(device: Device) -> str:
    """A profile in full: every figure with its unit and its source (``netdsl devices X``)."""
    lines = [f"{device.name}: {device.title}",
             f"  {device.kind}, {device.year}; profile {device.path}"]
    if device.source:
        lines.append(_wrap(f"sources: {device.source}", "  ", "  "))
    lines += ["", "key figures",
              f"  peak      {_rates(device)} MACC/s",
              f"  memory    {_memory(device)}",
              "  ridge     " + ", ".join(f"{d} {_number(device.ridge(d))}"
                                          for d in device.peak_maccs)
              + " MACC/B (peak / DRAM bandwidth: below it a layer is memory-bound)",
              f"  overhead  {_seconds(device.overhead)} per layer",
              f"  energy    {_energy(device)}"]
    if device.efficiency:
        lines.append(f"  kinds     {_efficiency(device)}")
    lines += ["", "every figure and its source"]
    for path, value in _figures(device):
        unit = _unit(path)
        exact = _exact(value) + (f" {unit}" if unit != "1" else "")
        readable = _readable(value, unit)
        lines.append(f"  {path} = {exact}" + (f"  ({readable})" if readable != exact else ""))
        lines.append(_wrap(device.sources[path], " " * 6, " " * 6))
    if device.measured:
        lines += ["", "measured (published latencies, to check estimates against)"]
        for entry in device.measured:
            lines.append(f"  {entry.network}: {entry.latency_ms:g} ms")
            lines.append(_wrap(entry.source, " " * 6, " " * 6))
    return "\n".join(lines) + "\n"


def device_dict(device: Device) -> dict[str, Any]:
    """A profile as JSON-ready data, laid out as its file is, figures in base units."""
    def figure(path: str, value: float | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"value": value, "unit": _unit(path), "source": device.sources[path]}

    return {
        "name": device.name, "title": device.title, "kind": device.kind,
        "year": device.year, "source": device.source, "path": str(device.path),
        "peak_maccs": {d: figure(f"peak_maccs.{d}", v) for d, v in device.peak_maccs.items()},
        "ridge_maccs_per_byte": {d: device.ridge(d) for d in device.peak_maccs},
        "memory": {
            "dram_bandwidth": figure("memory.dram_bandwidth", device.dram_bandwidth),
            "onchip_bytes": figure("memory.onchip_bytes", device.onchip_bytes),
            "onchip_bandwidth": figure("memory.onchip_bandwidth", device.onchip_bandwidth)},
        "overhead": {"per_layer": figure("overhead.per_layer", device.overhead)},
        "energy": {
            "per_macc": {d: figure(f"energy.per_macc.{d}", v)
                         for d, v in device.energy_per_macc.items()},
            "per_byte_dram": figure("energy.per_byte_dram", device.energy_per_byte_dram),
            "per_byte_onchip": figure("energy.per_byte_onchip",
                                      device.energy_per_byte_onchip)},
        "efficiency": {k: figure(f"efficiency.{k}", v) for k, v in device.efficiency.items()},
        "measured": [entry._asdict() for entry in device.measured],
    }


def _figures(device: Device) -> list[tuple[str, float]]:
    """Every figure the profile gives, by its place in the file, in the file's order."""
    figures: list[tuple[str, float | None]] = [
        *((f"peak_maccs.{d}", v) for d, v in device.peak_maccs.items()),
        ("memory.dram_bandwidth", device.dram_bandwidth),
        ("memory.onchip_bytes", device.onchip_bytes),
        ("memory.onchip_bandwidth", device.onchip_bandwidth),
        ("overhead.per_layer", device.overhead),
        *((f"energy.per_macc.{d}", v) for d, v in device.energy_per_macc.items()),
        ("energy.per_byte_dram", device.energy_per_byte_dram),
        ("energy.per_byte_onchip", device.energy_per_byte_onchip),
        *((f"efficiency.{k}", v) for k, v in device.efficiency.items())]
    return [(path, value) for path, value in figures if value is not None]


def _unit(path: str) -> str:
    return UNITS.get(path) or UNITS[path.rpartition(".")[0]]


def _readable(value: float, unit: str) -> str:
    """``57.1 GMACC/s``, ``34.1 GB/s``, ``8 MiB``, ``10 us``, ``4.6 pJ``."""
    if unit == "B":
        return describe_bytes(int(value))
    if unit == "s":
        return _seconds(value)
    if unit in ("MACC/s", "B/s"):
        return f"{_si(value)}{unit}"
    if unit == "1":
        return f"{value:.0%} of the peak"
    return f"{value:g} {unit}"


def _exact(value: float) -> str:
    """A figure as a profile would write it: ``3.41e10``, ``8388608``, ``1e-5``, ``4.6``."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.10g}"
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else text


def _rates(device: Device) -> str:
    return ", ".join(f"{d} {_si(v)}" for d, v in device.peak_maccs.items())


def _memory(device: Device) -> str:
    dtype = device.main_dtype
    memory = "main memory" if device.kind == "mcu" else "DRAM"  # an MCU has none
    text = (f"{memory} {_si(device.dram_bandwidth)}B/s, ridge {_number(device.ridge(dtype))} "
            f"MACC/B ({dtype})")
    if device.onchip_bytes is not None and device.onchip_bandwidth is not None:
        text += (f"; on-chip {describe_bytes(device.onchip_bytes)} at "
                 f"{_si(device.onchip_bandwidth)}B/s")
    return text


def _energy(device: Device) -> str:
    per_macc = ", ".join(f"{d} {v:g}" for d, v in device.energy_per_macc.items())
    per_byte = f"{'main memory' if device.kind == 'mcu' else 'DRAM'} " \
        f"{device.energy_per_byte_dram:g}"
    if device.energy_per_byte_onchip is not None:
        per_byte += f", on-chip {device.energy_per_byte_onchip:g}"
    return f"{per_macc} pJ/MACC; {per_byte} pJ/B"


def _efficiency(device: Device) -> str:
    shares = ", ".join(f"{kind} {share:.0%}" for kind, share in device.efficiency.items())
    return f"{shares} of the peak (efficiency by layer kind)"


def _si(value: float) -> str:
    """``57.1 G``: three significant digits and a decimal prefix (add the unit)."""
    for scale, prefix in _PREFIXES:
        if value >= scale:
            return f"{_number(value / scale)} {prefix}"
    return f"{_number(value)} "


def _number(value: float) -> str:
    """Three significant digits, without an exponent: ``1.68``, ``76.5``, ``4,000``."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _seconds(value: float) -> str:
    if value < 1e-3:
        return f"{_number(value * 1e6)} us"
    if value < 1:
        return f"{_number(value * 1e3)} ms"
    return f"{_number(value)} s"


def _wrap(text: str, first: str, rest: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)
