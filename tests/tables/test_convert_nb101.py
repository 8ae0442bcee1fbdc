"""The two NB101 importers: official TFRecord (written here byte by byte) and NASLib's pickle."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables._safe_pickle import safe_load
from nasbench_kit.tables.convert import naslib_nb101, nb101_tfrecord
from nasbench_kit.tables.registry import get_converter
from nasbench_kit.tables.store import validate_table

SAMPLE = "nb101/naslib_nb101_format_sample.pkl"


# ---- an independent protobuf / TFRecord writer --------------------------------------
def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _double(field: int, x: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", x)


def _message(field: int, body: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(body)) + body


def model_metrics(evals: list[dict[str, float]], params: int, total: float) -> bytes:
    names = ["current_epoch", "training_time", "train_accuracy", "validation_accuracy",
             "test_accuracy"]  # fmt: skip
    out = b""
    for ev in evals:
        body = b"".join(_double(k + 1, ev[n]) for k, n in enumerate(names))
        body += _message(6, b"/ckpt/model.ckpt-1")  # the string field, skipped by the reader
        out += _message(1, body)
    return out + _varint(2 << 3) + _varint(params) + _double(3, total)


def _record(h: str, epochs: int, matrix: np.ndarray, ops: list[str], run: dict[str, float],
            params: int) -> bytes:  # fmt: skip
    evals = [
        {"current_epoch": 0.0, "training_time": 0.0, "train_accuracy": 0.1,
         "validation_accuracy": 0.1, "test_accuracy": 0.1},
        {"current_epoch": epochs / 2, "training_time": run["halfway_training_time"],
         "train_accuracy": run["halfway_train_accuracy"],
         "validation_accuracy": run["halfway_validation_accuracy"],
         "test_accuracy": run["halfway_test_accuracy"]},
        {"current_epoch": float(epochs), "training_time": run["final_training_time"],
         "train_accuracy": run["final_train_accuracy"],
         "validation_accuracy": run["final_validation_accuracy"],
         "test_accuracy": run["final_test_accuracy"]},
    ]  # fmt: skip
    raw = base64.b64encode(model_metrics(evals, params, 1234.5)).decode()
    adjacency = "".join(str(int(v)) for v in np.asarray(matrix).ravel())
    return json.dumps([h, epochs, adjacency, ",".join(ops), raw]).encode()


def _frame(data: bytes) -> bytes:
    """TFRecord framing written from the spec (checksums via the module's crc32c)."""
    head = struct.pack("<Q", len(data))
    return (head + struct.pack("<I", nb101_tfrecord.masked_crc32c(head)) + data
            + struct.pack("<I", nb101_tfrecord.masked_crc32c(data)))  # fmt: skip


@pytest.fixture(scope="module")
def sample_path(shared_data: Path) -> Path:
    path = shared_data / SAMPLE
    if not path.exists():
        pytest.skip(f"shared data file {SAMPLE!r} not found beside the checkout")
    return path


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> dict[str, Any]:
    return safe_load(sample_path)


@pytest.fixture(scope="module")
def only108(sample: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nb101") / "only108.tfrecord"
    with open(path, "wb") as fh:
        for h, (fixed, computed) in sample.items():
            for run in computed[108]:
                fh.write(_frame(_record(h, 108, fixed["module_adjacency"],
                                        fixed["module_operations"], run,
                                        fixed["trainable_parameters"])))  # fmt: skip
    return path


# ---- crc32c ------------------------------------------------------------------------------
def test_crc32c_known_vectors() -> None:
    assert nb101_tfrecord.crc32c(b"123456789") == 0xE3069283
    assert nb101_tfrecord.crc32c(b"") == 0
    assert nb101_tfrecord.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4
    many = nb101_tfrecord.crc32c_many([b"123456789", b"", b"a" * 1001, bytes(32)])
    assert many[0] == 0xE3069283 and many[1] == 0 and many[3] == 0x8A9136AA
    assert many[2] == nb101_tfrecord.crc32c(b"a" * 1001)


def test_protobuf_round_trip() -> None:
    ev = {"current_epoch": 4.0, "training_time": 12.5, "train_accuracy": 0.5,
          "validation_accuracy": 0.25, "test_accuracy": 0.125}  # fmt: skip
    out = nb101_tfrecord.decode_model_metrics(model_metrics([ev, ev], 300_000_000, 9.0))
    assert out["trainable_parameters"] == 300_000_000 and out["total_time"] == 9.0
    assert len(out["evaluation_data"]) == 2
    assert out["evaluation_data"][1]["validation_accuracy"] == 0.25
    with pytest.raises(ValueError):
        nb101_tfrecord.decode_model_metrics(b"\x0a\x50\x01")  # length past the end


# ---- nb101-tfrecord ------------------------------------------------------------------
def test_tfrecord_only108(only108: Path, sample: dict[str, Any]) -> None:
    t = get_converter("nb101-tfrecord").convert(only108)
    validate_table(t)
    assert (t.space, t.dataset, t.name) == ("nb101", "cifar10", "nb101-108/cifar10")
    assert t.fidelities == (108.0,) and t.seeds == (0, 1, 2)
    assert t.cost_metric == "train_time" and t.values.shape == (len(sample), 3, 1, 5)
    assert t.hashes == list(sample)
    space = get_space("nb101")
    for i in (0, 7, len(sample) - 1):
        h = t.hashes[i]
        fixed, computed = sample[h]
        assert space.parse(t.notations[i]).hash == h
        for s in range(3):
            run = computed[108][s]
            got = dict(zip(t.metrics, t.values[i, s, 0]))
            assert got["val_acc"] == pytest.approx(100 * run["final_validation_accuracy"], 1e-6)
            assert got["test_acc"] == pytest.approx(100 * run["final_test_accuracy"], 1e-6)
            assert got["train_time"] == pytest.approx(run["final_training_time"], 1e-6)
            assert got["params"] == pytest.approx(fixed["trainable_parameters"] / 1e6, 1e-6)


def test_tfrecord_full_budgets_and_halfway(sample: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "full.tfrecord"
    items = list(sample.items())[:4]
    with open(path, "wb") as fh:
        for epochs in (108, 4, 36, 12):  # any order in the file
            for h, (fixed, computed) in items:
                for run in computed[108]:
                    scaled = {k: v * epochs / 108 for k, v in run.items()}
                    fh.write(_frame(_record(h, epochs, fixed["module_adjacency"],
                                            fixed["module_operations"], scaled,
                                            fixed["trainable_parameters"])))  # fmt: skip
    t = nb101_tfrecord.convert(path, halfway=True)
    assert t.fidelities == (4.0, 12.0, 36.0, 108.0) and t.name == "nb101/cifar10"
    assert "halfway_val_acc" in t.metrics
    k, hk = t.metrics.index("train_time"), t.metrics.index("halfway_train_time")
    times = t.values[0, 0, :, k]
    assert np.all(np.diff(times) > 0)  # longer budgets cost more
    assert np.all(t.values[:, :, :, hk] < t.values[:, :, :, k])
    run = items[0][1][1][108][2]
    assert t.values[0, 2, 1, k] == pytest.approx(run["final_training_time"] * 12 / 108, 1e-5)


def test_tfrecord_bad_crc_and_truncation(only108: Path, tmp_path: Path) -> None:
    raw = bytearray(only108.read_bytes())
    flipped = tmp_path / "flipped.tfrecord"
    raw2 = bytearray(raw)
    raw2[40] ^= 0x01  # a byte inside the first record's data
    flipped.write_bytes(bytes(raw2))
    with pytest.raises(CorruptFileError, match="checksum"):
        nb101_tfrecord.convert(flipped)
    header = tmp_path / "header.tfrecord"
    raw3 = bytearray(raw)
    raw3[0] ^= 0x01  # the length field
    header.write_bytes(bytes(raw3))
    with pytest.raises(CorruptFileError, match="length header"):
        nb101_tfrecord.convert(header)
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(bytes(raw[: len(raw) - 10]))
    with pytest.raises(CorruptFileError, match="truncated"):
        nb101_tfrecord.convert(cut)


def test_tfrecord_hash_mismatch_and_junk(sample: dict[str, Any], tmp_path: Path) -> None:
    h, (fixed, computed) = next(iter(sample.items()))
    wrong = tmp_path / "wrong.tfrecord"
    wrong.write_bytes(_frame(_record("0" * 32, 108, fixed["module_adjacency"],
                                     fixed["module_operations"], computed[108][0], 1)))  # fmt: skip
    with pytest.raises(CorruptFileError, match="hash"):
        nb101_tfrecord.convert(wrong)
    junk = tmp_path / "junk.tfrecord"
    junk.write_bytes(_frame(b"not json"))
    with pytest.raises(CorruptFileError, match="not a NAS-Bench-101 record"):
        nb101_tfrecord.convert(junk)
    empty = tmp_path / "empty.tfrecord"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        nb101_tfrecord.convert(empty)
    with pytest.raises(OutOfDomainError, match="unknown option"):
        nb101_tfrecord.convert(junk, epochs=108)


# ---- naslib-nb101 ------------------------------------------------------------------------
def test_naslib_sample(sample: dict[str, Any], sample_path: Path) -> None:
    t = get_converter("naslib-nb101").convert(sample_path, halfway=True)
    validate_table(t)
    assert (t.space, t.dataset, t.fidelities, t.seeds) == ("nb101", "cifar10", (108.0,), (0, 1, 2))
    assert t.hashes == list(sample) and t.cost_metric == "train_time"
    space = get_space("nb101")
    m = {name: k for k, name in enumerate(t.metrics)}
    for i in (0, 3, 11, 29):
        h = t.hashes[i]
        fixed, computed = sample[h]
        assert space.parse(t.notations[i]).hash == h
        assert space.parse(t.notations[i]).num_vertices == len(fixed["module_operations"])
        for s, run in enumerate(computed[108]):
            row = t.values[i, s, 0]
            assert row[m["val_acc"]] == pytest.approx(100 * run["final_validation_accuracy"])
            assert row[m["train_acc"]] == pytest.approx(100 * run["final_train_accuracy"])
            assert row[m["halfway_test_acc"]] == pytest.approx(100 * run["halfway_test_accuracy"])
            assert row[m["train_time"]] == pytest.approx(run["final_training_time"])
        assert t.values[i, :, 0, m["params"]] == pytest.approx(fixed["trainable_parameters"] / 1e6)
    assert 80 < np.nanmean(t.values[:, :, 0, m["test_acc"]]) < 100


def test_naslib_matches_tfrecord(only108: Path, sample_path: Path) -> None:
    a = naslib_nb101.convert(sample_path)
    b = nb101_tfrecord.convert(only108)
    assert a.hashes == b.hashes and a.metrics == b.metrics and a.notations == b.notations
    np.testing.assert_allclose(a.values, b.values, rtol=1e-6)


def test_naslib_bad_files(sample: dict[str, Any], tmp_path: Path) -> None:
    import pickle

    h, (fixed, computed) = next(iter(sample.items()))
    bad_key = tmp_path / "badkey.pkl"
    bad_key.write_bytes(pickle.dumps({"f" * 32: (fixed, computed)}))
    with pytest.raises(CorruptFileError, match="module hash"):
        naslib_nb101.convert(bad_key)
    not_pair = tmp_path / "notpair.pkl"
    not_pair.write_bytes(pickle.dumps({h: {"a": 1}}))
    with pytest.raises(CorruptFileError, match="fixed_stats"):
        naslib_nb101.convert(not_pair)
    with pytest.raises(CorruptFileError):
        naslib_nb101.convert(tmp_path / "missing.pkl")
