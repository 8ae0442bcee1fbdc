"""Shared machinery of predictor-guided optimizers (BANANAS, NPENAS).

Keeps the evaluated history, refits a predictor every ``refit_every`` tells,
builds candidate pools by editing good architectures, and scores candidates
with an acquisition function. Subclasses choose parents and the acquisition.

``predictor`` is either an unfitted predictor *instance* (any object with
``fit(archs, y)``, ``predict(archs)`` and, for ITS/UCB, ``predict_std(archs)``,
e.g. ``GPPredictor()``) -- each refit uses a fresh ``sklearn.base.clone`` of
it, its ``seed`` parameter (when it has one) drawn from the optimizer's
generator -- or a *factory* ``predictor(rng) -> predictor``.

*Feature models* (:class:`FeatureModel`, e.g. the default
:class:`~nasbench_kit.predictors.fast_gp.FastGPPredictor`) take a faster
path: the optimizer encodes every architecture once with the model's
``feature_encoder()`` and keeps the row (by ``arch.hash``), builds the model
once and refits it on the cached rows with ``warm_start=True``, and scores a
whole candidate pool with one ``predict_features`` call. Neighbour lists are
cached by ``arch.hash`` for every predictor.

Predictor factories: :func:`default_predictor` (``FastGPPredictor()``),
:func:`gp_predictor` (scikit-learn's ``GPPredictor``, hyper-parameters by
L-BFGS) and :func:`xgb_ensemble_predictor` (a bootstrap ensemble of five
100-tree XGBoost models, the default before the fast GP).

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
from typing import Any, Protocol, runtime_checkable

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, PredictorLike, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = [
    "ACQUISITIONS", "FeatureModel", "PredictorGuided", "PredictorSpec", "default_predictor",
    "gp_predictor", "xgb_ensemble_predictor",
]  # fmt: skip

ACQUISITIONS = ("its", "ucb", "mean")
#: Entries a per-run cache (encoded rows, neighbour lists) keeps, plus at most
#: one batch; beyond it the oldest half is dropped (bounds memory on huge
#: spaces and long runs).
CACHE_LIMIT = 100_000

#: What ``predictor=`` accepts: an unfitted instance, or a factory ``rng -> predictor``.
PredictorSpec = PredictorLike | Callable[[np.random.Generator], PredictorLike]


@runtime_checkable
class FeatureModel(Protocol):
    """A predictor the optimizer can feed cached feature rows (see the module docs)."""

    def feature_encoder(self) -> Any: ...

    def fit_features(self, X: np.ndarray, y: np.ndarray, *, warm_start: bool = False) -> Any: ...

    def predict_features(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def default_predictor(rng: np.random.Generator) -> PredictorLike:
    """``FastGPPredictor()``: NumPy GP on cached structure features (deterministic)."""
    from nasbench_kit.predictors.fast_gp import FastGPPredictor

    return FastGPPredictor()


def xgb_ensemble_predictor(rng: np.random.Generator) -> PredictorLike:
    """Bootstrap ``EnsemblePredictor`` of five 100-tree XGBoost models, seeded from ``rng``."""
    from nasbench_kit.predictors import EnsemblePredictor, XGBPredictor

    base = XGBPredictor(n_estimators=100, learning_rate=0.1)
    return EnsemblePredictor(base, n_members=5, bootstrap=True, seed=int(rng.integers(2**31 - 1)))


def gp_predictor(rng: np.random.Generator) -> PredictorLike:
    """A scikit-learn ``GPPredictor`` (native ``predict_std``) seeded from ``rng``."""
    from nasbench_kit.predictors import GPPredictor

    return GPPredictor(seed=int(rng.integers(2**31 - 1)))


def _trim(cache: dict[str, Any], incoming: int = 1) -> None:
    """Drop the oldest half of ``cache`` when ``incoming`` more entries would pass the limit."""
    if len(cache) + incoming > CACHE_LIMIT:
        for key in list(cache)[: len(cache) // 2 + incoming]:
            del cache[key]


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
        self._encoder: Any = None  # fitted encoder of a FeatureModel (fast path)
        self._rows: dict[str, np.ndarray] = {}  # arch.hash -> encoded row (fast path)
        self._nbrs: dict[str, list[Architecture]] = {}  # arch.hash -> neighbours

    # ---- history -------------------------------------------------------------
    def _tell(self, arch: Architecture, value: Any) -> None:
        h = arch.iso_hash
        old = self.history.get(h)
        if old is None or value > old[1]:
            self.history[h] = (arch, float(value))

    def _ranked(self) -> list[tuple[Architecture, float]]:
        """Evaluated architectures, best first (failures last)."""
        return sorted(self.history.values(), key=lambda t: t[1], reverse=True)

    # ---- caches ----------------------------------------------------------------
    def _neighbors(self, arch: Architecture) -> list[Architecture]:
        """``space.neighbors(arch)``, computed once per architecture."""
        out = self._nbrs.get(arch.hash)
        if out is None:
            _trim(self._nbrs)
            out = self._nbrs[arch.hash] = list(self.space.neighbors(arch))
        return out

    def _features(self, archs: Sequence[Architecture]) -> np.ndarray:
        """Encoded rows of ``archs`` (each architecture is encoded once per run)."""
        rows = self._rows
        found: dict[str, np.ndarray] = {}
        missing: dict[str, Architecture] = {}
        for a in archs:
            row = rows.get(a.hash)
            if row is None:
                missing[a.hash] = a
            else:
                found[a.hash] = row
        if missing:
            _trim(rows, len(missing))
            new = np.asarray(self._encoder.transform(list(missing.values())))
            for h, row in zip(missing, new):
                rows[h] = found[h] = row
        return np.stack([found[a.hash] for a in archs])

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
        if self._encoder is not None:  # fast path: same model, cached rows, warm start
            self._model.fit_features(self._features(archs), y, warm_start=True)  # type: ignore[union-attr]
        else:
            model = self._make_predictor(self.rng)
            if isinstance(model, FeatureModel):
                self._encoder = model.feature_encoder().fit(archs)
                model.fit_features(self._features(archs), y)
            else:
                model.fit(archs, y)
            self._model = model
        self._told_at_fit = self.n_told
        self.n_fits += 1
        return True

    def _mean_std(self, cands: Sequence[Architecture], need_std: bool) -> tuple[Any, Any]:
        model = self._model
        if self._encoder is not None:
            return model.predict_features(self._features(cands))  # type: ignore[union-attr]
        mean = model.predict(list(cands))  # type: ignore[union-attr]
        if not need_std:
            return mean, None
        std_fn = getattr(model, "predict_std", None)
        if std_fn is None:
            raise OutOfDomainError(
                f"acquisition={self.acquisition!r} needs predict_std but "
                f"{type(model).__name__} has none; use acquisition='mean' "
                "or an ensemble predictor"
            )
        return mean, std_fn(list(cands))

    def _scores(self, cands: Sequence[Architecture]) -> np.ndarray:
        """Acquisition value of each candidate under the current model (NaN -> -inf)."""
        if self._model is None:  # internal invariant: _fit_if_due() ran first
            raise RuntimeError("_scores called before the surrogate was fitted")
        mean, std = self._mean_std(cands, self.acquisition != "mean")
        mean = np.asarray(mean, dtype=float).reshape(-1)
        if self.acquisition == "mean":
            scores = mean
        else:
            std = np.maximum(np.asarray(std, dtype=float).reshape(-1), 0.0)
            if self.acquisition == "ucb":
                scores = mean + self.ucb_beta * std
            else:
                scores = mean + std * self.rng.standard_normal(len(mean))  # ITS
        return np.where(np.isnan(scores), -np.inf, scores)

    # ---- candidates ----------------------------------------------------------
    def _unseen(self, archs: Sequence[Architecture], out: dict[str, Architecture]) -> None:
        proposed, history = self._proposed, self.history
        for a in archs:
            h = a.iso_hash
            if h not in proposed and h not in history and h not in out:
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
        return self._propose(cands[int(np.argmax(self._scores(cands)))])
