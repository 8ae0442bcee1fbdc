"""NPENAS-style predictor-guided evolution (Wei et al. 2022).

Parents are drawn by tournament selection from the evaluated population; each
ask generates ``n_candidates`` mutated children of tournament winners (all
tournaments drawn in one NumPy call), and the predictor picks the child with
the highest acquisition value: ``"ucb"`` (mean + std, the default),
``"mean"`` (NPENAS-NP) or Thompson sampling (``"its"``, NPENAS-BO).

The default predictor is the NumPy Gaussian process
:class:`~nasbench_kit.predictors.fast_gp.FastGPPredictor` on cached structure
features, refitted warm after every result; with UCB it found the NB-201
optimum more often than with the mean (``benchmarks/guided_speed.py``). The
earlier default is ``NPENAS(space, predictor=xgb_ensemble_predictor,
acquisition="mean")``.

>>> from nasbench_kit.optimizers import NPENAS
>>> from nasbench_kit.optimizers.testing import MeanPredictor
>>> opt = NPENAS("nb201", n_init=3, predictor=lambda rng: MeanPredictor(), seed=0)
>>> for i in range(5):
...     a = opt.ask(); opt.tell(a, float(i))
>>> opt.n_told
5
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._guided import PredictorGuided, PredictorSpec
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["NPENAS"]


class NPENAS(PredictorGuided):
    """Evolution whose offspring are screened by a performance predictor."""

    name = "npenas"

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        n_init: int = 10,
        predictor: PredictorSpec | None = None,
        acquisition: str = "ucb",
        ucb_beta: float = 1.0,
        refit_every: int = 1,
        population_size: int = 50,
        sample_size: int = 5,
        n_candidates: int = 100,
        max_edits: int = 2,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            space,
            n_init=n_init,
            predictor=predictor,
            acquisition=acquisition,
            ucb_beta=ucb_beta,
            refit_every=refit_every,
            seed=seed,
        )
        if population_size < 1 or sample_size < 1 or n_candidates < 1 or max_edits < 1:
            raise OutOfDomainError(
                f"population_size={population_size}, sample_size={sample_size}, "
                f"n_candidates={n_candidates}, max_edits={max_edits}: all must be >= 1"
            )
        self.population_size = population_size
        self.sample_size = sample_size
        self.n_candidates = n_candidates
        self.max_edits = max_edits
        self._order: list[str] = []  # iso hashes in arrival order (aging population)

    def _tell(self, arch: Architecture, value: object) -> None:
        if arch.iso_hash not in self.history:
            self._order.append(arch.iso_hash)
        super()._tell(arch, value)

    def _candidates(self) -> list[Architecture]:
        members = [self.history[h] for h in self._order[-self.population_size :]]
        values = np.array([v for _, v in members])
        n, k = len(members), min(self.sample_size, len(members))
        # All n_candidates tournaments at once: k distinct members each, in a
        # random order; the best wins (ties: the one drawn first).
        drawn = np.argsort(self.rng.random((self.n_candidates, n)), axis=1)[:, :k]
        winners = drawn[np.arange(len(drawn)), np.argmax(values[drawn], axis=1)]
        edits = self.rng.integers(1, self.max_edits + 1, size=len(winners))
        pool: dict[str, Architecture] = {}
        for w, e in zip(winners.tolist(), edits.tolist()):
            child = members[w][0]
            for _ in range(e):
                child = self.space.mutate(child, self.rng)
            self._unseen([child], pool)
        return list(pool.values())
