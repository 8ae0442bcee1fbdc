"""Presets and TrainConfig: published values, stable hashes, validation."""

from __future__ import annotations

import pickle

import pytest

from nasbench_kit.errors import NasBenchKitError, OutOfDomainError
from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.presets import config_hash, default_preset, get_preset, list_presets


def test_nb201_presets_match_the_published_config_files():
    for name, epochs in (("nb201-200", 200), ("nb201-12", 12)):
        p = get_preset(name)
        c = p.train
        assert (c.optimizer, c.lr, c.momentum, c.nesterov, c.weight_decay) == (
            "sgd",
            0.1,
            0.9,
            True,
            5e-4,
        )
        assert (c.schedule, c.eta_min, c.batch_size, c.epochs) == ("cosine", 0.0, 256, epochs)
        assert (c.augment, c.crop_padding) == ("crop-flip", 4)
        assert dict(p.model) == {"C": 16, "N": 5}


def test_other_protocols():
    nb101 = get_preset("nb101-108").train
    assert (nb101.optimizer, nb101.eps, nb101.weight_decay, nb101.epochs) == (
        "rmsprop-tf",
        1.0,
        1e-4,
        108,
    )
    assert nb101.schedule_unit == "iteration"
    nb301 = get_preset("nb301").train
    assert (nb301.batch_size, nb301.lr, nb301.cutout, nb301.grad_clip, nb301.mixup_alpha) == (
        96, 0.025, 16, 5.0, 0.2)  # fmt: skip
    assert get_preset("nb301").model["C"] == 32


def test_fast_presets_are_the_nb201_family_made_smaller():
    for name in ("fast-digits", "fast-fashion-mnist"):
        p = get_preset(name)
        assert p.space == "nb201" and p.model["C"] < 16 and p.model["N"] < 5
    assert default_preset("nb201", "digits").name == "fast-digits"
    assert default_preset("nb201", "fashion-mnist").name == "fast-fashion-mnist"


def test_every_preset_hashes_stably_and_differently():
    hashes = {name: config_hash(get_preset(name)) for name in list_presets()}
    assert len(set(hashes.values())) == len(hashes)
    assert all(len(h) == 64 for h in hashes.values())
    again = {
        name: config_hash(pickle.loads(pickle.dumps(get_preset(name)))) for name in list_presets()
    }
    assert again == hashes
    p = get_preset("fast-digits")
    assert config_hash(p, epochs=5) == config_hash(p.replace(epochs=5))
    assert config_hash(p, epochs=5) != hashes["fast-digits"]
    assert config_hash(p, model={"C": 4}) != hashes["fast-digits"]
    # The name is not part of the hash: only what is trained.
    assert config_hash(type(p)("renamed", p.space, p.train, p.model)) == hashes["fast-digits"]


def test_config_round_trip_and_replace():
    c = get_preset("nb301").train
    assert TrainConfig.from_dict(c.to_dict()) == c
    assert c.replace(epochs=5).epochs == 5 and c.epochs == 100


@pytest.mark.parametrize(
    "changes",
    [{"epochs": 0}, {"epochs": 2.5}, {"batch_size": 1}, {"lr": -0.1}, {"optimizer": "lion"},
     {"schedule": "poly"}, {"nesterov": True, "optimizer": "adam"}, {"grad_clip": 0.0},
     {"augment": "autoaugment"}, {"milestones": (5, 2)}, {"train_subset": 1}, {"no_such": 1}],
)  # fmt: skip
def test_bad_config_values_raise_our_error(changes):
    with pytest.raises(OutOfDomainError):
        get_preset("fast-digits").train.replace(**changes)


def test_unknown_preset_and_default():
    with pytest.raises(OutOfDomainError, match="fast-digits"):
        get_preset("nb999")
    with pytest.raises(NasBenchKitError, match="preset="):
        default_preset("nb101", "digits")
