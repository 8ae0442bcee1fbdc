"""ProxyFilter: best-of-k by a free score, warm-up, bases, score sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.optimizers import RandomSearch, RegularizedEvolution
from nasbench_kit.optimizers.proxy_filter import ProxyFilter
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.spaces import get_space


def conv_count(archs):
    return [a.ops.count("nor_conv_3x3") + 0.1 * a.ops.count("nor_conv_1x1") for a in archs]


class Recorder:
    def __init__(self, fn=conv_count):
        self.calls: list[list] = []
        self.fn = fn

    def __call__(self, archs):
        self.calls.append(list(archs))
        return self.fn(archs)


def test_each_ask_is_the_best_scored_candidate():
    rec = Recorder()
    opt = ProxyFilter("nb201", proxy=rec, base="rs", n_candidates=8, seed=0)
    for _ in range(5):
        chosen = opt.ask()
        opt.tell(chosen, 1.0)
        cands = rec.calls[-1]
        assert len(cands) == 8
        assert conv_count([chosen])[0] == max(conv_count(cands))
    assert opt.n_scored == sum(len(c) for c in rec.calls)
    assert opt.score_seconds >= 0.0


def test_scores_are_cached_per_architecture():
    rec = Recorder()
    opt = ProxyFilter("nb201", proxy=rec, base="rs", seed=0)
    a = get_space("nb201").sample(seed=1)
    opt.score([a, a])
    opt.score([a])
    assert sum(len(c) for c in rec.calls) == 1


def test_rea_base_keeps_its_own_schedule_and_learns_from_tells():
    opt = ProxyFilter("nb201", proxy=conv_count, base="rea", n_candidates=4, seed=0,
                      base_options={"population_size": 5, "sample_size": 2})  # fmt: skip
    assert isinstance(opt.base, RegularizedEvolution)
    for i in range(12):
        a = opt.ask()
        opt.tell(a, float(i))
        assert opt.base.n_asked == opt.n_asked and opt.base.n_told == opt.n_told
    assert len(opt.base.population) == 5


def test_warmup_asks_the_top_of_a_scored_pool_in_order():
    rec = Recorder()
    opt = ProxyFilter("nb201", proxy=rec, base="rea", warmup=5, pool_size=200, seed=0)
    first = [opt.ask() for _ in range(5)]
    pool = rec.calls[0]
    assert len({a.iso_hash for a in pool}) == 200
    top = sorted(conv_count(pool), reverse=True)[:5]
    assert conv_count(first) == top
    assert opt.base.n_asked == 5


def test_same_seed_same_trajectory_and_filtering_helps():
    bench = HashBenchmark("nb201")

    def oracle(archs):  # a free score that agrees with the benchmark
        return bench.query_many(archs, "val_acc")

    runs = {}
    for label, make in {
        "rs": lambda s: RandomSearch("nb201", seed=s),
        "filter": lambda s: ProxyFilter("nb201", proxy=oracle, base="rs", n_candidates=10, seed=s),
    }.items():
        runs[label] = [nbk.run_search(make(s), bench, "val_acc", max_queries=15) for s in range(4)]
    again = nbk.run_search(ProxyFilter("nb201", proxy=oracle, base="rs", n_candidates=10, seed=0),
                           bench, "val_acc", max_queries=15)  # fmt: skip
    assert again["arch"].tolist() == runs["filter"][0]["arch"].tolist()
    best = {k: np.mean([df["incumbent"].iloc[-1] for df in v]) for k, v in runs.items()}
    assert best["filter"] > best["rs"]


def test_scores_from_a_mapping_and_a_table():
    space = get_space("nb201")
    archs = list(space.enumerate())
    values = np.array(conv_count(archs))
    mapping = {a.hash: v for a, v in zip(archs, values)}
    table = nbk.Benchmark.from_arrays(name="proxies/toy", space="nb201", dataset="none",
                                      archs=archs, metrics=["synflow"], values=values[:, None])  # fmt: skip
    for src in (mapping, table):
        opt = ProxyFilter("nb201", proxy="synflow", scores=src, base="rs", n_candidates=6, seed=2)
        a = opt.ask()
        assert math.isclose(opt.score([a])[0], mapping[a.hash], rel_tol=1e-6)


def test_combined_proxy_ranks_each_pool_on_its_components():
    space = get_space("nb201")
    archs = [space.sample(seed=s) for s in range(40)]
    comps = {"synflow": conv_count(archs), "jacov": conv_count(archs), "snip": [0.0] * 40}
    table = nbk.Benchmark.from_arrays(
        name="proxies/toy-vote", space="nb201", dataset="none", archs=archs,
        metrics=list(comps), values=np.column_stack([comps[m] for m in comps]),
    )  # fmt: skip
    opt = ProxyFilter("nb201", proxy="vote", scores=table, base="rs", seed=0)
    s = opt.score(archs)
    assert np.argmax(s) == int(np.argmax(conv_count(archs)))


def test_failed_scores_rank_last_and_unheld_ones_are_computed():
    space = get_space("nb201")
    a, b, c = space.sample(seed=1), space.sample(seed=2), space.sample(seed=3)
    opt = ProxyFilter("nb201", proxy="synflow", scores={a.hash: -5.0, b.hash: float("nan")},
                      base="rs", seed=0, C=4, N=1)  # fmt: skip
    s = opt.score([a, b])
    assert s[0] == -5.0 and s[1] == -math.inf and opt.n_scored == 2
    if hasattr(pytest.importorskip("nasbench_kit.models"), "build_model"):
        assert math.isfinite(opt.score([c])[0])  # not in the mapping: computed


@pytest.mark.parametrize(
    "kw",
    [{"base": "bananas"}, {"n_candidates": 0}, {"warmup": 5, "pool_size": 3},
     {"proxy": "no-such-proxy"}, {"base": RandomSearch("nb101", seed=0)}],
)  # fmt: skip
def test_bad_arguments_raise(kw):
    with pytest.raises(OutOfDomainError):
        ProxyFilter("nb201", seed=0, **kw)


def test_real_proxy_on_built_networks():
    models = pytest.importorskip("nasbench_kit.models")
    if not hasattr(models, "build_model"):
        pytest.skip("nasbench_kit.models.build_model is not present")
    opt = ProxyFilter("nb201", proxy="synflow", base="rs", n_candidates=3, seed=0, C=4, N=1)
    a = opt.ask()
    assert opt.n_scored == 3 and math.isfinite(opt.score([a])[0])
