"""Named training presets: each benchmark's published protocol, and CPU-sized ones.

A :class:`Preset` is a frozen pair (``TrainConfig``, model config) plus the
space whose networks it trains and where its values come from. Every
hyper-parameter is written out here, none is implied. ``config_hash`` is the
SHA-256 of the canonical JSON of both, so the result store keys results by
*what was trained*, not by a preset's name.

=====================  =======  ======================================================
name                   space    protocol
=====================  =======  ======================================================
``nb201-200``          nb201    NAS-Bench-201, 200 epochs (``hyper-opts/200E.config``)
``nb201-12``           nb201    NAS-Bench-201, 12 epochs (``hyper-opts/12E.config``)
``nb101-108``          nb101    NAS-Bench-101, 108 epochs (``nasbench/lib/config.py``)
``nb301``              darts    NAS-Bench-301's training pipeline (``data_generation/configs``)
``fast-digits``        nb201    CPU-sized: NB201 family at C=8, N=1, 8x8 digits, 3 epochs
``fast-fashion-mnist`` nb201    CPU-sized: NB201 family at C=8, N=1, 16x16 Fashion-MNIST subset
``nbgraph-gcn``        nbgraph  the standard Planetoid GCN protocol (Kipf & Welling), full batch
``fast-karate``        nbgraph  CPU-sized: KarateClub, hidden 16, 50 epochs
=====================  =======  ======================================================

``nbgraph-gcn`` is *not* NAS-Bench-Graph's own training recipe: the benchmark
tuned optimiser, rate, weight decay and epochs per dataset and its package and
repository do not publish them, so this preset uses the standard GCN protocol
(Adam, lr 0.01, weight decay 5e-4, 200 epochs) on NAS-Bench-Graph's network
sized for the dataset (hidden, pre/post layers and dropout of
``nasbench_kit.models.nbgraph.DATASETS``). Its accuracies rank architectures
under that protocol; they are not the benchmark's recorded numbers.

The fast presets train *the same NB201 cell family* (same cell, same stem /
residual reduction / classifier layout) made narrower and shallower
(``C=8``: 8/16/32 channels instead of 16/32/64; ``N=1`` cell per stage instead
of 5), for fewer epochs and, for Fashion-MNIST, on a fixed subset of
images resized to 16x16. Their
accuracies rank cells, they are not NB201's numbers.

>>> p = get_preset("nb201-200")
>>> p.train.lr, p.train.nesterov, p.train.epochs, p.model["C"]
(0.1, True, 200, 16)
>>> config_hash(p) == config_hash(get_preset("nb201-200"))
True
>>> config_hash(p) != config_hash(p, epochs=12)
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.training.config import TrainConfig

__all__ = ["Preset", "config_hash", "default_preset", "get_preset", "list_presets"]


@dataclass(frozen=True)
class Preset:
    """A named (training config, model config) pair for one space."""

    name: str
    space: str
    train: TrainConfig
    model: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", MappingProxyType(dict(self.model)))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:  # MappingProxyType does not pickle
        return (_rebuild, (self.name, self.space, self.train, dict(self.model), self.source,
                           self.notes))  # fmt: skip

    def replace(self, *, model: Mapping[str, Any] | None = None, **train: Any) -> Preset:
        """A copy with training fields ``train`` and model keys ``model`` changed."""
        new_model = {**self.model, **(model or {})}
        return Preset(self.name, self.space, self.train.replace(**train) if train else self.train,
                      new_model, self.source, self.notes)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, space, train config, model config, source, notes."""
        return {"name": self.name, "space": self.space, "train": self.train.to_dict(),
                "model": dict(self.model), "source": self.source, "notes": self.notes}  # fmt: skip


def _rebuild(name: str, space: str, train: TrainConfig, model: dict[str, Any], source: str,
             notes: str) -> Preset:  # fmt: skip
    return Preset(name, space, train, model, source, notes)


def canonical_json(obj: Any) -> str:
    """Sorted-key, compact JSON (NaN refused): the text that hashes are taken of."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_hash(preset: Preset, *, model: Mapping[str, Any] | None = None, **train: Any) -> str:
    """SHA-256 hex of the canonical JSON of ``preset`` with overrides applied.

    Covers every training hyper-parameter (epochs included) and the model
    config; not the preset's name, source or notes.
    """
    p = preset.replace(model=model, **train) if (model or train) else preset
    text = canonical_json({"train": p.train.to_dict(), "model": dict(p.model), "space": p.space})
    return hashlib.sha256(text.encode()).hexdigest()


_NB201_SRC = (
    "NAS-Bench-201 (Dong & Yang, ICLR 2020), xautodl configs/nas-benchmark/hyper-opts/{e}E.config: "
    "SGD lr 0.1 momentum 0.9 nesterov, weight decay 5e-4, cosine to eta_min 0, warm-up 0, "
    "batch 256, cross-entropy; CIFAR augmentation random crop 32 (padding 4) + horizontal flip"
)
_NB201_NOTES = (
    "xautodl's CosineAnnealingLR computes the rate from the epoch index only (the per-iteration "
    "fraction it is given affects warm-up, which is 0), so the schedule steps per epoch."
)


def _nb201(epochs: int) -> Preset:
    cfg = TrainConfig(
        epochs=epochs, batch_size=256, lr=0.1, optimizer="sgd", momentum=0.9, nesterov=True,
        weight_decay=5e-4, schedule="cosine", schedule_unit="epoch", eta_min=0.0,
        label_smoothing=0.0, grad_clip=None, aux_weight=0.0, drop_path_prob=0.0,
        augment="crop-flip", crop_padding=4, cutout=0, mixup_alpha=0.0,
        train_subset=None, eval_subset=None, resize=None, eval_batch_size=1024,
    )  # fmt: skip
    return Preset(f"nb201-{epochs}", "nb201", cfg, {"C": 16, "N": 5},
                  _NB201_SRC.format(e=epochs), _NB201_NOTES)  # fmt: skip


def _nb101() -> Preset:
    cfg = TrainConfig(
        epochs=108, batch_size=256, lr=0.2, optimizer="rmsprop-tf", momentum=0.9,
        nesterov=False, weight_decay=1e-4, eps=1.0, rms_decay=0.9, schedule="cosine",
        schedule_unit="iteration", eta_min=0.0, label_smoothing=0.0, grad_clip=None,
        aux_weight=0.0, drop_path_prob=0.0, augment="crop-flip", crop_padding=4, cutout=0,
        mixup_alpha=0.0, train_subset=None, eval_subset=None, resize=None, eval_batch_size=1024,
    )  # fmt: skip
    return Preset(
        "nb101-108", "nb101", cfg,
        {"stem_channels": 128, "num_stacks": 3, "num_modules_per_stack": 3},
        "NAS-Bench-101 (Ying et al., ICML 2019), google-research/nasbench lib/config.py and "
        "lib/model_builder.py: RMSProp (TensorFlow, epsilon 1.0, decay 0.9, momentum 0.9), "
        "learning_rate 0.1 scaled by tpu_num_shards=2 -> 0.2, COSINE_BY_STEP to 0, batch 256, "
        "L2 weight decay 1e-4 on all variables, 108 epochs; pad-4 random crop + flip",
        "nasbench also sets the rate to 0 for the very first step (not reproduced: one step).",
    )  # fmt: skip


def _nb301() -> Preset:
    cfg = TrainConfig(
        epochs=100, batch_size=96, lr=0.025, optimizer="sgd", momentum=0.9, nesterov=False,
        weight_decay=3e-4, schedule="cosine", schedule_unit="epoch", eta_min=1e-8,
        label_smoothing=0.0, grad_clip=5.0, aux_weight=0.4, drop_path_prob=0.2,
        augment="crop-flip", crop_padding=4, cutout=16, mixup_alpha=0.2,
        train_subset=None, eval_subset=None, resize=None, eval_batch_size=1024,
    )  # fmt: skip
    return Preset(
        "nb301", "darts", cfg, {"C": 32, "layers": 8, "auxiliary": True},
        "NAS-Bench-301 (Siems/Zimmer et al., 2020), nasbench301 data_generation/configs/"
        "config_0.json: SGD lr 0.025 momentum 0.9, weight decay 3e-4, cosine T_max 100 "
        "eta_min 1e-8, batch 96, cutout 16 (1 hole), mixup alpha 0.2, auxiliary head, drop path "
        "0.2, init_channels 32, 8 layers, 100 epochs; validation split 0.2",
        "Auxiliary weight 0.4 and gradient clipping 5 are the DARTS train.py defaults (the "
        "config file does not state them); drop path rises linearly with the epoch as in DARTS.",
    )  # fmt: skip


def _fast_digits() -> Preset:
    cfg = TrainConfig(
        epochs=3, batch_size=64, lr=0.05, optimizer="sgd", momentum=0.9, nesterov=True,
        weight_decay=5e-4, schedule="cosine", schedule_unit="iteration", eta_min=0.0,
        label_smoothing=0.0, grad_clip=None, aux_weight=0.0, drop_path_prob=0.0,
        augment="none", crop_padding=0, cutout=0, mixup_alpha=0.0,
        train_subset=None, eval_subset=None, resize=None, eval_batch_size=1024,
    )  # fmt: skip
    return Preset(
        "fast-digits", "nb201", cfg, {"C": 8, "N": 1},
        "this package: NB201 optimiser (SGD nesterov, cosine, wd 5e-4) at CPU size",
        "NB201 cell family narrowed to C=8 (8/16/32 channels) and N=1 cell per stage; all "
        "1,079 training digits (8x8), 3 epochs, batch 64, per-iteration cosine, no augmentation.",
    )  # fmt: skip


def _fast_fashion() -> Preset:
    cfg = TrainConfig(
        epochs=3, batch_size=128, lr=0.1, optimizer="sgd", momentum=0.9, nesterov=True,
        weight_decay=5e-4, schedule="cosine", schedule_unit="iteration", eta_min=0.0,
        label_smoothing=0.0, grad_clip=None, aux_weight=0.0, drop_path_prob=0.0,
        augment="none", crop_padding=0, cutout=0, mixup_alpha=0.0,
        train_subset=10000, eval_subset=2500, resize=16, eval_batch_size=1024,
    )  # fmt: skip
    return Preset(
        "fast-fashion-mnist", "nb201", cfg, {"C": 8, "N": 1},
        "this package: NB201 optimiser (SGD nesterov, lr 0.1, cosine, wd 5e-4) at CPU size",
        "NB201 cell family narrowed to C=8 (8/16/32 channels) and N=1 cell per stage; images "
        "resized 28x28 -> 16x16; a fixed 10,000-image training subset and 2,500-image "
        "validation/test subsets; 3 epochs, batch 128, no augmentation.",
    )  # fmt: skip


def _graph_config(epochs: int, lr: float) -> TrainConfig:
    return TrainConfig(
        epochs=epochs, batch_size=0, lr=lr, optimizer="adam", betas=(0.9, 0.999), eps=1e-8,
        weight_decay=5e-4, schedule="constant", schedule_unit="epoch", label_smoothing=0.0,
        grad_clip=None, aux_weight=0.0, drop_path_prob=0.0, augment="none", crop_padding=0,
        cutout=0, mixup_alpha=0.0, train_subset=None, eval_subset=None, resize=None,
    )  # fmt: skip


def _nbgraph_gcn() -> Preset:
    return Preset(
        "nbgraph-gcn", "nbgraph", _graph_config(200, 0.01), {},
        "the standard Planetoid GCN protocol (Kipf & Welling, ICLR 2017; PyG examples/gcn.py): "
        "Adam lr 0.01, weight decay 5e-4, 200 epochs, full batch, constant rate -- NOT "
        "NAS-Bench-Graph's per-dataset tuned values, which its package does not publish",
        "Network: NAS-Bench-Graph's, sized for the dataset (hidden, pre/post layers, dropout "
        "from nasbench_kit.models.nbgraph.DATASETS; Cora's sizes for other graphs). Weight decay "
        "applies to every parameter (Kipf's code decays the first layer only); no early "
        "stopping: every epoch is recorded.",
    )  # fmt: skip


def _fast_karate() -> Preset:
    return Preset(
        "fast-karate", "nbgraph", _graph_config(50, 0.02),
        {"hidden": 16, "pre_layers": 0, "post_layers": 1, "dropout": 0.5},
        "this package: the GCN protocol's optimiser (Adam, weight decay 5e-4) at KarateClub size",
        "NAS-Bench-Graph network at hidden 16, no pre-layer, one post-layer, dropout 0.5; "
        "PyG's KarateClub (34 nodes, seeded 18/8/8 split), 50 full-batch epochs at lr 0.02.",
    )  # fmt: skip


_PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (_nb201(200), _nb201(12), _nb101(), _nb301(), _fast_digits(), _fast_fashion(),
              _nbgraph_gcn(), _fast_karate())
}  # fmt: skip

#: (space, dataset) -> preset used when a LiveEvaluator is given no preset.
_DEFAULTS: dict[tuple[str, str], str] = {
    ("nb201", "digits"): "fast-digits",
    ("nb201", "mnist"): "fast-fashion-mnist",
    ("nb201", "fashion-mnist"): "fast-fashion-mnist",
    ("nb201", "cifar10"): "nb201-200",
    ("nb201", "cifar10-valid"): "nb201-200",
    ("nb201", "cifar100"): "nb201-200",
    ("nb101", "cifar10"): "nb101-108",
    ("darts", "cifar10"): "nb301",
    ("nbgraph", "karate"): "fast-karate",
}


def list_presets() -> list[str]:
    """Names of the registered presets.

    >>> "fast-digits" in list_presets()
    True
    """
    return sorted(_PRESETS)


def get_preset(name: str | Preset) -> Preset:
    """The preset called ``name`` (a :class:`Preset` is returned as is)."""
    if isinstance(name, Preset):
        return name
    preset = _PRESETS.get(name) if isinstance(name, str) else None
    if preset is None:
        raise OutOfDomainError(
            f"unknown training preset {name!r}; choose one of {list_presets()} "
            "(or build a Preset / use get_preset(...).replace(...))"
        )
    return preset


def default_preset(space: str, dataset: str) -> Preset:
    """The preset a LiveEvaluator uses for ``space`` on ``dataset`` when none is given.

    ``nbgraph``: ``fast-karate`` on karate, ``nbgraph-gcn`` on any other graph.
    """
    name = _DEFAULTS.get((space, dataset))
    if name is None and space == "nbgraph":
        name = "nbgraph-gcn"
    if name is None:
        known = sorted(f"{s}/{d}" for s, d in _DEFAULTS)
        raise OutOfDomainError(
            f"no default training preset for space {space!r} on dataset {dataset!r} "
            f"(defaults exist for {known}); pass preset= one of {list_presets()}"
        )
    return _PRESETS[name]
