"""digits (always available), ImageData invariants, subsets, names."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nasbench_kit.datasets import ImageData, list_datasets, load_dataset
from nasbench_kit.errors import CorruptFileError, NasBenchKitError, OutOfDomainError


@pytest.fixture(scope="module")
def digits() -> ImageData:
    return load_dataset("digits", seed=0)


def test_digits_shapes_and_sizes(digits: ImageData) -> None:
    assert digits.input_shape == (1, 8, 8) and digits.num_classes == 10
    assert digits.sizes == {"train": 1079, "val": 359, "test": 359}
    for part in (digits.train, digits.val, digits.test):
        x, y = part
        assert x.dtype == np.float32 and x.shape[1:] == (1, 8, 8)
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))  # stratified
    x = np.concatenate([digits.train[0], digits.val[0], digits.test[0]])
    assert abs(float(x.mean())) < 0.01 and abs(float(x.std()) - 1.0) < 0.01


def _rows(x: np.ndarray, y: np.ndarray) -> list[bytes]:
    """Each image (back in 0..16 units) with its label, as sortable bytes."""
    pixels = np.rint((x.reshape(len(y), -1) * 0.3760 + 0.3053) * 16).astype(np.uint8)
    return sorted(map(bytes, np.c_[pixels, y.astype(np.uint8)]))


def test_digits_splits_partition_the_bundle(digits: ImageData) -> None:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = np.concatenate([digits.train[0], digits.val[0], digits.test[0]])
    y = np.concatenate([digits.train[1], digits.val[1], digits.test[1]])
    assert _rows(x, y) == sorted(map(bytes, np.c_[bunch.data, bunch.target].astype(np.uint8)))


def test_fallback_reader_gives_the_same_data(digits: ImageData, monkeypatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # no csv.gz found
    fallback = load_dataset("digits", seed=0)
    assert fallback.checksum == digits.checksum and "load_digits()" in fallback.source
    assert "digits.csv.gz" in digits.source


def test_digits_deterministic_per_seed(digits: ImageData) -> None:
    again = load_dataset("digits", seed=0)
    assert again.checksum == digits.checksum
    assert np.array_equal(again.val[0], digits.val[0]) and np.array_equal(
        again.val[1], digits.val[1]
    )
    other = load_dataset("digits", seed=1)
    assert other.checksum != digits.checksum and other.sizes == digits.sizes
    assert not np.array_equal(other.val[0], digits.val[0])
    gen_a = load_dataset("digits", seed=np.random.default_rng(5))
    gen_b = load_dataset("digits", seed=np.random.default_rng(5))
    assert gen_a.checksum == gen_b.checksum and np.array_equal(gen_a.train[0], gen_b.train[0])


def test_fresh_process_same_checksum_and_no_torch(mnist_dir) -> None:
    here = load_dataset("mnist", root=mnist_dir, seed=7).checksum
    code = (
        "import sys; from nasbench_kit.datasets import load_dataset; "
        f"print(load_dataset('mnist', root={str(mnist_dir)!r}, seed=7).checksum, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [here, "False"]


def test_val_fraction(digits: ImageData) -> None:
    d = load_dataset("digits", seed=0, val_fraction=0.5)
    assert d.sizes["test"] == 359 and d.sizes["val"] > 700 and d.checksum != digits.checksum
    for bad in (1.0, -0.1, "0.2", True):
        with pytest.raises(OutOfDomainError, match="val_fraction"):
            load_dataset("digits", val_fraction=bad)


def test_bad_seed_and_name() -> None:
    with pytest.raises(OutOfDomainError, match="seed"):
        load_dataset("digits", seed=-1)
    with pytest.raises(OutOfDomainError, match="seed"):
        load_dataset("digits", seed=None)  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError, match="known datasets"):
        load_dataset("imagenet")
    assert load_dataset("DIGITS").name == "digits"


def test_list_datasets() -> None:
    names = list_datasets()
    assert {"digits", "mnist", "fashion-mnist", "cifar10", "cifar10-valid", "cifar100"} <= set(
        names
    )
    assert all(isinstance(v, str) and v for v in names.values())


def test_arrays_are_read_only(digits: ImageData) -> None:
    with pytest.raises(ValueError):
        digits.train[0][0, 0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        digits.name = "x"  # type: ignore[misc]


def test_subset_is_deterministic_and_balanced(digits: ImageData) -> None:
    a = digits.subset(n_train=100, n_val=30, seed=3)
    b = digits.subset(n_train=100, n_val=30, seed=3)
    c = digits.subset(n_train=100, n_val=30, seed=4)
    assert a.sizes == {"train": 100, "val": 30, "test": 359}
    assert a.checksum == b.checksum != c.checksum != digits.checksum
    assert np.array_equal(a.train[0], b.train[0]) and not np.array_equal(a.train[1], c.train[1])
    assert np.bincount(a.train[1], minlength=10).tolist() == [10] * 10
    assert np.bincount(a.val[1], minlength=10).tolist() == [3] * 10
    assert digits.subset(n_train=10**6).sizes == digits.sizes
    with pytest.raises(OutOfDomainError):
        digits.subset(n_train=-1)


def test_imagedata_validates_its_arrays() -> None:
    x = np.zeros((2, 1, 4, 4), np.float32)
    y = np.zeros(2, np.int64)
    with pytest.raises(CorruptFileError, match="float32"):
        ImageData("t", 2, (1, 4, 4), "0" * 64, (x.astype(np.float64), y), (x, y), (x, y), "s")
    with pytest.raises(CorruptFileError, match="int64"):
        ImageData("t", 2, (1, 4, 4), "0" * 64, (x, y[:1]), (x, y), (x, y), "s")
    assert issubclass(CorruptFileError, NasBenchKitError)


def test_pickle_roundtrip_stays_checked_and_read_only(digits: ImageData) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(digits))
    assert copy.checksum == digits.checksum and np.array_equal(copy.test[0], digits.test[0])
    assert not copy.train[0].flags.writeable
