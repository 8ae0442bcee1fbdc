"""A full synthetic NB201 table: two fidelities, two training seeds, a cost metric."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench_kit as nbk


@pytest.fixture(scope="session")
def table() -> object:
    """val_acc/latency/train_time at 12 and 200 epochs for every NB201 cell, seeds 0 and 1."""
    from nasbench_kit.tables.benchmark import Benchmark

    archs = list(nbk.get_space("nb201").enumerate())
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
