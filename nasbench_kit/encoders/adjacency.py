"""Adjacency + op one-hot encodings (the NB101-style "adjacency one-hot").

Per space:

- ``nb101``: the 21 upper-triangular entries of the 7x7 adjacency matrix (a
  pruned cell of ``n < 7`` vertices is padded: its output moves to vertex 6)
  then a one-hot over ``op_names`` for each of the 5 inner vertices (zeros
  for absent ones): 21 + 15 = 36 columns;
- ``nb201``: one-hot of the op on each of the 6 edges: 30 columns;
- ``darts``: per cell and edge, one-hot of the op (7) and of the input node
  (0..4): 2 x 8 x 12 = 192 columns;
- ``nbgraph``: one-hot of each node's link (0..3) and op (9): 4 x 13 = 52.

>>> from nasbench_kit.encoders import AdjacencyOneHotEncoder
>>> AdjacencyOneHotEncoder(space="nb101").fit_transform(["011,001,000|conv3x3-bn-relu"]).shape
(1, 36)
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.encoders._dag import op_vocabulary
from nasbench_kit.spaces import Architecture

_NB101_TRIU = [(i, j) for i in range(7) for j in range(i + 1, 7)]


def nb101_padded(arch: Architecture) -> tuple[np.ndarray, list[str | None]]:
    """7x7 adjacency and 7 op labels (``None`` for padding) of a pruned NB101 cell."""
    m, ops = arch.matrix, arch.ops  # type: ignore[attr-defined]
    n = len(ops)
    pos = list(range(n - 1)) + [6]  # vertex -> padded slot; output goes last
    adj = np.zeros((7, 7), dtype=np.float32)
    for i in range(n):
        for j in range(n):
            if m[i][j]:
                adj[pos[i], pos[j]] = 1.0
    labels: list[str | None] = [None] * 7
    for i, op in enumerate(ops):
        labels[pos[i]] = op
    return adj, labels


class AdjacencyOneHotEncoder(Encoder):
    """Flattened adjacency plus one-hot ops (per-space layout in the module docs)."""

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        space = self.space_
        ops = op_vocabulary(space)
        col = {op: k for k, op in enumerate(ops)}
        name = space.name
        if name == "nb201":
            idx = np.array([[col[o] for o in a.ops] for a in archs])  # type: ignore[attr-defined]
            out = np.zeros((len(archs), 6, len(ops)), dtype=np.float32)
            np.put_along_axis(out, idx[:, :, None], 1.0, axis=2)
            return out.reshape(len(archs), -1)
        if name == "nb101":
            rows = []
            for a in archs:
                adj, labels = nb101_padded(a)
                onehot = np.zeros((5, len(ops)), dtype=np.float32)
                for v in range(1, 6):
                    if labels[v] is not None:
                        onehot[v - 1, col[labels[v]]] = 1.0
                rows.append(np.concatenate([[adj[i, j] for i, j in _NB101_TRIU], onehot.ravel()]))
            return np.asarray(rows, dtype=np.float32)
        if name == "darts":
            width = len(ops) + 5
            out = np.zeros((len(archs), 2, 8, width), dtype=np.float32)
            for r, a in enumerate(archs):
                for c, cell in enumerate((a.normal, a.reduce)):  # type: ignore[attr-defined]
                    for e, (op, inp) in enumerate(cell):
                        out[r, c, e, col[op]] = 1.0
                        out[r, c, e, len(ops) + inp] = 1.0
            return out.reshape(len(archs), -1)
        # nbgraph
        out = np.zeros((len(archs), 4, 4 + len(ops)), dtype=np.float32)
        for r, a in enumerate(archs):
            for i, (link, op) in enumerate(zip(a.links, a.ops)):  # type: ignore[attr-defined]
                out[r, i, link] = 1.0
                out[r, i, 4 + col[op]] = 1.0
        return out.reshape(len(archs), -1)
