"""help-latency: HELP's per-device NB201 latency lists (torch.save of a Python list)."""

from __future__ import annotations

import csv
import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nasbench_kit as nbk  # noqa: E402
from nasbench_kit.errors import CorruptFileError, OutOfDomainError, UnsafeFileError  # noqa: E402
from nasbench_kit.spaces import get_space  # noqa: E402
from nasbench_kit.tables import Benchmark  # noqa: E402
from nasbench_kit.tables.convert import help_latency, nb201_csv  # noqa: E402

NB201 = get_space("nb201")
N = help_latency.N_CELLS


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two devices in HELP's exact format: torch.save(list of 15,625 floats)."""
    d = tmp_path_factory.mktemp("help") / "latency"
    d.mkdir()
    rng = np.random.default_rng(0)
    torch.save([float(x) for x in rng.uniform(1, 30, N)], d / "titan_rtx_1.pt")
    torch.save([int(x) for x in rng.integers(5, 90, N)], d / "pixel2.pt")  # phones: integer ms
    return d


def test_folder_of_devices(folder):
    t = help_latency.convert(folder)
    assert t.metrics == ("latency_pixel2", "latency_titan_rtx_1") and t.space == "nb201"
    assert t.units == {"latency_pixel2": "ms", "latency_titan_rtx_1": "ms"}
    assert t.values.shape == (N, 1, 1, 2) and t.fidelities == (200.0,) and t.seeds == ()
    raw = torch.load(folder / "titan_rtx_1.pt", weights_only=True)
    bench = Benchmark.from_table(t)
    for i in (0, 1, 7777, N - 1):  # list position = official NB201 index
        value = bench.query(NB201.from_index(i), "latency_titan_rtx_1").value
        assert value == pytest.approx(raw[i], rel=1e-6)
    one = help_latency.convert(folder / "pixel2.pt")
    assert one.metrics == ("latency_pixel2",)
    picked = help_latency.convert(folder, devices=["titan_rtx_1"])
    assert picked.metrics == ("latency_titan_rtx_1",)


def test_import_through_the_registry(folder):
    name = nbk.import_table("help-latency", folder, name="help/test-latency")
    bench = nbk.load(name)
    assert len(bench) == N and bench.metadata["extra"]["devices"] == "pixel2,titan_rtx_1"
    assert bench.query(0, "latency_pixel2").cost == 0.0


def test_bad_help_files_are_refused(tmp_path, folder):
    short = tmp_path / "short.pt"
    torch.save([1.0, 2.0], short)
    with pytest.raises(CorruptFileError, match="not a list of 15625"):
        help_latency.convert(short)
    words = tmp_path / "words.pt"
    torch.save(["fast"] * N, words)
    with pytest.raises(CorruptFileError, match="not a number"):
        help_latency.convert(words)
    negative = tmp_path / "neg.pt"
    torch.save([-1.0] * N, negative)
    with pytest.raises(OutOfDomainError, match=">= 0"):
        help_latency.convert(negative)
    table = tmp_path / "lat.csv"
    table.write_text("index,arch_str,fpga\n0,x,1\n")
    with pytest.raises(CorruptFileError, match="is a CSV text file.*nb201-csv"):
        help_latency.convert(table)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises((CorruptFileError, UnsafeFileError)):
        help_latency.convert(junk)
    with pytest.raises(OutOfDomainError, match="no file"):
        help_latency.convert(folder, devices=["nope"])
    with pytest.raises(OutOfDomainError, match="device names"):
        help_latency.convert(folder, devices=[3])
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(CorruptFileError, match="no .pt files"):
        help_latency.convert(empty)


def test_a_payload_in_a_help_file_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps([Payload()], protocol=2))
    with pytest.raises((UnsafeFileError, CorruptFileError)):
        help_latency.convert(evil)
    assert not marker.exists()


def test_matches_the_shared_latency_csv(shared_path, tmp_path):
    """The same HELP measurements, read from .pt lists and from the joined CSV, agree."""
    path = shared_path("nb201/nb201_latency_ms_help.csv")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    devices = ("fpga", "pixel3")
    for device in devices:
        by_index = {int(r["index"]): float(r[device]) for r in rows}
        values = [by_index.get(i, float("nan")) for i in range(N)]
        torch.save(values, tmp_path / f"{device}.pt")
    from_pt = Benchmark.from_table(help_latency.convert(tmp_path))
    from_csv = Benchmark.from_table(nb201_csv.convert(path))
    archs = from_csv.archs()[::97]
    for device in devices:
        metric = f"latency_{device}"
        np.testing.assert_allclose(from_pt.query_many(archs, metric),
                                   from_csv.query_many(archs, metric), rtol=1e-6)  # fmt: skip
