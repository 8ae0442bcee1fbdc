"""The predictor contract (scikit-learn's, exactly) and its shared plumbing.

A predictor maps architectures to a score: ``fit(archs, y) -> self``,
``predict(archs) -> float64 ndarray``. Constructors only store their
arguments; fitted state ends in ``_``; ``sklearn.base.clone`` works; ``seed``
(int, ``numpy.random.Generator`` or ``None``) controls every random choice;
``encoder`` picks the input representation (``None``: the predictor's
default). ``predict`` before ``fit`` raises :class:`NotFittedError`; empty
input, ``y`` of another length or non-finite targets raise
:class:`OutOfDomainError`.

Subclasses implement ``_default_encoder()``, ``_fit_encoded(X, y, rng)`` and
``_predict_encoded(X)``; the base does parsing, checks and encoding.

>>> from nasbench_kit.predictors import XGBPredictor
>>> from nasbench_kit.spaces import get_space
>>> sp = get_space("nb201")
>>> archs = [sp.sample(seed=s) for s in range(20)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> XGBPredictor(seed=0, n_estimators=50).fit(archs, y).predict(archs[:3]).dtype
dtype('float64')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from nasbench_kit._rng import as_rng
from nasbench_kit.encoders._base import Encoder, as_arch_list, parse_all, resolve_space
from nasbench_kit.errors import NotFittedError, OutOfDomainError


def check_targets(y: Any, n: int) -> np.ndarray:
    """``y`` as a finite float64 vector of length ``n``."""
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise OutOfDomainError(f"y must be numbers (one per arch); got {y!r:.80}") from exc
    if arr.ndim != 1:
        raise OutOfDomainError(f"y must be 1-D (one value per arch); got shape {arr.shape}")
    if len(arr) != n:
        raise OutOfDomainError(
            f"got {n} archs but {len(arr)} targets; pass exactly one y value per architecture"
        )
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise OutOfDomainError(
            f"y[{bad}] = {arr[bad]!r} is not finite; drop the archs without a result first"
        )
    return arr


def derive_seed(rng: np.random.Generator) -> int:
    """A 31-bit int from ``rng`` for libraries that need an integer seed."""
    return int(rng.integers(0, 2**31 - 1))


class Predictor(RegressorMixin, BaseEstimator):
    """Base of every architecture-performance predictor."""

    @property
    def supported_spaces(self) -> tuple[str, ...]:
        """Spaces this predictor works on: every registered space (encoders use space views)."""
        from nasbench_kit.spaces import list_spaces

        return tuple(list_spaces())

    # ---- to override ----------------------------------------------------------
    def _default_encoder(self) -> Encoder:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError  # pragma: no cover

    def _predict_encoded(self, X: Any) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    # ---- public API -------------------------------------------------------------
    def fit(self, archs: Iterable[Any], y: Any) -> Predictor:
        """Fit on architectures (any notation) and their targets; returns ``self``."""
        items = as_arch_list(archs)
        target = check_targets(y, len(items))
        space = resolve_space(getattr(self.encoder, "space", None), items)
        if space.name not in self.supported_spaces:
            raise OutOfDomainError(
                f"{type(self).__name__} does not support space {space.name!r}; "
                f"it supports {list(self.supported_spaces)}"
            )
        parsed = parse_all(space, items)
        rng = as_rng(self.seed)
        enc = self._default_encoder() if self.encoder is None else clone(self.encoder)
        self.encoder_ = enc.fit(parsed)
        self.space_ = space
        self.n_train_ = len(parsed)
        self._fit_encoded(self.encoder_.transform(parsed), target, rng)
        return self

    def predict(self, archs: Iterable[Any]) -> np.ndarray:
        """Predicted scores (float64, one per arch)."""
        return np.asarray(self._predict_encoded(self._encode(archs)), dtype=np.float64).ravel()

    # ---- helpers ------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "encoder_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(archs, y) before predict"
            )

    def _encode(self, archs: Iterable[Any]) -> Any:
        self._check_fitted()
        items = as_arch_list(archs)
        return self.encoder_.transform(parse_all(self.space_, items))
