"""GraSP (Wang et al. 2020, "Picking Winning Tickets Before Training by
Preserving Gradient Flow"), in the zero-cost-proxy form of Abdelfattah et al.

``grasp = sum over conv/linear weights of -W * (H g)``, where ``g = dL/dW``
and ``H`` is the Hessian of the loss with respect to those weights; ``H g`` is
a Hessian-vector product (differentiate ``g_fixed . dL/dW`` once more). The
sign follows NASLib / zero-cost-nas (higher is taken as better). Training-mode
copy, one batch.

>>> import torch
>>> from torch import nn
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
>>> x, y = torch.randn(5, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1])
>>> isinstance(grasp(net, x, y), float)
True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.proxies._common import as_float, forward_logits, weight_layers, work_copy

__all__ = ["grasp"]


def _grads(loss: torch.Tensor, weights: list[torch.Tensor], **kw: bool) -> list[torch.Tensor]:
    out = torch.autograd.grad(loss, weights, allow_unused=True, **kw)
    return [torch.zeros_like(w) if g is None else g for g, w in zip(out, weights)]


def grasp(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> float:
    """``-sum W * (H g)`` over conv/linear weights (see module docs)."""
    loss_fn = loss_fn or F.cross_entropy
    work = work_copy(net)
    weights = [layer.weight for layer in weight_layers(work)]
    if not weights:
        return 0.0
    g = [t.detach() for t in _grads(loss_fn(forward_logits(work, inputs), targets), weights)]
    loss = loss_fn(forward_logits(work, inputs), targets)
    grad_f = _grads(loss, weights, create_graph=True)
    z = sum((gi * fi).sum() for gi, fi in zip(g, grad_f))
    if not isinstance(z, torch.Tensor) or not z.requires_grad:  # loss independent of weights
        return 0.0
    hg = _grads(z, weights)
    total = sum(float((-w.detach().double() * h.double()).sum()) for w, h in zip(weights, hg))
    return as_float(total)
