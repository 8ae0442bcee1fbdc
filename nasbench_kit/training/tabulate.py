"""Live-training records as a :class:`~nasbench_kit.tables.Benchmark` table.

Records of one group -- same space, dataset (and checksum), config hash and
epochs -- become one table: a row per architecture, the seeds axis = the
training seeds present (NaN where an architecture lacks a seed), fidelities =
every epoch 1..epochs (each run's per-epoch curve), metrics ``val_acc,
test_acc, train_acc`` (%), ``val_loss, test_loss, train_loss``, ``train_time``
(cumulative training-pass seconds, the table's cost metric), ``params``
(millions) and ``flops`` (MFLOPs). So trained results feed predictors and
surrogates like any other table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.training.cache import LiveRecord

__all__ = ["METRICS", "UNITS", "records_to_benchmark"]

METRICS: tuple[str, ...] = (
    "val_acc", "test_acc", "train_acc", "val_loss", "test_loss", "train_loss", "train_time",
    "params", "flops",
)  # fmt: skip
UNITS: dict[str, str] = {
    "val_acc": "%", "test_acc": "%", "train_acc": "%", "val_loss": "", "test_loss": "",
    "train_loss": "", "train_time": "s", "params": "M", "flops": "M",
}  # fmt: skip


def curves(record: LiveRecord) -> np.ndarray:
    """``(epochs, len(METRICS))`` float64 array of one record's per-epoch metrics."""
    r = record.result
    n = r.epochs
    cols = [
        r.val_acc, r.test_acc, r.train_acc, r.val_loss, r.test_loss, r.train_loss,
        r.cumulative_train_seconds, [r.params / 1e6] * n, [r.flops] * n,
    ]  # fmt: skip
    return np.asarray(cols, dtype=np.float64).T


def _group(rec: LiveRecord) -> tuple[str, str, str, str, int]:
    k = rec.key
    return (k.space, k.dataset, k.data_checksum, k.config_hash, k.epochs)


def records_to_benchmark(records: Sequence[LiveRecord], name: str | None = None) -> object:
    """One Benchmark from ``records`` of a single group (see the module docstring)."""
    from nasbench_kit.tables import Benchmark

    records = list(records)
    if not records:
        raise OutOfDomainError(
            "no live-training records match; train some first (LiveEvaluator.query) or "
            "loosen the filters given to to_benchmark"
        )
    groups = sorted({_group(r) for r in records})
    if len(groups) > 1:
        shown = [f"space={g[0]} dataset={g[1]} config_hash={g[3][:12]}.. epochs={g[4]}"
                 for g in groups]  # fmt: skip
        raise OutOfDomainError(
            f"the records form {len(groups)} groups ({shown}); a table holds one: filter with "
            "to_benchmark(space=..., dataset=..., config_hash=..., epochs=...)"
        )
    space, dataset, checksum, chash, epochs = groups[0]
    arch_rows: dict[str, int] = {}
    notations: list[str] = []
    for r in records:
        if r.key.arch_hash not in arch_rows:
            arch_rows[r.key.arch_hash] = len(notations)
            notations.append(r.notation)
    seeds = sorted({r.key.seed for r in records})
    seed_pos = {s: i for i, s in enumerate(seeds)}
    values = np.full((len(notations), len(seeds), epochs, len(METRICS)), np.nan)
    for r in records:
        values[arch_rows[r.key.arch_hash], seed_pos[r.key.seed]] = curves(r)
    presets = sorted({r.preset for r in records})
    torches = sorted({r.result.torch_version for r in records})
    label = presets[0] if len(presets) == 1 else "mixed"
    return Benchmark.from_arrays(
        name=name or f"live/{space}-{dataset}-{label}-{epochs}ep-{chash[:8]}",
        space=space, dataset=dataset, archs=notations, metrics=METRICS, values=values,
        units=UNITS, seeds=seeds, fidelities=[float(e) for e in range(1, epochs + 1)],
        cost_metric="train_time", source=f"nasbench_kit live training (preset {label})",
        extra={"config_hash": chash, "data_checksum": checksum, "preset": ",".join(presets),
               "torch": ",".join(torches)},
    )  # fmt: skip
