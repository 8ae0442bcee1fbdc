"""The ``Evaluator`` contract: anything the search runner may query.

A table (:class:`~nasbench_kit.tables.Benchmark`), a surrogate benchmark, a
live-training evaluator and a :class:`Fallback` chain all implement it, so
``run_search``/``run_many`` are written once against this protocol and never
duck-type. The contract test suite (``nasbench_kit.evaluators.testing``) runs
over every implementation.

Rules every implementation keeps
--------------------------------
- ``query(arch, metric, fidelity=None, seed=None) -> EvalResult``: ``arch`` is
  an :class:`~nasbench_kit.spaces.Architecture` of ``space`` or any notation of
  it; ``fidelity=None`` is the largest of ``fidelities`` (a :class:`Fallback`
  of links with different fidelities: the answering link's largest;
  ``EvalResult.fidelity`` always says which was answered); ``seed=None`` is the
  mean over training seeds (a surrogate: the ensemble mean), ``seed=k`` one
  training seed (a surrogate: a reproducible noisy draw). Errors:
  ``UnknownMetricError`` / ``UnknownFidelityError`` / ``UnknownSeedError``
  listing the valid choices, ``OutOfDomainError`` for a non-architecture,
  ``NotInTableError`` for a valid architecture this evaluator cannot answer.
- ``query_many(archs, metric, fidelity=None, seed=None) -> float64 ndarray``,
  equal element-wise to ``query(...).value`` (vectorised where possible).
- ``EvalResult.cost`` is simulated seconds (0.0 when ``cost_metric`` is None;
  a ``Fallback`` of links with different cost metrics has ``cost_metric``
  None, so ``max_seconds`` budgets refuse it, yet each answer carries its own
  link's cost),
  ``EvalResult.provenance`` is ``"<kind>:<detail>"`` (``nasbench_kit.results``).
- ``optimum(metric, maximize=True, fidelity=None)``: the best value over the
  whole space when known (a full table), else ``None``. ``pareto_front`` is the
  same for several metrics (an ``(n, len(metrics))`` array of the true front).
- ``arch in evaluator``: True when ``query`` would answer it (not raise
  ``NotInTableError``). A surrogate or live evaluator holds its whole space.
- Queries never change observable state, except that a live evaluator may
  fill its result cache. Evaluators are picklable (workers receive them).

>>> import nasbench_kit as nbk
>>> isinstance(nbk.load("analognas/cifar10"), Evaluator)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nasbench_kit.results import EvalResult
    from nasbench_kit.spaces import SearchSpace

__all__ = ["Evaluator"]


@runtime_checkable
class Evaluator(Protocol):
    """What the search runner needs from a table, surrogate, live trainer or chain."""

    @property
    def name(self) -> str:
        """A short name, e.g. ``analognas/cifar10`` or ``surrogate(nb301/zc)``."""

    @property
    def space(self) -> SearchSpace:
        """The search space of the architectures it answers."""

    @property
    def dataset(self) -> str:
        """The dataset the answers are for."""

    @property
    def metrics(self) -> tuple[str, ...]:
        """Metric names it answers."""

    @property
    def units(self) -> Mapping[str, str]:
        """Metric -> unit."""

    @property
    def fidelities(self) -> tuple[float, ...]:
        """Fidelities (epochs), ascending; ``None`` in a query means the last."""

    @property
    def seeds(self) -> tuple[int, ...]:
        """Training seeds to draw from for noisy queries; ``()``: mean only."""

    @property
    def cost_metric(self) -> str | None:
        """The metric whose value is a query's cost in seconds, or None (cost 0)."""

    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult: ...

    def query_many(
        self,
        archs: Iterable[Any],
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> np.ndarray: ...

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None: ...

    def pareto_front(
        self,
        metrics: Sequence[str],
        maximize: Sequence[bool],
        fidelity: float | None = None,
    ) -> np.ndarray | None: ...

    def __contains__(self, arch: Any) -> bool: ...
