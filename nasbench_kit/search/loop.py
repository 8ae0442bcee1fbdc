"""``run_search``: drive an ask/tell optimizer against an evaluator on a simulated clock.

This loop is the only place that advances a :class:`SimulatedClock`: each
query moves it forward by the query's ``cost`` (simulated training seconds).
The evaluator is anything implementing
:class:`~nasbench_kit.evaluators.Evaluator` (a table, a surrogate, live
training, a fallback chain).

Semantics (documented contract)
-------------------------------
- **Budgets.** ``max_queries`` counts evaluator queries; ``max_seconds`` counts
  simulated seconds. A query whose cost would push the clock past
  ``max_seconds`` is *not* made: it is not counted, not told, and the run stops
  with the clock at or below the budget. ``max_seconds`` needs an evaluator
  with a cost metric (``OutOfDomainError`` otherwise); without one every cost
  is 0 and ``time`` stays 0, so incumbent-vs-time is not available.
- **Arguments** are checked before any query (:func:`~nasbench_kit.search.spec.prepare_run`):
  an unknown metric raises ``UnknownMetricError``, an unknown fidelity
  ``UnknownFidelityError`` (both listing the choices).
- **Missing architectures.** A valid architecture the evaluator cannot answer
  (``NotInTableError``) costs one query, is recorded with ``value`` NaN and
  ``provenance`` ``""`` and told to the optimizer as NaN (a failed evaluation,
  ranked worst); ``on_missing="raise"`` re-raises the error instead.
- **Isomorphic duplicates.** With ``dedupe_isomorphic=True`` an architecture
  whose ``iso_hash`` was already evaluated at the same fidelity is told the
  cached value at no cost and is not a step (``max_free_asks`` consecutive
  free re-asks end the run: the space is exhausted). Otherwise every ask is a
  query, repeats included.
- **Fidelity.** The run's target fidelity is ``fidelity`` (default: the
  evaluator's largest). Multi-fidelity optimizers pick a fidelity per ask; an
  architecture promoted to a higher fidelity is charged only the extra
  training (``resume=True``). ``incumbent`` and ``regret`` only use queries
  at the target fidelity.
- **Direction.** ``maximize=False`` negates the values told to the optimizer
  (optimizers always maximise); the trajectory keeps the raw values.
- **Regret** is measured against ``evaluator.optimum(...)``; where that is
  ``None`` (a surrogate, a partial table) regret is NaN.
- **Two metrics** (``metric=("val_acc", "latency")``, ``maximize=(True,
  False)``): one column per metric, ``value`` = the first, ``incumbent`` = the
  hypervolume of the front found so far w.r.t. ``hv_ref`` (default: from the
  evaluator's true front, see :func:`~nasbench_kit.search.spec.default_hv_ref`)
  and ``regret`` = the true front's hypervolume minus it.

The trajectory's columns are defined in :mod:`nasbench_kit.search.trajectory`.

>>> import nasbench_kit as nbk
>>> from nasbench_kit.optimizers import RandomSearch
>>> from nasbench_kit.optimizers.testing import HashBenchmark
>>> df = nbk.run_search(RandomSearch("nb201", seed=0), HashBenchmark("nb201"), "val_acc",
...                     max_queries=5)
>>> list(df.columns) == list(COLUMNS)
True
>>> bool((df["incumbent"].diff().dropna() >= 0).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import NotInTableError, UnknownFidelityError
from nasbench_kit.search.spec import RunSpec, prepare_run
from nasbench_kit.search.trajectory import COLUMNS, Trajectory
from nasbench_kit.tables.clock import SimulatedClock

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from nasbench_kit.evaluators import Evaluator
    from nasbench_kit.optimizers import Optimizer
    from nasbench_kit.spaces import Architecture

__all__ = ["COLUMNS", "execute", "run_search"]


def run_search(
    optimizer: Optimizer,
    evaluator: Evaluator,
    metric: str | Sequence[str],
    max_queries: int | None = None,
    max_seconds: float | None = None,
    seed: int | np.random.Generator | None = None,
    fidelity: float | None = None,
    dedupe_isomorphic: bool = False,
    maximize: bool | Sequence[bool] = True,
    *,
    on_missing: str = "fail",
    resume: bool = True,
    hv_ref: Sequence[float] | None = None,
    max_free_asks: int = 10_000,
) -> pd.DataFrame:
    """Drive ``optimizer`` on ``evaluator`` until a budget ends; return the trajectory.

    ``seed`` only matters for evaluators with training seeds
    (``evaluator.seeds``): ``None`` answers every query with the mean over
    seeds; an int draws one training seed per query (a noisy evaluation,
    reproducible). The optimizer has its own seed. Columns:
    :data:`~nasbench_kit.search.trajectory.COLUMNS` (plus one per metric when
    two). See the module docstring for the semantics.
    """
    spec = prepare_run(
        evaluator, metric, max_queries=max_queries, max_seconds=max_seconds, seed=seed,
        fidelity=fidelity, dedupe_isomorphic=dedupe_isomorphic, maximize=maximize,
        on_missing=on_missing, resume=resume, hv_ref=hv_ref, max_free_asks=max_free_asks,
    )  # fmt: skip
    return execute(optimizer, evaluator, spec)


def _ask(optimizer: Optimizer, spec: RunSpec, ev: Evaluator) -> tuple[Architecture, float]:
    arch = optimizer.ask()
    fid = optimizer.next_fidelity
    fid = spec.target if fid is None else float(fid)
    if fid not in spec.fidelities:
        raise UnknownFidelityError(
            f"{type(optimizer).__name__} asked for fidelity {fid!r}, which {ev.name!r} "
            f"lacks; choose from {list(spec.fidelities)}"
        )
    return arch, fid


def _evaluate(
    ev: Evaluator, arch: Architecture, fid: float, tseed: int | None, spec: RunSpec
) -> tuple[list[float], float, str]:
    """``(values per metric, cost, provenance)``; NaN values and ``""`` when not answerable."""
    try:
        first = ev.query(arch, spec.metrics[0], fid, tseed)
        if len(spec.metrics) == 1:
            return [first.value], first.cost, first.provenance
        rest = [ev.query(arch, m, fid, tseed).value for m in spec.metrics[1:]]
    except NotInTableError:
        if spec.on_missing == "raise":
            raise
        return [math.nan] * len(spec.metrics), 0.0, ""
    return [first.value, *rest], first.cost, first.provenance


def execute(optimizer: Optimizer, ev: Evaluator, spec: RunSpec) -> pd.DataFrame:
    """Run one search from a prepared :class:`RunSpec` (``run_many`` calls this in workers)."""
    optimizer.prepare(fidelities=spec.fidelities, n_objectives=len(spec.metrics))
    train_seeds = tuple(ev.seeds)
    seed_rng = as_rng(spec.seed) if spec.seed is not None and train_seeds else None
    signs = [1.0 if f else -1.0 for f in spec.maximize]
    traj = Trajectory(spec.metrics, spec.maximize, spec.target, spec.optimum, spec.hv_ref)
    clock = SimulatedClock()
    told_cache: dict[tuple[str, float], Any] = {}
    paid: dict[str, tuple[float, float]] = {}  # arch hash -> (fidelity, cost) trained so far
    limit = math.inf if spec.max_queries is None else spec.max_queries
    free, stopped = 0, "max_queries"
    while len(traj) < limit:
        arch, fid = _ask(optimizer, spec, ev)
        key = (arch.iso_hash, fid) if spec.dedupe_isomorphic else None
        if key is not None and key in told_cache:
            free += 1
            if free > spec.max_free_asks:
                stopped = "exhausted"
                break
            optimizer.tell(arch, told_cache[key])
            continue
        free = 0
        tseed = train_seeds[int(seed_rng.integers(len(train_seeds)))] if seed_rng else None
        values, cost, provenance = _evaluate(ev, arch, fid, tseed, spec)
        cost_s = 0.0 if cost != cost else cost  # NaN cost (no timing for the row) -> 0
        charge = cost_s
        prev = paid.get(arch.hash) if spec.resume else None
        if prev is not None and prev[0] < fid:
            charge = max(charge - prev[1], 0.0)
        if spec.max_seconds is not None and clock.now + charge > spec.max_seconds:
            stopped = "max_seconds"
            break
        clock.advance(charge)
        if spec.resume and values[0] == values[0] and (prev is None or prev[0] < fid):
            paid[arch.hash] = (fid, cost_s)
        traj.record(values, time=clock.now, arch=arch, cost=cost, fidelity=fid,
                    provenance=provenance)  # fmt: skip
        told = values[0] * signs[0] if len(values) == 1 else tuple(
            v * s for v, s in zip(values, signs))  # fmt: skip
        optimizer.tell(arch, told)
        if key is not None:
            told_cache[key] = told
    return traj.frame(stopped=stopped, bench=ev.name)
