"""LiveEvaluator: the Evaluator contract, hit/miss, cost, provenance, tables, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import (
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
    UnknownSpaceError,
)
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.results import provenance_kind
from nasbench_kit.training.live import LiveEvaluator

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
OTHER = "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"


@pytest.fixture
def live(tiny_preset, store_path):
    return LiveEvaluator("nb201", dataset="digits", preset=tiny_preset, seed=0, store=store_path)


def test_contract(live):
    check_evaluator(live, [CELL, OTHER], "val_acc", kinds=("live",))
    assert isinstance(live, nbk.Evaluator) and nbk.LiveEvaluator is LiveEvaluator


def test_miss_trains_once_then_hits(live, monkeypatch):
    first = live.query(CELL, "val_acc")
    assert len(live.store) == 1
    # A second evaluator on the same store must not train again.
    again = LiveEvaluator("nb201", dataset="digits", preset=live.preset, store=live.store.path)
    monkeypatch.setattr(again, "_train_one", lambda *a: pytest.fail("a hit must not train"))
    assert again.query(CELL, "val_acc") == first
    assert len(live.store) == 1
    live.query(CELL, "val_acc", seed=1)  # another training seed: a new record
    assert len(live.store) == 2


def test_cost_is_the_measured_training_seconds(live):
    rec = live.record(CELL)
    secs = rec.result.train_seconds
    r1 = live.query(CELL, "val_acc", fidelity=1)
    r2 = live.query(CELL, "test_acc")
    assert r1.cost == secs[0] > 0 and r2.cost == pytest.approx(secs[0] + secs[1])
    assert r1.value == rec.result.val_acc[0] and r2.value == rec.result.test_acc[1]
    assert live.query(CELL, "train_time").value == r2.cost
    assert live.query(CELL, "params").value == rec.result.params / 1e6


def test_provenance_names_preset_checksum_and_torch(live, digits):
    import torch

    r = live.query(CELL, "val_acc")
    assert provenance_kind(r.provenance) == "live"
    for part in ("nb201", "digits", "preset=tiny-digits", "epochs=2", "seed=0",
                 f"data_sha={digits.checksum[:12]}", f"torch={torch.__version__}"):  # fmt: skip
        assert part in r.provenance
    assert r.unit == "%" and r.fidelity == 2.0 and r.seed == 0


def test_same_seed_same_numbers_in_a_fresh_store(live, tmp_path):
    fresh = LiveEvaluator(
        "nb201", dataset="digits", preset=live.preset, store=tmp_path / "b.sqlite"
    )
    a, b = live.record(CELL).result, fresh.record(CELL).result
    assert (a.val_acc, a.train_loss, a.test_loss) == (b.val_acc, b.train_loss, b.test_loss)


def test_to_benchmark_round_trip(live):
    live.query_many([CELL, OTHER], "val_acc")
    live.query(CELL, "val_acc", seed=1)
    bench = live.to_benchmark()
    assert len(bench) == 2 and bench.seeds == (0, 1) and bench.fidelities == (1.0, 2.0)
    assert bench.cost_metric == "train_time"
    for arch in (CELL, OTHER):
        for metric in ("val_acc", "test_loss", "train_time"):
            for fid in (1, 2):
                want = live.query(arch, metric, fidelity=fid, seed=0)
                got = bench.query(arch, metric, fidelity=fid, seed=0)
                assert got.value == pytest.approx(want.value, rel=1e-6)
    assert np.isnan(bench.query(OTHER, "val_acc", seed=1).value)  # never trained with seed 1
    assert bench.query(CELL, "params").value == pytest.approx(
        live.query(CELL, "params").value, rel=1e-6
    )


def test_pickled_evaluator_reads_the_same_store(live):
    value = live.query(CELL, "val_acc").value
    clone = pickle.loads(pickle.dumps(live))
    clone._train_one = lambda *a: pytest.fail("the clone must read the store")
    assert clone.query(CELL, "val_acc").value == value


def test_defaults_and_derived_channels(store_path):
    live = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=store_path)
    assert live.preset.name == "fast-digits" and live.preset.train.epochs == 3
    assert live.preset.model["in_channels"] == 1 and live.preset.model["num_classes"] == 10
    assert (
        CELL in live
        and "not an arch" not in live
        and nbk.get_space("nb101").sample(seed=0) not in live
    )
    assert live.optimum("val_acc") is None and live.pareto_front(["val_acc"], [True]) is None


@pytest.mark.parametrize(
    "kw, err",
    [({"preset": "nb999"}, OutOfDomainError), ({"dataset": "imagenet"}, OutOfDomainError),
     ({"epochs": 0}, OutOfDomainError), ({"seed": -1}, OutOfDomainError),
     ({"preset": "nb101-108"}, OutOfDomainError), ({"model_config": {"in_channels": 3}}, OutOfDomainError),
     ({"device": "tpu"}, OutOfDomainError), ({"space": "nb999"}, UnknownSpaceError),
     ({"space": "nbgraph"}, OutOfDomainError)],
)  # fmt: skip
def test_bad_construction(kw, err, store_path):
    args = {"space": "nb201", "dataset": "digits", "store": store_path, **kw}
    with pytest.raises(err):
        LiveEvaluator(**args)


def test_bad_queries(live):
    with pytest.raises(UnknownMetricError):
        live.query(CELL, "accuracy")
    for fid in (0, 3, 1.5, True):
        with pytest.raises(UnknownFidelityError):
            live.query(CELL, "val_acc", fidelity=fid)
    with pytest.raises(UnknownSeedError):
        live.query(CELL, "val_acc", seed=-1)
    with pytest.raises(OutOfDomainError):
        live.query(nbk.get_space("nb101").sample(seed=0), "val_acc")
    with pytest.raises(OutOfDomainError):
        live.query_many(CELL, "val_acc")
    assert len(live.store) == 0  # nothing was trained by a bad query
