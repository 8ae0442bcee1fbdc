"""NB201's views (see :class:`~nasbench_kit.spaces.nb201.NB201Space`).

- ``op_dag``: one cell ``"cell"`` of 8 nodes: ``input``, the 6 edge ops in
  arch-string order, ``output``. The op on edge ``s -> t`` reads the ops on the
  edges into ``s`` (the input when ``s == 0``); the output sums the ops into node 3.
- one-hot: per edge (arch-string order), a one-hot over ``op_names``: 6 x 5 = 30.
- decision vector: the 6 op indices into ``op_names`` (edge order of the string).

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nb201")
>>> a = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
>>> [dag.paths for _, dag in space.op_dag(a)]
[(('nor_conv_3x3', 'nor_conv_3x3'), ('skip_connect',))]
>>> space.to_decisions(a), space.from_decisions(space.to_decisions(a)) == a
((3, 0, 0, 1, 3, 0), True)
"""

from __future__ import annotations

import functools

from nasbench_kit.spaces._dag import CUT_LABEL, OpDag
from nasbench_kit.spaces.nb201 import EDGES, OP_NAMES, NB201Arch

_OP_INDEX = {name: i for i, name in enumerate(OP_NAMES)}
DECISION_SIZES: tuple[int, ...] = (len(OP_NAMES),) * len(EDGES)
DECISION_NAMES: tuple[str, ...] = tuple(f"op_{t}<-{s}" for t, s in EDGES)


@functools.lru_cache(maxsize=1)
def _template() -> tuple[tuple[tuple[int, ...], ...], list[tuple[int, ...]]]:
    """Predecessors of the 8 nodes and every input -> output node path."""
    preds: list[tuple[int, ...]] = [()]
    for _, s in EDGES:
        preds.append((0,) if s == 0 else tuple(k + 1 for k, (t, _) in enumerate(EDGES) if t == s))
    preds.append(tuple(k + 1 for k, (t, _) in enumerate(EDGES) if t == 3))

    def walk(v: int) -> list[tuple[int, ...]]:
        return [(v,)] if not preds[v] else [p + (v,) for u in preds[v] for p in walk(u)]

    return tuple(preds), walk(len(preds) - 1)


def op_dag(arch: NB201Arch) -> tuple[tuple[str, OpDag], ...]:
    preds, node_lists = _template()
    labels = ("input", *arch.ops, "output")
    alive = [p for p in node_lists if all(labels[v] != CUT_LABEL for v in p)]
    return (("cell", OpDag.from_paths(labels, preds, len(labels) - 1, alive, False)),)


def onehot_columns(arch: NB201Arch) -> list[int]:
    width = len(OP_NAMES)
    return [width * e + _OP_INDEX[op] for e, op in enumerate(arch.ops)]


def decisions(arch: NB201Arch) -> tuple[int, ...]:
    return tuple([_OP_INDEX[op] for op in arch.ops])


def from_decisions(vec: tuple[int, ...]) -> NB201Arch:
    return NB201Arch(tuple(OP_NAMES[i] for i in vec))
