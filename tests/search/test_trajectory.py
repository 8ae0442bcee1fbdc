"""The trajectory accumulator: one place for the columns, derived columns, attrs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.search.trajectory import COLUMNS, DERIVED, RECORDED, Trajectory

ARCHS = [nbk.get_space("nb201").from_index(i) for i in range(1, 5)]


def _record(t: Trajectory, values: list[float], fids: list[float]) -> None:
    for i, (v, f) in enumerate(zip(values, fids)):
        t.record((v,), time=float(i), arch=ARCHS[i], cost=1.0, fidelity=f, provenance="table:t",
                 worker=i % 2)


def test_columns_are_defined_once() -> None:
    assert set(RECORDED) | set(DERIVED) == set(COLUMNS)
    assert not set(RECORDED) & set(DERIVED)
    assert RECORDED == tuple(c for c in COLUMNS if c not in DERIVED)


def test_incumbent_uses_only_the_target_fidelity_and_skips_failures() -> None:
    t = Trajectory(("val_acc",), (True,), target=200.0, optimum=95.0)
    _record(t, [99.0, 90.0, math.nan, 93.0], [12.0, 200.0, 200.0, 200.0])
    df = t.frame(stopped="max_queries", bench="t")
    assert list(df.columns) == list(COLUMNS)
    assert df["step"].tolist() == [1, 2, 3, 4]
    assert np.isnan(df["incumbent"].iloc[0])  # the 12-epoch 99 is not an incumbent
    assert df["incumbent"].iloc[1:].tolist() == [90.0, 90.0, 93.0]
    assert df["regret"].iloc[1:].tolist() == [5.0, 5.0, 2.0]
    assert df["arch"].tolist() == [a.to_string() for a in ARCHS]
    assert df.attrs["stopped"] == "max_queries" and df.attrs["optimum"] == 95.0
    assert df["worker"].tolist() == [0, 1, 0, 1] and df["worker"].dtype == np.int64


def test_minimised_metric_and_unknown_optimum() -> None:
    t = Trajectory(("latency",), (False,), target=200.0)
    _record(t, [9.0, 7.0, 8.0], [200.0] * 3)
    df = t.frame(stopped="max_queries", bench="t")
    assert df["incumbent"].tolist() == [9.0, 7.0, 7.0] and df["regret"].isna().all()


def test_empty_run_and_record_misuse() -> None:
    t = Trajectory(("val_acc",), (True,), target=200.0)
    df = t.frame(stopped="max_seconds", bench="t")
    assert len(df) == 0 and list(df.columns) == list(COLUMNS)
    with pytest.raises(TypeError, match="fields"):
        t.record((1.0,), time=0.0, arch=ARCHS[0], cost=0.0, fidelity=200.0,
                 provenance="")  # no worker
