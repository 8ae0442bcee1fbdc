"""MNIST / Fashion-MNIST IDX readers on small files in the exact format, and the real files."""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

from nasbench_kit.datasets import ImageData, load_dataset
from nasbench_kit.datasets._catalog import DEBIAN_FASHION_MNIST
from nasbench_kit.errors import CorruptFileError, MissingDataError


def _pixels(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.rint((x * std + mean) * 255).astype(np.int64)


def test_reads_gz_and_plain_identically(tmp_path: Path, fmt) -> None:
    arrays = fmt.fake_mnist_arrays()
    gz = load_dataset("mnist", root=fmt.write_idx_folder(tmp_path / "gz", arrays, gz=True))
    plain = load_dataset("mnist", root=fmt.write_idx_folder(tmp_path / "raw", arrays, gz=False))
    assert gz.checksum == plain.checksum  # hashes the decompressed IDX bytes
    assert np.array_equal(gz.train[0], plain.train[0])
    assert gz.sizes == {"train": 50, "val": 10, "test": 12}  # val = N / 6 by default
    assert gz.input_shape == (1, 28, 28) and gz.train[0].shape == (50, 1, 28, 28)


def test_values_and_split_partition(mnist_dir: Path, fmt) -> None:
    arrays = fmt.fake_mnist_arrays()
    d = load_dataset("mnist", root=mnist_dir, seed=3)
    assert np.array_equal(_pixels(d.test[0][:, 0], 0.1307, 0.3081), arrays[("test", "images")])
    assert np.array_equal(d.test[1], arrays[("test", "labels")])
    # train + val are the training file, each image once (rows are unique random images)
    both = np.concatenate(
        [_pixels(d.train[0][:, 0], 0.1307, 0.3081), _pixels(d.val[0][:, 0], 0.1307, 0.3081)]
    )
    want = arrays[("train", "images")]
    assert sorted(map(bytes, both.astype(np.uint8))) == sorted(map(bytes, want))


def test_split_determinism_and_val_fraction(mnist_dir: Path) -> None:
    a, b = (
        load_dataset("mnist", root=mnist_dir, seed=1),
        load_dataset("mnist", root=mnist_dir, seed=1),
    )
    c = load_dataset("mnist", root=mnist_dir, seed=2)
    assert a.checksum == b.checksum != c.checksum
    assert np.array_equal(a.val[0], b.val[0]) and not np.array_equal(a.val[0], c.val[0])
    d = load_dataset("mnist", root=mnist_dir, seed=1, val_fraction=0.5)
    assert d.sizes == {"train": 30, "val": 30, "test": 12} and d.checksum != a.checksum
    zero = load_dataset("mnist", root=mnist_dir, val_fraction=0.0)
    assert zero.sizes["val"] == 0 and zero.val[0].shape == (0, 1, 28, 28)


def test_fashion_reads_same_format(tmp_path: Path, fmt) -> None:
    folder = fmt.write_idx_folder(tmp_path / "f", fmt.fake_mnist_arrays())
    f = load_dataset("fashion-mnist", root=folder)
    m = load_dataset("mnist", root=folder)
    assert f.name == "fashion-mnist" and f.checksum != m.checksum  # name + constants in the spec
    assert not np.array_equal(f.train[0], m.train[0])  # different normalisation constants


def test_cache_folder_is_searched(tmp_path: Path, fmt, monkeypatch) -> None:
    monkeypatch.setenv("NASBENCH_KIT_HOME", str(tmp_path))
    with pytest.raises(MissingDataError) as err:
        load_dataset("mnist")
    msg = str(err.value)
    assert str(tmp_path / "datasets" / "mnist") in msg and "download_dataset('mnist')" in msg
    fmt.write_idx_folder(tmp_path / "datasets" / "mnist", fmt.fake_mnist_arrays())
    assert load_dataset("mnist").sizes["test"] == 12


def test_missing_fashion_names_apt_and_every_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError) as err:
        load_dataset("fashion-mnist", root=tmp_path / "nothing")
    msg = str(err.value)
    assert "apt-get install -y dataset-fashion-mnist" in msg and str(tmp_path / "nothing") in msg
    assert "train-images-idx3-ubyte" in msg and isinstance(err.value, FileNotFoundError)


def _corrupt(folder: Path, name: str, data: bytes) -> Path:
    path = folder / f"{name}.gz"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "case",
    ["truncated_gz", "truncated_payload", "extra_bytes", "wrong_magic", "count_mismatch",
     "label_range", "wrong_size", "not_gzip_garbage"],
)  # fmt: skip
def test_corrupt_inputs_raise_naming_the_file(mnist_dir: Path, fmt, case: str) -> None:
    arrays = fmt.fake_mnist_arrays()
    img, lab = fmt.IDX_NAMES[("train", "images")], fmt.IDX_NAMES[("train", "labels")]
    good_img = fmt.idx_bytes(arrays[("train", "images")])
    good_lab = fmt.idx_bytes(arrays[("train", "labels")])
    target, data = {
        "truncated_gz": (img, gzip.compress(good_img)[:-200]),
        "truncated_payload": (img, gzip.compress(good_img[:-5])),
        "extra_bytes": (lab, gzip.compress(good_lab + b"\x00")),
        "wrong_magic": (img, gzip.compress(good_lab)),  # a label file in the image slot
        "count_mismatch": (lab, gzip.compress(fmt.idx_bytes(arrays[("train", "labels")][:-1]))),
        "label_range": (lab, gzip.compress(fmt.idx_bytes(np.full(60, 11, np.uint8)))),
        "wrong_size": (img, gzip.compress(fmt.idx_bytes(np.zeros((60, 8, 8), np.uint8)))),
        "not_gzip_garbage": (img, b"\x00\x01garbage"),
    }[case]
    path = _corrupt(mnist_dir, target, data)
    with pytest.raises(CorruptFileError) as err:
        load_dataset("mnist", root=mnist_dir)
    assert str(mnist_dir) in str(err.value)
    if case != "count_mismatch":  # names both files
        assert str(path) in str(err.value)


# --- the real Fashion-MNIST (Debian package dataset-fashion-mnist) -----------------------------

#: SHA-256 of the decompressed IDX files, computed from the Debian package's copies.
DEBIAN_IDX_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


@pytest.fixture(scope="module")
def fashion() -> ImageData:
    if not all((DEBIAN_FASHION_MNIST / f"{n}.gz").is_file() for n in DEBIAN_IDX_SHA256):
        pytest.skip(
            "dataset-fashion-mnist not installed (apt-get install -y dataset-fashion-mnist)"
        )
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as home:
        mp.setenv("NASBENCH_KIT_HOME", home)  # an empty cache: the Debian folder is found next
        return load_dataset("fashion-mnist", seed=0)


def test_real_fashion_mnist(fashion: ImageData) -> None:
    assert fashion.sizes == {"train": 50000, "val": 10000, "test": 10000}
    assert fashion.input_shape == (1, 28, 28) and fashion.num_classes == 10
    assert np.bincount(fashion.test[1]).tolist() == [1000] * 10
    counts = np.bincount(fashion.train[1]) + np.bincount(fashion.val[1])
    assert counts.tolist() == [6000] * 10
    x = fashion.train[0]
    assert (
        abs(float(x.mean())) < 0.01 and abs(float(x.std()) - 1.0) < 0.01
    )  # the documented constants


def test_real_fashion_mnist_contents_are_the_known_files() -> None:
    for name, sha in DEBIAN_IDX_SHA256.items():
        path = DEBIAN_FASHION_MNIST / f"{name}.gz"
        if not path.is_file():
            pytest.skip(
                "dataset-fashion-mnist not installed (apt-get install -y dataset-fashion-mnist)"
            )
        assert hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() == sha, name


def test_real_fashion_mnist_found_in_the_debian_folder(fashion: ImageData) -> None:
    assert str(DEBIAN_FASHION_MNIST) in fashion.source
    assert json.loads(fashion.split_spec)["seed"] == 0
