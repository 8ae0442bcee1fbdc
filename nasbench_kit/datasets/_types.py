"""``ImageData``: a loaded, split, normalised image dataset (numpy only).

An :class:`ImageData` holds three ``(x, y)`` pairs -- ``x`` float32 in NCHW
layout, already normalised, ``y`` int64 class indices -- plus the identity of
what was read: ``checksum`` is the SHA-256 of the source files' contents and
of the split specification (JSON in ``split_spec``), so two users with the same
files, name and seed get the same checksum. The arrays are read-only.

>>> import numpy as np
>>> x = np.zeros((4, 1, 2, 2), np.float32); y = np.arange(4, dtype=np.int64) % 2
>>> d = ImageData("toy", 2, (1, 2, 2), "0" * 64, (x, y), (x[:2], y[:2]), (x[:2], y[:2]), "demo")
>>> d.sizes
{'train': 4, 'val': 2, 'test': 2}
>>> d.subset(n_train=2, seed=0).sizes
{'train': 2, 'val': 2, 'test': 2}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import CorruptFileError, OutOfDomainError

__all__ = ["FORMAT_VERSION", "ImageData", "Split", "balanced_order", "data_checksum", "seed_spec"]

#: Bumped when the meaning of a checksum changes (normalisation, split rule).
FORMAT_VERSION = "nasbench_kit.datasets/1"

Split = tuple[np.ndarray, np.ndarray]


def seed_spec(seed: int | np.random.Generator) -> Any:
    """A JSON-able identity of ``seed``: the int, or the Generator's state.

    >>> seed_spec(3)
    3
    """
    if isinstance(seed, np.random.Generator):
        state = seed.bit_generator.state
        return json.loads(json.dumps(state, default=int))
    if seed is None:
        raise OutOfDomainError(
            "seed=None would make the split irreproducible; pass an int (e.g. seed=0)"
        )
    as_rng(seed)  # validates: an int >= 0
    return int(seed)


def data_checksum(files: list[tuple[str, str]], spec: Mapping[str, Any]) -> str:
    """SHA-256 over ``(file name, content sha256)`` pairs and the split ``spec``.

    >>> len(data_checksum([("a", "0" * 64)], {"seed": 0}))
    64
    """
    payload = {"format": FORMAT_VERSION, "files": [list(f) for f in files], "split": dict(spec)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def balanced_order(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A seeded permutation of ``range(len(y))`` that cycles through the classes.

    Any prefix of it holds the classes as evenly as their counts allow.

    >>> balanced_order(np.array([0, 0, 1, 1]), np.random.default_rng(0)).shape
    (4,)
    """
    perm = rng.permutation(len(y))
    labels = y[perm]
    rank = np.empty(len(y), dtype=np.int64)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        rank[where] = np.arange(len(where))
    return perm[np.lexsort((np.arange(len(y)), rank))]


def _readonly(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x


def _check_split(name: str, part: str, pair: Any, input_shape: tuple[int, int, int]) -> Split:
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise CorruptFileError(f"{name}: {part} must be an (x, y) tuple, got {type(pair).__name__}")
    x, y = pair
    if not (isinstance(x, np.ndarray) and x.dtype == np.float32 and x.shape[1:] == input_shape):
        raise CorruptFileError(
            f"{name}: {part} x must be float32 of shape (N, {', '.join(map(str, input_shape))}), "
            f"got {getattr(x, 'dtype', type(x))} {getattr(x, 'shape', '')}"
        )
    if not (isinstance(y, np.ndarray) and y.dtype == np.int64 and y.shape == (len(x),)):
        raise CorruptFileError(
            f"{name}: {part} y must be int64 of shape ({len(x)},), "
            f"got {getattr(y, 'dtype', type(y))} {getattr(y, 'shape', '')}"
        )
    return _readonly(x), _readonly(y)


@dataclasses.dataclass(frozen=True, eq=False)
class ImageData:
    """A split image-classification dataset, ready to train on.

    Attributes: ``name``; ``num_classes``; ``input_shape`` ``(C, H, W)``;
    ``checksum`` (sha256 hex of the source contents + split spec); ``train``,
    ``val``, ``test`` as ``(x float32 NCHW normalised, y int64)``; ``source``
    (a description of what was read, not part of the identity); ``split_spec``
    (the JSON split specification hashed into ``checksum``).
    ``val`` may hold 0 rows where the protocol has no validation split
    (NB201's ``cifar10`` setting).
    """

    name: str
    num_classes: int
    input_shape: tuple[int, int, int]
    checksum: str
    train: Split
    val: Split
    test: Split
    source: str
    split_spec: str = "{}"

    def __post_init__(self) -> None:
        shape = tuple(int(s) for s in self.input_shape)
        object.__setattr__(self, "input_shape", shape)
        for part in ("train", "val", "test"):
            pair = _check_split(self.name, part, getattr(self, part), shape)  # type: ignore[arg-type]
            object.__setattr__(self, part, pair)

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuild through __init__ so an unpickled copy is checked and read-only too
        return (type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    @property
    def sizes(self) -> dict[str, int]:
        """Number of examples per split."""
        return {p: len(getattr(self, p)[1]) for p in ("train", "val", "test")}

    def __repr__(self) -> str:
        return (
            f"ImageData(name={self.name!r}, num_classes={self.num_classes}, "
            f"input_shape={self.input_shape}, sizes={self.sizes}, "
            f"checksum={self.checksum[:12]!r})"
        )

    def subset(
        self,
        n_train: int | None = None,
        n_val: int | None = None,
        n_test: int | None = None,
        *,
        seed: int | np.random.Generator = 0,
    ) -> ImageData:
        """A smaller copy for fast presets: ``n_*`` examples drawn per split.

        Each split keeps a seeded, class-balanced sample (classes as evenly as
        their counts allow), in the split's original order; ``None`` keeps the
        split whole. Deterministic for a given seed; the checksum covers the
        parent checksum and the sizes and seed.
        """
        wanted = {"train": n_train, "val": n_val, "test": n_test}
        spec: dict[str, Any] = {"parent": self.checksum, "seed": seed_spec(seed)}
        rng = as_rng(seed)
        parts: dict[str, Split] = {}
        for part, n in wanted.items():
            x, y = getattr(self, part)
            spec[part] = None if n is None else _subset_size(part, n, len(y))
            if n is None or n >= len(y):
                parts[part] = (x, y)
                continue
            keep = np.sort(balanced_order(y, rng)[:n])
            parts[part] = (x[keep], y[keep])
        merged = json.loads(self.split_spec)
        merged["subset"] = {k: spec[k] for k in ("train", "val", "test", "seed")}
        return dataclasses.replace(
            self,
            checksum=data_checksum([], spec),
            train=parts["train"],
            val=parts["val"],
            test=parts["test"],
            source=f"{self.source}; subset {wanted}",
            split_spec=json.dumps(merged, sort_keys=True),
        )


def _subset_size(part: str, n: Any, available: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise OutOfDomainError(f"n_{part}={n!r} must be an int >= 0 (or None for the whole split)")
    return int(min(n, available))
