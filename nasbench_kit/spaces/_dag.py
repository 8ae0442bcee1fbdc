"""The operation-DAG view shared by every space: cells as DAGs whose nodes carry ops.

Encoders that look at structure (paths, op counts on live paths) read this
view, so they are written once for all spaces. Each space builds it in
``space.op_dag(arch)``; this module only holds the shape. A cell is an
:class:`OpDag`: node labels (sources such as ``"input"``, op names,
:data:`JOIN_LABELS` joins), the predecessors of each node, and the sink. A node
labelled :data:`CUT_LABEL` (``"none"``) cuts the data flow through it.

>>> dag = OpDag.build(("input", "conv", "none", "output"), ((), (0,), (0,), (1, 2)), 3)
>>> dag.paths, dag.live
((('conv',),), (True, True, False, True))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CUT_LABEL", "JOIN_LABELS", "OpDag"]

#: Labels of nodes that join or pass data without an operation of their own.
JOIN_LABELS = frozenset({"sum", "output"})
#: The label of an op that outputs zero: no data flows through its node.
CUT_LABEL = "none"


@dataclass(frozen=True)
class OpDag:
    """One cell: ``labels[i]`` of node ``i``, ``preds[i]`` its inputs, ``sink`` the output.

    Sources are the nodes without predecessors. ``paths`` lists the op labels
    along every live source -> sink path, sorted (prefixed by the source label
    when a cell has several sources); ``live`` marks the nodes on such a path.
    """

    labels: tuple[str, ...]
    preds: tuple[tuple[int, ...], ...]
    sink: int
    paths: tuple[tuple[str, ...], ...]
    live: tuple[bool, ...]

    @classmethod
    def build(cls, labels: tuple[str, ...], preds: tuple[tuple[int, ...], ...], sink: int) -> OpDag:
        """The DAG of ``labels``/``preds``, with its live paths found by a walk back from ``sink``."""
        sources = [i for i, p in enumerate(preds) if not p]
        memo: dict[int, list[tuple[int, ...]]] = {}

        def node_paths(v: int) -> list[tuple[int, ...]]:
            if v in memo:
                return memo[v]
            if labels[v] == CUT_LABEL:
                out: list[tuple[int, ...]] = []
            elif not preds[v]:
                out = [(v,)]
            else:
                out = [p + (v,) for u in preds[v] for p in node_paths(u)]
            memo[v] = out
            return out

        return cls.from_paths(labels, preds, sink, node_paths(sink), len(sources) > 1)

    @classmethod
    def from_paths(
        cls, labels: tuple[str, ...], preds: tuple[tuple[int, ...], ...], sink: int,
        node_lists: list[tuple[int, ...]], prefix_source: bool,
    ) -> OpDag:  # fmt: skip
        """The DAG when its live source -> sink paths (as node lists) are already known."""
        live = [False] * len(labels)
        paths = []
        for nodes in node_lists:
            for v in nodes:
                live[v] = True
            ops = tuple(labels[v] for v in nodes[1:] if labels[v] not in JOIN_LABELS)
            paths.append(((labels[nodes[0]],) + ops) if prefix_source else ops)
        return cls(labels, preds, sink, tuple(sorted(paths)), tuple(live))

    def op_nodes(self) -> list[int]:
        """Nodes holding an operation (not a source, join or output)."""
        return [i for i, (lab, p) in enumerate(zip(self.labels, self.preds))
                if p and lab not in JOIN_LABELS]  # fmt: skip
