"""A small exact Gaussian process in NumPy, built for search loops that refit every query.

Same model family as :class:`~nasbench_kit.predictors.GPPredictor` (isotropic
Matérn kernel on standardised :class:`StructureEncoder` features, normalised
targets, a white-noise term), but the hyper-parameters are chosen by
maximising the log marginal likelihood over a fixed grid of length scales and
noise ratios, with the signal variance solved in closed form. A fit is a few
Cholesky factorisations of an ``n x n`` matrix instead of an L-BFGS run, and
``fit_features(X, y, warm_start=True)`` starts from the previous fit's grid
point and only climbs to a better neighbour, so refitting after one more
result costs about ten factorisations. Nothing is random: the fit is
deterministic (``seed`` is accepted for the common contract).

Two APIs: the predictor contract (``fit(archs, y)``, ``predict``,
``predict_std``) and the array API used by predictor-guided optimizers, which
encode each architecture once with :meth:`FastGPPredictor.feature_encoder` and
keep the rows: ``fit_features(X, y)`` and ``predict_features(X) -> (mean, std)``.

>>> from nasbench_kit.predictors.fast_gp import FastGPPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(30)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> gp = FastGPPredictor().fit(archs, y)
>>> bool(abs(gp.predict(archs[:1])[0] - y[0]) < 0.5), bool((gp.predict_std(archs) >= 0).all())
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone

from nasbench_kit.encoders import StructureEncoder
from nasbench_kit.encoders._base import Encoder
from nasbench_kit.errors import NotFittedError, OutOfDomainError
from nasbench_kit.predictors._base import Predictor, check_targets

__all__ = ["FastGPPredictor"]

_NUS = (0.5, 1.5, 2.5)
#: Default grid: length scales in standardised-feature units, noise as a share of the signal.
LENGTH_SCALES: tuple[float, ...] = tuple(float(x) for x in np.geomspace(0.5, 128.0, 17))
NOISE_LEVELS: tuple[float, ...] = tuple(float(x) for x in np.geomspace(1e-4, 1.0, 9))


def _matern(d: np.ndarray, nu: float) -> np.ndarray:
    """Matérn correlation of scaled distances ``d`` (``nu`` in 0.5, 1.5, 2.5).

    Values below 1e-12 are set to 0: they change nothing next to the unit
    diagonal, and subnormal floats would slow every later BLAS call ~100x.
    """
    if nu == 0.5:
        out = np.exp(-d)
    elif nu == 1.5:
        s = np.sqrt(3.0) * d
        out = (1.0 + s) * np.exp(-s)
    else:
        s = np.sqrt(5.0) * d
        out = (1.0 + s + s * s / 3.0) * np.exp(-s)
    out[out < 1e-12] = 0.0
    return out


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and ``b``."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


class FastGPPredictor(Predictor):
    """Exact GP regression with grid-searched hyper-parameters; ``predict_std``; warm refits.

    ``nu``: Matérn smoothness (0.5, 1.5 or 2.5). ``length_scales`` and
    ``noise_levels`` (noise variance / signal variance) span the grid
    (defaults :data:`LENGTH_SCALES`, :data:`NOISE_LEVELS`). ``encoder``: the
    features (default :class:`StructureEncoder`; its columns depend only on
    the space, so rows can be cached by the caller).
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        nu: float = 1.5,
        length_scales: Sequence[float] | None = None,
        noise_levels: Sequence[float] | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.nu = nu
        self.length_scales = length_scales
        self.noise_levels = noise_levels
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return StructureEncoder()

    def feature_encoder(self) -> Encoder:
        """A fresh, unfitted copy of the encoder this model reads (for callers caching rows)."""
        return self._default_encoder() if self.encoder is None else clone(self.encoder)

    # ---- array API -------------------------------------------------------------
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        if self.nu not in _NUS:
            raise OutOfDomainError(f"nu={self.nu!r} must be one of {_NUS} (Matérn smoothness)")
        grids = []
        for name, given, default in (
            ("length_scales", self.length_scales, LENGTH_SCALES),
            ("noise_levels", self.noise_levels, NOISE_LEVELS),
        ):
            arr = np.asarray(default if given is None else given, dtype=np.float64).ravel()
            if arr.size == 0 or not (np.isfinite(arr) & (arr > 0)).all():
                raise OutOfDomainError(
                    f"{name}={given!r} must be a non-empty list of positive numbers "
                    "(or None for the default grid)"
                )
            grids.append(np.sort(arr))
        return grids[0], grids[1]

    def fit_features(self, X: Any, y: Any, *, warm_start: bool = False) -> FastGPPredictor:
        """Fit on encoded rows ``X`` (n x d) and targets ``y``; returns ``self``.

        ``warm_start=True`` (after an earlier fit) searches the grid from the
        previous optimum by hill-climbing instead of scoring every point.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise OutOfDomainError(f"X must be a non-empty 2-D array of features; got {X.shape}")
        target = check_targets(y, len(X))
        lengths, noises = self._grid()
        std = X.std(axis=0)
        keep = std > 0
        if not keep.any():  # every row encodes the same: keep one column
            keep[0] = True
        self.keep_ = keep
        self.mean_ = X[:, keep].mean(axis=0)
        self.scale_ = np.where(std[keep] > 0, std[keep], 1.0)
        self.y_mean_ = float(target.mean())
        self.y_scale_ = float(target.std()) or 1.0
        self.Z_ = self._standardise(X)
        yn = (target - self.y_mean_) / self.y_scale_
        dist = _distances(self.Z_, self.Z_)
        start = getattr(self, "grid_index_", None) if warm_start else None
        i, j = self._search(dist, yn, lengths, noises, start)
        self.grid_index_ = (i, j)
        self.length_scale_ = float(lengths[i])
        self.noise_level_ = float(noises[j])
        a = _matern(dist / self.length_scale_, self.nu) + self.noise_level_ * np.eye(len(yn))
        self.chol_ = np.linalg.cholesky(a)
        self.chol_inv_ = _invert_lower(self.chol_)  # predict is then one matmul
        self.alpha_ = _cho_solve(self.chol_, yn)
        self.signal_ = max(float(yn @ self.alpha_) / len(yn), 1e-12)
        return self

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64)[:, self.keep_] - self.mean_) / self.scale_

    def _search(
        self,
        dist: np.ndarray,
        yn: np.ndarray,
        lengths: np.ndarray,
        noises: np.ndarray,
        start: tuple[int, int] | None,
    ) -> tuple[int, int]:
        """Grid point with the highest profiled log marginal likelihood."""
        cache: dict[tuple[int, int], float] = {}

        def score(i: int, j: int) -> float:
            if (i, j) not in cache:
                cache[(i, j)] = _profiled_lml(dist, yn, lengths[i], noises[j], self.nu)
            return cache[(i, j)]

        shape = (len(lengths), len(noises))
        if start is None or start[0] >= shape[0] or start[1] >= shape[1]:
            points = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
            return max(points, key=lambda p: score(*p))
        best = start
        while True:
            around = [
                (best[0] + di, best[1] + dj)
                for di in (-1, 0, 1)
                for dj in (-1, 0, 1)
                if 0 <= best[0] + di < shape[0] and 0 <= best[1] + dj < shape[1]
            ]
            top = max(around, key=lambda p: score(*p))
            if score(*top) <= score(*best):
                return best
            best = top

    def predict_features(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation (latent, target units) of encoded rows."""
        if not hasattr(self, "chol_"):
            raise NotFittedError(
                "this FastGPPredictor is not fitted yet; call fit(archs, y) or "
                "fit_features(X, y) before predicting"
            )
        Z = self._standardise(X)
        r = _matern(_distances(Z, self.Z_) / self.length_scale_, self.nu)
        mean = self.y_mean_ + self.y_scale_ * (r @ self.alpha_)
        v = r @ self.chol_inv_.T
        var = self.signal_ * np.maximum(1.0 - (v * v).sum(axis=1), 0.0)
        return mean, self.y_scale_ * np.sqrt(var)

    # ---- predictor contract ------------------------------------------------------
    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        self.fit_features(X, y)

    def _predict_encoded(self, X: Any) -> np.ndarray:
        return self.predict_features(X)[0]

    def predict_std(self, archs: Iterable[Any]) -> np.ndarray:
        """Predictive standard deviation (float64, target units; latent, noise excluded)."""
        return self.predict_features(self._encode(archs))[1]


def _invert_lower(chol: np.ndarray) -> np.ndarray:
    """Inverse of a lower-triangular matrix (LAPACK ``trtri``)."""
    from scipy.linalg import lapack

    inv, info = lapack.dtrtri(chol, lower=1)
    if info != 0:  # a zero pivot cannot happen for a Cholesky factor of a PD matrix
        raise np.linalg.LinAlgError(f"trtri failed (info={info})")
    return np.asarray(inv)


def _cho_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.linalg import cho_solve

    return np.asarray(cho_solve((chol, True), b, check_finite=False))


def _profiled_lml(
    dist: np.ndarray, yn: np.ndarray, length: float, noise: float, nu: float
) -> float:
    """Log marginal likelihood (up to a constant) with the signal variance maximised out."""
    n = len(yn)
    a = _matern(dist / length, nu)
    a[np.diag_indices(n)] += noise
    try:
        chol = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return -np.inf
    quad = float(yn @ _cho_solve(chol, yn))
    if quad <= 0.0:
        return -np.inf
    return -0.5 * n * np.log(quad / n) - float(np.log(np.diag(chol)).sum())
