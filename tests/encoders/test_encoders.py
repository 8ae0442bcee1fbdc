"""Encoders: shapes, determinism and structure on every space."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from nasbench_kit.encoders import (
    AdjacencyOneHotEncoder,
    CategoricalEncoder,
    ConcatEncoder,
    GraphEncoder,
    PathEncoder,
    StructureEncoder,
)
from nasbench_kit.errors import NotFittedError, OutOfDomainError
from nasbench_kit.spaces import get_space

SPACES = ["nb101", "nb201", "darts", "nbgraph"]
ARRAY_ENCODERS = [
    AdjacencyOneHotEncoder, CategoricalEncoder, PathEncoder, StructureEncoder,
    lambda: PathEncoder(truncate=5),
    lambda: ConcatEncoder([StructureEncoder(), PathEncoder()]),
]  # fmt: skip
FIXED_WIDTH = {  # columns that do not depend on the training archs
    ("nb101", "AdjacencyOneHotEncoder"): 36, ("nb201", "AdjacencyOneHotEncoder"): 30,
    ("darts", "AdjacencyOneHotEncoder"): 192, ("nbgraph", "AdjacencyOneHotEncoder"): 52,
    ("nb101", "CategoricalEncoder"): 26, ("nb201", "CategoricalEncoder"): 6,
    ("darts", "CategoricalEncoder"): 24, ("nbgraph", "CategoricalEncoder"): 8,
}  # fmt: skip


def _archs(space: str, n: int = 25) -> list:
    sp = get_space(space)
    return [sp.sample(seed=s) for s in range(n)]


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("make", ARRAY_ENCODERS)
def test_array_encoder_shapes_and_determinism(space: str, make) -> None:
    archs = _archs(space)
    enc = make()
    X = enc.fit_transform(archs)
    assert isinstance(X, np.ndarray) and X.dtype == np.float32
    assert X.shape == (len(archs), enc.n_features_)
    assert np.isfinite(X).all()
    # transform is a pure function of the fitted state; clones agree
    assert np.array_equal(enc.transform(archs[:5]), X[:5])
    assert np.array_equal(clone(enc).fit(archs).transform(archs), X)
    width = FIXED_WIDTH.get((space, type(enc).__name__))
    if width is not None:
        assert X.shape[1] == width


@pytest.mark.parametrize("space", SPACES)
def test_any_notation_is_accepted(space: str) -> None:
    sp = get_space(space)
    archs = _archs(space, 5)
    strings = [sp.to_string(a) for a in archs]
    for make in (AdjacencyOneHotEncoder, CategoricalEncoder, StructureEncoder):
        a = make(space=space).fit(archs).transform(strings)
        b = make().fit(archs).transform(archs)
        assert np.array_equal(a, b)


@pytest.mark.parametrize("space", SPACES)
def test_graph_encoder(space: str) -> None:
    archs = _archs(space, 6)
    enc = GraphEncoder().fit(archs)
    graphs = enc.transform(archs)
    assert len(graphs) == 6
    assert all(g.x.shape[1] == enc.n_features_ for g in graphs)
    batch = GraphEncoder.batch(graphs)
    assert batch.num_graphs == 6
    assert batch.x.shape[0] == sum(g.num_nodes for g in graphs)


def test_errors() -> None:
    archs = _archs("nb201", 3)
    with pytest.raises(NotFittedError):
        PathEncoder().transform(archs)
    with pytest.raises(OutOfDomainError):
        PathEncoder().fit([])
    with pytest.raises(OutOfDomainError, match="space="):
        PathEncoder().fit(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
    with pytest.raises(OutOfDomainError):
        PathEncoder(truncate=0).fit(archs)
    with pytest.raises(OutOfDomainError):  # another space's architecture
        AdjacencyOneHotEncoder().fit(archs).transform(_archs("nbgraph", 2))
    with pytest.raises(OutOfDomainError):
        ConcatEncoder([GraphEncoder()]).fit(archs)


def test_nb201_one_hot_and_categorical_agree() -> None:
    archs = _archs("nb201", 40)
    onehot = AdjacencyOneHotEncoder().fit_transform(archs).reshape(40, 6, 5)
    cats = CategoricalEncoder().fit_transform(archs)
    assert (onehot.sum(axis=2) == 1).all()
    assert np.array_equal(onehot.argmax(axis=2), cats)


def test_path_encoding_ignores_dead_ops_and_truncates_shortest_first() -> None:
    sp = get_space("nb201")
    # edge 1<-0 is dead (node 1 feeds only `none` edges), so its op cannot matter
    a = sp.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|")
    b = sp.parse("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|")
    archs = [a, b] + _archs("nb201", 30)
    enc = PathEncoder().fit(archs)
    Xa, Xb = enc.transform([a, b])
    assert np.array_equal(Xa, Xb) and Xa.sum() == 1  # only the skip path is live
    lengths = [len(p) for _, p in enc.paths_]
    assert lengths == sorted(lengths)
    short = PathEncoder(truncate=4).fit(archs)
    assert short.paths_ == enc.paths_[:4]
    s = StructureEncoder().fit(archs)
    live_cols = [i for i, n in enumerate(s.feature_names_) if not n.endswith(":all")]
    Sa, Sb = s.transform([a, b])
    assert np.array_equal(Sa[live_cols], Sb[live_cols]) and not np.array_equal(Sa, Sb)


def test_nb101_padding_puts_output_last() -> None:
    sp = get_space("nb101")
    a = sp.parse("011,001,000|conv3x3-bn-relu")
    X = AdjacencyOneHotEncoder().fit_transform([a])[0]
    adj = np.zeros((7, 7))
    adj[np.triu_indices(7, 1)] = X[:21]
    assert adj[0, 1] == 1 and adj[0, 6] == 1 and adj[1, 6] == 1 and adj.sum() == 3
