"""Ridge regression on an encoding (cross-validated penalty).

Additive costs such as latency are close to linear in the one-hot ops (each
op on each edge adds its own time), so this simple model is the strongest
latency predictor from few samples; the default encoder is therefore
:class:`~nasbench_kit.encoders.AdjacencyOneHotEncoder`.

>>> from nasbench_kit.predictors import LinearPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(30)]
>>> y = [2.0 * a.ops.count("nor_conv_3x3") + 1.0 for a in archs]
>>> p = LinearPredictor(seed=0).fit(archs, y)
>>> bool(abs(p.predict(archs[:1])[0] - y[0]) < 0.1)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.encoders import AdjacencyOneHotEncoder
from nasbench_kit.encoders._base import Encoder
from nasbench_kit.predictors._base import Predictor


class LinearPredictor(Predictor):
    """``sklearn.linear_model.RidgeCV`` on ``encoder`` features (default: adjacency one-hot).

    ``seed`` is accepted for the common contract; the fit is deterministic.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        alphas: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0),
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.alphas = alphas
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return AdjacencyOneHotEncoder()

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        from sklearn.linear_model import RidgeCV

        self.model_ = RidgeCV(alphas=np.asarray(self.alphas, dtype=np.float64))
        self.model_.fit(np.asarray(X, dtype=np.float64), y)

    def _predict_encoded(self, X: Any) -> np.ndarray:
        return self.model_.predict(np.asarray(X, dtype=np.float64))
