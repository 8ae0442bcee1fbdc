"""Graph encoding: one ``torch_geometric.data.Data`` per architecture.

``transform`` returns a list of graphs built by the space's ``to_graph``
(one-hot node features over ``space.node_feature_names``, ``edge_index``);
:meth:`GraphEncoder.batch` joins a list into one ``Batch`` for a GNN.

>>> from nasbench_kit.encoders import GraphEncoder
>>> enc = GraphEncoder(space="nb201")
>>> graphs = enc.fit_transform(["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
>>> graphs[0].x.shape[1] == enc.n_features_, GraphEncoder.batch(graphs).num_graphs
(True, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.spaces import Architecture


class GraphEncoder(Encoder):
    """Architectures -> list of PyG ``Data`` (node features: ``space.node_feature_names``)."""

    returns_array = False

    def _setup(self, archs: list[Architecture]) -> None:
        self.n_features_ = len(self.space_.node_feature_names)

    def _encode(self, archs: list[Architecture]) -> list[Any]:
        to_graph = self.space_.to_graph
        return [to_graph(a) for a in archs]

    @staticmethod
    def batch(graphs: Sequence[Any]) -> Any:
        """One ``torch_geometric.data.Batch`` holding ``graphs``."""
        from torch_geometric.data import Batch

        return Batch.from_data_list(list(graphs))
