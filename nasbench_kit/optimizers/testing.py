"""Small stand-ins for tests and examples: an evaluator that scores *any*
architecture and a trivial predictor.

``HashBenchmark`` implements the :class:`~nasbench_kit.evaluators.Evaluator`
contract and gives every valid architecture of its space a deterministic
pseudo-random value derived from its ``iso_hash``, so optimizer and search
tests run on every space without table files. It has no known optimum
(``optimum`` and ``pareto_front`` return ``None``).

>>> from nasbench_kit.optimizers.testing import HashBenchmark
>>> b = HashBenchmark("nb201", fidelities=(12.0, 200.0))
>>> a = b.space.sample(0)
>>> r12, r200 = b.query(a, "val_acc", 12.0), b.query(a, "val_acc")
>>> r12.value < r200.value and r12.cost < r200.cost
True
>>> r200.provenance
'table:hash/nb201 (synthetic)'
"""

from __future__ import annotations

import numbers
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import (
    NotFittedError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.results import EvalResult, make_provenance
from nasbench_kit.spaces import Architecture, SearchSpace, get_space

__all__ = ["HashBenchmark", "MeanPredictor"]


def _unit(text: str) -> float:
    return zlib.crc32(text.encode()) / 2**32


class HashBenchmark:
    """A synthetic evaluator over a whole space (values from a hash of ``iso_hash``).

    ``val_acc`` lies in [80, 95) at the top fidelity and is lower at lower
    fidelities; ``latency`` (ms) in [5, 25); ``train_time`` (the cost metric,
    cumulative seconds) grows with fidelity. ``missing_every=k`` makes every
    architecture whose hash falls in 1/k of hash space raise
    ``NotInTableError``. ``cost=False`` drops the cost metric. ``seeds``: the
    training seeds it answers (a seeded answer adds a small hash noise).
    ``n_queries`` counts answered queries (test instrumentation, the one
    observable state a query changes).
    """

    def __init__(
        self,
        space: str | SearchSpace,
        *,
        fidelities: Sequence[float] = (200.0,),
        cost: bool = True,
        missing_every: int = 0,
        seeds: Sequence[int] = (),
    ) -> None:
        self.space: SearchSpace = get_space(space)
        self.name = f"hash/{self.space.name}"
        self.dataset = "synthetic"
        self.fidelities: tuple[float, ...] = tuple(sorted(float(f) for f in fidelities))
        self.seeds: tuple[int, ...] = tuple(int(s) for s in seeds)
        self.cost_metric: str | None = "train_time" if cost else None
        self.metrics: tuple[str, ...] = ("val_acc", "latency") + (("train_time",) if cost else ())
        all_units = {"val_acc": "%", "latency": "ms", "train_time": "s"}
        self.units: Mapping[str, str] = {m: all_units[m] for m in self.metrics}
        self.missing_every = missing_every
        self.provenance = make_provenance("table", f"{self.name} (synthetic)")
        self.n_queries = 0

    # ---- argument checks ---------------------------------------------------
    def _metric(self, metric: Any) -> str:
        if not isinstance(metric, str) or metric not in self.metrics:
            raise UnknownMetricError(
                f"metric {metric!r} is not in {self.name!r}; choose one of {list(self.metrics)}"
            )
        return metric

    def _fidelity(self, fidelity: Any) -> float:
        if fidelity is None:
            return self.fidelities[-1]
        fid = float(fidelity) if isinstance(fidelity, numbers.Real) else None
        if fid is None or isinstance(fidelity, bool) or fid not in self.fidelities:
            raise UnknownFidelityError(
                f"fidelity {fidelity!r} is not in {self.name!r}; choose one of "
                f"{list(self.fidelities)} or None for the largest"
            )
        return fid

    def _seed(self, seed: Any) -> int | None:
        if seed is None:
            return None
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed not in self.seeds:
            raise UnknownSeedError(
                f"seed {seed!r} is not one of the training seeds {list(self.seeds)} of "
                f"{self.name!r}; pass one of them or None for the mean"
            )
        return int(seed)

    def _arch(self, arch: Any) -> Architecture:
        if isinstance(arch, Architecture) and arch.space_name != self.space.name:
            raise OutOfDomainError(
                f"{arch!r} is not a {self.space.name} architecture; pass one of that space"
            )
        return arch if isinstance(arch, Architecture) else self.space.parse(arch)

    def _missing(self, arch: Architecture) -> bool:
        return bool(self.missing_every) and zlib.crc32(arch.iso_hash.encode()) % self.missing_every == 0

    # ---- the Evaluator contract --------------------------------------------
    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult:
        """Value of ``metric`` for ``arch`` (any notation) at ``fidelity`` and ``seed``."""
        metric = self._metric(metric)
        fid = self._fidelity(fidelity)
        tseed = self._seed(seed)
        parsed = self._arch(arch)
        if self._missing(parsed):
            raise NotInTableError(f"{parsed!r} is not in {self.name!r} (missing_every)")
        self.n_queries += 1
        h = parsed.iso_hash
        frac = fid / self.fidelities[-1]
        noise = 0.0 if tseed is None else 0.2 * (_unit(f"{h}:{tseed}") - 0.5)
        if metric == "val_acc":
            value = (80.0 + 15.0 * _unit(f"acc:{h}") + noise) * (0.8 + 0.2 * frac)
        elif metric == "latency":
            value = 5.0 + 20.0 * _unit(f"lat:{h}")
        else:
            value = self._cost(h, frac)
        cost = self._cost(h, frac) if self.cost_metric else 0.0
        return EvalResult(float(value), self.units[metric], cost, fid, tseed, self.provenance)

    def query_many(
        self,
        archs: Iterable[Any],
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """``query(...).value`` for each of ``archs`` as a float64 array."""
        if isinstance(archs, (str, bytes)) or not isinstance(archs, Iterable):
            raise OutOfDomainError(
                f"query_many needs a list of architectures, got {type(archs).__name__}; "
                "wrap a single architecture in a list"
            )
        values = [self.query(a, metric, fidelity, seed).value for a in archs]
        return np.asarray(values, dtype=np.float64).reshape(-1)

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None:
        """``None``: a hash over the whole space has no known optimum."""
        self._metric(metric)
        self._fidelity(fidelity)
        return None

    def pareto_front(
        self, metrics: Sequence[str], maximize: Sequence[bool], fidelity: float | None = None
    ) -> np.ndarray | None:
        """``None``: no known front."""
        for m in metrics:
            self._metric(m)
        self._fidelity(fidelity)
        return None

    def __contains__(self, arch: Any) -> bool:
        try:
            return not self._missing(self._arch(arch))
        except OutOfDomainError:
            return False

    @staticmethod
    def _cost(h: str, frac: float) -> float:
        return (100.0 + 900.0 * _unit(f"time:{h}")) * frac

    def __repr__(self) -> str:
        return f"<HashBenchmark {self.name!r} fidelities={self.fidelities}>"


class MeanPredictor:
    """Predicts the training mean (plus a hash-based jitter); ``predict_std`` is 1.

    Cheap stand-in for contract tests of predictor-guided optimizers.
    """

    def __init__(self) -> None:
        self.mean_: float | None = None

    def fit(self, archs: Sequence[Architecture], y: Sequence[float]) -> MeanPredictor:
        self.mean_ = float(np.mean(np.asarray(y, dtype=float)))
        return self

    def predict(self, archs: Sequence[Architecture]) -> np.ndarray:
        if self.mean_ is None:
            raise NotFittedError("MeanPredictor.predict called before fit")
        return np.array([self.mean_ + _unit(a.iso_hash) for a in archs])

    def predict_std(self, archs: Sequence[Architecture]) -> np.ndarray:
        return np.ones(len(archs))
