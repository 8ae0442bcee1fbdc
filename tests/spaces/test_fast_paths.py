"""The constructors' fast paths agree with their checked paths, and the caches stay values.

Every space checks plain input (tuples of Python ints and known names) with
table lookups and sends anything unusual to the checked path, which names the
problem. These properties feed both paths the same odd inputs (bools, floats,
NumPy ints, strings, unhashable values, wrong shapes) and require the same
result or the same message.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import _darts_cells as darts_cells
from nasbench_kit.spaces import _nb101_cells as nb101_cells
from nasbench_kit.spaces import get_space, nb201

FAST = settings(max_examples=150, deadline=None)


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except OutOfDomainError as err:
        return "refused", str(err)


# ---- DARTS ---------------------------------------------------------------------------
odd_inputs = st.sampled_from([True, False, 1.0, np.int64(2), "1", [1], None, -1, 5, 7])
inputs = st.one_of(st.integers(0, 4), odd_inputs)
ops = st.one_of(st.sampled_from(darts_cells.OPS), st.sampled_from(["none", "conv", 3, None]))
pairs = st.one_of(
    st.tuples(ops, inputs),
    st.tuples(ops, inputs).map(list),
    st.tuples(ops, inputs, inputs),
    st.sampled_from([(), "ab", 5]),
)
cells = st.one_of(
    st.lists(pairs, min_size=8, max_size=8).map(tuple),
    st.lists(pairs, min_size=7, max_size=9),
)


def _plain_cell(rng: np.random.Generator) -> tuple[tuple[str, int], ...]:
    out = []
    for k in darts_cells.NODES:
        for i in rng.permutation(k)[:2].tolist():
            out.append((darts_cells.OPS[int(rng.integers(7))], i))
    return tuple(out)


@FAST
@given(cells)
def test_darts_odd_cells_take_the_checked_path(cell: Any) -> None:
    fast = _outcome(darts_cells.canon_cell, "normal", cell)
    assert fast == _outcome(darts_cells._checked_cell, "normal", cell)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(0, 7), inputs)
def test_darts_one_odd_edge_in_a_valid_cell(seed: int, pos: int, inp: Any) -> None:
    cell = list(_plain_cell(np.random.default_rng(seed)))
    cell[pos] = (cell[pos][0], inp)
    fast = _outcome(darts_cells.canon_cell, "reduce", cell)
    assert fast == _outcome(darts_cells._checked_cell, "reduce", cell)
    if fast[0] == "ok":
        assert all(type(i) is int and type(op) is str for op, i in fast[1])


def test_darts_plain_cells_take_the_fast_path() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        cell = _plain_cell(rng)
        assert darts_cells._fast_cell(cell) == darts_cells._checked_cell("normal", cell)


def test_darts_sample_reads_one_uniform_draw_as_the_decision_vector() -> None:
    space = get_space("darts")
    sizes = space.decision_sizes()
    for seed in range(30):
        number = int(np.random.default_rng(seed).integers(space.n_architectures))
        digits = []
        for size in reversed(sizes):
            number, d = divmod(number, size)
            digits.append(d)
        assert space.sample(seed) == space.from_decisions(digits[::-1])


def test_darts_sample_is_uniform_per_position() -> None:
    space = get_space("darts")
    rng = np.random.default_rng(11)
    vecs = np.array([space.to_decisions(space.sample(rng)) for _ in range(3000)])
    for pos, size in enumerate(space.decision_sizes()):
        counts = np.bincount(vecs[:, pos], minlength=size)
        expected = len(vecs) / size
        # 6 standard deviations of a binomial count: fails only if a value is missing or skewed
        assert np.all(np.abs(counts - expected) < 6 * math.sqrt(expected) + 1), (pos, counts)


def test_darts_neighbors_do_not_compute_iso_hashes() -> None:
    space = get_space("darts")
    a = space.sample(5)
    nbrs = space.neighbors(a)
    assert len(nbrs) == len({b.hash for b in nbrs}) == 120
    assert all("iso_hash" not in vars(b) for b in nbrs)
    assert "iso_hash" not in vars(space.mutate(a, seed=1))


# ---- NB101 ---------------------------------------------------------------------------
values = st.one_of(st.sampled_from([0, 1]), st.sampled_from([0, 1, 2, -1, True, False, 0.0, 1.0,
                                                           0.5, np.int64(1), "1", None]))  # fmt: skip


@st.composite
def matrices(draw: st.DrawFn) -> Any:
    n = draw(st.integers(0, 8))
    width = draw(st.one_of(st.just(n), st.integers(0, 8)))
    row = st.lists(values, min_size=width, max_size=width)
    rows = draw(st.lists(st.one_of(row, row.map(tuple)), min_size=n, max_size=n))
    return tuple(rows) if draw(st.booleans()) else rows


@FAST
@given(matrices())
def test_nb101_plain_rows_agree_with_numpy(matrix: Any) -> None:
    plain = nb101_cells._plain_rows(matrix)
    checked = _outcome(nb101_cells._array_rows, matrix)
    if plain is not None:  # the fast path accepts only what NumPy accepts, with equal rows
        assert checked == ("ok", plain)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(2, 8), st.floats(0.1, 0.9))
def test_nb101_plain_and_array_specs_give_one_cell(seed: int, n: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    m = np.triu(rng.random((n, n)) < p, 1).astype(int)
    names = ["input", *(nb101_cells.OPS[i] for i in rng.integers(0, 3, n - 2)), "output"]

    def rule(outcome: tuple[str, Any]) -> tuple[str, Any]:  # a message quotes the input as given
        return (outcome[0], outcome[1].split(": ", 1)[1]) if outcome[0] == "refused" else outcome

    plain = rule(_outcome(nb101_cells.canonical, m.tolist(), names))
    assert plain == rule(_outcome(nb101_cells.canonical, m, names))
    assert plain == rule(_outcome(nb101_cells.canonical, m.astype(bool).tolist(), names))
    if plain[0] == "ok":
        assert (
            plain[1][0] == nb101_cells.canonical(plain[1][0], plain[1][1])[0]
        )  # canonical is fixed


def test_nb101_caches_are_bounded_and_hold_values() -> None:
    for cache in (nb101_cells._ordered, nb101_cells._hash):
        assert cache.cache_info().maxsize == 1 << 13
    space = get_space("nb101")
    a = space.sample(3)
    b = space.parse(a.to_string())
    assert a == b and a.matrix == b.matrix and a.ops == b.ops


# ---- NB201 ---------------------------------------------------------------------------
nb201_ops = st.one_of(st.sampled_from(nb201.OP_NAMES), st.integers(-1, 5),
                      st.sampled_from([True, np.int64(2), "conv", None, 1.0]))  # fmt: skip


@FAST
@given(st.one_of(st.lists(nb201_ops, min_size=6, max_size=6).map(tuple),
                 st.lists(nb201_ops, min_size=5, max_size=7)))  # fmt: skip
def test_nb201_fast_codes_agree_with_the_checked_path(ops: Any) -> None:
    def checked(x: Any) -> int:
        if len(x) != 6:
            raise OutOfDomainError("length")
        return nb201._code_of([nb201._op_id(op, i) for i, op in enumerate(x)])

    fast = _outcome(nb201._code_of_ops, ops)
    slow = _outcome(checked, ops)
    assert fast[0] == slow[0] and (fast[0] == "refused" or fast == slow)


def test_nb201_space_constructors_share_one_value_per_cell() -> None:
    space = get_space("nb201")
    a = space.from_index(77)
    assert space.from_string(a.hash) is a and space.parse(space.to_naslib(a)) is a
    assert space.from_index(np.int64(77)) is a and a.index == 77
    assert all(b is space.from_string(b.hash) for b in space.neighbors(a))
    plain = nb201.NB201Arch(a.ops)  # the dataclass constructor still builds its own value
    assert plain == a and plain is not a and plain.index == 77 and plain.iso_hash == a.iso_hash


@pytest.mark.parametrize("bad", [-1, 15625, True, 3.0, "7"])
def test_nb201_from_index_still_refuses(bad: Any) -> None:
    with pytest.raises(OutOfDomainError):
        get_space("nb201").from_index(bad)
