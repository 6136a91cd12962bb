"""``netdsl.ir.graph.replace_node``: the passes' fast ``attrs.evolve`` for nodes."""

from __future__ import annotations

import inspect

import attrs
import pytest

from netdsl.diagnostics import Source, Span
from netdsl.ir.graph import Absorbed, LayerCost, Node, replace_node
from netdsl.ir.ops import Activation, Conv


def _node() -> Node:
    source = Source("m.net", "x = conv(32)\n")
    span, call = Span(source, 1, 5, 1, 13), Span(source, 1, 1, 1, 2)
    return Node("stem/conv", Conv(channels=32), ("input",), (112, 112, 32), span,
                (("stem", "cbr"),), (Absorbed("stem/relu", Activation("relu"), "fused", span),),
                LayerCost(maccs=7), {"kernel": [1.0]}, (call,))


def test_it_names_every_field_of_node():
    """A field added to Node must be added to replace_node, or it would be dropped."""
    keywords = [name for name, p in inspect.signature(replace_node).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keywords == [f.name for f in attrs.fields(Node)]


def test_without_changes_every_field_is_kept():
    node = _node()
    copy = replace_node(node)
    assert copy is not node
    for field in attrs.fields(Node):  # the fields left out of equality too
        assert getattr(copy, field.name) is getattr(node, field.name)


@pytest.mark.parametrize("changes", [
    {"cost": None},
    {"inputs": ("stem/bn",), "shape": (56, 56, 32)},
    {"op": Conv(channels=32, bias=True), "fused": (), "weights": None, "cost": None},
    {"name": "other", "span": None, "blocks": (), "calls": ()},
])
def test_it_equals_attrs_evolve(changes):
    node = _node()
    new, expected = replace_node(node, **changes), attrs.evolve(node, **changes)
    assert new == expected
    for field in attrs.fields(Node):
        assert getattr(new, field.name) == getattr(expected, field.name)


def test_an_unknown_field_is_refused():
    with pytest.raises(TypeError):
        replace_node(_node(), colour="red")  # type: ignore[call-arg]
