"""Runner semantics: simulated clock, budgets, missing rows, dedupe, fidelity, run_many."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import NotInTableError, OutOfDomainError, UnknownMetricError
from nasbench_kit.optimizers import (
    NSGA2,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    SuccessiveHalving,
)
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.pareto import hypervolume, pareto_mask
from nasbench_kit.runner import COLUMNS


@pytest.fixture(scope="module")
def table() -> object:
    """A full NB201 table: val_acc/latency/train_time at 12 and 200 epochs, 2 seeds."""
    from nasbench_kit.tables.benchmark import Benchmark

    sp = nbk.get_space("nb201")
    archs = list(sp.enumerate())
    rng = np.random.default_rng(0)
    n = len(archs)
    acc = rng.uniform(80, 95, size=(n, 2))
    vals = np.zeros((n, 2, 2, 3))
    vals[:, :, 1, 0] = acc
    vals[:, :, 0, 0] = acc - 10
    vals[:, :, :, 1] = rng.uniform(5, 25, size=(n, 1, 1))
    time200 = rng.uniform(100, 1000, size=(n, 1))
    vals[:, :, 1, 2] = time200
    vals[:, :, 0, 2] = time200 * 12 / 200
    return Benchmark.from_arrays(
        name="test/nb201-synthetic", space="nb201", dataset="synthetic", archs=archs,
        metrics=("val_acc", "latency", "train_time"), values=vals, seeds=(0, 1),
        fidelities=(12.0, 200.0), cost_metric="train_time",
        units={"val_acc": "%", "latency": "ms", "train_time": "s"},
    )  # fmt: skip


def test_columns_clock_and_regret(table: object) -> None:
    df = nbk.run_search(RegularizedEvolution("nb201", seed=0), table, "val_acc", max_queries=120)
    assert list(df.columns) == COLUMNS
    assert np.allclose(df["time"], np.cumsum(df["cost"]))  # one fidelity: clock = sum of costs
    assert (np.diff(df["incumbent"]) >= 0).all()
    assert df["incumbent"].iloc[-1] == df["value"].max()
    assert (df["regret"] >= 0).all()
    best = table.best("val_acc")[1]
    assert df["regret"].iloc[-1] == pytest.approx(best - df["incumbent"].iloc[-1])
    assert df.attrs["optimum"] == pytest.approx(best)


def test_minimize_orients_incumbent_and_regret(table: object) -> None:
    df = nbk.run_search(RandomSearch("nb201", seed=1), table, "latency", max_queries=50,
                        maximize=False)
    assert (np.diff(df["incumbent"]) <= 0).all()
    assert df["incumbent"].iloc[-1] == df["value"].min()
    assert (df["regret"] >= 0).all()


def test_max_seconds_stops_exactly(table: object) -> None:
    full = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_queries=40)
    budget = float(full["time"].iloc[9]) + float(full["cost"].iloc[10]) / 2
    df = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_seconds=budget)
    # the 11th query would cross the budget: it is neither counted nor told
    assert len(df) == 10 and df["time"].iloc[-1] <= budget
    assert df.equals(full.iloc[:10])
    assert df.attrs["stopped"] == "max_seconds"
    both = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_queries=5,
                          max_seconds=1e9)
    assert len(both) == 5


def test_budget_and_argument_errors(table: object) -> None:
    no_cost = HashBenchmark("nb201", cost=False)
    with pytest.raises(OutOfDomainError, match="no cost metric"):
        nbk.run_search(RandomSearch("nb201", seed=0), no_cost, "val_acc", max_seconds=10.0)
    df = nbk.run_search(RandomSearch("nb201", seed=0), no_cost, "val_acc", max_queries=5)
    assert (df["time"] == 0).all()  # no timing: incumbent vs time is not available
    with pytest.raises(OutOfDomainError, match="budget"):
        nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc")
    with pytest.raises(UnknownMetricError, match="train_time"):
        nbk.run_search(RandomSearch("nb201", seed=0), table, "acc", max_queries=5)
    with pytest.raises(UnknownMetricError, match="fidelity"):
        nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=5,
                       fidelity=50)
    with pytest.raises(OutOfDomainError, match="on_missing"):
        nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=5,
                       on_missing="skip")


def test_missing_rows_fail_or_raise() -> None:
    bench = HashBenchmark("nb201", missing_every=2)
    df = nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=30)
    missing = df["value"].isna()
    assert len(df) == 30 and missing.any() and (df.loc[missing, "cost"] == 0).all()
    with pytest.raises(NotInTableError):
        nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=30,
                       on_missing="raise")


def test_dedupe_isomorphic_skips_repeats_for_free(table: object) -> None:
    sp = nbk.get_space("nb201")
    plain = nbk.run_search(RegularizedEvolution("nb201", seed=5), table, "val_acc",
                           max_queries=400)
    iso = [sp.from_string(s).iso_hash for s in plain["arch"]]
    assert len(set(iso)) < len(iso)  # plain REA repeats itself
    dd = nbk.run_search(RegularizedEvolution("nb201", seed=5), table, "val_acc",
                        max_queries=400, dedupe_isomorphic=True)
    iso = [sp.from_string(s).iso_hash for s in dd["arch"]]
    assert len(set(iso)) == len(iso) == 400


def test_multi_fidelity_resume_charges_only_extra_training(table: object) -> None:
    opt = SuccessiveHalving("nb201", eta=3, seed=0)
    df = nbk.run_search(opt, table, "val_acc", max_queries=40)
    assert set(df["fidelity"]) == {12.0, 200.0}
    low = df[df["fidelity"] == 12.0]
    assert df["incumbent"].iloc[: low.index[0] + 1].isna().all()  # low fidelity is no incumbent
    charged = np.diff(np.r_[0.0, df["time"]])
    for i, row in df.iterrows():
        if row["fidelity"] == 200.0 and (low["arch"] == row["arch"]).any():
            cost12 = low.loc[low["arch"] == row["arch"], "cost"].iloc[0]
            assert charged[i] == pytest.approx(row["cost"] - cost12)
        else:
            assert charged[i] == pytest.approx(row["cost"])
    flat = nbk.run_search(SuccessiveHalving("nb201", eta=3, seed=0), table, "val_acc",
                          max_queries=40, resume=False)
    assert np.allclose(flat["time"], np.cumsum(flat["cost"]))


def test_noisy_seed_draws_training_seeds(table: object) -> None:
    mean = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20)
    noisy = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20,
                           seed=7)
    again = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20,
                           seed=7)
    assert mean["arch"].tolist() == noisy["arch"].tolist()
    assert not np.allclose(mean["value"], noisy["value"])
    assert noisy.equals(again)


def test_multi_objective_hypervolume_trajectory(table: object) -> None:
    df = nbk.run_search(NSGA2("nb201", population_size=10, seed=0), table,
                        ("val_acc", "latency"), maximize=(True, False), max_queries=60)
    assert {"val_acc", "latency"} <= set(df.columns)
    assert (np.diff(df["incumbent"]) >= -1e-9).all() and (df["regret"] >= -1e-9).all()
    ref = df.attrs["hv_ref"]
    pts = df[["val_acc", "latency"]].to_numpy()
    assert df["incumbent"].iloc[-1] == pytest.approx(
        hypervolume(pts[pareto_mask(pts, (True, False))], ref, (True, False)))
    with pytest.raises(OutOfDomainError, match="multi-objective"):
        nbk.run_search(LocalSearch("nb201", seed=0), table, ("val_acc", "latency"),
                       maximize=(True, False), max_queries=3)


def test_run_many_is_deterministic_across_workers(table: object) -> None:
    def make(s: int) -> RegularizedEvolution:
        return RegularizedEvolution("nb201", population_size=10, sample_size=3, seed=s)

    kw = dict(seeds=range(5), max_queries=60, dedupe_isomorphic=True)
    one = nbk.run_many(make, table, "val_acc", workers=1, **kw)
    two = nbk.run_many(lambda s: make(s), table, "val_acc", workers=2, **kw)  # lambda is fine
    with ThreadPoolExecutor(2) as ex:
        threads = nbk.run_many(make, table, "val_acc", executor=ex, **kw)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, threads)
    assert one.columns[0] == "seed" and one.groupby("seed").size().tolist() == [60] * 5
    single = nbk.run_search(make(3), table, "val_acc", max_queries=60, dedupe_isomorphic=True)
    pd.testing.assert_frame_equal(
        one[one["seed"] == 3].drop(columns="seed").reset_index(drop=True), single)


def test_run_many_errors(table: object) -> None:
    with pytest.raises(UnknownMetricError):
        nbk.run_many(lambda s: LocalSearch("nb201", seed=s), table, "nope", max_queries=3)
    with pytest.raises(OutOfDomainError, match="seeds"):
        nbk.run_many(lambda s: LocalSearch("nb201", seed=s), table, "val_acc", seed=1,
                     max_queries=3)
