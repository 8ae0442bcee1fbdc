"""Small stand-ins for tests and examples: a table that scores *any* architecture
and a trivial predictor.

``HashBenchmark`` has the query interface of ``nasbench_kit.tables.Benchmark``
(``name``, ``space``, ``metrics``, ``fidelities``, ``seeds``, ``cost_metric``,
``query``) and gives every valid architecture of its space a deterministic
pseudo-random value derived from its ``iso_hash``, so optimizer contract tests
run on every space without table files. It has no known optimum.

>>> from nasbench_kit.optimizers.testing import HashBenchmark
>>> b = HashBenchmark("nb201", fidelities=(12.0, 200.0))
>>> a = b.space.sample(0)
>>> r12, r200 = b.query(a, "val_acc", 12.0), b.query(a, "val_acc")
>>> r12.value < r200.value and r12.cost < r200.cost
True
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from nasbench_kit.errors import NotInTableError, OutOfDomainError, UnknownMetricError
from nasbench_kit.spaces import Architecture, SearchSpace, get_space

__all__ = ["FakeResult", "HashBenchmark", "MeanPredictor"]


class FakeResult(NamedTuple):
    """Same fields as ``EvalResult``."""

    value: float
    unit: str
    cost: float
    fidelity: float
    seed: int | None
    provenance: str


def _unit(text: str) -> float:
    return zlib.crc32(text.encode()) / 2**32


class HashBenchmark:
    """A synthetic table over a whole space (values from a hash of ``iso_hash``).

    ``val_acc`` lies in [80, 95) at the top fidelity and is lower at lower
    fidelities; ``latency`` (ms) in [5, 25); ``train_time`` (the cost metric,
    cumulative seconds) grows with fidelity. ``missing_every=k`` makes every
    architecture whose hash falls in 1/k of hash space raise
    ``NotInTableError``. ``cost=False`` drops the cost metric.
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
        self.space = get_space(space)
        self.name = f"hash/{self.space.name}"
        self.dataset = "synthetic"
        self.fidelities = tuple(sorted(float(f) for f in fidelities))
        self.seeds = tuple(seeds)
        self.cost_metric = "train_time" if cost else None
        self.metrics: tuple[str, ...] = ("val_acc", "latency") + (("train_time",) if cost else ())
        self.units = {"val_acc": "%", "latency": "ms", "train_time": "s"}
        self.missing_every = missing_every
        self.n_queries = 0

    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> FakeResult:
        if metric not in self.metrics:
            raise UnknownMetricError(
                f"metric {metric!r} is not in table {self.name!r}; choose one of "
                f"{list(self.metrics)}"
            )
        fid = self.fidelities[-1] if fidelity is None else float(fidelity)
        if fid not in self.fidelities:
            raise UnknownMetricError(
                f"fidelity {fidelity!r} is not in table {self.name!r}; choose one of "
                f"{list(self.fidelities)}"
            )
        if not isinstance(arch, Architecture):
            arch = self.space.parse(arch)
        elif arch.space_name != self.space.name:
            raise OutOfDomainError(f"{arch!r} is not a {self.space.name} architecture")
        h = arch.iso_hash
        if self.missing_every and zlib.crc32(h.encode()) % self.missing_every == 0:
            raise NotInTableError(f"{arch!r} is not in table {self.name!r}")
        self.n_queries += 1
        frac = fid / self.fidelities[-1]
        noise = 0.0 if seed is None else 0.2 * (_unit(f"{h}:{seed}") - 0.5)
        if metric == "val_acc":
            value = (80.0 + 15.0 * _unit(f"acc:{h}") + noise) * (0.8 + 0.2 * frac)
        elif metric == "latency":
            value = 5.0 + 20.0 * _unit(f"lat:{h}")
        else:
            value = self._cost(h, frac)
        cost = self._cost(h, frac) if self.cost_metric else 0.0
        return FakeResult(float(value), self.units[metric], cost, fid, seed, self.name)

    @staticmethod
    def _cost(h: str, frac: float) -> float:
        return (100.0 + 900.0 * _unit(f"time:{h}")) * frac

    def best(self, metric: str, maximize: bool = True, fidelity: float | None = None) -> Any:
        raise NotImplementedError("a HashBenchmark spans the whole space; no known optimum")

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
            from nasbench_kit.errors import NotFittedError

            raise NotFittedError("MeanPredictor.predict called before fit")
        return np.array([self.mean_ + _unit(a.iso_hash) for a in archs])

    def predict_std(self, archs: Sequence[Architecture]) -> np.ndarray:
        return np.ones(len(archs))
