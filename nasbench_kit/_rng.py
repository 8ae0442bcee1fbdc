"""Seed handling: every stochastic function takes ``seed`` (int or Generator).

>>> from nasbench_kit._rng import as_rng
>>> int(as_rng(0).integers(100)) == int(as_rng(0).integers(100))
True
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.errors import OutOfDomainError


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed``.

    An existing Generator is returned as is (so callers share its stream); an
    int (or None, for fresh entropy) seeds a new PCG64 generator.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise OutOfDomainError(
            f"seed={seed!r} is not an int or numpy.random.Generator; "
            "pass e.g. seed=0 or seed=numpy.random.default_rng(0)"
        )
    if seed < 0:
        raise OutOfDomainError(f"seed={seed} is negative; seeds must be >= 0 (e.g. seed=0)")
    return np.random.default_rng(int(seed))
