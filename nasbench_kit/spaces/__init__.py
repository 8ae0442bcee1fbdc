"""Search spaces: ``get_space(name)`` returns the one shared instance.

This registry is the one list of supported spaces: encoders, predictors and
samplers read the views every space provides (see :class:`SearchSpace`), so a
new space is its module (and its views module) plus one line here.

>>> from nasbench_kit.spaces import get_space, list_spaces
>>> "nb201" in list_spaces()
True
>>> space = get_space("nb201")
>>> space.n_architectures, space.decision_sizes(), space.onehot_size
(15625, (5, 5, 5, 5, 5, 5), 30)
"""

from __future__ import annotations

import importlib

from nasbench_kit.errors import UnknownSpaceError
from nasbench_kit.spaces._base import Architecture, SearchSpace
from nasbench_kit.spaces._checks import show
from nasbench_kit.spaces._dag import OpDag

# name -> "module:ClassName"; imported lazily so that loading one space is cheap.
_REGISTRY: dict[str, str] = {
    "nb101": "nasbench_kit.spaces.nb101:NB101Space",
    "nb201": "nasbench_kit.spaces.nb201:NB201Space",
    "darts": "nasbench_kit.spaces.darts:DartsSpace",
    "nbgraph": "nasbench_kit.spaces.nbgraph:NBGraphSpace",
}
_INSTANCES: dict[str, SearchSpace] = {}


def list_spaces() -> list[str]:
    """Names of the registered search spaces."""
    return list(_REGISTRY)


def get_space(name: str | SearchSpace) -> SearchSpace:
    """The shared :class:`SearchSpace` instance called ``name``."""
    if isinstance(name, SearchSpace):
        return name
    if not isinstance(name, str):
        raise UnknownSpaceError(
            f"search space {show(name)} is not a name; pass one of {sorted(_REGISTRY)}"
        )
    space = _INSTANCES.get(name)
    if space is not None:
        return space
    target = _REGISTRY.get(name)
    if target is None:
        raise UnknownSpaceError(
            f"unknown search space {name!r}; choose one of {sorted(_REGISTRY)}"
        )
    module, cls = target.split(":")
    space = getattr(importlib.import_module(module), cls)()
    _INSTANCES[name] = space
    return space


__all__ = ["Architecture", "OpDag", "SearchSpace", "get_space", "list_spaces"]
