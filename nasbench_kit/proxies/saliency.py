"""Gradient saliencies from one forward/backward pass of the loss.

With ``g = dL/dW`` for the weight ``W`` of every convolution and linear layer
(the loss on one batch, network in training mode, as in Abdelfattah et al.
2021, "Zero-Cost Proxies for Lightweight NAS", and NASLib):

- ``grad_norm`` = sum over layers of ``||g||_2`` (one Frobenius norm per layer);
- ``snip``      = sum ``|W * g|`` (Lee et al. 2019: the gradient of the loss
  with respect to a multiplicative connection mask ``c = 1`` is ``W * g``);
- ``plain``     = sum ``W * g`` (signed).

>>> import torch
>>> from torch import nn
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
>>> x, y = torch.randn(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1])
>>> snip(net, x, y) >= abs(plain(net, x, y))
True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.proxies._common import as_float, forward_logits, weight_layers, work_copy

__all__ = ["grad_norm", "loss_gradients", "plain", "snip"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def loss_gradients(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: LossFn | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(W, dL/dW)`` for every conv/linear layer, on a training-mode copy of ``net``.

    A layer the loss does not reach gets a zero gradient.
    """
    work = work_copy(net)
    loss_fn = loss_fn or F.cross_entropy
    loss = loss_fn(forward_logits(work, inputs), targets)
    loss.backward()
    pairs = []
    for layer in weight_layers(work):
        w = layer.weight.detach()
        g = layer.weight.grad
        pairs.append((w, torch.zeros_like(w) if g is None else g.detach()))
    return pairs


def grad_norm(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: LossFn | None = None
) -> float:
    """Sum of the per-layer gradient norms ``||dL/dW||_2``."""
    pairs = loss_gradients(net, inputs, targets, loss_fn)
    return as_float(sum(float(g.double().norm()) for _, g in pairs))


def snip(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: LossFn | None = None
) -> float:
    """SNIP connection sensitivity: sum ``|W * dL/dW|``."""
    pairs = loss_gradients(net, inputs, targets, loss_fn)
    return as_float(sum(float((w.double() * g.double()).abs().sum()) for w, g in pairs))


def plain(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: LossFn | None = None
) -> float:
    """Signed first-order saliency: sum ``W * dL/dW``."""
    pairs = loss_gradients(net, inputs, targets, loss_fn)
    return as_float(sum(float((w.double() * g.double()).sum()) for w, g in pairs))
