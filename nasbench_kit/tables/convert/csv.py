"""Bring your own table: CSV or Parquet results (format ``"csv"``).

Any table with one column naming the architecture (in any notation the space
parses) and numeric result columns. Two shapes:

- *wide*: one row per architecture (optionally per seed with
  ``seed_column=``); all rows are at one ``fidelity`` (default: the space's
  full budget, e.g. 200 epochs for ``nb201``);
- *long*: ``epoch_column=`` (and/or ``seed_column=``) gives one row per
  ``(architecture, seed, epoch)``; the rows are gathered into the dense
  ``archs x seeds x epochs x metrics`` array, NaN where a combination is absent.

``metrics`` is a list of columns (names kept) or a mapping ``{column: metric}``;
by default every numeric column other than the key columns. ``units`` maps
metric -> unit (standard names get theirs automatically); ``cost_metric`` names
the cumulative-seconds column. Parquet needs ``pyarrow``.

>>> import tempfile, pathlib
>>> from nasbench_kit.tables.convert import csv as csv_table
>>> d = pathlib.Path(tempfile.mkdtemp()); f = d / "mine.csv"
>>> _ = f.write_text("arch,acc\\n|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|,91.5\\n")
>>> t = csv_table.convert(f, space="nb201", metrics={"acc": "val_acc"})
>>> t.metrics, t.values.shape, t.fidelities
(('val_acc',), (1, 1, 1, 1), (200.0,))
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, NasBenchKitError, OutOfDomainError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "csv"

#: Column names tried, in order, when ``arch_column`` is not given.
ARCH_COLUMNS = ("arch", "arch_str", "architecture", "notation", "genotype", "spec", "hash")
_PARQUET_SUFFIXES = (".parquet", ".pq")


def _read(path: Path) -> tuple[list[str], dict[str, list[Any]]]:
    """Header and raw column values (strings for CSV, native for Parquet)."""
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        if importlib.util.find_spec("pyarrow") is None:
            raise OutOfDomainError(
                f"{FORMAT}: reading Parquet ({str(path)!r}) needs the 'pyarrow' package, "
                "which is not installed; install it (pip install pyarrow) or save the table "
                "as CSV"
            )
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises its own error types
            raise CorruptFileError(
                f"{FORMAT}: {str(path)!r} is not a readable Parquet file "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        header = [str(c) for c in frame.columns]
        return header, {str(c): frame[c].tolist() for c in frame.columns}
    header, rows = C.read_csv_text(path, FORMAT)
    return header, {h: [row[j] for row in rows] for j, h in enumerate(header)}


def _need_column(column: str, header: Sequence[str], option: str, path: Path) -> str:
    if column not in header:
        raise OutOfDomainError(
            f"{FORMAT}: {option}={column!r} is not a column of {str(path)!r}; "
            f"its columns are {list(header)}"
        )
    return column


def _floats(values: list[Any], path: Path, column: str, strict: bool) -> np.ndarray | None:
    if values and all(isinstance(v, str) for v in values):
        return C.column_floats(values, path, FORMAT, column, strict=strict)
    try:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        if not strict:
            return None
        raise CorruptFileError(
            f"{FORMAT}: column {column!r} of {str(path)!r} is not numeric; leave it out of metrics="
        ) from None


def _notation(raw: Any) -> list[Any]:
    """Candidate notations for one key cell, most literal first."""
    if not isinstance(raw, str):
        return [raw.item() if isinstance(raw, np.generic) else raw]
    text = raw.strip()
    out: list[Any] = [text]
    if re.fullmatch(r"-?\d+", text):
        out.append(int(text))
    elif text[:1] in "([{":
        lit = C.literal(text)
        if lit is not text:
            out.append(lit)
    return out


def _parse_cell(space: Any, raw: Any, where: str) -> Any:
    candidates = _notation(raw)
    last: Exception | None = None
    for cand in candidates:
        try:
            return space.parse(cand)
        except (NasBenchKitError, TypeError, ValueError, KeyError, IndexError) as exc:
            last = exc
        if isinstance(cand, (tuple, list)) and hasattr(space, "from_naslib"):
            try:
                return space.from_naslib(cand)
            except (NasBenchKitError, TypeError, ValueError, KeyError, IndexError) as exc:
                last = exc
    raise OutOfDomainError(
        f"{where}: {raw!r} is not a valid {space.name} architecture ({last}); fix or drop that row"
    )


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    space: str | None = None,
    arch_column: str | None = None,
    metrics: Sequence[str] | Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    seed_column: str | None = None,
    epoch_column: str | None = None,
    fidelity: float | None = None,
    dataset: str = "custom",
    cost_metric: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    **unknown: Any,
) -> TableData:
    """Read a user CSV/Parquet table into a :class:`TableData` (see module docs)."""
    from nasbench_kit.spaces import get_space

    C.check_options(
        FORMAT,
        unknown,
        ("space", "arch_column", "metrics", "units", "seed_column", "epoch_column",
         "fidelity", "dataset", "cost_metric"),
    )  # fmt: skip
    space = I.text_option(FORMAT, "space", space)
    for option, value in (("arch_column", arch_column), ("seed_column", seed_column),
                          ("epoch_column", epoch_column), ("dataset", dataset),
                          ("cost_metric", cost_metric)):  # fmt: skip
        I.text_option(FORMAT, option, value)
    fidelity = I.fidelity_option(FORMAT, fidelity)
    chosen_metrics = I.metrics_option(FORMAT, metrics)
    units = I.units_option(FORMAT, units)
    if space is None:
        from nasbench_kit.spaces import list_spaces

        raise OutOfDomainError(
            f"{FORMAT}: space= is required (the search space the architectures belong to); "
            f"choose one of {list_spaces()}"
        )
    sp = get_space(space)
    p = C.as_path(path, FORMAT)
    header, cols = _read(p)
    if arch_column is None:
        arch_column = next((c for c in ARCH_COLUMNS if c in header), None)
        if arch_column is None:
            raise OutOfDomainError(
                f"{FORMAT}: no architecture column found in {str(p)!r} (tried {ARCH_COLUMNS}); "
                f"pass arch_column=<one of {header}>"
            )
    _need_column(arch_column, header, "arch_column", p)
    keys = {arch_column}
    for option, column in (("seed_column", seed_column), ("epoch_column", epoch_column)):
        if column is not None:
            keys.add(_need_column(column, header, option, p))
    if chosen_metrics is None:
        chosen = {c: c for c in header if c not in keys}
        strict = False
    else:
        chosen = {c: m or c for c, m in chosen_metrics.items()}
        for column in chosen:
            _need_column(column, header, "metrics", p)
        strict = True
    data: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for column, metric in chosen.items():
        arr = _floats(cols[column], p, column, strict)
        if arr is None:
            skipped.append(column)
        elif metric in data:
            raise OutOfDomainError(
                f"{FORMAT}: two columns of {str(p)!r} map to metric {metric!r}; "
                "pass metrics={column: name} with different names"
            )
        else:
            data[metric] = arr
    if not data:
        raise OutOfDomainError(
            f"{FORMAT}: {str(p)!r} has no numeric metric columns besides {sorted(keys)}; "
            f"its columns are {header}"
        )
    names = tuple(data)
    if cost_metric is not None and cost_metric not in names:
        raise OutOfDomainError(
            f"{FORMAT}: cost_metric={cost_metric!r} is not one of the metrics {list(names)}"
        )
    n_rows = len(cols[arch_column])
    seeds_col = _key_floats(cols, seed_column, p)
    if seeds_col is not None and not np.all(seeds_col == np.round(seeds_col)):
        raise OutOfDomainError(
            f"{FORMAT}: seed_column={seed_column!r} of {str(p)!r} holds non-integer values; "
            "seeds must be whole numbers"
        )
    epochs_col = _key_floats(cols, epoch_column, p)

    # Rows -> (arch slot, seed slot, epoch slot).
    parsed: dict[Any, Any] = {}
    arch_slot: dict[str, int] = {}
    archs, labels = [], []
    row_arch = np.empty(n_rows, dtype=np.int64)
    for i, raw in enumerate(cols[arch_column]):
        where = f"{FORMAT}: {str(p)!r} row {i + 1} (column {arch_column!r})"
        cache_key = raw if isinstance(raw, (str, int)) else repr(raw)
        arch = parsed.get(cache_key)
        if arch is None:
            arch = parsed[cache_key] = _parse_cell(sp, raw, where)
        slot = arch_slot.get(arch.hash)
        if slot is None:
            slot = arch_slot[arch.hash] = len(archs)
            archs.append(arch)
            labels.append(f"row {i + 1}")
        row_arch[i] = slot
    seed_values = np.unique(seeds_col) if seeds_col is not None else np.zeros(1)
    epoch_values = (
        np.unique(epochs_col)
        if epochs_col is not None
        else np.array(
            [fidelity if fidelity is not None else C.FULL_BUDGET.get(sp.name, 1.0)]
        )
    )
    row_seed = (
        np.searchsorted(seed_values, seeds_col)
        if seeds_col is not None
        else np.zeros(n_rows, dtype=np.int64)
    )
    row_epoch = (
        np.searchsorted(epoch_values, epochs_col)
        if epochs_col is not None
        else np.zeros(n_rows, dtype=np.int64)
    )
    cell = (row_arch * len(seed_values) + row_seed) * len(epoch_values) + row_epoch
    order = np.argsort(cell, kind="stable")
    dup = np.nonzero(np.diff(cell[order]) == 0)[0]
    if dup.size:
        a, b = sorted((int(order[dup[0]]) + 1, int(order[dup[0] + 1]) + 1))
        raise OutOfDomainError(
            f"{FORMAT}: {str(p)!r} rows {a} and {b} give the same (architecture, seed, epoch); "
            "keep one row per combination (pass seed_column= / epoch_column= if the table "
            "is in long format)"
        )
    values = np.full((len(archs), len(seed_values), len(epoch_values), len(names)), np.nan)
    for k, metric in enumerate(names):
        values[row_arch, row_seed, row_epoch, k] = data[metric]
    seeds = tuple(int(s) for s in seed_values) if seeds_col is not None else ()
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or f"custom/{sp.name}/{_name_segment(p.stem)}",
        space=sp,
        dataset=dataset,
        archs=archs,
        row_labels=labels,
        seeds=seeds,
        fidelities=tuple(float(e) for e in epoch_values),
        metrics=names,
        values=values,
        units=units,
        cost_metric=cost_metric,
        provenance=C.provenance(
            {"source": f"user-provided table {p.name}", "licence": "unknown (user-provided)"},
            source,
            licence,
            citation,
        ),
        checksum=C.source_checksum(p),
        extra={"arch_column": arch_column,
               **({"skipped_columns": ",".join(skipped)} if skipped else {})},  # fmt: skip
        drop_empty=False,
    )


def _name_segment(stem: str) -> str:
    """A file stem made safe as one table-name segment (letters, digits, ``._+-``)."""
    seg = re.sub(r"[^A-Za-z0-9._+-]+", "-", stem).strip("-._+")
    return re.sub(r"_{2,}", "_", seg) or "table"


def _key_floats(cols: Mapping[str, list[Any]], column: str | None, path: Path) -> Any:
    if column is None:
        return None
    arr = _floats(cols[column], path, column, strict=True)
    if arr is None or np.isnan(arr).any():
        raise CorruptFileError(
            f"{FORMAT}: column {column!r} of {str(path)!r} has empty cells; every row needs a "
            "seed/epoch value"
        )
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0) | (np.abs(arr) > 2**62))
    if bad.size:
        raise OutOfDomainError(
            f"{FORMAT}: column {column!r} of {str(path)!r} row {int(bad[0]) + 1} holds "
            f"{arr[bad[0]]!r}; seeds and epochs must be finite numbers >= 0"
        )
    return arr
