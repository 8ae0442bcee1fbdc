"""The DARTS operations and cell (Liu et al. 2019), rebuilt with plain ``torch.nn``.

``affine`` switches the learnable scale/shift of the BatchNorm layers *inside
the cell operations* (the DARTS evaluation network uses ``True``; NASLib's
NB301 graph, on which NAS-Bench-Suite-Zero counted ``params``, uses ``False``).
``pool_bn`` appends a non-affine BatchNorm to the two pooling ops (NASLib's
``MaxPool``/``AvgPool`` with ``use_bn=True``); it holds no parameters.

>>> import torch
>>> op = make_op("sep_conv_3x3", 8, stride=2, affine=True)
>>> tuple(op(torch.zeros(1, 8, 6, 6)).shape)
(1, 8, 3, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nasbench_kit.models._ops import Identity, ReLUConvBN


class SepConv(nn.Sequential):
    """Two stacked ReLU - depthwise kxk - pointwise 1x1 - BN blocks (first one strided)."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int, affine: bool) -> None:
        pad = k // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, k, stride=stride, padding=pad, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_in, 1, bias=False),
            nn.BatchNorm2d(c_in, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, k, stride=1, padding=pad, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """ReLU - dilated depthwise kxk (dilation 2) - pointwise 1x1 - BN."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int, affine: bool) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, k, stride=stride, padding=k - 1, dilation=2, groups=c_in,
                      bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution: ReLU, two stride-2 1x1 convs on offset grids, concat, BN."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even c_out, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _pool(pool: nn.Module, channels: int, pool_bn: bool) -> nn.Module:
    if not pool_bn:
        return pool
    return nn.Sequential(pool, nn.BatchNorm2d(channels, affine=False))


def make_op(name: str, channels: int, stride: int, affine: bool, pool_bn: bool = False) -> nn.Module:
    """One DARTS operation on ``channels`` channels at ``stride`` 1 or 2."""
    if name == "max_pool_3x3":
        return _pool(nn.MaxPool2d(3, stride=stride, padding=1), channels, pool_bn)
    if name == "avg_pool_3x3":
        return _pool(nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False),
                     channels, pool_bn)
    if name == "skip_connect":
        return Identity() if stride == 1 else FactorizedReduce(channels, channels, affine)
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        return SepConv(channels, channels, int(name[-1]), stride, affine)
    if name in ("dil_conv_3x3", "dil_conv_5x5"):
        return DilConv(channels, channels, int(name[-1]), stride, affine)
    raise ValueError(f"unknown DARTS op {name!r}")


def drop_path(x: torch.Tensor, drop_prob: float, generator: torch.Generator | None = None
              ) -> torch.Tensor:
    """Zero whole samples with probability ``drop_prob`` and rescale the rest (DARTS)."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.size(0), 1, 1, 1, device=x.device, dtype=x.dtype)
    mask.bernoulli_(keep, generator=generator)
    return x.div(keep).mul(mask)


class DartsCell(nn.Module):
    """A DARTS cell: two preprocessed inputs, four nodes of two ops each, concat of nodes 2..5.

    ``pairs`` holds 8 ``(op, input)`` pairs, two per node, inputs indexing
    ``[s0, s1, node2, node3, ...]``. The cell output has ``4 * channels`` channels.
    """

    def __init__(
        self,
        pairs: Sequence[tuple[str, int]],
        c_prev_prev: int,
        c_prev: int,
        channels: int,
        *,
        reduction: bool,
        reduction_prev: bool,
        affine: bool,
        pool_bn: bool = False,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        if reduction_prev:
            self.preprocess0: nn.Module = FactorizedReduce(c_prev_prev, channels)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, channels, 1)
        self.preprocess1 = ReLUConvBN(c_prev, channels, 1)
        self.inputs = tuple(int(i) for _, i in pairs)
        self.ops = nn.ModuleList(
            make_op(op, channels, 2 if reduction and i < 2 else 1, affine, pool_bn)
            for op, i in pairs
        )
        self.multiplier = len(pairs) // 2

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(self.multiplier):
            two = []
            for slot in (2 * node, 2 * node + 1):
                op = self.ops[slot]
                h = op(states[self.inputs[slot]])
                if self.training and drop_prob > 0.0 and not isinstance(op, Identity):
                    h = drop_path(h, drop_prob, generator)
                two.append(h)
            states.append(two[0] + two[1])
        return torch.cat(states[2:], dim=1)
