"""What one search run is: its checked arguments and the evaluator's reference optimum.

:func:`prepare_run` validates every argument of ``run_search`` against the
evaluator *before any query* and asks the evaluator once for the optimum (or
the true Pareto front) that regret is measured against. ``run_many`` prepares
once and sends the small frozen :class:`RunSpec` to every worker.

>>> from nasbench_kit.optimizers.testing import HashBenchmark
>>> spec = prepare_run(HashBenchmark("nb201"), "val_acc", max_queries=10)
>>> spec.metrics, spec.target, spec.optimum
(('val_acc',), 200.0, nan)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError, UnknownFidelityError, UnknownMetricError
from nasbench_kit.evaluators.protocol import Evaluator
from nasbench_kit.pareto import hypervolume

__all__ = ["ON_MISSING", "RunSpec", "check_evaluator_type", "prepare_run"]

#: Accepted values of ``on_missing``.
ON_MISSING = ("fail", "raise")


@dataclass(frozen=True)
class RunSpec:
    """Checked arguments of one run (see ``run_search`` for their meaning)."""

    metrics: tuple[str, ...]
    maximize: tuple[bool, ...]
    target: float
    fidelities: tuple[float, ...]
    max_queries: int | None
    max_seconds: float | None
    seed: int | np.random.Generator | None
    dedupe_isomorphic: bool
    on_missing: str
    resume: bool
    max_free_asks: int
    optimum: float
    hv_ref: tuple[float, ...] | None
    workers: int = 1


def check_evaluator_type(ev: object) -> None:
    """Refuse anything that does not implement the Evaluator protocol."""
    if not isinstance(ev, Evaluator):
        raise OutOfDomainError(
            f"{type(ev).__name__} object is not an evaluator: search needs the Evaluator "
            "protocol (name, space, metrics, fidelities, seeds, cost_metric, query, "
            "query_many, optimum, pareto_front); pass e.g. nasbench_kit.load(NAME)"
        )


def check_metrics(ev: Evaluator, metric: str | Sequence[str]) -> tuple[str, ...]:
    """``metric`` as a tuple of the evaluator's metric names (1 or 2 of them)."""
    metrics = (metric,) if isinstance(metric, str) else tuple(metric)
    have = tuple(ev.metrics)
    bad = [m for m in metrics if m not in have]
    if not metrics or bad:
        raise UnknownMetricError(
            f"metric {bad[0] if bad else metric!r} is not in {ev.name!r}; "
            f"choose one of {list(have)}"
        )
    if len(metrics) > 2:
        raise OutOfDomainError(
            f"metric={list(metrics)}: a search optimises one metric or two (scored by "
            "the exact 2-D hypervolume); pass at most two"
        )
    return metrics


def _flags(maximize: bool | Sequence[bool], n: int) -> tuple[bool, ...]:
    flags = (bool(maximize),) * n if isinstance(maximize, (bool, np.bool_)) else tuple(maximize)
    if len(flags) != n:
        raise OutOfDomainError(
            f"maximize={maximize!r} has {len(flags)} flags for {n} metrics; pass one per metric"
        )
    return tuple(bool(f) for f in flags)


def target_fidelity(ev: Evaluator, fidelity: float | None) -> float:
    """``fidelity`` checked against the evaluator's (``None``: the largest)."""
    fids = tuple(float(f) for f in ev.fidelities)
    if fidelity is None:
        return max(fids)
    if isinstance(fidelity, bool) or not isinstance(fidelity, numbers.Real) or (
        float(fidelity) not in fids
    ):
        raise UnknownFidelityError(
            f"fidelity {fidelity!r} is not in {ev.name!r}; choose one of {list(fids)} "
            "(epochs) or None for the largest"
        )
    return float(fidelity)


def _check_count(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise OutOfDomainError(f"{name}={value!r} must be an int >= {low}")
    return int(value)


def _check_budget(ev: Evaluator, max_queries: int | None, max_seconds: float | None) -> None:
    if max_queries is None and max_seconds is None:
        raise OutOfDomainError("a search needs a budget: pass max_queries=N and/or max_seconds=S")
    if max_queries is not None:
        _check_count("max_queries", max_queries, 0)
    if max_seconds is None:
        return
    if isinstance(max_seconds, bool) or not isinstance(max_seconds, numbers.Real) or not (
        max_seconds >= 0
    ):
        raise OutOfDomainError(f"max_seconds={max_seconds!r} must be a number >= 0")
    if ev.cost_metric is None:
        raise OutOfDomainError(
            f"max_seconds={max_seconds} needs simulated training costs but {ev.name!r} has "
            "no cost metric (every query costs 0 s); use max_queries=N instead, or an "
            "evaluator with timing (e.g. a table with train_time)"
        )


def default_hv_ref(front: np.ndarray, maximize: Sequence[bool]) -> tuple[float, ...]:
    """The true front's worst value of each metric, pushed out by 10% of the front's range.

    Every front point then adds volume (a range of 0 pushes by 10% of the value, or 1).

    >>> default_hv_ref(np.array([[90.0, 10.0], [80.0, 5.0]]), (True, False))
    (79.0, 10.5)
    """
    worst = np.where(maximize, front.min(axis=0), front.max(axis=0))
    span = front.max(axis=0) - front.min(axis=0)
    span = np.where(span > 0, span, np.maximum(np.abs(worst), 10.0))
    pad = 0.1 * span
    return tuple(float(v) for v in np.where(maximize, worst - pad, worst + pad))


def reference(
    ev: Evaluator,
    metrics: tuple[str, ...],
    flags: tuple[bool, ...],
    target: float,
    hv_ref: Sequence[float] | None,
) -> tuple[float, tuple[float, ...] | None]:
    """``(optimum, hv_ref)``: the best value (one metric) or the true front's hypervolume.

    The optimum is NaN where the evaluator does not know it (``None``).
    """
    ref = None if hv_ref is None else tuple(float(r) for r in hv_ref)
    if ref is not None and len(ref) != len(metrics):
        raise OutOfDomainError(f"hv_ref={list(ref)} needs one value per metric {list(metrics)}")
    if len(metrics) == 1:
        best = ev.optimum(metrics[0], maximize=flags[0], fidelity=target)
        return (math.nan if best is None else float(best)), ref
    front = ev.pareto_front(metrics, flags, fidelity=target)
    if front is None:
        return math.nan, ref
    pts = np.asarray(front, dtype=float).reshape(-1, len(metrics))
    pts = pts[~np.isnan(pts).any(axis=1)]
    if not len(pts):
        return math.nan, ref
    if ref is None:
        ref = default_hv_ref(pts, flags)
    return hypervolume(pts, ref, flags), ref


def prepare_run(
    ev: Evaluator,
    metric: str | Sequence[str],
    *,
    max_queries: int | None = None,
    max_seconds: float | None = None,
    seed: int | np.random.Generator | None = None,
    fidelity: float | None = None,
    dedupe_isomorphic: bool = False,
    maximize: bool | Sequence[bool] = True,
    on_missing: str = "fail",
    resume: bool = True,
    hv_ref: Sequence[float] | None = None,
    max_free_asks: int = 10_000,
    workers: int = 1,
) -> RunSpec:
    """Check every argument against ``ev`` and build the :class:`RunSpec`."""
    check_evaluator_type(ev)
    metrics = check_metrics(ev, metric)
    flags = _flags(maximize, len(metrics))
    target = target_fidelity(ev, fidelity)
    _check_budget(ev, max_queries, max_seconds)
    if on_missing not in ON_MISSING:
        raise OutOfDomainError(f"on_missing={on_missing!r}: choose one of {list(ON_MISSING)}")
    if seed is not None:
        as_rng(seed)  # refuses bad seeds (type, negative) before any query
    _check_count("max_free_asks", max_free_asks, 0)
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise OutOfDomainError(
            f"workers={workers!r} (simulated workers) must be an int >= 1, e.g. workers=4"
        )
    optimum, ref = reference(ev, metrics, flags, target, hv_ref)
    return RunSpec(
        metrics=metrics, maximize=flags, target=target,
        fidelities=tuple(float(f) for f in ev.fidelities),
        max_queries=None if max_queries is None else int(max_queries),
        max_seconds=None if max_seconds is None else float(max_seconds),
        seed=seed, dedupe_isomorphic=bool(dedupe_isomorphic), on_missing=on_missing,
        resume=bool(resume), max_free_asks=int(max_free_asks), optimum=optimum, hv_ref=ref,
        workers=int(workers),
    )  # fmt: skip
