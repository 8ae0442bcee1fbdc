"""Library side of ``nasbench-kit search``: run seeds, write results, return them.

>>> from nasbench_kit.optimizers.cli_support import default_metric
>>> default_metric(("train_acc", "val_acc", "test_acc"))
'val_acc'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["default_metric", "default_maximize", "run_search_cli", "summarize"]

_PREFERRED = ("val_acc", "valid_acc", "val_perf", "test_acc", "accuracy", "perf")
_MINIMISED = ("loss", "latency", "time", "params", "flops", "error", "energy")


def default_metric(metrics: Sequence[str]) -> str:
    """The metric a search optimises when none is named (validation accuracy first)."""
    for m in _PREFERRED:
        if m in metrics:
            return m
    acc = [m for m in metrics if "acc" in m]
    if acc:
        return acc[0]
    raise OutOfDomainError(
        f"cannot guess which of {list(metrics)} to optimise; pass metric=NAME (--metric)"
    )


def default_maximize(metric: str) -> bool:
    """False for losses, latencies, times, sizes; True otherwise."""
    return not any(word in metric.lower() for word in _MINIMISED)


def summarize(df: pd.DataFrame) -> dict[str, Any]:
    """Final incumbent (mean, 95% interval over seeds) and queries-to-optimum per seed."""
    finals = df.groupby("seed")["incumbent"].last().to_numpy(dtype=float)
    optimum = df.attrs.get("optimum", float("nan"))
    maximize = bool(df.attrs.get("maximize", [True])[0])
    n = len(finals)
    half = 1.96 * float(np.nanstd(finals, ddof=1)) / np.sqrt(n) if n > 1 else float("nan")
    hits: list[int | None] = []
    for _, d in df.groupby("seed"):
        if np.isnan(optimum):
            hits.append(None)
            continue
        inc = d["incumbent"].to_numpy(dtype=float)
        ok = inc >= optimum - 1e-9 if maximize else inc <= optimum + 1e-9
        hits.append(int(d["step"].to_numpy()[ok][0]) if ok.any() else None)
    found = [h for h in hits if h is not None]
    return {
        "seeds": n,
        "queries": int(df.groupby("seed").size().max()) if n else 0,
        "final_mean": float(np.nanmean(finals)) if n else float("nan"),
        "final_ci95": half,
        "optimum": optimum,
        "found_optimum_fraction": len(found) / n if n else float("nan"),
        "queries_to_optimum_median": float(np.median(found)) if len(found) * 2 > n else None,
        "queries_to_optimum": hits,
    }


def run_search_cli(
    bench_name: str,
    optimizer: str,
    queries: int,
    seeds: int | Iterable[int],
    out: str | Path,
    metric: str | None = None,
    workers: int = 2,
    *,
    maximize: bool | None = None,
    dedupe_isomorphic: bool = False,
    **optimizer_kwargs: Any,
) -> pd.DataFrame:
    """Run ``optimizer`` on table ``bench_name`` for each seed; write ``out``.

    ``seeds`` is a count (``range(seeds)``) or explicit seeds. Writes
    ``out/trajectories.csv`` (all runs, ``seed`` column first) and
    ``out/summary.json`` (see :func:`summarize`); returns the trajectories.
    """
    from nasbench_kit.optimizers import make_optimizer
    from nasbench_kit.runner import run_many
    from nasbench_kit.tables import load

    bench = load(bench_name)
    metric = metric or default_metric(bench.metrics)
    if maximize is None:
        maximize = default_maximize(metric)
    make_optimizer(optimizer, bench.space, seed=0, **optimizer_kwargs)  # validate names early
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    space = bench.space

    def make(s: int) -> Any:
        return make_optimizer(optimizer, space, seed=s, **optimizer_kwargs)

    df = run_many(
        make,
        bench,
        metric,
        seeds=seed_list,
        workers=workers,
        max_queries=queries,
        maximize=maximize,
        dedupe_isomorphic=dedupe_isomorphic,
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "trajectories.csv", index=False)
    summary = {
        "bench": bench_name,
        "optimizer": optimizer,
        "metric": metric,
        "maximize": maximize,
        **summarize(df),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return df
