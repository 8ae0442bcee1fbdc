"""Performance predictors with the scikit-learn contract.

Every predictor: ``fit(archs, y) -> self``, ``predict(archs) -> float64``,
constructor arguments stored unchanged, fitted attributes ending in ``_``,
``sklearn.base.clone`` works, ``seed`` controls all randomness, ``encoder``
picks the representation (``None``: the predictor's default).
``make_predictor(name)`` builds one by its short name (used by the CLI).

>>> from nasbench_kit.predictors import make_predictor, list_predictors
>>> "xgb" in list_predictors(), type(make_predictor("gin", seed=0)).__name__
(True, 'GINPredictor')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nasbench_kit.errors import OutOfDomainError

if TYPE_CHECKING:  # pragma: no cover
    from nasbench_kit.predictors._base import Predictor

_REGISTRY: dict[str, str] = {
    "xgb": "nasbench_kit.predictors.xgb:XGBPredictor",
    "rf": "nasbench_kit.predictors.forest:RandomForestPredictor",
    "mlp": "nasbench_kit.predictors.mlp:MLPPredictor",
    "gin": "nasbench_kit.predictors.gnn:GINPredictor",
    "gcn": "nasbench_kit.predictors.gnn:GCNPredictor",
    "gp": "nasbench_kit.predictors.gp:GPPredictor",
    "fastgp": "nasbench_kit.predictors.fast_gp:FastGPPredictor",
    "linear": "nasbench_kit.predictors.linear:LinearPredictor",
    "ensemble": "nasbench_kit.predictors.ensemble:EnsemblePredictor",
    "feature": "nasbench_kit.predictors.features:FeaturePredictor",
}
# Classes load on first use (the registry itself imports nothing heavy: the CLI
# lists the names without importing scikit-learn).
_CLASSES = {target.split(":")[1]: target for target in _REGISTRY.values()}
_CLASSES["Predictor"] = "nasbench_kit.predictors._base:Predictor"


def list_predictors() -> list[str]:
    """Short names accepted by :func:`make_predictor`."""
    return list(_REGISTRY)


def _load(target: str) -> type:
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


def make_predictor(name: str, **params: Any) -> Predictor:
    """A predictor by short name (``"xgb"``, ``"gin"`` ...) with ``params``."""
    target = _REGISTRY.get(name) if isinstance(name, str) else None
    if target is None:
        raise OutOfDomainError(f"unknown predictor {name!r}; choose one of {list_predictors()}")
    return _load(target)(**params)  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    target = _CLASSES.get(name)
    if target is None:
        raise AttributeError(f"module 'nasbench_kit.predictors' has no attribute {name!r}")
    value = _load(target)
    globals()[name] = value
    return value


__all__ = ["list_predictors", "make_predictor", *_CLASSES]
