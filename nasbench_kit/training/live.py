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
  CIFAR, ``fast-karate`` / ``nbgraph-gcn`` for NB-Graph
  (``nasbench_kit.training.presets.default_preset``).

Data: ``dataset`` is a name (images: ``load_dataset``; graphs: ``karate``,
``cora``, ``citeseer``, ``pubmed`` through ``load_graph``) or an object: an
``ImageData``, or a PyG ``Data`` with ``train_mask`` / ``val_mask`` /
``test_mask`` (e.g. your own Planetoid Cora) plus ``dataset_name=`` for the
store key and provenance (its checksum is ``graph_checksum``). The space
decides the trainer: ``nb201`` / ``nb101`` / ``darts`` train on images with
:func:`~nasbench_kit.training.trainer.train`, ``nbgraph`` on graphs with
:func:`~nasbench_kit.training.graph.train_graph` (full batch). A dataset
without validation rows (``load_dataset("cifar10")``, NB201's ``cifar10``
setting) trains normally; its ``val_acc`` / ``val_loss`` answers are NaN --
pick ``cifar10-valid`` to have them.

Batches and executors: ``evaluate_many(archs, seeds)`` returns the records
of many architectures, training only the misses -- each (architecture, seed)
once, however often it appears -- as tasks of
:func:`nasbench_kit.parallel.map_tasks` on ``executor``: ``None`` (here, one
after the other), ``"ray"`` (Ray tasks; ``RAY_ADDRESS`` for a cluster) or any
``concurrent.futures.Executor``. Workers get a store-free
:class:`~nasbench_kit.training.livejob.TrainSpec`, train and return records;
the driver writes every record to the store, so workers need no access to it.
Trained here, each record is stored as soon as it is trained; on an executor,
when the batch (or each round of ``write_every``) ends -- a driver that dies
mid-batch loses that round's trainings, nothing already stored.
A record trained in a worker equals one trained here (same seed, same
``threads``; deterministic on CPU). A worker that dies mid-training (killed,
out of memory, node lost) fails only its task: Ray re-runs it (up to
``max_retries=3`` times) and the driver still receives one record per
training and writes it once -- nothing lost, nothing duplicated (and the
store keeps the first record of a key anyway). A ``concurrent.futures``
process pool does not retry: a dead worker raises ``BrokenProcessPool`` and
nothing of that batch is written (run it again). An exception *raised by* a
training (e.g. ``TrainingError`` on a diverging loss) does not stop the
others: the driver stores every record that trained and then raises the
first error. The driver also checks each returned record's key: a worker
that read *different* data (another copy of the files on its node) gets its
record refused with ``TrainingError``. Threads of one process train
one at a time (torch's RNG and settings are process-wide; see
:mod:`~nasbench_kit.training.trainer`): use processes or Ray for speed.
``query`` and ``query_many`` train their misses the same way.

>>> import nasbench_kit as nbk
>>> live = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0)
>>> live.fidelities, live.seeds, live.cost_metric
((1.0, 2.0, 3.0), (0,), 'train_time')
>>> nbk.LiveEvaluator("nbgraph", dataset="karate").preset.name
'fast-karate'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from nasbench_kit.errors import (
    OutOfDomainError,
    TrainingError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.results import EvalResult, make_provenance
from nasbench_kit.spaces import Architecture, SearchSpace, get_space
from nasbench_kit.training.cache import LiveRecord, ResultStore, StoreKey
from nasbench_kit.training.livejob import (
    Failed,
    TrainSpec,
    resolve_dataset,
    resolve_model,
    space_kind,
    train_job,
)
from nasbench_kit.training.presets import Preset, config_hash, default_preset, get_preset
from nasbench_kit.training.tabulate import METRICS, UNITS, curves

__all__ = ["LiveEvaluator"]

_COST = METRICS.index("train_time")
_Entry = tuple[LiveRecord, np.ndarray, str]


def _int_at_least(name: str, value: Any, minimum: int, example: int = 3) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise OutOfDomainError(f"{name}={value!r} must be an int >= {minimum}; e.g. {name}={example}")
    return int(value)


def _check_executor(executor: Any) -> str | Executor | None:
    if executor is None or executor == "ray" or isinstance(executor, Executor):
        return executor
    raise OutOfDomainError(
        f"executor={executor!r}: pass None (train here), 'ray', or a "
        "concurrent.futures.Executor such as ProcessPoolExecutor(2)"
    )


def _checked(key: StoreKey, rec: LiveRecord | Failed) -> LiveRecord | Failed:
    """``rec``, or :class:`Failed` when a worker trained something else than the driver asked."""
    if isinstance(rec, Failed) or tuple(rec.key) == tuple(key):
        return rec
    if rec.key.data_checksum != key.data_checksum:
        why = (
            f"the worker read dataset {key.dataset!r} with checksum "
            f"{rec.key.data_checksum[:12]}, the driver has {key.data_checksum[:12]}: give every "
            "node the same files (same data_root contents), or pass the loaded data object as "
            "dataset= so it travels with the task"
        )
    else:
        why = f"the worker's key {tuple(rec.key)} differs from the driver's {tuple(key)}"
    return Failed(TrainingError(f"record not stored: {why}"))


class LiveEvaluator:
    """Train-on-miss evaluator over a whole space (see the module docstring)."""

    def __init__(
        self,
        space: str | SearchSpace,
        dataset: Any = "digits",
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
        dataset_name: str | None = None,
        executor: str | Executor | None = None,
        workers: int | None = None,
        progress: bool | None = None,
    ) -> None:
        from nasbench_kit.training.trainer import DEFAULT_THREADS, check_device, check_seed

        self._space = space if isinstance(space, SearchSpace) else get_space(space)
        kind = space_kind(self._space.name)
        root = None if data_root is None else str(data_root)
        source = resolve_dataset(dataset, dataset_name=dataset_name, root=root,
                                 seed=check_seed(data_seed))  # fmt: skip
        if source.kind != kind:
            raise OutOfDomainError(
                f"space {self._space.name!r} trains on {kind} data, but dataset "
                f"{source.name!r} is {source.kind} data; see nasbench_kit.datasets.dataset_info"
            )
        base = (
            default_preset(self._space.name, source.name) if preset is None else get_preset(preset)
        )
        if base.space != self._space.name:
            raise OutOfDomainError(
                f"preset {base.name!r} trains {base.space!r} networks, not {self._space.name!r}; "
                f"pick a preset for {self._space.name!r}"
            )
        n_epochs = base.train.epochs if epochs is None else _int_at_least("epochs", epochs, 1)
        model = resolve_model(self._space.name, base, source, model_config)
        final = base.replace(model=model, epochs=n_epochs)
        if kind == "graph":
            from nasbench_kit.training.graph import check_graph_config

            check_graph_config(final.train)
        self._spec = TrainSpec(
            self._space, final, source, config_hash(final), str(check_device(device)),
            DEFAULT_THREADS if threads is None else _int_at_least("threads", threads, 1, 1), progress,
        )  # fmt: skip
        self._seed = check_seed(seed)
        self._executor = _check_executor(executor)
        self._workers = None if workers is None else _int_at_least("workers", workers, 1, 2)
        self._store = store if isinstance(store, ResultStore) else ResultStore(store)
        self._memo: dict[StoreKey, _Entry] = {}

    # ---- description -------------------------------------------------------
    name = property(lambda self: f"live/{self._space.name}/{self.dataset}/{self.preset.name}"
                    f"/{self.preset.train.epochs}ep")  # fmt: skip
    space = property(lambda self: self._space, doc="The search space.")
    dataset = property(lambda self: self._spec.source.name, doc="Dataset name.")
    metrics = property(lambda self: METRICS, doc="Metric names.")
    units = property(lambda self: dict(UNITS), doc="Metric -> unit.")
    fidelities = property(
        lambda self: tuple(float(e) for e in range(1, self.preset.train.epochs + 1)),
        doc="Epochs 1..epochs (the recorded curve).",
    )
    seeds = property(lambda self: (self._seed,), doc="The default training seed.")
    cost_metric = property(lambda self: "train_time", doc="Cumulative training seconds.")
    preset = property(
        lambda self: self._spec.preset, doc="The preset (with epochs and model config)."
    )
    store = property(lambda self: self._store, doc="The ResultStore.")
    config_hash = property(lambda self: self._spec.config_hash,
                           doc="SHA-256 of the training + model config.")  # fmt: skip
    spec = property(lambda self: self._spec, doc="The store-free TrainSpec workers run.")

    def __repr__(self) -> str:
        return f"<LiveEvaluator {self.name} seed={self._seed} store={str(self._store.path)!r}>"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"] = {}
        if isinstance(state["_executor"], Executor):  # pools do not travel; a copy trains here
            state["_executor"] = None
        return state

    # ---- data ------------------------------------------------------------------
    def data(self) -> Any:
        """The loaded ``ImageData`` or PyG ``Data`` (once per process for names)."""
        return self._spec.source.load()

    def _key(self, arch: Architecture, seed: int) -> StoreKey:
        return self._spec.key(arch, seed)

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
        epochs = self.preset.train.epochs
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

    def _archs(self, archs: Any) -> list[Architecture]:
        if isinstance(archs, (str, bytes)) or not isinstance(archs, Iterable):
            raise OutOfDomainError(
                f"expected a list of architectures, got {type(archs).__name__}; "
                "wrap a single one in a list"
            )
        return [self._arch(a) for a in archs]

    def _seed_list(self, seeds: Any, n: int) -> list[int]:
        if seeds is None or isinstance(seeds, (int, np.integer)):
            return [self._seed_of(seeds)] * n
        if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
            raise UnknownSeedError(f"seeds={seeds!r}: pass None, one int, or one int per arch")
        out = [self._seed_of(s) for s in seeds]
        if len(out) != n:
            raise UnknownSeedError(f"{len(out)} seeds for {n} architectures; give one per arch")
        return out

    # ---- training ------------------------------------------------------------------
    def _train_one(self, arch: Architecture, seed: int) -> LiveRecord:
        """Train ``arch`` with ``seed`` here and return its record (not stored)."""
        return self._spec.train(arch, seed)

    def evaluate_many(
        self,
        archs: Iterable[Any],
        seeds: int | Sequence[int] | None = None,
        *,
        executor: str | Executor | None = None,
        workers: int | None = None,
        ray_options: Mapping[str, Any] | None = None,
        write_every: int | None = None,
        progress: bool | None = None,
    ) -> list[LiveRecord]:
        """The record of each ``(arch, seed)``, training the misses as one batch.

        ``seeds``: None (the evaluator's seed), one int for all, or one per
        arch. ``executor`` / ``workers`` default to the evaluator's; see the
        module docstring for where training runs and what a failure does.
        ``ray_options`` go to Ray (e.g. ``{"num_gpus": 1}`` with ``device="cuda"``).
        ``write_every``: train the misses in rounds of this many and store each
        round's records when it ends, so a driver that dies loses at most one
        round. Default: every record as soon as it is trained here
        (``executor=None``); one round on an executor.
        """
        parsed = self._archs(archs)
        jobs = list(zip(parsed, self._seed_list(seeds, len(parsed))))
        if write_every is not None:
            write_every = _int_at_least("write_every", write_every, 1, 16)
        self._fill(jobs, executor, workers, ray_options, progress, write_every)
        return [self._memo[self._key(a, s)][0] for a, s in jobs]

    def _fill(self, jobs: list[tuple[Architecture, int]], executor: Any, workers: Any,
              ray_options: Mapping[str, Any] | None, progress: bool | None,
              write_every: int | None = None) -> None:  # fmt: skip
        """Put every job's entry in the memo: from the store, or trained (misses, once each)."""
        todo: dict[StoreKey, tuple[Architecture, int]] = {}
        for arch, seed in jobs:
            key = self._key(arch, seed)
            if key in self._memo or key in todo:
                continue
            rec = self._store.get(key)
            if rec is None:
                todo[key] = (arch, seed)
            else:
                self._remember(rec)
        if todo:
            self._train_batch(todo, executor, workers, ray_options, progress, write_every)

    def _train_batch(self, todo: dict[StoreKey, tuple[Architecture, int]], executor: Any,
                     workers: Any, ray_options: Mapping[str, Any] | None,
                     progress: bool | None, write_every: int | None) -> None:  # fmt: skip
        from nasbench_kit._progress import progress_bar
        from nasbench_kit.parallel import map_tasks

        executor = self._executor if executor is None else _check_executor(executor)
        workers = self._workers if workers is None else _int_at_least("workers", workers, 1, 2)
        fn: Callable[..., Any] = train_job
        shared: Any = self._spec
        if executor is None:  # here: through _train_one (one place to observe training)
            fn, shared = self._train_here, self
        step = write_every or (1 if executor is None else len(todo))
        items = list(todo.items())
        failures: list[Exception] = []
        enabled = self._spec.progress if progress is None else progress
        with progress_bar(total=len(todo), desc="train", unit="arch", enabled=enabled) as bar:
            for start in range(0, len(items), step):
                part = items[start : start + step]
                out = map_tasks(fn, [job for _, job in part], executor, shared=shared,
                                workers=workers, ray_options=ray_options, on_done=bar.update)  # fmt: skip
                for (key, _), rec in zip(part, out):  # the driver writes; workers never do
                    rec = _checked(key, rec)
                    if isinstance(rec, Failed):
                        failures.append(rec.error)
                    else:
                        self._remember(self._store.put(key, rec))
        if failures:
            raise failures[0]

    @staticmethod
    def _train_here(ev: LiveEvaluator, job: tuple[Architecture, int]) -> LiveRecord | Failed:
        try:
            return ev._train_one(*job)
        except Exception as err:  # noqa: BLE001 - re-raised by the driver after storing the rest
            return Failed(err)

    def _remember(self, rec: LiveRecord) -> _Entry:
        entry = (rec, curves(rec), self.provenance(rec))
        self._memo[rec.key] = entry
        return entry

    def record(self, arch: Any, seed: int | None = None) -> LiveRecord:
        """The stored record of ``arch`` (training it first on a miss)."""
        return self._entry(self._arch(arch), self._seed_of(seed))[0]

    def _entry(self, arch: Architecture, seed: int) -> _Entry:
        """(record, per-epoch metric array, provenance), from memory, the store or training."""
        key = self._key(arch, seed)
        hit = self._memo.get(key)
        if hit is None:
            self._fill([(arch, seed)], None, None, None, None)
            hit = self._memo[key]
        return hit

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
        """``query(...).value`` for each arch; the misses train as one batch (``evaluate_many``)."""
        m, f, s = self._metric(metric), self._fidelity(fidelity), self._seed_of(seed)
        records = self.evaluate_many(self._archs(archs), s)
        values = [self._memo[r.key][1][f - 1, m] for r in records]
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
            name, space=self._space.name, dataset=self.dataset,
            data_checksum=self._spec.source.checksum(), config_hash=self.config_hash,
            epochs=self.preset.train.epochs,
        )  # fmt: skip
