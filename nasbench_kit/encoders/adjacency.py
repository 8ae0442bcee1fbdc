"""Adjacency + op one-hot encodings (the NB101-style "adjacency one-hot").

Each row is the space's own one-hot layout, ``space.to_onehot(arch)``
(``space.onehot_size`` columns; each space documents its layout). Today:
36 columns on NB101 (21 upper-triangular adjacency bits of the padded 7x7
matrix, then 5 inner op one-hots), 30 on NB201 (a one-hot per edge), 192 on
DARTS (per cell and edge: op and input node), 52 on NB-Graph (per node: link and op).

>>> from nasbench_kit.encoders import AdjacencyOneHotEncoder
>>> AdjacencyOneHotEncoder(space="nb101").fit_transform(["011,001,000|conv3x3-bn-relu"]).shape
(1, 36)
"""

from __future__ import annotations

import itertools

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.spaces import Architecture


class AdjacencyOneHotEncoder(Encoder):
    """Flattened adjacency plus one-hot ops: ``space.to_onehot`` per row."""

    def _setup(self, archs: list[Architecture]) -> None:
        self.n_features_ = int(self.space_.onehot_size)

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        space = self.space_
        cols = [space.onehot_columns(a) for a in archs]
        rows = np.repeat(np.arange(len(archs)), [len(c) for c in cols])
        out = np.zeros((len(archs), space.onehot_size), dtype=np.float32)
        out[
            rows, np.fromiter(itertools.chain.from_iterable(cols), dtype=np.intp, count=len(rows))
        ] = 1
        return out
