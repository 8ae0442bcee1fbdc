"""Regularized (aging) evolution, Real et al. 2019.

The first ``population_size`` asks are random samples; afterwards each ask
mutates the best of ``sample_size`` population members drawn without
replacement, and each tell appends the child and removes the oldest member.

>>> from nasbench_kit.optimizers import RegularizedEvolution
>>> opt = RegularizedEvolution("nb201", population_size=5, sample_size=2, seed=0)
>>> for i in range(8):
...     a = opt.ask(); opt.tell(a, float(i))
>>> len(opt.population)
5
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["RegularizedEvolution", "UniformBuffer", "tournament"]


class UniformBuffer:
    """Uniform [0, 1) draws taken from ``rng`` in blocks (one numpy call per block)."""

    __slots__ = ("_buf", "_i", "_rng", "_size")

    def __init__(self, rng: np.random.Generator, size: int = 2048) -> None:
        self._rng = rng
        self._size = size
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._rng.random(self._size).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u


def tournament(values: Sequence[float], k: int, uniform: UniformBuffer) -> int:
    """Index of the best of ``k`` entries of ``values`` drawn without replacement.

    Floyd's algorithm; ties go to the entry drawn first.
    """
    n = len(values)
    k = min(k, n)
    best = -1
    best_v = -np.inf
    chosen: set[int] = set()
    for j in range(n - k, n):
        t = int(uniform() * (j + 1))
        pick = j if t in chosen else t
        chosen.add(pick)
        v = values[pick]
        if best < 0 or v > best_v:
            best, best_v = pick, v
    return best


class RegularizedEvolution(Optimizer):
    """Aging evolution with tournament selection (population 50, tournament 10)."""

    name = "rea"

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        population_size: int = 50,
        sample_size: int = 10,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if population_size < 1 or not 1 <= sample_size <= population_size:
            raise OutOfDomainError(
                f"population_size={population_size}, sample_size={sample_size}: need "
                "1 <= sample_size <= population_size (e.g. 50 and 10)"
            )
        self.population_size = population_size
        self.sample_size = sample_size
        self.population: deque[tuple[Architecture, float]] = deque()
        self._values: deque[float] = deque()
        self._uniform = UniformBuffer(self.rng)

    def _ask(self) -> Architecture:
        if self.n_asked < self.population_size or not self.population:
            return self.space.sample(self.rng)
        i = tournament(self._values, self.sample_size, self._uniform)
        return self.space.mutate(self.population[i][0], self.rng)

    def _tell(self, arch: Architecture, value: Any) -> None:
        self.population.append((arch, value))
        self._values.append(value)
        if len(self.population) > self.population_size:
            self.population.popleft()
            self._values.popleft()
