"""NB201-family importers: the three real CSVs, and written .pth / NATS / NASLib files."""

from __future__ import annotations

import bz2
import csv
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import CorruptFileError, OutOfDomainError, UnsafeFileError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables.convert import naslib_nb201, nats_tss, nb201_csv, nb201_pth
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import validate_table

SPACE = get_space("nb201")
C10V = "nb201/nb201_cifar10-valid_200ep_seedavg.csv"
EP12 = "nb201/nb201_12ep_accuracy.csv"
LAT = "nb201/nb201_latency_ms_help.csv"


def _real(shared_data: Path, rel: str) -> Path:
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"shared data file {rel!r} not found")
    return path


def _raw_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _value(t: TableData, arch_str: str, metric: str, seed: int = 0, fid: int = -1) -> float:
    row = t.hashes.index(SPACE.from_string(arch_str).hash)
    return float(t.values[row, seed, fid, t.metrics.index(metric)])


def _check_table(t: TableData) -> None:
    validate_table(t)
    assert t.values.dtype == np.float32
    assert len(set(t.hashes)) == len(t.hashes)
    assert len(t.source_checksum) == 64 and t.source and t.licence and t.citation
    for h, n in zip(t.hashes[:50], t.notations[:50]):
        assert SPACE.from_string(n).hash == h


# ---- nb201-csv on the real files ------------------------------------------------
@pytest.fixture(scope="module")
def c10v(shared_data: Path) -> tuple[Path, TableData]:
    path = _real(shared_data, C10V)
    return path, nb201_csv.convert(path)


def test_cifar10_valid_seedavg(c10v: tuple[Path, TableData]) -> None:
    path, t = c10v
    _check_table(t)
    assert (t.name, t.dataset, t.fidelities, t.seeds) == (
        "nb201/cifar10-valid",
        "cifar10-valid",
        (200.0,),
        (),
    )
    assert len(t.hashes) == 15625 and t.cost_metric == "train_time"
    assert {"val_acc", "test_acc", "train_acc", "val_loss", "train_time"} <= set(t.metrics)
    assert not {"c", "n", "num_classes", "sol", "index2"} & set(t.metrics)
    assert t.units["val_acc"] == "%" and t.units["train_time"] == "s"
    rows = _raw_rows(path)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(rows), 20, replace=False):
        raw = rows[int(i)]
        for col, metric in (
            ("valid-accuracy", "val_acc"),
            ("test-accuracy", "test_acc"),
            ("train-accuracy", "train_acc"),
            ("train-all-time", "train_time"),
            ("test-loss", "test_loss"),
        ):
            assert _value(t, raw["arch_str"], metric) == pytest.approx(float(raw[col]), rel=1e-6)


def test_cifar10_valid_index_agrees_with_string(c10v: tuple[Path, TableData]) -> None:
    path, t = c10v
    rows = _raw_rows(path)
    for raw in rows[:: len(rows) // 25]:
        assert SPACE.from_index(int(raw["index"])).hash == SPACE.from_string(raw["arch_str"]).hash


def test_12_epoch_datasets(shared_data: Path) -> None:
    path = _real(shared_data, EP12)
    rows = _raw_rows(path)
    default = nb201_csv.convert(path)
    assert (default.name, default.dataset, default.fidelities) == (
        "nb201-12ep/cifar10",
        "cifar10",
        (12.0,),
    )
    for ds, prefix in (("cifar100", "cifar100"), ("ImageNet16-120", "imagenet")):
        t = nb201_csv.convert(path, dataset=ds)
        _check_table(t)
        assert t.name == f"nb201-12ep/{ds}" and set(t.metrics) == {"val_acc", "test_acc"}
        for raw in rows[1::3000]:
            assert _value(t, raw["arch_str"], "val_acc") == pytest.approx(
                float(raw[f"{prefix}-val"]), rel=1e-6
            )
            assert _value(t, raw["arch_str"], "test_acc") == pytest.approx(
                float(raw[f"{prefix}-test"]), rel=1e-6
            )
    with pytest.raises(OutOfDomainError, match="cifar100"):
        nb201_csv.convert(path, dataset="svhn")


def test_latency_help(shared_data: Path) -> None:
    path = _real(shared_data, LAT)
    t = nb201_csv.convert(path)
    _check_table(t)
    assert t.name == "nb201/latency-help" and len(t.metrics) == 27
    assert set(t.units.values()) == {"ms"} and t.cost_metric is None
    raw = _raw_rows(path)[4242]
    assert _value(t, raw["arch_str"], "latency_pixel3") == pytest.approx(float(raw["pixel3"]))
    assert _value(t, raw["arch_str"], "latency_titan_rtx_32") == pytest.approx(
        float(raw["titan_rtx_32"]), rel=1e-6
    )


def test_csv_options_and_errors(tmp_path: Path) -> None:
    a, b = SPACE.from_index(7), SPACE.from_index(8)
    good = tmp_path / "x.csv"
    good.write_text(f"index,arch_str,valid-accuracy,foo\n7,{a.hash},91.5,3\n8,{b.hash},88,4\n")
    t = nb201_csv.convert(good, metrics={"foo": "my_metric"}, fidelity=50, units={"my_metric": "J"})
    assert t.metrics == ("my_metric",) and t.fidelities == (50.0,) and t.units == {"my_metric": "J"}
    assert t.name == "nb201-50ep/cifar10-valid"
    with pytest.raises(OutOfDomainError, match="bar.*columns are"):
        nb201_csv.convert(good, metrics=["bar"])
    with pytest.raises(OutOfDomainError, match="unknown option"):
        nb201_csv.convert(good, colour="red")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"arch_str,valid-accuracy\n{a.hash},91\n|conv~0|+|x~0|,90\n")
    with pytest.raises(OutOfDomainError, match="line 3"):
        nb201_csv.convert(bad)
    by_index = tmp_path / "idx.csv"
    by_index.write_text("index,test-accuracy\n8,93.5\n7,91.25\n")
    t = nb201_csv.convert(by_index)
    assert t.hashes == [b.hash, a.hash] and t.dataset == "cifar10" and t.metrics == ("test_acc",)
    by_index.write_text("index,test-accuracy\n8,93.5\n15625,91.25\n")
    with pytest.raises(OutOfDomainError, match="line 3"):
        nb201_csv.convert(by_index)
    cut = tmp_path / "cut.csv"
    cut.write_text(f"arch_str,valid-accuracy,test-accuracy\n{a.hash},91,90\n{b.hash},8")
    with pytest.raises(CorruptFileError, match="cut.csv"):
        nb201_csv.convert(cut)


def test_truncated_real_csv(shared_data: Path, tmp_path: Path) -> None:
    raw = _real(shared_data, C10V).read_bytes()
    cut = tmp_path / "truncated.csv"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CorruptFileError, match="truncated.csv"):
        nb201_csv.convert(cut)


# ---- NB201 .pth / NATS archives, written in the upstream structure ----------------------
ARCHS = [SPACE.from_index(i).hash for i in (0, 1, 2)]
SEEDS = (777, 888)
EPOCHS = 4


def _results_count(arch: str, dataset: str, seed: int, k: int) -> dict[str, Any]:
    """A ResultsCount state dict exactly as NB201's ``state_dict()`` dumps it."""
    sets = {"cifar10-valid": ["x-valid", "ori-test"], "cifar10": ["ori-test"]}.get(
        dataset, ["ori-test", "x-valid", "x-test"]
    )
    base = 10.0 * k + seed / 1000.0
    return {
        "name": f"{dataset}-{seed}",
        "net_state_dict": None,
        "train_acc1es": OrderedDict((e, base + e) for e in range(EPOCHS)),
        "train_acc5es": OrderedDict((e, base + e + 5) for e in range(EPOCHS)),
        "train_losses": OrderedDict((e, 2.0 - 0.1 * e) for e in range(EPOCHS)),
        "train_times": OrderedDict((e, 1.5 + k) for e in range(EPOCHS)),
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": 10},
        "params": 0.1 + k,
        "flop": 10.0 + k,
        "seed": seed,
        "epochs": EPOCHS,
        "latency": [0.010 + k / 1000, 0.012 + k / 1000],
        "eval_names": sets,
        "eval_acc1es": {
            f"{s}@{e}": base + e + 0.5 * j for j, s in enumerate(sets) for e in range(EPOCHS)
        },
        "eval_times": {f"{s}@{e}": 0.25 for s in sets for e in range(EPOCHS)},
        "eval_losses": {f"{s}@{e}": 1.0 + j for j, s in enumerate(sets) for e in range(EPOCHS)},
    }


def _arch_results(index: int, arch: str) -> dict[str, Any]:
    datasets = ("cifar10-valid", "cifar10", "cifar100")
    return {
        "arch_index": index,
        "arch_str": arch,
        "all_results": {(d, s): _results_count(arch, d, s, index) for d in datasets for s in SEEDS},
        "dataset_seed": {d: list(SEEDS) for d in datasets},
        "clear_net_done": True,
    }


def _pth_dict() -> dict[str, Any]:
    return {
        "meta_archs": list(ARCHS),
        "arch2infos": {
            i: {"less": _arch_results(i, a), "full": _arch_results(i, a)}
            for i, a in enumerate(ARCHS)
        },
        "evaluated_indexes": list(range(len(ARCHS))),
        "total_archs": len(ARCHS),
    }


@pytest.fixture(scope="module")
def pth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    path = tmp_path_factory.mktemp("pth") / "NAS-Bench-201-v1_1-tiny.pth"
    torch.save(_pth_dict(), path)
    return path


def _check_nb201_trials(t: TableData) -> None:
    _check_table(t)
    assert t.seeds == SEEDS and t.fidelities == tuple(float(e) for e in range(1, EPOCHS + 1))
    assert t.cost_metric == "train_time"
    k = 2
    arch = ARCHS[k]
    base = 10.0 * k + 888 / 1000.0
    assert _value(t, arch, "train_acc", seed=1, fid=2) == pytest.approx(base + 2)
    assert _value(t, arch, "val_acc", seed=1, fid=3) == pytest.approx(base + 3)  # x-valid
    assert _value(t, arch, "test_acc", seed=1, fid=3) == pytest.approx(base + 3.5)  # ori-test
    assert _value(t, arch, "train_time", fid=0) == pytest.approx(1.5 + k)
    assert _value(t, arch, "train_time", fid=3) == pytest.approx(4 * (1.5 + k))
    assert _value(t, arch, "latency") == pytest.approx(1000 * (0.011 + k / 1000))
    assert _value(t, arch, "flops") == pytest.approx(10.0 + k)
    assert "valtest_acc" not in t.metrics  # cifar10-valid has no ori-test=valid+test split


def test_pth(pth_file: Path) -> None:
    t = nb201_pth.convert(pth_file)
    assert t.name == "nb201-pth-200ep/cifar10-valid" and t.extra["hp"] == "200"
    _check_nb201_trials(t)
    c100 = nb201_pth.convert(pth_file, dataset="cifar100", hp="12", fidelities=[2, 4])
    assert c100.fidelities == (2.0, 4.0) and c100.name == "nb201-pth-12ep/cifar100"
    base = 10.0 + 777 / 1000.0
    assert _value(c100, ARCHS[1], "val_acc", fid=1) == pytest.approx(base + 3 + 0.5)  # x-valid
    assert _value(c100, ARCHS[1], "test_acc", fid=1) == pytest.approx(base + 3 + 1.0)  # x-test
    assert _value(c100, ARCHS[1], "valtest_acc", fid=1) == pytest.approx(base + 3)  # ori-test
    c10 = nb201_pth.convert(pth_file, dataset="cifar10")
    assert "val_acc" not in c10.metrics and "test_acc" in c10.metrics
    with pytest.raises(OutOfDomainError, match="ImageNet16-120"):
        nb201_pth.convert(pth_file, dataset="ImageNet16-120")  # not in this file
    with pytest.raises(OutOfDomainError, match="hp="):
        nb201_pth.convert(pth_file, hp="90")


@pytest.mark.parametrize("how", ["legacy", "plain-pickle", "numpy-scalars"])
def test_pth_older_containers(how: str, tmp_path: Path) -> None:
    import torch

    data = _pth_dict()
    path = tmp_path / f"{how}.pth"
    if how == "legacy":
        torch.save(data, path, _use_new_zipfile_serialization=False)
    elif how == "plain-pickle":
        path.write_bytes(pickle.dumps(data, protocol=5))
    else:
        rc = data["arch2infos"][2]["full"]["all_results"][("cifar10-valid", 888)]
        rc["flop"] = np.float64(rc["flop"])
        rc["train_acc1es"][2] = np.float32(rc["train_acc1es"][2])
        torch.save(data, path)
    _check_nb201_trials(nb201_pth.convert(path))


def test_pth_refuses_code(tmp_path: Path) -> None:
    import torch

    data = _pth_dict()
    data["arch2infos"][0]["full"]["all_results"][("cifar10-valid", 777)]["latency"] = _Evil()
    path = tmp_path / "evil.pth"
    torch.save(data, path)
    with pytest.raises(UnsafeFileError, match="evil.pth"):
        nb201_pth.convert(path)


def test_pth_truncated_and_bad_arch(pth_file: Path, tmp_path: Path) -> None:
    import torch

    cut = tmp_path / "cut.pth"
    cut.write_bytes(pth_file.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match="cut.pth"):
        nb201_pth.convert(cut)
    data = _pth_dict()
    data["arch2infos"][1]["full"]["arch_str"] = "|bogus~0|"
    bad = tmp_path / "bad.pth"
    torch.save(data, bad)
    with pytest.raises(OutOfDomainError, match="arch 1"):
        nb201_pth.convert(bad)


def _write_pbz2(obj: Any, path: Path) -> None:
    with bz2.BZ2File(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=4)


@pytest.fixture(scope="module")
def nats_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nats") / "NATS-tss-v1_0-3ffb9-simple"
    root.mkdir()
    _write_pbz2({"meta_archs": list(ARCHS), "total_archs": len(ARCHS)}, root / "meta.pickle.pbz2")
    for i, arch in enumerate(ARCHS):
        record = {"12": _arch_results(i, arch), "200": _arch_results(i, arch)}
        _write_pbz2(record, root / f"{i:06d}.pickle.pbz2")
    return root


def test_nats_tss_directory(nats_dir: Path) -> None:
    t = nats_tss.convert(nats_dir)
    assert t.name == "nats-tss-200ep/cifar10-valid"
    _check_nb201_trials(t)
    assert nats_tss.convert(nats_dir).source_checksum == t.source_checksum
    single = nats_dir.parent / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    _write_pbz2(
        {
            "meta_archs": list(ARCHS),
            "arch2infos": {i: {"200": _arch_results(i, a)} for i, a in enumerate(ARCHS)},
            "evaluated_indexes": [0, 1, 2],
        },
        single,
    )
    _check_nb201_trials(nats_tss.convert(single))


def test_nats_tss_corrupt_member(nats_dir: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(nats_dir, root)
    member = root / "000001.pickle.pbz2"
    member.write_bytes(member.read_bytes()[:40])
    with pytest.raises(CorruptFileError, match="000001.pickle.pbz2"):
        nats_tss.convert(root)


# ---- NASLib NB201 pickle --------------------------------------------------------------
def _naslib_dict(n_epochs: int = 5) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for k, arch in enumerate(ARCHS):
        out[arch] = {
            "cifar100": {
                "train_acc1es": [20.0 + k + e for e in range(n_epochs)],
                "eval_acc1es": [10.0 + k + e for e in range(n_epochs)],
                "train_losses": [3.0 - 0.1 * e for e in range(n_epochs)],
                "eval_losses": [3.5 - 0.1 * e for e in range(n_epochs)],
                "cost_info": {
                    "flops": 10.0 + k,
                    "params": 0.5 + k,
                    "latency": 0.02,
                    "train_time": 100.0 * (k + 1),
                },
            }
        }
    return out


def test_naslib_nb201(tmp_path: Path) -> None:
    path = tmp_path / "nb201_cifar100_full_training.pickle"
    path.write_bytes(pickle.dumps(_naslib_dict()))
    t = naslib_nb201.convert(path)
    _check_table(t)
    assert (t.name, t.dataset, t.fidelities[-1], t.seeds) == (
        "naslib-nb201/cifar100",
        "cifar100",
        5.0,
        (),
    )
    assert _value(t, ARCHS[1], "val_acc", fid=2) == pytest.approx(13.0)
    assert _value(t, ARCHS[1], "train_time", fid=-1) == pytest.approx(200.0)
    assert _value(t, ARCHS[1], "train_time", fid=0) == pytest.approx(40.0)
    assert _value(t, ARCHS[2], "latency") == pytest.approx(20.0)
    per_epoch = naslib_nb201.convert(path, train_time="per_epoch")
    assert _value(per_epoch, ARCHS[0], "train_time", fid=-1) == pytest.approx(500.0)
    # NASLib op-index tuple keys work too.
    tuples = {SPACE.to_naslib(SPACE.from_string(a)): v for a, v in _naslib_dict().items()}
    path2 = tmp_path / "tuples.pickle"
    path2.write_bytes(pickle.dumps(tuples))
    assert naslib_nb201.convert(path2).hashes == t.hashes
    with pytest.raises(OutOfDomainError, match="cifar100"):
        naslib_nb201.convert(path, dataset="ImageNet16-120")


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_naslib_refuses_malicious_and_truncated(tmp_path: Path) -> None:
    evil = tmp_path / "evil.pickle"
    data = _naslib_dict()
    data[ARCHS[0]]["cifar100"]["cost_info"]["train_time"] = _Evil()
    evil.write_bytes(pickle.dumps(data))
    with pytest.raises(UnsafeFileError, match="system"):
        naslib_nb201.convert(evil)
    cut = tmp_path / "cut.pickle"
    cut.write_bytes(pickle.dumps(_naslib_dict())[:100])
    with pytest.raises(CorruptFileError, match="cut.pickle"):
        naslib_nb201.convert(cut)
