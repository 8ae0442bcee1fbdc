"""NAS-Bench-101's network (google-research/nasbench ``model_builder``), in PyTorch.

Layout (defaults = the benchmark): stem ``Conv3x3(in, 128) + BN + ReLU``; 3 stacks
of 3 modules (cells); before stacks 2 and 3 a 2x2 max-pool (stride 2) halves the
resolution and the module channels double (128, 256, 512); global average pooling
and a linear classifier. Inside a module (vertices in the spec's order):

- channels: the output channels are split evenly over the vertices that feed
  the output (the first ``channels % k`` of them get one extra); other vertices
  take the max over their successors (``compute_vertex_channels``);
- a vertex sums its inputs: edges from the module input pass through a 1x1
  ``projection`` (Conv-BN-ReLU) to the vertex's channels, edges from another
  vertex are *truncated* (sliced) to the vertex's channels;
- ops: ``conv3x3-bn-relu`` / ``conv1x1-bn-relu`` (Conv without bias, BN, ReLU) and
  ``maxpool3x3`` (stride 1, same padding);
- output: channel concatenation of the vertices feeding it, plus a projection
  of the module input when the input feeds the output directly (or only that
  projection when no vertex feeds the output).

BatchNorm uses TensorFlow's ``momentum=0.997`` (PyTorch ``momentum=0.003``) and
``eps=1e-5``; TF's BN has trainable scale and offset, so trainable-parameter
counts agree with TF's. The channel split depends on the vertex order, which is
why :func:`build` can keep the vertex order of the notation given (see its docstring).

>>> import torch
>>> from nasbench_kit.spaces import get_space
>>> a = get_space("nb101").from_string("011,001,000|conv3x3-bn-relu")
>>> net = NB101Network(a.matrix, a.ops, stem_channels=8)
>>> tuple(net(torch.zeros(2, 3, 16, 16)).shape)
(2, 10)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from nasbench_kit.models._checks import one_of, positive_int
from nasbench_kit.spaces._graph import prune_mask
from nasbench_kit.spaces.nb101 import NASLIB_OPS, NB101Arch

BN_MOMENTUM_TF = 0.997
BN_EPSILON = 1e-5


class ConvBnRelu(nn.Sequential):
    """Conv2d (no bias, same padding) -> BatchNorm2d (TF momentum) -> ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(c_out, momentum=1.0 - BN_MOMENTUM_TF, eps=BN_EPSILON),
            nn.ReLU(inplace=False),
        )


def compute_vertex_channels(c_in: int, c_out: int, matrix: Sequence[Sequence[int]]) -> list[int]:
    """Channels of every vertex of a module (the official rule; see the module docs).

    >>> compute_vertex_channels(128, 128, [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    [128, 128, 128]
    >>> compute_vertex_channels(3, 10, [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    [3, 5, 5, 10]
    """
    n = len(matrix)
    channels = [0] * n
    channels[0], channels[n - 1] = c_in, c_out
    if n == 2:
        return channels
    fan_in = sum(matrix[v][n - 1] for v in range(1, n))
    interior, extra = divmod(c_out, fan_in)
    for v in range(1, n - 1):
        if matrix[v][n - 1]:
            channels[v] = interior + (1 if extra else 0)
            extra -= 1 if extra else 0
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v][dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


def _vertex_op(name: str, channels: int) -> nn.Module:
    if name == "conv3x3-bn-relu":
        return ConvBnRelu(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return ConvBnRelu(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"unknown NB101 op {name!r}")


class NB101Module(nn.Module):
    """One NB101 module (cell) from a pruned, upper-triangular spec."""

    def __init__(self, matrix: Sequence[Sequence[int]], ops: Sequence[str], c_in: int,
                 c_out: int) -> None:
        super().__init__()
        self.matrix = tuple(tuple(int(v) for v in row) for row in matrix)
        n = len(self.matrix)
        self.channels = compute_vertex_channels(c_in, c_out, self.matrix)
        self.projections = nn.ModuleDict()
        self.vertex_ops = nn.ModuleList()
        for t in range(1, n - 1):
            if self.matrix[0][t]:
                self.projections[str(t)] = ConvBnRelu(c_in, self.channels[t], 1)
            self.vertex_ops.append(_vertex_op(ops[t], self.channels[t]))
        feeds_output = any(self.matrix[t][n - 1] for t in range(1, n - 1))
        self.output_projection = (
            ConvBnRelu(c_in, c_out, 1) if self.matrix[0][n - 1] or not feeds_output else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, n = self.matrix, len(self.matrix)
        tensors = [x]
        concat_in = []
        for t in range(1, n - 1):
            width = self.channels[t]
            add_in = [tensors[s][:, :width] for s in range(1, t) if m[s][t]]
            if m[0][t]:
                add_in.append(self.projections[str(t)](x))
            total = add_in[0]
            for term in add_in[1:]:
                total = total + term
            tensors.append(self.vertex_ops[t - 1](total))
            if m[t][n - 1]:
                concat_in.append(tensors[t])
        if not concat_in:  # only the input feeds the output: the projection always exists then
            return cast(nn.Module, self.output_projection)(x)
        out = concat_in[0] if len(concat_in) == 1 else torch.cat(concat_in, dim=1)
        if self.output_projection is not None:
            out = out + self.output_projection(x)
        return out


class NB101Network(nn.Module):
    """The NB101 network for one cell; see the module docstring."""

    def __init__(
        self,
        matrix: Sequence[Sequence[int]],
        ops: Sequence[str],
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        stem_channels: int = 128,
        num_stacks: int = 3,
        num_modules_per_stack: int = 3,
    ) -> None:
        super().__init__()
        num_classes = positive_int("num_classes", num_classes)
        channels = positive_int("stem_channels", stem_channels)
        num_stacks = positive_int("num_stacks", num_stacks)
        per_stack = positive_int("num_modules_per_stack", num_modules_per_stack)
        layers: list[nn.Module] = [ConvBnRelu(positive_int("in_channels", in_channels), channels, 3)]
        c_in = channels
        for stack in range(num_stacks):
            if stack > 0:
                # TF 'same' padding for a 2x2/2 pool = ceil mode (pads bottom/right).
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
                channels *= 2
            for _ in range(per_stack):
                layers.append(NB101Module(matrix, ops, c_in, channels))
                c_in = channels
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


_ALIASES = {"conv3x3": "conv3x3-bn-relu", "conv1x1": "conv1x1-bn-relu", "maxpool": "maxpool3x3"}


def _raw_spec(notation: Any) -> tuple[list[list[int]], list[str]] | None:
    """``(matrix, ops)`` of a spec notation in its own vertex order (None for an NB101Arch)."""
    if isinstance(notation, NB101Arch) or notation is None:
        return None
    if isinstance(notation, str):
        rows, _, names = notation.strip().partition("|")
        matrix = [[int(c) for c in r.strip()] for r in rows.split(",")]
        ops = [o.strip() for o in names.split(",")] if names.strip() else []
        if len(ops) == len(matrix) - 2:
            ops = ["input", *ops, "output"]
        return matrix, ops
    if isinstance(notation, Mapping):
        matrix = notation.get("matrix", notation.get("module_adjacency"))
        ops = notation.get("ops", notation.get("module_operations"))
        return np.asarray(matrix).astype(int).tolist(), [str(o) for o in ops]
    if len(notation) == 2 and all(isinstance(o, str) for o in notation[1]):  # (matrix, ops)
        return np.asarray(notation[0]).astype(int).tolist(), [str(o) for o in notation[1]]
    flat = np.asarray(notation).ravel()
    n = next(k for k in range(2, 17) if k * k + k == len(flat))  # NASLib tuple
    return flat[: n * n].reshape(n, n).astype(int).tolist(), [NASLIB_OPS[c] for c in flat[n * n :]]


def given_order_spec(notation: Any) -> tuple[list[list[int]], list[str]] | None:
    """The pruned spec of ``notation`` keeping its vertex order (None for an ``NB101Arch``).

    >>> given_order_spec(([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3", "output"]))
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ['input', 'conv3x3-bn-relu', 'output'])
    """
    spec = _raw_spec(notation)
    if spec is None:
        return None
    matrix, ops = spec
    keep = [v for v, ok in enumerate(prune_mask(matrix)) if ok]
    return ([[matrix[i][j] for j in keep] for i in keep],
            [_ALIASES.get(ops[i], ops[i]) for i in keep])


def build(
    arch: Any,
    notation: Any = None,
    *,
    num_classes: int = 10,
    in_channels: int = 3,
    stem_channels: int = 128,
    num_stacks: int = 3,
    num_modules_per_stack: int = 3,
    vertex_order: str = "given",
) -> NB101Network:
    """The NB101 network of ``arch`` (an ``NB101Arch``).

    Where the channel split leaves a remainder, the vertex order decides which
    vertices get the extra channel, so isomorphic specs in different orders can
    differ by a few parameters (33 of the 500 Suite-Zero cells do). The benchmark
    trained the spec as stored in its dataset; ``vertex_order="given"`` (default)
    keeps the order of the notation passed to ``build_model`` (pruned like the
    official ``ModelSpec``), ``"canonical"`` uses the space's canonical order (also
    what an ``NB101Arch`` input gives, as it only stores that order).
    """
    one_of("vertex_order", vertex_order, ("given", "canonical"))
    spec = given_order_spec(notation) if vertex_order == "given" else None
    matrix, ops = spec if spec is not None else (arch.matrix, arch.ops)
    return NB101Network(matrix, ops, num_classes=num_classes, in_channels=in_channels,
                        stem_channels=stem_channels, num_stacks=num_stacks,
                        num_modules_per_stack=num_modules_per_stack)


def presets() -> dict[str, dict[str, Any]]:
    """NB101's one configuration (CIFAR-10, 32x32)."""
    return {"cifar10": {"config": {"num_classes": 10}, "input_shape": (3, 32, 32),
                        "about": "NAS-Bench-101 network (stem 128, 3 stacks x 3 modules)"}}
