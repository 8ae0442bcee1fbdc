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

:func:`write_table` validates first, writes a temporary file in the target
folder, fsyncs it and renames it over the target, so readers never see a
partial file and a failed write keeps the previous one. ``h5py`` is imported
on first use.

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

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables.schema import SCHEMA_VERSION, TableData

__all__ = ["COMPRESS_ABOVE", "read_table", "validate_table", "validate_name", "write_table"]

#: Value arrays above this many bytes are stored chunked and LZF-compressed.
COMPRESS_ABOVE = 64 * 2**20

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*(/[A-Za-z0-9][A-Za-z0-9._+-]*)*$")
_STR_ATTRS = ("name", "space", "dataset", "source", "licence", "citation", "source_checksum")


def validate_name(name: str) -> str:
    """Check a table name (``family/dataset``; letters, digits, ``._+-``, ``/``).

    >>> validate_name("nb201/cifar10-valid")
    'nb201/cifar10-valid'
    """
    if not isinstance(name, str) or not _NAME_RE.match(name) or "__" in name:
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
    fids = [float(f) for f in td.fidelities]
    if not fids or any(not math.isfinite(f) for f in fids) or fids != sorted(set(fids)):
        raise OutOfDomainError(
            f"table {td.name!r}: fidelities {td.fidelities!r} must be finite, unique, ascending "
            "and non-empty (e.g. (200.0,))"
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
    unknown = sorted(set(td.units) - set(td.metrics))
    if unknown:
        raise OutOfDomainError(f"table {td.name!r}: units given for unknown metrics {unknown}")
    if td.cost_metric is not None and td.cost_metric not in td.metrics:
        raise OutOfDomainError(
            f"table {td.name!r}: cost_metric {td.cost_metric!r} is not one of {list(td.metrics)}"
        )


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

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w") as f:
            _write_contents(f, td)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename durable; not every platform lets us open a folder
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


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


def read_table(path: str | os.PathLike[str]) -> TableData:
    """Read a store file back into a :class:`TableData` (values as float32).

    Raises :class:`CorruptFileError` when the file is missing pieces, is not
    HDF5, or was written by a newer schema.
    """
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            attrs = f.attrs
            version = int(attrs.get("schema_version", -1))
            if version != SCHEMA_VERSION:
                raise CorruptFileError(
                    f"table file {str(path)!r} has schema version {version}, this nasbench_kit "
                    f"reads version {SCHEMA_VERSION}; re-import it (force_reload=True)"
                )
            hashes = _decode(f["hashes"][()])
            if bool(attrs.get("notations_are_hashes", False)):
                notations = hashes
            else:
                notations = _decode(f["notations"][()])
            values = f["values"][()]
            strs = {key: _attr_str(attrs, key) for key in _STR_ATTRS}
            cost = _attr_str(attrs, "cost_metric") or None
            metrics = tuple(json.loads(_attr_str(attrs, "metrics")))
            units = dict(json.loads(_attr_str(attrs, "units")))
            seeds = tuple(int(s) for s in json.loads(_attr_str(attrs, "seeds")))
            fids = tuple(float(x) for x in json.loads(_attr_str(attrs, "fidelities")))
            extra = dict(json.loads(_attr_str(attrs, "extra") or "{}"))
    except CorruptFileError:
        raise
    except FileNotFoundError:
        raise CorruptFileError(f"table file {str(path)!r} does not exist") from None
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise CorruptFileError(
            f"table file {str(path)!r} is not a readable nasbench_kit table "
            f"({type(exc).__name__}: {exc}); delete it and import or load it again"
        ) from exc
    if values.dtype != np.float32:
        values = values.astype(np.float32)
    return TableData(
        hashes=hashes, notations=notations, seeds=seeds, fidelities=fids, metrics=metrics,
        units=units, values=values, cost_metric=cost, extra=extra, **strs,
    )  # fmt: skip
