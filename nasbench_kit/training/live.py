"""``LiveEvaluator``: answer any architecture of a space by training it (once).

``LiveEvaluator(space, dataset=..., preset=..., epochs=..., seed=...)``
implements the :class:`~nasbench_kit.evaluators.protocol.Evaluator` contract.
``query`` looks the run up in the :class:`~nasbench_kit.training.cache.ResultStore`
and trains only on a miss (building the space's published network with
``nasbench_kit.models.build_model``, weights seeded by the training seed);
the record is then stored for every later query, process and user of the
store. ``in_channels`` and ``num_classes`` come from the dataset (digits:
1 channel, 8x8), the rest of the network from the preset.

- ``fidelities`` are the epochs ``1..epochs``. ``query(..., fidelity=k)`` answers
  from the recorded per-epoch curve of the one full run (the network after
  ``k`` epochs of a schedule that spans ``epochs``), not from a separate
  ``k``-epoch training -- as NAS-Bench-201 records per-epoch values.
- ``cost`` is the measured training-pass seconds up to that epoch (on a hit
  too: the simulated clock charges what the training took). ``cost_metric`` is
  ``train_time``.
- ``seeds`` is ``(seed,)``; ``seed=None`` means that seed; any int ``>= 0``
  trains (or looks up) that training seed.
- ``provenance``: ``live:<space> <dataset> preset=<p> epochs=<n> seed=<s>
  data_sha=<12 hex> torch=<version>``. ``optimum`` is None (unknown).
- Default preset when none is given: ``fast-digits`` for nb201 on digits,
  ``fast-fashion-mnist`` on (fashion-)mnist, the benchmark's own protocol on
  CIFAR (``nasbench_kit.training.presets.default_preset``).

>>> import nasbench_kit as nbk
>>> live = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0)
>>> live.fidelities, live.seeds, live.cost_metric
((1.0, 2.0, 3.0), (0,), 'train_time')
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import (
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.results import EvalResult, make_provenance
from nasbench_kit.spaces import Architecture, SearchSpace, get_space
from nasbench_kit.training.cache import LiveRecord, ResultStore, StoreKey, new_record
from nasbench_kit.training.presets import Preset, config_hash, default_preset, get_preset
from nasbench_kit.training.tabulate import METRICS, UNITS, curves

__all__ = ["LiveEvaluator"]

_IMAGE_SPACES = ("nb201", "nb101", "darts")
_COST = METRICS.index("train_time")


@functools.lru_cache(maxsize=4)
def _load(name: str, root: str | None, seed: int) -> Any:
    """Datasets are loaded once per process (evaluators share them)."""
    from nasbench_kit.datasets import load_dataset

    return load_dataset(name, root=root, seed=seed)


def _dataset_info(name: Any) -> Any:
    from nasbench_kit.datasets import list_datasets
    from nasbench_kit.datasets._catalog import get_info

    if not isinstance(name, str) or name not in list_datasets():
        raise OutOfDomainError(
            f"unknown dataset {name!r} for live training; choose one of {sorted(list_datasets())}"
        )
    return get_info(name)


def _int_at_least(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise OutOfDomainError(
            f"{name}={value!r} must be an int >= {minimum}; e.g. {name}={max(minimum, 3)}"
        )
    return int(value)


class LiveEvaluator:
    """Train-on-miss evaluator over a whole space (see the module docstring)."""

    def __init__(
        self,
        space: str | SearchSpace,
        dataset: str = "digits",
        *,
        preset: str | Preset | None = None,
        epochs: int | None = None,
        seed: int = 0,
        device: str = "cpu",
        store: ResultStore | str | os.PathLike[str] | None = None,
        model_config: Mapping[str, Any] | None = None,
        threads: int | None = None,
        data_root: str | os.PathLike[str] | None = None,
        data_seed: int = 0,
        progress: bool | None = None,
    ) -> None:
        from nasbench_kit.training.trainer import DEFAULT_THREADS, check_device, check_seed

        self._space = space if isinstance(space, SearchSpace) else get_space(space)
        if self._space.name not in _IMAGE_SPACES:
            raise OutOfDomainError(
                f"live training supports the image spaces {list(_IMAGE_SPACES)}, not "
                f"{self._space.name!r}; its table already holds every architecture (nbk.load)"
            )
        info = _dataset_info(dataset)
        base = default_preset(self._space.name, dataset) if preset is None else get_preset(preset)
        if base.space != self._space.name:
            raise OutOfDomainError(
                f"preset {base.name!r} trains {base.space!r} networks, not {self._space.name!r}; "
                f"pick a preset for {self._space.name!r}"
            )
        n_epochs = base.train.epochs if epochs is None else _int_at_least("epochs", epochs, 1)
        model = {**base.model, **dict(model_config or {})}
        for key, value in (("in_channels", info.input_shape[0]), ("num_classes", info.num_classes)):
            if model.setdefault(key, value) != value:
                raise OutOfDomainError(
                    f"model_config {key}={model[key]!r} contradicts dataset {dataset!r} "
                    f"({key}={value}); drop it, it is derived from the dataset"
                )
        self._preset = base.replace(model=model, epochs=n_epochs)
        self._dataset = info.name
        self._seed = check_seed(seed)
        self._device = str(check_device(device))
        self._threads = DEFAULT_THREADS if threads is None else _int_at_least("threads", threads, 1)
        self._data_root = None if data_root is None else str(data_root)
        self._data_seed = check_seed(data_seed)
        self._progress = progress
        self._hash = config_hash(self._preset)
        self._store = store if isinstance(store, ResultStore) else ResultStore(store)
        self._memo: dict[StoreKey, tuple[LiveRecord, np.ndarray, str]] = {}

    # ---- description -------------------------------------------------------
    name = property(lambda self: f"live/{self._space.name}/{self._dataset}/{self._preset.name}"
                    f"/{self._preset.train.epochs}ep")  # fmt: skip
    space = property(lambda self: self._space, doc="The search space.")
    dataset = property(lambda self: self._dataset, doc="Dataset name.")
    metrics = property(lambda self: METRICS, doc="Metric names.")
    units = property(lambda self: dict(UNITS), doc="Metric -> unit.")
    fidelities = property(
        lambda self: tuple(float(e) for e in range(1, self._preset.train.epochs + 1)),
        doc="Epochs 1..epochs (the recorded curve).",
    )
    seeds = property(lambda self: (self._seed,), doc="The default training seed.")
    cost_metric = property(lambda self: "train_time", doc="Cumulative training seconds.")
    preset = property(lambda self: self._preset, doc="The preset (with epochs and model config).")
    store = property(lambda self: self._store, doc="The ResultStore.")
    config_hash = property(lambda self: self._hash, doc="SHA-256 of the training + model config.")

    def __repr__(self) -> str:
        return f"<LiveEvaluator {self.name} seed={self._seed} store={str(self._store.path)!r}>"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"] = {}
        return state

    # ---- data ------------------------------------------------------------------
    def data(self) -> Any:
        """The loaded :class:`~nasbench_kit.datasets.ImageData` (once per process)."""
        return _load(self._dataset, self._data_root, self._data_seed)

    def _key(self, arch: Architecture, seed: int) -> StoreKey:
        return StoreKey(self._space.name, arch.hash, self._dataset, self.data().checksum,
                        self._hash, self._preset.train.epochs, seed)  # fmt: skip

    # ---- checks ------------------------------------------------------------------
    def _arch(self, arch: Any) -> Architecture:
        if isinstance(arch, Architecture) and arch.space_name != self._space.name:
            raise OutOfDomainError(
                f"{arch!r} belongs to space {arch.space_name!r}; this evaluator trains "
                f"{self._space.name!r} architectures"
            )
        return self._space.parse(arch)

    def _metric(self, metric: Any) -> int:
        if not isinstance(metric, str) or metric not in METRICS:
            raise UnknownMetricError(f"metric {metric!r} is not one of {list(METRICS)}")
        return METRICS.index(metric)

    def _fidelity(self, fidelity: Any) -> int:
        epochs = self._preset.train.epochs
        if fidelity is None:
            return epochs
        ok = not isinstance(fidelity, bool) and isinstance(fidelity, (int, float, np.number))
        if not ok or float(fidelity) != int(fidelity) or not 1 <= int(fidelity) <= epochs:
            raise UnknownFidelityError(
                f"fidelity {fidelity!r} is not an epoch of this run; choose one of "
                f"1..{epochs} or None for {epochs}"
            )
        return int(fidelity)

    def _seed_of(self, seed: Any) -> int:
        if seed is None:
            return self._seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise UnknownSeedError(
                f"seed {seed!r}: training seeds are ints >= 0 (or None for {self._seed})"
            )
        return int(seed)

    # ---- training ------------------------------------------------------------------
    def _train_one(self, arch: Architecture, seed: int) -> LiveRecord:
        """Train ``arch`` with ``seed`` and return its record (not stored: the caller puts it).

        Pure with respect to the store, so a batch executor can run it in a
        worker and hand the record to ``store.put`` in the driver.
        """
        from nasbench_kit.models import build_model
        from nasbench_kit.training.trainer import seeded, train

        data = self.data()
        model = dict(self._preset.model)
        net = seeded(lambda: build_model(arch, **model), seed)
        result = train(net, data, self._preset.train, seed=seed, device=self._device,
                       threads=self._threads, progress=self._progress)  # fmt: skip
        return new_record(self._key(arch, seed), result, notation=self._space.to_string(arch),
                          preset=self._preset.name, model=model)  # fmt: skip

    def record(self, arch: Any, seed: int | None = None) -> LiveRecord:
        """The stored record of ``arch`` (training it first on a miss)."""
        return self._entry(self._arch(arch), self._seed_of(seed))[0]

    def _entry(self, arch: Architecture, seed: int) -> tuple[LiveRecord, np.ndarray, str]:
        """(record, per-epoch metric array, provenance), from memory, the store or training."""
        key = self._key(arch, seed)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        rec = self._store.get(key)
        if rec is None:
            rec = self._store.put(key, self._train_one(arch, seed))
        entry = (rec, curves(rec), self.provenance(rec))
        self._memo[key] = entry
        return entry

    def provenance(self, rec: LiveRecord) -> str:
        """The provenance string of an answer read from ``rec``."""
        k = rec.key
        detail = (
            f"{k.space} {k.dataset} preset={rec.preset} epochs={k.epochs} seed={k.seed} "
            f"data_sha={k.data_checksum[:12]} torch={rec.result.torch_version}"
        )
        return make_provenance("live", detail)

    # ---- queries ------------------------------------------------------------------
    def query(
        self, arch: Any, metric: str, fidelity: float | None = None, seed: int | None = None
    ) -> EvalResult:
        """``metric`` of ``arch`` after ``fidelity`` epochs; trains on a cache miss."""
        m, f, s = self._metric(metric), self._fidelity(fidelity), self._seed_of(seed)
        _, table, provenance = self._entry(self._arch(arch), s)
        cost = float(table[f - 1, _COST])
        return EvalResult(float(table[f - 1, m]), UNITS[metric], cost, float(f), s, provenance)

    def query_many(
        self,
        archs: Iterable[Any],
        metric: str,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """``query(...).value`` for each arch (misses are trained one by one)."""
        if isinstance(archs, (str, bytes)) or not isinstance(archs, Iterable):
            raise OutOfDomainError(
                f"query_many needs a list of architectures, got {type(archs).__name__}; "
                "wrap a single one in a list"
            )
        self._metric(metric), self._fidelity(fidelity), self._seed_of(seed)
        values = [self.query(a, metric, fidelity, seed).value for a in archs]
        return np.array(values, dtype=np.float64)

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None:
        """Unknown for live training: None."""
        self._metric(metric), self._fidelity(fidelity)
        return None

    def pareto_front(
        self, metrics: Sequence[str], maximize: Sequence[bool], fidelity: float | None = None
    ) -> np.ndarray | None:
        """Unknown for live training: None."""
        for metric in metrics:
            self._metric(metric)
        return None

    def __contains__(self, arch: Any) -> bool:
        try:
            self._arch(arch)
        except OutOfDomainError:
            return False
        return True

    def to_benchmark(self, name: str | None = None) -> Any:
        """This evaluator's stored runs (every seed) as a ``Benchmark`` table."""
        return self._store.to_benchmark(
            name, space=self._space.name, dataset=self._dataset, data_checksum=self.data().checksum,
            config_hash=self._hash, epochs=self._preset.train.epochs,
        )  # fmt: skip
