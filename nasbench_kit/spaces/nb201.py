"""NAS-Bench-201: one cell of 4 nodes, 6 edges, 5 ops per edge (15,625 cells).

The arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` lists the edges into
node 1, 2 and 3 (``op~j`` = op on the edge from node ``j``); ``NB201Arch.ops``
holds the six ops in that order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).

Identities of an :class:`NB201Arch`:

- ``hash``: the canonical arch string. All 15,625 cells are distinct keys,
  because the benchmark trained each of them.
- ``index``: the official NB201 index 0..15624. The order is not a formula; it
  comes from the package file ``data/nb201_index.npy`` (index -> base-5 code of
  the ops over ``op_names``), built by ``data/build_nb201_index.py`` from the
  published NB201 ``(index, arch_str)`` list (via gabro8a/NAS-Landscapes,
  MIT licence). It is read on first use only.
- ``iso_hash``: one id per *functional* class, under this definition: node 0 is
  ``x``; an intermediate node is the sum of its incoming edges; ``none`` gives
  0, ``skip_connect`` passes its source on unchanged, and every other op is an
  opaque function with ``f(0) = 0``; sums are commutative and associative.
  Each node is thus a multiset of terms (``x`` or ``op(sum)``); ``iso_hash`` is
  the output node's multiset written canonically, e.g. ``conv3x3(x)+x``, or
  ``0`` for the cells whose output is identically zero. Nodes that do not reach
  the output, or are not reached from the input, drop out on their own, and the
  swap of nodes 1 and 2 (when no edge joins them) is absorbed by the sorting.
  This gives **4,930** classes. It is computed on first read (then kept).

The space's constructors (``from_index``, ``from_string``, ``sample``,
``mutate``, ``neighbors``, ``enumerate`` ...) return one shared value per
cell, built on first use, so ``from_index`` is a list lookup after the first
call for a cell; ``NB201Arch(ops)`` still builds a new (equal) value.

The NB201 paper reports 6,466 "unique" cells. That figure comes from the
benchmark's own rule (``nb201_unique_str``, reproduced here and selectable as
``iso_classes(rule="nb201")``, which gives exactly 6,466). It differs in two
ways, each of which only splits cells that compute the same function (the tests
check that every one of its classes lies inside one of ours):

- a ``none`` edge stays in the sum as a literal zero term ``#`` (zero
  propagates only from a node with a single ``#`` input), so ``x + 0`` and
  ``x`` differ. Dropping these terms alone gives 5,390 classes;
- a sum forwarded by ``skip_connect`` is sorted as one block and joined as
  text, so ``a + (b + c)`` and ``(a + b) + c`` match only when the block happens
  to sort into place. Flattening as well gives our 4,930.

So 4,930 counts the function classes exactly under the opaque-op model above,
and 6,466 over-counts them. (``avg_pool_3x3`` is in fact linear, which would merge further; we
keep ops opaque, as trained weights differ per edge.)

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nb201")
>>> a = space.from_index(1)
>>> a.to_string()
'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
>>> space.parse(space.to_naslib(a)) == a, len(space.neighbors(a)), len(space)
(True, 24, 15625)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces._base import Architecture, SearchSpace
from nasbench_kit.spaces._checks import show, sized

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

OP_NAMES: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
#: NASLib's op order for NB201 tuples.
NASLIB_OPS: tuple[str, ...] = (
    "skip_connect",
    "none",
    "nor_conv_3x3",
    "nor_conv_1x1",
    "avg_pool_3x3",
)
#: (target, source) of each of the six edges, in arch-string order.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
#: NASLib tuple position j holds our edge _NASLIB_EDGE[j] (an involution: 2 <-> 3).
_NASLIB_EDGE = (0, 1, 3, 2, 4, 5)
N_CELLS = 5**6
_OP_INDEX = {name: i for i, name in enumerate(OP_NAMES)}
_SHORT = {"nor_conv_1x1": "conv1x1", "nor_conv_3x3": "conv3x3", "avg_pool_3x3": "avgpool"}
_OP_RE = "|".join(OP_NAMES)
_STRING_RE = re.compile(
    rf"\|({_OP_RE})~0\|\+\|({_OP_RE})~0\|({_OP_RE})~1\|\+\|({_OP_RE})~0\|({_OP_RE})~1\|({_OP_RE})~2\|"
)
_EXAMPLE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


# ---- codes, index file, equivalence rules ---------------------------------
def _code_of(op_ids: Sequence[int]) -> int:
    code = 0
    for i in op_ids:
        code = code * 5 + i
    return code


#: Place value of each edge's digit in a code (the first edge is the most significant).
_PLACE: tuple[int, ...] = tuple(5 ** (5 - k) for k in range(6))


def _ops_of_code(code: int) -> tuple[str, ...]:
    return tuple([OP_NAMES[code // place % 5] for place in _PLACE])


@functools.lru_cache(maxsize=1)
def _index_tables() -> tuple[list[int], list[int]]:
    """``(index -> code, code -> index)``, read once from the package data file (as
    lists: indexing them is ~10x cheaper than indexing arrays)."""
    ref = resources.files("nasbench_kit.spaces").joinpath("data").joinpath("nb201_index.npy")
    with ref.open("rb") as fh:
        to_code = np.load(fh, allow_pickle=False)
    if to_code.shape != (N_CELLS,) or not np.array_equal(np.sort(to_code), np.arange(N_CELLS)):
        raise CorruptFileError(
            f"nb201_index.npy holds shape {to_code.shape}, not a permutation of 0..{N_CELLS - 1}; "
            "regenerate it with data/build_nb201_index.py"
        )
    to_index = np.empty(N_CELLS, dtype=np.int64)
    to_index[to_code] = np.arange(N_CELLS)
    return to_code.astype(np.int64).tolist(), to_index.tolist()


#: The architecture of each code, built on first use and then shared: NB201 has
#: 15,625 cells, so every space method that knows a code returns the one value
#: (all of them take ~5 MB, less than building each anew did).
_BY_CODE: list[NB201Arch | None] = [None] * N_CELLS
#: The same values by arch string (``from_string`` of a known string is one lookup).
_BY_STRING: dict[str, NB201Arch] = {}


def _arch_of_code(code: int) -> NB201Arch:
    arch = _BY_CODE[code]
    if arch is None:
        arch = _BY_CODE[code] = NB201Arch._trusted(code)
        _BY_STRING[arch.hash] = arch
    return arch


@functools.cache
def _functional_class(code: int) -> str:
    """The canonical sum-of-terms expression of the output (see module docs)."""
    ops = _ops_of_code(code)
    nodes: list[tuple[str, ...]] = [("x",)]
    for target in (1, 2, 3):
        terms: list[str] = []
        for (t, s), op in zip(EDGES, ops):
            if t != target or op == "none" or not nodes[s]:
                continue
            if op == "skip_connect":
                terms.extend(nodes[s])
            else:
                terms.append(f"{_SHORT[op]}({'+'.join(nodes[s])})")
        nodes.append(tuple(sorted(terms)))
    return "+".join(nodes[3]) or "0"


def nb201_unique_str(arch: NB201Arch) -> str:
    """The NB201 benchmark's own "unique cell" string (6,466 classes; see module docs)."""
    nodes = ["0"]
    for target in (1, 2, 3):
        terms = []
        for (t, s), op in zip(EDGES, arch.ops):
            if t != target:
                continue
            if op == "none" or nodes[s] == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(nodes[s])
            else:
                terms.append(f"({nodes[s]})@{op}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


def _op_id(value: Any, position: int) -> int:
    """Op index in ``OP_NAMES`` order from a name or an int."""
    if isinstance(value, str):
        index = _OP_INDEX.get(value)
        if index is not None:
            return index
        raise OutOfDomainError(
            f"unknown NB201 op {show(value)} at edge {position}; use one of {list(OP_NAMES)}"
        )
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < 5:
        return int(value)
    raise OutOfDomainError(
        f"NB201 op {show(value)} at edge {position} is neither an op name nor an int in 0..4 "
        f"(indices into {list(OP_NAMES)})"
    )


# ---- the architecture value -----------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class NB201Arch(Architecture):
    """One NB201 cell. Build it through ``get_space("nb201")`` or directly from op names.

    ``hash`` is set on construction; ``index`` and ``iso_hash`` on first read. The
    space's constructors return one shared value per cell.

    >>> NB201Arch(("skip_connect",) * 6).index
    1835
    """

    space_name: ClassVar[str] = "nb201"
    ops: tuple[str, ...]
    #: The ops read as a base-5 number over ``op_names`` (lexicographic rank).
    code: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ops = self.ops
        code = _code_of_ops(ops)
        shared = _BY_CODE[code]
        names = shared.ops if shared is not None else _ops_of_code(code)
        object.__setattr__(self, "ops", names)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "hash", _arch_string(names) if shared is None else shared.hash)

    @classmethod
    def _trusted(cls, code: int) -> NB201Arch:
        """The cell of a code in 0..15624 (not checked)."""
        arch = object.__new__(cls)
        names = _ops_of_code(code)
        object.__setattr__(arch, "ops", names)
        object.__setattr__(arch, "code", code)
        object.__setattr__(arch, "hash", _arch_string(names))
        return arch

    @functools.cached_property
    def index(self) -> int:
        """Official NB201 index (0..15624)."""
        return _index_tables()[1][self.code]

    @functools.cached_property
    def iso_hash(self) -> str:  # type: ignore[override]
        """The functional class (see the module docs)."""
        return _functional_class(self.code)


def _code_of_ops(ops: Any) -> int:
    """The code of 6 op names (or ints indexing ``op_names``); OutOfDomainError otherwise."""
    if type(ops) is tuple and len(ops) == 6:  # the common case: six known names
        ids = [_OP_INDEX.get(op) if type(op) is str else None for op in ops]
        if None not in ids:
            return _code_of(ids)  # type: ignore[arg-type]
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Sequence) or len(ops) != 6:
        raise OutOfDomainError(
            f"NB201 ops={show(ops)} must be a sequence of 6 op names "
            f"(edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) from {list(OP_NAMES)}"
        )
    return _code_of([_op_id(op, i) for i, op in enumerate(ops)])


def _arch_string(names: Sequence[str]) -> str:
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*names)


# ---- the space -------------------------------------------------------------
class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell space; see the module docstring for identities."""

    name: ClassVar[str] = "nb201"
    arch_type: ClassVar[type[Architecture]] = NB201Arch
    op_names: ClassVar[tuple[str, ...]] = OP_NAMES
    naslib_ops: ClassVar[tuple[str, ...]] = NASLIB_OPS
    node_feature_names: ClassVar[tuple[str, ...]] = ("input", *OP_NAMES, "output")
    param_free_ops: ClassVar[frozenset[str]] = frozenset({"none", "skip_connect", "avg_pool_3x3"})
    onehot_size: ClassVar[int] = len(EDGES) * len(OP_NAMES)
    views_module: ClassVar[str] = "nasbench_kit.spaces._nb201_views"

    # ---- notations ---------------------------------------------------------
    def from_ops(self, ops: Sequence[str | int]) -> NB201Arch:
        """From 6 op names, or ints indexing ``op_names``, in arch-string edge order."""
        if isinstance(ops, (str, bytes)) or not sized(ops):
            raise OutOfDomainError(f"NB201 ops={show(ops)} must be a sequence of 6 op names")
        return _arch_of_code(_code_of_ops(tuple(ops)))

    def from_string(self, s: str) -> NB201Arch:
        """Parse ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` exactly (no spaces)."""
        if not isinstance(s, str):
            raise OutOfDomainError(f"NB201 arch string must be a str, got {type(s).__name__}")
        known = _BY_STRING.get(s)
        if known is not None:
            return known
        match = _STRING_RE.fullmatch(s)
        if match is None:
            raise OutOfDomainError(self._string_error(s))
        return _arch_of_code(_code_of_ops(match.groups()))

    @staticmethod
    def _string_error(s: str) -> str:
        hint = f"; expected the form {_EXAMPLE!r}"
        nodes = s.split("+")
        if len(nodes) != 3:
            return f"NB201 string {show(s)} has {len(nodes)} '+'-separated nodes, not 3{hint}"
        for target, node in enumerate(nodes, start=1):
            if len(node) < 2 or node[0] != "|" or node[-1] != "|":
                return f"NB201 string {show(s)}: node {target} {show(node)} must start and end with '|'{hint}"
            edges = node[1:-1].split("|")
            if len(edges) != target:
                return f"NB201 string {show(s)}: node {target} needs {target} edges, got {len(edges)}{hint}"
            for source, edge in enumerate(edges):
                op, sep, src = edge.partition("~")
                if not sep or src != str(source):
                    return (
                        f"NB201 string {show(s)}: edge {show(edge)} of node {target} must read "
                        f"'<op>~{source}'{hint}"
                    )
                if op not in _OP_INDEX:
                    return f"NB201 string {show(s)}: unknown op {show(op)}; use one of {list(OP_NAMES)}"
        return f"NB201 string {show(s)} is not a valid arch string{hint}"

    def to_string(self, arch: Architecture) -> str:
        """The canonical arch string (also ``arch.hash``)."""
        return self._own(arch).hash

    def from_index(self, index: int) -> NB201Arch:
        """The cell with official NB201 index ``index`` (0..15624)."""
        if type(index) is int and 0 <= index < N_CELLS:
            return _arch_of_code(_index_tables()[0][index])
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise OutOfDomainError(f"NB201 index {show(index)} must be an int in 0..{N_CELLS - 1}")
        if not 0 <= index < N_CELLS:
            raise OutOfDomainError(
                f"NB201 index {show(index)} is out of range; valid indices are 0..{N_CELLS - 1}"
            )
        return _arch_of_code(_index_tables()[0][int(index)])

    def from_naslib(self, t: Sequence[int]) -> NB201Arch:
        """From a NASLib tuple: 6 indices into ``naslib_ops``, NASLib edge order
        (``t`` is ``|t0~0|+|t1~0|t3~1|+|t2~0|t4~1|t5~2|``)."""
        if isinstance(t, (str, bytes)) or not isinstance(t, Sequence) or len(t) != 6:
            raise OutOfDomainError(f"NASLib NB201 tuple {show(t)} must hold 6 ints in 0..4")
        for v in t:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < 5:
                raise OutOfDomainError(
                    f"NASLib NB201 tuple {show(tuple(t))}: {show(v)} is not an int in 0..4 "
                    f"(indices into {list(NASLIB_OPS)})"
                )
        return _arch_of_code(_code_of_ops(tuple(NASLIB_OPS[t[_NASLIB_EDGE[k]]] for k in range(6))))

    def to_naslib(self, arch: Architecture) -> tuple[int, ...]:
        """The NASLib tuple of ``arch`` (inverse of ``from_naslib``)."""
        ops = self._own(arch).ops
        return tuple(NASLIB_OPS.index(ops[_NASLIB_EDGE[j]]) for j in range(6))

    def parse(self, x: Any) -> NB201Arch:
        """Accepts an ``NB201Arch``, an arch string, an official index (int), a NASLib
        tuple (``tuple`` of 6 ints, or its text ``"(0, 2, 3, 2, 3, 1)"``), or a
        sequence of 6 op names."""
        if isinstance(x, NB201Arch):
            return x
        if isinstance(x, Architecture):
            raise OutOfDomainError(
                f"{show(x)} belongs to space {x.space_name!r}, not 'nb201'; parse it with its own space"
            )
        if isinstance(x, str):
            text = x.strip()
            if text.startswith("(") and text.endswith(")"):
                try:
                    values = tuple(int(v) for v in text[1:-1].split(","))
                except ValueError:
                    raise OutOfDomainError(
                        f"NASLib tuple text {show(x)} must list 6 ints, e.g. '(0, 2, 3, 2, 3, 1)'"
                    ) from None
                return self.from_naslib(values)
            return self.from_string(x)
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return self.from_index(x)
        if isinstance(x, (tuple, list, np.ndarray)) and sized(x) and len(x) == 6:
            if all(isinstance(v, str) for v in x):
                return self.from_ops(list(x))
            if isinstance(x, tuple):
                return self.from_naslib(x)
            raise OutOfDomainError(
                f"ambiguous NB201 notation {show(x)}: pass a tuple for a NASLib tuple, or call "
                "from_ops(...) for op indices in op_names order"
            )
        raise OutOfDomainError(
            f"cannot read {show(x)} as an NB201 cell; pass an arch string, an index 0..{N_CELLS - 1}, "
            "a NASLib tuple of 6 ints, or 6 op names"
        )

    def notations(self, arch: Architecture) -> dict[str, Any]:
        """Every notation of ``arch`` by name; each one ``parse``s back to ``arch``."""
        a = self._own(arch)
        return {
            "string": a.hash,
            "index": a.index,
            "ops": a.ops,
            "naslib": self.to_naslib(a),
        }

    # ---- sampling and moves -------------------------------------------------
    def sample(self, seed: int | np.random.Generator | None = None) -> NB201Arch:
        """A cell with each of the 6 ops drawn uniformly."""
        return _arch_of_code(_code_of(as_rng(seed).integers(0, 5, size=6).tolist()))

    def mutate(
        self, arch: Architecture, seed: int | np.random.Generator | None = None
    ) -> NB201Arch:
        """Change the op of one uniformly chosen edge to a different op."""
        a = self._own(arch)
        rng = as_rng(seed)
        edge = int(rng.integers(6))
        new = int(rng.integers(4))
        old = _OP_INDEX[a.ops[edge]]
        if new >= old:
            new += 1
        return _arch_of_code(a.code + (new - old) * _PLACE[edge])

    def neighbors(self, arch: Architecture) -> list[Architecture]:
        """The 24 cells one op change away."""
        a = self._own(arch)
        digits = [_OP_INDEX[op] for op in a.ops]
        return [
            _arch_of_code(a.code + (new - old) * place)
            for old, place in zip(digits, _PLACE)
            for new in range(len(OP_NAMES))
            if new != old
        ]

    @property
    def n_architectures(self) -> int:
        """15,625: every one of the 5**6 cells is a distinct key."""
        return N_CELLS

    def _enumerate(self) -> Iterator[NB201Arch]:
        """All 15,625 cells in official index order."""
        for code in _index_tables()[0]:
            yield _arch_of_code(code)

    # ---- equivalence classes -------------------------------------------------
    def iso_classes(self, rule: Literal["function", "nb201"] = "function") -> dict[str, list[int]]:
        """Class id -> official indices of its cells. ``rule="function"`` groups by
        ``iso_hash`` (4,930 classes); ``"nb201"`` by the benchmark's own unique
        string (6,466 classes, the paper's figure)."""
        if rule not in ("function", "nb201"):
            raise OutOfDomainError(f"iso rule {show(rule)} is unknown; use 'function' or 'nb201'")
        classes: dict[str, list[int]] = {}
        for index, arch in enumerate(self.enumerate()):
            key = arch.iso_hash if rule == "function" else nb201_unique_str(arch)
            classes.setdefault(key, []).append(index)
        return classes

    # ---- graphs --------------------------------------------------------------
    def to_graph(self, arch: Architecture) -> Data:
        """8 nodes (input, the 6 edge ops in string order, output) with data-flow edges:
        input -> ops leaving node 0; op (s->t) -> ops leaving t; ops into node 3 -> output."""
        a = self._own(arch)
        import torch
        from torch_geometric.data import Data

        x = torch.zeros(8, len(self.node_feature_names))
        x[0, 0] = 1.0
        for k, op in enumerate(a.ops):
            x[k + 1, 1 + _OP_INDEX[op]] = 1.0
        x[7, -1] = 1.0
        return Data(x=x, edge_index=_graph_edges().clone(), num_nodes=8)

    def _own(self, arch: Architecture) -> NB201Arch:
        if isinstance(arch, NB201Arch):
            return arch
        raise OutOfDomainError(
            f"{show(arch)} is not an NB201 architecture; build one with get_space('nb201').parse(...)"
        )


@functools.lru_cache(maxsize=1)
def _graph_edges() -> Any:
    import torch

    pairs = [(0, k + 1) for k, (_, s) in enumerate(EDGES) if s == 0]
    pairs += [
        (k + 1, m + 1)
        for k, (t, _) in enumerate(EDGES)
        for m, (_, s2) in enumerate(EDGES)
        if s2 == t
    ]
    pairs += [(k + 1, 7) for k, (t, _) in enumerate(EDGES) if t == 3]
    return torch.tensor(pairs, dtype=torch.long).t().contiguous()
