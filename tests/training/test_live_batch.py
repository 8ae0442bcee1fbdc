"""evaluate_many: misses train once each, hits never, the driver writes; executors agree."""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError, TrainingError, UnknownSeedError
from nasbench_kit.training import live as live_module
from nasbench_kit.training.live import LiveEvaluator

CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|skip_connect~2|",
]
_SP = nbk.get_space("nbgraph")
GRAPHS = [
    _SP.to_string(_SP.parse(g))  # canonical notations, as records hold them
    for g in ("0,0,1,1|gcn,gat,sage,cheb", "0,1,2,3|gin,arma,graph,fc", "0,0,0,1|fc,gcn,skip,sage")
]


def _curves(rec):
    r = rec.result
    return (r.train_loss, r.train_acc, r.val_loss, r.val_acc, r.test_loss, r.params)


@pytest.fixture
def glive(tiny_graph_preset, store_path):
    return LiveEvaluator("nbgraph", dataset="karate", preset=tiny_graph_preset, store=store_path)


def _count_trainings(live, monkeypatch) -> list:
    trained: list = []
    real = live._train_one

    def counting(arch, seed):
        trained.append((live.space.to_string(arch), seed))
        return real(arch, seed)

    monkeypatch.setattr(live, "_train_one", counting)
    return trained


def test_misses_train_once_hits_never(glive, monkeypatch):
    trained = _count_trainings(glive, monkeypatch)
    first = glive.record(GRAPHS[0])
    batch = [GRAPHS[1], GRAPHS[0], GRAPHS[1], GRAPHS[2], GRAPHS[1]]
    recs = glive.evaluate_many(batch)
    assert [r.notation for r in recs] == batch and recs[1].to_json() == first.to_json()
    assert sorted(trained) == sorted({(g, 0) for g in GRAPHS})  # each miss once
    assert len(glive.store) == 3
    again = LiveEvaluator("nbgraph", dataset="karate", preset=glive.preset, store=glive.store.path)
    untrained = _count_trainings(again, monkeypatch)
    hits = again.evaluate_many(batch)  # all hits: read, nothing trained
    assert [r.to_json() for r in hits] == [r.to_json() for r in recs] and untrained == []
    # per-arch seeds; query_many trains its misses as one batch too
    mixed = glive.evaluate_many(GRAPHS, seeds=[0, 1, 0])
    assert [r.key.seed for r in mixed] == [0, 1, 0] and len(glive.store) == 4
    vals = glive.query_many(GRAPHS, "test_loss", fidelity=2, seed=2)
    assert len(glive.store) == 7 and list(vals) == [
        glive.query(g, "test_loss", fidelity=2, seed=2).value for g in GRAPHS
    ]


def test_a_failing_training_does_not_lose_the_others(glive, monkeypatch):
    real = glive._train_one

    def fails_on_gin(arch, seed):
        if "gin" in glive.space.to_string(arch):
            raise TrainingError("training loss became nan in epoch 1 (test)")
        return real(arch, seed)

    monkeypatch.setattr(glive, "_train_one", fails_on_gin)
    with pytest.raises(TrainingError, match="nan"):
        glive.evaluate_many(GRAPHS)
    assert len(glive.store) == 2  # the two that trained were written


def test_a_worker_that_read_other_data_is_refused(glive, monkeypatch):
    def other_files(spec, job):  # as a node whose copy of the data differs
        rec = spec.train(*job)
        return dataclasses.replace(rec, key=rec.key._replace(data_checksum="0" * 64))

    monkeypatch.setattr(live_module, "train_job", other_files)
    with ThreadPoolExecutor(1) as pool, pytest.raises(TrainingError, match="same files"):
        glive.evaluate_many(GRAPHS[:2], executor=pool)
    assert len(glive.store) == 0  # nothing stored under the driver's key


def test_records_are_stored_as_each_round_ends(glive, monkeypatch):
    here: list = []
    real = glive._train_one
    monkeypatch.setattr(glive, "_train_one", lambda a, s: here.append(len(glive.store)) or real(a, s))
    glive.evaluate_many(GRAPHS)  # here: each record stored as soon as it is trained
    assert here == [0, 1, 2]
    pooled: list = []
    real_job = live_module.train_job
    monkeypatch.setattr(live_module, "train_job",
                        lambda spec, job: pooled.append(len(glive.store)) or real_job(spec, job))  # fmt: skip
    with ThreadPoolExecutor(1) as pool:
        glive.evaluate_many(GRAPHS, seeds=7, executor=pool, write_every=2)
    assert pooled == [3, 3, 5] and len(glive.store) == 6  # rounds of 2, then 1


def test_bad_batch_arguments(glive):
    with pytest.raises(UnknownSeedError):
        glive.evaluate_many(GRAPHS, seeds=[0, 1])
    with pytest.raises(UnknownSeedError):
        glive.evaluate_many(GRAPHS, seeds=-1)
    with pytest.raises(OutOfDomainError, match="executor"):
        glive.evaluate_many(GRAPHS, executor="dask")
    with pytest.raises(OutOfDomainError, match="executor"):
        LiveEvaluator("nbgraph", dataset="karate", store=glive.store.path, executor=4)
    with pytest.raises(OutOfDomainError):
        glive.evaluate_many(GRAPHS[0])
    with pytest.raises(OutOfDomainError, match="write_every"):
        glive.evaluate_many(GRAPHS, write_every=0)
    assert len(glive.store) == 0


def test_thread_and_process_pools_equal_the_serial_run(tiny_preset, store_path, tmp_path):
    serial = LiveEvaluator("nb201", dataset="digits", preset=tiny_preset, store=store_path)
    want = [_curves(r) for r in serial.evaluate_many(CELLS)]
    pools = {
        "threads": ThreadPoolExecutor(2),
        "processes": ProcessPoolExecutor(2, mp_context=mp.get_context("fork")),
    }
    for name, pool in pools.items():
        with pool:
            live = LiveEvaluator("nb201", dataset="digits", preset=tiny_preset,
                                 store=tmp_path / f"{name}.sqlite", executor=pool)  # fmt: skip
            got = live.evaluate_many(CELLS + CELLS[:1])
            assert [_curves(r) for r in got[:3]] == want and got[3] == got[0], name
            assert len(live.store) == 3
            values = live.query_many(CELLS, "val_acc")  # hits now
            assert list(values) == [r[3][-1] for r in want]
    assert isinstance(live, nbk.Evaluator)
