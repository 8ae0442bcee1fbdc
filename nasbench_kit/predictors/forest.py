"""Random forest (scikit-learn) on an encoding.

>>> from nasbench_kit.predictors import RandomForestPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(20)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> RandomForestPredictor(seed=0).fit(archs, y).predict(archs[:2]).shape
(2,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.predictors._base import Predictor, derive_seed
from nasbench_kit.predictors._defaults import tabular_encoder


class RandomForestPredictor(Predictor):
    """``sklearn.ensemble.RandomForestRegressor`` on ``encoder`` features."""

    def __init__(
        self,
        encoder: Encoder | None = None,
        n_estimators: int = 300,
        max_features: float = 0.5,
        min_samples_leaf: int = 1,
        n_jobs: int = 1,
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return tabular_encoder()

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf, n_jobs=self.n_jobs,
            random_state=derive_seed(rng),
        )  # fmt: skip
        self.model_.fit(X, y)

    def _predict_encoded(self, X: Any) -> np.ndarray:
        return self.model_.predict(X)
