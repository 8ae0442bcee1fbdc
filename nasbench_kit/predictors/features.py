"""Predictors on what a table already holds: params, FLOPs, zero-cost scores, latencies.

``FeaturePredictor(source, features)`` looks each architecture's feature
values up in ``source`` -- a :class:`~nasbench_kit.tables.Benchmark` (the
``features`` are metric names) or a mapping ``{arch.hash: feature values}``
-- optionally concatenates an encoding (``encoder=``), and fits ``model``
(default: a small XGBoost regressor; ``"linear"``: ridge regression, on logs of
the features and of the target when they are all positive -- a power law, good
for latency transfer from other devices). An architecture
the source does not hold raises ``NotInTableError``.

>>> import numpy as np
>>> from nasbench_kit.predictors import FeaturePredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(30)]
>>> table = {a.hash: [1.0 + a.ops.count("nor_conv_3x3")] for a in archs}
>>> y = [2.0 * table[a.hash][0] for a in archs]
>>> p = FeaturePredictor(table, model="linear", seed=0).fit(archs, y)
>>> bool(np.allclose(p.predict(archs), y, rtol=0.05))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.encoders._base import Encoder, as_arch_list, parse_all, resolve_space
from nasbench_kit.errors import NotInTableError, OutOfDomainError
from nasbench_kit.predictors._base import Predictor, check_targets, derive_seed

MODELS = ("xgb", "linear")


class FeaturePredictor(Predictor):
    """Regression on table features (and optionally an encoding); see the module docs."""

    def __init__(
        self,
        source: Any = None,
        features: Sequence[str] | None = None,
        encoder: Encoder | None = None,
        model: Any = "xgb",
        fidelity: float | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        self.source = source
        self.features = features
        self.encoder = encoder
        self.model = model
        self.fidelity = fidelity
        self.seed = seed

    # ---- feature lookup ------------------------------------------------------------
    def _lookup(self, archs: list[Any]) -> np.ndarray:
        src = self.source
        if src is None:
            raise OutOfDomainError(
                "FeaturePredictor needs source=: a Benchmark (with features=[metric names]) or "
                "a dict {arch.hash: feature values}"
            )
        if isinstance(src, Mapping):
            rows = []
            for a in archs:
                if a.hash not in src:
                    raise NotInTableError(
                        f"{a!r} has no entry in the feature dict ({len(src)} keys); add its "
                        "features under key arch.hash or drop it"
                    )
                rows.append(np.atleast_1d(np.asarray(src[a.hash], dtype=np.float64)))
            X = np.vstack(rows)
            if self.features is not None and X.shape[1] != len(self.features):
                raise OutOfDomainError(
                    f"the feature dict holds {X.shape[1]} values per arch but features= names "
                    f"{len(self.features)}; make them agree or pass features=None"
                )
            return X
        if not self.features:
            raise OutOfDomainError(
                f"features= must name metrics of {getattr(src, 'name', src)!r} to use, e.g. "
                "['flops', 'params']"
            )
        cols = [src.query_many(archs, f, fidelity=self.fidelity) for f in self.features]
        return np.column_stack(cols).astype(np.float64)

    def _inputs(self, archs: list[Any]) -> np.ndarray:
        X = self._lookup(archs)
        if not np.isfinite(X).all():
            raise OutOfDomainError(
                "some looked-up features are NaN/inf (the table has no value for them); pick "
                "features every architecture has"
            )
        if self.model == "linear" and self.log_features_:
            X = np.log(np.maximum(X, 1e-12))
        if self.encoder_ is not None:
            X = np.hstack([X, np.asarray(self.encoder_.transform(archs), dtype=np.float64)])
        return X

    # ---- contract ------------------------------------------------------------------------
    def fit(self, archs: Iterable[Any], y: Any) -> FeaturePredictor:
        """Look up features, fit the model; returns ``self``."""
        items = as_arch_list(archs)
        target = check_targets(y, len(items))
        src_space = getattr(self.source, "space", None)
        space = resolve_space(getattr(self.encoder, "space", None) or src_space, items)
        parsed = parse_all(space, items)
        rng = as_rng(self.seed)
        from sklearn.base import clone

        self.space_ = space
        self.encoder_ = None if self.encoder is None else clone(self.encoder).fit(parsed)
        self.log_features_ = bool(self.model == "linear" and (self._lookup(parsed) > 0).all())
        self.log_target_ = bool(self.model == "linear" and (target > 0).all())
        X = self._inputs(parsed)
        self.model_ = self._make_model(rng)
        self.model_.fit(X, np.log(target) if self.log_target_ else target)
        self.n_train_ = len(parsed)
        self.n_features_ = X.shape[1]
        return self

    def _make_model(self, rng: np.random.Generator) -> Any:
        if self.model == "xgb":
            import xgboost as xgb

            return xgb.XGBRegressor(
                n_estimators=500, learning_rate=0.05, max_depth=3, subsample=0.8,
                colsample_bytree=1.0, n_jobs=1, random_state=derive_seed(rng),
            )  # fmt: skip
        if self.model == "linear":
            from sklearn.linear_model import RidgeCV

            return RidgeCV(alphas=np.logspace(-3, 3, 13))
        if hasattr(self.model, "fit") and hasattr(self.model, "predict"):
            from sklearn.base import clone

            model = clone(self.model)
            if "random_state" in model.get_params():
                model.set_params(random_state=derive_seed(rng))
            return model
        raise OutOfDomainError(
            f"model={self.model!r} is not one of {list(MODELS)} nor a regressor with fit/predict"
        )

    def predict(self, archs: Iterable[Any]) -> np.ndarray:
        """Predictions (float64) from the looked-up features."""
        if not hasattr(self, "model_"):
            self._check_fitted()
        parsed = parse_all(self.space_, as_arch_list(archs))
        out = np.asarray(self.model_.predict(self._inputs(parsed)), dtype=np.float64).ravel()
        return np.exp(out) if self.log_target_ else out
