"""NSGA-II-style multi-objective evolution (steady state).

``tell`` takes one value per objective, each already oriented to be maximised
(the runner negates minimised metrics such as latency). The population keeps
the best ``population_size`` architectures by (non-domination rank, crowding
distance); each ask mutates the winner of a binary tournament on that order.
With a single value per tell it behaves like a tournament evolution.

>>> from nasbench_kit.optimizers import NSGA2
>>> opt = NSGA2("nb201", population_size=4, seed=0)
>>> for i in range(6):
...     a = opt.ask(); opt.tell(a, (float(i), -float(i % 3)))
>>> len(opt.population)
4
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.pareto import crowding_distance, nondominated_sort, pareto_mask
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["NSGA2"]


class NSGA2(Optimizer):
    """Steady-state NSGA-II over any number of maximised objectives."""

    name = "nsga2"
    multi_objective = True

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        population_size: int = 30,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if population_size < 2:
            raise OutOfDomainError(f"population_size={population_size} must be >= 2 (e.g. 30)")
        self.population_size = population_size
        self.population: list[tuple[Architecture, np.ndarray]] = []
        self.archive: dict[str, tuple[Architecture, np.ndarray]] = {}
        self._proposed: set[str] = set()
        self._order = np.zeros(0, dtype=int)  # position of each member in the ranking

    def _ask(self) -> Architecture:
        if self.n_asked < self.population_size or len(self.population) < 2:
            arch = sample_unseen(self.space, self.rng, self._proposed)
        else:
            i, j = self.rng.choice(len(self.population), size=2, replace=False)
            parent = self.population[i if self._order[i] < self._order[j] else j][0]
            arch = parent
            for _ in range(20):  # prefer a child not proposed before
                arch = self.space.mutate(parent, self.rng)
                if arch.iso_hash not in self._proposed:
                    break
        self._proposed.add(arch.iso_hash)
        return arch

    def _tell(self, arch: Architecture, value: Any) -> None:
        vec = np.asarray(value, dtype=float)
        if self.population and len(vec) != len(self.population[0][1]):
            raise OutOfDomainError(
                f"tell() got {len(vec)} objective values for {arch!r} but earlier results had "
                f"{len(self.population[0][1])}; pass the same objectives every time"
            )
        self.archive[arch.iso_hash] = (arch, vec)
        self.population.append((arch, vec))
        pts = np.array([v for _, v in self.population])
        pts = np.where(np.isinf(pts), np.nan, pts)  # failures rank last
        flags = [True] * pts.shape[1]
        rank = nondominated_sort(pts, flags)
        crowd = np.zeros(len(pts))
        for r in np.unique(rank):
            members = np.flatnonzero(rank == r)
            sub = pts[members]
            crowd[members] = 0.0 if np.isnan(sub).any() else crowding_distance(sub, flags)
        order = np.lexsort((-crowd, rank))  # best first
        keep = order[: self.population_size]
        self.population = [self.population[k] for k in keep]
        self._order = np.arange(len(keep))

    def pareto_archs(self) -> list[tuple[Architecture, np.ndarray]]:
        """Every evaluated architecture on the (maximised) Pareto front."""
        items = list(self.archive.values())
        if not items:
            return []
        pts = np.array([v for _, v in items])
        pts = np.where(np.isinf(pts), np.nan, pts)
        mask = pareto_mask(pts, [True] * pts.shape[1])
        return [items[k] for k in np.flatnonzero(mask)]
