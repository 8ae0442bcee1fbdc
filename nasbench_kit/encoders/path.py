"""Path encoding (BANANAS): which op sequences occur on input -> output paths.

A feature is one op sequence along a live path from a cell input to the cell
output of the space's operation DAG (``space.op_dag``) (DARTS paths also name their input, ``c_{k-2}`` or ``c_{k-1}``, and
their cell); its value is 1.0 when the architecture has such a path. Paths
through a ``none`` op carry no data and are left out.

The full BANANAS vocabulary grows exponentially with path length (7,380
columns on NAS-Bench-Graph, 11,200 on DARTS), yet a column that never occurs in
the training architectures cannot be used by any model. So ``fit`` keeps the
paths that occur in the archs it sees, ordered as BANANAS truncates them
(shortest first, then by op order); ``truncate=k`` keeps the first ``k``
(the truncated path encoding). Unseen paths at ``transform`` are ignored.

>>> from nasbench_kit.encoders import PathEncoder
>>> enc = PathEncoder(space="nb201").fit(
...     ["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"])
>>> enc.paths_
[('cell', ('skip_connect',)), ('cell', ('nor_conv_3x3', 'nor_conv_3x3'))]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.spaces import Architecture, SearchSpace

PathKey = tuple[str, tuple[str, ...]]


class PathEncoder(Encoder):
    """Binary path encoding; ``truncate=k`` keeps the ``k`` shortest/first paths."""

    def __init__(self, truncate: int | None = None, space: str | SearchSpace | None = None):
        self.truncate = truncate
        self.space = space

    def _setup(self, archs: list[Architecture]) -> None:
        t = self.truncate
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1):
            raise OutOfDomainError(
                f"truncate={t!r} must be a positive int (paths to keep) or None for all paths"
            )
        rank = {op: k for k, op in enumerate(self.space_.op_names)}
        seen: set[PathKey] = set()
        for a in archs:
            for cell, dag in self.space_.op_dag(a):
                seen.update((cell, p) for p in dag.paths)

        def order(key: PathKey) -> tuple[Any, ...]:
            cell, path = key
            return (len(path), cell, [rank.get(op, -1) for op in path], path)

        paths = sorted(seen, key=order)
        if t is not None:
            paths = paths[: int(t)]
        self.paths_ = paths
        self.n_features_ = len(paths)

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        index = {p: k for k, p in enumerate(self.paths_)}
        out = np.zeros((len(archs), len(index)), dtype=np.float32)
        op_dag = self.space_.op_dag
        for r, a in enumerate(archs):
            for cell, dag in op_dag(a):
                for p in dag.paths:
                    k = index.get((cell, p))
                    if k is not None:
                        out[r, k] = 1.0
        return out
