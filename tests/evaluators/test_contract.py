"""The Evaluator contract over the table and the test double.

Surrogates, fallback chains and live training call ``check_evaluator`` from
their own test modules.
"""

from __future__ import annotations

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.evaluators import Evaluator
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.optimizers.testing import HashBenchmark


def _in_memory_table() -> object:
    """A Benchmark.from_arrays table with two training seeds and two fidelities."""
    archs = list(nbk.get_space("nb201").enumerate())[:300]
    rng = np.random.default_rng(1)
    values = rng.uniform(50, 90, size=(len(archs), 2, 2, 2))
    values[:, :, :, 1] = np.array([12.0, 200.0]) * 3.0  # train_time grows with epochs
    return nbk.Benchmark.from_arrays(
        name="test/in-memory", space="nb201", dataset="synthetic", archs=archs,
        metrics=("val_acc", "train_time"), values=values, seeds=(0, 1),
        fidelities=(12.0, 200.0), cost_metric="train_time",
        units={"val_acc": "%", "train_time": "s"},
    )  # fmt: skip


def test_embedded_table_keeps_the_contract() -> None:
    bench = nbk.load("analognas/cifar10")
    check_evaluator(bench, bench.archs()[:5], "test_acc", kinds=("table",))
    assert bench.optimum("test_acc") == pytest.approx(float(np.nanmax(
        bench.query_many(bench.archs(), "test_acc"))))


def test_in_memory_table_with_seeds_and_fidelities_keeps_the_contract() -> None:
    bench = _in_memory_table()
    archs = bench.archs()[:6]
    check_evaluator(bench, archs, "val_acc", kinds=("table",))
    low = bench.query(archs[0], "val_acc", fidelity=12.0, seed=1)
    assert (low.fidelity, low.seed, low.cost) == (12.0, 1, 36.0)
    assert bench.optimum("val_acc", fidelity=12.0) is not None


@pytest.mark.parametrize("kwargs", [{}, {"fidelities": (12.0, 200.0), "seeds": (0, 1)},
                                    {"cost": False}, {"missing_every": 3}])  # fmt: skip
@pytest.mark.parametrize("space", ["nb201", "nb101", "darts", "nbgraph"])
def test_hash_benchmark_keeps_the_contract(space: str, kwargs: dict) -> None:
    bench = HashBenchmark(space, **kwargs)
    archs = [a for a in (bench.space.sample(i) for i in range(12)) if a in bench][:4]
    check_evaluator(bench, archs, "val_acc", kinds=("table",))
    assert isinstance(bench, Evaluator)
    assert bench.optimum("val_acc") is None
    assert bench.pareto_front(("val_acc", "latency"), (True, False)) is None
