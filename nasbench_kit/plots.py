"""Figures a paper needs, from the library's DataFrames. Matplotlib only, no logic.

>>> import pandas as pd
>>> from nasbench_kit.plots import incumbent_curve_stats
>>> runs = pd.DataFrame({"seed": [0, 0, 1, 1], "step": [1, 2, 1, 2],
...                      "incumbent": [1.0, 2.0, 3.0, 3.0], "optimizer": "rs"})
>>> incumbent_curve_stats(runs, x="step")["mean"].tolist()
[2.0, 2.5]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _finish(fig: Figure, ax, title: str, path: str | Path | None, legend: bool) -> Figure:
    """Title, optional legend, tight layout, and save to ``path`` when given."""
    ax.set_title(title)
    if legend:
        ax.legend(fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def incumbent_curve_stats(runs: pd.DataFrame, x: str = "step", grid: int | None = None) -> pd.DataFrame:
    """Mean incumbent over seeds with a 95% normal interval, on a common ``x`` grid.

    For ``x="time"`` each seed's incumbent is carried forward onto a shared grid
    of ``grid`` points (default 200) between the earliest and latest time.
    """
    if x == "step":
        wide = runs.pivot_table(index="step", columns="seed", values="incumbent").ffill()
    else:
        t = runs[x].to_numpy(dtype=float)
        positive = t[t > 0]
        lo = positive.min() if positive.size else 1e-9
        xs = np.geomspace(lo, max(t.max(), lo * 1.0001), grid or 200)
        cols = {}
        for seed, g in runs.groupby("seed"):
            g = g.sort_values(x)
            idx = np.searchsorted(g[x].to_numpy(dtype=float), xs, side="right") - 1
            inc = g["incumbent"].to_numpy(dtype=float)
            cols[seed] = np.where(idx >= 0, inc[np.clip(idx, 0, None)], np.nan)
        wide = pd.DataFrame(cols, index=pd.Index(xs, name=x))
    n = wide.notna().sum(axis=1)
    mean = wide.mean(axis=1)
    half = 1.96 * wide.std(axis=1, ddof=1).fillna(0.0) / np.sqrt(n.clip(lower=1))
    return pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half, "n": n})


def plot_incumbents(
    runs: pd.DataFrame, x: str = "step", by: str = "optimizer", title: str = "",
    ylabel: str = "incumbent", reference: float | None = None, path: str | Path | None = None,
) -> Figure:
    """Incumbent vs queries (``x="step"``) or simulated time (``x="time"``), one line per ``by``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, g in runs.groupby(by, sort=False):
        stats = incumbent_curve_stats(g, x=x)
        ax.plot(stats.index, stats["mean"], label=str(label))
        ax.fill_between(stats.index, stats["lo"], stats["hi"], alpha=0.2)
    if reference is not None:
        ax.axhline(reference, color="k", ls="--", lw=0.8, label="optimum")
    if x == "time":
        ax.set_xscale("log")
    ax.set_xlabel("queries" if x == "step" else "simulated time (s)")
    ax.set_ylabel(ylabel)
    return _finish(fig, ax, title, path, legend=True)


def plot_tau_vs_train_size(
    study: pd.DataFrame, metric: str = "kendall_tau", title: str = "",
    path: str | Path | None = None,
) -> Figure:
    """Rank correlation vs train size (log x), mean ± std over seeds, per predictor."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, g in study.groupby("predictor", sort=False):
        s = g.groupby("train_size")[metric].agg(["mean", "std"])
        ax.errorbar(s.index, s["mean"], yerr=s["std"].fillna(0.0), label=str(label), capsize=3, marker="o", ms=3)
    ax.set_xscale("log")
    ax.set_xlabel("training architectures")
    ax.set_ylabel(metric)
    return _finish(fig, ax, title, path, legend=True)


def plot_pred_vs_true(
    y_true: np.ndarray, y_pred: np.ndarray, title: str = "", path: str | Path | None = None
) -> Figure:
    """Scatter of predicted vs true values with the identity line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(y_true, y_pred, s=3, alpha=0.4)
    lo = float(np.nanmin([np.nanmin(y_true), np.nanmin(y_pred)]))
    hi = float(np.nanmax([np.nanmax(y_true), np.nanmax(y_pred)]))
    ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    return _finish(fig, ax, title, path, legend=False)


def plot_pareto(
    points: np.ndarray, front: np.ndarray, xlabel: str, ylabel: str, title: str = "",
    path: str | Path | None = None,
) -> Figure:
    """All evaluated points and the Pareto front of two objectives."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.3, label="evaluated")
    order = np.argsort(front[:, 0])
    ax.step(front[order, 0], front[order, 1], where="post", color="C3", label="Pareto front")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _finish(fig, ax, title, path, legend=True)
