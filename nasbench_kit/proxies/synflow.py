"""SynFlow (Tanaka et al. 2020, "Pruning neural networks without any data by
iteratively conserving synaptic flow"), data-free.

On a copy of the network with every parameter replaced by its absolute value,
BatchNorm layers removed (identity), in float64, the input is one all-ones
sample of the network's input shape and ``R = sum of the outputs``; the
synaptic flow of a weight is ``|W * dR/dW|``. The score sums it over every
convolution and linear weight. Conventions follow zero-cost-nas / NASLib
(``bn=False``, double precision, batch of one), and like NAS-Bench-Suite-Zero's
recorded ``synflow`` the proxy returns ``ln(score)`` (``0.0`` when the score is
0): raw scores exceed 1e30 on deep networks.

For a bias-free linear chain ``x -> W1 x -> W2 W1 x`` every layer's flow sums
to ``R = 1^T |W2| |W1| 1`` (flow conservation), so ``synflow = ln(2 R)``.

>>> import math, torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(2, 3, bias=False), nn.Linear(3, 1, bias=False))
>>> with torch.no_grad():
...     _ = net[1].weight.fill_(-0.5); _ = net[2].weight.fill_(2.0)
>>> round(synflow(net, torch.zeros(7, 1, 1, 2), None), 6) == round(math.log(2 * 6.0), 6)
True
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from nasbench_kit.proxies._common import disable_batchnorm, forward_logits, weight_layers, work_copy

__all__ = ["synflow", "synflow_raw"]


def synflow_raw(net: nn.Module, input_shape: tuple[int, ...]) -> float:
    """The raw synaptic-flow sum (not logged) for one input of ``input_shape`` (no batch axis)."""
    work = disable_batchnorm(work_copy(net, train=False)).double()
    with torch.no_grad():
        for p in work.parameters():
            p.abs_()
        for b in work.buffers():
            if b.is_floating_point():
                b.abs_()
    out = forward_logits(work, torch.ones((1, *input_shape), dtype=torch.float64))
    if not out.requires_grad:
        return 0.0
    out.sum().backward()
    total = 0.0
    for layer in weight_layers(work):
        g = layer.weight.grad
        if g is not None:
            total += float((layer.weight.detach() * g).abs().sum())
    return total


def synflow(net: nn.Module, inputs: torch.Tensor, targets: Any, loss_fn: Any = None) -> float:
    """``ln`` of the SynFlow score; only ``inputs.shape[1:]`` is used (see module docs)."""
    raw = synflow_raw(net, tuple(inputs.shape[1:]))
    if raw == 0.0:
        return 0.0
    return math.log(raw) if math.isfinite(raw) else float("nan")
