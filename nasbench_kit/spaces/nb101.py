"""NAS-Bench-101: cells of at most 7 vertices and 9 edges, 3 ops (423,624 cells).

A cell is a DAG given by a 0/1 upper-triangular matrix (``matrix[i][j] == 1``
means an edge ``i -> j``, so ``i < j``) and one op per vertex: ``"input"``
first, ``"output"`` last, and ``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or
``maxpool3x3`` in between.

Identity of an :class:`NB101Arch`:

- the spec is *pruned* like the official ``ModelSpec`` (vertices not on an
  input -> output path are dropped), then the limits (at most 7 vertices and
  9 edges) are checked on the pruned cell, as the official API does;
- the pruned cell is written in a canonical vertex order
  (:func:`~nasbench_kit.spaces._graph.canonical_order`), so isomorphic specs
  give identical ``matrix``/``ops`` and ``to_string``;
- ``hash`` is the official NAS-Bench-101 module hash (iterated MD5 over
  out-degree, in-degree and label, input = -1, output = -2, ops by their index
  in :data:`OPS`), so it is the key of the official files. It is
  isomorphism-invariant, hence ``iso_hash == hash``.

Notations (``parse`` takes any): an ``NB101Arch``; the canonical string
``"<matrix rows as 0/1 digits, comma-joined>|<internal ops, comma-joined>"``;
a ``(matrix, ops)`` pair; a dict ``{"matrix": ..., "ops": ...}`` (or the
official ``module_adjacency``/``module_operations`` keys); NASLib's tuple of
``n*n`` adjacency entries then ``n`` op codes over :data:`NASLIB_OPS`.

One edit (``mutate``/``neighbors``) is: flip one edge of the pruned cell,
change one op, or -- when the cell has fewer than 7 vertices -- insert a new
op vertex on a new path ``u -> new -> v`` (otherwise a shrunken cell could
never grow back, since a lone new edge to a spare vertex is pruned away).

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nb101")
>>> a = space.from_spec([[0, 1, 1], [0, 0, 1], [0, 0, 0]],
...                     ["input", "conv3x3-bn-relu", "output"])
>>> a.to_string()
'011,001,000|conv3x3-bn-relu'
>>> space.parse(a.to_string()) == a, len(space)
(True, 423624)
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from nasbench_kit._rng import as_rng
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import _graph
from nasbench_kit.spaces._base import Architecture, SearchSpace
from nasbench_kit.spaces._checks import as_array, show, sized
from nasbench_kit.spaces._nb101_cells import (
    INPUT,
    MAX_EDGES,
    MAX_VERTICES,
    N_CELLS,
    NASLIB_OPS,
    OPS,
    OUTPUT,
    Invalid,
    bad,
    canonical,
    cell,
)

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Data

_EXAMPLE = "011,001,000|conv3x3-bn-relu"
_MAX_NASLIB = 16 * 16 + 16  # the longest NASLib tuple from_naslib reads (n <= 16)


@functools.lru_cache(maxsize=MAX_VERTICES + 1)
def _static_moves(n: int) -> tuple[tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]:
    """The edge flips and vertex inserts of any ``n``-vertex cell (they do not depend
    on its edges or ops)."""
    edges = tuple(("edge", i, j) for i in range(n) for j in range(i + 1, n))
    if n >= MAX_VERTICES:
        return edges, ()
    inserts = tuple(
        ("insert", p, u, v, op)
        for p in range(1, n)
        for u in range(p)
        for v in range(p, n)
        for op in OPS
    )
    return edges, inserts


def _short(x: Sequence[Any] | np.ndarray) -> bool:
    """Whether ``x`` is small enough to be a NASLib tuple (checked before copying it)."""
    return (x.size if isinstance(x, np.ndarray) else len(x)) <= _MAX_NASLIB


# ---- the architecture value -----------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class NB101Arch(Architecture):
    """One NB101 cell, stored pruned and in canonical order (any valid spec is accepted).

    >>> a = NB101Arch(((0, 1), (0, 0)), ("input", "output"))
    >>> a.hash == a.iso_hash, a.num_vertices, a.num_edges
    (True, 2, 1)
    """

    space_name: ClassVar[str] = "nb101"
    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        matrix, ops, digest = canonical(self.matrix, self.ops)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "hash", digest)
        object.__setattr__(self, "iso_hash", digest)

    @classmethod
    def _trusted(cls, rows: list[list[int]], names: list[str]) -> NB101Arch:
        """The cell of a spec known to be well formed (0/1 upper-triangular int rows,
        valid op names); raises :class:`Invalid` when a cell rule fails."""
        matrix, ops, digest = cell(rows, names)
        arch = object.__new__(cls)
        for name, value in (
            ("matrix", matrix),
            ("ops", ops),
            ("hash", digest),
            ("iso_hash", digest),
        ):
            object.__setattr__(arch, name, value)
        return arch

    @property
    def num_vertices(self) -> int:
        """Vertices of the pruned cell, input and output included."""
        return len(self.ops)

    @property
    def num_edges(self) -> int:
        """Edges of the pruned cell."""
        return sum(map(sum, self.matrix))


# ---- the space ---------------------------------------------------------------------
class NB101Space(SearchSpace):
    """The NAS-Bench-101 cell space (module docs give the rules and notations)."""

    name: ClassVar[str] = "nb101"
    arch_type: ClassVar[type[Architecture]] = NB101Arch
    node_feature_names: ClassVar[tuple[str, ...]] = (
        INPUT, "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", OUTPUT,
    )  # fmt: skip
    op_names: ClassVar[tuple[str, ...]] = OPS
    param_free_ops: ClassVar[frozenset[str]] = frozenset({"maxpool3x3"})
    #: 21 upper-triangular entries of the padded 7 x 7 matrix + 5 inner op one-hots.
    onehot_size: ClassVar[int] = MAX_VERTICES * (MAX_VERTICES - 1) // 2 + 5 * len(OPS)
    views_module: ClassVar[str] = "nasbench_kit.spaces._nb101_views"

    # ---- notations -----------------------------------------------------------------
    def from_spec(self, matrix: Any, ops: Sequence[str]) -> NB101Arch:
        """The cell of an adjacency ``matrix`` and ``ops`` (pruned and canonicalised)."""
        return NB101Arch(matrix, ops)

    def from_string(self, s: str) -> NB101Arch:
        """Parse ``"<rows>|<internal ops>"``, e.g. ``'011,001,000|conv3x3-bn-relu'``."""
        if not isinstance(s, str) or s.count("|") != 1:
            raise bad(s, "an NB101 string is '<matrix rows>|<ops>'", f"e.g. {_EXAMPLE!r}")
        left, right = s.strip().split("|")
        rows = [r.strip() for r in left.split(",")]
        n = len(rows)
        if any(len(r) != n or set(r) - {"0", "1"} for r in rows):
            raise bad(s, f"the {n} matrix rows must each be {n} digits 0/1", f"e.g. {_EXAMPLE!r}")
        ops = [o.strip() for o in right.split(",")] if right.strip() else []
        if len(ops) == n - 2:
            ops = [INPUT, *ops, OUTPUT]
        elif len(ops) != n:
            raise bad(s, f"{len(ops)} ops for {n} vertices", "list the n-2 internal ops")
        return NB101Arch([[int(c) for c in r] for r in rows], ops)

    def to_string(self, arch: Architecture) -> str:
        a = self._own(arch)
        rows = ",".join("".join(map(str, row)) for row in a.matrix)
        return f"{rows}|{','.join(a.ops[1:-1])}"

    def from_naslib(self, t: Any) -> NB101Arch:
        """NASLib's tuple: ``n*n`` adjacency entries, then ``n`` op codes over ``NASLIB_OPS``."""
        values = None if isinstance(t, (str, bytes)) else as_array(t)
        values = np.empty(0) if values is None else values.ravel()
        n = next((k for k in range(2, 17) if k * k + k == len(values)), 0)  # <= _MAX_NASLIB
        if not n or values.dtype.kind not in "biu":
            raise bad(
                t,
                "a NASLib NB101 tuple holds n*n adjacency entries then n op codes (56 for n=7)",
                f"op codes index {list(NASLIB_OPS)}",
            )
        codes = values[n * n :].tolist()
        if not all(0 <= c < len(NASLIB_OPS) for c in codes):
            raise bad(t, f"op codes {codes} must lie in 0..4", f"codes index {list(NASLIB_OPS)}")
        return NB101Arch(values[: n * n].reshape(n, n), [NASLIB_OPS[c] for c in codes])

    def to_naslib(self, arch: Architecture) -> tuple[int, ...]:
        """NASLib's 56-tuple; smaller cells are padded with unconnected conv3x3 vertices."""
        a = self._own(arch)
        n, pad = a.num_vertices, MAX_VERTICES - a.num_vertices
        m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
        keep = [*range(n - 1), MAX_VERTICES - 1]  # pad just before the output
        m[np.ix_(keep, keep)] = a.matrix
        ops = [*a.ops[:-1], *[OPS[0]] * pad, OUTPUT]
        return tuple(int(v) for v in m.ravel()) + tuple(NASLIB_OPS.index(o) for o in ops)

    def parse(self, x: Any) -> NB101Arch:
        if isinstance(x, NB101Arch):
            return x
        if isinstance(x, Architecture):
            raise bad(x, f"is a {x.space_name} architecture", "parse an NB101 notation")
        if isinstance(x, str):
            return self.from_string(x)
        if isinstance(x, Mapping):
            matrix = x.get("matrix", x.get("module_adjacency"))
            ops = x.get("ops", x.get("module_operations"))
            if matrix is None or ops is None:
                raise bad(x, "a dict needs 'matrix' and 'ops'", "pass {'matrix': m, 'ops': o}")
            return NB101Arch(matrix, ops)
        if isinstance(x, (Sequence, np.ndarray)) and sized(x) and len(x) == 2:
            return NB101Arch(x[0], x[1])
        if isinstance(x, (Sequence, np.ndarray)) and sized(x) and _short(x):
            flat = as_array(x, dtype=object)
            if flat is not None and all(isinstance(v, (int, np.integer)) for v in flat.ravel()):
                return self.from_naslib(x)
        raise bad(
            x,
            "is not an NB101 notation",
            f"pass a string like {_EXAMPLE!r}, (matrix, ops), a dict or a NASLib tuple",
        )

    def notations(self, arch: Architecture) -> dict[str, Any]:
        a = self._own(arch)
        return {
            "string": self.to_string(a),
            "hash": a.hash,
            "spec": {"matrix": [list(r) for r in a.matrix], "ops": list(a.ops)},
            "naslib": self.to_naslib(a),
            "num_vertices": a.num_vertices,
            "num_edges": a.num_edges,
        }

    # ---- sampling and moves ---------------------------------------------------------
    def sample(self, seed: int | np.random.Generator | None = None) -> NB101Arch:
        """The official ``random_spec`` sampler: a uniform random 7 x 7 upper-triangular
        matrix and uniform ops, redrawn until the pruned cell is valid."""
        rng = as_rng(seed)
        while True:
            bits = rng.integers(0, 2, size=(MAX_VERTICES, MAX_VERTICES)).tolist()
            rows = [[b if j > i else 0 for j, b in enumerate(row)] for i, row in enumerate(bits)]
            ops = [INPUT, *(OPS[i] for i in rng.integers(0, 3, MAX_VERTICES - 2).tolist()), OUTPUT]
            try:
                return NB101Arch._trusted(rows, ops)
            except Invalid:
                continue

    def _move_groups(self, a: NB101Arch) -> dict[str, Sequence[tuple[Any, ...]]]:
        """The one-edit moves of ``a`` by kind (a kind may have none)."""
        edges, inserts = _static_moves(a.num_vertices)
        ops = [("op", k, op) for k in range(1, len(a.ops) - 1) for op in OPS if op != a.ops[k]]
        return {"edge": edges, "op": ops, "insert": inserts}

    def _moves(self, a: NB101Arch) -> list[tuple[Any, ...]]:
        """Every one-edit move: edge flips, op changes, vertex inserts (in this order)."""
        return [m for group in self._move_groups(a).values() for m in group]

    @staticmethod
    def _apply(a: NB101Arch, move: tuple[Any, ...]) -> NB101Arch | None:
        rows = [list(r) for r in a.matrix]
        ops = list(a.ops)
        if move[0] == "edge":
            rows[move[1]][move[2]] ^= 1
        elif move[0] == "op":
            ops[move[1]] = move[2]
        else:  # insert a vertex before index p, fed by u, feeding v (old indices)
            _, p, u, v, op = move
            rows = [[*r[:p], 0, *r[p:]] for r in rows]
            rows.insert(p, [0] * (len(rows) + 1))
            rows[u][p] = 1
            rows[p][v + 1] = 1
            ops.insert(p, op)
        try:
            new = NB101Arch._trusted(rows, ops)
        except Invalid:
            return None
        return None if new.hash == a.hash else new

    def mutate(
        self, arch: Architecture, seed: int | np.random.Generator | None = None
    ) -> NB101Arch:
        """A random one-edit neighbour: the kind of edit (edge / op / insert) is drawn
        uniformly among the available kinds, then the edit, until the result is valid."""
        a = self._own(arch)
        rng = as_rng(seed)
        groups = self._move_groups(a)
        kinds = sorted(kind for kind, group in groups.items() if group)
        for _ in range(64):
            group = groups[kinds[int(rng.integers(len(kinds)))]]
            new = self._apply(a, group[int(rng.integers(len(group)))])
            if new is not None:
                return new
        moves = self._moves(a)
        for i in rng.permutation(len(moves)):  # exhaustive fallback, still random
            new = self._apply(a, moves[int(i)])
            if new is not None:
                return new
        raise bad(a.to_string(), "has no valid one-edit neighbour", "sample another cell")

    def neighbors(self, arch: Architecture) -> list[Architecture]:
        """Every distinct valid cell one edit away (edge flip, op change, vertex insert)."""
        a = self._own(arch)
        seen: dict[str, NB101Arch] = {}
        for move in self._moves(a):
            new = self._apply(a, move)
            if new is not None:
                seen.setdefault(new.hash, new)
        return list(seen.values())

    # ---- finiteness -------------------------------------------------------------------
    @property
    def n_architectures(self) -> int:
        """423,624 valid cells up to isomorphism (the published count)."""
        return N_CELLS

    def _enumerate(self) -> Iterator[NB101Arch]:
        """Every cell once, by vertex count (one per isomorphism class; takes 1-2 minutes)."""
        seen: set[str] = set()
        for matrices, labels in enumerate_cells():
            for m, lab in zip(matrices, labels):
                ops = [INPUT, *(OPS[int(k)] for k in lab), OUTPUT]
                arch = NB101Arch(m, ops)
                if arch.hash not in seen:
                    seen.add(arch.hash)
                    yield arch

    # ---- graphs --------------------------------------------------------------------
    def to_graph(self, arch: Architecture) -> Data:
        """One node per vertex of the pruned cell (one-hot op), one edge per matrix edge."""
        a = self._own(arch)
        import torch
        from torch_geometric.data import Data

        column = {name: k for k, name in enumerate(self.node_feature_names)}
        x = torch.zeros(a.num_vertices, len(column), dtype=torch.float32)
        x[torch.arange(a.num_vertices), torch.tensor([column[o] for o in a.ops])] = 1.0
        src, dst = np.nonzero(np.asarray(a.matrix))
        edge_index = torch.tensor(np.stack([src, dst]), dtype=torch.long)
        return Data(x=x, edge_index=edge_index, num_nodes=a.num_vertices)

    def _own(self, arch: Architecture) -> NB101Arch:
        if isinstance(arch, NB101Arch):
            return arch
        raise OutOfDomainError(
            f"{show(arch)} is not an NB101 architecture; build one with get_space('nb101').parse(...)"
        )


def enumerate_cells(
    max_vertices: int = MAX_VERTICES, max_edges: int = MAX_EDGES
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per vertex count 2..``max_vertices``: ``(matrices (G, n, n) int8, labels (G, n-2) int8)``,
    one upper-triangular spec per isomorphism class of valid cells (labels index ``OPS``).

    >>> sum(len(m) for m, _ in enumerate_cells(max_vertices=4))
    91
    """
    for n in range(2, max_vertices + 1):
        reps, autos = _graph.structure_classes(_graph.full_dags(n, max_edges))
        orbits = _graph.labelling_orbits(n, autos, len(OPS))
        matrices = np.repeat(reps, [len(o) for o in orbits], axis=0)
        yield matrices, np.concatenate(orbits).reshape(len(matrices), n - 2)
