"""Random search: independent uniform samples from the space.

>>> from nasbench_kit.optimizers import RandomSearch
>>> opt = RandomSearch("nb201", seed=0)
>>> a = opt.ask(); opt.tell(a, 50.0)
>>> opt.ask() != a
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["RandomSearch"]


class RandomSearch(Optimizer):
    """Uniform random sampling.

    ``unique=True`` (default) re-draws samples whose isomorphism class was
    already proposed, so no query is wasted on a duplicate.
    """

    name = "rs"
    multi_objective = True  # ignores values, so any number of objectives is fine

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        unique: bool = True,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        self.unique = unique
        self._proposed: set[str] = set()

    def _ask(self) -> Architecture:
        if not self.unique:
            return self.space.sample(self.rng)
        arch = sample_unseen(self.space, self.rng, self._proposed)
        self._proposed.add(arch.iso_hash)
        return arch

    def _tell(self, arch: Architecture, value: Any) -> None:
        return None
