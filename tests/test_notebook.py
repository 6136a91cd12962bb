"""docs/notebook.ipynb runs, top to bottom, and shows the figures it promises.

The notebook is stored with its outputs so that it reads on a code host without running.
This test runs it afresh in a python3 kernel (nbclient, ipykernel), checks its outputs and
that the stored ones are those of a fresh run. After changing the notebook or what it
prints, store it again with ``python tests/test_notebook.py``.
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

for _module in ("nbformat", "nbclient", "ipykernel", "pandas"):
    pytest.importorskip(_module, reason=f"running the notebook needs {_module} (the test extra)")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"
NOTEBOOK = DOCS / "notebook.ipynb"


def execute(notebook: Any) -> Any:
    """``notebook`` run in a fresh python3 kernel from docs/, as Jupyter opens it."""
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(DOCS)}})
    return client.execute()


@pytest.fixture(scope="module")
def stored() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def fresh(stored: Any) -> Any:
    return execute(copy.deepcopy(stored))


def outputs(notebook: Any) -> dict[str, list[Any]]:
    return {cell.id: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}


def printed(cell_outputs: list[Any]) -> str:
    return "".join(o.text for o in cell_outputs if o.output_type == "stream"
                   and o.name == "stdout")


def shown(cell_outputs: list[Any], mime: str) -> str:
    found = [o.data[mime] for o in cell_outputs if o.output_type == "execute_result"]
    assert len(found) == 1, f"expected one result, got {len(found)}"
    return found[0]


def test_every_cell_runs_without_an_error(fresh) -> None:
    for cell_id, cell_outputs in outputs(fresh).items():
        for output in cell_outputs:
            assert output.output_type != "error", f"{cell_id}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"{cell_id} wrote to stderr: {output.text}"


def test_the_result_shows_its_totals_and_collapsed_diagram(fresh) -> None:
    view = shown(outputs(fresh)["compile"], "text/html")
    assert "<b>MobileNetV2</b>(alpha=1.0, size=224, classes=1000)" in view
    assert "<td style=\"text-align: right; white-space: nowrap\">300,774,272</td>" in view
    assert "3,538,984" in view and "3,487,816" in view  # parameters before and after folding
    if shutil.which("dot"):
        svg = ET.fromstring(re.search(r"<svg\b.*</svg>", view, re.S).group(0))
        boxes = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
        assert len(boxes) == 24  # one per inverted residual, 67 layers in all


def test_the_figures_the_notebook_prints(fresh) -> None:
    cells = outputs(fresh)
    assert printed(cells["repr"]) == ("<CompileResult MobileNetV2: 67 layers, output 1000, "
                                      "300,774,272 MACCs, 3,487,816 params>\n")
    tail = shown(cells["dataframe"], "text/plain")
    # pandas wraps a wide frame in blocks of columns; the first holds the names
    names = tail.split("\n\n")[0].splitlines()[1:]
    assert len(names) == 5 and names[-1].split()[:2] == ["62", "cbr6_2/conv"]  # most MACCs
    assert re.search(r"^62 +410880 +409600 +1280 +0 +0 +20070400 ", tail, re.M)
    compared = shown(cells["compare"], "text/plain")
    assert re.search(r"MACCs\s+300774272\s+582195824\s+1\.94", compared)
    assert re.search(r"parameters\s+3487816\s+6084808\s+1\.74", compared)
    stages = shown(cells["per-stage"], "text/plain")
    assert re.search(r"stage2\s+54942720\s+105821184\s+50878464", stages)
    assert printed(cells["error"]) == (
        "error[E201]: unknown layer or block 'covn'\n"
        " --> tiny.net:4:5\n"
        "  |\n"
        "4 |     covn(32, 3, stride=2)\n"
        "  |     ^^^^\n"
        " = help: did you mean 'conv'?\n")


def test_the_stored_outputs_are_those_of_a_fresh_run(stored, fresh) -> None:
    before, after = outputs(stored), outputs(fresh)
    assert list(before) == list(after)
    for cell_id in before:
        assert [o.output_type for o in before[cell_id]] == \
            [o.output_type for o in after[cell_id]], cell_id
        assert printed(before[cell_id]) == printed(after[cell_id]), \
            f"{cell_id}: the stored notebook is stale (python tests/test_notebook.py)"
    counts = [cell.execution_count for cell in stored.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "stored out of order"


if __name__ == "__main__":  # store the notebook with fresh outputs
    notebook = execute(nbformat.read(NOTEBOOK, as_version=4))
    nbformat.write(notebook, NOTEBOOK)
    print("wrote docs/notebook.ipynb", file=sys.stderr)
