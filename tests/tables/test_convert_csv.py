"""The bring-your-own-table importer (format "csv"): wide and long CSV, Parquet, errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables.convert import csv as csv_table
from nasbench_kit.tables.store import validate_table

NB201 = get_space("nb201")
A, B, C = (NB201.from_index(i) for i in (10, 20, 30))


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wide_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"arch,val_acc,secs,note\n{A.hash},91.5,100,x\n{B.hash},88.0,,y\n{C.hash},70,50,z\n",
    )
    t = csv_table.convert(path, space="nb201", cost_metric="secs", dataset="cifar10")
    validate_table(t)
    assert t.metrics == ("val_acc", "secs") and t.units == {"val_acc": "%", "secs": ""}
    assert (t.seeds, t.fidelities, t.dataset, t.cost_metric) == ((), (200.0,), "cifar10", "secs")
    assert t.name == "custom/nb201/t" and t.hashes == [A.hash, B.hash, C.hash]
    assert np.isnan(t.values[1, 0, 0, 1]) and t.values[2, 0, 0, 0] == pytest.approx(70.0)
    assert len(t.source_checksum) == 64 and t.source


def test_index_and_naslib_notations(tmp_path: Path) -> None:
    tup = NB201.to_naslib(B)
    path = _write(tmp_path, f'cell,acc\n10,1.0\n"{tup}",2.0\n')
    t = csv_table.convert(path, space="nb201", arch_column="cell", metrics=["acc"], fidelity=12)
    assert t.hashes == [A.hash, B.hash] and t.fidelities == (12.0,)


def test_long_format(tmp_path: Path) -> None:
    lines = ["arch,seed,epoch,val_acc,train_time"]
    for arch, base in ((A, 50.0), (B, 60.0)):
        for seed in (1, 2):
            for epoch in (1, 2, 4):
                if arch is B and seed == 2 and epoch == 4:
                    continue  # an absent combination -> NaN
                lines.append(f"{arch.hash},{seed},{epoch},{base + seed + epoch},{10.0 * epoch}")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    t = csv_table.convert(
        path,
        space="nb201",
        seed_column="seed",
        epoch_column="epoch",
        metrics={"val_acc": "val_acc", "train_time": "train_time"},
        cost_metric="train_time",
        units={"train_time": "s"},
    )
    validate_table(t)
    assert t.seeds == (1, 2) and t.fidelities == (1.0, 2.0, 4.0)
    assert t.values.shape == (2, 2, 3, 2)
    assert t.values[1, 0, 2, 0] == pytest.approx(60 + 1 + 4)
    assert np.isnan(t.values[1, 1, 2, 0]) and t.values[0, 1, 1, 1] == pytest.approx(20.0)


def test_errors_name_the_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, f"arch,val_acc\n{A.hash},1\n{B.hash},2\n")
    with pytest.raises(OutOfDomainError, match="space= is required"):
        csv_table.convert(path)
    with pytest.raises(OutOfDomainError, match=r"'nope'.*columns are \['arch', 'val_acc'\]"):
        csv_table.convert(path, space="nb201", metrics=["nope"])
    with pytest.raises(OutOfDomainError, match="arch_column='x'"):
        csv_table.convert(path, space="nb201", arch_column="x")
    with pytest.raises(OutOfDomainError, match="cost_metric"):
        csv_table.convert(path, space="nb201", cost_metric="train_time")
    with pytest.raises(OutOfDomainError, match="unknown option"):
        csv_table.convert(path, space="nb201", colour=1)
    with pytest.raises(OutOfDomainError, match=r"units=.*\['acc'\]"):
        csv_table.convert(path, space="nb201", units={"acc": "%"})
    dup = _write(tmp_path, f"arch,val_acc\n{A.hash},1\n{A.hash},2\n", "dup.csv")
    with pytest.raises(OutOfDomainError, match="rows 1 and 2"):
        csv_table.convert(dup, space="nb201")
    bad = _write(tmp_path, f"arch,val_acc\n{A.hash},1\nnot-an-arch,2\n", "bad.csv")
    with pytest.raises(OutOfDomainError, match="row 2"):
        csv_table.convert(bad, space="nb201")
    cut = _write(tmp_path, f"arch,val_acc,x\n{A.hash},1,2\n{B.hash},2", "cut.csv")
    with pytest.raises(CorruptFileError, match="cut.csv.*line 3"):
        csv_table.convert(cut, space="nb201")
    junk = _write(tmp_path, f"arch,val_acc\n{A.hash},1\n{B.hash},oops\n", "junk.csv")
    with pytest.raises(CorruptFileError, match="line 3.*'val_acc'"):
        csv_table.convert(junk, space="nb201", metrics=["val_acc"])


def test_parquet(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"arch": [A.hash, B.hash], "val_acc": [1.0, 2.0]})
    path = tmp_path / "t.parquet"
    if importlib.util.find_spec("pyarrow") is None:
        path.write_bytes(b"PAR1")
        with pytest.raises(OutOfDomainError, match="pyarrow"):
            csv_table.convert(path, space="nb201")
        return
    frame.to_parquet(path)
    t = csv_table.convert(path, space="nb201")
    assert t.metrics == ("val_acc",) and t.values[:, 0, 0, 0].tolist() == [1.0, 2.0]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    indices=st.lists(st.integers(0, 15624), min_size=1, max_size=8, unique=True),
    accs=st.lists(st.floats(0, 100, width=32), min_size=8, max_size=8),
)
def test_roundtrip_property(tmp_path: Path, indices: list[int], accs: list[float]) -> None:
    archs = [NB201.from_index(i) for i in indices]
    body = "".join(f"{a.hash},{acc!r}\n" for a, acc in zip(archs, accs))
    path = _write(tmp_path, "arch,val_acc\n" + body, "prop.csv")
    t = csv_table.convert(path, space="nb201")
    assert t.hashes == [a.hash for a in archs]
    np.testing.assert_allclose(t.values[:, 0, 0, 0], np.float32(accs[: len(archs)]))
