"""An ensemble of one base predictor fitted with different seeds (and bootstraps).

``predict`` is the members' mean and ``predict_std`` their standard deviation,
a cheap uncertainty estimate for acquisition functions (BANANAS, NPENAS).

>>> from nasbench_kit.predictors import EnsemblePredictor, XGBPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(20)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> ens = EnsemblePredictor(XGBPredictor(n_estimators=50), n_members=3, seed=0).fit(archs, y)
>>> ens.predict_std(archs[:4]).shape
(4,)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import clone

from nasbench_kit._rng import as_rng
from nasbench_kit.encoders._base import as_arch_list, parse_all, resolve_space
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.predictors._base import Predictor, check_targets, derive_seed


class EnsemblePredictor(Predictor):
    """``n_members`` clones of ``base`` (default ``XGBPredictor()``), each with its own seed.

    With ``bootstrap=True`` each member trains on a resample (with replacement)
    of the training set, which widens ``predict_std`` towards a calibrated spread.
    """

    def __init__(
        self,
        base: Predictor | None = None,
        n_members: int = 5,
        bootstrap: bool = False,
        seed: int | np.random.Generator | None = None,
    ):
        self.base = base
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.seed = seed

    def _base(self) -> Predictor:
        if self.base is not None:
            return self.base
        from nasbench_kit.predictors.xgb import XGBPredictor

        return XGBPredictor()

    @property
    def supported_spaces(self) -> tuple[str, ...]:  # type: ignore[override]
        return self._base().supported_spaces

    def fit(self, archs: Iterable[Any], y: Any) -> EnsemblePredictor:
        """Fit every member; returns ``self``."""
        m = self.n_members
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise OutOfDomainError(f"n_members={m!r} must be an int >= 1 (e.g. 5)")
        items = as_arch_list(archs)
        target = check_targets(y, len(items))
        base = self._base()
        space = resolve_space(getattr(getattr(base, "encoder", None), "space", None), items)
        parsed = parse_all(space, items)
        rng = as_rng(self.seed)
        members = []
        for _ in range(int(m)):
            member = clone(base)
            if "seed" in member.get_params():
                member.set_params(seed=derive_seed(rng))
            if self.bootstrap:
                idx = rng.integers(0, len(parsed), size=len(parsed))
                member.fit([parsed[i] for i in idx], target[idx])
            else:
                member.fit(parsed, target)
            members.append(member)
        self.members_ = members
        self.space_ = space
        self.n_train_ = len(parsed)
        self.encoder_ = members[0].encoder_
        return self

    def _all(self, archs: Iterable[Any]) -> np.ndarray:
        self._check_fitted()
        items = parse_all(self.space_, as_arch_list(archs))
        return np.stack([m.predict(items) for m in self.members_])

    def predict(self, archs: Iterable[Any]) -> np.ndarray:
        """Mean prediction of the members (float64)."""
        return self._all(archs).mean(axis=0)

    def predict_std(self, archs: Iterable[Any]) -> np.ndarray:
        """Standard deviation across members (float64)."""
        return self._all(archs).std(axis=0)
