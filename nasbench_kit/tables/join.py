"""``join``: combine two tables of the same space on architecture identity.

Rules
-----
- Rows: inner join on ``arch.hash`` (the space's canonical identity), in the
  row order of ``a``. Both tables must use the same search space.
- Metric names present in both get suffixes (default ``"@<table name>"``),
  e.g. ``test_acc@analognas/cifar10``; other names are kept.
- Fidelities: the joined axis is the union of both tables' fidelities, and
  each metric stays at the fidelities its own table measured it at (NaN
  elsewhere, recorded in ``metadata["extra"]["metric_fidelities"]``): joining
  the 200-epoch NB201 table with the 12-epoch one gives fidelities
  ``(12, 200)``, the 12-epoch accuracies are answered at ``fidelity=12`` and
  asking for them at 200 raises :class:`~nasbench_kit.errors.UnknownFidelityError`
  that says so. *Static* metrics -- ``params``, ``flops``, ``latency``,
  ``latency_*``, the names in ``static=`` and those a table declares in
  ``extra["static_metrics"]`` (a proxy table's scores) -- that do not vary
  with fidelity in their table are repeated at every fidelity.
- Cost: every metric costs its own table's cost metric (recorded in
  ``extra["metric_costs"]``): a 12-epoch accuracy costs its table's 12-epoch
  training time, never the other table's 200-epoch time, and NaN (unknown)
  when its table has no timing. Static metrics cost the joined
  ``cost_metric``: ``a``'s (renamed if it clashed), else ``b``'s.
- Seeds: equal seed axes are kept; otherwise one table must publish only the
  mean over seeds, and its values answer every seed of the other
  (``extra["broadcast_metrics"]`` lists the metrics broadcast on any axis).
  Anything else raises :class:`~nasbench_kit.errors.OutOfDomainError`.

The result is an in-memory :class:`~nasbench_kit.tables.benchmark.Benchmark`.

>>> import numpy as np
>>> from nasbench_kit.tables.benchmark import Benchmark
>>> s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
>>> a = Benchmark.from_arrays(name="t/a", space="nb201", dataset="c10", archs=[s],
...     metrics=("test_acc",), values=np.array([[90.0]]))
>>> b = Benchmark.from_arrays(name="t/b", space="nb201", dataset="c10", archs=[s],
...     metrics=("test_acc", "latency"), values=np.array([[71.0, 3.0]]), fidelities=(12,))
>>> j = join(a, b)
>>> j.metrics, j.fidelities
(('test_acc@t/a', 'test_acc@t/b', 'latency'), (12.0, 200.0))
>>> j.query(s, "test_acc@t/b", fidelity=12).value, j.query(s, "latency").value
(71.0, 3.0)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.tables.benchmark import Benchmark
from nasbench_kit.tables.schema import METRIC_COSTS, METRIC_FIDELITIES, TableData, metric_axes

__all__ = ["STATIC_METRICS", "join"]

#: Metric names (and the ``latency_`` prefix) that do not depend on training length.
STATIC_METRICS = frozenset({"params", "flops", "latency"})


def _is_static(metric: str, extra: frozenset[str]) -> bool:
    return metric in STATIC_METRICS or metric.startswith("latency_") or metric in extra


def _declared_static(bench: Benchmark) -> frozenset[str]:
    """Metrics a table declares static (``extra["static_metrics"]``, a JSON list)."""
    try:
        names = json.loads(bench.metadata["extra"].get("static_metrics", "[]"))
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str)) if isinstance(names, list) else frozenset()


def _seed_axis(a: Benchmark, b: Benchmark) -> tuple[int, ...]:
    if a.seeds == b.seeds or not b.seeds:
        return a.seeds
    if not a.seeds:
        return b.seeds
    raise OutOfDomainError(
        f"cannot join tables whose seeds differ ({list(a.seeds)} vs {list(b.seeds)}) when "
        "neither publishes only the mean over seeds; build both with the same seeds, or join "
        "a mean-only table"
    )


class _Side:
    """One input table, placed on the joined axes."""

    def __init__(self, bench: Benchmark, rows: np.ndarray, names: list[str]) -> None:
        self.bench, self.rows, self.names = bench, rows, names
        per_fid, per_cost = metric_axes(bench.metadata["extra"], bench.metrics, bench.fidelities)
        self.fids = {m: per_fid.get(m, bench.fidelities) for m in bench.metrics}
        cost = bench.cost_metric
        self.costs = {m: per_cost.get(m, cost or "") for m in bench.metrics}
        self.rename = dict(zip(bench.metrics, names))
        self.declared = _declared_static(bench)  # e.g. a proxy table's scores
        self.static: set[str] = set()  # metrics repeated at every fidelity (set by block)

    def block(self, fids: tuple[float, ...], n_seeds: int, static: frozenset[str]) -> tuple:
        """``(values on the joined axes, {name: fidelities}, broadcast names)``."""
        bench = self.bench
        vals = bench.values[self.rows]
        out = np.full((len(self.rows), n_seeds, len(fids), len(self.names)), np.nan, np.float32)
        where = [fids.index(f) for f in bench.fidelities]
        own: dict[str, tuple[float, ...]] = {}
        broadcast: list[str] = []
        for k, (metric, name) in enumerate(zip(bench.metrics, self.names)):
            col = np.broadcast_to(vals[:, :, :, k], (len(self.rows), n_seeds, len(where)))
            if vals.shape[1] != n_seeds:
                broadcast.append(name)
            if _is_static(metric, static | self.declared) and _constant(col):
                self.static.add(metric)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
                    out[..., k] = np.nanmax(col, axis=2)[:, :, None]
                if len(fids) != len(bench.fidelities):
                    broadcast.append(name)
                continue
            out[:, :, where, k] = col
            if self.fids[metric] != fids:
                own[name] = self.fids[metric]
        return out, own, broadcast


def _constant(col: np.ndarray) -> bool:
    """True when every row/seed has one value over fidelities (NaN ignored)."""
    if col.shape[2] <= 1:
        return True
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanmax(col, axis=2) - np.nanmin(col, axis=2)
    return bool(np.all(np.isnan(spread) | (spread == 0)))


def _check_inputs(a: object, b: object, suffixes: object) -> tuple[str, str]:
    if not isinstance(a, Benchmark) or not isinstance(b, Benchmark):
        raise OutOfDomainError(
            f"join needs two Benchmark objects, got {type(a).__name__} and {type(b).__name__}"
        )
    if a.space.name != b.space.name:
        raise OutOfDomainError(
            f"cannot join {a.name!r} (space {a.space.name!r}) with {b.name!r} (space "
            f"{b.space.name!r}); join tables of the same search space"
        )
    if suffixes is None:
        return (f"@{a.name}", f"@{b.name}")
    if (
        not isinstance(suffixes, (tuple, list))
        or len(suffixes) != 2
        or not all(isinstance(x, str) for x in suffixes)
        or suffixes[0] == suffixes[1]
    ):
        raise OutOfDomainError(f"suffixes={suffixes!r} must be two different strings")
    return (suffixes[0], suffixes[1])


def _static_names(static: Iterable[str] | None) -> frozenset[str]:
    if static is None:
        return frozenset()
    if (
        isinstance(static, (str, bytes))
        or not isinstance(static, Iterable)
        or not all(isinstance(m, str) for m in static)
    ):
        raise OutOfDomainError(
            f"static={static!r} must be a list of metric names, e.g. static=['zc_synflow']"
        )
    return frozenset(static)


def join(
    a: Benchmark,
    b: Benchmark,
    suffixes: tuple[str, str] | None = None,
    static: Iterable[str] | None = None,
) -> Benchmark:
    """Inner join of ``a`` and ``b`` on architecture hash (see the module doc for the rules).

    ``static``: extra metric names (as in their own table) that do not depend
    on fidelity and are repeated at every fidelity of the result.
    """
    sfx = _check_inputs(a, b, suffixes)
    static_set = _static_names(static)
    b_rows = {h: i for i, h in enumerate(b.hashes)}
    pairs = [(i, b_rows[h]) for i, h in enumerate(a.hashes) if h in b_rows]
    if not pairs:
        raise OutOfDomainError(
            f"tables {a.name!r} and {b.name!r} have no architecture in common; nothing to join"
        )
    rows_a = np.fromiter((p[0] for p in pairs), dtype=np.intp, count=len(pairs))
    rows_b = np.fromiter((p[1] for p in pairs), dtype=np.intp, count=len(pairs))
    seeds = _seed_axis(a, b)
    fids = tuple(sorted(set(a.fidelities) | set(b.fidelities)))

    clash = set(a.metrics) & set(b.metrics)
    names_a = [m + sfx[0] if m in clash else m for m in a.metrics]
    names_b = [m + sfx[1] if m in clash else m for m in b.metrics]
    metrics = tuple(names_a + names_b)
    if len(set(metrics)) != len(metrics):
        raise OutOfDomainError(
            f"suffixes {sfx!r} produce duplicate metric names {metrics}; pick other suffixes"
        )
    sides = [_Side(a, rows_a, names_a), _Side(b, rows_b, names_b)]
    blocks, own_fids, broadcast = [], {}, []
    for side in sides:
        block, own, bc = side.block(fids, max(1, len(seeds)), static_set)
        blocks.append(block)
        own_fids.update(own)
        broadcast.extend(dict.fromkeys(bc))
    cost = next((s.rename[s.bench.cost_metric] for s in sides if s.bench.cost_metric), None)
    costs = _metric_costs(sides, cost)
    extra = {
        "joined_from": f"{a.name}, {b.name}",
        "broadcast_metrics": ", ".join(broadcast),
        METRIC_FIDELITIES: json.dumps(own_fids) if own_fids else "",
        METRIC_COSTS: json.dumps(costs) if costs else "",
    }
    table = TableData(
        name=f"{a.name}+{b.name}",
        space=a.space.name,
        dataset=a.dataset if a.dataset == b.dataset else f"{a.dataset}+{b.dataset}",
        hashes=[a.hashes[i] for i in rows_a.tolist()],
        notations=[a.notations[i] for i in rows_a.tolist()],
        seeds=tuple(seeds),
        fidelities=fids,
        metrics=metrics,
        units={n: s.bench.units[m] for s in sides for m, n in s.rename.items()},
        values=np.concatenate(blocks, axis=3),
        source=f"join of {a.name} [{a.metadata['source']}] and {b.name} [{b.metadata['source']}]",
        licence=_both(a, b, "licence"),
        citation=_both(a, b, "citation"),
        cost_metric=cost,
        extra={k: v for k, v in extra.items() if v},
    )
    return Benchmark.from_table(table)


def _metric_costs(sides: list[_Side], cost: str | None) -> dict[str, str]:
    """``{joined name: its cost metric or ""}`` where it is not the joined ``cost``."""
    out: dict[str, str] = {}
    if cost is None:
        return out
    for side in sides:
        for metric, name in side.rename.items():
            if metric in side.static:
                continue
            own = side.costs[metric]
            mine = side.rename[own] if own else ""
            if mine != cost:
                out[name] = mine
    return out


def _both(a: Benchmark, b: Benchmark, key: str) -> str:
    parts = [m[key] for m in (a.metadata, b.metadata) if m[key]]
    return " | ".join(dict.fromkeys(parts))
