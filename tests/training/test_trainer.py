"""The trainer: determinism, restored global state, errors, augmentation, optimisers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError, TrainingError
from nasbench_kit.models import build_model
from nasbench_kit.spaces import get_space
from nasbench_kit.training.augment import cutout, hflip, random_crop
from nasbench_kit.training.config import TrainConfig
from nasbench_kit.training.optim import RMSPropTF, lr_at
from nasbench_kit.training.trainer import seeded, train

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _run(digits, preset, seed, **changes):
    arch = get_space("nb201").from_string(CELL)
    net = seeded(lambda: build_model(arch, in_channels=1, **preset.model), seed)
    return train(
        net, digits, preset.train.replace(**changes) if changes else preset.train, seed=seed
    )


def test_same_seed_identical_numbers_different_seed_differs(digits, tiny_preset):
    a = _run(digits, tiny_preset, 0, augment="crop-flip", crop_padding=1)
    b = _run(digits, tiny_preset, 0, augment="crop-flip", crop_padding=1)
    c = _run(digits, tiny_preset, 1, augment="crop-flip", crop_padding=1)
    curves = ("train_acc", "train_loss", "val_acc", "val_loss", "test_acc", "test_loss")
    assert all(getattr(a, k) == getattr(b, k) for k in curves)
    assert a.train_loss != c.train_loss
    assert a.epochs == 2 and a.params == b.params > 0 and a.flops > 0
    assert all(0.0 <= v <= 100.0 for v in a.val_acc + a.test_acc + a.train_acc)
    assert a.config == tiny_preset.train.replace(augment="crop-flip", crop_padding=1).to_dict()
    assert a.dataset == "digits" and a.data_checksum == digits.checksum and a.seed == 0
    assert all(s > 0 for s in a.train_seconds) and a.seconds >= sum(a.train_seconds)


def test_global_torch_state_is_restored(digits, tiny_preset):
    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    rng = torch.get_rng_state()
    _run(digits, tiny_preset, 3, epochs=1)
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == det
    assert torch.equal(torch.get_rng_state(), rng)


class _NaNNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.full((64, 10), float("nan")))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.w


def test_nan_loss_raises_training_error(digits):
    cfg = TrainConfig(epochs=1, batch_size=64, lr=0.1, train_subset=128)
    with pytest.raises(TrainingError, match="lower the learning rate"):
        train(_NaNNet(), digits, cfg)


@pytest.mark.parametrize("kw", [{"seed": -1}, {"seed": 1.5}, {"device": "tpu"}, {"threads": 0}])
def test_bad_arguments(digits, tiny_preset, kw):
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with pytest.raises(OutOfDomainError):
        train(net, digits, tiny_preset.train, **kw)
    with pytest.raises(OutOfDomainError, match="TrainConfig"):
        train(net, digits, {"epochs": 1})  # type: ignore[arg-type]


def test_mixup_cutout_clip_and_aux_paths_run(digits, tiny_preset):
    r = _run(digits, tiny_preset, 0, epochs=1, mixup_alpha=0.2, cutout=4, grad_clip=5.0,
             label_smoothing=0.1, optimizer="adamw", nesterov=False, lr=0.01)  # fmt: skip
    assert math.isfinite(r.train_loss[0])
    with pytest.raises(TrainingError, match="return_aux"):
        _run(digits, tiny_preset, 0, epochs=1, aux_weight=0.4)


def test_resize_changes_the_input_size_and_bad_sizes_are_our_error(digits, tiny_preset):
    small = _run(digits, tiny_preset, 0, epochs=1)
    big = _run(digits, tiny_preset, 0, epochs=1, resize=16)
    assert big.flops > 2 * small.flops and big.params == small.params
    with pytest.raises(TrainingError, match="divisible by 4"):
        _run(digits, tiny_preset, 0, epochs=1, resize=10)


def test_random_crop_is_a_shifted_window():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5)
    out = random_crop(x, 2, torch.full((3,), -1.0), g)
    assert out.shape == x.shape
    for img, src in zip(out, x):  # every kept pixel comes from the source or the fill
        vals = set(img.flatten().tolist())
        assert vals <= set(src.flatten().tolist()) | {-1.0}
    assert torch.equal(random_crop(x, 0, torch.zeros(3), g), x)
    assert torch.equal(hflip(x, g, p=0.0), x)


def test_cutout_zeroes_one_square():
    g = torch.Generator().manual_seed(1)
    x = torch.ones(4, 1, 16, 16)
    out = cutout(x, 4, g)
    zeros = (out == 0).sum(dim=(1, 2, 3))
    assert ((zeros > 0) & (zeros <= 16)).all()


def test_rmsprop_tf_matches_its_formula():
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = RMSPropTF([p], lr=0.1, rho=0.9, momentum=0.5, eps=1.0, weight_decay=0.0)
    p.grad = torch.tensor([0.5, 1.0])
    opt.step()
    ms = 0.9 * 1.0 + 0.1 * np.array([0.25, 1.0])
    expect = np.array([1.0, -2.0]) - 0.1 * np.array([0.5, 1.0]) / np.sqrt(ms + 1.0)
    assert np.allclose(p.detach().numpy(), expect)


def test_schedules():
    c = TrainConfig(epochs=4, batch_size=8, lr=1.0, schedule="step", milestones=(2, 3), gamma=0.5)
    assert [lr_at(c, t) for t in (0, 1.9, 2, 3.5)] == [1.0, 1.0, 0.5, 0.25]
    cos = TrainConfig(epochs=4, batch_size=8, lr=1.0, eta_min=0.2)
    assert lr_at(cos, 0) == 1.0 and math.isclose(lr_at(cos, 4), 0.2)
    assert lr_at(TrainConfig(epochs=4, batch_size=8, lr=0.3, schedule="constant"), 3.3) == 0.3
