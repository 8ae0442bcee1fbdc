"""Properties of Pareto fronts, sorting, crowding and the exact 2-D hypervolume."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.pareto import (
    crowding_distance,
    hypervolume,
    nondominated_sort,
    orient,
    pareto_front,
    pareto_mask,
)

FLAGS = st.sampled_from([(True, True), (True, False), (False, True), (False, False)])
POINTS = arrays(
    np.float64,
    st.tuples(st.integers(1, 25), st.just(2)),
    elements=st.integers(0, 20).map(float),  # small grid: ties and duplicates are common
)


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a >= b) and np.any(a > b))


@settings(max_examples=60, deadline=None)
@given(POINTS, FLAGS)
def test_front_is_exactly_the_non_dominated_set(points: np.ndarray, flags: tuple[bool, bool]) -> None:
    mask = pareto_mask(points, flags)
    o = orient(points, flags)
    for i in range(len(o)):
        dominated = any(_dominates(o[j], o[i]) for j in range(len(o)))
        assert mask[i] == (not dominated)
    assert pareto_front(points, flags).tolist() == np.flatnonzero(mask).tolist()


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)),
              elements=st.integers(0, 5).map(float)))
def test_front_in_any_dimension_matches_brute_force(points: np.ndarray) -> None:
    flags = [True] * points.shape[1]
    mask = pareto_mask(points, flags)
    for i in range(len(points)):
        assert mask[i] == (not any(_dominates(points[j], points[i]) for j in range(len(points))))


@settings(max_examples=60, deadline=None)
@given(POINTS, FLAGS)
def test_hypervolume_properties(points: np.ndarray, flags: tuple[bool, bool]) -> None:
    o = orient(points, flags)
    ref_o = o.min(axis=0) - 1.0
    ref = ref_o * np.where(flags, 1.0, -1.0)
    hv = hypervolume(points, ref, flags)
    assert hv >= 0
    # the front alone has the same volume; any single point is a lower bound
    assert hv == pytest.approx(hypervolume(points[pareto_mask(points, flags)], ref, flags))
    for p in o:
        assert hv >= np.prod(p - ref_o) - 1e-9
    # permutation invariant, monotone when points are added
    perm = np.random.default_rng(0).permutation(len(points))
    assert hv == pytest.approx(hypervolume(points[perm], ref, flags))
    assert hv >= hypervolume(points[: max(1, len(points) // 2)], ref, flags) - 1e-9
    # bounded by the box spanned by the ideal point
    assert hv <= np.prod(o.max(axis=0) - ref_o) + 1e-9


def test_hypervolume_known_values_and_errors() -> None:
    assert hypervolume([[1.0, 1.0]], ref=(0.0, 0.0), maximize=(True, True)) == 1.0
    pts = [[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]
    assert hypervolume(pts, (0.0, 0.0), (True, True)) == pytest.approx(6.0)
    assert hypervolume([[5.0]], (2.0,), (True,)) == 3.0
    assert hypervolume(np.zeros((0, 2)), (0.0, 0.0), (True, True)) == 0.0
    assert hypervolume([[-1.0, 5.0]], (0.0, 0.0), (True, True)) == 0.0  # not beyond ref
    with pytest.raises(OutOfDomainError, match="2 objectives"):
        hypervolume([[1.0, 1.0, 1.0]], (0.0, 0.0, 0.0), (True, True, True))
    with pytest.raises(OutOfDomainError, match="objectives"):
        pareto_mask([[1.0, 2.0, 3.0]], (True, False))


def test_nan_rows_are_never_on_the_front() -> None:
    pts = np.array([[1.0, np.nan], [0.5, 0.5], [0.2, 0.1]])
    assert pareto_mask(pts, (True, True)).tolist() == [False, True, False]
    assert nondominated_sort(pts, (True, True)).tolist() == [2, 0, 1]


@settings(max_examples=40, deadline=None)
@given(POINTS, FLAGS)
def test_nondominated_sort_and_crowding(points: np.ndarray, flags: tuple[bool, bool]) -> None:
    rank = nondominated_sort(points, flags)
    o = orient(points, flags)
    assert (rank[pareto_mask(points, flags)] == 0).all()
    for i, j in itertools.permutations(range(len(o)), 2):
        if _dominates(o[i], o[j]):
            assert rank[i] < rank[j]
    crowd = crowding_distance(points, flags)
    assert crowd.shape == (len(points),)
    assert (crowd >= 0).all()
    assert np.isinf(crowd).sum() >= min(2, len(points))
