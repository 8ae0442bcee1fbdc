"""Live training: one trainer, named presets, a shared result store, ``LiveEvaluator``.

``train(net, data, config)`` trains any image classifier with an explicit
loop, ``train_graph(net, graph, config)`` a GNN on a graph (full batch); ``get_preset(name)`` gives each benchmark's published protocol (or a
CPU-sized one); ``ResultStore`` keeps every result, safe for many processes;
``LiveEvaluator`` answers queries for *any* architecture of a space by
training it once and reading the store afterwards.

Names load lazily: ``ResultStore`` and the presets import no torch.

>>> from nasbench_kit.training import get_preset
>>> get_preset("fast-digits").model["C"]
8
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "TrainConfig": "nasbench_kit.training.config",
    "TrainResult": "nasbench_kit.training.result",
    "Preset": "nasbench_kit.training.presets",
    "config_hash": "nasbench_kit.training.presets",
    "default_preset": "nasbench_kit.training.presets",
    "get_preset": "nasbench_kit.training.presets",
    "list_presets": "nasbench_kit.training.presets",
    "ResultStore": "nasbench_kit.training.cache",
    "StoreKey": "nasbench_kit.training.cache",
    "LiveRecord": "nasbench_kit.training.cache",
    "train": "nasbench_kit.training.trainer",
    "seeded": "nasbench_kit.training.trainer",
    "train_graph": "nasbench_kit.training.graph",
    "TrainSpec": "nasbench_kit.training.livejob",
    "LiveEvaluator": "nasbench_kit.training.live",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nasbench_kit.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
