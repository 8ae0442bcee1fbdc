"""``digits``: scikit-learn's bundled 8x8 handwritten digits, always available.

1,797 grey images (values 0..16) in 10 classes, shipped inside scikit-learn
(no download). Split, stratified per class and seeded: ``round(0.2 * n_c)`` of
each class ``c`` to test, then ``round(val_fraction * rest_c)`` (default
``val_fraction=0.25``) to validation, the rest to training -- 1,079 / 359 / 359
(train / val / test) by default; the sizes depend only on the class counts, the
seed chooses which images. Pixels are scaled to ``[0, 1]`` (``/ 16``) and
standardised with mean 0.3053 / std 0.3760 (measured over all 1,797 images).
The checksum hashes the images and labels as scikit-learn ships them.

>>> d = load_digits_dataset(seed=0, val_fraction=None)
>>> d.sizes, d.input_shape
({'train': 1079, 'val': 359, 'test': 359}, (1, 8, 8))
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.datasets._catalog import CATALOG
from nasbench_kit.datasets._split import normalise, stratified_split, val_count
from nasbench_kit.datasets._types import ImageData, data_checksum, seed_spec

__all__ = ["TEST_FRACTION", "load_digits_dataset"]

#: Share of each class held out for the test split.
TEST_FRACTION = 0.2
_DEFAULT_VAL = 0.25


def _read_bundled() -> tuple[np.ndarray, np.ndarray, str]:
    """Images (N, 8, 8) uint8 0..16, labels int64, and where they came from.

    Reads scikit-learn's ``datasets/data/digits.csv.gz`` directly (importing
    ``sklearn.datasets`` costs seconds); falls back to ``load_digits()``.
    """
    spec = importlib.util.find_spec("sklearn")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = Path(loc) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, "rt") as fh:
                table = np.loadtxt(fh, delimiter=",", dtype=np.int64, ndmin=2)
            if table.shape == (1797, 65) and table.min() >= 0 and table[:, :64].max() <= 16:
                return table[:, :64].astype(np.uint8).reshape(-1, 8, 8), table[:, 64], str(path)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.asarray(bunch.images).astype(np.uint8)  # values 0..16, exact
    return images, np.asarray(bunch.target).astype(np.int64), "sklearn.datasets.load_digits()"


def load_digits_dataset(
    seed: int | np.random.Generator = 0, val_fraction: float | None = None
) -> ImageData:
    """Load and split the bundled digits (see the module docstring)."""
    info = CATALOG["digits"]
    images, labels, where = _read_bundled()
    frac = _DEFAULT_VAL if val_fraction is None else val_fraction
    val_count(len(labels), frac, 0)  # validates the fraction
    spec: dict[str, Any] = {
        "name": "digits", "test_fraction": TEST_FRACTION, "val_fraction": float(frac),
        "rule": "stratified per class", "seed": seed_spec(seed),
        "mean": info.mean, "std": info.std,
    }  # fmt: skip
    rng = as_rng(seed)
    test_idx, pool = stratified_split(labels, [TEST_FRACTION], rng)
    val_rel, train_rel = stratified_split(labels[pool], [float(frac)], rng)
    val_idx, train_idx = pool[val_rel], pool[train_rel]

    def part(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return normalise(images[idx][:, None], 16.0, info.mean, info.std), labels[idx]

    hashes = [
        ("images", hashlib.sha256(images.tobytes()).hexdigest()),
        ("target", hashlib.sha256(labels.tobytes()).hexdigest()),
    ]
    return ImageData(
        name="digits",
        num_classes=10,
        input_shape=info.input_shape,
        checksum=data_checksum(hashes, spec),
        train=part(train_idx),
        val=part(val_idx),
        test=part(test_idx),
        source=f"scikit-learn bundled digits ({where})",
        split_spec=json.dumps(spec, sort_keys=True),
    )
