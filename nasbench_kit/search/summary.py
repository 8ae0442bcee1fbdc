"""Summaries of a multi-seed search (the frame ``run_many`` returns).

>>> import pandas as pd
>>> runs = pd.DataFrame({"seed": [0, 0, 1, 1], "step": [1, 2, 1, 2],
...                      "incumbent": [90.0, 95.0, 91.0, 93.0]})
>>> runs.attrs.update(optimum=95.0, maximize=[True])
>>> s = summarize(runs)
>>> s["final_mean"], s["found_optimum_fraction"], s["queries_to_optimum"]
(94.0, 0.5, [2, None])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["summarize"]


def _queries_to_optimum(d: pd.DataFrame, optimum: float, maximize: bool) -> int | None:
    inc = d["incumbent"].to_numpy(dtype=float)
    ok = inc >= optimum - 1e-9 if maximize else inc <= optimum + 1e-9
    return int(d["step"].to_numpy()[ok][0]) if ok.any() else None


def summarize(runs: pd.DataFrame) -> dict[str, Any]:
    """Final incumbent over seeds (mean, 95% half-width) and queries to the optimum.

    Keys: ``seeds``, ``queries`` (longest run), ``final_mean``, ``final_ci95``,
    ``optimum`` (``runs.attrs``; NaN when unknown), ``found_optimum_fraction``,
    ``queries_to_optimum_median`` (``None`` unless more than half the seeds
    found it) and ``queries_to_optimum`` (per seed, ``None`` = not found).
    """
    groups = list(runs.groupby("seed", sort=False))
    finals = np.array([d["incumbent"].iloc[-1] for _, d in groups], dtype=float)
    optimum = float(runs.attrs.get("optimum", math.nan))
    maximize = bool(runs.attrs.get("maximize", [True])[0])
    n = len(finals)
    finite = finals[~np.isnan(finals)]
    half = 1.96 * float(np.std(finite, ddof=1)) / math.sqrt(len(finite)) if len(finite) > 1 else math.nan
    hits = [None if math.isnan(optimum) else _queries_to_optimum(d, optimum, maximize)
            for _, d in groups]  # fmt: skip
    found = [h for h in hits if h is not None]
    return {
        "seeds": n,
        "queries": int(max((len(d) for _, d in groups), default=0)),
        "final_mean": float(finite.mean()) if len(finite) else math.nan,
        "final_ci95": half,
        "optimum": optimum,
        "found_optimum_fraction": len(found) / n if n and not math.isnan(optimum) else math.nan,
        "queries_to_optimum_median": float(np.median(found)) if len(found) * 2 > n else None,
        "queries_to_optimum": hits,
    }
