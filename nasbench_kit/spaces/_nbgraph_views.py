"""NB-Graph's views (see :class:`~nasbench_kit.spaces.nbgraph.NBGraphSpace`).

All three read the canonical spec (``arch.links``, ``arch.ops``).

- ``op_dag``: one cell ``"cell"``: ``input``, the 4 computing nodes (their ops),
  ``output``; node ``i + 1`` reads ``links[i]``, the output reads every node
  that feeds no other.
- one-hot: per computing node, a one-hot of its link (4) then of its op (9):
  4 x 13 = 52.
- decision vector: the 4 links (``links[i]`` in ``0..i``), then the 4 op
  indices into ``op_names``. Four ``skip`` ops are not an architecture.

>>> from nasbench_kit.spaces import get_space
>>> space = get_space("nbgraph")
>>> a = space.parse("0,0,1,2|gcn,gat,skip,sage")
>>> a.to_string()  # the canonical spec
'0,1,1,2|skip,gat,gcn,sage'
>>> space.to_decisions(a), space.decision_sizes()
((0, 1, 1, 2, 8, 0, 1, 4), (1, 2, 3, 4, 9, 9, 9, 9))
"""

from __future__ import annotations

from nasbench_kit.spaces._dag import OpDag
from nasbench_kit.spaces.nbgraph import OP_NAMES, NBGraphArch

_N = 4  # computing nodes
_OP_INDEX = {name: i for i, name in enumerate(OP_NAMES)}
DECISION_SIZES: tuple[int, ...] = (*range(1, _N + 1), *(len(OP_NAMES),) * _N)
DECISION_NAMES: tuple[str, ...] = (
    *(f"link_{i + 1}" for i in range(_N)), *(f"op_{i + 1}" for i in range(_N)),
)  # fmt: skip


def op_dag(arch: NBGraphArch) -> tuple[tuple[str, OpDag], ...]:
    labels = ("input", *arch.ops, "output")
    preds: list[tuple[int, ...]] = [(), *((p,) for p in arch.links)]
    preds.append(tuple(i + 1 for i in range(_N) if (i + 1) not in arch.links))
    return (("cell", OpDag.build(labels, tuple(preds), len(labels) - 1)),)


def onehot_columns(arch: NBGraphArch) -> list[int]:
    width = _N + len(OP_NAMES)
    links = [width * i + link for i, link in enumerate(arch.links)]
    return links + [width * i + _N + _OP_INDEX[op] for i, op in enumerate(arch.ops)]


def decisions(arch: NBGraphArch) -> tuple[int, ...]:
    return (*arch.links, *[_OP_INDEX[op] for op in arch.ops])


def from_decisions(vec: tuple[int, ...]) -> NBGraphArch:
    return NBGraphArch(vec[:_N], tuple(OP_NAMES[i] for i in vec[_N:]))
