"""MNIST and Fashion-MNIST from the standard IDX files (gzipped or not).

An IDX file is a 4-byte magic (``0, 0, type, ndim``; type ``0x08`` = unsigned
byte), ``ndim`` big-endian uint32 sizes, then the values. Images are
``train-images-idx3-ubyte`` (magic 2051, ``N x 28 x 28``), labels
``train-labels-idx1-ubyte`` (magic 2049, ``N``); the test files start with
``t10k``. Each may be gzipped (``.gz``, detected by content). Everything is
checked: magic, dimensions, exact payload length, label range, matching counts.

Split: the training file's N images (60,000) are permuted with ``seed``; the
last ``round(N / 6)`` (10,000) of the permutation are the validation split,
the rest (50,000) the training split; ``val_fraction`` overrides the share. The
test split is the ``t10k`` file (10,000). Pixels are scaled to ``[0, 1]`` and
standardised with fixed constants: MNIST mean 0.1307 / std 0.3081 (the PyTorch
examples' figures), Fashion-MNIST 0.2860 / 0.3530 (measured on its 60,000
training images). The checksum hashes the *decompressed* IDX contents, so a
gzipped and a plain copy of the same data give the same checksum.

>>> import gzip, io, struct
>>> raw = struct.pack(">BBBBI", 0, 0, 8, 1, 3) + bytes([1, 2, 3])
>>> decode_idx(raw, "labels", 1).tolist()
[1, 2, 3]
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.datasets._catalog import IDX_FILES, DatasetInfo, missing_error, search_dirs
from nasbench_kit.datasets._split import holdout, normalise, val_count
from nasbench_kit.datasets._types import ImageData, data_checksum, seed_spec
from nasbench_kit.errors import CorruptFileError

__all__ = ["decode_idx", "find_idx_files", "load_idx_dataset", "read_idx"]

_UBYTE = 0x08


def decode_idx(raw: bytes, label: str, ndim: int) -> np.ndarray:
    """Parse IDX bytes into a uint8 array of ``ndim`` dimensions (or raise)."""
    if len(raw) < 4 + 4 * ndim:
        raise CorruptFileError(
            f"{label}: {len(raw)} bytes is shorter than an IDX header; the file is truncated "
            "or not an IDX file -- download it again"
        )
    zero0, zero1, dtype, nd = struct.unpack(">BBBB", raw[:4])
    if (zero0, zero1, dtype, nd) != (0, 0, _UBYTE, ndim):
        magic = struct.unpack(">I", raw[:4])[0]
        raise CorruptFileError(
            f"{label}: IDX magic number {magic} (bytes {raw[:4].hex()}) is not the expected "
            f"{(_UBYTE << 8) | ndim} (unsigned bytes, {ndim} dimension(s)); "
            "this is not the right IDX file (images have magic 2051, labels 2049)"
        )
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    payload = len(raw) - 4 - 4 * ndim
    expected = int(np.prod(dims, dtype=np.int64))
    if payload != expected:
        state = "truncated" if payload < expected else "followed by extra bytes"
        raise CorruptFileError(
            f"{label}: header says {' x '.join(map(str, dims))} = {expected} values but the file "
            f"holds {payload}; it is {state} -- download it again"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def read_idx(path: str | os.PathLike[str], ndim: int) -> tuple[np.ndarray, str]:
    """Read one IDX file (gzipped or plain): ``(array, sha256 of the IDX bytes)``."""
    path = Path(path)
    label = f"IDX file {str(path)!r}"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorruptFileError(f"{label} cannot be read ({exc})") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptFileError(
                f"{label} is a damaged or truncated gzip file ({type(exc).__name__}: {exc}); "
                "download it again"
            ) from exc
    return decode_idx(raw, label, ndim), hashlib.sha256(raw).hexdigest()


def find_idx_files(folder: Path) -> dict[str, Path] | None:
    """The four IDX files in ``folder`` (plain preferred over ``.gz``), or None."""
    found: dict[str, Path] = {}
    for name in IDX_FILES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                found[name] = candidate
                break
        else:
            return None
    return found


def _read_pair(files: dict[str, Path], prefix: str, info: DatasetInfo) -> tuple[Any, ...]:
    images, h_img = read_idx(files[f"{prefix}-images-idx3-ubyte"], 3)
    labels, h_lab = read_idx(files[f"{prefix}-labels-idx1-ubyte"], 1)
    img_path, lab_path = files[f"{prefix}-images-idx3-ubyte"], files[f"{prefix}-labels-idx1-ubyte"]
    if images.shape[1:] != info.input_shape[1:]:
        raise CorruptFileError(
            f"IDX file {str(img_path)!r} holds {images.shape[1]}x{images.shape[2]} images; "
            f"{info.name} images are {info.input_shape[1]}x{info.input_shape[2]}"
        )
    if len(labels) != len(images):
        raise CorruptFileError(
            f"IDX file {str(lab_path)!r} has {len(labels)} labels but {str(img_path)!r} has "
            f"{len(images)} images; the two files do not belong together"
        )
    if len(labels) and int(labels.max()) >= info.num_classes:
        raise CorruptFileError(
            f"IDX file {str(lab_path)!r} holds label {int(labels.max())}, outside "
            f"0..{info.num_classes - 1}; it is not a {info.name} label file"
        )
    return images, labels.astype(np.int64), h_img, h_lab


def load_idx_dataset(
    info: DatasetInfo,
    root: str | os.PathLike[str] | None,
    seed: int | np.random.Generator,
    val_fraction: float | None,
) -> ImageData:
    """Load ``mnist`` / ``fashion-mnist`` (see the module docstring)."""
    looked = search_dirs(info.name, root)
    files = next((f for f in map(find_idx_files, looked) if f is not None), None)
    if files is None:
        raise missing_error(info.name, looked, root)
    tr_img, tr_lab, h1, h2 = _read_pair(files, "train", info)
    te_img, te_lab, h3, h4 = _read_pair(files, "t10k", info)
    n = len(tr_lab)
    n_val = val_count(n, val_fraction, int(round(n / 6)))
    spec: dict[str, Any] = {
        "name": info.name, "n_train_pool": n, "n_val": n_val, "val_rule": "last of permutation",
        "seed": seed_spec(seed) if n_val else None, "mean": info.mean, "std": info.std,
    }  # fmt: skip
    tr_idx, va_idx = holdout(n, n_val, as_rng(seed))

    def prep(images: np.ndarray) -> np.ndarray:
        return normalise(images[:, None, :, :], 255.0, info.mean, info.std)

    hashes = [(name, h) for name, h in zip(IDX_FILES, (h1, h2, h3, h4))]
    folder = files[IDX_FILES[0]].parent
    return ImageData(
        name=info.name,
        num_classes=info.num_classes,
        input_shape=info.input_shape,
        checksum=data_checksum(hashes, spec),
        train=(prep(tr_img[tr_idx]), tr_lab[tr_idx]),
        val=(prep(tr_img[va_idx]), tr_lab[va_idx]),
        test=(prep(te_img), te_lab),
        source=f"IDX files in {folder} ({n} train + {len(te_lab)} test images)",
        split_spec=json.dumps(spec, sort_keys=True),
    )
