"""Predictor-guided optimizers with the real default predictors and their options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import NPENAS, Bananas
from nasbench_kit.optimizers._guided import (
    FeatureModel,
    default_predictor,
    gp_predictor,
    xgb_ensemble_predictor,
)
from nasbench_kit.optimizers.testing import HashBenchmark, MeanPredictor
from nasbench_kit.predictors.fast_gp import FastGPPredictor


@pytest.mark.parametrize(
    ("make", "acquisition"),
    [(default_predictor, "ucb"), (gp_predictor, "ucb"), (xgb_ensemble_predictor, "its")],
)
def test_real_predictors_drive_bananas(make: object, acquisition: str) -> None:
    bench = HashBenchmark("nb201")
    opt = Bananas("nb201", n_init=5, predictor=make, acquisition=acquisition, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = nbk.run_search(opt, bench, "val_acc", max_queries=9, dedupe_isomorphic=True)
    assert len(df) == 9 and opt.n_fits == 9 - 5
    iso = [nbk.get_space("nb201").from_string(s).iso_hash for s in df["arch"]]
    assert len(set(iso)) == len(iso)  # never proposes an evaluated class twice


def test_options_and_validation() -> None:
    fake = lambda rng: MeanPredictor()  # noqa: E731
    bench = HashBenchmark("nb201")
    for kw in ({"patience": 3}, {"acq_rounds": 3}, {"n_random": 20},
               {"include_neighbors": False, "n_mutations": 50}, {"refit_every": 4},
               {"acquisition": "mean"}, {"acquisition": "its", "n_mutations": 30}):
        opt = Bananas("nb201", n_init=3, predictor=fake, seed=1, **kw)
        df = nbk.run_search(opt, bench, "val_acc", max_queries=25)
        assert len(df) == 25
    opt = Bananas("nb201", n_init=3, predictor=fake, refit_every=4, seed=1)
    nbk.run_search(opt, bench, "val_acc", max_queries=23)
    assert opt.n_fits == int(np.ceil((22 - 3 + 1) / 4))
    opt = Bananas("nb201", n_init=3, predictor=fake, patience=2, seed=1)
    nbk.run_search(opt, bench, "val_acc", max_queries=40)
    assert opt.n_restarts >= 1
    for bad in ({"acquisition": "ei"}, {"n_init": 1}, {"refit_every": 0}, {"patience": 0},
                {"include_neighbors": False}, {"acq_rounds": 0}):
        with pytest.raises(OutOfDomainError):
            Bananas("nb201", predictor=fake, **bad)
    with pytest.raises(OutOfDomainError):
        NPENAS("nb201", predictor=fake, n_candidates=0)


def test_std_free_predictor_needs_mean_acquisition() -> None:
    class NoStd(MeanPredictor):
        predict_std = None  # type: ignore[assignment]

    opt = Bananas("nb201", n_init=3, predictor=lambda rng: NoStd(), acquisition="its", seed=0)
    with pytest.raises(OutOfDomainError, match="predict_std"):
        nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=10)


@pytest.mark.parametrize("cls", [Bananas, NPENAS])
def test_unfitted_predictor_instance_is_cloned_per_fit(cls: type) -> None:
    """E.3: ``predictor=GPPredictor()`` used to fail with "'GPPredictor' object is not callable"."""
    from nasbench_kit.predictors import GPPredictor

    proto = GPPredictor(n_restarts_optimizer=0)
    opt = cls("nb201", n_init=4, predictor=proto, acquisition="ucb", seed=0)
    df = nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=8)
    assert len(df) == 8 and opt.n_fits == 8 - 4
    assert not hasattr(proto, "model_") and proto.seed is None  # the prototype stays unfitted
    seeds = {opt._make_predictor(np.random.default_rng(i)).seed for i in range(3)}
    assert len(seeds) == 3  # each clone gets a seed drawn from the optimizer's generator
    again = nbk.run_search(cls("nb201", n_init=4, predictor=GPPredictor(n_restarts_optimizer=0),
                               acquisition="ucb", seed=0), HashBenchmark("nb201"), "val_acc",
                           max_queries=8)
    assert df.equals(again)


def test_plain_object_instances_and_bad_predictors() -> None:
    opt = Bananas("nb201", n_init=3, predictor=MeanPredictor(), acquisition="mean", seed=0)
    nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=6)
    assert opt.n_fits == 3
    for bad in (MeanPredictor, "gp", 3):  # a class, a name, a number
        with pytest.raises(OutOfDomainError, match="predictor"):
            Bananas("nb201", predictor=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [Bananas, NPENAS])
def test_default_encodes_each_architecture_once_and_refits_one_model(
    cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nasbench_kit.encoders import StructureEncoder

    encoded: list[str] = []
    real = StructureEncoder._encode

    def spy(self: StructureEncoder, archs: list) -> np.ndarray:
        encoded.extend(a.hash for a in archs)
        return real(self, archs)

    monkeypatch.setattr(StructureEncoder, "_encode", spy)
    opt, bench = cls("nb201", seed=0), HashBenchmark("nb201")
    models = []
    for _ in range(40):
        arch = opt.ask()
        opt.tell(arch, bench.query(arch, "val_acc"))
        models.append(opt._model)
    assert isinstance(opt._model, FastGPPredictor) and isinstance(opt._model, FeatureModel)
    assert len({id(m) for m in models if m is not None}) == 1  # refitted in place, warm
    assert opt.n_fits == 40 - 10
    assert len(encoded) == len(set(encoded)) > 100  # every architecture encoded once


def test_neighbours_are_computed_once_per_architecture(monkeypatch: pytest.MonkeyPatch) -> None:
    sp = nbk.get_space("nb201")
    asked: list[str] = []
    real = sp.neighbors

    def spy(arch):  # type: ignore[no-untyped-def]
        asked.append(arch.hash)
        return real(arch)

    monkeypatch.setattr(sp, "neighbors", spy)
    opt = Bananas("nb201", predictor=MeanPredictor(), acquisition="mean", seed=0)
    nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=30)
    assert asked and len(asked) == len(set(asked))


def test_feature_model_instance_is_cloned_and_used_on_the_fast_path() -> None:
    proto = FastGPPredictor(nu=2.5)
    opt = Bananas("nb201", n_init=4, predictor=proto, seed=0)
    df = nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=12)
    assert len(df) == 12 and opt._model is not proto and opt._model.nu == 2.5
    assert opt._encoder is not None and len(opt._rows) > 12
    assert not hasattr(proto, "chol_")
    again = nbk.run_search(Bananas("nb201", n_init=4, predictor=proto, seed=0),
                           HashBenchmark("nb201"), "val_acc", max_queries=12)
    assert df.equals(again)  # same seed, same run


def test_new_defaults() -> None:
    b, n = Bananas("nb201"), NPENAS("nb201")
    assert (b.acquisition, b.n_mutations, b.acq_rounds) == ("ucb", 0, 3)
    assert b._make_predictor is default_predictor and n._make_predictor is default_predictor
    assert isinstance(default_predictor(np.random.default_rng(0)), FastGPPredictor)


@pytest.mark.parametrize("space", ["nb101", "darts", "nbgraph"])
def test_default_fast_path_works_on_other_spaces(space: str) -> None:
    for opt in (Bananas(space, n_init=4, acq_rounds=1, seed=0),
                NPENAS(space, n_init=4, n_candidates=20, seed=0)):
        df = nbk.run_search(opt, HashBenchmark(space), "val_acc", max_queries=8,
                            dedupe_isomorphic=True)
        assert len(df) == 8 and df["value"].notna().all() and opt.n_fits == 4
        assert isinstance(opt._model, FastGPPredictor) and len(opt._rows) >= 8


def test_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from nasbench_kit.optimizers import _guided

    monkeypatch.setattr(_guided, "CACHE_LIMIT", 300)  # unbounded, this run keeps ~760 rows
    opt = Bananas("nb201", n_init=4, seed=0)
    df = nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=15)
    assert len(df) == 15 and opt.n_fits == 11
    assert 0 < len(opt._rows) <= 300 + 240  # the limit, plus at most one batch of candidates
    monkeypatch.setattr(_guided, "CACHE_LIMIT", 20)  # ~60 neighbour lists unbounded
    opt = Bananas("nb201", n_init=4, seed=0)
    nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=15)
    assert 0 < len(opt._nbrs) <= 20
