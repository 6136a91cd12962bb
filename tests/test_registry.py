"""The op registry: every layer kind is one complete unit.

Each op has a shape rule, a cost rule, a reference executor and a doc line;
every layer a user can call is in docs/language.md's layer table; and every
op's executor agrees with its shape rule on random input shapes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netdsl
from netdsl.elaborate.layers import LAYERS, MERGES
from netdsl.ir.ops import ALL_OPS, REGISTRY

ROOT = Path(__file__).resolve().parent.parent

#: Calls of every layer, after ``input(h, w, c)`` (merges with ``x``, the input).
SAMPLES: dict[str, tuple[str, ...]] = {
    "input": ("identity",),
    "conv": ("conv(4, 3)", "conv(6, 2, 2, pad=same, groups=2, bias=false)",
             "conv(3, [1, 3], dilation=2, pad=valid)", "conv(2, 2, dilation=3)"),
    "dwconv": ("dwconv", "dwconv(5, 2, mult=2, pad=[0, 1, 2, 0])"),
    "convT": ("convT(4, 2, 2)", "convT(6, 3, 2, pad=1, out_pad=1, groups=2, bias=false)",
              "convT(2, [3, 2], dilation=2, out_pad=[1, 0])"),
    "dense": ("dense(3)",),
    "fc": ("fc(2, bias=false)",),
    "bn": ("bn", "bn(eps=0.1)"),
    "layernorm": ("layernorm", "layernorm(eps=1e-6, affine=false)"),
    "groupnorm": ("groupnorm(1)", "groupnorm(2, affine=false)"),
    "instancenorm": ("instancenorm", "instancenorm(affine=true)"),
    "relu": ("relu",), "relu6": ("relu6",), "sigmoid": ("sigmoid",), "tanh": ("tanh",),
    "hsigmoid": ("hsigmoid",), "hswish": ("hswish",), "swish": ("swish",), "silu": ("silu",),
    "softmax": ("softmax",), "gelu": ("gelu", "gelu(approx=tanh)"), "mish": ("mish",),
    "leaky_relu": ("leaky_relu", "leaky_relu(0.2)"), "elu": ("elu(0.5)",),
    "hardtanh": ("hardtanh", "hardtanh(0, 6)"), "prelu": ("prelu", "prelu(per_channel=false)"),
    "maxpool": ("maxpool(2)", "maxpool(3, 2, pad=1, round=ceil)", "maxpool([2, 1])"),
    "avgpool": ("avgpool(2, round=ceil)", "avgpool(3, 2, pad=1)",
                "avgpool(3, 2, pad=1, count_pad=false, round=ceil)"),
    "adaptive_avgpool": ("adaptive_avgpool(3)", "adaptive_avgpool(2, 5)"),
    "adaptive_maxpool": ("adaptive_maxpool(4, 1)",),
    "gap": ("gap",), "gmp": ("gmp",),
    "zeropad": ("zeropad(1)", "zeropad(1, 2)", "zeropad(0, 1, 2, 3)"),
    "flatten": ("flatten",),
    "slice": ("slice(0, 1)", "x = slice(1, 2)\nrelu\nconcat(x)"),
    "channel_shuffle": ("channel_shuffle(1)", "conv(6)\nchannel_shuffle(3)"),
    "pixel_shuffle": ("conv(8)\npixel_shuffle(2)",),
    "pixel_unshuffle": ("pixel_unshuffle(1)", "zeropad(0, 1, 0, 1)\npixel_unshuffle(2)"),
    "scale": ("scale",), "bias": ("bias", "gap\nflatten\nbias"),
    "upsample": ("upsample", "upsample([2, 3], mode=bilinear)"),
    "dropout": ("dropout(0.2)",),
    "identity": ("identity",),
    "tokens": ("tokens",),
    "linear": ("linear(3)", "tokens\nlinear(5, bias=false)"),
    "class_token": ("tokens\nclass_token",),
    "pos_embed": ("tokens\npos_embed",),
    "token": ("tokens\ntoken", "tokens\nclass_token\ntoken(1)"),
    "mha": ("tokens\nlinear(6)\nmha(2)", "tokens\nlinear(4)\nmha(4, bias=false)"),
    "reshape": ("reshape([-1])", "reshape([1, -1])"),
    "permute": ("permute([2, 0, 1])", "tokens\npermute([1, 0])"),
    "add": ("relu\nadd(x)",),
    "mul": ("sigmoid\nmul(x)", "gap\nflatten\nmul(x)"),
    "concat": ("relu\nconcat(x)",),
}


def test_every_op_is_complete() -> None:
    assert tuple(REGISTRY) == ALL_OPS
    for op, definition in REGISTRY.items():
        assert definition.op is op
        assert callable(definition.shape), op
        assert callable(definition.cost), op
        assert callable(definition.execute), op
        assert definition.doc and "\n" not in definition.doc, op
        assert definition.layers, f"{op.__name__} has no layer a user can call"


def test_layer_names_are_unique() -> None:
    names = [layer.name for d in REGISTRY.values() for layer in d.layers]
    assert len(names) == len(set(names))
    assert set(names) == set(LAYERS) | set(MERGES)


def _documented_layers() -> set[str]:
    text = (ROOT / "docs" / "language.md").read_text()
    table = text.split("## Built-in layers", 1)[1].split("\n\n", 2)[1]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        first_cell = row.split("|")[1]
        names.update(re.findall(r"`([A-Za-z0-9_]+)`", first_cell))
    return names


def test_the_docs_table_lists_every_layer() -> None:
    assert _documented_layers() == set(LAYERS) | set(MERGES)


def test_every_layer_has_a_sample() -> None:
    assert set(SAMPLES) == set(LAYERS) | set(MERGES)


CASES = [(name, call) for name, calls in SAMPLES.items() for call in calls]


@pytest.mark.parametrize(("name", "call"), CASES, ids=[f"{n}:{c}" for n, c in CASES])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 9), w=st.integers(1, 9), c=st.integers(1, 6), seed=st.integers(0, 99))
def test_executor_agrees_with_the_shape_rule(name: str, call: str, h: int, w: int, c: int,
                                             seed: int) -> None:
    body = "".join(f"    {line}\n" for line in call.splitlines())
    source = f"net T():\n    x = input({h}, {w}, {c})\n{body}"
    try:
        result = netdsl.compile_string(source, seed=seed, passes=("infer-shapes",
                                                                 "annotate-cost"))
    except netdsl.NetdslError as exc:  # a shape the layer refuses (kernel too large...)
        assert exc.diagnostics[0].code in {"E306", "E402", "E403", "E404", "E405", "E407"}, \
            source
        return
    data = np.random.default_rng(seed).normal(size=(2, h, w, c))
    for node in result.graph.nodes:
        out = netdsl.execute(result.graph, data, layer=node.name)
        assert out.shape == (2, *node.shape), f"{node.name} in\n{source}"
        assert node.cost is not None
