"""Decision vectors of DARTS (a bijection onto architectures) and NB101 (fast checks, cache)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces._darts_views import INPUT_PAIRS
from nasbench_kit.spaces._graph import prune_mask
from nasbench_kit.spaces.darts import CELLS, NODES, OPS, DartsArch
from nasbench_kit.spaces.nb101 import INPUT, OUTPUT, NB101Arch
from nasbench_kit.spaces.nb101 import OPS as NB101_OPS

FAST = settings(max_examples=80, deadline=None)
DARTS = get_space("darts")
NB101 = get_space("nb101")


def vectors(space_name: str) -> st.SearchStrategy[list[int]]:
    sizes = get_space(space_name).decision_sizes()
    return st.tuples(*(st.integers(0, k - 1) for k in sizes)).map(list)


@st.composite
def raw_cells(draw: st.DrawFn) -> list[tuple[str, int]]:
    """8 (op, input) pairs with each node's two pairs in a random order."""
    cell: list[tuple[str, int]] = []
    for node in NODES:
        inputs = draw(st.lists(st.integers(0, node - 1), min_size=2, max_size=2, unique=True))
        cell += [(draw(st.sampled_from(OPS)), i) for i in inputs]
    return cell


darts_archs = st.builds(lambda n, r: DartsArch(normal=n, reduce=r), raw_cells(), raw_cells())


# ---- DARTS --------------------------------------------------------------------
def test_darts_layout_is_documented_and_counts_the_space() -> None:
    per_node = ((1, 7, 7), (3, 7, 7), (6, 7, 7), (10, 7, 7))
    assert DARTS.decision_sizes() == sum(per_node, ()) * 2
    assert DARTS.decision_names()[:6] == (
        "normal.2.inputs", "normal.2.op_lo", "normal.2.op_hi",
        "normal.3.inputs", "normal.3.op_lo", "normal.3.op_hi",
    )  # fmt: skip
    assert DARTS.decision_names()[12] == "reduce.2.inputs"
    assert math.prod(DARTS.decision_sizes()) == DARTS.n_architectures == 1_076_746_950_455_072_400
    # co-lexicographic pairs: node k uses the first C(k, 2), pair (i, j) sits at j*(j-1)/2 + i
    assert INPUT_PAIRS == tuple(sorted(itertools.combinations(range(5), 2), key=lambda p: p[::-1]))
    assert all(INPUT_PAIRS.index((i, j)) == j * (j - 1) // 2 + i for i, j in INPUT_PAIRS)


@FAST
@given(vec=vectors("darts"))
def test_every_darts_vector_is_one_architecture(vec: list[int]) -> None:
    arch = DARTS.from_decisions(vec)  # never refused
    assert list(DARTS.to_decisions(arch)) == vec
    assert DARTS.from_decisions(np.asarray(vec)) == arch
    for c, cell in enumerate((arch.normal, arch.reduce)):  # the positions mean what they say
        for n in range(len(NODES)):
            pair, lo, hi = vec[12 * c + 3 * n : 12 * c + 3 * n + 3]
            i, j = INPUT_PAIRS[pair]
            assert cell[2 * n : 2 * n + 2] == ((OPS[lo], i), (OPS[hi], j))


@FAST
@given(arch=darts_archs)
def test_every_darts_architecture_has_one_vector(arch: DartsArch) -> None:
    vec = DARTS.to_decisions(arch)
    assert all(
        type(v) is int and 0 <= v < k for v, k in zip(vec, DARTS.decision_sizes(), strict=True)
    )
    assert DARTS.from_decisions(vec) == arch
    swapped = DartsArch(normal=[p for k in range(4) for p in arch.normal[2 * k : 2 * k + 2][::-1]],
                        reduce=arch.reduce)  # fmt: skip
    assert DARTS.to_decisions(swapped) == vec  # a node's pair order is not part of the identity


@pytest.mark.parametrize("cell", range(len(CELLS)))
def test_darts_each_node_block_is_a_bijection_onto_its_node_identities(cell: int) -> None:
    """The identity is per node (its two (op, input) pairs, unordered), so the whole map is a
    bijection when each node's three positions are one: checked exhaustively per node against
    every ordered way of writing the node."""
    base = list(DARTS.to_decisions(DARTS.sample(seed=cell)))
    base_cells = DARTS.from_decisions(base).normal, DARTS.from_decisions(base).reduce
    for n, k in enumerate(NODES):
        start = 12 * cell + 3 * n
        by_vector = set()
        for pair, lo, hi in itertools.product(range(math.comb(k, 2)), range(7), range(7)):
            vec = base.copy()
            vec[start : start + 3] = [pair, lo, hi]
            by_vector.add(DARTS.from_decisions(vec).hash)
        assert len(by_vector) == math.comb(k, 2) * 49
        written = set()
        for (i, j), op1, op2 in itertools.product(itertools.permutations(range(k), 2), OPS, OPS):
            cells = [list(c) for c in base_cells]
            cells[cell][2 * n : 2 * n + 2] = [(op1, i), (op2, j)]
            written.add(DartsArch(normal=cells[0], reduce=cells[1]).hash)
        assert written == by_vector


def test_darts_uniform_vectors_are_always_valid() -> None:
    rng = np.random.default_rng(0)
    sizes = np.asarray(DARTS.decision_sizes())
    vecs = rng.integers(0, sizes, size=(300, len(sizes)))
    archs = [DARTS.from_decisions(v) for v in vecs]
    assert len({a.hash for a in archs}) == len(archs)


# ---- NB101 --------------------------------------------------------------------
def _reference_matrix(vec: list[int]) -> np.ndarray:
    matrix = np.zeros((7, 7), dtype=np.int64)
    for name, bit in zip(NB101.decision_names()[:21], vec[:21]):
        _, i, j = name.split("_")
        matrix[int(i), int(j)] = bit
    return matrix


def _reference(vec: list[int]) -> NB101Arch:
    """The plain construction: the padded 7x7 matrix and ops straight into NB101Arch."""
    return NB101Arch(_reference_matrix(vec), [INPUT, *(NB101_OPS[k] for k in vec[21:]), OUTPUT])


sparse_nb101 = st.tuples(
    st.lists(st.sampled_from([0, 0, 0, 1]), min_size=21, max_size=21),
    st.lists(st.integers(0, 2), min_size=5, max_size=5),
).map(lambda t: t[0] + t[1])


@FAST
@given(vec=st.one_of(vectors("nb101"), sparse_nb101))
def test_nb101_fast_from_decisions_agrees_with_the_plain_construction(vec: list[int]) -> None:
    try:
        want = _reference(vec)
    except OutOfDomainError as err:
        rule = "no path" if "no path" in str(err) else "more than 9"
        with pytest.raises(OutOfDomainError, match=rule):
            NB101.from_decisions(vec)
        return
    got = NB101.from_decisions(vec)
    assert got == want and got.matrix == want.matrix and got.ops == want.ops
    assert NB101.from_decisions(NB101.to_decisions(got)) == got


@FAST
@given(vec=sparse_nb101)
def test_nb101_ops_of_pruned_vertices_do_not_matter(vec: list[int]) -> None:
    try:
        arch = NB101.from_decisions(vec)
    except OutOfDomainError:
        return
    rows = _reference_matrix(vec).tolist()
    keep = prune_mask(rows)
    other = list(vec)
    for v in range(1, 6):
        if not keep[v]:
            other[20 + v] = (other[20 + v] + 1) % 3
    again = NB101.from_decisions(other)
    assert again == arch
    assert again is arch  # one pruned cell, one cache entry: built once


def test_nb101_refusals_name_the_rule_without_building_the_cell() -> None:
    with pytest.raises(OutOfDomainError, match="more than 9") as err:
        NB101.from_decisions([1] * 21 + [0] * 5)
    assert "edges" in str(err.value)
    dangling = [0] * 26
    dangling[NB101.decision_names().index("edge_0_1")] = 1  # 0 -> 1, nothing reaches 6
    with pytest.raises(OutOfDomainError, match="no path"):
        NB101.from_decisions(dangling)
    # 10 edges before pruning, 3 after: valid, as in the official API (rules on the pruned cell)
    names = NB101.decision_names()
    vec = [0] * 26
    for e in ("edge_0_6", "edge_1_2", "edge_1_3", "edge_1_4", "edge_1_5", "edge_2_3", "edge_2_4",
              "edge_3_4", "edge_0_5", "edge_5_6"):  # fmt: skip
        vec[names.index(e)] = 1
    assert NB101.from_decisions(vec).num_edges == 3
