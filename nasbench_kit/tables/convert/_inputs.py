"""Checks on what a user hands a converter: the kind of file and the options.

A converter first asks :func:`expect_kind` whether the file is the kind it
reads, so a CSV given to ``nb201-pth`` says "this is a CSV; use nb201-csv"
instead of a confusing parser error. The ``*_option`` helpers turn a bad
option (``fidelity=-5``, ``units={'m': 5}``, ``metrics="val_acc"``) into an
:class:`~nasbench_kit.errors.OutOfDomainError` that names the value, the rule
and the fix.

>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = f.write_text("arch,acc\\n1,2\\n")
>>> sniff(f), fidelity_option("csv", 12), metrics_option("csv", "acc")
('csv', 12.0, {'acc': ''})
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Mapping
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, NasBenchKitError, OutOfDomainError

__all__ = [
    "MAX_EPOCHS", "epochs_count", "expect_kind", "fidelities_option", "fidelity_option",
    "malformed", "metrics_option", "sniff", "text_option", "units_option",
]  # fmt: skip

#: What each sniffed kind is, and which formats read it.
KINDS: dict[str, tuple[str, str]] = {
    "csv": ("a CSV text file", "format 'nb201-csv' (NAS-Bench-201 result tables) or 'csv'"),
    "json": ("a JSON file", "format 'zc-json' (NAS-Bench-Suite-Zero) or 'nb301-json'"),
    "pickle": ("a Python pickle",
               "format 'naslib-nb201', 'naslib-nb101', 'nbgraph-bench' or 'analognas'"),
    "zip": ("a zip archive (a torch .pth/.pt is one)", "format 'nb201-pth' or 'help-latency'"),
    "bz2": ("a bz2-compressed file", "format 'nats-tss' (.pickle.pbz2)"),
    "gzip": ("a gzip-compressed file", "no format directly: unpack it first (tar -xzf/gunzip)"),
    "hdf5": ("an HDF5 file", "no import: nasbench_kit tables are HDF5 -- open it by name with "
             "nbk.load"),
    "directory": ("a directory", "format 'nats-tss', 'nb301-json' or 'help-latency'"),
    "text": ("a text file", "a format for text: 'nb201-csv', 'csv', 'zc-json' or 'nb301-json'"),
    "binary": ("a binary file of unknown kind", "format 'nb101-tfrecord' if it is a TFRecord"),
    "empty": ("an empty file (0 bytes)", "the downloaded file: this one is empty"),
}  # fmt: skip

_PICKLE_PROTOCOLS = (b"\x02", b"\x03", b"\x04", b"\x05")
#: Kinds a pickle can sniff as: protocols 2-5 start with a PROTO opcode, 0-1 are text-like.
PICKLE_KINDS = ("pickle", "binary", "text")


def sniff(path: Path) -> str:
    """The kind of ``path`` from its first bytes: one of :data:`KINDS`."""
    if path.is_dir():
        return "directory"
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise CorruptFileError(f"{str(path)!r} cannot be read ({exc.strerror or exc})") from None
    if not head:
        return "empty"
    for magic, kind in ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"BZh", "bz2"),
                        (b"\x89HDF\r\n\x1a\n", "hdf5"), (b"\x1f\x8b", "gzip")):  # fmt: skip
        if head.startswith(magic):
            return kind
    if head[:1] == b"\x80" and head[1:2] in _PICKLE_PROTOCOLS:
        return "pickle"
    if b"\x00" in head:
        return "binary"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the 4 KiB boundary
            return "binary"
        text = head[: exc.start].decode("utf-8-sig", errors="ignore")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):  # neither is a pickle opcode
        return "json"
    first = stripped.splitlines()[0] if stripped else ""
    return "csv" if ("," in first or "\t" in first) else "text"


def expect_kind(fmt: str, path: Path, allowed: Iterable[str], what: str) -> str:
    """The kind of ``path``; :class:`CorruptFileError` unless it is one of ``allowed``.

    ``what`` describes what the format reads, e.g. ``"a torch .pth file"``.
    """
    kind = sniff(path)
    if kind == "empty":
        raise CorruptFileError(
            f"{fmt}: {str(path)!r} is empty (0 bytes), not {what}; download it again"
        )
    if kind not in set(allowed):
        label, use = KINDS[kind]
        raise CorruptFileError(
            f"{fmt}: {str(path)!r} is {label}, not {what}; use {use}"
        )
    return kind


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def fidelity_option(fmt: str, value: Any, option: str = "fidelity") -> float | None:
    """``value`` as a positive, finite number of epochs (None stays None)."""
    if value is None:
        return None
    number = float(value) if _is_number(value) else math.nan
    if not (math.isfinite(number) and number > 0):
        raise OutOfDomainError(
            f"{fmt}: {option}={value!r} is not a positive, finite number of epochs; pass e.g. "
            f"{option}=200"
        )
    return number


def fidelities_option(fmt: str, value: Any) -> list[float] | None:
    """A list of positive epoch numbers (None stays None)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise OutOfDomainError(
            f"{fmt}: fidelities={value!r:.80} is not a list of epochs; pass e.g. fidelities=[12, 200]"
        )
    out = [fidelity_option(fmt, v, "fidelities entry") for v in value]
    if not out:
        raise OutOfDomainError(f"{fmt}: fidelities=[] keeps nothing; pass None for every epoch")
    return [float(v) for v in out if v is not None]


def text_option(fmt: str, option: str, value: Any) -> str | None:
    """A non-empty string option (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise OutOfDomainError(
            f"{fmt}: {option}={value!r:.80} must be a non-empty string (e.g. {option}='cifar10')"
        )
    return value


def units_option(fmt: str, units: Any) -> dict[str, str]:
    """``{metric: unit}`` with string keys and values."""
    if units is None:
        return {}
    if not isinstance(units, Mapping):
        raise OutOfDomainError(
            f"{fmt}: units={units!r:.80} is not a mapping; pass e.g. units={{'val_acc': '%'}}"
        )
    for metric, unit in units.items():
        if not isinstance(metric, str) or not isinstance(unit, str):
            raise OutOfDomainError(
                f"{fmt}: units entry {metric!r}: {unit!r} must map a metric name to a unit "
                "string, e.g. units={'latency': 'ms'}"
            )
    return dict(units)


def metrics_option(fmt: str, metrics: Any) -> dict[str, str] | None:
    """``metrics=`` as ``{column: metric name or ""}`` (``""``: the format's default name).

    A single string selects that one column (it is not iterated by character).
    """
    if metrics is None:
        return None
    if isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, Mapping):
        pairs = list(metrics.items())
    elif isinstance(metrics, Iterable) and not isinstance(metrics, bytes):
        pairs = [(c, "") for c in metrics]
    else:
        pairs = [(metrics, "")]
    for column, name in pairs:
        if not isinstance(column, str) or not column or not isinstance(name, str):
            raise OutOfDomainError(
                f"{fmt}: metrics entry {column!r}: {name!r} is not a column name (and metric "
                "name); pass a list of column names or {column: metric_name}"
            )
    if not pairs:
        raise OutOfDomainError(f"{fmt}: metrics= selects no column; pass None for every column")
    columns = [c for c, _ in pairs]
    if len(set(columns)) != len(columns):
        raise OutOfDomainError(f"{fmt}: metrics= names a column twice: {columns}")
    return dict(pairs)


#: Largest epoch count a converter believes (NB201: 200, NB301: 100); more means corruption.
MAX_EPOCHS = 10_000

#: Errors that untrusted nested data raises when it lacks the expected layout.
_LAYOUT_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
                  RecursionError)  # fmt: skip


@contextlib.contextmanager
def malformed(where: str, layout: str) -> Iterator[None]:
    """Turn a layout error while reading untrusted records into :class:`CorruptFileError`.

    The package's own errors pass through unchanged.

    >>> with malformed("f.pickle key 3", "a NASLib record"):
    ...     {}["x"]
    Traceback (most recent call last):
    ...
    nasbench_kit.errors.CorruptFileError: f.pickle key 3 is not in the layout of a NASLib record (KeyError: 'x'); the file is corrupt or of another format
    """
    try:
        yield
    except NasBenchKitError:
        raise
    except _LAYOUT_ERRORS as exc:
        raise CorruptFileError(
            f"{where} is not in the layout of {layout} ({type(exc).__name__}: {str(exc)[:200]}); "
            "the file is corrupt or of another format"
        ) from exc


def epochs_count(value: Any, where: str) -> int:
    """``value`` as a number of epochs in ``0..MAX_EPOCHS`` (corrupt otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
        0 <= int(value) <= MAX_EPOCHS
    ):
        raise CorruptFileError(
            f"{where}: {value!r:.40} is not an epoch count in 0..{MAX_EPOCHS}; the file is corrupt"
        )
    return int(value)
