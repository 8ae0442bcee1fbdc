"""CIFAR-10 / CIFAR-100 from the official "python version" files, read safely.

The files are pickled dicts (bytes keys when written by Python 2's cPickle):
``data`` a ``uint8`` array ``(n, 3072)`` -- 1024 red, 1024 green, 1024 blue
values per row, i.e. already CHW -- and ``labels`` (CIFAR-10) or
``fine_labels`` (CIFAR-100) lists. They are read only through the restricted
unpickler (:func:`nasbench_kit.tables._safe_pickle.safe_load`): a file that asks
for any code is refused before anything runs. Shapes, dtypes, label ranges and
the class-name lists in ``batches.meta`` / ``meta`` are checked.

Splits (NAS-Bench-201's protocols; NB201 fixes its halves with split files,
here a seeded permutation chooses them):

- ``cifar10`` -- NB201 setting ``cifar10``: train on all 50,000, test on the
  10,000 test images; no validation split (``val`` has 0 rows) unless
  ``val_fraction`` holds a share of the 50,000 out.
- ``cifar10-valid`` -- NB201 setting ``cifar10-valid``: 25,000 train / 25,000
  validation (both from the training batches; ``val_fraction`` default 0.5),
  test 10,000.
- ``cifar100`` -- NB201 setting ``cifar100``: train 50,000; the 10,000 test
  images are split in halves, 5,000 validation (NB201 ``x-valid``) and 5,000
  test (``x-test``). With ``val_fraction`` the validation share comes from the
  training set instead and the test split keeps all 10,000.

Normalisation: ``x / 255``, then NB201's per-channel constants: CIFAR-10 mean
``(125.3, 123.0, 113.9) / 255``, std ``(63.0, 62.1, 66.7) / 255``; CIFAR-100
mean ``(129.3, 124.1, 112.4) / 255``, std ``(68.2, 65.4, 70.4) / 255``. The
checksum hashes the files' bytes.

>>> from nasbench_kit.datasets._catalog import CATALOG
>>> CATALOG["cifar10-valid"].files[-2:], CATALOG["cifar100"].files
(('test_batch', 'batches.meta'), ('train', 'test', 'meta'))
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.datasets._catalog import DatasetInfo, missing_error, search_dirs
from nasbench_kit.datasets._split import holdout, normalise, val_count
from nasbench_kit.datasets._types import ImageData, data_checksum, seed_spec
from nasbench_kit.errors import CorruptFileError

__all__ = ["load_cifar_dataset", "read_batch"]

_LABEL_KEY = {"cifar10": "labels", "cifar100": "fine_labels"}
_NAMES_KEY = {"cifar10": "label_names", "cifar100": "fine_label_names"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_dict(path: Path) -> dict[str, Any]:
    from nasbench_kit.tables._safe_pickle import safe_load

    obj = safe_load(path)
    if not isinstance(obj, dict):
        raise CorruptFileError(
            f"CIFAR file {str(path)!r} holds a {type(obj).__name__}, not the dict of the "
            "official python batches; download the 'python version' archive again"
        )
    return {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


def read_batch(path: Path, label_key: str, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(data uint8 (n, 3, 32, 32), labels int64 (n,))`` of one batch file, checked."""
    batch = _load_dict(path)
    label = f"CIFAR file {str(path)!r}"
    if "data" not in batch or label_key not in batch:
        raise CorruptFileError(
            f"{label} lacks the keys 'data' and {label_key!r} (has {sorted(batch)}); "
            "it is not an official CIFAR python batch"
        )
    data = batch["data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2):
        raise CorruptFileError(
            f"{label}: 'data' must be a uint8 (n, 3072) array, got "
            f"{getattr(data, 'dtype', type(data).__name__)} {getattr(data, 'shape', '')}"
        )
    if data.shape[1] != 3 * 32 * 32:
        raise CorruptFileError(f"{label}: 'data' rows hold {data.shape[1]} values, not 3072")
    try:
        labels = np.asarray(batch[label_key], dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{label}: {label_key!r} is not a list of ints ({exc})") from exc
    if labels.shape != (len(data),):
        raise CorruptFileError(
            f"{label}: {len(data)} images but {label_key!r} has shape {labels.shape}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise CorruptFileError(
            f"{label}: labels span {labels.min()}..{labels.max()}, outside 0..{num_classes - 1}"
        )
    return data.reshape(-1, 3, 32, 32), labels


def _check_meta(path: Path, key: str, num_classes: int) -> None:
    names = _load_dict(path).get(key)
    if not isinstance(names, list) or len(names) != num_classes:
        raise CorruptFileError(
            f"CIFAR file {str(path)!r}: {key!r} should list {num_classes} class names, "
            f"got {type(names).__name__} of length {len(names) if isinstance(names, list) else '-'}"
        )


def _find(info: DatasetInfo, root: str | os.PathLike[str] | None) -> Path:
    looked = search_dirs(info.name, root)
    for folder in looked:
        if all((folder / f).is_file() for f in info.files):
            return folder
    raise missing_error(info.name, looked, root)


def load_cifar_dataset(
    info: DatasetInfo,
    root: str | os.PathLike[str] | None,
    seed: int | np.random.Generator,
    val_fraction: float | None,
) -> ImageData:
    """Load ``cifar10`` / ``cifar10-valid`` / ``cifar100`` (module docstring)."""
    folder = _find(info, root)
    names = info.files
    key, n_cls = _LABEL_KEY[info.source], info.num_classes
    parts = [read_batch(folder / f, key, n_cls) for f in names[:-1]]
    _check_meta(folder / names[-1], _NAMES_KEY[info.source], n_cls)
    train_x = np.concatenate([p[0] for p in parts[:-1]])
    train_y = np.concatenate([p[1] for p in parts[:-1]])
    test_x, test_y = parts[-1]
    n, seed_id, rng = len(train_y), seed_spec(seed), as_rng(seed)  # identity before any draw
    spec: dict[str, Any] = {
        "name": info.name,
        "n_train_pool": n,
        "mean": info.mean,
        "std": info.std,
    }
    if info.name == "cifar100" and val_fraction is None:  # NB201: halves of the test set
        n_val = len(test_y) // 2
        te_idx, va_idx = holdout(len(test_y), n_val, rng)
        spec.update(val_rule="half of the test set", n_val=n_val, seed=seed_id)
        train, val = (train_x, train_y), (test_x[va_idx], test_y[va_idx])
        test = (test_x[te_idx], test_y[te_idx])
    else:
        default = n // 2 if info.name == "cifar10-valid" else 0
        n_val = val_count(n, val_fraction, default)
        spec.update(val_rule="last of permutation", n_val=n_val)
        spec["seed"] = seed_id if n_val else None
        tr_idx, va_idx = holdout(n, n_val, rng)
        train, val = (train_x[tr_idx], train_y[tr_idx]), (train_x[va_idx], train_y[va_idx])
        test = (test_x, test_y)

    def prep(pair: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return normalise(pair[0], 255.0, info.mean, info.std), pair[1]

    return ImageData(
        name=info.name,
        num_classes=n_cls,
        input_shape=info.input_shape,
        checksum=data_checksum([(f, _sha256(folder / f)) for f in names], spec),
        train=prep(train),
        val=prep(val),
        test=prep(test),
        source=f"CIFAR python files in {folder} ({n} train + {len(test_y)} test images)",
        split_spec=json.dumps(spec, sort_keys=True),
    )
