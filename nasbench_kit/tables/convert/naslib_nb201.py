"""Import NASLib's NAS-Bench-201 pickles (format ``"naslib-nb201"``).

NASLib ships one pickle per dataset (``nb201_cifar10_full_training.pickle``,
``nb201_cifar100_full_training.pickle``, ``nb201_ImageNet16_full_training.pickle``),
each a dict::

    {arch_key: {dataset: {"train_acc1es": [...], "eval_acc1es": [...],
                          "train_losses": [...], "eval_losses": [...],
                          "cost_info": {"flops": F, "params": P,
                                        "latency": L, "train_time": T}}}}

where ``arch_key`` is the NB201 arch string (or, in some derived files, the
NASLib op-index tuple) and ``dataset`` is ``cifar10-valid``, ``cifar100`` or
``ImageNet16-120``. Lists run over epochs; ``eval_*`` is NB201's validation
split (NASLib's ``VAL_ACCURACY``). Optional ``train_times`` / ``eval_times``
lists and top-level ``flop`` / ``params`` / ``latency`` are read when present.

The pickle is read with the restricted unpickler (plain containers and numpy
scalars only). Metrics: ``train_acc``, ``train_loss``, ``val_acc``,
``val_loss``, ``train_time`` (cumulative seconds, the cost metric), ``params``,
``flops``, ``latency`` (ms; NB201 stores seconds). Without per-epoch times,
``cost_info["train_time"]`` is taken as the total for all epochs
(``train_time="per_epoch"`` says it is per epoch) and spread evenly.

>>> import pathlib, pickle, tempfile
>>> from nasbench_kit.tables.convert import naslib_nb201
>>> arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
>>> rec = {"train_acc1es": [30.0, 50.0], "eval_acc1es": [28.0, 47.5],
...        "cost_info": {"flops": 82.5, "params": 0.59, "latency": 0.02, "train_time": 40.0}}
>>> f = pathlib.Path(tempfile.mkdtemp()) / "nb201_cifar100_full_training.pickle"
>>> _ = f.write_bytes(pickle.dumps({arch: {"cifar100": rec}}))
>>> t = naslib_nb201.convert(f)
>>> t.dataset, t.fidelities, t.cost_metric, float(t.values[0, 0, 0, t.metrics.index("train_time")])
('cifar100', (1.0, 2.0), 'train_time', 20.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "naslib-nb201"

#: NASLib record key -> our metric (per-epoch lists).
SERIES: dict[str, str] = {
    "train_acc1es": "train_acc",
    "train_losses": "train_loss",
    "eval_acc1es": "val_acc",
    "eval_losses": "val_loss",
}
METRICS: tuple[str, ...] = (
    "train_acc", "train_loss", "val_acc", "val_loss", "train_time", "params", "flops", "latency",
)  # fmt: skip

#: ``dataset=`` aliases (NASLib's query names) -> the record key.
DATASET_ALIASES = {"cifar10": "cifar10-valid", "imagenet": "ImageNet16-120"}

_PROVENANCE = {
    "source": "NASLib NAS-Bench-201 training data (automl/NASLib nb201_*_full_training.pickle)",
    "licence": "Apache-2.0 (NASLib); MIT (NAS-Bench-201)",
    "citation": f"{C.NASLIB_CITATION} {C.NB201_CITATION}",
}


def _floats(obj: Any) -> np.ndarray:
    if obj is None:
        return np.zeros(0)
    if isinstance(obj, Mapping):
        obj = [obj[k] for k in sorted(obj)]
    if isinstance(obj, (int, float, np.floating, np.integer)):
        return np.array([float(obj)])
    if not isinstance(obj, (Sequence, np.ndarray)) or isinstance(obj, str):
        return np.zeros(0)
    return np.array([C.to_float(v) for v in obj], dtype=float)


def _record_arrays(rec: Mapping[str, Any], n: int, train_time: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for key, metric in SERIES.items():
        arr = np.full(n, np.nan)
        vals = _floats(rec.get(key))[:n]
        arr[: len(vals)] = vals
        out[metric] = arr
    cost = rec.get("cost_info") if isinstance(rec.get("cost_info"), Mapping) else {}
    times = _floats(rec.get("train_times"))[:n]
    if times.size:
        cum = np.full(n, np.nan)
        cum[: times.size] = np.cumsum(times)
        out["train_time"] = cum
    else:
        total = C.to_float(cost.get("train_time"))
        if total > 0:
            per_epoch = total if train_time == "per_epoch" else total / n
            out["train_time"] = per_epoch * np.arange(1, n + 1)
    flops = cost.get("flops", rec.get("flop", rec.get("flops")))
    params = cost.get("params", rec.get("params"))
    latency = cost.get("latency", rec.get("latency"))
    out["flops"] = np.full(n, C.to_float(_scalar(flops)))
    out["params"] = np.full(n, C.to_float(_scalar(params)))
    lat = C.to_float(_scalar(latency))
    out["latency"] = np.full(n, 1000.0 * lat if lat > 0 else math.nan)
    return out


def _scalar(value: Any) -> Any:
    """Mean of a list of measurements (NB201 stores latency as a list)."""
    if isinstance(value, (list, tuple)):
        vals = [C.to_float(v) for v in value]
        vals = [v for v in vals if not math.isnan(v)]
        return float(np.mean(vals)) if vals else None
    return value


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    dataset: str | None = None,
    train_time: Literal["total", "per_epoch"] = "total",
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    **unknown: Any,
) -> TableData:
    """Read a NASLib NB201 pickle into a per-epoch :class:`TableData` (``seeds == ()``).

    ``dataset`` picks the record (default: the only one in the file;
    ``cifar10`` means ``cifar10-valid``, as in NASLib).
    """
    from nasbench_kit.tables._safe_pickle import safe_load

    C.check_options(FORMAT, unknown, ("dataset", "train_time"))
    dataset = I.text_option(FORMAT, "dataset", dataset)
    if train_time not in ("total", "per_epoch"):
        raise OutOfDomainError(
            f"{FORMAT}: train_time={train_time!r} must be 'total' (cost_info['train_time'] "
            "covers all epochs) or 'per_epoch'"
        )
    p = C.as_path(path, FORMAT)
    I.expect_kind(FORMAT, p, I.PICKLE_KINDS, "a NASLib pickle")
    data = safe_load(p)
    if not isinstance(data, Mapping) or not data:
        raise CorruptFileError(
            f"{FORMAT}: {str(p)!r} holds {type(data).__name__}, not NASLib's "
            "{arch_key: {dataset: {...}}} dict"
        )
    with I.malformed(f"{FORMAT}: {str(p)!r}", "a NASLib NB201 pickle"):
        return _convert(p, data, name, dataset, train_time, source, licence, citation)


def _convert(
    p: Path, data: Mapping[Any, Any], name: str | None, dataset: str | None, train_time: str,
    source: str | None, licence: str | None, citation: str | None,
) -> TableData:  # fmt: skip
    from nasbench_kit.spaces import get_space

    found: dict[str, None] = {}
    for value in data.values():
        if not isinstance(value, Mapping):
            raise CorruptFileError(
                f"{FORMAT}: {str(p)!r} maps an architecture to {type(value).__name__}, not "
                "a {dataset: record} dict; it is not a NASLib NB201 pickle"
            )
        found.update(dict.fromkeys(str(k) for k in value))
    wanted = DATASET_ALIASES.get(dataset, dataset) if dataset is not None else None
    if wanted is not None and wanted not in found and dataset in found:
        wanted = dataset
    ds = C.choose(FORMAT, "dataset", wanted, sorted(found), p)
    space = get_space("nb201")
    archs, labels, records = [], [], []
    for key, value in data.items():
        rec = value.get(ds)
        if rec is None:
            continue
        where = f"{FORMAT}: {str(p)!r} key {key!r}"
        if not isinstance(rec, Mapping):
            raise CorruptFileError(f"{where} dataset {ds!r} holds {type(rec).__name__}")
        archs.append(C.parse_arch(space, key, where, naslib=not isinstance(key, str)))
        labels.append(f"key {key!r}")
        records.append(rec)
    n = max(max((len(_floats(r.get(k))) for k in SERIES), default=0) for r in records)
    n = I.epochs_count(n, f"{FORMAT}: {str(p)!r} longest per-epoch list")
    if n == 0:
        raise CorruptFileError(f"{FORMAT}: {str(p)!r} has no per-epoch lists for {ds!r}")
    values = np.full((len(archs), 1, n, len(METRICS)), np.nan, dtype=np.float32)
    for i, rec in enumerate(records):
        arrays = _record_arrays(rec, n, train_time)
        for k, metric in enumerate(METRICS):
            if metric in arrays:
                values[i, 0, :, k] = arrays[metric]
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or f"naslib-nb201/{ds}",
        space=space,
        dataset=ds,
        archs=archs,
        row_labels=labels,
        seeds=(),
        fidelities=tuple(float(e) for e in range(1, n + 1)),
        metrics=METRICS,
        values=values,
        cost_metric="train_time",
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=C.source_checksum(p),
        extra={"train_time": train_time, "seed_aggregate": "as published by NASLib"},
    )
