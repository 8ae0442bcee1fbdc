"""Real training data, read offline: image datasets and graphs for live training.

- :func:`load_dataset` -> :class:`ImageData` (numpy only; torch is not imported):
  ``digits`` (bundled with scikit-learn), ``mnist`` and ``fashion-mnist`` (IDX
  files), ``cifar10`` / ``cifar10-valid`` / ``cifar100`` (the official python
  batches, read through the restricted unpickler).
- :func:`download_dataset` fetches the official archives on a user's machine
  and checks the published checksums; nothing here touches the network otherwise.
- :func:`load_graph` -> a PyG ``Data`` with train/val/test masks (``karate``,
  Planetoid raw folders, or a user's own ``Data``); :func:`graph_checksum`.
- :func:`dataset_info` -> :class:`DataInfo`: kind (image / graph), classes and
  input shape of a name, without loading anything.

Missing files raise :class:`~nasbench_kit.errors.MissingDataError` naming every
folder tried and how to get them.

>>> from nasbench_kit.datasets import load_dataset
>>> d = load_dataset("digits", seed=0)
>>> d.train[0].shape[1:], d.train[0].dtype.name, d.num_classes
((1, 8, 8), 'float32', 10)
>>> load_dataset("digits", seed=0).checksum == d.checksum
True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nasbench_kit.datasets._catalog import CATALOG, get_info
from nasbench_kit.datasets._types import ImageData
from nasbench_kit.datasets.download import download_dataset
from nasbench_kit.datasets.info import DataInfo, dataset_info

__all__ = [
    "DataInfo",
    "ImageData",
    "dataset_info",
    "download_dataset",
    "graph_checksum",
    "list_datasets",
    "load_dataset",
    "load_graph",
]


def list_datasets() -> dict[str, str]:
    """Image dataset names -> one-line description (source files and split).

    Graphs (:func:`load_graph`): ``karate`` (bundled with PyG) and Planetoid
    ``cora`` / ``citeseer`` / ``pubmed`` (raw files the user provides).

    >>> sorted(list_datasets())
    ['cifar10', 'cifar10-valid', 'cifar100', 'digits', 'fashion-mnist', 'mnist']
    """
    return {name: info.summary for name, info in CATALOG.items()}


def load_dataset(
    name: str,
    *,
    root: str | os.PathLike[str] | None = None,
    seed: int | np.random.Generator = 0,
    val_fraction: float | None = None,
) -> ImageData:
    """Load dataset ``name``, split with ``seed``, normalised, as :class:`ImageData`.

    ``root``: the folder holding the files (default: ``<home>/datasets/<name>/``,
    and for fashion-mnist also the Debian package folder). ``val_fraction``:
    the share of the training pool held out for validation (``None`` = the
    dataset's documented default; see :func:`list_datasets` and the README).
    Same files + name + seed + val_fraction -> same arrays and same checksum.
    """
    info = get_info(name)
    if info.name == "digits":
        from nasbench_kit.datasets.digits import load_digits_dataset

        return load_digits_dataset(seed=seed, val_fraction=val_fraction)
    if info.name in ("mnist", "fashion-mnist"):
        from nasbench_kit.datasets.idx import load_idx_dataset

        return load_idx_dataset(info, root, seed, val_fraction)
    from nasbench_kit.datasets.cifar import load_cifar_dataset

    return load_cifar_dataset(info, root, seed, val_fraction)


def load_graph(data_or_name: Any, *, seed: int | np.random.Generator = 0, root: Any = None) -> Any:
    """A PyG ``Data`` with boolean ``train_mask`` / ``val_mask`` / ``test_mask``.

    See :func:`nasbench_kit.datasets.graphs.load_graph` (imports torch).
    """
    from nasbench_kit.datasets.graphs import load_graph as _load_graph

    return _load_graph(data_or_name, seed=seed, root=root)


def graph_checksum(data: Any) -> str:
    """SHA-256 of a graph's features, edges, labels and masks (provenance)."""
    from nasbench_kit.datasets.graphs import graph_checksum as _graph_checksum

    return _graph_checksum(data)
