"""Zen-score (Lin et al. 2021, "Zen-NAS: A Zero-Shot NAS for High-Performance
Image Recognition"), data-free.

On a copy of the network with Gaussian weights (every conv/linear weight
``~ N(0, 1)``, biases 0, BatchNorm scale 1 and shift 0; drawn from a
``torch.Generator`` seeded with ``seed``), in training mode, two Gaussian
batches ``x, e ~ N(0, 1)`` of the input shape are pushed through and

``zen = log( mean_n sum |f(x) - f(x + gamma e)| ) + sum_BN log sigma_BN``

where ``f`` is the feature map entering the network's last global average
pooling (the pre-GAP features; the logits when the network has no
``AdaptiveAvgPool2d``), ``gamma = 0.01`` and ``sigma_BN = sqrt(mean over
channels of running_var)`` of each BatchNorm layer, read as the authors' code
does: running statistics reset (variance 1), then updated by the two forward
passes with the layer's own momentum (0.1 in the benchmark networks), i.e.
``(1-m)^2 + (1-m) m v_x + m v_perturbed`` with ``v`` the unbiased batch
variances. (The paper's plain batch variance is 0 for a BatchNorm fed by a dead
branch -- a ``none`` edge -- which would make the score ``-inf``.)

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
...                     nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
>>> zen(net, torch.zeros(8, 1, 5, 5), None, seed=0) == zen(net, torch.zeros(8, 1, 5, 5), None, seed=0)
True
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from nasbench_kit.proxies._common import forward_logits, weight_layers, work_copy

__all__ = ["gaussian_init", "zen", "zen_inputs"]

GAMMA = 1e-2


def zen_inputs(shape: tuple[int, ...], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The two Gaussian batches ``(x, e)`` of ``shape`` that :func:`zen` uses for ``seed``."""
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(shape, generator=gen)
    e = torch.randn(shape, generator=gen)
    return x, e


def gaussian_init(net: nn.Module, seed: int = 0) -> nn.Module:
    """Zen-NAS initialisation in place: weights ``N(0, 1)``, biases 0, BN scale 1 / shift 0."""
    gen = torch.Generator().manual_seed(int(seed) + 1)
    with torch.no_grad():
        for layer in weight_layers(net):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen))
            if getattr(layer, "bias", None) is not None:
                layer.bias.zero_()
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                m.weight.fill_(1.0)
                m.bias.zero_()
    return net


class _PreGap:
    def __init__(self) -> None:
        self.features: torch.Tensor | None = None

    def __call__(self, module: nn.Module, inp: Any, out: Any) -> None:
        self.features = inp[0]


def _features(net: nn.Module, x: torch.Tensor, hook: _PreGap) -> torch.Tensor:
    hook.features = None
    logits = forward_logits(net, x)
    return logits if hook.features is None else hook.features


def zen(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: Any,
    loss_fn: Any = None,
    *,
    seed: int = 0,
    gamma: float = GAMMA,
    init: bool = True,
) -> float:
    """Zen-score; only ``inputs.shape`` is used (see module docs). ``init=False``
    keeps the network's own weights (for tests and variants)."""
    work = work_copy(net)
    if init:
        gaussian_init(work, seed)
    bns = [
        m
        for m in work.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_var is not None
    ]
    for m in bns:
        m.reset_running_stats()
    hook = _PreGap()
    handles = [
        m.register_forward_hook(hook) for m in work.modules() if isinstance(m, nn.AdaptiveAvgPool2d)
    ]
    x, e = zen_inputs(tuple(inputs.shape), seed)
    try:
        with torch.no_grad():
            f0 = _features(work, x, hook)
            f1 = _features(work, x + gamma * e, hook)
    finally:
        for h in handles:
            h.remove()
    diff = (f0 - f1).abs().double()
    delta = float(diff.reshape(len(diff), -1).sum(1).mean())
    variances = [float(m.running_var.double().mean()) for m in bns]  # type: ignore[union-attr]
    if delta <= 0.0 or not math.isfinite(delta) or min(variances, default=1.0) <= 0.0:
        return float("nan")
    return math.log(delta) + sum(0.5 * math.log(v) for v in variances)
