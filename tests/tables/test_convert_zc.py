"""The NAS-Bench-Suite-Zero JSON importer, on the real NASLib files and written ones."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables.convert import zc_json
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import validate_table

NB201 = get_space("nb201")
NB201_OPS = ["skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3"]


def _real(shared_data: Path, rel: str) -> Path:
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"shared data file {rel!r} not found")
    return path


def _naslib_to_string(t: tuple[int, ...]) -> str:
    """The README's documented mapping, written independently of the space module."""
    o = [NB201_OPS[i] for i in t]
    return f"|{o[0]}~0|+|{o[1]}~0|{o[3]}~1|+|{o[2]}~0|{o[4]}~1|{o[5]}~2|"


def _at(t: TableData, row: int, metric: str) -> float:
    return float(t.values[row, 0, 0, t.metrics.index(metric)])


def test_nb201_real(shared_data: Path) -> None:
    path = _real(shared_data, "nb201/naslib_zc_nasbench201.json")
    raw = json.loads(path.read_text())
    with pytest.raises(OutOfDomainError, match=r"cifar10.*cifar100|ImageNet16-120"):
        zc_json.convert(path)
    for ds in ("cifar10", "ImageNet16-120"):
        t = zc_json.convert(path, dataset=ds)
        validate_table(t)
        assert (t.space, t.dataset, t.name, t.seeds) == ("nb201", ds, f"zc/nb201/{ds}", ())
        assert len(t.hashes) == len(raw[ds]) and t.fidelities == (200.0,)
        assert {"val_acc", "flops", "params", "zc_synflow", "zc_synflow_time", "zc_nwot"} <= set(
            t.metrics
        )
        assert "zc_flops" not in t.metrics and t.units["zc_synflow_time"] == "s"
        assert t.extra["nonfinite_as_nan"] == "zc_nwot:1"  # one -Infinity score upstream
        rng = np.random.default_rng(1)
        keys = list(raw[ds])
        for i in rng.choice(len(keys), 15, replace=False):
            key = keys[int(i)]
            entry = raw[ds][key]
            arch = _naslib_to_string(tuple(json.loads(key.replace("(", "[").replace(")", "]"))))
            row = t.hashes.index(NB201.from_string(arch).hash)
            assert _at(t, row, "val_acc") == pytest.approx(entry["val_accuracy"], rel=1e-6)
            assert _at(t, row, "flops") == pytest.approx(entry["flops"]["score"], rel=1e-6)
            assert _at(t, row, "zc_snip") == pytest.approx(entry["snip"]["score"], rel=1e-5)
            assert _at(t, row, "zc_jacov_time") == pytest.approx(entry["jacov"]["time"], rel=1e-5)


def test_darts_real(shared_data: Path) -> None:
    path = _real(shared_data, "nb301/naslib_zc_nasbench301.json")
    raw = json.loads(path.read_text())["cifar10"]
    t = zc_json.convert(path)
    validate_table(t)
    assert (t.space, t.dataset, len(t.hashes)) == ("darts", "cifar10", len(raw))
    darts = get_space("darts")
    key = list(raw)[100]
    row = t.hashes.index(darts.parse(zc_json.C.literal(key)).hash)
    assert _at(t, row, "val_acc") == pytest.approx(raw[key]["val_accuracy"], rel=1e-6)
    assert _at(t, row, "params") == pytest.approx(raw[key]["params"]["score"], rel=1e-6)


def test_nb101_real(shared_data: Path) -> None:
    if importlib.util.find_spec("nasbench_kit.spaces.nb101") is None:
        pytest.skip("the nb101 space is not available in this checkout")
    path = _real(shared_data, "nb101/naslib_zc_nasbench101.json")
    raw = json.loads(path.read_text())["nasbench101"]["cifar10"]
    t = zc_json.convert(path)
    validate_table(t)
    assert (t.space, t.dataset, t.fidelities) == ("nb101", "cifar10", (108.0,))
    assert "zc_synflow" in t.metrics and "zc_synflow_time" not in t.metrics  # bare scores
    # Several NASLib keys prune to one NB101 cell: merged (mean) by default.
    nb101 = get_space("nb101")
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, entry in raw.items():
        arch = nb101.from_naslib(zc_json.C.literal(key))
        groups.setdefault(arch.hash, []).append(entry)
    assert len(t.hashes) == len(groups) < len(raw) and "duplicates" in t.extra
    h, entries = max(groups.items(), key=lambda kv: len(kv[1]))
    row = t.hashes.index(h)
    assert _at(t, row, "val_acc") == pytest.approx(np.mean([e["val_accuracy"] for e in entries]))
    first = zc_json.convert(path, duplicates="first")
    assert _at(first, row, "zc_snip") == pytest.approx(entries[0]["snip"], rel=1e-6)
    with pytest.raises(OutOfDomainError, match="same nb101 architecture"):
        zc_json.convert(path, duplicates="error")


def _written(tmp_path: Path, data: Any, name: str = "zc.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _entry(acc: float) -> dict[str, Any]:
    return {
        "idx": "1",
        "arch": "x",
        "val_accuracy": acc,
        "flops": {"score": 80.0, "time": 0.1},
        "params": {"score": 0.5, "time": 0.1},
        "synflow": {"score": 12.5, "time": 0.3},
        "grad-norm": 7.0,
    }


def test_written_layouts_and_errors(tmp_path: Path) -> None:
    data = {"cifar10": {"(0, 2, 3, 2, 3, 1)": _entry(90.0), "(1, 1, 1, 1, 1, 2)": _entry(10.0)}}
    t = zc_json.convert(_written(tmp_path, data), name="mine/zc")
    assert t.name == "mine/zc" and set(t.metrics) == {
        "val_acc",
        "flops",
        "params",
        "zc_synflow",
        "zc_synflow_time",
        "zc_grad_norm",
    }
    assert t.notations[0] == _naslib_to_string((0, 2, 3, 2, 3, 1))
    wrapped = zc_json.convert(_written(tmp_path, {"nasbench201": data}, "w.json"))
    assert wrapped.hashes == t.hashes and wrapped.space == "nb201"
    with pytest.raises(OutOfDomainError, match="nasbench201"):
        zc_json.convert(_written(tmp_path, {"nasbench201": data}, "w.json"), space="darts")
    bad = {"cifar10": {"(0, 2, 3, 2, 3, 9)": _entry(90.0), "(0, 0, 0, 0, 0, 0)": _entry(1)}}
    with pytest.raises(OutOfDomainError, match=r"\(0, 2, 3, 2, 3, 9\)"):
        zc_json.convert(_written(tmp_path, bad, "bad.json"))
    with pytest.raises(OutOfDomainError, match="space="):
        zc_json.convert(_written(tmp_path, {"c": {"(1, 2)": _entry(1)}}, "odd.json"))
    text = json.dumps(data)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(CorruptFileError, match="cut.json"):
        zc_json.convert(cut)
    with pytest.raises(CorruptFileError, match="layout"):
        zc_json.convert(_written(tmp_path, {"cifar10": [1, 2]}, "list.json"))
