"""Surrogate benchmarks: a table's results, generalised to every architecture of its space.

``fit_surrogate(table)`` fits, per metric, an ensemble of this package's
predictors (gradient-boosted trees and ridge regression on fast structural
features, blended by cross-validation; see
:mod:`nasbench_kit.evaluators._surrogate_model`) and returns a
:class:`SurrogateBenchmark`, an :class:`~nasbench_kit.evaluators.Evaluator`
that answers *any* architecture of the space, as NAS-Bench-301 does for DARTS.

Semantics
---------
- ``seed=None``: the ensemble mean. An architecture isomorphic to a training
  architecture gets the table's mean over its class (``memorize=True``).
- ``seed=k`` (any int >= 0): a reproducible noisy draw, mean + sd * N(0, 1),
  the normal deviate derived from a hash of ``(arch, k, metric)`` (NB301's
  ``with_noise``; same arch and seed -> same value). ``sd`` is the table's
  seed-to-seed standard deviation (a fitted model of it, calibrated to the
  table's mean variance) when the table has two or more seeds; otherwise the
  spread of the ensemble members (the cross-validation fold models), which
  measures the surrogate's own uncertainty, not training noise.
- ``seeds``: the table's seeds, or ``(0, 1, 2)`` when it has none.
- ``fidelities``: the table's largest fidelity only (the one fitted).
- ``cost``: the table's cost metric, fitted the same way (mean, no noise), feeds
  the simulated clock; a table without one gives cost 0.0 and ``cost_metric``
  None. ``optimum``/``pareto_front``: None (unknown for an open space).
- ``query_many`` encodes the batch once and predicts once per model.

>>> import nasbench_kit as nbk
>>> bench = nbk.load("nbgraph/cora")
>>> sur = fit_surrogate(bench, metrics=["val_acc"], archs=bench.archs()[:60], n_members=2)
>>> r = sur.query(nbk.get_space("nbgraph").sample(seed=1), "val_acc")
>>> r.provenance.startswith("surrogate:")
True
>>> sur.query_many(bench.archs()[:3], "val_acc", seed=4).tolist() == [
...     sur.query(a, "val_acc", seed=4).value for a in bench.archs()[:3]]
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import (
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.evaluators._surrogate_features import featurize
from nasbench_kit.evaluators._surrogate_model import MODELS, MetricModel, clip, fit_metric
from nasbench_kit.results import EvalResult, make_provenance
from nasbench_kit.spaces import Architecture, SearchSpace, get_space

if TYPE_CHECKING:  # pragma: no cover
    import os

__all__ = ["SurrogateBenchmark", "fit_surrogate", "load_surrogate", "table_checksum"]

_DEFAULT_SEEDS = (0, 1, 2)


def _normal_deviates(key: str, hashes: Sequence[str], seed: int) -> np.ndarray:
    """Standard normal numbers, one per hash, fixed by ``(key, hash, seed)``."""
    from scipy.special import ndtri

    tag = f"{key}|{seed}|".encode()
    raw = b"".join(hashlib.blake2b(tag + h.encode(), digest_size=8).digest() for h in hashes)
    bits = np.frombuffer(raw, dtype="<u8") >> np.uint64(11)
    return np.asarray(ndtri((bits.astype(np.float64) + 0.5) / 2.0**53), dtype=np.float64)


class SurrogateBenchmark:
    """An :class:`~nasbench_kit.evaluators.Evaluator` backed by fitted models.

    Build one with :func:`fit_surrogate` or :func:`load_surrogate`; see the
    module docs for the meaning of seeds, noise, cost and fidelity.
    """

    def __init__(
        self, *, name: str, space: str, dataset: str, fidelity: float,
        seeds: Sequence[int], cost_metric: str | None, models: Mapping[str, MetricModel],
        table: Mapping[str, Any], noise_key: str, probe: Sequence[str] = (),
    ):  # fmt: skip
        self._name = name
        self._space: SearchSpace = get_space(space)
        self._arch_type = self._space.arch_type
        self._dataset = dataset
        self._fidelity = float(fidelity)
        self._seeds = tuple(int(s) for s in seeds) or _DEFAULT_SEEDS
        self._cost_metric = cost_metric
        self._models = dict(models)
        self._metrics = tuple(self._models)
        self._units = MappingProxyType({m: mod.unit for m, mod in self._models.items()})
        self._table = dict(table)
        self._noise_key = noise_key
        self._probe = tuple(probe)
        sha = str(self._table.get("sha256", ""))[:12]
        self._provenance = {
            m: make_provenance(
                "surrogate", f"{name} ({mod.describe()} fitted on {self._table.get('name')} sha {sha})"
            )
            for m, mod in self._models.items()
        }

    # ---- description -------------------------------------------------------
    name = property(lambda self: self._name, doc="Surrogate name, e.g. ``surrogate(nb301/zc)``.")
    space = property(lambda self: self._space, doc="The :class:`SearchSpace` it answers.")
    dataset = property(lambda self: self._dataset, doc="Dataset of the training table.")
    metrics = property(lambda self: self._metrics, doc="Fitted metrics (the cost metric too).")
    units = property(lambda self: self._units, doc="Read-only metric -> unit mapping.")
    seeds = property(lambda self: self._seeds, doc="Training seeds the runner draws from.")
    cost_metric = property(lambda self: self._cost_metric, doc="Metric giving the cost (s).")

    @property
    def fidelities(self) -> tuple[float, ...]:
        """The one fidelity fitted: the training table's largest."""
        return (self._fidelity,)

    @property
    def metadata(self) -> dict[str, Any]:
        """Training table (name, sha256, rows), and per metric the blend and its CV scores."""
        return {
            "table": dict(self._table),
            "metrics": {m: {**mod.info, "blend": mod.describe(), "transform": mod.transform,
                            "noise": mod.noise}
                        for m, mod in self._models.items()},
        }  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"<SurrogateBenchmark {self._name!r}: {self._space.name} on {self._dataset}, "
            f"metrics {list(self._metrics)}, fitted on {self._table.get('name')!r}>"
        )

    # ---- argument checks ---------------------------------------------------
    def _model(self, metric: Any) -> MetricModel:
        model = self._models.get(metric) if isinstance(metric, str) else None
        if model is None:
            raise UnknownMetricError(
                f"metric {metric!r} is not in surrogate {self._name!r}; choose one of "
                f"{list(self._metrics)} (fit_surrogate(..., metrics=[...]) chooses what is fitted)"
            )
        return model

    def _check(self, fidelity: Any, seed: Any) -> None:
        if fidelity is not None:
            try:
                ok = not isinstance(fidelity, bool) and float(fidelity) == self._fidelity
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise UnknownFidelityError(
                    f"fidelity {fidelity!r} is not in surrogate {self._name!r}; it answers "
                    f"{self._fidelity} (the training table's largest) or None"
                )
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise UnknownSeedError(
                f"seed {seed!r} is not an int >= 0; a surrogate draws noise for any seed "
                f"(its seeds are {list(self._seeds)}) or answers the mean for seed=None"
            )

    def _parse(self, arch: Any) -> Architecture:
        if type(arch) is self._arch_type:
            return arch  # type: ignore[no-any-return]
        if isinstance(arch, Architecture) and arch.space_name != self._space.name:
            raise OutOfDomainError(
                f"{arch!r} belongs to space {arch.space_name!r} but surrogate {self._name!r} "
                f"answers {self._space.name!r} architectures; pass an architecture of that space"
            )
        return self._space.parse(arch)

    def _parse_all(self, archs: Any) -> list[Architecture]:
        if archs is None or isinstance(archs, (str, bytes, Architecture)) or not isinstance(
                archs, Iterable):  # fmt: skip
            raise OutOfDomainError(
                f"query_many needs a list of architectures, got {type(archs).__name__}; "
                "wrap a single one in a list: [arch]"
            )
        return [self._parse(a) for a in archs]

    # ---- queries -----------------------------------------------------------
    def _values(self, model: MetricModel, archs: list[Architecture], X: np.ndarray,
                seed: int | None) -> np.ndarray:  # fmt: skip
        values = model.mean(X, archs)
        if seed is None:
            return values
        z = _normal_deviates(f"{self._noise_key}|{model.metric}", [a.hash for a in archs], seed)
        return clip(model.transform, values + model.spread(X) * z)

    def _costs(self, archs: list[Architecture], X: np.ndarray) -> np.ndarray:
        if self._cost_metric is None:
            return np.zeros(len(archs))
        model = self._models[self._cost_metric]
        return np.maximum(model.mean(X, archs), 0.0)

    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult:
        """Predict ``metric`` of any architecture of the space (see the module docs)."""
        model = self._model(metric)
        self._check(fidelity, seed)
        a = [self._parse(arch)]
        X = featurize(self._space, a)
        value = float(self._values(model, a, X, seed)[0])
        cost = float(self._costs(a, X)[0])
        return EvalResult(value, model.unit, cost, self._fidelity,
                          None if seed is None else int(seed), self._provenance[metric])  # fmt: skip

    def query_many(
        self,
        archs: Iterable[Any],
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """float64 predictions for many archs: one encoding, one predict per model."""
        model = self._model(metric)
        self._check(fidelity, seed)
        parsed = self._parse_all(archs)
        if not parsed:
            return np.zeros(0)
        return self._values(model, parsed, featurize(self._space, parsed), seed)

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None:
        """``None``: the best architecture of an open space is unknown."""
        self._model(metric)
        self._check(fidelity, None)
        return None

    def pareto_front(
        self, metrics: Sequence[str], maximize: Sequence[bool], fidelity: float | None = None
    ) -> np.ndarray | None:
        """``None``: unknown for an open space."""
        for m in metrics:
            self._model(m)
        self._check(fidelity, None)
        return None

    def __contains__(self, arch: Any) -> bool:
        try:
            self._parse(arch)
        except NasBenchKitError:
            return False
        return True

    # ---- persistence ----------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to folder ``path`` (JSON + npz + XGBoost JSON, no pickle; atomic files)."""
        from nasbench_kit.evaluators._surrogate_io import write_state

        write_state(path, self._state())

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        from nasbench_kit.evaluators._surrogate_io import dump_state

        return dump_state(self)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Workers get the same state as a saved folder (rebuilt by the loader's code path).
        from nasbench_kit.evaluators._surrogate_io import build

        return (build, self._state())


# ---- fitting ---------------------------------------------------------------------
def table_checksum(bench: Any, archs: Sequence[Architecture], columns: Mapping[str, Any]) -> str:
    """sha256 of the training data: table name, space, metric names, arch hashes, values."""
    h = hashlib.sha256()
    for part in (bench.name, bench.space.name, bench.dataset, repr(sorted(columns))):
        h.update(str(part).encode() + b"\0")
    h.update("\n".join(a.hash for a in archs).encode() + b"\0")
    for m in sorted(columns):
        h.update(np.ascontiguousarray(columns[m], dtype="<f8").tobytes())
    return h.hexdigest()


def _training_archs(bench: Any, archs: Iterable[Any] | None) -> list[Architecture]:
    if archs is None:
        return list(bench.archs())
    if isinstance(archs, (str, bytes, Architecture)) or not isinstance(archs, Iterable):
        raise OutOfDomainError(
            f"archs must be a list of architectures of the table, got {type(archs).__name__}"
        )
    parsed: dict[str, Architecture] = {}
    for a in archs:
        arch = bench.space.parse(a)
        if arch not in bench:
            raise NotInTableError(
                f"{arch!r} is not in table {bench.name!r}; fit_surrogate(archs=...) takes a "
                "subset of the table's architectures (bench.archs())"
            )
        parsed.setdefault(arch.hash, arch)
    return list(parsed.values())


def _check_fit_args(bench: Any, metrics: Any, model: Any, n_members: Any) -> list[str]:
    if not all(hasattr(bench, a) for a in ("archs", "query_many", "metrics", "fidelities")):
        raise OutOfDomainError(
            f"fit_surrogate needs a table (nasbench_kit.load(name)), got {type(bench).__name__}"
        )
    if model not in MODELS:
        raise OutOfDomainError(f"model={model!r} is not one of {list(MODELS)}")
    if isinstance(n_members, bool) or not isinstance(n_members, (int, np.integer)) or n_members < 2:
        raise OutOfDomainError(f"n_members={n_members!r} must be an int >= 2 (e.g. 5)")
    names = list(bench.metrics) if metrics is None else (
        [metrics] if isinstance(metrics, str) else list(metrics))  # fmt: skip
    bad = [m for m in names if m not in bench.metrics]
    if bad or not names:
        raise UnknownMetricError(
            f"metric {bad[0] if bad else metrics!r} is not in table {bench.name!r}; choose from "
            f"{list(bench.metrics)}"
        )
    cost = bench.cost_metric
    if cost is not None and cost not in names:
        names.append(cost)  # the simulated clock needs it
    return list(dict.fromkeys(names))


def fit_surrogate(
    bench: Any,
    metrics: str | Sequence[str] | None = None,
    archs: Iterable[Any] | None = None,
    model: str = "auto",
    seed: int | np.random.Generator | None = 0,
    n_members: int = 5,
    *,
    memorize: bool = True,
    name: str | None = None,
    progress: bool | None = None,
) -> SurrogateBenchmark:
    """Fit a surrogate of ``bench`` (a table) on its rows or on ``archs`` (a subset).

    ``metrics``: which to fit (default: all; the table's cost metric is always
    added). ``model``: ``"auto"`` (trees and ridge blended by cross-validation,
    the best we measured), ``"xgb"`` or ``"linear"``. ``n_members``: folds =
    ensemble members (>= 2). Rows whose value is NaN are left out per metric;
    each metric needs at least 10 finite values.
    """
    from nasbench_kit._progress import progress as bar

    names = _check_fit_args(bench, metrics, model, n_members)
    rng = as_rng(seed)
    train = _training_archs(bench, archs)
    fid = float(bench.fidelities[-1])
    iso = [a.iso_hash for a in train]
    columns, models = {}, {}
    seeds = tuple(bench.seeds)
    for m in bar(names, total=len(names), desc="fit_surrogate", unit="metric", enabled=progress):
        y = np.asarray(bench.query_many(train, m, fid), dtype=np.float64)
        per_seed = (np.stack([bench.query_many(train, m, fid, s) for s in seeds], axis=1)
                    if len(seeds) >= 2 else None)  # fmt: skip
        columns[m] = y if per_seed is None else np.column_stack([y, per_seed])
        ok = np.isfinite(y)
        if ok.sum() < 10:
            raise OutOfDomainError(
                f"metric {m!r} has {int(ok.sum())} finite values among the {len(train)} training "
                "architectures; a surrogate needs at least 10 (pass more archs or drop the metric)"
            )
        kept = [a for a, k in zip(train, ok) if k]
        models[m] = fit_metric(
            m, bench.units.get(m, ""), kept, y[ok], [h for h, k in zip(iso, ok) if k],
            None if per_seed is None else per_seed[ok], model=model, n_members=int(n_members),
            rng=rng, memorize=memorize,
        )  # fmt: skip
    sha = table_checksum(bench, train, columns)
    table = {"name": bench.name, "sha256": sha, "n_rows": len(train), "fidelity": fid,
             "seeds": list(seeds), "source": str(getattr(bench, "metadata", {}).get("source", ""))}
    return SurrogateBenchmark(
        name=name or f"surrogate({bench.name})", space=bench.space.name, dataset=bench.dataset,
        fidelity=fid, seeds=seeds, cost_metric=bench.cost_metric, models=models, table=table,
        noise_key=f"{int(rng.integers(2**62)):x}", probe=[a.to_string() for a in train[:32]],
    )  # fmt: skip


def load_surrogate(path: str | os.PathLike[str]) -> SurrogateBenchmark:
    """Open a surrogate written by :meth:`SurrogateBenchmark.save`.

    Only our own files are read (JSON manifest with magic and schema version,
    checksummed npz without pickles, XGBoost JSON models); anything else raises
    :class:`~nasbench_kit.errors.UnsafeFileError` before any of it is used.
    """
    from nasbench_kit.evaluators._surrogate_io import build, read_state

    return build(*read_state(path))
