"""Proxy scores cached as benchmark tables, extended incrementally and safely.

One table per (space, dataset, proxy set, seed, batch size, network config),
named ``proxies/<space>-<dataset>/<proxy+set>/s<seed>-b<batch>[-<tag>]``
(``<proxy+set>``: the names joined by ``+`` in the order given, ``all13`` for
the 13 network proxies, ``<k>p-<8 hex>`` when the joined names are long;
``<dataset>`` is ``nodata`` for data-free sets; ``<tag>`` is 8 hex digits of
the network config and input shape, present when network keywords or
``input_shape`` were given). Metrics: each proxy and ``seconds_<proxy>``; one fidelity, ``0.0``
(initialisation), no seeds -- so ``nbk.join`` broadcasts the scores onto any
accuracy table of the space and ``FeaturePredictor(source=table,
features=["synflow", ...])`` reads them. ``extra["config"]`` records the run
(torch version, dataset checksum, network config); rows computed under a
different dataset checksum, network config or input shape are refused.

Concurrency: :func:`proxy_table` computes the missing architectures *outside*
any lock, then :func:`save_proxy_frame` merges under an exclusive lock file
(``fcntl.flock`` on ``<table>.lock``; ``msvcrt.locking`` on Windows): it
re-reads the table, adds only rows it does not hold, recomputes combined
columns over all rows and rewrites the file atomically. Two processes
extending one table never lose rows; an architecture both computed is kept
once (the first writer's values; a rerun gives the same values anyway).

>>> import os, tempfile
>>> os.environ["NASBENCH_KIT_HOME"] = tempfile.mkdtemp()
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").from_index(i) for i in range(3)]
>>> t = proxy_table(archs[:2], ["params"], space="nb201", C=4, N=1)
>>> len(proxy_table(archs, ["params"], space="nb201", C=4, N=1))
3
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies.combined import combine
from nasbench_kit.proxies.compute import compute_proxies, plan_run
from nasbench_kit.proxies.registry import get_proxy
from nasbench_kit.spaces import SearchSpace, get_space
from nasbench_kit.tables.benchmark import Benchmark

__all__ = ["file_lock", "proxy_table", "proxy_table_name", "save_proxy_frame"]

_SOURCE = "nasbench_kit.proxies (computed on the built networks)"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".+-" else "-" for c in text.lower()).strip("-.")


def proxy_table_name(config: dict[str, Any]) -> str:
    """The table name for a run ``config`` (``df.attrs["config"]`` of compute_proxies).

    >>> proxy_table_name({"space": "nb201", "dataset": "fashion-mnist", "seed": 0,
    ...                   "batch_size": 64, "proxies": ["synflow", "grad_norm"], "custom": False})
    'proxies/nb201-fashion-mnist/synflow+grad-norm/s0-b64'
    """
    dataset = _slug(config["dataset"]) if config.get("dataset") else "nodata"
    proxies = _proxy_set(config["proxies"])
    name = (
        f"proxies/{config['space']}-{dataset}/{proxies}/s{config['seed']}-b{config['batch_size']}"
    )
    if not config.get("custom"):
        return name
    key = {"net_config": config["net_config"], "input_shape": config["input_shape"]}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]
    return f"{name}-{digest}"


def _proxy_set(names: Sequence[str]) -> str:
    """``a+b`` for a few proxies (as given), ``all13`` for the 13, else ``<k>p-<hash>``."""
    from nasbench_kit.proxies.registry import list_proxies

    if sorted(names) == sorted(list_proxies("network")):
        return "all13"
    joined = "+".join(_slug(p) for p in names)
    if len(joined) <= 48:
        return joined
    digest = hashlib.sha256(",".join(sorted(names)).encode()).hexdigest()[:8]
    return f"{len(names)}p-{digest}"


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _frame_of(bench: Benchmark) -> pd.DataFrame:
    values = bench.values[:, 0, 0, :].astype(np.float64)
    df = pd.DataFrame(
        values, columns=list(bench.metrics), index=pd.Index(bench.hashes, name="hash")
    )
    df.insert(0, "arch", list(bench.notations))
    return df


def save_proxy_frame(df: pd.DataFrame, name: str | None = None) -> Benchmark:
    """Merge ``df`` (from :func:`compute_proxies`) into its table; returns the table.

    Rows the table already holds are kept as stored; see the module docs for
    the locking protocol.
    """
    from nasbench_kit.tables.registry import load, processed_path
    from nasbench_kit.tables.store import write_table

    config = df.attrs.get("config")
    if not config:
        raise OutOfDomainError("df has no attrs['config']; pass a frame made by compute_proxies")
    name = name or proxy_table_name(config)
    path = processed_path(name)
    metrics = [c for c in df.columns if c != "arch"]
    with file_lock(path.with_name(path.name + ".lock")):
        merged = df[~df.index.duplicated()]
        if path.exists():
            stored = Benchmark.open(path)
            _check_same_run(name, stored, config)
            old = _frame_of(stored)
            if set(old.columns) == set(merged.columns):
                merged = merged[list(old.columns)]
                metrics = [c for c in old.columns if c != "arch"]
            else:
                raise OutOfDomainError(
                    f"table {name!r} holds columns {list(old.columns)[1:]}, the new rows "
                    f"{metrics}; compute the same proxy set or use another table name"
                )
            merged = pd.concat([old, merged[~merged.index.isin(old.index)]])
        for p in config["proxies"]:
            if get_proxy(p).kind == "combined" and len(merged):
                merged[p] = combine(p, merged)
        bench = Benchmark.from_arrays(
            name=name, space=config["space"], dataset=config.get("dataset") or "none",
            archs=list(merged["arch"]), metrics=metrics, fidelities=(0.0,),
            values=merged[metrics].to_numpy(dtype=np.float64),
            units={m: _unit(m) for m in metrics}, source=_SOURCE,
            extra={"config": json.dumps(config, sort_keys=True),
                   "static_metrics": json.dumps(metrics)},  # join repeats them at every fidelity
        )  # fmt: skip
        write_table(bench.to_table(), path)
    return load(name)


_RUN_KEYS = ("space", "dataset", "dataset_checksum", "net_config", "input_shape", "seed",
             "batch_size")  # fmt: skip


def _check_same_run(name: str, stored: Benchmark, config: dict[str, Any]) -> None:
    try:
        old = json.loads(stored.metadata["extra"].get("config", "{}"))
    except ValueError:
        old = {}
    diff = [
        k for k in _RUN_KEYS if k in old and old.get(k) != json.loads(json.dumps(config.get(k)))
    ]
    if diff:
        raise OutOfDomainError(
            f"table {name!r} was computed with other {diff} "
            f"({ {k: old.get(k) for k in diff} }); new rows would not be comparable -- "
            "delete the table or compute under another seed / configuration"
        )


def _unit(metric: str) -> str:
    if metric.startswith("seconds_"):
        return "s"
    return get_proxy(metric).unit


def proxy_table(
    archs: Iterable[Any], proxies: str | Sequence[str], *,
    space: str | SearchSpace | None = None, dataset: Any = None, batch_size: int = 32,
    seed: int = 0, input_shape: Sequence[int] | None = None, num_threads: int = 1,
    progress: bool | None = None, **model_config: Any,
) -> Benchmark:  # fmt: skip
    """The cached table of ``proxies`` holding (at least) ``archs``; computes only
    the architectures it lacks (arguments as for :func:`compute_proxies`)."""
    from nasbench_kit.tables.registry import processed_path

    items = list(archs)
    sp = get_space(space) if space is not None else None
    if sp is None:
        sp = next((get_space(a.space_name) for a in items if hasattr(a, "space_name")), None)
    if sp is None:
        raise OutOfDomainError("archs are notations; pass space= (e.g. space='nb201')")
    kwargs: dict[str, Any] = dict(dataset=dataset, batch_size=batch_size, seed=seed,
                                  input_shape=input_shape, **model_config)  # fmt: skip
    name = proxy_table_name(plan_run(sp, proxies, **kwargs).config)
    path = processed_path(name)
    held: set[str] = set(Benchmark.open(path).hashes) if path.exists() else set()
    todo = [a for a in (sp.parse(x) for x in items) if a.hash not in held]
    todo = list({a.hash: a for a in todo}.values())
    df = compute_proxies(todo, proxies, space=sp, num_threads=num_threads, progress=progress,
                         **kwargs)  # fmt: skip
    if not len(df):
        from nasbench_kit.tables.registry import load

        if path.exists():
            return load(name)
        raise OutOfDomainError("no architectures given; pass at least one")
    return save_proxy_frame(df, name)
