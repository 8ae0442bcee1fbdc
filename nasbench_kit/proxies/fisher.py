"""Fisher channel saliency (Theis et al. 2018; Turner et al. 2020), as in
Abdelfattah et al. 2021 / NASLib.

For every convolution and linear layer with output activation ``a`` (shape
``N x K x ...``) and ``d = dL/da`` from one backward pass of the batch loss
(training-mode copy), the per-sample channel gradient is
``g[n, k] = sum over positions of a * d`` -- the gradient of the loss with
respect to a multiplicative gate on channel ``k`` of sample ``n``. The
channel's Fisher information is ``0.5 * mean_n g[n, k] ** 2``; the proxy is the
sum over channels and layers.

>>> import torch
>>> from torch import nn
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
>>> x, y = torch.randn(4, 1, 2, 2), torch.tensor([0, 1, 2, 0])
>>> fisher(net, x, y) > 0
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.proxies._common import as_float, forward_logits, weight_layers, work_copy

__all__ = ["fisher"]


class _ChannelFisher:
    """Forward hook: registers a gradient hook on the layer output that adds its Fisher."""

    def __init__(self) -> None:
        self.total = torch.zeros((), dtype=torch.float64)
        self.active = True  # cleared before any later backward through the same graph

    def __call__(self, module: nn.Module, inp: Any, out: torch.Tensor) -> None:
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            return
        act = out.detach()

        def on_grad(grad: torch.Tensor) -> None:
            if not self.active:
                return
            prod = (act * grad.detach()).double()
            g_nk = prod.sum(dim=tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
            self.total += 0.5 * g_nk.pow(2).mean(0).sum()

        out.register_hook(on_grad)


def fisher(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> float:
    """Summed Fisher channel saliency of every conv/linear output (see module docs)."""
    loss_fn = loss_fn or F.cross_entropy
    work = work_copy(net)
    acc = _ChannelFisher()
    handles = [layer.register_forward_hook(acc) for layer in weight_layers(work)]
    try:
        loss = loss_fn(forward_logits(work, inputs), targets)
        if loss.requires_grad:
            loss.backward()
    finally:
        for h in handles:
            h.remove()
    return as_float(acc.total)
