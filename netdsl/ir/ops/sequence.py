"""Sequences of tokens and self-attention: what a vision transformer is made of.

A sequence is a tensor of shape N x C: N tokens of C features (``in.n``,
``in.c``). ``tokens`` reads an H x W x C image as its H*W pixels; a
``class_token`` is prepended and a learned ``pos_embed`` added; ``linear``
applies a dense layer to each token (the last axis) and ``layernorm``,
``gelu``, ``add`` and ``residual:`` work on sequences as on images;
``token(i)`` takes one token out as a C vector for the classifier.

``mha(heads)`` is multi-head self-attention as PyTorch's
``nn.MultiheadAttention`` computes it: Q, K and V projections of the input
(one C x 3C kernel), per head ``softmax(Q K^T / sqrt(d)) V`` with d = C / heads,
and the output projection. Its MACCs are the four projections, 4 N C^2, plus
the two products between activations, Q K^T and A V, 2 N^2 C, which reports
show apart (``maccs_attention``). Its memory traffic includes the tensors it
materialises: Q, K, V, the heads x N x N scores and probabilities, and the
context, each written once and read once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from netdsl.elaborate.values import REQUIRED, Layer
from netdsl.ir.cost import ParamCounts, Work
from netdsl.ir.ops import arrays
from netdsl.ir.ops.registry import OpDef, register, scale_last_axis
from netdsl.ir.windows import ShapeError, fmt, spatial

Shape = tuple[int, ...]


@attrs.frozen
class Tokens:
    """An H x W x C image read as a sequence of its H*W pixels (by addressing)."""


@attrs.frozen
class Linear:
    """A dense layer applied to each position: the last axis, C -> ``units``."""

    units: int
    bias: bool = True


@attrs.frozen
class ClassToken:
    """A learned token prepended to the sequence: N x C -> (N + 1) x C."""


@attrs.frozen
class PositionEmbedding:
    """A learned N x C tensor added to the sequence."""


@attrs.frozen
class TokenSelect:
    """Token ``index`` of the sequence, as a C vector (by addressing)."""

    index: int = 0


@attrs.frozen
class MultiHeadAttention:
    """Multi-head self-attention over a sequence, with input and output projections."""

    heads: int
    bias: bool = True


def _sequence(name: str, shape: Shape) -> tuple[int, int]:
    if len(shape) != 2:
        raise ShapeError("E402", f"'{name}' expects a sequence of tokens (N x C), got "
                         f"{fmt(shape)}", "turn an image into tokens with 'tokens'")
    return shape  # type: ignore[return-value]


def _free(op: object, ins: Sequence[Shape], out: Shape) -> Work:
    return Work(moves_data=False)


# ---- tokens -----------------------------------------------------------------------


def _tokens_shape(op: Tokens, shapes: Sequence[Shape]) -> Shape:
    h, w, c = spatial("tokens", shapes[0])
    return (h * w, c)


def _tokens(op: Tokens, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    x = inputs[0]
    return x.reshape(x.shape[0], -1, x.shape[-1])


# ---- linear -----------------------------------------------------------------------


def _linear_shape(op: Linear, shapes: Sequence[Shape]) -> Shape:
    return (*shapes[0][:-1], op.units)


def _linear_cost(op: Linear, ins: Sequence[Shape], out: Shape) -> Work:
    weights = ins[0][-1] * op.units
    biases = op.units if op.bias else 0
    maccs = arrays.elements(ins[0][:-1]) * weights
    return Work(params=ParamCounts(weights=weights, biases=biases), maccs=maccs,
                flops=2 * maccs + (arrays.elements(out) if op.bias else 0),
                naive_input=maccs, weight_reads=weights + biases)


def _linear_parameters(op: Linear, ins: Sequence[Shape], out: Shape) -> dict[str, Shape]:
    """``kernel`` (C, units), PyTorch's ``weight.T``, and ``bias`` (units)."""
    shapes = {"kernel": (ins[0][-1], op.units)}
    return {**shapes, "bias": (op.units,)} if op.bias else shapes


def _linear(op: Linear, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    y = inputs[0] @ weights["kernel"]
    return y + weights["bias"] if op.bias else y


# ---- class token and position embedding ---------------------------------------------


def _class_token_shape(op: ClassToken, shapes: Sequence[Shape]) -> Shape:
    n, c = _sequence("class_token", shapes[0])
    return (n + 1, c)


def _class_token_cost(op: ClassToken, ins: Sequence[Shape], out: Shape) -> Work:
    c = out[-1]
    return Work(params=ParamCounts(weights=c), naive_input=arrays.elements(ins[0]),
                weight_reads=c)


def _class_token(op: ClassToken, inputs: list[Any], weights: Mapping[str, Any],
                 out: Shape) -> Any:
    np = arrays.np()
    x = inputs[0]
    token = np.broadcast_to(weights["token"], (x.shape[0], 1, x.shape[-1]))
    return np.concatenate([token, x], axis=1)


def _position_shape(op: PositionEmbedding, shapes: Sequence[Shape]) -> Shape:
    _sequence("pos_embed", shapes[0])
    return shapes[0]


def _position_cost(op: PositionEmbedding, ins: Sequence[Shape], out: Shape) -> Work:
    elements = arrays.elements(out)
    return Work(params=ParamCounts(weights=elements), flops=elements,
                naive_input=elements, weight_reads=elements)


def _position(op: PositionEmbedding, inputs: list[Any], weights: Mapping[str, Any],
              out: Shape) -> Any:
    return inputs[0] + weights["embedding"]


# ---- token selection ----------------------------------------------------------------


def _select_shape(op: TokenSelect, shapes: Sequence[Shape]) -> Shape:
    n, c = _sequence("token", shapes[0])
    if op.index >= n:
        raise ShapeError("E306", f"token({op.index}) is past the end of a sequence of {n} "
                         f"tokens (0 to {n - 1})")
    return (c,)


def _select(op: TokenSelect, inputs: list[Any], weights: Mapping[str, Any], out: Shape) -> Any:
    return inputs[0][:, op.index]


# ---- multi-head attention ------------------------------------------------------------


def _mha_shape(op: MultiHeadAttention, shapes: Sequence[Shape]) -> Shape:
    _, c = _sequence("mha", shapes[0])
    if c % op.heads:
        raise ShapeError("E404", f"heads={op.heads} must divide the {c} features of each "
                         "token")
    return shapes[0]


def _mha_cost(op: MultiHeadAttention, ins: Sequence[Shape], out: Shape) -> Work:
    n, c = ins[0]
    weights, biases = 4 * c * c, (4 * c if op.bias else 0)
    projections = 4 * n * c * c  # Q, K, V and the output projection
    attention = 2 * n * n * c  # Q K^T and A V, over all heads
    scores = op.heads * n * n
    # Materialised inside the layer, each written once and read once: Q, K, V, the
    # scores and the probabilities, the context.
    internal = 3 * n * c + 2 * scores + n * c
    return Work(
        params=ParamCounts(weights=weights, biases=biases),
        maccs=projections + attention,
        attention_maccs=attention,
        # products, bias adds, the 1/sqrt(d) scaling of Q, softmax (3 per score)
        flops=2 * (projections + attention) + (4 * n * c if op.bias else 0) + n * c
        + 3 * scores,
        naive_input=4 * n * c * c,  # each projection reads its input once per product
        weight_reads=weights + biases,
        internal=internal,
        # Q, K, V, the scores (softmax rewrites them in place) and the context at once.
        workspace=3 * n * c + scores + n * c,
    )


def _mha_parameters(op: MultiHeadAttention, ins: Sequence[Shape],
                    out: Shape) -> dict[str, Shape]:
    """``qkv_kernel`` (C, 3C), PyTorch's ``in_proj_weight.T``; ``out_kernel`` (C, C)."""
    c = ins[0][-1]
    shapes = {"qkv_kernel": (c, 3 * c), "out_kernel": (c, c)}
    return {**shapes, "qkv_bias": (3 * c,), "out_bias": (c,)} if op.bias else shapes


def _mha(op: MultiHeadAttention, inputs: list[Any], weights: Mapping[str, Any],
         out: Shape) -> Any:
    np = arrays.np()
    x = inputs[0]
    batch, n, c = x.shape
    h, d = op.heads, c // op.heads
    qkv = x @ weights["qkv_kernel"]
    if op.bias:
        qkv = qkv + weights["qkv_bias"]
    q, k, v = (qkv[..., i * c:(i + 1) * c].reshape(batch, n, h, d).transpose(0, 2, 1, 3)
               for i in range(3))
    scores = (q / math.sqrt(d)) @ k.transpose(0, 1, 3, 2)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    context = (e / e.sum(axis=-1, keepdims=True)) @ v
    y = context.transpose(0, 2, 1, 3).reshape(batch, n, c) @ weights["out_kernel"]
    return y + weights["out_bias"] if op.bias else y


_TOKENS, _CLASS, _POSITION = Tokens(), ClassToken(), PositionEmbedding()

register(OpDef(Tokens, "an H x W x C image as a sequence of H*W tokens of C features",
               shape=_tokens_shape, cost=_free, execute=_tokens,
               layers=(Layer("tokens", (), lambda a: _TOKENS),), aliases_input=True))
register(OpDef(Linear, "a dense layer applied to each token (the last axis)",
               shape=_linear_shape, cost=_linear_cost, execute=_linear,
               parameters=_linear_parameters,
               layers=(Layer("linear", (("units", REQUIRED), ("bias", True)),
                             lambda a: Linear(a.int("units"), a.bool("bias"))),),
               absorbs=True, scale_outputs=scale_last_axis))
register(OpDef(ClassToken, "a learned token prepended to the sequence",
               shape=_class_token_shape, cost=_class_token_cost, execute=_class_token,
               parameters=lambda op, ins, out: {"token": (out[-1],)},
               layers=(Layer("class_token", (), lambda a: _CLASS),)))
register(OpDef(PositionEmbedding, "a learned position embedding added to the sequence",
               shape=_position_shape, cost=_position_cost, execute=_position,
               parameters=lambda op, ins, out: {"embedding": out},
               layers=(Layer("pos_embed", (), lambda a: _POSITION),),
               fusable=lambda op: None))
register(OpDef(TokenSelect, "one token of the sequence as a vector (by addressing)",
               shape=_select_shape, cost=_free, execute=_select,
               layers=(Layer("token", (("i", 0),), lambda a: TokenSelect(a.int("i", 0))),),
               aliases_input=True))
register(OpDef(MultiHeadAttention, "multi-head self-attention (PyTorch's MultiheadAttention)",
               shape=_mha_shape, cost=_mha_cost, execute=_mha, parameters=_mha_parameters,
               layers=(Layer("mha", (("heads", REQUIRED), ("bias", True)),
                             lambda a: MultiHeadAttention(a.int("heads"), a.bool("bias"))),)))
