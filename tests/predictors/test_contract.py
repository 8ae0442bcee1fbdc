"""One contract suite for every predictor, on every space it claims."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest
from sklearn.base import clone

from nasbench_kit.encoders import StructureEncoder
from nasbench_kit.errors import NotFittedError, OutOfDomainError
from nasbench_kit.predictors import (
    EnsemblePredictor,
    FastGPPredictor,
    FeaturePredictor,
    GCNPredictor,
    GINPredictor,
    GPPredictor,
    LinearPredictor,
    MLPPredictor,
    RandomForestPredictor,
    XGBPredictor,
    list_predictors,
    make_predictor,
)
from nasbench_kit.spaces import get_space

SPACES = ["nb101", "nb201", "darts", "nbgraph"]
N_TRAIN = 24


@functools.cache
def pool(space: str) -> tuple:
    """Distinct sampled archs, a synthetic target, and a feature table keyed by hash."""
    sp = get_space(space)
    seen: dict = {}
    s = 0
    while len(seen) < N_TRAIN + 8:
        a = sp.sample(seed=s)
        seen.setdefault(a.hash, a)
        s += 1
    archs = list(seen.values())
    rng = np.random.default_rng(0)
    feats = {a.hash: rng.random(3) + 0.1 for a in archs}
    y = np.array([feats[a.hash] @ [3.0, 1.0, 0.5] for a in archs])
    return archs, y, feats


# Small, fast settings; the keys cover every name of the registry (checked below).
FACTORIES: dict[str, Callable[[str], object]] = {
    "xgb": lambda sp: XGBPredictor(n_estimators=30),
    "rf": lambda sp: RandomForestPredictor(n_estimators=20),
    "mlp": lambda sp: MLPPredictor(epochs=3, hidden=(16,)),
    "mlp-mse": lambda sp: MLPPredictor(epochs=3, hidden=(16,), loss="mse"),
    "gin": lambda sp: GINPredictor(epochs=2, hidden=16, layers=2),
    "gcn": lambda sp: GCNPredictor(epochs=2, hidden=16, layers=2, loss="pairwise"),
    "gp": lambda sp: GPPredictor(n_restarts_optimizer=0),
    "fastgp": lambda sp: FastGPPredictor(),
    "linear": lambda sp: LinearPredictor(),
    "ensemble": lambda sp: EnsemblePredictor(XGBPredictor(n_estimators=20), n_members=2),
    "ensemble-boot": lambda sp: EnsemblePredictor(
        RandomForestPredictor(n_estimators=10), n_members=2, bootstrap=True),
    "feature": lambda sp: FeaturePredictor(pool(sp)[2]),
    "feature-linear+enc": lambda sp: FeaturePredictor(
        pool(sp)[2], encoder=StructureEncoder(), model="linear"),
}  # fmt: skip
CASES = [(name, sp) for name in FACTORIES for sp in SPACES]


def test_suite_covers_every_registered_predictor() -> None:
    covered = {name.split("-")[0] for name in FACTORIES}
    assert set(list_predictors()) <= covered
    for name in list_predictors():
        assert make_predictor(name).get_params()  # builds with defaults


@functools.cache
def fitted(name: str, space: str, seed: int = 0) -> object:
    archs, y, _ = pool(space)
    p = FACTORIES[name](space)
    p.set_params(seed=seed)
    out = p.fit(archs[:N_TRAIN], y[:N_TRAIN])
    assert out is p
    return p


@pytest.mark.parametrize(("name", "space"), CASES)
def test_fit_predict_shapes_and_seed(name: str, space: str) -> None:
    archs, _, _ = pool(space)
    p = fitted(name, space)
    pred = p.predict(archs)
    assert pred.dtype == np.float64 and pred.shape == (len(archs),)
    assert np.isfinite(pred).all()
    again = fitted.__wrapped__(name, space)  # a second, independent fit with the same seed
    assert np.array_equal(again.predict(archs), pred)
    strings = [get_space(space).to_string(a) for a in archs[:4]]
    assert np.array_equal(p.predict(strings), pred[:4])
    if hasattr(p, "predict_std"):
        std = p.predict_std(archs)
        assert std.shape == (len(archs),) and (std >= 0).all()


@pytest.mark.parametrize(("name", "space"), CASES)
def test_sklearn_conventions(name: str, space: str) -> None:
    proto = FACTORIES[name](space)
    params = proto.get_params(deep=False)
    rebuilt = type(proto)(**params)
    assert all(rebuilt.get_params(deep=False)[k] is v for k, v in params.items())
    p = fitted(name, space)
    c = clone(p)
    assert type(c) is type(p) and not any(k.endswith("_") for k in vars(c))
    fitted_attrs = set(vars(p)) - set(params)
    assert fitted_attrs and all(k.endswith("_") for k in fitted_attrs), fitted_attrs


@pytest.mark.parametrize("name", list(FACTORIES))
def test_errors(name: str) -> None:
    space = "nb201"
    archs, y, _ = pool(space)
    p = FACTORIES[name](space)
    with pytest.raises(NotFittedError):
        p.predict(archs[:2])
    with pytest.raises(OutOfDomainError):
        p.fit([], [])
    with pytest.raises(OutOfDomainError):
        p.fit(archs[:5], y[:4])
    with pytest.raises(OutOfDomainError):
        p.fit(archs[:5], [1.0, 2.0, float("nan"), 1.0, 2.0])
    with pytest.raises(OutOfDomainError):
        p.fit(archs[0], y[:1])  # a single arch, not a list
    q = fitted(name, space)
    with pytest.raises(OutOfDomainError):
        q.predict([])
    with pytest.raises(OutOfDomainError):  # an architecture of another space
        q.predict(pool("nbgraph")[0][:2])


def test_generator_seed_is_accepted() -> None:
    archs, y, _ = pool("nb201")
    a = XGBPredictor(n_estimators=20, seed=np.random.default_rng(3)).fit(archs, y).predict(archs)
    b = XGBPredictor(n_estimators=20, seed=np.random.default_rng(3)).fit(archs, y).predict(archs)
    assert np.array_equal(a, b)


def test_bad_options_raise() -> None:
    archs, y, _ = pool("nb201")
    with pytest.raises(OutOfDomainError):
        MLPPredictor(loss="hinge", epochs=1).fit(archs, y)
    with pytest.raises(OutOfDomainError):
        EnsemblePredictor(n_members=0).fit(archs, y)
    with pytest.raises(OutOfDomainError):
        FeaturePredictor().fit(archs, y)
    with pytest.raises(OutOfDomainError):
        GINPredictor(encoder=StructureEncoder(), epochs=1).fit(archs, y)
    with pytest.raises(OutOfDomainError):
        make_predictor("nope")
