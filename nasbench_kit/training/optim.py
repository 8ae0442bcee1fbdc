"""Optimisers and learning-rate schedules named by a :class:`TrainConfig`.

``make_optimizer(params, config)`` builds torch's SGD / Adam / AdamW, or
:class:`RMSPropTF`, TensorFlow 1's RMSProp as NAS-Bench-101 trained with it
(its update differs from ``torch.optim.RMSprop``: the mean square starts at 1
and epsilon sits inside the square root). ``lr_at(config, t)`` is the rate at
progress ``t`` epochs (fractional for per-iteration schedules).

>>> from nasbench_kit.training.config import TrainConfig
>>> c = TrainConfig(epochs=10, batch_size=32, lr=0.1)
>>> lr_at(c, 0.0), round(lr_at(c, 5.0), 6), lr_at(c, 10.0)
(0.1, 0.05, 0.0)
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

import torch

from nasbench_kit.training.config import TrainConfig

__all__ = ["RMSPropTF", "lr_at", "make_optimizer"]


class RMSPropTF(torch.optim.Optimizer):
    """TensorFlow 1 ``RMSPropOptimizer`` (non-centred) with L2 weight decay.

    ``ms = rho * ms + (1 - rho) * g**2`` (``ms`` starts at 1),
    ``mom = momentum * mom + lr * g / sqrt(ms + eps)``, ``p -= mom``, where
    ``g`` = gradient + ``weight_decay * p``.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float,
        rho: float = 0.9,
        momentum: float = 0.0,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {"lr": lr, "rho": rho, "momentum": momentum, "eps": eps,
                    "weight_decay": weight_decay}  # fmt: skip
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            lr, rho, mom, eps, wd = (group[k] for k in ("lr", "rho", "momentum", "eps",
                                                         "weight_decay"))  # fmt: skip
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if wd == 0 else p.grad.add(p, alpha=wd)
                state = self.state[p]
                if not state:
                    state["ms"] = torch.ones_like(p)
                    state["mom"] = torch.zeros_like(p)
                ms, buf = state["ms"], state["mom"]
                ms.mul_(rho).addcmul_(g, g, value=1.0 - rho)
                buf.mul_(mom).addcdiv_(g, ms.add(eps).sqrt_(), value=lr)
                p.sub_(buf)


def make_optimizer(params: Iterable[torch.Tensor], config: TrainConfig) -> torch.optim.Optimizer:
    """The optimiser ``config.optimizer`` over ``params``, at the initial rate."""
    params = list(params)
    c = config
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum, nesterov=c.nesterov,
                               weight_decay=c.weight_decay)  # fmt: skip
    if c.optimizer == "adam":
        return torch.optim.Adam(params, lr=c.lr, betas=c.betas, eps=c.eps,
                                weight_decay=c.weight_decay)  # fmt: skip
    if c.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=c.lr, betas=c.betas, eps=c.eps,
                                 weight_decay=c.weight_decay)  # fmt: skip
    return RMSPropTF(params, lr=c.lr, rho=c.rms_decay, momentum=c.momentum, eps=c.eps,
                     weight_decay=c.weight_decay)  # fmt: skip


def lr_at(config: TrainConfig, t: float) -> float:
    """Learning rate after ``t`` epochs of progress (``0 <= t <= epochs``)."""
    c = config
    if c.schedule == "constant":
        return c.lr
    if c.schedule == "step":
        return c.lr * c.gamma ** bisect.bisect_right(list(c.milestones), t)
    return c.eta_min + (c.lr - c.eta_min) * (1.0 + math.cos(math.pi * t / c.epochs)) / 2.0
