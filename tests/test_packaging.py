"""The wheel carries the grammar and the standard library and works from anywhere."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path: Path) -> None:
    wheels = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)], capture_output=True, text=True, check=False)
    if build.returncode != 0:
        build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir",
                                str(wheels), str(ROOT)], capture_output=True, text=True,
                               check=False)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("netdsl-*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "netdsl/grammar/netdsl.lark" in names and "netdsl/stdlib/std.net" in names
    from netdsl.devices import shipped_devices  # every device profile ships in the wheel

    assert {f"netdsl/devices/{name}.toml" for name in shipped_devices()} <= set(names)

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                             capture_output=True, text=True, check=False)
    if install.returncode != 0 and "No matching distribution" in install.stderr:
        pytest.skip("no package index reachable to install lark and attrs")
    assert install.returncode == 0, install.stderr
    example = ROOT / "examples" / "mobilenet_v2.net"
    check = subprocess.run([str(env / "bin" / "netdsl"), "check", str(example)],
                           capture_output=True, text=True, cwd=tmp_path, check=False)
    assert check.returncode == 0, check.stderr
    assert "154 layers, input 224x224x3, output 1000" in check.stdout
    devices = subprocess.run([str(env / "bin" / "netdsl"), "devices", "edgetpu"],
                             capture_output=True, text=True, cwd=tmp_path, check=False)
    assert devices.returncode == 0 and "int8 2 T MACC/s" in devices.stdout, devices.stderr
    where = subprocess.run([str(python), "-c", "import netdsl; print(netdsl.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert str(env) in where.stdout  # the installed copy, not the source tree
