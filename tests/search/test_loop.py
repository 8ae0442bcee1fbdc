"""run_search semantics: simulated clock, budgets, missing rows, dedupe, fidelity, regret."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import (
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
)
from nasbench_kit.optimizers import (
    NSGA2,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    SuccessiveHalving,
)
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.pareto import hypervolume, pareto_mask
from nasbench_kit.search import COLUMNS
from nasbench_kit.search.spec import default_hv_ref


def test_columns_clock_regret_and_provenance(table) -> None:
    df = nbk.run_search(RegularizedEvolution("nb201", seed=0), table, "val_acc", max_queries=120)
    assert list(df.columns) == list(COLUMNS)
    assert np.allclose(df["time"], np.cumsum(df["cost"]))  # one fidelity: clock = sum of costs
    assert (np.diff(df["incumbent"]) >= 0).all()
    assert df["incumbent"].iloc[-1] == df["value"].max()
    assert (df["regret"] >= 0).all()
    best = table.optimum("val_acc")
    assert df["regret"].iloc[-1] == pytest.approx(best - df["incumbent"].iloc[-1])
    assert df.attrs["optimum"] == pytest.approx(best)
    answer = table.query(df["arch"].iloc[0], "val_acc")
    assert set(df["provenance"]) == {answer.provenance}


def test_unknown_optimum_gives_nan_regret_not_an_error() -> None:
    """An evaluator whose optimum is None (a surrogate, HashBenchmark): regret NaN."""
    bench = HashBenchmark("nb201")
    df = nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=10)
    assert df["regret"].isna().all() and math.isnan(df.attrs["optimum"])
    assert df["incumbent"].notna().all()
    assert (df["provenance"] == bench.provenance).all()


def test_minimize_orients_incumbent_and_regret(table) -> None:
    df = nbk.run_search(RandomSearch("nb201", seed=1), table, "latency", max_queries=50,
                        maximize=False)  # fmt: skip
    assert (np.diff(df["incumbent"]) <= 0).all()
    assert df["incumbent"].iloc[-1] == df["value"].min()
    assert (df["regret"] >= 0).all()
    assert df.attrs["optimum"] == pytest.approx(table.optimum("latency", maximize=False))


def test_max_seconds_stops_exactly(table) -> None:
    full = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_queries=40)
    budget = float(full["time"].iloc[9]) + float(full["cost"].iloc[10]) / 2
    df = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_seconds=budget)
    # the 11th query would cross the budget: it is neither counted nor told
    assert len(df) == 10 and df["time"].iloc[-1] <= budget
    assert df.equals(full.iloc[:10])
    assert df.attrs["stopped"] == "max_seconds"
    both = nbk.run_search(RandomSearch("nb201", seed=2), table, "val_acc", max_queries=5,
                          max_seconds=1e9)  # fmt: skip
    assert len(both) == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, OutOfDomainError, "budget"),
        ({"max_queries": -1}, OutOfDomainError, "max_queries"),
        ({"max_queries": 2.5}, OutOfDomainError, "max_queries"),
        ({"max_seconds": -1.0}, OutOfDomainError, "max_seconds"),
        ({"max_queries": 5, "fidelity": 50}, UnknownFidelityError, "12.0"),
        ({"max_queries": 5, "on_missing": "skip"}, OutOfDomainError, "on_missing"),
        ({"max_queries": 5, "seed": -3}, OutOfDomainError, "seed"),
        ({"max_queries": 5, "maximize": (True, False)}, OutOfDomainError, "maximize"),
        ({"max_queries": 5, "max_free_asks": -1}, OutOfDomainError, "max_free_asks"),
    ],
)
def test_argument_errors_before_any_query(table, kwargs, error, match) -> None:
    opt = RandomSearch("nb201", seed=0)
    with pytest.raises(error, match=match):
        nbk.run_search(opt, table, "val_acc", **kwargs)
    assert opt.n_asked == 0


def test_metric_errors_and_non_evaluators(table) -> None:
    with pytest.raises(UnknownMetricError, match="train_time"):
        nbk.run_search(RandomSearch("nb201", seed=0), table, "acc", max_queries=5)
    with pytest.raises(OutOfDomainError, match="at most two"):
        nbk.run_search(NSGA2("nb201", seed=0), table, ("val_acc", "latency", "train_time"),
                       maximize=(True, False, False), max_queries=5)  # fmt: skip
    with pytest.raises(OutOfDomainError, match="Evaluator protocol"):
        nbk.run_search(RandomSearch("nb201", seed=0), {"val_acc": 1.0}, "val_acc", max_queries=5)


def test_max_seconds_needs_a_cost_metric() -> None:
    no_cost = HashBenchmark("nb201", cost=False)
    with pytest.raises(OutOfDomainError, match="no cost metric"):
        nbk.run_search(RandomSearch("nb201", seed=0), no_cost, "val_acc", max_seconds=10.0)
    df = nbk.run_search(RandomSearch("nb201", seed=0), no_cost, "val_acc", max_queries=5)
    assert (df["time"] == 0).all()  # no timing: incumbent vs time is not available


def test_missing_rows_fail_or_raise() -> None:
    bench = HashBenchmark("nb201", missing_every=2)
    df = nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=30)
    missing = df["value"].isna()
    assert len(df) == 30 and missing.any() and (df.loc[missing, "cost"] == 0).all()
    assert (df.loc[missing, "provenance"] == "").all()
    assert (df.loc[~missing, "provenance"] == bench.provenance).all()
    with pytest.raises(NotInTableError):
        nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=30,
                       on_missing="raise")  # fmt: skip


def test_dedupe_isomorphic_skips_repeats_for_free(table) -> None:
    sp = nbk.get_space("nb201")
    plain = nbk.run_search(RegularizedEvolution("nb201", seed=5), table, "val_acc",
                           max_queries=400)  # fmt: skip
    iso = [sp.from_string(s).iso_hash for s in plain["arch"]]
    assert len(set(iso)) < len(iso)  # plain REA repeats itself
    dd = nbk.run_search(RegularizedEvolution("nb201", seed=5), table, "val_acc",
                        max_queries=400, dedupe_isomorphic=True)  # fmt: skip
    iso = [sp.from_string(s).iso_hash for s in dd["arch"]]
    assert len(set(iso)) == len(iso) == 400


def test_exhausted_space_stops_the_run() -> None:
    bench = HashBenchmark("nb201")
    df = nbk.run_search(LocalSearch("nb201", seed=0), bench, "val_acc", max_queries=10**6,
                        dedupe_isomorphic=True, max_free_asks=0)  # fmt: skip
    assert df.attrs["stopped"] == "exhausted" and 0 < len(df) < 10**6


def test_multi_fidelity_resume_charges_only_extra_training(table) -> None:
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
                          max_queries=40, resume=False)  # fmt: skip
    assert np.allclose(flat["time"], np.cumsum(flat["cost"]))


def test_noisy_seed_draws_training_seeds(table) -> None:
    mean = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20)
    noisy = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20,
                           seed=7)  # fmt: skip
    again = nbk.run_search(RandomSearch("nb201", seed=0), table, "val_acc", max_queries=20,
                           seed=7)  # fmt: skip
    assert mean["arch"].tolist() == noisy["arch"].tolist()
    assert not np.allclose(mean["value"], noisy["value"])
    assert noisy.equals(again)


def test_two_metrics_hypervolume_against_the_true_front(table) -> None:
    flags = (True, False)
    df = nbk.run_search(NSGA2("nb201", population_size=10, seed=0), table,
                        ("val_acc", "latency"), maximize=flags, max_queries=60)  # fmt: skip
    assert {"val_acc", "latency"} <= set(df.columns)
    assert (np.diff(df["incumbent"]) >= -1e-9).all() and (df["regret"] >= -1e-9).all()
    front = table.pareto_front(("val_acc", "latency"), flags)
    ref = df.attrs["hv_ref"]
    assert ref == pytest.approx(list(default_hv_ref(np.asarray(front), flags)))
    assert df.attrs["optimum"] == pytest.approx(hypervolume(front, ref, flags))
    pts = df[["val_acc", "latency"]].to_numpy()
    found = hypervolume(pts[pareto_mask(pts, flags)], ref, flags)
    assert df["incumbent"].iloc[-1] == pytest.approx(found)
    mine = nbk.run_search(NSGA2("nb201", population_size=10, seed=0), table,
                          ("val_acc", "latency"), maximize=flags, max_queries=5,
                          hv_ref=(0.0, 100.0))  # fmt: skip
    assert mine.attrs["hv_ref"] == [0.0, 100.0]
    with pytest.raises(OutOfDomainError, match="multi-objective"):
        nbk.run_search(LocalSearch("nb201", seed=0), table, ("val_acc", "latency"),
                       maximize=flags, max_queries=3)  # fmt: skip


def test_default_hv_ref_counts_every_front_point() -> None:
    front = np.array([[95.0, 20.0], [90.0, 10.0], [80.0, 5.0]])
    ref = default_hv_ref(front, (True, False))
    assert ref == pytest.approx((78.5, 21.5))
    single = default_hv_ref(front[:1], (True, False))  # zero range: pushed by 10% of |value|
    assert single == pytest.approx((85.5, 22.0))
    assert hypervolume(front, ref, (True, False)) > hypervolume(front[:2], ref, (True, False))
