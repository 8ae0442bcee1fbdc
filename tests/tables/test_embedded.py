"""Embedded tables (from installed PyPI packages), the registry and the README API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nasbench_kit as nbk
from nasbench_kit.errors import OutOfDomainError, UnknownBenchmarkError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import registry
from nasbench_kit.tables._safe_pickle import PlainRecord, safe_load
from nasbench_kit.tables.convert import analognas, nbgraph_bench

README_ARCH = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
)


@pytest.fixture(scope="module")
def analog():
    try:
        return nbk.load("analognas/cifar10")
    except UnknownBenchmarkError as exc:  # package not installed
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def raw_analog():
    return safe_load(
        analognas.installed_path(),
        allow={("analognasbench.data", n): PlainRecord for n in ("Architecture", "DriftMeasurement")},
    )


def test_readme_api(analog):
    bench = nbk.load("analognas/cifar10")
    assert bench is analog  # unchanged file: the same read-only object
    r = bench.query(README_ARCH, "test_acc")
    assert 0 < r.value < 100 and r.cost == 0.0 and r.unit == "%" and r.fidelity == 200.0
    values = bench.query_many(bench.archs()[:100], "test_acc")
    assert values.shape == (100,) and np.isfinite(values).all()


def test_analognas_table_matches_the_package_file(analog, raw_analog):
    space = get_space("nb201")
    assert len(analog) == 15625 == len(raw_analog) and analog.space.name == "nb201"
    assert analog.seeds == () and analog.fidelities == (200.0,)
    assert analog.metadata["source_checksum"] == registry.sha256_file(analognas.installed_path())
    keys = list(raw_analog)
    rng = np.random.default_rng(0)
    for k in rng.choice(len(keys), 25, replace=False):
        key = keys[int(k)]
        rec, arch = raw_analog[key], space.from_naslib(key)
        for metric, field in (("test_acc", "baseline_accuracy"), ("analog_acc", "analog_accuracy"),
                              ("ptq_acc", "ptq_accuracy"), ("qat_acc", "qat_accuracy"),
                              ("noisy_acc", "noisy_accuracy")):  # fmt: skip
            assert analog.query(arch, metric).value == pytest.approx(getattr(rec, field), rel=1e-6)
        drift = rec.analog_drift_86400
        assert analog.query(key, "analog_drift_acc_1d").value == pytest.approx(drift.value, rel=1e-6)
        assert analog.query(key, "analog_drift_acc_1d_std").value == pytest.approx(
            drift.uncertainty, rel=1e-6, abs=1e-9
        )
    # rows follow the official NB201 index
    assert [a.index for a in analog.archs()[:3]] == [0, 1, 2]


def test_value_strings_parse():
    assert analognas._split("93.1 ± 0.2") == (93.1, 0.2)
    assert analognas._split(91.0)[0] == 91.0
    assert all(np.isnan(analognas._split("n/a")))


@pytest.mark.parametrize("dataset", ["cora", "proteins"])
def test_nbgraph_table_matches_the_package_file(dataset):
    try:
        bench = nbk.load(f"nbgraph/{dataset}")
    except UnknownBenchmarkError as exc:
        pytest.skip(str(exc))
    raw = safe_load(nbgraph_bench.installed_path(dataset))
    space = get_space("nbgraph")
    assert len(bench) == len(raw) and bench.space is space
    assert bench.metrics == ("val_acc", "test_acc", "latency", "params")
    assert bench.units["latency"] == "ms"
    assert ("ROC-AUC" in bench.units["test_acc"]) == (dataset == "proteins")
    keys = sorted(raw)
    for key in keys[:: max(1, len(keys) // 20)]:
        rec = raw[key]
        arch = space.from_key(key)
        assert bench.query(arch, "val_acc").value == pytest.approx(100 * rec["valid_perf"], rel=1e-6)
        assert bench.query(key, "test_acc").value == pytest.approx(100 * rec["perf"], rel=1e-6)
        assert bench.query(arch, "latency").value == pytest.approx(1000 * rec["latency"], rel=1e-6)
        assert bench.query(arch, "params").value == pytest.approx(float(rec["para"]), rel=1e-6)
        assert bench.row_of(str(space.to_string(arch))) == bench.row_of(arch)


def test_registry_names_and_errors():
    names = nbk.list_benchmarks()
    assert "analognas/cifar10" in names
    assert {f"nbgraph/{d}" for d in nbgraph_bench.DATASETS} <= set(names)
    with pytest.raises(UnknownBenchmarkError, match="analognas/cifar10"):
        nbk.load("nope/nothing")
    with pytest.raises(UnknownBenchmarkError):
        nbk.load("bad name")
    assert {"analognas", "nbgraph-bench"} <= set(registry.list_formats())
    with pytest.raises(OutOfDomainError, match="available formats"):
        registry.get_converter("no-such-format")
    with pytest.raises(OutOfDomainError):
        registry.get_converter("../etc")


def test_import_table_under_a_new_name():
    src = nbgraph_bench.installed_path("proteins")
    name = registry.import_table("nbgraph-bench", src, name="mine/proteins")
    assert name == "mine/proteins" and name in nbk.list_benchmarks()
    mine, embedded = nbk.load(name), nbk.load("nbgraph/proteins")
    assert mine.dataset == "proteins" and mine.hashes == embedded.hashes
    np.testing.assert_array_equal(mine.values, embedded.values)
    path = registry.processed_path(name)
    stamp = path.stat().st_mtime_ns
    assert registry.import_table("nbgraph-bench", src, name=name) == name  # kept, not rebuilt
    assert path.stat().st_mtime_ns == stamp
    assert registry.import_table("nbgraph-bench", src, name=name, force_reload=True) == name
    with pytest.raises(OutOfDomainError, match="embedded"):
        registry.import_table("nbgraph-bench", src, name="nbgraph/proteins")
    with pytest.raises(OutOfDomainError, match="does not exist"):
        registry.import_table("nbgraph-bench", src.with_name("missing.bench"), name="mine/other")


def test_corrupt_embedded_cache_is_rebuilt():
    good = nbk.load("nbgraph/proteins")
    path = registry.processed_path("nbgraph/proteins")
    tmp = path.with_name("scratch.bin")
    tmp.write_bytes(b"garbage")
    os.replace(tmp, path)
    rebuilt = nbk.load("nbgraph/proteins")
    assert rebuilt is not good and rebuilt.hashes == good.hashes
    np.testing.assert_array_equal(rebuilt.values, good.values)


def test_loading_from_cache_does_not_import_torch(analog):
    code = textwrap.dedent(
        """
        import sys, nasbench_kit as nbk
        b = nbk.load("analognas/cifar10")
        b.query(b.archs()[0], "test_acc")
        print("torch" in sys.modules, "analognasbench" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True)  # fmt: skip
    assert out.stdout.split() == ["False", "False"]


def test_sources_registry():
    sources = nbk.tables.list_sources()
    required = {"name", "format", "url", "sha256", "licence", "citation"}
    assert len(sources) >= 9
    for s in sources:
        assert required <= s.keys() and s["format"] in registry.KNOWN_FORMATS, s["name"]
        assert s["sha256"] is None or len(s["sha256"]) == 64
    by_name = {s["name"]: s for s in sources}
    assert by_name["analognas"]["sha256"] == registry.sha256_file(analognas.installed_path())
    assert json.dumps(sources)  # plain JSON data
