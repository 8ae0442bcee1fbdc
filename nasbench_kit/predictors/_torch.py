"""Torch plumbing shared by the neural predictors: threads, seeding, scaling.

Torch is imported inside these functions only, so importing a predictor
module stays cheap. ``torch_session(seed)`` runs a block with a forked RNG
state seeded from ``seed`` and ``threads`` (default 1) intra-op threads, and
restores both afterwards (nothing global leaks to the caller).

>>> from nasbench_kit.predictors._torch import torch_session
>>> with torch_session(0) as gen:
...     import torch
...     a = torch.rand(2, generator=gen)
>>> with torch_session(0) as gen:
...     b = torch.rand(2, generator=gen)
>>> bool((a == b).all())
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

#: Intra-op threads for training and inference. These models are tiny, so a
#: second thread gains little, and on a busy 2-core machine two OpenMP threads
#: that wait on each other made a GIN fit 25x slower (68 s vs 2.7 s) in our
#: measurements; one thread per fit is the robust choice (run seeds in parallel
#: processes instead).
DEFAULT_THREADS = 1


def default_threads() -> int:
    """``DEFAULT_THREADS``, or fewer when the machine has fewer cores."""
    return max(1, min(DEFAULT_THREADS, os.cpu_count() or 1))


@contextlib.contextmanager
def torch_session(seed: int, threads: int | None = None) -> Iterator[Any]:
    """Forked, seeded torch RNG and a thread cap for the block; yields a ``Generator``."""
    import torch

    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads or default_threads())
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            yield gen
    finally:
        torch.set_num_threads(old_threads)


class Standardizer:
    """Affine scaling of targets to mean 0, std 1 (and back)."""

    def __init__(self, y: np.ndarray):
        self.mean = float(np.mean(y))
        std = float(np.std(y))
        self.std = std if std > 0 else 1.0

    def forward(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def pairwise_rank_loss(pred: Any, target: Any) -> Any:
    """Logistic pairwise ranking loss over all pairs in a batch (0 when all targets tie)."""
    import torch

    diff_t = target[:, None] - target[None, :]
    mask = diff_t > 0
    if not bool(mask.any()):
        return pred.sum() * 0.0
    diff_p = pred[:, None] - pred[None, :]
    return torch.nn.functional.softplus(-diff_p[mask]).mean()


LOSSES = ("mse", "pairwise", "mse+pairwise")


def check_loss(loss: str) -> None:
    """Refuse an unknown loss name with the list of valid ones."""
    from nasbench_kit.errors import OutOfDomainError

    if loss not in LOSSES:
        raise OutOfDomainError(f"loss={loss!r} is not one of {list(LOSSES)}")


def train_loop(
    model: Any, forward: Any, y: np.ndarray, *, epochs: int, lr: float, weight_decay: float,
    batch_size: int, loss: str, gen: Any,
) -> list[float]:  # fmt: skip
    """Adam + cosine schedule on minibatches; ``forward(index_tensor) -> predictions``.

    ``y`` is already standardised. Returns the mean loss of each epoch.
    """
    import torch

    check_loss(loss)
    target = torch.as_tensor(y, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    n = len(y)
    bs = max(2, min(int(batch_size), n))
    history = []
    model.train()
    for _ in range(int(epochs)):
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            if len(idx) < 2 and n >= 2:  # a lone sample: fold it into no batch
                continue
            pred = forward(idx)
            t = target[idx]
            value = pred.sum() * 0.0
            if loss in ("mse", "mse+pairwise"):
                value = value + torch.nn.functional.mse_loss(pred, t)
            if loss in ("pairwise", "mse+pairwise"):
                value = value + pairwise_rank_loss(pred, t)
            opt.zero_grad()
            value.backward()
            opt.step()
            total += float(value.detach()) * len(idx)
        sched.step()
        history.append(total / n)
    model.eval()
    return history
