"""Default encoders per predictor family (one place, so they stay consistent).

Tabular models get the isomorphism-aware structure features plus the path
encoding (:func:`tabular_encoder`); graph networks get :class:`GraphEncoder`.

>>> from nasbench_kit.predictors._defaults import tabular_encoder
>>> type(tabular_encoder()).__name__
'ConcatEncoder'
"""

from __future__ import annotations

from nasbench_kit.encoders import ConcatEncoder, GraphEncoder, PathEncoder, StructureEncoder


def tabular_encoder() -> ConcatEncoder:
    """``StructureEncoder`` + ``PathEncoder``: the best default we measured on NB201."""
    return ConcatEncoder([StructureEncoder(), PathEncoder()])


def graph_encoder() -> GraphEncoder:
    """One PyG graph per architecture."""
    return GraphEncoder()
