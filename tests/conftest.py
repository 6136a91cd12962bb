"""Shared test options: ``pytest --update-golden`` rewrites golden files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture
def check_golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/NAME``, or rewrite the file with --update-golden."""
    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden") or os.environ.get("NETDSL_UPDATE_GOLDEN"):
            path.write_text(actual)
        assert path.exists(), f"{name} is missing (run pytest --update-golden)"
        assert actual == path.read_text(), f"{name} differs (run pytest --update-golden)"

    return check
