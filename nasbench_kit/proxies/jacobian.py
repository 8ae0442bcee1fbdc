"""Proxies from the input Jacobian: row ``n`` is ``dS/dx[n]`` with ``S`` the sum
of all logits of the batch (training mode, so BatchNorm couples the samples,
as in the reference code).

- ``jacov`` (Mellor et al. 2021 v1, "Neural Architecture Search without
  Training"; the form used by zero-cost-nas and NASLib): with ``C`` the
  correlation matrix of the flattened per-sample Jacobians and ``v`` its
  eigenvalues, ``jacov = -sum(log(v + k) + 1 / (v + k))``, ``k = 1e-5``. Its
  maximum ``-N`` is reached when the Jacobians are uncorrelated.
- ``epe_nas`` (Lopes et al. 2021, "EPE-NAS"): per class ``c`` present in the
  batch, ``s_c = sum log(|C_c| + k)`` over the correlation matrix ``C_c`` of
  that class's Jacobians; ``epe_nas = sum_c |s_c|`` when the network has at most
  100 classes, else (``s_c`` divided by the class's sample count, classes
  with one sample left out) ``sum_{c, c'} |s_c - s_c'| / #classes`` -- the
  authors' two branches.

A network whose output does not depend on its input has constant (zero)
Jacobians; their correlations are undefined and both proxies return NaN.

>>> import torch
>>> from torch import nn
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> x, y = torch.randn(6, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])
>>> jacov(net, x, y) <= -6
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from nasbench_kit.proxies._common import forward_logits, work_copy

__all__ = ["epe_nas", "epe_nas_score", "input_jacobians", "jacov", "jacov_score"]

_K = 1e-5


def input_jacobians(net: nn.Module, inputs: torch.Tensor) -> tuple[np.ndarray, int]:
    """Flattened per-sample input gradients of the summed logits ``(N, D)`` and the class count."""
    work = work_copy(net)
    x = inputs.detach().clone().requires_grad_(True)
    out = forward_logits(work, x)
    if out.requires_grad:
        out.backward(torch.ones_like(out))
    grad = x.grad if x.grad is not None else torch.zeros_like(x)
    return grad.detach().reshape(len(x), -1).double().numpy(), int(out.shape[-1])


def _corrcoef(rows: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.atleast_2d(np.corrcoef(rows))


def jacov_score(jacobians: np.ndarray) -> float:
    """``-sum(log(v + k) + 1/(v + k))`` over the eigenvalues of the Jacobian correlations."""
    corr = _corrcoef(jacobians)
    if not np.isfinite(corr).all():
        return float("nan")
    v = np.linalg.eigvalsh(corr)
    with np.errstate(all="ignore"):
        return float(-np.sum(np.log(v + _K) + 1.0 / (v + _K)))


def epe_nas_score(jacobians: np.ndarray, labels: np.ndarray, n_classes: int) -> float:
    """EPE-NAS from per-sample Jacobians, their labels and the network's class count."""
    scores = []
    for c in np.unique(labels):
        rows = jacobians[labels == c]
        if n_classes > 100 and len(rows) < 2:  # the reference skips these classes
            continue
        corr = _corrcoef(rows) if len(rows) > 1 else np.ones((1, 1))
        with np.errstate(all="ignore"):
            s = float(np.sum(np.log(np.abs(corr) + _K)))
        if n_classes > 100:
            s /= len(corr)
        scores.append(s)
    arr = np.asarray(scores)
    if not len(arr) or not np.isfinite(arr).all():
        return float("nan")
    if n_classes <= 100:
        return float(np.sum(np.abs(arr)))
    return float(np.sum(np.abs(arr[:, None] - arr[None, :])) / len(arr))


def jacov(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: Any = None
) -> float:
    """Jacobian-covariance score (see module docs); ``targets`` and ``loss_fn`` are unused."""
    jac, _ = input_jacobians(net, inputs)
    return jacov_score(jac)


def epe_nas(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: Callable[..., Any] | None = None,
) -> float:
    """EPE-NAS per-class Jacobian-correlation score (see module docs)."""
    jac, n_classes = input_jacobians(net, inputs)
    return epe_nas_score(jac, targets.detach().cpu().numpy(), n_classes)
