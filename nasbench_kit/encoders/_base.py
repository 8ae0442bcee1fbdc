"""The encoder contract shared by every encoder (scikit-learn style).

An encoder turns architectures into model inputs: ``fit(archs) -> self``
learns what it needs (at least the space), ``transform(archs)`` returns a
float32 ``ndarray`` (one row per arch; ``GraphEncoder`` returns graphs), and
``fit_transform`` does both. Archs may be given in any notation of the space;
the space comes from ``space=`` (a name or ``SearchSpace``) or from the first
architecture. Encoders know no space by name: they read the views every space
provides (``op_dag``, ``to_onehot``, ``to_decisions``, ``to_graph``), so they
work on every registered space. Constructors only store their arguments, so
``sklearn.base.clone`` works and encoders can be predictor parameters.

>>> from nasbench_kit.encoders import CategoricalEncoder
>>> enc = CategoricalEncoder(space="nb201")
>>> enc.fit_transform(["|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|"]).shape
(1, 6)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from nasbench_kit.errors import NotFittedError, OutOfDomainError
from nasbench_kit.spaces import Architecture, SearchSpace, get_space, list_spaces
from nasbench_kit.spaces._checks import show


def resolve_space(space: str | SearchSpace | None, archs: Sequence[Any]) -> SearchSpace:
    """``space`` if given, else the space of the first architecture."""
    if space is not None:
        return get_space(space)
    first = archs[0]
    if isinstance(first, Architecture):
        return first.space
    raise OutOfDomainError(
        f"cannot tell the search space of {show(first)}: it is not an Architecture; "
        f"pass space=<name> (one of {list_spaces()}) or parse the archs first"
    )


def as_arch_list(archs: Iterable[Any] | None, what: str = "archs") -> list[Any]:
    """``archs`` as a non-empty list (strings and single archs are refused)."""
    if archs is None or isinstance(archs, (str, bytes, Architecture)):
        raise OutOfDomainError(
            f"{what} must be a list of architectures, got {type(archs).__name__}; "
            "wrap a single one in a list: [arch]"
        )
    items = list(archs)
    if not items:
        raise OutOfDomainError(f"{what} is empty; pass at least one architecture")
    return items


def parse_all(space: SearchSpace, archs: Sequence[Any]) -> list[Architecture]:
    """Every arch parsed by ``space`` (architectures of the space pass through)."""
    t = space.arch_type
    return [a if type(a) is t else space.parse(a) for a in archs]


class Encoder(BaseEstimator):
    """Base class: subclasses implement ``_setup(archs)`` and ``_encode(archs)``."""

    #: Whether ``transform`` returns an ndarray (False for graph encoders).
    returns_array: bool = True

    def __init__(self, space: str | SearchSpace | None = None):
        self.space = space

    # ---- public API --------------------------------------------------------
    def fit(self, archs: Iterable[Any], y: Any = None) -> Encoder:
        """Learn the space (and any vocabulary) from ``archs``; returns ``self``."""
        items = as_arch_list(archs)
        space = resolve_space(self.space, items)
        parsed = parse_all(space, items)
        self.space_ = space
        self._setup(parsed)
        return self

    def transform(self, archs: Iterable[Any]) -> Any:
        """Encode ``archs`` (one row per arch, float32)."""
        if not hasattr(self, "space_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted; call fit(archs) or fit_transform(archs) "
                "first"
            )
        parsed = parse_all(self.space_, as_arch_list(archs))
        return self._encode(parsed)

    def fit_transform(self, archs: Iterable[Any], y: Any = None) -> Any:
        """``fit(archs)`` then ``transform(archs)``."""
        items = as_arch_list(archs)
        return self.fit(items).transform(items)

    # ---- for subclasses ------------------------------------------------------
    @property
    def supported_spaces(self) -> tuple[str, ...]:
        """Every registered space: encoders read only the views each space provides."""
        return tuple(list_spaces())

    def _setup(self, archs: list[Architecture]) -> None:
        """Learn fitted state (default: the feature count from one encoded arch)."""
        self.n_features_ = int(self._encode(archs[:1]).shape[1])

    def _encode(self, archs: list[Architecture]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class ConcatEncoder(Encoder):
    """Side-by-side concatenation of several array encoders.

    >>> from nasbench_kit.encoders import AdjacencyOneHotEncoder, PathEncoder
    >>> enc = ConcatEncoder([AdjacencyOneHotEncoder(), PathEncoder()], space="nb201")
    >>> X = enc.fit_transform(["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
    >>> X.shape[1] == enc.n_features_
    True
    """

    def __init__(self, encoders: Sequence[Encoder] = (), space: str | SearchSpace | None = None):
        self.encoders = encoders
        self.space = space

    def _setup(self, archs: list[Architecture]) -> None:
        if not self.encoders:
            raise OutOfDomainError("ConcatEncoder needs at least one encoder, got none")
        from sklearn.base import clone

        self.encoders_ = [clone(e).fit(archs) for e in self.encoders]
        for e in self.encoders_:
            if not e.returns_array:
                raise OutOfDomainError(
                    f"ConcatEncoder joins array encoders only; {type(e).__name__} returns graphs"
                )
        self.n_features_ = int(sum(e.n_features_ for e in self.encoders_))

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        return np.hstack([e._encode(archs) for e in self.encoders_]).astype(np.float32)
