"""The two core nouns: :class:`Architecture` and :class:`SearchSpace`.

An ``Architecture`` is a small immutable value: it validates and canonicalises
on construction, compares equal by its canonical identity, and exposes
``arch.hash`` (the key tables use) as a plain precomputed attribute so lookups
cost one attribute read. Models, graphs and encodings are built *from* it.

A ``SearchSpace`` parses every notation people use, samples, mutates,
enumerates and converts. One instance per space (``get_space`` caches them).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data


class Architecture(abc.ABC):
    """Base of every space's architecture value.

    Subclasses are frozen (``@dataclass(frozen=True, slots=True)`` or
    equivalent) and set, at construction:

    - ``hash``: ``str``, the canonical table key (see each space for its rule);
    - ``iso_hash``: ``str``, one id per class of architectures that compute the
      same function (equals ``hash`` where the space's key is already
      isomorphism-invariant).

    Equality and ``__hash__`` go by ``(space_name, hash)``.
    """

    __slots__ = ()
    space_name: ClassVar[str] = ""

    hash: str
    iso_hash: str

    @property
    def space(self) -> SearchSpace:
        """The :class:`SearchSpace` this architecture belongs to."""
        from nasbench_kit.spaces import get_space

        return get_space(self.space_name)

    def to_string(self) -> str:
        """The space's canonical string notation (round-trips via ``from_string``)."""
        return self.space.to_string(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Architecture):
            return NotImplemented
        return other.space_name == self.space_name and other.hash == self.hash

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash((self.space_name, self.hash))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_string()!r})"


class SearchSpace(abc.ABC):
    """What every space offers. Subclasses set ``name`` and ``arch_type``.

    Notation-specific constructors (``from_spec``, ``from_index``,
    ``from_genotype`` ...) are added per space; ``parse`` accepts any of them.
    """

    name: ClassVar[str] = ""
    arch_type: ClassVar[type[Architecture]]
    #: Names of the node-feature one-hot columns used by ``to_graph``.
    node_feature_names: ClassVar[tuple[str, ...]] = ()

    # ---- notations -------------------------------------------------------
    @abc.abstractmethod
    def parse(self, x: Any) -> Architecture:
        """Build an architecture from any notation this space understands.

        An ``Architecture`` of this space is returned unchanged. Anything else
        that is not a valid notation raises ``OutOfDomainError``.
        """

    @abc.abstractmethod
    def from_string(self, s: str) -> Architecture:
        """Parse the canonical string notation (inverse of ``to_string``)."""

    @abc.abstractmethod
    def to_string(self, arch: Architecture) -> str:
        """The canonical string notation of ``arch``."""

    @abc.abstractmethod
    def notations(self, arch: Architecture) -> dict[str, Any]:
        """Every notation of ``arch`` by name (for ``spaces show`` and docs)."""

    def is_valid(self, x: Any) -> bool:
        """True when ``parse(x)`` would succeed."""
        from nasbench_kit.errors import NasBenchKitError

        try:
            self.parse(x)
        except NasBenchKitError:
            return False
        return True

    # ---- sampling and moves ---------------------------------------------
    @abc.abstractmethod
    def sample(self, seed: int | np.random.Generator | None = None) -> Architecture:
        """One architecture drawn uniformly (or as the space's standard sampler)."""

    @abc.abstractmethod
    def mutate(
        self, arch: Architecture, seed: int | np.random.Generator | None = None
    ) -> Architecture:
        """A valid architecture one edit away and different from ``arch``."""

    @abc.abstractmethod
    def neighbors(self, arch: Architecture) -> list[Architecture]:
        """All distinct valid one-edit neighbours of ``arch`` (``arch`` excluded)."""

    # ---- finiteness -------------------------------------------------------
    def enumerate(self) -> Iterator[Architecture]:
        """Every architecture of the space, each identity once."""
        from nasbench_kit.errors import OutOfDomainError

        raise OutOfDomainError(
            f"space {self.name!r} is too large to enumerate; use sample() instead"
        )

    def __len__(self) -> int:
        from nasbench_kit.errors import OutOfDomainError

        raise OutOfDomainError(f"space {self.name!r} has no finite size to report")

    # ---- graphs -------------------------------------------------------------
    @abc.abstractmethod
    def to_graph(self, arch: Architecture) -> Data:
        """``torch_geometric.data.Data`` with one-hot ``x`` (columns
        ``node_feature_names``) and ``edge_index``; operations live on nodes."""

    def __repr__(self) -> str:
        return f"<SearchSpace {self.name!r}>"
