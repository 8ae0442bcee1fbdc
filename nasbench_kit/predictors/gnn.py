"""Graph neural network predictors (torch-geometric): GIN and GCN.

Each architecture becomes its space's op-on-node graph (``GraphEncoder``);
message-passing layers are followed by a sum readout and a small MLP head.
By default training adds a pairwise ranking loss to the MSE
(``loss="mse+pairwise"``), which helps Kendall tau.

>>> from nasbench_kit.predictors import GINPredictor
>>> from nasbench_kit.spaces import get_space
>>> archs = [get_space("nb201").sample(seed=s) for s in range(16)]
>>> y = [a.ops.count("nor_conv_3x3") for a in archs]
>>> GINPredictor(epochs=3, seed=0).fit(archs, y).predict(archs[:2]).shape
(2,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.predictors._base import Predictor, derive_seed
from nasbench_kit.predictors._defaults import graph_encoder
from nasbench_kit.predictors._torch import Standardizer, check_loss, torch_session, train_loop


class _Collator:
    """Fast batching of small graphs with only ``x`` and ``edge_index``.

    Equivalent to ``Batch.from_data_list`` for such graphs, several times faster.
    """

    def __init__(self, graphs: list[Any]):
        self.xs = [g.x for g in graphs]
        self.edges = [g.edge_index for g in graphs]
        self.sizes = [int(g.num_nodes) for g in graphs]

    def __call__(self, idx: list[int]) -> Any:
        import torch
        from torch_geometric.data import Batch

        sizes = [self.sizes[i] for i in idx]
        offsets = [0]
        for n in sizes[:-1]:
            offsets.append(offsets[-1] + n)
        x = torch.cat([self.xs[i] for i in idx])
        edge_index = torch.cat([self.edges[i] + off for i, off in zip(idx, offsets)], dim=1)
        batch = torch.repeat_interleave(torch.arange(len(idx)), torch.tensor(sizes))
        return Batch(x=x, edge_index=edge_index, batch=batch)


def _network(kind: str, n_in: int, hidden: int, layers: int) -> Any:
    import torch
    from torch_geometric.nn import GCNConv, GINConv, global_add_pool

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.convs = torch.nn.ModuleList()
            width = n_in
            for _ in range(layers):
                if kind == "gin":
                    mlp = torch.nn.Sequential(
                        torch.nn.Linear(width, hidden), torch.nn.ReLU(),
                        torch.nn.Linear(hidden, hidden),
                    )  # fmt: skip
                    self.convs.append(GINConv(mlp, train_eps=True))
                else:
                    self.convs.append(GCNConv(width, hidden, add_self_loops=True))
                width = hidden
            self.head = torch.nn.Sequential(
                torch.nn.Linear(hidden * layers, hidden), torch.nn.ReLU(),
                torch.nn.Linear(hidden, 1),
            )  # fmt: skip

        def forward(self, data: Any) -> Any:
            h = data.x
            pooled = []
            for conv in self.convs:
                h = torch.relu(conv(h, data.edge_index))
                pooled.append(global_add_pool(h, data.batch))
            return self.head(torch.cat(pooled, dim=-1)).squeeze(-1)

    return Net()


class _GNNPredictor(Predictor):
    _kind = "gin"

    def __init__(
        self,
        encoder: Encoder | None = None,
        hidden: int = 64,
        layers: int = 3,
        epochs: int = 150,
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 32,
        loss: str = "mse+pairwise",
        seed: int | np.random.Generator | None = None,
    ):
        self.encoder = encoder
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.loss = loss
        self.seed = seed

    def _default_encoder(self) -> Encoder:
        return graph_encoder()

    def _fit_encoded(self, X: Any, y: np.ndarray, rng: np.random.Generator) -> None:
        check_loss(self.loss)
        if self.encoder_.returns_array:
            raise OutOfDomainError(
                f"{type(self).__name__} needs a graph encoder (GraphEncoder), got "
                f"{type(self.encoder_).__name__}"
            )
        collate = _Collator(list(X))
        self.y_scaler_ = Standardizer(y)
        with torch_session(derive_seed(rng)) as gen:
            self.model_ = _network(
                self._kind, int(collate.xs[0].shape[1]), int(self.hidden), int(self.layers)
            )
            self.loss_curve_ = train_loop(
                self.model_, lambda idx: self.model_(collate(idx.tolist())),
                self.y_scaler_.forward(y), epochs=self.epochs, lr=self.lr,
                weight_decay=self.weight_decay, batch_size=self.batch_size, loss=self.loss,
                gen=gen,
            )  # fmt: skip

    def _predict_encoded(self, X: Any) -> np.ndarray:
        import torch

        collate = _Collator(list(X))
        n = len(collate.sizes)
        out = []
        with torch_session(0), torch.no_grad():
            for start in range(0, n, 4096):
                out.append(self.model_(collate(list(range(start, min(n, start + 4096))))).numpy())
        return self.y_scaler_.inverse(np.concatenate(out))


class GINPredictor(_GNNPredictor):
    """Graph Isomorphism Network (``GINConv`` layers, sum readout)."""

    _kind = "gin"


class GCNPredictor(_GNNPredictor):
    """Graph Convolutional Network (``GCNConv`` layers, sum readout)."""

    _kind = "gcn"
