"""Several proxies from shared passes: what :func:`compute_proxies` runs.

The single-proxy functions each copy the network and run their own passes.
Computing many at once shares the work, with the same definitions:

- *loss group* (``grad_norm``, ``snip``, ``plain``, ``fisher``, ``grasp``): one
  training-mode copy, one forward of the loss, one backward giving ``dL/dW``
  and (through output hooks) the Fisher channel terms; GraSP's Hessian-vector
  product differentiates that same backward again (``create_graph=True``)
  instead of running a second forward;
- *Jacobian group* (``jacov``, ``epe_nas``, ``nwot``): one copy, one forward
  with ReLU hooks (the NASWOT kernel) and one backward of the summed logits
  (the input Jacobian);
- ``synflow``, ``zen``, ``params``, ``flops``, ``l2_norm`` run as they are.

Seconds: a group's wall time is split equally between the proxies computed in
it (the cost of one proxy *alone* is measured by calling its function).

>>> import torch
>>> from torch import nn
>>> from nasbench_kit.proxies.saliency import snip
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> x, y = torch.randn(6, 1, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])
>>> values, seconds = score_fused(net, x, y, None, ["snip", "nwot", "jacov"])
>>> abs(values["snip"] - snip(net, x, y)) < 1e-9
True
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.proxies._common import as_float, forward_logits, weight_layers, work_copy
from nasbench_kit.proxies.fisher import _ChannelFisher
from nasbench_kit.proxies.jacobian import epe_nas_score, jacov_score
from nasbench_kit.proxies.nwot import _Kernel
from nasbench_kit.proxies.registry import get_proxy

__all__ = ["JACOBIAN_GROUP", "LOSS_GROUP", "score_fused"]

LOSS_GROUP = ("grad_norm", "snip", "plain", "fisher", "grasp")
JACOBIAN_GROUP = ("jacov", "epe_nas", "nwot")


def _loss_group(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: Any, names: set[str]
) -> dict[str, float]:
    work = work_copy(net)
    layers = weight_layers(work)
    weights = [layer.weight for layer in layers]
    acc = _ChannelFisher()
    handles = [layer.register_forward_hook(acc) for layer in layers] if "fisher" in names else []
    try:
        loss = (loss_fn or F.cross_entropy)(forward_logits(work, x), y)
        if not loss.requires_grad or not weights:
            return {n: 0.0 for n in names}
        grads = torch.autograd.grad(loss, weights, create_graph="grasp" in names, allow_unused=True)
    finally:
        for h in handles:
            h.remove()
        acc.active = False
    grads = tuple(torch.zeros_like(w) if g is None else g for g, w in zip(grads, weights))
    out: dict[str, float] = {}
    wg = [(w.detach().double(), g.detach().double()) for w, g in zip(weights, grads)]
    if "grad_norm" in names:
        out["grad_norm"] = as_float(sum(float(g.norm()) for _, g in wg))
    if "snip" in names:
        out["snip"] = as_float(sum(float((w * g).abs().sum()) for w, g in wg))
    if "plain" in names:
        out["plain"] = as_float(sum(float((w * g).sum()) for w, g in wg))
    if "fisher" in names:
        out["fisher"] = as_float(acc.total)
    if "grasp" in names:
        z = sum((g.detach() * g).sum() for g in grads)  # d z / dW = H g
        out["grasp"] = 0.0
        if isinstance(z, torch.Tensor) and z.requires_grad:
            hg = torch.autograd.grad(z, weights, allow_unused=True)
            out["grasp"] = as_float(
                sum(float((-w * h.double()).sum()) for (w, _), h in zip(wg, hg) if h is not None)
            )
    return out


def _jacobian_group(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, names: set[str]
) -> dict[str, float]:
    work = work_copy(net)
    kernel = _Kernel(len(x))
    relus = [m for m in work.modules() if "ReLU" in type(m).__name__] if "nwot" in names else []
    handles = [m.register_forward_hook(kernel) for m in relus]
    xg = x.detach().clone().requires_grad_(True)
    try:
        logits = forward_logits(work, xg)
    finally:
        for h in handles:
            h.remove()
    out: dict[str, float] = {}
    if "nwot" in names:
        _sign, logdet = np.linalg.slogdet(kernel.K.numpy())
        out["nwot"] = float(logdet) if np.isfinite(logdet) else float("nan")
    if names & {"jacov", "epe_nas"}:
        if logits.requires_grad:
            logits.backward(torch.ones_like(logits))
        grad = xg.grad if xg.grad is not None else torch.zeros_like(xg)
        jac = grad.detach().reshape(len(xg), -1).double().numpy()
        if "jacov" in names:
            out["jacov"] = jacov_score(jac)
        if "epe_nas" in names:
            out["epe_nas"] = epe_nas_score(jac, y.detach().cpu().numpy(), int(logits.shape[-1]))
    return out


def score_fused(
    net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: Any,
    names: Sequence[str], *, seed: int = 0,
) -> tuple[dict[str, float], dict[str, float]]:  # fmt: skip
    """``({proxy: value}, {proxy: seconds})`` for the network proxies ``names``."""
    values: dict[str, float] = {}
    seconds: dict[str, float] = {}
    wanted = list(dict.fromkeys(names))
    for group, run in (
        (LOSS_GROUP, lambda s: _loss_group(net, inputs, targets, loss_fn, s)),
        (JACOBIAN_GROUP, lambda s: _jacobian_group(net, inputs, targets, s)),
    ):
        members = {n for n in wanted if n in group}
        if not members:
            continue
        t0 = time.perf_counter()
        try:
            values.update(run(members))
        except (np.linalg.LinAlgError, FloatingPointError):
            values.update({n: float("nan") for n in members})
        share = (time.perf_counter() - t0) / len(members)
        seconds.update({n: share for n in members})
    for name in wanted:
        if name in values:
            continue
        proxy = get_proxy(name)
        kw = {"seed": seed} if proxy.takes_seed else {}
        t0 = time.perf_counter()
        try:
            values[name] = proxy(net, inputs, targets, loss_fn, **kw)
        except (np.linalg.LinAlgError, FloatingPointError):
            values[name] = float("nan")
        seconds[name] = time.perf_counter() - t0
    return {n: values[n] for n in wanted}, {n: seconds[n] for n in wanted}
