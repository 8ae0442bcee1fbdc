"""Behaviour specific to each strategy (beyond the shared contract)."""

from __future__ import annotations

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import (
    NSGA2,
    Hyperband,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    SuccessiveHalving,
)
from nasbench_kit.optimizers.testing import HashBenchmark


def test_rea_ages_out_and_mutates_population_members() -> None:
    sp = nbk.get_space("nb201")
    opt = RegularizedEvolution("nb201", population_size=5, sample_size=2, seed=0)
    told = []
    for i in range(30):
        a = opt.ask()
        if i >= 5:  # a child: one edit away from some earlier architecture
            assert any(a in sp.neighbors(p) for p in told)
        opt.tell(a, float(i))
        told.append(a)
        assert len(opt.population) == min(i + 1, 5)
    assert [a for a, _ in opt.population] == told[-5:]
    with pytest.raises(OutOfDomainError):
        RegularizedEvolution("nb201", population_size=5, sample_size=6)


def test_local_search_climbs_and_restarts() -> None:
    sp = nbk.get_space("nb201")
    bench = HashBenchmark("nb201")
    opt = LocalSearch("nb201", n_init=5, seed=0)
    df = nbk.run_search(opt, bench, "val_acc", max_queries=300, dedupe_isomorphic=True)
    assert opt.n_restarts >= 1
    # after the random start every ask is a neighbour of something evaluated, or a restart
    archs = [sp.from_string(s) for s in df["arch"]]
    near = sum(any(a in sp.neighbors(b) for b in archs[max(0, i - 40):i])
               for i, a in enumerate(archs[5:], start=5))
    assert near > 0.8 * (len(archs) - 5)
    rs = nbk.run_search(RandomSearch("nb201", seed=0), bench, "val_acc", max_queries=300)
    assert df["incumbent"].iloc[-1] >= rs["incumbent"].iloc[-1] - 0.5


def test_successive_halving_promotes_the_best() -> None:
    opt = SuccessiveHalving("nb201", eta=3, n_initial=9, seed=0)
    opt.prepare(fidelities=(12.0, 200.0))
    asked = []
    for i in range(12):
        a = opt.ask()
        asked.append((a, opt.next_fidelity))
        opt.tell(a, float(i % 9))  # the 9th (i=8) of the first rung is best
    assert [f for _, f in asked[:9]] == [12.0] * 9
    promoted = [a for a, f in asked[9:12]]
    assert [f for _, f in asked[9:12]] == [200.0] * 3
    assert {a.hash for a in promoted} == {asked[i][0].hash for i in (8, 7, 6)}


def test_hyperband_cycles_brackets_and_single_fidelity_degenerates() -> None:
    opt = Hyperband("nb201", eta=3, seed=0)
    opt.prepare(fidelities=(4.0, 12.0, 36.0))
    fids = []
    for i in range(40):
        a = opt.ask()
        fids.append(opt.next_fidelity)
        opt.tell(a, float(i))
    assert fids[:9] == [4.0] * 9 and set(fids) == {4.0, 12.0, 36.0}
    assert opt.n_brackets >= 3
    single = SuccessiveHalving("nb201", seed=0)
    single.prepare(fidelities=(200.0,))
    a = single.ask()
    assert single.next_fidelity == 200.0
    with pytest.raises(OutOfDomainError, match="min_fidelity"):
        SuccessiveHalving("nb201", min_fidelity=500.0).prepare(fidelities=(12.0, 200.0))
    clipped = SuccessiveHalving("nb201", max_fidelity=100.0, seed=0)
    clipped.prepare(fidelities=(12.0, 200.0))
    assert clipped.ladder == [12.0] and a is not None


def test_nsga2_keeps_a_good_front() -> None:
    bench = HashBenchmark("nb201")
    df = nbk.run_search(NSGA2("nb201", population_size=20, seed=0), bench,
                        ("val_acc", "latency"), maximize=(True, False), max_queries=200,
                        hv_ref=(80.0, 25.0), dedupe_isomorphic=True)
    rs = nbk.run_search(RandomSearch("nb201", seed=0), bench, ("val_acc", "latency"),
                        maximize=(True, False), max_queries=200, hv_ref=(80.0, 25.0))
    assert np.all(np.diff(df["incumbent"]) >= -1e-9)
    assert df["incumbent"].iloc[-1] >= 0.9 * rs["incumbent"].iloc[-1]
    with pytest.raises(OutOfDomainError):
        NSGA2("nb201", population_size=1)
