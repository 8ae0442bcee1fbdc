"""``join``: combine two tables of the same space on architecture identity.

Rules
-----
- Rows: inner join on ``arch.hash`` (the space's canonical identity), in the
  row order of ``a``. Both tables must use the same search space.
- Metric names present in both get suffixes (default ``"@<table name>"``),
  e.g. ``test_acc@analognas/cifar10``; other names are kept.
- Axes: for fidelities and for seeds separately, equal axes are kept. If they
  differ, one side must be *static* on that axis -- a single fidelity, or no
  seed labels (mean only) -- and its values are repeated along the other
  table's axis. So joining a per-epoch table with a single-fidelity table of
  params/latency gives the static metrics at every fidelity. Which metrics were
  broadcast is recorded in ``metadata["extra"]["broadcast_metrics"]``.
  Anything else raises :class:`~nasbench_kit.errors.OutOfDomainError`.
- ``cost_metric`` is ``a``'s (renamed if it clashed), else ``b``'s.

The result is an in-memory :class:`~nasbench_kit.tables.benchmark.Benchmark`.

>>> import numpy as np
>>> from nasbench_kit.tables.benchmark import Benchmark
>>> s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
>>> a = Benchmark.from_arrays(name="t/a", space="nb201", dataset="c10", archs=[s],
...     metrics=("test_acc",), values=np.array([[90.0]]))
>>> b = Benchmark.from_arrays(name="t/b", space="nb201", dataset="c10", archs=[s],
...     metrics=("test_acc", "latency"), values=np.array([[91.0, 3.0]]))
>>> join(a, b).metrics
('test_acc@t/a', 'test_acc@t/b', 'latency')
"""

from __future__ import annotations

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.tables.benchmark import Benchmark
from nasbench_kit.tables.schema import TableData

__all__ = ["join"]


def _align(label: str, ax_a: tuple, ax_b: tuple, static_a: bool, static_b: bool) -> tuple:
    if ax_a == ax_b:
        return ax_a
    if static_b:
        return ax_a
    if static_a:
        return ax_b
    raise OutOfDomainError(
        f"cannot join tables whose {label} differ ({list(ax_a)} vs {list(ax_b)}) when neither "
        f"is static on that axis; select matching {label} first or join a table with a single "
        f"{'fidelity' if label == 'fidelities' else 'mean over seeds'}"
    )


def join(a: Benchmark, b: Benchmark, suffixes: tuple[str, str] | None = None) -> Benchmark:
    """Inner join of ``a`` and ``b`` on architecture hash (see module doc for the rules)."""
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
        suffixes = (f"@{a.name}", f"@{b.name}")
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise OutOfDomainError(f"suffixes={suffixes!r} must be two different strings")

    b_rows = {h: i for i, h in enumerate(b.hashes)}
    pairs = [(i, b_rows[h]) for i, h in enumerate(a.hashes) if h in b_rows]
    if not pairs:
        raise OutOfDomainError(
            f"tables {a.name!r} and {b.name!r} have no architecture in common; nothing to join"
        )
    rows_a = np.fromiter((p[0] for p in pairs), dtype=np.intp, count=len(pairs))
    rows_b = np.fromiter((p[1] for p in pairs), dtype=np.intp, count=len(pairs))

    fids = _align("fidelities", a.fidelities, b.fidelities,
                  len(a.fidelities) == 1, len(b.fidelities) == 1)  # fmt: skip
    seeds = _align("seeds", a.seeds, b.seeds, not a.seeds, not b.seeds)
    shape = (len(pairs), max(1, len(seeds)), len(fids))

    clash = set(a.metrics) & set(b.metrics)
    names_a = [m + suffixes[0] if m in clash else m for m in a.metrics]
    names_b = [m + suffixes[1] if m in clash else m for m in b.metrics]
    metrics = tuple(names_a + names_b)
    if len(set(metrics)) != len(metrics):
        raise OutOfDomainError(
            f"suffixes {suffixes!r} produce duplicate metric names {metrics}; pick other suffixes"
        )

    broadcast: list[str] = []
    blocks = []
    for bench, rows, names in ((a, rows_a, names_a), (b, rows_b, names_b)):
        vals = bench.values[rows]
        if vals.shape[1:3] != shape[1:]:
            broadcast.extend(names)
        blocks.append(np.broadcast_to(vals, (*shape, vals.shape[3])))
    values = np.concatenate(blocks, axis=3).astype(np.float32)

    units = {n: a.units[m] for n, m in zip(names_a, a.metrics)}
    units.update({n: b.units[m] for n, m in zip(names_b, b.metrics)})
    cost = None
    for bench, names in ((a, names_a), (b, names_b)):
        if cost is None and bench.cost_metric is not None:
            cost = names[bench.metrics.index(bench.cost_metric)]
    meta_a, meta_b = a.metadata, b.metadata

    def both(key: str) -> str:
        parts = [m[key] for m in (meta_a, meta_b) if m[key]]
        return " | ".join(dict.fromkeys(parts))

    table = TableData(
        name=f"{a.name}+{b.name}",
        space=a.space.name,
        dataset=a.dataset if a.dataset == b.dataset else f"{a.dataset}+{b.dataset}",
        hashes=[a.hashes[i] for i in rows_a.tolist()],
        notations=[a.notations[i] for i in rows_a.tolist()],
        seeds=tuple(seeds),
        fidelities=tuple(fids),
        metrics=metrics,
        units=units,
        values=values,
        source=f"join of {a.name} [{meta_a['source']}] and {b.name} [{meta_b['source']}]",
        licence=both("licence"),
        citation=both("citation"),
        cost_metric=cost,
        extra={"joined_from": f"{a.name}, {b.name}", "broadcast_metrics": ", ".join(broadcast)},
    )
    return Benchmark.from_table(table)
