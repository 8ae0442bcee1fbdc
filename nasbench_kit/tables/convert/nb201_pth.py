"""Import the official NAS-Bench-201 ``.pth`` files (format ``"nb201-pth"``).

``NAS-Bench-201-v1_0-e61699.pth`` / ``NAS-Bench-201-v1_1-096897.pth`` are a
``torch.save`` of a dict::

    {"meta_archs": [arch_str, ...], "total_archs": 15625,
     "evaluated_indexes": [...],
     "arch2infos": {index: {"less": ArchResults-dict, "full": ArchResults-dict}}}

``less`` holds the 12-epoch schedule (``hp="12"``), ``full`` the 200-epoch one
(``hp="200"``). An ArchResults dict has ``arch_str``, ``dataset_seed``
(``{dataset: [seeds]}``) and ``all_results`` (``{(dataset, seed): ResultsCount
dict}``); a ResultsCount dict holds per-epoch ``train_acc1es``,
``train_losses``, ``train_times`` (keyed by epoch index), ``eval_acc1es`` /
``eval_losses`` / ``eval_times`` keyed ``"<set>@<epoch>"`` (sets ``x-valid``,
``x-test``, ``ori-test``), and ``params`` (M), ``flop`` (M), ``latency`` (a list
of seconds). :func:`arch_results_arrays` turns one ArchResults dict into
arrays; the NATS-Bench converter reuses it.

Per dataset, the evaluation sets map to metrics as NB201 defines them:
``cifar10-valid``: ``x-valid`` -> ``val_*``, ``ori-test`` -> ``test_*``;
``cifar10``: ``ori-test`` -> ``test_*``; ``cifar100`` / ``ImageNet16-120``:
``x-valid`` -> ``val_*``, ``x-test`` -> ``test_*``, ``ori-test`` (valid+test)
-> ``valtest_*``. ``train_time`` is the cumulative training seconds up to each
epoch (the cost metric); latency is reported in ms.

>>> from nasbench_kit.tables.convert.nb201_pth import results_count_arrays
>>> rc = {"epochs": 2, "train_acc1es": {0: 40.0, 1: 55.0}, "train_times": {0: 9.0, 1: 9.5},
...       "eval_acc1es": {"x-valid@0": 38.0, "x-valid@1": 52.0}, "flop": 82.5, "params": 0.59,
...       "latency": [0.011, 0.013]}
>>> arrays = results_count_arrays(rc, "cifar10-valid", 2)
>>> arrays["val_acc"].tolist(), arrays["train_time"].tolist(), round(float(arrays["latency"][0]), 3)
([38.0, 52.0], [9.0, 18.5], 12.0)

Converting the real file (``convert("NAS-Bench-201-v1_1-096897.pth", dataset="cifar100",
hp="12")``) gives seeds ``(777, 888, 999)`` and fidelities ``1.0 .. 12.0``.
"""

from __future__ import annotations

import functools
import io
import math
import warnings
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit import _progress
from nasbench_kit.errors import CorruptFileError, OutOfDomainError, UnsafeFileError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "nb201-pth"

DATASETS: tuple[str, ...] = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")

#: Evaluation set -> metric prefix, per dataset (NB201's own split semantics).
EVAL_SETS: dict[str, dict[str, str]] = {
    "cifar10-valid": {"x-valid": "val", "ori-test": "test"},
    "cifar10": {"ori-test": "test"},
    "cifar100": {"x-valid": "val", "x-test": "test", "ori-test": "valtest"},
    "ImageNet16-120": {"x-valid": "val", "x-test": "test", "ori-test": "valtest"},
}

#: Metric order of the imported tables.
METRICS: tuple[str, ...] = (
    "train_acc", "train_loss", "val_acc", "val_loss", "test_acc", "test_loss",
    "valtest_acc", "valtest_loss", "train_time", "params", "flops", "latency",
)  # fmt: skip

#: ``hp=`` spellings -> the keys an archive may use for that schedule.
HP_KEYS: dict[str, tuple[str, ...]] = {
    "12": ("12", "less"),
    "less": ("12", "less"),
    "200": ("200", "full"),
    "full": ("200", "full"),
}

#: File kinds (``_inputs.sniff``) a torch-saved file can have: zip, or a legacy
#: pickle stream (protocol 2, or any protocol when written by plain pickle).
TORCH_KINDS = ("zip", "pickle", "binary")

#: First pickle of a legacy (pre-zip) ``torch.save`` file.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_PROVENANCE = {
    "source": "NAS-Bench-201 benchmark file (D-X-Y/NAS-Bench-201, torch .pth)",
    "licence": "MIT",
    "citation": C.NB201_CITATION,
}


def hp_label(hp: str | int, fmt: str) -> tuple[str, tuple[str, ...]]:
    """Canonical ``"12"``/``"200"`` and the archive keys to try for ``hp``."""
    key = str(hp)
    if key not in HP_KEYS:
        raise OutOfDomainError(
            f"{fmt}: hp={hp!r} is not a NAS-Bench-201 schedule; use hp='200' (full, "
            "200 epochs) or hp='12' (less, 12 epochs)"
        )
    keys = HP_KEYS[key]
    return keys[0], keys


@functools.lru_cache(maxsize=64)
def _eval_keys(set_name: str, n: int) -> tuple[str, ...]:
    return tuple(f"{set_name}@{e}" for e in range(n))


def _lookup(obj: Mapping[Any, Any], keys: Sequence[Any]) -> np.ndarray:
    """``obj[k]`` as floats for each key (missing -> NaN), fast for plain numbers."""
    vals = [obj.get(k) for k in keys]
    try:
        return np.array(vals, dtype=float)  # None -> NaN
    except (TypeError, ValueError):
        return np.array([C.to_float(v) for v in vals])


def _series(obj: Any, n: int) -> np.ndarray:
    """Per-epoch values from a dict keyed by epoch index or a list."""
    out = np.full(n, np.nan)
    if obj is None:
        return out
    if isinstance(obj, Mapping):
        if all(isinstance(k, int) for k in obj):
            return _lookup(obj, range(n))
        for k, v in obj.items():
            try:
                e = int(k)
            except (TypeError, ValueError):
                continue
            if 0 <= e < n:
                out[e] = C.to_float(v)
        return out
    if isinstance(obj, Sequence) and not isinstance(obj, str):
        vals = [C.to_float(v) for v in list(obj)[:n]]
        out[: len(vals)] = vals
    return out


def _eval_series(obj: Any, set_name: str, n: int) -> np.ndarray:
    if not isinstance(obj, Mapping):
        return np.full(n, np.nan)
    return _lookup(obj, _eval_keys(set_name, n))


def _latency_ms(value: Any) -> float:
    if isinstance(value, (list, tuple)):
        vals = [C.to_float(v) for v in value]
        vals = [v for v in vals if v > 0]
        return 1000.0 * float(np.mean(vals)) if vals else math.nan
    v = C.to_float(value)
    return 1000.0 * v if v > 0 else math.nan


def _epochs_of(rc: Mapping[str, Any]) -> int:
    n = rc.get("epochs")
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0:
        return I.epochs_count(n, "an NB201 trial's 'epochs'")
    series = rc.get("train_acc1es")
    return I.epochs_count(len(series), "an NB201 trial's epoch series") if series is not None else 0


def results_count_arrays(rc: Mapping[str, Any], dataset: str, n: int) -> dict[str, np.ndarray]:
    """One trial (ResultsCount dict) -> ``{metric: array of n epochs}``."""
    out = {
        "train_acc": _series(rc.get("train_acc1es"), n),
        "train_loss": _series(rc.get("train_losses"), n),
    }
    times = _series(rc.get("train_times"), n)
    out["train_time"] = np.cumsum(times) if not np.isnan(times).all() else times
    for set_name, prefix in EVAL_SETS.get(dataset, {}).items():
        out[f"{prefix}_acc"] = _eval_series(rc.get("eval_acc1es"), set_name, n)
        out[f"{prefix}_loss"] = _eval_series(rc.get("eval_losses"), set_name, n)
    out["params"] = np.full(n, C.to_float(rc.get("params")))
    out["flops"] = np.full(n, C.to_float(rc.get("flop")))
    out["latency"] = np.full(n, _latency_ms(rc.get("latency")))
    return out


def arch_results_arrays(
    state: Mapping[str, Any], dataset: str, where: str
) -> tuple[dict[int, dict[str, np.ndarray]], int]:
    """ArchResults dict -> ``({seed: {metric: per-epoch array}}, n_epochs)``.

    An architecture not evaluated on ``dataset`` gives an empty dict.
    """
    if not isinstance(state, Mapping) or "all_results" not in state:
        raise CorruptFileError(
            f"{where} is not an NB201 ArchResults record (no 'all_results'); the file is "
            "not in the NAS-Bench-201 / NATS-Bench layout"
        )
    results = state["all_results"]
    seeds = (state.get("dataset_seed") or {}).get(dataset)
    if seeds is None:
        seeds = sorted(s for (d, s) in results if d == dataset)
    trials: dict[int, Mapping[str, Any]] = {}
    for seed in seeds:
        rc = results.get((dataset, seed))
        if isinstance(rc, Mapping):
            trials[int(seed)] = rc
        elif rc is not None and hasattr(rc, "__dict__"):
            trials[int(seed)] = vars(rc)
    n = max((_epochs_of(rc) for rc in trials.values()), default=0)
    return {s: results_count_arrays(rc, dataset, n) for s, rc in trials.items()}, n


def datasets_in(state: Mapping[str, Any]) -> list[str]:
    """Datasets an ArchResults dict has trials for."""
    ds = state.get("dataset_seed")
    if isinstance(ds, Mapping) and ds:
        return list(ds)
    return sorted({d for (d, _s) in state.get("all_results", {})})


def assemble(
    *,
    fmt: str,
    path: Path,
    records: Sequence[tuple[str, str, Mapping[str, Any]]],
    dataset: str,
    hp: str,
    name: str,
    fidelities: Sequence[float] | None,
    provenance: Mapping[str, str],
    checksum: str,
    extra: Mapping[str, str],
    progress: bool | None = None,
) -> TableData:
    """Shared NB201/NATS assembly: ``records`` is ``[(label, arch_str, ArchResults)]``."""
    from nasbench_kit.spaces import get_space

    space = get_space("nb201")
    if dataset not in DATASETS:
        raise OutOfDomainError(
            f"{fmt}: dataset={dataset!r} is not an NB201 dataset; choose one of {list(DATASETS)}"
        )
    per_arch = []
    archs = []
    labels = []
    n_epochs = 0
    seeds: set[int] = set()
    bar = _progress.progress(records, total=len(records), desc=f"{fmt} {dataset}",
                             unit="arch", enabled=progress)  # fmt: skip
    for label, arch_str, state in bar:
        where = f"{fmt}: {str(path)!r} {label}"
        with I.malformed(where, "an NB201 ArchResults record"):
            trials, n = arch_results_arrays(state, dataset, where)
        if not trials:
            continue
        archs.append(C.parse_arch(space, arch_str, where))
        labels.append(label)
        per_arch.append(trials)
        n_epochs = max(n_epochs, n)
        seeds.update(trials)
    if not archs:
        with I.malformed(f"{fmt}: {str(path)!r}", "NB201 ArchResults records"):
            found = sorted({str(d) for _l, _a, st in records for d in datasets_in(st)})
        raise OutOfDomainError(
            f"{fmt}: {str(path)!r} has no results for dataset={dataset!r} at hp={hp!r}; "
            f"it has {found}"
        )
    seed_list = sorted(seeds)
    all_fids = np.arange(1, n_epochs + 1, dtype=float)
    if fidelities is None:
        keep = np.arange(n_epochs)
    else:
        wanted = [float(f) for f in fidelities]
        bad = [f for f in wanted if not (f.is_integer() and 1 <= f <= n_epochs)]
        if bad:
            raise OutOfDomainError(
                f"{fmt}: fidelities {bad} are not epochs of this schedule (1..{n_epochs})"
            )
        keep = np.array(sorted({int(f) - 1 for f in wanted}))
    values = np.full((len(archs), len(seed_list), len(keep), len(METRICS)), np.nan, np.float32)
    col = {s: j for j, s in enumerate(seed_list)}
    for i, trials in enumerate(per_arch):
        for seed, arrays in trials.items():
            n = len(arrays["train_acc"])
            if n == 0:
                continue
            nan = np.full(n, np.nan)
            mat = np.stack([arrays.get(m, nan) for m in METRICS], axis=-1)
            valid = keep < n
            values[i, col[seed], valid] = mat[keep[valid]]
    return C.build_table(
        fmt=fmt,
        path=path,
        name=name,
        space=space,
        dataset=dataset,
        archs=archs,
        row_labels=labels,
        seeds=tuple(seed_list),
        fidelities=tuple(all_fids[keep]),
        metrics=METRICS,
        values=values,
        cost_metric="train_time",
        provenance=provenance,
        checksum=checksum,
        extra={"hp": hp, **dict(extra)},
    )


def _zip_member(path: Path, member: str) -> bytes:
    """The bytes of the one ``.../<member>`` of a torch zip (corrupt zips: CorruptFileError)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n == member or n.endswith("/" + member)]
            if len(names) != 1:
                raise CorruptFileError(f"{str(path)!r} is a zip but not a torch file")
            return archive.read(names[0])
    except CorruptFileError:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, NotImplementedError,
            RuntimeError, zlib.error) as exc:  # fmt: skip
        raise CorruptFileError(
            f"{str(path)!r} is a damaged zip archive ({type(exc).__name__}: {exc}); download it "
            "again"
        ) from exc


def _load_restricted(path: Path) -> Any:
    """The pickled dict inside a torch file (zip or legacy) or a plain pickle.

    Benchmark files hold plain containers only, so the restricted unpickler
    reads them directly (about 10x faster than torch's weights-only reader);
    a file that needs torch (tensors, persistent ids) raises here.
    """
    from nasbench_kit.tables._safe_pickle import safe_load

    if zipfile.is_zipfile(path):
        return safe_load(io.BytesIO(_zip_member(path, "data.pkl")))
    with open(path, "rb") as fh:
        first = safe_load(fh)
        if isinstance(first, int) and first == _LEGACY_MAGIC:
            safe_load(fh)  # protocol version
            safe_load(fh)  # system info
            return safe_load(fh)
        return first


def _load(path: Path) -> Any:
    """Restricted unpickler first; torch's weights-only reader when the file needs torch."""
    from nasbench_kit.tables._safe_pickle import safe_torch_load

    restricted_error: Exception | None = None
    try:
        data = _load_restricted(path)
        if isinstance(data, Mapping):
            return data
    except UnsafeFileError as exc:
        restricted_error = UnsafeFileError(f"{FORMAT}: {str(path)!r}: {exc}")
    except (CorruptFileError, zipfile.BadZipFile, OSError) as exc:
        restricted_error = exc
    numpy_globals: list[Any] = [np.dtype]
    core = getattr(np, "_core", None) or np.core  # numpy 2 / numpy 1
    numpy_globals.append(core.multiarray.scalar)
    numpy_globals += [
        getattr(np.dtypes, n) for n in dir(getattr(np, "dtypes", object())) if n.endswith("DType")
    ]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return safe_torch_load(path, safe_globals=numpy_globals)
    except UnsafeFileError:
        if isinstance(restricted_error, UnsafeFileError):
            raise restricted_error from None  # it names the refused global
        raise


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    dataset: str = "cifar10-valid",
    hp: str | int = "200",
    fidelities: Sequence[float] | None = None,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    progress: bool | None = None,
    **unknown: Any,
) -> TableData:
    """Read an NB201 ``.pth`` into a per-seed, per-epoch :class:`TableData`.

    ``dataset``: ``cifar10-valid`` (default), ``cifar10``, ``cifar100``,
    ``ImageNet16-120``; ``hp``: ``"200"`` (``full``, default) or ``"12"``
    (``less``); ``fidelities``: keep only these epochs (default: all);
    ``progress``: a progress bar over the architectures (default: on a terminal).
    """
    C.check_options(FORMAT, unknown, ("dataset", "hp", "fidelities"))
    fidelities = I.fidelities_option(FORMAT, fidelities)
    p = C.as_path(path, FORMAT)
    hp_name, hp_keys = hp_label(hp, FORMAT)
    I.expect_kind(FORMAT, p, TORCH_KINDS, "a torch .pth file (a zip or a pickle)")
    data = _load(p)
    if not isinstance(data, Mapping) or "arch2infos" not in data:
        raise CorruptFileError(
            f"{FORMAT}: {str(p)!r} is not a NAS-Bench-201 benchmark file (no 'arch2infos'; "
            f"top-level keys {sorted(map(str, data))[:8] if isinstance(data, Mapping) else []})"
        )
    meta = data.get("meta_archs")
    meta = list(meta) if isinstance(meta, (list, tuple)) else []
    infos_of = data["arch2infos"]
    if not isinstance(infos_of, Mapping) or not all(
        isinstance(k, int) and not isinstance(k, bool) for k in infos_of
    ):
        raise CorruptFileError(
            f"{FORMAT}: {str(p)!r}: 'arch2infos' is not a dict keyed by integer arch indices; "
            "the file is corrupt or not a NAS-Bench-201 benchmark file"
        )
    records = []
    for index in sorted(infos_of):
        infos = infos_of[index]
        state = next((infos[k] for k in hp_keys if k in infos), None) if isinstance(
            infos, Mapping) else None  # fmt: skip
        if state is None:
            keys = sorted(map(str, infos)) if isinstance(infos, Mapping) else type(infos).__name__
            raise OutOfDomainError(
                f"{FORMAT}: {str(p)!r} arch {index} has no hp={hp!r} results ({keys}); "
                "use hp='200' or hp='12'"
            )
        arch_str = state.get("arch_str") if isinstance(state, Mapping) else None
        if not isinstance(arch_str, str) and 0 <= index < len(meta):
            arch_str = meta[index]
        records.append((f"arch {index}", arch_str, state))
    return assemble(
        fmt=FORMAT,
        path=p,
        records=records,
        dataset=dataset,
        hp=hp_name,
        name=name or f"nb201-pth-{hp_name}ep/{dataset}",
        fidelities=fidelities,
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=C.source_checksum(p),
        extra={"total_archs": str(data.get("total_archs", len(meta)))},
        progress=progress,
    )
