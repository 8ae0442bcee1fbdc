"""HDF5 store: round trips, validation, atomic writes, corrupt files."""

from __future__ import annotations

import dataclasses

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables import store
from nasbench_kit.tables._seal import MAGIC, USERBLOCK, seal
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import read_table, validate_name, write_table


def make_table(n: int = 4, seeds=(0, 1), fids=(12.0, 200.0), metrics=("test_acc", "train_time"),
               name: str = "toy/tab", seed: int = 0) -> TableData:  # fmt: skip
    rng = np.random.default_rng(seed)
    values = rng.random((n, max(1, len(seeds)), len(fids), len(metrics))).astype(np.float32)
    values[0, 0, 0, 0] = np.nan
    return TableData(
        name=name, space="nb201", dataset="toy", hashes=[f"h{i}" for i in range(n)],
        notations=[f"n{i}" for i in range(n)], seeds=tuple(seeds), fidelities=tuple(fids),
        metrics=tuple(metrics), units={m: u for m, u in (("test_acc", "%"), ("train_time", "s")) if m in metrics}, values=values,
        source="unit test", licence="MIT", citation="nobody", source_checksum="abc",
        cost_metric="train_time" if "train_time" in metrics else None, extra={"k": "v", "é": "ü"},
    )  # fmt: skip


def assert_same(a: TableData, b: TableData) -> None:
    for f in dataclasses.fields(TableData):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "values":
            np.testing.assert_array_equal(np.asarray(x, np.float32), y)
        elif f.name == "units":
            assert {m: x.get(m, "") for m in a.metrics} == y
        else:
            assert x == y, f.name


def test_round_trip(tmp_path):
    td = make_table()
    write_table(td, tmp_path / "t.h5")
    back = read_table(tmp_path / "t.h5")
    assert_same(td, back)
    assert back.values.dtype == np.float32 and np.isnan(back.values[0, 0, 0, 0])


def test_round_trip_mean_only_no_cost_unicode(tmp_path):
    td = make_table(seeds=(), fids=(200.0,), metrics=("test_acc",))
    td.notations = ["ä|ß", "x", "y", "z"]
    write_table(td, tmp_path / "t.h5")
    back = read_table(tmp_path / "t.h5")
    assert_same(td, back)
    assert back.cost_metric is None and back.seeds == ()


def test_large_tables_are_chunked_and_compressed(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "COMPRESS_ABOVE", 0)
    td = make_table(n=50)
    write_table(td, tmp_path / "t.h5")
    with h5py.File(tmp_path / "t.h5") as f:
        assert f["values"].chunks is not None and f["values"].compression == "lzf"
    assert_same(td, read_table(tmp_path / "t.h5"))


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(hashes=["a", "a", "b", "c"]), "more than once"),
        (dict(notations=["a"]), "notations"),
        (dict(values=np.zeros((4, 2, 2, 3), np.float32)), "shape"),
        (dict(fidelities=(200.0, 12.0)), "ascending"),
        (dict(fidelities=()), "fidelities"),
        (dict(seeds=(0, 0)), "seeds"),
        (dict(metrics=("a", "a")), "metrics"),
        (dict(cost_metric="nope"), "cost_metric"),
        (dict(units={"nope": "%"}), "unknown metrics"),
        (dict(name="bad name"), "not allowed"),
        (dict(name="a__b"), "not allowed"),
        (dict(hashes=[], notations=[], values=np.zeros((0, 2, 2, 2), np.float32)), "no rows"),
    ],
)
def test_validation(tmp_path, change, match):
    td = dataclasses.replace(make_table(), **change)
    with pytest.raises(OutOfDomainError, match=match):
        write_table(td, tmp_path / "t.h5")
    assert not (tmp_path / "t.h5").exists()


def test_inf_is_rejected(tmp_path):
    td = make_table()
    td.values[1, 0, 0, 0] = np.inf
    with pytest.raises(OutOfDomainError, match="inf"):
        write_table(td, tmp_path / "t.h5")


def test_validate_name():
    assert validate_name("nbgraph/cora") == "nbgraph/cora"
    for bad in ("", "/x", "x/", "a//b", "a b", "a__b", None):
        with pytest.raises(OutOfDomainError):
            validate_name(bad)  # type: ignore[arg-type]


def test_failed_write_keeps_old_file_and_leaves_no_partial(tmp_path, monkeypatch):
    path = tmp_path / "t.h5"
    old = make_table(seed=1)
    write_table(old, path)

    def broken(f, td):
        f.create_dataset("hashes", data=np.array([b"x"]))
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_contents", broken)
    with pytest.raises(OSError, match="disk full"):
        write_table(make_table(seed=2), path)
    assert_same(old, read_table(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.h5"]

    with pytest.raises(OSError):
        write_table(make_table(), tmp_path / "new.h5")
    assert not (tmp_path / "new.h5").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.h5"]


def test_overwrite_replaces(tmp_path):
    path = tmp_path / "sub" / "t.h5"
    write_table(make_table(seed=1), path)
    new = make_table(seed=2, n=6)
    write_table(new, path)
    assert_same(new, read_table(path))


def test_corrupt_files(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    with pytest.raises(CorruptFileError, match="bad.h5"):
        read_table(bad)
    with pytest.raises(CorruptFileError, match="does not exist"):
        read_table(tmp_path / "missing.h5")
    path = tmp_path / "t.h5"
    write_table(make_table(), path)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 99
    with pytest.raises(CorruptFileError, match="damaged"):
        read_table(path)  # changed behind the store's back: the seal no longer matches
    seal(path)
    with pytest.raises(CorruptFileError, match="schema version 99"):
        read_table(path)
    write_table(make_table(), path)
    with h5py.File(path, "r+") as f:
        del f["values"]
    seal(path)
    with pytest.raises(CorruptFileError):
        read_table(path)


def test_every_damaged_byte_is_caught_before_libhdf5_reads_it(tmp_path):
    """A flipped byte in an attribute used to crash the process inside libhdf5."""
    path = tmp_path / "t.h5"
    write_table(make_table(), path)
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    rng = np.random.default_rng(0)
    for pos in sorted(set(rng.integers(USERBLOCK, len(data), 60).tolist())) + [len(data) - 1]:
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        path.write_bytes(bytes(bad))
        with pytest.raises(CorruptFileError, match="damaged"):
            read_table(path)
    path.write_bytes(data[:-10])
    with pytest.raises(CorruptFileError, match="damaged"):
        read_table(path)
    path.write_bytes(data[USERBLOCK:])  # an unsealed HDF5 file (e.g. from an older version)
    with pytest.raises(CorruptFileError, match="no nasbench_kit seal"):
        read_table(path)
    path.write_bytes(data)
    assert read_table(path).hashes == make_table().hashes


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 6), n_seeds=st.integers(0, 3), n_fids=st.integers(1, 3),
    n_metrics=st.integers(1, 3), seed=st.integers(0, 100),
)  # fmt: skip
def test_property_round_trip(tmp_path_factory, n, n_seeds, n_fids, n_metrics, seed):
    td = make_table(
        n=n, seeds=tuple(range(n_seeds)), fids=tuple(float(x) for x in range(1, n_fids + 1)),
        metrics=tuple(f"m{i}" for i in range(n_metrics)), seed=seed,
    )  # fmt: skip
    td.units = {}
    path = tmp_path_factory.mktemp("prop") / "t.h5"
    write_table(td, path)
    back = read_table(path)
    assert_same(td, back)
