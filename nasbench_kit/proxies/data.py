"""The batch a data-dependent proxy sees, and how it is shaped to the network.

:func:`draw_batch` takes ``batch_size`` distinct training images, drawn
uniformly with ``seed`` (``numpy.random.Generator.choice`` without
replacement) from the ``train`` split of a dataset -- a name for
:func:`nasbench_kit.datasets.load_dataset` (its default split), an
``ImageData``, or ``(x, y)`` arrays. Every architecture of one call sees the
same batch.

:func:`shape_batch` fits a batch ``(N, C, H, W)`` to a network input ``(C', H',
W')``: one channel is repeated ``C'`` times; ``C`` channels become one by their
mean; a different spatial size is resampled bilinearly
(``torch.nn.functional.interpolate``, ``align_corners=False``). So
Fashion-MNIST ``1x28x28`` feeds NAS-Bench-201's CIFAR network ``3x32x32`` as
three equal channels upsampled to 32x32, and ``digits`` ``1x8x8`` the same way.

>>> import numpy as np
>>> x = np.zeros((10, 1, 8, 8), np.float32); y = np.arange(10) % 3
>>> xb, yb, info = draw_batch((x, y), 4, seed=0)
>>> tuple(shape_batch(xb, (3, 32, 32)).shape), info["num_classes"]
((4, 3, 32, 32), 3)
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError

__all__ = ["draw_batch", "resolve_dataset", "shape_batch"]


@functools.lru_cache(maxsize=1)
def _load_named(name: str) -> Any:
    from nasbench_kit.datasets import load_dataset

    return load_dataset(name)


def resolve_dataset(dataset: Any) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``(x_train, y_train, info)`` for a dataset name, an ``ImageData`` or ``(x, y)``.

    ``info``: ``name``, ``num_classes``, ``input_shape``, ``checksum``. The
    last dataset loaded by name is kept in memory for the next call.
    """
    if isinstance(dataset, str):
        dataset = _load_named(dataset)
    if hasattr(dataset, "train") and hasattr(dataset, "num_classes"):
        x, y = dataset.train
        info = {"name": str(dataset.name), "num_classes": int(dataset.num_classes),
                "input_shape": tuple(int(s) for s in dataset.input_shape),
                "checksum": str(getattr(dataset, "checksum", ""))}  # fmt: skip
        return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64), info
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        x = np.asarray(dataset[0], dtype=np.float32)
        y = np.asarray(dataset[1], dtype=np.int64)
        if x.ndim != 4 or y.ndim != 1 or len(x) != len(y) or len(y) == 0 or y.min() < 0:
            raise OutOfDomainError(
                f"dataset arrays have shapes {x.shape} and {y.shape}; pass (x, y) with x "
                "float (N, C, H, W) and y int labels >= 0 of length N"
            )
        digest = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()
        info = {"name": f"arrays-{digest[:8]}", "num_classes": int(y.max()) + 1,
                "input_shape": tuple(int(s) for s in x.shape[1:]), "checksum": digest}  # fmt: skip
        return x, y, info
    raise OutOfDomainError(
        f"dataset={dataset!r} is not a dataset name (e.g. 'fashion-mnist'), an ImageData, "
        "or (x, y) arrays"
    )


def draw_batch(
    dataset: Any, batch_size: int, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``batch_size`` distinct training samples drawn with ``seed`` (see module docs)."""
    x, y, info = resolve_dataset(dataset)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or not (2 <= batch_size <= len(x))
    ):
        raise OutOfDomainError(
            f"batch_size={batch_size!r} must be an int in [2, {len(x)}] (the training split "
            f"of {info['name']!r} has {len(x)} samples)"
        )
    idx = as_rng(seed).choice(len(x), size=int(batch_size), replace=False)
    return x[idx], y[idx], info


def shape_batch(x: np.ndarray | torch.Tensor, input_shape: tuple[int, ...]) -> torch.Tensor:
    """``x`` ``(N, C, H, W)`` fitted to ``input_shape`` ``(C', H', W')`` (see module docs)."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float32) if not torch.is_tensor(x) else x)
    t = t.float()
    if t.dim() != 4 or len(input_shape) != 3:
        raise OutOfDomainError(
            f"batch shape {tuple(t.shape)} / input_shape {tuple(input_shape)}: need images "
            "(N, C, H, W) and an input shape (C, H, W)"
        )
    c_out, h_out, w_out = (int(s) for s in input_shape)
    c_in = t.shape[1]
    if c_in != c_out:
        if c_in == 1:
            t = t.expand(-1, c_out, -1, -1)
        elif c_out == 1:
            t = t.mean(dim=1, keepdim=True)
        else:
            raise OutOfDomainError(
                f"cannot map {c_in} image channels to a network input of {c_out}; build the "
                f"network with in_channels={c_in} or pass 1- or {c_out}-channel images"
            )
    if tuple(t.shape[2:]) != (h_out, w_out):
        t = F.interpolate(t, size=(h_out, w_out), mode="bilinear", align_corners=False)
    return t.contiguous()
