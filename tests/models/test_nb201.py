"""NB201 network: shapes, exact params/FLOPs against the recorded cells, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models import build_model, count_flops, count_params
from nasbench_kit.spaces import get_space

SPACE = get_space("nb201")
DATASETS = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}


@pytest.fixture(scope="module")
def zc(shared_path):
    with open(shared_path("nb201/naslib_zc_nasbench201.json")) as fh:
        return json.load(fh)


def test_forward_shape_small_config():
    a = SPACE.sample(seed=3)
    net = build_model(a, num_classes=7, in_channels=1, C=4, N=1)
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 7)


def test_string_needs_space_and_unknown_keyword_is_rejected():
    s = SPACE.from_index(1).to_string()
    with pytest.raises(OutOfDomainError, match="space="):
        build_model(s)
    assert count_params(build_model(s, space="nb201")) > 0
    with pytest.raises(OutOfDomainError, match="layers"):
        build_model(s, space="nb201", layers=3)
    with pytest.raises(OutOfDomainError, match="C="):
        build_model(s, space="nb201", C=0)


def test_index0_matches_nb201_own_cost_info():
    # NB201's API reports params 0.129306 / 0.135156 / 0.136456 M and 15.64737 MFLOPs (CIFAR-10).
    a = SPACE.from_index(0)
    counts = [count_params(build_model(a, num_classes=c)) for c, _ in DATASETS.values()]
    assert counts == [129306, 135156, 136456]
    flops = count_flops(build_model(a), (3, 32, 32), convention="nb201")
    assert flops == pytest.approx(15.64737, rel=1e-9)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_sampled_cells_match_recorded_params_and_flops(zc, dataset):
    classes, size = DATASETS[dataset]
    keys = sorted(zc[dataset])
    rng = np.random.default_rng(0)
    for i, key in enumerate(rng.choice(keys, size=25, replace=False)):
        rec = zc[dataset][key]
        arch = SPACE.from_naslib(json.loads(key.replace("(", "[").replace(")", "]")))
        with torch.device("meta"):  # counting only: no memory, no initialisation cost
            assert count_params(build_model(arch, num_classes=classes)) == round(
                rec["params"]["score"] * 1e6), key
        if i < 5:  # FLOPs need a forward pass: fewer (all 725 in benchmarks/model_params.py)
            flops = count_flops(build_model(arch, num_classes=classes), (3, size, size))
            assert flops == pytest.approx(rec["flops"]["score"], rel=1e-4), key


def test_same_seed_same_weights_and_zero_ops_give_zero_cell():
    a = SPACE.from_string("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        first = build_model(a, C=4, N=1).state_dict()
        torch.manual_seed(0)
        second = build_model(a, C=4, N=1).state_dict()
        torch.manual_seed(1)
        third = build_model(a, C=4, N=1).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], third[k]) for k in first)
    state = torch.random.get_rng_state()
    seeded = build_model(a, C=4, N=1, seed=0).state_dict()
    assert torch.equal(state, torch.random.get_rng_state())  # global RNG untouched
    assert all(torch.equal(first[k], seeded[k]) for k in first)
    with pytest.raises(OutOfDomainError, match="seed"):
        build_model(a, seed=-1)
    cell = build_model(a, C=4, N=1).cells[0]
    assert torch.count_nonzero(cell(torch.randn(1, 4, 5, 5))) == 0
