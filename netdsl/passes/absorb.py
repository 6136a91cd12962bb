"""The rewrite both optimisation passes share: absorb a layer into its producer.

Folding batch norm and fusing activations are the same graph surgery: a
single-input layer ``L`` whose producer ``P`` feeds nothing but ``L`` is
removed, ``P`` is replaced by a new node that does both jobs, and every reader
of ``L`` reads ``P`` instead. What differs is which layers qualify and what
the new ``P`` looks like; each pass supplies that as a :data:`Rule`.

The surviving node keeps its own name (``stem/conv``); the absorbed layer is
recorded in its ``fused`` list with its name and source span, so reports and
diagrams can still say where every absorbed layer was written.
"""

from __future__ import annotations

from collections.abc import Callable

from netdsl.diagnostics import Diagnostic, Note
from netdsl.ir.graph import Graph, Node, replace_node

#: ``rule(layer, producer, graph)``: ``None`` when ``layer`` is not a candidate,
#: a reason (str) when it is one that cannot be absorbed by this producer, or
#: the new producer node that has absorbed it.
Rule = Callable[[Node, Node, Graph], "Node | str | None"]


def absorb(
    graph: Graph, rule: Rule, code: str, verb: str
) -> tuple[Graph, bool, tuple[Diagnostic, ...]]:
    """Absorb every layer ``rule`` accepts into its producer, in one forward sweep.

    Returns the new graph, whether it changed, and a note (with ``code``) for
    every candidate left alone; ``verb`` completes "not ..." in the note.
    Chains collapse in one sweep: after ``bn`` is absorbed into ``conv``, a
    ``relu`` reading ``bn`` sees ``conv`` (with ``bn`` inside) as its producer.
    """
    users = graph.consumers()
    outputs = set(graph.outputs)
    renamed: dict[str, str] = {}  # absorbed layer -> the node that absorbed it
    kept: dict[str, Node] = {}  # insertion-ordered: the new graph's nodes
    notes: list[Diagnostic] = []
    for node in graph.nodes:
        inputs = node.inputs
        if renamed:
            for name in inputs:
                if name in renamed:
                    node = replace_node(node, inputs=tuple(renamed.get(i, i) for i in inputs))
                    inputs = node.inputs
                    break
        producer = kept.get(inputs[0]) if len(inputs) == 1 else None
        decision = rule(node, producer, graph) if producer is not None else None
        if isinstance(decision, Node):
            others = [u for u in users[producer.name] if u != node.name]
            if len(users[producer.name]) > 1:
                decision = (f"'{producer.name}' is also read by '{others[0]}'" if others else
                            f"'{producer.name}' is read more than once")
            elif producer.name in outputs:
                decision = f"'{producer.name}' is a network output"
        if isinstance(decision, Node):
            kept[producer.name] = decision
            renamed[node.name] = producer.name
            users[producer.name] = users[node.name]
            if node.name in outputs:
                outputs.add(producer.name)
            continue
        if isinstance(decision, str):
            notes.append(Diagnostic(code, f"'{node.name}' not {verb}: {decision}", node.span,
                                    _called_from(node), severity="note"))
        kept[node.name] = node
    if not renamed:
        return graph, False, tuple(notes)
    result = Graph(graph.name, tuple(kept.values()),
                   tuple(renamed.get(o, o) for o in graph.outputs), graph.arguments, None)
    return result, True, tuple(notes)


def _called_from(node: Node) -> tuple[Note, ...]:
    """Where the blocks that built ``node`` were called, innermost first, as an error
    raised inside a block lists them: the user's own line is among them. (A graph
    built from Python may name blocks without their calls: then there are none.)"""
    pairs = list(zip(node.blocks, node.calls, strict=False))
    return tuple(Note(f"in block '{block}' called here", span)
                 for (_, block), span in reversed(pairs))


__all__ = ["Rule", "absorb"]
