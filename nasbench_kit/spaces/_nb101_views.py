"""NB101's views (see :class:`~nasbench_kit.spaces.nb101.NB101Space`).

All three read the pruned, canonically ordered cell. One-hot and decision
vector use the *padded* 7-vertex form: a cell of ``n < 7`` vertices keeps
vertices ``0..n-2`` in place and moves its output to vertex 6; vertices
``n-1..5`` are padding (no edges).

- ``op_dag``: one cell ``"cell"``: the vertices with their ops, edges from the matrix.
- one-hot: the 21 upper-triangular entries of the padded matrix (row by row),
  then a one-hot over ``op_names`` for each of the 5 inner vertices (zeros for
  padding): 21 + 15 = 36.
- decision vector: the same 21 bits, then the 5 inner op indices into
  ``op_names`` (0 for padding). Many vectors name the same cell (pruning,
  isomorphism); ``from_decisions`` refuses vectors whose pruned cell is not
  valid (input cut from output, more than 9 edges). It checks these rules on
  the 21 bits as bitmasks first, so a refused vector never builds a cell, and
  it keeps the 32,768 most recently used pruned cells (keyed by the pruned
  bits and the ops of the kept vertices), so the many vectors that name one
  cell pay for its canonical order and module hash once.

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nb101")
>>> a = space.parse("011,001,000|conv3x3-bn-relu")
>>> vec = space.to_decisions(a)
>>> [space.decision_names()[i] for i, v in enumerate(vec[:21]) if v]
['edge_0_1', 'edge_0_6', 'edge_1_6']
>>> space.from_decisions(vec) == a
True
"""

from __future__ import annotations

import functools

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces._checks import show
from nasbench_kit.spaces._dag import OpDag
from nasbench_kit.spaces.nb101 import INPUT, MAX_EDGES, MAX_VERTICES, OPS, OUTPUT, NB101Arch

_TRIU = [(i, j) for i in range(MAX_VERTICES) for j in range(i + 1, MAX_VERTICES)]
_TRIU_INDEX = {pair: k for k, pair in enumerate(_TRIU)}
_INNER = MAX_VERTICES - 2
OUT_SLOT = MAX_VERTICES - 1  # the output's padded slot
_OP_INDEX = {name: i for i, name in enumerate(OPS)}
DECISION_SIZES: tuple[int, ...] = (2,) * len(_TRIU) + (len(OPS),) * _INNER
DECISION_NAMES: tuple[str, ...] = (
    *(f"edge_{i}_{j}" for i, j in _TRIU), *(f"op_{v}" for v in range(1, _INNER + 1)),
)  # fmt: skip


def padded(arch: NB101Arch) -> tuple[np.ndarray, list[str | None]]:
    """7x7 adjacency and 7 op labels (``None`` for padding) of a pruned cell."""
    m, ops = arch.matrix, arch.ops
    n = len(ops)
    pos = list(range(n - 1)) + [MAX_VERTICES - 1]  # vertex -> padded slot; output goes last
    adj = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.float32)
    for i in range(n):
        for j in range(n):
            if m[i][j]:
                adj[pos[i], pos[j]] = 1.0
    labels: list[str | None] = [None] * MAX_VERTICES
    for i, op in enumerate(ops):
        labels[pos[i]] = op
    return adj, labels


def op_dag(arch: NB101Arch) -> tuple[tuple[str, OpDag], ...]:
    m = arch.matrix
    n = len(m)
    preds = tuple(tuple(i for i in range(n) if m[i][j]) for j in range(n))
    return (("cell", OpDag.build(tuple(arch.ops), preds, n - 1)),)


def onehot_columns(arch: NB101Arch) -> list[int]:
    m, ops = arch.matrix, arch.ops
    n = len(ops)
    pos = [*range(n - 1), MAX_VERTICES - 1]  # vertex -> padded slot; output goes last
    out = [_TRIU_INDEX[pos[i], pos[j]] for i in range(n) for j in range(i + 1, n) if m[i][j]]
    width = len(OPS)
    return out + [len(_TRIU) + width * (v - 1) + _OP_INDEX[ops[v]] for v in range(1, n - 1)]


def decisions(arch: NB101Arch) -> tuple[int, ...]:
    adj, labels = padded(arch)
    inner = (0 if label is None else _OP_INDEX[label] for label in labels[1:-1])
    return (*(int(adj[i, j]) for i, j in _TRIU), *inner)


def from_decisions(vec: tuple[int, ...]) -> NB101Arch:
    succ = [0] * MAX_VERTICES  # succ[i]: bitmask of the vertices j with an edge i -> j
    for (i, j), bit in zip(_TRIU, vec):
        if bit:
            succ[i] |= 1 << j
    keep = _on_paths(succ)
    if not keep & 1:
        raise OutOfDomainError(
            f"NB101 decision vector {show(vec)}: no path leads from the input (vertex 0) to the "
            f"output (vertex {OUT_SLOT}); set edge_i_j bits that connect them"
        )
    kept = [v for v in range(MAX_VERTICES) if keep >> v & 1]
    masked = tuple(succ[v] & keep for v in kept)
    edges = sum(m.bit_count() for m in masked)
    if edges > MAX_EDGES:
        dropped = MAX_VERTICES - len(kept)
        pruned = f" after pruning {dropped} dangling vertices" if dropped else ""
        raise OutOfDomainError(
            f"NB101 decision vector {show(vec)}: the cell has {edges} edges{pruned}, more than "
            f"{MAX_EDGES}; clear edge_i_j bits until at most {MAX_EDGES} remain on input -> "
            "output paths"
        )
    ops = tuple(vec[len(_TRIU) + v - 1] for v in kept[1:-1])
    return _pruned_arch(keep, masked, ops)


def _on_paths(succ: list[int]) -> int:
    """Bitmask of the vertices on some input -> output path (0 when there is none)."""
    fwd = 1  # reachable from the input; upper-triangular, so one pass in vertex order
    for i in range(MAX_VERTICES):
        if fwd >> i & 1:
            fwd |= succ[i]
    bwd = 1 << OUT_SLOT  # reaching the output
    for i in range(OUT_SLOT - 1, -1, -1):
        if succ[i] & bwd:
            bwd |= 1 << i
    return fwd & bwd  # the input is in it exactly when the output is reachable


@functools.lru_cache(maxsize=1 << 15)
def _pruned_arch(keep: int, masked: tuple[int, ...], ops: tuple[int, ...]) -> NB101Arch:
    """The cell on the kept vertices (``masked``: their successor masks within ``keep``)."""
    kept = [v for v in range(MAX_VERTICES) if keep >> v & 1]
    matrix = [[m >> v & 1 for v in kept] for m in masked]
    return NB101Arch(matrix, [INPUT, *(OPS[k] for k in ops), OUTPUT])
