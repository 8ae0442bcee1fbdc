"""Categorical encoding: the space's decision vector, one column per decision.

Each row is ``space.to_decisions(arch)``: the index of the choice made at each
position (``space.decision_sizes()`` gives the number of choices, and
``space.decision_names()`` a name per column). Today: NB201 the 6 op indices;
NB101 the 21 upper-triangular bits of the padded 7x7 matrix then the 5 inner
op indices (0 for padding); DARTS per cell and node the input-pair index then
the two op indices (24 columns); NB-Graph the 4 links then the 4 op indices. Values are small integers
stored as float32 (good for trees, not for linear models: use
:class:`AdjacencyOneHotEncoder` there).

>>> from nasbench_kit.encoders import CategoricalEncoder
>>> CategoricalEncoder(space="nbgraph").fit_transform(["0,0,1,2|gcn,gat,skip,sage"]).shape
(1, 8)
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.spaces import Architecture


class CategoricalEncoder(Encoder):
    """One integer column per decision: ``space.to_decisions`` per row."""

    def _setup(self, archs: list[Architecture]) -> None:
        self.n_features_ = len(self.space_.decision_sizes())
        self.feature_names_ = list(self.space_.decision_names())

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        to_decisions = self.space_.to_decisions
        out = np.asarray([to_decisions(a) for a in archs], dtype=np.float32)
        return out.reshape(len(archs), self.n_features_)
