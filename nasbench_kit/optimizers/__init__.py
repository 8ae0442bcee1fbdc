"""Ask/tell search strategies. Each sees only what ``tell`` gives it.

>>> from nasbench_kit.optimizers import make_optimizer, list_optimizers
>>> "rea" in list_optimizers()
True
>>> opt = make_optimizer("rea", "nb201", seed=0)
>>> type(opt).__name__
'RegularizedEvolution'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, PredictorLike, as_value, as_values
from nasbench_kit.optimizers.bananas import Bananas
from nasbench_kit.optimizers.evolution import RegularizedEvolution
from nasbench_kit.optimizers.hyperband import Hyperband, SuccessiveHalving
from nasbench_kit.optimizers.local import LocalSearch
from nasbench_kit.optimizers.multiobjective import NSGA2
from nasbench_kit.optimizers.npenas import NPENAS
from nasbench_kit.optimizers.random_search import RandomSearch
from nasbench_kit.spaces import SearchSpace

OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls
    for cls in (
        RandomSearch,
        RegularizedEvolution,
        LocalSearch,
        Bananas,
        NPENAS,
        SuccessiveHalving,
        Hyperband,
        NSGA2,
    )
}


def list_optimizers() -> list[str]:
    """Registered optimizer names (for ``--optimizer``)."""
    return list(OPTIMIZERS)


def make_optimizer(
    name: str,
    space: str | SearchSpace,
    *,
    seed: int | np.random.Generator | None = None,
    **kwargs: Any,
) -> Optimizer:
    """Build the optimizer registered as ``name`` (keyword options pass through)."""
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise OutOfDomainError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    return cls(space, seed=seed, **kwargs)


__all__ = [
    "NPENAS",
    "NSGA2",
    "OPTIMIZERS",
    "Bananas",
    "Hyperband",
    "LocalSearch",
    "Optimizer",
    "PredictorLike",
    "RandomSearch",
    "RegularizedEvolution",
    "SuccessiveHalving",
    "as_value",
    "as_values",
    "list_optimizers",
    "make_optimizer",
]
