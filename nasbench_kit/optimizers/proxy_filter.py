"""A zero-cost proxy as a free pre-filter around a base strategy.

Each query, :class:`ProxyFilter` asks its base strategy (random search or
regularized evolution) for ``n_candidates`` proposals, scores them with a
zero-cost proxy computed on their freshly built networks -- no table query,
no training -- and asks the runner to evaluate only the best one. Optionally
the first ``warmup`` queries are the top-scored architectures of a random pool
of ``pool_size`` (the warm-up of Abdelfattah et al. 2021). The base strategy is
told every evaluated result, so evolution breeds from the filtered population.

Proxy scores are computed once per architecture (cached by ``arch.hash``) with
:func:`nasbench_kit.proxies.compute_proxies` (``dataset``, ``batch_size``,
``proxy_seed`` and network keywords pass through); ``scores=`` takes them from
a proxy table (a ``Benchmark`` with the proxy as a metric) or a mapping
``{arch.hash: score}`` instead (architectures it does not hold are computed),
and ``proxy=`` may be any callable
``scorer(archs) -> scores`` (higher is better). A combined proxy (``"vote"``)
ranks each candidate pool on its components. The time spent scoring is kept
in :attr:`ProxyFilter.score_seconds` (it is not on the runner's simulated
clock: report it beside the search results).

Bases: the base's ``ask`` runs ``n_candidates`` times per query and only the
chosen architecture is told back, so bases whose proposals do not wait for a
matching ``tell`` work -- ``"rs"`` and ``"rea"`` (or instances of those).

>>> from nasbench_kit.optimizers.proxy_filter import ProxyFilter
>>> opt = ProxyFilter("nb201", proxy=lambda archs: [a.ops.count("nor_conv_3x3") for a in archs],
...                   base="rs", n_candidates=20, seed=0)
>>> sum(opt.ask().ops.count("nor_conv_3x3") for _ in range(10)) > 20  # random: about 12
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers._base import Optimizer, sample_unseen
from nasbench_kit.optimizers.evolution import RegularizedEvolution
from nasbench_kit.optimizers.random_search import RandomSearch
from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["ProxyFilter"]

_BASES: dict[str, type[Optimizer]] = {"rs": RandomSearch, "rea": RegularizedEvolution}


class ProxyFilter(Optimizer):
    """Best-of-``n_candidates`` by a zero-cost proxy around RS or REA (see module docs)."""

    name = "proxy-filter"

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        proxy: str | Callable[[Sequence[Architecture]], Any] = "synflow",
        base: str | Optimizer = "rea",
        n_candidates: int = 10,
        warmup: int = 0,
        pool_size: int = 1000,
        scores: Any = None,
        dataset: Any = None,
        batch_size: int = 32,
        proxy_seed: int = 0,
        base_options: Mapping[str, Any] | None = None,
        seed: int | np.random.Generator | None = None,
        **model_config: Any,
    ) -> None:
        super().__init__(space, seed=seed)
        for label, value, low in (("n_candidates", n_candidates, 1), ("warmup", warmup, 0),
                                  ("pool_size", pool_size, 1)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise OutOfDomainError(f"{label}={value!r} must be an int >= {low}")
        if warmup > pool_size:
            raise OutOfDomainError(f"warmup={warmup} exceeds pool_size={pool_size}")
        self.base = self._make_base(base, base_options or {})
        self.n_candidates, self.warmup, self.pool_size = n_candidates, warmup, pool_size
        self.proxy, self.scores = proxy, scores
        self.proxy_config = {"dataset": dataset, "batch_size": batch_size, "seed": proxy_seed,
                             **model_config}  # fmt: skip
        self._components, self._combined, self._lower_better = self._proxy_parts(proxy)
        self._cache: dict[str, tuple[float, ...]] = {}
        self._queue: list[Architecture] = []
        self.n_scored = 0
        self.score_seconds = 0.0

    # ---- construction ---------------------------------------------------------------
    def _make_base(self, base: str | Optimizer, options: Mapping[str, Any]) -> Optimizer:
        if isinstance(base, Optimizer):
            opt = base
        else:
            cls = _BASES.get(base) if isinstance(base, str) else None
            if cls is None:
                raise OutOfDomainError(f"base={base!r}: choose one of {sorted(_BASES)}")
            opt = cls(self.space, seed=int(self.rng.integers(2**31 - 1)), **dict(options))
        if opt.multi_fidelity or opt.space.name != self.space.name:
            raise OutOfDomainError(
                f"base {type(opt).__name__} on {opt.space.name!r}: need a single-fidelity "
                f"strategy on {self.space.name!r} (e.g. 'rea' or 'rs')"
            )
        return opt

    @staticmethod
    def _proxy_parts(proxy: Any) -> tuple[tuple[str, ...], str | None, set[str]]:
        if callable(proxy) and not isinstance(proxy, str):
            return ("score",), None, set()
        from nasbench_kit.proxies import get_proxy

        spec = get_proxy(proxy)
        if spec.kind == "combined":
            return spec.components, spec.name, set()
        return (spec.name,), None, set() if spec.higher_is_better else {spec.name}

    # ---- scoring --------------------------------------------------------------------
    def _compute(self, archs: list[Architecture]) -> list[tuple[float, ...]]:
        if callable(self.proxy) and not isinstance(self.proxy, str):
            return [(float(v),) for v in np.asarray(self.proxy(archs), dtype=float)]
        rows: dict[str, tuple[float, ...]] = {}
        if self.scores is not None:
            for a in archs:
                row = self._lookup(a)
                if row is not None:
                    rows[a.hash] = row
        missing = [a for a in archs if a.hash not in rows]
        if missing:
            from nasbench_kit.proxies import compute_proxies

            comps = list(self._components)
            df = compute_proxies(missing, comps, space=self.space, **self.proxy_config)
            for a, row in zip(missing, df[comps].to_numpy(dtype=float)):
                rows[a.hash] = tuple(float(v) for v in row)
        return [rows[a.hash] for a in archs]

    def _lookup(self, arch: Architecture) -> tuple[float, ...] | None:
        """The stored scores of ``arch``, or None when the source does not hold it."""
        src = self.scores
        if isinstance(src, Mapping):
            value = src.get(arch.hash)
            return None if value is None else (float(value),)
        if arch not in src:
            return None
        return tuple(float(src.query_many([arch], c)[0]) for c in self._components)

    def score(self, archs: Sequence[Architecture]) -> np.ndarray:
        """Proxy scores of ``archs`` (higher is better; failures ``-inf``), cached."""
        todo = list({a.hash: a for a in archs if a.hash not in self._cache}.values())
        if todo:
            t0 = time.perf_counter()
            for a, row in zip(todo, self._compute(todo)):
                self._cache[a.hash] = row
            self.score_seconds += time.perf_counter() - t0
            self.n_scored += len(todo)
        rows = np.array([self._cache[a.hash] for a in archs], dtype=float)
        if self._combined is not None:
            import pandas as pd

            from nasbench_kit.proxies import combine

            return combine(self._combined, pd.DataFrame(rows, columns=list(self._components)))
        out = -rows[:, 0] if self._lower_better else rows[:, 0]
        return np.where(np.isfinite(out), out, -math.inf)

    # ---- protocol -------------------------------------------------------------------
    def prepare(self, *, fidelities: Sequence[float] = (), n_objectives: int = 1) -> None:
        """Set up this optimizer and its base (called once by the runner)."""
        super().prepare(fidelities=fidelities, n_objectives=n_objectives)
        self.base.prepare(fidelities=fidelities, n_objectives=n_objectives)

    def _warm_queue(self) -> list[Architecture]:
        seen: dict[str, Architecture] = {}
        for _ in range(self.pool_size):
            a = sample_unseen(self.space, self.rng, seen)
            seen[a.iso_hash] = a
        pool = list(seen.values())
        order = np.argsort(-self.score(pool), kind="stable")
        return [pool[i] for i in order[: self.warmup]]

    def _ask(self) -> Architecture:
        if self.n_asked < self.warmup:
            if not self._queue:
                self._queue = self._warm_queue()
            self.base.n_asked += 1  # count it as the base's own (REA's random phase)
            return self._queue.pop(0)
        cands = [self.base.ask() for _ in range(self.n_candidates)]
        self.base.n_asked -= self.n_candidates - 1
        return cands[int(np.argmax(self.score(cands)))]

    def _tell(self, arch: Architecture, value: Any) -> None:
        self.base.tell(arch, value)
