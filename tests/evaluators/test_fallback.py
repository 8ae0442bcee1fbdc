"""Fallback chains: routing, provenance, combined description, bad inputs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import (
    MixedDatasetWarning,
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
)
from nasbench_kit.evaluators.fallback import Fallback
from nasbench_kit.evaluators.surrogate import fit_surrogate
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.results import provenance_kind

NB201 = nbk.get_space("nb201")


def _table(name: str, idx: range, *, cost: bool = True, unit: str = "%",
           seeds: tuple[int, ...] = ()) -> nbk.Benchmark:  # fmt: skip
    archs = [NB201.from_index(i) for i in idx]
    conv = np.array([a.ops.count("nor_conv_3x3") for a in archs], dtype=float)
    k = max(1, len(seeds))
    values = np.zeros((len(archs), k, 1, 3))
    values[..., 0, 0] = (60 + 5 * conv + np.arange(len(archs)) % 7 * 0.1)[:, None]
    values[..., 0, 1] = (50 + 4 * conv)[:, None]
    values[..., 0, 2] = (100 + 20 * conv)[:, None]
    return nbk.Benchmark.from_arrays(
        name=name, space="nb201", dataset="synthetic", archs=archs,
        metrics=("val_acc", "test_acc", "train_time"), values=values, seeds=seeds,
        cost_metric="train_time" if cost else None,
        units={"val_acc": unit, "test_acc": "%", "train_time": "s"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def table() -> nbk.Benchmark:
    return _table("test/part", range(0, 6000, 60))


@pytest.fixture(scope="module")
def sur(table) -> Any:
    return fit_surrogate(table, ["val_acc"], model="linear", n_members=2)


@pytest.fixture(scope="module")
def chain(table, sur) -> Fallback:
    return Fallback([table, sur])


class Counting:
    """Delegates to an evaluator and counts query_many calls (an Evaluator itself)."""

    def __init__(self, inner: Any):
        self.inner, self.batches = inner, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    name = property(lambda self: self.inner.name)
    space = property(lambda self: self.inner.space)
    dataset = property(lambda self: self.inner.dataset)
    metrics = property(lambda self: self.inner.metrics)
    units = property(lambda self: self.inner.units)
    fidelities = property(lambda self: self.inner.fidelities)
    seeds = property(lambda self: self.inner.seeds)
    cost_metric = property(lambda self: self.inner.cost_metric)

    def query(self, *args: Any, **kw: Any) -> Any:
        return self.inner.query(*args, **kw)

    def query_many(self, archs: Any, *args: Any, **kw: Any) -> Any:
        archs = list(archs)
        self.batches.append(len(archs))
        return self.inner.query_many(archs, *args, **kw)

    def optimum(self, *args: Any, **kw: Any) -> Any:
        return self.inner.optimum(*args, **kw)

    def pareto_front(self, *args: Any, **kw: Any) -> Any:
        return self.inner.pareto_front(*args, **kw)

    def __contains__(self, arch: Any) -> bool:
        return arch in self.inner


def test_chain_keeps_the_contract(chain, table):
    mixed = table.archs()[:3] + [NB201.from_index(i) for i in (1, 2, 15_000)]
    check_evaluator(chain, mixed, "val_acc", kinds=("table", "surrogate"))


def test_routing_and_provenance(chain, table, sur):
    held, other = table.archs()[4], NB201.from_index(7)
    r = chain.query(held, "val_acc")
    assert provenance_kind(r.provenance) == "table" and r == table.query(held, "val_acc")
    s = chain.query(other, "val_acc")
    assert provenance_kind(s.provenance) == "surrogate" and s == sur.query(other, "val_acc")
    assert chain.which(held) == 0 and chain.which(other.to_string()) == 1
    assert other in chain and "junk" not in chain


def test_query_many_makes_one_batched_call_per_link(table, sur):
    first, last = Counting(table), Counting(sur)
    chain = Fallback([first, last])
    archs = [NB201.from_index(i) for i in range(0, 300, 30)] + table.archs()[:2]
    held = sum(a in table for a in archs)
    values = chain.query_many(archs, "val_acc")
    assert first.batches == [held] and last.batches == [len(archs) - held]
    assert values.tolist() == [chain.query(a, "val_acc").value for a in archs]
    assert np.array_equal(chain.query_many(archs, "val_acc", seed=None), values)


def test_combined_description(table, sur, chain):
    assert chain.metrics == ("val_acc", "train_time")  # the intersection, first link's order
    assert chain.units["val_acc"] == "%" and chain.fidelities == (200.0,)
    assert chain.seeds == () and chain.cost_metric == "train_time"
    assert chain.query(NB201.from_index(7), "val_acc").cost > 0
    no_cost = Fallback([_table("test/nocost", range(0, 900, 30), cost=False), sur])
    assert no_cost.cost_metric is None  # the links' cost metrics differ
    unseen = NB201.from_index(7)  # each answer carries its own link's cost
    assert no_cost.query(unseen, "val_acc").cost == sur.query(unseen, "val_acc").cost > 0
    strict = Fallback([_table("test/nocost", range(0, 900, 30), cost=False), sur], strict=True)
    assert strict.cost_metric is None and strict.query(unseen, "val_acc").cost == 0.0
    assert chain.name == "fallback(test/part > surrogate(test/part))"


def test_optimum_only_from_a_first_link_holding_the_whole_space(chain, sur):
    assert chain.optimum("val_acc") is None  # the table holds 100 of 15,625 cells
    full = nbk.load("analognas/cifar10")
    whole = Fallback([full, fit_surrogate(full, ["test_acc"], archs=full.archs()[:40],
                                          model="linear", n_members=2)])  # fmt: skip
    assert whole.optimum("test_acc") == full.optimum("test_acc")


def test_seeds_are_those_every_link_lists(sur):
    seeded = _table("test/seeded", range(0, 3000, 50), seeds=(0, 1))
    chain = Fallback([seeded, fit_surrogate(seeded, ["val_acc"], model="linear", n_members=2)])
    assert chain.seeds == (0, 1)
    assert chain.query(seeded.archs()[0], "val_acc", seed=1).seed == 1
    with pytest.raises(UnknownSeedError):
        chain.query(seeded.archs()[0], "val_acc", seed=2)


def test_bad_chains_raise_package_errors(table, sur):
    with pytest.raises(OutOfDomainError):
        Fallback([])
    with pytest.raises(OutOfDomainError):
        Fallback(table)
    with pytest.raises(OutOfDomainError):
        Fallback([table, "not an evaluator"])
    with pytest.raises(OutOfDomainError):  # mixed spaces
        Fallback([table, nbk.load("nbgraph/cora")])
    with pytest.raises(OutOfDomainError):  # units disagree
        Fallback([table, _table("test/fraction", range(0, 600, 60), unit="fraction")])
    acc_only = nbk.Benchmark.from_arrays(
        name="test/other", space="nb201", dataset="synthetic", archs=[0, 1],
        metrics=("latency",), values=np.ones((2, 1)),
    )  # fmt: skip
    with pytest.raises(OutOfDomainError):  # no shared metric
        Fallback([table, acc_only])
    with pytest.raises(OutOfDomainError):  # no shared fidelity in a strict chain
        Fallback([table, nbk.Benchmark.from_arrays(
            name="test/f12", space="nb201", dataset="synthetic", archs=[0], metrics=("val_acc",),
            values=np.ones((1, 1)), fidelities=(12.0,))], strict=True)  # fmt: skip


def test_bad_queries_raise_package_errors(chain, table):
    tables_only = Fallback([table, _table("test/more", range(1, 600, 60))])
    with pytest.raises(NotInTableError):
        tables_only.query(NB201.from_index(2), "val_acc")
    with pytest.raises(NotInTableError):
        tables_only.query_many([NB201.from_index(2)], "val_acc")
    with pytest.raises(UnknownMetricError):
        chain.query(table.archs()[0], "test_acc")  # not answered by every link
    with pytest.raises(UnknownFidelityError):
        chain.query(table.archs()[0], "val_acc", fidelity=12)
    with pytest.raises(OutOfDomainError):
        chain.query(nbk.get_space("darts").sample(seed=0), "val_acc")
    with pytest.raises(NasBenchKitError):
        chain.query_many("abc", "val_acc")


def test_search_over_the_chain_uses_both_links(chain):
    from nasbench_kit.optimizers import RandomSearch

    traj = nbk.run_search(RandomSearch("nb201", seed=0), chain, "val_acc", max_queries=40)
    kinds = {provenance_kind(p) for p in traj["provenance"]}
    assert kinds <= {"table", "surrogate"} and "surrogate" in kinds


def test_links_on_differently_named_datasets(table):
    other = nbk.Benchmark.from_arrays(
        name="test/named", space="nb201", dataset="cifar10", archs=[0, 1],
        metrics=("val_acc",), values=np.ones((2, 1)), units={"val_acc": "%"},
    )  # fmt: skip
    with pytest.warns(MixedDatasetWarning, match=r"synthetic.*cifar10"):
        chain = Fallback([table, other])
    assert chain.dataset == "synthetic|cifar10"
    assert chain.query(NB201.from_index(1), "val_acc").provenance.startswith("table:test/named")
    for kw in ({"strict": True}, {"same_dataset": True}):
        with pytest.raises(OutOfDomainError, match="same_dataset=False"):
            Fallback([table, other], **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared the same data: no warning
        same = Fallback([table, other], same_dataset=False)
    assert same.dataset == "synthetic" and same.query(NB201.from_index(1), "val_acc").value == 1.0


def test_strict_chain_keeps_only_shared_fidelities():
    both = _table("test/two-fids", range(0, 600, 60))
    low = nbk.Benchmark.from_arrays(
        name="test/f12", space="nb201", dataset="synthetic", archs=[0, 1],
        metrics=("val_acc",), values=np.ones((2, 1)), fidelities=(12.0,),
        units={"val_acc": "%"},
    )  # fmt: skip
    with pytest.raises(OutOfDomainError, match="no fidelity"):
        Fallback([both, low], strict=True)
    chain = Fallback([both, low])
    assert chain.fidelities == (12.0, 200.0) and not chain.strict
    r = chain.query(NB201.from_index(0), "val_acc", fidelity=12)  # the 200-epoch table is skipped
    assert (r.fidelity, r.provenance.startswith("table:test/f12")) == (12.0, True)
    assert chain.query(NB201.from_index(0), "val_acc").fidelity == 200.0  # each link's own default
    assert chain.which(NB201.from_index(0), fidelity=12) == 1
    with pytest.raises(NotInTableError, match="fidelity 12"):
        chain.query(NB201.from_index(60), "val_acc", fidelity=12)


# ---- a table and live training on another dataset (issue G's chain) ------------------
def _tiny_live(epochs: int = 2) -> Any:
    """NB201 at C=4, N=1 on 256 digits: well under a second per training."""
    from nasbench_kit.training import TrainConfig
    from nasbench_kit.training.presets import Preset

    cfg = TrainConfig(epochs=epochs, batch_size=64, lr=0.05, optimizer="sgd", momentum=0.9,
                      nesterov=True, weight_decay=5e-4, schedule="cosine",
                      schedule_unit="iteration", train_subset=256, eval_subset=128)  # fmt: skip
    preset = Preset("tiny-digits", "nb201", cfg, {"C": 4, "N": 1}, "tests", "tiny")
    return nbk.LiveEvaluator("nb201", dataset="digits", preset=preset, seed=0)


@pytest.fixture(scope="module")
def live_chain() -> tuple[Any, Any, Fallback]:
    table = _table("test/no-cost", range(0, 6000, 60), cost=False)
    live = _tiny_live()
    with pytest.warns(MixedDatasetWarning, match=r"'synthetic'.*'digits'"):
        chain = Fallback([table, live])
    return table, live, chain


def test_mixed_chain_description(live_chain):
    table, live, chain = live_chain
    assert chain.dataset == "synthetic|digits"
    assert chain.fidelities == (1.0, 2.0, 200.0)  # the union
    assert chain.seeds == () and chain.cost_metric is None  # cost metrics differ
    assert "val_acc" in chain.metrics and chain.units["val_acc"] == "%"


def test_mixed_chain_keeps_the_contract_and_answers_with_the_link_that_held_it(live_chain):
    table, live, chain = live_chain
    check_evaluator(chain, table.archs()[:3], "val_acc", kinds=("table", "live"))
    unseen = NB201.from_index(7)
    check_evaluator(chain, [unseen, *table.archs()[:2]], "val_acc", kinds=("table", "live"),
                    mixed=True)  # a live-held arch answers at the live link's own epochs and cost
    r = chain.query(unseen, "val_acc")  # fidelity None: the live link's own default (2 epochs)
    assert provenance_kind(r.provenance) == "live" and r.fidelity == 2.0 and r.cost > 0
    assert r == live.query(unseen, "val_acc")  # its own cost passes through
    held = table.archs()[0]
    t = chain.query(held, "val_acc")
    assert provenance_kind(t.provenance) == "table" and (t.fidelity, t.cost) == (200.0, 0.0)
    early = chain.query(held, "val_acc", fidelity=1)  # the table has no epoch 1: live answers
    assert provenance_kind(early.provenance) == "live" and early.fidelity == 1.0
    with pytest.raises(NotInTableError):
        chain.query(unseen, "val_acc", fidelity=200)  # only the table has 200 epochs
    archs = [held, unseen, table.archs()[1]]
    assert chain.query_many(archs, "val_acc").tolist() == [
        chain.query(a, "val_acc").value for a in archs]  # fmt: skip
    assert chain.optimum("val_acc") is None


def test_issue_g_chain_builds_as_written():
    live = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0)
    with pytest.warns(MixedDatasetWarning, match=r"'cifar10'.*'digits'"):
        chain = nbk.Fallback([nbk.load("analognas/cifar10"), live])
    assert chain.dataset == "cifar10|digits" and chain.fidelities == (1.0, 2.0, 3.0, 200.0)
    r = chain.query(NB201.from_index(0), "test_acc")  # the table holds every cell: no training
    assert provenance_kind(r.provenance) == "table" and r.fidelity == 200.0
    assert chain.optimum("test_acc") == nbk.load("analognas/cifar10").optimum("test_acc")
