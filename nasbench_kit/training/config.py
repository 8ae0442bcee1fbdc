"""``TrainConfig``: every hyper-parameter of one training run, explicit and frozen.

A config is plain data (no torch): the trainer reads it, the result records it
(``to_dict``), and the result store keys results by its hash
(:func:`nasbench_kit.training.presets.config_hash`). Values are validated on
construction; a bad value raises :class:`~nasbench_kit.errors.OutOfDomainError`
naming the field, the rule and a valid example.

Fields
------
- ``epochs``, ``batch_size``: training length and minibatch size. The last
  minibatch of an epoch is dropped only when it would hold a single example
  (batch norm cannot train on one). ``batch_size=0`` means full batch: one
  step per epoch on the whole training set (the graph trainer's only mode).
- ``optimizer``: ``"sgd"`` (``momentum``, ``nesterov``), ``"adam"`` / ``"adamw"``
  (``betas``, ``eps``), ``"rmsprop-tf"`` (TensorFlow's RMSProp as nasbench used
  it: mean square initialised to 1, ``eps`` inside the square root,
  ``rms_decay`` and ``momentum``). ``weight_decay`` is added to the gradient of
  every parameter (L2), as each benchmark did.
- ``lr``, ``schedule`` (``"cosine"``: ``eta_min + (lr - eta_min)(1 + cos(pi t / epochs)) / 2``;
  ``"step"``: ``lr * gamma ** #(milestones <= t)``; ``"constant"``) and
  ``schedule_unit``: ``"epoch"`` (``t`` = epoch index, fixed for the epoch) or
  ``"iteration"`` (``t`` = epoch + batch / batches per epoch).
- ``label_smoothing``, ``grad_clip`` (max global L2 norm, or None),
  ``aux_weight`` (weight of an auxiliary head's loss; the network must accept
  ``return_aux=True``), ``drop_path_prob`` (set on networks that have a
  ``drop_path_prob`` attribute, scaled linearly ``p * epoch / epochs`` as DARTS did).
- Augmentation (training only, torch ops, seeded): ``augment`` ``"none"`` or
  ``"crop-flip"`` (pad ``crop_padding`` pixels with each channel's darkest
  value, random crop back, random horizontal flip), ``cutout`` (side of one
  zeroed square, 0 = off) and ``mixup_alpha`` (0 = off).
- Data budget: ``train_subset`` / ``eval_subset`` (None = all) use a fixed
  subset of the training / validation and test examples that does not depend
  on the training seed (a permutation seeded with 0), so different seeds see
  the same data. ``resize`` rescales every image (train, val and test) once,
  before training, to ``resize x resize`` pixels (antialiased bilinear; None =
  off): a CPU-sized preset's way to cut the cost of large images.
  ``eval_batch_size`` only affects speed.

>>> c = TrainConfig(epochs=2, batch_size=64, lr=0.05)
>>> c.to_dict()["optimizer"], TrainConfig.from_dict(c.to_dict()) == c
('sgd', True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasbench_kit.errors import OutOfDomainError

__all__ = ["OPTIMIZERS", "SCHEDULES", "TrainConfig"]

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "adamw", "rmsprop-tf")
SCHEDULES: tuple[str, ...] = ("cosine", "step", "constant")
_UNITS = ("epoch", "iteration")
_AUGMENTS = ("none", "crop-flip")


def _bad(name: str, value: Any, rule: str, example: str) -> OutOfDomainError:
    return OutOfDomainError(f"TrainConfig {name}={value!r}: {rule}; pass e.g. {name}={example}")


def _int(name: str, value: Any, minimum: int, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(name, value, f"must be an int >= {minimum}", example)


def _num(name: str, value: Any, lo: float, hi: float, example: str) -> None:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or not lo <= value <= hi:
        raise _bad(name, value, f"must be a finite number in [{lo}, {hi}]", example)


def _choice(name: str, value: Any, options: tuple[str, ...]) -> None:
    if value not in options:
        raise _bad(name, value, f"must be one of {list(options)}", repr(options[0]))


@dataclass(frozen=True)
class TrainConfig:
    """All hyper-parameters of one training run (see the module docstring)."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    rms_decay: float = 0.9
    schedule: str = "cosine"
    schedule_unit: str = "epoch"
    eta_min: float = 0.0
    milestones: tuple[float, ...] = ()
    gamma: float = 0.1
    label_smoothing: float = 0.0
    grad_clip: float | None = None
    aux_weight: float = 0.0
    drop_path_prob: float = 0.0
    augment: str = "none"
    crop_padding: int = 4
    cutout: int = 0
    mixup_alpha: float = 0.0
    train_subset: int | None = None
    eval_subset: int | None = None
    resize: int | None = None
    eval_batch_size: int = 1024

    def __post_init__(self) -> None:
        _int("epochs", self.epochs, 1, "3")
        if not (type(self.batch_size) is int and self.batch_size == 0):
            _int("batch_size", self.batch_size, 2, "256 (or 0 for full batch)")
        _int("eval_batch_size", self.eval_batch_size, 1, "1024")
        _num("lr", self.lr, 0.0, 1e3, "0.1")
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _num("momentum", self.momentum, 0.0, 0.999999, "0.9")
        if not isinstance(self.nesterov, bool):
            raise _bad("nesterov", self.nesterov, "must be True or False", "True")
        if self.nesterov and (self.optimizer != "sgd" or self.momentum <= 0):
            raise _bad("nesterov", True, "needs optimizer='sgd' and momentum > 0", "False")
        _num("weight_decay", self.weight_decay, 0.0, 1.0, "5e-4")
        if len(self.betas) != 2:
            raise _bad("betas", self.betas, "must be two numbers in [0, 1)", "(0.9, 0.999)")
        for b in self.betas:
            _num("betas", b, 0.0, 0.999999, "(0.9, 0.999)")
        _num("eps", self.eps, 1e-12, 10.0, "1e-8")
        _num("rms_decay", self.rms_decay, 0.0, 0.999999, "0.9")
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("schedule_unit", self.schedule_unit, _UNITS)
        _num("eta_min", self.eta_min, 0.0, self.lr, "0.0")
        for m in self.milestones:
            _num("milestones", m, 0.0, float(self.epochs), "(100, 150)")
        if list(self.milestones) != sorted(self.milestones):
            raise _bad("milestones", self.milestones, "must be ascending", "(100, 150)")
        _num("gamma", self.gamma, 0.0, 1.0, "0.1")
        _num("label_smoothing", self.label_smoothing, 0.0, 0.999, "0.1")
        if self.grad_clip is not None:
            _num("grad_clip", self.grad_clip, 1e-12, 1e12, "5.0")
        _num("aux_weight", self.aux_weight, 0.0, 10.0, "0.4")
        _num("drop_path_prob", self.drop_path_prob, 0.0, 0.999, "0.2")
        _choice("augment", self.augment, _AUGMENTS)
        _int("crop_padding", self.crop_padding, 0, "4")
        _int("cutout", self.cutout, 0, "16")
        _num("mixup_alpha", self.mixup_alpha, 0.0, 100.0, "0.2")
        if self.resize is not None:
            _int("resize", self.resize, 4, "16")
        for name in ("train_subset", "eval_subset"):
            value = getattr(self, name)
            if value is not None:
                _int(name, value, 2, "5000")

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values (tuples become lists)."""
        out = dataclasses.asdict(self)
        out["betas"] = list(self.betas)
        out["milestones"] = list(self.milestones)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``OutOfDomainError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        stray = sorted(set(d) - names)
        if stray:
            raise OutOfDomainError(
                f"TrainConfig has no field(s) {stray}; valid fields: {sorted(names)}"
            )
        kw = dict(d)
        if "betas" in kw:
            kw["betas"] = tuple(kw["betas"])
        if "milestones" in kw:
            kw["milestones"] = tuple(kw["milestones"])
        return cls(**kw)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` applied (validated; unknown names raise)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})
