"""Optuna samplers (TPE, random, NSGA-II, GP, QMC, CMA-ES ...) as ask/tell optimizers.

The sampler searches the space's *decision vector*
(:meth:`~nasbench_kit.spaces.SearchSpace.decision_sizes`): one Optuna
distribution per position, named by ``space.decision_names()``. Each
``ask()`` runs ``study.ask(distributions)`` and turns the trial's parameters
into an architecture with ``space.from_decisions``; ``tell(arch, value)``
finishes the trial that produced ``arch``.

- **Rejected proposals.** An invalid vector (an NB101 cell with more than 9
  edges or its output cut off, four skips in NB-Graph; NB201 and DARTS vectors
  are always valid) is told to
  Optuna as a ``PRUNED`` trial (TPE ranks it below every completed trial, so
  it learns to avoid such vectors). With ``unique=True`` (default) a vector
  whose architecture (``iso_hash``) was already asked or told is not
  evaluated again: its trial is finished with the value told before (as
  ``FAIL`` when that evaluation failed or is still pending), at no query. Either way the
  sampler is asked again. After ``max_invalid`` rejected proposals in one
  ``ask()`` it returns a uniformly sampled valid architecture instead
  (``space.sample`` with the optimizer's own generator, not yet seen when
  ``unique``); that architecture enters the study when it is told.
  ``n_invalid``, ``n_repeats`` and ``n_fallback`` count the three events.
- **Values** are maximised (``direction="maximize"``). A failed evaluation
  (NaN, ``-inf``) finishes the trial as ``TrialState.FAIL``.
- **Unknown architectures**: telling an architecture this optimizer did not
  ask for (a fallback, a warm start, another optimizer's proposal) adds it as
  a finished trial (``study.add_trial``) with its decision vector.
- **Seeds**: ``sampler`` may be a name (``"tpe"``, ``"random"``, ``"nsga2"``,
  ``"nsga3"``, ``"gp"``, ``"qmc"``, ``"cmaes"``, ``"bruteforce"``), built with a seed drawn from the
  optimizer's ``seed`` (so ``run_many`` seeds give different runs), or an
  Optuna sampler instance, which is deep-copied (one instance can configure
  many optimizers; each starts from the same sampler state): then the
  sampler's own seed fixes the asks and ``seed`` only drives the fallback.
  Same seeds and same tells give the same asks.
- **Logging**: Optuna logs INFO lines (one per study created, so one per
  run of ``run_many``). While this optimizer calls Optuna (``quiet=True``),
  the ``optuna`` logger is raised to WARNING and restored afterwards (the
  change is process-wide for that moment, so other Optuna users in other
  threads are quiet then too). Warnings (e.g. Optuna's ``ExperimentalWarning``
  for some samplers) are left alone.

Optuna is an optional extra (``pip install "nasbench_kit[optuna]"``), imported
when an optimizer is built.

>>> from nasbench_kit.optimizers.optuna_sampler import OptunaOptimizer
>>> opt = OptunaOptimizer("nb201", "tpe", seed=0)
>>> for i in range(5):
...     a = opt.ask(); opt.tell(a, float(i))
>>> len(opt.study.trials), opt.best_value
(5, 4.0)
"""

from __future__ import annotations

import copy
import logging
import math
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench_kit.errors import OptionalDependencyError, OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.spaces import Architecture, SearchSpace

if TYPE_CHECKING:  # pragma: no cover
    import optuna

__all__ = ["SAMPLERS", "OptunaMultiObjective", "OptunaOptimizer", "import_optuna"]

#: Sampler names accepted by ``sampler=`` -> class name in ``optuna.samplers``.
SAMPLERS: dict[str, str] = {
    "tpe": "TPESampler",
    "random": "RandomSampler",
    "nsga2": "NSGAIISampler",
    "nsga3": "NSGAIIISampler",
    "gp": "GPSampler",
    "qmc": "QMCSampler",
    "cmaes": "CmaEsSampler",
    "bruteforce": "BruteForceSampler",
}
_INSTALL = 'pip install "nasbench_kit[optuna]"'


def import_optuna() -> ModuleType:
    """The ``optuna`` module, or ``OptionalDependencyError`` with the install command."""
    try:
        import optuna
    except ImportError as exc:
        raise OptionalDependencyError(
            f"OptunaOptimizer needs the optional package optuna, which is not installed "
            f"({exc}); install it with: {_INSTALL}"
        ) from exc
    return optuna


class _QuietOptuna:
    """Raise the ``optuna`` logger to WARNING while any optimizer is inside; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = logging.NOTSET

    @contextmanager
    def __call__(self) -> Iterator[None]:
        logger = logging.getLogger("optuna")
        with self._lock:
            if self._depth == 0:
                self._saved = logger.level
                if logger.getEffectiveLevel() < logging.WARNING:
                    logger.setLevel(logging.WARNING)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and logger.level != self._saved:
                    logger.setLevel(self._saved)


_quiet = _QuietOptuna()


@contextmanager
def _noop() -> Iterator[None]:
    yield


_LOCKS: dict[type, Any] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
}


def _copy_sampler(sampler: optuna.samplers.BaseSampler) -> optuna.samplers.BaseSampler:
    """A deep copy of ``sampler``; the locks some samplers hold (NSGA-II) are made afresh."""
    memo: dict[int, Any] = {
        id(v): _LOCKS[type(v)]() for v in vars(sampler).values() if type(v) in _LOCKS
    }
    try:
        return copy.deepcopy(sampler, memo)
    except (TypeError, copy.Error) as exc:
        raise OutOfDomainError(
            f"the sampler {sampler!r} cannot be copied ({exc}); pass its name instead "
            f"(one of {list(SAMPLERS)}) with sampler_options={{...}}"
        ) from exc


class OptunaOptimizer(Optimizer):
    """Any Optuna sampler over the space's decision vector (single objective).

    Parameters
    ----------
    space:
        A :class:`SearchSpace` or its name.
    sampler:
        A name from :data:`SAMPLERS` (default ``"tpe"``; seeded from ``seed``,
        options from ``sampler_options``) or an ``optuna.samplers`` instance
        (deep-copied; its own seed then fixes the asks).
    sampler_options:
        Keyword arguments for a sampler given by name (e.g. ``{"n_startup_trials": 20}``).
    distribution:
        ``"categorical"`` (default): each position is an unordered choice;
        ``"int"``: an integer range ``0..size-1`` (for samplers that model only
        numbers, such as CMA-ES and QMC).
    max_invalid:
        Rejected proposals (invalid vectors; repeats when ``unique``) accepted
        within one ``ask()`` before it falls back to a uniformly sampled valid
        architecture (>= 1).
    unique:
        Never ask an architecture (``iso_hash``) twice: a repeated proposal is
        told its earlier value and the sampler asked again.
    quiet:
        Silence Optuna's INFO logging during the optimizer's calls to Optuna.
    seed:
        Int or Generator: seeds a sampler given by name, and the fallback.

    >>> opt = OptunaOptimizer("nb101", "random", seed=1, max_invalid=50)
    >>> a = opt.ask(); opt.tell(a, float("nan"))
    >>> opt.study.trials[-1].state.name
    'FAIL'
    """

    name: ClassVar[str] = "tpe"
    #: Sampler built when ``sampler`` is not given.
    default_sampler: ClassVar[str] = "tpe"

    def __init__(
        self,
        space: str | SearchSpace,
        sampler: str | optuna.samplers.BaseSampler | None = None,
        *,
        sampler_options: Mapping[str, Any] | None = None,
        distribution: str = "categorical",
        max_invalid: int = 100,
        unique: bool = True,
        quiet: bool = True,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        self._optuna = import_optuna()
        if isinstance(max_invalid, bool) or not isinstance(max_invalid, (int, np.integer)) \
                or max_invalid < 1:  # fmt: skip
            raise OutOfDomainError(
                f"max_invalid={max_invalid!r} must be an int >= 1 (rejected proposals accepted "
                "per ask before falling back to a random valid architecture), e.g. 100"
            )
        self.max_invalid = int(max_invalid)
        self._quiet = _quiet if quiet else _noop
        self.sampler = self._make_sampler(sampler, sampler_options)
        self.distribution = distribution
        self._names = self._param_names()
        self._dists = self._distributions(distribution)
        self.n_objectives = 1
        self.unique = bool(unique)
        self.n_invalid = 0
        self.n_repeats = 0
        self.n_fallback = 0
        # iso_hash -> told values (None: pending or failed) of every architecture asked or told
        self._seen: dict[str, list[float] | None] = {}
        self._pending: dict[str, deque[int]] = {}  # arch.hash -> trial numbers asked, oldest first
        self.study: optuna.Study = self._new_study()

    # ---- construction ------------------------------------------------------
    def _make_sampler(
        self, sampler: Any, options: Mapping[str, Any] | None
    ) -> optuna.samplers.BaseSampler:
        samplers = self._optuna.samplers
        if sampler is None:
            sampler = self.default_sampler
        if isinstance(sampler, samplers.BaseSampler):
            if options:
                raise OutOfDomainError(
                    f"sampler_options={dict(options)!r} only apply to a sampler given by name; "
                    "configure the sampler instance itself instead"
                )
            return _copy_sampler(sampler)
        if not isinstance(sampler, str) or sampler not in SAMPLERS:
            raise OutOfDomainError(
                f"sampler={sampler!r} is neither an optuna.samplers.BaseSampler nor one of "
                f"{list(SAMPLERS)}; pass e.g. sampler='tpe' or optuna.samplers.TPESampler(seed=0)"
            )
        options = dict(options or {})
        options.setdefault("seed", int(self.rng.integers(2**31 - 1)))  # always drawn: same stream
        cls = getattr(samplers, SAMPLERS[sampler], None)
        if cls is None:
            raise OptionalDependencyError(
                f"optuna {self._optuna.__version__} has no samplers.{SAMPLERS[sampler]}; "
                f"upgrade it: {_INSTALL} --upgrade"
            )
        try:
            return cls(**options)
        except ImportError as exc:
            raise OptionalDependencyError(
                f"optuna.samplers.{SAMPLERS[sampler]} needs a package that is not installed "
                f"({exc}); install it or choose another sampler"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise OutOfDomainError(
                f"could not build optuna.samplers.{SAMPLERS[sampler]}(**{options!r}): {exc}; "
                "check sampler_options against that sampler's documentation"
            ) from exc

    def _param_names(self) -> tuple[str, ...]:
        names = self.space.decision_names()
        if len(set(names)) == len(names) == len(self.space.decision_sizes()):
            return tuple(names)
        return tuple(f"x{i}" for i in range(len(self.space.decision_sizes())))

    def _distributions(self, kind: str) -> dict[str, optuna.distributions.BaseDistribution]:
        dist = self._optuna.distributions
        sizes = self.space.decision_sizes()
        if kind == "categorical":
            return {
                n: dist.CategoricalDistribution(tuple(range(k))) for n, k in zip(self._names, sizes)
            }
        if kind == "int":
            return {n: dist.IntDistribution(0, k - 1) for n, k in zip(self._names, sizes)}
        raise OutOfDomainError(
            f"distribution={kind!r} is not 'categorical' or 'int'; 'categorical' suits TPE, "
            "random, NSGA-II and GP, 'int' suits samplers that model numbers (CMA-ES, QMC)"
        )

    def _new_study(self) -> optuna.Study:
        directions = ["maximize"] * self.n_objectives
        with self._quiet():
            return self._optuna.create_study(sampler=self.sampler, directions=directions)

    # ---- ask / tell --------------------------------------------------------
    def _ask(self) -> Architecture:
        pruned = self._optuna.trial.TrialState.PRUNED
        with self._quiet():
            for _ in range(self.max_invalid):
                trial = self._new_trial()
                params = trial.params
                try:
                    arch = self.space.from_decisions([params[n] for n in self._names])
                except OutOfDomainError:
                    self.n_invalid += 1
                    self.study.tell(trial, state=pruned)
                    continue
                if self.unique and arch.iso_hash in self._seen:
                    self.n_repeats += 1
                    self._finish(trial.number, self._seen[arch.iso_hash])
                    continue
                self._pending.setdefault(arch.hash, deque()).append(trial.number)
                self._seen[arch.iso_hash] = None
                return arch
        self.n_fallback += 1
        if not self.unique:
            return self.space.sample(self.rng)
        arch = sample_unseen(self.space, self.rng, self._seen)
        self._seen.setdefault(arch.iso_hash, None)
        return arch

    def _new_trial(self) -> optuna.Trial:
        try:
            return self.study.ask(self._dists)
        except ImportError as exc:  # e.g. CmaEsSampler without the cmaes package
            raise OptionalDependencyError(
                f"{type(self.sampler).__name__} needs a package that is not installed ({exc}); "
                "install it (CMA-ES: pip install cmaes) or choose another sampler"
            ) from exc

    def _tell(self, arch: Architecture, value: Any) -> None:
        if arch.space_name != self.space.name:
            raise OutOfDomainError(
                f"tell() got {arch!r}, a {arch.space_name} architecture, but this optimizer "
                f"searches {self.space.name}; tell architectures of that space"
            )
        values = self._values(value)
        failed = any(math.isnan(v) or v == -math.inf for v in values)
        self._seen[arch.iso_hash] = None if failed else values
        queue = self._pending.get(arch.hash)
        with self._quiet():
            if not queue:
                self._add_trial(arch, values, failed)
                return
            number = queue.popleft()
            if not queue:
                del self._pending[arch.hash]
            self._finish(number, None if failed else values)

    def _finish(self, number: int, values: list[float] | None) -> None:
        """Finish trial ``number`` with ``values`` (``None``: as failed)."""
        if values is None:
            self.study.tell(number, state=self._optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(number, values)

    def _add_trial(self, arch: Architecture, values: list[float], failed: bool) -> None:
        """Add an architecture this optimizer did not ask for as a finished trial."""
        vec = self.space.to_decisions(arch)
        params = {n: int(v) for n, v in zip(self._names, vec)}
        state = self._optuna.trial.TrialState
        trial = self._optuna.trial.create_trial(
            state=state.FAIL if failed else state.COMPLETE,
            values=None if failed else values,
            params=params,
            distributions=self._dists,
        )
        self.study.add_trial(trial)

    def _values(self, value: Any) -> list[float]:
        values = [float(v) for v in np.atleast_1d(np.asarray(value, dtype=float))]
        if len(values) != self.n_objectives:
            raise OutOfDomainError(
                f"tell() got {len(values)} value(s) but the study has {self.n_objectives} "
                "objective(s); tell one value per objective (prepare(n_objectives=...) sets it)"
            )
        return values

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(space={self.space.name!r}, "
            f"sampler={type(self.sampler).__name__}, told={self.n_told})"
        )


class OptunaMultiObjective(OptunaOptimizer):
    """An Optuna sampler over several maximised objectives (default: NSGA-II).

    The number of objectives comes from the runner (``prepare(n_objectives=k)``,
    before the first ask) or ``n_objectives`` (default 2). Use a sampler that
    supports multi-objective studies (``"nsga2"``, ``"nsga3"``, ``"tpe"``,
    ``"random"``, ``"gp"``).

    >>> opt = OptunaMultiObjective("nb201", seed=0, sampler_options={"population_size": 4})
    >>> for i in range(6):
    ...     a = opt.ask(); opt.tell(a, (float(i), -float(i % 3)))
    >>> len(opt.study.best_trials) >= 1
    True
    """

    name: ClassVar[str] = "optuna-nsga2"
    multi_objective: ClassVar[bool] = True
    default_sampler: ClassVar[str] = "nsga2"

    def __init__(
        self,
        space: str | SearchSpace,
        sampler: str | optuna.samplers.BaseSampler | None = None,
        *,
        n_objectives: int = 2,
        sampler_options: Mapping[str, Any] | None = None,
        distribution: str = "categorical",
        max_invalid: int = 100,
        unique: bool = True,
        quiet: bool = True,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(space, sampler, sampler_options=sampler_options,
                         distribution=distribution, max_invalid=max_invalid, unique=unique,
                         quiet=quiet, seed=seed)  # fmt: skip
        self._set_objectives(n_objectives)

    def prepare(self, *, fidelities: Sequence[float] = (), n_objectives: int = 1) -> None:
        """Record the fidelities and set the study's number of objectives."""
        super().prepare(fidelities=fidelities, n_objectives=n_objectives)
        self._set_objectives(n_objectives)

    def _set_objectives(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise OutOfDomainError(f"n_objectives={n!r} must be an int >= 1 (e.g. 2)")
        if int(n) == self.n_objectives:
            return
        if self.study.trials:
            raise OutOfDomainError(
                f"the study already has trials with {self.n_objectives} objective(s); "
                f"set n_objectives={n} before the first ask"
            )
        self.n_objectives = int(n)
        self.study = self._new_study()
