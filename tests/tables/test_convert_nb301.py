"""The NAS-Bench-301 training-result importer, on the real sample and on written files."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces.darts import CS_PREFIX
from nasbench_kit.tables.convert.nb301_json import FORMAT, convert
from nasbench_kit.tables.schema import TableData

SPACE = get_space("darts")
SAMPLE = "nb301/nb301_training_result_sample.json"


@pytest.fixture(scope="module")
def sample_path(shared_data: Path) -> Path:
    path = shared_data / SAMPLE
    if not path.exists():
        pytest.skip(f"shared data file {SAMPLE!r} not found")
    return path


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> dict[str, Any]:
    return json.loads(sample_path.read_text())


def at(table: TableData, metric: str, epoch: float, row: int = 0, seed: int = 0) -> float:
    return float(table.values[row, seed, table.fidelities.index(epoch), table.metrics.index(metric)])


def test_real_sample_matches_raw_json(sample_path: Path, sample: dict[str, Any]) -> None:
    table = convert(sample_path)
    info = sample["info"][0]
    arch = SPACE.parse(sample["optimized_hyperparamater_config"])
    assert FORMAT == "nb301-json"
    assert (table.space, table.dataset, table.cost_metric) == ("darts", "cifar10", "train_time")
    assert table.hashes == [arch.hash] and SPACE.parse(table.notations[0]) == arch
    assert table.fidelities == (float(info["epochs"]),) and table.seeds == (0,)
    assert table.values.dtype == np.float32
    assert table.values.shape == (1, 1, 1, len(table.metrics))
    final = float(info["epochs"])
    assert at(table, "val_acc", final) == pytest.approx(info["val_accuracy"], rel=1e-6)
    assert at(table, "train_acc", final) == pytest.approx(info["train_accuracy"], rel=1e-6)
    assert at(table, "val_loss", final) == pytest.approx(info["val_cross_entropy"], rel=1e-6)
    assert at(table, "test_acc", final) == pytest.approx(sample["test_accuracy"], rel=1e-6)
    assert at(table, "train_time", final) == pytest.approx(sample["runtime"], rel=1e-6)
    assert at(table, "params", final) == pytest.approx(info["model_parameters"] / 1e6, rel=1e-6)
    assert table.units["val_acc"] == "%" and table.units["train_time"] == "s"
    assert len(table.source_checksum) == 64 and table.name == "nb301-cifar10"


def _record(template: dict[str, Any], seed: int, epochs: int, curves: bool) -> dict[str, Any]:
    """A record in the real file's format for a sampled architecture."""
    rec = copy.deepcopy(template)
    config = {k: v for k, v in rec["optimized_hyperparamater_config"].items()
              if not k.startswith((f"{CS_PREFIX}edge_", f"{CS_PREFIX}inputs_node_"))}
    config.update(SPACE.to_configspace(SPACE.sample(seed)))
    rec["optimized_hyperparamater_config"] = config
    rec["info"][0].update(epochs=epochs, val_accuracy=80.0 + seed, train_accuracy=70.0 + seed)
    rec["test_accuracy"], rec["runtime"] = 79.0 + seed, 100.0 * epochs
    if curves:
        rec["learning_curves"] = {
            "Train/val_accuracy": [10.0 * e for e in range(1, epochs + 1)],
            "Train/train_loss": [1.0 / e for e in range(1, epochs + 1)],
        }
    return rec


@pytest.fixture()
def results_dir(tmp_path: Path, sample: dict[str, Any]) -> Path:
    (tmp_path / "run_0" / "results_fidelity_0").mkdir(parents=True)
    (tmp_path / "run_1").mkdir()
    files = {
        "run_0/results_fidelity_0/results_0.json": _record(sample, 1, 5, curves=True),
        "run_0/results_fidelity_0/results_1.json": _record(sample, 2, 5, curves=False),
        "run_1/results_7.json": _record(sample, 1, 5, curves=False),  # a repeat of seed 1's arch
    }
    files["run_1/results_7.json"]["info"][0]["val_accuracy"] = 90.0
    for rel, rec in files.items():
        (tmp_path / rel).write_text(json.dumps(rec))
    (tmp_path / "notes.txt").write_text("ignored")
    return tmp_path


def test_directory_with_curves_and_repeats(results_dir: Path) -> None:
    table = convert(results_dir, name="mini")
    a1, a2 = SPACE.sample(1), SPACE.sample(2)
    assert table.name == "mini" and table.hashes == [a1.hash, a2.hash]
    assert table.fidelities == (1.0, 2.0, 3.0, 4.0, 5.0) and table.seeds == (0, 1)
    # curve values land on their epochs; the final epoch takes info's value
    assert [at(table, "val_acc", e) for e in (1.0, 2.0, 3.0, 4.0)] == [10.0, 20.0, 30.0, 40.0]
    assert at(table, "val_acc", 5.0) == 81.0 and at(table, "val_acc", 5.0, seed=1) == 90.0
    assert at(table, "train_loss", 2.0) == pytest.approx(0.5)
    # test accuracy only at the final epoch; train_time cumulative and linear in epochs
    assert math.isnan(at(table, "test_acc", 4.0)) and at(table, "test_acc", 5.0) == 80.0
    times = [at(table, "train_time", e) for e in table.fidelities]
    assert times == pytest.approx([100.0, 200.0, 300.0, 400.0, 500.0])
    # the second arch has no curve: only its final epoch is filled, one run only
    assert math.isnan(at(table, "val_acc", 3.0, row=1)) and at(table, "val_acc", 5.0, row=1) == 82.0
    assert np.isnan(table.values[1, 1]).all()
    assert not np.isnan(table.values[:, 0, :, table.metrics.index("params")]).any()


def test_repeat_policies_and_curve_switch(results_dir: Path) -> None:
    mean = convert(results_dir, repeats="mean")
    assert mean.seeds == () and mean.values.shape[1] == 1
    assert at(mean, "val_acc", 5.0) == pytest.approx((81.0 + 90.0) / 2)
    first = convert(results_dir, repeats="first", curves=False)
    assert first.seeds == (0,) and first.fidelities == (5.0,)
    assert at(first, "val_acc", 5.0) == 81.0


def test_where_filter_and_dataset_label(results_dir: Path) -> None:
    key = "NetworkSelectorDatasetInfo:darts:layers"
    assert len(convert(results_dir, where={key: 20}).hashes) == 2
    with pytest.raises(OutOfDomainError, match="matches"):
        convert(results_dir, where={key: 8})
    assert convert(results_dir, dataset="cifar10-nb301").dataset == "cifar10-nb301"
    with pytest.raises(OutOfDomainError, match="unknown option"):
        convert(results_dir, epochs=3)
    with pytest.raises(OutOfDomainError, match="repeats"):
        convert(results_dir, repeats="median")


def test_checksum_tracks_content(results_dir: Path) -> None:
    before = convert(results_dir).source_checksum
    assert convert(results_dir).source_checksum == before
    path = results_dir / "run_1" / "results_7.json"
    rec = json.loads(path.read_text())
    rec["runtime"] = 1.0
    path.write_text(json.dumps(rec))
    assert convert(results_dir).source_checksum != before


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda r: r.pop("test_accuracy"), "'test_accuracy'"),
        (lambda r: r.pop("runtime"), "'runtime'"),
        (lambda r: r.pop("optimized_hyperparamater_config"), "optimized_hyperparamater_config"),
        (lambda r: r.update(info=[]), "'info'"),
        (lambda r: r["info"][0].pop("val_accuracy"), "val_accuracy"),
        (lambda r: r.update(test_accuracy="97.5"), "'test_accuracy'"),
        (lambda r: r["optimized_hyperparamater_config"].pop(f"{CS_PREFIX}edge_normal_0"),
         "edge keys"),
        (lambda r: r.update(learning_curves={"Train/val_accuracy": 3}), "learning_curves"),
    ],
)
def test_bad_records_name_file_and_key(
    tmp_path: Path, sample: dict[str, Any], mutate: Any, needle: str
) -> None:
    rec = copy.deepcopy(sample)
    mutate(rec)
    path = tmp_path / "results_0.json"
    path.write_text(json.dumps(rec))
    with pytest.raises(CorruptFileError, match=needle) as err:
        convert(tmp_path)
    assert str(path) in str(err.value)


def test_bad_files_and_paths(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="no results"):
        convert(tmp_path)
    (tmp_path / "results_0.json").write_text('{"info": [')
    with pytest.raises(CorruptFileError, match="not valid JSON"):
        convert(tmp_path)
    (tmp_path / "results_0.json").write_text("[1, 2]")
    with pytest.raises(CorruptFileError, match="top level"):
        convert(tmp_path / "results_0.json")
    with pytest.raises(OutOfDomainError, match="does not exist"):
        convert(tmp_path / "missing")
