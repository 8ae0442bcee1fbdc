"""Pareto fronts, non-dominated sorting and exact 2-D hypervolume.

Every function takes ``points`` of shape ``(n, d)`` and ``maximize``: one flag
per objective (``True`` = larger is better). Internally points are oriented so
that every objective is maximised.

>>> import numpy as np
>>> from nasbench_kit.pareto import pareto_front, hypervolume
>>> pts = np.array([[90.0, 10.0], [91.0, 20.0], [89.0, 30.0], [92.0, 25.0]])
>>> pareto_front(pts, maximize=(True, False)).tolist()  # accuracy up, latency down
[0, 1, 3]
>>> hypervolume(pts[[0, 3]], ref=(80.0, 40.0), maximize=(True, False))
330.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench_kit.errors import OutOfDomainError

__all__ = [
    "crowding_distance",
    "hypervolume",
    "nondominated_sort",
    "orient",
    "pareto_front",
    "pareto_mask",
]


def orient(points: np.ndarray | Sequence[Sequence[float]], maximize: Sequence[bool]) -> np.ndarray:
    """``points`` as a float array with minimised objectives negated (all maximised)."""
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1) if len(maximize) == 1 else arr.reshape(1, -1)
    if arr.ndim != 2:
        raise OutOfDomainError(
            f"points has shape {arr.shape}; pass a 2-D array of shape (n_points, n_objectives)"
        )
    if arr.shape[1] != len(maximize):
        raise OutOfDomainError(
            f"points have {arr.shape[1]} objectives but maximize has {len(maximize)} flags "
            f"({tuple(maximize)}); pass one True/False per objective"
        )
    signs = np.where(np.asarray(maximize, dtype=bool), 1.0, -1.0)
    return arr * signs


def pareto_mask(
    points: np.ndarray | Sequence[Sequence[float]], maximize: Sequence[bool] = (True, False)
) -> np.ndarray:
    """Boolean mask of the non-dominated points.

    A point is dominated when another is at least as good in every objective
    and strictly better in one. Exact duplicates of a front point are all kept.
    Rows containing NaN are never on the front.
    """
    pts = orient(points, maximize)
    n = len(pts)
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    finite = ~np.isnan(pts).any(axis=1)
    idx = np.flatnonzero(finite)
    if idx.size == 0:
        return mask
    sub = pts[idx]
    if sub.shape[1] == 2:
        # Sort by first objective desc, then second desc: a sweep finds the front.
        order = np.lexsort((-sub[:, 1], -sub[:, 0]))
        best_second = -np.inf
        prev: np.ndarray | None = None
        for i in order:
            p = sub[i]
            if p[1] > best_second or (prev is not None and np.array_equal(p, prev)):
                mask[idx[i]] = True
                if p[1] > best_second:
                    best_second = p[1]
                prev = p
        return mask
    keep = np.ones(len(sub), dtype=bool)
    for i in range(len(sub)):
        ge = np.all(sub >= sub[i], axis=1)
        gt = np.any(sub > sub[i], axis=1)
        if np.any(ge & gt):
            keep[i] = False
    mask[idx[keep]] = True
    return mask


def pareto_front(
    points: np.ndarray | Sequence[Sequence[float]], maximize: Sequence[bool] = (True, False)
) -> np.ndarray:
    """Indices (ascending) of the non-dominated points; see :func:`pareto_mask`."""
    return np.flatnonzero(pareto_mask(points, maximize))


def nondominated_sort(
    points: np.ndarray | Sequence[Sequence[float]], maximize: Sequence[bool]
) -> np.ndarray:
    """Front rank of every point (0 = Pareto front, 1 = front after removing it, ...).

    NaN rows get the last rank.
    """
    pts = orient(points, maximize)
    n = len(pts)
    rank = np.full(n, -1, dtype=int)
    bad = np.isnan(pts).any(axis=1)
    remaining = np.flatnonzero(~bad)
    level = 0
    while remaining.size:
        front = pareto_mask(pts[remaining], [True] * pts.shape[1])
        rank[remaining[front]] = level
        remaining = remaining[~front]
        level += 1
    rank[bad] = level
    return rank


def crowding_distance(
    points: np.ndarray | Sequence[Sequence[float]], maximize: Sequence[bool]
) -> np.ndarray:
    """NSGA-II crowding distance of each point within ``points`` (boundary = inf)."""
    pts = orient(points, maximize)
    n, d = pts.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(d):
        order = np.argsort(pts[:, k], kind="stable")
        col = pts[order, k]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0 and np.isfinite(span):
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def hypervolume(
    points: np.ndarray | Sequence[Sequence[float]],
    ref: Sequence[float],
    maximize: Sequence[bool] = (True, False),
) -> float:
    """Exact hypervolume dominated by ``points`` and bounded by ``ref`` (2 objectives).

    ``ref`` is in the points' own units (e.g. ``(min accuracy, max latency)``);
    points that do not strictly improve on ``ref`` in every objective add
    nothing. One objective gives the length ``best - ref``. More than two
    objectives raise ``OutOfDomainError``.
    """
    if len(maximize) > 2:
        raise OutOfDomainError(
            f"hypervolume is implemented exactly for 1 or 2 objectives, got {len(maximize)}; "
            "reduce to two objectives or use a dedicated library for higher dimensions"
        )
    if len(ref) != len(maximize):
        raise OutOfDomainError(
            f"ref={tuple(ref)} has {len(ref)} values but there are {len(maximize)} objectives"
        )
    pts = orient(points, maximize)
    r = orient(np.asarray(ref, dtype=float).reshape(1, -1), maximize)[0]
    if len(pts) == 0:
        return 0.0
    pts = pts[~np.isnan(pts).any(axis=1)]
    pts = pts[np.all(pts > r, axis=1)]
    if len(pts) == 0:
        return 0.0
    if pts.shape[1] == 1:
        return float(pts[:, 0].max() - r[0])
    front = pts[pareto_mask(pts, (True, True))]
    order = np.argsort(-front[:, 0], kind="stable")
    front = front[order]
    volume = 0.0
    prev_y = r[1]
    for x, y in front:
        if y > prev_y:
            volume += (x - r[0]) * (y - prev_y)
            prev_y = y
    return float(volume)
