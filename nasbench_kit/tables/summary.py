"""Summaries of a table: frames, best rows, optimum and Pareto front.

:class:`TableSummaries` is the part of :class:`~nasbench_kit.tables.Benchmark`
that looks at whole columns instead of single rows. A table is the whole truth
only for the architectures it holds: :meth:`~TableSummaries.optimum` and
:meth:`~TableSummaries.pareto_front` are over its rows, which is the true
optimum of the space when the table covers it (NB201 tables hold all 15,625
cells).

>>> import numpy as np
>>> from nasbench_kit.tables import Benchmark
>>> b = Benchmark.from_arrays(name="demo/s", space="nb201", dataset="toy", archs=[0, 1, 2],
...     metrics=("acc", "lat"), values=np.array([[90.0, 5.0], [91.0, 9.0], [89.0, 9.5]]))
>>> b.optimum("acc"), b.optimum("lat", maximize=False)
(91.0, 5.0)
>>> b.pareto_front(["acc", "lat"], [True, False]).tolist()
[[91.0, 9.0], [90.0, 5.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError, UnknownMetricError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from nasbench_kit.spaces import Architecture, SearchSpace

__all__ = ["TableSummaries"]


class TableSummaries:
    """Column-wide views of a table (mixed into ``Benchmark``)."""

    _name: str
    _metrics: tuple[str, ...]
    _hashes: tuple[str, ...]
    _notations: tuple[str, ...]
    _space: SearchSpace

    def _column(self, metric: Any, fidelity: Any, seed: Any, strict: bool = True) -> Any:
        raise NotImplementedError  # provided by Benchmark

    def to_frame(
        self,
        metric: str | Sequence[str] | None = None,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """pandas DataFrame, index ``hash`` (row order), one column per metric.

        ``metric=None`` gives every metric; one not measured at ``fidelity``
        (joined tables) is a column of NaN.
        """
        import pandas as pd

        if metric is None:
            data = {m: self._column(m, fidelity, seed, strict=False).array for m in self._metrics}
        else:
            many = isinstance(metric, (list, tuple))
            names = list(metric) if many else [metric]  # type: ignore[list-item]
            data = {m: self._column(m, fidelity, seed).array for m in names}
        return pd.DataFrame(data, index=pd.Index(self._hashes, name="hash"))

    def _values_for(self, metric: str, fidelity: Any) -> np.ndarray:
        return self._column(metric, fidelity, None).array

    def best(
        self,
        metric: str,
        maximize: bool = True,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> tuple[Architecture, float]:
        """``(arch, value)`` of the best row for ``metric`` (NaN rows ignored)."""
        array = self._column(metric, fidelity, seed).array
        if np.isnan(array).all():
            raise UnknownMetricError(
                f"metric {metric!r} of table {self._name!r} is NaN for every row at "
                f"fidelity={fidelity!r}, seed={seed!r}; pick another metric or fidelity"
            )
        row = int(np.nanargmax(array) if _flag(maximize) else np.nanargmin(array))
        return self._space.from_string(self._notations[row]), float(array[row])

    def optimum(
        self, metric: str, maximize: bool = True, fidelity: float | None = None
    ) -> float | None:
        """Best value of ``metric`` over the table's rows (seed mean); None if all NaN.

        A table knows only the architectures it holds: this is the optimum of
        the space when the table covers it (NB201: all 15,625 cells), else
        the best of the rows held.
        """
        array = self._values_for(metric, fidelity)
        if np.isnan(array).all():
            return None
        return float(np.nanmax(array) if _flag(maximize) else np.nanmin(array))

    def pareto_front(
        self, metrics: Sequence[str], maximize: Sequence[bool] | bool, fidelity: float | None = None
    ) -> np.ndarray:
        """The non-dominated ``(value, ...)`` points of ``metrics`` over the rows.

        ``maximize``: one flag per metric (or one for all). Returns a float
        array ``(n_front, len(metrics))`` of distinct points sorted by the
        first metric, best first; rows with a NaN are ignored.
        """
        from nasbench_kit.pareto import pareto_mask

        if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
            raise OutOfDomainError(
                f"metrics={metrics!r} must be a non-empty list of metric names, e.g. "
                "['val_acc', 'latency']"
            )
        flags = [_flag(maximize)] * len(metrics) if not isinstance(maximize, Sequence) else [
            _flag(x) for x in maximize]  # fmt: skip
        if len(flags) != len(metrics):
            raise OutOfDomainError(
                f"maximize={maximize!r} has {len(flags)} flags for {len(metrics)} metrics; "
                "pass one True/False per metric"
            )
        points = np.stack([self._values_for(m, fidelity) for m in metrics], axis=1)
        front = np.unique(points[pareto_mask(points, flags)], axis=0)
        order = np.argsort(-front[:, 0] if flags[0] else front[:, 0], kind="stable")
        return front[order]


def _flag(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise OutOfDomainError(f"maximize={value!r} must be True or False")
