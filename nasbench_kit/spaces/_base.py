"""The two core nouns: :class:`Architecture` and :class:`SearchSpace`.

An ``Architecture`` is a small immutable value: it validates and canonicalises
on construction, compares equal by its canonical identity, and exposes
``arch.hash`` (the key tables use) as a plain precomputed attribute so lookups
cost one attribute read. Models, graphs and encodings are built *from* it.

A ``SearchSpace`` parses every notation people use, samples, mutates,
enumerates and converts. One instance per space (``get_space`` caches them).
It also owns the *views* that encoders and samplers read, so a new space is one
module (plus, where it helps, a ``_<space>_views`` module):

- ``op_dag(arch)``: each cell as an :class:`~nasbench_kit.spaces._dag.OpDag`;
- ``to_onehot(arch)``: a fixed-length float32 one-hot layout (``onehot_size``);
- the *decision vector*: ``decision_sizes()``, ``to_decisions(arch)``,
  ``from_decisions(vec)`` -- one categorical choice per position, the input of
  categorical encoders and of Optuna-style samplers.
"""

from __future__ import annotations

import abc
import functools
import importlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench_kit.spaces._checks import int_in, show, sized
from nasbench_kit.spaces._dag import OpDag

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

#: ``(cell name, OpDag)`` per cell of an architecture.
CellDags = tuple[tuple[str, OpDag], ...]


class Architecture(abc.ABC):
    """Base of every space's architecture value.

    Subclasses are frozen (``@dataclass(frozen=True)`` or equivalent) and set:

    - ``hash``: ``str``, the canonical table key (see each space for its rule),
      a plain attribute set at construction;
    - ``iso_hash``: ``str``, one id per class of architectures that compute the
      same function (equals ``hash`` where the space's key is already
      isomorphism-invariant). Where it is dear to compute (DARTS, NB201) it is
      a ``functools.cached_property``: computed on first read, then kept.

    Equality and ``__hash__`` go by ``(space_name, hash)``.
    """

    __slots__ = ()
    space_name: ClassVar[str] = ""

    hash: str
    iso_hash: str

    @property
    def iso_signature(self) -> str:
        """A cheap key that isomorphic architectures share: equal ``iso_hash``
        implies equal ``iso_signature`` (not the converse). Lookups by
        ``iso_hash`` check it first to skip computing ``iso_hash`` where that
        is dear. Default: ``iso_hash`` itself."""
        return self.iso_hash

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
    #: False for spaces too large to list: ``enumerate()`` and ``len()`` refuse them.
    enumerable: ClassVar[bool] = True

    @property
    @abc.abstractmethod
    def n_architectures(self) -> int:
        """Exact number of distinct architectures (identities) in the space."""

    def enumerate(self, progress: bool | None = None) -> Iterator[Architecture]:
        """Every architecture of the space, each identity once.

        ``progress``: show a progress bar (``None``: only on a terminal, after a second).
        """
        from nasbench_kit._progress import progress as bar

        self._refuse_if_too_large("enumerate()")
        return bar(self._enumerate(), total=self.n_architectures,
                   desc=f"enumerating {self.name}", unit="arch", enabled=progress)  # fmt: skip

    def _enumerate(self) -> Iterator[Architecture]:
        """Every architecture once (enumerable spaces override this)."""
        raise NotImplementedError(f"space {self.name!r} does not implement _enumerate()")

    def __len__(self) -> int:
        self._refuse_if_too_large("len()")
        return self.n_architectures

    def __bool__(self) -> bool:  # ``if space:`` must not call ``len()``
        return True

    def _refuse_if_too_large(self, what: str) -> None:
        if not self.enumerable:
            from nasbench_kit.errors import SpaceTooLargeError

            raise SpaceTooLargeError(
                f"space {self.name!r} has {self.n_architectures:,} architectures, too many for "
                f"{what}; read space.n_architectures for the count and use sample() to draw some"
            )

    # ---- views: what encoders and samplers read ----------------------------------
    #: Operation names, in the order one-hot and decision layouts index them.
    op_names: ClassVar[tuple[str, ...]] = ()
    #: Ops without trainable weights (skip, pooling, none).
    param_free_ops: ClassVar[frozenset[str]] = frozenset()
    #: Names of the cells ``op_dag`` returns, in its order.
    cell_names: ClassVar[tuple[str, ...]] = ("cell",)
    #: Length of ``to_onehot(arch)``.
    onehot_size: ClassVar[int] = 0

    #: The module that builds this space's views: functions ``op_dag(arch)``,
    #: ``onehot_columns(arch)``, ``decisions(arch)``, ``from_decisions(vec)`` (the vector
    #: already range-checked) and tuples ``DECISION_SIZES``, ``DECISION_NAMES``.
    #: It may import the space's module (it is loaded on first use).
    views_module: ClassVar[str] = ""

    def op_dag(self, arch: Any) -> CellDags:
        """``(cell name, OpDag)`` for each cell of ``arch`` (any notation; cached)."""
        return _cached_op_dag(self, self._as_arch(arch))

    def to_onehot(self, arch: Any) -> np.ndarray:
        """The one-hot layout of ``arch``: a float32 0/1 vector of length ``onehot_size``."""
        out = np.zeros(self.onehot_size, dtype=np.float32)
        out[self.onehot_columns(arch)] = 1.0
        return out

    def onehot_columns(self, arch: Any) -> list[int]:
        """The positions of the ones in ``to_onehot(arch)`` (cheap; for batch encoders)."""
        return self._views.onehot_columns(self._as_arch(arch))

    def decision_sizes(self) -> tuple[int, ...]:
        """Number of choices at each position of the decision vector."""
        return tuple(self._views.DECISION_SIZES)

    def decision_names(self) -> tuple[str, ...]:
        """A name per decision position (for samplers' parameter names and messages)."""
        return tuple(self._views.DECISION_NAMES)

    def to_decisions(self, arch: Any) -> tuple[int, ...]:
        """The decision vector of ``arch``: position ``i`` holds an int in ``0..sizes[i]-1``."""
        return self._views.decisions(self._as_arch(arch))

    def from_decisions(self, vec: Any) -> Architecture:
        """The architecture of a decision vector; ``OutOfDomainError`` (naming the rule)
        when a value is out of range or the choices do not form a valid architecture."""
        from nasbench_kit.errors import OutOfDomainError

        sizes = self.decision_sizes()
        if (type(vec) is tuple or type(vec) is list) and len(vec) == len(sizes) \
                and all(type(v) is int and 0 <= v < k for v, k in zip(vec, sizes)):  # fmt: skip
            return self._views.from_decisions(tuple(vec))  # plain ints in range: no more checks
        if isinstance(vec, (str, bytes, Mapping)) or not isinstance(vec, (Sequence, np.ndarray)) \
                or not sized(vec) or len(vec) != len(sizes):  # fmt: skip
            raise OutOfDomainError(
                f"{self.name} decision vector {show(vec)} must be a sequence of {len(sizes)} ints "
                f"(choices per position: {list(sizes)}); build one with space.to_decisions(arch)"
            )
        for i, (value, size) in enumerate(zip(vec, sizes)):
            if not int_in(value, 0, size):
                raise OutOfDomainError(
                    f"{self.name} decision {i} ({self.decision_names()[i]}) = {show(value)} must "
                    f"be an int in 0..{size - 1}; see space.decision_sizes()"
                )
        return self._views.from_decisions(tuple(int(v) for v in vec))

    @property
    def _views(self) -> ModuleType:
        """The module named by ``views_module`` (see the class docs)."""
        module = sys.modules.get(self.views_module)
        if module is not None:
            return module
        if not self.views_module:
            raise NotImplementedError(f"space {self.name!r} sets no views_module")
        return importlib.import_module(self.views_module)

    def _as_arch(self, arch: Any) -> Any:
        return arch if type(arch) is self.arch_type else self.parse(arch)

    # ---- graphs -------------------------------------------------------------
    @abc.abstractmethod
    def to_graph(self, arch: Architecture) -> Data:
        """``torch_geometric.data.Data`` with one-hot ``x`` (columns
        ``node_feature_names``) and ``edge_index``; operations live on nodes."""

    def __repr__(self) -> str:
        return f"<SearchSpace {self.name!r}>"


@functools.lru_cache(maxsize=1 << 17)
def _cached_op_dag(space: SearchSpace, arch: Architecture) -> CellDags:
    return tuple(space._views.op_dag(arch))
