"""Labelled-DAG helpers for cell spaces: pruning, hashing, canonical order, enumeration.

A *cell* is a DAG on vertices ``0..n-1`` given as an upper-triangular 0/1
matrix (edge ``i -> j`` only for ``i < j``), vertex 0 the input, vertex
``n-1`` the output, and an integer label per vertex. Everything here is
generic over the labels; NAS-Bench-101 (``nb101.py``) is the main user.

- :func:`prune_mask`: the vertices on some input -> output path.
- :func:`module_hash`: the iterated-MD5 (Weisfeiler-Lehman style) graph hash of
  the NAS-Bench-101 release (same strings as its ``hash_module``).
- :func:`canonical_order`: one canonical topological order per isomorphism
  class, so isomorphic cells get identical matrices.
- :func:`full_dags`, :func:`structure_classes`, :func:`labelling_orbits`,
  :func:`wl_fingerprints`: the vectorised enumeration of all cells up to
  isomorphism (see ``benchmarks/enumerate_nb101.py`` for the argument that the
  integer refinement partitions cells exactly as the MD5 hash does).

>>> import numpy as np
>>> m = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
>>> module_hash(m, [-1, 0, 1, -2]) == module_hash(m, [-1, 1, 0, -2])
True
>>> [len(full_dags(n, 9)) for n in (2, 3, 4)]
[1, 2, 10]
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import itertools
from collections.abc import Sequence

import numpy as np

from nasbench_kit.errors import OutOfDomainError

__all__ = [
    "canonical_order",
    "full_dags",
    "labelling_orbits",
    "module_hash",
    "prune_mask",
    "structure_classes",
    "wl_fingerprints",
]


# ---- single cells ------------------------------------------------------------
def prune_mask(rows: Sequence[Sequence[int]]) -> list[bool]:
    """Which vertices lie on some path 0 -> n-1 (``rows`` upper-triangular 0/1).

    >>> prune_mask([[0, 1, 1], [0, 0, 0], [0, 0, 0]])
    [True, False, True]
    """
    n = len(rows)
    fwd = [False] * n
    fwd[0] = True
    for i in range(n - 1):  # upper-triangular: vertex i is decided before its successors
        if fwd[i]:
            row = rows[i]
            for j in range(i + 1, n):
                if row[j]:
                    fwd[j] = True
    bwd = [False] * n
    bwd[n - 1] = True
    for i in range(n - 2, -1, -1):
        row = rows[i]
        for j in range(i + 1, n):
            if row[j] and bwd[j]:
                bwd[i] = True
                break
    return [f and b for f, b in zip(fwd, bwd)]


try:  # CPython's own MD5: the same digests, about twice as fast on short strings
    from _md5 import md5 as _md5
except ImportError:  # pragma: no cover - builds without it
    _md5 = hashlib.md5


@functools.lru_cache(maxsize=4096)
def _first_hash(out_degree: int, in_degree: int, label: int) -> bytes:
    """Round 0 of :func:`module_hash` for one vertex (hex digits as bytes)."""
    return _md5(str((out_degree, in_degree, label)).encode()).hexdigest().encode()


def module_hash(matrix: Sequence[Sequence[int]] | np.ndarray, labels: Sequence[int]) -> str:
    """Iterated-MD5 hash of a labelled DAG (invariant under vertex relabelling).

    Round 0 hashes ``str((out_degree, in_degree, label))`` per vertex; each of
    ``n`` rounds hashes the sorted in-neighbour hashes, ``|``, the sorted
    out-neighbour hashes, ``|``, and the vertex's own hash; the result is the
    MD5 of ``str(sorted(hashes))``. This reproduces the published NAS-Bench-101
    module hashes when labels are ``-1`` (input), ``-2`` (output) and op indices.
    (The hex digests are kept as bytes between rounds; the text hashed is the same.)
    """
    rows = matrix.tolist() if isinstance(matrix, np.ndarray) else matrix
    n = len(rows)
    vertices = range(n)
    ins = [[w for w in vertices if rows[w][v]] for v in vertices]
    outs = [[w for w in vertices if rows[v][w]] for v in vertices]
    hashes = [_first_hash(len(outs[v]), len(ins[v]), int(labels[v])) for v in vertices]
    md5, hexlify, join, bar = _md5, binascii.hexlify, b"".join, b"|"
    neighbours = list(zip(ins, outs))
    for _ in vertices:
        new = []
        for (i, o), own in zip(neighbours, hashes):
            text = [hashes[w] for w in i]
            text.sort()
            after = [hashes[w] for w in o]
            after.sort()
            text.append(bar)
            text += after
            text.append(bar)
            text.append(own)
            new.append(hexlify(md5(join(text)).digest()))
        hashes = new
    return md5(str(sorted([h.decode() for h in hashes])).encode()).hexdigest()


def canonical_order(rows: Sequence[Sequence[int]], labels: Sequence[int]) -> list[int]:
    """A canonical topological order (old vertex ids) of a labelled DAG.

    Among all topological orders, the one whose label sequence and then
    upper-triangle bits (row by row) are lexicographically smallest. The
    choice depends only on the isomorphism class, so relabelling a cell by it
    gives the same matrix for every isomorphic input. Orders are grown
    greedily by label, branching only over ties, so this is cheap.
    """
    n = len(labels)
    preds = [0] * n
    for w, row in enumerate(rows):
        for v, edge in enumerate(row):
            if edge:
                preds[v] |= 1 << w
    best: tuple[tuple[list[int], list[int]], list[int]] | None = None
    stack: list[tuple[list[int], int]] = [([], 0)]
    while stack:
        order, placed = stack.pop()
        if len(order) == n:
            if best is None and not stack:  # no tie was met: the only candidate
                return order
            key = (
                [labels[v] for v in order],
                [rows[order[i]][order[j]] for i in range(n) for j in range(i + 1, n)],
            )
            if best is None or key < best[0]:
                best = (key, order)
            continue
        ready = [v for v in range(n) if not placed >> v & 1 and preds[v] & ~placed == 0]
        if not ready:  # pragma: no cover - callers pass DAGs
            raise OutOfDomainError(f"graph {rows!r} has a cycle; cells must be DAGs")
        low = min(labels[v] for v in ready)
        for v in ready:
            if labels[v] == low:
                stack.append((order + [v], placed | 1 << v))
    if best is None:  # pragma: no cover - n == 0
        return []
    return best[1]


# ---- enumeration ---------------------------------------------------------------
def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    out = np.zeros(x.shape, dtype=np.int64)
    y = x.copy()
    while y.any():
        out += (y & 1).astype(np.int64)
        y >>= 1
    return out


def full_dags(n: int, max_edges: int) -> np.ndarray:
    """All ``(S, n, n)`` int8 upper-triangular DAGs with at most ``max_edges`` edges in
    which every vertex lies on a path 0 -> n-1 (every non-output row and every
    non-input column has an edge), in increasing order of their edge bitmask."""
    pairs = [(i, j) for j in range(n) for i in range(j)]  # bit k <-> edge pairs[k]
    if not pairs:
        return np.zeros((1 if n == 1 else 0, n, n), dtype=np.int8)
    masks = np.arange(1 << len(pairs), dtype=np.int64)
    masks = masks[_popcount(masks) <= max_edges]
    for v in range(n):
        out_bits = sum(1 << k for k, (i, _) in enumerate(pairs) if i == v)
        in_bits = sum(1 << k for k, (_, j) in enumerate(pairs) if j == v)
        if v < n - 1:
            masks = masks[(masks & out_bits) != 0]
        if v > 0:
            masks = masks[(masks & in_bits) != 0]
    adj = np.zeros((len(masks), n, n), dtype=np.int8)
    for k, (i, j) in enumerate(pairs):
        adj[:, i, j] = (masks >> k) & 1
    return adj


def structure_classes(adj: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Group DAGs up to isomorphism fixing vertex 0 and ``n-1``.

    Returns one representative per class (the first member in ``adj`` order,
    so still upper-triangular) and, per representative, its automorphisms as
    rows ``p`` with ``rep[p][:, p] == rep`` (``p[0] == 0``, ``p[-1] == n-1``).
    """
    s, n, _ = adj.shape
    perms = np.array(
        [(0, *p, n - 1) for p in itertools.permutations(range(1, n - 1))], dtype=np.intp
    ).reshape(-1, n)
    weights = (np.int64(1) << np.arange(n * n, dtype=np.int64)).reshape(n, n)
    codes = np.empty((s, len(perms)), dtype=np.int64)
    a64 = adj.astype(np.int64)
    for k, p in enumerate(perms):
        codes[:, k] = (a64[:, p][:, :, p] * weights).sum(axis=(1, 2))
    _, first = np.unique(codes.min(axis=1), return_index=True)
    first.sort()
    autos = [perms[codes[r] == codes[r, 0]] for r in first]  # perms[0] is the identity
    return adj[first], autos


def labelling_orbits(n: int, autos: Sequence[np.ndarray], n_labels: int) -> list[np.ndarray]:
    """Per structure, one internal labelling per orbit under its automorphisms.

    Labellings of the ``n-2`` internal vertices are coded base ``n_labels``
    (first internal vertex most significant); each returned array holds the
    smallest code of each orbit, as ``(k, n-2)`` int8 label rows.
    """
    k = n - 2
    codes = np.arange(n_labels**k, dtype=np.int64)
    digits = (codes[:, None] // n_labels ** np.arange(k - 1, -1, -1)) % n_labels
    place = n_labels ** np.arange(k - 1, -1, -1, dtype=np.int64)
    out = []
    for group in autos:
        canon = np.min(np.stack([(digits[:, g[1:-1] - 1] * place).sum(1) for g in group]), 0)
        out.append(digits[np.unique(canon)].astype(np.int8))
    return out


def _intern(rows: np.ndarray) -> np.ndarray:
    """Dense ids with ``id[i] == id[j]`` iff ``rows[i] == rows[j]`` (exact, not probabilistic).

    A random linear form of each row groups candidates; the grouping is then
    checked row by row against each group's first row and, in the (never
    observed) event of a collision, recomputed by an exact ``np.unique``.
    """
    # A random linear form only buckets rows; exactness comes from the check below.
    w = np.random.default_rng(0x5EED).random(rows.shape[1]) + 1.0
    h = rows.astype(np.float64) @ w
    order = np.argsort(h)
    hs = h[order]
    new = np.empty(len(h), dtype=bool)
    new[:1] = True
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    ids_sorted = np.cumsum(new) - 1
    ids = np.empty(len(h), dtype=np.int64)
    ids[order] = ids_sorted
    firsts = order[new]
    if not np.array_equal(rows[firsts[ids]], rows):
        ids = np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)
    return ids


def wl_fingerprints(adj: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Integer Weisfeiler-Lehman fingerprints of ``G`` labelled DAGs of one size ``n``.

    Same refinement as :func:`module_hash` with MD5 replaced by exact interning:
    round 0 colours ``(out_degree, in_degree, label)``, then ``n`` rounds of
    ``(sorted in-colours, sorted out-colours, own colour)``; the fingerprint is
    the sorted colour multiset, interned. Two graphs get the same id iff their
    MD5 hashes agree (barring MD5 collisions). Ids are local to this call.
    """
    g, n, _ = adj.shape
    a = adj.astype(bool)
    at = a.transpose(0, 2, 1)
    base = np.stack([adj.sum(2), adj.sum(1), labels], axis=-1).reshape(g * n, 3)
    colour = _intern(base.astype(np.int64)).reshape(g, n).astype(np.int32)
    nbrs = np.empty((g, n, 2, n), dtype=np.int32)
    for _ in range(n):
        c = np.broadcast_to(colour[:, None, :], (g, n, n))
        nbrs.fill(-1)
        np.copyto(nbrs[:, :, 0], c, where=at)  # in-neighbour colours, -1 elsewhere
        np.copyto(nbrs[:, :, 1], c, where=a)  # out-neighbour colours
        nbrs.sort(axis=-1)  # slot 0 is always -1 (no self loops): dropped below
        rows = np.concatenate(
            [nbrs[:, :, :, 1:].reshape(g, n, 2 * n - 2), colour[:, :, None]], axis=-1
        )
        colour = _intern(rows.reshape(g * n, -1)).reshape(g, n).astype(np.int32)
    colour.sort(axis=1)
    return _intern(colour)
