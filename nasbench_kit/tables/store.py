"""The HDF5 store: one file per benchmark table, written atomically.

Layout (schema version :data:`~nasbench_kit.tables.schema.SCHEMA_VERSION`):

- dataset ``hashes``: fixed-length UTF-8 bytes, one per row (``arch.hash``);
- dataset ``notations``: fixed-length UTF-8 bytes, ``space.to_string(arch)``;
  omitted (root attribute ``notations_are_hashes`` true) when equal to ``hashes``;
- dataset ``values``: float32 ``(archs, seeds, fidelities, metrics)``, NaN where
  absent; contiguous (one read) unless larger than :data:`COMPRESS_ABOVE` bytes,
  then chunked by rows with shuffle + LZF;
- root attributes: ``schema_version, name, space, dataset, source, licence,
  citation, source_checksum, cost_metric`` (``""`` for none) and the JSON
  strings ``metrics, units, seeds, fidelities, extra``.

:func:`write_table` validates first and writes through
:func:`nasbench_kit._io.atomic_path` (a temporary file in the target folder,
fsynced and renamed over the target; temporaries of killed writers are cleaned
on the next write), so readers never see a partial file and a failed write
keeps the previous one. Each file carries a sha256 seal in its HDF5 user block
(``tables/_seal.py``), checked before libhdf5 reads it: a damaged file is a
:class:`CorruptFileError`, never a crash. ``h5py`` is imported on first use.

>>> import numpy as np, tempfile, os
>>> from nasbench_kit.tables.schema import TableData
>>> td = TableData(name="demo/x", space="nb201", dataset="toy", hashes=["a", "b"],
...     notations=["a", "b"], seeds=(), fidelities=(200.0,), metrics=("test_acc",),
...     units={"test_acc": "%"}, values=np.zeros((2, 1, 1, 1), np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "demo.h5")
>>> write_table(td, path)
>>> read_table(path).hashes
['a', 'b']
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit._io import atomic_path
from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables._seal import USERBLOCK, seal, verify
from nasbench_kit.tables.schema import SCHEMA_VERSION, TableData, metric_axes

__all__ = [
    "COMPRESS_ABOVE", "MAX_NAME_LENGTH", "read_attrs", "read_table", "validate_table",
    "validate_name", "write_table",
]  # fmt: skip

#: Value arrays above this many bytes are stored chunked and LZF-compressed.
COMPRESS_ABOVE = 64 * 2**20
#: Longest table name (its file name, plus a temporary suffix, must fit every file system).
MAX_NAME_LENGTH = 120
#: Units of metrics that measure time; their values (and the cost metric's) are never negative.
TIME_UNITS = frozenset({"s", "ms"})

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*(/[A-Za-z0-9][A-Za-z0-9._+-]*)*$")
_STR_ATTRS = ("name", "space", "dataset", "source", "licence", "citation", "source_checksum")


def validate_name(name: str) -> str:
    """Check a table name (``family/dataset``; letters, digits, ``._+-``, ``/``).

    >>> validate_name("nb201/cifar10-valid")
    'nb201/cifar10-valid'
    """
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        raise OutOfDomainError(
            f"table name {name[:40]!r}... has {len(name)} characters; a name may have at most "
            f"{MAX_NAME_LENGTH} (it becomes a file name); pick a shorter one"
        )
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or "__" in name:
        raise OutOfDomainError(
            f"table name {name!r} is not allowed: use segments of letters, digits and ._+- "
            "separated by '/', without '__' (e.g. 'nb201/cifar10-valid')"
        )
    return name


def validate_table(td: TableData) -> None:
    """Raise :class:`OutOfDomainError` unless ``td`` is a consistent table."""
    validate_name(td.name)
    n = len(td.hashes)
    if n == 0:
        raise OutOfDomainError(f"table {td.name!r} has no rows; a table needs at least one arch")
    if len(td.notations) != n:
        raise OutOfDomainError(
            f"table {td.name!r}: {len(td.notations)} notations for {n} hashes; give one per row"
        )
    for label, items in (("hash", td.hashes), ("notation", td.notations)):
        bad = next((x for x in items if not isinstance(x, str) or not x or "\x00" in x), None)
        if bad is not None:
            raise OutOfDomainError(
                f"table {td.name!r}: {label} {bad!r} is not a non-empty string without NUL"
            )
    if len(set(td.hashes)) != n:
        seen: set[str] = set()
        dup = next(h for h in td.hashes if h in seen or seen.add(h))  # type: ignore[func-returns-value]
        raise OutOfDomainError(
            f"table {td.name!r}: hash {dup!r} occurs more than once; rows must be unique "
            "architectures (merge duplicates in the converter)"
        )
    if not td.metrics or len(set(td.metrics)) != len(td.metrics):
        raise OutOfDomainError(
            f"table {td.name!r}: metrics {td.metrics!r} must be a non-empty tuple of unique names"
        )
    try:
        fids = [float(f) for f in td.fidelities]
    except (TypeError, ValueError):
        fids = []
    if not fids or any(not (math.isfinite(f) and f >= 0) for f in fids) or fids != sorted(set(fids)):
        raise OutOfDomainError(
            f"table {td.name!r}: fidelities {td.fidelities!r} must be finite, >= 0, unique, "
            "ascending and non-empty (e.g. (200.0,))"
        )
    if len(set(td.seeds)) != len(td.seeds) or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in td.seeds
    ):
        raise OutOfDomainError(f"table {td.name!r}: seeds {td.seeds!r} must be unique ints")
    shape = (n, max(1, len(td.seeds)), len(fids), len(td.metrics))
    values = np.asarray(td.values)
    if values.shape != shape:
        raise OutOfDomainError(
            f"table {td.name!r}: values have shape {values.shape}, expected {shape} "
            "(archs, seeds or 1, fidelities, metrics)"
        )
    if np.isinf(values).any():
        raise OutOfDomainError(f"table {td.name!r}: values contain inf; use NaN for absent")
    unknown = sorted(map(str, set(td.units) - set(td.metrics)))
    if unknown:
        raise OutOfDomainError(f"table {td.name!r}: units given for unknown metrics {unknown}")
    bad_unit = next(((m, u) for m, u in td.units.items() if not isinstance(u, str)), None)
    if bad_unit is not None:
        raise OutOfDomainError(
            f"table {td.name!r}: unit {bad_unit[1]!r} of metric {bad_unit[0]!r} is not a string; "
            "give units as text, e.g. {'val_acc': '%'}"
        )
    if td.cost_metric is not None and td.cost_metric not in td.metrics:
        raise OutOfDomainError(
            f"table {td.name!r}: cost_metric {td.cost_metric!r} is not one of {list(td.metrics)}"
        )
    metric_axes(td.extra, td.metrics, fids)
    negative = negative_time(values, td.metrics, td.units, td.cost_metric)
    if negative is not None:
        row, metric, value = negative
        raise OutOfDomainError(
            f"table {td.name!r}: metric {metric!r} (a time) is {value!r} for row "
            f"{td.hashes[row]!r}; times and costs must be >= 0 seconds (NaN where unknown)"
        )


def negative_time(
    values: np.ndarray, metrics: Any, units: Any, cost_metric: str | None
) -> tuple[int, str, float] | None:
    """``(row, metric, value)`` of the first negative time (unit s/ms, or the cost), else None."""
    for k, metric in enumerate(metrics):
        if metric != cost_metric and units.get(metric, "") not in TIME_UNITS:
            continue
        column = values[..., k]
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero((column < 0).reshape(len(column), -1).any(axis=1))
        if bad.size:
            row = int(bad[0])
            first = column[row][column[row] < 0].flat[0]
            return row, str(metric), float(first)
    return None


def _encode(items: list[str]) -> np.ndarray:
    data = [s.encode("utf-8") for s in items]
    width = max(len(b) for b in data)
    return np.array(data, dtype=f"S{width}")


def _decode(arr: np.ndarray) -> list[str]:
    return [b.decode("utf-8") for b in arr.tolist()]


def write_table(td: TableData, path: str | os.PathLike[str]) -> None:
    """Validate ``td`` and write it to ``path`` atomically (tmp file + fsync + rename)."""
    validate_table(td)
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", userblock_size=USERBLOCK) as f:
            _write_contents(f, td)
        seal(tmp)  # libhdf5 may crash on a damaged file: readers check this hash first


def _write_contents(f: Any, td: TableData) -> None:
    values = np.ascontiguousarray(td.values, dtype=np.float32)
    f.create_dataset("hashes", data=_encode(list(td.hashes)))
    same = list(td.notations) == list(td.hashes)
    if not same:  # e.g. nb201: the arch string is the hash, store it once
        f.create_dataset("notations", data=_encode(list(td.notations)))
    f.attrs["notations_are_hashes"] = same
    if values.nbytes > COMPRESS_ABOVE:
        row_bytes = max(1, values[0].nbytes)
        rows = int(max(1, min(values.shape[0], 2**20 // row_bytes)))
        f.create_dataset(
            "values", data=values, chunks=(rows, *values.shape[1:]), shuffle=True,
            compression="lzf",
        )  # fmt: skip
    else:
        f.create_dataset("values", data=values)
    attrs = f.attrs
    attrs["schema_version"] = SCHEMA_VERSION
    for key in _STR_ATTRS:
        attrs[key] = str(getattr(td, key) or "")
    attrs["cost_metric"] = td.cost_metric or ""
    attrs["metrics"] = json.dumps(list(td.metrics))
    attrs["units"] = json.dumps({m: td.units.get(m, "") for m in td.metrics})
    attrs["seeds"] = json.dumps([int(s) for s in td.seeds])
    attrs["fidelities"] = json.dumps([float(x) for x in td.fidelities])
    attrs["extra"] = json.dumps({str(k): str(v) for k, v in td.extra.items()})


def _attr_str(attrs: Any, key: str) -> str:
    value = attrs.get(key, "")
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _attrs_of(attrs: Any, path: Path) -> dict[str, Any]:
    version = int(attrs.get("schema_version", -1))
    if version != SCHEMA_VERSION:
        raise CorruptFileError(
            f"table file {str(path)!r} has schema version {version}, this nasbench_kit "
            f"reads version {SCHEMA_VERSION}; re-import it (force_reload=True)"
        )
    out: dict[str, Any] = {key: _attr_str(attrs, key) for key in _STR_ATTRS}
    out["cost_metric"] = _attr_str(attrs, "cost_metric") or None
    out["metrics"] = tuple(str(m) for m in json.loads(_attr_str(attrs, "metrics")))
    out["units"] = {str(k): str(v) for k, v in json.loads(_attr_str(attrs, "units")).items()}
    out["seeds"] = tuple(int(s) for s in json.loads(_attr_str(attrs, "seeds")))
    out["fidelities"] = tuple(float(x) for x in json.loads(_attr_str(attrs, "fidelities")))
    out["extra"] = {
        str(k): str(v) for k, v in json.loads(_attr_str(attrs, "extra") or "{}").items()
    }
    if out["cost_metric"] is not None and out["cost_metric"] not in out["metrics"]:
        raise ValueError(f"cost metric {out['cost_metric']!r} is not a metric")
    metric_axes(out["extra"], out["metrics"], out["fidelities"])
    return out


def _reading(path: Path, read: Any) -> Any:
    """Run ``read(h5file)``; every failure becomes :class:`CorruptFileError`."""
    import h5py

    try:
        verify(path)
        with h5py.File(path, "r") as f:
            return read(f)
    except CorruptFileError:
        raise
    except FileNotFoundError:
        raise CorruptFileError(f"table file {str(path)!r} does not exist") from None
    except (OSError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            RuntimeError, RecursionError, OutOfDomainError) as exc:  # fmt: skip
        raise CorruptFileError(
            f"table file {str(path)!r} is not a readable nasbench_kit table "
            f"({type(exc).__name__}: {exc}); delete it and import or load it again"
        ) from exc


def read_attrs(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The attributes of a store file (everything but the arrays), read cheaply.

    >>> import numpy as np, tempfile, os
    >>> td = TableData(name="demo/y", space="nb201", dataset="toy", hashes=["a"], notations=["a"],
    ...     seeds=(), fidelities=(200.0,), metrics=("m",), units={}, values=np.zeros((1, 1, 1, 1)))
    >>> path = os.path.join(tempfile.mkdtemp(), "y.h5"); write_table(td, path)
    >>> read_attrs(path)["name"]
    'demo/y'
    """
    path = Path(path)
    return _reading(path, lambda f: _attrs_of(f.attrs, path))


def read_table(path: str | os.PathLike[str]) -> TableData:
    """Read a store file back into a :class:`TableData` (values as float32).

    Raises :class:`CorruptFileError` when the file is missing pieces, is not
    HDF5, was written by a newer schema, or its arrays disagree with its
    attributes.
    """
    path = Path(path)

    def read(f: Any) -> TableData:
        attrs = _attrs_of(f.attrs, path)
        hashes = _decode(f["hashes"][()])
        if bool(f.attrs.get("notations_are_hashes", False)):
            notations = hashes
        else:
            notations = _decode(f["notations"][()])
        values = np.asarray(f["values"][()])
        shape = (len(hashes), max(1, len(attrs["seeds"])), len(attrs["fidelities"]),
                 len(attrs["metrics"]))  # fmt: skip
        if values.shape != shape or len(notations) != len(hashes) or values.dtype.kind != "f":
            raise ValueError(
                f"values {values.shape} {values.dtype} / {len(notations)} notations do not fit "
                f"the attributes {shape}"
            )
        if values.dtype != np.float32:
            values = values.astype(np.float32)
        return TableData(hashes=hashes, notations=notations, values=values, **attrs)

    return _reading(path, read)
