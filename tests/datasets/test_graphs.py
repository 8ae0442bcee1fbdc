"""load_graph: KarateClub, Planetoid raw files (checked against PyG's reader), user Data."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from nasbench_kit.datasets import graph_checksum, load_graph
from nasbench_kit.errors import (
    CorruptFileError,
    MissingDataError,
    OutOfDomainError,
    UnsafeFileError,
)


def _split_sizes(g) -> tuple[int, int, int]:
    return int(g.train_mask.sum()), int(g.val_mask.sum()), int(g.test_mask.sum())


def test_karate_split_seeded_and_stratified() -> None:
    a, b, c = (
        load_graph("karate", seed=0),
        load_graph("karate", seed=0),
        load_graph("karate", seed=1),
    )
    assert a.num_nodes == 34 and _split_sizes(a) == (18, 8, 8)
    assert torch.equal(a.val_mask, b.val_mask) and not torch.equal(a.val_mask, c.val_mask)
    assert graph_checksum(a) == graph_checksum(b) != graph_checksum(c)
    for mask in (a.train_mask, a.val_mask, a.test_mask):
        assert set(a.y[mask].tolist()) == {0, 1, 2, 3}  # every class in every split
    assert not bool((a.train_mask & a.val_mask).any() | (a.val_mask & a.test_mask).any())


def _pyg_reference(folder: Path, name: str):
    from torch_geometric.io import read_planetoid_data

    return read_planetoid_data(str(folder), name)  # plain pickle: only on files we wrote


@pytest.mark.parametrize("py2_names", [False, True])
def test_planetoid_matches_pyg_reader(tmp_path: Path, planetoid, py2_names: bool) -> None:
    folder = planetoid(tmp_path / "raw", py2_names=py2_names)
    ours = load_graph("cora", root=tmp_path)  # found in root/raw
    ref = _pyg_reference(folder, "cora")
    assert _split_sizes(ours) == (140, 500, 1000) and ours.num_nodes == 2708
    for key in ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask"):
        assert torch.equal(getattr(ours, key), getattr(ref, key)), key
    assert ours.x.dtype == torch.float32 and ours.edge_index.dtype == torch.long


def test_citeseer_isolated_test_nodes_match_pyg(tmp_path: Path, planetoid) -> None:
    folder = planetoid(tmp_path / "cs", "citeseer", n_nodes=1300, n_train=60, n_test=300, gaps=7)
    ours = load_graph(folder)  # a folder path with one set of files
    ref = _pyg_reference(folder, "citeseer")
    assert ours.num_nodes == ref.num_nodes == 1300
    for key in ("x", "edge_index", "train_mask", "val_mask", "test_mask"):
        assert torch.equal(getattr(ours, key), getattr(ref, key)), key
    assert torch.equal(ours.y[ours.test_mask], ref.y[ref.test_mask])


def test_planetoid_cache_folder_and_missing(tmp_path: Path, planetoid, monkeypatch) -> None:
    monkeypatch.setenv("NASBENCH_KIT_HOME", str(tmp_path))
    with pytest.raises(MissingDataError) as err:
        load_graph("pubmed")
    msg = str(err.value)
    assert str(tmp_path / "datasets" / "pubmed") in msg and "kimiyoung/planetoid" in msg
    planetoid(
        tmp_path / "datasets" / "pubmed" / "PubMed" / "raw",
        "pubmed",
        n_nodes=800,
        n_train=30,
        n_test=100,
    )
    assert _split_sizes(load_graph("pubmed")) == (30, 500, 100)


class _Marker:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malicious_planetoid_pickle_runs_nothing(tmp_path: Path, planetoid) -> None:
    folder = planetoid(tmp_path / "raw")
    marker = tmp_path / "pwned"
    (folder / "ind.cora.graph").write_bytes(pickle.dumps({0: [_Marker(str(marker))]}, protocol=2))
    with pytest.raises(UnsafeFileError, match="ind.cora.graph"):
        load_graph(folder)
    assert not marker.exists()


@pytest.mark.parametrize("case", ["csr", "rows", "test_index", "truncated", "edges"])
def test_corrupt_planetoid_files(tmp_path: Path, planetoid, case: str) -> None:
    import scipy.sparse as sp

    folder = planetoid(tmp_path / "raw")
    if case == "csr":
        bad = sp.csr_matrix(np.eye(140, 16, dtype=np.float32))
        bad.indptr = bad.indptr.copy()
        bad.indptr[-1] += 5
        (folder / "ind.cora.x").write_bytes(pickle.dumps(bad, protocol=2))
    elif case == "rows":
        (folder / "ind.cora.y").write_bytes(pickle.dumps(np.eye(7, dtype=np.int32)[:3], protocol=2))
    elif case == "test_index":
        (folder / "ind.cora.test.index").write_text("1708\n1708\n")
    elif case == "truncated":
        path = folder / "ind.cora.allx"
        path.write_bytes(path.read_bytes()[:50])
    else:
        (folder / "ind.cora.graph").write_bytes(pickle.dumps({0: [99999]}, protocol=2))
    with pytest.raises(CorruptFileError):
        load_graph(folder)


def _user_data():
    from torch_geometric.data import Data

    n = 6
    data = Data(
        x=torch.randn(n, 3), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]), y=torch.arange(n) % 2
    )
    data.train_mask = torch.tensor([1, 1, 0, 0, 0, 0], dtype=torch.bool)
    data.val_mask = torch.tensor([0, 0, 1, 1, 0, 0], dtype=torch.bool)
    data.test_mask = torch.tensor([0, 0, 0, 0, 1, 1], dtype=torch.bool)
    return data


def test_user_data_is_validated_and_returned() -> None:
    data = _user_data()
    assert load_graph(data) is data
    before = graph_checksum(data)
    data.test_mask = torch.tensor([0, 0, 0, 0, 0, 1], dtype=torch.bool)
    assert graph_checksum(data) != before


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("train_mask", torch.tensor([1, 1, 0, 0, 0, 0]), "bool"),
        ("val_mask", torch.zeros(6, dtype=torch.bool), "no node"),
        ("test_mask", torch.tensor([1, 0, 0, 0, 1, 1], dtype=torch.bool), "disjoint"),
        ("test_mask", torch.ones(5, dtype=torch.bool), "shape"),
        ("edge_index", torch.tensor([[0], [9]]), "outside"),
        ("edge_index", torch.tensor([[0.0], [1.0]]), "long"),
        ("y", torch.zeros(6, 2, dtype=torch.long), "y must"),
        ("x", None, "x must"),
    ],
)
def test_bad_user_data_rejected(field: str, value, match: str) -> None:
    data = _user_data()
    setattr(data, field, value)
    with pytest.raises(OutOfDomainError, match=match):
        load_graph(data)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(OutOfDomainError, match="graph name"):
        load_graph(tmp_path)  # an empty folder
    with pytest.raises(OutOfDomainError, match="Data"):
        load_graph(42)
