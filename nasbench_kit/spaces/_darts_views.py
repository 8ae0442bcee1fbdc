"""DARTS's views (see :class:`~nasbench_kit.spaces.darts.DartsSpace`).

All three read the canonical cells (each node's two ``(op, input)`` pairs
sorted by input). Edges are numbered 0..7 per cell: node ``k`` (2..5) owns
edges ``2k-4`` and ``2k-3``.

- ``op_dag``: cells ``"normal"`` and ``"reduce"``, 15 nodes each: ``input0``,
  ``input1``, one node per edge labelled with its op, a ``sum`` per
  intermediate node, ``output`` (the concatenation of the four sums).
- one-hot: per cell and edge, a one-hot of the op (7) then of the input node
  (0..4): 2 x 8 x 12 = 192.
- decision vector: per cell, the 8 op indices into ``op_names``, then the 8
  input nodes (edge ``e`` of node ``k`` has ``k`` choices, ``0..k-1``): 32
  positions. A node's two pairs are *unordered*: ``from_decisions`` accepts
  them in either order (``to_decisions`` writes the smaller input first) and
  refuses a node whose two inputs are the same node.

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("darts")
>>> space.decision_sizes()[:8], space.decision_sizes()[8:16]
((7, 7, 7, 7, 7, 7, 7, 7), (2, 2, 3, 3, 4, 4, 5, 5))
>>> a = space.sample(seed=0)
>>> space.from_decisions(space.to_decisions(a)) == a
True
"""

from __future__ import annotations

from nasbench_kit.spaces._dag import OpDag
from nasbench_kit.spaces.darts import CELLS, NODES, OPS, DartsArch

_EDGES = 2 * len(NODES)
_NODE_OF_EDGE = tuple(NODES[e // 2] for e in range(_EDGES))
_OP_INDEX = {name: i for i, name in enumerate(OPS)}
_PER_CELL = (len(OPS),) * _EDGES + _NODE_OF_EDGE
DECISION_SIZES: tuple[int, ...] = _PER_CELL * len(CELLS)
DECISION_NAMES: tuple[str, ...] = tuple(
    f"{cell}.{node}{'ab'[e % 2]}.{what}"
    for cell in CELLS
    for what in ("op", "input")
    for e, node in enumerate(_NODE_OF_EDGE)
)


def _cells(arch: DartsArch) -> tuple[tuple[tuple[str, int], ...], ...]:
    return arch.normal, arch.reduce


def op_dag(arch: DartsArch) -> tuple[tuple[str, OpDag], ...]:
    out = []
    for name, cell in zip(CELLS, _cells(arch)):
        labels = ["input0", "input1"] + [op for op, _ in cell] + ["sum"] * 4 + ["output"]
        preds: list[tuple[int, ...]] = [(), ()]
        preds += [((inp,) if inp < 2 else (8 + inp,)) for _, inp in cell]
        preds += [(2 + 2 * k, 3 + 2 * k) for k in range(4)]
        preds.append((10, 11, 12, 13))
        out.append((name, OpDag.build(tuple(labels), tuple(preds), 14)))
    return tuple(out)


def onehot_columns(arch: DartsArch) -> list[int]:
    width, out = len(OPS) + max(NODES), []
    for c, cell in enumerate(_cells(arch)):
        for e, (op, inp) in enumerate(cell):
            base = width * (_EDGES * c + e)
            out += [base + _OP_INDEX[op], base + len(OPS) + inp]
    return out


def decisions(arch: DartsArch) -> tuple[int, ...]:
    out: list[int] = []
    for cell in _cells(arch):
        out += [_OP_INDEX[op] for op, _ in cell] + [inp for _, inp in cell]
    return tuple(out)


def from_decisions(vec: tuple[int, ...]) -> DartsArch:
    cells = []
    for c in range(len(CELLS)):
        part = vec[c * len(_PER_CELL) : (c + 1) * len(_PER_CELL)]
        cells.append([(OPS[op], inp) for op, inp in zip(part[:_EDGES], part[_EDGES:])])
    return DartsArch(normal=cells[0], reduce=cells[1])
