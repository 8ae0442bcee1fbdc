"""Registry: re-imports rebuild on a new source, force_reload re-converts, one cache, tmp cleanup."""

from __future__ import annotations

import os
import pickle
import time

import pytest

import nasbench_kit as nbk
from nasbench_kit._io import STALE_SECONDS
from nasbench_kit.errors import MissingDataError, OutOfDomainError, UnknownBenchmarkError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import registry
from nasbench_kit.tables.cache import open_table
from nasbench_kit.tables.store import MAX_NAME_LENGTH, validate_name

NB201 = get_space("nb201")


def write_csv(path, offset: float, n: int = 5) -> None:
    rows = [f"{NB201.to_string(NB201.from_index(i))},{offset + i}" for i in range(n)]
    path.write_text("arch,val_acc\n" + "\n".join(rows) + "\n")


def first_value(name: str) -> float:
    return nbk.load(name).query(NB201.from_index(0), "val_acc").value


def test_same_source_is_kept_different_source_rebuilds(tmp_path):
    """E.1: a different file under an existing name used to keep the old table."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(a, 10.0)
    write_csv(b, 50.0)
    name = nbk.import_table("csv", a, name="reimport/x", space="nb201")
    path = registry.processed_path(name)
    stamp = path.stat().st_mtime_ns
    t0 = time.perf_counter()
    assert nbk.import_table("csv", a, name=name, space="nb201") == name
    assert time.perf_counter() - t0 < 0.5 and path.stat().st_mtime_ns == stamp  # no rebuild
    os.utime(a, ns=(stamp + 10**9, stamp + 10**9))  # touched, same bytes: still kept
    nbk.import_table("csv", a, name=name, space="nb201")
    assert path.stat().st_mtime_ns == stamp and first_value(name) == 10.0
    nbk.import_table("csv", b, name=name, space="nb201")  # another file: rebuilt
    assert first_value(name) == 50.0
    extra = nbk.load(name).metadata["extra"]
    assert extra["import_source"] == str(b.resolve()) and extra["import_format"] == "csv"
    assert extra["import_sha256"] == registry.sha256_file(b)
    write_csv(b, 70.0)  # the same path, new content: rebuilt
    nbk.import_table("csv", b, name=name, space="nb201")
    assert first_value(name) == 70.0
    nbk.import_table("csv", b, name=name, space="nb201", dataset="other")  # other options
    assert nbk.load(name).dataset == "other"


def test_default_name_is_rebuilt_when_the_source_changes(tmp_path):
    src = tmp_path / "auto.csv"
    write_csv(src, 1.0)
    name = nbk.import_table("csv", src, space="nb201")
    assert name == "custom/nb201/auto" and first_value(name) == 1.0
    write_csv(src, 2.0)
    assert nbk.import_table("csv", src, space="nb201") == name and first_value(name) == 2.0


def test_force_reload_converts_the_recorded_source_again(tmp_path):
    """E.1: load(name, force_reload=True) used to re-read the old cache file."""
    src = tmp_path / "r.csv"
    write_csv(src, 5.0)
    name = nbk.import_table("csv", src, name="reimport/reload", space="nb201", dataset="mine")
    old = nbk.load(name)
    write_csv(src, 8.0)
    new = nbk.load(name, force_reload=True)
    assert new is not old and first_value(name) == 8.0 and new.dataset == "mine"
    src.unlink()
    with pytest.raises(MissingDataError, match="no longer exists") as info:
        nbk.load(name, force_reload=True)
    assert str(src.resolve()) in str(info.value) and "import_table('csv'" in str(info.value)
    assert first_value(name) == 8.0  # the cached table is still there


def test_force_reload_of_a_table_without_recorded_source(tmp_path):
    from nasbench_kit.tables.store import read_table, write_table

    src = tmp_path / "o.csv"
    write_csv(src, 3.0)
    name = nbk.import_table("csv", src, name="reimport/old", space="nb201")
    path = registry.processed_path(name)
    td = read_table(path)
    td.extra = {k: v for k, v in td.extra.items() if not k.startswith("import_")}
    write_table(td, path)  # as an older nasbench_kit wrote it
    with pytest.raises(OutOfDomainError, match="records no source"):
        nbk.load(name, force_reload=True)


def test_stale_temporaries_of_killed_imports_are_removed(tmp_path):
    """E.7: a killed import left .<name>.h5.<pid>.tmp files behind forever."""
    folder = registry.home() / "processed"
    folder.mkdir(parents=True, exist_ok=True)
    stale, fresh = folder / ".x.h5.123.tmp", folder / ".y.h5.456.tmp"
    stale.write_bytes(b"half a table")
    fresh.write_bytes(b"a live writer's file")
    old = time.time() - STALE_SECONDS - 60
    os.utime(stale, (old, old))
    src = tmp_path / "t.csv"
    write_csv(src, 0.0)
    nbk.import_table("csv", src, name="reimport/tmp", space="nb201")
    assert not stale.exists() and fresh.exists()
    fresh.unlink()


def test_one_cache_for_load_and_unpickling(tmp_path):
    src = tmp_path / "c.csv"
    write_csv(src, 4.0)
    name = nbk.import_table("csv", src, name="reimport/cache", space="nb201")
    bench = nbk.load(name)
    assert nbk.load(name) is bench
    assert pickle.loads(pickle.dumps(bench)) is bench  # a worker reuses the open table
    assert open_table(registry.processed_path(name)) is bench
    write_csv(src, 6.0)
    nbk.import_table("csv", src, name=name, space="nb201")
    fresh = nbk.load(name)
    assert fresh is not bench and pickle.loads(pickle.dumps(bench)) is fresh


def test_names_that_are_too_long_or_malformed():
    """E.6: a 300-character name used to raise OSError (file name too long)."""
    long = "a" * 300
    with pytest.raises(UnknownBenchmarkError, match=f"at most {MAX_NAME_LENGTH}"):
        nbk.load(long)
    with pytest.raises(OutOfDomainError, match="300 characters"):
        nbk.import_table("csv", __file__, name=long, space="nb201")
    with pytest.raises(UnknownBenchmarkError, match="at most"):
        nbk.load("x/" + "b" * 250)
    for bad in ("x\n", "a/b\n", "é/x"):
        with pytest.raises(OutOfDomainError):
            validate_name(bad)
    assert validate_name("a" * MAX_NAME_LENGTH)
    for bad in (None, 5, ""):
        with pytest.raises(UnknownBenchmarkError):
            nbk.load(bad)  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError, match="not a file path"):
        nbk.import_table("csv", 5, space="nb201")  # type: ignore[arg-type]


def test_sources_are_package_data():
    """list_sources reads nasbench_kit/tables/sources.json through importlib.resources."""
    from importlib import resources

    assert resources.files("nasbench_kit.tables").joinpath("sources.json").is_file()
    formats = {s["format"] for s in nbk.tables.list_sources()}
    assert {"nb201-pth", "nats-tss", "nb101-tfrecord", "naslib-nb201", "naslib-nb101",
            "nb301-json", "zc-json", "help-latency"} <= formats  # fmt: skip
