"""Data-free size proxies: ``params``, ``flops``, ``l2_norm``.

- ``params``: trainable parameters in millions (``count_params(net) / 1e6``),
  NAS-Bench-Suite-Zero's unit;
- ``flops``: MFLOPs of one sample of ``inputs.shape[1:]``, by
  :func:`nasbench_kit.models.count_flops` (NAS-Bench-201's counting
  convention, documented there);
- ``l2_norm``: sum over conv/linear layers of the Frobenius norm of the weight
  at initialisation (NASLib).

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
>>> params(net, torch.zeros(1, 4), None)
1.5e-05
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nasbench_kit.proxies._common import sum_layers, weight_layers

__all__ = ["flops", "l2_norm", "params"]


def params(net: nn.Module, inputs: Any, targets: Any, loss_fn: Any = None) -> float:
    """Trainable parameters, in millions."""
    from nasbench_kit.models import count_params

    return count_params(net) / 1e6


def flops(net: nn.Module, inputs: torch.Tensor, targets: Any, loss_fn: Any = None) -> float:
    """MFLOPs for one sample of shape ``inputs.shape[1:]`` (NAS-Bench-Suite-Zero's counting
    convention, ``count_flops``'s default; ``convention="nb201"`` there gives NB201's own)."""
    from nasbench_kit.models import count_flops

    return float(count_flops(net, tuple(inputs.shape[1:])))


def l2_norm(net: nn.Module, inputs: Any, targets: Any, loss_fn: Any = None) -> float:
    """Sum of the conv/linear weights' Frobenius norms."""
    return sum_layers(weight_layers(net), lambda m: m.weight.detach().double().norm())
