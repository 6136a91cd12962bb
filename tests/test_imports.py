"""What ``netdsl check`` loads: the list is kept here so it cannot regrow silently.

Start-up time is mostly imports (docs/performance.md), so a command loads only what it
needs: no NumPy, no Lark (the parser runs on generated tables), no backend but the
format registry, no pass it does not run, no ONNX, matplotlib or pandas. A change that
adds a module to this path must add it here, on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The project's modules `netdsl check` loads, exactly.
CHECK_MODULES = {
    "netdsl", "netdsl.backends", "netdsl.backends.formats", "netdsl.cli",
    "netdsl.diagnostics", "netdsl.driver", "netdsl.elaborate", "netdsl.elaborate.elaborator",
    "netdsl.elaborate.expressions", "netdsl.elaborate.layers", "netdsl.elaborate.translations",
    "netdsl.elaborate.values", "netdsl.ir", "netdsl.ir.cost", "netdsl.ir.graph", "netdsl.ir.ops",
    "netdsl.ir.ops.activation", "netdsl.ir.ops.adaptive_pool", "netdsl.ir.ops.arrays",
    "netdsl.ir.ops.batchnorm", "netdsl.ir.ops.channels", "netdsl.ir.ops.conv",
    "netdsl.ir.ops.conv_transpose", "netdsl.ir.ops.dense", "netdsl.ir.ops.layout",
    "netdsl.ir.ops.learned", "netdsl.ir.ops.merge", "netdsl.ir.ops.norm", "netdsl.ir.ops.pool",
    "netdsl.ir.ops.registry", "netdsl.ir.ops.resize", "netdsl.ir.ops.sequence",
    "netdsl.ir.ops.tensor", "netdsl.ir.printer", "netdsl.ir.verifier", "netdsl.ir.windows",
    "netdsl.limits", "netdsl.passes", "netdsl.passes.absorb", "netdsl.passes.annotate_cost",
    "netdsl.passes.base", "netdsl.passes.estimate_latency", "netdsl.passes.fold_batchnorm",
    "netdsl.passes.fuse_activations", "netdsl.passes.infer_shapes", "netdsl.reading",
    "netdsl.syntax", "netdsl.syntax._lalr_tables", "netdsl.syntax.ast", "netdsl.syntax.parser",
}
#: Installed packages (not the standard library, not netdsl) it may load: attrs only.
THIRD_PARTY = {"attr", "attrs"}
#: Standard-library modules that would each cost start-up time for nothing on this path.
#: (argparse itself loads shutil, and with it the compression modules.)
NEVER = {"json", "subprocess", "tempfile", "concurrent", "asyncio", "multiprocessing",
         "dataclasses", "decimal", "csv", "textwrap", "fractions", "numpy", "lark", "hashlib"}

PROBE = """
import json, sys
base = set(sys.modules)
from netdsl.cli import main
status = main(["check", sys.argv[1]])
print(json.dumps({"status": status, "loaded": sorted(set(sys.modules) - base)}))
"""


def _loaded(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["status"] == 0
    return set(found["loaded"])


def test_netdsl_check_loads_only_what_it_needs() -> None:
    loaded = _loaded("examples/mobilenet_v2.net")
    ours = {name for name in loaded if name.split(".")[0] == "netdsl"}
    assert ours == CHECK_MODULES, (
        f"new: {sorted(ours - CHECK_MODULES)}; gone: {sorted(CHECK_MODULES - ours)}")
    stdlib = set(sys.stdlib_module_names)
    others = {name.split(".")[0] for name in loaded} - stdlib - {"netdsl"}
    others = {name for name in others if not name.startswith("_")}
    assert others == THIRD_PARTY
    assert not {name.split(".")[0] for name in loaded} & NEVER


def test_importing_netdsl_loads_nothing_else() -> None:
    """``import netdsl`` (and ``netdsl --version``) loads no stage of the compiler."""
    code = ("import json, sys; base = set(sys.modules); import netdsl; "
            "print(json.dumps(sorted(set(sys.modules) - base)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    loaded = set(json.loads(done.stdout))
    assert {name for name in loaded if name.startswith("netdsl")} == {"netdsl"}
    assert {name.split(".")[0] for name in loaded} <= set(sys.stdlib_module_names) | {"netdsl"}
