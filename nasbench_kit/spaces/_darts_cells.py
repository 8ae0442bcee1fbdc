"""DARTS cells: their checks, canonical form and identity texts (see ``darts.py``).

A cell is 8 ``(op, input)`` edges, two per intermediate node 2..5; its
canonical form sorts each node's two edges by input. ``genotype_text`` writes
the genotype string that ``hash`` digests, ``iso_key`` the relabelling-invariant
text that ``iso_hash`` digests. Plain input (tuples of ``(str, int)``) takes a
lookup-table path; anything else the checked path, which names the problem.

>>> cell = (("skip_connect", 1), ("sep_conv_3x3", 0)) * 4
>>> canon_cell("normal", cell)[:2]
(('sep_conv_3x3', 0), ('skip_connect', 1))
>>> iso_key(canon_cell("normal", cell))[:38]
"[[(0, 'sep_conv_3x3'), (1, 'skip_conne"
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces._checks import show

__all__ = [
    "CELLS",
    "CONCAT",
    "NODES",
    "OPS",
    "Cell",
    "canon_cell",
    "digest",
    "genotype_text",
    "iso_key",
]

#: The seven DARTS operations, in NASLib's op-index order for NAS-Bench-301.
OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
CELLS: tuple[str, str] = ("normal", "reduce")
NODES: tuple[int, ...] = (2, 3, 4, 5)
CONCAT: list[int] = [2, 3, 4, 5]

Cell = tuple[tuple[str, int], ...]


def _bad(msg: str) -> OutOfDomainError:
    return OutOfDomainError(msg)


def canon_cell(name: str, cell: Any) -> Cell:
    """Validate one cell's 8 ``(op, input)`` pairs and sort each node's pair."""
    fast = _fast_cell(cell)
    return fast if fast is not None else _checked_cell(name, cell)


#: Per node (by its first edge position 0, 2, 4, 6): every valid ordered pair of
#: ``(op, input)`` edges -> the node's two edges sorted by input.
_NODE_EDGES: dict[int, dict[tuple[tuple[str, int], tuple[str, int]], Cell]] = {
    2 * k - 4: {
        (a, b): (a, b) if a[1] < b[1] else (b, a)
        for a in itertools.product(OPS, range(k))
        for b in itertools.product(OPS, range(k))
        if a[1] != b[1]
    }
    for k in NODES
}


def _fast_cell(cell: Any) -> Cell | None:
    """The canonical cell of plain input (tuples of ``(str, int)``), else None.

    A dictionary lookup per node replaces the checks of :func:`_checked_cell`;
    anything unusual (lists as pairs, NumPy ints, bools, bad values) returns
    None so that the checked path accepts or refuses it with its message.
    """
    if (type(cell) is not tuple and type(cell) is not list) or len(cell) != 8:
        return None
    out: list[tuple[str, int]] = []
    for pos, table in _NODE_EDGES.items():
        a, b = cell[pos], cell[pos + 1]
        if type(a) is not tuple or type(b) is not tuple:
            return None
        try:
            two = table.get((a, b))
        except TypeError:  # an unhashable value inside a pair
            return None
        # bools and floats compare equal to ints: only exact ints take this path
        if two is None or type(a[1]) is not int or type(b[1]) is not int:
            return None
        out += two
    return tuple(out)


def _checked_cell(name: str, cell: Any) -> Cell:
    """:func:`canon_cell` for any input, with a message naming what is wrong."""
    if isinstance(cell, (str, bytes)) or not isinstance(cell, Sequence):
        raise _bad(
            f"{name} cell {show(cell)} is not a list of (op, input) pairs; "
            "give 8 pairs such as [('sep_conv_3x3', 0), ('skip_connect', 1), ...]"
        )
    if len(cell) != 8:
        raise _bad(
            f"{name} cell has {len(cell)} edges; a DARTS cell has exactly 8 "
            "(2 per intermediate node 2..5): give 8 (op, input) pairs"
        )
    pairs: list[tuple[str, int]] = []
    for pair in cell:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise _bad(
                f"{name} cell edge {show(pair)} is not an (op, input) pair; "
                "write it like ('sep_conv_3x3', 0)"
            )
        op, inp = pair
        if not isinstance(op, str) or op not in OPS:
            raise _bad(
                f"unknown op {show(op)} in the {name} cell; DARTS/NB301 ops are {list(OPS)} "
                "(there is no 'none'): use one of them"
            )
        if isinstance(inp, bool) or not isinstance(inp, (int, np.integer)):
            raise _bad(
                f"input {show(inp)} of edge {show(pair)} in the {name} cell is not an int; "
                "inputs are node numbers 0..4"
            )
        pairs.append((op, int(inp)))
    out: list[tuple[str, int]] = []
    for node in NODES:
        two = pairs[2 * node - 4 : 2 * node - 2]
        for op, inp in two:
            if not 0 <= inp < node:
                raise _bad(
                    f"input {show(inp)} of edge ({show(op)}, {show(inp)}) at node {node} of "
                    f"the {name} cell is not an earlier node; node {node} takes inputs from "
                    f"0..{node - 1}"
                )
        if two[0][1] == two[1][1]:
            raise _bad(
                f"node {node} of the {name} cell takes both inputs from node {two[0][1]} "
                f"({two}); the two inputs of a node must come from distinct nodes"
            )
        out.extend(sorted(two, key=lambda p: (p[1], p[0])))
    return tuple(out)


#: ``repr`` of every valid ``(op, input)`` edge.
_EDGE_TEXT: dict[tuple[str, int], str] = {
    (op, i): repr((op, i)) for op in OPS for i in range(max(NODES))
}


_MIDDLE = f"], normal_concat={CONCAT}, reduce=["
_END = f"], reduce_concat={CONCAT})"


def genotype_text(normal: Cell, reduce: Cell) -> str:
    """``repr(Genotype(list(normal), CONCAT, list(reduce), CONCAT))``, written directly."""
    text = _EDGE_TEXT.__getitem__
    return "".join(("Genotype(normal=[", ", ".join(map(text, normal)), _MIDDLE,
                    ", ".join(map(text, reduce)), _END))  # fmt: skip


def digest(text: str) -> str:
    """The first 32 hex digits of the SHA-256 of ``text`` (``hash`` and ``iso_hash``)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1024)  # ~1 MB; mutations and neighbours reuse the recent cells
def iso_key(cell: Cell) -> str:
    """Smallest canonical text of ``cell`` over valid relabellings of nodes 2..5.

    A relabelling gives the intermediate nodes new numbers 2..5 such that every
    node still reads only smaller numbers; its text is ``repr`` of the nodes in
    new order, each node its two ``(new input, op)`` pairs sorted. The smallest
    text is built greedily: new node 2, 3, ... is the old node, among those whose
    inputs already have new numbers, with the smallest pair list; ties branch.
    Every op name has 12 characters and every input one digit, so comparing the
    lists orders them as their texts. (Cached: a mutation leaves one cell as it was.)
    """
    edges = (cell[0:2], cell[2:4], cell[4:6], cell[6:8])  # by old node 2..5
    best: list[list[tuple[int, str]]] | None = None
    # (old nodes placed, new number of each node 0..5 or -1, node texts so far)
    stack: list[tuple[tuple[int, ...], tuple[int, ...], list[list[tuple[int, str]]]]] = [
        ((), (0, 1, -1, -1, -1, -1), [])
    ]
    while stack:
        placed, number, nodes = stack.pop()
        if len(placed) == len(edges):
            if best is None or nodes < best:
                best = nodes
            continue
        ready = []
        for k, ((op_a, a), (op_b, b)) in enumerate(edges):
            if k not in placed and number[a] >= 0 and number[b] >= 0:
                x, y = (number[a], op_a), (number[b], op_b)
                ready.append(([x, y] if x < y else [y, x], k))
        low = min(pairs for pairs, _ in ready)
        for pairs, k in ready:
            if pairs == low:
                renumbered = list(number)
                renumbered[k + 2] = len(placed) + 2
                stack.append((placed + (k,), tuple(renumbered), nodes + [pairs]))
    return repr(best)
