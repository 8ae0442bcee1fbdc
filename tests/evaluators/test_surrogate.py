"""Surrogate benchmarks: the Evaluator contract, noise, cost, persistence and refusals."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import (
    ChecksumError,
    MissingDataError,
    NasBenchKitError,
    NotInTableError,
    OutOfDomainError,
    UnknownFidelityError,
    UnknownMetricError,
    UnknownSeedError,
    UnsafeFileError,
)
from nasbench_kit.evaluators.surrogate import SurrogateBenchmark, fit_surrogate, load_surrogate
from nasbench_kit.evaluators.testing import check_evaluator
from nasbench_kit.results import provenance_kind

NB201 = nbk.get_space("nb201")


def _seeded_table() -> nbk.Benchmark:
    """90 NB201 cells, 3 training seeds (known spread), a cost metric."""
    archs = [NB201.from_index(i) for i in range(0, 9000, 100)]
    conv = np.array([a.ops.count("nor_conv_3x3") + 0.5 * a.ops.count("nor_conv_1x1") for a in archs])
    rng = np.random.default_rng(0)
    values = np.zeros((len(archs), 3, 1, 2))
    values[:, :, 0, 0] = (70 + 4 * conv)[:, None] + rng.normal(0, 0.5, (len(archs), 3))
    values[:, :, 0, 1] = (100 + 30 * conv)[:, None] * rng.uniform(0.95, 1.05, (len(archs), 3))
    return nbk.Benchmark.from_arrays(
        name="test/seeded", space="nb201", dataset="synthetic", archs=archs,
        metrics=("val_acc", "train_time"), values=values, seeds=(0, 1, 2), fidelities=(200.0,),
        cost_metric="train_time", units={"val_acc": "%", "train_time": "s"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def seeded() -> nbk.Benchmark:
    return _seeded_table()


@pytest.fixture(scope="module")
def sur(seeded) -> SurrogateBenchmark:
    return fit_surrogate(seeded, metrics=["val_acc"], seed=0, n_members=2)


@pytest.fixture(scope="module")
def cora() -> nbk.Benchmark:
    return nbk.load("nbgraph/cora")


@pytest.fixture(scope="module")
def graph_sur(cora) -> SurrogateBenchmark:
    return fit_surrogate(cora, ["val_acc"], archs=cora.archs()[:80], model="linear", n_members=3)


def test_surrogate_keeps_the_contract(sur, graph_sur, cora):
    unseen = [NB201.from_index(i) for i in (1, 77, 15_000)]
    check_evaluator(sur, unseen + [NB201.from_index(0)], "val_acc", kinds=("surrogate",))
    check_evaluator(graph_sur, cora.archs()[100:104], "val_acc", kinds=("surrogate",))


def test_answers_any_architecture_with_surrogate_provenance(sur, seeded):
    arch = NB201.sample(seed=123)
    assert arch not in seeded and arch in sur
    r = sur.query(arch, "val_acc")
    assert provenance_kind(r.provenance) == "surrogate"
    assert "test/seeded" in r.provenance and sur.metadata["table"]["sha256"][:12] in r.provenance
    assert r.unit == "%" and r.fidelity == 200.0 and r.seed is None and 0 <= r.value <= 100
    assert "not an arch" not in sur and nbk.get_space("darts").sample(seed=0) not in sur


def test_metrics_cost_fidelity_seeds_and_optimum(sur, seeded, graph_sur):
    assert sur.metrics == ("val_acc", "train_time")  # the cost metric is always fitted
    assert sur.cost_metric == "train_time" and sur.seeds == seeded.seeds
    assert sur.fidelities == (200.0,) and sur.optimum("val_acc") is None
    assert sur.pareto_front(["val_acc", "train_time"], [True, False]) is None
    assert sur.query(NB201.sample(seed=5), "val_acc").cost > 0
    # no cost metric in the table: cost 0 and cost_metric None; no seeds: (0, 1, 2)
    assert graph_sur.cost_metric is None and graph_sur.seeds == (0, 1, 2)
    assert graph_sur.query(graph_sur.space.sample(seed=1), "val_acc").cost == 0.0


def test_noise_is_reproducible_and_varies_with_the_seed(sur):
    archs = [NB201.sample(seed=s) for s in range(30)]
    a = sur.query_many(archs, "val_acc", seed=3)
    assert np.array_equal(a, sur.query_many(archs, "val_acc", seed=3))
    assert np.array_equal(a, [sur.query(x, "val_acc", seed=3).value for x in archs])
    assert not np.array_equal(a, sur.query_many(archs, "val_acc", seed=4))
    assert not np.array_equal(a, sur.query_many(archs, "val_acc"))
    assert sur.query(archs[0], "val_acc", seed=3).seed == 3


def test_noise_matches_the_tables_seed_spread(sur, seeded):
    archs = seeded.archs()
    table_sd = np.std(np.stack([seeded.query_many(archs, "val_acc", seed=s) for s in (0, 1, 2)]),
                      axis=0, ddof=1).mean()  # fmt: skip
    draws = np.stack([sur.query_many(archs, "val_acc", seed=s) for s in range(200)])
    assert sur.metadata["metrics"]["val_acc"]["noise"] == "seeds"
    assert 0.6 < draws.std(axis=0).mean() / table_sd < 1.6


def test_memorised_classes_answer_the_table_mean(seeded):
    sur = fit_surrogate(seeded, ["val_acc"], model="linear", n_members=2)
    archs = seeded.archs()
    y = seeded.query_many(archs, "val_acc")
    iso = np.array([a.iso_hash for a in archs])
    class_mean = np.array([y[iso == h].mean() for h in iso])  # isomorphic twins share it
    assert np.allclose(sur.query_many(archs, "val_acc"), class_mean)
    plain = fit_surrogate(seeded, ["val_acc"], model="linear", n_members=2, memorize=False)
    assert not np.allclose(plain.query_many(archs, "val_acc"), class_mean)


def test_save_load_round_trips_to_the_bit(sur, tmp_path):
    archs = [NB201.sample(seed=s) for s in range(50)]
    sur.save(tmp_path / "sur")
    back = load_surrogate(tmp_path / "sur")
    for seed in (None, 7):
        for m in sur.metrics:
            assert sur.query_many(archs, m, seed=seed).tobytes() == back.query_many(
                archs, m, seed=seed).tobytes()  # fmt: skip
    assert back.query(archs[0], "val_acc") == sur.query(archs[0], "val_acc")
    clone = pickle.loads(pickle.dumps(sur))
    assert clone.query_many(archs, "val_acc", seed=1).tobytes() == sur.query_many(
        archs, "val_acc", seed=1).tobytes()  # fmt: skip
    sur.save(tmp_path / "sur")  # saving again over the same folder is fine
    assert load_surrogate(tmp_path / "sur").metadata == sur.metadata


class _Marker:
    """A pickle payload that would create a file when unpickled."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


@pytest.mark.parametrize("target", ["surrogate.json", "arrays", "xgb"])
def test_a_pickle_in_place_of_a_file_is_refused_and_runs_nothing(sur, tmp_path, target):
    folder = tmp_path / "sur"
    sur.save(folder)
    marker = tmp_path / "pwned"
    name = target if target.endswith(".json") else next(
        p.name for p in folder.iterdir() if p.name.startswith(target))  # fmt: skip
    (folder / name).write_bytes(pickle.dumps(_Marker(marker)))
    with pytest.raises(UnsafeFileError):
        load_surrogate(folder)
    assert not marker.exists()


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "surrogate.json").read_text())


def test_foreign_or_modified_files_are_refused(sur, tmp_path):
    folder = tmp_path / "sur"
    sur.save(folder)
    good = _manifest(folder)
    for bad in ({**good, "magic": "other"}, {**good, "schema": 99}):
        (folder / "surrogate.json").write_text(json.dumps(bad))
        with pytest.raises(UnsafeFileError):
            load_surrogate(folder)
    (folder / "surrogate.json").write_text(json.dumps(good))
    booster = next(p for p in folder.iterdir() if p.name.startswith("xgb-"))
    model = json.loads(booster.read_text())
    model["version"] = [0, 0, 0]
    booster.write_text(json.dumps(model))  # valid JSON, not what was saved
    with pytest.raises(ChecksumError):
        load_surrogate(folder)
    with pytest.raises(MissingDataError):
        load_surrogate(tmp_path / "nothing-here")


def test_an_npz_that_needs_pickle_is_refused(sur, tmp_path):
    import hashlib
    import io

    folder = tmp_path / "sur"
    sur.save(folder)
    buf = io.BytesIO()
    np.savez(buf, evil=np.array([{"a": 1}], dtype=object))
    data = buf.getvalue()
    name = f"arrays-{hashlib.sha256(data).hexdigest()[:24]}.npz"
    (folder / name).write_bytes(data)
    manifest = _manifest(folder)
    manifest["files"]["arrays"]["all"] = name
    (folder / "surrogate.json").write_text(json.dumps(manifest))
    with pytest.raises(UnsafeFileError):
        load_surrogate(folder)


def test_bad_inputs_raise_package_errors(sur, seeded, cora):
    arch = NB201.sample(seed=0)
    with pytest.raises(UnknownMetricError):
        sur.query(arch, "test_acc")
    with pytest.raises(UnknownFidelityError):
        sur.query(arch, "val_acc", fidelity=12)
    for seed in (-1, True, 1.5):
        with pytest.raises(UnknownSeedError):
            sur.query(arch, "val_acc", seed=seed)
    with pytest.raises(OutOfDomainError):
        sur.query(cora.archs()[0], "val_acc")
    with pytest.raises(NasBenchKitError):
        sur.query_many(5, "val_acc")
    with pytest.raises(UnknownMetricError):
        fit_surrogate(seeded, ["no_such_metric"])
    with pytest.raises(OutOfDomainError):
        fit_surrogate(seeded, ["val_acc"], model="gbm")
    with pytest.raises(OutOfDomainError):
        fit_surrogate(seeded, ["val_acc"], n_members=1)
    with pytest.raises(OutOfDomainError):
        fit_surrogate(seeded, ["val_acc"], archs=seeded.archs()[:5])
    with pytest.raises(NotInTableError):
        fit_surrogate(seeded, ["val_acc"], archs=[NB201.from_index(1)] * 20)
    with pytest.raises(OutOfDomainError):
        fit_surrogate(sur, ["val_acc"])


def test_search_runs_on_the_surrogate(sur):
    from nasbench_kit.optimizers import RegularizedEvolution

    traj = nbk.run_search(RegularizedEvolution("nb201", seed=0), sur, "val_acc", max_queries=30)
    assert len(traj) == 30 and traj["provenance"].str.startswith("surrogate:").all()
    assert traj["time"].iloc[-1] > 0  # the cost model feeds the simulated clock
    noisy = nbk.run_search(RegularizedEvolution("nb201", seed=0), sur, "val_acc", max_queries=30,
                           seed=1)  # fmt: skip
    assert not np.array_equal(noisy["value"], traj["value"])


def test_darts_surrogate_of_the_nb301_cells(shared_path):
    path = shared_path("nb301/naslib_zc_nasbench301.json")
    table = nbk.load(nbk.import_table("zc-json", path, name="test/nb301-zc"))
    train = table.archs()[:120]
    sur = fit_surrogate(table, ["val_acc"], archs=train, model="linear", n_members=2)
    archs = [nbk.get_space("darts").sample(seed=s) for s in range(3)]
    check_evaluator(sur, archs, "val_acc", kinds=("surrogate",))
    held = table.archs()[120:]
    from scipy.stats import kendalltau

    assert kendalltau(sur.query_many(held, "val_acc"), table.query_many(held, "val_acc"))[0] > 0.4


def _cli(argv: list[str]) -> int:
    """Run ``nasbench-kit surrogate ...`` through the command's own parser."""
    from nasbench_kit.cli import surrogate as command
    from nasbench_kit.cli._common import OneLineParser

    parser = OneLineParser(prog="nasbench-kit")
    command.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["surrogate", *argv])
    return int(args.func(args))


def test_command_line_fit_query_show(tmp_path, capsys):
    out = tmp_path / "cora-sur"
    assert _cli(["fit", "nbgraph/cora", "--out", str(out), "--metric", "val_acc",
                 "--train-size", "60", "--members", "2", "--model", "linear"]) == 0  # fmt: skip
    assert "cross-validated Kendall tau" in capsys.readouterr().out
    assert _cli(["query", str(out), "5", "--seed", "2"]) == 0
    assert "val_acc" in capsys.readouterr().out
    assert _cli(["show", str(out)]) == 0
    assert "fitted on nbgraph/cora (60 archs" in capsys.readouterr().out
    with pytest.raises(MissingDataError):
        _cli(["show", str(tmp_path / "missing")])
