"""NB101 cells: checks, pruning, canonical order and module hash (see ``nb101.py``).

:func:`canonical` takes any spec (matrix and ops in any array-like form) and
returns the pruned cell in canonical vertex order with its official module
hash, or raises ``OutOfDomainError`` naming the rule. :func:`cell` does the
same for a spec already known to be well formed (what the space's own moves
build) and raises the cheap :class:`Invalid` instead. Both cache the canonical
order and hash of recent cells: optimizers meet the same cells again.

>>> canonical([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3", "output"])[:2]
(((0, 1, 1), (0, 0, 1), (0, 0, 0)), ('input', 'conv3x3-bn-relu', 'output'))
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import _graph
from nasbench_kit.spaces._checks import as_array, show, sized

__all__ = ["INPUT", "MAX_EDGES", "MAX_VERTICES", "N_CELLS", "NASLIB_OPS", "OPS", "OUTPUT",
           "Invalid", "Matrix", "bad", "canonical", "cell", "op_labels"]  # fmt: skip

INPUT, OUTPUT = "input", "output"
#: The official op order; an op's index here is its label in the module hash.
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: NASLib's op codes for NB101 tuples (input 0, output 1, maxpool 2, conv1x1 3, conv3x3 4).
NASLIB_OPS: tuple[str, ...] = (INPUT, OUTPUT, "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
MAX_VERTICES = 7
MAX_EDGES = 9
N_CELLS = 423_624
_LABEL = {op: i for i, op in enumerate(OPS)}
_ALIASES = {"conv3x3": OPS[0], "conv1x1": OPS[1], "maxpool": OPS[2], **{op: op for op in OPS}}
_MAX_SPEC_VERTICES = 64


def bad(value: Any, rule: str, fix: str) -> OutOfDomainError:
    """The error for ``value``: the rule it breaks and the fix."""
    return OutOfDomainError(f"NB101 {show(value)}: {rule}; {fix}")


def _matrix_rows(matrix: Any) -> list[list[int]]:
    """A square 0/1 upper-triangular matrix as lists of ints, or OutOfDomainError."""
    rows = _plain_rows(matrix)
    if rows is None:
        rows = _array_rows(matrix)
    for i, row in enumerate(rows):
        if any(row[: i + 1]):
            j = row.index(1)
            raise bad(
                matrix,
                f"matrix[{i}][{j}] = 1 is on or below the diagonal; edges must go from a "
                "lower to a higher vertex index (upper-triangular, hence acyclic)",
                "order the vertices topologically (input first, output last)",
            )
    return rows


_BITS = frozenset((0, 1))
_INT = {int}


def _plain_rows(matrix: Any) -> list[list[int]] | None:
    """``matrix`` as lists when it is a list/tuple of n lists/tuples of n Python ints 0/1
    (2 <= n <= 64), else None (then NumPy reads and checks it)."""
    if (type(matrix) is not list and type(matrix) is not tuple) \
            or not 2 <= len(matrix) <= _MAX_SPEC_VERTICES:  # fmt: skip
        return None
    n = len(matrix)
    for row in matrix:
        if (type(row) is not list and type(row) is not tuple) or len(row) != n \
                or set(map(type, row)) != _INT or not _BITS.issuperset(row):  # fmt: skip
            return None  # (bools, floats and NumPy ints equal 0/1 too: the checked path)
    return [list(row) for row in matrix]


def _array_rows(matrix: Any) -> list[list[int]]:
    """Any array-like square 0/1 matrix as lists of ints, or OutOfDomainError."""
    arr = as_array(matrix)
    if arr is None or arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
        raise bad(
            matrix,
            "the adjacency matrix must be a square n x n array with n >= 2",
            "pass e.g. [[0, 1], [0, 0]] (row i lists the edges leaving vertex i)",
        )
    if arr.shape[0] > _MAX_SPEC_VERTICES:  # pruning could not bring it down to 7 cheaply
        raise bad(
            f"matrix of shape {arr.shape}",
            f"a spec of more than {_MAX_SPEC_VERTICES} vertices is refused",
            f"cells have at most {MAX_VERTICES} vertices after pruning: drop the dangling ones",
        )
    if arr.dtype.kind not in "biuf" or not np.isin(arr, (0, 1)).all():
        raise bad(matrix, "matrix entries must be 0 or 1", "use 1 for an edge i -> j, else 0")
    return arr.astype(np.int64).tolist()


def _op_list(ops: Any, n: int) -> list[str]:
    if isinstance(ops, (str, bytes)) or not isinstance(ops, (Sequence, np.ndarray)) \
            or not sized(ops) or not all(isinstance(op, str) for op in ops):  # fmt: skip
        raise bad(ops, "ops must be a sequence of op names", f"pass a list of {n} names")
    ops = [str(op) for op in ops]
    if len(ops) != n:
        raise bad(ops, f"{len(ops)} ops for a {n} x {n} matrix", f"give one op per vertex ({n})")
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise bad(ops, "the first op must be 'input' and the last 'output'", "fix the ends")
    for k, op in enumerate(ops[1:-1], start=1):
        if op not in _ALIASES:
            raise bad(op, f"unknown op at vertex {k}", f"use one of {list(OPS)}")
        ops[k] = _ALIASES[op]
    return ops


Matrix = tuple[tuple[int, ...], ...]


class Invalid(Exception):
    """A well-formed spec breaks a cell rule (raised without building a message)."""

    def __init__(self, rule: str, fix: str) -> None:
        super().__init__(rule)
        self.rule, self.fix = rule, fix


def canonical(matrix: Any, ops: Any) -> tuple[Matrix, tuple[str, ...], str]:
    """Validate, prune, canonically order and hash a spec (see the module docs)."""
    rows = _matrix_rows(matrix)
    names = _op_list(ops, len(rows))
    try:
        return cell(rows, names)
    except Invalid as err:
        raise bad(matrix, err.rule, err.fix) from None


def cell(rows: list[list[int]], names: list[str]) -> tuple[Matrix, tuple[str, ...], str]:
    """Canonical ``(matrix, ops, hash)`` of a checked spec (0/1 upper-triangular int
    rows, valid op names); raises :class:`Invalid` when a cell rule fails."""
    n = len(rows)
    keep = _graph.prune_mask(rows)
    if not keep[0]:
        raise Invalid(
            "no path leads from the input (vertex 0) to the output (last vertex)",
            "add edges so that the input reaches the output",
        )
    if all(keep):
        idx = list(range(n))
    else:
        idx = [v for v in range(n) if keep[v]]
        rows = [[rows[i][j] for j in idx] for i in idx]
        names = [names[i] for i in idx]
    pruned = "" if len(idx) == n else f" after pruning {n - len(idx)} dangling vertices"
    if len(idx) > MAX_VERTICES:
        raise Invalid(
            f"the cell has {len(idx)} vertices{pruned}, more than {MAX_VERTICES}",
            f"use at most {MAX_VERTICES} vertices (input and output included)",
        )
    edges = sum(map(sum, rows))
    if edges > MAX_EDGES:
        raise Invalid(
            f"the cell has {edges} edges{pruned}, more than {MAX_EDGES}",
            f"remove edges until at most {MAX_EDGES} remain",
        )
    order, digest = _ordered(_bitmask(rows), tuple(op_labels(names)))
    return (
        tuple([tuple([rows[i][j] for j in order]) for i in order]),
        tuple([names[i] for i in order]),
        digest,
    )


def _bitmask(rows: list[list[int]]) -> int:
    """The upper triangle of ``rows`` as one int (bit ``i * n + j`` for edge ``i -> j``)."""
    n, mask = len(rows), 0
    for i, row in enumerate(rows):
        for j in range(i + 1, n):
            if row[j]:
                mask |= 1 << (i * n + j)
    return mask


@functools.lru_cache(maxsize=1 << 13)  # with _hash: ~6 MB when full
def _ordered(mask: int, labels: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
    """Canonical vertex order and module hash of a pruned cell (cached: specs repeat).

    The hash is cached again by the canonical cell, so a relabelled (isomorphic)
    spec pays only for its canonical order.
    """
    n = len(labels)
    rows = [[mask >> (i * n + j) & 1 for j in range(n)] for i in range(n)]
    order = _graph.canonical_order(rows, labels)
    canon = [[rows[i][j] for j in order] for i in order]
    return tuple(order), _hash(_bitmask(canon), tuple([labels[i] for i in order]))


@functools.lru_cache(maxsize=1 << 13)
def _hash(mask: int, labels: tuple[int, ...]) -> str:
    """Module hash of a canonical cell (see :func:`_ordered`)."""
    n = len(labels)
    return _graph.module_hash(
        [[mask >> (i * n + j) & 1 for j in range(n)] for i in range(n)], labels
    )


def op_labels(ops: Sequence[str]) -> list[int]:
    """Vertex labels of the module hash: input -1, output -2, inner ops their index in OPS."""
    return [-1, *(_LABEL[op] for op in ops[1:-1]), -2]
