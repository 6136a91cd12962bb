"""What layers cost: parameter counts, memory accesses, per-layer and whole-network figures.

These are values of the IR: the ``annotate-cost`` pass fills them in from
the cost rule of each op (:class:`Work`, in the op registry), and backends
read them. docs/cost-model.md defines every figure.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class ParamCounts:
    """Parameter counts by kind (cost-model.md section 3)."""

    weights: int = 0
    biases: int = 0
    bn_affine: int = 0
    bn_stats: int = 0

    @property
    def total(self) -> int:
        """Every stored number: the Keras ``count_params()`` convention."""
        return self.weights + self.biases + self.bn_affine + self.bn_stats

    @property
    def trainable(self) -> int:
        """Weights, biases and BN gamma/beta: the PyTorch ``parameters()`` convention."""
        return self.weights + self.biases + self.bn_affine

    def __add__(self, other: ParamCounts) -> ParamCounts:
        return ParamCounts(
            self.weights + other.weights,
            self.biases + other.biases,
            self.bn_affine + other.bn_affine,
            self.bn_stats + other.bn_stats,
        )


@attrs.frozen
class MemoryAccesses:
    """Element reads and writes to main memory, split by what is moved."""

    input: int = 0
    output: int = 0
    weights: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output + self.weights

    def __add__(self, other: MemoryAccesses) -> MemoryAccesses:
        return MemoryAccesses(
            self.input + other.input, self.output + other.output, self.weights + other.weights
        )


@attrs.frozen
class LayerEstimate:
    """A layer's estimated time and energy on a device (the ``estimate-latency`` pass).

    Roofline: ``seconds = max(compute, memory) + overhead``; ``bound`` names the
    largest of the three terms (``compute``, ``memory`` or ``overhead``).
    ``intensity`` is MACCs per byte moved (None for a layer that moves nothing).
    """

    seconds: float = 0.0
    compute_seconds: float = 0.0
    memory_seconds: float = 0.0
    overhead_seconds: float = 0.0
    energy_joules: float = 0.0
    bytes_moved: float = 0.0
    intensity: float | None = None
    bound: str = "none"  # compute, memory, overhead, or none for a layer that does not run
    onchip: bool = False  # its working set fits in on-chip memory
    #: The time of the slowest layer summed in (a collapsed block takes its bound).
    slowest: float = 0.0

    def __add__(self, other: LayerEstimate) -> LayerEstimate:
        """Two layers together (a collapsed block): times, energy and bytes add up; the
        bound is the slowest layer's."""
        terms = [self.compute_seconds + other.compute_seconds,
                 self.memory_seconds + other.memory_seconds]
        moved = self.bytes_moved + other.bytes_moved
        slowest = max((self, other), key=lambda e: e.slowest)
        return LayerEstimate(
            self.seconds + other.seconds, terms[0], terms[1],
            self.overhead_seconds + other.overhead_seconds,
            self.energy_joules + other.energy_joules, moved,
            None if self.intensity is None and other.intensity is None else
            ((self.intensity or 0) * self.bytes_moved + (other.intensity or 0) *
             other.bytes_moved) / moved if moved else None,
            slowest.bound, self.onchip and other.onchip, slowest.slowest)


@attrs.frozen
class GraphEstimate:
    """The network's estimated latency and energy per inference on a device."""

    device: str
    title: str
    dtype: str
    memory_model: str
    seconds: float
    energy_joules: float
    batch: int = 1
    #: Shares of the estimated time spent in layers bound by each term.
    shares: tuple[tuple[str, float], ...] = ()

    @property
    def fps(self) -> float:
        """Examples per second: the batch over the latency."""
        return self.batch / self.seconds if self.seconds else float("inf")

    def share(self, bound: str) -> float:
        """The share of the estimated time in layers bound by ``bound`` (0 to 1)."""
        return dict(self.shares).get(bound, 0.0)


@attrs.frozen
class LayerCost:
    """What one node costs; filled in by the ``annotate-cost`` pass."""

    params: ParamCounts = ParamCounts()
    maccs: int = 0
    flops: int = 0
    memory: MemoryAccesses = MemoryAccesses()
    activations: int = 0  # elements of the output tensor
    #: The part of ``maccs`` that multiplies activations by activations (attention's
    #: Q K^T and A V products), not by weights.
    attention_maccs: int = 0
    #: Elements the layer holds while it runs besides its inputs and output.
    workspace: int = 0
    #: Time and energy on a device, when the ``estimate-latency`` pass ran.
    estimate: LayerEstimate | None = None

    def __add__(self, other: LayerCost) -> LayerCost:
        """The figures of two layers together (a collapsed block in a diagram)."""
        estimate = None if self.estimate is None or other.estimate is None \
            else self.estimate + other.estimate
        return LayerCost(self.params + other.params, self.maccs + other.maccs,
                         self.flops + other.flops, self.memory + other.memory,
                         self.activations + other.activations,
                         self.attention_maccs + other.attention_maccs,
                         max(self.workspace, other.workspace), estimate)


#: Bytes per stored element for each dtype (cost-model.md section 3).
DTYPE_BYTES: dict[str, float] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}


@attrs.frozen
class GraphCost:
    """Whole-network figures; filled in by the ``annotate-cost`` pass.

    Element counts are exact integers; byte figures multiply them by the
    dtype's size (rounded up for int4's half bytes).
    """

    params: ParamCounts
    maccs: int
    flops: int
    memory: MemoryAccesses
    activations: int
    peak_activations: int
    dtype: str = "fp32"
    batch: int = 1
    memory_model: str = "naive"
    attention_maccs: int = 0
    #: Latency and energy on a device, when the ``estimate-latency`` pass ran.
    estimate: GraphEstimate | None = None

    def bytes(self, elements: int) -> int:
        """Bytes taken by ``elements`` values of this report's dtype."""
        half_bytes = elements * int(DTYPE_BYTES[self.dtype] * 2)
        return -(-half_bytes // 2)

    @property
    def model_bytes(self) -> int:
        """Size of the stored parameters."""
        return self.bytes(self.params.total)

    @property
    def peak_bytes(self) -> int:
        return self.bytes(self.peak_activations)

    @property
    def memory_bytes(self) -> int:
        return self.bytes(self.memory.total)


@attrs.frozen
class Work:
    """One layer's cost for a batch of 1, before the memory model is chosen.

    An op's cost rule returns it; the ``annotate-cost`` pass scales it by the
    batch and turns the traffic into :class:`MemoryAccesses` under the naive
    or compulsory model.
    """

    params: ParamCounts = ParamCounts()
    maccs: int = 0
    flops: int = 0
    naive_input: int = 0  # input reads under the naive model
    weight_reads: int = 0
    moves_data: bool = True  # False for layers done by addressing or not run
    attention_maccs: int = 0  # the part of ``maccs`` between activations (Q K^T, A V)
    #: Elements of tensors the layer materialises inside itself (attention's scores),
    #: each written once and read once under either memory model.
    internal: int = 0
    #: Of those, the elements alive at once while the layer runs (peak memory).
    workspace: int = 0
