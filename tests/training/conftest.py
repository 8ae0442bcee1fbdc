"""Shared fixtures for the training tests: digits, a tiny preset, a private store."""

from __future__ import annotations

import pytest

from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.presets import Preset

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture(scope="session")
def digits():
    from nasbench_kit.datasets import load_dataset

    return load_dataset("digits", seed=0)


@pytest.fixture(scope="session")
def tiny_preset() -> Preset:
    """NB201 family at C=4, N=1; 2 epochs on 256 digits: well under a second per run."""
    cfg = TrainConfig(epochs=2, batch_size=64, lr=0.05, optimizer="sgd", momentum=0.9,
                      nesterov=True, weight_decay=5e-4, schedule="cosine",
                      schedule_unit="iteration", train_subset=256, eval_subset=128)  # fmt: skip
    return Preset("tiny-digits", "nb201", cfg, {"C": 4, "N": 1}, "tests", "tiny")


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "live" / "results.sqlite"


@pytest.fixture(scope="session")
def tiny_graph_preset() -> Preset:
    """NB-Graph network at hidden 8; 5 full-batch epochs: a few milliseconds on KarateClub."""
    cfg = TrainConfig(epochs=5, batch_size=0, lr=0.02, optimizer="adam", weight_decay=5e-4,
                      schedule="constant", augment="none")  # fmt: skip
    model = {"hidden": 8, "pre_layers": 0, "post_layers": 1, "dropout": 0.5}
    return Preset("tiny-karate", "nbgraph", cfg, model, "tests", "tiny")


@pytest.fixture(scope="session")
def karate():
    from nasbench_kit.datasets import load_graph

    return load_graph("karate", seed=0)
