"""Helpers every proxy shares: the weight layers, a working copy, determinism.

A proxy never changes the network it is given: proxies that run a forward
pass in training mode (which updates BatchNorm running statistics), set
gradients, or rewrite weights work on :func:`work_copy` (a deep copy).

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2, 3))
>>> [type(m).__name__ for m in weight_layers(net)]
['Conv2d', 'Linear']
>>> sum_layers(weight_layers(net), lambda m: torch.ones(()))
2.0
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import nn

from nasbench_kit.errors import OutOfDomainError

__all__ = [
    "as_float",
    "deterministic",
    "disable_batchnorm",
    "forward_logits",
    "sum_layers",
    "weight_layers",
    "work_copy",
]

_WEIGHT_TYPES = (nn.modules.conv._ConvNd, nn.Linear)


def weight_layers(net: nn.Module) -> list[nn.Module]:
    """Convolution and linear layers of ``net`` in module order (the pruning convention).

    BatchNorm and bias parameters are not scored by the saliency proxies, as in
    the zero-cost-proxy papers and NASLib.
    """
    return [m for m in net.modules() if isinstance(m, _WEIGHT_TYPES)]


def sum_layers(layers: Iterable[nn.Module], metric: Callable[[nn.Module], torch.Tensor]) -> float:
    """Sum of ``metric(layer)`` over ``layers`` (float64 accumulation)."""
    total = 0.0
    for layer in layers:
        total += float(metric(layer).detach().double().sum())
    return total


def work_copy(net: nn.Module, *, train: bool = True) -> nn.Module:
    """A deep copy of ``net`` in train (default) or eval mode, gradients cleared."""
    net_copy = copy.deepcopy(net)
    net_copy.train(train)
    for p in net_copy.parameters():
        p.grad = None
    return net_copy


class _Skip(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def disable_batchnorm(net: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer of ``net`` by the identity, in place; returns ``net``."""
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, name, _Skip())
    return net


def forward_logits(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``net(x)``, accepting networks that return ``(features, logits)`` tuples."""
    out: Any = net(x)
    if isinstance(out, (tuple, list)):
        out = out[-1]
    if not isinstance(out, torch.Tensor):
        raise OutOfDomainError(
            f"the network returned {type(out).__name__}; a proxy needs a logits tensor "
            "(N, classes) or a (features, logits) tuple"
        )
    return out


def as_float(value: Any) -> float:
    """A proxy's result as a Python float (NaN stays NaN)."""
    out = float(value)
    return out if not math.isinf(out) else math.nan


@contextlib.contextmanager
def deterministic(num_threads: int = 1) -> Iterator[None]:
    """Fixed intra-op threads and deterministic algorithms inside the block (restored after).

    >>> with deterministic(1):
    ...     torch.get_num_threads()
    1
    """
    if not isinstance(num_threads, int) or num_threads < 1:
        raise OutOfDomainError(f"num_threads={num_threads!r} must be a positive int (e.g. 1)")
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(num_threads)
    switch = not old_det or old_warn  # the first switch imports torch._inductor (seconds, once)
    if switch:
        torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        if switch:
            torch.use_deterministic_algorithms(old_det, warn_only=old_warn)
        torch.set_num_threads(old_threads)
