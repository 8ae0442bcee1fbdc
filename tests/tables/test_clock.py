"""SimulatedClock moves forward only; querying a table never touches time."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.tables import Benchmark, SimulatedClock


def test_advance_and_advance_to():
    clock = SimulatedClock(5.0)
    assert clock.now == 5.0
    assert clock.advance(2.5) == 7.5 and clock.now == 7.5
    assert clock.advance(0) == 7.5
    assert clock.advance_to(7.5) == 7.5
    assert clock.advance_to(100) == 100.0
    assert "100.0" in repr(clock)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "3", True, None])
def test_bad_advances_are_refused(bad):
    clock = SimulatedClock()
    with pytest.raises(OutOfDomainError):
        clock.advance(bad)  # type: ignore[arg-type]
    assert clock.now == 0.0


def test_advance_to_the_past_and_bad_start():
    clock = SimulatedClock(10.0)
    with pytest.raises(OutOfDomainError, match="earlier"):
        clock.advance_to(9.0)
    with pytest.raises(OutOfDomainError):
        clock.advance_to(math.nan)
    for bad in (-1.0, math.nan):
        with pytest.raises(OutOfDomainError):
            SimulatedClock(bad)
    with pytest.raises(AttributeError):
        clock.now = 3.0  # type: ignore[misc]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6), max_size=20))
def test_property_monotone_sum(steps):
    clock = SimulatedClock()
    times = [clock.advance(s) for s in steps]
    assert times == sorted(times)
    assert clock.now == pytest.approx(math.fsum(steps), rel=1e-9, abs=1e-6)


def test_queries_do_not_move_time_or_count():
    bench = Benchmark.from_arrays(
        name="t/c", space="nb201", dataset="d", archs=[0, 1], metrics=("test_acc", "train_time"),
        values=np.array([[90.0, 100.0], [80.0, 50.0]]), cost_metric="train_time",
    )  # fmt: skip
    clock = SimulatedClock()
    state = {k: v for k, v in vars(bench).items() if k not in ("_cols", "_archs")}
    results = [bench.query(i % 2, "test_acc") for i in range(10)]
    assert results[0].cost == 100.0 and len(set(results)) == 2
    assert clock.now == 0.0
    after = {k: v for k, v in vars(bench).items() if k not in ("_cols", "_archs")}
    assert after.keys() == state.keys()
    assert all(after[k] is state[k] for k in state)  # nothing replaced or counted
