"""Gradient-boosted trees (XGBoost) on an encoding.

Defaults were chosen once on NB201 (no per-task tuning needed): many trees
with a small learning rate and row/column subsampling; ``max_depth=None``
grows with the training set (3 below 150 archs, 5 below 750, else 6), which
stays robust from 10 to 1,000 training architectures.

>>> from nasbench_kit.predictors import XGBPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nbgraph").sample(seed=s) for s in range(30)]
>>> y = [a.ops.count("gcn") for a in archs]
>>> p = XGBPredictor(seed=0).fit(archs, y)
>>> p.predict(archs).shape
(30,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.predictors._base import Predictor, derive_seed
from nasbench_kit.predictors._defaults import tabular_encoder


def auto_depth(n_train: int) -> int:
    """Tree depth for ``n_train`` archs: deeper trees pay off only with more data."""
    return 3 if n_train < 150 else 5 if n_train < 750 else 6


class XGBPredictor(Predictor):
    """``xgboost.XGBRegressor`` on ``encoder`` features (default: structure + paths)."""

    def __init__(
        self,
        encoder: Encoder | None = None,
        n_estimators: int = 1000,
        learning_rate: float = 0.02,
        max_depth: int | None = None,
        subsample: float = 0.7,
        colsample_bytree: float = 0.6,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        n_jobs: int = 1,
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return tabular_encoder()

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        import xgboost as xgb

        self.max_depth_ = auto_depth(len(y)) if self.max_depth is None else int(self.max_depth)
        self.model_ = xgb.XGBRegressor(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            max_depth=self.max_depth_, subsample=self.subsample,
            colsample_bytree=self.colsample_bytree, min_child_weight=self.min_child_weight,
            reg_lambda=self.reg_lambda, n_jobs=self.n_jobs, random_state=derive_seed(rng),
            tree_method="hist",
        )  # fmt: skip
        self.model_.fit(X, y)

    def _predict_encoded(self, X: Any) -> np.ndarray:
        return self.model_.predict(X)
