"""Every space's cells as one shape: a DAG whose nodes carry the operations.

Encoders that look at structure (paths, op counts on live paths) work on this
view, so they are written once for all spaces. A cell is an :class:`OpDag`:
node labels (``"input"``-like sources, op names, ``"sum"``/``"output"``
joins), the predecessors of each node, and the sink. A ``none`` op cuts the
data flow through its node. ``structure(arch)`` is cached per architecture.

>>> from nasbench_kit.spaces import get_space
>>> arch = get_space("nb201").parse(
...     "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
>>> [d.paths for _, d in structure(arch)]
[(('nor_conv_3x3', 'nor_conv_3x3'), ('skip_connect',))]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture

#: Labels of nodes that join or pass data without an operation of their own.
JOIN_LABELS = frozenset({"sum", "output"})
#: Op-name fragments that mark an operation without trainable parameters.
_FREE_MARKERS = ("skip", "pool", "none", "identity")


def is_param_free(op: str) -> bool:
    """True for ops without weights (skip, pooling, none)."""
    return any(m in op for m in _FREE_MARKERS)


@dataclass(frozen=True)
class OpDag:
    """One cell: ``labels[i]`` of node ``i``, ``preds[i]`` its inputs, ``sink`` the output.

    Sources are the nodes without predecessors. ``paths`` lists the op labels
    along every live source -> sink path (prefixed by the source label when a
    cell has several sources); ``live`` marks the nodes on such a path.
    """

    labels: tuple[str, ...]
    preds: tuple[tuple[int, ...], ...]
    sink: int
    paths: tuple[tuple[str, ...], ...]
    live: tuple[bool, ...]

    @classmethod
    def build(cls, labels: tuple[str, ...], preds: tuple[tuple[int, ...], ...], sink: int) -> OpDag:
        sources = [i for i, p in enumerate(preds) if not p]
        prefix_source = len(sources) > 1
        memo: dict[int, list[tuple[int, ...]]] = {}

        def node_paths(v: int) -> list[tuple[int, ...]]:
            if v in memo:
                return memo[v]
            if labels[v] == "none":
                out: list[tuple[int, ...]] = []
            elif not preds[v]:
                out = [(v,)]
            else:
                out = [p + (v,) for u in preds[v] for p in node_paths(u)]
            memo[v] = out
            return out

        return cls._finish(labels, preds, sink, node_paths(sink), prefix_source)

    @classmethod
    def _finish(
        cls, labels: tuple[str, ...], preds: tuple[tuple[int, ...], ...], sink: int,
        node_lists: list[tuple[int, ...]], prefix_source: bool,
    ) -> OpDag:  # fmt: skip
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


@functools.lru_cache(maxsize=1)
def _nb201_template() -> tuple[tuple[tuple[int, ...], ...], list[tuple[int, ...]]]:
    from nasbench_kit.spaces.nb201 import EDGES

    preds: list[tuple[int, ...]] = [()]
    for _, s in EDGES:
        preds.append((0,) if s == 0 else tuple(k + 1 for k, (t, _) in enumerate(EDGES) if t == s))
    preds.append(tuple(k + 1 for k, (t, _) in enumerate(EDGES) if t == 3))

    def walk(v: int) -> list[tuple[int, ...]]:
        return [(v,)] if not preds[v] else [p + (v,) for u in preds[v] for p in walk(u)]

    return tuple(preds), walk(7)


def _nb201(arch: Any) -> list[tuple[str, OpDag]]:
    preds, node_lists = _nb201_template()
    labels = ("input", *arch.ops, "output")
    alive = [p for p in node_lists if all(labels[v] != "none" for v in p)]
    return [("cell", OpDag._finish(labels, preds, 7, alive, False))]


def _nb101(arch: Any) -> list[tuple[str, OpDag]]:
    m = arch.matrix
    n = len(m)
    preds = tuple(tuple(i for i in range(n) if m[i][j]) for j in range(n))
    return [("cell", OpDag.build(tuple(arch.ops), preds, n - 1))]


def _darts(arch: Any) -> list[tuple[str, OpDag]]:
    out = []
    for name, cell in (("normal", arch.normal), ("reduce", arch.reduce)):
        labels = ["input0", "input1"] + [op for op, _ in cell] + ["sum"] * 4 + ["output"]
        preds: list[tuple[int, ...]] = [(), ()]
        preds += [((inp,) if inp < 2 else (8 + inp,)) for _, inp in cell]
        preds += [(2 + 2 * k, 3 + 2 * k) for k in range(4)]
        preds.append((10, 11, 12, 13))
        out.append((name, OpDag.build(tuple(labels), tuple(preds), 14)))
    return out


def _nbgraph(arch: Any) -> list[tuple[str, OpDag]]:
    labels = ("input", *arch.ops, "output")
    preds = [()] + [(p,) for p in arch.links]
    preds.append(tuple(i + 1 for i in range(4) if (i + 1) not in arch.links))
    return [("cell", OpDag.build(labels, tuple(preds), 5))]


_BUILDERS = {"nb201": _nb201, "nb101": _nb101, "darts": _darts, "nbgraph": _nbgraph}


@functools.lru_cache(maxsize=1 << 17)
def structure(arch: Architecture) -> tuple[tuple[str, OpDag], ...]:
    """``(cell name, OpDag)`` for each cell of ``arch`` (cached)."""
    builder = _BUILDERS.get(arch.space_name)
    if builder is None:
        raise OutOfDomainError(
            f"no structural view for space {arch.space_name!r}; supported: {sorted(_BUILDERS)}"
        )
    return tuple(builder(arch))


def op_vocabulary(space: Any) -> tuple[str, ...]:
    """The op names of ``space`` (the DARTS space keeps them in its module)."""
    ops = getattr(space, "op_names", None)
    if ops is None and space.name == "darts":
        from nasbench_kit.spaces.darts import OPS

        ops = OPS
    if ops is None:
        raise OutOfDomainError(f"space {space.name!r} does not list its op_names")
    return tuple(ops)


def cell_names(space: Any) -> tuple[str, ...]:
    """Names of the cells ``structure`` returns for archs of ``space``."""
    return ("normal", "reduce") if space.name == "darts" else ("cell",)
