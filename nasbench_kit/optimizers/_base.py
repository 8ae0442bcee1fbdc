"""The ask/tell protocol every optimizer follows.

An optimizer proposes with ``ask()`` and learns with ``tell(arch, result)``. It
owns its random generator and never sees the benchmark table: everything it
knows about performance comes through ``tell``. Values are always *maximised*
(the runner negates a minimised metric before telling). A failed evaluation
(architecture missing from the table, NaN) is told as ``nan`` and treated as
the worst possible value.

Multi-fidelity optimizers set :attr:`Optimizer.next_fidelity` in ``ask()`` to
the fidelity (epochs) they want that architecture evaluated at; ``None`` means
"the run's target fidelity". The runner reads it right after every ``ask``, so
the loop is the same for every optimizer.

>>> from nasbench_kit.optimizers import RandomSearch
>>> opt = RandomSearch("nb201", seed=0)
>>> arch = opt.ask()
>>> opt.tell(arch, 91.2)
>>> opt.best_value
91.2
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture, SearchSpace, get_space

__all__ = ["Optimizer", "PredictorLike", "as_value", "as_values"]


class PredictorLike(Protocol):
    """What predictor-guided optimizers need (the predictors' sklearn contract)."""

    def fit(self, archs: Sequence[Architecture], y: Sequence[float]) -> Any: ...

    def predict(self, archs: Sequence[Architecture]) -> np.ndarray: ...


PredictorFactory = Callable[[np.random.Generator], PredictorLike]


def as_value(result: Any) -> float:
    """A told result as a float to maximise; failures (NaN, None) become ``-inf``.

    Accepts a number or anything with a ``.value`` (e.g. ``EvalResult``).
    """
    if result is None:
        return -math.inf
    if hasattr(result, "value"):
        result = result.value
    try:
        value = float(result)
    except (TypeError, ValueError) as exc:
        raise OutOfDomainError(
            f"tell() got result={result!r}; pass a number (the value to maximise), "
            "an object with a .value, or float('nan') for a failed evaluation"
        ) from exc
    return -math.inf if math.isnan(value) else value


def as_values(result: Any) -> np.ndarray:
    """A told multi-objective result as a float vector (NaN/None entries -> ``-inf``)."""
    if hasattr(result, "value"):
        result = result.value
    if result is None:
        return np.array([-math.inf])
    arr = np.atleast_1d(np.asarray(result, dtype=float)).copy()
    arr[np.isnan(arr)] = -math.inf
    return arr


class Optimizer(abc.ABC):
    """Base of every search strategy.

    Subclasses implement :meth:`_ask` and :meth:`_tell`; the public
    :meth:`ask`/:meth:`tell` add bookkeeping (counts, best so far).

    Parameters
    ----------
    space:
        A :class:`SearchSpace` or its registered name.
    seed:
        Int or ``numpy.random.Generator``; the same seed gives the same
        sequence of asks for the same sequence of tells.
    """

    #: Registry name (``nasbench-kit search --optimizer NAME``).
    name: ClassVar[str] = ""
    #: True when the optimizer sets ``next_fidelity``.
    multi_fidelity: ClassVar[bool] = False
    #: True when ``tell`` expects one value per objective.
    multi_objective: ClassVar[bool] = False

    def __init__(
        self, space: str | SearchSpace, *, seed: int | np.random.Generator | None = None
    ) -> None:
        self.space: SearchSpace = get_space(space)
        self.rng: np.random.Generator = as_rng(seed)
        self.next_fidelity: float | None = None
        self.n_asked = 0
        self.n_told = 0
        self.best_value = -math.inf
        self.best_arch: Architecture | None = None
        self.fidelities: tuple[float, ...] = ()

    # ---- set-up by the runner ---------------------------------------------
    def prepare(self, *, fidelities: Sequence[float] = (), n_objectives: int = 1) -> None:
        """Called once by the runner before the first ``ask``.

        ``fidelities`` are the fidelity labels (epochs, ascending) the table
        holds; multi-fidelity optimizers use them as their rungs unless given
        their own. No values are passed: optimizers never read the table.
        """
        self.fidelities = tuple(sorted(float(f) for f in fidelities))
        if n_objectives != 1 and not self.multi_objective:
            raise OutOfDomainError(
                f"{type(self).__name__} optimizes one objective but the run has "
                f"{n_objectives}; use a multi-objective optimizer (e.g. NSGA2) or one metric"
            )

    # ---- protocol ----------------------------------------------------------
    def ask(self) -> Architecture:
        """The next architecture to evaluate (sets :attr:`next_fidelity`)."""
        self.next_fidelity = None
        arch = self._ask()
        self.n_asked += 1
        return arch

    def tell(self, arch: Architecture, result: Any) -> None:
        """Report the observed value of ``arch`` (float, ``.value`` object, or NaN)."""
        if not isinstance(arch, Architecture):
            raise OutOfDomainError(
                f"tell() got arch={arch!r}; pass the Architecture that ask() returned"
            )
        if self.multi_objective:
            value: Any = as_values(result)
            scalar = float(value[0])
        else:
            value = as_value(result)
            scalar = value
        self.n_told += 1
        if scalar > self.best_value or self.best_arch is None:
            self.best_value = scalar
            self.best_arch = arch
        self._tell(arch, value)

    @abc.abstractmethod
    def _ask(self) -> Architecture:
        """Propose one architecture."""

    @abc.abstractmethod
    def _tell(self, arch: Architecture, value: Any) -> None:
        """Learn from one evaluation (``value`` already normalised, failures = -inf)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(space={self.space.name!r}, told={self.n_told})"


def sample_unseen(
    space: SearchSpace,
    rng: np.random.Generator,
    seen: set[str] | dict[str, Any],
    tries: int = 100,
) -> Architecture:
    """A random architecture whose ``iso_hash`` is not in ``seen`` (best effort).

    After ``tries`` collisions the last sample is returned anyway, so a nearly
    exhausted space never loops forever.
    """
    arch = space.sample(rng)
    for _ in range(tries):
        if arch.iso_hash not in seen:
            return arch
        arch = space.sample(rng)
    return arch
