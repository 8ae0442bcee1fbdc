"""Plots: averaged incumbent curves never move against the incumbents; clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import RandomSearch
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.plots import (
    incumbent_curve_stats,
    plot_incumbents,
    plot_pareto,
    plot_pred_vs_true,
    plot_tau_vs_train_size,
)


def _staggered() -> pd.DataFrame:
    """Seed 0 finds 90-95 early; seed 1 only 50-60 and later: the old mean dropped 95 -> 72.5."""
    return pd.DataFrame({
        "seed": [0, 0, 1, 1], "step": [1, 2, 1, 2], "time": [1.0, 2.0, 10.0, 20.0],
        "incumbent": [90.0, 95.0, 50.0, 60.0], "optimizer": "rs",
    })  # fmt: skip


def test_time_curve_starts_where_every_seed_has_an_incumbent() -> None:
    """E.8: the mean over time used to start with seed 0 alone and then decrease."""
    stats = incumbent_curve_stats(_staggered(), x="time")
    assert stats["mean"].is_monotonic_increasing
    assert (stats["n"] == 2).all()
    assert stats.index[0] == pytest.approx(10.0) and stats["mean"].iloc[0] == 72.5
    assert stats["mean"].iloc[-1] == 77.5


def test_step_curve_skips_steps_before_every_seed_has_an_incumbent() -> None:
    runs = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1], "step": [1, 2, 3] * 2,
                         "incumbent": [90.0, 91.0, 92.0, np.nan, 50.0, 55.0]})  # fmt: skip
    stats = incumbent_curve_stats(runs, x="step")
    assert stats.index.tolist() == [2, 3] and stats["mean"].tolist() == [70.5, 73.5]
    short = pd.DataFrame({"seed": [0, 0, 0, 1], "step": [1, 2, 3, 1],
                          "incumbent": [1.0, 2.0, 3.0, 5.0]})  # seed 1 stopped after 1 query
    assert incumbent_curve_stats(short)["mean"].tolist() == [3.0, 3.5, 4.0]  # carried forward


def test_real_runs_give_a_monotone_time_curve(tmp_path: Path) -> None:
    runs = nbk.run_many(lambda s: RandomSearch("nb201", seed=s), HashBenchmark("nb201"),
                        "val_acc", seeds=range(4), max_queries=30)  # fmt: skip
    stats = incumbent_curve_stats(runs, x="time")
    assert (np.diff(stats["mean"]) >= -1e-12).all()
    fig = plot_incumbents(runs, x="time", path=tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["val_acc"]


def test_time_axis_without_cost_is_refused() -> None:
    """E.8: a cost-free table used to draw a flat line at 1e-9 s."""
    runs = nbk.run_many(lambda s: RandomSearch("nb201", seed=s),
                        HashBenchmark("nb201", cost=False), "val_acc", seeds=range(2),
                        max_queries=5)  # fmt: skip
    with pytest.raises(OutOfDomainError, match="x='step'"):
        plot_incumbents(runs, x="time")
    with pytest.raises(OutOfDomainError, match="no cost metric"):
        incumbent_curve_stats(runs, x="time")
    with pytest.raises(OutOfDomainError, match="'step'"):
        incumbent_curve_stats(runs, x="wall")


def test_missing_optimizer_column_gets_a_default_label() -> None:
    """E.8: runs without an ``optimizer`` column used to raise KeyError."""
    runs = _staggered().drop(columns="optimizer")
    runs.attrs["metric"] = ["test_acc"]
    fig = plot_incumbents(runs, x="step")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["test_acc"]
    with pytest.raises(OutOfDomainError, match="by='method'"):
        plot_incumbents(runs, by="method")
    single = nbk.run_search(RandomSearch("nb201", seed=0), HashBenchmark("nb201"), "val_acc",
                            max_queries=5)  # no seed column either
    plot_incumbents(single)


def test_other_figures_save(tmp_path: Path) -> None:
    study = pd.DataFrame({"predictor": ["a"] * 4, "train_size": [10, 10, 100, 100],
                          "kendall_tau": [0.1, 0.2, 0.5, 0.6]})  # fmt: skip
    plot_tau_vs_train_size(study, path=tmp_path / "tau.png")
    y = np.arange(10.0)
    plot_pred_vs_true(y, y + 1, path=tmp_path / "scatter.png")
    pts = np.array([[1.0, 2.0], [2.0, 3.0], [0.5, 1.0]])
    plot_pareto(pts, pts[[0, 1]], "acc", "lat", path=tmp_path / "front.png")
    for name in ("tau.png", "scatter.png", "front.png"):
        assert (tmp_path / name).stat().st_size > 1000
