"""Graphs for NAS-Bench-Graph live training: PyG ``Data`` with train/val/test masks.

:func:`load_graph` accepts

- ``"karate"``: PyG's bundled KarateClub (34 nodes, 4 classes, no download)
  with a seeded node split, stratified per class: ``round(0.25 * n_c)`` (at
  least 1) of each class to validation, as many to test, the rest to training
  -- 18 / 8 / 8 nodes; PyG's own 4-node ``train_mask`` is replaced;
- ``"cora"`` / ``"citeseer"`` / ``"pubmed"``: the official Planetoid raw files
  (:mod:`nasbench_kit.datasets.planetoid`) found in ``root`` (or its ``raw/``
  or ``<Name>/raw/`` subfolder, PyG's layout) or ``<home>/datasets/<name>/``,
  with the standard split (Cora: 140 / 500 / 1,000);
- a folder path holding one set of ``ind.<name>.*`` files;
- a user's own PyG ``Data`` with ``train_mask`` / ``val_mask`` / ``test_mask``:
  validated (shapes, boolean, non-empty, disjoint) and returned unchanged.

torch and torch_geometric are imported by this module (not by the package).

>>> g = load_graph("karate", seed=0)
>>> int(g.train_mask.sum()), int(g.val_mask.sum()), int(g.test_mask.sum())
(18, 8, 8)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench_kit._rng import as_rng
from nasbench_kit.datasets._split import stratified_split
from nasbench_kit.datasets.planetoid import PLANETOID_NAMES, find_planetoid, read_planetoid
from nasbench_kit.errors import MissingDataError, OutOfDomainError

__all__ = ["GRAPH_NAMES", "graph_checksum", "load_graph", "validate_graph"]

GRAPH_NAMES = ("karate",) + PLANETOID_NAMES
_MASKS = ("train_mask", "val_mask", "test_mask")
_PYG_NAMES = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}


def load_graph(
    data_or_name: Any,
    *,
    seed: int | np.random.Generator = 0,
    root: str | os.PathLike[str] | None = None,
) -> Any:
    """A ``torch_geometric.data.Data`` with boolean train/val/test masks (see module doc).

    ``seed`` chooses the karate split; the Planetoid split is the fixed
    standard one and a user's ``Data`` keeps its own masks.
    """
    if isinstance(data_or_name, str) and data_or_name.strip().lower() in GRAPH_NAMES:
        name = data_or_name.strip().lower()
        if name == "karate":
            return _karate(seed)
        return _to_data(read_planetoid(_planetoid_folder(name, root), name))
    if isinstance(data_or_name, (str, os.PathLike)):
        folder = Path(data_or_name).expanduser()
        prefixes = find_planetoid(folder)
        if len(prefixes) == 1:
            return _to_data(read_planetoid(folder, prefixes[0]))
        raise OutOfDomainError(
            f"{str(data_or_name)!r} is neither a graph name ({', '.join(GRAPH_NAMES)}) nor a "
            f"folder holding one set of Planetoid files ind.<name>.{{x,tx,allx,y,ty,ally,graph,"
            f"test.index}} (found {prefixes or 'none'})"
        )
    if hasattr(data_or_name, "edge_index"):
        return validate_graph(data_or_name)
    raise OutOfDomainError(
        f"load_graph got a {type(data_or_name).__name__}; pass a graph name "
        f"({', '.join(GRAPH_NAMES)}), a Planetoid raw folder, or a torch_geometric Data "
        "with train_mask/val_mask/test_mask"
    )


def _karate(seed: int | np.random.Generator) -> Any:
    from torch_geometric.datasets import KarateClub

    data = KarateClub()[0]
    y = data.y.numpy()
    val, test, train = stratified_split(y, [0.25, 0.25], as_rng(seed))
    out = data.clone()
    for name, idx in zip(_MASKS, (train, val, test)):
        mask = torch.zeros(len(y), dtype=torch.bool)
        mask[torch.from_numpy(idx)] = True
        setattr(out, name, mask)
    return validate_graph(out)


def _planetoid_folder(name: str, root: str | os.PathLike[str] | None) -> Path:
    from nasbench_kit.datasets._catalog import default_dir

    bases = [Path(root).expanduser()] if root is not None else [default_dir(name)]
    looked = [p for b in bases for p in (b, b / "raw", b / _PYG_NAMES[name] / "raw")]
    for folder in looked:
        if name in find_planetoid(folder):
            return folder
    where = "\n".join(f"  - {p}" for p in looked)
    raise MissingDataError(
        f"Planetoid graph {name!r}: the files ind.{name}.{{x,tx,allx,y,ty,ally,graph,test.index}} "
        f"were not found in any of:\n{where}\nTo fix, download the eight files from "
        f"https://github.com/kimiyoung/planetoid/tree/master/data into {bases[0]}, or run "
        f"torch_geometric.datasets.Planetoid(<dir>, '{_PYG_NAMES[name]}') on a machine with "
        f"internet and pass root=<dir>"
    )


def _to_data(arrays: Any) -> Any:
    from torch_geometric.data import Data

    data = Data(
        x=torch.from_numpy(arrays.x),
        edge_index=torch.from_numpy(arrays.edge_index),
        y=torch.from_numpy(arrays.y),
    )
    for name in _MASKS:
        setattr(data, name, torch.from_numpy(getattr(arrays, name)))
    return validate_graph(data)


def validate_graph(data: Any) -> Any:
    """Check a PyG ``Data`` for node classification; return it unchanged or raise."""
    x, edge_index, y = (getattr(data, k, None) for k in ("x", "edge_index", "y"))
    if not (isinstance(x, torch.Tensor) and x.dim() == 2 and x.is_floating_point()):
        raise OutOfDomainError(
            f"graph x must be a 2-D float tensor (nodes x features), got {_desc(x)}"
        )
    n = x.shape[0]
    if not (isinstance(edge_index, torch.Tensor) and edge_index.dim() == 2 and edge_index.shape[0] == 2
            and edge_index.dtype == torch.long):  # fmt: skip
        raise OutOfDomainError(
            f"graph edge_index must be a (2, E) long tensor, got {_desc(edge_index)}"
        )
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= n):
        raise OutOfDomainError(
            f"graph edge_index names nodes {int(edge_index.min())}..{int(edge_index.max())}, "
            f"outside 0..{n - 1} (x has {n} rows)"
        )
    if not (isinstance(y, torch.Tensor) and y.shape == (n,) and not y.is_floating_point()):
        raise OutOfDomainError(f"graph y must be an integer tensor of shape ({n},), got {_desc(y)}")
    masks = []
    for name in _MASKS:
        mask = getattr(data, name, None)
        if not (isinstance(mask, torch.Tensor) and mask.dtype == torch.bool and mask.shape == (n,)):
            raise OutOfDomainError(
                f"graph {name} must be a bool tensor of shape ({n},), got {_desc(mask)}; "
                "build it with torch.zeros(num_nodes, dtype=torch.bool) and set the nodes"
            )
        if not bool(mask.any()):
            raise OutOfDomainError(f"graph {name} selects no node; every split needs at least one")
        masks.append(mask)
    for i in range(3):
        for j in range(i + 1, 3):
            both = int((masks[i] & masks[j]).sum())
            if both:
                raise OutOfDomainError(
                    f"graph {_MASKS[i]} and {_MASKS[j]} share {both} node(s); splits must be disjoint"
                )
    return data


def _desc(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def graph_checksum(data: Any) -> str:
    """SHA-256 of ``x, edge_index, y`` and the three masks (dtype, shape, bytes).

    >>> g = load_graph("karate", seed=0)
    >>> graph_checksum(g) == graph_checksum(load_graph("karate", seed=0))
    True
    """
    digest = hashlib.sha256(b"nasbench_kit.graph/1")
    for name in ("x", "edge_index", "y") + _MASKS:
        value = getattr(data, name, None)
        if value is None:
            digest.update(f"{name}:none;".encode())
            continue
        arr = np.ascontiguousarray(value.detach().cpu().numpy())
        digest.update(f"{name}:{arr.dtype.str}:{arr.shape};".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()
