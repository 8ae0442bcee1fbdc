"""Import NAS-Bench-301 training results (one JSON file per trained network).

The NB301 training-data set is a tree of ``results_*.json`` files, each
recording one training run of one DARTS architecture:

- ``optimized_hyperparamater_config`` (upstream spelling): the ConfigSpace
  dict, whose ``NetworkSelectorDatasetInfo:darts:*`` entries give the cells;
  the other entries are training settings (layers, channels, lr, ...);
- ``info``: a list of epoch logs (upstream: one, the last epoch) with
  ``epochs`` (epochs completed), ``val_accuracy``, ``train_accuracy``,
  ``train_loss``, ``val_cross_entropy``, ``model_parameters``, ``dataset_path``;
- optional ``learning_curves``: ``{"Train/<log key>": [value per epoch]}``;
- ``test_accuracy`` (after the last epoch) and ``runtime`` (seconds).

Table layout:

- rows: one per distinct architecture (``arch.hash``), in file order;
- seeds: NB301 files do not store the training seed, so axis 1 holds the
  *repeat index* of an architecture's runs in sorted-path order
  (``repeats="seeds"``, labels ``0..R-1``, NaN where an architecture has
  fewer runs); ``repeats="mean"`` averages repeats (``seeds == ()``),
  ``repeats="first"`` keeps the first run (``seeds == (0,)``);
- fidelities: every epoch with a value: ``1..E`` when learning curves are
  present (``curves=True``), plus each run's final epoch ``E``;
- metrics: ``val_acc``, ``test_acc`` (final epoch only, NaN elsewhere),
  ``train_acc``, ``train_loss``, ``val_loss`` (val cross-entropy),
  ``train_time`` and ``params`` (millions, repeated at every fidelity), each
  kept when some run has it (``val_acc``, ``test_acc``, ``train_time``
  always). ``train_time`` is the cost metric: the run's ``runtime`` at ``E``
  and ``runtime * e / E`` at earlier epochs (NB301 logs only the total, so
  a constant cost per epoch is assumed).

>>> from nasbench_kit.tables.convert.nb301_json import convert
>>> table = convert("results_dir")  # doctest: +SKIP
>>> table.space, table.cost_metric  # doctest: +SKIP
('darts', 'train_time')
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from nasbench_kit import _progress
from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.spaces import get_space
from nasbench_kit.spaces.darts import CS_PREFIX, DartsArch, DartsSpace
from nasbench_kit.tables.convert._inputs import expect_kind, malformed, text_option
from nasbench_kit.tables.schema import TableData

FORMAT = "nb301-json"
CONFIG_KEY = "optimized_hyperparamater_config"  # sic: the upstream spelling
#: Per-epoch log key -> table metric.
CURVE_METRICS: dict[str, str] = {
    "val_accuracy": "val_acc",
    "train_accuracy": "train_acc",
    "train_loss": "train_loss",
    "val_cross_entropy": "val_loss",
}
METRIC_ORDER = ("val_acc", "test_acc", "train_acc", "train_loss", "val_loss", "train_time", "params")
UNITS = {"val_acc": "%", "test_acc": "%", "train_acc": "%", "train_loss": "", "val_loss": "",
         "train_time": "s", "params": "M"}
REPEATS = ("seeds", "mean", "first")


@dataclass
class _Run:
    """One training run read from one file."""

    path: Path
    arch: DartsArch
    final_epoch: int
    dataset: str
    settings: dict[str, Any]
    points: dict[str, dict[int, float]] = field(default_factory=dict)  # metric -> epoch -> value
    params: float = math.nan


def _num(value: Any, path: Path, key: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CorruptFileError(f"{path}: key {key!r} holds {value!r}, not a number; "
                               "the file is not an NB301 training result")
    return float(value)


def _require(mapping: Mapping[str, Any], key: str, path: Path, where: str = "") -> Any:
    if key not in mapping:
        raise CorruptFileError(f"{path}: missing key {where + key!r}; an NB301 training result "
                               f"has {CONFIG_KEY!r}, 'info', 'test_accuracy' and 'runtime'")
    return mapping[key]


def _is_arch_key(key: Any) -> bool:
    return str(key).startswith((f"{CS_PREFIX}edge_", f"{CS_PREFIX}inputs_node_"))


def _dataset_of(info: Mapping[str, Any]) -> str:
    raw = info.get("dataset_path")
    return Path(str(raw)).stem.lower() if raw else ""


def _read_run(path: Path, raw: bytes, space: DartsSpace, curves: bool) -> _Run:
    try:
        rec = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorruptFileError(f"{path}: not valid JSON ({err}); re-download the file") from err
    except RecursionError as err:
        raise CorruptFileError(f"{path}: JSON nested too deeply to be an NB301 result") from err
    if not isinstance(rec, dict):
        raise CorruptFileError(f"{path}: top level is {type(rec).__name__}, not an object")
    config = _require(rec, CONFIG_KEY, path)
    if not isinstance(config, dict):
        raise CorruptFileError(f"{path}: key {CONFIG_KEY!r} is not an object")
    try:
        arch = space.from_configspace(config)
    except OutOfDomainError as err:
        raise CorruptFileError(f"{path}: key {CONFIG_KEY!r} is not a DARTS cell pair: {err}") from err
    infos = _require(rec, "info", path)
    if not isinstance(infos, list) or not infos or not all(isinstance(i, dict) for i in infos):
        raise CorruptFileError(f"{path}: key 'info' must be a non-empty list of epoch logs")
    lc = rec.get("learning_curves") or {}
    if not isinstance(lc, dict):
        raise CorruptFileError(f"{path}: key 'learning_curves' is not an object")
    last = infos[-1]
    epochs = last.get("epochs", rec.get("budget"))
    if epochs is None and isinstance(lc.get("Train/val_accuracy"), list):
        epochs = len(lc["Train/val_accuracy"])
    final = _num(epochs, path, "info[-1].epochs")
    if not final >= 1 or final != int(final):
        raise CorruptFileError(f"{path}: key 'info[-1].epochs' = {epochs!r} is not a positive "
                               "epoch count")
    run = _Run(path, arch, int(final), _dataset_of(last),
               {k: v for k, v in config.items() if not _is_arch_key(k)})
    run.points = {m: {} for m in (*CURVE_METRICS.values(), "test_acc", "train_time")}
    if curves:
        for key, metric in CURVE_METRICS.items():
            curve = lc.get(f"Train/{key}")
            if curve is None:
                continue
            if not isinstance(curve, list):
                raise CorruptFileError(f"{path}: key 'learning_curves.Train/{key}' is not a list")
            for e, v in enumerate(curve, start=1):
                run.points[metric][e] = _num(v, path, f"learning_curves.Train/{key}[{e - 1}]")
    for i, info in enumerate(infos):
        is_last = i == len(infos) - 1
        at = run.final_epoch if is_last else info.get("epochs") if curves else None
        if at is None:
            continue
        at = int(_num(at, path, f"info[{i}].epochs"))
        for key, metric in CURVE_METRICS.items():
            if key in info:
                run.points[metric][at] = _num(info[key], path, f"info[{i}].{key}")
    if "val_accuracy" not in last:
        raise CorruptFileError(f"{path}: missing key 'info[-1].val_accuracy'")
    run.points["test_acc"][run.final_epoch] = _num(_require(rec, "test_accuracy", path), path,
                                                   "test_accuracy")
    runtime = _num(_require(rec, "runtime", path), path, "runtime")
    epochs_seen = {e for pts in run.points.values() for e in pts} | {run.final_epoch}
    for e in epochs_seen:
        if e <= run.final_epoch:
            run.points["train_time"][e] = runtime * e / run.final_epoch
    if "model_parameters" in last:
        run.params = _num(last["model_parameters"], path, "info[-1].model_parameters") / 1e6
    return run


def _files(path: Path) -> list[Path]:
    if path.is_file():
        expect_kind(FORMAT, path, ("json",), "an NB301 results_*.json file")
        return [path]
    if not path.is_dir():
        raise OutOfDomainError(f"NB301 result path {str(path)!r} does not exist; pass a "
                               "results_*.json file or a folder holding them")
    found = sorted(path.rglob("results_*.json")) or sorted(path.rglob("*.json"))
    if not found:
        raise CorruptFileError(f"{path}: no results_*.json or *.json files found under it; "
                               "point at the NB301 training-data folder")
    return found


def _matches(run: _Run, where: Mapping[str, Any]) -> bool:
    return all(str(run.settings.get(k)) == str(v) for k, v in where.items())


def convert(path: str | Path, name: str | None = None, **options: Any) -> TableData:
    """Read NB301 training-result JSON files (a folder, searched recursively, or one file).

    Options: ``dataset`` (label; default inferred from ``info[-1].dataset_path``),
    ``curves`` (bool, default True: keep per-epoch learning curves),
    ``repeats`` (``"seeds"`` | ``"mean"`` | ``"first"``, see the module doc),
    ``where`` (dict: keep only runs whose non-architecture config entries equal
    these values, e.g. ``{"NetworkSelectorDatasetInfo:darts:layers": 8}``),
    ``progress`` (a progress bar over the files; default: on a terminal).
    """
    unknown = set(options) - {"dataset", "curves", "repeats", "where", "progress"}
    if unknown:
        raise OutOfDomainError(f"unknown option(s) {sorted(unknown)} for format {FORMAT!r}; "
                               "use dataset=, curves=, repeats= or where=")
    repeats = options.get("repeats", "seeds")
    if not isinstance(repeats, str) or repeats not in REPEATS:
        raise OutOfDomainError(f"repeats={repeats!r} is not one of {list(REPEATS)}")
    curves = bool(options.get("curves", True))
    where = options.get("where") or {}
    if not isinstance(where, Mapping):
        raise OutOfDomainError(
            f"where={where!r:.80} must be a dict of config entries, e.g. "
            "where={'NetworkSelectorDatasetInfo:darts:layers': 8}"
        )
    text_option(FORMAT, "dataset", options.get("dataset"))
    if not isinstance(path, (str, os.PathLike)):
        raise OutOfDomainError(f"{FORMAT}: path={path!r:.80} is not a file path; pass a string")
    root = Path(path)
    space = cast(DartsSpace, get_space("darts"))
    digest = hashlib.sha256()
    runs: list[_Run] = []
    files = _files(root)
    for file in _progress.progress(files, total=len(files), desc=FORMAT, unit="file",
                                   enabled=options.get("progress")):  # fmt: skip
        raw = file.read_bytes()
        digest.update(file.name.encode() + b"\0" + raw)
        with malformed(str(file), "an NB301 training result"):
            run = _read_run(file, raw, space, curves)
        if _matches(run, where):
            runs.append(run)
    if not runs:
        raise OutOfDomainError(f"no NB301 run under {str(root)!r} matches where={dict(where)!r}; "
                               "loosen or drop the filter")
    datasets = sorted({r.dataset for r in runs})
    dataset = options.get("dataset") or (datasets[0] if len(datasets) == 1 and datasets[0] else None)
    if dataset is None:
        raise OutOfDomainError(f"runs under {str(root)!r} come from datasets {datasets}; pass "
                               "dataset= (and where= to select one) to label the table")
    return _assemble(runs, name or f"nb301-{dataset}", str(dataset), repeats, digest.hexdigest())


def _assemble(runs: list[_Run], name: str, dataset: str, repeats: str, checksum: str) -> TableData:
    groups: dict[str, list[_Run]] = {}
    for run in runs:
        groups.setdefault(run.arch.hash, []).append(run)
    if repeats == "first":
        groups = {h: rs[:1] for h, rs in groups.items()}
    fids = sorted({e for r in runs for pts in r.points.values() for e in pts})
    fid_ix = {e: i for i, e in enumerate(fids)}
    present = {m for r in runs for m, pts in r.points.items() if pts}
    if any(not math.isnan(r.params) for r in runs):
        present.add("params")
    metrics = tuple(m for m in METRIC_ORDER if m in present or m in ("val_acc", "test_acc", "train_time"))
    m_ix = {m: i for i, m in enumerate(metrics)}
    n_rep = max(len(rs) for rs in groups.values())
    values = np.full((len(groups), n_rep, len(fids), len(metrics)), np.nan, dtype=np.float32)
    for row, rs in enumerate(groups.values()):
        for rep, run in enumerate(rs):
            for metric, pts in run.points.items():
                for e, v in pts.items():
                    values[row, rep, fid_ix[e], m_ix[metric]] = v
            if "params" in m_ix:
                values[row, rep, :, m_ix["params"]] = run.params
    seeds: tuple[int, ...] = tuple(range(n_rep))
    if repeats == "mean":
        with warnings.catch_warnings():  # all-NaN cells: "mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.nanmean(values, axis=1, keepdims=True).astype(np.float32)
        seeds = ()
    firsts = [rs[0] for rs in groups.values()]
    settings = {json.dumps(r.settings, sort_keys=True, default=str) for r in runs}
    return TableData(
        name=name, space="darts", dataset=dataset,
        hashes=list(groups), notations=[r.arch.to_string() for r in firsts],
        seeds=seeds, fidelities=tuple(float(e) for e in fids), metrics=metrics,
        units={m: UNITS[m] for m in metrics}, values=values,
        source="NAS-Bench-301 training data (automl/nasbench301), results_*.json",
        licence="Apache-2.0",
        citation=("Zela, Siems, Zimmer, Lukasik, Keuper, Hutter: Surrogate NAS Benchmarks: Going "
                  "Beyond the Limited Search Spaces of Tabular NAS Benchmarks. ICLR 2022"),
        source_checksum=checksum, cost_metric="train_time",
        extra={
            "format": FORMAT, "n_runs": str(len(runs)), "repeats": repeats,
            "seed_axis": "repeat index in sorted-path order (NB301 stores no training seed)",
            "train_time": "runtime * epoch / final_epoch (NB301 logs only total runtime)",
            "training_settings": next(iter(settings)) if len(settings) == 1
            else f"{len(settings)} distinct non-architecture configs (filter with where=)",
        },
    )

