"""The views every space owns: operation DAG, one-hot layout, decision vector."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.encoders import AdjacencyOneHotEncoder, CategoricalEncoder
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import OpDag, get_space, list_spaces

FAST = settings(max_examples=60, deadline=None)
seeds = st.integers(0, 2**32 - 1)


@pytest.mark.parametrize("name", list_spaces())
def test_every_space_declares_its_views(name: str) -> None:
    space = get_space(name)
    sizes, names = space.decision_sizes(), space.decision_names()
    assert len(sizes) == len(names) == len(set(names)) > 0
    assert all(isinstance(k, int) and k >= 1 for k in sizes)
    assert space.op_names and set(space.param_free_ops) <= set(space.op_names)
    assert space.onehot_size > 0 and space.cell_names
    assert isinstance(space.n_architectures, int) and space.n_architectures > 0


@FAST
@given(name=st.sampled_from(list_spaces()), seed=seeds)
def test_views_of_a_random_arch(name: str, seed: int) -> None:
    space = get_space(name)
    arch = space.sample(seed)
    vec = space.to_decisions(arch)
    assert all(
        type(v) is int and 0 <= v < k for v, k in zip(vec, space.decision_sizes(), strict=True)
    )
    assert space.from_decisions(vec) == arch
    assert space.from_decisions(np.asarray(vec)) == arch  # what samplers hand back
    assert space.to_decisions(space.to_string(arch)) == vec  # any notation is accepted

    onehot = space.to_onehot(arch)
    assert onehot.dtype == np.float32 and onehot.shape == (space.onehot_size,)
    assert set(np.unique(onehot)) <= {0.0, 1.0}
    cols = space.onehot_columns(arch)
    assert len(set(cols)) == len(cols) and np.flatnonzero(onehot).tolist() == sorted(cols)

    dags = space.op_dag(arch)
    assert tuple(c for c, _ in dags) == space.cell_names
    assert space.op_dag(arch) is dags  # cached
    for _, dag in dags:
        assert isinstance(dag, OpDag) and dag.live[dag.sink] == bool(dag.paths)
        ops = {dag.labels[v] for v in dag.op_nodes()}
        assert ops <= set(space.op_names)


@pytest.mark.parametrize("name", list_spaces())
def test_encoders_are_the_space_views(name: str) -> None:
    space = get_space(name)
    archs = [space.sample(seed=s) for s in range(30)]
    onehot = AdjacencyOneHotEncoder().fit_transform(archs)
    assert np.array_equal(onehot, np.stack([space.to_onehot(a) for a in archs]))
    cats = CategoricalEncoder().fit(archs)
    assert np.array_equal(cats.transform(archs), np.array([space.to_decisions(a) for a in archs]))
    assert cats.feature_names_ == list(space.decision_names())


@FAST
@given(name=st.sampled_from(list_spaces()), data=st.data())
def test_any_in_range_vector_gives_an_arch_or_names_the_rule(
    name: str, data: st.DataObject
) -> None:
    space = get_space(name)
    vec = [data.draw(st.integers(0, k - 1)) for k in space.decision_sizes()]
    try:
        arch = space.from_decisions(vec)
    except OutOfDomainError as err:
        assert name not in ("nb201", "darts") and str(err)
        return
    assert space.from_decisions(space.to_decisions(arch)) == arch
    if name in ("nb201", "darts"):  # every vector is its own architecture
        assert list(space.to_decisions(arch)) == vec


@pytest.mark.parametrize("name", list_spaces())
def test_from_decisions_refuses_malformed_vectors(name: str) -> None:
    space = get_space(name)
    good = list(space.to_decisions(space.sample(seed=0)))
    sizes = space.decision_sizes()
    bad_values = [
        good[:-1], good + [0], "0" * len(good), None, 5, np.array(3), {0: 1},
        [*good[:-1], sizes[-1]], [*good[:-1], -1], [*good[:-1], 0.0], [*good[:-1], True],
        [*good[:-1], np.nan], [*good[:-1], 10**100], [*good[:-1], "0"],
    ]  # fmt: skip
    for vec in bad_values:
        with pytest.raises(OutOfDomainError):
            space.from_decisions(vec)


def test_nb201_decisions_are_a_bijection() -> None:
    space = get_space("nb201")
    vecs = {space.to_decisions(a) for a in space.enumerate()}
    assert vecs == set(itertools.product(range(5), repeat=6))


def test_darts_decisions_count_the_space() -> None:
    space = get_space("darts")  # the bijection itself: tests/spaces/test_decisions.py
    assert space.decision_sizes() == (1, 7, 7, 3, 7, 7, 6, 7, 7, 10, 7, 7) * 2
    assert math.prod(space.decision_sizes()) == space.n_architectures


def test_nb101_decisions_check_the_cell_rules() -> None:
    space = get_space("nb101")
    sizes = space.decision_sizes()
    assert sizes == (2,) * 21 + (3,) * 5
    with pytest.raises(OutOfDomainError, match="more than 9"):
        space.from_decisions([1] * 21 + [0] * 5)
    with pytest.raises(OutOfDomainError, match="no path"):
        space.from_decisions([0] * 26)
    only_skip = [0] * 26
    only_skip[space.decision_names().index("edge_0_6")] = 1
    assert space.from_decisions(only_skip).num_vertices == 2


def test_nbgraph_decisions_refuse_four_skips() -> None:
    space = get_space("nbgraph")
    with pytest.raises(OutOfDomainError, match="skip"):
        space.from_decisions([0, 0, 0, 0, 8, 8, 8, 8])
    assert space.decision_sizes() == (1, 2, 3, 4, 9, 9, 9, 9)


def test_nb101_onehot_pads_small_cells_output_last() -> None:
    space = get_space("nb101")
    cols = space.onehot_columns("011,001,000|conv3x3-bn-relu")
    names = space.decision_names()
    assert sorted(names[c] for c in cols if c < 21) == ["edge_0_1", "edge_0_6", "edge_1_6"]
    assert [c - 21 for c in cols if c >= 21] == [0]  # vertex 1 is conv3x3 (op 0)
