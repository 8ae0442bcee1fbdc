"""Building blocks shared by the image networks (plain ``torch.nn`` modules).

Every block uses ``nn.Conv2d`` / ``nn.Linear`` / ``nn.AvgPool2d`` / ``nn.MaxPool2d``
directly, so :func:`nasbench_kit.models.count_flops` sees each of them.

>>> import torch
>>> block = ReLUConvBN(4, 8, 3, stride=1, padding=1)
>>> tuple(block(torch.zeros(2, 4, 5, 5)).shape)
(2, 8, 5, 5)
"""

from __future__ import annotations

import torch
from torch import nn


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv2d (no bias) -> BatchNorm2d."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        affine: bool = True,
        momentum: float = 0.1,
        eps: float = 1e-5,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out, affine=affine, momentum=momentum, eps=eps),
        )


class Zero(nn.Module):
    """The ``none`` op: zeros of the output shape (strided when ``stride > 1``)."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class Identity(nn.Module):
    """The ``skip_connect`` op at stride 1."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x
