"""dataset_info: facts equal what the loaders and the NB-Graph model table say."""

from __future__ import annotations

import pytest

from nasbench_kit.datasets import dataset_info, list_datasets, load_dataset, load_graph
from nasbench_kit.errors import OutOfDomainError


def test_image_facts_match_the_loaded_data() -> None:
    d = load_dataset("digits", seed=0)
    info = dataset_info("digits")
    assert (info.kind, info.num_classes, info.input_shape) == (
        "image",
        d.num_classes,
        d.input_shape,
    )
    for name in list_datasets():
        info = dataset_info(name.upper())
        assert info.name == name and info.kind == "image" and len(info.input_shape) == 3
    assert dataset_info("cifar-100").num_classes == 100


def test_graph_facts_match_karate_and_the_nbgraph_table() -> None:
    from nasbench_kit.models.nbgraph import DATASETS

    g = load_graph("karate", seed=0)
    info = dataset_info(" Karate ")
    assert info.kind == "graph" and info.input_shape == (g.x.shape[1],)
    assert info.num_classes == int(g.y.max()) + 1
    for name in ("cora", "citeseer", "pubmed"):
        info = dataset_info(name)
        assert (info.input_shape, info.num_classes) == (
            (DATASETS[name].in_features,),
            DATASETS[name].num_classes,
        )


@pytest.mark.parametrize("bad", ["imagenet", "", None, 3])
def test_unknown_names_list_both_kinds(bad) -> None:
    with pytest.raises(OutOfDomainError, match="graphs: karate"):
        dataset_info(bad)
