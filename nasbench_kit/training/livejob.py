"""What one live training needs, without the store: the data source and the job spec.

A :class:`DataSource` names the data of a ``LiveEvaluator``: a dataset name
(image: :func:`~nasbench_kit.datasets.load_dataset`; graph:
:func:`~nasbench_kit.datasets.load_graph`), loaded lazily once per process, or
an object the user passed (an ``ImageData``, or a PyG ``Data`` with masks plus
a name for provenance). Its ``checksum`` goes into every store key.

A :class:`TrainSpec` is everything a worker needs to train one architecture
with one seed and return the :class:`~nasbench_kit.training.cache.LiveRecord`:
space, preset (with the resolved model config), data source, device, threads.
It holds no store -- batch executors ship the spec to workers, workers train
and return records, and only the driver writes to the store.

>>> src = resolve_dataset("karate")
>>> src.kind, src.name, src.num_classes, src.input_shape
('graph', 'karate', 4, (34,))
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture, SearchSpace
from nasbench_kit.training.cache import LiveRecord, StoreKey, new_record
from nasbench_kit.training.presets import Preset

__all__ = ["DataSource", "TrainSpec", "resolve_dataset", "resolve_model", "space_kind"]

_IMAGE_SPACES = ("nb201", "nb101", "darts")
_GRAPH_SPACES = ("nbgraph",)


def space_kind(space: str) -> str:
    """``"image"`` or ``"graph"``: the data a space's networks train on."""
    if space in _IMAGE_SPACES:
        return "image"
    if space in _GRAPH_SPACES:
        return "graph"
    raise OutOfDomainError(
        f"live training supports the spaces {list(_IMAGE_SPACES + _GRAPH_SPACES)}, not {space!r}"
    )


@functools.lru_cache(maxsize=4)
def _load(kind: str, name: str, root: str | None, seed: int) -> Any:
    """Datasets are loaded once per process (evaluators and workers share them)."""
    from nasbench_kit.datasets import load_dataset, load_graph

    if kind == "graph":
        return load_graph(name, seed=seed, root=root)
    return load_dataset(name, root=root, seed=seed)


@functools.lru_cache(maxsize=4)
def _checksum(kind: str, name: str, root: str | None, seed: int) -> str:
    data = _load(kind, name, root, seed)
    if kind == "graph":
        from nasbench_kit.datasets import graph_checksum

        return str(graph_checksum(data))
    return str(data.checksum)


@dataclass(frozen=True, eq=False)
class DataSource:
    """The data of a live evaluator: by name (loaded lazily) or a given object."""

    kind: str  # "image" or "graph"
    name: str
    num_classes: int
    input_shape: tuple[int, ...]
    root: str | None = None
    seed: int = 0
    given: Any = None
    given_checksum: str | None = None

    def load(self) -> Any:
        """The ``ImageData`` or PyG ``Data`` (loaded once per process for names)."""
        if self.given is not None:
            return self.given
        return _load(self.kind, self.name, self.root, self.seed)

    def checksum(self) -> str:
        """SHA-256 hex of the data (the dataset's own checksum or ``graph_checksum``)."""
        if self.given_checksum is not None:
            return self.given_checksum
        return _checksum(self.kind, self.name, self.root, self.seed)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise OutOfDomainError(
            f"dataset_name={name!r} must be a non-empty name without spaces (it is recorded "
            "in the store key and the provenance); e.g. dataset_name='my-cora'"
        )
    return name


def resolve_dataset(dataset: Any, *, dataset_name: str | None = None, root: str | None = None,
                    seed: int = 0) -> DataSource:  # fmt: skip
    """A :class:`DataSource` for a dataset name, an ``ImageData`` or a PyG ``Data``."""
    if isinstance(dataset, str):
        from nasbench_kit.datasets import dataset_info

        if dataset_name is not None:
            raise OutOfDomainError(
                f"dataset_name={dataset_name!r} names a dataset passed as an object; "
                f"dataset={dataset!r} is already a name -- drop dataset_name"
            )
        info = dataset_info(dataset)
        return DataSource(info.kind, info.name, info.num_classes, info.input_shape, root, seed)
    if hasattr(dataset, "edge_index"):
        from nasbench_kit.datasets.graphs import graph_checksum, validate_graph

        data = validate_graph(dataset)
        name = _check_name(
            dataset_name if dataset_name is not None else getattr(data, "name", None)
        )
        classes = int(data.y.max()) + 1
        return DataSource("graph", name, classes, (int(data.x.shape[1]),), given=data,
                          given_checksum=graph_checksum(data))  # fmt: skip
    if all(hasattr(dataset, a) for a in ("train", "val", "test", "checksum", "input_shape")):
        name = _check_name(dataset.name if dataset_name is None else dataset_name)
        return DataSource("image", name, int(dataset.num_classes), tuple(dataset.input_shape),
                          given=dataset, given_checksum=str(dataset.checksum))  # fmt: skip
    raise OutOfDomainError(
        f"dataset must be a dataset name (see nasbench_kit.datasets.dataset_info), an ImageData "
        f"or a torch_geometric Data with train/val/test masks; got {type(dataset).__name__}"
    )


def resolve_model(space: str, preset: Preset, source: DataSource,
                  overrides: Mapping[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """The full model config: preset, then ``overrides``, then what the data fixes.

    Image spaces: ``in_channels`` and ``num_classes`` from the data. ``nbgraph``:
    ``in_features`` and ``num_classes`` from the data; ``hidden``, ``pre_layers``,
    ``post_layers`` and ``dropout`` from NAS-Bench-Graph's network for that
    dataset name (cora, citeseer, pubmed, ...), else Cora's sizes (the model
    builder's default), unless the preset or ``overrides`` set them. Every value
    is written out, so the config hash covers the network actually trained.
    """
    model = {**preset.model, **dict(overrides or {})}
    if space in _GRAPH_SPACES:
        from nasbench_kit.models.nbgraph import DATASETS

        sizes = DATASETS.get(source.name, DATASETS["cora"])._asdict()
        for key in ("hidden", "pre_layers", "post_layers", "dropout"):
            model.setdefault(key, sizes[key])
        fixed = {"in_features": source.input_shape[0], "num_classes": source.num_classes}
    else:
        fixed = {"in_channels": source.input_shape[0], "num_classes": source.num_classes}
    for key, value in fixed.items():
        if model.setdefault(key, value) != value:
            raise OutOfDomainError(
                f"model_config {key}={model[key]!r} contradicts dataset {source.name!r} "
                f"({key}={value}); drop it, it is derived from the dataset"
            )
    return model


@dataclass(frozen=True, eq=False)
class TrainSpec:
    """Train one architecture with one seed into a record (no store; see module doc)."""

    space: SearchSpace
    preset: Preset  # epochs and the resolved model config applied
    source: DataSource
    config_hash: str
    device: str
    threads: int
    progress: bool | None = None

    def key(self, arch: Architecture, seed: int) -> StoreKey:
        """The store key of ``arch`` trained with ``seed``."""
        return StoreKey(self.space.name, arch.hash, self.source.name, self.source.checksum(),
                        self.config_hash, self.preset.train.epochs, seed)  # fmt: skip

    def train(self, arch: Architecture, seed: int) -> LiveRecord:
        """Build ``arch``'s network (weights seeded by ``seed``), train it, return the record."""
        from nasbench_kit.models import build_model
        from nasbench_kit.training.trainer import seeded

        data = self.source.load()
        model = dict(self.preset.model)
        net = seeded(lambda: build_model(arch, **model), seed)
        kw = {
            "seed": seed,
            "device": self.device,
            "threads": self.threads,
            "progress": self.progress,
        }
        if self.source.kind == "graph":
            from nasbench_kit.training.graph import train_graph

            result = train_graph(net, data, self.preset.train, name=self.source.name, **kw)
        else:
            from nasbench_kit.training.trainer import train

            result = train(net, data, self.preset.train, **kw)
        return new_record(self.key(arch, seed), result, notation=self.space.to_string(arch),
                          preset=self.preset.name, model=model)  # fmt: skip


def train_job(spec: TrainSpec, job: tuple[Architecture, int]) -> LiveRecord | Failed:
    """A batch task: ``spec.train(*job)``; an error comes back as :class:`Failed`."""
    try:
        return spec.train(*job)
    except Exception as err:  # noqa: BLE001 - handed to the driver, which re-raises it
        return Failed(err)


@dataclass(frozen=True)
class Failed:
    """A task's exception, returned so the driver can store the other results first."""

    error: Exception
