"""train_graph: full-batch node classification, deterministic, honest about its config."""

from __future__ import annotations

import math

import pytest
import torch

from nasbench_kit.datasets import graph_checksum
from nasbench_kit.errors import OutOfDomainError, TrainingError
from nasbench_kit.models import build_model, count_params
from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.graph import GRAPH_NEUTRAL, train_graph
from nasbench_kit.training.presets import get_preset
from nasbench_kit.training.trainer import seeded

ARCH = "0,0,1,1|gcn,gat,sage,cheb"


def _net(seed: int = 0, arch: str = ARCH):
    return seeded(lambda: build_model(arch, space="nbgraph", in_features=34, num_classes=4,
                                      hidden=16, pre_layers=0, post_layers=1, dropout=0.5),
                  seed)  # fmt: skip


def test_curves_counts_and_determinism(karate):
    cfg = get_preset("fast-karate").train.replace(epochs=30)
    x_before = karate.x.clone()
    a = train_graph(_net(), karate, cfg, seed=0, name="karate")
    b = train_graph(_net(), karate, cfg, seed=0, name="karate")
    c = train_graph(_net(1), karate, cfg, seed=1, name="karate")
    assert a.epochs == 30 and all(len(getattr(a, k)) == 30 for k in ("train_acc", "test_loss"))
    assert (a.train_loss, a.val_loss, a.test_acc) == (b.train_loss, b.val_loss, b.test_acc)
    assert a.train_loss != c.train_loss  # the seed matters (weights and dropout)
    assert a.train_loss[-1] < a.train_loss[0]  # it learns
    assert a.params == count_params(_net()) and math.isnan(a.flops)
    assert a.dataset == "karate" and a.data_checksum == graph_checksum(karate)
    assert a.config["batch_size"] == 0 and min(a.train_seconds) > 0
    assert torch.equal(karate.x, x_before)  # the caller's graph is not changed
    for acc in a.val_acc + a.test_acc:
        assert 0.0 <= acc <= 100.0 and acc * 8 / 100 == pytest.approx(round(acc * 8 / 100))


@pytest.mark.parametrize("field", sorted(GRAPH_NEUTRAL))
def test_image_only_settings_are_refused(karate, field):
    wrong = {"batch_size": 64, "augment": "crop-flip", "cutout": 4, "mixup_alpha": 0.2,
             "aux_weight": 0.4, "drop_path_prob": 0.2, "train_subset": 10, "eval_subset": 10,
             "resize": 8}[field]  # fmt: skip
    cfg = get_preset("fast-karate").train.replace(**{field: wrong})
    with pytest.raises(OutOfDomainError, match=field):
        train_graph(_net(), karate, cfg)


def test_bad_inputs_raise_our_errors(karate):
    cfg = get_preset("fast-karate").train.replace(epochs=2)
    with pytest.raises(OutOfDomainError, match="TrainConfig"):
        train_graph(_net(), karate, {"epochs": 2})
    with pytest.raises(OutOfDomainError, match="train_mask"):
        train_graph(_net(), karate.clone().update({"train_mask": None}), cfg)
    bad = karate.clone()
    bad.x = bad.x.clone()
    bad.x[0, 0] = float("inf")
    with pytest.raises(TrainingError, match="epoch 1"):
        train_graph(_net(), bad, cfg)


def test_batch_size_0_is_one_full_batch_for_images_too(digits):
    from nasbench_kit.training.trainer import train

    small = digits.subset(n_train=100, n_val=50, n_test=50, seed=0)
    build = lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))  # noqa: E731
    full = train(seeded(build, 0), small, TrainConfig(epochs=3, batch_size=0, lr=0.1), seed=0)
    same = train(seeded(build, 0), small, TrainConfig(epochs=3, batch_size=100, lr=0.1), seed=0)
    assert full.config["batch_size"] == 0 and full.train_loss == same.train_loss
