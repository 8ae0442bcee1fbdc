"""``run_many``: one search per seed, serially, on a fork pool or on any Executor.

Arguments are checked once (:func:`~nasbench_kit.search.spec.prepare_run`)
before any worker starts; workers receive the evaluator, the optimizer factory
and the small :class:`~nasbench_kit.search.spec.RunSpec`. Results depend only
on the seeds, never on the executor or the scheduling.

How the evaluator reaches a worker:

- ``workers > 1`` (no executor): a process pool with the ``fork`` start
  method where the platform has it; the evaluator and the factory (a lambda is
  fine) are inherited, nothing is pickled.
- any ``concurrent.futures.Executor``: the evaluator and the factory are
  *pickled* with each chunk of seeds (a thread pool shares them instead).
  Evaluators are picklable by contract -- a stored table travels as its path,
  an in-memory (e.g. joined) table by value -- so every evaluator works in
  every executor; the factory must be picklable there (a module-level
  function or ``functools.partial``, not a lambda).
- ``executor="ray"``: every chunk of seeds is a Ray task
  (:func:`~nasbench_kit.parallel.map_tasks`). The job (factory, evaluator,
  spec) is put in Ray's object store once and unpickled once per worker
  process; Ray pickles with cloudpickle, so a lambda factory is fine. Ray is
  the embedded local instance with ``workers`` CPUs, started on first use
  and reused by later calls, or the cluster named by ``RAY_ADDRESS`` (see
  :mod:`nasbench_kit.parallel.ray_backend` for the lifecycle). A seed whose
  worker dies is re-run (``max_retries``); a run is a pure function of its
  seed, so nothing is lost or duplicated.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import numbers
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from nasbench_kit._progress import progress_bar
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.parallel.ray_backend import ensure_ray
from nasbench_kit.parallel.tasks import map_tasks
from nasbench_kit.search.loop import execute
from nasbench_kit.search.spec import RunSpec, prepare_run

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from nasbench_kit.evaluators import Evaluator
    from nasbench_kit.optimizers import Optimizer

__all__ = ["run_many"]

Factory = Callable[[int], "Optimizer"]
Job = tuple[Factory, "Evaluator", RunSpec, bool]  # factory, evaluator, spec, noisy
_INHERITED: dict[int, Job] = {}  # filled before fork; forked workers read it


def _one_thread() -> None:
    """In a worker process: one BLAS/OpenMP/torch thread each (workers = cores)."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _run_seeds(job: Job | int, seeds: list[int], in_process: bool = False) -> list[Any]:
    """Run every seed of one chunk; ``job`` is the job itself or its inherited id."""
    make, ev, spec, noisy = _INHERITED[job] if isinstance(job, int) else job
    if in_process:
        _one_thread()
    out = []
    for s in seeds:
        run_spec = dataclasses.replace(spec, seed=s) if noisy else spec
        out.append((s, execute(make(s), ev, run_spec)))
    return out


def _seed_task(job: Job, seed: int) -> Any:
    """One seed as a Ray task: ``(seed, trajectory)``."""
    return _run_seeds(job, [seed])[0]


def _seed_list(seeds: Iterable[int]) -> list[int]:
    items = list(seeds) if isinstance(seeds, Iterable) else None
    if items is None or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in items
    ):
        raise OutOfDomainError(f"seeds={seeds!r} must be ints >= 0, e.g. seeds=range(10)")
    if not items:
        raise OutOfDomainError("seeds is empty; pass at least one seed, e.g. seeds=range(10)")
    return [int(s) for s in items]


def _check_picklable(make: Factory, ev: Evaluator) -> None:
    for what, obj in (("make_optimizer", make), ("the evaluator", ev)):
        try:
            pickle.dumps(obj)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:  # what pickle raises
            raise OutOfDomainError(
                f"{what} ({obj!r}) cannot be pickled for a process executor ({exc}); "
                "use a module-level function or functools.partial, workers=N (fork pool), "
                "or a ThreadPoolExecutor"
            ) from exc


def _submit_all(
    executor: Executor, job: Job | int, chunks: list[list[int]], in_process: bool
) -> list[Future[list[Any]]]:
    return [executor.submit(_run_seeds, job, chunk, in_process) for chunk in chunks]


def _collect(futures: list[Future[list[Any]]], bar: Any) -> list[Any]:
    results: list[Any] = []
    for fut in futures:
        part = fut.result()
        results.extend(part)
        bar.update(len(part))
    return results


def _run_pool(job: Job, chunks: list[list[int]], workers: int, bar: Any) -> list[Any]:
    """Our own process pool: fork (inherit the job) where available, else pickle it."""
    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - e.g. Windows
        _check_picklable(job[0], job[1])
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return _collect(_submit_all(pool, job, chunks, True), bar)
    job_id = id(job)
    _INHERITED[job_id] = job
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            return _collect(_submit_all(pool, job_id, chunks, True), bar)
    finally:
        _INHERITED.pop(job_id, None)


def _run_ray(job: Job, seeds: list[int], workers: int, bar: Any) -> list[Any]:
    """Seeds as Ray tasks, about four chunks per CPU of the (embedded or cluster) Ray."""
    cpus = int(ensure_ray(workers).cluster_resources().get("CPU", workers)) or 1
    size = -(-len(seeds) // (4 * cpus))
    return map_tasks(_seed_task, seeds, "ray", shared=job, chunk_size=size, workers=workers,
                     on_done=bar.update)  # fmt: skip


def run_many(
    make_optimizer: Factory,
    evaluator: Evaluator,
    metric: str | Sequence[str],
    seeds: Iterable[int] = range(10),
    workers: int = 1,
    executor: Executor | str | None = None,
    *,
    noisy: bool = False,
    sim_workers: int = 1,
    progress: bool | None = None,
    **run_kwargs: Any,
) -> pd.DataFrame:
    """``run_search(make_optimizer(seed), evaluator, metric, **run_kwargs)`` for every seed.

    Returns the trajectories stacked, with a leading ``seed`` column, in the
    order of ``seeds``. ``noisy=True`` also passes ``seed`` to ``run_search``
    (one training seed drawn per query). ``workers > 1`` runs a process pool;
    ``executor`` any ``concurrent.futures.Executor`` instead, or ``"ray"``
    (Ray tasks; ``workers`` = CPUs of the embedded local Ray, ignored on a
    cluster). See the module docstring for what reaches the workers and how.
    ``sim_workers=k``: ``k`` simulated asynchronous workers *inside* each run
    (``run_search``'s ``workers=k``); ``workers`` here are processes and never
    change results. ``progress``: a bar over seeds (``None``: only on a
    terminal).

    >>> from nasbench_kit.optimizers import RandomSearch
    >>> from nasbench_kit.optimizers.testing import HashBenchmark
    >>> df = run_many(lambda s: RandomSearch("nb201", seed=s), HashBenchmark("nb201"),
    ...               "val_acc", seeds=range(3), max_queries=4)
    >>> df.groupby("seed").size().tolist()
    [4, 4, 4]
    """
    import pandas as pd

    seed_list = _seed_list(seeds)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise OutOfDomainError(f"workers={workers!r} must be an int >= 1")
    if "seed" in run_kwargs:
        raise OutOfDomainError("run_many sets seeds itself; pass seeds=[...] (and noisy=True)")
    if executor is not None and executor != "ray" and not isinstance(executor, Executor):
        raise OutOfDomainError(
            f"executor={executor!r} is not a concurrent.futures.Executor or 'ray'; pass e.g. "
            "ThreadPoolExecutor(2), ProcessPoolExecutor(2) or 'ray', or workers=N"
        )
    # fails before any worker starts
    spec = prepare_run(evaluator, metric, workers=sim_workers, **run_kwargs)
    job: Job = (make_optimizer, evaluator, spec, bool(noisy))
    n_chunks = min(len(seed_list), workers * 4 if executor is None else 64) or 1
    chunks = [c for c in (seed_list[i::n_chunks] for i in range(n_chunks)) if c]
    with progress_bar(total=len(seed_list), desc="run_many", unit="seed",
                      enabled=progress) as bar:  # fmt: skip
        if executor is None and (workers == 1 or len(seed_list) <= 1):
            results = []
            for s in seed_list:
                results.extend(_run_seeds(job, [s]))
                bar.update(1)
        elif executor is None:
            results = _run_pool(job, chunks, workers, bar)
        elif executor == "ray":
            results = _run_ray(job, seed_list, workers, bar)
        else:
            if not isinstance(executor, ThreadPoolExecutor):
                _check_picklable(make_optimizer, evaluator)
            in_process = isinstance(executor, ProcessPoolExecutor)
            results = _collect(_submit_all(executor, job, chunks, in_process), bar)
    order = {s: i for i, s in enumerate(seed_list)}
    results.sort(key=lambda t: order[t[0]])
    frames = [df.assign(seed=s) for s, df in results]
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(frames[0].attrs)
    return out[["seed", *[c for c in out.columns if c != "seed"]]]
