"""The in-memory form every converter produces and the store writes.

A converter (``tables/convert/*.py``) reads one upstream format and returns a
:class:`TableData`; ``tables/store.py`` writes it to HDF5 atomically; the reader
(``Benchmark``) reads only the HDF5 form. Converters never touch the store's
file layout, readers never parse upstream formats.

Conventions
-----------
- ``values`` is float32, shape ``(n_archs, n_seeds, n_fidelities, n_metrics)``,
  NaN where absent. Static metrics (params, flops, latency) are repeated along
  the seed and fidelity axes.
- ``seeds``: the seed labels of axis 1. An empty tuple means the source only
  published the mean over seeds; axis 1 then has length 1 and holds that mean.
- ``fidelities``: axis-2 labels, in epochs (ascending), e.g. ``(200.0,)`` or
  ``(12.0, 200.0)``.
- ``hashes[i]`` is ``arch.hash`` and ``notations[i]`` is ``space.to_string(arch)``
  for row ``i``; hashes are unique.
- ``cost_metric``: the metric holding the cumulative simulated seconds to train
  an architecture to that fidelity (``None`` when the source has no timing).
- Standard metric names: ``val_acc``, ``test_acc``, ``train_acc`` (%),
  ``val_loss``, ``test_loss``, ``train_loss``, ``train_time`` (s), ``params``
  (millions), ``flops`` (millions), ``latency`` (ms); source-specific metrics
  keep descriptive names. Metrics in seconds or milliseconds (and the cost
  metric) are never negative.
- ``extra`` holds strings. Keys the package reads back:
  ``metric_fidelities`` (JSON ``{metric: [fidelity, ...]}``) for metrics
  measured at only some of ``fidelities`` (a join of a 12-epoch and a
  200-epoch table); querying such a metric elsewhere raises
  ``UnknownFidelityError``. ``metric_costs`` (JSON ``{metric: cost metric or
  ""}``) for metrics whose cost is another metric than ``cost_metric`` (``""``:
  no timing, cost NaN). ``import_*`` keys record how ``import_table`` made the
  table (format, source path, options, file fingerprint, sha256) so that
  ``load(name, force_reload=True)`` can convert it again.

>>> metric_axes({"metric_fidelities": '{"a": [12.0]}'}, ("a", "b"), (12.0, 200.0))
({'a': (12.0,)}, {})
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nasbench_kit.errors import OutOfDomainError

SCHEMA_VERSION = 1

#: ``extra`` key: metrics measured at only some fidelities (JSON ``{metric: [fid, ...]}``).
METRIC_FIDELITIES = "metric_fidelities"
#: ``extra`` key: metrics whose cost is not ``cost_metric`` (JSON ``{metric: cost or ""}``).
METRIC_COSTS = "metric_costs"


@dataclass
class TableData:
    """One benchmark table, ready to be written to the store."""

    name: str
    space: str
    dataset: str
    hashes: list[str]
    notations: list[str]
    seeds: tuple[int, ...]
    fidelities: tuple[float, ...]
    metrics: tuple[str, ...]
    units: dict[str, str]
    values: np.ndarray
    source: str = ""
    licence: str = ""
    citation: str = ""
    source_checksum: str = ""
    cost_metric: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _json_object(extra: Mapping[str, Any], key: str) -> dict[str, Any]:
    raw = extra.get(key)
    if raw in (None, ""):
        return {}
    try:
        obj = json.loads(str(raw))
    except (ValueError, RecursionError):
        obj = None
    if not isinstance(obj, dict):
        raise OutOfDomainError(
            f"extra[{key!r}] = {str(raw)[:80]!r} is not a JSON object; it must map metric names "
            "to values (see nasbench_kit.tables.schema)"
        )
    return obj


def metric_axes(
    extra: Mapping[str, Any], metrics: Sequence[str], fidelities: Sequence[float]
) -> tuple[dict[str, tuple[float, ...]], dict[str, str]]:
    """Per-metric fidelities and cost metrics recorded in ``extra`` (validated).

    Returns ``({metric: fidelities it is measured at}, {metric: its cost
    metric or ""})``; metrics absent from a dict follow the table-wide rule.
    """
    names = set(metrics)
    fids = {float(f) for f in fidelities}
    per_fid: dict[str, tuple[float, ...]] = {}
    for metric, values in _json_object(extra, METRIC_FIDELITIES).items():
        ok = isinstance(values, list) and values and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) in fids
            for v in values
        )
        if metric not in names or not ok:
            raise OutOfDomainError(
                f"extra[{METRIC_FIDELITIES!r}] entry {metric!r}: {values!r} must name a metric of "
                f"the table and a non-empty list of its fidelities {sorted(fids)}"
            )
        per_fid[metric] = tuple(sorted({float(v) for v in values}))
    per_cost: dict[str, str] = {}
    for metric, cost in _json_object(extra, METRIC_COSTS).items():
        if metric not in names or not isinstance(cost, str) or (cost and cost not in names):
            raise OutOfDomainError(
                f"extra[{METRIC_COSTS!r}] entry {metric!r}: {cost!r} must name a metric of the "
                "table and map it to another metric of the table or to \"\""
            )
        per_cost[metric] = cost
    return per_fid, per_cost
