"""Planetoid citation graphs (Cora, CiteSeer, PubMed) from the official raw files.

The raw folder holds ``ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}``:
``x``/``tx``/``allx`` are pickled ``scipy.sparse.csr_matrix`` features (the
labelled training nodes, the test nodes, all non-test nodes), ``y``/``ty``/
``ally`` the matching one-hot label arrays, ``graph`` a pickled
``defaultdict(list)`` adjacency list and ``test.index`` a text file of test
node ids. The pickles are read through the restricted unpickler with the csr
class mapped to an inert record; the matrix is rebuilt here from its stored
``data`` / ``indices`` / ``indptr`` arrays (no scipy code runs).

The result is the standard Planetoid split used by PyG and NAS-Bench-Graph:
train = the ``len(y)`` labelled nodes (140 for Cora), val = the next 500,
test = the ``test.index`` nodes (1,000); test rows are reordered as PyG does,
and CiteSeer's isolated test nodes get zero rows. Edges: self-loops removed,
duplicates merged, sorted by (target, source) as in PyG.

>>> PLANETOID_NAMES
('cora', 'citeseer', 'pubmed')
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, MissingDataError

__all__ = ["PLANETOID_NAMES", "PlanetoidArrays", "find_planetoid", "read_planetoid"]

PLANETOID_NAMES = ("cora", "citeseer", "pubmed")
_PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")
_N_VAL = 500


class _CsrRecord:
    """Inert stand-in for ``scipy.sparse.csr_matrix`` while unpickling."""


_ALLOW = {
    (mod, "csr_matrix"): _CsrRecord
    for mod in ("scipy.sparse.csr", "scipy.sparse._csr", "scipy.sparse")
}


@dataclasses.dataclass(frozen=True)
class PlanetoidArrays:
    """A Planetoid graph as numpy arrays (masks boolean, one row per node)."""

    name: str
    x: np.ndarray  # float32 (N, F)
    y: np.ndarray  # int64 (N,)
    edge_index: np.ndarray  # int64 (2, E)
    train_mask: np.ndarray
    val_mask: np.ndarray
    test_mask: np.ndarray
    file_sha256: tuple[tuple[str, str], ...]
    folder: str


def find_planetoid(folder: Path) -> list[str]:
    """Prefixes ``<name>`` for which ``folder`` holds all eight ``ind.<name>.*`` files."""
    if not folder.is_dir():
        return []
    prefixes = {p.name[4 : -len(".graph")] for p in folder.glob("ind.*.graph")}
    return sorted(p for p in prefixes if all((folder / f"ind.{p}.{s}").is_file() for s in _PARTS))


def _dense(obj: Any, path: Path) -> np.ndarray:
    """A float32 dense matrix from a csr record or a 2-D array."""
    if isinstance(obj, np.ndarray) and obj.ndim == 2:
        return obj.astype(np.float32)
    if isinstance(obj, _CsrRecord):
        state = vars(obj)
        try:
            n_rows, n_cols = (int(v) for v in state["_shape"])
            data = np.asarray(state["data"], dtype=np.float32)
            indices = np.asarray(state["indices"], dtype=np.int64)
            indptr = np.asarray(state["indptr"], dtype=np.int64)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptFileError(f"Planetoid file {str(path)!r}: bad csr matrix ({exc})") from exc
        ok = (
            indptr.shape == (n_rows + 1,) and indptr[0] == 0 and indptr[-1] == len(indices)
            and len(data) == len(indices) and np.all(np.diff(indptr) >= 0)
            and (len(indices) == 0 or (indices.min() >= 0 and indices.max() < n_cols))
        )  # fmt: skip
        if not ok:
            raise CorruptFileError(
                f"Planetoid file {str(path)!r}: csr arrays are inconsistent with shape "
                f"({n_rows}, {n_cols}); the file is damaged"
            )
        out = np.zeros((n_rows, n_cols), np.float32)
        rows = np.repeat(np.arange(n_rows), np.diff(indptr))
        np.add.at(out, (rows, indices), data)
        return out
    raise CorruptFileError(
        f"Planetoid file {str(path)!r} holds a {type(obj).__name__}, not a feature/label matrix"
    )


def _read_graph(obj: Any, path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(obj, dict):
        raise CorruptFileError(f"Planetoid file {str(path)!r} is not an adjacency dict")
    rows: list[int] = []
    cols: list[int] = []
    try:
        for key, value in obj.items():
            nbrs = [int(v) for v in value]
            rows += [int(key)] * len(nbrs)
            cols += nbrs
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"Planetoid file {str(path)!r}: bad adjacency ({exc})") from exc
    return np.asarray(rows, np.int64), np.asarray(cols, np.int64)


def _read_test_index(path: Path) -> np.ndarray:
    try:
        values = [int(line) for line in path.read_text().split()]
    except ValueError as exc:
        raise CorruptFileError(f"Planetoid file {str(path)!r}: not one integer per line") from exc
    return np.asarray(values, np.int64)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_planetoid(folder: str | os.PathLike[str], name: str) -> PlanetoidArrays:
    """Read ``ind.<name>.*`` in ``folder`` into :class:`PlanetoidArrays` (checked)."""
    from nasbench_kit.tables._safe_pickle import safe_load

    folder = Path(folder)
    paths = {s: folder / f"ind.{name}.{s}" for s in _PARTS}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise MissingDataError(f"Planetoid files missing: {', '.join(missing)}")
    mats = {s: _dense(safe_load(paths[s], allow=_ALLOW), paths[s]) for s in _PARTS[:6]}
    graph_rows, graph_cols = _read_graph(safe_load(paths["graph"], allow=_ALLOW), paths["graph"])
    test_index = _read_test_index(paths["test.index"])
    x, tx, allx, y, ty, ally = (mats[s] for s in _PARTS[:6])
    _check_shapes(paths, x, tx, allx, y, ty, ally, test_index)
    if len(test_index) and test_index.max() - test_index.min() + 1 != len(tx):
        tx, ty = _pad_isolated(tx, ty, test_index)  # CiteSeer's isolated test nodes
    feats = np.concatenate([allx, tx])
    labels = np.concatenate([ally, ty]).argmax(axis=1).astype(np.int64)
    order = np.sort(test_index)
    feats[test_index], labels[test_index] = feats[order], labels[order]
    n = len(labels)
    if len(graph_rows) and (
        min(graph_rows.min(), graph_cols.min()) < 0 or max(graph_rows.max(), graph_cols.max()) >= n
    ):
        raise CorruptFileError(
            f"Planetoid file {str(paths['graph'])!r} names nodes outside 0..{n - 1}"
        )
    n_train = len(y)
    if n_train + _N_VAL > n or (len(test_index) and test_index.max() >= n):
        raise CorruptFileError(
            f"Planetoid files in {str(folder)!r}: {n} nodes cannot hold {n_train} train + "
            f"{_N_VAL} val nodes and test ids up to {test_index.max(initial=-1)}"
        )
    masks = [np.zeros(n, bool) for _ in range(3)]
    masks[0][:n_train] = True
    masks[1][n_train : n_train + _N_VAL] = True
    masks[2][test_index] = True
    return PlanetoidArrays(
        name=name, x=feats, y=labels, edge_index=_coalesce(graph_rows, graph_cols, n),
        train_mask=masks[0], val_mask=masks[1], test_mask=masks[2],
        file_sha256=tuple((p.name, _sha(p)) for p in paths.values()), folder=str(folder),
    )  # fmt: skip


def _check_shapes(
    paths: dict[str, Path],
    x: np.ndarray,
    tx: np.ndarray,
    allx: np.ndarray,
    y: np.ndarray,
    ty: np.ndarray,
    ally: np.ndarray,
    test_index: np.ndarray,
) -> None:
    pairs = (("x", x, "y", y), ("tx", tx, "ty", ty), ("allx", allx, "ally", ally))
    for a, ma, b, mb in pairs:
        if len(ma) != len(mb):
            raise CorruptFileError(
                f"Planetoid files {str(paths[a])!r} and {str(paths[b])!r} have {len(ma)} and "
                f"{len(mb)} rows; they do not belong together"
            )
    if not (x.shape[1] == tx.shape[1] == allx.shape[1]) or not (
        y.shape[1] == ty.shape[1] == ally.shape[1]
    ):
        raise CorruptFileError(
            f"Planetoid files in {str(paths['x'].parent)!r}: feature widths {x.shape[1]}/"
            f"{tx.shape[1]}/{allx.shape[1]} or label widths {y.shape[1]}/{ty.shape[1]}/"
            f"{ally.shape[1]} differ"
        )
    if len(test_index) != len(tx) or len(np.unique(test_index)) != len(test_index):
        raise CorruptFileError(
            f"Planetoid file {str(paths['test.index'])!r} lists {len(test_index)} ids "
            f"({len(np.unique(test_index))} distinct) for {len(tx)} test rows"
        )


def _pad_isolated(
    tx: np.ndarray, ty: np.ndarray, test_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    span = int(test_index.max() - test_index.min()) + 1
    where = np.sort(test_index) - test_index.min()
    tx_ext = np.zeros((span, tx.shape[1]), tx.dtype)
    ty_ext = np.zeros((span, ty.shape[1]), ty.dtype)
    tx_ext[where], ty_ext[where] = tx, ty
    return tx_ext, ty_ext


def _coalesce(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    keep = rows != cols
    key = np.unique(cols[keep] * n + rows[keep])  # sorted by (col, row), as PyG's coalesce
    return np.stack([key % n, key // n]).astype(np.int64)
