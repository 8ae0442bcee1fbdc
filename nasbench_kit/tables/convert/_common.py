"""Shared plumbing for the upstream-format converters (not a public API).

Every converter reads one upstream format and returns a
:class:`~nasbench_kit.tables.schema.TableData`. The steps they share live
here: checksums of the source, reading CSV text strictly (a truncated row is a
:class:`CorruptFileError`, not silent NaNs), parsing notations with the row
named in the error, option checking, and assembling the dense value array.

>>> from nasbench_kit.tables.convert._common import metric_unit, sanitize_name
>>> metric_unit("val_acc"), sanitize_name("Train-All Time")
('%', 'train_all_time')
"""

from __future__ import annotations

import ast
import csv
import functools
import hashlib
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, NasBenchKitError, OutOfDomainError
from nasbench_kit.tables.convert._inputs import units_option
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import negative_time

#: Units of the standard metric names (see ``tables/schema.py``).
STANDARD_UNITS: dict[str, str] = {
    "val_acc": "%",
    "test_acc": "%",
    "train_acc": "%",
    "valtest_acc": "%",
    "val_loss": "",
    "test_loss": "",
    "train_loss": "",
    "valtest_loss": "",
    "train_time": "s",
    "params": "M",
    "flops": "M",
    "latency": "ms",
}

#: The full training budget (epochs) of each space's reference protocol.
FULL_BUDGET: dict[str, float] = {"nb201": 200.0, "nb101": 108.0, "darts": 100.0}

NB201_CITATION = (
    "Dong, X. and Yang, Y. NAS-Bench-201: Extending the Scope of Reproducible Neural "
    "Architecture Search. ICLR 2020."
)
NATS_CITATION = (
    "Dong, X., Liu, L., Musial, K. and Gabrys, B. NATS-Bench: Benchmarking NAS Algorithms "
    "for Architecture Topology and Size. IEEE TPAMI 2021."
)
NASLIB_CITATION = (
    "Mehta, Y. et al. NAS-Bench-Suite: NAS Evaluation is (Now) Surprisingly Easy. ICLR 2022."
)
ZC_CITATION = (
    "Krishnakumar, A., White, C., Zela, A., Tu, R., Safari, M. and Hutter, F. "
    "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies. NeurIPS 2022 "
    "Datasets and Benchmarks."
)

_PROVENANCE_OPTIONS = ("source", "licence", "citation")


# ---- small helpers -----------------------------------------------------------
def metric_unit(metric: str) -> str:
    """Unit of a metric name: the standard table, then suffix rules, else ``""``."""
    if metric in STANDARD_UNITS:
        return STANDARD_UNITS[metric]
    if metric.endswith("_acc"):
        return "%"
    if metric.endswith("_time"):
        return "s"
    if metric.startswith("latency"):
        return "ms"
    return ""


def sanitize_name(column: str) -> str:
    """A metric name from a free-form column: lowercase, ``[a-z0-9_]`` only."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", column.strip()).strip("_").lower()
    return name or "metric"


def check_options(fmt: str, unknown: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Reject options a converter does not understand, listing the ones it does."""
    if unknown:
        raise OutOfDomainError(
            f"format {fmt!r} got unknown option(s) {sorted(unknown)}; it accepts "
            f"{sorted(set(allowed) | set(_PROVENANCE_OPTIONS) | {'name'})}"
        )


def as_path(path: str | Path, fmt: str, *, want_dir: bool | None = False) -> Path:
    """``path`` as a Path that exists (a file, or a directory when ``want_dir``)."""
    if not isinstance(path, (str, os.PathLike)):
        raise OutOfDomainError(f"{fmt}: path={path!r:.80} is not a file path; pass a string")
    p = Path(path)
    if not p.exists():
        raise CorruptFileError(
            f"{fmt}: {str(p)!r} does not exist; pass the path of the downloaded file"
        )
    if want_dir is False and p.is_dir():
        raise CorruptFileError(f"{fmt}: {str(p)!r} is a directory; pass the data file itself")
    if want_dir is True and not p.is_dir():
        raise CorruptFileError(f"{fmt}: {str(p)!r} is not a directory; pass the archive folder")
    return p


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of one file's bytes (memoised per file version in this process)."""
    st = os.stat(path)
    return _sha256_of(str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


@functools.lru_cache(maxsize=1 << 16)
def _sha256_of(path: str, _size: int, _mtime_ns: int, _ino: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pinned(path: Path) -> bool:
    """True when ``path``'s sha256 is one the sources registry pins (an official file)."""
    from nasbench_kit.tables.sources import pinned_sha256

    return file_sha256(path) in pinned_sha256()


def source_checksum(path: Path, members: Sequence[Path] | None = None) -> str:
    """sha256 of a file; for a directory, of its sorted ``name:sha256`` member lines."""
    if not path.is_dir():
        return file_sha256(path)
    files = sorted(members if members is not None else [p for p in path.iterdir() if p.is_file()])
    digest = hashlib.sha256()
    for member in files:
        digest.update(f"{member.name}:{file_sha256(member)}\n".encode())
    return digest.hexdigest()


def _tree(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def content_checksum(path: Path) -> str:
    """sha256 of a file, or of a folder's sorted ``relative path:sha256`` lines (recursive).

    What :func:`~nasbench_kit.tables.registry.import_table` records to tell
    one source from another.
    """
    if not path.is_dir():
        return file_sha256(path)
    digest = hashlib.sha256()
    for member in _tree(path):
        digest.update(f"{member.relative_to(path).as_posix()}:{file_sha256(member)}\n".encode())
    return digest.hexdigest()


def fingerprint(path: Path) -> str:
    """A cheap identity of a file or folder version: sizes and mtimes (no reading)."""
    digest = hashlib.sha256()
    for member in _tree(path):
        st = member.stat()
        digest.update(f"{member.as_posix()}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


# ---- reading -----------------------------------------------------------------
def read_csv_text(path: Path, fmt: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file; every row must have the header's width.

    A UTF-8 byte-order mark before the header is dropped; a file that is not
    CSV text (JSON, a pickle, a zip ...) is refused naming the format to use.
    """
    from nasbench_kit.tables.convert._inputs import expect_kind

    expect_kind(fmt, path, ("csv", "text"), "a CSV table")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CorruptFileError(
            f"{fmt}: {str(path)!r} is not readable CSV text ({exc}); check that it is the "
            "right file and not truncated"
        ) from exc
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    if not rows:
        raise CorruptFileError(f"{fmt}: {str(path)!r} is empty; expected a header row and data")
    header = [h.strip() for h in rows[0]]
    width = len(header)
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise CorruptFileError(
                f"{fmt}: {str(path)!r} line {i} has {len(row)} fields but the header has "
                f"{width}; the file is truncated or corrupt (download it again)"
            )
    if len(rows) < 2:
        raise CorruptFileError(f"{fmt}: {str(path)!r} has a header but no data rows")
    return header, rows[1:]


_NA = frozenset({"nan", "na", "null", "none", "n/a"})


def column_floats(
    cells: Sequence[str], path: Path, fmt: str, column: str, *, strict: bool = True
) -> np.ndarray | None:
    """Parse one text column as float64 (empty or ``nan``/``NA`` cell -> NaN).

    Returns ``None`` for a textual column -- not one cell is a number -- when
    ``strict`` is False. Any other cell that is not a number is a
    :class:`CorruptFileError` naming its line, the column and the value, so a
    metric column is never dropped because of one bad cell.
    """
    out = np.full(len(cells), np.nan)
    bad: tuple[int, str] | None = None
    numbers = 0
    for i, cell in enumerate(cells):
        text = cell.strip()
        if not text or text.lower() in _NA:
            continue
        try:
            out[i] = float(text)
            numbers += 1
        except ValueError:
            if bad is None:
                bad = (i, text)
    if bad is None:
        return out
    if not strict and numbers == 0:
        return None
    raise CorruptFileError(
        f"{fmt}: {str(path)!r} line {bad[0] + 2} column {column!r} holds {bad[1][:60]!r}, not a "
        f"number ({numbers} other cells of that column are numbers); fix or empty that cell, "
        "or leave the column out of metrics="
    )


def to_float(value: Any) -> float:
    """A float from a scalar-like upstream value (None and junk -> NaN)."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def literal(text: str) -> Any:
    """``ast.literal_eval`` of a NASLib key string, or the string itself."""
    stripped = text.strip()
    if stripped[:1] in "([{":
        try:
            return ast.literal_eval(stripped)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            return text
    return text


# ---- architectures ------------------------------------------------------------
def parse_arch(space: Any, notation: Any, where: str, *, naslib: bool = False) -> Any:
    """``space.parse`` (or ``from_naslib`` first when ``naslib``), naming ``where`` on error."""
    try:
        if naslib and hasattr(space, "from_naslib"):
            try:
                return space.from_naslib(notation)
            except NasBenchKitError:
                return space.parse(notation)
        return space.parse(notation)
    except NasBenchKitError as exc:
        raise OutOfDomainError(
            f"{where}: {notation!r} is not a valid {space.name} architecture ({exc}); "
            "fix or drop that row"
        ) from exc
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise OutOfDomainError(
            f"{where}: {notation!r} is not a valid {space.name} notation "
            f"({type(exc).__name__}: {exc}); fix or drop that row"
        ) from exc


# ---- assembly -------------------------------------------------------------------
def build_table(
    *,
    fmt: str,
    path: Path,
    name: str,
    space: Any,
    dataset: str,
    archs: Sequence[Any],
    row_labels: Sequence[str],
    seeds: tuple[int, ...],
    fidelities: Sequence[float],
    metrics: Sequence[str],
    values: np.ndarray,
    units: Mapping[str, str] | None = None,
    cost_metric: str | None = None,
    provenance: Mapping[str, str],
    checksum: str,
    extra: Mapping[str, str] | None = None,
    drop_empty: bool = True,
) -> TableData:
    """Validate and assemble a :class:`TableData` (float32, unique hashes).

    Metrics that are NaN everywhere are dropped when ``drop_empty`` (a source
    that lacks a split should not advertise it); ``cost_metric`` is cleared when
    it goes.
    """
    n = len(archs)
    if n == 0:
        raise CorruptFileError(f"{fmt}: {str(path)!r} holds no architectures to import")
    values = _as_float32(np.asarray(values, dtype=np.float64), fmt, path, metrics, row_labels)
    expected = (n, max(len(seeds), 1), len(fidelities), len(metrics))
    if values.shape != expected:  # internal consistency, not user input
        raise CorruptFileError(
            f"{fmt}: internal shape mismatch {values.shape} != {expected} for {str(path)!r}"
        )
    units = units_option(fmt, units)
    stray = sorted(set(units) - set(metrics))
    if stray:
        raise OutOfDomainError(
            f"{fmt}: units= names {stray}, which are not metrics of this table; "
            f"its metrics are {list(metrics)}"
        )
    hashes = [a.hash for a in archs]
    first: dict[str, int] = {}
    for i, h in enumerate(hashes):
        j = first.setdefault(h, i)
        if j != i:
            raise OutOfDomainError(
                f"{fmt}: {str(path)!r} {row_labels[i]} and {row_labels[j]} are the same "
                f"{space.name} architecture ({h}); a table holds one row per architecture "
                "-- drop the duplicate"
            )
    extras = {"format": fmt, **dict(extra or {})}
    infinite = np.isinf(values)
    if infinite.any():  # e.g. a proxy score of -Infinity; the store holds NaN for "no value"
        counts = infinite.reshape(-1, len(metrics)).sum(axis=0)
        extras["nonfinite_as_nan"] = ",".join(f"{m}:{int(c)}" for m, c in zip(metrics, counts) if c)
        values = np.where(infinite, np.float32(np.nan), values)
    keep = list(range(len(metrics)))
    if drop_empty:
        keep = [k for k in keep if not np.isnan(values[..., k]).all()]
        if not keep:
            raise CorruptFileError(f"{fmt}: {str(path)!r} holds no numeric values at all")
    kept = tuple(metrics[k] for k in keep)
    if len(keep) != len(metrics):
        values = values[..., keep]
    unit_map = {m: units.get(m, metric_unit(m)) for m in kept}
    negative = negative_time(values, kept, unit_map, cost_metric)
    if negative is not None:
        row, metric, value = negative
        raise OutOfDomainError(
            f"{fmt}: {str(path)!r} {row_labels[row]}: metric {metric!r} (a time, "
            f"{unit_map.get(metric) or 's'}) is {value!r}; times must be >= 0 -- fix the source "
            "or leave the value empty (NaN)"
        )
    order = np.argsort(np.asarray(fidelities, dtype=float), kind="stable")
    fids = tuple(float(fidelities[i]) for i in order)
    if list(order) != list(range(len(order))):
        values = values[:, :, order, :]
    return TableData(
        name=name,
        space=space.name,
        dataset=dataset,
        hashes=hashes,
        notations=[space.to_string(a) for a in archs],
        seeds=tuple(int(s) for s in seeds),
        fidelities=fids,
        metrics=kept,
        units=unit_map,
        values=np.ascontiguousarray(values, dtype=np.float32),
        source=provenance.get("source", ""),
        licence=provenance.get("licence", ""),
        citation=provenance.get("citation", ""),
        source_checksum=checksum,
        cost_metric=cost_metric if cost_metric in kept else None,
        extra=extras,
    )


def _as_float32(
    values: np.ndarray, fmt: str, path: Path, metrics: Sequence[str], labels: Sequence[str]
) -> np.ndarray:
    """``values`` as float32; a finite value beyond float32's range is refused, not made inf."""
    with np.errstate(invalid="ignore"):
        big = np.isfinite(values) & (np.abs(values) > np.finfo(np.float32).max)
    if big.any():
        row, *_rest, k = (int(i) for i in np.argwhere(big)[0])
        raise OutOfDomainError(
            f"{fmt}: {str(path)!r} {labels[row]}: metric {metrics[k]!r} is {values[big][0]!r}, "
            "beyond the float32 range tables store (|x| < 3.4e38); fix the source value"
        )
    return values.astype(np.float32)


def provenance(
    defaults: Mapping[str, str], source: str | None, licence: str | None, citation: str | None
) -> dict[str, str]:
    """The converter's default provenance texts, overridden by caller options."""
    out = dict(defaults)
    for key, value in (("source", source), ("licence", licence), ("citation", citation)):
        if value is not None:
            out[key] = str(value)
    return out


def choose(fmt: str, option: str, value: Any, available: Sequence[str], path: Path) -> str:
    """Validate ``value`` against ``available`` (default: the only one)."""
    if value is None:
        if len(available) == 1:
            return available[0]
        raise OutOfDomainError(
            f"{fmt}: {str(path)!r} holds several {option}s {list(available)}; "
            f"pass {option}=<one of them>"
        )
    if value not in available:
        raise OutOfDomainError(
            f"{fmt}: {option}={value!r} is not in {str(path)!r}; choose one of {list(available)}"
        )
    return str(value)


def verified_nb101_arch(space: Any, matrix: Any, ops: Sequence[str], key: str, where: str) -> Any:
    """Build the NB101 cell of ``(matrix, ops)`` and check its module hash equals ``key``.

    Official NB101 files key each record by the module hash of its own spec; a
    mismatch (or an invalid spec) means the file is corrupt.
    """
    try:
        arch = space.from_spec(matrix, list(ops))
    except NasBenchKitError as exc:
        raise CorruptFileError(f"{where}: the cell is not a valid NB101 cell ({exc})") from exc
    if arch.hash != key:
        raise CorruptFileError(
            f"{where}: the stored module hash {key} differs from the hash of its own "
            f"adjacency and ops ({arch.hash}); the file is corrupt"
        )
    return arch
