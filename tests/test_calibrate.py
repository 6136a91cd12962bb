"""Calibration: a profile of this machine, measured, that --device reads back.

The figures depend on the machine and its load, so the tests check what they must be
whatever they are (positive, efficiencies at most 1, a profile the loader accepts and the
estimate uses), and the arithmetic of the summary statistics exactly.
"""

from __future__ import annotations

import pytest

pytest.importorskip("onnxruntime")

import netdsl
from netdsl.bridge.calibrate import Calibration, calibrate, spearman
from netdsl.cli import main
from netdsl.devices import load_device


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    assert spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1)
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert spearman([1, 1, 2], [5, 5, 6]) == pytest.approx(1)  # ties take their mean rank


def test_a_profile_from_figures_loads_and_estimates(tmp_path) -> None:
    measured = Calibration(threads=1, runtime_version="1.0", peak=40e9,
                           efficiency={"pointwise": 0.9, "conv": 1.0, "depthwise": 0.2,
                                       "dense": 0.8},
                           bandwidth=15e9, overhead=1e-6, call=1e-5,
                           rates={"pointwise": 36e9, "conv": 40e9, "depthwise": 8e9,
                                  "dense": 32e9})
    path = tmp_path / "host.toml"
    path.write_text(measured.profile())
    device = load_device(str(path))
    assert (device.name, device.peak("fp32"), device.dram_bandwidth, device.overhead) == \
        ("host", 40e9, 15e9, 1e-6)
    assert dict(device.efficiency) == measured.efficiency
    assert "1 thread" in device.title and "1 threads" not in device.title
    source = "net T:\n    input(56, 56, 32)\n    dwconv(3, bias=false)\n"
    estimate = netdsl.compile_string(source, device=str(path)).graph["dwconv"].cost.estimate
    # 3*3*56*56*32 MACCs at a fifth of the peak
    assert estimate.compute_seconds == pytest.approx(903_168 / (40e9 * 0.2))


def test_calibrate_measures_this_machine(tmp_path, capsys) -> None:
    measured = calibrate(threads=1, budget=0.05)
    assert measured.threads == 1
    assert measured.peak > 0 and measured.bandwidth > 0 and measured.overhead >= 0
    assert set(measured.efficiency) == {"pointwise", "conv", "depthwise", "dense"}
    assert all(0 < share <= 1 for share in measured.efficiency.values())
    # the peak is the best single rate; a kind's rate is over all its sizes
    assert measured.peak >= max(measured.rates["pointwise"], measured.rates["conv"])
    out = tmp_path / "host.toml"
    assert main(["calibrate", "--threads", "1", "--time-budget", "0.05", "-o", str(out)]) == 0
    assert "GMACC/s" in capsys.readouterr().err
    assert load_device(str(out)).name == "host"
