"""Seeded splits and normalisation shared by the image readers.

>>> import numpy as np
>>> tr, va = holdout(10, 3, np.random.default_rng(0))
>>> len(tr), len(va), sorted(np.concatenate([tr, va]).tolist()) == list(range(10))
(7, 3, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError

__all__ = ["holdout", "normalise", "stratified_split", "val_count"]


def val_count(n: int, val_fraction: Any, default: int) -> int:
    """How many of ``n`` pool examples go to validation.

    ``val_fraction=None`` means ``default``; otherwise ``round(n * fraction)``
    with ``0 <= fraction < 1`` and at least one training example left.

    >>> val_count(60000, None, 10000), val_count(60000, 0.1, 10000)
    (10000, 6000)
    """
    if val_fraction is None:
        return default
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float, np.floating)):
        raise OutOfDomainError(
            f"val_fraction={val_fraction!r} must be a float in [0, 1) or None for the default"
        )
    frac = float(val_fraction)
    if not 0.0 <= frac < 1.0:
        raise OutOfDomainError(
            f"val_fraction={val_fraction!r} must lie in [0, 1); pass e.g. val_fraction=0.1"
        )
    n_val = int(round(n * frac))
    if n - n_val < 1:
        raise OutOfDomainError(
            f"val_fraction={val_fraction!r} leaves no training example out of {n}; use a smaller one"
        )
    return n_val


def holdout(n: int, n_val: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Train/val indices: val = the last ``n_val`` of a seeded permutation.

    Both index arrays are returned sorted (file order).
    """
    perm = rng.permutation(n)
    return np.sort(perm[: n - n_val]), np.sort(perm[n - n_val :])


def stratified_split(
    y: np.ndarray, fractions: Sequence[float], rng: np.random.Generator
) -> list[np.ndarray]:
    """Split indices per class by ``fractions`` (the last part gets the rest).

    Each class ``c`` with ``n_c`` examples gives ``round(n_c * f)`` to every
    part but the last, so the part sizes depend only on the class counts,
    never on the seed; the seed chooses which examples. Indices come sorted.

    >>> parts = stratified_split(np.repeat([0, 1], 10), [0.2, 0.2], np.random.default_rng(0))
    >>> [len(p) for p in parts]
    [4, 4, 12]
    """
    out: list[list[np.ndarray]] = [[] for _ in range(len(fractions) + 1)]
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        start = 0
        for k, f in enumerate(fractions):
            take = int(round(len(idx) * f))
            out[k].append(idx[start : start + take])
            start += take
        out[-1].append(idx[start:])
    return [np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64) for p in out]


def normalise(
    images: np.ndarray, scale: float, mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """``(images / scale - mean[c]) / std[c]`` as float32 NCHW (``images`` is NCHW).

    >>> normalise(np.full((1, 1, 1, 1), 255, np.uint8), 255.0, [0.5], [0.5])[0, 0, 0, 0]
    np.float32(1.0)
    """
    x = images.astype(np.float32)
    x *= np.float32(1.0 / scale)
    m = np.asarray(mean, np.float32).reshape(1, -1, 1, 1)
    s = np.asarray(std, np.float32).reshape(1, -1, 1, 1)
    x -= m
    x /= s
    return x
