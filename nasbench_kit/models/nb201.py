"""NAS-Bench-201's network (xautodl ``TinyNetwork`` with ``InferCell``), rebuilt.

Layout for ``C=16, N=5`` (the benchmark's setting): a stem ``Conv3x3(in, C) + BN``;
three stages of ``N`` cells at ``C``, ``2C``, ``4C`` channels, joined by two
residual reduction blocks (``ResNetBasicblock`` with stride 2: two ReLU-Conv3x3-BN
and an ``AvgPool2d(2) + Conv1x1`` shortcut); then ``BN + ReLU``, global average
pooling and a linear classifier. A cell has 4 nodes; node ``i`` sums the ops on
its incoming edges (order: :data:`nasbench_kit.spaces.nb201.EDGES`). Ops:
``nor_conv_kxk`` = ReLU-Conv-BN, ``avg_pool_3x3`` = ``AvgPool2d(3, 1, 1,
count_include_pad=False)`` (no preprocess conv: inside a cell ``C_in == C_out``),
``skip_connect`` = identity, ``none`` = zeros. All BN layers are affine.

>>> import torch
>>> from nasbench_kit.spaces import get_space
>>> a = get_space("nb201").from_index(0)
>>> net = NB201Network(a.ops, num_classes=10)
>>> tuple(net(torch.zeros(2, 3, 32, 32)).shape)
(2, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nasbench_kit.models._checks import positive_int
from nasbench_kit.models._ops import Identity, ReLUConvBN, Zero
from nasbench_kit.spaces.nb201 import EDGES, OP_NAMES


def _edge_op(name: str, channels: int) -> nn.Module:
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, padding=1)
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return Identity()
    return Zero()


class NB201Cell(nn.Module):
    """One NB201 cell: 4 nodes, node ``t`` = sum of ``op(node s)`` over edges ``(t, s)``."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        if len(ops) != len(EDGES) or any(op not in OP_NAMES for op in ops):
            raise ValueError(f"ops={ops!r} must be 6 names from {OP_NAMES}")
        self.edges = nn.ModuleList(_edge_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            terms = [
                op(nodes[source])
                for (t, source), op in zip(EDGES, self.edges)
                if t == target
            ]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            nodes.append(total)
        return nodes[3]


class ResidualReduction(nn.Module):
    """NB201's ``ResNetBasicblock`` at stride 2 (channels ``c_in -> c_out``)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2, padding=1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, stride=1, padding=1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The NB201 network for one cell; see the module docstring."""

    def __init__(
        self,
        ops: Sequence[str],
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        C: int = 16,
        N: int = 5,
    ) -> None:
        super().__init__()
        num_classes = positive_int("num_classes", num_classes)
        in_channels = positive_int("in_channels", in_channels)
        C = positive_int("C", C)
        N = positive_int("N", N)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C)
        )
        cells: list[nn.Module] = []
        channels = C
        for stage in range(3):
            if stage > 0:
                cells.append(ResidualReduction(channels, channels * 2))
                channels *= 2
            cells.extend(NB201Cell(ops, channels) for _ in range(N))
        self.cells = nn.Sequential(*cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.global_pooling(out).flatten(1))


def build(
    arch: Any,
    notation: Any = None,
    *,
    num_classes: int = 10,
    in_channels: int = 3,
    C: int = 16,
    N: int = 5,
) -> NB201Network:
    """The NB201 network of ``arch`` (an ``NB201Arch``); ``notation`` is unused."""
    return NB201Network(arch.ops, num_classes=num_classes, in_channels=in_channels, C=C, N=N)


def presets() -> dict[str, dict[str, Any]]:
    """NB201's three datasets (C=16, N=5; 32x32 inputs, 16x16 for ImageNet16-120)."""
    return {
        name: {"config": {"num_classes": classes}, "input_shape": (3, size, size),
               "about": f"NAS-Bench-201 network for {name}"}
        for name, classes, size in (("cifar10", 10, 32), ("cifar100", 100, 32),
                                    ("ImageNet16-120", 120, 16))
    }
