"""run_many: same seed, same trajectory in every executor; evaluators travel by pickling."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError, UnknownMetricError
from nasbench_kit.optimizers import LocalSearch, OptimizerFactory, RegularizedEvolution


def _rea(s: int) -> RegularizedEvolution:
    return RegularizedEvolution("nb201", population_size=10, sample_size=3, seed=s)


def test_same_trajectories_serial_fork_and_threads(table) -> None:
    kw = dict(seeds=range(5), max_queries=60, dedupe_isomorphic=True)
    one = nbk.run_many(_rea, table, "val_acc", workers=1, **kw)
    two = nbk.run_many(lambda s: _rea(s), table, "val_acc", workers=2, **kw)  # lambda is fine
    with ThreadPoolExecutor(2) as ex:
        threads = nbk.run_many(_rea, table, "val_acc", executor=ex, **kw)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, threads)
    assert one.columns[0] == "seed" and one.groupby("seed").size().tolist() == [60] * 5
    single = nbk.run_search(_rea(3), table, "val_acc", max_queries=60, dedupe_isomorphic=True)
    pd.testing.assert_frame_equal(
        one[one["seed"] == 3].drop(columns="seed").reset_index(drop=True), single)


def test_noisy_runs_draw_training_seeds_per_run(table) -> None:
    kw = dict(seeds=[4, 1], max_queries=15, noisy=True)
    df = nbk.run_many(_rea, table, "val_acc", **kw)
    assert df["seed"].drop_duplicates().tolist() == [4, 1]  # the order of seeds
    alone = nbk.run_search(_rea(1), table, "val_acc", max_queries=15, seed=1)
    pd.testing.assert_frame_equal(
        df[df["seed"] == 1].drop(columns="seed").reset_index(drop=True), alone)


def test_joined_in_memory_table_in_a_spawned_process_pool() -> None:
    """An in-memory (joined) table reaches spawned workers by value, results identical."""
    acc = nbk.load("analognas/cifar10")
    archs = acc.archs()
    lat = np.random.default_rng(0).uniform(1.0, 9.0, size=(len(archs), 1))
    latency = nbk.Benchmark.from_arrays(name="test/latency", space="nb201", dataset="cifar10",
                                        archs=archs, metrics=("latency",), values=lat)  # fmt: skip
    joined = nbk.join(acc, latency)
    assert joined.metadata["path"] is None  # in memory: no file to reopen by name
    make = OptimizerFactory("rea", "nb201", {"population_size": 10, "sample_size": 3})
    kw = dict(seeds=range(4), max_queries=40)
    serial = nbk.run_many(make, joined, "test_acc", **kw)
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as ex:
        spawned = nbk.run_many(make, joined, "test_acc", executor=ex, **kw)
    pd.testing.assert_frame_equal(serial, spawned)


def test_argument_errors_fail_before_any_worker(table) -> None:
    make = lambda s: LocalSearch("nb201", seed=s)  # noqa: E731
    with pytest.raises(UnknownMetricError):
        nbk.run_many(make, table, "nope", max_queries=3)
    with pytest.raises(OutOfDomainError, match="seeds"):
        nbk.run_many(make, table, "val_acc", seed=1, max_queries=3)
    for seeds in ([], [-1], [0.5], "abc"):
        with pytest.raises(OutOfDomainError, match="seed"):
            nbk.run_many(make, table, "val_acc", seeds=seeds, max_queries=3)
    with pytest.raises(OutOfDomainError, match="workers"):
        nbk.run_many(make, table, "val_acc", workers=0, max_queries=3)
    with pytest.raises(OutOfDomainError, match="Executor"):
        nbk.run_many(make, table, "val_acc", executor=object(), max_queries=3)  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError, match="budget"):
        nbk.run_many(make, table, "val_acc")


def test_unpicklable_factory_for_a_process_executor_is_a_clear_error(table) -> None:
    with ProcessPoolExecutor(1) as ex, pytest.raises(OutOfDomainError, match="pickled"):
        nbk.run_many(lambda s: LocalSearch("nb201", seed=s), table, "val_acc", executor=ex,
                     max_queries=3)  # fmt: skip


def test_progress_bar_does_not_change_results(table) -> None:
    kw = dict(seeds=range(2), max_queries=10)
    quiet = nbk.run_many(_rea, table, "val_acc", progress=False, **kw)
    shown = nbk.run_many(_rea, table, "val_acc", progress=True, **kw)
    pd.testing.assert_frame_equal(quiet, shown)
