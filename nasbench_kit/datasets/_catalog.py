"""What each dataset name means: classes, shape, source files, where to look.

``source`` names the files a dataset is read from (``cifar10-valid`` reads the
``cifar10`` files); the default folder is ``<home>/datasets/<source>/``
(``home()`` is ``$NASBENCH_KIT_HOME``, default ``~/.cache/nasbench_kit``).

>>> CATALOG["cifar10-valid"].source
'cifar10'
>>> [str(p).endswith("fashion-mnist") for p in search_dirs("fashion-mnist", None)]
[True, True]
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from nasbench_kit.errors import MissingDataError, OutOfDomainError

__all__ = [
    "CATALOG",
    "DEBIAN_FASHION_MNIST",
    "DatasetInfo",
    "get_info",
    "missing_error",
    "search_dirs",
]

#: Where the Debian/Ubuntu package ``dataset-fashion-mnist`` installs the IDX files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static facts about one dataset name."""

    name: str
    source: str  # whose files are read (and the default folder name)
    num_classes: int
    input_shape: tuple[int, int, int]
    files: tuple[str, ...]  # required file names (IDX: each may carry ``.gz``)
    subfolder: str | None  # folder inside the archive holding the files
    mean: tuple[float, ...]
    std: tuple[float, ...]
    summary: str


CATALOG: dict[str, DatasetInfo] = {
    "digits": DatasetInfo(
        "digits", "digits", 10, (1, 8, 8), (), None, (0.3053,), (0.3760,),
        "scikit-learn's bundled 8x8 digits (1,797 images); stratified 1,079/359/359 (train/val/test) split",
    ),
    "mnist": DatasetInfo(
        "mnist", "mnist", 10, (1, 28, 28), IDX_FILES, None, (0.1307,), (0.3081,),
        "MNIST IDX files; train 50,000 / val 10,000 (seeded) / test 10,000",
    ),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist", "fashion-mnist", 10, (1, 28, 28), IDX_FILES, None,
        (0.2860,), (0.3530,),
        "Fashion-MNIST IDX files; train 50,000 / val 10,000 (seeded) / test 10,000",
    ),
    "cifar10": DatasetInfo(
        "cifar10", "cifar10", 10, (3, 32, 32),
        tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta"),
        "cifar-10-batches-py",
        (125.3 / 255, 123.0 / 255, 113.9 / 255), (63.0 / 255, 62.1 / 255, 66.7 / 255),
        "CIFAR-10 python batches; NB201 'cifar10': train 50,000 / val 0 / test 10,000",
    ),
    "cifar10-valid": DatasetInfo(
        "cifar10-valid", "cifar10", 10, (3, 32, 32),
        tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta"),
        "cifar-10-batches-py",
        (125.3 / 255, 123.0 / 255, 113.9 / 255), (63.0 / 255, 62.1 / 255, 66.7 / 255),
        "CIFAR-10 python batches; NB201 'cifar10-valid': train 25,000 / val 25,000 / test 10,000",
    ),
    "cifar100": DatasetInfo(
        "cifar100", "cifar100", 100, (3, 32, 32), ("train", "test", "meta"), "cifar-100-python",
        (129.3 / 255, 124.1 / 255, 112.4 / 255), (68.2 / 255, 65.4 / 255, 70.4 / 255),
        "CIFAR-100 python files; NB201 'cifar100': train 50,000 / val 5,000 / test 5,000",
    ),
}  # fmt: skip

_ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist",
            "cifar-10": "cifar10", "cifar-100": "cifar100", "cifar10_valid": "cifar10-valid"}  # fmt: skip


def get_info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` for ``name`` (case-insensitive; ``_`` == ``-``)."""
    if not isinstance(name, str):
        raise OutOfDomainError(
            f"dataset name {name!r} is not a string; pick one of {sorted(CATALOG)}"
        )
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in CATALOG:
        raise OutOfDomainError(
            f"unknown dataset {name!r}; known datasets: {', '.join(sorted(CATALOG))} "
            "(list_datasets() describes them)"
        )
    return CATALOG[key]


def _home_datasets() -> Path:
    from nasbench_kit.tables.registry import home

    return home() / "datasets"


def default_dir(source: str) -> Path:
    """``<home>/datasets/<source>``: where downloads go and loads look first."""
    return _home_datasets() / source


def search_dirs(name: str, root: str | os.PathLike[str] | None) -> list[Path]:
    """Folders searched, in order: ``root`` if given, else the cache folder
    (and, for fashion-mnist, the Debian package folder). Each is also tried
    with the archive's inner folder (e.g. ``cifar-10-batches-py``) appended."""
    info = get_info(name)
    bases = [Path(root).expanduser()] if root is not None else [default_dir(info.source)]
    if root is None and info.source == "fashion-mnist":
        bases.append(DEBIAN_FASHION_MNIST)
    dirs: list[Path] = []
    for base in bases:
        dirs.append(base)
        if info.subfolder:
            dirs.append(base / info.subfolder)
    return dirs


def missing_error(
    name: str, looked: list[Path], root: str | os.PathLike[str] | None
) -> MissingDataError:
    """A :class:`MissingDataError` naming every folder tried and the fix."""
    info = get_info(name)
    where = "\n".join(f"  - {p}" for p in looked)
    files = ", ".join(f + (" (or .gz)" if info.subfolder is None else "") for f in info.files)
    target = default_dir(info.source) if root is None else Path(root)
    call = f"download_dataset('{info.source}'" + ("" if root is None else f", root={str(root)!r}")
    fixes = [
        f'- download them: python -c "from nasbench_kit.datasets import download_dataset; '
        f'{call})" (writes {target})',
        f"- or copy the files into {target}",
    ]
    if info.source == "fashion-mnist":
        fixes.insert(
            0,
            "- on Debian/Ubuntu: sudo apt-get install -y dataset-fashion-mnist "
            f"(installs {DEBIAN_FASHION_MNIST}, searched when root is not given)",
        )
    return MissingDataError(
        f"dataset {name!r}: the files {files} were not found in any of:\n{where}\n"
        "To fix:\n  " + "\n  ".join(fixes)
    )
