"""``python -m netdsl``: the same as the ``netdsl`` command."""

from netdsl.cli import run

run()
