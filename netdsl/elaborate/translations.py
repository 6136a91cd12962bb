"""Names users bring from PyTorch and Keras, and what netdsl calls them.

Unknown layers and keywords are looked up here before the closest-spelling
hint, so ``ConvTranspose2d`` points to ``convT`` (not to ``dwconv``) and
``conv(32, stride=2)`` points to ``s``. docs/pytorch.md is the whole table.
"""

from __future__ import annotations

from collections.abc import Collection

#: Layer names of other frameworks (compared lower-case, without ``_``) -> netdsl's layer.
LAYERS: dict[str, str] = {
    "conv2d": "conv", "convolution": "conv", "depthwiseconv2d": "dwconv",
    "deconv": "convT", "deconv2d": "convT", "deconvolution": "convT",
    "convtranspose": "convT", "convtranspose2d": "convT", "conv2dtranspose": "convT",
    "transposedconv": "convT", "upconv": "convT",
    "fullyconnected": "fc",
    "attention": "mha", "multiheadattention": "mha", "selfattention": "mha",
    "view": "reshape", "transpose": "permute", "depthtospace": "pixel_shuffle",
    "spacetodepth": "pixel_unshuffle",
    "batchnorm": "bn", "batchnorm2d": "bn", "batchnormalization": "bn",
    "layernormalization": "layernorm", "groupnormalization": "groupnorm",
    "instancenorm2d": "instancenorm",
    "maxpool2d": "maxpool", "maxpooling2d": "maxpool", "avgpool2d": "avgpool",
    "averagepooling2d": "avgpool", "adaptiveavgpool2d": "adaptive_avgpool",
    "adaptivemaxpool2d": "adaptive_maxpool", "globalaveragepooling2d": "gap",
    "globalmaxpooling2d": "gmp", "zeropad2d": "zeropad", "zeropadding2d": "zeropad",
    "upsampling2d": "upsample", "interpolate": "upsample",
    "hardswish": "hswish", "hardsigmoid": "hsigmoid", "leakyrelu": "leaky_relu",
    "pixelshuffle": "pixel_shuffle", "pixelunshuffle": "pixel_unshuffle",
    "channelshuffle": "channel_shuffle", "chunk": "slice", "split": "slice",
    "cat": "concat", "concatenate": "concat", "sum": "add", "multiply": "mul",
}

#: Keyword names of other frameworks -> netdsl's parameter of the same meaning.
KEYWORDS: dict[str, str] = {
    "stride": "s", "strides": "s", "kernel_size": "k", "kernel": "k", "pool_size": "k",
    "padding": "pad", "out_channels": "c", "filters": "c", "channels": "c",
    "dilation_rate": "dilation", "out_features": "units", "use_bias": "bias",
    "output_padding": "out_pad", "count_include_pad": "count_pad", "ceil_mode": "round",
    "negative_slope": "slope", "approximate": "approx", "num_groups": "g", "groups": "g",
    "num_parameters": "per_channel", "scale_factor": "factor",
    "epsilon": "eps", "elementwise_affine": "affine", "p": "rate", "min_val": "low",
    "max_val": "high", "upscale_factor": "r", "downscale_factor": "r", "g": "groups",
}


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def layer_hint(name: str, known: Collection[str]) -> str | None:
    """``did you mean 'convT'?`` for a layer name of another framework, else None."""
    target = LAYERS.get(_key(name))
    if target is None and _key(name) != name:  # ``Conv2d``, ``Max_Pool``: try netdsl's own
        target = next((k for k in known if _key(k) == _key(name)), None)
    if target is None or target not in known:
        return None
    return f"'{target}' is netdsl's name for it"


def keyword_hint(name: str, parameters: Collection[str]) -> str | None:
    """``netdsl calls it 's'`` for a keyword of another framework that this callee takes."""
    target = KEYWORDS.get(name)
    if target is None or target not in parameters:
        return None
    if name == "ceil_mode":
        return "write round=ceil for PyTorch's ceil_mode=True"
    return f"netdsl calls it '{target}'"
