"""DARTS's views (see :class:`~nasbench_kit.spaces.darts.DartsSpace`).

All three read the canonical cells (each node's two ``(op, input)`` pairs
sorted by input). Edges are numbered 0..7 per cell: node ``k`` (2..5) owns
edges ``2k-4`` and ``2k-3``.

- ``op_dag``: cells ``"normal"`` and ``"reduce"``, 15 nodes each: ``input0``,
  ``input1``, one node per edge labelled with its op, a ``sum`` per
  intermediate node, ``output`` (the concatenation of the four sums).
- one-hot: per cell and edge, a one-hot of the op (7) then of the input node
  (0..4): 2 x 8 x 12 = 192.
- decision vector: per cell (normal, then reduce) and per intermediate node
  ``k`` = 2..5, three positions (24 in all):

  - ``<cell>.<k>.inputs``: the node's *unordered* pair of distinct inputs
    ``i < j`` (both ``< k``), as an index into :data:`INPUT_PAIRS`, the pairs
    in co-lexicographic order ``(0,1), (0,2), (1,2), (0,3), (1,3), (2,3),
    (0,4), ...``: pair ``(i, j)`` has index ``j*(j-1)/2 + i``, so node ``k``
    has ``C(k, 2)`` = 1, 3, 6, 10 choices (the first ``C(k, 2)`` pairs);
  - ``<cell>.<k>.op_lo``: the op (index into ``op_names``) on input ``i``;
  - ``<cell>.<k>.op_hi``: the op on input ``j``.

  Every in-range vector is an architecture, and distinct vectors are distinct
  architectures (the space identifies a node by its two ``(op, input)`` pairs,
  unordered, with distinct inputs): the vectors are in one-to-one
  correspondence with the architectures, the product of the sizes is
  ``space.n_architectures``, and a uniform vector is a uniform architecture
  (the same distribution as ``space.sample``). Isomorphism classes
  (``iso_hash``) have different sizes, so they are not drawn uniformly.

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("darts")
>>> space.decision_sizes()[:12]
(1, 7, 7, 3, 7, 7, 6, 7, 7, 10, 7, 7)
>>> space.decision_names()[3:6]
('normal.3.inputs', 'normal.3.op_lo', 'normal.3.op_hi')
>>> import math
>>> math.prod(space.decision_sizes()) == space.n_architectures
True
>>> a = space.sample(seed=0)
>>> space.from_decisions(space.to_decisions(a)) == a
True
>>> INPUT_PAIRS[:4], INPUT_PAIRS.index((1, 3))
(((0, 1), (0, 2), (1, 2), (0, 3)), 4)
"""

from __future__ import annotations

import math

from nasbench_kit.spaces._dag import OpDag
from nasbench_kit.spaces.darts import CELLS, NODES, OPS, DartsArch

_EDGES = 2 * len(NODES)
_OP_INDEX = {name: i for i, name in enumerate(OPS)}
#: Every unordered pair ``(i, j)``, ``i < j``, of inputs an intermediate node can
#: read, in co-lexicographic order: ``INPUT_PAIRS[j*(j-1)//2 + i] == (i, j)``.
INPUT_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, j) for j in range(1, max(NODES)) for i in range(j)
)
_PER_NODE = 3  # inputs, op_lo, op_hi
_PER_CELL: tuple[int, ...] = tuple(
    size for k in NODES for size in (math.comb(k, 2), len(OPS), len(OPS))
)
DECISION_SIZES: tuple[int, ...] = _PER_CELL * len(CELLS)
DECISION_NAMES: tuple[str, ...] = tuple(
    f"{cell}.{k}.{what}" for cell in CELLS for k in NODES for what in ("inputs", "op_lo", "op_hi")
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
        for e in range(0, _EDGES, 2):  # canonical: the smaller input first
            (op_lo, i), (op_hi, j) = cell[e], cell[e + 1]
            out += [j * (j - 1) // 2 + i, _OP_INDEX[op_lo], _OP_INDEX[op_hi]]
    return tuple(out)


def from_decisions(vec: tuple[int, ...]) -> DartsArch:
    cells = []
    for c in range(len(CELLS)):
        part = vec[c * len(_PER_CELL) : (c + 1) * len(_PER_CELL)]
        pairs: list[tuple[str, int]] = []
        for p in range(0, len(part), _PER_NODE):
            i, j = INPUT_PAIRS[part[p]]
            pairs += [(OPS[part[p + 1]], i), (OPS[part[p + 2]], j)]
        cells.append(pairs)
    return DartsArch(normal=cells[0], reduce=cells[1])
