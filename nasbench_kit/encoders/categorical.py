"""Categorical encoding: the index of the choice made at each position.

Per space: ``nb201`` 6 op indices (into ``op_names``); ``nb101`` the 21
upper-triangular adjacency bits of the padded 7x7 matrix, then for the 5 inner
vertices ``1 + op index`` (0 = absent); ``darts`` per cell the 8 op indices
then the 8 input nodes (32 columns); ``nbgraph`` 4 links then 4 op indices.
Values are small integers stored as float32 (good for trees, not for linear
models: use :class:`AdjacencyOneHotEncoder` there).

>>> from nasbench_kit.encoders import CategoricalEncoder
>>> CategoricalEncoder(space="nbgraph").fit_transform(["0,0,1,2|gcn,gat,skip,sage"]).shape
(1, 8)
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.encoders._dag import op_vocabulary
from nasbench_kit.encoders.adjacency import _NB101_TRIU, nb101_padded
from nasbench_kit.spaces import Architecture


class CategoricalEncoder(Encoder):
    """One integer column per decision (per-space layout in the module docs)."""

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        ops = op_vocabulary(self.space_)
        col = {op: k for k, op in enumerate(ops)}
        name = self.space_.name
        rows: list[list[float]] = []
        for a in archs:
            if name == "nb201":
                rows.append([col[o] for o in a.ops])  # type: ignore[attr-defined]
            elif name == "nb101":
                adj, labels = nb101_padded(a)
                inner = [0 if lab is None else 1 + col[lab] for lab in labels[1:6]]
                rows.append([adj[i, j] for i, j in _NB101_TRIU] + inner)
            elif name == "darts":
                row: list[float] = []
                for cell in (a.normal, a.reduce):  # type: ignore[attr-defined]
                    row += [col[op] for op, _ in cell] + [inp for _, inp in cell]
                rows.append(row)
            else:
                rows.append(list(a.links) + [col[o] for o in a.ops])  # type: ignore[attr-defined]
        return np.asarray(rows, dtype=np.float32)
