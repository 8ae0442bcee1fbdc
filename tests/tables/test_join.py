"""join: inner join on identity, metric suffixes, static-axis broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import OutOfDomainError, UnknownFidelityError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import Benchmark, join

NB201 = get_space("nb201")


def table(name, indices, metrics, values, **kw) -> Benchmark:
    return Benchmark.from_arrays(name=name, space="nb201", dataset=kw.pop("dataset", "c10"),
                                 archs=list(indices), metrics=metrics, values=values, **kw)  # fmt: skip


def test_inner_join_on_identity_with_suffixes():
    a = table("t/a", [0, 1, 2, 3], ("test_acc", "params"), np.array([[90, 1], [91, 2], [92, 3], [93, 4.0]]),
              units={"test_acc": "%", "params": "M"}, source="A", licence="MIT")  # fmt: skip
    # b lists archs by other notations and in another order; row 3 is absent, 9 extra
    b_archs = [NB201.to_naslib(NB201.from_index(i)) for i in (2, 0, 9, 1)]
    b = Benchmark.from_arrays(name="t/b", space="nb201", dataset="c10", archs=b_archs,
                              metrics=("test_acc", "latency"), units={"latency": "ms"},
                              values=np.array([[82, 20], [80, 10], [89, 99], [81, 11.0]]),
                              licence="Apache-2.0")  # fmt: skip
    j = join(a, b)
    assert j.metrics == ("test_acc@t/a", "params", "test_acc@t/b", "latency")
    assert len(j) == 3 and j.hashes == tuple(NB201.from_index(i).hash for i in (0, 1, 2))
    for i, acc_b, lat in ((0, 80, 10), (1, 81, 11), (2, 82, 20)):
        assert j.query(i, "test_acc@t/a").value == 90 + i
        assert j.query(i, "test_acc@t/b").value == acc_b
        assert j.query(i, "latency").value == lat and j.query(i, "latency").unit == "ms"
    assert NB201.from_index(3) not in j and NB201.from_index(9) not in j
    assert j.name == "t/a+t/b" and j.dataset == "c10"
    assert j.metadata["licence"] == "MIT | Apache-2.0"
    custom = join(a, b, suffixes=("_mine", "_theirs"))
    assert "test_acc_mine" in custom.metrics and "test_acc_theirs" in custom.metrics


def test_static_table_is_broadcast_over_fidelities_and_seeds():
    vals = np.zeros((2, 2, 3, 2), np.float32)
    vals[..., 0] = np.arange(3)[None, None, :] * 10 + np.arange(2)[None, :, None]  # acc
    vals[..., 1] = np.array([1.0, 2.0, 3.0])[None, None, :] * 100  # train_time
    curves = table("t/curves", [0, 1], ("val_acc", "train_time"), vals, seeds=(0, 1),
                   fidelities=(1, 12, 200), cost_metric="train_time")  # fmt: skip
    static = table("t/lat", [1, 0], ("latency",), np.array([[7.0], [5.0]]))
    j = join(curves, static)
    assert j.fidelities == (1.0, 12.0, 200.0) and j.seeds == (0, 1)
    assert j.cost_metric == "train_time"
    for fid in (1, 12, 200):
        for seed in (None, 0, 1):
            assert j.query(0, "latency", fidelity=fid, seed=seed).value == 5.0
            assert j.query(1, "latency", fidelity=fid, seed=seed).value == 7.0
    assert j.query(0, "val_acc", fidelity=12, seed=1).value == 11.0
    assert j.query(0, "latency", fidelity=12).cost == 200.0
    assert j.metadata["extra"]["broadcast_metrics"] == "latency"
    # symmetric: the static table may come first
    j2 = join(static, curves)
    assert j2.fidelities == (1.0, 12.0, 200.0) and j2.cost_metric == "train_time"
    assert j2.query(1, "latency", fidelity=1, seed=0).value == 7.0


def test_incompatible_joins_are_refused():
    two_fids = table("t/a", [0], ("m",), np.zeros((1, 1, 2, 1)), fidelities=(12, 200))
    seeds_a = table("t/c", [0], ("m",), np.zeros((1, 2, 1, 1)), seeds=(0, 1))
    seeds_b = table("t/d", [0], ("n",), np.zeros((1, 2, 1, 1)), seeds=(5, 6))
    with pytest.raises(OutOfDomainError, match="seeds differ"):
        join(seeds_a, seeds_b)
    disjoint = table("t/e", [5], ("n",), np.zeros((1, 1)))
    with pytest.raises(OutOfDomainError, match="no architecture in common"):
        join(two_fids, disjoint)
    graph = Benchmark.from_arrays(name="t/g", space="nbgraph", dataset="cora", archs=[1111],
                                  metrics=("m",), values=np.zeros((1, 1)))  # fmt: skip
    with pytest.raises(OutOfDomainError, match="same search space"):
        join(two_fids, graph)
    for bad in (("_x", "_x"), ("_x",), "ab", (1, 2)):
        with pytest.raises(OutOfDomainError, match="two different"):
            join(two_fids, disjoint, suffixes=bad)  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError):
        join(two_fids, "not a table")  # type: ignore[arg-type]
    for bad_static in ("m", 5, [3]):  # 5 raised TypeError (fuzz finding)
        with pytest.raises(OutOfDomainError, match="static="):
            join(two_fids, two_fids, static=bad_static)  # type: ignore[arg-type]


def _epochs_table(name, fids, acc, time, seeds=()):
    """Two archs, ``val_acc`` = acc + epoch and cumulative ``train_time`` = time * epoch."""
    shape = (2, max(1, len(seeds)), len(fids))
    vals = np.zeros((*shape, 2), np.float32)
    vals[..., 0] = acc + np.asarray(fids, np.float32)[None, None, :]
    vals[..., 1] = time * np.asarray(fids, np.float32)[None, None, :]
    return table(name, [0, 1], ("val_acc", "train_time"), vals, fidelities=fids, seeds=seeds,
                 units={"val_acc": "%", "train_time": "s"}, cost_metric="train_time")  # fmt: skip


def test_join_keeps_each_metric_at_its_own_fidelity_and_cost():
    """E.2: the 12-epoch metrics used to be labelled 200 epochs and charged 200-epoch time."""
    long = _epochs_table("t/200ep", (200,), acc=0.0, time=10.0)  # val_acc 200, cost 2000 s
    short = _epochs_table("t/12ep", (12,), acc=50.0, time=7.0)  # val_acc 62, cost 84 s
    j = join(long, short)
    assert j.fidelities == (12.0, 200.0)
    r12 = j.query(0, "val_acc@t/12ep", fidelity=12)
    assert (r12.value, r12.fidelity, r12.cost) == (62.0, 12.0, 84.0)
    r200 = j.query(0, "val_acc@t/200ep")
    assert (r200.value, r200.fidelity, r200.cost) == (200.0, 200.0, 2000.0)
    with pytest.raises(UnknownFidelityError, match=r"only at fidelities \[12\.0\]"):
        j.query(0, "val_acc@t/12ep")  # fidelity None = 200, where it was never measured
    with pytest.raises(UnknownFidelityError, match=r"only at fidelities \[200\.0\]"):
        j.query(0, "val_acc@t/200ep", fidelity=12)
    np.testing.assert_array_equal(j.query_many([0, 1], "val_acc@t/12ep", fidelity=12), [62, 62])
    assert j.to_frame(fidelity=12)["val_acc@t/200ep"].isna().all()  # the frame shows the gap
    # the order of the inputs does not matter
    k = join(short, long)
    assert k.query(1, "val_acc@t/12ep", fidelity=12).cost == 84.0
    assert k.query(1, "val_acc@t/200ep", fidelity=200).cost == 2000.0
    # a table without timing: its metrics' cost is unknown (NaN), not the other table's time
    no_time = table("t/plain", [0, 1], ("test_acc",), np.array([[70.0], [71.0]]), fidelities=(12,))
    m = join(long, no_time)
    assert m.cost_metric == "train_time" and np.isnan(m.query(1, "test_acc", fidelity=12).cost)
    assert join(no_time, no_time, suffixes=("_1", "_2")).query(0, "test_acc_1").cost == 0.0


def test_static_metrics_still_broadcast_and_static_option():
    long = _epochs_table("t/curve", (1, 12, 200), acc=0.0, time=1.0)
    lat = table("t/lat", [1, 0], ("latency", "latency_pixel3", "score"),
                np.array([[7.0, 70.0, 0.5], [5.0, 50.0, 0.25]]), fidelities=(200,))  # fmt: skip
    j = join(long, lat)
    for fid in (1, 12, 200):
        assert j.query(0, "latency_pixel3", fidelity=fid).value == 50.0
        assert j.query(0, "latency", fidelity=fid).cost == float(fid)  # the joined cost
    with pytest.raises(UnknownFidelityError):
        j.query(0, "score", fidelity=12)  # not a static name: stays at 200
    assert "score" not in j.metadata["extra"]["broadcast_metrics"]
    k = join(long, lat, static=["score"])
    assert k.query(1, "score", fidelity=1).value == 0.5


def test_join_of_joins_keeps_the_axes():
    a = _epochs_table("t/a", (200,), acc=0.0, time=10.0)
    b = _epochs_table("t/b", (12,), acc=50.0, time=7.0)
    c = _epochs_table("t/c", (36,), acc=20.0, time=3.0)
    abc = join(join(a, b), c)  # c's names do not clash: kept as they are
    assert abc.fidelities == (12.0, 36.0, 200.0)
    r = abc.query(0, "val_acc@t/b", fidelity=12)
    assert (r.value, r.cost) == (62.0, 84.0)
    r = abc.query(0, "val_acc", fidelity=36)
    assert (r.value, r.cost) == (56.0, 108.0)
    with pytest.raises(UnknownFidelityError):
        abc.query(0, "val_acc@t/b", fidelity=36)


def test_join_of_the_shared_nb201_tables(shared_path):
    """E.2 with the real 200-epoch and 12-epoch NB201 CSVs."""
    from nasbench_kit.tables.convert import nb201_csv

    long = Benchmark.from_table(nb201_csv.convert(shared_path(
        "nb201/nb201_cifar10-valid_200ep_seedavg.csv")))  # fmt: skip
    short = Benchmark.from_table(nb201_csv.convert(shared_path("nb201/nb201_12ep_accuracy.csv")))
    assert long.fidelities == (200.0,) and short.fidelities == (12.0,)
    j = join(long, short)
    assert j.fidelities == (12.0, 200.0) and len(j) == min(len(long), len(short))
    arch = long.archs()[1]
    r = j.query(arch, "val_acc@" + short.name, fidelity=12)
    assert r.fidelity == 12.0 and r.value == short.query(arch, "val_acc").value
    assert np.isnan(r.cost)  # mini-NB201 publishes no time: unknown, not 200-epoch seconds
    full = j.query(arch, "val_acc@" + long.name)
    assert full.fidelity == 200.0 and full.cost == long.query(arch, "val_acc").cost > 0
    with pytest.raises(UnknownFidelityError, match="fidelity=12"):
        j.query(arch, "test_acc@" + short.name)
