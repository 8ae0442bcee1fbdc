"""count_params / count_flops on tiny networks, checked by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models import count_flops, count_params


def _net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=True),   # 3*3*2*4*36 + 4*36
        nn.BatchNorm2d(4),                          # 2 * 4*36
        nn.ReLU(),                                  # 4*36
        nn.MaxPool2d(2),                            # 4*3*3*4
        nn.AdaptiveAvgPool2d(1),                    # 4*(3+1)*(3+1)
        nn.Flatten(),
        nn.Linear(4, 3),                            # 4*3 (+3 bias only in nb201)
    )


def test_params_count_trainable_only():
    net = _net()
    assert count_params(net) == (2 * 4 * 9 + 4) + 8 + (4 * 3 + 3)
    net[0].weight.requires_grad_(False)
    assert count_params(net) == 4 + 8 + 15


def test_flops_by_hand_both_conventions():
    net = _net().train()
    suite = 3 * 3 * 2 * 4 * 36 + 4 * 36 + 2 * 144 + 144 + 4 * 9 * 4 + 4 * 16 + 12
    assert count_flops(net, (2, 6, 6)) * 1e6 == pytest.approx(suite)
    nb201 = 3 * 3 * 2 * 4 * 36 + 4 * 36 + 12 + 3
    assert count_flops(net, (1, 2, 6, 6), convention="nb201") * 1e6 == pytest.approx(nb201)
    assert net.training  # mode restored


def test_suitezero_counts_a_reused_module_once_nb201_every_call():
    conv = nn.Conv2d(1, 1, 1, bias=False)
    net = nn.Sequential(conv, conv)
    assert count_flops(net, (1, 2, 2)) * 1e6 == pytest.approx(4)
    assert count_flops(net, (1, 2, 2), convention="nb201") * 1e6 == pytest.approx(8)


def test_bad_arguments_raise_package_errors():
    with pytest.raises(OutOfDomainError, match="convention"):
        count_flops(_net(), (2, 6, 6), convention="thop")
    with pytest.raises(OutOfDomainError, match="input_shape"):
        count_flops(_net(), (6, 6))
    assert torch.is_grad_enabled()
