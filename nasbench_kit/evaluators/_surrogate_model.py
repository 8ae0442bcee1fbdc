"""One metric of a surrogate benchmark: fitting, prediction, noise and its state.

A :class:`MetricModel` blends gradient-boosted trees (this package's
:class:`~nasbench_kit.predictors.XGBPredictor`) and ridge regression
(:class:`~nasbench_kit.predictors.LinearPredictor`), both on the surrogate
features, in a transformed target space:

- **target transform**: accuracies in % are modelled as ``-log(100.5 - y)``
  (``loggap``: it spreads the top of the range, where search happens), positive
  skewed metrics (times, latencies, sizes) as ``log(y)``, anything else as is;
- **cross-validated blend**: ``n_members`` folds give out-of-fold predictions of
  both models; the blend weight ``w`` of the trees (0, 0.1, ..., 1) is the one
  with the best out-of-fold Kendall tau (``model="xgb"``/``"linear"`` fix it);
- **the ensemble**: the full-data blend gives the mean; the fold models are the
  ensemble members whose spread is the noise where the table has no seeds;
- **memory**: an architecture isomorphic to a training architecture is
  answered with the table's mean over its class (``memorize=True``);
- **noise**: with per-seed results (two or more seeds) a ridge model of the
  log seed-to-seed standard deviation, scaled so that its mean variance over
  the training architectures equals the table's; otherwise the members' spread.

Predictions of a fitted and of a saved-and-loaded model go through the same
code on the same (JSON round-tripped) boosters and arrays, so they agree to
the bit.

>>> import numpy as np
>>> choose_transform(np.array([10.0, 93.5]), "%"), choose_transform(np.array([1.0, 900.0]), "s")
('loggap', 'log')
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.evaluators._surrogate_features import SurrogateEncoder, featurize

__all__ = ["MODELS", "MetricModel", "booster_from_json", "choose_transform", "fit_metric"]

#: ``model=`` choices of :func:`~nasbench_kit.evaluators.surrogate.fit_surrogate`.
MODELS: tuple[str, ...] = ("auto", "xgb", "linear")
TRANSFORMS: tuple[str, ...] = ("identity", "log", "loggap")
_GAP = 100.5  # loggap: z = -log(_GAP - y); y <= 100 stays finite
_ALPHAS = tuple(10.0 ** np.arange(-3.0, 3.5, 0.5))
_WEIGHTS = tuple(np.round(np.arange(0.0, 1.01, 0.1), 1))


# ---- target transforms -------------------------------------------------------------
def choose_transform(y: np.ndarray, unit: str) -> str:
    """``loggap`` for % in [0, 100], ``log`` for positive skewed values, else ``identity``."""
    if unit == "%" and y.min() >= 0.0 and y.max() <= 100.0:
        return "loggap"
    if y.min() > 0.0 and y.max() / y.min() >= 10.0:
        return "log"
    return "identity"


def forward(kind: str, y: np.ndarray) -> np.ndarray:
    """Target values -> model space."""
    if kind == "loggap":
        return -np.log(_GAP - y)
    if kind == "log":
        return np.log(y)
    return np.asarray(y, dtype=np.float64)


def inverse(kind: str, z: np.ndarray) -> np.ndarray:
    """Model space -> target values (clipped to the transform's domain)."""
    if kind == "loggap":
        return np.clip(_GAP - np.exp(-z), 0.0, 100.0)
    if kind == "log":
        return np.exp(z)
    return z


def clip(kind: str, y: np.ndarray) -> np.ndarray:
    """Noisy values back into the domain: [0, 100] for %, positive for ``log``."""
    if kind == "loggap":
        return np.clip(y, 0.0, 100.0)
    if kind == "log":
        return np.maximum(y, 0.0)
    return y


# ---- boosters and ridge rows -----------------------------------------------------
#: Batches at least this large are predicted with up to 4 threads (single queries
#: from search workers stay on one thread, so worker pools do not oversubscribe).
BIG_BATCH = 4096


def _predict_threads(n_rows: int) -> int:
    return max(1, min(4, os.cpu_count() or 1)) if n_rows >= BIG_BATCH else 1


def booster_from_json(raw: bytes) -> Any:
    """An ``xgboost.Booster`` from its JSON model text (the only format we read)."""
    import xgboost as xgb

    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(raw))
    except xgb.core.XGBoostError as exc:
        raise CorruptFileError(f"an XGBoost model file could not be read: {exc}") from exc
    booster.set_param({"nthread": 1})
    return booster


def _canonical(booster: Any) -> tuple[Any, bytes]:
    """``(booster, json)`` after a JSON round trip, so fitted == saved-and-loaded."""
    raw = bytes(booster.save_raw(raw_format="json"))
    return booster_from_json(raw), raw


def _ridge_rows(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """``(k, n)`` ridge predictions, reduced row by row (batch-size independent)."""
    X64 = X.astype(np.float64)
    return np.stack([np.add.reduce(X64 * c, axis=1) + b for c, b in zip(coef, intercept)])


def _kendall(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import kendalltau

    tau = kendalltau(a, b)[0]
    return float(tau) if tau == tau else 0.0


# ---- the model ---------------------------------------------------------------------
@dataclass
class MetricModel:
    """A fitted metric: trees + ridge blend, fold members, memory, noise (see module docs)."""

    metric: str
    unit: str
    transform: str
    weight: float  # share of the trees in the blend
    boosters: list[Any]  # [full, fold 1, ..., fold K] (empty when weight == 0)
    booster_json: list[bytes]
    ridge_coef: np.ndarray  # (K + 1, d): full, then folds ((0, d) when weight == 1)
    ridge_intercept: np.ndarray  # (K + 1,)
    noise: str  # "seeds" | "ensemble"
    noise_coef: np.ndarray  # (d,) log-std ridge ("seeds" only)
    noise_intercept: float
    noise_scale: float
    memo_keys: np.ndarray  # iso hashes (str)
    memo_values: np.ndarray  # table mean per iso class
    memo_sigs: np.ndarray  # iso signatures of the memorised classes (str)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._memo = dict(zip(self.memo_keys.tolist(), self.memo_values.tolist()))
        self._sigs = frozenset(self.memo_sigs.tolist())
        self._threads = 1  # boosters are loaded with nthread=1

    def describe(self) -> str:
        """``auto[0.30 xgb + 0.70 linear]``-style summary of the blend."""
        w = self.weight
        return f"{self.info.get('model', 'auto')}[{w:.2f} xgb + {1 - w:.2f} linear]"

    def _z(self, X: np.ndarray, members: slice) -> np.ndarray:
        """``(k, n)`` blended predictions in model space for the selected members."""
        w = self.weight
        parts = []
        if w > 0:
            boosters = self.boosters[members]
            threads = _predict_threads(len(X))
            if threads != self._threads:  # a row's prediction is the same with any thread count
                for b in self.boosters:
                    b.set_param({"nthread": threads})
                self._threads = threads
            parts.append(w * np.stack([b.inplace_predict(X).astype(np.float64)
                                       for b in boosters]))  # fmt: skip
        if w < 1:
            parts.append((1 - w) * _ridge_rows(X, self.ridge_coef[members],
                                               self.ridge_intercept[members]))  # fmt: skip
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]

    def mean(self, X: np.ndarray, archs: Sequence[Any]) -> np.ndarray:
        """Ensemble mean (memorised classes answered by the table's mean).

        ``iso_hash`` is read only for archs whose cheap ``iso_signature`` is
        one of a memorised class (DARTS's ``iso_hash`` costs ~80 us).
        """
        y = inverse(self.transform, self._z(X, slice(0, 1))[0])
        if self._memo:
            get, sigs = self._memo.get, self._sigs
            for i, a in enumerate(archs):
                if a.iso_signature in sigs and (v := get(a.iso_hash)) is not None:
                    y[i] = v
        return y

    def spread(self, X: np.ndarray) -> np.ndarray:
        """Noise standard deviation per arch (see the module docs)."""
        if self.noise == "seeds":
            log_sd = np.add.reduce(X.astype(np.float64) * self.noise_coef, axis=1)
            return self.noise_scale * np.exp(log_sd + self.noise_intercept)
        members = inverse(self.transform, self._z(X, slice(1, None)))
        return members.std(axis=0)

    # ---- state (save / load / pickle) ---------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray], list[bytes]]:
        """``(json-able meta, arrays, booster JSON texts)``."""
        meta = {
            "metric": self.metric, "unit": self.unit, "transform": self.transform,
            "weight": self.weight, "noise": self.noise, "noise_intercept": self.noise_intercept,
            "noise_scale": self.noise_scale, "info": self.info,
        }  # fmt: skip
        arrays = {
            "ridge_coef": self.ridge_coef, "ridge_intercept": self.ridge_intercept,
            "noise_coef": self.noise_coef, "memo_keys": self.memo_keys,
            "memo_values": self.memo_values, "memo_sigs": self.memo_sigs,
        }  # fmt: skip
        return meta, arrays, list(self.booster_json)

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], boosters: list[bytes]
    ) -> MetricModel:
        """Rebuild from :meth:`state` (raises ``CorruptFileError`` on a malformed state)."""
        try:
            kind, noise = str(meta["transform"]), str(meta["noise"])
            weight = float(meta["weight"])
            if kind not in TRANSFORMS or noise not in ("seeds", "ensemble") or not 0 <= weight <= 1:
                raise ValueError(f"transform={kind!r}, noise={noise!r}, weight={weight!r}")
            return cls(
                metric=str(meta["metric"]), unit=str(meta["unit"]), transform=kind, weight=weight,
                boosters=[booster_from_json(raw) for raw in boosters], booster_json=list(boosters),
                ridge_coef=np.asarray(arrays["ridge_coef"], dtype=np.float64),
                ridge_intercept=np.asarray(arrays["ridge_intercept"], dtype=np.float64),
                noise=noise, noise_coef=np.asarray(arrays["noise_coef"], dtype=np.float64),
                noise_intercept=float(meta["noise_intercept"]),
                noise_scale=float(meta["noise_scale"]),
                memo_keys=np.asarray(arrays["memo_keys"]).astype(str),
                memo_values=np.asarray(arrays["memo_values"], dtype=np.float64),
                memo_sigs=np.asarray(arrays["memo_sigs"]).astype(str),
                info=dict(meta.get("info", {})),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptFileError(
                f"surrogate model state of {meta.get('metric', '?')!r} is malformed ({exc}); "
                "refit the surrogate and save it again"
            ) from exc


# ---- fitting -----------------------------------------------------------------------
def _fit_xgb(archs: list[Any], z: np.ndarray, seed: int) -> Any:
    from nasbench_kit.predictors import XGBPredictor

    return XGBPredictor(encoder=SurrogateEncoder(), seed=seed, n_jobs=1).fit(archs, z)


def _fit_linear(archs: list[Any], z: np.ndarray) -> tuple[np.ndarray, float]:
    from nasbench_kit.predictors import LinearPredictor

    p = LinearPredictor(encoder=SurrogateEncoder(), alphas=_ALPHAS).fit(archs, z)
    return np.asarray(p.model_.coef_, dtype=np.float64), float(p.model_.intercept_)


def _pick_weight(model: str, oof_x: np.ndarray, oof_r: np.ndarray, y: np.ndarray,
                 kind: str) -> float:  # fmt: skip
    if model != "auto":
        return 1.0 if model == "xgb" else 0.0
    scores = []
    for w in _WEIGHTS:
        pred = inverse(kind, w * oof_x + (1 - w) * oof_r)
        scores.append((_kendall(pred, y), -float(np.sqrt(np.mean((pred - y) ** 2)))))
    return float(_WEIGHTS[max(range(len(scores)), key=scores.__getitem__)])


def _noise_model(archs: list[Any], seed_values: np.ndarray | None) -> tuple[
        str, np.ndarray, float, float, dict[str, Any]]:  # fmt: skip
    """Log seed-std ridge when >= 2 seeds are known for enough archs, else the ensemble."""
    if seed_values is not None and seed_values.shape[1] >= 2:
        ok = np.isfinite(seed_values).sum(axis=1) >= 2
        if ok.sum() >= 10:
            sd = np.nanstd(seed_values[ok], axis=1, ddof=1)
            floor = max(1e-6, 1e-3 * float(np.mean(sd)))
            kept = [a for a, k in zip(archs, ok) if k]
            coef, icpt = _fit_linear(kept, np.log(sd + floor))
            X = featurize(kept[0].space, kept)
            fitted = np.exp(np.add.reduce(X.astype(np.float64) * coef, axis=1) + icpt)
            scale = math.sqrt(float(np.mean(sd**2)) / float(np.mean(fitted**2)))
            info = {"noise_table_sd_mean": float(np.mean(sd)), "noise_n_archs": int(ok.sum())}
            return "seeds", coef, icpt, scale, info
    return "ensemble", np.zeros(0), 0.0, 1.0, {}


def fit_metric(
    metric: str, unit: str, archs: list[Any], y: np.ndarray, iso: Sequence[str],
    seed_values: np.ndarray | None, *, model: str, n_members: int, rng: np.random.Generator,
    memorize: bool,
) -> MetricModel:  # fmt: skip
    """Fit one metric on parsed ``archs`` and finite targets ``y`` (see module docs)."""
    from nasbench_kit.predictors._base import derive_seed

    if model not in MODELS:
        raise OutOfDomainError(f"model={model!r} is not one of {list(MODELS)}")
    n = len(y)
    kind = choose_transform(y, unit)
    z = forward(kind, y)
    k = min(n_members, n)
    folds = np.array_split(rng.permutation(n), k)
    use_x, use_r = model in ("auto", "xgb"), model in ("auto", "linear")
    oof_x, oof_r = np.zeros(n), np.zeros(n)
    fold_x: list[Any] = []
    fold_r: list[tuple[np.ndarray, float]] = []
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        sub = [archs[i] for i in train]
        if use_x:
            fold_x.append(_fit_xgb(sub, z[train], derive_seed(rng)))
            oof_x[test] = fold_x[-1].predict([archs[i] for i in test])
        if use_r:
            fold_r.append(_fit_linear(sub, z[train]))
            oof_r[test] = _ridge_pred(fold_r[-1], [archs[i] for i in test])
    w = _pick_weight(model, oof_x, oof_r, y, kind)
    boosters, raws = [], []
    if w > 0:
        full = _fit_xgb(archs, z, derive_seed(rng))
        for p in [full, *fold_x]:
            b, raw = _canonical(p.model_.get_booster())
            boosters.append(b)
            raws.append(raw)
    ridges = [_fit_linear(archs, z), *fold_r] if w < 1 else []
    d = len(ridges[0][0]) if ridges else 0
    coef = np.stack([c for c, _ in ridges]) if ridges else np.zeros((0, d))
    icpt = np.array([b for _, b in ridges], dtype=np.float64)
    noise, ncoef, nicpt, nscale, ninfo = _noise_model(archs, seed_values)
    keys, values = _memo(iso, y) if memorize else (np.zeros(0, dtype=str), np.zeros(0))
    sigs = np.array(sorted({a.iso_signature for a in archs}) if memorize else [], dtype=str)
    oof = inverse(kind, w * oof_x + (1 - w) * oof_r)
    info = {
        "model": model, "n_train": n, "n_members": k, "oof_kendall_tau": _kendall(oof, y),
        "oof_rmse": float(np.sqrt(np.mean((oof - y) ** 2))), "memorized_classes": len(keys),
        **({"oof_kendall_tau_xgb": _kendall(oof_x, y)} if use_x else {}),
        **({"oof_kendall_tau_linear": _kendall(oof_r, y)} if use_r else {}), **ninfo,
    }  # fmt: skip
    return MetricModel(
        metric=metric, unit=unit, transform=kind, weight=float(w), boosters=boosters,
        booster_json=raws, ridge_coef=coef, ridge_intercept=icpt, noise=noise,
        noise_coef=ncoef, noise_intercept=nicpt, noise_scale=nscale, memo_keys=keys,
        memo_values=values, memo_sigs=sigs, info=info,
    )  # fmt: skip


def _ridge_pred(ridge: tuple[np.ndarray, float], archs: list[Any]) -> np.ndarray:
    X = featurize(archs[0].space, archs)
    return _ridge_rows(X, ridge[0][None], np.array([ridge[1]]))[0]


def _memo(iso: Sequence[str], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Iso hashes and the mean target of each class seen in training."""
    sums: dict[str, list[float]] = {}
    for h, v in zip(iso, y.tolist()):
        sums.setdefault(h, []).append(v)
    keys = sorted(sums)
    return np.array(keys, dtype=str), np.array([float(np.mean(sums[h])) for h in keys])
