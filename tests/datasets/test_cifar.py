"""CIFAR python batches: small files in the exact format, NB201 splits, malicious pickles."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from nasbench_kit.datasets import load_dataset
from nasbench_kit.errors import CorruptFileError, MissingDataError, UnsafeFileError

C10_MEAN = np.array([125.3, 123.0, 113.9]) / 255
C10_STD = np.array([63.0, 62.1, 66.7]) / 255


@pytest.fixture()
def c10(tmp_path: Path, fmt) -> Path:
    fmt.write_cifar10(tmp_path / "cifar10" / "cifar-10-batches-py")
    return tmp_path / "cifar10"


@pytest.fixture()
def c100(tmp_path: Path, fmt) -> Path:
    return fmt.write_cifar100(tmp_path / "cifar-100-python")


def test_cifar10_nb201_setting(c10: Path, fmt) -> None:
    d = load_dataset("cifar10", root=c10)  # finds the inner cifar-10-batches-py folder
    assert d.sizes == {"train": 100, "val": 0, "test": 20}
    assert d.input_shape == (3, 32, 32) and d.val[0].shape == (0, 3, 32, 32)
    batch = fmt.cifar_batch(20, 10, 1, b"labels")  # data_batch_1, rows 0..19 of the train set
    want = batch[b"data"].reshape(-1, 3, 32, 32)
    pixels = np.rint((d.train[0][:20] * C10_STD[:, None, None] + C10_MEAN[:, None, None]) * 255)
    assert np.array_equal(pixels.astype(np.uint8), want)  # CHW order and NB201 constants
    assert d.train[1][:20].tolist() == batch[b"labels"]
    assert json.loads(d.split_spec)["seed"] is None  # nothing random in this setting
    assert load_dataset("cifar10", root=c10, seed=5).checksum == d.checksum


def test_cifar10_valid_halves_and_seed(c10: Path) -> None:
    a = load_dataset("cifar10-valid", root=c10, seed=0)
    b = load_dataset("cifar10-valid", root=c10, seed=0)
    c = load_dataset("cifar10-valid", root=c10, seed=1)
    assert a.sizes == {"train": 50, "val": 50, "test": 20}
    assert a.checksum == b.checksum != c.checksum
    assert np.array_equal(a.val[0], b.val[0]) and not np.array_equal(a.val[0], c.val[0])
    assert a.checksum != load_dataset("cifar10", root=c10).checksum
    held = load_dataset("cifar10", root=c10, val_fraction=0.1)
    assert held.sizes == {"train": 90, "val": 10, "test": 20}


def test_cifar100_nb201_setting(c100: Path) -> None:
    d = load_dataset("cifar100", root=c100.parent)
    assert d.num_classes == 100 and d.sizes == {"train": 200, "val": 50, "test": 50}
    assert json.loads(d.split_spec)["val_rule"] == "half of the test set"
    assert load_dataset("cifar100", root=c100, seed=1).checksum != d.checksum
    other = load_dataset("cifar100", root=c100, val_fraction=0.25)
    assert other.sizes == {"train": 150, "val": 50, "test": 100}


def test_missing_cifar_names_folders_and_fix(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NASBENCH_KIT_HOME", str(tmp_path))
    with pytest.raises(MissingDataError) as err:
        load_dataset("cifar10-valid")
    msg = str(err.value)
    assert str(tmp_path / "datasets" / "cifar10" / "cifar-10-batches-py") in msg
    assert "download_dataset('cifar10')" in msg and "data_batch_1" in msg


class _Marker:
    """Unpickling this would create a file (it must never happen)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malicious_pickle_is_refused_and_runs_nothing(c10: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = {b"data": _Marker(str(marker)), b"labels": [0]}
    (c10 / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps(evil, protocol=2))
    with pytest.raises(UnsafeFileError, match="data_batch_3"):
        load_dataset("cifar10", root=c10)
    assert not marker.exists()
    control = tmp_path / "control"  # the payload is live: plain pickle would run it
    pickle.loads(pickle.dumps(_Marker(str(control)), protocol=2))
    assert control.exists()


def test_python2_style_str_keys(c100: Path, fmt) -> None:
    batch = {k.decode(): v for k, v in fmt.cifar_batch(100, 100, 2, b"fine_labels").items()}
    (c100 / "test").write_bytes(pickle.dumps(batch, protocol=2))
    assert load_dataset("cifar100", root=c100).sizes["test"] == 50


@pytest.mark.parametrize(
    "case", ["truncated", "not_dict", "bad_shape", "bad_dtype", "labels", "meta"]
)
def test_corrupt_batches(c10: Path, fmt, case: str) -> None:
    folder = c10 / "cifar-10-batches-py"
    good = fmt.cifar_batch(20, 10, 2, b"labels")
    name = "batches.meta" if case == "meta" else "data_batch_2"
    if case == "truncated":
        data = pickle.dumps(good, protocol=2)[:-100]
    elif case == "not_dict":
        data = pickle.dumps([1, 2, 3], protocol=2)
    elif case == "bad_shape":
        data = pickle.dumps({**good, b"data": good[b"data"][:, :1000]}, protocol=2)
    elif case == "bad_dtype":
        data = pickle.dumps({**good, b"data": good[b"data"].astype(np.float32)}, protocol=2)
    elif case == "labels":
        data = pickle.dumps({**good, b"labels": [10] * 20}, protocol=2)
    else:
        data = pickle.dumps({b"label_names": [b"a", b"b"]}, protocol=2)
    (folder / name).write_bytes(data)
    with pytest.raises(CorruptFileError, match=name):
        load_dataset("cifar10", root=c10)


def test_python2_cpickle_batches(c10: Path, fmt) -> None:
    """The official files were written by Python 2's cPickle: str keys, numpy via core."""
    folder = c10 / "cifar-10-batches-py"
    modern = load_dataset("cifar10", root=c10)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]:
        obj = pickle.loads((folder / name).read_bytes())
        blob = fmt.py2_pickle(obj)
        assert b"numpy.core.multiarray\n_reconstruct" in blob or name == "batches.meta"
        (folder / name).write_bytes(blob)
    old = load_dataset("cifar10", root=c10)
    assert np.array_equal(old.train[0], modern.train[0]) and np.array_equal(
        old.test[1], modern.test[1]
    )
