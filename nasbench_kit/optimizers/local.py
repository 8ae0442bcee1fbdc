"""Local search (hill climbing with restarts), NASLib style.

``n_init`` random architectures are evaluated; the best becomes the current
point. Then its neighbours are evaluated in random order; when all are known
the search moves to the best neighbour if it improves on the current point,
otherwise (a local optimum) it restarts from a fresh random architecture.
Neighbours whose isomorphism class was already evaluated are not re-asked: the
known value is reused, so no query is wasted.

>>> from nasbench_kit.optimizers import LocalSearch
>>> opt = LocalSearch("nb201", n_init=3, seed=0)
>>> for i in range(10):
...     a = opt.ask(); opt.tell(a, float(i % 4))
>>> opt.n_told
10
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["LocalSearch"]


class LocalSearch(Optimizer):
    """Best-neighbour hill climbing with random restarts at local optima."""

    name = "ls"

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        n_init: int = 10,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if n_init < 1:
            raise OutOfDomainError(f"n_init={n_init} must be >= 1 (e.g. 10)")
        self.n_init = n_init
        self._known: dict[str, tuple[Architecture, float]] = {}
        self._proposed: set[str] = set()
        self._current: tuple[Architecture, float] | None = None
        # Random phase (start and restarts): samples still to ask, and those asked.
        self._batch_left = n_init
        self._batch: list[str] = []
        # Climbing phase: the current neighbourhood (iso hashes) and unasked members.
        self._opened = False
        self._neighbourhood: list[str] = []
        self._queue: list[Architecture] = []
        self.n_restarts = 0

    def _random(self) -> Architecture:
        arch = sample_unseen(self.space, self.rng, self._proposed)
        self._proposed.add(arch.iso_hash)
        return arch

    def _ask(self) -> Architecture:
        for _ in range(10_000):
            if self._current is None:
                # Random phase; if every sample is asked but some are untold, ask one more.
                self._batch_left = max(self._batch_left - 1, 0)
                arch = self._random()
                self._batch.append(arch.iso_hash)
                return arch
            if not self._opened:
                self._open(self._current[0])
                continue
            if self._queue:
                arch = self._queue.pop()
                self._proposed.add(arch.iso_hash)
                return arch
            if any(h not in self._known for h in self._neighbourhood):
                return self._random()  # neighbours still in flight: explore meanwhile
            best = max(
                (self._known[h] for h in self._neighbourhood),
                key=lambda t: t[1],
                default=None,
            )
            self._opened = False
            if best is not None and best[1] > self._current[1]:
                self._current = best
            else:  # local optimum: restart from one fresh random architecture
                self._current = None
                self._batch_left, self._batch = 1, []
                self.n_restarts += 1
        return self._random()  # pragma: no cover - defensive, never reached in practice

    def _open(self, centre: Architecture) -> None:
        """Queue the unseen neighbours of ``centre`` (in random order)."""
        nbrs = self.space.neighbors(centre)
        order = self.rng.permutation(len(nbrs))
        hashes: list[str] = []
        members = {centre.iso_hash}
        queue: list[Architecture] = []
        for i in order:
            a = nbrs[int(i)]
            h = a.iso_hash
            if h in members:
                continue
            members.add(h)
            hashes.append(h)
            if h not in self._known and h not in self._proposed:
                queue.append(a)
        queue.reverse()  # pop() from the end keeps the random order
        self._neighbourhood = hashes
        self._queue = queue
        self._opened = True

    def _tell(self, arch: Architecture, value: Any) -> None:
        h = arch.iso_hash
        old = self._known.get(h)
        if old is None or value > old[1]:
            self._known[h] = (arch, float(value))
        if (
            self._current is None
            and self._batch_left == 0
            and self._batch
            and all(b in self._known for b in self._batch)
        ):
            self._current = max((self._known[b] for b in self._batch), key=lambda t: t[1])
            self._batch = []
            self._opened = False
