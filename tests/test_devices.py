"""Device profiles: the shipped data, the loader's checks and errors, `netdsl devices`.

The figures asserted against ../shared/docs/devices.md (the project's device survey) are
the published ones: a profile that drifts from its source fails here.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netdsl.cli import main
from netdsl.devices import (
    DTYPES,
    KINDS,
    UNITS,
    Device,
    list_devices,
    load_device,
    shipped_devices,
)
from netdsl.diagnostics import NetdslError

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"phone-2018", "phone-2023", "rpi4", "rpi5", "jetson-orin-nano", "edgetpu",
            "desktop-cpu", "a100", "h100", "cortex-m7"}

MINIMAL = """\
name = "toy"
title = "A toy device"
kind = "cpu"
year = 2020

[peak_maccs]
fp32 = { value = 1e9, unit = "MACC/s", source = "made up" }

[memory]
dram_bandwidth = { value = 1e9, unit = "B/s", source = "made up" }

[overhead]
per_layer = { value = 1e-5, unit = "s", source = "made up" }

[energy]
per_macc = { fp32 = { value = 4.6, unit = "pJ", source = "made up" } }
per_byte_dram = { value = 160, unit = "pJ/B", source = "made up" }
"""


def caught(call) -> tuple[str, str, str | None]:
    """The code, message and hint of the NetdslError ``call`` raises."""
    with pytest.raises(NetdslError) as info:
        call()
    first = info.value.diagnostics[0]
    return first.code, first.message, first.hint


def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
            name: str = "phone.toml") -> str:
    """Write ``text`` as ``name`` in a fresh directory made current; return the name."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def invalid(tmp_path, monkeypatch, text: str) -> str:
    """The E606 message of loading ``text`` as phone.toml."""
    code, message, _ = caught(lambda: load_device(profile(tmp_path, monkeypatch, text)))
    assert code == "E606", message
    return message


# --- the shipped profiles -------------------------------------------------------------------

def test_the_required_profiles_ship() -> None:
    assert set(shipped_devices()) >= REQUIRED
    assert shipped_devices() == sorted(shipped_devices())
    assert [d.name for d in list_devices()] == shipped_devices()


@pytest.mark.parametrize("name", shipped_devices())
def test_every_shipped_profile_is_complete_and_sourced(name: str) -> None:
    device = load_device(name)
    assert isinstance(device, Device) and device.name == name
    assert device.path.name == f"{name}.toml" and device.title and device.source
    assert device.kind in KINDS and 2010 <= device.year <= 2030
    assert device.peak_maccs and set(device.peak_maccs) <= set(DTYPES)
    assert list(device.peak_maccs) == [d for d in DTYPES if d in device.peak_maccs]
    assert set(device.energy_per_macc) == set(device.peak_maccs)
    figures = [*device.peak_maccs.values(), device.dram_bandwidth, device.overhead,
               *device.energy_per_macc.values(), device.energy_per_byte_dram]
    on_chip = (device.onchip_bytes, device.onchip_bandwidth, device.energy_per_byte_onchip)
    assert all(v is None for v in on_chip) or all(v is not None for v in on_chip)
    figures += [v for v in on_chip if v is not None]
    assert all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in figures)
    # every figure has its source, which cites something or says it is assumed
    expected = {f"peak_maccs.{d}" for d in device.peak_maccs} | {
        f"energy.per_macc.{d}" for d in device.energy_per_macc} | {
        "memory.dram_bandwidth", "overhead.per_layer", "energy.per_byte_dram"}
    if device.onchip_bytes is not None:
        expected |= {"memory.onchip_bytes", "memory.onchip_bandwidth",
                     "energy.per_byte_onchip"}
    expected |= {f"efficiency.{kind}" for kind in device.efficiency}
    assert set(device.sources) == expected
    for path, source in device.sources.items():
        assert len(source) > 20 and ("http" in source or "doi:" in source
                                     or source.startswith("assumed")), (path, source)
    for entry in device.measured:
        assert entry.network and entry.latency_ms > 0 and "http" in entry.source
    # sanity: the overhead is small, the ridge point is a plausible number
    assert device.overhead < 1e-3
    assert all(0.1 < device.ridge(d) < 10_000 for d in device.peak_maccs)


def test_loading_is_cached_and_by_name_or_path() -> None:
    assert load_device("rpi4") is load_device("rpi4")
    path = load_device("rpi4").path
    assert load_device(path) == load_device(str(path)) == load_device("rpi4")


# --- the figures, against devices.md ----------------------------------------------------------

def test_a100_matches_the_datasheet() -> None:
    a100 = load_device("a100")
    assert a100.peak_maccs == {"fp32": 19.5e12 / 2, "fp16": 312e12 / 2, "bf16": 312e12 / 2,
                               "int8": 624e12 / 2, "int4": 1248e12 / 2}
    assert a100.dram_bandwidth == 2039e9  # 80 GB HBM2e, SXM
    assert a100.onchip_bytes == 41_943_040  # 40 MB L2, as deviceQuery counts it
    assert a100.onchip_bandwidth == pytest.approx(5120 * 1.41e9)  # whitepaper: 5120 B/clk
    assert a100.ridge("fp16") == pytest.approx(153 / 2, rel=0.01)  # devices.md: ~153 FLOP/B
    assert a100.measured[0].latency_ms == pytest.approx(1000 / 42_379, rel=0.01)


def test_h100_matches_the_datasheet() -> None:
    h100 = load_device("h100")
    assert h100.peak("fp32") == 67e12 / 2 and h100.peak("int8") == 1979e12 / 2
    assert h100.dram_bandwidth == 3350e9 and h100.onchip_bytes == 50 * 2**20
    assert h100.ridge("fp16") == pytest.approx(295 / 2, rel=0.01)  # devices.md: ~295 FLOP/B
    assert "int4" not in h100.peak_maccs


def test_raspberry_pis_match_devices_md() -> None:
    rpi4, rpi5 = load_device("rpi4"), load_device("rpi5")
    assert rpi4.peak("fp32") == 48e9 / 2 and rpi4.dram_bandwidth == 12.8e9  # 4 x 1.5 GHz x 8
    assert rpi4.ridge("fp32") == pytest.approx(3.75 / 2)  # devices.md: ~3.75 FLOP/B
    assert rpi5.peak("fp32") == 153.6e9 / 2 and rpi5.peak("int8") == 307.2e9
    assert rpi5.dram_bandwidth == 17e9
    assert rpi5.ridge("fp32") == pytest.approx(9.0 / 2, rel=0.01)  # devices.md: ~9.0 FLOP/B
    assert [m.latency_ms for m in rpi4.measured] == [112.6, 82.7]
    assert [m.latency_ms for m in rpi5.measured] == [23.5, 16.9]


def test_edge_devices_match_devices_md() -> None:
    tpu = load_device("edgetpu")
    assert dict(tpu.peak_maccs) == {"int8": 4e12 / 2}  # 4 TOPS, int8 only
    assert tpu.onchip_bytes == 8 * 2**20 and tpu.kind == "npu"
    assert [m.latency_ms for m in tpu.measured][:3] == [2.4, 2.6, 49.0]
    orin = load_device("jetson-orin-nano")
    assert orin.peak("fp32") == 1024 * 2 * 0.625e9 / 2 and orin.peak("int8") == 20e12 / 2
    assert orin.dram_bandwidth == 68e9
    nano = load_device("jetson-nano")
    assert nano.peak("fp16") == 472e9 / 2 and nano.dram_bandwidth == 25.6e9
    m7 = load_device("cortex-m7")
    assert m7.peak("int8") == 0.432e9 and m7.kind == "mcu"  # 2 MACC/cycle at 216 MHz
    assert [m.latency_ms for m in m7.measured] == [57.0, 64.8, 19.1, 2.3]


def test_phones_and_desktop_match_devices_md() -> None:
    old = load_device("phone-2018")
    assert old.dram_bandwidth == 34.1e9 and old.onchip_bytes == 8 * 2**20
    assert old.peak("fp32") == pytest.approx(2 * 2.38e9 * 4 * 3)
    # the measured fp32 MobileNetV1 (569 M MACCs in 14.8 ms) stays under the peak
    assert [m.latency_ms for m in old.measured] == [14.8, 11.0]
    assert old.peak("fp32") > 569e6 / 14.8e-3 and old.peak("int8") > 569e6 / 11e-3
    new = load_device("phone-2023")
    assert new.dram_bandwidth == 76.8e9 and new.year == 2023
    desktop = load_device("desktop-cpu")
    assert desktop.peak("fp32") == 8 * 4.0e9 * 32 / 2  # devices.md: 1.02 TFLOP/s = 512 GMAC/s
    assert desktop.dram_bandwidth == 51.2e9 and desktop.ridge("fp32") == 10


def test_energies_are_horowitz_figures() -> None:
    for device in list_devices():
        expected = {"fp32": 4.6, "fp16": 1.5, "bf16": 1.5, "int8": 0.3, "int4": 0.3}
        assert dict(device.energy_per_macc) == {d: expected[d] for d in device.peak_maccs}
        assert device.energy_per_byte_dram == (12.5 if device.kind == "mcu" else 160)
        assert device.energy_per_byte_onchip in (None, 12.5)


def test_ridge_is_peak_over_dram_bandwidth() -> None:
    device = load_device("phone-2018")
    assert device.ridge("fp32") == pytest.approx(57.12e9 / 34.1e9)
    assert device.ridge("int8") == pytest.approx(2 * device.ridge("fp32"))
    assert load_device("edgetpu").ridge("int8") == 4000
    assert load_device("edgetpu").main_dtype == "int8" and device.main_dtype == "fp32"


def test_a_dtype_the_device_does_not_run_is_e606() -> None:
    code, message, hint = caught(lambda: load_device("edgetpu").peak("fp32"))
    assert code == "E606"
    assert message == "device 'edgetpu' does not run fp32: its profile gives no peak rate for it"
    assert hint == ("it runs int8: choose one with --dtype, or add fp32 to [peak_maccs] in "
                    "edgetpu.toml")
    code, _, hint = caught(lambda: load_device("rpi4").ridge("bf16"))
    assert code == "E606" and hint.startswith("it runs fp32, int8:")


# --- loading a file ----------------------------------------------------------------------------

def test_a_user_profile_by_path(tmp_path, monkeypatch) -> None:
    text = MINIMAL.replace('[memory]\n', '[memory]\nonchip_bytes = { value = 2097152, unit = '
                           '"B", source = "L2" }\nonchip_bandwidth = { value = 5e10, unit = '
                           '"B/s", source = "guess" }\n')
    text = text.replace('per_byte_dram =', 'per_byte_onchip = { value = 12.5, unit = "pJ/B", '
                        'source = "Horowitz" }\nper_byte_dram =')
    text += '\n[[measured]]\nnetwork = "net"\nlatency_ms = 3\nsource = "me"\n'
    name = profile(tmp_path, monkeypatch, text, "toy.toml")
    device = load_device(name)
    assert (device.name, device.title, device.kind, device.year) == (
        "toy", "A toy device", "cpu", 2020)
    assert device.peak("fp32") == 1e9 and device.ridge("fp32") == 1.0
    assert (device.onchip_bytes, device.onchip_bandwidth, device.energy_per_byte_onchip) == (
        2_097_152, 5e10, 12.5)
    assert isinstance(device.onchip_bytes, int)
    assert device.measured == (("net", 3.0, "me"),) and device.source is None
    assert device.sources["memory.onchip_bandwidth"] == "guess"
    assert device.path == Path("toy.toml")
    # by an absolute path too, and through the command
    assert load_device(tmp_path / "toy.toml").name == "toy"


def test_an_unknown_name_is_e605_with_a_suggestion() -> None:
    code, message, hint = caught(lambda: load_device("rpi"))
    assert (code, message) == ("E605", "unknown device 'rpi'")
    assert hint.startswith("did you mean 'rpi") and "shipped profiles: a100, " in hint
    code, message, hint = caught(lambda: load_device("quantum"))
    assert (code, message) == ("E605", "unknown device 'quantum'")
    assert hint.startswith("shipped profiles: " + ", ".join(shipped_devices()))


def test_an_unreadable_file_is_e605(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert caught(lambda: load_device("missing.toml"))[:2] == (
        "E605", "cannot read 'missing.toml': No such file or directory")
    assert caught(lambda: load_device("sub/missing"))[:2] == (
        "E605", "cannot read 'sub/missing': No such file or directory")
    (tmp_path / "dir.toml").mkdir()
    assert caught(lambda: load_device("dir.toml"))[:2] == (
        "E605", "cannot read 'dir.toml': it is a directory")


def test_a_toml_syntax_error_is_e606_at_its_line_and_column(tmp_path, monkeypatch) -> None:
    name = profile(tmp_path, monkeypatch, 'name = "x"\ntitle = = "t"\n')
    with pytest.raises(NetdslError) as info:
        load_device(name)
    first = info.value.diagnostics[0]
    assert (first.code, first.message) == ("E606", "phone.toml: invalid TOML: Invalid value")
    assert (first.span.line, first.span.column) == (2, 9)
    assert first.one_line().startswith("phone.toml:2:9: error[E606]: phone.toml: invalid TOML")
    assert "2 | title = = \"t\"" in info.value.render()
    name = profile(tmp_path, monkeypatch, 'name = "x"\ntitle = "t')  # unterminated, no newline
    with pytest.raises(NetdslError) as info:
        load_device(name)
    assert info.value.diagnostics[0].span.line == 2


def test_a_file_that_is_not_utf8_or_too_large_is_e606(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"name = \"\xff\"\n")
    code, message, _ = caught(lambda: load_device("bin.toml"))
    assert (code, message) == ("E606", "bin.toml: not UTF-8 text: invalid UTF-8 byte 0xff")
    (tmp_path / "big.toml").write_text("#" * (1 << 20) + "\n")
    code, message, _ = caught(lambda: load_device("big.toml"))
    assert (code, message) == ("E606", "big.toml: larger than 1,048,576 bytes: not a device "
                               "profile")


def test_the_minimal_profile_is_valid(tmp_path, monkeypatch) -> None:
    assert load_device(profile(tmp_path, monkeypatch, MINIMAL)).name == "toy"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('unit = "B/s", source', 'unit = "GB/s", source',
     '[memory] dram_bandwidth: unit must be "B/s", got "GB/s"'),
    ('dram_bandwidth = { value = 1e9, unit = "B/s", source = "made up" }', '',
     '[memory] dram_bandwidth: missing (a table of value, unit = "B/s" and source)'),
    ('fp32 = { value = 1e9,', 'fp32 = { value = -1e9,',
     "[peak_maccs] fp32: value must be a positive number, got -1000000000.0"),
    ('per_layer = { value = 1e-5,', 'per_layer = { value = 0,',
     "[overhead] per_layer: value must be a positive number, got 0"),
    ('per_layer = { value = 1e-5,', 'per_layer = { value = inf,',
     "[overhead] per_layer: value must be a positive number, got inf"),
    ('per_layer = { value = 1e-5,', 'per_layer = { value = "10 us",',
     '[overhead] per_layer: value must be a positive number, got "10 us"'),
    ('per_byte_dram = { value = 160, unit = "pJ/B", source = "made up" }',
     'per_byte_dram = { value = 160, unit = "pJ/B" }', "[energy] per_byte_dram: missing source"),
    ('per_byte_dram = { value = 160, unit = "pJ/B", source = "made up" }',
     'per_byte_dram = { value = 160, unit = "pJ/B", source = "" }',
     '[energy] per_byte_dram source: must be a non-empty string, got ""'),
    ('[memory]\n', '[memory]\nonchip_bytes = { value = 8388608, unit = "B", source = "L2" }\n',
     "[memory] onchip_bandwidth: missing: required with onchip_bytes"),
    ('[memory]\n', '[memory]\nonchip_bandwidth = { value = 1e11, unit = "B/s", source = "x" }\n',
     "[memory] onchip_bytes: missing: required with onchip_bandwidth"),
    ('[memory]\n', '[memory]\nonchip_bytes = { value = 1.5, unit = "B", source = "x" }\n'
     'onchip_bandwidth = { value = 1e11, unit = "B/s", source = "x" }\n',
     "[memory] onchip_bytes: value must be a whole number of bytes, got 1.5"),
    ('per_byte_dram =', 'per_byte_onchip = { value = 12.5, unit = "pJ/B", source = "x" }\n'
     'per_byte_dram =', "[energy] per_byte_onchip: given, but [memory] has no onchip_bytes"),
    ('[peak_maccs]\n', '[peak_maccs]\nfp64 = { value = 1e9, unit = "MACC/s", source = "x" }\n',
     "[peak_maccs] fp64: unknown dtype (netdsl's: fp32, fp16, bf16, int8, int4)"),
    ('[peak_maccs]\n', '[peak_maccs]\nint8 = { value = 2e9, unit = "MACC/s", source = "x" }\n',
     "[energy] per_macc.int8: missing: the device runs int8 ([peak_maccs] int8)"),
    ('per_macc = { fp32', 'per_macc = { int8 = { value = 0.3, unit = "pJ", source = "x" }, fp32',
     "[energy] per_macc.int8: the device does not run int8 ([peak_maccs] has no int8)"),
    ('fp32 = { value = 1e9, unit = "MACC/s", source = "made up" }', '',
     "[peak_maccs]: gives no dtype"),
    ('[memory]\n', '[memory]\nl3_bytes = 3\n',
     "[memory] l3_bytes: unknown field (known: dram_bandwidth, onchip_bytes, onchip_bandwidth)"),
    ('year = 2020\n', 'year = 2020\nvendor = "x"\n',
     "vendor: unknown field (known: name, title, kind, year, source, peak_maccs, memory, "
     "overhead, energy, efficiency, runtime, measured)"),
    ('unit = "B/s", source', 'unit = "B/s", note = "x", source',
     "[memory] dram_bandwidth note: unknown field (known: value, unit, source)"),
    ('kind = "cpu"', 'kind = "tpu"', 'kind: must be one of cpu, gpu, npu, mcu, got "tpu"'),
    ('year = 2020', 'year = "2020"', 'year: must be a year such as 2018, got "2020"'),
    ('name = "toy"\n', '', "name: must be a non-empty string, got nothing"),
    ('[overhead]\nper_layer', '[overhead_]\nper_layer', "overhead_: unknown field (known: "
     "name, title, kind, year, source, peak_maccs, memory, overhead, energy, efficiency, "
     "runtime, measured)"),
    ('per_macc = { fp32 = { value = 4.6, unit = "pJ", source = "made up" } }', 'per_macc = 3',
     "[energy] per_macc: must be a table, got a number"),
    ('fp32 = { value = 1e9, unit = "MACC/s", source = "made up" }', 'fp32 = 1e9',
     '[peak_maccs] fp32: must be a table of value, unit = "MACC/s" and source, got a number'),
])
def test_an_invalid_profile_is_e606_naming_the_file_and_field(tmp_path, monkeypatch, old, new,
                                                              message) -> None:
    assert MINIMAL.count(old) >= 1, old
    assert invalid(tmp_path, monkeypatch, MINIMAL.replace(old, new, 1)) == \
        f"phone.toml: {message}"


def test_an_unknown_field_suggests_the_known_one(tmp_path, monkeypatch) -> None:
    text = MINIMAL.replace("[overhead]\nper_layer", "[overhead]\nper_layr")
    code, message, hint = caught(lambda: load_device(profile(tmp_path, monkeypatch, text)))
    assert code == "E606" and message.startswith("phone.toml: [overhead] per_layr: unknown")
    assert hint == "did you mean 'per_layer'?"


@pytest.mark.parametrize(("entry", "message"), [
    ('network = "n"\nlatency_ms = -2\nsource = "s"',
     "[[measured]] #1 latency_ms: must be a positive number of milliseconds, got -2"),
    ('network = "n"\nlatency_ms = 2\n', '[[measured]] #1 source: must be a non-empty string, '
     "got nothing"),
    ('network = "n"\nlatency_ms = 2\nsource = "s"\nthreads = 2',
     "[[measured]] #1 threads: unknown field (known: network, latency_ms, source)"),
])
def test_an_invalid_measurement_is_e606(tmp_path, monkeypatch, entry, message) -> None:
    text = f"{MINIMAL}\n[[measured]]\n{entry}\n"
    assert invalid(tmp_path, monkeypatch, text) == f"phone.toml: {message}"


# --- netdsl devices --------------------------------------------------------------------------

def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def flat(text: str) -> str:
    """``text`` with every run of white space as one space (the output wraps sources)."""
    return " ".join(text.split())


def test_netdsl_devices_lists_every_profile_with_its_key_figures(capsys) -> None:
    status, out, err = run(capsys, "devices")
    assert (status, err) == (0, "")
    assert out.startswith(f"{len(shipped_devices())} device profiles.")
    for name in shipped_devices():
        assert f"\n{name}  " in out
    block = out.split("\nphone-2018  ")[1].split("\n\n")[0]
    assert block.splitlines()[:5] == [
        "cpu, 2018: Apple A12 Bionic, 2 big CPU cores (iPhone XS, 2018)",
        "  peak      fp32 57.1 G, int8 114 G MACC/s",
        "  memory    DRAM 34.1 GB/s, ridge 1.68 MACC/B (fp32); on-chip 8 MiB at 76.2 GB/s",
        "  overhead  10 us per layer",
        "  energy    fp32 4.6, int8 0.3 pJ/MACC; DRAM 160, on-chip 12.5 pJ/B"]
    assert block.splitlines()[5].startswith("  kinds     pointwise 73%, conv 73%, dense 73%, "
                                            "depthwise 23% of the peak")
    assert block.splitlines()[6].startswith("  sources   AnandTech iPhone XS review")
    assert "  peak      int8 2 T MACC/s" in out  # the Edge TPU, int8 only
    assert "ridge 4,000 MACC/B (int8)" in out
    assert all(len(line) <= 100 for line in out.splitlines() if not line[:1].isalnum())


def test_netdsl_devices_name_shows_every_source(capsys) -> None:
    status, out, err = run(capsys, "devices", "phone-2018")
    assert (status, err) == (0, "")
    device = load_device("phone-2018")
    assert out.startswith("phone-2018: Apple A12 Bionic, 2 big CPU cores (iPhone XS, 2018)\n")
    assert "  ridge     fp32 1.68, int8 3.35 MACC/B" in out
    assert "  memory.dram_bandwidth = 3.41e10 B/s  (34.1 GB/s)" in out
    assert "  memory.onchip_bytes = 8388608 B  (8 MiB)" in out
    assert "  energy.per_macc.fp32 = 4.6 pJ\n" in out
    for source in device.sources.values():
        assert flat(source) in flat(out)
    for entry in device.measured:
        assert f"  {entry.network}: {entry.latency_ms:g} ms" in out
        assert flat(entry.source) in flat(out)


def test_netdsl_devices_json(capsys, tmp_path, monkeypatch) -> None:
    status, out, _ = run(capsys, "devices", "--format", "json")
    report = json.loads(out)
    assert status == 0 and report["schema"] == "netdsl.devices/1"
    assert [d["name"] for d in report["devices"]] == shipped_devices()
    a100 = next(d for d in report["devices"] if d["name"] == "a100")
    assert a100["peak_maccs"]["int8"]["value"] == 312e12
    assert a100["peak_maccs"]["int8"]["unit"] == UNITS["peak_maccs"] == "MACC/s"
    assert a100["memory"]["onchip_bytes"] == {
        "value": 41943040, "unit": "B", "source": load_device("a100").sources[
            "memory.onchip_bytes"]}
    assert a100["ridge_maccs_per_byte"]["fp32"] == pytest.approx(9.75e12 / 2.039e12)
    assert a100["measured"][0]["latency_ms"] == 0.0236
    rpi4 = next(d for d in report["devices"] if d["name"] == "rpi4")
    assert rpi4["memory"]["onchip_bytes"] is None and rpi4["energy"]["per_byte_onchip"] is None
    name = profile(tmp_path, monkeypatch, MINIMAL, "toy.toml")
    status, out, _ = run(capsys, "devices", name, "--format", "json")
    assert status == 0 and json.loads(out)["devices"][0]["path"] == "toy.toml"


def test_netdsl_devices_errors(capsys, tmp_path, monkeypatch) -> None:
    status, out, err = run(capsys, "devices", "rpi6")
    assert (status, out) == (1, "")
    assert err.startswith("error[E605]: unknown device 'rpi6'\n = help: did you mean 'rpi")
    name = profile(tmp_path, monkeypatch, MINIMAL.replace('"B/s"', '"GB/s"'))
    assert run(capsys, "devices", name) == (
        1, "", 'error[E606]: phone.toml: [memory] dram_bandwidth: unit must be "B/s", got '
        '"GB/s"\n = help: give the value in B/s: each field has one unit\n')


def test_the_devices_module_is_not_loaded_at_start_up() -> None:
    code = ("import sys; from netdsl.cli import main; "
            f"main(['check', {str(ROOT / 'examples' / 'mobilenet_v1.net')!r}]); "
            "print('netdsl.devices' in sys.modules, 'tomllib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.splitlines()[-1] == "False False"


# --- [efficiency]: measured shares of the peak (netdsl calibrate writes them) -------------------

def test_an_efficiency_table_by_layer_kind(tmp_path, monkeypatch, capsys) -> None:
    text = MINIMAL + ('\n[efficiency]\ndepthwise = { value = 0.25, unit = "1", source = "m" }\n'
                      'dense = { value = 1, unit = "1", source = "m" }\n')
    name = profile(tmp_path, monkeypatch, text)
    device = load_device(name)
    assert dict(device.efficiency) == {"depthwise": 0.25, "dense": 1.0}
    assert device.sources["efficiency.depthwise"] == "m"
    assert load_device("rpi4").efficiency == {}
    status, out, _ = run(capsys, "devices", name)
    assert status == 0 and "  kinds     depthwise 25%, dense 100% of the peak" in out
    assert "  efficiency.depthwise = 0.25  (25% of the peak)" in out


@pytest.mark.parametrize(("entry", "message"), [
    ('depthwise = { value = 1.5, unit = "1", source = "m" }',
     "[efficiency] depthwise: value must be a share of the peak, at most 1, got 1.5"),
    ('depthwise = { value = 0.5, unit = "%", source = "m" }',
     '[efficiency] depthwise: unit must be "1", got "%"'),
    ('Depth-wise = { value = 0.5, unit = "1", source = "m" }',
     "[efficiency] Depth-wise: a layer kind is a lower-case name (pointwise, depthwise...)"),
])
def test_an_invalid_efficiency_is_e606(tmp_path, monkeypatch, entry, message) -> None:
    text = f"{MINIMAL}\n[efficiency]\n{entry}\n"
    assert invalid(tmp_path, monkeypatch, text) == f"phone.toml: {message}"


def test_a_calibrated_profile_loads(tmp_path) -> None:
    """What ``netdsl calibrate`` writes (netdsl.bridge.calibrate) is a valid profile."""
    calibrate = pytest.importorskip("netdsl.bridge.calibrate")
    calibration = calibrate.Calibration(
        threads=4, runtime_version="1.0", peak=1e11, efficiency={"pointwise": 1.0,
                                                                 "depthwise": 0.2},
        bandwidth=2e10, overhead=3e-6, call=2e-5, rates={"pointwise": 1e11, "depthwise": 2e10})
    path = tmp_path / "host.toml"
    path.write_text(calibration.profile())
    device = load_device(path)
    assert (device.name, device.peak("fp32"), device.dram_bandwidth) == ("host", 1e11, 2e10)
    assert dict(device.efficiency) == {"pointwise": 1.0, "depthwise": 0.2}


def test_the_documented_example_profile_loads(tmp_path) -> None:
    text = (ROOT / "docs" / "devices.md").read_text()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "my-board.toml").write_text(example)
    device = load_device(tmp_path / "my-board.toml")
    assert device.name == "my-board" and device.ridge("int8") == 5.0
    assert device.measured[0].latency_ms == 95.0


def test_a_runtime_table(tmp_path) -> None:
    text = MINIMAL + ('\n[runtime]\nfuses = ["relu", "relu6"]\ncopies = ["concat"]\n'
                      'source = "observed with netdsl bench --per-layer"\n')
    path = tmp_path / "r.toml"
    path.write_text(text)
    device = load_device(str(path))
    assert device.runtime_fuses == {"relu", "relu6"}
    assert device.runtime_copies == {"concat"}
    assert device.sources["runtime"] == "observed with netdsl bench --per-layer"
    assert load_device("rpi4").runtime_fuses is None
    path.write_text(MINIMAL + '\n[runtime]\nfuses = "relu"\nsource = "x"\n')
    with pytest.raises(NetdslError) as caught:
        load_device(str(path))
    assert caught.value.diagnostics[0].code == "E606"
    assert "[runtime] fuses: must be a list of layer names" in caught.value.diagnostics[0].message
