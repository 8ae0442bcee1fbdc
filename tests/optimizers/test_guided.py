"""Predictor-guided optimizers with the real default predictors and their options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import NPENAS, Bananas
from nasbench_kit.optimizers._guided import default_predictor, gp_predictor
from nasbench_kit.optimizers.testing import HashBenchmark, MeanPredictor


@pytest.mark.parametrize("make", [default_predictor, gp_predictor])
def test_real_predictors_drive_bananas(make: object) -> None:
    pytest.importorskip("nasbench_kit.predictors.ensemble")
    bench = HashBenchmark("nb201")
    opt = Bananas("nb201", n_init=5, predictor=make, acquisition="ucb", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = nbk.run_search(opt, bench, "val_acc", max_queries=12, dedupe_isomorphic=True)
    assert len(df) == 12 and opt.n_fits == 12 - 5
    iso = [nbk.get_space("nb201").from_string(s).iso_hash for s in df["arch"]]
    assert len(set(iso)) == len(iso)  # never proposes an evaluated class twice


def test_options_and_validation() -> None:
    fake = lambda rng: MeanPredictor()  # noqa: E731
    bench = HashBenchmark("nb201")
    for kw in ({"patience": 3}, {"acq_rounds": 3}, {"n_random": 20},
               {"include_neighbors": False}, {"refit_every": 4}, {"acquisition": "mean"}):
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
                {"include_neighbors": False, "n_mutations": 0}, {"acq_rounds": 0}):
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

    proto = GPPredictor()
    opt = cls("nb201", n_init=4, predictor=proto, acquisition="ucb", seed=0)
    df = nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=8)
    assert len(df) == 8 and opt.n_fits == 8 - 4
    assert not hasattr(proto, "model_") and proto.seed is None  # the prototype stays unfitted
    seeds = {opt._make_predictor(np.random.default_rng(i)).seed for i in range(3)}
    assert len(seeds) == 3  # each clone gets a seed drawn from the optimizer's generator
    again = nbk.run_search(cls("nb201", n_init=4, predictor=GPPredictor(), acquisition="ucb",
                               seed=0), HashBenchmark("nb201"), "val_acc", max_queries=8)
    assert df.equals(again)


def test_plain_object_instances_and_bad_predictors() -> None:
    opt = Bananas("nb201", n_init=3, predictor=MeanPredictor(), acquisition="mean", seed=0)
    nbk.run_search(opt, HashBenchmark("nb201"), "val_acc", max_queries=6)
    assert opt.n_fits == 3
    for bad in (MeanPredictor, "gp", 3):  # a class, a name, a number
        with pytest.raises(OutOfDomainError, match="predictor"):
            Bananas("nb201", predictor=bad)  # type: ignore[arg-type]
