"""Gaussian-process regression (scikit-learn) with a predictive standard deviation.

Features are standardised (constant columns dropped) and targets normalised;
the default kernel is ``Constant * Matern(nu=1.5) + White`` with fitted
hyper-parameters, on the compact :class:`StructureEncoder` features (on NB201
this ranked better, and fitted faster, than the wider structure + path input).

>>> from nasbench_kit.predictors import GPPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(20)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> gp = GPPredictor(seed=0).fit(archs, y)
>>> bool((gp.predict_std(archs[:3]) >= 0).all())
True
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from nasbench_kit.encoders import StructureEncoder
from nasbench_kit.encoders._base import Encoder
from nasbench_kit.predictors._base import Predictor, derive_seed


class GPPredictor(Predictor):
    """``GaussianProcessRegressor`` on standardised ``encoder`` features; ``predict_std``.

    ``kernel=None`` uses the default above; any ``sklearn`` kernel may be passed.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        kernel: Any = None,
        n_restarts_optimizer: int = 1,
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.kernel = kernel
        self.n_restarts_optimizer = n_restarts_optimizer
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return StructureEncoder()

    def _scale(self, X: Any) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64)[:, self.keep_] - self.mean_) / self.scale_

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel as C
        from sklearn.gaussian_process.kernels import Matern, WhiteKernel

        X = np.asarray(X, dtype=np.float64)
        std = X.std(axis=0)
        self.keep_ = std > 0
        if not self.keep_.any():  # every training arch encodes the same: keep one column
            self.keep_[0] = True
        self.mean_ = X[:, self.keep_].mean(axis=0)
        self.scale_ = np.where(std[self.keep_] > 0, std[self.keep_], 1.0)
        kernel = self.kernel
        if kernel is None:
            kernel = C(1.0) * Matern(
                length_scale=5.0, length_scale_bounds=(1e-2, 1e3), nu=1.5
            ) + WhiteKernel(0.1, noise_level_bounds=(1e-6, 1e1))
        self.model_ = GaussianProcessRegressor(
            kernel=kernel, normalize_y=True, n_restarts_optimizer=self.n_restarts_optimizer,
            random_state=derive_seed(rng),
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model_.fit(self._scale(X), y)

    def _predict_encoded(self, X: Any) -> np.ndarray:
        return self.model_.predict(self._scale(X))

    def predict_std(self, archs: Iterable[Any]) -> np.ndarray:
        """Predictive standard deviation (float64, target units) per arch."""
        X = self._scale(self._encode(archs))
        _, std = self.model_.predict(X, return_std=True)
        return np.asarray(std, dtype=np.float64)
