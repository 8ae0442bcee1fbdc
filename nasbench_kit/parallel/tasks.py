"""``map_tasks``: a picklable function over items, on Ray, an Executor or in this process.

Results come back to the caller *in the order of the items*, so the caller (the
driver) does every write -- e.g. into a result cache -- and workers only
compute. ``executor`` picks where the work runs:

- ``None``: here, one item after the other;
- ``"ray"``: one Ray task per chunk of ``chunk_size`` items
  (:func:`~nasbench_kit.parallel.ray_backend.ensure_ray` connects or starts
  Ray; ``workers`` is the embedded instance's CPU count). ``shared`` is put
  in the object store *once* and every worker process unpickles it once
  (cached per process), not once per task. A task whose worker process dies
  (killed, out of memory, a lost node) is re-run by Ray up to ``max_retries``
  times; since a task is a pure function of its items, the retry gives the
  same result and the driver receives exactly one result per item. An
  exception raised *by* ``fn`` is not retried: it reaches the caller as an
  exception of the same type. ``ray_options`` go to ``.options(...)`` (e.g.
  ``{"num_gpus": 1}`` for training tasks);
- any ``concurrent.futures.Executor``: one ``submit`` per chunk (``fn`` and
  ``shared`` are pickled for process executors).

``fn(item)`` is called, or ``fn(shared, item)`` when ``shared`` is given.

>>> map_tasks(abs, [-2, 3, -1])
[2, 3, 1]
>>> from concurrent.futures import ThreadPoolExecutor
>>> from operator import mul
>>> with ThreadPoolExecutor(2) as ex:
...     map_tasks(mul, [1, 2, 3], ex, shared=10, chunk_size=2)
[10, 20, 30]
"""

from __future__ import annotations

import numbers
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from typing import Any

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.parallel.ray_backend import ensure_ray

__all__ = ["map_tasks"]

_NO_SHARED: Any = object()  # never leaves this process: chunks carry a flag instead
_REMOTE: dict[str, Any] = {}  # the Ray remote function, made once per process
_CACHE: OrderedDict[str, Any] = OrderedDict()  # in a Ray worker: shared objects by ref id
_CACHE_SIZE = 2


def _run_chunk(fn: Callable[..., Any], shared: Any, has_shared: bool, items: list[Any]) -> list[Any]:
    """The body of every task: ``fn`` over one chunk, results in order."""
    if has_shared:
        return [fn(shared, item) for item in items]
    return [fn(item) for item in items]


def _ray_chunk(fn: Callable[..., Any], boxed: list[Any], has_shared: bool, items: list[Any]) -> list[Any]:
    """A Ray task: fetch ``shared`` (boxed so Ray does not resolve it per task) once per process."""
    shared = None
    if has_shared:
        import ray

        ref = boxed[0]
        key = ref.hex()
        if key not in _CACHE:
            _CACHE[key] = ray.get(ref)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        shared = _CACHE[key]
    return _run_chunk(fn, shared, has_shared, items)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _check(executor: Any, chunk_size: Any, max_retries: Any) -> None:
    if not (executor is None or executor == "ray" or isinstance(executor, Executor)):
        raise OutOfDomainError(
            f"executor={executor!r}: pass None (this process), 'ray', or a "
            "concurrent.futures.Executor such as ProcessPoolExecutor(2)"
        )
    for name, value, low in (("chunk_size", chunk_size, 1), ("max_retries", max_retries, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise OutOfDomainError(f"{name}={value!r} must be an int >= {low}")


def map_tasks(
    fn: Callable[..., Any],
    items: Iterable[Any],
    executor: str | Executor | None = None,
    *,
    shared: Any = _NO_SHARED,
    chunk_size: int = 1,
    workers: int | None = None,
    max_retries: int = 3,
    ray_options: Mapping[str, Any] | None = None,
    on_done: Callable[[int], Any] | None = None,
) -> list[Any]:
    """``[fn(item) ...]`` (or ``fn(shared, item)``) computed where ``executor`` says, in order.

    ``on_done(n)`` is called in the caller's thread as each chunk of ``n``
    items finishes (e.g. a progress bar's ``update``). See the module
    docstring for the executors, retries and what is pickled.
    """
    _check(executor, chunk_size, max_retries)
    parts = _chunks(list(items), int(chunk_size))
    has_shared = shared is not _NO_SHARED
    done = on_done or (lambda n: None)
    if executor is None:
        out: list[Any] = []
        for part in parts:
            out.extend(_run_chunk(fn, shared, has_shared, part))
            done(len(part))
        return out
    if executor == "ray":
        return _ray_map(fn, shared, has_shared, parts, workers, max_retries, ray_options, done)
    futures = [executor.submit(_run_chunk, fn, shared, has_shared, p) for p in parts]  # type: ignore[union-attr]
    out = []
    for fut in futures:
        part_out = fut.result()
        out.extend(part_out)
        done(len(part_out))
    return out


def _ray_map(
    fn: Callable[..., Any],
    shared: Any,
    has_shared: bool,
    parts: list[list[Any]],
    workers: int | None,
    max_retries: int,
    ray_options: Mapping[str, Any] | None,
    done: Callable[[int], Any],
) -> list[Any]:
    ray = ensure_ray(workers)
    if not parts:
        return []
    if "chunk" not in _REMOTE:
        _REMOTE["chunk"] = ray.remote(_ray_chunk)
    remote = _REMOTE["chunk"].options(
        max_retries=int(max_retries), retry_exceptions=False, **dict(ray_options or {})
    )
    boxed = [ray.put(shared)] if has_shared else []
    pending = {remote.remote(fn, boxed, has_shared, part): i for i, part in enumerate(parts)}
    results: list[list[Any]] = [[] for _ in parts]
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                i = pending.pop(ref)
                results[i] = ray.get(ref)
                done(len(results[i]))
    finally:
        for ref in pending:  # an error (or an interrupt) ends the rest of the batch
            ray.cancel(ref)
    return [r for part in results for r in part]
