"""NAS-Bench-Graph's GNN, rebuilt with PyTorch Geometric convolutions.

The network (as counted by the package's ``para`` figures; see below):

1. ``pre_layers`` linear layers ``in_features -> hidden`` (then ``hidden -> hidden``),
   each followed by ReLU and dropout;
2. four computing nodes; node ``i`` applies its op to node ``links[i-1]``'s output
   (node 0 = the pre-processed input). Ops: ``gat`` (``GATConv``, 2 heads of
   ``hidden // 2`` concatenated), ``gcn`` (``GCNConv``), ``gin`` (``GINConv`` over one
   ``Linear``), ``cheb`` (``ChebConv``, K=2), ``sage`` (``SAGEConv``), ``arma``
   (``ARMAConv``, 1 stack x 1 layer), ``graph`` (``GraphConv``, the k-GNN layer),
   ``fc`` (``Linear``), each ``-> hidden`` and followed by the node's
   ``BatchNorm1d(hidden)``, ReLU and dropout; ``skip`` passes its input on. Every
   node owns a BatchNorm (used only when its op is not ``skip``);
3. the outputs of the leaf nodes (nodes no other node reads) are concatenated;
4. ``post_layers`` linear layers (the first reads the concatenation, then
   ``hidden -> hidden``), each with ReLU and dropout, and a linear classifier.

``DATASETS`` holds the feature and class counts of the nine datasets and the
benchmark's per-dataset sizes (``hidden``, ``pre_layers``, ``post_layers``). The
sizes are the ones that reproduce the package's recorded ``para`` for every
architecture (``benchmarks/model_params.py``); ``para`` does not pin down
activations, normalisation placement or dropout, which follow the paper's
description and are marked as such in ``DATASETS``.

>>> import torch
>>> from torch_geometric.data import Data
>>> from nasbench_kit.spaces import get_space
>>> a = get_space("nbgraph").from_string("0,0,1,2|gcn,gat,skip,sage")
>>> net = NBGraphNetwork(a.links, a.ops, in_features=5, num_classes=3, hidden=8)
>>> g = Data(x=torch.randn(4, 5), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]))
>>> tuple(net(g).shape)
(4, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from nasbench_kit.errors import OptionalDependencyError, OutOfDomainError
from nasbench_kit.models._checks import one_of, positive_int, probability
from nasbench_kit.spaces.nbgraph import OP_NAMES


class GraphDataset(NamedTuple):
    """Sizes of one NAS-Bench-Graph dataset and the benchmark's network for it."""

    in_features: int
    num_classes: int
    hidden: int
    pre_layers: int
    post_layers: int
    dropout: float


#: Feature/class counts (PyG / OGB versions of the datasets; ``proteins``: 8
#: aggregated edge features, 112 binary tasks) and the network sizes that give
#: the recorded ``para``. ``dropout`` is not recorded by the package (no effect on
#: ``para``): the values are the paper's hyper-parameter table as we read it.
DATASETS: dict[str, GraphDataset] = {
    "cora": GraphDataset(1433, 7, 256, 0, 1, 0.7),
    "citeseer": GraphDataset(3703, 6, 256, 0, 1, 0.7),
    "pubmed": GraphDataset(500, 3, 128, 0, 0, 0.3),
    "cs": GraphDataset(6805, 15, 128, 1, 0, 0.6),
    "physics": GraphDataset(8415, 5, 256, 1, 0, 0.4),
    "photo": GraphDataset(745, 8, 128, 0, 0, 0.7),
    "computers": GraphDataset(767, 10, 64, 1, 1, 0.1),
    "arxiv": GraphDataset(128, 40, 128, 0, 1, 0.2),
    "proteins": GraphDataset(8, 112, 256, 1, 1, 0.0),
}


def _pyg() -> Any:
    try:
        import torch_geometric.nn as gnn
    except ImportError as err:  # pragma: no cover - torch_geometric is a dependency
        raise OptionalDependencyError(
            "NAS-Bench-Graph models need torch_geometric; `pip install torch-geometric`"
        ) from err
    return gnn


def make_op(name: str, c_in: int, hidden: int) -> nn.Module | None:
    """One NAS-Bench-Graph op ``c_in -> hidden`` (None for ``skip``)."""
    gnn = _pyg()
    if name == "gat":
        return gnn.GATConv(c_in, hidden // 2, heads=2)
    if name == "gcn":
        return gnn.GCNConv(c_in, hidden)
    if name == "gin":
        return gnn.GINConv(nn.Linear(c_in, hidden))
    if name == "cheb":
        return gnn.ChebConv(c_in, hidden, K=2)
    if name == "sage":
        return gnn.SAGEConv(c_in, hidden)
    if name == "arma":
        return gnn.ARMAConv(c_in, hidden)
    if name == "graph":
        return gnn.GraphConv(c_in, hidden)
    if name == "fc":
        return nn.Linear(c_in, hidden)
    if name == "skip":
        return None
    raise ValueError(f"unknown NAS-Bench-Graph op {name!r}; use one of {OP_NAMES}")


class NBGraphNetwork(nn.Module):
    """The NAS-Bench-Graph GNN of one architecture; see the module docstring.

    ``op_factory(name, c_in, hidden)`` replaces :func:`make_op` (e.g. to reuse
    prebuilt op modules when only counting parameters of many networks).
    """

    def __init__(
        self,
        links: Sequence[int],
        ops: Sequence[str],
        *,
        in_features: int,
        num_classes: int,
        hidden: int = 256,
        pre_layers: int = 0,
        post_layers: int = 1,
        dropout: float = 0.5,
        op_factory: Callable[[str, int, int], nn.Module | None] | None = None,
    ) -> None:
        super().__init__()
        in_features = positive_int("in_features", in_features)
        num_classes = positive_int("num_classes", num_classes)
        hidden = positive_int("hidden", hidden, minimum=2)
        if hidden % 2:
            raise OutOfDomainError(
                f"hidden={hidden} must be even (gat splits it over 2 heads); pass e.g. {hidden + 1}"
            )
        pre_layers = positive_int("pre_layers", pre_layers, minimum=0)
        post_layers = positive_int("post_layers", post_layers, minimum=0)
        self.dropout = probability("dropout", dropout)
        self.links = tuple(int(v) for v in links)
        self.op_names = tuple(ops)
        self.pre = nn.ModuleList(
            nn.Linear(in_features if i == 0 else hidden, hidden) for i in range(pre_layers)
        )
        dims = [hidden if pre_layers else in_features]
        self.ops = nn.ModuleList()
        for src, name in zip(self.links, self.op_names):
            op = (op_factory or make_op)(name, dims[src], hidden)
            self.ops.append(op if op is not None else nn.Identity())
            dims.append(dims[src] if op is None else hidden)
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in self.op_names)
        used = set(self.links)
        self.leaves = tuple(i for i in range(1, len(dims)) if i not in used)
        width = sum(dims[i] for i in self.leaves)
        self.post = nn.ModuleList(
            nn.Linear(width if i == 0 else hidden, hidden) for i in range(post_layers)
        )
        self.classifier = nn.Linear(hidden if post_layers else width, num_classes)

    def _act(self, h: torch.Tensor) -> torch.Tensor:
        return F.dropout(F.relu(h), p=self.dropout, training=self.training)

    def forward(self, data: Any) -> torch.Tensor:
        x, edge_index = data.x, data.edge_index
        for layer in self.pre:
            x = self._act(layer(x))
        states = [x]
        for i, (src, name) in enumerate(zip(self.links, self.op_names)):
            h = states[src]
            if name == "skip":
                states.append(h)
                continue
            op = self.ops[i]
            h = op(h) if name == "fc" else op(h, edge_index)
            states.append(self._act(self.norms[i](h)))
        out = torch.cat([states[i] for i in self.leaves], dim=1)
        for layer in self.post:
            out = self._act(layer(out))
        return self.classifier(out)


def build(
    arch: Any,
    notation: Any = None,
    *,
    dataset: str = "cora",
    in_features: int | None = None,
    num_classes: int | None = None,
    hidden: int | None = None,
    pre_layers: int | None = None,
    post_layers: int | None = None,
    dropout: float | None = None,
) -> NBGraphNetwork:
    """The GNN of ``arch`` (an ``NBGraphArch``) sized for ``dataset``; explicit keywords win."""
    base = DATASETS[one_of("dataset", dataset, tuple(DATASETS))]._asdict()
    given = {"in_features": in_features, "num_classes": num_classes, "hidden": hidden,
             "pre_layers": pre_layers, "post_layers": post_layers, "dropout": dropout}
    base.update({k: v for k, v in given.items() if v is not None})
    return NBGraphNetwork(arch.links, arch.ops, **base)


def presets() -> dict[str, dict[str, Any]]:
    """One configuration per NAS-Bench-Graph dataset."""
    return {name: {"config": {"dataset": name}, "input_shape": None,
                   "about": f"NAS-Bench-Graph GNN for {name}: {ds._asdict()}"}
            for name, ds in DATASETS.items()}
