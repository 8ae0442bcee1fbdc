"""Combined proxies: scores that rank a population by several proxies at once.

A combined proxy is a registry entry (``PROXIES["vote"]``) whose value for one
architecture depends on the others it is ranked with, so it is computed on a
population: :func:`~nasbench_kit.proxies.compute_proxies` computes its
components and adds the column; :func:`combine` does it for any frame or table
columns. A missing (NaN) component score ranks lowest.

- ``vote``: Abdelfattah et al. 2021's majority vote of ``synflow``, ``jacov``
  and ``snip``, made a score: the fraction of the other architectures that
  architecture beats by a majority of its components (Copeland score; a tie of
  votes counts one half).
- ``rank_mean``: the mean percentile rank under ``synflow``, ``nwot`` and
  ``jacov`` (the three strongest single proxies on NB201 in the literature).

>>> import pandas as pd
>>> df = pd.DataFrame({"synflow": [1.0, 2.0, 3.0], "jacov": [3.0, 2.0, 1.0], "snip": [1.0, 3.0, 2.0]})
>>> combine("vote", df).tolist()
[0.0, 1.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies._proxy import Proxy

__all__ = ["COMBINED", "combine", "copeland_vote", "rank_matrix", "rank_mean"]


def _population_only(net: Any, inputs: Any, targets: Any, loss_fn: Any = None, **kw: Any) -> float:
    raise OutOfDomainError(
        "a combined proxy ranks a population, not one network; use "
        "compute_proxies(archs, ['vote']) or combine('vote', frame_with_component_columns)"
    )


def rank_matrix(columns: Mapping[str, Any], higher_is_better: Mapping[str, bool]) -> np.ndarray:
    """``(n, k)`` percentile ranks in ``(0, 1]`` (1 = best; ties share the mean; NaN lowest)."""
    from scipy.stats import rankdata

    out = []
    for name, col in columns.items():
        v = np.asarray(col, dtype=np.float64)
        if not higher_is_better.get(name, True):
            v = -v
        v = np.where(np.isfinite(v), v, -np.inf)
        out.append(rankdata(v, method="average") / len(v))
    return np.column_stack(out)


def rank_mean(ranks: np.ndarray) -> np.ndarray:
    """Mean percentile rank per row."""
    return ranks.mean(axis=1)


def copeland_vote(ranks: np.ndarray, block: int = 512) -> np.ndarray:
    """Fraction of the other rows each row beats by majority (ties of votes count 1/2)."""
    n = len(ranks)
    if n < 2:
        return np.full(n, 0.5)
    score = np.zeros(n)
    for start in range(0, n, block):
        part = ranks[start : start + block]
        votes = np.sign(part[:, None, :] - ranks[None, :, :]).sum(axis=2)
        score[start : start + block] = (votes > 0).sum(1) + 0.5 * ((votes == 0).sum(1) - 1)
    return score / (n - 1)


_METHODS = {"vote": copeland_vote, "rank_mean": rank_mean}


def _combined(
    name: str, method: str, components: tuple[str, ...], summary: str, reference: str
) -> Proxy:
    return Proxy(name, _population_only, data_free=False, summary=summary, kind="combined",
                 components=components, method=method, reference=reference)  # fmt: skip


def combine(name: str, frame: Any) -> np.ndarray:
    """The combined proxy ``name`` for the rows of ``frame`` (columns = its components)."""
    from nasbench_kit.proxies.registry import get_proxy

    proxy = get_proxy(name)
    if proxy.kind != "combined":
        raise OutOfDomainError(f"{name!r} is not a combined proxy; pass 'vote' or 'rank_mean'")
    missing = [c for c in proxy.components if c not in frame]
    if missing:
        raise OutOfDomainError(
            f"combined proxy {name!r} needs columns {list(proxy.components)}; missing {missing}"
        )
    hib = {c: get_proxy(c).higher_is_better for c in proxy.components}
    ranks = rank_matrix({c: frame[c] for c in proxy.components}, hib)
    return _METHODS[proxy.method](ranks)


COMBINED = (
    _combined("vote", "vote", ("synflow", "jacov", "snip"),
              "majority vote of synflow, jacov, snip (Copeland score)",
              "Abdelfattah et al. 2021, Zero-Cost Proxies for Lightweight NAS (ICLR)"),
    _combined("rank_mean", "rank_mean", ("synflow", "nwot", "jacov"),
              "mean percentile rank of synflow, nwot, jacov", ""),
)  # fmt: skip
