"""Ask/tell search strategies. Each sees only what ``tell`` gives it.

>>> from nasbench_kit.optimizers import make_optimizer, list_optimizers
>>> "rea" in list_optimizers()
True
>>> opt = make_optimizer("rea", "nb201", seed=0)
>>> type(opt).__name__
'RegularizedEvolution'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
from nasbench_kit.optimizers.optuna_sampler import OptunaMultiObjective, OptunaOptimizer
from nasbench_kit.optimizers.proxy_filter import ProxyFilter
from nasbench_kit.optimizers.random_search import RandomSearch
from nasbench_kit.spaces import SearchSpace

#: Registered optimizers by short name: the abbreviations used in NAS papers and
#: NASLib (RS, REA, LS, BANANAS, NPENAS, SH, HB, NSGA-II), lower-case, then the
#: Optuna samplers (``tpe``; ``optuna-nsga2`` multi-objective), which need the
#: optional extra ``pip install "nasbench_kit[optuna]"`` when constructed, and
#: ``proxy-filter`` (a zero-cost proxy screens the base strategy's candidates).
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "rs": RandomSearch,
    "rea": RegularizedEvolution,
    "ls": LocalSearch,
    "bananas": Bananas,
    "npenas": NPENAS,
    "sh": SuccessiveHalving,
    "hb": Hyperband,
    "nsga2": NSGA2,
    "tpe": OptunaOptimizer,
    "optuna-nsga2": OptunaMultiObjective,
    "proxy-filter": ProxyFilter,
}

#: Longer names accepted by :func:`make_optimizer` (and ``--optimizer``) as well.
ALIASES: dict[str, str] = {
    "random": "rs",
    "re": "rea",
    "evolution": "rea",
    "local": "ls",
    "hyperband": "hb",
    "optuna": "tpe",
}


def list_optimizers() -> list[str]:
    """Registered optimizer short names (for ``--optimizer``)."""
    return list(OPTIMIZERS)


def make_optimizer(
    name: str,
    space: str | SearchSpace,
    *,
    seed: int | np.random.Generator | None = None,
    **kwargs: Any,
) -> Optimizer:
    """Build the optimizer registered as ``name`` (or an alias); keyword options pass through."""
    cls = OPTIMIZERS.get(ALIASES.get(name, name)) if isinstance(name, str) else None
    if cls is None:
        raise OutOfDomainError(
            f"unknown optimizer {name!r}; choose one of {list(OPTIMIZERS)} "
            f"(aliases: {', '.join(f'{a}={t}' for a, t in ALIASES.items())})"
        )
    return cls(space, seed=seed, **kwargs)


@dataclass(frozen=True)
class OptimizerFactory:
    """A picklable ``seed -> optimizer`` for ``run_many`` (works in every executor).

    >>> make = OptimizerFactory("rea", "nb201", {"population_size": 20})
    >>> make(3).population_size
    20
    """

    name: str
    space: str | SearchSpace
    options: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, seed: int) -> Optimizer:
        return make_optimizer(self.name, self.space, seed=seed, **self.options)


__all__ = [
    "ALIASES",
    "NPENAS",
    "NSGA2",
    "OPTIMIZERS",
    "Bananas",
    "Hyperband",
    "LocalSearch",
    "Optimizer",
    "OptimizerFactory",
    "OptunaMultiObjective",
    "OptunaOptimizer",
    "PredictorLike",
    "ProxyFilter",
    "RandomSearch",
    "RegularizedEvolution",
    "SuccessiveHalving",
    "as_value",
    "as_values",
    "list_optimizers",
    "make_optimizer",
]
