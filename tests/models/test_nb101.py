"""NB101 network: the official example's param count, Suite-Zero cells, vertex order."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models import build_model, count_flops, count_params
from nasbench_kit.models.nb101 import compute_vertex_channels
from nasbench_kit.spaces import get_space

SPACE = get_space("nb101")
# The Inception-like cell of nasbench's README (2,694,282 trainable parameters).
MATRIX = [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
          [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
          [0, 0, 0, 0, 0, 0, 0]]
OPS = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",
       "maxpool3x3", "output"]


def test_official_example_has_2694282_params():
    with torch.device("meta"):
        assert count_params(build_model({"matrix": MATRIX, "ops": OPS}, space="nb101")) == 2_694_282
        assert count_params(build_model(SPACE.from_spec(MATRIX, OPS))) == 2_694_282


def test_forward_small_config_and_odd_input_size():
    a = SPACE.sample(seed=4)
    net = build_model(a, stem_channels=8, num_stacks=3, num_modules_per_stack=1, in_channels=1)
    assert net(torch.randn(2, 1, 7, 7)).shape == (2, 10)
    tiny = build_model(SPACE.from_spec([[0, 1], [0, 0]], ["input", "output"]), stem_channels=4)
    assert tiny(torch.randn(1, 3, 8, 8)).shape == (1, 10)


def test_vertex_channels_split_and_unknown_order():
    chain = [[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert compute_vertex_channels(128, 256, chain) == [128, 256, 256, 256]
    fan = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0] * 5]
    assert compute_vertex_channels(64, 128, fan) == [64, 43, 43, 42, 128]
    with pytest.raises(OutOfDomainError, match="vertex_order"):
        build_model(SPACE.sample(seed=0), vertex_order="sorted")


def test_sampled_suitezero_cells_match_recorded_params(shared_path):
    with open(shared_path("nb101/naslib_zc_nasbench101.json")) as fh:
        cells = json.load(fh)["nasbench101"]["cifar10"]
    rng = np.random.default_rng(0)
    for i, key in enumerate(rng.choice(sorted(cells), size=25, replace=False)):
        notation = json.loads(key.replace("(", "[").replace(")", "]"))
        with torch.device("meta"):
            net = build_model(notation, space="nb101")
        assert count_params(net) == round(cells[key]["params"] * 1e6), key
        if i < 2:
            net = build_model(notation, space="nb101")
            assert count_flops(net, (3, 32, 32)) == pytest.approx(cells[key]["flops"], rel=1e-4)


def test_vertex_order_decides_who_gets_the_extra_channel():
    # 3 conv vertices feed the output; 128 = 43 + 43 + 42 goes to the first two in order.
    matrix = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0] * 5]
    a_ops = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "conv1x1-bn-relu", "output"]
    b_ops = ["input", "conv1x1-bn-relu", "conv1x1-bn-relu", "conv3x3-bn-relu", "output"]
    assert SPACE.from_spec(matrix, a_ops) == SPACE.from_spec(matrix, b_ops)
    with torch.device("meta"):
        na = build_model((matrix, a_ops), space="nb101")
        nb = build_model((matrix, b_ops), space="nb101")
        canon = build_model((matrix, b_ops), space="nb101", vertex_order="canonical")
    assert count_params(na) != count_params(nb)
    assert count_params(canon) in (count_params(na), count_params(nb))
