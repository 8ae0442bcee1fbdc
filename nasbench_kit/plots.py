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

from nasbench_kit.errors import OutOfDomainError

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


def _no_time_error(runs: pd.DataFrame) -> OutOfDomainError:
    bench = runs.attrs.get("bench") or "the evaluator"
    return OutOfDomainError(
        f"x='time' needs simulated time but every run's time is 0: {bench!r} has no cost "
        "metric (queries cost 0 s); plot x='step' instead, or search an evaluator with "
        "timing (e.g. a table with train_time)"
    )


def _wide(runs: pd.DataFrame, x: str, grid: int | None) -> pd.DataFrame:
    """Incumbent per seed (columns) on a common ``x`` grid, carried forward."""
    if x == "step":
        return runs.pivot_table(index="step", columns="seed", values="incumbent",
                                dropna=False).ffill()  # fmt: skip
    t = runs[x].to_numpy(dtype=float)
    if not np.any(t > 0):
        raise _no_time_error(runs)
    # Start where every seed has an incumbent, so the curve averages the same seeds.
    firsts = [g.loc[g["incumbent"].notna(), x].min() for _, g in runs.groupby("seed")]
    start = max(firsts) if firsts and not np.isnan(firsts).any() else np.nanmax(t)
    lo = max(float(start), float(t[t > 0].min()))
    xs = np.geomspace(lo, max(float(t.max()), lo * 1.0001), grid or 200)
    cols = {}
    for seed, g in runs.groupby("seed"):
        g = g.sort_values(x, kind="stable")
        inc = g["incumbent"].ffill().to_numpy(dtype=float)
        idx = np.searchsorted(g[x].to_numpy(dtype=float), xs, side="right") - 1
        cols[seed] = np.where(idx >= 0, inc[np.clip(idx, 0, None)], np.nan)
    return pd.DataFrame(cols, index=pd.Index(xs, name=x))


def incumbent_curve_stats(runs: pd.DataFrame, x: str = "step", grid: int | None = None) -> pd.DataFrame:
    """Mean incumbent over seeds with a 95% normal interval, on a common ``x`` grid.

    Each seed's incumbent is carried forward (a seed that stopped early keeps
    its final value), and the curve starts where *every* seed has an incumbent,
    so the mean is always over the same seeds and never moves against the
    incumbents. ``x="time"`` uses a log grid of ``grid`` points (default 200)
    and refuses runs without simulated time (``OutOfDomainError``).
    """
    if x not in ("step", "time"):
        raise OutOfDomainError(f"x={x!r} must be 'step' (queries) or 'time' (simulated seconds)")
    if "seed" not in runs.columns:  # one run_search trajectory
        runs = runs.assign(seed=0)
    wide = _wide(runs, x, grid)
    wide = wide[wide.notna().all(axis=1)]
    n = wide.notna().sum(axis=1)
    mean = wide.mean(axis=1)
    half = 1.96 * wide.std(axis=1, ddof=1).fillna(0.0) / np.sqrt(n.clip(lower=1))
    return pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half, "n": n})


def _groups(runs: pd.DataFrame, by: str) -> list[tuple[str, pd.DataFrame]]:
    """``(label, runs)`` per line: by ``by``, or one line labelled by the metric."""
    if by in runs.columns:
        return [(str(k), g) for k, g in runs.groupby(by, sort=False)]
    if by != "optimizer":
        raise OutOfDomainError(f"by={by!r} is not a column of runs; choose one of {list(runs.columns)}")
    label = ", ".join(str(m) for m in runs.attrs.get("metric", [])) or "incumbent"
    return [(label, runs)]


def plot_incumbents(
    runs: pd.DataFrame, x: str = "step", by: str = "optimizer", title: str = "",
    ylabel: str = "incumbent", reference: float | None = None, path: str | Path | None = None,
) -> Figure:
    """Incumbent vs queries (``x="step"``) or simulated time (``x="time"``), one line per ``by``.

    Runs without a ``by`` column (default ``optimizer``) draw one line labelled
    by the metric. See :func:`incumbent_curve_stats` for how seeds are averaged.
    """
    if x == "time" and not np.any(runs["time"].to_numpy(dtype=float) > 0):
        raise _no_time_error(runs)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, g in _groups(runs, by):
        stats = incumbent_curve_stats(g, x=x)
        ax.plot(stats.index, stats["mean"], label=label)
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
