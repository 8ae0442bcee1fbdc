"""Writers of small files in each dataset's exact on-disk format (fixtures)."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

IDX_NAMES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array (magic 0,0,0x08,ndim; big-endian sizes)."""
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + np.ascontiguousarray(array, np.uint8).tobytes()


def fake_mnist_arrays(n_train: int = 60, n_test: int = 12, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        ("train", "images"): rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        ("train", "labels"): (np.arange(n_train) % 10).astype(np.uint8),
        ("test", "images"): rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        ("test", "labels"): (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_idx_folder(folder: Path, arrays: dict, gz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        raw = idx_bytes(array)
        name = IDX_NAMES[key]
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


def cifar_batch(n: int, num_classes: int, seed: int, label_key: bytes) -> dict:
    """A dict shaped like an official CIFAR python batch (bytes keys)."""
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"testing batch 1 of 1",
        label_key: [int(v) for v in np.arange(n) % num_classes],
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    if label_key == b"fine_labels":
        batch[b"coarse_labels"] = [int(v) % 20 for v in batch[label_key]]
    return batch


def write_cifar10(folder: Path, per_batch: int = 20, n_test: int = 20) -> Path:
    """``cifar-10-batches-py`` with 5 train batches, a test batch and batches.meta (protocol 2)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        batch = cifar_batch(per_batch, 10, i, b"labels")
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "test_batch").write_bytes(
        pickle.dumps(cifar_batch(n_test, 10, 9, b"labels"), protocol=2)
    )
    meta = {
        b"label_names": [f"class{i}".encode() for i in range(10)],
        b"num_cases_per_batch": per_batch,
        b"num_vis": 3072,
    }
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def write_cifar100(folder: Path, n_train: int = 200, n_test: int = 100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train").write_bytes(
        pickle.dumps(cifar_batch(n_train, 100, 1, b"fine_labels"), protocol=2)
    )
    (folder / "test").write_bytes(
        pickle.dumps(cifar_batch(n_test, 100, 2, b"fine_labels"), protocol=2)
    )
    meta = {
        b"fine_label_names": [f"f{i}".encode() for i in range(100)],
        b"coarse_label_names": [f"c{i}".encode() for i in range(20)],
    }
    (folder / "meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def tar_folder(
    src: Path, top: str, target: Path, extra: list[tarfile.TarInfo] | None = None
) -> Path:
    """A tar.gz holding ``src``'s files under ``top/`` (plus ``extra`` members)."""
    with tarfile.open(target, "w:gz") as tf:
        tf.add(src, arcname=top)
        for info in extra or []:
            data = b"x" * info.size if info.isfile() else None
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return target


@pytest.fixture()
def mnist_dir(tmp_path: Path) -> Path:
    return write_idx_folder(tmp_path / "mnist", fake_mnist_arrays())


@pytest.fixture()
def fmt():
    """The writers above, for tests (conftest modules are not importable by name)."""
    import types

    return types.SimpleNamespace(
        idx_bytes=idx_bytes, fake_mnist_arrays=fake_mnist_arrays, write_idx_folder=write_idx_folder,
        cifar_batch=cifar_batch, write_cifar10=write_cifar10, write_cifar100=write_cifar100,
        tar_folder=tar_folder, IDX_NAMES=IDX_NAMES, py2_pickle=py2_pickle,
    )  # fmt: skip


def write_planetoid(
    folder: Path,
    name: str = "cora",
    *,
    n_nodes: int = 2708,
    n_train: int = 140,
    n_test: int = 1000,
    gaps: int = 0,
    py2_names: bool = False,
    seed: int = 0,
) -> Path:
    """``ind.<name>.*`` in the official Planetoid format (csr pickles, one-hot arrays,
    a defaultdict adjacency, a text test.index). ``gaps`` test ids are skipped
    (CiteSeer's isolated nodes); ``py2_names`` writes scipy's old module name."""
    import collections

    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n_feat, n_cls = 16, 7
    n_all = n_nodes - n_test - gaps
    feats = (rng.random((n_all + n_test, n_feat)) < 0.2).astype(np.float32)
    onehot = np.eye(n_cls, dtype=np.int32)[rng.integers(0, n_cls, n_all + n_test)]
    span = np.arange(n_all, n_nodes)
    inner = rng.choice(span[1:-1], n_test - 2, replace=False)  # both ends kept: N = n_nodes
    test_ids = rng.permutation(np.concatenate([span[:1], inner, span[-1:]]))
    graph = collections.defaultdict(list)
    for a, b in rng.integers(0, n_nodes, (3 * n_nodes, 2)):
        graph[int(a)].append(int(b))
        graph[int(b)].append(int(a))
    graph[0].append(0)  # a self-loop and a duplicate, as in the real files
    graph[1].extend([2, 2])
    parts = {
        "x": sp.csr_matrix(feats[:n_train]), "y": onehot[:n_train],
        "allx": sp.csr_matrix(feats[:n_all]), "ally": onehot[:n_all],
        "tx": sp.csr_matrix(feats[n_all:]), "ty": onehot[n_all:], "graph": graph,
    }  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    for key, obj in parts.items():
        blob = pickle.dumps(obj, protocol=2)
        if py2_names:
            blob = blob.replace(b"scipy.sparse._csr\n", b"scipy.sparse.csr\n")
        (folder / f"ind.{name}.{key}").write_bytes(blob)
    (folder / f"ind.{name}.test.index").write_text("\n".join(map(str, test_ids)) + "\n")
    return folder


@pytest.fixture()
def planetoid():
    return write_planetoid


def py2_pickle(obj) -> bytes:
    """Protocol-2 bytes as Python 2's cPickle writes them (str = BINSTRING, numpy via
    ``numpy.core.multiarray._reconstruct``): dicts, bytes, ints, lists, uint8 arrays."""
    out = bytearray(b"\x80\x02")

    def s(data: bytes) -> bytes:
        return (
            b"U" + bytes([len(data)]) if len(data) < 256 else b"T" + struct.pack("<i", len(data))
        ) + data

    def emit(o) -> None:
        if isinstance(o, dict):
            out.extend(b"}(")
            for k, v in o.items():
                emit(k)
                emit(v)
            out.extend(b"u")
        elif isinstance(o, bytes):
            out.extend(s(o))
        elif isinstance(o, (int, np.integer)):
            out.extend(b"J" + struct.pack("<i", int(o)))
        elif isinstance(o, list):
            out.extend(b"](")
            for v in o:
                emit(v)
            out.extend(b"e")
        elif isinstance(o, np.ndarray) and o.dtype == np.uint8:
            out.extend(
                b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
                + s(b"b")
                + b"\x87R"
            )
            out.extend(b"(J\x01\x00\x00\x00(")
            for d in o.shape:
                out.extend(b"J" + struct.pack("<i", d))
            out.extend(b"tcnumpy\ndtype\n" + s(b"u1") + b"K\x00K\x01\x87R")
            out.extend(b"(K\x03" + s(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
            out.extend(b"\x89" + s(np.ascontiguousarray(o).tobytes()) + b"tb")
        else:
            raise TypeError(type(o))

    emit(obj)
    return bytes(out + b".")
