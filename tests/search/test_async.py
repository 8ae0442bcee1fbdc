"""Simulated asynchronous workers: Syne-Tune's semantics on a table with known costs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import (
    NSGA2,
    Bananas,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    SuccessiveHalving,
)
from nasbench_kit.optimizers._base import Optimizer
from nasbench_kit.predictors import LinearPredictor
from nasbench_kit.search.loop import execute
from nasbench_kit.search.spec import prepare_run

from ._sequential import sequential

SPACE = nbk.get_space("nb201")


def _distinct(n: int) -> list[Any]:
    """``n`` NB201 cells of different isomorphism classes."""
    out, seen = [], set()
    for i in range(SPACE.n_architectures):
        a = SPACE.from_index(i)
        if a.iso_hash not in seen:
            seen.add(a.iso_hash)
            out.append(a)
        if len(out) == n:
            return out
    raise AssertionError("not enough classes")  # pragma: no cover


ARCHS = _distinct(8)
NAMES = "ABCDEFGH"
COST = {"A": 10.0, "B": 3.0, "C": 4.0, "D": 1.0, "E": 5.0, "F": 2.0, "G": 6.0, "H": 2.0}


def _name(arch: Any) -> str:
    return NAMES[[a.hash for a in ARCHS].index(arch.hash)]


@pytest.fixture(scope="module")
def costed() -> Any:
    """Eight cells; val_acc = 90 + index, cost (train_time) as in COST; 12 epochs cost 1/4."""
    vals = np.zeros((8, 1, 2, 2))
    for i, n in enumerate(NAMES):
        vals[i, 0, :, 0] = (80.0 + i, 90.0 + i)
        vals[i, 0, :, 1] = (COST[n] / 4, COST[n])
    return nbk.Benchmark.from_arrays(
        name="test/costed", space="nb201", dataset="synthetic", archs=ARCHS,
        metrics=("val_acc", "train_time"), values=vals, fidelities=(12.0, 200.0),
        cost_metric="train_time",
    )  # fmt: skip


class Script(Optimizer):
    """Asks a fixed list of (name, fidelity); logs every ask and tell."""

    name = "script"

    def __init__(self, plan: list[tuple[str, float | None]]) -> None:
        super().__init__("nb201", seed=0)
        self.plan = list(plan)
        self.log: list[str] = []

    def _ask(self) -> Any:
        name, fid = self.plan.pop(0)
        self.next_fidelity = fid
        self.log.append(f"ask {name}")
        return ARCHS[NAMES.index(name)]

    def _tell(self, arch: Any, value: Any) -> None:
        self.log.append(f"tell {_name(arch)}")


def _script(names: str, fid: float | None = None) -> Script:
    return Script([(n, fid) for n in names])


def test_jobs_complete_in_simulated_time_order(costed) -> None:
    opt = _script("ABCDEFGH")
    df = nbk.run_search(opt, costed, "val_acc", max_queries=5, workers=2)
    # t=0: w0 A (->10), w1 B (->3); w1 then runs C (3->7), D (7->8), E (8->13);
    # A completes at 10 on w0, which starts F (10->12); F completes before E.
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("BCDAF")
    assert df["time"].tolist() == [3.0, 7.0, 8.0, 10.0, 12.0]
    assert df["worker"].tolist() == [1, 1, 1, 0, 0]
    assert df["step"].tolist() == [1, 2, 3, 4, 5]
    assert opt.log == ["ask A", "ask B", "tell B", "ask C", "tell C", "ask D", "tell D",
                       "ask E", "tell A", "ask F", "tell F"]  # fmt: skip
    assert df.attrs["stopped"] == "max_queries" and df.attrs["workers"] == 2
    # max_queries counts completions: E was running at the 5th completion and is abandoned
    assert opt.n_asked == 6 and opt.n_told == 5


def test_ties_complete_in_worker_order_and_are_all_told_before_new_asks(costed) -> None:
    opt = _script("FHDBCEGA")  # F and H both cost 2; D costs 1
    df = nbk.run_search(opt, costed, "val_acc", max_queries=6, workers=3)
    # t=0: w0 F (->2), w1 H (->2), w2 D (->1); t=1: w2 B (->4); t=2: F, H (tie, w0 first),
    # then the freed workers ask in worker order: w0 C (->6), w1 E (->7); t=4: w2 G (->10)
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("DFHBCE")
    assert df["time"].tolist() == [1.0, 2.0, 2.0, 4.0, 6.0, 7.0]
    assert df["worker"].tolist() == [2, 0, 1, 2, 0, 1]
    assert opt.log[:9] == ["ask F", "ask H", "ask D", "tell D", "ask B", "tell F", "tell H",
                           "ask C", "ask E"]  # fmt: skip


def test_max_seconds_stops_at_the_simulated_wall_clock(costed) -> None:
    opt = _script("ABCDEFGH")
    df = nbk.run_search(opt, costed, "val_acc", max_seconds=9.5, workers=2)
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("BCD")
    assert df.attrs["stopped"] == "max_seconds" and df["time"].max() <= 9.5


def test_a_running_duplicate_waits_for_its_original(costed) -> None:
    opt = _script("AABCDE")
    df = nbk.run_search(opt, costed, "val_acc", max_queries=3, workers=2,
                        dedupe_isomorphic=True)  # fmt: skip
    # w1's repeat of A (running on w0) is not evaluated: w1 waits for A, is told its
    # value right after it and is free again at 10 (no row, no query); then w0 runs
    # B (10->13) and D (13->14), w1 runs C (10->14): D and C tie at 14, w0 first
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("ABD")
    assert df["worker"].tolist() == [0, 0, 0] and df["time"].tolist() == [10, 13, 14]
    assert opt.log[:6] == ["ask A", "ask A", "tell A", "tell A", "ask B", "ask C"]
    plain = nbk.run_search(_script("AABCDE"), costed, "val_acc", max_queries=3, workers=2)
    assert [_name(SPACE.parse(a)) for a in plain["arch"]] == list("AAB")  # evaluated twice


def test_resume_needs_the_lower_fidelity_completed_before_the_start(costed) -> None:
    plan = [("A", 12.0), ("A", 200.0), ("B", 12.0), ("B", 200.0), ("C", 12.0), ("E", 200.0)]
    df = nbk.run_search(Script(plan), costed, "val_acc", max_queries=5, workers=2)
    rows = {(_name(SPACE.parse(a)), f): (t, w) for a, f, t, w in
            zip(df["arch"], df["fidelity"], df["time"], df["worker"])}  # fmt: skip
    # A@12 (2.5) and A@200 start together: nothing to resume, A@200 costs 10 in full.
    # B@12 on w0 at 2.5 -> 3.25; B@200 then resumes from it: 3 - 0.75 -> done at 5.5.
    assert rows[("A", 12.0)] == (2.5, 0) and rows[("B", 12.0)] == (3.25, 0)
    assert rows[("B", 200.0)] == (5.5, 0) and rows[("A", 200.0)] == (10.0, 1)
    assert rows[("C", 12.0)] == (6.5, 0) and len(df) == 5  # E@200 (6.5 -> 11.5) abandoned


def _runs() -> list[tuple[str, Any, dict[str, Any]]]:
    lin = dict(n_init=4, predictor=LinearPredictor(), acquisition="mean")
    return [
        ("rs", lambda: RandomSearch("nb201", seed=3), {"max_queries": 40}),
        ("rea-dedupe", lambda: RegularizedEvolution("nb201", population_size=8, sample_size=3,
                                                    seed=1),
         {"max_queries": 60, "dedupe_isomorphic": True}),
        ("ls-seconds", lambda: LocalSearch("nb201", n_init=5, seed=2), {"max_seconds": 9000.0}),
        ("sh-resume", lambda: SuccessiveHalving("nb201", eta=3, seed=0), {"max_queries": 40}),
        ("bananas-noisy", lambda: Bananas("nb201", seed=0, **lin), {"max_queries": 12, "seed": 5}),
        ("nsga2", lambda: NSGA2("nb201", population_size=8, seed=0),
         {"max_queries": 30, "metric": ("val_acc", "latency"), "maximize": (True, False)}),
    ]  # fmt: skip


@pytest.mark.parametrize(("label", "make", "kw"), _runs(), ids=[r[0] for r in _runs()])
def test_one_worker_is_the_sequential_loop(table, label, make, kw) -> None:
    kw = dict(kw)
    metric = kw.pop("metric", "val_acc")
    spec = prepare_run(table, metric, **kw)
    expected = sequential(make(), table, spec)
    got = execute(make(), table, spec)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs and (got["worker"] == 0).all()


def test_each_worker_runs_back_to_back_and_runs_are_deterministic(table) -> None:
    def run() -> pd.DataFrame:
        return nbk.run_search(RegularizedEvolution("nb201", seed=4), table, "val_acc",
                              max_queries=150, workers=4)  # fmt: skip

    df = run()
    assert set(df["worker"]) == {0, 1, 2, 3}
    assert (np.diff(df["time"]) >= 0).all()
    for _, rows in df.groupby("worker"):  # a worker asks again the moment it frees up
        assert np.allclose(rows["time"], np.cumsum(rows["cost"]))
    pd.testing.assert_frame_equal(df, run())
    one = nbk.run_search(RegularizedEvolution("nb201", seed=4), table, "val_acc",
                         max_queries=150)  # fmt: skip
    assert df["time"].iloc[-1] < one["time"].iloc[-1] / 2  # four workers: < half the time


def test_run_many_passes_simulated_workers(table) -> None:
    make = lambda s: RegularizedEvolution("nb201", population_size=10, sample_size=3, seed=s)  # noqa: E731
    kw = dict(seeds=range(3), max_queries=30, sim_workers=3)
    serial = nbk.run_many(make, table, "val_acc", **kw)
    pooled = nbk.run_many(make, table, "val_acc", workers=2, **kw)
    pd.testing.assert_frame_equal(serial, pooled)
    alone = nbk.run_search(make(1), table, "val_acc", max_queries=30, workers=3)
    pd.testing.assert_frame_equal(
        serial[serial["seed"] == 1].drop(columns="seed").reset_index(drop=True), alone)
    assert serial.attrs["workers"] == 3 and set(serial["worker"]) == {0, 1, 2}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "4"])
def test_bad_worker_counts_are_refused_before_any_ask(table, bad) -> None:
    opt = RandomSearch("nb201", seed=0)
    with pytest.raises(OutOfDomainError, match="workers"):
        nbk.run_search(opt, table, "val_acc", max_queries=3, workers=bad)
    assert opt.n_asked == 0


def test_a_worker_out_of_new_asks_waits_and_the_run_ends_when_none_runs(costed) -> None:
    opt = _script("AB" + "A" * 20)
    df = nbk.run_search(opt, costed, "val_acc", max_queries=100, workers=2,
                        dedupe_isomorphic=True, max_free_asks=2)  # fmt: skip
    # t=3: B done, w1 asks A (running on w0) and waits; t=10: A is told twice, then each
    # worker gets A again: told from the cache twice, the third repeat is one too many
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("BA")
    assert df.attrs["stopped"] == "exhausted" and df["time"].tolist() == [3.0, 10.0]
    assert opt.log[:6] == ["ask A", "ask B", "tell B", "ask A", "tell A", "tell A"]
    assert opt.log[6:] == ["ask A", "tell A", "ask A", "tell A", "ask A"] * 2


def test_a_blocked_worker_asks_again_after_the_next_completion(costed) -> None:
    opt = _script("ABBBCDEF")
    df = nbk.run_search(opt, costed, "val_acc", max_queries=4, workers=2,
                        dedupe_isomorphic=True, max_free_asks=1)  # fmt: skip
    # t=3: w1 gets B twice more (told from the cache once, then one too many) and idles
    # while A runs; at 10 both workers ask: w0 C (->14), w1 D (->11)
    assert [_name(SPACE.parse(a)) for a in df["arch"]] == list("BADC")
    assert df["time"].tolist() == [3.0, 10.0, 11.0, 14.0] and df["worker"].tolist() == [1, 0, 1, 0]
    assert opt.log == ["ask A", "ask B", "tell B", "ask B", "tell B", "ask B", "tell A", "ask C",
                       "ask D", "tell D", "ask E", "tell C"]  # fmt: skip
