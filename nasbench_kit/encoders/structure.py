"""Structural features: op counts on the live input -> output paths.

Every space's cells are read through its operation DAG (``space.op_dag``).
Apart from the ``all`` columns, every feature is read off the *live* paths
(a ``none`` op or a dead end drops out), so ops that cannot influence the
output do not change them. Per cell, for each op of the space:

- ``live``: ops on a live path; ``all``: ops anywhere, dead ones too (they still
  cost compute, so this column matters for latency);
- ``sum``/``max``/``min`` over paths: how often the op occurs along a path;

then the number of paths, whether the cell is connected, longest and mean
path length, and for *parametric* ops (not in ``space.param_free_ops``): sum/max/min/mean
per path, paths with one or more, parameter-free paths and whether one exists.
On NB201 these features (with :class:`PathEncoder`) are the main reason the
default predictors rank well from 50 samples.

>>> from nasbench_kit.encoders import StructureEncoder
>>> enc = StructureEncoder(space="nb201")
>>> X = enc.fit_transform(["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"])
>>> float(dict(zip(enc.feature_names_, X[0]))["cell:n_paths"])
2.0
"""

from __future__ import annotations

import functools

import numpy as np

from nasbench_kit.encoders._base import Encoder
from nasbench_kit.spaces import Architecture, SearchSpace
from nasbench_kit.spaces._dag import CUT_LABEL

_OP_STATS = ("live", "all", "sum", "max", "min")
_CELL_STATS = (
    "n_paths", "connected", "len_max", "len_mean", "param_sum", "param_max", "param_min",
    "param_mean", "n_param_paths", "n_free_paths", "has_free_path",
)  # fmt: skip


class StructureEncoder(Encoder):
    """Isomorphism-aware op/path statistics (see the module docs for the columns)."""

    def _setup(self, archs: list[Architecture]) -> None:
        ops = [op for op in self.space_.op_names if op != CUT_LABEL]
        self.ops_ = ops
        names = []
        for cell in self.space_.cell_names:
            names += [f"{cell}:{op}:{s}" for op in ops for s in _OP_STATS]
            names += [f"{cell}:{s}" for s in _CELL_STATS]
        self.feature_names_ = names
        self.n_features_ = len(names)

    def _encode(self, archs: list[Architecture]) -> np.ndarray:
        ops = tuple(self.ops_)
        if not archs:
            return np.zeros((0, self.n_features_), dtype=np.float32)
        return np.stack([_arch_row(self.space_, a, ops) for a in archs])


@functools.lru_cache(maxsize=1 << 17)
def _arch_row(space: SearchSpace, arch: Architecture, ops: tuple[str, ...]) -> np.ndarray:
    """Features of one architecture (cached; the array is read-only)."""
    col = {op: k for k, op in enumerate(ops)}
    n_ops = len(ops)
    free = [op in space.param_free_ops for op in ops]
    row: list[float] = []
    for _, dag in space.op_dag(arch):
        live = [0.0] * n_ops
        every = [0.0] * n_ops
        for v in dag.op_nodes():
            k = col.get(dag.labels[v])
            if k is not None:
                every[k] += 1
                if dag.live[v]:
                    live[k] += 1
        counts = []
        for path in dag.paths:
            c = [0] * n_ops
            for op in path:
                k = col.get(op)
                if k is not None:
                    c[k] += 1
            counts.append(c)
        if counts:
            per_op = list(zip(*counts))
            sums = [float(sum(x)) for x in per_op]
            maxs = [float(max(x)) for x in per_op]
            mins = [float(min(x)) for x in per_op]
            lengths = [sum(c) for c in counts]
            param = [sum(x for x, f in zip(c, free) if not f) for c in counts]
            n = len(counts)
            tail = [
                n, 1.0, max(lengths), sum(lengths) / n, sum(param), max(param), min(param),
                sum(param) / n, sum(p > 0 for p in param), sum(p == 0 for p in param),
                float(any(p == 0 for p in param)),
            ]  # fmt: skip
        else:
            sums = maxs = mins = [0.0] * n_ops
            tail = [0.0] * len(_CELL_STATS)
        for k in range(n_ops):
            row += [live[k], every[k], sums[k], maxs[k], mins[k]]
        row += tail
    out = np.asarray(row, dtype=np.float32)
    out.flags.writeable = False
    return out
