"""Benchmark query semantics: axes, errors, notations, vectorised queries."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import (
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import Benchmark, EvalResult
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import write_table

NB201 = get_space("nb201")
N = 20


@pytest.fixture(scope="module")
def bench() -> Benchmark:
    """20 NB201 cells (indices 0..19), seeds (0, 1, 2), fidelities (12, 200)."""
    archs = [NB201.from_index(i) for i in range(N)]
    rng = np.random.default_rng(0)
    values = np.empty((N, 3, 2, 3), np.float32)
    values[..., 0] = rng.uniform(10, 90, (N, 3, 2))  # test_acc
    values[..., 1] = np.array([100.0, 2000.0])[None, None, :] + np.arange(3)[None, :, None]
    values[..., 2] = np.arange(N)[:, None, None]  # params, static
    values[0, 1, 1, 0] = np.nan  # one seed missing: mean over the other two
    return Benchmark.from_arrays(
        name="toy/nb201", space="nb201", dataset="toy", archs=archs,
        metrics=("test_acc", "train_time", "params"), values=values,
        units={"test_acc": "%", "train_time": "s", "params": "M"}, seeds=(0, 1, 2),
        fidelities=(12, 200), cost_metric="train_time", source="unit test",
    )  # fmt: skip


def test_description(bench):
    assert bench.name == "toy/nb201" and bench.space is NB201 and bench.dataset == "toy"
    assert bench.metrics == ("test_acc", "train_time", "params")
    assert bench.units["test_acc"] == "%" and bench.fidelities == (12.0, 200.0)
    assert bench.seeds == (0, 1, 2) and bench.cost_metric == "train_time"
    assert len(bench) == N and len(bench.hashes) == N
    assert bench.metadata["source"] == "unit test"
    assert "toy/nb201" in repr(bench)


def test_seed_none_is_nanmean_fidelity_none_is_max(bench):
    arch = NB201.from_index(0)
    raw = bench.values[0, :, 1, 0].astype(np.float64)
    r = bench.query(arch, "test_acc")
    assert isinstance(r, EvalResult)
    assert r.value == pytest.approx(np.nanmean(raw), rel=1e-6)
    assert r.fidelity == 200.0 and r.seed is None and r.unit == "%"
    assert r.provenance == "table:toy/nb201 (unit test)"
    for s in (0, 2):
        rs = bench.query(arch, "test_acc", seed=s)
        assert rs.seed == s and rs.value == pytest.approx(raw[s], rel=1e-6)
    assert np.isnan(bench.query(arch, "test_acc", seed=1).value)
    low = bench.query(arch, "test_acc", fidelity=12)
    assert low.fidelity == 12.0
    assert low.value == pytest.approx(bench.values[0, :, 0, 0].mean(), rel=1e-6)


def test_cost_is_cost_metric_at_that_fidelity_and_seed(bench):
    arch = NB201.from_index(3)
    assert bench.query(arch, "test_acc").cost == pytest.approx(2001.0)  # mean of 2000..2002
    assert bench.query(arch, "test_acc", fidelity=12, seed=2).cost == pytest.approx(102.0)
    assert isinstance(bench.query(arch, "params").cost, float)


def test_no_cost_metric_means_zero_cost():
    b = Benchmark.from_arrays(name="t/x", space="nb201", dataset="d", archs=[0, 1],
                              metrics=("test_acc",), values=np.array([[1.0], [2.0]]))  # fmt: skip
    assert b.query(0, "test_acc").cost == 0.0 and b.cost_metric is None


def test_unknown_metric_fidelity_seed_list_choices(bench):
    arch = NB201.from_index(0)
    with pytest.raises(UnknownMetricError, match="test_acc") as info:
        bench.query(arch, "accuracy")
    assert "'accuracy'" in str(info.value) and "params" in str(info.value)
    with pytest.raises(UnknownFidelityError, match=r"12\.0, 200\.0"):
        bench.query(arch, "test_acc", fidelity=50)
    with pytest.raises(UnknownSeedError, match=r"\[0, 1, 2\]"):
        bench.query(arch, "test_acc", seed=7)
    for bad_fid in (True, "200", [200], float("nan"), 1e400):
        with pytest.raises(UnknownFidelityError):
            bench.query(arch, "test_acc", fidelity=bad_fid)
    bench.query(arch, "test_acc", seed=1)  # cached under the key 1 ...
    for bad_seed in (True, 1.0, "1", [1]):  # ... which True must not hit
        with pytest.raises(UnknownSeedError):
            bench.query_many([arch], "test_acc", seed=bad_seed)
    assert not issubclass(UnknownFidelityError, UnknownMetricError)
    with pytest.raises(UnknownMetricError):
        bench.query(arch, ["test_acc"])  # type: ignore[arg-type]
    with pytest.raises(UnknownMetricError):
        bench.query_many([arch], "nope")
    mean_only = Benchmark.from_arrays(name="t/m", space="nb201", dataset="d", archs=[0],
                                      metrics=("a",), values=np.array([[1.0]]))  # fmt: skip
    with pytest.raises(UnknownSeedError, match="only the mean"):
        mean_only.query(0, "a", seed=0)


def test_not_in_table_and_invalid_notation(bench):
    absent = NB201.from_index(15000)
    with pytest.raises(NotInTableError, match="valid nb201"):
        bench.query(absent, "test_acc")
    with pytest.raises(NotInTableError):
        bench.query(absent.hash, "test_acc")
    with pytest.raises(NotInTableError):
        bench.query_many([NB201.from_index(1), absent], "test_acc")
    with pytest.raises(OutOfDomainError):
        bench.query("|bogus~0|", "test_acc")
    with pytest.raises(OutOfDomainError):
        bench.query(get_space("nbgraph").from_key(1111), "test_acc")
    assert absent not in bench and "garbage" not in bench and NB201.from_index(2) in bench


def test_every_notation_gives_the_same_row(bench):
    arch = NB201.from_index(7)
    want = bench.query(arch, "test_acc")
    for notation in (arch.hash, 7, NB201.to_naslib(arch), str(NB201.to_naslib(arch)), arch.ops):
        assert bench.query(notation, "test_acc") == want
        assert bench.row_of(notation) == bench.row_of(arch)


def test_query_many_matches_query_and_rows(bench):
    archs = bench.archs()
    assert [a.hash for a in archs] == list(bench.hashes)
    for kwargs in ({}, {"fidelity": 12}, {"seed": 1}, {"fidelity": 12, "seed": 0}):
        many = bench.query_many(archs, "test_acc", **kwargs)
        single = [bench.query(a, "test_acc", **kwargs).value for a in archs]
        np.testing.assert_array_equal(many, np.array(single))
    rows = bench.rows_of(archs[::-1])
    np.testing.assert_array_equal(
        bench.query_many(None, "params", rows=rows), bench.query_many(archs[::-1], "params")
    )
    mixed = [archs[0], archs[1].hash, 2]
    np.testing.assert_array_equal(bench.query_many(mixed, "params"), [0.0, 1.0, 2.0])
    assert bench.query_many(iter(archs[:3]), "params").tolist() == [0.0, 1.0, 2.0]
    assert bench.query_many([], "params").shape == (0,)
    with pytest.raises(OutOfDomainError):
        bench.query_many(None, "params", rows=np.array([0.5]))
    with pytest.raises(OutOfDomainError):
        bench.query_many(None, "params", rows=np.array([N]))
    with pytest.raises(OutOfDomainError):
        bench.query_many(archs, "params", rows=np.array([0]))
    assert bench.query_many(None, "params", rows=[]).shape == (0,)


@pytest.mark.parametrize("rows", [[-1], np.array([0, -N]), [[0, 1]], "0", [True], [N]])
def test_rows_outside_zero_to_n_are_refused(bench, rows):
    """E.5: ids lie in [0, n); -1 used to return the last row."""
    with pytest.raises(OutOfDomainError, match="row id|rows must"):
        bench.query_many(None, "params", rows=rows)


@pytest.mark.parametrize("archs", [5, 2.5, "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                                   b"x", NB201.from_index(1), object()])
def test_query_many_of_a_non_list_raises_our_error(bench, archs):
    """E.6: query_many(5, m) used to raise TypeError."""
    with pytest.raises(OutOfDomainError, match="not a list of architectures"):
        bench.query_many(archs, "params")


@pytest.mark.parametrize("metric", [0, 1.5, ["params", 3], object()])
def test_to_frame_of_a_non_metric_raises_our_error(bench, metric):
    """E.6: to_frame(0) used to raise TypeError."""
    with pytest.raises(NasBenchKitError, match="not in table"):
        bench.to_frame(metric)


def test_frame_best_and_read_only(bench):
    frame = bench.to_frame()
    assert list(frame.columns) == list(bench.metrics) and frame.index.name == "hash"
    assert list(frame.index) == list(bench.hashes)
    one = bench.to_frame("params", fidelity=12, seed=0)
    assert list(one.columns) == ["params"] and one["params"].tolist() == list(range(N))
    arch, value = bench.best("params")
    assert arch == NB201.from_index(N - 1) and value == N - 1
    arch, value = bench.best("params", maximize=False)
    assert arch == NB201.from_index(0) and value == 0.0
    with pytest.raises(ValueError):
        bench.values[0, 0, 0, 0] = 1.0
    before = bench.query(NB201.from_index(4), "test_acc")
    bench.archs().clear()  # the returned list is a copy
    assert len(bench.archs()) == N
    assert bench.query(NB201.from_index(4), "test_acc") == before


def test_values_come_back_as_source_decimals():
    b = Benchmark.from_arrays(name="t/d", space="nb201", dataset="d", archs=[0, 1],
                              metrics=("a",), values=np.array([[93.2956], [0.0]]))  # fmt: skip
    assert b.query(0, "a").value == 93.2956 and b.query(1, "a").value == 0.0


def test_open_from_file_equals_in_memory(bench, tmp_path):
    td = TableData(
        name=bench.name, space="nb201", dataset=bench.dataset, hashes=list(bench.hashes),
        notations=list(bench.notations), seeds=bench.seeds, fidelities=bench.fidelities,
        metrics=bench.metrics, units=dict(bench.units), values=np.array(bench.values),
        source="unit test", cost_metric=bench.cost_metric,
    )  # fmt: skip
    write_table(td, tmp_path / "b.h5")
    opened = Benchmark.open(tmp_path / "b.h5")
    assert opened.metadata["path"].endswith("b.h5")
    for a in bench.archs()[:5]:
        assert opened.query(a, "test_acc", seed=0) == bench.query(a, "test_acc", seed=0)


def test_space_whose_hash_differs_from_notation():
    space = get_space("nbgraph")
    archs = [space.from_key(k) for k in (1111, 81111)]
    b = Benchmark.from_arrays(name="t/g", space="nbgraph", dataset="cora", archs=archs,
                              metrics=("val_acc",), values=np.array([[50.0], [60.0]]))  # fmt: skip
    assert b.hashes == ("1111", "81111") and b.notations[1] == space.to_string(archs[1])
    assert b.query(space.to_string(archs[1]), "val_acc").value == 60.0
    assert b.query(81111, "val_acc").value == 60.0
    assert b.archs() == archs


def test_pickling_in_memory_and_file_backed(bench, tmp_path):
    import pickle

    clone = pickle.loads(pickle.dumps(bench))
    arch = NB201.from_index(5)
    assert clone.query(arch, "test_acc", seed=2) == bench.query(arch, "test_acc", seed=2)
    write_table(bench.to_table(), tmp_path / "p.h5")
    opened = Benchmark.open(tmp_path / "p.h5")
    blob = pickle.dumps(opened)
    assert len(blob) < 2000  # travels as its path, not its data
    a, b = pickle.loads(blob), pickle.loads(blob)
    assert a is b and a.query(arch, "params") == opened.query(arch, "params")


def test_in_memory_tables_copy_caller_arrays():
    values = np.array([[1.0], [2.0]], dtype=np.float32).reshape(2, 1, 1, 1)
    b = Benchmark.from_arrays(name="t/v", space="nb201", dataset="d", archs=[0, 1],
                              metrics=("a",), values=values)  # fmt: skip
    values[0] = 99.0
    assert b.query(0, "a").value == 1.0
