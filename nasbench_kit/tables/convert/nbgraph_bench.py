"""Converter for NAS-Bench-Graph light tables (PyPI ``nas-bench-graph``): ``light/<ds>.bench``.

Each file is a pickled dict ``{key: {"valid_perf", "perf", "latency", "para"}}``
keyed by the package's integer architecture key (26,206 GNNs; ``proteins``:
2,021), read through the restricted unpickler; the package's code is never
imported. Rows are keyed by the key as ``str`` (space ``nbgraph``).

Metrics and units:

- ``val_acc``, ``test_acc`` (%): ``valid_perf`` and ``perf``. The source stores
  fractions in [0, 1] (checked on every file); they are multiplied by 100.
  For ``proteins`` (ogbn-proteins) the measure is ROC-AUC, not accuracy: the
  names are kept so searches run unchanged across datasets, the unit says
  ``% ROC-AUC``.
- ``latency`` (ms): the source's seconds times 1000.
- ``params`` (millions): ``para`` unchanged.

The light tables publish one final result per architecture, averaged over
the authors' runs: no seeds, one fidelity. Its label ``1.0`` means "the
dataset's full training budget" (the authors tuned 200-500 epochs per dataset);
there is no cost metric, so ``EvalResult.cost`` is 0.0.

>>> td = convert(dataset="cora")
>>> len(td.hashes), td.metrics
(26206, ('val_acc', 'test_acc', 'latency', 'params'))
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
from nasbench_kit.tables._safe_pickle import safe_load
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "nbgraph-bench"
PACKAGE = "nas_bench_graph"
DATASETS: tuple[str, ...] = (
    "cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins",
)  # fmt: skip
LICENCE = "Apache-2.0"
CITATION = (
    "Qin, Y., Zhang, Z., Wang, X., Zhang, Z. and Zhu, W. NAS-Bench-Graph: Benchmarking "
    "Graph Neural Architecture Search. NeurIPS 2022 Datasets and Benchmarks."
)
METRICS: tuple[str, ...] = ("val_acc", "test_acc", "latency", "params")
_FIELDS = ("valid_perf", "perf", "latency", "para")


def installed_path(dataset: str) -> Path:
    """Path of ``light/<dataset>.bench`` in the installed package (code not run)."""
    if dataset not in DATASETS:
        raise OutOfDomainError(
            f"NAS-Bench-Graph dataset {dataset!r} is unknown; choose one of {list(DATASETS)}"
        )
    spec = importlib.util.find_spec(PACKAGE)
    for folder in list(spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "light" / f"{dataset}.bench"
        if path.is_file():
            return path
    raise UnknownBenchmarkError(
        f"the embedded benchmark nbgraph/{dataset} needs the package nas-bench-graph "
        f"({PACKAGE}/light/{dataset}.bench not found); install `nas-bench-graph==1.4.0`"
    )


def source_stat(dataset: str = "cora", **_options: Any) -> str | None:
    """``"size:mtime_ns"`` of the installed file (None when not installed)."""
    try:
        st = installed_path(dataset).stat()
    except UnknownBenchmarkError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def convert(
    path: str | os.PathLike[str] | None = None,
    name: str | None = None,
    dataset: str | None = None,
    **options: Any,
) -> TableData:
    """Read one light table (default: the installed package's ``<dataset>.bench``).

    ``dataset`` defaults to the file's stem when ``path`` is given.
    """
    if options:
        raise OutOfDomainError(
            f"the nbgraph-bench converter takes only dataset=..., got {sorted(options)}"
        )
    dataset = I.text_option(FORMAT, "dataset", dataset)
    if path is None:
        dataset = dataset or "cora"
        src = installed_path(dataset)
    else:
        src = C.as_path(path, FORMAT)
        I.expect_kind(FORMAT, src, I.PICKLE_KINDS, "a pickled NAS-Bench-Graph .bench table")
        dataset = dataset or src.stem
    data = safe_load(src, verified=C.pinned(src))
    if not isinstance(data, dict) or not data:
        raise CorruptFileError(
            f"file {str(src)!r} should hold a non-empty dict of key -> results, "
            f"got {type(data).__name__}"
        )
    space = get_space("nbgraph")
    rows: list[tuple[int, str, str, list[float]]] = []
    for key, rec in data.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise CorruptFileError(f"file {str(src)!r}: key {key!r} is not an integer key")
        arch = space.from_key(int(key))
        if not isinstance(rec, dict) or any(f not in rec for f in _FIELDS):
            raise CorruptFileError(
                f"file {str(src)!r}: entry {key!r} lacks one of {list(_FIELDS)}"
            )
        try:
            vals = [float(rec[f]) for f in _FIELDS]
        except (TypeError, ValueError, OverflowError) as exc:
            raise CorruptFileError(
                f"file {str(src)!r}: entry {key!r} holds a non-number ({exc}); the file is corrupt"
            ) from exc
        rows.append((int(key), arch.hash, space.to_string(arch), vals))
    rows.sort(key=lambda r: r[0])
    raw = np.array([r[3] for r in rows], dtype=np.float64)
    perf = raw[:, :2]
    finite = perf[np.isfinite(perf)]
    fractions = bool(finite.size) and float(finite.min()) >= 0.0 and float(finite.max()) <= 1.0
    if fractions:
        raw[:, :2] *= 100.0
    raw[:, 2] *= 1000.0  # seconds -> ms
    perf_unit = "%" if fractions else "source units"
    measure = "ROC-AUC" if dataset == "proteins" else "accuracy"
    if measure != "accuracy":
        perf_unit = f"{perf_unit} {measure}"
    stat = src.stat()
    n = len(rows)
    return TableData(
        name=name or f"nbgraph/{dataset}",
        space="nbgraph",
        dataset=dataset,
        hashes=[r[1] for r in rows],
        notations=[r[2] for r in rows],
        seeds=(),
        fidelities=(1.0,),
        metrics=METRICS,
        units={"val_acc": perf_unit, "test_acc": perf_unit, "latency": "ms", "params": "M"},
        values=raw.astype(np.float32).reshape(n, 1, 1, len(METRICS)),
        source=(
            f"nas-bench-graph 1.4.0 (PyPI), nas_bench_graph/light/{dataset}.bench"
            if path is None
            else f"NAS-Bench-Graph light file {src.name}"
        ),
        licence=LICENCE,
        citation=CITATION,
        source_checksum=C.file_sha256(src),
        cost_metric=None,
        extra={
            "source_stat": f"{stat.st_size}:{stat.st_mtime_ns}",
            "perf_measure": measure,
            "perf_scaling": "x100 (source stores fractions)" if fractions else "unchanged",
            "latency_scaling": "x1000 (source seconds -> ms)",
            "fidelity": "1.0 = the dataset's full tuned budget; light tables hold final results",
            "key_notation": "nas-bench-graph integer key",
            "nan_rows": str(int(math.fsum(np.isnan(raw).any(axis=1)))),
        },
    )
