"""Run ask/tell optimizers against a benchmark table on a simulated clock.

``run_search`` is the only place that advances a :class:`SimulatedClock`: each
query moves it forward by the query's ``cost`` (simulated training seconds).
``run_many`` repeats a search over seeds, optionally in worker processes.

Semantics (documented contract)
-------------------------------
- **Budgets.** ``max_queries`` counts table queries; ``max_seconds`` counts
  simulated seconds. A query whose cost would push the clock past
  ``max_seconds`` is *not* made: it is not counted, not told, and the run stops
  with the clock at or below the budget. ``max_seconds`` needs a table with a
  cost metric (``OutOfDomainError`` otherwise); without one every cost is 0 and
  ``time`` stays 0, so incumbent-vs-time is not available.
- **Metrics.** An unknown metric or fidelity raises ``UnknownMetricError``
  (listing the choices) before any query.
- **Missing architectures.** A valid architecture the table has no row for
  costs one query, is recorded with ``value`` NaN and told to the optimizer as
  NaN (a failed evaluation, ranked worst); ``on_missing="raise"`` re-raises the
  ``NotInTableError`` instead.
- **Isomorphic duplicates.** With ``dedupe_isomorphic=True`` an architecture
  whose ``iso_hash`` was already evaluated at the same fidelity is told the
  cached value at no cost and is not a step (``max_free_asks`` consecutive
  free re-asks end the run: the space is exhausted). Otherwise every ask is a
  query, repeats included.
- **Fidelity.** The run's target fidelity is ``fidelity`` (default: the
  table's largest). Multi-fidelity optimizers pick a fidelity per ask; an
  architecture promoted to a higher fidelity is charged only the extra
  training (``resume=True``). ``incumbent`` and ``regret`` only use queries
  at the target fidelity.
- **Direction.** ``maximize=False`` negates the values told to the optimizer
  (optimizers always maximise); the trajectory keeps the raw values.
- **Several metrics** (``metric=("val_acc", "latency")``, ``maximize=(True,
  False)``): one column per metric, ``value`` = the first, ``incumbent`` = the
  hypervolume of the front found so far w.r.t. ``hv_ref`` (default: the
  table's worst value of each metric) and ``regret`` = the table front's
  hypervolume minus it.

>>> import nasbench_kit as nbk
>>> from nasbench_kit.optimizers import RandomSearch
>>> from nasbench_kit.optimizers.testing import HashBenchmark
>>> bench = HashBenchmark("nb201")
>>> df = nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=5)
>>> list(df.columns)
['step', 'time', 'arch', 'value', 'cost', 'incumbent', 'regret', 'fidelity']
>>> bool((df["incumbent"].diff().dropna() >= 0).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import (
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownMetricError,
)
from nasbench_kit.pareto import hypervolume, pareto_mask

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from nasbench_kit.optimizers import Optimizer

__all__ = ["COLUMNS", "run_many", "run_search"]

COLUMNS = ["step", "time", "arch", "value", "cost", "incumbent", "regret", "fidelity"]
_OPTIMA: dict[tuple[Any, ...], Any] = {}


def _check_metrics(bench: Any, metric: str | Sequence[str]) -> tuple[str, ...]:
    metrics = (metric,) if isinstance(metric, str) else tuple(metric)
    have = tuple(bench.metrics)
    bad = [m for m in metrics if m not in have]
    if not metrics or bad:
        raise UnknownMetricError(
            f"metric {bad[0] if bad else metric!r} is not in table "
            f"{getattr(bench, 'name', bench)!r}; choose one of {list(have)}"
        )
    return metrics


def _flags(maximize: bool | Sequence[bool], n: int) -> tuple[bool, ...]:
    flags = (bool(maximize),) * n if isinstance(maximize, (bool, np.bool_)) else tuple(maximize)
    if len(flags) != n:
        raise OutOfDomainError(
            f"maximize={maximize!r} has {len(flags)} flags for {n} metrics; pass one per metric"
        )
    return tuple(bool(f) for f in flags)


def _target_fidelity(bench: Any, fidelity: float | None) -> float:
    fids = tuple(float(f) for f in bench.fidelities)
    if fidelity is None:
        return max(fids)
    if float(fidelity) not in fids:
        raise UnknownMetricError(
            f"fidelity {fidelity!r} is not in table {getattr(bench, 'name', bench)!r}; "
            f"choose one of {list(fids)} (epochs) or None for the largest"
        )
    return float(fidelity)


def _optimum(
    bench: Any,
    metrics: tuple[str, ...],
    flags: tuple[bool, ...],
    fid: float,
    hv_ref: Sequence[float] | None,
) -> tuple[float, tuple[float, ...] | None]:
    """Best table value (or front hypervolume) and the hypervolume reference point."""
    key = (id(bench), metrics, flags, fid, None if hv_ref is None else tuple(hv_ref))
    hit = _OPTIMA.get(key)
    if hit is not None and hit[0] is bench:
        return hit[1], hit[2]
    best, ref = math.nan, None if hv_ref is None else tuple(float(r) for r in hv_ref)
    try:
        if len(metrics) == 1:
            best = float(bench.best(metrics[0], maximize=flags[0], fidelity=fid)[1])
        else:
            rows = np.arange(len(bench))
            pts = np.column_stack([bench.query_many(None, m, fid, rows=rows) for m in metrics])
            pts = pts[~np.isnan(pts).any(axis=1)]
            if ref is None:  # the table's worst value of each metric
                ref = tuple(float(c) for c in np.where(flags, pts.min(0), pts.max(0)))
            best = hypervolume(pts[pareto_mask(pts, flags)], ref, flags)
    except (AttributeError, NotImplementedError, TypeError, NasBenchKitError):
        pass  # a table without a known optimum: regret stays NaN
    _OPTIMA[key] = (bench, best, ref)
    return best, ref


def run_search(
    optimizer: Optimizer,
    bench: Any,
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
    """Drive ``optimizer`` on ``bench`` until a budget ends; return the trajectory.

    ``seed`` only matters for tables with per-seed results: ``None`` answers
    every query with the mean over training seeds; an int draws one training
    seed per query (a noisy evaluation, reproducible). The optimizer has its
    own seed. Columns: :data:`COLUMNS` (plus one per metric when several).
    See the module docstring for budget, missing-row and dedupe semantics.
    """
    from nasbench_kit.tables.clock import SimulatedClock

    metrics = _check_metrics(bench, metric)
    flags = _flags(maximize, len(metrics))
    target = _target_fidelity(bench, fidelity)
    if max_queries is None and max_seconds is None:
        raise OutOfDomainError("run_search needs a budget: pass max_queries=N and/or max_seconds=S")
    if max_queries is not None and (isinstance(max_queries, bool) or max_queries < 0):
        raise OutOfDomainError(f"max_queries={max_queries!r} must be an int >= 0")
    if max_seconds is not None:
        if not max_seconds >= 0:
            raise OutOfDomainError(f"max_seconds={max_seconds!r} must be a number >= 0")
        if getattr(bench, "cost_metric", None) is None:
            raise OutOfDomainError(
                f"max_seconds={max_seconds} needs simulated training costs but table "
                f"{getattr(bench, 'name', bench)!r} has no cost metric (every query costs 0 s); "
                "use max_queries=N instead, or a table with timing (e.g. train_time)"
            )
    if on_missing not in ("fail", "raise"):
        raise OutOfDomainError(f"on_missing={on_missing!r}: choose 'fail' or 'raise'")
    optimum, ref = _optimum(bench, metrics, flags, target, hv_ref)
    optimizer.prepare(fidelities=tuple(bench.fidelities), n_objectives=len(metrics))
    fids = {float(f) for f in bench.fidelities}
    table_seeds = tuple(getattr(bench, "seeds", ()))
    seed_rng = as_rng(seed) if seed is not None and table_seeds else None

    clock = SimulatedClock()
    query = bench.query
    first, extra = metrics[0], metrics[1:]
    sign = 1.0 if flags[0] else -1.0
    cache: dict[tuple[str, float], Any] = {}
    paid: dict[str, tuple[float, float]] = {}  # arch hash -> (fidelity, cost) trained so far
    steps_arch: list[Any] = []
    values: list[float] = []
    costs: list[float] = []
    times: list[float] = []
    fid_col: list[float] = []
    others: list[list[float]] = [[] for _ in extra]
    limit = math.inf if max_queries is None else max_queries
    free = 0
    stopped = "max_queries"
    while len(values) < limit:
        arch = optimizer.ask()
        fid = optimizer.next_fidelity
        fid = target if fid is None else float(fid)
        if fid not in fids:
            raise UnknownMetricError(
                f"{type(optimizer).__name__} asked for fidelity {fid!r}, which table "
                f"{getattr(bench, 'name', bench)!r} lacks; choose from {sorted(fids)}"
            )
        if dedupe_isomorphic:
            key = (arch.iso_hash, fid)
            told = cache.get(key)
            if told is not None:
                free += 1
                if free > max_free_asks:
                    stopped = "exhausted"
                    break
                optimizer.tell(arch, told)
                continue
        free = 0
        tseed = table_seeds[int(seed_rng.integers(len(table_seeds)))] if seed_rng else None
        try:
            res = query(arch, first, fid, tseed)
            value, cost = res.value, res.cost
            row = [query(arch, m, fid, tseed).value for m in extra]
        except NotInTableError:
            if on_missing == "raise":
                raise
            value, cost, row = math.nan, 0.0, [math.nan] * len(extra)
        charge = 0.0 if cost != cost else cost  # NaN cost (no timing for the row) -> 0
        if resume:
            prev = paid.get(arch.hash)
            if prev is not None and prev[0] < fid:
                charge = max(charge - prev[1], 0.0)
        if max_seconds is not None and clock.now + charge > max_seconds:
            stopped = "max_seconds"
            break
        clock.advance(charge)
        if resume and value == value:
            prev = paid.get(arch.hash)
            if prev is None or prev[0] < fid:
                paid[arch.hash] = (fid, 0.0 if cost != cost else cost)
        steps_arch.append(arch)
        values.append(value)
        costs.append(cost)
        times.append(clock.now)
        fid_col.append(fid)
        for col, v in zip(others, row):
            col.append(v)
        if extra:
            told = tuple(v * (1.0 if f else -1.0) for v, f in zip([value, *row], flags))
        else:
            told = value * sign
        optimizer.tell(arch, told)
        if dedupe_isomorphic:
            cache[(arch.iso_hash, fid)] = told
    return _frame(
        steps_arch,
        values,
        costs,
        times,
        fid_col,
        metrics,
        others,
        flags,
        target,
        optimum,
        ref,
        stopped,
        bench,
    )


def _frame(
    archs: list[Any],
    values: list[float],
    costs: list[float],
    times: list[float],
    fids: list[float],
    metrics: tuple[str, ...],
    others: list[list[float]],
    flags: tuple[bool, ...],
    target: float,
    optimum: float,
    ref: tuple[float, ...] | None,
    stopped: str,
    bench: Any,
) -> pd.DataFrame:
    import pandas as pd

    n = len(values)
    val = np.asarray(values, dtype=float)
    fid = np.asarray(fids, dtype=float)
    at_target = (fid == target) & ~np.isnan(val)
    if len(metrics) == 1:
        oriented = np.where(at_target, val if flags[0] else -val, -np.inf)
        inc = np.maximum.accumulate(oriented) if n else oriented
        inc = np.where(np.isinf(inc), np.nan, inc if flags[0] else -inc)
        regret = (optimum - inc) if flags[0] else (inc - optimum)
    else:
        pts = np.column_stack([val, *[np.asarray(c, dtype=float) for c in others]])
        inc = np.full(n, np.nan)
        front = np.zeros((0, len(metrics)))
        for i in range(n):
            if at_target[i] and not np.isnan(pts[i]).any():
                front = np.vstack([front, pts[i]])
                front = front[pareto_mask(front, flags)]
            if ref is not None:
                inc[i] = hypervolume(front, ref, flags) if len(front) else 0.0
        regret = optimum - inc
    data: dict[str, Any] = {
        "step": np.arange(1, n + 1),
        "time": np.asarray(times, dtype=float),
        "arch": [a.to_string() for a in archs],
        "value": val,
        "cost": np.asarray(costs, dtype=float),
        "incumbent": inc,
        "regret": regret,
        "fidelity": fid,
    }
    if len(metrics) > 1:
        for m, col in zip(metrics, [values, *others]):
            data[m] = np.asarray(col, dtype=float)
    df = pd.DataFrame(data)
    df.attrs.update(
        metric=list(metrics),
        maximize=list(flags),
        fidelity=target,
        optimum=optimum,
        stopped=stopped,
        bench=getattr(bench, "name", None),
        hv_ref=None if ref is None else list(ref),
    )
    return df


# ---- many seeds ----------------------------------------------------------------
_JOBS: dict[int, tuple[Any, ...]] = {}  # filled before fork; workers inherit it
_REOPENED: dict[str, Any] = {}


def _one_thread() -> None:
    """In a worker process: one BLAS/OpenMP/torch thread each (workers = cores)."""
    import sys

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _run_seeds(job_id: int, payload: tuple[Any, ...] | None, seeds: list[int],
               in_process: bool = False) -> list[Any]:
    make, bench, metric, kwargs = _JOBS[job_id] if payload is None else payload
    if in_process:
        _one_thread()
    if isinstance(bench, str):  # reopened by name in a fresh worker process
        if bench not in _REOPENED:
            from nasbench_kit.tables import load

            _REOPENED[bench] = load(bench)
        bench = _REOPENED[bench]
    out = []
    for s in seeds:
        kw = dict(kwargs)
        if kw.pop("_noisy", False):
            kw["seed"] = s
        out.append((s, run_search(make(s), bench, metric, **kw)))
    return out


def run_many(
    make_optimizer: Callable[[int], Optimizer],
    bench: Any,
    metric: str | Sequence[str],
    seeds: Iterable[int] = range(10),
    workers: int = 1,
    executor: Executor | None = None,
    *,
    noisy: bool = False,
    **run_kwargs: Any,
) -> pd.DataFrame:
    """``run_search(make_optimizer(seed), bench, metric, **run_kwargs)`` for every seed.

    Returns the trajectories stacked, with a leading ``seed`` column. Results
    depend only on the seeds, not on ``workers`` or scheduling. ``noisy=True``
    also passes ``seed`` to ``run_search`` (one training seed drawn per query).

    Parallelism: ``workers > 1`` uses a process pool with the ``fork`` start
    method, so the bench and the factory (a lambda is fine) reach workers by
    inheritance, not pickling. Any ``concurrent.futures.Executor`` can be
    passed instead: a thread pool shares objects; another process pool gets
    the bench *by name* (reopened from the cache in each worker, so it must be
    a stored table) and needs a picklable factory.

    >>> from nasbench_kit.optimizers import RandomSearch
    >>> from nasbench_kit.optimizers.testing import HashBenchmark
    >>> df = run_many(lambda s: RandomSearch("nb201", seed=s), HashBenchmark("nb201"),
    ...               "val_acc", seeds=range(3), max_queries=4)
    >>> df.groupby("seed").size().tolist()
    [4, 4, 4]
    """
    import multiprocessing as mp

    import pandas as pd

    seeds = [int(s) for s in seeds]
    metrics = _check_metrics(bench, metric)  # fail before starting any worker
    if workers < 1:
        raise OutOfDomainError(f"workers={workers} must be >= 1")
    kwargs = dict(run_kwargs)
    if "seed" in kwargs:
        raise OutOfDomainError("run_many sets seeds itself; pass seeds=[...] (and noisy=True)")
    kwargs["_noisy"] = noisy
    # Warm the caches (optimum, table columns) once so forked workers inherit them.
    fid = _target_fidelity(bench, kwargs.get("fidelity"))
    flags = _flags(kwargs.get("maximize", True), len(metrics))
    _optimum(bench, metrics, flags, fid, kwargs.get("hv_ref"))
    if hasattr(bench, "query_many") and len(bench):
        for m in metrics:
            bench.query_many(None, m, fid, rows=np.zeros(1, dtype=np.intp))

    job = (make_optimizer, bench, metric, kwargs)
    results: list[Any] = []
    if executor is None and (workers == 1 or len(seeds) <= 1):
        _JOBS[0] = job
        try:
            results = _run_seeds(0, None, seeds)
        finally:
            _JOBS.pop(0, None)
    else:
        n_chunks = min(len(seeds), max(1, workers) * 4)
        chunks = [seeds[i::n_chunks] for i in range(n_chunks)] if seeds else []
        job_id = id(job)
        own = executor is None
        if own:
            method = "fork" if "fork" in mp.get_all_start_methods() else None
            ctx = mp.get_context(method)
            _JOBS[job_id] = job
            payload = (
                None if method == "fork" else (make_optimizer, _by_name(bench), metric, kwargs)
            )
            executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        elif isinstance(executor, ProcessPoolExecutor):
            payload = (make_optimizer, _by_name(bench), metric, kwargs)
        else:
            payload = job
        try:
            procs = isinstance(executor, ProcessPoolExecutor)
            futures = [executor.submit(_run_seeds, job_id, payload, c, procs) for c in chunks]
            for f in futures:
                results.extend(f.result())
        finally:
            if own:
                executor.shutdown()
                _JOBS.pop(job_id, None)
    order = {s: i for i, s in enumerate(seeds)}
    results.sort(key=lambda t: order[t[0]])
    frames = [df.assign(seed=s) for s, df in results]
    if not frames:
        return pd.DataFrame(columns=["seed", *COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(frames[0].attrs)
    return out[["seed", *[c for c in out.columns if c != "seed"]]]


def _by_name(bench: Any) -> str:
    name = getattr(bench, "name", None)
    if not isinstance(name, str) or not name:
        raise OutOfDomainError(
            f"{bench!r} has no table name, so a worker process cannot reopen it; "
            "use workers=1, a thread pool, or the default fork-based pool"
        )
    return name
