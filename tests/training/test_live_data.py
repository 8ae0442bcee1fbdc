"""LiveEvaluator on graphs (NB-Graph) and on data objects; an empty validation split."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nasbench_kit.datasets import ImageData, graph_checksum
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.training.live import LiveEvaluator

G1, G2 = "0,0,1,1|gcn,gat,sage,cheb", "0,1,2,3|gin,arma,graph,fc"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture
def glive(tiny_graph_preset, store_path):
    return LiveEvaluator("nbgraph", dataset="karate", preset=tiny_graph_preset, store=store_path)


def test_nbgraph_contract_and_provenance(glive, karate):
    check_evaluator(glive, [G1, G2], "val_acc", kinds=("live",))
    r = glive.query(G1, "test_acc", fidelity=3)
    assert r.fidelity == 3.0 and 0 <= r.value <= 100 and r.cost > 0
    assert (
        f"nbgraph karate preset=tiny-karate epochs=5 seed=0 data_sha={graph_checksum(karate)[:12]}"
        in r.provenance
    )
    model = glive.preset.model
    assert (model["in_features"], model["num_classes"], model["hidden"]) == (34, 4, 8)
    bench = glive.to_benchmark()
    assert bench.space.name == "nbgraph" and len(bench) == 2
    assert bench.query(G1, "val_acc").value == pytest.approx(glive.query(G1, "val_acc").value)


def test_own_graph_object_with_a_name(glive, karate, tmp_path):
    own = LiveEvaluator("nbgraph", dataset=karate.clone(), dataset_name="my-karate",
                        preset=glive.preset, store=tmp_path / "own.sqlite")  # fmt: skip
    a, b = own.record(G1).result, glive.record(G1).result
    assert (a.val_loss, a.train_loss) == (b.val_loss, b.train_loss)  # same data, same seed
    assert (
        own.dataset == "my-karate"
        and "live:nbgraph my-karate " in own.query(G1, "val_acc").provenance
    )
    assert own.record(G1).key.data_checksum == graph_checksum(karate)
    with pytest.raises(OutOfDomainError, match="dataset_name"):
        LiveEvaluator("nbgraph", dataset=karate, store=tmp_path / "x.sqlite")
    with pytest.raises(OutOfDomainError, match="dataset_name"):
        LiveEvaluator("nbgraph", dataset="karate", dataset_name="k", store=tmp_path / "x.sqlite")


def test_graph_network_sizes_follow_the_benchmark_dataset(tmp_path):
    from torch_geometric.data import Data

    from nasbench_kit.models.nbgraph import DATASETS

    n = 12
    mask = lambda idx: torch.isin(torch.arange(n), torch.tensor(idx))  # noqa: E731
    fake_cora = Data(x=torch.rand(n, 1433), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]),
                     y=torch.arange(n) % 7, train_mask=mask([0, 1, 2, 3, 4, 5, 6]),
                     val_mask=mask([7, 8]), test_mask=mask([9, 10, 11]))  # fmt: skip
    live = LiveEvaluator(
        "nbgraph", dataset=fake_cora, dataset_name="cora", store=tmp_path / "c.sqlite"
    )
    want = DATASETS["cora"]
    assert live.preset.name == "nbgraph-gcn" and live.preset.train.epochs == 200
    assert {k: live.preset.model[k] for k in ("hidden", "pre_layers", "post_layers", "dropout")} == {
        "hidden": want.hidden, "pre_layers": want.pre_layers, "post_layers": want.post_layers,
        "dropout": want.dropout}  # fmt: skip
    assert live.preset.model["in_features"] == 1433 and live.preset.model["num_classes"] == 7


@pytest.mark.parametrize(
    "space, dataset, kw",
    [("nb201", "karate", {}), ("nbgraph", "digits", {}), ("nbgraph", "karate", {"preset": "fast-digits"}),
     ("nbgraph", "karate", {"model_config": {"in_features": 3}}), ("nbgraph", 42, {}),
     ("nbgraph", "karate", {"preset": "nbgraph-gcn", "epochs": 0})],
)  # fmt: skip
def test_mismatches_are_refused(space, dataset, kw, tmp_path):
    with pytest.raises(OutOfDomainError):
        LiveEvaluator(space, dataset=dataset, store=tmp_path / "m.sqlite", **kw)


def test_graph_presets_are_labelled(tmp_path):
    from nasbench_kit.training.presets import get_preset

    p = get_preset("nbgraph-gcn")
    t = p.train
    assert (t.optimizer, t.lr, t.weight_decay, t.epochs, t.batch_size) == (
        "adam",
        0.01,
        5e-4,
        200,
        0,
    )
    assert "NOT" in p.source and "standard" in p.source
    assert (
        LiveEvaluator("nbgraph", dataset="karate", store=tmp_path / "d.sqlite").preset.name
        == "fast-karate"
    )


def _no_val_digits(digits) -> ImageData:
    x, y = digits.train
    empty = (np.zeros((0, *digits.input_shape), np.float32), np.zeros(0, np.int64))
    return ImageData("digits-noval", 10, digits.input_shape, "ab" * 32, (x[:256], y[:256]),
                     empty, digits.test, "tests: digits without a validation split")  # fmt: skip


def test_an_empty_validation_split_gives_nan_val_metrics(digits, tiny_preset, tmp_path):
    data = _no_val_digits(digits)
    live = LiveEvaluator("nb201", dataset=data, preset=tiny_preset, store=tmp_path / "v.sqlite")
    for metric in ("val_acc", "val_loss"):
        assert math.isnan(live.query(CELL, metric).value)
    assert (
        0 < live.query(CELL, "test_acc").value <= 100 and live.query(CELL, "train_loss").value > 0
    )
    # stored as JSON null, read back as NaN by a fresh evaluator
    fresh = LiveEvaluator("nb201", dataset=data, preset=tiny_preset, store=tmp_path / "v.sqlite")
    fresh._train_one = lambda *a: pytest.fail("must be a store hit")
    rec = fresh.record(CELL)
    assert all(math.isnan(v) for v in rec.result.val_acc) and fresh.store.verify() == (1, 0)
    assert '"val_acc":[null,null]' in rec.to_json()
    assert math.isnan(fresh.to_benchmark().query(CELL, "val_acc").value)
