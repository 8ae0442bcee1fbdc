"""DARTS networks: presets, exact params against Suite-Zero / NB301 / DARTS, order invariance."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models import build_model, count_flops, count_params, list_model_presets
from nasbench_kit.models._darts_ops import DartsCell
from nasbench_kit.spaces import get_space

SPACE = get_space("darts")
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


def test_presets_listed_and_unknown_preset_rejected():
    assert set(list_model_presets("darts")["darts"]) == {"suitezero", "nb301", "darts"}
    with pytest.raises(OutOfDomainError, match="preset"):
        build_model(SPACE.sample(seed=0), preset="darts-imagenet")


def test_forward_small_and_auxiliary_head_in_training():
    a = SPACE.sample(seed=1)
    net = build_model(a, preset="nb301", C=4, num_classes=5)
    net.train()
    logits, aux = net(torch.randn(2, 3, 32, 32), return_aux=True)
    assert logits.shape == (2, 5) and aux is not None and aux.shape == (2, 5)
    net.eval()
    logits, aux = net(torch.randn(2, 3, 32, 32), return_aux=True)
    assert aux is None
    small = build_model(a, C=4, layers=3, in_channels=1)
    assert small(torch.randn(2, 1, 16, 16)).shape == (2, 10)


def test_darts_paper_network_has_darts_param_count():
    # DARTS' train.py logs "param size = 3.349342MB" for DARTS_V2 (auxiliary head excluded).
    net = build_model(SPACE.parse(DARTS_V2), preset="darts")
    assert count_params(net) - count_params(net.auxiliary_head) == 3_349_342


def test_nb301_training_record_param_count(shared_path):
    with open(shared_path("nb301/nb301_training_result_sample.json")) as fh:
        record = json.load(fh)
    config = record["optimized_hyperparamater_config"]
    prefix = "NetworkSelectorDatasetInfo:darts:"
    with torch.device("meta"):  # counting only: no memory, no initialisation cost
        net = build_model(SPACE.from_configspace(config), preset="nb301",
                          C=config[prefix + "init_channels"], layers=config[prefix + "layers"])
    assert count_params(net) == record["info"][0]["model_parameters"]


def test_sampled_suitezero_cells_match_recorded_params_and_flops(shared_path):
    with open(shared_path("nb301/naslib_zc_nasbench301.json")) as fh:
        cells = json.load(fh)["cifar10"]
    rng = np.random.default_rng(0)
    for i, key in enumerate(rng.choice(sorted(cells), size=25, replace=False)):
        with torch.device("meta"):
            net = build_model(SPACE.from_naslib(key))
        assert count_params(net) == round(cells[key]["params"]["score"] * 1e6), key
        if i < 3:
            flops = count_flops(build_model(SPACE.from_naslib(key)), (3, 32, 32))
            assert flops == pytest.approx(cells[key]["flops"]["score"], rel=1e-4), key


def test_swapping_the_two_inputs_of_every_node_changes_nothing():
    a = SPACE.sample(seed=5)
    pairs = list(a.normal)
    swapped = [pairs[i ^ 1] for i in range(8)]
    with torch.random.fork_rng():
        torch.manual_seed(0)
        cell = DartsCell(pairs, 8, 8, 4, reduction=False, reduction_prev=False, affine=True)
        other = DartsCell(swapped, 8, 8, 4, reduction=False, reduction_prev=False, affine=True)
    other.preprocess0.load_state_dict(cell.preprocess0.state_dict())
    other.preprocess1.load_state_dict(cell.preprocess1.state_dict())
    for i in range(8):
        other.ops[i ^ 1].load_state_dict(cell.ops[i].state_dict())
    cell.eval()
    other.eval()
    s0, s1 = torch.randn(2, 8, 6, 6), torch.randn(2, 8, 6, 6)
    assert torch.equal(cell(s0, s1), other(s0, s1))
    genotype = SPACE.to_genotype(a)
    flipped = genotype._replace(normal=swapped)
    assert SPACE.parse(flipped) == a


def test_same_seed_same_weights():
    a = SPACE.sample(seed=2)
    with torch.random.fork_rng():
        torch.manual_seed(7)
        first = build_model(a, C=4, layers=3).state_dict()
        torch.manual_seed(7)
        second = build_model(a, C=4, layers=3).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
