"""NAS-Bench-Graph GNNs: forward on a real bundled graph, exact ``para`` on sampled archs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models import build_model, count_flops, count_params, list_model_presets
from nasbench_kit.models.nbgraph import DATASETS
from nasbench_kit.spaces import get_space
from nasbench_kit.tables._safe_pickle import safe_load
from nasbench_kit.tables.convert.nbgraph_bench import installed_path

SPACE = get_space("nbgraph")


def _karate():
    from torch_geometric.datasets import KarateClub

    return KarateClub()[0]


def test_forward_on_karate_club_every_op():
    data = _karate()
    for ops in (["gat", "gcn", "gin", "cheb"], ["sage", "arma", "graph", "fc"],
                ["skip", "gcn", "skip", "fc"]):
        a = SPACE.from_spec([0, 1, 1, 2], ops)
        net = build_model(a, dataset="computers", in_features=data.num_features, num_classes=4)
        net.eval()
        assert net(data).shape == (data.num_nodes, 4)


def test_dataset_table_and_errors():
    assert set(list_model_presets("nbgraph")["nbgraph"]) == set(DATASETS)
    assert DATASETS["cora"][:2] == (1433, 7) and DATASETS["pubmed"][:2] == (500, 3)
    with pytest.raises(OutOfDomainError, match="dataset"):
        build_model(SPACE.sample(seed=0), dataset="reddit")
    with pytest.raises(OutOfDomainError, match="dropout"):
        build_model(SPACE.sample(seed=0), dropout=1.5)
    with pytest.raises(OutOfDomainError, match="even"):
        build_model(SPACE.sample(seed=0), hidden=33)
    with pytest.raises(OutOfDomainError, match="image network"):
        count_flops(build_model(SPACE.sample(seed=0), dataset="arxiv"), (3, 8, 8))


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "physics"])
def test_sampled_archs_match_recorded_para(dataset):
    table = safe_load(installed_path(dataset))
    keys = sorted(table)
    for key in np.random.default_rng(1).choice(len(keys), size=6, replace=False):
        a = SPACE.from_key(int(keys[key]))
        with torch.device("meta"):
            net = build_model(a, dataset=dataset)
        assert count_params(net) == round(table[keys[key]]["para"] * 1e6), a.to_string()


def test_same_seed_same_weights():
    a = SPACE.sample(seed=3)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        first = build_model(a, dataset="arxiv").state_dict()
        torch.manual_seed(0)
        second = build_model(a, dataset="arxiv").state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
