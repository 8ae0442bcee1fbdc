"""NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training", v2).

Each ReLU unit splits the batch into inputs that activate it and inputs that do
not; sample ``n``'s binary code ``c_n`` lists, over every ReLU unit of the
network (every position and channel of every ReLU module), whether its input is
``> 0``. The kernel ``K[i, j] = N_A - hamming(c_i, c_j)`` counts the units on
which samples ``i`` and ``j`` agree, and ``nwot = log |det K|``. Training-mode
copy, one forward pass, no gradients. ReLU modules are found by class name
(``"ReLU" in type(module).__name__``), as in the reference code; functional
``relu`` calls are not seen.

>>> import torch
>>> from torch import nn
>>> torch.manual_seed(0) and None
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3))
>>> x, y = torch.randn(4, 1, 2, 2), torch.tensor([0, 1, 2, 0])
>>> 0 < nwot(net, x, y) <= 4 * float(torch.log(torch.tensor(64.0)))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from nasbench_kit.proxies._common import forward_logits, work_copy

__all__ = ["binary_code_kernel", "nwot"]


class _Kernel:
    """Forward hook accumulating the agreement kernel over ReLU inputs (float64)."""

    def __init__(self, n: int) -> None:
        self.K = torch.zeros((n, n), dtype=torch.float64)

    def __call__(self, module: nn.Module, inp: Any, out: Any) -> None:
        x = inp[0].detach().reshape(inp[0].shape[0], -1)
        d = x.shape[1]
        # 0/1 sums are exact in float32 below 2**24 units per module
        codes = (x > 0).to(torch.float32 if d < 2**24 else torch.float64)
        ones = codes.sum(1).double()
        agree_on = (codes @ codes.T).double()  # units active for both samples
        # units inactive for both: d - ones_i - ones_j + agree_on
        self.K += 2.0 * agree_on - ones[:, None] - ones[None, :] + d


def binary_code_kernel(net: nn.Module, inputs: torch.Tensor) -> np.ndarray:
    """The ``N x N`` agreement kernel ``K`` of the batch (see module docs)."""
    work = work_copy(net)
    acc = _Kernel(len(inputs))
    handles = [m.register_forward_hook(acc) for m in work.modules() if "ReLU" in type(m).__name__]
    try:
        with torch.no_grad():
            forward_logits(work, inputs)
    finally:
        for h in handles:
            h.remove()
    return acc.K.numpy()


def nwot(net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, loss_fn: Any = None) -> float:
    """``log |det K|`` of the binary-code kernel; ``targets``/``loss_fn`` unused."""
    _sign, logdet = np.linalg.slogdet(binary_code_kernel(net, inputs))
    return float(logdet) if np.isfinite(logdet) else float("nan")
