"""Encoders: architectures -> model inputs, one explicit choice per use.

Every encoder follows the scikit-learn pattern (``fit``/``transform``/
``fit_transform``; constructor arguments stored unchanged) and supports every
registered space, as it reads only the views each space provides
(``op_dag``, ``to_onehot``, ``to_decisions``, ``to_graph``):

- :class:`AdjacencyOneHotEncoder`: adjacency + op one-hot;
- :class:`PathEncoder`: BANANAS path encoding (``truncate=k`` for the truncated one);
- :class:`CategoricalEncoder`: the choice index at each position;
- :class:`StructureEncoder`: isomorphism-aware op counts on live paths;
- :class:`GraphEncoder`: PyG graphs (``GraphEncoder.batch`` joins them);
- :class:`ConcatEncoder`: several array encoders side by side.

>>> from nasbench_kit.encoders import PathEncoder
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(5)]
>>> PathEncoder().fit_transform(archs).shape[0]
5
"""

from __future__ import annotations

from nasbench_kit.encoders._base import ConcatEncoder, Encoder
from nasbench_kit.encoders.adjacency import AdjacencyOneHotEncoder
from nasbench_kit.encoders.categorical import CategoricalEncoder
from nasbench_kit.encoders.graph import GraphEncoder
from nasbench_kit.encoders.path import PathEncoder
from nasbench_kit.encoders.structure import StructureEncoder

__all__ = [
    "AdjacencyOneHotEncoder",
    "CategoricalEncoder",
    "ConcatEncoder",
    "Encoder",
    "GraphEncoder",
    "PathEncoder",
    "StructureEncoder",
]
