"""The trajectory frame: one row per query of a search, built by an accumulator.

This module is the one place the columns are defined (:data:`COLUMNS`):

============  =====================================================================
column        meaning
============  =====================================================================
step          query number, 1-based, in order of completion
time          simulated time the query completed (seconds; 0 when the evaluator has no cost)
arch          the architecture's canonical string
value         the (first) metric's value; NaN = failed evaluation / no answer
cost          the query's cost as reported (seconds; NaN when the row lacks timing)
incumbent     best value so far at the target fidelity (several metrics: hypervolume)
regret        optimum - incumbent, oriented so that it is >= 0; NaN when unknown
fidelity      the fidelity (epochs) queried
provenance    ``EvalResult.provenance`` of the answer (``""`` when there was none)
worker        the simulated worker that ran it (0 .. workers-1; always 0 for one worker)
============  =====================================================================

With several metrics there is one more column per metric (named after it).
``run_many`` adds a leading ``seed`` column. ``DataFrame.attrs`` holds
``metric``, ``maximize``, ``fidelity`` (the target), ``optimum``, ``hv_ref``,
``stopped`` (``max_queries`` / ``max_seconds`` / ``exhausted``), ``bench`` and
``workers`` (simulated workers).

>>> t = Trajectory(metrics=("val_acc",), maximize=(True,), target=200.0, optimum=95.0)
>>> from nasbench_kit.spaces import get_space
>>> a = get_space("nb201").from_index(1)
>>> t.record((90.0,), time=10.0, arch=a, cost=10.0, fidelity=200.0, provenance="table:x",
...          worker=0)
>>> t.frame(stopped="max_queries", bench="x")[["step", "incumbent", "regret"]].values.tolist()
[[1.0, 90.0, 5.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_kit.pareto import hypervolume, pareto_mask

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["COLUMNS", "Trajectory"]

#: Trajectory columns, in order (see the module docstring for their meaning).
COLUMNS: tuple[str, ...] = (
    "step", "time", "arch", "value", "cost", "incumbent", "regret", "fidelity", "provenance",
    "worker",
)  # fmt: skip

#: Columns computed from the others when the frame is built.
DERIVED: tuple[str, ...] = ("step", "value", "incumbent", "regret")

#: Columns the search loop passes to :meth:`Trajectory.record` (a new column is
#: one more name in :data:`COLUMNS`, plus the loop passing it).
RECORDED: tuple[str, ...] = tuple(c for c in COLUMNS if c not in DERIVED)


@dataclass
class Trajectory:
    """Collects a search's queries and turns them into the trajectory frame.

    ``optimum`` is NaN when unknown (regret is then NaN); with several metrics
    it is the true front's hypervolume w.r.t. ``hv_ref``.
    """

    metrics: tuple[str, ...]
    maximize: tuple[bool, ...]
    target: float
    optimum: float = math.nan
    hv_ref: tuple[float, ...] | None = None
    _cols: dict[str, list[Any]] = field(init=False, repr=False)
    _values: list[list[float]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._cols = {name: [] for name in RECORDED}
        self._values = [[] for _ in self.metrics]

    def __len__(self) -> int:
        return len(self._cols["time"])

    def record(self, values: Sequence[float], **fields: Any) -> None:
        """Add one query: ``values`` (one per metric) and every :data:`RECORDED` field."""
        if len(fields) != len(RECORDED) or len(values) != len(self._values):
            raise self._misuse(values, fields)
        try:
            for name, col in self._cols.items():
                col.append(fields[name])
        except KeyError:
            raise self._misuse(values, fields) from None
        for col, v in zip(self._values, values):
            col.append(v)

    def _misuse(self, values: Sequence[float], fields: dict[str, Any]) -> TypeError:
        return TypeError(  # a programming error in the loop, not user input
            f"record() needs {len(self.metrics)} values and fields {RECORDED}, "
            f"got {len(values)} values and {sorted(fields)}"
        )

    def frame(self, *, stopped: str, bench: str, workers: int = 1) -> pd.DataFrame:
        """The trajectory as a DataFrame (:data:`COLUMNS`, attrs as documented)."""
        import pandas as pd

        n = len(self)
        vals = [np.asarray(v, dtype=float) for v in self._values]
        fid = _column("fidelity", self._cols["fidelity"])
        at_target = fid == self.target
        if len(self.metrics) == 1:
            inc = _best_so_far(vals[0], at_target, self.maximize[0])
            regret = (self.optimum - inc) if self.maximize[0] else (inc - self.optimum)
        else:
            inc = _hypervolume_so_far(np.column_stack(vals), at_target, self.maximize, self.hv_ref)
            regret = self.optimum - inc
        derived = {"step": np.arange(1, n + 1), "value": vals[0], "incumbent": inc,
                   "regret": regret}  # fmt: skip
        data = {c: derived[c] if c in derived else _column(c, self._cols[c]) for c in COLUMNS}
        if len(self.metrics) > 1:
            data.update(zip(self.metrics, vals))
        df = pd.DataFrame(data)
        df.attrs.update(
            metric=list(self.metrics), maximize=list(self.maximize), fidelity=self.target,
            optimum=self.optimum, stopped=stopped, bench=bench, workers=workers,
            hv_ref=None if self.hv_ref is None else list(self.hv_ref),
        )  # fmt: skip
        return df


def _column(name: str, items: list[Any]) -> Any:
    """A recorded column as frame data (canonical strings for ``arch``)."""
    if name == "arch":
        return [a.to_string() for a in items]
    if name == "provenance":
        return list(items)
    if name == "worker":
        return np.asarray(items, dtype=np.int64)
    return np.asarray(items, dtype=float if name in ("time", "cost", "fidelity") else None)


def _best_so_far(values: np.ndarray, at_target: np.ndarray, maximize: bool) -> np.ndarray:
    """Running best of ``values`` over target-fidelity rows; NaN before the first."""
    if not len(values):
        return values.copy()
    oriented = np.where(at_target & ~np.isnan(values), values if maximize else -values, -np.inf)
    best = np.maximum.accumulate(oriented)
    return np.where(np.isinf(best), np.nan, best if maximize else -best)


def _hypervolume_so_far(
    points: np.ndarray,
    at_target: np.ndarray,
    maximize: tuple[bool, ...],
    ref: tuple[float, ...] | None,
) -> np.ndarray:
    """Hypervolume of the front found so far (NaN throughout when ``ref`` is unknown)."""
    out = np.full(len(points), np.nan)
    if ref is None:
        return out
    front = np.zeros((0, points.shape[1]))
    for i, p in enumerate(points):
        if at_target[i] and not np.isnan(p).any():
            front = np.vstack([front, p])
            front = front[pareto_mask(front, maximize)]
        out[i] = hypervolume(front, ref, maximize) if len(front) else 0.0
    return out
