"""``dataset_info(name)``: what a dataset is, without loading it (no torch, no files).

A trainer needs the kind of data (``"image"`` or ``"graph"``), the number of
classes and the input shape to size a network before any file is read:

- image datasets (:func:`~nasbench_kit.datasets.load_dataset`): ``input_shape``
  is ``(C, H, W)``;
- graphs (:func:`~nasbench_kit.datasets.load_graph`): ``input_shape`` is
  ``(features,)``, the length of each node's feature vector; ``num_classes``
  counts the node labels.

>>> dataset_info("digits")
DataInfo(name='digits', kind='image', num_classes=10, input_shape=(1, 8, 8))
>>> dataset_info("Cora").input_shape, dataset_info("karate").num_classes
((1433,), 4)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nasbench_kit.datasets._catalog import CATALOG, get_info
from nasbench_kit.errors import OutOfDomainError

__all__ = ["GRAPHS", "DataInfo", "dataset_info"]


@dataclass(frozen=True)
class DataInfo:
    """Static facts about one dataset name (see the module docstring)."""

    name: str
    kind: str  # "image" or "graph"
    num_classes: int
    input_shape: tuple[int, ...]
    summary: str = field(default="", repr=False, compare=False)


#: Graph names of :func:`~nasbench_kit.datasets.load_graph`: feature and class counts
#: (PyG's KarateClub; the Planetoid raw files, as PyG's ``Planetoid`` reads them).
GRAPHS: dict[str, DataInfo] = {
    "karate": DataInfo("karate", "graph", 4, (34,),
                       "PyG's bundled KarateClub: 34 nodes, 4 classes, one-hot node ids as "
                       "features; seeded stratified 18/8/8 split"),
    "cora": DataInfo("cora", "graph", 7, (1433,),
                     "Planetoid Cora raw files (user-provided): 2,708 nodes; 140/500/1,000"),
    "citeseer": DataInfo("citeseer", "graph", 6, (3703,),
                         "Planetoid CiteSeer raw files (user-provided): 3,327 nodes; 120/500/1,000"),
    "pubmed": DataInfo("pubmed", "graph", 3, (500,),
                       "Planetoid PubMed raw files (user-provided): 19,717 nodes; 60/500/1,000"),
}  # fmt: skip


def dataset_info(name: str) -> DataInfo:
    """Kind, classes and input shape of dataset ``name`` (case-insensitive).

    Image names are those of :func:`~nasbench_kit.datasets.list_datasets`
    (with their aliases, e.g. ``"cifar-10"``); graph names are ``karate``,
    ``cora``, ``citeseer`` and ``pubmed``. Anything else raises
    :class:`~nasbench_kit.errors.OutOfDomainError` listing both.
    """
    if isinstance(name, str) and name.strip().lower() in GRAPHS:
        return GRAPHS[name.strip().lower()]
    try:
        info = get_info(name)
    except OutOfDomainError as err:
        raise OutOfDomainError(
            f"unknown dataset {name!r}; image datasets: {', '.join(sorted(CATALOG))}; "
            f"graphs: {', '.join(GRAPHS)}"
        ) from err
    return DataInfo(info.name, "image", info.num_classes, tuple(info.input_shape), info.summary)
