"""The reference executor, real weights, and the numerical check of the passes.

The passes claim to change how a network is computed, never what it computes:
for every example (at a reduced input size) and for random networks, the
output with random weights before the passes must equal the output after them
within a relative tolerance of 1e-4. The executor itself is checked against
direct loops written from the definitions.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netdsl
from netdsl.cli import main
from netdsl.executor import execute
from netdsl.ir.ops import Activation
from netdsl.weights import random_weights

ROOT = Path(__file__).resolve().parent.parent
SMALL = {  # reduced input sizes that keep every example's shapes valid
    "mobilenet_v1": {"size": 32},
    "mobilenet_v2": {"size": 32},
    "resnet50": {"size": 32, "layers": [1, 1, 1, 1]},
    "vgg16": {"size": 32},
    "mobilenet_v1_features": {"height": 32, "width": 48},
    "mobilenet_v2_features": {"height": 32, "width": 48},
    "vgg16_features": {"height": 32, "width": 48},
    "convnext_tiny": {"size": 32, "depths": [1, 1, 2, 1], "dims": [8, 16, 32, 64]},
    "shufflenet_v2": {"size": 32, "repeats": [2, 2, 2], "widths": [16, 32, 64]},
    "unet": {"size": 32, "base": 4},
    "mobilenet_v3_large": {"size": 32},
    "efficientnet_b0": {"size": 32},
    "vit_b_16": {"size": 32, "patch": 8, "dim": 16, "depth": 2, "heads": 4, "mlp": 32},
}
EXAMPLES = sorted((ROOT / "examples").glob("**/*.net"))


def assert_close(after: np.ndarray, before: np.ndarray) -> None:
    """Equal within a relative tolerance of 1e-4 of the output's scale."""
    scale = max(float(np.abs(before).max()), 1e-30)
    assert after.shape == before.shape
    assert float(np.abs(after - before).max()) <= 1e-4 * scale


def last_layers(result: netdsl.CompileResult) -> tuple[str, str]:
    """The last layer after the passes that is not a softmax (whose saturated outputs
    would hide differences), and the layer computing the same tensor before them:
    the last layer it absorbed, or itself."""
    nodes = [n for n in result.graph.nodes if n.op != Activation("softmax")]
    last = nodes[-1]
    return last.name, last.fused[-1].name if last.fused else last.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_compute_the_same_after_the_passes(path: Path) -> None:
    result = netdsl.compile_file(path, params=SMALL[path.stem], seed=7)
    x = np.random.default_rng(1).normal(size=(2, *result.graph.nodes[0].shape))
    layer, same_before = last_layers(result)
    before = execute(result.baseline, x, same_before)
    after = execute(result.graph, x, layer)
    assert_close(after, before)
    assert np.abs(before).max() > 1e-3  # the check means something: outputs are not ~0
    full_before, full_after = execute(result.baseline, x), execute(result.graph, x)
    assert_close(full_after, full_before)


# --- random networks --------------------------------------------------------------------

ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "hsigmoid", "hswish", "swish", "gelu"]


@st.composite
def networks(draw: st.DrawFn) -> str:
    """A random network in netdsl: convolutions of every kind, BN, activations,
    pooling, residual adds and concats, ending in a dense layer."""
    channels = draw(st.sampled_from([2, 3, 4]))
    size = draw(st.integers(7, 12))
    lines = [f"input({size}, {size}, {channels})"]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv", "dwconv", "grouped", "bn", "act", "pool",
                                     "residual", "concat", "chain"]))
        k = draw(st.sampled_from([1, 3]))
        s = draw(st.sampled_from([1, 2])) if size >= 6 else 1
        pad = draw(st.sampled_from(["auto", "same", "valid", "[0, 1]", "[1, 0, 1, 2]"]))
        bias = draw(st.booleans())
        if kind == "conv":
            channels = draw(st.integers(2, 6))
            d = draw(st.sampled_from([1, 2])) if k == 3 and size >= 8 else 1
            lines.append(f"conv({channels}, {k}, {s}, pad={pad}, dilation={d}, "
                         f"bias={str(bias).lower()})")
        elif kind == "dwconv":
            mult = draw(st.sampled_from([1, 2]))
            lines.append(f"dwconv({k}, {s}, pad={pad}, mult={mult}, bias={str(bias).lower()})")
            channels *= mult
        elif kind == "grouped" and channels % 2 == 0:
            lines.append(f"conv({channels}, {k}, groups=2, bias={str(bias).lower()})")
        elif kind == "bn":
            lines.append("bn")
        elif kind == "act":
            lines.append(draw(st.sampled_from(ACTIVATIONS)))
        elif kind == "pool" and size >= 4:
            pool = draw(st.sampled_from(["maxpool", "avgpool"]))
            rounding = draw(st.sampled_from(["floor", "ceil"]))
            lines.append(f"{pool}(2, round={rounding})")
        elif kind == "residual":
            act = draw(st.sampled_from(ACTIVATIONS))
            lines += ["residual:", f"    conv({channels}, 3, bias=false)", "    bn",
                      f"    {act}", f"    conv({channels}, 1)", "    bn"]
        elif kind == "concat":
            lines += ["concat:", f"    | conv({channels}, 1)", "      bn", "    | bn",
                      "      relu"]
            channels *= 2
        elif kind == "chain":
            lines += [f"conv({channels}, 3)", "bn", draw(st.sampled_from(ACTIVATIONS)), "bn"]
        # Track the spatial size well enough to keep windows valid.
        size = max(1, size // 2) if any(tok in lines[-1] for tok in (", 2,", "pool")) else size
        if size < 3:
            break
    lines += ["gap", "dense(5)", "bn", draw(st.sampled_from(ACTIVATIONS))]
    return "net random:\n" + "".join(f"    {line}\n" for line in lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=networks(), seed=st.integers(0, 2**16))
def test_random_networks_compute_the_same_after_the_passes(text: str, seed: int) -> None:
    try:
        result = netdsl.compile_string(text, seed=seed)
    except netdsl.NetdslError as exc:  # a drawn window may not fit: that is not our subject
        assert exc.diagnostics[0].code in {"E403", "E407"}, exc.render()
        return
    x = np.random.default_rng(seed).normal(size=(3, *result.graph.nodes[0].shape))
    assert_close(execute(result.graph, x), execute(result.baseline, x))


# --- the executor against definitions ---------------------------------------------------


def direct_conv(x, kernel, bias, stride, pad, dilation, groups):
    """Convolution straight from its definition, one output value at a time."""
    n, h, w, _ = x.shape
    kh, kw, cg, cout = kernel.shape
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    ho = (h + top + bottom - dilation * (kh - 1) - 1) // stride + 1
    wo = (w + left + right - dilation * (kw - 1) - 1) // stride + 1
    per_group = cout // groups
    y = np.zeros((n, ho, wo, cout))
    for b, i, j, o in itertools.product(range(n), range(ho), range(wo), range(cout)):
        g = o // per_group
        total = bias[o] if bias is not None else 0.0
        for a, e, ci in itertools.product(range(kh), range(kw), range(cg)):
            total += (xp[b, i * stride + a * dilation, j * stride + e * dilation, g * cg + ci]
                      * kernel[a, e, ci, o])
        y[b, i, j, o] = total
    return y


@pytest.mark.parametrize(("layer", "pad", "stride", "dilation", "groups", "cout"), [
    ("conv(6, 3, 1, pad=1)", (1, 1, 1, 1), 1, 1, 1, 6),
    ("conv(6, 3, 2, pad=same)", (1, 1, 0, 1), 2, 1, 1, 6),  # 7x6: ceil(7/2)=4, ceil(6/2)=3
    ("conv(6, 3, 2, pad=[0, 1, 0, 1])", (0, 1, 0, 1), 2, 1, 1, 6),
    ("conv(4, 3, 1, pad=[1, 2, 0, 1], dilation=2)", (1, 2, 0, 1), 1, 2, 1, 4),
    ("conv(6, 3, 1, groups=2)", (1, 1, 1, 1), 1, 1, 2, 6),
    ("dwconv(3, 2, mult=2)", (1, 1, 1, 1), 2, 1, 4, 8),
])
def test_convolution_matches_its_definition(layer, pad, stride, dilation, groups, cout):
    text = f"net t:\n    input(7, 6, 4)\n    {layer}\n"
    result = netdsl.compile_string(text, seed=3, passes=("infer-shapes", "annotate-cost"))
    conv = result.graph.nodes[1]
    x = np.random.default_rng(0).normal(size=(2, 7, 6, 4))
    expected = direct_conv(x, conv.weights["kernel"], conv.weights.get("bias"), stride, pad,
                           dilation, groups)
    np.testing.assert_allclose(execute(result.graph, x), expected, rtol=1e-12, atol=1e-12)
    assert expected.shape[-1] == cout


def test_pooling_matches_its_definition() -> None:
    x = np.arange(2 * 5 * 5 * 1, dtype=float).reshape(2, 5, 5, 1)
    for layer, expected in [
        ("maxpool(2)", x[:, :4, :4].reshape(2, 2, 2, 2, 2, 1).max(axis=(2, 4))),
        ("maxpool(2, round=ceil)", np.stack([np.stack([
            x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(1, 2)) for j in range(3)], 1)
            for i in range(3)], 1)),
        ("avgpool(3, 2, pad=1, count_pad=false)", np.stack([np.stack([
            x[:, max(2 * i - 1, 0):2 * i + 2, max(2 * j - 1, 0):2 * j + 2].mean(axis=(1, 2))
            for j in range(3)], 1) for i in range(3)], 1)),
        ("avgpool(3, 2, pad=1)", np.stack([np.stack([  # padding counts: always 9 elements
            x[:, max(2 * i - 1, 0):2 * i + 2, max(2 * j - 1, 0):2 * j + 2].sum(axis=(1, 2)) / 9
            for j in range(3)], 1) for i in range(3)], 1)),
    ]:
        result = netdsl.compile_string(f"net t:\n    input(5, 5, 1)\n    {layer}\n")
        graph = result.graph
        np.testing.assert_allclose(execute(graph, x), expected, err_msg=layer)


def test_elementwise_layers_and_merges() -> None:
    text = ("net t:\n    data = input(2, 2, 2)\n    x = hswish\n    from data\n    hsigmoid\n"
            "    mul:\n        | from x\n        | identity\n    upsample(2)\n")
    x = np.array([[[-4.0, -1.0], [0.5, 3.0]], [[1.0, 2.0], [6.0, -3.5]]])
    graph = netdsl.compile_string(text).graph
    relu6 = np.clip(x + 3, 0, 6) / 6
    expected = (x * relu6) * relu6
    np.testing.assert_allclose(execute(graph, x), expected.repeat(2, 0).repeat(2, 1))


def test_bilinear_upsampling_uses_half_pixel_centres() -> None:
    graph = netdsl.compile_string("net t:\n    input(1, 2, 1)\n"
                                  "    upsample(2, mode=bilinear)\n").graph
    x = np.array([[[0.0], [4.0]]])
    assert execute(graph, x)[0, :, 0].tolist() == [0.0, 1.0, 3.0, 4.0]


# --- weights files ----------------------------------------------------------------------

NET = "net t:\n    input(6, 6, 3)\n    conv(4, 3, bias=false)\n    bn\n    relu\n"


def test_folding_transforms_the_weights_by_the_formula() -> None:
    result = netdsl.compile_string(NET, seed=5)
    conv, bn = result.baseline["conv"], result.baseline["bn"]
    w = bn.weights
    scale = w["gamma"] / np.sqrt(w["variance"] + 1e-5)
    folded = result.graph["conv"].weights
    np.testing.assert_allclose(folded["kernel"], conv.weights["kernel"] * scale)
    np.testing.assert_allclose(folded["bias"], -w["mean"] * scale + w["beta"])


def test_weights_round_trip_through_the_command_line(tmp_path: Path, capsys) -> None:
    source = tmp_path / "t.net"
    source.write_text(NET)
    graph = netdsl.compile_string(NET).baseline
    np.savez(tmp_path / "w.npz", **random_weights(graph, 11))
    assert main(["compile", str(source), "--weights", str(tmp_path / "w.npz"),
                 "--save-weights", str(tmp_path / "folded.npz"), "--format", "ir"]) == 0
    assert "folded=[bn] fused=[relu]" in capsys.readouterr().out
    with np.load(tmp_path / "folded.npz") as saved:
        assert sorted(saved.files) == ["conv/bias", "conv/kernel"]
        original = netdsl.compile_string(NET, weights=tmp_path / "w.npz")
        np.testing.assert_allclose(saved["conv/kernel"],
                                   original.graph["conv"].weights["kernel"])
    # refuse to overwrite the weights given as input
    assert main(["compile", str(source), "--weights", str(tmp_path / "w.npz"),
                 "--save-weights", str(tmp_path / "w.npz")]) == 1
    assert "refusing to overwrite the input file" in capsys.readouterr().err


@pytest.mark.parametrize(("arrays", "message"), [
    ({"conv/kernel": np.zeros((3, 3, 3, 4))},
     "error[E702]: the weights have no 'bn/gamma' (shape 4)"),
    ({"conv/kernl": np.zeros(1)},
     "error[E702]: the weights name 'conv/kernl', which is not a parameter of network t"),
    ({"conv/kernel": np.zeros((3, 3, 3, 5))},
     "error[E702]: 'conv/kernel' has shape 3x3x3x5, the network needs 3x3x3x4"),
])
def test_weights_that_do_not_match_are_errors(arrays, message) -> None:
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(NET, filename="t.net", weights=arrays)
    assert caught.value.render().splitlines()[0] == message


def test_unreadable_weights_file(tmp_path: Path) -> None:
    (tmp_path / "bad.npz").write_text("not a zip file")
    with pytest.raises(netdsl.NetdslError) as caught:
        netdsl.compile_string(NET, weights=tmp_path / "bad.npz")
    assert caught.value.diagnostics[0].code == "E701"


def test_package_execute_stays_the_function() -> None:
    """Regression: the lazy ``netdsl.execute`` became the submodule after its first call."""
    import netdsl.executor  # importing the module must not shadow the function

    result = netdsl.compile_string("net T():\n    input(4)\n    fc(2)\n", seed=0)
    first = netdsl.execute(result.graph, np.ones(4))
    second = netdsl.execute(result.graph, np.ones(4))
    assert first.shape == (2,)
    assert np.array_equal(first, second)
