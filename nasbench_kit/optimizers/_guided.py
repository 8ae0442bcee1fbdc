"""Shared machinery of predictor-guided optimizers (BANANAS, NPENAS).

Keeps the evaluated history, refits a predictor every ``refit_every`` tells,
builds candidate pools by editing good architectures, and scores candidates
with an acquisition function. Subclasses choose parents and the acquisition.

``predictor`` is either an unfitted predictor *instance* (any object with
``fit(archs, y)``, ``predict(archs)`` and, for ITS/UCB, ``predict_std(archs)``,
e.g. ``GPPredictor()``) -- each refit uses a fresh ``sklearn.base.clone`` of
it, its ``seed`` parameter (when it has one) drawn from the optimizer's
generator -- or a *factory* ``predictor(rng) -> predictor``. The default is
:func:`default_predictor` (a bootstrap ensemble of five 100-tree XGBoost models
on the predictors' default tabular encoding); :func:`gp_predictor` (a Gaussian
process) is the strongest choice we measured on NB-201 with
``acquisition="ucb"``.

>>> from nasbench_kit.optimizers import Bananas
>>> from nasbench_kit.predictors import LinearPredictor
>>> opt = Bananas("nb201", n_init=3, predictor=LinearPredictor(), acquisition="mean", seed=0)
>>> for i in range(5):
...     a = opt.ask(); opt.tell(a, float(i))
>>> opt.n_fits
2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, PredictorLike, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = [
    "ACQUISITIONS", "PredictorGuided", "PredictorSpec", "default_predictor", "gp_predictor",
]  # fmt: skip

ACQUISITIONS = ("its", "ucb", "mean")

#: What ``predictor=`` accepts: an unfitted instance, or a factory ``rng -> predictor``.
PredictorSpec = PredictorLike | Callable[[np.random.Generator], PredictorLike]


def default_predictor(rng: np.random.Generator) -> PredictorLike:
    """Bootstrap ``EnsemblePredictor`` of five 100-tree XGBoost models, seeded from ``rng``.

    Smaller than the predictors' own default (1,000 trees) so that a refit
    after every query stays ~40 ms.
    """
    from nasbench_kit.predictors import EnsemblePredictor, XGBPredictor

    base = XGBPredictor(n_estimators=100, learning_rate=0.1)
    return EnsemblePredictor(base, n_members=5, bootstrap=True, seed=int(rng.integers(2**31 - 1)))


def gp_predictor(rng: np.random.Generator) -> PredictorLike:
    """A ``GPPredictor`` (native ``predict_std``) seeded from ``rng``."""
    from nasbench_kit.predictors import GPPredictor

    return GPPredictor(seed=int(rng.integers(2**31 - 1)))


def _is_instance(predictor: Any) -> bool:
    return not isinstance(predictor, type) and callable(getattr(predictor, "fit", None)) and (
        callable(getattr(predictor, "predict", None))
    )


class _CloneFactory:
    """Builds a fresh clone of an unfitted predictor per fit (picklable, unlike a lambda)."""

    def __init__(self, prototype: PredictorLike) -> None:
        self.prototype = prototype

    def __call__(self, rng: np.random.Generator) -> PredictorLike:
        from sklearn.base import clone

        model = clone(self.prototype, safe=False)  # deep copy for non-sklearn objects
        get_params = getattr(model, "get_params", None)
        if callable(get_params) and "seed" in get_params():
            model.set_params(seed=int(rng.integers(2**31 - 1)))  # type: ignore[attr-defined]
        return model  # type: ignore[no-any-return]


def as_predictor_factory(predictor: PredictorSpec | None) -> Callable[[np.random.Generator], PredictorLike]:
    """``predictor=`` normalised to a factory ``rng -> fresh unfitted predictor``."""
    if predictor is None:
        return default_predictor
    if _is_instance(predictor):
        return _CloneFactory(predictor)  # type: ignore[arg-type]
    if callable(predictor) and not isinstance(predictor, type):
        return predictor  # type: ignore[return-value]
    raise OutOfDomainError(
        f"predictor={predictor!r} is neither an unfitted predictor instance (with fit and "
        "predict, e.g. GPPredictor()) nor a factory rng -> predictor; pass e.g. "
        "predictor=GPPredictor() or predictor=gp_predictor"
    )


class PredictorGuided(Optimizer):
    """Base of optimizers that pick the next architecture by a fitted predictor."""

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        n_init: int = 10,
        predictor: PredictorSpec | None = None,
        acquisition: str = "its",
        ucb_beta: float = 1.0,
        refit_every: int = 1,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if n_init < 2:
            raise OutOfDomainError(f"n_init={n_init} must be >= 2 to fit a predictor (e.g. 10)")
        if acquisition not in ACQUISITIONS:
            raise OutOfDomainError(
                f"acquisition={acquisition!r} is not one of {ACQUISITIONS}; "
                "'its' = independent Thompson sampling, 'ucb' = mean + beta*std, 'mean' = greedy"
            )
        if refit_every < 1:
            raise OutOfDomainError(f"refit_every={refit_every} must be >= 1")
        self.n_init = n_init
        self.acquisition = acquisition
        self.ucb_beta = float(ucb_beta)
        self.refit_every = refit_every
        self._make_predictor = as_predictor_factory(predictor)
        self._model: PredictorLike | None = None
        self._told_at_fit = -1
        self.history: dict[str, tuple[Architecture, float]] = {}  # iso_hash -> best
        self._proposed: set[str] = set()
        self.n_fits = 0

    # ---- history -------------------------------------------------------------
    def _tell(self, arch: Architecture, value: Any) -> None:
        h = arch.iso_hash
        old = self.history.get(h)
        if old is None or value > old[1]:
            self.history[h] = (arch, float(value))

    def _ranked(self) -> list[tuple[Architecture, float]]:
        """Evaluated architectures, best first (failures last)."""
        return sorted(self.history.values(), key=lambda t: t[1], reverse=True)

    # ---- model -----------------------------------------------------------------
    def _fit_if_due(self) -> bool:
        """Refit when ``refit_every`` new results arrived; False when nothing to fit."""
        if self._model is not None and self.n_told - self._told_at_fit < self.refit_every:
            return True
        ok = [(a, v) for a, v in self.history.values() if math.isfinite(v)]
        if len(ok) < 2:
            return False
        archs = [a for a, _ in ok]
        y = np.array([v for _, v in ok], dtype=float)
        model = self._make_predictor(self.rng)
        model.fit(archs, y)
        self._model = model
        self._told_at_fit = self.n_told
        self.n_fits += 1
        return True

    def _scores(self, cands: Sequence[Architecture]) -> np.ndarray:
        """Acquisition value of each candidate under the current model."""
        if self._model is None:  # internal invariant: _fit_if_due() ran first
            raise RuntimeError("_scores called before the surrogate was fitted")
        mean = np.asarray(self._model.predict(list(cands)), dtype=float).reshape(-1)
        if self.acquisition == "mean":
            return mean
        std_fn = getattr(self._model, "predict_std", None)
        if std_fn is None:
            raise OutOfDomainError(
                f"acquisition={self.acquisition!r} needs predict_std but "
                f"{type(self._model).__name__} has none; use acquisition='mean' "
                "or an ensemble predictor"
            )
        std = np.maximum(np.asarray(std_fn(list(cands)), dtype=float).reshape(-1), 0.0)
        if self.acquisition == "ucb":
            return mean + self.ucb_beta * std
        return mean + std * self.rng.standard_normal(len(mean))  # ITS

    # ---- candidates ----------------------------------------------------------
    def _unseen(self, archs: Sequence[Architecture], out: dict[str, Architecture]) -> None:
        for a in archs:
            h = a.iso_hash
            if h not in self._proposed and h not in self.history and h not in out:
                out[h] = a

    def _mutants(
        self, parents: Sequence[Architecture], n: int, max_edits: int, out: dict[str, Architecture]
    ) -> None:
        """Add ``n`` random edit chains (1..max_edits edits) of random parents to ``out``."""
        if not parents:
            return
        for _ in range(n):
            a = parents[int(self.rng.integers(len(parents)))]
            for _ in range(int(self.rng.integers(1, max_edits + 1))):
                a = self.space.mutate(a, self.rng)
            self._unseen([a], out)

    def _random_unseen(self) -> Architecture:
        return sample_unseen(self.space, self.rng, self._proposed | set(self.history))

    def _propose(self, arch: Architecture) -> Architecture:
        self._proposed.add(arch.iso_hash)
        return arch

    def _candidates(self) -> list[Architecture]:  # pragma: no cover - abstract hook
        raise NotImplementedError

    def _ask(self) -> Architecture:
        if self.n_told < self.n_init or not self._fit_if_due():
            return self._propose(self._random_unseen())
        cands = self._candidates()
        if not cands:
            return self._propose(self._random_unseen())
        scores = self._scores(cands)
        scores = np.where(np.isnan(scores), -np.inf, scores)
        return self._propose(cands[int(np.argmax(scores))])
