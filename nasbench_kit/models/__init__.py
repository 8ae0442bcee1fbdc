"""PyTorch networks of the four benchmark spaces, provably the published ones.

``build_model(arch, **config)`` builds the network of an architecture (an
``Architecture``, or any notation with ``space=``); every size knob is an explicit
keyword, documented in each space's module:

- ``nb201`` (:mod:`.nb201`): ``num_classes=10, in_channels=3, C=16, N=5``;
- ``nb101`` (:mod:`.nb101`): ``num_classes=10, in_channels=3, stem_channels=128,
  num_stacks=3, num_modules_per_stack=3, vertex_order="given"``;
- ``darts`` (:mod:`.darts`): ``preset="suitezero"|"nb301"|"darts"`` plus overrides
  ``num_classes, in_channels, C, layers, stem_multiplier, auxiliary, drop_path_prob,
  affine, pool_bn``;
- ``nbgraph`` (:mod:`.nbgraph`): ``dataset="cora"`` or explicit ``in_features,
  num_classes, hidden, pre_layers, post_layers, dropout``.

Image networks take ``(N, C, H, W)`` floats and return logits ``(N, classes)``;
graph networks take a PyG ``Data`` (``x``, ``edge_index``). ``count_params`` and
``count_flops`` count the way the benchmarks did (see :mod:`._counting`).

>>> from nasbench_kit.spaces import get_space
>>> a = get_space("nb201").from_index(0)
>>> count_params(build_model(a, num_classes=10))  # NB201 records 0.129306 M
129306
>>> round(count_flops(build_model(a), (3, 32, 32), convention="nb201"), 5)  # NB201: 15.64737
15.64737
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import torch
from torch import nn

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.models._counting import CONVENTIONS, count_flops, count_params
from nasbench_kit.spaces import Architecture, get_space

# space -> module with build(arch, notation, **config) and PRESETS-style presets().
_BUILDERS: dict[str, str] = {
    "nb201": "nasbench_kit.models.nb201",
    "nb101": "nasbench_kit.models.nb101",
    "darts": "nasbench_kit.models.darts",
    "nbgraph": "nasbench_kit.models.nbgraph",
}


def _module(space: str) -> Any:
    return importlib.import_module(_BUILDERS[space])


def build_model(arch: Any, *, space: str | None = None, seed: int | None = None,
                **config: Any) -> nn.Module:
    """The network of ``arch`` in its benchmark's configuration (overridable by keyword).

    Weights come from PyTorch's default initialisers. With ``seed`` they are drawn
    from ``torch.manual_seed(seed)`` inside ``torch.random.fork_rng`` (the global
    RNG state is left as it was); without it, from the global RNG.
    """
    if isinstance(arch, Architecture):
        name = arch.space_name
        if space is not None and space != name:
            raise OutOfDomainError(
                f"space={space!r} contradicts the architecture's space {name!r}; drop space="
            )
    elif space is None:
        raise OutOfDomainError(
            f"cannot tell the space of {arch!r}; pass space= (one of {sorted(_BUILDERS)}) "
            "or an Architecture"
        )
    else:
        name = space
    if name not in _BUILDERS:
        raise OutOfDomainError(f"no model builder for space {name!r}; use one of {sorted(_BUILDERS)}")
    parsed = get_space(name).parse(arch)
    builder = _module(name).build
    allowed = [p for p in inspect.signature(builder).parameters if p not in ("arch", "notation", "config")]
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(builder).parameters.values())
    unknown = sorted(set(config) - set(allowed)) if not accepts_any else []
    if unknown:
        raise OutOfDomainError(
            f"unknown {name} model keyword(s) {unknown}; accepted: {allowed}"
        )
    if seed is None:
        return builder(parsed, arch, **config)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OutOfDomainError(f"seed={seed!r} must be an int >= 0 (or None); pass e.g. seed=0")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return builder(parsed, arch, **config)


def list_model_presets(space: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Named configurations per space: ``{space: {name: {"config", "input_shape", "about"}}}``.

    ``config`` is what to pass to :func:`build_model`; ``input_shape`` is the
    image shape the benchmark used (``None`` for graphs).

    >>> sorted(list_model_presets("darts")["darts"])
    ['darts', 'nb301', 'suitezero']
    """
    names = list(_BUILDERS) if space is None else [space]
    for n in names:
        if n not in _BUILDERS:
            raise OutOfDomainError(f"unknown space {n!r}; use one of {sorted(_BUILDERS)}")
    return {n: _module(n).presets() for n in names}


__all__ = ["CONVENTIONS", "build_model", "count_flops", "count_params", "list_model_presets"]
