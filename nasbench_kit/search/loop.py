"""``run_search``: drive an ask/tell optimizer against an evaluator on a simulated clock.

This loop is the only place that advances a :class:`SimulatedClock`: a query
takes its ``cost`` (simulated training seconds) on a simulated worker, and the
clock moves to each query's completion.
The evaluator is anything implementing
:class:`~nasbench_kit.evaluators.Evaluator` (a table, a surrogate, live
training, a fallback chain).

Semantics (documented contract)
-------------------------------
- **Budgets.** ``max_queries`` counts *completed* evaluator queries (the
  trajectory's rows); ``max_seconds`` counts simulated seconds. A query that
  would complete after ``max_seconds`` is not counted and not told, and the
  run stops with the clock at or below the budget. ``max_seconds`` needs an evaluator
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

- **Asynchronous workers** (``workers=k``, Syne-Tune's simulator semantics):
  at time 0 each of the ``k`` workers, in worker order, asks the optimizer
  for a job; a job completes at its start time plus its charged cost. Jobs
  complete in simulated-time order (ties: lower worker id first); each
  completion is a trajectory row (``time`` = completion time, ``worker`` =
  who ran it) and is told to the optimizer; once every job completing at
  that time is told, each freed worker (in worker order) asks for its next
  job. The run ends at the ``max_queries``-th completion (as Syne-Tune's
  ``max_num_trials_completed``: jobs still running are abandoned, neither
  recorded nor told) or when the next completion would come after
  ``max_seconds``. ``workers=1`` is exactly the sequential loop.
  A deduplicated ask (``dedupe_isomorphic``) whose architecture is still
  *running* on another worker is not evaluated again: this worker waits for
  that job (no query, no row), is told its value right after it completes
  and is free again at that time. A worker that reaches ``max_free_asks``
  consecutive repeats while others run waits for the next completion; with
  nothing running the run ends as ``exhausted``.
  Multi-fidelity resume charges the extra training over the highest
  fidelity of that architecture *completed* before the job starts.

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

import heapq
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

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
    workers: int = 1,
) -> pd.DataFrame:
    """Drive ``optimizer`` on ``evaluator`` until a budget ends; return the trajectory.

    ``workers``: simulated asynchronous workers (see the module docstring);
    ``run_many`` passes it as ``sim_workers=k``, since its own ``workers`` are
    processes.

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
        workers=workers,
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



class _Job(NamedTuple):
    """One running evaluation; the heap orders jobs by ``(finish, worker)``."""

    finish: float
    worker: int
    arch: Architecture
    fid: float
    values: list[float]
    cost: float  # as reported (NaN when the row lacks timing)
    cost_s: float  # as charged to the clock before resuming (NaN -> 0)
    provenance: str
    key: tuple[str, float] | None  # dedupe key, when deduplicating


class _Search:
    """The state of one run: simulated workers, the clock and what was told."""

    def __init__(self, optimizer: Optimizer, ev: Evaluator, spec: RunSpec) -> None:
        self.opt, self.ev, self.spec = optimizer, ev, spec
        train_seeds = tuple(ev.seeds)
        self.train_seeds = train_seeds
        self.seed_rng = as_rng(spec.seed) if spec.seed is not None and train_seeds else None
        self.signs = [1.0 if f else -1.0 for f in spec.maximize]
        self.traj = Trajectory(spec.metrics, spec.maximize, spec.target, spec.optimum, spec.hv_ref)
        self.clock = SimulatedClock()
        self.told: dict[tuple[str, float], Any] = {}  # dedupe key -> value told
        # dedupe key of a running job -> (worker, repeat) pairs waiting for its result
        self.waiting: dict[tuple[str, float], list[tuple[int, Architecture]]] = {}
        self.paid: dict[str, tuple[float, float]] = {}  # arch hash -> (fidelity, cost) trained

    def start(self, worker: int) -> _Job | bool:
        """Ask until ``worker`` is busy: a new job, or True when it waits on a running repeat.

        False after ``max_free_asks`` consecutive repeats told from the cache.
        """
        spec, free = self.spec, 0
        while True:
            arch, fid = _ask(self.opt, spec, self.ev)
            key = (arch.iso_hash, fid) if spec.dedupe_isomorphic else None
            if key is not None and key in self.waiting:  # running elsewhere: wait for it
                self.waiting[key].append((worker, arch))
                return True
            if key is not None and key in self.told:
                free += 1
                if free > spec.max_free_asks:
                    return False
                self.opt.tell(arch, self.told[key])
                continue
            rng, seeds = self.seed_rng, self.train_seeds
            tseed = seeds[int(rng.integers(len(seeds)))] if rng is not None else None
            values, cost, provenance = _evaluate(self.ev, arch, fid, tseed, spec)
            cost_s = 0.0 if cost != cost else cost  # NaN cost (no timing for the row) -> 0
            prev = self.paid.get(arch.hash) if spec.resume else None
            charge = max(cost_s - prev[1], 0.0) if prev is not None and prev[0] < fid else cost_s
            if key is not None:
                self.waiting[key] = []
            return _Job(self.clock.now + charge, worker, arch, fid, values, cost, cost_s,
                        provenance, key)  # fmt: skip

    def complete(self, job: _Job) -> list[int]:
        """Record ``job`` now and tell it, then its waiting repeats; return the freed workers."""
        values, arch = job.values, job.arch
        if self.spec.resume and values[0] == values[0]:
            prev = self.paid.get(arch.hash)
            if prev is None or prev[0] < job.fid:
                self.paid[arch.hash] = (job.fid, job.cost_s)
        self.traj.record(values, time=self.clock.now, arch=arch, cost=job.cost,
                         fidelity=job.fid, provenance=job.provenance, worker=job.worker)  # fmt: skip
        signs = self.signs
        told = values[0] * signs[0] if len(values) == 1 else tuple(
            v * s for v, s in zip(values, signs))  # fmt: skip
        self.opt.tell(arch, told)
        freed = [job.worker]
        if job.key is not None:
            self.told[job.key] = told
            for worker, repeat in self.waiting.pop(job.key):
                self.opt.tell(repeat, told)
                freed.append(worker)
        return freed

    def run(self) -> pd.DataFrame:
        """Feed free workers, complete the earliest jobs, repeat until a budget ends."""
        spec = self.spec
        limit = math.inf if spec.max_queries is None else spec.max_queries
        free, stopped = list(range(spec.workers)), "max_queries"
        running: list[_Job] = []
        while len(self.traj) < limit:
            blocked = []
            for w in free:
                job = self.start(w)
                if job is False:
                    blocked.append(w)  # nothing new to evaluate now: wait for a completion
                elif job is not True:
                    heapq.heappush(running, job)
            free = blocked
            if not running:
                stopped = "exhausted"
                break
            t = running[0].finish
            if spec.max_seconds is not None and t > spec.max_seconds:
                stopped = "max_seconds"
                break
            self.clock.advance_to(t)
            while running and running[0].finish == t and len(self.traj) < limit:
                free.extend(self.complete(heapq.heappop(running)))
            free.sort()
        return self.traj.frame(stopped=stopped, bench=self.ev.name, workers=spec.workers)


def execute(optimizer: Optimizer, ev: Evaluator, spec: RunSpec) -> pd.DataFrame:
    """Run one search from a prepared :class:`RunSpec` (``run_many`` calls this in workers)."""
    optimizer.prepare(fidelities=spec.fidelities, n_objectives=len(spec.metrics))
    return _Search(optimizer, ev, spec).run()
