"""Benchmark implements the Evaluator contract: embedded, imported and joined tables."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError, UnknownBenchmarkError, UnknownFidelityError
from nasbench_kit.evaluators.protocol import Evaluator
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.results import provenance_kind
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import Benchmark, join

NB201 = get_space("nb201")


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Benchmark:
    """A small NB201 CSV with a cost column, imported through the registry."""
    path = tmp_path_factory.mktemp("contract") / "mine.csv"
    rng = np.random.default_rng(3)
    lines = ["arch,val_acc,train_time,latency"]
    for i in range(40):
        acc, t, lat = rng.uniform(50, 95), rng.uniform(100, 900), rng.uniform(1, 9)
        lines.append(f"{NB201.to_string(NB201.from_index(i))},{acc:.3f},{t:.1f},{lat:.3f}")
    path.write_text("\n".join(lines) + "\n")
    name = nbk.import_table("csv", path, name="contract/imported", space="nb201",
                            cost_metric="train_time")  # fmt: skip
    return nbk.load(name)


def test_embedded_table_keeps_the_contract():
    try:
        bench = nbk.load("analognas/cifar10")
    except UnknownBenchmarkError as exc:
        pytest.skip(str(exc))
    check_evaluator(bench, bench.archs()[:5], "test_acc", kinds=("table",))
    assert isinstance(bench, Evaluator)
    assert bench.query(bench.archs()[0], "test_acc").provenance.startswith("table:analognas/")


def test_imported_table_keeps_the_contract(imported):
    check_evaluator(imported, imported.archs()[::7], "val_acc", kinds=("table",))
    r = imported.query(imported.archs()[0], "val_acc")
    assert r.provenance == "table:contract/imported (user-provided table mine.csv)"
    assert provenance_kind(r.provenance) == "table" and r.cost > 0


def test_joined_in_memory_table_keeps_the_contract(imported):
    other = Benchmark.from_arrays(
        name="contract/short", space="nb201", dataset="custom", archs=list(range(0, 40, 2)),
        metrics=("val_acc",), values=np.arange(20.0).reshape(20, 1), fidelities=(12,),
    )  # fmt: skip
    joined = join(imported, other)
    check_evaluator(joined, joined.archs()[:4], "val_acc@contract/imported", kinds=("table",))
    assert pickle.loads(pickle.dumps(joined)).metrics == joined.metrics
    with pytest.raises(UnknownFidelityError):
        joined.query(joined.archs()[0], "val_acc@contract/short")


def test_optimum_and_pareto_front_over_the_rows(imported):
    frame = imported.to_frame()
    assert imported.optimum("val_acc") == frame["val_acc"].max()
    assert imported.optimum("latency", maximize=False) == frame["latency"].min()
    front = imported.pareto_front(["val_acc", "latency"], [True, False])
    assert front.shape[1] == 2 and len(front) >= 1
    pts = frame[["val_acc", "latency"]].to_numpy()
    for acc, lat in front:  # nothing in the table dominates a front point
        dominated = (pts[:, 0] >= acc) & (pts[:, 1] <= lat) & ((pts[:, 0] > acc) | (pts[:, 1] < lat))
        assert not dominated.any()
    assert front[0, 0] == imported.optimum("val_acc")  # best first
    both = imported.pareto_front(["val_acc", "train_time"], True)
    assert both[0, 0] == imported.optimum("val_acc")
    empty = Benchmark.from_arrays(name="contract/nan", space="nb201", dataset="d", archs=[0, 1],
                                  metrics=("m",), values=np.full((2, 1), np.nan))  # fmt: skip
    assert empty.optimum("m") is None and empty.pareto_front(["m"], [True]).shape == (0, 1)
    for bad in ("val_acc", [], None):
        with pytest.raises(OutOfDomainError):
            imported.pareto_front(bad, [True])  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError, match="one True/False per metric"):
        imported.pareto_front(["val_acc", "latency"], [True])
    with pytest.raises(OutOfDomainError, match="True or False"):
        imported.optimum("val_acc", maximize="yes")  # type: ignore[arg-type]
