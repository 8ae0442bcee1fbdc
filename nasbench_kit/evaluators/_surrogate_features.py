"""Fast, vectorised features for surrogate models (no fitted state).

A surrogate answers thousands of architectures per call, so its features are
computed with a few numpy operations over the whole batch: the only
per-architecture Python work is reading the op names (a few microseconds).
The layout is fixed per space, so a saved surrogate needs no vocabulary:
:data:`FEATURES_VERSION` names the layout, and a loaded surrogate re-encodes a
probe of its training architectures to prove the layout has not changed.

Per space (ops without parameters -- pooling, skip -- are "free"):

- ``nb201``: the op on each of the 6 edges (one-hot), which op sequences occur
  on the 4 input->output paths that carry data (the BANANAS path encoding,
  84 columns), and the path statistics below;
- ``darts``: per cell, the op on each of the 14 possible edges (one-hot, as
  NB301's own configuration encoding) and the path statistics of the cell;
- ``nb101``: the padded 7x7 adjacency (21 bits), the op of each inner vertex
  (one-hot) and the path statistics;
- ``nbgraph``: each node's input link and op (one-hot) and the statistics of
  the input->leaf paths;
- any other space: ``space.to_onehot(arch)``.

Path statistics (per cell): for every op, how often it occurs anywhere
(``all``), on a node that lies on an input->output path (``live``), and its
sum / max / min count over those paths; then the number of paths (and its
log), whether one exists, the longest and mean path length, parametric ops
per path (sum, max, min, mean), paths with and without parametric ops, and
whether a parameter-free path exists. These mirror
:class:`~nasbench_kit.encoders.StructureEncoder`, computed by dynamic
programming over the batch.

>>> from nasbench_kit.spaces import get_space
>>> sp = get_space("nb201")
>>> featurize(sp, [sp.sample(seed=0), sp.sample(seed=1)]).shape[0]
2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.spaces import SearchSpace

__all__ = ["FEATURES_VERSION", "SurrogateEncoder", "featurize", "n_features"]

#: Bump when any layout below changes (saved surrogates record it).
FEATURES_VERSION = "surrogate-features-1"


# ---- shared path statistics --------------------------------------------------
def _stats(
    all_c: np.ndarray, live_c: np.ndarray, s: np.ndarray, mx: np.ndarray, mn: np.ndarray,
    n_paths: np.ndarray, len_sum: np.ndarray, len_max: np.ndarray, psum: np.ndarray,
    pmax: np.ndarray, pmin: np.ndarray, n_free: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Columns of one cell's path statistics (see the module docs), float32."""
    has = n_paths > 0
    safe = np.where(has, n_paths, 1.0)
    tail = [
        n_paths, np.log1p(n_paths), has, np.where(has, len_max, 0), np.where(has, len_sum / safe, 0),
        psum, np.where(has, pmax, 0), np.where(has, pmin, 0), np.where(has, psum / safe, 0),
        n_paths - n_free, n_free, n_free > 0,
    ]  # fmt: skip
    mx = np.where(has[:, None], mx, 0)
    mn = np.where(has[:, None], mn, 0)
    per_op = np.stack([all_c, live_c, s, mx, mn], axis=2).reshape(len(n_paths), -1)
    return np.hstack([per_op, np.stack(tail, axis=1)]).astype(np.float32)


def _onehot(idx: np.ndarray, size: int) -> np.ndarray:
    """One-hot of an int array (any shape; ``-1`` gives zeros), flattened per row."""
    out = np.zeros((*idx.shape, size), dtype=np.float32)
    valid = idx >= 0
    out[valid, idx[valid]] = 1.0
    return out.reshape(idx.shape[0], -1)


def _codes(archs: Sequence[Any], attr: str, names: Sequence[str]) -> np.ndarray:
    """``(n, k)`` int array of each arch's op indices (attribute ``attr``)."""
    index = {op: i for i, op in enumerate(names)}
    return np.array([[index[o] for o in getattr(a, attr)] for a in archs], dtype=np.intp)


# ---- NB201 ---------------------------------------------------------------------
# Edges in ``arch.ops`` order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2; the 4 paths 0->3.
_NB201_PATHS = ((3, -1, -1), (0, 4, -1), (1, 5, -1), (0, 2, 5))


def _nb201(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    names = tuple(space.op_names)  # type: ignore[attr-defined]
    ops = _codes(archs, "ops", names)  # (n, 6); op 0 is "none"
    n, n_ops = len(archs), len(names) - 1
    free = np.array([op in space.param_free_ops for op in names])
    seq = np.stack([np.where(np.array(p) >= 0, ops[:, np.maximum(p, 0)], -1)
                    for p in _NB201_PATHS], axis=1)  # fmt: skip  # (n, 4 paths, 3)
    real = seq >= 0
    live = ~(real & (seq == 0)).any(axis=2)  # no "none" on the path
    length = real.sum(axis=2)
    # path encoding: a code per live op sequence (len 1: 4, len 2: 16, len 3: 64)
    digits = np.where(real, seq - 1, 0)
    code = np.zeros((n, 4), dtype=np.intp)
    for k in range(3):
        code = np.where(k < length, code * n_ops + digits[:, :, k], code)
    offset = np.array([0, n_ops, n_ops + n_ops**2])[length - 1]
    bag = np.zeros((n, n_ops + n_ops**2 + n_ops**3), dtype=np.float32)
    rows, cols = np.nonzero(live)
    bag[rows, (code + offset)[rows, cols]] = 1.0
    counts = np.stack([((seq == o + 1) & real).sum(axis=2) for o in range(n_ops)], axis=2)
    counts = np.where(live[:, :, None], counts, 0)  # (n, 4, n_ops) on live paths only
    big, small = np.where(live[:, :, None], counts, -1), np.where(live[:, :, None], counts, 99)
    edge_live = np.zeros((n, 6), dtype=bool)
    for p, path in enumerate(_NB201_PATHS):
        for e in path:
            if e >= 0:
                edge_live[:, e] |= live[:, p]
    ops1 = np.arange(1, n_ops + 1)
    all_c = (ops[:, :, None] == ops1).sum(axis=1)
    live_c = ((ops[:, :, None] == ops1) & edge_live[:, :, None]).sum(axis=1)
    param = np.where(live, (counts * ~free[1:]).sum(axis=2), 0)
    n_paths = live.sum(axis=1).astype(np.float64)
    stats = _stats(
        all_c, live_c, counts.sum(axis=1), big.max(axis=1), small.min(axis=1), n_paths,
        np.where(live, length, 0).sum(axis=1), np.where(live, length, 0).max(axis=1),
        param.sum(axis=1), np.where(live, param, -1).max(axis=1),
        np.where(live, param, 99).min(axis=1), (live & (param == 0)).sum(axis=1),
    )  # fmt: skip
    return np.hstack([_onehot(ops, len(names)), bag, stats])


# ---- DARTS -------------------------------------------------------------------------
# Per node, one row of packed path statistics in three blocks: summed over the
# node's two edges (paths, length sum, params sum, parameter-free paths, op sums),
# maximised (length max, params max, op max) and minimised (params min, op min).
_P, _LS, _PS, _FP, _SUMS = range(5)


def _layout(n_ops: int) -> tuple[int, int, int]:
    """End of the summed block, end of the max block, width (min block last)."""
    s = _SUMS + n_ops
    m = s + 2 + n_ops
    return s, m, m + 1 + n_ops


def _edge_tables(free: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per op: an edge maps its input's statistics ``g`` to
    ``g * mult + g[paths] * add_paths + add_const`` (layout in :func:`_layout`)."""
    n_ops = len(free)
    s, m, width = _layout(n_ops)
    mult, add_p, add_c = np.ones((n_ops, width)), np.zeros((n_ops, width)), np.zeros((n_ops, width))
    for op in range(n_ops):
        par = 0.0 if free[op] else 1.0
        mult[op, _FP] = 1 - par  # a parametric op ends the parameter-free paths
        add_p[op, _LS], add_p[op, _PS], add_p[op, _SUMS + op] = 1, par, 1
        add_c[op, s], add_c[op, s + 1], add_c[op, s + 2 + op] = 1, par, 1  # len, params, op max
        add_c[op, m], add_c[op, m + 1 + op] = par, 1  # params min, op min
    return mult.astype(np.float32), add_p.astype(np.float32), add_c.astype(np.float32)


def _darts_cell(ops: np.ndarray, inps: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Features of one cell: ``ops``/``inps`` are ``(n, 8)`` (2 edges per node 2..5)."""
    n, n_ops = len(ops), len(free)
    s, m, width = _layout(n_ops)
    rows = np.arange(n)[:, None]
    edge = np.array([0, 2, 5, 9])[np.arange(8) // 2] + inps  # edge id 0..13 (NB301 order)
    onehot = np.zeros((n, 14, n_ops), dtype=np.float32)
    onehot[rows, edge, ops] = 1.0
    nodes = np.zeros((n, 6, width), dtype=np.float32)
    nodes[:, :2, _P] = nodes[:, :2, _FP] = 1.0  # an input: one empty path, parameter-free
    mult, add_p, add_c = _edge_tables(free)
    keep_free = mult[:, _FP]  # only the parameter-free path count is multiplied
    for k in range(2, 6):
        j = ops[:, 2 * k - 4:2 * k - 2]  # the node's two edges
        g = nodes[rows, inps[:, 2 * k - 4:2 * k - 2]]  # (n, 2, width): their inputs' stats
        two = g + g[:, :, _P:_P + 1] * add_p[j] + add_c[j]
        two[:, :, _FP] *= keep_free[j]
        nodes[:, k, :s] = two[:, :, :s].sum(axis=1)
        nodes[:, k, s:m] = two[:, :, s:m].max(axis=1)
        nodes[:, k, m:] = two[:, :, m:].min(axis=1)
    mid = nodes[:, 2:]  # nodes 2..5 all feed the output
    tot, top, low = mid[:, :, :s].sum(axis=1), mid[:, :, s:m].max(axis=1), mid[:, :, m:].min(axis=1)
    all_c = onehot.sum(axis=1)
    stats = _stats(
        all_c, all_c, tot[:, _SUMS:], top[:, 2:], low[:, 1:], tot[:, _P], tot[:, _LS],
        top[:, 0], tot[:, _PS], top[:, 1], low[:, 0], tot[:, _FP],
    )  # fmt: skip
    reads = np.stack([(inps == 0).sum(axis=1), (inps == 1).sum(axis=1)], axis=1)
    return np.hstack([onehot.reshape(n, -1), stats, reads, mid[:, :, s]]).astype(np.float32)


def _darts(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    names = tuple(space.op_names)  # type: ignore[attr-defined]
    code = {(op, i): 8 * k + i for k, op in enumerate(names) for i in range(5)}
    get = code.__getitem__
    flat = np.fromiter((c for a in archs for c in map(get, a.normal + a.reduce)),
                       dtype=np.intp, count=16 * len(archs)).reshape(len(archs), 2, 8)  # fmt: skip
    free = np.array([op in space.param_free_ops for op in names])
    cells = [_darts_cell(flat[:, c] // 8, flat[:, c] % 8, free) for c in range(2)]
    return np.hstack(cells)


# ---- NB101 -------------------------------------------------------------------------
def _nb101(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    names = tuple(space.op_names)  # type: ignore[attr-defined]
    index = {op: i for i, op in enumerate(names)}
    n, n_ops, V = len(archs), len(names), 7
    A = np.zeros((n, V, V))
    lab = np.full((n, V), -1, dtype=np.intp)
    for r, a in enumerate(archs):
        m = np.asarray(a.matrix)
        k = len(m)
        pos = np.r_[np.arange(k - 1), V - 1]  # pad: the output goes to vertex 6
        A[r][np.ix_(pos, pos)] = m
        lab[r, pos[1:-1]] = [index[o] for o in a.ops[1:-1]]
    free = np.array([op in space.param_free_ops for op in names])
    hit = (lab[:, :, None] == np.arange(n_ops)).astype(np.float64)  # (n, V, n_ops)
    par = np.where(lab >= 0, ~free[np.maximum(lab, 0)], False).astype(np.float64)
    node = (lab >= 0).astype(np.float64)
    P, S = np.zeros((n, V)), np.zeros((n, V, n_ops))
    MX, MN = np.full((n, V, n_ops), -np.inf), np.full((n, V, n_ops), np.inf)
    LS, LX, PS = np.zeros((n, V)), np.full((n, V), -np.inf), np.zeros((n, V))
    PX, PN, FP = np.full((n, V), -np.inf), np.full((n, V), np.inf), np.zeros((n, V))
    P[:, 0], FP[:, 0] = 1.0, 1.0
    MX[:, 0] = MN[:, 0] = 0.0
    LX[:, 0] = PX[:, 0] = PN[:, 0] = 0.0
    for v in range(1, V):
        a = A[:, :v, v]  # (n, v) predecessors
        on = a[:, :, None] > 0
        P[:, v] = (a * P[:, :v]).sum(axis=1)
        S[:, v] = np.einsum("nu,nuo->no", a, S[:, :v]) + P[:, v, None] * hit[:, v]
        MX[:, v] = np.where(on, MX[:, :v], -np.inf).max(axis=1) + hit[:, v]
        MN[:, v] = np.where(on, MN[:, :v], np.inf).min(axis=1) + hit[:, v]
        LS[:, v] = (a * LS[:, :v]).sum(axis=1) + P[:, v] * node[:, v]
        LX[:, v] = np.where(a > 0, LX[:, :v], -np.inf).max(axis=1) + node[:, v]
        PS[:, v] = (a * PS[:, :v]).sum(axis=1) + P[:, v] * par[:, v]
        PX[:, v] = np.where(a > 0, PX[:, :v], -np.inf).max(axis=1) + par[:, v]
        PN[:, v] = np.where(a > 0, PN[:, :v], np.inf).min(axis=1) + par[:, v]
        FP[:, v] = (a * FP[:, :v]).sum(axis=1) * (1.0 - par[:, v])
    back = np.zeros((n, V), dtype=bool)  # reaches the output
    back[:, V - 1] = True
    for v in range(V - 2, -1, -1):
        back[:, v] = ((A[:, v, v + 1:] > 0) & back[:, v + 1:]).any(axis=1)
    live = back & (P > 0)
    o = V - 1
    all_c = hit.sum(axis=1)
    stats = _stats(
        all_c, (hit * live[:, :, None]).sum(axis=1), S[:, o], MX[:, o], MN[:, o], P[:, o],
        LS[:, o], LX[:, o], PS[:, o], PX[:, o], PN[:, o], FP[:, o],
    )  # fmt: skip
    iu = np.triu_indices(V, 1)
    shape = np.stack([node.sum(axis=1), A.sum(axis=(1, 2)), A[:, 0].sum(axis=1),
                      A[:, :, o].sum(axis=1)], axis=1)  # fmt: skip
    return np.hstack([A[:, iu[0], iu[1]], _onehot(lab[:, 1:6], n_ops), stats, shape]).astype(
        np.float32
    )


# ---- NAS-Bench-Graph ---------------------------------------------------------------
def _nbgraph(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    names = tuple(space.op_names)  # type: ignore[attr-defined]
    ops = _codes(archs, "ops", names)  # (n, 4)
    links = np.array([a.links for a in archs], dtype=np.intp)  # node i+1 reads links[i]
    n, n_ops = len(archs), len(names)
    free = np.array([op in space.param_free_ops for op in names])
    hit = (ops[:, :, None] == np.arange(n_ops)).astype(np.float64)  # (n, 4, n_ops)
    C = np.zeros((n, 5, n_ops))  # op counts from the input to node v (a tree: one path)
    depth = np.zeros((n, 5))
    rows = np.arange(n)
    for i in range(4):
        C[:, i + 1] = C[rows, links[:, i]] + hit[:, i]
        depth[:, i + 1] = depth[rows, links[:, i]] + 1
    leaf = np.ones((n, 5), dtype=bool)
    leaf[:, 0] = False
    for i in range(4):
        leaf[rows, links[:, i]] = False
    lf = leaf[:, :, None]
    par = (C * ~free).sum(axis=2)
    nleaf = leaf.sum(axis=1).astype(np.float64)
    all_c = hit.sum(axis=1)
    stats = _stats(
        all_c, all_c, (C * lf).sum(axis=1), np.where(lf, C, -1).max(axis=1),
        np.where(lf, C, 99).min(axis=1), nleaf, (depth * leaf).sum(axis=1),
        np.where(leaf, depth, -1).max(axis=1), (par * leaf).sum(axis=1),
        np.where(leaf, par, -1).max(axis=1), np.where(leaf, par, 99).min(axis=1),
        (leaf & (par == 0)).sum(axis=1),
    )  # fmt: skip
    return np.hstack([_onehot(links, 4), _onehot(ops, n_ops), stats, depth[:, 1:]]).astype(
        np.float32
    )


_BUILDERS = {"nb201": _nb201, "darts": _darts, "nb101": _nb101, "nbgraph": _nbgraph}


def featurize(space: SearchSpace, archs: Sequence[Any]) -> np.ndarray:
    """``(len(archs), n_features)`` float32 features of parsed ``archs`` of ``space``."""
    build = _BUILDERS.get(space.name)
    if not archs:
        return np.zeros((0, n_features(space)), dtype=np.float32)
    if build is None:
        return np.stack([np.asarray(space.to_onehot(a), dtype=np.float32) for a in archs])
    return build(space, archs)


def n_features(space: SearchSpace) -> int:
    """Number of feature columns for ``space``."""
    return int(featurize(space, [space.sample(seed=0)]).shape[1])


class SurrogateEncoder(Encoder):
    """:func:`featurize` as an encoder, so the package's predictors can fit on it.

    It has no vocabulary: ``fit`` only records the space.

    >>> from nasbench_kit.predictors import LinearPredictor
    >>> from nasbench_kit.spaces import get_space
    >>> archs = [get_space("darts").sample(seed=s) for s in range(12)]
    >>> p = LinearPredictor(encoder=SurrogateEncoder()).fit(archs, [float(s) for s in range(12)])
    >>> p.predict(archs[:2]).shape
    (2,)
    """

    def _setup(self, archs: list[Any]) -> None:
        self.n_features_ = n_features(self.space_)

    def _encode(self, archs: list[Any]) -> np.ndarray:
        return featurize(self.space_, archs)
