"""DARTS-space networks (NAS-Bench-301 cells), three named configurations.

The macro network is DARTS' ``NetworkCIFAR``: a stem ``Conv3x3(in, 3C) + BN``;
``layers`` cells, the ones at ``layers // 3`` and ``2 * layers // 3`` being
reduction cells (stride 2, channels doubled); each cell preprocesses its two
inputs (the previous two cell outputs) with ReLU-Conv1x1-BN, or FactorizedReduce
after a reduction; global average pooling and a linear classifier on ``4C'``
channels. With ``auxiliary=True`` an auxiliary head (DARTS' ``AuxiliaryHeadCIFAR``,
for 8x8 maps) reads the output of cell ``2 * layers // 3`` during training.

Presets (``list_model_presets()["darts"]``):

- ``"suitezero"`` (default): the network on which NAS-Bench-Suite-Zero recorded
  the ``params``/``flops`` of the NB301 cells -- NASLib's ``NasBench301SearchSpace``
  graph: C=32, 8 cells, stem multiplier 3, no auxiliary head, **non-affine BN
  inside the cell operations** (affine BN in the stem and the preprocessing),
  a non-affine BN after each pooling op, classifier Linear(512, classes).
- ``"nb301"``: NAS-Bench-301's training network (its data-generation config):
  C=32, 8 cells, auxiliary head, drop-path 0.2, affine BN everywhere.
- ``"darts"``: the DARTS paper's CIFAR-10 evaluation network: C=36, 20 cells,
  auxiliary head, drop-path 0.2, affine BN everywhere.

The two inputs of a node are summed, so the network does not depend on their
order (the space canonicalises it anyway).

>>> import torch
>>> from nasbench_kit.spaces import get_space
>>> a = get_space("darts").sample(seed=0)
>>> net = DartsNetwork(a.normal, a.reduce, C=8, layers=3)
>>> tuple(net(torch.zeros(2, 3, 16, 16)).shape)
(2, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nasbench_kit.models._checks import one_of, positive_int, probability
from nasbench_kit.models._darts_ops import DartsCell

PRESETS: dict[str, dict[str, Any]] = {
    "suitezero": {"C": 32, "layers": 8, "stem_multiplier": 3, "auxiliary": False,
                  "drop_path_prob": 0.0, "affine": False, "pool_bn": True},
    "nb301": {"C": 32, "layers": 8, "stem_multiplier": 3, "auxiliary": True,
              "drop_path_prob": 0.2, "affine": True, "pool_bn": False},
    "darts": {"C": 36, "layers": 20, "stem_multiplier": 3, "auxiliary": True,
              "drop_path_prob": 0.2, "affine": True, "pool_bn": False},
}

Pairs = Sequence[tuple[str, int]]


class AuxiliaryHead(nn.Module):
    """DARTS' ``AuxiliaryHeadCIFAR`` (expects 8x8 feature maps)."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(channels, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class DartsNetwork(nn.Module):
    """DARTS ``NetworkCIFAR`` for one (normal, reduce) genotype; see the module docstring.

    ``forward(x, return_aux=False)`` returns logits; with ``return_aux=True`` in
    training mode it returns ``(logits, aux_logits)`` (``aux_logits`` is None
    without an auxiliary head or in eval mode). ``drop_path_prob`` is an
    attribute (schedules change it per epoch); its masks draw from
    ``self.generator`` when set (a ``torch.Generator``), else torch's default RNG.
    """

    def __init__(
        self,
        normal: Pairs,
        reduce: Pairs,
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        C: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        auxiliary: bool = False,
        drop_path_prob: float = 0.0,
        affine: bool = True,
        pool_bn: bool = False,
    ) -> None:
        super().__init__()
        num_classes = positive_int("num_classes", num_classes)
        C = positive_int("C", C)
        layers = positive_int("layers", layers, minimum=3)
        self.drop_path_prob = probability("drop_path_prob", drop_path_prob)
        self.generator: torch.Generator | None = None
        stem_c = positive_int("stem_multiplier", stem_multiplier) * C
        self.stem = nn.Sequential(
            nn.Conv2d(positive_int("in_channels", in_channels), stem_c, 3, padding=1, bias=False),
            nn.BatchNorm2d(stem_c),
        )
        self.aux_index = 2 * layers // 3
        reductions = {layers // 3, 2 * layers // 3}
        c_pp, c_p, c_cur = stem_c, stem_c, C
        c_aux = c_p
        cells: list[DartsCell] = []
        reduction_prev = False
        for i in range(layers):
            reduction = i in reductions
            c_cur = c_cur * 2 if reduction else c_cur
            cell = DartsCell(reduce if reduction else normal, c_pp, c_p, c_cur,
                             reduction=reduction, reduction_prev=reduction_prev,
                             affine=affine, pool_bn=pool_bn)
            cells.append(cell)
            reduction_prev = reduction
            c_pp, c_p = c_p, cell.multiplier * c_cur
            if i == self.aux_index:
                c_aux = c_p
        self.cells = nn.ModuleList(cells)
        self.auxiliary_head = AuxiliaryHead(c_aux, num_classes) if auxiliary else None
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, num_classes)

    def forward(
        self, x: torch.Tensor, return_aux: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]:
        s0 = s1 = self.stem(x)
        aux: torch.Tensor | None = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob, self.generator)
            if i == self.aux_index and self.auxiliary_head is not None and self.training:
                aux = self.auxiliary_head(s1)
        logits = self.classifier(self.global_pooling(s1).flatten(1))
        return (logits, aux) if return_aux else logits


def build(
    arch: Any,
    notation: Any = None,
    *,
    preset: str = "suitezero",
    num_classes: int = 10,
    in_channels: int = 3,
    C: int | None = None,
    layers: int | None = None,
    stem_multiplier: int | None = None,
    auxiliary: bool | None = None,
    drop_path_prob: float | None = None,
    affine: bool | None = None,
    pool_bn: bool | None = None,
) -> DartsNetwork:
    """The DARTS network of ``arch`` (a ``DartsArch``): ``preset`` values, then any
    keyword given explicitly (``None`` keeps the preset's value)."""
    settings = dict(PRESETS[one_of("preset", preset, tuple(PRESETS))])
    overrides = {"C": C, "layers": layers, "stem_multiplier": stem_multiplier,
                 "auxiliary": auxiliary, "drop_path_prob": drop_path_prob,
                 "affine": affine, "pool_bn": pool_bn}
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return DartsNetwork(arch.normal, arch.reduce, num_classes=num_classes,
                        in_channels=in_channels, **settings)


def presets() -> dict[str, dict[str, Any]]:
    """The three DARTS configurations (32x32 inputs)."""
    about = {
        "suitezero": "NASLib NB301 graph on which NAS-Bench-Suite-Zero counted params/FLOPs",
        "nb301": "NAS-Bench-301 training network (its data-generation config)",
        "darts": "DARTS paper CIFAR-10 evaluation network",
    }
    return {name: {"config": {"preset": name, **cfg}, "input_shape": (3, 32, 32),
                   "about": about[name]} for name, cfg in PRESETS.items()}
