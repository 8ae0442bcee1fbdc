"""join: inner join on identity, metric suffixes, static-axis broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import OutOfDomainError
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
    other_fids = table("t/b", [0], ("n",), np.zeros((1, 1, 2, 1)), fidelities=(1, 200))
    with pytest.raises(OutOfDomainError, match="fidelities differ"):
        join(two_fids, other_fids)
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
    with pytest.raises(OutOfDomainError, match="two different"):
        join(two_fids, disjoint, suffixes=("_x", "_x"))
    with pytest.raises(OutOfDomainError):
        join(two_fids, "not a table")  # type: ignore[arg-type]
