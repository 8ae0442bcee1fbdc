"""Converter for AnalogNAS-Bench (PyPI ``analog-nasbench``): ``analognasbench/data.anb``.

The file is a pickled dict of all 15,625 NB201 cells on CIFAR-10, keyed by
NASLib tuples; each value is an instance of the package's ``Architecture``
class. It is read through the restricted unpickler with that class (and its
``DriftMeasurement``) mapped to a plain record; the package's code is never
imported. Accuracies arrive as floats or ``"value ± std"`` strings; drift
figures as ``(value, uncertainty)`` records.

Metrics (all ``%``, single fidelity 200 epochs, mean over the package's
repetitions, no per-seed values, no cost metric):

- ``test_acc`` (digital baseline test accuracy), ``ptq_acc`` (post-training
  quantisation), ``qat_acc`` (quantisation-aware training), ``noisy_acc``
  (baseline weights under analog noise), ``analog_acc`` (hardware-aware
  trained model on analog hardware);
- ``{baseline,analog}_drift_acc_{1m,1h,1d,30d}`` and ``..._std``: accuracy
  after conductance drift of 60 s, 1 h, 1 day and 30 days, and its spread.

>>> td = convert()  # the installed package file
>>> len(td.hashes), td.metrics[0]
(15625, 'test_acc')
"""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, OutOfDomainError, UnknownBenchmarkError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables._safe_pickle import PlainRecord, safe_load
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "analognas"
PACKAGE = "analognasbench"
DATA_FILE = "data.anb"
SOURCE = "analog-nasbench 0.1.3 (PyPI), analognasbench/data.anb"
LICENCE = "Apache-2.0"
CITATION = (
    "AnalogNAS-Bench: A NAS Benchmark for Analog In-Memory Computing. arXiv:2506.18495 "
    "(2025); code and data: github.com/IBM/analog-nas (analognasbench)."
)

_ALLOW = {
    ("analognasbench.data", "Architecture"): PlainRecord,
    ("analognasbench.data", "DriftMeasurement"): PlainRecord,
}
_ACCURACIES = (
    ("test_acc", "baseline_accuracy"),
    ("ptq_acc", "ptq_accuracy"),
    ("qat_acc", "qat_accuracy"),
    ("noisy_acc", "noisy_accuracy"),
    ("analog_acc", "analog_accuracy"),
)
_DRIFT_TIMES = (("1m", 60), ("1h", 3600), ("1d", 86400), ("30d", 2592000))


def installed_path() -> Path:
    """Path of ``data.anb`` inside the installed package (its code is not run)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / DATA_FILE
        if path.is_file():
            return path
    raise UnknownBenchmarkError(
        f"the embedded benchmark needs the package analog-nasbench ({PACKAGE}/{DATA_FILE} "
        "not found); install it with `pip install analog-nasbench==0.1.3`"
    )


def source_stat(**_options: Any) -> str | None:
    """``"size:mtime_ns"`` of the installed data file (None when not installed)."""
    try:
        st = installed_path().stat()
    except UnknownBenchmarkError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def _split(x: Any) -> tuple[float, float]:
    """``(value, std)`` from a float, a ``"v ± s"`` string or a drift record."""
    if type(x) is float:
        return x, math.nan
    if isinstance(x, PlainRecord):  # a drift record holds plain numbers, never records
        value, spread = (getattr(x, a, math.nan) for a in ("value", "uncertainty"))
        if isinstance(value, PlainRecord) or isinstance(spread, PlainRecord):
            return math.nan, math.nan
        return _split(value)[0], _split(spread)[0]
    if isinstance(x, (int, float, np.floating, np.integer)) and not isinstance(x, bool):
        return float(x), math.nan
    if isinstance(x, str):
        head, _, tail = x.partition("±")
        try:
            return float(head), float(tail) if tail.strip() else math.nan
        except ValueError:
            return math.nan, math.nan
    return math.nan, math.nan


def _metric_names() -> tuple[str, ...]:
    names = [m for m, _ in _ACCURACIES]
    for kind in ("baseline", "analog"):
        for label, _ in _DRIFT_TIMES:
            names += [f"{kind}_drift_acc_{label}", f"{kind}_drift_acc_{label}_std"]
    return tuple(names)


def convert(
    path: str | os.PathLike[str] | None = None, name: str | None = None, **options: Any
) -> TableData:
    """Read ``data.anb`` (default: the installed package's) into a ``TableData``."""
    if options:
        raise OutOfDomainError(f"the analognas converter takes no options, got {sorted(options)}")
    if path is None:
        src = installed_path()
    else:
        src = C.as_path(path, FORMAT)
        I.expect_kind(FORMAT, src, I.PICKLE_KINDS, "AnalogNAS-Bench's pickled data.anb")
    data = safe_load(src, allow=_ALLOW, verified=C.pinned(src))
    if not isinstance(data, dict) or not data:
        raise CorruptFileError(
            f"file {str(src)!r} should hold a non-empty dict of NASLib tuples -> records, "
            f"got {type(data).__name__}"
        )
    space = get_space("nb201")
    metrics = _metric_names()
    rows: list[tuple[int, str, list[float]]] = []
    for key, rec in data.items():
        try:
            arch = space.from_naslib(tuple(key))
        except (OutOfDomainError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise CorruptFileError(
                f"file {str(src)!r}: key {key!r} is not a NASLib NB201 tuple ({exc})"
            ) from exc
        if not isinstance(rec, PlainRecord):
            raise CorruptFileError(
                f"file {str(src)!r}: value of {key!r} is a {type(rec).__name__}, not a record"
            )
        attrs = vars(rec)
        vals = [_split(attrs.get(field, math.nan))[0] for _, field in _ACCURACIES]
        for kind in ("baseline", "analog"):
            for _, seconds in _DRIFT_TIMES:
                vals.extend(_split(attrs.get(f"{kind}_drift_{seconds}", math.nan)))
        rows.append((getattr(arch, "index", 0), arch.hash, vals))
    rows.sort(key=lambda r: r[0])
    values = np.array([r[2] for r in rows], dtype=np.float32)
    stat = src.stat()

    return TableData(
        name=name or "analognas/cifar10",
        space="nb201",
        dataset="cifar10",
        hashes=[r[1] for r in rows],
        notations=[r[1] for r in rows],  # the NB201 hash is its arch string
        seeds=(),
        fidelities=(200.0,),
        metrics=metrics,
        units=dict.fromkeys(metrics, "%"),
        values=values.reshape(len(rows), 1, 1, len(metrics)),
        source=SOURCE if path is None else f"AnalogNAS-Bench file {src.name}",
        licence=LICENCE,
        citation=CITATION,
        source_checksum=C.file_sha256(src),
        cost_metric=None,
        extra={
            "source_stat": f"{stat.st_size}:{stat.st_mtime_ns}",
            "key_notation": "NASLib tuple",
            "drift_times_s": ", ".join(f"{lab}={sec}" for lab, sec in _DRIFT_TIMES),
        },
    )
